/* Properties of dnsd/answer that golden texts cannot show: answer order
 * really varies, truncated answers are random subsets, ADDITIONAL matches
 * ANSWER, RRsets too big to shuffle exactly, 64 KiB TCP answers (names past
 * the 16 KiB compression limit), result fields, no allocation, and the
 * batch prefetch hints (what they look up; they change no answer). */
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
#include "dnsd/answer.h"
#include "dnsd/wire.h"
#include "dnsd/wiretext.h"
#include "zone/builder.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifndef TEST_ASAN
/* Count allocations while `counting` is set (glibc's own entry points do
 * the work). Not under ASan, which owns malloc. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static int counting, allocs;
void *malloc(size_t n)
{
    allocs += counting;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    allocs += counting;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    allocs += counting;
    return __libc_realloc(p, n);
}
void free(void *p)
{
    __libc_free(p);
}
#endif

#define LABEL "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"

static zone_snap_t *zone;
static answer_ctx_t *ctx;
static answer_cfg_t cfg = {.domain = "mesos",
                           .recurse_on = true,
                           .external_on = true,
                           .set_truncate_bit = true,
                           .edns_max = 4096,
                           .identity = "ns1",
                           .version_bind = ""};
static uint8_t out[65535];

static void add_a(zone_builder_t *b, const char *owner, uint32_t ip)
{
    uint8_t o[DNAME_MAXLEN],
        rd[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip};
    assert_true(dname_from_text(owner, o) > 0);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_A, rd, 4), 0);
}

static void add_srv(zone_builder_t *b, const char *owner, uint16_t port, const char *target)
{
    uint8_t o[DNAME_MAXLEN], rd[6 + DNAME_MAXLEN] = {0, 0, 0, 1};
    assert_true(dname_from_text(owner, o) > 0);
    wire_put16(rd + 4, port);
    int n = dname_from_text(target, rd + 6);
    assert_true(n > 0);
    assert_int_equal(zone_builder_add(b, o, RRTYPE_SRV, rd, (uint16_t)(6 + n)), 0);
}

static int setup(void **state)
{
    zone_soa_params_t soa = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 60, 60};
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    assert_non_null(b);
    char name[64];
    for (uint32_t i = 1; i <= 40; i++) {
        add_a(b, "big.mesos", 0x0A020000u + i);
        snprintf(name, sizeof name, "big-%u.slave.mesos", i);
        add_srv(b, "_big._tcp.mesos", (uint16_t)(31000 + i), name);
        add_a(b, name, 0x0A030000u + i);
    }
    for (uint32_t i = 1; i <= 5000; i++)
        add_a(b, "huge.mesos", 0x0A060000u + i);
    for (uint32_t i = 1; i <= 1000; i++) {
        snprintf(name, sizeof name, "m-%u.slave.mesos", i);
        add_srv(b, "_many._tcp.mesos", (uint16_t)i, name);
        add_a(b, name, 0x0A070000u + i);
    }
    assert_int_equal(zone_builder_set_dcos_label(b, LABEL), 0);
    assert_int_equal(zone_builder_finish(&b, &zone), 0);
    ctx = malloc(sizeof *ctx);
    assert_non_null(ctx);
    answer_ctx_init(ctx, &cfg, 42);
    return 0;
}

static int teardown(void **state)
{
    zone_snap_free(&zone);
    free(ctx);
    return 0;
}

/* --- a small response reader --------------------------------------------- */

typedef struct rr {
    uint8_t owner[DNAME_MAXLEN];
    uint16_t type;
    size_t rd, rdlen; /* RDATA offset and length in `out` */
} rr_t;

typedef struct msg {
    uint16_t flags, counts[4];
    rr_t *rr[3]; /* answer, authority, additional (OPT included) */
} msg_t;

static void read_msg(const uint8_t *m, size_t len, msg_t *g)
{
    static char text[1 << 20];
    int rc = wiretext_render(m, len, 0, text, sizeof text);
    if (rc < 0)
        fail_msg("%s", text);
    g->flags = wire_get16(m + 2);
    for (int i = 0; i < 4; i++)
        g->counts[i] = wire_get16(m + 4 + 2 * i);
    size_t pos = 12;
    for (int i = 0; i < g->counts[0]; i++)
        pos = (size_t)wire_skip_name(m, len, pos) + 4;
    for (int s = 0; s < 3; s++) {
        g->rr[s] = calloc(g->counts[s + 1] + 1u, sizeof(rr_t));
        for (int i = 0; i < g->counts[s + 1]; i++) {
            rr_t *r = &g->rr[s][i];
            assert_true(wire_read_name(m, len, pos, r->owner, &pos) > 0);
            r->type = wire_get16(m + pos);
            r->rdlen = wire_get16(m + pos + 8);
            r->rd = pos + 10;
            pos = r->rd + r->rdlen;
        }
    }
}

static void free_msg(msg_t *g)
{
    for (int s = 0; s < 3; s++)
        free(g->rr[s]);
}

static size_t query(uint8_t *q, const char *name, uint16_t type, int edns)
{
    memset(q, 0, 12);
    q[5] = 1;
    q[11] = edns >= 0;
    int n = dname_from_text(name, q + 12);
    assert_true(n > 0);
    size_t p = 12 + (size_t)n;
    wire_put16(q + p, type);
    wire_put16(q + p + 2, 1);
    p += 4;
    if (edns >= 0) {
        memset(q + p, 0, 11);
        wire_put16(q + p + 1, RRTYPE_OPT);
        wire_put16(q + p + 3, (uint16_t)edns);
        p += 11;
    }
    return p;
}

static void ask(const char *name, uint16_t type, int edns, bool tcp, answer_result_t *res, msg_t *g)
{
    uint8_t q[512];
    size_t ql = query(q, name, type, edns);
    answer_query(ctx, zone, q, ql, tcp, out, sizeof out, res);
    assert_int_equal(res->action, ANSWER_SEND);
    read_msg(out, res->len, g);
}

/* --- tests ---------------------------------------------------------------- */

/* All 40 fit: every response is a permutation, and the order changes. */
static void test_order_varies(void **state)
{
    int first_seen[41] = {0}, distinct_first = 0;
    for (int run = 0; run < 64; run++) {
        answer_result_t res;
        msg_t g;
        ask("big.mesos", RRTYPE_A, 4096, false, &res, &g);
        assert_int_equal(g.counts[1], 40);
        bool seen[41] = {false};
        for (int i = 0; i < 40; i++) {
            unsigned last = out[g.rr[0][i].rd + 3];
            assert_true(last >= 1 && last <= 40 && !seen[last]);
            seen[last] = true;
        }
        unsigned f = out[g.rr[0][0].rd + 3];
        distinct_first += first_seen[f]++ == 0;
        free_msg(&g);
    }
    /* 64 draws of 40 equally likely values: far more than 10 distinct. */
    assert_true(distinct_first >= 10);
}

/* Cut at 512 bytes: (512 - 12 - 15) / 16 = 30 distinct records, a different
 * subset each time. */
static void test_truncated_subsets(void **state)
{
    bool ever[41] = {false};
    for (int run = 0; run < 100; run++) {
        answer_result_t res;
        msg_t g;
        ask("big.mesos", RRTYPE_A, -1, false, &res, &g);
        assert_true(res.truncated);
        assert_true(g.flags & WIRE_FLAG_TC);
        assert_int_equal(g.counts[1], 30);
        bool seen[41] = {false};
        for (int i = 0; i < 30; i++) {
            unsigned last = out[g.rr[0][i].rd + 3];
            assert_false(seen[last]);
            seen[last] = ever[last] = true;
        }
        free_msg(&g);
    }
    for (int i = 1; i <= 40; i++)
        assert_true(ever[i]);
}

/* Every ADDITIONAL owner is the target of an SRV record in ANSWER, once. */
static void check_additional(const msg_t *g, size_t want_adds)
{
    size_t n_add = 0;
    for (int i = 0; i < g->counts[3]; i++) {
        const rr_t *a = &g->rr[2][i];
        if (a->type == RRTYPE_OPT)
            continue;
        n_add++;
        bool found = false;
        for (int j = 0; j < g->counts[1] && !found; j++) {
            uint8_t t[DNAME_MAXLEN];
            assert_true(wire_read_name(out, sizeof out, g->rr[0][j].rd + 6, t, NULL) > 0);
            found = dname_equal(t, a->owner);
        }
        assert_true(found);
        for (int k = 0; k < i; k++)
            assert_false(dname_equal(g->rr[2][k].owner, a->owner));
    }
    assert_int_equal(n_add, want_adds);
}

static void test_additional_follows_answer(void **state)
{
    for (int run = 0; run < 20; run++) {
        answer_result_t res;
        msg_t g;
        /* 12 + 21 question + 9 SRV of 18 + 19 (target big-N.slave.mesos.)
         * + 31 of 18 + 20 = 1544; (2048 - 11 OPT - 1544) / 16 = 30 A. */
        ask("_big._tcp.mesos", RRTYPE_SRV, 2048, false, &res, &g);
        assert_int_equal(g.counts[1], 40);
        assert_false(g.flags & WIRE_FLAG_TC);
        assert_false(res.truncated);
        assert_int_equal(g.counts[3], 30 + 1);
        check_additional(&g, 30);
        free_msg(&g);
    }
}

/* 5000 A records: rotated, cut at 65535 over TCP. */
static void test_huge_rrset_rotates(void **state)
{
    unsigned firsts[2];
    for (int run = 0; run < 2; run++) {
        answer_result_t res;
        msg_t g;
        ask("huge.mesos", RRTYPE_A, -1, true, &res, &g);
        /* 12 + 16 question, 16 per record. */
        assert_int_equal(g.counts[1], (65535 - 28) / 16);
        assert_true(g.flags & WIRE_FLAG_TC);
        static bool seen[5001];
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < g.counts[1]; i++) {
            unsigned v = wire_get16(out + g.rr[0][i].rd + 2);
            assert_true(v >= 1 && v <= 5000 && !seen[v]);
            seen[v] = true;
        }
        firsts[run] = wire_get16(out + g.rr[0][0].rd + 2);
        free_msg(&g);
    }
    assert_int_not_equal(firsts[0], firsts[1]);
}

/* 1000 SRV over TCP (37 KiB): targets past 16 KiB cannot be pointed at, so
 * their ADDITIONAL owners are written out; at most ANSWER_MAX_ADDS targets. */
static void test_tcp_many_srv(void **state)
{
    answer_result_t res;
    msg_t g;
    ask("_many._tcp.mesos", RRTYPE_SRV, -1, true, &res, &g);
    assert_int_equal(g.counts[1], 1000);
    assert_false(res.truncated);
    check_additional(&g, ANSWER_MAX_ADDS);
    free_msg(&g);
    /* The same under the DC/OS suffix: every target renamed (87 or 88
     * octets), so only about 620 records fit and ADDITIONAL stays empty. */
    ask("_many._tcp.mesos." LABEL ".dcos.directory", RRTYPE_SRV, -1, true, &res, &g);
    assert_true(res.truncated);
    assert_true(g.counts[1] > 600 && g.counts[1] < 640);
    assert_int_equal(g.counts[3], 0);
    for (int i = 0; i < g.counts[1]; i++) {
        uint8_t t[DNAME_MAXLEN], sfx[DNAME_MAXLEN];
        int tl = wire_read_name(out, sizeof out, g.rr[0][i].rd + 6, t, NULL);
        int sl = dname_from_text(LABEL ".dcos.directory", sfx);
        assert_true(dname_is_sub(t, (size_t)tl, sfx, (size_t)sl));
    }
    free_msg(&g);
}

static void test_result_fields(void **state)
{
    uint8_t q[512];
    answer_result_t res;
    size_t ql = query(q, "big.mesos", RRTYPE_A, -1);
    /* A cap under 512 breaks the contract: dropped, not overrun. */
    answer_query(ctx, zone, q, ql, false, out, 511, &res);
    assert_int_equal(res.action, ANSWER_DROP);
    /* Cut without TC still reports the cut. */
    answer_cfg_t c2 = cfg;
    c2.set_truncate_bit = false;
    answer_ctx_init(ctx, &c2, 7);
    answer_query(ctx, zone, q, ql, false, out, sizeof out, &res);
    assert_int_equal(res.action, ANSWER_SEND);
    assert_true(res.truncated);
    assert_false(wire_get16(out + 2) & WIRE_FLAG_TC);
    assert_int_equal(res.qtype, RRTYPE_A);
    assert_int_equal(res.rcode, DNS_RCODE_NOERROR);
    answer_ctx_init(ctx, &cfg, 42);
    /* BADVERS is reported whole (16). */
    ql = query(q, "big.mesos", RRTYPE_A, 1232);
    q[ql - 5] = 1; /* OPT version */
    answer_query(ctx, zone, q, ql, false, out, sizeof out, &res);
    assert_int_equal(res.rcode, DNS_RCODE_BADVERS);
    assert_int_equal(out[3] & 0xF, 0);
    /* Forwarding: nothing written, qtype known. */
    ql = query(q, "example.org", RRTYPE_AAAA, -1);
    answer_query(ctx, zone, q, ql, false, out, sizeof out, &res);
    assert_int_equal(res.action, ANSWER_FORWARD);
    assert_int_equal(res.qtype, RRTYPE_AAAA);
}

static void test_no_allocation(void **state)
{
#ifdef TEST_ASAN
    skip();
#else
    static const struct {
        const char *name;
        uint16_t type;
        int edns;
        bool tcp;
    } qs[] = {{"big.mesos", RRTYPE_A, -1, false},
              {"_big._tcp.mesos", RRTYPE_SRV, 1232, false},
              {"nothere.mesos", RRTYPE_A, -1, false},
              {"huge.mesos", RRTYPE_A, -1, true},
              {"_many._tcp.mesos." LABEL ".dcos.directory", RRTYPE_SRV, 4096, true},
              {"mesos", RRTYPE_ANY, 1232, false}};
    uint8_t q[512];
    answer_result_t res;
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        size_t ql = query(q, qs[i].name, qs[i].type, qs[i].edns);
        allocs = 0;
        counting = 1;
        answer_query(ctx, zone, q, ql, qs[i].tcp, out, sizeof out, &res);
        counting = 0;
        assert_int_equal(res.action, ANSWER_SEND);
        assert_int_equal(allocs, 0);
    }
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_varies),
        cmocka_unit_test(test_truncated_subsets),
        cmocka_unit_test(test_additional_follows_answer),
        cmocka_unit_test(test_huge_rrset_rotates),
        cmocka_unit_test(test_tcp_many_srv),
        cmocka_unit_test(test_result_fields),
        cmocka_unit_test(test_no_allocation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
