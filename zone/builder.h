/* builder: makes zone snapshots (zone/snapshot.h) from records.
 *
 * Records are added one by one in generation order (zone/gen.h); finish
 * turns them into one immutable snapshot: names indexed, empty
 * non-terminals added, nodes in canonical order, RRsets in wire form.
 * A 100k-task cluster makes ~1M records; a build takes a fraction of a
 * second and its tables live in page-backed memory (common/arena.h), given
 * back (or kept for the next build, arena_pages_keep) when it ends.
 *
 * Thread-safety: a builder is used by one thread at a time; builders on
 * different threads are independent. */
#ifndef MDNS_ZONE_BUILDER_H
#define MDNS_ZONE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "zone/snapshot.h"

typedef struct zone_builder zone_builder_t;

/* New builder for the zone `apex` (text, e.g. "mesos"). Every snapshot has
 * the apex SOA (mname lowercased, rname as given, serial 0) and NS → mname,
 * first in their RRsets; every record gets soa->ttl. NULL on a bad apex,
 * mname or rname, or out of memory. */
zone_builder_t *zone_builder_new(const char *apex, const zone_soa_params_t *soa);
/* zone_builder_new() for a zone of about `records` records (0 = unknown):
 * the builder's tables start near their final size instead of growing to
 * it. A hint only: any number of records may be added. */
zone_builder_t *zone_builder_new_sized(const char *apex, const zone_soa_params_t *soa,
                                       size_t records);
/* Add one record. `owner` is wire form (any case; lowercased), under the
 * apex. Identical (owner, type, rdata) records collapse into one (the first
 * keeps its place). Types and rdata accepted: A (4 bytes), AAAA (16), SRV
 * (6 + one name filling the rest), CNAME/PTR (one name), NS (one name, at
 * the apex only), TXT (character-strings filling the rdata); names inside
 * rdata are stored lowercase. An RRset keeps at most 65535 records (more
 * are dropped with one warning at finish). Returns 0, -EINVAL when the
 * owner is not a valid name under the apex, the type is not one of these or
 * the rdata is malformed for it (nothing is added), -ENOMEM. */
int zone_builder_add(zone_builder_t *b, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
                     uint16_t rdlen);
/* Set the DC/OS cluster-ID label (e.g. "kaualnkl…"); "" or NULL = none. */
int zone_builder_set_dcos_label(zone_builder_t *b, const char *label);
/* Add the empty non-terminals, lay out and index the snapshot, link SRV
 * targets, and hand it over (serial 0 until zone_snap_set_serial; SOA/NS
 * were added by zone_builder_new). Consumes and frees *b (sets NULL)
 * whatever the outcome. Returns 0, -ENOMEM, or -EINVAL for NULL args. */
int zone_builder_finish(zone_builder_t **b, zone_snap_t **out);
/* Bytes the builder holds now: its page-backed tables and, while finishing,
 * the snapshot being laid out. */
size_t zone_builder_memory(const zone_builder_t *b);
/* Drop a builder without finishing. NULL-safe. */
void zone_builder_free(zone_builder_t **b);

#endif
