/* intern: a set of strings, each stored once in an arena and numbered in
 * insertion order (0, 1, ...).
 *
 * The state parser uses it so that the thousands of tasks of one app share
 * one copy of their name, and so that a task refers to its agent by a small
 * number instead of a string. The strings live in the caller's arena (they
 * outlive the table); the table itself is malloc'd. Not thread-safe. */
#ifndef MDNS_INTERN_H
#define MDNS_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

typedef struct intern intern_t;

/* New empty table whose strings are copied into `store`. NULL on -ENOMEM. */
intern_t *intern_new(arena_t *store);
/* Number of the string s[0..len) (need not be NUL-terminated), adding a
 * NUL-terminated copy when it is new. Returns the number (>= 0) or -ENOMEM. */
long intern_add(intern_t *t, const char *s, size_t len);
/* The stored copy of string number `idx` (a number intern_add returned). */
const char *intern_str(const intern_t *t, uint32_t idx);
/* NULL-safe; sets *t to NULL. The arena strings stay. */
void intern_free(intern_t **t);

#endif
