/* Unit tests of discovery/tokguard: the guard in front of yajl.
 *
 * What must hold, whatever the chunking: every byte reaches the sink once
 * and in order; no piece handed to the sink ends inside a string or a
 * number (that is what spares yajl its quadratic re-lexing), except what
 * tokguard_finish hands over at the end; a token longer than the limit is
 * reported at its first byte, with everything before it passed on and
 * nothing of it. The expected token boundaries come from a byte-at-a-time
 * reference scanner written here from the JSON grammar (RFC 8259 §6, §7),
 * independent of the memchr-based one under test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "discovery/tokguard.h"

/* ---- the reference: state after each byte ---- */

enum { R_OUT, R_STR, R_ESC, R_NUM };

struct ref_tok {
    size_t start, len; /* first byte (quote for strings); body length */
    int num;
};

static int ref_num_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* in_tok[i] = 1 when a string or number is open after byte i and goes on
 * with byte i + 1: a piece must not end there. (A piece may end with a
 * whole number: yajl then keeps those few bytes until the next byte tells
 * it the number ended, and lexes them once more, not once per chunk.) The
 * tokens found go to toks. */
static size_t reference(const char *s, size_t n, char *in_tok, struct ref_tok *toks, size_t cap)
{
    int st = R_OUT;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (st) {
        case R_OUT:
            if (c == '"') {
                st = R_STR;
                if (nt < cap)
                    toks[nt] = (struct ref_tok){i, 0, 0};
                nt++;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                st = R_NUM;
                if (nt < cap)
                    toks[nt] = (struct ref_tok){i, 1, 1};
                nt++;
            }
            break;
        case R_STR:
            if (c == '"') {
                st = R_OUT;
                break;
            }
            st = c == '\\' ? R_ESC : R_STR;
            toks[nt - 1].len++;
            break;
        case R_ESC:
            st = R_STR;
            toks[nt - 1].len++;
            break;
        case R_NUM:
            if (ref_num_char(c)) {
                toks[nt - 1].len++;
            } else {
                st = R_OUT;
                i--; /* this byte is between tokens: look at it again */
                continue;
            }
            break;
        }
        in_tok[i] = st == R_STR || st == R_ESC ||
                    (st == R_NUM && i + 1 < n && ref_num_char((unsigned char)s[i + 1]));
    }
    return nt;
}

/* ---- the sink ---- */

struct sink {
    char *out;
    size_t len, cap;
    size_t cuts[4096]; /* where each piece ended */
    size_t n_cuts;
    int fail_at; /* > 0: fail when this many bytes have been received */
};

static int sink_fn(void *ctx, const char *buf, size_t len)
{
    struct sink *k = ctx;
    assert_true(len > 0);
    if (k->len + len > k->cap) {
        k->cap = (k->len + len) * 2;
        k->out = realloc(k->out, k->cap);
        assert_non_null(k->out);
    }
    memcpy(k->out + k->len, buf, len);
    k->len += len;
    if (k->n_cuts < sizeof k->cuts / sizeof k->cuts[0])
        k->cuts[k->n_cuts++] = k->len;
    if (k->fail_at > 0 && k->len >= (size_t)k->fail_at)
        return -EPIPE;
    return 0;
}

/* Feed `s` in chunks (sizes from `sizes`, cycled; 0 = whole). Returns the
 * feed's result; *finish_from gets the sink length before tokguard_finish. */
static int run(const char *s, size_t n, size_t max, const size_t *sizes, size_t n_sizes,
               struct sink *k, size_t *finish_from, tokguard_t *g)
{
    memset(k, 0, sizeof *k);
    tokguard_init(g, max);
    int rc = 0;
    for (size_t off = 0, j = 0; off < n && rc == 0; j++) {
        size_t c = sizes[j % n_sizes];
        if (c == 0 || c > n - off)
            c = n - off;
        rc = tokguard_feed(g, s + off, c, sink_fn, k);
        off += c;
    }
    *finish_from = k->len;
    if (rc == 0)
        rc = tokguard_finish(g, sink_fn, k);
    return rc;
}

/* Every invariant for one input, one limit and one chunking. */
static void check(const char *s, size_t n, size_t max, const size_t *sizes, size_t n_sizes)
{
    char *in_tok = calloc(n + 1, 1);
    struct ref_tok toks[512];
    size_t nt = reference(s, n, in_tok, toks, 512);
    assert_true(nt <= 512);
    /* The first token over the limit, if any. */
    const struct ref_tok *bad = NULL;
    for (size_t i = 0; i < nt && !bad; i++)
        if (toks[i].len > max)
            bad = &toks[i];

    struct sink *k = calloc(1, sizeof *k);
    tokguard_t g;
    size_t fin;
    int rc = run(s, n, max, sizes, n_sizes, k, &fin, &g);
    if (!bad) {
        assert_int_equal(rc, 0);
        assert_int_equal(k->len, n);
        assert_memory_equal(k->out ? k->out : "", s, n);
    } else {
        assert_int_equal(rc, -EMSGSIZE);
        uint64_t at = 0;
        const char *what = tokguard_too_long(&g, &at);
        assert_int_equal(at, bad->start);
        assert_string_equal(what, bad->num ? "number" : "string");
        /* Everything before the token, nothing of it. */
        assert_int_equal(k->len, bad->start);
        assert_memory_equal(k->out ? k->out : "", s, bad->start);
    }
    /* No piece fed before the end leaves a token open. */
    for (size_t i = 0; i < k->n_cuts; i++)
        if (k->cuts[i] <= fin && k->cuts[i] > 0 && k->cuts[i] < n)
            if (in_tok[k->cuts[i] - 1])
                fail_msg("a piece ends inside a token at %zu (max %zu, chunk %zu)", k->cuts[i], max,
                         sizes[0]);
    tokguard_release(&g);
    free(k->out);
    free(k);
    free(in_tok);
}

static const size_t every_chunking[][3] = {{0, 0, 0}, {1, 1, 1},  {2, 2, 2},   {3, 3, 3},
                                           {5, 5, 5}, {7, 1, 13}, {64, 64, 64}};

static void check_all(const char *s, size_t max)
{
    size_t n = strlen(s);
    for (size_t c = 0; c < sizeof every_chunking / sizeof every_chunking[0]; c++)
        check(s, n, max, every_chunking[c], 3);
    /* and two pieces cut at every offset */
    for (size_t cut = 1; cut < n; cut++) {
        size_t sizes[2] = {cut, n};
        check(s, n, max, sizes, 2);
    }
}

/* ---- tests ---- */

static void test_escapes_across_chunks(void **state)
{
    /* Backslash runs of every parity before quotes, escaped quotes, \u. */
    static const char *const docs[] = {
        "{\"a\":\"x\\\"y\",\"b\":1}",
        "[\"\\\\\",\"\\\\\\\"\",\"\\\\\\\\\"]",
        "{\"k\\\"ey\":\"\\u0041\\\\\\\\\\\"q\",\"n\":-12.5e+3}",
        "[\"\",\"\\\\\",1,\"\\\"\\\"\\\"\",-0,\"a\"]",
        "  {\"leader\" : \"master@10.0.0.1:5050\" , \"x\":[1,2,3e4,true,null]}  ",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        check_all(docs[i], 1000);
}

static void test_limits_exact(void **state)
{
    /* The body of "0123456789" is 10 bytes: accepted at 10, not at 9;
     * escapes count as written ("\u0041" is 6). Numbers likewise. */
    check_all("{\"s\":\"0123456789\"}", 10);
    check_all("{\"s\":\"0123456789\"}", 9);
    check_all("{\"s\":\"\\u0041\"}", 6);
    check_all("{\"s\":\"\\u0041\"}", 5);
    check_all("{\"n\":-1234567.5e+10,\"m\":1}", 15);
    check_all("{\"n\":-1234567.5e+10,\"m\":1}", 14);
    check_all("[\"ok\",123456789012]", 11); /* a number open at the very end */
    check_all("[1,2,\"abc", 2);             /* a string open at the very end */
    check_all("[1,2,\"abc", 3);
}

static void test_pieces_end_outside_tokens(void **state)
{
    /* A document whose strings span many 16-byte chunks: the sink gets
     * each one whole. */
    char doc[4096];
    size_t n = 0;
    n += (size_t)snprintf(doc + n, sizeof doc - n, "{");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s\"key%d\":\"%.*s\\\"%d\",\"n%d\":%d",
                              i ? "," : "", i, 20 + i,
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", i,
                              i, i * 7919);
    n += (size_t)snprintf(doc + n, sizeof doc - n, "}");
    size_t sizes[] = {16};
    check(doc, n, 1000, sizes, 1);
    check_all(doc, 30);
}

/* Random bytes from a JSON-ish alphabet: the reference and the guard must
 * agree on every boundary and every verdict, whatever the input. */
static void test_random_inputs(void **state)
{
    static const char alpha[] = "\"\\\"\\a1-2.e+ ,:[]{}tu0";
    unsigned seed = 12345;
    char doc[300];
    for (int round = 0; round < 3000; round++) {
        size_t n = 1 + (size_t)rand_r(&seed) % (sizeof doc - 1);
        for (size_t i = 0; i < n; i++)
            doc[i] = alpha[(size_t)rand_r(&seed) % (sizeof alpha - 1)];
        doc[n] = '\0';
        size_t max = 1 + (size_t)rand_r(&seed) % 40;
        size_t sizes[3] = {(size_t)rand_r(&seed) % 9, 1 + (size_t)rand_r(&seed) % 5, 0};
        check(doc, n, max, sizes, 3);
        check(doc, n, max, every_chunking[0], 3);
    }
}

/* A sink failure stops the feed and is returned as is. */
static void test_sink_error(void **state)
{
    static const char doc[] = "[\"aaaa\",\"bbbb\",\"cccc\"]";
    struct sink *k = calloc(1, sizeof *k);
    tokguard_t g;
    tokguard_init(&g, 100);
    k->fail_at = 1;
    assert_int_equal(tokguard_feed(&g, doc, sizeof doc - 1, sink_fn, k), -EPIPE);
    tokguard_release(&g);
    tokguard_release(&g); /* twice is fine */
    tokguard_release(NULL);
    free(k->out);
    free(k);
}

/* Long strings in small chunks: the held token grows in one buffer and
 * reaches the sink once, whole. */
static void test_long_string_held_whole(void **state)
{
    size_t body = 200000;
    char *doc = malloc(body + 32);
    size_t n = (size_t)sprintf(doc, "{\"x\":\"");
    memset(doc + n, 'a', body);
    n += body;
    n += (size_t)sprintf(doc + n, "\",\"y\":1}");
    struct sink *k = calloc(1, sizeof *k);
    tokguard_t g;
    size_t fin, sizes[] = {100};
    assert_int_equal(run(doc, n, body, sizes, 1, k, &fin, &g), 0);
    assert_int_equal(k->len, n);
    assert_memory_equal(k->out, doc, n);
    /* "{"x":" then the string whole, then the rest: few pieces. */
    assert_true(k->n_cuts < 10);
    assert_int_equal(k->cuts[0], 5);
    assert_int_equal(k->cuts[1], 5 + body + 2);
    tokguard_release(&g);
    free(k->out);
    free(k);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_across_chunks),
        cmocka_unit_test(test_limits_exact),
        cmocka_unit_test(test_pieces_end_outside_tokens),
        cmocka_unit_test(test_random_inputs),
        cmocka_unit_test(test_sink_error),
        cmocka_unit_test(test_long_string_held_whole),
    };
    return cmocka_run_group_tests_name("tokguard", tests, NULL, NULL);
}
