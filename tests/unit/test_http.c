/* In-process tests of the HTTP side: a real server (libmicrohttpd) on
 * 127.0.0.1, port 0, serving a zone built from tests/data/http/state.json
 * by the real parser, naming rules and snapshot, queried with libcurl (and
 * raw sockets for malformed requests). Expected documents come from the
 * specs (compat §4, §8; dcos-and-bind §2): the names below are derived by
 * hand from the state document, the task hash is recomputed here from its
 * definition (z-base-32 of SHA-1). JSON is compared structurally (jansson);
 * the byte format is checked against Go's json.MarshalIndent(v, "", " "). */
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

#define LABEL "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"

static const char cfg1_json[] =
    "{\"masters\": [\"10.0.0.10:5050\"], \"domain\": \"mesos\", \"port\": 8053,"
    " \"listener\": \"0.0.0.0\", \"httplistener\": \"127.0.0.1\", \"httpport\": 0,"
    " \"ttl\": 60, \"refreshSeconds\": 60, \"mesosAuthentication\": \"basic\","
    " \"mesosCredentials\": {\"principal\": \"dns\", \"secret\": \"s3cret-value\"}}";
/* A second server: enumeration off, one DNS listener address. */
static const char cfg2_json[] =
    "{\"masters\": [\"10.0.0.10:5050\"], \"domain\": \"mesos\", \"port\": 8053,"
    " \"listener\": \"10.9.8.7\", \"httplistener\": \"127.0.0.1\", \"httpport\": 0,"
    " \"EnumerationOn\": false}";

static struct {
    config_t cfg1, cfg2;
    zone_gen_cfg_t gen1, gen2;
    model_ip_t ns_ip;
    model_t *model;
    zonedb_t *db1, *db2;
    zonedb_t *db_upd;     /* the updater's zone (its section of /metrics) */
    zone_updater_t *upd;  /* a real updater, one model built */
    int64_t upd_built_ms; /* CLOCK_REALTIME before that build */
    dnsd_stats_t dns;     /* counters rendered by the real DNS section */
    fwd_stats_t fwd;
    http_params_t p1, p2;
    http_server_t *s1, *s2;
    uint16_t port1, port2;
    int ready_flag;                      /* read by the ready callback (HTTP threads) */
    char web1[32], web2[32], nginx1[32]; /* canonical instance labels */
} T;

/* ---- expected names (compat spec §4) ---------------------------------- */

/* First 5 characters of standard z-base-32 of SHA-1(id). */
static void task_hash(const char *id, char out[6])
{
    static const char alpha[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
    unsigned char d[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)id, strlen(id), d);
    uint32_t bits = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    for (int i = 0; i < 5; i++)
        out[i] = alpha[(bits >> (27 - 5 * i)) & 31];
    out[5] = '\0';
}

/* ---- the zone --------------------------------------------------------- */

static void gen_from_cfg(zone_gen_cfg_t *g, const config_t *c)
{
    memset(g, 0, sizeof *g);
    g->domain = c->domain;
    g->rfc952 = c->enforce_rfc952;
    g->legacy_raw_names = c->legacy_raw_names;
    g->ip_sources = c->ip_sources;
    g->n_ip_sources = c->n_ip_sources;
    g->srv_weight = c->srv_weight;
    g->soa_mname = c->soa_mname;
    g->ns_ips = &T.ns_ip;
    g->n_ns_ips = 1;
    g->masters = (const char *const *)c->masters;
    g->n_masters = c->n_masters;
}

static void publish(zonedb_t *db, const zone_gen_cfg_t *gen, const config_t *c, const char *label)
{
    zone_soa_params_t soa = {c->soa_mname,  c->soa_rname,  c->soa_refresh, c->soa_retry,
                             c->soa_expire, c->soa_minttl, c->ttl};
    hostcache_t *hc = hostcache_new(300, 30);
    assert_non_null(hc);
    hostmap_t *hm = hostcache_resolve(hc, T.model, gen->masters, gen->n_masters);
    assert_non_null(hm);
    zone_snap_t *snap = NULL;
    assert_int_equal(zone_build(T.model, gen, &soa, label, hm, &snap, NULL), 0);
    bool changed = false;
    assert_int_equal(zonedb_publish(db, &snap, T.model, &hm, &changed), 0);
    hostmap_free(&hm);
    hostcache_free(&hc);
}

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t live_serial(zonedb_t *db)
{
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(db);
    uint32_t s = v ? v->serial : 0;
    urcu_memb_read_unlock();
    return s;
}

static void metrics_section(void *ctx, buf_t *out)
{
    (void)ctx;
    buf_puts(out, "# HELP test_layer_events_total Events of a test layer.\n"
                  "# TYPE test_layer_events_total counter\n"
                  "test_layer_events_total 42\n");
}

/* The sections the daemon wires (main.c), rendered by the real layers:
 * with them /metrics must still hold each family once. */
static void updater_section(void *ctx, buf_t *out)
{
    (void)ctx;
    zone_updater_prometheus(T.upd, out);
}

static void dns_section(void *ctx, buf_t *out)
{
    (void)ctx;
    dnsd_stats_prometheus(&T.dns, &T.fwd, out);
}

static bool ready_cb(void *ctx, char *why, size_t whylen)
{
    (void)ctx;
    if (__atomic_load_n(&T.ready_flag, __ATOMIC_RELAXED))
        return true;
    snprintf(why, whylen, "discovery: no leading master yet");
    return false;
}

static int setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    urcu_memb_register_thread(); /* zonedb_publish uses call_rcu */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[256];
    if (config_parse(&T.cfg1, cfg1_json, strlen(cfg1_json), err, sizeof err) != 0 ||
        config_parse(&T.cfg2, cfg2_json, strlen(cfg2_json), err, sizeof err) != 0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    model_ip_parse("10.0.0.53", &T.ns_ip);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/http/state.json", getenv("MDNS_SRC"));
    if (state_parse_file(path, &T.model, err, sizeof err) != 0) {
        fprintf(stderr, "state: %s\n", err);
        return -1;
    }
    gen_from_cfg(&T.gen1, &T.cfg1);
    gen_from_cfg(&T.gen2, &T.cfg2);
    T.db1 = zonedb_new();
    T.db2 = zonedb_new(); /* stays empty until test_ready */
    publish(T.db1, &T.gen1, &T.cfg1, LABEL);

    char h[6];
    task_hash("web.1", h);
    snprintf(T.web1, sizeof T.web1, "web-%s-s0", h);
    task_hash("web.2", h);
    snprintf(T.web2, sizeof T.web2, "web-%s-s1", h);
    task_hash("nginx.1", h);
    snprintf(T.nginx1, sizeof T.nginx1, "nginx-%s-s1", h);

    /* One build by a real updater, into its own zonedb. */
    T.db_upd = zonedb_new();
    zone_updater_params_t up = {.db = T.db_upd, .gen = &T.gen1};
    up.soa = (zone_soa_params_t){T.cfg1.soa_mname, T.cfg1.soa_rname,  T.cfg1.soa_refresh,
                                 T.cfg1.soa_retry, T.cfg1.soa_expire, T.cfg1.soa_minttl,
                                 T.cfg1.ttl};
    T.upd = zone_updater_start(&up);
    if (!T.upd)
        return -1;
    T.upd_built_ms = real_ms();
    model_t *m = model_ref(T.model);
    zone_updater_submit(T.upd, &m);
    if (!zone_updater_wait_idle(T.upd, 20000))
        return -1;
    T.dns.udp_queries = 7;
    T.dns.tcp_queries = 3;
    T.fwd.forwarded = 5;

    /* 1 s connection timeout: test_idle_timeout and the junk of
     * test_garbage need not wait the 10 s default. */
    T.p1 = (http_params_t){.cfg = &T.cfg1, .db = T.db1, .gen = &T.gen1, .conn_timeout_s = 1};
    T.p1.metrics[0] = metrics_section;
    T.p1.metrics[1] = updater_section;
    T.p1.metrics[2] = dns_section;
    T.p2 = (http_params_t){.cfg = &T.cfg2, .db = T.db2, .gen = &T.gen2, .ready = ready_cb};
    if (http_server_start(&T.p1, &T.s1, err, sizeof err) != 0 ||
        http_server_start(&T.p2, &T.s2, err, sizeof err) != 0) {
        fprintf(stderr, "http: %s\n", err);
        return -1;
    }
    T.port1 = http_server_port(T.s1);
    T.port2 = http_server_port(T.s2);
    return T.port1 && T.port2 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    http_server_stop(&T.s1);
    http_server_stop(&T.s2);
    assert_null(T.s1);
    zone_updater_stop(&T.upd);
    zonedb_free(&T.db_upd);
    zonedb_free(&T.db1);
    zonedb_free(&T.db2);
    model_free(&T.model);
    config_free(&T.cfg1);
    config_free(&T.cfg2);
    curl_global_cleanup();
    urcu_memb_unregister_thread();
    return 0;
}

/* ---- an HTTP client --------------------------------------------------- */

typedef struct reply {
    long status;
    char ctype[128], location[512], allow[64], csp[512];
    bool has_length;
    buf_t body;
} reply_t;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    buf_append(&((reply_t *)ud)->body, p, sz * n);
    return sz * n;
}

static size_t on_body_raw(char *p, size_t sz, size_t n, void *ud)
{
    buf_append(ud, p, sz * n);
    return sz * n;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    size_t vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
        vl--;
    snprintf(out, outlen, "%.*s", (int)vl, v);
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    reply_t *r = ud;
    size_t len = sz * n;
    header_value(p, len, "Content-Type", r->ctype, sizeof r->ctype);
    header_value(p, len, "Location", r->location, sizeof r->location);
    header_value(p, len, "Allow", r->allow, sizeof r->allow);
    header_value(p, len, "Content-Security-Policy", r->csp, sizeof r->csp);
    if (len > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
        r->has_length = true;
    return len;
}

/* `method` NULL = GET; `accept` NULL = curl's "*\/\*", "" = no Accept. */
static void request(uint16_t port, const char *method, const char *path, const char *accept,
                    reply_t *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body);
    char url[8192];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)port, path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *hdrs = NULL;
    if (accept) {
        char h[256];
        snprintf(h, sizeof h, "Accept:%s%s", *accept ? " " : "", accept);
        hdrs = curl_slist_append(hdrs, h);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (method && strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (method && strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    else if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method ? method : "GET", path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    buf_putc(&r->body, '\0');
    r->body.len--;
}

static void get(uint16_t port, const char *path, reply_t *r)
{
    request(port, NULL, path, NULL, r);
}

static void done(reply_t *r)
{
    buf_release(&r->body);
}

/* GET, expect 200 + JSON that Go's MarshalIndent(v, "", " ") would have
 * written byte for byte (jansson re-indents; no trailing newline). */
static json_t *get_json(uint16_t port, const char *path)
{
    reply_t r;
    get(port, path, &r);
    if (r.status != 200)
        fail_msg("GET %s: %ld %s", path, r.status, r.body.data);
    assert_string_equal(r.ctype, "application/json");
    json_error_t e;
    json_t *j = json_loadb(r.body.data, r.body.len, 0, &e);
    if (!j)
        fail_msg("GET %s: bad JSON: %s", path, e.text);
    json_t *ordered = json_loadb(r.body.data, r.body.len, JSON_DECODE_ANY, &e);
    char *re = json_dumps(ordered, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    assert_non_null(re);
    if (strcmp(re, r.body.data) != 0)
        fail_msg("GET %s: not MarshalIndent format:\n%s\nwant:\n%s", path, r.body.data, re);
    free(re);
    json_decref(ordered);
    done(&r);
    return j;
}

/* Arrays compared as multisets: same length, each expected element found. */
static void assert_json_set(json_t *got, json_t *want)
{
    assert_true(json_is_array(got));
    size_t n = json_array_size(want);
    if (json_array_size(got) != n) {
        char *g = json_dumps(got, 0), *w = json_dumps(want, 0);
        fail_msg("got %s\nwant %s", g, w);
    }
    bool used[64] = {false};
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        size_t j;
        for (j = 0; j < n; j++)
            if (!used[j] && json_equal(json_array_get(got, j), json_array_get(want, i)))
                break;
        if (j == n) {
            char *g = json_dumps(got, 0), *w = json_dumps(json_array_get(want, i), 0);
            fail_msg("missing %s in %s", w, g);
        }
        used[j] = true;
    }
    json_decref(want);
}

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

static json_t *host(const char *name, const char *ip)
{
    return json_pack("{s:s, s:s}", "host", name, "ip", ip);
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

static void expect(uint16_t port, const char *method, const char *path, const char *accept,
                   long status, const char *body)
{
    reply_t r;
    request(port, method, path, accept, &r);
    if (r.status != status)
        fail_msg("%s %s: %ld, want %ld (%s)", method ? method : "GET", path, r.status, status,
                 r.body.data);
    if (body)
        assert_string_equal(r.body.data, body);
    done(&r);
}

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

/* ---- operations ------------------------------------------------------- */

/* The value of the first sample line starting with `prefix`, or -1. */
static double sample(const char *text, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, prefix, pl) == 0 && l[pl] == ' ')
            return strtod(l + pl + 1, NULL);
    return -1;
}

/* ---- the text exposition format 0.0.4, checked ----------------------- */

#define MAX_FAMILIES 128

typedef struct family {
    char name[96], type[16];
    bool help, samples;
} family_t;

typedef struct exposition {
    family_t f[MAX_FAMILIES];
    int n, cur; /* cur: the family of the last HELP/TYPE line, -1 none */
} exposition_t;

/* Format `why` and return it. */
static const char *say(char *why, size_t wl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, wl, fmt, ap);
    va_end(ap);
    return why;
}

static int family_find(const exposition_t *e, const char *name, size_t len)
{
    for (int i = 0; i < e->n; i++)
        if (strlen(e->f[i].name) == len && strncmp(e->f[i].name, name, len) == 0)
            return i;
    return -1;
}

/* A "# HELP name ..." or "# TYPE name type" line: NULL or what is wrong. */
static const char *expo_comment(exposition_t *e, const char *l, bool type, char *why, size_t wl)
{
    char name[96], t[16] = "";
    if (sscanf(l + 7, "%95s %15s", name, t) < 1 || (type && !t[0]))
        return say(why, wl, "bad comment: %s", l);
    int i = family_find(e, name, strlen(name));
    if (i < 0) {
        if (e->n == MAX_FAMILIES)
            return "too many families";
        i = e->n++;
        memset(&e->f[i], 0, sizeof e->f[i]);
        snprintf(e->f[i].name, sizeof e->f[i].name, "%s", name);
    } else if (type && e->f[i].type[0]) {
        return say(why, wl, "TYPE %s twice", name);
    } else if (!type && e->f[i].help) {
        return say(why, wl, "HELP %s twice", name);
    } else if (e->f[i].samples || i != e->cur) {
        return say(why, wl, "%s: HELP/TYPE apart from the family's group", name);
    }
    if (type) {
        if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") &&
            strcmp(t, "summary") && strcmp(t, "untyped"))
            return say(why, wl, "unknown type: %s", l);
        snprintf(e->f[i].type, sizeof e->f[i].type, "%s", t);
    } else {
        e->f[i].help = true;
    }
    e->cur = i;
    return NULL;
}

/* The family a sample name belongs to: itself, or for a histogram or
 * summary the name without _bucket, _sum or _count. */
static int sample_family(const exposition_t *e, const char *name, size_t len)
{
    int i = family_find(e, name, len);
    if (i >= 0)
        return i;
    static const char *const sfx[] = {"_bucket", "_sum", "_count"};
    for (int k = 0; k < 3; k++) {
        size_t sl = strlen(sfx[k]);
        if (len <= sl || strncmp(name + len - sl, sfx[k], sl) != 0)
            continue;
        i = family_find(e, name, len - sl);
        if (i >= 0 && (strcmp(e->f[i].type, "histogram") == 0 ||
                       (k > 0 && strcmp(e->f[i].type, "summary") == 0)))
            return i;
    }
    return -1;
}

static const char *expo_sample(exposition_t *e, const char *l, char *why, size_t wl)
{
    size_t n = strspn(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789");
    if (n == 0 || (l[0] >= '0' && l[0] <= '9'))
        return say(why, wl, "bad metric line: %s", l);
    const char *v = l + n;
    if (*v == '{') {
        v = strchr(v, '}');
        if (!v)
            return say(why, wl, "bad labels: %s", l);
        v++;
    }
    char *end = (char *)v;
    if (*v == ' ')
        strtod(v + 1, &end);
    if (end <= v + 1 || *end)
        return say(why, wl, "bad value: %s", l);
    int i = sample_family(e, l, n);
    if (i < 0 || !e->f[i].type[0])
        return say(why, wl, "sample before its TYPE: %s", l);
    if (i != e->cur)
        return say(why, wl, "sample apart from its family's group: %s", l);
    e->f[i].samples = true;
    return NULL;
}

/* NULL when `text` is a valid exposition where each family comes once, as
 * one group: HELP and TYPE at most once and before its samples, every
 * sample after its family's TYPE and next to the family's other samples.
 * Otherwise what is wrong, in `why`. */
static const char *exposition_error(const char *text, char *why, size_t wl)
{
    exposition_t *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->cur = -1;
    char *copy = strdup(text), *save = NULL;
    const char *err = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l && !err; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "# HELP ", 7) == 0 || strncmp(l, "# TYPE ", 7) == 0)
            err = expo_comment(e, l, l[2] == 'T', why, wl);
        else if (l[0] != '#')
            err = expo_sample(e, l, why, wl);
    }
    for (int i = 0; i < e->n && !err; i++)
        if (!e->f[i].help || !e->f[i].type[0])
            err = say(why, wl, "%s lacks HELP or TYPE", e->f[i].name);
    free(copy);
    free(e);
    return err;
}

static void check_exposition(const char *text)
{
    char why[256];
    if (exposition_error(text, why, sizeof why))
        fail_msg("/metrics: %s", why);
}

/* The checker itself rejects what it must. */
static void test_exposition_checker(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* a family twice (what two layers rendering one name gives) */
        "# HELP a X.\n# TYPE a gauge\na 1\n# HELP a X.\n# TYPE a gauge\na 2\n",
        "# HELP a X.\n# TYPE a gauge\n# TYPE a gauge\na 1\n",
        /* a sample before its TYPE */
        "a 1\n# HELP a X.\n# TYPE a gauge\n",
        "# HELP a X.\n# TYPE a gauge\n# HELP b X.\n# TYPE b gauge\nb 1\na 1\n",
        /* a family split in two groups */
        "# HELP a X.\n# TYPE a gauge\na 1\n# HELP b X.\n# TYPE b gauge\nb 1\na 2\n",
        /* _bucket of a gauge */
        "# HELP a X.\n# TYPE a gauge\na_bucket{le=\"1\"} 1\n",
        /* not a number */
        "# HELP a X.\n# TYPE a gauge\na one\n",
        /* no HELP */
        "# TYPE a gauge\na 1\n",
    };
    char why[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!exposition_error(bad[i], why, sizeof why))
            fail_msg("accepted:\n%s", bad[i]);
    const char *good =
        "# HELP a X.\n# TYPE a counter\na{k=\"1\"} 1\na{k=\"2\"} 2.5\n"
        "# HELP h X.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
        "h_sum 3\nh_count 2\n# HELP e X.\n# TYPE e gauge\n";
    if (exposition_error(good, why, sizeof why))
        fail_msg("rejected: %s", why);
}

/* Record count and memory of the live version of `db`. */
static void live_size(zonedb_t *db, double *records, double *bytes)
{
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(db);
    *records = v ? (double)zone_snap_record_count(v->snap) : -1;
    *bytes = v ? (double)zone_snap_memory(v->snap) : -1;
    urcu_memb_read_unlock();
}

static void test_metrics(void **state)
{
    (void)state;
    reply_t r;
    get(T.port1, "/v1/version", &r);
    done(&r);
    get(T.port1, "/v1/version", &r);
    done(&r);
    get(T.port1, "/nope", &r);
    done(&r);
    get(T.port1, "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
    /* each family once, although http/ and the updater both write
     * mesosdnsd_zone_* families */
    check_exposition(r.body.data);
    const char *t = r.body.data;
    double records, bytes;
    live_size(T.db1, &records, &bytes);
    /* the live zone's gauges describe the served version (db1), ... */
    assert_true(sample(t, "mesosdnsd_zone_published") == 1);
    assert_true(sample(t, "mesosdnsd_zone_serial") == (double)live_serial(T.db1));
    assert_true(records > 2 && sample(t, "mesosdnsd_zone_records") == records);
    assert_true(bytes > 0 && sample(t, "mesosdnsd_zone_snapshot_bytes") == bytes);
    /* ... the build figures come from the updater: one model, built once */
    assert_true(sample(t, "mesosdnsd_zone_builds_total") == 1);
    assert_true(sample(t, "mesosdnsd_zone_publishes_total") == 1);
    assert_true(sample(t, "mesosdnsd_zone_build_failures_total") == 0);
    double built = sample(t, "mesosdnsd_zone_last_build_timestamp_seconds");
    assert_true(built >= (double)(T.upd_built_ms / 1000) && built <= (double)real_ms() / 1000.0);
    assert_true(sample(t, "mesosdnsd_zone_last_build_duration_seconds") >= 0);
    /* the other sections */
    assert_true(sample(t, "test_layer_events_total") == 42);
    assert_true(sample(t, "mesosdnsd_dns_queries_total{transport=\"udp\"}") == 7);
    assert_true(sample(t, "mesosdnsd_upstream_queries_total") == 5);
    assert_true(sample(t, "mesosdnsd_http_requests_total{endpoint=\"version\",code=\"200\"}") >= 2);
    assert_true(sample(t, "mesosdnsd_http_requests_total{endpoint=\"not_found\",code=\"404\"}") >=
                1);
    assert_true(sample(t, "process_resident_memory_bytes") > 0);
    assert_true(sample(t, "mesosdnsd_http_connections") >= 1);
    done(&r);
}

static void test_ready(void **state)
{
    (void)state;
    expect(T.port2, NULL, "/healthz", NULL, 200, "ok\n");
    /* no zone yet */
    expect(T.port2, NULL, "/readyz", NULL, 503, "not ready: no zone published yet\n");
    expect(T.port2, NULL, "/v1/bind/dcos", NULL, 503, NULL);
    json_t *j = get_json(T.port2, "/v1/hosts/web.marathon.mesos");
    assert_json_set(j, json_pack("[o]", host("", "")));
    json_decref(j);
    reply_t r;
    get(T.port2, "/metrics", &r);
    check_exposition(r.body.data);
    assert_true(sample(r.body.data, "mesosdnsd_zone_published") == 0);
    assert_true(sample(r.body.data, "mesosdnsd_zone_serial") == -1);
    done(&r);
    /* a zone, but a layer says no */
    publish(T.db2, &T.gen2, &T.cfg2, NULL);
    expect(T.port2, NULL, "/readyz", NULL, 503, "not ready: discovery: no leading master yet\n");
    __atomic_store_n(&T.ready_flag, 1, __ATOMIC_RELAXED);
    expect(T.port2, NULL, "/readyz", NULL, 200, "ready\n");
    /* no cluster ID in this zone */
    expect(T.port2, NULL, "/v1/bind/dcos", NULL, 404, NULL);
    j = get_json(T.port2, "/v1/hosts/web.marathon.mesos");
    assert_int_equal(json_array_size(j), 3);
    json_decref(j);
}

static void test_enumeration_off(void **state)
{
    (void)state;
    /* Mesos-DNS does not route them at all */
    expect(T.port2, NULL, "/v1/enumerate", NULL, 404, "404: Page Not Found");
    expect(T.port2, NULL, "/v1/axfr", NULL, 404, "404: Page Not Found");
    expect(T.port2, NULL, "/v1/zone", NULL, 404, "404: Page Not Found");
    expect(T.port2, NULL, "/v1/version", NULL, 200, NULL);
}

/* ---- robustness ------------------------------------------------------- */

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Read until the server closes (or `ms` pass); returns bytes read, or -1
 * on timeout with the connection still open. */
static ssize_t read_until_close(int fd, char *buf, size_t len, int ms)
{
    size_t got = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            continue;
        ssize_t n = recv(fd, buf + got, got < len ? len - got : 0, 0);
        if (n <= 0)
            return (ssize_t)got;
        got += (size_t)n;
        if (got == len)
            got = 0; /* keep reading, only the close matters then */
    }
}

/* Raw requests, each on its own connection, all sent at once and
 * half-closed: every connection must be closed by the server within
 * `ms` (answered or not); a `want` prefix is the expected response. */
typedef struct raw_case {
    const char *data;
    size_t len;
    const char *want; /* NULL: any response, or none */
} raw_case_t;

#define RAW(s, w)                                                                                  \
    {                                                                                              \
        s, sizeof s - 1, w                                                                         \
    }

static void raw_exchanges(const raw_case_t *c, size_t n, int ms)
{
    int fd[32];
    buf_t got[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        fd[i] = connect_to(T.port1);
        buf_init(&got[i]);
        assert_int_equal(send(fd[i], c[i].data, c[i].len, MSG_NOSIGNAL), (ssize_t)c[i].len);
        shutdown(fd[i], SHUT_WR);
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t open = n;
    while (open > 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        struct pollfd p[32];
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fd[i], .events = POLLIN};
        if (poll(p, n, left) <= 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (fd[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char b[4096];
            ssize_t r = recv(fd[i], b, sizeof b, 0);
            if (r > 0 && got[i].len < 4096) {
                buf_append(&got[i], b, (size_t)r);
            } else if (r <= 0) {
                close(fd[i]);
                fd[i] = -1;
                open--;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fd[i] >= 0)
            fail_msg("request %zu (%.20s...) still open after %d ms", i, c[i].data, ms);
        buf_putc(&got[i], '\0');
        if (c[i].want && strncmp(got[i].data, c[i].want, strlen(c[i].want)) != 0)
            fail_msg("request %zu: got %s, want %s...", i, got[i].data, c[i].want);
        buf_release(&got[i]);
    }
}

static void test_garbage(void **state)
{
    (void)state;
    static const raw_case_t cases[] = {
        RAW("GARBAGE\r\n\r\n", NULL),
        RAW("GET\r\n\r\n", NULL),
        RAW("\r\n\r\n\r\n", NULL),
        RAW("GET /v1/version HTTP/9.9\r\n\r\n", NULL),
        RAW("GET /v1/hosts/\x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n", NULL),
        RAW("GET /v1/version HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", NULL),
        RAW("GET /v1/version HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            NULL),
        RAW("GET /v1/version HTTP/1.1\r\n: \r\n\r\n", NULL),
        RAW("GET /%\xff%\xfe HTTP/1.0\r\n\r\n", NULL),
        RAW("GET ? HTTP/1.1\r\nHost: x\r\n\r\n", NULL),
        RAW("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff\xfe", NULL), /* TLS hello */
        /* a body on GET is ignored */
        RAW("GET /v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200"),
        /* a raw NUL (not encoded) inside the target */
        RAW("GET /v1/hosts/a\0b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", NULL),
        RAW("POST /v1/axfr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Length: 100000\r\n\r\nabc",
            "HTTP/1.1 405"),
        /* an absolute-form target */
        RAW("GET http://127.0.0.1/v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "HTTP/1.1 200"),
    };
    /* Some of these (keep-alive answers, lone CRLFs) are only closed by the
     * 1 s connection timeout of this server: allow it plus a margin. */
    raw_exchanges(cases, sizeof cases / sizeof cases[0], 5000);
    expect(T.port1, NULL, "/healthz", NULL, 200, "ok\n");
}

static void test_connection_limits(void **state)
{
    (void)state;
    /* per-client limit: 64 idle connections, the next is closed at once */
    int fds[64];
    for (int i = 0; i < 64; i++)
        fds[i] = connect_to(T.port1);
    usleep(200 * 1000);
    int extra = connect_to(T.port1);
    char buf[256];
    assert_true(read_until_close(extra, buf, sizeof buf, 5000) >= 0);
    close(extra);
    for (int i = 0; i < 64; i++)
        close(fds[i]);
    usleep(200 * 1000);
    expect(T.port1, NULL, "/healthz", NULL, 200, "ok\n");
}

static void test_idle_timeout(void **state)
{
    (void)state;
    /* a half-sent request is dropped after the connection timeout (1 s
     * on this server): not at once, and not much later */
    int fd = connect_to(T.port1);
    const char part[] = "GET /v1/version HTTP/1.1\r\nHost: x\r\n";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(send(fd, part, sizeof part - 1, MSG_NOSIGNAL), (ssize_t)(sizeof part - 1));
    char buf[256];
    ssize_t n = read_until_close(fd, buf, sizeof buf, 10000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    assert_int_equal(n, 0); /* closed, without an answer */
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (dt < 0.9 || dt > 3.0)
        fail_msg("closed after %.3f s, want about 1 s", dt);
}

/* ---- readers and a publisher at once (RCU) ----------------------------- */

static int stop_readers, reader_errors;

/* cmocka's asserts are for the main thread: readers count their failures. */
static void *reader(void *arg)
{
    (void)arg;
    long n = 0;
    char url[128];
    CURL *c = curl_easy_init();
    if (!c) {
        __atomic_fetch_add(&reader_errors, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    buf_t body = BUF_INIT;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body_raw);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
        const char *paths[] = {"/v1/hosts/web.marathon.mesos",
                               "/v1/services/_web._tcp.marathon.mesos",
                               "/v1/axfr",
                               "/v1/enumerate",
                               "/metrics",
                               "/v1/zone"};
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)T.port1, paths[n % 6]);
        curl_easy_setopt(c, CURLOPT_URL, url);
        buf_clear(&body);
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200 ||
            body.len == 0)
            __atomic_fetch_add(&reader_errors, 1, __ATOMIC_RELAXED);
        n++;
    }
    buf_release(&body);
    curl_easy_cleanup(c);
    return (void *)n;
}

static void test_concurrent_publish(void **state)
{
    (void)state;
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, NULL), 0);
    /* alternate two contents, so every publish swaps the version */
    for (int i = 0; i < 40; i++) {
        publish(T.db1, &T.gen1, &T.cfg1, i % 2 ? LABEL : NULL);
        usleep(20 * 1000);
    }
    publish(T.db1, &T.gen1, &T.cfg1, LABEL);
    __atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
    long total = 0;
    for (int i = 0; i < 3; i++) {
        void *n;
        pthread_join(th[i], &n);
        total += (long)n;
    }
    assert_true(total > 0);
    assert_int_equal(__atomic_load_n(&reader_errors, __ATOMIC_RELAXED), 0);
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

/* ---- start-up --------------------------------------------------------- */

static void test_start(void **state)
{
    (void)state;
    char err[256];
    http_server_t *s = NULL;
    config_t c;
    /* IPv6 loopback */
    const char *v6 = "{\"masters\": [\"10.0.0.10:5050\"], \"httplistener\": \"::1\","
                     " \"httpport\": 0}";
    assert_int_equal(config_parse(&c, v6, strlen(v6), err, sizeof err), 0);
    http_params_t p = {.cfg = &c, .db = T.db1, .gen = &T.gen1};
    int rc = http_server_start(&p, &s, err, sizeof err);
    if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
        fprintf(stderr, "no IPv6 loopback here: %s\n", err);
    } else {
        assert_int_equal(rc, 0);
        char url[128];
        snprintf(url, sizeof url, "http://[::1]:%u/healthz", (unsigned)http_server_port(s));
        CURL *cu = curl_easy_init();
        buf_t body = BUF_INIT;
        curl_easy_setopt(cu, CURLOPT_URL, url);
        curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body_raw);
        curl_easy_setopt(cu, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(cu, CURLOPT_TIMEOUT, 10L);
        assert_int_equal(curl_easy_perform(cu), CURLE_OK);
        long status = 0;
        curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, 200);
        curl_easy_cleanup(cu);
        buf_release(&body);
        http_server_stop(&s);
    }
    assert_null(s);
    config_free(&c);
    /* the port of a running server is taken */
    const char *busy = "{\"masters\": [\"10.0.0.10:5050\"], \"httplistener\": \"127.0.0.1\"}";
    assert_int_equal(config_parse(&c, busy, strlen(busy), err, sizeof err), 0);
    c.http_port = T.port1;
    assert_int_equal(http_server_start(&p, &s, err, sizeof err), -EADDRINUSE);
    assert_null(s);
    assert_non_null(strstr(err, "cannot listen"));
    /* not an IP address */
    free(c.http_listener);
    c.http_listener = strdup("localhost");
    assert_int_equal(http_server_start(&p, &s, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "localhost"));
    config_free(&c);
    http_server_stop(&s); /* NULL-safe */
    http_server_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_host_ports),
        cmocka_unit_test(test_enumerate),
        cmocka_unit_test(test_axfr),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bind_forward),
        cmocka_unit_test(test_bind_dcos),
        cmocka_unit_test(test_bind_secondary),
        cmocka_unit_test(test_zone_file),
        cmocka_unit_test(test_exposition_checker),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_ready),
        cmocka_unit_test(test_enumeration_off),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_connection_limits),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_concurrent_publish),
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_start),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
