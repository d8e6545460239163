/*
 * router.c - route matching, the checks every request passes before its handler (identity,
 * permission, CSRF, query parameters, JSON body), and the reply helpers of http.h.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"
#include "core/log.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/text.h"
#include "http/http.h"
#include "core/banned.h"

const char *http_perm_name(enum http_perm p)
{
    static const char *const names[] = {"public", "read", "staff", "manager", "admin"};
    return (unsigned)p < 5 ? names[p] : "?";
}

const char *http_param(const struct http_req *r, int i)
{
    return i < r->nparams ? r->params[i] : "";
}

const char *http_query(const struct http_req *r, const char *key)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)r->conn, MHD_GET_ARGUMENT_KIND,
                                       key);
}

struct query_all {
    const char *key;
    const char **out;
    size_t max, n;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    struct query_all *q = cls;
    (void)kind;
    if (!strcmp(key, q->key)) {
        if (q->n < q->max)
            q->out[q->n] = value ? value : "";
        q->n++;
    }
    return MHD_YES;
}

size_t http_query_all(const struct http_req *r, const char *key, const char **out, size_t max)
{
    struct query_all q = {key, out, max, 0};
    MHD_get_connection_values((struct MHD_Connection *)r->conn, MHD_GET_ARGUMENT_KIND,
                              collect_query, &q);
    return q.n;
}

const char *http_header(const struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)r->conn, MHD_HEADER_KIND, name);
}

void http_error(struct http_req *r, int status, const char *code, const char *field,
                const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    buf_reset(&r->out);
    r->status = status;
    r->etag[0] = '\0';
    r->location[0] = '\0';
    buf_puts(&r->out, "{\"error\":{\"code\":");
    json_out_string(&r->out, code, (size_t)-1);
    buf_puts(&r->out, ",\"message\":");
    json_out_string(&r->out, msg, (size_t)-1);
    buf_puts(&r->out, ",\"field\":");
    json_out_string(&r->out, field && *field ? field : NULL, (size_t)-1);
    buf_puts(&r->out, "}}");
}

void http_fail(struct http_req *r, const struct ok_err *err)
{
    int status;
    switch (err->code) {
    case OK_ERR_INVALID:
    case OK_ERR_USAGE:
        status = 400;
        break;
    case OK_ERR_NOT_FOUND:
        status = 404;
        break;
    case OK_ERR_CONFLICT:
        status = 409;
        break;
    case OK_ERR_LIMIT:
        status = 429;
        break;
    case OK_ERR_AUTH:
        status = 401;
        break;
    case OK_ERR_FORBIDDEN:
        status = 403;
        break;
    default:
        status = 500;
        break;
    }
    if (status == 500) {
        /* the message may name files or SQL: log it, tell the client only what kind it was */
        log_msg(LOG_ERROR, "%s %s: %s (%s:%d)", r->method, r->path, err->message,
                err->file ? err->file : "?", err->line);
        http_error(r, 500, ok_err_code_name(err->code), NULL,
                   "the server could not complete the request; the error is in its log");
        return;
    }
    http_error(r, status, ok_err_code_name(err->code), err->field, "%s",
               err->message[0] ? err->message : "error");
}

const char *http_body_str(const struct http_req *r, const char *name)
{
    json_t *v = r->json ? json_object_get(r->json, name) : NULL;
    return v && json_is_string(v) ? json_string_value(v) : NULL;
}

int http_body_has(const struct http_req *r, const char *name)
{
    return r->json && json_object_get(r->json, name) != NULL;
}

int64_t http_body_int(const struct http_req *r, const char *name, int64_t def)
{
    json_t *v = r->json ? json_object_get(r->json, name) : NULL;
    return v && json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

int http_body_bool(const struct http_req *r, const char *name, int def)
{
    json_t *v = r->json ? json_object_get(r->json, name) : NULL;
    return v && json_is_boolean(v) ? json_is_true(v) : def;
}

int http_parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

int http_body_date(struct http_req *r, const char *name, char out[11])
{
    const char *s = http_body_str(r, name);
    struct ok_err err;
    int32_t days, secs;
    out[0] = '\0';
    if (!s)
        return 0;
    ok_err_clear(&err);
    if (date_parse(s, strlen(s), &days, &secs, &err) < 0) {
        http_error(r, 400, "invalid", name, "%s: %s", name, err.message);
        return -1;
    }
    date_format_iso(days, out);
    return 1;
}

int http_expected_version(struct http_req *r, int64_t *version, int *any)
{
    const char *im = http_header(r, "If-Match");
    *any = 0;
    if (im) {
        char *end;
        long long v;
        while (*im == ' ')
            im++;
        if (!strcmp(im, "*")) {
            *any = 1;
            return 1;
        }
        if (!strncmp(im, "W/", 2))
            im += 2;
        if (*im == '"')
            im++;
        errno = 0;
        v = strtoll(im, &end, 10);
        if (errno || end == im || (*end != '"' && *end) || v <= 0) {
            http_error(r, 400, "invalid", "If-Match",
                       "If-Match must be the ETag of the record, e.g. \"3\"");
            return -1;
        }
        *version = v;
        return 1;
    }
    if (http_body_has(r, "version")) {
        *version = http_body_int(r, "version", 0);
        return 1;
    }
    return 0;
}

int32_t http_today(struct http_req *r)
{
    char tz[64];
    pthread_rwlock_rdlock(&r->srv->snap.lock);
    snprintf(tz, sizeof(tz), "%s", r->srv->snap.snap.time_zone);
    pthread_rwlock_unlock(&r->srv->snap.lock);
    return date_today(tz[0] ? tz : NULL);
}

/* One CSV cell as JSON: a number when the whole cell is one, else a string; empty is null. */
static void csv_cell_json(const char *s, size_t n, struct buf *out)
{
    char tmp[64], *end;
    if (n == 0) {
        buf_puts(out, "null");
        return;
    }
    if (n < sizeof(tmp) && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
        double d;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        errno = 0;
        d = strtod(tmp, &end);
        if (!errno && !*end && isfinite(d) && !(n > 1 && s[0] == '0' && s[1] != '.')) {
            buf_append(out, s, n);
            return;
        }
    }
    json_out_string(out, s, n);
}

/* Reads one CSV field at *p (RFC 4180); the unquoted text goes to cell. Returns the character
 * that ended it: ',', '\n' or 0 at the end. */
static int csv_field(const char **p, const char *end, struct buf *cell)
{
    const char *s = *p;
    buf_reset(cell);
    if (s < end && *s == '"') {
        s++;
        while (s < end) {
            if (*s == '"' && s + 1 < end && s[1] == '"') {
                buf_putc(cell, '"');
                s += 2;
            } else if (*s == '"') {
                s++;
                break;
            } else {
                buf_putc(cell, *s++);
            }
        }
    }
    while (s < end && *s != ',' && *s != '\n') {
        if (*s != '\r')
            buf_putc(cell, *s);
        s++;
    }
    *p = s < end ? s + 1 : end;
    return s < end ? *s : 0;
}

void http_csv_to_json(const char *csv, size_t len, struct buf *out)
{
    const char *p = csv, *end = csv + len;
    struct buf cell;
    char **cols = NULL;
    size_t ncols = 0, alloc = 0, i;
    int c, nrows = 0;
    buf_init(&cell, 0);
    buf_puts(out, "{\"columns\":[");
    do {
        c = csv_field(&p, end, &cell);
        cols = xgrow(cols, &alloc, ncols + 1, sizeof(*cols));
        cols[ncols] = xstrndup(cell.data ? cell.data : "", cell.len);
        if (ncols)
            buf_putc(out, ',');
        json_out_string(out, cols[ncols], (size_t)-1);
        ncols++;
    } while (c == ',');
    buf_puts(out, "],\"rows\":[");
    while (p < end) {
        i = 0;
        if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
            p += *p == '\r' ? 2 : 1;
            continue;
        }
        buf_puts(out, nrows++ ? ",{" : "{");
        do {
            c = csv_field(&p, end, &cell);
            if (i < ncols) {
                if (i)
                    buf_putc(out, ',');
                json_out_string(out, cols[i], (size_t)-1);
                buf_putc(out, ':');
                csv_cell_json(cell.data ? cell.data : "", cell.len, out);
            }
            i++;
        } while (c == ',');
        buf_putc(out, '}');
    }
    buf_puts(out, "]}");
    for (i = 0; i < ncols; i++)
        free(cols[i]);
    free(cols);
    buf_release(&cell);
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int http_query_int(struct http_req *r, const char *key, int64_t min, int64_t max, int64_t def,
                   int64_t *out)
{
    const char *s = http_query(r, key);
    int64_t v;
    if (!s) {
        *out = def;
        return 0;
    }
    if (parse_i64(s, &v) < 0 || v < min || v > max) {
        http_error(r, 400, "invalid", key, "%s must be a whole number from %lld to %lld", key,
                   (long long)min, (long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

int http_query_date(struct http_req *r, const char *key, int32_t *days, int *present)
{
    const char *s = http_query(r, key);
    struct ok_err err;
    int32_t secs;
    *present = 0;
    if (!s || !*s)
        return 0;
    ok_err_clear(&err);
    if (date_parse(s, strlen(s), days, &secs, &err) < 0) {
        http_error(r, 400, "invalid", key, "%s: %s", key, err.message);
        return -1;
    }
    *present = 1;
    return 0;
}

int http_page_begin(struct http_req *r, struct http_page *p)
{
    int64_t limit;
    const char *c = http_query(r, "cursor");
    memset(p, 0, sizeof(*p));
    p->r = r;
    buf_init(&p->key, 1024);
    if (http_query_int(r, "limit", 1, HTTP_PAGE_MAX, HTTP_PAGE_DEFAULT, &limit) < 0)
        return -1;
    p->limit = (int)limit;
    if (c && *c) {
        size_t n = strlen(c), len = 0;
        if (n > 1024)
            goto bad;
        p->cursor = xmalloc(n + 1);
        if (sodium_base642bin((unsigned char *)p->cursor, n, c, n, NULL, &len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            !text_utf8_valid(p->cursor, len) || memchr(p->cursor, 0, len))
            goto bad;
        p->cursor[len] = '\0';
    }
    buf_puts(&r->out, "{\"items\":[");
    return 0;
bad:
    http_error(r, 400, "invalid", "cursor",
               "cursor is not one this server gave out; start again without it");
    return -1;
}

int http_page_item(struct http_page *p)
{
    if (p->n >= p->limit) {
        p->more = 1;
        return 1;
    }
    if (p->n++)
        buf_putc(&p->r->out, ',');
    buf_reset(&p->key);
    return 0;
}

void http_page_end(struct http_page *p)
{
    struct buf *out = &p->r->out;
    buf_puts(out, "],\"next_cursor\":");
    if (p->more && p->key.len) {
        size_t n = sodium_base64_ENCODED_LEN(p->key.len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        char *enc = xmalloc(n);
        sodium_bin2base64(enc, n, (const unsigned char *)p->key.data, p->key.len,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        json_out_string(out, enc, (size_t)-1);
        free(enc);
    } else {
        buf_puts(out, "null");
    }
    buf_putc(out, '}');
    p->r->status = 200;
}

void http_page_release(struct http_page *p)
{
    buf_release(&p->key);
    free(p->cursor);
    p->cursor = NULL;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX in place (RFC 3986 2.1; '+' is a plus in a path). -1 for a broken escape or a
 * decoded NUL, which would cut the segment short in every C string after it. */
static int percent_decode(char *s)
{
    char *w = s;
    for (; *s; s++) {
        if (*s == '%') {
            int hi = hex_value((unsigned char)s[1]),
                lo = hi < 0 ? -1 : hex_value((unsigned char)s[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *w++ = (char)(hi * 16 + lo);
            s += 2;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
    return 0;
}

void http_set_location(struct http_req *r, const char *prefix, const char *seg)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t)snprintf(r->location, sizeof(r->location), "%s", prefix);
    for (; *seg && n + 4 < sizeof(r->location); seg++) {
        unsigned char c = (unsigned char)*seg;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c)) {
            r->location[n++] = (char)c;
        } else {
            r->location[n++] = '%';
            r->location[n++] = hex[c >> 4];
            r->location[n++] = hex[c & 15];
        }
    }
    r->location[n < sizeof(r->location) ? n : sizeof(r->location) - 1] = '\0';
}

/* Matches one pattern; on success the {x} segments are copied into params. */
static int match(const char *pattern, const char *path, char *params[HTTP_MAX_PARAMS], int *n)
{
    const char *p = pattern, *s = path;
    int k = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || k >= HTTP_MAX_PARAMS)
                goto fail;
            params[k++] = xstrndup(s, len);
            s += len;
            p = strchr(p, '}');
            if (!p)
                goto fail;
            p++;
            continue;
        }
        if (*p != *s)
            goto fail;
        p++;
        s++;
    }
    if (*p || *s)
        goto fail;
    *n = k;
    return 1;
fail:
    while (k > 0)
        free(params[--k]);
    return 0;
}

const struct http_route *http_route_find(const char *method, const char *path,
                                         char *params[HTTP_MAX_PARAMS], int *nparams,
                                         int *path_known)
{
    size_t i;
    *path_known = 0;
    *nparams = 0;
    for (i = 0; i < http_route_count; i++) {
        const struct http_route *rt = &http_routes[i];
        char *tmp[HTTP_MAX_PARAMS];
        int n;
        if (!match(rt->pattern, path, tmp, &n))
            continue;
        if (strcmp(rt->method, method) != 0 &&
            !(strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            *path_known = 1;
            while (n > 0)
                free(tmp[--n]);
            continue;
        }
        memcpy(params, tmp, sizeof(char *) * (size_t)n);
        *nparams = n;
        return rt;
    }
    return NULL;
}

/* Resolves the caller from a bearer token or the session cookie. -1 after replying. */
static int authenticate(struct http_req *r)
{
    const char *authz = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    struct ok_err err;
    int rc;
    ok_err_clear(&err);
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0 || strlen(authz + 7) >= AUTH_TOKEN_MAX) {
            http_error(r, 401, "auth", NULL, "Authorization must be 'Bearer TOKEN'");
            return -1;
        }
        rc = auth_token_lookup(r->db, authz + 7, &r->who, &err);
        if (rc < 0) {
            http_fail(r, &err);
            return -1;
        }
        if (rc == 0) {
            http_error(r, 401, "auth", NULL, "the API token is unknown, revoked or expired");
            return -1;
        }
        r->authenticated = 1;
        return 0;
    }
    {
        const char *cookie = MHD_lookup_connection_value((struct MHD_Connection *)r->conn,
                                                         MHD_COOKIE_KIND, "okaeri_session");
        if (!cookie || !*cookie || strlen(cookie) >= AUTH_TOKEN_MAX)
            return 0;
        rc = auth_session_lookup(r->db, cookie, &r->who, &err);
        if (rc < 0) {
            http_fail(r, &err);
            return -1;
        }
        r->authenticated = rc == 1;
    }
    return 0;
}

struct query_check {
    struct http_req *r;
    int failed;
};

static enum MHD_Result check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    struct query_check *qc = cls;
    const struct http_field *f = qc->r->route->query;
    int64_t v;
    (void)kind;
    if (!text_utf8_valid(key, strlen(key)) || (value && !text_utf8_valid(value, strlen(value)))) {
        http_error(qc->r, 400, "invalid", NULL, "a query parameter is not valid UTF-8");
        goto fail;
    }
    for (; f && f->name; f++)
        if (!strcmp(f->name, key))
            break;
    if (!f || !f->name) {
        http_error(qc->r, 400, "invalid", key, "unknown query parameter '%s'", key);
        goto fail;
    }
    if (f->type == FT_INT && (!value || parse_i64(value, &v) < 0)) {
        http_error(qc->r, 400, "invalid", key, "%s must be a whole number", key);
        goto fail;
    }
    return MHD_YES;
fail:
    qc->failed = 1;
    return MHD_NO;
}

static const char *ftype_name(enum http_ftype t)
{
    switch (t) {
    case FT_STRING:
        return "a string";
    case FT_INT:
        return "a whole number";
    case FT_BOOL:
        return "true or false";
    case FT_OBJECT:
        return "an object";
    case FT_NUMBER:
        return "a number";
    case FT_ARRAY:
        return "an array";
    }
    return "?";
}

static int type_ok(enum http_ftype t, json_t *v)
{
    switch (t) {
    case FT_STRING:
        return json_is_string(v);
    case FT_INT:
        return json_is_integer(v);
    case FT_BOOL:
        return json_is_boolean(v);
    case FT_OBJECT:
        return json_is_object(v);
    case FT_NUMBER:
        return json_is_number(v);
    case FT_ARRAY:
        return json_is_array(v);
    }
    return 0;
}

/* Parses and checks the JSON body against the route's fields. -1 after replying. */
static int check_body(struct http_req *r)
{
    const struct http_field *f;
    const char *ctype;
    const char *key;
    json_t *v;
    json_error_t jerr;
    size_t i;
    int empty = 1;
    for (i = 0; i < r->body_len; i++)
        if (!strchr(" \t\r\n", r->body[i]))
            empty = 0;
    if (empty) {
        r->json = json_object();
    } else {
        ctype = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (ctype && strncasecmp(ctype, "application/json", 16) != 0) {
            http_error(r, 415, "unsupported_media_type", NULL, "send the body as application/json");
            return -1;
        }
        r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!r->json) {
            http_error(r, 400, "invalid_json", NULL,
                       "the body is not valid JSON: %s (line %d, "
                       "column %d)",
                       jerr.text, jerr.line, jerr.column);
            return -1;
        }
        if (!json_is_object(r->json)) {
            http_error(r, 400, "invalid_json", NULL, "the body must be a JSON object");
            return -1;
        }
    }
    json_object_foreach(r->json, key, v)
    {
        for (f = r->route->body; f->name; f++)
            if (!strcmp(f->name, key))
                break;
        if (!f->name) {
            http_error(r, 400, "invalid", key, "unknown field '%s'", key);
            return -1;
        }
        if (json_is_null(v)) {
            if (!(f->flags & FF_NULLABLE)) {
                http_error(r, 400, "invalid", key, "%s cannot be null", key);
                return -1;
            }
            continue;
        }
        if (!type_ok(f->type, v)) {
            http_error(r, 400, "invalid", key, "%s must be %s", key, ftype_name(f->type));
            return -1;
        }
    }
    for (f = r->route->body; f->name; f++)
        if ((f->flags & FF_REQUIRED) && !json_object_get(r->json, f->name)) {
            http_error(r, 400, "invalid", f->name, "%s is required", f->name);
            return -1;
        }
    return 0;
}

static int state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

void http_dispatch(struct http_req *r)
{
    int path_known;
    static const int required_level[] = {-1, AUTH_READONLY, AUTH_STAFF, AUTH_MANAGER, AUTH_ADMIN};
    if (!text_utf8_valid(r->path, strlen(r->path))) {
        http_error(r, 400, "invalid", NULL, "the path is not valid UTF-8");
        return;
    }
    r->route = http_route_find(r->method, r->path, r->params, &r->nparams, &path_known);
    if (!r->route) {
        if (path_known)
            http_error(r, 405, "method_not_allowed", NULL, "%s is not allowed here", r->method);
        else
            http_error(r, 404, "not_found", NULL, "there is no such endpoint");
        return;
    }
    if (r->path_encoded) {
        int i;
        for (i = 0; i < r->nparams; i++)
            if (percent_decode(r->params[i]) < 0 ||
                !text_utf8_valid(r->params[i], strlen(r->params[i]))) {
                http_error(r, 400, "invalid", NULL,
                           "a path segment has a broken %%-escape, %%00 or invalid UTF-8");
                return;
            }
    }
    if (authenticate(r) < 0)
        return;
    if (r->route->perm != PERM_PUBLIC) {
        if (!r->authenticated) {
            http_error(r, 401, "auth", NULL,
                       "log in first (POST /api/v1/session) or send an API token");
            return;
        }
        if (r->who.level < required_level[r->route->perm]) {
            http_error(r, 403, "forbidden", NULL, "the %s role may not do this (needs %s)",
                       r->who.role, http_perm_name(r->route->perm));
            return;
        }
    }
    /* A browser sends the cookie on its own; only our page can read the CSRF token. */
    if (r->authenticated && r->who.session_id > 0 && state_changing(r->method)) {
        const char *t = http_header(r, "X-CSRF-Token");
        if (!t || strlen(t) != strlen(r->who.csrf) ||
            sodium_memcmp(t, r->who.csrf, strlen(r->who.csrf)) != 0) {
            http_error(r, 403, "csrf", NULL,
                       "missing or wrong X-CSRF-Token header (GET /api/v1/session gives it)");
            return;
        }
    }
    {
        struct query_check qc = {r, 0};
        MHD_get_connection_values((struct MHD_Connection *)r->conn, MHD_GET_ARGUMENT_KIND,
                                  check_query_arg, &qc);
        if (qc.failed)
            return;
    }
    if (r->route->body && check_body(r) < 0)
        return;
    if (r->authenticated) {
        r->actor.user_id = r->who.user_id;
        r->actor.name = r->who.login;
    } else {
        r->actor.user_id = 0;
        r->actor.name = "api";
    }
    r->status = r->route->status;
    r->route->handler(r);
}
