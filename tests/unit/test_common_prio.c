/* common/prio: only the calling thread gets the background nice value;
 * a thread that existed before keeps its own, one created after inherits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/prio.h"

static int my_nice(void)
{
    errno = 0;
    return getpriority(PRIO_PROCESS, (id_t)gettid());
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stage; /* 1: main lowered its priority; 2: the thread has looked */
static int seen;

static void *before(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (stage < 1)
        pthread_cond_wait(&cv, &mu);
    seen = my_nice();
    stage = 2;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *after(void *arg)
{
    (void)arg;
    seen = my_nice();
    return NULL;
}

static void test_only_this_thread(void **state)
{
    (void)state;
    int start = my_nice();
    if (start >= PRIO_BACKGROUND_NICE)
        skip(); /* the test itself runs niced: nothing to observe */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, before, NULL), 0);
    assert_int_equal(prio_background(), 0);
    assert_int_equal(my_nice(), PRIO_BACKGROUND_NICE);
    pthread_mutex_lock(&mu);
    stage = 1;
    pthread_cond_broadcast(&cv);
    while (stage < 2)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    pthread_join(t, NULL);
    assert_int_equal(seen, start); /* the older thread is untouched */
    assert_int_equal(pthread_create(&t, NULL, after, NULL), 0);
    pthread_join(t, NULL);
    assert_int_equal(seen, PRIO_BACKGROUND_NICE); /* inherited */
    assert_int_equal(prio_background(), 0);       /* idempotent */
    assert_int_equal(my_nice(), PRIO_BACKGROUND_NICE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_only_this_thread)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
