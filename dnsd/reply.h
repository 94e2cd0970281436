/* reply: header-and-question-only responses built straight from a query
 * (SERVFAIL from the forwarder, REFUSED for recursion or transfers a client
 * may not have, SERVFAIL while no zone is loaded), and the check that an
 * upstream's message answers the query we sent.
 *
 * Used by the UDP and TCP paths and by the forwarder, so that every error
 * reply this server sends looks the same: the query's id, opcode, RD and CD
 * bits, QR set, RA when the caller says recursion is available, the question
 * echoed, and when the query carried an EDNS(0) OPT record an OPT of our own
 * (version 0, the query's DO bit, no options; RFC 6891 §7, RFC 3225).
 *
 * Pure functions on caller buffers; reentrant and thread-safe. */
#ifndef MDNS_DNSD_REPLY_H
#define MDNS_DNSD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Write the reply with `rcode` (0..15) to `query` into `out`. `ra` sets the
 * RA flag; `udp_size` is the payload size our OPT advertises (at least 512
 * is sent). Returns the length written (`qend` + 11 at most, where qend is
 * the end of the question), -EINVAL for a query without exactly one
 * readable uncompressed question, -ENOSPC when `cap` is too small. `out`
 * may be `query` itself (not otherwise overlapping it). */
int reply_error(const uint8_t *query, size_t qlen, unsigned rcode, bool ra, uint16_t udp_size,
                uint8_t *out, size_t cap);

/* Offset of the fixed part (TYPE, CLASS, ...) of the OPT record in the
 * ADDITIONAL section of `query`, or 0 when it has none or its records run
 * out before one is found. */
size_t reply_opt_offset(const uint8_t *query, size_t qlen);

/* 0 when `reply` is a response to `query`: QR set, same id and opcode,
 * QDCOUNT 1 and the same question (name case-insensitive, type, class).
 * -EPROTO otherwise, -EINVAL when `query` itself is unusable. */
int reply_check(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen);

#endif
