/* Unit tests of config/ (compat spec §2): the decoding and checks of each
 * group of keys - domain and SOA, masters, IP sources, resolvers,
 * zoneResolvers, TLS and authentication, zk, listeners and ACLs - as
 * Mesos-DNS makes them (records/config.go, validation.go and its
 * validation_test.go cases), and mesos-dnsd's own keys. Expected values come
 * from the spec and Go's documented behaviour, not from this program's
 * output. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "config/config.h"

#include "config_fixture.h"

/* ----------------------------------------------------- domain and SOA */

static void test_domain(void **state)
{
    config_t c;
    ok(&c, "{\"domain\": \"MeSoS\"}");
    assert_string_equal(c.domain, "mesos");
    config_free(&c);
    /* Mesos-DNS's validation_test.go cases. */
    ok(&c, "{\"domain\": \"1-awesome.domain.e\"}");
    config_free(&c);
    ok(&c, "{\"domain\": \"single-name\"}");
    config_free(&c);
    bad("{\"domain\": \"\"}", "\"domain\"", "not a valid domain name", NULL);
    bad("{\"domain\": \".invalid.com\"}", "\"domain\"", NULL);
    bad("{\"domain\": \"invalid.com.\"}", "\"domain\"", NULL);
    bad("{\"domain\": \"a..b\"}", "\"domain\"", NULL);
    bad("{\"domain\": \"a_b\"}", "\"domain\"", NULL);
    bad("{\"domain\": \"a b\"}", "\"domain\"", NULL);
    char json[200];
    snprintf(json, sizeof json, "{\"domain\": \"%s.mesos\"}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); /* 64 */
    bad(json, "\"domain\"", NULL);
    json[strlen("{\"domain\": \"")] = '.'; /* now starts with a dot */
    bad(json, "\"domain\"", NULL);
}

static void test_soa_names(void **state)
{
    config_t c;
    ok(&c, "{\"SOAMname\": \"ns1.example.com.\", \"SOARname\": \"admin@example.com\"}");
    assert_string_equal(c.soa_mname, "ns1.example.com.");
    assert_string_equal(c.soa_rname, "admin.example.com.");
    config_free(&c);
    ok(&c, "{\"SOAMname\": \"ns1.mesos...\", \"SOARname\": \"root@ns1.mesos.\"}");
    assert_string_equal(c.soa_mname, "ns1.mesos.");
    assert_string_equal(c.soa_rname, "root.ns1.mesos.");
    config_free(&c);
    bad("{\"SOAMname\": \"\"}", "\"SOAMname\"", "not a valid DNS name", NULL);
    bad("{\"SOARname\": \"...\"}", "\"SOARname\"", NULL);
    bad("{\"SOAMname\": \"a..b\"}", "\"SOAMname\"", NULL);
    bad("{\"SOAMname\": \"a b\"}", "\"SOAMname\"", NULL);
}

static void test_services_on(void **state)
{
    config_t c;
    ok(&c, "{\"dnson\": false}");
    config_free(&c);
    ok(&c, "{\"httpon\": false}");
    config_free(&c);
    bad("{\"dnson\": false, \"HttpOn\": false}", "\"dnson\" and \"HttpOn\" are both false", NULL);
}

/* ------------------------------------------------------------ masters */

static void test_masters(void **state)
{
    /* Mesos-DNS validation_test.go TestValidateMasters, plus hostnames and
     * IPv6 (which Mesos-DNS accepts too). */
    static const struct {
        const char *list;
        bool valid;
    } cases[] = {
        {"[]", true},
        {"[\"\"]", false},
        {"[\"\", \"\"]", false},
        {"[\"a\"]", false},
        {"[\"a:1234\"]", true},
        {"[\"a\", \"b\"]", false},
        {"[\"a:1\", \"b:1\"]", true},
        {"[\"a:0\"]", false},
        {"[\"a:65535\"]", true},
        {"[\"a:65536\"]", false},
        {"[\"1.2.3.4\"]", false},
        {"[\"1.2.3.4:5\"]", true},
        {"[\"1.2.3.4.5\"]", false},
        {"[\"1.2.3.4.5:6\"]", true}, /* a host name, not checked further */
        {"[\"1.2.3.4\", \"1.2.3.4\"]", false},
        {"[\"1.2.3.4:1\", \"1.2.3.4:1\"]", false},
        {"[\"1.2.3.4:1\", \"5.6.7.8:1\"]", true},
        {"[\"[2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b]:1\"]", true},
        {"[\"[2001:db8:3c4d:15::1a2f:1a2b]:1\"]", true},
        {"[\"[2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b]:1\", \"[2001:db8:3c4d:15::1a2f:1a2b]:1\"]",
         false},
        {"[\"[::1]:5050\"]", true},
        {"[\"::1:5050\"]", false}, /* IPv6 needs brackets */
        {"[\"[::1]\"]", false},    /* and a port */
        {"[\":5050\"]", false},    /* no host */
        {"[\"master-1.example.com:5050\", \"10.0.0.1:5050\"]", true},
        {"[\"Master1.Example:5050\", \"master1.example:5050\"]", false},
        {"[\"master1.example.:5050\", \"master1.example:5050\"]", false},
        {"[\"[::ffff:10.0.0.1]:5050\", \"10.0.0.1:5050\"]", false},
        {"[\"10.0.0.1:5050\", \"10.0.0.1:5051\"]", true},
        {"[\"10.0.0.1:05050\", \"10.0.0.1:5050\"]", false},
        {"[\"bad host:5050\"]", false},
        {"[\"10.0.0.1:http\"]", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"masters\": %s}", cases[i].list);
        config_t c;
        int rc = parse(&c, json);
        if ((rc == 0) != cases[i].valid)
            fail_msg("masters %s: got %d (%s)", cases[i].list, rc, errbuf);
        if (rc < 0)
            assert_non_null(strstr(errbuf, "\"masters\""));
        config_free(&c);
    }
    config_t c;
    ok(&c, "{\"masters\": [\"[2001:DB8::1]:5050\", \"m1:5050\"]}");
    /* Kept as written; discovery and gen parse them again. */
    assert_string_equal(c.masters[0], "[2001:DB8::1]:5050");
    assert_string_equal(c.masters[1], "m1:5050");
    config_free(&c);
    bad("{\"masters\": [\"10.0.0.1:5050\", \"10.0.0.1:5050\"]}", "duplicate", NULL);
}

/* --------------------------------------------------------- IP sources */

static void test_ip_sources(void **state)
{
    config_t c;
    ok(&c, "{\"IPSources\": [\"docker\", \"mesos\", \"netinfo\", \"host\"]}");
    assert_int_equal(c.n_ip_sources, 4);
    assert_int_equal(c.ip_sources[0], IPSRC_DOCKER);
    assert_int_equal(c.ip_sources[1], IPSRC_MESOS);
    assert_int_equal(c.ip_sources[2], IPSRC_NETINFO);
    assert_int_equal(c.ip_sources[3], IPSRC_HOST);
    config_free(&c);
    bad("{\"IPSources\": []}", "\"IPSources\" is empty", NULL);
    bad("{\"IPSources\": [\"host\", \"host\"]}", "\"host\" is listed twice", NULL);
    bad("{\"IPSources\": [\"rkt\"]}", "\"rkt\" is not one of", NULL);
    bad("{\"IPSources\": [\"Host\"]}", "\"Host\"", NULL); /* exact, as in Go */
    bad("{\"IPSources\": [\"host\", \"docker\", \"mesos\", \"netinfo\", \"host\"]}", "twice", NULL);
}

/* ---------------------------------------------------------- resolvers */

static void test_resolvers(void **state)
{
    /* Mesos-DNS validation_test.go TestValidateResolvers. */
    static const struct {
        const char *list;
        bool valid;
    } cases[] = {
        {"[]", true},
        {"[\"\"]", false},
        {"[\"\", \"\"]", false},
        {"[\"a\"]", false},
        {"[\"a\", \"b\"]", false},
        {"[\"1.2.3.4\"]", true},
        {"[\"1.2.3.4:53\"]", true},
        {"[\"1.2.3.4.5\"]", false},
        {"[\"1.2.3.4\", \"1.2.3.4\"]", false},
        {"[\"1.2.3.4\", \"5.6.7.8\"]", true},
        {"[\"1.2.3.4\", \"5.6.7.8:1234\"]", true},
        {"[\"5.6.7.8:-1\"]", false},
        {"[\"5.6.7.8:65535\"]", true},
        {"[\"5.6.7.8:65536\"]", false},
        {"[\"5.6.7.8:abc\"]", false},
        {"[\"2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b\"]", true},
        {"[\"2001:db8:3c4d:15::1a2f:1a2b\"]", true},
        {"[\"2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b\", \"[2001:db8:3c4d:15::1a2f:1a2b]:55\"]",
         true},
        {"[\"2001:0db8:3c4d:0015:0000:0000:1a2f:1a2b\", \"2001:db8:3c4d:15::1a2f:1a2b\"]", false},
        /* duplicates after normalising */
        {"[\"8.8.8.8\", \"8.8.8.8:53\"]", false},
        {"[\"[::1]:53\", \"::1\"]", false},
        {"[\"[::1]\", \"::1\"]", false},
        {"[\"::ffff:8.8.8.8\", \"8.8.8.8\"]", false},
        {"[\"8.8.8.8:53\", \"8.8.8.8:5353\"]", true},
        {"[\"5.6.7.8:0\"]", false},
        {"[\"dns.google\"]", false},
        {"[\"dns.google:53\"]", false},
        {"[\"fe80::1%eth0\"]", false},
        {"[\"01.2.3.4\"]", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"resolvers\": %s}", cases[i].list);
        config_t c;
        int rc = parse(&c, json);
        if ((rc == 0) != cases[i].valid)
            fail_msg("resolvers %s: got %d (%s)", cases[i].list, rc, errbuf);
        if (rc < 0)
            assert_non_null(strstr(errbuf, "\"resolvers\""));
        config_free(&c);
    }
    config_t c;
    ok(&c, "{\"resolvers\": [\"::1\", \"[2001:db8::1]:5353\", \"10.0.0.1:54\", \"[::2]\"]}");
    assert_int_equal(c.n_resolvers, 4);
    assert_string_equal(c.resolvers[0].text, "[::1]:53");
    assert_string_equal(c.resolvers[0].raw, "::1");
    assert_int_equal(c.resolvers[0].family, AF_INET6);
    assert_string_equal(c.resolvers[1].text, "[2001:db8::1]:5353");
    assert_int_equal(c.resolvers[1].port, 5353);
    assert_string_equal(c.resolvers[2].text, "10.0.0.1:54");
    assert_int_equal(c.resolvers[2].addr[0], 10);
    assert_int_equal(c.resolvers[2].addr[3], 1);
    assert_string_equal(c.resolvers[3].text, "[::2]:53");
    config_free(&c);
    bad("{\"resolvers\": [\"8.8.8.8\", \"dns.google\"]}",
        "\"resolvers\"[1]: \"dns.google\": \"dns.google\" is not an IP address", NULL);
    bad("{\"resolvers\": [\"8.8.8.8\", \"8.8.8.8:53\"]}",
        "\"8.8.8.8:53\" is a duplicate of \"8.8.8.8\"", NULL);
}

static void test_resolvers_unchecked_without_externalon(void **state)
{
    /* Mesos-DNS checks forwarding settings only when it forwards: such a
     * config starts, with a warning, and the unused list is dropped. */
    config_t c;
    ok(&c, "{\"externalon\": false, \"resolvers\": [\"dns.google\"]}");
    assert_int_equal(c.n_resolvers, 0);
    assert_non_null(strstr(logs, "\"resolvers\""));
    assert_non_null(strstr(logs, "externalon is false"));
    config_free(&c);
    logs[0] = '\0';
    ok(&c, "{\"externalon\": false, \"zoneResolvers\": {\"mesos\": [\"10.0.0.1\"]}}");
    assert_int_equal(c.n_zone_resolvers, 0);
    assert_non_null(strstr(logs, "\"zoneResolvers\""));
    config_free(&c);
    /* Valid lists are kept. */
    ok(&c, "{\"externalon\": false, \"resolvers\": [\"10.0.0.53\"]}");
    assert_int_equal(c.n_resolvers, 1);
    config_free(&c);
}

/* ------------------------------------------------------ zoneResolvers */

static void test_zone_resolvers(void **state)
{
    /* Mesos-DNS validation_test.go TestValidateZoneResolvers, domain dc.mesos. */
    static const struct {
        const char *zones;
        bool valid;
    } cases[] = {
        {"{}", true},
        {"{\"\": [\"8.8.8.8\"]}", false},
        {"{\"weave\": [\"8.8.8.8\"]}", true},
        {"{\"weave\": []}", false},
        {"{\"weave\": null}", false},
        {"{\"mesos\": [\"8.8.8.8\"]}", false},
        {"{\"dc.mesos\": [\"8.8.8.8\"]}", false},
        {"{\"DC.Mesos\": [\"8.8.8.8\"]}", false},
        {"{\"acdc.mesos\": [\"8.8.8.8\"]}", true},
        {"{\"site.dc.mesos\": [\"8.8.8.8\"]}", false},
        {"{\"abc.com\": [\"8.8.8.8\"], \"com\": [\"8.8.8.8\"]}", false},
        {"{\"abc.com\": [\"8.8.8.8\"], \"bc.com\": [\"8.8.8.8\"]}", true},
        {"{\"Weave\": [\"8.8.8.8\"], \"weave\": [\"8.8.4.4\"]}", false},
        {"{\"weave.\": [\"8.8.8.8\"]}", false},
        {"{\"we_ave\": [\"8.8.8.8\"]}", false},
        {"{\"weave\": [\"8.8.8.8\", \"8.8.8.8:53\"]}", false},
        {"{\"weave\": [\"weave-dns\"]}", false},
        {"{\"weave\": [\"::1\", \"[::1]:5353\"]}", true},
        {"{\"a\": [\"8.8.8.8\"], \"b\": [\"8.8.8.8\"]}", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"domain\": \"dc.mesos\", \"zoneResolvers\": %s}",
                 cases[i].zones);
        config_t c;
        int rc = parse(&c, json);
        if ((rc == 0) != cases[i].valid)
            fail_msg("zoneResolvers %s: got %d (%s)", cases[i].zones, rc, errbuf);
        if (rc < 0)
            assert_non_null(strstr(errbuf, "\"zoneResolvers\""));
        config_free(&c);
    }
    bad("{\"domain\": \"dc.mesos\", \"zoneResolvers\": {\"site.dc.mesos\": [\"10.0.0.1\"]}}",
        "ambiguous zone \"site.dc.mesos\"", NULL);
    bad("{\"zoneResolvers\": {\"abc.com\": [\"10.0.0.1\"], \"com\": [\"10.0.0.2\"]}}",
        "ambiguous zones", NULL);
    config_t c;
    ok(&c, "{\"zoneResolvers\": {\"Zeta.Example\": [\"10.0.0.1\"], \"alpha\": [\"::1\"]}}");
    assert_int_equal(c.n_zone_resolvers, 2);
    assert_string_equal(c.zone_resolvers[0].zone, "alpha");
    assert_string_equal(c.zone_resolvers[1].zone, "zeta.example");
    assert_string_equal(c.zone_resolvers[0].servers[0].text, "[::1]:53");
    config_free(&c);
}

/* ------------------------------------------------------- TLS and auth */

static void test_tls_files(void **state)
{
    config_t c;
    ok(&c, "{\"CertFile\": \"/c.pem\", \"KeyFile\": \"/k.pem\"}");
    config_free(&c);
    bad("{\"CertFile\": \"/c.pem\"}", "\"CertFile\" and \"KeyFile\" go together",
        "key file is missing", NULL);
    bad("{\"keyfile\": \"/k.pem\"}", "\"keyfile\"", "certificate file is missing", NULL);
}

static void test_authentication(void **state)
{
    config_t c;
    ok(&c, "{\"mesosAuthentication\": \"basic\", \"MesosCredentials\": "
           "{\"Principal\": \"p\", \"SECRET\": \"s\"}}");
    assert_string_equal(c.mesos_principal, "p");
    assert_string_equal(c.mesos_secret, "s");
    config_free(&c);
    ok(&c, "{\"mesosAuthentication\": \"iam\", \"IAMConfigFile\": \"/etc/iam.json\"}");
    config_free(&c);
    bad("{\"mesosAuthentication\": \"basic\"}", "\"mesosAuthentication\": \"basic\" needs",
        "principal and a secret", NULL);
    bad("{\"mesosAuthentication\": \"basic\", \"mesosCredentials\": {\"principal\": \"p\"}}",
        "principal and a secret", NULL);
    bad("{\"mesosAuthentication\": \"iam\"}", "\"iam\" needs \"IAMConfigFile\"", NULL);
    bad("{\"mesosAuthentication\": \"Basic\"}", "\"Basic\" is not one of", NULL);
    bad("{\"mesosAuthentication\": \"token\"}", "\"mesosAuthentication\"", NULL);
    /* Go decodes a repeated object key into the same struct: fields merge. */
    ok(&c, "{\"mesosAuthentication\": \"basic\", \"mesosCredentials\": {\"principal\": \"p\"},"
           "\"MesosCredentials\": {\"secret\": \"s\"}}");
    assert_string_equal(c.mesos_principal, "p");
    assert_string_equal(c.mesos_secret, "s");
    config_free(&c);
    /* Credentials without a mechanism: Mesos-DNS warns, so do we. */
    ok(&c, "{\"mesosCredentials\": {\"principal\": \"p\", \"secret\": \"s\"}}");
    assert_non_null(strstr(logs, "\"mesosCredentials\" is set"));
    config_free(&c);
    logs[0] = '\0';
    ok(&c, "{\"IAMConfigFile\": \"/x\"}");
    assert_non_null(strstr(logs, "\"IAMConfigFile\" is set"));
    config_free(&c);
    /* Skipping verification is only worth a warning when HTTPS is on. */
    logs[0] = '\0';
    ok(&c, "{\"mesosTLSSkipVerify\": true}");
    assert_string_equal(logs, "");
    config_free(&c);
}

/* ----------------------------------------------------------------- zk */

static void test_zk(void **state)
{
    static const struct {
        const char *zk, *hosts, *path, *auth;
    } good[] = {
        {"zk://127.0.0.1:2181/mesos", "127.0.0.1:2181", "/mesos", ""},
        {"zk://h1:2181,h2:2182/mesos/", "h1:2181,h2:2182", "/mesos", ""},
        {"zk://h1,h2/mesos", "h1:2181,h2:2181", "/mesos", ""},
        {"zk://user:pw@h1:2181/mesos", "h1:2181", "/mesos", "user:pw"},
        {"zk://[::1]:2181,[fd00::1]/a/b", "[::1]:2181,[fd00::1]:2181", "/a/b", ""},
        {"zk://zk-1.zk:2181,zk-2.zk:2181,zk-3.zk:2181,zk-4.zk:2181,zk-5.zk:2181/mesos",
         "zk-1.zk:2181,zk-2.zk:2181,zk-3.zk:2181,zk-4.zk:2181,zk-5.zk:2181", "/mesos", ""},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"zk\": \"%s\"}", good[i].zk);
        config_t c;
        ok(&c, json);
        assert_string_equal(c.zk, good[i].zk);
        assert_string_equal(c.zk_hosts, good[i].hosts);
        assert_string_equal(c.zk_path, good[i].path);
        assert_string_equal(c.zk_auth, good[i].auth);
        config_free(&c);
    }
    static const char *const bad_zk[] = {
        "http://h1:2181/mesos", "zk://h1:2181",    "zk://h1:2181/",     "zk://h1:99999/mesos",
        "zk://h1,/mesos",       "zk://,h1/mesos",  "zk://h 1/mesos",    "zk://h1/me sos",
        "zk://h1/a//b",         "zk:///mesos",     "zk://h1/a/../b",    "zk://::1:2181/mesos",
        "zk://h1:/mesos",       "zk://[::1/mesos", "ZK://h1:2181/mesos"};
    for (size_t i = 0; i < sizeof bad_zk / sizeof bad_zk[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"zk\": \"%s\"}", bad_zk[i]);
        bad(json, "\"zk\"", "is not a ZooKeeper URL", NULL);
    }
}

/* ------------------------------------------------- listeners and ACLs */

static void test_listeners(void **state)
{
    config_t c;
    ok(&c, "{\"listener\": \"::\", \"httplistener\": \"127.0.0.1\","
           "\"listeners\": [\"127.0.0.2\", \"0:0::1\"]}");
    assert_string_equal(c.listener, "::");
    assert_int_equal(c.n_listeners, 2);
    assert_string_equal(c.listeners[0], "127.0.0.2");
    assert_string_equal(c.listeners[1], "::1"); /* canonical */
    config_free(&c);
    bad("{\"listener\": \"localhost\"}", "\"listener\": \"localhost\" is not an IP address", NULL);
    bad("{\"HTTPListener\": \"\"}", "\"HTTPListener\"", NULL);
    bad("{\"listeners\": [\"::1\", \"0::1\"]}", "\"listeners\"", "twice", NULL);
    bad("{\"listeners\": [\"10.0.0.1:53\"]}", "\"listeners\"[0]", NULL);
}

static void test_acls(void **state)
{
    config_t c;
    ok(&c, "{\"allowRecursion\": [\"10.1.2.3/8\", \"192.168.1.5\", \"fc00::/7\", \"0.0.0.0/0\"],"
           "\"allowTransfer\": []}");
    assert_int_equal(c.n_allow_recursion, 4);
    assert_net(&c.allow_recursion[0], "10.0.0.0", 8); /* host bits cleared */
    assert_net(&c.allow_recursion[1], "192.168.1.5", 32);
    assert_net(&c.allow_recursion[2], "fc00::", 7);
    assert_net(&c.allow_recursion[3], "0.0.0.0", 0);
    assert_int_equal(c.n_allow_transfer, 0);
    config_free(&c);
    bad("{\"allowRecursion\": [\"10.0.0.0/33\"]}", "\"allowRecursion\"[0]", "not an IP network",
        NULL);
    bad("{\"allowTransfer\": [\"10.0.0.0/\"]}", "\"allowTransfer\"[0]", NULL);
    bad("{\"allowTransfer\": [\"any\"]}", "\"allowTransfer\"[0]", NULL);
    bad("{\"allowTransfer\": [\"::/129\"]}", "\"allowTransfer\"[0]", NULL);
}

/* --------------------------------------------------- mesos-dnsd keys */

static void test_cluster_id(void **state)
{
    config_t c;
    ok(&c, "{\"dcosClusterId\": \"YOR6tqhiag39y6cjkdd4w9uzo45qhku6ra8hl7hpr6d9ukjaz3jo\"}");
    assert_string_equal(c.dcos_cluster_id, "yor6tqhiag39y6cjkdd4w9uzo45qhku6ra8hl7hpr6d9ukjaz3jo");
    config_free(&c);
    ok(&c, "{\"zk\": \"zk://h:2181/mesos\", \"dcosClusterIdFromZk\": true}");
    config_free(&c);
    bad("{\"dcosClusterIdFromZk\": true}", "\"dcosClusterIdFromZk\" needs \"zk\"", NULL);
    bad("{\"zk\": \"zk://h:2181/mesos\", \"dcosClusterIdFromZk\": true, \"dcosClusterId\": "
        "\"abc\"}",
        "exclude each other", NULL);
    bad("{\"dcosClusterId\": \"a.b\"}", "\"dcosClusterId\"", "not a DNS label", NULL);
    bad("{\"dcosClusterId\": \"-ab\"}", "\"dcosClusterId\"", NULL);
    bad("{\"dcosClusterId\": "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
        "\"dcosClusterId\"", NULL);
}

static void test_own_strings(void **state)
{
    config_t c;
    ok(&c, "{\"versionBind\": \"\", \"identity\": \"ns-1\", \"user\": \"mesos-dnsd\"}");
    assert_string_equal(c.version_bind, "");
    assert_string_equal(c.identity, "ns-1");
    assert_string_equal(c.user, "mesos-dnsd");
    config_free(&c);
    char json[400];
    memset(json, 0, sizeof json);
    strcpy(json, "{\"versionBind\": \"");
    memset(json + strlen(json), 'v', 256);
    strcat(json, "\"}");
    bad(json, "\"versionBind\" is longer than 255", NULL);
    bad("{\"user\": \"a:b\"}", "\"user\"", NULL);
}

static void test_ignored_mesos_dns_fields(void **state)
{
    /* SOASerial and File are fields of Mesos-DNS's Config: it accepts them
     * in the file and overwrites them. Not unknown keys. */
    config_t c;
    ok(&c, "{\"SOASerial\": 5, \"File\": \"/x.json\"}");
    assert_null(strstr(logs, "unknown"));
    assert_true(c.soa_serial > 5);
    assert_null(c.file);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_soa_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_services_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolvers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolvers_unchecked_without_externalon, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zone_resolvers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authentication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listeners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignored_mesos_dns_fields, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
