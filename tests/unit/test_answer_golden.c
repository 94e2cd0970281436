/* Golden query tests of dnsd/answer (the idea of NSD's tpkg qtest): every
 * tests/golden/answer/<name>.cases file names a zone file, then lists queries with
 * the response expected as dig-like text (dnsd/wiretext, records sorted
 * within a section because ANSWER order is random). Each query goes through
 * answer_query in-process against a zone built by the real zone_builder.
 *
 * Zone file (.zone), one item per line, '#' comments:
 *     $APEX mesos
 *     $SOA <mname> <rname> <refresh> <retry> <expire> <minimum> <ttl>
 *     $DCOS <cluster label>
 *     <owner.> <TYPE> <rdata...>          A, AAAA, SRV, TXT, PTR
 *     $GEN <from> <to> <record line>      '$' in the line becomes the counter
 *
 * Cases file (.cases):
 *     zone <file.zone>                    once, first
 *     case <name>
 *     cfg [recurse=0|1] [external=0|1] [truncbit=0|1] [ednsmax=N]
 *         [identity=S] [version=S]        (defaults: 1 1 1 1232 ns1 "")
 *     nozone                              answer with no snapshot (z == NULL)
 *     query <name> <TYPE|number> [class=IN|CH|HS|ANY|N] [id=N] [rd] [cd]
 *           [opcode=N] [edns=SIZE] [ednsver=N] [do] [tcp] [cap=N]
 *     raw <hex bytes...>                  instead of query (spaces ignored)
 *     render summary                      records without RDATA, counted
 *     size                                append "size <response bytes>"
 *     expect
 *     <lines>                             or just DROP / FORWARD / XFR
 *     end
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/dname.h"
#include "dnsd/answer.h"
#include "dnsd/wire.h"
#include "dnsd/wiretext.h"
#include "zone/builder.h"

#define MAXLINE 1024

/* --- zone files ------------------------------------------------------------ */

static int parse_type(const char *s)
{
    static const struct {
        const char *n;
        int t;
    } types[] = {{"A", RRTYPE_A},
                 {"NS", RRTYPE_NS},
                 {"CNAME", RRTYPE_CNAME},
                 {"SOA", RRTYPE_SOA},
                 {"PTR", RRTYPE_PTR},
                 {"TXT", RRTYPE_TXT},
                 {"AAAA", RRTYPE_AAAA},
                 {"SRV", RRTYPE_SRV},
                 {"OPT", RRTYPE_OPT},
                 {"IXFR", RRTYPE_IXFR},
                 {"AXFR", RRTYPE_AXFR},
                 {"ANY", RRTYPE_ANY},
                 {"MX", 15},
                 {"TSIG", 250},
                 {"TKEY", 249}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(s, types[i].n) == 0)
            return types[i].t;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v < 0 || v > 65535 ? -1 : (int)v;
}

/* RDATA of one record from its text fields; returns its length or -1. */
static int rdata_from_text(int type, char **f, int nf, uint8_t *rd)
{
    int n;
    switch (type) {
    case RRTYPE_A:
        return nf == 1 && inet_pton(AF_INET, f[0], rd) == 1 ? 4 : -1;
    case RRTYPE_AAAA:
        return nf == 1 && inet_pton(AF_INET6, f[0], rd) == 1 ? 16 : -1;
    case RRTYPE_SRV:
        if (nf != 4)
            return -1;
        for (int i = 0; i < 3; i++) {
            long v = strtol(f[i], NULL, 10);
            rd[2 * i] = (uint8_t)(v >> 8);
            rd[2 * i + 1] = (uint8_t)v;
        }
        n = dname_from_text(f[3], rd + 6);
        return n < 0 ? -1 : 6 + n;
    case RRTYPE_PTR:
        return nf == 1 ? dname_from_text(f[0], rd) : -1;
    case RRTYPE_TXT:
        if (nf != 1 || strlen(f[0]) > 255)
            return -1;
        rd[0] = (uint8_t)strlen(f[0]);
        memcpy(rd + 1, f[0], rd[0]);
        return 1 + rd[0];
    default:
        return -1;
    }
}

static int split(char *line, char **f, int max)
{
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && n < max; tok = strtok(NULL, " \t\r\n"))
        f[n++] = tok;
    return n;
}

static int add_record_line(zone_builder_t *b, char *line)
{
    char *f[16];
    uint8_t owner[DNAME_MAXLEN], rd[512];
    int nf = split(line, f, 16);
    if (nf < 3)
        return -1;
    int type = parse_type(f[1]);
    int on = dname_from_text(f[0], owner);
    int rl = rdata_from_text(type, f + 2, nf - 2, rd);
    if (on < 0 || rl < 0)
        return -1;
    return zone_builder_add(b, owner, (uint16_t)type, rd, (uint16_t)rl);
}

/* "$GEN from to line": the line once per counter value, '$' replaced. */
static int add_gen_line(zone_builder_t *b, const char *args)
{
    int from, to, skip;
    if (sscanf(args, "%d %d %n", &from, &to, &skip) != 2)
        return -1;
    for (int i = from; i <= to; i++) {
        char out[MAXLINE];
        size_t o = 0;
        for (const char *p = args + skip; *p && o + 12 < sizeof out; p++)
            o += *p == '$' ? (size_t)snprintf(out + o, 12, "%d", i) : (out[o] = *p, 1);
        out[o] = '\0';
        if (add_record_line(b, out) < 0)
            return -1;
    }
    return 0;
}

static zone_builder_t *builder_from_header(char *apex, char soa_line[])
{
    static char mname[256], rname[256];
    zone_soa_params_t soa = {0};
    if (sscanf(soa_line, "%255s %255s %u %u %u %u %u", mname, rname, &soa.refresh, &soa.retry,
               &soa.expire, &soa.minimum, &soa.ttl) != 7)
        return NULL;
    soa.mname = mname;
    soa.rname = rname;
    return zone_builder_new(apex, &soa);
}

static zone_snap_t *load_zone(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[MAXLINE], apex[256] = "", soa[MAXLINE] = "";
    zone_builder_t *b = NULL;
    zone_snap_t *z = NULL;
    int lineno = 0, bad = 0;
    if (!f)
        return NULL;
    while (!bad && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
            continue;
        if (sscanf(line, "$APEX %255s", apex) == 1 || sscanf(line, "$SOA %[^\n]", soa) == 1)
            continue;
        if (!b && !(b = builder_from_header(apex, soa))) {
            bad = 1;
            break;
        }
        if (strncmp(line, "$DCOS ", 6) == 0)
            bad = zone_builder_set_dcos_label(b, strtok(line + 6, " \r\n")) < 0;
        else if (strncmp(line, "$GEN ", 5) == 0)
            bad = add_gen_line(b, line + 5) < 0;
        else
            bad = add_record_line(b, line) < 0;
    }
    fclose(f);
    if (bad)
        fprintf(stderr, "%s:%d: bad zone line\n", path, lineno);
    if (!bad && b && zone_builder_finish(&b, &z) == 0)
        zone_snap_set_serial(z, 1);
    zone_builder_free(&b);
    return z;
}

/* --- queries ----------------------------------------------------------------- */

typedef struct golden_case {
    char name[128];
    answer_cfg_t cfg;
    char identity[128], version[128];
    bool nozone, summary, size, tcp;
    size_t cap;
    uint8_t query[4096];
    size_t qlen;
    char expect[65536];
    size_t elen;
} golden_case_t;

static void case_reset(golden_case_t *c, const char *name)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    strcpy(c->identity, "ns1.test");
    c->cfg = (answer_cfg_t){.domain = "mesos",
                            .recurse_on = true,
                            .external_on = true,
                            .set_truncate_bit = true,
                            .edns_max = 1232,
                            .identity = c->identity,
                            .version_bind = c->version};
    c->cap = 65535;
}

static int parse_cfg(golden_case_t *c, char **f, int nf)
{
    for (int i = 0; i < nf; i++) {
        char *v = strchr(f[i], '=');
        if (!v)
            return -1;
        *v++ = '\0';
        if (strcmp(f[i], "recurse") == 0)
            c->cfg.recurse_on = atoi(v);
        else if (strcmp(f[i], "external") == 0)
            c->cfg.external_on = atoi(v);
        else if (strcmp(f[i], "truncbit") == 0)
            c->cfg.set_truncate_bit = atoi(v);
        else if (strcmp(f[i], "ednsmax") == 0)
            c->cfg.edns_max = (uint16_t)atoi(v);
        else if (strcmp(f[i], "identity") == 0)
            snprintf(c->identity, sizeof c->identity, "%s", v);
        else if (strcmp(f[i], "version") == 0)
            snprintf(c->version, sizeof c->version, "%s", v);
        else
            return -1;
    }
    return 0;
}

static int parse_class(const char *s)
{
    if (strcmp(s, "IN") == 0)
        return 1;
    if (strcmp(s, "CH") == 0)
        return 3;
    if (strcmp(s, "HS") == 0)
        return 4;
    if (strcmp(s, "ANY") == 0)
        return 255;
    return atoi(s);
}

/* "query NAME TYPE opts..." → wire query in c->query. */
static int parse_query(golden_case_t *c, char **f, int nf)
{
    uint8_t *q = c->query;
    int type = nf >= 2 ? parse_type(f[1]) : -1, cls = 1, id = 1, flags = 0, edns = -1;
    int ednsver = 0, dobit = 0;
    for (int i = 2; i < nf; i++) {
        if (strncmp(f[i], "class=", 6) == 0)
            cls = parse_class(f[i] + 6);
        else if (strncmp(f[i], "id=", 3) == 0)
            id = atoi(f[i] + 3);
        else if (strcmp(f[i], "rd") == 0)
            flags |= WIRE_FLAG_RD;
        else if (strcmp(f[i], "cd") == 0)
            flags |= WIRE_FLAG_CD;
        else if (strncmp(f[i], "opcode=", 7) == 0)
            flags |= atoi(f[i] + 7) << 11;
        else if (strncmp(f[i], "edns=", 5) == 0)
            edns = atoi(f[i] + 5);
        else if (strncmp(f[i], "ednsver=", 8) == 0)
            ednsver = atoi(f[i] + 8);
        else if (strcmp(f[i], "do") == 0)
            dobit = 1;
        else if (strcmp(f[i], "tcp") == 0)
            c->tcp = true;
        else if (strncmp(f[i], "cap=", 4) == 0)
            c->cap = (size_t)atoi(f[i] + 4);
        else
            return -1;
    }
    int nl = type < 0 ? -1 : dname_from_text(f[0], q + 12);
    if (nl < 0)
        return -1;
    wire_put16(q, (uint16_t)id);
    wire_put16(q + 2, (uint16_t)flags);
    wire_put16(q + 4, 1);
    wire_put16(q + 6, 0);
    wire_put16(q + 8, 0);
    wire_put16(q + 10, edns >= 0 ? 1 : 0);
    size_t p = 12 + (size_t)nl;
    wire_put16(q + p, (uint16_t)type);
    wire_put16(q + p + 2, (uint16_t)cls);
    p += 4;
    if (edns >= 0) {
        q[p] = 0;
        wire_put16(q + p + 1, RRTYPE_OPT);
        wire_put16(q + p + 3, (uint16_t)edns);
        q[p + 5] = 0;
        q[p + 6] = (uint8_t)ednsver;
        wire_put16(q + p + 7, dobit ? WIRE_EDNS_DO : 0);
        wire_put16(q + p + 9, 0);
        p += 11;
    }
    c->qlen = p;
    return 0;
}

static int parse_raw(golden_case_t *c, const char *hex)
{
    c->qlen = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1 || c->qlen >= sizeof c->query)
            return -1;
        c->query[c->qlen++] = (uint8_t)v;
        p += 2;
    }
    return 0;
}

/* --- running ---------------------------------------------------------------- */

static char *render_result(golden_case_t *c, const answer_result_t *res, const uint8_t *out)
{
    static char text[1 << 20];
    if (res->action == ANSWER_DROP)
        return strcpy(text, "DROP\n");
    if (res->action == ANSWER_FORWARD)
        return strcpy(text, "FORWARD\n");
    if (res->action == ANSWER_XFR)
        return strcpy(text, "XFR\n");
    int n = wiretext_render(out, res->len, c->summary ? WIRETEXT_SUMMARY : WIRETEXT_SORT, text,
                            sizeof text - 64);
    if (n < 0)
        return text; /* "malformed: ..." never matches an expectation */
    if (c->size)
        snprintf(text + n, 64, "size %zu\n", res->len);
    return text;
}

/* Every case runs under several RNG seeds: an expectation must not depend
 * on the random answer order. */
static int run_case(golden_case_t *c, const zone_snap_t *z, answer_ctx_t *ctx)
{
    static uint8_t out[65535];
    answer_result_t res;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        answer_ctx_init(ctx, &c->cfg, seed * 0x9E3779B97F4A7C15ULL);
        answer_query(ctx, c->nozone ? NULL : z, c->query, c->qlen, c->tcp, out, c->cap, &res);
        const char *got = render_result(c, &res, out);
        if (strcmp(got, c->expect) != 0) {
            fprintf(stderr, "--- case %s (seed %u): expected\n%s--- got\n%s---\n", c->name,
                    (unsigned)seed, c->expect, got);
            return 1;
        }
    }
    return 0;
}

static int line_directive(golden_case_t *c, char *line, char *dir)
{
    char *f[32];
    int nf = split(line, f, 32);
    if (nf == 0)
        return 0;
    if (strcmp(f[0], "cfg") == 0)
        return parse_cfg(c, f + 1, nf - 1);
    if (strcmp(f[0], "nozone") == 0)
        return c->nozone = true, 0;
    if (strcmp(f[0], "size") == 0)
        return c->size = true, 0;
    if (strcmp(f[0], "render") == 0 && nf == 2 && strcmp(f[1], "summary") == 0)
        return c->summary = true, 0;
    if (strcmp(f[0], "query") == 0)
        return parse_query(c, f + 1, nf - 1);
    fprintf(stderr, "unknown directive %s in %s\n", dir, c->name);
    return -1;
}

/* Runs every case of one file; returns the number of failures. */
static int run_file(const char *dir, const char *file, answer_ctx_t *ctx, int *ncases)
{
    char path[2 * MAXLINE + 2], line[MAXLINE];
    static golden_case_t c;
    zone_snap_t *z = NULL;
    int fails = 0;
    bool in_expect = false, in_case = false;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char copy[MAXLINE];
        memcpy(copy, line, sizeof copy);
        if (in_expect) {
            if (strcmp(line, "end\n") == 0) {
                fails += run_case(&c, z, ctx);
                (*ncases)++;
                in_expect = in_case = false;
            } else if (c.elen + strlen(line) < sizeof c.expect) {
                memcpy(c.expect + c.elen, line, strlen(line) + 1);
                c.elen += strlen(line);
            }
        } else if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line)) {
            continue;
        } else if (strncmp(line, "zone ", 5) == 0) {
            char zp[2 * MAXLINE + 2];
            snprintf(zp, sizeof zp, "%s/%s", dir, strtok(line + 5, " \r\n"));
            zone_snap_free(&z);
            z = load_zone(zp);
            assert_non_null(z);
        } else if (strncmp(line, "case ", 5) == 0) {
            case_reset(&c, strtok(line + 5, " \r\n"));
            in_case = true;
        } else if (in_case && strncmp(line, "raw", 3) == 0 && strchr(" \n", line[3])) {
            assert_int_equal(parse_raw(&c, line + 3), 0);
        } else if (in_case && strcmp(line, "expect\n") == 0) {
            in_expect = true;
        } else if (!in_case || line_directive(&c, line, copy) < 0) {
            fprintf(stderr, "%s: bad line: %s", path, copy);
            fails++;
        }
    }
    fclose(f);
    zone_snap_free(&z);
    if (in_case) {
        fprintf(stderr, "%s: case %s not closed by 'end'\n", path, c.name);
        fails++;
    }
    return fails;
}

static void test_golden(void **state)
{
    char dir[1024];
    const char *src = getenv("MDNS_SRC");
    snprintf(dir, sizeof dir, "%s/tests/golden/answer", src ? src : ".");
    DIR *d = opendir(dir);
    assert_non_null(d);
    answer_ctx_t *ctx = malloc(sizeof *ctx);
    assert_non_null(ctx);
    int fails = 0, ncases = 0, nfiles = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".cases") == 0) {
            fails += run_file(dir, e->d_name, ctx, &ncases);
            nfiles++;
        }
    }
    closedir(d);
    free(ctx);
    fprintf(stderr, "golden: %d files, %d cases, %d failed\n", nfiles, ncases, fails);
    assert_true(ncases > 0);
    assert_int_equal(fails, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
