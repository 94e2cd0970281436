#include "discovery/discovery.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/errcode.h"
#include "common/log.h"
#include "common/prom.h"
#include "common/wake.h"
#include "config/netaddr.h"
#include "discovery/fetch.h"
#include "discovery/iam.h"
#include "discovery/state_parse.h"
#include "discovery/zk.h"

#define STATE_PATH "/master/state"
/* Times one attempt may move on to another master: the state's `leader`
 * names another one, or a non-leading master answers 307. */
#define MAX_LEADER_HOPS        3
#define CONNECT_TIMEOUT_MAX_MS 10000
#define BACKOFF_BASE_MS        1000
#define MAX_CANDIDATES         32
#define ERR_SLOTS              16

/* The last problem logged for one master, so each is logged once. */
struct master_err {
    char master[128];
    char err[256];
};

struct discovery {
    discovery_params_t p;
    const config_t *cfg;
    fetch_t *fetch;
    iam_t *iam;
    zk_t *zk;
    fetch_tls_t tls;
    bool https, started;
    struct event *ev_timer; /* the next refresh */
    wake_t *wake;           /* discovery_refresh_now() from any thread */
    uint64_t max_bytes;     /* stateMaxBytes */

    /* the refresh cycle in progress */
    bool in_cycle, again;
    char cands[MAX_CANDIDATES][128];
    size_t n_cands, i_cand;
    char target[128];  /* master being asked right now */
    bool target_known; /* ... is a known master: it gets the credentials */
    char vouched[128]; /* leader named by a known master's state, this attempt */
    int hops;
    bool iam_retried;
    fetch_req_t *req;
    state_parser_t *parser;
    double t0;

    unsigned fail_streak;
    bool failing;
    char zk_leader[128];
    char last_leader[128];  /* leader of the last good state */
    bool last_leader_known; /* ... and that state came from a known master */
    state_warn_memo_t memo; /* the parser's warnings, logged when they change */
    char prev_leader[128];  /* last leader the stats knew (for leader_changes) */
    char summary[256];      /* errors of this cycle */
    struct master_err errs[ERR_SLOTS];
    size_t next_err_slot;
    uint64_t rng;

    pthread_mutex_t mu; /* guards stats */
    discovery_stats_t stats;
};

static void cycle_start(discovery_t *d);
static void request_begin(discovery_t *d);

/* xorshift64*: jitter only, no need for more. */
static double rand01(discovery_t *d)
{
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return (double)((d->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- per-master error memory: log once per change ---- */

static struct master_err *err_slot(discovery_t *d, const char *master, bool create)
{
    for (size_t i = 0; i < ERR_SLOTS; i++)
        if (strcasecmp(d->errs[i].master, master) == 0)
            return &d->errs[i];
    if (!create)
        return NULL;
    struct master_err *e = &d->errs[d->next_err_slot++ % ERR_SLOTS];
    snprintf(e->master, sizeof e->master, "%s", master);
    e->err[0] = '\0';
    return e;
}

static void note_master_err(discovery_t *d, const char *master, const char *err)
{
    struct master_err *e = err_slot(d, master, true);
    if (strcmp(e->err, err) != 0)
        log_warn("master %s: %s", master, err);
    else
        log_debug("master %s: %s (again)", master, err);
    snprintf(e->err, sizeof e->err, "%s", err);
}

static void note_master_ok(discovery_t *d, const char *master)
{
    struct master_err *e = err_slot(d, master, false);
    if (e && e->err[0]) {
        log_info("master %s: recovered", master);
        e->err[0] = '\0';
    }
}

/* ---- the stats other threads read ---- */

static void set_leader_stat(discovery_t *d, const char *leader)
{
    pthread_mutex_lock(&d->mu);
    if (leader && *leader) {
        /* A change is a different leader than the last one known, even
         * with an unknown stretch in between. */
        if (d->prev_leader[0] && strcmp(d->prev_leader, leader) != 0)
            d->stats.leader_changes++;
        snprintf(d->prev_leader, sizeof d->prev_leader, "%s", leader);
    }
    if (leader && *leader)
        snprintf(d->stats.leader, sizeof d->stats.leader, "%s", leader);
    else
        d->stats.leader[0] = '\0';
    d->stats.leader_known = leader && *leader;
    pthread_mutex_unlock(&d->mu);
}

/* ---- the refresh timer ---- */

static void schedule(discovery_t *d, long ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    evtimer_del(d->ev_timer);
    evtimer_add(d->ev_timer, &tv);
}

/* Exponential back-off after failed refreshes, 50-100 % jitter, never
 * longer than the refresh interval. */
static long backoff_ms(discovery_t *d)
{
    unsigned shift = d->fail_streak > 1 ? d->fail_streak - 1 : 0;
    long cap = (long)d->cfg->refresh_seconds * 1000;
    long ms = shift > 20 ? cap : BACKOFF_BASE_MS * (1L << shift);
    if (ms > cap)
        ms = cap;
    return (long)((double)ms * (0.5 + rand01(d) / 2));
}

static void cycle_end(discovery_t *d, bool ok)
{
    d->in_cycle = false;
    long ms = d->again ? 0 : ok ? (long)d->cfg->refresh_seconds * 1000 : backoff_ms(d);
    d->again = false;
    schedule(d, ms);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    cycle_start(arg);
}

/* ---- one refresh cycle: candidates, attempts, leader hops ---- */

static void add_candidate(discovery_t *d, const char *m)
{
    if (!m || !*m || d->n_cands >= MAX_CANDIDATES)
        return;
    for (size_t i = 0; i < d->n_cands; i++)
        if (strcasecmp(d->cands[i], m) == 0)
            return;
    snprintf(d->cands[d->n_cands++], sizeof d->cands[0], "%s", m);
}

/* ZooKeeper's leader, then the leader of the last good state (saves the
 * detour through masters[0] on every refresh), then the masters list. */
static void build_candidates(discovery_t *d)
{
    d->n_cands = 0;
    add_candidate(d, d->zk_leader);
    add_candidate(d, d->last_leader);
    for (size_t i = 0; i < d->cfg->n_masters; i++)
        add_candidate(d, d->cfg->masters[i]);
}

static void cycle_failed(discovery_t *d)
{
    d->fail_streak++;
    if (!d->failing)
        log_err("state: no master answered (%s); keeping the last zone", d->summary);
    d->failing = true;
    pthread_mutex_lock(&d->mu);
    snprintf(d->stats.last_error, sizeof d->stats.last_error, "%s", d->summary);
    pthread_mutex_unlock(&d->mu);
    if (!d->zk)
        set_leader_stat(d, NULL);
    cycle_end(d, false);
}

static void attempt_begin(discovery_t *d)
{
    snprintf(d->target, sizeof d->target, "%s", d->cands[d->i_cand]);
    d->vouched[0] = '\0';
    d->hops = 0;
    d->iam_retried = false;
    request_begin(d);
}

static void attempt_failed(discovery_t *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void attempt_failed(discovery_t *d, const char *fmt, ...)
{
    char err[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, sizeof err, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&d->mu);
    d->stats.failures++;
    pthread_mutex_unlock(&d->mu);
    note_master_err(d, d->target, err);
    size_t n = strlen(d->summary);
    snprintf(d->summary + n, sizeof d->summary - n, "%smaster %s: %s", n ? "; " : "", d->target,
             err);
    if (++d->i_cand < d->n_cands)
        attempt_begin(d);
    else
        cycle_failed(d);
}

static void cycle_start(discovery_t *d)
{
    if (d->in_cycle) {
        d->again = true;
        return;
    }
    evtimer_del(d->ev_timer);
    d->in_cycle = true;
    d->again = false;
    d->t0 = clock_mono_s();
    d->summary[0] = '\0';
    build_candidates(d);
    if (d->n_cands == 0) {
        /* zk mode before ZooKeeper named a leader: nothing to ask yet. */
        pthread_mutex_lock(&d->mu);
        snprintf(d->stats.last_error, sizeof d->stats.last_error,
                 "no leading master known yet (waiting for ZooKeeper)");
        pthread_mutex_unlock(&d->mu);
        d->in_cycle = false;
        schedule(d, (long)d->cfg->refresh_seconds * 1000);
        return;
    }
    d->i_cand = 0;
    attempt_begin(d);
}

/* Drop the cycle in flight without counting it (a new leader is known). */
static bool cycle_abort(discovery_t *d)
{
    if (!d->in_cycle)
        return true;
    if (!d->req)
        return false; /* an IAM login is running; let it finish */
    fetch_cancel(&d->req);
    state_parser_free(&d->parser);
    d->in_cycle = false;
    return true;
}

static void on_iam(void *ctx, int rc, const char *err)
{
    discovery_t *d = ctx;
    pthread_mutex_lock(&d->mu);
    d->stats.iam_logins = iam_logins(d->iam);
    pthread_mutex_unlock(&d->mu);
    if (rc < 0)
        attempt_failed(d, "%s", err ? err : "IAM login failed");
    else
        request_begin(d);
}

/* ---- whom the credentials go to ---- */

static bool has_credentials(const discovery_t *d)
{
    const char *auth = d->cfg->mesos_authentication;
    return d->iam || (auth && strcmp(auth, "basic") == 0);
}

/* The same host (by name, case-insensitive, or by IP) and port. */
static bool master_eq(const char *a, const char *b)
{
    char ha[256], hb[256];
    uint16_t pa, pb;
    if (!a || !*a || !b || !*b || fetch_master_split(a, ha, sizeof ha, &pa, NULL) != 0 ||
        fetch_master_split(b, hb, sizeof hb, &pb, NULL) != 0 || pa != pb)
        return false;
    int fa, fb;
    uint8_t xa[16], xb[16];
    if (netaddr_parse_ip(ha, &fa, xa) == 0 && netaddr_parse_ip(hb, &fb, xb) == 0)
        return fa == fb && memcmp(xa, xb, fa == AF_INET ? 4 : 16) == 0;
    return strcasecmp(ha, hb) == 0;
}

/* A master we know gets the credentials: one of `masters`, ZooKeeper's
 * leader, or the leader named by a known master's state (the last good
 * one, or one read during this attempt). Anyone else, e.g. wherever a 307
 * points, is asked without them. */
static bool master_known(const discovery_t *d, const char *m)
{
    for (size_t i = 0; i < d->cfg->n_masters; i++)
        if (master_eq(m, d->cfg->masters[i]))
            return true;
    return master_eq(m, d->zk_leader) || (d->last_leader_known && master_eq(m, d->last_leader)) ||
           master_eq(m, d->vouched);
}

/* ---- one request ---- */

static int on_body(void *ctx, const void *data, size_t len)
{
    discovery_t *d = ctx;
    return state_parser_feed(d->parser, data, len);
}

static void on_done(void *ctx, const fetch_result_t *r);

static void request_begin(discovery_t *d)
{
    const config_t *c = d->cfg;
    const char *auth = NULL;
    d->target_known = master_known(d, d->target);
    bool creds = d->target_known && has_credentials(d);
    if (has_credentials(d) && !creds)
        log_debug("state: asking %s without credentials: not a known master", d->target);
    if (d->iam && creds && !(auth = iam_auth_header(d->iam))) {
        long tmo = (long)c->state_timeout_seconds * 1000;
        int rc = iam_login(d->iam, d->fetch, &d->tls, tmo, on_iam, d);
        if (rc < 0)
            attempt_failed(d, "IAM login: %s", mdns_strerror(rc));
        return;
    }
    char url[300];
    if (fetch_master_url(d->target, d->https, STATE_PATH, url, sizeof url) < 0) {
        attempt_failed(d, "not a valid master address");
        return;
    }
    if (!(d->parser = state_parser_new())) {
        attempt_failed(d, "out of memory");
        return;
    }
    state_parser_set_memo(d->parser, &d->memo);
    bool basic = creds && strcmp(c->mesos_authentication, "basic") == 0;
    long tmo = (long)c->state_timeout_seconds * 1000;
    fetch_request_t rq = {
        .url = url,
        .auth_header = auth,
        .user = basic ? c->mesos_principal : NULL,
        .password = basic ? c->mesos_secret : NULL,
        .tls = &d->tls,
        .timeout_ms = tmo,
        .connect_timeout_ms = tmo < CONNECT_TIMEOUT_MAX_MS ? tmo : CONNECT_TIMEOUT_MAX_MS,
        .max_body_bytes = d->max_bytes,
        .on_body = on_body,
        .on_done = on_done,
        .ctx = d,
    };
    pthread_mutex_lock(&d->mu);
    d->stats.fetches++;
    pthread_mutex_unlock(&d->mu);
    log_debug("state: GET %s", url);
    if (!(d->req = fetch_start(d->fetch, &rq))) {
        state_parser_free(&d->parser);
        attempt_failed(d, "cannot start the request (out of memory)");
    }
}

/* Ask `to` instead of the current target, within MAX_LEADER_HOPS. */
static void hop(discovery_t *d, const char *to, const char *why)
{
    if (d->hops >= MAX_LEADER_HOPS) {
        attempt_failed(d, "still not the leader after %d hops (%s %s)", d->hops, why, to);
        return;
    }
    log_debug("state: %s is not the leader (%s %s)", d->target, why, to);
    char next[sizeof d->target];
    int n = snprintf(next, sizeof next, "%s", to);
    if (n < 0 || (size_t)n >= sizeof next) { /* never ask a cut-off address */
        attempt_failed(d, "leader address too long (%s %.150s)", why, to);
        return;
    }
    d->hops++;
    memcpy(d->target, next, (size_t)n + 1);
    request_begin(d);
}

/* A non-leading master answers 307 with Location //leader:port/master/state:
 * a hop like the state's `leader` field, under the same rule for the
 * credentials. Anything else is not a master's redirect: not followed. */
static void follow_redirect(discovery_t *d, const fetch_result_t *r)
{
    char to[128], target[sizeof to + sizeof "https://"];
    bool https, from_https = strncmp(r->url, "https:", 6) == 0;
    if (fetch_redirect_master(r->redirect, STATE_PATH, to, sizeof to, &https) != 0) {
        attempt_failed(d,
                       "HTTP %ld redirect to %.150s: not a master's " STATE_PATH ", not followed",
                       r->status, r->redirect);
        return;
    }
    if (from_https && !https) {
        attempt_failed(d, "HTTP %ld redirect to %.150s: https to http refused", r->status,
                       r->redirect);
        return;
    }
    /* The scheme always explicit: the redirect's, whatever the config says. */
    snprintf(target, sizeof target, "%s://%s", https ? "https" : "http", to);
    hop(d, target, "redirects to");
}

/* Does the `leader` host:port name the master we just read from? Compared
 * with the address actually connected to, and with the name we used. */
static bool is_same_master(const char *host, unsigned port, const char *peer, const char *target)
{
    char p_host[64], t_host[256];
    const char *p_port;
    uint16_t pp, tp;
    int fa, fb;
    uint8_t a[16], b[16];
    if (netaddr_split_hostport(peer, p_host, sizeof p_host, &p_port) == 0 &&
        netaddr_parse_port(p_port, &pp) == 0 && pp == port && netaddr_parse_ip(host, &fa, a) == 0 &&
        netaddr_parse_ip(p_host, &fb, b) == 0 && fa == fb &&
        memcmp(a, b, fa == AF_INET ? 4 : 16) == 0)
        return true;
    return fetch_master_split(target, t_host, sizeof t_host, &tp, NULL) == 0 && tp == port &&
           strcasecmp(t_host, host) == 0;
}

static void deliver(discovery_t *d, model_t **m, const fetch_result_t *r, const char *leader)
{
    double dur = clock_mono_s() - d->t0;
    note_master_ok(d, d->target);
    if (d->failing)
        log_info("state: recovered, read from %s after %u failed refresh(es)", d->target,
                 d->fail_streak);
    if (strcmp(leader, d->last_leader) != 0)
        log_info("state: leading master is %s", leader);
    snprintf(d->last_leader, sizeof d->last_leader, "%s", leader);
    d->last_leader_known = d->target_known;
    d->failing = false;
    d->fail_streak = 0;
    if (!d->zk)
        set_leader_stat(d, leader);
    pthread_mutex_lock(&d->mu);
    d->stats.last_success_ms = clock_real_ms();
    d->stats.last_duration_s = dur;
    d->stats.last_error[0] = '\0';
    d->stats.models++;
    d->stats.last_state_bytes = r->body_bytes;
    pthread_mutex_unlock(&d->mu);
    log_debug("state: %zu agents, %zu frameworks, %zu running tasks from %s in %.3f s",
              (*m)->n_agents, (*m)->n_frameworks, (*m)->n_tasks, d->target, dur);
    d->p.on_model(d->p.ctx, m);
    model_free(m); /* in case the callee left it */
}

static void request_failed(discovery_t *d, const fetch_result_t *r)
{
    char perr[200] = "";
    model_t *m = NULL;
    bool parse_err = r->rc == -EPROTO && d->parser;
    if (parse_err)
        state_parser_finish(&d->parser, &m, perr, sizeof perr);
    state_parser_free(&d->parser);
    model_free(&m);
    bool denied = r->status == 401 || r->status == 403;
    if (r->redirect[0]) { /* set for a 3xx only (fetch.h) */
        follow_redirect(d, r);
    } else if (r->status == 401 && d->iam && d->target_known && !d->iam_retried) {
        d->iam_retried = true;
        iam_invalidate(d->iam);
        log_info("master %s rejected the IAM token; logging in again", d->target);
        request_begin(d);
    } else if (r->rc == -EFBIG) {
        attempt_failed(d, "state document larger than %llu bytes (stateMaxBytes)",
                       (unsigned long long)d->max_bytes);
    } else if (parse_err) {
        attempt_failed(d, "invalid state document: %s", perr[0] ? perr : "not JSON");
    } else if (denied && has_credentials(d) && !d->target_known) {
        attempt_failed(d, "%s (credentials not sent: not a known master)", r->error);
    } else {
        attempt_failed(d, "%s", r->error);
    }
}

static void on_done(void *ctx, const fetch_result_t *r)
{
    discovery_t *d = ctx;
    char perr[200] = "";
    model_t *m = NULL;
    d->req = NULL;
    if (r->rc != 0) {
        request_failed(d, r);
        return;
    }
    if (state_parser_finish(&d->parser, &m, perr, sizeof perr) != 0) {
        attempt_failed(d, "invalid state document: %s", perr[0] ? perr : "unknown error");
        return;
    }
    if (!m->leader || !*m->leader || !m->leader_host || !*m->leader_host || !m->leader_port) {
        model_free(&m);
        attempt_failed(d, "state names no leader (no master elected?)");
        return;
    }
    char leader[128];
    snprintf(leader, sizeof leader, strchr(m->leader_host, ':') ? "[%s]:%u" : "%s:%u",
             m->leader_host, (unsigned)m->leader_port);
    if (!is_same_master(m->leader_host, m->leader_port, r->peer, d->target)) {
        model_free(&m);
        if (d->target_known) /* a known master vouches for its leader */
            snprintf(d->vouched, sizeof d->vouched, "%s", leader);
        hop(d, leader, "state names");
        return;
    }
    deliver(d, &m, r, leader);
    cycle_end(d, true);
}

/* ---- ZooKeeper and wake-ups ---- */

static void on_zk_leader(void *ctx, const char *leader)
{
    discovery_t *d = ctx;
    snprintf(d->zk_leader, sizeof d->zk_leader, "%s", leader ? leader : "");
    set_leader_stat(d, leader);
    if (!leader)
        return; /* keep polling what we know; zk reports the timeout */
    /* A new leader: ask it now rather than finish with the old one. */
    if (cycle_abort(d))
        cycle_start(d);
    else
        d->again = true;
}

static void on_zk_navstar(void *ctx, const uint8_t *value, size_t len)
{
    discovery_t *d = ctx;
    if (d->p.on_navstar)
        d->p.on_navstar(d->p.ctx, value, len);
}

static void on_wake(void *arg)
{
    discovery_t *d = arg;
    if (d->started)
        cycle_start(d);
}

/* ---- public ---- */

static int check_config(const config_t *c)
{
    bool zk = c->zk && *c->zk;
    const char *auth = c->mesos_authentication ? c->mesos_authentication : "";
    if (c->refresh_seconds <= 0 || c->state_timeout_seconds <= 0) {
        log_err("discovery: refreshSeconds and stateTimeoutSeconds must be > 0");
        return -EINVAL;
    }
    if (!zk && c->n_masters == 0) {
        log_err("discovery: neither masters nor zk is set");
        return -EINVAL;
    }
    for (size_t i = 0; i < c->n_masters; i++) {
        char url[300];
        if (fetch_master_url(c->masters[i], false, STATE_PATH, url, sizeof url) < 0) {
            log_err("discovery: masters[%zu] \"%s\" is not host:port", i, c->masters[i]);
            return -EINVAL;
        }
    }
    if ((c->cert_file && *c->cert_file) != (c->key_file && *c->key_file)) {
        log_err("discovery: CertFile and KeyFile go together (both or neither)");
        return -EINVAL;
    }
    if (*auth && strcmp(auth, "basic") != 0 && strcmp(auth, "iam") != 0) {
        log_err("discovery: mesosAuthentication \"%s\" is not \"\", \"basic\" or \"iam\"", auth);
        return -EINVAL;
    }
    if (strcmp(auth, "basic") == 0 && !(c->mesos_principal && *c->mesos_principal)) {
        log_err("discovery: mesosAuthentication \"basic\" needs mesosCredentials.principal");
        return -EINVAL;
    }
    if (strcmp(auth, "iam") == 0 && !(c->iam_config_file && *c->iam_config_file)) {
        log_err("discovery: mesosAuthentication \"iam\" needs IAMConfigFile");
        return -EINVAL;
    }
    return 0;
}

static int setup_sources(discovery_t *d)
{
    const config_t *c = d->cfg;
    if (c->mesos_authentication && strcmp(c->mesos_authentication, "iam") == 0) {
        char err[300];
        if (!(d->iam = iam_new(c->iam_config_file, err, sizeof err))) {
            log_err("discovery: %s", err);
            return -EINVAL;
        }
    }
    if (c->zk && *c->zk) {
        zk_params_t zp = {.url = c->zk,
                          .detection_timeout_s = c->zk_detection_timeout,
                          .base = d->p.base,
                          .on_leader = on_zk_leader,
                          .on_navstar = c->dcos_cluster_id_from_zk ? on_zk_navstar : NULL,
                          .ctx = d};
        if (!(d->zk = zk_new(&zp)))
            return -EINVAL;
    }
    return 0;
}

discovery_t *discovery_new(const discovery_params_t *p)
{
    if (!p || !p->cfg || !p->base || !p->on_model || check_config(p->cfg) != 0)
        return NULL;
    discovery_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    pthread_mutex_init(&d->mu, NULL);
    d->p = *p;
    d->cfg = p->cfg;
    d->https = p->cfg->mesos_https_on;
    d->tls = (fetch_tls_t){.ca_file = p->cfg->ca_cert_file,
                           .cert_file = p->cfg->cert_file,
                           .key_file = p->cfg->key_file,
                           .skip_verify = p->cfg->mesos_tls_skip_verify};
    d->max_bytes = p->cfg->state_max_bytes ? p->cfg->state_max_bytes : CONFIG_STATE_MAX_BYTES;
    d->rng = (uint64_t)clock_real_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)d;
    if (!d->rng)
        d->rng = 88172645463325252ULL;
    d->ev_timer = evtimer_new(p->base, on_timer, d);
    d->wake = wake_new(p->base, on_wake, d);
    d->fetch = fetch_new(p->base);
    if (!d->ev_timer || !d->wake || !d->fetch) {
        log_err("discovery: cannot set up: %s", strerror(errno ? errno : ENOMEM));
        goto fail;
    }
    if (setup_sources(d) != 0)
        goto fail;
    return d;
fail:
    discovery_free(&d);
    return NULL;
}

static void log_plan(const discovery_t *d)
{
    const config_t *c = d->cfg;
    char list[512] = "";
    size_t n = 0;
    for (size_t i = 0; i < c->n_masters && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", c->masters[i]);
    log_info(
        "discovery: %s%s%s%s, state every %d s over %s%s%s", d->zk ? "zk " : "", d->zk ? c->zk : "",
        d->zk && c->n_masters ? ", masters "
        : c->n_masters        ? "masters "
                              : "",
        list, c->refresh_seconds, d->https ? "https" : "http", d->iam ? ", IAM auth" : "",
        c->mesos_authentication && strcmp(c->mesos_authentication, "basic") == 0 ? ", basic auth"
                                                                                 : "");
    if (d->https && c->mesos_tls_skip_verify)
        log_warn("discovery: mesosTLSSkipVerify is set: the masters' TLS certificates are NOT "
                 "verified");
}

int discovery_start(discovery_t *d)
{
    if (d->started)
        return -EALREADY;
    d->started = true;
    log_plan(d);
    if (d->zk) {
        int rc = zk_start(d->zk);
        if (rc < 0)
            return rc;
        /* The first refresh comes with the leader; the masters list (if
         * any) is the fallback when ZooKeeper stays silent. */
        long wait_s = d->cfg->zk_detection_timeout > 0 ? d->cfg->zk_detection_timeout
                                                       : d->cfg->refresh_seconds;
        schedule(d, wait_s * 1000);
        return 0;
    }
    schedule(d, 0);
    return 0;
}

void discovery_refresh_now(discovery_t *d)
{
    wake_signal(d->wake);
}

void discovery_stats(discovery_t *d, discovery_stats_t *out)
{
    pthread_mutex_lock(&d->mu);
    *out = d->stats;
    pthread_mutex_unlock(&d->mu);
    if (d->zk) {
        zk_status_t zs;
        zk_status(d->zk, &zs);
        out->zk_connected = zs.connected;
        out->leader_timeout = zs.timed_out;
        out->zk_sessions = zs.sessions;
    }
}

void discovery_free(discovery_t **dp)
{
    if (!dp || !*dp)
        return;
    discovery_t *d = *dp;
    fetch_cancel(&d->req);
    state_parser_free(&d->parser);
    iam_free(&d->iam); /* before fetch_free: it may hold a request */
    zk_free(&d->zk);
    fetch_free(&d->fetch);
    if (d->ev_timer)
        event_free(d->ev_timer);
    wake_free(&d->wake);
    pthread_mutex_destroy(&d->mu);
    free(d);
    *dp = NULL;
}

void discovery_prometheus(discovery_t *d, buf_t *out)
{
    discovery_stats_t s;
    discovery_stats(d, &s);
    prom_metric(out, "mesosdnsd_discovery_fetches_total", "counter",
                "State fetches attempted (GET /master/state, hops included).", NULL,
                (double)s.fetches);
    prom_metric(out, "mesosdnsd_discovery_failures_total", "counter",
                "State fetches or parses that failed.", NULL, (double)s.failures);
    prom_metric(out, "mesosdnsd_discovery_models_total", "counter",
                "Good states handed to the zone builder.", NULL, (double)s.models);
    prom_metric(out, "mesosdnsd_discovery_leader_changes_total", "counter",
                "Changes of the leading master.", NULL, (double)s.leader_changes);
    prom_metric(out, "mesosdnsd_discovery_last_success_timestamp_seconds", "gauge",
                "Unix time of the last good state (0 = never).", NULL,
                (double)s.last_success_ms / 1000);
    prom_metric(out, "mesosdnsd_discovery_last_duration_seconds", "gauge",
                "Request to finished model, last good state.", NULL, s.last_duration_s);
    prom_metric(out, "mesosdnsd_discovery_last_state_bytes", "gauge",
                "Decoded size of the last good state document.", NULL, (double)s.last_state_bytes);
    prom_metric(out, "mesosdnsd_discovery_leader_known", "gauge",
                "1 when a leading master is known.", NULL, s.leader_known ? 1 : 0);
    if (s.leader_known) {
        char label[160];
        snprintf(label, sizeof label, "leader=\"%s\"", s.leader);
        prom_metric(out, "mesosdnsd_discovery_leader_info", "gauge", "The leading master.", label,
                    1);
    }
    if (d->iam)
        prom_metric(out, "mesosdnsd_discovery_iam_logins_total", "counter",
                    "Successful DC/OS IAM logins.", NULL, (double)s.iam_logins);
    if (d->zk) {
        prom_metric(out, "mesosdnsd_zk_connected", "gauge", "1 while a ZooKeeper session is live.",
                    NULL, s.zk_connected ? 1 : 0);
        prom_metric(out, "mesosdnsd_zk_leader_timeout", "gauge",
                    "1 when no leader was detected within zkDetectionTimeout.", NULL,
                    s.leader_timeout ? 1 : 0);
        prom_metric(out, "mesosdnsd_zk_sessions_total", "counter",
                    "ZooKeeper sessions established.", NULL, (double)s.zk_sessions);
    }
}
