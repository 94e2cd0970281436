/* bench_state_parse: stream a /master/state file through the state parser
 * in 64 KiB reads and report the time to a finished model (wall and CPU),
 * the model's size and the process's peak RSS.
 *
 * Usage: bench_state_parse [--yajl-only] [--repeat N] FILE
 *   --yajl-only  run yajl alone with empty callbacks (the tokenizer floor)
 *   --repeat N   parse N times, report the fastest (default 1)
 * Prints one line of key=value pairs (see bench/README.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "bench/benchutil.h"
#include "common/arena.h"
#include "common/clock.h"
#include "discovery/state_parse.h"

enum { CHUNK = 64 * 1024 };

static int nop(void *ctx)
{
    return 1;
}
static int nop_b(void *ctx, int b)
{
    return 1;
}
static int nop_s(void *ctx, const unsigned char *s, size_t l)
{
    return 1;
}
static int nop_n(void *ctx, const char *s, size_t l)
{
    return 1;
}

/* One pass of yajl alone, with the options the parser uses. */
static int run_yajl(int fd, unsigned char *buf)
{
    static const yajl_callbacks cbs = {nop, nop_b, NULL, NULL, nop_n, nop_s,
                                       nop, nop_s, nop,  nop,  nop};
    yajl_handle h = yajl_alloc(&cbs, NULL, NULL);
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(fd, buf, CHUNK)) > 0)
        rc = yajl_parse(h, buf, (size_t)n) == yajl_status_ok ? 0 : -1;
    if (rc == 0 && yajl_complete_parse(h) != yajl_status_ok)
        rc = -1;
    yajl_free(h);
    return rc;
}

static int run_parser(int fd, unsigned char *buf, model_t **m, char *err, size_t errlen)
{
    state_parser_t *p = state_parser_new();
    ssize_t n;
    if (!p)
        return -ENOMEM;
    while ((n = read(fd, buf, CHUNK)) > 0)
        if (state_parser_feed(p, buf, (size_t)n) != 0)
            break;
    return state_parser_finish(&p, m, err, errlen);
}

int main(int argc, char **argv)
{
    int yajl_only = 0, repeat = 1;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--yajl-only") == 0)
            yajl_only = 1;
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else
            path = argv[i];
    }
    if (!path || repeat < 1) {
        fprintf(stderr, "usage: %s [--yajl-only] [--repeat N] FILE\n", argv[0]);
        return 2;
    }
    unsigned char *buf = malloc(CHUNK);
    long rss0 = bench_vm_kb("VmRSS:");
    double best = 1e9, best_cpu = 1e9;
    size_t model_bytes = 0, tasks = 0, agents = 0, fws = 0;
    off_t size = 0;
    for (int r = 0; r < repeat; r++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0 || !buf) {
            perror(path);
            return 1;
        }
        size = lseek(fd, 0, SEEK_END);
        lseek(fd, 0, SEEK_SET);
        char err[256] = "";
        model_t *m = NULL;
        double t0 = clock_mono_s(), c0 = clock_process_cpu_s();
        int rc = yajl_only ? run_yajl(fd, buf) : run_parser(fd, buf, &m, err, sizeof err);
        double dt = clock_mono_s() - t0, dc = clock_process_cpu_s() - c0;
        close(fd);
        if (rc != 0) {
            fprintf(stderr, "%s: parse failed: %s\n", path, err[0] ? err : "yajl error");
            return 1;
        }
        if (dt < best)
            best = dt;
        if (dc < best_cpu)
            best_cpu = dc;
        if (m) {
            model_bytes = arena_reserved(m->arena);
            tasks = m->n_tasks;
            agents = m->n_agents;
            fws = m->n_frameworks;
        }
        model_free(&m);
    }
    long peak = bench_vm_kb("VmHWM:");
    printf("mode=%s bytes=%lld tasks=%zu agents=%zu frameworks=%zu seconds=%.3f cpu_seconds=%.3f "
           "MiBps=%.0f model_MiB=%.1f peak_rss_MiB=%.1f base_rss_MiB=%.1f\n",
           yajl_only ? "yajl-only" : "parser", (long long)size, tasks, agents, fws, best, best_cpu,
           (double)size / 1048576.0 / best, (double)model_bytes / 1048576.0, (double)peak / 1024.0,
           (double)rss0 / 1024.0);
    free(buf);
    return 0;
}
