/* route: request-target parsing and endpoint matching (see route.h).
 *
 * The matching mirrors what Mesos-DNS's stack does, so that existing clients
 * see the same status codes: Go's net/http decodes the path, its ServeMux
 * redirects (301) any path that path.Clean would change, and go-restful's
 * CurlyRouter trims leading and trailing slashes, splits on '/', and
 * compares static tokens case-sensitively ("/v1/version/" is a match,
 * "/v1/hosts/" is not). */
#include "http/route.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const char *const ep_names[HTTP_EP_COUNT] = {
    [HTTP_EP_NOT_FOUND] = "not_found",
    [HTTP_EP_INVALID] = "invalid",
    [HTTP_EP_ROOT] = "root",
    [HTTP_EP_VERSION] = "version",
    [HTTP_EP_CONFIG] = "config",
    [HTTP_EP_HOSTS] = "hosts",
    [HTTP_EP_HOST_PORTS] = "host_ports",
    [HTTP_EP_SERVICES] = "services",
    [HTTP_EP_ENUMERATE] = "enumerate",
    [HTTP_EP_AXFR] = "axfr",
    [HTTP_EP_BIND_FORWARD] = "bind_forward_zone",
    [HTTP_EP_BIND_DCOS] = "bind_dcos",
    [HTTP_EP_BIND_SECONDARY] = "bind_secondary",
    [HTTP_EP_ZONE] = "zone",
    [HTTP_EP_METRICS] = "metrics",
    [HTTP_EP_HEALTHZ] = "healthz",
    [HTTP_EP_READYZ] = "readyz",
};

const char *http_route_ep_name(enum http_ep ep)
{
    return (unsigned)ep < HTTP_EP_COUNT ? ep_names[ep] : "invalid";
}

bool http_route_is_mesos_api(enum http_ep ep)
{
    return ep >= HTTP_EP_VERSION && ep <= HTTP_EP_AXFR;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode `len` bytes of percent-encoding into `out` (outlen bytes incl. the
 * NUL). `plus_space` turns '+' into ' ' (query strings). Returns the decoded
 * length, -EINVAL for a bad escape or an escaped NUL, -ERANGE when out is
 * too small. */
static int http_route_unescape(const char *in, size_t len, bool plus_space, char *out,
                               size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            if (len - i < 3)
                return -EINVAL;
            int hi = hexval((unsigned char)in[i + 1]);
            int lo = hexval((unsigned char)in[i + 2]);
            if (hi < 0 || lo < 0)
                return -EINVAL;
            c = (unsigned char)(hi << 4 | lo);
            if (c == 0)
                return -EINVAL;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        } else if (c == 0) {
            return -EINVAL;
        }
        if (o + 1 >= outlen)
            return -ERANGE;
        out[o++] = (char)c;
    }
    if (outlen == 0)
        return -ERANGE;
    out[o] = '\0';
    return (int)o;
}

/* Go's path.Clean for a rooted path, then ServeMux's cleanPath rule that
 * puts a trailing slash back. `out` needs len + 2 bytes. */
static size_t clean_path(const char *p, size_t len, char *out)
{
    size_t o = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && p[i] == '/')
            i++;
        size_t s = i;
        while (i < len && p[i] != '/')
            i++;
        size_t n = i - s;
        if (n == 0 || (n == 1 && p[s] == '.'))
            continue;
        if (n == 2 && p[s] == '.' && p[s + 1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* drop the slash before the popped element */
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, p + s, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    else if (len > 0 && p[len - 1] == '/')
        out[o++] = '/';
    out[o] = '\0';
    return o;
}

/* Characters a path segment keeps unescaped (RFC 3986 pchar minus '%'). */
static bool path_char_ok(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return strchr("-._~!$&'()*+,;=:@/", c) != NULL && c != 0;
}

/* Location for a 301: the cleaned path re-escaped, then "?query". */
static void set_location(http_route_t *r, const char *clean, size_t clen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < clen; i++) {
        unsigned char c = (unsigned char)clean[i];
        if (path_char_ok(c)) {
            r->path[o++] = (char)c;
        } else {
            r->path[o++] = '%';
            r->path[o++] = hex[c >> 4];
            r->path[o++] = hex[c & 15];
        }
    }
    if (r->query[0]) {
        size_t ql = strlen(r->query);
        r->path[o++] = '?';
        memcpy(r->path + o, r->query, ql);
        o += ql;
    }
    r->path[o] = '\0';
    r->path_len = o;
}

static bool tok_eq(const char *t, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(t, lit, n) == 0;
}

#define MAX_TOKENS 5

/* Split a clean path into at most MAX_TOKENS tokens (more: no route). */
static int tokenize(const char *p, size_t len, const char *tok[], size_t tlen[])
{
    size_t s = 0, e = len;
    while (s < e && p[s] == '/')
        s++;
    while (e > s && p[e - 1] == '/')
        e--;
    if (s == e)
        return 0;
    int n = 0;
    while (s <= e) {
        size_t t = s;
        while (t < e && p[t] != '/')
            t++;
        if (n == MAX_TOKENS)
            return MAX_TOKENS + 1;
        tok[n] = p + s;
        tlen[n++] = t - s;
        s = t + 1;
    }
    return n;
}

static enum http_ep match_v1(int n, const char *tok[], const size_t tlen[], http_route_t *r)
{
    if (n == 2) {
        static const struct {
            const char *name;
            enum http_ep ep;
        } two[] = {{"version", HTTP_EP_VERSION},
                   {"config", HTTP_EP_CONFIG},
                   {"enumerate", HTTP_EP_ENUMERATE},
                   {"axfr", HTTP_EP_AXFR},
                   {"zone", HTTP_EP_ZONE}};
        for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
            if (tok_eq(tok[1], tlen[1], two[i].name))
                return two[i].ep;
        return HTTP_EP_NOT_FOUND;
    }
    enum http_ep ep = HTTP_EP_NOT_FOUND;
    if (n == 3 && tok_eq(tok[1], tlen[1], "hosts"))
        ep = HTTP_EP_HOSTS;
    else if (n == 3 && tok_eq(tok[1], tlen[1], "services"))
        ep = HTTP_EP_SERVICES;
    else if (n == 4 && tok_eq(tok[1], tlen[1], "hosts") && tok_eq(tok[3], tlen[3], "ports"))
        ep = HTTP_EP_HOST_PORTS;
    if (ep != HTTP_EP_NOT_FOUND) {
        r->param = tok[2];
        r->param_len = tlen[2];
        return ep;
    }
    if (n == 3 && tok_eq(tok[1], tlen[1], "bind")) {
        if (tok_eq(tok[2], tlen[2], "forward-zone"))
            return HTTP_EP_BIND_FORWARD;
        if (tok_eq(tok[2], tlen[2], "dcos"))
            return HTTP_EP_BIND_DCOS;
        if (tok_eq(tok[2], tlen[2], "secondary"))
            return HTTP_EP_BIND_SECONDARY;
    }
    return HTTP_EP_NOT_FOUND;
}

static enum http_ep match(http_route_t *r)
{
    const char *tok[MAX_TOKENS];
    size_t tlen[MAX_TOKENS];
    int n = tokenize(r->path, r->path_len, tok, tlen);
    if (n == 0)
        return HTTP_EP_ROOT;
    if (n > MAX_TOKENS)
        return HTTP_EP_NOT_FOUND;
    if (n == 1) {
        if (tok_eq(tok[0], tlen[0], "metrics"))
            return HTTP_EP_METRICS;
        if (tok_eq(tok[0], tlen[0], "healthz"))
            return HTTP_EP_HEALTHZ;
        if (tok_eq(tok[0], tlen[0], "readyz"))
            return HTTP_EP_READYZ;
        return HTTP_EP_NOT_FOUND;
    }
    if (tok_eq(tok[0], tlen[0], "v1"))
        return match_v1(n, tok, tlen, r);
    return HTTP_EP_NOT_FOUND;
}

static bool prefix_ci(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

/* Start of the path in an origin-form or absolute-form target, or NULL. */
static const char *path_start(const char *uri, size_t len, size_t *plen)
{
    size_t skip = 0;
    if (len > 0 && uri[0] == '/') {
        skip = 0;
    } else if (prefix_ci(uri, len, "http://") || prefix_ci(uri, len, "https://")) {
        skip = uri[4] == ':' ? 7 : 8;
        while (skip < len && uri[skip] != '/' && uri[skip] != '?')
            skip++;
    } else {
        return NULL;
    }
    *plen = len - skip;
    return uri + skip;
}

static int invalid(http_route_t *r, int status)
{
    r->ep = HTTP_EP_INVALID;
    r->path[0] = '\0';
    r->path_len = 0;
    r->param = NULL;
    r->param_len = 0;
    return status;
}

int http_route_parse(const char *uri, size_t len, http_route_t *r)
{
    r->query[0] = '\0';
    if (len > HTTP_URI_MAX)
        return invalid(r, 414);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)uri[i];
        if (c <= 0x20 || c == 0x7f)
            return invalid(r, 400);
    }
    size_t rest;
    const char *p = path_start(uri, len, &rest);
    if (!p)
        return invalid(r, 400);
    const char *q = memchr(p, '?', rest);
    size_t plen = q ? (size_t)(q - p) : rest;
    if (q) {
        size_t qlen = rest - plen - 1;
        memcpy(r->query, q + 1, qlen);
        r->query[qlen] = '\0';
    }
    char dec[HTTP_URI_MAX + 1];
    int dl = http_route_unescape(p, plen, false, dec, sizeof dec);
    if (dl < 0)
        return invalid(r, 400);
    /* An absolute-form target may have an empty path: it means "/". */
    if (dl == 0) {
        dec[0] = '/';
        dec[1] = '\0';
        dl = 1;
    }
    const char *d = dec;
    char clean[HTTP_URI_MAX + 3];
    size_t cl = clean_path(d, (size_t)dl, clean);
    r->param = NULL;
    r->param_len = 0;
    if (cl != (size_t)dl || memcmp(clean, d, cl) != 0) {
        r->ep = HTTP_EP_INVALID;
        set_location(r, clean, cl);
        return 301;
    }
    memcpy(r->path, d, (size_t)dl + 1);
    r->path_len = (size_t)dl;
    r->ep = match(r);
    return 0;
}

int http_route_query(const char *query, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    const char *s = query;
    while (*s) {
        const char *amp = strchr(s, '&');
        size_t n = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        size_t kn = eq ? (size_t)(eq - s) : n;
        char k[64];
        int kl = kn < sizeof k ? http_route_unescape(s, kn, true, k, sizeof k) : -ERANGE;
        if (kl == -EINVAL)
            return -EINVAL;
        if (kl >= 0 && (size_t)kl == klen && memcmp(k, key, klen) == 0) {
            if (!eq)
                return outlen ? (out[0] = '\0', 0) : -ERANGE;
            return http_route_unescape(eq + 1, n - kn - 1, true, out, outlen);
        }
        s += n;
        if (*s == '&')
            s++;
    }
    return -ENOENT;
}

static bool range_is_json(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    const char *semi = memchr(s, ';', n);
    if (semi)
        n = (size_t)(semi - s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 3 && memcmp(s, "*/*", 3) == 0)
        return true;
    return n == 16 && prefix_ci(s, n, "application/json");
}

bool http_route_accepts_json(const char *accept)
{
    if (!accept)
        return true;
    const char *s = accept;
    bool any = false;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        for (size_t i = 0; i < n; i++)
            if (s[i] != ' ' && s[i] != '\t')
                any = true;
        if (range_is_json(s, n))
            return true;
        if (!comma)
            break;
        s = comma + 1;
    }
    return !any;
}

int http_route_name(const char *in, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '.' && i + 1 < len && in[i + 1] == '*') {
            i++;
            continue;
        }
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (o + 1 >= outlen)
            return -ERANGE;
        out[o++] = c;
    }
    if (o == 0 || out[o - 1] != '.') {
        if (o + 1 >= outlen)
            return -ERANGE;
        out[o++] = '.';
    }
    out[o] = '\0';
    return (int)o;
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5)
        return -EINVAL;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -EINVAL;
    *port = (uint16_t)v;
    return 0;
}

static int parse_ip(const char *s, size_t n, int family, http_route_server_t *out)
{
    char tmp[INET6_ADDRSTRLEN + 1];
    if (n == 0 || n >= sizeof tmp)
        return -EINVAL;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (inet_pton(family, tmp, out->addr) != 1)
        return -EINVAL;
    out->family = family;
    return 0;
}

/* One item: "1.2.3.4", "1.2.3.4:53", "::1", "[::1]", "[::1]:53". */
static int parse_item(const char *s, size_t n, uint16_t defport, http_route_server_t *out)
{
    out->port = defport;
    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (!rb || parse_ip(s + 1, (size_t)(rb - s - 1), AF_INET6, out) < 0)
            return -EINVAL;
        size_t rest = n - (size_t)(rb - s) - 1;
        if (rest == 0)
            return 0;
        if (rb[1] != ':')
            return -EINVAL;
        return parse_port(rb + 2, rest - 1, &out->port);
    }
    const char *colon = memchr(s, ':', n);
    if (colon && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1))
        return parse_ip(s, n, AF_INET6, out);
    if (!colon)
        return parse_ip(s, n, AF_INET, out);
    if (parse_ip(s, (size_t)(colon - s), AF_INET, out) < 0)
        return -EINVAL;
    return parse_port(colon + 1, n - (size_t)(colon - s) - 1, &out->port);
}

int http_route_servers(const char *list, uint16_t defport, http_route_server_t *out, size_t max)
{
    size_t count = 0;
    const char *s = list;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        while (n > 0 && *s == ' ') {
            s++;
            n--;
        }
        while (n > 0 && s[n - 1] == ' ')
            n--;
        if (count == max || parse_item(s, n, defport, &out[count]) < 0)
            return -EINVAL;
        count++;
        if (!comma)
            return (int)count;
        s = comma + 1;
    }
}
