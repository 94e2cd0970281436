/* gen: Mesos-DNS's record generation (records/generator.go) rebuilt for a
 * million records in a few tens of milliseconds.
 *
 * Per run, the domain, every framework fragment and every agent's addresses
 * are computed once; per task, the hash, the labels and the eight owner
 * names shared by all its ports are assembled once in stack buffers, and
 * each record is then one sink call. Nothing here allocates per record.
 *
 * Deliberate differences from Mesos-DNS (compat spec wins):
 * - task IPs come from the first IPSources entry that yields any, all of its
 *   addresses (Mesos-DNS merges all sources, keeps one IPv4 and one IPv6);
 * - hosts that do not resolve produce no record (Mesos-DNS publishes the
 *   sanitized host name as an "A" value);
 * - names that cannot be valid DNS names are cut (§7) or dropped, counted;
 * - the raw-name twin is skipped when it equals the sanitized name (it would
 *   only repeat identical records).
 * As in Mesos-DNS, a task "has DiscoveryInfo" when its DiscoveryInfo has a
 * non-empty name (state.Task.HasDiscoveryInfo). */
#include "zone/gen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/bytes.h"
#include "common/dname.h"
#include "zone/names.h"
#include "zone/snapshot.h"

/* Owner names are assembled with room to spare so that an overlong name is
 * detected (and counted) instead of silently cut. */
#define NM_CAP 600

enum { NM_OK = 0, NM_BAD, NM_LONG };

/* A name (or name fragment) in wire form being assembled. */
typedef struct nm {
    size_t len;
    int state; /* NM_OK, NM_BAD (empty or > 63 label), NM_LONG (> NM_CAP) */
    uint8_t b[NM_CAP];
} nm_t;

typedef struct ipset {
    const model_ip_t *ips;
    size_t n;
} ipset_t;

typedef struct agent_tail {
    char s[DNAME_MAXLABEL + 1]; /* lowercase, cut at 63 */
    size_t len;                 /* the whole tail's length (> 63: too long) */
} agent_tail_t;

typedef struct gen_fw {
    size_t off, len; /* F as wire labels in gen.fwbuf */
    int state;       /* NM_* */
} gen_fw_t;

typedef struct gen {
    const model_t *m;
    const zone_gen_cfg_t *cfg;
    zone_gen_lookup_fn lookup;
    void *lookup_ctx;
    zone_gen_sink_fn sink;
    void *sink_ctx;
    zone_gen_stats_t st;
    int rc;
    nm_t d;  /* D, with the root label */
    nm_t sd; /* slave.D */
    ipset_t *agent_ips;
    model_ip_t *agent_lit;
    agent_tail_t *agent_tail; /* S of each agent, computed once */
    gen_fw_t *fw;
    uint8_t *fwbuf;
    names_hasher_t *hasher;
} gen_t;

/* ---- name assembly ----------------------------------------------------- */

static void nm_reset(nm_t *n)
{
    n->len = 0;
    n->state = NM_OK;
}

static void nm_raw(nm_t *n, const uint8_t *w, size_t len, int state)
{
    if (state > n->state)
        n->state = state;
    if (n->len + len > NM_CAP) {
        n->state = NM_LONG;
        return;
    }
    memcpy(n->b + n->len, w, len);
    n->len += len;
}

static void nm_cat(nm_t *n, const nm_t *o)
{
    nm_raw(n, o->b, o->len, o->state);
}

/* Append one label; empty or over 63 octets makes the name invalid. */
static void nm_label(nm_t *n, const char *l, size_t len)
{
    if (len == 0 || len > DNAME_MAXLABEL) {
        n->state = n->state == NM_LONG ? NM_LONG : NM_BAD;
        return;
    }
    uint8_t lb = (uint8_t)len;
    nm_raw(n, &lb, 1, NM_OK);
    nm_raw(n, (const uint8_t *)l, len, NM_OK);
}

/* Append text split on '.' into labels, lowercased (the raw-name twin). */
static void nm_dotted_lower(nm_t *n, const char *t, size_t len)
{
    char lab[DNAME_MAXLABEL + 1];
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && t[i] != '.')
            continue;
        size_t l = i - start;
        if (l > DNAME_MAXLABEL) {
            nm_label(n, t + start, l); /* marks it invalid */
        } else {
            for (size_t k = 0; k < l; k++) {
                char c = t[start + k];
                lab[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            }
            nm_label(n, lab, l);
        }
        start = i + 1;
    }
}

/* Is the name usable as an owner? Counts the reason when it is not. */
static bool nm_usable(gen_t *g, const nm_t *n, const char *example)
{
    if (n->state == NM_OK && n->len <= DNAME_MAXLEN)
        return true;
    if (n->state == NM_BAD)
        g->st.invalid_name++;
    else
        g->st.name_too_long++;
    if (!g->st.example)
        g->st.example = example;
    return false;
}

/* ---- records ----------------------------------------------------------- */

static void ip_rdata(const model_ip_t *ip, uint16_t *type, const uint8_t **rd, uint16_t *len)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (ip->family == AF_INET) {
        *type = RRTYPE_A, *rd = ip->addr, *len = 4;
    } else if (memcmp(ip->addr, mapped, sizeof mapped) == 0) {
        /* An IPv4-mapped address is an IPv4 address (Go: To4() != nil). */
        *type = RRTYPE_A, *rd = ip->addr + 12, *len = 4;
    } else {
        *type = RRTYPE_AAAA, *rd = ip->addr, *len = 16;
    }
}

static int emit(gen_t *g, const nm_t *owner, uint16_t type, const uint8_t *rd, size_t rdlen,
                int32_t fw, int32_t task)
{
    zone_gen_rec_t r = {owner->b, (uint8_t)owner->len, type, rd, (uint16_t)rdlen, fw, task};
    int rc = g->sink(g->sink_ctx, &r);
    if (rc)
        return g->rc = rc;
    g->st.records++;
    return 0;
}

/* A/AAAA records of `owner` for every address of `ips`. */
static int emit_ips(gen_t *g, const nm_t *owner, const ipset_t *ips, int32_t fw, int32_t task)
{
    for (size_t i = 0; i < ips->n; i++) {
        uint16_t type, len;
        const uint8_t *rd;
        if (ips->ips[i].family != AF_INET && ips->ips[i].family != AF_INET6)
            continue; /* not an address: never publish it */
        ip_rdata(&ips->ips[i], &type, &rd, &len);
        if (emit(g, owner, type, rd, len, fw, task))
            return g->rc;
    }
    return 0;
}

/* SRV rdata: priority 0, weight, port, uncompressed target. */
typedef struct srv {
    size_t len;
    uint8_t b[6 + NM_CAP];
} srv_t;

static void srv_set(srv_t *s, uint16_t weight, const nm_t *target)
{
    bytes_put16(s->b, 0); /* priority */
    bytes_put16(s->b + 2, weight);
    memcpy(s->b + 6, target->b, target->len);
    s->len = 6 + target->len;
}

static void srv_port(srv_t *s, uint16_t port)
{
    bytes_put16(s->b + 4, port);
}

/* ---- hosts ------------------------------------------------------------- */

static bool ip_literal(const char *host, model_ip_t *ip)
{
    memset(ip, 0, sizeof *ip);
    if (inet_pton(AF_INET, host, ip->addr) == 1) {
        ip->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, host, ip->addr) == 1) {
        ip->family = AF_INET6;
        return true;
    }
    return false;
}

/* Addresses of a host: the literal itself, else the lookup's answer. A name
 * that does not resolve counts as unresolved; an empty host yields nothing. */
static ipset_t host_ips(gen_t *g, const char *host, model_ip_t *lit, const char *example)
{
    ipset_t s = {NULL, 0};
    if (!host || !*host)
        return s;
    if (ip_literal(host, lit)) {
        s.ips = lit;
        s.n = 1;
        return s;
    }
    if (g->lookup)
        s.n = g->lookup(g->lookup_ctx, host, &s.ips);
    if (s.n == 0) {
        s.ips = NULL;
        g->st.unresolved++;
        if (!g->st.example)
            g->st.example = example;
    }
    return s;
}

/* ---- set-up ------------------------------------------------------------ */

static int setup_frameworks(gen_t *g)
{
    const model_t *m = g->m;
    size_t cap = 256, used = 0;
    g->fw = calloc(m->n_frameworks ? m->n_frameworks : 1, sizeof *g->fw);
    g->fwbuf = malloc(cap);
    if (!g->fw || !g->fwbuf)
        return -ENOMEM;
    for (size_t i = 0; i < m->n_frameworks; i++) {
        uint8_t w[DNAME_MAXLEN];
        const char *name = m->frameworks[i].name ? m->frameworks[i].name : "";
        int n = names_frag_wire(g->cfg->rfc952, name, w, sizeof w);
        g->fw[i].off = used;
        g->fw[i].state = n < 0 ? NM_LONG : n == 0 ? NM_BAD : NM_OK;
        if (n <= 0)
            continue;
        if (used + (size_t)n > cap) {
            size_t ncap = (used + (size_t)n) * 2;
            uint8_t *nb = realloc(g->fwbuf, ncap);
            if (!nb)
                return -ENOMEM;
            g->fwbuf = nb, cap = ncap;
        }
        memcpy(g->fwbuf + used, w, (size_t)n);
        g->fw[i].len = (size_t)n;
        used += (size_t)n;
    }
    return 0;
}

static int setup(gen_t *g)
{
    const model_t *m = g->m;
    uint8_t w[DNAME_MAXLEN];
    int n = dname_from_text(g->cfg->domain ? g->cfg->domain : "", w);
    if (n <= 1)
        return -EINVAL;
    dname_lower(w);
    nm_reset(&g->d);
    nm_raw(&g->d, w, (size_t)n, NM_OK);
    nm_reset(&g->sd);
    nm_label(&g->sd, "slave", 5);
    nm_cat(&g->sd, &g->d);

    g->agent_ips = calloc(m->n_agents ? m->n_agents : 1, sizeof *g->agent_ips);
    g->agent_lit = calloc(m->n_agents ? m->n_agents : 1, sizeof *g->agent_lit);
    g->agent_tail = calloc(m->n_agents ? m->n_agents : 1, sizeof *g->agent_tail);
    g->hasher = names_hasher_new();
    if (!g->agent_ips || !g->agent_lit || !g->agent_tail || !g->hasher)
        return -ENOMEM;
    for (size_t i = 0; i < m->n_agents; i++) {
        const char *aid = m->agents[i].id;
        agent_tail_t *t = &g->agent_tail[i];
        t->len = names_agent_tail(aid ? aid : "", t->s, sizeof t->s);
    }
    /* An agent's host is the host of its pid, not its "hostname" field. */
    for (size_t i = 0; i < m->n_agents; i++)
        g->agent_ips[i] =
            host_ips(g, m->agents[i].pid_host, &g->agent_lit[i], m->agents[i].pid_host);
    return setup_frameworks(g);
}

/* F as a name fragment, with its validity. */
static void fw_frag(const gen_t *g, uint32_t fi, nm_t *out)
{
    nm_reset(out);
    const gen_fw_t *f = &g->fw[fi];
    nm_raw(out, g->fwbuf + f->off, f->len, f->state);
}

/* ---- §4.1 frameworks, §4.2 agents, §4.3 name server --------------------- */

static int framework_records(gen_t *g)
{
    nm_t fd, srvname;
    srv_t srv;
    for (size_t i = 0; i < g->m->n_frameworks; i++) {
        const model_framework_t *f = &g->m->frameworks[i];
        /* Scheduler host and port from the pid, else "hostname" and no port. */
        const char *host = f->pid_host ? f->pid_host : f->hostname;
        model_ip_t lit;
        ipset_t ips = host_ips(g, host, &lit, host);
        if (ips.n == 0)
            continue;
        fw_frag(g, (uint32_t)i, &fd);
        nm_cat(&fd, &g->d);
        if (!nm_usable(g, &fd, f->name))
            continue;
        if (emit_ips(g, &fd, &ips, (int32_t)i, -1))
            return g->rc;
        if (!f->pid_host)
            continue;
        nm_reset(&srvname);
        nm_label(&srvname, "_framework", 10);
        nm_label(&srvname, "_tcp", 4);
        nm_cat(&srvname, &fd);
        if (!nm_usable(g, &srvname, f->name))
            continue;
        srv_set(&srv, g->cfg->srv_weight, &fd);
        srv_port(&srv, f->pid_port);
        if (emit(g, &srvname, RRTYPE_SRV, srv.b, srv.len, (int32_t)i, -1))
            return g->rc;
    }
    return 0;
}

static int agent_records(gen_t *g)
{
    nm_t srvname;
    srv_t srv;
    nm_reset(&srvname);
    nm_label(&srvname, "_slave", 6);
    nm_label(&srvname, "_tcp", 4);
    nm_cat(&srvname, &g->d);
    if (!nm_usable(g, &g->sd, g->cfg->domain) || !nm_usable(g, &srvname, g->cfg->domain))
        return 0;
    srv_set(&srv, g->cfg->srv_weight, &g->sd);
    for (size_t i = 0; i < g->m->n_agents; i++) {
        if (g->agent_ips[i].n == 0)
            continue;
        if (emit_ips(g, &g->sd, &g->agent_ips[i], -1, -1))
            return g->rc;
        srv_port(&srv, g->m->agents[i].pid_port);
        if (emit(g, &srvname, RRTYPE_SRV, srv.b, srv.len, -1, -1))
            return g->rc;
    }
    return 0;
}

/* SOAMname → the listener's addresses. A SOAMname outside the domain is
 * emitted all the same (Mesos-DNS keeps it); the sink decides what to do
 * with a name its zone cannot hold. */
static int ns_records(gen_t *g)
{
    const zone_gen_cfg_t *c = g->cfg;
    uint8_t w[DNAME_MAXLEN];
    if (!c->soa_mname || c->n_ns_ips == 0)
        return 0;
    int n = dname_from_text(c->soa_mname, w);
    if (n <= 1)
        return 0;
    dname_lower(w);
    nm_t name;
    nm_reset(&name);
    nm_raw(&name, w, (size_t)n, NM_OK);
    ipset_t ips = {c->ns_ips, c->n_ns_ips};
    return emit_ips(g, &name, &ips, -1, -1);
}

/* ---- §4.4 masters ------------------------------------------------------ */

/* The addresses already in master.D (Mesos-DNS's dedup of the list). */
typedef struct mset {
    size_t n, cap;
    model_ip_t *ips;
} mset_t;

static bool ip_same(const model_ip_t *a, const model_ip_t *b)
{
    uint16_t ta, tb, la, lb;
    const uint8_t *ra, *rb;
    ip_rdata(a, &ta, &ra, &la);
    ip_rdata(b, &tb, &rb, &lb);
    return ta == tb && memcmp(ra, rb, la) == 0;
}

/* 1 when added, 0 when present, -ENOMEM. */
static int mset_add(mset_t *s, const model_ip_t *ip)
{
    for (size_t i = 0; i < s->n; i++)
        if (ip_same(&s->ips[i], ip))
            return 0;
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        model_ip_t *n = realloc(s->ips, ncap * sizeof *n);
        if (!n)
            return -ENOMEM;
        s->ips = n, s->cap = ncap;
    }
    s->ips[s->n++] = *ip;
    return 1;
}

/* "host:port" or "[v6]:port" → host (NUL-terminated) and port. */
static bool split_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *h = s, *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return false;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || memchr(s, ':', (size_t)(colon - s)))
            return false; /* no port, or a bare IPv6 address */
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return false;
    unsigned long p = 0;
    const char *d = colon + 1;
    if (!*d || strlen(d) > 5)
        return false;
    for (; *d; d++) {
        if (*d < '0' || *d > '9')
            return false;
        p = p * 10 + (unsigned long)(*d - '0');
    }
    if (p > 65535)
        return false;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (uint16_t)p;
    return true;
}

static void nm_masterN(gen_t *g, nm_t *n, int idx)
{
    char l[32];
    int ll = snprintf(l, sizeof l, "master%d", idx);
    nm_reset(n);
    nm_label(n, l, (size_t)ll);
    nm_cat(n, &g->d);
}

static bool ipsets_meet(const ipset_t *a, const ipset_t *b)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++)
            if (ip_same(&a->ips[i], &b->ips[j]))
                return true;
    return false;
}

/* Add the new addresses of `ips` to master.D; returns how many were new, or
 * -1 when the run stops (g->rc says why). */
static int master_add(gen_t *g, mset_t *set, const nm_t *all, const ipset_t *ips)
{
    int added = 0;
    for (size_t k = 0; k < ips->n; k++) {
        int r = mset_add(set, &ips->ips[k]);
        if (r < 0) {
            g->rc = r;
            return -1;
        }
        if (r == 0)
            continue;
        ipset_t one = {&ips->ips[k], 1};
        if (emit_ips(g, all, &one, -1, -1))
            return -1;
        added++;
    }
    return added;
}

/* leader.D, master.D, masterN.D and the leader SRVs. As in Mesos-DNS, the
 * listed masters are numbered in order, skipping entries whose addresses
 * are all in master.D already; an entry is the leader when it names the
 * leader's address and port, and a leader missing from the list gets the
 * next number. Config masters may be host names (resolved by lookup). */
static int master_records(gen_t *g, mset_t *set)
{
    const model_t *m = g->m;
    nm_t leader, all, n;
    srv_t srv;
    if (!m->leader_host)
        return 0;
    model_ip_t llit;
    ipset_t lips = host_ips(g, m->leader_host, &llit, m->leader_host);
    nm_reset(&leader);
    nm_label(&leader, "leader", 6);
    nm_cat(&leader, &g->d);
    nm_reset(&all);
    nm_label(&all, "master", 6);
    nm_cat(&all, &g->d);
    if (lips.n > 0) {
        if (emit_ips(g, &leader, &lips, -1, -1) || master_add(g, set, &all, &lips) < 0)
            return g->rc;
        srv_set(&srv, g->cfg->srv_weight, &leader);
        srv_port(&srv, m->leader_port);
        static const char *const proto[2] = {"_tcp", "_udp"};
        for (int p = 0; p < 2; p++) {
            nm_reset(&n);
            nm_label(&n, "_leader", 7);
            nm_label(&n, proto[p], 4);
            nm_cat(&n, &g->d);
            if (emit(g, &n, RRTYPE_SRV, srv.b, srv.len, -1, -1))
                return g->rc;
        }
    }
    int idx = 0;
    bool leader_numbered = false;
    for (size_t i = 0; i < g->cfg->n_masters; i++) {
        char host[DNAME_MAXLEN + 1];
        uint16_t port;
        if (!split_hostport(g->cfg->masters[i], host, sizeof host, &port))
            continue;
        model_ip_t lit;
        ipset_t ips = host_ips(g, host, &lit, g->cfg->masters[i]);
        if (ips.n == 0)
            continue;
        bool is_leader = lips.n > 0 && port == m->leader_port && ipsets_meet(&ips, &lips);
        if (is_leader && leader_numbered)
            continue; /* the leader listed twice */
        int added = master_add(g, set, &all, &ips);
        if (added < 0)
            return g->rc;
        if (!is_leader && added == 0)
            continue; /* a duplicate of an address already in master.D */
        nm_masterN(g, &n, idx++);
        if (emit_ips(g, &n, &ips, -1, -1))
            return g->rc;
        leader_numbered |= is_leader;
    }
    if (lips.n > 0 && !leader_numbered) {
        nm_masterN(g, &n, idx);
        return emit_ips(g, &n, &lips, -1, -1);
    }
    return 0;
}

/* ---- §4.5 tasks -------------------------------------------------------- */

/* The three forms of a task name T in one naming variant: T itself, the
 * canonical C = "T-H-S" and the SRV service label "_T" (as wire labels). */
typedef struct tvar {
    nm_t t, c, u;
} tvar_t;

typedef struct tctx {
    uint32_t ti;
    const model_task_t *task;
    char h[NAMES_HASH_LEN + 1];
    const char *s; /* S, the agent id's tail */
    size_t slen;
    ipset_t tips, aips;
    bool disc;
} tctx_t;

static void lower_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
}

/* C and _T from the label that carries them (one sanitized label, or the
 * last / first dot-separated part of a raw name); only the first 64 bytes
 * matter, as both cuts keep fewer. */
static void tvar_ends(const tctx_t *x, tvar_t *v, const char *last, size_t llen, const char *first,
                      size_t flen)
{
    char buf[DNAME_MAXLABEL + 1], lab[DNAME_MAXLABEL + 1];
    size_t n = llen > DNAME_MAXLABEL + 1 ? DNAME_MAXLABEL + 1 : llen;
    lower_copy(buf, last, n);
    int cl = names_canonical(buf, n, x->h, x->s, x->slen, lab);
    if (cl < 0)
        nm_label(&v->c, "", 0); /* "-H-S" alone is over 63: invalid */
    else
        nm_label(&v->c, lab, (size_t)cl);
    n = flen > DNAME_MAXLABEL + 1 ? DNAME_MAXLABEL + 1 : flen;
    lower_copy(buf, first, n);
    size_t ul = names_underscore(buf, n, lab);
    nm_label(&v->u, lab, ul);
}

/* Variant from a sanitized label (one label, possibly empty). */
static void tvar_label(const tctx_t *x, tvar_t *v, const char *t, size_t tlen)
{
    nm_reset(&v->t);
    nm_reset(&v->c);
    nm_reset(&v->u);
    nm_label(&v->t, t, tlen);
    tvar_ends(x, v, t, tlen, t, tlen);
}

/* Variant from the raw DiscoveryInfo name: its dots separate labels. */
static void tvar_raw(const tctx_t *x, tvar_t *v, const char *raw)
{
    size_t len = strlen(raw);
    const char *first_dot = memchr(raw, '.', len);
    const char *last_dot = strrchr(raw, '.');
    nm_reset(&v->t);
    nm_reset(&v->c);
    nm_reset(&v->u);
    nm_dotted_lower(&v->t, raw, len);
    const char *last = last_dot ? last_dot + 1 : raw;
    size_t flen = first_dot ? (size_t)(first_dot - raw) : len;
    if (last_dot)
        nm_dotted_lower(&v->c, raw, (size_t)(last_dot - raw));
    tvar_ends(x, v, last, len - (size_t)(last - raw), raw, flen);
    if (first_dot)
        nm_dotted_lower(&v->u, first_dot + 1, len - flen - 1);
}

static void nm_join(nm_t *out, const nm_t *a, const nm_t *b)
{
    nm_reset(out);
    nm_cat(out, a);
    nm_cat(out, b);
}

/* "_X" + "_P" + tail, for an SRV owner. */
static void nm_srv(nm_t *out, const nm_t *u, const char *proto, size_t plen, const nm_t *tail)
{
    nm_reset(out);
    nm_cat(out, u);
    nm_label(out, proto, plen);
    nm_cat(out, tail);
}

static int emit_pair(gen_t *g, const tctx_t *x, const nm_t *a, const nm_t *b, const ipset_t *ips)
{
    if (ips->n == 0)
        return 0;
    const char *ex = x->task->name;
    bool oka = nm_usable(g, a, ex), okb = nm_usable(g, b, ex);
    int32_t fw = (int32_t)x->task->framework, ti = (int32_t)x->ti;
    /* Mesos-DNS order: for each address, T then C. */
    for (size_t i = 0; i < ips->n; i++) {
        ipset_t one = {&ips->ips[i], 1};
        if ((oka && emit_ips(g, a, &one, fw, ti)) || (okb && emit_ips(g, b, &one, fw, ti)))
            return g->rc;
    }
    return 0;
}

/* Emit one SRV record per usable owner in `owners` for the current port. */
static int emit_srvs(gen_t *g, const tctx_t *x, nm_t *const *owners, const bool *ok, int n,
                     const srv_t *srv)
{
    for (int i = 0; i < n; i++)
        if (ok[i] && emit(g, owners[i], RRTYPE_SRV, srv->b, srv->len, (int32_t)x->task->framework,
                          (int32_t)x->ti))
            return g->rc;
    return 0;
}

/* SRVs of resources.ports: _T._tcp/_udp under F.slave.D (and under F.D
 * when the task has no DiscoveryInfo), all targeting C.F.slave.D. */
static int resource_srvs(gen_t *g, const tctx_t *x, const tvar_t *v, const nm_t *fd,
                         const nm_t *fsd, const nm_t *cfsd)
{
    const model_task_t *t = x->task;
    if (t->n_ports == 0 || !nm_usable(g, cfsd, t->name))
        return 0;
    nm_t o[4];
    nm_t *op[4] = {&o[0], &o[1], &o[2], &o[3]};
    bool ok[4];
    int n = x->disc ? 2 : 4;
    nm_srv(&o[0], &v->u, "_tcp", 4, fsd);
    nm_srv(&o[1], &v->u, "_udp", 4, fsd);
    nm_srv(&o[2], &v->u, "_tcp", 4, fd);
    nm_srv(&o[3], &v->u, "_udp", 4, fd);
    for (int i = 0; i < n; i++)
        ok[i] = nm_usable(g, &o[i], t->name);
    srv_t srv;
    srv_set(&srv, g->cfg->srv_weight, cfsd);
    for (uint32_t r = 0; r < t->n_ports; r++) {
        for (uint32_t p = t->ports[r].begin; p <= t->ports[r].end; p++) {
            srv_port(&srv, (uint16_t)p);
            if (emit_srvs(g, x, op, ok, n, &srv))
                return g->rc;
        }
    }
    return 0;
}

/* SRVs of DiscoveryInfo ports: _T._P.F.D (P empty: tcp and udp), then
 * _N._T._P.F.D for a named port, all targeting C.F.D. */
static int discovery_srvs(gen_t *g, const tctx_t *x, const tvar_t *v, const nm_t *fd,
                          const nm_t *cfd)
{
    const model_task_t *t = x->task;
    if (!x->disc || t->n_dports == 0 || !nm_usable(g, cfd, t->name))
        return 0;
    srv_t srv;
    srv_set(&srv, g->cfg->srv_weight, cfd);
    for (uint32_t i = 0; i < t->n_dports; i++) {
        const model_dport_t *dp = &t->dports[i];
        char sp[NAMES_LABEL_MAX + 1], lab[NAMES_LABEL_MAX + 2];
        const char *proto = dp->protocol ? dp->protocol : "";
        const char *pname = dp->name ? dp->name : "";
        nm_t o[4];
        nm_t *op[4] = {&o[0], &o[1], &o[2], &o[3]};
        bool ok[4];
        int n;
        size_t pl = names_spec(g->cfg->rfc952, proto, strlen(proto), sp);
        if (pl == 0) {
            nm_srv(&o[0], &v->u, "_tcp", 4, fd);
            nm_srv(&o[1], &v->u, "_udp", 4, fd);
            n = 2;
        } else {
            size_t ll = names_underscore(sp, pl, lab);
            nm_srv(&o[0], &v->u, lab, ll, fd);
            n = 1;
        }
        size_t nl = names_spec(g->cfg->rfc952, pname, strlen(pname), sp);
        if (nl > 0) {
            size_t ll = names_underscore(sp, nl, lab);
            for (int k = 0; k < n; k++) {
                nm_reset(&o[n + k]);
                nm_label(&o[n + k], lab, ll);
                nm_cat(&o[n + k], &o[k]);
            }
            n *= 2;
        }
        for (int k = 0; k < n; k++)
            ok[k] = nm_usable(g, &o[k], t->name);
        srv_port(&srv, dp->number);
        if (emit_srvs(g, x, op, ok, n, &srv))
            return g->rc;
    }
    return 0;
}

/* One naming variant of a task: A/AAAA of T and C under F.D (task IPs) and
 * F.slave.D (agent IPs), then the SRVs. */
static int task_block(gen_t *g, const tctx_t *x, const tvar_t *v)
{
    nm_t f, fd, fsd, a, b;
    fw_frag(g, x->task->framework, &f);
    nm_join(&fd, &f, &g->d);
    nm_join(&fsd, &f, &g->sd);

    nm_join(&a, &v->t, &fd);
    nm_join(&b, &v->c, &fd);
    if (emit_pair(g, x, &a, &b, &x->tips))
        return g->rc;
    nm_t cfd = b;
    nm_join(&a, &v->t, &fsd);
    nm_join(&b, &v->c, &fsd);
    if (emit_pair(g, x, &a, &b, &x->aips))
        return g->rc;
    if (resource_srvs(g, x, v, &fd, &fsd, &b))
        return g->rc;
    return discovery_srvs(g, x, v, &fd, &cfd);
}

/* Task IPs (§6): every address of the first source that has any. */
static ipset_t task_ips(const gen_t *g, const model_task_t *t, const ipset_t *agent)
{
    for (size_t i = 0; i < g->cfg->n_ip_sources; i++) {
        enum model_ipsrc src = g->cfg->ip_sources[i];
        if (src == IPSRC_HOST) {
            if (agent->n > 0)
                return *agent;
        } else if ((unsigned)src < IPSRC_COUNT && t->n_ips[src] > 0) {
            ipset_t s = {t->ips[src], t->n_ips[src]};
            return s;
        }
    }
    ipset_t none = {NULL, 0};
    return none;
}

static bool same_lower(const char *raw, const char *lab, size_t llen)
{
    if (strlen(raw) != llen)
        return false;
    for (size_t i = 0; i < llen; i++) {
        char c = raw[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lab[i])
            return false;
    }
    return true;
}

static int task_records(gen_t *g, uint32_t ti)
{
    const model_t *m = g->m;
    tctx_t x;
    tvar_t v;
    x.ti = ti;
    x.task = &m->tasks[ti];
    if (x.task->agent >= m->n_agents || x.task->framework >= m->n_frameworks)
        return 0;
    const char *id = x.task->id ? x.task->id : "";
    if (names_task_hash(g->hasher, id, strlen(id), x.h) < 0)
        return g->rc = -EIO;
    x.s = g->agent_tail[x.task->agent].s;
    x.slen = g->agent_tail[x.task->agent].len;
    x.aips = g->agent_ips[x.task->agent];
    x.tips = task_ips(g, x.task, &x.aips);
    if (x.tips.n == 0)
        g->st.tasks_no_ip++;
    x.disc = x.task->disc_name && x.task->disc_name[0];
    const char *tname = x.disc ? x.task->disc_name : (x.task->name ? x.task->name : "");
    char lab[NAMES_LABEL_MAX + 1];
    size_t ll = names_spec(g->cfg->rfc952, tname, strlen(tname), lab);
    /* Mesos-DNS emits the raw-name block first, then the sanitized one. */
    if (x.disc && g->cfg->legacy_raw_names && !same_lower(tname, lab, ll)) {
        tvar_raw(&x, &v, tname);
        if (task_block(g, &x, &v))
            return g->rc;
    }
    tvar_label(&x, &v, lab, ll);
    return task_block(g, &x, &v);
}

/* Tasks framework by framework, in model order within each. The parser
 * already groups them; other models are ordered here (counting sort). */
static int all_task_records(gen_t *g)
{
    const model_t *m = g->m;
    bool grouped = true;
    for (size_t i = 1; i < m->n_tasks && grouped; i++)
        grouped = m->tasks[i - 1].framework <= m->tasks[i].framework;
    if (grouped) {
        for (size_t i = 0; i < m->n_tasks; i++)
            if (task_records(g, (uint32_t)i))
                return g->rc;
        return 0;
    }
    size_t nf = m->n_frameworks + 1; /* last bucket: bad framework index */
    size_t *start = calloc(nf + 1, sizeof *start);
    uint32_t *order = malloc(m->n_tasks * sizeof *order);
    int rc = -ENOMEM;
    if (!start || !order)
        goto out;
    for (size_t i = 0; i < m->n_tasks; i++) {
        size_t f = m->tasks[i].framework < m->n_frameworks ? m->tasks[i].framework : nf - 1;
        start[f + 1]++;
    }
    for (size_t f = 0; f < nf; f++)
        start[f + 1] += start[f];
    for (size_t i = 0; i < m->n_tasks; i++) {
        size_t f = m->tasks[i].framework < m->n_frameworks ? m->tasks[i].framework : nf - 1;
        order[start[f]++] = (uint32_t)i;
    }
    rc = 0;
    for (size_t i = 0; i < m->n_tasks && !rc; i++)
        rc = task_records(g, order[i]);
out:
    free(start);
    free(order);
    return rc;
}

int zone_gen_run(const model_t *m, const zone_gen_cfg_t *cfg, zone_gen_lookup_fn lookup,
                 void *lookup_ctx, zone_gen_sink_fn sink, void *sink_ctx, zone_gen_stats_t *stats)
{
    gen_t *g = calloc(1, sizeof *g);
    mset_t masters = {0, 0, NULL};
    int rc;
    if (!g)
        return -ENOMEM;
    g->m = m;
    g->cfg = cfg;
    g->lookup = lookup;
    g->lookup_ctx = lookup_ctx;
    g->sink = sink;
    g->sink_ctx = sink_ctx;
    rc = setup(g);
    if (rc)
        goto out;
    /* Mesos-DNS's order: frameworks, agents, name server, masters, tasks. */
    if ((rc = framework_records(g)) || (rc = agent_records(g)) || (rc = ns_records(g)) ||
        (rc = master_records(g, &masters)) || (rc = all_task_records(g)))
        goto out;
out:
    if (stats)
        *stats = g->st;
    free(masters.ips);
    free(g->agent_ips);
    free(g->agent_lit);
    free(g->agent_tail);
    free(g->fw);
    free(g->fwbuf);
    names_hasher_free(&g->hasher);
    free(g);
    return rc;
}
