/* Shared harness of the config/ tests: see config_fixture.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "config/config.h"

#include "config_fixture.h"

char errbuf[1024];
char logs[16384]; /* warnings and errors logged during a test */

static void sink(void *ctx, enum log_level level, const char *msg)
{
    (void)ctx;
    if (level > LOG_LVL_WARN)
        return;
    size_t n = strlen(logs);
    snprintf(logs + n, sizeof logs - n, "%s\n", msg);
}

int setup(void **state)
{
    logs[0] = '\0';
    errbuf[0] = '\0';
    log_set_sink(sink, NULL);
    return 0;
}

int teardown(void **state)
{
    log_set_sink(NULL, NULL);
    return 0;
}

int parse(config_t *c, const char *json)
{
    return config_parse(c, json, strlen(json), errbuf, sizeof errbuf);
}

/* Parse `json`, which must succeed. */
void ok(config_t *c, const char *json)
{
    int rc = parse(c, json);
    if (rc != 0)
        fail_msg("parse failed (%d): %s\ninput: %s", rc, errbuf, json);
}

/* Parse `json`, which must fail with -EINVAL and a message containing each
 * of the NULL-terminated needles. */
void bad(const char *json, ...)
{
    config_t c;
    int rc = parse(&c, json);
    if (rc != -EINVAL)
        fail_msg("expected -EINVAL, got %d for: %s", rc, json);
    if (strncmp(errbuf, "config: ", 8) != 0)
        fail_msg("message lacks the prefix: %s", errbuf);
    if (strchr(errbuf, '\n'))
        fail_msg("message is not one line: %s", errbuf);
    va_list ap;
    va_start(ap, json);
    const char *needle;
    while ((needle = va_arg(ap, const char *)) != NULL)
        if (!strstr(errbuf, needle))
            fail_msg("message \"%s\" lacks \"%s\" (input %s)", errbuf, needle, json);
    va_end(ap);
    /* On failure the config is zeroed: freeing it again is harmless. */
    assert_null(c.domain);
    config_free(&c);
}

void assert_net(const config_net_t *n, const char *ip, int prefix)
{
    char text[64];
    assert_non_null(inet_ntop(n->family, n->addr, text, sizeof text));
    assert_string_equal(text, ip);
    assert_int_equal(n->prefix, prefix);
}
