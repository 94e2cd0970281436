/* resolvconf: the default upstreams of forwarding when config `resolvers` is
 * empty (compat spec §2): the nameservers of resolv.conf minus this host.
 *
 * Excluded, exactly:
 *  - every address of this host's interfaces (getifaddrs, IPv4 and IPv6,
 *    loopback included: 127.0.0.1, ::1), as Mesos-DNS does for IPv4;
 *  - any other loopback address (127/8, ::1) this daemon itself listens on:
 *    config `port` (or the port of a `listeners` entry) is 53 and the
 *    listener address is a wildcard (0.0.0.0, ::, "") or that very address.
 * Nameservers always use port 53 (resolv.conf has no port syntax).
 *
 * Thread-safety: all functions are reentrant. */
#ifndef MDNS_DNSD_RESOLVCONF_H
#define MDNS_DNSD_RESOLVCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define RESOLVCONF_MAX 16 /* nameservers kept (glibc uses 3; Mesos-DNS all) */

typedef struct resolvconf_ns {
    config_addr_t addr; /* port 53 */
    uint32_t scope_id;  /* interface index of an IPv6 link-local "fe80::1%eth0" */
} resolvconf_ns_t;

/* Parse resolv.conf text: `nameserver <IPv4|IPv6[%iface]>` lines; lines
 * starting with '#' or ';' and other keywords are ignored, so is anything
 * after the address; duplicates are dropped. Stores up to `max` entries in
 * `out` and returns how many; `*bad_line` (may be NULL) gets the number of
 * the first nameserver line whose address did not parse (0 when none). */
size_t resolvconf_parse(const char *text, size_t len, resolvconf_ns_t *out, size_t max,
                        unsigned *bad_line);

/* True when `a` is excluded for config `c` by the rules above. */
bool resolvconf_is_self(const config_t *c, const config_addr_t *a);

/* Read `path` (NULL = /etc/resolv.conf; the first 16 KiB) and store its
 * nameservers minus the excluded ones in `out` (up to `max`). Returns the
 * count; an unreadable file counts as no nameserver. Warns about bad lines,
 * an unreadable file and an empty result; logs each exclusion at info. */
size_t resolvconf_load(const config_t *c, const char *path, resolvconf_ns_t *out, size_t max);

#endif
