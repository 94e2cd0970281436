/* Shared harness of the dnsd/forward tests: see forward_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/dname.h"
#include "dnsd/forward.h"
#include "dnsd/reply.h"
#include "dnsd/wire.h"

#include "forward_fixture.h"

/* ---------------------------------------------------------------- helpers */

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

bool have_v6;

int bind_sock(int family, int type, uint16_t port)
{
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        s->sin6_addr = in6addr_loopback;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        sl = sizeof *s;
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

uint16_t sock_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                   : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A port free for UDP and TCP on 127.0.0.1 (and ::1 when present). */
uint16_t free_port(void)
{
    for (int tries = 0; tries < 50; tries++) {
        int t = bind_sock(AF_INET, SOCK_STREAM, 0);
        if (t < 0)
            continue;
        uint16_t port = sock_port(t);
        int u = bind_sock(AF_INET, SOCK_DGRAM, port);
        int t6 = have_v6 ? bind_sock(AF_INET6, SOCK_STREAM, port) : -2;
        int u6 = have_v6 ? bind_sock(AF_INET6, SOCK_DGRAM, port) : -2;
        bool ok = u >= 0 && t6 != -1 && u6 != -1;
        close(t);
        if (u >= 0)
            close(u);
        if (t6 >= 0)
            close(t6);
        if (u6 >= 0)
            close(u6);
        if (ok)
            return port;
    }
    return 0;
}

static void sa_loop(struct sockaddr_storage *ss, socklen_t *sl, int family, uint16_t port)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *sl = sizeof *s;
    } else {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        s->sin6_addr = in6addr_loopback;
        *sl = sizeof *s;
    }
}

/* A DNS query; edns < 0: no OPT, else an OPT with DO = edns & 1 and, when
 * edns & 2, an 8-byte client cookie option. */
size_t mkquery(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, uint16_t flags, int edns)
{
    memset(b, 0, 12);
    wr16(b, id);
    wr16(b + 2, flags);
    wr16(b + 4, 1);
    wr16(b + 10, edns >= 0 ? 1 : 0);
    int n = dname_from_text(name, b + 12);
    assert_true(n > 0);
    size_t pos = 12 + (size_t)n;
    wr16(b + pos, qtype);
    wr16(b + pos + 2, 1);
    pos += 4;
    if (edns >= 0) {
        uint8_t *o = b + pos;
        o[0] = 0;
        wr16(o + 1, 41);
        wr16(o + 3, 4096);
        wr16(o + 5, 0);
        wr16(o + 7, (edns & 1) ? 0x8000 : 0);
        wr16(o + 9, (edns & 2) ? 12 : 0);
        pos += 11;
        if (edns & 2) {
            wr16(b + pos, 10);
            wr16(b + pos + 2, 8);
            memcpy(b + pos + 4, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
            pos += 12;
        }
    }
    return pos;
}

/* Offset past the name at `pos` (compression allowed). */
static size_t skip_name(const uint8_t *m, size_t len, size_t pos)
{
    while (pos < len) {
        if (m[pos] == 0)
            return pos + 1;
        if ((m[pos] & 0xC0) == 0xC0)
            return pos + 2;
        pos += (size_t)m[pos] + 1;
    }
    fail_msg("name runs past the message");
    return 0;
}

/* Collect answer RRs of `type`: rdata offsets/lengths; returns the count. */
int answers(const uint8_t *m, size_t len, uint16_t type, size_t *off, size_t *rlen, int max)
{
    size_t pos = skip_name(m, len, 12) + 4;
    int n = 0;
    for (unsigned i = 0; i < rd16(m + 6); i++) {
        pos = skip_name(m, len, pos);
        assert_true(pos + 10 <= len);
        uint16_t t = rd16(m + pos), rl = rd16(m + pos + 8);
        if (t == type && n < max) {
            off[n] = pos + 10;
            rlen[n] = rl;
            n++;
        }
        pos += 10 + rl;
        assert_true(pos <= len);
    }
    return n;
}

void assert_single_a(const uint8_t *m, size_t len, const char *ip)
{
    size_t off[4], rl[4];
    assert_int_equal(answers(m, len, 1, off, rl, 4), 1);
    assert_int_equal(rl[0], 4);
    char t[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, m + off[0], t, sizeof t);
    assert_string_equal(t, ip);
}

/* One UDP exchange with a server (bounded): returns the reply length. */
size_t direct_udp(int family, uint16_t port, const uint8_t *q, size_t ql, uint8_t *out, size_t cap)
{
    int fd = bind_sock(family, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_storage ss;
    socklen_t sl;
    sa_loop(&ss, &sl, family, port);
    assert_int_equal(sendto(fd, q, ql, 0, (struct sockaddr *)&ss, sl), (ssize_t)ql);
    ssize_t n = recv(fd, out, cap, 0);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

/* ------------------------------------------------------------------ named */

struct named ns_a, ns_b;

static const char SOA_NS[] = "$TTL 300\n@ IN SOA ns.test. root.test. 1 3600 600 86400 300\n"
                             "@ IN NS ns.test.\n";

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* zones: NULL-terminated pairs of (origin, records). */
static void named_write(struct named *n, const char *const *zones)
{
    char conf[4096];
    int len = snprintf(conf, sizeof conf,
                       "options {\n directory \"%s\";\n pid-file none;\n session-keyfile none;\n"
                       " listen-on port %u { 127.0.0.1; };\n listen-on-v6 port %u { %s };\n"
                       " recursion no;\n notify no;\n dnssec-validation no;\n};\n"
                       "controls { };\n",
                       n->dir, n->port, n->port, have_v6 ? "::1;" : "none;");
    for (int i = 0; zones[i]; i += 2) {
        char zf[128], text[8192];
        snprintf(zf, sizeof zf, "%szone", zones[i]);
        snprintf(text, sizeof text, "%s%s", SOA_NS, zones[i + 1]);
        write_file(n->dir, zf, text);
        len += snprintf(conf + len, sizeof conf - (size_t)len,
                        "zone \"%s\" { type primary; file \"%s\"; };\n", zones[i], zf);
    }
    write_file(n->dir, "named.conf", conf);
}

static int named_start(struct named *n, const char *const *zones)
{
    strcpy(n->dir, "/tmp/test_forward.XXXXXX");
    if (!mkdtemp(n->dir))
        return -1;
    n->port = free_port();
    if (!n->port)
        return -1;
    named_write(n, zones);
    char conf[128], log[128];
    snprintf(conf, sizeof conf, "%s/named.conf", n->dir);
    snprintf(log, sizeof log, "%s/named.log", n->dir);
    pid_t parent = getpid();
    n->pid = fork();
    if (n->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        if (getppid() != parent)
            _exit(1);
        FILE *f = freopen(log, "w", stdout);
        if (f)
            dup2(fileno(f), 2);
        if (geteuid() == 0)
            execl("/usr/sbin/named", "named", "-g", "-c", conf, "-u", "root", (char *)NULL);
        else
            execl("/usr/sbin/named", "named", "-g", "-c", conf, (char *)NULL);
        _exit(127);
    }
    if (n->pid < 0)
        return -1;
    /* Ready when it answers the SOA of its first zone (at most 20 s). */
    uint8_t q[512], r[4096];
    size_t ql = mkquery(q, 0x5151, zones[0], 6, 0, -1);
    for (int64_t end = now_ms() + 20000; now_ms() < end;) {
        if (waitpid(n->pid, NULL, WNOHANG) == n->pid) {
            n->pid = 0;
            fprintf(stderr, "named exited; see %s\n", log);
            return -1;
        }
        int fd = bind_sock(AF_INET, SOCK_DGRAM, 0);
        struct timeval tv = {.tv_usec = 200000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct sockaddr_storage ss;
        socklen_t sl;
        sa_loop(&ss, &sl, AF_INET, n->port);
        sendto(fd, q, ql, 0, (struct sockaddr *)&ss, sl);
        ssize_t rlen = recv(fd, r, sizeof r, 0);
        close(fd);
        if (rlen >= 12 && rd16(r) == 0x5151 && (r[3] & 0xF) == 0)
            return 0;
        usleep(100000);
    }
    return -1;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void named_stop(struct named *n)
{
    if (n->pid > 0) {
        kill(n->pid, SIGTERM);
        int64_t end = now_ms() + 5000;
        while (waitpid(n->pid, NULL, WNOHANG) == 0 && now_ms() < end)
            usleep(20000);
        if (now_ms() >= end) {
            kill(n->pid, SIGKILL);
            waitpid(n->pid, NULL, 0);
        }
        n->pid = 0;
    }
    if (n->dir[0])
        nftw(n->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
    n->dir[0] = '\0';
}

char big_txt[8192];

int group_setup(void **state)
{
    int fd = bind_sock(AF_INET6, SOCK_DGRAM, 0);
    have_v6 = fd >= 0;
    if (fd >= 0)
        close(fd);
    size_t o = 0;
    for (int i = 0; i < 20; i++) /* 20 x ~190 bytes: needs TCP without EDNS */
        o += (size_t)snprintf(big_txt + o, sizeof big_txt - o, "big IN TXT \"record%02d-%0180d\"\n",
                              i, 0);
    char ex[9000];
    snprintf(ex, sizeof ex, "www IN A 192.0.2.1\nwww.sub IN A 192.0.2.111\n%s", big_txt);
    const char *const za[] = {
        "example.", ex, "notexample.", "www IN A 192.0.2.8\n", "other.", "www IN A 192.0.2.50\n",
        NULL};
    const char *const zb[] = {
        "sub.example.", "www IN A 198.51.100.2\n", "notexample.", "www IN A 198.51.100.8\n",
        "other.",       "www IN A 198.51.100.7\n", NULL};
    if (named_start(&ns_a, za) < 0 || named_start(&ns_b, zb) < 0) {
        named_stop(&ns_a);
        named_stop(&ns_b);
        return -1;
    }
    return 0;
}

int group_teardown(void **state)
{
    named_stop(&ns_a);
    named_stop(&ns_b);
    return 0;
}

/* ------------------------------------------------------- forwarder harness */

struct got got;

void on_done(void *owner, const void *client, const uint8_t *resp, size_t len)
{
    got.calls++;
    got.in_submit = got.submitting;
    memcpy(&got.cl, client, sizeof got.cl);
    assert_true(len <= sizeof got.resp);
    memcpy(got.resp, resp, len);
    got.len = len;
}

int submit(fwd_worker_t *w, const uint8_t *q, size_t ql, bool tcp, uint32_t seq)
{
    struct client c = {0xC11E47, seq};
    got.submitting = true;
    int rc = fwd_submit(w, q, ql, tcp, &c, sizeof c);
    got.submitting = false;
    return rc;
}

/* Run the loop until `got.calls` reaches `target` or `ms` pass. */
bool run_until(struct event_base *b, int target, int ms)
{
    for (int64_t end = now_ms() + ms; got.calls < target && now_ms() < end;) {
        struct timeval tv = {.tv_usec = 10000};
        event_base_loopexit(b, &tv);
        event_base_dispatch(b);
    }
    return got.calls >= target;
}

void run_for(struct event_base *b, int ms)
{
    for (int64_t end = now_ms() + ms; now_ms() < end;) {
        struct timeval tv = {.tv_usec = 10000};
        event_base_loopexit(b, &tv);
        event_base_dispatch(b);
    }
}

config_addr_t addr(int family, uint16_t port)
{
    config_addr_t a = {.family = family, .port = port};
    if (family == AF_INET)
        inet_pton(AF_INET, "127.0.0.1", a.addr);
    else
        inet_pton(AF_INET6, "::1", a.addr);
    snprintf(a.text, sizeof a.text, family == AF_INET ? "127.0.0.1:%u" : "[::1]:%u", port);
    return a;
}

void fx_base(struct fx *f)
{
    memset(&got, 0, sizeof got);
    memset(f, 0, sizeof *f);
    f->base = event_base_new();
    assert_non_null(f->base);
}

void fx_make(struct fx *f, const config_addr_t *res, size_t n, int timeout, size_t max_pending)
{
    f->cfg.external_on = true;
    f->cfg.timeout = timeout;
    f->cfg.port = 53;
    memcpy(f->res, res, n * sizeof *res);
    f->cfg.resolvers = f->res;
    f->cfg.n_resolvers = n;
    f->u = fwd_upstreams_new(&f->cfg, NULL);
    assert_non_null(f->u);
    f->w = fwd_worker_new(f->base, f->u, max_pending, on_done, NULL);
    assert_non_null(f->w);
}

void fx_start(struct fx *f, const config_addr_t *res, size_t n, int timeout, size_t max_pending)
{
    fx_base(f);
    fx_make(f, res, n, timeout, max_pending);
}

void fx_stop(struct fx *f)
{
    fwd_worker_free(&f->w);
    assert_null(f->w);
    fwd_upstreams_free(&f->u);
    event_base_free(f->base);
}

fwd_upstream_info_t info(const struct fx *f, size_t i)
{
    fwd_upstream_info_t in;
    assert_int_equal(fwd_upstreams_info(f->u, i, &in), 0);
    return in;
}

static void peer_named_cb(evutil_socket_t fd, short what, void *arg)
{
    struct peer *p = arg;
    uint8_t buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0)
        sendto(p->fd, buf, (size_t)n, 0, (struct sockaddr *)&p->from, p->fromlen);
}

static void peer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct peer *p = arg;
    for (;;) {
        uint8_t buf[4096];
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        if (p->seen < 4096) {
            p->ids[p->seen] = n >= 2 ? rd16(buf) : 0;
            p->ports[p->seen] = ntohs(((struct sockaddr_in *)&from)->sin_port);
        }
        p->seen++;
        p->from = from;
        p->fromlen = fl;
        p->qlen = (size_t)n < sizeof p->q ? (size_t)n : sizeof p->q;
        memcpy(p->q, buf, p->qlen);
        if (p->mode == PEER_RELAY) {
            struct sockaddr_storage ss;
            socklen_t sl;
            sa_loop(&ss, &sl, AF_INET, p->named_port);
            sendto(p->nfd, buf, (size_t)n, 0, (struct sockaddr *)&ss, sl);
        } else if (p->mode == PEER_ECHO && n >= 12) {
            buf[2] |= 0x80;
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
        }
    }
}

void peer_start(struct peer *p, struct event_base *b, enum peer_mode mode)
{
    memset(p, 0, sizeof *p);
    p->fd = bind_sock(AF_INET, SOCK_DGRAM, 0);
    p->nfd = bind_sock(AF_INET, SOCK_DGRAM, 0);
    assert_true(p->fd >= 0 && p->nfd >= 0);
    int big = 1 << 20;
    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    p->port = sock_port(p->fd);
    p->mode = mode;
    p->named_port = ns_a.port;
    p->ev = event_new(b, p->fd, EV_READ | EV_PERSIST, peer_cb, p);
    p->nev = event_new(b, p->nfd, EV_READ | EV_PERSIST, peer_named_cb, p);
    event_add(p->ev, NULL);
    event_add(p->nev, NULL);
}

void peer_stop(struct peer *p)
{
    event_free(p->ev);
    event_free(p->nev);
    close(p->fd);
    close(p->nfd);
}

/* A port with nothing listening (UDP gets ICMP unreachable, TCP a RST). */
uint16_t closed_port(void)
{
    return free_port();
}
void check_big_txt(const uint8_t *m, size_t len)
{
    size_t off[32], rl[32];
    assert_int_equal(rd16(m + 6), 20);
    assert_int_equal(answers(m, len, 16, off, rl, 32), 20);
    bool seen[20] = {false};
    for (int i = 0; i < 20; i++) {
        char want[256];
        assert_int_equal(m[off[i]] + 1, rl[i]); /* one string each */
        int k = (m[off[i] + 7] - '0') * 10 + (m[off[i] + 8] - '0');
        assert_true(k >= 0 && k < 20 && !seen[k]);
        seen[k] = true;
        snprintf(want, sizeof want, "record%02d-%0180d", k, 0);
        assert_int_equal(m[off[i]], strlen(want));
        assert_memory_equal(m + off[i] + 1, want, strlen(want));
    }
}

void ask(struct fx *f, const char *name, bool tcp, const char *want_ip)
{
    uint8_t q[512];
    int before = got.calls;
    size_t ql = mkquery(q, (uint16_t)(0x2000 + before), name, 1, 0, -1);
    assert_int_equal(submit(f->w, q, ql, tcp, (uint32_t)before), 0);
    assert_true(run_until(f->base, before + 1, 3000));
    assert_int_equal(rd16(got.resp), 0x2000 + before);
    assert_int_equal(got.resp[3] & 0xF, 0);
    if (want_ip)
        assert_single_a(got.resp, got.len, want_ip);
}
