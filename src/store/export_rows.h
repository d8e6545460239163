/*
 * export_rows.h - the queries behind `okaeri export KIND`: every record of a kind as rows of
 * canonical columns (the same names imports read, docs/import.md), codes instead of ids.
 *
 * The rows come in an order that makes the file re-importable unchanged: customers by code,
 * order lines by order code and line number (so that an order's lines keep their numbers), the
 * others by code or id.
 */
#ifndef OK_STORE_EXPORT_ROWS_H
#define OK_STORE_EXPORT_ROWS_H

#include <stddef.h>

#include "core/err.h"
#include "db/db.h"

/* How a column's text is to be read: the writer turns money into major units, dates and
 * date-times into date cells or text. */
enum export_type {
    EXPORT_TEXT,
    EXPORT_INT,
    EXPORT_MONEY,    /* integer minor units */
    EXPORT_DATE,     /* 'YYYY-MM-DD' */
    EXPORT_DATETIME, /* 'YYYY-MM-DD HH:MM:SS' */
    EXPORT_BOOL      /* 0 / 1 */
};

struct export_column {
    const char *name;
    enum export_type type;
};

/* The columns of a kind ("customers", "orders", …; NULL for an unknown kind), *n their count.
 * Static data. */
const struct export_column *store_export_columns(const char *kind, size_t *n);

/* Prepares the query of a kind: its result columns are those of store_export_columns, in that
 * order. Caller frees the statement. */
struct db_stmt *store_export_prepare(struct db *db, const char *kind, struct ok_err *err);

#endif
