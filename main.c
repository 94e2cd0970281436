/* mesos-dnsd: wires config, discovery, zone, dnsd and http together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "config/cli.h"
#include "config/config.h"

/* Command line and config: 0 to go on, else the exit status (0 for -version
 * and --check-config, 1 for a bad config, 2 for a bad command line). */
static int setup(int argc, char **argv, config_t *c, bool *done)
{
    cli_opts_t o;
    char err[1024];
    *done = true;
    int rc = cli_parse(argc, argv, &o, err, sizeof err);
    if (rc < 0 || rc == CLI_HELP) {
        if (rc < 0)
            fprintf(stderr, "%s\n", err);
        cli_usage(stderr, argv[0]);
        return rc < 0 ? 2 : 0;
    }
    if (o.version) {
        printf("mesos-dnsd %s\n", MDNS_VERSION);
        return 0;
    }
    log_set_verbosity(o.verbosity);
    if (o.n_ignored)
        log_debug("ignored %d glog flag(s): logs always go to stderr", o.n_ignored);
    if (config_load(c, o.config, err, sizeof err) < 0) {
        log_err("%s", err);
        return 1;
    }
    if (o.state_file && !(c->state_file = strdup(o.state_file))) {
        log_err("out of memory");
        return 1;
    }
    if (config_validate(c, err, sizeof err) < 0) {
        log_err("%s", err);
        return 1;
    }
    if (o.check_config) {
        char *json = config_to_json_full(c);
        if (!json) {
            log_err("out of memory");
            return 1;
        }
        printf("%s\n", json);
        free(json);
        return 0;
    }
    *done = false;
    return 0;
}

int main(int argc, char **argv)
{
    config_t c = {0};
    bool done;
    int status = setup(argc, argv, &c, &done);
    if (done) {
        config_free(&c);
        return status;
    }
    log_info("config %s loaded", c.file);

    /* ---- LEAD: daemon wiring goes here (discovery, zone, dnsd, http). ---- */
    log_info("daemon not wired yet");

    config_free(&c);
    return 0;
}
