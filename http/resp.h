/* resp: what an HTTP handler sees and produces, independent of
 * libmicrohttpd, so handlers are plain functions (request context in,
 * status + content type + body out) that http.c turns into MHD responses.
 *
 * Thread-safety: a context and a response belong to one request and one
 * thread; the counters are shared and updated with relaxed atomics. */
#ifndef MDNS_HTTP_RESP_H
#define MDNS_HTTP_RESP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "http/bodycache.h"
#include "http/http.h"
#include "http/route.h"

#define HTTP_CT_JSON "application/json"
#define HTTP_CT_TEXT "text/plain; charset=utf-8"
#define HTTP_CT_HTML "text/html; charset=utf-8"
#define HTTP_CT_PROM "text/plain; version=0.0.4; charset=utf-8"

/* Status codes counted per endpoint in /metrics; the rest land in "other". */
enum http_code_slot {
    HTTP_CS_200 = 0,
    HTTP_CS_301,
    HTTP_CS_400,
    HTTP_CS_404,
    HTTP_CS_405,
    HTTP_CS_406,
    HTTP_CS_414,
    HTTP_CS_500,
    HTTP_CS_501,
    HTTP_CS_503,
    HTTP_CS_OTHER,
    HTTP_CS_COUNT
};

typedef struct http_counters {
    uint64_t requests[HTTP_EP_COUNT][HTTP_CS_COUNT];
    uint64_t conns_open;  /* connections now open */
    uint64_t conns_total; /* connections accepted since start */
} http_counters_t;

/* Slot of a status code, and the code a slot stands for (0 for "other"). */
enum http_code_slot http_resp_code_slot(int status);
int http_resp_slot_code(enum http_code_slot slot);

/* One request, as the handlers see it. */
typedef struct http_ctx {
    const http_params_t *p;
    const http_route_t *route;
    int fd; /* the connection's socket (getsockname: the address asked), or -1 */
    const http_counters_t *counters; /* for /metrics */
    int64_t start_ms;                /* server start, CLOCK_REALTIME ms */
    bodycache_t *cache;              /* big exports, shared (bodycache.h) */
} http_ctx_t;

typedef struct http_resp {
    int status;
    const char *ctype;    /* static string */
    const char *location; /* Location header (301) or NULL */
    buf_t body;           /* owned; NUL-terminated */
    /* Instead of `body`: a shared rendering of a big export (a reference,
     * handed to the response that sends it, else released with r). */
    const bodycache_body_t *shared;
} http_resp_t;

void http_resp_init(http_resp_t *r);
void http_resp_release(http_resp_t *r);
/* Replace the response with `status` and a plain-text body. */
void http_resp_text(http_resp_t *r, int status, const char *text);
/* The body of a 500 when building a response ran out of memory. */
void http_resp_oom(http_resp_t *r);
/* Finish a handler's response: 200 with `ctype` (a static string), or the
 * 500 of http_resp_oom when any append to the body failed. */
void http_resp_done(http_resp_t *r, const char *ctype);
/* 503 before the first zone is published. */
void http_resp_no_zone(http_resp_t *r);

/* RCU: make the calling thread an RCU reader (once per thread; it is
 * unregistered automatically when the thread exits). */
void http_resp_rcu_reader(void);

#endif
