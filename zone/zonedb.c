/* zonedb: the published zone version behind one RCU pointer (liburcu memb).
 *
 * The publisher builds a version aside, swaps the pointer, and hands the
 * old version to call_rcu, whose helper thread frees it once every reader
 * that could still see it has left its read-side critical section. */
#include "zone/zonedb.h"
#include "common/clock.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <urcu/urcu-memb.h>

struct version {
    zone_version_t v;  /* first: readers get &version->v */
    zone_snap_t *snap; /* owned; v.snap is the same pointer, const */
    struct rcu_head rcu;
    int holds; /* 1 for being published + zonedb_hold() holders */
};

struct zonedb {
    struct version *live; /* RCU-protected */
    int64_t (*clock_ms)(void *ctx);
    void *clock_ctx;
};

static int64_t realtime_ms(void *ctx)
{
    (void)ctx;
    return clock_real_ms();
}

static void version_free(struct version *v)
{
    zone_snap_free(&v->snap);
    model_free(&v->v.model);
    hostmap_free(&v->v.hosts);
    free(v);
}

static void version_unhold(struct version *v)
{
    if (__atomic_sub_fetch(&v->holds, 1, __ATOMIC_ACQ_REL) == 0)
        version_free(v);
}

/* The grace period after unpublishing drops the publication's hold. */
static void version_free_rcu(struct rcu_head *head)
{
    version_unhold(caa_container_of(head, struct version, rcu));
}

const zone_version_t *zonedb_hold(zonedb_t *db)
{
    struct version *v = rcu_dereference(db->live);
    if (!v)
        return NULL;
    /* Safe inside the read section: the publication's hold is only
     * dropped after a grace period, so holds cannot have reached 0. */
    __atomic_add_fetch(&v->holds, 1, __ATOMIC_ACQ_REL);
    return &v->v;
}

void zonedb_release(const zone_version_t **pv)
{
    if (!pv || !*pv)
        return;
    version_unhold((struct version *)(uintptr_t)*pv);
    *pv = NULL;
}

zonedb_t *zonedb_new(void)
{
    zonedb_t *db = calloc(1, sizeof *db);
    if (db)
        db->clock_ms = realtime_ms;
    return db;
}

void zonedb_set_clock(zonedb_t *db, int64_t (*now_ms)(void *ctx), void *ctx)
{
    db->clock_ms = now_ms ? now_ms : realtime_ms;
    db->clock_ctx = ctx;
}

void zonedb_free(zonedb_t **pdb)
{
    if (!pdb || !*pdb)
        return;
    zonedb_t *db = *pdb;
    struct version *old = db->live;
    rcu_set_pointer(&db->live, NULL);
    urcu_memb_synchronize_rcu(); /* readers of `old` are gone */
    urcu_memb_barrier();         /* older versions' call_rcu frees have run */
    if (old)
        version_unhold(old); /* freed here unless a transfer still holds it */
    free(db);
    *pdb = NULL;
}

const zone_version_t *zonedb_current(zonedb_t *db)
{
    struct version *v = rcu_dereference(db->live);
    return v ? &v->v : NULL;
}

uint32_t zonedb_serial(const zonedb_t *db)
{
    return db && db->live ? db->live->v.serial : 0;
}

/* max(now, live + 1): grows on every change even when the clock stands
 * still or steps back, and otherwise tells when the zone was made. */
static uint32_t next_serial(const struct version *live, int64_t now_ms)
{
    uint32_t now = now_ms > 0 ? (uint32_t)(now_ms / 1000) : 0;
    if (!live)
        return now;
    uint32_t next = live->v.serial + 1;
    return now > next ? now : next;
}

int zonedb_publish(zonedb_t *db, zone_snap_t **snap, model_t *model, hostmap_t **hosts,
                   bool *changed)
{
    int rc = 0;
    if (changed)
        *changed = false;
    if (!db || !snap || !*snap) {
        rc = -EINVAL;
        goto out;
    }
    struct version *live = db->live; /* only this thread writes it */
    if (live && zone_snap_same_content(live->snap, *snap))
        goto out;
    struct version *v = calloc(1, sizeof *v);
    if (!v) {
        rc = -ENOMEM;
        goto out;
    }
    int64_t now = db->clock_ms(db->clock_ctx);
    uint32_t serial = next_serial(live, now);
    zone_snap_set_serial(*snap, serial);
    v->snap = *snap;
    *snap = NULL;
    v->v.snap = v->snap;
    v->v.model = model ? model_ref(model) : NULL;
    if (hosts) {
        v->v.hosts = *hosts;
        *hosts = NULL;
    }
    v->v.serial = serial;
    v->v.published_ms = now;
    v->holds = 1;
    rcu_set_pointer(&db->live, v);
    if (live)
        urcu_memb_call_rcu(&live->rcu, version_free_rcu);
    if (changed)
        *changed = true;
out:
    zone_snap_free(snap);
    if (hosts)
        hostmap_free(hosts);
    return rc;
}
