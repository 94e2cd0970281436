/* libFuzzer harness for dnsd/answer (and dnsd/wire under it): arbitrary bytes
 * as a query against a fixed small zone built once.
 *
 * Input: one control byte, then the query. Control bits: 0 TCP, 1 no zone
 * (z == NULL), 2 externalon off, 3 SetTruncateBit off, 4 ednsMaxPayload 4096
 * instead of 1232, 5 a minimal 512-byte output buffer.
 *
 * Every response must parse back strictly (dnsd/wiretext: counts, names,
 * pointers backwards, RDATA layout, nothing after the last record), fit the
 * size limit, echo ID, opcode and the question, and each action must be one
 * the input allows. Any violation aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dname.h"
#include "dnsd/answer.h"
#include "dnsd/wire.h"
#include "dnsd/wiretext.h"
#include "zone/builder.h"

#define LABEL "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"

static zone_snap_t *zone;
static answer_ctx_t *ctx;
static uint8_t out[65535];
static char text[1 << 20];

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_answer: %s\n", what);
        abort();
    }
}

static void add(zone_builder_t *b, const char *owner, uint16_t type, const uint8_t *rd, size_t rdl)
{
    uint8_t o[DNAME_MAXLEN];
    check(dname_from_text(owner, o) > 0, "zone owner");
    check(zone_builder_add(b, o, type, rd, (uint16_t)rdl) == 0, "zone add");
}

static void add_srv(zone_builder_t *b, const char *owner, uint16_t port, const char *target)
{
    uint8_t rd[6 + DNAME_MAXLEN] = {0, 0, 0, 1, (uint8_t)(port >> 8), (uint8_t)port};
    int n = dname_from_text(target, rd + 6);
    check(n > 0, "srv target");
    add(b, owner, RRTYPE_SRV, rd, 6 + (size_t)n);
}

static void build_zone(void)
{
    zone_soa_params_t soa = {"ns1.mesos", "root.ns1.mesos", 60, 600, 86400, 30, 60};
    zone_builder_t *b = zone_builder_new("mesos", &soa);
    check(b != NULL, "builder");
    static const uint8_t a1[4] = {10, 0, 0, 53}, a2[4] = {10, 1, 0, 1};
    static const uint8_t six[16] = {0xfd, 0, [15] = 1};
    add(b, "ns1.mesos", RRTYPE_A, a1, 4);
    add(b, "ns1.mesos", RRTYPE_AAAA, six, 16);
    add(b, "web.marathon.mesos", RRTYPE_A, a2, 4);
    add(b, "web.marathon.mesos", RRTYPE_AAAA, six, 16);
    add(b, "info.marathon.mesos", RRTYPE_TXT, (const uint8_t *)"\005hello", 6);
    add_srv(b, "_ext._tcp.marathon.mesos", 80, "www.example.com");
    char name[300];
    for (int i = 1; i <= 60; i++) {
        uint8_t a[4] = {10, 2, 0, (uint8_t)i};
        add(b, "big.marathon.mesos", RRTYPE_A, a, 4);
        snprintf(name, sizeof name, "web-%d.marathon.slave.mesos", i);
        add(b, name, RRTYPE_A, a, 4);
        if (i % 3 == 0)
            add(b, name, RRTYPE_AAAA, six, 16);
        add_srv(b, "_web._tcp.marathon.mesos", (uint16_t)(31000 + i), name);
    }
    /* A target too long to rename under the DC/OS suffix. */
    snprintf(name, sizeof name, "%.50s.%.50s.%.50s.%.50s.slave.mesos", LABEL, LABEL, LABEL, LABEL);
    add(b, name, RRTYPE_A, a1, 4);
    add_srv(b, "_long._tcp.marathon.mesos", 1, name);
    check(zone_builder_set_dcos_label(b, LABEL) == 0, "dcos label");
    check(zone_builder_finish(&b, &zone) == 0, "finish");
    zone_snap_set_serial(zone, 7);
    ctx = malloc(sizeof *ctx);
    check(ctx != NULL, "ctx");
}

/* The response's question equals the query's, byte for byte. */
static void check_echo(const uint8_t *q, size_t qlen, const answer_result_t *res)
{
    check(out[0] == q[0] && out[1] == q[1], "id echoed");
    check((out[2] & 0x80) && (out[2] & 0x78) == (q[2] & 0x78), "QR set, opcode echoed");
    check((out[2] & 1) == (q[2] & 1), "RD echoed");
    uint16_t qd = wire_get16(out + 4);
    check(qd <= 1, "at most one question");
    if (qd == 1) {
        wire_query_t wq;
        check(wire_parse_header(q, qlen, &wq) == 0 && wire_parse_question(q, qlen, &wq) == 0,
              "question echoed only when it parsed");
        check(res->len >= wq.qend && memcmp(out + 12, q + 12, wq.qend - 12u) == 0,
              "question bytes echoed");
        check(res->qtype == wq.qtype, "qtype reported");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!zone)
        build_zone();
    if (size == 0)
        return 0;
    uint8_t ctl = data[0];
    const uint8_t *q = data + 1;
    size_t qlen = size - 1;
    bool tcp = ctl & 1;
    answer_cfg_t cfg = {.domain = "mesos",
                        .recurse_on = true,
                        .external_on = !(ctl & 4),
                        .set_truncate_bit = !(ctl & 8),
                        .edns_max = (ctl & 16) ? 4096 : 1232,
                        .identity = "ns1.fuzz",
                        .version_bind = "fuzz-1"};
    answer_ctx_init(ctx, &cfg, size);
    size_t cap = (ctl & 32) ? 512 : sizeof out;
    answer_result_t res;
    const zone_snap_t *z = (ctl & 2) ? NULL : zone;
    answer_query(ctx, z, q, qlen, tcp, out, cap, &res);

    bool header_ok = qlen >= 12 && !(q[2] & 0x80);
    if (res.action == ANSWER_DROP) {
        check(!header_ok, "dropped a query with a good header");
        return 0;
    }
    check(header_ok, "answered a response or a short packet");
    if (res.action == ANSWER_FORWARD) {
        check(cfg.external_on, "forwarded with externalon off");
        return 0;
    }
    if (res.action == ANSWER_XFR) { /* the caller streams the zone (dnsd/xfr) */
        check(tcp && z && (res.qtype == RRTYPE_AXFR || res.qtype == RRTYPE_IXFR),
              "transfer only over TCP, of a zone, for AXFR/IXFR");
        return 0;
    }
    check(res.action == ANSWER_SEND, "known action");
    size_t limit = 512;
    wire_query_t wq;
    if (tcp)
        limit = cap;
    else if (wire_parse_header(q, qlen, &wq) == 0 && wire_parse_question(q, qlen, &wq) == 0 &&
             wire_parse_edns(q, qlen, &wq) == 0 && wq.edns)
        limit = cfg.edns_max; /* at most; the client's size is checked by the golden tests */
    check(res.len >= 12 && res.len <= limit, "size within limits");
    int n = wiretext_render(out, res.len, 0, text, sizeof text);
    if (n < 0) {
        fprintf(stderr, "%s\n", text);
        check(false, "response parses back");
    }
    check_echo(q, qlen, &res);
    return 0;
}
