/* forward: asynchronous forwarding of queries for names outside the zone
 * (compat spec §2 externalon/resolvers/zoneResolvers/timeout, §7).
 *
 * An fwd_upstreams holds the upstream lists from config and their health; it
 * is shared by all workers (health is updated with atomics). Each DNS worker
 * owns one fwd_worker bound to its own libevent base: its upstream sockets,
 * a preallocated table of pending queries and their timers. Nothing is
 * allocated per query.
 *
 * Upstream choice: the zoneResolvers zone that is the longest suffix of the
 * query name wins, else `resolvers`. Upstreams are tried in order; one that
 * timed out or failed is marked dead and skipped (while another is alive)
 * until a probe or a later query finds it answering again. A query from a
 * TCP client is forwarded over TCP. When every upstream fails the client
 * gets SERVFAIL.
 *
 * Thread-safety: fwd_upstreams_* are thread-safe after creation; an
 * fwd_worker is used only by the thread running its event base. */
#ifndef MDNS_DNSD_FORWARD_H
#define MDNS_DNSD_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;

typedef struct fwd_upstreams fwd_upstreams_t;
typedef struct fwd_worker fwd_worker_t;

/* From config: resolvers (an empty list means the nameservers of
 * `resolv_conf` minus this host's own addresses; NULL = /etc/resolv.conf),
 * zoneResolvers and timeout. NULL on -ENOMEM (errors are logged). */
fwd_upstreams_t *fwd_upstreams_new(const config_t *c, const char *resolv_conf);
void fwd_upstreams_free(fwd_upstreams_t **u);
/* Number of upstreams known (0: forwarding can only SERVFAIL). */
size_t fwd_upstreams_count(const fwd_upstreams_t *u);

/* Counters for /metrics, summed over workers by the caller. */
typedef struct fwd_stats {
    uint64_t forwarded;   /* queries sent upstream (first attempt) */
    uint64_t retries;     /* further attempts on other upstreams */
    uint64_t timeouts;    /* attempts that timed out */
    uint64_t servfail;    /* queries answered SERVFAIL: every upstream failed */
    uint64_t overflow;    /* queries refused: pending table full */
} fwd_stats_t;

/* Called once per submitted query with the reply to send to the client:
 * the upstream's response with the client's id restored, or a SERVFAIL made
 * here. `client` is the caller's blob given to fwd_submit (copied there). */
typedef void (*fwd_done_fn)(void *owner, const void *client, const uint8_t *resp, size_t len);

/* `max_pending` queries in flight at most (0 = 4096). NULL on error. */
fwd_worker_t *fwd_worker_new(struct event_base *base, fwd_upstreams_t *u, size_t max_pending,
                             fwd_done_fn done, void *owner);
void fwd_worker_free(fwd_worker_t **w);

#define FWD_CLIENT_MAX 192 /* bytes of caller data kept per pending query */

/* Forward `query` (`qlen` bytes, a well-formed query whose question was
 * already parsed by the answer code). `client` (`client_len` <=
 * FWD_CLIENT_MAX bytes) is copied and handed back to `done`. Returns 0 when
 * accepted (done will be called exactly once, possibly before this returns
 * for an immediate SERVFAIL), -EAGAIN when the pending table is full (the
 * caller answers SERVFAIL itself), -EINVAL for a bad query. */
int fwd_submit(fwd_worker_t *w, const uint8_t *query, size_t qlen, bool tcp, const void *client,
               size_t client_len);

const fwd_stats_t *fwd_worker_stats(const fwd_worker_t *w);

#endif
