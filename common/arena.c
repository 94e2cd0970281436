#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t data[];
};

struct arena {
    struct chunk *head;
    size_t chunk_size;
    size_t used;
    size_t reserved;
};

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

arena_t *arena_new(size_t chunk_size)
{
    arena_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    return a;
}

static struct chunk *chunk_new(arena_t *a, size_t need)
{
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    struct chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    a->reserved += size;
    return c;
}

void *arena_alloc(arena_t *a, size_t n)
{
    n = ALIGN8(n ? n : 1);
    struct chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        struct chunk *nc = chunk_new(a, n);
        if (!nc)
            return NULL;
        /* A jumbo allocation goes behind the current chunk so that the
         * current chunk's free tail stays usable. */
        if (c && n > a->chunk_size && c->size - c->used >= 64) {
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->head = nc;
        }
        c = nc;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    a->used += n;
    return p;
}

void *arena_calloc(arena_t *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_memdup(arena_t *a, const void *p, size_t len)
{
    void *q = arena_alloc(a, len);
    if (q && len)
        memcpy(q, p, len);
    return q;
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *q = arena_alloc(a, len + 1);
    if (!q)
        return NULL;
    memcpy(q, s, len);
    q[len] = '\0';
    return q;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_reset(arena_t *a)
{
    if (!a || !a->head)
        return;
    /* Keep the oldest chunk (the tail of the list): it has the default size. */
    struct chunk *c = a->head, *keep = NULL;
    while (c) {
        struct chunk *next = c->next;
        if (!next && c->size == a->chunk_size)
            keep = c;
        else {
            a->reserved -= c->size;
            free(c);
        }
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->used = 0;
}

size_t arena_used(const arena_t *a)
{
    return a ? a->used : 0;
}

size_t arena_reserved(const arena_t *a)
{
    return a ? a->reserved : 0;
}

void arena_free(arena_t **pa)
{
    if (!pa || !*pa)
        return;
    struct chunk *c = (*pa)->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(*pa);
    *pa = NULL;
}
