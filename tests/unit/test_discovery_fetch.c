/* Tests of discovery (with fetch and iam) against the test Mesos master
 * (tests/tools/fake_master.py, real HTTP on loopback): master URLs and
 * redirect targets, configs refused, the good model, every fault mode (no
 * new model, counted, logged once, then "recovered" once), time-outs on a
 * hanging or dripping master, leader redirects (307 and the `leader`
 * field), a dead first master, host names, basic auth, gzip, refresh on
 * demand, a config from config.json, the metrics, parser warnings logged
 * once.
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

#include "discovery_fixture.h"

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
    const char *bad[] = {"http://10.0.0.2:5050/login", "http://10.0.0.2:5050/master/state?x=1",
                         "http://user:pw@10.0.0.2:5050/master/state",
                         /* long parts too (an 8-byte probe once missed them) */
                         "http://administrator@10.0.0.2:5050/master/state",
                         "http://u:a-long-password@10.0.0.2:5050/master/state",
                         "http://10.0.0.2:5050/master/state?token=12345678",
                         "http://10.0.0.2:5050/master/state#fragment-of-length",
                         "ftp://10.0.0.2/master/state",
                         "http://10.0.0.2:5050/master/state/../../etc", "/master/state", ""};
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

int main(void)
{
    /* test_config_rejected captures stderr itself, in this file. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_url),
        cmocka_unit_test(test_redirect_target),
        cmocka_unit_test_teardown(test_config_rejected, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_good_model_and_gzip, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_fault_modes, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_hang_bounded, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_slow_drip, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_307, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_leader_field_followed, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_leader_loop_bounded, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_first_master_down, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_hostname_master, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_basic_auth, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_refresh_now, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_config_json_and_metrics, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_warnings_once, reset_masters, env_teardown),
    };
    log_set_verbosity(0);
    return cmocka_run_group_tests_name("discovery_fetch", tests, group_setup, group_teardown);
}
