/* wire: DNS message primitives for the answer path (RFC 1035 §4, RFC 6891).
 *
 * Parsing is strict and bounded: every read is checked against the packet
 * length, the question name may not use compression pointers, labels are at
 * most 63 octets and names at most 255. Records after the question are only
 * walked (skipped) to find the one EDNS(0) OPT record.
 *
 * The writer appends to a caller buffer up to a limit and compresses names
 * against every name suffix it has written or been told about: a small hash
 * table, keyed by the hash of the lowercase suffix, maps a suffix to its
 * offset in the message (cost per name: one pass over its labels plus one
 * probe per label; no allocation, no per-message clearing, thanks to a
 * generation stamp). A hit is verified against the bytes already in the
 * message, so a hash collision can never produce a wrong name.
 *
 * Thread-safety: all functions are reentrant; a wire_writer_t belongs to one
 * thread. */
#ifndef MDNS_DNSD_WIRE_H
#define MDNS_DNSD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/dname.h"

#define WIRE_HDR_LEN 12
#define WIRE_OPT_LEN 11 /* root owner, TYPE, CLASS, TTL, RDLENGTH 0 */

#define WIRE_FLAG_QR       0x8000u
#define WIRE_FLAG_AA       0x0400u
#define WIRE_FLAG_TC       0x0200u
#define WIRE_FLAG_RD       0x0100u
#define WIRE_FLAG_RA       0x0080u
#define WIRE_FLAG_Z        0x0040u
#define WIRE_FLAG_AD       0x0020u
#define WIRE_FLAG_CD       0x0010u
#define WIRE_OPCODE(flags) (((flags) >> 11) & 0xFu)
#define WIRE_RCODE(flags)  ((flags)&0xFu)

#define WIRE_OPCODE_QUERY  0
#define WIRE_OPCODE_NOTIFY 4

#define WIRE_CLASS_IN  1
#define WIRE_CLASS_CH  3
#define WIRE_CLASS_ANY 255

#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_NOTAUTH  9
#define DNS_RCODE_BADVERS  16 /* extended: upper 8 bits in OPT */

#define WIRE_EDNS_DO 0x8000u /* DO bit in the OPT TTL's flag half */

/* Compression pointers can address only the first 16 KiB of a message. */
#define WIRE_PTR_MAX 0x3FFFu

static inline uint16_t wire_get16(const uint8_t *p)
{
    return bytes_get16(p);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
    return bytes_get32(p);
}

static inline void wire_put16(uint8_t *p, uint16_t v)
{
    bytes_put16(p, v);
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
    bytes_put32(p, v);
}

/* ASCII lowercase of every byte value (no locale). */
extern const uint8_t wire_lower_tab[256];

/* --- parsing --------------------------------------------------------- */

/* What a query says about itself. Filled step by step by the parse
 * functions below; fields of a later step are valid only after it ran. */
typedef struct wire_query {
    /* wire_parse_header */
    uint16_t id, flags;
    uint16_t qdcount, ancount, nscount, arcount;
    /* wire_parse_question */
    uint16_t qname_len; /* wire length incl. root label; name is at offset 12 */
    uint16_t qtype, qclass;
    uint16_t qend; /* offset just past the question */
    /* wire_parse_edns */
    bool edns;            /* one valid OPT record present */
    uint8_t edns_version; /* version field of the OPT TTL */
    uint16_t edns_udp;    /* requestor's UDP payload size, as sent */
    uint16_t edns_flags;  /* DO and Z bits */
} wire_query_t;

/* Header fields. Returns 0, or -EPROTO when `len` < 12. */
int wire_parse_header(const uint8_t *pkt, size_t len, wire_query_t *q);
/* The first question at offset 12: an uncompressed name (a pointer or an
 * extended label type is malformed here), labels <= 63 octets, name <= 255,
 * then QTYPE and QCLASS within `len`. Returns 0 or -EPROTO. */
int wire_parse_question(const uint8_t *pkt, size_t len, wire_query_t *q);
/* Walks the ancount + nscount + arcount records after the question and
 * finds the OPT record (RFC 6891 §6.1.1). Returns 0, or -EPROTO when a
 * record runs past `len`, an OPT record sits outside ADDITIONAL, appears
 * twice, has an owner other than the root, or has an option running past its
 * RDATA. Bytes after the last record are ignored. */
int wire_parse_edns(const uint8_t *pkt, size_t len, wire_query_t *q);

/* Offset just past the (possibly compressed) name at `off`, or -EPROTO when
 * it runs past `len` or uses an extended label type. Pointers are not
 * followed. */
int wire_skip_name(const uint8_t *pkt, size_t len, size_t off);
/* Decompress the name at `off` into `out` (wire, case kept). Every pointer
 * must point strictly before the label that holds it, which rules out loops.
 * Stores the offset past the name in the message in *next (may be NULL).
 * Returns the name's wire length or -EPROTO. */
int wire_read_name(const uint8_t *pkt, size_t len, size_t off, uint8_t out[DNAME_MAXLEN],
                   size_t *next);

/* --- writing --------------------------------------------------------- */

#define WIRE_CTAB_SLOTS 256 /* power of two */
#define WIRE_CTAB_FILL  192 /* stop remembering past this many suffixes */

typedef struct wire_ctab_slot {
    uint32_t gen;  /* slot valid when equal to the writer's gen */
    uint32_t hash; /* of the lowercase suffix */
    uint16_t off;  /* where the suffix starts in the message */
    uint16_t len;  /* wire length of the suffix incl. root */
} wire_ctab_slot_t;

typedef struct wire_writer {
    uint8_t *buf;
    size_t len;    /* bytes written so far */
    size_t cap;    /* write limit */
    uint32_t gen;  /* current message */
    uint32_t used; /* suffixes remembered in this message */
    wire_ctab_slot_t tab[WIRE_CTAB_SLOTS];
} wire_writer_t;

/* Once per writer, before its first message. */
void wire_writer_init(wire_writer_t *w);
/* Start a message in `buf`: `len` bytes are already there (header,
 * question), at most `cap` may be written. Forgets all remembered names in
 * O(1). */
void wire_writer_begin(wire_writer_t *w, uint8_t *buf, size_t len, size_t cap);

static inline bool wire_room(const wire_writer_t *w, size_t n)
{
    return w->cap - w->len >= n;
}

/* Remember every suffix of the uncompressed name already in the message at
 * `off` (e.g. the question) as a compression target. */
void wire_note_name(wire_writer_t *w, size_t off);
/* Append `name` (wire, `len` bytes, any case). With `compress`, its longest
 * suffix already in the message becomes a pointer; without it the name is
 * written in full (SRV targets, RFC 2782) yet its suffixes are remembered.
 * Returns the offset where the name starts, or -ENOSPC (nothing written). */
int wire_put_name(wire_writer_t *w, const uint8_t *name, size_t len, bool compress);

#endif
