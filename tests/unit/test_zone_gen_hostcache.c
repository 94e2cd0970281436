/* Unit tests of zone/hostcache: real getaddrinfo on names /etc/hosts
 * answers and on names glibc rejects, the cache's reuse and expiry, and the
 * host map zone/gen resolves master and agent names with. */
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
        cmocka_unit_test(test_hostcache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
