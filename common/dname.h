/* dname: domain names in uncompressed wire form (length-prefixed labels,
 * ending with the root label 0), as zone/ stores them and dnsd/ sends them.
 *
 * All functions are pure and thread-safe. Buffers of DNAME_MAXLEN bytes hold
 * any valid name. Text form is dotted ASCII; a trailing dot is optional on
 * input and always written on output. */
#ifndef MDNS_DNAME_H
#define MDNS_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNAME_MAXLEN   255
#define DNAME_MAXLABEL 63

/* Text → wire. Labels are split on '.', no escapes; "" and "." are the root.
 * Returns the wire length, -EINVAL for an empty label, -ERANGE for a label
 * over 63 octets or a name over 255. */
int dname_from_text(const char *text, uint8_t out[DNAME_MAXLEN]);
/* Wire → text with a trailing dot; '.', '\\' and bytes outside printable ASCII
 * inside labels are escaped (\. \\ \DDD). Returns the text length, or -ERANGE
 * when `outlen` is too small (text is then cut but NUL-terminated). */
int dname_to_text(const uint8_t *wire, char *out, size_t outlen);
/* Length of a valid wire name including the root label, or -EPROTO when the
 * name runs past `max` bytes, has a label over 63 or exceeds 255 octets. */
int dname_len(const uint8_t *wire, size_t max);
/* ASCII-lowercase a wire name in place. */
void dname_lower(uint8_t *wire);
/* Number of labels, not counting the root. */
int dname_labels(const uint8_t *wire);
/* Case-insensitive equality of two wire names. */
bool dname_equal(const uint8_t *a, const uint8_t *b);
/* True when `name` equals `apex` or lies below it (case-insensitive). */
bool dname_is_sub(const uint8_t *name, size_t name_len, const uint8_t *apex, size_t apex_len);

#endif
