/* snapshot: one immutable, indexed, wire-ready version of the zone.
 *
 * Built aside by a zone_builder (zone/builder.h), then published through zonedb (one RCU
 * pointer swap) and read without locks by DNS workers and HTTP handlers.
 * Everything in a snapshot lives in one arena and dies with zone_snap_free().
 *
 * Names are stored lowercase in uncompressed wire form. Each RRset's rdata is
 * prebuilt in wire form (RDLENGTH + RDATA per record) so that answering is
 * memcpy. SRV records link to their target's node for ADDITIONAL. Empty
 * non-terminals exist as nodes with no RRsets, so a lookup that returns NULL
 * means NXDOMAIN and a node with n_rrsets == 0 means NODATA.
 *
 * Thread-safety: a finished snapshot is read-only; any thread may read it
 * while it is published (readers hold rcu_read_lock()). Builders are
 * single-threaded. */
#ifndef MDNS_ZONE_SNAPSHOT_H
#define MDNS_ZONE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RRTYPE_A     1
#define RRTYPE_NS    2
#define RRTYPE_CNAME 5
#define RRTYPE_SOA   6
#define RRTYPE_PTR   12
#define RRTYPE_TXT   16
#define RRTYPE_AAAA  28
#define RRTYPE_SRV   33
#define RRTYPE_OPT   41
#define RRTYPE_IXFR  251
#define RRTYPE_AXFR  252
#define RRTYPE_ANY   255

struct zone_node;

typedef struct zone_rrset {
    uint16_t type;
    uint16_t count; /* records in the set, >= 1 */
    uint32_t ttl;
    uint32_t rdata_len; /* bytes in `rdata` */
    /* count × { RDLENGTH (u16, big endian), RDATA }, exactly as on the wire,
     * in generation order. SRV targets are uncompressed (RFC 2782). */
    const uint8_t *rdata;
    /* SRV only (else NULL): count entries, the node of each record's target in
     * this snapshot, or NULL when the target is outside the zone. */
    const struct zone_node *const *targets;
} zone_rrset_t;

typedef struct zone_node {
    const uint8_t *name; /* lowercase wire, absolute */
    uint8_t name_len;
    uint8_t n_rrsets;           /* 0 = empty non-terminal */
    const zone_rrset_t *rrsets; /* sorted by type */
} zone_node_t;

typedef struct zone_snap zone_snap_t;

/* SOA and NS parameters of the apex (config keys SOAMname ... ttl). */
typedef struct zone_soa_params {
    const char *mname; /* text, trailing dot optional */
    const char *rname; /* text, '@' already turned into '.' */
    uint32_t refresh, retry, expire, minimum;
    uint32_t ttl; /* TTL of every record in the zone */
} zone_soa_params_t;

/* --- reading ----------------------------------------------------------- */

/* Node of `name` (lowercase wire, `len` bytes incl. root label), or NULL when
 * the name does not exist in the zone (NXDOMAIN if it is under the apex).
 * One hash and a short probe; no allocation, no lock. The caller lowercases
 * (an uppercase name is not found). */
const zone_node_t *zone_snap_find(const zone_snap_t *s, const uint8_t *name, size_t len);
/* RRset of `type` at `n`, or NULL. */
const zone_rrset_t *zone_node_rrset(const zone_node_t *n, uint16_t type);
/* Apex name (wire) and its node, which always holds SOA and NS. */
const uint8_t *zone_snap_apex(const zone_snap_t *s, size_t *len);
const zone_node_t *zone_snap_apex_node(const zone_snap_t *s);
uint32_t zone_snap_serial(const zone_snap_t *s);
/* DC/OS suffix "<label>.dcos.directory." in wire form, or NULL when no
 * cluster ID is configured (dcos-and-bind spec §1). */
const uint8_t *zone_snap_dcos_suffix(const zone_snap_t *s, size_t *len);
/* Every node (ENTs included) in canonical DNS order (RFC 4034 §6.1), apex
 * first: for AXFR and exports. i < zone_snap_node_count(s). */
size_t zone_snap_node_count(const zone_snap_t *s);
const zone_node_t *zone_snap_node(const zone_snap_t *s, size_t i);
/* Number of records (not RRsets), SOA and NS included. */
size_t zone_snap_record_count(const zone_snap_t *s);
/* Bytes the snapshot holds (its arena, index included), for metrics and
 * benchmarks. */
size_t zone_snap_memory(const zone_snap_t *s);
/* Bytes its builder held at its peak (zone_builder_memory(), the finished
 * snapshot included): for metrics and benchmarks. */
size_t zone_snap_build_peak(const zone_snap_t *s);
/* True when both hold the same records (serials are not compared): same
 * nodes, same RRsets with the same TTLs, and the same DC/OS suffix. An
 * RRset is a set: the same records in another order are the same content. */
bool zone_snap_same_content(const zone_snap_t *a, const zone_snap_t *b);
/* Set the SOA serial (patches the prebuilt SOA rdata). Only before the
 * snapshot is published. */
void zone_snap_set_serial(zone_snap_t *s, uint32_t serial);
/* Free a snapshot; sets *s to NULL. NULL-safe. Never call on a published
 * snapshot: zonedb frees those after the RCU grace period. */
void zone_snap_free(zone_snap_t **s);

/* --- layout ------------------------------------------------------------
 * Only zone/builder*.c make snapshots, and lays them out itself; everyone
 * else reads them through the functions above. */

/* Index slot: the name's hash and where its node block is, so that a
 * lookup reads the slot and the block (node, name, RRsets) and nothing
 * else. */
typedef struct zone_snap_slot {
    uint32_t hash;  /* hash_bytes(seed, name) (common/hash.h) */
    uint32_t block; /* offset in `blocks` / 8, + 1; 0 = empty slot */
} zone_snap_slot_t;

struct arena;

struct zone_snap {
    struct arena *arena;       /* owns everything, this struct included */
    const zone_node_t **nodes; /* canonical order */
    size_t n_nodes;
    const uint8_t *blocks;   /* node blocks (node, name, RRset array), canonical order */
    zone_snap_slot_t *index; /* open addressing, mask + 1 slots, load <= 1/2 */
    uint32_t mask;
    uint64_t seed; /* of the index's hash */
    size_t n_records;
    uint32_t serial;
    uint8_t *soa_serial; /* the 4 serial bytes inside the SOA rdata */
    const uint8_t *dcos;
    size_t dcos_len;
    size_t build_peak; /* the builder's zone_builder_memory() at its peak */
};

#endif
