#include "dnsd/stats.h"

#include <stdio.h>

#include "common/prom.h"
#include "zone/snapshot.h"

const uint32_t dnsd_lat_bounds_us[DNSD_LAT_BUCKETS] = {10,   25,   50,    100,    250,    500,
                                                       1000, 5000, 25000, 100000, 500000, 2000000};

static enum dnsd_qtype_slot qtype_slot(uint16_t qtype)
{
    switch (qtype) {
    case RRTYPE_A:
        return QT_A;
    case RRTYPE_NS:
        return QT_NS;
    case RRTYPE_SOA:
        return QT_SOA;
    case RRTYPE_PTR:
        return QT_PTR;
    case RRTYPE_TXT:
        return QT_TXT;
    case RRTYPE_AAAA:
        return QT_AAAA;
    case RRTYPE_SRV:
        return QT_SRV;
    case RRTYPE_AXFR:
        return QT_AXFR;
    case RRTYPE_IXFR:
        return QT_IXFR;
    case RRTYPE_ANY:
        return QT_ANY;
    default:
        return QT_OTHER;
    }
}

void dnsd_stats_count(dnsd_stats_t *s, uint16_t qtype, uint16_t rcode)
{
    DNSD_STAT_INC(s, qtype[qtype_slot(qtype)]);
    unsigned slot = rcode <= 5 ? rcode : rcode == 16 ? RC_BADVERS : RC_OTHER;
    DNSD_STAT_INC(s, rcode[slot]);
}

void dnsd_stats_latency(dnsd_stats_t *s, uint64_t us, uint64_t n)
{
    unsigned b = 0;
    while (b < DNSD_LAT_BUCKETS && us > dnsd_lat_bounds_us[b])
        b++;
    DNSD_STAT_ADD(s, lat_bucket[b], n);
    DNSD_STAT_ADD(s, lat_count, n);
    DNSD_STAT_ADD(s, lat_sum_us, us * n);
}

void dnsd_stats_add(dnsd_stats_t *dst, const dnsd_stats_t *src)
{
    /* The struct is nothing but uint64_t counters (plus tail padding). */
    const uint64_t *s = (const uint64_t *)src;
    uint64_t *d = (uint64_t *)dst;
    for (size_t i = 0; i < sizeof *src / sizeof(uint64_t); i++)
        d[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

static const char *const qtype_names[QT_SLOTS] = {"A",   "NS",   "SOA",  "PTR", "TXT",  "AAAA",
                                                  "SRV", "AXFR", "IXFR", "ANY", "other"};
static const char *const rcode_names[RC_SLOTS] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                  "NOTIMP",  "REFUSED", "BADVERS",  "other"};

static void counter(buf_t *out, const char *name, const char *help, uint64_t v)
{
    prom_metric(out, name, "counter", help, NULL, (double)v);
}

static void latency_histogram(const dnsd_stats_t *s, buf_t *out)
{
    const char *n = "mesosdnsd_dns_answer_duration_seconds";
    prom_family(out, n, "histogram", "Time from receiving a query to sending its answer.");
    char name[64], le[32];
    snprintf(name, sizeof name, "%s_bucket", n);
    uint64_t cum = 0;
    for (int i = 0; i < DNSD_LAT_BUCKETS; i++) {
        cum += s->lat_bucket[i];
        snprintf(le, sizeof le, "le=\"%g\"", dnsd_lat_bounds_us[i] / 1e6);
        prom_sample(out, name, le, (double)cum);
    }
    cum += s->lat_bucket[DNSD_LAT_BUCKETS];
    prom_sample(out, name, "le=\"+Inf\"", (double)cum);
    snprintf(name, sizeof name, "%s_sum", n);
    prom_sample(out, name, NULL, (double)s->lat_sum_us / 1e6);
    snprintf(name, sizeof name, "%s_count", n);
    prom_sample(out, name, NULL, (double)s->lat_count);
}

void dnsd_stats_prometheus(const dnsd_stats_t *s, const fwd_stats_t *fwd, buf_t *out)
{
    char label[32];
    const char *q = "mesosdnsd_dns_queries_total";
    prom_family(out, q, "counter", "DNS queries received, by transport.");
    prom_sample(out, q, "transport=\"udp\"", (double)s->udp_queries);
    prom_sample(out, q, "transport=\"tcp\"", (double)s->tcp_queries);
    q = "mesosdnsd_dns_answers_by_qtype_total";
    prom_family(out, q, "counter", "DNS answers sent, by query type.");
    for (int i = 0; i < QT_SLOTS; i++) {
        snprintf(label, sizeof label, "qtype=\"%s\"", qtype_names[i]);
        prom_sample(out, q, label, (double)s->qtype[i]);
    }
    q = "mesosdnsd_dns_answers_by_rcode_total";
    prom_family(out, q, "counter", "DNS answers sent, by response code.");
    for (int i = 0; i < RC_SLOTS; i++) {
        snprintf(label, sizeof label, "rcode=\"%s\"", rcode_names[i]);
        prom_sample(out, q, label, (double)s->rcode[i]);
    }
    counter(out, "mesosdnsd_dns_dropped_total", "Queries dropped without an answer.", s->dropped);
    counter(out, "mesosdnsd_dns_truncated_total", "Answers cut to fit (TC).", s->truncated);
    counter(out, "mesosdnsd_dns_forwarded_total", "Queries handed to the forwarder.", s->forwarded);
    counter(out, "mesosdnsd_dns_recursion_refused_total",
            "Outside names refused: client not in allowRecursion.", s->recursion_refused);
    const char *t = "mesosdnsd_dns_tcp_connections_total";
    prom_family(out, t, "counter", "TCP connections, by outcome.");
    prom_sample(out, t, "result=\"accepted\"", (double)s->tcp_accepted);
    prom_sample(out, t, "result=\"rejected\"", (double)s->tcp_rejected);
    prom_sample(out, t, "result=\"idle_timeout\"", (double)s->tcp_timeouts);
    latency_histogram(s, out);
    if (!fwd)
        return;
    counter(out, "mesosdnsd_upstream_queries_total", "Queries sent upstream (first attempts).",
            fwd->forwarded);
    counter(out, "mesosdnsd_upstream_retries_total", "Further attempts on other upstreams.",
            fwd->retries);
    counter(out, "mesosdnsd_upstream_timeouts_total", "Upstream attempts that timed out.",
            fwd->timeouts);
    counter(out, "mesosdnsd_upstream_failures_total",
            "Forwarded queries answered SERVFAIL because every upstream failed.", fwd->servfail);
    counter(out, "mesosdnsd_upstream_overflow_total",
            "Forwarded queries refused: too many in flight.", fwd->overflow);
}
