/* snapshot: reading the immutable, indexed zone snapshot that
 * zone/builder.c makes (its layout is in zone/snapshot.h).
 *
 * A lookup hashes the name (common/hash.h, the snapshot's seed), probes the
 * open-addressing index of (hash, block offset) and reads one node block
 * (node, name, RRset array): two cache lines or so. Nodes are in canonical
 * order, so walking the snapshot (AXFR, exports, the content comparison of
 * every rebuild) reads memory front to back. */
#include "zone/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/bytes.h"
#include "common/dname.h"
#include "common/hash.h"

const zone_node_t *zone_snap_find(const zone_snap_t *s, const uint8_t *name, size_t len)
{
    if (!s || !name || len == 0 || len > DNAME_MAXLEN)
        return NULL;
    uint32_t h = hash_bytes(s->seed, name, len);
    const zone_snap_slot_t *tab = s->index;
    for (uint32_t i = h & s->mask;; i = (i + 1) & s->mask) {
        uint32_t blk = tab[i].block;
        if (!blk)
            return NULL;
        if (tab[i].hash != h)
            continue;
        const zone_node_t *n = (const zone_node_t *)(s->blocks + (size_t)(blk - 1) * 8);
        if (n->name_len == len && hash_eq(n->name, name, len))
            return n;
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
    bytes_put32(s->soa_serial, serial);
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
        v[i].len = bytes_get16(p);
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
