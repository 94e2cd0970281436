/* Shared harness of the zone/gen tests (test_zone_gen_*.c except the
 * golden one): a builder of models by hand (tm_*), and a run of the
 * generator whose records are collected as text lines (gen_text.h format)
 * in `C`, with the generator's counters in `ST`. */
#ifndef MDNS_TESTS_ZONE_GEN_FIXTURE_H
#define MDNS_TESTS_ZONE_GEN_FIXTURE_H

#include <stdint.h>
#include <stdio.h>

#include "common/arena.h"
#include "zone/gen.h"

/* ---- model builder ------------------------------------------------------ */

#define MAXA 64
#define MAXF 16
#define MAXT 256

typedef struct tm {
    arena_t *a;
    model_t m;
    model_agent_t ag[MAXA];
    model_framework_t fw[MAXF];
    model_task_t tk[MAXT];
} tm_t;

/* A model with the leader `leader_host`:`leader_port` (none when NULL). */
tm_t *tm_new(const char *leader_host, uint16_t leader_port);
void tm_free(tm_t **t);
/* Add an agent / a framework / a task; the first two return its index. */
int tm_agent(tm_t *t, const char *id, const char *pid_host, uint16_t port);
int tm_fw(tm_t *t, const char *name, const char *hostname, const char *pid_host, uint16_t port);
model_task_t *tm_task(tm_t *t, const char *id, const char *name, int fw, int agent);
/* Add to task `k`: an IP from `src`, a port range, discovery info (name
 * may be NULL), a discovery port. */
void tm_ip(tm_t *t, model_task_t *k, enum model_ipsrc src, const char *text);
void tm_ports(tm_t *t, model_task_t *k, uint16_t begin, uint16_t end);
void tm_disc(tm_t *t, model_task_t *k, const char *name);
void tm_dport(tm_t *t, model_task_t *k, uint16_t n, const char *proto, const char *name);

/* ---- running the generator ---------------------------------------------- */

#define MAXREC 16384

typedef struct coll {
    size_t n;
    char line[MAXREC][560];
    int32_t fw[MAXREC], task[MAXREC];
    int stop_at; /* return 7 at this record (1-based), 0 = never */
} coll_t;

extern coll_t C;
extern zone_gen_stats_t ST;

/* The sink collecting into the coll_t `ctx` (checks every name on the way). */
int coll_sink(void *ctx, const zone_gen_rec_t *r);
/* A host lookup from a fixed table (m1/m2/agent1/agent6/sched/dual.example). */
size_t table_lookup(void *ctx, const char *host, const model_ip_t **ips);
/* Mesos-DNS's default configuration, domain "mesos". */
zone_gen_cfg_t cfg_default(void);
/* Generate the zone of `t` into C and ST; the generator's return code. */
int run(const tm_t *t, const zone_gen_cfg_t *cfg);
/* Index in C of the record `line`, or -1. */
int find(const char *line);
/* All of C on stderr. */
void dump(void);

#define HAS(l)                                                                                     \
    do {                                                                                           \
        if (find(l) < 0) {                                                                         \
            dump();                                                                                \
            fail_msg("missing: %s", l);                                                            \
        }                                                                                          \
    } while (0)
#define HASNOT(l)                                                                                  \
    do {                                                                                           \
        if (find(l) >= 0) {                                                                        \
            dump();                                                                                \
            fail_msg("unexpected: %s", l);                                                         \
        }                                                                                          \
    } while (0)

/* Count of distinct lines whose text starts with `prefix`. */
size_t count_prefix(const char *prefix);
/* Lines in order whose text starts with `prefix`, joined by '|'. */
const char *seq(const char *prefix);

/* One agent S0 at 10.1.0.10, framework marathon at 10.2.0.5:8080. */
tm_t *base(void);
/* The records of task `ti`, in order, joined by '|'. */
const char *task_seq(int ti);

#endif
