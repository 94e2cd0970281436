/* Shared harness of the HTTP tests: see http_fixture.h. */
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

struct http_fixture T;

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

void publish(zonedb_t *db, const zone_gen_cfg_t *gen, const config_t *c, const char *label)
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

int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint32_t live_serial(zonedb_t *db)
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

int setup(void **state)
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

int teardown(void **state)
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

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    buf_append(&((reply_t *)ud)->body, p, sz * n);
    return sz * n;
}

size_t on_body_raw(char *p, size_t sz, size_t n, void *ud)
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
void request(uint16_t port, const char *method, const char *path, const char *accept, reply_t *r)
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

void get(uint16_t port, const char *path, reply_t *r)
{
    request(port, NULL, path, NULL, r);
}

void done(reply_t *r)
{
    buf_release(&r->body);
}

/* GET, expect 200 + JSON that Go's MarshalIndent(v, "", " ") would have
 * written byte for byte (jansson re-indents; no trailing newline). */
json_t *get_json(uint16_t port, const char *path)
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
void assert_json_set(json_t *got, json_t *want)
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

json_t *host(const char *name, const char *ip)
{
    return json_pack("{s:s, s:s}", "host", name, "ip", ip);
}

void expect(uint16_t port, const char *method, const char *path, const char *accept, long status,
            const char *body)
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
