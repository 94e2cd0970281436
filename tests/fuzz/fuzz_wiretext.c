/* libFuzzer harness for dnsd/wiretext (and wire_read_name under it):
 * arbitrary bytes as a DNS message, rendered in every mode. It must never
 * crash or read out of bounds; on success the text must end in a newline,
 * and a message that renders in one mode renders in all of them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsd/wiretext.h"

static char text[1 << 18];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int plain = wiretext_render(data, size, 0, text, sizeof text);
    if (plain > 0 && text[plain - 1] != '\n')
        abort();
    int sorted = wiretext_render(data, size, WIRETEXT_SORT, text, sizeof text);
    int summary = wiretext_render(data, size, WIRETEXT_SUMMARY, text, sizeof text);
    if ((plain >= 0) != (sorted >= 0) || (plain >= 0) != (summary >= 0)) {
        fprintf(stderr, "modes disagree: %d %d %d\n", plain, sorted, summary);
        abort();
    }
    if (plain >= 0 && sorted != plain)
        abort(); /* sorting reorders lines, never changes their length */
    /* A tiny buffer must give -ERANGE or fit, and stay NUL-terminated. */
    char small[8];
    int rc = wiretext_render(data, size, 0, small, sizeof small);
    if (memchr(small, '\0', sizeof small) == NULL || (plain >= 0 && rc >= 0 && rc != plain))
        abort();
    return 0;
}
