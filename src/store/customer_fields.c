/*
 * customer_fields.c - the bulk scan of customer columns for the automation population.
 */
#include "store/customer_fields.h"

#include <string.h>

#include "core/banned.h"

static const char SQL_FIELDS[] =
    "SELECT id, code, name, name_kana, company, email, tags, attributes, unsubscribed_at, "
    "created_at, owner_id, kind, email_consent FROM customers WHERE id > ? ORDER BY id";

static const char *text_or_null(struct db_stmt *st, int col)
{
    const char *s = db_column_text(st, col);
    return s && *s ? s : NULL;
}

int store_customer_fields_each(struct db *db, int64_t after_id, customer_fields_fn fn, void *ctx,
                               struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, SQL_FIELDS, err);
    struct customer_fields c;
    int step, rc = -1;
    const char *kind;
    if (!st)
        return -1;
    db_bind_i64(st, 1, after_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        memset(&c, 0, sizeof(c));
        c.id = db_column_i64(st, 0);
        c.code = db_column_text(st, 1);
        c.name = text_or_null(st, 2);
        c.name_kana = text_or_null(st, 3);
        c.company = text_or_null(st, 4);
        c.email = text_or_null(st, 5);
        c.tags = text_or_null(st, 6);
        c.attributes = text_or_null(st, 7);
        c.unsubscribed_at = text_or_null(st, 8);
        c.created_at = text_or_null(st, 9);
        c.owner_id = db_column_is_null(st, 10) ? 0 : db_column_i64(st, 10);
        kind = db_column_text(st, 11);
        c.is_company = kind && !strcmp(kind, "company");
        c.email_consent = db_column_i64(st, 12) != 0;
        if (!c.code)
            c.code = "";
        if (fn(ctx, &c))
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    return rc;
}
