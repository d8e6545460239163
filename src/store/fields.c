/*
 * fields.c - checking, normalising and resolving the fields of store records.
 */
#include "store/fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/text.h"
#include "store/store.h"
#include "core/banned.h"

void store_field_set(char **field, const char *value)
{
    char *copy = value && *value ? xstrdup(value) : NULL;
    free(*field);
    *field = copy;
}

void store_fields_free(char **const *fields, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

int store_invalid(struct ok_err *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ok_err_vsetf(err, __FILE__, __LINE__, OK_ERR_INVALID, fmt, ap);
    va_end(ap);
    ok_err_locate(err, field, 0);
    return -1;
}

int store_check_text(const char *value, const char *field, const char *what, int required,
                     size_t max_bytes, struct ok_err *err)
{
    size_t n;
    if (!value || !*value) {
        if (required)
            return store_invalid(err, field, "%s is required", what);
        return 0;
    }
    n = strlen(value);
    if (!text_utf8_valid(value, n))
        return store_invalid(err, field, "%s is not valid UTF-8 text; save the input as UTF-8",
                             what);
    if (n > max_bytes)
        return store_invalid(err, field, "%s is too long (%zu bytes, at most %zu)", what, n,
                             max_bytes);
    return 0;
}

int store_check_enum(const char *value, const char *field, const char *const *allowed, int required,
                     struct ok_err *err)
{
    struct buf list;
    int i;
    if (!value || !*value) {
        if (required)
            return store_invalid(err, field, "%s is required", field);
        return 0;
    }
    for (i = 0; allowed[i]; i++)
        if (!strcmp(value, allowed[i]))
            return 0;
    buf_init(&list, 1024);
    for (i = 0; allowed[i]; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
    store_invalid(err, field, "%s '%.100s' is not valid; use one of: %s", field, value, list.data);
    buf_release(&list);
    return -1;
}

int store_norm_date(char **field, const char *name, int required, int32_t *days, struct ok_err *err)
{
    const char *v = *field;
    int32_t day, secs;
    char iso[11];
    struct ok_err perr;
    if (!v || !*v) {
        if (required)
            return store_invalid(err, name, "%s is required (a date like 2024-01-05)", name);
        return 0;
    }
    if (date_parse_iso(v, strlen(v), &day) < 0) {
        ok_err_clear(&perr);
        if (date_parse(v, strlen(v), &day, &secs, &perr) < 0)
            return store_invalid(err, name, "%s '%.100s' is not a date: %s", name, v, perr.message);
        if (secs != DATE_SECS_NONE)
            return store_invalid(err, name,
                                 "%s '%.100s' has a time of day; give only the date (2024-01-05)",
                                 name, v);
    }
    date_format_iso(day, iso);
    store_field_set(field, iso);
    if (days)
        *days = day;
    return 0;
}

int store_norm_datetime(char **field, const char *name, int required, struct ok_err *err)
{
    const char *v = *field;
    int32_t day, secs;
    char out[20];
    struct ok_err perr;
    if (!v || !*v) {
        if (required)
            return store_invalid(err, name, "%s is required (like 2024-01-05 13:45:00)", name);
        return 0;
    }
    if (date_parse_datetime(v, strlen(v), &day, &secs) < 0) {
        ok_err_clear(&perr);
        if (date_parse(v, strlen(v), &day, &secs, &perr) < 0)
            return store_invalid(err, name, "%s '%.100s' is not a date and time: %s", name, v,
                                 perr.message);
    }
    date_format_datetime(day, secs, out);
    store_field_set(field, out);
    return 0;
}

static int64_t ref_by_text(struct db *db, const char *sql, const char *value, const char *field,
                           const char *what, const char *hint, struct ok_err *err)
{
    int64_t id;
    if (!value || !*value)
        return 0;
    id = store_lookup_id(db, sql, value, err);
    if (id < 0)
        return -1;
    if (id == 0) {
        ok_err_set(err, OK_ERR_INVALID, "no %s '%.100s'; %s", what, value, hint);
        ok_err_locate(err, field, 0);
        return -1;
    }
    return id;
}

static const char SQL_CUSTOMER_BY_CODE[] = "SELECT id FROM customers WHERE code = ?";
static const char SQL_USER_BY_LOGIN[] = "SELECT id FROM users WHERE login = ?";
static const char SQL_PRODUCT_BY_SKU[] = "SELECT id FROM products WHERE sku = ?";

int64_t store_ref_customer(struct db *db, const char *code, const char *field, struct ok_err *err)
{
    return ref_by_text(db, SQL_CUSTOMER_BY_CODE, code, field, "customer with code",
                       "find codes with `okaeri customer list`", err);
}

int64_t store_ref_user(struct db *db, const char *login, const char *field, struct ok_err *err)
{
    return ref_by_text(db, SQL_USER_BY_LOGIN, login, field, "user with login",
                       "list users with `okaeri user list`", err);
}

int64_t store_ref_product(struct db *db, const char *sku, const char *field, struct ok_err *err)
{
    return ref_by_text(db, SQL_PRODUCT_BY_SKU, sku, field, "product with sku",
                       "list products with `okaeri product list`", err);
}

int store_ref_row(struct db *db, const char *table, int64_t id, const char *field,
                  struct ok_err *err)
{
    char sql[128];
    struct db_stmt *st;
    int rc;
    if (id == 0)
        return 0;
    if (id < 0)
        return store_invalid(err, field, "%s must be a positive id", field);
    snprintf(sql, sizeof(sql), "SELECT 1 FROM %s WHERE id = ?", table);
    st = db_prepare(db, sql, err);
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    db_stmt_free(&st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE)
        return store_invalid(err, field, "%s %lld does not exist", field, (long long)id);
    return 1;
}

int64_t store_ref_list(struct db *db, const char *list, const char *code_or_label,
                       const char *field, struct ok_err *err)
{
    int64_t id = store_list_id(db, list, code_or_label, err);
    if (id < 0)
        ok_err_locate(err, field, 0);
    return id;
}

int64_t store_ref_list_code(struct db *db, const char *list, char **value, const char *field,
                            struct ok_err *err)
{
    int64_t id = store_ref_list(db, list, *value, field, err);
    if (id == 0)
        store_field_set(value, NULL);
    if (id > 0) {
        struct buf code;
        buf_init(&code, 256);
        if (store_list_code(db, list, id, &code, err) == 0)
            store_field_set(value, code.data);
        buf_release(&code);
    }
    return id;
}

int store_get_row(struct db *db, const struct store_getter *g, const char *key, int64_t id,
                  void *out, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, key ? g->sql_by_key : g->sql_by_id, err);
    int rc;
    if (!st)
        return -1;
    if (key)
        db_bind_text(st, 1, key, (size_t)-1);
    else
        db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        g->read(st, out);
    db_reset(st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE) {
        if (key)
            ok_err_set(err, OK_ERR_NOT_FOUND, "no %s %s '%.100s'%s", g->what, g->key_phrase, key,
                       g->hint);
        else
            ok_err_set(err, OK_ERR_NOT_FOUND, "no %s with id %lld", g->what, (long long)id);
        return -1;
    }
    return 0;
}

void store_bind_id(struct db_stmt *st, int idx, int64_t id)
{
    if (id > 0)
        db_bind_i64(st, idx, id);
    else
        db_bind_null(st, idx);
}

void store_now_local(const char *tz, char out[20])
{
    int64_t now = date_now_unix();
    int32_t offset = 9 * 3600, days, secs;
    if (date_tz_offset(tz, now, &offset, NULL) < 0)
        offset = 9 * 3600;
    date_from_unix(now, offset, &days, &secs);
    date_format_datetime(days, secs, out);
}
