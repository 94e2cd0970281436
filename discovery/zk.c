#include "discovery/zk.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zookeeper/zookeeper.h>

#include "common/errcode.h"
#include "common/log.h"
#include "common/wake.h"

#define NAVSTAR_PATH       "/navstar_key"
#define LEADER_PREFIX      "json.info_"
#define DEFAULT_SESSION_MS 10000
#define RECONNECT_MAX_S    30
/* A ZooKeeper client log line repeated within this time is not logged again. */
#define ZLOG_QUIET_S 300

/* ---- pure helpers ---- */

static int parse_hostlist(const char *s, size_t n, zk_url_t *out)
{
    size_t o = 0;
    const char *end = s + n;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end;
        size_t len = (size_t)(e - s);
        if (len == 0)
            return -EINVAL;
        bool bracket = s[0] == '[';
        const char *rb = bracket ? memchr(s, ']', len) : NULL;
        if (bracket && !rb)
            return -EINVAL;
        const char *colon = memchr(bracket ? rb : s, ':', (size_t)(e - (bracket ? rb : s)));
        if (!bracket && colon && memchr(colon + 1, ':', (size_t)(e - colon - 1)))
            return -EINVAL; /* bare IPv6 */
        for (const char *p = s; p < (colon ? colon : e); p++)
            if (!isalnum((unsigned char)*p) && !strchr(".-_[]:", *p))
                return -EINVAL;
        if (colon) {
            if (colon + 1 == e || (size_t)(e - colon - 1) > 5)
                return -EINVAL;
            unsigned port = 0;
            for (const char *p = colon + 1; p < e; p++) {
                if (!isdigit((unsigned char)*p))
                    return -EINVAL;
                port = port * 10 + (unsigned)(*p - '0');
            }
            if (port == 0 || port > 65535)
                return -EINVAL;
        }
        int w = snprintf(out->hosts + o, sizeof out->hosts - o, "%s%.*s%s", o ? "," : "", (int)len,
                         s, colon ? "" : ":2181");
        if (w < 0 || (size_t)w >= sizeof out->hosts - o)
            return -EINVAL;
        o += (size_t)w;
        s = comma ? comma + 1 : end;
        if (comma && s == end)
            return -EINVAL;
    }
    return o ? 0 : -EINVAL;
}

int zk_parse_url(const char *url, zk_url_t *out)
{
    memset(out, 0, sizeof *out);
    if (!url || strncmp(url, "zk://", 5) != 0)
        return -EINVAL;
    const char *s = url + 5;
    const char *slash = strchr(s, '/');
    size_t authority = slash ? (size_t)(slash - s) : strlen(s);
    /* The last '@': a password may contain one. */
    const char *at = memrchr(s, '@', authority);
    if (at) {
        size_t alen = (size_t)(at - s);
        if (alen == 0 || alen >= sizeof out->auth)
            return -EINVAL;
        memcpy(out->auth, s, alen);
        authority -= alen + 1;
        s = at + 1;
    }
    if (parse_hostlist(s, authority, out) != 0)
        return -EINVAL;
    const char *path = slash ? slash : "/";
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    if (plen >= sizeof out->path)
        return -EINVAL;
    for (size_t i = 0; i < plen; i++)
        if ((unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f)
            return -EINVAL;
    memcpy(out->path, path, plen);
    out->path[plen] = '\0';
    /* ZooKeeper rejects empty, "." and ".." components. */
    if (strstr(out->path, "//") || strstr(out->path, "/./") || strstr(out->path, "/../"))
        return -EINVAL;
    if (plen >= 2 && (strcmp(out->path + plen - 2, "/.") == 0 ||
                      (plen >= 3 && strcmp(out->path + plen - 3, "/..") == 0)))
        return -EINVAL;
    return 0;
}

int zk_pick_leader(const char *const *children, size_t n)
{
    int best = -1;
    long long best_seq = 0;
    size_t pl = strlen(LEADER_PREFIX);
    for (size_t i = 0; i < n && i < (size_t)INT32_MAX; i++) {
        const char *c = children[i];
        if (!c || strncmp(c, LEADER_PREFIX, pl) != 0)
            continue;
        const char *d = c + pl;
        if (!isdigit((unsigned char)*d) && !(*d == '-' && isdigit((unsigned char)d[1])))
            continue;
        char *e = NULL;
        errno = 0;
        long long seq = strtoll(d, &e, 10);
        if (*e != '\0' || errno)
            continue;
        if (best < 0 || seq < best_seq) {
            best = (int)i;
            best_seq = seq;
        }
    }
    return best;
}

static bool host_ok(const char *h)
{
    if (!*h || strlen(h) > 253)
        return false;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && !strchr(".-_:", *h))
            return false;
    return true;
}

static int join_hostport(const char *host, long long port, char *out, size_t outlen)
{
    if (!host_ok(host) || port <= 0 || port > 65535)
        return -EINVAL;
    int n = snprintf(out, outlen, strchr(host, ':') ? "[%s]:%lld" : "%s:%lld", host, port);
    if (n < 0 || (size_t)n >= outlen)
        return -ENOSPC;
    return n;
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

static long long jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* pid "master@host:port" → "host:port". */
static int from_pid(const char *pid, char *out, size_t outlen)
{
    const char *at = strchr(pid, '@');
    const char *colon = at ? strrchr(at, ':') : NULL;
    if (!colon || colon == at + 1)
        return -EINVAL;
    char host[256];
    size_t hl = (size_t)(colon - at - 1);
    if (hl >= sizeof host)
        return -EINVAL;
    memcpy(host, at + 1, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    char *e = NULL;
    long long port = strtoll(colon + 1, &e, 10);
    if (*e != '\0' || !isdigit((unsigned char)colon[1]))
        return -EINVAL;
    return join_hostport(host, port, out, outlen);
}

int zk_masterinfo_addr(const char *json, size_t len, char *out, size_t outlen)
{
    json_t *j = json_loadb(json, len, 0, NULL);
    int rc = -EINVAL;
    if (!json_is_object(j))
        goto out;
    json_t *a = json_object_get(j, "address");
    const char *host = json_is_object(a) ? jstr(a, "ip") : NULL;
    if (!host && json_is_object(a))
        host = jstr(a, "hostname");
    if (!host)
        host = jstr(j, "hostname");
    char legacy[INET_ADDRSTRLEN];
    long long ip = jint(j, "ip");
    if (!host && ip > 0 && ip <= 0xffffffffLL) {
        /* Mesos < 0.24 wrote in_addr.s_addr, i.e. network order in memory. */
        struct in_addr in = {.s_addr = (uint32_t)ip};
        host = inet_ntop(AF_INET, &in, legacy, sizeof legacy);
    }
    long long port = json_is_object(a) ? jint(a, "port") : -1;
    if (port <= 0)
        port = jint(j, "port");
    if (host && port > 0)
        rc = join_hostport(host, port, out, outlen);
    if (rc < 0 && jstr(j, "pid"))
        rc = from_pid(jstr(j, "pid"), out, outlen);
out:
    json_decref(j);
    return rc;
}

/* ---- runtime ---- */

enum zmsg_type { ZM_OPENED, ZM_SESSION, ZM_WATCH, ZM_CHILDREN, ZM_LEADER, ZM_NAVSTAR, ZM_EXISTS };
enum ztok_kind { TK_CHILDREN, TK_LEADER, TK_NAVSTAR, TK_PATH_EXISTS, TK_NAVSTAR_EXISTS };

/* One callback from a ZooKeeper thread, copied for the event loop. */
struct zmsg {
    struct zmsg *next;
    enum zmsg_type type;
    enum ztok_kind kind;
    uint64_t hgen, gen;
    int rc, evtype, state, err;
    zhandle_t *zh; /* ZM_OPENED */
    char *path;
    char **children;
    int n_children;
    uint8_t *value;
    int value_len;
};

/* Context of one handle: ZooKeeper hands it back to the watcher. */
struct zhctx {
    zk_t *z;
    uint64_t hgen;
};

/* Context of one asynchronous call. */
struct ztok {
    zk_t *z;
    uint64_t hgen, gen;
    enum ztok_kind kind;
};

struct opener_job {
    zk_t *z;
    zhandle_t *old;
    struct zhctx *old_ctx, *new_ctx;
};

struct zk {
    zk_params_t p;
    zk_url_t url;
    /* cross-thread mailbox */
    pthread_mutex_t mu;
    struct zmsg *head, *tail;
    wake_t *mail; /* runs on_mail on the loop */
    /* handle lifecycle (event loop thread) */
    pthread_t opener;
    bool opener_running;
    zhandle_t *zh;
    struct zhctx *hctx;
    uint64_t hgen;
    bool live; /* session connected */
    int64_t session_id;
    unsigned open_failures;
    struct event *ev_reconnect, *ev_detect;
    /* watching */
    uint64_t list_gen, nav_gen;
    char last_err[160];
    uint8_t *navstar;
    int navstar_len;
    bool started;
    zk_status_t st;     /* event loop thread */
    zk_status_t st_pub; /* copy for other threads, under mu */
};

static void post(zk_t *z, struct zmsg *m)
{
    pthread_mutex_lock(&z->mu);
    if (z->tail)
        z->tail->next = m;
    else
        z->head = m;
    z->tail = m;
    pthread_mutex_unlock(&z->mu);
    wake_signal(z->mail);
}

static void zmsg_free(struct zmsg *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_children; i++)
        free(m->children[i]);
    free(m->children);
    if (m->value) {
        explicit_bzero(m->value, (size_t)m->value_len);
        free(m->value);
    }
    free(m->path);
    free(m);
}

/* ---- ZooKeeper threads: copy and post, nothing else ---- */

static void zlog_cb(const char *message);
static void publish(zk_t *z);

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *wctx)
{
    struct zhctx *hc = wctx;
    struct zmsg *m = calloc(1, sizeof *m);
    if (!hc || !m) {
        free(m);
        return;
    }
    m->type = type == ZOO_SESSION_EVENT ? ZM_SESSION : ZM_WATCH;
    m->hgen = hc->hgen;
    m->evtype = type;
    m->state = state;
    m->path = path ? strdup(path) : NULL;
    post(hc->z, m);
}

static struct zmsg *tok_msg(const void *data, enum zmsg_type type, int rc)
{
    const struct ztok *t = data;
    struct zmsg *m = calloc(1, sizeof *m);
    if (m) {
        m->type = type;
        m->kind = t->kind;
        m->hgen = t->hgen;
        m->gen = t->gen;
        m->rc = rc;
    }
    return m;
}

static void children_cb(int rc, const struct String_vector *sv, const void *data)
{
    struct ztok *t = (struct ztok *)data;
    struct zmsg *m = tok_msg(data, ZM_CHILDREN, rc);
    if (m && rc == ZOK && sv && sv->count > 0) {
        m->children = calloc((size_t)sv->count, sizeof *m->children);
        for (int i = 0; m->children && i < sv->count; i++)
            if ((m->children[m->n_children] = strdup(sv->data[i])))
                m->n_children++;
        if (!m->children || m->n_children != sv->count)
            m->rc = ZSYSTEMERROR;
    }
    if (m)
        post(t->z, m);
    free(t);
}

static void data_cb(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    struct ztok *t = (struct ztok *)data;
    struct zmsg *m = tok_msg(data, t->kind == TK_LEADER ? ZM_LEADER : ZM_NAVSTAR, rc);
    if (m && rc == ZOK && value && len > 0) {
        m->value = malloc((size_t)len);
        if (m->value) {
            memcpy(m->value, value, (size_t)len);
            m->value_len = len;
        } else {
            m->rc = ZSYSTEMERROR;
        }
    }
    if (m)
        post(t->z, m);
    free(t);
}

static void exists_cb(int rc, const struct Stat *stat, const void *data)
{
    struct ztok *t = (struct ztok *)data;
    struct zmsg *m = tok_msg(data, ZM_EXISTS, rc);
    if (m)
        post(t->z, m);
    free(t);
}

/* Runs zookeeper_close of the previous handle and zookeeper_init of the
 * next one (which resolves host names synchronously) off the event loop. */
static void *opener_main(void *arg)
{
    struct opener_job *job = arg;
    if (job->old)
        zookeeper_close(job->old);
    free(job->old_ctx);
    zk_t *z = job->z;
    errno = 0;
    zhandle_t *zh = zookeeper_init2(z->url.hosts, watcher, z->p.session_timeout_ms, NULL,
                                    job->new_ctx, 0, zlog_cb);
    struct zmsg *m = calloc(1, sizeof *m);
    if (!m) {
        /* Nothing can be reported; the handle is useless without the loop. */
        if (zh)
            zookeeper_close(zh);
        free(job->new_ctx);
    } else {
        m->type = ZM_OPENED;
        m->hgen = job->new_ctx->hgen;
        m->zh = zh;
        m->err = zh ? 0 : (errno ? errno : EINVAL);
        post(z, m);
        if (!zh)
            free(job->new_ctx);
    }
    free(job);
    return NULL;
}

/* ---- ZooKeeper's own log ---- */

static pthread_mutex_t zlog_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint32_t hash;
    time_t at;
} zlog_seen[16];

/* FNV-1a over the text without digits (ports, timings and errno values
 * vary; the repeated complaint is the same). */
static uint32_t zlog_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void zlog_cb(const char *message)
{
    /* "<time>:<pid>(0x<tid>):ZOO_ERROR@function@line: text": keep from ZOO_. */
    const char *s = strstr(message, "ZOO_");
    s = s ? s : message;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), s);
    uint32_t h = zlog_hash(line);
    time_t now = time(NULL);
    bool quiet = false;
    size_t oldest = 0;
    pthread_mutex_lock(&zlog_mu);
    for (size_t i = 0; i < sizeof zlog_seen / sizeof zlog_seen[0]; i++) {
        if (zlog_seen[i].hash == h && now - zlog_seen[i].at < ZLOG_QUIET_S) {
            quiet = true;
            break;
        }
        if (zlog_seen[i].at < zlog_seen[oldest].at)
            oldest = i;
    }
    if (!quiet) {
        zlog_seen[oldest].hash = h;
        zlog_seen[oldest].at = now;
    }
    pthread_mutex_unlock(&zlog_mu);
    if (quiet)
        log_trace("zookeeper client: %s", line);
    else
        log_warn("zookeeper client: %s", line);
}

/* ---- event loop side ---- */

static void set_err(zk_t *z, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log a problem once per change of problem. */
static void set_err(zk_t *z, enum log_level lvl, const char *fmt, ...)
{
    char msg[sizeof z->last_err];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (strcmp(msg, z->last_err) != 0)
        log_msg(lvl, "zookeeper: %s", msg);
    snprintf(z->last_err, sizeof z->last_err, "%s", msg);
}

static void update_detection(zk_t *z)
{
    bool ok = z->live && z->st.leader[0];
    if (ok) {
        evtimer_del(z->ev_detect);
        if (z->st.timed_out)
            log_info("zookeeper: leading master %s detected again", z->st.leader);
        z->st.timed_out = false;
    } else if (z->p.detection_timeout_s > 0 && !z->st.timed_out &&
               !evtimer_pending(z->ev_detect, NULL)) {
        struct timeval tv = {.tv_sec = z->p.detection_timeout_s};
        evtimer_add(z->ev_detect, &tv);
    }
}

static void on_detect_timeout(evutil_socket_t fd, short what, void *arg)
{
    zk_t *z = arg;
    z->st.timed_out = true;
    log_err("zookeeper: no leading master detected within %d s (%s); serving the last zone, "
            "still trying",
            z->p.detection_timeout_s,
            !z->live ? "not connected to ZooKeeper" : "no " LEADER_PREFIX " node");
    publish(z);
}

static void set_leader(zk_t *z, const char *leader)
{
    const char *now = leader ? leader : "";
    if (strcmp(now, z->st.leader) != 0) {
        snprintf(z->st.leader, sizeof z->st.leader, "%s", now);
        z->st.leader_changes++;
        if (leader)
            log_info("zookeeper: leading master is %s", leader);
        else
            log_warn("zookeeper: no leading master registered under %s", z->url.path);
        z->p.on_leader(z->p.ctx, leader);
    }
    update_detection(z);
}

static struct ztok *tok_new(zk_t *z, enum ztok_kind kind, uint64_t gen)
{
    struct ztok *t = malloc(sizeof *t);
    if (t)
        *t = (struct ztok){.z = z, .hgen = z->hgen, .gen = gen, .kind = kind};
    return t;
}

static void call_failed(zk_t *z, struct ztok *t, int rc, const char *what)
{
    free(t);
    set_err(z, LOG_LVL_WARN, "%s: %s", what, t ? zerror(rc) : "out of memory");
}

static void list_children(zk_t *z)
{
    if (!z->zh || !z->live)
        return;
    struct ztok *t = tok_new(z, TK_CHILDREN, ++z->list_gen);
    int rc = t ? zoo_awget_children(z->zh, z->url.path, watcher, z->hctx, children_cb, t) : 0;
    if (!t || rc != ZOK)
        call_failed(z, t, rc, "cannot list the masters");
}

static void watch_exists(zk_t *z, const char *path, enum ztok_kind kind, uint64_t gen)
{
    struct ztok *t = tok_new(z, kind, gen);
    int rc = t ? zoo_awexists(z->zh, path, watcher, z->hctx, exists_cb, t) : 0;
    if (!t || rc != ZOK)
        call_failed(z, t, rc, "cannot watch a node");
}

static void read_navstar(zk_t *z)
{
    if (!z->p.on_navstar || !z->zh || !z->live)
        return;
    struct ztok *t = tok_new(z, TK_NAVSTAR, ++z->nav_gen);
    int rc = t ? zoo_awget(z->zh, NAVSTAR_PATH, watcher, z->hctx, data_cb, t) : 0;
    if (!t || rc != ZOK)
        call_failed(z, t, rc, "cannot read " NAVSTAR_PATH);
}

static void on_children(zk_t *z, struct zmsg *m)
{
    if (m->gen != z->list_gen)
        return; /* a newer listing is on its way */
    if (m->rc == ZNONODE) {
        set_leader(z, NULL);
        watch_exists(z, z->url.path, TK_PATH_EXISTS, z->list_gen);
        return;
    }
    if (m->rc != ZOK) {
        set_err(z, LOG_LVL_WARN, "listing %s failed: %s", z->url.path, zerror(m->rc));
        return;
    }
    int i = zk_pick_leader((const char *const *)m->children, (size_t)m->n_children);
    if (i < 0) {
        set_leader(z, NULL);
        return;
    }
    char path[sizeof z->url.path + 300];
    snprintf(path, sizeof path, "%s/%s", strcmp(z->url.path, "/") ? z->url.path : "",
             m->children[i]);
    struct ztok *t = tok_new(z, TK_LEADER, z->list_gen);
    int rc = t ? zoo_aget(z->zh, path, 0, data_cb, t) : 0;
    if (!t || rc != ZOK)
        call_failed(z, t, rc, "cannot read the leader's node");
}

static void on_leader_data(zk_t *z, struct zmsg *m)
{
    if (m->gen != z->list_gen)
        return;
    if (m->rc == ZNONODE) { /* gone between listing and reading */
        list_children(z);
        return;
    }
    if (m->rc != ZOK) {
        set_err(z, LOG_LVL_WARN, "reading the leader's node failed: %s", zerror(m->rc));
        return;
    }
    char addr[128];
    if (zk_masterinfo_addr((const char *)m->value, (size_t)m->value_len, addr, sizeof addr) < 0) {
        set_err(z, LOG_LVL_WARN, "the leader's MasterInfo under %s has no usable address",
                z->url.path);
        set_leader(z, NULL);
        return;
    }
    z->last_err[0] = '\0';
    set_leader(z, addr);
}

static void on_navstar(zk_t *z, struct zmsg *m)
{
    if (m->gen != z->nav_gen)
        return;
    if (m->rc == ZNONODE) {
        log_debug("zookeeper: waiting for %s to appear", NAVSTAR_PATH);
        watch_exists(z, NAVSTAR_PATH, TK_NAVSTAR_EXISTS, z->nav_gen);
        return;
    }
    if (m->rc != ZOK) {
        set_err(z, LOG_LVL_WARN, "reading %s failed: %s", NAVSTAR_PATH, zerror(m->rc));
        return;
    }
    if (z->navstar && z->navstar_len == m->value_len &&
        memcmp(z->navstar, m->value, (size_t)m->value_len) == 0) {
        log_debug("zookeeper: %s unchanged", NAVSTAR_PATH);
        return;
    }
    if (z->navstar) {
        explicit_bzero(z->navstar, (size_t)z->navstar_len);
        free(z->navstar);
    }
    /* Take the copy over; its content is a secret and is never logged. */
    z->navstar = m->value;
    z->navstar_len = m->value_len;
    m->value = NULL;
    m->value_len = 0;
    log_info("zookeeper: read %s (%d bytes)", NAVSTAR_PATH, z->navstar_len);
    z->p.on_navstar(z->p.ctx, z->navstar, (size_t)z->navstar_len);
}

static void on_exists(zk_t *z, struct zmsg *m)
{
    /* The node appeared between our read and the watch: read it now.
     * Otherwise the watch fires ZOO_CREATED_EVENT later. */
    if (m->rc != ZOK)
        return;
    if (m->kind == TK_PATH_EXISTS && m->gen == z->list_gen)
        list_children(z);
    else if (m->kind == TK_NAVSTAR_EXISTS && m->gen == z->nav_gen)
        read_navstar(z);
}

static void on_connected(zk_t *z)
{
    if (z->live)
        return;
    z->live = true;
    const clientid_t *cid = zoo_client_id(z->zh);
    int64_t sid = cid ? cid->client_id : 0;
    if (sid != z->session_id || sid == 0) {
        z->st.sessions++;
        z->session_id = sid;
        log_info("zookeeper: session established with %s (timeout %d ms)", z->url.hosts,
                 zoo_recv_timeout(z->zh));
    } else {
        log_info("zookeeper: reconnected");
    }
    z->last_err[0] = '\0';
    z->st.connected = true;
    list_children(z);
    read_navstar(z);
    update_detection(z);
}

static void schedule_reconnect(zk_t *z)
{
    unsigned shift = z->open_failures < 5 ? z->open_failures : 5;
    long s = 1L << shift;
    struct timeval tv = {.tv_sec = s < RECONNECT_MAX_S ? s : RECONNECT_MAX_S};
    evtimer_add(z->ev_reconnect, &tv);
}

/* Replace the handle: close the old one and open a new one, off the loop. */
static void reopen(zk_t *z)
{
    if (z->opener_running)
        return;
    struct opener_job *job = calloc(1, sizeof *job);
    struct zhctx *nc = calloc(1, sizeof *nc);
    if (!job || !nc)
        goto fail;
    z->hgen++;
    *nc = (struct zhctx){.z = z, .hgen = z->hgen};
    *job = (struct opener_job){.z = z, .old = z->zh, .old_ctx = z->hctx, .new_ctx = nc};
    if (pthread_create(&z->opener, NULL, opener_main, job) != 0)
        goto fail;
    z->opener_running = true;
    z->zh = NULL;
    z->hctx = NULL;
    z->live = false;
    z->st.connected = false;
    update_detection(z);
    return;
fail:
    free(job);
    free(nc);
    z->open_failures++;
    set_err(z, LOG_LVL_ERR, "cannot start a client thread");
    schedule_reconnect(z);
}

static void on_reconnect_timer(evutil_socket_t fd, short what, void *arg)
{
    reopen(arg);
    publish(arg);
}

static void on_opened(zk_t *z, struct zmsg *m)
{
    pthread_join(z->opener, NULL);
    z->opener_running = false;
    if (!m->zh) {
        z->open_failures++;
        set_err(z, LOG_LVL_ERR, "cannot create a client for %s: %s", z->url.hosts,
                strerror(m->err));
        schedule_reconnect(z);
        return;
    }
    z->open_failures = 0;
    z->zh = m->zh;
    m->zh = NULL;
    z->hctx = (struct zhctx *)zoo_get_context(z->zh);
    if (z->url.auth[0])
        zoo_add_auth(z->zh, "digest", z->url.auth, (int)strlen(z->url.auth), NULL, NULL);
    /* The session may have come up before this message was handled. */
    if (zoo_state(z->zh) == ZOO_CONNECTED_STATE)
        on_connected(z);
}

static void on_session(zk_t *z, struct zmsg *m)
{
    if (m->state == ZOO_CONNECTED_STATE) {
        if (z->zh)
            on_connected(z);
    } else if (m->state == ZOO_EXPIRED_SESSION_STATE) {
        set_err(z, LOG_LVL_WARN, "session expired; starting a new one");
        z->session_id = 0;
        reopen(z);
    } else if (m->state == ZOO_AUTH_FAILED_STATE) {
        set_err(z, LOG_LVL_ERR, "authentication failed for %s", z->url.hosts);
        z->open_failures++;
        z->live = false;
        z->st.connected = false;
        schedule_reconnect(z); /* reopen() then replaces the failed handle */
    } else if (z->live) {
        /* CONNECTING/ASSOCIATING: the client is already retrying. */
        set_err(z, LOG_LVL_WARN, "connection lost; reconnecting");
        z->live = false;
        z->st.connected = false;
        update_detection(z);
    }
}

static void on_watch(zk_t *z, struct zmsg *m)
{
    if (!m->path)
        return;
    if (strcmp(m->path, z->url.path) == 0)
        list_children(z);
    else if (strcmp(m->path, NAVSTAR_PATH) == 0)
        read_navstar(z);
}

static void dispatch(zk_t *z, struct zmsg *m)
{
    if (m->type == ZM_OPENED) {
        on_opened(z, m);
        return;
    }
    if (m->hgen != z->hgen || !z->zh)
        return; /* from a handle we closed, or before the new one is ours */
    switch (m->type) {
    case ZM_SESSION:
        on_session(z, m);
        break;
    case ZM_WATCH:
        on_watch(z, m);
        break;
    case ZM_CHILDREN:
        on_children(z, m);
        break;
    case ZM_LEADER:
        on_leader_data(z, m);
        break;
    case ZM_NAVSTAR:
        on_navstar(z, m);
        break;
    case ZM_EXISTS:
        on_exists(z, m);
        break;
    default:
        break;
    }
}

/* A handle the loop did not take over (shutdown): close it and free its
 * context once no ZooKeeper thread can use it any more. */
static void close_unadopted(struct zmsg *m)
{
    if (!m->zh)
        return;
    void *ctx = (void *)zoo_get_context(m->zh);
    zookeeper_close(m->zh);
    m->zh = NULL;
    free(ctx);
}

/* Make the loop's view of the status visible to zk_status(). */
static void publish(zk_t *z)
{
    pthread_mutex_lock(&z->mu);
    z->st_pub = z->st;
    pthread_mutex_unlock(&z->mu);
}

static struct zmsg *take_all(zk_t *z)
{
    pthread_mutex_lock(&z->mu);
    struct zmsg *m = z->head;
    z->head = z->tail = NULL;
    pthread_mutex_unlock(&z->mu);
    return m;
}

static void on_mail(void *arg)
{
    zk_t *z = arg;
    struct zmsg *m = take_all(z);
    while (m) {
        struct zmsg *next = m->next;
        dispatch(z, m);
        if (m->type == ZM_OPENED)
            close_unadopted(m);
        zmsg_free(m);
        m = next;
    }
    publish(z);
}

/* ---- public ---- */

zk_t *zk_new(const zk_params_t *p)
{
    zk_t *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    pthread_mutex_init(&z->mu, NULL);
    z->p = *p;
    if (z->p.session_timeout_ms <= 0)
        z->p.session_timeout_ms = DEFAULT_SESSION_MS;
    if (zk_parse_url(p->url, &z->url) != 0) {
        log_err("zookeeper: invalid zk URL \"%s\" (want zk://host:port[,host:port...]/path)",
                p->url ? p->url : "");
        goto fail;
    }
    z->mail = wake_new(p->base, on_mail, z);
    z->ev_reconnect = evtimer_new(p->base, on_reconnect_timer, z);
    z->ev_detect = evtimer_new(p->base, on_detect_timeout, z);
    if (!z->mail || !z->ev_reconnect || !z->ev_detect) {
        log_err("zookeeper: cannot set up events: %s", strerror(errno));
        goto fail;
    }
    /* The client library is chatty below WARN; its lines go to our log. */
    zoo_set_debug_level(log_enabled(LOG_LVL_TRACE) ? ZOO_LOG_LEVEL_INFO : ZOO_LOG_LEVEL_WARN);
    return z;
fail:
    zk_free(&z);
    return NULL;
}

int zk_start(zk_t *z)
{
    if (z->started)
        return -EALREADY;
    z->started = true;
    log_info("zookeeper: watching %s under %s", z->url.hosts, z->url.path);
    reopen(z);
    update_detection(z);
    return 0;
}

void zk_status(zk_t *z, zk_status_t *out)
{
    pthread_mutex_lock(&z->mu);
    *out = z->st_pub;
    pthread_mutex_unlock(&z->mu);
}

void zk_free(zk_t **zp)
{
    if (!zp || !*zp)
        return;
    zk_t *z = *zp;
    if (z->opener_running)
        pthread_join(z->opener, NULL);
    /* Adopt or close what the opener produced, then close our handle: after
     * zookeeper_close() returns no ZooKeeper thread calls back. */
    struct zmsg *m = take_all(z);
    for (struct zmsg *n; m; m = n) {
        n = m->next;
        if (m->type == ZM_OPENED)
            close_unadopted(m);
        zmsg_free(m);
    }
    if (z->zh)
        zookeeper_close(z->zh);
    free(z->hctx);
    for (m = take_all(z); m;) {
        struct zmsg *n = m->next;
        zmsg_free(m);
        m = n;
    }
    wake_free(&z->mail); /* no ZooKeeper thread is left to post */
    if (z->ev_reconnect)
        event_free(z->ev_reconnect);
    if (z->ev_detect)
        event_free(z->ev_detect);
    if (z->navstar) {
        explicit_bzero(z->navstar, (size_t)z->navstar_len);
        free(z->navstar);
    }
    pthread_mutex_destroy(&z->mu);
    free(z);
    *zp = NULL;
}
