#include "config/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int netaddr_parse_ip(const char *s, int *family, uint8_t addr[16])
{
    uint8_t b[16];
    if (inet_pton(AF_INET, s, b) == 1) {
        memset(addr, 0, 16);
        memcpy(addr, b, 4);
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, b) != 1)
        return -EINVAL;
    memset(addr, 0, 16);
    if (memcmp(b, v4mapped_prefix, sizeof v4mapped_prefix) == 0) {
        memcpy(addr, b + 12, 4);
        *family = AF_INET;
    } else {
        memcpy(addr, b, 16);
        *family = AF_INET6;
    }
    return 0;
}

/* IPv6 text as Go's net.IP.String(): RFC 5952, the longest run (first on a
 * tie) of two or more zero groups becomes "::", hex in lowercase. */
static size_t ip6_text(const uint8_t *a, char *out)
{
    unsigned g[8];
    int best = -1, blen = 0;
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > blen && j - i >= 2)
            best = i, blen = j - i;
        i = j > i ? j : i + 1;
    }
    size_t o = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out[o++] = ':';
            out[o++] = ':';
            i += blen - 1;
            continue;
        }
        if (i > 0 && i != best + blen)
            out[o++] = ':';
        o += (size_t)sprintf(out + o, "%x", g[i]);
    }
    out[o] = '\0';
    return o;
}

void netaddr_ip_text(int family, const uint8_t *addr, char *out, size_t outlen)
{
    char t[NETADDR_IPSTRLEN];
    if (family == AF_INET)
        snprintf(t, sizeof t, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
    else
        ip6_text(addr, t);
    if (outlen)
        snprintf(out, outlen, "%s", t);
}

int netaddr_split_hostport(const char *s, char *host, size_t hostlen, const char **port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -EINVAL; /* missing port */
    const char *h = s, *hend = colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close + 1 != colon)
            return -EINVAL; /* "[::1]x:53", "[::1]" or unclosed */
        h = s + 1;
        hend = close;
        if (memchr(h, '[', (size_t)(hend - h)))
            return -EINVAL;
    } else {
        /* Only one colon allowed outside brackets (Go: "too many colons"). */
        if (memchr(s, ':', (size_t)(colon - s)))
            return -EINVAL;
        if (memchr(s, '[', (size_t)(colon - s)) || memchr(s, ']', (size_t)(colon - s)))
            return -EINVAL;
    }
    if (strchr(colon + 1, '[') || strchr(colon + 1, ']'))
        return -EINVAL;
    size_t n = (size_t)(hend - h);
    if (n + 1 > hostlen)
        return -ERANGE;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = colon + 1;
    return 0;
}

int netaddr_parse_port(const char *s, uint16_t *port)
{
    size_t n = strlen(s);
    if (n == 0 || n > 10)
        return -EINVAL;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -EINVAL;
    *port = (uint16_t)v;
    return 0;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

bool netaddr_valid_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (!host_char(s[i]) || ++label > 63) {
            return false;
        }
    }
    return label > 0;
}

int netaddr_parse_cidr(const char *s, int *family, uint8_t addr[16], uint8_t *prefix)
{
    char ip[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n >= sizeof ip)
        return -EINVAL;
    memcpy(ip, s, n);
    ip[n] = '\0';
    if (netaddr_parse_ip(ip, family, addr) < 0)
        return -EINVAL;
    bool mapped = *family == AF_INET && strchr(ip, ':');
    unsigned max = *family == AF_INET && !mapped ? 32 : 128;
    unsigned p = max;
    if (slash) {
        const char *d = slash + 1;
        size_t dn = strlen(d);
        if (dn == 0 || dn > 3)
            return -EINVAL;
        p = 0;
        for (size_t i = 0; i < dn; i++) {
            if (d[i] < '0' || d[i] > '9')
                return -EINVAL;
            p = p * 10 + (unsigned)(d[i] - '0');
        }
        if (p > max)
            return -EINVAL;
    }
    /* An IPv4-mapped network keeps only its IPv4 part (::ffff:0:0/96). */
    if (mapped) {
        if (p < 96)
            return -EINVAL;
        p -= 96;
        max = 32;
    }
    for (unsigned bit = p; bit < max; bit++)
        addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    *prefix = (uint8_t)p;
    return 0;
}

void netaddr_cidr_text(int family, const uint8_t *addr, uint8_t prefix, char *out, size_t outlen)
{
    char ip[NETADDR_IPSTRLEN];
    netaddr_ip_text(family, addr, ip, sizeof ip);
    snprintf(out, outlen, "%s/%u", ip, (unsigned)prefix);
}

bool netaddr_net_contains(int net_family, const uint8_t *net_addr, uint8_t prefix, int family,
                          const uint8_t *addr)
{
    if (family == AF_INET6 && net_family == AF_INET &&
        memcmp(addr, v4mapped_prefix, sizeof v4mapped_prefix) == 0) {
        addr += 12;
        family = AF_INET;
    }
    if (family != net_family)
        return false;
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(net_addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (net_addr[full] & mask) == (addr[full] & mask);
}

socklen_t netaddr_sockaddr(int family, const uint8_t *addr, uint16_t port, uint32_t scope,
                           struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, addr, 16);
        s6->sin6_scope_id = scope;
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    memcpy(&s4->sin_addr, addr, 4);
    return sizeof *s4;
}

static bool skipped(const netaddr_ip_t *ip, unsigned skip)
{
    const uint8_t *a = ip->addr;
    if (ip->family == AF_INET)
        return ((skip & NETADDR_SKIP_LOOPBACK) && a[0] == 127) ||
               ((skip & NETADDR_SKIP_LINKLOCAL) && a[0] == 169 && a[1] == 254);
    static const uint8_t loop6[16] = {[15] = 1};
    return ((skip & NETADDR_SKIP_LOOPBACK) && memcmp(a, loop6, 16) == 0) ||
           ((skip & NETADDR_SKIP_LINKLOCAL) && a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* The address of an interface entry, or false for other families. */
static bool entry_ip(const struct ifaddrs *i, netaddr_ip_t *ip)
{
    const struct sockaddr *sa = i->ifa_addr;
    if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return false;
    *ip = (netaddr_ip_t){.family = sa->sa_family};
    if (sa->sa_family == AF_INET)
        memcpy(ip->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    else
        memcpy(ip->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    return true;
}

int netaddr_is_local(int family, const uint8_t *addr)
{
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0)
        return -errno;
    int found = 0;
    netaddr_ip_t ip;
    for (const struct ifaddrs *i = ifs; i && !found; i = i->ifa_next)
        found = entry_ip(i, &ip) && ip.family == family &&
                memcmp(ip.addr, addr, family == AF_INET ? 4 : 16) == 0;
    freeifaddrs(ifs);
    return found;
}

int netaddr_local_addrs(netaddr_ip_t *out, size_t max, unsigned skip)
{
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0)
        return -errno;
    size_t n = 0;
    netaddr_ip_t ip;
    for (const struct ifaddrs *i = ifs; i && n < max; i = i->ifa_next)
        if (entry_ip(i, &ip) && !skipped(&ip, skip))
            out[n++] = ip;
    freeifaddrs(ifs);
    return (int)n;
}
