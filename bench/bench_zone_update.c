/* bench_zone_update: the zone updater's whole build, phase by phase, on a
 * /master/state document (e.g. tests/tools/gen_state.py output), with the
 * daemon's default configuration (or a config.json).
 *
 * What the updater does for each model (zone/updater.c build_one), timed
 * here one phase at a time, wall and CPU seconds of this thread:
 *   resolve  hostcache_resolve (host names that are not IP literals)
 *   gen      zone_gen_run into a sink that only counts (the naming rules)
 *   adds     zone_gen_run into zone_builder_add, minus `gen`
 *   finish   zone_builder_finish (index, canonical order, wire rdata)
 *   publish  zonedb_publish: the first build swaps, the next ones compare
 *            with the live version (zone_snap_same_content) and keep it
 *   total    resolve + generate + add + finish + publish: "model complete"
 *            to "published", what the daemon logs as "built in"
 *   faults   minor page faults of the build (the kernel's share of the
 *            time: each maps and zeroes a fresh page, 4 KiB or 2 MiB)
 * Then zone_build() as one call (the updater's own function), RSS figures
 * (VmHWM, VmRSS of this process; the model is included), the snapshot's
 * bytes per record, and ns per zone_snap_find of an existing name.
 *
 * --gap S sleeps S seconds before each build, as a daemon idles between
 * refreshes: memory the process gave back may then have to be faulted in
 * from colder places (in a VM with free page reporting, from the host).
 *
 * Like the updater (zone_updater_params_t.release_after_build false), the
 * memory a build frees is kept for the next one (arena_pages_keep: as much
 * as the build before used, + 1/8; the first build 128 bytes per expected
 * record); --release gives it back after every build instead. The column
 * label shows the MiB kept after each build.
 *
 * Usage: bench_zone_update [--reps N] [--gap S] [--release] [--config FILE]
 *                          STATE_FILE
 * Figures are reported, never asserted. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <urcu/urcu-memb.h>

#include "bench/benchutil.h"
#include "common/arena.h"
#include "common/clock.h"
#include "config/config.h"
#include "discovery/state_parse.h"
#include "zone/builder.h"
#include "zone/gen.h"
#include "zone/hostcache.h"
#include "zone/snapshot.h"
#include "zone/updater.h"
#include "zone/zonedb.h"

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

struct clock2 {
    double w, c;
    long flt; /* minor page faults */
};

static struct clock2 now2(void)
{
    return (struct clock2){wall_s(), clock_thread_cpu_s(), minflt()};
}

static struct clock2 since(struct clock2 t0)
{
    struct clock2 t = now2();
    return (struct clock2){t.w - t0.w, t.c - t0.c, t.flt - t0.flt};
}

enum { P_RESOLVE, P_GEN, P_ADDS, P_FINISH, P_PUBLISH, P_TOTAL, P_N };
static const char *const PHASE[P_N] = {"resolve", "gen", "adds", "finish", "publish", "total"};

static int count_sink(void *ctx, const zone_gen_rec_t *r)
{
    (*(size_t *)ctx) += r->owner_len;
    return 0;
}

static int add_sink(void *ctx, const zone_gen_rec_t *r)
{
    int rc = zone_builder_add(ctx, r->owner, r->type, r->rdata, r->rdlen);
    return rc == -EINVAL ? 0 : rc;
}

/* One build as build_one does it, phase by phase; gen is timed apart
 * (a counting run) and subtracted from the builder run. */
static int one_build(const model_t *m, const zone_gen_cfg_t *gen, const zone_soa_params_t *soa,
                     hostcache_t *hc, zonedb_t *db, struct clock2 *ph, bool *changed)
{
    size_t dummy = 0;
    struct clock2 t = now2();
    if (zone_gen_run(m, gen, NULL, NULL, count_sink, &dummy, NULL) != 0)
        return -1;
    ph[P_GEN] = since(t);
    t = now2();
    hostmap_t *hosts = hostcache_resolve(hc, m, gen->masters, gen->n_masters);
    ph[P_RESOLVE] = since(t);
    t = now2();
    /* The hint zone_build() gives (zone/updater.c). */
    size_t hint = m->n_tasks * 12 + (m->n_agents + m->n_frameworks) * 2 + 64;
    zone_builder_t *b = zone_builder_new_sized(gen->domain, soa, hint);
    if (!b || !hosts || zone_gen_run(m, gen, hostmap_lookup, hosts, add_sink, b, NULL) != 0)
        return -1;
    ph[P_ADDS] = since(t);
    ph[P_ADDS].w -= ph[P_GEN].w;
    ph[P_ADDS].c -= ph[P_GEN].c;
    ph[P_ADDS].flt -= ph[P_GEN].flt;
    t = now2();
    zone_snap_t *s = NULL;
    if (zone_builder_finish(&b, &s) != 0)
        return -1;
    ph[P_FINISH] = since(t);
    t = now2();
    if (zonedb_publish(db, &s, (model_t *)m, &hosts, changed) != 0)
        return -1;
    ph[P_PUBLISH] = since(t);
    ph[P_TOTAL] = (struct clock2){0, 0, 0};
    for (int i = 0; i < P_TOTAL; i++) {
        ph[P_TOTAL].w += ph[i].w;
        ph[P_TOTAL].c += ph[i].c;
        ph[P_TOTAL].flt += ph[i].flt;
    }
    return 0;
}

static void print_row(const char *label, const struct clock2 *ph)
{
    printf("| %-12s |", label);
    for (int i = 0; i < P_N; i++)
        printf(" %6.1f / %6.1f |", ph[i].w * 1e3, ph[i].c * 1e3);
    printf(" %6ld |\n", ph[P_TOTAL].flt);
}

int main(int argc, char **argv)
{
    int reps = 5;
    double gap = 0;
    bool release = false;
    const char *cfg_path = NULL, *state = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--release") == 0)
            release = true;
        else if (strcmp(argv[i], "--gap") == 0 && i + 1 < argc)
            gap = atof(argv[++i]);
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            cfg_path = argv[++i];
        else
            state = argv[i];
    }
    if (!state || reps < 1) {
        fprintf(stderr, "usage: %s [--reps N] [--gap S] [--release] [--config FILE] STATE_FILE\n",
                argv[0]);
        return 2;
    }
    config_t c;
    char err[256];
    if ((cfg_path ? config_load(&c, cfg_path, err, sizeof err) : config_defaults(&c)) != 0) {
        fprintf(stderr, "config: %s\n", cfg_path ? err : "defaults failed");
        return 1;
    }
    long rss_base = bench_vm_kb("VmRSS:");
    model_t *m = NULL;
    if (state_parse_file(state, &m, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", state, err);
        return 1;
    }
    long rss_model = bench_vm_kb("VmRSS:"), hwm_parse = bench_vm_kb("VmHWM:");
    model_ip_t ns = {0};
    model_ip_parse("10.0.0.53", &ns);
    zone_gen_cfg_t gen = {
        .domain = c.domain,
        .rfc952 = c.enforce_rfc952,
        .legacy_raw_names = c.legacy_raw_names,
        .ip_sources = c.ip_sources,
        .n_ip_sources = c.n_ip_sources,
        .srv_weight = c.srv_weight,
        .soa_mname = c.soa_mname,
        .ns_ips = &ns,
        .n_ns_ips = 1,
        .masters = (const char *const *)c.masters,
        .n_masters = c.n_masters,
    };
    zone_soa_params_t soa = {c.soa_mname,  c.soa_rname,  c.soa_refresh, c.soa_retry,
                             c.soa_expire, c.soa_minttl, c.ttl};
    urcu_memb_register_thread();
    zonedb_t *db = zonedb_new();
    hostcache_t *hc = hostcache_new(300, 30);
    struct clock2 ph[P_N], best[P_N];
    printf("%zu tasks, %zu agents, %zu frameworks; times in ms, wall / CPU\n\n", m->n_tasks,
           m->n_agents, m->n_frameworks);
    printf("| build        |");
    for (int i = 0; i < P_N; i++)
        printf(" %-15s |", PHASE[i]);
    printf(" faults |\n|--------------|");
    for (int i = 0; i < P_N; i++)
        printf("-----------------|");
    printf("--------|\n");
    long hwm_first = 0;
    size_t keep = 0;
    for (int r = 0; r < reps; r++) {
        bool changed = false;
        /* What zone/updater.c keeps: 128 bytes per expected record for the
         * first build, then what the build before used, + 1/8. */
        size_t base = arena_pages_in_use();
        arena_pages_peak_reset();
        if (!release)
            arena_pages_keep(
                keep ? keep : (m->n_tasks * 12 + (m->n_agents + m->n_frameworks) * 2 + 64) * 128);
        if (gap > 0)
            nanosleep(&(struct timespec){(time_t)gap, (long)((gap - (double)(time_t)gap) * 1e9)},
                      NULL);
        if (one_build(m, &gen, &soa, hc, db, ph, &changed) != 0) {
            fprintf(stderr, "build failed\n");
            return 1;
        }
        urcu_memb_barrier(); /* the replaced version is freed */
        size_t peak = arena_pages_peak_reset();
        keep = release || peak <= base ? 0 : (peak - base) + (peak - base) / 8;
        arena_pages_keep(keep);
        malloc_trim(0);
        long kept = (long)arena_pages_kept() >> 20;
        char label[64];
        snprintf(label, sizeof label, "%d (%s) %ldM", r + 1, changed ? "swap" : "same", kept);
        print_row(label, ph);
        if (r == 0)
            hwm_first = bench_vm_kb("VmHWM:");
        for (int i = 0; i < P_N; i++)
            if (r == 1 || (r > 1 && ph[i].c < best[i].c))
                best[i] = ph[i];
    }
    if (reps > 1)
        print_row("best of 2..N", best);
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(db);
    const zone_snap_t *s = v->snap;
    size_t recs = zone_snap_record_count(s), mem = zone_snap_memory(s);
    urcu_memb_read_unlock();
    /* zone_build() itself, as the updater calls it. */
    hostmap_t *hosts = hostcache_resolve(hc, m, gen.masters, gen.n_masters);
    zone_snap_t *s2 = NULL;
    struct clock2 t = now2();
    int rc = zone_build(m, &gen, &soa, NULL, hosts, &s2, NULL);
    struct clock2 zb = since(t);
    if (rc != 0)
        return 1;
    printf("\nzone_build(): %.1f ms wall, %.1f ms CPU\n", zb.w * 1e3, zb.c * 1e3);
    printf("records %zu, nodes %zu, snapshot %zu bytes = %.1f B/record, builder peak %.1f MiB\n",
           recs, zone_snap_node_count(s), mem, (double)mem / (double)recs,
           (double)zone_snap_build_peak(s2) / 1048576.0);
    printf("RSS MiB: base %.1f, with model %.1f (parse peak %.1f), peak after the 1st build %.1f, "
           "peak after all %.1f, now %.1f\n",
           rss_base / 1024.0, rss_model / 1024.0, hwm_parse / 1024.0, hwm_first / 1024.0,
           bench_vm_kb("VmHWM:") / 1024.0, bench_vm_kb("VmRSS:") / 1024.0);
    printf("zone_snap_find: %.1f ns\n", bench_find_ns(s2));
    zone_snap_free(&s2);
    hostmap_free(&hosts);
    zonedb_free(&db);
    hostcache_free(&hc);
    model_free(&m);
    config_free(&c);
    urcu_memb_unregister_thread();
    return 0;
}
