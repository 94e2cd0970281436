/* resp: handler context, responses, status slots, RCU reader registration. */
#include "http/resp.h"

#include <pthread.h>
#include <stdlib.h>
#include <urcu/urcu-memb.h>

static const int slot_codes[HTTP_CS_COUNT] = {
    [HTTP_CS_200] = 200, [HTTP_CS_301] = 301, [HTTP_CS_400] = 400, [HTTP_CS_404] = 404,
    [HTTP_CS_405] = 405, [HTTP_CS_406] = 406, [HTTP_CS_414] = 414, [HTTP_CS_500] = 500,
    [HTTP_CS_501] = 501, [HTTP_CS_503] = 503, [HTTP_CS_OTHER] = 0,
};

enum http_code_slot http_resp_code_slot(int status)
{
    for (int i = 0; i < HTTP_CS_OTHER; i++)
        if (slot_codes[i] == status)
            return (enum http_code_slot)i;
    return HTTP_CS_OTHER;
}

int http_resp_slot_code(enum http_code_slot slot)
{
    return (unsigned)slot < HTTP_CS_COUNT ? slot_codes[slot] : 0;
}

void http_resp_init(http_resp_t *r)
{
    r->status = 500;
    r->ctype = HTTP_CT_TEXT;
    r->location = NULL;
    r->shared = NULL;
    buf_init(&r->body);
}

void http_resp_release(http_resp_t *r)
{
    bodycache_release(r->shared);
    r->shared = NULL;
    buf_release(&r->body);
}

void http_resp_text(http_resp_t *r, int status, const char *text)
{
    bodycache_release(r->shared);
    r->shared = NULL;
    buf_release(&r->body);
    r->status = status;
    r->ctype = HTTP_CT_TEXT;
    buf_puts(&r->body, text);
}

void http_resp_oom(http_resp_t *r)
{
    http_resp_text(r, 500, "500: out of memory\n");
}

void http_resp_done(http_resp_t *r, const char *ctype)
{
    if (buf_error(&r->body) != 0) {
        http_resp_oom(r);
        return;
    }
    r->status = 200;
    r->ctype = ctype;
}

void http_resp_no_zone(http_resp_t *r)
{
    http_resp_text(r, 503, "503: no zone published yet\n");
}

/* liburcu's memb flavour needs every reader thread registered, and
 * unregistered before it exits; libmicrohttpd gives no thread hooks, so a
 * pthread key destructor does the unregistering when MHD joins its threads. */
static pthread_key_t rcu_key;
static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;
static __thread bool rcu_registered;

static void rcu_thread_exit(void *arg)
{
    (void)arg;
    urcu_memb_unregister_thread();
    rcu_registered = false;
}

static void rcu_key_init(void)
{
    if (pthread_key_create(&rcu_key, rcu_thread_exit) != 0)
        abort(); /* only fails when the process is out of keys: a bug */
}

void http_resp_rcu_reader(void)
{
    if (rcu_registered)
        return;
    pthread_once(&rcu_once, rcu_key_init);
    urcu_memb_register_thread();
    pthread_setspecific(rcu_key, (void *)1);
    rcu_registered = true;
}
