/* xfr: AXFR/IXFR streaming (see xfr.h). */
#include "dnsd/xfr.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

enum xfr_phase { XFR_SOA_FIRST, XFR_BODY, XFR_SOA_LAST, XFR_DONE };

struct xfr {
    bool aborted;            /* stopped early: see xfr_next */
    const zone_version_t *v; /* held until xfr_free */
    const zone_rrset_t *soa;
    const uint8_t *apex;
    size_t apex_len;
    uint16_t id, flags; /* flags copied from the query: opcode, RD, CD */
    uint8_t question[DNAME_MAXLEN + 4];
    size_t qlen; /* question bytes, echoed in the first message */
    enum xfr_phase phase;
    bool full;               /* whole zone (AXFR form), else the SOA alone */
    size_t node, rrset, rec; /* body cursor: next record to write */
    uint32_t rec_off;        /* its offset in the RRset's rdata */
    uint64_t records, messages;
    wire_writer_t w;
};

/* RFC 1982 serial arithmetic: true when a is older than b. */
static bool serial_lt(uint32_t a, uint32_t b)
{
    return a != b && (uint32_t)(b - a) < 0x80000000u;
}

/* The client's serial from the SOA in an IXFR query's AUTHORITY section;
 * false when it cannot be read (then the full zone is sent). */
static bool ixfr_serial(const uint8_t *q, size_t len, size_t off, uint32_t *serial)
{
    int p = wire_skip_name(q, len, off); /* owner */
    if (p < 0 || (size_t)p + 10 > len || wire_get16(q + p) != RRTYPE_SOA)
        return false;
    size_t rd = (size_t)p + 10, rdlen = wire_get16(q + p + 8);
    if (rd + rdlen > len)
        return false;
    int n = wire_skip_name(q, rd + rdlen, rd); /* mname */
    if (n < 0 || (n = wire_skip_name(q, rd + rdlen, (size_t)n)) < 0 || (size_t)n + 20 > rd + rdlen)
        return false; /* rname, then five 32-bit fields */
    *serial = wire_get32(q + n);
    return true;
}

xfr_t *xfr_start(zonedb_t *db, const uint8_t *query, size_t qlen)
{
    wire_query_t q;
    if (wire_parse_header(query, qlen, &q) < 0 || wire_parse_question(query, qlen, &q) < 0 ||
        (size_t)q.qend - WIRE_HDR_LEN > DNAME_MAXLEN + 4)
        return NULL;
    xfr_t *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->v = zonedb_hold(db);
    if (!x->v) {
        free(x);
        return NULL;
    }
    x->apex = zone_snap_apex(x->v->snap, &x->apex_len);
    x->soa = zone_node_rrset(zone_snap_apex_node(x->v->snap), RRTYPE_SOA);
    x->id = q.id;
    x->flags = q.flags & (0x7800u | WIRE_FLAG_RD | WIRE_FLAG_CD);
    x->qlen = q.qend - WIRE_HDR_LEN;
    memcpy(x->question, query + WIRE_HDR_LEN, x->qlen);
    uint32_t have;
    x->full = !(q.qtype == RRTYPE_IXFR && q.nscount == 1 &&
                ixfr_serial(query, qlen, q.qend, &have) && !serial_lt(have, x->v->serial));
    wire_writer_init(&x->w);
    return x;
}

/* One record: compressed owner, then TYPE, CLASS IN, TTL and the stored
 * RDLENGTH+RDATA. False, with nothing written, when it does not fit. */
static bool put_rr(wire_writer_t *w, const uint8_t *owner, size_t olen, const zone_rrset_t *rs,
                   const uint8_t *rd)
{
    size_t rdl = 2u + wire_get16(rd);
    if (!wire_room(w, olen + 8 + rdl))
        return false; /* worst case: the owner is not compressed at all */
    if (wire_put_name(w, owner, olen, true) < 0)
        return false;
    uint8_t *p = w->buf + w->len;
    wire_put16(p, rs->type);
    wire_put16(p + 2, 1);
    wire_put32(p + 4, rs->ttl);
    memcpy(p + 8, rd, rdl);
    w->len += 8 + rdl;
    return true;
}

/* Advance the body cursor past the record just written (or a skipped
 * RRset), moving to the next RRset and node as needed. */
static void body_advance(xfr_t *x, const zone_rrset_t *rs)
{
    if (rs && ++x->rec < rs->count) {
        x->rec_off += 2u + wire_get16(rs->rdata + x->rec_off);
        return;
    }
    x->rec = 0;
    x->rec_off = 0;
    if (++x->rrset >= zone_snap_node(x->v->snap, x->node)->n_rrsets) {
        x->rrset = 0;
        x->node++;
    }
}

/* Fill the message with body records; false when it is full. */
static bool write_body(xfr_t *x, uint16_t *an)
{
    const zone_snap_t *s = x->v->snap;
    size_t nodes = zone_snap_node_count(s);
    while (x->node < nodes) {
        const zone_node_t *n = zone_snap_node(s, x->node);
        if (x->rrset >= n->n_rrsets) { /* empty non-terminal */
            x->node++;
            x->rrset = 0;
            continue;
        }
        const zone_rrset_t *rs = &n->rrsets[x->rrset];
        if (rs->type == RRTYPE_SOA && x->node == 0) { /* sent first and last */
            body_advance(x, NULL);
            continue;
        }
        if (!put_rr(&x->w, n->name, n->name_len, rs, rs->rdata + x->rec_off))
            return false;
        (*an)++;
        body_advance(x, rs);
    }
    return true;
}

size_t xfr_next(xfr_t *x, uint8_t *buf, size_t cap)
{
    if (x->phase == XFR_DONE || cap < 512)
        return 0;
    bool first = x->messages == 0;
    size_t start = WIRE_HDR_LEN + (first ? x->qlen : 0);
    wire_put16(buf, x->id);
    wire_put16(buf + 2, (uint16_t)(WIRE_FLAG_QR | WIRE_FLAG_AA | x->flags));
    wire_put16(buf + 4, first ? 1 : 0);
    memset(buf + 6, 0, 6);
    if (first)
        memcpy(buf + WIRE_HDR_LEN, x->question, x->qlen);
    wire_writer_begin(&x->w, buf, start, cap < XFR_MSG_MAX ? cap : XFR_MSG_MAX);
    uint16_t an = 0;
    for (bool room = true; room && x->phase != XFR_DONE;) {
        switch (x->phase) {
        case XFR_SOA_FIRST:
        case XFR_SOA_LAST:
            room = put_rr(&x->w, x->apex, x->apex_len, x->soa, x->soa->rdata);
            if (room) {
                an++;
                x->phase = x->phase == XFR_SOA_FIRST && x->full ? XFR_BODY : XFR_DONE;
            }
            break;
        case XFR_BODY:
            room = write_body(x, &an);
            if (room)
                x->phase = XFR_SOA_LAST;
            break;
        case XFR_DONE:
            break;
        }
    }
    if (an == 0 && x->phase != XFR_DONE) {
        /* A record larger than an empty message: never true of our zones
         * (records are a few hundred bytes at most), but an endless stream
         * of empty messages must not follow if it ever were. The transfer
         * stops without its closing SOA, which the client discards. */
        log_err("xfr: a record does not fit in a %zu-byte message; transfer aborted",
                cap < XFR_MSG_MAX ? cap : (size_t)XFR_MSG_MAX);
        x->phase = XFR_DONE;
        x->aborted = true;
        return 0;
    }
    wire_put16(buf + 6, an);
    x->records += an;
    x->messages++;
    return x->w.len;
}

bool xfr_aborted(const xfr_t *x)
{
    return x->aborted;
}

void xfr_counts(const xfr_t *x, uint32_t *serial, uint64_t *records, uint64_t *messages, bool *full)
{
    *serial = x->v->serial;
    *records = x->records;
    *messages = x->messages;
    *full = x->full;
}

void xfr_free(xfr_t **px)
{
    if (!px || !*px)
        return;
    zonedb_release(&(*px)->v);
    free(*px);
    *px = NULL;
}
