#include "dnsd/stats.h"

#include <inttypes.h>

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

static void family(buf_t *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labelled(buf_t *out, const char *name, const char *label, const char *value, uint64_t n)
{
    buf_printf(out, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, value, n);
}

static void counter(buf_t *out, const char *name, const char *help, uint64_t n)
{
    family(out, name, "counter", help);
    buf_printf(out, "%s %" PRIu64 "\n", name, n);
}

static void latency(const dnsd_stats_t *s, buf_t *out)
{
    const char *h = "mesosdnsd_dns_response_duration_seconds";
    family(out, h, "histogram", "Time from reading a query to sending its answer.");
    uint64_t cum = 0;
    for (int b = 0; b < DNSD_LAT_BUCKETS; b++) {
        cum += s->lat_bucket[b];
        buf_printf(out, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", h, dnsd_lat_bounds_us[b] / 1e6, cum);
    }
    cum += s->lat_bucket[DNSD_LAT_BUCKETS];
    buf_printf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", h, cum);
    buf_printf(out, "%s_sum %.6f\n", h, (double)s->lat_sum_us / 1e6);
    buf_printf(out, "%s_count %" PRIu64 "\n", h, s->lat_count);
}

void dnsd_stats_prometheus(const dnsd_stats_t *s, buf_t *out)
{
    static const char *const qt[QT_SLOTS] = {"A",   "NS",   "SOA",  "PTR", "TXT",  "AAAA",
                                             "SRV", "AXFR", "IXFR", "ANY", "other"};
    static const char *const rc[RC_SLOTS] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                             "NOTIMP",  "REFUSED", "BADVERS",  "other"};
    const char *q = "mesosdnsd_dns_queries_total";
    family(out, q, "counter", "DNS queries received, by transport.");
    labelled(out, q, "transport", "udp", s->udp_queries);
    labelled(out, q, "transport", "tcp", s->tcp_queries);
    q = "mesosdnsd_dns_queries_by_type_total";
    family(out, q, "counter", "DNS queries answered, by query type.");
    for (int i = 0; i < QT_SLOTS; i++)
        labelled(out, q, "qtype", qt[i], s->qtype[i]);
    q = "mesosdnsd_dns_responses_total";
    family(out, q, "counter", "DNS responses sent, by response code.");
    for (int i = 0; i < RC_SLOTS; i++)
        labelled(out, q, "rcode", rc[i], s->rcode[i]);
    counter(out, "mesosdnsd_dns_dropped_total", "Messages dropped without an answer.", s->dropped);
    counter(out, "mesosdnsd_dns_truncated_total", "Answers cut to fit the client's size.",
            s->truncated);
    counter(out, "mesosdnsd_dns_forwarded_total",
            "Queries outside the domain handed to the forwarder.", s->forwarded);
    counter(out, "mesosdnsd_dns_recursion_refused_total",
            "Queries outside the domain refused: client not in allowRecursion.",
            s->recursion_refused);
    q = "mesosdnsd_dns_tcp_connections_total";
    family(out, q, "counter", "DNS TCP connections, by outcome.");
    labelled(out, q, "result", "accepted", s->tcp_accepted);
    labelled(out, q, "result", "rejected", s->tcp_rejected);
    labelled(out, q, "result", "timeout", s->tcp_timeouts);
    latency(s, out);
}
