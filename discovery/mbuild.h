/* mbuild: assembles a cluster model (discovery/model.h) from agents,
 * frameworks and tasks added one at a time, in any order.
 *
 * The state parser feeds it entry by entry as the document streams by.
 * Strings go into the model's arena as entries are added (the builder's
 * arena becomes the model's); repeated names are stored once (interned).
 * A task names its agent by id; mbuild_finish() resolves the ids once every
 * agent is known, since Mesos may list agents after the frameworks, and drops
 * tasks whose agent is unknown. Until then tasks sit in malloc'd blocks that
 * are freed while the final array is copied, so the transient overhead is
 * one copy of the task array at most. Not thread-safe; one owner. */
#ifndef MDNS_MBUILD_H
#define MDNS_MBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "discovery/model.h"

typedef struct mbuild mbuild_t;

/* New builder, or NULL on -ENOMEM. `chunk` is the arena chunk size (0 =
 * the arena default). */
mbuild_t *mbuild_new(size_t chunk);
/* The model's arena: strings and arrays referenced by added entries must
 * live here (or be static). */
arena_t *mbuild_arena(mbuild_t *b);
/* One shared arena copy of s[0..len); NULL on -ENOMEM. */
const char *mbuild_intern(mbuild_t *b, const char *s, size_t len);

/* Set the leader pid ("master@10.0.0.1:5050"). 0, -EINVAL (not a pid, or
 * contains a NUL byte) or -ENOMEM. */
int mbuild_set_leader(mbuild_t *b, const char *leader, size_t len);

/* Add an agent; a->id is ignored and replaced by the interned `id`. The
 * first agent of a given id is the one tasks refer to. 0 or -ENOMEM. */
int mbuild_add_agent(mbuild_t *b, const char *id, size_t idlen, const model_agent_t *a);
/* Add a framework (strings already in the arena). 0 or -ENOMEM. */
int mbuild_add_framework(mbuild_t *b, const model_framework_t *f);
/* Index the next added framework will get (tasks may be added first). */
uint32_t mbuild_next_framework(const mbuild_t *b);

/* Add a task; t->agent is ignored, the agent is named by `agent_id`.
 * 0 or -ENOMEM. */
int mbuild_add_task(mbuild_t *b, const model_task_t *t, const char *agent_id, size_t idlen);
/* Number of tasks added so far, and forgetting the ones after the first n
 * (when their framework turns out to be malformed). */
size_t mbuild_task_count(const mbuild_t *b);
void mbuild_truncate_tasks(mbuild_t *b, size_t n);

/* What finish dropped: tasks on an unknown agent, with the first one. */
typedef struct mbuild_dropped {
    size_t unknown_agent;
    const char *task_id;  /* first such task, NULL when none */
    const char *agent_id; /* its slave_id */
} mbuild_dropped_t;

/* Resolve agents and produce the model (one reference, free with
 * model_free). Consumes *b either way. 0 or -ENOMEM. Fails with -EINVAL
 * when no leader was set. `dropped` may be NULL. */
int mbuild_finish(mbuild_t **b, model_t **out, mbuild_dropped_t *dropped);
/* Abandon a build. NULL-safe; sets *b to NULL. */
void mbuild_free(mbuild_t **b);

#endif
