/* state_parse: streaming (SAX) parser of a Mesos /master/state document
 * into a cluster model (compat spec §3, §6).
 *
 * Bytes are fed as they arrive (libcurl write callback, file reads, any chunk
 * size); the parser never holds the document or a DOM of it, only the model
 * being built plus the one task/agent/framework in progress. A malformed
 * entry (bad pid, odd ports string, missing fields) is dropped with a warning;
 * a document that is not valid JSON, is truncated or lacks `leader` is
 * rejected whole. Not thread-safe: one parser per fetch. */
#ifndef MDNS_STATE_PARSE_H
#define MDNS_STATE_PARSE_H

#include <stddef.h>

#include "discovery/model.h"

typedef struct state_parser state_parser_t;

/* New parser, or NULL on -ENOMEM. */
state_parser_t *state_parser_new(void);
/* Feed the next `len` bytes. Returns 0, or -EPROTO once the document is
 * known to be invalid (further feeds keep returning -EPROTO). */
int state_parser_feed(state_parser_t *p, const void *buf, size_t len);
/* End of input: on success hands over the model (*out, caller frees with
 * model_free) and returns 0; otherwise returns -EPROTO and writes a one-line
 * reason into `err` (may be NULL). Consumes and frees *p either way. */
int state_parser_finish(state_parser_t **p, model_t **out, char *err, size_t errlen);
/* Abandon a parse. NULL-safe; sets *p to NULL. */
void state_parser_free(state_parser_t **p);

/* Convenience: parse a whole file by streaming it through a parser. */
int state_parse_file(const char *path, model_t **out, char *err, size_t errlen);

#endif
