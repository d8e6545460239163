/*
 * h_static.c - the web UI's files (assets.h) over HTTP: everything outside /api/.
 *
 * Only exact paths of the embedded table are served, so no request can reach the file system;
 * ".." is refused before the lookup anyway, to say so plainly. Files are revalidated with their
 * ETag (Cache-Control: no-cache), so a new binary is picked up at the next page load while an
 * unchanged file costs a 304. The Content Security Policy allows scripts only from this server
 * and never inline, which is what keeps a customer named <script> a string.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json_out.h"
#include "http/assets.h"
#include "core/banned.h"

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "                    \
    "form-action 'self'; frame-ancestors 'none'"

static void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

static int reply_error(struct MHD_Connection *conn, unsigned status, const char *code,
                       const char *message)
{
    struct MHD_Response *resp;
    struct buf b;
    char *data;
    size_t len;
    int ret;
    buf_init(&b, 0);
    buf_puts(&b, "{\"error\":{\"code\":");
    json_out_string(&b, code, (size_t)-1);
    buf_puts(&b, ",\"message\":");
    json_out_string(&b, message, (size_t)-1);
    buf_puts(&b, ",\"field\":null}}");
    data = buf_detach(&b, &len);
    buf_release(&b); /* buf_detach leaves a fresh empty buffer behind */
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    add_security_headers(resp);
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* If-None-Match may list several tags, or be "*"; our tags are unique 16-hex strings. */
static int etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
}

int http_static_serve(struct MHD_Connection *conn, const char *method, const char *url)
{
    const struct asset *a;
    struct MHD_Response *resp;
    unsigned status = MHD_HTTP_OK;
    int ret;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_error(conn, 405, "method_not_allowed",
                           "the web UI's files can only be read (GET)");
    if (!url || url[0] != '/' || strstr(url, "..") || strchr(url, '\\'))
        return reply_error(conn, 404, "not_found", "there is no such file");
    a = assets_find(url);
    if (!a)
        return reply_error(conn, 404, "not_found", "there is no such file");
    if (etag_matches(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
            a->etag)) {
        status = MHD_HTTP_NOT_MODIFIED;
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    if (status == MHD_HTTP_OK)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    add_security_headers(resp);
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}
