/* Unit tests of zone/dcos: the DC/OS z-base-32 variant (every vector of
 * dcos-and-bind spec §1) and decoding of the ZooKeeper /navstar_key JSON. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zone/dcos.h"

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static const char *enc(const uint8_t *in, size_t len)
{
    static char out[128];
    int n = dcos_encode(in, len, out, sizeof out);
    assert_int_equal(n, (int)strlen(out));
    return out;
}

static void test_spec_vectors(void **state)
{
    uint8_t key[64];
    size_t n = unhex("56278909522fbf8ad8866898870bad26966bee074e4e117fc2a41cef1fb2db39", key);
    assert_int_equal(n, 32);
    assert_string_equal(enc(key, n), "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho");
    assert_string_equal(enc((const uint8_t *)"\x00", 1), "yy");
    assert_string_equal(enc((const uint8_t *)"\xff", 1), "9h");
    assert_string_equal(enc((const uint8_t *)"foobar", 6), "c3zs6aubqe");
    memset(key, 0, 32);
    char y52[53];
    memset(y52, 'y', 52);
    y52[52] = '\0';
    assert_string_equal(enc(key, 32), y52);
    /* The docs' example label and the key it decodes to. */
    n = unhex("0409e8bb95c1b3f0798950c7aa7e7786b6ee2a7e260fc9778d2787f9a938be53", key);
    assert_string_equal(enc(key, n), "yor6tqhiag39y6cjkdd4w9uzo45qhku6ra8hl7hpr6d9ukjaz3jo");
    /* Index 18 is the letter l (standard z-base-32: the digit 1). */
    assert_string_equal(enc((const uint8_t *)"\x90", 1), "ly");
    assert_int_equal(dcos_encode(key, 32, y52, 52), -ERANGE);
}

/* 32-byte keys always end in y or o: 256 bits = 51 groups + 1 bit. */
static void test_last_char(void **state)
{
    uint8_t key[32];
    for (int b = 0; b < 256; b++) {
        memset(key, b, sizeof key);
        const char *l = enc(key, 32);
        assert_int_equal(strlen(l), DCOS_LABEL_LEN);
        assert_true(l[51] == 'y' || l[51] == 'o');
    }
}

/* JSON string of raw bytes, one Latin-1 code point per byte: control bytes,
 * quote and backslash as \u00XX; other ASCII raw; 0x80-0xFF as UTF-8 (or
 * all escaped when `escape_all`). */
static size_t latin1_json(const uint8_t *b, size_t n, bool escape_all, char *out)
{
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (escape_all || c < 0x20 || c == '"' || c == '\\')
            o += (size_t)sprintf(out + o, "\\u%04x", c);
        else if (c < 0x80)
            out[o++] = (char)c;
        else {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return o;
}

static void test_navstar_decode(void **state)
{
    uint8_t key[64], got[DCOS_KEY_LEN];
    char pub[512], doc[2048], label[DCOS_LABEL_MAX + 1], err[128];
    unhex("56278909522fbf8ad8866898870bad26966bee074e4e117fc2a41cef1fb2db39", key);
    for (int esc = 0; esc < 2; esc++) {
        latin1_json(key, 32, esc, pub);
        snprintf(doc, sizeof doc, "{\"public\": %s, \"secret\": \"s3cr3t-bytes\"}", pub);
        assert_int_equal(dcos_navstar_public(doc, strlen(doc), got, err, sizeof err), 0);
        assert_memory_equal(got, key, 32);
        assert_int_equal(dcos_label_from_navstar(doc, strlen(doc), label, sizeof label), 0);
        assert_string_equal(label, "kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho");
        /* A buffer too small for 52 characters and the NUL. */
        assert_int_equal(dcos_label_from_navstar(doc, strlen(doc), label, DCOS_LABEL_LEN), -ERANGE);
    }
    /* Every byte value survives, including 0, '"', '\\' and 0xff; the key
     * order and extra members do not matter, no NUL terminator needed. */
    for (int start = 0; start < 256; start += 32) {
        for (int i = 0; i < 32; i++)
            key[i] = (uint8_t)(start + i);
        latin1_json(key, 32, false, pub);
        int n = snprintf(doc, sizeof doc, "{\"secret\":\"x\",\"v\":[1],\"public\":%s}XXXX", pub);
        assert_int_equal(dcos_navstar_public(doc, (size_t)n - 4, got, err, sizeof err), 0);
        assert_memory_equal(got, key, 32);
    }
}

static void expect_error(const char *doc, size_t len)
{
    uint8_t got[DCOS_KEY_LEN];
    char err[128] = "", label[DCOS_LABEL_LEN + 1];
    assert_int_equal(dcos_navstar_public(doc, len, got, err, sizeof err), -EPROTO);
    assert_true(strlen(err) > 0);
    assert_null(strstr(err, "TOPSECRET"));
    assert_int_equal(dcos_label_from_navstar(doc, len, label, sizeof label), -EPROTO);
}

static void test_navstar_errors(void **state)
{
    char pub[512], doc[2048];
    uint8_t key[40] = {0};
    const char *bad[] = {
        "",
        "{",
        "not json",
        "[]",
        "\"public\"",
        "{\"secret\": \"TOPSECRET\"}",
        "{\"public\": 12, \"secret\": \"TOPSECRET\"}",
        "{\"public\": null}",
        "{\"public\": \"\\u0100bcdefghijklmnopqrstuvwxyz012345\"}",
        ("{\"public\": \"\xe2\x82\xac"
         "bcdefghijklmnopqrstuvwxyz01234\"}"),
        "{\"public\": \"\xff\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(bad[i], strlen(bad[i]));
    /* Wrong lengths: 31 and 33 bytes. */
    for (size_t n = 31; n <= 33; n += 2) {
        latin1_json(key, n, false, pub);
        snprintf(doc, sizeof doc, "{\"public\": %s, \"secret\": \"TOPSECRET\"}", pub);
        expect_error(doc, strlen(doc));
    }
    /* Duplicate "public" members are ambiguous. */
    latin1_json(key, 32, false, pub);
    snprintf(doc, sizeof doc, "{\"public\": %s, \"public\": %s}", pub, pub);
    expect_error(doc, strlen(doc));
    /* Trailing garbage after the object. */
    snprintf(doc, sizeof doc, "{\"public\": %s} x", pub);
    expect_error(doc, strlen(doc));
    /* A valid document cut short. */
    snprintf(doc, sizeof doc, "{\"public\": %s}", pub);
    expect_error(doc, strlen(doc) - 1);
}

static void test_label_valid(void **state)
{
    assert_true(dcos_label_valid("kaualnklf69aisrgpnceqn7pr4mgz5o8j38bn96nwoqq687l5cho"));
    assert_true(dcos_label_valid("a"));
    assert_true(dcos_label_valid("my-cluster-1"));
    char l[80];
    memset(l, 'a', 63);
    l[63] = '\0';
    assert_true(dcos_label_valid(l));
    l[63] = 'a';
    l[64] = '\0';
    assert_false(dcos_label_valid(l));
    assert_false(dcos_label_valid(""));
    assert_false(dcos_label_valid(NULL));
    assert_false(dcos_label_valid("-a"));
    assert_false(dcos_label_valid("a-"));
    assert_false(dcos_label_valid("a.b"));
    assert_false(dcos_label_valid("ABC"));
    assert_false(dcos_label_valid("a_b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vectors),   cmocka_unit_test(test_last_char),
        cmocka_unit_test(test_navstar_decode), cmocka_unit_test(test_navstar_errors),
        cmocka_unit_test(test_label_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
