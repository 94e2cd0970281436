/* prio: CPU priority of background threads.
 *
 * Serving beats rebuilding: the DNS workers must get the CPU as soon as a
 * query arrives, even on a small machine where the state fetch and parse
 * (main thread) and the zone build (updater thread) share a core with them.
 * Those threads lower their own priority with prio_background(); threads
 * they create afterwards inherit it (Linux keeps the nice value per
 * thread), threads created before keep theirs. */
#ifndef MDNS_PRIO_H
#define MDNS_PRIO_H

/* The nice value of background work: weight 110 against a worker's 1024,
 * so a saturated worker still leaves builds ~10 % of a shared core. */
#define PRIO_BACKGROUND_NICE 10

/* Give the calling thread (only) nice PRIO_BACKGROUND_NICE, unless it
 * already runs at that or lower. Returns 0 or -errno (a refused change is
 * logged at debug: failing costs only latency). Thread-safe. */
int prio_background(void);

#endif
