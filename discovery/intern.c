#include "discovery/intern.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    const char *s;
    uint32_t len;
    uint32_t hash;
};

struct intern {
    arena_t *store;
    struct entry *ents; /* in insertion order */
    size_t n, cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t nslots;   /* power of two, kept at least twice n */
};

static uint32_t hash_bytes(const char *s, size_t len)
{
    /* FNV-1a: short strings, no adversary worth a keyed hash here (the
     * table only ever holds strings the master sent, bounded by its size). */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

intern_t *intern_new(arena_t *store)
{
    intern_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->store = store;
    t->nslots = 64;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

static int grow_slots(intern_t *t)
{
    size_t ns = t->nslots * 2;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = t->ents[i].hash & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

long intern_add(intern_t *t, const char *s, size_t len)
{
    if (len > UINT32_MAX || t->n >= UINT32_MAX - 1)
        return -ENOMEM;
    uint32_t h = hash_bytes(s, len);
    size_t j = h & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        const struct entry *e = &t->ents[t->slots[j] - 1];
        if (e->hash == h && e->len == len && memcmp(e->s, s, len) == 0)
            return (long)(t->slots[j] - 1);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct entry *ne = realloc(t->ents, nc * sizeof *ne);
        if (!ne)
            return -ENOMEM;
        t->ents = ne;
        t->cap = nc;
    }
    char *copy = arena_strndup(t->store, s, len);
    if (!copy)
        return -ENOMEM;
    t->ents[t->n] = (struct entry){copy, (uint32_t)len, h};
    t->slots[j] = (uint32_t)t->n + 1;
    long idx = (long)t->n++;
    if (t->n * 2 > t->nslots && grow_slots(t) != 0)
        return -ENOMEM;
    return idx;
}

const char *intern_str(const intern_t *t, uint32_t idx)
{
    return t->ents[idx].s;
}

void intern_free(intern_t **pt)
{
    if (!pt || !*pt)
        return;
    free((*pt)->ents);
    free((*pt)->slots);
    free(*pt);
    *pt = NULL;
}
