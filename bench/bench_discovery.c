/* bench_discovery: a whole state refresh as the daemon does it: GET
 * /master/state from the test master (gzip on the wire), decoded and
 * streamed by fetch into the state parser, until the model is handed over.
 *
 * The test master (tests/tools/fake_master.py) serves STATE_FILE; it
 * compresses once and caches, so run 1 includes its gzip time and the
 * figures of the later runs are the client's. Reports per run the wall
 * time, the CPU time of this process (fetch + inflate + parse), and at the
 * end the peak RSS of this process. Make a state with
 *   tests/tools/gen_state.py --tasks 100000 -o /tmp/state-100k.json
 *
 * Usage: bench_discovery STATE_FILE [runs=4]   (MDNS_SRC = source tree) */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/clock.h"
#include "common/log.h"
#include "config/config.h"
#include "discovery/discovery.h"
#include "tests/unit/testutil_proc.h"

static int models;
static size_t n_agents, n_frameworks, n_tasks;

static void on_model(void *ctx, model_t **m)
{
    models++;
    n_agents = (*m)->n_agents;
    n_frameworks = (*m)->n_frameworks;
    n_tasks = (*m)->n_tasks;
    model_free(m);
}

static bool got(void *arg)
{
    return models >= *(int *)arg;
}

static long peak_rss_kb(void)
{
    long kb = 0;
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s STATE_FILE [runs]\n", argv[0]);
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 4;
    log_set_verbosity(0);
    char dir[256];
    if (!tu_tmpdir(dir, sizeof dir, "bench"))
        return 1;
    tu_master_t m = {.pid = -1};
    const char *args[] = {"--state", argv[1], NULL};
    if (!tu_master_start(&m, dir, args)) {
        fprintf(stderr, "cannot start the test master (MDNS_SRC=%s)\n", tu_src());
        return 1;
    }
    char master[64];
    snprintf(master, sizeof master, "127.0.0.1:%d", m.port);
    char *masters[] = {master};
    config_t cfg = {.masters = masters,
                    .n_masters = 1,
                    .refresh_seconds = 3600,
                    .state_timeout_seconds = 600,
                    .zk = "",
                    .mesos_authentication = ""};
    struct event_base *base = event_base_new();
    discovery_params_t p = {.cfg = &cfg, .base = base, .on_model = on_model};
    discovery_t *d = discovery_new(&p);
    if (!d || discovery_start(d) != 0)
        return 1;
    long rss0 = peak_rss_kb();
    printf("run  wall_s  cpu_s  MB/s(decoded)\n");
    for (int i = 1; i <= runs; i++) {
        double w0 = tu_now(), c0 = clock_process_cpu_s();
        if (i > 1)
            discovery_refresh_now(d);
        if (!tu_run_until(base, got, &i, 600000)) {
            fprintf(stderr, "run %d: no model\n", i);
            break;
        }
        double w = tu_now() - w0, c = clock_process_cpu_s() - c0;
        discovery_stats_t s;
        discovery_stats(d, &s);
        printf("%3d  %6.3f  %5.3f  %8.1f%s\n", i, w, c, (double)s.last_state_bytes / w / 1e6,
               i == 1 ? "  (includes the master's one-off gzip)" : "");
        fflush(stdout);
    }
    discovery_stats_t s;
    discovery_stats(d, &s);
    printf("document %.1f MB decoded; model: %zu agents, %zu frameworks, %zu running tasks\n",
           (double)s.last_state_bytes / 1e6, n_agents, n_frameworks, n_tasks);
    printf("peak RSS %.1f MB (%.1f MB before the first fetch)\n", peak_rss_kb() / 1024.0,
           rss0 / 1024.0);
    discovery_free(&d);
    event_base_free(base);
    tu_master_stop(&m);
    tu_rm_rf(dir);
    return 0;
}
