/* Fuzz the resolv.conf parser of dnsd/resolvconf. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsd/resolvconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    resolvconf_ns_t ns[4];
    unsigned bad;
    size_t n = resolvconf_parse((const char *)data, size, ns, 4, &bad);
    if (n > 4)
        abort();
    for (size_t i = 0; i < n; i++)
        if (ns[i].addr.port != 53 || memchr(ns[i].addr.text, '\0', sizeof ns[i].addr.text) == NULL)
            abort();
    return 0;
}
