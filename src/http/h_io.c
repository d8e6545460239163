/*
 * h_io.c - POST /api/v1/imports and GET /api/v1/exports/{kind}: the CLI's `okaeri import` and
 * `okaeri export` over HTTP, with the same pipelines (io/import.h, io/export.h), the same counts
 * and the same row errors.
 *
 * An import takes the file as the raw body or as the first file part of a multipart/form-data
 * upload; the pipeline reads files, so the body goes to a private temporary file first. The
 * usual flow is a dry run (?dry_run=true: everything is done and rolled back, so the counts and
 * the preview are exact), then the same upload without dry_run to commit. Bad rows make the
 * whole import fail with 422 and the report (nothing written) unless ?on_error=skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "http/http.h"
#include "io/export.h"
#include "io/import.h"
#include "store/export_rows.h"
#include "core/banned.h"

#define IMPORT_MAX_MAPS 64

/* Finds the file in a multipart/form-data body: the first part with a filename (else the part
 * named "file"). Sets *data, *len and the file name (may be ""). -1 when there is none. */
static int multipart_file(const char *ctype, const char *body, size_t body_len, const char **data,
                          size_t *len, char *name, size_t name_cap)
{
    const char *b = strstr(ctype, "boundary="), *p, *end = body + body_len;
    char delim[200];
    size_t blen, dlen;
    if (!b)
        return -1;
    b += 9;
    if (*b == '"')
        b++;
    blen = strcspn(b, "\";");
    if (blen == 0 || blen > 150)
        return -1;
    dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%.*s", (int)blen, b);
    /* the first delimiter has no CRLF before it */
    p = memmem(body, body_len, delim + 2, dlen - 2);
    while (p) {
        const char *head = p + dlen - 2, *head_end, *next, *fn;
        int is_file;
        if (head + 2 > end || !memcmp(head, "--", 2))
            return -1;
        head_end = memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
        if (!head_end)
            return -1;
        next = memmem(head_end + 4, (size_t)(end - head_end - 4), delim, dlen);
        if (!next)
            return -1;
        fn = memmem(head, (size_t)(head_end - head), "filename=\"", 10);
        is_file = fn != NULL || memmem(head, (size_t)(head_end - head), "name=\"file\"", 11);
        if (is_file) {
            name[0] = '\0';
            if (fn) {
                const char *q = fn + 10, *qe = memchr(q, '"', (size_t)(head_end - q));
                if (qe)
                    snprintf(name, name_cap, "%.*s", (int)(qe - q), q);
            }
            *data = head_end + 4;
            *len = (size_t)(next - *data);
            return 0;
        }
        p = next + 2;
    }
    return -1;
}

static int query_bool(struct http_req *r, const char *key, int *out)
{
    const char *v = http_query(r, key);
    *out = 0;
    if (!v)
        return 0;
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !*v)
        *out = 1;
    else if (strcmp(v, "false") && strcmp(v, "0") && strcmp(v, "no")) {
        http_error(r, 400, "invalid", key, "%s is true or false", key);
        return -1;
    }
    return 0;
}

/* A file name extension the reader may use as a hint: ".csv", ".tsv", ".xlsx" or "". */
static const char *name_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && (!strcasecmp(dot, ".xlsx") || !strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") ||
                !strcasecmp(dot, ".txt")))
        return dot;
    return "";
}

/* Writes data to a new private temporary file with the given suffix; path into out. */
/* Messages about the upload name the server's temporary copy; say the user's file name. */
static void hide_temp_path(struct ok_err *err, const char *path, const char *name)
{
    struct buf b;
    const char *p = err->message, *hit;
    size_t plen = strlen(path);
    buf_init(&b, sizeof(err->message) - 1);
    while ((hit = strstr(p, path)) != NULL) {
        buf_append(&b, p, (size_t)(hit - p));
        buf_puts(&b, name);
        p = hit + plen;
    }
    buf_puts(&b, p);
    if (!b.failed)
        memcpy(err->message, b.data, b.len + 1);
    buf_release(&b);
}

static int temp_file(const char *data, size_t len, const char *suffix, char *out, size_t cap,
                     struct ok_err *err)
{
    const char *dir = getenv("TMPDIR");
    int fd;
    size_t off = 0;
    snprintf(out, cap, "%s/okaeri-upload-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
    fd = mkstemps(out, (int)strlen(suffix));
    if (fd < 0)
        return ok_err_set(err, OK_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(out);
            return ok_err_set(err, OK_ERR_IO, "cannot write a temporary file: %s", strerror(errno));
        }
        off += (size_t)n;
    }
    close(fd);
    return 0;
}

/* The lines of text as a JSON array of strings. */
static void lines_json(struct buf *out, const struct buf *text)
{
    const char *p = text->data, *end = text->data + text->len;
    int n = 0;
    buf_putc(out, '[');
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len) {
            if (n++)
                buf_putc(out, ',');
            json_out_string(out, p, len);
        }
        p += len + 1;
    }
    buf_putc(out, ']');
}

static void report_json(struct buf *out, const struct import_options *o,
                        const struct import_report *rep)
{
    buf_printf(out,
               "{\"kind\":\"%s\",\"dry_run\":%s,\"written\":%s,\"rows\":%lld,\"created\":%lld,"
               "\"updated\":%lld,\"unchanged\":%lld,\"rejected\":%lld,\"bad_rows\":%lld",
               io_kind_name(o->kind), o->dry_run ? "true" : "false",
               rep->written ? "true" : "false", (long long)rep->rows, (long long)rep->created,
               (long long)rep->updated, (long long)rep->unchanged, (long long)rep->rejected,
               (long long)rep->bad_rows);
    if (o->kind == IO_KIND_ORDERS)
        buf_printf(out,
                   ",\"orders\":%lld,\"customers\":%lld,\"returns\":%lld,\"no_customer\":%lld,"
                   "\"customers_created\":%lld,\"customers_updated\":%lld,"
                   "\"products_created\":%lld",
                   (long long)rep->orders, (long long)rep->customers_seen, (long long)rep->returns,
                   (long long)rep->no_customer, (long long)rep->customers_created,
                   (long long)rep->customers_updated, (long long)rep->products_created);
    buf_puts(out, ",\"errors\":");
    lines_json(out, &rep->errors);
    buf_puts(out, ",\"warnings\":");
    lines_json(out, &rep->warnings);
    buf_puts(out, ",\"preview\":");
    lines_json(out, &rep->preview);
    buf_putc(out, '}');
}

void h_imports_create(struct http_req *r)
{
    struct import_options o;
    struct import_report rep;
    struct ok_err err;
    const char *ctype = http_header(r, "Content-Type"), *data = r->body, *v;
    const char *maps[IMPORT_MAX_MAPS];
    size_t len = r->body_len, nmaps;
    char name[256] = "", path[1024] = "", reject[1100] = "";
    int skip = 0, have_file = 0;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    import_report_init(&rep);
    v = http_query(r, "kind");
    if (!v || io_kind_parse(v, &o.kind, &err) < 0) {
        http_error(r, 400, "invalid", "kind", "%s",
                   v ? err.message : "kind is required (customers, orders, deals, ...)");
        goto out;
    }
    if ((v = http_query(r, "format")) && io_format_parse(v, &o.tab.format, &err) < 0) {
        http_error(r, 400, "invalid", "format", "%s", err.message);
        goto out;
    }
    if ((v = http_query(r, "encoding")) && io_encoding_parse(v, &o.tab.encoding, &err) < 0) {
        http_error(r, 400, "invalid", "encoding", "%s", err.message);
        goto out;
    }
    if (query_bool(r, "dry_run", &o.dry_run) < 0 ||
        query_bool(r, "create_customers", &o.create_customers) < 0)
        goto out;
    if ((v = http_query(r, "on_error"))) {
        if (strcmp(v, "stop") && strcmp(v, "skip")) {
            http_error(r, 400, "invalid", "on_error", "on_error is stop (default) or skip");
            goto out;
        }
        skip = !strcmp(v, "skip");
    }
    nmaps = http_query_all(r, "map", maps, IMPORT_MAX_MAPS);
    if (nmaps > IMPORT_MAX_MAPS) {
        http_error(r, 400, "invalid", "map", "at most %d map parameters", IMPORT_MAX_MAPS);
        goto out;
    }
    o.maps = maps;
    o.nmaps = nmaps;
    o.tab.sheet = http_query(r, "sheet");
    o.date_format = http_query(r, "date_format");
    o.cancel_prefix = http_query(r, "cancel_prefix");
    o.skip_bad = skip;
    o.actor = &r->actor;
    if (ctype && !strncasecmp(ctype, "multipart/form-data", 19)) {
        if (multipart_file(ctype, r->body ? r->body : "", r->body_len, &data, &len, name,
                           sizeof(name)) < 0) {
            http_error(r, 400, "invalid", "file",
                       "the multipart upload has no file part (a part with a filename, or "
                       "named \"file\")");
            goto out;
        }
    } else if ((v = http_query(r, "filename"))) {
        snprintf(name, sizeof(name), "%s", v);
    }
    if (!data || len == 0) {
        http_error(r, 400, "invalid", "file",
                   "the upload is empty: send the file as the body "
                   "or as a multipart/form-data file part");
        goto out;
    }
    if (temp_file(data, len, name_ext(name), path, sizeof(path), &err) < 0)
        goto fail;
    have_file = 1;
    if (skip) {
        snprintf(reject, sizeof(reject), "%s.rejected", path);
        o.reject_path = reject;
    }
    if (import_file(r->db, path, &o, &rep, &err) < 0) {
        hide_temp_path(&err, path, name[0] ? name : "the upload");
        if (err.code == OK_ERR_INVALID && (rep.bad_rows || rep.rows)) {
            /* the rows were read: answer with the report so that each bad row is seen */
            int first = 1;
            r->status = 422;
            buf_reset(&r->out);
            buf_puts(&r->out, "{\"error\":{");
            json_out_field_string(&r->out, &first, "code", "invalid");
            json_out_field_string(&r->out, &first, "message", err.message);
            json_out_field_string(&r->out, &first, "field", err.field[0] ? err.field : NULL);
            buf_puts(&r->out, "},\"report\":");
            report_json(&r->out, &o, &rep);
            buf_putc(&r->out, '}');
            goto out;
        }
        goto fail;
    }
    if (rep.written)
        snap_holder_changed(&r->srv->snap, NULL, NULL);
    r->status = o.dry_run ? 200 : 201;
    report_json(&r->out, &o, &rep);
    goto out;
fail:
    http_fail(r, &err);
out:
    if (have_file)
        unlink(path);
    if (reject[0])
        unlink(reject);
    import_report_release(&rep);
}

void h_exports_get(struct http_req *r)
{
    struct export_options o;
    struct export_report rep;
    struct ok_err err;
    const char *v, *kind = http_param(r, 0);
    char path[1024];
    const char *dir = getenv("TMPDIR");
    int fd = -1, present;
    size_t k;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    export_report_init(&rep);
    path[0] = '\0';
    o.kind = kind;
    o.format = IO_FORMAT_CSV;
    if (!store_export_columns(kind, &k)) {
        http_error(r, 404, "not_found", NULL,
                   "there is no export '%s' (customers, orders, deals, contracts, referrals, "
                   "activities, feedback, products)",
                   kind);
        goto out;
    }
    if ((v = http_query(r, "format")) &&
        (io_format_parse(v, &o.format, &err) < 0 ||
         (o.format != IO_FORMAT_CSV && o.format != IO_FORMAT_XLSX))) {
        http_error(r, 400, "invalid", "format", "format is csv or xlsx");
        goto out;
    }
    if ((v = http_query(r, "encoding")) &&
        (io_encoding_parse(v, &o.encoding, &err) < 0 ||
         (o.encoding != IO_ENC_UTF8 && o.encoding != IO_ENC_UTF8_BOM &&
          o.encoding != IO_ENC_CP932))) {
        http_error(r, 400, "invalid", "encoding", "encoding is utf-8, utf-8-bom or cp932");
        goto out;
    }
    if (query_bool(r, "with_metrics", &o.with_metrics) < 0 ||
        http_query_date(r, "as_of", &o.as_of, &present) < 0)
        goto out;
    o.has_as_of = present;
    o.columns = http_query(r, "columns");
    snprintf(path, sizeof(path), "%s/okaeri-export-XXXXXX%s", dir && *dir ? dir : "/tmp",
             o.format == IO_FORMAT_XLSX ? ".xlsx" : ".csv");
    fd = mkstemps(path, o.format == IO_FORMAT_XLSX ? 5 : 4);
    if (fd < 0) {
        path[0] = '\0';
        ok_err_set(&err, OK_ERR_IO, "cannot create a temporary file: %s", strerror(errno));
        goto fail;
    }
    close(fd);
    fd = -1;
    o.output = path;
    if (export_run(r->db, &o, &rep, &err) < 0) {
        if (rep.unencodable) {
            int first = 1;
            r->status = 422;
            buf_reset(&r->out);
            buf_puts(&r->out, "{\"error\":{");
            json_out_field_string(&r->out, &first, "code", "unencodable");
            json_out_field_string(&r->out, &first, "message", err.message);
            json_out_field_string(&r->out, &first, "field", "encoding");
            buf_printf(&r->out, "},\"unencodable\":%lld,\"problems\":", (long long)rep.unencodable);
            lines_json(&r->out, &rep.problems);
            buf_putc(&r->out, '}');
            goto out;
        }
        if (err.code == OK_ERR_USAGE || err.code == OK_ERR_INVALID) {
            http_error(r, 400, "invalid", strstr(err.message, "column") ? "columns" : NULL, "%s",
                       err.message);
            goto out;
        }
        goto fail;
    }
    {
        FILE *f = fopen(path, "rb");
        char chunk[65536];
        size_t n;
        if (!f) {
            ok_err_set(&err, OK_ERR_IO, "cannot read the export back: %s", strerror(errno));
            goto fail;
        }
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            buf_append(&r->out, chunk, n);
        fclose(f);
    }
    if (o.format == IO_FORMAT_XLSX)
        r->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    else if (o.encoding == IO_ENC_CP932)
        r->content_type = "text/csv; charset=Shift_JIS";
    else
        r->content_type = "text/csv; charset=utf-8";
    snprintf(r->filename, sizeof(r->filename), "%s.%s", kind,
             o.format == IO_FORMAT_XLSX ? "xlsx" : "csv");
    for (k = 0; r->filename[k]; k++) {
        unsigned char ch = (unsigned char)r->filename[k];
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '/')
            r->filename[k] = '_';
    }
    goto out;
fail:
    http_fail(r, &err);
out:
    if (path[0])
        unlink(path);
    export_report_release(&rep);
}
