/* answer: the DNS answer pipeline (see answer.h).
 *
 * Decisions (documented for operators in the README via the lead):
 * - NOTIFY and other opcodes than QUERY get NOTIMP with the header only.
 * - AXFR/IXFR of the apex over TCP: ANSWER_XFR (the caller streams it); IXFR
 *   over UDP: the apex SOA alone (RFC 1995 §2: the secondary compares serials
 *   and comes back over TCP); AXFR over UDP: NOTIMP; a name below the apex:
 *   NOTAUTH; outside the zone or under the DC/OS suffix: REFUSED (transfers
 *   are never forwarded).
 * - QTYPE OPT, TKEY or TSIG in a question is FORMERR (meta types).
 * - ANY is answered with every RRset of the node (not RFC 8482 minimal):
 *   our RRsets are small and the same data is one A/SRV query away.
 * - CH TXT id.server/hostname.bind/version.bind/version.server are answered
 *   (AA, TTL 0); a hidden version, another CH name or type: REFUSED.
 * - Records in ANSWER or AUTHORITY of a query (except the one SOA in
 *   AUTHORITY of an IXFR, RFC 1995 §3), a second OPT, an OPT with a
 *   non-root owner: FORMERR. Other ADDITIONAL records (TSIG, ...) are ignored.
 * - '*' labels other than the first are removed before lookup (Mesos-DNS
 *   deletes ".*"); answer owners stay the question as asked.
 * - Under the DC/OS suffix, a zone name that would exceed 255 octets once
 *   renamed is left out of the answer (SRV, ADDITIONAL) or written unrenamed
 *   (SOA/NS rdata).
 * - ADDITIONAL never causes TC; AUTHORITY (the negative SOA) does. */
#include "dnsd/answer.h"
#include "common/hash.h"

#include <string.h>
#include <unistd.h>

/* One query on its way through the pipeline; lives on the stack. */
typedef struct ans {
    answer_ctx_t *ctx;
    const zone_snap_t *z;
    const uint8_t *query;
    wire_writer_t *w;
    uint16_t an, ns, ar; /* section counts */
    bool with_question;  /* echo the question */
    bool with_opt;       /* append an OPT record */
    bool aa, tc, cut;    /* AA bit, TC bit, records left out */
    bool noted;          /* the apex in the question known to the writer */
    bool tcp;            /* the query came over TCP */
    size_t apex_off;     /* where the (renamed) apex ends the question */
    const uint8_t *apex; /* zone apex, lowercase wire */
    size_t apex_len;
    const uint8_t *sfx; /* DC/OS suffix when renaming, else NULL */
    size_t sfx_len;
} ans_t;

/* --- small helpers ------------------------------------------------------ */

/* wyrand: one multiply per draw, full 64-bit period. */
static inline uint64_t rng_next(uint64_t *s)
{
    *s += 0xa0761d6478bd642fULL;
    __uint128_t t = (__uint128_t)*s * (*s ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* Uniform enough in [0, n) without a division (Lemire). */
static inline uint32_t rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

static size_t make_txt(const char *s, uint8_t out[256])
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0)
        return 0;
    if (n > 255)
        n = 255;
    out[0] = (uint8_t)n;
    memcpy(out + 1, s, n);
    return n + 1;
}

void answer_ctx_init(answer_ctx_t *ctx, const answer_cfg_t *cfg, uint64_t seed)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = cfg;
    ctx->rng = seed;
    wire_writer_init(&ctx->w);
    int n = cfg->domain ? dname_from_text(cfg->domain, ctx->domain) : -1;
    if (n > 1) {
        dname_lower(ctx->domain);
        ctx->domain_len = (uint8_t)n;
    }
    const char *id = cfg->identity;
    char host[256];
    if (!id || !*id) {
        if (gethostname(host, sizeof host) != 0)
            host[0] = '\0';
        host[sizeof host - 1] = '\0';
        id = host;
    }
    ctx->id_txt_len = (uint16_t)make_txt(id, ctx->id_txt);
    ctx->ver_txt_len = (uint16_t)make_txt(cfg->version_bind, ctx->ver_txt);
    unsigned m = cfg->edns_max;
    ctx->edns_max = (uint16_t)(m < 512 ? 512 : m);
}

/* The name to write for the zone name `name`: itself, or moved under the
 * DC/OS suffix when the query came that way and the name lies under the
 * apex (`in_zone` says it is known to). NULL when the moved name would be
 * too long. */
static const uint8_t *out_name(ans_t *a, const uint8_t *name, size_t len, size_t *olen,
                               bool in_zone)
{
    *olen = len;
    if (!a->sfx || (!in_zone && !dname_is_sub(name, len, a->apex, a->apex_len)))
        return name;
    size_t n = len - 1 + a->sfx_len;
    if (n > DNAME_MAXLEN)
        return NULL;
    memcpy(a->ctx->rename, name, len - 1);
    memcpy(a->ctx->rename + len - 1, a->sfx, a->sfx_len);
    *olen = n;
    return a->ctx->rename;
}

/* A compressed name. The apex at the end of the question joins the
 * compression table lazily, so that answers without compressible names
 * never hash anything; every name we compress is a zone name or SOA/NS
 * rdata, which share the apex far more often than other question labels. */
static int put_name(ans_t *a, const uint8_t *name, size_t len)
{
    if (!a->noted) {
        if (a->apex_off != SIZE_MAX)
            wire_note_name(a->w, a->apex_off);
        a->noted = true;
    }
    return wire_put_name(a->w, name, len, true);
}

/* Owner, TYPE, CLASS IN, TTL: a pointer to `ptr` when addressable, else
 * `name` (may be NULL only when ptr is addressable). Returns the offset of
 * the RDLENGTH field, or -1 when out of room. */
static int put_head(ans_t *a, size_t ptr, const uint8_t *name, size_t len, uint16_t type,
                    uint32_t ttl)
{
    wire_writer_t *w = a->w;
    if (ptr <= WIRE_PTR_MAX) {
        if (!wire_room(w, 12))
            return -1;
        wire_put16(w->buf + w->len, (uint16_t)(0xC000u | ptr));
        w->len += 2;
    } else if (put_name(a, name, len) < 0 || !wire_room(w, 10)) {
        return -1;
    }
    uint8_t *p = w->buf + w->len;
    wire_put16(p, type);
    wire_put16(p + 2, WIRE_CLASS_IN);
    wire_put32(p + 4, ttl);
    w->len += 8;
    return (int)w->len;
}

/* --- ADDITIONAL targets ------------------------------------------------- */

/* Remember a target whose A/AAAA go to ADDITIONAL, once per node. */
static void add_target(ans_t *a, const zone_node_t *node, size_t off)
{
    answer_ctx_t *ctx = a->ctx;
    if (ctx->n_adds >= ANSWER_MAX_ADDS)
        return;
    uint32_t k = (uint32_t)(((uintptr_t)node >> 4) * 0x9E3779B1u) & (ANSWER_ADD_SLOTS - 1);
    while (ctx->add_set[k].gen == ctx->add_gen) {
        if (ctx->add_set[k].node == node)
            return;
        k = (k + 1) & (ANSWER_ADD_SLOTS - 1);
    }
    ctx->add_set[k].gen = ctx->add_gen;
    ctx->add_set[k].node = node;
    ctx->adds[ctx->n_adds].node = node;
    ctx->adds[ctx->n_adds].off = (uint32_t)off;
    ctx->n_adds++;
}

/* One whole RRset of a target into ADDITIONAL, or nothing. The owner is a
 * pointer to where the target's name was written when it is addressable
 * (always in UDP-sized answers), else the name itself. */
static bool put_add_rrset(ans_t *a, const struct answer_add *t, const zone_rrset_t *rs)
{
    wire_writer_t *w = a->w;
    size_t save = w->len;
    uint16_t ar = a->ar;
    const uint8_t *name = t->node->name;
    size_t len = t->node->name_len;
    if (t->off > WIRE_PTR_MAX && !(name = out_name(a, name, len, &len, true)))
        return false;
    uint8_t head[12] = {(uint8_t)(0xC0 | (t->off >> 8)), (uint8_t)t->off};
    wire_put16(head + 2, rs->type);
    wire_put16(head + 4, WIRE_CLASS_IN);
    wire_put32(head + 6, rs->ttl);
    const uint8_t *rd = rs->rdata;
    for (unsigned i = 0; i < rs->count; i++) {
        size_t rdl = wire_get16(rd);
        if (t->off <= WIRE_PTR_MAX) {
            if (!wire_room(w, 12 + rdl))
                goto undo;
            memcpy(w->buf + w->len, head, 10);
            w->len += 10;
        } else if (put_head(a, SIZE_MAX, name, len, rs->type, rs->ttl) < 0 ||
                   !wire_room(w, 2 + rdl)) {
            goto undo;
        }
        memcpy(w->buf + w->len, rd, 2 + rdl);
        w->len += 2 + rdl;
        a->ar++;
        rd += 2 + rdl;
    }
    return true;
undo:
    w->len = save;
    a->ar = ar;
    return false;
}

/* A and AAAA of every remembered target, in answer order, whole RRsets
 * only; one that does not fit is left out, without TC (RFC 2181 §9), and
 * smaller ones after it may still fill the space. */
static void write_additional(ans_t *a)
{
    answer_ctx_t *ctx = a->ctx;
    for (unsigned i = 0; i < ctx->n_adds; i++) {
        const zone_node_t *n = ctx->adds[i].node;
        for (unsigned r = 0; r < n->n_rrsets; r++) {
            const zone_rrset_t *rs = &n->rrsets[r];
            if (rs->type == RRTYPE_A || rs->type == RRTYPE_AAAA)
                put_add_rrset(a, &ctx->adds[i], rs);
        }
    }
}

/* --- ANSWER and AUTHORITY records ---------------------------------------- */

/* RDATA copied as prebuilt. */
static bool put_plain(ans_t *a, uint16_t type, uint32_t ttl, const uint8_t *rd)
{
    wire_writer_t *w = a->w;
    size_t rdl = wire_get16(rd);
    if (!wire_room(w, 12 + rdl))
        return false;
    uint8_t *p = w->buf + w->len;
    p[0] = 0xC0;
    p[1] = WIRE_HDR_LEN;
    wire_put16(p + 2, type);
    wire_put16(p + 4, WIRE_CLASS_IN);
    wire_put32(p + 6, ttl);
    memcpy(p + 10, rd, 2 + rdl);
    w->len += 12 + rdl;
    a->an++;
    return true;
}

/* SRV: target written in full (RFC 2782), renamed when needed; its node
 * goes on the ADDITIONAL list with the target's offset as owner pointer. */
static bool put_srv(ans_t *a, const zone_rrset_t *rs, const uint8_t *rd, unsigned idx)
{
    wire_writer_t *w = a->w;
    const zone_node_t *tn = rs->targets ? rs->targets[idx] : NULL;
    size_t rdl = wire_get16(rd), tlen = rdl - 6;
    const uint8_t *tgt = a->sfx ? out_name(a, rd + 8, tlen, &tlen, tn != NULL) : rd + 8;
    if (!tgt)
        return true; /* not expressible under the suffix: leave it out */
    if (!wire_room(w, 18 + tlen))
        return false;
    uint8_t *p = w->buf + w->len;
    p[0] = 0xC0;
    p[1] = WIRE_HDR_LEN;
    wire_put16(p + 2, RRTYPE_SRV);
    wire_put16(p + 4, WIRE_CLASS_IN);
    wire_put32(p + 6, rs->ttl);
    wire_put16(p + 10, (uint16_t)(6 + tlen));
    memcpy(p + 12, rd + 2, 6);
    memcpy(p + 18, tgt, tlen);
    if (tn)
        add_target(a, tn, w->len + 18);
    w->len += 18 + tlen;
    a->an++;
    return true;
}

/* A name inside RDATA, compressed and renamed; returns its offset or -1. */
static int put_rdata_name(ans_t *a, const uint8_t *name, size_t len)
{
    size_t olen;
    const uint8_t *o = out_name(a, name, len, &olen, false);
    if (!o) { /* too long under the suffix: keep the zone's own name */
        o = name;
        olen = len;
    }
    return put_name(a, o, olen);
}

/* NS at the apex: compressed target, glue for an in-zone target. */
static bool put_ns(ans_t *a, uint32_t ttl, const uint8_t *rd)
{
    wire_writer_t *w = a->w;
    size_t save = w->len, tlen = wire_get16(rd);
    int at = put_head(a, WIRE_HDR_LEN, NULL, 0, RRTYPE_NS, ttl);
    int noff = at < 0 || !wire_room(w, 2) ? -1 : (w->len += 2, put_rdata_name(a, rd + 2, tlen));
    if (noff < 0) {
        w->len = save;
        return false;
    }
    wire_put16(w->buf + at, (uint16_t)(w->len - (size_t)at - 2));
    a->an++;
    const zone_node_t *tn = zone_snap_find(a->z, rd + 2, tlen);
    if (tn)
        add_target(a, tn, (size_t)noff);
    return true;
}

/* SOA with compressed MNAME/RNAME. In ANSWER the owner is the question;
 * in AUTHORITY the apex (renamed when needed). */
static bool put_soa(ans_t *a, bool authority, uint32_t ttl, const uint8_t *rd)
{
    wire_writer_t *w = a->w;
    size_t save = w->len, rdl = wire_get16(rd);
    int ml = dname_len(rd + 2, rdl);
    int rl = ml < 0 ? -1 : dname_len(rd + 2 + ml, rdl - (size_t)ml);
    if (rl < 0 || rdl != (size_t)ml + (size_t)rl + 20)
        return true; /* malformed prebuilt rdata: never from our builder */
    /* The owner is the question, or the apex: usually a pointer to the end
     * of the question, else written out. */
    size_t olen = 0;
    const uint8_t *owner = NULL;
    if (authority && a->apex_off == SIZE_MAX)
        owner = out_name(a, a->apex, a->apex_len, &olen, true);
    int at =
        authority && a->apex_off == SIZE_MAX && !owner
            ? -1
            : put_head(a, authority ? a->apex_off : WIRE_HDR_LEN, owner, olen, RRTYPE_SOA, ttl);
    if (at < 0 || !wire_room(w, 2) || (w->len += 2, put_rdata_name(a, rd + 2, (size_t)ml)) < 0 ||
        put_rdata_name(a, rd + 2 + ml, (size_t)rl) < 0 || !wire_room(w, 20)) {
        w->len = save;
        return false;
    }
    memcpy(w->buf + w->len, rd + 2 + ml + rl, 20);
    w->len += 20;
    wire_put16(w->buf + at, (uint16_t)(w->len - (size_t)at - 2));
    return true;
}

static bool put_answer_record(ans_t *a, const zone_rrset_t *rs, const uint8_t *rd, unsigned idx)
{
    switch (rs->type) {
    case RRTYPE_SRV:
        return put_srv(a, rs, rd, idx);
    case RRTYPE_NS:
        return put_ns(a, rs->ttl, rd);
    case RRTYPE_SOA:
        if (!put_soa(a, false, rs->ttl, rd))
            return false;
        a->an++;
        return true;
    default:
        return put_plain(a, rs->type, rs->ttl, rd);
    }
}

static void mark_cut(ans_t *a)
{
    a->cut = true;
    a->tc = a->ctx->cfg->set_truncate_bit;
}

/* RRsets too big to shuffle exactly start at a random record and wrap. */
static bool answer_rotated(ans_t *a, const zone_rrset_t *rs)
{
    uint32_t n = rs->count, start = rng_below(&a->ctx->rng, n), off = 0;
    for (uint32_t i = 0; i < start; i++)
        off += 2u + wire_get16(rs->rdata + off);
    for (uint32_t i = 0, idx = start; i < n; i++) {
        if (!put_answer_record(a, rs, rs->rdata + off, idx))
            return false;
        off += 2u + wire_get16(rs->rdata + off);
        if (++idx == n)
            idx = off = 0;
    }
    return true;
}

static void shuffle_begin(answer_ctx_t *ctx)
{
    if (++ctx->shuffle_gen == 0) { /* wrapped: forget every stamp once */
        memset(ctx->order_gen, 0, sizeof ctx->order_gen);
        ctx->shuffle_gen = 1;
    }
}

static inline uint16_t shuffle_at(const answer_ctx_t *ctx, uint32_t i)
{
    return ctx->order_gen[i] == ctx->shuffle_gen ? ctx->order[i] : (uint16_t)i;
}

/* The record at position i (0, 1, ... in turn) of a random order of n:
 * swap a random later position into i. Position i is never read again,
 * so only position j needs storing. */
static inline uint16_t shuffle_next(answer_ctx_t *ctx, uint32_t i, uint32_t n)
{
    uint32_t j = i + rng_below(&ctx->rng, n - i);
    uint16_t pick = shuffle_at(ctx, j);
    ctx->order[j] = shuffle_at(ctx, i);
    ctx->order_gen[j] = ctx->shuffle_gen;
    return pick;
}

/* A and AAAA, the bulk of all answers: fixed-size records, so the i-th
 * record is at i * rec and the 10 bytes before RDLENGTH are the same for
 * all (pointer to the question, TYPE, CLASS, TTL). Partial Fisher-Yates:
 * a cut answer costs only what it writes. */
static bool answer_fixed(ans_t *a, const zone_rrset_t *rs, size_t rec)
{
    answer_ctx_t *ctx = a->ctx;
    wire_writer_t *w = a->w;
    uint32_t n = rs->count;
    uint8_t head[10] = {0xC0, WIRE_HDR_LEN};
    wire_put16(head + 2, rs->type);
    wire_put16(head + 4, WIRE_CLASS_IN);
    wire_put32(head + 6, rs->ttl);
    shuffle_begin(ctx);
    for (uint32_t i = 0; i < n; i++) {
        if (!wire_room(w, 10 + rec))
            return false;
        uint16_t pick = shuffle_next(ctx, i, n);
        uint8_t *p = w->buf + w->len;
        memcpy(p, head, 10);
        if (rec == 6)
            memcpy(p + 10, rs->rdata + (size_t)pick * 6, 6);
        else
            memcpy(p + 10, rs->rdata + (size_t)pick * rec, rec);
        w->len += 10 + rec;
        a->an++;
    }
    return true;
}

/* Every record of `rs` into ANSWER in a fresh random order (Fisher-Yates,
 * drawn lazily: a cut answer of fixed-size records costs only what it
 * writes; variable-size ones (SRV) first take one pass over the offsets).
 * Returns false when the answer was cut. */
static bool answer_rrset(ans_t *a, const zone_rrset_t *rs)
{
    answer_ctx_t *ctx = a->ctx;
    uint32_t n = rs->count;
    bool ok = true;
    size_t fixed = rs->type == RRTYPE_A ? 6 : rs->type == RRTYPE_AAAA ? 18 : 0;
    if (n > ANSWER_MAX_ORDER) {
        ok = answer_rotated(a, rs);
    } else if (fixed && rs->rdata_len == fixed * n) {
        ok = answer_fixed(a, rs, fixed);
    } else {
        /* Variable-size records (SRV): one pass for the offsets, a few
         * loads per record, still far below what writing them costs. */
        for (uint32_t i = 0, off = 0; i < n; i++) {
            ctx->offs[i] = off;
            off += 2u + wire_get16(rs->rdata + off);
        }
        shuffle_begin(ctx);
        for (uint32_t i = 0; ok && i < n; i++) {
            uint16_t pick = shuffle_next(ctx, i, n);
            ok = put_answer_record(a, rs, rs->rdata + ctx->offs[pick], pick);
        }
    }
    if (!ok)
        mark_cut(a);
    return ok;
}

/* The apex SOA in AUTHORITY for NXDOMAIN/NODATA, TTL = min(TTL, MINIMUM)
 * (RFC 2308 §3). */
static void authority_soa(ans_t *a)
{
    const zone_rrset_t *soa = zone_node_rrset(zone_snap_apex_node(a->z), RRTYPE_SOA);
    if (!soa)
        return;
    uint32_t min = wire_get32(soa->rdata + soa->rdata_len - 4);
    if (!put_soa(a, true, soa->ttl < min ? soa->ttl : min, soa->rdata)) {
        mark_cut(a);
        return;
    }
    a->ns++;
}

/* --- the pipeline --------------------------------------------------------- */

/* Header, counts and OPT; the result. */
static void finish(ans_t *a, unsigned rcode, answer_result_t *res)
{
    answer_ctx_t *ctx = a->ctx;
    const wire_query_t *q = &ctx->q;
    wire_writer_t *w = a->w;
    uint8_t *out = w->buf;
    unsigned flags = WIRE_FLAG_QR | (q->flags & (0x7800u | WIRE_FLAG_RD | WIRE_FLAG_CD));
    flags |= (ctx->cfg->recurse_on ? WIRE_FLAG_RA : 0) | (a->aa ? WIRE_FLAG_AA : 0) |
             (a->tc ? WIRE_FLAG_TC : 0) | (rcode & 0xFu);
    wire_put16(out, q->id);
    wire_put16(out + 2, (uint16_t)flags);
    wire_put16(out + 4, a->with_question ? 1 : 0);
    wire_put16(out + 6, a->an);
    wire_put16(out + 8, a->ns);
    wire_put16(out + 10, (uint16_t)(a->ar + (a->with_opt ? 1 : 0)));
    if (a->with_opt) { /* room was kept aside by the writer's limit */
        uint8_t *p = out + w->len;
        p[0] = 0;
        wire_put16(p + 1, RRTYPE_OPT);
        wire_put16(p + 3, ctx->edns_max);
        p[5] = (uint8_t)(rcode >> 4); /* extended RCODE, upper 8 bits */
        p[6] = 0;                     /* version */
        wire_put16(p + 7, 0);         /* DO clear: we do not sign */
        wire_put16(p + 9, 0);         /* no options */
        w->len += WIRE_OPT_LEN;
    }
    res->action = ANSWER_SEND;
    res->len = w->len;
    res->rcode = (uint16_t)rcode;
    res->truncated = a->tc || a->cut;
}

/* Remove '*' labels other than the first (Mesos-DNS deletes ".*"). */
static void drop_star_labels(answer_ctx_t *ctx)
{
    size_t o = 0;
    unsigned n = 0;
    for (unsigned i = 0; i < ctx->nlabels; i++) {
        size_t p = ctx->lstart[i];
        uint8_t l = ctx->name[p];
        if (i > 0 && l == 1 && ctx->name[p + 1] == '*')
            continue;
        memmove(ctx->name + o, ctx->name + p, 1u + l);
        ctx->lstart[n++] = (uint8_t)o;
        o += 1u + l;
    }
    ctx->name[o++] = 0;
    ctx->name_len = (uint8_t)o;
    ctx->nlabels = (uint8_t)n;
}

/* Lowercase copy of the question name into ctx->name with label offsets;
 * with `drop_stars`, '*' labels after the first are left out. Length
 * octets (<= 63) are never letters, so the whole name lowercases as bytes. */
static void copy_qname(ans_t *a, bool drop_stars)
{
    answer_ctx_t *ctx = a->ctx;
    const uint8_t *src = a->query + WIRE_HDR_LEN;
    size_t len = ctx->q.qname_len, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, src + i, 8);
        x = hash_lower8(x); /* ASCII lowercase, 8 bytes at once */
        memcpy(ctx->name + i, &x, 8);
    }
    for (; i < len; i++)
        ctx->name[i] = wire_lower_tab[src[i]];
    unsigned n = 0;
    bool star = false;
    for (size_t p = 0; ctx->name[p] != 0; p += ctx->name[p] + 1u) {
        star |= p > 0 && ctx->name[p] == 1 && ctx->name[p + 1] == '*';
        ctx->lstart[n++] = (uint8_t)p;
    }
    ctx->name_len = (uint8_t)len;
    ctx->nlabels = (uint8_t)n;
    if (drop_stars && star)
        drop_star_labels(ctx);
}

/* ctx->name ends with `sfx` on a label boundary. */
static bool name_ends_with(const answer_ctx_t *ctx, const uint8_t *sfx, size_t slen)
{
    if (slen > ctx->name_len)
        return false;
    size_t pos = ctx->name_len - slen;
    if (slen > 1) {
        int i = ctx->nlabels - 1;
        while (i >= 0 && ctx->lstart[i] > pos)
            i--;
        if (i < 0 || ctx->lstart[i] != pos)
            return false;
    }
    return memcmp(ctx->name + pos, sfx, slen) == 0;
}

/* Lookup name from the question: '.*' removal, then the DC/OS suffix
 * (X.<domain>.<label>.dcos.directory → X.<domain>). False when the name is
 * not ours to answer. */
static bool normalise(ans_t *a)
{
    answer_ctx_t *ctx = a->ctx;
    copy_qname(a, true);
    if (a->z) {
        a->apex = zone_snap_apex(a->z, &a->apex_len);
    } else {
        a->apex = ctx->domain;
        a->apex_len = ctx->domain_len;
    }
    if (a->apex_len == 0)
        return false;
    if (name_ends_with(ctx, a->apex, a->apex_len))
        return true;
    size_t slen = 0;
    const uint8_t *sfx = a->z ? zone_snap_dcos_suffix(a->z, &slen) : NULL;
    if (!sfx || !name_ends_with(ctx, sfx, slen))
        return false;
    size_t cut = ctx->name_len - slen;
    unsigned n = 0;
    while (n < ctx->nlabels && ctx->lstart[n] < cut)
        n++;
    ctx->name[cut] = 0;
    ctx->name_len = (uint8_t)(cut + 1);
    ctx->nlabels = (uint8_t)n;
    if (!name_ends_with(ctx, a->apex, a->apex_len))
        return false;
    a->sfx = sfx;
    a->sfx_len = slen;
    return true;
}

static bool qname_is(const answer_ctx_t *ctx, const uint8_t *name, size_t len)
{
    return ctx->name_len == len && memcmp(ctx->name, name, len) == 0;
}

/* CH TXT id.server / hostname.bind / version.bind / version.server. */
static void answer_chaos(ans_t *a, answer_result_t *res)
{
    static const uint8_t id_server[] = "\002id\006server", host_bind[] = "\010hostname\004bind",
                         ver_bind[] = "\007version\004bind", ver_server[] = "\007version\006server";
    answer_ctx_t *ctx = a->ctx;
    const uint8_t *txt = NULL;
    size_t len = 0;
    copy_qname(a, false);
    if (qname_is(ctx, id_server, sizeof id_server) || qname_is(ctx, host_bind, sizeof host_bind)) {
        txt = ctx->id_txt;
        len = ctx->id_txt_len;
    } else if (qname_is(ctx, ver_bind, sizeof ver_bind) ||
               qname_is(ctx, ver_server, sizeof ver_server)) {
        txt = ctx->ver_txt;
        len = ctx->ver_txt_len;
    }
    uint16_t qt = ctx->q.qtype;
    wire_writer_t *w = a->w;
    if (len == 0 || (qt != RRTYPE_TXT && qt != RRTYPE_ANY) || !wire_room(w, 12 + len)) {
        finish(a, DNS_RCODE_REFUSED, res);
        return;
    }
    uint8_t *p = w->buf + w->len;
    p[0] = 0xC0;
    p[1] = WIRE_HDR_LEN;
    wire_put16(p + 2, RRTYPE_TXT);
    wire_put16(p + 4, WIRE_CLASS_CH);
    wire_put32(p + 6, 0);
    wire_put16(p + 10, (uint16_t)len);
    memcpy(p + 12, txt, len);
    w->len += 12 + len;
    a->an = 1;
    a->aa = true;
    finish(a, DNS_RCODE_NOERROR, res);
}

/* Offset of the (renamed) apex at the end of the question, or SIZE_MAX
 * when the question does not end with it (a '*' label dropped inside the
 * DC/OS suffix). */
static size_t apex_in_question(const ans_t *a)
{
    const uint8_t *q = a->query;
    size_t qend = a->ctx->q.qend - 4; /* past the question name */
    size_t sfx = a->sfx ? a->sfx_len - 1 : 0;
    size_t off = qend - a->apex_len - sfx, pos = WIRE_HDR_LEN;
    while (pos < off)
        pos += q[pos] + 1u;
    if (pos != off)
        return SIZE_MAX;
    for (size_t i = 0; i < a->apex_len - 1; i++)
        if (wire_lower_tab[q[off + i]] != a->apex[i])
            return SIZE_MAX;
    for (size_t i = 0; i < sfx; i++)
        if (wire_lower_tab[q[off + a->apex_len - 1 + i]] != a->sfx[i])
            return SIZE_MAX;
    return off;
}

/* In-zone name, zone present: ANSWER, then AUTHORITY or ADDITIONAL. */
static void answer_zone(ans_t *a, answer_result_t *res)
{
    answer_ctx_t *ctx = a->ctx;
    const zone_node_t *node = zone_snap_find(a->z, ctx->name, ctx->name_len);
    a->apex_off = apex_in_question(a);
    a->aa = true;
    if (!node) {
        authority_soa(a);
        finish(a, DNS_RCODE_NXDOMAIN, res);
        return;
    }
    ctx->n_adds = 0;
    if (++ctx->add_gen == 0) {
        memset(ctx->add_set, 0, sizeof ctx->add_set);
        ctx->add_gen = 1;
    }
    bool ok = true;
    if (ctx->q.qtype == RRTYPE_ANY) {
        for (unsigned i = 0; ok && i < node->n_rrsets; i++)
            ok = answer_rrset(a, &node->rrsets[i]);
    } else {
        const zone_rrset_t *rs = zone_node_rrset(node, ctx->q.qtype);
        if (rs)
            ok = answer_rrset(a, rs);
    }
    if (ok && a->an == 0)
        authority_soa(a); /* NODATA, empty non-terminals included */
    else if (ok)
        write_additional(a);
    finish(a, DNS_RCODE_NOERROR, res);
}

/* Response size: 512 without EDNS, the requestor's size (at least 512,
 * at most edns_max) with it, 65535 over TCP; never more than `cap`. */
static void set_limit(ans_t *a, bool tcp, size_t cap)
{
    const answer_ctx_t *ctx = a->ctx;
    size_t lim = 512;
    if (tcp) {
        lim = 65535;
    } else if (ctx->q.edns) {
        lim = ctx->q.edns_udp < 512 ? 512 : ctx->q.edns_udp;
        if (lim > ctx->edns_max)
            lim = ctx->edns_max;
    }
    if (lim > cap)
        lim = cap;
    a->w->cap = lim - (a->with_opt ? WIRE_OPT_LEN : 0);
}

/* AXFR/IXFR: only for the apex of our own zone, never forwarded. */
static void answer_transfer(ans_t *a, answer_result_t *res)
{
    answer_ctx_t *ctx = a->ctx;
    if (!normalise(a) || a->sfx) {
        finish(a, DNS_RCODE_REFUSED, res);
    } else if (!a->z) {
        finish(a, DNS_RCODE_SERVFAIL, res);
    } else if (!qname_is(ctx, a->apex, a->apex_len)) {
        finish(a, DNS_RCODE_NOTAUTH, res);
    } else if (a->tcp) {
        res->action = ANSWER_XFR;
        res->len = 0;
    } else if (ctx->q.qtype == RRTYPE_AXFR) {
        finish(a, DNS_RCODE_NOTIMP, res);
    } else {
        a->apex_off = apex_in_question(a);
        a->aa = true;
        answer_rrset(a, zone_node_rrset(zone_snap_apex_node(a->z), RRTYPE_SOA));
        finish(a, DNS_RCODE_NOERROR, res);
    }
}

/* After a well-formed question: class, type and name decide. */
static void dispatch(ans_t *a, answer_result_t *res)
{
    const wire_query_t *q = &a->ctx->q;
    uint16_t qt = q->qtype;
    if (q->qclass == WIRE_CLASS_CH) {
        answer_chaos(a, res);
    } else if (q->qclass != WIRE_CLASS_IN) {
        finish(a, DNS_RCODE_REFUSED, res);
    } else if (qt == RRTYPE_OPT || qt == 249 /* TKEY */ || qt == 250 /* TSIG */) {
        finish(a, DNS_RCODE_FORMERR, res);
    } else if (qt == RRTYPE_AXFR || qt == RRTYPE_IXFR) {
        answer_transfer(a, res);
    } else if (!normalise(a)) {
        if (a->ctx->cfg->external_on) {
            res->action = ANSWER_FORWARD;
            res->len = 0;
        } else {
            finish(a, DNS_RCODE_REFUSED, res);
        }
    } else if (!a->z) {
        finish(a, DNS_RCODE_SERVFAIL, res); /* never NXDOMAIN from no zone */
    } else {
        answer_zone(a, res);
    }
}

void answer_query(answer_ctx_t *ctx, const zone_snap_t *z, const uint8_t *query, size_t qlen,
                  bool tcp, uint8_t *out, size_t cap, answer_result_t *res)
{
    ans_t a = {.ctx = ctx, .z = z, .query = query, .w = &ctx->w, .tcp = tcp};
    wire_query_t *q = &ctx->q;
    *res = (answer_result_t){.action = ANSWER_DROP};
    /* Too short for a header, or a response: never answer (no loops). */
    if (qlen > 65535 || cap < 512 || wire_parse_header(query, qlen, q) < 0 ||
        (q->flags & WIRE_FLAG_QR))
        return;
    wire_writer_begin(a.w, out, WIRE_HDR_LEN, 512 - WIRE_OPT_LEN);
    if (WIRE_OPCODE(q->flags) != WIRE_OPCODE_QUERY) {
        finish(&a, DNS_RCODE_NOTIMP, res);
        return;
    }
    if (q->qdcount != 1 || wire_parse_question(query, qlen, q) < 0) {
        finish(&a, DNS_RCODE_FORMERR, res);
        return;
    }
    res->qtype = q->qtype;
    memcpy(out + WIRE_HDR_LEN, query + WIRE_HDR_LEN, q->qend - WIRE_HDR_LEN);
    a.w->len = q->qend;
    a.with_question = true;
    /* Only an IXFR query carries a record outside ADDITIONAL: the
     * secondary's SOA in AUTHORITY (RFC 1995 §3). */
    bool ixfr_soa = q->qtype == RRTYPE_IXFR && q->nscount == 1;
    if (q->ancount || (q->nscount && !ixfr_soa) || wire_parse_edns(query, qlen, q) < 0) {
        finish(&a, DNS_RCODE_FORMERR, res);
        return;
    }
    a.with_opt = q->edns;
    if (q->edns && q->edns_version > 0) {
        finish(&a, DNS_RCODE_BADVERS, res);
        return;
    }
    set_limit(&a, tcp, cap);
    dispatch(&a, res);
}
