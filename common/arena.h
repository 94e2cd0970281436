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

/* ---- big, page-backed memory ------------------------------------------
 * For data of many megabytes built in one go and then read for a long time
 * (a zone snapshot) or dropped at once (a builder's tables). Buffers of at
 * least ARENA_PAGES_MIN bytes are mapped straight from the system: aligned
 * to 2 MiB and advised as transparent huge pages (MADV_HUGEPAGE), so that
 * filling them costs one page fault per 2 MiB instead of one per 4 KiB,
 * reading them few TLB entries, and freeing them gives the memory back to
 * the system at once (no heap fragmentation). Mappings are whole 2 MiB;
 * smaller buffers come from malloc. Mapped memory is committed lazily:
 * pages never touched cost no RSS (with huge pages, a touched 2 MiB page is
 * resident as a whole). */
#define ARENA_PAGES_MIN ((size_t)256 << 10)

/* `n` zeroed bytes (n > 0), 16-aligned; NULL on failure. The caller keeps
 * `n`: it is what arena_pages_realloc and arena_pages_free take. */
void *arena_pages_alloc(size_t n);
/* Resize `p` (of `old_n` bytes, NULL when old_n == 0) to `new_n` > 0 bytes,
 * keeping the first min(old_n, new_n) bytes; bytes beyond old_n are
 * unspecified (a realloc). NULL on failure (p is then unchanged). */
void *arena_pages_realloc(void *p, size_t old_n, size_t new_n);
/* Free `p` of `n` bytes. NULL-safe. */
void arena_pages_free(void *p, size_t n);
/* Keep up to `bytes` of freed mappings (arena_pages_free, freed pages
 * arenas) for the next allocations instead of giving them back at once:
 * where the host reclaims what a guest VM frees (free page reporting),
 * faulting fresh pages in costs ~2-3 ms per MiB, a kept page is zeroed in
 * ~0.1 ms per MiB. It is resident memory all the same. 0 (the default)
 * keeps nothing and gives back what is kept. Thread-safe. */
void arena_pages_keep(size_t bytes);
/* Bytes kept now (resident, not in use). */
size_t arena_pages_kept(void);
/* Bytes of mappings in use now (page-backed buffers and pages-arena
 * chunks, whole 2 MiB; the reserve not counted). */
size_t arena_pages_in_use(void);
/* The most in use since the last call (or the start); the next period
 * starts at the use of now. For sizing arena_pages_keep(). */
size_t arena_pages_peak_reset(void);

/* An arena whose chunks of at least `chunk_size` bytes are page-backed
 * like arena_pages_alloc buffers: size the first chunk for the whole
 * structure. Allocations are uninitialised, as with arena_new(). */
arena_t *arena_new_pages(size_t chunk_size);
/* Give the unused tail of the newest chunk back (whole pages; to the
 * reserve when arena_pages_keep allows). Nothing more can be allocated
 * from that chunk afterwards; a next allocation opens a new chunk. No-op
 * for malloc'd chunks. */
void arena_trim(arena_t *a);

#endif
