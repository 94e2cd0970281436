/* config: decoding config.json with Go encoding/json semantics (see
 * config.h), then normalising and checking every value. Decoding and
 * checking are two passes: Go assigns keys in document order (the last of
 * several case-variants wins), and several checks need the final value of
 * other keys (externalon, domain, refreshSeconds). */
#include "config/config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "config/config_int.h"
#include "config/netaddr.h"

/* ------------------------------------------------------------------ keys */

#define CF(f) offsetof(config_t, f)

/* Canonical spellings (as documented); matching is case-insensitive. */
const cfg_keydef_t cfg_keys[KEY_COUNT] = {
    [KEY_ZK] = {"zk", K_STR, CF(zk), 0, 0, 0},
    [KEY_ZK_DETECTION_TIMEOUT] = {"zkDetectionTimeout", K_INT, CF(zk_detection_timeout), 'i', 0,
                                  INT_MAX},
    [KEY_MASTERS] = {"masters", K_LIST, 0, 0, 0, 0},
    [KEY_REFRESH_SECONDS] = {"refreshSeconds", K_INT, CF(refresh_seconds), 'i', 1, INT_MAX},
    [KEY_STATE_TIMEOUT_SECONDS] = {"stateTimeoutSeconds", K_INT, CF(state_timeout_seconds), 'i', 1,
                                   INT_MAX},
    [KEY_TTL] = {"ttl", K_INT, CF(ttl), 'u', 0, INT32_MAX},
    [KEY_DOMAIN] = {"domain", K_STR, CF(domain), 0, 0, 0},
    [KEY_PORT] = {"port", K_INT, CF(port), 'i', 0, 65535},
    [KEY_LISTENER] = {"listener", K_STR, CF(listener), 0, 0, 0},
    [KEY_HTTP_LISTENER] = {"httplistener", K_STR, CF(http_listener), 0, 0, 0},
    [KEY_HTTP_PORT] = {"httpport", K_INT, CF(http_port), 'i', 0, 65535},
    [KEY_DNS_ON] = {"dnson", K_BOOL, CF(dns_on), 0, 0, 0},
    [KEY_HTTP_ON] = {"httpon", K_BOOL, CF(http_on), 0, 0, 0},
    [KEY_EXTERNAL_ON] = {"externalon", K_BOOL, CF(external_on), 0, 0, 0},
    [KEY_RECURSE_ON] = {"recurseon", K_BOOL, CF(recurse_on), 0, 0, 0},
    [KEY_RESOLVERS] = {"resolvers", K_LIST, 0, 0, 0, 0},
    [KEY_ZONE_RESOLVERS] = {"zoneResolvers", K_ZONES, 0, 0, 0, 0},
    [KEY_TIMEOUT] = {"timeout", K_INT, CF(timeout), 'i', 0, 300},
    [KEY_SOA_MNAME] = {"SOAMname", K_STR, CF(soa_mname), 0, 0, 0},
    [KEY_SOA_RNAME] = {"SOARname", K_STR, CF(soa_rname), 0, 0, 0},
    [KEY_SOA_SERIAL] = {"SOASerial", K_IGNORED, 0, 'u', 0, UINT32_MAX},
    [KEY_SOA_REFRESH] = {"SOARefresh", K_INT, CF(soa_refresh), 'u', 0, UINT32_MAX},
    [KEY_SOA_RETRY] = {"SOARetry", K_INT, CF(soa_retry), 'u', 0, UINT32_MAX},
    [KEY_SOA_EXPIRE] = {"SOAExpire", K_INT, CF(soa_expire), 'u', 0, UINT32_MAX},
    [KEY_SOA_MINTTL] = {"SOAMinttl", K_INT, CF(soa_minttl), 'u', 0, UINT32_MAX},
    [KEY_SRV_WEIGHT] = {"srvRecordDefaultWeight", K_INT, CF(srv_weight), 'h', 0, UINT16_MAX},
    [KEY_IP_SOURCES] = {"IPSources", K_LIST, 0, 0, 0, 0},
    [KEY_ENFORCE_RFC952] = {"EnforceRFC952", K_BOOL, CF(enforce_rfc952), 0, 0, 0},
    [KEY_SET_TRUNCATE_BIT] = {"SetTruncateBit", K_BOOL, CF(set_truncate_bit), 0, 0, 0},
    [KEY_ENUMERATION_ON] = {"EnumerationOn", K_BOOL, CF(enumeration_on), 0, 0, 0},
    [KEY_MESOS_HTTPS_ON] = {"MesosHTTPSOn", K_BOOL, CF(mesos_https_on), 0, 0, 0},
    [KEY_CA_CERT_FILE] = {"CACertFile", K_STR, CF(ca_cert_file), 0, 0, 0},
    [KEY_CERT_FILE] = {"CertFile", K_STR, CF(cert_file), 0, 0, 0},
    [KEY_KEY_FILE] = {"KeyFile", K_STR, CF(key_file), 0, 0, 0},
    [KEY_MESOS_AUTHENTICATION] = {"mesosAuthentication", K_STR, CF(mesos_authentication), 0, 0, 0},
    [KEY_MESOS_CREDENTIALS] = {"mesosCredentials", K_CREDS, 0, 0, 0, 0},
    [KEY_IAM_CONFIG_FILE] = {"IAMConfigFile", K_STR, CF(iam_config_file), 0, 0, 0},
    [KEY_FILE] = {"File", K_IGNORED, 0, 's', 0, 0},
    [KEY_LEGACY_RAW_NAMES] = {"legacyRawNames", K_BOOL, CF(legacy_raw_names), 0, 0, 0},
    [KEY_MESOS_TLS_SKIP_VERIFY] = {"mesosTLSSkipVerify", K_BOOL, CF(mesos_tls_skip_verify), 0, 0,
                                   0},
    [KEY_EDNS_MAX_PAYLOAD] = {"ednsMaxPayload", K_INT, CF(edns_max_payload), 'i', 512, 4096},
    [KEY_DNS_WORKERS] = {"dnsWorkers", K_INT, CF(workers), 'i', 0, 1024},
    [KEY_LISTENERS] = {"listeners", K_LIST, 0, 0, 0, 0},
    [KEY_ALLOW_RECURSION] = {"allowRecursion", K_LIST, 0, 0, 0, 0},
    [KEY_ALLOW_TRANSFER] = {"allowTransfer", K_LIST, 0, 0, 0, 0},
    [KEY_ALSO_NOTIFY] = {"alsoNotify", K_LIST, 0, 0, 0, 0},
    [KEY_IDENTITY] = {"identity", K_STR, CF(identity), 0, 0, 0},
    [KEY_VERSION_BIND] = {"versionBind", K_STR, CF(version_bind), 0, 0, 0},
    [KEY_DCOS_CLUSTER_ID] = {"dcosClusterId", K_STR, CF(dcos_cluster_id), 0, 0, 0},
    [KEY_DCOS_CLUSTER_ID_FROM_ZK] = {"dcosClusterIdFromZk", K_BOOL, CF(dcos_cluster_id_from_zk), 0,
                                     0, 0},
    [KEY_READY_MAX_AGE] = {"readyMaxAgeSeconds", K_INT, CF(ready_max_age), 'i', 1, INT_MAX},
    [KEY_USER] = {"user", K_STR, CF(user), 0, 0, 0},
};

/* --------------------------------------------------------------- helpers */

int cfg_fail(cfg_ctx_t *x, const char *fmt, ...)
{
    if (x->err && x->errlen) {
        int n = snprintf(x->err, x->errlen, "%s: ", x->prefix);
        if (n >= 0 && (size_t)n < x->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -EINVAL;
}

int cfg_oom(cfg_ctx_t *x)
{
    if (x->err && x->errlen)
        snprintf(x->err, x->errlen, "%s: out of memory", x->prefix);
    return -ENOMEM;
}

const char *cfg_kname(const cfg_ctx_t *x, enum cfg_key id)
{
    return x->written[id] ? x->written[id] : cfg_keys[id].name;
}

int cfg_set_str(char **dst, const char *s)
{
    char *d = strdup(s);
    if (!d)
        return -ENOMEM;
    free(*dst);
    *dst = d;
    return 0;
}

void cfg_strlist_free(cfg_strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number with a fraction or exponent";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

static int type_error(cfg_ctx_t *x, const char *what, const char *expected, const json_t *v)
{
    return cfg_fail(x, "%s: expected %s, got %s", what, expected, type_name(v));
}

/* ------------------------------------------------------------ decoding */

/* `what` is the quoted key path for messages, e.g. "\"masters\"". */
static int decode_strlist(cfg_ctx_t *x, const char *what, json_t *v, cfg_strlist_t *l)
{
    if (!json_is_null(v) && !json_is_array(v))
        return type_error(x, what, "an array of strings", v);
    cfg_strlist_free(l);
    l->seen = true;
    l->nil = json_is_null(v);
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    if (n == 0)
        return 0;
    if (!(l->v = calloc(n, sizeof *l->v)))
        return cfg_oom(x);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e))
            return cfg_fail(x, "%s[%zu]: expected a string, got %s", what, i, type_name(e));
        if (!(l->v[i] = strdup(json_string_value(e))))
            return cfg_oom(x);
        l->n = i + 1;
    }
    return 0;
}

static void zones_free(cfg_ctx_t *x)
{
    for (size_t i = 0; i < x->n_zones; i++) {
        free(x->zones[i].zone);
        cfg_strlist_free(&x->zones[i].servers);
    }
    free(x->zones);
    x->zones = NULL;
    x->n_zones = 0;
}

static int decode_zones(cfg_ctx_t *x, const char *key, json_t *v)
{
    if (!json_is_null(v) && !json_is_object(v))
        return cfg_fail(x, "\"%s\": expected an object of zone: [servers], got %s", key,
                        type_name(v));
    zones_free(x);
    x->zones_seen = true;
    x->zones_nil = json_is_null(v);
    size_t n = json_is_object(v) ? json_object_size(v) : 0;
    if (n && !(x->zones = calloc(n, sizeof *x->zones)))
        return cfg_oom(x);
    const char *zone;
    json_t *servers;
    json_object_foreach(v, zone, servers)
    {
        cfg_rawzone_t *z = &x->zones[x->n_zones];
        if (!(z->zone = strdup(zone)))
            return cfg_oom(x);
        x->n_zones++;
        char what[300];
        snprintf(what, sizeof what, "\"%s\".\"%.200s\"", key, zone);
        int rc = decode_strlist(x, what, servers, &z->servers);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int decode_creds(cfg_ctx_t *x, const char *key, json_t *v)
{
    if (json_is_null(v))
        return 0; /* Go: null into a struct has no effect */
    if (!json_is_object(v))
        return cfg_fail(x, "\"%s\": expected an object {\"principal\", \"secret\"}, got %s", key,
                        type_name(v));
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
    {
        char **dst;
        if (strcasecmp(k, "principal") == 0) {
            dst = &x->c->mesos_principal;
        } else if (strcasecmp(k, "secret") == 0) {
            dst = &x->c->mesos_secret;
        } else {
            log_warn("config: unknown key \"%s.%s\" ignored", key, k);
            continue;
        }
        if (json_is_null(e))
            continue;
        if (!json_is_string(e))
            return cfg_fail(x, "\"%s\".\"%s\": expected a string, got %s", key, k, type_name(e));
        if (cfg_set_str(dst, json_string_value(e)) < 0)
            return cfg_oom(x);
    }
    return 0;
}

static int decode_int(cfg_ctx_t *x, const cfg_keydef_t *kd, const char *key, json_t *v)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return cfg_fail(x, "\"%s\": expected an integer, got %s", key, type_name(v));
    json_int_t n = json_integer_value(v);
    if (n < kd->min || n > kd->max)
        return cfg_fail(x, "\"%s\": %lld is out of range %lld..%lld", key, (long long)n,
                        (long long)kd->min, (long long)kd->max);
    if (kd->kind == K_IGNORED)
        return 0;
    void *dst = (char *)x->c + kd->off;
    if (kd->width == 'i')
        *(int *)dst = (int)n;
    else if (kd->width == 'u')
        *(uint32_t *)dst = (uint32_t)n;
    else
        *(uint16_t *)dst = (uint16_t)n;
    return 0;
}

/* Levenshtein distance of two short lowercase-compared strings, capped. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t row[64], prev[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (tolower_ascii(a[i - 1]) != tolower_ascii(b[j - 1]));
            size_t del = prev[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, row, (lb + 1) * sizeof *row);
    }
    return prev[lb];
}

static void warn_unknown(const char *key)
{
    const char *best = NULL;
    size_t best_d = 3; /* suggest only close matches: a typo, not another key */
    for (int i = 0; i < KEY_COUNT; i++) {
        size_t d = edit_distance(key, cfg_keys[i].name);
        if (d < best_d) {
            best_d = d;
            best = cfg_keys[i].name;
        }
    }
    if (best)
        log_warn("config: unknown key \"%s\" ignored (did you mean \"%s\"?)", key, best);
    else
        log_warn("config: unknown key \"%s\" ignored", key);
}

static int decode_member(cfg_ctx_t *x, const char *key, json_t *v)
{
    int id = 0;
    while (id < KEY_COUNT && strcasecmp(key, cfg_keys[id].name) != 0)
        id++;
    if (id == KEY_COUNT) {
        warn_unknown(key);
        return 0;
    }
    const cfg_keydef_t *kd = &cfg_keys[id];
    x->written[id] = key;
    char what[300];
    snprintf(what, sizeof what, "\"%.200s\"", key);
    switch (kd->kind) {
    case K_BOOL:
        if (json_is_null(v))
            return 0;
        if (!json_is_boolean(v))
            return type_error(x, what, "a boolean (true or false)", v);
        *(bool *)((char *)x->c + kd->off) = json_is_true(v);
        return 0;
    case K_INT:
        return decode_int(x, kd, key, v);
    case K_STR:
        if (json_is_null(v))
            return 0;
        if (!json_is_string(v))
            return type_error(x, what, "a string", v);
        if (cfg_set_str((char **)((char *)x->c + kd->off), json_string_value(v)) < 0)
            return cfg_oom(x);
        return 0;
    case K_LIST:
        return decode_strlist(x, what, v, &x->lists[id]);
    case K_ZONES:
        return decode_zones(x, key, v);
    case K_CREDS:
        return decode_creds(x, key, v);
    case K_IGNORED:
        /* Mesos-DNS decodes these Config fields, then overwrites them. */
        if (kd->width == 's' && !json_is_null(v) && !json_is_string(v))
            return type_error(x, what, "a string", v);
        if (kd->width == 'u') {
            int rc = decode_int(x, kd, key, v);
            if (rc < 0)
                return rc;
        }
        log_info("config: key \"%s\" is accepted for compatibility and ignored", key);
        return 0;
    }
    return 0;
}

/* Parse the text. jansson iterates members in document order, which is how
 * Go assigns them, except for a key repeated with the exact same spelling:
 * jansson then keeps the last value at the first position. Such files are
 * warned about (the first duplicate is named) and parsed that way. */
static json_t *load_json(cfg_ctx_t *x, const char *json, size_t len, int *rc)
{
    json_error_t e;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    if (!root && json_error_code(&e) == json_error_duplicate_key) {
        log_warn("%s: line %d: %s: the last value is used", x->prefix, e.line, e.text);
        root = json_loadb(json, len, JSON_DECODE_ANY, &e);
    }
    if (!root) {
        *rc = json_error_code(&e) == json_error_out_of_memory
                  ? cfg_oom(x)
                  : cfg_fail(x, "line %d, column %d: %s", e.line, e.column, e.text);
        return NULL;
    }
    if (!json_is_object(root) && !json_is_null(root)) {
        *rc = cfg_fail(x, "expected a JSON object {...}, got %s", type_name(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

static void ctx_release(cfg_ctx_t *x)
{
    for (int i = 0; i < KEY_COUNT; i++)
        cfg_strlist_free(&x->lists[i]);
    zones_free(x);
}

int cfg_parse_prefixed(config_t *c, const char *json, size_t len, const char *prefix, char *err,
                       size_t errlen)
{
    cfg_ctx_t x = {.c = c, .err = err, .errlen = errlen, .prefix = prefix};
    int rc = config_defaults(c);
    if (rc < 0) {
        memset(c, 0, sizeof *c);
        return cfg_oom(&x);
    }
    json_t *root = load_json(&x, json, len, &rc);
    if (!root)
        goto fail;
    const char *key;
    json_t *v;
    if (json_is_object(root)) {
        json_object_foreach(root, key, v)
        {
            if ((rc = decode_member(&x, key, v)) < 0)
                goto fail;
        }
    }
    rc = cfg_check_all(&x);
    if (rc < 0)
        goto fail;
    json_decref(root);
    ctx_release(&x);
    return 0;
fail:
    json_decref(root);
    ctx_release(&x);
    config_free(c);
    return rc;
}

int config_parse(config_t *c, const char *json, size_t len, char *err, size_t errlen)
{
    return cfg_parse_prefixed(c, json, len, "config", err, errlen);
}

/* -------------------------------------------------------------- defaults */

static const char *const default_recursion[] = {"127.0.0.0/8",    "10.0.0.0/8", "172.16.0.0/12",
                                                "192.168.0.0/16", "::1/128",    "fc00::/7"};
static const char *const default_transfer[] = {"127.0.0.0/8", "::1/128"};

static int default_nets(config_net_t **out, size_t *n, const char *const *src, size_t count)
{
    if (!(*out = calloc(count, sizeof **out)))
        return -ENOMEM;
    for (size_t i = 0; i < count; i++)
        netaddr_parse_cidr(src[i], &(*out)[i].family, (*out)[i].addr, &(*out)[i].prefix);
    *n = count;
    return 0;
}

static int default_strings(config_t *c)
{
    struct {
        char **dst;
        const char *val;
    } s[] = {
        {&c->zk, ""},
        {&c->zk_hosts, ""},
        {&c->zk_path, ""},
        {&c->zk_auth, ""},
        {&c->domain, "mesos"},
        {&c->listener, "0.0.0.0"},
        {&c->http_listener, "0.0.0.0"},
        {&c->soa_mname, "ns1.mesos"},
        {&c->soa_rname, "root.ns1.mesos"},
        {&c->ca_cert_file, ""},
        {&c->cert_file, ""},
        {&c->key_file, ""},
        {&c->mesos_authentication, ""},
        {&c->mesos_principal, ""},
        {&c->mesos_secret, ""},
        {&c->iam_config_file, ""},
        {&c->identity, ""},
        {&c->version_bind, "mesos-dnsd " MDNS_VERSION},
        {&c->dcos_cluster_id, ""},
        {&c->user, ""},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (!(*s[i].dst = strdup(s[i].val)))
            return -ENOMEM;
    return 0;
}

int config_defaults(config_t *c)
{
    memset(c, 0, sizeof *c);
    c->zk_detection_timeout = 30;
    c->masters_nil = true;
    c->refresh_seconds = 60;
    c->state_timeout_seconds = 300;
    c->ttl = 60;
    c->port = 53;
    c->http_port = 8123;
    c->dns_on = c->http_on = c->external_on = c->recurse_on = true;
    c->timeout = 5;
    c->soa_serial = (uint32_t)time(NULL);
    c->soa_refresh = 60;
    c->soa_retry = 600;
    c->soa_expire = 86400;
    c->soa_minttl = 60;
    c->srv_weight = 1;
    c->ip_sources[0] = IPSRC_NETINFO;
    c->ip_sources[1] = IPSRC_MESOS;
    c->ip_sources[2] = IPSRC_HOST;
    c->n_ip_sources = 3;
    c->set_truncate_bit = true;
    c->enumeration_on = true;
    c->legacy_raw_names = true;
    c->edns_max_payload = 1232;
    c->ready_max_age = 0; /* 3 * refresh_seconds, filled in by the checks */
    if (default_strings(c) < 0)
        goto fail;
    if (!(c->resolvers = calloc(1, sizeof *c->resolvers)))
        goto fail;
    c->n_resolvers = 1;
    cfg_parse_resolver("8.8.8.8", &c->resolvers[0], NULL, 0);
    if (default_nets(&c->allow_recursion, &c->n_allow_recursion, default_recursion,
                     sizeof default_recursion / sizeof *default_recursion) < 0 ||
        default_nets(&c->allow_transfer, &c->n_allow_transfer, default_transfer,
                     sizeof default_transfer / sizeof *default_transfer) < 0)
        goto fail;
    return 0;
fail:
    config_free(c);
    return -ENOMEM;
}

/* ------------------------------------------------------------------ free */

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void config_free(config_t *c)
{
    if (!c)
        return;
    char *strs[] = {c->zk,
                    c->zk_hosts,
                    c->zk_path,
                    c->zk_auth,
                    c->domain,
                    c->listener,
                    c->http_listener,
                    c->soa_mname,
                    c->soa_rname,
                    c->ca_cert_file,
                    c->cert_file,
                    c->key_file,
                    c->mesos_authentication,
                    c->mesos_principal,
                    c->mesos_secret,
                    c->iam_config_file,
                    c->identity,
                    c->version_bind,
                    c->dcos_cluster_id,
                    c->user,
                    c->file,
                    c->state_file};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        free(strs[i]);
    free_strv(c->masters, c->n_masters);
    free_strv(c->listeners, c->n_listeners);
    free(c->resolvers);
    for (size_t i = 0; i < c->n_zone_resolvers; i++) {
        free(c->zone_resolvers[i].zone);
        free(c->zone_resolvers[i].servers);
    }
    free(c->zone_resolvers);
    free(c->allow_recursion);
    free(c->allow_transfer);
    free(c->also_notify);
    memset(c, 0, sizeof *c);
}
