/* notify: DNS NOTIFY (RFC 1996) to the alsoNotify secondaries whenever the
 * zone gets a new serial, so they transfer at once instead of waiting for
 * SOARefresh. Each target is sent NOTIFY over UDP until it answers (a
 * response with our id from its address), at most NOTIFY_TRIES times with
 * a doubling interval; a newer serial restarts the round.
 *
 * Thread-safety: notify_serial() may be called from any thread (the zone
 * updater); everything else runs on the event base's thread. */
#ifndef MDNS_DNSD_NOTIFY_H
#define MDNS_DNSD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct event_base;

#define NOTIFY_TRIES 5

typedef struct notify notify_t;

/* NULL on -ENOMEM or a bad `domain` (logged). `targets` are copied. */
notify_t *notify_new(struct event_base *base, const char *domain, const config_addr_t *targets,
                     size_t n);
/* A new serial was published: notify every target (asynchronously). */
void notify_serial(notify_t *n, uint32_t serial);
/* Targets that acknowledged the current serial (tests, metrics). */
size_t notify_acked(notify_t *n);
void notify_free(notify_t **n);

#endif
