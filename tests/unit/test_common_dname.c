/* Unit tests of common/dname: text ↔ wire, validation, subdomain checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/dname.h"
#include "common/errcode.h"

static void test_from_text_roundtrip(void **state)
{
    uint8_t w[DNAME_MAXLEN];
    char t[1024];
    int n = dname_from_text("web.Marathon.mesos.", w);
    assert_int_equal(n, 20);
    assert_memory_equal(w, "\003web\010Marathon\005mesos\000", 20);
    assert_int_equal(dname_to_text(w, t, sizeof t), 19);
    assert_string_equal(t, "web.Marathon.mesos.");
    /* Without the trailing dot: the same wire form. */
    uint8_t w2[DNAME_MAXLEN];
    assert_int_equal(dname_from_text("web.Marathon.mesos", w2), 20);
    assert_memory_equal(w, w2, 20);
}

static void test_root_and_errors(void **state)
{
    uint8_t w[DNAME_MAXLEN];
    assert_int_equal(dname_from_text("", w), 1);
    assert_int_equal(dname_from_text(".", w), 1);
    assert_int_equal(w[0], 0);
    assert_int_equal(dname_from_text("a..b", w), -EINVAL);
    assert_int_equal(dname_from_text(".a", w), -EINVAL);
    char l64[70];
    memset(l64, 'x', 64);
    l64[64] = '\0';
    assert_int_equal(dname_from_text(l64, w), -ERANGE);
    l64[63] = '\0';
    assert_int_equal(dname_from_text(l64, w), 65);
    /* 128 labels of "a" = 256 octets of wire: one too many. */
    char big[300];
    size_t o = 0;
    for (int i = 0; i < 128; i++) {
        big[o++] = 'a';
        big[o++] = '.';
    }
    big[o] = '\0';
    assert_int_equal(dname_from_text(big, w), -ERANGE);
    big[o - 2] = '\0'; /* 127 labels: 255 octets exactly */
    assert_int_equal(dname_from_text(big, w), 255);
}

static void test_to_text_escapes(void **state)
{
    const uint8_t w[] = "\003a.b\002\\\001"; /* implicit NUL = root */
    char t[64];
    int n = dname_to_text(w, t, sizeof t);
    assert_true(n > 0);
    assert_string_equal(t, "a\\.b.\\\\\\001.");
    char small[4];
    assert_int_equal(dname_to_text(w, small, sizeof small), -ERANGE);
    assert_true(strlen(small) < sizeof small);
}

static void test_len_validation(void **state)
{
    const uint8_t ok[] = "\003abc\000";
    assert_int_equal(dname_len(ok, sizeof ok), 5);
    assert_int_equal(dname_len(ok, 4), -EPROTO); /* runs past the buffer */
    const uint8_t badlabel[] = "\100abc";        /* 64: over the label limit */
    assert_int_equal(dname_len(badlabel, sizeof badlabel), -EPROTO);
    const uint8_t ptr[] = "\300\014"; /* a compression pointer is not a label */
    assert_int_equal(dname_len(ptr, sizeof ptr), -EPROTO);
}

static void test_lower_equal_sub(void **state)
{
    uint8_t a[DNAME_MAXLEN], b[DNAME_MAXLEN], apex[DNAME_MAXLEN];
    int la = dname_from_text("WeB.MARATHON.Mesos", a);
    int lb = dname_from_text("web.marathon.mesos", b);
    int lx = dname_from_text("mesos", apex);
    assert_true(dname_equal(a, b));
    assert_true(dname_is_sub(a, (size_t)la, apex, (size_t)lx));
    assert_true(dname_is_sub(apex, (size_t)lx, apex, (size_t)lx));
    uint8_t other[DNAME_MAXLEN];
    int lo = dname_from_text("xmesos", other);
    /* Same trailing bytes but not on a label boundary. */
    assert_false(dname_is_sub(other, (size_t)lo, apex, (size_t)lx));
    dname_lower(a);
    assert_memory_equal(a, b, (size_t)lb);
    assert_int_equal(dname_labels(a), 3);
    assert_int_equal(la, lb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_text_roundtrip), cmocka_unit_test(test_root_and_errors),
        cmocka_unit_test(test_to_text_escapes),     cmocka_unit_test(test_len_validation),
        cmocka_unit_test(test_lower_equal_sub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
