/*
 * goal.h - goals: a target for one KPI over a period (e.g. renewal_rate 0.85 for 2024-04-01 ..
 * 2025-03-31), against which reports show progress.
 *
 * The KPI is named by an identifier (lower-case letters, digits, _ and .) that the analytics
 * layer computes; one goal per KPI and period. Targets are numbers: counts, rates as fractions,
 * or amounts in minor units.
 */
#ifndef OK_STORE_GOAL_H
#define OK_STORE_GOAL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by goal_release); NULL means empty. */
struct goal {
    int64_t id;
    char *kpi;          /* e.g. "renewal_rate", "revenue.existing" */
    char *period_start; /* YYYY-MM-DD; any date form accepted */
    char *period_end;   /* YYYY-MM-DD, >= start */
    double target;      /* finite */
    char *note;
    char *created_at;
};

void goal_release(struct goal *g);

/* Checks and normalises the fields. */
int store_goal_validate(struct goal *g, struct ok_err *err);

/* Inserts a goal (audited); OK_ERR_CONFLICT when the KPI already has a goal for that exact
 * period. Returns the id; sets g->id. */
int64_t store_goal_create(struct db *db, const struct store_actor *who, struct goal *g,
                          struct ok_err *err);

/* Creates the goal, or changes target and note of the existing goal for the same KPI and period
 * (INSERT ... ON CONFLICT DO UPDATE), audited either way. Returns the id. */
int64_t store_goal_set(struct db *db, const struct store_actor *who, struct goal *g,
                       struct ok_err *err);

/* Reads goal id into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_goal_get(struct db *db, int64_t id, struct goal *out, struct ok_err *err);

/* Writes all fields of g over goal g->id (audited). */
int store_goal_update(struct db *db, const struct store_actor *who, struct goal *g,
                      struct ok_err *err);

/* Deletes goal id (audited). */
int store_goal_delete(struct db *db, const struct store_actor *who, int64_t id, struct ok_err *err);

struct goal_query {
    const char *kpi;  /* NULL: any */
    const char *from; /* goals whose period overlaps [from, to] (any date form); NULL: open */
    const char *to;
    int64_t after_id; /* cursor */
    int limit;        /* 0: 100 */
};

/* Calls fn for each matching goal in (period_start, kpi, id) order; fn returns non-zero to
 * stop. With after_id the order is by id. */
int store_goal_list(struct db *db, const struct goal_query *q,
                    int (*fn)(void *ctx, const struct goal *g), void *ctx, struct ok_err *err);

/* Appends g as JSON: id, kpi, period_start, period_end, target, note, created_at. */
void goal_to_json(const struct goal *g, struct buf *out);

#endif
