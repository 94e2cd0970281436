/* gen: the Mesos-DNS naming rules (compat spec §4-§6) as a pure function
 * from a cluster model to a stream of records.
 *
 * zone_gen_run() walks the model once, in Mesos-DNS's generation order
 * (frameworks, agents, name server, masters, then tasks framework by
 * framework), and hands every record to a sink. Sinks decide what to do:
 * the zone updater adds them to a zone_builder, /v1/enumerate writes JSON,
 * golden tests print text. Nothing here allocates per record beyond the
 * caller's sink, resolves names, or logs per record (problems are counted
 * in zone_gen_stats and logged once per run by the caller).
 *
 * Thread-safety: reentrant; the model, config and lookup are only read. */
#ifndef MDNS_ZONE_GEN_H
#define MDNS_ZONE_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discovery/model.h"

typedef struct zone_gen_cfg {
    const char *domain;                 /* lowercase, no trailing dot ("mesos") */
    bool rfc952;                        /* EnforceRFC952: label rule of spec §5 */
    bool legacy_raw_names;              /* the raw DiscoveryInfo-name twin (§4.5) */
    const enum model_ipsrc *ip_sources; /* IPSources, in order */
    size_t n_ip_sources;
    uint16_t srv_weight;      /* srvRecordDefaultWeight; priority is 0 */
    const char *soa_mname;    /* SOAMname with trailing dot */
    const model_ip_t *ns_ips; /* addresses of SOAMname (from listener) */
    size_t n_ns_ips;
    const char *const *masters; /* config `masters`, "host:port" as written */
    size_t n_masters;
} zone_gen_cfg_t;

/* IPs of a host name that is not an IP literal, resolved beforehand (see
 * zone/hostcache.h). Returns how many (*ips points at them), 0 when the
 * name is unknown or did not resolve: the record is then dropped. */
typedef size_t (*zone_gen_lookup_fn)(void *ctx, const char *host, const model_ip_t **ips);

typedef struct zone_gen_rec {
    const uint8_t *owner; /* lowercase wire form, absolute */
    uint8_t owner_len;
    uint16_t type;        /* RRTYPE_A, RRTYPE_AAAA or RRTYPE_SRV */
    const uint8_t *rdata; /* wire RDATA (SRV target uncompressed, lowercase) */
    uint16_t rdlen;
    int32_t framework; /* index into model->frameworks, -1 when none */
    int32_t task;      /* index into model->tasks, -1 when not a task record */
} zone_gen_rec_t;

/* Receives each record; the pointers are valid only during the call.
 * Returning non-zero stops the run, and zone_gen_run returns that value. */
typedef int (*zone_gen_sink_fn)(void *ctx, const zone_gen_rec_t *rec);

/* What a run dropped, for one log line per kind (never one per record). */
typedef struct zone_gen_stats {
    size_t records;       /* records handed to the sink */
    size_t name_too_long; /* names over 255 octets dropped */
    size_t unresolved;    /* hosts with no IP (lookup failed) */
    size_t tasks_no_ip;   /* running tasks with no IP from any source */
    size_t invalid_name;  /* names dropped that cannot be DNS names: an empty
                           * label (framework or task name with no valid
                           * character) or one over 63 octets (raw-name twin,
                           * agent id tail) that no §7 cut applies to */
    const char *example;  /* one offending name/host, for the log line */
} zone_gen_stats_t;

/* Generate every record of `m`. `lookup` may be NULL (names then never
 * resolve). `stats` may be NULL. Returns 0, or the sink's non-zero value
 * (the run stops there), or -EINVAL for a bad cfg->domain, -ENOMEM, or -EIO
 * when SHA-1 fails. Drop counters count each name occurrence left out. */
int zone_gen_run(const model_t *m, const zone_gen_cfg_t *cfg, zone_gen_lookup_fn lookup,
                 void *lookup_ctx, zone_gen_sink_fn sink, void *sink_ctx, zone_gen_stats_t *stats);

#endif
