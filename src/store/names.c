/*
 * names.c - the id → name scans.
 */
#include "store/names.h"

#include "core/banned.h"

static const char *const scan_sql[] = {
    [STORE_NAMES_CUSTOMERS] = "SELECT id, code FROM customers ORDER BY id",
    [STORE_NAMES_USERS] = "SELECT id, login FROM users ORDER BY id",
    [STORE_NAMES_CAUSES] = "SELECT id, code FROM causes ORDER BY id",
    [STORE_NAMES_LOST_REASONS] = "SELECT id, code FROM lost_reasons ORDER BY id",
    [STORE_NAMES_TRIGGERS] = "SELECT id, code FROM triggers ORDER BY id",
    [STORE_NAMES_PRODUCTS] = "SELECT id, sku FROM products ORDER BY id",
};

int store_names_scan(struct db *db, enum store_names_kind kind,
                     int (*fn)(void *ctx, int64_t id, const char *name), void *ctx,
                     struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, scan_sql[kind], err);
    int rc;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (fn(ctx, db_column_i64(st, 0), db_column_text(st, 1)) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}
