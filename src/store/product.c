/*
 * product.c - storing, reading, updating and listing products.
 */
#include "store/product.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

void product_release(struct product *p)
{
    char **const fields[] = {&p->sku,  &p->name,       &p->category,
                             &p->tags, &p->created_at, &p->updated_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(p, 0, sizeof(*p));
}

int store_product_validate(const struct product *p, struct ok_err *err)
{
    const char *s;
    if (store_check_text(p->sku, "sku", "product sku", 1, 64, err) < 0)
        return -1;
    for (s = p->sku; *s; s++)
        if ((unsigned char)*s <= ' ')
            return store_invalid(err, "sku",
                                 "sku '%.64s' contains a space or control character; use "
                                 "letters, digits and - _ . only",
                                 p->sku);
    if (store_check_text(p->name, "name", "product name", 1, 500, err) < 0 ||
        store_check_text(p->category, "category", "category", 0, 200, err) < 0 ||
        store_check_text(p->tags, "tags", "tags", 0, 1000, err) < 0)
        return -1;
    if (p->has_price && p->price < 0)
        return store_invalid(err, "price", "price %lld is negative; give the list price (>= 0)",
                             (long long)p->price);
    return 0;
}

void product_to_json(const struct product *p, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", p->id);
    json_out_field_string(out, &first, "sku", p->sku);
    json_out_field_string(out, &first, "name", p->name);
    json_out_field_string(out, &first, "category", p->category);
    if (p->has_price)
        json_out_field_i64(out, &first, "price", p->price);
    else
        json_out_field_string(out, &first, "price", NULL);
    json_out_field_string(out, &first, "tags", p->tags ? p->tags : "");
    json_out_field_string(out, &first, "created_at", p->created_at);
    json_out_field_string(out, &first, "updated_at", p->updated_at);
    buf_putc(out, '}');
}

#define SELECT_PRODUCT                                                                             \
    "SELECT id, sku, name, category, price, tags, created_at, updated_at FROM products "

static void read_row(struct db_stmt *st, void *out)
{
    struct product *p = out;
    p->id = db_column_i64(st, 0);
    p->sku = db_column_strdup(st, 1);
    p->name = db_column_strdup(st, 2);
    p->category = db_column_strdup(st, 3);
    p->has_price = !db_column_is_null(st, 4);
    p->price = p->has_price ? db_column_i64(st, 4) : 0;
    p->tags = db_column_strdup(st, 5);
    p->created_at = db_column_strdup(st, 6);
    p->updated_at = db_column_strdup(st, 7);
}

static const char SQL_GET_BY_SKU[] = SELECT_PRODUCT "WHERE sku = ?";
static const char SQL_GET_BY_ID[] = SELECT_PRODUCT "WHERE id = ?";

static const struct store_getter getter = {SQL_GET_BY_SKU,
                                           SQL_GET_BY_ID,
                                           "product",
                                           "with sku",
                                           "; list products with `okaeri product list`",
                                           read_row};

static int get_one(struct db *db, const char *sku, int64_t id, struct product *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    return store_get_row(db, &getter, sku, id, out, err);
}

int store_product_get(struct db *db, const char *sku, struct product *out, struct ok_err *err)
{
    return get_one(db, sku ? sku : "", 0, out, err);
}

int store_product_get_by_id(struct db *db, int64_t id, struct product *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

static void bind_fields(struct db_stmt *st, const struct product *p, const char *now)
{
    db_bind_text(st, 1, p->sku, (size_t)-1);
    db_bind_text(st, 2, p->name, (size_t)-1);
    db_bind_text_or_null(st, 3, p->category);
    if (p->has_price)
        db_bind_i64(st, 4, p->price);
    else
        db_bind_null(st, 4);
    db_bind_text(st, 5, p->tags ? p->tags : "", (size_t)-1);
    db_bind_text(st, 6, now, (size_t)-1);
}

static int sku_conflict(struct ok_err *err, const char *sku)
{
    if (err && err->code == OK_ERR_CONFLICT) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "a product with sku '%.64s' already exists; choose another sku or edit that "
                   "product",
                   sku);
        ok_err_locate(err, "sku", 0);
    }
    return -1;
}

static const char SQL_INSERT[] =
    "INSERT INTO products(sku, name, category, price, tags, updated_at, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_product_create(struct db *db, const struct store_actor *who, struct product *p,
                             struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1;
    if (store_product_validate(p, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, p, now);
    db_bind_text(st, 7, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        sku_conflict(err, p->sku);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    p->id = id;
    store_field_set(&p->created_at, now);
    store_field_set(&p->updated_at, now);
    product_to_json(p, &json);
    if (store_audit(db, who, "create", "product", id, NULL, json.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
    id = -1;
out:
    buf_release(&json);
    return id;
}

static const char SQL_UPDATE[] =
    "UPDATE products SET sku = ?, name = ?, category = ?, price = ?, tags = ?, updated_at = ? "
    "WHERE id = ?";

int store_product_update(struct db *db, const struct store_actor *who, struct product *p,
                         struct ok_err *err)
{
    struct product before;
    struct db_stmt *st = NULL;
    struct buf bj, aj;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    if (store_product_validate(p, err) < 0)
        return -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_product_get_by_id(db, p->id, &before, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, p, now);
    db_bind_i64(st, 7, p->id);
    if (db_step(st, err) < 0) {
        sku_conflict(err, p->sku);
        goto fail;
    }
    db_reset(st);
    store_field_set(&p->created_at, before.created_at);
    store_field_set(&p->updated_at, now);
    product_to_json(&before, &bj);
    product_to_json(p, &aj);
    if (store_audit(db, who, "update", "product", p->id, bj.data, aj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
out:
    product_release(&before);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_product_list(struct db *db, const struct product_query *q,
                       int (*fn)(void *ctx, const struct product *p), void *ctx, struct ok_err *err)
{
    struct buf sql, like;
    struct db_stmt *st = NULL;
    int idx = 1, rc = -1, step;
    int limit = q && q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    buf_init(&like, 0);
    buf_puts(&sql, SELECT_PRODUCT "WHERE 1=1");
    if (q && q->category && *q->category)
        buf_puts(&sql, " AND category = ?");
    if (q && q->search && *q->search) {
        buf_printf(&like, "%%%s%%", q->search);
        buf_puts(&sql, " AND (sku LIKE ? OR name LIKE ?)");
    }
    if (q && q->after_sku && *q->after_sku)
        buf_puts(&sql, " AND sku > ?");
    buf_printf(&sql, " ORDER BY sku LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q && q->category && *q->category)
        db_bind_text(st, idx++, q->category, (size_t)-1);
    if (q && q->search && *q->search) {
        db_bind_text(st, idx++, like.data, like.len);
        db_bind_text(st, idx++, like.data, like.len);
    }
    if (q && q->after_sku && *q->after_sku)
        db_bind_text(st, idx++, q->after_sku, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct product p;
        int stop;
        memset(&p, 0, sizeof(p));
        read_row(st, &p);
        stop = fn(ctx, &p);
        product_release(&p);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    buf_release(&like);
    return rc;
}
