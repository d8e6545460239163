/*
 * xlsx_writer.h - writes one-sheet .xlsx exports with libxlsxwriter.
 *
 * An export is a header row (bold, frozen, with an autofilter over the data) followed by typed
 * cells: text, integers, decimal numbers, money (a number with a thousands format, so Excel can
 * sum it), and dates (real date cells shown as yyyy/mm/dd). Rows are written in order in
 * libxlsxwriter's constant-memory mode, so large exports do not grow in memory; the file is
 * complete only after xlsx_writer_close.
 */
#ifndef OK_IO_XLSX_WRITER_H
#define OK_IO_XLSX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct xlsx_writer;

/* Starts a workbook at path with one sheet named sheet_name (NULL: "Sheet1") whose header row is
 * names[0..n). Returns the writer or NULL with err filled. */
struct xlsx_writer *xlsx_writer_new(const char *path, const char *sheet_name,
                                    const char *const *names, size_t n, struct ok_err *err);

/* Cells of the current data row (col < n). Each returns 0 or -1 (err filled: text longer than
 * Excel's 32,767 characters, ...). A cell not written stays empty. */
int xlsx_writer_text(struct xlsx_writer *w, size_t col, const char *utf8, struct ok_err *err);
int xlsx_writer_int(struct xlsx_writer *w, size_t col, int64_t v, struct ok_err *err);
int xlsx_writer_number(struct xlsx_writer *w, size_t col, double v, struct ok_err *err);
/* Money in minor units with `decimals` digits after the point (yen: 0, cents: 2). */
int xlsx_writer_money(struct xlsx_writer *w, size_t col, int64_t minor, int decimals,
                      struct ok_err *err);
/* A date given as days since 1970-01-01. */
int xlsx_writer_date(struct xlsx_writer *w, size_t col, int32_t days, struct ok_err *err);

/* Ends the current row; the next cells go to the next row. */
void xlsx_writer_end_row(struct xlsx_writer *w);

/* Adds the autofilter, writes the file and frees the writer (also on error). Returns 0 or -1. */
int xlsx_writer_close(struct xlsx_writer **w, struct ok_err *err);

/* Frees a writer without finishing the file (after an error). */
void xlsx_writer_abandon(struct xlsx_writer **w);

#endif
