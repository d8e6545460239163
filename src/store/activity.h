/*
 * activity.h - contact history (接触履歴): every call, e-mail, visit, letter, LINE or SMS
 * exchanged with a customer, who made it, what it was about and how it went.
 *
 * occurred_at is the business's local date-time. Activities may point to the deal or task they
 * belong to; completing a task records one (store/task.h). Activities are listed newest first.
 */
#ifndef OK_STORE_ACTIVITY_H
#define OK_STORE_ACTIVITY_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by activity_release); NULL means empty. */
struct activity {
    int64_t id;
    char *code;          /* optional, the business's own id (imports) */
    char *customer_code; /* required */
    char *user_login;    /* who made the contact; NULL: unknown or the system */
    char *occurred_at;   /* local 'YYYY-MM-DD HH:MM:SS'; any date form accepted */
    char *channel;       /* phone, email, visit, letter, line, sms, other */
    char *direction;     /* in, out (NULL: out) */
    char *subject;
    char *body;
    char *outcome;
    int64_t deal_id; /* 0: none */
    int64_t task_id; /* 0: none */
    char *created_at;
};

void activity_release(struct activity *a);

extern const char *const activity_channels[]; /* NULL-terminated */

/* Checks and normalises the fields (occurred_at rewritten as 'YYYY-MM-DD HH:MM:SS'); does not
 * look up references (create does). */
int store_activity_validate(struct activity *a, struct ok_err *err);

/* Inserts an activity (audited); resolves customer, user, deal and task, failing with
 * OK_ERR_INVALID located at the field when one does not exist; OK_ERR_CONFLICT for a duplicate
 * code. Returns the id and sets a->id. Nests inside a caller's transaction. */
int64_t store_activity_create(struct db *db, const struct store_actor *who, struct activity *a,
                              struct ok_err *err);

/* Reads an activity by id or code into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_activity_get_by_id(struct db *db, int64_t id, struct activity *out, struct ok_err *err);
int store_activity_get(struct db *db, const char *code, struct activity *out, struct ok_err *err);

/* Deletes an activity recorded by mistake (audited with the record as before). */
int store_activity_delete(struct db *db, const struct store_actor *who, int64_t id,
                          struct ok_err *err);

struct activity_query {
    const char *customer_code; /* NULL: all customers */
    const char *user_login;    /* NULL: anyone */
    const char *channel;       /* NULL: any */
    int64_t deal_id;           /* 0: any */
    const char *since;         /* occurred_at >= since (any date form); NULL: no bound */
    const char *until;         /* occurred_at < until */
    /* Cursor (newest first): rows older than (before_at, before_id); both from the last row. */
    const char *before_at;
    int64_t before_id;
    int limit; /* 0: 100 */
};

/* Calls fn for each matching activity, newest first (occurred_at, then id, descending); fn
 * returns non-zero to stop. */
int store_activity_list(struct db *db, const struct activity_query *q,
                        int (*fn)(void *ctx, const struct activity *a), void *ctx,
                        struct ok_err *err);

/* Appends a as JSON: id, code, customer_code, user, occurred_at, channel, direction, subject,
 * body, outcome, deal_id, task_id, created_at. */
void activity_to_json(const struct activity *a, struct buf *out);

#endif
