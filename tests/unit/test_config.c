/* Unit tests of config/: every key, default and decoding rule of compat
 * spec §2, the checks Mesos-DNS makes (records/config.go, validation.go and
 * its validation_test.go cases), mesos-dnsd's own keys, and the /v1/config
 * JSON of spec §8. Expected values come from the spec and Go's documented
 * behaviour, not from this program's output. */
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

/* ------------------------------------------------------------ harness */

static char errbuf[1024];
static char logs[16384]; /* warnings and errors logged during a test */

static void sink(void *ctx, enum log_level level, const char *msg)
{
    (void)ctx;
    if (level > LOG_LVL_WARN)
        return;
    size_t n = strlen(logs);
    snprintf(logs + n, sizeof logs - n, "%s\n", msg);
}

static int setup(void **state)
{
    logs[0] = '\0';
    errbuf[0] = '\0';
    log_set_sink(sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    log_set_sink(NULL, NULL);
    return 0;
}

static int parse(config_t *c, const char *json)
{
    return config_parse(c, json, strlen(json), errbuf, sizeof errbuf);
}

/* Parse `json`, which must succeed. */
static void ok(config_t *c, const char *json)
{
    int rc = parse(c, json);
    if (rc != 0)
        fail_msg("parse failed (%d): %s\ninput: %s", rc, errbuf, json);
}

/* Parse `json`, which must fail with -EINVAL and a message containing each
 * of the NULL-terminated needles. */
static void bad(const char *json, ...)
{
    config_t c;
    int rc = parse(&c, json);
    if (rc != -EINVAL)
        fail_msg("expected -EINVAL, got %d for: %s", rc, json);
    if (strncmp(errbuf, "config: ", 8) != 0)
        fail_msg("message lacks the prefix: %s", errbuf);
    if (strchr(errbuf, '\n'))
        fail_msg("message is not one line: %s", errbuf);
    va_list ap;
    va_start(ap, json);
    const char *needle;
    while ((needle = va_arg(ap, const char *)) != NULL)
        if (!strstr(errbuf, needle))
            fail_msg("message \"%s\" lacks \"%s\" (input %s)", errbuf, needle, json);
    va_end(ap);
    /* On failure the config is zeroed: freeing it again is harmless. */
    assert_null(c.domain);
    config_free(&c);
}

static char *data_path(const char *name)
{
    const char *src = getenv("MDNS_SRC");
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/config/%s", src ? src : ".", name);
    return path;
}

static char *tmp_file(const char *content)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_config.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

/* ----------------------------------------------------------- defaults */

static void assert_net(const config_net_t *n, const char *ip, int prefix)
{
    char text[64];
    assert_non_null(inet_ntop(n->family, n->addr, text, sizeof text));
    assert_string_equal(text, ip);
    assert_int_equal(n->prefix, prefix);
}

static void test_defaults(void **state)
{
    config_t c;
    ok(&c, "{}");
    assert_string_equal(c.zk, "");
    assert_int_equal(c.zk_detection_timeout, 30);
    assert_int_equal(c.n_masters, 0);
    assert_true(c.masters_nil);
    assert_int_equal(c.refresh_seconds, 60);
    assert_int_equal(c.state_timeout_seconds, 300);
    assert_int_equal(c.ttl, 60);
    assert_string_equal(c.domain, "mesos");
    assert_int_equal(c.port, 53);
    assert_string_equal(c.listener, "0.0.0.0");
    assert_string_equal(c.http_listener, "0.0.0.0");
    assert_int_equal(c.http_port, 8123);
    assert_true(c.dns_on && c.http_on && c.external_on && c.recurse_on);
    assert_int_equal(c.n_resolvers, 1);
    assert_string_equal(c.resolvers[0].text, "8.8.8.8:53");
    assert_string_equal(c.resolvers[0].raw, "8.8.8.8");
    assert_int_equal(c.resolvers[0].family, AF_INET);
    assert_int_equal(c.resolvers[0].port, 53);
    assert_false(c.resolvers_nil);
    assert_int_equal(c.n_zone_resolvers, 0);
    assert_false(c.zone_resolvers_nil);
    assert_int_equal(c.timeout, 5);
    assert_string_equal(c.soa_mname, "ns1.mesos.");
    assert_string_equal(c.soa_rname, "root.ns1.mesos.");
    assert_int_equal(c.soa_refresh, 60);
    assert_int_equal(c.soa_retry, 600);
    assert_int_equal(c.soa_expire, 86400);
    assert_int_equal(c.soa_minttl, 60);
    assert_int_equal(c.srv_weight, 1);
    assert_int_equal(c.n_ip_sources, 3);
    assert_int_equal(c.ip_sources[0], IPSRC_NETINFO);
    assert_int_equal(c.ip_sources[1], IPSRC_MESOS);
    assert_int_equal(c.ip_sources[2], IPSRC_HOST);
    assert_false(c.enforce_rfc952);
    assert_true(c.set_truncate_bit);
    assert_true(c.enumeration_on);
    assert_false(c.mesos_https_on);
    assert_string_equal(c.ca_cert_file, "");
    assert_string_equal(c.cert_file, "");
    assert_string_equal(c.key_file, "");
    assert_string_equal(c.mesos_authentication, "");
    assert_string_equal(c.mesos_principal, "");
    assert_string_equal(c.mesos_secret, "");
    assert_string_equal(c.iam_config_file, "");
    /* mesos-dnsd's own */
    assert_true(c.legacy_raw_names);
    assert_false(c.mesos_tls_skip_verify);
    assert_int_equal(c.state_max_bytes, 1073741824); /* 1 GiB */
    assert_int_equal(c.edns_max_payload, 1232);
    assert_int_equal(c.workers, 0);
    assert_int_equal(c.n_listeners, 0);
    assert_int_equal(c.n_allow_recursion, 6);
    assert_net(&c.allow_recursion[0], "127.0.0.0", 8);
    assert_net(&c.allow_recursion[1], "10.0.0.0", 8);
    assert_net(&c.allow_recursion[2], "172.16.0.0", 12);
    assert_net(&c.allow_recursion[3], "192.168.0.0", 16);
    assert_net(&c.allow_recursion[4], "::1", 128);
    assert_net(&c.allow_recursion[5], "fc00::", 7);
    assert_int_equal(c.n_allow_transfer, 2);
    assert_net(&c.allow_transfer[0], "127.0.0.0", 8);
    assert_net(&c.allow_transfer[1], "::1", 128);
    assert_string_equal(c.identity, "");
    assert_string_equal(c.version_bind, "mesos-dnsd " MDNS_VERSION);
    assert_string_equal(c.dcos_cluster_id, "");
    assert_false(c.dcos_cluster_id_from_zk);
    assert_int_equal(c.ready_max_age, 180); /* 3 x refreshSeconds */
    assert_string_equal(c.user, "");
    assert_null(c.file);
    assert_null(c.state_file);
    assert_string_equal(logs, "");
    config_free(&c);
    assert_null(c.domain);
    config_free(&c); /* twice is harmless */
    config_free(NULL);
}

static void test_defaults_function(void **state)
{
    config_t c;
    assert_int_equal(config_defaults(&c), 0);
    /* Before the checks run SOA names are as Mesos-DNS's defaults are written. */
    assert_string_equal(c.soa_mname, "ns1.mesos");
    assert_string_equal(c.domain, "mesos");
    assert_int_equal(c.n_resolvers, 1);
    config_free(&c);
}

static void test_top_level_forms(void **state)
{
    config_t c;
    ok(&c, "null"); /* Go: null into a struct changes nothing */
    assert_int_equal(c.port, 53);
    config_free(&c);
    ok(&c, " \n{ }\n ");
    config_free(&c);
    bad("[]", "expected a JSON object", "got array", NULL);
    bad("\"x\"", "expected a JSON object", NULL);
    bad("", "line", NULL);
    bad("{", "line 1", NULL);
    bad("{} x", "line 1", NULL);
    bad("{\"port\": 53,}", "line 1", NULL);
    bad("{\"port\": 99999999999999999999}", "too big", NULL);
    bad("{\"domain\": \"a\\u0000b\"}", "line 1", NULL);
    bad("{\"domain\": \"\xff\"}", "line 1", NULL);
}

/* ----------------------------------------------------- Mesos-DNS files */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_mesos_dns_sample(void **state)
{
    /* config.json.sample of the Mesos-DNS repository, unchanged. */
    config_t c;
    ok(&c, slurp(data_path("mesos-dns-sample.json")));
    assert_string_equal(c.zk, "zk://127.0.0.1:2181/mesos");
    assert_string_equal(c.zk_hosts, "127.0.0.1:2181");
    assert_string_equal(c.zk_path, "/mesos");
    assert_int_equal(c.n_masters, 1);
    assert_string_equal(c.masters[0], "127.0.0.1:5050");
    assert_int_equal(c.port, 8053);
    assert_int_equal(c.http_port, 8123);
    assert_string_equal(c.resolvers[0].text, "8.8.8.8:53");
    /* "email" is no Mesos-DNS key (Go ignores it): warned by name. */
    assert_non_null(strstr(logs, "unknown key \"email\""));
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), 0);
    config_free(&c);
}

static void test_mesos_dns_docs_example(void **state)
{
    config_t c;
    ok(&c, slurp(data_path("mesos-dns-docs-example.json")));
    assert_int_equal(c.n_masters, 3);
    assert_string_equal(c.mesos_authentication, "basic");
    assert_string_equal(c.mesos_principal, "my-mesos-dns-principal");
    assert_string_equal(c.mesos_secret, "super-secret");
    assert_int_equal(c.n_zone_resolvers, 1);
    assert_string_equal(c.zone_resolvers[0].zone, "weave");
    assert_string_equal(c.zone_resolvers[0].servers[0].text, "172.17.0.1:53");
    assert_string_equal(c.listener, "10.101.160.16");
    assert_string_equal(c.soa_mname, "ns1.mesos.");
    assert_string_equal(logs, "");
    config_free(&c);
}

static void test_every_key(void **state)
{
    config_t c;
    ok(&c, slurp(data_path("every-key.json")));
    assert_string_equal(c.zk_hosts, "zk1.example:2181,[fd00::5]:2182,10.0.0.7:2181");
    assert_string_equal(c.zk_path, "/mesos");
    assert_int_equal(c.zk_detection_timeout, 0);
    assert_int_equal(c.n_masters, 3);
    assert_string_equal(c.masters[2], "[fd00::2]:5050");
    assert_false(c.masters_nil);
    assert_int_equal(c.refresh_seconds, 30);
    assert_int_equal(c.state_timeout_seconds, 20);
    assert_int_equal(c.ttl, 10);
    assert_string_equal(c.domain, "dc1.example");
    assert_int_equal(c.port, 8053);
    assert_string_equal(c.listener, "10.0.0.5");
    assert_string_equal(c.http_listener, "127.0.0.1");
    assert_int_equal(c.http_port, 8124);
    assert_true(c.dns_on);
    assert_false(c.http_on);
    assert_true(c.external_on);
    assert_false(c.recurse_on);
    assert_int_equal(c.n_resolvers, 2);
    assert_string_equal(c.resolvers[0].text, "10.0.0.53:53");
    assert_string_equal(c.resolvers[1].text, "[fd00::53]:5353");
    assert_int_equal(c.resolvers[1].family, AF_INET6);
    assert_int_equal(c.resolvers[1].port, 5353);
    assert_int_equal(c.n_zone_resolvers, 2);
    assert_string_equal(c.zone_resolvers[0].zone, "corp.example"); /* sorted */
    assert_int_equal(c.zone_resolvers[0].n_servers, 2);
    assert_string_equal(c.zone_resolvers[0].servers[1].text, "[::1]:53");
    assert_string_equal(c.zone_resolvers[1].zone, "weave");
    assert_int_equal(c.timeout, 3);
    assert_string_equal(c.soa_mname, "ns.dc1.example.");
    assert_string_equal(c.soa_rname, "hostmaster.dc1.example.");
    assert_int_equal(c.soa_refresh, 120);
    assert_int_equal(c.soa_retry, 30);
    assert_int_equal(c.soa_expire, 604800);
    assert_int_equal(c.soa_minttl, 5);
    assert_int_equal(c.srv_weight, 10);
    assert_int_equal(c.n_ip_sources, 2);
    assert_int_equal(c.ip_sources[0], IPSRC_HOST);
    assert_int_equal(c.ip_sources[1], IPSRC_DOCKER);
    assert_true(c.enforce_rfc952);
    assert_false(c.set_truncate_bit);
    assert_false(c.enumeration_on);
    assert_true(c.mesos_https_on);
    assert_string_equal(c.ca_cert_file, "/etc/ssl/certs/ca-certificates.crt");
    assert_string_equal(c.cert_file, "/etc/mesos-dnsd/client.crt");
    assert_string_equal(c.key_file, "/etc/mesos-dnsd/client.key");
    assert_string_equal(c.mesos_authentication, "iam");
    assert_string_equal(c.iam_config_file, "/etc/mesos-dnsd/iam.json");
    assert_false(c.legacy_raw_names);
    assert_true(c.mesos_tls_skip_verify);
    assert_int_equal(c.state_max_bytes, 5000000);
    assert_int_equal(c.edns_max_payload, 4096);
    assert_int_equal(c.workers, 2);
    assert_int_equal(c.n_listeners, 2);
    assert_string_equal(c.listeners[1], "::1");
    assert_int_equal(c.n_allow_recursion, 2);
    assert_net(&c.allow_recursion[1], "fd00::", 8);
    assert_int_equal(c.n_allow_transfer, 2);
    assert_net(&c.allow_transfer[0], "192.0.2.1", 32);
    assert_string_equal(c.identity, "ns-a");
    assert_string_equal(c.version_bind, "");
    assert_true(c.dcos_cluster_id_from_zk);
    assert_int_equal(c.ready_max_age, 45);
    assert_string_equal(c.user, "nobody");
    /* The only warning: TLS verification is off (SOASerial is accepted). */
    assert_non_null(strstr(logs, "mesosTLSSkipVerify"));
    assert_null(strstr(logs, "unknown"));
    config_free(&c);
}

/* -------------------------------------------------- decoding semantics */

static void test_keys_case_insensitive(void **state)
{
    config_t c;
    ok(&c, "{\"DNSON\": false, \"HttpOn\": true, \"PORT\": 1053, \"Domain\": \"x\","
           "\"soamname\": \"a.b\", \"ipsources\": [\"host\"], \"ZONERESOLVERS\": {}}");
    assert_false(c.dns_on);
    assert_int_equal(c.port, 1053);
    assert_string_equal(c.domain, "x");
    assert_string_equal(c.soa_mname, "a.b.");
    assert_int_equal(c.ip_sources[0], IPSRC_HOST);
    assert_string_equal(logs, "");
    config_free(&c);
    /* One key in two spellings: the last one wins, as Go assigns in order. */
    ok(&c, "{\"dnson\": false, \"DnsOn\": true}");
    assert_true(c.dns_on);
    config_free(&c);
    ok(&c, "{\"DnsOn\": true, \"dnson\": false}");
    assert_false(c.dns_on);
    config_free(&c);
    ok(&c, "{\"Port\": 1, \"port\": 2, \"PORT\": 3}");
    assert_int_equal(c.port, 3);
    config_free(&c);
    /* Escapes in key names are decoded first. */
    ok(&c, "{\"\\u0070ort\": 5353}");
    assert_int_equal(c.port, 5353);
    config_free(&c);
}

static void test_duplicate_key_last_wins(void **state)
{
    config_t c;
    ok(&c, "{\"port\": 1, \"port\": 2}");
    assert_int_equal(c.port, 2);
    assert_non_null(strstr(logs, "duplicate"));
    config_free(&c);
}

static void test_unknown_keys_warned(void **state)
{
    config_t c;
    ok(&c, "{\"resolver\": [\"1.1.1.1\"], \"flavour\": 1, \"mesosCredentials\": "
           "{\"principal\": \"p\", \"token\": \"t\"}}");
    /* The typo is named, with the key it probably meant. */
    assert_non_null(strstr(logs, "unknown key \"resolver\" ignored (did you mean \"resolvers\"?)"));
    assert_non_null(strstr(logs, "unknown key \"flavour\" ignored\n"));
    assert_non_null(strstr(logs, "unknown key \"mesosCredentials.token\""));
    /* Ignored means ignored: resolvers keeps its default. */
    assert_string_equal(c.resolvers[0].text, "8.8.8.8:53");
    config_free(&c);
}

static void test_wrong_types_name_the_key(void **state)
{
    config_t c;
    assert_int_equal(parse(&c, "{\"port\": \"53\"}"), -EINVAL);
    assert_string_equal(errbuf, "config: \"port\": expected an integer, got string");
    /* The key as the file writes it. */
    bad("{\"Port\": true}", "\"Port\": expected an integer, got boolean", NULL);
    bad("{\"ttl\": 60.0}", "\"ttl\": expected an integer", NULL);
    bad("{\"ttl\": 6e1}", "\"ttl\": expected an integer", NULL);
    bad("{\"dnson\": \"true\"}", "\"dnson\": expected a boolean", "got string", NULL);
    bad("{\"externalon\": 1}", "\"externalon\": expected a boolean", "got integer", NULL);
    bad("{\"domain\": 5}", "\"domain\": expected a string, got integer", NULL);
    bad("{\"zk\": []}", "\"zk\": expected a string, got array", NULL);
    bad("{\"masters\": \"10.0.0.1:5050\"}", "\"masters\": expected an array of strings", NULL);
    bad("{\"masters\": [\"10.0.0.1:5050\", 5050]}", "\"masters\"[1]: expected a string", NULL);
    bad("{\"resolvers\": {}}", "\"resolvers\": expected an array", "got object", NULL);
    bad("{\"IPSources\": [null]}", "\"IPSources\"[0]: expected a string, got null", NULL);
    bad("{\"zoneResolvers\": []}", "\"zoneResolvers\": expected an object", NULL);
    bad("{\"zoneResolvers\": {\"weave\": \"1.2.3.4\"}}", "\"zoneResolvers\".\"weave\"",
        "expected an array", NULL);
    bad("{\"mesosCredentials\": \"p:s\"}", "\"mesosCredentials\": expected an object", NULL);
    bad("{\"mesosCredentials\": {\"secret\": 1}}", "\"mesosCredentials\".\"secret\"", NULL);
    bad("{\"listeners\": \"127.0.0.1\"}", "\"listeners\": expected an array", NULL);
    bad("{\"allowRecursion\": [1]}", "\"allowRecursion\"[0]", NULL);
    bad("{\"legacyRawNames\": 0}", "\"legacyRawNames\": expected a boolean", NULL);
    bad("{\"ednsMaxPayload\": \"1232\"}", "\"ednsMaxPayload\": expected an integer", NULL);
    bad("{\"user\": false}", "\"user\": expected a string", NULL);
    bad("{\"SOASerial\": \"x\"}", "\"SOASerial\": expected an integer", NULL);
    bad("{\"File\": 1}", "\"File\": expected a string", NULL);
}

static void test_nulls(void **state)
{
    config_t c;
    /* null scalars keep their defaults; null lists are empty. */
    ok(&c, "{\"port\": null, \"domain\": null, \"dnson\": null, \"mesosCredentials\": null,"
           "\"masters\": null, \"resolvers\": null, \"zoneResolvers\": null,"
           "\"listeners\": null, \"allowRecursion\": null, \"allowTransfer\": null}");
    assert_int_equal(c.port, 53);
    assert_string_equal(c.domain, "mesos");
    assert_true(c.dns_on);
    assert_int_equal(c.n_masters, 0);
    assert_true(c.masters_nil);
    assert_int_equal(c.n_resolvers, 0);
    assert_true(c.resolvers_nil);
    assert_int_equal(c.n_zone_resolvers, 0);
    assert_true(c.zone_resolvers_nil);
    assert_int_equal(c.n_listeners, 0);
    assert_int_equal(c.n_allow_recursion, 0);
    assert_int_equal(c.n_allow_transfer, 0);
    config_free(&c);
    /* An empty list is not null (Go tells them apart in /v1/config). */
    ok(&c, "{\"masters\": [], \"resolvers\": []}");
    assert_false(c.masters_nil);
    assert_false(c.resolvers_nil);
    assert_int_equal(c.n_resolvers, 0);
    config_free(&c);
    /* IPSources may not be empty, and null is empty. */
    bad("{\"IPSources\": null}", "\"IPSources\" is empty", NULL);
}

/* ----------------------------------------------------------- ranges */

static void test_integer_ranges(void **state)
{
    config_t c;
    ok(&c, "{\"port\": 0, \"httpport\": 65535, \"ttl\": 2147483647, \"SOARefresh\": 4294967295,"
           "\"SOAMinttl\": 0, \"srvRecordDefaultWeight\": 65535, \"zkDetectionTimeout\": 0,"
           "\"timeout\": 0, \"ednsMaxPayload\": 512, \"dnsWorkers\": 1024}");
    assert_int_equal(c.port, 0);
    assert_int_equal(c.http_port, 65535);
    assert_int_equal(c.ttl, 2147483647u);
    assert_int_equal(c.soa_refresh, 4294967295u);
    assert_int_equal(c.srv_weight, 65535);
    assert_int_equal(c.edns_max_payload, 512);
    config_free(&c);
    ok(&c, "{\"ednsMaxPayload\": 4096}");
    config_free(&c);
    ok(&c, "{\"stateMaxBytes\": 1048576}");
    assert_int_equal(c.state_max_bytes, 1048576);
    config_free(&c);
    ok(&c, "{\"stateMaxBytes\": 4294967295}");
    assert_int_equal(c.state_max_bytes, 4294967295u);
    config_free(&c);
    bad("{\"stateMaxBytes\": 1048575}",
        "\"stateMaxBytes\": 1048575 is out of range 1048576..4294967295", NULL);
    bad("{\"stateMaxBytes\": 4294967296}", "\"stateMaxBytes\"", "out of range", NULL);
    bad("{\"stateMaxBytes\": \"1G\"}", "\"stateMaxBytes\": expected an integer", NULL);
    bad("{\"port\": -1}", "\"port\": -1 is out of range 0..65535", NULL);
    bad("{\"port\": 65536}", "\"port\"", "out of range", NULL);
    bad("{\"httpport\": 70000}", "\"httpport\"", "out of range", NULL);
    bad("{\"refreshSeconds\": 0}", "\"refreshSeconds\": 0 is out of range 1..", NULL);
    bad("{\"stateTimeoutSeconds\": 0}", "\"stateTimeoutSeconds\"", "out of range", NULL);
    bad("{\"stateTimeoutSeconds\": -5}", "\"stateTimeoutSeconds\"", NULL);
    bad("{\"zkDetectionTimeout\": -1}", "\"zkDetectionTimeout\"", NULL);
    bad("{\"timeout\": -1}", "\"timeout\"", NULL);
    bad("{\"ttl\": -1}", "\"ttl\"", NULL);
    bad("{\"ttl\": 2147483648}", "\"ttl\"", NULL); /* Go: int32 overflow */
    bad("{\"SOARetry\": -1}", "\"SOARetry\"", NULL);
    bad("{\"SOAExpire\": 4294967296}", "\"SOAExpire\"", NULL);
    bad("{\"srvRecordDefaultWeight\": 65536}", "\"srvRecordDefaultWeight\"", NULL);
    bad("{\"ednsMaxPayload\": 511}", "\"ednsMaxPayload\"", NULL);
    bad("{\"ednsMaxPayload\": 4097}", "\"ednsMaxPayload\"", NULL);
    bad("{\"dnsWorkers\": -1}", "\"dnsWorkers\"", NULL);
    bad("{\"readyMaxAgeSeconds\": 0}", "\"readyMaxAgeSeconds\"", NULL);
    bad("{\"refreshSeconds\": 3000000000}", "\"refreshSeconds\"", NULL);
}

static void test_ready_max_age(void **state)
{
    config_t c;
    ok(&c, "{\"refreshSeconds\": 20}");
    assert_int_equal(c.ready_max_age, 60);
    config_free(&c);
    ok(&c, "{\"refreshSeconds\": 20, \"readyMaxAgeSeconds\": 7}");
    assert_int_equal(c.ready_max_age, 7);
    config_free(&c);
    ok(&c, "{\"refreshSeconds\": 2147483647}"); /* saturates, no overflow */
    assert_int_equal(c.ready_max_age, 2147483647);
    config_free(&c);
}

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

/* -------------------------------------------------------- /v1/config */

/* json.MarshalIndent(records.NewConfig() after SetConfig, "", " ") for the
 * defaults, with SOASerial 1 and File "": Go writes fields in struct order,
 * one space per level, nil slices as null and an empty map as {}. */
static const char default_json[] = "{\n"
                                   " \"RefreshSeconds\": 60,\n"
                                   " \"Port\": 53,\n"
                                   " \"Timeout\": 5,\n"
                                   " \"StateTimeoutSeconds\": 300,\n"
                                   " \"ZkDetectionTimeout\": 30,\n"
                                   " \"HttpPort\": 8123,\n"
                                   " \"TTL\": 60,\n"
                                   " \"SRVRecordDefaultWeight\": 1,\n"
                                   " \"SOASerial\": 1,\n"
                                   " \"SOARefresh\": 60,\n"
                                   " \"SOARetry\": 600,\n"
                                   " \"SOAExpire\": 86400,\n"
                                   " \"SOAMinttl\": 60,\n"
                                   " \"SOAMname\": \"ns1.mesos.\",\n"
                                   " \"SOARname\": \"root.ns1.mesos.\",\n"
                                   " \"Masters\": null,\n"
                                   " \"ZoneResolvers\": {},\n"
                                   " \"Resolvers\": [\n"
                                   "  \"8.8.8.8\"\n"
                                   " ],\n"
                                   " \"IPSources\": [\n"
                                   "  \"netinfo\",\n"
                                   "  \"mesos\",\n"
                                   "  \"host\"\n"
                                   " ],\n"
                                   " \"Zk\": \"\",\n"
                                   " \"Domain\": \"mesos\",\n"
                                   " \"File\": \"\",\n"
                                   " \"Listener\": \"0.0.0.0\",\n"
                                   " \"HTTPListener\": \"0.0.0.0\",\n"
                                   " \"RecurseOn\": true,\n"
                                   " \"DnsOn\": true,\n"
                                   " \"HttpOn\": true,\n"
                                   " \"ExternalOn\": true,\n"
                                   " \"EnforceRFC952\": false,\n"
                                   " \"SetTruncateBit\": true,\n"
                                   " \"EnumerationOn\": true,\n"
                                   " \"MesosHTTPSOn\": false,\n"
                                   " \"CACertFile\": \"\",\n"
                                   " \"CertFile\": \"\",\n"
                                   " \"KeyFile\": \"\",\n"
                                   " \"MesosCredentials\": {\n"
                                   "  \"Principal\": \"\",\n"
                                   "  \"Secret\": \"\"\n"
                                   " },\n"
                                   " \"IAMConfigFile\": \"\",\n"
                                   " \"MesosAuthentication\": \"\"\n"
                                   "}";

static void test_json_defaults(void **state)
{
    config_t c;
    ok(&c, "{}");
    c.soa_serial = 1;
    char *j = config_to_json(&c);
    assert_non_null(j);
    assert_string_equal(j, default_json);
    free(j);
    /* The full form is the same document with our keys appended. */
    j = config_to_json_full(&c);
    assert_non_null(j);
    assert_memory_equal(j, default_json, sizeof default_json - 3); /* up to the last value */
    assert_non_null(strstr(j, "\"MesosAuthentication\": \"\",\n \"legacyRawNames\": true,\n"));
    assert_non_null(strstr(j, " \"allowTransfer\": [\n  \"127.0.0.0/8\",\n  \"::1/128\"\n ],\n"));
    assert_non_null(strstr(j, " \"readyMaxAgeSeconds\": 180,\n \"user\": \"\"\n}"));
    free(j);
    config_free(&c);
}

static void test_json_values(void **state)
{
    config_t c;
    ok(&c, "{\"masters\": [\"[::1]:5050\", \"m1:5050\"], \"resolvers\": null,"
           "\"CACertFile\": \"/etc/ssl/a<b>&c.pem\","
           "\"mesosAuthentication\": \"basic\","
           "\"mesosCredentials\": {\"principal\": \"dns\", \"secret\": \"s3cret\"},"
           "\"zoneResolvers\": {\"b\": [\"10.0.0.1\", \"::1\"], \"a\": [\"10.0.0.2:54\"]}}");
    c.soa_serial = 7;
    char *j = config_to_json(&c);
    assert_non_null(j);
    assert_non_null(strstr(j, " \"Masters\": [\n  \"[::1]:5050\",\n  \"m1:5050\"\n ],\n"));
    /* Go's HTML-safe escaping. */
    assert_non_null(strstr(j, " \"CACertFile\": \"/etc/ssl/a\\u003cb\\u003e\\u0026c.pem\",\n"));
    assert_non_null(strstr(j, " \"ZoneResolvers\": {\n  \"a\": [\n   \"10.0.0.2:54\"\n  ],\n"
                              "  \"b\": [\n   \"10.0.0.1\",\n   \"::1\"\n  ]\n },\n"));
    assert_non_null(strstr(j, " \"Resolvers\": null,\n"));
    assert_non_null(strstr(j, "\"Principal\": \"dns\",\n  \"Secret\": \"******\"\n"));
    assert_null(strstr(j, "s3cret")); /* redacted */
    free(j);
    config_free(&c);
    ok(&c, "{\"masters\": [], \"zoneResolvers\": null, \"resolvers\": []}");
    j = config_to_json(&c);
    assert_non_null(
        strstr(j, " \"Masters\": [],\n \"ZoneResolvers\": null,\n \"Resolvers\": [],\n"));
    free(j);
    config_free(&c);
}

/* ----------------------------------------------------- load, validate */

static void test_load(void **state)
{
    config_t c;
    char *path = tmp_file("{\"masters\": [\"10.0.0.1:5050\"], \"port\": 5353}");
    assert_int_equal(config_load(&c, path, errbuf, sizeof errbuf), 0);
    assert_string_equal(c.file, path);
    assert_int_equal(c.port, 5353);
    config_free(&c);
    /* "~/" is $HOME. */
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", "/tmp", 1);
    char tilde[80];
    snprintf(tilde, sizeof tilde, "~/%s", path + strlen("/tmp/"));
    assert_int_equal(config_load(&c, tilde, errbuf, sizeof errbuf), 0);
    assert_string_equal(c.file, path);
    config_free(&c);
    /* A relative path becomes absolute and clean (like Go's filepath.Abs). */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/tmp"), 0);
    char rel[80];
    snprintf(rel, sizeof rel, "./x/../%s", path + strlen("/tmp/"));
    mkdir("/tmp/x", 0700);
    assert_int_equal(config_load(&c, rel, errbuf, sizeof errbuf), 0);
    assert_string_equal(c.file, path);
    config_free(&c);
    assert_int_equal(chdir(cwd), 0);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_home);
    unlink(path);
    /* Unreadable: the error names the file. */
    assert_int_equal(config_load(&c, "/nonexistent/config.json", errbuf, sizeof errbuf), -ENOENT);
    assert_non_null(strstr(errbuf, "/nonexistent/config.json"));
    assert_int_equal(config_load(&c, "/tmp", errbuf, sizeof errbuf), -EISDIR);
    /* Parse errors start with the path. */
    path = tmp_file("{\"port\": \"x\"}");
    assert_int_equal(config_load(&c, path, errbuf, sizeof errbuf), -EINVAL);
    char expect[200];
    snprintf(expect, sizeof expect, "%s: \"port\": expected an integer, got string", path);
    assert_string_equal(errbuf, expect);
    unlink(path);
}

static void test_validate(void **state)
{
    config_t c;
    ok(&c, "{}");
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), -EINVAL);
    assert_non_null(strstr(errbuf, "\"masters\" or \"zk\""));
    char *state_file = tmp_file("{}");
    c.state_file = strdup(state_file);
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), 0);
    unlink(state_file);
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), -EINVAL);
    assert_non_null(strstr(errbuf, "--state-file"));
    config_free(&c);
    ok(&c, "{\"zk\": \"zk://h:2181/mesos\"}");
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), 0);
    config_free(&c);
    ok(&c, "{\"masters\": [\"m:1\"], \"CACertFile\": \"/nonexistent/ca.pem\"}");
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), -EINVAL);
    assert_non_null(strstr(errbuf, "\"CACertFile\": cannot read /nonexistent/ca.pem"));
    config_free(&c);
    ok(&c, "{\"masters\": [\"m:1\"], \"mesosAuthentication\": \"iam\", "
           "\"IAMConfigFile\": \"/nonexistent/iam.json\"}");
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), -EINVAL);
    assert_non_null(strstr(errbuf, "\"IAMConfigFile\""));
    config_free(&c);
    ok(&c, "{\"masters\": [\"m:1\"], \"user\": \"root\"}");
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), 0);
    config_free(&c);
    ok(&c, "{\"masters\": [\"m:1\"], \"user\": \"no-such-user-mdns\"}");
    assert_int_equal(config_validate(&c, errbuf, sizeof errbuf), -EINVAL);
    assert_non_null(strstr(errbuf, "no such user \"no-such-user-mdns\""));
    config_free(&c);
}

static void test_error_buffer_optional(void **state)
{
    config_t c;
    assert_int_equal(config_parse(&c, "{\"port\": \"x\"}", 13, NULL, 0), -EINVAL);
    char small[8];
    assert_int_equal(config_parse(&c, "{\"port\": \"x\"}", 13, small, sizeof small), -EINVAL);
    assert_int_equal(strlen(small), sizeof small - 1);
    /* Not NUL-terminated input: only `len` bytes are read. */
    assert_int_equal(config_parse(&c, "{}garbage", 2, NULL, 0), 0);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_level_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mesos_dns_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mesos_dns_docs_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_case_insensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_key_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys_warned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types_name_the_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready_max_age, setup, teardown),
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
        cmocka_unit_test_setup_teardown(test_json_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_buffer_optional, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
