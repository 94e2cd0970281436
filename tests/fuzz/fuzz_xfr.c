/* libFuzzer harness for dnsd/xfr: arbitrary bytes as a transfer request
 * (xfr_start parses the header, the question and an IXFR's SOA serial from
 * client bytes) against a fixed zone, driven to the end.
 *
 * Input: one control byte choosing the message size limit (512..65535),
 * then the query. Every message must parse back strictly (dnsd/wiretext),
 * fit the limit and carry the query's id; a transfer must end (bounded
 * message count) with the SOA alone or the whole zone. Any violation
 * aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "common/dname.h"
#include "dnsd/wire.h"
#include "dnsd/wiretext.h"
#include "dnsd/xfr.h"
#include "zone/builder.h"
#include "zone/zonedb.h"

static zonedb_t *db;
static size_t zone_records;
static uint8_t buf[65535];
static char text[1 << 20];

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_xfr: %s\n", what);
        abort();
    }
}

static void setup(void)
{
    urcu_memb_register_thread();
    zone_soa_params_t soa = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 30, 60};
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    uint8_t o[DNAME_MAXLEN], rd[4] = {10, 0, 0, 0};
    char name[64];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "t%d.web.marathon.mesos", i);
        check(dname_from_text(name, o) > 0, "owner");
        rd[3] = (uint8_t)i;
        check(zone_builder_add(b, o, RRTYPE_A, rd, 4) == 0, "add");
    }
    zone_snap_t *s = NULL;
    check(zone_builder_finish(&b, &s) == 0, "finish");
    zone_records = zone_snap_record_count(s);
    db = zonedb_new();
    bool changed;
    check(zonedb_publish(db, &s, NULL, NULL, &changed) == 0, "publish");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!db)
        setup();
    if (size < 1)
        return 0;
    size_t cap = 512 + (size_t)data[0] * 257;
    const uint8_t *q = data + 1;
    size_t qlen = size - 1;
    urcu_memb_read_lock();
    xfr_t *x = xfr_start(db, q, qlen);
    urcu_memb_read_unlock();
    if (!x)
        return 0; /* not a parseable question: the caller answers FORMERR */
    size_t len, msgs = 0, records = 0;
    while ((len = xfr_next(x, buf, cap)) > 0) {
        check(len <= cap && len <= XFR_MSG_MAX, "message over the limit");
        check(wiretext_render(buf, len, 0, text, sizeof text) >= 0, text);
        check(memcmp(buf, q, 2) == 0, "id not echoed");
        records += wire_get16(buf + 6);
        check(++msgs < 2000, "transfer does not end");
    }
    /* SOA alone, or every record plus the closing SOA */
    check(records == 1 || records == zone_records + 1, "record count");
    xfr_free(&x);
    return 0;
}
