/*
 * tabular.c - format detection and the CSV/TSV/xlsx switch behind one row interface.
 */
#include "io/tabular.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "io/csv.h"
#include "io/source.h"
#include "io/xlsx_reader.h"
#include "core/banned.h"

#define MAX_XLSX_BYTES ((size_t)1 << 30)

struct tabular {
    enum io_format format;
    int fd;         /* owned when >= 0 */
    char *mem_copy; /* an xlsx read from a descriptor */
    struct io_source raw;
    struct io_decoder dec;
    int dec_on;
    struct io_source text; /* the decoder as a source */
    struct csv_reader csv;
    int csv_on;
    struct xlsx_reader *xlsx;
};

static const char *const format_names[] = {"auto", "csv", "tsv", "xlsx"};

const char *io_format_name(enum io_format f)
{
    return (unsigned)f < 4 ? format_names[f] : "?";
}

int io_format_parse(const char *name, enum io_format *f, struct ok_err *err)
{
    int i;
    for (i = 0; i < 4; i++) {
        if (strcasecmp(name, format_names[i]) == 0) {
            *f = (enum io_format)i;
            return 0;
        }
    }
    return ok_err_set(err, OK_ERR_USAGE, "unknown format '%s' (use auto, csv, tsv or xlsx)", name);
}

static int name_ends(const char *name, const char *ext)
{
    size_t n, e = strlen(ext);
    if (!name)
        return 0;
    n = strlen(name);
    return n >= e && strcasecmp(name + n - e, ext) == 0;
}

enum io_format io_format_detect(const char *prefix, size_t n, const char *name_hint)
{
    size_t i, commas = 0, tabs = 0;
    if (n >= 4 && memcmp(prefix, "PK\x03\x04", 4) == 0)
        return IO_FORMAT_XLSX;
    /* UTF-16 text: every other byte is zero, count the ASCII delimiters all the same */
    for (i = 0; i < n && i < 8192; i++) {
        if (prefix[i] == ',')
            commas++;
        else if (prefix[i] == '\t')
            tabs++;
    }
    if (tabs == 0 && commas == 0)
        return name_ends(name_hint, ".tsv") || name_ends(name_hint, ".tab") ? IO_FORMAT_TSV
                                                                            : IO_FORMAT_CSV;
    return csv_detect_delimiter(prefix, n) == '\t' ? IO_FORMAT_TSV : IO_FORMAT_CSV;
}

static struct tabular *tabular_alloc(void)
{
    struct tabular *t = xcalloc(1, sizeof(*t));
    t->fd = -1;
    return t;
}

/* Reads a whole descriptor into memory (for an xlsx coming from a pipe or descriptor). */
static int slurp_source(struct tabular *t, size_t *len, struct ok_err *err)
{
    size_t alloc = (size_t)1 << 20, n = 0;
    char *p = xmalloc(alloc);
    for (;;) {
        long k;
        if (n == alloc) {
            if (alloc >= MAX_XLSX_BYTES) {
                free(p);
                return ok_err_set(err, OK_ERR_LIMIT, "the .xlsx file is larger than 1 GiB");
            }
            alloc *= 2;
            p = xrealloc(p, alloc);
        }
        k = io_source_read(&t->raw, p + n, alloc - n, err);
        if (k < 0) {
            free(p);
            return -1;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    t->mem_copy = p;
    *len = n;
    return 0;
}

/* Common part once t->raw is set up; path is used for an xlsx file when known. */
static struct tabular *tabular_setup(struct tabular *t, const char *path, const char *hint,
                                     const void *mem, size_t mem_len,
                                     const struct tabular_options *opt, struct ok_err *err)
{
    static const struct tabular_options defaults;
    const char *pre;
    size_t n;
    enum io_format f;
    if (!opt)
        opt = &defaults;
    if (io_source_peek(&t->raw, 4096, &pre, &n, err) < 0)
        goto fail;
    if (n >= 8 && memcmp(pre, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        ok_err_set(err, OK_ERR_INVALID,
                   "this is an old Excel .xls file (or another OLE2 document); save it as .xlsx "
                   "or CSV and import that");
        goto fail;
    }
    f = io_format_detect(pre, n, hint);
    if (opt->format == IO_FORMAT_XLSX && f != IO_FORMAT_XLSX) {
        ok_err_set(err, OK_ERR_INVALID, "not an .xlsx file (it does not start like a zip archive)");
        goto fail;
    }
    if (f == IO_FORMAT_XLSX && opt->format != IO_FORMAT_AUTO && opt->format != IO_FORMAT_XLSX) {
        ok_err_set(err, OK_ERR_INVALID, "this is an .xlsx workbook, not %s text",
                   io_format_name(opt->format));
        goto fail;
    }
    if (f == IO_FORMAT_XLSX) {
        t->format = IO_FORMAT_XLSX;
        if (path) {
            t->xlsx = xlsx_reader_open(path, opt->sheet, err);
        } else {
            if (!mem) {
                if (slurp_source(t, &mem_len, err) < 0)
                    goto fail;
                mem = t->mem_copy;
            }
            t->xlsx = xlsx_reader_open_mem(mem, mem_len, opt->sheet, err);
        }
        if (!t->xlsx)
            goto fail;
        return t;
    }
    if (io_decoder_init(&t->dec, &t->raw, opt->encoding, err) < 0) {
        t->dec_on = 1;
        goto fail;
    }
    t->dec_on = 1;
    io_source_init_fn(&t->text, io_decoder_read, &t->dec);
    {
        struct csv_options co = {0};
        co.delimiter = opt->format == IO_FORMAT_CSV                      ? ','
                       : opt->format == IO_FORMAT_TSV                    ? '\t'
                       : (name_ends(hint, ".tsv") && f == IO_FORMAT_TSV) ? '\t'
                                                                         : 0;
        co.max_field = opt->max_field;
        csv_reader_init(&t->csv, &t->text, &co);
        t->csv_on = 1;
    }
    if (csv_reader_start(&t->csv, err) < 0)
        goto fail;
    t->format = csv_reader_delimiter(&t->csv) == '\t' ? IO_FORMAT_TSV : IO_FORMAT_CSV;
    return t;
fail:
    tabular_free(&t);
    return NULL;
}

struct tabular *tabular_open(const char *path, const struct tabular_options *opt,
                             struct ok_err *err)
{
    struct tabular *t = tabular_alloc();
    t->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (t->fd < 0) {
        ok_err_set(err, OK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        tabular_free(&t);
        return NULL;
    }
    io_source_init_fd(&t->raw, t->fd);
    return tabular_setup(t, path, path, NULL, 0, opt, err);
}

struct tabular *tabular_open_fd(int fd, const char *name_hint, const struct tabular_options *opt,
                                struct ok_err *err)
{
    struct tabular *t = tabular_alloc();
    io_source_init_fd(&t->raw, fd);
    return tabular_setup(t, NULL, name_hint, NULL, 0, opt, err);
}

struct tabular *tabular_open_mem(const void *data, size_t len, const char *name_hint,
                                 const struct tabular_options *opt, struct ok_err *err)
{
    struct tabular *t = tabular_alloc();
    io_source_init_mem(&t->raw, data, len);
    return tabular_setup(t, NULL, name_hint, data, len, opt, err);
}

static int row_blank(const struct io_row *row)
{
    size_t i;
    for (i = 0; i < row->n; i++)
        if (row->cells[i].len > 0)
            return 0;
    return 1;
}

int tabular_next(struct tabular *t, struct io_row *row, struct ok_err *err)
{
    if (t->xlsx)
        return xlsx_reader_next(t->xlsx, row, err); /* it skips empty rows itself */
    for (;;) {
        int rc = csv_reader_next(&t->csv, row, err);
        if (rc <= 0 || !row_blank(row))
            return rc;
    }
}

enum io_format tabular_format(const struct tabular *t)
{
    return t->format;
}

enum io_encoding tabular_encoding(const struct tabular *t)
{
    return t->xlsx ? IO_ENC_UTF8 : t->dec.enc;
}

int tabular_date1904(const struct tabular *t)
{
    return t->xlsx ? xlsx_reader_date1904(t->xlsx) : 0;
}

void tabular_free(struct tabular **tp)
{
    struct tabular *t = *tp;
    if (!t)
        return;
    if (t->csv_on)
        csv_reader_release(&t->csv);
    if (t->dec_on)
        io_decoder_release(&t->dec);
    io_source_release(&t->text);
    io_source_release(&t->raw);
    xlsx_reader_free(&t->xlsx);
    if (t->fd >= 0)
        close(t->fd);
    free(t->mem_copy);
    free(t);
    *tp = NULL;
}
