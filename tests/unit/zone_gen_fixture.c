/* Shared harness of the zone/gen tests: see zone_gen_fixture.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/dname.h"
#include "gen_text.h"
#include "zone/enumerate.h"
#include "zone/gen.h"
#include "zone/hostcache.h"

#include "zone_gen_fixture.h"

tm_t *tm_new(const char *leader_host, uint16_t leader_port)
{
    tm_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->a = arena_new(0);
    t->m.arena = t->a;
    t->m.refs = 1;
    t->m.leader_host = leader_host ? arena_strdup(t->a, leader_host) : NULL;
    t->m.leader_port = leader_port;
    if (leader_host) {
        char l[300];
        snprintf(l, sizeof l, "master@%s:%u", leader_host, leader_port);
        t->m.leader = arena_strdup(t->a, l);
    }
    t->m.agents = t->ag;
    t->m.frameworks = t->fw;
    t->m.tasks = t->tk;
    return t;
}

void tm_free(tm_t **t)
{
    arena_free(&(*t)->a);
    free(*t);
    *t = NULL;
}

int tm_agent(tm_t *t, const char *id, const char *pid_host, uint16_t port)
{
    model_agent_t *a = &t->ag[t->m.n_agents];
    a->id = arena_strdup(t->a, id);
    a->hostname = "";
    a->pid_host = pid_host ? arena_strdup(t->a, pid_host) : NULL;
    a->pid_port = port;
    return (int)t->m.n_agents++;
}

int tm_fw(tm_t *t, const char *name, const char *hostname, const char *pid_host, uint16_t port)
{
    model_framework_t *f = &t->fw[t->m.n_frameworks];
    char id[32];
    snprintf(id, sizeof id, "fw-%zu", t->m.n_frameworks);
    f->id = arena_strdup(t->a, id);
    f->name = arena_strdup(t->a, name);
    f->hostname = arena_strdup(t->a, hostname ? hostname : "");
    f->pid_host = pid_host ? arena_strdup(t->a, pid_host) : NULL;
    f->pid_port = pid_host ? port : 0;
    return (int)t->m.n_frameworks++;
}

model_task_t *tm_task(tm_t *t, const char *id, const char *name, int fw, int agent)
{
    model_task_t *k = &t->tk[t->m.n_tasks++];
    memset(k, 0, sizeof *k);
    k->id = arena_strdup(t->a, id);
    k->name = arena_strdup(t->a, name);
    k->framework = (uint32_t)fw;
    k->agent = (uint32_t)agent;
    return k;
}

void tm_ip(tm_t *t, model_task_t *k, enum model_ipsrc src, const char *text)
{
    model_ip_t *ips = arena_alloc(t->a, (k->n_ips[src] + 1) * sizeof *ips);
    if (k->n_ips[src])
        memcpy(ips, k->ips[src], k->n_ips[src] * sizeof *ips);
    model_ip_t *ip = &ips[k->n_ips[src]];
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, text, ip->addr) == 1)
        ip->family = AF_INET;
    else
        assert_int_equal(inet_pton(AF_INET6, text, ip->addr), 1), ip->family = AF_INET6;
    k->ips[src] = ips;
    k->n_ips[src]++;
}

void tm_ports(tm_t *t, model_task_t *k, uint16_t begin, uint16_t end)
{
    model_port_range_t *r = arena_alloc(t->a, (k->n_ports + 1) * sizeof *r);
    if (k->n_ports)
        memcpy(r, k->ports, k->n_ports * sizeof *r);
    r[k->n_ports].begin = begin;
    r[k->n_ports].end = end;
    k->ports = r;
    k->n_ports++;
}

void tm_disc(tm_t *t, model_task_t *k, const char *name)
{
    k->has_discovery = true;
    k->disc_name = name ? arena_strdup(t->a, name) : NULL;
}

void tm_dport(tm_t *t, model_task_t *k, uint16_t n, const char *proto, const char *name)
{
    model_dport_t *d = arena_alloc(t->a, (k->n_dports + 1) * sizeof *d);
    if (k->n_dports)
        memcpy(d, k->dports, k->n_dports * sizeof *d);
    d[k->n_dports].number = n;
    d[k->n_dports].protocol = arena_strdup(t->a, proto);
    d[k->n_dports].name = arena_strdup(t->a, name);
    k->dports = d;
    k->n_dports++;
}

coll_t C;
zone_gen_stats_t ST;

int coll_sink(void *ctx, const zone_gen_rec_t *r)
{
    coll_t *c = ctx;
    if (c->stop_at && (int)c->n + 1 == c->stop_at)
        return 7;
    assert_true(c->n < MAXREC);
    /* Every owner and SRV target is a valid, lowercase, absolute name. */
    assert_int_equal(dname_len(r->owner, r->owner_len), r->owner_len);
    for (size_t i = 0; i < r->owner_len; i++)
        assert_false(r->owner[i] >= 'A' && r->owner[i] <= 'Z');
    if (r->type == RRTYPE_SRV)
        assert_int_equal(dname_len(r->rdata + 6, r->rdlen - 6u) + 6, r->rdlen);
    assert_true(gen_rec_text(r, c->line[c->n], sizeof c->line[0]) > 0);
    c->fw[c->n] = r->framework;
    c->task[c->n] = r->task;
    c->n++;
    return 0;
}

static const char *LOOKUP[][2] = {
    {"m1.example", "10.0.0.1"},     {"m2.example", "10.0.0.2"},    {"agent1.example", "10.1.0.1"},
    {"agent6.example", "fd00::a6"}, {"sched.example", "10.2.0.1"}, {"dual.example", "10.3.0.1"},
    {"dual.example", "fd00::3:1"},
};

size_t table_lookup(void *ctx, const char *host, const model_ip_t **ips)
{
    static model_ip_t out[4];
    size_t n = 0;
    (void)ctx;
    for (size_t i = 0; i < sizeof LOOKUP / sizeof LOOKUP[0] && n < 4; i++) {
        if (strcmp(LOOKUP[i][0], host) != 0)
            continue;
        memset(&out[n], 0, sizeof out[n]);
        if (inet_pton(AF_INET, LOOKUP[i][1], out[n].addr) == 1)
            out[n].family = AF_INET;
        else if (inet_pton(AF_INET6, LOOKUP[i][1], out[n].addr) == 1)
            out[n].family = AF_INET6;
        n++;
    }
    *ips = out;
    return n;
}

static const enum model_ipsrc DEFAULT_SRC[] = {IPSRC_NETINFO, IPSRC_MESOS, IPSRC_HOST};

zone_gen_cfg_t cfg_default(void)
{
    zone_gen_cfg_t c;
    memset(&c, 0, sizeof c);
    c.domain = "mesos";
    c.legacy_raw_names = true;
    c.ip_sources = DEFAULT_SRC;
    c.n_ip_sources = 3;
    c.srv_weight = 1;
    c.soa_mname = "ns1.mesos.";
    return c;
}

int run(const tm_t *t, const zone_gen_cfg_t *cfg)
{
    memset(&C, 0, sizeof C);
    memset(&ST, 0, sizeof ST);
    return zone_gen_run(&t->m, cfg, table_lookup, NULL, coll_sink, &C, &ST);
}

int find(const char *line)
{
    for (size_t i = 0; i < C.n; i++)
        if (strcmp(C.line[i], line) == 0)
            return (int)i;
    return -1;
}

void dump(void)
{
    for (size_t i = 0; i < C.n; i++)
        fprintf(stderr, "  [%zu] %s\n", i, C.line[i]);
}

/* Count of distinct lines whose text starts with `prefix`. */
size_t count_prefix(const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < C.n; i++) {
        if (strncmp(C.line[i], prefix, strlen(prefix)) != 0)
            continue;
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(C.line[i], C.line[j]) == 0;
        n += !dup;
    }
    return n;
}

/* Lines in order whose text starts with `prefix`, joined by '|'. */
const char *seq(const char *prefix)
{
    static char out[65536];
    out[0] = '\0';
    for (size_t i = 0; i < C.n; i++) {
        if (strncmp(C.line[i], prefix, strlen(prefix)) != 0)
            continue;
        if (out[0])
            strcat(out, "|");
        strcat(out, C.line[i] + strlen(prefix));
    }
    return out;
}

/* One agent S0 at 10.1.0.10, framework marathon at 10.2.0.5:8080. */
tm_t *base(void)
{
    tm_t *t = tm_new(NULL, 0);
    tm_agent(t, "20160107-001256-134875658-5050-27524-S0", "10.1.0.10", 5051);
    tm_fw(t, "marathon", "", "10.2.0.5", 8080);
    return t;
}

/* The records of task `ti`, in order, joined by '|'. */
const char *task_seq(int ti)
{
    static char out[65536];
    out[0] = '\0';
    for (size_t i = 0; i < C.n; i++) {
        if (C.task[i] != ti)
            continue;
        if (out[0])
            strcat(out, "|");
        strcat(out, C.line[i]);
    }
    return out;
}
