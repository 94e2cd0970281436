/* Shared harness of the discovery tests: see discovery_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>

#include "common/log.h"
#include "config/config.h"
#include "discovery/discovery.h"
#include "discovery/fetch.h"
#include "testutil_proc.h"

#include "discovery_fixture.h"

char tmp[256];
char state_small[1024];
long state_small_size;
tu_master_t ma = {.pid = -1}, mb = {.pid = -1};

/* ---------------- fixtures ---------------- */
void on_model(void *ctx, model_t **m)
{
    struct rec *r = ctx;
    r->models++;
    snprintf(r->leader, sizeof r->leader, "%s", (*m)->leader ? (*m)->leader : "");
    r->agents = (*m)->n_agents;
    r->frameworks = (*m)->n_frameworks;
    r->tasks = (*m)->n_tasks;
    model_free(m);
}

void env_init(struct env *e, int refresh_s, int timeout_s)
{
    memset(e, 0, sizeof *e);
    e->base = event_base_new();
    assert_non_null(e->base);
    e->cfg.refresh_seconds = refresh_s;
    e->cfg.state_timeout_seconds = timeout_s;
    e->cfg.zk = "";
    e->cfg.zk_detection_timeout = 30;
    e->cfg.mesos_authentication = "";
    e->cfg.masters = e->masters;
    static int seq;
    snprintf(e->log, sizeof e->log, "%s/test-%d.log", tmp, ++seq);
}

void env_master(struct env *e, const char *fmt, int port)
{
    size_t i = e->cfg.n_masters++;
    snprintf(e->mbuf[i], sizeof e->mbuf[i], fmt, port);
    e->masters[i] = e->mbuf[i];
}

void env_start(struct env *e)
{
    discovery_params_t p = {.cfg = &e->cfg, .base = e->base, .on_model = on_model, .ctx = &e->rec};
    tu_capture_start(e->log);
    e->d = discovery_new(&p);
    if (!e->d)
        tu_capture_stop();
    assert_non_null(e->d);
    assert_int_equal(discovery_start(e->d), 0);
}

void env_done(struct env *e)
{
    discovery_free(&e->d);
    tu_capture_stop();
    event_base_free(e->base);
}

discovery_stats_t stats(struct env *e)
{
    discovery_stats_t s;
    discovery_stats(e->d, &s);
    return s;
}

struct until {
    struct env *e;
    int models;
    uint64_t failures;
};

static bool models_at_least(void *arg)
{
    struct until *u = arg;
    return u->e->rec.models >= u->models;
}

static bool failures_at_least(void *arg)
{
    struct until *u = arg;
    return stats(u->e).failures >= u->failures;
}

bool wait_models(struct env *e, int n, int ms)
{
    struct until u = {.e = e, .models = n};
    return tu_run_until(e->base, models_at_least, &u, ms);
}

bool wait_failures(struct env *e, uint64_t n, int ms)
{
    struct until u = {.e = e, .failures = n};
    return tu_run_until(e->base, failures_at_least, &u, ms);
}

struct poke {
    struct env *e;
    uint64_t want, seen;
};

/* Each new failure asks for the next attempt at once. */
static bool failures_poked(void *arg)
{
    struct poke *p = arg;
    uint64_t f = stats(p->e).failures;
    if (f >= p->want)
        return true;
    if (f != p->seen) {
        p->seen = f;
        discovery_refresh_now(p->e->d);
    }
    return false;
}

/* Attempts back to back (no back-off wait) until `n` failures in all. */
bool wait_failures_poked(struct env *e, uint64_t n, int ms)
{
    struct poke p = {.e = e, .want = n, .seen = stats(e).failures};
    discovery_refresh_now(e->d);
    return tu_run_until(e->base, failures_poked, &p, ms);
}

/* Refresh now and wait for the model after `models`. */
bool refresh_model(struct env *e, int ms)
{
    int want = e->rec.models + 1;
    discovery_refresh_now(e->d);
    return wait_models(e, want, ms);
}

int lines(struct env *e, const char *a, const char *b, const char *c)
{
    return tu_count_lines(e->log, a, b, c);
}

void assert_good_model(struct env *e, const char *leader)
{
    assert_string_equal(e->rec.leader, leader);
    assert_int_equal(e->rec.agents, SMALL_AGENTS);
    assert_int_equal(e->rec.frameworks, SMALL_FRAMEWORKS);
    assert_int_equal(e->rec.tasks, SMALL_RUNNING);
}

int group_setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!tu_tmpdir(tmp, sizeof tmp, "disc"))
        return -1;
    snprintf(state_small, sizeof state_small, "%s/tests/data/discovery/state_small.json", tu_src());
    struct stat st;
    if (stat(state_small, &st) != 0)
        return -1;
    state_small_size = (long)st.st_size;
    const char *args[] = {"--state", state_small, NULL};
    if (!tu_master_start(&ma, tmp, args) || !tu_master_start(&mb, tmp, args))
        return -1;
    return 0;
}

int group_teardown(void **state)
{
    tu_master_stop(&ma);
    tu_master_stop(&mb);
    tu_rm_rf(tmp);
    return 0;
}

int reset_masters(void **state)
{
    return tu_master_mode(&ma, "ok", NULL) && tu_master_mode(&mb, "ok", NULL) ? 0 : -1;
}

int env_teardown(void **state)
{
    return tu_capture_teardown(state);
}
