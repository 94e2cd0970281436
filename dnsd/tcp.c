/* tcp: DNS over TCP (RFC 7766): pipelined queries on one connection,
 * answered in arrival order (forwarded ones when the upstream answers), an
 * idle timeout, a per-worker connection limit, and back-pressure when a
 * client does not read its answers. AXFR/IXFR stream from a held zone
 * version (xfr.h); while one streams the connection reads nothing, so
 * pipelined queries wait their turn and no read timeout cuts it. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "common/clock.h"
#include "common/log.h"
#include "dnsd/worker.h"
#include "dnsd/xfr.h"

#define TCP_MSG_MAX   65535
#define TCP_OUT_HIGH  (256 * 1024) /* stop reading while this much is unsent */
#define TCP_IDLE_MS   10000
#define TCP_MAX_CONNS 256

struct tcp_conn {
    dnsd_worker_t *w;
    struct bufferevent *bev; /* NULL = free slot */
    uint32_t gen;            /* bumped on close: stale forward replies are dropped */
    bool paused;             /* reading stopped for back-pressure */
    xfr_t *xfr;              /* zone transfer in progress; queries wait */
    dnsd_sockaddr_t peer;
};

/* A TCP client waiting for a forwarded answer. */
struct tcp_client {
    uint8_t kind; /* DNSD_CLIENT_TCP */
    uint32_t slot, gen;
    uint64_t t0_us;
};

static int max_conns(const dnsd_worker_t *w)
{
    return w->params->tcp_max_conns > 0 ? w->params->tcp_max_conns : TCP_MAX_CONNS;
}

static void peer_text(const struct tcp_conn *c, char *out, size_t len)
{
    const void *a = c->peer.sa.sa_family == AF_INET6 ? (const void *)&c->peer.in6.sin6_addr
                                                     : (const void *)&c->peer.in4.sin_addr;
    if (!inet_ntop(c->peer.sa.sa_family, a, out, (socklen_t)len))
        snprintf(out, len, "?");
}

static void xfr_finish(struct tcp_conn *c, bool complete)
{
    uint32_t serial;
    uint64_t records, messages;
    bool full;
    char peer[INET6_ADDRSTRLEN];
    xfr_counts(c->xfr, &serial, &records, &messages, &full);
    peer_text(c, peer, sizeof peer);
    if (complete)
        log_info("xfr: serial %u to %s: %s, %llu records in %llu messages", serial, peer,
                 full ? "full zone" : "up to date (SOA only)", (unsigned long long)records,
                 (unsigned long long)messages);
    else
        log_info("xfr: serial %u to %s aborted after %llu records", serial, peer,
                 (unsigned long long)records);
    xfr_free(&c->xfr);
}

static void conn_close(struct tcp_conn *c)
{
    if (c->xfr)
        xfr_finish(c, false);
    bufferevent_free(c->bev); /* closes the socket */
    c->bev = NULL;
    c->gen++;
    c->paused = false;
    c->w->n_conns--;
}

/* Queue one framed message (2-byte length + body). */
static void conn_send(struct tcp_conn *c, const uint8_t *msg, size_t len)
{
    uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add(out, hdr, 2);
    evbuffer_add(out, msg, len);
}

static void forward_query(struct tcp_conn *c, const uint8_t *q, size_t qlen)
{
    dnsd_worker_t *w = c->w;
    struct tcp_client cl = {.kind = DNSD_CLIENT_TCP,
                            .slot = (uint32_t)(c - w->conns),
                            .gen = c->gen,
                            .t0_us = clock_mono_us()};
    if (fwd_submit(w->fwd, q, qlen, true, &cl, sizeof cl) == 0) {
        DNSD_STAT_INC(&w->stats, forwarded);
        return;
    }
    size_t len = dnsd_error_reply(w, q, qlen, DNS_RCODE_SERVFAIL, true, w->tcp_out, TCP_MSG_MAX);
    if (len)
        conn_send(c, w->tcp_out, len);
}

/* Queue transfer messages until the output buffer is full or the zone is
 * done; called again from conn_drained as the client reads. */
static void xfr_pump(struct tcp_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    while (c->xfr && evbuffer_get_length(out) < TCP_OUT_HIGH) {
        size_t len = xfr_next(c->xfr, c->w->tcp_out, TCP_MSG_MAX);
        if (len == 0) {
            /* An aborted transfer just stops: the client, missing the
             * closing SOA, discards it (its own timeout ends the wait). */
            xfr_finish(c, !xfr_aborted(c->xfr));
            bufferevent_enable(c->bev, EV_READ); /* next pipelined query */
            break;
        }
        conn_send(c, c->w->tcp_out, len);
    }
}

/* AXFR/IXFR: allowTransfer decides; then stream from a held version. */
static uint16_t start_transfer(struct tcp_conn *c, size_t qlen)
{
    dnsd_worker_t *w = c->w;
    const dnsd_server_params_t *p = w->params;
    if (!dnsd_peer_allowed(&c->peer.sa, p->allow_transfer, p->n_allow_transfer)) {
        char peer[INET6_ADDRSTRLEN];
        peer_text(c, peer, sizeof peer);
        log_info("xfr: refused %s: not in allowTransfer", peer);
        return DNS_RCODE_REFUSED;
    }
    urcu_memb_read_lock();
    c->xfr = xfr_start(p->db, w->tcp_in, qlen);
    urcu_memb_read_unlock();
    if (!c->xfr)
        return DNS_RCODE_SERVFAIL;
    /* Not reading while streaming: no read timeout cuts a long transfer,
     * and pipelined queries wait their turn in the input buffer. */
    bufferevent_disable(c->bev, EV_READ);
    xfr_pump(c);
    return DNS_RCODE_NOERROR;
}

static void handle_message(struct tcp_conn *c, size_t qlen)
{
    dnsd_worker_t *w = c->w;
    answer_result_t res;
    DNSD_STAT_INC(&w->stats, tcp_queries);
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(w->params->db);
    answer_query(&w->actx, v ? v->snap : NULL, w->tcp_in, qlen, true, w->tcp_out, TCP_MSG_MAX,
                 &res);
    urcu_memb_read_unlock();
    if (res.action == ANSWER_XFR) {
        uint16_t rc = start_transfer(c, qlen);
        dnsd_stats_count(&w->stats, res.qtype, rc);
        if (rc == DNS_RCODE_NOERROR)
            return;
        res.len = dnsd_error_reply(w, w->tcp_in, qlen, rc, false, w->tcp_out, TCP_MSG_MAX);
        if (res.len)
            conn_send(c, w->tcp_out, res.len);
        return;
    }
    if (res.action == ANSWER_FORWARD) {
        if (dnsd_may_forward(w, &c->peer.sa, w->tcp_in, qlen, w->tcp_out, TCP_MSG_MAX, &res)) {
            forward_query(c, w->tcp_in, qlen);
            return;
        }
    }
    if (res.action != ANSWER_SEND) {
        DNSD_STAT_INC(&w->stats, dropped);
        return;
    }
    dnsd_stats_count(&w->stats, res.qtype, res.rcode);
    conn_send(c, w->tcp_out, res.len);
}

static void conn_readable(struct bufferevent *bev, void *arg)
{
    struct tcp_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint64_t t0 = clock_mono_us();
    uint64_t answered = 0;
    while (!c->xfr) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) > TCP_OUT_HIGH) {
            bufferevent_disable(bev, EV_READ); /* resumed by conn_drained */
            c->paused = true;
            break;
        }
        uint8_t hdr[2];
        if (evbuffer_copyout(in, hdr, 2) < 2)
            break;
        size_t len = (size_t)hdr[0] << 8 | hdr[1];
        if (len < 12) { /* not even a DNS header: the stream is garbage */
            DNSD_STAT_INC(&c->w->stats, dropped);
            conn_close(c);
            return;
        }
        if (evbuffer_get_length(in) < 2 + len)
            break;
        evbuffer_drain(in, 2);
        evbuffer_remove(in, c->w->tcp_in, len);
        handle_message(c, len);
        answered++;
    }
    if (answered)
        dnsd_stats_latency(&c->w->stats, clock_mono_us() - t0, answered);
}

static void conn_drained(struct bufferevent *bev, void *arg)
{
    struct tcp_conn *c = arg;
    if (c->xfr) {
        xfr_pump(c);
        if (c->xfr)
            return;
        conn_readable(bev, c); /* queries that arrived during the transfer */
        return;
    }
    if (c->paused) {
        c->paused = false;
        bufferevent_enable(bev, EV_READ);
        conn_readable(bev, c); /* queries may be waiting in the input buffer */
    }
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
    struct tcp_conn *c = arg;
    if (what & BEV_EVENT_TIMEOUT)
        DNSD_STAT_INC(&c->w->stats, tcp_timeouts);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        conn_close(c);
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                       void *arg)
{
    dnsd_worker_t *w = arg;
    int n = max_conns(w);
    struct tcp_conn *c = NULL;
    for (int i = 0; i < n && w->n_conns < n; i++)
        if (!w->conns[i].bev) {
            c = &w->conns[i];
            break;
        }
    struct bufferevent *bev = c ? bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
    if (!bev) {
        DNSD_STAT_INC(&w->stats, tcp_rejected);
        close(fd);
        return;
    }
    DNSD_STAT_INC(&w->stats, tcp_accepted);
    c->w = w;
    c->bev = bev;
    memset(&c->peer, 0, sizeof c->peer);
    memcpy(&c->peer, sa, (size_t)salen < sizeof c->peer ? (size_t)salen : sizeof c->peer);
    w->n_conns++;
    int ms = w->params->tcp_idle_ms > 0 ? w->params->tcp_idle_ms : TCP_IDLE_MS;
    struct timeval idle = {ms / 1000, (ms % 1000) * 1000};
    bufferevent_setcb(bev, conn_readable, conn_drained, conn_event, c);
    bufferevent_set_timeouts(bev, &idle, &idle);
    /* Resume paused reading / transfers once half the backlog is sent. */
    bufferevent_setwatermark(bev, EV_WRITE, TCP_OUT_HIGH / 2, 0);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void dnsd_tcp_forward_done(dnsd_worker_t *w, const void *client, const uint8_t *resp, size_t len)
{
    struct tcp_client cl;
    memcpy(&cl, client, sizeof cl);
    struct tcp_conn *c = &w->conns[cl.slot];
    if (!c->bev || c->gen != cl.gen) /* the client went away meanwhile */
        return;
    if (len == 0) {
        DNSD_STAT_INC(&w->stats, dropped);
        return;
    }
    if (len >= 4)
        dnsd_stats_count(&w->stats, 0, resp[3] & 0x0f);
    dnsd_stats_latency(&w->stats, clock_mono_us() - cl.t0_us, 1);
    conn_send(c, resp, len);
}

int dnsd_tcp_setup(dnsd_worker_t *w)
{
    w->conns = calloc((size_t)max_conns(w), sizeof *w->conns);
    w->tcp_in = malloc(TCP_MSG_MAX);
    w->tcp_out = malloc(TCP_MSG_MAX);
    w->tcp_lev = calloc(w->n_tcp, sizeof *w->tcp_lev);
    if (!w->conns || !w->tcp_in || !w->tcp_out || !w->tcp_lev)
        return -ENOMEM;
    for (size_t i = 0; i < w->n_tcp; i++) {
        /* backlog 0: the socket is already listening (server.c). */
        w->tcp_lev[i] = evconnlistener_new(w->base, tcp_accept, w, 0, 0, w->tcp_fds[i]);
        if (!w->tcp_lev[i])
            return -ENOMEM;
    }
    return 0;
}

void dnsd_tcp_teardown(dnsd_worker_t *w)
{
    for (size_t i = 0; w->tcp_lev && i < w->n_tcp; i++)
        if (w->tcp_lev[i])
            evconnlistener_free(w->tcp_lev[i]);
    free(w->tcp_lev);
    w->tcp_lev = NULL;
    for (int i = 0; w->conns && i < max_conns(w); i++)
        if (w->conns[i].bev)
            conn_close(&w->conns[i]);
    free(w->conns);
    w->conns = NULL;
    free(w->tcp_in);
    free(w->tcp_out);
    w->tcp_in = w->tcp_out = NULL;
}
