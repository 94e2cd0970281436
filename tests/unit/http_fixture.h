/* Shared harness of the HTTP tests (test_http_*.c but test_http_route.c):
 * two real servers (libmicrohttpd) on 127.0.0.1, port 0, started by the
 * group setup - T.s1 (cfg1, zone db1 built from tests/data/http/state.json
 * by the real parser, naming rules and snapshot, metrics sections of the
 * real updater and DNS layers) and T.s2 (cfg2: enumeration off, zone db2
 * empty until a test publishes one) - and a libcurl client. */
#ifndef MDNS_TESTS_HTTP_FIXTURE_H
#define MDNS_TESTS_HTTP_FIXTURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "config/config.h"
#include "dnsd/stats.h"
#include "http/http.h"
#include "zone/updater.h"
#include "zone/zonedb.h"

/* The enumeration label of the zone db1 is built with. */
#define LABEL "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"

/* The fixture: both servers, their configs and zones. */
struct http_fixture {
    config_t cfg1, cfg2;
    zone_gen_cfg_t gen1, gen2;
    model_ip_t ns_ip;
    model_t *model;
    zonedb_t *db1, *db2;
    zonedb_t *db_upd;     /* the updater's zone (its section of /metrics) */
    zone_updater_t *upd;  /* a real updater, one model built */
    int64_t upd_built_ms; /* CLOCK_REALTIME before that build */
    dnsd_stats_t dns;     /* counters rendered by the real DNS section */
    fwd_stats_t fwd;
    http_params_t p1, p2;
    http_server_t *s1, *s2;
    uint16_t port1, port2;
    int ready_flag;                      /* read by the ready callback (HTTP threads) */
    char web1[32], web2[32], nginx1[32]; /* canonical instance labels */
};
extern struct http_fixture T;

/* An HTTP answer: status, the headers tests look at, the body. */
typedef struct reply {
    long status;
    char ctype[128], location[512], allow[64], csp[512];
    bool has_length;
    buf_t body;
} reply_t;

/* Build the zone of T.model with `gen` and `c` (enumeration label `label`,
 * none when NULL) and publish it into `db`. */
void publish(zonedb_t *db, const zone_gen_cfg_t *gen, const config_t *c, const char *label);
int64_t real_ms(void); /* CLOCK_REALTIME in ms */
/* The serial of the live version of `db`, 0 when none. */
uint32_t live_serial(zonedb_t *db);

/* Group setup (both servers, the zones, the updater) and teardown. */
int setup(void **state);
int teardown(void **state);

/* ---- the HTTP client */

/* A libcurl write callback appending to the buf_t `ud`. */
size_t on_body_raw(char *p, size_t sz, size_t n, void *ud);
/* `method` NULL = GET; `accept` NULL = curl's "*\/\*", "" = no Accept.
 * Fails the test when there is no HTTP answer; done() releases `r`. */
void request(uint16_t port, const char *method, const char *path, const char *accept, reply_t *r);
void get(uint16_t port, const char *path, reply_t *r);
void done(reply_t *r);
/* `method` `path` answers `status` and, when `body` is not NULL, `body`. */
void expect(uint16_t port, const char *method, const char *path, const char *accept, long status,
            const char *body);
/* GET, expect 200 + JSON that Go's MarshalIndent(v, "", " ") would have
 * written byte for byte (jansson re-indents; no trailing newline). */
json_t *get_json(uint16_t port, const char *path);
/* Arrays compared as multisets: same length, each expected element found.
 * Takes the reference to `want`. */
void assert_json_set(json_t *got, json_t *want);
/* The /v1/hosts element {"host": name, "ip": ip}. */
json_t *host(const char *name, const char *ip);

#endif
