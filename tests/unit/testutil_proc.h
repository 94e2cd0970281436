/* Helpers for unit tests that run real peers (the test Mesos master,
 * ZooKeeper) as child processes and drive a libevent base with bounded time.
 * Header-only: each test executable includes it once.
 *
 * Children die with the test: they get PR_SET_PDEATHSIG, and tu_kill()
 * (SIGTERM, then SIGKILL after a bounded wait) is called from teardowns. */
#ifndef MDNS_TESTUTIL_PROC_H
#define MDNS_TESTUTIL_PROC_H

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void tu_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The source tree (ctest sets MDNS_SRC). */
static inline const char *tu_src(void)
{
    const char *s = getenv("MDNS_SRC");
    return s && *s ? s : ".";
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static inline int tu_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* True once 127.0.0.1:port accepts connections, false after timeout_ms. */
static inline bool tu_wait_port(int port, int timeout_ms)
{
    double end = tu_now() + timeout_ms / 1000.0;
    while (tu_now() < end) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
        close(fd);
        if (rc == 0)
            return true;
        tu_sleep_ms(50);
    }
    return false;
}

/* Start argv[0] with its stdout and stderr appended to `log_path` (NULL =
 * /dev/null). Returns the pid or -1. */
static inline pid_t tu_spawn(char *const argv[], const char *log_path)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    execv(argv[0], argv);
    _exit(127);
}

/* SIGTERM, wait up to 3 s, then SIGKILL. NULL-safe for pid <= 0. */
static inline void tu_kill(pid_t *pid)
{
    if (!pid || *pid <= 0)
        return;
    kill(*pid, SIGTERM);
    double end = tu_now() + 3;
    while (tu_now() < end) {
        if (waitpid(*pid, NULL, WNOHANG) == *pid) {
            *pid = -1;
            return;
        }
        tu_sleep_ms(20);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = -1;
}

/* ---- driving an event base ---- */

static inline void tu_noop_cb(evutil_socket_t fd, short what, void *arg)
{
}

/* Run `base` until cond(arg) holds or timeout_ms passes. True when cond held. */
static inline bool tu_run_until(struct event_base *base, bool (*cond)(void *), void *arg,
                                int timeout_ms)
{
    double end = tu_now() + timeout_ms / 1000.0;
    struct event *tick = event_new(base, -1, EV_PERSIST, tu_noop_cb, NULL);
    struct timeval tv = {0, 20000};
    event_add(tick, &tv);
    bool ok = cond(arg);
    while (!ok && tu_now() < end) {
        event_base_loop(base, EVLOOP_ONCE);
        ok = cond(arg);
    }
    event_free(tick);
    return ok;
}

static inline bool tu_never(void *arg)
{
    return false;
}

/* Run `base` for ms milliseconds. */
static inline void tu_run_for(struct event_base *base, int ms)
{
    tu_run_until(base, tu_never, NULL, ms);
}

/* ---- capturing our own log (stderr) ---- */

static int tu_saved_stderr = -1;
static char tu_capture_path[512];

/* Send stderr to `path` (truncated) until tu_capture_stop(). */
static inline void tu_capture_start(const char *path)
{
    fflush(stderr);
    snprintf(tu_capture_path, sizeof tu_capture_path, "%s", path);
    if (tu_saved_stderr < 0)
        tu_saved_stderr = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
}

static inline void tu_capture_stop(void)
{
    fflush(stderr);
    if (tu_saved_stderr >= 0) {
        dup2(tu_saved_stderr, 2);
        close(tu_saved_stderr);
        tu_saved_stderr = -1;
    }
}

/* For a cmocka teardown: end a capture left running by a failed test and
 * show what cmocka printed into it (its failure report goes to stderr). */
static inline int tu_capture_teardown(void **state)
{
    if (tu_saved_stderr < 0)
        return 0;
    tu_capture_stop();
    FILE *f = fopen(tu_capture_path, "r");
    if (!f)
        return 0;
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (line[0] == '[' || strstr(line, " ERROR ") || strstr(line, " WARN "))
            fputs(line, stderr);
    fclose(f);
    return 0;
}

/* Lines of `path` containing every one of the (up to 3) needles. */
static inline int tu_count_lines(const char *path, const char *n1, const char *n2, const char *n3)
{
    fflush(stderr);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int count = 0;
    while (fgets(line, sizeof line, f))
        if ((!n1 || strstr(line, n1)) && (!n2 || strstr(line, n2)) && (!n3 || strstr(line, n3)))
            count++;
    fclose(f);
    return count;
}

/* Copy `path` to the real stderr (for a failing test's diagnosis). */
static inline void tu_dump(const char *path, const char *title)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fprintf(stderr, "----- %s (%s) -----\n", title, path);
    char line[4096];
    while (fgets(line, sizeof line, f))
        fputs(line, stderr);
    fclose(f);
}

/* A fresh temporary directory (mkdtemp); `out` gets its path. */
static inline bool tu_tmpdir(char *out, size_t len, const char *tag)
{
    snprintf(out, len, "/tmp/mdns-%s-XXXXXX", tag);
    return mkdtemp(out) != NULL;
}

static inline void tu_rm_rf(const char *dir)
{
    if (!dir || strncmp(dir, "/tmp/mdns-", 10) != 0)
        return; /* only what tu_tmpdir made */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* ---- the test Mesos master (tests/tools/fake_master.py) ---- */

#include <curl/curl.h>
#include <jansson.h>
#include <poll.h>

typedef struct tu_master {
    pid_t pid;
    int port;
    char log[512];
} tu_master_t;

/* Start fake_master.py with extra arguments (NULL-terminated list) and
 * read the port it prints when ready (bounded by 20 s). */
static inline bool tu_master_start(tu_master_t *m, const char *logdir, const char *const *extra)
{
    char tool[1024], *argv[32];
    int n = 0;
    snprintf(tool, sizeof tool, "%s/tests/tools/fake_master.py", tu_src());
    argv[n++] = "/usr/bin/python3";
    argv[n++] = tool;
    for (; extra && *extra && n < 30; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    int p[2];
    if (pipe(p) != 0)
        return false;
    static int seq;
    snprintf(m->log, sizeof m->log, "%s/master-%d.log", logdir, ++seq);
    fflush(stdout);
    fflush(stderr);
    m->pid = fork();
    if (m->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(m->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(p[1], 1);
        if (fd >= 0)
            dup2(fd, 2);
        close(p[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    char line[64] = "";
    size_t len = 0;
    double end = tu_now() + 20;
    while (m->pid > 0 && tu_now() < end && !memchr(line, '\n', len) && len + 1 < sizeof line) {
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        if (poll(&pf, 1, 200) <= 0)
            continue;
        ssize_t got = read(p[0], line + len, sizeof line - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        line[len] = '\0';
    }
    close(p[0]);
    m->port = atoi(line);
    if (m->port <= 0) {
        tu_dump(m->log, "fake master log");
        tu_kill(&m->pid);
        return false;
    }
    return true;
}

static inline void tu_master_stop(tu_master_t *m)
{
    tu_kill(&m->pid);
}

static size_t tu_curl_sink(char *d, size_t s, size_t n, void *u)
{
    char **out = u;
    size_t old = *out ? strlen(*out) : 0;
    char *nb = realloc(*out, old + s * n + 1);
    if (!nb)
        return 0;
    memcpy(nb + old, d, s * n);
    nb[old + s * n] = '\0';
    *out = nb;
    return s * n;
}

/* A blocking request to the fake master's control API (test side only).
 * Returns the body (malloc'd) or NULL; *status gets the HTTP status. */
static inline char *tu_http(int port, const char *path, const char *post_json, long *status)
{
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tu_curl_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (post_json) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_json);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    long st = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (status)
        *status = st;
    if (!body)
        body = strdup("");
    return body;
}

/* POST /__fake__/mode {"mode": mode, ...params_json_members}. */
static inline bool tu_master_mode(const tu_master_t *m, const char *mode, const char *params)
{
    char json[512];
    snprintf(json, sizeof json, "{\"mode\":\"%s\"%s%s}", mode, params ? "," : "",
             params ? params : "");
    long st = 0;
    free(tu_http(m->port, "/__fake__/mode", json, &st));
    return st == 200;
}

/* A number from GET /__fake__/stats ("requests", "state_requests"), -1 on error. */
static inline long tu_master_stat(const tu_master_t *m, const char *key)
{
    char *body = tu_http(m->port, "/__fake__/stats", NULL, NULL);
    json_t *j = json_loads(body, 0, NULL);
    json_t *v = json_object_get(j, key);
    long r = json_is_integer(v) ? (long)json_integer_value(v) : -1;
    json_decref(j);
    free(body);
    return r;
}

/* A request header the fake master saw last ("" when absent). */
static inline void tu_master_last_header(const tu_master_t *m, const char *name, char *out,
                                         size_t outlen)
{
    char *body = tu_http(m->port, "/__fake__/stats", NULL, NULL);
    json_t *j = json_loads(body, 0, NULL);
    json_t *h = json_object_get(j, "last_headers");
    const char *k;
    json_t *v;
    out[0] = '\0';
    json_object_foreach(h, k, v)
    {
        if (strcasecmp(k, name) == 0 && json_is_string(v))
            snprintf(out, outlen, "%s", json_string_value(v));
    }
    json_decref(j);
    free(body);
}

#endif
