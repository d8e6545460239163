/*
 * export.h - the export pipeline: records of one kind out as CSV or .xlsx that Japanese Excel
 * opens correctly.
 *
 * Columns have the canonical names that imports read (store/export_rows.h), so an exported file
 * imports back unchanged. CSV is written with CRLF line ends in UTF-8, UTF-8 with a BOM (what
 * Excel needs to recognise UTF-8) or CP932; a character that CP932 cannot represent is reported
 * with its row and column and the export fails: nothing is silently replaced. .xlsx files are
 * typed (amounts as numbers, dates as dates) with a frozen, filtered header row. Customers can
 * carry the per-customer metrics of the analytics `customers` report as of a date, joined by
 * code.
 */
#ifndef OK_IO_EXPORT_H
#define OK_IO_EXPORT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "io/encoding.h"
#include "io/tabular.h"

struct export_options {
    const char *kind;          /* customers, orders, deals, … */
    enum io_format format;     /* IO_FORMAT_CSV (default when AUTO) or IO_FORMAT_XLSX */
    enum io_encoding encoding; /* CSV: utf-8 (default when AUTO), utf-8-bom or cp932 */
    const char *columns;       /* comma-separated subset and order of columns; NULL: all */
    const char *output;        /* file path; NULL: stdout (CSV only) */
    int with_metrics;          /* customers: add the analytics metrics */
    int has_as_of;
    int32_t as_of; /* metrics as of this day (default: today) */
};

struct export_report {
    int64_t rows;
    int64_t unencodable; /* characters CP932 cannot write */
    struct buf problems; /* the first 100 of them: "row 3, column name: character …" */
};

void export_report_init(struct export_report *r);
void export_report_release(struct export_report *r);

/* Writes the export. Returns 0, or -1 with err (an unknown kind or column, an unwritable file,
 * characters the encoding cannot represent: then rep->problems lists them and an output file is
 * removed). */
int export_run(struct db *db, const struct export_options *opt, struct export_report *rep,
               struct ok_err *err);

#endif
