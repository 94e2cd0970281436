/* hostcache: a small name → addresses cache rebuilt on every resolve.
 *
 * Each resolve collects the distinct non-literal names the model (plus the
 * extra names) mentions, answers each from the cache while its entry is
 * fresh, otherwise calls getaddrinfo, and then keeps exactly the names of
 * this round: hosts that left the cluster are forgotten. Like Mesos-DNS,
 * a name keeps at most its first IPv4 and its first IPv6 address.
 *
 * Blocking lookups are bounded: once a resolve has spent its time budget,
 * the names still missing are not looked up this round: an expired answer
 * serves one more round, a name never resolved is left out (its records
 * are dropped) and, not being cached, is tried first thing next round. A temporary failure
 * (EAI_AGAIN) of a name that resolved before keeps its previous addresses until the next retry. */
#include "zone/hostcache.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/arena.h"
#include "common/dname.h"

#define HC_MAXIPS         2
#define HC_DEFAULT_BUDGET 10000 /* ms of getaddrinfo per resolve */

typedef struct hc_entry {
    char *name; /* NULL = empty slot */
    uint64_t hash;
    int64_t expires_ms;
    uint8_t n; /* 0 = negative entry */
    model_ip_t ips[HC_MAXIPS];
} hc_entry_t;

/* An open-addressing table of entries (power-of-two capacity). */
typedef struct hc_table {
    hc_entry_t *slots;
    size_t cap, count;
} hc_table_t;

struct hostcache {
    int ttl_s, neg_ttl_s;
    int budget_ms;
    unsigned long queries;
    hc_table_t t;
};

typedef struct hm_entry {
    const char *name; /* NULL = empty slot */
    uint64_t hash;
    uint8_t n;
    model_ip_t ips[HC_MAXIPS];
} hm_entry_t;

struct hostmap {
    arena_t *arena;
    hm_entry_t *slots;
    size_t cap;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int64_t now_ms(void)
{
    return (int64_t)(clock_mono_us() / 1000);
}

static bool is_literal(const char *host)
{
    uint8_t a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* ---- table ------------------------------------------------------------- */

static hc_entry_t *table_find(const hc_table_t *t, const char *name, uint64_t h)
{
    if (t->cap == 0)
        return NULL;
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        hc_entry_t *e = &t->slots[i];
        if (!e->name)
            return NULL;
        if (e->hash == h && strcmp(e->name, name) == 0)
            return e;
    }
}

/* Slot for a name known to be absent; the table has room (load <= 1/2). */
static hc_entry_t *table_slot(hc_table_t *t, uint64_t h)
{
    size_t i = h & (t->cap - 1);
    while (t->slots[i].name)
        i = (i + 1) & (t->cap - 1);
    t->count++;
    return &t->slots[i];
}

static int table_init(hc_table_t *t, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    t->slots = calloc(cap, sizeof *t->slots);
    t->cap = t->slots ? cap : 0;
    t->count = 0;
    return t->slots ? 0 : -ENOMEM;
}

static void table_free(hc_table_t *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].name);
    free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

hostcache_t *hostcache_new(int ttl_s, int neg_ttl_s)
{
    hostcache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ttl_s = ttl_s < 0 ? 0 : ttl_s;
    c->neg_ttl_s = neg_ttl_s < 0 ? 0 : neg_ttl_s;
    c->budget_ms = HC_DEFAULT_BUDGET;
    return c;
}

void hostcache_free(hostcache_t **c)
{
    if (!c || !*c)
        return;
    table_free(&(*c)->t);
    free(*c);
    *c = NULL;
}

void hostcache_set_budget(hostcache_t *c, int budget_ms)
{
    c->budget_ms = budget_ms < 0 ? 0 : budget_ms;
}

unsigned long hostcache_queries(const hostcache_t *c)
{
    return c->queries;
}

/* ---- resolving --------------------------------------------------------- */

/* getaddrinfo → first IPv4 and first IPv6. Returns the count (0 = no
 * address), or -EAGAIN for a temporary failure. */
static int lookup(const char *name, model_ip_t ips[HC_MAXIPS])
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0)
        return rc == EAI_AGAIN ? -EAGAIN : 0;
    model_ip_t v4 = {0}, v6 = {0};
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET && !v4.family) {
            v4.family = AF_INET;
            memcpy(v4.addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
        } else if (ai->ai_family == AF_INET6 && !v6.family) {
            v6.family = AF_INET6;
            memcpy(v6.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
        }
    }
    freeaddrinfo(res);
    int n = 0;
    if (v4.family)
        ips[n++] = v4;
    if (v6.family)
        ips[n++] = v6;
    return n;
}

typedef struct round {
    hostcache_t *c;
    hc_table_t next; /* the cache after this round */
    int64_t start_ms;
    int err;
} round_t;

/* Bring one name into this round's table (once per distinct name). */
static void round_add(round_t *r, const char *name)
{
    if (r->err || !name || !*name || is_literal(name))
        return;
    uint64_t h = hash_name(name);
    if (table_find(&r->next, name, h))
        return;
    if (r->next.count * 2 >= r->next.cap) {
        hc_table_t bigger;
        if (table_init(&bigger, r->next.count * 2) < 0) {
            r->err = -ENOMEM;
            return;
        }
        for (size_t i = 0; i < r->next.cap; i++)
            if (r->next.slots[i].name)
                *table_slot(&bigger, r->next.slots[i].hash) = r->next.slots[i];
        free(r->next.slots);
        r->next = bigger;
    }
    hc_entry_t e = {0};
    int64_t now = now_ms();
    const hc_entry_t *old = table_find(&r->c->t, name, h);
    if (old && now < old->expires_ms) {
        e = *old;
    } else if (now - r->start_ms < r->c->budget_ms) {
        r->c->queries++;
        int n = lookup(name, e.ips);
        if (n == -EAGAIN && old && old->n > 0) {
            memcpy(e.ips, old->ips, sizeof e.ips); /* keep the last good answer */
            e.n = old->n;
            e.expires_ms = now + (int64_t)r->c->neg_ttl_s * 1000;
        } else {
            e.n = (uint8_t)(n > 0 ? n : 0);
            e.expires_ms = now + (int64_t)(n > 0 ? r->c->ttl_s : r->c->neg_ttl_s) * 1000;
        }
    } else if (old && old->n > 0) {
        e = *old; /* over budget: the last answer, still expired, serves once more */
    } else {
        return; /* over budget: not cached, tried next round */
    }
    e.hash = h;
    e.name = strdup(name);
    if (!e.name) {
        r->err = -ENOMEM;
        return;
    }
    *table_slot(&r->next, h) = e;
}

/* "host:port" / "[v6]:port" / "host" → host, into `buf`. */
static const char *extra_host(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);
    const char *end = s + n;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return NULL;
        s++;
        end = close;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon && !memchr(s, ':', (size_t)(colon - s)))
            end = colon;
    }
    if ((size_t)(end - s) >= len)
        return NULL;
    memcpy(buf, s, (size_t)(end - s));
    buf[end - s] = '\0';
    return buf;
}

static hostmap_t *hostmap_build(const hc_table_t *t);

hostmap_t *hostcache_resolve(hostcache_t *c, const model_t *m, const char *const *extra,
                             size_t n_extra)
{
    round_t r = {c, {NULL, 0, 0}, now_ms(), 0};
    if (table_init(&r.next, 8) < 0)
        return NULL;
    for (size_t i = 0; i < m->n_agents; i++)
        round_add(&r, m->agents[i].pid_host);
    for (size_t i = 0; i < m->n_frameworks; i++) {
        const model_framework_t *f = &m->frameworks[i];
        round_add(&r, f->pid_host ? f->pid_host : f->hostname);
    }
    round_add(&r, m->leader_host);
    for (size_t i = 0; i < n_extra; i++) {
        char buf[DNAME_MAXLEN + 1];
        round_add(&r, extra[i] ? extra_host(extra[i], buf, sizeof buf) : NULL);
    }
    hostmap_t *map = r.err ? NULL : hostmap_build(&r.next);
    if (!map) {
        table_free(&r.next);
        return NULL;
    }
    table_free(&c->t);
    c->t = r.next;
    return map;
}

/* ---- hostmap ----------------------------------------------------------- */

static hostmap_t *hostmap_build(const hc_table_t *t)
{
    hostmap_t *map = calloc(1, sizeof *map);
    if (!map)
        return NULL;
    size_t cap = 16;
    while (cap < t->count * 2)
        cap *= 2;
    map->arena = arena_new(0);
    map->slots = map->arena ? arena_calloc(map->arena, cap * sizeof *map->slots) : NULL;
    map->cap = cap;
    if (!map->slots)
        goto fail;
    for (size_t i = 0; i < t->cap; i++) {
        const hc_entry_t *e = &t->slots[i];
        if (!e->name || e->n == 0)
            continue;
        size_t k = e->hash & (cap - 1);
        while (map->slots[k].name)
            k = (k + 1) & (cap - 1);
        hm_entry_t *d = &map->slots[k];
        d->name = arena_strdup(map->arena, e->name);
        if (!d->name)
            goto fail;
        d->hash = e->hash;
        d->n = e->n;
        memcpy(d->ips, e->ips, sizeof d->ips);
    }
    return map;
fail:
    hostmap_free(&map);
    return NULL;
}

size_t hostmap_lookup(void *ctx, const char *host, const model_ip_t **ips)
{
    const hostmap_t *map = ctx;
    if (!map || !host)
        return 0;
    uint64_t h = hash_name(host);
    for (size_t i = h & (map->cap - 1);; i = (i + 1) & (map->cap - 1)) {
        const hm_entry_t *e = &map->slots[i];
        if (!e->name)
            return 0;
        if (e->hash == h && strcmp(e->name, host) == 0) {
            *ips = e->ips;
            return e->n;
        }
    }
}

void hostmap_free(hostmap_t **m)
{
    if (!m || !*m)
        return;
    arena_free(&(*m)->arena);
    free(*m);
    *m = NULL;
}
