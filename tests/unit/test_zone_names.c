/* Unit tests of zone/names: the label rules of compat spec §5 (every row of
 * its example table, both RFC columns, plus the cases of Mesos-DNS's
 * records/labels tests), framework fragments, the task hash and the §7
 * cuts. Expected values come from the spec; extra hash vectors were
 * computed with an independent Python implementation (hashlib + z-base-32). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zone/names.h"

static const char *spec1123(const char *s)
{
    static char out[NAMES_LABEL_MAX + 1];
    size_t n = names_spec(false, s, strlen(s), out);
    assert_int_equal(n, strlen(out));
    return out;
}

static const char *spec952(const char *s)
{
    static char out[NAMES_LABEL_MAX + 1];
    size_t n = names_spec(true, s, strlen(s), out);
    assert_int_equal(n, strlen(out));
    return out;
}

static char *repeat(char *buf, const char *head, char c, int n, const char *tail)
{
    strcpy(buf, head);
    size_t l = strlen(buf);
    memset(buf + l, c, (size_t)n);
    strcpy(buf + l + (size_t)n, tail);
    return buf;
}

/* The table of spec §5, row by row. */
static void test_spec_table(void **state)
{
    struct {
        const char *in, *rfc952, *rfc1123;
    } rows[] = {
        {"4abc123", "abc123", "4abc123"},
        {"-4abc123", "abc123", "4abc123"},
        {"fd%gsf---gs7-f$gs--d7fddg-123", "fdgsf---gs7-fgs--d7fddg1",
         "fdgsf---gs7-fgs--d7fddg-123"},
        {"89fdgsf---gs7-fgs--d7fddg-", "fdgsf---gs7-fgs--d7fddg", "89fdgsf---gs7-fgs--d7fddg"},
        {"chronos with a space AND MIXED CASE-2.0.1", "chronoswithaspaceandmixe",
         "chronoswithaspaceandmixedcase-2-0-1"},
        {"a.b.c.d.e", "a-b-c-d-e", "a-b-c-d-e"},
        {"a.c.d_de.", "a-c-d-de", "a-c-d-de"},
        {"", "", ""},
        {"-", "", ""},
        {"a---", "a", "a"},
        {"---a---", "a", "a"},
        {"---a---b", "a---b", "a---b"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_string_equal(spec952(rows[i].in), rows[i].rfc952);
        assert_string_equal(spec1123(rows[i].in), rows[i].rfc1123);
    }
    /* "hello" + 58 × '-' + "f": both rules give "hellof". */
    char buf[128];
    repeat(buf, "hello", '-', 58, "f");
    assert_string_equal(spec952(buf), "hellof");
    assert_string_equal(spec1123(buf), "hellof");
}

/* The remaining cases of Mesos-DNS's labels_test.go. */
static void test_mesos_dns_cases(void **state)
{
    char buf[128];
    assert_string_equal(spec952("89fdgsf---gs7-fgs--d7fddg-123"), "fdgsf---gs7-fgs--d7fddg1");
    assert_string_equal(spec952("89fdgsf---gs7-fgs--d7fddg---123"), "fdgsf---gs7-fgs--d7fddg1");
    assert_string_equal(spec952("chronos with a space AND----------MIXED--"),
                        "chronoswithaspaceandmixe");
    assert_string_equal(spec1123("89fdgsf---gs7-fgs--d7fddg---123"),
                        "89fdgsf---gs7-fgs--d7fddg---123");
    const char *want = "fdgsf---gs7-fgs--d7fddg1234567890123456789012345678901234567891";
    assert_string_equal(
        spec1123("fd%gsf---gs7-f$gs--d7fddg123456789012345678901234567890123456789-123"), want);
    assert_string_equal(
        spec1123("$$fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789-123"), want);
    assert_string_equal(
        spec1123("%%fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789---123"), want);
    assert_string_equal(
        spec1123("##fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789-"),
        "fdgsf---gs7-fgs--d7fddg123456789012345678901234567890123456789");
    /* 62 characters fit RFC 1123 unchanged. */
    repeat(buf, "hello", '-', 56, "f");
    assert_string_equal(spec1123(buf), buf);
    assert_string_equal(spec1123("r29f.dev.angrypigs"), "r29f-dev-angrypigs");
    assert_string_equal(spec1123("abc--123"), "abc--123");
    /* Non-ASCII bytes are dropped like any other invalid character. */
    assert_string_equal(spec1123("caf\xc3\xa9-Cr\xc3\xa8me"), "caf-crme");
}

/* Properties over many generated inputs: charset, lengths, no leading or
 * trailing '-', RFC 952 starts with a letter. */
static void test_label_properties(void **state)
{
    static const char pool[] = "aZ09-._$ \xc3\xa9/-";
    unsigned seed = 12345;
    char in[200], out[NAMES_LABEL_MAX + 1];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (seed = seed * 1103515245u + 12345u) % sizeof in;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = pool[(seed >> 16) % (sizeof pool - 1)];
        }
        for (int rfc952 = 0; rfc952 < 2; rfc952++) {
            size_t n = names_spec(rfc952, in, len, out);
            assert_true(n <= (rfc952 ? NAMES_RFC952_MAX : NAMES_LABEL_MAX));
            for (size_t i = 0; i < n; i++)
                assert_true((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9') ||
                            out[i] == '-');
            if (n > 0) {
                assert_true(out[0] != '-' && out[n - 1] != '-');
                if (rfc952)
                    assert_true(out[0] >= 'a' && out[0] <= 'z');
            }
        }
    }
}

static const char *frag(bool rfc952, const char *name)
{
    static char out[300];
    int n = names_frag_text(rfc952, name, out, sizeof out);
    assert_true(n >= 0);
    return out;
}

static void test_framework_fragments(void **state)
{
    assert_string_equal(frag(true, "marathon-0.7.5"), "marathon-0");
    assert_string_equal(frag(false, "marathon-0.7.5"), "marathon-0.7.5");
    assert_string_equal(frag(false, "a..c"), "a.c");
    assert_string_equal(frag(false, "(@ host . com"), "host.com");
    assert_string_equal(frag(true, "(@ host . com"), "host.com");
    assert_string_equal(frag(false, "pod_123$abc.marathon-0.6.0-dev.mesos"),
                        "pod-123abc.marathon-0.6.0-dev.mesos");
    assert_string_equal(frag(true, "pod_123$abc.marathon-0.6.0-dev.mesos"),
                        "pod-123abc.marathon-0.dev.mesos");
    assert_string_equal(frag(false, ""), "");
    assert_string_equal(frag(false, "..."), "");
    assert_string_equal(frag(false, ".a.c."), "a.c");
    assert_string_equal(frag(false, "MiXeDcase.CoM"), "mixedcase.com");
    assert_string_equal(frag(false, "space space.com"), "spacespace.com");
    /* Marathon app /group/app runs tasks named "app.group". */
    assert_string_equal(spec1123("app.group"), "app-group");

    uint8_t w[64];
    assert_int_equal(names_frag_wire(false, "marathon-0.7.5", w, sizeof w), 15);
    assert_memory_equal(w,
                        "\x0amarathon-0\x01"
                        "7\x01"
                        "5",
                        15);
    /* Too long for the buffer. */
    assert_int_equal(names_frag_wire(false, "abcdefgh.abcdefgh", w, 10), -ERANGE);
    char t[4];
    assert_int_equal(names_frag_text(false, "abcdefgh", t, sizeof t), -ERANGE);
}

static void test_task_hash(void **state)
{
    names_hasher_t *h = names_hasher_new();
    assert_non_null(h);
    char out[NAMES_HASH_LEN + 1];
    assert_int_equal(names_task_hash(h, "test", 4, out), 0);
    assert_string_equal(out, "iffe9");
    /* Independent vectors (Python hashlib + z-base-32). */
    const char *id = "liquor-store.4c4a0f0c-1f39-11e6-9e8c-0242ac110002";
    assert_int_equal(names_task_hash(h, id, strlen(id), out), 0);
    assert_string_equal(out, "3zc5c");
    assert_int_equal(names_task_hash(h, "", 0, out), 0);
    assert_string_equal(out, "5eh48");
    assert_int_equal(names_task_hash(h, "web.1", 5, out), 0);
    assert_string_equal(out, "e844k");
    names_hasher_free(&h);
    assert_null(h);
    names_hasher_free(&h);
}

static void test_zbase32(void **state)
{
    char out[64];
    assert_int_equal(names_zbase32(names_zbase32_std, (const uint8_t *)"\x00", 1, out, sizeof out),
                     2);
    assert_string_equal(out, "yy");
    assert_int_equal(names_zbase32(names_zbase32_std, (const uint8_t *)"\xff", 1, out, sizeof out),
                     2);
    assert_string_equal(out, "9h");
    assert_int_equal(
        names_zbase32(names_zbase32_std, (const uint8_t *)"foobar", 6, out, sizeof out), 10);
    assert_string_equal(out, "c3zs6aubqe");
    assert_int_equal(names_zbase32(names_zbase32_std, NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(names_zbase32(names_zbase32_std, (const uint8_t *)"foobar", 6, out, 10),
                     -ERANGE);
    /* The standard alphabet has the digit 1 at index 18: 0x90 = 10010 000. */
    assert_int_equal(names_zbase32(names_zbase32_std, (const uint8_t *)"\x90", 1, out, 8), 2);
    assert_string_equal(out, "1y");
}

static void test_agent_tail(void **state)
{
    char s[64];
    assert_int_equal(names_agent_tail("20160107-001256-134875658-5050-27524-S3", s, sizeof s), 2);
    assert_string_equal(s, "s3");
    assert_int_equal(names_agent_tail("NODASH", s, sizeof s), 6);
    assert_string_equal(s, "nodash");
    assert_int_equal(names_agent_tail("x-", s, sizeof s), 0);
    assert_string_equal(s, "");
    char s4[4];
    assert_int_equal(names_agent_tail("a-ABCDEFG", s4, sizeof s4), 7);
    assert_string_equal(s4, "abc");
}

/* §7: the canonical label T-H-S is at most 63, T cut and right-trimmed. */
static void test_canonical_cut(void **state)
{
    char out[64], t[80], s[80];
    assert_int_equal(names_canonical("liquor-store", 12, "4dfjd", "0", 1, out), 20);
    assert_string_equal(out, "liquor-store-4dfjd-0");
    /* 63-char T, suffix "-iffe9-s3" (9): T keeps 54 characters. */
    repeat(t, "", 'a', 50, "-bbbbbbbbbbbb");
    assert_int_equal(strlen(t), 63);
    assert_int_equal(names_canonical(t, 63, "iffe9", "s3", 2, out), 63);
    assert_string_equal(out, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbb-iffe9-s3");
    /* The cut lands right after a '-': trimmed, the label is 62. */
    repeat(t, "", 'a', 53, "-bbbbbbbbb");
    assert_int_equal(names_canonical(t, 63, "iffe9", "s3", 2, out), 62);
    repeat(s, "", 'a', 53, "-iffe9-s3");
    assert_string_equal(out, s);
    /* Exactly 63 without a cut. */
    repeat(t, "", 'c', 54, "");
    assert_int_equal(names_canonical(t, 54, "iffe9", "s3", 2, out), 63);
    /* An uncut T keeps a trailing '-' (raw names). */
    assert_int_equal(names_canonical("web-", 4, "iffe9", "s3", 2, out), 13);
    assert_string_equal(out, "web--iffe9-s3");
    /* S of 56: T disappears; S of 57: impossible. */
    repeat(s, "", 's', 56, "");
    assert_int_equal(names_canonical("web", 3, "iffe9", s, 56, out), 63);
    assert_memory_equal(out, "-iffe9-sss", 10);
    repeat(s, "", 's', 57, "");
    assert_int_equal(names_canonical("web", 3, "iffe9", s, 57, out), -ERANGE);
}

/* §7: "_T" is at most 63, T cut to 62 and right-trimmed. */
static void test_underscore_cut(void **state)
{
    char out[64], x[80], want[80];
    assert_int_equal(names_underscore("web", 3, out), 4);
    assert_string_equal(out, "_web");
    repeat(x, "", 'x', 62, "");
    assert_int_equal(names_underscore(x, 62, out), 63);
    repeat(want, "_", 'x', 62, "");
    assert_string_equal(out, want);
    repeat(x, "", 'x', 63, "");
    assert_int_equal(names_underscore(x, 63, out), 63);
    assert_string_equal(out, want);
    repeat(x, "", 'x', 61, "-b");
    assert_int_equal(names_underscore(x, 63, out), 62);
    repeat(want, "_", 'x', 61, "");
    assert_string_equal(out, want);
    assert_int_equal(names_underscore("", 0, out), 1);
    assert_string_equal(out, "_");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_table),       cmocka_unit_test(test_mesos_dns_cases),
        cmocka_unit_test(test_label_properties), cmocka_unit_test(test_framework_fragments),
        cmocka_unit_test(test_task_hash),        cmocka_unit_test(test_zbase32),
        cmocka_unit_test(test_agent_tail),       cmocka_unit_test(test_canonical_cut),
        cmocka_unit_test(test_underscore_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
