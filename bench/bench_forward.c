/* bench_forward: cost of forwarding in one fwd_worker.
 *
 * An echo thread on 127.0.0.1 plays the upstream (answers each query with
 * the query itself, QR set) so that the figure is the forwarder's own cost:
 * submit + sendto + recvfrom + match + done, with `window` queries in
 * flight. Reports queries/s (wall), forwarder-thread CPU per query, and the
 * worker's memory (allocated vs resident after the run).
 *
 * Usage: bench_forward [queries=200000] [window=512] */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/dname.h"
#include "dnsd/forward.h"

static volatile int stop_echo;

static void *echo_main(void *arg)
{
    int fd = *(int *)arg;
    uint8_t buf[4096];
    while (!stop_echo) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 12)
            continue;
        buf[2] |= 0x80;
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static long done_count;

static void on_done(void *owner, const void *client, const uint8_t *resp, size_t len)
{
    done_count++;
}

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 200000;
    long window = argc > 2 ? atol(argv[2]) : 512;
    int efd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    struct timeval tv = {.tv_usec = 100000};
    setsockopt(efd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int big = 4 << 20;
    setsockopt(efd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big); /* as root */
    setsockopt(efd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (bind(efd, (struct sockaddr *)&sa, sl) < 0 ||
        getsockname(efd, (struct sockaddr *)&sa, &sl) < 0)
        return 1;
    pthread_t th;
    pthread_create(&th, NULL, echo_main, &efd);

    config_addr_t up = {.family = AF_INET, .port = ntohs(sa.sin_port)};
    memcpy(up.addr, &sa.sin_addr, 4);
    config_t c = {.external_on = true, .timeout = 5, .resolvers = &up, .n_resolvers = 1};
    struct event_base *base = event_base_new();
    fwd_upstreams_t *u = fwd_upstreams_new(&c, NULL);
    long rss0 = rss_kb();
    fwd_worker_t *w = fwd_worker_new(base, u, 0, on_done, NULL);
    long rss1 = rss_kb();
    if (!w)
        return 1;

    uint8_t q[12 + DNAME_MAXLEN + 4] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    int nl = dname_from_text("www.example.com", q + 12);
    size_t ql = 12 + (size_t)nl + 4;
    q[ql - 3] = 1; /* A */
    q[ql - 1] = 1; /* IN */
    long sent = 0;
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    while (done_count < total) {
        while (sent < total && sent - done_count < window &&
               fwd_submit(w, q, ql, false, NULL, 0) == 0)
            sent++;
        event_base_loop(base, EVLOOP_ONCE);
    }
    double wall = now_s(CLOCK_MONOTONIC) - w0, cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    long rss2 = rss_kb();
    const fwd_stats_t *st = fwd_worker_stats(w);
    printf("forwarded %ld queries, window %ld: %.0f q/s wall, %.2f us forwarder CPU per query "
           "(%.0f q per CPU-second)\n",
           total, window, (double)total / wall, cpu * 1e6 / (double)total, (double)total / cpu);
    printf("timeouts %llu, servfail %llu\n", (unsigned long long)st->timeouts,
           (unsigned long long)st->servfail);
    printf("worker RSS: +%ld KiB after fwd_worker_new(4096 pending), +%ld KiB after the run\n",
           rss1 - rss0, rss2 - rss0);
    stop_echo = 1;
    pthread_join(th, NULL);
    fwd_worker_free(&w);
    fwd_upstreams_free(&u);
    event_base_free(base);
    close(efd);
    return 0;
}
