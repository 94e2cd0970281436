#include "common/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = 0;
}

int buf_reserve(buf_t *b, size_t n)
{
    if (b->err)
        return b->err;
    if (b->cap - b->len > n) /* keep one byte for the NUL */
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n) {
        if (cap > (size_t)-1 / 2)
            goto fail;
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d)
        goto fail;
    b->data = d;
    b->cap = cap;
    return 0;
fail:
    b->err = -ENOMEM;
    return b->err;
}

int buf_append(buf_t *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return b->err;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf_t *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_putc(buf_t *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0)
        return b->err ? b->err : -EINVAL;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int buf_error(const buf_t *b)
{
    return b->err;
}

void buf_clear(buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_take(buf_t *b, size_t *len)
{
    char *d = b->err ? NULL : b->data;
    if (!d && !b->err)
        d = calloc(1, 1); /* an empty buffer still hands over "" */
    if (len)
        *len = d ? b->len : 0;
    if (b->err)
        free(b->data);
    buf_init(b);
    return d;
}

void buf_release(buf_t *b)
{
    if (!b)
        return;
    free(b->data);
    buf_init(b);
}
