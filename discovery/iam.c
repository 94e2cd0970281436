#include "discovery/iam.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/errcode.h"
#include "common/log.h"

/* Lifetime of the JWT we sign for the login, as Mesos-DNS does. */
#define LOGIN_JWT_LIFETIME_S 3600
/* Assumed lifetime of a returned token that is not a JWT. */
#define OPAQUE_TOKEN_LIFETIME_S 3600
/* Re-login this long before the token expires (at most half its life). */
#define REFRESH_MARGIN_S 300
#define REPLY_MAX        65536
#define CONFIG_MAX       (1 << 20)

struct iam {
    char *uid;
    char *endpoint;
    EVP_PKEY *key;
    char *header;       /* "Authorization: token=..." or NULL */
    int64_t refresh_at; /* CLOCK_REALTIME s after which the token is stale */
    uint64_t logins;
    /* the login in flight */
    fetch_req_t *req;
    buf_t reply;
    iam_login_fn cb;
    void *ctx;
};

/* Real time: token expiry times are Unix times. */
static int64_t now_s(void)
{
    return clock_real_ms() / 1000;
}

/* ---- pure helpers ---- */

int iam_b64url(const void *data, size_t len, char *out, size_t outlen)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = data;
    size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
    if (need + 1 > outlen)
        return -ENOSPC;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
    }
    out[o] = '\0';
    return (int)o;
}

static int b64url_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || c == '+')
        return 62;
    if (c == '_' || c == '/')
        return 63;
    return -1;
}

/* Decode base64url (padding optional); returns the length or -EINVAL. */
static int b64url_decode(const char *s, size_t len, unsigned char *out, size_t outlen)
{
    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return -EINVAL;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_val((unsigned char)s[i]);
        if (v < 0)
            return -EINVAL;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outlen)
                return -EINVAL;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (int)o;
}

int iam_jwt_exp(const char *token, int64_t *exp)
{
    const char *d1 = token ? strchr(token, '.') : NULL;
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d2)
        return -EINVAL;
    size_t n = (size_t)(d2 - d1 - 1);
    if (n == 0 || n > 8192)
        return -EINVAL;
    unsigned char payload[6144];
    int len = b64url_decode(d1 + 1, n, payload, sizeof payload);
    if (len <= 0)
        return -EINVAL;
    json_t *j = json_loadb((const char *)payload, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
    json_t *e = json_is_object(j) ? json_object_get(j, "exp") : NULL;
    int rc = -EINVAL;
    if (json_is_integer(e)) {
        *exp = (int64_t)json_integer_value(e);
        rc = 0;
    } else if (json_is_real(e) && json_real_value(e) > 0 && json_real_value(e) < 1e15) {
        *exp = (int64_t)json_real_value(e);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static bool token_chars_ok(const char *t)
{
    if (!*t)
        return false;
    for (; *t; t++)
        if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
            return false;
    return true;
}

int iam_parse_reply(const char *body, size_t len, char **token)
{
    *token = NULL;
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *t = json_is_object(j) ? json_object_get(j, "token") : NULL;
    int rc = -EPROTO;
    if (json_is_string(t) && strlen(json_string_value(t)) == json_string_length(t) &&
        token_chars_ok(json_string_value(t))) {
        *token = strdup(json_string_value(t));
        rc = *token ? 0 : -ENOMEM;
    }
    json_decref(j);
    return rc;
}

/* ---- config and key ---- */

static char *read_small_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "IAMConfigFile %s: %s", path, strerror(errno));
        return NULL;
    }
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= CONFIG_MAX)
        buf_append(&b, chunk, n);
    bool bad = ferror(f) || b.len > CONFIG_MAX || buf_error(&b);
    fclose(f);
    OPENSSL_cleanse(chunk, sizeof chunk);
    if (bad) {
        snprintf(err, errlen, "IAMConfigFile %s: unreadable or larger than 1 MiB", path);
        if (b.data)
            OPENSSL_cleanse(b.data, b.len);
        buf_release(&b);
        return NULL;
    }
    *len = b.len;
    return buf_take(&b, NULL);
}

static EVP_PKEY *load_key(const char *pem, char *err, size_t errlen)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    if (!k) {
        snprintf(err, errlen, "IAMConfigFile: private_key is not a PEM private key");
        return NULL;
    }
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "IAMConfigFile: private_key is not an RSA key (RS256 needs one)");
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

static const char *str_field(json_t *j, const char *name)
{
    json_t *v = json_object_get(j, name);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

iam_t *iam_new(const char *config_file, char *err, size_t errlen)
{
    size_t len = 0;
    iam_t *i = NULL;
    json_t *j = NULL;
    char *text = read_small_file(config_file, &len, err, errlen);
    if (!text)
        return NULL;
    json_error_t je;
    j = json_loadb(text, len, 0, &je);
    if (!json_is_object(j)) {
        snprintf(err, errlen, "IAMConfigFile %s: not a JSON object (line %d: %s)", config_file,
                 je.line, j ? "wrong type" : je.text);
        goto fail;
    }
    const char *uid = str_field(j, "uid"), *ep = str_field(j, "login_endpoint");
    /* Early Mesos-DNS releases called the key "secret". */
    const char *pem =
        str_field(j, "private_key") ? str_field(j, "private_key") : str_field(j, "secret");
    if (!uid || !ep || !pem) {
        snprintf(err, errlen, "IAMConfigFile %s: needs non-empty uid, private_key, login_endpoint",
                 config_file);
        goto fail;
    }
    if (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) {
        snprintf(err, errlen, "IAMConfigFile %s: login_endpoint must be an http(s) URL",
                 config_file);
        goto fail;
    }
    i = calloc(1, sizeof *i);
    if (!i || !(i->uid = strdup(uid)) || !(i->endpoint = strdup(ep))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(i->key = load_key(pem, err, errlen)))
        goto fail;
    json_decref(j);
    OPENSSL_cleanse(text, len);
    free(text);
    return i;
fail:
    json_decref(j);
    OPENSSL_cleanse(text, len);
    free(text);
    iam_free(&i);
    return NULL;
}

/* ---- login ---- */

/* header.payload.signature of {"uid", "exp"}, RS256. malloc'd, or NULL. */
static char *make_jwt(iam_t *i, int64_t exp)
{
    static const char hdr[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    char *claims = NULL, *jwt = NULL;
    unsigned char *sig = NULL;
    EVP_MD_CTX *md = NULL;
    json_t *c = json_pack("{s:s,s:I}", "uid", i->uid, "exp", (json_int_t)exp);
    if (!c || !(claims = json_dumps(c, JSON_COMPACT)))
        goto out;
    size_t cl = strlen(claims);
    size_t cap = (sizeof hdr + cl) * 4 / 3 + 1024 + (size_t)EVP_PKEY_get_size(i->key) * 2;
    if (!(jwt = malloc(cap)))
        goto out;
    int n1 = iam_b64url(hdr, sizeof hdr - 1, jwt, cap);
    jwt[n1] = '.';
    int n2 = iam_b64url(claims, cl, jwt + n1 + 1, cap - (size_t)n1 - 1);
    size_t signed_len = (size_t)n1 + 1 + (size_t)n2;
    size_t siglen = 0;
    if (!(md = EVP_MD_CTX_new()) || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, i->key) != 1 ||
        EVP_DigestSign(md, NULL, &siglen, (unsigned char *)jwt, signed_len) != 1 ||
        !(sig = malloc(siglen)) ||
        EVP_DigestSign(md, sig, &siglen, (unsigned char *)jwt, signed_len) != 1) {
        free(jwt);
        jwt = NULL;
        goto out;
    }
    jwt[signed_len] = '.';
    iam_b64url(sig, siglen, jwt + signed_len + 1, cap - signed_len - 1);
out:
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    free(sig);
    free(claims);
    json_decref(c);
    return jwt;
}

static int reply_body(void *ctx, const void *data, size_t len)
{
    iam_t *i = ctx;
    if (i->reply.len + len > REPLY_MAX)
        return -EPROTO;
    return buf_append(&i->reply, data, len);
}

static void set_token(iam_t *i, const char *token)
{
    int64_t now = now_s(), exp = 0;
    if (iam_jwt_exp(token, &exp) != 0 || exp <= now)
        exp = now + OPAQUE_TOKEN_LIFETIME_S;
    int64_t margin = (exp - now) / 2 < REFRESH_MARGIN_S ? (exp - now) / 2 : REFRESH_MARGIN_S;
    iam_invalidate(i);
    size_t n = strlen(token) + 32;
    i->header = malloc(n);
    if (!i->header)
        return;
    snprintf(i->header, n, "Authorization: token=%s", token);
    i->refresh_at = exp - margin;
}

static void login_done(void *ctx, const fetch_result_t *r)
{
    iam_t *i = ctx;
    char err[300] = "";
    int rc = r->rc;
    i->req = NULL;
    if (rc == 0) {
        char *token = NULL;
        rc = iam_parse_reply(i->reply.data ? i->reply.data : "", i->reply.len, &token);
        if (rc == 0) {
            set_token(i, token);
            OPENSSL_cleanse(token, strlen(token));
            free(token);
            rc = i->header ? 0 : -ENOMEM;
            if (rc == 0)
                i->logins++;
        } else {
            snprintf(err, sizeof err, "IAM login at %s: reply has no valid \"token\"", i->endpoint);
        }
    } else {
        snprintf(err, sizeof err, "IAM login at %s: %s", i->endpoint, r->error);
    }
    if (i->reply.data)
        OPENSSL_cleanse(i->reply.data, i->reply.len);
    buf_release(&i->reply);
    iam_login_fn cb = i->cb;
    i->cb = NULL;
    cb(i->ctx, rc, rc == 0 ? NULL : err);
}

int iam_login(iam_t *i, fetch_t *f, const fetch_tls_t *tls, long timeout_ms, iam_login_fn cb,
              void *ctx)
{
    if (i->req)
        return -EBUSY;
    char *jwt = make_jwt(i, now_s() + LOGIN_JWT_LIFETIME_S);
    json_t *body = jwt ? json_pack("{s:s,s:s}", "uid", i->uid, "token", jwt) : NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    free(jwt);
    if (!text)
        return -ENOMEM;
    i->cb = cb;
    i->ctx = ctx;
    buf_init(&i->reply);
    fetch_request_t rq = {.url = i->endpoint,
                          .post_json = text,
                          .tls = tls,
                          .timeout_ms = timeout_ms,
                          /* The body is a signed login token: it would be
                           * posted again wherever a redirect points. A 3xx
                           * fails, naming its target (for login_endpoint). */
                          .on_body = reply_body,
                          .on_done = login_done,
                          .ctx = i};
    i->req = fetch_start(f, &rq);
    free(text);
    if (!i->req) {
        i->cb = NULL;
        return -ENOMEM;
    }
    return 0;
}

const char *iam_auth_header(iam_t *i)
{
    if (i->header && now_s() >= i->refresh_at)
        iam_invalidate(i);
    return i->header;
}

void iam_invalidate(iam_t *i)
{
    if (i->header) {
        OPENSSL_cleanse(i->header, strlen(i->header));
        free(i->header);
        i->header = NULL;
    }
    i->refresh_at = 0;
}

uint64_t iam_logins(const iam_t *i)
{
    return i->logins;
}

void iam_free(iam_t **ip)
{
    if (!ip || !*ip)
        return;
    iam_t *i = *ip;
    fetch_cancel(&i->req);
    buf_release(&i->reply);
    iam_invalidate(i);
    EVP_PKEY_free(i->key);
    free(i->uid);
    free(i->endpoint);
    free(i);
    *ip = NULL;
}
