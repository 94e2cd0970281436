#include "dnsd/stats.h"

#include "zone/snapshot.h"

const uint32_t dnsd_lat_bounds_us[DNSD_LAT_BUCKETS] = {
    10, 25, 50, 100, 250, 500, 1000, 5000, 25000, 100000, 500000, 2000000};

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
