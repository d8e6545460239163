/*
 * columns.h - which column of an imported file feeds which field.
 *
 * Each import KIND (customers, orders, deals, contracts, referrals, activities, feedback,
 * products) has canonical column names, the same in import, export, docs and the API, some of
 * them required, and Japanese and English aliases ("顧客ID", "会員番号", "CustomerID" -> code;
 * "氏名", "お名前" -> name; "伝票番号", "InvoiceNo" -> order_code ...). Headers are compared after
 * NFKC, case, kana-type and space folding (text_fold_for_match) with "_", "-", ".", "*" and "※"
 * removed, so "Ｅ－ｍａｉｌ", "e_mail" and "E-Mail" are the same; a header with a trailing
 * remark in parentheses ("金額（税込）") matches when nothing matches it exactly. When several
 * columns match one field, the one whose alias comes first in the field's list wins and the
 * others are reported as duplicates. `--map FIELD=COLUMN` overrides the automatic choice
 * ("FIELD=" leaves the field unmapped). Columns that feed no field are reported, not dropped:
 * the pipeline can keep them aside. A missing required column is an error naming it and listing
 * the headers found.
 */
#ifndef OK_IO_COLUMNS_H
#define OK_IO_COLUMNS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "io/row.h"

enum io_kind {
    IO_KIND_CUSTOMERS,
    IO_KIND_ORDERS,
    IO_KIND_DEALS,
    IO_KIND_CONTRACTS,
    IO_KIND_REFERRALS,
    IO_KIND_ACTIVITIES,
    IO_KIND_FEEDBACK,
    IO_KIND_PRODUCTS,
    IO_KIND_COUNT
};

struct io_field_def {
    const char *name;           /* canonical column name */
    int required;               /* 0 optional, 1 required, >1: one of the fields of this group */
    const char *const *aliases; /* NULL-terminated, best first */
};

/* "customers", "orders", ... */
const char *io_kind_name(enum io_kind kind);
/* Parses a kind name; returns 0 or -1 (err lists the kinds). */
int io_kind_parse(const char *name, enum io_kind *kind, struct ok_err *err);

/* The fields of a kind, in canonical (export) order; *n gets their count. Static data. */
const struct io_field_def *io_kind_fields(enum io_kind kind, size_t *n);
/* Index of a canonical field name in io_kind_fields, or -1. */
int io_kind_field_index(enum io_kind kind, const char *name);

/* Why a column is not used. */
enum column_status { COLUMN_USED, COLUMN_UNKNOWN, COLUMN_DUPLICATE, COLUMN_OVERRIDDEN };

struct column_map {
    enum io_kind kind;
    size_t nfields;
    int *field_col; /* per field: input column (0-based) or -1 */
    size_t ncols;
    char **headers;             /* the header texts as written (owned copies) */
    enum column_status *status; /* per column */
    int *col_field;             /* per column: a field it feeds or matched (for duplicates), -1 */
};

/* Builds the map of `kind` from the header row. maps[0..nmaps) are "FIELD=COLUMN" overrides
 * (COLUMN: the header text, folded or not, or a 1-based column number). Returns 0, or -1 with
 * err filled: an unknown FIELD or COLUMN in an override, or required columns missing ("missing
 * required column(s) for orders: order_code, ordered_at; found: ..."). On error the map is
 * released. */
int column_map_build(struct column_map *m, enum io_kind kind, const struct io_row *header,
                     const char *const *maps, size_t nmaps, struct ok_err *err);
void column_map_release(struct column_map *m);

/* The cell that feeds field f in row (NULL when the field is unmapped or the row is short).
 * Borrowed from the row. */
const struct io_cell *column_map_cell(const struct column_map *m, const struct io_row *row,
                                      int field);

/* Appends one line per column that feeds nothing ("column 7 \"Country\": not a orders field,
 * kept aside"); appends nothing when every column is used. Returns the number of such columns. */
size_t column_map_describe_unused(const struct column_map *m, struct buf *out);

/* Number of header cells that match a field of kind: used to find the header row when a file
 * has title lines above it. */
size_t columns_match_count(enum io_kind kind, const struct io_row *row);

/* Appends the folded match key of a header (exposed for tests). */
void columns_fold_header(struct buf *out, const char *s, size_t n);

#endif
