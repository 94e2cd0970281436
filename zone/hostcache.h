/* hostcache: resolves the agent, framework and master host names that are
 * not IP literals, outside the zone builder's hot loop (compat spec §3:
 * never resolve while parsing; a failed lookup drops that record, it never
 * publishes a name as an address).
 *
 * The cache lives in the zone updater thread and is not thread-safe. Each
 * resolve produces an immutable hostmap holding exactly the names one model
 * needs; a hostmap may be read by any thread (it travels with the published
 * zone version so /v1/enumerate regenerates the same records). */
#ifndef MDNS_ZONE_HOSTCACHE_H
#define MDNS_ZONE_HOSTCACHE_H

#include <stddef.h>

#include "discovery/model.h"

typedef struct hostcache hostcache_t;
typedef struct hostmap hostmap_t;

/* Positive answers are kept `ttl_s` seconds, failures `neg_ttl_s`. */
hostcache_t *hostcache_new(int ttl_s, int neg_ttl_s);
void hostcache_free(hostcache_t **c);

/* Resolve (blocking getaddrinfo, cache first) every non-literal host that
 * `m` and the `n_extra` names in `extra` (e.g. config masters "host:port",
 * the port is ignored) mention. Returns a new hostmap, NULL on -ENOMEM. */
hostmap_t *hostcache_resolve(hostcache_t *c, const model_t *m, const char *const *extra,
                             size_t n_extra);

/* Cap the time one resolve spends in getaddrinfo (default 10 s); names not
 * reached within it are left out of that hostmap and not cached, so the
 * next resolve tries them. 0 = answer from the cache only. */
void hostcache_set_budget(hostcache_t *c, int budget_ms);
/* getaddrinfo calls made so far (metrics, tests). */
unsigned long hostcache_queries(const hostcache_t *c);

/* A zone_gen_lookup_fn: `ctx` is a const hostmap_t *. */
size_t hostmap_lookup(void *ctx, const char *host, const model_ip_t **ips);
void hostmap_free(hostmap_t **m);

#endif
