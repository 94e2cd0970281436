/* cli: the command line, with Go's flag package rules as Mesos-DNS uses
 * them (compat spec §1): -flag, --flag, -flag=value, --flag=value, and
 * -flag value for flags that take a value; a boolean flag takes its value
 * only as -flag=false; "--" ends the flags. Mesos-DNS's -v comes from glog
 * and always needs a value (-v 1, -v=1); glog's other flags
 * (-logtostderr, -alsologtostderr, -stderrthreshold, -log_dir,
 * -log_backtrace_at, -vmodule) are accepted and ignored, so existing unit
 * files keep working. Arguments that are not flags are an error.
 *
 * Pure: no allocation (strings point into argv), reentrant. */
#ifndef MDNS_CLI_H
#define MDNS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cli_opts {
    const char *config;     /* -config PATH (default "config.json") */
    const char *state_file; /* --state-file PATH, NULL when absent */
    int verbosity;          /* -v N (default 0) */
    bool version;           /* -version */
    bool check_config;      /* --check-config */
    int n_ignored;          /* glog flags seen and ignored */
} cli_opts_t;

#define CLI_HELP 1 /* cli_parse: -h, -help or --help was given */

/* Parse argv[1..argc). Returns 0 (run), CLI_HELP (print usage, exit 0), or
 * -EINVAL with a one-line message in `err` (print it and the usage, exit 2). */
int cli_parse(int argc, char **argv, cli_opts_t *o, char *err, size_t errlen);

/* The usage text (flags and their meaning). */
void cli_usage(FILE *f, const char *prog);

#endif
