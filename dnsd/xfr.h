/* xfr: outgoing zone transfers over TCP (AXFR, RFC 5936; IXFR, RFC 1995).
 *
 * A transfer holds its zone version (zonedb_hold) for as long as it
 * streams, so a secondary always receives one consistent serial even if a
 * new zone is published meanwhile, and no RCU read section spans event-loop
 * turns. Messages are produced one at a time as the connection drains: the
 * whole zone (tens of MB at 100k tasks) is never held in memory twice.
 *
 * AXFR and an IXFR from an older serial both get the full zone in AXFR
 * form: SOA, every other record in canonical order, SOA (RFC 1995 §4 allows
 * this when no incremental history is kept). An IXFR whose serial is
 * current (or newer, RFC 1982) gets the SOA alone. Owner names are
 * compressed; rdata is copied as stored (uncompressed names are always
 * valid). No TSIG: access is controlled by allowTransfer (the caller).
 *
 * Thread-safety: an xfr_t belongs to the worker thread of its connection. */
#ifndef MDNS_DNSD_XFR_H
#define MDNS_DNSD_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/wire.h"
#include "zone/zonedb.h"

#define XFR_MSG_MAX 16384 /* compression pointers reach 16 KiB */

typedef struct xfr xfr_t;

/* Start a transfer for `query` (a query the answer code returned
 * ANSWER_XFR for) from the live version of `db`. Call inside
 * urcu_memb_read_lock(). NULL on -ENOMEM or when no zone is published. */
xfr_t *xfr_start(zonedb_t *db, const uint8_t *query, size_t qlen);
/* Write the next message into `buf` (`cap` >= 512 bytes; at most
 * XFR_MSG_MAX are used). Returns its length, or 0 when the transfer is
 * over: complete, or aborted (xfr_aborted; logged) because a record does
 * not fit in a message. */
size_t xfr_next(xfr_t *x, uint8_t *buf, size_t cap);
/* True when xfr_next stopped before the closing SOA. */
bool xfr_aborted(const xfr_t *x);
/* Counts for the log line. */
void xfr_counts(const xfr_t *x, uint32_t *serial, uint64_t *records, uint64_t *messages,
                bool *full);
/* Release the zone version and free. NULL-safe; sets *x NULL. */
void xfr_free(xfr_t **x);

#endif
