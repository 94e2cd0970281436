/* Unit tests of config/: the /v1/config JSON of compat spec §8 (what
 * Mesos-DNS's json.MarshalIndent writes), config_load() of files and
 * config_validate(). Expected values come from the spec and Go's documented
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

#include "config_fixture.h"

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
        cmocka_unit_test_setup_teardown(test_json_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_buffer_optional, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
