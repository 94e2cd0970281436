/* bench_answer: single-thread cost of dnsd/answer on a synthetic zone shaped
 * like a 100k-task cluster (Mesos-DNS naming, compat spec §4).
 *
 * Zone: N tasks (default 100000) in N/10 apps of 10 instances on 1000
 * agents; per task the A records of T.F.D, C.F.D, T.F.slave.D, C.F.slave.D
 * and the SRV records _T._tcp/_udp.F.D and _T._tcp/_udp.F.slave.D.
 * Queries: A of an app (10 records), SRV of an app with EDNS 1232 (10 SRV +
 * 10 A in ADDITIONAL), and NXDOMAIN; 4096 distinct queries per kind, mixed
 * case, cycled.
 *
 * Usage: bench_answer [tasks] [iterations per kind] [kind: A|SRV|NX|all] [batch]
 * Prints queries per CPU-second and ns per query for each kind.
 *
 * With `batch` > 0 the queries ask for random apps of the whole zone
 * (65536 distinct queries, so a big zone is as cold in the cache as in a
 * busy server) and are answered in batches as dnsd/udp.c does. For
 * instruction counts run one kind under callgrind:
 *   valgrind --tool=callgrind --toggle-collect=answer_query \
 *       build/bench/bench_answer 100000 200000 A
 * and divide the inclusive Ir of answer_query by the iterations. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/dname.h"
#include "dnsd/answer.h"
#include "dnsd/wire.h"
#include "zone/builder.h"

#define NQ 4096

static void die(const char *what)
{
    fprintf(stderr, "bench_answer: %s\n", what);
    exit(1);
}

static void add(zone_builder_t *b, const char *owner, uint16_t type, const uint8_t *rd, size_t rdl)
{
    uint8_t o[DNAME_MAXLEN];
    if (dname_from_text(owner, o) < 0 || zone_builder_add(b, o, type, rd, (uint16_t)rdl) < 0)
        die(owner);
}

static void add_a(zone_builder_t *b, const char *owner, uint32_t ip)
{
    uint8_t rd[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip};
    add(b, owner, RRTYPE_A, rd, 4);
}

static void add_srv(zone_builder_t *b, const char *owner, uint16_t port, const char *target)
{
    uint8_t rd[6 + DNAME_MAXLEN] = {0, 0, 0, 1, (uint8_t)(port >> 8), (uint8_t)port};
    int n = dname_from_text(target, rd + 6);
    if (n < 0)
        die(target);
    add(b, owner, RRTYPE_SRV, rd, 6 + (size_t)n);
}

static void add_task(zone_builder_t *b, unsigned t)
{
    char app[64], canon[96], name[160], target[160];
    unsigned agent = t % 1000, inst = t % 10;
    uint32_t task_ip = 0x0A000000u | (t + 1), agent_ip = 0xAC100000u | (agent + 1);
    snprintf(app, sizeof app, "app-%u", t / 10);
    snprintf(canon, sizeof canon, "%s-%05x%u-s%u", app, (t * 2654435761u) & 0xFFFFF, inst, agent);
    snprintf(name, sizeof name, "%s.marathon.mesos", app);
    add_a(b, name, task_ip);
    snprintf(name, sizeof name, "%s.marathon.mesos", canon);
    add_a(b, name, task_ip);
    snprintf(name, sizeof name, "%s.marathon.slave.mesos", app);
    add_a(b, name, agent_ip);
    snprintf(target, sizeof target, "%s.marathon.slave.mesos", canon);
    add_a(b, target, agent_ip);
    static const char *const protos[2] = {"tcp", "udp"};
    for (int p = 0; p < 2; p++) {
        snprintf(name, sizeof name, "_%s._%s.marathon.mesos", app, protos[p]);
        add_srv(b, name, (uint16_t)(31000 + inst), target);
        snprintf(name, sizeof name, "_%s._%s.marathon.slave.mesos", app, protos[p]);
        add_srv(b, name, (uint16_t)(31000 + inst), target);
    }
}

static zone_snap_t *build(unsigned tasks)
{
    zone_soa_params_t soa = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 60, 60};
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    if (!b)
        die("builder");
    add_a(b, "ns1.mesos", 0x0A0000FEu);
    for (unsigned t = 0; t < tasks; t++)
        add_task(b, t);
    zone_snap_t *z = NULL;
    if (zone_builder_finish(&b, &z) < 0)
        die("finish");
    zone_snap_set_serial(z, 1);
    return z;
}

typedef struct qset {
    uint8_t q[NQ][300];
    size_t len[NQ];
} qset_t;

/* One query into q (at least 300 bytes); returns its length. Letters of
 * the name alternate case (0x20-style). */
static size_t make_query(uint8_t *q, int i, const char *name, uint16_t type, bool edns)
{
    memset(q, 0, 12);
    wire_put16(q, (uint16_t)i);
    q[2] = 1; /* RD */
    q[5] = 1;
    q[11] = edns;
    int n = dname_from_text(name, q + 12);
    if (n < 0)
        die(name);
    for (int k = 12; k < 12 + n; k++)
        if ((k & 1) && q[k] >= 'a' && q[k] <= 'z')
            q[k] = (uint8_t)(q[k] - 32);
    size_t p = 12 + (size_t)n;
    wire_put16(q + p, type);
    wire_put16(q + p + 2, 1);
    p += 4;
    if (edns) {
        memset(q + p, 0, 11);
        wire_put16(q + p + 1, RRTYPE_OPT);
        wire_put16(q + p + 3, 1232);
        p += 11;
    }
    return p;
}

static void make(qset_t *s, int i, const char *name, uint16_t type, bool edns)
{
    s->len[i] = make_query(s->q[i], i, name, type, edns);
}

static void run(const char *kind, answer_ctx_t *ctx, const zone_snap_t *z, const qset_t *s,
                unsigned iters, uint16_t want_rcode)
{
    static uint8_t out[4096];
    answer_result_t res;
    size_t bytes = 0;
    double t0 = clock_process_cpu_s();
    for (unsigned i = 0; i < iters; i++) {
        unsigned k = i & (NQ - 1);
        answer_query(ctx, z, s->q[k], s->len[k], false, out, sizeof out, &res);
        bytes += res.len;
        if (res.action != ANSWER_SEND || res.rcode != want_rcode)
            die("unexpected answer");
    }
    double dt = clock_process_cpu_s() - t0;
    printf("%-4s %9u queries  %8.0f queries/CPU-s  %6.1f ns/query  %5.0f bytes/response\n", kind,
           iters, iters / dt, dt * 1e9 / iters, (double)bytes / iters);
}

#define NQB   65536 /* distinct queries of the batch mode */
#define QBMAX 300

/* Batch mode: queries for random apps of the whole zone, copied into a
 * batch buffer (as recvmmsg would) and answered batch by batch. */
static void run_batch(const char *kind, answer_ctx_t *ctx, const zone_snap_t *z, unsigned apps,
                      unsigned iters, unsigned batch, uint16_t want_rcode)
{
    static uint8_t qs[NQB][64], lens[NQB], bq[256][QBMAX], out[4096];
    char name[128];
    uint8_t tmp[QBMAX];
    uint64_t rng = 1;
    for (int i = 0; i < NQB; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned app = (unsigned)((rng >> 33) % apps);
        size_t n;
        if (!strcmp(kind, "A")) {
            snprintf(name, sizeof name, "app-%u.marathon.mesos", app);
            n = make_query(tmp, i, name, RRTYPE_A, false);
        } else if (!strcmp(kind, "SRV")) {
            snprintf(name, sizeof name, "_app-%u._tcp.marathon.mesos", app);
            n = make_query(tmp, i, name, RRTYPE_SRV, true);
        } else {
            snprintf(name, sizeof name, "nothere-%u.app-%u.marathon.mesos", (unsigned)i, app);
            n = make_query(tmp, i, name, RRTYPE_A, false);
        }
        if (n > sizeof qs[i])
            die("query too long");
        memcpy(qs[i], tmp, n);
        lens[i] = (uint8_t)n;
    }
    if (batch > 256)
        batch = 256;
    answer_result_t res;
    size_t bytes = 0;
    double t0 = clock_process_cpu_s();
    for (unsigned i = 0; i < iters; i += batch) {
        unsigned n = iters - i < batch ? iters - i : batch;
        for (unsigned k = 0; k < n; k++)
            memcpy(bq[k], qs[(i + k) & (NQB - 1)], sizeof qs[0]);
        for (unsigned k = 0; k < n; k++) {
            answer_query(ctx, z, bq[k], lens[(i + k) & (NQB - 1)], false, out, sizeof out, &res);
            bytes += res.len;
            if (res.action != ANSWER_SEND || res.rcode != want_rcode)
                die("unexpected answer");
        }
    }
    double dt = clock_process_cpu_s() - t0;
    printf("%-4s batch %3u %9u queries  %8.0f queries/CPU-s  %6.1f ns/query  %5.0f "
           "bytes/response\n",
           kind, batch, iters, iters / dt, dt * 1e9 / iters, (double)bytes / iters);
}

int main(int argc, char **argv)
{
    unsigned tasks = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
    unsigned iters = argc > 2 ? (unsigned)atoi(argv[2]) : 2000000;
    const char *only = argc > 3 ? argv[3] : "all";
    unsigned batch = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
    if (tasks < 10)
        die("need at least 10 tasks");
    double t0 = clock_process_cpu_s();
    zone_snap_t *z = build(tasks);
    printf("zone: %u tasks, %zu records, %zu nodes, %.1f MiB, built in %.2f CPU-s\n", tasks,
           zone_snap_record_count(z), zone_snap_node_count(z), zone_snap_memory(z) / 1048576.0,
           clock_process_cpu_s() - t0);
    static qset_t a, srv, nx;
    char name[128];
    unsigned apps = tasks / 10;
    for (int i = 0; i < NQ; i++) {
        unsigned app = (unsigned)(((uint64_t)i * 2654435761u) % apps);
        snprintf(name, sizeof name, "app-%u.marathon.mesos", app);
        make(&a, i, name, RRTYPE_A, false);
        snprintf(name, sizeof name, "_app-%u._tcp.marathon.mesos", app);
        make(&srv, i, name, RRTYPE_SRV, true);
        snprintf(name, sizeof name, "nothere-%d.marathon.mesos", i);
        make(&nx, i, name, RRTYPE_A, false);
    }
    answer_cfg_t cfg = {.domain = "mesos",
                        .recurse_on = true,
                        .external_on = true,
                        .set_truncate_bit = true,
                        .edns_max = 1232,
                        .identity = "bench",
                        .version_bind = ""};
    answer_ctx_t *ctx = malloc(sizeof *ctx);
    if (!ctx)
        die("ctx");
    answer_ctx_init(ctx, &cfg, 1);
    if (batch) {
        static const char *const kinds[3] = {"A", "SRV", "NX"};
        for (int k = 0; k < 3; k++)
            if (!strcmp(only, "all") || !strcmp(only, kinds[k]))
                run_batch(kinds[k], ctx, z, apps, iters, batch,
                          k == 2 ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR);
        only = "none";
    }
    if (!strcmp(only, "all") || !strcmp(only, "A"))
        run("A", ctx, z, &a, iters, DNS_RCODE_NOERROR);
    if (!strcmp(only, "all") || !strcmp(only, "SRV"))
        run("SRV", ctx, z, &srv, iters, DNS_RCODE_NOERROR);
    if (!strcmp(only, "all") || !strcmp(only, "NX"))
        run("NX", ctx, z, &nx, iters, DNS_RCODE_NXDOMAIN);
    free(ctx);
    zone_snap_free(&z);
    return 0;
}
