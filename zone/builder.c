/* builder: the zone builder (zone/builder.h), adding records; finishing
 * them into a snapshot is builder_finish.c.
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
 * Finishing (builder_finish.c) turns that into the snapshot, laid out so
 * that walking it in canonical order (AXFR, exports, the content
 * comparison of every rebuild) reads memory front to back. */
#include "zone/builder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/dname.h"
#include "common/hash.h"
#include "common/log.h"
#include "zone/builder_int.h"

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
int builder_grow(void *arr, size_t sz, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap += ncap / 2;
    return resize(arr, sz, cap, ncap);
}

void builder_pages_free(void *arr, size_t sz, size_t *cap)
{
    arena_pages_free(*(void **)arr, *cap * sz);
    *(void **)arr = NULL;
    *cap = 0;
}

/* ---- add ---------------------------------------------------------------- */

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

void builder_note_peak(zone_builder_t *b)
{
    size_t m = zone_builder_memory(b);
    if (m > b->peak)
        b->peak = m;
}

/* Accepted types in ascending order: a node's RRsets come out sorted. */
const uint16_t builder_type_by_bit[BUILDER_N_TYPES] = {
    RRTYPE_A, RRTYPE_NS, RRTYPE_CNAME, RRTYPE_SOA, RRTYPE_PTR, RRTYPE_TXT, RRTYPE_AAAA, RRTYPE_SRV};

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
    builder_pages_free(&b->table, sizeof *b->table, &b->cap_table);
    b->table = t;
    b->cap_table = ncap;
    builder_note_peak(b);
    return 0;
}

/* Index of `name` (lowercase, `len` bytes, hash `h`), interning it when
 * new: its bytes are copied into nb, unless `suffix_off` (not UINT32_MAX)
 * says where in nb they already are. */
int builder_intern(zone_builder_t *b, const uint8_t *name, size_t len, uint32_t h,
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
    if (builder_grow(&b->names, sizeof *b->names, &b->cap_names, b->n_names + 1) < 0)
        return -ENOMEM;
    uint32_t off = suffix_off;
    if (off == UINT32_MAX) {
        if (builder_grow(&b->nb, 1, &b->cap_nb, b->nb_len + len) < 0)
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
    int rc = builder_intern(b, name, len, h, UINT32_MAX, idx);
    if (rc == 0)
        b->recent[(h >> 16) & (RECENT_NAMES - 1)] = *idx + 1;
    return rc;
}

static int pool_put(zone_builder_t *b, const void *p, size_t n, uint32_t *off)
{
    if (builder_grow(&b->pool, 1, &b->cap_pool, b->pool_len + n) < 0)
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
        if (builder_grow(&b->recs, sizeof *b->recs, &b->cap_recs, b->n_recs + 1) < 0)
            return -ENOMEM;
        builder_note_peak(b);
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
    builder_pages_free(&b->fix_tab, sizeof *b->fix_tab, &b->cap_fix_tab);
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
        if (builder_grow(&b->fix, sizeof *b->fix, &b->cap_fix, b->n_fix + 1) < 0)
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
        if (rdlen == 0 || dname_len(rd, rdlen) != rdlen)
            return -EINVAL;
        hash_lower(b->seed, rd, rdlen, buf);
        return pool_put(b, buf, rdlen, data);
    case RRTYPE_SRV: {
        if (rdlen <= SRV_FIXED ||
            dname_len(rd + SRV_FIXED, rdlen - SRV_FIXED) != rdlen - (int)SRV_FIXED)
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
    builder_pages_free(&b->names, sizeof *b->names, &b->cap_names);
    builder_pages_free(&b->nb, 1, &b->cap_nb);
    builder_pages_free(&b->table, sizeof *b->table, &b->cap_table);
    builder_pages_free(&b->recs, sizeof *b->recs, &b->cap_recs);
    builder_pages_free(&b->pool, 1, &b->cap_pool);
    builder_pages_free(&b->fix, sizeof *b->fix, &b->cap_fix);
    builder_pages_free(&b->fix_tab, sizeof *b->fix_tab, &b->cap_fix_tab);
    builder_pages_free(&b->tmp, sizeof *b->tmp, &b->cap_tmp);
    builder_pages_free(&b->dedup, sizeof *b->dedup, &b->cap_dedup);
    builder_pages_free(&b->srvkeys, sizeof *b->srvkeys, &b->cap_srvkeys);
    builder_pages_free(&b->blobs, sizeof *b->blobs, &b->cap_blobs);
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
    bytes_put32(t, 0);
    bytes_put32(t + 4, soa->refresh);
    bytes_put32(t + 8, soa->retry);
    bytes_put32(t + 12, soa->expire);
    bytes_put32(t + 16, soa->minimum);
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
    zone_builder_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    int al = dname_from_text(apex, b->apex);
    if (al < 0)
        goto fail;
    dname_lower(b->apex);
    b->apex_len = (uint8_t)al;
    b->ttl = soa->ttl;
    b->seed = hash_seed();
    if (presize(b, records) < 0)
        goto fail;
    uint32_t idx;
    if (builder_intern(b, b->apex, b->apex_len, hash_bytes(b->seed, b->apex, b->apex_len),
                       UINT32_MAX, &idx) < 0)
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
