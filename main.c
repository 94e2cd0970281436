/* mesos-dnsd: wires config, discovery, zone, dnsd and http together.
 *
 * Start-up order: config → zone database and updater thread → sockets (DNS
 * and HTTP, bound while still privileged) → drop privileges → DNS workers →
 * the state source: a fixed --state-file, or discovery on the main event
 * loop. SIGINT/SIGTERM stop; SIGHUP re-reads the state file or refreshes
 * from the master at once. Every module is torn down in reverse order. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/errcode.h"
#include "common/log.h"
#include "common/prio.h"
#include "config/cli.h"
#include "config/config.h"
#include "config/netaddr.h"
#include "discovery/discovery.h"
#include "discovery/state_parse.h"
#include "dnsd/notify.h"
#include "dnsd/server.h"
#include "http/http.h"
#include "zone/dcos.h"
#include "zone/updater.h"
#include "zone/zonedb.h"

#define MAX_NS_IPS 64

typedef struct app {
    config_t cfg;
    struct event_base *base;
    zonedb_t *db;
    zone_gen_cfg_t gen;
    model_ip_t ns_ips[MAX_NS_IPS];
    zone_updater_t *updater;
    answer_cfg_t answer;
    fwd_upstreams_t *upstreams;
    const char **listen;
    dnsd_server_params_t dns_params;
    dnsd_server_t *dns;
    http_params_t http_params;
    http_server_t *http;
    discovery_t *disc;
    notify_t *notify;
    struct event *sig[3];
} app_t;

/* Command line and config: 0 to go on, else the exit status (0 for -version
 * and --check-config, 1 for a bad config, 2 for a bad command line). */
static int setup(int argc, char **argv, config_t *c, bool *done)
{
    cli_opts_t o;
    char err[1024];
    *done = true;
    int rc = cli_parse(argc, argv, &o, err, sizeof err);
    if (rc < 0 || rc == CLI_HELP) {
        if (rc < 0)
            fprintf(stderr, "%s\n", err);
        cli_usage(stderr, argv[0]);
        return rc < 0 ? 2 : 0;
    }
    if (o.version) {
        printf("mesos-dnsd %s\n", MDNS_VERSION);
        return 0;
    }
    log_set_verbosity(o.verbosity);
    if (o.n_ignored)
        log_debug("ignored %d glog flag(s): logs always go to stderr", o.n_ignored);
    if (config_load(c, o.config, err, sizeof err) < 0) {
        log_err("%s", err);
        return 1;
    }
    if (o.state_file && !(c->state_file = strdup(o.state_file))) {
        log_err("out of memory");
        return 1;
    }
    if (config_validate(c, err, sizeof err) < 0) {
        log_err("%s", err);
        return 1;
    }
    if (o.check_config) {
        char *json = config_to_json_full(c);
        if (!json) {
            log_err("out of memory");
            return 1;
        }
        printf("%s\n", json);
        free(json);
        return 0;
    }
    *done = false;
    return 0;
}

/* --- zone ------------------------------------------------------------- */

/* Addresses of SOAMname (compat spec §4.3): the listener, or for a
 * wildcard listener every non-loopback address of this host. */
static size_t ns_addresses(const char *listener, model_ip_t *out, size_t max)
{
    model_ip_t ip;
    if (model_ip_parse(listener, &ip) == 0) {
        static const uint8_t zero[16];
        if (memcmp(ip.addr, zero, ip.family == AF_INET ? 4 : 16) != 0) {
            out[0] = ip;
            return 1;
        }
    }
    netaddr_ip_t own[64];
    int n = netaddr_local_addrs(own, max < 64 ? max : 64,
                                NETADDR_SKIP_LOOPBACK | NETADDR_SKIP_LINKLOCAL);
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].family = (uint8_t)own[i].family;
        memcpy(out[i].addr, own[i].addr, 16);
    }
    return n > 0 ? (size_t)n : 0;
}

static void on_publish(void *ctx, uint32_t serial)
{
    notify_serial(((app_t *)ctx)->notify, serial);
}

static int start_zone(app_t *a)
{
    const config_t *c = &a->cfg;
    a->db = zonedb_new();
    if (!a->db)
        return -ENOMEM;
    a->gen = (zone_gen_cfg_t){
        .domain = c->domain,
        .rfc952 = c->enforce_rfc952,
        .legacy_raw_names = c->legacy_raw_names,
        .ip_sources = c->ip_sources,
        .n_ip_sources = c->n_ip_sources,
        .srv_weight = c->srv_weight,
        .soa_mname = c->soa_mname,
        .ns_ips = a->ns_ips,
        .n_ns_ips = ns_addresses(c->listener, a->ns_ips, MAX_NS_IPS),
        .masters = (const char *const *)c->masters,
        .n_masters = c->n_masters,
    };
    zone_updater_params_t up = {
        .db = a->db,
        .gen = &a->gen,
        .soa = {.mname = c->soa_mname,
                .rname = c->soa_rname,
                .refresh = c->soa_refresh,
                .retry = c->soa_retry,
                .expire = c->soa_expire,
                .minimum = c->soa_minttl,
                .ttl = c->ttl},
        .dcos_label = c->dcos_cluster_id,
        .on_publish = on_publish,
        .publish_ctx = a,
    };
    if (c->n_also_notify &&
        !(a->notify = notify_new(a->base, c->domain, c->also_notify, c->n_also_notify)))
        return -EIO; /* logged by notify_new */
    a->updater = zone_updater_start(&up);
    return a->updater ? 0 : -ENOMEM;
}

/* --- DNS and HTTP ----------------------------------------------------- */

static int bind_dns(app_t *a)
{
    const config_t *c = &a->cfg;
    char err[256];
    a->answer = (answer_cfg_t){
        .domain = c->domain,
        .recurse_on = c->recurse_on,
        .external_on = c->external_on,
        .set_truncate_bit = c->set_truncate_bit,
        .edns_max = (uint16_t)c->edns_max_payload,
        .identity = c->identity,
        .version_bind = c->version_bind,
    };
    if (c->external_on && !(a->upstreams = fwd_upstreams_new(c, NULL)))
        return -ENOMEM;
    a->listen = calloc(1 + c->n_listeners, sizeof *a->listen);
    if (!a->listen)
        return -ENOMEM;
    a->listen[0] = c->listener;
    for (size_t i = 0; i < c->n_listeners; i++)
        a->listen[1 + i] = c->listeners[i];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->dns_params = (dnsd_server_params_t){
        .answer = &a->answer,
        .db = a->db,
        .upstreams = a->upstreams,
        .allow_recursion = c->allow_recursion,
        .n_allow_recursion = c->n_allow_recursion,
        .allow_transfer = c->allow_transfer,
        .n_allow_transfer = c->n_allow_transfer,
        .listen = a->listen,
        .n_listen = 1 + c->n_listeners,
        .port = (uint16_t)c->port,
        .workers = c->workers > 0 ? c->workers : (cores > 0 ? (int)cores : 1),
    };
    int rc = dnsd_server_bind(&a->dns_params, &a->dns, err, sizeof err);
    if (rc != 0)
        log_err("%s", err);
    return rc;
}

static void metrics_dns(void *ctx, buf_t *out)
{
    app_t *a = ctx;
    dnsd_stats_t s = {0};
    fwd_stats_t f = {0};
    dnsd_server_stats(a->dns, &s, &f);
    dnsd_stats_prometheus(&s, a->upstreams ? &f : NULL, out);
}

static void metrics_zone(void *ctx, buf_t *out)
{
    zone_updater_prometheus(((app_t *)ctx)->updater, out);
}

static void metrics_discovery(void *ctx, buf_t *out)
{
    discovery_prometheus(((app_t *)ctx)->disc, out);
}

/* Ready: a zone is live (checked by http/) and, when reading from a master,
 * the last good state is younger than readyMaxAgeSeconds. */
static bool ready(void *ctx, char *why, size_t whylen)
{
    app_t *a = ctx;
    if (!a->disc)
        return true;
    discovery_stats_t st;
    discovery_stats(a->disc, &st);
    int64_t age_s = (clock_real_ms() - st.last_success_ms) / 1000;
    if (st.last_success_ms > 0 && age_s <= a->cfg.ready_max_age)
        return true;
    snprintf(why, whylen, "no good state from a master for %lld s (limit %d s)%s%s",
             st.last_success_ms ? (long long)age_s : -1LL, a->cfg.ready_max_age,
             st.last_error[0] ? ": " : "", st.last_error);
    return false;
}

static int start_http(app_t *a)
{
    char err[256];
    a->http_params = (http_params_t){
        .cfg = &a->cfg,
        .db = a->db,
        .gen = &a->gen,
        .dns_port = a->dns ? dnsd_server_port(a->dns) : 0,
        .ready = ready,
        .ready_ctx = a,
    };
    int n = 0;
    a->http_params.metrics[n] = metrics_zone;
    a->http_params.metrics_ctx[n++] = a;
    if (a->dns) {
        a->http_params.metrics[n] = metrics_dns;
        a->http_params.metrics_ctx[n++] = a;
    }
    if (!a->cfg.state_file) {
        a->http_params.metrics[n] = metrics_discovery;
        a->http_params.metrics_ctx[n++] = a;
    }
    int rc = http_server_start(&a->http_params, &a->http, err, sizeof err);
    if (rc != 0)
        log_err("%s", err);
    return rc;
}

/* Bind first (port 53 needs root), then become `user`. */
static int drop_privileges(const char *user)
{
    if (!user || !*user)
        return 0;
    if (geteuid() != 0) {
        log_warn("config \"user\": not running as root, staying uid %u", (unsigned)geteuid());
        return 0;
    }
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        log_err("config \"user\": no such user %s", user);
        return -ENOENT;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        int err = errno; /* log_err may change errno */
        log_err("cannot become user %s: %s", user, strerror(err));
        return -err;
    }
    log_info("running as user %s", user);
    return 0;
}

/* --- state sources ---------------------------------------------------- */

static void load_state_file(app_t *a)
{
    char err[512];
    model_t *m = NULL;
    if (state_parse_file(a->cfg.state_file, &m, err, sizeof err) != 0) {
        log_err("state file %s: %s; keeping the previous zone", a->cfg.state_file, err);
        return;
    }
    log_info("state file %s: %zu agents, %zu frameworks, %zu running tasks", a->cfg.state_file,
             m->n_agents, m->n_frameworks, m->n_tasks);
    zone_updater_submit(a->updater, &m);
}

static void on_model(void *ctx, model_t **m)
{
    zone_updater_submit(((app_t *)ctx)->updater, m);
}

static void on_navstar(void *ctx, const uint8_t *value, size_t len)
{
    app_t *a = ctx;
    char label[DCOS_LABEL_MAX + 1];
    if (dcos_label_from_navstar(value, len, label, sizeof label) < 0) {
        log_warn("zookeeper /navstar_key: not a DC/OS cluster key; DC/OS names stay off");
        return;
    }
    log_info("DC/OS cluster ID from zookeeper: %s.dcos.directory", label);
    zone_updater_set_dcos_label(a->updater, label);
}

/* Discovery is created (no network yet) before HTTP starts, so /metrics
 * and /readyz never see it half-made; it starts talking last. */
static int new_discovery(app_t *a)
{
    if (a->cfg.state_file)
        return 0;
    discovery_params_t dp = {
        .cfg = &a->cfg, .base = a->base, .on_model = on_model, .on_navstar = on_navstar, .ctx = a};
    a->disc = discovery_new(&dp);
    return a->disc ? 0 : -EINVAL;
}

static int start_source(app_t *a)
{
    if (!a->disc) {
        load_state_file(a);
        return 0;
    }
    return discovery_start(a->disc);
}

/* --- signals and lifecycle -------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    app_t *a = arg;
    if (sig != SIGHUP) {
        log_info("signal %d: stopping", (int)sig);
        event_base_loopbreak(a->base);
    } else if (a->cfg.state_file) {
        load_state_file(a);
    } else {
        discovery_refresh_now(a->disc);
    }
}

static int watch_signals(app_t *a)
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < 3; i++) {
        a->sig[i] = evsignal_new(a->base, sigs[i], on_signal, a);
        if (!a->sig[i] || event_add(a->sig[i], NULL) != 0)
            return -ENOMEM;
    }
    return 0;
}

static int start(app_t *a)
{
    int rc;
    evthread_use_pthreads(); /* before any event base: other threads poke them */
    if (!(a->base = event_base_new()))
        return -ENOMEM;
    if ((rc = start_zone(a)) != 0 || (rc = new_discovery(a)) != 0)
        return rc;
    if (a->cfg.dns_on && (rc = bind_dns(a)) != 0)
        return rc;
    if (a->cfg.http_on && (rc = start_http(a)) != 0)
        return rc;
    if ((rc = drop_privileges(a->cfg.user)) != 0)
        return rc;
    if (a->dns && (rc = dnsd_server_start(a->dns)) != 0)
        return rc;
    /* From here the main thread fetches and parses state: background work
     * (common/prio.h); the workers and HTTP threads exist already. */
    prio_background();
    if ((rc = watch_signals(a)) != 0)
        return rc;
    return start_source(a);
}

static void stop(app_t *a)
{
    /* HTTP first: its threads call ready() and the metrics callbacks, which
     * read discovery, DNS and the updater. */
    http_server_stop(&a->http);
    discovery_free(&a->disc);
    dnsd_server_free(&a->dns);
    zone_updater_stop(&a->updater);
    notify_free(&a->notify);
    zonedb_free(&a->db);
    fwd_upstreams_free(&a->upstreams);
    for (int i = 0; i < 3; i++)
        if (a->sig[i])
            event_free(a->sig[i]);
    if (a->base)
        event_base_free(a->base);
    free(a->listen);
    config_free(&a->cfg);
}

int main(int argc, char **argv)
{
    static app_t app;
    bool done;
    int status = setup(argc, argv, &app.cfg, &done);
    if (done) {
        config_free(&app.cfg);
        return status;
    }
    log_info("mesos-dnsd %s: config %s, domain %s", MDNS_VERSION, app.cfg.file, app.cfg.domain);
    int rc = start(&app);
    if (rc == 0)
        event_base_dispatch(app.base);
    else
        log_err("start-up failed: %s", mdns_strerror(rc));
    stop(&app);
    return rc == 0 ? 0 : 1;
}
