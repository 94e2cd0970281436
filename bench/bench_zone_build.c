/* bench_zone_build: build time, memory and lookup speed of zone snapshots
 * for synthetic Mesos-shaped zones (1k, 10k, 100k tasks by default).
 *
 * Per task, in Mesos-DNS's generation order (compat spec §4.5, no
 * DiscoveryInfo): A T.F.D and C.F.D (task IP), A T.F.slave.D and
 * C.F.slave.D (agent IP), then per port SRV _T._tcp/_udp.F.slave.D and
 * _T._tcp/_udp.F.D → C.F.slave.D:port. Tasks have 1 or 2 ports (8 or 12
 * records, 10 on average); apps have 10 instances; one agent per 20 tasks;
 * 4 frameworks. Agent, framework, leader and name-server records as well.
 *
 * Every size runs in a forked child so that its peak RSS (VmHWM) is its
 * own. Columns: records, nodes; adds = CPU time of the zone_builder_add
 * calls (record generation subtracted), finish = zone_builder_finish (both
 * the best of BENCH_REPS builds, default 3: the machine is shared); cmp =
 * zone_snap_same_content of two builds of the same zone (what
 * zonedb_publish does before swapping when nothing changed); B/rec
 * = zone_snap_memory / records; bld peak = zone_snap_build_peak (the
 * builder's own accounting, finished snapshot included); RSS = peak RSS of
 * the first build minus the RSS before it; find = CPU ns per zone_snap_find
 * of an existing name (query names contiguous, as in a packet buffer);
 * axfr / zone file = CPU time and size of export_axfr_json (/v1/axfr) and
 * export_master_file for the whole zone.
 *
 * Usage: [BENCH_REPS=n] bench_zone_build [tasks ...]      */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/benchutil.h"
#include "common/clock.h"
#include "zone/builder.h"
#include "zone/export.h"
#include "zone/snapshot.h"

/* A wire name assembled from text labels. */
struct wname {
    uint8_t b[256];
    size_t len;
};

static void wn_init(struct wname *w)
{
    w->len = 0;
}

static void wn_label(struct wname *w, const char *l)
{
    size_t n = strlen(l);
    w->b[w->len] = (uint8_t)n;
    memcpy(w->b + w->len + 1, l, n);
    w->len += n + 1;
}

static void wn_end(struct wname *w)
{
    w->b[w->len++] = 0;
}

typedef int (*sink_fn)(void *ctx, const uint8_t *owner, uint16_t type, const uint8_t *rd,
                       uint16_t rdlen);

static const char *const FW[] = {"marathon", "chronos", "spark", "kafka"};

/* Cheap deterministic pseudo-hash label of 5 z-base-32 characters. */
static void task_hash(uint32_t i, char out[6])
{
    static const char alpha[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
    uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    x ^= x >> 29;
    for (int k = 0; k < 5; k++)
        out[k] = alpha[(x >> (5 * k)) & 31];
    out[5] = 0;
}

static int srv_rd(uint8_t *rd, uint16_t port, const struct wname *target)
{
    static const uint8_t fixed[4] = {0, 0, 0, 1};
    memcpy(rd, fixed, 4);
    rd[4] = (uint8_t)(port >> 8);
    rd[5] = (uint8_t)port;
    memcpy(rd + 6, target->b, target->len);
    return (int)(6 + target->len);
}

static int emit_task(uint32_t i, uint32_t n_agents, sink_fn sink, void *ctx)
{
    char t[32], c[64], h[6], s[16];
    const char *f = FW[(i / 10) % 4];
    uint32_t agent = (i * 7919u) % n_agents;
    snprintf(t, sizeof t, "app-%05u", i / 10);
    task_hash(i, h);
    snprintf(s, sizeof s, "s%u", agent);
    snprintf(c, sizeof c, "%s-%s-%s", t, h, s);
    uint8_t tip[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
    uint8_t aip[4] = {172, 16, (uint8_t)(agent >> 8), (uint8_t)agent};
    struct wname tf, cf, tfs, cfs, srv[4];
    const char *lab[4][2] = {{"_tcp", "slave"}, {"_udp", "slave"}, {"_tcp", NULL}, {"_udp", NULL}};
    char ut[40];
    snprintf(ut, sizeof ut, "_%s", t);
    struct wname *ws[] = {&tf, &cf, &tfs, &cfs};
    const char *first[] = {t, c, t, c};
    for (int k = 0; k < 4; k++) {
        wn_init(ws[k]);
        wn_label(ws[k], first[k]);
        wn_label(ws[k], f);
        if (k >= 2)
            wn_label(ws[k], "slave");
        wn_label(ws[k], "mesos");
        wn_end(ws[k]);
    }
    for (int k = 0; k < 4; k++) {
        wn_init(&srv[k]);
        wn_label(&srv[k], ut);
        wn_label(&srv[k], lab[k][0]);
        wn_label(&srv[k], f);
        if (lab[k][1])
            wn_label(&srv[k], lab[k][1]);
        wn_label(&srv[k], "mesos");
        wn_end(&srv[k]);
    }
    int rc = sink(ctx, tf.b, RRTYPE_A, tip, 4) | sink(ctx, cf.b, RRTYPE_A, tip, 4) |
             sink(ctx, tfs.b, RRTYPE_A, aip, 4) | sink(ctx, cfs.b, RRTYPE_A, aip, 4);
    int ports = 1 + (i & 1);
    for (int p = 0; p < ports; p++) {
        uint8_t rd[300];
        int rl = srv_rd(rd, (uint16_t)(31000 + (i % 1000) * 2 + p), &cfs);
        for (int k = 0; k < 4; k++)
            rc |= sink(ctx, srv[k].b, RRTYPE_SRV, rd, (uint16_t)rl);
    }
    return rc;
}

static int emit_zone(uint32_t tasks, sink_fn sink, void *ctx)
{
    uint32_t n_agents = tasks / 20 ? tasks / 20 : 1;
    struct wname w, slave, fwn;
    int rc = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t ip[4] = {10, 255, 0, (uint8_t)k};
        wn_init(&fwn);
        wn_label(&fwn, FW[k]);
        wn_label(&fwn, "mesos");
        wn_end(&fwn);
        rc |= sink(ctx, fwn.b, RRTYPE_A, ip, 4);
    }
    wn_init(&slave);
    wn_label(&slave, "slave");
    wn_label(&slave, "mesos");
    wn_end(&slave);
    wn_init(&w);
    wn_label(&w, "_slave");
    wn_label(&w, "_tcp");
    wn_label(&w, "mesos");
    wn_end(&w);
    for (uint32_t a = 0; a < n_agents; a++) {
        uint8_t ip[4] = {172, 16, (uint8_t)(a >> 8), (uint8_t)a}, rd[300];
        rc |= sink(ctx, slave.b, RRTYPE_A, ip, 4);
        rc |= sink(ctx, w.b, RRTYPE_SRV, rd, (uint16_t)srv_rd(rd, 5051, &slave));
    }
    const char *single[] = {"leader", "master", "master0", "ns1"};
    for (int k = 0; k < 4; k++) {
        uint8_t ip[4] = {10, 254, 0, 1};
        wn_init(&w);
        wn_label(&w, single[k]);
        wn_label(&w, "mesos");
        wn_end(&w);
        rc |= sink(ctx, w.b, RRTYPE_A, ip, 4);
    }
    for (uint32_t i = 0; i < tasks && rc == 0; i++)
        rc |= emit_task(i, n_agents, sink, ctx);
    return rc;
}

static int null_sink(void *ctx, const uint8_t *owner, uint16_t type, const uint8_t *rd,
                     uint16_t rdlen)
{
    (*(size_t *)ctx) += owner[0] + type + rdlen + rd[0];
    return 0;
}

static int add_sink(void *ctx, const uint8_t *owner, uint16_t type, const uint8_t *rd,
                    uint16_t rdlen)
{
    return zone_builder_add(ctx, owner, type, rd, rdlen) < 0;
}

static const zone_soa_params_t SOA = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 60, 60};

struct result {
    double gen, adds, finish;
};

/* One build; times are CPU seconds of this thread (the machine is shared,
 * wall time mostly measures the neighbours). */
static zone_snap_t *build(uint32_t tasks, struct result *r)
{
    size_t dummy = 0;
    double t0 = clock_thread_cpu_s();
    emit_zone(tasks, null_sink, &dummy);
    r->gen = clock_thread_cpu_s() - t0;
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    zone_snap_t *s = NULL;
    t0 = clock_thread_cpu_s();
    if (!b || emit_zone(tasks, add_sink, b) != 0) {
        fprintf(stderr, "add failed\n");
        zone_builder_free(&b);
        return NULL;
    }
    double t1 = clock_thread_cpu_s();
    if (zone_builder_finish(&b, &s) < 0) {
        fprintf(stderr, "finish failed\n");
        return NULL;
    }
    r->adds = t1 - t0 - r->gen;
    r->finish = clock_thread_cpu_s() - t1;
    return s;
}

/* CPU ms of one /v1/axfr document and one master file, and their sizes. */
static void bench_exports(const zone_snap_t *s, double *axfr_ms, double *zf_ms, size_t *axfr_b,
                          size_t *zf_b)
{
    buf_t out = BUF_INIT;
    export_axfr_params_t p = {60, 60, "mesos"};
    double t0 = clock_thread_cpu_s();
    export_axfr_json(s, &p, &out);
    *axfr_ms = (clock_thread_cpu_s() - t0) * 1e3;
    *axfr_b = out.len;
    buf_clear(&out);
    t0 = clock_thread_cpu_s();
    export_master_file(s, &out);
    *zf_ms = (clock_thread_cpu_s() - t0) * 1e3;
    *zf_b = out.len;
    buf_release(&out);
}

static int run(uint32_t tasks, int reps)
{
    long rss0 = bench_vm_kb("VmRSS:");
    struct result best = {1e9, 1e9, 1e9};
    zone_snap_t *s = NULL;
    long hwm = 0;
    for (int i = 0; i < reps; i++) {
        struct result r;
        zone_snap_free(&s);
        if (!(s = build(tasks, &r)))
            return 1;
        if (i == 0)
            hwm = bench_vm_kb("VmHWM:"); /* the first build: a fresh process */
        best.adds = r.adds < best.adds ? r.adds : best.adds;
        best.finish = r.finish < best.finish ? r.finish : best.finish;
    }
    size_t recs = zone_snap_record_count(s), mem = zone_snap_memory(s), axfr_b, zf_b;
    double axfr_ms, zf_ms;
    bench_exports(s, &axfr_ms, &zf_ms, &axfr_b, &zf_b);
    /* zonedb_publish compares with the live version: an unchanged zone
     * (the usual poll) is a full comparison. */
    struct result r2;
    zone_snap_t *again = build(tasks, &r2);
    if (!again)
        return 1;
    double t0 = clock_thread_cpu_s();
    bool same = zone_snap_same_content(s, again);
    double cmp_ms = (clock_thread_cpu_s() - t0) * 1e3;
    zone_snap_free(&again);
    if (!same)
        fprintf(stderr, "rebuild differs\n");
    printf("| %7u | %9zu | %8zu | %8.1f | %9.1f | %6.1f | %6.1f | %8.1f | %8.1f | %8.1f | %7.0f "
           "| %5.0f (%.1f MiB) | %5.0f (%.1f MiB) |\n",
           tasks, recs, zone_snap_node_count(s), best.adds * 1e3, best.finish * 1e3, cmp_ms,
           (double)mem / (double)recs, (double)mem / 1048576.0,
           (double)zone_snap_build_peak(s) / 1048576.0, (double)(hwm - rss0) / 1024.0,
           bench_find_ns(s), axfr_ms, (double)axfr_b / 1048576.0, zf_ms, (double)zf_b / 1048576.0);
    fflush(stdout);
    zone_snap_free(&s);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t sizes[16] = {1000, 10000, 100000};
    int n = 3, reps = 3;
    const char *env = getenv("BENCH_REPS");
    if (env && atoi(env) > 0)
        reps = atoi(env);
    if (argc > 1) {
        n = 0;
        for (int i = 1; i < argc && n < 16; i++)
            sizes[n++] = (uint32_t)strtoul(argv[i], NULL, 10);
    }
    printf("| tasks   | records   | nodes    | adds ms  | finish ms | cmp ms | B/rec  | snap MiB | "
           "bld peak | RSS MiB  | find ns | axfr ms (size) | zone file ms (size) |\n");
    printf("|---------|-----------|----------|----------|-----------|--------|--------|----------|"
           "----------|----------|---------|----------------|---------------------|\n");
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(run(sizes[i], reps));
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 1;
    }
    return 0;
}
