/* ops: /metrics, /healthz, /readyz and the page (see ops.h). */
#include "http/ops.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "common/prom.h"
#include "http/page.h"
#include "zone/snapshot.h"
#include "zone/zonedb.h"

/* The gauges of the live zone version, read here from zonedb rather than
 * from the updater's last build, so they describe what is being served. The
 * updater's section adds the build counters (zone_updater_prometheus); each
 * mesosdnsd_zone_* family comes from exactly one of the two. */
static void zone_metrics(const http_ctx_t *c, buf_t *b)
{
    bool have = false;
    uint32_t serial = 0;
    size_t records = 0, bytes = 0;
    int64_t published_ms = 0;
    urcu_memb_read_lock();
    const zone_version_t *v = zonedb_current(c->p->db);
    if (v) {
        have = true;
        serial = v->serial;
        records = zone_snap_record_count(v->snap);
        bytes = zone_snap_memory(v->snap);
        published_ms = v->published_ms;
    }
    urcu_memb_read_unlock();

    prom_metric(b, "mesosdnsd_zone_published", "gauge",
                "Whether a zone is published (1) or not yet (0).", NULL, have);
    if (!have)
        return;
    prom_metric(b, "mesosdnsd_zone_serial", "gauge", "SOA serial of the published zone.", NULL,
                serial);
    prom_metric(b, "mesosdnsd_zone_records", "gauge",
                "Records in the published zone, SOA and NS included.", NULL, (double)records);
    prom_metric(b, "mesosdnsd_zone_snapshot_bytes", "gauge",
                "Memory held by the published zone snapshot.", NULL, (double)bytes);
    prom_metric(b, "mesosdnsd_zone_published_timestamp_seconds", "gauge",
                "When the published zone content last changed (Unix time).", NULL,
                (double)published_ms / 1000.0);
}

static void http_metrics(const http_ctx_t *c, buf_t *b)
{
    const http_counters_t *k = c->counters;
    const char *req = "mesosdnsd_http_requests_total";
    prom_family(b, req, "counter", "HTTP requests answered, by endpoint and status code.");
    for (int ep = 0; ep < HTTP_EP_COUNT; ep++) {
        for (int cs = 0; cs < HTTP_CS_COUNT; cs++) {
            uint64_t n = __atomic_load_n(&k->requests[ep][cs], __ATOMIC_RELAXED);
            if (!n)
                continue;
            char labels[96], code[8];
            int sc = http_resp_slot_code((enum http_code_slot)cs);
            if (sc)
                snprintf(code, sizeof code, "%d", sc);
            else
                snprintf(code, sizeof code, "other");
            snprintf(labels, sizeof labels, "endpoint=\"%s\",code=\"%s\"",
                     http_route_ep_name((enum http_ep)ep), code);
            prom_sample(b, req, labels, (double)n);
        }
    }
    prom_metric(b, "mesosdnsd_http_connections", "gauge", "Open HTTP connections.", NULL,
                (double)__atomic_load_n(&k->conns_open, __ATOMIC_RELAXED));
    prom_metric(b, "mesosdnsd_http_connections_total", "counter", "HTTP connections accepted.",
                NULL, (double)__atomic_load_n(&k->conns_total, __ATOMIC_RELAXED));
}

/* The standard process_* metrics, from /proc (Linux). */
static void process_metrics(buf_t *b)
{
    char st[1024];
    FILE *f = fopen("/proc/self/stat", "re");
    size_t n = f ? fread(st, 1, sizeof st - 1, f) : 0;
    if (f)
        fclose(f);
    st[n] = '\0';
    const char *p = strrchr(st, ')'); /* the command name may hold spaces */
    unsigned long utime, stime, vsize;
    unsigned long long start;
    long rss;
    if (p && sscanf(p + 2,
                    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                    "%*d %*d %llu %lu %ld",
                    &utime, &stime, &start, &vsize, &rss) == 5) {
        double hz = (double)sysconf(_SC_CLK_TCK);
        prom_metric(b, "process_cpu_seconds_total", "counter",
                    "Total user and system CPU time spent in seconds.", NULL,
                    (double)(utime + stime) / hz);
        prom_metric(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                    NULL, (double)rss * (double)sysconf(_SC_PAGESIZE));
        prom_metric(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                    NULL, (double)vsize);
        unsigned long long btime = 0;
        char line[256];
        FILE *s = fopen("/proc/stat", "re");
        while (s && fgets(line, sizeof line, s))
            if (sscanf(line, "btime %llu", &btime) == 1)
                break;
        if (s)
            fclose(s);
        if (btime)
            prom_metric(b, "process_start_time_seconds", "gauge",
                        "Start time of the process since unix epoch in seconds.", NULL,
                        (double)btime + (double)start / hz);
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long fds = -1; /* the DIR's own descriptor */
        while (readdir(d))
            fds++;
        closedir(d);
        prom_metric(b, "process_open_fds", "gauge", "Number of open file descriptors.", NULL,
                    (double)(fds - 2)); /* minus "." and ".." */
    }
}

void http_ops_metrics(const http_ctx_t *c, http_resp_t *r)
{
    buf_t *b = &r->body;
    char labels[64];
    snprintf(labels, sizeof labels, "version=\"%s\"", MDNS_VERSION);
    prom_metric(b, "mesosdnsd_build_info", "gauge", "Version of mesos-dnsd.", labels, 1);
    zone_metrics(c, b);
    for (int i = 0; i < HTTP_MAX_METRICS && c->p->metrics[i]; i++)
        c->p->metrics[i](c->p->metrics_ctx[i], b);
    http_metrics(c, b);
    process_metrics(b);
    http_resp_done(r, HTTP_CT_PROM);
}

void http_ops_healthz(const http_ctx_t *c, http_resp_t *r)
{
    (void)c;
    http_resp_text(r, 200, "ok\n");
}

void http_ops_readyz(const http_ctx_t *c, http_resp_t *r)
{
    urcu_memb_read_lock();
    bool have = zonedb_current(c->p->db) != NULL;
    urcu_memb_read_unlock();
    if (!have) {
        http_resp_text(r, 503, "not ready: no zone published yet\n");
        return;
    }
    char why[256] = "";
    if (c->p->ready && !c->p->ready(c->p->ready_ctx, why, sizeof why)) {
        why[sizeof why - 1] = '\0';
        http_resp_text(r, 503, "not ready: ");
        buf_puts(&r->body, why[0] ? why : "a layer is not ready");
        buf_putc(&r->body, '\n');
        return;
    }
    http_resp_text(r, 200, "ready\n");
}

void http_ops_page(const http_ctx_t *c, http_resp_t *r)
{
    (void)c;
    buf_puts(&r->body, http_page_html);
    http_resp_done(r, HTTP_CT_HTML);
}
