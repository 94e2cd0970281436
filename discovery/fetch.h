/* fetch: asynchronous HTTP(S) requests driven by a libevent base, built on
 * libcurl's multi-socket interface (curl tells us which sockets and which
 * timeout to watch; libevent tells curl when they are ready).
 *
 * A request streams the body of its final 2xx response to the caller in
 * pieces as they arrive (no copy of the whole body), decoding gzip/deflate
 * (it sends Accept-Encoding), checks the HTTP status (non-2xx is a failure
 * naming the status), and is bounded in time and, optionally, in size.
 * Redirects are never followed here: a 3xx fails and is reported with its
 * target (result.redirect), for the caller to decide (discovery follows a
 * master's 307 itself, sending credentials only to a known master).
 * Name resolution uses curl's threaded resolver: nothing blocks the loop.
 *
 * Thread-safety: one fetch_t belongs to the thread running its event base;
 * every function and every callback runs on that thread. Callbacks are
 * never invoked from inside fetch_start() and must not call fetch_free(). */
#ifndef MDNS_FETCH_H
#define MDNS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct fetch fetch_t;
typedef struct fetch_req fetch_req_t;

/* TLS settings (compat spec §2 MesosHTTPSOn, CACertFile, CertFile, KeyFile,
 * mesosTLSSkipVerify). Strings are copied by curl; NULL or "" = unset. */
typedef struct fetch_tls {
    const char *ca_file;   /* CA bundle; unset = the system CA store */
    const char *cert_file; /* client certificate (PEM) */
    const char *key_file;  /* its private key (PEM) */
    bool skip_verify;      /* do not verify the peer nor its name */
} fetch_tls_t;

typedef struct fetch_result {
    int rc;              /* 0: a 2xx response arrived whole; else -errno, below */
    long status;         /* final HTTP status, 0 when no response arrived */
    char error[256];     /* one line, e.g. "HTTP 500: boom"; "" when rc == 0 */
    char peer[64];       /* address actually used, "127.0.0.1:5050" / "[::1]:5050" */
    char url[256];       /* the URL requested */
    char redirect[256];  /* a 3xx: absolute URL of its Location, else "" */
    double seconds;      /* whole request */
    uint64_t body_bytes; /* decoded bytes handed to on_body */
} fetch_result_t;
/* rc values: -EPROTO (or whatever on_body returned) when on_body rejected
 * the body, -EFBIG (body larger than max_body_bytes), -ETIMEDOUT,
 * -ECONNREFUSED (could not connect), -EHOSTUNREACH (name did not resolve),
 * -EACCES (HTTP 401/403), -EIO (any other status, a redirect not followed,
 * a transport/TLS error), -ENOMEM. */

/* Body bytes of the final 2xx response, in order. Return 0 to go on, or a
 * negative errno to abort the transfer (that value becomes result.rc). */
typedef int (*fetch_body_fn)(void *ctx, const void *data, size_t len);
/* The end of a request. `r` is valid only during the call. The request
 * handle is already freed: do not cancel it. */
typedef void (*fetch_done_fn)(void *ctx, const fetch_result_t *r);

typedef struct fetch_request {
    const char *url;         /* http:// or https:// */
    const char *post_json;   /* NULL = GET; else POST this JSON body (copied) */
    const char *auth_header; /* e.g. "Authorization: token=..." (copied); NULL = none */
    const char *user;        /* HTTP basic authentication; NULL = none */
    const char *password;
    const fetch_tls_t *tls;  /* NULL = defaults (verify against system CAs) */
    long timeout_ms;         /* whole request; > 0 */
    long connect_timeout_ms; /* TCP + TLS handshake per address; 0 = timeout_ms */
    uint64_t max_body_bytes; /* 0 = no limit; else a body longer than this, decoded or
                                as sent (Content-Length included), fails with -EFBIG */
    fetch_body_fn on_body;   /* may be NULL: the body is discarded */
    fetch_done_fn on_done;   /* required; called exactly once unless cancelled */
    void *ctx;
} fetch_request_t;

/* A client on `base` (which must outlive it). NULL on failure (logged). */
fetch_t *fetch_new(struct event_base *base);
/* Start a request; everything in `rq` is copied or used only during the
 * call, except ctx. Returns the in-flight handle, or NULL (invalid request
 * or out of memory) in which case no callback will come. */
fetch_req_t *fetch_start(fetch_t *f, const fetch_request_t *rq);
/* Abort a request in flight; no callback follows. NULL-safe; sets *r NULL. */
void fetch_cancel(fetch_req_t **r);
/* Cancel everything (no callbacks) and free. NULL-safe; sets *f NULL. */
void fetch_free(fetch_t **f);

/* Build "http(s)://HOST:PORT<path>" from a "host:port" master address as
 * written in config ("10.0.0.1:5050", "m1.example.com:5050", "[::1]:5050"),
 * or take a full "http(s)://host:port" unchanged apart from the path. A
 * missing port means 5050. Returns the length, or -EINVAL (bare IPv6
 * without brackets, bad port, characters that do not belong in a host) or
 * -ENOSPC (does not fit in `out`). */
int fetch_master_url(const char *master, bool https, const char *path, char *out, size_t outlen);

/* The parts of a master address as fetch_master_url() accepts it: host as
 * written but without brackets, port (5050 when absent), and *scheme (may
 * be NULL) 1 for "https://", 0 for "http://", -1 without one. 0 or -EINVAL. */
int fetch_master_split(const char *master, char *host, size_t hostlen, uint16_t *port, int *scheme);

/* The master a redirect points to: `url` must be an absolute http(s) URL
 * without user information whose path is exactly `path` (no query). Writes
 * "host:port" ("[v6]:port") into `out` and *https. 0, -EINVAL or -ENOSPC. */
int fetch_redirect_master(const char *url, const char *path, char *out, size_t outlen, bool *https);

#endif
