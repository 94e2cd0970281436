/* ops: the endpoints for machines and people that run mesos-dnsd:
 * /metrics (Prometheus text exposition format 0.0.4), /healthz, /readyz and
 * the HTML page at /. Handlers follow the conventions of api.h. */
#ifndef MDNS_HTTP_OPS_H
#define MDNS_HTTP_OPS_H

#include "http/resp.h"

/* The live zone's gauges (mesosdnsd_zone_published, _serial, _records,
 * _snapshot_bytes, _published_timestamp_seconds), the params' metric
 * sections, HTTP counters, process stats. */
void http_ops_metrics(const http_ctx_t *c, http_resp_t *r);
/* 200 "ok" while the process serves HTTP. */
void http_ops_healthz(const http_ctx_t *c, http_resp_t *r);
/* 200 "ready" once a zone is published and params->ready agrees; else 503
 * "not ready: <reason>". */
void http_ops_readyz(const http_ctx_t *c, http_resp_t *r);
/* The page listing frameworks, tasks and names (static; its script reads
 * /v1/enumerate; ?q=text presets the filter). */
void http_ops_page(const http_ctx_t *c, http_resp_t *r);

#endif
