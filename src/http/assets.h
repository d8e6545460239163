/*
 * assets.h - the web UI's files, embedded in the binary at build time.
 *
 * scripts/embed-assets turns web/ and the browser libraries from node_modules (Chart.js,
 * Tabulator, pinned in package-lock.json) into build/gen/assets.c: one table sorted by path,
 * with each file's bytes, length, content type and ETag. The server serves them from memory
 * (h_static.c), so `okaeri serve` needs no files on disk and no internet.
 *
 * Paths: web/index.html is "/" (and "/assets/index.html"); every other file web/X is
 * "/assets/X"; the libraries are "/assets/lib/...".
 */
#ifndef OK_HTTP_ASSETS_H
#define OK_HTTP_ASSETS_H

#include <stddef.h>

struct asset {
    const char *path;          /* "/", "/assets/app.js", ... */
    const unsigned char *data; /* the file's bytes (NUL-terminated for convenience) */
    size_t len;                /* length without the terminating NUL */
    const char *content_type;  /* "text/javascript; charset=utf-8", ... */
    const char *etag;          /* quoted: "\"0123456789abcdef\"" */
};

/* The asset served at an exact path, or NULL. The result is static: never freed. */
const struct asset *assets_find(const char *path);
/* Number of assets, and the i-th in path order (NULL when out of range), for listings/tests. */
size_t assets_count(void);
const struct asset *assets_at(size_t i);
/* Bytes of the UI's own files (web/) and of the npm libraries. */
extern const size_t assets_web_bytes;
extern const size_t assets_lib_bytes;

struct MHD_Connection;

/* Answers a request for a path outside /api/ from the embedded assets: GET and HEAD only
 * (405 otherwise), exact paths only (".." or anything not in the table is 404), ETag and
 * If-None-Match (304), the content type, and the browser security headers (a Content Security
 * Policy without inline script, nosniff, no framing). Returns libmicrohttpd's MHD_YES/MHD_NO
 * from queueing the response. */
int http_static_serve(struct MHD_Connection *conn, const char *method, const char *url);

#endif
