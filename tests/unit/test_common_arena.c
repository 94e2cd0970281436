/* Unit tests of common/arena: alignment, growth, jumbo blocks, reset, free;
 * page-backed buffers (zeroed, resized with contents kept, across the
 * malloc/mapping threshold), pages arenas and their trim, and the reserve of
 * kept pages (bounded, reused zeroed, given back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/arena.h"

static void test_alignment_and_contents(void **state)
{
    arena_t *a = arena_new(128);
    assert_non_null(a);
    char *prev = NULL;
    for (int i = 1; i < 200; i++) {
        char *p = arena_alloc(a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        memset(p, i & 0xff, (size_t)i);
        if (prev)
            assert_int_equal((unsigned char)prev[0], (unsigned char)((i - 1) & 0xff));
        prev = p;
    }
    assert_true(arena_used(a) >= 199 * 200 / 2);
    assert_true(arena_reserved(a) >= arena_used(a));
    arena_free(&a);
    assert_null(a);
}

static void test_jumbo_keeps_tail_usable(void **state)
{
    arena_t *a = arena_new(1024);
    char *small = arena_alloc(a, 16);
    size_t before = arena_reserved(a);
    char *jumbo = arena_alloc(a, 100000);
    assert_non_null(jumbo);
    memset(jumbo, 0xab, 100000);
    assert_true(arena_reserved(a) >= before + 100000);
    /* The current chunk still serves small requests: reserved does not grow. */
    size_t after = arena_reserved(a);
    char *small2 = arena_alloc(a, 16);
    assert_int_equal(arena_reserved(a), after);
    assert_ptr_equal(small2, small + 16);
    arena_free(&a);
}

static void test_strings_and_reset(void **state)
{
    arena_t *a = arena_new(0);
    char *s = arena_strdup(a, "marathon");
    assert_string_equal(s, "marathon");
    char *t = arena_strndup(a, "web.marathon", 3);
    assert_string_equal(t, "web");
    uint8_t *z = arena_calloc(a, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    assert_memory_equal(arena_memdup(a, "abc", 3), "abc", 3);
    arena_alloc(a, 1 << 20);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    assert_true(arena_reserved(a) <= 64 * 1024);
    assert_non_null(arena_alloc(a, 10));
    arena_free(&a);
    arena_free(&a); /* NULL-safe twice */
    arena_free(NULL);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31u + seed);
}

static bool filled(const uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(i * 31u + seed))
            return false;
    return true;
}

static void test_pages_alloc_and_resize(void **state)
{
    /* Below, at and above the threshold; sizes that are not whole pages. */
    const size_t sizes[] = {1, 4000, ARENA_PAGES_MIN - 1, ARENA_PAGES_MIN, (3u << 20) + 5};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint8_t *p = arena_pages_alloc(sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_true(all_zero(p, sizes[i]));
        fill(p, sizes[i], 7);
        arena_pages_free(p, sizes[i]);
    }
    assert_null(arena_pages_alloc(0));
    arena_pages_free(NULL, 123);

    /* Grow from malloc into a mapping and on, then shrink back below the
     * threshold: the kept prefix survives every step. */
    const size_t steps[] = {100, 200000, ARENA_PAGES_MIN + 1, 5u << 20, 9u << 20, 3u << 20, 1000};
    size_t have = 0, cur = 0;
    uint8_t *p = NULL;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        uint8_t *q = arena_pages_realloc(p, cur, steps[i]);
        assert_non_null(q);
        if (have > steps[i])
            have = steps[i];
        assert_true(filled(q, have, 3));
        fill(q, steps[i], 3);
        have = steps[i];
        p = q;
        cur = steps[i];
    }
    assert_null(arena_pages_realloc(p, cur, 0));
    arena_pages_free(p, cur);
}

static void test_pages_arena_and_trim(void **state)
{
    arena_t *a = arena_new_pages(4u << 20);
    assert_non_null(a);
    uint8_t *first = arena_alloc(a, 1000);
    uint8_t *z = arena_calloc(a, 3u << 20);
    assert_non_null(first);
    assert_non_null(z);
    assert_true(all_zero(z, 3u << 20));
    fill(first, 1000, 1);
    size_t used = arena_used(a);
    assert_true(arena_reserved(a) >= 4u << 20);
    arena_trim(a); /* the untouched rest goes back */
    assert_int_equal(arena_reserved(a), used);
    assert_true(filled(first, 1000, 1));
    /* A trimmed chunk takes nothing more: the next allocation opens one. */
    uint8_t *more = arena_alloc(a, 64);
    assert_non_null(more);
    assert_true(arena_reserved(a) > used);
    assert_true(filled(first, 1000, 1));
    arena_free(&a);
    assert_null(a);

    a = arena_new_pages(1000); /* small: a malloc'd chunk, trim is a no-op */
    size_t in_use = arena_pages_in_use();
    assert_non_null(arena_alloc(a, 10));
    arena_trim(a);
    assert_non_null(arena_alloc(a, 10));
    assert_int_equal(arena_pages_in_use(), in_use); /* malloc'd chunks are not counted */
    arena_free(&a);
    arena_trim(NULL); /* NULL-safe */
    arena_reset(NULL);
    arena_free(&a);
}

static void test_pages_reserve(void **state)
{
    size_t big = 8u << 20;
    arena_pages_keep(0);
    assert_int_equal(arena_pages_kept(), 0);
    /* Kept: freed mappings stay, up to the limit, whole 2 MiB. */
    arena_pages_keep(big + (2u << 20));
    uint8_t *p = arena_pages_alloc(big), *q = arena_pages_alloc(4u << 20);
    fill(p, big, 9);
    fill(q, 4u << 20, 5);
    arena_pages_free(p, big);
    assert_int_equal(arena_pages_kept(), big);
    arena_pages_free(q, 4u << 20); /* over the limit: given back */
    assert_int_equal(arena_pages_kept(), big);
    /* Reused memory is zeroed like fresh memory, and leaves the reserve. */
    uint8_t *r = arena_pages_alloc(3u << 20);
    assert_true(all_zero(r, 3u << 20));
    assert_int_equal(arena_pages_kept(), big - (4u << 20));
    /* More than the reserve holds: kept pages plus fresh ones, all zero. */
    uint8_t *s = arena_pages_alloc(10u << 20);
    assert_true(all_zero(s, 10u << 20));
    assert_int_equal(arena_pages_kept(), 0);
    fill(r, 3u << 20, 1);
    fill(s, 10u << 20, 2);
    /* A pages arena's chunk of 5 MiB + header is 6 MiB mapped. Trimmed
     * after 3 MiB, the whole 2 MiB page past its end is kept; freed, its
     * first whole 2 MiB are kept (the rest, under 2 MiB, is not). */
    arena_pages_keep(64u << 20);
    size_t used0 = arena_pages_in_use();
    arena_pages_peak_reset();
    arena_t *a = arena_new_pages(5u << 20);
    fill(arena_alloc(a, 3u << 20), 3u << 20, 4);
    assert_int_equal(arena_pages_in_use(), used0 + (6u << 20));
    arena_trim(a);
    assert_int_equal(arena_pages_kept(), 2u << 20);
    /* In use: the header and 3 MiB, whole 4 KiB pages. */
    assert_int_equal(arena_pages_in_use(), used0 + (3u << 20) + 4096);
    arena_free(&a);
    assert_int_equal(arena_pages_kept(), 4u << 20);
    assert_int_equal(arena_pages_in_use(), used0);
    assert_int_equal(arena_pages_peak_reset(), used0 + (6u << 20));
    assert_int_equal(arena_pages_peak_reset(), used0);
    /* Growing a buffer takes kept pages for its new part. */
    uint8_t *g = arena_pages_realloc(r, 3u << 20, 8u << 20);
    assert_true(filled(g, 3u << 20, 1));
    assert_int_equal(arena_pages_kept(), 0);
    arena_pages_free(g, 8u << 20);
    arena_pages_free(s, 10u << 20);
    assert_int_equal(arena_pages_kept(), (8u + 10u) << 20);
    arena_pages_keep(0); /* gives it all back */
    assert_int_equal(arena_pages_kept(), 0);
    arena_pages_free(arena_pages_alloc(big), big);
    assert_int_equal(arena_pages_kept(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_contents),
        cmocka_unit_test(test_jumbo_keeps_tail_usable),
        cmocka_unit_test(test_strings_and_reset),
        cmocka_unit_test(test_pages_alloc_and_resize),
        cmocka_unit_test(test_pages_arena_and_trim),
        cmocka_unit_test(test_pages_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
