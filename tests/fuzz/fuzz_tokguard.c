/* libFuzzer harness of discovery/tokguard, the guard in front of yajl.
 *
 * Input: byte 0 picks the token limit (1..64), byte 1 the chunk size (0 =
 * the whole stream in one feed, else 1..255 bytes per feed); the rest is
 * the stream. It is fed whole and in chunks; both runs must agree on the
 * verdict and, for a token over the limit, on its kind and offset; the sink
 * must have received exactly the stream (accepted) or exactly the bytes
 * before the offending token (rejected). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/tokguard.h"

struct sink {
    uint8_t *buf;
    size_t len, cap;
};

static int sink_fn(void *ctx, const char *data, size_t len)
{
    struct sink *k = ctx;
    if (len == 0 || k->len + len > k->cap)
        abort(); /* never empty, never more than was fed */
    memcpy(k->buf + k->len, data, len);
    k->len += len;
    return 0;
}

static int run(const uint8_t *s, size_t n, size_t max, size_t chunk, struct sink *k,
               const char **what, uint64_t *at)
{
    tokguard_t g;
    tokguard_init(&g, max);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0;) {
        size_t c = chunk && chunk < n - off ? chunk : n - off;
        rc = tokguard_feed(&g, s + off, c, sink_fn, k);
        off += c;
    }
    if (rc == 0)
        rc = tokguard_finish(&g, sink_fn, k);
    *what = rc == -EMSGSIZE ? tokguard_too_long(&g, at) : NULL;
    tokguard_release(&g);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max = 1 + data[0] % 64, chunk = data[1];
    const uint8_t *s = data + 2;
    size_t n = size - 2;
    struct sink a = {malloc(n + 1), 0, n}, b = {malloc(n + 1), 0, n};
    const char *wa, *wb;
    uint64_t ata = 0, atb = 0;
    int ra = run(s, n, max, 0, &a, &wa, &ata);
    int rb = run(s, n, max, chunk, &b, &wb, &atb);
    if (ra != rb || (ra != 0 && ra != -EMSGSIZE))
        abort();
    size_t want = ra == 0 ? n : (size_t)ata;
    if (ra == -EMSGSIZE && (ata != atb || strcmp(wa, wb) != 0 || ata >= n))
        abort();
    if (a.len != want || b.len != want || memcmp(a.buf, s, want) != 0 ||
        memcmp(b.buf, s, want) != 0)
        abort();
    free(a.buf);
    free(b.buf);
    return 0;
}
