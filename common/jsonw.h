/* jsonw: a streaming JSON writer whose output matches Go's encoding/json
 * byte for byte (json.Marshal when indent is 0, json.MarshalIndent(v, "",
 * "<indent spaces>") otherwise), so HTTP answers equal Mesos-DNS's.
 *
 * Go's string escaping is reproduced: \" \\ \n \r \t, other control bytes
 * and < > & as \u00XX, U+2028/U+2029 escaped, invalid UTF-8 as \ufffd.
 * The caller writes a well-formed sequence (key before each object member);
 * errors land in the buffer's sticky error. Not thread-safe; one owner. */
#ifndef MDNS_JSONW_H
#define MDNS_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define JSONW_MAXDEPTH 64

typedef struct jsonw {
    buf_t *out;
    int indent;        /* spaces per level, 0 = compact */
    int depth;         /* open containers */
    uint64_t nonempty; /* bit d: the container at depth d has members */
    bool after_key;    /* a key was written, its value comes next */
} jsonw_t;

/* Start writing into `out` (appends; the buffer is not cleared). */
void jsonw_init(jsonw_t *w, buf_t *out, int indent);
void jsonw_obj_begin(jsonw_t *w);
void jsonw_obj_end(jsonw_t *w);
void jsonw_arr_begin(jsonw_t *w);
void jsonw_arr_end(jsonw_t *w);
/* Member name inside an object; the next call writes its value. */
void jsonw_key(jsonw_t *w, const char *key);
void jsonw_str(jsonw_t *w, const char *s);
void jsonw_strn(jsonw_t *w, const char *s, size_t len);
void jsonw_int(jsonw_t *w, int64_t v);
void jsonw_uint(jsonw_t *w, uint64_t v);
void jsonw_bool(jsonw_t *w, bool v);
void jsonw_null(jsonw_t *w);
/* Shorthands for one object member. */
void jsonw_kv_str(jsonw_t *w, const char *key, const char *s);
void jsonw_kv_int(jsonw_t *w, const char *key, int64_t v);
void jsonw_kv_bool(jsonw_t *w, const char *key, bool v);
/* Append only the escaped, quoted form of a string (for callers that build
 * JSON by hand). */
void jsonw_escape(buf_t *out, const char *s, size_t len);

#endif
