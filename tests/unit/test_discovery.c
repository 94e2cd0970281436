/* Tests of discovery (with fetch and iam) against the test Mesos master
 * (tests/tools/fake_master.py, real HTTP on loopback): the good model, every
 * fault mode (no new model, counted, logged once, then "recovered" once),
 * leader redirects (307 and the `leader` field) and whom the credentials go
 * to, basic auth, host names, a dead first master, time-outs on a hanging
 * or dripping master, an endless string and a huge document (cut at once,
 * memory flat), parser warnings logged once, gzip, refresh on demand,
 * https, a config from config.json, the metrics.
 *
 * Retries are driven by discovery_refresh_now() where the back-off is not
 * what a test is about, so the suite does not wait for timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>

#include "common/log.h"
#include "config/config.h"
#include "discovery/discovery.h"
#include "discovery/fetch.h"
#include "testutil_proc.h"

/* tests/data/discovery/state_small.json, by inspection: leader
 * master@10.0.0.1:5050, 2 agents, 2 frameworks, 3 tasks of which 2 are
 * TASK_RUNNING on known agents. */
#define SMALL_AGENTS     2
#define SMALL_FRAMEWORKS 2
#define SMALL_RUNNING    2

static char tmp[256];
static char state_small[1024];
static long state_small_size;
static tu_master_t ma = {.pid = -1}, mb = {.pid = -1};

/* ---------------- fixtures ---------------- */

struct rec {
    int models;
    char leader[128];
    size_t agents, frameworks, tasks;
};

static void on_model(void *ctx, model_t **m)
{
    struct rec *r = ctx;
    r->models++;
    snprintf(r->leader, sizeof r->leader, "%s", (*m)->leader ? (*m)->leader : "");
    r->agents = (*m)->n_agents;
    r->frameworks = (*m)->n_frameworks;
    r->tasks = (*m)->n_tasks;
    model_free(m);
}

struct env {
    struct event_base *base;
    config_t cfg;
    char *masters[4];
    char mbuf[4][64];
    struct rec rec;
    discovery_t *d;
    char log[300];
};

static void env_init(struct env *e, int refresh_s, int timeout_s)
{
    memset(e, 0, sizeof *e);
    e->base = event_base_new();
    assert_non_null(e->base);
    e->cfg.refresh_seconds = refresh_s;
    e->cfg.state_timeout_seconds = timeout_s;
    e->cfg.zk = "";
    e->cfg.zk_detection_timeout = 30;
    e->cfg.mesos_authentication = "";
    e->cfg.masters = e->masters;
    static int seq;
    snprintf(e->log, sizeof e->log, "%s/test-%d.log", tmp, ++seq);
}

static void env_master(struct env *e, const char *fmt, int port)
{
    size_t i = e->cfg.n_masters++;
    snprintf(e->mbuf[i], sizeof e->mbuf[i], fmt, port);
    e->masters[i] = e->mbuf[i];
}

static void env_start(struct env *e)
{
    discovery_params_t p = {.cfg = &e->cfg, .base = e->base, .on_model = on_model, .ctx = &e->rec};
    tu_capture_start(e->log);
    e->d = discovery_new(&p);
    if (!e->d)
        tu_capture_stop();
    assert_non_null(e->d);
    assert_int_equal(discovery_start(e->d), 0);
}

static void env_done(struct env *e)
{
    discovery_free(&e->d);
    tu_capture_stop();
    event_base_free(e->base);
}

static discovery_stats_t stats(struct env *e)
{
    discovery_stats_t s;
    discovery_stats(e->d, &s);
    return s;
}

struct until {
    struct env *e;
    int models;
    uint64_t failures;
};

static bool models_at_least(void *arg)
{
    struct until *u = arg;
    return u->e->rec.models >= u->models;
}

static bool failures_at_least(void *arg)
{
    struct until *u = arg;
    return stats(u->e).failures >= u->failures;
}

static bool wait_models(struct env *e, int n, int ms)
{
    struct until u = {.e = e, .models = n};
    return tu_run_until(e->base, models_at_least, &u, ms);
}

static bool wait_failures(struct env *e, uint64_t n, int ms)
{
    struct until u = {.e = e, .failures = n};
    return tu_run_until(e->base, failures_at_least, &u, ms);
}

struct poke {
    struct env *e;
    uint64_t want, seen;
};

/* Each new failure asks for the next attempt at once. */
static bool failures_poked(void *arg)
{
    struct poke *p = arg;
    uint64_t f = stats(p->e).failures;
    if (f >= p->want)
        return true;
    if (f != p->seen) {
        p->seen = f;
        discovery_refresh_now(p->e->d);
    }
    return false;
}

/* Attempts back to back (no back-off wait) until `n` failures in all. */
static bool wait_failures_poked(struct env *e, uint64_t n, int ms)
{
    struct poke p = {.e = e, .want = n, .seen = stats(e).failures};
    discovery_refresh_now(e->d);
    return tu_run_until(e->base, failures_poked, &p, ms);
}

/* Refresh now and wait for the model after `models`. */
static bool refresh_model(struct env *e, int ms)
{
    int want = e->rec.models + 1;
    discovery_refresh_now(e->d);
    return wait_models(e, want, ms);
}

static int lines(struct env *e, const char *a, const char *b, const char *c)
{
    return tu_count_lines(e->log, a, b, c);
}

static void assert_good_model(struct env *e, const char *leader)
{
    assert_string_equal(e->rec.leader, leader);
    assert_int_equal(e->rec.agents, SMALL_AGENTS);
    assert_int_equal(e->rec.frameworks, SMALL_FRAMEWORKS);
    assert_int_equal(e->rec.tasks, SMALL_RUNNING);
}

static int group_setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!tu_tmpdir(tmp, sizeof tmp, "disc"))
        return -1;
    snprintf(state_small, sizeof state_small, "%s/tests/data/discovery/state_small.json", tu_src());
    struct stat st;
    if (stat(state_small, &st) != 0)
        return -1;
    state_small_size = (long)st.st_size;
    const char *args[] = {"--state", state_small, NULL};
    if (!tu_master_start(&ma, tmp, args) || !tu_master_start(&mb, tmp, args))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    tu_master_stop(&ma);
    tu_master_stop(&mb);
    tu_rm_rf(tmp);
    return 0;
}

static int reset_masters(void **state)
{
    return tu_master_mode(&ma, "ok", NULL) && tu_master_mode(&mb, "ok", NULL) ? 0 : -1;
}

/* ---------------- pure ---------------- */

static void test_master_url(void **state)
{
    char u[128];
    assert_true(fetch_master_url("10.0.0.1:5050", false, "/master/state", u, sizeof u) > 0);
    assert_string_equal(u, "http://10.0.0.1:5050/master/state");
    assert_true(fetch_master_url("m1.example.com:5050", true, "/master/state", u, sizeof u) > 0);
    assert_string_equal(u, "https://m1.example.com:5050/master/state");
    assert_true(fetch_master_url("[::1]:5050", false, "/x", u, sizeof u) > 0);
    assert_string_equal(u, "http://[::1]:5050/x");
    assert_true(fetch_master_url("leader.mesos", false, "/x", u, sizeof u) > 0);
    assert_string_equal(u, "http://leader.mesos:5050/x");
    assert_true(fetch_master_url("https://m1:443", false, "/x", u, sizeof u) > 0);
    assert_string_equal(u, "https://m1:443/x");
    assert_true(fetch_master_url("http://m1:80/", true, "/x", u, sizeof u) > 0);
    assert_string_equal(u, "http://m1:80/x");
    const char *bad[] = {"",         ":5050",        "::1:5050", "m1:0",   "m1:65536", "m1:50x",
                         "m 1:5050", "m1:5050/path", "[::1",     "[zz]:1", "[::1]x",   "m1:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fetch_master_url(bad[i], false, "/x", u, sizeof u) >= 0)
            fail_msg("accepted \"%s\" -> %s", bad[i], u);
    assert_int_equal(fetch_master_url("10.0.0.1:5050", false, "/master/state", u, 10), -ENOSPC);
    assert_true(fetch_master_url("[::1]", false, "/x", u, sizeof u) > 0);
    assert_string_equal(u, "http://[::1]:5050/x");
    assert_true(fetch_master_url("m1:05050", false, "/x", u, sizeof u) > 0);
    assert_string_equal(u, "http://m1:5050/x");

    char host[64];
    uint16_t port = 0;
    int scheme = 9;
    assert_int_equal(
        fetch_master_split("https://[fd00::2]:5051/", host, sizeof host, &port, &scheme), 0);
    assert_string_equal(host, "fd00::2");
    assert_int_equal(port, 5051);
    assert_int_equal(scheme, 1);
    assert_int_equal(fetch_master_split("M1.example", host, sizeof host, &port, &scheme), 0);
    assert_string_equal(host, "M1.example");
    assert_int_equal(port, 5050);
    assert_int_equal(scheme, -1);
}

/* What a redirect may point to: a master's /master/state, nothing else. */
static void test_redirect_target(void **state)
{
    char m[128];
    bool https = true;
    assert_int_equal(fetch_redirect_master("http://10.0.0.2:5050/master/state", "/master/state", m,
                                           sizeof m, &https),
                     0);
    assert_string_equal(m, "10.0.0.2:5050");
    assert_false(https);
    assert_int_equal(fetch_redirect_master("https://m2.example/master/state", "/master/state", m,
                                           sizeof m, &https),
                     0);
    assert_string_equal(m, "m2.example:443");
    assert_true(https);
    assert_int_equal(fetch_redirect_master("http://[::1]:5051/master/state", "/master/state", m,
                                           sizeof m, &https),
                     0);
    assert_string_equal(m, "[::1]:5051");
    const char *bad[] = {"http://10.0.0.2:5050/login",
                         "http://10.0.0.2:5050/master/state?x=1",
                         "http://user:pw@10.0.0.2:5050/master/state",
                         "ftp://10.0.0.2/master/state",
                         "http://10.0.0.2:5050/master/state/../../etc",
                         "/master/state",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fetch_redirect_master(bad[i], "/master/state", m, sizeof m, &https) == 0)
            fail_msg("accepted \"%s\" -> %s", bad[i], m);
}

static void test_config_rejected(void **state)
{
    struct event_base *b = event_base_new();
    config_t c = {
        .refresh_seconds = 60, .state_timeout_seconds = 5, .zk = "", .mesos_authentication = ""};
    discovery_params_t p = {.cfg = &c, .base = b, .on_model = on_model};
    char logp[300];
    snprintf(logp, sizeof logp, "%s/config.log", tmp);
    tu_capture_start(logp);
    discovery_t *d = discovery_new(&p); /* no masters, no zk */
    char *bad_master[] = {"10.0.0.1:99999"};
    discovery_t *d2 = NULL, *d3 = NULL, *d4 = NULL;
    c.masters = bad_master;
    c.n_masters = 1;
    d2 = discovery_new(&p);
    char *good[] = {"10.0.0.1:5050"};
    c.masters = good;
    c.mesos_authentication = "kerberos";
    d3 = discovery_new(&p);
    c.mesos_authentication = "";
    c.cert_file = "/tmp/cert.pem"; /* without KeyFile */
    d4 = discovery_new(&p);
    tu_capture_stop();
    assert_null(d);
    assert_null(d2);
    assert_null(d3);
    assert_null(d4);
    assert_int_equal(tu_count_lines(logp, "ERROR", "neither masters nor zk", NULL), 1);
    assert_int_equal(tu_count_lines(logp, "ERROR", "masters[0]", NULL), 1);
    assert_int_equal(tu_count_lines(logp, "ERROR", "kerberos", NULL), 1);
    assert_int_equal(tu_count_lines(logp, "ERROR", "CertFile and KeyFile", NULL), 1);
    event_base_free(b);
}

/* ---------------- against the test master ---------------- */

static void test_good_model_and_gzip(void **state)
{
    struct env e;
    env_init(&e, 60, 5);
    env_master(&e, "127.0.0.1:%d", ma.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader);
    discovery_stats_t s = stats(&e);
    assert_int_equal(s.fetches, 1);
    assert_int_equal(s.failures, 0);
    assert_int_equal(s.models, 1);
    assert_true(s.leader_known);
    snprintf(leader, sizeof leader, "127.0.0.1:%d", ma.port);
    assert_string_equal(s.leader, leader);
    assert_string_equal(s.last_error, "");
    assert_true(s.last_success_ms > 0);
    /* We asked for compression, the master sent gzip, and what reached the
     * parser is the document itself. */
    char ae[128];
    tu_master_last_header(&ma, "Accept-Encoding", ae, sizeof ae);
    assert_non_null(strstr(ae, "gzip"));
    /* The test master rewrites the leader to itself (master@127.0.0.1:P). */
    char self[64];
    snprintf(self, sizeof self, "master@127.0.0.1:%d", ma.port);
    long want = state_small_size - (long)strlen("master@10.0.0.1:5050") + (long)strlen(self);
    assert_int_equal((long)s.last_state_bytes, want);
    env_done(&e);
}

struct fault {
    const char *mode;
    const char *params;
    const char *text; /* expected in the logged error */
};

/* Each fault mode: no new model, failures counted, the problem logged
 * once however often it repeats; then "recovered" once. For the first
 * fault the retries and the recovery come from the timers (back-off, then
 * refreshSeconds); the others are retried on demand. */
static void test_fault_modes(void **state)
{
    const struct fault faults[] = {
        {"http500", NULL, "HTTP 500"},
        {"no_leader", NULL, "HTTP 503"},
        {"unauthorized", NULL, "HTTP 401"},
        {"invalid_json", NULL, "invalid state document"},
        {"truncated", NULL, ""},
        {"empty_leader", NULL, "leader"}, /* the parser or we reject it */
    };
    struct env e;
    env_init(&e, 1, 3);
    env_master(&e, "127.0.0.1:%d", ma.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    char who[64];
    snprintf(who, sizeof who, "master 127.0.0.1:%d:", ma.port);
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        const struct fault *f = &faults[i];
        assert_true(tu_master_mode(&ma, f->mode, f->params));
        int models = e.rec.models;
        int warn0 = lines(&e, "WARN", who, NULL);
        int rec0 = lines(&e, "INFO", who, "recovered");
        uint64_t fail0 = stats(&e).failures;
        /* Back-off (0.5-1 s, capped by refreshSeconds) keeps retrying. */
        if (i == 0)
            discovery_refresh_now(e.d); /* the first attempt now, the next two on the timer */
        bool ok = i == 0 ? wait_failures(&e, fail0 + 3, 12000)
                         : wait_failures_poked(&e, fail0 + 3, 12000);
        if (!ok)
            fail_msg("%s: only %lu failures", f->mode, stats(&e).failures - fail0);
        assert_int_equal(e.rec.models, models);
        discovery_stats_t s = stats(&e);
        assert_false(s.leader_known);
        assert_non_null(strstr(s.last_error, f->text));
        int warns = lines(&e, "WARN", who, NULL) - warn0;
        if (warns != 1 || lines(&e, "WARN", who, f->text) < 1) {
            tu_dump(e.log, f->mode);
            fail_msg("%s: %d warnings for %s (want 1 naming \"%s\")", f->mode, warns, who, f->text);
        }
        assert_true(tu_master_mode(&ma, "ok", NULL));
        if (i > 0)
            discovery_refresh_now(e.d);
        assert_true(wait_models(&e, models + 1, 10000));
        assert_int_equal(lines(&e, "INFO", who, "recovered") - rec0, 1);
        assert_true(stats(&e).leader_known);
    }
    /* The cycle-level error: once per outage, six outages. */
    assert_int_equal(lines(&e, "ERROR", "no master answered", NULL), 6);
    assert_int_equal(lines(&e, "INFO", "state: recovered", NULL), 6);
    env_done(&e);
}

/* A master that never answers costs stateTimeoutSeconds, not more. */
static void test_hang_bounded(void **state)
{
    struct env e;
    env_init(&e, 60, 1);
    env_master(&e, "127.0.0.1:%d", ma.port);
    assert_true(tu_master_mode(&ma, "hang", "\"max_seconds\":20"));
    env_start(&e);
    double t0 = tu_now();
    assert_true(wait_failures(&e, 1, 10000));
    double took = tu_now() - t0;
    assert_true(took >= 0.9 && took < 3.0);
    assert_int_equal(e.rec.models, 0);
    assert_int_equal(lines(&e, "WARN", "timed out after 1.0 s", NULL), 1);
    env_done(&e);
}

/* A dripping master: the body arrives in many small pieces, streamed into
 * the parser; the whole request is still bounded by the timeout. */
static void test_slow_drip(void **state)
{
    struct env e;
    env_init(&e, 60, 10);
    env_master(&e, "127.0.0.1:%d", ma.port);
    assert_true(tu_master_mode(&ma, "slow", "\"bytes\":64,\"interval\":0.01"));
    env_start(&e);
    assert_true(wait_models(&e, 1, 15000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader);
    env_done(&e);

    env_init(&e, 60, 1);
    env_master(&e, "127.0.0.1:%d", ma.port);
    assert_true(tu_master_mode(&ma, "slow", "\"bytes\":16,\"interval\":0.2"));
    env_start(&e);
    double t0 = tu_now();
    assert_true(wait_failures(&e, 1, 10000));
    assert_true(tu_now() - t0 < 3.0);
    assert_int_equal(e.rec.models, 0);
    assert_int_equal(lines(&e, "WARN", "timed out", NULL), 1);
    env_done(&e);
}

/* A non-leading master answers 307 to the leader: followed. */
static void test_redirect_307(void **state)
{
    struct env e;
    char to[64];
    snprintf(to, sizeof to, "\"to\":\"127.0.0.1:%d\"", ma.port);
    assert_true(tu_master_mode(&mb, "redirect", to));
    long a0 = tu_master_stat(&ma, "state_requests");
    env_init(&e, 60, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader);
    assert_int_equal(tu_master_stat(&ma, "state_requests") - a0, 1);
    assert_int_equal(stats(&e).failures, 0);
    env_done(&e);
}

/* The state's `leader` names another master: fetch again from it; the
 * next refresh goes straight to the leader. */
static void test_leader_field_followed(void **state)
{
    struct env e;
    char lp[96];
    snprintf(lp, sizeof lp, "\"leader\":\"master@127.0.0.1:%d\"", ma.port);
    assert_true(tu_master_mode(&mb, "other_leader", lp));
    long a0 = tu_master_stat(&ma, "state_requests");
    long b0 = tu_master_stat(&mb, "state_requests");
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    assert_true(refresh_model(&e, 10000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader);
    assert_int_equal(tu_master_stat(&mb, "state_requests") - b0, 1);
    assert_int_equal(tu_master_stat(&ma, "state_requests") - a0, 2);
    assert_int_equal(stats(&e).fetches, 3);
    env_done(&e);
}

/* Two masters each naming the other: bounded, then a failure. */
static void test_leader_loop_bounded(void **state)
{
    struct env e;
    char pa[96], pb[96];
    snprintf(pa, sizeof pa, "\"leader\":\"master@127.0.0.1:%d\"", mb.port);
    snprintf(pb, sizeof pb, "\"leader\":\"master@127.0.0.1:%d\"", ma.port);
    assert_true(tu_master_mode(&ma, "other_leader", pa));
    assert_true(tu_master_mode(&mb, "other_leader", pb));
    env_init(&e, 60, 5);
    env_master(&e, "127.0.0.1:%d", ma.port);
    env_start(&e);
    assert_true(wait_failures(&e, 1, 10000));
    assert_int_equal(e.rec.models, 0);
    assert_int_equal(stats(&e).fetches, 4); /* the first plus three hops */
    assert_int_equal(lines(&e, "WARN", "still not the leader", NULL), 1);
    env_done(&e);
}

/* masters[0] is down: masters[1] answers; the dead one is logged once. */
static void test_first_master_down(void **state)
{
    struct env e;
    int dead = tu_free_port();
    env_init(&e, 1, 5);
    env_master(&e, "127.0.0.1:%d", dead);
    env_master(&e, "127.0.0.1:%d", ma.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader);
    discovery_stats_t s = stats(&e);
    assert_int_equal(s.failures, 1);
    char who[64];
    snprintf(who, sizeof who, "master 127.0.0.1:%d:", dead);
    assert_int_equal(lines(&e, "WARN", who, "cannot connect"), 1);
    assert_int_equal(lines(&e, "ERROR", NULL, NULL), 0);
    env_done(&e);
}

/* Host names work in masters (Mesos-DNS crashes on them). */
static void test_hostname_master(void **state)
{
    struct env e;
    env_init(&e, 60, 5);
    env_master(&e, "localhost:%d", ma.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader);
    /* localhost:P is the master the state names: no extra hop. */
    assert_int_equal(stats(&e).fetches, 1);
    env_done(&e);
}

static void test_basic_auth(void **state)
{
    tu_master_t mc = {.pid = -1};
    const char *args[] = {"--state", state_small, "--auth", "dns:s3cret", NULL};
    assert_true(tu_master_start(&mc, tmp, args));
    struct env e;
    env_init(&e, 60, 5);
    env_master(&e, "127.0.0.1:%d", mc.port);
    e.cfg.mesos_authentication = "basic";
    e.cfg.mesos_principal = "dns";
    e.cfg.mesos_secret = "s3cret";
    env_start(&e);
    bool ok = wait_models(&e, 1, 10000);
    char auth[128];
    tu_master_last_header(&mc, "Authorization", auth, sizeof auth);
    env_done(&e);

    env_init(&e, 60, 5);
    env_master(&e, "127.0.0.1:%d", mc.port);
    e.cfg.mesos_authentication = "basic";
    e.cfg.mesos_principal = "dns";
    e.cfg.mesos_secret = "wrong";
    env_start(&e);
    bool failed = wait_failures(&e, 1, 10000);
    int models = e.rec.models;
    int w401 = lines(&e, "WARN", "HTTP 401", NULL);
    int secret_logged = lines(&e, "wrong", NULL, NULL);
    env_done(&e);
    tu_master_stop(&mc);
    assert_true(ok);
    assert_string_equal(auth, "Basic ZG5zOnMzY3JldA=="); /* base64("dns:s3cret") */
    assert_true(failed);
    assert_int_equal(models, 0);
    assert_int_equal(w401, 1);
    assert_int_equal(secret_logged, 0);
}

/* ---- hostile masters: an endless string, a huge document ---- */

static long proc_status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0)
            v = atol(line + strlen(key));
    if (f)
        fclose(f);
    return v;
}

/* Reset the peak RSS (VmHWM) to the current RSS; false when unsupported. */
static bool reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    bool ok = f && fputs("5", f) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    return ok;
}

struct settled {
    const tu_master_t *m;
    long last;
    double since;
};

/* The master's "streamed" count has not moved for 0.5 s. */
static bool stream_settled(void *arg)
{
    struct settled *st = arg;
    long n = tu_master_stat(st->m, "streamed");
    if (n != st->last) {
        st->last = n;
        st->since = tu_now();
    }
    return tu_now() - st->since > 0.5;
}

/* {"leader":"aaaa... forever (gzip'd: ~1000:1): the fetch fails as soon as
 * the string passes 1 MiB, not after stateTimeoutSeconds; the last model
 * stays; memory stays flat; the connection is dropped. */
static void test_endless_string(void **state)
{
    struct env e;
    env_init(&e, 3600, 60);
    env_master(&e, "127.0.0.1:%d", ma.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    assert_true(tu_master_mode(&ma, "endless_string", "\"max_seconds\":60"));
    bool peak = reset_peak_rss();
    long rss0 = proc_status_kib("VmRSS:");
    double t0 = tu_now();
    discovery_refresh_now(e.d);
    bool failed = wait_failures(&e, 1, 20000);
    double took = tu_now() - t0;
    long grown = proc_status_kib("VmHWM:") - rss0;
    discovery_stats_t s = stats(&e);
    struct settled st = {.m = &ma, .last = -1, .since = tu_now()};
    bool settled = tu_run_until(e.base, stream_settled, &st, 10000);
    assert_true(tu_master_mode(&ma, "ok", NULL));
    bool recovered = refresh_model(&e, 10000);
    int warned = lines(&e, "WARN", "a JSON string longer than 1 MiB at byte 10", NULL);
    env_done(&e);
    assert_true(failed);
    if (took > 5.0)
        fail_msg("the endless string took %.1f s to reject", took);
    assert_int_equal(e.rec.models, 2); /* the good one before, the one after */
    assert_non_null(
        strstr(s.last_error, "invalid state document: a JSON string longer than 1 MiB"));
    assert_int_equal(warned, 1);
    if (peak && grown > 48 * 1024)
        fail_msg("peak RSS grew by %ld KiB", grown);
    assert_true(settled); /* we hung up: the master stopped writing */
    assert_true(recovered);
}

/* A document over stateMaxBytes fails at once, however it comes: gzip'd
 * and chunked (the decoded size counts), or plain with a Content-Length
 * (refused before the body). One under it is read. */
static void test_huge_document(void **state)
{
    struct env e;
    env_init(&e, 3600, 60);
    env_master(&e, "127.0.0.1:%d", ma.port);
    e.cfg.state_max_bytes = 4 << 20;
    env_start(&e);
    assert_true(tu_master_mode(&ma, "huge", "\"bytes\":3000000"));
    assert_true(wait_models(&e, 1, 10000));
    char leader[64];
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", ma.port);
    assert_good_model(&e, leader); /* the padding is skipped */
    assert_true(stats(&e).last_state_bytes >= 3000000);

    static const char *const modes[] = {
        "\"bytes\":12000000",                                        /* gzip, chunked */
        "\"bytes\":12000000,\"gzip\":false",                         /* plain, chunked */
        "\"bytes\":12000000,\"gzip\":false,\"content_length\":true", /* Content-Length */
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        assert_true(tu_master_mode(&ma, "huge", modes[i]));
        uint64_t f0 = stats(&e).failures;
        double t0 = tu_now();
        discovery_refresh_now(e.d);
        assert_true(wait_failures(&e, f0 + 1, 20000));
        double took = tu_now() - t0;
        discovery_stats_t s = stats(&e);
        if (!strstr(s.last_error, "state document larger than 4194304 bytes (stateMaxBytes)"))
            fail_msg("%s: %s", modes[i], s.last_error);
        if (took > 5.0)
            fail_msg("%s: took %.1f s", modes[i], took);
        assert_int_equal(e.rec.models, 1);
    }
    assert_int_equal(lines(&e, "WARN", "state document larger than", NULL), 1);
    env_done(&e);
}

/* ---- whom the credentials go to ---- */

/* Basic auth: a 307 to a master that is not known (not in `masters`, not
 * ZooKeeper's, not named by a known master's state) is followed without
 * the credentials; one to a known master, with them; a state naming its
 * leader vouches for it; a redirect that is not a master's is not
 * followed at all. */
static void test_redirect_credentials(void **state)
{
    tu_master_t mc = {.pid = -1};
    const char *args[] = {"--state", state_small, "--auth", "dns:s3cret", NULL};
    assert_true(tu_master_start(&mc, tmp, args));
    char to[96], auth[128], leader[64];
    snprintf(to, sizeof to, "\"to\":\"127.0.0.1:%d\"", mc.port);
    snprintf(leader, sizeof leader, "master@127.0.0.1:%d", mc.port);
    assert_true(tu_master_mode(&mb, "redirect", to));
    struct env e;

    /* mc unknown: asked, but without credentials. */
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    e.cfg.mesos_authentication = "basic";
    e.cfg.mesos_principal = "dns";
    e.cfg.mesos_secret = "s3cret";
    long c0 = tu_master_stat(&mc, "state_requests");
    env_start(&e);
    bool failed = wait_failures(&e, 1, 10000);
    long asked = tu_master_stat(&mc, "state_requests") - c0;
    tu_master_last_header(&mc, "Authorization", auth, sizeof auth);
    discovery_stats_t s = stats(&e);
    int models = e.rec.models;
    env_done(&e);
    assert_true(failed);
    assert_int_equal(models, 0);
    assert_int_equal(asked, 1);
    assert_string_equal(auth, "");
    assert_non_null(strstr(s.last_error, "HTTP 401"));
    assert_non_null(strstr(s.last_error, "credentials not sent: not a known master"));

    /* mc in `masters`: the credentials go along, no failure. */
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    env_master(&e, "[::ffff:127.0.0.1]:%d", mc.port); /* the same IP, written otherwise */
    e.cfg.mesos_authentication = "basic";
    e.cfg.mesos_principal = "dns";
    e.cfg.mesos_secret = "s3cret";
    env_start(&e);
    bool ok = wait_models(&e, 1, 10000);
    tu_master_last_header(&mc, "Authorization", auth, sizeof auth);
    s = stats(&e);
    env_done(&e);
    assert_true(ok);
    assert_string_equal(auth, "Basic ZG5zOnMzY3JldA==");
    assert_int_equal(s.failures, 0);
    assert_int_equal(s.fetches, 2); /* mb, then the hop to mc */

    /* mb's state names mc its leader: mb vouches for it. */
    char lp[96];
    snprintf(lp, sizeof lp, "\"leader\":\"%s\"", leader);
    assert_true(tu_master_mode(&mb, "other_leader", lp));
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    e.cfg.mesos_authentication = "basic";
    e.cfg.mesos_principal = "dns";
    e.cfg.mesos_secret = "s3cret";
    env_start(&e);
    ok = wait_models(&e, 1, 10000);
    char got_leader[128];
    snprintf(got_leader, sizeof got_leader, "%s", e.rec.leader);
    s = stats(&e);
    env_done(&e);
    assert_true(ok);
    assert_string_equal(got_leader, leader);
    assert_int_equal(s.failures, 0);

    /* A redirect somewhere else than a master's state: not followed. */
    char loc[128];
    snprintf(loc, sizeof loc, "\"location\":\"http://127.0.0.1:%d/login\"", mc.port);
    assert_true(tu_master_mode(&mb, "redirect", loc));
    long r0 = tu_master_stat(&mc, "requests");
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    env_start(&e);
    failed = wait_failures(&e, 1, 10000);
    s = stats(&e);
    env_done(&e);
    long r1 = tu_master_stat(&mc, "requests");
    tu_master_stop(&mc);
    assert_true(failed);
    assert_non_null(strstr(s.last_error, "not a master's /master/state, not followed"));
    assert_int_equal(r1 - r0, 1); /* our own stats request only */
}

/* ---- parser warnings: logged once, not every refresh ---- */

static void test_warnings_once(void **state)
{
    tu_master_t mw = {.pid = -1};
    char bad[512];
    snprintf(bad, sizeof bad, "%s/tests/data/state/bad_entries.json", tu_src());
    const char *args[] = {"--state", bad, NULL};
    assert_true(tu_master_start(&mw, tmp, args));
    struct env e;
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", mw.port);
    env_start(&e);
    bool ok = wait_models(&e, 1, 10000) && refresh_model(&e, 10000) && refresh_model(&e, 10000);
    int warned = lines(&e, "WARN", "state: ", NULL);
    int info = lines(&e, "INFO", "state: 2 running tasks ignored", NULL);
    env_done(&e);
    tu_master_stop(&mw);
    assert_true(ok);
    assert_int_equal(e.rec.models, 3);
    assert_int_equal(warned, 8); /* the 8 kinds of bad_entries.json, once each */
    assert_int_equal(info, 1);
}

static void *poke(void *arg)
{
    discovery_refresh_now(arg);
    return NULL;
}

/* discovery_refresh_now() from another thread refreshes at once. */
static void test_refresh_now(void **state)
{
    struct env e;
    env_init(&e, 3600, 5);
    env_master(&e, "127.0.0.1:%d", ma.port);
    env_start(&e);
    assert_true(wait_models(&e, 1, 10000));
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, poke, e.d), 0);
    pthread_join(t, NULL);
    double t0 = tu_now();
    assert_true(wait_models(&e, 2, 5000));
    assert_true(tu_now() - t0 < 2.0);
    env_done(&e);
}

/* A config as config.json gives it (config_parse), basic auth included,
 * and the metrics discovery exports for /metrics. */
static void test_config_json_and_metrics(void **state)
{
    tu_master_t mc = {.pid = -1};
    const char *args[] = {"--state", state_small, "--auth", "dns:s3cret", NULL};
    assert_true(tu_master_start(&mc, tmp, args));
    char json[512], err[256];
    snprintf(json, sizeof json,
             "{\"masters\": [\"127.0.0.1:%d\"], \"refreshSeconds\": 1,"
             " \"stateTimeoutSeconds\": 5, \"mesosAuthentication\": \"basic\","
             " \"mesosCredentials\": {\"principal\": \"dns\", \"secret\": \"s3cret\"}}",
             mc.port);
    config_t cfg;
    int rc = config_parse(&cfg, json, strlen(json), err, sizeof err);
    if (rc != 0)
        fail_msg("config_parse: %s", err);
    struct env e;
    env_init(&e, 1, 5);
    e.cfg = cfg;
    env_start(&e);
    bool ok = wait_models(&e, 1, 10000) && refresh_model(&e, 10000);
    buf_t out = BUF_INIT;
    discovery_prometheus(e.d, &out);
    env_done(&e);
    config_free(&cfg);
    tu_master_stop(&mc);
    assert_true(ok);
    assert_int_equal(buf_error(&out), 0);
    char want[128];
    snprintf(want, sizeof want, "mesosdnsd_discovery_leader_info{leader=\"127.0.0.1:%d\"} 1\n",
             mc.port);
    assert_non_null(strstr(out.data, want));
    assert_non_null(strstr(out.data, "# TYPE mesosdnsd_discovery_models_total counter\n"
                                     "mesosdnsd_discovery_models_total 2\n"));
    assert_non_null(strstr(out.data, "mesosdnsd_discovery_failures_total 0\n"));
    assert_non_null(strstr(out.data, "mesosdnsd_discovery_leader_known 1\n"));
    assert_null(strstr(out.data, "mesosdnsd_zk_")); /* no zk configured */
    assert_null(strstr(out.data, "s3cret"));
    buf_release(&out);
}

/* ---------------- https ---------------- */

static bool sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd) == 0;
}

/* A CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate, all signed by the CA (openssl command line). */
static bool make_pki(const char *d)
{
    /* P-256 keys: generated in milliseconds, unlike RSA. */
    return sh("cd '%s' && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext &&"
              " openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
              " -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca >/dev/null 2>&1 &&"
              " openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key"
              " -out srv.csr -subj /CN=localhost >/dev/null 2>&1 &&"
              " openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
              " -out srv.pem -days 2 -extfile san.ext >/dev/null 2>&1 &&"
              " openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout cli.key"
              " -out cli.csr -subj /CN=mesos-dns >/dev/null 2>&1 &&"
              " openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
              " -out cli.pem -days 2 >/dev/null 2>&1",
              d);
}

static void https_env(struct env *e, int port, const char *ca, const char *cert, const char *key,
                      bool skip)
{
    env_init(e, 60, 5);
    env_master(e, "127.0.0.1:%d", port);
    e->cfg.mesos_https_on = true;
    e->cfg.ca_cert_file = (char *)ca;
    e->cfg.cert_file = (char *)cert;
    e->cfg.key_file = (char *)key;
    e->cfg.mesos_tls_skip_verify = skip;
    env_start(e);
}

/* MesosHTTPSOn: verified against CACertFile (or the system store, which
 * does not know our CA); skipping verification needs mesosTLSSkipVerify
 * and is logged; a master that wants client certificates gets ours. */
static void test_https(void **state)
{
    char d[300], ca[400], srv[400], srvkey[400], cli[400], clikey[400];
    snprintf(d, sizeof d, "%s/pki", tmp);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_true(make_pki(d));
    snprintf(ca, sizeof ca, "%s/ca.pem", d);
    snprintf(srv, sizeof srv, "%s/srv.pem", d);
    snprintf(srvkey, sizeof srvkey, "%s/srv.key", d);
    snprintf(cli, sizeof cli, "%s/cli.pem", d);
    snprintf(clikey, sizeof clikey, "%s/cli.key", d);
    tu_master_t ms = {.pid = -1}, mc = {.pid = -1}, mr = {.pid = -1};
    const char *a1[] = {"--state", state_small, "--tls-cert", srv, "--tls-key", srvkey, NULL};
    const char *a2[] = {"--state", state_small,       "--tls-cert", srv, "--tls-key",
                        srvkey,    "--tls-client-ca", ca,           NULL};
    char down[128];
    snprintf(down, sizeof down, "location=http://127.0.0.1:%d/master/state", ma.port);
    const char *a3[] = {"--state", state_small, "--tls-cert", srv,  "--tls-key", srvkey,
                        "--mode",  "redirect",  "--param",    down, NULL};
    assert_true(tu_master_start(&ms, tmp, a1));
    assert_true(tu_master_start(&mc, tmp, a2));
    assert_true(tu_master_start(&mr, tmp, a3));
    struct env e;
    bool ok[8];
    int logged[8];

    https_env(&e, ms.port, ca, NULL, NULL, false); /* CACertFile */
    ok[0] = wait_models(&e, 1, 10000);
    env_done(&e);

    https_env(&e, ms.port, NULL, NULL, NULL, false); /* system CAs: unknown issuer */
    ok[1] = wait_failures(&e, 1, 10000) && e.rec.models == 0;
    logged[1] = lines(&e, "WARN", "certificate", NULL);
    env_done(&e);

    https_env(&e, ms.port, NULL, NULL, NULL, true); /* mesosTLSSkipVerify */
    ok[2] = wait_models(&e, 1, 10000);
    logged[2] = lines(&e, "WARN", "NOT verified", NULL);
    env_done(&e);

    https_env(&e, mc.port, ca, NULL, NULL, false); /* client certificate missing */
    ok[3] = wait_failures(&e, 1, 10000) && e.rec.models == 0;
    env_done(&e);

    https_env(&e, mc.port, ca, cli, clikey, false); /* CertFile + KeyFile */
    ok[4] = wait_models(&e, 1, 10000);
    env_done(&e);

    /* Plain http to an https master fails cleanly. */
    env_init(&e, 60, 2);
    env_master(&e, "127.0.0.1:%d", ms.port);
    env_start(&e);
    ok[5] = wait_failures(&e, 1, 10000) && e.rec.models == 0;
    env_done(&e);

    /* An https master redirecting to http: refused, not followed. */
    long a0 = tu_master_stat(&ma, "state_requests");
    https_env(&e, mr.port, ca, NULL, NULL, false);
    ok[6] = wait_failures(&e, 1, 10000) && e.rec.models == 0 &&
            strstr(stats(&e).last_error, "https to http refused") &&
            tu_master_stat(&ma, "state_requests") == a0;
    env_done(&e);

    /* An http master redirecting to https: followed (verified by CACertFile). */
    char up[128];
    snprintf(up, sizeof up, "\"location\":\"https://127.0.0.1:%d/master/state\"", ms.port);
    assert_true(tu_master_mode(&mb, "redirect", up));
    env_init(&e, 60, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    e.cfg.ca_cert_file = ca;
    env_start(&e);
    ok[7] = wait_models(&e, 1, 10000) && stats(&e).failures == 0;
    env_done(&e);

    tu_master_stop(&ms);
    tu_master_stop(&mc);
    tu_master_stop(&mr);
    for (int i = 0; i < 8; i++)
        if (!ok[i])
            fail_msg("https case %d failed", i);
    assert_int_equal(logged[1], 1);
    assert_int_equal(logged[2], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_url),
        cmocka_unit_test(test_redirect_target),
        cmocka_unit_test_teardown(test_config_rejected, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_good_model_and_gzip, reset_masters,
                                        tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_fault_modes, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_hang_bounded, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_slow_drip, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_307, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_leader_field_followed, reset_masters,
                                        tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_leader_loop_bounded, reset_masters,
                                        tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_first_master_down, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_hostname_master, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_basic_auth, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_now, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_config_json_and_metrics, reset_masters,
                                        tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_endless_string, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_huge_document, reset_masters, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_credentials, reset_masters,
                                        tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_warnings_once, reset_masters, tu_capture_teardown),
        cmocka_unit_test_teardown(test_https, tu_capture_teardown),
    };
    log_set_verbosity(0);
    return cmocka_run_group_tests_name("discovery", tests, group_setup, group_teardown);
}
