/* Unit tests of dnsd/xfr: zone transfers streamed from a held version.
 * AXFR = SOA, every other record once, SOA, split over messages that each
 * parse strictly (wiretext); IXFR from an older serial = the same full
 * zone; IXFR from the current or a newer serial (RFC 1982) = the SOA alone;
 * the held version outlives a new publish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "common/dname.h"
#include "dnsd/wire.h"
#include "dnsd/wiretext.h"
#include "dnsd/xfr.h"
#include "zone/builder.h"
#include "zone/snapshot.h"
#include "zone/zonedb.h"

#define NAMES 300 /* enough records to need several 512-byte messages */

static const zone_soa_params_t SOA = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 60, 60};

static zone_snap_t *make_zone(int extra)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    assert_non_null(b);
    uint8_t o[DNAME_MAXLEN], rd[4] = {10, 0, 0, 1}, srv[6 + DNAME_MAXLEN];
    char text[64];
    for (int i = 0; i < NAMES + extra; i++) {
        snprintf(text, sizeof text, "t%d.app.marathon.mesos.", i);
        assert_true(dname_from_text(text, o) > 0);
        rd[3] = (uint8_t)i;
        assert_int_equal(zone_builder_add(b, o, RRTYPE_A, rd, 4), 0);
    }
    /* an SRV whose target is in the zone */
    assert_true(dname_from_text("_app._tcp.marathon.mesos.", o) > 0);
    memcpy(srv, "\0\0\0\1\x7a\x69", 6);
    int tl = dname_from_text("t1.app.marathon.mesos.", srv + 6);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, srv, (uint16_t)(6 + tl)), 0);
    zone_snap_t *s = NULL;
    assert_int_equal(zone_builder_finish(&b, &s), 0);
    return s;
}

static zonedb_t *db_with(int extra)
{
    zonedb_t *db = zonedb_new();
    zone_snap_t *s = make_zone(extra);
    bool changed;
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    assert_true(changed);
    return db;
}

/* An AXFR or IXFR query for `name`; IXFR carries an SOA with `serial`. */
static size_t query(uint8_t *q, const char *name, uint16_t type, uint32_t serial)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(q, hdr, 12);
    int nl = dname_from_text(name, q + 12);
    size_t p = 12 + (size_t)nl;
    wire_put16(q + p, type);
    wire_put16(q + p + 2, 1);
    p += 4;
    if (type == RRTYPE_IXFR) {
        q[9] = 1;                   /* NSCOUNT */
        q[p++] = 0xc0, q[p++] = 12; /* owner: the question */
        static const uint8_t soa_fixed[8] = {0, 6, 0, 1, 0, 0, 0, 60};
        memcpy(q + p, soa_fixed, 8);
        p += 8;
        wire_put16(q + p, 2 + 2 + 20);
        p += 2;
        q[p++] = 0xc0, q[p++] = 12; /* mname */
        q[p++] = 0xc0, q[p++] = 12; /* rname */
        wire_put32(q + p, serial);
        memset(q + p + 4, 0, 16);
        p += 20;
    }
    return p;
}

/* Run a whole transfer; returns the records seen and checks every message. */
static size_t transfer(zonedb_t *db, const uint8_t *q, size_t qlen, size_t cap, size_t *msgs,
                       char *all, size_t allcap)
{
    urcu_memb_read_lock();
    xfr_t *x = xfr_start(db, q, qlen);
    urcu_memb_read_unlock();
    assert_non_null(x);
    uint8_t buf[65535];
    static char text[1 << 20];
    size_t records = 0, len;
    *msgs = 0;
    all[0] = '\0';
    while ((len = xfr_next(x, buf, cap)) > 0) {
        assert_true(len <= cap);
        assert_int_equal(wire_get16(buf), 0x1234);
        assert_true(buf[2] & 0x84); /* QR, AA */
        int n = wiretext_render(buf, len, 0, text, sizeof text);
        if (n < 0)
            fail_msg("message %zu does not parse: %s", *msgs, text);
        assert_int_equal(wire_get16(buf + 4), *msgs == 0 ? 1 : 0); /* question once */
        records += wire_get16(buf + 6);
        const char *an = strstr(text, "ANSWER ");
        assert_non_null(an);
        an = strchr(an, '\n') + 1;
        const char *end = strstr(an, "AUTHORITY ");
        if (strlen(all) + (size_t)(end - an) < allcap)
            strncat(all, an, (size_t)(end - an));
        (*msgs)++;
        assert_true(*msgs < 10000);
    }
    assert_int_equal(xfr_next(x, buf, cap), 0); /* done stays done */
    xfr_free(&x);
    assert_null(x);
    return records;
}

static void test_axfr_whole_zone_in_many_messages(void **state)
{
    zonedb_t *db = db_with(0);
    uint8_t q[512];
    size_t qlen = query(q, "MESOS.", RRTYPE_AXFR, 0), msgs;
    static char all[1 << 20];
    size_t records = transfer(db, q, qlen, 512, &msgs, all, sizeof all);
    /* SOA + NS + NAMES A + 1 SRV + SOA again */
    assert_int_equal(records, 1 + 1 + NAMES + 1 + 1);
    assert_true(msgs > 10);
    const char *first = all, *last = strrchr(all, '\n');
    assert_memory_equal(first, "mesos. 60 IN SOA", 16);
    while (last > all && last[-1] != '\n')
        last--;
    assert_memory_equal(last, "mesos. 60 IN SOA", 16);
    assert_non_null(strstr(all, "t299.app.marathon.mesos. 60 IN A 10.0.0.43\n"));
    assert_non_null(strstr(all, "_app._tcp.marathon.mesos. 60 IN SRV 0 1 31337 "
                                "t1.app.marathon.mesos.\n"));
    /* The same transfer in 16 KiB messages: fewer messages, same records. */
    size_t msgs2;
    assert_int_equal(transfer(db, q, qlen, 65535, &msgs2, all, sizeof all), records);
    assert_true(msgs2 < msgs);
    zonedb_free(&db);
}

static void test_ixfr_serials(void **state)
{
    zonedb_t *db = db_with(0);
    uint32_t serial = zonedb_serial(db);
    uint8_t q[512];
    static char all[1 << 20];
    size_t msgs;
    /* current or newer (also across the RFC 1982 wrap): the SOA alone */
    uint32_t same[] = {serial, serial + 1, serial + 0x7fffffffu};
    for (size_t i = 0; i < 3; i++) {
        size_t qlen = query(q, "mesos.", RRTYPE_IXFR, same[i]);
        assert_int_equal(transfer(db, q, qlen, 512, &msgs, all, sizeof all), 1);
        assert_int_equal(msgs, 1);
    }
    /* older: the full zone in AXFR form */
    uint32_t older[] = {serial - 1, 1, serial + 0x80000001u};
    for (size_t i = 0; i < 3; i++) {
        size_t qlen = query(q, "mesos.", RRTYPE_IXFR, older[i]);
        assert_int_equal(transfer(db, q, qlen, 4096, &msgs, all, sizeof all), NAMES + 4);
    }
    /* an IXFR whose SOA cannot be read: the full zone, never a crash */
    size_t qlen = query(q, "mesos.", RRTYPE_IXFR, serial);
    assert_int_equal(transfer(db, q, qlen - 7, 4096, &msgs, all, sizeof all), NAMES + 4);
    zonedb_free(&db);
}

static void test_held_version_survives_a_new_publish(void **state)
{
    zonedb_t *db = db_with(0);
    uint8_t q[512], buf[65535];
    size_t qlen = query(q, "mesos.", RRTYPE_AXFR, 0);
    urcu_memb_read_lock();
    xfr_t *x = xfr_start(db, q, qlen);
    urcu_memb_read_unlock();
    assert_non_null(x);
    assert_true(xfr_next(x, buf, 512) > 0);
    /* a bigger zone is published and the old version's grace period passes */
    zone_snap_t *s = make_zone(50);
    bool changed;
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    urcu_memb_synchronize_rcu();
    urcu_memb_barrier();
    uint64_t records = 0, msgs;
    uint32_t ser;
    bool full;
    while (xfr_next(x, buf, 512) > 0) /* ASan: reading freed memory would trap */
        ;
    xfr_counts(x, &ser, &records, &msgs, &full);
    assert_int_equal(records, NAMES + 4); /* the old zone, whole and consistent */
    assert_true(full);
    xfr_free(&x);
    zonedb_free(&db);
}

/* An SOA of two ~250-octet names does not fit in a 512-byte message: the
 * transfer stops at once (no endless empty messages) and says so. */
static void test_record_too_big_aborts(void **state)
{
    (void)state;
    char mname[300] = "", rname[300] = "";
    for (int i = 0; i < 4; i++) {
        strcat(mname, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn.");
        strcat(rname, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr.");
    }
    strcat(mname, "mesos");
    strcat(rname, "mesos");
    zone_soa_params_t soa = SOA;
    soa.mname = mname;
    soa.rname = rname;
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    assert_non_null(b);
    zone_snap_t *s = NULL;
    assert_int_equal(zone_builder_finish(&b, &s), 0);
    zonedb_t *db = zonedb_new();
    bool changed;
    assert_int_equal(zonedb_publish(db, &s, NULL, NULL, &changed), 0);
    uint8_t q[512], buf[65535];
    size_t qlen = query(q, "mesos.", RRTYPE_AXFR, 0);
    for (int big = 0; big <= 1; big++) {
        urcu_memb_read_lock();
        xfr_t *x = xfr_start(db, q, qlen);
        urcu_memb_read_unlock();
        assert_non_null(x);
        size_t cap = big ? sizeof buf : 512, n = 0, len;
        while ((len = xfr_next(x, buf, cap)) > 0 && n < 10)
            n++;
        if (big) {                  /* room enough: the whole zone */
            assert_int_equal(n, 1); /* SOA ... SOA, one message */
            assert_false(xfr_aborted(x));
        } else {
            assert_int_equal(n, 0);
            assert_true(xfr_aborted(x));
            assert_int_equal(xfr_next(x, buf, cap), 0); /* stays over */
        }
        xfr_free(&x);
    }
    zonedb_free(&db);
}

int main(void)
{
    urcu_memb_register_thread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axfr_whole_zone_in_many_messages),
        cmocka_unit_test(test_ixfr_serials),
        cmocka_unit_test(test_held_version_survives_a_new_publish),
        cmocka_unit_test(test_record_too_big_aborts),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    urcu_memb_unregister_thread();
    return rc;
}
