/* Shared harness of the dnsd/forward tests (test_forward_*.c): DNS wire
 * helpers, two BIND `named` instances (ns_a, ns_b) serving small
 * authoritative zones, started once per executable by group_setup(), a
 * forwarder on its own event base (struct fx) whose answers land in `got`,
 * and a test-owned UDP peer standing in for an upstream (struct peer). */
#ifndef MDNS_TESTS_FORWARD_FIXTURE_H
#define MDNS_TESTS_FORWARD_FIXTURE_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config/config.h"
#include "dnsd/forward.h"

extern bool have_v6; /* an IPv6 loopback is usable */

/* A named process serving zones from its own directory on `port`. */
struct named {
    pid_t pid;
    uint16_t port;
    char dir[64];
};

extern struct named ns_a, ns_b;

/* 20 TXT records of ~190 bytes at big.example. (a TCP-only answer). */
extern char big_txt[8192];

/* The client data a query is submitted with, given back with its answer. */
struct client {
    uint32_t magic;
    uint32_t seq;
};

/* What the forwarder's last callback (on_done) delivered. */
struct got {
    int calls;
    bool in_submit; /* a call happened inside fwd_submit */
    bool submitting;
    uint8_t resp[65536];
    size_t len;
    struct client cl;
};
extern struct got got;

/* A forwarder (upstreams and one worker) on its own event base. */
struct fx {
    struct event_base *base;
    config_t cfg;
    config_addr_t res[4];
    fwd_upstreams_t *u;
    fwd_worker_t *w;
};

/* A UDP socket standing in for an upstream: counts what it receives and,
 * by mode, drops it, relays it to a named (and the answer back), or echoes
 * a synthetic reply. */
enum peer_mode { PEER_BLACKHOLE, PEER_RELAY, PEER_ECHO };

struct peer {
    int fd, nfd;
    uint16_t port;
    struct event *ev, *nev;
    enum peer_mode mode;
    uint16_t named_port;
    int seen;
    struct sockaddr_storage from; /* forwarder's address of the last query */
    socklen_t fromlen;
    uint8_t q[512];
    size_t qlen;
    uint16_t ids[4096];
    uint16_t ports[4096];
};

/* ---- DNS wire and sockets */

int64_t now_ms(void); /* CLOCK_MONOTONIC */
uint16_t rd16(const uint8_t *p);
void wr16(uint8_t *p, uint16_t v);
/* A bound socket on the loopback of `family` (port 0: any); -1 on error. */
int bind_sock(int family, int type, uint16_t port);
uint16_t sock_port(int fd);
/* A port free for UDP and TCP on 127.0.0.1 (and ::1 when present). */
uint16_t free_port(void);
/* A port with nothing listening (UDP gets ICMP unreachable, TCP a RST). */
uint16_t closed_port(void);
/* A DNS query; edns < 0: no OPT, else an OPT with DO = edns & 1 and, when
 * edns & 2, an 8-byte client cookie option. */
size_t mkquery(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, uint16_t flags, int edns);
/* Collect answer RRs of `type`: rdata offsets/lengths; returns the count. */
int answers(const uint8_t *m, size_t len, uint16_t type, size_t *off, size_t *rlen, int max);
/* `m` answers exactly one A record, `ip`. */
void assert_single_a(const uint8_t *m, size_t len, const char *ip);
/* `m` answers the 20 TXT records of big_txt. */
void check_big_txt(const uint8_t *m, size_t len);
/* One UDP exchange with a server (bounded): returns the reply length. */
size_t direct_udp(int family, uint16_t port, const uint8_t *q, size_t ql, uint8_t *out, size_t cap);

/* ---- the named instances: started by the group setup, stopped by its
 * teardown (also sets have_v6 and big_txt) */

int group_setup(void **state);
int group_teardown(void **state);

/* ---- the forwarder under test */

/* fwd_worker_t's callback: records into `got`. */
void on_done(void *owner, const void *client, const uint8_t *resp, size_t len);
/* fwd_submit() of `q` with the client {magic, seq}. */
int submit(fwd_worker_t *w, const uint8_t *q, size_t ql, bool tcp, uint32_t seq);
/* Run the loop until `got.calls` reaches `target` or `ms` pass. */
bool run_until(struct event_base *b, int target, int ms);
void run_for(struct event_base *b, int ms);
/* The loopback address of `family` at `port`, as a resolver entry. */
config_addr_t addr(int family, uint16_t port);
/* fx_base(): a new event base, `got` cleared; fx_make(): upstreams `res`
 * and a worker on it; fx_start(): both. */
void fx_base(struct fx *f);
void fx_make(struct fx *f, const config_addr_t *res, size_t n, int timeout, size_t max_pending);
void fx_start(struct fx *f, const config_addr_t *res, size_t n, int timeout, size_t max_pending);
void fx_stop(struct fx *f);
/* The health information of upstream `i`. */
fwd_upstream_info_t info(const struct fx *f, size_t i);
/* Ask `name` A through the forwarder; an answer with `want_ip` (any when
 * NULL) and NOERROR is expected within 3 s. */
void ask(struct fx *f, const char *name, bool tcp, const char *want_ip);

/* ---- the test peer */

void peer_start(struct peer *p, struct event_base *b, enum peer_mode mode);
void peer_stop(struct peer *p);

#endif
