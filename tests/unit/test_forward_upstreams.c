/* Unit tests of dnsd/forward against real BIND `named` upstreams on
 * 127.0.0.1 / ::1: the wire helpers of these tests, UDP and TCP forwarding,
 * id restoration, TC passthrough, an IPv6 upstream and the zoneResolvers
 * longest-suffix choice.
 *
 * Two named instances serve small authoritative zones; a test-owned UDP
 * socket plays the "upstream" where the test must see or shape traffic
 * (blackhole, relay to named, spoofer). Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/dname.h"
#include "dnsd/forward.h"
#include "dnsd/reply.h"
#include "dnsd/wire.h"

#include "forward_fixture.h"

/* ------------------------------------------------------------------ tests */

static void test_udp_forward_restores_id(void **state)
{
    struct fx f;
    config_addr_t r[] = {addr(AF_INET, ns_a.port)};
    fx_start(&f, r, 1, 5, 0);
    uint8_t q[512], direct[4096];
    /* Mixed case: the reply must echo the question exactly as named does. */
    size_t ql = mkquery(q, 0xBEEF, "wWw.ExAmPlE", 1, 0x0100, -1);
    assert_int_equal(submit(f.w, q, ql, false, 7), 0);
    assert_true(run_until(f.base, 1, 3000));
    assert_int_equal(got.calls, 1);
    assert_false(got.in_submit);
    assert_int_equal(got.cl.magic, 0xC11E47);
    assert_int_equal(got.cl.seq, 7);
    assert_int_equal(rd16(got.resp), 0xBEEF);
    assert_single_a(got.resp, got.len, "192.0.2.1");
    /* Everything but the id is named's reply unchanged: ask named directly
     * with the same id and compare byte for byte. */
    size_t dl = direct_udp(AF_INET, ns_a.port, q, ql, direct, sizeof direct);
    assert_int_equal(dl, got.len);
    assert_memory_equal(direct, got.resp, dl);
    assert_int_equal(fwd_worker_stats(f.w)->forwarded, 1);
    assert_int_equal(fwd_worker_stats(f.w)->retries, 0);
    /* EDNS with DO and a cookie passes through too. */
    ql = mkquery(q, 0x0102, "www.example", 1, 0x0100, 3);
    assert_int_equal(submit(f.w, q, ql, false, 8), 0);
    assert_true(run_until(f.base, 2, 3000));
    assert_int_equal(rd16(got.resp), 0x0102);
    assert_int_equal(rd16(got.resp + 10), 1); /* named's OPT */
    fx_stop(&f);
}

static void test_udp_tc_passthrough(void **state)
{
    struct fx f;
    config_addr_t r[] = {addr(AF_INET, ns_a.port)};
    fx_start(&f, r, 1, 5, 0);
    uint8_t q[512];
    size_t ql = mkquery(q, 0x7C7C, "big.example", 16, 0, -1);
    assert_int_equal(submit(f.w, q, ql, false, 1), 0);
    assert_true(run_until(f.base, 1, 3000));
    assert_int_equal(rd16(got.resp), 0x7C7C);
    assert_true(got.len <= 512);
    assert_true(got.resp[2] & 0x02); /* TC from named kept */
    assert_true(got.resp[2] & 0x04); /* AA: it is named's answer */
    assert_int_equal(got.resp[3] & 0xF, 0);
    assert_memory_equal(got.resp + 12, q + 12, ql - 12); /* question */
    fx_stop(&f);
}

static void test_tcp_forward(void **state)
{
    struct fx f;
    config_addr_t r[] = {addr(AF_INET, ns_a.port)};
    fx_start(&f, r, 1, 5, 0);
    uint8_t q[512], direct[4096];
    size_t ql = mkquery(q, 0x1234, "big.example", 16, 0x0100, -1);
    assert_int_equal(submit(f.w, q, ql, true, 1), 0);
    assert_true(run_until(f.base, 1, 3000));
    assert_int_equal(rd16(got.resp), 0x1234);
    assert_false(got.resp[2] & 0x02); /* whole answer over TCP */
    assert_true(got.len > 3000);
    check_big_txt(got.resp, got.len);
    /* A small answer over TCP is byte-identical to named's UDP one. */
    ql = mkquery(q, 0x4321, "www.example", 1, 0x0100, -1);
    assert_int_equal(submit(f.w, q, ql, true, 2), 0);
    assert_true(run_until(f.base, 2, 3000));
    size_t dl = direct_udp(AF_INET, ns_a.port, q, ql, direct, sizeof direct);
    assert_int_equal(dl, got.len);
    assert_memory_equal(direct, got.resp, dl);
    assert_int_equal(got.cl.seq, 2);
    fx_stop(&f);
}

static void test_ipv6_upstream(void **state)
{
    if (!have_v6)
        skip();
    struct fx f;
    config_addr_t r[] = {addr(AF_INET6, ns_a.port)};
    fx_start(&f, r, 1, 5, 0);
    uint8_t q[512];
    size_t ql = mkquery(q, 0x6666, "www.example", 1, 0, -1);
    assert_int_equal(submit(f.w, q, ql, false, 1), 0);
    assert_true(run_until(f.base, 1, 3000));
    assert_int_equal(rd16(got.resp), 0x6666);
    assert_single_a(got.resp, got.len, "192.0.2.1");
    ql = mkquery(q, 0x6667, "big.example", 16, 0, -1);
    assert_int_equal(submit(f.w, q, ql, true, 2), 0);
    assert_true(run_until(f.base, 2, 3000));
    check_big_txt(got.resp, got.len);
    fwd_upstream_info_t in = info(&f, 0);
    char want[64];
    snprintf(want, sizeof want, "[::1]:%u", ns_a.port);
    assert_string_equal(in.text, want);
    fx_stop(&f);
}

static void test_zone_resolvers_longest_suffix(void **state)
{
    struct fx f;
    fx_base(&f);
    /* resolvers: B; zoneResolvers: example -> A, sub.example -> B. */
    config_addr_t r[] = {addr(AF_INET, ns_b.port)};
    config_addr_t za[] = {addr(AF_INET, ns_a.port)}, zb[] = {addr(AF_INET, ns_b.port)};
    config_zone_resolver_t zr[] = {{.zone = "sub.example", .servers = zb, .n_servers = 1},
                                   {.zone = "example", .servers = za, .n_servers = 1}};
    f.cfg.zone_resolvers = zr;
    f.cfg.n_zone_resolvers = 2;
    fx_make(&f, r, 1, 5, 0);
    assert_int_equal(fwd_upstreams_count(f.u), 2);     /* B listed twice = one upstream */
    ask(&f, "www.example", false, "192.0.2.1");        /* zone example -> A */
    ask(&f, "WWW.SUB.Example", false, "198.51.100.2"); /* longer zone wins -> B */
    ask(&f, "www.sub.example", true, "198.51.100.2");  /* same over TCP */
    ask(&f, "www.other", false, "198.51.100.7");       /* no zone -> resolvers (B) */
    ask(&f, "www.notexample", false, "198.51.100.8");  /* label-wise: not in example */
    fx_stop(&f);
}

static void test_wire_helpers(void **state)
{
    uint8_t q[512], r[512], out[FWD_QUERY_MAX + 11];
    size_t ql = mkquery(q, 0x0A0B, "a.b", 1, 0x0100, -1);
    memcpy(r, q, ql);
    r[2] |= 0x80;
    assert_int_equal(reply_check(q, ql, r, ql), 0);
    r[13] = 'A';
    assert_int_equal(reply_check(q, ql, r, ql), 0); /* case-insensitive */
    r[1] ^= 1;
    assert_int_equal(reply_check(q, ql, r, ql), -EPROTO);
    r[1] ^= 1;
    assert_int_equal(reply_check(q, ql, r, ql - 1), -EPROTO);
    assert_int_equal(reply_check(q, 5, r, ql), -EINVAL);
    /* SERVFAIL without OPT: header + question only. */
    int n = reply_error(q, ql, DNS_RCODE_SERVFAIL, true, 1232, out, sizeof out);
    assert_int_equal(n, (int)ql);
    assert_int_equal(out[2], 0x81);
    assert_int_equal(out[3], 0x82);
    assert_int_equal(reply_error(q, ql, DNS_RCODE_SERVFAIL, true, 1232, out, ql - 1), -ENOSPC);
    /* A compressed question name is refused. */
    uint8_t c[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
    assert_int_equal(reply_error(c, sizeof c, DNS_RCODE_SERVFAIL, true, 1232, out, sizeof out),
                     -EINVAL);

    /* fwd_submit argument checks. */
    struct event_base *b = event_base_new();
    config_t cfg = {.external_on = true, .timeout = 1};
    config_addr_t res[] = {addr(AF_INET, 9)};
    cfg.resolvers = res;
    cfg.n_resolvers = 1;
    fwd_upstreams_t *u = fwd_upstreams_new(&cfg, NULL);
    fwd_worker_t *w = fwd_worker_new(b, u, 0, on_done, NULL);
    assert_non_null(w);
    uint8_t big[FWD_QUERY_MAX + 1] = {0};
    assert_int_equal(fwd_submit(w, big, sizeof big, false, NULL, 0), -EMSGSIZE);
    assert_int_equal(fwd_submit(w, c, sizeof c, false, NULL, 0), -EINVAL);
    assert_int_equal(fwd_submit(w, r, ql, false, NULL, 0), -EINVAL); /* a response */
    assert_int_equal(fwd_submit(w, q, ql, false, NULL, FWD_CLIENT_MAX + 1), -EINVAL);
    fwd_worker_free(&w);
    fwd_upstreams_free(&u);
    event_base_free(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_helpers),
        cmocka_unit_test(test_udp_forward_restores_id),
        cmocka_unit_test(test_udp_tc_passthrough),
        cmocka_unit_test(test_tcp_forward),
        cmocka_unit_test(test_ipv6_upstream),
        cmocka_unit_test(test_zone_resolvers_longest_suffix),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
