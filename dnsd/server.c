/* server: sockets, worker threads and the helpers udp.c and tcp.c share. */
#include "dnsd/server.h"
#include "common/clock.h"
#include "dnsd/reply.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "common/log.h"
#include "config/netaddr.h"
#include "dnsd/worker.h"

struct dnsd_server {
    dnsd_server_params_t p;
    dnsd_worker_t *workers;
    int n_workers;
    uint16_t port; /* bound port (resolves params.port == 0) */
    bool started;
};

/* One listen address after parsing: `dual` means an IPv6 wildcard socket
 * that also takes IPv4 (IPV6_V6ONLY off), as Go's net.Listen does. */
typedef struct listen_addr {
    dnsd_sockaddr_t sa;
    socklen_t len;
    bool wild, dual;
} listen_addr_t;

static int parse_listen(const char *text, uint16_t port, listen_addr_t *la)
{
    memset(la, 0, sizeof *la);
    if (inet_pton(AF_INET, text, &la->sa.in4.sin_addr) == 1) {
        la->wild = la->sa.in4.sin_addr.s_addr == htonl(INADDR_ANY);
        if (la->wild) {
            /* 0.0.0.0 means every IPv4 and IPv6 address (compat spec §2). */
            la->dual = true;
            la->sa.in6.sin6_family = AF_INET6;
            la->sa.in6.sin6_addr = in6addr_any;
            la->sa.in6.sin6_port = htons(port);
            la->len = sizeof la->sa.in6;
            return 0;
        }
        la->sa.in4.sin_family = AF_INET;
        la->sa.in4.sin_port = htons(port);
        la->len = sizeof la->sa.in4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &la->sa.in6.sin6_addr) == 1) {
        la->wild = la->dual = IN6_IS_ADDR_UNSPECIFIED(&la->sa.in6.sin6_addr);
        la->sa.in6.sin6_family = AF_INET6;
        la->sa.in6.sin6_port = htons(port);
        la->len = sizeof la->sa.in6;
        return 0;
    }
    return -EINVAL;
}

/* The IPv4-only fallback of a dual-stack wildcard, for hosts without IPv6. */
static void to_ipv4_any(listen_addr_t *la, uint16_t port)
{
    memset(&la->sa, 0, sizeof la->sa);
    la->sa.in4.sin_family = AF_INET;
    la->sa.in4.sin_port = htons(port);
    la->len = sizeof la->sa.in4;
    la->dual = false;
}

static int set_int(int fd, int level, int opt, int val)
{
    return setsockopt(fd, level, opt, &val, sizeof val);
}

static int open_socket(const listen_addr_t *la, int type)
{
    int family = la->sa.sa.sa_family;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    rc |= set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    rc |= set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (family == AF_INET6)
        rc |= set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, la->dual ? 0 : 1);
    if (type == SOCK_DGRAM && la->wild) {
        /* A wildcard socket must answer from the address it was asked on. */
        if (family == AF_INET6)
            rc |= set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        if (family == AF_INET || la->dual)
            rc |= set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
    }
    if (type == SOCK_DGRAM)
        (void)set_int(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20); /* best effort */
    if (rc != 0 || bind(fd, &la->sa.sa, la->len) != 0 ||
        (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

static uint16_t bound_port(int fd)
{
    dnsd_sockaddr_t sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, &sa.sa, &len) != 0)
        return 0;
    return ntohs(sa.sa.sa_family == AF_INET6 ? sa.in6.sin6_port : sa.in4.sin_port);
}

static void set_port(listen_addr_t *la, uint16_t port)
{
    if (la->sa.sa.sa_family == AF_INET6)
        la->sa.in6.sin6_port = htons(port);
    else
        la->sa.in4.sin_port = htons(port);
}

/* SO_REUSEPORT lets any process of the same user join a port group, so a
 * second daemon started on a taken port would silently get half of the
 * queries. Binding once without SO_REUSEPORT first fails with EADDRINUSE
 * whenever anybody holds the port. */
static int probe_free(const listen_addr_t *la, int type)
{
    int fd = socket(la->sa.sa.sa_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (la->sa.sa.sa_family == AF_INET6)
        rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, la->dual ? 0 : 1);
    if (type == SOCK_STREAM)
        rc |= set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1); /* TIME_WAIT is no conflict */
    if (rc != 0 || bind(fd, &la->sa.sa, la->len) != 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* Open the UDP and TCP socket of every worker for one address. */
static int bind_address(dnsd_server_t *s, listen_addr_t *la, size_t slot, char *err, size_t errlen,
                        const char *text)
{
    for (int type = SOCK_DGRAM; s->port != 0; type = SOCK_STREAM) {
        int rc = probe_free(la, type);
        if (rc == -EAFNOSUPPORT && la->dual) {
            to_ipv4_any(la, s->port);
            rc = probe_free(la, type);
        }
        if (rc != 0) {
            snprintf(err, errlen, "dns: cannot bind %s %s port %u: %s", text,
                     type == SOCK_DGRAM ? "udp" : "tcp", s->port, strerror(-rc));
            return rc;
        }
        if (type == SOCK_STREAM)
            break;
    }
    for (int i = 0; i < s->n_workers; i++) {
        dnsd_worker_t *w = &s->workers[i];
        for (int type = SOCK_DGRAM;; type = SOCK_STREAM) {
            int fd = open_socket(la, type);
            if (fd == -EAFNOSUPPORT && la->dual && i == 0 && type == SOCK_DGRAM) {
                to_ipv4_any(la, s->port);
                fd = open_socket(la, type);
            }
            if (fd < 0) {
                snprintf(err, errlen, "dns: cannot bind %s %s port %u: %s", text,
                         type == SOCK_DGRAM ? "udp" : "tcp", s->port, strerror(-fd));
                return fd;
            }
            if (s->port == 0) { /* tests: let the kernel pick, then share it */
                s->port = bound_port(fd);
                set_port(la, s->port);
            }
            if (type == SOCK_DGRAM) {
                w->udp_fds[slot] = fd;
                w->udp_wild[slot] = la->wild;
            } else {
                w->tcp_fds[slot] = fd;
                break;
            }
        }
    }
    return 0;
}

static int alloc_workers(dnsd_server_t *s)
{
    s->workers = calloc((size_t)s->n_workers, sizeof *s->workers);
    if (!s->workers)
        return -ENOMEM;
    size_t n = s->p.n_listen;
    for (int i = 0; i < s->n_workers; i++) {
        dnsd_worker_t *w = &s->workers[i];
        w->index = i;
        w->params = &s->p;
        w->n_udp = w->n_tcp = n;
        w->udp_fds = malloc(n * sizeof *w->udp_fds);
        w->udp_wild = calloc(n, sizeof *w->udp_wild);
        w->tcp_fds = malloc(n * sizeof *w->tcp_fds);
        if (!w->udp_fds || !w->udp_wild || !w->tcp_fds)
            return -ENOMEM;
        for (size_t j = 0; j < n; j++)
            w->udp_fds[j] = w->tcp_fds[j] = -1;
    }
    return 0;
}

static void init_libevent_threads(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, (void (*)(void))evthread_use_pthreads);
}

static void fwd_done(void *owner, const void *client, const uint8_t *resp, size_t len)
{
    dnsd_worker_t *w = owner;
    if (*(const uint8_t *)client == DNSD_CLIENT_UDP)
        dnsd_udp_forward_done(w, client, resp, len);
    else
        dnsd_tcp_forward_done(w, client, resp, len);
}

static void *worker_main(void *arg)
{
    dnsd_worker_t *w = arg;
    urcu_memb_register_thread();
    event_base_dispatch(w->base);
    urcu_memb_unregister_thread();
    return NULL;
}

static int worker_prepare(dnsd_worker_t *w, uint64_t seed)
{
    w->base = event_base_new();
    if (!w->base)
        return -ENOMEM;
    answer_ctx_init(&w->actx, w->params->answer, seed);
    if (w->params->upstreams) {
        w->fwd = fwd_worker_new(w->base, w->params->upstreams, 0, fwd_done, w);
        if (!w->fwd)
            return -ENOMEM;
    }
    int rc = dnsd_udp_setup(w);
    if (rc == 0)
        rc = dnsd_tcp_setup(w);
    return rc;
}

int dnsd_server_bind(const dnsd_server_params_t *p, dnsd_server_t **out, char *err, size_t errlen)
{
    init_libevent_threads();
    dnsd_server_t *s = calloc(1, sizeof *s);
    int rc = -ENOMEM;
    if (!s)
        goto fail;
    s->p = *p;
    s->n_workers = p->workers > 0 ? p->workers : 1;
    s->port = p->port;
    if ((rc = alloc_workers(s)) != 0)
        goto fail;
    for (size_t i = 0; i < p->n_listen; i++) {
        listen_addr_t la;
        if (parse_listen(p->listen[i], s->port, &la) != 0) {
            snprintf(err, errlen, "dns: listen address %s is not an IP address", p->listen[i]);
            rc = -EINVAL;
            goto fail;
        }
        if ((rc = bind_address(s, &la, i, err, errlen, p->listen[i])) != 0)
            goto fail;
    }
    /* Everything a worker needs exists before any thread runs or any
     * scraper reads its counters; start only launches threads. */
    uint64_t seed = clock_mono_us() ^ ((uint64_t)getpid() << 32);
    for (int i = 0; i < s->n_workers; i++) {
        if ((rc = worker_prepare(&s->workers[i], seed + (uint64_t)i * 0x9e3779b97f4a7c15ull)) !=
            0) {
            snprintf(err, errlen, "dns: cannot set up worker %d: %s", i, strerror(-rc));
            goto fail;
        }
    }
    *out = s;
    return 0;
fail:
    if (rc == -ENOMEM)
        snprintf(err, errlen, "dns: out of memory");
    dnsd_server_free(&s);
    return rc;
}

int dnsd_server_start(dnsd_server_t *s)
{
    for (int i = 0; i < s->n_workers; i++) {
        dnsd_worker_t *w = &s->workers[i];
        int rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc != 0)
            return -rc;
        w->running = true;
    }
    s->started = true;
    log_info("dns: %d worker(s) serving port %u", s->n_workers, s->port);
    return 0;
}

static void worker_free(dnsd_worker_t *w)
{
    if (w->running) {
        event_base_loopbreak(w->base);
        pthread_join(w->thread, NULL);
        w->running = false;
    }
    dnsd_tcp_teardown(w);
    dnsd_udp_teardown(w);
    fwd_worker_free(&w->fwd);
    for (size_t j = 0; j < w->n_udp; j++)
        if (w->udp_fds && w->udp_fds[j] >= 0)
            close(w->udp_fds[j]);
    for (size_t j = 0; j < w->n_tcp; j++)
        if (w->tcp_fds && w->tcp_fds[j] >= 0)
            close(w->tcp_fds[j]);
    free(w->udp_fds);
    free(w->udp_wild);
    free(w->tcp_fds);
    if (w->base)
        event_base_free(w->base);
}

void dnsd_server_free(dnsd_server_t **ps)
{
    if (!ps || !*ps)
        return;
    dnsd_server_t *s = *ps;
    for (int i = 0; s->workers && i < s->n_workers; i++)
        worker_free(&s->workers[i]);
    free(s->workers);
    free(s);
    *ps = NULL;
}

void dnsd_server_stats(const dnsd_server_t *s, dnsd_stats_t *sum, fwd_stats_t *fwd)
{
    for (int i = 0; i < s->n_workers; i++) {
        const dnsd_worker_t *w = &s->workers[i];
        dnsd_stats_add(sum, &w->stats);
        if (fwd && w->fwd) {
            const fwd_stats_t *f = fwd_worker_stats(w->fwd);
            fwd->forwarded += __atomic_load_n(&f->forwarded, __ATOMIC_RELAXED);
            fwd->retries += __atomic_load_n(&f->retries, __ATOMIC_RELAXED);
            fwd->timeouts += __atomic_load_n(&f->timeouts, __ATOMIC_RELAXED);
            fwd->servfail += __atomic_load_n(&f->servfail, __ATOMIC_RELAXED);
            fwd->overflow += __atomic_load_n(&f->overflow, __ATOMIC_RELAXED);
        }
    }
}

uint16_t dnsd_server_port(const dnsd_server_t *s)
{
    return s->port;
}

bool dnsd_peer_allowed(const struct sockaddr *peer, const config_net_t *nets, size_t n)
{
    int family = peer->sa_family;
    const uint8_t *addr = family == AF_INET6
                              ? ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr
                              : (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
    for (size_t i = 0; i < n; i++)
        if (netaddr_net_contains(nets[i].family, nets[i].addr, nets[i].prefix, family, addr))
            return true;
    return false;
}

size_t dnsd_error_reply(const dnsd_worker_t *w, const uint8_t *q, size_t qlen, uint16_t rcode,
                        bool ra, uint8_t *out, size_t cap)
{
    int n = reply_error(q, qlen, rcode, ra, w->actx.edns_max, out, cap);
    return n > 0 ? (size_t)n : 0;
}

bool dnsd_may_forward(dnsd_worker_t *w, const struct sockaddr *peer, const uint8_t *q, size_t qlen,
                      uint8_t *out, size_t cap, answer_result_t *res)
{
    const dnsd_server_params_t *p = w->params;
    if (w->fwd && dnsd_peer_allowed(peer, p->allow_recursion, p->n_allow_recursion))
        return true;
    /* No upstream at all, or a client outside allowRecursion. */
    uint16_t rc = w->fwd ? DNS_RCODE_REFUSED : DNS_RCODE_SERVFAIL;
    if (w->fwd)
        DNSD_STAT_INC(&w->stats, recursion_refused);
    res->len = dnsd_error_reply(w, q, qlen, rc, false, out, cap);
    res->rcode = rc;
    res->action = res->len ? ANSWER_SEND : ANSWER_DROP;
    return false;
}
