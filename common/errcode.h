/* errcode: the project's one error convention.
 *
 * Functions that can fail return int: 0 (or a non-negative count/length) on
 * success, a negative errno value on failure (-EINVAL bad input, -ENOMEM out
 * of memory, -EPROTO malformed protocol data, -ENOENT not found, -ERANGE a
 * value out of its range, -EIO transport failure, -ETIMEDOUT time-out).
 * Functions returning pointers return NULL on failure and document why.
 * Cleanup is single-exit (`goto fail`), and every destructor takes `T **`,
 * is NULL-safe and sets the pointer to NULL. */
#ifndef MDNS_ERRCODE_H
#define MDNS_ERRCODE_H

#include <errno.h>
#include <string.h>

/* Human text of a negative error code. */
static inline const char *mdns_strerror(int rc)
{
    return strerror(rc < 0 ? -rc : rc);
}

#endif
