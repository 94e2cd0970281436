/* Unit tests of zone/gen (compat spec §4-§7) on models built by hand, plus
 * zone/enumerate and zone/hostcache.
 *
 * Expected records are written from the spec's rules. Task hashes H were
 * computed independently (Python hashlib + z-base-32):
 *   web.1 e844k, web.2 izm16, db.1 f3ink, store.1 9iykr, t1 hw4uo,
 *   t2 fjp7y, nosrc.1 qf8p1, udp.1 txjcz, test iffe9. */
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

static tm_t *tm_new(const char *leader_host, uint16_t leader_port)
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

static void tm_free(tm_t **t)
{
    arena_free(&(*t)->a);
    free(*t);
    *t = NULL;
}

static int tm_agent(tm_t *t, const char *id, const char *pid_host, uint16_t port)
{
    model_agent_t *a = &t->ag[t->m.n_agents];
    a->id = arena_strdup(t->a, id);
    a->hostname = "";
    a->pid_host = pid_host ? arena_strdup(t->a, pid_host) : NULL;
    a->pid_port = port;
    return (int)t->m.n_agents++;
}

static int tm_fw(tm_t *t, const char *name, const char *hostname, const char *pid_host,
                 uint16_t port)
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

static model_task_t *tm_task(tm_t *t, const char *id, const char *name, int fw, int agent)
{
    model_task_t *k = &t->tk[t->m.n_tasks++];
    memset(k, 0, sizeof *k);
    k->id = arena_strdup(t->a, id);
    k->name = arena_strdup(t->a, name);
    k->framework = (uint32_t)fw;
    k->agent = (uint32_t)agent;
    return k;
}

static void tm_ip(tm_t *t, model_task_t *k, enum model_ipsrc src, const char *text)
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

static void tm_ports(tm_t *t, model_task_t *k, uint16_t begin, uint16_t end)
{
    model_port_range_t *r = arena_alloc(t->a, (k->n_ports + 1) * sizeof *r);
    if (k->n_ports)
        memcpy(r, k->ports, k->n_ports * sizeof *r);
    r[k->n_ports].begin = begin;
    r[k->n_ports].end = end;
    k->ports = r;
    k->n_ports++;
}

static void tm_disc(tm_t *t, model_task_t *k, const char *name)
{
    k->has_discovery = true;
    k->disc_name = name ? arena_strdup(t->a, name) : NULL;
}

static void tm_dport(tm_t *t, model_task_t *k, uint16_t n, const char *proto, const char *name)
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

/* ---- running the generator ---------------------------------------------- */

#define MAXREC 16384

typedef struct coll {
    size_t n;
    char line[MAXREC][560];
    int32_t fw[MAXREC], task[MAXREC];
    int stop_at; /* return 7 at this record (1-based), 0 = never */
} coll_t;

static coll_t C;
static zone_gen_stats_t ST;

static int coll_sink(void *ctx, const zone_gen_rec_t *r)
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

static size_t table_lookup(void *ctx, const char *host, const model_ip_t **ips)
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

static zone_gen_cfg_t cfg_default(void)
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

static int run(const tm_t *t, const zone_gen_cfg_t *cfg)
{
    memset(&C, 0, sizeof C);
    memset(&ST, 0, sizeof ST);
    return zone_gen_run(&t->m, cfg, table_lookup, NULL, coll_sink, &C, &ST);
}

static int find(const char *line)
{
    for (size_t i = 0; i < C.n; i++)
        if (strcmp(C.line[i], line) == 0)
            return (int)i;
    return -1;
}

static void dump(void)
{
    for (size_t i = 0; i < C.n; i++)
        fprintf(stderr, "  [%zu] %s\n", i, C.line[i]);
}

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
static size_t count_prefix(const char *prefix)
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
static const char *seq(const char *prefix)
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

/* ---- §4.4 masters ------------------------------------------------------- */

static void test_masters_leader_in_list(void **state)
{
    tm_t *t = tm_new("10.0.0.2", 5050);
    zone_gen_cfg_t c = cfg_default();
    const char *ms[] = {"10.0.0.1:5050", "10.0.0.2:5050", "10.0.0.3:5050"};
    c.masters = ms;
    c.n_masters = 3;
    assert_int_equal(run(t, &c), 0);
    /* Mesos-DNS's exact order: leader, master, leader SRVs, then the list
     * (master.D before masterN; the leader's entry adds no master.D). */
    const char *want[] = {
        "leader.mesos. A 10.0.0.2",
        "master.mesos. A 10.0.0.2",
        "_leader._tcp.mesos. SRV 0 1 5050 leader.mesos.",
        "_leader._udp.mesos. SRV 0 1 5050 leader.mesos.",
        "master.mesos. A 10.0.0.1",
        "master0.mesos. A 10.0.0.1",
        "master1.mesos. A 10.0.0.2",
        "master.mesos. A 10.0.0.3",
        "master2.mesos. A 10.0.0.3",
    };
    assert_int_equal(C.n, 9);
    for (size_t i = 0; i < 9; i++) {
        assert_string_equal(C.line[i], want[i]);
        assert_int_equal(C.fw[i], -1);
        assert_int_equal(C.task[i], -1);
    }
    assert_int_equal(ST.records, 9);
    tm_free(&t);
}

static void test_masters_duplicates(void **state)
{
    tm_t *t = tm_new("10.0.0.1", 5050);
    zone_gen_cfg_t c = cfg_default();
    /* The leader listed twice: numbered once. */
    const char *a[] = {"10.0.0.1:5050", "10.0.0.1:5050", "10.0.0.2:5050"};
    c.masters = a;
    c.n_masters = 3;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.1");
    assert_string_equal(seq("master1.mesos. "), "A 10.0.0.2");
    assert_string_equal(seq("master2.mesos. "), "");
    assert_string_equal(seq("master.mesos. "), "A 10.0.0.1|A 10.0.0.2");

    /* A non-leader listed twice (also with another port): numbered once;
     * the leader, missing from the list, comes last. */
    const char *b[] = {"10.0.0.2:5050", "10.0.0.2:5050", "10.0.0.2:5051"};
    c.masters = b;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.2");
    assert_string_equal(seq("master1.mesos. "), "A 10.0.0.1");
    assert_string_equal(seq("master2.mesos. "), "");

    /* The leader's address with another port is not the leader, and its
     * address is already in master.D: skipped. */
    const char *d[] = {"10.0.0.1:5051"};
    c.masters = d;
    c.n_masters = 1;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.1");
    assert_string_equal(seq("master1.mesos. "), "");
    assert_string_equal(seq("master.mesos. "), "A 10.0.0.1");
    tm_free(&t);
}

static void test_masters_leader_missing(void **state)
{
    tm_t *t = tm_new("10.0.0.1", 5050);
    zone_gen_cfg_t c = cfg_default();
    const char *ms[] = {"10.0.0.2:5050", "10.0.0.3:5050"};
    c.masters = ms;
    c.n_masters = 2;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.2");
    assert_string_equal(seq("master1.mesos. "), "A 10.0.0.3");
    assert_string_equal(seq("master2.mesos. "), "A 10.0.0.1");
    assert_string_equal(seq("master.mesos. "), "A 10.0.0.1|A 10.0.0.2|A 10.0.0.3");
    /* No list at all: the leader is master0. */
    c.n_masters = 0;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.1");
    assert_int_equal(C.n, 5);
    tm_free(&t);
}

static void test_masters_ipv6(void **state)
{
    tm_t *t = tm_new("fd00::1", 5050);
    zone_gen_cfg_t c = cfg_default();
    const char *ms[] = {"[fd00::1]:5050", "[fd00::2]:5050", "10.0.0.9:5050"};
    c.masters = ms;
    c.n_masters = 3;
    assert_int_equal(run(t, &c), 0);
    HAS("leader.mesos. AAAA fd00::1");
    HAS("_leader._tcp.mesos. SRV 0 1 5050 leader.mesos.");
    assert_string_equal(seq("master0.mesos. "), "AAAA fd00::1");
    assert_string_equal(seq("master1.mesos. "), "AAAA fd00::2");
    assert_string_equal(seq("master2.mesos. "), "A 10.0.0.9");
    assert_string_equal(seq("master3.mesos. "), "");
    assert_string_equal(seq("master.mesos. "), "AAAA fd00::1|AAAA fd00::2|A 10.0.0.9");
    tm_free(&t);
}

static void test_masters_hostnames(void **state)
{
    tm_t *t = tm_new("10.0.0.1", 5050);
    zone_gen_cfg_t c = cfg_default();
    /* Hostnames resolve through the lookup; an unresolved one and malformed
     * entries (no port, bare IPv6) are skipped without taking a number. */
    const char *ms[] = {"m1.example:5050", "10.0.0.5", "m3.example:5050", "::1", "m2.example:5050"};
    c.masters = ms;
    c.n_masters = 5;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.1"); /* m1 is the leader */
    assert_string_equal(seq("master1.mesos. "), "A 10.0.0.2");
    assert_string_equal(seq("master2.mesos. "), "");
    assert_int_equal(ST.unresolved, 1);
    assert_string_equal(ST.example, "m3.example:5050");

    /* A leader given by name; an unresolvable leader gives no leader records. */
    tm_t *t2 = tm_new("m2.example", 5050);
    c.n_masters = 0;
    assert_int_equal(run(t2, &c), 0);
    assert_string_equal(seq("leader.mesos. "), "A 10.0.0.2");
    tm_t *t3 = tm_new("nowhere.example", 5050);
    const char *one[] = {"10.0.0.7:5050"};
    c.masters = one;
    c.n_masters = 1;
    assert_int_equal(run(t3, &c), 0);
    assert_string_equal(seq("leader."), "");
    assert_string_equal(seq("_leader."), "");
    assert_string_equal(seq("master.mesos. "), "A 10.0.0.7");
    assert_string_equal(seq("master0.mesos. "), "A 10.0.0.7");
    assert_string_equal(seq("master1.mesos. "), "");
    assert_int_equal(ST.unresolved, 1);
    /* No leader at all: no master records. */
    tm_t *t4 = tm_new(NULL, 0);
    assert_int_equal(run(t4, &c), 0);
    assert_int_equal(C.n, 0);
    tm_free(&t);
    tm_free(&t2);
    tm_free(&t3);
    tm_free(&t4);
}

/* ---- §4.1 frameworks, §4.2 agents, §4.3 name server --------------------- */

static void test_frameworks(void **state)
{
    tm_t *t = tm_new(NULL, 0);
    tm_fw(t, "marathon", "ignored.example", "10.2.0.5", 8080);
    tm_fw(t, "Chronos 2.0", "10.2.0.6", NULL, 0);
    tm_fw(t, "sched", "", "sched.example", 9000);
    tm_fw(t, "ghost", "", "ghost.example", 1);
    tm_fw(t, "$$$", "", "10.2.0.9", 1);
    tm_fw(t, "dual", "dual.example", NULL, 0);
    tm_fw(t, "marathon-0.7.5", "10.2.0.7", NULL, 0);
    tm_fw(t, "nohost", "", NULL, 0);
    zone_gen_cfg_t c = cfg_default();
    assert_int_equal(run(t, &c), 0);
    const char *want[] = {
        "marathon.mesos. A 10.2.0.5",
        "_framework._tcp.marathon.mesos. SRV 0 1 8080 marathon.mesos.",
        "chronos2.0.mesos. A 10.2.0.6",
        "sched.mesos. A 10.2.0.1",
        "_framework._tcp.sched.mesos. SRV 0 1 9000 sched.mesos.",
        "dual.mesos. A 10.3.0.1",
        "dual.mesos. AAAA fd00::3:1",
        "marathon-0.7.5.mesos. A 10.2.0.7",
    };
    const int fw[] = {0, 0, 1, 2, 2, 5, 5, 6};
    assert_int_equal(C.n, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(C.line[i], want[i]);
        assert_int_equal(C.fw[i], fw[i]);
        assert_int_equal(C.task[i], -1);
    }
    assert_int_equal(ST.unresolved, 1);   /* ghost.example; "" is not a lookup */
    assert_int_equal(ST.invalid_name, 1); /* "$$$" leaves no label */

    c.rfc952 = true;
    assert_int_equal(run(t, &c), 0);
    HAS("marathon-0.mesos. A 10.2.0.7");
    HASNOT("marathon-0.7.5.mesos. A 10.2.0.7");
    tm_free(&t);
}

static void test_agents_and_ns(void **state)
{
    tm_t *t = tm_new(NULL, 0);
    tm_agent(t, "20160107-001256-134875658-5050-27524-S0", "10.1.0.10", 5051);
    tm_agent(t, "x-S1", "agent1.example", 5051);
    tm_agent(t, "x-S2", "fd00::a2", 5051);
    tm_agent(t, "x-S3", "lost.example", 5051);
    tm_agent(t, "x-S4", "10.1.0.10", 5052);
    zone_gen_cfg_t c = cfg_default();
    model_ip_t ns[2] = {{0}};
    ns[0].family = AF_INET;
    inet_pton(AF_INET, "10.0.0.53", ns[0].addr);
    ns[1].family = AF_INET6;
    inet_pton(AF_INET6, "fd00::53", ns[1].addr);
    c.ns_ips = ns;
    c.n_ns_ips = 2;
    assert_int_equal(run(t, &c), 0);
    const char *want[] = {
        "slave.mesos. A 10.1.0.10",   "_slave._tcp.mesos. SRV 0 1 5051 slave.mesos.",
        "slave.mesos. A 10.1.0.1",    "_slave._tcp.mesos. SRV 0 1 5051 slave.mesos.",
        "slave.mesos. AAAA fd00::a2", "_slave._tcp.mesos. SRV 0 1 5051 slave.mesos.",
        "slave.mesos. A 10.1.0.10",   "_slave._tcp.mesos. SRV 0 1 5052 slave.mesos.",
        "ns1.mesos. A 10.0.0.53",     "ns1.mesos. AAAA fd00::53",
    };
    assert_int_equal(C.n, 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(C.line[i], want[i]);
    assert_int_equal(ST.unresolved, 1);
    assert_string_equal(ST.example, "lost.example");

    /* SOAMname is lowercased; outside the domain it is still emitted (as
     * Mesos-DNS does): the sink decides. */
    c.soa_mname = "NS1.Mesos.";
    assert_int_equal(run(t, &c), 0);
    HAS("ns1.mesos. A 10.0.0.53");
    c.soa_mname = "ns1.example.com.";
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("ns1."), "example.com. A 10.0.0.53|example.com. AAAA fd00::53");
    tm_free(&t);
}

/* ---- §4.5 tasks ---------------------------------------------------------- */

/* One agent S0 at 10.1.0.10, framework marathon at 10.2.0.5:8080. */
static tm_t *base(void)
{
    tm_t *t = tm_new(NULL, 0);
    tm_agent(t, "20160107-001256-134875658-5050-27524-S0", "10.1.0.10", 5051);
    tm_fw(t, "marathon", "", "10.2.0.5", 8080);
    return t;
}

/* The records of task `ti`, in order, joined by '|'. */
static const char *task_seq(int ti)
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

static void test_task_without_discovery(void **state)
{
    tm_t *t = base();
    model_task_t *k = tm_task(t, "web.1", "web", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.1");
    tm_ports(t, k, 31000, 31001);
    zone_gen_cfg_t c = cfg_default();
    assert_int_equal(run(t, &c), 0);
    const char *T = "web-e844k-s0.marathon.slave.mesos.";
    char want[4096];
    snprintf(want, sizeof want,
             "web.marathon.mesos. A 10.9.0.1|web-e844k-s0.marathon.mesos. A 10.9.0.1|"
             "web.marathon.slave.mesos. A 10.1.0.10|%s A 10.1.0.10|"
             "_web._tcp.marathon.slave.mesos. SRV 0 1 31000 %s|"
             "_web._udp.marathon.slave.mesos. SRV 0 1 31000 %s|"
             "_web._tcp.marathon.mesos. SRV 0 1 31000 %s|"
             "_web._udp.marathon.mesos. SRV 0 1 31000 %s|"
             "_web._tcp.marathon.slave.mesos. SRV 0 1 31001 %s|"
             "_web._udp.marathon.slave.mesos. SRV 0 1 31001 %s|"
             "_web._tcp.marathon.mesos. SRV 0 1 31001 %s|"
             "_web._udp.marathon.mesos. SRV 0 1 31001 %s",
             T, T, T, T, T, T, T, T, T);
    assert_string_equal(task_seq(0), want);
    for (size_t i = 0; i < C.n; i++)
        if (C.task[i] == 0)
            assert_int_equal(C.fw[i], 0);
    /* Weight from the config; priority stays 0. */
    c.srv_weight = 7;
    assert_int_equal(run(t, &c), 0);
    HAS("_web._tcp.marathon.mesos. SRV 0 7 31000 web-e844k-s0.marathon.slave.mesos.");
    HAS("_framework._tcp.marathon.mesos. SRV 0 7 8080 marathon.mesos.");
    tm_free(&t);
}

static void test_ip_sources(void **state)
{
    tm_t *t = base();
    model_task_t *k = tm_task(t, "t1", "a", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.1.1");
    tm_ip(t, k, IPSRC_MESOS, "10.9.1.2");
    k = tm_task(t, "t2", "b", 0, 0);
    tm_ip(t, k, IPSRC_MESOS, "10.9.2.2");
    tm_ip(t, k, IPSRC_DOCKER, "10.9.2.3");
    k = tm_task(t, "t3", "c", 0, 0);
    tm_ip(t, k, IPSRC_DOCKER, "10.9.3.3");
    k = tm_task(t, "t4", "d", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.4.1");
    tm_ip(t, k, IPSRC_NETINFO, "fd00::9:4");
    tm_ip(t, k, IPSRC_NETINFO, "10.9.4.2");
    k = tm_task(t, "t5", "e", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "::ffff:10.9.5.5");
    zone_gen_cfg_t c = cfg_default();
    /* Default netinfo, mesos, host: the first source with any address. */
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("a.marathon.mesos. "), "A 10.9.1.1");
    assert_string_equal(seq("b.marathon.mesos. "), "A 10.9.2.2");
    assert_string_equal(seq("c.marathon.mesos. "), "A 10.1.0.10");
    assert_string_equal(seq("d.marathon.mesos. "), "A 10.9.4.1|AAAA fd00::9:4|A 10.9.4.2");
    assert_string_equal(seq("e.marathon.mesos. "), "A 10.9.5.5"); /* IPv4-mapped */
    assert_int_equal(ST.tasks_no_ip, 0);

    const enum model_ipsrc host_first[] = {IPSRC_HOST, IPSRC_NETINFO};
    c.ip_sources = host_first;
    c.n_ip_sources = 2;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("a.marathon.mesos. "), "A 10.1.0.10");

    /* Only docker: the others have no task address, but keep their .slave
     * names; each is counted. */
    const enum model_ipsrc docker[] = {IPSRC_DOCKER};
    c.ip_sources = docker;
    c.n_ip_sources = 1;
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(seq("b.marathon.mesos. "), "A 10.9.2.3");
    assert_string_equal(seq("c.marathon.mesos. "), "A 10.9.3.3");
    assert_string_equal(seq("a.marathon.mesos. "), "");
    assert_string_equal(seq("a-hw4uo-s0.marathon.mesos. "), "");
    assert_string_equal(seq("a.marathon.slave.mesos. "), "A 10.1.0.10");
    assert_string_equal(seq("a-hw4uo-s0.marathon.slave.mesos. "), "A 10.1.0.10");
    assert_int_equal(ST.tasks_no_ip, 3);

    /* An agent that does not resolve: no host addresses, no .slave names. */
    tm_t *u = tm_new(NULL, 0);
    tm_agent(u, "x-S9", "nowhere.example", 5051);
    tm_fw(u, "marathon", "", "10.2.0.5", 8080);
    tm_task(u, "nosrc.1", "lost", 0, 0);
    c = cfg_default();
    assert_int_equal(run(u, &c), 0);
    assert_string_equal(task_seq(0), "");
    assert_int_equal(ST.tasks_no_ip, 1);
    assert_int_equal(ST.unresolved, 1);
    tm_free(&t);
    tm_free(&u);
}

static void test_discovery_srvs(void **state)
{
    tm_t *t = base();
    model_task_t *k = tm_task(t, "store.1", "ignored-task-name", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.5");
    tm_ports(t, k, 31005, 31005);
    tm_disc(t, k, "liquor.store");
    tm_dport(t, k, 80, "tcp", "http");
    tm_dport(t, k, 81, "", "");
    tm_dport(t, k, 82, "UDP", "Metrics_Port");
    tm_dport(t, k, 83, "tcp", "$$$");
    zone_gen_cfg_t c = cfg_default();
    c.legacy_raw_names = false;
    assert_int_equal(run(t, &c), 0);
    const char *S = "liquor-store-9iykr-s0.marathon.slave.mesos.";
    const char *D = "liquor-store-9iykr-s0.marathon.mesos.";
    char want[4096];
    snprintf(want, sizeof want,
             "liquor-store.marathon.mesos. A 10.9.0.5|%s A 10.9.0.5|"
             "liquor-store.marathon.slave.mesos. A 10.1.0.10|%s A 10.1.0.10|"
             "_liquor-store._tcp.marathon.slave.mesos. SRV 0 1 31005 %s|"
             "_liquor-store._udp.marathon.slave.mesos. SRV 0 1 31005 %s|"
             "_liquor-store._tcp.marathon.mesos. SRV 0 1 80 %s|"
             "_http._liquor-store._tcp.marathon.mesos. SRV 0 1 80 %s|"
             "_liquor-store._tcp.marathon.mesos. SRV 0 1 81 %s|"
             "_liquor-store._udp.marathon.mesos. SRV 0 1 81 %s|"
             "_liquor-store._udp.marathon.mesos. SRV 0 1 82 %s|"
             "_metrics-port._liquor-store._udp.marathon.mesos. SRV 0 1 82 %s|"
             "_liquor-store._tcp.marathon.mesos. SRV 0 1 83 %s",
             D, S, S, S, D, D, D, D, D, D, D);
    assert_string_equal(task_seq(0), want);
    /* With DiscoveryInfo, resources.ports get no SRV under F.D. */
    HASNOT("_liquor-store._tcp.marathon.mesos. SRV 0 1 31005 "
           "liquor-store-9iykr-s0.marathon.slave.mesos.");

    /* A named port with an empty protocol: tcp and udp, then named. */
    tm_t *u = base();
    k = tm_task(u, "udp.1", "x", 0, 0);
    tm_disc(u, k, "dns");
    tm_dport(u, k, 53, "", "domain");
    assert_int_equal(run(u, &c), 0);
    assert_string_equal(seq("_"),
                        "framework._tcp.marathon.mesos. SRV 0 1 8080 marathon.mesos.|"
                        "slave._tcp.mesos. SRV 0 1 5051 slave.mesos.|"
                        "dns._tcp.marathon.mesos. SRV 0 1 53 dns-txjcz-s0.marathon.mesos.|"
                        "dns._udp.marathon.mesos. SRV 0 1 53 dns-txjcz-s0.marathon.mesos.|"
                        "domain._dns._tcp.marathon.mesos. SRV 0 1 53 dns-txjcz-s0.marathon.mesos.|"
                        "domain._dns._udp.marathon.mesos. SRV 0 1 53 dns-txjcz-s0.marathon.mesos.");
    tm_free(&t);
    tm_free(&u);
}

static void test_legacy_twin(void **state)
{
    tm_t *t = base();
    model_task_t *k = tm_task(t, "store.1", "ignored", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.5");
    tm_ports(t, k, 31005, 31005);
    tm_disc(t, k, "liquor.store");
    tm_dport(t, k, 80, "tcp", "http");
    zone_gen_cfg_t c = cfg_default();
    assert_int_equal(run(t, &c), 0);
    /* The raw-name block comes first. */
    const char *R = "liquor.store-9iykr-s0.marathon.mesos.";
    const char *RS = "liquor.store-9iykr-s0.marathon.slave.mesos.";
    char want[4096];
    snprintf(want, sizeof want,
             "liquor.store.marathon.mesos. A 10.9.0.5|%s A 10.9.0.5|"
             "liquor.store.marathon.slave.mesos. A 10.1.0.10|%s A 10.1.0.10|"
             "_liquor.store._tcp.marathon.slave.mesos. SRV 0 1 31005 %s|"
             "_liquor.store._udp.marathon.slave.mesos. SRV 0 1 31005 %s|"
             "_liquor.store._tcp.marathon.mesos. SRV 0 1 80 %s|"
             "_http._liquor.store._tcp.marathon.mesos. SRV 0 1 80 %s|"
             "liquor-store.marathon.mesos. A 10.9.0.5",
             R, RS, RS, RS, R, R);
    assert_memory_equal(task_seq(0), want, strlen(want));
    size_t with = C.n;
    /* Off: only the sanitized block (8 records fewer). */
    c.legacy_raw_names = false;
    assert_int_equal(run(t, &c), 0);
    assert_int_equal(C.n, with - 8);
    HASNOT("liquor.store.marathon.mesos. A 10.9.0.5");
    HAS("liquor-store.marathon.mesos. A 10.9.0.5");

    /* A raw name that sanitizes to itself (case aside) repeats nothing. */
    tm_t *u = base();
    k = tm_task(u, "web.1", "x", 0, 0);
    tm_ip(u, k, IPSRC_NETINFO, "10.9.0.1");
    tm_disc(u, k, "Web");
    c.legacy_raw_names = true;
    assert_int_equal(run(u, &c), 0);
    assert_string_equal(task_seq(0), "web.marathon.mesos. A 10.9.0.1|"
                                     "web-e844k-s0.marathon.mesos. A 10.9.0.1|"
                                     "web.marathon.slave.mesos. A 10.1.0.10|"
                                     "web-e844k-s0.marathon.slave.mesos. A 10.1.0.10");

    /* DiscoveryInfo without a name counts as none (Mesos-DNS): task name,
     * resources SRVs under F.D too, DiscoveryInfo ports ignored. */
    tm_t *v = base();
    k = tm_task(v, "web.1", "web", 0, 0);
    tm_disc(v, k, "");
    tm_ports(v, k, 31000, 31000);
    tm_dport(v, k, 80, "tcp", "http");
    assert_int_equal(run(v, &c), 0);
    HAS("_web._tcp.marathon.mesos. SRV 0 1 31000 web-e844k-s0.marathon.slave.mesos.");
    assert_string_equal(seq("_http."), "");
    assert_int_equal(count_prefix("_web._tcp.marathon.mesos. SRV 0 1 80"), 0);
    tm_free(&t);
    tm_free(&u);
    tm_free(&v);
}

static void test_no_ports(void **state)
{
    tm_t *t = base();
    model_task_t *k = tm_task(t, "db.1", "db", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.7");
    zone_gen_cfg_t c = cfg_default();
    assert_int_equal(run(t, &c), 0);
    assert_string_equal(task_seq(0), "db.marathon.mesos. A 10.9.0.7|"
                                     "db-f3ink-s0.marathon.mesos. A 10.9.0.7|"
                                     "db.marathon.slave.mesos. A 10.1.0.10|"
                                     "db-f3ink-s0.marathon.slave.mesos. A 10.1.0.10");
    tm_free(&t);
}

static void test_rfc952(void **state)
{
    tm_t *t = tm_new(NULL, 0);
    tm_agent(t, "x-S0", "10.1.0.10", 5051);
    tm_fw(t, "marathon-0.7.5", "", "10.2.0.5", 8080);
    tm_task(t, "t1", "1chronos_job.nightly", 0, 0);
    tm_task(t, "t2", "averyveryverylongtaskname-with-suffix", 0, 0);
    zone_gen_cfg_t c = cfg_default();
    assert_int_equal(run(t, &c), 0);
    HAS("1chronos-job-nightly.marathon-0.7.5.slave.mesos. A 10.1.0.10");
    HAS("1chronos-job-nightly-hw4uo-s0.marathon-0.7.5.mesos. A 10.1.0.10");
    HAS("averyveryverylongtaskname-with-suffix.marathon-0.7.5.mesos. A 10.1.0.10");
    c.rfc952 = true;
    assert_int_equal(run(t, &c), 0);
    HAS("chronos-job-nightly.marathon-0.slave.mesos. A 10.1.0.10");
    HAS("chronos-job-nightly-hw4uo-s0.marathon-0.mesos. A 10.1.0.10");
    HAS("averyveryverylongtasknam.marathon-0.mesos. A 10.1.0.10");
    HAS("averyveryverylongtasknam-fjp7y-s0.marathon-0.mesos. A 10.1.0.10");
    tm_free(&t);
}

/* §7: labels cut to 63, names over 255 dropped and counted. */
static void test_long_names(void **state)
{
    tm_t *t = base();
    char name[128], want[512];
    memset(name, 'a', 50);
    strcpy(name + 50, "-bbbbbbbbbbbb"); /* 63 characters */
    model_task_t *k = tm_task(t, "long.1", name, 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.9");
    tm_ports(t, k, 31000, 31000);
    zone_gen_cfg_t c = cfg_default();
    assert_int_equal(run(t, &c), 0);
    snprintf(want, sizeof want, "%s.marathon.mesos. A 10.9.0.9", name);
    HAS(want);
    /* C: T keeps 54 characters, "-xfsn7-s0" makes 63. */
    char cl[80];
    memcpy(cl, name, 54);
    strcpy(cl + 54, "-xfsn7-s0");
    assert_int_equal(strlen(cl), 63);
    snprintf(want, sizeof want, "%s.marathon.mesos. A 10.9.0.9", cl);
    HAS(want);
    /* _T: T cut to 62. */
    char ul[80] = "_";
    memcpy(ul + 1, name, 62);
    ul[63] = '\0';
    snprintf(want, sizeof want, "%s._tcp.marathon.mesos. SRV 0 1 31000 %s.marathon.slave.mesos.",
             ul, cl);
    HAS(want);
    assert_int_equal(ST.name_too_long + ST.invalid_name, 0);

    /* A framework name of 4 × 61 characters: F.D is exactly 255 octets and
     * fits, every name under it does not. */
    tm_t *u = tm_new(NULL, 0);
    tm_agent(u, "x-S0", "10.1.0.10", 5051);
    char fw[300];
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        memset(fw + o, (char)('p' + i), 61);
        o += 61;
        fw[o++] = '.';
    }
    fw[o - 1] = '\0';
    tm_fw(u, fw, "", "10.2.0.5", 8080);
    k = tm_task(u, "web.1", "web", 0, 0);
    tm_ip(u, k, IPSRC_NETINFO, "10.9.0.1");
    tm_ports(u, k, 31000, 31000);
    assert_int_equal(run(u, &c), 0);
    assert_int_equal(count_prefix("pppp"), 1); /* the framework's A record */
    assert_string_equal(task_seq(0), "");
    assert_true(ST.name_too_long > 0);
    assert_string_equal(ST.example, fw); /* _framework._tcp.F.D came first */

    /* Raw twin names with an empty label or an over-long label are invalid. */
    tm_t *v = base();
    k = tm_task(v, "t1", "x", 0, 0);
    tm_ip(v, k, IPSRC_NETINFO, "10.9.0.1");
    tm_disc(v, k, "a..b");
    assert_int_equal(run(v, &c), 0);
    HAS("a--b.marathon.mesos. A 10.9.0.1");
    assert_true(ST.invalid_name >= 4);
    /* An agent id tail too long for any canonical label (57 + "-H-"). */
    tm_t *w = tm_new(NULL, 0);
    char aid[80];
    strcpy(aid, "x-");
    memset(aid + 2, 's', 57);
    aid[59] = '\0';
    tm_agent(w, aid, "10.1.0.10", 5051);
    tm_fw(w, "marathon", "", "10.2.0.5", 8080);
    k = tm_task(w, "web.1", "web", 0, 0);
    tm_ip(w, k, IPSRC_NETINFO, "10.9.0.1");
    tm_ports(w, k, 31000, 31000);
    assert_int_equal(run(w, &c), 0);
    assert_string_equal(task_seq(0),
                        "web.marathon.mesos. A 10.9.0.1|web.marathon.slave.mesos. A 10.1.0.10");
    assert_true(ST.invalid_name > 0);
    tm_free(&t);
    tm_free(&u);
    tm_free(&v);
    tm_free(&w);
}

/* ---- order, indexes, sink ---------------------------------------------- */

static void test_generation_order(void **state)
{
    tm_t *t = tm_new("10.0.0.1", 5050);
    tm_agent(t, "x-S0", "10.1.0.10", 5051);
    tm_fw(t, "marathon", "", "10.2.0.5", 8080);
    tm_fw(t, "chronos", "", "10.2.0.6", 8081);
    /* Tasks of chronos first in the model: generated framework by
     * framework, in model order within each. */
    tm_task(t, "t1", "c1", 1, 0);
    tm_task(t, "t2", "m1", 0, 0);
    tm_task(t, "web.1", "c2", 1, 0);
    zone_gen_cfg_t c = cfg_default();
    model_ip_t ns = {0};
    ns.family = AF_INET;
    inet_pton(AF_INET, "10.0.0.53", ns.addr);
    c.ns_ips = &ns;
    c.n_ns_ips = 1;
    assert_int_equal(run(t, &c), 0);
    const char *head[] = {
        "marathon.mesos. A 10.2.0.5",
        "_framework._tcp.marathon.mesos. SRV 0 1 8080 marathon.mesos.",
        "chronos.mesos. A 10.2.0.6",
        "_framework._tcp.chronos.mesos. SRV 0 1 8081 chronos.mesos.",
        "slave.mesos. A 10.1.0.10",
        "_slave._tcp.mesos. SRV 0 1 5051 slave.mesos.",
        "ns1.mesos. A 10.0.0.53",
        "leader.mesos. A 10.0.0.1",
    };
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        assert_string_equal(C.line[i], head[i]);
    /* Task records: task 1 (marathon), then 0 and 2 (chronos). */
    int order[3], n = 0;
    for (size_t i = 0; i < C.n; i++) {
        if (C.task[i] < 0)
            continue;
        assert_int_equal(C.fw[i], (int)t->tk[C.task[i]].framework);
        if (n == 0 || order[n - 1] != C.task[i])
            order[n++] = C.task[i];
        assert_true(n <= 3);
    }
    assert_int_equal(n, 3);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 0);
    assert_int_equal(order[2], 2);
    tm_free(&t);
}

static void test_sink_stops(void **state)
{
    tm_t *t = base();
    tm_task(t, "web.1", "web", 0, 0);
    zone_gen_cfg_t c = cfg_default();
    memset(&C, 0, sizeof C);
    C.stop_at = 3;
    zone_gen_stats_t st;
    assert_int_equal(zone_gen_run(&t->m, &c, NULL, NULL, coll_sink, &C, &st), 7);
    assert_int_equal(C.n, 2);
    assert_int_equal(st.records, 2);
    /* A bad domain is refused. */
    c.domain = "";
    assert_int_equal(zone_gen_run(&t->m, &c, NULL, NULL, coll_sink, &C, NULL), -EINVAL);
    c.domain = "a..b";
    assert_int_equal(zone_gen_run(&t->m, &c, NULL, NULL, coll_sink, &C, NULL), -EINVAL);
    tm_free(&t);
}

/* ---- property: every name valid, every SRV target resolvable or counted -- */

static unsigned rnd(unsigned *s, unsigned n)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffffff) % n;
}

static char *rnd_text(tm_t *t, unsigned *s, size_t maxlen)
{
    static const char *pool[] = {"a", "b", "Z",        "0",   "7",     "-",   ".", "_",
                                 " ", "$", "\xc3\xa9", "web", "Store", "x-y", ".."};
    char buf[512];
    size_t len = 0, want = rnd(s, (unsigned)maxlen + 1);
    while (len < want) {
        const char *p = pool[rnd(s, sizeof pool / sizeof pool[0])];
        size_t l = strlen(p);
        if (len + l >= sizeof buf)
            break;
        memcpy(buf + len, p, l);
        len += l;
    }
    buf[len] = '\0';
    return arena_strdup(t->a, buf);
}

static bool agent_resolves(const model_agent_t *a)
{
    const model_ip_t *ips;
    uint8_t tmp[16];
    if (!a->pid_host || !*a->pid_host)
        return false;
    if (inet_pton(AF_INET, a->pid_host, tmp) == 1 || inet_pton(AF_INET6, a->pid_host, tmp) == 1)
        return true;
    return table_lookup(NULL, a->pid_host, &ips) > 0;
}

static bool task_has_ip(const zone_gen_cfg_t *c, const model_t *m, const model_task_t *k)
{
    for (size_t i = 0; i < c->n_ip_sources; i++) {
        if (c->ip_sources[i] == IPSRC_HOST ? agent_resolves(&m->agents[k->agent])
                                           : k->n_ips[c->ip_sources[i]] > 0)
            return true;
    }
    return false;
}

static tm_t *rnd_model(unsigned *s)
{
    static const char *hosts[] = {"10.1.0.1",       "10.1.0.2",       "fd00::1:3",
                                  "agent1.example", "agent6.example", "zz.example"};
    tm_t *t = tm_new(rnd(s, 4) ? "10.0.0.1" : "m1.example", 5050);
    size_t na = 1 + rnd(s, 10);
    for (size_t i = 0; i < na; i++) {
        char id[128] = "20160107-001256-134875658-5050-27524-S";
        size_t l = strlen(id), tail = rnd(s, 8) ? 1 + rnd(s, 3) : 50 + rnd(s, 12);
        for (size_t k = 0; k < tail; k++)
            id[l + k] = (char)('0' + rnd(s, 10));
        id[l + tail] = '\0';
        tm_agent(t, id, hosts[rnd(s, 6)], (uint16_t)(5051 + rnd(s, 2)));
    }
    size_t nf = 1 + rnd(s, 5);
    for (size_t i = 0; i < nf; i++)
        tm_fw(t, rnd_text(t, s, rnd(s, 6) ? 20 : 300), "sched.example",
              rnd(s, 2) ? "10.2.0.5" : NULL, 8080);
    size_t nt = rnd(s, 60);
    for (size_t i = 0; i < nt; i++) {
        char id[32];
        snprintf(id, sizeof id, "task.%zu.%u", i, rnd(s, 1000));
        model_task_t *k =
            tm_task(t, id, rnd_text(t, s, rnd(s, 5) ? 20 : 120), (int)rnd(s, nf), (int)rnd(s, na));
        for (int src = 0; src < IPSRC_HOST; src++)
            for (unsigned n = rnd(s, 3); n > 0 && rnd(s, 2); n--)
                tm_ip(t, k, src, rnd(s, 2) ? "10.9.0.1" : "fd00::9:1");
        for (unsigned n = rnd(s, 3); n > 0; n--) {
            uint16_t b = (uint16_t)(31000 + rnd(s, 50));
            tm_ports(t, k, b, (uint16_t)(b + rnd(s, 3)));
        }
        if (rnd(s, 2)) {
            tm_disc(t, k, rnd_text(t, s, rnd(s, 5) ? 20 : 150));
            static const char *protos[] = {"", "tcp", "udp", "TCP", "sctp", "t c p"};
            for (unsigned n = rnd(s, 3); n > 0; n--)
                tm_dport(t, k, (uint16_t)(80 + rnd(s, 5)), protos[rnd(s, 6)],
                         rnd_text(t, s, rnd(s, 4) ? 10 : 80));
        }
    }
    return t;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_property_valid_names(void **state)
{
    static const enum model_ipsrc all[] = {IPSRC_DOCKER, IPSRC_MESOS, IPSRC_NETINFO, IPSRC_HOST};
    static char *owners[MAXREC];
    for (unsigned seed = 1; seed <= 60; seed++) {
        unsigned s = seed;
        tm_t *t = rnd_model(&s);
        zone_gen_cfg_t c = cfg_default();
        c.rfc952 = rnd(&s, 2);
        c.legacy_raw_names = rnd(&s, 2);
        size_t first = rnd(&s, 4);
        c.ip_sources = all + first;
        c.n_ip_sources = 1 + rnd(&s, (unsigned)(4 - first));
        const char *ms[] = {"10.0.0.1:5050", "m2.example:5050"};
        c.masters = ms;
        c.n_masters = 2;
        /* coll_sink asserts each owner and target is a valid wire name. */
        assert_int_equal(run(t, &c), 0);
        assert_int_equal(ST.records, C.n);
        size_t no = 0;
        for (size_t i = 0; i < C.n; i++) {
            if (!strstr(C.line[i], " A ") && !strstr(C.line[i], " AAAA "))
                continue;
            owners[no] = C.line[i];
            *strchr(owners[no], ' ') = '\0'; /* cut after the owner */
            no++;
        }
        qsort(owners, no, sizeof owners[0], cmp_str);
        for (size_t i = 0; i < C.n; i++) {
            if (!strchr(C.line[i], ' ') || !strstr(C.line[i], " SRV "))
                continue;
            char *target = strrchr(C.line[i], ' ') + 1;
            if (bsearch(&target, owners, no, sizeof owners[0], cmp_str))
                continue;
            /* A dangling target: a task without an address (counted) or
             * on an agent that did not resolve (counted). */
            assert_true(C.task[i] >= 0);
            const model_task_t *k = &t->tk[C.task[i]];
            size_t tl = strlen(target);
            if (tl > 13 && strcmp(target + tl - 13, ".slave.mesos.") == 0) {
                assert_false(agent_resolves(&t->ag[k->agent]));
                assert_true(ST.unresolved > 0);
            } else {
                assert_false(task_has_ip(&c, &t->m, k));
                assert_true(ST.tasks_no_ip > 0);
            }
        }
        tm_free(&t);
    }
}

/* ---- enumerate ------------------------------------------------------------ */

static void test_enumerate(void **state)
{
    tm_t *t = tm_new("10.0.0.1", 5050);
    tm_agent(t, "x-S0", "10.1.0.10", 5051);
    tm_agent(t, "x-S1", "lost.example", 5051);
    tm_fw(t, "marathon", "", "10.2.0.5", 8080);
    tm_fw(t, "idle <&>", "", NULL, 0);
    model_task_t *k = tm_task(t, "web.1", "web", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.1");
    tm_ip(t, k, IPSRC_NETINFO, "fd00:0:0:0:0:0:9:1");
    tm_ports(t, k, 31000, 31000);
    /* Same name and address as web.1: its shared records are not listed
     * again (Mesos-DNS lists a record only when it is new to the zone). */
    k = tm_task(t, "web.2", "web", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.1");
    /* No address and an unresolved agent: no records at all → null. */
    tm_task(t, "nosrc.1", "ghost", 0, 1);
    zone_gen_cfg_t c = cfg_default();
    buf_t b = BUF_INIT;
    assert_int_equal(enumerate_json(&t->m, &c, NULL, &b), 0);
    const char *S = "web-e844k-s0.marathon.slave.mesos.:31000";
    char want[8192];
    snprintf(want, sizeof want,
             "{\n"
             " \"frameworks\": [\n"
             "  {\n"
             "   \"tasks\": [\n"
             "    {\n"
             "     \"name\": \"web\",\n"
             "     \"id\": \"web.1\",\n"
             "     \"records\": [\n"
             "      {\n"
             "       \"name\": \"web.marathon.mesos.\",\n"
             "       \"host\": \"10.9.0.1\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-e844k-s0.marathon.mesos.\",\n"
             "       \"host\": \"10.9.0.1\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web.marathon.mesos.\",\n"
             "       \"host\": \"fd00::9:1\",\n"
             "       \"rtype\": \"AAAA\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-e844k-s0.marathon.mesos.\",\n"
             "       \"host\": \"fd00::9:1\",\n"
             "       \"rtype\": \"AAAA\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web.marathon.slave.mesos.\",\n"
             "       \"host\": \"10.1.0.10\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-e844k-s0.marathon.slave.mesos.\",\n"
             "       \"host\": \"10.1.0.10\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._tcp.marathon.slave.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._udp.marathon.slave.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._tcp.marathon.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._udp.marathon.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      }\n"
             "     ]\n"
             "    },\n"
             "    {\n"
             "     \"name\": \"web\",\n"
             "     \"id\": \"web.2\",\n"
             "     \"records\": [\n"
             "      {\n"
             "       \"name\": \"web-izm16-s0.marathon.mesos.\",\n"
             "       \"host\": \"10.9.0.1\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-izm16-s0.marathon.slave.mesos.\",\n"
             "       \"host\": \"10.1.0.10\",\n"
             "       \"rtype\": \"A\"\n"
             "      }\n"
             "     ]\n"
             "    },\n"
             "    {\n"
             "     \"name\": \"ghost\",\n"
             "     \"id\": \"nosrc.1\",\n"
             "     \"records\": null\n"
             "    }\n"
             "   ],\n"
             "   \"name\": \"marathon\"\n"
             "  },\n"
             "  {\n"
             "   \"tasks\": [],\n"
             "   \"name\": \"idle \\u003c\\u0026\\u003e\"\n"
             "  }\n"
             " ]\n"
             "}",
             S, S, S, S);
    assert_string_equal(b.data, want);
    buf_release(&b);

    /* No frameworks: a nil slice. */
    tm_t *e = tm_new("10.0.0.1", 5050);
    assert_int_equal(enumerate_json(&e->m, &c, NULL, &b), 0);
    assert_string_equal(b.data, "{\n \"frameworks\": null\n}");
    buf_release(&b);
    tm_free(&t);
    tm_free(&e);
}

/* ---- hostcache ------------------------------------------------------------ */

/* Real getaddrinfo on names /etc/hosts answers ("localhost", "vm") and on a
 * name glibc rejects before sending anything (a 64-octet label). */
static void test_hostcache(void **state)
{
    char bad[100];
    memset(bad, 'x', 64);
    strcpy(bad + 64, ".invalid");
    tm_t *t = tm_new("10.0.0.1", 5050);
    tm_agent(t, "x-S0", "localhost", 5051);
    tm_agent(t, "x-S1", "10.1.0.1", 5051); /* literal: never looked up */
    tm_agent(t, "x-S2", "localhost", 5051);
    tm_fw(t, "marathon", "vm", NULL, 0);
    tm_fw(t, "broken", "", bad, 1);
    const char *extra[] = {"localhost:5050", "[::1]:5050", "vm"};

    hostcache_t *hc = hostcache_new(3600, 3600);
    assert_non_null(hc);
    hostmap_t *map = hostcache_resolve(hc, &t->m, extra, 3);
    assert_non_null(map);
    assert_int_equal(hostcache_queries(hc), 3); /* localhost, vm, bad */
    const model_ip_t *ips = NULL;
    size_t n = hostmap_lookup(map, "localhost", &ips);
    assert_true(n >= 1 && n <= 2);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= ips[i].family == AF_INET && memcmp(ips[i].addr, "\x7f\0\0\x01", 4) == 0;
    assert_true(found);
    assert_true(hostmap_lookup(map, "vm", &ips) >= 1);
    assert_int_equal(hostmap_lookup(map, bad, &ips), 0);
    assert_int_equal(hostmap_lookup(map, "10.1.0.1", &ips), 0);
    assert_int_equal(hostmap_lookup(map, "other", &ips), 0);
    assert_int_equal(hostmap_lookup(NULL, "localhost", &ips), 0);

    /* The generator resolves through the map: agent and framework records. */
    zone_gen_cfg_t c = cfg_default();
    memset(&C, 0, sizeof C);
    assert_int_equal(zone_gen_run(&t->m, &c, hostmap_lookup, map, coll_sink, &C, &ST), 0);
    HAS("slave.mesos. A 127.0.0.1");
    HAS("marathon.mesos. A 127.0.0.1");
    assert_int_equal(ST.unresolved, 1);
    assert_string_equal(ST.example, bad);

    /* Fresh entries, positive and negative, are not asked again. */
    hostmap_t *map2 = hostcache_resolve(hc, &t->m, extra, 3);
    assert_non_null(map2);
    assert_int_equal(hostcache_queries(hc), 3);
    assert_true(hostmap_lookup(map2, "localhost", &ips) >= 1);
    /* The old map stays valid on its own. */
    assert_true(hostmap_lookup(map, "vm", &ips) >= 1);
    hostmap_free(&map);
    hostmap_free(&map2);
    assert_null(map);
    hostmap_free(&map);
    hostcache_free(&hc);
    assert_null(hc);
    hostcache_free(&hc);

    /* TTL 0: every resolve asks again; the cache forgets names that are no
     * longer mentioned. */
    hc = hostcache_new(0, 0);
    map = hostcache_resolve(hc, &t->m, NULL, 0);
    assert_int_equal(hostcache_queries(hc), 3);
    hostmap_free(&map);
    map = hostcache_resolve(hc, &t->m, NULL, 0);
    assert_int_equal(hostcache_queries(hc), 6);
    hostmap_free(&map);
    /* Budget 0: nothing is looked up; expired answers serve once more,
     * names never resolved stay unresolved. */
    hostcache_set_budget(hc, 0);
    map = hostcache_resolve(hc, &t->m, NULL, 0);
    assert_int_equal(hostcache_queries(hc), 6);
    assert_true(hostmap_lookup(map, "localhost", &ips) >= 1);
    assert_int_equal(hostmap_lookup(map, bad, &ips), 0);
    hostmap_free(&map);
    hostcache_free(&hc);
    hc = hostcache_new(60, 60);
    hostcache_set_budget(hc, 0);
    map = hostcache_resolve(hc, &t->m, NULL, 0);
    assert_int_equal(hostcache_queries(hc), 0);
    assert_int_equal(hostmap_lookup(map, "localhost", &ips), 0);
    hostmap_free(&map);
    /* The next round with time to spare resolves them. */
    hostcache_set_budget(hc, 10000);
    map = hostcache_resolve(hc, &t->m, NULL, 0);
    assert_int_equal(hostcache_queries(hc), 3);
    assert_true(hostmap_lookup(map, "localhost", &ips) >= 1);
    hostmap_free(&map);
    hostcache_free(&hc);
    tm_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masters_leader_in_list),
        cmocka_unit_test(test_masters_duplicates),
        cmocka_unit_test(test_masters_leader_missing),
        cmocka_unit_test(test_masters_ipv6),
        cmocka_unit_test(test_masters_hostnames),
        cmocka_unit_test(test_frameworks),
        cmocka_unit_test(test_agents_and_ns),
        cmocka_unit_test(test_task_without_discovery),
        cmocka_unit_test(test_ip_sources),
        cmocka_unit_test(test_discovery_srvs),
        cmocka_unit_test(test_legacy_twin),
        cmocka_unit_test(test_no_ports),
        cmocka_unit_test(test_rfc952),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_generation_order),
        cmocka_unit_test(test_sink_stops),
        cmocka_unit_test(test_property_valid_names),
        cmocka_unit_test(test_enumerate),
        cmocka_unit_test(test_hostcache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
