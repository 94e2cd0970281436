/* Shared by the generator tests: one record as the text line
 * "owner TYPE value" (value: the address, or "priority weight port target."
 * for SRV), the format of tests/golden/gen/<case>/expected.txt. */
#ifndef MDNS_TESTS_GEN_TEXT_H
#define MDNS_TESTS_GEN_TEXT_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/dname.h"
#include "zone/gen.h"
#include "zone/snapshot.h"

static inline int gen_rec_text(const zone_gen_rec_t *r, char *out, size_t len)
{
    char owner[1100], val[1200];
    if (dname_to_text(r->owner, owner, sizeof owner) < 0)
        return -1;
    if (r->type == RRTYPE_A && r->rdlen == 4) {
        inet_ntop(AF_INET, r->rdata, val, sizeof val);
        return snprintf(out, len, "%s A %s", owner, val);
    }
    if (r->type == RRTYPE_AAAA && r->rdlen == 16) {
        inet_ntop(AF_INET6, r->rdata, val, sizeof val);
        return snprintf(out, len, "%s AAAA %s", owner, val);
    }
    if (r->type == RRTYPE_SRV && r->rdlen > 6) {
        if (dname_to_text(r->rdata + 6, val, sizeof val) < 0)
            return -1;
        return snprintf(out, len, "%s SRV %u %u %u %s", owner, r->rdata[0] << 8 | r->rdata[1],
                        r->rdata[2] << 8 | r->rdata[3], r->rdata[4] << 8 | r->rdata[5], val);
    }
    return -1;
}

#endif
