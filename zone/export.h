/* export: a zone snapshot in the text forms others read.
 *
 * - export_axfr_json: Mesos-DNS's /v1/axfr document (compat spec §8), the
 *   form dcos-net consumes: every A, AAAA and SRV of the zone by owner.
 *   Go's models.AXFR byte for byte: fields in struct order, owners ("name.")
 *   sorted as Go sorts map keys, values in generation order ("ip", or
 *   "target.:port" for SRV), json.MarshalIndent with a one-space indent, no
 *   trailing newline. (Mesos-DNS itself leaves "AAAAs" null; we fill it.)
 * - export_master_file: an RFC 1035 master file (dcos-and-bind spec §3)
 *   that named-checkzone, BIND, NSD and Knot load: a comment line, $ORIGIN,
 *   $TTL, the SOA, the apex NS, then every RRset in canonical order, one
 *   record per line "owner<TAB>ttl<TAB>IN<TAB>type<TAB>rdata" with absolute
 *   owner names and special octets written \DDD.
 *
 * Both only read the snapshot (caller keeps it alive, e.g. under
 * rcu_read_lock) and append to `out`; they return 0 or -ENOMEM. */
#ifndef MDNS_ZONE_EXPORT_H
#define MDNS_ZONE_EXPORT_H

#include <stdint.h>

#include "common/buf.h"
#include "zone/snapshot.h"

typedef struct export_axfr_params {
    uint32_t ttl;        /* config ttl */
    int refresh_seconds; /* config refreshSeconds */
    const char *domain;  /* config domain, no trailing dot */
} export_axfr_params_t;

int export_axfr_json(const zone_snap_t *s, const export_axfr_params_t *p, buf_t *out);
int export_master_file(const zone_snap_t *s, buf_t *out);

#endif
