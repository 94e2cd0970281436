#include "zone/names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

const char names_zbase32_std[33] = "ybndrfg8ejkmcpqxot1uwisza345h769";

/* Byte → label character of spec §5, or 0 when the byte is dropped. */
static inline char map_byte(uint8_t c)
{
    if (c >= 'a' && c <= 'z')
        return (char)c;
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    if (c >= '0' && c <= '9')
        return (char)c;
    if (c == '-' || c == '.' || c == '_')
        return '-';
    return 0;
}

/* label(s, maxlen, leftcut) of spec §5 on the `len` bytes at `s`: map each
 * byte (A-Z lowercased; a-z 0-9 kept; '-', '.', '_' become '-'; all else
 * dropped), trim leading bytes found in `leftcut`, cut to `maxlen`, and when
 * the cut leaves trailing '-' refill from the rest (after its leading '-')
 * up to `maxlen`; finally trim trailing '-'. Writes the label and a NUL into
 * `out` (room for maxlen + 1 bytes; maxlen <= 63) and returns its length,
 * possibly 0.
 * The mapped string is produced lazily: labels come from names of any
 * length, and only the first maxlen characters plus the refill matter. */
static size_t names_label(const char *s, size_t len, size_t maxlen, const char *leftcut, char *out)
{
    size_t i = 0, n = 0;
    char c = 0;
    /* Mapped characters in `leftcut` are trimmed from the start. */
    for (; i < len; i++) {
        c = map_byte((uint8_t)s[i]);
        if (c && !strchr(leftcut, c))
            break;
    }
    /* Head: up to maxlen mapped characters. */
    for (; i < len && n < maxlen; i++) {
        c = map_byte((uint8_t)s[i]);
        if (c)
            out[n++] = c;
    }
    size_t size = n;
    while (n > 0 && out[n - 1] == '-')
        n--;
    if (n < size) {
        /* Refill from the rest, after its leading '-', up to `size`. */
        bool lead = true;
        for (; i < len && n < size; i++) {
            c = map_byte((uint8_t)s[i]);
            if (!c || (lead && c == '-'))
                continue;
            lead = false;
            out[n++] = c;
        }
        while (n > 0 && out[n - 1] == '-')
            n--;
    }
    out[n] = '\0';
    return n;
}

size_t names_spec(bool rfc952, const char *s, size_t len, char *out)
{
    if (rfc952)
        return names_label(s, len, NAMES_RFC952_MAX, "-0123456789", out);
    return names_label(s, len, NAMES_LABEL_MAX, "-", out);
}

int names_frag_wire(bool rfc952, const char *name, uint8_t *out, size_t outlen)
{
    size_t pos = 0;
    char lab[NAMES_LABEL_MAX + 1];
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t plen = dot ? (size_t)(dot - p) : strlen(p);
        size_t l = names_spec(rfc952, p, plen, lab);
        if (l > 0) {
            if (pos + 1 + l > outlen)
                return -ERANGE;
            out[pos++] = (uint8_t)l;
            memcpy(out + pos, lab, l);
            pos += l;
        }
        if (!dot)
            break;
        p = dot + 1;
    }
    return (int)pos;
}

int names_frag_text(bool rfc952, const char *name, char *out, size_t outlen)
{
    uint8_t wire[1024];
    int wl = names_frag_wire(rfc952, name, wire, sizeof wire);
    if (wl < 0)
        return wl;
    size_t o = 0;
    for (int i = 0; i < wl; i += wire[i] + 1) {
        size_t l = wire[i];
        if (o + (o > 0) + l + 1 > outlen)
            return -ERANGE;
        if (o > 0)
            out[o++] = '.';
        memcpy(out + o, wire + i + 1, l);
        o += l;
    }
    if (outlen == 0)
        return -ERANGE;
    out[o] = '\0';
    return (int)o;
}

int names_zbase32(const char *alphabet, const uint8_t *in, size_t len, char *out, size_t outlen)
{
    size_t nchars = (len * 8 + 4) / 5;
    if (outlen < nchars + 1)
        return -ERANGE;
    uint32_t acc = 0; /* bits not yet written, right-aligned */
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return (int)o;
}

struct names_hasher {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

names_hasher_t *names_hasher_new(void)
{
    names_hasher_t *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->md = EVP_MD_fetch(NULL, "SHA1", NULL);
    h->ctx = EVP_MD_CTX_new();
    if (!h->md || !h->ctx)
        names_hasher_free(&h);
    return h;
}

void names_hasher_free(names_hasher_t **h)
{
    if (!h || !*h)
        return;
    EVP_MD_CTX_free((*h)->ctx);
    EVP_MD_free((*h)->md);
    free(*h);
    *h = NULL;
}

int names_task_hash(names_hasher_t *h, const char *id, size_t len, char out[NAMES_HASH_LEN + 1])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 || EVP_DigestUpdate(h->ctx, id, len) != 1 ||
        EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen < 4)
        return -EIO;
    /* 5 characters = 25 bits: the first 4 bytes of the digest suffice. */
    char tmp[8];
    names_zbase32(names_zbase32_std, md, 4, tmp, sizeof tmp);
    memcpy(out, tmp, NAMES_HASH_LEN);
    out[NAMES_HASH_LEN] = '\0';
    return 0;
}

size_t names_agent_tail(const char *agent_id, char *out, size_t outlen)
{
    const char *dash = strrchr(agent_id, '-');
    const char *t = dash ? dash + 1 : agent_id;
    size_t n = strlen(t);
    size_t w = 0;
    if (outlen > 0) {
        for (; w < n && w + 1 < outlen; w++) {
            char c = t[w];
            out[w] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        out[w] = '\0';
    }
    return n;
}

int names_canonical(const char *t, size_t tlen, const char *h, const char *s, size_t slen,
                    char *out)
{
    size_t hlen = strlen(h);
    size_t suffix = 1 + hlen + 1 + slen;
    if (suffix > NAMES_LABEL_MAX)
        return -ERANGE;
    size_t tl = tlen;
    if (tl + suffix > NAMES_LABEL_MAX) {
        tl = NAMES_LABEL_MAX - suffix;
        while (tl > 0 && t[tl - 1] == '-')
            tl--;
    }
    size_t o = 0;
    memcpy(out, t, tl);
    o += tl;
    out[o++] = '-';
    memcpy(out + o, h, hlen);
    o += hlen;
    out[o++] = '-';
    memcpy(out + o, s, slen);
    o += slen;
    out[o] = '\0';
    return (int)o;
}

size_t names_underscore(const char *x, size_t xlen, char *out)
{
    size_t l = xlen;
    if (l > NAMES_LABEL_MAX - 1) {
        l = NAMES_LABEL_MAX - 1;
        while (l > 0 && x[l - 1] == '-')
            l--;
    }
    out[0] = '_';
    memcpy(out + 1, x, l);
    out[l + 1] = '\0';
    return l + 1;
}
