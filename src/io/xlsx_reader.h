/*
 * xlsx_reader.h - a streaming reader for Excel .xlsx workbooks (libzip + expat).
 *
 * An .xlsx file is a zip of XML parts. Opening reads the small parts whole: the workbook (sheet
 * names, the 1904 date system flag), its relationships (which part holds which sheet), the
 * shared strings (plain and rich text; furigana runs <rPh> are not part of the text) and the
 * styles (which cell formats are dates: built-in formats 14-22, 27-36, 45-47, 50-58 and custom
 * formats with date or time letters outside quotes and brackets). The chosen sheet is then parsed
 * as it is decompressed, one row per call, with expat suspended at each row end, so memory does
 * not grow with the number of rows.
 *
 * Rows come as struct io_row (see row.h) like CSV records: cells are UTF-8, sparse cells are
 * filled with empty ones, numbers are the value Excel stores (at most 15 significant digits, as
 * Excel shows them), dates are serial numbers in the 1900 date system flagged
 * IO_CELL_DATE_SERIAL (a 1904 workbook's serials are shifted by 1462 days), booleans are
 * "TRUE"/"FALSE". row.line is the spreadsheet row number.
 */
#ifndef OK_IO_XLSX_READER_H
#define OK_IO_XLSX_READER_H

#include <stddef.h>

#include "core/err.h"
#include "io/row.h"

struct xlsx_reader;

/* Opens the workbook at path and prepares to stream the sheet named `sheet` (NULL: the first
 * sheet). Returns a reader the caller frees with xlsx_reader_free, or NULL with err filled (a
 * damaged or truncated file, not an .xlsx, no such sheet ...). */
struct xlsx_reader *xlsx_reader_open(const char *path, const char *sheet, struct ok_err *err);

/* The same over a workbook in memory; data is borrowed and must outlive the reader. */
struct xlsx_reader *xlsx_reader_open_mem(const void *data, size_t len, const char *sheet,
                                         struct ok_err *err);

/* Reads the next non-empty row. Returns 1 (row filled, borrowed until the next call), 0 at the
 * end of the sheet, -1 on error (err filled, err->input_line = row number when known). */
int xlsx_reader_next(struct xlsx_reader *x, struct io_row *row, struct ok_err *err);

/* 1 if the workbook uses the 1904 date system (serials are already shifted to 1900). */
int xlsx_reader_date1904(const struct xlsx_reader *x);

/* Number of sheets and their names in workbook order (borrowed until xlsx_reader_free). */
size_t xlsx_reader_sheet_count(const struct xlsx_reader *x);
const char *xlsx_reader_sheet_name(const struct xlsx_reader *x, size_t i);

/* 1 if a cell number format code shows a date or time ("yyyy/mm/dd",
 * "[$-411]ggge\"年\"m\"月\"d\"日\"", "h:mm"), 0 for "#,##0", "0.00E+00", "General", "@" ... Exposed
 * for tests. */
int xlsx_format_is_date(const char *code);

/* 1 for the built-in number format ids that are dates or times. */
int xlsx_builtin_format_is_date(int id);

void xlsx_reader_free(struct xlsx_reader **x);

#endif
