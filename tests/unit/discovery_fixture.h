/* Shared harness of the discovery tests (test_discovery_*.c): two test
 * Mesos masters (tests/tools/fake_master.py) started once per executable,
 * and `struct env`, one discovery instance on its own event base whose
 * models and log (stderr captured into a file) a test inspects. */
#ifndef MDNS_TESTS_DISCOVERY_FIXTURE_H
#define MDNS_TESTS_DISCOVERY_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "discovery/discovery.h"
#include "testutil_proc.h"

/* tests/data/discovery/state_small.json, by inspection: leader
 * master@10.0.0.1:5050, 2 agents, 2 frameworks, 3 tasks of which 2 are
 * TASK_RUNNING on known agents. */
#define SMALL_AGENTS     2
#define SMALL_FRAMEWORKS 2
#define SMALL_RUNNING    2
extern char tmp[256];          /* a temporary directory, removed at the end */
extern char state_small[1024]; /* the path of state_small.json */
extern long state_small_size;
extern tu_master_t ma, mb; /* serving state_small.json */

/* The models a discovery instance delivered: how many, and the last one. */
struct rec {
    int models;
    char leader[128];
    size_t agents, frameworks, tasks;
};

/* discovery_params_t.on_model: counts and records into the struct rec `ctx`. */
void on_model(void *ctx, model_t **m);

/* One discovery instance under test, on its own event base. */
struct env {
    struct event_base *base;
    config_t cfg;
    char *masters[4];
    char mbuf[4][64];
    struct rec rec;
    discovery_t *d;
    char log[300];
};

/* A config with these timings, no masters yet; the log file named. */
void env_init(struct env *e, int refresh_s, int timeout_s);
/* Add a master: `fmt` with its %d replaced by `port`. */
void env_master(struct env *e, const char *fmt, int port);
/* Start discovery, its stderr captured into e->log until env_done(). */
void env_start(struct env *e);
void env_done(struct env *e);
discovery_stats_t stats(struct env *e);
/* Run the loop until `n` models / failures in all, at most `ms`. */
bool wait_models(struct env *e, int n, int ms);
bool wait_failures(struct env *e, uint64_t n, int ms);
/* Attempts back to back (no back-off wait) until `n` failures in all. */
bool wait_failures_poked(struct env *e, uint64_t n, int ms);
/* Refresh now and wait for the model after `models`. */
bool refresh_model(struct env *e, int ms);
/* Lines of the log holding all of `a`, `b`, `c` (NULL: any). */
int lines(struct env *e, const char *a, const char *b, const char *c);
/* The last model is state_small.json's, its leader `leader`. */
void assert_good_model(struct env *e, const char *leader);

/* Group setup (start ma and mb) and teardown; per-test setup: both "ok". */
int group_setup(void **state);
int group_teardown(void **state);
int reset_masters(void **state);
/* Per-test teardown of the tests using env_start(): tu_capture_teardown()
 * run here, because testutil_proc.h keeps the capture state per
 * translation unit and env_start() captures in this one. */
int env_teardown(void **state);

#endif
