/* api: Mesos-DNS's /v1 JSON endpoints (see api.h). */
#include "http/api.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "common/bytes.h"
#include "common/dname.h"
#include "common/jsonw.h"
#include "config/netaddr.h"
#include "zone/enumerate.h"
#include "zone/export.h"
#include "zone/snapshot.h"
#include "zone/zonedb.h"

#define JSON_INDENT 1

void http_api_version(const http_ctx_t *c, http_resp_t *r)
{
    (void)c;
    jsonw_t w;
    jsonw_init(&w, &r->body, JSON_INDENT);
    /* Go marshals a map with its keys sorted. */
    jsonw_obj_begin(&w);
    jsonw_kv_str(&w, "Service", HTTP_API_SERVICE);
    jsonw_kv_str(&w, "URL", HTTP_API_URL);
    jsonw_kv_str(&w, "Version", MDNS_VERSION);
    jsonw_obj_end(&w);
    http_resp_done(r, HTTP_CT_JSON);
}

void http_api_config(const http_ctx_t *c, http_resp_t *r)
{
    /* Mesos-DNS's SOASerial is the serial it serves (its config field is
     * updated on each reload): show the live one. A shallow copy with one
     * field changed is enough, config_to_json only reads. */
    config_t cfg = *c->p->cfg;
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(c->p->db);
    if (v)
        cfg.soa_serial = v->serial;
    urcu_memb_read_unlock();
    char *json = config_to_json(&cfg);
    if (!json) {
        http_resp_oom(r);
        return;
    }
    buf_puts(&r->body, json);
    free(json);
    http_resp_done(r, HTTP_CT_JSON);
}

/* Walk the records of an RRset: each callback gets one RDATA. */
typedef void (*rdata_fn)(void *ctx, const uint8_t *rdata, uint16_t rdlen, size_t idx);

static size_t rrset_each(const zone_rrset_t *rr, rdata_fn fn, void *ctx)
{
    if (!rr)
        return 0;
    const uint8_t *p = rr->rdata, *end = rr->rdata + rr->rdata_len;
    size_t i = 0;
    while (i < rr->count && end - p >= 2) {
        uint16_t len = bytes_get16(p);
        if ((size_t)(end - p - 2) < len)
            break;
        fn(ctx, p + 2, len, i);
        p += 2 + len;
        i++;
    }
    return i;
}

/* The node of a {host}/{service} after Mesos-DNS's clean-up, or NULL; the
 * cleaned text (with trailing dot) goes into `dom`. */
static const zone_node_t *lookup(const zone_snap_t *s, const http_route_t *rt, char *dom,
                                 size_t domlen)
{
    if (http_route_name(rt->param, rt->param_len, dom, domlen) < 0) {
        dom[0] = '\0';
        return NULL;
    }
    uint8_t wire[DNAME_MAXLEN];
    int wl = dname_from_text(dom, wire);
    if (wl < 0 || !s)
        return NULL;
    return zone_snap_find(s, wire, (size_t)wl);
}

struct hosts_ctx {
    jsonw_t *w;
    const char *dom;
};

static void host_entry(void *ctx, const uint8_t *rdata, uint16_t rdlen, size_t idx)
{
    (void)idx;
    struct hosts_ctx *h = ctx;
    if (rdlen != 4 && rdlen != 16)
        return;
    char ip[NETADDR_IPSTRLEN];
    netaddr_ip_text(rdlen == 4 ? AF_INET : AF_INET6, rdata, ip, sizeof ip);
    jsonw_obj_begin(h->w);
    jsonw_kv_str(h->w, "host", h->dom);
    jsonw_kv_str(h->w, "ip", ip);
    jsonw_obj_end(h->w);
}

void http_api_hosts(const http_ctx_t *c, http_resp_t *r)
{
    char dom[HTTP_URI_MAX + 2];
    jsonw_t w;
    jsonw_init(&w, &r->body, JSON_INDENT);
    jsonw_arr_begin(&w);
    struct hosts_ctx h = {&w, dom};
    size_t n = 0;

    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(c->p->db);
    const zone_node_t *node = lookup(v ? v->snap : NULL, c->route, dom, sizeof dom);
    if (node) {
        n += rrset_each(zone_node_rrset(node, RRTYPE_A), host_entry, &h);
        n += rrset_each(zone_node_rrset(node, RRTYPE_AAAA), host_entry, &h);
    }
    urcu_memb_read_unlock();

    if (n == 0) { /* Mesos-DNS answers one empty record, status 200 */
        jsonw_obj_begin(&w);
        jsonw_kv_str(&w, "host", "");
        jsonw_kv_str(&w, "ip", "");
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    http_resp_done(r, HTTP_CT_JSON);
}

void http_api_host_ports(const http_ctx_t *c, http_resp_t *r)
{
    (void)c;
    /* Mesos-DNS: WriteErrorString(501, ...), no newline, sniffed as text. */
    http_resp_text(r, 501, "To be implemented...");
}

struct svc_ctx {
    jsonw_t *w;
    const zone_rrset_t *srv;
    char service[HTTP_URI_MAX + 1];
    size_t n;
    /* the target being written: */
    const char *host;
    char port[8];
};

/* The first address of a target's A or AAAA set (Mesos-DNS: As.First). */
static void first_addr(void *ctx, const uint8_t *rdata, uint16_t rdlen, size_t idx)
{
    struct svc_ctx *s = ctx;
    if (idx != 0 || (rdlen != 4 && rdlen != 16))
        return;
    char ip[NETADDR_IPSTRLEN];
    netaddr_ip_text(rdlen == 4 ? AF_INET : AF_INET6, rdata, ip, sizeof ip);
    jsonw_obj_begin(s->w);
    jsonw_kv_str(s->w, "service", s->service);
    jsonw_kv_str(s->w, "host", s->host);
    jsonw_kv_str(s->w, "ip", ip);
    jsonw_kv_str(s->w, "port", s->port);
    jsonw_obj_end(s->w);
    s->n++;
}

/* One SRV record: an entry for its target's first A, then first AAAA;
 * none when the target has no address (as Mesos-DNS). */
static void srv_entry(void *ctx, const uint8_t *rdata, uint16_t rdlen, size_t idx)
{
    struct svc_ctx *s = ctx;
    if (rdlen < 7)
        return;
    char target[DNAME_MAXLEN * 4 + 2];
    if (dname_len(rdata + 6, rdlen - 6) < 0 || dname_to_text(rdata + 6, target, sizeof target) < 0)
        return;
    snprintf(s->port, sizeof s->port, "%u", (unsigned)bytes_get16(rdata + 4));
    s->host = target;
    const zone_node_t *t = s->srv->targets ? s->srv->targets[idx] : NULL;
    if (!t)
        return;
    rrset_each(zone_node_rrset(t, RRTYPE_A), first_addr, s);
    rrset_each(zone_node_rrset(t, RRTYPE_AAAA), first_addr, s);
    s->host = NULL;
}

void http_api_services(const http_ctx_t *c, http_resp_t *r)
{
    char dom[HTTP_URI_MAX + 2];
    jsonw_t w;
    jsonw_init(&w, &r->body, JSON_INDENT);
    jsonw_arr_begin(&w);
    struct svc_ctx *s = calloc(1, sizeof *s);
    if (!s) {
        http_resp_oom(r);
        return;
    }
    s->w = &w;
    /* "service" echoes the path parameter as requested. */
    memcpy(s->service, c->route->param, c->route->param_len);
    s->service[c->route->param_len] = '\0';

    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(c->p->db);
    const zone_node_t *node = lookup(v ? v->snap : NULL, c->route, dom, sizeof dom);
    s->srv = node ? zone_node_rrset(node, RRTYPE_SRV) : NULL;
    rrset_each(s->srv, srv_entry, s);
    urcu_memb_read_unlock();

    if (s->n == 0) {
        jsonw_obj_begin(&w);
        jsonw_kv_str(&w, "service", "");
        jsonw_kv_str(&w, "host", "");
        jsonw_kv_str(&w, "ip", "");
        jsonw_kv_str(&w, "port", "");
        jsonw_obj_end(&w);
    }
    free(s);
    jsonw_arr_end(&w);
    http_resp_done(r, HTTP_CT_JSON);
}

/* The live version, held beyond the read section: the big exports take
 * up to seconds on large clusters, which a read section must not. */
static const zone_version_t *hold(zonedb_t *db)
{
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_hold(db);
    urcu_memb_read_unlock();
    return v;
}

struct export_job {
    const zone_version_t *v;
    const http_ctx_t *c;
    http_export_fn render;
};

static int run_export(void *ctx, buf_t *out)
{
    struct export_job *j = ctx;
    return j->render(j->v, j->c, out);
}

void http_api_export(const http_ctx_t *c, http_resp_t *r, enum bodycache_export which,
                     http_export_fn render, const char *ctype)
{
    struct export_job j = {hold(c->p->db), c, render};
    if (!j.v) {
        http_resp_no_zone(r);
        return;
    }
    int rc = 0;
    const bodycache_body_t *b = bodycache_get(c->cache, which, j.v->serial, run_export, &j, &rc);
    zonedb_release(&j.v);
    if (!b) {
        http_resp_oom(r);
        return;
    }
    buf_release(&r->body);
    r->shared = b;
    r->status = 200;
    r->ctype = ctype;
}

static int render_enumerate(const zone_version_t *v, const http_ctx_t *c, buf_t *out)
{
    return enumerate_json(v->model, c->p->gen, v->hosts, out);
}

void http_api_enumerate(const http_ctx_t *c, http_resp_t *r)
{
    http_api_export(c, r, BODYCACHE_ENUMERATE, render_enumerate, HTTP_CT_JSON);
}

static int render_axfr(const zone_version_t *v, const http_ctx_t *c, buf_t *out)
{
    const config_t *cfg = c->p->cfg;
    export_axfr_params_t ap = {cfg->ttl, cfg->refresh_seconds, cfg->domain};
    return export_axfr_json(v->snap, &ap, out);
}

void http_api_axfr(const http_ctx_t *c, http_resp_t *r)
{
    http_api_export(c, r, BODYCACHE_AXFR, render_axfr, HTTP_CT_JSON);
}
