/* Unit tests of zone/enumerate (the /v1/enumerate document, compat spec
 * §8) on a model built by hand and the records zone/gen makes of it.
 *
 * Expected records are written from the spec's rules. Task hashes H were
 * computed independently (Python hashlib + z-base-32):
 *   web.1 e844k, web.2 izm16, db.1 f3ink, store.1 9iykr, t1 hw4uo,
 *   t2 fjp7y, nosrc.1 qf8p1, udp.1 txjcz, test iffe9. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/dname.h"
#include "gen_text.h"
#include "zone/enumerate.h"
#include "zone/gen.h"
#include "zone/hostcache.h"

#include "zone_gen_fixture.h"

/* ---- enumerate ------------------------------------------------------------ */

static void test_enumerate(void **state)
{
    tm_t *t = tm_new("10.0.0.1", 5050);
    tm_agent(t, "x-S0", "10.1.0.10", 5051);
    tm_agent(t, "x-S1", "lost.example", 5051);
    tm_fw(t, "marathon", "", "10.2.0.5", 8080);
    tm_fw(t, "idle <&>", "", NULL, 0);
    model_task_t *k = tm_task(t, "web.1", "web", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.1");
    tm_ip(t, k, IPSRC_NETINFO, "fd00:0:0:0:0:0:9:1");
    tm_ports(t, k, 31000, 31000);
    /* Same name and address as web.1: its shared records are not listed
     * again (Mesos-DNS lists a record only when it is new to the zone). */
    k = tm_task(t, "web.2", "web", 0, 0);
    tm_ip(t, k, IPSRC_NETINFO, "10.9.0.1");
    /* No address and an unresolved agent: no records at all → null. */
    tm_task(t, "nosrc.1", "ghost", 0, 1);
    zone_gen_cfg_t c = cfg_default();
    buf_t b = BUF_INIT;
    assert_int_equal(enumerate_json(&t->m, &c, NULL, &b), 0);
    const char *S = "web-e844k-s0.marathon.slave.mesos.:31000";
    char want[8192];
    snprintf(want, sizeof want,
             "{\n"
             " \"frameworks\": [\n"
             "  {\n"
             "   \"tasks\": [\n"
             "    {\n"
             "     \"name\": \"web\",\n"
             "     \"id\": \"web.1\",\n"
             "     \"records\": [\n"
             "      {\n"
             "       \"name\": \"web.marathon.mesos.\",\n"
             "       \"host\": \"10.9.0.1\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-e844k-s0.marathon.mesos.\",\n"
             "       \"host\": \"10.9.0.1\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web.marathon.mesos.\",\n"
             "       \"host\": \"fd00::9:1\",\n"
             "       \"rtype\": \"AAAA\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-e844k-s0.marathon.mesos.\",\n"
             "       \"host\": \"fd00::9:1\",\n"
             "       \"rtype\": \"AAAA\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web.marathon.slave.mesos.\",\n"
             "       \"host\": \"10.1.0.10\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-e844k-s0.marathon.slave.mesos.\",\n"
             "       \"host\": \"10.1.0.10\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._tcp.marathon.slave.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._udp.marathon.slave.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._tcp.marathon.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"_web._udp.marathon.mesos.\",\n"
             "       \"host\": \"%s\",\n"
             "       \"rtype\": \"SRV\"\n"
             "      }\n"
             "     ]\n"
             "    },\n"
             "    {\n"
             "     \"name\": \"web\",\n"
             "     \"id\": \"web.2\",\n"
             "     \"records\": [\n"
             "      {\n"
             "       \"name\": \"web-izm16-s0.marathon.mesos.\",\n"
             "       \"host\": \"10.9.0.1\",\n"
             "       \"rtype\": \"A\"\n"
             "      },\n"
             "      {\n"
             "       \"name\": \"web-izm16-s0.marathon.slave.mesos.\",\n"
             "       \"host\": \"10.1.0.10\",\n"
             "       \"rtype\": \"A\"\n"
             "      }\n"
             "     ]\n"
             "    },\n"
             "    {\n"
             "     \"name\": \"ghost\",\n"
             "     \"id\": \"nosrc.1\",\n"
             "     \"records\": null\n"
             "    }\n"
             "   ],\n"
             "   \"name\": \"marathon\"\n"
             "  },\n"
             "  {\n"
             "   \"tasks\": [],\n"
             "   \"name\": \"idle \\u003c\\u0026\\u003e\"\n"
             "  }\n"
             " ]\n"
             "}",
             S, S, S, S);
    assert_string_equal(b.data, want);
    buf_release(&b);

    /* No frameworks: a nil slice. */
    tm_t *e = tm_new("10.0.0.1", 5050);
    assert_int_equal(enumerate_json(&e->m, &c, NULL, &b), 0);
    assert_string_equal(b.data, "{\n \"frameworks\": null\n}");
    buf_release(&b);
    tm_free(&t);
    tm_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
