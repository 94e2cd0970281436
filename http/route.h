/* route: the pure part of the HTTP side. Request-target parsing (strict
 * percent-decoding, Go ServeMux path cleaning), endpoint matching the way
 * Mesos-DNS's go-restful router does it, query parameters, Accept matching
 * and host/service name normalisation (compat spec §8).
 *
 * No I/O, no allocation, no globals: every function is reentrant and is the
 * surface the fuzzer (tests/fuzz/fuzz_http_path.c) drives. */
#ifndef MDNS_HTTP_ROUTE_H
#define MDNS_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest request target accepted; longer ones get 414. */
#define HTTP_URI_MAX 4096

enum http_ep {
    HTTP_EP_NOT_FOUND = 0, /* no route: 404 */
    HTTP_EP_INVALID,       /* rejected before routing: 400, 414, 301 */
    HTTP_EP_ROOT,          /* / : HTML page */
    /* Mesos-DNS API (GET only, Accept checked) */
    HTTP_EP_VERSION,
    HTTP_EP_CONFIG,
    HTTP_EP_HOSTS,      /* /v1/hosts/{host} */
    HTTP_EP_HOST_PORTS, /* /v1/hosts/{host}/ports */
    HTTP_EP_SERVICES,   /* /v1/services/{service} */
    HTTP_EP_ENUMERATE,
    HTTP_EP_AXFR,
    /* mesos-dnsd's own (GET and HEAD) */
    HTTP_EP_BIND_FORWARD,   /* /v1/bind/forward-zone */
    HTTP_EP_BIND_DCOS,      /* /v1/bind/dcos */
    HTTP_EP_BIND_SECONDARY, /* /v1/bind/secondary */
    HTTP_EP_ZONE,           /* /v1/zone */
    HTTP_EP_METRICS,
    HTTP_EP_HEALTHZ,
    HTTP_EP_READYZ,
    HTTP_EP_COUNT
};

/* Metric label of an endpoint ("hosts", "bind_dcos", ...). */
const char *http_route_ep_name(enum http_ep ep);
/* True for the Mesos-DNS endpoints (GET only, Accept checked). */
bool http_route_is_mesos_api(enum http_ep ep);

typedef struct http_route {
    enum http_ep ep;
    /* Decoded path (never contains NUL). After a 301, the cleaned path
     * re-escaped, with "?query" when there was one: the Location. */
    char path[HTTP_URI_MAX * 4 + 2];
    size_t path_len;
    /* The {host}/{service} token of the path, decoded (points into path). */
    const char *param;
    size_t param_len;
    /* Raw query string after '?', not decoded ("" when none). */
    char query[HTTP_URI_MAX + 1];
} http_route_t;

/* Parse a raw request target (origin form "/p?q" or absolute form
 * "http://h/p?q") of `len` bytes and route it. Returns 0 (r->ep is set,
 * possibly HTTP_EP_NOT_FOUND), or an HTTP status with r->ep =
 * HTTP_EP_INVALID: 414 when longer than HTTP_URI_MAX, 400 for a bad
 * percent escape, an escaped NUL, a control byte or a target that is not a
 * path, 301 when the path is not clean (Go's ServeMux: "//", "/./", "/../"),
 * with r->path holding the Location. */
int http_route_parse(const char *uri, size_t len, http_route_t *r);

/* The value of the first `key` in a raw query string, decoded into `out`.
 * Returns its length, -ENOENT when absent, -EINVAL for a bad escape, -ERANGE
 * when out is too small. */
int http_route_query(const char *query, const char *key, char *out, size_t outlen);

/* Whether an Accept header admits the JSON the Mesos-DNS endpoints produce:
 * true when absent or empty, or when one of its media ranges (parameters
 * ignored, case-insensitive) is application/json or the wildcard. */
bool http_route_accepts_json(const char *accept);

/* Most servers accepted in ?servers= of the BIND snippets. */
#define HTTP_ROUTE_MAX_SERVERS 16

typedef struct http_route_server {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    uint16_t port;
} http_route_server_t;

/* Parse a ?servers= value ("ip[:port],...", IPv6 as "[ip]:port" or bare
 * "ip", spaces around items ignored) into at most `max` servers; items
 * without a port get `defport`. Returns the count, or -EINVAL for an item
 * that is not an IP literal with an optional port 1-65535, an empty item,
 * or more than `max`. */
int http_route_servers(const char *list, uint16_t defport, http_route_server_t *out, size_t max);

/* Mesos-DNS's clean-up of a {host}/{service} before lookup: lowercase,
 * every ".*" removed, a trailing dot added. Writes text into `out`; returns
 * its length or -ERANGE when out is too small. */
int http_route_name(const char *in, size_t len, char *out, size_t outlen);

#endif
