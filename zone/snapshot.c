/* snapshot: the zone builder and the immutable, indexed snapshot it makes.
 *
 * Builder (lean, no per-record malloc):
 *  - owner and SRV target names are interned once, lowercase, in a name
 *    arena; an open-addressing table of (hash, index) finds them;
 *  - each record is 12 bytes in one growable array, linked into its owner's
 *    list in generation order; A rdata sits inline, other rdata in a byte
 *    pool (an SRV keeps priority/weight/port and its target's name index).
 * Finish:
 *  - parents of every owner are interned (suffixes of the child's interned
 *    name, nothing copied): empty non-terminals become nodes;
 *  - the name tree is walked depth first with siblings sorted by label,
 *    which is exactly the canonical order of RFC 4034 §6.1;
 *  - each node becomes one block (node struct, then its name); per node,
 *    records are grouped by type, repeats dropped (first kept) and rdata
 *    written in wire form; identical SRV rdata (the _tcp/_udp and .slave
 *    twins of Mesos-DNS) is stored once;
 *  - the index is an open-addressing table of (node, hash): a lookup reads
 *    one slot and one node block.
 * The snapshot lives in its own arena; the builder's tables and name arena
 * are freed by finish. */
#include "zone/snapshot.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/arena.h"
#include "common/dname.h"
#include "common/log.h"

/* ---- hashing and names ------------------------------------------------ */

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* Task names come from cluster users: a per-process random seed keeps them
 * from choosing names that collide in the index. Set once, before the
 * first builder exists; read-only afterwards. */
static uint64_t hash_seed;
static pthread_once_t hash_seed_once = PTHREAD_ONCE_INIT;

static void hash_seed_init(void)
{
    uint64_t s;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s)
        s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&s;
    hash_seed = s;
}

/* Fast 8-bytes-at-a-time hash; its quality comes from the final mix. */
static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = hash_seed ^ (n * 0x100000001b3ULL);
    while (n >= 8) {
        h = (h ^ load64(p)) * 0x9fb21c651e98df25ULL;
        h = (h << 29) | (h >> 35);
        p += 8;
        n -= 8;
    }
    uint64_t t = 0;
    if (n)
        memcpy(&t, p, n);
    return (uint32_t)mix64(h ^ t);
}

static inline uint8_t lower(uint8_t c)
{
    return (uint8_t)((unsigned)c - 'A' < 26u ? c + 32 : c);
}

/* Validate a wire name of at most `max` bytes and copy it lowercased into
 * `out`. Returns its length or -EINVAL. Reads nothing past the root label. */
static int canon_name(const uint8_t *in, size_t max, uint8_t *out)
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
        out[pos] = l;
        for (size_t i = 1; i <= l; i++)
            out[pos + i] = lower(in[pos + i]);
        pos += 1u + l;
        if (l == 0)
            return (int)pos;
    }
}

/* `name` (lowercase) equals `apex` or lies below it. */
static bool name_under(const uint8_t *name, size_t len, const uint8_t *apex, size_t apex_len)
{
    if (len < apex_len)
        return false;
    size_t pos = 0;
    while (len - pos > apex_len)
        pos += name[pos] + 1u;
    return len - pos == apex_len && memcmp(name + pos, apex, apex_len) == 0;
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

/* Grow `*arr` (element size `sz`) so that it holds at least `need`. */
static int grow(void *arr, size_t sz, uint32_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    if (need > UINT32_MAX / 2)
        return -ENOMEM;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*(void **)arr, ncap * sz);
    if (!p)
        return -ENOMEM;
    *(void **)arr = p;
    *cap = (uint32_t)ncap;
    return 0;
}

/* ---- the snapshot ----------------------------------------------------- */

/* Index slot: the node itself, so that a lookup touches the slot and the
 * node's block (node, then its name right behind it) and nothing else. */
struct idx_slot {
    const zone_node_t *node; /* NULL = empty slot */
    uint32_t hash;
};

struct zone_snap {
    arena_t *arena;            /* owns everything, this struct included */
    const zone_node_t **nodes; /* canonical order */
    size_t n_nodes;
    struct idx_slot *index;
    uint32_t mask;
    size_t n_records;
    uint32_t serial;
    uint8_t *soa_serial; /* the 4 serial bytes inside the SOA rdata */
    const uint8_t *dcos;
    size_t dcos_len;
    size_t build_peak; /* the builder's zone_builder_memory() at its peak */
};

const zone_node_t *zone_snap_find(const zone_snap_t *s, const uint8_t *name, size_t len)
{
    if (!s || !name || len == 0 || len > DNAME_MAXLEN)
        return NULL;
    uint32_t h = hash_bytes(name, len);
    const struct idx_slot *tab = s->index;
    for (uint32_t i = h & s->mask;; i = (i + 1) & s->mask) {
        const zone_node_t *n = tab[i].node;
        if (!n)
            return NULL;
        if (tab[i].hash == h && n->name_len == len && memcmp(n->name, name, len) == 0)
            return n;
    }
}

void zone_snap_prefetch(const zone_snap_t *s, const uint8_t *name, size_t len)
{
    if (!s || !name || len == 0 || len > DNAME_MAXLEN)
        return;
    __builtin_prefetch(&s->index[hash_bytes(name, len) & s->mask]);
}

void zone_snap_prefetch_node(const zone_snap_t *s, const uint8_t *name, size_t len)
{
    if (!s || !name || len == 0 || len > DNAME_MAXLEN)
        return;
    /* The first slot only: probes are short, and this is just a hint. */
    const zone_node_t *n = s->index[hash_bytes(name, len) & s->mask].node;
    if (n) {
        __builtin_prefetch(n);
        __builtin_prefetch((const char *)n + 64); /* the name behind it */
    }
}

const zone_rrset_t *zone_node_rrset(const zone_node_t *n, uint16_t type)
{
    if (!n)
        return NULL;
    for (unsigned i = 0; i < n->n_rrsets; i++)
        if (n->rrsets[i].type == type)
            return &n->rrsets[i];
    return NULL;
}

const uint8_t *zone_snap_apex(const zone_snap_t *s, size_t *len)
{
    if (len)
        *len = s->nodes[0]->name_len;
    return s->nodes[0]->name;
}

const zone_node_t *zone_snap_apex_node(const zone_snap_t *s)
{
    return s->nodes[0];
}

uint32_t zone_snap_serial(const zone_snap_t *s)
{
    return s->serial;
}

const uint8_t *zone_snap_dcos_suffix(const zone_snap_t *s, size_t *len)
{
    if (len)
        *len = s->dcos_len;
    return s->dcos;
}

size_t zone_snap_node_count(const zone_snap_t *s)
{
    return s ? s->n_nodes : 0;
}

const zone_node_t *zone_snap_node(const zone_snap_t *s, size_t i)
{
    return s && i < s->n_nodes ? s->nodes[i] : NULL;
}

size_t zone_snap_record_count(const zone_snap_t *s)
{
    return s ? s->n_records : 0;
}

size_t zone_snap_memory(const zone_snap_t *s)
{
    return s ? arena_reserved(s->arena) : 0;
}

size_t zone_snap_build_peak(const zone_snap_t *s)
{
    return s ? s->build_peak : 0;
}

void zone_snap_set_serial(zone_snap_t *s, uint32_t serial)
{
    s->serial = serial;
    put32(s->soa_serial, serial);
}

void zone_snap_free(zone_snap_t **ps)
{
    if (!ps || !*ps)
        return;
    arena_t *a = (*ps)->arena;
    arena_free(&a);
    *ps = NULL;
}

/* ---- content comparison ----------------------------------------------- */

struct rspan {
    const uint8_t *p; /* RDATA */
    uint16_t len;
};

static int rspan_cmp(const void *a, const void *b)
{
    const struct rspan *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->p, y->p, x->len);
}

static struct rspan *rrset_spans(const zone_rrset_t *r)
{
    struct rspan *v = malloc(r->count * sizeof *v);
    if (!v)
        return NULL;
    const uint8_t *p = r->rdata;
    for (unsigned i = 0; i < r->count; i++) {
        v[i].len = (uint16_t)(p[0] << 8 | p[1]);
        v[i].p = p + 2;
        p += 2u + v[i].len;
    }
    qsort(v, r->count, sizeof *v, rspan_cmp);
    return v;
}

/* Same records in another order: an RRset is a set, so a different
 * generation order (the master listing tasks differently) is no change. */
static bool rrset_same_set(const zone_rrset_t *x, const zone_rrset_t *y)
{
    struct rspan *a = rrset_spans(x), *b = rrset_spans(y);
    bool same = a && b;
    for (unsigned i = 0; same && i < x->count; i++)
        same = rspan_cmp(&a[i], &b[i]) == 0;
    free(a);
    free(b);
    return same;
}

static bool rrset_same(const zone_rrset_t *x, const zone_rrset_t *y)
{
    if (x->type != y->type || x->count != y->count || x->ttl != y->ttl ||
        x->rdata_len != y->rdata_len)
        return false;
    if (x->type == RRTYPE_SOA && x->count == 1) {
        /* Everything but the serial. Stored SOA rdata is well formed. */
        size_t off = 2;
        off += (size_t)dname_len(x->rdata + off, x->rdata_len - off);
        off += (size_t)dname_len(x->rdata + off, x->rdata_len - off);
        return memcmp(x->rdata, y->rdata, off) == 0 &&
               memcmp(x->rdata + off + 4, y->rdata + off + 4, x->rdata_len - off - 4) == 0;
    }
    if (memcmp(x->rdata, y->rdata, x->rdata_len) == 0)
        return true;
    return x->count > 1 && rrset_same_set(x, y);
}

bool zone_snap_same_content(const zone_snap_t *a, const zone_snap_t *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->n_nodes != b->n_nodes || a->n_records != b->n_records ||
        a->dcos_len != b->dcos_len || (a->dcos_len && memcmp(a->dcos, b->dcos, a->dcos_len)))
        return false;
    for (size_t i = 0; i < a->n_nodes; i++) {
        const zone_node_t *x = a->nodes[i], *y = b->nodes[i];
        if (x->name_len != y->name_len || x->n_rrsets != y->n_rrsets ||
            memcmp(x->name, y->name, x->name_len) != 0)
            return false;
        for (unsigned j = 0; j < x->n_rrsets; j++)
            if (!rrset_same(&x->rrsets[j], &y->rrsets[j]))
                return false;
    }
    return true;
}

/* ---- the builder ------------------------------------------------------ */

#define BN_NODE 1u /* has records, or is an ancestor of a name that has */

struct bname {
    const uint8_t *name; /* lowercase wire: node block, name arena or suffix */
    uint32_t hash;
    uint32_t head, tail; /* record list, index + 1 (0 = empty) */
    uint32_t parent;     /* parent name index + 1, for nodes (finish) */
    uint32_t node;       /* canonical position + 1 (finish) */
    zone_node_t *zn;     /* its node block in the snapshot, once it has one */
    uint8_t len;
    uint8_t flags;
};

struct brec {
    uint32_t next; /* next record of the same owner, index + 1 */
    uint16_t type;
    uint16_t rdlen; /* wire RDLENGTH */
    uint32_t data;  /* A: the address; others: offset in the pool */
};

#define SRV_FIXED         6u               /* priority, weight, port */
#define SRV_POOL          (SRV_FIXED + 4u) /* + target name index */
#define MAX_RRSET_RECORDS UINT16_MAX

/* A finished SRV rdata blob, to store identical ones once. */
struct blob_slot {
    uint32_t hash;
    uint32_t len;
    const uint8_t *rdata;
    const zone_node_t *const *targets;
};

struct zone_builder {
    arena_t *arena;      /* becomes the snapshot's */
    arena_t *name_arena; /* interned names, dropped by finish */
    uint8_t apex_len;
    uint8_t dcos_len;
    uint8_t dcos[DNAME_MAXLEN];
    uint8_t apex[DNAME_MAXLEN];
    uint32_t ttl;
    struct bname *names;
    uint32_t n_names, cap_names;
    uint64_t *table; /* hash << 32 | name index + 1 */
    uint32_t table_mask;
    struct brec *recs;
    uint32_t n_recs, cap_recs;
    uint8_t *pool;
    uint32_t pool_len, pool_cap;
    uint32_t last_owner, last_target; /* one-entry caches (index + 1) */
    size_t dropped;                   /* records over the per-RRset cap */
    size_t peak;                      /* largest zone_builder_memory() */
    /* finish scratch */
    uint32_t *grp, *grp2;
    uint32_t cap_grp, cap_grp2;
    uint32_t *dedup;
    uint32_t cap_dedup;
    uint8_t *scratch;
    uint32_t cap_scratch;
    struct blob_slot *blobs;
    uint32_t n_blobs, blob_mask;
};

size_t zone_builder_memory(const zone_builder_t *b)
{
    if (!b)
        return 0;
    return arena_reserved(b->arena) + arena_reserved(b->name_arena) +
           (size_t)b->cap_names * sizeof *b->names +
           ((size_t)b->table_mask + 1) * sizeof *b->table + (size_t)b->cap_recs * sizeof *b->recs +
           b->pool_cap + ((size_t)b->cap_grp + b->cap_grp2 + b->cap_dedup) * sizeof(uint32_t) +
           b->cap_scratch + (b->blobs ? ((size_t)b->blob_mask + 1) * sizeof *b->blobs : 0);
}

static void note_peak(zone_builder_t *b)
{
    size_t m = zone_builder_memory(b);
    if (m > b->peak)
        b->peak = m;
}

static int table_grow(zone_builder_t *b)
{
    size_t ncap = ((size_t)b->table_mask + 1) * 2;
    if (ncap > (size_t)UINT32_MAX)
        return -ENOMEM;
    uint64_t *t = calloc(ncap, sizeof *t);
    if (!t)
        return -ENOMEM;
    uint32_t mask = (uint32_t)(ncap - 1);
    for (size_t i = 0; i <= b->table_mask; i++) {
        uint64_t s = b->table[i];
        if (!s)
            continue;
        uint32_t j = (uint32_t)(s >> 32) & mask;
        while (t[j])
            j = (j + 1) & mask;
        t[j] = s;
    }
    free(b->table);
    b->table = t;
    b->table_mask = mask;
    note_peak(b);
    return 0;
}

/* How intern() stores a new name. */
enum intern_mode {
    IN_TARGET, /* copy into the name arena (an SRV target, maybe no node) */
    IN_OWNER,  /* it owns records: give it its snapshot node block now */
    IN_SUFFIX, /* `name` is a suffix of an interned name: do not copy */
};

/* The node block of `bn` in the snapshot arena: the node, then its name,
 * so that a lookup reads one place. Owners get theirs when interned (the
 * work is done while adding, not in finish), other names once they turn out
 * to be nodes. The name then lives in the block. */
static int node_block(zone_builder_t *b, struct bname *bn)
{
    if (bn->zn)
        return 0;
    zone_node_t *zn = arena_alloc(b->arena, sizeof *zn + bn->len);
    if (!zn)
        return -ENOMEM;
    memcpy(zn + 1, bn->name, bn->len);
    *zn = (zone_node_t){(const uint8_t *)(zn + 1), bn->len, 0, NULL};
    bn->name = zn->name;
    bn->zn = zn;
    return 0;
}

/* Index of `name` (lowercase, `len` bytes, hash `h`), interning it when new
 * (see enum intern_mode). */
static int intern(zone_builder_t *b, const uint8_t *name, size_t len, uint32_t h,
                  enum intern_mode mode, uint32_t *idx)
{
    uint32_t i = h & b->table_mask;
    for (;; i = (i + 1) & b->table_mask) {
        uint64_t s = b->table[i];
        if (!s)
            break;
        if ((uint32_t)(s >> 32) == h) {
            struct bname *bn = &b->names[(uint32_t)s - 1];
            if (bn->len == len && memcmp(bn->name, name, len) == 0) {
                *idx = (uint32_t)s - 1;
                return mode == IN_OWNER ? node_block(b, bn) : 0;
            }
        }
    }
    if (grow(&b->names, sizeof *b->names, &b->cap_names, (size_t)b->n_names + 1) < 0)
        return -ENOMEM;
    struct bname *bn = &b->names[b->n_names];
    *bn = (struct bname){.name = name, .hash = h, .len = (uint8_t)len};
    if (mode == IN_TARGET && !(bn->name = arena_memdup(b->name_arena, name, len)))
        return -ENOMEM;
    if (mode == IN_OWNER && node_block(b, bn) < 0)
        return -ENOMEM;
    *idx = b->n_names++;
    b->table[i] = (uint64_t)h << 32 | (*idx + 1);
    if ((size_t)b->n_names * 2 > (size_t)b->table_mask + 1)
        return table_grow(b);
    return 0;
}

/* Intern through a one-entry cache: generators emit runs of records with
 * the same owner, and of SRV records with the same target. */
static int intern_cached(zone_builder_t *b, const uint8_t *name, size_t len, enum intern_mode mode,
                         uint32_t *cache, uint32_t *idx)
{
    if (*cache) {
        const struct bname *bn = &b->names[*cache - 1];
        if (bn->len == len && memcmp(bn->name, name, len) == 0) {
            *idx = *cache - 1;
            return 0; /* IN_OWNER made its block the first time */
        }
    }
    int rc = intern(b, name, len, hash_bytes(name, len), mode, idx);
    if (rc == 0)
        *cache = *idx + 1;
    return rc;
}

static int pool_put(zone_builder_t *b, const void *p, size_t n, uint32_t *off)
{
    if ((size_t)b->pool_len + n > UINT32_MAX / 2)
        return -ENOMEM;
    if (grow(&b->pool, 1, &b->pool_cap, (size_t)b->pool_len + n) < 0)
        return -ENOMEM;
    memcpy(b->pool + b->pool_len, p, n);
    *off = b->pool_len;
    b->pool_len += (uint32_t)n;
    return 0;
}

static int rec_append(zone_builder_t *b, uint32_t owner, uint16_t type, uint16_t rdlen,
                      uint32_t data)
{
    if (b->n_recs == b->cap_recs) {
        if (grow(&b->recs, sizeof *b->recs, &b->cap_recs, (size_t)b->n_recs + 1) < 0)
            return -ENOMEM;
        note_peak(b);
    }
    uint32_t r = b->n_recs++;
    b->recs[r] = (struct brec){0, type, rdlen, data};
    struct bname *bn = &b->names[owner];
    if (bn->tail)
        b->recs[bn->tail - 1].next = r + 1;
    else
        bn->head = r + 1;
    bn->tail = r + 1;
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

/* Validate `rdata` for `type` and store its payload; *data receives the
 * brec payload. NS is only accepted at the apex (no delegations here). */
static int encode_rdata(zone_builder_t *b, bool at_apex, uint16_t type, const uint8_t *rd,
                        uint16_t rdlen, uint32_t *data)
{
    uint8_t buf[SRV_FIXED + DNAME_MAXLEN];
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
        if (rdlen == 0 || canon_name(rd, rdlen, buf) != rdlen)
            return -EINVAL;
        return pool_put(b, buf, rdlen, data);
    case RRTYPE_SRV: {
        if (rdlen <= SRV_FIXED ||
            canon_name(rd + SRV_FIXED, rdlen - SRV_FIXED, buf) != rdlen - (int)SRV_FIXED)
            return -EINVAL;
        uint32_t t;
        if (intern_cached(b, buf, rdlen - SRV_FIXED, IN_TARGET, &b->last_target, &t) < 0)
            return -ENOMEM;
        uint8_t fixed[SRV_POOL];
        memcpy(fixed, rd, SRV_FIXED);
        memcpy(fixed + SRV_FIXED, &t, 4);
        return pool_put(b, fixed, SRV_POOL, data);
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
    int nl = canon_name(owner, DNAME_MAXLEN, name);
    if (nl < 0 || !name_under(name, (size_t)nl, b->apex, b->apex_len))
        return -EINVAL;
    /* rdata first: a rejected record leaves no trace in the snapshot. */
    uint32_t oi, data = 0;
    int rc = encode_rdata(b, nl == b->apex_len, type, rdata, rdlen, &data);
    if (rc < 0)
        return rc;
    if (intern_cached(b, name, (size_t)nl, IN_OWNER, &b->last_owner, &oi) < 0)
        return -ENOMEM;
    return rec_append(b, oi, type, rdlen, data);
}

void zone_builder_free(zone_builder_t **pb)
{
    if (!pb || !*pb)
        return;
    zone_builder_t *b = *pb;
    arena_free(&b->arena);
    arena_free(&b->name_arena);
    free(b->names);
    free(b->table);
    free(b->recs);
    free(b->pool);
    free(b->grp);
    free(b->grp2);
    free(b->dedup);
    free(b->scratch);
    free(b->blobs);
    free(b);
    *pb = NULL;
}

/* The apex SOA (serial 0 until zone_snap_set_serial) and NS → mname. They
 * go first in the apex's lists, so they lead their RRsets. */
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
    if (pool_put(b, rd, len, &off) < 0 || rec_append(b, 0, RRTYPE_SOA, len, off) < 0)
        return -ENOMEM;
    if (pool_put(b, mname, (size_t)ml, &off) < 0 ||
        rec_append(b, 0, RRTYPE_NS, (uint16_t)ml, off) < 0)
        return -ENOMEM;
    return 0;
}

zone_builder_t *zone_builder_new(const char *apex, const zone_soa_params_t *soa)
{
    if (!apex || !soa)
        return NULL;
    pthread_once(&hash_seed_once, hash_seed_init);
    zone_builder_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    int al = dname_from_text(apex, b->apex);
    if (al < 0)
        goto fail;
    dname_lower(b->apex);
    b->apex_len = (uint8_t)al;
    b->ttl = soa->ttl;
    b->arena = arena_new(0);
    b->name_arena = arena_new(0);
    b->table = calloc(1024, sizeof *b->table);
    if (!b->arena || !b->name_arena || !b->table)
        goto fail;
    b->table_mask = 1023;
    uint32_t idx;
    if (intern(b, b->apex, b->apex_len, hash_bytes(b->apex, b->apex_len), IN_OWNER, &idx) < 0)
        goto fail;
    b->names[0].flags |= BN_NODE; /* name 0 is the apex */
    if (add_apex_records(b, soa) < 0)
        goto fail;
    return b;
fail:
    zone_builder_free(&b);
    return NULL;
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
    for (size_t i = 0; i < ll; i++)
        b->dcos[1 + i] = lower((uint8_t)label[i]);
    memcpy(b->dcos + 1 + ll, tail, sizeof tail); /* includes the root label */
    b->dcos_len = (uint8_t)(1 + ll + sizeof tail);
    return 0;
}

/* ---- finish: empty non-terminals and canonical order ------------------ */

/* Intern the ancestors of name `i` up to the first one that is already a
 * node, flagging them as nodes (empty non-terminals unless they have
 * records), and link each to its parent. */
static int link_up(zone_builder_t *b, uint32_t i)
{
    b->names[i].flags |= BN_NODE;
    while (i != 0) {
        const struct bname *bn = &b->names[i];
        const uint8_t *pn = bn->name + 1 + bn->name[0];
        size_t pl = bn->len - 1u - bn->name[0];
        uint32_t p;
        if (intern(b, pn, pl, hash_bytes(pn, pl), IN_SUFFIX, &p) < 0)
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
    uint32_t n = b->n_names;
    for (uint32_t i = 1; i < n; i++)
        if (b->names[i].head && !(b->names[i].flags & BN_NODE) && link_up(b, i) < 0)
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

static int sib_cmp(const void *x, const void *y, void *ctx)
{
    const struct sib *a = x, *b = y;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2 ? -1 : 1;
    const struct bname *names = ctx;
    const uint8_t *p = names[a->idx].name, *q = names[b->idx].name;
    int c = memcmp(p + 1, q + 1, p[0] < q[0] ? p[0] : q[0]);
    if (c)
        return c;
    return (p[0] > q[0]) - (p[0] < q[0]);
}

/* Sort kids[0 .. n) (name indices) by their first label. */
static int sort_siblings(zone_builder_t *b, uint32_t *kids, uint32_t n, struct sib **tmp,
                         uint32_t *cap)
{
    if (grow(tmp, sizeof **tmp, cap, n) < 0)
        return -ENOMEM;
    struct sib *v = *tmp;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *name = b->names[kids[i]].name;
        uint8_t pad[16] = {0};
        memcpy(pad, name + 1, name[0] < 16 ? name[0] : 16);
        v[i].k1 = v[i].k2 = 0;
        for (int j = 0; j < 8; j++) {
            v[i].k1 = v[i].k1 << 8 | pad[j];
            v[i].k2 = v[i].k2 << 8 | pad[8 + j];
        }
        v[i].idx = kids[i];
    }
    qsort_r(v, n, sizeof *v, sib_cmp, b->names);
    for (uint32_t i = 0; i < n; i++)
        kids[i] = v[i].idx;
    return 0;
}

/* Group the nodes by parent (counting sort) and sort each sibling group.
 * On return kids[start[p] .. start[p + 1]) are the children of name p. */
static int sort_children(zone_builder_t *b, uint32_t **pstart, uint32_t **pkids, uint32_t *n)
{
    uint32_t nn = b->n_names;
    uint32_t *start = calloc((size_t)nn + 2, sizeof *start);
    uint32_t *fill = malloc(((size_t)nn + 1) * sizeof *fill);
    uint32_t *kids = malloc(((size_t)nn + 1) * sizeof *kids);
    if (!start || !fill || !kids)
        goto fail;
    *n = 0;
    for (uint32_t i = 0; i < nn; i++) {
        if (!(b->names[i].flags & BN_NODE))
            continue;
        (*n)++;
        if (i != 0)
            start[b->names[i].parent]++; /* parent is index + 1 */
    }
    for (uint32_t p = 0; p < nn; p++)
        start[p + 1] += start[p];
    memcpy(fill, start, ((size_t)nn + 1) * sizeof *fill);
    for (uint32_t i = 1; i < nn; i++)
        if (b->names[i].flags & BN_NODE)
            kids[fill[b->names[i].parent - 1]++] = i;
    struct sib *tmp = NULL;
    uint32_t cap = 0;
    for (uint32_t p = 0; p < nn; p++)
        if (start[p + 1] - start[p] > 1 &&
            sort_siblings(b, kids + start[p], start[p + 1] - start[p], &tmp, &cap) < 0) {
            free(tmp);
            goto fail;
        }
    free(tmp);
    free(fill);
    *pstart = start;
    *pkids = kids;
    return 0;
fail:
    free(start);
    free(fill);
    free(kids);
    return -ENOMEM;
}

/* Node names in canonical order: depth first from the apex with sorted
 * siblings (a name precedes its descendants; a sibling's whole subtree
 * precedes the next sibling). */
static uint32_t *canonical_order(zone_builder_t *b, uint32_t *n_out)
{
    uint32_t *start = NULL, *kids = NULL, n = 0, k = 0, sp = 0;
    if (sort_children(b, &start, &kids, &n) < 0)
        return NULL;
    uint32_t *order = malloc((size_t)n * sizeof *order);
    uint32_t *stack = malloc((size_t)n * sizeof *stack);
    if (!order || !stack) {
        free(order);
        order = NULL;
        goto out;
    }
    stack[sp++] = 0;
    while (sp) {
        uint32_t x = stack[--sp];
        order[k++] = x;
        for (uint32_t j = start[x + 1]; j > start[x]; j--)
            stack[sp++] = kids[j - 1];
    }
    *n_out = n;
out:
    free(stack);
    free(start);
    free(kids);
    return order;
}

/* ---- finish: RRsets ---------------------------------------------------- */

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

static inline size_t payload_len(const struct brec *r)
{
    return r->type == RRTYPE_SRV ? SRV_POOL : r->rdlen;
}

static uint32_t rec_hash(const zone_builder_t *b, const struct brec *r)
{
    if (r->type == RRTYPE_A)
        return (uint32_t)mix64(r->data + 0x9e3779b97f4a7c15ULL);
    return hash_bytes(b->pool + r->data, payload_len(r));
}

/* Same rdata. SRV targets are interned, so equal indices = equal names. */
static bool rec_equal(const zone_builder_t *b, const struct brec *x, const struct brec *y)
{
    if (x->rdlen != y->rdlen)
        return false;
    if (x->type == RRTYPE_A)
        return x->data == y->data;
    return memcmp(b->pool + x->data, b->pool + y->data, payload_len(x)) == 0;
}

/* Drop repeats from g[0 .. *n), keeping first occurrences in order. */
static int dedup(zone_builder_t *b, uint32_t *g, uint32_t *n)
{
    uint32_t k = 0;
    if (*n <= 8) {
        for (uint32_t i = 0; i < *n; i++) {
            bool dup = false;
            for (uint32_t j = 0; j < k && !dup; j++)
                dup = rec_equal(b, &b->recs[g[j]], &b->recs[g[i]]);
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
        const struct brec *r = &b->recs[g[i]];
        size_t j = rec_hash(b, r) & (cap - 1);
        while (b->dedup[j] && !rec_equal(b, &b->recs[b->dedup[j] - 1], r))
            j = (j + 1) & (cap - 1);
        if (b->dedup[j])
            continue;
        b->dedup[j] = g[i] + 1;
        g[k++] = g[i];
    }
    *n = k;
    return 0;
}

/* { RDLENGTH, RDATA } of one record at `p`; returns the bytes written. */
static size_t write_rdata(const zone_builder_t *b, const struct brec *r, uint8_t *p)
{
    put16(p, r->rdlen);
    if (r->type == RRTYPE_A) {
        memcpy(p + 2, &r->data, 4);
    } else if (r->type == RRTYPE_SRV) {
        uint32_t t;
        memcpy(p + 2, b->pool + r->data, SRV_FIXED);
        memcpy(&t, b->pool + r->data + SRV_FIXED, 4);
        memcpy(p + 2 + SRV_FIXED, b->names[t].name, b->names[t].len);
    } else {
        memcpy(p + 2, b->pool + r->data, r->rdlen);
    }
    return 2u + r->rdlen;
}

static int blobs_grow(zone_builder_t *b)
{
    size_t cap = b->blobs ? ((size_t)b->blob_mask + 1) * 2 : 1024;
    struct blob_slot *t = calloc(cap, sizeof *t);
    if (!t)
        return -ENOMEM;
    for (size_t i = 0; b->blobs && i <= b->blob_mask; i++) {
        if (!b->blobs[i].rdata)
            continue;
        size_t j = b->blobs[i].hash & (cap - 1);
        while (t[j].rdata)
            j = (j + 1) & (cap - 1);
        t[j] = b->blobs[i];
    }
    free(b->blobs);
    b->blobs = t;
    b->blob_mask = (uint32_t)(cap - 1);
    return 0;
}

/* SRV rdata and targets of `set` from its records g[0 .. count): reuse an
 * identical blob stored before (the _tcp/_udp and .slave twins), or store
 * it. The wire form is assembled in scratch first. */
static int emit_srv(zone_builder_t *b, zone_snap_t *s, zone_rrset_t *set, const uint32_t *g)
{
    if (grow(&b->scratch, 1, &b->cap_scratch, set->rdata_len) < 0)
        return -ENOMEM;
    uint8_t *p = b->scratch;
    for (uint32_t i = 0; i < set->count; i++)
        p += write_rdata(b, &b->recs[g[i]], p);
    if ((size_t)(b->n_blobs + 1) * 2 > (size_t)b->blob_mask + 1 && blobs_grow(b) < 0)
        return -ENOMEM;
    uint32_t h = hash_bytes(b->scratch, set->rdata_len);
    size_t j = h & b->blob_mask;
    for (; b->blobs[j].rdata; j = (j + 1) & b->blob_mask) {
        const struct blob_slot *o = &b->blobs[j];
        if (o->hash == h && o->len == set->rdata_len &&
            memcmp(o->rdata, b->scratch, set->rdata_len) == 0) {
            set->rdata = o->rdata;
            set->targets = o->targets;
            return 0;
        }
    }
    const zone_node_t **t = arena_alloc(b->arena, set->count * sizeof *t);
    uint8_t *rd = arena_memdup(b->arena, b->scratch, set->rdata_len);
    if (!t || !rd)
        return -ENOMEM;
    for (unsigned i = 0; i < set->count; i++) {
        uint32_t ti;
        memcpy(&ti, b->pool + b->recs[g[i]].data + SRV_FIXED, 4);
        t[i] = b->names[ti].node ? b->names[ti].zn : NULL;
    }
    b->blobs[j] = (struct blob_slot){h, set->rdata_len, rd, t};
    b->n_blobs++;
    set->rdata = rd;
    set->targets = t;
    return 0;
}

/* Fill `set` from the records g[0 .. n) of one type: drop repeats, cap the
 * count, write the wire rdata. Returns the records kept or -ENOMEM. */
static int emit_rrset(zone_builder_t *b, zone_snap_t *s, zone_rrset_t *set, uint32_t *g, uint32_t n)
{
    if (n > 1 && dedup(b, g, &n) < 0)
        return -ENOMEM;
    if (n > MAX_RRSET_RECORDS) {
        b->dropped += n - MAX_RRSET_RECORDS;
        n = MAX_RRSET_RECORDS;
    }
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++)
        len += 2u + b->recs[g[i]].rdlen;
    *set = (zone_rrset_t){b->recs[g[0]].type, (uint16_t)n, b->ttl, (uint32_t)len, NULL, NULL};
    if (set->type == RRTYPE_SRV)
        return emit_srv(b, s, set, g) < 0 ? -ENOMEM : (int)n;
    uint8_t *p = arena_alloc(b->arena, len);
    if (!p)
        return -ENOMEM;
    set->rdata = p;
    for (uint32_t i = 0; i < n; i++)
        p += write_rdata(b, &b->recs[g[i]], p);
    return (int)n;
}

/* Records of name `bn` into grp (generation order), grouped by type in
 * ascending type order (stable) when there are several types. */
static int gather(zone_builder_t *b, const struct bname *bn, uint32_t *n, unsigned *types)
{
    *n = 0;
    *types = 0;
    for (uint32_t r = bn->head; r; r = b->recs[r - 1].next) {
        if (*n == b->cap_grp && grow(&b->grp, sizeof *b->grp, &b->cap_grp, *n + 1) < 0)
            return -ENOMEM;
        b->grp[(*n)++] = r - 1;
        *types |= 1u << type_bit(b->recs[r - 1].type);
    }
    if (!(*types & (*types - 1)))
        return 0;
    if (grow(&b->grp2, sizeof *b->grp2, &b->cap_grp2, *n) < 0)
        return -ENOMEM;
    uint32_t k = 0;
    for (unsigned bit = 0; bit < N_TYPES; bit++)
        for (uint32_t i = 0; (*types >> bit & 1u) && i < *n; i++)
            if (b->recs[b->grp[i]].type == type_by_bit[bit])
                b->grp2[k++] = b->grp[i];
    memcpy(b->grp, b->grp2, *n * sizeof *b->grp);
    return 0;
}

static int emit_node(zone_builder_t *b, zone_snap_t *s, uint32_t ni)
{
    const struct bname *bn = &b->names[ni];
    zone_node_t *zn = bn->zn;
    uint32_t n;
    unsigned types;
    if (gather(b, bn, &n, &types) < 0)
        return -ENOMEM;
    unsigned n_sets = (unsigned)__builtin_popcount(types);
    zone_rrset_t *sets = arena_alloc(b->arena, n_sets * sizeof *sets);
    if (!sets)
        return -ENOMEM;
    for (uint32_t i = 0, set = 0; i < n; set++) {
        uint32_t j = i + 1;
        while (j < n && b->recs[b->grp[j]].type == b->recs[b->grp[i]].type)
            j++;
        int kept = emit_rrset(b, s, &sets[set], b->grp + i, j - i);
        if (kept < 0)
            return -ENOMEM;
        s->n_records += (size_t)kept;
        i = j;
    }
    zn->rrsets = sets;
    zn->n_rrsets = (uint8_t)n_sets;
    return 0;
}

/* Node blocks for the nodes that own no records (empty non-terminals),
 * and the canonical list. All exist before any RRset is written, so SRV
 * targets can point at them. */
static int alloc_nodes(zone_builder_t *b, zone_snap_t *s)
{
    for (uint32_t i = 0; i < b->n_names; i++) {
        struct bname *bn = &b->names[i];
        if (!bn->node)
            continue;
        if (node_block(b, bn) < 0)
            return -ENOMEM;
        s->nodes[bn->node - 1] = bn->zn;
    }
    return 0;
}

static int build_index(zone_builder_t *b, zone_snap_t *s)
{
    size_t cap = pow2_at_least(s->n_nodes * 2);
    /* Load <= 1/2: short linear probes. */
    s->index = arena_calloc(b->arena, cap * sizeof *s->index);
    if (!s->index)
        return -ENOMEM;
    s->mask = (uint32_t)(cap - 1);
    for (uint32_t i = 0; i < b->n_names; i++) {
        if (!b->names[i].zn)
            continue;
        uint32_t h = b->names[i].hash;
        size_t j = h & s->mask;
        while (s->index[j].node)
            j = (j + 1) & s->mask;
        s->index[j] = (struct idx_slot){b->names[i].zn, h};
    }
    return 0;
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

static int build_snapshot(zone_builder_t *b, zone_snap_t *s)
{
    uint32_t n = 0;
    uint32_t *order = NULL;
    int rc = -ENOMEM;
    if (link_parents(b) < 0 || !(order = canonical_order(b, &n)))
        goto out;
    s->n_nodes = n;
    s->nodes = arena_alloc(b->arena, (size_t)n * sizeof *s->nodes);
    if (!s->nodes)
        goto out;
    for (uint32_t k = 0; k < n; k++)
        b->names[order[k]].node = k + 1;
    /* Walk in interning order, not canonical order: names and their
     * records were stored in that order, so memory is read sequentially. */
    if (alloc_nodes(b, s) < 0)
        goto out;
    for (uint32_t i = 0; i < b->n_names; i++)
        if (b->names[i].head && emit_node(b, s, i) < 0)
            goto out;
    if (build_index(b, s) < 0)
        goto out;
    if (b->dcos_len && !(s->dcos = arena_memdup(b->arena, b->dcos, b->dcos_len)))
        goto out;
    s->dcos_len = b->dcos_len;
    s->soa_serial = soa_serial_at(s);
    rc = 0;
out:
    free(order);
    return rc;
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
    zone_snap_t *s = arena_calloc(b->arena, sizeof *s);
    int rc = s ? build_snapshot(b, s) : -ENOMEM;
    if (rc == 0) {
        if (b->dropped)
            log_warn("zone: %zu records dropped: an RRset holds at most %u records", b->dropped,
                     (unsigned)MAX_RRSET_RECORDS);
        note_peak(b);
        s->build_peak = b->peak;
        s->arena = b->arena;
        b->arena = NULL;
        *out = s;
    }
    zone_builder_free(&b);
    return rc;
}
