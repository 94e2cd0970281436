/* dnsd/reply: error replies and reply matching. Expected bytes come from
 * RFC 1035 §4.1.1 (header bits), RFC 6891 §6.1.2/§7 (OPT layout, echoed
 * when the query had one) and RFC 3225 (DO copied). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "dnsd/reply.h"
#include "dnsd/wire.h"

/* "a.b" IN A query with id 0xABCD, flags as given; with_opt adds an OPT
 * (UDP size 4096, DO set) in ADDITIONAL, after one NS record in AUTHORITY when `pre_ns`. */
static size_t query(uint8_t *q, uint16_t flags, bool with_opt, bool pre_ns)
{
    static const uint8_t head[] = {0xAB, 0xCD, 0,   0, 0,   1, 0, 0, 0, 0, 0,
                                   0,    1,    'a', 1, 'b', 0, 0, 1, 0, 1};
    memcpy(q, head, sizeof head);
    wire_put16(q + 2, flags);
    size_t n = sizeof head;
    if (pre_ns) { /* one authority record: b. NS a.b. (compressed) */
        wire_put16(q + 8, 1);
        static const uint8_t ns[] = {0xC0, 14, 0, 2, 0, 1, 0, 0, 0, 60, 0, 2, 0xC0, 12};
        memcpy(q + n, ns, sizeof ns);
        n += sizeof ns;
    }
    if (with_opt) {
        wire_put16(q + 10, 1);
        static const uint8_t opt[] = {0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0};
        memcpy(q + n, opt, sizeof opt);
        n += sizeof opt;
    }
    return n;
}

static void test_plain_error(void **state)
{
    (void)state;
    uint8_t q[128], out[128];
    size_t ql = query(q, 0x0110 /* RD, CD */, false, false);
    int n = reply_error(q, ql, DNS_RCODE_REFUSED, false, 1232, out, sizeof out);
    assert_int_equal(n, (int)ql);
    assert_int_equal(wire_get16(out), 0xABCD);
    assert_int_equal(out[2], 0x81); /* QR, opcode 0, RD */
    assert_int_equal(out[3], 0x15); /* no RA, CD, REFUSED */
    assert_int_equal(wire_get16(out + 4), 1);
    assert_int_equal(wire_get16(out + 6) | wire_get16(out + 8) | wire_get16(out + 10), 0);
    assert_memory_equal(out + 12, q + 12, ql - 12);
    assert_int_equal(reply_check(q, ql, out, (size_t)n), 0);
    /* RA on request; too small a buffer writes nothing useful. */
    n = reply_error(q, ql, DNS_RCODE_SERVFAIL, true, 1232, out, sizeof out);
    assert_int_equal(n, (int)ql);
    assert_int_equal(out[3], 0x92);
    assert_int_equal(reply_error(q, ql, DNS_RCODE_SERVFAIL, true, 1232, out, ql - 1), -ENOSPC);
}

static void test_opt_echoed(void **state)
{
    (void)state;
    uint8_t q[128], out[128];
    for (int pre_ns = 0; pre_ns <= 1; pre_ns++) {
        size_t ql = query(q, 0x0100, true, pre_ns);
        size_t qend = 12 + 5 + 4;
        int n = reply_error(q, ql, DNS_RCODE_SERVFAIL, false, 1400, out, sizeof out);
        assert_int_equal(n, (int)(qend + WIRE_OPT_LEN));
        assert_int_equal(wire_get16(out + 8), 0);  /* authority not echoed */
        assert_int_equal(wire_get16(out + 10), 1); /* our OPT */
        const uint8_t *o = out + qend;
        assert_int_equal(o[0], 0);
        assert_int_equal(wire_get16(o + 1), 41);
        assert_int_equal(wire_get16(o + 3), 1400); /* our size, not the client's 4096 */
        assert_int_equal(wire_get16(o + 5), 0);    /* ext rcode, version */
        assert_int_equal(wire_get16(o + 7), WIRE_EDNS_DO);
        assert_int_equal(wire_get16(o + 9), 0);
        assert_int_equal(reply_opt_offset(q, ql), ql - 10);
    }
    /* A size below 512 is raised to 512 (RFC 6891 §6.2.3). */
    size_t ql = query(q, 0, true, false);
    reply_error(q, ql, DNS_RCODE_SERVFAIL, false, 100, out, sizeof out);
    assert_int_equal(wire_get16(out + 21 + 3), 512);
}

static void test_unusable_queries(void **state)
{
    (void)state;
    uint8_t out[128];
    /* A compressed question name, no question, a short header. */
    uint8_t c[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
    assert_int_equal(reply_error(c, sizeof c, 2, true, 1232, out, sizeof out), -EINVAL);
    c[5] = 0;
    assert_int_equal(reply_error(c, sizeof c, 2, true, 1232, out, sizeof out), -EINVAL);
    assert_int_equal(reply_error(c, 11, 2, true, 1232, out, sizeof out), -EINVAL);
    assert_int_equal(reply_opt_offset(c, sizeof c), 0);
    /* An OPT claimed but missing (records run out): a reply without OPT. */
    uint8_t q[128];
    size_t ql = query(q, 0, false, false);
    wire_put16(q + 10, 1);
    assert_int_equal(reply_error(q, ql, 2, false, 1232, out, sizeof out), (int)ql);
    assert_int_equal(wire_get16(out + 10), 0);
}

static void test_check(void **state)
{
    (void)state;
    uint8_t q[128], r[128];
    size_t ql = query(q, 0x0100, false, false);
    memcpy(r, q, ql);
    r[2] |= 0x80;
    assert_int_equal(reply_check(q, ql, r, ql), 0);
    r[13] = 'A'; /* case differs: still the same name */
    assert_int_equal(reply_check(q, ql, r, ql), 0);
    r[1] ^= 1; /* id */
    assert_int_equal(reply_check(q, ql, r, ql), -EPROTO);
    r[1] ^= 1;
    r[2] &= 0x7F; /* not a response */
    assert_int_equal(reply_check(q, ql, r, ql), -EPROTO);
    r[2] |= 0x80 | 0x20; /* opcode 4 */
    assert_int_equal(reply_check(q, ql, r, ql), -EPROTO);
    r[2] &= (uint8_t)~0x20;
    r[ql - 1] = 3; /* class CH */
    assert_int_equal(reply_check(q, ql, r, ql), -EPROTO);
    r[ql - 1] = 1;
    assert_int_equal(reply_check(q, ql, r, ql - 1), -EPROTO);
    assert_int_equal(reply_check(q, 5, r, ql), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_error),
        cmocka_unit_test(test_opt_echoed),
        cmocka_unit_test(test_unusable_queries),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
