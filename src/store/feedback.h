/*
 * feedback.h - what customers tell the business (お客様の声): needs, complaints, improvement
 * ideas, testimonials and satisfaction scores (0-10, e.g. NPS-style), with the date received.
 *
 * Needs recorded at a loss feed the "need met" playbook trigger; scores feed the satisfaction
 * KPI.
 */
#ifndef OK_STORE_FEEDBACK_H
#define OK_STORE_FEEDBACK_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by feedback_release); NULL means empty. */
struct feedback {
    int64_t id;
    char *code;          /* optional, the business's own id */
    char *customer_code; /* required */
    char *kind;          /* need, complaint, idea, testimonial, satisfaction */
    int score;           /* 0..10, or -1 for none */
    char *text;
    char *received_on; /* YYYY-MM-DD, required; any date form accepted */
    char *created_at;
};

void feedback_release(struct feedback *f);

extern const char *const feedback_kinds[]; /* NULL-terminated */

/* Checks and normalises the fields: a satisfaction entry needs a score, the others need text. */
int store_feedback_validate(struct feedback *f, struct ok_err *err);

/* Inserts feedback (audited); OK_ERR_CONFLICT for a duplicate code. Returns the id. */
int64_t store_feedback_create(struct db *db, const struct store_actor *who, struct feedback *f,
                              struct ok_err *err);

/* Reads feedback by id or code into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_feedback_get_by_id(struct db *db, int64_t id, struct feedback *out, struct ok_err *err);
int store_feedback_get(struct db *db, const char *code, struct feedback *out, struct ok_err *err);

/* Deletes feedback recorded by mistake (audited). */
int store_feedback_delete(struct db *db, const struct store_actor *who, int64_t id,
                          struct ok_err *err);

struct feedback_query {
    const char *customer_code; /* NULL: all */
    const char *kind;          /* NULL: any */
    const char *from;          /* received_on >= (any date form) */
    const char *to;            /* received_on <= */
    /* Cursor (newest first): rows before (before_on, before_id). */
    const char *before_on;
    int64_t before_id;
    int limit; /* 0: 100 */
};

/* Calls fn for each match, newest first (received_on, id descending); fn returns non-zero to
 * stop. */
int store_feedback_list(struct db *db, const struct feedback_query *q,
                        int (*fn)(void *ctx, const struct feedback *f), void *ctx,
                        struct ok_err *err);

/* Count and mean score of scored feedback matching q (cursor and limit ignored); *mean is NAN
 * when there is none. */
int store_feedback_score_summary(struct db *db, const struct feedback_query *q, int64_t *count,
                                 double *mean, struct ok_err *err);

/* Appends f as JSON: id, code, customer_code, kind, score, text, received_on, created_at. */
void feedback_to_json(const struct feedback *f, struct buf *out);

#endif
