/* Unit tests of common/arena: alignment, growth, jumbo blocks, reset, free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_contents),
        cmocka_unit_test(test_jumbo_keeps_tail_usable),
        cmocka_unit_test(test_strings_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
