#include "dnsd/notify.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/dname.h"
#include "common/log.h"
#include "common/wake.h"
#include "config/netaddr.h"
#include "dnsd/wire.h"
#include "zone/snapshot.h"

#define NOTIFY_FIRST_RETRY_MS 2000

struct target {
    config_addr_t addr;
    int fd; /* one socket per target: replies are matched by socket too */
    struct event *ev;
    uint16_t id;
    int tries;
    bool acked;
};

struct notify {
    struct event_base *base;
    uint8_t apex[DNAME_MAXLEN];
    size_t apex_len;
    struct target *t;
    size_t n;
    wake_t *trigger; /* signalled from other threads */
    struct event *retry;
    int retry_ms;
    uint32_t serial; /* being notified (event thread) */
    uint32_t wanted; /* latest published (any thread, atomic) */
};

static void send_one(notify_t *n, struct target *t)
{
    uint8_t msg[WIRE_HDR_LEN + DNAME_MAXLEN + 4];
    wire_put16(msg, t->id);
    wire_put16(msg + 2, (uint16_t)((WIRE_OPCODE_NOTIFY << 11) | WIRE_FLAG_AA));
    wire_put16(msg + 4, 1);
    memset(msg + 6, 0, 6);
    memcpy(msg + WIRE_HDR_LEN, n->apex, n->apex_len);
    wire_put16(msg + WIRE_HDR_LEN + n->apex_len, RRTYPE_SOA);
    wire_put16(msg + WIRE_HDR_LEN + n->apex_len + 2, WIRE_CLASS_IN);
    if (send(t->fd, msg, WIRE_HDR_LEN + n->apex_len + 4, MSG_DONTWAIT) < 0) /* connected */
        log_debug("notify: %s: %s", t->addr.text, strerror(errno));
    t->tries++;
}

static void arm_retry(notify_t *n)
{
    struct timeval tv = {n->retry_ms / 1000, (n->retry_ms % 1000) * 1000};
    evtimer_add(n->retry, &tv);
}

/* A reply to our NOTIFY: same id, from the target (connected socket). */
static void on_reply(evutil_socket_t fd, short what, void *arg)
{
    struct target *t = arg;
    uint8_t buf[512];
    ssize_t len;
    while ((len = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0) {
        if (len < WIRE_HDR_LEN || wire_get16(buf) != t->id || !(buf[2] & 0x80) ||
            WIRE_OPCODE(wire_get16(buf + 2)) != WIRE_OPCODE_NOTIFY)
            continue;
        if (!t->acked)
            log_debug("notify: %s acknowledged", t->addr.text);
        t->acked = true;
    }
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    notify_t *n = arg;
    bool pending = false;
    for (size_t i = 0; i < n->n; i++) {
        struct target *t = &n->t[i];
        if (t->acked)
            continue;
        if (t->tries >= NOTIFY_TRIES) {
            if (t->tries++ == NOTIFY_TRIES) /* log once per serial */
                log_warn("notify: %s did not answer NOTIFY for serial %u", t->addr.text, n->serial);
            continue;
        }
        send_one(n, t);
        pending = true;
    }
    n->retry_ms *= 2;
    if (pending)
        arm_retry(n);
}

static void on_trigger(void *arg)
{
    notify_t *n = arg;
    n->serial = __atomic_load_n(&n->wanted, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n->n; i++) {
        struct target *t = &n->t[i];
        t->acked = false;
        t->tries = 0;
        if (getrandom(&t->id, sizeof t->id, 0) != sizeof t->id)
            t->id = (uint16_t)(t->id * 31u + 7u);
        send_one(n, t);
    }
    n->retry_ms = NOTIFY_FIRST_RETRY_MS;
    arm_retry(n);
}

static int open_target(notify_t *n, struct target *t)
{
    struct sockaddr_storage ss;
    socklen_t sl = netaddr_sockaddr(t->addr.family, t->addr.addr, t->addr.port, 0, &ss);
    t->fd = socket(t->addr.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&ss, sl) != 0)
        return -errno;
    t->ev = event_new(n->base, t->fd, EV_READ | EV_PERSIST, on_reply, t);
    return t->ev && event_add(t->ev, NULL) == 0 ? 0 : -ENOMEM;
}

notify_t *notify_new(struct event_base *base, const char *domain, const config_addr_t *targets,
                     size_t count)
{
    notify_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->base = base;
    int len = dname_from_text(domain, n->apex);
    n->t = calloc(count ? count : 1, sizeof *n->t);
    n->trigger = wake_new(base, on_trigger, n);
    n->retry = evtimer_new(base, on_retry, n);
    if (len < 0 || !n->t || !n->trigger || !n->retry)
        goto fail;
    n->apex_len = (size_t)len;
    for (size_t i = 0; i < count; i++) {
        n->t[i].addr = targets[i];
        n->t[i].fd = -1;
        n->n = i + 1;
        int rc = open_target(n, &n->t[i]);
        if (rc != 0) {
            log_err("notify: cannot reach %s: %s", targets[i].text, strerror(-rc));
            goto fail;
        }
    }
    return n;
fail:
    notify_free(&n);
    return NULL;
}

void notify_serial(notify_t *n, uint32_t serial)
{
    if (!n || n->n == 0)
        return;
    __atomic_store_n(&n->wanted, serial, __ATOMIC_RELEASE);
    wake_signal(n->trigger); /* wakes the loop even when it sleeps */
}

size_t notify_acked(notify_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < n->n; i++)
        k += n->t[i].acked;
    return k;
}

void notify_free(notify_t **pn)
{
    if (!pn || !*pn)
        return;
    notify_t *n = *pn;
    for (size_t i = 0; i < n->n; i++) {
        if (n->t[i].ev)
            event_free(n->t[i].ev);
        if (n->t[i].fd >= 0)
            close(n->t[i].fd);
    }
    wake_free(&n->trigger);
    if (n->retry)
        event_free(n->retry);
    free(n->t);
    free(n);
    *pn = NULL;
}
