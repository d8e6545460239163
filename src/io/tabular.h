/*
 * tabular.h - one reader for every table file an import accepts: CSV, TSV and .xlsx.
 *
 * tabular_open looks at the content, not only the name: a zip ("PK\3\4") is an .xlsx workbook,
 * an OLE2 file is the old .xls format (refused with a clear message), anything else is text whose
 * encoding is detected (encoding.h) and whose delimiter is a comma or a tab, whichever the first
 * lines use more. The file name is only a hint, for a one-column text file. Rows come out the same
 * way for all formats (struct io_row, see row.h), with blank rows skipped; the import pipeline does
 * not need to know which format it reads.
 */
#ifndef OK_IO_TABULAR_H
#define OK_IO_TABULAR_H

#include <stddef.h>

#include "core/err.h"
#include "io/encoding.h"
#include "io/row.h"

enum io_format { IO_FORMAT_AUTO = 0, IO_FORMAT_CSV, IO_FORMAT_TSV, IO_FORMAT_XLSX };

struct tabular_options {
    enum io_format format;     /* IO_FORMAT_AUTO detects */
    enum io_encoding encoding; /* text files only; IO_ENC_AUTO detects */
    const char *sheet;         /* xlsx: sheet name, NULL for the first sheet */
    size_t max_field;          /* text files: longest field in bytes, 0 for the default */
};

struct tabular;

/* "auto", "csv", "tsv", "xlsx". */
const char *io_format_name(enum io_format f);

/* Parses "auto", "csv", "tsv", "xlsx" (case-insensitive). Returns 0 or -1 (err filled). */
int io_format_parse(const char *name, enum io_format *f, struct ok_err *err);

/* Guesses the format from the first bytes of a file (and its name as a tie-breaker; may be
 * NULL). Returns IO_FORMAT_XLSX, IO_FORMAT_TSV or IO_FORMAT_CSV. */
enum io_format io_format_detect(const char *prefix, size_t n, const char *name_hint);

/* Opens a file (opt may be NULL for all defaults). Returns the reader (caller frees with
 * tabular_free) or NULL with err filled. */
struct tabular *tabular_open(const char *path, const struct tabular_options *opt,
                             struct ok_err *err);

/* The same over an open descriptor (borrowed, not closed; a pipe works too) or over memory
 * (borrowed until tabular_free). name_hint may be NULL. */
struct tabular *tabular_open_fd(int fd, const char *name_hint, const struct tabular_options *opt,
                                struct ok_err *err);
struct tabular *tabular_open_mem(const void *data, size_t len, const char *name_hint,
                                 const struct tabular_options *opt, struct ok_err *err);

/* Reads the next row that has at least one non-empty cell. Returns 1 (row borrowed until the
 * next call), 0 at the end, -1 on error (err filled with the line/row in err->input_line). */
int tabular_next(struct tabular *t, struct io_row *row, struct ok_err *err);

/* What was opened: the format (CSV or TSV after detection, or XLSX), the text encoding found
 * (IO_ENC_UTF8 for xlsx), and for xlsx whether the workbook used the 1904 date system. */
enum io_format tabular_format(const struct tabular *t);
enum io_encoding tabular_encoding(const struct tabular *t);
int tabular_date1904(const struct tabular *t);

void tabular_free(struct tabular **t);

#endif
