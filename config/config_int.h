/* config_int: internals shared by the files of the config module
 * (config.c decodes, config_check.c normalises and checks, config_io.c
 * loads files and writes JSON). Not for use outside config/. */
#ifndef MDNS_CONFIG_INT_H
#define MDNS_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum cfg_key {
    KEY_ZK,
    KEY_ZK_DETECTION_TIMEOUT,
    KEY_MASTERS,
    KEY_REFRESH_SECONDS,
    KEY_STATE_TIMEOUT_SECONDS,
    KEY_TTL,
    KEY_DOMAIN,
    KEY_PORT,
    KEY_LISTENER,
    KEY_HTTP_LISTENER,
    KEY_HTTP_PORT,
    KEY_DNS_ON,
    KEY_HTTP_ON,
    KEY_EXTERNAL_ON,
    KEY_RECURSE_ON,
    KEY_RESOLVERS,
    KEY_ZONE_RESOLVERS,
    KEY_TIMEOUT,
    KEY_SOA_MNAME,
    KEY_SOA_RNAME,
    KEY_SOA_SERIAL,
    KEY_SOA_REFRESH,
    KEY_SOA_RETRY,
    KEY_SOA_EXPIRE,
    KEY_SOA_MINTTL,
    KEY_SRV_WEIGHT,
    KEY_IP_SOURCES,
    KEY_ENFORCE_RFC952,
    KEY_SET_TRUNCATE_BIT,
    KEY_ENUMERATION_ON,
    KEY_MESOS_HTTPS_ON,
    KEY_CA_CERT_FILE,
    KEY_CERT_FILE,
    KEY_KEY_FILE,
    KEY_MESOS_AUTHENTICATION,
    KEY_MESOS_CREDENTIALS,
    KEY_IAM_CONFIG_FILE,
    KEY_FILE,
    /* mesos-dnsd's own */
    KEY_LEGACY_RAW_NAMES,
    KEY_MESOS_TLS_SKIP_VERIFY,
    KEY_STATE_MAX_BYTES,
    KEY_EDNS_MAX_PAYLOAD,
    KEY_DNS_WORKERS,
    KEY_LISTENERS,
    KEY_ALLOW_RECURSION,
    KEY_ALLOW_TRANSFER,
    KEY_ALSO_NOTIFY,
    KEY_IDENTITY,
    KEY_VERSION_BIND,
    KEY_DCOS_CLUSTER_ID,
    KEY_DCOS_CLUSTER_ID_FROM_ZK,
    KEY_READY_MAX_AGE,
    KEY_USER,
    KEY_COUNT
};

enum cfg_kind {
    K_BOOL,    /* bool field */
    K_INT,     /* integer field of `width` 'i' int, 'u' uint32_t, 'h' uint16_t */
    K_STR,     /* char * field */
    K_LIST,    /* [string], kept raw in cfg_ctx_t.lists until checked */
    K_ZONES,   /* zoneResolvers */
    K_CREDS,   /* mesosCredentials */
    K_IGNORED, /* a Mesos-DNS Config field it overwrites: type-checked only */
};

typedef struct cfg_keydef {
    const char *name; /* canonical spelling */
    enum cfg_kind kind;
    size_t off; /* offset in config_t */
    char width;
    int64_t min, max;
} cfg_keydef_t;

extern const cfg_keydef_t cfg_keys[KEY_COUNT];

typedef struct cfg_strlist {
    char **v;
    size_t n;
    bool nil;  /* JSON null */
    bool seen; /* the key was present */
} cfg_strlist_t;

typedef struct cfg_rawzone {
    char *zone;
    cfg_strlist_t servers;
} cfg_rawzone_t;

/* State of one parse. */
typedef struct cfg_ctx {
    config_t *c;
    char *err;
    size_t errlen;
    const char *prefix;             /* "config" or the file path */
    const char *written[KEY_COUNT]; /* keys as written (owned by the JSON tree) */
    cfg_strlist_t lists[KEY_COUNT]; /* K_LIST values */
    cfg_rawzone_t *zones;
    size_t n_zones;
    bool zones_nil, zones_seen;
} cfg_ctx_t;

/* Write "<prefix>: <message>" into the error buffer; return -EINVAL. */
int cfg_fail(cfg_ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same for out-of-memory; returns -ENOMEM. */
int cfg_oom(cfg_ctx_t *x);
/* The key as the file wrote it, else its canonical name. */
const char *cfg_kname(const cfg_ctx_t *x, enum cfg_key id);
/* Replace *dst by a copy of s. 0 or -ENOMEM. */
int cfg_set_str(char **dst, const char *s);
void cfg_strlist_free(cfg_strlist_t *l);

static inline char tolower_ascii(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* Parse + check with a message prefix (config_parse uses "config"). */
int cfg_parse_prefixed(config_t *c, const char *json, size_t len, const char *prefix, char *err,
                       size_t errlen);

/* config_check.c: normalise and check every value after decoding. */
int cfg_check_all(cfg_ctx_t *x);
/* A resolver "IP", "IP:port", "[IPv6]" or "[IPv6]:port" into `a`. 0 or
 * -EINVAL with the reason in `why` (may be NULL). */
int cfg_parse_resolver(const char *raw, config_addr_t *a, char *why, size_t whylen);

#endif
