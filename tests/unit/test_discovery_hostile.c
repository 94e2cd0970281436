/* Tests of discovery (with fetch and iam) against hostile or untrusted
 * masters (tests/tools/fake_master.py, real HTTP on loopback): an endless
 * string and a huge document (cut at once, memory flat), whom the
 * credentials go to on redirects, and https (verified against the CA file or
 * the system store, client certificates).
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
    /* well before stateTimeoutSeconds (60 s here); generous for the
     * sanitizer build on a shared machine */
    if (took > 15.0)
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
        if (took > 15.0)
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
        cmocka_unit_test_setup_teardown(test_endless_string, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_huge_document, reset_masters, env_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_credentials, reset_masters, env_teardown),
        cmocka_unit_test_teardown(test_https, env_teardown),
    };
    log_set_verbosity(0);
    return cmocka_run_group_tests_name("discovery_hostile", tests, group_setup, group_teardown);
}
