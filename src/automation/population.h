/*
 * population.h - everything the automation layer evaluates filters and triggers on: the ledger
 * snapshot with its settings, the analytics view as of one date, and the customer fields the
 * ledger does not hold (codes, tags, custom attributes, e-mail consent), loaded once.
 *
 * P(alive) and CLV come from the latest stored converged fits (okaeri clv fit): BG/NBD for
 * P(alive), with Gamma-Gamma for CLV over 365 days undiscounted. Without fits those columns are
 * NULL and filters using them say "run `okaeri clv fit` first".
 */
#ifndef OK_AUTOMATION_POPULATION_H
#define OK_AUTOMATION_POPULATION_H

#include <stdint.h>

#include "analytics/view.h"
#include "automation/filter.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "service/snapshot.h"

struct pop_map;

struct population {
    struct snapshot snap;
    struct analytics_view view;
    int have_view;
    int32_t as_of;
    struct arena strings; /* codes, tag names, attribute keys and values */
    /* parallel to the ledger's customers (owned) */
    char **codes;
    uint8_t *consent, *has_email, *is_company, *unsubscribed;
    int32_t *lost_reason;
    double *p_alive, *clv; /* NULL until needed (scores_done) or without a fitted model */
    int scores_done;
    /* tags, interned (filter.h: tag_names, tag_start, tag_count, tag_pool) */
    char **tag_names;
    int32_t ntag_names;
    uint32_t *tag_start;
    uint16_t *tag_count;
    int32_t *tag_pool;
    size_t tag_pool_len;
    /* custom attributes, one column per name */
    struct filter_attr_column *attr_cols;
    size_t nattr_cols;
    struct pop_map *by_code;     /* code -> index, for population_find */
    struct filter_population fp; /* points into the above */
};

/* Loads the snapshot and the customer fields, and computes the view as of as_of (a day; use
 * snapshot_today for "now": pass INT32_MIN). Release with population_release. */
int population_load(struct db *db, struct population *p, int32_t as_of, struct ok_err *err);

/* Recomputes the view (and lost reasons, P(alive), CLV) as of another day. */
int population_set_day(struct db *db, struct population *p, int32_t as_of, struct ok_err *err);

/* As population_set_day; with states_only set, RFM scores are left 0 (analytics_view_compute_ex
 * skip_rfm): enough for states and stages, not for evaluating filters. */
int population_set_day_ex(struct db *db, struct population *p, int32_t as_of, int states_only,
                          struct ok_err *err);

void population_release(struct population *p);

/* The ledger index of the customer with this code, or -1 (created after the load, or
 * unknown): a hash lookup (population_load builds the hash). */
long population_find(struct population *p, const char *code);

/* A resolver that looks names up in db (lost reasons, causes, user logins). */
void population_resolver(struct db *db, struct filter_resolver *r);

/* filter_prepare against p, computing P(alive) and CLV first when f uses them. */
int population_prepare(struct db *db, struct population *p, struct filter *f, struct ok_err *err);

/* Parses, binds and (if p is not NULL) prepares a filter text against db / p. Returns the
 * filter (caller frees) or NULL with err. */
struct filter *population_compile(struct db *db, struct population *p, const char *text,
                                  struct ok_err *err);

#endif
