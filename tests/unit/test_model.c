/* Unit tests of discovery/model: libprocess pid splitting, IP literals
 * (Go net.ParseIP semantics, compat spec §6), Mesos port ranges (§3) and
 * the atomic reference count. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "discovery/model.h"

static void test_pid_ok(void **state)
{
    static const struct {
        const char *pid, *host;
        uint16_t port;
    } cases[] = {
        {"slave(1)@10.0.0.1:5051", "10.0.0.1", 5051},
        {"master@127.0.0.1:5050", "127.0.0.1", 5050},
        {"scheduler-3f1c@agent7.example.com:15101", "agent7.example.com", 15101},
        {"slave(1)@[fd01:b::1]:5051", "fd01:b::1", 5051},
        {"slave(1)@[::1]:65535", "::1", 65535},
        {" master@10.0.0.1:5050 ", "10.0.0.1", 5050}, /* Mesos-DNS trims spaces */
        {"@10.0.0.1:1", "10.0.0.1", 1},               /* empty name: libprocess allows it */
        {"master@localhost:5050", "localhost", 5050},
        {"slave(1)@10.0.0.1:05051", "10.0.0.1", 5051}, /* leading zero within 5 digits */
        {"slave(1)@10.0.0.1:00001", "10.0.0.1", 1},
    };
    arena_t *a = arena_new(0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *host = NULL;
        uint16_t port = 0;
        assert_int_equal(model_parse_pid(a, cases[i].pid, &host, &port), 0);
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
    }
    arena_free(&a);
}

static void test_pid_bad(void **state)
{
    static const char *const bad[] = {
        "",                          /* empty */
        "   ",                       /* only spaces */
        "slave(1)10.0.0.1:5051",     /* no '@' */
        "a@b@10.0.0.1:5051",         /* two '@' */
        "slave(1)@10.0.0.1",         /* no port */
        "slave(1)@10.0.0.1:",        /* empty port */
        "slave(1)@10.0.0.1:0",       /* port 0 */
        "slave(1)@10.0.0.1:65536",   /* port too big */
        "slave(1)@10.0.0.1:50x1",    /* port not a number */
        "slave(1)@10.0.0.1:-1",      /* negative */
        "slave(1)@:5051",            /* empty host */
        "slave(1)@fd01::1:5051",     /* unbracketed IPv6: ambiguous */
        "slave(1)@[fd01::1]5051",    /* no ':' after ']' */
        "slave(1)@[not-an-ip]:5051", /* brackets around a non-IPv6 */
        "slave(1)@[10.0.0.1]:5051",  /* brackets around IPv4 */
        "slave(1)@ho st:5051",       /* space in host */
        "slave(1)@host/x:5051",      /* '/' in host */
        "slave(1)@10.0.0.1:5051 x",  /* trailing junk after port */
        "slave(1)@10.0.0.1:005051",  /* more than 5 digits, even with leading zeros */
        "slave(1)@10.0.0.1:00000",   /* port 0 with leading zeros */
        "slave(1)@10.0.0.1:+5051",   /* sign */
    };
    arena_t *a = arena_new(0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *host = "unchanged";
        uint16_t port = 7;
        assert_int_equal(model_parse_pid(a, bad[i], &host, &port), -EINVAL);
        assert_string_equal(host, "unchanged");
        assert_int_equal(port, 7);
    }
    const char *host;
    uint16_t port;
    assert_int_equal(model_parse_pid(a, NULL, &host, &port), -EINVAL);
    arena_free(&a);
}

static void test_ip_parse(void **state)
{
    model_ip_t ip;
    assert_int_equal(model_ip_parse("10.1.2.3", &ip), 0);
    assert_int_equal(ip.family, AF_INET);
    assert_memory_equal(ip.addr, ((uint8_t[]){10, 1, 2, 3}), 4);

    assert_int_equal(model_ip_parse("fd01:b::1", &ip), 0);
    assert_int_equal(ip.family, AF_INET6);
    uint8_t want6[16] = {0xfd, 0x01, 0x00, 0x0b};
    want6[15] = 1;
    assert_memory_equal(ip.addr, want6, 16);

    /* IPv4-mapped: Go's To4() turns it into an A record. */
    assert_int_equal(model_ip_parse("::ffff:10.0.0.9", &ip), 0);
    assert_int_equal(ip.family, AF_INET);
    assert_memory_equal(ip.addr, ((uint8_t[]){10, 0, 0, 9}), 4);
    /* IPv4-compatible (deprecated) stays IPv6, as in Go. */
    assert_int_equal(model_ip_parse("::10.0.0.9", &ip), 0);
    assert_int_equal(ip.family, AF_INET6);
    assert_int_equal(model_ip_parse("::", &ip), 0);
    assert_int_equal(ip.family, AF_INET6);

    static const char *const bad[] = {
        "",           "1.2.3",        "1.2.3.4.5", "256.1.1.1", "010.1.1.1",  " 10.0.0.1",
        "10.0.0.1 ",  "fe80::1%eth0", "[::1]",     "0x1.2.3.4", "host.local", "1:2:3:4:5:6:7:8:9",
        "10.0.0.1/8", "::ffff:1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(model_ip_parse(bad[i], &ip), -EINVAL);
    assert_int_equal(model_ip_parse(NULL, &ip), -EINVAL);
    /* Length-delimited form: not NUL-terminated, embedded NUL refused. */
    assert_int_equal(model_ip_parsen("10.0.0.1xyz", 8, &ip), 0);
    assert_memory_equal(ip.addr, ((uint8_t[]){10, 0, 0, 1}), 4);
    assert_int_equal(model_ip_parsen("10.0.0.1\0"
                                     "5",
                                     10, &ip),
                     -EINVAL);
    char longtext[100];
    memset(longtext, '1', sizeof longtext);
    assert_int_equal(model_ip_parsen(longtext, sizeof longtext, &ip), -EINVAL);
}

static void check_ports(const char *text, long want_n, const model_port_range_t *want)
{
    model_port_range_t out[8];
    long n = model_parse_ports(text, strlen(text), out, 8);
    assert_int_equal(n, want_n);
    for (long i = 0; i < want_n && i < 8; i++) {
        assert_int_equal(out[i].begin, want[i].begin);
        assert_int_equal(out[i].end, want[i].end);
    }
}

static void test_ports(void **state)
{
    check_ports("[31000-31001, 31005-31005]", 2,
                (model_port_range_t[]){{31000, 31001}, {31005, 31005}});
    check_ports("[31000]", 1, (model_port_range_t[]){{31000, 31000}});
    check_ports(" [ 1 - 2 ,3,  4-4 ] ", 3, (model_port_range_t[]){{1, 2}, {3, 3}, {4, 4}});
    check_ports("[0-65535]", 1, (model_port_range_t[]){{0, 65535}});
    check_ports("[]", 0, NULL);
    check_ports("[ ]", 0, NULL);
    check_ports("", 0, NULL);
    static const char *const bad[] = {
        "31000-31001", "[31000-31001",  "31000]",   "[31000-]", "[-31000]",      "[a]",
        "[70000]",     "[31001-31000]", "[31000,]", "[,31000]", "[31000 31001]", "[1-2]x",
        "[1-2-3]",     "[1.5]",         "[+1]",     "[65536]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        model_port_range_t out[4];
        assert_int_equal(model_parse_ports(bad[i], strlen(bad[i]), out, 4), -EINVAL);
    }
}

static void test_ports_count_beyond_cap(void **state)
{
    const char *text = "[1-1, 2-2, 3-3, 4-4, 5-5]";
    model_port_range_t out[2] = {{0, 0}, {0, 0}};
    assert_int_equal(model_parse_ports(text, strlen(text), out, 2), 5);
    assert_int_equal(out[0].begin, 1);
    assert_int_equal(out[1].end, 2);
    assert_int_equal(model_parse_ports(text, strlen(text), NULL, 0), 5);
}

static model_t *new_model(void)
{
    arena_t *a = arena_new(0);
    model_t *m = arena_calloc(a, sizeof *m);
    m->arena = a;
    m->refs = 1;
    return m;
}

static void *ref_unref(void *arg)
{
    model_t *m = arg;
    for (int i = 0; i < 100000; i++) {
        model_t *r = model_ref(m);
        model_free(&r);
    }
    return NULL;
}

static void test_refcount(void **state)
{
    model_t *m = new_model();
    model_t *r = model_ref(m);
    assert_ptr_equal(r, m);
    assert_int_equal(m->refs, 2);
    model_free(&r);
    assert_null(r);
    assert_int_equal(m->refs, 1);
    /* Concurrent ref/unref pairs never reach zero early (ASan would see a
     * use-after-free) and leave the count where it was. */
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, ref_unref, m);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(m->refs, 1);
    model_free(&m); /* the last reference frees (checked by ASan/LSan) */
    assert_null(m);
    model_free(&m);   /* NULL-safe */
    model_free(NULL); /* NULL-safe */
    assert_null(model_ref(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pid_ok),
        cmocka_unit_test(test_pid_bad),
        cmocka_unit_test(test_ip_parse),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_ports_count_beyond_cap),
        cmocka_unit_test(test_refcount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
