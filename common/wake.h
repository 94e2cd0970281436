/* wake: lets any thread wake a libevent loop and run a callback on it.
 *
 * An eventfd watched by the loop: wake_signal() writes to it, which works
 * whether or not libevent was set up for threads, wakes a loop blocked in
 * epoll_wait at once, and coalesces (several signals before the loop runs
 * give one callback). The callback runs on the loop's thread.
 *
 * Thread-safety: wake_signal() from any thread (and from signal handlers);
 * wake_new()/wake_free() on the loop's thread. */
#ifndef MDNS_WAKE_H
#define MDNS_WAKE_H

struct event_base;

typedef struct wake wake_t;

/* NULL on failure (errno set). */
wake_t *wake_new(struct event_base *base, void (*fn)(void *ctx), void *ctx);
void wake_signal(wake_t *w);
/* NULL-safe; sets *w NULL. */
void wake_free(wake_t **w);

#endif
