#include "dnsd/wire.h"

#include <errno.h>
#include <string.h>

#include "zone/snapshot.h"

/* ASCII lowercase without locale lookups: the answer path folds case with
 * this table only. */
const uint8_t wire_lower_tab[256] = {
#define R(x) x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7
    R(0),   R(8),   R(16),  R(24),  R(32),  R(40),  R(48),  R(56),  64,     'a',    'b',
    'c',    'd',    'e',    'f',    'g',    'h',    'i',    'j',    'k',    'l',    'm',
    'n',    'o',    'p',    'q',    'r',    's',    't',    'u',    'v',    'w',    'x',
    'y',    'z',    91,     92,     93,     94,     95,     R(96),  R(104), R(112), R(120),
    R(128), R(136), R(144), R(152), R(160), R(168), R(176), R(184), R(192), R(200), R(208),
    R(216), R(224), R(232), R(240), R(248)
#undef R
};

/* --- parsing --------------------------------------------------------- */

int wire_parse_header(const uint8_t *pkt, size_t len, wire_query_t *q)
{
    if (len < WIRE_HDR_LEN)
        return -EPROTO;
    q->id = wire_get16(pkt);
    q->flags = wire_get16(pkt + 2);
    q->qdcount = wire_get16(pkt + 4);
    q->ancount = wire_get16(pkt + 6);
    q->nscount = wire_get16(pkt + 8);
    q->arcount = wire_get16(pkt + 10);
    q->qname_len = 0;
    q->qtype = q->qclass = 0;
    q->qend = 0;
    q->edns = false;
    q->edns_version = 0;
    q->edns_udp = 0;
    q->edns_flags = 0;
    return 0;
}

int wire_parse_question(const uint8_t *pkt, size_t len, wire_query_t *q)
{
    size_t pos = WIRE_HDR_LEN;
    for (;;) {
        if (pos >= len)
            return -EPROTO;
        uint8_t l = pkt[pos];
        if (l > DNAME_MAXLABEL) /* pointer or extended label type */
            return -EPROTO;
        pos += 1u + l;
        if (pos - WIRE_HDR_LEN > DNAME_MAXLEN)
            return -EPROTO;
        if (l == 0)
            break;
    }
    if (len - pos < 4)
        return -EPROTO;
    q->qname_len = (uint16_t)(pos - WIRE_HDR_LEN);
    q->qtype = wire_get16(pkt + pos);
    q->qclass = wire_get16(pkt + pos + 2);
    q->qend = (uint16_t)(pos + 4);
    return 0;
}

int wire_skip_name(const uint8_t *pkt, size_t len, size_t off)
{
    for (;;) {
        if (off >= len)
            return -EPROTO;
        uint8_t l = pkt[off];
        if ((l & 0xC0) == 0xC0)
            return off + 2 <= len ? (int)(off + 2) : -EPROTO;
        if (l > DNAME_MAXLABEL)
            return -EPROTO;
        off += 1u + l;
        if (l == 0)
            return off <= len ? (int)off : -EPROTO;
    }
}

/* The options inside an OPT RDATA must tile it exactly (RFC 6891 §6.1.2). */
static int check_options(const uint8_t *p, size_t rdlen)
{
    size_t pos = 0;
    while (pos < rdlen) {
        if (rdlen - pos < 4)
            return -EPROTO;
        size_t olen = wire_get16(p + pos + 2);
        pos += 4;
        if (rdlen - pos < olen)
            return -EPROTO;
        pos += olen;
    }
    return 0;
}

static int take_opt(const uint8_t *pkt, size_t owner, size_t fixed, wire_query_t *q)
{
    if (q->edns || owner + 1 != fixed) /* second OPT, or owner not the bare root */
        return -EPROTO;
    if (check_options(pkt + fixed + 10, wire_get16(pkt + fixed + 8)) < 0)
        return -EPROTO;
    q->edns = true;
    q->edns_udp = wire_get16(pkt + fixed + 2);
    q->edns_version = pkt[fixed + 5];
    q->edns_flags = wire_get16(pkt + fixed + 6);
    return 0;
}

int wire_parse_edns(const uint8_t *pkt, size_t len, wire_query_t *q)
{
    size_t pos = q->qend;
    q->edns = false;
    q->edns_version = 0;
    q->edns_udp = 0;
    q->edns_flags = 0;
    unsigned n_before = (unsigned)q->ancount + q->nscount;
    unsigned total = n_before + q->arcount;
    for (unsigned i = 0; i < total; i++) {
        int next = wire_skip_name(pkt, len, pos);
        if (next < 0 || len - (size_t)next < 10)
            return -EPROTO;
        size_t fixed = (size_t)next;
        size_t rdlen = wire_get16(pkt + fixed + 8);
        if (len - fixed - 10 < rdlen)
            return -EPROTO;
        if (wire_get16(pkt + fixed) == RRTYPE_OPT) {
            if (i < n_before || take_opt(pkt, pos, fixed, q) < 0)
                return -EPROTO;
        }
        pos = fixed + 10 + rdlen;
    }
    return 0;
}

int wire_read_name(const uint8_t *pkt, size_t len, size_t off, uint8_t out[DNAME_MAXLEN],
                   size_t *next)
{
    size_t o = 0, end = 0;
    size_t limit = off; /* a pointer must point before this */
    bool jumped = false;
    for (;;) {
        if (off >= len)
            return -EPROTO;
        uint8_t l = pkt[off];
        if ((l & 0xC0) == 0xC0) {
            if (off + 2 > len)
                return -EPROTO;
            size_t target = ((size_t)(l & 0x3F) << 8) | pkt[off + 1];
            if (!jumped)
                end = off + 2;
            jumped = true;
            if (target >= limit)
                return -EPROTO;
            limit = off = target;
            continue;
        }
        if (l > DNAME_MAXLABEL || off + 1u + l > len || o + 1u + l > DNAME_MAXLEN)
            return -EPROTO;
        memcpy(out + o, pkt + off, 1u + l);
        o += 1u + l;
        off += 1u + l;
        if (l == 0)
            break;
    }
    if (next)
        *next = jumped ? end : off;
    return (int)o;
}

/* --- writing --------------------------------------------------------- */

void wire_writer_init(wire_writer_t *w)
{
    memset(w, 0, sizeof *w);
}

void wire_writer_begin(wire_writer_t *w, uint8_t *buf, size_t len, size_t cap)
{
    w->buf = buf;
    w->len = len;
    w->cap = cap;
    w->used = 0;
    if (++w->gen == 0) { /* once in 2^32 messages: really forget old stamps */
        memset(w->tab, 0, sizeof w->tab);
        w->gen = 1;
    }
}

/* Hashes of every suffix of `name`, longest first: sfx[i] starts at label i.
 * Returns the number of labels (not counting the root). The hash of a
 * suffix depends only on its lowercase bytes. The name must be valid
 * (labels <= 63, <= 255 octets); *len gets its wire length. */
static int suffix_hashes(const uint8_t *name, uint8_t start[128], uint32_t hash[128], size_t *len)
{
    int n = 0;
    size_t p = 0;
    for (; name[p] != 0; p += name[p] + 1u)
        start[n++] = (uint8_t)p;
    *len = p + 1;
    uint32_t h = 0x811C9DC5u;
    for (int i = n - 1; i >= 0; i--) {
        const uint8_t *l = name + start[i];
        for (unsigned j = 0; j <= l[0]; j++)
            h = (h ^ wire_lower_tab[l[j]]) * 0x01000193u;
        hash[i] = h;
    }
    return n;
}

/* True when the name in the message at `off` equals `sfx` (`len` bytes)
 * ignoring case. Pointers written by us always point backwards; the hop
 * bound is a belt for the braces. */
static bool same_in_message(const wire_writer_t *w, size_t off, const uint8_t *sfx, size_t len)
{
    size_t i = 0;
    for (int hops = 0; hops < 128;) {
        if (off >= w->len)
            return false;
        uint8_t l = w->buf[off];
        if ((l & 0xC0) == 0xC0) {
            if (off + 1 >= w->len)
                return false;
            /* Strictly backwards, so that a strict decoder accepts it even
             * when the bytes were left by a rolled-back record. */
            size_t target = ((size_t)(l & 0x3F) << 8) | w->buf[off + 1];
            if (target >= off)
                return false;
            off = target;
            hops++;
            continue;
        }
        if (i >= len || l != sfx[i] || off + 1u + l > w->len)
            return false;
        if (l == 0)
            return i + 1 == len;
        for (unsigned j = 1; j <= l; j++)
            if (wire_lower_tab[w->buf[off + j]] != wire_lower_tab[sfx[i + j]])
                return false;
        off += 1u + l;
        i += 1u + l;
    }
    return false;
}

static int ctab_find(const wire_writer_t *w, uint32_t hash, const uint8_t *sfx, size_t len)
{
    for (uint32_t k = hash & (WIRE_CTAB_SLOTS - 1);; k = (k + 1) & (WIRE_CTAB_SLOTS - 1)) {
        const wire_ctab_slot_t *s = &w->tab[k];
        if (s->gen != w->gen)
            return -1;
        if (s->hash == hash && s->len == len && same_in_message(w, s->off, sfx, len))
            return s->off;
    }
}

static void ctab_add(wire_writer_t *w, uint32_t hash, size_t off, size_t len)
{
    if (off > WIRE_PTR_MAX || w->used >= WIRE_CTAB_FILL)
        return;
    uint32_t k = hash & (WIRE_CTAB_SLOTS - 1);
    while (w->tab[k].gen == w->gen)
        k = (k + 1) & (WIRE_CTAB_SLOTS - 1);
    w->tab[k] = (wire_ctab_slot_t){w->gen, hash, (uint16_t)off, (uint16_t)len};
    w->used++;
}

void wire_note_name(wire_writer_t *w, size_t off)
{
    uint8_t start[128];
    uint32_t hash[128];
    size_t len;
    int n = suffix_hashes(w->buf + off, start, hash, &len);
    for (int i = 0; i < n; i++)
        ctab_add(w, hash[i], off + start[i], len - start[i]);
}

int wire_put_name(wire_writer_t *w, const uint8_t *name, size_t len, bool compress)
{
    uint8_t start[128];
    uint32_t hash[128];
    size_t wlen;
    int n = suffix_hashes(name, start, hash, &wlen);
    len = wlen;    /* the name itself is authoritative */
    int match = n; /* labels written literally */
    int ptr = -1;
    for (int i = 0; compress && i < n; i++) {
        ptr = ctab_find(w, hash[i], name + start[i], len - start[i]);
        if (ptr >= 0) {
            match = i;
            break;
        }
    }
    size_t lit = match < n ? start[match] : len - 1; /* label bytes */
    if (!wire_room(w, lit + (ptr >= 0 ? 2 : 1)))
        return -ENOSPC;
    size_t at = w->len;
    for (int i = 0; i < match; i++)
        ctab_add(w, hash[i], at + start[i], len - start[i]);
    memcpy(w->buf + at, name, lit);
    w->len += lit;
    if (ptr >= 0) {
        wire_put16(w->buf + w->len, (uint16_t)(0xC000u | (unsigned)ptr));
        w->len += 2;
    } else {
        w->buf[w->len++] = 0;
    }
    return (int)at;
}
