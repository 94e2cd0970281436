/* discovery: finds the leading Mesos master, reads its state and hands
 * every successfully parsed cluster model to the caller (compat spec §3).
 *
 * Leader detection: ZooKeeper (`zk`: lowest json.info_<seq> child is the
 * leader; watched, so a leader change triggers an immediate refresh) and/or
 * the static `masters` list. Each refresh asks, in order, ZooKeeper's
 * leader, the leader named by the last good state (saves a hop), then
 * masters[0], masters[1], ...; the first that answers wins. When the
 * state's `leader` ("master@IP:port") names another master, or a
 * non-leading master answers 307 to //leader:port/master/state, that one is
 * asked instead (at most 3 hops per attempt; other redirects are not
 * followed). Fetch: GET /master/state with libcurl's multi interface
 * driven by the caller's libevent base, streamed straight into the state
 * parser (no copy of the body), gzip accepted, bounded by
 * stateTimeoutSeconds and by stateMaxBytes (decoded size; one JSON string
 * or number at most STATE_MAX_TOKEN), TLS, auth (basic, DC/OS IAM with a
 * cached token, renewed on 401), retries with exponential backoff and
 * jitter (never longer than refreshSeconds). A failed fetch or parse
 * changes nothing downstream: the last good model stays in force, forever,
 * and each problem is logged once per change of state, not once per
 * attempt; so are the parser's warnings about dropped entries.
 *
 * Credentials (basic or the IAM token) go only to a known master: one of
 * `masters`, the leader ZooKeeper names, or the leader named by the state
 * of a known master. Addresses compare as written: host names
 * case-insensitively, IP literals by value, and the port. Any other master
 * (typically where a 307 points) is asked without them.
 *
 * Thread-safety: everything runs on the event base's thread except
 * discovery_stats() and discovery_refresh_now(), which any thread may call.
 * ZooKeeper callbacks arrive on ZooKeeper's own threads and are handed to
 * the event base internally. */
#ifndef MDNS_DISCOVERY_H
#define MDNS_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "config/config.h"
#include "discovery/model.h"

struct event_base;

/* A new model (the callee takes the reference: *m is set NULL or freed). */
typedef void (*discovery_model_fn)(void *ctx, model_t **m);
/* The raw value of ZooKeeper's /navstar_key (DC/OS cluster-ID key JSON),
 * read when config dcosClusterIdFromZk is set; the callee decodes it (never
 * log it: it holds the secret key). */
typedef void (*discovery_navstar_fn)(void *ctx, const uint8_t *value, size_t len);

typedef struct discovery_params {
    const config_t *cfg; /* must outlive discovery */
    struct event_base *base;
    discovery_model_fn on_model;
    discovery_navstar_fn on_navstar; /* may be NULL */
    void *ctx;
} discovery_params_t;

typedef struct discovery_stats {
    uint64_t fetches;  /* state fetches attempted */
    uint64_t failures; /* fetches or parses that failed */
    uint64_t leader_changes;
    int64_t last_success_ms; /* CLOCK_REALTIME ms of the last good model, 0 = never */
    double last_duration_s;  /* request to finished model, last success */
    bool leader_known;
    char leader[128];     /* "host:port" of the current leader, "" when unknown */
    char last_error[256]; /* "" after a success */
    /* added with the implementation: */
    uint64_t models;           /* models handed to on_model */
    uint64_t last_state_bytes; /* decoded size of the last good state document */
    uint64_t iam_logins;       /* successful DC/OS IAM logins (token cached in between) */
    bool zk_connected;         /* zk mode: a live ZooKeeper session */
    bool leader_timeout;       /* zk mode: no leader for longer than zkDetectionTimeout */
    uint64_t zk_sessions;      /* zk mode: sessions established */
} discovery_stats_t;

typedef struct discovery discovery_t;

/* Validate and prepare (no network yet). NULL with a logged reason.
 * (--state-file is main's business: discovery reads masters only.) */
discovery_t *discovery_new(const discovery_params_t *p);
/* Begin leader detection and the refresh timer (refreshSeconds). 0 or -errno.
 * on_model and on_navstar are called later, from the event base, never
 * from inside discovery_start(); they must not call discovery_free(). */
int discovery_start(discovery_t *d);
/* Fetch as soon as possible (e.g. SIGHUP). Thread-safe. */
void discovery_refresh_now(discovery_t *d);
void discovery_stats(discovery_t *d, discovery_stats_t *out);
/* Append the stats as Prometheus text exposition (mesosdnsd_discovery_*,
 * and mesosdnsd_zk_* in zk mode). Thread-safe. */
void discovery_prometheus(discovery_t *d, buf_t *out);
/* Stop everything, free. Event base thread only. NULL-safe; sets *d NULL. */
void discovery_free(discovery_t **d);

#endif
