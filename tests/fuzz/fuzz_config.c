/* libFuzzer harness: config_parse on arbitrary bytes, and on success the
 * JSON writers (every decoded value is printed back). Warnings are
 * swallowed so that the fuzzer's output stays readable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "config/config.h"

static void quiet(void *ctx, enum log_level level, const char *msg)
{
    (void)ctx, (void)level, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_set_sink(quiet, NULL);
    config_t c;
    char err[256];
    if (config_parse(&c, (const char *)data, size, err, sizeof err) == 0) {
        char *j = config_to_json_full(&c);
        if (!j)
            abort();
        free(j);
        config_free(&c);
    } else if (c.domain != NULL || err[0] == '\0') {
        abort(); /* a failed parse leaves nothing behind and says why */
    }
    return 0;
}
