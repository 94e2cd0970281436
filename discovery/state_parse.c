/* Streaming parser of /master/state on top of yajl's event parser.
 *
 * Why yajl and not our own tokenizer: measured on the 100k-task document
 * (bench/README.md), yajl with the yajl_number callback (no number
 * conversion) reads 115 MiB in ~0.22 s here, a fraction of the 1 s budget,
 * while validating JSON and UTF-8 fully; a hand-written tokenizer would buy
 * little and add a large attack surface.
 *
 * How: a small stack of "frames" mirrors the containers we care about
 * (root, slaves[], an agent, frameworks[], a framework, tasks[], a task, its
 * statuses, labels, network_infos, discovery ports). Each object frame has a
 * table of the keys it reads; the value of any other key is skipped by
 * counting nesting depth, without looking at it. Agents and frameworks are
 * committed when their object closes; a task is held in scratch buffers until
 * its object closes, then committed into the model arena if it is running and
 * well-formed. Tasks name their agent by a number (interned agent id), which
 * finish() maps to the agent index once every agent is known (agents may come
 * after frameworks in the document). */
#include "discovery/state_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#include "common/errcode.h"
#include "common/log.h"
#include "discovery/mbuild.h"
#include "discovery/state_task.h"
#include "discovery/tokguard.h"

/* ---- what we read: frames and their keys ---- */

enum frame {
    F_NONE = 0,
    F_ROOT,
    F_AGENTS,
    F_AGENT,
    F_FWS,
    F_FW,
    F_TASKS,
    F_TASK,
    F_RES,
    F_STATUSES,
    F_STATUS,
    F_SLABELS,
    F_SLABEL,
    F_CSTATUS,
    F_NETINFOS,
    F_NETINFO,
    F_IPADDRS,
    F_IPADDR,
    F_DISC,
    F_DPORTS_OBJ,
    F_DPORTS,
    F_DPORT,
    F_COUNT
};

enum key {
    K_LEADER = 1,
    K_SLAVES,
    K_FRAMEWORKS,
    K_ID,
    K_HOSTNAME,
    K_PID,
    K_NAME,
    K_TASKS,
    K_SLAVE_ID,
    K_STATE,
    K_RESOURCES,
    K_STATUSES,
    K_DISCOVERY,
    K_PORTS,
    K_TIMESTAMP,
    K_LABELS,
    K_CSTATUS,
    K_KEY,
    K_VALUE,
    K_NETINFOS,
    K_IPADDRS,
    K_IPADDR,
    K_NUMBER,
    K_PROTOCOL
};

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_OBJ, J_ARR };
/* Which entry a frame belongs to: a problem inside it drops that entry. */
enum entry { E_DOC, E_AGENT, E_FW, E_TASK };

struct keydef {
    const char *name;
    uint8_t len, key, type, child;
};
/* clang-format off */
#define KD(n, k, t, c) {n, sizeof(n) - 1, k, t, c}
#define KEND {NULL, 0, 0, 0, 0}
/* clang-format on */

static const struct keydef kd_root[] = {KD("leader", K_LEADER, J_STR, 0),
                                        KD("slaves", K_SLAVES, J_ARR, F_AGENTS),
                                        KD("frameworks", K_FRAMEWORKS, J_ARR, F_FWS), KEND};
static const struct keydef kd_agent[] = {KD("id", K_ID, J_STR, 0),
                                         KD("hostname", K_HOSTNAME, J_STR, 0),
                                         KD("pid", K_PID, J_STR, 0), KEND};
static const struct keydef kd_fw[] = {KD("id", K_ID, J_STR, 0),
                                      KD("name", K_NAME, J_STR, 0),
                                      KD("pid", K_PID, J_STR, 0),
                                      KD("hostname", K_HOSTNAME, J_STR, 0),
                                      KD("tasks", K_TASKS, J_ARR, F_TASKS),
                                      KEND};
static const struct keydef kd_task[] = {KD("id", K_ID, J_STR, 0),
                                        KD("name", K_NAME, J_STR, 0),
                                        KD("slave_id", K_SLAVE_ID, J_STR, 0),
                                        KD("state", K_STATE, J_STR, 0),
                                        KD("resources", K_RESOURCES, J_OBJ, F_RES),
                                        KD("statuses", K_STATUSES, J_ARR, F_STATUSES),
                                        KD("discovery", K_DISCOVERY, J_OBJ, F_DISC),
                                        KEND};
static const struct keydef kd_res[] = {KD("ports", K_PORTS, J_STR, 0), KEND};
static const struct keydef kd_status[] = {
    KD("state", K_STATE, J_STR, 0), KD("timestamp", K_TIMESTAMP, J_NUM, 0),
    KD("labels", K_LABELS, J_ARR, F_SLABELS), KD("container_status", K_CSTATUS, J_OBJ, F_CSTATUS),
    KEND};
static const struct keydef kd_slabel[] = {KD("key", K_KEY, J_STR, 0),
                                          KD("value", K_VALUE, J_STR, 0), KEND};
static const struct keydef kd_cstatus[] = {KD("network_infos", K_NETINFOS, J_ARR, F_NETINFOS),
                                           KEND};
static const struct keydef kd_netinfo[] = {KD("ip_addresses", K_IPADDRS, J_ARR, F_IPADDRS),
                                           KD("ip_address", K_IPADDR, J_STR, 0), KEND};
static const struct keydef kd_ipaddr[] = {KD("ip_address", K_IPADDR, J_STR, 0), KEND};
static const struct keydef kd_disc[] = {KD("name", K_NAME, J_STR, 0),
                                        KD("ports", K_PORTS, J_OBJ, F_DPORTS_OBJ), KEND};
static const struct keydef kd_dports_obj[] = {KD("ports", K_PORTS, J_ARR, F_DPORTS), KEND};
static const struct keydef kd_dport[] = {KD("number", K_NUMBER, J_NUM, 0),
                                         KD("name", K_NAME, J_STR, 0),
                                         KD("protocol", K_PROTOCOL, J_STR, 0), KEND};

struct framedef {
    const struct keydef *keys; /* object frames; NULL for arrays */
    uint8_t elem;              /* arrays: frame of each (object) element */
    uint8_t entry;
};

static const struct framedef frames[F_COUNT] = {
    [F_ROOT] = {kd_root, 0, E_DOC},
    [F_AGENTS] = {NULL, F_AGENT, E_DOC},
    [F_AGENT] = {kd_agent, 0, E_AGENT},
    [F_FWS] = {NULL, F_FW, E_DOC},
    [F_FW] = {kd_fw, 0, E_FW},
    [F_TASKS] = {NULL, F_TASK, E_FW},
    [F_TASK] = {kd_task, 0, E_TASK},
    [F_RES] = {kd_res, 0, E_TASK},
    [F_STATUSES] = {NULL, F_STATUS, E_TASK},
    [F_STATUS] = {kd_status, 0, E_TASK},
    [F_SLABELS] = {NULL, F_SLABEL, E_TASK},
    [F_SLABEL] = {kd_slabel, 0, E_TASK},
    [F_CSTATUS] = {kd_cstatus, 0, E_TASK},
    [F_NETINFOS] = {NULL, F_NETINFO, E_TASK},
    [F_NETINFO] = {kd_netinfo, 0, E_TASK},
    [F_IPADDRS] = {NULL, F_IPADDR, E_TASK},
    [F_IPADDR] = {kd_ipaddr, 0, E_TASK},
    [F_DISC] = {kd_disc, 0, E_TASK},
    [F_DPORTS_OBJ] = {kd_dports_obj, 0, E_TASK},
    [F_DPORTS] = {NULL, F_DPORT, E_TASK},
    [F_DPORT] = {kd_dport, 0, E_TASK},
};

#define MAX_DEPTH 16 /* deepest frame path is 12 */

/* ---- parser state ---- */

struct state_parser {
    yajl_handle y;
    tokguard_t guard;        /* in front of yajl: whole tokens only */
    state_warn_memo_t *memo; /* NULL: log every warning */
    mbuild_t *mb;
    arena_t *arena; /* the model's (mbuild_arena) */
    state_task_t *task;

    uint8_t stack[MAX_DEPTH];
    int depth;
    const struct keydef *kd; /* key just read; NULL = skip its value */
    size_t skip;             /* > 0: inside a skipped value, its depth */
    bool skip_rest;          /* the skip ends with the current frame */
    bool root_done;

    char *leader;
    size_t leader_len;
    bool leader_set;

    /* agent or framework in progress: strings go straight to the arena
     * (a dropped entry wastes a few bytes there, entries are rarely bad) */
    const char *e_id, *e_name, *e_host, *e_pid;
    size_t e_id_len;
    const char *e_bad; /* why the entry is malformed, NULL when it is not */
    size_t fw_task_start;

    int err; /* 0, -EPROTO or -ENOMEM: sticky */
    char reason[200];
    size_t fed; /* bytes handed to yajl before the current yajl_parse */
    state_parse_stats_t stats;
};

typedef struct state_parser P;

static int fail(P *p, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(P *p, int err, const char *fmt, ...)
{
    if (!p->err) {
        p->err = err;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->reason, sizeof p->reason, fmt, ap);
        va_end(ap);
    }
    return 0; /* a yajl callback's "stop" */
}

static int nomem(P *p)
{
    return fail(p, -ENOMEM, "out of memory");
}

/* A yajl callback's result from a 0 / -ENOMEM one. */
static int ok(P *p, int rc)
{
    return rc == 0 ? 1 : nomem(p);
}

#define WARN(p, w, ...) state_task_warn(&(p)->stats, w, 1, __VA_ARGS__)

/* ---- agents and frameworks ---- */

static void entry_open(P *p)
{
    p->e_id = p->e_name = p->e_host = p->e_pid = NULL;
    p->e_id_len = 0;
    p->e_bad = NULL;
}

static int entry_str(P *p, int key, const char *s, size_t len)
{
    char *copy = arena_strndup(p->arena, s, len);
    if (!copy)
        return nomem(p);
    if (memchr(s, '\0', len) && !p->e_bad)
        p->e_bad = "a string with a NUL byte";
    switch (key) {
    case K_ID:
        p->e_id = copy;
        p->e_id_len = len;
        break;
    case K_NAME:
        p->e_name = copy;
        break;
    case K_HOSTNAME:
        p->e_host = copy;
        break;
    default:
        p->e_pid = copy;
        break;
    }
    return 1;
}

static int commit_agent(P *p)
{
    const char *id = p->e_id, *pid = p->e_pid;
    if (p->e_bad) {
        WARN(p, STATE_WARN_AGENT_TYPE, "%s: %s", id ? id : "(no id)", p->e_bad);
        return 1;
    }
    if (!id || !*id) {
        WARN(p, STATE_WARN_AGENT_ID, "agent with pid \"%s\"", pid ? pid : "");
        return 1;
    }
    model_agent_t a = {.hostname = p->e_host ? p->e_host : ""};
    int rc = pid ? model_parse_pid(p->arena, pid, &a.pid_host, &a.pid_port) : -EINVAL;
    if (rc == -EINVAL) {
        if (pid)
            WARN(p, STATE_WARN_AGENT_PID, "%s: pid \"%s\"", id, pid);
        else
            WARN(p, STATE_WARN_AGENT_PID, "%s: no pid", id);
        return 1;
    }
    return ok(p, rc ? rc : mbuild_add_agent(p->mb, id, p->e_id_len, &a));
}

static int commit_fw(P *p)
{
    const char *id = p->e_id, *name = p->e_name, *pid = p->e_pid;
    model_framework_t f = {.id = id, .name = name, .hostname = p->e_host ? p->e_host : ""};
    int rc = 0;
    if (p->e_bad)
        WARN(p, STATE_WARN_FW_TYPE, "%s: %s", id ? id : "(no id)", p->e_bad);
    else if (!id || !*id || !name)
        WARN(p, STATE_WARN_FW_ID, "%s: no %s", id && *id ? id : "(no id)",
             id && *id ? "name" : "id");
    else if (pid && (rc = model_parse_pid(p->arena, pid, &f.pid_host, &f.pid_port)) == -EINVAL)
        WARN(p, STATE_WARN_FW_PID, "%s (%s): pid \"%s\"", name, id, pid);
    else
        return ok(p, rc ? rc : mbuild_add_framework(p->mb, &f));
    mbuild_truncate_tasks(p->mb, p->fw_task_start); /* its tasks go with it */
    return 1;
}

/* ---- dispatch ---- */

static int task_scalar(P *p, uint8_t f, int key, const char *s, size_t len)
{
    state_task_t *t = p->task;
    switch (key) {
    case K_STATE:
        if (f == F_STATUS) {
            state_task_status_state(t, s, len);
        } else if (!state_task_state(t, s, len)) {
            p->skip = 1; /* a task not running: nothing else of it matters */
            p->skip_rest = true;
        }
        return 1;
    case K_TIMESTAMP:
        state_task_status_timestamp(t, s, len);
        return 1;
    case K_PORTS:
        return ok(p, state_task_ports(t, s, len));
    case K_KEY:
        state_task_label_key(t, s, len);
        return 1;
    case K_VALUE:
        state_task_label_value(t, s, len);
        return 1;
    case K_IPADDR:
        if (f == F_NETINFO) {
            state_task_netinfo_address(t, s, len);
            return 1;
        }
        return ok(p, state_task_ipaddr(t, s, len));
    case K_NUMBER:
        state_task_dport_number(t, s, len);
        return 1;
    case K_NAME:
        return ok(p, state_task_string(t,
                                       f == F_TASK   ? STATE_TASK_NAME
                                       : f == F_DISC ? STATE_TASK_DISC_NAME
                                                     : STATE_TASK_DPORT_NAME,
                                       s, len));
    case K_PROTOCOL:
        return ok(p, state_task_string(t, STATE_TASK_DPORT_PROTOCOL, s, len));
    default: /* K_ID, K_SLAVE_ID */
        return ok(p,
                  state_task_string(t, key == K_ID ? STATE_TASK_ID : STATE_TASK_SLAVE_ID, s, len));
    }
}

static int scalar(P *p, uint8_t f, int key, const char *s, size_t len)
{
    switch (frames[f].entry) {
    case E_DOC: /* K_LEADER */
        free(p->leader);
        p->leader_len = len;
        p->leader_set = true;
        if (!(p->leader = malloc(len + 1)))
            return nomem(p);
        memcpy(p->leader, s, len);
        p->leader[len] = '\0';
        return 1;
    case E_AGENT:
    case E_FW:
        return entry_str(p, key, s, len);
    default:
        return task_scalar(p, f, key, s, len);
    }
}

static int open_frame(P *p, uint8_t f)
{
    if (p->depth == MAX_DEPTH) /* unreachable: the schema is 12 deep */
        return fail(p, -EPROTO, "state document nested too deeply");
    p->stack[p->depth++] = f;
    switch (f) {
    case F_AGENT:
        entry_open(p);
        return 1;
    case F_FW:
        entry_open(p);
        p->fw_task_start = mbuild_task_count(p->mb);
        return 1;
    case F_TASK:
        state_task_begin(p->task);
        return 1;
    case F_STATUS:
        state_task_status_begin(p->task);
        return 1;
    case F_SLABEL:
        state_task_label_begin(p->task);
        return 1;
    case F_NETINFO:
        state_task_netinfo_begin(p->task);
        return 1;
    case F_IPADDR:
        state_task_ipaddr_begin(p->task);
        return 1;
    case F_DISC:
        state_task_discovery(p->task);
        return 1;
    case F_DPORT:
        return ok(p, state_task_dport_begin(p->task));
    default:
        return 1;
    }
}

static int close_frame(P *p)
{
    switch (p->stack[--p->depth]) {
    case F_ROOT:
        p->root_done = true;
        return 1;
    case F_AGENT:
        return commit_agent(p);
    case F_FW:
        return commit_fw(p);
    case F_TASK:
        return ok(p, state_task_commit(p->task, p->mb, &p->stats));
    case F_STATUS:
        state_task_status_end(p->task);
        return 1;
    case F_SLABEL:
        return ok(p, state_task_label_end(p->task));
    case F_NETINFO:
        return ok(p, state_task_netinfo_end(p->task));
    case F_DPORT:
        state_task_dport_end(p->task);
        return 1;
    default:
        return 1;
    }
}

static const char *jtype_name(int t)
{
    static const char *const n[] = {"null",     "a boolean", "a number",
                                    "a string", "an object", "an array"};
    return n[t];
}

/* A value of the wrong type (or a non-object element of an entry list). */
static int wrong_type(P *p, uint8_t f, const struct keydef *kd, int got)
{
    if (f == F_AGENTS || f == F_FWS || f == F_TASKS) { /* no entry is open: count it */
        enum state_warn w = f == F_AGENTS ? STATE_WARN_AGENT_TYPE
                            : f == F_FWS  ? STATE_WARN_FW_TYPE
                                          : STATE_WARN_TASK_TYPE;
        p->stats.tasks += f == F_TASKS;
        WARN(p, w, "%s[] element is %s",
             f == F_AGENTS ? "slaves"
             : f == F_FWS  ? "frameworks"
                           : "tasks",
             jtype_name(got));
        return 1;
    }
    switch (frames[f].entry) {
    case E_DOC: /* leader, slaves, frameworks: the document is not a state */
        return fail(p, -EPROTO, "`%s` is %s, not %s", kd->name, jtype_name(got),
                    jtype_name(kd->type));
    case E_AGENT:
    case E_FW:
        if (!p->e_bad)
            p->e_bad = "a field of the wrong type";
        return 1;
    default:
        state_task_bad(p->task, "a field of the wrong type");
        return 1;
    }
}

static int value(P *p, int jt, const char *s, size_t len)
{
    if (p->depth == 0) {
        if (jt != J_OBJ)
            return fail(p, -EPROTO, "the document is %s, not a JSON object", jtype_name(jt));
        return open_frame(p, F_ROOT);
    }
    uint8_t f = p->stack[p->depth - 1];
    const struct framedef *fd = &frames[f];
    if (!fd->keys) { /* an element of one of our arrays */
        if (jt == J_OBJ)
            return open_frame(p, fd->elem);
        if (jt == J_ARR)
            p->skip = 1;
        return wrong_type(p, f, NULL, jt);
    }
    const struct keydef *kd = p->kd;
    p->kd = NULL;
    if (!kd || jt == J_NULL) { /* not ours, or null = absent */
        if (jt >= J_OBJ)
            p->skip = 1;
        return 1;
    }
    if (jt != kd->type) {
        if (jt >= J_OBJ)
            p->skip = 1;
        return wrong_type(p, f, kd, jt);
    }
    if (jt >= J_OBJ)
        return open_frame(p, kd->child);
    return scalar(p, f, kd->key, s, len);
}

/* ---- yajl callbacks ---- */

static int cb_null(void *ctx)
{
    P *p = ctx;
    return p->skip ? 1 : value(p, J_NULL, NULL, 0);
}

static int cb_bool(void *ctx, int b)
{
    P *p = ctx;
    return p->skip ? 1 : value(p, J_BOOL, NULL, 0);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    P *p = ctx;
    return p->skip ? 1 : value(p, J_NUM, s, len);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    P *p = ctx;
    return p->skip ? 1 : value(p, J_STR, (const char *)s, len);
}

static int cb_start(P *p, int jt)
{
    if (p->skip) {
        p->skip++;
        return 1;
    }
    return value(p, jt, NULL, 0);
}

static int cb_start_map(void *ctx)
{
    return cb_start(ctx, J_OBJ);
}

static int cb_start_array(void *ctx)
{
    return cb_start(ctx, J_ARR);
}

static int cb_key(void *ctx, const unsigned char *s, size_t len)
{
    P *p = ctx;
    if (p->skip)
        return 1;
    const struct keydef *kd = frames[p->stack[p->depth - 1]].keys;
    for (; kd->name; kd++)
        if (kd->len == len && memcmp(kd->name, s, len) == 0)
            break;
    p->kd = kd->name ? kd : NULL;
    return 1;
}

static int cb_end(void *ctx)
{
    P *p = ctx;
    if (p->skip) {
        if (--p->skip > 0 || !p->skip_rest)
            return 1;
        p->skip_rest = false; /* this end closes the frame whose rest we skipped */
    }
    return close_frame(p);
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number, /* raw text: no int/double conversion cost */
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* ---- public API ---- */

state_parser_t *state_parser_new(void)
{
    P *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->mb = mbuild_new(256 * 1024);
    p->arena = p->mb ? mbuild_arena(p->mb) : NULL;
    p->task = state_task_new();
    /* yajl's defaults are strict JSON: no comments, no trailing garbage, no
     * second document, UTF-8 validated; truncation is caught by
     * yajl_complete_parse. */
    p->y = yajl_alloc(&callbacks, NULL, p);
    tokguard_init(&p->guard, STATE_MAX_TOKEN);
    if (!p->mb || !p->task || !p->y)
        state_parser_free(&p);
    return p;
}

void state_parser_set_max_token(state_parser_t *p, size_t max_token)
{
    if (max_token > 0)
        p->guard.max_token = max_token;
}

void state_parser_set_memo(state_parser_t *p, state_warn_memo_t *memo)
{
    p->memo = memo;
}

static void yajl_failure(P *p, const unsigned char *buf, size_t len, const char *what)
{
    unsigned char *msg = yajl_get_error(p->y, 0, buf, len);
    const char *m = msg ? (const char *)msg : "unknown error";
    if (strncmp(m, "parse error: ", 13) == 0)
        m += 13;
    size_t ml = strcspn(m, "\n");
    size_t at = p->fed + (buf ? yajl_get_bytes_consumed(p->y) : 0);
    fail(p, -EPROTO, "%s at byte %zu: %.*s", what, at, (int)ml, m);
    if (msg)
        yajl_free_error(p->y, msg);
}

/* The guard's sink: whole tokens into yajl. */
static int to_yajl(void *ctx, const char *buf, size_t len)
{
    P *p = ctx;
    yajl_status s = yajl_parse(p->y, (const unsigned char *)buf, len);
    if (s == yajl_status_error)
        yajl_failure(p, (const unsigned char *)buf, len, "invalid JSON");
    else if (s == yajl_status_client_canceled && !p->err)
        fail(p, -EPROTO, "parse stopped at byte %zu", p->fed);
    p->fed += len;
    return p->err;
}

/* "1 MiB", "64 KiB" or "1000 bytes". */
static void size_text(char *out, size_t outlen, uint64_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(out, outlen, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(out, outlen, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(out, outlen, "%llu bytes", (unsigned long long)n);
}

int state_parser_feed(state_parser_t *p, const void *buf, size_t len)
{
    if (p->err)
        return p->err;
    if (len == 0)
        return 0;
    p->stats.bytes += len;
    int rc = tokguard_feed(&p->guard, buf, len, to_yajl, p);
    if (rc == -EMSGSIZE && !p->err) {
        uint64_t at;
        const char *what = tokguard_too_long(&p->guard, &at);
        char lim[32];
        size_text(lim, sizeof lim, p->guard.max_token);
        fail(p, -EPROTO, "a JSON %s longer than %s at byte %llu", what, lim,
             (unsigned long long)at);
    } else if (rc == -ENOMEM) {
        nomem(p);
    }
    return p->err;
}

/* The leader, then the model; sets p->err on failure. */
static model_t *assemble(P *p)
{
    char shown[64];
    if (!p->leader_set) {
        fail(p, -EPROTO, "no `leader` in the state document (is this a Mesos master?)");
        return NULL;
    }
    if (p->leader_len == 0) {
        fail(p, -EPROTO, "empty `leader`: the master does not know the leader");
        return NULL;
    }
    int rc = mbuild_set_leader(p->mb, p->leader, p->leader_len);
    if (rc == -EINVAL) {
        state_task_clip(shown, sizeof shown, p->leader, p->leader_len);
        fail(p, -EPROTO, "`leader` \"%s\" is not a libprocess pid (name@host:port)", shown);
        return NULL;
    }
    mbuild_dropped_t d;
    model_t *m = NULL;
    if (rc != 0 || mbuild_finish(&p->mb, &m, &d) != 0) {
        nomem(p);
        return NULL;
    }
    if (d.unknown_agent)
        state_task_warn(&p->stats, STATE_WARN_UNKNOWN_AGENT, d.unknown_agent, "%s: slave_id %s",
                        d.task_id, d.agent_id);
    return m;
}

const char *state_warn_text(enum state_warn w)
{
    static const char *const text[STATE_WARN_COUNT] = {
        [STATE_WARN_AGENT_ID] = "agents skipped: no id",
        [STATE_WARN_AGENT_PID] = "agents skipped: bad or missing pid",
        [STATE_WARN_AGENT_TYPE] = "agents skipped: a field of the wrong type",
        [STATE_WARN_FW_ID] = "frameworks skipped with their tasks: no id or name",
        [STATE_WARN_FW_PID] = "frameworks skipped with their tasks: bad pid",
        [STATE_WARN_FW_TYPE] = "frameworks skipped with their tasks: a field of the wrong type",
        [STATE_WARN_TASK_FIELDS] = "running tasks skipped: no id, name, slave_id or state",
        [STATE_WARN_TASK_TYPE] = "tasks skipped: a field of the wrong type",
        [STATE_WARN_PORTS] = "tasks with a malformed resources.ports (their ports ignored)",
        [STATE_WARN_DPORT] = "DiscoveryInfo ports ignored: no valid number",
        [STATE_WARN_IP] = "invalid task IP addresses ignored",
        [STATE_WARN_UNKNOWN_AGENT] = "running tasks ignored: agent not in the state",
    };
    return (unsigned)w < STATE_WARN_COUNT ? text[w] : "?";
}

/* One kind of warning, logged at its level only when it is news: a bad
 * entry that stays in the state would otherwise be logged every refresh. */
static void log_warning(const state_parse_stats_t *s, state_warn_memo_t *memo, int w)
{
    bool same = memo && memo->count[w] == s->warn_count[w] &&
                strcmp(memo->example[w], s->warn_example[w]) == 0;
    if (!s->warn_count[w]) {
        if (memo && memo->count[w])
            log_info("state: no more %s", state_warn_text(w));
    } else {
        /* A task on an agent that has not re-registered yet is normal after
         * a master fail-over: not worth a warning. */
        enum log_level lvl = same                            ? LOG_LVL_DEBUG
                             : w == STATE_WARN_UNKNOWN_AGENT ? LOG_LVL_INFO
                                                             : LOG_LVL_WARN;
        log_msg(lvl, "state: %zu %s; e.g. %s%s", s->warn_count[w], state_warn_text(w),
                s->warn_example[w], same ? " (unchanged)" : "");
    }
    if (memo) {
        memo->count[w] = s->warn_count[w];
        snprintf(memo->example[w], sizeof memo->example[w], "%s", s->warn_example[w]);
    }
}

static void log_warnings(const P *p, const model_t *m)
{
    const state_parse_stats_t *s = &p->stats;
    for (int w = 0; w < STATE_WARN_COUNT; w++)
        log_warning(s, p->memo, w);
    log_debug("state: %zu bytes, %zu agents, %zu frameworks, %zu tasks, %zu running kept", s->bytes,
              m->n_agents, m->n_frameworks, s->tasks, m->n_tasks);
}

int state_parser_finish_stats(state_parser_t **pp, model_t **out, state_parse_stats_t *stats,
                              char *err, size_t errlen)
{
    P *p = *pp;
    model_t *m = NULL;
    *pp = NULL;
    *out = NULL;
    if (!p->err) {
        if (p->stats.bytes == 0)
            fail(p, -EPROTO, "empty document");
        else if (tokguard_finish(&p->guard, to_yajl, p) != 0)
            ; /* p->err says why */
        else if (yajl_complete_parse(p->y) != yajl_status_ok)
            yajl_failure(p, NULL, 0, "truncated or invalid JSON");
        else if (!p->root_done)
            fail(p, -EPROTO, "incomplete document");
    }
    if (!p->err)
        m = assemble(p);
    int rc = p->err;
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s", p->reason);
        model_free(&m);
    } else {
        log_warnings(p, m);
        *out = m;
    }
    if (stats)
        *stats = p->stats;
    state_parser_free(&p);
    return rc;
}

int state_parser_finish(state_parser_t **p, model_t **out, char *err, size_t errlen)
{
    return state_parser_finish_stats(p, out, NULL, err, errlen);
}

void state_parser_free(state_parser_t **pp)
{
    if (!pp || !*pp)
        return;
    P *p = *pp;
    if (p->y)
        yajl_free(p->y);
    tokguard_release(&p->guard);
    mbuild_free(&p->mb);
    state_task_free(&p->task);
    free(p->leader);
    free(p);
    *pp = NULL;
}

int state_parse_file(const char *path, model_t **out, char *err, size_t errlen)
{
    enum { CHUNK = 64 * 1024 };
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    state_parser_t *p = state_parser_new();
    char *buf = malloc(CHUNK);
    int rc = p && buf ? 0 : -ENOMEM;
    while (rc == 0) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : 0;
            break;
        }
        if (state_parser_feed(p, buf, (size_t)n) != 0)
            break; /* finish() reports why */
    }
    free(buf);
    close(fd);
    if (rc == 0)
        return state_parser_finish(&p, out, err, errlen);
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, mdns_strerror(rc));
    state_parser_free(&p);
    return rc;
}
