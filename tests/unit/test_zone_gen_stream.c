/* Unit tests of zone/gen on models built by hand: the record stream as a
 * whole - generation order and the framework/task indexes of each record, a
 * sink that stops the run - and a property test on random models: every
 * name valid, every SRV target resolvable or counted.
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

#include "zone_gen_fixture.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generation_order),
        cmocka_unit_test(test_sink_stops),
        cmocka_unit_test(test_property_valid_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
