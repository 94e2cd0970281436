/* Unit tests of discovery/state_parse: the streaming /master/state parser.
 *
 * Expected values come from compat spec §3 and §6 (the IP source rules are
 * spelled out per task in tests/data/state/ip_rules.json), and, for the
 * realistic generated document and the demo cluster, from an independent
 * Python model of the same rules (tests/tools/state_oracle.py, which wrote
 * the *.expect files). Every document is also fed in 1-byte, random-sized
 * and whole chunks, which must give identical models. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/log.h"
#include "discovery/state_parse.h"

/* ---- helpers ---- */

static char *load(const char *rel, size_t *len)
{
    const char *src = getenv("MDNS_SRC");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (is MDNS_SRC set?)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Chunk sizes: 0 = whole document, SIZE_MAX = random 1..4096 from `seed`. */
static int parse_chunks(const char *doc, size_t len, size_t chunk, unsigned seed, model_t **m,
                        state_parse_stats_t *st, char *err, size_t errlen)
{
    state_parser_t *p = state_parser_new();
    assert_non_null(p);
    size_t off = 0;
    int rc = 0;
    while (off < len && rc == 0) {
        size_t n = chunk == 0 ? len : chunk == SIZE_MAX ? 1 + (size_t)rand_r(&seed) % 4096 : chunk;
        if (n > len - off)
            n = len - off;
        rc = state_parser_feed(p, doc + off, n);
        off += n;
    }
    if (rc != 0) { /* once failed, it stays failed */
        assert_int_equal(state_parser_feed(p, "{}", 2), rc);
    }
    int frc = state_parser_finish_stats(&p, m, st, err, errlen);
    assert_null(p);
    if (rc != 0)
        assert_int_equal(frc, rc);
    return frc;
}

static model_t *parse_ok(const char *doc, size_t len, state_parse_stats_t *st)
{
    model_t *m = NULL;
    char err[256] = "";
    int rc = parse_chunks(doc, len, 0, 0, &m, st, err, sizeof err);
    if (rc != 0)
        fail_msg("parse failed (%d): %s", rc, err);
    assert_non_null(m);
    return m;
}

static void put_ips(buf_t *b, const char *label, const model_task_t *t, enum model_ipsrc s)
{
    buf_printf(b, " %s=", label);
    for (uint32_t i = 0; i < t->n_ips[s]; i++) {
        char txt[64];
        const model_ip_t *ip = &t->ips[s][i];
        inet_ntop(ip->family == AF_INET ? AF_INET : AF_INET6, ip->addr, txt, sizeof txt);
        buf_printf(b, "%s%s", i ? "," : "", txt);
    }
}

/* The model as text, in the format of tests/tools/state_oracle.py. */
static char *dump_model(const model_t *m)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "leader %s host=%s port=%u\n", m->leader, m->leader_host, m->leader_port);
    for (size_t i = 0; i < m->n_agents; i++) {
        const model_agent_t *a = &m->agents[i];
        buf_printf(&b, "agent %s hostname=%s pid=%s:%u\n", a->id, a->hostname, a->pid_host,
                   a->pid_port);
    }
    for (size_t i = 0; i < m->n_frameworks; i++) {
        const model_framework_t *f = &m->frameworks[i];
        buf_printf(&b, "framework %s name=%s hostname=%s pid=", f->id, f->name, f->hostname);
        if (f->pid_host)
            buf_printf(&b, "%s:%u\n", f->pid_host, f->pid_port);
        else
            buf_puts(&b, "-\n");
    }
    for (size_t i = 0; i < m->n_tasks; i++) {
        const model_task_t *t = &m->tasks[i];
        buf_printf(&b, "task %s name=%s framework=%u agent=%u disc=%d disc_name=%s ports=", t->id,
                   t->name, t->framework, t->agent, t->has_discovery ? 1 : 0,
                   t->disc_name ? t->disc_name : "-");
        for (uint32_t j = 0; j < t->n_ports; j++)
            buf_printf(&b, "%s%u-%u", j ? "," : "", t->ports[j].begin, t->ports[j].end);
        buf_puts(&b, " dports=");
        for (uint32_t j = 0; j < t->n_dports; j++)
            buf_printf(&b, "%s%u/%s/%s", j ? "," : "", t->dports[j].number, t->dports[j].protocol,
                       t->dports[j].name);
        put_ips(&b, "netinfo", t, IPSRC_NETINFO);
        put_ips(&b, "mesos", t, IPSRC_MESOS);
        put_ips(&b, "docker", t, IPSRC_DOCKER);
        assert_int_equal(t->n_ips[IPSRC_HOST], 0);
        assert_true(t->framework < m->n_frameworks);
        assert_true(t->agent < m->n_agents);
        buf_putc(&b, '\n');
    }
    assert_int_equal(buf_error(&b), 0);
    return buf_take(&b, NULL);
}

static const model_task_t *find_task(const model_t *m, const char *id)
{
    for (size_t i = 0; i < m->n_tasks; i++)
        if (strcmp(m->tasks[i].id, id) == 0)
            return &m->tasks[i];
    return NULL;
}

static const model_task_t *task_of(const model_t *m, const char *id)
{
    const model_task_t *t = find_task(m, id);
    if (!t)
        fail_msg("task %s missing from the model", id);
    return t;
}

/* "a,b,c" of one IP source, for compact assertions. */
static void assert_ips(const model_task_t *t, enum model_ipsrc s, const char *want)
{
    buf_t b = BUF_INIT;
    put_ips(&b, "", t, s);
    assert_string_equal(b.data + 2, want); /* skip " =" */
    buf_release(&b);
}

static void assert_family(const model_task_t *t, enum model_ipsrc s, uint32_t i, int family)
{
    assert_true(i < t->n_ips[s]);
    assert_int_equal(t->ips[s][i].family, family);
}

/* ---- the realistic documents: oracle comparison and chunking ---- */

static void check_against_oracle(const char *doc_path, const char *expect_path)
{
    size_t len, elen;
    char *doc = load(doc_path, &len), *expect = load(expect_path, &elen);
    model_t *m = parse_ok(doc, len, NULL);
    char *got = dump_model(m);
    assert_string_equal(got, expect);
    free(got);
    model_free(&m);
    free(doc);
    free(expect);
}

static void test_generated_matches_oracle(void **state)
{
    check_against_oracle("tests/data/state/gen-small.json", "tests/data/state/gen-small.expect");
}

static void test_demo_matches_oracle(void **state)
{
    check_against_oracle("packaging/demo/state.json", "tests/data/state/demo.expect");
}

static void check_chunkings(const char *path)
{
    size_t len;
    char *doc = load(path, &len);
    model_t *whole = parse_ok(doc, len, NULL);
    char *want = dump_model(whole);
    static const size_t sizes[] = {1, 2, 3, 7, 64, 4096, SIZE_MAX, SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        model_t *m = NULL;
        char err[256] = "";
        assert_int_equal(
            parse_chunks(doc, len, sizes[i], (unsigned)i * 7919u, &m, NULL, err, sizeof err), 0);
        char *got = dump_model(m);
        assert_string_equal(got, want);
        free(got);
        model_free(&m);
    }
    free(want);
    model_free(&whole);
    free(doc);
}

static void test_chunking_identical(void **state)
{
    check_chunkings("tests/data/state/gen-small.json");
    check_chunkings("tests/data/state/ip_rules.json");
    check_chunkings("tests/data/state/ports_discovery.json");
    check_chunkings("tests/data/state/bad_entries.json");
}

/* Two chunks split at every offset: every token (string with escapes,
 * number, literal) gets cut at every position. */
static void test_split_everywhere(void **state)
{
    size_t len;
    char *doc = load("tests/data/state/ports_discovery.json", &len);
    model_t *whole = parse_ok(doc, len, NULL);
    char *want = dump_model(whole);
    for (size_t cut = 1; cut < len; cut++) {
        state_parser_t *p = state_parser_new();
        assert_int_equal(state_parser_feed(p, doc, cut), 0);
        assert_int_equal(state_parser_feed(p, doc + cut, len - cut), 0);
        model_t *m = NULL;
        assert_int_equal(state_parser_finish(&p, &m, NULL, 0), 0);
        char *got = dump_model(m);
        assert_string_equal(got, want);
        free(got);
        model_free(&m);
    }
    free(want);
    model_free(&whole);
    free(doc);
}

/* ---- §6 IP source rules ---- */

static void test_ip_rules(void **state)
{
    size_t len;
    char *doc = load("tests/data/state/ip_rules.json", &len);
    state_parse_stats_t st;
    model_t *m = parse_ok(doc, len, &st);
    assert_int_equal(m->n_tasks, 13);

    /* Latest TASK_RUNNING by timestamp (300 > 200 > 100.5), not the last. */
    assert_ips(task_of(m, "latest-wins"), IPSRC_NETINFO, "10.1.0.3");
    /* Equal timestamps (100 and 100.0): the first; STARTING never counts. */
    assert_ips(task_of(m, "tie-first"), IPSRC_NETINFO, "10.2.0.1");
    /* A later non-RUNNING status does not replace the RUNNING one. */
    assert_ips(task_of(m, "later-not-running"), IPSRC_NETINFO, "10.3.0.1");
    /* ip_address only when the network_info has no ip_addresses elements. */
    assert_ips(task_of(m, "fallback"), IPSRC_NETINFO, "10.4.0.1,10.4.0.2,10.4.0.3");
    /* Invalid strings dropped; an element without ip_address is not a
     * fallback trigger. */
    const model_task_t *t = task_of(m, "invalid-dropped");
    assert_ips(t, IPSRC_NETINFO, "10.5.0.1,fd01::5");
    assert_family(t, IPSRC_NETINFO, 1, AF_INET6);
    /* Label values by exact (case-sensitive) key, value before key works,
     * an invalid value and a label without value are dropped. */
    t = task_of(m, "labels");
    assert_ips(t, IPSRC_DOCKER, "172.17.0.5,172.17.0.6");
    assert_ips(t, IPSRC_MESOS, "192.168.5.5");
    assert_ips(t, IPSRC_NETINFO, "");
    /* Every source comes from the chosen status only. */
    t = task_of(m, "labels-latest-only");
    assert_ips(t, IPSRC_DOCKER, "");
    assert_ips(t, IPSRC_NETINFO, "10.7.0.1");
    /* IPv6 stays AAAA; IPv4-mapped IPv6 becomes an IPv4 address. */
    t = task_of(m, "ipv6");
    assert_ips(t, IPSRC_NETINFO, "fd01:b::2:3,10.8.0.1");
    assert_family(t, IPSRC_NETINFO, 0, AF_INET6);
    assert_family(t, IPSRC_NETINFO, 1, AF_INET);
    /* No RUNNING status: the task stays (its .slave names exist), no IPs. */
    t = task_of(m, "no-running-status");
    for (int s = 0; s < IPSRC_COUNT; s++)
        assert_int_equal(t->n_ips[s], 0);
    /* A missing timestamp is 0 (Go's zero value): beats -5. */
    assert_ips(task_of(m, "no-timestamp"), IPSRC_NETINFO, "10.10.0.1");
    /* Field order does not matter (state last, statuses first). */
    t = task_of(m, "field-order");
    assert_ips(t, IPSRC_NETINFO, "10.11.0.1");
    assert_string_equal(t->name, "k");
    /* null is absent. */
    t = task_of(m, "nulls");
    assert_int_equal(t->n_ips[IPSRC_NETINFO] + t->n_ips[IPSRC_DOCKER] + t->n_ports, 0);
    assert_false(t->has_discovery);
    assert_non_null(find_task(m, "no-statuses"));

    /* 4 bad netinfo strings + 1 bad docker label value. */
    assert_int_equal(st.warn_count[STATE_WARN_IP], 5);
    assert_non_null(strstr(st.warn_example[STATE_WARN_IP], "invalid-dropped"));
    model_free(&m);
    free(doc);
}

/* ---- ports and DiscoveryInfo ---- */

static void assert_ports(const model_task_t *t, const char *want)
{
    buf_t b = BUF_INIT;
    for (uint32_t j = 0; j < t->n_ports; j++)
        buf_printf(&b, "%s%u-%u", j ? "," : "", t->ports[j].begin, t->ports[j].end);
    assert_string_equal(b.data ? b.data : "", want);
    buf_release(&b);
}

static void assert_dports(const model_task_t *t, const char *want)
{
    buf_t b = BUF_INIT;
    for (uint32_t j = 0; j < t->n_dports; j++)
        buf_printf(&b, "%s%u/%s/%s", j ? "," : "", t->dports[j].number, t->dports[j].protocol,
                   t->dports[j].name);
    assert_string_equal(b.data ? b.data : "", want);
    buf_release(&b);
}

static void test_ports_and_discovery(void **state)
{
    size_t len;
    char *doc = load("tests/data/state/ports_discovery.json", &len);
    state_parse_stats_t st;
    model_t *m = parse_ok(doc, len, &st);
    assert_int_equal(m->n_tasks, 12);
    assert_ports(task_of(m, "p-ranges"), "31000-31001,31005-31005");
    assert_ports(task_of(m, "p-single"), "31000-31000");
    assert_ports(task_of(m, "p-spaces"), "1-2,3-3");
    assert_ports(task_of(m, "p-empty"), "");
    assert_ports(task_of(m, "p-none"), "");
    /* A malformed ports string keeps the task (its A records, its
     * DiscoveryInfo) and drops only its resource ports. */
    assert_ports(task_of(m, "p-bad1"), "");
    assert_ports(task_of(m, "p-bad2"), "");
    const model_task_t *t = task_of(m, "p-bad3");
    assert_ports(t, "");
    assert_dports(t, "8080/tcp/http");
    assert_int_equal(st.warn_count[STATE_WARN_PORTS], 3);
    assert_non_null(strstr(st.warn_example[STATE_WARN_PORTS], "p-bad1"));
    assert_non_null(strstr(st.warn_example[STATE_WARN_PORTS], "31000-31001"));
    /* ports of the wrong JSON type: the task is malformed. */
    assert_null(find_task(m, "p-type"));
    assert_null(find_task(m, "d-strnum"));
    assert_int_equal(st.warn_count[STATE_WARN_TASK_TYPE], 2);

    t = task_of(m, "d-full");
    assert_true(t->has_discovery);
    assert_string_equal(t->disc_name, "nginx");
    assert_string_equal(t->name, "nginx-task");
    /* Absent protocol/name are ""; 80.5, no number, 70000, -1 and 1e2 are
     * not port numbers (Go would refuse them too). */
    assert_dports(t, "80/tcp/http,53/udp/,8080//,0/tcp/zero");
    assert_int_equal(st.warn_count[STATE_WARN_DPORT], 5);

    t = task_of(m, "d-noname");
    assert_true(t->has_discovery);
    assert_null(t->disc_name);
    assert_int_equal(t->n_dports, 0);
    t = task_of(m, "d-emptyname");
    assert_true(t->has_discovery);
    assert_string_equal(t->disc_name, "");
    assert_false(task_of(m, "p-ranges")->has_discovery);

    /* JSON escapes decoded to UTF-8, raw. */
    t = task_of(m, "d-escaped");
    assert_string_equal(t->name, "we\"b\\\xc3\xa9/\xf0\x9f\x98\x80");
    assert_string_equal(t->disc_name, "a.b c");

    /* Repeated strings are stored once. */
    assert_ptr_equal(task_of(m, "p-ranges")->name, task_of(m, "p-single")->name);
    assert_ptr_equal(task_of(m, "p-bad3")->dports[0].protocol,
                     task_of(m, "d-full")->dports[0].protocol);
    model_free(&m);
    free(doc);
}

/* ---- bad entries ---- */

static buf_t logged = BUF_INIT;

static void capture(void *ctx, enum log_level level, const char *msg)
{
    buf_printf(&logged, "%d %s\n", (int)level, msg);
}

/* Count lines of `text` holding `needle`. */
static int count_lines(const char *text, const char *needle)
{
    int n = 0;
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)len, l);
        n += strstr(line, needle) != NULL;
        l = e ? e + 1 : NULL;
    }
    return n;
}

static void test_bad_entries(void **state)
{
    size_t len;
    char *doc = load("tests/data/state/bad_entries.json", &len);
    state_parse_stats_t st;
    buf_clear(&logged);
    log_set_sink(capture, NULL);
    model_t *m = parse_ok(doc, len, &st);
    log_set_sink(NULL, NULL);

    /* One log line per kind, with the count and one example, never one per
     * entry: 8 warning kinds (agents: id, pid, type; frameworks: id, pid,
     * type; tasks: fields, type) and the unknown-agent kind at info level. */
    assert_int_equal(count_lines(logged.data, "state: "), 9);
    assert_int_equal(count_lines(logged.data, "e.g. "), 9);
    char want[200];
    snprintf(want, sizeof want, "%d state: 3 %s; e.g. C-S1: pid \"\"", LOG_LVL_WARN,
             state_warn_text(STATE_WARN_AGENT_PID));
    assert_int_equal(count_lines(logged.data, want), 1);
    snprintf(want, sizeof want, "%d state: 5 %s; e.g. t-no-name: no name", LOG_LVL_WARN,
             state_warn_text(STATE_WARN_TASK_FIELDS));
    assert_int_equal(count_lines(logged.data, want), 1);
    snprintf(want, sizeof want, "%d state: 2 %s; e.g. t-on-S1: slave_id C-S1", LOG_LVL_INFO,
             state_warn_text(STATE_WARN_UNKNOWN_AGENT));
    assert_int_equal(count_lines(logged.data, want), 1);
    buf_release(&logged);

    /* Agents: C-S0, C-S6 (hostname null -> ""), and the duplicate C-S0. */
    assert_int_equal(m->n_agents, 3);
    assert_string_equal(m->agents[0].id, "C-S0");
    assert_string_equal(m->agents[0].pid_host, "10.0.0.10");
    assert_int_equal(m->agents[0].pid_port, 5051);
    assert_string_equal(m->agents[1].id, "C-S6");
    assert_string_equal(m->agents[1].hostname, "");
    assert_string_equal(m->agents[1].pid_host, "agent6.example.com");
    assert_string_equal(m->agents[2].hostname, "a0-dup");
    assert_int_equal(st.warn_count[STATE_WARN_AGENT_PID], 3); /* "", no '@', none */
    assert_non_null(strstr(st.warn_example[STATE_WARN_AGENT_PID], "C-S1"));
    assert_int_equal(st.warn_count[STATE_WARN_AGENT_ID], 1);
    assert_int_equal(st.warn_count[STATE_WARN_AGENT_TYPE], 2); /* hostname 42, a string */

    /* Frameworks: marathon, metronome (no pid: HTTP API), aurora (pid after
     * its tasks, IPv6), spark (pid null). */
    assert_int_equal(m->n_frameworks, 4);
    assert_string_equal(m->frameworks[0].name, "marathon");
    assert_string_equal(m->frameworks[0].pid_host, "10.0.0.2");
    assert_int_equal(m->frameworks[0].pid_port, 15101);
    assert_string_equal(m->frameworks[1].name, "metronome");
    assert_null(m->frameworks[1].pid_host);
    assert_int_equal(m->frameworks[1].pid_port, 0);
    assert_string_equal(m->frameworks[1].hostname, "m2");
    assert_string_equal(m->frameworks[2].name, "aurora");
    assert_string_equal(m->frameworks[2].pid_host, "fd01::7");
    assert_string_equal(m->frameworks[3].name, "spark");
    assert_null(m->frameworks[3].pid_host);
    assert_string_equal(m->frameworks[3].hostname, "");
    assert_int_equal(st.warn_count[STATE_WARN_FW_PID], 2); /* "" and port 0 */
    assert_non_null(strstr(st.warn_example[STATE_WARN_FW_PID], "chronos"));
    assert_int_equal(st.warn_count[STATE_WARN_FW_ID], 1);
    assert_int_equal(st.warn_count[STATE_WARN_FW_TYPE], 2); /* name 7, [] */

    /* Tasks: only well-formed running tasks of kept frameworks on known
     * agents; a duplicate agent id resolves to its first agent. */
    assert_int_equal(m->n_tasks, 4);
    const model_task_t *t = task_of(m, "t-ok");
    assert_int_equal(t->framework, 0);
    assert_int_equal(t->agent, 0);
    t = task_of(m, "t-ok-2");
    assert_int_equal(t->agent, 1);
    t = task_of(m, "t-metronome");
    assert_int_equal(t->framework, 1);
    assert_int_equal(t->agent, 1);
    t = task_of(m, "t-aurora");
    assert_int_equal(t->framework, 2);
    assert_int_equal(t->agent, 0);
    assert_null(find_task(m, "t-chronos"));
    assert_null(find_task(m, "t-kafka"));
    assert_int_equal(st.warn_count[STATE_WARN_TASK_FIELDS], 5);
    assert_int_equal(st.warn_count[STATE_WARN_TASK_TYPE], 4);
    assert_int_equal(st.warn_count[STATE_WARN_UNKNOWN_AGENT], 2);
    assert_non_null(strstr(st.warn_example[STATE_WARN_UNKNOWN_AGENT], "t-on-S1"));
    assert_int_equal(st.tasks, 21);
    assert_int_equal(st.tasks_not_running, 2);
    assert_int_equal(st.bytes, len);
    for (int w = 0; w < STATE_WARN_COUNT; w++)
        assert_true(strlen(state_warn_text(w)) > 5);
    model_free(&m);
    free(doc);
}

static void test_ignored_sections(void **state)
{
    size_t len;
    char *doc = load("tests/data/state/ignored.json", &len);
    state_parse_stats_t st;
    model_t *m = parse_ok(doc, len, &st);
    /* The top-level leader (last key), not the nested ones. */
    assert_string_equal(m->leader, "master@10.0.0.3:5050");
    assert_string_equal(m->leader_host, "10.0.0.3");
    assert_int_equal(m->leader_port, 5050);
    assert_int_equal(m->n_agents, 1); /* recovered_slaves are not agents */
    assert_int_equal(m->n_frameworks, 1);
    assert_int_equal(m->n_tasks, 1);
    const model_task_t *t = task_of(m, "real");
    /* Task labels are not status labels: no docker IP from them. */
    assert_int_equal(t->n_ips[IPSRC_DOCKER], 0);
    assert_int_equal(st.warn_count[STATE_WARN_UNKNOWN_AGENT], 1);
    model_free(&m);
    free(doc);
}

static void test_agents_after_frameworks(void **state)
{
    static const char doc[] =
        "{\"frameworks\":[{\"id\":\"F\",\"name\":\"marathon\",\"tasks\":["
        "{\"id\":\"t1\",\"name\":\"a\",\"slave_id\":\"S2\",\"state\":\"TASK_RUNNING\"},"
        "{\"id\":\"t2\",\"name\":\"a\",\"slave_id\":\"S1\",\"state\":\"TASK_RUNNING\"}]}],"
        "\"slaves\":[{\"id\":\"S1\",\"pid\":\"slave(1)@10.0.0.1:5051\"},"
        "{\"id\":\"S2\",\"pid\":\"slave(1)@10.0.0.2:5051\"}],"
        "\"leader\":\"master@10.0.0.9:5050\"}";
    model_t *m = parse_ok(doc, sizeof doc - 1, NULL);
    assert_int_equal(m->n_tasks, 2);
    assert_int_equal(task_of(m, "t1")->agent, 1);
    assert_int_equal(task_of(m, "t2")->agent, 0);
    model_free(&m);
}

/* ---- whole-document rejection ---- */

static void expect_reject(const char *doc, size_t len, const char *reason_part)
{
    for (int mode = 0; mode < 2; mode++) {
        model_t *m = (model_t *)1;
        char err[256] = "";
        int rc = parse_chunks(doc, len, mode ? 1 : 0, 0, &m, NULL, err, sizeof err);
        if (rc != -EPROTO)
            fail_msg("accepted (rc %d): %.*s", rc, (int)len, doc);
        assert_null(m);
        if (!strstr(err, reason_part))
            fail_msg("reason \"%s\" lacks \"%s\"", err, reason_part);
    }
}

#define REJECT(lit, why) expect_reject(lit, sizeof(lit) - 1, why)
#define L                "\"leader\":\"master@10.0.0.1:5050\""

static void test_reject_documents(void **state)
{
    REJECT("", "empty document");
    REJECT("   \n", "JSON");
    REJECT("[]", "not a JSON object");
    REJECT("\"x\"", "not a JSON object");
    REJECT("{}", "no `leader`");
    REJECT("{\"slaves\":[]}", "no `leader`");
    REJECT("{\"leader\":\"\"}", "empty `leader`");
    REJECT("{\"leader\":null}", "no `leader`");
    REJECT("{\"leader\":5}", "`leader` is a number");
    REJECT("{\"leader\":\"nonsense\"}", "not a libprocess pid");
    REJECT("{\"leader\":\"master@10.0.0.1:5050\\u0000\"}", "not a libprocess pid");
    REJECT("{" L, "truncated");
    REJECT("{" L ",", "truncated");
    REJECT("{" L ",}", "invalid JSON");
    REJECT("{" L "} x", "invalid JSON");
    REJECT("{" L "}{}", "invalid JSON");
    REJECT("{" L ",\"slaves\":{}}", "`slaves` is an object");
    REJECT("{" L ",\"frameworks\":\"x\"}", "`frameworks` is a string");
    REJECT("{" L ",\"x\":\"\xff\"}", "invalid JSON");            /* invalid UTF-8 */
    REJECT("{/* c */" L "}", "invalid JSON");                    /* comments */
    REJECT("{'leader':'master@10.0.0.1:5050'}", "invalid JSON"); /* single quotes */
    REJECT("{" L ",\"x\":NaN}", "invalid JSON");
    REJECT("{" L ",\"x\":01}", "invalid JSON");
    REJECT("{" L ",\"x\":\"a\\q\"}", "invalid JSON"); /* bad escape */
    REJECT("{" L ",\"x\":\"a\nb\"}", "invalid JSON"); /* raw control char */

    /* The smallest acceptable document. */
    static const char ok[] = "{" L "}";
    model_t *m = parse_ok(ok, sizeof ok - 1, NULL);
    assert_int_equal(m->n_agents + m->n_frameworks + m->n_tasks, 0);
    assert_string_equal(m->leader_host, "10.0.0.1");
    model_free(&m);
}

/* ---- limits: one token at most STATE_MAX_TOKEN bytes, linear cost ---- */

#define PREFIX "{\"leader\":\"master@10.0.0.1:5050\",\"x\":"

/* PREFIX, then `before`, `n` times `fill`, `after`, then "}". */
static char *doc_with(const char *before, char fill, size_t n, const char *after, size_t *len)
{
    size_t a = strlen(PREFIX), b = strlen(before), c = strlen(after);
    char *d = malloc(a + b + n + c + 2);
    assert_non_null(d);
    memcpy(d, PREFIX, a);
    memcpy(d + a, before, b);
    memset(d + a + b, fill, n);
    memcpy(d + a + b + n, after, c);
    memcpy(d + a + b + n + c, "}", 2);
    *len = a + b + n + c + 1;
    return d;
}

/* Parse in `chunk`-byte feeds (0 = whole) with token limit `max` (0 =
 * default); returns rc, the reason in err. */
static int parse_limited(const char *doc, size_t len, size_t chunk, size_t max, model_t **m,
                         char *err, size_t errlen)
{
    state_parser_t *p = state_parser_new();
    assert_non_null(p);
    if (max)
        state_parser_set_max_token(p, max);
    for (size_t off = 0; off < len;) {
        size_t n = chunk && chunk < len - off ? chunk : len - off;
        if (state_parser_feed(p, doc + off, n) != 0)
            break;
        off += n;
    }
    err[0] = '\0';
    return state_parser_finish(&p, m, err, errlen);
}

static void expect_limit(const char *doc, size_t len, const char *why)
{
    static const size_t chunks[] = {0, 4096, 1000, 7};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        model_t *m = NULL;
        char err[256];
        int rc = parse_limited(doc, len, chunks[i], 0, &m, err, sizeof err);
        if (!why) {
            if (rc != 0)
                fail_msg("chunk %zu: rejected: %s", chunks[i], err);
            model_free(&m);
            continue;
        }
        assert_int_equal(rc, -EPROTO);
        assert_null(m);
        if (strcmp(err, why) != 0)
            fail_msg("chunk %zu: \"%s\", want \"%s\"", chunks[i], err, why);
    }
}

static void test_token_limit(void **state)
{
    size_t len, at = strlen(PREFIX);
    char *d;
    /* A string value of exactly STATE_MAX_TOKEN bytes is fine; one more
     * is not, reported at its opening quote. */
    d = doc_with("\"", 'a', STATE_MAX_TOKEN, "\"", &len);
    expect_limit(d, len, NULL);
    free(d);
    char why[128];
    snprintf(why, sizeof why, "a JSON string longer than 1 MiB at byte %zu", at);
    d = doc_with("\"", 'a', STATE_MAX_TOKEN + 1, "\"", &len);
    expect_limit(d, len, why);
    free(d);
    /* Unterminated: the same, not "truncated". */
    d = doc_with("\"", 'a', STATE_MAX_TOKEN + 1, "", &len);
    expect_limit(d, len - 1, why);
    free(d);
    /* Escapes count as written. */
    d = doc_with("\"\\\\", 'a', STATE_MAX_TOKEN - 1, "\"", &len);
    expect_limit(d, len, why);
    free(d);
    /* A key. */
    snprintf(why, sizeof why, "a JSON string longer than 1 MiB at byte %zu", at + 1);
    d = doc_with("{\"", 'k', STATE_MAX_TOKEN + 1, "\":1}", &len);
    expect_limit(d, len, why);
    free(d);
    /* A number (valid JSON: an integer of a million digits). */
    snprintf(why, sizeof why, "a JSON number longer than 1 MiB at byte %zu", at + 1);
    d = doc_with("[1", '2', STATE_MAX_TOKEN, "]", &len);
    expect_limit(d, len, why);
    free(d);
    d = doc_with("[1", '2', STATE_MAX_TOKEN - 1, "]", &len);
    expect_limit(d, len, NULL);
    free(d);
    /* An invalid byte before the long token is reported first. */
    d = doc_with("[x,\"", 'a', STATE_MAX_TOKEN + 1, "\"]", &len);
    model_t *m = NULL;
    char err[256];
    assert_int_equal(parse_limited(d, len, 1000, 0, &m, err, sizeof err), -EPROTO);
    assert_non_null(strstr(err, "invalid JSON"));
    free(d);
}

/* With a small limit, every chunking gives the same verdict, the same
 * reason, and when accepted the same model as the default limit. */
static void test_token_limit_chunking(void **state)
{
    static const char *const files[] = {"tests/data/state/gen-small.json",
                                        "tests/data/state/ports_discovery.json",
                                        "tests/data/state/bad_entries.json"};
    static const size_t limits[] = {8, 24, 40, 100};
    static const size_t chunks[] = {0, 1, 3, 64, 1000};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        char *doc = load(files[f], &len);
        model_t *ref = parse_ok(doc, len, NULL);
        char *want = dump_model(ref);
        model_free(&ref);
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            char err0[256];
            model_t *m0 = NULL;
            int rc0 = parse_limited(doc, len, 0, limits[l], &m0, err0, sizeof err0);
            if (rc0 == 0) {
                char *got = dump_model(m0);
                assert_string_equal(got, want);
                free(got);
            } else {
                assert_non_null(strstr(err0, "longer than"));
            }
            model_free(&m0);
            for (size_t c = 1; c < sizeof chunks / sizeof chunks[0]; c++) {
                char err[256];
                model_t *m = NULL;
                int rc = parse_limited(doc, len, chunks[c], limits[l], &m, err, sizeof err);
                assert_int_equal(rc, rc0);
                assert_string_equal(err, rc0 ? err0 : "");
                model_free(&m);
            }
        }
        free(want);
        free(doc);
    }
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The quadratic case of a bare yajl: a string as long as allowed, in
 * 64-byte feeds. yajl alone re-lexes it from its start on each of 16,384
 * feeds (~8.6e9 bytes read, many seconds); through the guard it is read
 * once. The bound is loose for sanitizer builds and a busy machine. */
static void test_long_string_linear(void **state)
{
    size_t len;
    char *d = doc_with("\"", 'a', STATE_MAX_TOKEN, "\"", &len);
    double t0 = cpu_seconds();
    model_t *m = NULL;
    char err[256];
    assert_int_equal(parse_limited(d, len, 64, 0, &m, err, sizeof err), 0);
    double took = cpu_seconds() - t0;
    model_free(&m);
    free(d);
    if (took > 1.0)
        fail_msg("a 1 MiB string in 64-byte feeds took %.2f CPU seconds", took);
}

/* ---- warnings: logged when they change, not on every refresh ---- */

static int parse_logged(const char *doc, state_warn_memo_t *memo)
{
    state_parser_t *p = state_parser_new();
    assert_non_null(p);
    state_parser_set_memo(p, memo);
    assert_int_equal(state_parser_feed(p, doc, strlen(doc)), 0);
    model_t *m = NULL;
    int rc = state_parser_finish(&p, &m, NULL, 0);
    model_free(&m);
    return rc;
}

static int logged_at(int level, const char *needle)
{
    char want[256];
    snprintf(want, sizeof want, "%d %s", level, needle);
    return count_lines(logged.data ? logged.data : "", want);
}

static void test_warnings_on_change(void **state)
{
    size_t len;
    char *bad = load("tests/data/state/bad_entries.json", &len);
    static const char one[] = "{" L ",\"slaves\":[{\"id\":\"S1\",\"pid\":\"nonsense\"}]}";
    static const char clean[] =
        "{" L ",\"slaves\":[{\"id\":\"S1\",\"pid\":\"slave(1)@10.0.0.9:5051\"}]}";
    state_warn_memo_t memo;
    memset(&memo, 0, sizeof memo);
    log_set_verbosity(1); /* see the debug lines too */
    log_set_sink(capture, NULL);

    /* First time: 8 warnings and 1 info, as without a memo. */
    buf_clear(&logged);
    assert_int_equal(parse_logged(bad, &memo), 0);
    assert_int_equal(logged_at(LOG_LVL_WARN, "state: "), 8);
    assert_int_equal(logged_at(LOG_LVL_INFO, "state: "), 1);
    /* The same again, twice: debug only. */
    for (int i = 0; i < 2; i++) {
        buf_clear(&logged);
        assert_int_equal(parse_logged(bad, &memo), 0);
        assert_int_equal(logged_at(LOG_LVL_WARN, "state: "), 0);
        assert_int_equal(logged_at(LOG_LVL_INFO, "state: "), 0);
        assert_int_equal(count_lines(logged.data, "(unchanged)"), 9);
    }
    /* One kind changes (count and example), the others go away. */
    buf_clear(&logged);
    assert_int_equal(parse_logged(one, &memo), 0);
    char want[200];
    snprintf(want, sizeof want, "state: 1 %s; e.g. S1: pid \"nonsense\"",
             state_warn_text(STATE_WARN_AGENT_PID));
    assert_int_equal(logged_at(LOG_LVL_WARN, want), 1);
    assert_int_equal(logged_at(LOG_LVL_WARN, "state: "), 1);
    assert_int_equal(logged_at(LOG_LVL_INFO, "state: no more "), 8);
    /* Gone: said once. */
    buf_clear(&logged);
    assert_int_equal(parse_logged(clean, &memo), 0);
    snprintf(want, sizeof want, "state: no more %s", state_warn_text(STATE_WARN_AGENT_PID));
    assert_int_equal(logged_at(LOG_LVL_INFO, want), 1);
    assert_int_equal(logged_at(LOG_LVL_WARN, "state: "), 0);
    buf_clear(&logged);
    assert_int_equal(parse_logged(clean, &memo), 0);
    assert_int_equal(count_lines(logged.data ? logged.data : "", "state: "), 1); /* debug summary */
    /* Without a memo, every document logs its warnings. */
    for (int i = 0; i < 2; i++) {
        buf_clear(&logged);
        assert_int_equal(parse_logged(bad, NULL), 0);
        assert_int_equal(logged_at(LOG_LVL_WARN, "state: "), 8);
    }
    log_set_sink(NULL, NULL);
    log_set_verbosity(0);
    buf_release(&logged);
    free(bad);
}

/* Cut a valid document anywhere before its final '}': always rejected,
 * never crashes, never a partial model. */
static void test_reject_truncated_everywhere(void **state)
{
    size_t len;
    char *doc = load("tests/data/state/bad_entries.json", &len);
    size_t end = len;
    while (end > 0 && doc[end - 1] != '}')
        end--;
    for (size_t cut = 0; cut < end; cut++) {
        state_parser_t *p = state_parser_new();
        int rc = state_parser_feed(p, doc, cut);
        model_t *m = NULL;
        char err[256] = "";
        int frc = state_parser_finish(&p, &m, err, sizeof err);
        assert_int_equal(frc, -EPROTO);
        assert_true(rc == 0 || rc == -EPROTO);
        assert_null(m);
        assert_true(err[0] != '\0');
    }
    free(doc);
}

static void test_parse_file(void **state)
{
    model_t *m = NULL;
    char err[256] = "";
    assert_int_equal(state_parse_file("/nonexistent/state.json", &m, err, sizeof err), -ENOENT);
    assert_null(m);
    assert_non_null(strstr(err, "/nonexistent/state.json"));

    const char *src = getenv("MDNS_SRC");
    char path[1024];
    snprintf(path, sizeof path, "%s/packaging/demo/state.json", src ? src : ".");
    assert_int_equal(state_parse_file(path, &m, err, sizeof err), 0);
    assert_int_equal(m->n_agents, 3);
    assert_int_equal(m->n_frameworks, 2);
    assert_int_equal(m->n_tasks, 9);
    model_free(&m);

    state_parser_t *p = state_parser_new();
    state_parser_free(&p); /* abandon without feeding */
    assert_null(p);
    state_parser_free(&p);
    state_parser_free(NULL);
}

int main(void)
{
    log_set_verbosity(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_matches_oracle),
        cmocka_unit_test(test_demo_matches_oracle),
        cmocka_unit_test(test_chunking_identical),
        cmocka_unit_test(test_split_everywhere),
        cmocka_unit_test(test_ip_rules),
        cmocka_unit_test(test_ports_and_discovery),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_ignored_sections),
        cmocka_unit_test(test_agents_after_frameworks),
        cmocka_unit_test(test_reject_documents),
        cmocka_unit_test(test_reject_truncated_everywhere),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_token_limit),
        cmocka_unit_test(test_token_limit_chunking),
        cmocka_unit_test(test_long_string_linear),
        cmocka_unit_test(test_warnings_on_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
