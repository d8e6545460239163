/*
 * automate.h - the scheduler of automated follow-up (自動営業): one pass detects playbook
 * triggers, enrolls customers, stops enrollments whose exit rule holds, runs the steps that are
 * due (tasks for people, e-mails through the outbox), and sends queued e-mail.
 *
 * Called by `okaeri automate [--as-of DATE]` (cron, tests) and by the server every minute
 * (automate_run with as_of = INT32_MIN: today in the database's time zone).
 *
 * Trigger detection looks at the window (since, as_of], where since is the as_of of the latest
 * finished run before as_of (else as_of - 1). Occurrences and their keys:
 *   first_purchase   first purchase day in the window            "first:<day>", from that day
 *   deal_lost [R]    deal lost (reason R) closed in the window   "deal:<id>", from the close day
 *   became_sleeping  state sleeping now, not on `since`          "sleeping:<last purchase>"
 *   became_dead      state dead now, not on `since`              "dead:<last purchase>"
 *   contract_ending N  end - N days in the window, not renewed    "contract:<id>", from end - N
 *   entered_segment S  member now, not on `since`                 "segment:<as_of>"
 *   need_met [K]     a need (feedback kind need) mentioning K,   "need:<feedback id>:<K>"
 *                    K a tag of a product created in the window
 *   manual           automate_enroll
 * Idempotency: enrollments are unique per (playbook, customer, key); a step's task or e-mail is
 * unique per (enrollment, step) and is written in the same transaction that advances the
 * enrollment; e-mails are marked 'sending' (committed) before the SMTP transaction, and a later
 * run turns rows left 'sending' by a crash into 'unknown' instead of sending them again. So a run
 * can be killed at any point and repeated: nothing happens twice.
 *
 * Exit rules (checked before steps run): bought_again (a purchase after the trigger day),
 * deal_won (a deal opened or won after the trigger day), left_segment (no longer a member),
 * none; and always: unsubscribed (e-mail consent withdrawn) and manual (automate_exit).
 */
#ifndef OK_AUTOMATION_AUTOMATE_H
#define OK_AUTOMATION_AUTOMATE_H

#include <stdint.h>

#include "automation/population.h"
#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

struct automate_options {
    int32_t as_of;                 /* INT32_MIN: today in the database's time zone */
    int no_send;                   /* queue e-mail but do not send it */
    const struct store_actor *who; /* NULL: the system ("automation") */
    /* NULL: the pass loads the population itself (seconds for a million customers). Else a
     * population the caller holds, loaded from this database after its last change to
     * customers, orders, deals or contracts (borrowed and used by this pass alone: the pass
     * moves it to other days with population_set_day and leaves it on the pass's day). */
    struct population *pop;
};

struct automate_result {
    int32_t as_of, since;
    int64_t enrolled, exited, tasks, emails_queued, emails_sent, emails_failed, emails_skipped,
        emails_waiting, recovered;
    int mail_configured;
    char mail_error[512]; /* the last send failure, "" when none */
    /* PostgreSQL: another pass held the automation lock, so this one did nothing */
    int busy;
    int64_t steps_elsewhere; /* steps found already run by an overlapping pass (not run again) */
};

/* Runs one pass. Returns 0, or -1 with err (database trouble, invalid settings). Send failures
 * are not errors: they are counted, logged in email_log and retried with backoff.
 * Across processes (several servers, cron): on PostgreSQL a pass holds the advisory lock
 * pg_try_advisory_lock(1635087471) for its duration and a pass that finds it taken returns 0
 * at once with r->busy set; on both engines each step is claimed in its own transaction by an
 * update conditional on the enrollment's next_step, so a step never runs twice. */
int automate_run(struct db *db, const struct automate_options *o, struct automate_result *r,
                 struct ok_err *err);

/* Enrolls a customer in a playbook by hand (trigger manual or any other), from day `on`
 * (YYYY-MM-DD, NULL: today). Returns the enrollment id (> 0), with *created 0 when it existed. */
int64_t automate_enroll(struct db *db, const struct store_actor *who, const char *playbook,
                        const char *customer_code, const char *on, int *created,
                        struct ok_err *err);

/* Ends a customer's active enrollments (all, or in one playbook when playbook is not NULL)
 * with reason (e.g. "manual"). Returns how many were ended, or -1. */
int64_t automate_exit(struct db *db, const struct store_actor *who, const char *customer_code,
                      const char *playbook, const char *reason, struct ok_err *err);

/* Honours an unsubscribe link: withdraws the customer's e-mail consent (unsubscribed_at now),
 * ends their active enrollments with reason "unsubscribed". Needs no login: the token is the
 * authority. Repeating it is harmless. Sets *customer_code (caller frees; may be NULL).
 * OK_ERR_NOT_FOUND for an unknown token. For GET/POST /unsubscribe?token=... */
int automate_unsubscribe(struct db *db, const char *token, char **customer_code,
                         struct ok_err *err);

/* Completes a task with an outcome (store_task_complete records the activity). Outcomes
 * "won_back" and "not_interested" also end the task's enrollment (reason = the outcome);
 * others leave it running. Returns the activity id or -1. */
int64_t automate_task_done(struct db *db, const struct store_actor *who, int64_t task_id,
                           const char *outcome, const char *on, struct ok_err *err);
/* The same for a task the caller saw at `version` (> 0; 0: whatever it is now): OK_ERR_CONFLICT
 * when it has changed since, checked in the transaction that completes it. */
int64_t automate_task_done_seen(struct db *db, const struct store_actor *who, int64_t task_id,
                                int64_t version, const char *outcome, const char *on,
                                struct ok_err *err);

/* Per playbook and step: enrolled, active, exited, contacted (e-mails sent + tasks done),
 * responded (tasks done with reached/interested/won_back), converted (a purchase or a won deal
 * within days after the step's contact), revenue won back (purchases in that window). As CSV
 * with a header into out. */
int automate_stats(struct db *db, int days, struct buf *out, struct ok_err *err);

/* Per lost reason: lost deals, customers reactivated (a purchase or a won deal after the loss),
 * reactivation rate and median days to reactivation, as CSV with a header. */
int automate_lost_reason_stats(struct db *db, struct buf *out, struct ok_err *err);

#endif
