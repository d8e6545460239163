/*
 * enrollment_scan.c - the scheduler's scan of active enrollments.
 */
#include "store/enrollment_scan.h"

#include <string.h>

#include "core/banned.h"

static const char SQL_ACTIVE[] =
    "SELECT id, playbook_id, customer_id, deal_id, triggered_on, next_step FROM enrollments "
    "WHERE status = 'active' ORDER BY id";

int store_enrollment_scan_active(struct db *db,
                                 int (*fn)(void *ctx, const struct enrollment_row *e), void *ctx,
                                 struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, SQL_ACTIVE, err);
    struct enrollment_row e;
    int step, rc = -1;
    if (!st)
        return -1;
    while ((step = db_step(st, err)) == DB_ROW) {
        memset(&e, 0, sizeof(e));
        e.id = db_column_i64(st, 0);
        e.playbook_id = db_column_i64(st, 1);
        e.customer_id = db_column_i64(st, 2);
        e.deal_id = db_column_is_null(st, 3) ? 0 : db_column_i64(st, 3);
        e.triggered_on = db_column_text(st, 4);
        e.next_step = (int)db_column_i64(st, 5);
        if (!e.triggered_on)
            e.triggered_on = "";
        if (fn(ctx, &e))
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    return rc;
}
