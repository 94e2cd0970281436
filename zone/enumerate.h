/* enumerate: Mesos-DNS's /v1/enumerate document (compat spec §8): every
 * framework with its running tasks and each task's records, in generation
 * order, regenerated on demand from the model a zone version was built from
 * (zone/gen.h), so the snapshot carries no per-task text.
 *
 * Reentrant; appends to `out`; returns 0, -ENOMEM, or the generator's
 * error (zone_gen_run). */
#ifndef MDNS_ZONE_ENUMERATE_H
#define MDNS_ZONE_ENUMERATE_H

#include "common/buf.h"
#include "zone/gen.h"
#include "zone/hostcache.h"

int enumerate_json(const model_t *m, const zone_gen_cfg_t *cfg, const hostmap_t *hosts, buf_t *out);

#endif
