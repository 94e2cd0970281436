/* forward: asynchronous forwarding of queries for names outside the zone
 * (compat spec §2 externalon/resolvers/zoneResolvers/timeout, §7).
 *
 * An fwd_upstreams holds the upstream lists from config and their health; it
 * is shared by all workers (health is updated with atomics). Each DNS worker
 * owns one fwd_worker bound to its own libevent base: its upstream sockets,
 * a preallocated table of pending queries and their timers. The module
 * allocates nothing per UDP query; a TCP attempt creates one libevent
 * bufferevent (libevent allocates its buffers), which is small next to the
 * cost of a TCP connection.
 *
 * Upstream choice: the zoneResolvers zone that is the longest suffix of the
 * query name (label-wise, case-insensitive) wins, else `resolvers`. Upstreams
 * are tried in list order, each at most once per query, with a `timeout`
 * (seconds, default 5) per attempt. An attempt fails on time-out, ICMP
 * unreachable (UDP) or a refused/broken connection (TCP); the upstream is
 * then dead for a backoff (1 s, doubling per further failure up to 30 s)
 * and skipped while another upstream of the list is usable; once its backoff
 * ends a single query probes it while others still skip it. Dead upstreams
 * are still tried, after the live ones, when no live one is left. Any reply
 * that matches the query (whatever its rcode) is a success, revives the
 * upstream and goes to the client unchanged except for the id (TC too: a UDP
 * client retries over TCP). A query from a TCP client is forwarded over TCP
 * (one connection per query, closed after the answer). When every upstream
 * failed the client gets SERVFAIL.
 *
 * Spoofing defence: outgoing ids come from the kernel CSPRNG (getrandom) and
 * are unique among a worker's pending queries; queries leave from one of a
 * few unconnected UDP sockets with kernel-chosen random source ports, each
 * re-opened (new port) after it has sent FWD_SOCK_ROTATE queries. A reply is
 * accepted only on the socket the query left from, from the upstream's
 * address and port, with the pending id and the same question (name
 * case-insensitive, type, class); anything else is dropped.
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

#define FWD_QUERY_MAX      512   /* longest query forwarded (real ones are < 300) */
#define FWD_CLIENT_MAX     192   /* bytes of caller data kept per pending query */
#define FWD_PENDING_MAX    32768 /* cap on max_pending (ids must stay sparse) */
#define FWD_TCP_MAX        64    /* upstream TCP connections per worker */
#define FWD_UDP_SOCKS      4     /* UDP sockets per address family per worker */
#define FWD_SOCK_ROTATE    1024  /* queries sent before a UDP socket is re-opened */
#define FWD_LIST_MAX       64    /* upstreams per list; more are ignored (warned) */
#define FWD_BACKOFF_MIN_MS 1000
#define FWD_BACKOFF_MAX_MS 30000

/* From config: resolvers, zoneResolvers, timeout, ednsMaxPayload (cap on
 * the EDNS UDP size forwarded, and the size in the OPT of SERVFAILs made
 * here; 1232 when unset). When `externalon` is false no upstream is
 * kept. An empty `resolvers` means the nameservers of `resolv_conf`
 * (NULL = /etc/resolv.conf) minus this host's own addresses, exactly as
 * documented in dnsd/resolvconf.h; none left gives zero default upstreams
 * (logged): such queries get SERVFAIL. The same address in several lists
 * is one upstream with one health record.
 * NULL on -ENOMEM (errors are logged). */
fwd_upstreams_t *fwd_upstreams_new(const config_t *c, const char *resolv_conf);
void fwd_upstreams_free(fwd_upstreams_t **u);
/* Number of distinct upstreams known (0: forwarding can only SERVFAIL). */
size_t fwd_upstreams_count(const fwd_upstreams_t *u);

/* Health of upstream `i` (< fwd_upstreams_count), for /metrics and tests. */
typedef struct fwd_upstream_info {
    char text[64];    /* "1.2.3.4:53" or "[::1]:53" */
    bool dead;        /* skipped now (backoff running or being probed) */
    uint32_t fails;   /* consecutive failed rounds (0 = healthy) */
    uint32_t dead_ms; /* remaining backoff, 0 when not dead */
} fwd_upstream_info_t;
/* 0, or -ERANGE when `i` is out of range. */
int fwd_upstreams_info(const fwd_upstreams_t *u, size_t i, fwd_upstream_info_t *out);

/* Counters for /metrics, summed over workers by the caller. */
typedef struct fwd_stats {
    uint64_t forwarded; /* queries sent upstream (first attempt) */
    uint64_t retries;   /* further attempts on other upstreams */
    uint64_t timeouts;  /* attempts that timed out */
    uint64_t servfail;  /* queries answered SERVFAIL: every upstream failed */
    uint64_t overflow;  /* queries refused: pending table or TCP slots full */
} fwd_stats_t;

/* Called once per accepted query with the reply to send to the client: the
 * upstream's response with the client's id restored, or a SERVFAIL made
 * here. `client` is the caller's blob given to fwd_submit (copied there,
 * aligned for any type); `resp` and `client` are valid during the call only.
 * `done` may call fwd_submit but must not free the worker. `len` 0 (a
 * SERVFAIL that could not be written; not expected for a query fwd_submit
 * accepted) means: send nothing. */
typedef void (*fwd_done_fn)(void *owner, const void *client, const uint8_t *resp, size_t len);

/* `max_pending` queries in flight at most (0 = 4096, capped at
 * FWD_PENDING_MAX). Opens the UDP sockets for the families the upstreams
 * use. NULL on error (logged). */
fwd_worker_t *fwd_worker_new(struct event_base *base, fwd_upstreams_t *u, size_t max_pending,
                             fwd_done_fn done, void *owner);
/* Queries still pending are dropped: their `done` is never called. Call it
 * from the worker's thread, before freeing the event base. */
void fwd_worker_free(fwd_worker_t **w);

/* Forward `query` (`qlen` bytes, a query whose question was already parsed
 * by the answer code). It goes upstream unchanged but for the id and an
 * EDNS UDP size above ednsMaxPayload, lowered to it (forwarded UDP answers
 * stay unfragmented like ours). `client` (`client_len` <= FWD_CLIENT_MAX
 * bytes) is copied and handed back to `done`. Returns 0 when accepted
 * (done will be called exactly once, possibly before this returns for an
 * immediate SERVFAIL), -EAGAIN when the pending table (or, for `tcp`, the TCP
 * connection budget) is full (the caller answers SERVFAIL itself, e.g. with
 * reply_error), -EMSGSIZE when qlen > FWD_QUERY_MAX, -EINVAL for a bad
 * query (not a QUERY with one uncompressed question). */
int fwd_submit(fwd_worker_t *w, const uint8_t *query, size_t qlen, bool tcp, const void *client,
               size_t client_len);

const fwd_stats_t *fwd_worker_stats(const fwd_worker_t *w);

#endif
