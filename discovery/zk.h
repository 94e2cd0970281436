/* zk: leading-master detection through ZooKeeper (compat spec §3 `zk`).
 *
 * Mesos masters contend for leadership under the path of the zk URL with
 * ephemeral sequential nodes; the JSON ones are named json.info_<seq> and
 * hold a MasterInfo ({"address": {"ip", "port", "hostname"}, "hostname",
 * "port", "pid", ...}). The lowest sequence number is the leader. We watch
 * the children of the path and report every change of leader.
 *
 * Robustness: a member of the ensemble that is down does not stop start-up
 * (the client moves on to the next); an expired session gets a new handle;
 * with no leader for zkDetectionTimeout seconds we log it once and report it
 * in zk_status(), but keep running and retrying: never exit. Optionally the
 * node /navstar_key (DC/OS cluster-ID key) is read, and re-read on change;
 * its content is handed over raw and never logged.
 *
 * Threads: ZooKeeper's client calls back on its own threads; every such
 * callback is copied into a queue and handled on the event base's thread.
 * zookeeper_init (which resolves names synchronously) and zookeeper_close
 * run on a helper thread, so the event loop never blocks on them. All
 * functions here (except zk_status) and both callbacks run on the event
 * base's thread. */
#ifndef MDNS_ZK_H
#define MDNS_ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct zk zk_t;

/* The leader changed: "host:port" (IPv6 bracketed), or NULL: none known. */
typedef void (*zk_leader_fn)(void *ctx, const char *leader);
/* The raw value of /navstar_key, when first read and whenever it changes. */
typedef void (*zk_navstar_fn)(void *ctx, const uint8_t *value, size_t len);

typedef struct zk_params {
    const char *url;         /* zk://[user:pass@]h1:2181,h2:2181/path */
    int detection_timeout_s; /* zkDetectionTimeout; 0 = never report */
    int session_timeout_ms;  /* 0 = 10000, as Mesos */
    struct event_base *base;
    zk_leader_fn on_leader;
    zk_navstar_fn on_navstar; /* NULL = do not read /navstar_key */
    void *ctx;
} zk_params_t;

typedef struct zk_status {
    bool connected;    /* a live session right now */
    bool timed_out;    /* no leader for longer than the detection timeout */
    uint64_t sessions; /* sessions established (first one included) */
    uint64_t leader_changes;
    char leader[128]; /* "" when none */
} zk_status_t;

/* A parsed zk URL. */
typedef struct zk_url {
    char hosts[1024]; /* "h1:2181,h2:2181" as ZooKeeper's client wants it */
    char path[512];   /* "/mesos": leading '/', no trailing '/' (except "/") */
    char auth[256];   /* "user:pass" for digest auth, "" = none */
} zk_url_t;

/* Parse and check the URL; no network yet. NULL with a logged reason. */
zk_t *zk_new(const zk_params_t *p);
/* Connect and start watching. 0 or -errno. */
int zk_start(zk_t *z);
/* A copy of the current status. Thread-safe. */
void zk_status(zk_t *z, zk_status_t *out);
/* Close the session (bounded by ZooKeeper's own timeouts), free. No
 * callback after this returns. NULL-safe; sets *z NULL. */
void zk_free(zk_t **z);

/* --- pure helpers, exposed for tests and fuzzing --- */

/* "zk://[user:pass@]host[:port][,host[:port]...]/path". A host without a
 * port gets 2181. 0 or -EINVAL. */
int zk_parse_url(const char *url, zk_url_t *out);
/* Index of the leader among child names (lowest json.info_<seq>), or -1. */
int zk_pick_leader(const char *const *children, size_t n);
/* The "host:port" of a MasterInfo JSON: address.ip, else address.hostname,
 * else hostname, else the legacy uint32 ip (network byte order), with
 * address.port, else port; finally the pid "master@host:port". IPv6 hosts
 * come bracketed. Returns the length, or -EINVAL / -ENOSPC. */
int zk_masterinfo_addr(const char *json, size_t len, char *out, size_t outlen);

#endif
