/* api: the Mesos-DNS HTTP API (compat spec §8), byte-compatible with what
 * Mesos-DNS's go-restful handlers write: json.MarshalIndent(v, "", " "), no
 * trailing newline, Content-Type application/json.
 *
 * Each handler fills `r` (status, content type, body). Lookups read the live
 * zone inside one short RCU read section on the calling thread, which must
 * be an RCU reader (http_resp_rcu_reader); the big exports (/v1/enumerate,
 * /v1/axfr) hold the version with zonedb_hold() and run outside it. */
#ifndef MDNS_HTTP_API_H
#define MDNS_HTTP_API_H

#include "http/resp.h"

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

/* Text of an IPv4 (4 bytes) or IPv6 (16 bytes) rdata into `out` (>= 46). */
void http_api_ip_text(const uint8_t *rdata, uint16_t rdlen, char *out);

#endif
