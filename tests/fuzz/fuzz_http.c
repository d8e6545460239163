/* Fuzz target for the HTTP request path in-process (see http_harness.h): libmicrohttpd's request
 * parser, the router (route matching, authentication, permissions, CSRF, query and body checks)
 * and every handler, against a temporary database. The first byte chooses the credentials
 * (enum harness_auth), whose header lines are inserted after the request line; the rest is the
 * raw request. The harness aborts on a 500, a reply that is not JSON, or an open transaction. */
#include <stddef.h>
#include <stdint.h>

#include "http_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf b;
    const char *req, *nl;
    size_t n, head;
    harness_setup();
    if (size < 1 || size > 65536)
        return 0;
    req = (const char *)data + 1;
    n = size - 1;
    nl = memchr(req, '\n', n);
    head = nl ? (size_t)(nl - req) + 1 : n;
    buf_init(&b, 0);
    buf_append(&b, req, head);
    harness_auth_headers(&b, (enum harness_auth)(data[0] % HA_COUNT));
    buf_append(&b, req + head, n - head);
    harness_send(b.data, b.len);
    buf_release(&b);
    return 0;
}
