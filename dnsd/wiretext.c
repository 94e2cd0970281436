#include "dnsd/wiretext.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/dname.h"
#include "dnsd/answer.h"
#include "dnsd/wire.h"

/* One rendering in progress. */
typedef struct rt {
    const uint8_t *msg;
    size_t len;
    size_t pos;
    unsigned flags;
    const char *why; /* first error */
    bool opt_seen;
    unsigned ext_rcode; /* upper 8 bits from the OPT */
    buf_t edns;         /* the "edns ..." line */
} rt_t;

static int fail(rt_t *t, const char *why)
{
    if (!t->why)
        t->why = why;
    return -EPROTO;
}

const char *wiretext_type(uint16_t type, char *buf)
{
    static const struct {
        uint16_t t;
        const char *s;
    } names[] = {{RRTYPE_A, "A"},       {RRTYPE_NS, "NS"},   {RRTYPE_CNAME, "CNAME"},
                 {RRTYPE_SOA, "SOA"},   {RRTYPE_PTR, "PTR"}, {RRTYPE_TXT, "TXT"},
                 {RRTYPE_AAAA, "AAAA"}, {RRTYPE_SRV, "SRV"}, {RRTYPE_OPT, "OPT"},
                 {249, "TKEY"},         {250, "TSIG"},       {RRTYPE_IXFR, "IXFR"},
                 {RRTYPE_AXFR, "AXFR"}, {RRTYPE_ANY, "ANY"}, {15, "MX"},
                 {99, "SPF"},           {43, "DS"},          {48, "DNSKEY"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].t == type)
            return names[i].s;
    snprintf(buf, 16, "TYPE%u", type);
    return buf;
}

const char *wiretext_rcode(unsigned rcode, char *buf)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode < sizeof names / sizeof names[0])
        return names[rcode];
    if (rcode == DNS_RCODE_BADVERS)
        return "BADVERS";
    snprintf(buf, 16, "RCODE%u", rcode);
    return buf;
}

static const char *class_text(uint16_t c, char *buf)
{
    switch (c) {
    case WIRE_CLASS_IN:
        return "IN";
    case WIRE_CLASS_CH:
        return "CH";
    case 4:
        return "HS";
    case WIRE_CLASS_ANY:
        return "ANY";
    default:
        snprintf(buf, 16, "CLASS%u", c);
        return buf;
    }
}

/* The name at `off` as text; *next past it. `plain` forbids pointers. */
static int put_name(rt_t *t, buf_t *b, size_t off, size_t *next, bool plain)
{
    uint8_t w[DNAME_MAXLEN];
    char text[4 * DNAME_MAXLEN + 2];
    int n = wire_read_name(t->msg, t->len, off, w, next);
    if (n < 0)
        return fail(t, "bad name");
    if (plain && *next - off != (size_t)n)
        return fail(t, "compressed name where RFC forbids it");
    if (dname_to_text(w, text, sizeof text) < 0)
        return fail(t, "name too long as text");
    return buf_puts(b, text);
}

static int put_txt(rt_t *t, buf_t *b, size_t p, size_t end)
{
    if (p == end)
        return fail(t, "empty TXT");
    while (p < end) {
        size_t l = t->msg[p++];
        if (l > end - p)
            return fail(t, "TXT string past RDATA");
        buf_putc(b, '"');
        for (size_t i = 0; i < l; i++) {
            uint8_t c = t->msg[p + i];
            if (c == '"' || c == '\\')
                buf_printf(b, "\\%c", c);
            else if (c < 0x20 || c > 0x7e)
                buf_printf(b, "\\%03u", c);
            else
                buf_putc(b, (char)c);
        }
        buf_putc(b, '"');
        p += l;
        if (p < end)
            buf_putc(b, ' ');
    }
    return 0;
}

/* RDATA of `type` in [p, end) as text; the layout must fill it exactly. */
static int put_rdata(rt_t *t, buf_t *b, uint16_t type, size_t p, size_t end)
{
    char ip[INET6_ADDRSTRLEN];
    size_t next = p, rdl = end - p;
    int rc = 0;
    switch (type) {
    case RRTYPE_A:
    case RRTYPE_AAAA:
        if (rdl != (type == RRTYPE_A ? 4u : 16u))
            return fail(t, "bad address length");
        inet_ntop(type == RRTYPE_A ? AF_INET : AF_INET6, t->msg + p, ip, sizeof ip);
        return buf_puts(b, ip);
    case RRTYPE_NS:
    case RRTYPE_CNAME:
    case RRTYPE_PTR:
        rc = put_name(t, b, p, &next, false);
        break;
    case RRTYPE_SOA:
        if ((rc = put_name(t, b, p, &next, false)) < 0 || buf_putc(b, ' ') < 0 ||
            (rc = put_name(t, b, next, &next, false)) < 0)
            break;
        if (end - next != 20)
            return fail(t, "bad SOA length");
        for (int i = 0; i < 5; i++)
            buf_printf(b, " %u", wire_get32(t->msg + next + 4 * i));
        next = end;
        break;
    case RRTYPE_SRV:
        if (rdl < 7)
            return fail(t, "short SRV");
        buf_printf(b, "%u %u %u ", wire_get16(t->msg + p), wire_get16(t->msg + p + 2),
                   wire_get16(t->msg + p + 4));
        rc = put_name(t, b, p + 6, &next, true);
        break;
    case RRTYPE_TXT:
        return put_txt(t, b, p, end);
    default:
        buf_printf(b, "\\# %zu", rdl);
        if (rdl)
            buf_putc(b, ' ');
        for (size_t i = p; i < end; i++)
            buf_printf(b, "%02x", t->msg[i]);
        return 0;
    }
    if (rc < 0)
        return rc;
    return next == end ? 0 : fail(t, "RDATA longer than its content");
}

static int take_opt(rt_t *t, bool additional, size_t owner, size_t fixed)
{
    const uint8_t *m = t->msg;
    if (!additional || t->opt_seen || fixed != owner + 1)
        return fail(t, "misplaced or second OPT, or non-root owner");
    t->opt_seen = true;
    t->ext_rcode = m[fixed + 4];
    uint16_t fl = wire_get16(m + fixed + 6);
    size_t rdl = wire_get16(m + fixed + 8);
    buf_printf(&t->edns, "edns version %u udp %u flags%s%s", m[fixed + 5],
               wire_get16(m + fixed + 2), fl & WIRE_EDNS_DO ? " do" : "",
               fl & 0x7FFF ? " z" : (fl ? "" : " -"));
    if (rdl)
        buf_printf(&t->edns, " options %zu bytes", rdl);
    return 0;
}

/* One RR at t->pos into `line`; sets *is_opt for the OPT record. */
static int put_rr(rt_t *t, buf_t *line, bool additional, bool *is_opt)
{
    char tb[16], cb[16];
    size_t owner = t->pos, fixed;
    buf_t name = BUF_INIT;
    int rc = put_name(t, &name, owner, &fixed, false);
    if (rc < 0 || t->len - fixed < 10) {
        buf_release(&name);
        return fail(t, "record past the end");
    }
    const uint8_t *m = t->msg + fixed;
    uint16_t type = wire_get16(m), cls = wire_get16(m + 2);
    size_t rdl = wire_get16(m + 8);
    if (t->len - fixed - 10 < rdl) {
        buf_release(&name);
        return fail(t, "RDATA past the end");
    }
    t->pos = fixed + 10 + rdl;
    *is_opt = type == RRTYPE_OPT;
    if (*is_opt) {
        buf_release(&name);
        return take_opt(t, additional, owner, fixed);
    }
    if (t->flags & WIRETEXT_SUMMARY) { /* still validated, not shown */
        buf_t scratch = BUF_INIT;
        rc = put_rdata(t, &scratch, type, fixed + 10, t->pos);
        buf_release(&scratch);
        buf_release(&name);
        buf_printf(line, "%u %s %s", wire_get32(m + 4), class_text(cls, cb),
                   wiretext_type(type, tb));
        return rc;
    }
    buf_printf(line, "%s %u %s %s ", name.data, wire_get32(m + 4), class_text(cls, cb),
               wiretext_type(type, tb));
    buf_release(&name);
    return put_rdata(t, line, type, fixed + 10, t->pos);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted (and maybe collapsed) lines of a section into `b`. */
static void emit_lines(rt_t *t, buf_t *b, const char *title, char **lines, size_t n)
{
    if (t->flags & (WIRETEXT_SORT | WIRETEXT_SUMMARY))
        qsort(lines, n, sizeof *lines, cmp_str);
    buf_printf(b, "%s %zu\n", title, n);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        if (t->flags & WIRETEXT_SUMMARY)
            while (j < n && strcmp(lines[i], lines[j]) == 0)
                j++;
        buf_puts(b, lines[i]);
        if (j - i > 1)
            buf_printf(b, " x%zu", j - i);
        buf_putc(b, '\n');
        i = j;
    }
}

static int section(rt_t *t, buf_t *b, const char *title, unsigned count, bool additional)
{
    if (count > t->len) /* every RR takes at least 11 bytes */
        return fail(t, "count larger than the message");
    char **lines = calloc(count ? count : 1, sizeof *lines);
    size_t n = 0;
    int rc = lines ? 0 : -ENOMEM;
    for (unsigned i = 0; rc == 0 && i < count; i++) {
        buf_t line = BUF_INIT;
        bool is_opt = false;
        rc = put_rr(t, &line, additional, &is_opt);
        if (rc == 0 && !is_opt && !(lines[n++] = buf_take(&line, NULL)))
            rc = -ENOMEM;
        buf_release(&line);
    }
    if (rc == 0)
        emit_lines(t, b, title, lines, n);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    return rc;
}

static int question(rt_t *t, buf_t *b, unsigned count)
{
    char tb[16], cb[16];
    buf_printf(b, "QUESTION %u\n", count);
    for (unsigned i = 0; i < count; i++) {
        size_t next;
        int rc = put_name(t, b, t->pos, &next, false);
        if (rc < 0)
            return rc;
        if (t->len - next < 4)
            return fail(t, "question past the end");
        buf_printf(b, " %s %s\n", class_text(wire_get16(t->msg + next + 2), cb),
                   wiretext_type(wire_get16(t->msg + next), tb));
        t->pos = next + 4;
    }
    return 0;
}

static void header(const rt_t *t, buf_t *b)
{
    static const char *const ops[] = {"QUERY", "IQUERY", "STATUS", "OPCODE3", "NOTIFY", "UPDATE"};
    static const struct {
        unsigned bit;
        const char *s;
    } fl[] = {{WIRE_FLAG_QR, "qr"}, {WIRE_FLAG_AA, "aa"}, {WIRE_FLAG_TC, "tc"},
              {WIRE_FLAG_RD, "rd"}, {WIRE_FLAG_RA, "ra"}, {WIRE_FLAG_Z, "z"},
              {WIRE_FLAG_AD, "ad"}, {WIRE_FLAG_CD, "cd"}};
    char rb[16];
    uint16_t flags = wire_get16(t->msg + 2);
    unsigned op = WIRE_OPCODE(flags);
    unsigned rcode = (t->ext_rcode << 4) | WIRE_RCODE(flags);
    if (op < 6)
        buf_printf(b, "opcode %s", ops[op]);
    else
        buf_printf(b, "opcode OPCODE%u", op);
    buf_printf(b, " rcode %s id %u\nflags", wiretext_rcode(rcode, rb), wire_get16(t->msg));
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (flags & fl[i].bit)
            buf_printf(b, " %s", fl[i].s);
    buf_putc(b, '\n');
    if (t->opt_seen)
        buf_printf(b, "%s\n", t->edns.data);
}

int wiretext_render(const uint8_t *msg, size_t len, unsigned flags, char *out, size_t outlen)
{
    rt_t t = {.msg = msg, .len = len, .pos = WIRE_HDR_LEN, .flags = flags};
    buf_t body = BUF_INIT, all = BUF_INIT;
    buf_init(&t.edns);
    int rc = len < WIRE_HDR_LEN ? fail(&t, "shorter than a header") : 0;
    if (rc == 0)
        rc = question(&t, &body, wire_get16(msg + 4));
    if (rc == 0)
        rc = section(&t, &body, "ANSWER", wire_get16(msg + 6), false);
    if (rc == 0)
        rc = section(&t, &body, "AUTHORITY", wire_get16(msg + 8), false);
    if (rc == 0)
        rc = section(&t, &body, "ADDITIONAL", wire_get16(msg + 10), true);
    if (rc == 0 && t.pos != len)
        rc = fail(&t, "bytes after the last record");
    if (rc == 0) {
        header(&t, &all);
        buf_append(&all, body.data, body.len);
        rc = buf_error(&all) ? buf_error(&all) : buf_error(&body);
    }
    if (rc == 0 && all.len + 1 > outlen)
        rc = -ERANGE;
    if (rc == 0)
        memcpy(out, all.data, all.len + 1);
    else if (outlen)
        snprintf(out, outlen, "malformed: %s", t.why ? t.why : "out of memory");
    if (rc == 0)
        rc = (int)all.len;
    buf_release(&body);
    buf_release(&all);
    buf_release(&t.edns);
    return rc;
}
