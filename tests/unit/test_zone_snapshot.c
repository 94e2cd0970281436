/* Unit tests of zone/snapshot: lookups, NXDOMAIN vs empty non-terminal vs
 * NODATA, duplicate collapse, SRV target links, canonical order (RFC 4034
 * §6.1 example), SOA/NS content and serial patching, same_content, input
 * validation, and a large mixed zone checked record by record against a
 * reference model (with and without size hints). Expected values are written out by hand from the
 * RFCs. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/dname.h"
#include "zone/builder.h"
#include "zone/snapshot.h"

static const zone_soa_params_t SOA = {
    .mname = "ns1.mesos",
    .rname = "root.ns1.mesos",
    .refresh = 60,
    .retry = 600,
    .expire = 86400,
    .minimum = 30,
    .ttl = 45,
};

static int wire(const char *text, uint8_t out[DNAME_MAXLEN])
{
    int n = dname_from_text(text, out);
    assert_true(n > 0);
    return n;
}

static int add_a(zone_builder_t *b, const char *owner, const char *ip)
{
    uint8_t o[DNAME_MAXLEN], rd[4];
    wire(owner, o);
    assert_int_equal(inet_pton(AF_INET, ip, rd), 1);
    return zone_builder_add(b, o, RRTYPE_A, rd, 4);
}

static int add_srv(zone_builder_t *b, const char *owner, uint16_t weight, uint16_t port,
                   const char *target)
{
    uint8_t o[DNAME_MAXLEN], rd[6 + DNAME_MAXLEN];
    wire(owner, o);
    rd[0] = 0;
    rd[1] = 0;
    rd[2] = (uint8_t)(weight >> 8);
    rd[3] = (uint8_t)weight;
    rd[4] = (uint8_t)(port >> 8);
    rd[5] = (uint8_t)port;
    int tl = wire(target, rd + 6);
    return zone_builder_add(b, o, RRTYPE_SRV, rd, (uint16_t)(6 + tl));
}

static const zone_node_t *find(const zone_snap_t *s, const char *text)
{
    uint8_t n[DNAME_MAXLEN];
    int len = wire(text, n);
    return zone_snap_find(s, n, (size_t)len);
}

static zone_snap_t *finish(zone_builder_t *b)
{
    zone_snap_t *s = NULL;
    assert_int_equal(zone_builder_finish(&b, &s), 0);
    assert_null(b);
    assert_non_null(s);
    return s;
}

/* One Mesos-shaped task, by hand: canonical and app names, SRV to the
 * canonical .slave name. */
static zone_builder_t *small_zone(void)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    assert_non_null(b);
    assert_int_equal(add_a(b, "ns1.mesos.", "10.0.0.53"), 0);
    assert_int_equal(add_a(b, "web.marathon.mesos.", "10.0.0.1"), 0);
    assert_int_equal(add_a(b, "web.marathon.mesos.", "10.0.0.2"), 0);
    assert_int_equal(add_a(b, "WEB.Marathon.MESOS.", "10.0.0.1"), 0); /* duplicate */
    assert_int_equal(add_a(b, "web-abcde-s1.marathon.slave.mesos.", "10.1.0.1"), 0);
    assert_int_equal(
        add_srv(b, "_web._tcp.marathon.mesos.", 1, 31000, "web-abcde-s1.marathon.slave.mesos."), 0);
    assert_int_equal(
        add_srv(b, "_web._tcp.marathon.mesos.", 1, 31001, "web-abcde-s1.marathon.slave.mesos."), 0);
    assert_int_equal(add_srv(b, "_web._tcp.marathon.mesos.", 1, 31000,
                             "Web-Abcde-S1.marathon.slave.mesos."), /* duplicate */
                     0);
    assert_int_equal(add_srv(b, "_ext._tcp.marathon.mesos.", 1, 80, "host.example.com."), 0);
    assert_int_equal(add_srv(b, "_ext._tcp.marathon.mesos.", 1, 81, "nothere.mesos."), 0);
    return b;
}

static void test_lookup_kinds(void **state)
{
    zone_snap_t *s = finish(small_zone());

    const zone_node_t *web = find(s, "web.marathon.mesos.");
    assert_non_null(web);
    assert_int_equal(web->n_rrsets, 1);
    const zone_rrset_t *a = zone_node_rrset(web, RRTYPE_A);
    assert_non_null(a);
    assert_int_equal(a->count, 2); /* 10.0.0.1 twice collapsed */
    assert_int_equal(a->ttl, 45);
    static const uint8_t want[] = {0, 4, 10, 0, 0, 1, 0, 4, 10, 0, 0, 2};
    assert_int_equal(a->rdata_len, sizeof want);
    assert_memory_equal(a->rdata, want, sizeof want);
    assert_null(a->targets);
    assert_null(zone_node_rrset(web, RRTYPE_AAAA)); /* NODATA for AAAA */

    /* Empty non-terminals: nodes without RRsets. */
    const char *ents[] = {"marathon.mesos.", "_tcp.marathon.mesos.", "slave.mesos.",
                          "marathon.slave.mesos."};
    for (size_t i = 0; i < sizeof ents / sizeof *ents; i++) {
        const zone_node_t *n = find(s, ents[i]);
        assert_non_null(n);
        assert_int_equal(n->n_rrsets, 0);
    }
    /* NXDOMAIN. */
    assert_null(find(s, "nothere.mesos."));
    assert_null(find(s, "x.web.marathon.mesos."));
    assert_null(find(s, "mesos.x."));
    assert_null(find(s, "host.example.com."));
    /* The caller lowercases: an uppercase query name is not found as is. */
    assert_null(find(s, "WEB.marathon.mesos."));
    assert_null(zone_snap_find(s, (const uint8_t *)"", 0));
    assert_non_null(find(s, "web.marathon.mesos."));

    /* ns1 A, web A 2, canonical A, SRV 2 (web) + 2 (ext), SOA, NS. */
    assert_int_equal(zone_snap_record_count(s), 1 + 2 + 1 + 2 + 2 + 2);
    /* mesos, ns1, marathon, _tcp, _ext, _web, web, slave, marathon.slave,
     * web-abcde-s1. */
    assert_int_equal(zone_snap_node_count(s), 10);
    assert_true(zone_snap_memory(s) > 0);
    assert_true(zone_snap_build_peak(s) >= zone_snap_memory(s));
    zone_snap_free(&s);
    assert_null(s);
    zone_snap_free(&s);
    zone_snap_free(NULL);
}

static void test_srv_rdata_and_targets(void **state)
{
    zone_snap_t *s = finish(small_zone());
    const zone_rrset_t *srv = zone_node_rrset(find(s, "_web._tcp.marathon.mesos."), RRTYPE_SRV);
    assert_non_null(srv);
    assert_int_equal(srv->count, 2);
    uint8_t t[DNAME_MAXLEN];
    int tl = wire("web-abcde-s1.marathon.slave.mesos.", t);
    /* Record 1: RDLENGTH, priority 0, weight 1, port 31000 (0x7918), target. */
    const uint8_t *p = srv->rdata;
    assert_int_equal(p[0] << 8 | p[1], 6 + tl);
    static const uint8_t fixed1[] = {0, 0, 0, 1, 0x79, 0x18};
    assert_memory_equal(p + 2, fixed1, 6);
    assert_memory_equal(p + 8, t, (size_t)tl);
    p += 2 + 6 + tl;
    static const uint8_t fixed2[] = {0, 0, 0, 1, 0x79, 0x19};
    assert_memory_equal(p + 2, fixed2, 6);
    assert_int_equal(srv->rdata_len, 2 * (2 + 6 + tl));

    const zone_node_t *target = find(s, "web-abcde-s1.marathon.slave.mesos.");
    assert_non_null(target);
    assert_non_null(srv->targets);
    assert_ptr_equal(srv->targets[0], target);
    assert_ptr_equal(srv->targets[1], target);

    const zone_rrset_t *ext = zone_node_rrset(find(s, "_ext._tcp.marathon.mesos."), RRTYPE_SRV);
    assert_non_null(ext);
    assert_int_equal(ext->count, 2);
    assert_null(ext->targets[0]); /* outside the zone */
    assert_null(ext->targets[1]); /* inside, but no such name */
    zone_snap_free(&s);
}

static void test_identical_srv_sets_share_nothing_visible(void **state)
{
    /* The _tcp/_udp twins have equal rdata; whatever the storage, each
     * RRset reads back complete and links its own targets. */
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    for (int i = 0; i < 3; i++) {
        char t[64];
        snprintf(t, sizeof t, "app-%d.fw.slave.mesos.", i);
        assert_int_equal(add_a(b, t, "10.2.0.1"), 0);
        assert_int_equal(add_srv(b, "_app._tcp.fw.mesos.", 1, (uint16_t)(1000 + i), t), 0);
        assert_int_equal(add_srv(b, "_app._udp.fw.mesos.", 1, (uint16_t)(1000 + i), t), 0);
    }
    zone_snap_t *s = finish(b);
    const zone_rrset_t *tcp = zone_node_rrset(find(s, "_app._tcp.fw.mesos."), RRTYPE_SRV);
    const zone_rrset_t *udp = zone_node_rrset(find(s, "_app._udp.fw.mesos."), RRTYPE_SRV);
    assert_int_equal(tcp->count, 3);
    assert_int_equal(udp->count, 3);
    assert_int_equal(tcp->rdata_len, udp->rdata_len);
    assert_memory_equal(tcp->rdata, udp->rdata, tcp->rdata_len);
    for (int i = 0; i < 3; i++) {
        char t[64];
        snprintf(t, sizeof t, "app-%d.fw.slave.mesos.", i);
        assert_ptr_equal(tcp->targets[i], find(s, t));
        assert_ptr_equal(udp->targets[i], find(s, t));
    }
    zone_snap_free(&s);
}

/* Reads a name from rdata at *off (uncompressed), as text. */
static void rdata_name(const uint8_t *rd, size_t *off, char *out, size_t cap)
{
    int n = dname_len(rd + *off, DNAME_MAXLEN);
    assert_true(n > 0);
    assert_true(dname_to_text(rd + *off, out, cap) > 0);
    *off += (size_t)n;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_apex_soa_ns_and_serial(void **state)
{
    zone_snap_t *s = finish(small_zone());
    const zone_node_t *apex = zone_snap_apex_node(s);
    assert_ptr_equal(apex, zone_snap_node(s, 0));
    assert_ptr_equal(apex, find(s, "mesos."));
    size_t al;
    const uint8_t *aw = zone_snap_apex(s, &al);
    assert_int_equal(al, 7);
    assert_memory_equal(aw, "\5mesos\0", 7);
    assert_int_equal(apex->n_rrsets, 2);
    assert_int_equal(apex->rrsets[0].type, RRTYPE_NS); /* sorted by type */
    assert_int_equal(apex->rrsets[1].type, RRTYPE_SOA);

    const zone_rrset_t *soa = zone_node_rrset(apex, RRTYPE_SOA);
    assert_int_equal(soa->count, 1);
    assert_int_equal(soa->ttl, 45);
    const uint8_t *rd = soa->rdata + 2;
    assert_int_equal(soa->rdata[0] << 8 | soa->rdata[1], soa->rdata_len - 2);
    char name[256];
    size_t off = 0;
    rdata_name(rd, &off, name, sizeof name);
    assert_string_equal(name, "ns1.mesos.");
    rdata_name(rd, &off, name, sizeof name);
    assert_string_equal(name, "root.ns1.mesos.");
    assert_int_equal(soa->rdata_len - 2, off + 20);
    assert_int_equal(get32(rd + off), 0);
    assert_int_equal(get32(rd + off + 4), 60);
    assert_int_equal(get32(rd + off + 8), 600);
    assert_int_equal(get32(rd + off + 12), 86400);
    assert_int_equal(get32(rd + off + 16), 30);
    assert_int_equal(zone_snap_serial(s), 0);

    zone_snap_set_serial(s, 0x01020304u);
    assert_int_equal(zone_snap_serial(s), 0x01020304u);
    assert_int_equal(get32(rd + off), 0x01020304u);
    assert_int_equal(get32(rd + off + 4), 60);

    const zone_rrset_t *ns = zone_node_rrset(apex, RRTYPE_NS);
    assert_int_equal(ns->count, 1);
    off = 0;
    rdata_name(ns->rdata + 2, &off, name, sizeof name);
    assert_string_equal(name, "ns1.mesos.");
    assert_int_equal(ns->rdata_len, 2 + off);
    assert_null(zone_snap_dcos_suffix(s, NULL));
    zone_snap_free(&s);
}

static void test_ns_added_at_apex(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos.", &SOA);
    uint8_t apex[DNAME_MAXLEN], rd[DNAME_MAXLEN], other[DNAME_MAXLEN];
    int al = wire("mesos.", apex);
    int l2 = wire("ns2.mesos.", rd);
    assert_int_equal(zone_builder_add(b, apex, RRTYPE_NS, rd, (uint16_t)l2), 0);
    int l1 = wire("NS1.mesos.", rd); /* same as the generated one */
    assert_int_equal(zone_builder_add(b, apex, RRTYPE_NS, rd, (uint16_t)l1), 0);
    /* Below the apex an NS would be a delegation: refused. */
    wire("sub.mesos.", other);
    assert_int_equal(zone_builder_add(b, other, RRTYPE_NS, rd, (uint16_t)l1), -EINVAL);
    zone_snap_t *s = finish(b);
    const zone_rrset_t *ns = zone_node_rrset(zone_snap_find(s, apex, (size_t)al), RRTYPE_NS);
    assert_int_equal(ns->count, 2);
    char name[256];
    size_t off = 0;
    rdata_name(ns->rdata + 2, &off, name, sizeof name);
    assert_string_equal(name, "ns1.mesos."); /* the generated NS leads */
    off += 2;
    rdata_name(ns->rdata + 2, &off, name, sizeof name);
    assert_string_equal(name, "ns2.mesos.");
    assert_null(find(s, "sub.mesos."));
    zone_snap_free(&s);
}

/* RFC 4034 §6.1: "The following names are sorted in canonical DNS name
 * order", written here as wire names with their original case. */
static void test_canonical_order_rfc4034(void **state)
{
    static const char *const rfc[] = {
        "\7example",          "\1a\7example",       "\10yljkjljk\1a\7example",
        "\1Z\1a\7example",    "\4zABC\1a\7EXAMPLE", "\1z\7example",
        "\1\001\1z\7example", "\1*\1z\7example",    "\1\200\1z\7example",
    };
    size_t n = sizeof rfc / sizeof *rfc;
    zone_builder_t *b = zone_builder_new("example", &SOA);
    /* Add in a scrambled order; leave z.example without records (it must
     * still appear, as an empty non-terminal, in its place). */
    static const size_t add_order[] = {8, 3, 1, 6, 2, 7, 4};
    static const uint8_t ip[4] = {192, 0, 2, 1};
    for (size_t i = 0; i < sizeof add_order / sizeof *add_order; i++)
        assert_int_equal(zone_builder_add(b, (const uint8_t *)rfc[add_order[i]], RRTYPE_A, ip, 4),
                         0);
    zone_snap_t *s = finish(b);
    assert_int_equal(zone_snap_node_count(s), n);
    for (size_t i = 0; i < n; i++) {
        uint8_t want[DNAME_MAXLEN];
        size_t len = strlen(rfc[i]) + 1;
        memcpy(want, rfc[i], len);
        dname_lower(want);
        const zone_node_t *node = zone_snap_node(s, i);
        assert_int_equal(node->name_len, len);
        assert_memory_equal(node->name, want, len);
        assert_ptr_equal(zone_snap_find(s, want, len), node);
    }
    assert_int_equal(zone_snap_node(s, 5)->n_rrsets, 0); /* z.example */
    assert_null(zone_snap_node(s, n));
    zone_snap_free(&s);
}

/* Labels equal in their first 16 octets, with NUL and high octets: octet
 * order, and a label that is a prefix of another sorts first. */
static void test_canonical_order_long_labels(void **state)
{
    uint8_t base[16];
    memset(base, 'q', sizeof base);
    /* first labels, in the expected order */
    static const uint8_t tails[][3] = {{0},      {1, 0x00},      {2, 0x00, 0x00}, {1, 0x01},
                                       {1, 'a'}, {2, 'a', 0x00}, {1, 0xff}};
    size_t n = sizeof tails / sizeof *tails;
    zone_builder_t *b = zone_builder_new("t", &SOA);
    static const uint8_t ip[4] = {192, 0, 2, 7};
    for (size_t i = n; i-- > 0;) { /* reverse order */
        uint8_t w[DNAME_MAXLEN];
        size_t ll = 16 + tails[i][0];
        w[0] = (uint8_t)ll;
        memcpy(w + 1, base, 16);
        memcpy(w + 17, tails[i] + 1, tails[i][0]);
        memcpy(w + 1 + ll, "\1t\0", 3);
        assert_int_equal(zone_builder_add(b, w, RRTYPE_A, ip, 4), 0);
    }
    zone_snap_t *s = finish(b);
    assert_int_equal(zone_snap_node_count(s), n + 1);
    for (size_t i = 0; i < n; i++) {
        const zone_node_t *node = zone_snap_node(s, i + 1);
        assert_int_equal(node->name[0], 16 + tails[i][0]);
        assert_memory_equal(node->name + 17, tails[i] + 1, tails[i][0]);
    }
    zone_snap_free(&s);
}

/* Reference canonical comparison: label by label from the right. */
static int ref_canon_cmp(const uint8_t *a, const uint8_t *b)
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

static void test_random_zone_properties(void **state)
{
    /* Random names of 1-4 labels over a tiny alphabet (many shared
     * prefixes and parents): every added name and every ancestor is a
     * node, nothing else is, and the node list is strictly canonical. */
    srand(12345);
    zone_builder_t *b = zone_builder_new("z", &SOA);
    enum { N = 3000 };
    static uint8_t names[N][DNAME_MAXLEN];
    static const uint8_t ip[4] = {10, 0, 0, 1};
    for (int i = 0; i < N; i++) {
        char text[128] = "";
        int labels = 1 + rand() % 4;
        for (int l = 0; l < labels; l++) {
            /* Half the labels share a 16-octet prefix: the sort must then
             * compare the labels themselves. */
            char lab[32] = "";
            if (rand() % 2)
                strcpy(lab, "pppppppppppppppp");
            int ll = (int)strlen(lab) + rand() % 3 + (lab[0] ? 0 : 1);
            for (int c = (int)strlen(lab); c < ll; c++)
                lab[c] = "ab-_"[rand() % 4];
            lab[ll] = 0;
            strcat(text, lab);
            strcat(text, ".");
        }
        strcat(text, "z.");
        wire(text, names[i]);
        assert_int_equal(zone_builder_add(b, names[i], RRTYPE_A, ip, 4), 0);
    }
    zone_snap_t *s = finish(b);
    size_t nn = zone_snap_node_count(s);
    for (size_t i = 1; i < nn; i++)
        assert_true(ref_canon_cmp(zone_snap_node(s, i - 1)->name, zone_snap_node(s, i)->name) < 0);
    size_t with_records = 0;
    for (size_t i = 0; i < nn; i++) {
        const zone_node_t *n = zone_snap_node(s, i);
        assert_ptr_equal(zone_snap_find(s, n->name, n->name_len), n);
        if (i > 0) {
            /* the parent of every node is a node */
            const uint8_t *p = n->name + 1 + n->name[0];
            assert_non_null(zone_snap_find(s, p, n->name_len - 1u - n->name[0]));
        }
        with_records += n->n_rrsets > 0;
    }
    for (int i = 0; i < N; i++) {
        const zone_node_t *n = zone_snap_find(s, names[i], (size_t)dname_len(names[i], 255));
        assert_non_null(n);
        assert_int_equal(zone_node_rrset(n, RRTYPE_A)->count, 1);
    }
    /* Records: one A per distinct name, plus SOA and NS. */
    assert_int_equal(zone_snap_record_count(s), with_records - 1 + 2);
    zone_snap_free(&s);
}

/* ---- a mixed zone against a reference model ------------------------------ */

/* One added record, as the reference sees it: owner and rdata lowercase
 * where they are names (the builder stores names lowercase). */
struct ref_rec {
    char owner[DNAME_MAXLEN * 4];
    uint16_t type;
    uint16_t rdlen;
    uint8_t rd[6 + DNAME_MAXLEN];
    char target[DNAME_MAXLEN * 4]; /* SRV: target name as text, "" otherwise */
    int seq;
};

static int ref_cmp(const void *x, const void *y)
{
    const struct ref_rec *a = x, *b = y;
    int c = strcmp(a->owner, b->owner);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return a->seq - b->seq;
}

static void lower_text(char *t)
{
    for (; *t; t++)
        if (*t >= 'A' && *t <= 'Z')
            *t = (char)(*t + 32);
}

/* Random Mesos-like records: A/AAAA/SRV/TXT/CNAME on a few hundred owners
 * in mixed case, repeats, SRV (priority, weight, port) triples by the
 * hundred (more than one table's worth), targets inside and outside the
 * zone. Enough records that the builder's tables leave malloc for
 * mappings. */
static size_t mixed_records(struct ref_rec *r, size_t max)
{
    static const char *const fw[] = {"Marathon", "chronos", "spark"};
    srand(777);
    size_t n = 0;
    for (int i = 0; n + 4 < max; i++) {
        char app[32], host[64];
        snprintf(app, sizeof app, "app%d", rand() % 300);
        snprintf(host, sizeof host, "%s-%d.%s.slave.mesos.", app, rand() % 5, fw[rand() % 3]);
        int kind = rand() % 10;
        struct ref_rec *x = &r[n];
        memset(x, 0, sizeof *x);
        x->seq = (int)n;
        if (kind < 4) { /* A, often repeated */
            snprintf(x->owner, sizeof x->owner, "%s.%s.mesos.", app, fw[rand() % 3]);
            x->type = RRTYPE_A;
            x->rdlen = 4;
            x->rd[0] = 10;
            x->rd[3] = (uint8_t)(rand() % 40);
        } else if (kind < 5) {
            snprintf(x->owner, sizeof x->owner, "%s.%s.mesos.", app, fw[rand() % 3]);
            x->type = RRTYPE_AAAA;
            x->rdlen = 16;
            x->rd[0] = 0x20;
            x->rd[15] = (uint8_t)(rand() % 8);
        } else if (kind < 9) {
            snprintf(x->owner, sizeof x->owner, "_%s._%s.%s.mesos.", app,
                     rand() % 2 ? "tcp" : "udp", fw[rand() % 3]);
            x->type = RRTYPE_SRV;
            x->rd[1] = (uint8_t)(rand() % 3);     /* priority */
            x->rd[3] = (uint8_t)(1 + rand() % 4); /* weight */
            uint16_t port = (uint16_t)(31000 + rand() % 200);
            x->rd[4] = (uint8_t)(port >> 8);
            x->rd[5] = (uint8_t)port;
            if (rand() % 20 == 0)
                snprintf(x->target, sizeof x->target, "Ext%d.Example.COM.", rand() % 3);
            else
                snprintf(x->target, sizeof x->target, "%s", host);
            int tl = wire(x->target, x->rd + 6);
            x->rdlen = (uint16_t)(6 + tl);
        } else if (rand() % 2) {
            snprintf(x->owner, sizeof x->owner, "txt%d.mesos.", rand() % 20);
            x->type = RRTYPE_TXT;
            x->rd[0] = 3;
            memcpy(x->rd + 1, "v=", 2);
            x->rd[3] = (uint8_t)('a' + rand() % 4);
            x->rdlen = 4;
        } else {
            snprintf(x->owner, sizeof x->owner, "alias%d.mesos.", rand() % 20);
            x->type = RRTYPE_CNAME;
            x->rdlen = (uint16_t)wire(host, x->rd);
        }
        n++;
        if (kind < 4 && rand() % 3 == 0) { /* the same owner's A record of its host */
            struct ref_rec *h = &r[n];
            memset(h, 0, sizeof *h);
            h->seq = (int)n;
            snprintf(h->owner, sizeof h->owner, "%s", host);
            h->type = RRTYPE_A;
            h->rdlen = 4;
            h->rd[0] = 172;
            h->rd[3] = (uint8_t)(rand() % 9);
            n++;
        }
    }
    return n;
}

static zone_snap_t *build_mixed(const struct ref_rec *r, size_t n, size_t hint)
{
    zone_builder_t *b = hint == SIZE_MAX ? zone_builder_new("mesos", &SOA)
                                         : zone_builder_new_sized("mesos", &SOA, hint);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        uint8_t o[DNAME_MAXLEN];
        wire(r[i].owner, o);
        assert_int_equal(zone_builder_add(b, o, r[i].type, r[i].rd, r[i].rdlen), 0);
    }
    return finish(b);
}

/* Wire rdata as stored: names lowercase. */
static void lower_rdata(struct ref_rec *x)
{
    if (x->type == RRTYPE_SRV)
        dname_lower(x->rd + 6);
    else if (x->type == RRTYPE_CNAME)
        dname_lower(x->rd);
}

static void check_against_reference(const zone_snap_t *s, struct ref_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lower_text(r[i].owner);
        lower_text(r[i].target);
        lower_rdata(&r[i]);
    }
    qsort(r, n, sizeof *r, ref_cmp);
    size_t records = 2; /* SOA, NS */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(r[j].owner, r[i].owner) == 0 && r[j].type == r[i].type)
            j++;
        /* Expected RRset: distinct rdata in first-added order. */
        uint8_t want[65536];
        size_t wl = 0, count = 0;
        const char *targets[4096];
        for (size_t k = i; k < j; k++) {
            bool dup = false;
            for (size_t m = i; m < k && !dup; m++)
                dup = r[m].rdlen == r[k].rdlen && memcmp(r[m].rd, r[k].rd, r[k].rdlen) == 0;
            if (dup)
                continue;
            want[wl] = (uint8_t)(r[k].rdlen >> 8);
            want[wl + 1] = (uint8_t)r[k].rdlen;
            memcpy(want + wl + 2, r[k].rd, r[k].rdlen);
            wl += 2u + r[k].rdlen;
            targets[count++] = r[k].target;
        }
        const zone_node_t *node = find(s, r[i].owner);
        assert_non_null(node);
        const zone_rrset_t *set = zone_node_rrset(node, r[i].type);
        assert_non_null(set);
        assert_int_equal(set->count, count);
        assert_int_equal(set->ttl, SOA.ttl);
        assert_int_equal(set->rdata_len, wl);
        assert_memory_equal(set->rdata, want, wl);
        for (size_t k = 0; k < count && r[i].type == RRTYPE_SRV; k++)
            assert_ptr_equal(set->targets[k], find(s, targets[k])); /* NULL outside */
        if (r[i].type != RRTYPE_SRV)
            assert_null(set->targets);
        records += count;
        i = j;
    }
    assert_int_equal(zone_snap_record_count(s), records);
    /* RRsets sorted by type; every node findable; canonical order. */
    for (size_t i = 0; i < zone_snap_node_count(s); i++) {
        const zone_node_t *node = zone_snap_node(s, i);
        assert_ptr_equal(zone_snap_find(s, node->name, node->name_len), node);
        for (unsigned k = 1; k < node->n_rrsets; k++)
            assert_true(node->rrsets[k - 1].type < node->rrsets[k].type);
        if (i > 0)
            assert_true(ref_canon_cmp(zone_snap_node(s, i - 1)->name, node->name) < 0);
    }
}

static void test_mixed_zone_matches_reference(void **state)
{
    enum { MAX = 40000 };
    struct ref_rec *r = malloc(MAX * sizeof *r);
    assert_non_null(r);
    size_t n = mixed_records(r, MAX);
    /* Without a size hint, with a far too small one and a generous one:
     * the same zone. */
    zone_snap_t *plain = build_mixed(r, n, SIZE_MAX);
    zone_snap_t *tiny = build_mixed(r, n, 10);
    zone_snap_t *roomy = build_mixed(r, n, n * 3);
    assert_true(zone_snap_same_content(plain, tiny));
    assert_true(zone_snap_same_content(plain, roomy));
    assert_int_equal(zone_snap_node_count(plain), zone_snap_node_count(roomy));
    for (size_t i = 0; i < zone_snap_node_count(plain); i++) {
        const zone_node_t *x = zone_snap_node(plain, i), *y = zone_snap_node(roomy, i);
        assert_int_equal(x->name_len, y->name_len);
        assert_memory_equal(x->name, y->name, x->name_len);
    }
    check_against_reference(roomy, r, n);
    zone_snap_free(&plain);
    zone_snap_free(&tiny);
    zone_snap_free(&roomy);
    free(r);
}

static void test_large_rrset_dedup_keeps_first_order(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    /* 200 adds cycling over 50 addresses in a scrambled order. */
    int first_seen[50], n_seen = 0;
    char seen[50] = {0};
    for (int i = 0; i < 200; i++) {
        int v = (i * 37 + i / 50) % 50;
        char ip[32];
        snprintf(ip, sizeof ip, "10.9.0.%d", v);
        assert_int_equal(add_a(b, "slave.mesos.", ip), 0);
        if (!seen[v]) {
            seen[v] = 1;
            first_seen[n_seen++] = v;
        }
    }
    zone_snap_t *s = finish(b);
    const zone_rrset_t *a = zone_node_rrset(find(s, "slave.mesos."), RRTYPE_A);
    assert_int_equal(a->count, 50);
    assert_int_equal(n_seen, 50);
    for (int i = 0; i < 50; i++) {
        const uint8_t *r = a->rdata + i * 6;
        assert_int_equal(r[1], 4);
        assert_int_equal(r[5], first_seen[i]);
    }
    zone_snap_free(&s);
}

static zone_snap_t *content_zone(int variant)
{
    zone_soa_params_t soa = SOA;
    if (variant == 3)
        soa.refresh = 61;
    if (variant == 4)
        soa.ttl = 46;
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    const char *ips[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(add_a(b, "web.marathon.mesos.", ips[variant == 1 ? 2 - i : i]), 0);
    assert_int_equal(add_srv(b, "_web._tcp.marathon.mesos.", 1, 80, "web.marathon.mesos."), 0);
    if (variant == 2)
        assert_int_equal(add_a(b, "web.marathon.mesos.", "10.0.0.4"), 0);
    if (variant == 5)
        assert_int_equal(zone_builder_set_dcos_label(b, "abc"), 0);
    if (variant == 6)
        assert_int_equal(add_srv(b, "_web._tcp.marathon.mesos.", 2, 80, "web.marathon.mesos."), 0);
    return finish(b);
}

static void test_same_content(void **state)
{
    zone_snap_t *base = content_zone(0);
    zone_snap_t *again = content_zone(0);
    zone_snap_set_serial(again, 99); /* serial is not content */
    assert_true(zone_snap_same_content(base, again));
    assert_true(zone_snap_same_content(base, base));
    zone_snap_t *reordered = content_zone(1); /* same set, other order */
    assert_true(zone_snap_same_content(base, reordered));
    for (int v = 2; v <= 6; v++) {
        zone_snap_t *other = content_zone(v);
        assert_false(zone_snap_same_content(base, other));
        assert_false(zone_snap_same_content(other, base));
        zone_snap_free(&other);
    }
    assert_false(zone_snap_same_content(base, NULL));
    zone_snap_free(&base);
    zone_snap_free(&again);
    zone_snap_free(&reordered);
}

static void test_outside_apex_rejected(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    assert_int_equal(add_a(b, "web.example.com.", "10.0.0.1"), -EINVAL);
    assert_int_equal(add_a(b, "xmesos.", "10.0.0.1"), -EINVAL); /* not a label boundary */
    assert_int_equal(add_a(b, "mesos.com.", "10.0.0.1"), -EINVAL);
    assert_int_equal(add_a(b, ".", "10.0.0.1"), -EINVAL);
    assert_int_equal(add_a(b, "MESOS.", "10.0.0.1"), 0); /* the apex itself, any case */
    zone_snap_t *s = finish(b);
    assert_int_equal(zone_snap_node_count(s), 1);
    assert_int_equal(zone_snap_record_count(s), 3);
    zone_snap_free(&s);
}

static void test_rdata_validation(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    uint8_t o[DNAME_MAXLEN];
    wire("x.mesos.", o);
    static const uint8_t z[32] = {0};
    assert_int_equal(zone_builder_add(b, o, RRTYPE_A, z, 3), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_A, z, 5), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_AAAA, z, 4), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_AAAA, z, 17), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, z, 6), -EINVAL); /* no target */
    /* SRV whose target is the root: valid (RFC 2782 "no service"). */
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, z, 7), 0);
    /* SRV target with a label running past the rdata. */
    uint8_t srv[32] = {0, 0, 0, 1, 0, 80, 5, 'a', 'b', 0};
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, srv, 10), -EINVAL);
    /* SRV with bytes after the target's root label. */
    uint8_t srv2[32] = {0, 0, 0, 1, 0, 80, 1, 'a', 0, 7};
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, srv2, 10), -EINVAL);
    /* SRV with a 64-octet label. */
    uint8_t srv3[80] = {0, 0, 0, 1, 0, 80, 64};
    memset(srv3 + 7, 'a', 64);
    srv3[71] = 0;
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, srv3, 72), -EINVAL);
    /* TXT: character-strings must fill the rdata exactly. */
    static const uint8_t txt_ok[] = {2, 'h', 'i', 0};
    static const uint8_t txt_bad[] = {5, 'h', 'i'};
    assert_int_equal(zone_builder_add(b, o, RRTYPE_TXT, txt_ok, 4), 0);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_TXT, txt_bad, 3), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_TXT, txt_ok, 0), -EINVAL);
    /* Types the zone never holds from outside. */
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SOA, z, 22), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, 99, z, 4), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_OPT, z, 0), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_ANY, z, 4), -EINVAL);
    /* Bad owners. */
    uint8_t longlab[80] = {64};
    memset(longlab + 1, 'a', 64);
    assert_int_equal(zone_builder_add(b, longlab, RRTYPE_A, z, 4), -EINVAL);
    uint8_t toolong[300];
    size_t pos = 0;
    while (pos + 11 < sizeof toolong) { /* 27 labels of 10: 297 octets */
        toolong[pos] = 10;
        memset(toolong + pos + 1, 'b', 10);
        pos += 11;
    }
    toolong[pos] = 0;
    assert_int_equal(zone_builder_add(b, toolong, RRTYPE_A, z, 4), -EINVAL);
    assert_int_equal(zone_builder_add(b, NULL, RRTYPE_A, z, 4), -EINVAL);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_A, NULL, 4), -EINVAL);
    assert_int_equal(zone_builder_add(NULL, o, RRTYPE_A, z, 4), -EINVAL);
    zone_snap_t *s = finish(b);
    const zone_node_t *x = find(s, "x.mesos.");
    assert_int_equal(x->n_rrsets, 2); /* the SRV to "." and the TXT only */
    assert_int_equal(x->rrsets[0].type, RRTYPE_TXT);
    assert_int_equal(x->rrsets[1].type, RRTYPE_SRV);
    assert_null(x->rrsets[1].targets[0]);
    assert_int_equal(zone_snap_record_count(s), 4);
    zone_snap_free(&s);
}

static void test_dcos_suffix(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    const char *label = "KAUALNKLF69AISRGPNCEQN7PR4MGZ5O8J38BN96NWOQQ687L5CHO";
    assert_int_equal(zone_builder_set_dcos_label(b, "a.b"), -EINVAL);
    char l64[65];
    memset(l64, 'x', 64);
    l64[64] = 0;
    assert_int_equal(zone_builder_set_dcos_label(b, l64), -EINVAL);
    assert_int_equal(zone_builder_set_dcos_label(b, label), 0);
    zone_snap_t *s = finish(b);
    size_t len;
    const uint8_t *sfx = zone_snap_dcos_suffix(s, &len);
    uint8_t want[DNAME_MAXLEN];
    int wl = wire("kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho.dcos.directory.", want);
    assert_non_null(sfx);
    assert_int_equal(len, wl);
    assert_memory_equal(sfx, want, len);
    /* No records exist for it. */
    assert_null(zone_snap_find(s, want, len));
    assert_int_equal(zone_snap_node_count(s), 1);
    zone_snap_free(&s);

    b = zone_builder_new("mesos", &SOA);
    assert_int_equal(zone_builder_set_dcos_label(b, label), 0);
    assert_int_equal(zone_builder_set_dcos_label(b, ""), 0); /* back to none */
    s = finish(b);
    assert_null(zone_snap_dcos_suffix(s, &len));
    assert_int_equal(len, 0);
    zone_snap_free(&s);
}

static void test_builder_lifecycle(void **state)
{
    zone_soa_params_t bad = SOA;
    bad.mname = "a..b";
    assert_null(zone_builder_new("mesos", &bad));
    assert_null(zone_builder_new("me..sos", &SOA));
    assert_null(zone_builder_new("mesos", NULL));
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    assert_int_equal(add_a(b, "a.mesos.", "10.0.0.1"), 0);
    assert_true(zone_builder_memory(b) > 0);
    zone_builder_free(&b); /* without finishing: nothing leaks (ASan) */
    assert_null(b);
    zone_builder_free(&b);
    zone_builder_free(NULL);
    zone_snap_t *s = (zone_snap_t *)1;
    assert_int_equal(zone_builder_finish(&b, &s), -EINVAL);
    assert_null(s);
    b = zone_builder_new("mesos", &SOA);
    assert_int_equal(zone_builder_finish(&b, NULL), -EINVAL);
    assert_null(b); /* consumed anyway */
}

static void test_aaaa_and_mixed_types(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    uint8_t o[DNAME_MAXLEN], v6[16];
    wire("leader.mesos.", o);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", v6), 1);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_AAAA, v6, 16), 0);
    assert_int_equal(add_a(b, "leader.mesos.", "10.0.0.5"), 0);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_AAAA, v6, 16), 0);
    zone_snap_t *s = finish(b);
    const zone_node_t *n = find(s, "leader.mesos.");
    assert_int_equal(n->n_rrsets, 2);
    assert_int_equal(n->rrsets[0].type, RRTYPE_A);
    assert_int_equal(n->rrsets[1].type, RRTYPE_AAAA);
    assert_int_equal(n->rrsets[1].count, 1);
    assert_int_equal(n->rrsets[1].rdata_len, 18);
    assert_memory_equal(n->rrsets[1].rdata + 2, v6, 16);
    zone_snap_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_kinds),
        cmocka_unit_test(test_srv_rdata_and_targets),
        cmocka_unit_test(test_identical_srv_sets_share_nothing_visible),
        cmocka_unit_test(test_apex_soa_ns_and_serial),
        cmocka_unit_test(test_ns_added_at_apex),
        cmocka_unit_test(test_canonical_order_rfc4034),
        cmocka_unit_test(test_canonical_order_long_labels),
        cmocka_unit_test(test_random_zone_properties),
        cmocka_unit_test(test_mixed_zone_matches_reference),
        cmocka_unit_test(test_large_rrset_dedup_keeps_first_order),
        cmocka_unit_test(test_same_content),
        cmocka_unit_test(test_outside_apex_rejected),
        cmocka_unit_test(test_rdata_validation),
        cmocka_unit_test(test_dcos_suffix),
        cmocka_unit_test(test_builder_lifecycle),
        cmocka_unit_test(test_aaaa_and_mixed_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
