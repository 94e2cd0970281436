/* Unit tests of dnsd/notify (and common/wake under it): NOTIFY reaches a
 * secondary when the serial is announced from ANOTHER thread while the
 * event loop sleeps (the zone updater's situation), it is retried until
 * answered, and a reply stops the retries. The "secondary" is a UDP socket
 * on 127.0.0.1 that the test reads and answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "dnsd/notify.h"
#include "dnsd/wire.h"

struct fixture {
    struct event_base *base;
    pthread_t loop;
    int sec; /* the secondary's socket */
    uint16_t port;
    notify_t *n;
};

static void *run_loop(void *arg)
{
    struct fixture *f = arg;
    event_base_loop(f->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    f.base = event_base_new();
    f.sec = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (!f.base || f.sec < 0 || bind(f.sec, (struct sockaddr *)&sa, sl) != 0 ||
        getsockname(f.sec, (struct sockaddr *)&sa, &sl) != 0)
        return -1;
    f.port = ntohs(sa.sin_port);
    config_addr_t t = {.family = AF_INET, .port = f.port};
    memcpy(t.addr, "\x7f\x00\x00\x01", 4);
    snprintf(t.text, sizeof t.text, "127.0.0.1:%u", f.port);
    f.n = notify_new(f.base, "mesos", &t, 1);
    if (!f.n || pthread_create(&f.loop, NULL, run_loop, &f) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    event_base_loopbreak(f->base); /* safe: the loop is woken below */
    notify_serial(f->n, 0);        /* any wake-up makes the loop see the break */
    pthread_join(f->loop, NULL);
    notify_free(&f->n);
    event_base_free(f->base);
    close(f->sec);
    return 0;
}

/* Wait up to `ms` for one datagram; its length, or -1. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int ms, struct sockaddr_in *from)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1)
        return -1;
    socklen_t fl = sizeof *from;
    return recvfrom(fd, buf, cap, 0, (struct sockaddr *)from, &fl);
}

static void test_notify_from_another_thread_wakes_the_loop(void **state)
{
    struct fixture *f = *state;
    usleep(100 * 1000); /* the loop is asleep in epoll_wait by now */
    notify_serial(f->n, 42);
    uint8_t buf[512];
    struct sockaddr_in from;
    ssize_t len = recv_within(f->sec, buf, sizeof buf, 1000, &from);
    assert_true(len >= 12 + 7 + 4); /* header + "\5mesos\0" + type/class */
    assert_int_equal(WIRE_OPCODE(wire_get16(buf + 2)), WIRE_OPCODE_NOTIFY);
    assert_true(buf[2] & 0x04);  /* AA */
    assert_false(buf[2] & 0x80); /* a request */
    assert_int_equal(wire_get16(buf + 4), 1);
    assert_memory_equal(buf + 12, "\005mesos\000\000\006\000\001", 11); /* mesos. SOA IN */

    /* No answer: it comes again (first retry after 2 s). */
    uint16_t id = wire_get16(buf);
    len = recv_within(f->sec, buf, sizeof buf, 3500, &from);
    assert_true(len > 12);
    assert_int_equal(wire_get16(buf), id);

    /* Answer it: the retries stop and the target counts as acknowledged. */
    buf[2] |= 0x80;
    sendto(f->sec, buf, (size_t)len, 0, (struct sockaddr *)&from, sizeof from);
    for (int i = 0; i < 50 && notify_acked(f->n) == 0; i++)
        usleep(20 * 1000);
    assert_int_equal(notify_acked(f->n), 1);
    assert_int_equal(recv_within(f->sec, buf, sizeof buf, 4500, &from), -1);
}

static void test_wrong_id_is_not_an_acknowledgement(void **state)
{
    struct fixture *f = *state;
    notify_serial(f->n, 43);
    uint8_t buf[512];
    struct sockaddr_in from;
    ssize_t len = recv_within(f->sec, buf, sizeof buf, 1000, &from);
    assert_true(len > 12);
    buf[0] ^= 0xff; /* another id */
    buf[2] |= 0x80;
    sendto(f->sec, buf, (size_t)len, 0, (struct sockaddr *)&from, sizeof from);
    usleep(200 * 1000);
    assert_int_equal(notify_acked(f->n), 0);
}

int main(void)
{
    evthread_use_pthreads(); /* loopbreak comes from the test thread */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_notify_from_another_thread_wakes_the_loop, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wrong_id_is_not_an_acknowledgement, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
