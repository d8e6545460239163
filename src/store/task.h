/*
 * task.h - follow-ups for people (today's calls, visits, letters): assigned to a user or left
 * in a team queue, due on a date, completed with an outcome.
 *
 * Playbooks create tasks for the steps a person must do (enrollment_id + step_no, unique, so
 * running automation twice creates nothing twice). Tasks carry a `version`: every change
 * checks the version the editor saw and fails with OK_ERR_CONFLICT if someone else changed the
 * task meanwhile. Completing a task records the contact as an activity in the same
 * transaction, so the customer's history shows it.
 */
#ifndef OK_STORE_TASK_H
#define OK_STORE_TASK_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by task_release); NULL means empty. */
struct task {
    int64_t id;
    char *customer_code; /* NULL: not about one customer */
    char *assignee;      /* user login; NULL: the team queue picks it up */
    char *queue;         /* team queue name (NULL: "team") */
    char *title;         /* required */
    char *body;
    char *channel; /* phone, email, visit, letter, line, sms, other; NULL: unspecified */
    char *due_on;  /* YYYY-MM-DD, required; any date form accepted */
    char *status;  /* open, done, cancelled (NULL: open) */
    char *outcome;
    char *snoozed_until; /* YYYY-MM-DD: hidden from "actionable" lists until then */
    int64_t deal_id;
    int64_t enrollment_id;
    int step_no;   /* with enrollment_id */
    char *done_at; /* local date-time when completed */
    int64_t version;
    char *created_at;
    char *updated_at;
};

void task_release(struct task *t);

/* Checks and normalises the fields (dates to YYYY-MM-DD). */
int store_task_validate(struct task *t, struct ok_err *err);

/* Inserts a task (audited), resolving customer and assignee; OK_ERR_CONFLICT when a task for
 * the same enrollment step exists. Returns the id; sets t->id and t->version = 1. */
int64_t store_task_create(struct db *db, const struct store_actor *who, struct task *t,
                          struct ok_err *err);

/* Reads task id into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_task_get(struct db *db, int64_t id, struct task *out, struct ok_err *err);

/* Writes the editable fields of t (customer, assignee, queue, title, body, channel, due_on,
 * snoozed_until, deal_id) over task t->id if its version is still t->version (else
 * OK_ERR_CONFLICT); t->version is incremented. Status changes go through complete/cancel. */
int store_task_update(struct db *db, const struct store_actor *who, struct task *t,
                      struct ok_err *err);

/* Completes an open task seen at `version` with an outcome (required text: what happened).
 * When the task is about a customer, records an activity (channel of the task or "other",
 * subject = title, the outcome, user = the acting user or else the assignee, deal and task
 * linked) in the same transaction. occurred_at: the local date-time of the contact, NULL for
 * now in the database's time zone. Returns the activity id (0 when none), or -1. */
int64_t store_task_complete(struct db *db, const struct store_actor *who, int64_t id,
                            int64_t version, const char *outcome, const char *occurred_at,
                            struct ok_err *err);

/* Cancels an open task (outcome optional: why). */
int store_task_cancel(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                      const char *outcome, struct ok_err *err);

/* Hides an open task until a date (any form; NULL/"" un-snoozes). */
int store_task_snooze(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                      const char *until, struct ok_err *err);

/* Gives an open task to user `assignee` (NULL/"": to the team queue) and optionally moves it to
 * another queue (NULL: keep). */
int store_task_reassign(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                        const char *assignee, const char *queue, struct ok_err *err);

struct task_query {
    const char *assignee;      /* login; "-": unassigned (team queue) only; NULL: anyone */
    const char *queue;         /* NULL: any */
    const char *status;        /* open, done, cancelled; NULL: any */
    const char *customer_code; /* NULL: any */
    const char *due_from;      /* due_on >= (any date form) */
    const char *due_to;        /* due_on <= */
    const char *as_of;         /* actionable on that day: open, due_on <= as_of and not
                                  snoozed past it ("today's follow-ups") */
    /* Cursor: rows after (after_due, after_id) in due order; both from the last row. */
    const char *after_due;
    int64_t after_id;
    int limit; /* 0: 100 */
};

/* Calls fn for each matching task in (due_on, id) order; fn returns non-zero to stop. */
int store_task_list(struct db *db, const struct task_query *q,
                    int (*fn)(void *ctx, const struct task *t), void *ctx, struct ok_err *err);

/* Appends t as JSON with the canonical names (customer_code, assignee, queue, title, ...). */
void task_to_json(const struct task *t, struct buf *out);

#endif
