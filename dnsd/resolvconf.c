/* resolvconf: nameservers of resolv.conf minus this host (see resolvconf.h). */
#include "dnsd/resolvconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "config/netaddr.h"

#define DEFAULT_PATH "/etc/resolv.conf"

static void addr_text(config_addr_t *a)
{
    char ip[INET6_ADDRSTRLEN];
    inet_ntop(a->family, a->addr, ip, sizeof ip);
    snprintf(a->text, sizeof a->text, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, a->port);
}

/* "1.2.3.4", "2001:db8::1" or "fe80::1%eth0" / "fe80::1%2" (port 53). */
static bool ns_parse(const char *tok, size_t len, resolvconf_ns_t *ns)
{
    char s[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (len == 0 || len >= sizeof s || memchr(tok, '\0', len))
        return false;
    memcpy(s, tok, len);
    s[len] = '\0';
    memset(ns, 0, sizeof *ns);
    char *pct = strchr(s, '%');
    if (pct)
        *pct++ = '\0';
    if (!pct && inet_pton(AF_INET, s, ns->addr.addr) == 1) {
        ns->addr.family = AF_INET;
    } else if (inet_pton(AF_INET6, s, ns->addr.addr) == 1) {
        ns->addr.family = AF_INET6;
        if (pct) {
            char *end;
            unsigned long v = strtoul(pct, &end, 10);
            ns->scope_id = (*pct && !*end) ? (uint32_t)v : if_nametoindex(pct);
            if (ns->scope_id == 0)
                return false;
        }
    } else {
        return false;
    }
    ns->addr.port = 53;
    addr_text(&ns->addr);
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

size_t resolvconf_parse(const char *text, size_t len, resolvconf_ns_t *out, size_t max,
                        unsigned *bad_line)
{
    size_t n = 0;
    unsigned line = 0;
    if (bad_line)
        *bad_line = 0;
    for (size_t pos = 0; text && pos < len;) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n')
            eol++;
        line++;
        const char *p = text + pos, *e = text + eol;
        pos = eol + 1;
        while (p < e && is_blank(*p))
            p++;
        if (e - p < 11 || memcmp(p, "nameserver", 10) != 0 || !is_blank(p[10]))
            continue; /* comment, other keyword, blank */
        p += 10;
        while (p < e && is_blank(*p))
            p++;
        const char *t = p;
        while (p < e && !is_blank(*p) && *p != '\r' && *p != '#' && *p != ';')
            p++;
        resolvconf_ns_t ns;
        if (!ns_parse(t, (size_t)(p - t), &ns)) {
            if (bad_line && !*bad_line)
                *bad_line = line;
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = out[i].addr.family == ns.addr.family && out[i].scope_id == ns.scope_id &&
                  memcmp(out[i].addr.addr, ns.addr.addr, 16) == 0;
        if (!dup && n < max)
            out[n++] = ns;
    }
    return n;
}

static bool addr_is_loopback(const config_addr_t *a)
{
    static const uint8_t v6lo[16] = {[15] = 1};
    return a->family == AF_INET ? a->addr[0] == 127 : memcmp(a->addr, v6lo, 16) == 0;
}

/* Would a listener on `host` (an IP, "[IPv6]" or a wildcard) get packets for `a`? */
static bool host_covers(const char *host, size_t hl, const config_addr_t *a)
{
    char h[INET6_ADDRSTRLEN];
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host++;
        hl -= 2;
    }
    if (hl >= sizeof h)
        return false;
    if (hl)
        memcpy(h, host, hl);
    h[hl] = '\0';
    /* Mesos-DNS binds 0.0.0.0 dual-stack: either wildcard covers both. */
    if (hl == 0 || strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0)
        return true;
    uint8_t b[16];
    return inet_pton(a->family, h, b) == 1 &&
           memcmp(b, a->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* A `listeners` entry: "IP", "IP:port", "[IPv6]:port" or a bare IPv6. */
static bool listener_covers(const char *ent, int dflt_port, const config_addr_t *a)
{
    const char *colon = strrchr(ent, ':');
    size_t hl = strlen(ent);
    int port = dflt_port;
    /* One colon = IPv4:port; a bracketed host = [IPv6]:port; else bare. */
    if (colon && ((ent[0] == '[' && colon > ent && colon[-1] == ']') ||
                  (ent[0] != '[' && strchr(ent, ':') == colon))) {
        hl = (size_t)(colon - ent);
        port = atoi(colon + 1);
    }
    return port == 53 && host_covers(ent, hl, a);
}

static bool listens_on(const config_t *c, const config_addr_t *a)
{
    if (!addr_is_loopback(a))
        return false;
    if (c->port == 53 &&
        host_covers(c->listener ? c->listener : "", c->listener ? strlen(c->listener) : 0, a))
        return true;
    for (size_t i = 0; i < c->n_listeners; i++)
        if (c->listeners[i] && listener_covers(c->listeners[i], c->port, a))
            return true;
    return false;
}

bool resolvconf_is_self(const config_t *c, const config_addr_t *a)
{
    return netaddr_is_local(a->family, a->addr) == 1 || listens_on(c, a);
}

size_t resolvconf_load(const config_t *c, const char *path, resolvconf_ns_t *out, size_t max)
{
    if (!path)
        path = DEFAULT_PATH;
    FILE *f = fopen(path, "r");
    if (!f) {
        log_warn("resolv.conf: cannot read %s: %s", path, strerror(errno));
        return 0;
    }
    char text[16384];
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    resolvconf_ns_t all[RESOLVCONF_MAX];
    unsigned bad = 0;
    size_t n_all = resolvconf_parse(text, len, all, RESOLVCONF_MAX, &bad);
    if (bad)
        log_warn("resolv.conf: %s line %u: nameserver is not an IP address; ignored", path, bad);
    size_t n = 0;
    for (size_t i = 0; i < n_all; i++) {
        int own = netaddr_is_local(all[i].addr.family, all[i].addr.addr);
        if (own < 0)
            log_warn("resolv.conf: getifaddrs: %s; %s not checked against own addresses",
                     strerror(-own), all[i].addr.text);
        if (own == 1 || listens_on(c, &all[i].addr)) {
            log_info("resolv.conf: %s: nameserver %s is this host; skipped", path,
                     all[i].addr.text);
            continue;
        }
        if (n < max)
            out[n++] = all[i];
    }
    if (n == 0)
        log_warn("resolv.conf: %s has no usable nameserver", path);
    return n;
}
