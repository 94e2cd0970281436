/* Unit tests of http/route.c: request-target parsing and routing as
 * Mesos-DNS's Go stack does it (compat spec §8; Go net/http decodes the
 * path and 301-redirects unclean ones, go-restful trims slashes and matches
 * tokens), query parameters, Accept, name clean-up, ?servers= lists. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/socket.h>

#include "http/route.h"

static http_route_t rt;

static int parse(const char *uri)
{
    return http_route_parse(uri, strlen(uri), &rt);
}

static void expect_ep(const char *uri, enum http_ep ep, const char *param)
{
    int rc = parse(uri);
    if (rc != 0 || rt.ep != ep)
        fail_msg("%s: rc %d ep %s, want ep %s", uri, rc, http_route_ep_name(rt.ep),
                 http_route_ep_name(ep));
    if (param) {
        assert_non_null(rt.param);
        assert_int_equal(rt.param_len, strlen(param));
        assert_memory_equal(rt.param, param, rt.param_len);
    }
}

static void test_routes(void **state)
{
    (void)state;
    expect_ep("/", HTTP_EP_ROOT, NULL);
    expect_ep("/v1/version", HTTP_EP_VERSION, NULL);
    expect_ep("/v1/version/", HTTP_EP_VERSION, NULL); /* go-restful trims slashes */
    expect_ep("/v1/config", HTTP_EP_CONFIG, NULL);
    expect_ep("/v1/enumerate", HTTP_EP_ENUMERATE, NULL);
    expect_ep("/v1/axfr", HTTP_EP_AXFR, NULL);
    expect_ep("/v1/zone", HTTP_EP_ZONE, NULL);
    expect_ep("/v1/hosts/web.marathon.mesos", HTTP_EP_HOSTS, "web.marathon.mesos");
    expect_ep("/v1/hosts/web.marathon.mesos.", HTTP_EP_HOSTS, "web.marathon.mesos.");
    expect_ep("/v1/hosts/WEB.marathon.mesos/ports", HTTP_EP_HOST_PORTS, "WEB.marathon.mesos");
    expect_ep("/v1/hosts/x/ports/", HTTP_EP_HOST_PORTS, "x");
    expect_ep("/v1/services/_web._tcp.marathon.mesos", HTTP_EP_SERVICES,
              "_web._tcp.marathon.mesos");
    expect_ep("/v1/bind/forward-zone", HTTP_EP_BIND_FORWARD, NULL);
    expect_ep("/v1/bind/dcos?zone=a.b", HTTP_EP_BIND_DCOS, NULL);
    expect_ep("/v1/bind/secondary", HTTP_EP_BIND_SECONDARY, NULL);
    expect_ep("/metrics", HTTP_EP_METRICS, NULL);
    expect_ep("/healthz", HTTP_EP_HEALTHZ, NULL);
    expect_ep("/readyz", HTTP_EP_READYZ, NULL);
    /* escapes are decoded before matching, as Go does */
    expect_ep("/v1/hosts/web%2Emarathon%2emesos", HTTP_EP_HOSTS, "web.marathon.mesos");
    expect_ep("/v1/hosts/a%2Fports", HTTP_EP_HOST_PORTS, "a");
    expect_ep("/v1/hosts/a+b", HTTP_EP_HOSTS, "a+b"); /* '+' is literal in paths */
    /* no route */
    expect_ep("/v1/hosts/", HTTP_EP_NOT_FOUND, NULL);
    expect_ep("/v1/hosts", HTTP_EP_NOT_FOUND, NULL);
    expect_ep("/v1/Version", HTTP_EP_NOT_FOUND, NULL); /* tokens are case-sensitive */
    expect_ep("/v1/hosts/a%2Fb", HTTP_EP_NOT_FOUND, NULL);
    expect_ep("/v1/hosts/a/b/c/d", HTTP_EP_NOT_FOUND, NULL);
    expect_ep("/v2/version", HTTP_EP_NOT_FOUND, NULL);
    expect_ep("/v1/bind", HTTP_EP_NOT_FOUND, NULL);
    expect_ep("/favicon.ico", HTTP_EP_NOT_FOUND, NULL);
    /* absolute form */
    expect_ep("http://example.com:8123/v1/version?x=1", HTTP_EP_VERSION, NULL);
    assert_string_equal(rt.query, "x=1");
    expect_ep("HTTPS://h", HTTP_EP_ROOT, NULL);
    expect_ep("http://h?q=1", HTTP_EP_ROOT, NULL);
}

static void expect_status(const char *uri, int status)
{
    int rc = parse(uri);
    if (rc != status)
        fail_msg("%s: status %d, want %d", uri, rc, status);
    assert_int_equal(rt.ep, HTTP_EP_INVALID);
}

static void expect_redirect(const char *uri, const char *location)
{
    expect_status(uri, 301);
    assert_string_equal(rt.path, location);
}

static void test_rejects(void **state)
{
    (void)state;
    expect_status("", 400);
    expect_status("*", 400);
    expect_status("v1/version", 400);
    expect_status("/v1/hosts/%00", 400);
    expect_status("/v1/hosts/a%00b", 400);
    expect_status("/v1/hosts/%zz", 400);
    expect_status("/v1/hosts/%4", 400);
    expect_status("/v1/hosts/%", 400);
    expect_status("/v1/hosts/a b", 400);
    expect_status("/v1/hosts/a\tb", 400);
    expect_status("/v1/hosts/a\x7f", 400);
    assert_int_equal(http_route_parse("/v1\0/version", 12, &rt), 400); /* raw NUL */

    char *big = malloc(HTTP_URI_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', HTTP_URI_MAX + 1);
    big[0] = '/';
    assert_int_equal(http_route_parse(big, HTTP_URI_MAX + 1, &rt), 414);
    assert_int_equal(http_route_parse(big, HTTP_URI_MAX, &rt), 0); /* the limit itself */
    assert_int_equal(rt.ep, HTTP_EP_NOT_FOUND);
    free(big);
}

static void test_redirects(void **state)
{
    (void)state;
    /* Go's ServeMux: path.Clean, trailing slash kept */
    expect_redirect("//v1/version", "/v1/version");
    expect_redirect("/v1//version", "/v1/version");
    expect_redirect("/v1/./config/", "/v1/config/");
    expect_redirect("/v1/hosts/../version", "/v1/version");
    expect_redirect("/a/../../b", "/b");
    expect_redirect("/..", "/");
    expect_redirect("/%2e%2e/metrics", "/metrics");
    expect_redirect("//metrics?x=1&y=%41", "/metrics?x=1&y=%41"); /* query kept raw */
    /* the Location is re-escaped */
    expect_redirect("/v1//hosts/a%20b", "/v1/hosts/a%20b");
    expect_redirect("/v1//hosts/%C3%A9%3F", "/v1/hosts/%C3%A9%3F");
}

static void expect_query(const char *q, const char *key, int rc, const char *value)
{
    char out[64];
    int got = http_route_query(q, key, out, sizeof out);
    if (got != rc)
        fail_msg("query %s key %s: %d, want %d", q, key, got, rc);
    if (rc >= 0)
        assert_string_equal(out, value);
}

static void test_query(void **state)
{
    (void)state;
    expect_query("a=1&servers=10.0.0.1%3A8053&b", "servers", 13, "10.0.0.1:8053");
    expect_query("servers=a+b", "servers", 3, "a b");
    expect_query("zone=x&zone=y", "zone", 1, "x"); /* the first wins */
    expect_query("zone", "zone", 0, "");
    expect_query("zone=", "zone", 0, "");
    expect_query("zon%65=x", "zone", 1, "x");
    expect_query("", "zone", -ENOENT, NULL);
    expect_query("zones=1&azone=2", "zone", -ENOENT, NULL);
    expect_query("zone=%zz", "zone", -EINVAL, NULL);
    expect_query("zone=%00", "zone", -EINVAL, NULL);
    expect_query("a%=1&zone=2", "zone", -EINVAL, NULL);
    char small[4];
    assert_int_equal(http_route_query("q=12345", "q", small, sizeof small), -ERANGE);
}

static void test_accept(void **state)
{
    (void)state;
    assert_true(http_route_accepts_json(NULL));
    assert_true(http_route_accepts_json(""));
    assert_true(http_route_accepts_json("  "));
    assert_true(http_route_accepts_json("application/json"));
    assert_true(http_route_accepts_json("Application/JSON"));
    assert_true(http_route_accepts_json("application/json; charset=utf-8"));
    assert_true(http_route_accepts_json("*/*"));
    assert_true(http_route_accepts_json(
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")); /* a browser */
    assert_true(http_route_accepts_json("text/plain, application/json"));
    assert_false(http_route_accepts_json("text/html"));
    assert_false(http_route_accepts_json("text/plain"));
    assert_false(http_route_accepts_json("application/*"));
    assert_false(http_route_accepts_json("application/jsonx"));
    assert_false(http_route_accepts_json("application/xml"));
}

static void expect_name(const char *in, const char *want)
{
    char out[64];
    int n = http_route_name(in, strlen(in), out, sizeof out);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_name(void **state)
{
    (void)state;
    expect_name("Web.Marathon.MESOS", "web.marathon.mesos.");
    expect_name("web.marathon.mesos.", "web.marathon.mesos.");
    expect_name("chronos.*.marathon.mesos", "chronos.marathon.mesos.");
    expect_name("a.*.*b", "ab."); /* Go strings.Replace: left to right */
    expect_name(".**", "*.");
    expect_name(".*", ".");
    expect_name("", ".");
    char out[4];
    assert_int_equal(http_route_name("abcd", 4, out, sizeof out), -ERANGE);
}

static void test_servers(void **state)
{
    (void)state;
    http_route_server_t s[HTTP_ROUTE_MAX_SERVERS];
    assert_int_equal(http_route_servers("10.0.0.1", 8053, s, HTTP_ROUTE_MAX_SERVERS), 1);
    assert_int_equal(s[0].family, AF_INET);
    assert_memory_equal(s[0].addr, "\x0a\x00\x00\x01", 4);
    assert_int_equal(s[0].port, 8053);
    assert_int_equal(http_route_servers(" 10.0.0.1:53 , [::1]:5353,2001:db8::1,[::2]", 8053, s, 16),
                     4);
    assert_int_equal(s[0].port, 53);
    assert_int_equal(s[1].family, AF_INET6);
    assert_int_equal(s[1].port, 5353);
    assert_int_equal(s[1].addr[15], 1);
    assert_int_equal(s[2].family, AF_INET6);
    assert_int_equal(s[2].port, 8053);
    assert_int_equal(s[3].addr[15], 2);
    const char *bad[] = {"",          "1.2.3.4,",    "host:53", "1.2.3.4:0", "1.2.3.4:65536",
                         "1.2.3.4:x", "[::1",        "[::1]x",  "[::1]:",    "1.2.3",
                         "::1:53:x",  "1.2.3.4:53:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (http_route_servers(bad[i], 53, s, 16) != -EINVAL)
            fail_msg("servers \"%s\" accepted", bad[i]);
    /* at most `max` */
    assert_int_equal(http_route_servers("1.1.1.1,2.2.2.2,3.3.3.3", 53, s, 2), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),    cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_redirects), cmocka_unit_test(test_query),
        cmocka_unit_test(test_accept),    cmocka_unit_test(test_name),
        cmocka_unit_test(test_servers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
