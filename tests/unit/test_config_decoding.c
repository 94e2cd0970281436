/* Unit tests of config/ (compat spec §2): the defaults, the Mesos-DNS
 * sample and documented config files, every key at once, and the decoding
 * rules Go's encoding/json gives Mesos-DNS (key case, duplicates, unknown
 * keys, wrong types, nulls) plus the integer ranges. Expected values come
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

static char *data_path(const char *name)
{
    const char *src = getenv("MDNS_SRC");
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/config/%s", src ? src : ".", name);
    return path;
}
/* ----------------------------------------------------------- defaults */

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
