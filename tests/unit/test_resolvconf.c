/* Unit tests of dnsd/resolvconf: parsing resolv.conf text, and the default
 * upstreams = nameservers minus this host (its interface addresses, and
 * loopback addresses this daemon listens on at port 53). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsd/resolvconf.h"

static size_t parse(const char *text, resolvconf_ns_t *out, size_t max, unsigned *bad)
{
    return resolvconf_parse(text, strlen(text), out, max, bad);
}

static void test_parse_lines(void **state)
{
    const char *text = "# generated\n"                      /* 1 */
                       "; another comment\n"                /* 2 */
                       "domain example.com\n"               /* 3 */
                       "search a.example b.example\n"       /* 4 */
                       "nameserver 192.0.2.53\n"            /* 5 */
                       "  nameserver\t2001:db8::1  # v6\n"  /* 6 */
                       "nameserver bogus\n"                 /* 7: bad */
                       "nameserver 192.0.2.53\n"            /* 8: duplicate */
                       "nameserverx 198.51.100.1\n"         /* 9: not the keyword */
                       "#nameserver 198.51.100.2\n"         /* 10: comment */
                       "options ndots:2 timeout:1\n"        /* 11 */
                       "nameserver 198.51.100.3\r\n"        /* 12: CRLF */
                       "nameserver 198.51.100.4;trailing\n" /* 13 */
                       "nameserver 300.1.1.1\n"             /* 14: bad */
                       "nameserver fe80::1%lo\n"            /* 15: scoped */
                       "nameserver fe80::2%nosuchif9\n"     /* 16: bad scope */
                       "nameserver 203.0.113.9";            /* 17: no newline */
    resolvconf_ns_t ns[16];
    unsigned bad = 99;
    size_t n = parse(text, ns, 16, &bad);
    assert_int_equal(bad, 7);
    const char *want[] = {"192.0.2.53:53",   "[2001:db8::1]:53", "198.51.100.3:53",
                          "198.51.100.4:53", "[fe80::1]:53",     "203.0.113.9:53"};
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ns[i].addr.text, want[i]);
        assert_int_equal(ns[i].addr.port, 53);
    }
    assert_int_equal(ns[0].addr.family, AF_INET);
    assert_memory_equal(ns[0].addr.addr, "\xc0\x00\x02\x35", 4);
    assert_int_equal(ns[1].addr.family, AF_INET6);
    assert_int_equal(ns[0].scope_id, 0);
    assert_int_equal(ns[4].scope_id, if_nametoindex("lo"));
    assert_true(ns[4].scope_id > 0);
}

static void test_parse_limits(void **state)
{
    char text[2048];
    size_t o = 0;
    for (int i = 1; i <= 20; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "nameserver 10.0.0.%d\n", i);
    resolvconf_ns_t ns[3];
    assert_int_equal(parse(text, ns, 3, NULL), 3);
    assert_string_equal(ns[2].addr.text, "10.0.0.3:53");
    assert_int_equal(resolvconf_parse(NULL, 10, ns, 3, NULL), 0);
    assert_int_equal(resolvconf_parse("nameserver 1.2.3.4", 0, ns, 3, NULL), 0);
    unsigned bad = 5;
    assert_int_equal(parse("nameserver\nnameserver   \n", ns, 3, &bad), 0);
    assert_int_equal(bad, 2); /* "nameserver" + blanks: an empty address */
    /* A NUL inside the text is just a bad byte, not an end. */
    assert_int_equal(
        resolvconf_parse("nameserver 1.2.3.4\0\nnameserver 5.6.7.8\n", 39, ns, 3, &bad), 1);
    assert_int_equal(bad, 1);
}

static char tmp_path[64];

static const char *write_conf(const char *text)
{
    strcpy(tmp_path, "/tmp/test_resolvconf.XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return tmp_path;
}

static size_t load(const config_t *c, const char *text, resolvconf_ns_t *out)
{
    size_t n = resolvconf_load(c, write_conf(text), out, RESOLVCONF_MAX);
    unlink(tmp_path);
    return n;
}

/* A foreign address (TEST-NET-3) that is not on this host. */
static const char FOREIGN[] = "203.0.113.77";

static void test_load_excludes_own_interfaces(void **state)
{
    struct ifaddrs *ifs;
    assert_int_equal(getifaddrs(&ifs), 0);
    config_t c = {.port = 8053, .listener = "0.0.0.0"};
    int checked = 0;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        char ip[INET6_ADDRSTRLEN], text[256];
        const void *a = i->ifa_addr->sa_family == AF_INET
                            ? (void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
                            : (void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
        inet_ntop(i->ifa_addr->sa_family, a, ip, sizeof ip);
        if (strncmp(ip, "fe80:", 5) == 0)
            continue; /* link-local needs a scope in resolv.conf */
        snprintf(text, sizeof text, "nameserver %s\nnameserver %s\n", ip, FOREIGN);
        resolvconf_ns_t ns[RESOLVCONF_MAX];
        size_t n = load(&c, text, ns);
        assert_int_equal(n, 1); /* own address gone, even on port 8053 */
        char want[64];
        snprintf(want, sizeof want, "%s:53", FOREIGN);
        assert_string_equal(ns[0].addr.text, want);
        checked++;
    }
    freeifaddrs(ifs);
    assert_true(checked >= 1); /* at least 127.0.0.1 on lo */
}

static bool kept(const config_t *c, const char *ip)
{
    char text[128];
    snprintf(text, sizeof text, "nameserver %s\n", ip);
    resolvconf_ns_t ns[RESOLVCONF_MAX], one;
    size_t n = load(c, text, ns);
    /* resolvconf_is_self says the same, without a file. */
    assert_int_equal(parse(text, &one, 1, NULL), 1);
    assert_int_equal(resolvconf_is_self(c, &one.addr), n == 0);
    return n == 1;
}

static void test_load_excludes_own_listener(void **state)
{
    /* 127.0.0.53 is loopback but not an interface address (lo has
     * 127.0.0.1/8): it is us only when we listen on it at port 53. */
    config_t c = {.port = 53, .listener = "0.0.0.0"};
    assert_false(kept(&c, "127.0.0.53"));
    assert_true(kept(&c, FOREIGN));
    c.listener = "";
    assert_false(kept(&c, "127.0.0.53"));
    c.listener = "::";
    assert_false(kept(&c, "127.0.0.53")); /* wildcards cover both families */
    c.listener = "127.0.0.53";
    assert_false(kept(&c, "127.0.0.53"));
    c.listener = "127.0.0.54";
    assert_true(kept(&c, "127.0.0.53"));
    c.listener = "10.1.2.3";
    assert_true(kept(&c, "127.0.0.53"));
    c.port = 8053;
    c.listener = "0.0.0.0";
    assert_true(kept(&c, "127.0.0.53")); /* another server on :53, not us */

    /* `listeners` entries: "IP", "IP:port", "[IPv6]:port". */
    char *l1[] = {"127.0.0.53:53"};
    c.listeners = l1;
    c.n_listeners = 1;
    assert_false(kept(&c, "127.0.0.53"));
    char *l2[] = {"127.0.0.53"}; /* the default port: 8053 */
    c.listeners = l2;
    assert_true(kept(&c, "127.0.0.53"));
    char *l3[] = {"[::]:53"};
    c.listeners = l3;
    assert_false(kept(&c, "127.0.0.53"));
    char *l4[] = {"[::1]:8053", "127.0.0.9:53"};
    c.listeners = l4;
    c.n_listeners = 2;
    assert_true(kept(&c, "127.0.0.53"));
    assert_false(kept(&c, "127.0.0.9"));
}

static void test_load_nothing(void **state)
{
    config_t c = {.port = 53, .listener = "0.0.0.0"};
    resolvconf_ns_t ns[RESOLVCONF_MAX];
    assert_int_equal(load(&c, "# empty\nsearch example.com\n", ns), 0);
    assert_int_equal(load(&c, "", ns), 0);
    assert_int_equal(resolvconf_load(&c, "/nonexistent/resolv.conf", ns, RESOLVCONF_MAX), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_lines),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_load_excludes_own_interfaces),
        cmocka_unit_test(test_load_excludes_own_listener),
        cmocka_unit_test(test_load_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
