/* Unit tests of dnsd/wire: strict parsing of header, question and EDNS,
 * name decompression limits, and the compressing writer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/dname.h"
#include "dnsd/wire.h"
#include "zone/snapshot.h"

/* A query for `name` (text) with QTYPE A, class IN; returns its length. */
static size_t make_query(uint8_t *p, const char *name, uint16_t ar)
{
    memset(p, 0, 12);
    p[1] = 7; /* id 7 */
    p[5] = 1; /* QDCOUNT */
    wire_put16(p + 10, ar);
    int n = dname_from_text(name, p + 12);
    assert_true(n > 0);
    wire_put16(p + 12 + n, RRTYPE_A);
    wire_put16(p + 14 + n, 1);
    return 16 + (size_t)n;
}

static size_t put_opt(uint8_t *p, uint16_t udp, uint8_t version, uint16_t flags,
                      const uint8_t *opts, uint16_t olen)
{
    p[0] = 0;
    wire_put16(p + 1, RRTYPE_OPT);
    wire_put16(p + 3, udp);
    p[5] = 0;
    p[6] = version;
    wire_put16(p + 7, flags);
    wire_put16(p + 9, olen);
    if (olen)
        memcpy(p + 11, opts, olen);
    return 11u + olen;
}

static void test_header(void **state)
{
    uint8_t p[64];
    wire_query_t q;
    size_t n = make_query(p, "web.mesos", 0);
    assert_int_equal(wire_parse_header(p, 11, &q), -EPROTO);
    assert_int_equal(wire_parse_header(p, n, &q), 0);
    assert_int_equal(q.id, 7);
    assert_int_equal(q.qdcount, 1);
    assert_int_equal(q.arcount, 0);
    assert_false(q.edns);
}

static void test_question_ok(void **state)
{
    uint8_t p[600];
    wire_query_t q;
    size_t n = make_query(p, "web.mesos", 0);
    assert_int_equal(wire_parse_header(p, n, &q), 0);
    assert_int_equal(wire_parse_question(p, n, &q), 0);
    assert_int_equal(q.qname_len, 11);
    assert_int_equal(q.qtype, RRTYPE_A);
    assert_int_equal(q.qclass, 1);
    assert_int_equal(q.qend, n);
    /* The root name. */
    n = make_query(p, ".", 0);
    assert_int_equal(wire_parse_question(p, n, &q), 0);
    assert_int_equal(q.qname_len, 1);
    /* Exactly 255 octets: 127 labels "a". */
    size_t o = 12;
    for (int i = 0; i < 127; i++) {
        p[o++] = 1;
        p[o++] = 'a';
    }
    p[o++] = 0;
    wire_put16(p + o, 1);
    wire_put16(p + o + 2, 1);
    assert_int_equal(wire_parse_question(p, o + 4, &q), 0);
    assert_int_equal(q.qname_len, 255);
}

static void test_question_bad(void **state)
{
    uint8_t p[600];
    wire_query_t q;
    size_t n = make_query(p, "web.mesos", 0);
    /* Cut anywhere inside the question. */
    for (size_t cut = 12; cut < n; cut++)
        assert_int_equal(wire_parse_question(p, cut, &q), -EPROTO);
    /* A compression pointer as the first label, and after a label. */
    static const uint8_t ptr[] = {0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
    assert_int_equal(wire_parse_question(ptr, sizeof ptr, &q), -EPROTO);
    static const uint8_t ptr2[] = {0, 7, 0, 0,   0,    1,  0, 0, 0, 0,
                                   0, 0, 1, 'a', 0xC0, 12, 0, 1, 0, 1};
    assert_int_equal(wire_parse_question(ptr2, sizeof ptr2, &q), -EPROTO);
    /* Extended label types 0x40 and 0x80, and a 64-octet label. */
    for (int t = 0; t < 3; t++) {
        memcpy(p + 12, "\x05mesos\x00\x00\x01\x00\x01", 11);
        p[12] = t == 0 ? 0x41 : t == 1 ? 0x81 : 64;
        assert_int_equal(wire_parse_question(p, 12 + 11 + 64, &q), -EPROTO);
    }
    /* 256 octets: 127 labels "a" + one more. */
    size_t o = 12;
    for (int i = 0; i < 128; i++) {
        p[o++] = 1;
        p[o++] = 'a';
    }
    p[o++] = 0;
    assert_int_equal(wire_parse_question(p, o + 4, &q), -EPROTO);
}

static void parse_all(const uint8_t *p, size_t n, wire_query_t *q)
{
    assert_int_equal(wire_parse_header(p, n, q), 0);
    assert_int_equal(wire_parse_question(p, n, q), 0);
}

static void test_edns_ok(void **state)
{
    uint8_t p[600];
    wire_query_t q;
    size_t n = make_query(p, "web.mesos", 1);
    static const uint8_t cookie[12] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    n += put_opt(p + n, 4096, 0, WIRE_EDNS_DO, cookie, sizeof cookie);
    parse_all(p, n, &q);
    assert_int_equal(wire_parse_edns(p, n, &q), 0);
    assert_true(q.edns);
    assert_int_equal(q.edns_udp, 4096);
    assert_int_equal(q.edns_version, 0);
    assert_int_equal(q.edns_flags, WIRE_EDNS_DO);
    /* No additional records: no EDNS. */
    n = make_query(p, "web.mesos", 0);
    parse_all(p, n, &q);
    assert_int_equal(wire_parse_edns(p, n, &q), 0);
    assert_false(q.edns);
}

static void test_edns_with_other_records(void **state)
{
    uint8_t p[600];
    wire_query_t q;
    size_t n = make_query(p, "web.mesos", 2);
    /* A record whose owner is a pointer to the question, then the OPT. */
    static const uint8_t rr[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1};
    memcpy(p + n, rr, sizeof rr);
    n += sizeof rr;
    n += put_opt(p + n, 1232, 1, 0, NULL, 0);
    parse_all(p, n, &q);
    assert_int_equal(wire_parse_edns(p, n, &q), 0);
    assert_true(q.edns);
    assert_int_equal(q.edns_version, 1);
    /* Trailing bytes after the counted records are ignored. */
    p[n] = 0xFF;
    assert_int_equal(wire_parse_edns(p, n + 1, &q), 0);
}

static void test_edns_bad(void **state)
{
    uint8_t p[600];
    wire_query_t q;
    size_t base = make_query(p, "web.mesos", 2), n = base;
    /* Two OPT records. */
    n += put_opt(p + n, 1232, 0, 0, NULL, 0);
    n += put_opt(p + n, 1232, 0, 0, NULL, 0);
    parse_all(p, n, &q);
    assert_int_equal(wire_parse_edns(p, n, &q), -EPROTO);
    /* An OPT in ANSWER or AUTHORITY. */
    for (int sec = 0; sec < 2; sec++) {
        n = base;
        wire_put16(p + 6, sec == 0 ? 1 : 0);
        wire_put16(p + 8, sec == 1 ? 1 : 0);
        wire_put16(p + 10, 0);
        n += put_opt(p + n, 1232, 0, 0, NULL, 0);
        parse_all(p, n, &q);
        assert_int_equal(wire_parse_edns(p, n, &q), -EPROTO);
    }
    wire_put16(p + 6, 0);
    wire_put16(p + 8, 0);
    wire_put16(p + 10, 1);
    /* Owner not the root: a pointer to the question. */
    n = base;
    p[n] = 0xC0;
    p[n + 1] = 12;
    wire_put16(p + n + 2, RRTYPE_OPT);
    memset(p + n + 4, 0, 8);
    parse_all(p, n + 12, &q);
    assert_int_equal(wire_parse_edns(p, n + 12, &q), -EPROTO);
    /* An option longer than the RDATA, and a 3-byte option header. */
    static const uint8_t long_opt[4] = {0, 10, 0, 8};
    n = base + put_opt(p + base, 1232, 0, 0, long_opt, 4);
    parse_all(p, n, &q);
    assert_int_equal(wire_parse_edns(p, n, &q), -EPROTO);
    n = base + put_opt(p + base, 1232, 0, 0, long_opt, 3);
    assert_int_equal(wire_parse_edns(p, n, &q), -EPROTO);
    /* RDLENGTH past the end, and every cut of a good OPT. */
    n = base + put_opt(p + base, 1232, 0, 0, NULL, 0);
    wire_put16(p + n - 2, 5);
    assert_int_equal(wire_parse_edns(p, n, &q), -EPROTO);
    wire_put16(p + n - 2, 0);
    for (size_t cut = base; cut < n; cut++)
        assert_int_equal(wire_parse_edns(p, cut, &q), -EPROTO);
}

static void test_skip_name(void **state)
{
    static const uint8_t m[] = {1, 'a', 0xC0, 0, 3, 'b', 'c', 'd', 0, 0x40};
    assert_int_equal(wire_skip_name(m, sizeof m, 0), 4);
    assert_int_equal(wire_skip_name(m, 3, 0), -EPROTO); /* pointer cut */
    assert_int_equal(wire_skip_name(m, sizeof m, 4), 9);
    assert_int_equal(wire_skip_name(m, 8, 4), -EPROTO);
    assert_int_equal(wire_skip_name(m, sizeof m, 9), -EPROTO); /* 0x40 */
    assert_int_equal(wire_skip_name(m, sizeof m, 10), -EPROTO);
}

static void test_read_name(void **state)
{
    uint8_t out[DNAME_MAXLEN];
    size_t next = 0;
    /* "web.mesos" at 0, "x" + pointer to "mesos" at 11. */
    static const uint8_t m[] = {3, 'w', 'e', 'b', 5, 'm', 'e', 's', 'o', 's', 0, 1, 'x', 0xC0, 4};
    assert_int_equal(wire_read_name(m, sizeof m, 11, out, &next), 9);
    assert_memory_equal(out, "\001x\005mesos", 9);
    assert_int_equal(next, 15);
    assert_int_equal(wire_read_name(m, sizeof m, 0, out, &next), 11);
    assert_int_equal(next, 11);
    /* Pointer to itself, forwards, and two pointers pointing at each other. */
    static const uint8_t self[] = {0xC0, 0};
    assert_int_equal(wire_read_name(self, sizeof self, 0, out, NULL), -EPROTO);
    static const uint8_t fwd[] = {0xC0, 2, 0};
    assert_int_equal(wire_read_name(fwd, sizeof fwd, 0, out, NULL), -EPROTO);
    static const uint8_t loop[] = {0xC0, 2, 0xC0, 0};
    assert_int_equal(wire_read_name(loop, sizeof loop, 2, out, NULL), -EPROTO);
    /* A label pointing back into itself through a later label. */
    static const uint8_t back[] = {1, 'a', 0xC0, 0};
    assert_int_equal(wire_read_name(back, sizeof back, 0, out, NULL), -EPROTO);
    /* Decompressed beyond 255 octets: a chain of 63-octet labels, each
     * pointing at the name before it. */
    uint8_t big[300];
    size_t o = 0;
    big[o++] = 63;
    memset(big + o, 'a', 63);
    o += 63;
    big[o++] = 0; /* name A at 0: 65 octets */
    for (int i = 0; i < 3; i++) {
        size_t prev = i == 0 ? 0 : o - 66;
        big[o++] = 63;
        memset(big + o, 'b', 63);
        o += 63;
        big[o++] = (uint8_t)(0xC0 | (prev >> 8));
        big[o++] = (uint8_t)prev;
    }
    /* The last name: 3 x 64 + 65 = 257 octets. */
    assert_int_equal(wire_read_name(big, o, o - 66, out, NULL), -EPROTO);
    /* Its predecessor: 2 x 64 + 65 = 193 octets. */
    assert_int_equal(wire_read_name(big, o, o - 132, out, NULL), 193);
}

/* --- writer ------------------------------------------------------------------ */

static wire_writer_t *new_writer(uint8_t *buf, size_t len, size_t cap)
{
    wire_writer_t *w = malloc(sizeof *w);
    assert_non_null(w);
    wire_writer_init(w);
    wire_writer_begin(w, buf, len, cap);
    return w;
}

static void check_name_at(const wire_writer_t *w, size_t off, const char *text)
{
    uint8_t got[DNAME_MAXLEN], want[DNAME_MAXLEN];
    int n = dname_from_text(text, want);
    assert_int_equal(wire_read_name(w->buf, w->len, off, got, NULL), n);
    assert_true(dname_equal(got, want));
}

static void test_writer_compresses(void **state)
{
    static uint8_t buf[512];
    uint8_t n1[DNAME_MAXLEN], n2[DNAME_MAXLEN], n3[DNAME_MAXLEN];
    size_t ql = make_query(buf, "Web.Marathon.MESOS", 0);
    wire_writer_t *w = new_writer(buf, ql, sizeof buf);
    wire_note_name(w, 12);
    /* Equal to the question (case ignored): a bare pointer to 12. */
    int l1 = dname_from_text("web.marathon.mesos", n1);
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), (int)ql);
    assert_int_equal(w->len, ql + 2);
    assert_int_equal(buf[ql], 0xC0);
    assert_int_equal(buf[ql + 1], 12);
    /* A new first label before a known suffix: "x" + pointer. */
    int l2 = dname_from_text("x.y.marathon.mesos", n2);
    int at2 = wire_put_name(w, n2, (size_t)l2, true);
    assert_int_equal(w->len, (size_t)at2 + 4 + 2);
    check_name_at(w, (size_t)at2, "x.y.marathon.mesos");
    /* "z.y.marathon.mesos": reuses "y.marathon.mesos" written just before. */
    int l3 = dname_from_text("z.y.marathon.mesos", n3);
    int at3 = wire_put_name(w, n3, (size_t)l3, true);
    assert_int_equal(w->len, (size_t)at3 + 2 + 2);
    assert_int_equal(wire_get16(buf + at3 + 2), 0xC000u | (unsigned)(at2 + 2));
    check_name_at(w, (size_t)at3, "z.y.marathon.mesos");
    /* Without compression the name is written in full but remembered. */
    int at4 = wire_put_name(w, n3, (size_t)l3, false);
    assert_int_equal(w->len, (size_t)at4 + (size_t)l3);
    check_name_at(w, (size_t)at4, "z.y.marathon.mesos");
    /* A different name of the same length is not confused with it. */
    uint8_t n5[DNAME_MAXLEN];
    int l5 = dname_from_text("q.y.marathon.mesos", n5);
    int at5 = wire_put_name(w, n5, (size_t)l5, true);
    check_name_at(w, (size_t)at5, "q.y.marathon.mesos");
    /* The root is one zero byte. */
    int at6 = wire_put_name(w, (const uint8_t *)"", 1, true);
    assert_int_equal(w->len, (size_t)at6 + 1);
    free(w);
}

static void test_writer_no_room(void **state)
{
    static uint8_t buf[64];
    uint8_t n1[DNAME_MAXLEN];
    int l1 = dname_from_text("abcdefgh.example", n1);
    wire_writer_t *w = new_writer(buf, 12, 12 + (size_t)l1 - 1);
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), -ENOSPC);
    assert_int_equal(w->len, 12);
    w->cap = 12 + (size_t)l1;
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), 12);
    /* Now only a pointer is needed, but there is no room for it. */
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), -ENOSPC);
    assert_int_equal(w->len, 12 + (size_t)l1);
    free(w);
}

/* Names past 16 KiB cannot be pointer targets: they are written in full
 * (compressed against earlier names) and never pointed at. */
static void test_writer_far_offsets(void **state)
{
    static uint8_t buf[40000];
    uint8_t n1[DNAME_MAXLEN], n2[DNAME_MAXLEN];
    int l1 = dname_from_text("a.far.example", n1);
    int l2 = dname_from_text("b.far2.example", n2);
    wire_writer_t *w = new_writer(buf, 12, sizeof buf);
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), 12);
    memset(buf + w->len, 0, 20000);
    w->len += 20000;
    int at = wire_put_name(w, n2, (size_t)l2, true); /* "example" → pointer */
    assert_int_equal(w->len, (size_t)at + 2 + 5 + 2);
    int again = wire_put_name(w, n2, (size_t)l2, true);
    /* Not a pointer to `at` (> 0x3FFF): labels again, then "example". */
    assert_int_equal(w->len, (size_t)again + 2 + 5 + 2);
    check_name_at(w, (size_t)again, "b.far2.example");
    free(w);
}

/* A rolled-back record leaves remembered offsets behind; new bytes there
 * must never be pointed at as if they were the old name. */
static void test_writer_rollback(void **state)
{
    static uint8_t buf[512];
    uint8_t n1[DNAME_MAXLEN], n2[DNAME_MAXLEN];
    int l1 = dname_from_text("gone.example", n1);
    int l2 = dname_from_text("x.gone.example", n2);
    wire_writer_t *w = new_writer(buf, 12, sizeof buf);
    size_t save = w->len;
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), 12);
    w->len = save;
    memset(buf + w->len, 0xC0, 40); /* garbage that looks like pointers */
    w->len += 40;
    int at = wire_put_name(w, n2, (size_t)l2, true);
    assert_int_equal(w->len, (size_t)at + (size_t)l2); /* nothing to reuse */
    check_name_at(w, (size_t)at, "x.gone.example");
    free(w);
}

/* More names than the table remembers: every one still decodes right. */
static void test_writer_many_names(void **state)
{
    static uint8_t buf[16000];
    wire_writer_t *w = new_writer(buf, 12, sizeof buf);
    int offs[400];
    char text[64];
    for (int i = 0; i < 400; i++) {
        uint8_t n[DNAME_MAXLEN];
        snprintf(text, sizeof text, "t%d.s%d.example", i, i % 7);
        int l = dname_from_text(text, n);
        offs[i] = wire_put_name(w, n, (size_t)l, true);
        assert_true(offs[i] > 0);
    }
    assert_true(w->used <= WIRE_CTAB_FILL);
    for (int i = 0; i < 400; i++) {
        snprintf(text, sizeof text, "t%d.s%d.example", i, i % 7);
        check_name_at(w, (size_t)offs[i], text);
    }
    free(w);
}

/* Starting a message forgets the previous one's names, also across the
 * generation counter's wrap. */
static void test_writer_generations(void **state)
{
    static uint8_t buf[512];
    uint8_t n1[DNAME_MAXLEN];
    int l1 = dname_from_text("a.example", n1);
    wire_writer_t *w = new_writer(buf, 12, sizeof buf);
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), 12);
    w->gen = UINT32_MAX;
    wire_put_name(w, n1, (size_t)l1, true); /* remembered under gen MAX */
    wire_writer_begin(w, buf, 12, sizeof buf);
    assert_int_equal(w->gen, 1);
    assert_int_equal(wire_put_name(w, n1, (size_t)l1, true), 12);
    assert_int_equal(w->len, 12 + (size_t)l1); /* in full: nothing known */
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_question_ok),
        cmocka_unit_test(test_question_bad),
        cmocka_unit_test(test_edns_ok),
        cmocka_unit_test(test_edns_with_other_records),
        cmocka_unit_test(test_edns_bad),
        cmocka_unit_test(test_skip_name),
        cmocka_unit_test(test_read_name),
        cmocka_unit_test(test_writer_compresses),
        cmocka_unit_test(test_writer_no_room),
        cmocka_unit_test(test_writer_far_offsets),
        cmocka_unit_test(test_writer_rollback),
        cmocka_unit_test(test_writer_many_names),
        cmocka_unit_test(test_writer_generations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
