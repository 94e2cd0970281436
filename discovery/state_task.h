/* state_task: the task of a /master/state document being read (compat spec
 * §3, §6), held from its '{' to its '}' and then committed into the model
 * builder when it is running and well-formed.
 *
 * The state parser calls these as the task's fields stream by, in any
 * order. Each status keeps its IPs by source (IPSRC_NETINFO: network_infos[]
 * .ip_addresses[].ip_address, or the network_info's own ip_address when it
 * has no ip_addresses; IPSRC_DOCKER / IPSRC_MESOS: status label values of
 * the keys Docker.NetworkSettings.IPAddress / MesosContainerizer.
 * NetworkSettings.IPAddress). Of all statuses the latest TASK_RUNNING one
 * (largest timestamp, the first on ties) gives the task its IPs.
 *
 * Problems are counted into a state_parse_stats_t at commit: a malformed
 * task (a field of the wrong type, a string with a NUL byte, no id, name or
 * slave_id) is dropped; an invalid IP string, a malformed resources.ports
 * or a DiscoveryInfo port without a valid number drop only that value.
 *
 * Functions returning int return 0, or -ENOMEM. Not thread-safe. */
#ifndef MDNS_STATE_TASK_H
#define MDNS_STATE_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "discovery/mbuild.h"
#include "discovery/state_parse.h"

typedef struct state_task state_task_t;

/* String fields, raw as in the document. */
enum state_task_str {
    STATE_TASK_ID,
    STATE_TASK_NAME,
    STATE_TASK_SLAVE_ID,
    STATE_TASK_DISC_NAME,      /* discovery.name */
    STATE_TASK_DPORT_NAME,     /* discovery.ports.ports[].name */
    STATE_TASK_DPORT_PROTOCOL, /* discovery.ports.ports[].protocol */
};

state_task_t *state_task_new(void);
void state_task_free(state_task_t **t);

/* A new task object starts: forget the previous one. */
void state_task_begin(state_task_t *t);
int state_task_string(state_task_t *t, enum state_task_str which, const char *s, size_t len);
/* The task's `state`; returns true when it is TASK_RUNNING (when not, the
 * caller may skip the rest of the task). */
bool state_task_state(state_task_t *t, const char *s, size_t len);
/* Mark the task malformed; `what` (static text) is shown in the warning. */
void state_task_bad(state_task_t *t, const char *what);
/* resources.ports */
int state_task_ports(state_task_t *t, const char *s, size_t len);
/* A `discovery` object is present. */
void state_task_discovery(state_task_t *t);
/* discovery.ports.ports[] elements. */
int state_task_dport_begin(state_task_t *t);
void state_task_dport_number(state_task_t *t, const char *num, size_t len);
void state_task_dport_end(state_task_t *t);

/* statuses[] elements; `num` is the raw JSON number text. */
void state_task_status_begin(state_task_t *t);
void state_task_status_state(state_task_t *t, const char *s, size_t len);
void state_task_status_timestamp(state_task_t *t, const char *num, size_t len);
void state_task_status_end(state_task_t *t);
/* statuses[].labels[] elements. */
void state_task_label_begin(state_task_t *t);
void state_task_label_key(state_task_t *t, const char *s, size_t len);
void state_task_label_value(state_task_t *t, const char *s, size_t len);
int state_task_label_end(state_task_t *t);
/* statuses[].container_status.network_infos[] elements, their ip_address,
 * and their ip_addresses[] elements with each one's ip_address. */
void state_task_netinfo_begin(state_task_t *t);
void state_task_netinfo_address(state_task_t *t, const char *s, size_t len);
void state_task_ipaddr_begin(state_task_t *t);
int state_task_ipaddr(state_task_t *t, const char *s, size_t len);
int state_task_netinfo_end(state_task_t *t);

/* The task object closed: add it to `mb` (as a task of the framework that
 * mbuild_next_framework() names) when it is running and well-formed, and
 * count it and its problems in *st. 0 or -ENOMEM. */
int state_task_commit(state_task_t *t, mbuild_t *mb, state_parse_stats_t *st);

/* Count `count` problems of kind `w`; the first one's example is printed
 * from `fmt`. Shared with the state parser. */
void state_task_warn(state_parse_stats_t *st, enum state_warn w, size_t count, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copy s[0..len) into dst (NUL-terminated, cut to cap), control bytes
 * replaced by '?', for log lines. */
void state_task_clip(char *dst, size_t cap, const char *s, size_t len);

#endif
