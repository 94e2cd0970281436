/* worker: one DNS worker thread's state, shared by dnsd/server.c (setup,
 * threads), dnsd/udp.c (datagram batches) and dnsd/tcp.c (connections).
 * Internal to dnsd/: everything here is touched only by the worker's own
 * thread once it runs, except `stats` (read by scrapers, see stats.h). */
#ifndef MDNS_DNSD_WORKER_H
#define MDNS_DNSD_WORKER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/answer.h"
#include "dnsd/forward.h"
#include "dnsd/server.h"
#include "dnsd/stats.h"

struct event_base;
struct event;
struct evconnlistener;
struct udp_batch;
struct tcp_conn;

/* A client address of either family, small enough for a forward blob. */
typedef union dnsd_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} dnsd_sockaddr_t;

typedef struct dnsd_worker {
    int index;
    pthread_t thread;
    bool running;
    struct event_base *base;
    const dnsd_server_params_t *params;
    answer_ctx_t actx;
    fwd_worker_t *fwd;

    int *udp_fds;   /* one per listen address */
    bool *udp_wild; /* socket bound to a wildcard: reply via pktinfo */
    struct event **udp_ev;
    size_t n_udp;
    struct udp_batch *batch; /* recvmmsg/sendmmsg buffers */

    int *tcp_fds;
    struct evconnlistener **tcp_lev;
    size_t n_tcp;
    struct tcp_conn *conns; /* tcp_max_conns slots */
    int n_conns;
    uint8_t *tcp_in, *tcp_out; /* one message each, 65535 bytes */

    dnsd_stats_t stats;
} dnsd_worker_t;

/* Kinds of blobs handed to the forwarder, so its callback can route the
 * reply back to the right transport. */
enum { DNSD_CLIENT_UDP = 1, DNSD_CLIENT_TCP = 2 };

/* True when `peer` lies in one of the `n` networks (allowRecursion,
 * allowTransfer); IPv4-mapped IPv6 peers match IPv4 networks. */
bool dnsd_peer_allowed(const struct sockaddr *peer, const config_net_t *nets, size_t n);
/* The reply with `rcode` to `query` (reply.h; RA as `ra`, our OPT sized
 * ednsMaxPayload) into out; returns its length, or 0 when the query has no
 * readable question or `cap` is too small (the caller then drops it). */
size_t dnsd_error_reply(const dnsd_worker_t *w, const uint8_t *query, size_t qlen, uint16_t rcode,
                        bool ra, uint8_t *out, size_t cap);
/* For an ANSWER_FORWARD result: true when the client at `peer` may have
 * `query` forwarded (an upstream exists and allowRecursion admits it).
 * Otherwise *res becomes the reply to send instead, written to out:
 * REFUSED for a client outside allowRecursion, SERVFAIL when there is no
 * upstream at all (ANSWER_DROP when even that cannot be written). */
bool dnsd_may_forward(dnsd_worker_t *w, const struct sockaddr *peer, const uint8_t *query,
                      size_t qlen, uint8_t *out, size_t cap, answer_result_t *res);

/* udp.c */
int dnsd_udp_setup(dnsd_worker_t *w); /* events for w->udp_fds; 0 or -errno */
void dnsd_udp_teardown(dnsd_worker_t *w);
/* Forward reply for a UDP client blob. */
void dnsd_udp_forward_done(dnsd_worker_t *w, const void *client, const uint8_t *resp, size_t len);
/* tcp.c */
int dnsd_tcp_setup(dnsd_worker_t *w);
void dnsd_tcp_teardown(dnsd_worker_t *w);
void dnsd_tcp_forward_done(dnsd_worker_t *w, const void *client, const uint8_t *resp, size_t len);

#endif
