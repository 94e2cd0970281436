/* Unit tests of dnsd/stats.c: counting slots, the latency histogram, and
 * the Prometheus rendering (text exposition format 0.0.4: cumulative
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
    dnsd_stats_prometheus(&sum, &b);
    assert_int_equal(buf_error(&b), 0);
    expect_line(b.data, "# TYPE mesosdnsd_dns_queries_total counter");
    expect_line(b.data, "mesosdnsd_dns_queries_total{transport=\"udp\"} 10");
    expect_line(b.data, "mesosdnsd_dns_queries_total{transport=\"tcp\"} 4");
    expect_line(b.data, "mesosdnsd_dns_queries_by_type_total{qtype=\"A\"} 4");
    expect_line(b.data, "mesosdnsd_dns_queries_by_type_total{qtype=\"SRV\"} 2");
    expect_line(b.data, "mesosdnsd_dns_queries_by_type_total{qtype=\"other\"} 2");
    expect_line(b.data, "mesosdnsd_dns_responses_total{rcode=\"NOERROR\"} 4");
    expect_line(b.data, "mesosdnsd_dns_responses_total{rcode=\"NXDOMAIN\"} 2");
    expect_line(b.data, "mesosdnsd_dns_responses_total{rcode=\"REFUSED\"} 2");
    expect_line(b.data, "mesosdnsd_dns_responses_total{rcode=\"BADVERS\"} 2");
    expect_line(b.data, "mesosdnsd_dns_tcp_connections_total{result=\"rejected\"} 8");
    expect_line(b.data, "# TYPE mesosdnsd_dns_response_duration_seconds histogram");
    expect_line(b.data, "mesosdnsd_dns_response_duration_seconds_bucket{le=\"2.5e-05\"} 0");
    expect_line(b.data, "mesosdnsd_dns_response_duration_seconds_bucket{le=\"5e-05\"} 4");
    expect_line(b.data, "mesosdnsd_dns_response_duration_seconds_bucket{le=\"2\"} 4");
    expect_line(b.data, "mesosdnsd_dns_response_duration_seconds_bucket{le=\"+Inf\"} 6");
    expect_line(b.data, "mesosdnsd_dns_response_duration_seconds_sum 6.000120");
    expect_line(b.data, "mesosdnsd_dns_response_duration_seconds_count 6");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_prometheus)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
