/* Tests of discovery/zk: URL, leader choice and MasterInfo parsing, then
 * leader detection against a real ZooKeeper server (Debian's zookeeper
 * jars, started here on a free loopback port with its own data dir):
 * detection, leader change, a missing path appearing later, a dead first
 * ensemble member, /navstar_key, the detection timeout, and an expired
 * session (server rebuilt without our session). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#define THREADED /* the synchronous API of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "common/log.h"
#include "config/config.h"
#include "discovery/discovery.h"
#include "discovery/zk.h"
#include "testutil_proc.h"

/* ---------------- pure helpers ---------------- */

static void test_parse_url(void **state)
{
    zk_url_t u;
    assert_int_equal(zk_parse_url("zk://10.0.0.1:2181,10.0.0.2:2181/mesos", &u), 0);
    assert_string_equal(u.hosts, "10.0.0.1:2181,10.0.0.2:2181");
    assert_string_equal(u.path, "/mesos");
    assert_string_equal(u.auth, "");
    /* Mesos-DNS docs write a trailing slash; default port 2181. */
    assert_int_equal(zk_parse_url("zk://zk1.example.com,zk2:2182/mesos/", &u), 0);
    assert_string_equal(u.hosts, "zk1.example.com:2181,zk2:2182");
    assert_string_equal(u.path, "/mesos");
    assert_int_equal(zk_parse_url("zk://user:pw@h:2181/a/b", &u), 0);
    assert_string_equal(u.auth, "user:pw");
    assert_string_equal(u.hosts, "h:2181");
    assert_string_equal(u.path, "/a/b");
    assert_int_equal(zk_parse_url("zk://user:p@ss@h:2181/a/b", &u), 0); /* the last '@' */
    assert_string_equal(u.auth, "user:p@ss");
    assert_string_equal(u.hosts, "h:2181");
    assert_int_equal(zk_parse_url("zk://[::1]/mesos", &u), 0);
    assert_string_equal(u.hosts, "[::1]:2181");
    assert_int_equal(zk_parse_url("zk://[::1]:2181/mesos", &u), 0);
    assert_string_equal(u.hosts, "[::1]:2181");
    assert_int_equal(zk_parse_url("zk://h:2181", &u), 0);
    assert_string_equal(u.path, "/");

    const char *bad[] = {"",
                         "http://h:2181/mesos",
                         "zk://",
                         "zk:///mesos",
                         "zk://h:0/mesos",
                         "zk://h:65536/mesos",
                         "zk://h:/mesos",
                         "zk://h:21x1/mesos",
                         "zk://h1,,h2/mesos",
                         "zk://h1,/mesos",
                         "zk://::1:2181/mesos",
                         "zk://h:2181//mesos",
                         "zk://h o:2181/mesos",
                         "zk://@h:2181/mesos",
                         "zk://h:2181/mesos/./x",
                         "zk://h:2181/mesos/..",
                         "zk://h:2181/me sos"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (zk_parse_url(bad[i], &u) != -EINVAL)
            fail_msg("accepted bad URL \"%s\"", bad[i]);
    }
    assert_int_equal(zk_parse_url(NULL, &u), -EINVAL);
}

static void test_pick_leader(void **state)
{
    const char *c1[] = {"json.info_0000000003", "info_0000000001", "json.info_0000000002",
                        "log_replicas"};
    assert_int_equal(zk_pick_leader(c1, 4), 2);
    const char *c2[] = {"info_0000000001", "log_replicas", "json.info_", "json.info_12x"};
    assert_int_equal(zk_pick_leader(c2, 4), -1);
    assert_int_equal(zk_pick_leader(NULL, 0), -1);
    /* Compared as numbers, not strings. */
    const char *c3[] = {"json.info_10", "json.info_9"};
    assert_int_equal(zk_pick_leader(c3, 2), 1);
}

static void test_masterinfo(void **state)
{
    char out[128];
    const char *full = "{\"address\":{\"hostname\":\"m1.example.com\",\"ip\":\"10.0.0.1\","
                       "\"port\":5050},\"hostname\":\"m1.example.com\",\"id\":\"x\","
                       "\"ip\":16777226,\"pid\":\"master@10.0.0.1:5050\",\"port\":5050,"
                       "\"version\":\"1.11.0\"}";
    assert_int_equal(zk_masterinfo_addr(full, strlen(full), out, sizeof out), 13);
    assert_string_equal(out, "10.0.0.1:5050");
    const char *hostonly = "{\"address\":{\"hostname\":\"m2\",\"port\":5051}}";
    assert_true(zk_masterinfo_addr(hostonly, strlen(hostonly), out, sizeof out) > 0);
    assert_string_equal(out, "m2:5051");
    const char *top = "{\"hostname\":\"m3.example\",\"port\":5052}";
    assert_true(zk_masterinfo_addr(top, strlen(top), out, sizeof out) > 0);
    assert_string_equal(out, "m3.example:5052");
    const char *v6 = "{\"address\":{\"ip\":\"fd00::1\",\"port\":5050}}";
    assert_true(zk_masterinfo_addr(v6, strlen(v6), out, sizeof out) > 0);
    assert_string_equal(out, "[fd00::1]:5050");
    const char *pid = "{\"pid\":\"master@10.1.2.3:5055\"}";
    assert_true(zk_masterinfo_addr(pid, strlen(pid), out, sizeof out) > 0);
    assert_string_equal(out, "10.1.2.3:5055");
    /* Mesos < 0.24 only had "ip", an in_addr.s_addr: 127.0.0.1 is the bytes
     * 7f 00 00 01 in memory, i.e. the number 0x0100007f on little-endian. */
    uint32_t s_addr;
    inet_pton(AF_INET, "127.0.0.1", &s_addr);
    char legacy[128];
    snprintf(legacy, sizeof legacy, "{\"ip\":%u,\"port\":5050}", s_addr);
    assert_true(zk_masterinfo_addr(legacy, strlen(legacy), out, sizeof out) > 0);
    assert_string_equal(out, "127.0.0.1:5050");

    const char *bad[] = {"",
                         "[]",
                         "{",
                         "{\"address\":{\"ip\":\"10.0.0.1\"}}",
                         "{\"address\":{\"ip\":\"10.0.0.1\",\"port\":70000}}",
                         "{\"hostname\":\"a b\",\"port\":1}",
                         "{\"pid\":\"master@:5050\"}",
                         "{\"pid\":\"nohost\"}",
                         "{\"address\":{\"ip\":\"x\",\"port\":\"5050\"}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (zk_masterinfo_addr(bad[i], strlen(bad[i]), out, sizeof out) >= 0)
            fail_msg("accepted bad MasterInfo %s -> %s", bad[i], out);
    assert_int_equal(zk_masterinfo_addr(full, strlen(full), out, 5), -ENOSPC);
}

/* ---------------- a real ZooKeeper ---------------- */

static struct {
    pid_t pid;
    int port;
    char dir[256];
    char log[300];
    zhandle_t *admin;
} zks = {.pid = -1};

static const char *jars[] = {"zookeeper.jar",
                             "zookeeper-jute.jar",
                             "slf4j-api.jar",
                             "slf4j-simple.jar", /* INFO lines: "Expiring session" */
                             "netty-handler.jar",
                             "netty-common.jar",
                             "netty-buffer.jar",
                             "netty-transport.jar",
                             "netty-codec.jar",
                             "netty-resolver.jar",
                             "netty-transport-native-epoll.jar",
                             "netty-transport-native-unix-common.jar",
                             "metrics-core.jar",
                             "snappy-java.jar"};

static bool zk_server_start(void)
{
    char cp[4096] = "", data[300], port[16];
    for (size_t i = 0; i < sizeof jars / sizeof jars[0]; i++) {
        size_t n = strlen(cp);
        snprintf(cp + n, sizeof cp - n, "%s/usr/share/java/%s", n ? ":" : "", jars[i]);
    }
    snprintf(data, sizeof data, "%s/data", zks.dir);
    snprintf(port, sizeof port, "%d", zks.port);
    /* ZooKeeperServerMain PORT DATADIR TICKTIME: standalone, no config
     * file; tickTime 500 ms allows 1 s sessions. No admin web server. */
    char *argv[] = {"/usr/bin/java",
                    "-Xmx64m",
                    "-XX:+UseSerialGC",
                    "-Dzookeeper.admin.enableServer=false",
                    "-cp",
                    cp,
                    "org.apache.zookeeper.server.ZooKeeperServerMain",
                    port,
                    data,
                    "500",
                    NULL};
    zks.pid = tu_spawn(argv, zks.log);
    return zks.pid > 0 && tu_wait_port(zks.port, 30000);
}

/* Lines of the server's log holding `needle`. */
static int server_log_count(const char *needle)
{
    return tu_count_lines(zks.log, needle, NULL, NULL);
}

/* A synchronous client for the test's own node changes. */
static zhandle_t *admin_connect(void)
{
    char hosts[64];
    snprintf(hosts, sizeof hosts, "127.0.0.1:%d", zks.port);
    double end = tu_now() + 30;
    while (tu_now() < end) {
        zhandle_t *zh = zookeeper_init(hosts, NULL, 10000, NULL, NULL, 0);
        double t = tu_now() + 5;
        while (zh && tu_now() < t && zoo_state(zh) != ZOO_CONNECTED_STATE)
            tu_sleep_ms(20);
        if (zh && zoo_state(zh) == ZOO_CONNECTED_STATE) {
            /* "not currently serving" right after start: probe. */
            struct Stat st;
            int rc = zoo_exists(zh, "/", 0, &st);
            if (rc == ZOK)
                return zh;
        }
        if (zh)
            zookeeper_close(zh);
        tu_sleep_ms(200);
    }
    return NULL;
}

static int group_setup(void **state)
{
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    if (access("/usr/share/java/zookeeper.jar", R_OK) != 0 || access("/usr/bin/java", X_OK) != 0) {
        fprintf(stderr, "ZooKeeper (Debian zookeeper) or java missing: run packaging/deps.sh\n");
        return -1;
    }
    if (!tu_tmpdir(zks.dir, sizeof zks.dir, "zk"))
        return -1;
    snprintf(zks.log, sizeof zks.log, "%s/server.log", zks.dir);
    zks.port = tu_free_port();
    if (!zk_server_start() || !(zks.admin = admin_connect())) {
        tu_dump(zks.log, "zookeeper server log");
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    if (zks.admin)
        zookeeper_close(zks.admin);
    tu_kill(&zks.pid);
    tu_rm_rf(zks.dir);
    return 0;
}

static void ensure_path(const char *path)
{
    int rc = zoo_create(zks.admin, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0);
    assert_true(rc == ZOK || rc == ZNODEEXISTS);
}

/* Create <path>/json.info_<seq> for 127.0.0.1:port; returns the node path. */
static void add_master(const char *path, int port, char *out, int outlen)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"address\":{\"hostname\":\"localhost\",\"ip\":\"127.0.0.1\",\"port\":%d},"
             "\"hostname\":\"localhost\",\"id\":\"id-%d\",\"pid\":\"master@127.0.0.1:%d\","
             "\"port\":%d,\"version\":\"1.11.0\"}",
             port, port, port, port);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/json.info_", path);
    int rc = zoo_create(zks.admin, prefix, json, (int)strlen(json), &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_PERSISTENT_SEQUENTIAL, out, outlen);
    assert_int_equal(rc, ZOK);
}

static void del_node(const char *path)
{
    assert_int_equal(zoo_delete(zks.admin, path, -1), ZOK);
}

/* What the zk_t under test reported. */
struct watch {
    int leader_calls;
    char leader[128];
    int navstar_calls;
    uint8_t navstar[256];
    size_t navstar_len;
};

static void on_leader(void *ctx, const char *leader)
{
    struct watch *w = ctx;
    w->leader_calls++;
    snprintf(w->leader, sizeof w->leader, "%s", leader ? leader : "");
}

static void on_navstar(void *ctx, const uint8_t *v, size_t len)
{
    struct watch *w = ctx;
    w->navstar_calls++;
    w->navstar_len = len < sizeof w->navstar ? len : sizeof w->navstar;
    memcpy(w->navstar, v, w->navstar_len);
}

struct leader_is {
    struct watch *w;
    const char *want;
};

static bool leader_is(void *arg)
{
    struct leader_is *c = arg;
    return strcmp(c->w->leader, c->want) == 0;
}

static bool wait_leader(struct event_base *b, struct watch *w, const char *want, int ms)
{
    struct leader_is c = {w, want};
    return tu_run_until(b, leader_is, &c, ms);
}

static zk_t *start_zk(struct event_base *b, const char *url, struct watch *w, bool navstar,
                      int detect_s)
{
    zk_params_t p = {.url = url,
                     .detection_timeout_s = detect_s,
                     .base = b,
                     .on_leader = on_leader,
                     .on_navstar = navstar ? on_navstar : NULL,
                     .ctx = w};
    zk_t *z = zk_new(&p);
    assert_non_null(z);
    assert_int_equal(zk_start(z), 0);
    return z;
}

static void test_leader_detection_and_change(void **state)
{
    struct event_base *b = event_base_new();
    struct watch w = {0};
    char url[128], n1[256], n2[256], n3[256];
    ensure_path("/mesos");
    /* An old protobuf node with a lower sequence is not a JSON leader. */
    int rc = zoo_create(zks.admin, "/mesos/info_", "x", 1, &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_PERSISTENT_SEQUENTIAL, NULL, 0);
    assert_int_equal(rc, ZOK);
    add_master("/mesos", 5001, n1, sizeof n1);
    add_master("/mesos", 5002, n2, sizeof n2);
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/mesos", zks.port);
    zk_t *z = start_zk(b, url, &w, false, 30);

    assert_true(wait_leader(b, &w, "127.0.0.1:5001", 10000));
    zk_status_t st;
    zk_status(z, &st);
    assert_true(st.connected);
    assert_int_equal(st.sessions, 1);
    assert_string_equal(st.leader, "127.0.0.1:5001");

    /* The leader's node goes: the watch names the next one at once. */
    double t0 = tu_now();
    del_node(n1);
    assert_true(wait_leader(b, &w, "127.0.0.1:5002", 5000));
    assert_true(tu_now() - t0 < 3.0);

    /* No JSON leader left: reported as none. */
    del_node(n2);
    assert_true(wait_leader(b, &w, "", 5000));
    add_master("/mesos", 5003, n3, sizeof n3);
    assert_true(wait_leader(b, &w, "127.0.0.1:5003", 5000));
    assert_int_equal(w.leader_calls, 4);
    zk_status(z, &st);
    assert_int_equal(st.leader_changes, 4);
    assert_false(st.timed_out);

    zk_free(&z);
    assert_null(z);
    del_node(n3);
    event_base_free(b);
}

static bool zk_connected(void *arg)
{
    zk_status_t st;
    zk_status(arg, &st);
    return st.connected;
}

/* The path does not exist yet (Mesos not started): found once created. */
static void test_path_created_later(void **state)
{
    struct event_base *b = event_base_new();
    struct watch w = {0};
    char url[128], n1[256];
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/later/mesos", zks.port);
    zk_t *z = start_zk(b, url, &w, false, 30);
    assert_true(tu_run_until(b, zk_connected, z, 10000));
    tu_run_for(b, 200); /* the listing (no node) comes back */
    assert_string_equal(w.leader, "");
    ensure_path("/later");
    ensure_path("/later/mesos");
    add_master("/later/mesos", 5010, n1, sizeof n1);
    assert_true(wait_leader(b, &w, "127.0.0.1:5010", 10000));
    zk_free(&z);
    event_base_free(b);
}

/* The first member of the ensemble is a closed port: start-up goes on. */
static void test_first_member_down(void **state)
{
    struct event_base *b = event_base_new();
    struct watch w = {0};
    char url[128], n1[256];
    ensure_path("/mesos");
    add_master("/mesos", 5020, n1, sizeof n1);
    snprintf(url, sizeof url, "zk://127.0.0.1:%d,127.0.0.1:%d/mesos", tu_free_port(), zks.port);
    zoo_deterministic_conn_order(1); /* really try the dead one first */
    zk_t *z = start_zk(b, url, &w, false, 30);
    bool ok = wait_leader(b, &w, "127.0.0.1:5020", 15000);
    zoo_deterministic_conn_order(0);
    assert_true(ok);
    zk_free(&z);
    del_node(n1);
    event_base_free(b);
}

static bool navstar_calls_2(void *arg)
{
    return ((struct watch *)arg)->navstar_calls >= 2;
}

static bool navstar_calls_1(void *arg)
{
    return ((struct watch *)arg)->navstar_calls >= 1;
}

struct logged_line {
    const char *path, *needle;
};

static bool line_logged(void *arg)
{
    struct logged_line *l = arg;
    return tu_count_lines(l->path, l->needle, NULL, NULL) > 0;
}

/* /navstar_key is read when it appears and again when it changes; its
 * content never reaches the log. */
static void test_navstar_key(void **state)
{
    char logp[300];
    snprintf(logp, sizeof logp, "%s/navstar.log", zks.dir);
    struct event_base *b = event_base_new();
    struct watch w = {0};
    char url[128];
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/mesos", zks.port);
    ensure_path("/mesos");
    tu_capture_start(logp);
    log_set_verbosity(2);
    zk_t *z = start_zk(b, url, &w, true, 30);
    struct logged_line wl = {logp, "waiting for /navstar_key to appear"};
    assert_true(tu_run_until(b, line_logged, &wl, 10000)); /* its exists watch is set */
    const char *v1 = "{\"key\":\"c2VjcmV0LW9uZQ==\",\"cluster_id\":\"abc\"}";
    const char *v2 = "{\"key\":\"dHdvLXNlY3JldA==\",\"cluster_id\":\"abc\"}";
    int rc = zoo_create(zks.admin, "/navstar_key", v1, (int)strlen(v1), &ZOO_OPEN_ACL_UNSAFE,
                        ZOO_PERSISTENT, NULL, 0);
    bool got1 = rc == ZOK && tu_run_until(b, navstar_calls_1, &w, 10000);
    bool same1 = w.navstar_len == strlen(v1) && memcmp(w.navstar, v1, w.navstar_len) == 0;
    rc = zoo_set(zks.admin, "/navstar_key", v2, (int)strlen(v2), -1);
    bool got2 = rc == ZOK && tu_run_until(b, navstar_calls_2, &w, 10000);
    bool same2 = w.navstar_len == strlen(v2) && memcmp(w.navstar, v2, w.navstar_len) == 0;
    /* Setting the same value again is not a change (read, and found so). */
    zoo_set(zks.admin, "/navstar_key", v2, (int)strlen(v2), -1);
    struct logged_line wu = {logp, "/navstar_key unchanged"};
    bool got3 = tu_run_until(b, line_logged, &wu, 10000);
    zk_free(&z);
    log_set_verbosity(0);
    tu_capture_stop();
    zoo_delete(zks.admin, "/navstar_key", -1);
    event_base_free(b);
    assert_true(got1);
    assert_true(same1);
    assert_true(got2);
    assert_true(same2);
    assert_true(got3);
    assert_int_equal(w.navstar_calls, 2);
    assert_int_equal(tu_count_lines(logp, "c2VjcmV0", NULL, NULL), 0);
    assert_int_equal(tu_count_lines(logp, "dHdvLXNl", NULL, NULL), 0);
    assert_int_equal(tu_count_lines(logp, "/navstar_key", "bytes", NULL), 2);
}

static bool timed_out(void *arg)
{
    zk_status_t st;
    zk_status(arg, &st);
    return st.timed_out;
}

struct logged_count {
    const char *path, *needle;
    int n;
};

static bool lines_logged(void *arg)
{
    struct logged_count *l = arg;
    return tu_count_lines(l->path, l->needle, NULL, NULL) >= l->n;
}

/* Only a dead server: reported (once) after zkDetectionTimeout, and the
 * detector keeps running. */
static void test_detection_timeout(void **state)
{
    char logp[300];
    snprintf(logp, sizeof logp, "%s/timeout.log", zks.dir);
    struct event_base *b = event_base_new();
    struct watch w = {0};
    char url[128];
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/mesos", tu_free_port());
    tu_capture_start(logp);
    log_set_verbosity(2); /* repeated client complaints show at trace level */
    zk_t *z = start_zk(b, url, &w, false, 1);
    double t0 = tu_now();
    bool to = tu_run_until(b, timed_out, z, 5000);
    double took = tu_now() - t0;
    /* The detector keeps trying: wait for three refused connections. */
    struct logged_count lc = {logp, "Connection refused", 3};
    bool retried = tu_run_until(b, lines_logged, &lc, 10000);
    zk_status_t st;
    zk_status(z, &st);
    zk_free(&z);
    log_set_verbosity(0);
    tu_capture_stop();
    event_base_free(b);
    assert_true(to);
    assert_true(took >= 0.9 && took < 3.0);
    assert_true(retried);
    assert_false(st.connected);
    assert_int_equal(tu_count_lines(logp, "ERROR", "no leading master detected", NULL), 1);
    /* The client library's own complaints: at most one warning (none when
     * an earlier test logged the same line within ZLOG_QUIET_S), the
     * repeats (three or more seen) at trace level only. */
    int refused = tu_count_lines(logp, "WARN", "zookeeper client", "Connection refused");
    if (refused > 1) {
        tu_dump(logp, "log");
        fail_msg("%d lines about the refused connection", refused);
    }
}

static bool sessions_2(void *arg)
{
    zk_status_t st;
    zk_status(arg, &st);
    return st.sessions >= 2 && st.connected;
}

/* A TCP relay between our client and the server that can cut the line:
 * a network partition, while the server keeps running (and so expires the
 * session). One thread, poll(), bounded buffers. */
struct relay {
    int lfd, port, target;
    volatile bool cut, stop;
    pthread_t th;
    int a[8], b[8]; /* client side, server side */
};

static void relay_close_all(struct relay *r)
{
    for (int i = 0; i < 8; i++) {
        if (r->a[i] >= 0)
            close(r->a[i]);
        if (r->b[i] >= 0)
            close(r->b[i]);
        r->a[i] = r->b[i] = -1;
    }
}

static void relay_accept(struct relay *r)
{
    int c = accept(r->lfd, NULL, NULL);
    if (c < 0)
        return;
    if (r->cut) {
        close(c);
        return;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)r->target),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int slot = -1;
    for (int i = 0; i < 8 && slot < 0; i++)
        if (r->a[i] < 0)
            slot = i;
    if (slot < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(c);
        close(s);
        return;
    }
    r->a[slot] = c;
    r->b[slot] = s;
}

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    while (!r->stop) {
        if (r->cut)
            relay_close_all(r);
        struct pollfd p[17];
        int n = 0;
        p[n++] = (struct pollfd){.fd = r->lfd, .events = POLLIN};
        for (int i = 0; i < 8; i++)
            if (r->a[i] >= 0) {
                p[n++] = (struct pollfd){.fd = r->a[i], .events = POLLIN};
                p[n++] = (struct pollfd){.fd = r->b[i], .events = POLLIN};
            }
        if (poll(p, (nfds_t)n, 50) <= 0)
            continue;
        if (p[0].revents & POLLIN)
            relay_accept(r);
        for (int k = 1; k < n; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            for (int i = 0; i < 8; i++) {
                if (r->a[i] < 0 || (p[k].fd != r->a[i] && p[k].fd != r->b[i]))
                    continue;
                int to = p[k].fd == r->a[i] ? r->b[i] : r->a[i];
                char buf[16384];
                ssize_t got = read(p[k].fd, buf, sizeof buf);
                if (got <= 0 || write(to, buf, (size_t)got) != got) {
                    close(r->a[i]);
                    close(r->b[i]);
                    r->a[i] = r->b[i] = -1;
                }
            }
        }
    }
    relay_close_all(r);
    return NULL;
}

static bool relay_start(struct relay *r, int target)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 8; i++)
        r->a[i] = r->b[i] = -1;
    r->target = target;
    r->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (bind(r->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(r->lfd, 16) != 0 ||
        getsockname(r->lfd, (struct sockaddr *)&sa, &len) != 0)
        return false;
    r->port = ntohs(sa.sin_port);
    return pthread_create(&r->th, NULL, relay_main, r) == 0;
}

static void relay_stop(struct relay *r)
{
    r->stop = true;
    pthread_join(r->th, NULL);
    close(r->lfd);
}

struct expiry {
    int before;
};

static bool session_expired(void *arg)
{
    return server_log_count("Expiring session") > ((struct expiry *)arg)->before;
}

/* A partition longer than the session timeout: the server expires the
 * session; when the line is back the client is told so, and we open a new
 * session and find the leader again. */
static void test_session_expiry(void **state)
{
    struct event_base *b = event_base_new();
    struct watch w = {0};
    struct relay r;
    char url[128], n1[256];
    ensure_path("/mesos");
    add_master("/mesos", 5030, n1, sizeof n1);
    assert_true(relay_start(&r, zks.port));
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/mesos", r.port);
    zk_params_t p = {.url = url,
                     .detection_timeout_s = 60,
                     .session_timeout_ms = 2000,
                     .base = b,
                     .on_leader = on_leader,
                     .ctx = &w};
    zk_t *z = zk_new(&p);
    assert_non_null(z);
    assert_int_equal(zk_start(z), 0);
    bool first = wait_leader(b, &w, "127.0.0.1:5030", 10000);

    int expired0 = server_log_count("Expiring session");
    r.cut = true;
    /* Meanwhile the leader changes; the old session's watch cannot tell. */
    del_node(n1);
    add_master("/mesos", 5031, n1, sizeof n1);
    /* After the 2 s session timeout the server expires it (and says so). */
    struct expiry ex = {expired0};
    bool expired = tu_run_until(b, session_expired, &ex, 15000);
    bool still_old = strcmp(w.leader, "127.0.0.1:5030") == 0;
    r.cut = false;
    bool second = tu_run_until(b, sessions_2, z, 20000);
    bool again = second && wait_leader(b, &w, "127.0.0.1:5031", 10000);
    zk_status_t st;
    zk_status(z, &st);
    zk_free(&z);
    relay_stop(&r);
    del_node(n1);
    event_base_free(b);
    assert_true(first);
    assert_true(expired);
    assert_true(still_old);
    assert_true(second);
    assert_true(again);
    assert_int_equal(st.sessions, 2);
}

/* ---------------- discovery with ZooKeeper and test masters ---------------- */

struct drec {
    int models;
    char leader[128];
};

static void d_on_model(void *ctx, model_t **m)
{
    struct drec *r = ctx;
    r->models++;
    snprintf(r->leader, sizeof r->leader, "%s", (*m)->leader ? (*m)->leader : "");
    model_free(m);
}

struct dwait {
    struct drec *r;
    int models;
};

static bool d_models(void *arg)
{
    struct dwait *w = arg;
    return w->r->models >= w->models;
}

/* ZooKeeper names the leader; when it changes the new leader is asked at
 * once (refreshSeconds is an hour here). */
static void test_discovery_follows_zk_leader(void **state)
{
    tu_master_t ma = {.pid = -1}, mb = {.pid = -1};
    char st_path[1024];
    snprintf(st_path, sizeof st_path, "%s/tests/data/discovery/state_small.json", tu_src());
    const char *args[] = {"--state", st_path, NULL};
    assert_true(tu_master_start(&ma, zks.dir, args));
    assert_true(tu_master_start(&mb, zks.dir, args));
    char na[256], nb[256], url[128];
    ensure_path("/dcos");
    add_master("/dcos", ma.port, na, sizeof na);
    add_master("/dcos", mb.port, nb, sizeof nb);
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/dcos", zks.port);

    struct event_base *b = event_base_new();
    struct drec rec = {0};
    config_t cfg = {.zk = url,
                    .zk_detection_timeout = 30,
                    .refresh_seconds = 3600,
                    .state_timeout_seconds = 5,
                    .mesos_authentication = ""};
    discovery_params_t p = {.cfg = &cfg, .base = b, .on_model = d_on_model, .ctx = &rec};
    discovery_t *d = discovery_new(&p);
    assert_non_null(d);
    assert_int_equal(discovery_start(d), 0);
    struct dwait w1 = {&rec, 1}, w2 = {&rec, 2};
    bool first = tu_run_until(b, d_models, &w1, 15000);
    char want_a[64], want_b[64];
    snprintf(want_a, sizeof want_a, "master@127.0.0.1:%d", ma.port);
    snprintf(want_b, sizeof want_b, "master@127.0.0.1:%d", mb.port);
    bool from_a = strcmp(rec.leader, want_a) == 0;
    long b0 = tu_master_stat(&mb, "state_requests");

    double t0 = tu_now();
    del_node(na);
    bool second = tu_run_until(b, d_models, &w2, 10000);
    double took = tu_now() - t0;
    bool from_b = strcmp(rec.leader, want_b) == 0;
    discovery_stats_t s;
    discovery_stats(d, &s);
    long b1 = tu_master_stat(&mb, "state_requests");
    discovery_free(&d);
    event_base_free(b);
    del_node(nb);
    tu_master_stop(&ma);
    tu_master_stop(&mb);
    assert_true(first);
    assert_true(from_a);
    assert_true(second);
    assert_true(from_b);
    assert_true(took < 3.0);
    assert_int_equal(b1 - b0, 1);
    assert_true(s.zk_connected);
    assert_false(s.leader_timeout);
    assert_int_equal(s.leader_changes, 1);
    char lb[64];
    snprintf(lb, sizeof lb, "127.0.0.1:%d", mb.port);
    assert_string_equal(s.leader, lb);
    assert_int_equal(s.failures, 0);
}

/* ZooKeeper unreachable: after zkDetectionTimeout the masters list is
 * used, and the missing leader is reported, not fatal. */
static void test_discovery_zk_down_uses_masters(void **state)
{
    tu_master_t ma = {.pid = -1};
    char st_path[1024], url[128], master[64];
    snprintf(st_path, sizeof st_path, "%s/tests/data/discovery/state_small.json", tu_src());
    const char *args[] = {"--state", st_path, NULL};
    assert_true(tu_master_start(&ma, zks.dir, args));
    snprintf(url, sizeof url, "zk://127.0.0.1:%d/mesos", tu_free_port());
    snprintf(master, sizeof master, "127.0.0.1:%d", ma.port);
    char *masters[] = {master};
    struct event_base *b = event_base_new();
    struct drec rec = {0};
    config_t cfg = {.zk = url,
                    .zk_detection_timeout = 1,
                    .masters = masters,
                    .n_masters = 1,
                    .refresh_seconds = 3600,
                    .state_timeout_seconds = 5,
                    .mesos_authentication = ""};
    discovery_params_t p = {.cfg = &cfg, .base = b, .on_model = d_on_model, .ctx = &rec};
    char logp[300];
    snprintf(logp, sizeof logp, "%s/zkdown.log", zks.dir);
    tu_capture_start(logp);
    discovery_t *d = discovery_new(&p);
    assert_non_null(d);
    assert_int_equal(discovery_start(d), 0);
    double t0 = tu_now();
    struct dwait w1 = {&rec, 1};
    bool got = tu_run_until(b, d_models, &w1, 10000);
    double took = tu_now() - t0;
    tu_run_for(b, 300);
    discovery_stats_t s;
    discovery_stats(d, &s);
    discovery_free(&d);
    tu_capture_stop();
    event_base_free(b);
    tu_master_stop(&ma);
    assert_true(got);
    assert_true(took >= 0.9 && took < 4.0);
    assert_false(s.zk_connected);
    assert_true(s.leader_timeout);
    assert_int_equal(tu_count_lines(logp, "ERROR", "no leading master detected", NULL), 1);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_parse_url),
        cmocka_unit_test(test_pick_leader),
        cmocka_unit_test(test_masterinfo),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_leader_detection_and_change),
        cmocka_unit_test(test_path_created_later),
        cmocka_unit_test(test_first_member_down),
        cmocka_unit_test_teardown(test_navstar_key, tu_capture_teardown),
        cmocka_unit_test_teardown(test_detection_timeout, tu_capture_teardown),
        cmocka_unit_test(test_session_expiry),
        cmocka_unit_test(test_discovery_follows_zk_leader),
        cmocka_unit_test_teardown(test_discovery_zk_down_uses_masters, tu_capture_teardown),
    };
    log_set_verbosity(0);
    int rc = cmocka_run_group_tests_name("zk_pure", pure, NULL, NULL);
    rc += cmocka_run_group_tests_name("zk_live", live, group_setup, group_teardown);
    return rc;
}
