/* Tests of discovery/iam: base64url, JWT exp, login replies, config
 * checks, and DC/OS IAM logins through discovery against the test master's
 * login endpoint (tests/tools/fake_iam.py verifies our RS256 JWT with the
 * service account's public key): one login for many fetches, a new login
 * after a 401, a fresh login before the token expires, a wrong key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/log.h"
#include "config/config.h"
#include "discovery/discovery.h"
#include "discovery/iam.h"
#include "testutil_proc.h"

static char tmp[256];
static char state_small[1024];
static char key_pkcs8[300], key_pkcs1[300], key_other[300], key_ec[300], pub[300];
static tu_master_t mi = {.pid = -1};

/* ---------------- pure helpers ---------------- */

static void test_b64url(void **state)
{
    /* RFC 4648 §10 vectors (no padding), then the two URL-safe symbols. */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char buf[32];
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(iam_b64url(in[i], strlen(in[i]), buf, sizeof buf), strlen(out[i]));
        assert_string_equal(buf, out[i]);
    }
    const unsigned char fbff[] = {0xfb, 0xff};
    assert_int_equal(iam_b64url(fbff, 2, buf, sizeof buf), 3);
    assert_string_equal(buf, "-_8");
    assert_int_equal(iam_b64url("foobar", 6, buf, 8), -ENOSPC); /* 8 chars + NUL */
}

static void make_jwt(const char *payload, char *out, size_t outlen)
{
    char p[512];
    iam_b64url(payload, strlen(payload), p, sizeof p);
    snprintf(out, outlen, "eyJhbGciOiJIUzI1NiJ9.%s.c2ln", p);
}

static void test_jwt_exp(void **state)
{
    char t[600];
    int64_t exp = 0;
    make_jwt("{\"uid\":\"x\",\"exp\":1700000000}", t, sizeof t);
    assert_int_equal(iam_jwt_exp(t, &exp), 0);
    assert_int_equal(exp, 1700000000);
    make_jwt("{\"uid\":\"x\"}", t, sizeof t);
    assert_int_equal(iam_jwt_exp(t, &exp), -EINVAL);
    make_jwt("{\"exp\":\"soon\"}", t, sizeof t);
    assert_int_equal(iam_jwt_exp(t, &exp), -EINVAL);
    make_jwt("[1,2]", t, sizeof t);
    assert_int_equal(iam_jwt_exp(t, &exp), -EINVAL);
    assert_int_equal(iam_jwt_exp("opaque-token", &exp), -EINVAL);
    assert_int_equal(iam_jwt_exp("a.!!!.c", &exp), -EINVAL);
    assert_int_equal(iam_jwt_exp("a..c", &exp), -EINVAL);
    assert_int_equal(iam_jwt_exp(NULL, &exp), -EINVAL);
}

static void test_parse_reply(void **state)
{
    char *tok = NULL;
    const char *good = "{\"token\":\"eyJ0.eyJ1.c2ln\"}";
    assert_int_equal(iam_parse_reply(good, strlen(good), &tok), 0);
    assert_string_equal(tok, "eyJ0.eyJ1.c2ln");
    free(tok);
    /* Nothing that could break the header line or be empty. */
    const char *bad[] = {"",
                         "{}",
                         "{\"token\":\"\"}",
                         "{\"token\":5}",
                         "{\"token\":\"a b\"}",
                         "{\"token\":\"a\\r\\nX-Evil: 1\"}",
                         "{\"token\":\"a\\u0000b\"}",
                         "{\"token\":\"caf\\u00e9\"}",
                         "[\"token\"]",
                         "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tok = NULL;
        if (iam_parse_reply(bad[i], strlen(bad[i]), &tok) != -EPROTO)
            fail_msg("accepted %s", bad[i]);
        assert_null(tok);
    }
}

/* ---------------- keys and config files ---------------- */

static bool write_key(EVP_PKEY *k, const char *path, bool traditional)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    BIO *b = BIO_new_fp(f, BIO_NOCLOSE);
    int ok = traditional ? PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    BIO_free(b);
    fclose(f);
    return ok == 1;
}

static bool make_keys(void)
{
    snprintf(key_pkcs8, sizeof key_pkcs8, "%s/sa.pem", tmp);
    snprintf(key_pkcs1, sizeof key_pkcs1, "%s/sa-rsa.pem", tmp);
    snprintf(key_other, sizeof key_other, "%s/other.pem", tmp);
    snprintf(key_ec, sizeof key_ec, "%s/ec.pem", tmp);
    snprintf(pub, sizeof pub, "%s/sa.pub.pem", tmp);
    EVP_PKEY *k = EVP_RSA_gen(2048), *o = EVP_RSA_gen(2048), *ec = EVP_EC_gen("P-256");
    bool ok = k && o && ec && write_key(k, key_pkcs8, false) && write_key(k, key_pkcs1, true) &&
              write_key(o, key_other, false) && write_key(ec, key_ec, false);
    FILE *f = ok ? fopen(pub, "w") : NULL;
    ok = f && PEM_write_PUBKEY(f, k) == 1;
    if (f)
        fclose(f);
    EVP_PKEY_free(k);
    EVP_PKEY_free(o);
    EVP_PKEY_free(ec);
    return ok;
}

/* IAMConfigFile {uid, private_key, login_endpoint} (plus DC/OS's scheme). */
static void write_iam_config(const char *path, const char *uid, const char *keyfile,
                             const char *endpoint)
{
    char pem[8192] = "";
    FILE *f = fopen(keyfile, "r");
    assert_non_null(f);
    size_t n = fread(pem, 1, sizeof pem - 1, f);
    pem[n] = '\0';
    fclose(f);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s}", "scheme", "RS256", "uid", uid, "private_key", pem,
                          "login_endpoint", endpoint);
    assert_int_equal(json_dump_file(j, path, 0), 0);
    json_decref(j);
}

static void test_config_errors(void **state)
{
    char err[300], path[300], ep[128];
    snprintf(ep, sizeof ep, "http://127.0.0.1:1/acs/api/v1/auth/login");
    snprintf(path, sizeof path, "%s/missing.json", tmp);
    assert_null(iam_new(path, err, sizeof err));
    assert_non_null(strstr(err, "missing.json"));

    snprintf(path, sizeof path, "%s/bad.json", tmp);
    FILE *f = fopen(path, "w");
    fputs("{\"uid\": ", f);
    fclose(f);
    assert_null(iam_new(path, err, sizeof err));
    assert_non_null(strstr(err, "not a JSON object"));

    write_iam_config(path, "", key_pkcs8, ep);
    assert_null(iam_new(path, err, sizeof err));
    assert_non_null(strstr(err, "uid"));

    write_iam_config(path, "svc", key_pkcs8, "ftp://x/login");
    assert_null(iam_new(path, err, sizeof err));
    assert_non_null(strstr(err, "login_endpoint"));

    write_iam_config(path, "svc", key_ec, ep);
    assert_null(iam_new(path, err, sizeof err));
    assert_non_null(strstr(err, "not an RSA key"));

    write_iam_config(path, "svc", path, ep); /* a JSON file is no PEM key */
    assert_null(iam_new(path, err, sizeof err));

    write_iam_config(path, "svc", key_pkcs1, ep);
    iam_t *i = iam_new(path, err, sizeof err);
    assert_non_null(i);
    assert_null(iam_auth_header(i));
    assert_int_equal(iam_logins(i), 0);
    iam_free(&i);
    assert_null(i);
}

/* ---------------- logins through discovery ---------------- */

struct env {
    struct event_base *base;
    config_t cfg;
    char *masters[1];
    char mbuf[64];
    char iamfile[300];
    int models, goal;
    discovery_t *d;
    char log[300];
};

static void on_model(void *ctx, model_t **m)
{
    ((struct env *)ctx)->models++;
    model_free(m);
}

/* When set, the login_endpoint instead of the test master's. */
static char ep_override[128];

static void env_start(struct env *e, const char *keyfile, int refresh_s)
{
    static int seq;
    memset(e, 0, sizeof *e);
    e->base = event_base_new();
    e->cfg.refresh_seconds = refresh_s;
    e->cfg.state_timeout_seconds = 5;
    e->cfg.zk = "";
    e->cfg.mesos_authentication = "iam";
    snprintf(e->mbuf, sizeof e->mbuf, "127.0.0.1:%d", mi.port);
    e->masters[0] = e->mbuf;
    e->cfg.masters = e->masters;
    e->cfg.n_masters = 1;
    char ep[128];
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d/acs/api/v1/auth/login", mi.port);
    if (ep_override[0])
        snprintf(ep, sizeof ep, "%s", ep_override);
    snprintf(e->iamfile, sizeof e->iamfile, "%s/iam-%d.json", tmp, ++seq);
    write_iam_config(e->iamfile, "dns-svc", keyfile, ep);
    e->cfg.iam_config_file = e->iamfile;
    snprintf(e->log, sizeof e->log, "%s/iam-%d.log", tmp, seq);
    discovery_params_t p = {.cfg = &e->cfg, .base = e->base, .on_model = on_model, .ctx = e};
    tu_capture_start(e->log);
    e->d = discovery_new(&p);
    assert_non_null(e->d);
    assert_int_equal(discovery_start(e->d), 0);
}

static void env_done(struct env *e)
{
    discovery_free(&e->d);
    tu_capture_stop();
    event_base_free(e->base);
}

static bool models_ge(void *arg)
{
    struct env *e = arg;
    return e->models >= e->goal;
}

static bool wait_models(struct env *e, int n, int ms)
{
    e->goal = n;
    return tu_run_until(e->base, models_ge, e, ms);
}

struct poke {
    struct env *e;
    int seen;
};

/* Each new model asks for the next refresh at once. */
static bool models_poked(void *arg)
{
    struct poke *p = arg;
    if (p->e->models >= p->e->goal)
        return true;
    if (p->e->models != p->seen) {
        p->seen = p->e->models;
        discovery_refresh_now(p->e->d);
    }
    return false;
}

/* Refreshes back to back (no refreshSeconds wait) until `n` models. */
static bool wait_models_poked(struct env *e, int n, int ms)
{
    struct poke p = {.e = e, .seen = e->models};
    e->goal = n;
    return tu_run_until(e->base, models_poked, &p, ms);
}

static bool failures_ge1(void *arg)
{
    discovery_stats_t s;
    discovery_stats(((struct env *)arg)->d, &s);
    return s.failures >= 1;
}

/* A number in the master's "iam" stats. */
static long iam_stat(const char *key)
{
    char *body = tu_http(mi.port, "/__fake__/stats", NULL, NULL);
    json_t *j = json_loads(body, 0, NULL);
    json_t *v = json_object_get(json_object_get(j, "iam"), key);
    long r = json_is_integer(v) ? (long)json_integer_value(v) : -1;
    json_decref(j);
    free(body);
    return r;
}

static bool iam_post(const char *json)
{
    long st = 0;
    free(tu_http(mi.port, "/__fake__/iam", json, &st));
    return st == 200;
}

static int reset_iam(void **state)
{
    return iam_post("{\"revoke\":true,\"token_ttl\":3600}") ? 0 : -1;
}

/* One login, then the cached token serves every refresh. */
static void test_login_cached(void **state)
{
    long l0 = iam_stat("logins"), r0 = iam_stat("rejected");
    struct env e;
    env_start(&e, key_pkcs8, 3600);
    bool ok = wait_models_poked(&e, 4, 15000);
    discovery_stats_t s;
    discovery_stats(e.d, &s);
    char auth[512];
    tu_master_last_header(&mi, "Authorization", auth, sizeof auth);
    env_done(&e);
    assert_true(ok);
    assert_int_equal(iam_stat("logins") - l0, 1);
    assert_int_equal(iam_stat("rejected") - r0, 0);
    assert_int_equal(s.iam_logins, 1);
    assert_int_equal(s.failures, 0);
    assert_int_equal(strncmp(auth, "token=", 6), 0);
    /* The token never reaches the log. */
    assert_int_equal(tu_count_lines(e.log, auth + 6, NULL, NULL), 0);
}

/* A PKCS#1 ("BEGIN RSA PRIVATE KEY") key works as well as PKCS#8. */
static void test_login_pkcs1_key(void **state)
{
    long l0 = iam_stat("logins");
    struct env e;
    env_start(&e, key_pkcs1, 60);
    bool ok = wait_models(&e, 1, 10000);
    env_done(&e);
    assert_true(ok);
    assert_int_equal(iam_stat("logins") - l0, 1);
}

/* The master rejects the token (IAM key rotated): one new login, and the
 * refresh still succeeds without counting a failure. */
static void test_relogin_after_401(void **state)
{
    struct env e;
    env_start(&e, key_pkcs8, 3600);
    assert_true(wait_models(&e, 1, 10000));
    long l0 = iam_stat("logins"), r0 = iam_stat("rejected");
    assert_true(iam_post("{\"revoke\":true}"));
    discovery_refresh_now(e.d);
    bool ok = wait_models_poked(&e, 3, 10000);
    discovery_stats_t s;
    discovery_stats(e.d, &s);
    int relog = tu_count_lines(e.log, "rejected the IAM token", NULL, NULL);
    env_done(&e);
    assert_true(ok);
    assert_int_equal(iam_stat("logins") - l0, 1);
    assert_int_equal(iam_stat("rejected") - r0, 1);
    assert_int_equal(s.failures, 0);
    assert_int_equal(s.iam_logins, 2);
    assert_int_equal(relog, 1);
}

/* A second login happened, and a refresh used its token. */
static bool renewed(void *arg)
{
    struct env *e = arg;
    discovery_stats_t s;
    discovery_stats(e->d, &s);
    return s.iam_logins >= 2 && e->models >= 3;
}

/* Short-lived tokens (3 s: renewed 1 s before expiry) are renewed before
 * they expire: no request is ever rejected. */
static void test_renew_before_expiry(void **state)
{
    assert_true(iam_post("{\"token_ttl\":3}"));
    long r0 = iam_stat("rejected"), l0 = iam_stat("logins");
    struct env e;
    env_start(&e, key_pkcs8, 1);
    bool ok = tu_run_until(e.base, renewed, &e, 15000);
    env_done(&e);
    assert_true(ok);
    assert_int_equal(iam_stat("rejected") - r0, 0);
    assert_true(iam_stat("logins") - l0 >= 2);
}

/* A key the IAM does not know: the login fails (401), nothing is fetched. */
static void test_wrong_key(void **state)
{
    long f0 = iam_stat("login_failures"), s0 = tu_master_stat(&mi, "state_requests");
    struct env e;
    env_start(&e, key_other, 60);
    bool failed = tu_run_until(e.base, failures_ge1, &e, 10000);
    int logged = tu_count_lines(e.log, "WARN", "IAM login at", "HTTP 401");
    env_done(&e);
    assert_true(failed);
    assert_int_equal(e.models, 0);
    assert_int_equal(iam_stat("login_failures") - f0, 1);
    assert_int_equal(tu_master_stat(&mi, "state_requests") - s0, 0);
    assert_int_equal(logged, 1);
    char *body = tu_http(mi.port, "/__fake__/stats", NULL, NULL);
    assert_non_null(strstr(body, "bad signature"));
    free(body);
}

/* The login carries a signed login token: a redirect is not followed (the
 * token would be posted again wherever it points); the error names it. */
static void test_login_redirect_not_followed(void **state)
{
    tu_master_t mr = {.pid = -1};
    char to[64];
    snprintf(to, sizeof to, "to=127.0.0.1:%d", mi.port);
    const char *args[] = {"--state", state_small, "--mode", "redirect", "--param", to, NULL};
    assert_true(tu_master_start(&mr, tmp, args));
    long l0 = iam_stat("logins"), f0 = iam_stat("login_failures");
    snprintf(ep_override, sizeof ep_override, "http://127.0.0.1:%d/acs/api/v1/auth/login", mr.port);
    struct env e;
    env_start(&e, key_pkcs8, 60);
    bool failed = tu_run_until(e.base, failures_ge1, &e, 10000);
    char want[160];
    snprintf(want, sizeof want,
             "HTTP 307 redirect to http://127.0.0.1:%d/acs/api/v1/auth/login (not followed)",
             mi.port);
    int logged = tu_count_lines(e.log, "WARN", "IAM login at", want);
    env_done(&e);
    ep_override[0] = '\0';
    tu_master_stop(&mr);
    assert_true(failed);
    assert_int_equal(e.models, 0);
    assert_int_equal(iam_stat("logins") - l0, 0);
    assert_int_equal(iam_stat("login_failures") - f0, 0); /* the IAM never saw it */
    assert_int_equal(logged, 1);
}

static int group_setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!tu_tmpdir(tmp, sizeof tmp, "iam") || !make_keys())
        return -1;
    snprintf(state_small, sizeof state_small, "%s/tests/data/discovery/state_small.json", tu_src());
    const char *args[] = {"--state", state_small, "--iam-pubkey", pub, "--iam-uid",
                          "dns-svc", NULL};
    return tu_master_start(&mi, tmp, args) ? 0 : -1;
}

static int group_teardown(void **state)
{
    tu_master_stop(&mi);
    tu_rm_rf(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_jwt_exp),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test_setup_teardown(test_login_cached, reset_iam, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_login_pkcs1_key, reset_iam, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_relogin_after_401, reset_iam, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_renew_before_expiry, reset_iam, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, reset_iam, tu_capture_teardown),
        cmocka_unit_test_setup_teardown(test_login_redirect_not_followed, reset_iam,
                                        tu_capture_teardown),
    };
    log_set_verbosity(0);
    return cmocka_run_group_tests_name("iam", tests, group_setup, group_teardown);
}
