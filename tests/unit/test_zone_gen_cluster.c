/* Unit tests of zone/gen on models built by hand: the records of the
 * cluster's own members - frameworks (compat spec §4.1), agents (§4.2), the
 * name server (§4.3) and the masters (§4.4: leader, duplicates, a missing
 * leader, IPv6, host names).
 *
 * Expected records are written from the spec's rules. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masters_leader_in_list), cmocka_unit_test(test_masters_duplicates),
        cmocka_unit_test(test_masters_leader_missing), cmocka_unit_test(test_masters_ipv6),
        cmocka_unit_test(test_masters_hostnames),      cmocka_unit_test(test_frameworks),
        cmocka_unit_test(test_agents_and_ns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
