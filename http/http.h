/* http: the HTTP side (libmicrohttpd): the Mesos-DNS JSON API (compat spec
 * §8), BIND integration snippets (dcos-and-bind spec §2), the zone as a
 * master file, Prometheus /metrics, /healthz and /readyz, and a small HTML
 * page for people.
 *
 * Every handler reads the live zone version (zonedb, RCU) without locks; the
 * counters of the other layers come through the callbacks below, so http/
 * depends on zone/ only and never reaches into dnsd/ or discovery/.
 *
 * Thread-safety: the server runs its own thread(s); start/stop from one
 * thread. The callbacks are called from the HTTP thread(s) and must be
 * thread-safe. */
#ifndef MDNS_HTTP_H
#define MDNS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "config/config.h"
#include "zone/gen.h"
#include "zone/zonedb.h"

/* A /metrics section: appends one layer's families to `out` with the
 * common/prom.h writer. A family appears once in /metrics, whole: a section
 * must not render a family that another section, or http/ itself, renders
 * (http/ writes mesosdnsd_build_info, the live zone's mesosdnsd_zone_published,
 * _serial, _records, _snapshot_bytes and _published_timestamp_seconds, and the
 * mesosdnsd_http_* and process_* families). */
typedef void (*http_metrics_fn)(void *ctx, buf_t *out);

/* Readiness of the layers: returns false and fills `why` when not ready. */
typedef bool (*http_ready_fn)(void *ctx, char *why, size_t whylen);

#define HTTP_MAX_METRICS 8

typedef struct http_params {
    const config_t *cfg;                       /* listener, port, EnumerationOn, /v1/config */
    zonedb_t *db;                              /* the published zone */
    const zone_gen_cfg_t *gen;                 /* to regenerate /v1/enumerate */
    http_metrics_fn metrics[HTTP_MAX_METRICS]; /* extra /metrics sections, NULL-terminated */
    void *metrics_ctx[HTTP_MAX_METRICS];
    http_ready_fn ready; /* NULL: ready once a zone is published */
    void *ready_ctx;
    /* DNS port actually bound, for the BIND snippets (0: cfg->port; set it
     * when cfg->port is 0 and the kernel picked one). */
    uint16_t dns_port;
    /* Seconds a connection may sit idle, or stalled mid-request, before it
     * is closed (0: 10 s; tests use 1 s). */
    unsigned conn_timeout_s;
} http_params_t;

typedef struct http_server http_server_t;

/* Bind cfg->http_listener:cfg->http_port (port 0 picks one, for tests) and
 * start serving. "0.0.0.0" and "::" listen on every IPv4 and IPv6 address
 * (one dual-stack socket; IPv4 only when the host has no IPv6). 0, or a
 * negative errno with a message in `err`. The params must outlive the
 * server. The server's threads register themselves as RCU readers. */
int http_server_start(const http_params_t *p, http_server_t **out, char *err, size_t errlen);
uint16_t http_server_port(const http_server_t *s);
/* Stop and free. NULL-safe; sets *s NULL. */
void http_server_stop(http_server_t **s);

#endif
