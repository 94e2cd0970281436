#include "common/arena.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    size_t map_len; /* bytes mapped (pages arenas), 0 = malloc */
    max_align_t data[];
};

struct arena {
    struct chunk *head;
    size_t chunk_size;
    size_t used;
    size_t reserved;
    int pages; /* chunks from arena_pages_alloc */
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

static void *map_pages(size_t len, size_t zero);
static void unmap(void *p, size_t len);
static void note_use(size_t add, size_t sub);
static size_t mapped_len(size_t n);

static struct chunk *chunk_new(arena_t *a, size_t need)
{
    size_t size = need > a->chunk_size ? need : a->chunk_size;
    size_t len = sizeof(struct chunk) + size, map = a->pages ? mapped_len(len) : 0;
    struct chunk *c = map ? map_pages(map, sizeof(struct chunk)) : malloc(len);
    if (!c)
        return NULL;
    c->size = map ? map - sizeof *c : size; /* a mapping's slack is usable */
    c->used = 0;
    c->map_len = map;
    if (map)
        note_use(map, 0);
    a->reserved += c->size;
    return c;
}

static void chunk_free(struct chunk *c)
{
    if (c->map_len) {
        note_use(0, c->map_len);
        unmap(c, c->map_len);
    } else {
        free(c);
    }
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
            chunk_free(c);
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
        chunk_free(c);
        c = next;
    }
    free(*pa);
    *pa = NULL;
}

arena_t *arena_new_pages(size_t chunk_size)
{
    arena_t *a = arena_new(chunk_size);
    if (a)
        a->pages = 1;
    return a;
}

/* ---- page-backed buffers ---------------------------------------------- */

#define PAGE      ((size_t)4096)
#define HUGE_PAGE ((size_t)2 << 20)

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) & ~(to - 1);
}

/* Bytes mapped for a buffer of `n` bytes, 0 when it comes from malloc.
 * Whole 2 MiB, so that all of it can be huge pages (a 2 MiB page is
 * resident as a whole once touched). */
static size_t mapped_len(size_t n)
{
    if (n < ARENA_PAGES_MIN || n > SIZE_MAX - 2 * HUGE_PAGE)
        return 0;
    return round_up(n, HUGE_PAGE);
}

/* A fresh zeroed mapping of `len` bytes (a multiple of 2 MiB) starting on
 * a 2 MiB boundary, advised as huge pages. */
static void *map_aligned(size_t len)
{
    size_t span = len + HUGE_PAGE;
    uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uint8_t *q = (uint8_t *)round_up((uintptr_t)p, HUGE_PAGE);
    if (q > p)
        munmap(p, (size_t)(q - p));
    if (p + span > q + len)
        munmap(q + len, (size_t)(p + span - (q + len)));
#ifdef MADV_HUGEPAGE
    /* A hint: EINVAL where the kernel has no transparent huge pages, and
     * with THP "never" it is ignored; the mapping works the same with 4 KiB
     * pages (more faults, nothing else). */
    (void)madvise(q, len, MADV_HUGEPAGE);
#endif
    return q;
}

/* ---- the reserve: freed pages kept for reuse ---------------------------- */

#define RESERVE_SLOTS 64

static pthread_mutex_t rsv_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rsv {
    uint8_t *p; /* 2 MiB-aligned */
    size_t len; /* whole 2 MiB */
} rsv[RESERVE_SLOTS];
static size_t rsv_n, rsv_bytes, rsv_limit;
static size_t pages_used, pages_peak; /* mapped bytes handed out, and their high-water mark */

static void note_use(size_t add, size_t sub)
{
    pthread_mutex_lock(&rsv_mu);
    pages_used = pages_used + add - sub;
    if (pages_used > pages_peak)
        pages_peak = pages_used;
    pthread_mutex_unlock(&rsv_mu);
}

size_t arena_pages_in_use(void)
{
    pthread_mutex_lock(&rsv_mu);
    size_t n = pages_used;
    pthread_mutex_unlock(&rsv_mu);
    return n;
}

size_t arena_pages_peak_reset(void)
{
    pthread_mutex_lock(&rsv_mu);
    size_t n = pages_peak;
    pages_peak = pages_used;
    pthread_mutex_unlock(&rsv_mu);
    return n;
}

/* Give a mapping at a 2 MiB boundary back, or keep its whole 2 MiB pages
 * in the reserve while that has room. */
static void unmap(void *p, size_t len)
{
    size_t whole = len & ~(HUGE_PAGE - 1);
    if (len > whole)
        munmap((uint8_t *)p + whole, len - whole);
    if (whole == 0)
        return;
    pthread_mutex_lock(&rsv_mu);
    if (rsv_bytes + whole <= rsv_limit && rsv_n < RESERVE_SLOTS) {
        rsv[rsv_n++] = (struct rsv){p, whole};
        rsv_bytes += whole;
        p = NULL;
    }
    pthread_mutex_unlock(&rsv_mu);
    if (p)
        munmap(p, whole);
}

/* Move kept pages into q[off .. len) (both whole 2 MiB, q aligned): page
 * table entries move, huge pages stay whole, nothing is copied. Up to
 * q + zero they are zeroed by hand: far cheaper than faulting fresh pages
 * in where the host reclaims what a guest frees. What the reserve cannot
 * cover stays fresh (zero) pages. */
static void gather(uint8_t *q, size_t off, size_t len, size_t zero)
{
    while (off < len) {
        struct rsv r;
        pthread_mutex_lock(&rsv_mu);
        if (rsv_n == 0) {
            pthread_mutex_unlock(&rsv_mu);
            return;
        }
        r = rsv[--rsv_n];
        rsv_bytes -= r.len;
        pthread_mutex_unlock(&rsv_mu);
        size_t take = r.len < len - off ? r.len : len - off;
        if (mremap(r.p, take, take, MREMAP_MAYMOVE | MREMAP_FIXED, q + off) == MAP_FAILED) {
            unmap(r.p, r.len);
            return;
        }
        if (r.len > take)
            unmap(r.p + take, r.len - take);
        if (zero > off)
            memset(q + off, 0, (zero < off + take ? zero : off + take) - off);
        off += take;
    }
}

/* A mapping of `len` bytes (whole 2 MiB), 2 MiB-aligned, made of kept
 * pages as far as the reserve goes; its first `zero` bytes are zero. */
static void *map_pages(size_t len, size_t zero)
{
    uint8_t *q = map_aligned(len);
    if (q)
        gather(q, 0, len, zero);
    return q;
}

/* Resize a mapping (whole 2 MiB). Growing moves the old pages to the start
 * of a new aligned mapping (page table entries, no copy). */
static void *remap(void *p, size_t old_len, size_t new_len)
{
    if (new_len <= old_len) {
        if (new_len < old_len)
            unmap((uint8_t *)p + new_len, old_len - new_len);
        return p;
    }
    uint8_t *q = map_aligned(new_len);
    if (!q)
        return NULL;
    if (mremap(p, old_len, old_len, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
        munmap(q, new_len);
        return NULL;
    }
    gather(q, old_len, new_len, 0);
    return q;
}

void arena_pages_keep(size_t bytes)
{
    struct rsv drop[RESERVE_SLOTS];
    size_t n = 0;
    pthread_mutex_lock(&rsv_mu);
    rsv_limit = bytes;
    while (rsv_bytes > rsv_limit && rsv_n > 0) {
        drop[n++] = rsv[--rsv_n];
        rsv_bytes -= drop[n - 1].len;
    }
    pthread_mutex_unlock(&rsv_mu);
    for (size_t i = 0; i < n; i++)
        munmap(drop[i].p, drop[i].len);
}

size_t arena_pages_kept(void)
{
    pthread_mutex_lock(&rsv_mu);
    size_t n = rsv_bytes;
    pthread_mutex_unlock(&rsv_mu);
    return n;
}

/* `n` bytes of which the first `zero` are zero. */
static void *pages_get(size_t n, size_t zero)
{
    if (n == 0)
        return NULL;
    size_t map = mapped_len(n);
    void *p = map ? map_pages(map, zero) : zero ? calloc(1, n) : malloc(n);
    if (p && map)
        note_use(map, 0);
    return p;
}

void *arena_pages_alloc(size_t n)
{
    return pages_get(n, n);
}

void arena_pages_free(void *p, size_t n)
{
    if (!p)
        return;
    size_t map = mapped_len(n);
    if (map) {
        note_use(0, map);
        unmap(p, map);
    } else {
        free(p);
    }
}

void *arena_pages_realloc(void *p, size_t old_n, size_t new_n)
{
    if (!p || old_n == 0)
        return pages_get(new_n, 0);
    if (new_n == 0)
        return NULL;
    size_t om = mapped_len(old_n), nm = mapped_len(new_n);
    if (om && nm) {
        void *q = remap(p, om, nm);
        if (q)
            note_use(nm, om);
        return q;
    }
    if (!om && !nm)
        return realloc(p, new_n);
    void *q = pages_get(new_n, 0); /* across the threshold: copy */
    if (!q)
        return NULL;
    memcpy(q, p, old_n < new_n ? old_n : new_n);
    arena_pages_free(p, old_n);
    return q;
}

void arena_trim(arena_t *a)
{
    struct chunk *c = a ? a->head : NULL;
    if (!c || !c->map_len)
        return;
    size_t keep = round_up(offsetof(struct chunk, data) + c->used, PAGE);
    size_t whole = round_up(keep, HUGE_PAGE); /* whole 2 MiB pages beyond may be kept */
    if (keep >= c->map_len)
        return;
    if (whole < c->map_len)
        unmap((uint8_t *)c + whole, c->map_len - whole);
    if (keep < whole)
        munmap((uint8_t *)c + keep, (whole < c->map_len ? whole : c->map_len) - keep);
    note_use(0, c->map_len - keep);
    a->reserved -= c->size - c->used;
    c->size = c->used;
    c->map_len = keep;
}
