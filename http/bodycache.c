/* bodycache: see bodycache.h. */
#include "http/bodycache.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/* A body at least this big gives glibc's heap back when freed: otherwise
 * the process would stay at its peak until the next big request. */
#define TRIM_AFTER (8u << 20)

struct body {
    bodycache_body_t pub; /* first: the public view is a struct body */
    bodycache_t *owner;
    enum bodycache_export which;
    uint32_t serial;
    unsigned refs; /* under owner->mu */
};

struct bodycache {
    pthread_mutex_t mu;                     /* `shared` and every refs */
    pthread_mutex_t render_mu[BODYCACHE_N]; /* one render of an export at a time */
    struct body *shared[BODYCACHE_N];       /* referenced bodies, or NULL */
};

bodycache_t *bodycache_new(void)
{
    bodycache_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    for (int i = 0; i < BODYCACHE_N; i++)
        pthread_mutex_init(&c->render_mu[i], NULL);
    return c;
}

void bodycache_free(bodycache_t **pc)
{
    if (!pc || !*pc)
        return;
    bodycache_t *c = *pc;
    pthread_mutex_destroy(&c->mu);
    for (int i = 0; i < BODYCACHE_N; i++)
        pthread_mutex_destroy(&c->render_mu[i]);
    free(c);
    *pc = NULL;
}

/* The shared body for (which, serial) with one more reference, or NULL. */
static struct body *take_shared(bodycache_t *c, enum bodycache_export which, uint32_t serial)
{
    pthread_mutex_lock(&c->mu);
    struct body *b = c->shared[which];
    if (b && b->serial == serial)
        b->refs++;
    else
        b = NULL;
    pthread_mutex_unlock(&c->mu);
    return b;
}

static struct body *render_new(bodycache_t *c, enum bodycache_export which, uint32_t serial,
                               bodycache_render_fn render, void *ctx, int *rc)
{
    struct body *b = calloc(1, sizeof *b);
    if (!b) {
        *rc = -ENOMEM;
        return NULL;
    }
    buf_t out = BUF_INIT;
    *rc = render(ctx, &out);
    if (*rc == 0)
        *rc = buf_error(&out);
    size_t len = 0;
    char *data = *rc == 0 ? buf_take(&out, &len) : NULL;
    buf_release(&out);
    if (!data) {
        *rc = *rc ? *rc : -ENOMEM;
        free(b);
        return NULL;
    }
    *b = (struct body){.pub = {data, len}, .owner = c, .which = which, .serial = serial, .refs = 1};
    pthread_mutex_lock(&c->mu);
    c->shared[which] = b; /* a body of another version stays with its holders */
    pthread_mutex_unlock(&c->mu);
    return b;
}

const bodycache_body_t *bodycache_get(bodycache_t *c, enum bodycache_export which, uint32_t serial,
                                      bodycache_render_fn render, void *ctx, int *rc)
{
    *rc = 0;
    struct body *b = take_shared(c, which, serial);
    if (b)
        return &b->pub;
    /* Whoever waits here while another request renders the same version
     * finds its body afterwards instead of rendering it again. */
    pthread_mutex_lock(&c->render_mu[which]);
    b = take_shared(c, which, serial);
    if (!b)
        b = render_new(c, which, serial, render, ctx, rc);
    pthread_mutex_unlock(&c->render_mu[which]);
    return b ? &b->pub : NULL;
}

void bodycache_release(const bodycache_body_t *pub)
{
    if (!pub)
        return;
    struct body *b = (struct body *)pub;
    bodycache_t *c = b->owner;
    pthread_mutex_lock(&c->mu);
    bool last = --b->refs == 0;
    if (last && c->shared[b->which] == b)
        c->shared[b->which] = NULL;
    pthread_mutex_unlock(&c->mu);
    if (!last)
        return;
    bool big = b->pub.len >= TRIM_AFTER;
    free((void *)b->pub.data);
    free(b);
    if (big)
        malloc_trim(0);
}
