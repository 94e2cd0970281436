/* Unit tests of dnsd/stats.c: counting slots, the latency histogram, and
 * the Prometheus rendering of dnsd_stats_prometheus() (text exposition format 0.0.4: cumulative
 * buckets ending in +Inf, _sum in seconds, _count). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnsd/stats.h"
#include "zone/snapshot.h"

static void expect_line(const char *text, const char *line)
{
    char want[256];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (!strstr(text, want))
        fail_msg("missing line \"%s\" in:\n%s", line, text);
}

static void test_prometheus(void **state)
{
    (void)state;
    dnsd_stats_t a = {0}, sum = {0};
    a.udp_queries = 5;
    a.tcp_queries = 2;
    dnsd_stats_count(&a, RRTYPE_A, 0);
    dnsd_stats_count(&a, RRTYPE_A, 3);
    dnsd_stats_count(&a, RRTYPE_SRV, 0);
    dnsd_stats_count(&a, 99, 5);           /* other qtype, REFUSED */
    dnsd_stats_count(&a, RRTYPE_AAAA, 16); /* BADVERS */
    dnsd_stats_latency(&a, 30, 2);         /* bucket le 50 us */
    dnsd_stats_latency(&a, 3000000, 1);    /* above the last bound: +Inf only */
    a.tcp_rejected = 4;
    dnsd_stats_add(&sum, &a);
    dnsd_stats_add(&sum, &a); /* two workers alike */
    buf_t b = BUF_INIT;
    buf_putc(&b, '\n');
    dnsd_stats_prometheus(&sum, NULL, &b);
    assert_int_equal(buf_error(&b), 0);
    expect_line(b.data, "# TYPE mesosdnsd_dns_queries_total counter");
    expect_line(b.data, "mesosdnsd_dns_queries_total{transport=\"udp\"} 10");
    expect_line(b.data, "mesosdnsd_dns_queries_total{transport=\"tcp\"} 4");
    expect_line(b.data, "mesosdnsd_dns_answers_by_qtype_total{qtype=\"A\"} 4");
    expect_line(b.data, "mesosdnsd_dns_answers_by_qtype_total{qtype=\"SRV\"} 2");
    expect_line(b.data, "mesosdnsd_dns_answers_by_qtype_total{qtype=\"other\"} 2");
    expect_line(b.data, "mesosdnsd_dns_answers_by_rcode_total{rcode=\"NOERROR\"} 4");
    expect_line(b.data, "mesosdnsd_dns_answers_by_rcode_total{rcode=\"NXDOMAIN\"} 2");
    expect_line(b.data, "mesosdnsd_dns_answers_by_rcode_total{rcode=\"REFUSED\"} 2");
    expect_line(b.data, "mesosdnsd_dns_answers_by_rcode_total{rcode=\"BADVERS\"} 2");
    expect_line(b.data, "mesosdnsd_dns_tcp_connections_total{result=\"rejected\"} 8");
    expect_line(b.data, "# TYPE mesosdnsd_dns_answer_duration_seconds histogram");
    expect_line(b.data, "mesosdnsd_dns_answer_duration_seconds_bucket{le=\"2.5e-05\"} 0");
    expect_line(b.data, "mesosdnsd_dns_answer_duration_seconds_bucket{le=\"5e-05\"} 4");
    expect_line(b.data, "mesosdnsd_dns_answer_duration_seconds_bucket{le=\"2\"} 4");
    expect_line(b.data, "mesosdnsd_dns_answer_duration_seconds_bucket{le=\"+Inf\"} 6");
    expect_line(b.data, "mesosdnsd_dns_answer_duration_seconds_sum 6.00012");
    expect_line(b.data, "mesosdnsd_dns_answer_duration_seconds_count 6");
    assert_null(strstr(b.data, "mesosdnsd_upstream_")); /* no forwarder */
    buf_release(&b);
    /* with the forwarder's counters */
    fwd_stats_t f = {0};
    f.forwarded = 7;
    f.servfail = 1;
    buf_t c = BUF_INIT;
    buf_putc(&c, '\n');
    dnsd_stats_prometheus(&sum, &f, &c);
    expect_line(c.data, "mesosdnsd_upstream_queries_total 7");
    expect_line(c.data, "mesosdnsd_upstream_failures_total 1");
    buf_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_prometheus)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
