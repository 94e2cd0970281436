#include "common/dname.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int dname_from_text(const char *text, uint8_t out[DNAME_MAXLEN])
{
    size_t tl = strlen(text);
    if (tl > 0 && text[tl - 1] == '.')
        tl--;
    if (tl == 0) {
        out[0] = 0;
        return 1;
    }
    size_t pos = 0, start = 0;
    for (size_t i = 0; i <= tl; i++) {
        if (i < tl && text[i] != '.')
            continue;
        size_t ll = i - start;
        if (ll == 0)
            return -EINVAL;
        if (ll > DNAME_MAXLABEL)
            return -ERANGE;
        if (pos + 1 + ll + 1 > DNAME_MAXLEN)
            return -ERANGE;
        out[pos++] = (uint8_t)ll;
        memcpy(out + pos, text + start, ll);
        pos += ll;
        start = i + 1;
    }
    out[pos++] = 0;
    return (int)pos;
}

int dname_to_text(const uint8_t *wire, char *out, size_t outlen)
{
    size_t o = 0;
    char tmp[8];
    if (outlen == 0)
        return -ERANGE;
    if (wire[0] == 0) {
        if (outlen < 2)
            goto toolong;
        out[0] = '.';
        out[1] = '\0';
        return 1;
    }
    for (const uint8_t *p = wire; *p; p += *p + 1) {
        for (int i = 1; i <= *p; i++) {
            uint8_t c = p[i];
            int n;
            if (c == '.' || c == '\\')
                n = snprintf(tmp, sizeof tmp, "\\%c", c);
            else if (c < 0x21 || c > 0x7e)
                n = snprintf(tmp, sizeof tmp, "\\%03u", c);
            else
                n = snprintf(tmp, sizeof tmp, "%c", c);
            if (o + (size_t)n + 2 > outlen)
                goto toolong;
            memcpy(out + o, tmp, (size_t)n);
            o += (size_t)n;
        }
        out[o++] = '.';
    }
    out[o] = '\0';
    return (int)o;
toolong:
    out[o < outlen ? o : outlen - 1] = '\0';
    return -ERANGE;
}

int dname_len(const uint8_t *wire, size_t max)
{
    size_t pos = 0;
    for (;;) {
        if (pos >= max)
            return -EPROTO;
        uint8_t l = wire[pos];
        if (l > DNAME_MAXLABEL)
            return -EPROTO;
        pos += 1 + l;
        if (pos > DNAME_MAXLEN)
            return -EPROTO;
        if (l == 0)
            return (int)pos;
    }
}

void dname_lower(uint8_t *wire)
{
    for (uint8_t *p = wire; *p; p += *p + 1)
        for (int i = 1; i <= *p; i++)
            p[i] = (uint8_t)tolower(p[i]);
}

int dname_labels(const uint8_t *wire)
{
    int n = 0;
    for (const uint8_t *p = wire; *p; p += *p + 1)
        n++;
    return n;
}

bool dname_equal(const uint8_t *a, const uint8_t *b)
{
    for (;;) {
        if (*a != *b)
            return false;
        if (*a == 0)
            return true;
        for (int i = 1; i <= *a; i++)
            if (tolower(a[i]) != tolower(b[i]))
                return false;
        a += *a + 1;
        b += *b + 1;
    }
}

bool dname_is_sub(const uint8_t *name, size_t name_len, const uint8_t *apex, size_t apex_len)
{
    if (name_len < apex_len)
        return false;
    /* Walk labels of `name` until the remaining suffix is as long as apex;
     * only a label boundary may start the comparison. */
    size_t pos = 0;
    while (name_len - pos > apex_len)
        pos += name[pos] + 1u;
    return name_len - pos == apex_len && dname_equal(name + pos, apex);
}
