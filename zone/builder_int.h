/* builder_int: what zone/builder.c (adding records) and
 * zone/builder_finish.c (empty non-terminals, canonical order, the
 * snapshot's layout) share. Internal to zone/builder*; nothing else may
 * include it. Same thread-safety as the builder: one thread per builder. */
#ifndef MDNS_ZONE_BUILDER_INT_H
#define MDNS_ZONE_BUILDER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/dname.h"
#include "zone/builder.h"
#include "zone/snapshot.h"

#define BN_NODE 1u /* has records, or is an ancestor of a name that has */

struct bname {
    uint32_t off;    /* its bytes: nb + off (for a parent, a suffix of a child's) */
    uint32_t hash;   /* hash_bytes(seed, name) */
    uint32_t count;  /* records it owns */
    uint32_t parent; /* parent name index + 1, for nodes (finish) */
    uint32_t node;   /* canonical position + 1 (finish), 0 = not a node */
    uint32_t blk;    /* its node block: offset in the snapshot's blocks / 8 (finish) */
    uint8_t len;
    uint8_t types; /* type_bit()s of its records */
    uint8_t flags;
};

/* A record's type and rdata; what finish works with once the records are
 * grouped by owner. */
struct grec {
    uint16_t type;
    uint16_t rdlen; /* wire RDLENGTH */
    uint32_t data;  /* A: the address; SRV: target name index; others: pool offset */
    uint32_t aux;   /* SRV: index of its (priority, weight, port) in `fix` */
};

struct brec {
    uint32_t owner; /* name index */
    struct grec r;
};

#define SRV_FIXED         6u /* priority, weight, port */
#define MAX_RRSET_RECORDS UINT16_MAX

/* A finished SRV rdata blob, to store identical ones once; its records'
 * (target, fix) pairs are kept in srvkeys for the comparison. */
struct blob_slot {
    uint32_t hash;
    uint32_t count;
    size_t keys; /* first pair in srvkeys */
    const uint8_t *rdata;
    const zone_node_t *const *targets;
};

#define RECENT_NAMES 1024u

struct zone_builder {
    uint8_t apex_len;
    uint8_t dcos_len;
    uint8_t dcos[DNAME_MAXLEN];
    uint8_t apex[DNAME_MAXLEN];
    uint32_t ttl;
    uint64_t seed; /* of every hash (common/hash.h) */
    struct bname *names;
    size_t n_names, cap_names;
    uint8_t *nb; /* interned name bytes */
    size_t nb_len, cap_nb;
    uint64_t *table; /* hash << 32 | name index + 1 */
    size_t cap_table;
    struct brec *recs;
    size_t n_recs, cap_recs;
    uint8_t *pool;
    size_t pool_len, cap_pool;
    uint64_t *fix; /* distinct SRV (priority, weight, port), 6 bytes as on the wire */
    size_t n_fix, cap_fix;
    uint32_t *fix_tab; /* open addressing: fix index + 1 */
    size_t cap_fix_tab;
    uint32_t last_target, last_fix; /* one-entry caches (index + 1) */
    uint32_t recent[RECENT_NAMES];  /* name index + 1 by hash: see find_recent() */
    size_t rdata_bytes;             /* sum of 2 + RDLENGTH over the records */
    size_t n_srv;                   /* SRV records */
    size_t dropped;                 /* records over the per-RRset cap */
    size_t peak;                    /* largest zone_builder_memory() */
    size_t finish_bytes;            /* finish's tables and the snapshot */
    /* finish scratch */
    struct grec *tmp; /* one node's records, grouped by type */
    size_t cap_tmp;
    uint32_t *dedup;
    size_t cap_dedup;
    uint64_t *srvkeys; /* (fix << 32 | target) of the stored SRV blobs */
    size_t n_srvkeys, cap_srvkeys;
    struct blob_slot *blobs;
    size_t n_blobs, cap_blobs;
};

/* Accepted types, by type bit (ascending type order, so that a node's
 * RRsets come out sorted). */
#define BUILDER_N_TYPES 8u
extern const uint16_t builder_type_by_bit[BUILDER_N_TYPES];

static inline size_t pow2_at_least(size_t n)
{
    size_t c = 8;
    while (c < n)
        c <<= 1;
    return c;
}

static inline size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

/* Grow the page-backed array `*arr` of `*cap` elements of `sz` bytes so
 * that it holds at least `need` (by halves; new elements uninitialised).
 * 0 or -ENOMEM (indices stay 32-bit). */
int builder_grow(void *arr, size_t sz, size_t *cap, size_t need);
/* Free such an array; sets *arr NULL and *cap 0. */
void builder_pages_free(void *arr, size_t sz, size_t *cap);
/* Record zone_builder_memory(b) in b->peak when it is the largest yet. */
void builder_note_peak(zone_builder_t *b);
/* Index of `name` (lowercase, `len` bytes, hash `h`) in *idx, interning it
 * when new: its bytes are copied into b->nb, unless `suffix_off` (not
 * UINT32_MAX) says where in nb they already are. 0 or -ENOMEM. */
int builder_intern(zone_builder_t *b, const uint8_t *name, size_t len, uint32_t h,
                   uint32_t suffix_off, uint32_t *idx);

#endif
