/* tokguard: sits between a JSON byte stream and yajl so that yajl never
 * sees a string or a number split across two feeds, and bounds the length
 * of such tokens.
 *
 * Why: yajl 2.1 keeps a token that a feed ends inside in a buffer and, on
 * every later feed, lexes it again from its first byte. One long string
 * arriving in many chunks therefore costs time quadratic in its length: a
 * master streaming {"leader":"aaaa... pins the event loop inside yajl while
 * memory grows. tokguard scans each chunk (memchr over string bodies,
 * escapes tracked across chunks), passes on everything up to the start of a
 * string or number still open at the end of the chunk, and holds that token
 * back until it is complete; yajl then gets it whole. Every byte is scanned
 * once and copied at most once, so the cost is linear, and memory is bounded
 * by `max_token`.
 *
 * The scan follows token boundaries only (strings with their escapes, runs
 * of number characters); it does not validate. All bytes reach the sink in
 * order, unless a token grows longer than max_token: then the bytes before
 * that token are passed on and the feed fails. Where the token is reported
 * does not depend on how the stream was cut into chunks.
 *
 * Not thread-safe: one guard per stream. */
#ifndef MDNS_TOKGUARD_H
#define MDNS_TOKGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Receives the bytes to parse; returns 0 or a negative errno (the feed
 * then stops and returns it). */
typedef int (*tokguard_sink_fn)(void *ctx, const char *buf, size_t len);

typedef struct tokguard {
    size_t max_token; /* longest string body / number accepted, in bytes */
    uint8_t state;    /* between tokens, in a string, in a number */
    uint8_t kind;     /* the last token begun: string or number */
    bool esc;         /* in a string: the next byte is escaped */
    size_t tok_len;   /* bytes of the open token so far (a string's quotes not counted) */
    uint64_t pos;     /* stream offset of the next byte fed */
    uint64_t tok_at;  /* stream offset of the open token's first byte */
    char *hold;       /* the open token, held back (from its first byte) */
    size_t hold_len, hold_cap;
} tokguard_t;

/* A guard accepting tokens of up to `max_token` bytes (> 0). */
void tokguard_init(tokguard_t *g, size_t max_token);
/* Scan `len` bytes and hand them to `sink` (now, or with a later feed or
 * tokguard_finish). Returns 0, what `sink` returned when negative,
 * -EMSGSIZE when a string or number is longer than max_token
 * (tokguard_too_long() tells which and where), or -ENOMEM. After a failure
 * the guard must not be fed again. */
int tokguard_feed(tokguard_t *g, const void *buf, size_t len, tokguard_sink_fn sink, void *ctx);
/* End of the stream: hand over what is held. 0 or what `sink` returned. */
int tokguard_finish(tokguard_t *g, tokguard_sink_fn sink, void *ctx);
/* After -EMSGSIZE: "string" or "number"; *offset gets the stream offset of
 * the token's first byte (a string's opening quote). */
const char *tokguard_too_long(const tokguard_t *g, uint64_t *offset);
/* Free the held bytes. NULL-safe. */
void tokguard_release(tokguard_t *g);

#endif
