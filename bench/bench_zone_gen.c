/* bench_zone_gen: records/s of the naming rules (zone/gen) on generated
 * models of 1k, 10k and 100k running tasks, with a sink that only counts
 * (and checksums, so nothing is optimised away). Also times /v1/enumerate
 * regeneration.
 *
 * The model resembles a Marathon cluster: 10 tasks per agent, apps of 10
 * instances, one resources port each; half the tasks carry DiscoveryInfo
 * with a named port, a fifth of those with a dotted name (Marathon's
 * "app.group", which adds the raw-name twin); IPs from netinfo for half.
 *
 * The last column is the whole build as the zone updater does it: generate
 * into a zone_builder (zone/snapshot.h) and finish the indexed snapshot.
 *
 * Usage: bench_zone_gen [TASKS...]        (default 1000 10000 100000)
 *        bench_zone_gen --state FILE ...  (models parsed from /master/state
 *        documents, e.g. tests/tools/gen_state.py output; parse time not
 *        included)
 * Figures are reported, never asserted. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/clock.h"
#include "discovery/state_parse.h"
#include "zone/builder.h"
#include "zone/enumerate.h"
#include "zone/gen.h"
#include "zone/snapshot.h"

typedef struct counter {
    size_t records, bytes;
    uint64_t sum;
} counter_t;

static int count_sink(void *ctx, const zone_gen_rec_t *r)
{
    counter_t *c = ctx;
    c->records++;
    c->bytes += r->owner_len + r->rdlen;
    c->sum += r->owner[r->owner_len / 2] + r->rdata[r->rdlen - 1];
    return 0;
}

static int builder_sink(void *ctx, const zone_gen_rec_t *r)
{
    return zone_builder_add(ctx, r->owner, r->type, r->rdata, r->rdlen);
}

/* Generate and index one snapshot; returns its record count, 0 on error. */
static size_t build_snapshot(const model_t *m, const zone_gen_cfg_t *cfg,
                             const zone_soa_params_t *soa)
{
    zone_builder_t *b = zone_builder_new(cfg->domain, soa);
    zone_snap_t *snap = NULL;
    if (!b || zone_gen_run(m, cfg, NULL, NULL, builder_sink, b, NULL) != 0 ||
        zone_builder_finish(&b, &snap) != 0) {
        zone_builder_free(&b);
        return 0;
    }
    size_t n = zone_snap_record_count(snap);
    zone_snap_free(&snap);
    return n;
}

static model_t *make_model(size_t n_tasks)
{
    arena_t *a = arena_new(1 << 20);
    model_t *m = arena_calloc(a, sizeof *m);
    m->arena = a;
    m->refs = 1;
    m->leader = "master@10.0.0.1:5050";
    m->leader_host = "10.0.0.1";
    m->leader_port = 5050;
    size_t n_agents = n_tasks / 10 + 1;
    model_agent_t *ag = arena_calloc(a, n_agents * sizeof *ag);
    char buf[128];
    for (size_t i = 0; i < n_agents; i++) {
        snprintf(buf, sizeof buf, "20160107-001256-134875658-5050-27524-S%zu", i);
        ag[i].id = arena_strdup(a, buf);
        snprintf(buf, sizeof buf, "10.%zu.%zu.%zu", 1 + i / 65536, (i / 256) % 256, i % 256);
        ag[i].pid_host = arena_strdup(a, buf);
        ag[i].hostname = ag[i].pid_host;
        ag[i].pid_port = 5051;
    }
    model_framework_t *fw = arena_calloc(a, 3 * sizeof *fw);
    const char *fnames[3] = {"marathon", "chronos", "kafka"};
    for (size_t i = 0; i < 3; i++) {
        fw[i].id = fnames[i];
        fw[i].name = fnames[i];
        fw[i].hostname = "";
        snprintf(buf, sizeof buf, "10.0.0.%zu", 10 + i);
        fw[i].pid_host = arena_strdup(a, buf);
        fw[i].pid_port = (uint16_t)(8080 + i);
    }
    model_task_t *tk = arena_calloc(a, n_tasks * sizeof *tk);
    model_dport_t *dp = arena_calloc(a, sizeof *dp);
    dp->number = 80;
    dp->protocol = "tcp";
    dp->name = "http";
    for (size_t i = 0; i < n_tasks; i++) {
        model_task_t *t = &tk[i];
        size_t app = i / 10;
        /* Tasks grouped by framework, as the state parser delivers them. */
        t->framework = i < n_tasks * 8 / 10 ? 0 : i < n_tasks * 9 / 10 ? 1 : 2;
        t->agent = (uint32_t)(i % n_agents);
        snprintf(buf, sizeof buf, "app-%zu.%08zx-1f39-11e6-9e8c-0242ac110002", app, i);
        t->id = arena_strdup(a, buf);
        snprintf(buf, sizeof buf, "app-%zu", app);
        t->name = arena_strdup(a, buf);
        model_port_range_t *pr = arena_alloc(a, sizeof *pr);
        pr->begin = pr->end = (uint16_t)(31000 + i % 1000);
        t->ports = pr;
        t->n_ports = 1;
        if (i % 2 == 0) {
            t->has_discovery = true;
            if (i % 10 == 0) {
                snprintf(buf, sizeof buf, "app-%zu.group", app);
                t->disc_name = arena_strdup(a, buf);
            } else {
                t->disc_name = t->name;
            }
            t->dports = dp;
            t->n_dports = 1;
        }
        if (i % 4 < 2) {
            model_ip_t *ip = arena_calloc(a, sizeof *ip);
            ip->family = AF_INET;
            ip->addr[0] = 172;
            ip->addr[1] = 16;
            ip->addr[2] = (uint8_t)(i >> 8);
            ip->addr[3] = (uint8_t)i;
            t->ips[IPSRC_NETINFO] = ip;
            t->n_ips[IPSRC_NETINFO] = 1;
        }
    }
    m->agents = ag;
    m->n_agents = n_agents;
    m->frameworks = fw;
    m->n_frameworks = 3;
    m->tasks = tk;
    m->n_tasks = n_tasks;
    return m;
}

static const enum model_ipsrc SRC[] = {IPSRC_NETINFO, IPSRC_MESOS, IPSRC_HOST};
static const char *MASTERS[] = {"10.0.0.1:5050", "10.0.0.2:5050", "10.0.0.3:5050"};

/* One row: generation (count sink), /v1/enumerate, generation + snapshot. */
static int measure(const char *label, const model_t *m, const zone_gen_cfg_t *cfg)
{
    zone_soa_params_t soa = {.mname = "ns1.mesos.",
                             .rname = "root.ns1.mesos.",
                             .refresh = 60,
                             .retry = 600,
                             .expire = 86400,
                             .minimum = 60,
                             .ttl = 60};
    counter_t c = {0};
    double best = 1e9, build = 1e9;
    int runs = m->n_tasks >= 50000 ? 5 : 20;
    for (int r = 0; r < runs; r++) {
        memset(&c, 0, sizeof c);
        double t0 = clock_mono_s();
        if (zone_gen_run(m, cfg, NULL, NULL, count_sink, &c, NULL) != 0)
            return -1;
        double dt = clock_mono_s() - t0;
        best = dt < best ? dt : best;
    }
    buf_t b = BUF_INIT;
    double t0 = clock_mono_s();
    if (enumerate_json(m, cfg, NULL, &b) != 0)
        return -1;
    double et = clock_mono_s() - t0;
    buf_release(&b);
    size_t zone_records = 0;
    for (int r = 0; r < (runs < 5 ? runs : 5); r++) {
        t0 = clock_mono_s();
        zone_records = build_snapshot(m, cfg, &soa);
        double dt = clock_mono_s() - t0;
        if (zone_records == 0)
            return -1;
        build = dt < build ? dt : build;
    }
    printf("%-18s %-8zu %-8zu %-9zu %-13.1f %-7.1f %-14.1f %.1f (%zu records in the zone)\n", label,
           m->n_tasks, m->n_agents, c.records, best * 1e3, (double)c.records / best / 1e6, et * 1e3,
           build * 1e3, zone_records);
    return c.sum == 42 ? 1 : 0; /* keeps the checksum alive */
}

int main(int argc, char **argv)
{
    model_ip_t ns = {0};
    ns.family = AF_INET;
    inet_pton(AF_INET, "10.0.0.53", ns.addr);
    zone_gen_cfg_t cfg = {
        .domain = "mesos",
        .legacy_raw_names = true,
        .ip_sources = SRC,
        .n_ip_sources = 3,
        .srv_weight = 1,
        .soa_mname = "ns1.mesos.",
        .ns_ips = &ns,
        .n_ns_ips = 1,
        .masters = MASTERS,
        .n_masters = 3,
    };
    printf("%-18s %-8s %-8s %-9s %-13s %-7s %-14s %s\n", "model", "tasks", "agents", "records",
           "gen_ms(best)", "Mrec/s", "enumerate_ms", "gen+snapshot_ms(best)");
    if (argc > 2 && strcmp(argv[1], "--state") == 0) {
        for (int i = 2; i < argc; i++) {
            char err[256];
            model_t *m = NULL;
            if (state_parse_file(argv[i], &m, err, sizeof err) != 0) {
                fprintf(stderr, "%s: %s\n", argv[i], err);
                return 1;
            }
            const char *base = strrchr(argv[i], '/');
            int rc = measure(base ? base + 1 : argv[i], m, &cfg);
            model_free(&m);
            if (rc < 0)
                return 1;
        }
        return 0;
    }
    size_t sizes[16] = {1000, 10000, 100000};
    int n_sizes = 3;
    if (argc > 1) {
        n_sizes = 0;
        for (int i = 1; i < argc && n_sizes < 16; i++)
            sizes[n_sizes++] = strtoul(argv[i], NULL, 10);
    }
    for (int s = 0; s < n_sizes; s++) {
        model_t *m = make_model(sizes[s]);
        char label[32];
        snprintf(label, sizeof label, "synthetic");
        int rc = measure(label, m, &cfg);
        arena_t *a = m->arena;
        arena_free(&a);
        if (rc < 0) {
            fprintf(stderr, "generation failed\n");
            return 1;
        }
    }
    return 0;
}
