/*
 * copy.h - copying a whole okaeri database to another one, on the same or another engine
 * (`okaeri copy --from shop.db --to postgresql://...` when a business outgrows SQLite).
 *
 * Table by table in foreign-key order, ids kept, every column as its declared type (integers as
 * integers, reals bit for bit, text as is). The source is read in one snapshot; the destination
 * is written in one transaction (COPY on PostgreSQL), so a failed copy leaves it as it was. The
 * destination must be an okaeri database at the same schema version with no data of its own
 * (a fresh `okaeri init`: its default lists and settings are replaced by the source's).
 */
#ifndef OK_STORE_COPY_H
#define OK_STORE_COPY_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

struct copy_stats {
    int tables;
    int64_t rows;
};

/* Called after each table with its name and row count (may be NULL). */
typedef void (*copy_progress_fn)(void *ctx, const char *table, int64_t rows);

/* Copies every table of `from` into `to`. Both must be at the current schema (migrate_check).
 * Fills *stats (may be NULL). Returns 0, or -1 with err (OK_ERR_CONFLICT when the destination
 * already holds data). */
int store_copy(struct db *from, struct db *to, copy_progress_fn progress, void *ctx,
               struct copy_stats *stats, struct ok_err *err);

#endif
