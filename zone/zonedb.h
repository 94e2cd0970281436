/* zonedb: the published zone, one RCU-protected pointer (liburcu, memb
 * flavour). Build aside, swap one pointer, free the old version after a
 * grace period (call_rcu): readers never lock and never wait.
 *
 * Readers (DNS workers, HTTP handlers) are RCU-registered threads
 * (urcu_memb_register_thread) and call zonedb_current() between
 * urcu_memb_read_lock() and urcu_memb_read_unlock(); the version stays valid
 * until the unlock. There is one publisher thread (the zone updater); it is
 * RCU-registered too (call_rcu needs it). A replaced version (snapshot,
 * model reference, hostmap) is freed by liburcu's call_rcu helper thread. */
#ifndef MDNS_ZONE_ZONEDB_H
#define MDNS_ZONE_ZONEDB_H

#include <stdbool.h>
#include <stdint.h>

#include "discovery/model.h"
#include "zone/hostcache.h"
#include "zone/snapshot.h"

typedef struct zone_version {
    const zone_snap_t *snap; /* never NULL */
    model_t *model;          /* reference to the model it was built from */
    hostmap_t *hosts;        /* the resolutions it was built with (owned) */
    uint32_t serial;         /* = zone_snap_serial(snap) */
    int64_t published_ms;    /* CLOCK_REALTIME, milliseconds */
} zone_version_t;

typedef struct zonedb zonedb_t;

zonedb_t *zonedb_new(void);
/* Unpublish, wait for readers, free everything. NULL-safe; sets *db NULL.
 * Not from inside a read-side critical section. */
void zonedb_free(zonedb_t **db);
/* Replace the clock serials are made from (CLOCK_REALTIME milliseconds by
 * default; NULL restores it). For tests. Publisher thread only. */
void zonedb_set_clock(zonedb_t *db, int64_t (*now_ms)(void *ctx), void *ctx);

/* The live version, or NULL before the first publish. Reader side only. */
const zone_version_t *zonedb_current(zonedb_t *db);

/* Publish a finished snapshot. Consumes *snap and *hosts (sets both NULL)
 * and takes its own reference on `model`. When the content equals the live
 * version's, nothing is published, *changed is false and the serial stays.
 * Otherwise the serial becomes max(now, live serial + 1), the pointer is
 * swapped and the old version is freed after the grace period.
 * `model` may be NULL, `hosts` NULL or *hosts NULL. Whatever the outcome
 * *snap and *hosts are consumed. Publisher thread only. Returns 0, -EINVAL
 * (no snapshot) or -ENOMEM. */
int zonedb_publish(zonedb_t *db, zone_snap_t **snap, model_t *model, hostmap_t **hosts,
                   bool *changed);

/* Keep the live version beyond the read section (e.g. a zone transfer
 * that streams for seconds): call inside urcu_memb_read_lock(), then the
 * version stays valid until zonedb_release() from any thread, even after it
 * is replaced. NULL before the first publish. */
const zone_version_t *zonedb_hold(zonedb_t *db);
/* Drop a hold; the last one frees the version. NULL-safe; sets *v NULL. */
void zonedb_release(const zone_version_t **v);

/* Publisher-side view of the live serial (0 before the first publish). */
uint32_t zonedb_serial(const zonedb_t *db);

#endif
