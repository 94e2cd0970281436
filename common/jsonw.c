#include "common/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void jsonw_init(jsonw_t *w, buf_t *out, int indent)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->indent = indent;
}

static void newline(jsonw_t *w)
{
    if (!w->indent)
        return;
    buf_putc(w->out, '\n');
    for (int i = 0; i < w->depth * w->indent; i++)
        buf_putc(w->out, ' ');
}

/* Separator before a value, an array element or an object key. */
static void before_item(jsonw_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    uint64_t bit = 1ull << (w->depth - 1);
    if (w->nonempty & bit)
        buf_putc(w->out, ',');
    w->nonempty |= bit;
    newline(w);
}

static void container_open(jsonw_t *w, char c)
{
    before_item(w);
    buf_putc(w->out, c);
    if (w->depth < JSONW_MAXDEPTH)
        w->depth++;
    w->nonempty &= ~(1ull << (w->depth - 1));
}

static void container_close(jsonw_t *w, char c)
{
    if (w->depth == 0)
        return;
    bool had = w->nonempty & (1ull << (w->depth - 1));
    w->depth--;
    if (had)
        newline(w);
    buf_putc(w->out, c);
}

void jsonw_obj_begin(jsonw_t *w)
{
    container_open(w, '{');
}

void jsonw_obj_end(jsonw_t *w)
{
    container_close(w, '}');
}

void jsonw_arr_begin(jsonw_t *w)
{
    container_open(w, '[');
}

void jsonw_arr_end(jsonw_t *w)
{
    container_close(w, ']');
}

void jsonw_key(jsonw_t *w, const char *key)
{
    before_item(w);
    jsonw_escape(w->out, key, strlen(key));
    buf_puts(w->out, w->indent ? ": " : ":");
    w->after_key = true;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0xc2 || c > 0xf4)
        return 0;
    if (c < 0xe0) {
        len = 2, v = c & 0x1f, min = 0x80;
    } else if (c < 0xf0) {
        len = 3, v = c & 0x0f, min = 0x800;
    } else {
        len = 4, v = c & 0x07, min = 0x10000;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

void jsonw_escape(buf_t *out, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    buf_putc(out, '"');
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t l = utf8_len(s + i, n - i, &cp);
            if (l == 0) {
                buf_puts(out, "\\ufffd");
                i++;
            } else if (cp == 0x2028 || cp == 0x2029) {
                buf_printf(out, "\\u%04" PRIx32, cp);
                i += l;
            } else {
                buf_append(out, s + i, l);
                i += l;
            }
            continue;
        }
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_append(out, e, 2);
        } else if (c == '\n') {
            buf_puts(out, "\\n");
        } else if (c == '\r') {
            buf_puts(out, "\\r");
        } else if (c == '\t') {
            buf_puts(out, "\\t");
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 6);
        } else {
            buf_putc(out, (char)c);
        }
        i++;
    }
    buf_putc(out, '"');
}

void jsonw_strn(jsonw_t *w, const char *s, size_t len)
{
    before_item(w);
    jsonw_escape(w->out, s, len);
}

void jsonw_str(jsonw_t *w, const char *s)
{
    jsonw_strn(w, s, strlen(s));
}

void jsonw_int(jsonw_t *w, int64_t v)
{
    before_item(w);
    buf_printf(w->out, "%" PRId64, v);
}

void jsonw_uint(jsonw_t *w, uint64_t v)
{
    before_item(w);
    buf_printf(w->out, "%" PRIu64, v);
}

void jsonw_bool(jsonw_t *w, bool v)
{
    before_item(w);
    buf_puts(w->out, v ? "true" : "false");
}

void jsonw_null(jsonw_t *w)
{
    before_item(w);
    buf_puts(w->out, "null");
}

void jsonw_kv_str(jsonw_t *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_str(w, s);
}

void jsonw_kv_int(jsonw_t *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void jsonw_kv_bool(jsonw_t *w, const char *key, bool v)
{
    jsonw_key(w, key);
    jsonw_bool(w, v);
}
