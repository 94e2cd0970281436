/* libFuzzer harness of discovery/state_parse.
 *
 * Input: byte 0 picks the chunk size (0 = the whole document at once,
 * otherwise 1..255 bytes per feed); the rest is the document. The harness
 * parses it twice, in those chunks and whole, and aborts when the two
 * outcomes differ (status or model content): chunk boundaries must never
 * change the result. Then again with a small token limit (4..67 bytes,
 * also from byte 0), which exercises the guard in front of yajl: chunked
 * and whole must agree, on the verdict and on the reason, and a document
 * accepted under the small limit must give the same model as under the
 * default one. A model is walked completely so that ASan sees every
 * pointer it holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "discovery/state_parse.h"

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    return s ? mix(h, s, strlen(s) + 1) : mix(h, "\xff", 1);
}

/* A digest of everything the model holds, checking its invariants. */
static uint64_t digest(const model_t *m)
{
    uint64_t h = 14695981039346656037ull;
    h = mix_str(h, m->leader);
    h = mix_str(h, m->leader_host);
    h = mix(h, &m->leader_port, sizeof m->leader_port);
    for (size_t i = 0; i < m->n_agents; i++) {
        const model_agent_t *a = &m->agents[i];
        h = mix_str(mix_str(mix_str(h, a->id), a->hostname), a->pid_host);
        h = mix(h, &a->pid_port, sizeof a->pid_port);
    }
    for (size_t i = 0; i < m->n_frameworks; i++) {
        const model_framework_t *f = &m->frameworks[i];
        h = mix_str(mix_str(mix_str(mix_str(h, f->id), f->name), f->hostname), f->pid_host);
        h = mix(h, &f->pid_port, sizeof f->pid_port);
    }
    for (size_t i = 0; i < m->n_tasks; i++) {
        const model_task_t *t = &m->tasks[i];
        if (t->framework >= m->n_frameworks || t->agent >= m->n_agents)
            abort();
        h = mix_str(mix_str(mix_str(h, t->id), t->name), t->disc_name);
        h = mix(h, &t->framework, sizeof t->framework);
        h = mix(h, &t->agent, sizeof t->agent);
        h = mix(h, &t->has_discovery, sizeof t->has_discovery);
        h = mix(h, t->ports, t->n_ports * sizeof *t->ports);
        for (uint32_t j = 0; j < t->n_ports; j++)
            if (t->ports[j].begin > t->ports[j].end)
                abort();
        for (uint32_t j = 0; j < t->n_dports; j++) {
            h = mix(h, &t->dports[j].number, sizeof t->dports[j].number);
            h = mix_str(mix_str(h, t->dports[j].protocol), t->dports[j].name);
        }
        for (int s = 0; s < IPSRC_COUNT; s++) {
            h = mix(h, &t->n_ips[s], sizeof t->n_ips[s]);
            h = mix(h, t->ips[s], t->n_ips[s] * sizeof *t->ips[s]);
        }
    }
    return h;
}

static int parse(const uint8_t *doc, size_t len, size_t chunk, size_t max_token, uint64_t *dig,
                 char *err, size_t errlen)
{
    state_parser_t *p = state_parser_new();
    if (!p)
        abort();
    if (max_token)
        state_parser_set_max_token(p, max_token);
    for (size_t off = 0; off < len;) {
        size_t n = chunk && chunk < len - off ? chunk : len - off;
        if (state_parser_feed(p, doc + off, n) != 0)
            break;
        off += n;
    }
    model_t *m = NULL;
    err[0] = '\0';
    int rc = state_parser_finish(&p, &m, err, errlen);
    if ((rc == 0) != (m != NULL) || (rc != 0 && err[0] == '\0'))
        abort();
    *dig = m ? digest(m) : 0;
    model_free(&m);
    return rc;
}

static void discard(void *ctx, enum log_level level, const char *msg)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_sink(discard, NULL); /* the parser's warnings would flood stderr */
    if (size == 0)
        return 0;
    uint64_t d1, d2, d3, d4;
    char e1[200], e2[200], e3[200], e4[200];
    int rc1 = parse(data + 1, size - 1, data[0], 0, &d1, e1, sizeof e1);
    int rc2 = parse(data + 1, size - 1, 0, 0, &d2, e2, sizeof e2);
    if (rc1 != rc2 || d1 != d2)
        abort();
    size_t limit = 4 + data[0] % 64;
    int rc3 = parse(data + 1, size - 1, data[0], limit, &d3, e3, sizeof e3);
    int rc4 = parse(data + 1, size - 1, 0, limit, &d4, e4, sizeof e4);
    if (rc3 != rc4 || d3 != d4)
        abort();
    /* A too-long token is reported at the same place however fed. */
    if ((strstr(e3, "longer than") || strstr(e4, "longer than")) && strcmp(e3, e4) != 0)
        abort();
    if (rc3 == 0 && (rc2 != 0 || d3 != d2))
        abort();
    return 0;
}
