/* Fuzz harness for zone/snapshot (+ export): arbitrary records into a
 * builder, then the snapshot's invariants and both exports.
 *
 * Input: a sequence of records, each
 *   type selector (1 byte) | owner prefix length (1) | owner prefix |
 *   rdata length (1) | rdata
 * The owner is the prefix (raw bytes, meant as wire labels) followed by the
 * apex "mesos." so that most records land in the zone; the rdata is used as
 * is. Invalid records must be refused with -EINVAL, never crash. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/dname.h"
#include "zone/builder.h"
#include "zone/export.h"
#include "zone/snapshot.h"

static const uint16_t TYPES[] = {RRTYPE_A,   RRTYPE_AAAA, RRTYPE_SRV, RRTYPE_TXT, RRTYPE_CNAME,
                                 RRTYPE_PTR, RRTYPE_NS,   RRTYPE_SOA, 99,         RRTYPE_A};

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* RFC 4034 §6.1 order, by the book: labels compared from the right. */
static int canon_cmp(const uint8_t *a, const uint8_t *b)
{
    const uint8_t *la[128], *lb[128];
    int na = 0, nb = 0;
    for (const uint8_t *p = a; *p; p += *p + 1)
        la[na++] = p;
    for (const uint8_t *p = b; *p; p += *p + 1)
        lb[nb++] = p;
    for (int i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--) {
        int m = la[i][0] < lb[j][0] ? la[i][0] : lb[j][0];
        int c = memcmp(la[i] + 1, lb[j] + 1, (size_t)m);
        if (c)
            return c;
        if (la[i][0] != lb[j][0])
            return la[i][0] - lb[j][0];
    }
    return na - nb;
}

static void check_rrset(const zone_snap_t *s, const zone_rrset_t *r)
{
    const uint8_t *p = r->rdata;
    size_t total = 0;
    check(r->count >= 1);
    for (unsigned i = 0; i < r->count; i++) {
        size_t len = (size_t)(p[0] << 8 | p[1]);
        if (r->type == RRTYPE_SRV) {
            const uint8_t *t = p + 8;
            int tl = dname_len(t, len - 6);
            check(tl == (int)len - 6);
            const zone_node_t *tn = zone_snap_find(s, t, (size_t)tl);
            check(r->targets[i] == tn);
        }
        total += 2 + len;
        p += 2 + len;
    }
    check(total == r->rdata_len);
}

static void check_snapshot(const zone_snap_t *s)
{
    size_t n = zone_snap_node_count(s), records = 0;
    check(n >= 1);
    check(zone_node_rrset(zone_snap_apex_node(s), RRTYPE_SOA) != NULL);
    for (size_t i = 0; i < n; i++) {
        const zone_node_t *node = zone_snap_node(s, i);
        check(zone_snap_find(s, node->name, node->name_len) == node);
        check(dname_len(node->name, node->name_len) == node->name_len);
        if (i > 0)
            check(canon_cmp(zone_snap_node(s, i - 1)->name, node->name) < 0);
        for (unsigned j = 0; j < node->n_rrsets; j++) {
            if (j > 0)
                check(node->rrsets[j - 1].type < node->rrsets[j].type);
            check_rrset(s, &node->rrsets[j]);
            records += node->rrsets[j].count;
        }
    }
    check(records == zone_snap_record_count(s));
    check(zone_snap_same_content(s, s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const zone_soa_params_t soa = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 60, 60};
    static const uint8_t apex[] = "\5mesos";
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    if (!b)
        return 0;
    size_t pos = 0;
    while (pos + 3 <= size) {
        uint16_t type = TYPES[data[pos] % (sizeof TYPES / sizeof *TYPES)];
        size_t ol = data[pos + 1] % 64;
        pos += 2;
        if (pos + ol + 1 > size)
            break;
        uint8_t owner[512];
        memcpy(owner, data + pos, ol);
        memcpy(owner + ol, apex, sizeof apex); /* includes the root label */
        pos += ol;
        size_t rl = data[pos++];
        if (pos + rl > size)
            rl = size - pos;
        int rc = zone_builder_add(b, owner, type, data + pos, (uint16_t)rl);
        check(rc == 0 || rc == -EINVAL);
        pos += rl;
    }
    if (size > 0 && data[0] & 0x80)
        zone_builder_set_dcos_label(b, "fuzzlabel");
    zone_snap_t *s = NULL;
    if (zone_builder_finish(&b, &s) != 0)
        return 0;
    check_snapshot(s);
    zone_snap_set_serial(s, 7);
    buf_t out = BUF_INIT;
    export_axfr_params_t p = {60, 60, "mesos"};
    check(export_axfr_json(s, &p, &out) == 0);
    buf_clear(&out);
    check(export_master_file(s, &out) == 0);
    buf_release(&out);
    zone_snap_free(&s);
    return 0;
}
