/*
 * customer.c - storing, reading, updating and listing customers.
 */
#include "store/customer.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/text.h"
#include "store/fields.h"
#include "core/banned.h"

void customer_set(char **field, const char *value)
{
    store_field_set(field, value);
}

void customer_release(struct customer *c)
{
    char **fields[] = {&c->code,        &c->kind,       &c->name,       &c->name_kana,
                       &c->company,     &c->email,      &c->phone,      &c->postal_code,
                       &c->address,     &c->birthday,   &c->source,     &c->referred_by_code,
                       &c->owner_login, &c->tags,       &c->attributes, &c->unsubscribed_at,
                       &c->cause_code,  &c->cause_note, &c->created_at, &c->updated_at};
    size_t i;
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
    memset(c, 0, sizeof(*c));
}

/* The message names the value the user gave (v may be "" for messages without one). */
static int invalid_field(struct ok_err *err, const char *field, const char *what, const char *v)
{
    if (*v)
        ok_err_set(err, OK_ERR_INVALID, "'%s': %s", v, what);
    else
        ok_err_set(err, OK_ERR_INVALID, "%s", what);
    ok_err_locate(err, field, 0);
    return -1;
}

int store_customer_validate(struct customer *c, struct ok_err *err)
{
    struct buf b;
    int32_t day;
    int rc = -1;
    buf_init(&b, 4096);
    if (!c->code || !*c->code) {
        invalid_field(err, "code", "customer code is required (the business's own id, e.g. C0001)",
                      "");
        goto out;
    }
    if (strlen(c->code) > 64 || !text_utf8_valid(c->code, strlen(c->code))) {
        invalid_field(err, "code", "customer code is too long or not valid UTF-8 (max 64 bytes)",
                      c->code);
        goto out;
    }
    if (!c->name || !*c->name) {
        invalid_field(err, "name", "customer name is required", "");
        goto out;
    }
    if (c->kind && strcmp(c->kind, "person") && strcmp(c->kind, "company")) {
        invalid_field(err, "kind", "kind is not valid; use person or company", c->kind);
        goto out;
    }
    if (c->email) {
        if (text_email_normalize(&b, c->email, strlen(c->email)) < 0) {
            invalid_field(err, "email", "not an e-mail address (like taro@example.jp)", c->email);
            goto out;
        }
    }
    if (c->phone) {
        buf_reset(&b);
        if (text_phone_normalize(&b, c->phone, strlen(c->phone)) < 0) {
            invalid_field(err, "phone", "not a phone number (like 03-1234-5678)", c->phone);
            goto out;
        }
        customer_set(&c->phone, b.data);
    }
    if (c->postal_code) {
        buf_reset(&b);
        if (text_postal_normalize(&b, c->postal_code, strlen(c->postal_code)) < 0) {
            invalid_field(err, "postal_code", "not a postal code (7 digits, like 150-0001)",
                          c->postal_code);
            goto out;
        }
        customer_set(&c->postal_code, b.data);
    }
    if (c->birthday) {
        if (date_parse_iso(c->birthday, strlen(c->birthday), &day) < 0) {
            struct ok_err derr;
            int32_t secs;
            if (date_parse(c->birthday, strlen(c->birthday), &day, &secs, &derr) < 0) {
                invalid_field(err, "birthday", "birthday is not a date (like 1980-04-01)",
                              c->birthday);
                goto out;
            }
            {
                char iso[11];
                date_format_iso(day, iso);
                customer_set(&c->birthday, iso);
            }
        }
    }
    if (c->attributes) {
        json_error_t jerr;
        json_t *j = json_loads(c->attributes, 0, &jerr);
        int ok = j && json_is_object(j);
        json_decref(j);
        if (!ok) {
            invalid_field(err, "attributes",
                          "attributes must be a JSON object like {\"rank\":\"A\"}", "");
            goto out;
        }
    }
    rc = 0;
out:
    buf_release(&b);
    return rc;
}

/* Folded copies used by search and duplicate detection. */
struct match_keys {
    struct buf name, kana, email, phone;
};

static void match_keys_compute(struct match_keys *m, const struct customer *c)
{
    buf_init(&m->name, 0);
    buf_init(&m->kana, 0);
    buf_init(&m->email, 0);
    buf_init(&m->phone, 0);
    if (c->name)
        text_fold_for_match(&m->name, c->name, strlen(c->name));
    if (c->name_kana)
        text_fold_for_match(&m->kana, c->name_kana, strlen(c->name_kana));
    if (c->email && text_email_normalize(&m->email, c->email, strlen(c->email)) < 0)
        buf_reset(&m->email);
    if (c->phone && text_phone_normalize(&m->phone, c->phone, strlen(c->phone)) < 0)
        buf_reset(&m->phone);
}

static void match_keys_release(struct match_keys *m)
{
    buf_release(&m->name);
    buf_release(&m->kana);
    buf_release(&m->email);
    buf_release(&m->phone);
}

/* Resolves the references a customer names by code into ids; 0 for none. */
static int resolve_refs(struct db *db, const struct customer *c, int64_t *referred_by,
                        int64_t *owner_id, int64_t *cause_id, struct ok_err *err)
{
    *referred_by = *owner_id = *cause_id = 0;
    if (c->referred_by_code) {
        *referred_by = store_lookup_id(db, "SELECT id FROM customers WHERE code = ?",
                                       c->referred_by_code, err);
        if (*referred_by < 0)
            return -1;
        if (*referred_by == 0) {
            ok_err_set(err, OK_ERR_INVALID, "referrer '%s' is not a customer code",
                       c->referred_by_code);
            ok_err_locate(err, "referred_by", 0);
            return -1;
        }
    }
    if (c->owner_login) {
        *owner_id =
            store_lookup_id(db, "SELECT id FROM users WHERE login = ?", c->owner_login, err);
        if (*owner_id < 0)
            return -1;
        if (*owner_id == 0) {
            ok_err_set(err, OK_ERR_INVALID,
                       "owner '%s' is not a user; list users with `okaeri user list`",
                       c->owner_login);
            ok_err_locate(err, "owner", 0);
            return -1;
        }
    }
    if (c->cause_code) {
        *cause_id = store_list_id(db, "causes", c->cause_code, err);
        if (*cause_id < 0) {
            ok_err_locate(err, "cause", 0);
            return -1;
        }
    }
    return 0;
}

/* The columns written by create and update, in bind order 1..22. */
static void bind_fields(struct db_stmt *st, const struct customer *c, const struct match_keys *m,
                        int64_t referred_by, int64_t owner_id, int64_t cause_id)
{
    db_bind_text(st, 1, c->code, (size_t)-1);
    db_bind_text(st, 2, c->kind ? c->kind : "person", (size_t)-1);
    db_bind_text(st, 3, c->name, (size_t)-1);
    db_bind_text_or_null(st, 4, c->name_kana);
    db_bind_text_or_null(st, 5, c->company);
    db_bind_text_or_null(st, 6, c->email);
    db_bind_text_or_null(st, 7, c->phone);
    db_bind_text_or_null(st, 8, c->postal_code);
    db_bind_text_or_null(st, 9, c->address);
    db_bind_text_or_null(st, 10, c->birthday);
    db_bind_text_or_null(st, 11, c->source);
    referred_by ? db_bind_i64(st, 12, referred_by) : db_bind_null(st, 12);
    owner_id ? db_bind_i64(st, 13, owner_id) : db_bind_null(st, 13);
    db_bind_text(st, 14, c->tags ? c->tags : "", (size_t)-1);
    db_bind_text(st, 15, c->attributes ? c->attributes : "{}", (size_t)-1);
    db_bind_i64(st, 16, c->email_consent ? 1 : 0);
    db_bind_text_or_null(st, 17, c->unsubscribed_at);
    cause_id ? db_bind_i64(st, 18, cause_id) : db_bind_null(st, 18);
    db_bind_text_or_null(st, 19, c->cause_note);
    db_bind_text(st, 20, m->name.data, m->name.len);
    db_bind_text(st, 21, m->kana.data, m->kana.len);
    db_bind_text(st, 22, m->email.data, m->email.len);
    db_bind_text(st, 23, m->phone.data, m->phone.len);
}

static const char SQL_INSERT[] =
    "INSERT INTO customers(code, kind, name, name_kana, company, email, phone, postal_code, "
    "address, birthday, source, referred_by, owner_id, tags, attributes, email_consent, "
    "unsubscribed_at, cause_id, cause_note, match_name, match_kana, match_email, match_phone, "
    "created_at, updated_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id";

int64_t store_customer_create(struct db *db, const struct store_actor *who, struct customer *c,
                              struct ok_err *err)
{
    struct match_keys m;
    struct db_stmt *st = NULL;
    int64_t referred_by, owner_id, cause_id, id = -1;
    char now[20];
    struct buf json;
    int rc;
    if (store_customer_validate(c, err) < 0)
        return -1;
    match_keys_compute(&m, c);
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (resolve_refs(db, c, &referred_by, &owner_id, &cause_id, err) < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, c, &m, referred_by, owner_id, cause_id);
    db_bind_text(st, 24, now, (size_t)-1);
    db_bind_text(st, 25, now, (size_t)-1);
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        if (err && err->code == OK_ERR_CONFLICT) {
            ok_err_set(err, OK_ERR_CONFLICT,
                       "a customer with code '%s' already exists; use `okaeri customer edit %s` "
                       "to change it",
                       c->code, c->code);
            ok_err_locate(err, "code", 0);
        }
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    c->id = id;
    c->version = 1;
    customer_set(&c->created_at, now);
    customer_set(&c->updated_at, now);
    customer_to_json(c, &json);
    if (store_audit(db, who, "create", "customer", id, NULL, json.data, err) < 0)
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
    match_keys_release(&m);
    return id;
}

#define SELECT_CUSTOMER                                                                            \
    "SELECT c.id, c.code, c.kind, c.name, c.name_kana, c.company, c.email, c.phone, "              \
    "c.postal_code, c.address, c.birthday, c.source, r.code, u.login, c.tags, c.attributes, "      \
    "c.email_consent, c.unsubscribed_at, ca.code, c.cause_note, c.version, c.created_at, "         \
    "c.updated_at FROM customers c LEFT JOIN customers r ON r.id = c.referred_by "                 \
    "LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN causes ca ON ca.id = c.cause_id "

static void read_row(struct db_stmt *st, struct customer *c)
{
    c->id = db_column_i64(st, 0);
    c->code = db_column_strdup(st, 1);
    c->kind = db_column_strdup(st, 2);
    c->name = db_column_strdup(st, 3);
    c->name_kana = db_column_strdup(st, 4);
    c->company = db_column_strdup(st, 5);
    c->email = db_column_strdup(st, 6);
    c->phone = db_column_strdup(st, 7);
    c->postal_code = db_column_strdup(st, 8);
    c->address = db_column_strdup(st, 9);
    c->birthday = db_column_strdup(st, 10);
    c->source = db_column_strdup(st, 11);
    c->referred_by_code = db_column_strdup(st, 12);
    c->owner_login = db_column_strdup(st, 13);
    c->tags = db_column_strdup(st, 14);
    c->attributes = db_column_strdup(st, 15);
    c->email_consent = (int)db_column_i64(st, 16);
    c->unsubscribed_at = db_column_strdup(st, 17);
    c->cause_code = db_column_strdup(st, 18);
    c->cause_note = db_column_strdup(st, 19);
    c->version = db_column_i64(st, 20);
    c->created_at = db_column_strdup(st, 21);
    c->updated_at = db_column_strdup(st, 22);
}

static int get_one(struct db *db, const char *sql, const char *code, int64_t id,
                   struct customer *out, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, sql, err);
    int rc;
    memset(out, 0, sizeof(*out));
    if (!st)
        return -1;
    if (code)
        db_bind_text(st, 1, code, (size_t)-1);
    else
        db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        read_row(st, out);
    db_reset(st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE) {
        if (code)
            ok_err_set(err, OK_ERR_NOT_FOUND,
                       "no customer with code '%s'; find codes with `okaeri customer list "
                       "--search TEXT`",
                       code);
        else
            ok_err_set(err, OK_ERR_NOT_FOUND, "no customer with id %lld", (long long)id);
        return -1;
    }
    return 0;
}

static const char SQL_GET_BY_CODE[] = SELECT_CUSTOMER "WHERE c.code = ?";
static const char SQL_GET_BY_ID[] = SELECT_CUSTOMER "WHERE c.id = ?";

int store_customer_get(struct db *db, const char *code, struct customer *out, struct ok_err *err)
{
    return get_one(db, SQL_GET_BY_CODE, code, 0, out, err);
}

int store_customer_get_by_id(struct db *db, int64_t id, struct customer *out, struct ok_err *err)
{
    return get_one(db, SQL_GET_BY_ID, NULL, id, out, err);
}

static const char SQL_UPDATE[] =
    "UPDATE customers SET code=?, kind=?, name=?, name_kana=?, company=?, email=?, phone=?, "
    "postal_code=?, address=?, birthday=?, source=?, referred_by=?, owner_id=?, tags=?, "
    "attributes=?, email_consent=?, unsubscribed_at=?, cause_id=?, cause_note=?, match_name=?, "
    "match_kana=?, match_email=?, match_phone=?, updated_at=?, version=version+1 "
    "WHERE id=? AND version=?";

int store_customer_update(struct db *db, const struct store_actor *who, struct customer *c,
                          struct ok_err *err)
{
    struct match_keys m;
    struct customer before;
    struct db_stmt *st = NULL;
    int64_t referred_by, owner_id, cause_id;
    char now[20];
    struct buf before_json, after_json;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    if (store_customer_validate(c, err) < 0)
        return -1;
    match_keys_compute(&m, c);
    buf_init(&before_json, 0);
    buf_init(&after_json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_customer_get_by_id(db, c->id, &before, err) < 0)
        goto fail;
    if (before.version != c->version) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "customer '%s' was changed by someone else (version %lld, you edited %lld); "
                   "reload it and apply your change again",
                   before.code, (long long)before.version, (long long)c->version);
        goto fail;
    }
    if (c->referred_by_code && !strcmp(c->referred_by_code, c->code)) {
        ok_err_set(err, OK_ERR_INVALID, "a customer cannot be their own referrer");
        ok_err_locate(err, "referred_by", 0);
        goto fail;
    }
    if (resolve_refs(db, c, &referred_by, &owner_id, &cause_id, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, c, &m, referred_by, owner_id, cause_id);
    db_bind_text(st, 24, now, (size_t)-1);
    db_bind_i64(st, 25, c->id);
    db_bind_i64(st, 26, c->version);
    if (db_step(st, err) < 0) {
        if (err && err->code == OK_ERR_CONFLICT)
            ok_err_set(err, OK_ERR_CONFLICT, "another customer already has code '%s'", c->code);
        goto fail;
    }
    db_reset(st);
    c->version++;
    customer_set(&c->updated_at, now);
    customer_to_json(&before, &before_json);
    customer_to_json(c, &after_json);
    if (store_audit(db, who, "update", "customer", c->id, before_json.data, after_json.data, err) <
        0)
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
    customer_release(&before);
    buf_release(&before_json);
    buf_release(&after_json);
    match_keys_release(&m);
    return rc;
}

/* A search that looks like (part of) a phone number -- digits with dashes, spaces, brackets,
 * full-width or not -- as the digits to match the start of the normalised phone with. */
static int phone_search_digits(struct buf *out, const char *search)
{
    struct buf nfkc;
    size_t i, digits = 0;
    int rc = 0;
    buf_init(&nfkc, 0);
    text_nfkc(&nfkc, search, strlen(search));
    for (i = 0; i < nfkc.len; i++) {
        char ch = nfkc.data[i];
        if (ch >= '0' && ch <= '9') {
            buf_putc(out, ch);
            digits++;
        } else if (!strchr(" -()+", ch)) {
            rc = -1;
            break;
        }
    }
    buf_release(&nfkc);
    if (rc < 0 || digits < 3) {
        buf_reset(out);
        return -1;
    }
    return 0;
}

/* The exclusive upper bound of the keys that start with prefix, for `col >= prefix AND col <
 * bound`: SQLite compares TEXT byte by byte (BINARY), and 0xFF never occurs in UTF-8, so every
 * key with the prefix sorts below prefix + 0xFF and every other key at or above prefix sorts
 * above it. Unlike LIKE (which SQLite runs through an index only under case_sensitive_like), a
 * range always uses the match_* index, and % or _ typed by the user are not wildcards. */
static void prefix_bound(struct buf *out, const char *prefix, size_t n)
{
    buf_reset(out);
    buf_append(out, prefix, n);
    buf_putc(out, (char)0xFF);
}

/* One search term per indexed key; each is a range (SQLite) or a LIKE prefix (PostgreSQL,
 * whose text_pattern_ops index serves LIKE and whose text must be valid UTF-8). */
static void search_term(struct buf *sql, const char *col, int range)
{
    if (range == 2) /* the unary + keeps SQLite from using the index: scan in code order */
        buf_printf(sql, " OR (+%s >= ? AND +%s < ?)", col, col);
    else if (range)
        buf_printf(sql, " OR (%s >= ? AND %s < ?)", col, col);
    else
        buf_printf(sql, " OR %s LIKE ?", col);
}

static void search_bind(struct db_stmt *st, int *idx, const struct buf *key,
                        const struct buf *bound, const struct buf *like, int range)
{
    if (range) {
        db_bind_text(st, (*idx)++, key->data, key->len);
        db_bind_text(st, (*idx)++, bound->data, bound->len);
    } else {
        db_bind_text(st, (*idx)++, like->data, like->len);
    }
}

/* Above some number of matching keys a search walks the customers in code order and stops at the
 * page's end (the matches are dense, so it reads about limit / density rows); below it, it
 * collects the matches from the match_* indexes and sorts them. Either way a page costs a few
 * milliseconds on a million customers, where one plan alone takes 0.5 s for a prefix such as
 * "090" (a third of all phone numbers) or a full scan for a rare name. */
/* The break-even, from measurement on 100 k and 1 M customers: collecting m matches costs m
 * random row reads, walking costs about limit * N / m mostly sequential ones, about four times
 * cheaper; so walk when m > sqrt(limit * N / 4). N is taken as max(id): no count(*) scan. */
static int64_t search_dense_keys(struct db *db, int limit, struct ok_err *err)
{
    int64_t n = 0, k;
    if (db_query_i64(db, "SELECT coalesce(max(id), 0) FROM customers", &n, err) < 0)
        return -1;
    k = (int64_t)sqrt((double)limit * (double)n / 4.0);
    return k < 200 ? 200 : k > 20000 ? 20000 : k;
}

/* How many keys the search terms match, counting each term up to cap. */
#define SEARCH_COUNT(col)                                                                          \
    " + (SELECT count(*) FROM (SELECT 1 FROM customers WHERE " col " >= ? AND " col " < ? "        \
    "LIMIT ?))"
/* Static texts: db_cached keys statements by the SQL pointer. */
static const char SQL_SEARCH_KEYS3[] =
    "SELECT 0" SEARCH_COUNT("match_name") SEARCH_COUNT("match_kana") SEARCH_COUNT("match_email");
static const char SQL_SEARCH_KEYS4[] = "SELECT 0" SEARCH_COUNT("match_name")
    SEARCH_COUNT("match_kana") SEARCH_COUNT("match_email") SEARCH_COUNT("match_phone");

static int search_keys(struct db *db, const struct buf *key, const struct buf *bound,
                       const struct buf *phone, const struct buf *phone_bound, int64_t cap,
                       int64_t *n, struct ok_err *err)
{
    struct db_stmt *st;
    int i, idx = 1, k = phone->len ? 4 : 3, rc;
    st = db_cached(db, k == 4 ? SQL_SEARCH_KEYS4 : SQL_SEARCH_KEYS3, err);
    if (!st)
        return -1;
    for (i = 0; i < k; i++) {
        const struct buf *a = i == 3 ? phone : key, *b = i == 3 ? phone_bound : bound;
        db_bind_text(st, idx++, a->data, a->len);
        db_bind_text(st, idx++, b->data, b->len);
        db_bind_i64(st, idx++, cap);
    }
    rc = db_step(st, err);
    *n = rc == DB_ROW ? db_column_i64(st, 0) : 0;
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

int store_customer_list(struct db *db, const struct customer_query *q,
                        int (*fn)(void *ctx, const struct customer *c), void *ctx,
                        struct ok_err *err)
{
    struct buf sql, folded, like, bound, phone, phone_bound, phone_like;
    struct db_stmt *st = NULL;
    int idx = 1, rc = -1, step, has_phone = 0;
    int range = db_engine_of(db) == DB_ENGINE_SQLITE;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    buf_init(&folded, 0);
    buf_init(&like, 0);
    buf_init(&bound, 0);
    buf_init(&phone, 0);
    buf_init(&phone_bound, 0);
    buf_init(&phone_like, 0);
    buf_puts(&sql, SELECT_CUSTOMER "WHERE 1=1");
    if (q->search && *q->search) {
        text_fold_for_match(&folded, q->search, strlen(q->search));
        buf_printf(&like, "%s%%", folded.data);
        prefix_bound(&bound, folded.data, folded.len);
        has_phone = phone_search_digits(&phone, q->search) == 0;
        if (has_phone) {
            prefix_bound(&phone_bound, phone.data, phone.len);
            buf_printf(&phone_like, "%s%%", phone.data);
        }
        if (range) {
            int64_t keys, dense = search_dense_keys(db, limit, err);
            if (dense < 0 ||
                search_keys(db, &folded, &bound, &phone, &phone_bound, dense, &keys, err) < 0)
                goto out;
            if (keys >= dense)
                range = 2;
        }
        /* The code is matched as typed; each other term is an index range on its folded key,
         * so SQLite answers with one index probe per term (a MULTI-INDEX OR). */
        buf_puts(&sql, " AND (c.code = ?");
        search_term(&sql, "c.match_name", range);
        search_term(&sql, "c.match_kana", range);
        search_term(&sql, "c.match_email", range);
        if (has_phone)
            search_term(&sql, "c.match_phone", range);
        buf_putc(&sql, ')');
    }
    if (q->owner_login && *q->owner_login)
        buf_puts(&sql,
                 strcmp(q->owner_login, "-") ? " AND u.login = ?" : " AND c.owner_id IS NULL");
    if (q->after_code && *q->after_code)
        buf_puts(&sql, " AND c.code > ?");
    buf_printf(&sql, " ORDER BY c.code LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q->search && *q->search) {
        db_bind_text(st, idx++, q->search, (size_t)-1);
        search_bind(st, &idx, &folded, &bound, &like, range);
        search_bind(st, &idx, &folded, &bound, &like, range);
        search_bind(st, &idx, &folded, &bound, &like, range);
        if (has_phone)
            search_bind(st, &idx, &phone, &phone_bound, &phone_like, range);
    }
    if (q->owner_login && *q->owner_login && strcmp(q->owner_login, "-"))
        db_bind_text(st, idx++, q->owner_login, (size_t)-1);
    if (q->after_code && *q->after_code)
        db_bind_text(st, idx++, q->after_code, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct customer c;
        int stop;
        memset(&c, 0, sizeof(c));
        read_row(st, &c);
        stop = fn(ctx, &c);
        customer_release(&c);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    buf_release(&folded);
    buf_release(&like);
    buf_release(&bound);
    buf_release(&phone);
    buf_release(&phone_bound);
    buf_release(&phone_like);
    return rc;
}

int store_customer_count(struct db *db, int64_t *count, struct ok_err *err)
{
    return db_query_i64(db, "SELECT count(*) FROM customers", count, err) < 0 ? -1 : 0;
}

void customer_to_json(const struct customer *c, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_string(out, &first, "code", c->code);
    json_out_field_string(out, &first, "kind", c->kind ? c->kind : "person");
    json_out_field_string(out, &first, "name", c->name);
    json_out_field_string(out, &first, "name_kana", c->name_kana);
    json_out_field_string(out, &first, "company", c->company);
    json_out_field_string(out, &first, "email", c->email);
    json_out_field_string(out, &first, "phone", c->phone);
    json_out_field_string(out, &first, "postal_code", c->postal_code);
    json_out_field_string(out, &first, "address", c->address);
    json_out_field_string(out, &first, "birthday", c->birthday);
    json_out_field_string(out, &first, "source", c->source);
    json_out_field_string(out, &first, "referred_by", c->referred_by_code);
    json_out_field_string(out, &first, "owner", c->owner_login);
    json_out_field_string(out, &first, "tags", c->tags ? c->tags : "");
    buf_puts(out, ",\"attributes\":");
    buf_puts(out, c->attributes ? c->attributes : "{}");
    buf_printf(out, ",\"email_consent\":%s", c->email_consent ? "true" : "false");
    json_out_field_string(out, &first, "unsubscribed_at", c->unsubscribed_at);
    json_out_field_string(out, &first, "cause", c->cause_code);
    json_out_field_string(out, &first, "cause_note", c->cause_note);
    json_out_field_i64(out, &first, "version", c->version);
    json_out_field_string(out, &first, "created_at", c->created_at);
    json_out_field_string(out, &first, "updated_at", c->updated_at);
    buf_putc(out, '}');
}
