/* benchutil: what several benchmarks measure the same way (bench/README.md).
 * Linked into every bench_* program; not part of the daemon. */
#ifndef MDNS_BENCHUTIL_H
#define MDNS_BENCHUTIL_H

#include "zone/snapshot.h"

/* A "Key:" value of /proc/self/status in kB (e.g. "VmRSS:", "VmHWM:"), or
 * -1 when absent. */
long bench_vm_kb(const char *key);

/* CPU ns per zone_snap_find of an existing name (best of 3 runs of 2M
 * lookups), query names laid out contiguously as a DNS worker sees them
 * (its packet buffer is hot). */
double bench_find_ns(const zone_snap_t *s);

#endif
