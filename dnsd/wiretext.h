/* wiretext: a whole DNS message as dig-like text, for tests, fuzzers and
 * debugging (never on the answer path: it allocates).
 *
 * The rendering validates strictly as it goes: section counts against the
 * records present, names (compression pointers must point backwards),
 * RDLENGTH against the message, RDATA layout of A, AAAA, NS, SOA, SRV
 * (target uncompressed, RFC 2782), TXT and OPT, and no bytes after the last
 * record. Any violation makes it fail, which is what fuzzers check.
 *
 * Output, one item per line:
 *     opcode QUERY rcode NOERROR id 4660
 *     flags qr aa rd ra
 *     edns version 0 udp 1232 flags -          (only with an OPT record)
 *     QUESTION 1
 *     web.marathon.mesos. IN A
 *     ANSWER 1
 *     web.marathon.mesos. 60 IN A 10.0.0.1
 *     AUTHORITY 0
 *     ADDITIONAL 0                             (OPT not counted here)
 * The rcode joins the OPT's extended bits (BADVERS). Names keep their case.
 *
 * Thread-safe (no shared state). */
#ifndef MDNS_DNSD_WIRETEXT_H
#define MDNS_DNSD_WIRETEXT_H

#include <stddef.h>
#include <stdint.h>

enum {
    WIRETEXT_SORT = 1,    /* sort records within each section */
    WIRETEXT_SUMMARY = 2, /* records as "<ttl> <class> <type>" only (owner and
                             RDATA still validated); equal lines collapse into
                             one ending in " x<count>" (implies SORT) */
};

/* Render `msg` (`len` bytes) into `out` (`outlen` bytes, NUL-terminated).
 * Returns the text length, -EPROTO for a malformed message (out then holds
 * the reason), -ERANGE when out is too small, -ENOMEM. */
int wiretext_render(const uint8_t *msg, size_t len, unsigned flags, char *out, size_t outlen);

/* Text of an RR type / RCODE ("A", "SRV", "TYPE65280"; "NXDOMAIN",
 * "RCODE22"); `buf` holds at least 16 bytes and may be returned. */
const char *wiretext_type(uint16_t type, char *buf);
const char *wiretext_rcode(unsigned rcode, char *buf);

#endif
