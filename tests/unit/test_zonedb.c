/* Unit tests of zone/zonedb: first publish, unchanged content, serials that
 * grow even when the clock stands still or steps back, model references,
 * and reader threads that see whole, consistent versions during many swaps
 * (the ASan build catches use-after-free and leaks). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <urcu/urcu-memb.h>

#include <cmocka.h>

#include "common/arena.h"
#include "common/dname.h"
#include "zone/builder.h"
#include "zone/zonedb.h"

/* model_ref/model_free (discovery/model.c) and hostmap_free
 * (zone/hostcache.c) belong to other modules. These weak stand-ins follow
 * their contracts (a model lives in its arena, refs counts holders) and are
 * overridden by the real ones once those are in the library. */
__attribute__((weak)) model_t *model_ref(model_t *m)
{
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_ACQ_REL);
    return m;
}

__attribute__((weak)) void model_free(model_t **pm)
{
    if (!pm || !*pm)
        return;
    model_t *m = *pm;
    *pm = NULL;
    if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        arena_t *a = m->arena;
        arena_free(&a);
    }
}

__attribute__((weak)) void hostmap_free(hostmap_t **h)
{
    if (h)
        *h = NULL; /* tests never make one */
}

static model_t *new_model(void)
{
    arena_t *a = arena_new(0);
    assert_non_null(a);
    model_t *m = arena_calloc(a, sizeof *m);
    assert_non_null(m);
    m->arena = a;
    m->refs = 1;
    return m;
}

static const zone_soa_params_t SOA = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 60, 60};

/* A zone whose content says which build `k` it is: gen.mesos. A = k, and
 * the name k<k>.mesos. exists. */
static zone_snap_t *zone_k(uint32_t k)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    assert_non_null(b);
    uint8_t o[DNAME_MAXLEN], rd[4];
    char text[64];
    uint32_t be = htonl(k);
    memcpy(rd, &be, 4);
    assert_true(dname_from_text("gen.mesos.", o) > 0);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_A, rd, 4), 0);
    snprintf(text, sizeof text, "k%u.mesos.", k);
    assert_true(dname_from_text(text, o) > 0);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_A, rd, 4), 0);
    for (int i = 0; i < 20; i++) { /* some bulk to read */
        snprintf(text, sizeof text, "t%d.app.marathon.mesos.", i);
        assert_true(dname_from_text(text, o) > 0);
        assert_int_equal(zone_builder_add(b, o, RRTYPE_A, rd, 4), 0);
    }
    zone_snap_t *s = NULL;
    assert_int_equal(zone_builder_finish(&b, &s), 0);
    return s;
}

struct clock {
    int64_t ms;
};

static int64_t fake_now(void *ctx)
{
    return ((struct clock *)ctx)->ms;
}

static int setup(void **state)
{
    urcu_memb_register_thread(); /* the publisher: call_rcu needs it */
    return 0;
}

static int teardown(void **state)
{
    urcu_memb_unregister_thread();
    return 0;
}

static void test_publish_unchanged_and_serials(void **state)
{
    zonedb_t *db = zonedb_new();
    assert_non_null(db);
    struct clock clk = {1700000000123};
    zonedb_set_clock(db, fake_now, &clk);
    assert_null(zonedb_current(db));
    assert_int_equal(zonedb_serial(db), 0);

    bool changed = true;
    zone_snap_t *s = zone_k(1);
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    assert_null(s);
    assert_true(changed);
    assert_int_equal(zonedb_serial(db), 1700000000u); /* seconds of the clock */
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(db);
    assert_non_null(v);
    assert_int_equal(v->serial, 1700000000u);
    assert_int_equal(zone_snap_serial(v->snap), 1700000000u);
    assert_int_equal(v->published_ms, 1700000000123);
    urcu_memb_read_unlock();

    /* Same content: not published, serial unchanged, input consumed. */
    s = zone_k(1);
    hostmap_t *hosts = NULL;
    assert_int_equal(zonedb_publish(db, &s, NULL, &hosts, &changed), 0);
    assert_false(changed);
    assert_null(s);
    assert_int_equal(zonedb_serial(db), 1700000000u);

    /* The clock stands still: every change still gets a larger serial. */
    for (uint32_t k = 2; k < 6; k++) {
        s = zone_k(k);
        assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
        assert_true(changed);
        assert_int_equal(zonedb_serial(db), 1700000000u + k - 1);
    }
    /* The clock steps back an hour: still live + 1. */
    clk.ms -= 3600 * 1000;
    s = zone_k(6);
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    assert_int_equal(zonedb_serial(db), 1700000005u);
    /* The clock moves well ahead: serial = now. */
    clk.ms = 1800000000000;
    s = zone_k(7);
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    assert_int_equal(zonedb_serial(db), 1800000000u);
    urcu_memb_read_lock();
    v = zonedb_current(db);
    assert_int_equal(zone_snap_serial(v->snap), 1800000000u);
    /* the SOA rdata carries it too */
    const zone_rrset_t *soa = zone_node_rrset(zone_snap_apex_node(v->snap), RRTYPE_SOA);
    const uint8_t *p = soa->rdata + soa->rdata_len - 20;
    assert_int_equal((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3], 1800000000u);
    urcu_memb_read_unlock();

    zonedb_free(&db);
    assert_null(db);
    zonedb_free(&db);
    zonedb_free(NULL);
}

static void test_real_clock_serial(void **state)
{
    zonedb_t *db = zonedb_new();
    time_t before = time(NULL);
    zone_snap_t *s = zone_k(1);
    bool changed;
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    uint32_t first = zonedb_serial(db);
    assert_true(first >= (uint32_t)before && first <= (uint32_t)time(NULL));
    /* Many changes within (about) one second: strictly increasing. */
    for (uint32_t k = 2; k < 50; k++) {
        uint32_t prev = zonedb_serial(db);
        s = zone_k(k);
        assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
        assert_true(zonedb_serial(db) > prev);
    }
    zonedb_free(&db);
}

static void test_bad_args_and_model_refs(void **state)
{
    zonedb_t *db = zonedb_new();
    bool changed = true;
    zone_snap_t *none = NULL;
    assert_int_equal(zonedb_publish(db, &none, NULL, NULL, &changed), -EINVAL);
    assert_false(changed);
    assert_int_equal(zonedb_publish(db, NULL, NULL, NULL, NULL), -EINVAL);

    model_t *m1 = new_model();
    zone_snap_t *s = zone_k(1);
    assert_int_equal(zonedb_publish(db, &s, m1, NULL, &changed), 0);
    assert_int_equal(m1->refs, 2); /* the version took its own */
    urcu_memb_read_lock();
    assert_ptr_equal(zonedb_current(db)->model, m1);
    urcu_memb_read_unlock();
    /* Unchanged content: no reference taken. */
    model_t *m2 = new_model();
    s = zone_k(1);
    assert_int_equal(zonedb_publish(db, &s, m2, NULL, &changed), 0);
    assert_false(changed);
    assert_int_equal(m2->refs, 1);
    model_free(&m2);
    model_free(&m1); /* the version still holds it */
    /* Replacing the version drops its model after the grace period, and
     * zonedb_free drops the last one: ASan reports any leak. */
    model_t *m3 = new_model();
    s = zone_k(2);
    assert_int_equal(zonedb_publish(db, &s, m3, NULL, &changed), 0);
    assert_true(changed);
    model_free(&m3);
    zonedb_free(&db);
}

/* ---- readers during swaps ---------------------------------------------- */

struct shared {
    zonedb_t *db;
    atomic_bool stop;
    atomic_ulong reads;
    atomic_int failures;
};

static void *reader(void *arg)
{
    struct shared *sh = arg;
    urcu_memb_register_thread();
    uint32_t last_serial = 0, last_k = 0;
    uint8_t gen[DNAME_MAXLEN];
    int gl = dname_from_text("gen.mesos.", gen);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!atomic_load(&sh->stop)) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 20) /* bound, whatever the publisher does */
            break;
        urcu_memb_read_lock();
        const zone_version_t *v = zonedb_current(sh->db);
        if (v) {
            bool ok = v->serial == zone_snap_serial(v->snap) && v->serial >= last_serial;
            const zone_rrset_t *a =
                zone_node_rrset(zone_snap_find(v->snap, gen, (size_t)gl), RRTYPE_A);
            uint32_t k = 0;
            if (a && a->count == 1)
                k = (uint32_t)a->rdata[2] << 24 | a->rdata[3] << 16 | a->rdata[4] << 8 |
                    a->rdata[5];
            char text[64];
            uint8_t kn[DNAME_MAXLEN];
            snprintf(text, sizeof text, "k%u.mesos.", k);
            int kl = dname_from_text(text, kn);
            ok = ok && k >= last_k && zone_snap_find(v->snap, kn, (size_t)kl) != NULL;
            /* touch every node of this version */
            for (size_t i = 0; i < zone_snap_node_count(v->snap); i++)
                ok = ok && zone_snap_node(v->snap, i)->name_len > 0;
            last_serial = v->serial;
            last_k = k;
            if (!ok)
                atomic_fetch_add(&sh->failures, 1);
            atomic_fetch_add(&sh->reads, 1);
        }
        urcu_memb_read_unlock();
    }
    urcu_memb_unregister_thread();
    return NULL;
}

static void test_readers_during_swaps(void **state)
{
    struct shared sh = {.db = zonedb_new()};
    struct clock clk = {1000000};
    zonedb_set_clock(sh.db, fake_now, &clk); /* frozen: serial = live + 1 */
    enum { READERS = 3, SWAPS = 400 };
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &sh), 0);
    for (uint32_t k = 1; k <= SWAPS; k++) {
        zone_snap_t *s = zone_k(k);
        model_t *m = new_model();
        bool changed;
        assert_int_equal(zonedb_publish(sh.db, &s, m, NULL, &changed), 0);
        assert_true(changed);
        model_free(&m);
        assert_int_equal(zonedb_serial(sh.db), 1000u + k - 1);
    }
    atomic_store(&sh.stop, true);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&sh.failures), 0);
    assert_true(atomic_load(&sh.reads) > 0);
    zonedb_free(&sh.db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_unchanged_and_serials),
        cmocka_unit_test(test_real_clock_serial),
        cmocka_unit_test(test_bad_args_and_model_refs),
        cmocka_unit_test(test_readers_during_swaps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
