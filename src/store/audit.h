/*
 * audit.h - reading the audit log: who changed what, when, with the record before and after.
 *
 * Records are written by store_audit() (store.h) in the same transaction as each change; this
 * module only queries them, newest first, with a cursor for paging (before_id).
 */
#ifndef OK_STORE_AUDIT_H
#define OK_STORE_AUDIT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

/* One audit record; strings borrowed during the callback only (NULL when absent). */
struct audit_entry {
    int64_t id;
    const char *at;         /* UTC 'YYYY-MM-DD HH:MM:SS' */
    const char *user_login; /* the user who acted, NULL for the system */
    const char *actor;      /* "cli", "import", "automation", a login ... */
    const char *action;     /* create, update, delete, ... */
    const char *entity;     /* customer, task, setting, ... */
    int64_t entity_id;      /* 0 when none */
    const char *before;     /* JSON text or NULL */
    const char *after;      /* JSON text or NULL */
};

struct audit_query {
    const char *entity;     /* NULL: any */
    int64_t entity_id;      /* 0: any (used with entity) */
    const char *user_login; /* NULL: any */
    const char *action;     /* NULL: any */
    const char *since;      /* at >= since (a date or date-time); NULL: no bound */
    const char *until;      /* at < until; NULL: no bound */
    int64_t before_id;      /* cursor: records with smaller ids; 0: from the newest */
    int limit;              /* 0: 100 */
};

/* Calls fn for each matching record, newest first; fn returns non-zero to stop. Unknown user
 * logins give OK_ERR_INVALID (field "user"); since/until accept any date form. */
int store_audit_list(struct db *db, const struct audit_query *q,
                     int (*fn)(void *ctx, const struct audit_entry *e), void *ctx,
                     struct ok_err *err);

/* Appends e as a JSON object; before/after are embedded as JSON values when they are valid JSON,
 * else as strings. */
void audit_entry_to_json(const struct audit_entry *e, struct buf *out);

#endif
