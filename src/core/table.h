/*
 * table.h - the result type of every report, and its text / CSV / JSON renderers.
 *
 * Reports in src/analytics build a struct table (typed columns with stable snake_case names,
 * rows of cells that may be NULL, a title and notes); the CLI renders it as an aligned text table,
 * CSV or JSON, and the HTTP layer as JSON, so every consumer sees the same column names and
 * numbers. A NULL cell is "—" in text, empty in CSV and null in JSON: reports store NULL instead
 * of dividing by zero (table_set_ratio does this for them).
 *
 * Money cells hold int64 minor units; the table's money_decimals (0 for yen, 2 for cents) says
 * how to print them. Date cells hold int32 days since 1970-01-01 and print as YYYY-MM-DD.
 * Percent cells hold a ratio (0.31) and print as "31.0%" in text and as the ratio in CSV/JSON.
 */
#ifndef OK_CORE_TABLE_H
#define OK_CORE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum table_type {
    TABLE_INT,    /* int64 */
    TABLE_DOUBLE, /* double; non-finite values are stored as NULL */
    TABLE_MONEY,  /* int64 minor units */
    TABLE_TEXT,   /* UTF-8 string, copied into the table */
    TABLE_DATE,   /* int32 days since 1970-01-01 */
    TABLE_PERCENT /* ratio as double, 0.31 = 31 % */
};

struct table_cell {
    int is_null;
    union {
        int64_t i; /* TABLE_INT, TABLE_MONEY */
        double d;  /* TABLE_DOUBLE, TABLE_PERCENT */
        int32_t day;
        char *s; /* TABLE_TEXT, owned by the table */
    } v;
};

struct table_column {
    char *name; /* stable snake_case name (CSV header, JSON key) */
    enum table_type type;
    int decimals; /* TABLE_DOUBLE digits after the point in text/CSV (default 2) */
};

struct table {
    char *title;        /* may be NULL */
    int money_decimals; /* digits of the minor unit: 0 (yen) .. 4 */
    struct table_column *cols;
    size_t ncols, cols_alloc;
    struct table_cell *cells; /* row-major, nrows * ncols */
    size_t nrows, rows_alloc;
    char **notes;
    size_t nnotes, notes_alloc;
};

/* Creates an empty table (title may be NULL). Caller frees with table_free. */
struct table *table_new(const char *title);
/* Frees the table and everything in it, and sets *t to NULL. */
void table_free(struct table **t);

/* Sets how money cells are printed: decimals of the minor unit (0 yen, 2 cents; 0..4). */
void table_set_money_decimals(struct table *t, int decimals);
/* Adds a column; all columns must be added before the first row. Returns its index. */
size_t table_add_column(struct table *t, const char *name, enum table_type type);
/* Digits after the point for a TABLE_DOUBLE column in text and CSV (JSON prints full precision). */
void table_set_decimals(struct table *t, size_t col, int decimals);
/* Index of the column called name, or -1. */
long table_find_column(const struct table *t, const char *name);
/* Appends a row of NULL cells; returns its index. */
size_t table_add_row(struct table *t);
/* Adds a note (printf-style), printed under the text table and in JSON "notes". */
void table_add_note(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Cell setters; the column's type decides the meaning. Out-of-range row/col abort (a bug). */
void table_set_null(struct table *t, size_t row, size_t col);
void table_set_int(struct table *t, size_t row, size_t col, int64_t v);
void table_set_money(struct table *t, size_t row, size_t col, int64_t minor);
void table_set_double(struct table *t, size_t row, size_t col, double v);
void table_set_percent(struct table *t, size_t row, size_t col, double ratio);
/* num / den as a percent (or double) cell; NULL when den == 0. */
void table_set_ratio(struct table *t, size_t row, size_t col, double num, double den);
void table_set_text(struct table *t, size_t row, size_t col, const char *s);
void table_set_date(struct table *t, size_t row, size_t col, int32_t day);
/* Borrowed pointer to a cell (tests, other renderers). */
const struct table_cell *table_cell(const struct table *t, size_t row, size_t col);

/* Renderers append to out. Text: aligned columns (East-Asian wide characters count as two
 * columns), numbers right-aligned, title above and notes below. CSV: RFC 4180, header row of
 * column names, CRLF line ends. JSON: {"title":..,"columns":[{"name":..,"type":..}],
 * "rows":[{name:value,..}],"notes":[..]}; money as a decimal number in major units. */
void table_render_text(const struct table *t, struct buf *out);
void table_render_csv(const struct table *t, struct buf *out);
void table_render_json(const struct table *t, struct buf *out);

/* Appends s as a JSON string literal (with quotes): escapes '"', '\\' and control characters,
 * U+2028/U+2029, and replaces invalid UTF-8 bytes with U+FFFD so the output is always valid. */
void table_json_escape(struct buf *out, const char *s);
/* Display width of a UTF-8 string in terminal columns (wide characters count 2). */
size_t table_text_width(const char *s);
/* Name of a column type as used in JSON ("int", "double", "money", "text", "date", "percent"). */
const char *table_type_name(enum table_type type);

#endif
