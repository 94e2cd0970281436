/* config: config.json with Mesos-DNS's keys, defaults and decoding rules
 * (compat spec §2), plus mesos-dnsd's own keys (camelCase). docs/config.md
 * documents every key; keep it in step with this module.
 *
 * Decoding follows Go's encoding/json as Mesos-DNS uses it: keys match
 * case-insensitively (when one key is given twice, in any case, the last
 * wins), unknown keys are ignored with a warning naming them, an absent key
 * or a `null` scalar keeps the default, `null` for a list means an empty
 * list, a value of the wrong type is an error naming the key.
 *
 * A config is read once at start-up and then only read; it is immutable and
 * may be shared by all threads. Strings and arrays are owned by the config
 * and freed by config_free(). After a successful parse every string field is
 * non-NULL ("" when unset) except `file` and `state_file`. */
#ifndef MDNS_CONFIG_H
#define MDNS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discovery/model.h"

/* An upstream DNS server (resolvers, zoneResolvers); family AF_INET or
 * AF_INET6 (IPv4-mapped IPv6 is stored as AF_INET). */
typedef struct config_addr {
    int family;
    uint8_t addr[16];
    uint16_t port;
    char text[64]; /* normalised "1.2.3.4:53" or "[::1]:53" */
    char raw[64];  /* as written in config.json (shown by /v1/config) */
} config_addr_t;

/* An IP network "10.0.0.0/8" (allowRecursion, allowTransfer); host bits
 * are zero. Match client addresses with netaddr_net_contains(). */
typedef struct config_net {
    int family;
    uint8_t addr[16];
    uint8_t prefix;
} config_net_t;

/* Default of stateMaxBytes: 1 GiB, ~9 times a 100,000-task state. */
#define CONFIG_STATE_MAX_BYTES (1u << 30)

typedef struct config_zone_resolver {
    char *zone; /* lowercase, no trailing dot */
    config_addr_t *servers;
    size_t n_servers;
} config_zone_resolver_t;

typedef struct config {
    /* --- Mesos-DNS keys (spec §2) --- */
    char *zk;                 /* "" when unused; as written */
    char *zk_hosts;           /* from zk: "h1:2181,h2:2181" (port 2181 added when absent) */
    char *zk_path;            /* from zk: "/mesos" (no trailing slash) */
    char *zk_auth;            /* from zk: "user:password" before '@', or "" */
    int zk_detection_timeout; /* seconds, 0 = wait forever */
    char **masters;           /* "host:port" as written (checked, no duplicates) */
    size_t n_masters;
    bool masters_nil;          /* absent or null: /v1/config shows null (Go nil) */
    int refresh_seconds;       /* > 0 */
    int state_timeout_seconds; /* > 0 */
    uint32_t ttl;              /* 0 .. 2^31-1 */
    char *domain;              /* lowercase, no trailing dot */
    int port;                  /* DNS port, 0..65535 (0: kernel picks) */
    char *listener;            /* IP literal; "0.0.0.0" = every address */
    char *http_listener;       /* IP literal */
    int http_port;
    bool dns_on, http_on, external_on, recurse_on;
    /* resolvers and zoneResolvers are only checked when external_on (as in
     * Mesos-DNS); with external_on false a bad list is warned and emptied. */
    config_addr_t *resolvers; /* normalised; port 53 when absent; may be empty */
    size_t n_resolvers;
    bool resolvers_nil;
    config_zone_resolver_t *zone_resolvers; /* sorted by zone */
    size_t n_zone_resolvers;
    bool zone_resolvers_nil;
    int timeout;         /* upstream exchange, seconds; 0 = 2 s (miekg/dns default) */
    char *soa_mname;     /* with trailing dot */
    char *soa_rname;     /* '@' turned into '.', with trailing dot */
    uint32_t soa_serial; /* start-up time, as Mesos-DNS (shown by /v1/config) */
    uint32_t soa_refresh, soa_retry, soa_expire, soa_minttl;
    uint16_t srv_weight;
    enum model_ipsrc ip_sources[IPSRC_COUNT];
    size_t n_ip_sources; /* >= 1 */
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
    uint32_t state_max_bytes;   /* stateMaxBytes: decoded state document, 1 MiB..4 GiB-1 */
    int edns_max_payload;       /* ednsMaxPayload: 512..4096 (default 1232) */
    int workers;                /* dnsWorkers: DNS threads, 0..1024 (0 = one per core) */
    char **listeners;           /* listeners: extra DNS bind IPs, canonical text */
    size_t n_listeners;
    config_net_t *allow_recursion; /* allowRecursion (default loopback + private) */
    size_t n_allow_recursion;
    config_net_t *allow_transfer; /* allowTransfer (default loopback) */
    size_t n_allow_transfer;
    config_addr_t
        *also_notify; /* alsoNotify: secondaries sent NOTIFY on change (port 53 unless given) */
    size_t n_also_notify;
    char *identity;               /* identity: id.server / hostname.bind ("" = hostname) */
    char *version_bind;           /* versionBind: "" hides version.bind */
    char *dcos_cluster_id;        /* dcosClusterId: lowercase label, "" = none */
    bool dcos_cluster_id_from_zk; /* dcosClusterIdFromZk: read /navstar_key */
    int ready_max_age;            /* readyMaxAgeSeconds for /readyz (default 3*refresh) */
    char *user;                   /* user: drop privileges after binding ("" = stay) */

    /* --- from the command line, not the file --- */
    char *file;       /* absolute path the config was read from, or NULL */
    char *state_file; /* --state-file: serve a fixed state document, or NULL */
} config_t;

/* Fill `c` with every default of spec §2 (its previous contents are not
 * freed). Returns 0 or -ENOMEM (then `c` holds nothing to free). */
int config_defaults(config_t *c);

/* Parse a config document (JSON text, `len` bytes) into `c`, which it
 * initialises with the defaults first (previous contents are not freed).
 * Unknown keys are warned by name through log_warn; wrong types and invalid
 * values are fatal. Returns 0, or -EINVAL (message naming the key written
 * into `err`, which may be NULL) or -ENOMEM; on failure `c` is left zeroed
 * (config_free on it is a no-op). Pure: no file or network access. */
int config_parse(config_t *c, const char *json, size_t len, char *err, size_t errlen);

/* Read and parse a file: a leading "~/" expands to $HOME, `file` becomes the
 * absolute path. -ENOENT/-EACCES/-EISDIR/-EFBIG when unreadable, otherwise
 * as config_parse; the message starts with the path. */
int config_load(config_t *c, const char *path, char *err, size_t errlen);

/* Checks against the environment and the command line, after config_parse
 * and after `state_file` is set: masters or zk required unless state_file;
 * CACertFile, CertFile, KeyFile, IAMConfigFile (when used) and state_file
 * readable; `user` exists. 0 or -EINVAL with a message. */
int config_validate(const config_t *c, char *err, size_t errlen);

/* The effective config as Mesos-DNS's /v1/config JSON (spec §8): exactly
 * Mesos-DNS's keys in its order, json.MarshalIndent(v, "", " ") format, no
 * trailing newline, the mesosCredentials secret redacted ("******" when
 * set). Returns a malloc'd NUL-terminated string, NULL on -ENOMEM. */
char *config_to_json(const config_t *c);

/* As config_to_json, followed by mesos-dnsd's own keys under their
 * config.json names (for --check-config). */
char *config_to_json_full(const config_t *c);

/* Release everything `c` owns and zero it. NULL-safe. */
void config_free(config_t *c);

#endif
