/* hash: the seeded hash of DNS names that the zone index is built with
 * (zone/builder.c) and looked up with (zone/snapshot.c), in one place so
 * that both sides always agree.
 *
 * 8 bytes at a time with a strong final mix; the seed (per process,
 * random: task names come from cluster users, who must not be able to
 * choose names that collide) is the caller's. Header only: every function
 * is small and on a hot path (one call per record or per query). Pure,
 * thread-safe. */
#ifndef MDNS_HASH_H
#define MDNS_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hash_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The `rem` (< 8) bytes before `end` as memcpy() would put them into a
 * zeroed uint64_t, with one load when `avail` >= 8 bytes before `end` are
 * readable (variable-length memcpy is a call). */
static inline uint64_t hash_load_tail(const uint8_t *end, size_t rem, size_t avail)
{
    uint64_t t = 0;
    if (rem == 0)
        return 0;
    if (avail >= 8) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return hash_load64(end - 8) >> (64 - 8 * rem);
#else
        return hash_load64(end - 8) << (64 - 8 * rem);
        /* A random seed, the same for the whole process (chosen on first use;
         * thread-safe): task names come from cluster users, who must not be able
         * to pick names that collide in a table hashed with it. */
        uint64_t hash_seed(void);

#endif
    }
    memcpy(&t, end - rem, rem);
    return t;
}

/* Final mix (murmur3 fmix64): every input bit affects every output bit. */
static inline uint64_t hash_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* One 8-byte word into the running state; cheap, the mix does the rest. */
static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9fb21c651e98df25ULL;
    return (h << 29) | (h >> 35);
}

/* Hash of the `n` bytes at `p` with `seed`. */
static inline uint32_t hash_bytes(uint64_t seed, const uint8_t *p, size_t n)
{
    uint64_t h = seed ^ (n * 0x100000001b3ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        h = hash_step(h, hash_load64(p + i));
    return (uint32_t)hash_mix64(h ^ hash_load_tail(p + n, n - i, n));
}

#define HASH_ONES 0x0101010101010101ULL

/* ASCII-lowercase 8 bytes at once: 0x20 added to the bytes 'A' .. 'Z'
 * (bit 7 of each byte's sum tells >= 'A' and > 'Z'; no carry crosses). */
static inline uint64_t hash_lower8(uint64_t x)
{
    uint64_t low7 = x & (0x7f * HASH_ONES);
    uint64_t ge_a = low7 + (0x80 - 'A') * HASH_ONES;
    uint64_t gt_z = low7 + (0x7f - 'Z') * HASH_ONES;
    return x | ((ge_a & ~gt_z & ~x & (0x80 * HASH_ONES)) >> 2);
}

/* Copy the `n`-byte wire name `in` lowercased into `out` (n bytes) and
 * return hash_bytes(seed, out, n), in one pass. Length octets (<= 63) are
 * not letters, so a whole wire name can be lowercased this way. */
static inline uint32_t hash_lower(uint64_t seed, const uint8_t *in, size_t n, uint8_t *out)
{
    uint64_t h = seed ^ (n * 0x100000001b3ULL);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = hash_lower8(hash_load64(in + i));
        memcpy(out + i, &w, 8);
        h = hash_step(h, w);
    }
    uint64_t t = 0;
    if (n > i && n >= 8) { /* the last 8 bytes again: rewrites equal bytes */
        uint64_t w = hash_lower8(hash_load64(in + n - 8));
        memcpy(out + n - 8, &w, 8);
        t = hash_load_tail(out + n, n - i, n);
    } else if (n > i) {
        memcpy(&t, in + i, n - i);
        t = hash_lower8(t);
        memcpy(out + i, &t, n - i);
    }
    return (uint32_t)hash_mix64(h ^ t);
}

/* Equal `n` bytes. Names differ seldom once their hashes match, so this is
 * a confirmation that should not cost a call to memcmp. */
static inline bool hash_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        if (hash_load64(a + i) != hash_load64(b + i))
            return false;
    if (i == n)
        return true;
    if (n >= 8) /* the last 8 bytes, overlapping */
        return hash_load64(a + n - 8) == hash_load64(b + n - 8);
    return memcmp(a + i, b + i, n - i) == 0;
}

/* A random seed, the same for the whole process (chosen on first use;
 * thread-safe): task names come from cluster users, who must not be able
 * to pick names that collide in a table hashed with it. */
uint64_t hash_seed(void);

#endif
