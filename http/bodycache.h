/* bodycache: one rendering of a big export, shared by every response that
 * asks for it at the same time.
 *
 * /v1/enumerate, /v1/axfr and /v1/zone of a 100,000-task cluster each take
 * a second or two of CPU and 100-150 MB to render. Without sharing, N
 * clients asking at once (a dashboard's tabs, several dcos-net instances)
 * cost N renders and N copies held until each client has read its own.
 * Here renders of one export are serialised; a request for the zone
 * version whose body is already rendered and still being sent to someone
 * takes a reference to it instead. Nothing is kept once the last response
 * using it is gone, so an idle daemon holds no export in memory.
 *
 * Thread-safety: every function may be called from any thread. */
#ifndef MDNS_HTTP_BODYCACHE_H
#define MDNS_HTTP_BODYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum bodycache_export { BODYCACHE_ENUMERATE, BODYCACHE_AXFR, BODYCACHE_ZONE, BODYCACHE_N };

typedef struct bodycache bodycache_t;

/* A rendered body: `len` bytes at `data`, read-only while referenced. */
typedef struct bodycache_body {
    const char *data;
    size_t len;
} bodycache_body_t;

/* Render an export into `out` (empty on entry); 0 or -errno. */
typedef int (*bodycache_render_fn)(void *ctx, buf_t *out);

/* NULL on -ENOMEM. */
bodycache_t *bodycache_new(void);
/* Every body must have been released. NULL-safe; sets *c NULL. */
void bodycache_free(bodycache_t **c);

/* A reference to export `which` of zone version `serial`: the body being
 * shared when there is one for that serial, else a new one rendered by
 * render(ctx) (other callers for the same export wait meanwhile). Returns
 * NULL and sets *rc (the render's error, or -ENOMEM) on failure. */
const bodycache_body_t *bodycache_get(bodycache_t *c, enum bodycache_export which, uint32_t serial,
                                      bodycache_render_fn render, void *ctx, int *rc);
/* Drop a reference from bodycache_get; the last one frees the body (and
 * returns a big one's memory to the system). NULL-safe. */
void bodycache_release(const bodycache_body_t *b);

#endif
