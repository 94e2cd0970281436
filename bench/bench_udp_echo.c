/* bench_udp_echo: the do-nothing UDP server, the syscall floor that
 * bench/dns/run.sh compares the DNS servers with.
 *
 * Every datagram goes straight back to its sender with the QR bit set (so
 * dnsperf takes it for an answer): no parsing, no lookup, only what any UDP
 * server pays per query in system calls and in the kernel. Batches of up to
 * BATCH datagrams, one recvmmsg and one sendmmsg each; two ways to wait:
 *
 *   block (default): recvmmsg blocks until one datagram is there and takes
 *                    whatever else is queued (MSG_WAITFORONE): the fewest
 *                    system calls a batching UDP server can make;
 *   epoll:           epoll_wait, then non-blocking recvmmsg until the socket
 *                    is empty, as event-loop servers (libevent) do.
 *
 * Usage: bench_udp_echo [-b BATCH] [-m block|epoll] ADDR PORT
 * Runs until SIGINT or SIGTERM, then prints one line of key=value pairs:
 * packets echoed, batches (recvmmsg calls that returned datagrams), wakeups. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH_MAX 1024
#define PKT_MAX   4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

struct echo {
    int fd, batch;
    struct mmsghdr msg[BATCH_MAX];
    struct iovec iov[BATCH_MAX];
    struct sockaddr_storage peer[BATCH_MAX];
    unsigned long long packets, batches, wakeups;
};

static void prepare(struct echo *e)
{
    for (int i = 0; i < e->batch; i++) {
        e->iov[i].iov_len = PKT_MAX;
        e->msg[i].msg_hdr.msg_namelen = sizeof e->peer[i];
        e->msg[i].msg_hdr.msg_flags = 0;
    }
}

/* Send the n datagrams just read back, each to its sender. */
static void reply(struct echo *e, int n)
{
    for (int i = 0; i < n; i++) {
        e->iov[i].iov_len = e->msg[i].msg_len;
        if (e->msg[i].msg_len > 2)
            ((unsigned char *)e->iov[i].iov_base)[2] |= 0x80; /* QR */
    }
    for (int done = 0; done < n;) {
        int sent = sendmmsg(e->fd, e->msg + done, (unsigned)(n - done), MSG_DONTWAIT);
        if (sent <= 0) {
            if (sent < 0 && errno == EINTR)
                continue;
            break; /* socket full or peer gone: drop the rest, like a server */
        }
        done += sent;
    }
    e->packets += (unsigned long long)n;
    e->batches++;
}

static void run_block(struct echo *e)
{
    while (!stop) {
        prepare(e);
        int n = recvmmsg(e->fd, e->msg, (unsigned)e->batch, MSG_WAITFORONE, NULL);
        if (n > 0) {
            e->wakeups++;
            reply(e, n);
        }
    }
}

static void run_epoll(struct echo *e)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) != 0) {
        perror("bench_udp_echo: epoll");
        exit(1);
    }
    while (!stop) {
        if (epoll_wait(ep, &ev, 1, -1) <= 0)
            continue;
        e->wakeups++;
        for (;;) {
            prepare(e);
            int n = recvmmsg(e->fd, e->msg, (unsigned)e->batch, MSG_DONTWAIT, NULL);
            if (n <= 0)
                break;
            reply(e, n);
            if (n < e->batch)
                break;
        }
    }
    close(ep);
}

static int open_socket(const char *addr, const char *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "bench_udp_echo: %s is not an IPv4 address\n", addr);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int buf = 4 << 20; /* as mesos-dnsd asks */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("bench_udp_echo: socket");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    static struct echo e = {.batch = 32};
    const char *mode = "block";
    int opt;
    while ((opt = getopt(argc, argv, "b:m:")) != -1) {
        if (opt == 'b')
            e.batch = atoi(optarg);
        else if (opt == 'm')
            mode = optarg;
        else
            goto usage;
    }
    if (argc - optind != 2 || e.batch < 1 || e.batch > BATCH_MAX ||
        (strcmp(mode, "block") != 0 && strcmp(mode, "epoll") != 0))
        goto usage;
    static unsigned char bufs[BATCH_MAX][PKT_MAX];
    for (int i = 0; i < BATCH_MAX; i++) {
        e.iov[i].iov_base = bufs[i];
        e.msg[i].msg_hdr =
            (struct msghdr){.msg_name = &e.peer[i], .msg_iov = &e.iov[i], .msg_iovlen = 1};
    }
    e.fd = open_socket(argv[optind], argv[optind + 1]);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: wake recvmmsg */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (strcmp(mode, "block") == 0)
        run_block(&e);
    else
        run_epoll(&e);
    printf("packets=%llu batches=%llu wakeups=%llu\n", e.packets, e.batches, e.wakeups);
    return 0;
usage:
    fprintf(stderr, "usage: bench_udp_echo [-b BATCH(1..%d)] [-m block|epoll] ADDR PORT\n",
            BATCH_MAX);
    return 2;
}
