/* iam: DC/OS IAM service-account login for mesosAuthentication "iam"
 * (compat spec §2 IAMConfigFile).
 *
 * IAMConfigFile is JSON {"uid", "private_key" (PEM RSA), "login_endpoint"}.
 * Login: POST login_endpoint {"uid": uid, "token": <RS256 JWT {uid, exp}>
 * signed with the private key}; the reply {"token": T} authorises requests
 * with the header "Authorization: token=T". The token is cached until
 * shortly before its own `exp` (when T is a JWT; one hour otherwise) and is
 * dropped by iam_invalidate() when a master answers 401. The private key
 * and tokens are never logged. The login follows no redirect: its body is
 * a credential, which would be posted again wherever the redirect points;
 * a 3xx fails, naming its target.
 *
 * Thread-safety: one owner thread, the one running the fetch_t's base. */
#ifndef MDNS_IAM_H
#define MDNS_IAM_H

#include <stddef.h>
#include <stdint.h>

#include "discovery/fetch.h"

typedef struct iam iam_t;

/* The result of a login: rc 0 (iam_auth_header() is now set) or -errno
 * with a one-line reason in `err`. */
typedef void (*iam_login_fn)(void *ctx, int rc, const char *err);

/* Read and check the config file and its key. NULL with a reason in `err`. */
iam_t *iam_new(const char *config_file, char *err, size_t errlen);
/* "Authorization: token=..." while the cached token is fresh, else NULL.
 * The string stays valid until the next iam_* call. */
const char *iam_auth_header(iam_t *i);
/* Start a login with `f` (TLS settings `tls`, bounded by `timeout_ms`).
 * `cb` is called exactly once, later, unless iam_free() comes first.
 * Returns 0, -EBUSY when a login is already running, or -ENOMEM. */
int iam_login(iam_t *i, fetch_t *f, const fetch_tls_t *tls, long timeout_ms, iam_login_fn cb,
              void *ctx);
/* Forget the cached token (the master rejected it). */
void iam_invalidate(iam_t *i);
/* Successful logins so far. */
uint64_t iam_logins(const iam_t *i);
/* Cancel a running login (no callback) and free. NULL-safe; sets *i NULL. */
void iam_free(iam_t **i);

/* --- pure helpers, exposed for tests and fuzzing --- */

/* Unpadded base64url of `len` bytes into `out` (NUL-terminated). Returns
 * the length or -ENOSPC. */
int iam_b64url(const void *data, size_t len, char *out, size_t outlen);
/* The `exp` claim of a JWT (header.payload.signature, not verified).
 * 0, or -EINVAL when `token` is not a JWT with an integer exp. */
int iam_jwt_exp(const char *token, int64_t *exp);
/* Parse a login reply {"token": "..."}: *token is a malloc'd copy (a
 * non-empty run of printable ASCII without spaces, so it is safe in a
 * header). 0, or -EPROTO. */
int iam_parse_reply(const char *body, size_t len, char **token);

#endif
