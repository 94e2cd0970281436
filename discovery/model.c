#include "discovery/model.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "config/netaddr.h"

model_t *model_ref(model_t *m)
{
    if (m)
        __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    return m;
}

void model_free(model_t **pm)
{
    if (!pm || !*pm)
        return;
    model_t *m = *pm;
    *pm = NULL;
    /* acq_rel: the last holder must see every write other holders made
     * before they dropped their reference. */
    if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        arena_t *a = m->arena; /* the model itself lives in its arena */
        arena_free(&a);
    }
}

int model_ip_parsen(const char *text, size_t len, model_ip_t *ip)
{
    char buf[64]; /* longer than any IPv6 text form (45) */
    if (!text || len == 0 || len >= sizeof buf || memchr(text, '\0', len))
        return -EINVAL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    memset(ip, 0, sizeof *ip);
    /* IPv4-mapped IPv6 comes back as IPv4, as Mesos-DNS (Go) shows it. */
    int family;
    if (netaddr_parse_ip(buf, &family, ip->addr) != 0)
        return -EINVAL;
    ip->family = (uint8_t)family;
    return 0;
}

int model_ip_parse(const char *text, model_ip_t *ip)
{
    return text ? model_ip_parsen(text, strlen(text), ip) : -EINVAL;
}

/* Decimal port 1..65535 of exactly `len` digits, at most 5 (a pid's port
 * as libprocess prints it; netaddr alone would take leading zeros beyond). */
static int parse_port(const char *s, size_t len, uint16_t *port)
{
    char text[6];
    if (len == 0 || len >= sizeof text || memchr(s, '\0', len))
        return -EINVAL;
    memcpy(text, s, len);
    text[len] = '\0';
    return netaddr_parse_port(text, port);
}

/* A host name or IPv4 literal as libprocess prints it: no separators of the
 * pid syntax, no spaces or control bytes. Names are resolved later (never
 * while parsing), so a name that does not resolve is not an error here. */
static int plain_host_ok(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '@' || c == ':' || c == '[' || c == ']' || c == '/')
            return 0;
    }
    return 1;
}

int model_parse_pid(arena_t *arena, const char *pid, const char **host, uint16_t *port)
{
    if (!pid)
        return -EINVAL;
    /* Mesos-DNS trims spaces around the pid before parsing it. */
    const char *s = pid, *e = pid + strlen(pid);
    while (s < e && *s == ' ')
        s++;
    while (e > s && e[-1] == ' ')
        e--;
    const char *at = memchr(s, '@', (size_t)(e - s));
    if (!at || memchr(at + 1, '@', (size_t)(e - at - 1)))
        return -EINVAL; /* exactly one '@' */
    const char *hp = at + 1, *h, *he, *colon;
    if (hp < e && *hp == '[') {
        /* "[v6]:port": the bracketed part must be an IPv6 literal. */
        h = hp + 1;
        he = memchr(h, ']', (size_t)(e - h));
        if (!he || he + 1 >= e || he[1] != ':')
            return -EINVAL;
        colon = he + 1;
        model_ip_t ip;
        if (model_ip_parsen(h, (size_t)(he - h), &ip) != 0 || ip.family != AF_INET6)
            return -EINVAL;
    } else {
        colon = memrchr(hp, ':', (size_t)(e - hp));
        if (!colon)
            return -EINVAL;
        h = hp;
        he = colon;
        if (!plain_host_ok(h, (size_t)(he - h)))
            return -EINVAL;
    }
    uint16_t p;
    if (parse_port(colon + 1, (size_t)(e - colon - 1), &p) != 0)
        return -EINVAL;
    char *copy = arena_strndup(arena, h, (size_t)(he - h));
    if (!copy)
        return -ENOMEM;
    *host = copy;
    *port = p;
    return 0;
}

static const char *skip_spaces(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* A decimal number 0..65535 at *ps; advances *ps. */
static int parse_u16(const char **ps, const char *e, uint16_t *out)
{
    const char *s = *ps;
    unsigned v = 0;
    size_t n = 0;
    while (s < e && *s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned)(*s - '0');
        if (v > 65535)
            return -EINVAL;
        s++;
        n++;
    }
    if (n == 0)
        return -EINVAL;
    *ps = s;
    *out = (uint16_t)v;
    return 0;
}

long model_parse_ports(const char *text, size_t len, model_port_range_t *out, size_t cap)
{
    const char *s = text, *e = text + len;
    s = skip_spaces(s, e);
    if (s == e)
        return 0; /* "" : no ports */
    if (*s++ != '[')
        return -EINVAL;
    long n = 0;
    s = skip_spaces(s, e);
    if (s < e && *s == ']') {
        s++;
        return skip_spaces(s, e) == e ? 0 : -EINVAL;
    }
    for (;;) {
        uint16_t b, end;
        s = skip_spaces(s, e);
        if (parse_u16(&s, e, &b) != 0)
            return -EINVAL;
        s = skip_spaces(s, e);
        end = b;
        if (s < e && *s == '-') {
            s = skip_spaces(s + 1, e);
            if (parse_u16(&s, e, &end) != 0 || end < b)
                return -EINVAL;
            s = skip_spaces(s, e);
        }
        if ((size_t)n < cap)
            out[n] = (model_port_range_t){b, end};
        n++;
        if (s < e && *s == ',') {
            s++;
            continue;
        }
        if (s < e && *s == ']')
            break;
        return -EINVAL;
    }
    return skip_spaces(s + 1, e) == e ? n : -EINVAL;
}
