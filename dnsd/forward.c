/* forward: asynchronous forwarding to upstream resolvers (see forward.h). */
#include "dnsd/forward.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <linux/errqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/dname.h"
#include "common/errcode.h"
#include "common/log.h"
#include "config/netaddr.h"
#include "dnsd/reply.h"
#include "dnsd/resolvconf.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"

#define DEFAULT_PENDING 4096
#define RX_MAX          65535
#define UDP_READ_BURST  64

/* ------------------------------------------------------------------------
 * Upstreams and their shared health
 * ------------------------------------------------------------------------ */

struct fwd_up {
    struct sockaddr_storage sa;
    socklen_t salen;
    char text[64];
    _Atomic uint32_t epoch;     /* bumped once per failure round */
    _Atomic uint32_t fails;     /* consecutive failure rounds */
    _Atomic int64_t dead_until; /* monotonic ms; 0 = healthy */
};

struct fwd_list {
    uint8_t apex[DNAME_MAXLEN]; /* lowercase wire; unused for the default list */
    size_t apex_len;
    int labels;
    size_t n;
    uint32_t idx[FWD_LIST_MAX];
};

struct fwd_upstreams {
    struct fwd_up *ups;
    size_t n_ups, cap_ups;
    struct fwd_list deflt;
    struct fwd_list *zones;
    size_t n_zones;
    int timeout_ms;
    uint16_t udp_size;
};

static bool sa_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
}

/* Index of the upstream for `a`, added when new; -ENOMEM or -EAFNOSUPPORT. */
static int up_intern(fwd_upstreams_t *u, const config_addr_t *a, uint32_t scope)
{
    if (a->family != AF_INET && a->family != AF_INET6)
        return -EAFNOSUPPORT;
    struct fwd_up tmp;
    tmp.salen = netaddr_sockaddr(a->family, a->addr, a->port, scope, &tmp.sa);
    for (size_t i = 0; i < u->n_ups; i++)
        if (sa_equal(&u->ups[i].sa, &tmp.sa))
            return (int)i;
    if (u->n_ups == u->cap_ups) {
        size_t nc = u->cap_ups ? u->cap_ups * 2 : 8;
        struct fwd_up *nu = realloc(u->ups, nc * sizeof *nu);
        if (!nu)
            return -ENOMEM;
        u->ups = nu;
        u->cap_ups = nc;
    }
    struct fwd_up *up = &u->ups[u->n_ups];
    memset(up, 0, sizeof *up);
    up->sa = tmp.sa;
    up->salen = tmp.salen;
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(a->family, a->addr, ip, sizeof ip);
    snprintf(up->text, sizeof up->text, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, a->port);
    return (int)u->n_ups++;
}

static int list_add(fwd_upstreams_t *u, struct fwd_list *l, const config_addr_t *a, uint32_t scope)
{
    if (l->n == FWD_LIST_MAX) {
        log_warn("forward: more than %d upstreams in one list; %s ignored", FWD_LIST_MAX, a->text);
        return 0;
    }
    int i = up_intern(u, a, scope);
    if (i == -ENOMEM)
        return i;
    if (i < 0) {
        log_warn("forward: upstream %s: unsupported address family", a->text);
        return 0;
    }
    for (size_t k = 0; k < l->n; k++)
        if (l->idx[k] == (uint32_t)i)
            return 0;
    l->idx[l->n++] = (uint32_t)i;
    return 0;
}

static int default_from_resolv_conf(fwd_upstreams_t *u, const config_t *c, const char *path)
{
    resolvconf_ns_t ns[RESOLVCONF_MAX];
    size_t n = resolvconf_load(c, path, ns, RESOLVCONF_MAX);
    for (size_t i = 0; i < n; i++)
        if (list_add(u, &u->deflt, &ns[i].addr, ns[i].scope_id) < 0)
            return -ENOMEM;
    return 0;
}

static int zones_from_config(fwd_upstreams_t *u, const config_t *c)
{
    if (c->n_zone_resolvers == 0)
        return 0;
    u->zones = calloc(c->n_zone_resolvers, sizeof *u->zones);
    if (!u->zones)
        return -ENOMEM;
    for (size_t z = 0; z < c->n_zone_resolvers; z++) {
        const config_zone_resolver_t *zr = &c->zone_resolvers[z];
        struct fwd_list *l = &u->zones[u->n_zones];
        int al = zr->zone ? dname_from_text(zr->zone, l->apex) : -EINVAL;
        if (al < 0) {
            log_warn("forward: zoneResolvers zone \"%s\" is not a domain name; ignored",
                     zr->zone ? zr->zone : "");
            continue;
        }
        dname_lower(l->apex);
        l->apex_len = (size_t)al;
        l->labels = dname_labels(l->apex);
        for (size_t i = 0; i < zr->n_servers; i++)
            if (list_add(u, l, &zr->servers[i], 0) < 0)
                return -ENOMEM;
        u->n_zones++;
    }
    return 0;
}

fwd_upstreams_t *fwd_upstreams_new(const config_t *c, const char *resolv_conf)
{
    fwd_upstreams_t *u = calloc(1, sizeof *u);
    if (!u || !c)
        goto fail;
    /* 0 = 2 s, the default of the DNS library Mesos-DNS uses (miekg/dns). */
    u->timeout_ms = (c->timeout > 0 ? c->timeout : 2) * 1000;
    u->udp_size =
        (uint16_t)(c->edns_max_payload >= 512 && c->edns_max_payload <= 65535 ? c->edns_max_payload
                                                                              : 1232);
    if (!c->external_on)
        return u;
    if (zones_from_config(u, c) < 0)
        goto fail;
    for (size_t i = 0; i < c->n_resolvers; i++)
        if (list_add(u, &u->deflt, &c->resolvers[i], 0) < 0)
            goto fail;
    if (c->n_resolvers == 0 && default_from_resolv_conf(u, c, resolv_conf) < 0)
        goto fail;
    return u;
fail:
    log_err("forward: out of memory");
    fwd_upstreams_free(&u);
    return NULL;
}

void fwd_upstreams_free(fwd_upstreams_t **pu)
{
    if (!pu || !*pu)
        return;
    free((*pu)->ups);
    free((*pu)->zones);
    free(*pu);
    *pu = NULL;
}

size_t fwd_upstreams_count(const fwd_upstreams_t *u)
{
    return u ? u->n_ups : 0;
}

int fwd_upstreams_info(const fwd_upstreams_t *u, size_t i, fwd_upstream_info_t *out)
{
    if (!u || i >= u->n_ups || !out)
        return -ERANGE;
    struct fwd_up *up = &u->ups[i];
    int64_t d = atomic_load(&up->dead_until), now = clock_mono_coarse_ms();
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", up->text);
    out->fails = atomic_load(&up->fails);
    out->dead = d != 0 && now < d;
    out->dead_ms = out->dead ? (uint32_t)(d - now) : 0;
    return 0;
}

/* The list for a query name: the longest zoneResolvers apex containing it. */
static const struct fwd_list *list_for(const fwd_upstreams_t *u, const uint8_t *name,
                                       size_t name_len)
{
    const struct fwd_list *best = &u->deflt;
    int best_labels = -1;
    for (size_t z = 0; z < u->n_zones; z++) {
        const struct fwd_list *l = &u->zones[z];
        if (l->labels > best_labels && dname_is_sub(name, name_len, l->apex, l->apex_len)) {
            best = l;
            best_labels = l->labels;
        }
    }
    return best;
}

/* May a query use `up` now? Healthy: yes. Dead with its backoff over: only
 * the one caller that wins the CAS, which holds the probe for one attempt
 * time while everyone else keeps skipping it. */
static bool up_acquire(struct fwd_up *up, int64_t now, int probe_ms)
{
    int64_t d = atomic_load(&up->dead_until);
    if (d == 0)
        return true;
    if (now < d)
        return false;
    return atomic_compare_exchange_strong(&up->dead_until, &d, now + probe_ms);
}

/* An attempt sent in health round `epoch` failed. Only the first failure
 * of a round counts, so a burst of in-flight queries to an upstream that
 * just died doubles its backoff once, not once per query. */
static void up_fail(struct fwd_up *up, uint32_t epoch)
{
    if (!atomic_compare_exchange_strong(&up->epoch, &epoch, epoch + 1))
        return;
    uint32_t f = atomic_fetch_add(&up->fails, 1) + 1;
    int64_t b = f > 5 ? FWD_BACKOFF_MAX_MS : (int64_t)FWD_BACKOFF_MIN_MS << (f - 1);
    if (b > FWD_BACKOFF_MAX_MS)
        b = FWD_BACKOFF_MAX_MS;
    atomic_store(&up->dead_until, clock_mono_coarse_ms() + b);
    if (f == 1)
        log_warn("forward: upstream %s failed; skipped for %lld ms", up->text, (long long)b);
}

static void up_success(struct fwd_up *up)
{
    if (atomic_load(&up->dead_until) == 0 && atomic_load(&up->fails) == 0)
        return; /* the common case writes nothing: no cache-line traffic */
    atomic_store(&up->dead_until, 0);
    if (atomic_exchange(&up->fails, 0) != 0)
        log_info("forward: upstream %s answers again", up->text);
}

/* ------------------------------------------------------------------------
 * Worker
 * ------------------------------------------------------------------------ */

enum pend_state { P_FREE = 0, P_IDLE, P_UDP, P_TCP, P_DONE };

struct fwd_sock {
    struct event ev;
    fwd_worker_t *w;
    int fd; /* -1 when closed */
    int family;
    uint32_t inflight; /* pending attempts waiting on this socket */
    uint32_t sent;     /* queries sent since opened */
    bool draining;     /* no new queries: re-open once inflight hits 0 */
};

struct fwd_pend {
    struct event timer;
    fwd_worker_t *w;
    const struct fwd_list *list;
    struct bufferevent *bev; /* TCP attempt */
    uint64_t tried;          /* bit i: list->idx[i] already tried */
    uint32_t up, epoch, next_free, attempts;
    uint16_t id_out, id_client, qlen, client_len;
    uint8_t state, sock;
    bool tcp;
    alignas(max_align_t) uint8_t client[FWD_CLIENT_MAX];
    uint8_t query[FWD_QUERY_MAX];
};

struct fwd_worker {
    struct event_base *base;
    fwd_upstreams_t *u;
    fwd_done_fn done;
    void *owner;
    const struct timeval *tv_attempt; /* libevent common timeout: O(1) timers */
    struct fwd_pend *pend;
    size_t n_pend, n_used;                   /* table size; entries set up so far */
    uint32_t free_head;                      /* index + 1 of the first free entry, 0 = none */
    uint16_t *idmap;                         /* outgoing UDP id -> pending index + 1 */
    struct fwd_sock socks[2][FWD_UDP_SOCKS]; /* [0] IPv4, [1] IPv6 */
    struct event maint;                      /* deferred socket re-opening */
    bool maint_ok;
    bool need[2]; /* some upstream is IPv4 / IPv6 */
    unsigned tcp_active;
    size_t rnd_pos;
    uint8_t rnd[256];
    fwd_stats_t stats;
    uint8_t *rx;
};

/* Attempt outcomes that did not leave a query on the wire. */
#define ATT_LOCAL    1 /* our side failed (no socket, ENOBUFS): no health change */
#define ATT_UPSTREAM 2 /* the upstream is unreachable: counts against it */

static void attempt_next(fwd_worker_t *w, struct fwd_pend *p);

static void rnd_refill(fwd_worker_t *w)
{
    /* The kernel CSPRNG; up to 256 bytes it never returns short. One
     * syscall per 128 ids. */
    if (getrandom(w->rnd, sizeof w->rnd, 0) == (ssize_t)sizeof w->rnd ||
        RAND_bytes(w->rnd, (int)sizeof w->rnd) == 1)
        return;
    /* Unreachable in practice; ids stay unique (idmap), just weaker. */
    for (size_t i = 0; i < sizeof w->rnd; i++)
        w->rnd[i] ^= (uint8_t)(clock_mono_coarse_ms() >> (i % 8) ^ (int64_t)i * 151);
}

static uint16_t rnd16(fwd_worker_t *w)
{
    if (w->rnd_pos + 2 > sizeof w->rnd) {
        rnd_refill(w);
        w->rnd_pos = 0;
    }
    uint16_t v = wire_get16(w->rnd + w->rnd_pos);
    w->rnd_pos += 2;
    return v;
}

static size_t pend_index(const fwd_worker_t *w, const struct fwd_pend *p)
{
    return (size_t)(p - w->pend);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg);

/* Entries are set up on first use, so the untouched rest of the calloc'd
 * table never becomes resident; the LIFO free list reuses warm ones. */
static struct fwd_pend *pend_alloc(fwd_worker_t *w)
{
    struct fwd_pend *p;
    if (w->free_head) {
        p = &w->pend[w->free_head - 1];
        w->free_head = p->next_free;
    } else if (w->n_used < w->n_pend) {
        p = &w->pend[w->n_used++];
        p->w = w;
        evtimer_assign(&p->timer, w->base, timer_cb, p);
    } else {
        return NULL;
    }
    return p;
}

static void pend_free(fwd_worker_t *w, struct fwd_pend *p)
{
    if (p->tcp)
        w->tcp_active--;
    p->state = P_FREE;
    p->next_free = w->free_head;
    w->free_head = (uint32_t)pend_index(w, p) + 1;
}

/* --- UDP sockets --- */

static void udp_cb(evutil_socket_t fd, short what, void *arg);

static int sock_open(fwd_worker_t *w, struct fwd_sock *s)
{
    int on = 1;
    int fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* IP_RECVERR: ICMP port/host unreachable for an unconnected socket lands
     * in the error queue, so a closed upstream fails at once, not at the
     * time-out. */
    if (s->family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
    } else {
        setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
    }
    /* Room for a burst of replies (capped by net.core.rmem_max): a reply
     * dropped here would time out and mark a healthy upstream dead. */
    int rcvbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_storage any = {.ss_family = (sa_family_t)s->family};
    socklen_t al = s->family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    /* Port 0: the kernel picks a random ephemeral port. */
    if (bind(fd, (struct sockaddr *)&any, al) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    event_assign(&s->ev, w->base, fd, EV_READ | EV_PERSIST, udp_cb, s);
    if (event_add(&s->ev, NULL) < 0) {
        close(fd);
        return -ENOMEM;
    }
    s->fd = fd;
    s->sent = 0;
    s->inflight = 0;
    s->draining = false;
    return 0;
}

static void sock_close(struct fwd_sock *s)
{
    if (s->fd < 0)
        return;
    event_del(&s->ev);
    close(s->fd);
    s->fd = -1;
}

/* Re-open drained sockets outside their own callbacks. */
static void maint_cb(evutil_socket_t fd, short what, void *arg)
{
    fwd_worker_t *w = arg;
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < FWD_UDP_SOCKS; k++) {
            struct fwd_sock *s = &w->socks[f][k];
            if (s->fd >= 0 && s->draining && s->inflight == 0) {
                sock_close(s);
                int rc = sock_open(w, s);
                if (rc < 0)
                    log_err("forward: re-opening a UDP socket: %s", mdns_strerror(rc));
            }
        }
}

static struct fwd_sock *sock_pick(fwd_worker_t *w, int family)
{
    struct fwd_sock *row = w->socks[family == AF_INET6 ? 1 : 0];
    unsigned start = rnd16(w) % FWD_UDP_SOCKS;
    struct fwd_sock *fallback = NULL;
    for (unsigned k = 0; k < FWD_UDP_SOCKS; k++) {
        struct fwd_sock *s = &row[(start + k) % FWD_UDP_SOCKS];
        if (s->fd < 0)
            continue;
        if (!s->draining)
            return s;
        fallback = s;
    }
    /* None open (a failed re-open, EMFILE): try again, quietly. */
    for (unsigned k = 0; !fallback && w->need[family == AF_INET6] && k < FWD_UDP_SOCKS; k++)
        if (row[k].fd < 0 && sock_open(w, &row[k]) == 0)
            fallback = &row[k];
    return fallback;
}

static void sock_sent(fwd_worker_t *w, struct fwd_sock *s)
{
    s->inflight++;
    if (++s->sent < FWD_SOCK_ROTATE || s->draining)
        return;
    /* Drain only while another socket of the family keeps taking queries. */
    struct fwd_sock *row = w->socks[s->family == AF_INET6 ? 1 : 0];
    for (int k = 0; k < FWD_UDP_SOCKS; k++)
        if (&row[k] != s && row[k].fd >= 0 && !row[k].draining) {
            s->draining = true;
            return;
        }
}

static struct fwd_sock *sock_of(fwd_worker_t *w, uint8_t idx)
{
    return &w->socks[idx / FWD_UDP_SOCKS][idx % FWD_UDP_SOCKS];
}

/* --- attempts --- */

/* Undo what the current attempt holds: timer, id, socket share, connection. */
static void attempt_release(fwd_worker_t *w, struct fwd_pend *p)
{
    evtimer_del(&p->timer);
    if (p->state == P_UDP) {
        w->idmap[p->id_out] = 0;
        struct fwd_sock *s = sock_of(w, p->sock);
        if (--s->inflight == 0 && s->draining)
            event_active(&w->maint, EV_TIMEOUT, 0);
    } else if (p->state == P_TCP && p->bev) {
        bufferevent_free(p->bev);
        p->bev = NULL;
    }
    p->state = P_IDLE;
}

/* Hand `resp` (the upstream's reply, id rewritten here) to the caller. */
static void finish(fwd_worker_t *w, struct fwd_pend *p, uint8_t *resp, size_t len)
{
    attempt_release(w, p);
    wire_put16(resp, p->id_client);
    p->state = P_DONE; /* keeps the entry (and `client`) ours during done() */
    w->done(w->owner, p->client, resp, len);
    pend_free(w, p);
}

static void finish_servfail(fwd_worker_t *w, struct fwd_pend *p)
{
    uint8_t out[FWD_QUERY_MAX + 11];
    wire_put16(p->query, p->id_client);
    int n =
        reply_error(p->query, p->qlen, DNS_RCODE_SERVFAIL, true, w->u->udp_size, out, sizeof out);
    DNSD_STAT_INC(&w->stats, servfail);
    p->state = P_DONE;
    w->done(w->owner, p->client, out, n > 0 ? (size_t)n : 0);
    pend_free(w, p);
}

static void attempt_failed(fwd_worker_t *w, struct fwd_pend *p)
{
    uint32_t up = p->up, epoch = p->epoch;
    attempt_release(w, p);
    up_fail(&w->u->ups[up], epoch);
    attempt_next(w, p);
}

static int udp_start(fwd_worker_t *w, struct fwd_pend *p, const struct fwd_up *up)
{
    struct fwd_sock *s = sock_pick(w, up->sa.ss_family);
    if (!s)
        return ATT_LOCAL;
    uint16_t id = 0;
    int tries = 0;
    do { /* the table is at most half full: a free id is never far */
        id = rnd16(w);
    } while (w->idmap[id] && ++tries < 64);
    if (w->idmap[id])
        return ATT_LOCAL;
    wire_put16(p->query, id);
    ssize_t n;
    int again = 1;
    for (;;) {
        n = sendto(s->fd, p->query, p->qlen, 0, (const struct sockaddr *)&up->sa, up->salen);
        if (n >= 0)
            break;
        if (errno == EINTR)
            continue;
        /* With IP_RECVERR a socket error left by an earlier ICMP (for any
         * destination) is reported once by the next send: retry once. */
        if (again-- > 0 && (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
                            errno == ENETUNREACH || errno == EHOSTDOWN))
            continue;
        break;
    }
    if (n < 0)
        return (errno == EAGAIN || errno == ENOBUFS || errno == ENOMEM) ? ATT_LOCAL : ATT_UPSTREAM;
    p->id_out = id;
    p->sock = (uint8_t)(s - &w->socks[0][0]);
    w->idmap[id] = (uint16_t)(pend_index(w, p) + 1);
    sock_sent(w, s);
    p->state = P_UDP;
    return 0;
}

static void tcp_read_cb(struct bufferevent *bev, void *arg)
{
    struct fwd_pend *p = arg;
    fwd_worker_t *w = p->w;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t have = evbuffer_get_length(in);
    uint8_t h[2];
    if (have < 2 || evbuffer_copyout(in, h, 2) != 2)
        return;
    size_t len = wire_get16(h);
    if (len < 12) {
        attempt_failed(w, p);
        return;
    }
    if (have < 2 + len)
        return; /* wait for the rest (bounded by the attempt timer) */
    evbuffer_drain(in, 2);
    if (evbuffer_remove(in, w->rx, len) != (int)len || wire_get16(w->rx) != p->id_out ||
        reply_check(p->query, p->qlen, w->rx, len) != 0) {
        attempt_failed(w, p);
        return;
    }
    up_success(&w->u->ups[p->up]);
    finish(w, p, w->rx, len);
}

static void tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
    if (what & BEV_EVENT_CONNECTED)
        return;
    struct fwd_pend *p = arg;
    attempt_failed(p->w, p); /* refused, reset, EOF before a whole reply */
}

static int tcp_start(fwd_worker_t *w, struct fwd_pend *p, const struct fwd_up *up)
{
    struct bufferevent *bev = bufferevent_socket_new(w->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!bev)
        return ATT_LOCAL;
    p->id_out = rnd16(w);
    wire_put16(p->query, p->id_out);
    uint8_t h[2];
    wire_put16(h, p->qlen);
    bufferevent_setcb(bev, tcp_read_cb, NULL, tcp_event_cb, p);
    /* Written before the connect completes: libevent flushes it after. */
    if (bufferevent_write(bev, h, 2) < 0 || bufferevent_write(bev, p->query, p->qlen) < 0 ||
        bufferevent_enable(bev, EV_READ | EV_WRITE) < 0) {
        bufferevent_free(bev);
        return ATT_LOCAL;
    }
    p->bev = bev;
    p->state = P_TCP;
    /* Immediate failures are reported through tcp_event_cb, deferred. */
    if (bufferevent_socket_connect(bev, (const struct sockaddr *)&up->sa, (int)up->salen) < 0) {
        bufferevent_free(bev);
        p->bev = NULL;
        p->state = P_IDLE;
        return ATT_UPSTREAM;
    }
    return 0;
}

/* Next upstream for `p`: usable ones in list order, then (none left) the
 * dead ones; each at most once. -1 when all were tried. */
static int pick_upstream(fwd_worker_t *w, struct fwd_pend *p)
{
    const struct fwd_list *l = p->list;
    int64_t now = clock_mono_coarse_ms();
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < l->n; i++) {
            if (p->tried & (UINT64_C(1) << i))
                continue;
            struct fwd_up *up = &w->u->ups[l->idx[i]];
            uint32_t epoch = atomic_load(&up->epoch);
            if (pass == 0 && !up_acquire(up, now, w->u->timeout_ms))
                continue;
            p->tried |= UINT64_C(1) << i;
            p->epoch = epoch;
            return (int)l->idx[i];
        }
    return -1;
}

static void attempt_next(fwd_worker_t *w, struct fwd_pend *p)
{
    for (;;) {
        int up = pick_upstream(w, p);
        if (up < 0) {
            finish_servfail(w, p);
            return;
        }
        if (p->attempts++ > 0)
            DNSD_STAT_INC(&w->stats, retries);
        p->up = (uint32_t)up;
        struct fwd_up *u = &w->u->ups[up];
        int rc = p->tcp ? tcp_start(w, p, u) : udp_start(w, p, u);
        if (rc == 0) {
            evtimer_add(&p->timer, w->tv_attempt);
            return;
        }
        if (rc == ATT_UPSTREAM)
            up_fail(u, p->epoch);
    }
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fwd_pend *p = arg;
    DNSD_STAT_INC(&p->w->stats, timeouts);
    attempt_failed(p->w, p);
}

/* The pending UDP attempt that sent id `id` on socket `s` to `from`, or NULL. */
static struct fwd_pend *udp_match(fwd_worker_t *w, const struct fwd_sock *s, uint16_t id,
                                  const struct sockaddr_storage *from)
{
    uint16_t slot = w->idmap[id];
    if (!slot)
        return NULL;
    struct fwd_pend *p = &w->pend[slot - 1];
    if (p->state != P_UDP || sock_of(w, p->sock) != s || !sa_equal(from, &w->u->ups[p->up].sa))
        return NULL;
    return p;
}

static bool icmp_is_fatal(const struct sock_extended_err *ee)
{
    if (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6)
        return false;
    switch (ee->ee_errno) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EACCES:
        return true;
    default:
        return false; /* e.g. EMSGSIZE (fragmentation needed) */
    }
}

/* ICMP errors: the kernel hands back the destination and the start of our
 * datagram, so the id identifies the attempt exactly. */
static void udp_errqueue(fwd_worker_t *w, struct fwd_sock *s)
{
    for (int i = 0; i < UDP_READ_BURST && s->fd >= 0; i++) {
        uint8_t data[64];
        alignas(struct cmsghdr) char ctl[512];
        struct sockaddr_storage dst;
        struct iovec iov = {data, sizeof data};
        struct msghdr m = {.msg_name = &dst,
                           .msg_namelen = sizeof dst,
                           .msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = ctl,
                           .msg_controllen = sizeof ctl};
        memset(&dst, 0, sizeof dst);
        ssize_t n = recvmsg(s->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (n < 0)
            return;
        const struct sock_extended_err *ee = NULL;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
                (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR))
                ee = (const struct sock_extended_err *)CMSG_DATA(c);
        if (!ee || !icmp_is_fatal(ee) || n < 12)
            continue;
        struct fwd_pend *p = udp_match(w, s, wire_get16(data), &dst);
        if (p)
            attempt_failed(w, p);
    }
}

static void udp_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fwd_sock *s = arg;
    fwd_worker_t *w = s->w;
    udp_errqueue(w, s);
    for (int i = 0; i < UDP_READ_BURST && s->fd >= 0; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s->fd, w->rx, RX_MAX, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
                errno == ENETUNREACH || errno == EHOSTDOWN)
                continue; /* a pending ICMP error, already handled above */
            return;
        }
        if (n < 12 || !(w->rx[2] & 0x80))
            continue;
        struct fwd_pend *p = udp_match(w, s, wire_get16(w->rx), &from);
        if (!p || reply_check(p->query, p->qlen, w->rx, (size_t)n) != 0)
            continue; /* stray, late or spoofed: dropped */
        up_success(&w->u->ups[p->up]);
        finish(w, p, w->rx, (size_t)n);
    }
}

/* --- public --- */

static int worker_sockets(fwd_worker_t *w)
{
    for (size_t i = 0; i < w->u->n_ups; i++)
        w->need[w->u->ups[i].sa.ss_family == AF_INET6] = true;
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < FWD_UDP_SOCKS; k++) {
            struct fwd_sock *s = &w->socks[f][k];
            s->w = w;
            s->fd = -1;
            s->family = f ? AF_INET6 : AF_INET;
            if (!w->need[f])
                continue;
            int rc = sock_open(w, s);
            if (rc < 0) {
                log_warn("forward: %s UDP socket: %s", f ? "IPv6" : "IPv4", mdns_strerror(rc));
                if (k == 0 && f == 0)
                    return rc;
                break; /* IPv6 may be off on this host: its upstreams then fail */
            }
            /* Stagger rotations so the sockets do not drain together. */
            s->sent = rnd16(w) % FWD_SOCK_ROTATE;
        }
    return 0;
}

fwd_worker_t *fwd_worker_new(struct event_base *base, fwd_upstreams_t *u, size_t max_pending,
                             fwd_done_fn done, void *owner)
{
    if (!base || !u || !done)
        return NULL;
    fwd_worker_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->base = base;
    w->u = u;
    w->done = done;
    w->owner = owner;
    w->rnd_pos = sizeof w->rnd;
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < FWD_UDP_SOCKS; k++)
            w->socks[f][k].fd = -1;
    w->n_pend = max_pending ? max_pending : DEFAULT_PENDING;
    if (w->n_pend > FWD_PENDING_MAX)
        w->n_pend = FWD_PENDING_MAX;
    w->pend = calloc(w->n_pend, sizeof *w->pend);
    w->idmap = calloc(65536, sizeof *w->idmap);
    w->rx = malloc(RX_MAX);
    struct timeval tv = {.tv_sec = u->timeout_ms / 1000, .tv_usec = 0};
    w->tv_attempt = event_base_init_common_timeout(base, &tv);
    if (!w->pend || !w->idmap || !w->rx || !w->tv_attempt)
        goto fail;
    event_assign(&w->maint, base, -1, 0, maint_cb, w);
    w->maint_ok = true;
    if (worker_sockets(w) < 0)
        goto fail;
    return w;
fail:
    log_err("forward: cannot create a forwarding worker");
    fwd_worker_free(&w);
    return NULL;
}

void fwd_worker_free(fwd_worker_t **pw)
{
    if (!pw || !*pw)
        return;
    fwd_worker_t *w = *pw;
    for (size_t i = 0; i < w->n_used; i++)
        if (w->pend[i].state != P_FREE)
            attempt_release(w, &w->pend[i]);
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < FWD_UDP_SOCKS; k++)
            sock_close(&w->socks[f][k]);
    if (w->maint_ok)
        event_del(&w->maint);
    free(w->pend);
    free(w->idmap);
    free(w->rx);
    free(w);
    *pw = NULL;
}

const fwd_stats_t *fwd_worker_stats(const fwd_worker_t *w)
{
    return &w->stats;
}

int fwd_submit(fwd_worker_t *w, const uint8_t *query, size_t qlen, bool tcp, const void *client,
               size_t client_len)
{
    if (!w || client_len > FWD_CLIENT_MAX || (client_len && !client))
        return -EINVAL;
    if (qlen > FWD_QUERY_MAX)
        return -EMSGSIZE;
    wire_query_t q;
    if (wire_parse_header(query, qlen, &q) < 0 || q.qdcount != 1 ||
        wire_parse_question(query, qlen, &q) < 0 || (query[2] & 0xF8) != 0) /* QR=0, QUERY */
        return -EINVAL;
    const struct fwd_list *l = list_for(w->u, query + WIRE_HDR_LEN, q.qname_len);
    if (l->n == 0) { /* nowhere to forward: SERVFAIL now */
        alignas(max_align_t) uint8_t cl[FWD_CLIENT_MAX];
        uint8_t out[FWD_QUERY_MAX + 11];
        if (client_len)
            memcpy(cl, client, client_len);
        int n = reply_error(query, qlen, DNS_RCODE_SERVFAIL, true, w->u->udp_size, out, sizeof out);
        DNSD_STAT_INC(&w->stats, servfail);
        w->done(w->owner, cl, out, n > 0 ? (size_t)n : 0);
        return 0;
    }
    struct fwd_pend *p = (tcp && w->tcp_active >= FWD_TCP_MAX) ? NULL : pend_alloc(w);
    if (!p) {
        DNSD_STAT_INC(&w->stats, overflow);
        return -EAGAIN;
    }
    p->list = l;
    p->tried = 0;
    p->attempts = 0;
    p->bev = NULL;
    p->tcp = tcp;
    p->qlen = (uint16_t)qlen;
    p->client_len = (uint16_t)client_len;
    p->id_client = wire_get16(query);
    p->state = P_IDLE;
    memcpy(p->query, query, qlen);
    /* The client's EDNS size, capped like our own answers (ednsMaxPayload),
     * so forwarded UDP answers are not fragmented either. */
    size_t opt_at = reply_opt_offset(p->query, qlen);
    if (opt_at && wire_get16(p->query + opt_at + 2) > w->u->udp_size)
        wire_put16(p->query + opt_at + 2, w->u->udp_size);
    if (client_len)
        memcpy(p->client, client, client_len);
    if (tcp)
        w->tcp_active++;
    DNSD_STAT_INC(&w->stats, forwarded);
    attempt_next(w, p);
    return 0;
}
