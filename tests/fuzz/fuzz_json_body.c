/* Fuzz target for JSON request bodies. Byte 0 picks the credentials (enum harness_auth); then
 * comes a line naming a route that takes a body ("PATCH /api/v1/customers/{code}"; a line that
 * names none picks one by its hash, so that seeds keep their route as routes are added); the
 * rest is the body,
 * sent as application/json to that route's path with its {x} segments filled with records the
 * harness or earlier inputs made (customer C1, product P1, id 1, ...). The body goes through
 * jansson, the router's check against the route's declared fields, and the handler; the harness
 * (http_harness.h) aborts on a 500, a reply that is not JSON, or an open transaction. */
#include <stddef.h>
#include <stdint.h>

#include "http_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A value for the {name} path segment after the text pattern[0..at). */
static const char *segment_value(const char *pattern, size_t at, const char *name, size_t n)
{
    static const struct {
        const char *name, *value;
    } known[] = {{"code", "C1"},        {"sku", "P1"},       {"list", "lost_reasons"},
                 {"login", "fz_staff"}, {"key", "currency"}, {"name", "inventory"}};
    size_t i;
    if (at >= 10 && !memcmp(pattern + at - 10, "/segments/", 10))
        return "fz_segment";
    if (at >= 11 && !memcmp(pattern + at - 11, "/playbooks/", 11))
        return "fz_playbook";
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i].name) == n && !memcmp(known[i].name, name, n))
            return known[i].value;
    return "1";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct http_route *body_routes[256];
    const struct http_route *rt = NULL;
    size_t i, nbody = 0, llen;
    struct buf path;
    const char *p, *line = (const char *)data + 1, *nl;
    uint32_t hash = 2166136261u;
    harness_setup();
    if (size < 2 || size > 65536 || !(nl = memchr(line, '\n', size - 1)))
        return 0;
    llen = (size_t)(nl - line);
    for (i = 0; i < http_route_count && nbody < 256; i++) {
        const struct http_route *r = &http_routes[i];
        size_t ml = strlen(r->method);
        if (!r->body)
            continue;
        body_routes[nbody++] = r;
        if (llen == ml + 1 + strlen(r->pattern) && !memcmp(line, r->method, ml) &&
            line[ml] == ' ' && !memcmp(line + ml + 1, r->pattern, llen - ml - 1))
            rt = r;
    }
    if (!nbody)
        return 0;
    for (i = 0; i < llen; i++)
        hash = (hash ^ (uint8_t)line[i]) * 16777619u; /* FNV-1a */
    if (!rt)
        rt = body_routes[hash % nbody];
    buf_init(&path, 0);
    for (p = rt->pattern; *p; p++) {
        const char *close;
        if (*p != '{' || !(close = strchr(p, '}'))) {
            buf_putc(&path, *p);
            continue;
        }
        buf_puts(&path, segment_value(rt->pattern, (size_t)(p - rt->pattern), p + 1,
                                      (size_t)(close - p - 1)));
        p = close;
    }
    harness_request(rt->method, path.data, "Content-Type: application/json\r\n", nl + 1,
                    size - 1 - llen - 1, (enum harness_auth)(data[0] % HA_COUNT));
    buf_release(&path);
    return 0;
}
