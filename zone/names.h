/* names: the label functions of Mesos-DNS's naming rules (compat spec §5,
 * §4.5) and the cuts that keep every generated name a valid DNS name (§7).
 *
 * - names_spec: sanitize one string into one host label (spec §5 label())
 *   (RFC 1123: 63 chars; RFC 952: 24 chars, starts with a letter).
 * - names_frag_wire: a framework name, sanitized label by label (framework
 *   names keep their dots), as wire labels.
 * - names_task_hash: the 5-character z-base-32 SHA-1 prefix of a task id.
 * - names_zbase32: z-base-32 with a given alphabet (the standard one here,
 *   DC/OS's variant in zone/dcos.h).
 * - names_canonical / names_underscore: the §7 cuts for the canonical
 *   instance label "T-H-S" and for underscore labels "_T".
 *
 * Everything is pure and reentrant except the hasher, which has one owner. */
#ifndef MDNS_ZONE_NAMES_H
#define MDNS_ZONE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAMES_LABEL_MAX  63 /* longest label, RFC 1123 */
#define NAMES_RFC952_MAX 24
#define NAMES_HASH_LEN   5

/* The standard z-base-32 alphabet (index 18 is the digit '1'). */
extern const char names_zbase32_std[33];

/* spec(s): RFC 1123 = label(s, 63, "-"), RFC 952 = label(s, 24,
 * "-0123456789"). `out` holds NAMES_LABEL_MAX + 1 bytes. */
size_t names_spec(bool rfc952, const char *s, size_t len, char *out);

/* A framework name as wire labels (no root label): split on '.', spec()
 * each part, drop empty parts. "marathon-0.7.5" → "\x0amarathon-0\x017\x015"
 * (RFC 1123). Returns the wire length (0 when nothing is left), or -ERANGE
 * when it does not fit in `outlen` bytes. */
int names_frag_wire(bool rfc952, const char *name, uint8_t *out, size_t outlen);

/* The same fragment in text form, labels joined by '.', NUL-terminated.
 * Returns its length or -ERANGE when it does not fit in `outlen`. */
int names_frag_text(bool rfc952, const char *name, char *out, size_t outlen);

/* z-base-32 of `len` bytes: 5-bit groups, most significant bit first, the
 * last group zero-padded on the right, no '=' padding. `alphabet` has 32
 * characters. Writes ceil(8*len/5) characters and a NUL; returns that count,
 * or -ERANGE when `outlen` is too small. */
int names_zbase32(const char *alphabet, const uint8_t *in, size_t len, char *out, size_t outlen);

/* Task-id hasher: keeps one SHA-1 context for many tasks (a fresh OpenSSL
 * context per task costs more than the rest of a task's records). */
typedef struct names_hasher names_hasher_t;

/* New hasher, or NULL on -ENOMEM. */
names_hasher_t *names_hasher_new(void);
void names_hasher_free(names_hasher_t **h);

/* H of spec §4.5: the first 5 characters of the standard z-base-32 of
 * SHA-1(id). `out` gets 5 characters and a NUL. Returns 0, or -EIO when the
 * digest fails. hash("test") = "iffe9". */
int names_task_hash(names_hasher_t *h, const char *id, size_t len, char out[NAMES_HASH_LEN + 1]);

/* S of spec §4.5: the text after the last '-' of an agent id (the whole id
 * when it has none), lowercased. Writes at most `outlen` - 1 bytes and a NUL;
 * returns the full length of S (a value >= outlen means it was cut). */
size_t names_agent_tail(const char *agent_id, char *out, size_t outlen);

/* The canonical instance label "T-H-S" (spec §4.5) with the §7 cut: when it
 * would exceed 63 octets, T is shortened and then its trailing '-' trimmed
 * (an uncut T is kept as it is). `t`
 * is one label (any bytes). Writes the label and a NUL into `out` (64 bytes)
 * and returns its length, or -ERANGE when "-H-S" alone exceeds 63. */
int names_canonical(const char *t, size_t tlen, const char *h, const char *s, size_t slen,
                    char *out);

/* An underscore label "_X" (SRV service, protocol and port-name labels) with
 * the §7 cut: an X over 62 octets is shortened to 62, then its trailing '-'
 * trimmed.
 * Writes the label and a NUL into `out` (64 bytes); returns its length. */
size_t names_underscore(const char *x, size_t xlen, char *out);

#endif
