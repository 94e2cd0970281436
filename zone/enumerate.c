/* enumerate: /v1/enumerate, Mesos-DNS's EnumerationData, rebuilt from the
 * model by running the generator again.
 *
 * Shape (records.EnumerationData and friends, field order as declared):
 *   {"frameworks": [{"tasks": [{"name", "id", "records": [{"name", "host",
 *   "rtype"}]}], "name"}]}
 * Every framework is listed with its raw name and every running task with
 * its raw name and id, in generation order. A task lists a record only when
 * generating it added something new to the zone (Mesos-DNS's insertTaskRR),
 * so a record that an earlier task or a non-task record already produced is
 * not repeated; a task without any such record has "records": null (a nil Go
 * slice), a framework without tasks has "tasks": [], and a model without
 * frameworks gives "frameworks": null. "host" is the address for A/AAAA
 * and "target:port" for SRV; names are absolute with a trailing dot. */
#include "zone/enumerate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/arena.h"
#include "common/bytes.h"
#include "common/dname.h"
#include "common/hash.h"
#include "common/jsonw.h"
#include "config/netaddr.h"
#include "zone/snapshot.h"

/* A record as a set key: type, lengths, owner and rdata, byte for byte. */
typedef struct ekey {
    uint64_t hash;
    uint16_t type;
    uint16_t rdlen;
    uint8_t olen;
    uint8_t data[]; /* owner, then rdata */
} ekey_t;

typedef struct enode {
    const ekey_t *key;
    struct enode *next;
} enode_t;

typedef struct ectx {
    arena_t *arena;
    uint64_t seed;        /* of key_hash */
    const ekey_t **slots; /* open addressing, power-of-two capacity */
    size_t cap, count;
    enode_t **head, **tail; /* per task */
    size_t n_tasks;
} ectx_t;

/* Seeded (common/hash.h): task names come from cluster users, who must not
 * be able to make the set's probes long. */
static uint64_t key_hash(uint64_t seed, const zone_gen_rec_t *r)
{
    uint64_t owner = hash_bytes(seed ^ r->type, r->owner, r->owner_len);
    return hash_mix64(owner << 32 | hash_bytes(seed, r->rdata, r->rdlen));
}

static bool key_equal(const ekey_t *k, uint64_t h, const zone_gen_rec_t *r)
{
    return k->hash == h && k->type == r->type && k->olen == r->owner_len && k->rdlen == r->rdlen &&
           memcmp(k->data, r->owner, r->owner_len) == 0 &&
           memcmp(k->data + k->olen, r->rdata, r->rdlen) == 0;
}

/* Double the table, or size it for `hint` records when empty. */
static int set_grow(ectx_t *e, size_t hint)
{
    size_t ncap = e->cap * 2;
    if (ncap == 0)
        for (ncap = 1024; ncap < hint * 2; ncap *= 2)
            ;
    const ekey_t **ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -ENOMEM;
    for (size_t i = 0; i < e->cap; i++) {
        const ekey_t *k = e->slots[i];
        if (!k)
            continue;
        size_t j = k->hash & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = k;
    }
    free(e->slots);
    e->slots = ns;
    e->cap = ncap;
    return 0;
}

/* Mesos-DNS's insertRR: remember every record; list a task's new ones. */
static int enum_sink(void *ctx, const zone_gen_rec_t *r)
{
    ectx_t *e = ctx;
    if ((e->count + 1) * 2 > e->cap && set_grow(e, 0) < 0)
        return -ENOMEM;
    uint64_t h = key_hash(e->seed, r);
    size_t j = h & (e->cap - 1);
    for (; e->slots[j]; j = (j + 1) & (e->cap - 1))
        if (key_equal(e->slots[j], h, r))
            return 0;
    ekey_t *k = arena_alloc(e->arena, sizeof *k + r->owner_len + r->rdlen);
    if (!k)
        return -ENOMEM;
    k->hash = h;
    k->type = r->type;
    k->rdlen = r->rdlen;
    k->olen = r->owner_len;
    memcpy(k->data, r->owner, r->owner_len);
    memcpy(k->data + r->owner_len, r->rdata, r->rdlen);
    e->slots[j] = k;
    e->count++;
    if (r->task < 0 || (size_t)r->task >= e->n_tasks)
        return 0;
    enode_t *n = arena_alloc(e->arena, sizeof *n);
    if (!n)
        return -ENOMEM;
    n->key = k;
    n->next = NULL;
    if (e->tail[r->task])
        e->tail[r->task]->next = n;
    else
        e->head[r->task] = n;
    e->tail[r->task] = n;
    return 0;
}

/* ---- text forms -------------------------------------------------------- */

/* Wire name → "a.b.c." as Mesos-DNS prints it (labels verbatim; JSON
 * escaping happens in jsonw). */
static size_t name_text(const uint8_t *w, char *out)
{
    size_t o = 0;
    for (const uint8_t *p = w; *p; p += *p + 1) {
        memcpy(out + o, p + 1, *p);
        o += *p;
        out[o++] = '.';
    }
    out[o] = '\0';
    return o;
}

/* "host" of an EnumerableRecord; returns its length. */
static size_t host_text(const ekey_t *k, char *out)
{
    const uint8_t *rd = k->data + k->olen;
    if (k->type == RRTYPE_A || k->type == RRTYPE_AAAA) {
        netaddr_ip_text(k->type == RRTYPE_A ? AF_INET : AF_INET6, rd, out, NETADDR_IPSTRLEN);
        return strlen(out);
    }
    size_t o = name_text(rd + 6, out);
    return o + (size_t)sprintf(out + o, ":%u", bytes_get16(rd + 4));
}

static const char *type_text(uint16_t t)
{
    return t == RRTYPE_A ? "A" : t == RRTYPE_AAAA ? "AAAA" : "SRV";
}

/* ---- document ---------------------------------------------------------- */

/* The document has a fixed shape, so it is written directly at the depths
 * json.MarshalIndent(v, "", " ") uses (a 134 MB document for 100k tasks is
 * too big for a writer that goes byte by byte); strings go through
 * jsonw_escape unless they are plain printable ASCII. */
#define PUT(b, lit) buf_append((b), (lit), sizeof(lit) - 1)

static void put_str(buf_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&') {
            jsonw_escape(b, s, n);
            return;
        }
    }
    if (buf_reserve(b, n + 2) != 0)
        return;
    b->data[b->len++] = '"';
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
}

static void write_records(buf_t *b, const enode_t *n)
{
    char name[DNAME_MAXLEN + 2], host[DNAME_MAXLEN + 16];
    if (!n) {
        PUT(b, "null");
        return;
    }
    PUT(b, "[");
    for (bool first = true; n; n = n->next, first = false) {
        size_t nl = name_text(n->key->data, name);
        size_t hl = host_text(n->key, host);
        if (first)
            PUT(b, "\n      {\n       \"name\": ");
        else
            PUT(b, ",\n      {\n       \"name\": ");
        put_str(b, name, nl);
        PUT(b, ",\n       \"host\": ");
        put_str(b, host, hl);
        PUT(b, ",\n       \"rtype\": \"");
        buf_puts(b, type_text(n->key->type));
        PUT(b, "\"\n      }");
    }
    PUT(b, "\n     ]");
}

static void write_task(buf_t *b, const model_task_t *t, const enode_t *n, bool first)
{
    const char *name = t->name ? t->name : "", *id = t->id ? t->id : "";
    if (first)
        PUT(b, "\n    {\n     \"name\": ");
    else
        PUT(b, ",\n    {\n     \"name\": ");
    put_str(b, name, strlen(name));
    PUT(b, ",\n     \"id\": ");
    put_str(b, id, strlen(id));
    PUT(b, ",\n     \"records\": ");
    write_records(b, n);
    PUT(b, "\n    }");
}

static void write_doc(const model_t *m, const ectx_t *e, const uint32_t *next,
                      const uint32_t *first, buf_t *out)
{
    if (m->n_frameworks == 0) {
        PUT(out, "{\n \"frameworks\": null\n}");
        return;
    }
    PUT(out, "{\n \"frameworks\": [");
    for (size_t f = 0; f < m->n_frameworks; f++) {
        if (f)
            PUT(out, ",\n  {\n   \"tasks\": [");
        else
            PUT(out, "\n  {\n   \"tasks\": [");
        for (uint32_t i = first[f]; i != UINT32_MAX; i = next[i])
            write_task(out, &m->tasks[i], e->head[i], i == first[f]);
        if (first[f] != UINT32_MAX)
            PUT(out, "\n   ]");
        else
            PUT(out, "]");
        const char *fname = m->frameworks[f].name ? m->frameworks[f].name : "";
        PUT(out, ",\n   \"name\": ");
        put_str(out, fname, strlen(fname));
        PUT(out, "\n  }");
    }
    PUT(out, "\n ]\n}");
}

/* Per-framework task lists in model order (the generator's order). Tasks on
 * an unknown agent or framework are not listed, as they generate nothing. */
static int task_lists(const model_t *m, uint32_t **next, uint32_t **first)
{
    *next = malloc((m->n_tasks ? m->n_tasks : 1) * sizeof **next);
    *first = malloc((m->n_frameworks ? m->n_frameworks : 1) * sizeof **first);
    uint32_t *last = malloc((m->n_frameworks ? m->n_frameworks : 1) * sizeof *last);
    if (!*next || !*first || !last) {
        free(last);
        return -ENOMEM;
    }
    for (size_t f = 0; f < m->n_frameworks; f++)
        (*first)[f] = last[f] = UINT32_MAX;
    for (size_t i = 0; i < m->n_tasks; i++) {
        const model_task_t *t = &m->tasks[i];
        (*next)[i] = UINT32_MAX;
        if (t->framework >= m->n_frameworks || t->agent >= m->n_agents)
            continue;
        if (last[t->framework] == UINT32_MAX)
            (*first)[t->framework] = (uint32_t)i;
        else
            (*next)[last[t->framework]] = (uint32_t)i;
        last[t->framework] = (uint32_t)i;
    }
    free(last);
    return 0;
}

int enumerate_json(const model_t *m, const zone_gen_cfg_t *cfg, const hostmap_t *hosts, buf_t *out)
{
    ectx_t e = {0};
    uint32_t *next = NULL, *first = NULL;
    int rc = -ENOMEM;
    e.arena = arena_new(1 << 20);
    e.seed = hash_seed();
    e.n_tasks = m->n_tasks;
    e.head = calloc(m->n_tasks ? m->n_tasks : 1, sizeof *e.head);
    e.tail = calloc(m->n_tasks ? m->n_tasks : 1, sizeof *e.tail);
    /* About ten records per task in a typical cluster. */
    size_t hint = m->n_tasks * 10 + m->n_agents * 2 + m->n_frameworks * 2;
    if (!e.arena || !e.head || !e.tail || set_grow(&e, hint) < 0 ||
        task_lists(m, &next, &first) < 0)
        goto out;
    rc = zone_gen_run(m, cfg, hosts ? hostmap_lookup : NULL, (void *)hosts, enum_sink, &e, NULL);
    if (rc)
        goto out;
    write_doc(m, &e, next, first, out);
    rc = buf_error(out);
out:
    free(next);
    free(first);
    free(e.slots);
    free(e.head);
    free(e.tail);
    arena_free(&e.arena);
    return rc;
}
