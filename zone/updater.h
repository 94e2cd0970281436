/* updater: the zone builder thread. Discovery hands it cluster models; it
 * resolves host names (hostcache), runs the naming rules (gen) into a
 * zone_builder, and publishes the snapshot (zonedb). The newest model wins:
 * one that arrives while another waits replaces it, so a slow build never
 * queues up stale work. The live zone is never touched until a complete
 * new snapshot exists. The thread runs at background priority
 * (common/prio.h): on a shared core, answering queries comes first.
 *
 * Thread-safety: zone_updater_submit, zone_updater_set_dcos_label and
 * zone_updater_stats may be called from any thread; start/stop from one. */
#ifndef MDNS_ZONE_UPDATER_H
#define MDNS_ZONE_UPDATER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "zone/gen.h"
#include "zone/snapshot.h"
#include "zone/zonedb.h"

typedef struct zone_updater_params {
    zonedb_t *db;
    const zone_gen_cfg_t *gen; /* must outlive the updater */
    zone_soa_params_t soa;     /* strings must outlive the updater */
    const char *dcos_label;    /* initial DC/OS cluster-ID label, NULL = none */
    /* Called on the updater thread after each publish of a new serial
     * (e.g. to send NOTIFY); may be NULL. Must not block. */
    void (*on_publish)(void *ctx, uint32_t serial);
    void *publish_ctx;
    /* false (default): keep the memory a build frees (builder tables, a
     * discarded or replaced snapshot; bounded by what a build of this
     * model needs) for the next build, so that a rebuild reuses warm pages
     * instead of faulting fresh ones in (costly in VMs whose host reclaims
     * freed guest memory); idle RSS then stays near the build's peak.
     * true: give it all back after every build (idle RSS ≈ the live zone
     * and model), rebuilds fault their memory in again. */
    bool release_after_build;
} zone_updater_params_t;

typedef struct zone_updater_stats {
    uint64_t builds;         /* snapshots built */
    uint64_t publishes;      /* of which published (content changed) */
    uint64_t failures;       /* builds that failed (out of memory) */
    uint32_t serial;         /* live serial, 0 before the first publish */
    uint64_t records;        /* records in the live zone */
    uint64_t snapshot_bytes; /* memory of the live snapshot */
    double last_build_s;     /* duration of the last build (resolve + generate + index) */
    int64_t last_build_ms;   /* CLOCK_REALTIME ms when the last build finished */
} zone_updater_stats_t;

typedef struct zone_updater zone_updater_t;

/* Start the thread. NULL on failure (logged). */
zone_updater_t *zone_updater_start(const zone_updater_params_t *p);
/* Hand over a model (consumes the caller's reference, sets *m NULL). */
void zone_updater_submit(zone_updater_t *u, model_t **m);
/* Change the DC/OS label (e.g. read from ZooKeeper later); rebuilds from
 * the last model. `label` is copied; NULL or "" = none. */
void zone_updater_set_dcos_label(zone_updater_t *u, const char *label);
/* Block until no model is waiting or being built, at most `timeout_ms`.
 * Returns true when idle (tests and benchmarks use it). */
bool zone_updater_wait_idle(zone_updater_t *u, int timeout_ms);
void zone_updater_stats(zone_updater_t *u, zone_updater_stats_t *out);
/* Append the builder's figures as Prometheus text exposition:
 * mesosdnsd_zone_builds_total, _publishes_total, _build_failures_total,
 * _last_build_duration_seconds, _last_build_timestamp_seconds. (The live
 * zone's serial, records and size are http/'s families.) */
void zone_updater_prometheus(zone_updater_t *u, buf_t *out);
/* Stop the thread and free. NULL-safe; sets *u NULL. */
void zone_updater_stop(zone_updater_t **u);

/* One synchronous build, as the thread does it: generate every record of
 * `m` with `gen` (lookups in `hosts`, may be NULL) into a new snapshot for
 * `gen->domain`. Returns 0 or a negative errno; *stats may be NULL. */
int zone_build(const model_t *m, const zone_gen_cfg_t *gen, const zone_soa_params_t *soa,
               const char *dcos_label, const hostmap_t *hosts, zone_snap_t **out,
               zone_gen_stats_t *stats);

#endif
