/* libFuzzer harness for the ZooKeeper /navstar_key decoder (zone/dcos):
 * any bytes must give either a 32-byte key whose label is 52 characters of
 * DC/OS's alphabet, or -EPROTO with a reason; never a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zone/dcos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t key[DCOS_KEY_LEN];
    char err[128], label[DCOS_LABEL_MAX + 1];
    /* Not NUL-terminated: the decoder must respect `size`. */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    int rc = dcos_navstar_public(copy, size, key, err, sizeof err);
    int rc2 = dcos_label_from_navstar(copy, size, label, sizeof label);
    if (rc != rc2 || (rc != 0 && rc != -EPROTO))
        abort();
    if (rc == 0) {
        if (strlen(label) != DCOS_LABEL_LEN || !dcos_label_valid(label))
            abort();
        for (size_t i = 0; i < DCOS_LABEL_LEN; i++)
            if (!strchr(dcos_zbase32_alphabet, label[i]))
                abort();
        char again[DCOS_LABEL_LEN + 1];
        if (dcos_encode(key, sizeof key, again, sizeof again) != DCOS_LABEL_LEN ||
            strcmp(again, label) != 0)
            abort();
    } else if (strlen(err) == 0) {
        abort();
    }
    free(copy);
    return 0;
}
