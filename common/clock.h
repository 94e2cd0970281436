/* clock: the project's time sources, in one place.
 *
 * Monotonic time for durations and timeouts, real time for what operators
 * see (metrics timestamps, the SOA serial). Pure, thread-safe (vDSO). */
#ifndef MDNS_CLOCK_H
#define MDNS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds on clock `id`, as a double. */
static inline double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Monotonic microseconds. */
static inline uint64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Monotonic milliseconds at tick resolution (a few ms): cheaper, for
 * timeouts and back-off that are counted in tens of milliseconds. */
static inline int64_t clock_mono_coarse_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic seconds, for durations in logs and metrics; CPU seconds used by
 * the calling thread / the whole process, for build statistics and
 * benchmarks. */
static inline double clock_mono_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static inline double clock_thread_cpu_s(void)
{
    return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static inline double clock_process_cpu_s(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* Unix time in milliseconds. */
static inline int64_t clock_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
