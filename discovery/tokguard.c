#include "discovery/tokguard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { TG_OUT = 0, TG_STR, TG_NUM };

/* Bytes a JSON number may be made of (a superset: yajl validates). */
static bool num_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

void tokguard_init(tokguard_t *g, size_t max_token)
{
    memset(g, 0, sizeof *g);
    g->max_token = max_token;
}

void tokguard_release(tokguard_t *g)
{
    if (!g)
        return;
    free(g->hold);
    g->hold = NULL;
    g->hold_len = g->hold_cap = 0;
}

static bool num_start(unsigned char c)
{
    return c == '-' || (c >= '0' && c <= '9');
}

static void begin(tokguard_t *g, uint8_t kind, size_t at, size_t *start)
{
    g->state = g->kind = kind;
    g->esc = false;
    g->tok_len = 0;
    g->tok_at = g->pos + at;
    *start = at;
}

/* Between tokens from s[i]: the index where the next string or number
 * starts (state set; for a string, the index past its quote), or n.
 * A number matters only when it may be over the limit (in a stretch long
 * enough to hold one) or is open at the end of the chunk (no quote after
 * it); everywhere else memchr jumps from string to string. Each stretch is
 * walked once: a call returns at the next string, a number over the
 * limit or the end of the chunk. */
static size_t scan_out(tokguard_t *g, const unsigned char *s, size_t i, size_t n, size_t *start)
{
    const unsigned char *q = memchr(s + i, '"', n - i);
    size_t end = q ? (size_t)(q - s) : n;
    if (end - i > g->max_token || !q) {
        size_t j = i;
        if (end - i <= g->max_token) /* only a run of number bytes at the end counts */
            for (j = end; j > i && num_char(s[j - 1]); j--)
                ;
        while (j < end) {
            if (!num_start(s[j])) {
                j++;
                continue;
            }
            size_t k = j + 1;
            while (k < end && num_char(s[k]))
                k++;
            if (k - j > g->max_token || k == n) {
                begin(g, TG_NUM, j, start);
                return j;
            }
            j = k;
        }
    }
    if (!q)
        return n;
    begin(g, TG_STR, end, start);
    return end + 1;
}

/* A string body from s[i]: the index past its closing quote (state back to
 * TG_OUT), or n when it is still open. Counts the body into tok_len. */
static size_t scan_string(tokguard_t *g, const unsigned char *s, size_t i, size_t n)
{
    size_t from = i;
    while (i < n) {
        if (g->esc) { /* the chunk before ended with an escaping backslash */
            g->esc = false;
            i++;
            continue;
        }
        const unsigned char *q = memchr(s + i, '"', n - i);
        size_t end = q ? (size_t)(q - s) : n;
        /* An odd run of backslashes right before `end` escapes it. The run
         * cannot reach back past i: s[i - 1] is never an escaping one. */
        size_t k = end;
        while (k > i && s[k - 1] == '\\')
            k--;
        bool odd = (end - k) & 1;
        if (!q) {
            g->esc = odd;
            break;
        }
        i = end + 1;
        if (!odd) {
            g->tok_len += end - from;
            g->state = TG_OUT;
            return i;
        }
    }
    g->tok_len += n - from;
    return n;
}

static size_t scan_number(tokguard_t *g, const unsigned char *s, size_t i, size_t n)
{
    size_t from = i;
    while (i < n && num_char(s[i]))
        i++;
    g->tok_len += i - from;
    if (i < n)
        g->state = TG_OUT;
    return i;
}

static size_t scan_token(tokguard_t *g, const unsigned char *s, size_t i, size_t n)
{
    return g->state == TG_STR ? scan_string(g, s, i, n) : scan_number(g, s, i, n);
}

static int hold_append(tokguard_t *g, const void *data, size_t len)
{
    if (g->hold_len + len > g->hold_cap) {
        size_t cap = g->hold_cap ? g->hold_cap : 4096;
        while (cap < g->hold_len + len)
            cap *= 2;
        char *h = realloc(g->hold, cap);
        if (!h)
            return -ENOMEM;
        g->hold = h;
        g->hold_cap = cap;
    }
    memcpy(g->hold + g->hold_len, data, len);
    g->hold_len += len;
    return 0;
}

static int pass(tokguard_sink_fn sink, void *ctx, const unsigned char *s, size_t len)
{
    return len ? sink(ctx, (const char *)s, len) : 0;
}

/* The token held from earlier feeds goes on in s[0..]: returns the index
 * where it ends (n while it is still open), or a negative errno. */
static long continue_held(tokguard_t *g, const unsigned char *s, size_t n, tokguard_sink_fn sink,
                          void *ctx)
{
    size_t i = scan_token(g, s, 0, n);
    if (g->tok_len > g->max_token)
        return -EMSGSIZE;
    int rc = hold_append(g, s, i);
    if (rc < 0 || g->state != TG_OUT)
        return rc < 0 ? rc : (long)n;
    rc = pass(sink, ctx, (const unsigned char *)g->hold, g->hold_len);
    g->hold_len = 0;
    return rc < 0 ? rc : (long)i;
}

int tokguard_feed(tokguard_t *g, const void *buf, size_t len, tokguard_sink_fn sink, void *ctx)
{
    const unsigned char *s = buf;
    size_t i = 0, from = 0, start = 0;
    int rc = 0;
    if (g->state != TG_OUT) {
        long r = continue_held(g, s, len, sink, ctx);
        if (r < 0) {
            g->pos += len;
            return (int)r;
        }
        i = from = (size_t)r;
    }
    while (i < len) {
        if (g->state == TG_OUT) {
            i = scan_out(g, s, i, len, &start);
            continue;
        }
        i = scan_token(g, s, i, len);
        if (g->tok_len > g->max_token) {
            /* What precedes the token is parsed: an error there comes first. */
            rc = pass(sink, ctx, s + from, start - from);
            g->pos += len;
            return rc < 0 ? rc : -EMSGSIZE;
        }
    }
    g->pos += len;
    if (g->state == TG_OUT)
        return pass(sink, ctx, s + from, len - from);
    /* A token is open at the end: hold it back whole, from its first byte. */
    if (from > start) /* it began in an earlier feed and is held already */
        return 0;
    rc = pass(sink, ctx, s + from, start - from);
    return rc < 0 ? rc : hold_append(g, s + start, len - start);
}

int tokguard_finish(tokguard_t *g, tokguard_sink_fn sink, void *ctx)
{
    int rc = pass(sink, ctx, (const unsigned char *)g->hold, g->hold_len);
    g->hold_len = 0;
    g->state = TG_OUT;
    return rc;
}

const char *tokguard_too_long(const tokguard_t *g, uint64_t *offset)
{
    if (offset)
        *offset = g->tok_at;
    return g->kind == TG_NUM ? "number" : "string";
}
