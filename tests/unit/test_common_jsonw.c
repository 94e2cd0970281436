/* Unit tests of common/buf and common/jsonw: output must equal what Go's
 * encoding/json writes (the expected strings below are Go's documented
 * format: MarshalIndent with one space, HTML-safe escaping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/jsonw.h"

static void test_buf_grows_and_takes(void **state)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_printf(&b, "%03d,", i), 0);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data + 3996, "999,", 4);
    assert_int_equal(b.data[b.len], '\0');
    size_t len;
    char *d = buf_take(&b, &len);
    assert_int_equal(len, 4000);
    assert_null(b.data);
    free(d);
    /* An empty buffer hands over "", not NULL. */
    d = buf_take(&b, &len);
    assert_non_null(d);
    assert_string_equal(d, "");
    free(d);
    buf_release(&b);
}

static void test_indented_matches_go(void **state)
{
    buf_t b = BUF_INIT;
    jsonw_t w;
    jsonw_init(&w, &b, 1);
    jsonw_obj_begin(&w);
    jsonw_kv_int(&w, "TTL", 60);
    jsonw_key(&w, "Records");
    jsonw_obj_begin(&w);
    jsonw_key(&w, "As");
    jsonw_obj_begin(&w);
    jsonw_key(&w, "a.mesos.");
    jsonw_arr_begin(&w);
    jsonw_str(&w, "1.2.3.4");
    jsonw_str(&w, "5.6.7.8");
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    jsonw_key(&w, "SRVs");
    jsonw_obj_begin(&w);
    jsonw_obj_end(&w);
    jsonw_key(&w, "L");
    jsonw_arr_begin(&w);
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    jsonw_kv_bool(&w, "On", true);
    jsonw_key(&w, "N");
    jsonw_null(&w);
    jsonw_obj_end(&w);
    assert_int_equal(buf_error(&b), 0);
    assert_string_equal(b.data, "{\n"
                                " \"TTL\": 60,\n"
                                " \"Records\": {\n"
                                "  \"As\": {\n"
                                "   \"a.mesos.\": [\n"
                                "    \"1.2.3.4\",\n"
                                "    \"5.6.7.8\"\n"
                                "   ]\n"
                                "  },\n"
                                "  \"SRVs\": {},\n"
                                "  \"L\": []\n"
                                " },\n"
                                " \"On\": true,\n"
                                " \"N\": null\n"
                                "}");
    buf_release(&b);
}

static void test_compact_and_escaping(void **state)
{
    buf_t b = BUF_INIT;
    jsonw_t w;
    jsonw_init(&w, &b, 0);
    jsonw_arr_begin(&w);
    jsonw_str(&w, "a\"b\\c\n\t<&>\x01");
    jsonw_str(&w, "caf\xc3\xa9");  /* valid UTF-8 passes through */
    jsonw_str(&w, "bad\xff");      /* invalid byte → U+FFFD escape */
    jsonw_str(&w, "\xe2\x80\xa8"); /* U+2028 is escaped by Go */
    jsonw_int(&w, -5);
    jsonw_uint(&w, 18446744073709551615ull);
    jsonw_arr_end(&w);
    assert_string_equal(b.data, "[\"a\\\"b\\\\c\\n\\t\\u003c\\u0026\\u003e\\u0001\","
                                "\"caf\xc3\xa9\",\"bad\\ufffd\",\"\\u2028\",-5,"
                                "18446744073709551615]");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_takes),
        cmocka_unit_test(test_indented_matches_go),
        cmocka_unit_test(test_compact_and_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
