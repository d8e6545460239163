/*
 * fields.h - small helpers the store modules share for checking and resolving fields.
 *
 * Every store module validates what a user typed the same way: an error names the field
 * (ok_err_locate), says what is wrong and how to fix it; dates are accepted in the forms
 * date_parse reads (2024/1/5, 令和6年1月5日 ...) and rewritten as YYYY-MM-DD; references are given
 * by code or login and resolved to ids here, with a message naming the unknown code.
 */
#ifndef OK_STORE_FIELDS_H
#define OK_STORE_FIELDS_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

/* Replaces an owned string field with a copy of value (NULL or "" clears it to NULL). */
void store_field_set(char **field, const char *value);

/* Frees an array of owned string fields (pointers to members) and sets them to NULL. */
void store_fields_free(char **const *fields, int n);

/* Sets err to OK_ERR_INVALID with a printf message and locates it at field; returns -1. */
int store_invalid(struct ok_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks a text field: required (non-empty) when `required`, valid UTF-8, at most max_bytes.
 * `what` is the human name used in messages ("product name"). */
int store_check_text(const char *value, const char *field, const char *what, int required,
                     size_t max_bytes, struct ok_err *err);

/* Checks that value is one of the NULL-terminated `allowed` words; the message lists them.
 * NULL/"" passes unless required. */
int store_check_enum(const char *value, const char *field, const char *const *allowed, int required,
                     struct ok_err *err);

/* Reads *field as a date in any form date_parse accepts and rewrites it as YYYY-MM-DD. A time
 * part is refused. NULL/"" passes unless required. *days (may be NULL) receives the day. */
int store_norm_date(char **field, const char *name, int required, int32_t *days,
                    struct ok_err *err);

/* Like store_norm_date but for date-times, rewritten as "YYYY-MM-DD HH:MM:SS" (a date alone
 * means 00:00:00). */
int store_norm_datetime(char **field, const char *name, int required, struct ok_err *err);

/* Resolves a customer code / user login / product sku to its id: > 0 found, 0 when the input is
 * NULL or "", -1 with OK_ERR_INVALID located at field when it does not exist (or a db error). */
int64_t store_ref_customer(struct db *db, const char *code, const char *field, struct ok_err *err);
int64_t store_ref_user(struct db *db, const char *login, const char *field, struct ok_err *err);
int64_t store_ref_product(struct db *db, const char *sku, const char *field, struct ok_err *err);
/* A deal, task or other row by id: 1 when it exists, 0 for id 0, -1 with an error otherwise.
 * table must be a literal table name. */
int store_ref_row(struct db *db, const char *table, int64_t id, const char *field,
                  struct ok_err *err);
/* A value of a configurable list ("lost_reasons", "causes", "triggers") by code or label;
 * errors are located at field. */
int64_t store_ref_list(struct db *db, const char *list, const char *code_or_label,
                       const char *field, struct ok_err *err);

/* Like store_ref_list, and rewrites *value (an owned field) to the list's code when a label was
 * given (転居 → moved), so that records keep the canonical code; "" becomes NULL. */
int64_t store_ref_list_code(struct db *db, const char *list, char **value, const char *field,
                            struct ok_err *err);

/* How a store module reads one of its records by key or by id (see store_get_row). */
struct store_getter {
    const char *sql_by_key; /* "... WHERE x.code = ?" */
    const char *sql_by_id;  /* "... WHERE x.id = ?" */
    const char *what;       /* "contract", in messages */
    const char *key_phrase; /* "with code", "named": "no contract with code 'K'" */
    const char *hint;       /* appended to the not-found message for keys, e.g. "; list them
                             * with `okaeri segment list`", or "" */
    void (*read)(struct db_stmt *st, void *out); /* fills out from the row */
};

/* Reads one record into out (which the caller has zeroed): by key when key is not NULL, else by
 * id. 0, or -1 with OK_ERR_NOT_FOUND naming the key or id (or a database error). */
int store_get_row(struct db *db, const struct store_getter *g, const char *key, int64_t id,
                  void *out, struct ok_err *err);

/* Binds an id, or NULL when id <= 0. */
void store_bind_id(struct db_stmt *st, int idx, int64_t id);

/* The current local date-time of the business ("YYYY-MM-DD HH:MM:SS") in time zone tz (NULL:
 * Asia/Tokyo), for business events recorded "now" (a task completed, a contact made). */
void store_now_local(const char *tz, char out[20]);

#endif
