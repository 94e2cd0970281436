/* arena: region allocator for data that lives and dies together (one cluster
 * model, one zone snapshot, one request).
 *
 * Allocations are 8-byte aligned and freed only all at once by arena_reset()
 * or arena_free(). Not thread-safe: one owner at a time; a finished arena may
 * be read concurrently by any number of threads. */
#ifndef MDNS_ARENA_H
#define MDNS_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

/* New arena whose chunks are at least `chunk_size` bytes (0 = 64 KiB).
 * Returns NULL on allocation failure. */
arena_t *arena_new(size_t chunk_size);
/* `n` bytes, 8-aligned, uninitialised; NULL on allocation failure. */
void *arena_alloc(arena_t *a, size_t n);
/* `n` zeroed bytes; NULL on allocation failure. */
void *arena_calloc(arena_t *a, size_t n);
/* Copies of `s` (NUL-terminated) / of `len` bytes of `s` plus a NUL. */
char *arena_strdup(arena_t *a, const char *s);
char *arena_strndup(arena_t *a, const char *s, size_t len);
void *arena_memdup(arena_t *a, const void *p, size_t len);
/* Forget every allocation but keep the first chunk for reuse. */
void arena_reset(arena_t *a);
/* Bytes handed out so far, and bytes held from the system (>= used). */
size_t arena_used(const arena_t *a);
size_t arena_reserved(const arena_t *a);
/* Free everything and set *a to NULL. NULL-safe for a and *a. */
void arena_free(arena_t **a);

#endif
