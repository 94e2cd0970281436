#include "discovery/state_task.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char DOCKER_IP_LABEL[] = "Docker.NetworkSettings.IPAddress";
static const char MESOS_IP_LABEL[] = "MesosContainerizer.NetworkSettings.IPAddress";
static const char RUNNING[] = "TASK_RUNNING";
static const char NUL_BYTE[] = "a string with a NUL byte";

struct sref { /* a string in the scratch buffer */
    uint32_t off, len;
    bool set;
};

struct ipvec {
    model_ip_t *v;
    uint32_t n, cap;
};

/* One status: its IPs by source and the invalid IP strings it carried. */
struct status_buf {
    bool running;
    double ts;
    struct ipvec ips[IPSRC_HOST]; /* IPSRC_NETINFO, IPSRC_MESOS, IPSRC_DOCKER */
    uint32_t n_bad_ip;
    char bad_ip[48];
};

struct dport_tmp {
    int32_t number; /* -1 absent, -2 invalid */
    struct sref name, proto;
};

/* An IP-valued field held until its object closes: 0 none, 1 valid, 2 bad. */
struct ipfield {
    int state;
    model_ip_t ip;
    char text[48];
};

struct state_task {
    char *scr; /* this task's strings, NUL-terminated, back to back */
    size_t scr_n, scr_cap;
    struct sref id, name, slave, disc_name;
    bool bad, has_state, running, has_disc, ports_bad;
    const char *bad_what;
    char ports_text[48];
    model_port_range_t *ranges;
    size_t n_ranges, cap_ranges;
    struct dport_tmp *dports;
    size_t n_dports, cap_dports;
    uint32_t n_bad_dports;
    char bad_dport[48];
    struct status_buf st[2];
    int cur, best; /* st[] index being filled; best < 0: no RUNNING status */
    int lbl_src;   /* IPSRC_* named by the label key, -1 another key */
    struct ipfield lbl;
    uint32_t ni_count; /* ip_addresses elements of this network_info */
    struct ipfield ni;
};

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *nv = realloc(*v, nc * elem);
    if (!nv)
        return -ENOMEM;
    *v = nv;
    *cap = nc;
    return 0;
}

void state_task_clip(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[n++] = (c < ' ' || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

void state_task_warn(state_parse_stats_t *st, enum state_warn w, size_t count, const char *fmt, ...)
{
    if (st->warn_count[w] == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(st->warn_example[w], sizeof st->warn_example[w], fmt, ap);
        va_end(ap);
    }
    st->warn_count[w] += count;
}

static bool streq(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static const char *sstr(const state_task_t *t, const struct sref *r)
{
    return r->set ? t->scr + r->off : NULL;
}

state_task_t *state_task_new(void)
{
    return calloc(1, sizeof(state_task_t));
}

void state_task_free(state_task_t **pt)
{
    if (!pt || !*pt)
        return;
    state_task_t *t = *pt;
    free(t->scr);
    free(t->ranges);
    free(t->dports);
    for (int i = 0; i < 2; i++)
        for (int s = 0; s < IPSRC_HOST; s++)
            free(t->st[i].ips[s].v);
    free(t);
    *pt = NULL;
}

void state_task_begin(state_task_t *t)
{
    t->scr_n = 0;
    t->id = t->name = t->slave = t->disc_name = (struct sref){0, 0, false};
    t->bad = t->has_state = t->running = t->has_disc = t->ports_bad = false;
    t->n_ranges = t->n_dports = 0;
    t->n_bad_dports = 0;
    t->cur = 0;
    t->best = -1;
}

void state_task_bad(state_task_t *t, const char *what)
{
    if (!t->bad) {
        t->bad = true;
        t->bad_what = what;
    }
}

int state_task_string(state_task_t *t, enum state_task_str which, const char *s, size_t len)
{
    struct sref *r;
    switch (which) {
    case STATE_TASK_ID:
        r = &t->id;
        break;
    case STATE_TASK_NAME:
        r = &t->name;
        break;
    case STATE_TASK_SLAVE_ID:
        r = &t->slave;
        break;
    case STATE_TASK_DISC_NAME:
        r = &t->disc_name;
        break;
    case STATE_TASK_DPORT_NAME:
        r = &t->dports[t->n_dports - 1].name;
        break;
    default:
        r = &t->dports[t->n_dports - 1].proto;
        break;
    }
    if (memchr(s, '\0', len))
        state_task_bad(t, NUL_BYTE);
    if (len >= UINT32_MAX - t->scr_n ||
        grow((void **)&t->scr, &t->scr_cap, t->scr_n + len + 1, 1) != 0)
        return -ENOMEM;
    memcpy(t->scr + t->scr_n, s, len);
    t->scr[t->scr_n + len] = '\0';
    *r = (struct sref){(uint32_t)t->scr_n, (uint32_t)len, true};
    t->scr_n += len + 1;
    return 0;
}

bool state_task_state(state_task_t *t, const char *s, size_t len)
{
    t->has_state = true;
    t->running = streq(s, len, RUNNING);
    return t->running;
}

int state_task_ports(state_task_t *t, const char *s, size_t len)
{
    long n = model_parse_ports(s, len, t->ranges, t->cap_ranges);
    if (n > (long)t->cap_ranges) {
        if (grow((void **)&t->ranges, &t->cap_ranges, (size_t)n, sizeof *t->ranges))
            return -ENOMEM;
        n = model_parse_ports(s, len, t->ranges, t->cap_ranges);
    }
    t->ports_bad = n < 0;
    t->n_ranges = n < 0 ? 0 : (size_t)n;
    if (n < 0)
        state_task_clip(t->ports_text, sizeof t->ports_text, s, len);
    return 0;
}

void state_task_discovery(state_task_t *t)
{
    t->has_disc = true;
}

int state_task_dport_begin(state_task_t *t)
{
    if (grow((void **)&t->dports, &t->cap_dports, t->n_dports + 1, sizeof *t->dports))
        return -ENOMEM;
    t->dports[t->n_dports++] = (struct dport_tmp){-1, {0, 0, false}, {0, 0, false}};
    return 0;
}

/* An integer 0..65535; yajl checked the JSON number syntax, fractions,
 * exponents and signs are refused here. */
void state_task_dport_number(state_task_t *t, const char *num, size_t len)
{
    int32_t v = len == 0 || len > 5 ? -2 : 0;
    for (size_t i = 0; i < len && v >= 0; i++)
        v = num[i] >= '0' && num[i] <= '9' ? v * 10 + (num[i] - '0') : -2;
    t->dports[t->n_dports - 1].number = v <= 65535 ? v : -2;
}

void state_task_dport_end(state_task_t *t)
{
    const struct dport_tmp *d = &t->dports[t->n_dports - 1];
    if (d->number >= 0)
        return;
    if (t->n_bad_dports++ == 0) {
        const char *nm = sstr(t, &d->name);
        snprintf(t->bad_dport, sizeof t->bad_dport, "port %s %s", nm ? nm : "(unnamed)",
                 d->number == -1 ? "has no number" : "has a bad number");
    }
    t->n_dports--;
}

/* ---- statuses and their IPs ---- */

void state_task_status_begin(state_task_t *t)
{
    struct status_buf *s = &t->st[t->cur];
    s->running = false;
    s->ts = 0; /* Go's zero value for a missing timestamp, as Mesos-DNS */
    for (int i = 0; i < IPSRC_HOST; i++)
        s->ips[i].n = 0;
    s->n_bad_ip = 0;
    s->bad_ip[0] = '\0';
}

void state_task_status_state(state_task_t *t, const char *s, size_t len)
{
    t->st[t->cur].running = streq(s, len, RUNNING);
}

void state_task_status_timestamp(state_task_t *t, const char *num, size_t len)
{
    char buf[64];
    if (len >= sizeof buf) { /* valid JSON, but no sane timestamp */
        state_task_bad(t, "a status timestamp of absurd length");
        return;
    }
    memcpy(buf, num, len);
    buf[len] = '\0';
    t->st[t->cur].ts = strtod(buf, NULL);
}

/* The latest TASK_RUNNING status wins; the first one on equal timestamps.
 * Two buffers: the best so far and the one being filled. */
void state_task_status_end(state_task_t *t)
{
    const struct status_buf *s = &t->st[t->cur];
    if (s->running && (t->best < 0 || s->ts > t->st[t->best].ts)) {
        t->best = t->cur;
        t->cur ^= 1;
    }
}

static int ip_push(state_task_t *t, enum model_ipsrc src, const model_ip_t *ip)
{
    struct ipvec *v = &t->st[t->cur].ips[src];
    if (v->n == v->cap) {
        size_t cap = v->cap;
        if (grow((void **)&v->v, &cap, (size_t)v->n + 1, sizeof *v->v) || cap > UINT32_MAX)
            return -ENOMEM;
        v->cap = (uint32_t)cap;
    }
    v->v[v->n++] = *ip;
    return 0;
}

static void ip_bad(state_task_t *t, const char *s, size_t len)
{
    struct status_buf *st = &t->st[t->cur];
    if (st->n_bad_ip++ == 0)
        state_task_clip(st->bad_ip, sizeof st->bad_ip, s, len);
}

static void ipfield_set(struct ipfield *f, const char *s, size_t len)
{
    f->state = model_ip_parsen(s, len, &f->ip) == 0 ? 1 : 2;
    if (f->state == 2)
        state_task_clip(f->text, sizeof f->text, s, len);
}

/* Use a held IP field: valid ones go to `src`, invalid ones are counted. */
static int ipfield_use(state_task_t *t, const struct ipfield *f, enum model_ipsrc src)
{
    if (f->state == 1)
        return ip_push(t, src, &f->ip);
    if (f->state == 2)
        ip_bad(t, f->text, strlen(f->text));
    return 0;
}

void state_task_label_begin(state_task_t *t)
{
    t->lbl_src = -1;
    t->lbl.state = 0;
}

void state_task_label_key(state_task_t *t, const char *s, size_t len)
{
    t->lbl_src = streq(s, len, DOCKER_IP_LABEL)  ? IPSRC_DOCKER
                 : streq(s, len, MESOS_IP_LABEL) ? IPSRC_MESOS
                                                 : -1;
}

void state_task_label_value(state_task_t *t, const char *s, size_t len)
{
    ipfield_set(&t->lbl, s, len);
}

int state_task_label_end(state_task_t *t)
{
    return t->lbl_src < 0 ? 0 : ipfield_use(t, &t->lbl, (enum model_ipsrc)t->lbl_src);
}

void state_task_netinfo_begin(state_task_t *t)
{
    t->ni_count = 0;
    t->ni.state = 0;
}

void state_task_netinfo_address(state_task_t *t, const char *s, size_t len)
{
    ipfield_set(&t->ni, s, len);
}

void state_task_ipaddr_begin(state_task_t *t)
{
    t->ni_count++;
}

int state_task_ipaddr(state_task_t *t, const char *s, size_t len)
{
    model_ip_t ip;
    if (model_ip_parsen(s, len, &ip) == 0)
        return ip_push(t, IPSRC_NETINFO, &ip);
    ip_bad(t, s, len);
    return 0;
}

/* Mesos before 0.26 wrote one ip_address per network_info; Mesos-DNS uses
 * it only when the network_info has no ip_addresses elements. */
int state_task_netinfo_end(state_task_t *t)
{
    return t->ni_count > 0 ? 0 : ipfield_use(t, &t->ni, IPSRC_NETINFO);
}

/* ---- commit ---- */

/* Interned model copy of a held string; "" when absent. */
static const char *intern_ref(const state_task_t *t, mbuild_t *mb, const struct sref *r)
{
    return mbuild_intern(mb, r->set ? t->scr + r->off : "", r->set ? r->len : 0);
}

/* Copy the task's arrays into the model arena. */
static int task_arrays(const state_task_t *t, mbuild_t *mb, model_task_t *mt)
{
    arena_t *a = mbuild_arena(mb);
    if (t->n_ranges) {
        mt->ports = arena_memdup(a, t->ranges, t->n_ranges * sizeof *t->ranges);
        mt->n_ports = (uint32_t)t->n_ranges;
        if (!mt->ports)
            return -ENOMEM;
    }
    if (t->n_dports) {
        model_dport_t *d = arena_alloc(a, t->n_dports * sizeof *d);
        if (!d)
            return -ENOMEM;
        for (size_t i = 0; i < t->n_dports; i++) {
            d[i].number = (uint16_t)t->dports[i].number;
            d[i].protocol = intern_ref(t, mb, &t->dports[i].proto);
            d[i].name = intern_ref(t, mb, &t->dports[i].name);
            if (!d[i].protocol || !d[i].name)
                return -ENOMEM;
        }
        mt->dports = d;
        mt->n_dports = (uint32_t)t->n_dports;
    }
    for (int s = 0; t->best >= 0 && s < IPSRC_HOST; s++) {
        const struct ipvec *v = &t->st[t->best].ips[s];
        if (v->n && !(mt->ips[s] = arena_memdup(a, v->v, v->n * sizeof *v->v)))
            return -ENOMEM;
        mt->n_ips[s] = v->n;
    }
    return 0;
}

/* Is the task to be kept? Counts why not. */
static bool task_ok(const state_task_t *t, state_parse_stats_t *st)
{
    const char *id = sstr(t, &t->id), *slave = sstr(t, &t->slave);
    const char *shown = id && *id ? id : "(no id)";
    st->tasks++;
    if (t->has_state && !t->running) {
        st->tasks_not_running++;
        return false;
    }
    if (t->bad) {
        state_task_warn(st, STATE_WARN_TASK_TYPE, 1, "%s: %s", shown, t->bad_what);
        return false;
    }
    if (!t->has_state || !id || !*id || !t->name.set || !slave || !*slave) {
        state_task_warn(st, STATE_WARN_TASK_FIELDS, 1, "%s: no %s", shown,
                        !t->has_state  ? "state"
                        : !id || !*id  ? "id"
                        : !t->name.set ? "name"
                                       : "slave_id");
        return false;
    }
    if (t->ports_bad)
        state_task_warn(st, STATE_WARN_PORTS, 1, "%s: \"%s\"", id, t->ports_text);
    if (t->n_bad_dports)
        state_task_warn(st, STATE_WARN_DPORT, t->n_bad_dports, "%s: %s", id, t->bad_dport);
    if (t->best >= 0 && t->st[t->best].n_bad_ip)
        state_task_warn(st, STATE_WARN_IP, t->st[t->best].n_bad_ip, "%s: \"%s\"", id,
                        t->st[t->best].bad_ip);
    return true;
}

int state_task_commit(state_task_t *t, mbuild_t *mb, state_parse_stats_t *st)
{
    if (!task_ok(t, st))
        return 0;
    model_task_t mt = {0};
    mt.id = arena_strndup(mbuild_arena(mb), t->scr + t->id.off, t->id.len);
    mt.name = intern_ref(t, mb, &t->name);
    mt.framework = mbuild_next_framework(mb); /* its framework closes later */
    mt.has_discovery = t->has_disc;
    if (t->disc_name.set)
        mt.disc_name = intern_ref(t, mb, &t->disc_name);
    if (!mt.id || !mt.name || (t->disc_name.set && !mt.disc_name) || task_arrays(t, mb, &mt))
        return -ENOMEM;
    return mbuild_add_task(mb, &mt, t->scr + t->slave.off, t->slave.len);
}
