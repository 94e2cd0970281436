/* server: the DNS listeners and worker threads (DESIGN "Scale across cores").
 *
 * Every listen address gets, per worker, its own SO_REUSEPORT UDP socket and
 * TCP listening socket, so the kernel spreads clients over workers and no
 * two threads share a socket. Each worker runs its own libevent base:
 * recvmmsg/sendmmsg batches for UDP, pipelined TCP connections with an idle
 * timeout and a connection limit, and its own forwarder. Answers come from
 * the live zone version (zonedb, RCU) without locks or allocation.
 *
 * Lifecycle: dnsd_server_bind() creates every socket and every worker's
 * state (call it before dropping privileges; port 53 needs root),
 * dnsd_server_start() only starts the threads, dnsd_server_free() stops and
 * frees. Only the thread that created
 * the server calls these. dnsd_server_stats() may be called from any thread. */
#ifndef MDNS_DNSD_SERVER_H
#define MDNS_DNSD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "dnsd/answer.h"
#include "dnsd/forward.h"
#include "dnsd/stats.h"
#include "zone/zonedb.h"

typedef struct dnsd_server_params {
    const answer_cfg_t *answer;          /* shared by all workers, must outlive the server */
    zonedb_t *db;                        /* the published zone */
    fwd_upstreams_t *upstreams;          /* NULL: outside names can only get SERVFAIL */
    const config_net_t *allow_recursion; /* clients allowed to use forwarding */
    size_t n_allow_recursion;
    const config_net_t *allow_transfer; /* clients allowed AXFR/IXFR */
    size_t n_allow_transfer;
    const char *const *listen; /* IP literals; "0.0.0.0" = every IPv4 and IPv6 address */
    size_t n_listen;
    uint16_t port;
    int workers;       /* threads, >= 1 */
    int tcp_idle_ms;   /* close idle TCP connections after this (0 = 10 s) */
    int tcp_max_conns; /* TCP connections per worker (0 = 256) */
} dnsd_server_params_t;

typedef struct dnsd_server dnsd_server_t;

/* Create and bind every socket and prepare every worker (answer context,
 * forwarder). A port that another process holds fails with -EADDRINUSE
 * even though SO_REUSEPORT would let us share it. Returns 0, or a negative
 * errno with a message naming the address in `err`. The params (and what they point to)
 * must outlive the server. */
int dnsd_server_bind(const dnsd_server_params_t *p, dnsd_server_t **out, char *err, size_t errlen);
/* Start the worker threads. 0 or a negative errno. */
int dnsd_server_start(dnsd_server_t *s);
/* Stop the workers, close every socket, free. NULL-safe; sets *s NULL. */
void dnsd_server_free(dnsd_server_t **s);
/* Sum of every worker's counters (and forwarder counters when `fwd` is
 * not NULL) into the zeroed *sum. Thread-safe. */
void dnsd_server_stats(const dnsd_server_t *s, dnsd_stats_t *sum, fwd_stats_t *fwd);
/* The UDP port actually bound (useful when params.port is 0). */
uint16_t dnsd_server_port(const dnsd_server_t *s);

#endif
