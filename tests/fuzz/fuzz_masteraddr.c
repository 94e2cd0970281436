/* libFuzzer harness for the parsers that find a master: zk URLs, the
 * MasterInfo JSON of a json.info_ node, the choice among child names, and
 * "host:port" master addresses (and, for those that make a URL, the
 * redirect-target parser on that URL, which must agree on host and port).
 * The first byte picks the parser; results are checked for the properties
 * the callers rely on. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "discovery/fetch.h"
#include "discovery/zk.h"

static char *cstr(const uint8_t *d, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, d, n);
        s[n] = '\0';
    }
    return s;
}

/* The same host: as written, or the same address once curl normalised it
 * ("0" and "127.1" are IPv4 to curl; IPv6 comes out in canonical form). */
static int same_host(const char *a, const char *b)
{
    struct in_addr x, y;
    struct in6_addr u, v;
    if (strcasecmp(a, b) == 0)
        return 1;
    if (inet_aton(a, &x) && inet_aton(b, &y))
        return x.s_addr == y.s_addr;
    return inet_pton(AF_INET6, a, &u) == 1 && inet_pton(AF_INET6, b, &v) == 1 &&
           memcmp(&u, &v, sizeof u) == 0;
}

static void check_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0] % 4;
    data++;
    size--;
    char *s = cstr(data, size);
    if (!s)
        return 0;
    if (sel == 0) {
        zk_url_t u;
        if (zk_parse_url(s, &u) == 0) {
            if (u.path[0] != '/' || !u.hosts[0] || strchr(u.hosts, '/'))
                abort();
            check_printable(u.hosts);
            check_printable(u.path);
        }
    } else if (sel == 1) {
        char out[64];
        int n = zk_masterinfo_addr((const char *)data, size, out, sizeof out);
        if (n >= 0) {
            if ((size_t)n != strlen(out) || !strrchr(out, ':'))
                abort();
            check_printable(out);
        }
    } else if (sel == 2) {
        /* newline-separated child names */
        const char *kids[64];
        size_t k = 0;
        for (char *p = s, *nl; p && k < 64; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            kids[k++] = p;
        }
        int i = zk_pick_leader(kids, k);
        if (i >= (int)k || (i >= 0 && strncmp(kids[i], "json.info_", 10) != 0))
            abort();
    } else {
        char url[128];
        int n = fetch_master_url(s, size % 2, "/master/state", url, sizeof url);
        if (n >= 0) {
            if ((size_t)n != strlen(url) || strncmp(url, "http", 4) != 0)
                abort();
            check_printable(url);
            char host[256], host2[256], target[128];
            uint16_t port, port2;
            bool https;
            if (fetch_master_split(s, host, sizeof host, &port, NULL) != 0)
                abort(); /* it made a URL of it */
            /* Where a redirect to that URL leads: the same master (curl
             * may refuse some bracketed hosts we let through). */
            if (fetch_redirect_master(url, "/master/state", target, sizeof target, &https) == 0) {
                if (fetch_master_split(target, host2, sizeof host2, &port2, NULL) != 0 ||
                    port2 != port || !same_host(host, host2) ||
                    https != (strncmp(url, "https:", 6) == 0))
                    abort();
            }
        }
    }
    free(s);
    return 0;
}
