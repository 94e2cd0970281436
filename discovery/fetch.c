#include "discovery/fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/log.h"
#include "config/netaddr.h"

/* Bytes of a non-2xx body kept for the error message. */
#define SNIPPET_MAX 120

/* One socket curl asked us to watch. Kept on a list as well, so that
 * fetch_free() can release any that curl did not hand back. */
struct fetch_sock {
    struct event *ev;
    struct fetch_sock *prev, *next;
};

struct fetch_req {
    fetch_t *f;
    CURL *easy;
    struct curl_slist *headers;
    fetch_body_fn on_body;
    fetch_done_fn on_done;
    void *ctx;
    long timeout_ms, connect_timeout_ms;
    uint64_t max_body;   /* 0 = no limit */
    int body_rc;         /* what on_body returned when it aborted, or -EFBIG */
    uint64_t body_bytes; /* given to on_body */
    char snippet[SNIPPET_MAX + 1];
    size_t snip_len;
    char errbuf[CURL_ERROR_SIZE];
    struct fetch_req *prev, *next;
};

struct fetch {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    struct fetch_req *reqs;
    struct fetch_sock *socks;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void)
{
    /* Not thread-safe in older libcurls, hence once; never cleaned up (the
     * process keeps using curl until it exits). */
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- completion ---- */

static int map_curl_error(CURLcode c)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
        return -EHOSTUNREACH;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

/* Printable first line of what a failing server said. */
static void snippet_text(const struct fetch_req *r, char *out, size_t outlen)
{
    size_t n = 0;
    for (size_t i = 0; i < r->snip_len && n + 1 < outlen; i++) {
        unsigned char c = (unsigned char)r->snippet[i];
        if (c == '\n' || c == '\r')
            break;
        out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/* A stable text for a transport failure: the same failure must give the
 * same text (problems are logged once per change), so no timings. */
static void transport_error(struct fetch_req *r, CURLcode code, char *out, size_t outlen)
{
    long os_err = 0;
    curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_err);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected_us = 0;
        curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &connected_us);
        if (connected_us == 0 && r->connect_timeout_ms < r->timeout_ms)
            snprintf(out, outlen, "cannot connect: timed out after %.1f s",
                     (double)r->connect_timeout_ms / 1000);
        else
            snprintf(out, outlen, "timed out after %.1f s", (double)r->timeout_ms / 1000);
        break;
    }
    case CURLE_COULDNT_CONNECT:
        snprintf(out, outlen, "cannot connect: %s",
                 os_err ? strerror((int)os_err) : "connection failed");
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(out, outlen, "cannot resolve the host name");
        break;
    default:
        snprintf(out, outlen, "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
        break;
    }
}

static void fill_result(struct fetch_req *r, CURLcode code, fetch_result_t *res)
{
    memset(res, 0, sizeof *res);
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res->status);
    curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &res->seconds);
    char *ip = NULL, *url = NULL;
    long port = 0;
    curl_easy_getinfo(r->easy, CURLINFO_PRIMARY_IP, &ip);
    curl_easy_getinfo(r->easy, CURLINFO_PRIMARY_PORT, &port);
    curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &url);
    if (ip && *ip)
        snprintf(res->peer, sizeof res->peer, strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld", ip, port);
    if (url)
        snprintf(res->url, sizeof res->url, "%s", url);
    res->body_bytes = r->body_bytes;

    if (res->status >= 300 && res->status <= 399) {
        char *loc = NULL;
        curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &loc);
        if (loc)
            snprintf(res->redirect, sizeof res->redirect, "%s", loc);
    }

    if (r->body_rc == -EFBIG || code == CURLE_FILESIZE_EXCEEDED) {
        res->rc = -EFBIG;
        snprintf(res->error, sizeof res->error, "response larger than %llu bytes",
                 (unsigned long long)r->max_body);
    } else if (r->body_rc < 0) {
        res->rc = r->body_rc;
        snprintf(res->error, sizeof res->error, "response body rejected (%s)",
                 mdns_strerror(r->body_rc));
    } else if (code != CURLE_OK) {
        res->rc = map_curl_error(code);
        transport_error(r, code, res->error, sizeof res->error);
    } else if (res->status < 200 || res->status > 299) {
        char snip[SNIPPET_MAX + 1];
        snippet_text(r, snip, sizeof snip);
        res->rc = (res->status == 401 || res->status == 403) ? -EACCES : -EIO;
        if (res->redirect[0])
            snprintf(res->error, sizeof res->error, "HTTP %ld redirect to %.200s (not followed)",
                     res->status, res->redirect);
        else
            snprintf(res->error, sizeof res->error, "HTTP %ld%s%s", res->status,
                     snip[0] ? ": " : "", snip);
    }
}

static void req_unlink(struct fetch_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        r->f->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

static void req_destroy(struct fetch_req *r)
{
    if (r->easy) {
        curl_multi_remove_handle(r->f->multi, r->easy);
        curl_easy_cleanup(r->easy);
    }
    curl_slist_free_all(r->headers);
    free(r);
}

/* Hand finished transfers to their owners. Runs only from our own event
 * handlers, after curl_multi_socket_action() returned (curl forbids
 * removing handles from inside its callbacks). */
static void check_done(fetch_t *f)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(f->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        struct fetch_req *r = (struct fetch_req *)priv;
        CURLcode code = msg->data.result;
        fetch_result_t res;
        fill_result(r, code, &res);
        req_unlink(r);
        fetch_done_fn done = r->on_done;
        void *ctx = r->ctx;
        req_destroy(r); /* `msg` is invalid from here on */
        done(ctx, &res);
    }
}

/* ---- curl <-> libevent glue ---- */

static void on_sock_event(evutil_socket_t fd, short what, void *arg)
{
    fetch_t *f = arg;
    int action =
        ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    int running = 0;
    curl_multi_socket_action(f->multi, fd, action, &running);
    check_done(f);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    fetch_t *f = arg;
    int running = 0;
    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(f);
}

static void sock_release(fetch_t *f, struct fetch_sock *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        f->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    event_free(s->ev);
    free(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch, re-watch or forget one socket. */
static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    fetch_t *f = userp;
    struct fetch_sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            curl_multi_assign(f->multi, fd, NULL);
            sock_release(f, s);
        }
        return 0;
    }
    short flags = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
                  ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        s->ev = event_new(f->base, fd, flags, on_sock_event, f);
        if (!s->ev) {
            free(s);
            return -1;
        }
        s->next = f->socks;
        if (f->socks)
            f->socks->prev = s;
        f->socks = s;
        curl_multi_assign(f->multi, fd, s);
    } else {
        event_del(s->ev);
        event_assign(s->ev, f->base, fd, flags, on_sock_event, f);
    }
    return event_add(s->ev, NULL) == 0 ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: curl wants a call after `ms` (-1 = never). A zero
 * timeout is still a timer, not a direct call: we may be inside curl. */
static int timer_cb(CURLM *multi, long ms, void *userp)
{
    fetch_t *f = userp;
    if (ms < 0) {
        evtimer_del(f->timer);
        return 0;
    }
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return evtimer_add(f->timer, &tv) == 0 ? 0 : -1;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
    struct fetch_req *r = userp;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        /* An error page: keep its start for the message, drop the rest. */
        size_t room = SNIPPET_MAX - r->snip_len;
        size_t k = n < room ? n : room;
        memcpy(r->snippet + r->snip_len, data, k);
        r->snip_len += k;
        return n;
    }
    if (r->max_body && n > r->max_body - r->body_bytes) {
        r->body_rc = -EFBIG; /* decoded: a small gzip body may inflate to anything */
        return 0;
    }
    r->body_bytes += n;
    if (r->on_body && n) {
        int rc = r->on_body(r->ctx, data, n);
        if (rc < 0) {
            r->body_rc = rc;
            return 0; /* anything but n aborts the transfer */
        }
    }
    return n;
}

/* Bytes as they come off the wire (before decoding), for max_body: an
 * endless body that decodes to little is cut too. */
static int xferinfo_cb(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct fetch_req *r = userp;
    if (dlnow > 0 && (uint64_t)dlnow > r->max_body) {
        r->body_rc = -EFBIG;
        return 1; /* abort */
    }
    return 0;
}

/* ---- public ---- */

fetch_t *fetch_new(struct event_base *base)
{
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        log_err("fetch: curl_global_init failed: %s", curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    fetch_t *f = calloc(1, sizeof *f);
    if (!f)
        goto fail;
    f->base = base;
    f->multi = curl_multi_init();
    f->timer = evtimer_new(base, on_timer, f);
    if (!f->multi || !f->timer)
        goto fail;
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    return f;
fail:
    log_err("fetch: out of memory");
    fetch_free(&f);
    return NULL;
}

static bool set(CURLcode *acc, CURLcode c)
{
    if (*acc == CURLE_OK)
        *acc = c;
    return *acc == CURLE_OK;
}

static bool nonempty(const char *s)
{
    return s && *s;
}

static CURLcode apply_tls(CURL *e, const fetch_tls_t *tls)
{
    CURLcode c = CURLE_OK;
    if (!tls)
        return c;
    if (nonempty(tls->ca_file))
        set(&c, curl_easy_setopt(e, CURLOPT_CAINFO, tls->ca_file));
    if (nonempty(tls->cert_file))
        set(&c, curl_easy_setopt(e, CURLOPT_SSLCERT, tls->cert_file));
    if (nonempty(tls->key_file))
        set(&c, curl_easy_setopt(e, CURLOPT_SSLKEY, tls->key_file));
    if (tls->skip_verify) {
        set(&c, curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L));
        set(&c, curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L));
    }
    return c;
}

static CURLcode apply_auth(struct fetch_req *r, const fetch_request_t *rq)
{
    CURL *e = r->easy;
    CURLcode c = CURLE_OK;
    if (nonempty(rq->user)) {
        set(&c, curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC));
        set(&c, curl_easy_setopt(e, CURLOPT_USERNAME, rq->user));
        set(&c, curl_easy_setopt(e, CURLOPT_PASSWORD, rq->password ? rq->password : ""));
    }
    const char *lines[] = {"Accept: application/json",
                           rq->post_json ? "Content-Type: application/json" : NULL,
                           nonempty(rq->auth_header) ? rq->auth_header : NULL};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if (!lines[i])
            continue;
        struct curl_slist *t = curl_slist_append(r->headers, lines[i]);
        if (!t)
            return CURLE_OUT_OF_MEMORY; /* r->headers is freed with r */
        r->headers = t;
    }
    set(&c, curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers));
    return c;
}

static CURLcode configure(struct fetch_req *r, const fetch_request_t *rq)
{
    CURL *e = r->easy;
    CURLcode c = CURLE_OK;
    set(&c, curl_easy_setopt(e, CURLOPT_URL, rq->url));
    set(&c, curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"));
    set(&c, curl_easy_setopt(e, CURLOPT_PRIVATE, r));
    set(&c, curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L));
    set(&c, curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf));
    set(&c, curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb));
    set(&c, curl_easy_setopt(e, CURLOPT_WRITEDATA, r));
    set(&c, curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, rq->timeout_ms));
    set(&c, curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms));
    /* "" = every encoding this libcurl decodes (gzip, deflate, br, zstd). */
    set(&c, curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""));
    set(&c, curl_easy_setopt(e, CURLOPT_USERAGENT, "mesos-dnsd/" MDNS_VERSION));
#if LIBCURL_VERSION_NUM >= 0x075700
    /* A transfer that ends (time-out, cancel) while a name is still being
     * resolved would otherwise wait for the resolver thread, blocking the
     * loop for as long as getaddrinfo takes; let the thread finish alone. */
    set(&c, curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L));
#endif
    if (rq->post_json)
        set(&c, curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, rq->post_json));
    if (rq->max_body_bytes) {
        /* A Content-Length over the limit fails before the body comes. */
        set(&c, curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rq->max_body_bytes));
        set(&c, curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_cb));
        set(&c, curl_easy_setopt(e, CURLOPT_XFERINFODATA, r));
        set(&c, curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L));
    }
    if (c == CURLE_OK)
        c = apply_tls(e, rq->tls);
    if (c == CURLE_OK)
        c = apply_auth(r, rq);
    return c;
}

fetch_req_t *fetch_start(fetch_t *f, const fetch_request_t *rq)
{
    if (!f || !rq || !rq->url || !rq->on_done || rq->timeout_ms <= 0)
        return NULL;
    struct fetch_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = f;
    r->on_body = rq->on_body;
    r->on_done = rq->on_done;
    r->ctx = rq->ctx;
    r->timeout_ms = rq->timeout_ms;
    r->max_body = rq->max_body_bytes;
    r->connect_timeout_ms = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : rq->timeout_ms;
    r->easy = curl_easy_init();
    if (!r->easy)
        goto fail;
    CURLcode c = configure(r, rq);
    if (c != CURLE_OK) {
        log_warn("fetch: cannot set up request to %s: %s", rq->url, curl_easy_strerror(c));
        goto fail;
    }
    if (curl_multi_add_handle(f->multi, r->easy) != CURLM_OK) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        goto fail;
    }
    r->next = f->reqs;
    if (f->reqs)
        f->reqs->prev = r;
    f->reqs = r;
    return r;
fail:
    if (r->easy) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    req_destroy(r);
    return NULL;
}

void fetch_cancel(fetch_req_t **rp)
{
    if (!rp || !*rp)
        return;
    struct fetch_req *r = *rp;
    req_unlink(r);
    req_destroy(r);
    *rp = NULL;
}

void fetch_free(fetch_t **fp)
{
    if (!fp || !*fp)
        return;
    fetch_t *f = *fp;
    while (f->reqs) {
        struct fetch_req *r = f->reqs;
        fetch_cancel(&r);
    }
    if (f->multi)
        curl_multi_cleanup(f->multi);
    while (f->socks)
        sock_release(f, f->socks);
    if (f->timer)
        event_free(f->timer);
    free(f);
    *fp = NULL;
}

/* ---- URL of a master ---- */

static bool host_char_ok(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_';
}

/* "host", "host:port", "[v6]" or "[v6]:port" (no scheme, no path). */
static int split_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    bool bracket = s[0] == '[';
    size_t n = strlen(s);
    *port = 5050;
    if ((bracket && s[n - 1] == ']') || (!bracket && !strchr(s, ':'))) {
        /* no port */
        const char *h = s + bracket;
        size_t hl = n - 2 * bracket;
        if (hl + 1 > hostlen)
            return -EINVAL;
        memcpy(host, h, hl);
        host[hl] = '\0';
    } else {
        const char *ptext;
        if (netaddr_split_hostport(s, host, hostlen, &ptext) != 0 ||
            netaddr_parse_port(ptext, port) != 0)
            return -EINVAL;
    }
    if (!*host)
        return -EINVAL;
    for (const char *p = host; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (bracket ? !isxdigit(c) && c != ':' && c != '.' : !host_char_ok(c))
            return -EINVAL;
    }
    return 0;
}

int fetch_master_split(const char *master, char *host, size_t hostlen, uint16_t *port, int *scheme)
{
    int sch = -1;
    if (!master)
        return -EINVAL;
    if (strncmp(master, "http://", 7) == 0) {
        sch = 0;
        master += 7;
    } else if (strncmp(master, "https://", 8) == 0) {
        sch = 1;
        master += 8;
    }
    char tmp[300];
    size_t ml = strcspn(master, "/");
    if (ml == 0 || ml >= sizeof tmp)
        return -EINVAL;
    if (master[ml] == '/' && master[ml + 1] != '\0')
        return -EINVAL; /* a path of its own: not a master address */
    memcpy(tmp, master, ml);
    tmp[ml] = '\0';
    if (split_hostport(tmp, host, hostlen, port) != 0)
        return -EINVAL;
    if (scheme)
        *scheme = sch;
    return 0;
}

int fetch_master_url(const char *master, bool https, const char *path, char *out, size_t outlen)
{
    char host[256];
    uint16_t port;
    int scheme;
    if (!path || fetch_master_split(master, host, sizeof host, &port, &scheme) != 0)
        return -EINVAL;
    if (scheme >= 0)
        https = scheme == 1;
    int n = snprintf(out, outlen, strchr(host, ':') ? "%s://[%s]:%u%s" : "%s://%s:%u%s",
                     https ? "https" : "http", host, (unsigned)port, path);
    if (n < 0 || (size_t)n >= outlen)
        return -ENOSPC;
    return n;
}

static bool url_part(CURLU *u, CURLUPart what, unsigned flags, char *out, size_t outlen)
{
    char *v = NULL;
    bool ok = curl_url_get(u, what, &v, flags) == CURLUE_OK && v && strlen(v) < outlen;
    if (ok)
        snprintf(out, outlen, "%s", v);
    curl_free(v);
    return ok;
}

/* Whether the URL has the part at all, whatever its length. */
static bool url_has(CURLU *u, CURLUPart what)
{
    char *v = NULL;
    bool has = curl_url_get(u, what, &v, 0) == CURLUE_OK;
    curl_free(v);
    return has;
}

int fetch_redirect_master(const char *url, const char *path, char *out, size_t outlen, bool *https)
{
    CURLU *u = curl_url();
    char scheme[8], host[256], port[8], upath[256];
    int rc = -EINVAL;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (!url_part(u, CURLUPART_SCHEME, 0, scheme, sizeof scheme) ||
        !url_part(u, CURLUPART_HOST, 0, host, sizeof host) ||
        !url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, port, sizeof port) ||
        !url_part(u, CURLUPART_PATH, 0, upath, sizeof upath))
        goto out;
    /* user information would be sent as credentials; a query or a
     * fragment is not what a master's redirect carries */
    if (url_has(u, CURLUPART_USER) || url_has(u, CURLUPART_PASSWORD) ||
        url_has(u, CURLUPART_QUERY) || url_has(u, CURLUPART_FRAGMENT))
        goto out;
    if ((strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) || strcmp(upath, path) != 0)
        goto out;
    int n = snprintf(out, outlen, "%s:%s", host, port); /* curl keeps v6 brackets */
    rc = n < 0 || (size_t)n >= outlen ? -ENOSPC : 0;
    *https = strcmp(scheme, "https") == 0;
out:
    curl_url_cleanup(u);
    return rc;
}
