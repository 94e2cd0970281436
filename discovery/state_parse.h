/* state_parse: streaming (SAX) parser of a Mesos /master/state document
 * into a cluster model (compat spec §3, §6).
 *
 * Bytes are fed as they arrive (libcurl write callback, file reads, any chunk
 * size); the parser never holds the document or a DOM of it, only the model
 * being built plus the one task/agent/framework in progress. A malformed
 * entry (bad pid, missing id/name, a field of the wrong type) is dropped with
 * a warning; a document that is not valid JSON, is truncated, lacks a
 * usable `leader` or holds a string or number longer than the token limit
 * (STATE_MAX_TOKEN by default) is rejected whole. Warnings are aggregated:
 * one log line per kind per document, with a count and one example; with a
 * warning memo (state_parser_set_memo) a kind is logged only when its count
 * or example differs from the previous document's, at debug level otherwise.
 *
 * Cost is linear in the document whatever its chunking (discovery/tokguard:
 * yajl never sees a token split across feeds); memory is the model plus at
 * most one token.
 *
 * Softer problems drop only the bad value, never the task: a malformed
 * resources.ports string drops that task's resource ports (its addresses
 * and DiscoveryInfo ports stay), a DiscoveryInfo port without a valid number
 * drops that port, an invalid IP string drops that IP (as Mesos-DNS does).
 * `null` counts as absent for every field, as in Go's encoding/json.
 *
 * Not thread-safe: one parser per fetch. */
#ifndef MDNS_STATE_PARSE_H
#define MDNS_STATE_PARSE_H

#include <stddef.h>

#include "discovery/model.h"

typedef struct state_parser state_parser_t;

/* Longest string (between its quotes, as written) or number accepted by
 * default. Large enough for the base64 package definitions DC/OS puts in
 * task labels (Marathon keeps an app under ZooKeeper's 1 MiB node limit). */
#define STATE_MAX_TOKEN (1u << 20)

/* New parser, or NULL on -ENOMEM. */
state_parser_t *state_parser_new(void);
/* Change the token limit (> 0) before the first feed. A longer string or
 * number fails the document: "a JSON string longer than 1 MiB at byte N". */
void state_parser_set_max_token(state_parser_t *p, size_t max_token);
/* Feed the next `len` bytes. Returns 0, or -EPROTO once the document is
 * known to be invalid (further feeds keep returning -EPROTO), or -ENOMEM. */
int state_parser_feed(state_parser_t *p, const void *buf, size_t len);
/* End of input: on success hands over the model (*out, caller frees with
 * model_free), logs the aggregated warnings and returns 0; otherwise sets
 * *out to NULL, returns -EPROTO (or -ENOMEM) and writes a one-line reason
 * into `err` (may be NULL). Consumes and frees *p either way. */
int state_parser_finish(state_parser_t **p, model_t **out, char *err, size_t errlen);
/* Kinds of dropped entries/values, for the aggregated warnings. */
enum state_warn {
    STATE_WARN_AGENT_ID = 0,  /* agent without id: agent skipped */
    STATE_WARN_AGENT_PID,     /* agent pid missing or malformed: agent skipped */
    STATE_WARN_AGENT_TYPE,    /* agent field of the wrong type: agent skipped */
    STATE_WARN_FW_ID,         /* framework without id or name: skipped with its tasks */
    STATE_WARN_FW_PID,        /* framework pid malformed (absent is fine) */
    STATE_WARN_FW_TYPE,       /* framework field of the wrong type */
    STATE_WARN_TASK_FIELDS,   /* running task without id, name or slave_id, or no state */
    STATE_WARN_TASK_TYPE,     /* task field of the wrong type: task skipped */
    STATE_WARN_PORTS,         /* malformed resources.ports: the task keeps no ports */
    STATE_WARN_DPORT,         /* DiscoveryInfo port without a valid number: port dropped */
    STATE_WARN_IP,            /* invalid IP in the latest RUNNING status: IP dropped */
    STATE_WARN_UNKNOWN_AGENT, /* running task on an agent not in `slaves` (logged as info) */
    STATE_WARN_COUNT
};

/* What one parse saw and dropped. */
typedef struct state_parse_stats {
    size_t bytes;             /* document size */
    size_t tasks;             /* entries of frameworks[].tasks[] */
    size_t tasks_not_running; /* of which not TASK_RUNNING (ignored, no warning) */
    size_t warn_count[STATE_WARN_COUNT];
    char warn_example[STATE_WARN_COUNT][96]; /* first offender, e.g. "<id>: <value>" */
} state_parse_stats_t;

/* What the last document's warnings were, kept by the caller across the
 * documents of one source (zero-initialise it). */
typedef struct state_warn_memo {
    size_t count[STATE_WARN_COUNT];
    char example[STATE_WARN_COUNT][96];
} state_warn_memo_t;

/* Log the warnings of this parse by comparison with `memo` (owned by the
 * caller, must outlive the parser, updated by a successful finish): a kind
 * is logged at its level when its count or example changed, at debug level
 * when it is the same as last time, and a kind that went away is logged
 * once at info level. NULL = log every kind (the default). */
void state_parser_set_memo(state_parser_t *p, state_warn_memo_t *memo);

/* Human text of a warning kind ("agents skipped: bad or missing pid"). */
const char *state_warn_text(enum state_warn w);

/* state_parser_finish() that also fills *stats (may be NULL), whether the
 * parse succeeded or not. */
int state_parser_finish_stats(state_parser_t **p, model_t **out, state_parse_stats_t *stats,
                              char *err, size_t errlen);

/* Abandon a parse. NULL-safe; sets *p to NULL. */
void state_parser_free(state_parser_t **p);

/* Convenience: parse a whole file by streaming it through a parser in
 * 64 KiB reads. Returns 0, -EPROTO, -ENOMEM or the -errno of open/read
 * (with the path in `err`). */
int state_parse_file(const char *path, model_t **out, char *err, size_t errlen);

#endif
