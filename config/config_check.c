/* config_check: the second pass of config parsing. Every value decoded from
 * the JSON is normalised and checked here, with the rules of Mesos-DNS's
 * records/config.go and validation.go (spec §2) plus mesos-dnsd's own keys.
 * The first failing check writes the message and stops the parse. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "config/config_int.h"
#include "config/netaddr.h"

static void lower(char *s)
{
    for (; *s; s++)
        *s = tolower_ascii(*s);
}

/* Mesos-DNS's domain rule ^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*$, plus the DNS
 * limits a name must meet to be served (63-octet labels, 253 characters). */
static bool valid_domain(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

static int check_domain(cfg_ctx_t *x)
{
    lower(x->c->domain);
    if (!valid_domain(x->c->domain))
        return cfg_fail(x,
                        "\"%s\": \"%s\" is not a valid domain name (labels of a-z, 0-9 and -, "
                        "separated by dots, no leading or trailing dot)",
                        cfg_kname(x, KEY_DOMAIN), x->c->domain);
    return 0;
}

static int check_services(cfg_ctx_t *x)
{
    if (!x->c->dns_on && !x->c->http_on)
        return cfg_fail(x, "\"%s\" and \"%s\" are both false: at least one server must be on",
                        cfg_kname(x, KEY_DNS_ON), cfg_kname(x, KEY_HTTP_ON));
    return 0;
}

/* ------------------------------------------------------------- masters */

/* "host:port" with the host as an IP literal, bracketed IPv6 or host name.
 * `norm` receives the form used to find duplicates. */
static int parse_master(const char *m, char *norm, size_t normlen, char *why, size_t whylen)
{
    char host[256];
    const char *port;
    uint16_t p;
    int fam;
    uint8_t addr[16];
    if (netaddr_split_hostport(m, host, sizeof host, &port) < 0) {
        snprintf(why, whylen, "expected host:port (an IPv6 address in brackets: [::1]:5050)");
        return -EINVAL;
    }
    if (netaddr_parse_port(port, &p) < 0) {
        snprintf(why, whylen, "port \"%s\" is not a number in 1..65535", port);
        return -EINVAL;
    }
    if (netaddr_parse_ip(host, &fam, addr) == 0) {
        char ip[NETADDR_IPSTRLEN];
        netaddr_ip_text(fam, addr, ip, sizeof ip);
        snprintf(norm, normlen, fam == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)p);
        return 0;
    }
    if (!netaddr_valid_hostname(host)) {
        snprintf(why, whylen, "\"%s\" is neither an IP address nor a host name", host);
        return -EINVAL;
    }
    size_t hl = strlen(host);
    if (host[hl - 1] == '.')
        host[hl - 1] = '\0';
    lower(host);
    snprintf(norm, normlen, "%s:%u", host, (unsigned)p);
    return 0;
}

static int check_masters(cfg_ctx_t *x)
{
    cfg_strlist_t *l = &x->lists[KEY_MASTERS];
    config_t *c = x->c;
    if (!l->seen)
        return 0;
    const char *key = cfg_kname(x, KEY_MASTERS);
    char(*norm)[300] = l->n ? calloc(l->n, sizeof *norm) : NULL;
    if (l->n && !norm)
        return cfg_oom(x);
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        char why[300];
        if (parse_master(l->v[i], norm[i], sizeof norm[i], why, sizeof why) < 0) {
            rc = cfg_fail(x, "\"%s\"[%zu]: \"%s\": %s", key, i, l->v[i], why);
            break;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(norm[i], norm[j]) == 0) {
                rc = cfg_fail(x, "\"%s\": \"%s\" is a duplicate of \"%s\"", key, l->v[i], l->v[j]);
                break;
            }
    }
    free(norm);
    if (rc < 0)
        return rc;
    c->masters = l->v; /* take the strings over */
    c->n_masters = l->n;
    c->masters_nil = l->nil;
    l->v = NULL;
    l->n = 0;
    return 0;
}

/* ---------------------------------------------------------- IP sources */

static int check_ip_sources(cfg_ctx_t *x)
{
    static const char *const names[IPSRC_COUNT] = {[IPSRC_NETINFO] = "netinfo",
                                                   [IPSRC_MESOS] = "mesos",
                                                   [IPSRC_DOCKER] = "docker",
                                                   [IPSRC_HOST] = "host"};
    cfg_strlist_t *l = &x->lists[KEY_IP_SOURCES];
    const char *key = cfg_kname(x, KEY_IP_SOURCES);
    if (!l->seen)
        return 0;
    if (l->n == 0)
        return cfg_fail(x, "\"%s\" is empty: list at least one of netinfo, mesos, docker, host",
                        key);
    bool used[IPSRC_COUNT] = {false};
    for (size_t i = 0; i < l->n; i++) {
        int s = 0;
        while (s < IPSRC_COUNT && strcmp(l->v[i], names[s]) != 0)
            s++;
        if (s == IPSRC_COUNT)
            return cfg_fail(x, "\"%s\"[%zu]: \"%s\" is not one of netinfo, mesos, docker, host",
                            key, i, l->v[i]);
        if (used[s])
            return cfg_fail(x, "\"%s\": \"%s\" is listed twice", key, l->v[i]);
        used[s] = true;
        x->c->ip_sources[i] = (enum model_ipsrc)s;
    }
    x->c->n_ip_sources = l->n;
    return 0;
}

/* ---------------------------------------------------------- forwarding */

int cfg_parse_resolver(const char *raw, config_addr_t *a, char *why, size_t whylen)
{
    char dummy[8];
    if (!why) {
        why = dummy;
        whylen = sizeof dummy;
    }
    memset(a, 0, sizeof *a);
    size_t n = strlen(raw);
    if (n >= sizeof a->raw) {
        snprintf(why, whylen, "too long");
        return -EINVAL;
    }
    memcpy(a->raw, raw, n + 1);
    char host[64];
    const char *port = "53";
    /* Like Mesos-DNS: when it does not split as host:port, the whole string
     * is the address and the port is 53 ("::1" is an address, no port). */
    if (netaddr_split_hostport(raw, host, sizeof host, &port) < 0) {
        port = "53";
        if (raw[0] == '[' && n > 2 && raw[n - 1] == ']') {
            memcpy(host, raw + 1, n - 2);
            host[n - 2] = '\0';
        } else {
            memcpy(host, raw, n + 1);
        }
    }
    if (netaddr_parse_ip(host, &a->family, a->addr) < 0) {
        snprintf(why, whylen, "\"%s\" is not an IP address (host names are not allowed)", host);
        return -EINVAL;
    }
    if (netaddr_parse_port(port, &a->port) < 0) {
        snprintf(why, whylen, "port \"%s\" is not a number in 1..65535", port);
        return -EINVAL;
    }
    char ip[NETADDR_IPSTRLEN];
    netaddr_ip_text(a->family, a->addr, ip, sizeof ip);
    snprintf(a->text, sizeof a->text, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
             (unsigned)a->port);
    return 0;
}

/* Parse a server list into a new array; duplicates (after normalising)
 * rejected. `what` names the list in messages. */
static int parse_servers(cfg_ctx_t *x, const char *what, const cfg_strlist_t *l,
                         config_addr_t **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (l->n == 0)
        return 0;
    config_addr_t *a = calloc(l->n, sizeof *a);
    if (!a)
        return cfg_oom(x);
    for (size_t i = 0; i < l->n; i++) {
        char why[160];
        if (cfg_parse_resolver(l->v[i], &a[i], why, sizeof why) < 0) {
            free(a);
            return cfg_fail(x, "%s[%zu]: \"%s\": %s", what, i, l->v[i], why);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(a[i].text, a[j].text) == 0) {
                int rc = cfg_fail(x, "%s: \"%s\" is a duplicate of \"%s\" (both are %s)", what,
                                  l->v[i], l->v[j], a[i].text);
                free(a);
                return rc;
            }
    }
    *out = a;
    *n_out = l->n;
    return 0;
}

static int check_resolvers(cfg_ctx_t *x)
{
    cfg_strlist_t *l = &x->lists[KEY_RESOLVERS];
    if (!l->seen)
        return 0; /* the default 8.8.8.8 */
    char what[80];
    snprintf(what, sizeof what, "\"%.60s\"", cfg_kname(x, KEY_RESOLVERS));
    config_addr_t *a;
    size_t n;
    int rc = parse_servers(x, what, l, &a, &n);
    if (rc < 0)
        return rc;
    free(x->c->resolvers);
    x->c->resolvers = a;
    x->c->n_resolvers = n;
    x->c->resolvers_nil = l->nil;
    return 0;
}

/* alsoNotify: secondaries told about every new serial (RFC 1996). */
static int check_also_notify(cfg_ctx_t *x)
{
    cfg_strlist_t *l = &x->lists[KEY_ALSO_NOTIFY];
    if (!l->seen)
        return 0;
    char what[80];
    snprintf(what, sizeof what, "\"%.60s\"", cfg_kname(x, KEY_ALSO_NOTIFY));
    return parse_servers(x, what, l, &x->c->also_notify, &x->c->n_also_notify);
}

static int cmp_zone(const void *a, const void *b)
{
    return strcmp(((const config_zone_resolver_t *)a)->zone,
                  ((const config_zone_resolver_t *)b)->zone);
}

/* True when zone `a` lies under (or is) zone `b`: "x.dc.mesos" under "dc.mesos". */
static bool zone_under(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == lb)
        return strcmp(a, b) == 0;
    return la > lb && a[la - lb - 1] == '.' && strcmp(a + la - lb, b) == 0;
}

static int check_one_zone(cfg_ctx_t *x, const char *key, size_t i)
{
    config_t *c = x->c;
    cfg_rawzone_t *r = &x->zones[i];
    config_zone_resolver_t *z = &c->zone_resolvers[i];
    if (!(z->zone = strdup(r->zone)))
        return cfg_oom(x);
    c->n_zone_resolvers = i + 1;
    lower(z->zone);
    if (!valid_domain(z->zone))
        return cfg_fail(x, "\"%s\": zone \"%s\" is not a valid domain name", key, r->zone);
    if (r->servers.n == 0)
        return cfg_fail(x, "\"%s\": zone \"%s\" lists no servers", key, r->zone);
    if (strcmp(z->zone, c->domain) == 0)
        return cfg_fail(x, "\"%s\": zone \"%s\" is the Mesos domain itself", key, r->zone);
    if (zone_under(z->zone, c->domain) || zone_under(c->domain, z->zone))
        return cfg_fail(x, "\"%s\": ambiguous zone \"%s\": it overlaps the Mesos domain \"%s\"",
                        key, r->zone, c->domain);
    for (size_t j = 0; j < i; j++) {
        const char *o = c->zone_resolvers[j].zone;
        if (strcmp(o, z->zone) == 0)
            return cfg_fail(x, "\"%s\": zone \"%s\" is listed twice", key, r->zone);
        if (zone_under(z->zone, o) || zone_under(o, z->zone))
            return cfg_fail(x, "\"%s\": ambiguous zones \"%s\" and \"%s\": one contains the other",
                            key, o, z->zone);
    }
    char what[300];
    snprintf(what, sizeof what, "\"%.60s\".\"%.200s\"", key, r->zone);
    return parse_servers(x, what, &r->servers, &z->servers, &z->n_servers);
}

static void zone_resolvers_clear(config_t *c)
{
    for (size_t i = 0; i < c->n_zone_resolvers; i++) {
        free(c->zone_resolvers[i].zone);
        free(c->zone_resolvers[i].servers);
    }
    free(c->zone_resolvers);
    c->zone_resolvers = NULL;
    c->n_zone_resolvers = 0;
}

static int check_zone_resolvers(cfg_ctx_t *x)
{
    config_t *c = x->c;
    if (!x->zones_seen)
        return 0;
    c->zone_resolvers_nil = x->zones_nil;
    if (x->n_zones == 0)
        return 0;
    const char *key = cfg_kname(x, KEY_ZONE_RESOLVERS);
    if (!(c->zone_resolvers = calloc(x->n_zones, sizeof *c->zone_resolvers)))
        return cfg_oom(x);
    for (size_t i = 0; i < x->n_zones; i++) {
        int rc = check_one_zone(x, key, i);
        if (rc < 0)
            return rc;
    }
    qsort(c->zone_resolvers, c->n_zone_resolvers, sizeof *c->zone_resolvers, cmp_zone);
    return 0;
}

/* Mesos-DNS checks resolvers and zoneResolvers only when it forwards
 * (externalon). A config it accepts must start here too, so with externalon
 * false a bad list is reported as a warning and dropped: it is unused. */
static int check_forwarding(cfg_ctx_t *x)
{
    char *saved = x->err;
    size_t saved_len = x->errlen;
    char msg[512] = "";
    x->err = msg;
    x->errlen = sizeof msg;
    int rc = check_resolvers(x);
    if (rc == -EINVAL && !x->c->external_on) {
        log_warn("%s (ignored: externalon is false)", msg);
        free(x->c->resolvers);
        x->c->resolvers = NULL;
        x->c->n_resolvers = 0;
        rc = 0;
    }
    if (rc == 0) {
        rc = check_zone_resolvers(x);
        if (rc == -EINVAL && !x->c->external_on) {
            log_warn("%s (ignored: externalon is false)", msg);
            zone_resolvers_clear(x->c);
            rc = 0;
        }
    }
    x->err = saved;
    x->errlen = saved_len;
    if (rc < 0 && saved && saved_len)
        snprintf(saved, saved_len, "%s", msg);
    return rc;
}

/* ----------------------------------------------------------------- SOA */

/* Mesos-DNS: SOARname gets '@' replaced by '.'; both get their trailing
 * dots trimmed and one added. The result must be a usable DNS name. */
static int soa_name(cfg_ctx_t *x, enum cfg_key id, char **field)
{
    char *s = *field;
    if (id == KEY_SOA_RNAME)
        for (char *p = s; *p; p++)
            if (*p == '@')
                *p = '.';
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '.')
        n--;
    bool ok = n > 0 && n <= 253;
    size_t label = 0;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '.')
            ok = label > 0, label = 0;
        else
            ok = ch > 0x20 && ch < 0x7f && ch != '\\' && ++label <= 63;
    }
    if (!ok)
        return cfg_fail(x, "\"%s\": \"%s\" is not a valid DNS name", cfg_kname(x, id), *field);
    char *out = malloc(n + 2);
    if (!out)
        return cfg_oom(x);
    memcpy(out, s, n);
    out[n] = '.';
    out[n + 1] = '\0';
    free(*field);
    *field = out;
    return 0;
}

/* ---------------------------------------------------------- TLS, auth */

static int check_tls_auth(cfg_ctx_t *x)
{
    config_t *c = x->c;
    if (!c->cert_file[0] != !c->key_file[0])
        return cfg_fail(x, "\"%s\" and \"%s\" go together: %s is missing",
                        cfg_kname(x, KEY_CERT_FILE), cfg_kname(x, KEY_KEY_FILE),
                        c->cert_file[0] ? "the key file" : "the certificate file");
    const char *auth = c->mesos_authentication;
    const char *key = cfg_kname(x, KEY_MESOS_AUTHENTICATION);
    if (strcmp(auth, "basic") == 0) {
        if (!c->mesos_principal[0] || !c->mesos_secret[0])
            return cfg_fail(x, "\"%s\": \"basic\" needs \"%s\" with a principal and a secret", key,
                            cfg_kname(x, KEY_MESOS_CREDENTIALS));
    } else if (strcmp(auth, "iam") == 0) {
        if (!c->iam_config_file[0])
            return cfg_fail(x, "\"%s\": \"iam\" needs \"%s\"", key,
                            cfg_kname(x, KEY_IAM_CONFIG_FILE));
    } else if (auth[0]) {
        return cfg_fail(x, "\"%s\": \"%s\" is not one of \"\", \"basic\", \"iam\"", key, auth);
    } else {
        /* Mesos-DNS warns about these too: probably not intended. */
        if (c->mesos_principal[0])
            log_warn("config: \"mesosCredentials\" is set but \"mesosAuthentication\" is "
                     "empty: no authentication is used");
        if (c->iam_config_file[0])
            log_warn("config: \"IAMConfigFile\" is set but \"mesosAuthentication\" is "
                     "empty: no authentication is used");
    }
    if (c->mesos_tls_skip_verify && c->mesos_https_on)
        log_warn("config: \"mesosTLSSkipVerify\" is true: the master's TLS certificate is not "
                 "verified");
    return 0;
}

/* ------------------------------------------------------------------ zk */

/* One "host[:port]" of a zk URL, appended normalised to `out`. */
static int zk_host(const char *h, size_t len, char *out, size_t outlen)
{
    char item[300], host[256];
    const char *port = "2181";
    if (len == 0 || len >= sizeof item)
        return -EINVAL;
    memcpy(item, h, len);
    item[len] = '\0';
    if (item[0] == '[' && item[len - 1] == ']') { /* "[::1]": IPv6 without a port */
        memcpy(host, item + 1, len - 2);
        host[len - 2] = '\0';
    } else if (strchr(item, ':')) {
        if (netaddr_split_hostport(item, host, sizeof host, &port) < 0)
            return -EINVAL;
    } else {
        memcpy(host, item, len + 1);
    }
    uint16_t p;
    int fam;
    uint8_t addr[16];
    if (netaddr_parse_port(port, &p) < 0)
        return -EINVAL;
    bool v6 = netaddr_parse_ip(host, &fam, addr) == 0 && fam == AF_INET6;
    if (!v6 && !netaddr_valid_hostname(host))
        return -EINVAL;
    size_t used = strlen(out);
    snprintf(out + used, outlen - used, "%s%s%s%s:%u", used ? "," : "", v6 ? "[" : "", host,
             v6 ? "]" : "", (unsigned)p);
    return 0;
}

/* ZooKeeper node path: "/a/b", no empty, "." or ".." components, no
 * whitespace or control characters. */
static bool valid_zk_path(const char *path)
{
    const char *p = path;
    while (*p == '/') {
        const char *e = strchr(p + 1, '/');
        size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
        if (n == 0 || (n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
            return false;
        for (size_t i = 1; i <= n; i++)
            if ((unsigned char)p[i] <= 0x20 || p[i] == 0x7f)
                return false;
        if (!e)
            return true;
        p = e;
    }
    return false;
}

/* zk://[user:password@]host[:port][,host[:port]...]/path, as Mesos takes
 * it; the port defaults to 2181. Fills zk_hosts, zk_path and zk_auth. */
static int check_zk(cfg_ctx_t *x)
{
    config_t *c = x->c;
    const char *zk = c->zk;
    if (!zk[0])
        return 0;
    size_t n = strlen(zk);
    const char *slash = n > 5 && n < 4096 ? strchr(zk + 5, '/') : NULL;
    if (strncmp(zk, "zk://", 5) != 0 || !slash)
        goto bad;
    const char *hosts = zk + 5, *at = memrchr(hosts, '@', (size_t)(slash - hosts));
    if (at) {
        free(c->zk_auth);
        if (!(c->zk_auth = strndup(hosts, (size_t)(at - hosts))))
            return cfg_oom(x);
        hosts = at + 1;
    }
    /* Each item grows by at most 7 bytes (":2181" and a comma). */
    size_t cap = 4 * n + 16;
    char *list = calloc(1, cap);
    if (!list)
        return cfg_oom(x);
    free(c->zk_hosts);
    c->zk_hosts = list;
    for (const char *h = hosts; h < slash;) {
        const char *e = memchr(h, ',', (size_t)(slash - h));
        if (!e)
            e = slash;
        if (zk_host(h, (size_t)(e - h), list, cap) < 0 || (e + 1 == slash))
            goto bad; /* a bad host or a trailing comma */
        h = e + 1;
    }
    size_t pl = strlen(slash);
    while (pl > 1 && slash[pl - 1] == '/')
        pl--;
    free(c->zk_path);
    if (!(c->zk_path = strndup(slash, pl)))
        return cfg_oom(x);
    if (!list[0] || !valid_zk_path(c->zk_path))
        goto bad;
    return 0;
bad:
    return cfg_fail(x,
                    "\"%s\": \"%s\" is not a ZooKeeper URL like zk://host1:2181,host2:2181/mesos",
                    cfg_kname(x, KEY_ZK), zk);
}

/* ------------------------------------------------- listeners and ACLs */

static int check_listen_addrs(cfg_ctx_t *x)
{
    config_t *c = x->c;
    int fam;
    uint8_t addr[16];
    if (netaddr_parse_ip(c->listener, &fam, addr) < 0)
        return cfg_fail(x, "\"%s\": \"%s\" is not an IP address", cfg_kname(x, KEY_LISTENER),
                        c->listener);
    if (netaddr_parse_ip(c->http_listener, &fam, addr) < 0)
        return cfg_fail(x, "\"%s\": \"%s\" is not an IP address", cfg_kname(x, KEY_HTTP_LISTENER),
                        c->http_listener);
    cfg_strlist_t *l = &x->lists[KEY_LISTENERS];
    const char *key = cfg_kname(x, KEY_LISTENERS);
    if (l->n && !(c->listeners = calloc(l->n, sizeof *c->listeners)))
        return cfg_oom(x);
    for (size_t i = 0; i < l->n; i++) {
        char ip[NETADDR_IPSTRLEN];
        if (netaddr_parse_ip(l->v[i], &fam, addr) < 0)
            return cfg_fail(x, "\"%s\"[%zu]: \"%s\" is not an IP address", key, i, l->v[i]);
        netaddr_ip_text(fam, addr, ip, sizeof ip);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->listeners[j], ip) == 0)
                return cfg_fail(x, "\"%s\": \"%s\" is listed twice", key, l->v[i]);
        if (!(c->listeners[i] = strdup(ip)))
            return cfg_oom(x);
        c->n_listeners = i + 1;
    }
    return 0;
}

static int check_acl(cfg_ctx_t *x, enum cfg_key id, config_net_t **nets, size_t *n)
{
    cfg_strlist_t *l = &x->lists[id];
    if (!l->seen)
        return 0;
    config_net_t *a = l->n ? calloc(l->n, sizeof *a) : NULL;
    if (l->n && !a)
        return cfg_oom(x);
    for (size_t i = 0; i < l->n; i++)
        if (netaddr_parse_cidr(l->v[i], &a[i].family, a[i].addr, &a[i].prefix) < 0) {
            free(a);
            return cfg_fail(x, "\"%s\"[%zu]: \"%s\" is not an IP network like 10.0.0.0/8",
                            cfg_kname(x, id), i, l->v[i]);
        }
    free(*nets);
    *nets = a;
    *n = l->n;
    return 0;
}

/* --------------------------------------------------- mesos-dnsd keys */

static int check_cluster_id(cfg_ctx_t *x)
{
    config_t *c = x->c;
    char *id = c->dcos_cluster_id;
    const char *key = cfg_kname(x, KEY_DCOS_CLUSTER_ID);
    size_t n = strlen(id);
    lower(id);
    if (c->dcos_cluster_id_from_zk && !c->zk[0])
        return cfg_fail(x, "\"%s\" needs \"zk\"", cfg_kname(x, KEY_DCOS_CLUSTER_ID_FROM_ZK));
    if (n && c->dcos_cluster_id_from_zk)
        return cfg_fail(x, "\"%s\" and \"%s\" exclude each other", key,
                        cfg_kname(x, KEY_DCOS_CLUSTER_ID_FROM_ZK));
    bool ok = n <= 63 && (n == 0 || (id[0] != '-' && id[n - 1] != '-'));
    for (size_t i = 0; ok && i < n; i++)
        ok = (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-';
    if (!ok)
        return cfg_fail(x, "\"%s\": \"%s\" is not a DNS label (1-63 of a-z, 0-9, -)", key, id);
    return 0;
}

static int check_own(cfg_ctx_t *x)
{
    config_t *c = x->c;
    int rc = check_cluster_id(x);
    if (rc < 0)
        return rc;
    /* CH TXT answers carry one character-string: at most 255 octets. */
    if (strlen(c->version_bind) > 255)
        return cfg_fail(x, "\"%s\" is longer than 255 characters", cfg_kname(x, KEY_VERSION_BIND));
    if (strlen(c->identity) > 255)
        return cfg_fail(x, "\"%s\" is longer than 255 characters", cfg_kname(x, KEY_IDENTITY));
    if (strlen(c->user) > 64 || strpbrk(c->user, ":/ \t\n"))
        return cfg_fail(x, "\"%s\": \"%s\" is not a user name", cfg_kname(x, KEY_USER), c->user);
    if (c->ready_max_age == 0) {
        long long age = 3LL * c->refresh_seconds;
        c->ready_max_age = age > 0x7fffffff ? 0x7fffffff : (int)age;
    }
    return 0;
}

int cfg_check_all(cfg_ctx_t *x)
{
    int rc;
    if ((rc = check_domain(x)) < 0 || (rc = check_services(x)) < 0 || (rc = check_masters(x)) < 0 ||
        (rc = check_ip_sources(x)) < 0 || (rc = check_forwarding(x)) < 0 ||
        (rc = soa_name(x, KEY_SOA_MNAME, &x->c->soa_mname)) < 0 ||
        (rc = soa_name(x, KEY_SOA_RNAME, &x->c->soa_rname)) < 0 || (rc = check_tls_auth(x)) < 0 ||
        (rc = check_zk(x)) < 0 || (rc = check_listen_addrs(x)) < 0 ||
        (rc = check_acl(x, KEY_ALLOW_RECURSION, &x->c->allow_recursion, &x->c->n_allow_recursion)) <
            0 ||
        (rc = check_acl(x, KEY_ALLOW_TRANSFER, &x->c->allow_transfer, &x->c->n_allow_transfer)) <
            0 ||
        (rc = check_also_notify(x)) < 0 || (rc = check_own(x)) < 0)
        return rc;
    return 0;
}
