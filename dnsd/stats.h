/* stats: per-worker DNS counters for /metrics.
 *
 * Each worker owns one dnsd_stats_t and is its only writer; increments are
 * relaxed atomic stores (plain moves on x86-64), so a scraper in another
 * thread reads whole values without locks or contended cache lines. The
 * scraper sums workers with dnsd_stats_add(). */
#ifndef MDNS_DNSD_STATS_H
#define MDNS_DNSD_STATS_H

#include <stdint.h>

#include "common/buf.h"
#include "dnsd/forward.h"

/* Query types counted separately; everything else lands in "other". */
enum dnsd_qtype_slot {
    QT_A = 0,
    QT_NS,
    QT_SOA,
    QT_PTR,
    QT_TXT,
    QT_AAAA,
    QT_SRV,
    QT_AXFR,
    QT_IXFR,
    QT_ANY,
    QT_OTHER,
    QT_SLOTS
};
/* Response codes counted: 0-5 as themselves, BADVERS, everything else. */
enum dnsd_rcode_slot { RC_BADVERS = 6, RC_OTHER, RC_SLOTS };

/* Upper bounds of the latency histogram buckets, in microseconds; the last
 * bucket (+Inf) is implicit. */
#define DNSD_LAT_BUCKETS 12
extern const uint32_t dnsd_lat_bounds_us[DNSD_LAT_BUCKETS];

typedef struct dnsd_stats {
    uint64_t udp_queries, tcp_queries;
    uint64_t qtype[QT_SLOTS];
    uint64_t rcode[RC_SLOTS];
    uint64_t dropped;           /* malformed beyond answering, or responses */
    uint64_t truncated;         /* answers cut (TC set or not) */
    uint64_t forwarded;         /* handed to the forwarder */
    uint64_t recursion_refused; /* outside name from a client not in allowRecursion */
    uint64_t tcp_accepted, tcp_rejected, tcp_timeouts;
    uint64_t lat_count, lat_sum_us;
    uint64_t lat_bucket[DNSD_LAT_BUCKETS + 1];
} __attribute__((aligned(64))) dnsd_stats_t;

/* Single-writer increment: a relaxed atomic load+store, no lock prefix. */
#define DNSD_STAT_ADD(s, field, n)                                                                 \
    __atomic_store_n(&(s)->field, __atomic_load_n(&(s)->field, __ATOMIC_RELAXED) + (n),            \
                     __ATOMIC_RELAXED)
#define DNSD_STAT_INC(s, field) DNSD_STAT_ADD(s, field, 1)

/* Count one answered query of `qtype` with extended `rcode`. */
void dnsd_stats_count(dnsd_stats_t *s, uint16_t qtype, uint16_t rcode);
/* Record `n` answers that each took `us` microseconds. */
void dnsd_stats_latency(dnsd_stats_t *s, uint64_t us, uint64_t n);
/* dst += src, field by field (src read with relaxed atomic loads). */
void dnsd_stats_add(dnsd_stats_t *dst, const dnsd_stats_t *src);
/* Append the counters as Prometheus text exposition (mesosdnsd_dns_* and
 * mesosdnsd_upstream_*); `fwd` may be NULL (no forwarding). */
void dnsd_stats_prometheus(const dnsd_stats_t *s, const fwd_stats_t *fwd, buf_t *out);

#endif
