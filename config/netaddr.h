/* netaddr: parsing of IP literals, "host:port" pairs, host names and CIDR
 * networks as they appear in config.json, with Go's net package rules where
 * Mesos-DNS relies on them (net.ParseIP, net.SplitHostPort).
 *
 * Pure functions on caller-provided buffers: no allocation, no name
 * resolution, reentrant and thread-safe; netaddr_local_addrs() and
 * netaddr_is_local() alone ask the kernel (getifaddrs). */
#ifndef MDNS_NETADDR_H
#define MDNS_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest canonical text of an IP ("[v6]:65535" fits with room). */
#define NETADDR_IPSTRLEN 48

/* Parse an IP literal: dotted-quad IPv4 (no leading zeros) or IPv6 (no
 * brackets, no "%zone"). An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is
 * returned as AF_INET, as Go's net.IP.String() shows it. Writes *family
 * (AF_INET or AF_INET6) and 4 or 16 bytes of `addr`. 0 or -EINVAL. */
int netaddr_parse_ip(const char *s, int *family, uint8_t addr[16]);

/* Canonical text of an address ("10.0.0.1", "2001:db8::1"), NUL-terminated
 * in `out` (`outlen` >= NETADDR_IPSTRLEN), exactly as Go's net.IP.String()
 * writes it (RFC 5952: the longest run of two or more zero groups, the
 * first on a tie, becomes "::"; no dotted IPv4 tail, unlike inet_ntop's
 * "::0.2.0.3"), so every endpoint shows an address the same way. */
void netaddr_ip_text(int family, const uint8_t *addr, char *out, size_t outlen);

/* Split "host:port" like Go's net.SplitHostPort: an IPv6 host must be in
 * brackets ("[::1]:53"), a host with a colon outside brackets is rejected.
 * The host is copied without brackets into `host` (`hostlen` bytes, may be
 * empty); *port points at the port text inside `s` (not checked here).
 * 0, -EINVAL (syntax: missing port, too many colons, stray brackets) or
 * -ERANGE (host longer than hostlen - 1). */
int netaddr_split_hostport(const char *s, char *host, size_t hostlen, const char **port);

/* Port number text: 1-10 decimal digits (leading zeros allowed), value
 * 1..65535. 0 or -EINVAL. */
int netaddr_parse_port(const char *s, uint16_t *port);

/* A host name: 1..253 characters, dot-separated labels of 1..63 characters
 * from [A-Za-z0-9_-], one optional trailing dot. IP literals pass too. */
bool netaddr_valid_hostname(const char *s);

/* Parse "IP" or "IP/prefix" (an IP alone means /32 or /128). Host bits are
 * cleared ("10.1.2.3/8" is 10.0.0.0/8, as Go's net.ParseCIDR). 0 or
 * -EINVAL. */
int netaddr_parse_cidr(const char *s, int *family, uint8_t addr[16], uint8_t *prefix);

/* "10.0.0.0/8" text of a network (`outlen` >= NETADDR_IPSTRLEN + 4). */
void netaddr_cidr_text(int family, const uint8_t *addr, uint8_t prefix, char *out, size_t outlen);

/* True when the address (`family`, `addr`) lies in the network. An IPv4-
 * mapped IPv6 address (what a dual-stack socket reports for an IPv4 peer)
 * matches IPv4 networks. */
bool netaddr_net_contains(int net_family, const uint8_t *net_addr, uint8_t prefix, int family,
                          const uint8_t *addr);

/* The socket address for (`family`, `addr`, `port`; `scope` for IPv6
 * link-local, else 0) in *ss; returns its length. Any family other than
 * AF_INET6 is taken as AF_INET. */
socklen_t netaddr_sockaddr(int family, const uint8_t *addr, uint16_t port, uint32_t scope,
                           struct sockaddr_storage *ss);

typedef struct netaddr_ip {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
} netaddr_ip_t;

/* Leave out loopback (127/8, ::1), resp. link-local (169.254/16, fe80::/10). */
#define NETADDR_SKIP_LOOPBACK  1u
#define NETADDR_SKIP_LINKLOCAL 2u

/* This host's interface addresses, IPv4 and IPv6, in interface order,
 * without those `skip` names; at most `max` (more are left out). Returns
 * how many were written, or -errno when getifaddrs fails. */
int netaddr_local_addrs(netaddr_ip_t *out, size_t max, unsigned skip);

/* 1 when (`family`, `addr`) is an address of one of this host's
 * interfaces (all of them, however many), 0 when not, -errno when
 * getifaddrs fails. */
int netaddr_is_local(int family, const uint8_t *addr);

#endif
