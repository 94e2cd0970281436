/* Golden tests of the naming rules: every directory under
 * tests/golden/gen/ holds a Mesos state document (state.json), the
 * generator's settings (gen.cfg) and the records expected (expected.txt,
 * one "owner TYPE value" line per record, sorted bytewise, duplicates
 * collapsed), optionally also the /v1/enumerate document (enumerate.json).
 * The state goes through the real state parser, then zone_gen_run; the
 * output is compared whole. On a mismatch the differing lines are printed
 * and the actual output is written to ./golden-gen-<case>.actual.
 *
 * gen.cfg, one setting per line ('#' starts a comment):
 *   domain D | rfc952 true|false | legacy true|false | weight N
 *   ipsources netinfo,mesos,docker,host | mname NAME. | ns IP
 *   master HOST:PORT | host NAME IP   (the resolver's answers: hostmap
 *   stand-in, so the cases need no DNS) */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/errcode.h"
#include "discovery/state_parse.h"
#include "gen_text.h"
#include "zone/enumerate.h"
#include "zone/gen.h"

#define MAXN 32

typedef struct gcase {
    zone_gen_cfg_t cfg;
    char domain[256], mname[256];
    enum model_ipsrc src[IPSRC_COUNT];
    model_ip_t ns[MAXN];
    char *masters[MAXN];
    char *host_name[MAXN];
    model_ip_t host_ip[MAXN][2];
    size_t host_n[MAXN], n_hosts;
} gcase_t;

static bool parse_ip(const char *s, model_ip_t *ip)
{
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, s, ip->addr) == 1)
        ip->family = AF_INET;
    else if (inet_pton(AF_INET6, s, ip->addr) == 1)
        ip->family = AF_INET6;
    return ip->family != 0;
}

static bool parse_src(const char *s, enum model_ipsrc *out)
{
    static const char *names[IPSRC_COUNT] = {"netinfo", "mesos", "docker", "host"};
    static const enum model_ipsrc vals[IPSRC_COUNT] = {IPSRC_NETINFO, IPSRC_MESOS, IPSRC_DOCKER,
                                                       IPSRC_HOST};
    for (int i = 0; i < IPSRC_COUNT; i++)
        if (strcmp(s, names[i]) == 0)
            return *out = vals[i], true;
    return false;
}

static size_t case_lookup(void *ctx, const char *host, const model_ip_t **ips)
{
    gcase_t *g = ctx;
    for (size_t i = 0; i < g->n_hosts; i++) {
        if (strcmp(g->host_name[i], host) == 0) {
            *ips = g->host_ip[i];
            return g->host_n[i];
        }
    }
    return 0;
}

static void load_cfg(const char *path, gcase_t *g)
{
    memset(g, 0, sizeof *g);
    zone_gen_cfg_t *c = &g->cfg;
    strcpy(g->domain, "mesos");
    strcpy(g->mname, "ns1.mesos.");
    c->legacy_raw_names = true;
    c->srv_weight = 1;
    g->src[0] = IPSRC_NETINFO, g->src[1] = IPSRC_MESOS, g->src[2] = IPSRC_HOST;
    c->n_ip_sources = 3;
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char k[64], v[256], w[256];
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        int n = sscanf(line, "%63s %255s %255s", k, v, w);
        if (n <= 0)
            continue;
        if (n < 2)
            fail_msg("%s: bad line: %s", path, line);
        if (!strcmp(k, "domain"))
            strcpy(g->domain, v);
        else if (!strcmp(k, "mname"))
            strcpy(g->mname, v);
        else if (!strcmp(k, "rfc952"))
            c->rfc952 = !strcmp(v, "true");
        else if (!strcmp(k, "legacy"))
            c->legacy_raw_names = !strcmp(v, "true");
        else if (!strcmp(k, "weight"))
            c->srv_weight = (uint16_t)atoi(v);
        else if (!strcmp(k, "ns") && c->n_ns_ips < MAXN)
            assert_true(parse_ip(v, &g->ns[c->n_ns_ips++]));
        else if (!strcmp(k, "master") && c->n_masters < MAXN)
            g->masters[c->n_masters++] = strdup(v);
        else if (!strcmp(k, "ipsources")) {
            c->n_ip_sources = 0;
            for (char *tok = strtok(v, ","); tok; tok = strtok(NULL, ","))
                assert_true(parse_src(tok, &g->src[c->n_ip_sources++]));
        } else if (!strcmp(k, "host") && n == 3) {
            size_t i;
            for (i = 0; i < g->n_hosts && strcmp(g->host_name[i], v) != 0; i++)
                ;
            if (i == g->n_hosts)
                g->host_name[g->n_hosts++] = strdup(v);
            assert_true(g->host_n[i] < 2 && parse_ip(w, &g->host_ip[i][g->host_n[i]++]));
        } else
            fail_msg("%s: unknown setting %s", path, k);
    }
    fclose(f);
    c->domain = g->domain;
    c->soa_mname = g->mname;
    c->ip_sources = g->src;
    c->ns_ips = g->ns;
    c->masters = (const char *const *)g->masters;
}

static void free_cfg(gcase_t *g)
{
    for (size_t i = 0; i < g->cfg.n_masters; i++)
        free(g->masters[i]);
    for (size_t i = 0; i < g->n_hosts; i++)
        free(g->host_name[i]);
}

typedef struct lines {
    char **v;
    size_t n, cap;
} lines_t;

static void lines_add(lines_t *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    l->v[l->n++] = strdup(s);
}

static void lines_free(lines_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort bytewise and drop duplicates (every store is a set). */
static void lines_sort_unique(lines_t *l)
{
    qsort(l->v, l->n, sizeof *l->v, cmp);
    size_t o = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (o > 0 && strcmp(l->v[o - 1], l->v[i]) == 0) {
            free(l->v[i]);
            continue;
        }
        l->v[o++] = l->v[i];
    }
    l->n = o;
}

static int text_sink(void *ctx, const zone_gen_rec_t *r)
{
    char line[1200];
    if (gen_rec_text(r, line, sizeof line) < 0)
        return -EINVAL;
    lines_add(ctx, line);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_take(&b, len);
}

static void read_lines(const char *path, lines_t *l)
{
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        fail_msg("cannot read %s", path);
    for (char *save = NULL, *s = strtok_r(text, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
        if (*s)
            lines_add(l, s);
    free(text);
}

/* 0 when equal; otherwise prints what differs. */
static int compare(const char *name, const lines_t *want, const lines_t *got)
{
    int bad = 0;
    size_t i = 0, j = 0;
    while (i < want->n || j < got->n) {
        int c = i == want->n ? 1 : j == got->n ? -1 : strcmp(want->v[i], got->v[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        bad++;
        if (c < 0)
            fprintf(stderr, "%s: missing   %s\n", name, want->v[i++]);
        else
            fprintf(stderr, "%s: unexpected %s\n", name, got->v[j++]);
    }
    if (bad) {
        char out[512];
        snprintf(out, sizeof out, "golden-gen-%s.actual", name);
        FILE *f = fopen(out, "w");
        for (size_t k = 0; f && k < got->n; k++)
            fprintf(f, "%s\n", got->v[k]);
        if (f)
            fclose(f);
    }
    return bad;
}

static int run_case(const char *dir, const char *name)
{
    char path[2048], err[256] = "";
    gcase_t g;
    snprintf(path, sizeof path, "%s/%s/gen.cfg", dir, name);
    load_cfg(path, &g);
    snprintf(path, sizeof path, "%s/%s/state.json", dir, name);
    model_t *m = NULL;
    int rc = state_parse_file(path, &m, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: state_parse_file: %s (%s)", name, mdns_strerror(rc), err);
    lines_t got = {0}, want = {0};
    zone_gen_stats_t st;
    assert_int_equal(zone_gen_run(m, &g.cfg, case_lookup, &g, text_sink, &got, &st), 0);
    lines_sort_unique(&got);
    snprintf(path, sizeof path, "%s/%s/expected.txt", dir, name);
    read_lines(path, &want);
    int bad = compare(name, &want, &got);

    snprintf(path, sizeof path, "%s/%s/enumerate.json", dir, name);
    size_t elen;
    char *ejson = slurp(path, &elen);
    if (ejson) {
        assert_int_equal(g.n_hosts, 0); /* enumerate_json resolves through a real hostmap */
        buf_t b = BUF_INIT;
        assert_int_equal(enumerate_json(m, &g.cfg, NULL, &b), 0);
        while (elen > 0 && ejson[elen - 1] == '\n')
            elen--; /* the file ends with a newline, the document does not */
        if (b.len != elen || memcmp(b.data, ejson, elen) != 0) {
            fprintf(stderr, "%s: enumerate.json differs; got:\n%s\n", name, b.data);
            bad++;
        }
        buf_release(&b);
        free(ejson);
    }
    printf("golden %-28s %4zu records%s\n", name, got.n, bad ? "  MISMATCH" : "");
    lines_free(&got);
    lines_free(&want);
    model_free(&m);
    free_cfg(&g);
    return bad;
}

static void test_golden_gen(void **state)
{
    const char *src = getenv("MDNS_SRC");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/golden/gen", src ? src : ".");
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0)
        fail_msg("cannot list %s", dir);
    int cases = 0, bad = 0;
    for (int i = 0; i < n; i++) {
        if (list[i]->d_name[0] != '.') {
            bad += run_case(dir, list[i]->d_name) != 0;
            cases++;
        }
        free(list[i]);
    }
    free(list);
    assert_true(cases > 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden_gen)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
