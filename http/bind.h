/* bind: ready-to-paste BIND configuration (dcos-and-bind spec §2) and the
 * zone as an RFC 1035 master file (§3), all text/plain.
 *
 * The address BIND should send queries to is, in order: the `servers`
 * query parameter ("ip[:port],..." with IPv6 as "[ip]:port" or bare "ip"),
 * the DNS listener when it is one address, or the local address this HTTP
 * request arrived on (listener 0.0.0.0 / ::); the port defaults to the DNS
 * port. Handlers follow the conventions of api.h. */
#ifndef MDNS_HTTP_BIND_H
#define MDNS_HTTP_BIND_H

#include "http/resp.h"

/* /v1/bind/forward-zone: a forward zone for the domain. */
void http_bind_forward(const http_ctx_t *c, http_resp_t *r);
/* /v1/bind/dcos: a forward zone for <label>.dcos.directory, and DNAME lines
 * for each name in ?zone=a.example,b.example; 404 without a cluster ID. */
void http_bind_dcos(const http_ctx_t *c, http_resp_t *r);
/* /v1/bind/secondary: a secondary-zone stanza pulling the zone by AXFR. */
void http_bind_secondary(const http_ctx_t *c, http_resp_t *r);
/* /v1/zone: the live zone as a master file. */
void http_bind_zone(const http_ctx_t *c, http_resp_t *r);

#endif
