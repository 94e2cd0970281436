/* builder: the zone builder (zone/builder.h) and the snapshot it lays out
 * (struct zone_snap, zone/snapshot.h).
 *
 * A 100k-task cluster makes ~1M records; the builder's tables and the
 * snapshot are tens of megabytes made anew on every change. They live in
 * page-backed buffers (arena_pages_*, arena_new_pages: mapped, huge pages
 * advised): filling them costs few page faults, reading them few TLB
 * entries, and freeing them gives the memory back to the system at once.
 *
 * Builder (add):
 *  - owner and SRV target names are lowercased and hashed in one pass, 8
 *    bytes at a time, and interned once in one byte buffer; an
 *    open-addressing table of (hash, index) finds them;
 *  - each record is 16 bytes in one array, in generation order: owner,
 *    type, length, and its rdata: an A address, an SRV's target name index
 *    and the index of its (priority, weight, port) among the few distinct
 *    ones, or an offset in a byte pool (other types). Each name counts its
 *    records and notes their types.
 * Finish:
 *  - parents of every owner are interned (suffixes of the child's bytes,
 *    nothing copied): empty non-terminals become nodes;
 *  - the name tree is walked depth first with siblings sorted by label,
 *    which is exactly the canonical order of RFC 4034 §6.1;
 *  - the snapshot is one arena: node blocks in canonical order (node,
 *    name, RRset array: their sizes are known before any is written, so
 *    SRV targets can point at later ones), then the rdata in the same
 *    order. The blocks are written walking the names in interning order
 *    (reads in order, writes scattered: cheaper than the other way round);
 *  - one stable counting sort groups the records by owner, in canonical
 *    order (generation order within an owner); the rdata is then written
 *    front to back. Per node, records are grouped by type, repeats dropped
 *    (first kept) and rdata written in wire form; identical SRV rdata (the
 *    _tcp/_udp and .slave twins of Mesos-DNS) is stored once;
 *  - the index is an open-addressing table of (hash, block offset), 8
 *    bytes a slot: a lookup reads one slot and one node block. It is
 *    filled in slot order (entries bucketed by slot first), not at random.
 * Walking the snapshot in canonical order (AXFR, exports, the content
 * comparison of every rebuild) thus reads memory front to back. */
#include "zone/builder.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/arena.h"
#include "common/dname.h"
#include "common/hash.h"
#include "common/log.h"

/* Task names come from cluster users: a per-process random seed keeps them
 * from choosing names that collide in the index. Set once, before the
 * first builder exists; read-only afterwards. */
static uint64_t process_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    uint64_t s;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s)
        s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&s;
    process_seed = s;
}

/* Length of the wire name at `in` (at most `max` bytes), or -EINVAL: a
 * label over 63 octets or no root label within max. Reads nothing past
 * the root label. */
static int wire_len(const uint8_t *in, size_t max)
{
    size_t pos = 0;
    if (max > DNAME_MAXLEN)
        max = DNAME_MAXLEN;
    for (;;) {
        if (pos >= max)
            return -EINVAL;
        uint8_t l = in[pos];
        if (l > DNAME_MAXLABEL || pos + 1u + l > max)
            return -EINVAL;
        pos += 1u + l;
        if (l == 0)
            return (int)pos;
    }
}

/* Length of the wire name `in` when it is valid and at or below the apex
 * (its last `apex_len` bytes start a label and equal `apex`, compared
 * case-insensitively as the name is lowercased later), else -EINVAL.
 * One walk over the labels; reads nothing past the root label. */
static int owner_len(const uint8_t *in, const uint8_t *apex, size_t apex_len)
{
    uint64_t starts[4] = {0, 0, 0, 0}; /* label starts, one bit per offset */
    size_t pos = 0;
    for (;;) {
        if (pos >= DNAME_MAXLEN)
            return -EINVAL;
        uint8_t l = in[pos];
        if (l > DNAME_MAXLABEL || pos + 1u + l > DNAME_MAXLEN)
            return -EINVAL;
        starts[pos >> 6] |= 1ULL << (pos & 63);
        pos += 1u + l;
        if (l == 0)
            break;
    }
    if (pos < apex_len)
        return -EINVAL;
    size_t cut = pos - apex_len;
    if (!(starts[cut >> 6] >> (cut & 63) & 1))
        return -EINVAL;
    for (size_t i = 0; i < apex_len; i++) { /* apex is lowercase already */
        uint8_t c = in[cut + i];
        if ((uint8_t)((unsigned)c - 'A' < 26u ? c + 32 : c) != apex[i])
            return -EINVAL;
    }
    return (int)pos;
}

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static size_t pow2_at_least(size_t n)
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

/* Grow the page-backed array `*arr` of `*cap` elements of `sz` bytes to
 * exactly `ncap` elements (indices stay 32-bit). New elements are
 * uninitialised. */
static int resize(void *arr, size_t sz, size_t *cap, size_t ncap)
{
    if (ncap > UINT32_MAX / 2)
        return -ENOMEM;
    void *p = arena_pages_realloc(*(void **)arr, *cap * sz, ncap * sz);
    if (!p)
        return -ENOMEM;
    *(void **)arr = p;
    *cap = ncap;
    return 0;
}

/* Grow `*arr` (see resize) so that it holds at least `need`, by halves. */
static int grow(void *arr, size_t sz, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap += ncap / 2;
    return resize(arr, sz, cap, ncap);
}

static void pages_free(void *arr, size_t sz, size_t *cap)
{
    arena_pages_free(*(void **)arr, *cap * sz);
    *(void **)arr = NULL;
    *cap = 0;
}

/* ---- add ---------------------------------------------------------------- */

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

size_t zone_builder_memory(const zone_builder_t *b)
{
    if (!b)
        return 0;
    return b->cap_names * sizeof *b->names + b->cap_nb + b->cap_table * sizeof *b->table +
           b->cap_recs * sizeof *b->recs + b->cap_pool + b->finish_bytes +
           b->cap_fix * sizeof *b->fix + b->cap_fix_tab * sizeof *b->fix_tab +
           b->cap_tmp * sizeof *b->tmp + b->cap_dedup * sizeof *b->dedup +
           b->cap_srvkeys * sizeof *b->srvkeys + b->cap_blobs * sizeof *b->blobs;
}

static void note_peak(zone_builder_t *b)
{
    size_t m = zone_builder_memory(b);
    if (m > b->peak)
        b->peak = m;
}

/* Accepted types in ascending order: a node's RRsets come out sorted. */
static const uint16_t type_by_bit[] = {RRTYPE_A,   RRTYPE_NS,  RRTYPE_CNAME, RRTYPE_SOA,
                                       RRTYPE_PTR, RRTYPE_TXT, RRTYPE_AAAA,  RRTYPE_SRV};
#define N_TYPES 8u

static unsigned type_bit(uint16_t type)
{
    switch (type) {
    case RRTYPE_A:
        return 0;
    case RRTYPE_NS:
        return 1;
    case RRTYPE_CNAME:
        return 2;
    case RRTYPE_SOA:
        return 3;
    case RRTYPE_PTR:
        return 4;
    case RRTYPE_TXT:
        return 5;
    case RRTYPE_AAAA:
        return 6;
    default:
        return 7; /* SRV: add() accepts nothing else */
    }
}

static int table_resize(zone_builder_t *b, size_t ncap)
{
    if (ncap > (size_t)UINT32_MAX)
        return -ENOMEM;
    uint64_t *t = arena_pages_alloc(ncap * sizeof *t);
    if (!t)
        return -ENOMEM;
    size_t mask = ncap - 1;
    for (size_t i = 0; i < b->cap_table; i++) {
        uint64_t s = b->table[i];
        if (!s)
            continue;
        size_t j = (uint32_t)(s >> 32) & mask;
        while (t[j])
            j = (j + 1) & mask;
        t[j] = s;
    }
    pages_free(&b->table, sizeof *b->table, &b->cap_table);
    b->table = t;
    b->cap_table = ncap;
    note_peak(b);
    return 0;
}

/* Index of `name` (lowercase, `len` bytes, hash `h`), interning it when
 * new: its bytes are copied into nb, unless `suffix_off` (not UINT32_MAX)
 * says where in nb they already are. */
static int intern(zone_builder_t *b, const uint8_t *name, size_t len, uint32_t h,
                  uint32_t suffix_off, uint32_t *idx)
{
    size_t mask = b->cap_table - 1, i = h & mask;
    for (;; i = (i + 1) & mask) {
        uint64_t s = b->table[i];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) == h) {
            const struct bname *bn = &b->names[(uint32_t)s - 1];
            if (bn->len == len && hash_eq(b->nb + bn->off, name, len)) {
                *idx = (uint32_t)s - 1;
                return 0;
            }
        }
    }
    if (grow(&b->names, sizeof *b->names, &b->cap_names, b->n_names + 1) < 0)
        return -ENOMEM;
    uint32_t off = suffix_off;
    if (off == UINT32_MAX) {
        if (grow(&b->nb, 1, &b->cap_nb, b->nb_len + len) < 0)
            return -ENOMEM;
        memcpy(b->nb + b->nb_len, name, len);
        off = (uint32_t)b->nb_len;
        b->nb_len += len;
    }
    b->names[b->n_names] = (struct bname){.off = off, .hash = h, .len = (uint8_t)len};
    *idx = (uint32_t)b->n_names++;
    b->table[i] = (uint64_t)h << 32 | (*idx + 1);
    if (b->n_names * 2 > b->cap_table)
        return table_resize(b, b->cap_table * 2);
    return 0;
}

/* A small direct-mapped cache of recently interned names, in front of
 * the big table (whose every probe is a cache miss at this size): the
 * generator names an app's SRV owners, its A names and its SRV targets
 * again and again within a few records. Returns the index or UINT32_MAX. */
static uint32_t find_recent(const zone_builder_t *b, const uint8_t *name, size_t len, uint32_t h)
{
    uint32_t r = b->recent[(h >> 16) & (RECENT_NAMES - 1)];
    if (!r)
        return UINT32_MAX;
    const struct bname *bn = &b->names[r - 1];
    if (bn->hash == h && bn->len == len && hash_eq(b->nb + bn->off, name, len))
        return r - 1;
    return UINT32_MAX;
}

/* Intern (through the recent cache; `known` is find_recent's answer when
 * the caller asked already). */
static int intern_recent(zone_builder_t *b, const uint8_t *name, size_t len, uint32_t h,
                         uint32_t known, uint32_t *idx)
{
    if (known != UINT32_MAX) {
        *idx = known;
        return 0;
    }
    int rc = intern(b, name, len, h, UINT32_MAX, idx);
    if (rc == 0)
        b->recent[(h >> 16) & (RECENT_NAMES - 1)] = *idx + 1;
    return rc;
}

static int pool_put(zone_builder_t *b, const void *p, size_t n, uint32_t *off)
{
    if (grow(&b->pool, 1, &b->cap_pool, b->pool_len + n) < 0)
        return -ENOMEM;
    memcpy(b->pool + b->pool_len, p, n);
    *off = (uint32_t)b->pool_len;
    b->pool_len += n;
    return 0;
}

static int rec_append(zone_builder_t *b, uint32_t owner, uint16_t type, uint16_t rdlen,
                      uint32_t data, uint32_t aux)
{
    if (b->n_recs == b->cap_recs) {
        if (grow(&b->recs, sizeof *b->recs, &b->cap_recs, b->n_recs + 1) < 0)
            return -ENOMEM;
        note_peak(b);
    }
    b->recs[b->n_recs++] = (struct brec){owner, {type, rdlen, data, aux}};
    struct bname *bn = &b->names[owner];
    bn->count++;
    bn->types |= (uint8_t)(1u << type_bit(type));
    b->rdata_bytes += 2u + rdlen;
    b->n_srv += type == RRTYPE_SRV;
    return 0;
}

/* Character-strings that exactly fill the rdata (RFC 1035 §3.3.14). */
static bool txt_valid(const uint8_t *rd, size_t len)
{
    size_t pos = 0;
    while (pos < len)
        pos += 1u + rd[pos];
    return len > 0 && pos == len;
}

static int fix_rehash(zone_builder_t *b)
{
    size_t cap = b->cap_fix_tab ? b->cap_fix_tab * 2 : 64;
    uint32_t *t = arena_pages_alloc(cap * sizeof *t);
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; i < b->n_fix; i++) {
        size_t j = hash_mix64(b->fix[i]) & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = (uint32_t)i + 1;
    }
    pages_free(&b->fix_tab, sizeof *b->fix_tab, &b->cap_fix_tab);
    b->fix_tab = t;
    b->cap_fix_tab = cap;
    return 0;
}

/* Index of an SRV's (priority, weight, port) `rd` among the distinct ones
 * (a cluster has about as many as it has ports): with it and its target's
 * name index, an SRV record carries its whole rdata in its 16 bytes. */
static int fix_intern(zone_builder_t *b, const uint8_t *rd, uint32_t *idx)
{
    uint64_t key = 0;
    memcpy(&key, rd, SRV_FIXED);
    if (b->last_fix && b->fix[b->last_fix - 1] == key) {
        *idx = b->last_fix - 1;
        return 0;
    }
    if ((b->n_fix + 1) * 2 > b->cap_fix_tab && fix_rehash(b) < 0)
        return -ENOMEM;
    size_t mask = b->cap_fix_tab - 1, j = hash_mix64(key) & mask;
    for (; b->fix_tab[j]; j = (j + 1) & mask)
        if (b->fix[b->fix_tab[j] - 1] == key)
            break;
    if (!b->fix_tab[j]) {
        if (grow(&b->fix, sizeof *b->fix, &b->cap_fix, b->n_fix + 1) < 0)
            return -ENOMEM;
        b->fix[b->n_fix++] = key;
        b->fix_tab[j] = (uint32_t)b->n_fix;
    }
    b->last_fix = b->fix_tab[j];
    *idx = b->last_fix - 1;
    return 0;
}

/* Validate `rdata` for `type` and store its payload; *data and *aux
 * receive the brec payload. NS is only accepted at the apex (no
 * delegations here). */
static int encode_rdata(zone_builder_t *b, bool at_apex, uint16_t type, const uint8_t *rd,
                        uint16_t rdlen, uint32_t *data, uint32_t *aux)
{
    uint8_t buf[DNAME_MAXLEN];
    switch (type) {
    case RRTYPE_A:
        if (rdlen != 4)
            return -EINVAL;
        memcpy(data, rd, 4);
        return 0;
    case RRTYPE_AAAA:
        return rdlen == 16 ? pool_put(b, rd, 16, data) : -EINVAL;
    case RRTYPE_TXT:
        return txt_valid(rd, rdlen) ? pool_put(b, rd, rdlen, data) : -EINVAL;
    case RRTYPE_NS:
        if (!at_apex)
            return -EINVAL;
        /* fall through */
    case RRTYPE_CNAME:
    case RRTYPE_PTR:
        if (rdlen == 0 || wire_len(rd, rdlen) != rdlen)
            return -EINVAL;
        hash_lower(b->seed, rd, rdlen, buf);
        return pool_put(b, buf, rdlen, data);
    case RRTYPE_SRV: {
        if (rdlen <= SRV_FIXED ||
            wire_len(rd + SRV_FIXED, rdlen - SRV_FIXED) != rdlen - (int)SRV_FIXED)
            return -EINVAL;
        /* The SRVs of one port come in a row with the same target, as the
         * generator writes it (lowercase): compare the raw bytes first. */
        size_t tl = rdlen - SRV_FIXED;
        const struct bname *last = b->last_target ? &b->names[b->last_target - 1] : NULL;
        if (last && last->len == tl && hash_eq(b->nb + last->off, rd + SRV_FIXED, tl)) {
            *data = b->last_target - 1;
        } else {
            uint32_t h = hash_lower(b->seed, rd + SRV_FIXED, tl, buf);
            if (intern_recent(b, buf, tl, h, find_recent(b, buf, tl, h), data) < 0)
                return -ENOMEM;
            b->last_target = *data + 1;
        }
        return fix_intern(b, rd, aux) < 0 ? -ENOMEM : 0;
    }
    default:
        return -EINVAL;
    }
}

int zone_builder_add(zone_builder_t *b, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
                     uint16_t rdlen)
{
    if (!b || !owner || (!rdata && rdlen))
        return -EINVAL;
    uint8_t name[DNAME_MAXLEN];
    int nl = owner_len(owner, b->apex, b->apex_len);
    if (nl < 0)
        return -EINVAL;
    uint32_t h = hash_lower(b->seed, owner, (size_t)nl, name);
    uint32_t oi = find_recent(b, name, (size_t)nl, h), data = 0, aux = 0;
    if (oi == UINT32_MAX) /* a new name, most likely: its table slot is a cache miss */
        __builtin_prefetch(&b->table[h & (b->cap_table - 1)], 1);
    /* rdata first: a rejected record leaves no trace in the snapshot. */
    int rc = encode_rdata(b, nl == b->apex_len, type, rdata, rdlen, &data, &aux);
    if (rc < 0)
        return rc;
    if (intern_recent(b, name, (size_t)nl, h, oi, &oi) < 0)
        return -ENOMEM;
    return rec_append(b, oi, type, rdlen, data, aux);
}

void zone_builder_free(zone_builder_t **pb)
{
    if (!pb || !*pb)
        return;
    zone_builder_t *b = *pb;
    pages_free(&b->names, sizeof *b->names, &b->cap_names);
    pages_free(&b->nb, 1, &b->cap_nb);
    pages_free(&b->table, sizeof *b->table, &b->cap_table);
    pages_free(&b->recs, sizeof *b->recs, &b->cap_recs);
    pages_free(&b->pool, 1, &b->cap_pool);
    pages_free(&b->fix, sizeof *b->fix, &b->cap_fix);
    pages_free(&b->fix_tab, sizeof *b->fix_tab, &b->cap_fix_tab);
    pages_free(&b->tmp, sizeof *b->tmp, &b->cap_tmp);
    pages_free(&b->dedup, sizeof *b->dedup, &b->cap_dedup);
    pages_free(&b->srvkeys, sizeof *b->srvkeys, &b->cap_srvkeys);
    pages_free(&b->blobs, sizeof *b->blobs, &b->cap_blobs);
    free(b);
    *pb = NULL;
}

/* The apex SOA (serial 0 until zone_snap_set_serial) and NS → mname. They
 * go first in the apex's records, so they lead their RRsets. */
static int add_apex_records(zone_builder_t *b, const zone_soa_params_t *soa)
{
    uint8_t mname[DNAME_MAXLEN], rname[DNAME_MAXLEN], rd[2 * DNAME_MAXLEN + 20];
    int ml = soa->mname ? dname_from_text(soa->mname, mname) : -EINVAL;
    int rl = soa->rname ? dname_from_text(soa->rname, rname) : -EINVAL;
    if (ml < 0 || rl < 0)
        return -EINVAL;
    dname_lower(mname);
    uint32_t off;
    memcpy(rd, mname, (size_t)ml);
    memcpy(rd + ml, rname, (size_t)rl);
    uint8_t *t = rd + ml + rl;
    put32(t, 0);
    put32(t + 4, soa->refresh);
    put32(t + 8, soa->retry);
    put32(t + 12, soa->expire);
    put32(t + 16, soa->minimum);
    uint16_t len = (uint16_t)(ml + rl + 20);
    if (pool_put(b, rd, len, &off) < 0 || rec_append(b, 0, RRTYPE_SOA, len, off, 0) < 0)
        return -ENOMEM;
    if (pool_put(b, mname, (size_t)ml, &off) < 0 ||
        rec_append(b, 0, RRTYPE_NS, (uint16_t)ml, off, 0) < 0)
        return -ENOMEM;
    return 0;
}

/* Starting sizes for about `records` records (Mesos-shaped zones: ~4.6
 * records per name, ~35 bytes per name; the pool only holds types other
 * than A and SRV); they grow as needed. Untouched capacity costs no RSS,
 * except the name table, which is probed all over: it gets load <= 1/2 for
 * records / 5 names. */
static int presize(zone_builder_t *b, size_t records)
{
    if (records > ((size_t)1 << 26))
        records = (size_t)1 << 26; /* a hint, not a promise */
    size_t names = records / 4 + 64;
    if (resize(&b->recs, sizeof *b->recs, &b->cap_recs, records + 16) < 0 ||
        resize(&b->names, sizeof *b->names, &b->cap_names, names) < 0 ||
        resize(&b->nb, 1, &b->cap_nb, names * 40) < 0 ||
        resize(&b->pool, 1, &b->cap_pool, 1024) < 0)
        return -ENOMEM;
    return table_resize(b, pow2_at_least(records / 5 * 2 < 1024 ? 1024 : records / 5 * 2));
}

zone_builder_t *zone_builder_new_sized(const char *apex, const zone_soa_params_t *soa,
                                       size_t records)
{
    if (!apex || !soa)
        return NULL;
    pthread_once(&seed_once, seed_init);
    zone_builder_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    int al = dname_from_text(apex, b->apex);
    if (al < 0)
        goto fail;
    dname_lower(b->apex);
    b->apex_len = (uint8_t)al;
    b->ttl = soa->ttl;
    b->seed = process_seed;
    if (presize(b, records) < 0)
        goto fail;
    uint32_t idx;
    if (intern(b, b->apex, b->apex_len, hash_bytes(b->seed, b->apex, b->apex_len), UINT32_MAX,
               &idx) < 0)
        goto fail;
    b->names[0].flags |= BN_NODE; /* name 0 is the apex */
    if (add_apex_records(b, soa) < 0)
        goto fail;
    return b;
fail:
    zone_builder_free(&b);
    return NULL;
}

zone_builder_t *zone_builder_new(const char *apex, const zone_soa_params_t *soa)
{
    return zone_builder_new_sized(apex, soa, 0);
}

int zone_builder_set_dcos_label(zone_builder_t *b, const char *label)
{
    if (!b)
        return -EINVAL;
    if (!label || !*label) {
        b->dcos_len = 0;
        return 0;
    }
    size_t ll = strlen(label);
    if (ll > DNAME_MAXLABEL || strchr(label, '.'))
        return -EINVAL;
    static const uint8_t tail[] = "\4dcos\11directory";
    b->dcos[0] = (uint8_t)ll;
    for (size_t i = 0; i < ll; i++) {
        uint8_t c = (uint8_t)label[i];
        b->dcos[1 + i] = (uint8_t)((unsigned)c - 'A' < 26u ? c + 32 : c);
    }
    memcpy(b->dcos + 1 + ll, tail, sizeof tail); /* includes the root label */
    b->dcos_len = (uint8_t)(1 + ll + sizeof tail);
    return 0;
}

/* ---- finish: empty non-terminals and canonical order ------------------ */

/* Transient tables of finish, counted in zone_builder_memory(); zeroed
 * only when `zero` (kept pages are zeroed by hand, so it is not free). */
static void *fin_alloc(zone_builder_t *b, size_t n, bool zero)
{
    if (n == 0)
        n = 1;
    void *p = zero ? arena_pages_alloc(n) : arena_pages_realloc(NULL, 0, n);
    if (p) {
        b->finish_bytes += n;
        note_peak(b);
    }
    return p;
}

static void fin_free(zone_builder_t *b, void *p, size_t n)
{
    if (!p)
        return;
    if (n == 0)
        n = 1;
    arena_pages_free(p, n);
    b->finish_bytes -= n;
}

/* Intern the ancestors of name `i` up to the first one that is already a
 * node, flagging them as nodes (empty non-terminals unless they have
 * records), and link each to its parent. */
static int link_up(zone_builder_t *b, uint32_t i)
{
    b->names[i].flags |= BN_NODE;
    while (i != 0) {
        uint32_t off = b->names[i].off;
        uint8_t l0 = b->nb[off];
        uint32_t poff = off + 1u + l0, p;
        size_t pl = b->names[i].len - 1u - l0;
        if (intern(b, b->nb + poff, pl, hash_bytes(b->seed, b->nb + poff, pl), poff, &p) < 0)
            return -ENOMEM;
        b->names[i].parent = p + 1;
        if (b->names[p].flags & BN_NODE)
            return 0;
        b->names[p].flags |= BN_NODE;
        i = p;
    }
    return 0;
}

static int link_parents(zone_builder_t *b)
{
    /* Names interned by link_up are ancestors it has already handled. */
    size_t n = b->n_names;
    for (uint32_t i = 1; i < n; i++)
        if (b->names[i].count && !(b->names[i].flags & BN_NODE) && link_up(b, i) < 0)
            return -ENOMEM;
    return 0;
}

/* Siblings share everything but their first label, which orders them
 * (RFC 4034 §6.1: octets, lowercase already; a prefix sorts first). The
 * sort runs on copies of the label's first 16 octets, so that it rarely
 * has to reach for the names themselves. */
struct sib {
    uint64_t k1, k2; /* label octets 0-7 and 8-15, big endian, zero padded */
    uint32_t idx;    /* name index */
};

/* Labels equal in their first 16 octets: compare the labels themselves. */
static bool sib_less_slow(const zone_builder_t *b, const struct sib *x, const struct sib *y)
{
    const uint8_t *p = b->nb + b->names[x->idx].off, *q = b->nb + b->names[y->idx].off;
    int c = memcmp(p + 1, q + 1, p[0] < q[0] ? p[0] : q[0]);
    return c ? c < 0 : p[0] < q[0];
}

/* x sorts before y. Random labels make the comparisons unpredictable: the
 * 16-octet keys compare without branches, a tie takes the slow way. */
static inline bool sib_less(const zone_builder_t *b, const struct sib *x, const struct sib *y)
{
    if (__builtin_expect(x->k1 == y->k1 && x->k2 == y->k2, 0))
        return sib_less_slow(b, x, y);
    return (x->k1 < y->k1) | ((x->k1 == y->k1) & (x->k2 < y->k2));
}

/* Merge runs a[0 .. na) and c[0 .. nc) into out (stable). */
static void sib_merge(const zone_builder_t *b, const struct sib *a, uint32_t na,
                      const struct sib *c, uint32_t nc, struct sib *out)
{
    uint32_t i = 0, j = 0;
    while (i < na && j < nc) {
        bool right = sib_less(b, &c[j], &a[i]);
        *out++ = right ? c[j] : a[i]; /* selects an address, no branch */
        j += right;
        i += !right;
    }
    memcpy(out, a + i, (na - i) * sizeof *a);
    memcpy(out + (na - i), c + j, (nc - j) * sizeof *c);
}

/* Bottom-up merge sort (n log n whatever names users choose) of v[0 .. n)
 * through tmp (n entries), insertion sort for short runs. */
static void sib_sort(const zone_builder_t *b, struct sib *v, struct sib *tmp, uint32_t n)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            struct sib x = v[i];
            size_t j = i;
            for (; j > lo && sib_less(b, &x, &v[j - 1]); j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    struct sib *src = v, *dst = tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t na = n - lo < w ? n - lo : w;
            size_t nc = n - lo - na < w ? n - lo - na : w;
            sib_merge(b, src + lo, (uint32_t)na, src + lo + na, (uint32_t)nc, dst + lo);
        }
        struct sib *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

static void sort_siblings(const zone_builder_t *b, uint32_t *kids, uint32_t n, struct sib *v,
                          struct sib *tmp)
{
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *name = b->nb + b->names[kids[i]].off;
        uint8_t pad[16] = {0};
        memcpy(pad, name + 1, name[0] < 16 ? name[0] : 16);
        v[i].k1 = __builtin_bswap64(hash_load64(pad));
        v[i].k2 = __builtin_bswap64(hash_load64(pad + 8));
        v[i].idx = kids[i];
    }
    sib_sort(b, v, tmp, n);
    for (uint32_t i = 0; i < n; i++)
        kids[i] = v[i].idx;
}

/* Group the nodes by parent (counting sort) and sort each sibling group.
 * On return kids[start[p] .. start[p + 1]) are the children of name p
 * (start holds n_names + 2 zeroed entries). */
static int sort_children(zone_builder_t *b, uint32_t *start, uint32_t *kids, uint32_t *n)
{
    size_t nn = b->n_names;
    uint32_t most = 0;
    *n = 0;
    /* Count p's children in start[p + 2]; after the sums start[p + 1] is
     * where they go, and filling moves it to their end = start of p + 1. */
    for (uint32_t i = 0; i < nn; i++) {
        if (!(b->names[i].flags & BN_NODE))
            continue;
        (*n)++;
        if (i != 0)
            start[b->names[i].parent + 1]++; /* parent is index + 1 */
    }
    for (size_t x = 0; x <= nn; x++) {
        most = start[x + 1] > most ? start[x + 1] : most;
        start[x + 1] += start[x];
    }
    for (uint32_t i = 1; i < nn; i++)
        if (b->names[i].flags & BN_NODE)
            kids[start[b->names[i].parent]++] = i;
    size_t vb = ((size_t)most + 1) * sizeof(struct sib);
    struct sib *v = fin_alloc(b, vb, false), *tmp = fin_alloc(b, vb, false);
    if (v && tmp)
        for (uint32_t p = 0; p < nn; p++)
            if (start[p + 1] - start[p] > 1)
                sort_siblings(b, kids + start[p], start[p + 1] - start[p], v, tmp);
    fin_free(b, v, vb);
    fin_free(b, tmp, vb);
    return v && tmp ? 0 : -ENOMEM;
}

/* Node names in canonical order: depth first from the apex with sorted
 * siblings (a name precedes its descendants; a sibling's whole subtree
 * precedes the next sibling). */
static int canonical_order(zone_builder_t *b, uint32_t *order, uint32_t *n_out)
{
    size_t nn = b->n_names, sb = (nn + 2) * sizeof(uint32_t), kb = (nn + 1) * sizeof(uint32_t);
    uint32_t *start = fin_alloc(b, sb, true), *kids = fin_alloc(b, kb, false),
             *stack = fin_alloc(b, kb, false);
    uint32_t n = 0, k = 0, sp = 0;
    int rc = -ENOMEM;
    if (!start || !kids || !stack || sort_children(b, start, kids, &n) < 0)
        goto out;
    stack[sp++] = 0;
    while (sp) {
        uint32_t x = stack[--sp];
        order[k++] = x;
        for (uint32_t j = start[x + 1]; j > start[x]; j--)
            stack[sp++] = kids[j - 1];
    }
    *n_out = n;
    rc = 0;
out:
    fin_free(b, start, sb);
    fin_free(b, kids, kb);
    fin_free(b, stack, kb);
    return rc;
}

/* ---- finish: RRsets ---------------------------------------------------- */

static inline unsigned popcount8(unsigned x)
{
    x = x - ((x >> 1) & 0x55u);
    x = (x & 0x33u) + ((x >> 2) & 0x33u);
    return (x + (x >> 4)) & 0x0fu;
}

static inline uint64_t srv_key(const struct grec *r)
{
    return (uint64_t)r->aux << 32 | r->data;
}

static uint32_t rec_hash(const zone_builder_t *b, const struct grec *r)
{
    if (r->type == RRTYPE_A)
        return (uint32_t)hash_mix64(r->data + 0x9e3779b97f4a7c15ULL);
    if (r->type == RRTYPE_SRV)
        return (uint32_t)hash_mix64(srv_key(r) + 0x9e3779b97f4a7c15ULL);
    return hash_bytes(b->seed, b->pool + r->data, r->rdlen);
}

/* Same rdata. SRV targets are interned, so equal indices = equal names. */
static bool rec_equal(const zone_builder_t *b, const struct grec *x, const struct grec *y)
{
    if (x->rdlen != y->rdlen)
        return false;
    if (x->type == RRTYPE_A)
        return x->data == y->data;
    if (x->type == RRTYPE_SRV)
        return x->data == y->data && x->aux == y->aux;
    return memcmp(b->pool + x->data, b->pool + y->data, x->rdlen) == 0;
}

/* Drop repeats from g[0 .. *n), keeping first occurrences in order. */
static int dedup(zone_builder_t *b, struct grec *g, uint32_t *n)
{
    uint32_t k = 0;
    if (*n <= 8) {
        for (uint32_t i = 0; i < *n; i++) {
            bool dup = false;
            for (uint32_t j = 0; j < k && !dup; j++)
                dup = rec_equal(b, &g[j], &g[i]);
            if (!dup)
                g[k++] = g[i];
        }
        *n = k;
        return 0;
    }
    size_t cap = pow2_at_least((size_t)*n * 2);
    if (grow(&b->dedup, sizeof *b->dedup, &b->cap_dedup, cap) < 0)
        return -ENOMEM;
    memset(b->dedup, 0, cap * sizeof *b->dedup);
    for (uint32_t i = 0; i < *n; i++) {
        size_t j = rec_hash(b, &g[i]) & (cap - 1);
        while (b->dedup[j] && !rec_equal(b, &g[b->dedup[j] - 1], &g[i]))
            j = (j + 1) & (cap - 1);
        if (b->dedup[j])
            continue;
        g[k] = g[i]; /* k <= i: what the table points at stays put */
        b->dedup[j] = ++k;
    }
    *n = k;
    return 0;
}

/* { RDLENGTH, RDATA } of one record at `p`; returns the bytes written. */
static size_t write_rdata(const zone_builder_t *b, const struct grec *r, uint8_t *p)
{
    put16(p, r->rdlen);
    if (r->type == RRTYPE_A) {
        memcpy(p + 2, &r->data, 4);
    } else if (r->type == RRTYPE_SRV) {
        const struct bname *t = &b->names[r->data];
        memcpy(p + 2, &b->fix[r->aux], SRV_FIXED);
        memcpy(p + 2 + SRV_FIXED, b->nb + t->off, t->len);
    } else {
        memcpy(p + 2, b->pool + r->data, r->rdlen);
    }
    return 2u + r->rdlen;
}

static int blobs_grow(zone_builder_t *b)
{
    size_t cap = b->cap_blobs ? b->cap_blobs * 2 : 1024;
    struct blob_slot *t = arena_pages_alloc(cap * sizeof *t);
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; i < b->cap_blobs; i++) {
        if (!b->blobs[i].rdata)
            continue;
        size_t j = b->blobs[i].hash & (cap - 1);
        while (t[j].rdata)
            j = (j + 1) & (cap - 1);
        t[j] = b->blobs[i];
    }
    pages_free(&b->blobs, sizeof *b->blobs, &b->cap_blobs);
    b->blobs = t;
    b->cap_blobs = cap;
    note_peak(b);
    return 0;
}

static bool blob_equal(const zone_builder_t *b, const struct blob_slot *o, uint32_t h,
                       const struct grec *g, uint32_t n)
{
    if (o->hash != h || o->count != n)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (b->srvkeys[o->keys + i] != srv_key(&g[i]))
            return false;
    return true;
}

/* SRV rdata and targets of `set` from its records g[0 .. count): reuse an
 * identical blob stored before (the _tcp/_udp and .slave twins), found by
 * the records' (target, fix) pairs, or write it. */
static int emit_srv(zone_builder_t *b, zone_snap_t *s, zone_rrset_t *set, const struct grec *g)
{
    uint32_t n = set->count;
    uint64_t hh = b->seed ^ n;
    for (uint32_t i = 0; i < n; i++)
        hh = hash_step(hh, srv_key(&g[i]));
    uint32_t h = (uint32_t)hash_mix64(hh);
    if ((b->n_blobs + 1) * 2 > b->cap_blobs && blobs_grow(b) < 0)
        return -ENOMEM;
    size_t mask = b->cap_blobs - 1, j = h & mask;
    for (; b->blobs[j].rdata; j = (j + 1) & mask) {
        if (blob_equal(b, &b->blobs[j], h, g, n)) {
            set->rdata = b->blobs[j].rdata;
            set->targets = b->blobs[j].targets;
            return 0;
        }
    }
    if (grow(&b->srvkeys, sizeof *b->srvkeys, &b->cap_srvkeys, b->n_srvkeys + n) < 0)
        return -ENOMEM;
    const zone_node_t **t = arena_alloc(s->arena, n * sizeof *t);
    uint8_t *rd = arena_alloc(s->arena, set->rdata_len), *p = rd;
    if (!t || !rd)
        return -ENOMEM;
    /* Targets lie anywhere in the name table: first one pass of independent
     * loads (the CPU overlaps their misses), then the writes. */
    for (uint32_t i = 0; i < n; i++) {
        const struct bname *tn = &b->names[g[i].data];
        __builtin_prefetch(b->nb + tn->off);
        t[i] = tn->node ? s->nodes[tn->node - 1] : NULL;
        b->srvkeys[b->n_srvkeys + i] = srv_key(&g[i]);
    }
    for (uint32_t i = 0; i < n; i++)
        p += write_rdata(b, &g[i], p);
    b->blobs[j] = (struct blob_slot){h, n, b->n_srvkeys, rd, t};
    b->n_srvkeys += n;
    b->n_blobs++;
    set->rdata = rd;
    set->targets = t;
    return 0;
}

/* Fill `set` from the records g[0 .. n) of one type: drop repeats, cap the
 * count, write the wire rdata. Returns the records kept or -ENOMEM. */
static int emit_rrset(zone_builder_t *b, zone_snap_t *s, zone_rrset_t *set, struct grec *g,
                      uint32_t n)
{
    if (n > 1 && dedup(b, g, &n) < 0)
        return -ENOMEM;
    if (n > MAX_RRSET_RECORDS) {
        b->dropped += n - MAX_RRSET_RECORDS;
        n = MAX_RRSET_RECORDS;
    }
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++)
        len += 2u + g[i].rdlen;
    *set = (zone_rrset_t){g[0].type, (uint16_t)n, b->ttl, (uint32_t)len, NULL, NULL};
    if (set->type == RRTYPE_SRV)
        return emit_srv(b, s, set, g) < 0 ? -ENOMEM : (int)n;
    uint8_t *p = arena_alloc(s->arena, len);
    if (!p)
        return -ENOMEM;
    set->rdata = p;
    for (uint32_t i = 0; i < n; i++)
        p += write_rdata(b, &g[i], p);
    return (int)n;
}

/* The records g[0 .. n) of one node with several types, grouped by type
 * in ascending type order (stable), in b->tmp. */
static struct grec *by_type(zone_builder_t *b, const struct grec *g, uint32_t n, unsigned types)
{
    if (grow(&b->tmp, sizeof *b->tmp, &b->cap_tmp, n) < 0)
        return NULL;
    uint32_t k = 0;
    for (unsigned bit = 0; bit < N_TYPES; bit++)
        for (uint32_t i = 0; (types >> bit & 1u) && i < n; i++)
            if (g[i].type == type_by_bit[bit])
                b->tmp[k++] = g[i];
    return b->tmp;
}

/* What the canonical walk needs of each node, in canonical order. */
struct ninfo {
    uint32_t count; /* records */
    uint8_t len;    /* name length */
    uint8_t types;  /* type bits */
};

/* The RRsets of the node at canonical position `k` from its records
 * g[0 .. count). Its block (node, name, RRset array) is written. */
static int emit_node(zone_builder_t *b, zone_snap_t *s, uint32_t k, const struct ninfo *in,
                     struct grec *g)
{
    zone_rrset_t *sets = (zone_rrset_t *)s->nodes[k]->rrsets; /* our own arena bytes */
    if (popcount8(in->types) > 1 && !(g = by_type(b, g, in->count, in->types)))
        return -ENOMEM;
    for (uint32_t i = 0, set = 0; i < in->count; set++) {
        uint32_t j = i + 1;
        while (j < in->count && g[j].type == g[i].type)
            j++;
        int kept = emit_rrset(b, s, &sets[set], g + i, j - i);
        if (kept < 0)
            return -ENOMEM;
        s->n_records += (size_t)kept;
        i = j;
    }
    return 0;
}

/* ---- finish: layout ----------------------------------------------------- */

/* Size of a node block: node, name, RRset array. */
static size_t block_size(uint8_t len, uint8_t types)
{
    return sizeof(zone_node_t) + align8(len) + popcount8(types) * sizeof(zone_rrset_t);
}

#define RDATA_CHUNK ((size_t)8 << 20)

/* The snapshot's arena with its struct, node list, index, and the place
 * of every node block. `total` bounds its size for the builder's memory
 * figures (repeats and shared SRV blobs are only known while writing). */
static zone_snap_t *layout(zone_builder_t *b, const uint32_t *order, const struct ninfo *in,
                           uint32_t n)
{
    size_t blocks = 0, n_sets = 0;
    for (uint32_t k = 0; k < n; k++) {
        blocks += block_size(in[k].len, in[k].types);
        n_sets += popcount8(in[k].types);
    }
    size_t cap = pow2_at_least((size_t)n * 2); /* load <= 1/2: short probes */
    size_t total = align8(sizeof(zone_snap_t)) + (size_t)n * sizeof(zone_node_t *) +
                   cap * sizeof(zone_snap_slot_t) + blocks + b->rdata_bytes +
                   b->n_srv * sizeof(zone_node_t *) + n_sets * 16 + align8(b->dcos_len) + 64;
    /* Repeats and SRV blobs stored once make the rdata smaller than its
     * bound: it goes into chunks taken as they fill, not one mapping of
     * the bound (all of whose pages the reserve would hand over at once). */
    arena_t *a = arena_new_pages(total < RDATA_CHUNK ? total : RDATA_CHUNK);
    zone_snap_t *s = a ? arena_calloc(a, sizeof *s) : NULL;
    if (!s)
        goto fail;
    s->arena = a;
    s->seed = b->seed;
    b->finish_bytes += total;
    note_peak(b);
    s->nodes = arena_alloc(a, (size_t)n * sizeof *s->nodes);
    s->index = arena_calloc(a, cap * sizeof *s->index);
    uint8_t *p = arena_alloc(a, blocks);
    if (!s->nodes || !s->index || !p)
        goto fail;
    s->n_nodes = n;
    s->mask = (uint32_t)(cap - 1);
    s->blocks = p;
    for (uint32_t k = 0, off = 0; k < n; k++) {
        s->nodes[k] = (const zone_node_t *)(p + (size_t)off * 8);
        b->names[order[k]].blk = off;
        off += (uint32_t)(block_size(in[k].len, in[k].types) / 8);
    }
    return s;
fail:
    arena_free(&a);
    return NULL;
}

/* Node headers and names into the blocks, and the index, walking the
 * names in interning order. Index entries are bucketed by slot first, so
 * that filling the table sweeps it instead of hitting it at random. */
static int write_blocks(zone_builder_t *b, zone_snap_t *s)
{
    unsigned shift = 0;
    while (((size_t)s->mask + 1) >> shift > 1024)
        shift++;
    size_t nbk = (((size_t)s->mask + 1) >> shift) + 1;
    size_t bb = (nbk + 1) * sizeof(uint32_t), pb = s->n_nodes * sizeof(zone_snap_slot_t);
    uint32_t *at = fin_alloc(b, bb, true);
    zone_snap_slot_t *pairs = fin_alloc(b, pb, false);
    if (!at || !pairs)
        goto out;
    for (size_t i = 0; i < b->n_names; i++)
        if (b->names[i].node)
            at[((b->names[i].hash & s->mask) >> shift) + 1]++;
    for (size_t x = 0; x + 1 < nbk + 1; x++)
        at[x + 1] += at[x];
    for (size_t i = 0; i < b->n_names; i++) {
        const struct bname *bn = &b->names[i];
        if (!bn->node)
            continue;
        zone_node_t *zn = (zone_node_t *)(s->blocks + (size_t)bn->blk * 8);
        uint8_t *name = (uint8_t *)(zn + 1);
        unsigned n_sets = popcount8(bn->types);
        memcpy(name, b->nb + bn->off, bn->len);
        *zn = (zone_node_t){name, bn->len, (uint8_t)n_sets,
                            n_sets ? (const zone_rrset_t *)(name + align8(bn->len)) : NULL};
        pairs[at[(bn->hash & s->mask) >> shift]++] = (zone_snap_slot_t){bn->hash, bn->blk + 1};
    }
    for (size_t k = 0; k < s->n_nodes; k++) {
        size_t j = pairs[k].hash & s->mask;
        while (s->index[j].block)
            j = (j + 1) & s->mask;
        s->index[j] = pairs[k];
    }
out:
    fin_free(b, at, bb);
    fin_free(b, pairs, pb);
    return at && pairs ? 0 : -ENOMEM;
}

/* The records grouped by owner in canonical order (a stable counting
 * sort); the builder's record array is freed. */
static struct grec *group_records(zone_builder_t *b, const struct ninfo *in, uint32_t n,
                                  size_t *gbytes)
{
    size_t ab = ((size_t)n + 1) * sizeof(uint32_t);
    *gbytes = b->n_recs * sizeof(struct grec);
    uint32_t *at = fin_alloc(b, ab, false);
    struct grec *g = fin_alloc(b, *gbytes, false);
    if (at && g) {
        uint32_t acc = 0;
        for (uint32_t k = 0; k < n; k++) {
            at[k] = acc;
            acc += in[k].count;
        }
        for (size_t r = 0; r < b->n_recs; r++)
            g[at[b->names[b->recs[r].owner].node - 1]++] = b->recs[r].r;
        pages_free(&b->recs, sizeof *b->recs, &b->cap_recs);
    } else {
        fin_free(b, g, *gbytes);
        g = NULL;
    }
    fin_free(b, at, ab);
    return g;
}

/* Where the serial sits in the apex SOA rdata. */
static uint8_t *soa_serial_at(const zone_snap_t *s)
{
    const zone_rrset_t *soa = zone_node_rrset(s->nodes[0], RRTYPE_SOA);
    size_t off = 2;
    off += (size_t)dname_len(soa->rdata + off, soa->rdata_len - off);
    off += (size_t)dname_len(soa->rdata + off, soa->rdata_len - off);
    return (uint8_t *)soa->rdata + off; /* our own arena bytes */
}

static int emit_all(zone_builder_t *b, zone_snap_t *s, const struct ninfo *in, struct grec *g)
{
    for (uint32_t k = 0; k < s->n_nodes; k++) {
        if (emit_node(b, s, k, &in[k], g) < 0)
            return -ENOMEM;
        g += in[k].count;
    }
    if (b->dcos_len && !(s->dcos = arena_memdup(s->arena, b->dcos, b->dcos_len)))
        return -ENOMEM;
    s->dcos_len = b->dcos_len;
    s->soa_serial = soa_serial_at(s);
    return 0;
}

/* Canonical positions of the nodes, and what the canonical walk needs of
 * each (written scattered, read in order afterwards). */
static struct ninfo *number_nodes(zone_builder_t *b, const uint32_t *order, uint32_t n, size_t *ib)
{
    *ib = (size_t)n * sizeof(struct ninfo);
    struct ninfo *in = fin_alloc(b, *ib, false);
    if (!in)
        return NULL;
    for (uint32_t k = 0; k < n; k++)
        b->names[order[k]].node = k + 1;
    for (size_t i = 0; i < b->n_names; i++) {
        const struct bname *bn = &b->names[i];
        if (bn->node)
            in[bn->node - 1] = (struct ninfo){bn->count, bn->len, bn->types};
    }
    return in;
}

/* Memory high-water marks matter as much as time (the live snapshot and
 * two models coexist with all this): the record array is freed once the
 * records are grouped, before the snapshot is made. */
static zone_snap_t *build_snapshot(zone_builder_t *b)
{
    size_t ob = 0, ib = 0, gb = 0;
    uint32_t n = 0, *order = NULL;
    struct ninfo *in = NULL;
    struct grec *g = NULL;
    zone_snap_t *s = NULL;
    if (link_parents(b) < 0)
        goto out;
    pages_free(&b->table, sizeof *b->table, &b->cap_table); /* nothing is interned now */
    ob = (b->n_names + 1) * sizeof(uint32_t);
    if (!(order = fin_alloc(b, ob, false)) || canonical_order(b, order, &n) < 0 ||
        !(in = number_nodes(b, order, n, &ib)) || !(g = group_records(b, in, n, &gb)) ||
        !(s = layout(b, order, in, n)))
        goto out;
    fin_free(b, order, ob);
    order = NULL;
    if (write_blocks(b, s) < 0 || emit_all(b, s, in, g) < 0) {
        zone_snap_free(&s);
        goto out;
    }
    arena_trim(s->arena);
out:
    fin_free(b, order, ob);
    fin_free(b, in, ib);
    fin_free(b, g, gb);
    return s;
}

int zone_builder_finish(zone_builder_t **pb, zone_snap_t **out)
{
    if (out)
        *out = NULL;
    if (!pb || !*pb || !out) {
        zone_builder_free(pb);
        return -EINVAL;
    }
    zone_builder_t *b = *pb;
    *pb = NULL;
    zone_snap_t *s = build_snapshot(b);
    if (s) {
        if (b->dropped)
            log_warn("zone: %zu records dropped: an RRset holds at most %u records", b->dropped,
                     (unsigned)MAX_RRSET_RECORDS);
        s->build_peak = b->peak;
        *out = s;
    }
    zone_builder_free(&b);
    return s ? 0 : -ENOMEM;
}
