/* Unit tests of zone/gen on models built by hand: the records of tasks
 * (compat spec §4.5) - without discovery info, IP sources, discovery SRVs,
 * the legacy twin names, no ports, RFC 952 names - and long names (§7:
 * labels cut to 63, names over 255 dropped and counted).
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

/* ---- §4.5 tasks ---------------------------------------------------------- */

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_without_discovery),
        cmocka_unit_test(test_ip_sources),
        cmocka_unit_test(test_discovery_srvs),
        cmocka_unit_test(test_legacy_twin),
        cmocka_unit_test(test_no_ports),
        cmocka_unit_test(test_rfc952),
        cmocka_unit_test(test_long_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
