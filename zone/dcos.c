#include "zone/dcos.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "zone/names.h"

const char dcos_zbase32_alphabet[33] = "ybndrfg8ejkmcpqxotluwisza345h769";

int dcos_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
    return names_zbase32(dcos_zbase32_alphabet, in, len, out, outlen);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EPROTO;
}

/* The JSON string is valid UTF-8 (jansson checks); every code point must be
 * U+0000..U+00FF, i.e. one byte below 0x80 or a 2-byte sequence led by
 * 0xC2/0xC3. Returns the number of key bytes, or -1 on a larger code point
 * or when more than DCOS_KEY_LEN bytes would result. */
static int latin1_bytes(const unsigned char *s, size_t len, uint8_t key[DCOS_KEY_LEN])
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        if (s[i] < 0x80) {
            cp = s[i];
            i += 1;
        } else if ((s[i] == 0xC2 || s[i] == 0xC3) && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            cp = ((unsigned)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
            i += 2;
        } else {
            return -1;
        }
        if (n == DCOS_KEY_LEN)
            return -2;
        key[n++] = (uint8_t)cp;
    }
    return (int)n;
}

int dcos_navstar_public(const void *json, size_t len, uint8_t key[DCOS_KEY_LEN], char *err,
                        size_t errlen)
{
    json_error_t jerr;
    /* Keys may hold byte 0, written as \u0000. */
    json_t *root = json_loadb(json, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!root) {
        /* jansson's text names a position, never the document's content
         * beyond a token, but keep our own words to be sure. */
        return fail(err, errlen, "navstar_key: not valid JSON (line %d, column %d)", jerr.line,
                    jerr.column);
    }
    if (!json_is_object(root)) {
        rc = fail(err, errlen, "navstar_key: not a JSON object");
        goto out;
    }
    json_t *pub = json_object_get(root, "public");
    if (!json_is_string(pub)) {
        rc = fail(err, errlen, "navstar_key: \"public\" missing or not a string");
        goto out;
    }
    int n =
        latin1_bytes((const unsigned char *)json_string_value(pub), json_string_length(pub), key);
    if (n == -1) {
        rc = fail(err, errlen, "navstar_key: \"public\" has a code point above U+00FF");
        goto out;
    }
    if (n != DCOS_KEY_LEN) {
        rc = fail(err, errlen, "navstar_key: \"public\" is not a %d-byte key", DCOS_KEY_LEN);
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int dcos_label_from_navstar(const void *json, size_t len, char *label, size_t labelsz)
{
    uint8_t key[DCOS_KEY_LEN];
    if (labelsz < DCOS_LABEL_LEN + 1)
        return -ERANGE;
    int rc = dcos_navstar_public(json, len, key, NULL, 0);
    if (rc < 0)
        return rc;
    dcos_encode(key, sizeof key, label, labelsz);
    return 0;
}

bool dcos_label_valid(const char *label)
{
    size_t n = label ? strlen(label) : 0;
    if (n == 0 || n > DCOS_LABEL_MAX || label[0] == '-' || label[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = label[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}
