/*
 * row.h - the row shape shared by every table reader of the import layer.
 *
 * CSV, TSV and .xlsx readers all hand out a struct io_row: an array of cells, each a UTF-8 slice
 * (NUL-terminated, so that strtol and friends can be used on it) with a few flags saying what the
 * source knew about the value (an .xlsx cell formatted as a date, a number, a boolean ...). The
 * import pipeline therefore treats every format alike. Cells and their text are owned by the
 * reader and valid until the next call that reads a row or until the reader is freed.
 */
#ifndef OK_IO_ROW_H
#define OK_IO_ROW_H

#include <stddef.h>

/* Cell flags. */
enum {
    IO_CELL_DATE_SERIAL = 1 << 0, /* xlsx: a number formatted as a date/time; the text is an Excel
                                   * serial in the 1900 date system (1904 workbooks are shifted) */
    IO_CELL_NUMBER = 1 << 1,      /* xlsx: a numeric cell (text is the number as Excel shows it) */
    IO_CELL_BOOL = 1 << 2,        /* xlsx: a boolean cell, text "TRUE" or "FALSE" */
    IO_CELL_ERROR = 1 << 3,       /* xlsx: an error cell, text such as "#N/A" */
    IO_CELL_QUOTED = 1 << 4       /* csv: the field was quoted in the file */
};

struct io_cell {
    const char *s; /* UTF-8, NUL-terminated at s[len]; never NULL */
    size_t len;
    unsigned flags;
};

struct io_row {
    struct io_cell *cells; /* borrowed from the reader */
    size_t n;
    long line; /* CSV: physical line (1-based) where the record starts; xlsx: the row number */
};

#endif
