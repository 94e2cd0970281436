/* Unit tests of zone/export: the /v1/axfr document against one written by
 * hand from Mesos-DNS's models.AXFR (Go struct field order, sorted map keys,
 * MarshalIndent with one space), and the master file parsed back line by
 * line and loaded by the real named-checkzone (bind9-utils). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/dname.h"
#include "zone/builder.h"
#include "zone/export.h"

extern char **environ;

static const zone_soa_params_t SOA = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 30, 60};

static void add(zone_builder_t *b, const char *owner, uint16_t type, const void *rd, size_t len)
{
    uint8_t o[DNAME_MAXLEN];
    assert_true(dname_from_text(owner, o) > 0);
    assert_int_equal(zone_builder_add(b, o, type, rd, (uint16_t)len), 0);
}

static void add_ip(zone_builder_t *b, const char *owner, const char *ip)
{
    uint8_t rd[16];
    int v6 = strchr(ip, ':') != NULL;
    assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, ip, rd), 1);
    add(b, owner, v6 ? RRTYPE_AAAA : RRTYPE_A, rd, v6 ? 16 : 4);
}

static void add_srv(zone_builder_t *b, const char *owner, uint16_t port, const char *target)
{
    uint8_t rd[6 + DNAME_MAXLEN] = {0, 0, 0, 1, (uint8_t)(port >> 8), (uint8_t)port};
    int tl = dname_from_text(target, rd + 6);
    assert_true(tl > 0);
    add(b, owner, RRTYPE_SRV, rd, 6 + (size_t)tl);
}

/* The zone of both tests, in generation order. */
static zone_snap_t *test_zone(bool extras)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    assert_non_null(b);
    add_ip(b, "marathon.mesos.", "10.0.0.9");
    add_ip(b, "ns1.mesos.", "10.0.0.53");
    add_ip(b, "leader.mesos.", "10.0.0.5");
    add_ip(b, "leader.mesos.", "2001:db8::1");
    add_srv(b, "_leader._tcp.mesos.", 5050, "leader.mesos.");
    add_ip(b, "web.marathon.mesos.", "10.0.0.1");
    add_ip(b, "web.marathon.mesos.", "10.0.0.2");
    add_ip(b, "web-abcde-s1.marathon.slave.mesos.", "10.1.0.1");
    add_srv(b, "_web._tcp.marathon.mesos.", 31000, "web-abcde-s1.marathon.slave.mesos.");
    add_srv(b, "_web._tcp.marathon.mesos.", 31001, "web-abcde-s1.marathon.slave.mesos.");
    if (extras) {
        uint8_t cname[DNAME_MAXLEN];
        int cl = dname_from_text("web.marathon.mesos.", cname);
        add(b, "alias.mesos.", RRTYPE_CNAME, cname, (size_t)cl);
        static const uint8_t txt[] = "\15hello \"world\"\2\\;";
        add(b, "we(ird;na me.mesos.", RRTYPE_TXT, txt, sizeof txt - 1);
    }
    zone_snap_t *s = NULL;
    assert_int_equal(zone_builder_finish(&b, &s), 0);
    zone_snap_set_serial(s, 42);
    return s;
}

/* Written by hand: models.AXFR field order, map keys sorted byte-wise ('-'
 * before '.', '_' before letters), values in generation order. */
static const char AXFR_WANT[] = "{\n"
                                " \"TTL\": 60,\n"
                                " \"Serial\": 42,\n"
                                " \"RefreshSeconds\": 30,\n"
                                " \"Mname\": \"ns1.mesos.\",\n"
                                " \"Rname\": \"root.ns1.mesos.\",\n"
                                " \"Domain\": \"mesos\",\n"
                                " \"Records\": {\n"
                                "  \"As\": {\n"
                                "   \"leader.mesos.\": [\n"
                                "    \"10.0.0.5\"\n"
                                "   ],\n"
                                "   \"marathon.mesos.\": [\n"
                                "    \"10.0.0.9\"\n"
                                "   ],\n"
                                "   \"ns1.mesos.\": [\n"
                                "    \"10.0.0.53\"\n"
                                "   ],\n"
                                "   \"web-abcde-s1.marathon.slave.mesos.\": [\n"
                                "    \"10.1.0.1\"\n"
                                "   ],\n"
                                "   \"web.marathon.mesos.\": [\n"
                                "    \"10.0.0.1\",\n"
                                "    \"10.0.0.2\"\n"
                                "   ]\n"
                                "  },\n"
                                "  \"AAAAs\": {\n"
                                "   \"leader.mesos.\": [\n"
                                "    \"2001:db8::1\"\n"
                                "   ]\n"
                                "  },\n"
                                "  \"SRVs\": {\n"
                                "   \"_leader._tcp.mesos.\": [\n"
                                "    \"leader.mesos.:5050\"\n"
                                "   ],\n"
                                "   \"_web._tcp.marathon.mesos.\": [\n"
                                "    \"web-abcde-s1.marathon.slave.mesos.:31000\",\n"
                                "    \"web-abcde-s1.marathon.slave.mesos.:31001\"\n"
                                "   ]\n"
                                "  }\n"
                                " }\n"
                                "}";

static void test_axfr_json(void **state)
{
    zone_snap_t *s = test_zone(true); /* CNAME and TXT are not exported */
    export_axfr_params_t p = {60, 30, "mesos"};
    buf_t out = BUF_INIT;
    assert_int_equal(export_axfr_json(s, &p, &out), 0);
    /* Structure first (clearer failures), then the exact Go formatting. */
    json_error_t err;
    json_t *got = json_loadb(out.data, out.len, 0, &err);
    json_t *want = json_loads(AXFR_WANT, 0, &err);
    assert_non_null(got);
    assert_non_null(want);
    assert_true(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    assert_string_equal(out.data, AXFR_WANT);
    buf_release(&out);
    zone_snap_free(&s);
}

static void test_axfr_json_empty_zone(void **state)
{
    zone_builder_t *b = zone_builder_new("mesos", &SOA);
    zone_snap_t *s = NULL;
    assert_int_equal(zone_builder_finish(&b, &s), 0);
    export_axfr_params_t p = {60, 60, "mesos"};
    buf_t out = BUF_INIT;
    assert_int_equal(export_axfr_json(s, &p, &out), 0);
    /* Go writes an empty map as {} even when indenting. */
    assert_non_null(strstr(out.data, " \"Records\": {\n  \"As\": {},\n  \"AAAAs\": {},\n"
                                     "  \"SRVs\": {}\n }\n}"));
    assert_non_null(strstr(out.data, "\"Serial\": 0,"));
    buf_release(&out);
    zone_snap_free(&s);
}

/* Expected master file records, by hand, in canonical order (RFC 4034
 * §6.1: '_' 0x5f sorts before letters; a name before its descendants). */
static const char *const MASTER_WANT[] = {
    "mesos.\t60\tIN\tSOA\tns1.mesos. root.ns1.mesos. 42 60 600 86400 30",
    "mesos.\t60\tIN\tNS\tns1.mesos.",
    "_leader._tcp.mesos.\t60\tIN\tSRV\t0 1 5050 leader.mesos.",
    "alias.mesos.\t60\tIN\tCNAME\tweb.marathon.mesos.",
    "leader.mesos.\t60\tIN\tA\t10.0.0.5",
    "leader.mesos.\t60\tIN\tAAAA\t2001:db8::1",
    "marathon.mesos.\t60\tIN\tA\t10.0.0.9",
    "_web._tcp.marathon.mesos.\t60\tIN\tSRV\t0 1 31000 web-abcde-s1.marathon.slave.mesos.",
    "_web._tcp.marathon.mesos.\t60\tIN\tSRV\t0 1 31001 web-abcde-s1.marathon.slave.mesos.",
    "web.marathon.mesos.\t60\tIN\tA\t10.0.0.1",
    "web.marathon.mesos.\t60\tIN\tA\t10.0.0.2",
    "ns1.mesos.\t60\tIN\tA\t10.0.0.53",
    "web-abcde-s1.marathon.slave.mesos.\t60\tIN\tA\t10.1.0.1",
    "we\\040ird\\059na\\032me.mesos.\t60\tIN\tTXT\t\"hello \\\"world\\\"\" \"\\\\;\"",
};
#define N_MASTER (sizeof MASTER_WANT / sizeof *MASTER_WANT)

/* Runs argv with stdout and stderr into `log`; returns the exit status or
 * -1. Bounded: the child is killed after 30 s. */
static int run(char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    for (int i = 0; i < 3000; i++) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data - 1, f);
    fclose(f);
    data[n] = 0;
    return data;
}

/* Collapse runs of blanks to one space (BIND aligns its dump), and write
 * the owner with its escapes decoded: BIND prints "\(" where we print
 * "\040", the same octet. */
static void squeeze(const char *in, char *out)
{
    size_t o = 0;
    bool blank = false, quoted = false;
    for (; *in && *in != ' ' && *in != '\t'; in++) {
        if (*in == '\\' && in[1] >= '0' && in[1] <= '9') {
            out[o++] = (char)((in[1] - '0') * 100 + (in[2] - '0') * 10 + (in[3] - '0'));
            in += 3;
        } else if (*in == '\\') {
            out[o++] = *++in;
        } else {
            out[o++] = *in;
        }
    }
    for (; *in; in++) {
        if (*in == '"' && (o == 0 || out[o - 1] != '\\'))
            quoted = !quoted;
        if (!quoted && (*in == ' ' || *in == '\t')) {
            blank = true;
            continue;
        }
        if (blank && o)
            out[o++] = ' ';
        blank = false;
        out[o++] = *in;
    }
    out[o] = 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_master_file(void **state)
{
    zone_snap_t *s = test_zone(true);
    buf_t out = BUF_INIT;
    assert_int_equal(export_master_file(s, &out), 0);

    /* Parse it back line by line. */
    char *copy = strdup(out.data), *save = NULL;
    size_t rec = 0;
    bool origin = false, ttl = false;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == ';')
            continue;
        if (strncmp(line, "$ORIGIN ", 8) == 0) {
            assert_string_equal(line + 8, "mesos.");
            assert_int_equal(rec, 0);
            origin = true;
        } else if (strncmp(line, "$TTL ", 5) == 0) {
            assert_string_equal(line + 5, "60");
            ttl = true;
        } else {
            assert_true(rec < N_MASTER);
            assert_string_equal(line, MASTER_WANT[rec]);
            rec++;
        }
    }
    assert_true(origin && ttl);
    assert_int_equal(rec, N_MASTER);
    free(copy);

    /* The real BIND parser loads it (strict names, full integrity checks)
     * and dumps what it read: the same records. */
    char zone[] = "/tmp/mdns-zone-XXXXXX", dump[64], log[64];
    int fd = mkstemp(zone);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, out.data, out.len), (ssize_t)out.len);
    close(fd);
    snprintf(dump, sizeof dump, "%s.dump", zone);
    snprintf(log, sizeof log, "%s.log", zone);
    char *argv[] = {"named-checkzone", "-k", "fail", "-i", "full", "-D", "-o", dump,
                    "mesos",           zone, NULL};
    int rc = run(argv, log);
    if (rc != 0)
        fprintf(stderr, "named-checkzone:\n%s\n", slurp(log));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(slurp(log), "OK"));

    char *got[64], *want[N_MASTER];
    size_t n_got = 0;
    char *d = strdup(slurp(dump));
    save = NULL;
    for (char *line = strtok_r(d, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == ';' || line[0] == '$')
            continue;
        assert_true(n_got < 64);
        got[n_got] = malloc(strlen(line) + 1);
        squeeze(line, got[n_got++]);
    }
    assert_int_equal(n_got, N_MASTER);
    for (size_t i = 0; i < N_MASTER; i++) {
        want[i] = malloc(strlen(MASTER_WANT[i]) + 1);
        squeeze(MASTER_WANT[i], want[i]);
    }
    qsort(got, n_got, sizeof *got, str_cmp);
    qsort(want, N_MASTER, sizeof *want, str_cmp);
    for (size_t i = 0; i < N_MASTER; i++) {
        assert_string_equal(got[i], want[i]);
        free(got[i]);
        free(want[i]);
    }
    free(d);
    unlink(zone);
    unlink(dump);
    unlink(log);
    buf_release(&out);
    zone_snap_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_axfr_json),
        cmocka_unit_test(test_axfr_json_empty_zone),
        cmocka_unit_test(test_master_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
