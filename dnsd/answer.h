/* answer: turn one DNS query (wire) into one response (wire) from a zone
 * snapshot, without allocating (compat spec §7, dcos-and-bind spec §1).
 *
 * The pipeline is a row of small per-section steps: parse and check the
 * header and question, normalise the name ('.*' removal, DC/OS suffix
 * rename), look up, then write ANSWER, AUTHORITY and ADDITIONAL with name
 * compression, EDNS(0) and truncation at a record boundary.
 *
 * Thread-safety: an answer_ctx belongs to one worker thread; the snapshot is
 * shared read-only (caller holds rcu_read_lock() around answer_query). */
#ifndef MDNS_DNSD_ANSWER_H
#define MDNS_DNSD_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dname.h"
#include "dnsd/wire.h"
#include "zone/snapshot.h"

/* Behaviour switches, from config; shared read-only by all workers. */
typedef struct answer_cfg {
    const char *domain;       /* zone apex text, used while no snapshot exists */
    bool recurse_on;          /* RA bit */
    bool external_on;         /* forward outside names (else REFUSED) */
    bool set_truncate_bit;    /* SetTruncateBit */
    uint16_t edns_max;        /* cap on the client's EDNS UDP size (>= 512) */
    const char *identity;     /* CH TXT id.server / hostname.bind */
    const char *version_bind; /* CH TXT version.bind, NULL/"" = hidden */
} answer_cfg_t;

enum answer_action {
    ANSWER_SEND = 0, /* send out[0..len) */
    ANSWER_DROP,     /* send nothing (unparseable header, a response, ...) */
    ANSWER_FORWARD,  /* name outside the zone and forwarding allowed: the
                        caller forwards the original query upstream */
    ANSWER_XFR,      /* AXFR/IXFR of the zone apex over TCP: the caller checks
                        allowTransfer and streams it with dnsd/xfr.h */
};

typedef struct answer_result {
    enum answer_action action;
    size_t len;     /* bytes written to `out` when ANSWER_SEND */
    uint16_t qtype; /* for metrics; 0 when no question was parsed */
    uint16_t rcode; /* extended rcode sent, for metrics */
    bool truncated; /* TC set or records cut */
} answer_result_t;

#define ANSWER_MAX_ORDER 4096 /* records shuffled exactly; larger RRsets rotate */
#define ANSWER_MAX_ADDS  256  /* distinct SRV targets given ADDITIONAL records */
#define ANSWER_ADD_SLOTS 512  /* hash set over those targets (power of two) */

/* Per-worker state: configuration, RNG for answer shuffling, scratch. All of
 * it is private to answer.c; callers only allocate it (about 40 KiB, so not
 * on a small thread stack) and call answer_ctx_init once. */
typedef struct answer_ctx {
    const answer_cfg_t *cfg;
    uint64_t rng;
    /* Derived from cfg once, so that no query measures a config string. */
    uint8_t domain[DNAME_MAXLEN]; /* cfg->domain, lowercase wire */
    uint8_t domain_len;           /* 0 when cfg->domain is invalid */
    uint8_t id_txt[256];          /* TXT RDATA (one string) for id.server */
    uint16_t id_txt_len;          /* 0 = hidden */
    uint8_t ver_txt[256];         /* TXT RDATA for version.bind */
    uint16_t ver_txt_len;         /* 0 = hidden */
    uint16_t edns_max;            /* cfg->edns_max, at least 512 */
    /* Per query. */
    wire_query_t q;
    uint8_t name[DNAME_MAXLEN]; /* normalised lookup name, lowercase */
    uint8_t name_len;
    uint8_t nlabels;
    uint8_t lstart[128];          /* label offsets in `name` */
    uint8_t rename[DNAME_MAXLEN]; /* a zone name moved under the DC/OS suffix */
    wire_writer_t w;
    /* Lazy Fisher-Yates: position i holds order[i] when order_gen[i] ==
     * shuffle_gen, else i itself, so a new shuffle starts in O(1) and a
     * cut answer costs only the records it writes. */
    uint16_t order[ANSWER_MAX_ORDER];
    uint32_t order_gen[ANSWER_MAX_ORDER];
    uint32_t shuffle_gen;
    uint32_t offs[ANSWER_MAX_ORDER]; /* record offsets in the RRset's rdata */
    struct answer_add {
        const zone_node_t *node; /* SRV/NS target node in the zone */
        uint32_t off;            /* where its name was written (owner pointer) */
    } adds[ANSWER_MAX_ADDS];
    uint16_t n_adds;
    struct {
        uint32_t gen;
        const zone_node_t *node;
    } add_set[ANSWER_ADD_SLOTS];
    uint32_t add_gen;
} answer_ctx_t;

/* Prepare `ctx` for `cfg` (kept by pointer, must outlive ctx). An empty or
 * NULL cfg->identity answers id.server with gethostname(); an empty or NULL
 * cfg->version_bind hides version.bind (REFUSED). Strings longer than 255
 * octets are cut to one TXT character-string. */
void answer_ctx_init(answer_ctx_t *ctx, const answer_cfg_t *cfg, uint64_t seed);

/* Answer `query` (`qlen` bytes) into `out` (`cap` bytes, >= 512; 65535 for
 * TCP). `tcp` lifts the UDP size limit. `z` may be NULL before the first zone
 * exists: in-zone names then get SERVFAIL. Always fills *res.
 *
 * ANSWER_DROP: shorter than a header, QR set, qlen > 65535 or cap < 512.
 * ANSWER_FORWARD: class IN, a name outside the zone (and outside our DC/OS
 * suffix), cfg->external_on; nothing is written. Otherwise ANSWER_SEND with
 * at most 512 bytes (UDP, no EDNS), min(max(client size, 512), edns_max)
 * (UDP with EDNS) or min(cap, 65535) (TCP). Error answers: FORMERR
 * (QDCOUNT != 1, malformed question/OPT, records in ANSWER/AUTHORITY other
 * than the SOA of an IXFR (RFC 1995 §3), QTYPE
 * OPT/TKEY/TSIG), NOTIMP (opcode != QUERY, AXFR over UDP), NOTAUTH
 * (AXFR/IXFR of a name below the apex), REFUSED (class not IN/CH, outside
 * names without external_on, transfers outside the zone), BADVERS (EDNS
 * version > 0). ANSWER_XFR: AXFR/IXFR of the apex over TCP (the caller
 * checks allowTransfer and streams it, xfr.h); IXFR over UDP gets the SOA. The rationale of each
 * choice is at the top of answer.c. */
void answer_query(answer_ctx_t *ctx, const zone_snap_t *z, const uint8_t *query, size_t qlen,
                  bool tcp, uint8_t *out, size_t cap, answer_result_t *res);

#endif
