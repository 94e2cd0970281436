/* udp: datagram batches with recvmmsg/sendmmsg, one batch per wakeup. */
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <urcu/urcu-memb.h>

#include "common/clock.h"
#include "common/log.h"
#include "dnsd/worker.h"

#define UDP_BATCH  32
#define UDP_QMAX   4096 /* a longer query is dropped (MSG_TRUNC) */
#define UDP_RMAX   4096 /* ednsMaxPayload never exceeds this */
#define UDP_ROUNDS 8    /* batches per wakeup before yielding to other events */
#define UDP_AGAIN                                                                                  \
    4                 /* a batch at least this big: read again at once, not via                    \
                         epoll_wait (more queries have most likely arrived) */
#define CMSG_BYTES 64 /* one IP_PKTINFO or IPV6_PKTINFO */

struct udp_batch {
    struct mmsghdr in[UDP_BATCH];
    struct iovec iov_in[UDP_BATCH];
    dnsd_sockaddr_t peer[UDP_BATCH];
    uint8_t cmsg_in[UDP_BATCH][CMSG_BYTES] __attribute__((aligned(8)));
    struct mmsghdr out[UDP_BATCH];
    struct iovec iov_out[UDP_BATCH];
    uint8_t cmsg_out[UDP_BATCH][CMSG_BYTES] __attribute__((aligned(8)));
    uint8_t q[UDP_BATCH][UDP_QMAX];
    uint8_t r[UDP_BATCH][UDP_RMAX];
};

/* A UDP client waiting for a forwarded answer (the forwarder copies it). */
struct udp_client {
    uint8_t kind; /* DNSD_CLIENT_UDP */
    uint8_t cmsg_len;
    int fd;
    socklen_t plen;
    dnsd_sockaddr_t peer;
    uint64_t t0_us;
    uint8_t cmsg[CMSG_BYTES] __attribute__((aligned(8)));
};
_Static_assert(sizeof(struct udp_client) <= FWD_CLIENT_MAX, "udp client blob too big");

/* Turn the destination address a query arrived on into the control
 * message that makes the reply leave from that same address. */
static size_t reply_cmsg(const struct msghdr *in, uint8_t *out)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c; c = CMSG_NXTHDR((struct msghdr *)in, c)) {
        struct msghdr m = {.msg_control = out, .msg_controllen = CMSG_BYTES};
        struct cmsghdr *o = CMSG_FIRSTHDR(&m);
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            pi.ipi_spec_dst = pi.ipi_addr;
            pi.ipi_addr.s_addr = 0;
            pi.ipi_ifindex = 0; /* let routing pick the interface */
            o->cmsg_level = IPPROTO_IP;
            o->cmsg_type = IP_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof pi);
            memcpy(CMSG_DATA(o), &pi, sizeof pi);
            return CMSG_SPACE(sizeof pi);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            /* Keep the interface index: link-local sources need it. */
            o->cmsg_level = IPPROTO_IPV6;
            o->cmsg_type = IPV6_PKTINFO;
            o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
            memcpy(CMSG_DATA(o), CMSG_DATA(c), sizeof(struct in6_pktinfo));
            return CMSG_SPACE(sizeof(struct in6_pktinfo));
        }
    }
    return 0;
}

static bool is_wild(const dnsd_worker_t *w, int fd)
{
    for (size_t i = 0; i < w->n_udp; i++)
        if (w->udp_fds[i] == fd)
            return w->udp_wild[i];
    return false;
}

static void prepare_recv(struct udp_batch *b, bool wild)
{
    for (int i = 0; i < UDP_BATCH; i++) {
        struct msghdr *h = &b->in[i].msg_hdr;
        b->iov_in[i].iov_base = b->q[i];
        b->iov_in[i].iov_len = UDP_QMAX;
        h->msg_iov = &b->iov_in[i];
        h->msg_iovlen = 1;
        h->msg_name = &b->peer[i];
        h->msg_namelen = sizeof b->peer[i];
        h->msg_control = wild ? b->cmsg_in[i] : NULL;
        h->msg_controllen = wild ? CMSG_BYTES : 0;
        h->msg_flags = 0;
    }
}

/* Queue reply r[slot] (`len` bytes) to the sender of in[i]. */
static void queue_reply(struct udp_batch *b, int i, int slot, size_t len, bool wild)
{
    struct msghdr *h = &b->out[slot].msg_hdr;
    const struct msghdr *in = &b->in[i].msg_hdr;
    b->iov_out[slot].iov_base = b->r[slot];
    b->iov_out[slot].iov_len = len;
    h->msg_iov = &b->iov_out[slot];
    h->msg_iovlen = 1;
    h->msg_name = &b->peer[i];
    h->msg_namelen = in->msg_namelen;
    size_t cl = wild ? reply_cmsg(in, b->cmsg_out[slot]) : 0;
    h->msg_control = cl ? b->cmsg_out[slot] : NULL;
    h->msg_controllen = cl;
    h->msg_flags = 0;
}

static void udp_forward(dnsd_worker_t *w, int fd, const dnsd_sockaddr_t *peer, socklen_t plen,
                        const uint8_t *cmsg, size_t cmsg_len, const uint8_t *q, size_t qlen)
{
    struct udp_client c = {.kind = DNSD_CLIENT_UDP, .fd = fd, .plen = plen};
    c.peer = *peer;
    c.cmsg_len = (uint8_t)cmsg_len;
    if (cmsg_len)
        memcpy(c.cmsg, cmsg, cmsg_len);
    c.t0_us = clock_mono_us();
    int rc = fwd_submit(w->fwd, q, qlen, false, &c, sizeof c);
    if (rc == 0) {
        DNSD_STAT_INC(&w->stats, forwarded);
        return;
    }
    uint8_t r[512];
    size_t len = dnsd_error_reply(w, q, qlen, DNS_RCODE_SERVFAIL, true, r, sizeof r);
    if (len)
        dnsd_udp_forward_done(w, &c, r, len);
}

void dnsd_udp_forward_done(dnsd_worker_t *w, const void *client, const uint8_t *resp, size_t len)
{
    struct udp_client c;
    memcpy(&c, client, sizeof c); /* the blob is not necessarily aligned */
    if (len == 0) {
        DNSD_STAT_INC(&w->stats, dropped);
        return;
    }
    struct iovec iov = {.iov_base = (void *)resp, .iov_len = len};
    struct msghdr h = {.msg_name = &c.peer,
                       .msg_namelen = c.plen,
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = c.cmsg_len ? c.cmsg : NULL,
                       .msg_controllen = c.cmsg_len};
    if (sendmsg(c.fd, &h, MSG_DONTWAIT) < 0)
        DNSD_STAT_INC(&w->stats, dropped);
    if (len >= 4)
        dnsd_stats_count(&w->stats, 0, resp[3] & 0x0f);
    dnsd_stats_latency(&w->stats, clock_mono_us() - c.t0_us, 1);
}

/* Answer query i; returns the number of replies queued (0 or 1). */
static int handle_one(dnsd_worker_t *w, int fd, bool wild, int i, int slot, const zone_snap_t *snap)
{
    struct udp_batch *b = w->batch;
    const struct msghdr *in = &b->in[i].msg_hdr;
    size_t qlen = b->in[i].msg_len;
    DNSD_STAT_INC(&w->stats, udp_queries);
    if (in->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        DNSD_STAT_INC(&w->stats, dropped);
        return 0;
    }
    answer_result_t res;
    answer_query(&w->actx, snap, b->q[i], qlen, false, b->r[slot], UDP_RMAX, &res);
    if (res.action == ANSWER_FORWARD) {
        if (dnsd_may_forward(w, &b->peer[i].sa, b->q[i], qlen, b->r[slot], UDP_RMAX, &res)) {
            uint8_t cm[CMSG_BYTES] __attribute__((aligned(8)));
            size_t cl = wild ? reply_cmsg(in, cm) : 0;
            udp_forward(w, fd, &b->peer[i], in->msg_namelen, cm, cl, b->q[i], qlen);
            return 0;
        }
    }
    if (res.action != ANSWER_SEND) {
        DNSD_STAT_INC(&w->stats, dropped);
        return 0;
    }
    dnsd_stats_count(&w->stats, res.qtype, res.rcode);
    if (res.truncated)
        DNSD_STAT_INC(&w->stats, truncated);
    queue_reply(b, i, slot, res.len, wild);
    return 1;
}

static void send_batch(dnsd_worker_t *w, int fd, int n)
{
    struct mmsghdr *out = w->batch->out;
    int done = 0;
    while (done < n) {
        int sent = sendmmsg(fd, out + done, (unsigned)(n - done), MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                DNSD_STAT_ADD(&w->stats, dropped, (uint64_t)(n - done));
                return;
            }
            sent = 0; /* this message failed (e.g. unreachable peer): skip it */
            DNSD_STAT_INC(&w->stats, dropped);
            done++;
        }
        done += sent;
    }
}

static void udp_readable(evutil_socket_t fd, short what, void *arg)
{
    dnsd_worker_t *w = arg;
    bool wild = is_wild(w, fd);
    for (int round = 0; round < UDP_ROUNDS; round++) {
        prepare_recv(w->batch, wild);
        int n = recvmmsg(fd, w->batch->in, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        uint64_t t0 = clock_mono_us();
        int nout = 0;
        urcu_memb_read_lock();
        const zone_version_t *v = zonedb_current(w->params->db);
        const zone_snap_t *snap = v ? v->snap : NULL;
        for (int i = 0; i < n; i++)
            nout += handle_one(w, fd, wild, i, nout, snap);
        urcu_memb_read_unlock();
        if (nout)
            send_batch(w, fd, nout);
        dnsd_stats_latency(&w->stats, clock_mono_us() - t0, (uint64_t)nout);
        if (n < UDP_AGAIN)
            return;
    }
}

int dnsd_udp_setup(dnsd_worker_t *w)
{
    w->batch = calloc(1, sizeof *w->batch);
    w->udp_ev = calloc(w->n_udp, sizeof *w->udp_ev);
    if (!w->batch || !w->udp_ev)
        return -ENOMEM;
    for (size_t i = 0; i < w->n_udp; i++) {
        w->udp_ev[i] = event_new(w->base, w->udp_fds[i], EV_READ | EV_PERSIST, udp_readable, w);
        if (!w->udp_ev[i] || event_add(w->udp_ev[i], NULL) != 0)
            return -ENOMEM;
    }
    return 0;
}

void dnsd_udp_teardown(dnsd_worker_t *w)
{
    for (size_t i = 0; w->udp_ev && i < w->n_udp; i++)
        if (w->udp_ev[i])
            event_free(w->udp_ev[i]);
    free(w->udp_ev);
    w->udp_ev = NULL;
    free(w->batch);
    w->batch = NULL;
}
