#include "common/prom.h"

#include <math.h>

void prom_family(buf_t *out, const char *name, const char *type, const char *help)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_sample(buf_t *out, const char *name, const char *labels, double value)
{
    buf_puts(out, name);
    if (labels && *labels)
        buf_printf(out, "{%s}", labels);
    if (value == floor(value) && fabs(value) < 1e15)
        buf_printf(out, " %.0f\n", value);
    else
        buf_printf(out, " %.15g\n", value);
}

void prom_metric(buf_t *out, const char *name, const char *type, const char *help,
                 const char *labels, double value)
{
    prom_family(out, name, type, help);
    prom_sample(out, name, labels, value);
}
