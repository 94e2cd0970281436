/* libFuzzer harness for http/route.c: the request target of an HTTP request
 * (any bytes), then everything the handlers derive from it: the path
 * parameter's name clean-up, the query parameters and their ?servers= list,
 * and the same bytes read as an Accept header. Checks the invariants the
 * handlers rely on. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"

/* Checked in every build type (CHECK() vanishes under NDEBUG). */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static http_route_t route; /* large: keep it off the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc = http_route_parse((const char *)data, size, &route);
    CHECK(rc == 0 || rc == 301 || rc == 400 || rc == 414);
    if (rc == 0) {
        CHECK(route.ep != HTTP_EP_INVALID && route.ep < HTTP_EP_COUNT);
        CHECK(route.path[0] == '/' && strlen(route.path) == route.path_len);
        if (route.param) {
            CHECK(route.param >= route.path &&
                  route.param + route.param_len <= route.path + route.path_len);
            CHECK(route.param_len > 0 && !memchr(route.param, '/', route.param_len));
            char name[HTTP_URI_MAX + 2];
            int n = http_route_name(route.param, route.param_len, name, sizeof name);
            CHECK(n > 0 && name[n - 1] == '.' && strlen(name) == (size_t)n);
        }
        char val[HTTP_URI_MAX + 1];
        static const char *const keys[] = {"servers", "zone", "q"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            int n = http_route_query(route.query, keys[i], val, sizeof val);
            CHECK(n >= 0 || n == -ENOENT || n == -EINVAL || n == -ERANGE);
            if (n >= 0) {
                CHECK(strlen(val) == (size_t)n);
                http_route_server_t srv[HTTP_ROUTE_MAX_SERVERS];
                int k = http_route_servers(val, 53, srv, HTTP_ROUTE_MAX_SERVERS);
                CHECK(k == -EINVAL || (k >= 1 && k <= HTTP_ROUTE_MAX_SERVERS));
                for (int j = 0; j < k; j++)
                    CHECK(srv[j].port != 0);
            }
        }
    } else if (rc == 301) {
        CHECK(route.ep == HTTP_EP_INVALID && route.path[0] == '/');
        /* the Location is clean: parsing it again routes it */
        static http_route_t again;
        size_t n = strcspn(route.path, "?");
        int rc2 = http_route_parse(route.path, n, &again);
        CHECK(rc2 == 0);
    }
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    (void)http_route_accepts_json(copy);
    http_route_server_t srv[4];
    (void)http_route_servers(copy, 8053, srv, 4);
    char name[64];
    (void)http_route_name(copy, strlen(copy), name, sizeof name);
    free(copy);
    return 0;
}
