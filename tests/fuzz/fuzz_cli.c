/* libFuzzer harness: cli_parse on an argv made of the input's NUL-separated
 * pieces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    char *argv[65] = {"mesos-dnsd"};
    int argc = 1;
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy; p <= copy + size && argc < 64; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    cli_opts_t o;
    char err[128];
    int rc = cli_parse(argc, argv, &o, err, sizeof err);
    /* Strings are the default or point into argv. */
    if (rc == 0 && strcmp(o.config, "config.json") != 0 &&
        (o.config < copy || o.config > copy + size))
        abort();
    if (rc == 0 && o.state_file && (o.state_file < copy || o.state_file > copy + size))
        abort();
    free(copy);
    return 0;
}
