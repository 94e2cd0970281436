/* builder_finish: zone_builder_finish() — from the records added (see
 * builder.c) to a finished snapshot (struct zone_snap, zone/snapshot.h).
 *
 * Steps:
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
 *    filled in slot order (entries bucketed by slot first), not at random. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/dname.h"
#include "common/hash.h"
#include "common/log.h"
#include "zone/builder.h"
#include "zone/builder_int.h"

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
        builder_note_peak(b);
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
        if (builder_intern(b, b->nb + poff, pl, hash_bytes(b->seed, b->nb + poff, pl), poff, &p) <
            0)
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
    if (builder_grow(&b->dedup, sizeof *b->dedup, &b->cap_dedup, cap) < 0)
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
    bytes_put16(p, r->rdlen);
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
    builder_pages_free(&b->blobs, sizeof *b->blobs, &b->cap_blobs);
    b->blobs = t;
    b->cap_blobs = cap;
    builder_note_peak(b);
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
    if (builder_grow(&b->srvkeys, sizeof *b->srvkeys, &b->cap_srvkeys, b->n_srvkeys + n) < 0)
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
    if (builder_grow(&b->tmp, sizeof *b->tmp, &b->cap_tmp, n) < 0)
        return NULL;
    uint32_t k = 0;
    for (unsigned bit = 0; bit < BUILDER_N_TYPES; bit++)
        for (uint32_t i = 0; (types >> bit & 1u) && i < n; i++)
            if (g[i].type == builder_type_by_bit[bit])
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
    builder_note_peak(b);
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
        builder_pages_free(&b->recs, sizeof *b->recs, &b->cap_recs);
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
    builder_pages_free(&b->table, sizeof *b->table, &b->cap_table); /* nothing is interned now */
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
