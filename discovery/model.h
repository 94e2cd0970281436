/* model: the cluster model, the single hand-off from discovery/ to zone/.
 *
 * A model is an immutable value: built once (by the state parser, or later by
 * patching a copy from the event stream), then only read. Everything it points
 * to lives in its own arena and dies with model_free(). Any number of threads
 * may read a finished model.
 *
 * It holds exactly what the naming rules need (compat spec §3, §6): agents,
 * all frameworks, and only the tasks whose state is TASK_RUNNING. Ids (agent,
 * framework and task id strings) are stable across refreshes, so an event
 * stream can patch a copy by id. */
#ifndef MDNS_MODEL_H
#define MDNS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

/* Task IP sources of compat spec §6 (config key IPSources). */
enum model_ipsrc { IPSRC_NETINFO = 0, IPSRC_MESOS, IPSRC_DOCKER, IPSRC_HOST, IPSRC_COUNT };

/* One IP address in network byte order; family is AF_INET or AF_INET6. */
typedef struct model_ip {
    uint8_t family;
    uint8_t addr[16]; /* AF_INET uses the first 4 bytes */
} model_ip_t;

typedef struct model_agent {
    const char *id;       /* "20160107-001256-134875658-5050-27524-S3" */
    const char *hostname; /* "hostname" field; "" when absent */
    const char *pid_host; /* host of pid "slave(1)@10.0.0.1:5051": IP literal or name */
    uint16_t pid_port;
} model_agent_t;

typedef struct model_framework {
    const char *id;
    const char *name;     /* raw, unsanitized */
    const char *hostname; /* "" when absent */
    const char *pid_host; /* NULL when the pid is absent or empty */
    uint16_t pid_port;    /* 0 when no pid */
} model_framework_t;

/* A port range from resources.ports, inclusive: "[31000-31001]" → {31000,31001}. */
typedef struct model_port_range {
    uint16_t begin, end;
} model_port_range_t;

/* One DiscoveryInfo port {number, protocol, name}; strings raw, "" when absent. */
typedef struct model_dport {
    uint16_t number;
    const char *protocol;
    const char *name;
} model_dport_t;

typedef struct model_task {
    const char *id;
    const char *name;                /* raw task name */
    uint32_t framework;              /* index into model.frameworks */
    uint32_t agent;                  /* index into model.agents */
    bool has_discovery;              /* a DiscoveryInfo object is present */
    const char *disc_name;           /* DiscoveryInfo name, raw; NULL when absent */
    const model_port_range_t *ports; /* resources.ports, in document order */
    uint32_t n_ports;
    const model_dport_t *dports; /* discovery.ports.ports */
    uint32_t n_dports;
    /* Valid IPs from the latest TASK_RUNNING status, per source (IPSRC_HOST
     * is always empty here: it is the agent's address, resolved by zone/). */
    const model_ip_t *ips[IPSRC_COUNT];
    uint32_t n_ips[IPSRC_COUNT];
} model_task_t;

typedef struct model {
    arena_t *arena;          /* owns everything below */
    int refs;                /* reference count, atomic; see model_ref() */
    const char *leader;      /* "master@10.0.0.1:5050" */
    const char *leader_host; /* "10.0.0.1" */
    uint16_t leader_port;
    const model_agent_t *agents;
    size_t n_agents;
    const model_framework_t *frameworks;
    size_t n_frameworks;
    const model_task_t *tasks; /* only TASK_RUNNING tasks on a known agent */
    size_t n_tasks;
} model_t;

/* A model starts with one reference (its builder's). Holders that outlive
 * the builder (a published zone version keeps the model it was built from,
 * for /v1/enumerate) take one more with model_ref(). Thread-safe. */
model_t *model_ref(model_t *m);
/* Drop one reference; the last one frees the model and its arena. Sets *m
 * to NULL. NULL-safe. Thread-safe. */
void model_free(model_t **m);

/* Split a libprocess pid "name@host:port" into host (copied into `arena`) and
 * port. IPv6 hosts may be bracketed ("[::1]:5050"); brackets are removed.
 * Returns 0, or -EINVAL for an empty pid, a missing '@' or a bad port. */
int model_parse_pid(arena_t *arena, const char *pid, const char **host, uint16_t *port);

/* Parse a text IP literal (IPv4 or IPv6) into *ip. Returns 0 or -EINVAL.
 * Accepts what Go's net.ParseIP accepts (Mesos-DNS): dotted quads without
 * leading zeros, RFC 4291 IPv6 text; no zone ("%eth0"), brackets or spaces.
 * An IPv4-mapped IPv6 address ("::ffff:10.0.0.1") becomes AF_INET, as Go's
 * To4() makes it an A record. */
int model_ip_parse(const char *text, model_ip_t *ip);
/* The same for `len` bytes that need not be NUL-terminated. */
int model_ip_parsen(const char *text, size_t len, model_ip_t *ip);

/* Parse a Mesos ranges string as in resources.ports: "[31000-31001,
 * 31005-31005]"; a range may be a single value ("[31000]"), spaces around
 * numbers and separators are allowed, "" and "[]" mean no ports. Ranges are
 * written to out[0..cap) in text order; the return value is the number of
 * ranges in the text (may exceed cap: call again with a bigger array), or
 * -EINVAL when the text is malformed (a bad character, a number over 65535,
 * begin > end). */
long model_parse_ports(const char *text, size_t len, model_port_range_t *out, size_t cap);

#endif
