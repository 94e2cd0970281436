#include "zone/updater.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu/urcu-memb.h>

#include "common/arena.h"
#include "common/clock.h"
#include "common/errcode.h"
#include "common/log.h"
#include "common/prio.h"
#include "common/prom.h"
#include "zone/builder.h"
#include "zone/hostcache.h"

#define HOSTCACHE_TTL_S     300
#define HOSTCACHE_NEG_TTL_S 30
/* Page-backed bytes the first build may need per expected record (builder
 * tables and a snapshot, ~90 B at 100k tasks), with room; later builds
 * keep what the one before used. */
#define KEEP_PER_RECORD 128

struct zone_updater {
    zone_updater_params_t p;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    model_t *pending; /* newest model not yet built (a reference) */
    model_t *last;    /* model of the last build, for label changes */
    char *dcos_label; /* current label, NULL = none */
    bool relabel;     /* rebuild `last` with a new label */
    bool busy, stop;
    hostcache_t *cache; /* updater thread only */
    size_t keep;        /* page-backed bytes the last build used (updater thread) */
    zone_updater_stats_t stats;
};

struct build_sink {
    zone_builder_t *b;
    size_t outside; /* records whose owner lies outside the zone */
    int err;
};

static int sink_add(void *ctx, const zone_gen_rec_t *r)
{
    struct build_sink *s = ctx;
    int rc = zone_builder_add(s->b, r->owner, r->type, r->rdata, r->rdlen);
    if (rc == -EINVAL) { /* e.g. SOAMname outside the domain: Mesos-DNS keeps it, DNS cannot */
        s->outside++;
        return 0;
    }
    return rc;
}

/* Records to expect from a model, for the builder's starting sizes: a
 * task makes ~10-12 (A and SRV, with and without .slave, per port), an agent
 * or framework 2. Off by some is fine: it is a hint. */
static size_t expected_records(const model_t *m)
{
    return m->n_tasks * 12 + (m->n_agents + m->n_frameworks) * 2 + 64;
}

int zone_build(const model_t *m, const zone_gen_cfg_t *gen, const zone_soa_params_t *soa,
               const char *dcos_label, const hostmap_t *hosts, zone_snap_t **out,
               zone_gen_stats_t *stats)
{
    struct build_sink s = {.b = zone_builder_new_sized(gen->domain, soa, expected_records(m))};
    int rc = -ENOMEM;
    if (!s.b)
        goto fail;
    if (dcos_label && *dcos_label && (rc = zone_builder_set_dcos_label(s.b, dcos_label)) != 0)
        goto fail;
    rc = zone_gen_run(m, gen, hosts ? hostmap_lookup : NULL, (void *)hosts, sink_add, &s, stats);
    if (rc != 0)
        goto fail;
    if (s.outside)
        log_warn("zone: %zu record(s) outside %s left out (e.g. SOAMname %s)", s.outside,
                 gen->domain, gen->soa_mname);
    return zone_builder_finish(&s.b, out);
fail:
    zone_builder_free(&s.b);
    return rc;
}

static void log_gen_stats(const zone_gen_stats_t *st)
{
    const char *ex = st->example ? st->example : "";
    if (st->name_too_long)
        log_warn("zone: %zu name(s) over 255 octets dropped (e.g. %s)", st->name_too_long, ex);
    if (st->invalid_name)
        log_warn("zone: %zu name(s) that cannot be DNS names left out (e.g. %s)", st->invalid_name,
                 ex);
    if (st->unresolved)
        log_warn("zone: %zu host name(s) did not resolve; their records are left out (e.g. %s)",
                 st->unresolved, ex);
    if (st->tasks_no_ip)
        log_debug("zone: %zu running task(s) have no IP from any IPSources entry", st->tasks_no_ip);
}

/* Build and publish one model; runs on the updater thread, unlocked. */
static void build_one(zone_updater_t *u, model_t *m, const char *label)
{
    double t0 = clock_mono_s(), c0 = clock_thread_cpu_s();
    zone_gen_stats_t st = {0};
    /* Memory policy (see release_after_build): the pages this build frees
     * are kept for the next one, as many as a build uses. */
    size_t base = arena_pages_in_use();
    arena_pages_peak_reset();
    if (!u->p.release_after_build)
        arena_pages_keep(u->keep ? u->keep : expected_records(m) * KEEP_PER_RECORD);
    zone_snap_t *snap = NULL;
    bool changed = false;
    hostmap_t *hosts = hostcache_resolve(u->cache, m, u->p.gen->masters, u->p.gen->n_masters);
    int rc = hosts ? zone_build(m, u->p.gen, &u->p.soa, label, hosts, &snap, &st) : -ENOMEM;
    size_t records = snap ? zone_snap_record_count(snap) : 0;
    size_t bytes = snap ? zone_snap_memory(snap) : 0;
    if (rc == 0)
        rc = zonedb_publish(u->p.db, &snap, m, &hosts, &changed);
    zone_snap_free(&snap);
    hostmap_free(&hosts);
    double dt = clock_mono_s() - t0, cpu = clock_thread_cpu_s() - c0;
    pthread_mutex_lock(&u->mu);
    u->stats.builds++;
    u->stats.last_build_s = dt;
    u->stats.last_build_ms = clock_real_ms();
    if (rc != 0) {
        u->stats.failures++;
    } else if (changed) {
        u->stats.publishes++;
        u->stats.serial = zonedb_serial(u->p.db);
        u->stats.records = records;
        u->stats.snapshot_bytes = bytes;
    }
    uint32_t serial = u->stats.serial;
    pthread_mutex_unlock(&u->mu);
    if (rc != 0) {
        log_err("zone: build failed (%s); still serving the previous zone", mdns_strerror(rc));
        return;
    }
    log_gen_stats(&st);
    size_t peak = arena_pages_peak_reset(); /* below base when a free raced the reset */
    size_t used = peak > base ? peak - base : 0;
    u->keep = u->p.release_after_build ? 0 : used + used / 8;
    arena_pages_keep(u->keep);
    /* The heap the state parse left free goes back, whatever the mode
     * (glibc keeps it otherwise, and RSS creeps up build after build). */
    malloc_trim(0);
    if (changed && u->p.on_publish)
        u->p.on_publish(u->p.publish_ctx, serial);
    if (changed)
        log_info("zone: serial %u published: %zu records, %zu bytes, built in %.3f s (%.3f s CPU)",
                 serial, records, bytes, dt, cpu);
    else
        log_debug("zone: unchanged (serial %u), checked in %.3f s (%.3f s CPU)", serial, dt, cpu);
}

static void *updater_main(void *arg)
{
    zone_updater_t *u = arg;
    urcu_memb_register_thread(); /* zonedb_publish calls call_rcu */
    prio_background();           /* builds yield to the DNS workers */
    pthread_mutex_lock(&u->mu);
    for (;;) {
        while (!u->stop && !u->pending && !u->relabel)
            pthread_cond_wait(&u->cv, &u->mu);
        if (u->stop)
            break;
        if (u->pending) {
            model_free(&u->last);
            u->last = u->pending;
            u->pending = NULL;
        }
        u->relabel = false;
        model_t *m = u->last ? model_ref(u->last) : NULL;
        char *label = u->dcos_label ? strdup(u->dcos_label) : NULL;
        u->busy = m != NULL;
        pthread_mutex_unlock(&u->mu);
        if (m)
            build_one(u, m, label);
        model_free(&m);
        free(label);
        pthread_mutex_lock(&u->mu);
        u->busy = false;
        pthread_cond_broadcast(&u->cv);
    }
    pthread_mutex_unlock(&u->mu);
    urcu_memb_unregister_thread();
    return NULL;
}

zone_updater_t *zone_updater_start(const zone_updater_params_t *p)
{
    zone_updater_t *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->p = *p;
    pthread_mutex_init(&u->mu, NULL);
    pthread_cond_init(&u->cv, NULL);
    u->cache = hostcache_new(HOSTCACHE_TTL_S, HOSTCACHE_NEG_TTL_S);
    if (p->dcos_label && *p->dcos_label)
        u->dcos_label = strdup(p->dcos_label);
    if (!u->cache || (p->dcos_label && *p->dcos_label && !u->dcos_label) ||
        pthread_create(&u->thread, NULL, updater_main, u) != 0) {
        log_err("zone: cannot start the updater thread");
        hostcache_free(&u->cache);
        free(u->dcos_label);
        free(u);
        return NULL;
    }
    return u;
}

void zone_updater_submit(zone_updater_t *u, model_t **m)
{
    pthread_mutex_lock(&u->mu);
    model_free(&u->pending); /* an unbuilt older model is obsolete */
    u->pending = *m;
    *m = NULL;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
}

void zone_updater_set_dcos_label(zone_updater_t *u, const char *label)
{
    char *copy = label && *label ? strdup(label) : NULL;
    pthread_mutex_lock(&u->mu);
    free(u->dcos_label);
    u->dcos_label = copy;
    u->relabel = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
}

bool zone_updater_wait_idle(zone_updater_t *u, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&u->mu);
    int rc = 0;
    while (rc == 0 && (u->pending || u->relabel || u->busy))
        rc = pthread_cond_timedwait(&u->cv, &u->mu, &dl);
    bool idle = !(u->pending || u->relabel || u->busy);
    pthread_mutex_unlock(&u->mu);
    return idle;
}

void zone_updater_stats(zone_updater_t *u, zone_updater_stats_t *out)
{
    pthread_mutex_lock(&u->mu);
    *out = u->stats;
    pthread_mutex_unlock(&u->mu);
}

void zone_updater_stop(zone_updater_t **pu)
{
    if (!pu || !*pu)
        return;
    zone_updater_t *u = *pu;
    pthread_mutex_lock(&u->mu);
    u->stop = true;
    pthread_cond_broadcast(&u->cv);
    pthread_mutex_unlock(&u->mu);
    pthread_join(u->thread, NULL);
    model_free(&u->pending);
    model_free(&u->last);
    hostcache_free(&u->cache);
    free(u->dcos_label);
    arena_pages_keep(0);
    pthread_mutex_destroy(&u->mu);
    pthread_cond_destroy(&u->cv);
    free(u);
    *pu = NULL;
}

void zone_updater_prometheus(zone_updater_t *u, buf_t *out)
{
    zone_updater_stats_t s;
    zone_updater_stats(u, &s);
    /* The live zone's serial, records and size are http/'s gauges (read
     * from zonedb); this section has the builder's own figures only. */
    prom_metric(out, "mesosdnsd_zone_builds_total", "counter", "Zone snapshots built.", NULL,
                (double)s.builds);
    prom_metric(out, "mesosdnsd_zone_publishes_total", "counter",
                "Snapshots published (content changed).", NULL, (double)s.publishes);
    prom_metric(out, "mesosdnsd_zone_build_failures_total", "counter", "Zone builds that failed.",
                NULL, (double)s.failures);
    prom_metric(out, "mesosdnsd_zone_last_build_duration_seconds", "gauge",
                "Resolve + generate + index time of the last build.", NULL, s.last_build_s);
    prom_metric(out, "mesosdnsd_zone_last_build_timestamp_seconds", "gauge",
                "Unix time the last build finished.", NULL, (double)s.last_build_ms / 1000.0);
}
