/*
 * store.h - what all store modules share: who is acting, the audit log, timestamps and the
 * lookup of small configurable lists.
 *
 * The store is the only layer with SQL (besides db/). Each entity has its module
 * (store/customer.c, store/order.c, ...) with create/read/update/delete and the queries the
 * CLI and the API need. Every change goes through a store function that also records it in
 * the audit log, in the same transaction.
 */
#ifndef OK_STORE_STORE_H
#define OK_STORE_STORE_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

/* Who is making a change: a logged-in user (user_id > 0) or the system ("cli", "import",
 * "automation", "demo"). Borrowed by store functions for the duration of a call. */
struct store_actor {
    int64_t user_id; /* 0 when not a user */
    const char *name;
};

/* Writes the current UTC time as 'YYYY-MM-DD HH:MM:SS' (20 bytes with the NUL). */
void store_now_utc(char out[20]);

/* Appends an audit record: action ("create", "update", "delete", "merge", ...), entity
 * ("customer"), its id, and before/after as JSON text (either may be NULL). */
int store_audit(struct db *db, const struct store_actor *who, const char *action,
                const char *entity, int64_t entity_id, const char *before_json,
                const char *after_json, struct ok_err *err);

/* The configurable lists: "lost_reasons", "causes", "triggers". Looks up a code or a label
 * (Japanese or English, as users type them) and returns its id, 0 when empty input, or -1 with
 * an error that lists the valid codes. */
int64_t store_list_id(struct db *db, const char *list, const char *code_or_label,
                      struct ok_err *err);
/* The code of an id in a list into out ("" when id is 0 or unknown). */
int store_list_code(struct db *db, const char *list, int64_t id, struct buf *out,
                    struct ok_err *err);

/* Runs `sql` with one text parameter and returns the first column as an id: >0 found, 0 none,
 * -1 error. For small lookups by code. */
int64_t store_lookup_id(struct db *db, const char *sql, const char *param, struct ok_err *err);

/* Calls fn(key, value) for every row of the settings table, in key order; fn returns 0 to go
 * on or -1 (with err) to stop with an error. */
int store_settings_each(struct db *db,
                        int (*fn)(void *ctx, const char *key, const char *value,
                                  struct ok_err *err),
                        void *ctx, struct ok_err *err);

#endif
