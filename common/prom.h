/* prom: Prometheus text exposition format 0.0.4, the one writer every
 * layer's /metrics section uses.
 *
 * A family's "# HELP" and "# TYPE" lines come once, before its samples
 * (prom_family), then one line per sample (prom_sample); prom_metric does
 * both for a family of one sample. Integral values print without exponent
 * or fraction, others with 15 significant digits. Reentrant; appends to
 * `out` (errors are sticky in the buffer). */
#ifndef MDNS_PROM_H
#define MDNS_PROM_H

#include "common/buf.h"

void prom_family(buf_t *out, const char *name, const char *type, const char *help);
/* `labels` is the text between the braces ("qtype=\"A\""), NULL or "" for none. */
void prom_sample(buf_t *out, const char *name, const char *labels, double value);
void prom_metric(buf_t *out, const char *name, const char *type, const char *help,
                 const char *labels, double value);

#endif
