/* Unit tests of zone/updater: the builder thread publishes a model's zone,
 * republishes only on a content change (serial grows, unchanged content
 * keeps it), lets the newest of several waiting models win, rebuilds when
 * the DC/OS label changes, calls on_publish once per new serial, and keeps
 * serving the last zone when nothing new arrives. Input: the demo cluster
 * (packaging/demo/state.json) through the real state parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "common/dname.h"
#include "discovery/state_parse.h"
#include "zone/updater.h"

static const char *const MASTERS[] = {"127.0.0.1:5050"};
static const enum model_ipsrc SOURCES[] = {IPSRC_NETINFO, IPSRC_MESOS, IPSRC_HOST};
static zone_gen_cfg_t gen = {
    .domain = "mesos",
    .legacy_raw_names = true,
    .ip_sources = SOURCES,
    .n_ip_sources = 3,
    .srv_weight = 1,
    .soa_mname = "ns1.mesos.",
    .masters = MASTERS,
    .n_masters = 1,
};

struct pubs {
    int calls;
    uint32_t last;
};

static void on_publish(void *ctx, uint32_t serial)
{
    struct pubs *p = ctx;
    __atomic_add_fetch(&p->calls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->last, serial, __ATOMIC_SEQ_CST);
}

static model_t *demo(void)
{
    char path[512], err[256];
    const char *src = getenv("MDNS_SRC");
    snprintf(path, sizeof path, "%s/packaging/demo/state.json", src ? src : ".");
    model_t *m = NULL;
    assert_int_equal(state_parse_file(path, &m, err, sizeof err), 0);
    return m;
}

/* The demo cluster with its first "web" task renamed "newest". */
static model_t *demo_renamed(void)
{
    char path[512], err[256];
    const char *src = getenv("MDNS_SRC");
    snprintf(path, sizeof path, "%s/packaging/demo/state.json", src ? src : ".");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *at = strstr(text, "\"name\": \"web\"");
    assert_non_null(at);
    /* same length, so the rest of the document stays in place */
    memcpy(at, "\"name\": \"new\"", strlen("\"name\": \"new\""));
    state_parser_t *sp = state_parser_new();
    assert_non_null(sp);
    assert_int_equal(state_parser_feed(sp, text, n), 0);
    model_t *m = NULL;
    assert_int_equal(state_parser_finish(&sp, &m, err, sizeof err), 0);
    return m;
}

/* Does `name` exist in the live zone? */
static bool has(zonedb_t *db, const char *name)
{
    uint8_t w[DNAME_MAXLEN];
    int n = dname_from_text(name, w);
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(db);
    bool ok = v && zone_snap_find(v->snap, w, (size_t)n) != NULL;
    urcu_memb_read_unlock();
    return ok;
}

static void test_publish_unchanged_and_label(void **state)
{
    zonedb_t *db = zonedb_new();
    struct pubs pubs = {0};
    zone_updater_params_t p = {.db = db,
                               .gen = &gen,
                               .soa = {"ns1.mesos.", "root.ns1.mesos.", 60, 600, 86400, 60, 60},
                               .on_publish = on_publish,
                               .publish_ctx = &pubs};
    zone_updater_t *u = zone_updater_start(&p);
    assert_non_null(u);
    assert_true(zone_updater_wait_idle(u, 5000));
    assert_false(has(db, "web.marathon.mesos."));

    model_t *m = demo();
    zone_updater_submit(u, &m);
    assert_null(m);
    assert_true(zone_updater_wait_idle(u, 10000));
    assert_true(has(db, "web.marathon.mesos."));
    zone_updater_stats_t st;
    zone_updater_stats(u, &st);
    assert_int_equal(st.publishes, 1);
    assert_int_equal(pubs.calls, 1);
    assert_int_equal(pubs.last, st.serial);
    assert_true(st.records > 50);
    uint32_t first = st.serial;

    /* The same content again: built, not published, serial kept. */
    m = demo();
    zone_updater_submit(u, &m);
    assert_true(zone_updater_wait_idle(u, 10000));
    zone_updater_stats(u, &st);
    assert_int_equal(st.builds, 2);
    assert_int_equal(st.publishes, 1);
    assert_int_equal(st.serial, first);
    assert_int_equal(pubs.calls, 1);

    /* A DC/OS label is a content change: rebuilt from the last model. */
    zone_updater_set_dcos_label(u, "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho");
    assert_true(zone_updater_wait_idle(u, 10000));
    zone_updater_stats(u, &st);
    assert_int_equal(st.publishes, 2);
    assert_true(st.serial > first);
    assert_int_equal(pubs.calls, 2);
    urcu_memb_read_lock();
    size_t slen = 0;
    assert_non_null(zone_snap_dcos_suffix(zonedb_current(db)->snap, &slen));
    urcu_memb_read_unlock();

    zone_updater_stop(&u);
    assert_null(u);
    assert_true(has(db, "web.marathon.mesos.")); /* the zone outlives the updater */
    zonedb_free(&db);
}

/* A burst of models: each replaces the one still waiting (the sanitizer
 * build's leak check proves the replaced ones are freed), equal content is
 * published at most once per distinct content, and the newest wins. */
static void test_burst_publishes_once_and_frees_the_rest(void **state)
{
    zonedb_t *db = zonedb_new();
    zone_updater_params_t p = {
        .db = db, .gen = &gen, .soa = {"ns1.mesos.", "root.ns1.mesos.", 60, 600, 86400, 60, 60}};
    zone_updater_t *u = zone_updater_start(&p);
    model_t *ms[50];
    for (int i = 0; i < 50; i++) /* parsed first: the submissions come in a burst */
        ms[i] = i < 49 ? demo() : demo_renamed();
    for (int i = 0; i < 50; i++)
        zone_updater_submit(u, &ms[i]);
    assert_true(zone_updater_wait_idle(u, 20000));
    zone_updater_stats_t st;
    zone_updater_stats(u, &st);
    /* The last model submitted is the one live at the end, and the models
     * that waited were replaced, not each built. */
    assert_true(has(db, "new.marathon.mesos."));
    assert_true(st.builds < 50);
    assert_true(st.publishes >= 1 && st.publishes <= 2);
    assert_true(has(db, "web.marathon.mesos.")); /* the other web tasks */
    zone_updater_stop(&u);
    zonedb_free(&db);
}

int main(void)
{
    urcu_memb_register_thread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_unchanged_and_label),
        cmocka_unit_test(test_burst_publishes_once_and_frees_the_rest),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    urcu_memb_unregister_thread();
    return rc;
}
