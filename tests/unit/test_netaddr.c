/* Unit tests of config/netaddr: the address syntax of config.json, with the
 * rules of Go's net.ParseIP / net.SplitHostPort / net.ParseCIDR. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/netaddr.h"

static void test_parse_ip(void **state)
{
    int fam;
    uint8_t a[16];
    char text[NETADDR_IPSTRLEN];
    assert_int_equal(netaddr_parse_ip("10.1.2.3", &fam, a), 0);
    assert_int_equal(fam, AF_INET);
    assert_memory_equal(a, "\x0a\x01\x02\x03", 4);
    assert_int_equal(netaddr_parse_ip("2001:0db8:0000::0001", &fam, a), 0);
    assert_int_equal(fam, AF_INET6);
    netaddr_ip_text(fam, a, text, sizeof text);
    assert_string_equal(text, "2001:db8::1");
    /* IPv4-mapped becomes IPv4, as Go's IP.String() shows it. */
    assert_int_equal(netaddr_parse_ip("::ffff:192.0.2.1", &fam, a), 0);
    assert_int_equal(fam, AF_INET);
    netaddr_ip_text(fam, a, text, sizeof text);
    assert_string_equal(text, "192.0.2.1");
    /* Go's net.IP.String() (RFC 5952): the longest zero run of two or more
     * groups becomes "::", the first of equal runs, a single zero group
     * stays "0", and an address in ::/96 is hex, not inet_ntop's dotted
     * "::0.2.0.3". */
    static const struct {
        const char *in, *out;
    } six[] = {{"::2:3", "::2:3"},
               {"::", "::"},
               {"::1", "::1"},
               {"1::", "1::"},
               {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
               {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
               {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
               {"2001:DB8:0:0:0:0:2:1", "2001:db8::2:1"}};
    for (size_t i = 0; i < sizeof six / sizeof *six; i++) {
        assert_int_equal(netaddr_parse_ip(six[i].in, &fam, a), 0);
        netaddr_ip_text(fam, a, text, sizeof text);
        if (strcmp(text, six[i].out) != 0)
            fail_msg("%s: got %s, want %s", six[i].in, text, six[i].out);
    }
    static const char *const bad[] = {
        "",      "1.2.3",  "1.2.3.4.5", "256.1.1.1", "01.2.3.4",  " 1.2.3.4",  "1.2.3.4 ",
        "[::1]", "::1%lo", "1::2::3",   "host",      "1.2.3.4/8", "0x1.2.3.4", "::ffff:1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (netaddr_parse_ip(bad[i], &fam, a) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
}

static void test_split_hostport(void **state)
{
    static const struct {
        const char *in, *host, *port;
    } good[] = {
        {"host:80", "host", "80"}, {"1.2.3.4:53", "1.2.3.4", "53"},
        {"[::1]:53", "::1", "53"}, {"[fe80::1%lo]:53", "fe80::1%lo", "53"},
        {":80", "", "80"},         {"host:", "host", ""},
        {"[::1]:", "::1", ""},     {"a.b.c:http", "a.b.c", "http"},
    };
    char host[64];
    const char *port;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        if (netaddr_split_hostport(good[i].in, host, sizeof host, &port) != 0)
            fail_msg("rejected \"%s\"", good[i].in);
        assert_string_equal(host, good[i].host);
        assert_string_equal(port, good[i].port);
    }
    /* Go: missing port, too many colons, unexpected brackets. */
    static const char *const bad[] = {"host",    "::1:53",  "[::1]",   "[::1]x:53", "[::1:53",
                                      "::1]:53", "a[b]:53", "[a]:5]3", "1.2.3.4",   ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (netaddr_split_hostport(bad[i], host, sizeof host, &port) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(netaddr_split_hostport("very-long-host-name:1", host, 8, &port), -ERANGE);
}

static void test_parse_port(void **state)
{
    uint16_t p;
    assert_int_equal(netaddr_parse_port("1", &p), 0);
    assert_int_equal(p, 1);
    assert_int_equal(netaddr_parse_port("65535", &p), 0);
    assert_int_equal(p, 65535);
    assert_int_equal(netaddr_parse_port("0053", &p), 0);
    assert_int_equal(p, 53);
    static const char *const bad[] = {"",   "0",    "65536",       "-1",        "+53",
                                      "5a", "http", "99999999999", "4294967349"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (netaddr_parse_port(bad[i], &p) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
}

static void test_hostname(void **state)
{
    assert_true(netaddr_valid_hostname("a"));
    assert_true(netaddr_valid_hostname("master-1.example.com"));
    assert_true(netaddr_valid_hostname("master-1.example.com."));
    assert_true(netaddr_valid_hostname("_srv.x"));
    assert_true(netaddr_valid_hostname("1.2.3.4.5"));
    char l63[64], l64[65];
    memset(l63, 'a', 63), l63[63] = '\0';
    memset(l64, 'a', 64), l64[64] = '\0';
    assert_true(netaddr_valid_hostname(l63));
    assert_false(netaddr_valid_hostname(l64));
    char long_name[300];
    memset(long_name, 0, sizeof long_name);
    for (int i = 0; i < 64; i++)
        strcat(long_name, "abc.");
    long_name[253] = '\0'; /* 253 characters, ending in "a" */
    assert_true(netaddr_valid_hostname(long_name));
    long_name[253] = '.'; /* plus the optional root dot */
    long_name[254] = '\0';
    assert_true(netaddr_valid_hostname(long_name));
    long_name[253] = 'b'; /* 254 characters */
    assert_false(netaddr_valid_hostname(long_name));
    static const char *const bad[] = {"", ".", "a..b", ".a", "a b", "a/b", "a:b", "ä"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (netaddr_valid_hostname(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
}

static void test_cidr(void **state)
{
    int fam;
    uint8_t a[16], p;
    char text[64];
    assert_int_equal(netaddr_parse_cidr("10.1.2.3/8", &fam, a, &p), 0);
    netaddr_cidr_text(fam, a, p, text, sizeof text);
    assert_string_equal(text, "10.0.0.0/8");
    assert_int_equal(netaddr_parse_cidr("172.31.255.255/12", &fam, a, &p), 0);
    netaddr_cidr_text(fam, a, p, text, sizeof text);
    assert_string_equal(text, "172.16.0.0/12");
    assert_int_equal(netaddr_parse_cidr("2001:db8::1", &fam, a, &p), 0);
    netaddr_cidr_text(fam, a, p, text, sizeof text);
    assert_string_equal(text, "2001:db8::1/128");
    assert_int_equal(netaddr_parse_cidr("fdff::1/7", &fam, a, &p), 0);
    netaddr_cidr_text(fam, a, p, text, sizeof text);
    assert_string_equal(text, "fc00::/7");
    assert_int_equal(netaddr_parse_cidr("::ffff:10.0.0.0/104", &fam, a, &p), 0);
    netaddr_cidr_text(fam, a, p, text, sizeof text);
    assert_string_equal(text, "10.0.0.0/8");
    assert_int_equal(netaddr_parse_cidr("0.0.0.0/0", &fam, a, &p), 0);
    assert_int_equal(p, 0);
    static const char *const bad[] = {"",
                                      "/8",
                                      "10.0.0.0/",
                                      "10.0.0.0/33",
                                      "::/129",
                                      "10.0.0.0/8/8",
                                      "10.0.0.0/-1",
                                      "10.0.0.0/ 8",
                                      "10.0.0/8",
                                      "::ffff:10.0.0.0/95",
                                      "10.0.0.0/0008"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (netaddr_parse_cidr(bad[i], &fam, a, &p) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
}

static void test_net_contains(void **state)
{
    int nf, f;
    uint8_t n[16], a[16], p, ignore;
    assert_int_equal(netaddr_parse_cidr("172.16.0.0/12", &nf, n, &p), 0);
    assert_int_equal(netaddr_parse_cidr("172.31.255.255", &f, a, &ignore), 0);
    assert_true(netaddr_net_contains(nf, n, p, f, a));
    assert_int_equal(netaddr_parse_cidr("172.32.0.0", &f, a, &ignore), 0);
    assert_false(netaddr_net_contains(nf, n, p, f, a));
    /* A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d. */
    uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 172, 20, 1, 1};
    assert_true(netaddr_net_contains(nf, n, p, AF_INET6, mapped));
    /* Families do not mix otherwise. */
    assert_int_equal(netaddr_parse_cidr("::/0", &nf, n, &p), 0);
    assert_int_equal(netaddr_parse_cidr("10.0.0.1", &f, a, &ignore), 0);
    assert_false(netaddr_net_contains(nf, n, p, f, a));
    assert_int_equal(netaddr_parse_cidr("fc00::/7", &nf, n, &p), 0);
    assert_int_equal(netaddr_parse_cidr("fdab::1", &f, a, &ignore), 0);
    assert_true(netaddr_net_contains(nf, n, p, f, a));
    assert_int_equal(netaddr_parse_cidr("fe00::1", &f, a, &ignore), 0);
    assert_false(netaddr_net_contains(nf, n, p, f, a));
    assert_int_equal(netaddr_parse_cidr("0.0.0.0/0", &nf, n, &p), 0);
    assert_int_equal(netaddr_parse_cidr("203.0.113.9", &f, a, &ignore), 0);
    assert_true(netaddr_net_contains(nf, n, p, f, a));
}

static void test_sockaddr(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    uint8_t a4[16] = {10, 1, 2, 3};
    assert_int_equal(netaddr_sockaddr(AF_INET, a4, 53, 7, &ss), sizeof(struct sockaddr_in));
    const struct sockaddr_in *s4 = (const void *)&ss;
    assert_int_equal(s4->sin_family, AF_INET);
    assert_int_equal(ntohs(s4->sin_port), 53);
    assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x0A010203);
    uint8_t a6[16];
    assert_int_equal(inet_pton(AF_INET6, "fe80::1", a6), 1);
    assert_int_equal(netaddr_sockaddr(AF_INET6, a6, 8053, 3, &ss), sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *s6 = (const void *)&ss;
    assert_int_equal(s6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(s6->sin6_port), 8053);
    assert_int_equal(s6->sin6_scope_id, 3);
    assert_memory_equal(&s6->sin6_addr, a6, 16);
}

/* Every Linux host has lo with 127.0.0.1: present unless loopback is
 * skipped, and no skipped kind ever comes back. */
static void test_local_addrs(void **state)
{
    (void)state;
    netaddr_ip_t ip[256];
    int n = netaddr_local_addrs(ip, 256, 0);
    assert_true(n >= 1);
    bool lo = false;
    for (int i = 0; i < n; i++)
        lo |= ip[i].family == AF_INET && ip[i].addr[0] == 127 && ip[i].addr[3] == 1;
    assert_true(lo);
    n = netaddr_local_addrs(ip, 256, NETADDR_SKIP_LOOPBACK | NETADDR_SKIP_LINKLOCAL);
    assert_true(n >= 0);
    static const uint8_t loop6[16] = {[15] = 1};
    for (int i = 0; i < n; i++) {
        if (ip[i].family == AF_INET) {
            assert_int_not_equal(ip[i].addr[0], 127);
            assert_false(ip[i].addr[0] == 169 && ip[i].addr[1] == 254);
        } else {
            assert_memory_not_equal(ip[i].addr, loop6, 16);
            assert_false(ip[i].addr[0] == 0xfe && (ip[i].addr[1] & 0xc0) == 0x80);
        }
    }
    assert_int_equal(netaddr_local_addrs(ip, 0, 0), 0); /* max is respected */
    /* Every address listed is local, and a documentation address is not. */
    n = netaddr_local_addrs(ip, 256, 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(netaddr_is_local(ip[i].family, ip[i].addr), 1);
    const uint8_t loop4[4] = {127, 0, 0, 1}, testnet[4] = {192, 0, 2, 77};
    assert_int_equal(netaddr_is_local(AF_INET, loop4), 1);
    assert_int_equal(netaddr_is_local(AF_INET, testnet), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ip),   cmocka_unit_test(test_split_hostport),
        cmocka_unit_test(test_parse_port), cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_cidr),       cmocka_unit_test(test_net_contains),
        cmocka_unit_test(test_sockaddr),   cmocka_unit_test(test_local_addrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
