/* Unit tests of dnsd/forward against real BIND `named` upstreams on
 * 127.0.0.1 / ::1: what keeps the forwarder safe - the pending-query limit,
 * spoofed replies dropped, the EDNS size capped, random query ids and source
 * ports, socket rotation.
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

static void test_pending_overflow(void **state)
{
    struct fx f;
    struct peer bh;
    fx_base(&f);
    peer_start(&bh, f.base, PEER_BLACKHOLE);
    config_addr_t r[] = {addr(AF_INET, bh.port)};
    fx_make(&f, r, 1, 5, 2);
    uint8_t q[512];
    size_t ql = mkquery(q, 1, "www.example", 1, 0, -1);
    assert_int_equal(submit(f.w, q, ql, false, 1), 0);
    assert_int_equal(submit(f.w, q, ql, false, 2), 0);
    assert_int_equal(submit(f.w, q, ql, false, 3), -EAGAIN);
    assert_int_equal(submit(f.w, q, ql, true, 4), -EAGAIN);
    assert_int_equal(fwd_worker_stats(f.w)->overflow, 2);
    run_for(f.base, 100);
    assert_int_equal(bh.seen, 2);
    assert_int_equal(got.calls, 0);
    /* Freed with queries pending: they are dropped, done never runs. */
    peer_stop(&bh);
    fx_stop(&f);
    assert_int_equal(got.calls, 0);

    /* TCP connection budget: FWD_TCP_MAX connections to a listener that
     * never accepts, the next one is refused. */
    int lfd = bind_sock(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    assert_int_equal(listen(lfd, 256), 0);
    config_addr_t rt[] = {addr(AF_INET, sock_port(lfd))};
    fx_start(&f, rt, 1, 5, 256);
    for (int i = 0; i < FWD_TCP_MAX; i++)
        assert_int_equal(submit(f.w, q, ql, true, (uint32_t)i), 0);
    assert_int_equal(submit(f.w, q, ql, true, 99), -EAGAIN);
    assert_int_equal(submit(f.w, q, ql, false, 100), 0); /* UDP still fine */
    run_for(f.base, 100);
    fx_stop(&f);
    close(lfd);
}

static void spoof(struct peer *p, int fd, const uint8_t *m, size_t len)
{
    assert_int_equal(sendto(fd, m, len, 0, (struct sockaddr *)&p->from, p->fromlen), (ssize_t)len);
}

static void test_spoofed_replies_dropped(void **state)
{
    struct fx f;
    struct peer up;
    fx_base(&f);
    peer_start(&up, f.base, PEER_BLACKHOLE);
    config_addr_t r[] = {addr(AF_INET, up.port)};
    fx_make(&f, r, 1, 5, 0);
    uint8_t q[512];
    size_t ql = mkquery(q, 0x5555, "www.example", 1, 0x0100, -1);
    assert_int_equal(submit(f.w, q, ql, false, 1), 0);
    for (int64_t end = now_ms() + 2000; up.seen == 0 && now_ms() < end;)
        run_for(f.base, 10);
    assert_int_equal(up.seen, 1);
    assert_int_equal(up.qlen, ql);
    assert_memory_equal(up.q + 2, q + 2, ql - 2); /* only the id differs */
    uint16_t id = rd16(up.q);

    /* The real answer, fetched from named with the forwarder's id. */
    uint8_t real[4096];
    size_t rl = direct_udp(AF_INET, ns_a.port, up.q, up.qlen, real, sizeof real);
    assert_true(rl > ql);
    uint8_t bad[4096];
    int other = bind_sock(AF_INET, SOCK_DGRAM, 0);

    spoof(&up, other, real, rl); /* right everything, wrong source port */
    memcpy(bad, real, rl);
    wr16(bad, (uint16_t)(id + 1)); /* wrong id */
    spoof(&up, up.fd, bad, rl);
    memcpy(bad, real, rl);
    bad[2] &= 0x7F; /* not a response */
    spoof(&up, up.fd, bad, rl);
    memcpy(bad, real, rl);
    bad[12 + 1] = 'x'; /* other name: xww.example */
    spoof(&up, up.fd, bad, rl);
    memcpy(bad, real, rl);
    wr16(bad + 12 + 13, 28); /* AAAA */
    spoof(&up, up.fd, bad, rl);
    memcpy(bad, real, rl);
    wr16(bad + 12 + 13 + 2, 3); /* class CH */
    spoof(&up, up.fd, bad, rl);
    memcpy(bad, real, 12);
    wr16(bad + 4, 0); /* no question */
    spoof(&up, up.fd, bad, 12);
    spoof(&up, up.fd, real, 7); /* runt */
    run_for(f.base, 300);
    assert_int_equal(got.calls, 0);

    /* The genuine reply, with the question in another case (0x20). */
    memcpy(bad, real, rl);
    memcpy(bad + 13, "WWW", 3);
    spoof(&up, up.fd, bad, rl);
    assert_true(run_until(f.base, 1, 2000));
    assert_int_equal(rd16(got.resp), 0x5555);
    assert_int_equal(got.len, rl);
    assert_memory_equal(got.resp + 2, bad + 2, rl - 2);
    /* A duplicate after the answer is ignored. */
    spoof(&up, up.fd, real, rl);
    run_for(f.base, 200);
    assert_int_equal(got.calls, 1);
    close(other);
    peer_stop(&up);
    fx_stop(&f);
}

static void test_edns_size_capped(void **state)
{
    struct fx f;
    struct peer up;
    fx_base(&f);
    peer_start(&up, f.base, PEER_BLACKHOLE);
    config_addr_t r[] = {addr(AF_INET, up.port)};
    fx_make(&f, r, 1, 5, 0); /* ednsMaxPayload unset: 1232 */
    uint8_t q[512];
    /* The OPT of "www.example" starts at 12 + 13 + 4; its CLASS is the
     * UDP size. A client's 4096 goes upstream as 1232, 800 stays 800. */
    size_t ql = mkquery(q, 0x0E0E, "www.example", 1, 0x0100, 1);
    const size_t cls = 12 + 13 + 4 + 3;
    assert_int_equal(rd16(q + cls), 4096);
    assert_int_equal(submit(f.w, q, ql, false, 1), 0);
    for (int64_t end = now_ms() + 2000; up.seen < 1 && now_ms() < end;)
        run_for(f.base, 10);
    assert_int_equal(up.seen, 1);
    assert_int_equal(up.qlen, ql);
    assert_int_equal(rd16(up.q + cls), 1232);
    wr16(up.q + cls, 4096);
    assert_memory_equal(up.q + 2, q + 2, ql - 2); /* nothing else changed */
    wr16(q + cls, 800);
    assert_int_equal(submit(f.w, q, ql, false, 2), 0);
    for (int64_t end = now_ms() + 2000; up.seen < 2 && now_ms() < end;)
        run_for(f.base, 10);
    assert_int_equal(up.seen, 2);
    assert_memory_equal(up.q + 2, q + 2, ql - 2);
    peer_stop(&up);
    fx_stop(&f);
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void test_ids_unique_ports_random(void **state)
{
    struct fx f;
    struct peer bh;
    fx_base(&f);
    peer_start(&bh, f.base, PEER_BLACKHOLE);
    config_addr_t r[] = {addr(AF_INET, bh.port)};
    fx_make(&f, r, 1, 5, 1024);
    enum { N = 1000 };
    uint8_t q[512];
    size_t ql = mkquery(q, 0x1111, "www.example", 1, 0, -1);
    for (int i = 0; i < N; i++)
        assert_int_equal(submit(f.w, q, ql, false, (uint32_t)i), 0);
    for (int64_t end = now_ms() + 3000; bh.seen < N && now_ms() < end;)
        run_for(f.base, 10);
    assert_int_equal(bh.seen, N);
    uint16_t ids[N], ports[N];
    memcpy(ids, bh.ids, sizeof ids);
    memcpy(ports, bh.ports, sizeof ports);
    qsort(ids, N, sizeof ids[0], cmp_u16);
    qsort(ports, N, sizeof ports[0], cmp_u16);
    int same_as_client = 0, distinct_ports = 1;
    for (int i = 0; i < N; i++) {
        if (i > 0)
            assert_int_not_equal(ids[i], ids[i - 1]); /* unique among pending */
        same_as_client += ids[i] == 0x1111;
        if (i > 0 && ports[i] != ports[i - 1])
            distinct_ports++;
    }
    assert_true(same_as_client <= 1);
    /* Random: not a counter. Among sorted ids, the spread covers the space. */
    assert_true(ids[0] < 2000 && ids[N - 1] > 63000);
    assert_int_equal(distinct_ports, FWD_UDP_SOCKS);
    peer_stop(&bh);
    fx_stop(&f);
}

static void test_socket_rotation(void **state)
{
    struct fx f;
    struct peer echo;
    fx_base(&f);
    peer_start(&echo, f.base, PEER_ECHO);
    config_addr_t r[] = {addr(AF_INET, echo.port)};
    fx_make(&f, r, 1, 5, 0);
    uint8_t q[512];
    size_t ql = mkquery(q, 0x2222, "www.example", 1, 0, -1);
    /* Every socket re-opens (new port) after FWD_SOCK_ROTATE queries. */
    enum { N = FWD_UDP_SOCKS * FWD_SOCK_ROTATE + 1000, BATCH = 200 };
    uint16_t seen_ports[64];
    int n_ports = 0, done = 0;
    while (done < N) {
        int batch = BATCH;
        for (int i = 0; i < batch; i++)
            assert_int_equal(submit(f.w, q, ql, false, (uint32_t)i), 0);
        assert_true(run_until(f.base, done + batch, 3000));
        for (int i = 0; i < batch && i < 4096; i++) {
            uint16_t p = echo.ports[i];
            bool known = false;
            for (int k = 0; k < n_ports; k++)
                known |= seen_ports[k] == p;
            if (!known && n_ports < 64)
                seen_ports[n_ports++] = p;
        }
        echo.seen = 0;
        done += batch;
    }
    assert_int_equal(got.calls, done);
    assert_int_equal(rd16(got.resp), 0x2222);
    assert_true(n_ports > FWD_UDP_SOCKS);
    peer_stop(&echo);
    fx_stop(&f);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending_overflow), cmocka_unit_test(test_spoofed_replies_dropped),
        cmocka_unit_test(test_edns_size_capped), cmocka_unit_test(test_ids_unique_ports_random),
        cmocka_unit_test(test_socket_rotation),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
