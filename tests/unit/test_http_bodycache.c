/* http/bodycache: a big export is rendered once for all the requests that
 * want the same zone version at the same time, and not kept afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "http/bodycache.h"

static atomic_int renders;
static int render_ms; /* how long a render takes */

static int render(void *ctx, buf_t *out)
{
    atomic_fetch_add(&renders, 1);
    if (render_ms) {
        struct timespec ts = {0, render_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    return buf_printf(out, "body of %s", (const char *)ctx);
}

static int render_fails(void *ctx, buf_t *out)
{
    (void)ctx;
    buf_puts(out, "partial");
    return -EIO;
}

static int setup(void **state)
{
    atomic_store(&renders, 0);
    render_ms = 0;
    *state = bodycache_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    bodycache_t *c = *state;
    bodycache_free(&c);
    return 0;
}

static void test_shared_while_held(void **state)
{
    bodycache_t *c = *state;
    int rc;
    const bodycache_body_t *a = bodycache_get(c, BODYCACHE_AXFR, 7, render, "v7", &rc);
    assert_non_null(a);
    assert_int_equal(rc, 0);
    assert_int_equal(a->len, strlen("body of v7"));
    assert_memory_equal(a->data, "body of v7", a->len);
    const bodycache_body_t *b = bodycache_get(c, BODYCACHE_AXFR, 7, render, "v7", &rc);
    assert_ptr_equal(a, b); /* the same rendering, one render */
    assert_int_equal(atomic_load(&renders), 1);
    /* Another export, or another version, is rendered on its own. */
    const bodycache_body_t *z = bodycache_get(c, BODYCACHE_ZONE, 7, render, "z7", &rc);
    const bodycache_body_t *n = bodycache_get(c, BODYCACHE_AXFR, 8, render, "v8", &rc);
    assert_ptr_not_equal(z, a);
    assert_ptr_not_equal(n, a);
    assert_int_equal(atomic_load(&renders), 3);
    /* The replaced version stays valid for its holders. */
    assert_memory_equal(a->data, "body of v7", a->len);
    bodycache_release(a);
    bodycache_release(b);
    bodycache_release(z);
    bodycache_release(n);
    bodycache_release(NULL);
}

static void test_not_kept(void **state)
{
    bodycache_t *c = *state;
    int rc;
    const bodycache_body_t *a = bodycache_get(c, BODYCACHE_ENUMERATE, 3, render, "e", &rc);
    bodycache_release(a);
    /* Nobody holds it: the next request renders again (an idle daemon
     * keeps no export in memory). */
    a = bodycache_get(c, BODYCACHE_ENUMERATE, 3, render, "e", &rc);
    assert_non_null(a);
    assert_int_equal(atomic_load(&renders), 2);
    bodycache_release(a);
}

static void test_render_error(void **state)
{
    bodycache_t *c = *state;
    int rc = 0;
    assert_null(bodycache_get(c, BODYCACHE_ZONE, 1, render_fails, NULL, &rc));
    assert_int_equal(rc, -EIO);
    /* A failure is not shared: the next request tries again. */
    const bodycache_body_t *b = bodycache_get(c, BODYCACHE_ZONE, 1, render, "ok", &rc);
    assert_non_null(b);
    assert_int_equal(rc, 0);
    bodycache_release(b);
}

struct getter {
    bodycache_t *c;
    const bodycache_body_t *got;
};

static void *get_thread(void *arg)
{
    struct getter *g = arg;
    int rc;
    g->got = bodycache_get(g->c, BODYCACHE_ENUMERATE, 42, render, "big", &rc);
    return NULL;
}

/* Requests arriving while the first one renders wait for that render and
 * share it, instead of rendering (and holding) copies of their own. */
static void test_concurrent_requests_render_once(void **state)
{
    bodycache_t *c = *state;
    render_ms = 200;
    enum { N = 6 };
    struct getter g[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        g[i] = (struct getter){c, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, get_thread, &g[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&renders), 1);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(g[i].got, g[0].got);
        bodycache_release(g[i].got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_while_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_requests_render_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
