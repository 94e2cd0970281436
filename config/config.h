/* config: config.json with Mesos-DNS's keys, defaults and decoding rules
 * (compat spec §2), plus mesos-dnsd's own keys (camelCase, see README.md).
 *
 * A config is read once at start-up and then only read; it is immutable and
 * may be shared by all threads. Strings and arrays are owned by the config
 * and freed by config_free(). */
#ifndef MDNS_CONFIG_H
#define MDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discovery/model.h"

/* An IP endpoint (resolver, listener); family AF_INET or AF_INET6. */
typedef struct config_addr {
    int family;
    uint8_t addr[16];
    uint16_t port;
    char text[64]; /* normalised "1.2.3.4:53" or "[::1]:53" */
} config_addr_t;

/* An IP network "10.0.0.0/8" (allowRecursion, allowTransfer). */
typedef struct config_net {
    int family;
    uint8_t addr[16];
    uint8_t prefix;
} config_net_t;

typedef struct config_zone_resolver {
    char *zone; /* lowercase, no trailing dot */
    config_addr_t *servers;
    size_t n_servers;
} config_zone_resolver_t;

typedef struct config {
    /* --- Mesos-DNS keys (spec §2) --- */
    char *zk;                   /* "" when unused */
    int zk_detection_timeout;   /* seconds */
    char **masters;             /* "host:port" as written */
    size_t n_masters;
    int refresh_seconds;
    int state_timeout_seconds;
    uint32_t ttl;
    char *domain;               /* lowercase, no trailing dot */
    int port;
    char *listener;
    char *http_listener;
    int http_port;
    bool dns_on, http_on, external_on, recurse_on;
    config_addr_t *resolvers;   /* normalised; port 53 when absent */
    size_t n_resolvers;
    config_zone_resolver_t *zone_resolvers;
    size_t n_zone_resolvers;
    int timeout;                /* upstream exchange, seconds */
    char *soa_mname;            /* with trailing dot */
    char *soa_rname;            /* '@' turned into '.', with trailing dot */
    uint32_t soa_refresh, soa_retry, soa_expire, soa_minttl;
    uint16_t srv_weight;
    enum model_ipsrc ip_sources[IPSRC_COUNT];
    size_t n_ip_sources;
    bool enforce_rfc952;
    bool set_truncate_bit;
    bool enumeration_on;
    bool mesos_https_on;
    char *ca_cert_file, *cert_file, *key_file;
    char *mesos_authentication; /* "", "basic" or "iam" */
    char *mesos_principal, *mesos_secret;
    char *iam_config_file;

    /* --- mesos-dnsd keys --- */
    bool legacy_raw_names;      /* legacyRawNames: the raw DiscoveryInfo twin (default true) */
    bool mesos_tls_skip_verify; /* mesosTLSSkipVerify (default false) */
    int edns_max_payload;       /* ednsMaxPayload (default 1232) */
    int workers;                /* dnsWorkers: DNS threads (0 = one per core) */
    char **listeners;           /* listeners: extra DNS bind addresses */
    size_t n_listeners;
    config_net_t *allow_recursion; /* allowRecursion (default loopback + private) */
    size_t n_allow_recursion;
    config_net_t *allow_transfer;  /* allowTransfer (default loopback) */
    size_t n_allow_transfer;
    char *identity;             /* identity: id.server / hostname.bind ("" = hostname) */
    char *version_bind;         /* versionBind: "" hides version.bind */
    char *dcos_cluster_id;      /* dcosClusterId: literal label, "" = none */
    bool dcos_cluster_id_from_zk; /* dcosClusterIdFromZk: read /navstar_key */
    int ready_max_age;          /* readyMaxAgeSeconds for /readyz (default 3*refresh) */
    char *user;                 /* user: drop privileges after binding ("" = stay) */

    /* --- from the command line, not the file --- */
    char *file;                 /* path the config was read from */
    char *state_file;           /* --state-file: serve a fixed state document */
} config_t;

/* Fill `c` with every default of spec §2. Returns 0 or -ENOMEM. */
int config_defaults(config_t *c);

/* Parse a config document (JSON text) into `c` (which it initialises with the
 * defaults first). Unknown keys are warned by name through log_warn; wrong
 * types and invalid values are fatal. On failure returns -EINVAL and writes a
 * one-line message naming the key into `err` (may be NULL). */
int config_parse(config_t *c, const char *json, size_t len, char *err, size_t errlen);

/* Read and parse a file ("~/" expands to $HOME). -ENOENT/-EACCES when
 * unreadable, otherwise as config_parse. */
int config_load(config_t *c, const char *path, char *err, size_t errlen);

/* Cross-field checks that need the command line too (masters or zk required
 * unless state_file is set). 0 or -EINVAL with a message. */
int config_validate(const config_t *c, char *err, size_t errlen);

/* The effective config as Mesos-DNS's /v1/config JSON (spec §8), secret
 * redacted. Returns a malloc'd NUL-terminated string, NULL on -ENOMEM. */
char *config_to_json(const config_t *c);

/* Release everything `c` owns and zero it. NULL-safe. */
void config_free(config_t *c);

#endif
