/* reply: see reply.h. */
#include "dnsd/reply.h"

#include <errno.h>
#include <string.h>

#include "common/dname.h"
#include "dnsd/wire.h"
#include "zone/snapshot.h"

/* End of the one question at offset 12, or 0 when there is none. */
static size_t question_end(const uint8_t *m, size_t len)
{
    if (!m || len < WIRE_HDR_LEN || wire_get16(m + 4) != 1)
        return 0;
    /* dname_len rejects compression: a pointer byte reads as a label > 63. */
    int nl = dname_len(m + WIRE_HDR_LEN, len - WIRE_HDR_LEN);
    if (nl < 0 || WIRE_HDR_LEN + (size_t)nl + 4 > len)
        return 0;
    return WIRE_HDR_LEN + (size_t)nl + 4;
}

/* Offset of the fixed part (TYPE...) of the OPT record in ADDITIONAL of a
 * message whose question ends at `pos`, or 0 when there is none. Lenient on
 * purpose: an error reply goes out even to a query whose later records are
 * garbage, so this stops at the first record that runs out. */
static size_t find_opt(const uint8_t *m, size_t len, size_t pos)
{
    unsigned n_an = wire_get16(m + 6), n_ns = wire_get16(m + 8), n_ar = wire_get16(m + 10);
    for (unsigned i = 0; i < n_an + n_ns + n_ar; i++) {
        int next = wire_skip_name(m, len, pos);
        if (next < 0 || (size_t)next + 10 > len)
            return 0;
        pos = (size_t)next;
        if (wire_get16(m + pos) == RRTYPE_OPT && i >= n_an + n_ns)
            return pos;
        pos += 10 + (size_t)wire_get16(m + pos + 8);
    }
    return 0;
}

int reply_error(const uint8_t *query, size_t qlen, unsigned rcode, bool ra, uint16_t udp_size,
                uint8_t *out, size_t cap)
{
    size_t qend = question_end(query, qlen);
    if (!out || qend == 0)
        return -EINVAL;
    size_t opt_at = find_opt(query, qlen, qend);
    size_t need = qend + (opt_at ? WIRE_OPT_LEN : 0);
    if (cap < need)
        return -ENOSPC;
    memmove(out, query, qend);                    /* id and question; out may equal query */
    out[2] = (uint8_t)(0x80 | (query[2] & 0x79)); /* QR, opcode, RD */
    out[3] = (uint8_t)((ra ? 0x80 : 0) | (query[3] & 0x10) | (rcode & 0x0f)); /* RA, CD */
    wire_put16(out + 6, 0);
    wire_put16(out + 8, 0);
    wire_put16(out + 10, opt_at ? 1 : 0);
    if (opt_at) {
        uint16_t flags = wire_get16(query + opt_at + 6) & WIRE_EDNS_DO; /* read before writing */
        uint8_t *o = out + qend;
        o[0] = 0; /* root owner */
        wire_put16(o + 1, RRTYPE_OPT);
        wire_put16(o + 3, udp_size < 512 ? 512 : udp_size);
        wire_put16(o + 5, 0); /* extended rcode 0, version 0 */
        wire_put16(o + 7, flags);
        wire_put16(o + 9, 0);
    }
    return (int)need;
}

size_t reply_opt_offset(const uint8_t *query, size_t qlen)
{
    size_t qend = question_end(query, qlen);
    return qend ? find_opt(query, qlen, qend) : 0;
}

int reply_check(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen)
{
    size_t qend = question_end(query, qlen);
    if (qend == 0)
        return -EINVAL;
    if (!reply || rlen < qend || memcmp(query, reply, 2) != 0 || !(reply[2] & 0x80) ||
        wire_get16(reply + 4) != 1 || ((reply[2] ^ query[2]) & 0x78))
        return -EPROTO;
    /* Length octets are < 64, so case folding leaves them alone: a
     * byte-wise case-insensitive match is a label-wise one. */
    for (size_t i = WIRE_HDR_LEN; i < qend - 4; i++)
        if (wire_lower_tab[query[i]] != wire_lower_tab[reply[i]])
            return -EPROTO;
    return memcmp(query + qend - 4, reply + qend - 4, 4) == 0 ? 0 : -EPROTO;
}
