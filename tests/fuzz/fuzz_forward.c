/* Fuzz the wire side of dnsd/forward: SERVFAIL construction (dnsd/reply), reply
 * matching, and fwd_submit's query checks (a worker without upstreams
 * answers every accepted query with SERVFAIL at once, which must match the
 * query it answers). */
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsd/forward.h"
#include "dnsd/reply.h"
#include "dnsd/wire.h"

static const uint8_t *cur_q;
static size_t cur_qlen;

static void on_done(void *owner, const void *client, const uint8_t *resp, size_t len)
{
    /* A SERVFAIL made here answers exactly the submitted query. */
    if (len < 12 || reply_check(cur_q, cur_qlen, resp, len) != 0 || (resp[3] & 0xF) != 2)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct event_base *base;
    static fwd_upstreams_t *u;
    static fwd_worker_t *w;
    if (!w) {
        config_t c;
        memset(&c, 0, sizeof c); /* externalon false: no upstream at all */
        base = event_base_new();
        u = fwd_upstreams_new(&c, NULL);
        w = fwd_worker_new(base, u, 16, on_done, NULL);
        if (!w)
            abort();
    }
    uint8_t out[FWD_QUERY_MAX + 11];
    int n = reply_error(data, size, DNS_RCODE_SERVFAIL, true, 1232, out, sizeof out);
    if (n > 0 && size <= FWD_QUERY_MAX && reply_check(data, size, out, (size_t)n) != 0)
        abort();
    if (n > 0 && (size_t)n > size + 11)
        abort();
    /* In place (out == query): the same reply as into a separate buffer. */
    if (n > 0 && size <= FWD_QUERY_MAX) {
        uint8_t inplace[FWD_QUERY_MAX + 11];
        memcpy(inplace, data, size);
        if (reply_error(inplace, size, DNS_RCODE_SERVFAIL, true, 1232, inplace, sizeof inplace) !=
                n ||
            memcmp(inplace, out, (size_t)n) != 0)
            abort();
    }
    (void)reply_error(data, size, DNS_RCODE_SERVFAIL, true, 0, out, size / 2);
    /* The input as a reply to a fixed query, and as both halves. */
    static const uint8_t q[] = {0x12, 0x34, 1,   0,   0,   1,   0,   0,   0,   0, 0, 0, 3, 'w', 'w',
                                'w',  7,    'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
    (void)reply_check(q, sizeof q, data, size);
    (void)reply_check(data, size, data, size);
    cur_q = data;
    cur_qlen = size;
    (void)fwd_submit(w, data, size, size & 1, data, size < FWD_CLIENT_MAX ? size : 0);
    return 0;
}
