#include "common/wake.h"

#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct wake {
    int fd;
    struct event *ev;
    void (*fn)(void *ctx);
    void *ctx;
};

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    wake_t *w = arg;
    uint64_t v;
    if (read(w->fd, &v, sizeof v) == sizeof v) /* resets the counter */
        w->fn(w->ctx);
}

wake_t *wake_new(struct event_base *base, void (*fn)(void *ctx), void *ctx)
{
    wake_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fn = fn;
    w->ctx = ctx;
    w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->fd < 0)
        goto fail;
    w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST, on_readable, w);
    if (!w->ev || event_add(w->ev, NULL) != 0) {
        errno = ENOMEM;
        goto fail;
    }
    return w;
fail:
    wake_free(&w);
    return NULL;
}

void wake_signal(wake_t *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->fd, &one, sizeof one);
    (void)n; /* EAGAIN only when the counter is huge: a wake-up is pending anyway */
}

void wake_free(wake_t **pw)
{
    if (!pw || !*pw)
        return;
    wake_t *w = *pw;
    if (w->ev)
        event_free(w->ev);
    if (w->fd >= 0)
        close(w->fd);
    free(w);
    *pw = NULL;
}
