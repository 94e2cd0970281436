/* dcos: the DC/OS cryptographic cluster-ID label (dcos-and-bind spec §1).
 *
 * The label is z-base-32 of the cluster's 32-byte Ed25519 public key with
 * DC/OS's alphabet (index 18 is the letter 'l', where standard z-base-32 has
 * the digit '1'). The key is read from the ZooKeeper node /navstar_key, a
 * JSON object {"public": "...", "secret": "..."} whose strings carry one
 * Latin-1 code point per raw key byte. Only "public" is ever decoded; the
 * secret is never copied, logged or reported, not even its length.
 *
 * All functions are pure and thread-safe. */
#ifndef MDNS_ZONE_DCOS_H
#define MDNS_ZONE_DCOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCOS_KEY_LEN   32
#define DCOS_LABEL_LEN 52 /* z-base-32 characters of a 32-byte key */
#define DCOS_LABEL_MAX 63 /* longest label a configured cluster ID may have */

/* "ybndrfg8ejkmcpqxotluwisza345h769". */
extern const char dcos_zbase32_alphabet[33];

/* DC/OS z-base-32 of `len` bytes into `out` (NUL-terminated). Returns the
 * number of characters, or -ERANGE when `outlen` is too small. */
int dcos_encode(const uint8_t *in, size_t len, char *out, size_t outlen);

/* Decode the /navstar_key JSON document (`len` bytes as read from
 * ZooKeeper, need not be NUL-terminated) into the raw public key. Returns 0,
 * or -EPROTO for malformed JSON, a missing or non-string "public", a code
 * point above 255 or a key that is not 32 bytes; a one-line reason (never
 * key material) then goes into `err` (may be NULL). */
int dcos_navstar_public(const void *json, size_t len, uint8_t key[DCOS_KEY_LEN], char *err,
                        size_t errlen);

/* dcos_navstar_public followed by dcos_encode: the 52-character label and a
 * NUL in `label` (`labelsz` >= DCOS_LABEL_LEN + 1, e.g. DCOS_LABEL_MAX + 1).
 * Returns 0, -EPROTO (reasons as for dcos_navstar_public) or -ERANGE when
 * `label` is too small. */
int dcos_label_from_navstar(const void *json, size_t len, char *label, size_t labelsz);

/* True when `label` can be used as a configured cluster-ID label: one DNS
 * label of 1-63 characters from [a-z0-9-], not starting or ending with '-'.
 * It is otherwise opaque (early DC/OS clusters had labels longer than 52). */
bool dcos_label_valid(const char *label);

#endif
