/* In-process robustness tests of the HTTP server (http_fixture.h):
 * malformed raw requests on their own connections, the per-client
 * connection limit, the idle timeout, readers during zone publications
 * (RCU), and start-up (IPv6 loopback, a port in use, a listener that is not
 * an IP address). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include <cmocka.h>

#include "common/buf.h"
#include "config/config.h"
#include "discovery/state_parse.h"
#include "dnsd/stats.h"
#include "http/http.h"
#include "zone/hostcache.h"
#include "zone/snapshot.h"
#include "zone/updater.h"
#include "zone/zonedb.h"

#include "http_fixture.h"

/* ---- robustness ------------------------------------------------------- */

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Read until the server closes (or `ms` pass); returns bytes read, or -1
 * on timeout with the connection still open. */
static ssize_t read_until_close(int fd, char *buf, size_t len, int ms)
{
    size_t got = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, left) <= 0)
            continue;
        ssize_t n = recv(fd, buf + got, got < len ? len - got : 0, 0);
        if (n <= 0)
            return (ssize_t)got;
        got += (size_t)n;
        if (got == len)
            got = 0; /* keep reading, only the close matters then */
    }
}

/* Raw requests, each on its own connection, all sent at once and
 * half-closed: every connection must be closed by the server within
 * `ms` (answered or not); a `want` prefix is the expected response. */
typedef struct raw_case {
    const char *data;
    size_t len;
    const char *want; /* NULL: any response, or none */
} raw_case_t;

#define RAW(s, w)                                                                                  \
    {                                                                                              \
        s, sizeof s - 1, w                                                                         \
    }

static void raw_exchanges(const raw_case_t *c, size_t n, int ms)
{
    int fd[32];
    buf_t got[32];
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++) {
        fd[i] = connect_to(T.port1);
        buf_init(&got[i]);
        assert_int_equal(send(fd[i], c[i].data, c[i].len, MSG_NOSIGNAL), (ssize_t)c[i].len);
        shutdown(fd[i], SHUT_WR);
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t open = n;
    while (open > 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        struct pollfd p[32];
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fd[i], .events = POLLIN};
        if (poll(p, n, left) <= 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (fd[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char b[4096];
            ssize_t r = recv(fd[i], b, sizeof b, 0);
            if (r > 0 && got[i].len < 4096) {
                buf_append(&got[i], b, (size_t)r);
            } else if (r <= 0) {
                close(fd[i]);
                fd[i] = -1;
                open--;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fd[i] >= 0)
            fail_msg("request %zu (%.20s...) still open after %d ms", i, c[i].data, ms);
        buf_putc(&got[i], '\0');
        if (c[i].want && strncmp(got[i].data, c[i].want, strlen(c[i].want)) != 0)
            fail_msg("request %zu: got %s, want %s...", i, got[i].data, c[i].want);
        buf_release(&got[i]);
    }
}

static void test_garbage(void **state)
{
    (void)state;
    static const raw_case_t cases[] = {
        RAW("GARBAGE\r\n\r\n", NULL),
        RAW("GET\r\n\r\n", NULL),
        RAW("\r\n\r\n\r\n", NULL),
        RAW("GET /v1/version HTTP/9.9\r\n\r\n", NULL),
        RAW("GET /v1/hosts/\x01\x02 HTTP/1.1\r\nHost: x\r\n\r\n", NULL),
        RAW("GET /v1/version HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", NULL),
        RAW("GET /v1/version HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            NULL),
        RAW("GET /v1/version HTTP/1.1\r\n: \r\n\r\n", NULL),
        RAW("GET /%\xff%\xfe HTTP/1.0\r\n\r\n", NULL),
        RAW("GET ? HTTP/1.1\r\nHost: x\r\n\r\n", NULL),
        RAW("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\xff\xfe", NULL), /* TLS hello */
        /* a body on GET is ignored */
        RAW("GET /v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Length: 5\r\n\r\nhello",
            "HTTP/1.1 200"),
        /* a raw NUL (not encoded) inside the target */
        RAW("GET /v1/hosts/a\0b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", NULL),
        RAW("POST /v1/axfr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Length: 100000\r\n\r\nabc",
            "HTTP/1.1 405"),
        /* an absolute-form target */
        RAW("GET http://127.0.0.1/v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "HTTP/1.1 200"),
    };
    /* Some of these (keep-alive answers, lone CRLFs) are only closed by the
     * 1 s connection timeout of this server: allow it plus a margin. */
    raw_exchanges(cases, sizeof cases / sizeof cases[0], 5000);
    expect(T.port1, NULL, "/healthz", NULL, 200, "ok\n");
}

static void test_connection_limits(void **state)
{
    (void)state;
    /* per-client limit: 64 idle connections, the next is closed at once */
    int fds[64];
    for (int i = 0; i < 64; i++)
        fds[i] = connect_to(T.port1);
    usleep(200 * 1000);
    int extra = connect_to(T.port1);
    /* A request on it gets no answer, and the close comes at once: well
     * before the 1 s idle timeout that would close any connection. */
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    (void)send(extra, req, sizeof req - 1, MSG_NOSIGNAL);
    char buf[256];
    assert_int_equal(read_until_close(extra, buf, sizeof buf, 500), 0);
    close(extra);
    for (int i = 0; i < 64; i++)
        close(fds[i]);
    usleep(200 * 1000);
    expect(T.port1, NULL, "/healthz", NULL, 200, "ok\n");
}

static void test_idle_timeout(void **state)
{
    (void)state;
    /* a half-sent request is dropped after the connection timeout (1 s
     * on this server): not at once, and not much later */
    int fd = connect_to(T.port1);
    const char part[] = "GET /v1/version HTTP/1.1\r\nHost: x\r\n";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(send(fd, part, sizeof part - 1, MSG_NOSIGNAL), (ssize_t)(sizeof part - 1));
    char buf[256];
    ssize_t n = read_until_close(fd, buf, sizeof buf, 10000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    assert_int_equal(n, 0); /* closed, without an answer */
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (dt < 0.9 || dt > 3.0)
        fail_msg("closed after %.3f s, want about 1 s", dt);
}

/* ---- readers and a publisher at once (RCU) ----------------------------- */

static int stop_readers, reader_errors;

/* cmocka's asserts are for the main thread: readers count their failures. */
static void *reader(void *arg)
{
    (void)arg;
    long n = 0;
    char url[128];
    CURL *c = curl_easy_init();
    if (!c) {
        __atomic_fetch_add(&reader_errors, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    buf_t body = BUF_INIT;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body_raw);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
        const char *paths[] = {"/v1/hosts/web.marathon.mesos",
                               "/v1/services/_web._tcp.marathon.mesos",
                               "/v1/axfr",
                               "/v1/enumerate",
                               "/metrics",
                               "/v1/zone"};
        snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)T.port1, paths[n % 6]);
        curl_easy_setopt(c, CURLOPT_URL, url);
        buf_clear(&body);
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200 ||
            body.len == 0)
            __atomic_fetch_add(&reader_errors, 1, __ATOMIC_RELAXED);
        n++;
    }
    buf_release(&body);
    curl_easy_cleanup(c);
    return (void *)n;
}

static void test_concurrent_publish(void **state)
{
    (void)state;
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, NULL), 0);
    /* alternate two contents, so every publish swaps the version */
    for (int i = 0; i < 40; i++) {
        publish(T.db1, &T.gen1, &T.cfg1, i % 2 ? LABEL : NULL);
        usleep(20 * 1000);
    }
    publish(T.db1, &T.gen1, &T.cfg1, LABEL);
    __atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
    long total = 0;
    for (int i = 0; i < 3; i++) {
        void *n;
        pthread_join(th[i], &n);
        total += (long)n;
    }
    assert_true(total > 0);
    assert_int_equal(__atomic_load_n(&reader_errors, __ATOMIC_RELAXED), 0);
}

/* ---- start-up --------------------------------------------------------- */

static void test_start(void **state)
{
    (void)state;
    char err[256];
    http_server_t *s = NULL;
    config_t c;
    /* IPv6 loopback */
    const char *v6 = "{\"masters\": [\"10.0.0.10:5050\"], \"httplistener\": \"::1\","
                     " \"httpport\": 0}";
    assert_int_equal(config_parse(&c, v6, strlen(v6), err, sizeof err), 0);
    http_params_t p = {.cfg = &c, .db = T.db1, .gen = &T.gen1};
    int rc = http_server_start(&p, &s, err, sizeof err);
    if (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT) {
        fprintf(stderr, "no IPv6 loopback here: %s\n", err);
    } else {
        assert_int_equal(rc, 0);
        char url[128];
        snprintf(url, sizeof url, "http://[::1]:%u/healthz", (unsigned)http_server_port(s));
        CURL *cu = curl_easy_init();
        buf_t body = BUF_INIT;
        curl_easy_setopt(cu, CURLOPT_URL, url);
        curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body_raw);
        curl_easy_setopt(cu, CURLOPT_WRITEDATA, &body);
        curl_easy_setopt(cu, CURLOPT_TIMEOUT, 10L);
        assert_int_equal(curl_easy_perform(cu), CURLE_OK);
        long status = 0;
        curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, 200);
        curl_easy_cleanup(cu);
        buf_release(&body);
        http_server_stop(&s);
    }
    assert_null(s);
    config_free(&c);
    /* the port of a running server is taken */
    const char *busy = "{\"masters\": [\"10.0.0.10:5050\"], \"httplistener\": \"127.0.0.1\"}";
    assert_int_equal(config_parse(&c, busy, strlen(busy), err, sizeof err), 0);
    c.http_port = T.port1;
    assert_int_equal(http_server_start(&p, &s, err, sizeof err), -EADDRINUSE);
    assert_null(s);
    assert_non_null(strstr(err, "cannot listen"));
    /* not an IP address */
    free(c.http_listener);
    c.http_listener = strdup("localhost");
    assert_int_equal(http_server_start(&p, &s, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "localhost"));
    config_free(&c);
    http_server_stop(&s); /* NULL-safe */
    http_server_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage),      cmocka_unit_test(test_connection_limits),
        cmocka_unit_test(test_idle_timeout), cmocka_unit_test(test_concurrent_publish),
        cmocka_unit_test(test_start),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
