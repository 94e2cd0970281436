/* export: /v1/axfr JSON (Mesos-DNS's models.AXFR) and RFC 1035 master files
 * from a snapshot. Both walk the nodes once; neither allocates per record
 * beyond the output buffer (the JSON export sorts owner texts, as Go's
 * encoding/json sorts map keys). */
#include "zone/export.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/bytes.h"
#include "common/dname.h"
#include "common/jsonw.h"
#include "config/netaddr.h"

/* ---- names as text ------------------------------------------------------ */

/* Which bytes of a label need escaping in a master file (RFC 1035 §5.1):
 * the separators and specials of the format, and anything unprintable. */
static bool master_special(uint8_t c)
{
    return c <= ' ' || c >= 0x7f || c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
           c == ';' || c == '@' || c == '$';
}

/* Text of a wire name with a trailing dot into `out` (>= 4 * 255 + 2
 * bytes); returns its length. In `master` form special bytes are written
 * \DDD; otherwise (JSON: Mesos-DNS prints its names as they are) only '.'
 * and '\' inside a label are escaped, as \. and \\, and NUL as \000. */
static size_t name_text(const uint8_t *wire, bool master, char *out)
{
    size_t o = 0;
    if (!*wire) {
        out[0] = '.';
        out[1] = 0;
        return 1;
    }
    for (const uint8_t *p = wire; *p; p += *p + 1) {
        for (unsigned i = 1; i <= *p; i++) {
            uint8_t c = p[i];
            if ((master && master_special(c)) || c == 0) {
                o += (size_t)sprintf(out + o, "\\%03u", c);
            } else {
                if (c == '.' || c == '\\')
                    out[o++] = '\\';
                out[o++] = (char)c;
            }
        }
        out[o++] = '.';
    }
    out[o] = 0;
    return o;
}

#define NAME_TEXT_MAX (4 * DNAME_MAXLEN + 2)

/* ---- /v1/axfr ------------------------------------------------------------ */

struct owner {
    const char *text;
    const zone_node_t *node;
};

static int owner_cmp(const void *a, const void *b)
{
    return strcmp(((const struct owner *)a)->text, ((const struct owner *)b)->text);
}

/* Every node holding A, AAAA or SRV, with its text, sorted by text (Go
 * writes map keys in sorted order). */
static struct owner *sorted_owners(const zone_snap_t *s, arena_t *a, size_t *n)
{
    size_t nn = zone_snap_node_count(s), k = 0;
    struct owner *v = malloc((nn ? nn : 1) * sizeof *v);
    char text[NAME_TEXT_MAX];
    if (!v)
        return NULL;
    for (size_t i = 0; i < nn; i++) {
        const zone_node_t *node = zone_snap_node(s, i);
        if (!zone_node_rrset(node, RRTYPE_A) && !zone_node_rrset(node, RRTYPE_AAAA) &&
            !zone_node_rrset(node, RRTYPE_SRV))
            continue;
        size_t len = name_text(node->name, false, text);
        char *t = arena_strndup(a, text, len);
        if (!t) {
            free(v);
            return NULL;
        }
        v[k++] = (struct owner){t, node};
    }
    qsort(v, k, sizeof *v, owner_cmp);
    *n = k;
    return v;
}

/* Text of one record as Mesos-DNS stores it: the address, or for SRV
 * "target.:port" (its net.JoinHostPort of the dotted target and port). */
static void record_value(uint16_t type, const uint8_t *rd, uint16_t len, char *out)
{
    if ((type == RRTYPE_A && len == 4) || (type == RRTYPE_AAAA && len == 16)) {
        netaddr_ip_text(type == RRTYPE_A ? AF_INET : AF_INET6, rd, out, NETADDR_IPSTRLEN);
    } else {
        size_t n = name_text(rd + 6, false, out);
        sprintf(out + n, ":%u", bytes_get16(rd + 4));
    }
}

static void axfr_set(jsonw_t *w, const struct owner *v, size_t n, uint16_t type)
{
    char value[NAME_TEXT_MAX + 8];
    jsonw_obj_begin(w);
    for (size_t i = 0; i < n; i++) {
        const zone_rrset_t *set = zone_node_rrset(v[i].node, type);
        if (!set)
            continue;
        jsonw_key(w, v[i].text);
        jsonw_arr_begin(w);
        const uint8_t *p = set->rdata;
        for (unsigned r = 0; r < set->count; r++) {
            uint16_t len = bytes_get16(p);
            record_value(type, p + 2, len, value);
            jsonw_str(w, value);
            p += 2u + len;
        }
        jsonw_arr_end(w);
    }
    jsonw_obj_end(w);
}

/* MNAME and RNAME of the apex SOA as text. */
static void soa_names(const zone_snap_t *s, char *mname, char *rname)
{
    const zone_rrset_t *soa = zone_node_rrset(zone_snap_apex_node(s), RRTYPE_SOA);
    const uint8_t *rd = soa->rdata + 2;
    name_text(rd, false, mname);
    name_text(rd + dname_len(rd, DNAME_MAXLEN), false, rname);
}

int export_axfr_json(const zone_snap_t *s, const export_axfr_params_t *p, buf_t *out)
{
    arena_t *a = arena_new(0);
    size_t n = 0;
    struct owner *v = a ? sorted_owners(s, a, &n) : NULL;
    if (!v) {
        arena_free(&a);
        return -ENOMEM;
    }
    char mname[NAME_TEXT_MAX], rname[NAME_TEXT_MAX];
    soa_names(s, mname, rname);
    jsonw_t w;
    jsonw_init(&w, out, 1); /* Mesos-DNS answers MarshalIndent(v, "", " ") */
    jsonw_obj_begin(&w);
    jsonw_kv_int(&w, "TTL", (int32_t)p->ttl);
    jsonw_key(&w, "Serial");
    jsonw_uint(&w, zone_snap_serial(s));
    jsonw_kv_int(&w, "RefreshSeconds", p->refresh_seconds);
    jsonw_kv_str(&w, "Mname", mname);
    jsonw_kv_str(&w, "Rname", rname);
    jsonw_kv_str(&w, "Domain", p->domain ? p->domain : "");
    jsonw_key(&w, "Records");
    jsonw_obj_begin(&w);
    jsonw_key(&w, "As");
    axfr_set(&w, v, n, RRTYPE_A);
    jsonw_key(&w, "AAAAs");
    axfr_set(&w, v, n, RRTYPE_AAAA);
    jsonw_key(&w, "SRVs");
    axfr_set(&w, v, n, RRTYPE_SRV);
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    free(v);
    arena_free(&a);
    return buf_error(out);
}

/* ---- master file --------------------------------------------------------- */

static const char *type_name(uint16_t type, char *tmp)
{
    switch (type) {
    case RRTYPE_A:
        return "A";
    case RRTYPE_NS:
        return "NS";
    case RRTYPE_CNAME:
        return "CNAME";
    case RRTYPE_SOA:
        return "SOA";
    case RRTYPE_PTR:
        return "PTR";
    case RRTYPE_TXT:
        return "TXT";
    case RRTYPE_AAAA:
        return "AAAA";
    case RRTYPE_SRV:
        return "SRV";
    default:
        sprintf(tmp, "TYPE%u", type);
        return tmp;
    }
}

/* TXT character-strings, quoted, with \" \\ and \DDD escapes. */
static void txt_text(buf_t *out, const uint8_t *rd, uint16_t len)
{
    for (size_t pos = 0; pos < len; pos += 1u + rd[pos]) {
        buf_puts(out, pos ? " \"" : "\"");
        for (unsigned i = 1; i <= rd[pos] && pos + i < len; i++) {
            uint8_t c = rd[pos + i];
            if (c == '"' || c == '\\')
                buf_printf(out, "\\%c", c);
            else if (c < ' ' || c >= 0x7f)
                buf_printf(out, "\\%03u", c);
            else
                buf_putc(out, (char)c);
        }
        buf_putc(out, '"');
    }
}

/* RDATA of one record in master file syntax (RFC 3597 \# for others). */
static void rdata_text(buf_t *out, uint16_t type, const uint8_t *rd, uint16_t len)
{
    char t[NAME_TEXT_MAX + 64];
    switch (type) {
    case RRTYPE_A:
    case RRTYPE_AAAA:
        netaddr_ip_text(type == RRTYPE_A ? AF_INET : AF_INET6, rd, t, sizeof t);
        buf_puts(out, t);
        return;
    case RRTYPE_NS:
    case RRTYPE_CNAME:
    case RRTYPE_PTR:
        buf_append(out, t, name_text(rd, true, t));
        return;
    case RRTYPE_SRV:
        buf_printf(out, "%u %u %u ", bytes_get16(rd), bytes_get16(rd + 2), bytes_get16(rd + 4));
        buf_append(out, t, name_text(rd + 6, true, t));
        return;
    case RRTYPE_SOA: {
        size_t o = name_text(rd, true, t);
        buf_append(out, t, o);
        buf_putc(out, ' ');
        size_t ml = (size_t)dname_len(rd, len);
        buf_append(out, t, name_text(rd + ml, true, t));
        const uint8_t *n = rd + ml + (size_t)dname_len(rd + ml, len - ml);
        buf_printf(out, " %u %u %u %u %u", bytes_get32(n), bytes_get32(n + 4), bytes_get32(n + 8),
                   bytes_get32(n + 12), bytes_get32(n + 16));
        return;
    }
    case RRTYPE_TXT:
        txt_text(out, rd, len);
        return;
    default:
        buf_printf(out, "\\# %u", len);
        if (len)
            buf_putc(out, ' ');
        for (unsigned i = 0; i < len; i++)
            buf_printf(out, "%02x", rd[i]);
    }
}

static void rrset_lines(buf_t *out, const char *owner, size_t owner_len, const zone_rrset_t *set)
{
    char tmp[16], head[64];
    int hl = snprintf(head, sizeof head, "\t%u\tIN\t%s\t", set->ttl, type_name(set->type, tmp));
    const uint8_t *p = set->rdata;
    for (unsigned r = 0; r < set->count; r++) {
        uint16_t len = bytes_get16(p);
        buf_append(out, owner, owner_len);
        buf_append(out, head, (size_t)hl);
        rdata_text(out, set->type, p + 2, len);
        buf_putc(out, '\n');
        p += 2u + len;
    }
}

int export_master_file(const zone_snap_t *s, buf_t *out)
{
    const zone_node_t *apex = zone_snap_apex_node(s);
    const zone_rrset_t *soa = zone_node_rrset(apex, RRTYPE_SOA);
    char owner[NAME_TEXT_MAX];
    size_t ol = name_text(apex->name, true, owner);
    buf_printf(out, "; zone %s serial %u, %zu records\n", owner, zone_snap_serial(s),
               zone_snap_record_count(s));
    buf_printf(out, "$ORIGIN %s\n$TTL %u\n", owner, soa->ttl);
    /* SOA first, then NS, then the rest in canonical order. */
    rrset_lines(out, owner, ol, soa);
    const zone_rrset_t *ns = zone_node_rrset(apex, RRTYPE_NS);
    if (ns)
        rrset_lines(out, owner, ol, ns);
    for (size_t i = 0; i < zone_snap_node_count(s); i++) {
        const zone_node_t *n = zone_snap_node(s, i);
        if (!n->n_rrsets)
            continue;
        if (i > 0)
            ol = name_text(n->name, true, owner);
        for (unsigned j = 0; j < n->n_rrsets; j++)
            if (i > 0 || (n->rrsets[j].type != RRTYPE_SOA && n->rrsets[j].type != RRTYPE_NS))
                rrset_lines(out, owner, ol, &n->rrsets[j]);
    }
    return buf_error(out);
}
