/* In-process tests of the BIND snippets and zone file served over HTTP
 * (http_fixture.h): /v1/bind/forward-zone, /v1/bind/dcos,
 * /v1/bind/secondary (each accepted by named-checkconf) and /v1/zone
 * (dcos-and-bind spec §2).
 * Expected documents come from the specs (compat §4, §8; dcos-and-bind
 * §2): the names are derived by hand from the state document, the task
 * hash is recomputed from its definition (z-base-32 of SHA-1). JSON is
 * compared structurally (jansson); the byte format is checked against Go's
 * json.MarshalIndent(v, "", " "). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include <cmocka.h>

#include "common/buf.h"
#include "config/config.h"
#include "discovery/state_parse.h"
#include "dnsd/stats.h"
#include "http/http.h"
#include "zone/hostcache.h"
#include "zone/snapshot.h"
#include "zone/updater.h"
#include "zone/zonedb.h"

#include "http_fixture.h"

/* ---- BIND snippets ---------------------------------------------------- */

/* named-checkconf accepts `conf` (written into a temp file). */
static void checkconf(const char *conf)
{
    if (access("/usr/bin/named-checkconf", X_OK) != 0 &&
        access("/usr/sbin/named-checkconf", X_OK) != 0) {
        fprintf(stderr, "named-checkconf not installed: syntax not checked\n");
        return;
    }
    char path[] = "/tmp/test_http_conf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, conf, strlen(conf)), (ssize_t)strlen(conf));
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "named-checkconf %s", path);
    int rc = system(cmd);
    unlink(path);
    if (rc != 0)
        fail_msg("named-checkconf rejected:\n%s", conf);
}

static void test_bind_forward(void **state)
{
    (void)state;
    reply_t r;
    /* listener 0.0.0.0: the address the request reached, DNS port */
    get(T.port1, "/v1/bind/forward-zone", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; charset=utf-8");
    assert_non_null(strstr(r.body.data, "zone \"mesos\" {\n"));
    assert_non_null(strstr(r.body.data, "  type forward;\n"));
    assert_non_null(strstr(r.body.data, "  forward only;\n"));
    assert_non_null(strstr(r.body.data, "  forwarders { 127.0.0.1 port 8053; };\n"));
    checkconf(r.body.data);
    done(&r);
    /* one listener address */
    get(T.port2, "/v1/bind/forward-zone", &r);
    assert_non_null(strstr(r.body.data, "  forwarders { 10.9.8.7 port 8053; };\n"));
    done(&r);
    /* ?servers= */
    get(T.port1, "/v1/bind/forward-zone?servers=10.0.0.1,10.0.0.2:5353,%5Bfd00::1%5D:53,fd00::2",
        &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(
        r.body.data,
        "  forwarders { 10.0.0.1 port 8053; 10.0.0.2 port 5353; fd00::1; fd00::2 port 8053; };"));
    checkconf(r.body.data);
    done(&r);
    expect(T.port1, NULL, "/v1/bind/forward-zone?servers=dns.example.com", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/bind/forward-zone?servers=10.0.0.1:0", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/bind/forward-zone?servers=", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/bind/forward-zone?servers=%zz", NULL, 400, NULL);
    /* HEAD works on our endpoints */
    request(T.port1, "HEAD", "/v1/bind/forward-zone", NULL, &r);
    assert_int_equal(r.status, 200);
    done(&r);
}

static void test_bind_dcos(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/v1/bind/dcos?zone=contoso.com,Foo.Example.ORG.", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "zone \"" LABEL ".dcos.directory\" {\n"));
    assert_non_null(strstr(r.body.data, "  forwarders { 127.0.0.1 port 8053; };\n"));
    assert_non_null(strstr(r.body.data, "dnssec-validation no;"));
    assert_non_null(
        strstr(r.body.data, "\ncontoso.com. 60 IN DNAME mesos." LABEL ".dcos.directory.\n"));
    assert_non_null(
        strstr(r.body.data, "\nfoo.example.org. 60 IN DNAME mesos." LABEL ".dcos.directory.\n"));
    /* the named.conf part (everything before the zone-file part) is valid */
    char *zonefile = strstr(r.body.data, "\n;");
    assert_non_null(zonefile);
    zonefile[1] = '\0';
    checkconf(r.body.data);
    done(&r);
    get(T.port1, "/v1/bind/dcos", &r); /* without ?zone= */
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body.data, "DNAME mesos."));
    done(&r);
    expect(T.port1, NULL, "/v1/bind/dcos?zone=bad%20name", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/bind/dcos?zone=a..b", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/bind/dcos?zone=.", NULL, 400, NULL);
}

static void test_bind_secondary(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/v1/bind/secondary", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "zone \"mesos\" {\n  type secondary;\n"
                                        "  primaries { 127.0.0.1 port 8053; };\n"
                                        "  file \"db.mesos\";\n};\n"));
    checkconf(r.body.data);
    done(&r);
}

static void test_zone_file(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/v1/zone", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; charset=utf-8");
    assert_non_null(strstr(r.body.data, "SOA"));
    assert_non_null(strstr(r.body.data, "10.1.0.1"));
    assert_non_null(strstr(r.body.data, "fd00::3"));
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bind_forward),
        cmocka_unit_test(test_bind_dcos),
        cmocka_unit_test(test_bind_secondary),
        cmocka_unit_test(test_zone_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
