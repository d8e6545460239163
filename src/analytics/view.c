/*
 * view.c - state, lifecycle stage and RFM of every customer as of a date (see view.h).
 */
#include "analytics/view.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

static enum cust_state by_days(int32_t rec, double active, double sleeping)
{
    if (rec <= active)
        return CUST_STATE_ACTIVE;
    return rec <= sleeping ? CUST_STATE_SLEEPING : CUST_STATE_DEAD;
}

static void states_compute(struct analytics_view *v, const struct ledger *l,
                           const struct analytics_settings *s, const double *p_alive)
{
    const int32_t as_of = v->as_of;
    const double ratio = s->rhythm_dead_k / s->rhythm_k;
    for (uint32_t c = 0; c < v->n; c++) {
        const struct customer_metrics *m = &v->m[c];
        const int32_t lost = v->lost_day[c];
        const int32_t created = l->cust_created[c];
        const int bought = m->purchase_days != 0;
        if (!bought && lost == LEDGER_NO_DAY && created != LEDGER_NO_DAY && created > as_of) {
            v->state[c] = CUST_STATE_NONE;
            continue;
        }
        if (lost != LEDGER_NO_DAY &&
            (!bought || (s->lost_overrides_buyers && lost > m->last_day))) {
            v->state[c] = CUST_STATE_LOST;
            continue;
        }
        if (!bought) {
            v->state[c] = CUST_STATE_PROSPECT;
            continue;
        }
        const int32_t rec = as_of - m->last_day;
        enum cust_state st = by_days(rec, s->active_days, s->sleeping_days);
        if (s->state_rule == STATE_RULE_RHYTHM && m->purchase_days >= 2) {
            double a = s->rhythm_k * (double)m->median_gap;
            if (a < s->rhythm_floor_days)
                a = s->rhythm_floor_days;
            st = by_days(rec, a, a * ratio);
        } else if (s->state_rule == STATE_RULE_PALIVE && !isnan(p_alive[c])) {
            double p = p_alive[c];
            st = p >= s->p_alive_active ? CUST_STATE_ACTIVE
                 : p >= s->p_alive_dead ? CUST_STATE_SLEEPING
                                        : CUST_STATE_DEAD;
        }
        v->state[c] = (uint8_t)st;
    }
}

static void stages_compute(struct analytics_view *v, const struct ledger *l,
                           const struct analytics_settings *s)
{
    const int32_t as_of = v->as_of;
    const int32_t w1 = (int32_t)((int64_t)as_of - s->window_days);
    uint8_t *referred = xcalloc(v->n ? v->n : 1, 1);
    for (size_t i = 0; i < l->nreferrals; i++) {
        const struct ledger_referral *r = &l->referrals[i];
        if (r->day > w1 && r->day <= as_of && r->referrer < v->n)
            referred[r->referrer] = 1;
    }
    /* A referred customer whose referral was not recorded separately: count its first
     * purchase (or creation) in the window for the referrer. */
    for (uint32_t c = 0; c < v->n; c++) {
        int32_t by = l->cust_referred_by[c];
        if (by == LEDGER_NONE)
            continue;
        int32_t d = v->m[c].first_day != LEDGER_NO_DAY ? v->m[c].first_day : l->cust_created[c];
        if (d != LEDGER_NO_DAY && d > w1 && d <= as_of)
            referred[by] = 1;
    }
    for (uint32_t c = 0; c < v->n; c++) {
        const struct customer_metrics *m = &v->m[c];
        const uint8_t st = v->state[c];
        uint8_t stage;
        if (st == CUST_STATE_NONE) {
            stage = CUST_STAGE_NONE;
        } else if (!m->purchase_days) {
            stage = CUST_STAGE_PROSPECT;
        } else if (st != CUST_STATE_ACTIVE) {
            stage = CUST_STAGE_LAPSED;
        } else if (m->purchase_days == 1) {
            stage = CUST_STAGE_NEW;
        } else {
            int loyal = (m->orders_window >= (uint32_t)s->loyal_min_orders &&
                         m->revenue_window >= s->loyal_min_revenue) ||
                        (s->loyal_rfm_min > 0 && v->r[c] + v->f[c] + v->mo[c] >= s->loyal_rfm_min);
            stage = CUST_STAGE_REPEAT;
            if (loyal) {
                int grew =
                    m->revenue_prev_window > 0 &&
                    (double)m->revenue_window >= s->engaged_growth * (double)m->revenue_prev_window;
                stage = (referred[c] || grew) ? CUST_STAGE_ENGAGED : CUST_STAGE_LOYAL;
            }
        }
        v->stage[c] = stage;
    }
    free(referred);
}

int analytics_view_compute(struct analytics_view *v, const struct ledger *l,
                           const struct analytics_settings *s, int32_t as_of, const double *p_alive,
                           struct ok_err *err)
{
    return analytics_view_compute_ex(v, l, s, as_of, p_alive, 0, err);
}

int analytics_view_compute_ex(struct analytics_view *v, const struct ledger *l,
                              const struct analytics_settings *s, int32_t as_of,
                              const double *p_alive, int skip_rfm, struct ok_err *err)
{
    memset(v, 0, sizeof(*v));
    if (analytics_settings_validate(s, err) < 0)
        return -1;
    if (s->state_rule == STATE_RULE_PALIVE && !p_alive)
        return ok_err_set(err, OK_ERR_INVALID,
                          "state rule p_alive needs P(alive) values: fit a value model first "
                          "(okaeri clv fit) or choose state.rule=fixed");
    size_t n = l->ncust, n1 = n ? n : 1;
    v->as_of = as_of;
    v->n = l->ncust;
    v->m = xmalloc(n1 * sizeof(*v->m));
    v->state = xmalloc(n1);
    v->stage = xmalloc(n1);
    v->r = xmalloc(n1);
    v->f = xmalloc(n1);
    v->mo = xmalloc(n1);
    v->lost_day = xmalloc(n1 * sizeof(*v->lost_day));
    metrics_compute(l, as_of, s->window_days, v->m);
    for (size_t c = 0; c < n; c++)
        v->lost_day[c] = LEDGER_NO_DAY;
    for (size_t i = 0; i < l->ndeals; i++) {
        const struct ledger_deal *d = &l->deals[i];
        if (d->stage == DEAL_LOST && d->closed_day <= as_of && d->closed_day > v->lost_day[d->cust])
            v->lost_day[d->cust] = d->closed_day;
    }
    states_compute(v, l, s, p_alive);
    if (skip_rfm && s->loyal_rfm_min == 0) {
        memset(v->r, 0, n1);
        memset(v->f, 0, n1);
        memset(v->mo, 0, n1);
    } else if (rfm_scores_compute(v->m, v->n, as_of, s, v->r, v->f, v->mo, err) < 0) {
        analytics_view_release(v);
        return -1;
    }
    /* Customers not existing yet are not scored, even if a later purchase exists (it does not:
     * metrics stop at as_of), so RFM needs no extra mask here. */
    stages_compute(v, l, s);
    return 0;
}

void analytics_view_release(struct analytics_view *v)
{
    free(v->m);
    free(v->state);
    free(v->stage);
    free(v->r);
    free(v->f);
    free(v->mo);
    free(v->lost_day);
    memset(v, 0, sizeof(*v));
}

static const char *const state_ids[CUST_STATE_COUNT] = {"none",     "prospect", "active",
                                                        "sleeping", "dead",     "lost"};
static const char *const state_ja[CUST_STATE_COUNT] = {"対象外",   "見込み客", "生きた客",
                                                       "眠った客", "死んだ客", "失注"};
static const char *const stage_ids[CUST_STAGE_COUNT] = {"none",  "prospect", "new",   "repeat",
                                                        "loyal", "engaged",  "lapsed"};
static const char *const stage_ja[CUST_STAGE_COUNT] = {"対象外", "見込み客", "新規客", "リピーター",
                                                       "優良客", "支持者",   "離反客"};

const char *cust_state_id(enum cust_state s)
{
    return s < CUST_STATE_COUNT ? state_ids[s] : "none";
}

const char *cust_state_label_ja(enum cust_state s)
{
    return s < CUST_STATE_COUNT ? state_ja[s] : state_ja[0];
}

const char *cust_stage_id(enum cust_stage s)
{
    return s < CUST_STAGE_COUNT ? stage_ids[s] : "none";
}

const char *cust_stage_label_ja(enum cust_stage s)
{
    return s < CUST_STAGE_COUNT ? stage_ja[s] : stage_ja[0];
}
