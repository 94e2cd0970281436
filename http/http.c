/* http: the libmicrohttpd server, request dispatch and counters.
 *
 * Threads: a pool of HTTP_THREADS epoll threads inside libmicrohttpd. The
 * HTTP side is not a hot path, but one response can be big (/v1/enumerate
 * or /v1/axfr of a 100,000-task cluster take a noticeable fraction of a
 * second to build); with two threads a health check or a scrape is still
 * answered while one of them builds. More threads would only cost stacks
 * and RCU reader registrations on a 2-core box shared with the DNS workers.
 *
 * Each request's raw target is captured by the URI log callback (before
 * libmicrohttpd decodes it) so that route.c alone decides how to decode:
 * strictly, rejecting %00 and bad escapes. */
#include "http/http.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "http/api.h"
#include "http/bind.h"
#include "http/bodycache.h"
#include "http/ops.h"
#include "http/page.h"
#include "http/resp.h"
#include "http/route.h"

#define HTTP_THREADS          2
#define HTTP_MAX_CONNS        256
#define HTTP_MAX_CONNS_PER_IP 64
#define HTTP_TIMEOUT_S        10          /* idle or stalled connection, by default */
#define HTTP_TRIM_AFTER       (8u << 20)  /* see free_big() */
#define HTTP_CONN_MEMORY      (32 * 1024) /* request line + headers */

struct http_server {
    struct MHD_Daemon *mhd;
    const http_params_t *p;
    uint16_t port;
    int64_t start_ms;
    http_counters_t counters;
    bodycache_t *cache; /* big exports shared by concurrent requests */
};

/* Most request body a GET or HEAD may carry before it is answered anyway
 * (the body is ignored; the connection is then closed). */
#define HTTP_MAX_IGNORED_BODY (64 * 1024)

/* One request: its raw target and how far it got. */
typedef struct req {
    bool headers_done, answered;
    size_t body_bytes;
    size_t uri_len;
    http_route_t route;
    char uri[HTTP_URI_MAX + 2];
} req_t;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    req_t *q = malloc(sizeof *q);
    if (!q)
        return NULL;
    q->headers_done = q->answered = false;
    q->body_bytes = 0;
    /* Keep one byte more than the limit, so route.c sees "too long". */
    q->uri_len = strnlen(uri, HTTP_URI_MAX + 1);
    memcpy(q->uri, uri, q->uri_len);
    q->uri[q->uri_len] = '\0';
    return q;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)con;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)con;
    (void)socket_context;
    http_server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        __atomic_fetch_add(&s->counters.conns_open, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->counters.conns_total, 1, __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_sub(&s->counters.conns_open, 1, __ATOMIC_RELAXED);
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (!log_enabled(LOG_LVL_DEBUG))
        return;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_debug("http: %s", msg);
}

/* Endpoints gated by EnumerationOn: Mesos-DNS does not even route them. */
static bool enumeration_gated(enum http_ep ep)
{
    return ep == HTTP_EP_ENUMERATE || ep == HTTP_EP_AXFR || ep == HTTP_EP_ZONE;
}

static void run_handler(const http_ctx_t *c, http_resp_t *r)
{
    switch (c->route->ep) {
    case HTTP_EP_ROOT:
        http_ops_page(c, r);
        break;
    case HTTP_EP_VERSION:
        http_api_version(c, r);
        break;
    case HTTP_EP_CONFIG:
        http_api_config(c, r);
        break;
    case HTTP_EP_HOSTS:
        http_api_hosts(c, r);
        break;
    case HTTP_EP_HOST_PORTS:
        http_api_host_ports(c, r);
        break;
    case HTTP_EP_SERVICES:
        http_api_services(c, r);
        break;
    case HTTP_EP_ENUMERATE:
        http_api_enumerate(c, r);
        break;
    case HTTP_EP_AXFR:
        http_api_axfr(c, r);
        break;
    case HTTP_EP_BIND_FORWARD:
        http_bind_forward(c, r);
        break;
    case HTTP_EP_BIND_DCOS:
        http_bind_dcos(c, r);
        break;
    case HTTP_EP_BIND_SECONDARY:
        http_bind_secondary(c, r);
        break;
    case HTTP_EP_ZONE:
        http_bind_zone(c, r);
        break;
    case HTTP_EP_METRICS:
        http_ops_metrics(c, r);
        break;
    case HTTP_EP_HEALTHZ:
        http_ops_healthz(c, r);
        break;
    case HTTP_EP_READYZ:
        http_ops_readyz(c, r);
        break;
    default:
        http_resp_text(r, 404, "404: Page Not Found");
        break;
    }
}

/* The body of a 301, as Go's http.Redirect writes it for GET. */
static void redirect(http_resp_t *r, const char *location)
{
    r->status = 301;
    r->ctype = HTTP_CT_HTML;
    r->location = location;
    buf_puts(&r->body, "<a href=\"");
    for (const char *p = location; *p; p++) {
        switch (*p) {
        case '&':
            buf_puts(&r->body, "&amp;");
            break;
        case '<':
            buf_puts(&r->body, "&lt;");
            break;
        case '>':
            buf_puts(&r->body, "&gt;");
            break;
        case '"':
            buf_puts(&r->body, "&#34;");
            break;
        case '\'':
            buf_puts(&r->body, "&#39;");
            break;
        default:
            buf_putc(&r->body, *p);
            break;
        }
    }
    buf_puts(&r->body, "\">Moved Permanently</a>.\n\n");
}

/* Decide the response of a routed request: the order of checks is
 * go-restful's (path 404, then method 405, then Accept 406). */
static void dispatch(http_server_t *s, struct MHD_Connection *con, const char *method, req_t *q,
                     http_resp_t *r)
{
    http_route_t *rt = &q->route;
    int rc = http_route_parse(q->uri, q->uri_len, rt);
    if (rc == 301) {
        redirect(r, rt->path);
        return;
    }
    if (rc == 414) {
        http_resp_text(r, 414, "414: URI Too Long\n");
        return;
    }
    if (rc != 0) {
        http_resp_text(r, 400, "400: Bad Request\n");
        return;
    }
    if (enumeration_gated(rt->ep) && !s->p->cfg->enumeration_on)
        rt->ep = HTTP_EP_NOT_FOUND;
    if (rt->ep == HTTP_EP_NOT_FOUND) {
        http_resp_text(r, 404, "404: Page Not Found");
        return;
    }
    bool api = http_route_is_mesos_api(rt->ep);
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (!(get || (head && !api))) {
        http_resp_text(r, 405, "405: Method Not Allowed");
        return;
    }
    if (api && !http_route_accepts_json(
                   MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT))) {
        http_resp_text(r, 406, "406: Not Acceptable");
        return;
    }
    http_ctx_t c = {.p = s->p,
                    .route = rt,
                    .counters = &s->counters,
                    .start_ms = s->start_ms,
                    .cache = s->cache,
                    .fd = -1};
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        c.fd = ci->connect_fd;
    run_handler(&c, r);
}

/* A big body (the exports go through bodycache.c, which trims likewise;
 * this is for the rest, e.g. a large /v1/services answer) grows glibc's
 * heaps; once sent, hand the memory back to the system rather than
 * keep the process at its peak until the next big request. */
static void free_big(void *p)
{
    free(p);
    malloc_trim(0);
}

static void release_shared(void *cls)
{
    bodycache_release(cls);
}

static struct MHD_Response *make_response(http_resp_t *r)
{
    if (r->shared) { /* a big export: the response holds the reference */
        const bodycache_body_t *b = r->shared;
        r->shared = NULL;
        struct MHD_Response *m = MHD_create_response_from_buffer_with_free_callback_cls(
            b->len, (void *)b->data, release_shared, (void *)b);
        if (!m)
            bodycache_release(b);
        return m;
    }
    size_t len = r->body.len;
    char *data = len ? buf_take(&r->body, NULL) : NULL;
    struct MHD_Response *m;
    if (!data)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (len >= HTTP_TRIM_AFTER)
        m = MHD_create_response_from_buffer_with_free_callback(len, data, free_big);
    else
        m = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!m)
        free(data);
    return m;
}

static enum MHD_Result queue(struct MHD_Connection *con, http_resp_t *r, bool api, enum http_ep ep)
{
    struct MHD_Response *m = make_response(r);
    if (!m)
        return MHD_NO;
    MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
    if (r->location)
        MHD_add_response_header(m, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->status == 405)
        MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, api ? "GET" : "GET, HEAD");
    if (ep == HTTP_EP_ROOT && r->status == 200)
        MHD_add_response_header(m, "Content-Security-Policy", HTTP_PAGE_CSP);
    enum MHD_Result rc = MHD_queue_response(con, (unsigned)r->status, m);
    MHD_destroy_response(m);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    (void)upload_data;
    http_server_t *s = cls;
    req_t *q = *con_cls;
    if (q && !q->headers_done) {
        q->headers_done = true;
        /* Answering before the body is read makes libmicrohttpd close the
         * connection; a GET/HEAD waits for its (normally empty) body so the
         * connection stays alive. Other methods get their 404/405 now. */
        if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
            return MHD_YES;
    } else if (q && *upload_data_size) { /* a body nobody asked for: drop it */
        q->body_bytes += *upload_data_size;
        *upload_data_size = 0;
        if (q->answered || q->body_bytes <= HTTP_MAX_IGNORED_BODY)
            return MHD_YES;
    }
    if (q && q->answered)
        return MHD_YES;
    http_resp_t r;
    http_resp_init(&r);
    enum http_ep ep = HTTP_EP_INVALID;
    if (!q) {
        http_resp_oom(&r);
    } else {
        q->answered = true;
        http_resp_rcu_reader();
        dispatch(s, con, method, q, &r);
        ep = q->route.ep;
    }
    __atomic_fetch_add(&s->counters.requests[ep][http_resp_code_slot(r.status)], 1,
                       __ATOMIC_RELAXED);
    enum MHD_Result rc = queue(con, &r, http_route_is_mesos_api(ep), ep);
    http_resp_release(&r);
    return rc;
}

/* A bound, listening, non-blocking socket for `host`:`port`. The wildcard
 * addresses become one dual-stack IPv6 socket (IPv4 when IPv6 is absent),
 * like the DNS listener. */
static int listen_socket(const char *host, int port, int *out, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    bool wildcard = !host || !*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
    int fd = -1;
    if (wildcard) {
        fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd >= 0) {
            int off = 0;
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
            sin6->sin6_family = AF_INET6;
            sin6->sin6_addr = in6addr_any;
        } else {
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
        }
    } else if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
    } else {
        snprintf(err, errlen, "httplistener \"%s\" is not an IP address", host);
        return -EINVAL;
    }
    if (port < 0 || port > 65535) {
        snprintf(err, errlen, "httpport %d is out of range", port);
        return -EINVAL;
    }
    if (ss.ss_family == AF_INET)
        sin->sin_port = htons((uint16_t)port);
    else
        sin6->sin6_port = htons((uint16_t)port);
    if (fd < 0)
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        goto fail;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ss.ss_family == AF_INET6 && !wildcard)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    socklen_t sl = ss.ss_family == AF_INET ? sizeof *sin : sizeof *sin6;
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0)
        goto fail;
    *out = fd;
    return 0;
fail:;
    int e = errno;
    snprintf(err, errlen, "http: cannot listen on %s port %d: %s", host ? host : "*", port,
             strerror(e));
    if (fd >= 0)
        close(fd);
    return -e;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

int http_server_start(const http_params_t *p, http_server_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!p || !p->cfg || !p->db) {
        snprintf(err, errlen, "http: missing config or zone");
        return -EINVAL;
    }
    http_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "http: out of memory");
        return -ENOMEM;
    }
    s->p = p;
    s->start_ms = clock_real_ms();
    int fd = -1;
    int rc = -ENOMEM;
    if (!(s->cache = bodycache_new())) {
        snprintf(err, errlen, "http: out of memory");
        goto fail;
    }
    rc = listen_socket(p->cfg->http_listener, p->cfg->http_port, &fd, err, errlen);
    if (rc < 0)
        goto fail;
    s->port = bound_port(fd);
    unsigned timeout_s = p->conn_timeout_s ? p->conn_timeout_s : HTTP_TIMEOUT_S;
    s->mhd = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request,
        s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)HTTP_MAX_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)HTTP_MAX_CONNS_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, s, MHD_OPTION_END);
    if (!s->mhd) {
        /* libmicrohttpd's failure path may already have closed the socket;
         * leaking one descriptor on a failed start beats a double close. */
        snprintf(err, errlen, "http: libmicrohttpd failed to start on port %u", (unsigned)s->port);
        rc = -EIO;
        goto fail;
    }
    log_info("http: listening on %s port %u", p->cfg->http_listener, (unsigned)s->port);
    *out = s;
    return 0;
fail:
    bodycache_free(&s->cache);
    free(s);
    return rc;
}

uint16_t http_server_port(const http_server_t *s)
{
    return s ? s->port : 0;
}

void http_server_stop(http_server_t **sp)
{
    if (!sp || !*sp)
        return;
    http_server_t *s = *sp;
    if (s->mhd)
        MHD_stop_daemon(s->mhd); /* joins the threads, closes the socket */
    bodycache_free(&s->cache);   /* after every response is gone */
    free(s);
    *sp = NULL;
}
