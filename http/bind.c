/* bind: BIND snippets and the master-file export (see bind.h). */
#include "http/bind.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "common/dname.h"
#include "config/netaddr.h"
#include "http/api.h"
#include "zone/export.h"
#include "zone/snapshot.h"
#include "zone/zonedb.h"

static uint16_t dns_port(const http_ctx_t *c)
{
    if (c->p->dns_port)
        return c->p->dns_port;
    return (uint16_t)c->p->cfg->port;
}

/* The server BIND should query when the request does not say: the DNS
 * listener if it is one address, else the address this request reached. */
static int default_server(const http_ctx_t *c, http_route_server_t *out)
{
    const char *l = c->p->cfg->listener;
    out->port = dns_port(c);
    if (l && inet_pton(AF_INET, l, out->addr) == 1) {
        out->family = AF_INET;
        if (memcmp(out->addr, "\0\0\0\0", 4) != 0)
            return 0;
    } else if (l && inet_pton(AF_INET6, l, out->addr) == 1) {
        out->family = AF_INET6;
        if (memcmp(out->addr, &in6addr_any, 16) != 0)
            return 0;
    }
    /* A wildcard listener: the address this request was sent to. */
    struct sockaddr_storage local;
    socklen_t sl = sizeof local;
    if (c->fd < 0 || getsockname(c->fd, (struct sockaddr *)&local, &sl) != 0)
        return -ENOENT;
    if (local.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&local;
        out->family = AF_INET;
        memcpy(out->addr, &sin->sin_addr, 4);
        return 0;
    }
    if (local.ss_family != AF_INET6)
        return -ENOENT;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&local;
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        out->family = AF_INET;
        memcpy(out->addr, sin6->sin6_addr.s6_addr + 12, 4);
    } else {
        out->family = AF_INET6;
        memcpy(out->addr, &sin6->sin6_addr, 16);
    }
    return 0;
}

/* The servers of this request, or a 400/500 already written into r. */
static int servers(const http_ctx_t *c, http_resp_t *r, http_route_server_t *out)
{
    char list[HTTP_URI_MAX + 1];
    int rc = http_route_query(c->route->query, "servers", list, sizeof list);
    if (rc >= 0) {
        int n = http_route_servers(list, dns_port(c), out, HTTP_ROUTE_MAX_SERVERS);
        if (n < 0)
            http_resp_text(r, 400,
                           "400: bad servers parameter: want ip[:port],... "
                           "(IPv6 as [ip]:port), at most 16\n");
        return n;
    }
    if (rc != -ENOENT) {
        http_resp_text(r, 400, "400: bad servers parameter\n");
        return -EINVAL;
    }
    if (default_server(c, out) < 0) {
        http_resp_text(r, 500, "500: cannot tell this server's address; pass ?servers=ip[:port]\n");
        return -ENOENT;
    }
    return 1;
}

/* "{ 10.0.0.1 port 8053; ::1; }" (port omitted when it is 53). */
static void address_list(buf_t *b, const http_route_server_t *s, int n)
{
    buf_puts(b, "{ ");
    for (int i = 0; i < n; i++) {
        char ip[NETADDR_IPSTRLEN];
        netaddr_ip_text(s[i].family, s[i].addr, ip, sizeof ip);
        buf_puts(b, ip);
        if (s[i].port != 53)
            buf_printf(b, " port %u", (unsigned)s[i].port);
        buf_puts(b, "; ");
    }
    buf_puts(b, "}");
}

static void forward_stanza(buf_t *b, const char *zone, const http_route_server_t *s, int n)
{
    buf_printf(b, "zone \"%s\" {\n  type forward;\n  forward only;\n  forwarders ", zone);
    address_list(b, s, n);
    buf_puts(b, ";\n};\n");
}

void http_bind_forward(const http_ctx_t *c, http_resp_t *r)
{
    http_route_server_t s[HTTP_ROUTE_MAX_SERVERS];
    int n = servers(c, r, s);
    if (n < 0)
        return;
    const char *d = c->p->cfg->domain;
    buf_t *b = &r->body;
    buf_printf(b,
               "// named.conf: send every query for \"%s\" to mesos-dnsd.\n"
               "// mesos-dnsd runs with \"externalon\": false, so it answers only \"%s\"\n"
               "// and refuses everything else; list each instance in ?servers=.\n",
               d, d);
    forward_stanza(b, d, s, n);
    http_resp_done(r, HTTP_CT_TEXT);
}

/* True for a non-empty name of letters, digits, '-', '_' and dots; upper
 * case is folded in place. */
static bool hostname_chars(char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
        else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
                   *s == '.'))
            return false;
    }
    return true;
}

/* DNAME lines "owner. TTL IN DNAME <domain>.<suffix>" for ?zone=a,b. */
static int dname_lines(const http_ctx_t *c, http_resp_t *r, const char *target)
{
    char list[HTTP_URI_MAX + 1];
    int rc = http_route_query(c->route->query, "zone", list, sizeof list);
    buf_t *b = &r->body;
    if (rc == -ENOENT) {
        buf_puts(b, "\n; Add ?zone=<your zone or a name in it> for the DNAME lines that alias\n"
                    "; the cluster from your own domain.\n");
        return 0;
    }
    if (rc < 0)
        return -EINVAL;
    buf_puts(b, "\n; Zone file(s) of your domain: a DNAME redirects every name BELOW its owner\n"
                "; (web.marathon.<owner> -> web.marathon.");
    buf_puts(b, target);
    buf_puts(b, ")\n; and hides other names below it, so give it an owner of its own.\n");
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint8_t wire[DNAME_MAXLEN];
        char owner[DNAME_MAXLEN * 4 + 2];
        while (*tok == ' ')
            tok++;
        for (char *e = tok + strlen(tok); e > tok && e[-1] == ' ';)
            *--e = '\0';
        if (!hostname_chars(tok) || dname_from_text(tok, wire) <= 1 ||
            dname_to_text(wire, owner, sizeof owner) < 0)
            return -EINVAL;
        buf_printf(b, "%s %u IN DNAME %s\n", owner, (unsigned)c->p->cfg->ttl, target);
    }
    return 0;
}

void http_bind_dcos(const http_ctx_t *c, http_resp_t *r)
{
    char suffix[DNAME_MAXLEN * 4 + 2] = "";
    bool have_zone = false;
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(c->p->db);
    if (v) {
        have_zone = true;
        size_t sl;
        const uint8_t *sw = zone_snap_dcos_suffix(v->snap, &sl);
        if (sw && dname_to_text(sw, suffix, sizeof suffix) < 0)
            suffix[0] = '\0';
    }
    urcu_memb_read_unlock();
    if (!have_zone) {
        http_resp_no_zone(r);
        return;
    }
    if (!suffix[0]) {
        http_resp_text(r, 404,
                       "404: no DC/OS cluster ID configured "
                       "(dcosClusterId or dcosClusterIdFromZk)\n");
        return;
    }
    http_route_server_t s[HTTP_ROUTE_MAX_SERVERS];
    int n = servers(c, r, s);
    if (n < 0)
        return;
    const char *d = c->p->cfg->domain;
    char zone[sizeof suffix], target[sizeof suffix + 70];
    snprintf(zone, sizeof zone, "%.*s", (int)strlen(suffix) - 1, suffix); /* no dot */
    snprintf(target, sizeof target, "%s.%s", d, suffix);
    buf_t *b = &r->body;
    buf_printf(b,
               "// named.conf: send the cluster's DC/OS names to mesos-dnsd\n"
               "// (X.%s.%s answers like X.%s).\n",
               d, suffix, d);
    forward_stanza(b, zone, s, n);
    buf_puts(b, "// .directory is DNSSEC-signed and these answers are not: a validating BIND\n"
                "// may SERVFAIL them. In options { }: dnssec-validation no;\n"
                "// or: validate-except { \"dcos.directory\"; };\n");
    if (dname_lines(c, r, target) < 0) {
        http_resp_text(r, 400, "400: bad zone parameter: want domain names, comma-separated\n");
        return;
    }
    http_resp_done(r, HTTP_CT_TEXT);
}

void http_bind_secondary(const http_ctx_t *c, http_resp_t *r)
{
    http_route_server_t s[HTTP_ROUTE_MAX_SERVERS];
    int n = servers(c, r, s);
    if (n < 0)
        return;
    const char *d = c->p->cfg->domain;
    buf_t *b = &r->body;
    buf_printf(b,
               "// named.conf: keep a secondary copy of \"%s\", transferred from mesos-dnsd\n"
               "// (AXFR/IXFR, refreshed on NOTIFY). mesos-dnsd must allow this server to\n"
               "// transfer: add its address to \"allowTransfer\" in config.json.\n"
               "// BIND before 9.16 spells it \"type slave;\" and \"masters\".\n"
               "zone \"%s\" {\n  type secondary;\n  primaries ",
               d, d);
    address_list(b, s, n);
    buf_printf(b, ";\n  file \"db.%s\";\n};\n", d);
    http_resp_done(r, HTTP_CT_TEXT);
}

static int render_zone(const zone_version_t *v, const http_ctx_t *c, buf_t *out)
{
    (void)c;
    return export_master_file(v->snap, out);
}

void http_bind_zone(const http_ctx_t *c, http_resp_t *r)
{
    http_api_export(c, r, BODYCACHE_ZONE, render_zone, HTTP_CT_TEXT);
}
