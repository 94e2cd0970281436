/* In-process tests of the operations endpoints (http_fixture.h):
 * /metrics, checked against the Prometheus text exposition format 0.0.4
 * (the checker is tested too) with the sections the daemon wires, /healthz
 * and /readyz before and after a zone is published and a layer is ready,
 * and a server with enumeration off.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exposition_checker),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_ready),
        cmocka_unit_test(test_enumeration_off),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
