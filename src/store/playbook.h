/*
 * playbook.h - playbooks (自動営業の手順): what to do, step by step, after an event, and the
 * enrollments of customers in them.
 *
 * A playbook starts on a trigger (first purchase, deal lost with reason R, became sleeping or
 * dead, contract ending in N days, entered segment S, a need met, or manually), runs its steps at
 * day offsets from the trigger (an e-mail okaeri sends, or a task for a person by phone, visit,
 * letter, LINE, SMS), and lets a customer go when its exit rule holds. An enrollment is one
 * customer in one playbook for one trigger occurrence (trigger_key, e.g. the deal id or the
 * date the customer became sleeping); the unique (playbook, customer, trigger_key) makes
 * enrolling idempotent, so that running automation twice does nothing twice. Running the steps
 * is the automation layer's job; this module stores.
 */
#ifndef OK_STORE_PLAYBOOK_H
#define OK_STORE_PLAYBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* One step; strings owned by the playbook. */
struct playbook_step {
    int step_no;     /* 1.. in order */
    int offset_days; /* days after the trigger, >= 0, not decreasing along the steps */
    char *channel;   /* email, phone, visit, letter, line, sms */
    char *subject;
    char *body;          /* template with placeholders, filled by automation */
    char *assignee_rule; /* "owner", "queue:NAME" or "user:LOGIN" (NULL: owner) */
};

/* Strings and steps owned by the struct (freed by playbook_release); NULL means empty. */
struct playbook {
    int64_t id;
    char *name; /* unique, required */
    char *description;
    char *trigger_kind; /* first_purchase, deal_lost, became_sleeping, became_dead,
                           contract_ending, entered_segment, need_met, manual */
    char *trigger_arg;  /* deal_lost: lost reason code (NULL: any reason); contract_ending:
                           days before the end; entered_segment: segment name; need_met:
                           optional keyword; others: none */
    char *exit_rule;    /* bought_again, deal_won, left_segment, none (NULL: bought_again) */
    int active;
    struct playbook_step *steps;
    int n_steps;
    size_t steps_cap;
    char *created_at;
    char *updated_at;
};

void playbook_release(struct playbook *p);

/* Appends a step (copies the strings); step_no is its position. */
void playbook_add_step(struct playbook *p, int offset_days, const char *channel,
                       const char *subject, const char *body, const char *assignee_rule);

extern const char *const playbook_trigger_kinds[]; /* NULL-terminated */
extern const char *const playbook_step_channels[]; /* NULL-terminated */

/* Checks the playbook and its steps (err->field like "trigger_arg" or "steps[2].channel");
 * normalises the lost reason of deal_lost to its code when db is not NULL, and checks that
 * segments and users named exist. */
int store_playbook_validate(struct db *db, struct playbook *p, struct ok_err *err);

/* Inserts a playbook with its steps (audited, one transaction); OK_ERR_CONFLICT for a
 * duplicate name. Returns the id; sets p->id. */
int64_t store_playbook_create(struct db *db, const struct store_actor *who, struct playbook *p,
                              struct ok_err *err);

/* Reads a playbook with its steps by name or id into *out (caller releases). */
int store_playbook_get(struct db *db, const char *name, struct playbook *out, struct ok_err *err);
int store_playbook_get_by_id(struct db *db, int64_t id, struct playbook *out, struct ok_err *err);

/* Writes p (header and the whole list of steps) over playbook p->id (audited). Active
 * enrollments keep their next_step number. */
int store_playbook_update(struct db *db, const struct store_actor *who, struct playbook *p,
                          struct ok_err *err);

/* Switches a playbook on or off by name. */
int store_playbook_set_active(struct db *db, const struct store_actor *who, const char *name,
                              int active, struct ok_err *err);

struct playbook_query {
    const char *trigger_kind; /* NULL: any */
    int active_only;
    const char *after_name; /* cursor */
    int limit;              /* 0: 100 */
};

/* Calls fn for each matching playbook (with its steps) in name order; fn returns non-zero to
 * stop. */
int store_playbook_list(struct db *db, const struct playbook_query *q,
                        int (*fn)(void *ctx, const struct playbook *p), void *ctx,
                        struct ok_err *err);

/* Appends p as JSON with its steps: {"name",...,"steps":[{"step_no",...}]}. */
void playbook_to_json(const struct playbook *p, struct buf *out);

/* ---- enrollments ---- */

/* Strings owned by the struct (freed by enrollment_release). */
struct enrollment {
    int64_t id;
    char *playbook; /* playbook name */
    char *customer_code;
    int64_t deal_id;    /* 0: none */
    char *trigger_key;  /* what occurrence of the trigger, e.g. "deal:42", "2024-05-01" */
    char *triggered_on; /* YYYY-MM-DD: step offsets count from here */
    char *status;       /* active, completed, exited */
    int next_step;      /* the step to run next, 1.. */
    char *exit_reason;
    char *created_at;
    char *updated_at;
};

void enrollment_release(struct enrollment *e);

/* Enrolls e->customer_code in e->playbook for trigger_key (status active, next_step 1). When
 * the same (playbook, customer, trigger_key) is already enrolled, changes nothing and returns
 * its id with *created = 0; else *created = 1 (created may be NULL). Refuses inactive
 * playbooks. Returns the id or -1. */
int64_t store_enrollment_create(struct db *db, const struct store_actor *who, struct enrollment *e,
                                int *created, struct ok_err *err);

/* Reads enrollment id into *out (caller releases). */
int store_enrollment_get(struct db *db, int64_t id, struct enrollment *out, struct ok_err *err);

/* Moves an active enrollment to next_step (> its current one); past the playbook's last step it
 * becomes completed. */
int store_enrollment_advance(struct db *db, const struct store_actor *who, int64_t id,
                             int next_step, struct ok_err *err);

/* Ends an active enrollment early (status exited) with a reason ("bought_again", "manual" ...). */
int store_enrollment_exit(struct db *db, const struct store_actor *who, int64_t id,
                          const char *reason, struct ok_err *err);

struct enrollment_query {
    const char *playbook;      /* name; NULL: any */
    const char *customer_code; /* NULL: any */
    const char *status;        /* NULL: any */
    int64_t after_id;          /* cursor */
    int limit;                 /* 0: 100 */
};

/* Calls fn for each matching enrollment in id order; fn returns non-zero to stop. */
int store_enrollment_list(struct db *db, const struct enrollment_query *q,
                          int (*fn)(void *ctx, const struct enrollment *e), void *ctx,
                          struct ok_err *err);

/* Appends e as JSON: id, playbook, customer_code, deal_id, trigger_key, triggered_on, status,
 * next_step, exit_reason, created_at, updated_at. */
void enrollment_to_json(const struct enrollment *e, struct buf *out);

#endif
