#include "discovery/mbuild.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/intern.h"

#define NO_AGENT UINT32_MAX
#define TBLOCK   4096 /* tasks per block: 480 KiB, so at most that is wasted */

struct mbuild {
    arena_t *arena;
    model_t *model;
    intern_t *names;
    intern_t *agent_ids;  /* every agent id seen, from agents or tasks */
    uint32_t *slot_agent; /* agent_ids number -> index in agents, or NO_AGENT */
    size_t slot_cap;
    model_agent_t *agents;
    size_t n_agents, cap_agents;
    model_framework_t *fws;
    size_t n_fws, cap_fws;
    model_task_t **blocks; /* t.agent holds the agent_ids number until finish */
    size_t n_blocks, cap_blocks, n_tasks;
    bool handed_over; /* the arena now belongs to the finished model */
};

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *nv = realloc(*v, nc * elem);
    if (!nv)
        return -ENOMEM;
    *v = nv;
    *cap = nc;
    return 0;
}

mbuild_t *mbuild_new(size_t chunk)
{
    mbuild_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->arena = arena_new(chunk);
    b->model = b->arena ? arena_calloc(b->arena, sizeof *b->model) : NULL;
    b->names = b->arena ? intern_new(b->arena) : NULL;
    b->agent_ids = b->arena ? intern_new(b->arena) : NULL;
    if (!b->model || !b->names || !b->agent_ids) {
        mbuild_free(&b);
        return NULL;
    }
    b->model->arena = b->arena;
    b->model->refs = 1;
    return b;
}

arena_t *mbuild_arena(mbuild_t *b)
{
    return b->arena;
}

const char *mbuild_intern(mbuild_t *b, const char *s, size_t len)
{
    long i = intern_add(b->names, s, len);
    return i < 0 ? NULL : intern_str(b->names, (uint32_t)i);
}

int mbuild_set_leader(mbuild_t *b, const char *leader, size_t len)
{
    if (memchr(leader, '\0', len))
        return -EINVAL;
    char *copy = arena_strndup(b->arena, leader, len);
    if (!copy)
        return -ENOMEM;
    model_t *m = b->model;
    int rc = model_parse_pid(b->arena, copy, &m->leader_host, &m->leader_port);
    if (rc == 0)
        m->leader = copy;
    return rc;
}

/* Number of an agent id, with a slot_agent entry for it. */
static long agent_slot(mbuild_t *b, const char *id, size_t len)
{
    long slot = intern_add(b->agent_ids, id, len);
    if (slot < 0)
        return -ENOMEM;
    if ((size_t)slot >= b->slot_cap) {
        size_t old = b->slot_cap;
        if (grow((void **)&b->slot_agent, &b->slot_cap, (size_t)slot + 1, sizeof(uint32_t)))
            return -ENOMEM;
        for (size_t i = old; i < b->slot_cap; i++)
            b->slot_agent[i] = NO_AGENT;
    }
    return slot;
}

int mbuild_add_agent(mbuild_t *b, const char *id, size_t idlen, const model_agent_t *a)
{
    long slot = agent_slot(b, id, idlen);
    if (slot < 0 || grow((void **)&b->agents, &b->cap_agents, b->n_agents + 1, sizeof *a))
        return -ENOMEM;
    model_agent_t *na = &b->agents[b->n_agents];
    *na = *a;
    na->id = intern_str(b->agent_ids, (uint32_t)slot);
    if (b->slot_agent[slot] == NO_AGENT)
        b->slot_agent[slot] = (uint32_t)b->n_agents;
    b->n_agents++;
    return 0;
}

int mbuild_add_framework(mbuild_t *b, const model_framework_t *f)
{
    if (grow((void **)&b->fws, &b->cap_fws, b->n_fws + 1, sizeof *f))
        return -ENOMEM;
    b->fws[b->n_fws++] = *f;
    return 0;
}

uint32_t mbuild_next_framework(const mbuild_t *b)
{
    return (uint32_t)b->n_fws;
}

int mbuild_add_task(mbuild_t *b, const model_task_t *t, const char *agent_id, size_t idlen)
{
    long slot = agent_slot(b, agent_id, idlen);
    if (slot < 0)
        return -ENOMEM;
    size_t blk = b->n_tasks / TBLOCK;
    if (blk == b->n_blocks) {
        if (grow((void **)&b->blocks, &b->cap_blocks, blk + 1, sizeof *b->blocks))
            return -ENOMEM;
        if (!(b->blocks[blk] = malloc(TBLOCK * sizeof(model_task_t))))
            return -ENOMEM;
        b->n_blocks++;
    }
    model_task_t *nt = &b->blocks[blk][b->n_tasks % TBLOCK];
    *nt = *t;
    nt->agent = (uint32_t)slot;
    b->n_tasks++;
    return 0;
}

size_t mbuild_task_count(const mbuild_t *b)
{
    return b->n_tasks;
}

void mbuild_truncate_tasks(mbuild_t *b, size_t n)
{
    if (n < b->n_tasks)
        b->n_tasks = n;
}

/* Copy the tasks on known agents into one arena array, freeing each block
 * once copied. */
static int assemble_tasks(mbuild_t *b, mbuild_dropped_t *d)
{
    size_t kept = 0;
    for (size_t i = 0; i < b->n_tasks; i++) {
        const model_task_t *t = &b->blocks[i / TBLOCK][i % TBLOCK];
        if (b->slot_agent[t->agent] != NO_AGENT) {
            kept++;
        } else if (d->unknown_agent++ == 0) {
            d->task_id = t->id;
            d->agent_id = intern_str(b->agent_ids, t->agent);
        }
    }
    model_task_t *out = kept ? arena_alloc(b->arena, kept * sizeof *out) : NULL;
    if (kept && !out)
        return -ENOMEM;
    size_t j = 0;
    for (size_t blk = 0; blk < b->n_blocks; blk++) {
        size_t first = blk * TBLOCK;
        for (size_t i = first; i < b->n_tasks && i < first + TBLOCK; i++) {
            model_task_t t = b->blocks[blk][i - first];
            if ((t.agent = b->slot_agent[t.agent]) != NO_AGENT)
                out[j++] = t;
        }
        free(b->blocks[blk]);
        b->blocks[blk] = NULL;
    }
    b->n_blocks = 0;
    b->model->tasks = out;
    b->model->n_tasks = kept;
    return 0;
}

int mbuild_finish(mbuild_t **pb, model_t **out, mbuild_dropped_t *dropped)
{
    mbuild_t *b = *pb;
    mbuild_dropped_t d = {0, NULL, NULL};
    model_t *m = b->model;
    int rc = m->leader ? 0 : -EINVAL;
    *out = NULL;
    *pb = NULL;
    if (rc == 0 && b->n_agents &&
        !(m->agents = arena_memdup(b->arena, b->agents, b->n_agents * sizeof *b->agents)))
        rc = -ENOMEM;
    m->n_agents = b->n_agents;
    if (rc == 0 && b->n_fws &&
        !(m->frameworks = arena_memdup(b->arena, b->fws, b->n_fws * sizeof *b->fws)))
        rc = -ENOMEM;
    m->n_frameworks = b->n_fws;
    if (rc == 0)
        rc = assemble_tasks(b, &d);
    if (rc == 0) {
        *out = m;
        b->model = NULL;
        b->handed_over = true;
    }
    if (dropped)
        *dropped = d;
    mbuild_free(&b);
    return rc;
}

void mbuild_free(mbuild_t **pb)
{
    if (!pb || !*pb)
        return;
    mbuild_t *b = *pb;
    if (b->model)
        model_free(&b->model); /* the model lives in, and frees, the arena */
    else if (!b->handed_over)
        arena_free(&b->arena);
    intern_free(&b->names);
    intern_free(&b->agent_ids);
    free(b->slot_agent);
    free(b->agents);
    free(b->fws);
    for (size_t i = 0; i < b->n_blocks; i++)
        free(b->blocks[i]);
    free(b->blocks);
    free(b);
    *pb = NULL;
}
