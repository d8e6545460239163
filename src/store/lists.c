/*
 * lists.c - adding, renaming, deactivating and (when unused) removing configurable list values.
 */
#include "store/lists.h"

#include <stdio.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

/* Each list with the expression counting the records that use value id ?. */
struct list_def {
    const char *name;
    const char *uses_sql;
};

static const struct list_def lists[] = {
    {"lost_reasons", "(SELECT count(*) FROM deals WHERE lost_reason_id = l.id)"},
    {"causes", "((SELECT count(*) FROM customers WHERE cause_id = l.id) + "
               "(SELECT count(*) FROM contracts WHERE end_reason_id = l.id))"},
    {"triggers", "((SELECT count(*) FROM deals WHERE trigger_id = l.id) + "
                 "(SELECT count(*) FROM referrals WHERE trigger_id = l.id))"},
};

static const struct list_def *find_list(const char *list, struct ok_err *err)
{
    size_t i;
    for (i = 0; list && i < sizeof(lists) / sizeof(lists[0]); i++)
        if (!strcmp(list, lists[i].name))
            return &lists[i];
    store_invalid(err, "list", "unknown list '%.40s'; use lost_reasons, causes or triggers",
                  list ? list : "");
    return NULL;
}

int store_lists_known(const char *list)
{
    return find_list(list, NULL) != NULL;
}

void list_item_to_json(const struct list_item *it, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_string(out, &first, "code", it->code);
    json_out_field_string(out, &first, "label_ja", it->label_ja);
    json_out_field_string(out, &first, "label_en", it->label_en);
    json_out_field_i64(out, &first, "sort", it->sort);
    buf_printf(out, ",\"active\":%s", it->active ? "true" : "false");
    json_out_field_i64(out, &first, "uses", it->uses);
    buf_putc(out, '}');
}

/* Runs fn over the rows of sql (id, code, label_ja, label_en, sort, active, uses) bound with
 * the optional code. */
static int each_item(struct db *db, const char *sql, const char *code,
                     int (*fn)(void *ctx, const struct list_item *it), void *ctx,
                     struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    int step, n = 0;
    if (!st)
        return -1;
    if (code)
        db_bind_text(st, 1, code, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct list_item it;
        it.id = db_column_i64(st, 0);
        it.code = db_column_text(st, 1);
        it.label_ja = db_column_text(st, 2);
        it.label_en = db_column_text(st, 3);
        it.sort = db_column_i64(st, 4);
        it.active = (int)db_column_i64(st, 5);
        it.uses = db_column_i64(st, 6);
        n++;
        if (fn(ctx, &it))
            break;
    }
    db_stmt_free(&st);
    return step < 0 ? -1 : n;
}

static void select_sql(char *sql, size_t size, const struct list_def *def, const char *where)
{
    snprintf(sql, size,
             "SELECT l.id, l.code, l.label_ja, l.label_en, l.sort, l.active, %s FROM %s l %s "
             "ORDER BY l.sort, l.id",
             def->uses_sql, def->name, where);
}

int store_lists_items(struct db *db, const char *list, int include_inactive,
                      int (*fn)(void *ctx, const struct list_item *it), void *ctx,
                      struct ok_err *err)
{
    const struct list_def *def = find_list(list, err);
    char sql[512];
    if (!def)
        return -1;
    select_sql(sql, sizeof(sql), def, include_inactive ? "" : "WHERE l.active = 1");
    return each_item(db, sql, NULL, fn, ctx, err) < 0 ? -1 : 0;
}

/* The one item with that code, copied into a JSON text (for the audit log) and its use count. */
struct one_item {
    struct buf json;
    int64_t id, uses;
};

static int keep_one(void *ctx, const struct list_item *it)
{
    struct one_item *o = ctx;
    o->id = it->id;
    o->uses = it->uses;
    list_item_to_json(it, &o->json);
    return 1;
}

static int get_item(struct db *db, const struct list_def *def, const char *code, struct one_item *o,
                    struct ok_err *err)
{
    char sql[512];
    int n;
    buf_reset(&o->json);
    o->id = 0;
    select_sql(sql, sizeof(sql), def, "WHERE l.code = ?");
    n = each_item(db, sql, code ? code : "", keep_one, o, err);
    if (n < 0)
        return -1;
    if (n == 0) {
        ok_err_set(err, OK_ERR_NOT_FOUND, "%s has no value '%.40s'; see `okaeri list %s`",
                   def->name, code ? code : "", def->name);
        ok_err_locate(err, "code", 0);
        return -1;
    }
    return 0;
}

static int code_valid(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;
    if (n == 0 || n > 40)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* Runs a one-off statement with text/NULL parameters (n of them) inside the caller's tx. */
static int run(struct db *db, const char *sql, const char *const *params, int n, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    int i, rc;
    if (!st)
        return -1;
    for (i = 0; i < n; i++)
        db_bind_text(st, i + 1, params[i], (size_t)-1);
    rc = db_step(st, err);
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

int64_t store_lists_add(struct db *db, const struct store_actor *who, const char *list,
                        const char *code, const char *label_ja, const char *label_en,
                        struct ok_err *err)
{
    const struct list_def *def = find_list(list, err);
    struct one_item o;
    char sql[256];
    int64_t id = -1;
    if (!def)
        return -1;
    if (!code_valid(code))
        return store_invalid(err, "code",
                             "code '%.40s' is not valid; use 1 to 40 of a-z, 0-9 and _ (like "
                             "moved_away)",
                             code ? code : "");
    if (store_check_text(label_ja, "label_ja", "Japanese label", 1, 200, err) < 0 ||
        store_check_text(label_en, "label_en", "English label", 0, 200, err) < 0)
        return -1;
    buf_init(&o.json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s(code, label_ja, label_en, sort, active) "
             "SELECT ?, ?, ?, coalesce(max(sort), 0) + 1, 1 FROM %s",
             def->name, def->name);
    {
        const char *params[] = {code, label_ja, label_en && *label_en ? label_en : code};
        if (run(db, sql, params, 3, err) < 0) {
            if (err && err->code == OK_ERR_CONFLICT) {
                ok_err_set(err, OK_ERR_CONFLICT, "%s already has the code '%s'", def->name, code);
                ok_err_locate(err, "code", 0);
            }
            goto fail;
        }
    }
    if (get_item(db, def, code, &o, err) < 0)
        goto fail;
    if (store_audit(db, who, "create", list, o.id, NULL, o.json.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    id = o.id;
    goto out;
fail:
    db_rollback(db);
out:
    buf_release(&o.json);
    return id;
}

/* Applies an UPDATE (params then code) to one value with audit. */
static int change_item(struct db *db, const struct store_actor *who, const struct list_def *def,
                       const char *action, const char *sql, const char *const *params, int n,
                       const char *code, struct ok_err *err)
{
    struct one_item before, after;
    const char *all[4];
    int i, rc = -1;
    buf_init(&before.json, 0);
    buf_init(&after.json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (get_item(db, def, code, &before, err) < 0)
        goto fail;
    for (i = 0; i < n; i++)
        all[i] = params[i];
    all[n] = code;
    if (run(db, sql, all, n + 1, err) < 0)
        goto fail;
    if (get_item(db, def, code, &after, err) < 0)
        goto fail;
    if (store_audit(db, who, action, def->name, before.id, before.json.data, after.json.data, err) <
        0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    buf_release(&before.json);
    buf_release(&after.json);
    return rc;
}

int store_lists_rename(struct db *db, const struct store_actor *who, const char *list,
                       const char *code, const char *label_ja, const char *label_en,
                       struct ok_err *err)
{
    const struct list_def *def = find_list(list, err);
    char sql[200];
    const char *params[2];
    if (!def)
        return -1;
    if ((label_ja && store_check_text(label_ja, "label_ja", "Japanese label", 1, 200, err) < 0) ||
        (label_en && store_check_text(label_en, "label_en", "English label", 1, 200, err) < 0))
        return -1;
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET label_ja = coalesce(?, label_ja), label_en = coalesce(?, label_en) "
             "WHERE code = ?",
             def->name);
    params[0] = label_ja;
    params[1] = label_en;
    return change_item(db, who, def, "rename", sql, params, 2, code, err);
}

int store_lists_set_active(struct db *db, const struct store_actor *who, const char *list,
                           const char *code, int active, struct ok_err *err)
{
    const struct list_def *def = find_list(list, err);
    char sql[200];
    if (!def)
        return -1;
    snprintf(sql, sizeof(sql), "UPDATE %s SET active = %d WHERE code = ?", def->name,
             active ? 1 : 0);
    return change_item(db, who, def, active ? "activate" : "deactivate", sql, NULL, 0, code, err);
}

int store_lists_remove(struct db *db, const struct store_actor *who, const char *list,
                       const char *code, struct ok_err *err)
{
    const struct list_def *def = find_list(list, err);
    struct one_item o;
    char sql[200];
    int rc = -1;
    if (!def)
        return -1;
    buf_init(&o.json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (get_item(db, def, code, &o, err) < 0)
        goto fail;
    if (o.uses > 0) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "'%s' is used by %lld record(s) and cannot be deleted; deactivate it instead "
                   "so that it is no longer offered",
                   code, (long long)o.uses);
        ok_err_locate(err, "code", 0);
        goto fail;
    }
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE code = ?", def->name);
    if (run(db, sql, &code, 1, err) < 0)
        goto fail;
    if (store_audit(db, who, "delete", def->name, o.id, o.json.data, NULL, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    buf_release(&o.json);
    return rc;
}
