/* Tests of discovery (with fetch and iam) against the test Mesos master
 * (tests/tools/fake_master.py, real HTTP on loopback): the good model, every
 * fault mode (no new model, counted, logged once, then "recovered" once),
 * leader redirects (307 and the `leader` field), basic auth, host names,
 * a dead first master, time-outs on a hanging or dripping master, gzip,
 * refresh on demand, https, a config from config.json, the metrics. */
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
 * once however often it repeats; then "recovered" once. */
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
        /* Back-off (0.5-1 s, then 1-2 s) keeps retrying: three attempts. */
        if (!wait_failures(&e, fail0 + 3, 12000))
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
    assert_true(tu_master_mode(&ma, "slow", "\"bytes\":64,\"interval\":0.05"));
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
    env_init(&e, 1, 5);
    env_master(&e, "127.0.0.1:%d", mb.port);
    env_start(&e);
    assert_true(wait_models(&e, 2, 10000));
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
    bool ok = wait_models(&e, 2, 10000);
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
    return sh("cd '%s' && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext &&"
              " openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2"
              " -subj /CN=test-ca >/dev/null 2>&1 &&"
              " openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr"
              " -subj /CN=localhost >/dev/null 2>&1 &&"
              " openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
              " -out srv.pem -days 2 -extfile san.ext >/dev/null 2>&1 &&"
              " openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr"
              " -subj /CN=mesos-dns >/dev/null 2>&1 &&"
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
    tu_master_t ms = {.pid = -1}, mc = {.pid = -1};
    const char *a1[] = {"--state", state_small, "--tls-cert", srv, "--tls-key", srvkey, NULL};
    const char *a2[] = {"--state", state_small,       "--tls-cert", srv, "--tls-key",
                        srvkey,    "--tls-client-ca", ca,           NULL};
    assert_true(tu_master_start(&ms, tmp, a1));
    assert_true(tu_master_start(&mc, tmp, a2));
    struct env e;
    bool ok[6];
    int logged[6];

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

    tu_master_stop(&ms);
    tu_master_stop(&mc);
    for (int i = 0; i < 6; i++)
        if (!ok[i])
            fail_msg("https case %d failed", i);
    assert_int_equal(logged[1], 1);
    assert_int_equal(logged[2], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_url),
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
        cmocka_unit_test_teardown(test_https, tu_capture_teardown),
    };
    log_set_verbosity(0);
    return cmocka_run_group_tests_name("discovery", tests, group_setup, group_teardown);
}
