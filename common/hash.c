/* hash: the per-process seed (see hash.h). */
#include "common/hash.h"

#include <pthread.h>
#include <sys/random.h>
#include <time.h>

static uint64_t process_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    uint64_t s;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s)
        s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&s;
    process_seed = s;
}

uint64_t hash_seed(void)
{
    pthread_once(&seed_once, seed_init);
    return process_seed;
}
