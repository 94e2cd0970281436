/* buf: a growable byte buffer for building responses and exports.
 *
 * Errors are sticky: after an allocation failure every further append is a
 * no-op and buf_error() returns -ENOMEM, so a producer checks once at the end.
 * The data is always NUL-terminated (the NUL is not counted in len). Not
 * thread-safe; one owner. */
#ifndef MDNS_BUF_H
#define MDNS_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
    int err; /* 0 or -ENOMEM */
} buf_t;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

void buf_init(buf_t *b);
/* Append `n` bytes / a C string / printf output. Return 0 or -ENOMEM. */
int buf_append(buf_t *b, const void *p, size_t n);
int buf_puts(buf_t *b, const char *s);
int buf_putc(buf_t *b, char c);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for `n` more bytes. 0 or -ENOMEM. */
int buf_reserve(buf_t *b, size_t n);
/* 0, or -ENOMEM when any earlier append failed. */
int buf_error(const buf_t *b);
/* Forget the contents, keep the memory. */
void buf_clear(buf_t *b);
/* Hand the data over to the caller (free() it; never NULL unless an error
 * occurred) and reset the buffer. *len may be NULL. */
char *buf_take(buf_t *b, size_t *len);
/* Free the data and reset. NULL-safe. */
void buf_release(buf_t *b);

#endif
