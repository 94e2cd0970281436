/* Shared harness of the config/ tests (test_config_*.c): parse a JSON
 * text into a config_t and check success or the one-line error message, with
 * the warnings and errors logged meanwhile collected in `logs`. */
#ifndef MDNS_TESTS_CONFIG_FIXTURE_H
#define MDNS_TESTS_CONFIG_FIXTURE_H

#include "config/config.h"

extern char errbuf[1024]; /* the error message of the last parse */
extern char logs[16384];  /* warnings and errors logged during a test */

/* Per-test setup and teardown: empty `logs` and `errbuf`, capture the log. */
int setup(void **state);
int teardown(void **state);

/* config_parse() of `json` into `c`, the message into `errbuf`. */
int parse(config_t *c, const char *json);

/* Parse `json`, which must succeed. */
void ok(config_t *c, const char *json);

/* Parse `json`, which must fail with -EINVAL and a message containing each
 * of the NULL-terminated needles. */
void bad(const char *json, ...);

/* `n` is the network ip/prefix. */
void assert_net(const config_net_t *n, const char *ip, int prefix);

#endif
