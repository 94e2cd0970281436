/* In-process tests of the Mesos-DNS HTTP API (http_fixture.h: a real
 * server serving a zone built from tests/data/http/state.json, queried with
 * libcurl): /v1/version, /v1/config, /v1/hosts, /v1/services, host ports,
 * /v1/enumerate, /v1/axfr, the protocol errors (methods, Accept, unknown
 * paths) and the page at /.
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

/* ---- Mesos-DNS API ---------------------------------------------------- */

static void test_version(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/v1/version", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "application/json");
    char want[256];
    snprintf(want, sizeof want,
             "{\n \"Service\": \"mesos-dnsd\",\n"
             " \"URL\": \"https://github.com/mesosphere/mesos-dns\",\n"
             " \"Version\": \"%s\"\n}",
             MDNS_VERSION);
    assert_string_equal(r.body.data, want);
    done(&r);
    /* a trailing slash still routes (go-restful trims it) */
    get(T.port1, "/v1/version/", &r);
    assert_int_equal(r.status, 200);
    done(&r);
}

static void test_config(void **state)
{
    (void)state;
    json_t *j = get_json(T.port1, "/v1/config");
    static const char *const keys[] = {"RefreshSeconds",
                                       "Port",
                                       "Timeout",
                                       "StateTimeoutSeconds",
                                       "ZkDetectionTimeout",
                                       "HttpPort",
                                       "TTL",
                                       "SRVRecordDefaultWeight",
                                       "SOASerial",
                                       "SOARefresh",
                                       "SOARetry",
                                       "SOAExpire",
                                       "SOAMinttl",
                                       "SOAMname",
                                       "SOARname",
                                       "Masters",
                                       "ZoneResolvers",
                                       "Resolvers",
                                       "IPSources",
                                       "Zk",
                                       "Domain",
                                       "File",
                                       "Listener",
                                       "HTTPListener",
                                       "RecurseOn",
                                       "DnsOn",
                                       "HttpOn",
                                       "ExternalOn",
                                       "EnforceRFC952",
                                       "SetTruncateBit",
                                       "EnumerationOn",
                                       "MesosHTTPSOn",
                                       "CACertFile",
                                       "CertFile",
                                       "KeyFile",
                                       "MesosCredentials",
                                       "IAMConfigFile",
                                       "MesosAuthentication"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(j, keys[i]))
            fail_msg("/v1/config lacks %s", keys[i]);
    assert_string_equal(json_string_value(json_object_get(j, "Domain")), "mesos");
    assert_int_equal(json_integer_value(json_object_get(j, "Port")), 8053);
    /* the serial served, as Mesos-DNS updates its config's on each reload */
    assert_int_equal(json_integer_value(json_object_get(j, "SOASerial")), live_serial(T.db1));
    json_t *cred = json_object_get(j, "MesosCredentials");
    assert_string_equal(json_string_value(json_object_get(cred, "Principal")), "dns");
    json_decref(j);
    reply_t r;
    get(T.port1, "/v1/config", &r);
    assert_null(strstr(r.body.data, "s3cret")); /* the secret is redacted */
    done(&r);
}

static void test_hosts(void **state)
{
    (void)state;
    /* two web tasks (A), one with an IPv6 address too (AAAA) */
    json_t *j = get_json(T.port1, "/v1/hosts/web.marathon.mesos");
    assert_json_set(j, json_pack("[o,o,o]", host("web.marathon.mesos.", "10.1.0.1"),
                                 host("web.marathon.mesos.", "10.1.0.2"),
                                 host("web.marathon.mesos.", "fd00::1")));
    /* A before AAAA */
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 2), "ip")), "fd00::1");
    json_decref(j);
    /* lower-cased, ".*" removed, trailing dot optional, escapes decoded */
    const char *same[] = {"/v1/hosts/WEB.Marathon.MESOS.", "/v1/hosts/web.*.marathon.mesos",
                          "/v1/hosts/web%2Emarathon.mesos", "/v1/hosts/web.marathon.mesos/"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        j = get_json(T.port1, same[i]);
        assert_int_equal(json_array_size(j), 3);
        assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "host")),
                            "web.marathon.mesos.");
        json_decref(j);
    }
    char path[256], name[128];
    snprintf(name, sizeof name, "%s.marathon.mesos.", T.web1);
    snprintf(path, sizeof path, "/v1/hosts/%s", name);
    j = get_json(T.port1, path);
    assert_json_set(j, json_pack("[o,o]", host(name, "10.1.0.1"), host(name, "fd00::1")));
    json_decref(j);
    snprintf(name, sizeof name, "%s.marathon.slave.mesos.", T.web2);
    snprintf(path, sizeof path, "/v1/hosts/%s", name);
    j = get_json(T.port1, path);
    assert_json_set(j, json_pack("[o]", host(name, "10.0.1.11"))); /* the agent's IP */
    json_decref(j);
    j = get_json(T.port1, "/v1/hosts/leader.mesos");
    assert_json_set(j, json_pack("[o]", host("leader.mesos.", "10.0.0.10")));
    json_decref(j);
    j = get_json(T.port1, "/v1/hosts/slave.mesos");
    assert_json_set(j, json_pack("[o,o]", host("slave.mesos.", "10.0.1.10"),
                                 host("slave.mesos.", "10.0.1.11")));
    json_decref(j);
    /* nothing: one empty record, status 200 (Mesos-DNS) */
    const char *none[] = {"/v1/hosts/nope.mesos",
                          "/v1/hosts/example.com",
                          "/v1/hosts/marathon.slave.mesos",
                          "/v1/hosts/a..b",
                          "/v1/hosts/_web._tcp.marathon.mesos",
                          "/v1/hosts/.*"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        j = get_json(T.port1, none[i]);
        assert_json_set(j, json_pack("[o]", host("", "")));
        json_decref(j);
    }
}

static json_t *svc(const char *service, const char *hostname, const char *ip, const char *port)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "service", service, "host", hostname, "ip", ip, "port",
                     port);
}

static void test_services(void **state)
{
    (void)state;
    char t1[128], t2[128], tn[128];
    snprintf(t1, sizeof t1, "%s.marathon.slave.mesos.", T.web1);
    snprintf(t2, sizeof t2, "%s.marathon.slave.mesos.", T.web2);
    snprintf(tn, sizeof tn, "%s.marathon.mesos.", T.nginx1);
    /* no DiscoveryInfo: SRV per resource port, targets on the agent */
    const char *s = "_web._tcp.marathon.mesos";
    json_t *j = get_json(T.port1, "/v1/services/_web._tcp.marathon.mesos");
    assert_json_set(j,
                    json_pack("[o,o,o]", svc(s, t1, "10.0.1.10", "31000"),
                              svc(s, t1, "10.0.1.10", "31001"), svc(s, t2, "10.0.1.11", "31002")));
    json_decref(j);
    /* "service" echoes the request as written */
    s = "_WEB._udp.Marathon.mesos.";
    j = get_json(T.port1, "/v1/services/_WEB._udp.Marathon.mesos.");
    assert_json_set(j,
                    json_pack("[o,o,o]", svc(s, t1, "10.0.1.10", "31000"),
                              svc(s, t1, "10.0.1.10", "31001"), svc(s, t2, "10.0.1.11", "31002")));
    json_decref(j);
    /* DiscoveryInfo port 80/tcp "http": the target has an A and an AAAA */
    s = "_nginx._tcp.marathon.mesos";
    j = get_json(T.port1, "/v1/services/_nginx._tcp.marathon.mesos");
    assert_json_set(j,
                    json_pack("[o,o]", svc(s, tn, "10.1.0.3", "80"), svc(s, tn, "fd00::3", "80")));
    json_decref(j);
    s = "_http._nginx._tcp.marathon.mesos";
    j = get_json(T.port1, "/v1/services/_http._nginx._tcp.marathon.mesos");
    assert_json_set(j,
                    json_pack("[o,o]", svc(s, tn, "10.1.0.3", "80"), svc(s, tn, "fd00::3", "80")));
    json_decref(j);
    s = "_leader._tcp.mesos";
    j = get_json(T.port1, "/v1/services/_leader._tcp.mesos");
    assert_json_set(j, json_pack("[o]", svc(s, "leader.mesos.", "10.0.0.10", "5050")));
    json_decref(j);
    /* protocol tcp only; an A name; nothing */
    const char *none[] = {"/v1/services/_nginx._udp.marathon.mesos",
                          "/v1/services/web.marathon.mesos", "/v1/services/_x._tcp.mesos"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        j = get_json(T.port1, none[i]);
        assert_json_set(j, json_pack("[o]", svc("", "", "", "")));
        json_decref(j);
    }
}

static void test_host_ports(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/v1/hosts/web.marathon.mesos/ports", &r);
    assert_int_equal(r.status, 501);
    assert_string_equal(r.body.data, "To be implemented...");
    done(&r);
}

/* The record {name, host, rtype} is listed under task `task_id`. */
static bool enum_has(json_t *doc, const char *task_id, const char *name, const char *hostv,
                     const char *rtype)
{
    json_t *fws = json_object_get(doc, "frameworks"), *fw, *t, *rec;
    size_t i, k, m;
    json_array_foreach(fws, i, fw)
    {
        json_array_foreach(json_object_get(fw, "tasks"), k, t)
        {
            if (strcmp(json_string_value(json_object_get(t, "id")), task_id) != 0)
                continue;
            json_array_foreach(json_object_get(t, "records"), m, rec)
            {
                if (strcmp(json_string_value(json_object_get(rec, "name")), name) == 0 &&
                    strcmp(json_string_value(json_object_get(rec, "host")), hostv) == 0 &&
                    strcmp(json_string_value(json_object_get(rec, "rtype")), rtype) == 0)
                    return true;
            }
        }
    }
    return false;
}

static void test_enumerate(void **state)
{
    (void)state;
    json_t *j = get_json(T.port1, "/v1/enumerate");
    json_t *fws = json_object_get(j, "frameworks");
    assert_int_equal(json_array_size(fws), 1);
    json_t *fw = json_array_get(fws, 0);
    assert_string_equal(json_string_value(json_object_get(fw, "name")), "marathon");
    json_t *tasks = json_object_get(fw, "tasks");
    assert_int_equal(json_array_size(tasks), 3); /* web.3 is not running */
    char n[128], h[256];
    assert_true(enum_has(j, "web.1", "web.marathon.mesos.", "10.1.0.1", "A"));
    assert_true(enum_has(j, "web.1", "web.marathon.mesos.", "fd00::1", "AAAA"));
    snprintf(n, sizeof n, "%s.marathon.slave.mesos.", T.web1);
    assert_true(enum_has(j, "web.1", n, "10.0.1.10", "A"));
    snprintf(h, sizeof h, "%s:31001", n);
    assert_true(enum_has(j, "web.1", "_web._tcp.marathon.mesos.", h, "SRV"));
    snprintf(h, sizeof h, "%s.marathon.mesos.:80", T.nginx1);
    assert_true(enum_has(j, "nginx.1", "_http._nginx._tcp.marathon.mesos.", h, "SRV"));
    json_decref(j);
}

static bool set_has(json_t *records, const char *kind, const char *name, const char *value)
{
    json_t *a = json_object_get(json_object_get(records, kind), name), *v;
    size_t i;
    json_array_foreach(a, i, v) if (strcmp(json_string_value(v), value) == 0) return true;
    return false;
}

static void test_axfr(void **state)
{
    (void)state;
    json_t *j = get_json(T.port1, "/v1/axfr");
    assert_int_equal(json_integer_value(json_object_get(j, "TTL")), 60);
    assert_int_equal(json_integer_value(json_object_get(j, "Serial")), live_serial(T.db1));
    assert_int_equal(json_integer_value(json_object_get(j, "RefreshSeconds")), 60);
    assert_string_equal(json_string_value(json_object_get(j, "Mname")), "ns1.mesos.");
    assert_string_equal(json_string_value(json_object_get(j, "Rname")), "root.ns1.mesos.");
    assert_string_equal(json_string_value(json_object_get(j, "Domain")), "mesos");
    json_t *rec = json_object_get(j, "Records");
    assert_true(set_has(rec, "As", "web.marathon.mesos.", "10.1.0.1"));
    assert_true(set_has(rec, "As", "web.marathon.mesos.", "10.1.0.2"));
    assert_true(set_has(rec, "AAAAs", "web.marathon.mesos.", "fd00::1"));
    char h[128];
    snprintf(h, sizeof h, "%s.marathon.slave.mesos.:31002", T.web2);
    assert_true(set_has(rec, "SRVs", "_web._tcp.marathon.mesos.", h));
    json_decref(j);
}

/* ---- protocol behaviour ----------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    expect(T.port1, NULL, "/nope", NULL, 404, "404: Page Not Found");
    expect(T.port1, NULL, "/v1/hosts/", NULL, 404, "404: Page Not Found");
    expect(T.port1, NULL, "/v1/hosts", NULL, 404, "404: Page Not Found");
    expect(T.port1, "POST", "/nope", NULL, 404, "404: Page Not Found"); /* path first */
    expect(T.port1, "POST", "/v1/version", NULL, 405, "405: Method Not Allowed");
    expect(T.port1, "DELETE", "/v1/hosts/web.marathon.mesos", NULL, 405, NULL);
    expect(T.port1, "PUT", "/v1/axfr", NULL, 405, NULL);
    expect(T.port1, "POST", "/v1/version", "text/html", 405, NULL); /* method before Accept */
    expect(T.port1, NULL, "/v1/version", "text/html", 406, "406: Not Acceptable");
    expect(T.port1, NULL, "/v1/hosts/web.marathon.mesos", "text/plain", 406, NULL);
    expect(T.port1, NULL, "/v1/version", "", 200, NULL); /* no Accept at all */
    expect(T.port1, NULL, "/v1/version", "application/json", 200, NULL);
    expect(T.port1, NULL, "/v1/version",
           "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200, NULL);
    /* our own endpoints are text and do not check Accept */
    expect(T.port1, NULL, "/healthz", "text/html", 200, "ok\n");
    expect(T.port1, NULL, "/v1/hosts/%00", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/hosts/%zz", NULL, 400, NULL);
    expect(T.port1, NULL, "/v1/hosts/web%", NULL, 400, NULL);

    reply_t r;
    request(T.port1, "POST", "/v1/version", NULL, &r);
    assert_string_equal(r.allow, "GET");
    done(&r);
    request(T.port1, "POST", "/metrics", NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, HEAD");
    done(&r);
    /* HEAD: 405 on the Mesos-DNS API (as Mesos-DNS), like GET elsewhere */
    request(T.port1, "HEAD", "/v1/version", NULL, &r);
    assert_int_equal(r.status, 405);
    done(&r);
    request(T.port1, "HEAD", "/healthz", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_true(r.has_length);
    done(&r);
    /* unclean paths are redirected, as Go's ServeMux does */
    request(T.port1, NULL, "//v1//version?x=1", NULL, &r);
    assert_int_equal(r.status, 301);
    assert_string_equal(r.location, "/v1/version?x=1");
    done(&r);
    request(T.port1, NULL, "/v1/hosts/../config", NULL, &r);
    assert_int_equal(r.status, 301);
    assert_string_equal(r.location, "/v1/config");
    done(&r);
    /* URL length: ours (414) up to the connection's buffer, then MHD's */
    char *path = malloc(200001);
    assert_non_null(path);
    memset(path, 'a', 200000);
    memcpy(path, "/v1/hosts/", 10);
    path[5000] = '\0';
    expect(T.port1, NULL, path, NULL, 414, "414: URI Too Long\n");
    path[5000] = 'a';
    path[200000] = '\0';
    request(T.port1, NULL, path, NULL, &r);
    assert_true(r.status == 414 || r.status == 431 || r.status == 400);
    done(&r);
    free(path);
    expect(T.port1, NULL, "/healthz", NULL, 200, "ok\n");
}

/* ---- the page ---------------------------------------------------------- */

static void test_page(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/html; charset=utf-8");
    assert_non_null(strstr(r.body.data, "<input id=\"q\""));
    assert_non_null(strstr(r.body.data, "/v1/enumerate"));
    assert_null(strstr(r.body.data, "http://")); /* no external resources */
    assert_null(strstr(r.body.data, "https://"));
    assert_non_null(strstr(r.csp, "default-src 'none'"));
    done(&r);
    /* In a browser (lists the tasks, filters, screenshot):
     * tests/integration/test_http_page.py. */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),    cmocka_unit_test(test_config),
        cmocka_unit_test(test_hosts),      cmocka_unit_test(test_services),
        cmocka_unit_test(test_host_ports), cmocka_unit_test(test_enumerate),
        cmocka_unit_test(test_axfr),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_page),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
