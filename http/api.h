/* api: the Mesos-DNS HTTP API (compat spec §8), byte-compatible with what
 * Mesos-DNS's go-restful handlers write: json.MarshalIndent(v, "", " "), no
 * trailing newline, Content-Type application/json.
 *
 * Each handler fills `r` (status, content type, body). Lookups read the live
 * zone inside one short RCU read section on the calling thread, which must
 * be an RCU reader (http_resp_rcu_reader); the big exports (/v1/enumerate,
 * /v1/axfr, /v1/zone) hold the version with zonedb_hold(), run outside it,
 * and are shared by concurrent requests (http_api_export, bodycache.h). */
#ifndef MDNS_HTTP_API_H
#define MDNS_HTTP_API_H

#include "http/resp.h"
#include "zone/zonedb.h"

/* Name and URL reported by /v1/version (keys as in Mesos-DNS). */
#define HTTP_API_SERVICE "mesos-dnsd"
#define HTTP_API_URL     "https://github.com/mesosphere/mesos-dns"

void http_api_version(const http_ctx_t *c, http_resp_t *r);
void http_api_config(const http_ctx_t *c, http_resp_t *r);
void http_api_hosts(const http_ctx_t *c, http_resp_t *r);
void http_api_host_ports(const http_ctx_t *c, http_resp_t *r);
void http_api_services(const http_ctx_t *c, http_resp_t *r);
void http_api_enumerate(const http_ctx_t *c, http_resp_t *r);
void http_api_axfr(const http_ctx_t *c, http_resp_t *r);

/* Serve export `which` of the live zone, rendered by render(v, c, out) or
 * shared with requests for the same version being answered (bodycache.h):
 * 200 with `ctype`, 503 before the first zone, 500 when rendering fails. */
typedef int (*http_export_fn)(const zone_version_t *v, const http_ctx_t *c, buf_t *out);
void http_api_export(const http_ctx_t *c, http_resp_t *r, enum bodycache_export which,
                     http_export_fn render, const char *ctype);

#endif
