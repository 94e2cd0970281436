/* config_io: reading config files, the checks that need the environment,
 * and the /v1/config JSON (compat spec §8). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/jsonw.h"
#include "config/config_int.h"
#include "config/netaddr.h"

#define CONFIG_MAX_BYTES (16u << 20)

/* ------------------------------------------------------------ paths */

/* Lexical clean of an absolute path, like Go's filepath.Clean: no "//",
 * "." or ".." components ("/a/b/../c" -> "/a/c"; ".." above "/" is "/"). */
static void clean_abs(char *p)
{
    char *out = p + 1; /* p[0] == '/'; out never passes the unread input */
    const char *in = p + 1;
    while (*in) {
        const char *e = strchr(in, '/');
        size_t n = e ? (size_t)(e - in) : strlen(in);
        if (n == 2 && in[0] == '.' && in[1] == '.') {
            while (out > p + 1 && out[-1] != '/')
                out--;
            if (out > p + 1)
                out--;
        } else if (n > 0 && !(n == 1 && in[0] == '.')) {
            if (out > p + 1)
                *out++ = '/';
            memmove(out, in, n);
            out += n;
        }
        in += n + (e ? 1 : 0);
    }
    *out = '\0';
}

/* "~/x" -> "$HOME/x" (Mesos-DNS: "./x" when HOME is unset), then made
 * absolute against the working directory. malloc'd, NULL on -ENOMEM. */
static char *config_abs_path(const char *path)
{
    buf_t b = BUF_INIT;
    if (strncmp(path, "~/", 2) == 0) {
        const char *home = getenv("HOME");
        buf_puts(&b, home && home[0] ? home : ".");
        path++;
    }
    buf_puts(&b, path);
    char *p = buf_take(&b, NULL);
    if (!p || p[0] == '/') {
        if (p)
            clean_abs(p);
        return p;
    }
    char *cwd = getcwd(NULL, 0);
    char *abs = NULL;
    if (cwd) {
        buf_puts(&b, cwd);
        buf_putc(&b, '/');
        buf_puts(&b, p);
        abs = buf_take(&b, NULL);
        if (abs)
            clean_abs(abs);
    }
    free(cwd);
    free(p);
    return abs;
}

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    struct stat st;
    int rc = 0;
    buf_t b = BUF_INIT;
    if (fstat(fileno(f), &st) != 0) {
        rc = -errno;
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = -EISDIR;
        goto out;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > CONFIG_MAX_BYTES) {
            rc = -EFBIG;
            goto out;
        }
        buf_append(&b, chunk, n);
    }
    if (ferror(f))
        rc = -EIO;
    else if (buf_error(&b))
        rc = -ENOMEM;
out:
    fclose(f);
    if (rc == 0)
        *data = buf_take(&b, len);
    buf_release(&b);
    return rc == 0 && !*data ? -ENOMEM : rc;
}

int config_load(config_t *c, const char *path, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    char *abs = config_abs_path(path);
    if (!abs) {
        if (err && errlen)
            snprintf(err, errlen, "config: out of memory");
        return -ENOMEM;
    }
    char *data = NULL;
    size_t len = 0;
    int rc = read_file(abs, &data, &len);
    if (rc < 0) {
        if (err && errlen)
            snprintf(err, errlen, "config: cannot read %s: %s", abs,
                     rc == -EFBIG ? "larger than 16 MiB" : strerror(-rc));
        free(abs);
        return rc;
    }
    rc = cfg_parse_prefixed(c, data, len, abs, err, errlen);
    free(data);
    if (rc < 0) {
        free(abs);
        return rc;
    }
    c->file = abs;
    return 0;
}

/* ------------------------------------------------------- environment */

static int readable(const char *key, const char *path, char *err, size_t errlen)
{
    if (!path || !path[0] || access(path, R_OK) == 0)
        return 0;
    if (err && errlen)
        snprintf(err, errlen, "config: \"%s\": cannot read %s: %s", key, path, strerror(errno));
    return -EINVAL;
}

int config_validate(const config_t *c, char *err, size_t errlen)
{
    if (!c->state_file && c->n_masters == 0 && !c->zk[0]) {
        if (err && errlen)
            snprintf(err, errlen,
                     "config: no Mesos master to ask: set \"masters\" or \"zk\" in the config "
                     "file (or give --state-file)");
        return -EINVAL;
    }
    int rc;
    if ((rc = readable("--state-file", c->state_file, err, errlen)) < 0 ||
        (rc = readable("CACertFile", c->ca_cert_file, err, errlen)) < 0 ||
        (rc = readable("CertFile", c->cert_file, err, errlen)) < 0 ||
        (rc = readable("KeyFile", c->key_file, err, errlen)) < 0 ||
        (rc = readable("IAMConfigFile", c->iam_config_file, err, errlen)) < 0)
        return rc;
    if (c->user[0]) {
        struct passwd pw, *res = NULL;
        char pwbuf[4096];
        if (getpwnam_r(c->user, &pw, pwbuf, sizeof pwbuf, &res) != 0 || !res) {
            if (err && errlen)
                snprintf(err, errlen, "config: \"user\": no such user \"%s\"", c->user);
            return -EINVAL;
        }
    }
    return 0;
}

/* -------------------------------------------------------------- JSON */

static void write_strv(jsonw_t *w, const char *key, char *const *v, size_t n, bool nil)
{
    jsonw_key(w, key);
    if (nil) {
        jsonw_null(w);
        return;
    }
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        jsonw_str(w, v[i]);
    jsonw_arr_end(w);
}

static void write_addrs(jsonw_t *w, const config_addr_t *a, size_t n)
{
    jsonw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        jsonw_str(w, a[i].raw);
    jsonw_arr_end(w);
}

static void write_forwarding(jsonw_t *w, const config_t *c)
{
    jsonw_key(w, "ZoneResolvers");
    if (c->zone_resolvers_nil) {
        jsonw_null(w);
    } else {
        jsonw_obj_begin(w); /* zones are sorted, as Go sorts map keys */
        for (size_t i = 0; i < c->n_zone_resolvers; i++) {
            jsonw_key(w, c->zone_resolvers[i].zone);
            write_addrs(w, c->zone_resolvers[i].servers, c->zone_resolvers[i].n_servers);
        }
        jsonw_obj_end(w);
    }
    jsonw_key(w, "Resolvers");
    if (c->resolvers_nil)
        jsonw_null(w);
    else
        write_addrs(w, c->resolvers, c->n_resolvers);
}

/* Field order of Mesos-DNS's records.Config, which Go marshals in order. */
static void write_mesos_dns(jsonw_t *w, const config_t *c)
{
    static const char *const src[IPSRC_COUNT] = {[IPSRC_NETINFO] = "netinfo",
                                                 [IPSRC_MESOS] = "mesos",
                                                 [IPSRC_DOCKER] = "docker",
                                                 [IPSRC_HOST] = "host"};
    jsonw_kv_int(w, "RefreshSeconds", c->refresh_seconds);
    jsonw_kv_int(w, "Port", c->port);
    jsonw_kv_int(w, "Timeout", c->timeout);
    jsonw_kv_int(w, "StateTimeoutSeconds", c->state_timeout_seconds);
    jsonw_kv_int(w, "ZkDetectionTimeout", c->zk_detection_timeout);
    jsonw_kv_int(w, "HttpPort", c->http_port);
    jsonw_kv_int(w, "TTL", c->ttl);
    jsonw_kv_int(w, "SRVRecordDefaultWeight", c->srv_weight);
    jsonw_kv_int(w, "SOASerial", c->soa_serial);
    jsonw_kv_int(w, "SOARefresh", c->soa_refresh);
    jsonw_kv_int(w, "SOARetry", c->soa_retry);
    jsonw_kv_int(w, "SOAExpire", c->soa_expire);
    jsonw_kv_int(w, "SOAMinttl", c->soa_minttl);
    jsonw_kv_str(w, "SOAMname", c->soa_mname);
    jsonw_kv_str(w, "SOARname", c->soa_rname);
    write_strv(w, "Masters", c->masters, c->n_masters, c->masters_nil);
    write_forwarding(w, c);
    jsonw_key(w, "IPSources");
    jsonw_arr_begin(w);
    for (size_t i = 0; i < c->n_ip_sources; i++)
        jsonw_str(w, src[c->ip_sources[i]]);
    jsonw_arr_end(w);
    jsonw_kv_str(w, "Zk", c->zk);
    jsonw_kv_str(w, "Domain", c->domain);
    jsonw_kv_str(w, "File", c->file ? c->file : "");
    jsonw_kv_str(w, "Listener", c->listener);
    jsonw_kv_str(w, "HTTPListener", c->http_listener);
    jsonw_kv_bool(w, "RecurseOn", c->recurse_on);
    jsonw_kv_bool(w, "DnsOn", c->dns_on);
    jsonw_kv_bool(w, "HttpOn", c->http_on);
    jsonw_kv_bool(w, "ExternalOn", c->external_on);
    jsonw_kv_bool(w, "EnforceRFC952", c->enforce_rfc952);
    jsonw_kv_bool(w, "SetTruncateBit", c->set_truncate_bit);
    jsonw_kv_bool(w, "EnumerationOn", c->enumeration_on);
    jsonw_kv_bool(w, "MesosHTTPSOn", c->mesos_https_on);
    jsonw_kv_str(w, "CACertFile", c->ca_cert_file);
    jsonw_kv_str(w, "CertFile", c->cert_file);
    jsonw_kv_str(w, "KeyFile", c->key_file);
    jsonw_key(w, "MesosCredentials");
    jsonw_obj_begin(w);
    jsonw_kv_str(w, "Principal", c->mesos_principal);
    jsonw_kv_str(w, "Secret", c->mesos_secret[0] ? "******" : ""); /* never shown */
    jsonw_obj_end(w);
    jsonw_kv_str(w, "IAMConfigFile", c->iam_config_file);
    jsonw_kv_str(w, "MesosAuthentication", c->mesos_authentication);
}

static void write_nets(jsonw_t *w, const char *key, const config_net_t *n, size_t count)
{
    jsonw_key(w, key);
    jsonw_arr_begin(w);
    for (size_t i = 0; i < count; i++) {
        char text[NETADDR_IPSTRLEN + 8];
        netaddr_cidr_text(n[i].family, n[i].addr, n[i].prefix, text, sizeof text);
        jsonw_str(w, text);
    }
    jsonw_arr_end(w);
}

static void write_own(jsonw_t *w, const config_t *c)
{
    jsonw_kv_bool(w, "legacyRawNames", c->legacy_raw_names);
    jsonw_kv_bool(w, "mesosTLSSkipVerify", c->mesos_tls_skip_verify);
    jsonw_kv_int(w, "stateMaxBytes", c->state_max_bytes);
    jsonw_kv_int(w, "ednsMaxPayload", c->edns_max_payload);
    jsonw_kv_int(w, "dnsWorkers", c->workers);
    write_strv(w, "listeners", c->listeners, c->n_listeners, false);
    write_nets(w, "allowRecursion", c->allow_recursion, c->n_allow_recursion);
    write_nets(w, "allowTransfer", c->allow_transfer, c->n_allow_transfer);
    jsonw_key(w, "alsoNotify");
    write_addrs(w, c->also_notify, c->n_also_notify);
    jsonw_kv_str(w, "identity", c->identity);
    jsonw_kv_str(w, "versionBind", c->version_bind);
    jsonw_kv_str(w, "dcosClusterId", c->dcos_cluster_id);
    jsonw_kv_bool(w, "dcosClusterIdFromZk", c->dcos_cluster_id_from_zk);
    jsonw_kv_int(w, "readyMaxAgeSeconds", c->ready_max_age);
    jsonw_kv_str(w, "user", c->user);
}

static char *to_json(const config_t *c, bool own)
{
    buf_t b = BUF_INIT;
    jsonw_t w;
    jsonw_init(&w, &b, 1);
    jsonw_obj_begin(&w);
    write_mesos_dns(&w, c);
    if (own)
        write_own(&w, c);
    jsonw_obj_end(&w);
    if (buf_error(&b)) {
        buf_release(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

char *config_to_json(const config_t *c)
{
    return to_json(c, false);
}

char *config_to_json_full(const config_t *c)
{
    return to_json(c, true);
}
