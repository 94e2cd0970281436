/* libFuzzer harness for the DC/OS IAM parsers: the login reply (the token
 * must be safe to put in a header line), the exp claim of a JWT, and
 * base64url encoding (length and alphabet). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/iam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0] % 3;
    data++;
    size--;
    if (sel == 0) {
        char *tok = NULL;
        if (iam_parse_reply((const char *)data, size, &tok) == 0) {
            if (!tok || !*tok)
                abort();
            for (const char *p = tok; *p; p++)
                if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
                    abort();
        } else if (tok) {
            abort();
        }
        free(tok);
    } else if (sel == 1) {
        char *s = malloc(size + 1);
        if (!s)
            return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        int64_t exp;
        (void)iam_jwt_exp(s, &exp);
        free(s);
    } else {
        size_t cap = size / 3 * 4 + 8;
        char *out = malloc(cap);
        if (!out)
            return 0;
        int n = iam_b64url(data, size, out, cap);
        size_t want = size / 3 * 4 + (size % 3 ? size % 3 + 1 : 0);
        if (n < 0 || (size_t)n != want || strlen(out) != want)
            abort();
        for (int i = 0; i < n; i++)
            if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", out[i]))
                abort();
        free(out);
    }
    return 0;
}
