/*
 * kpi.c - retention KPIs and their breakdowns (see kpi.h; definitions in docs/reports.md).
 */
#include "analytics/kpi.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/banned.h"

static int period_check(const struct report_opts *o, int32_t from, int32_t to, const char *what,
                        struct ok_err *err)
{
    char a[11], b[11];
    if (!o || !o->settings)
        return ok_err_set(err, OK_ERR_INTERNAL, "%s: settings missing", what);
    if (from > to) {
        date_format_iso(from, a);
        date_format_iso(to, b);
        return ok_err_set(err, OK_ERR_INVALID, "%s: --from %s is after --to %s", what, a, b);
    }
    return analytics_settings_validate(o->settings, err);
}

static struct table *period_table(const struct ledger *l, const char *title, int32_t from,
                                  int32_t to)
{
    char a[11], b[11];
    struct table *t = table_new(title);
    table_set_money_decimals(t, l->money_decimals);
    date_format_iso(from, a);
    date_format_iso(to, b);
    table_add_note(t, "period %s .. %s (both included)", a, b);
    return t;
}

/* First purchase day (amount >= 0) of customer c in (after, to], or LEDGER_NO_DAY. */
static int32_t purchase_after(const struct ledger *l, uint32_t c, int32_t after, int32_t to)
{
    const int32_t *day = l->line_day + l->seg_off[c];
    const int64_t *amt = l->line_amount + l->seg_off[c];
    uint32_t lo = 0, hi = l->seg_len[c];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (day[mid] <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint32_t i = lo; i < l->seg_len[c] && day[i] <= to; i++)
        if (amt[i] >= 0)
            return day[i];
    return LEDGER_NO_DAY;
}

/* Deal indices grouped by customer: deals of c are idx[off[c] .. off[c+1]). Caller frees both. */
static void deals_by_customer(const struct ledger *l, uint32_t **off_out, uint32_t **idx_out)
{
    uint32_t *off = xcalloc((size_t)l->ncust + 1, sizeof(*off));
    uint32_t *idx = xmalloc((l->ndeals ? l->ndeals : 1) * sizeof(*idx));
    for (size_t i = 0; i < l->ndeals; i++)
        off[l->deals[i].cust + 1]++;
    for (uint32_t c = 0; c < l->ncust; c++)
        off[c + 1] += off[c];
    uint32_t *pos = xmalloc(((size_t)l->ncust + 1) * sizeof(*pos));
    memcpy(pos, off, ((size_t)l->ncust + 1) * sizeof(*pos));
    for (size_t i = 0; i < l->ndeals; i++)
        idx[pos[l->deals[i].cust]++] = (uint32_t)i;
    free(pos);
    *off_out = off;
    *idx_out = idx;
}

struct reactivation {
    int64_t lost, reactivated, bought, reopened, days;
};

/* Reactivation of lost deal d: first purchase or newly opened deal after the loss, up to to. */
static void reactivation_of(const struct ledger *l, const struct ledger_deal *d,
                            const uint32_t *off, const uint32_t *idx, int32_t to,
                            struct reactivation *r)
{
    int32_t buy = purchase_after(l, d->cust, d->closed_day, to);
    int32_t reopen = LEDGER_NO_DAY;
    for (uint32_t k = off[d->cust]; k < off[d->cust + 1]; k++) {
        const struct ledger_deal *e = &l->deals[idx[k]];
        if (e != d && e->opened_day > d->closed_day && e->opened_day <= to &&
            (reopen == LEDGER_NO_DAY || e->opened_day < reopen))
            reopen = e->opened_day;
    }
    r->lost++;
    r->bought += buy != LEDGER_NO_DAY;
    r->reopened += reopen != LEDGER_NO_DAY;
    if (buy == LEDGER_NO_DAY && reopen == LEDGER_NO_DAY)
        return;
    int32_t first = buy == LEDGER_NO_DAY      ? reopen
                    : reopen == LEDGER_NO_DAY ? buy
                    : buy < reopen            ? buy
                                              : reopen;
    r->reactivated++;
    r->days += first - d->closed_day;
}

enum kpi_unit { U_COUNT, U_MONEY, U_RATIO, U_DAYS, U_SCORE };

struct kpi_rows {
    struct table *t;
    size_t ck, cu, cn, cm, cr, cv, ct, cp;
    const struct kpi_goal *goals;
    size_t ngoals;
};

static void kpi_row(struct kpi_rows *k, const char *name, enum kpi_unit unit, double value,
                    int is_null)
{
    static const char *const units[] = {"count", "money", "ratio", "days", "score"};
    struct table *t = k->t;
    size_t r = table_add_row(t);
    table_set_text(t, r, k->ck, name);
    table_set_text(t, r, k->cu, units[unit]);
    if (!is_null && isfinite(value)) {
        switch (unit) {
        case U_COUNT:
            table_set_int(t, r, k->cn, (int64_t)value);
            break;
        case U_MONEY:
            table_set_money(t, r, k->cm, (int64_t)value);
            break;
        case U_RATIO:
            table_set_percent(t, r, k->cr, value);
            break;
        default:
            table_set_double(t, r, k->cv, value);
        }
    }
    for (size_t g = 0; g < k->ngoals; g++) {
        if (!k->goals[g].kpi || strcmp(k->goals[g].kpi, name) != 0)
            continue;
        table_set_double(t, r, k->ct, k->goals[g].target);
        if (!is_null)
            table_set_ratio(t, r, k->cp, value, k->goals[g].target);
    }
}

/* One of the KPIs' two views, computed in a thread of its own (they are independent, and each
 * takes a pass over every order line). */
struct view_job {
    struct analytics_view *v;
    const struct ledger *l;
    const struct report_opts *o;
    int32_t as_of;
    int rc;
    struct ok_err err;
};

static void *view_job_run(void *arg)
{
    struct view_job *j = arg;
    j->rc =
        analytics_view_compute_ex(j->v, j->l, j->o->settings, j->as_of, j->o->p_alive, 1, &j->err);
    return NULL;
}

/* The views of l as of `from` and `to` at once, in two threads (one when no thread can be made);
 * on failure neither is left allocated. */
static int views_pair(const struct ledger *l, const struct report_opts *o, int32_t from, int32_t to,
                      struct analytics_view *vf, struct analytics_view *vt, struct ok_err *err)
{
    struct view_job job = {vf, l, o, from, 0, {0}};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, view_job_run, &job) == 0;
    int rc_to;
    if (!threaded)
        view_job_run(&job);
    rc_to = analytics_view_compute_ex(vt, l, o->settings, to, o->p_alive, 1, err);
    if (threaded)
        pthread_join(th, NULL);
    if (job.rc < 0 || rc_to < 0) {
        if (job.rc == 0)
            analytics_view_release(vf);
        if (rc_to == 0)
            analytics_view_release(vt);
        if (job.rc < 0)
            *err = job.err;
        return -1;
    }
    return 0;
}

struct table *report_kpis(const struct ledger *l, const struct report_opts *o, int32_t from,
                          int32_t to, const struct kpi_goal *goals, size_t ngoals,
                          struct ok_err *err)
{
    struct analytics_view vf, vt;
    if (period_check(o, from, to, "kpis", err) < 0)
        return NULL;
    for (size_t g = 0; g < ngoals; g++)
        if (!(goals[g].target > 0) || !isfinite(goals[g].target)) {
            ok_err_set(err, OK_ERR_INVALID, "goal %s: the target must be a positive number",
                       goals[g].kpi ? goals[g].kpi : "?");
            return NULL;
        }
    if (views_pair(l, o, from - 1, to, &vf, &vt, err) < 0)
        return NULL;
    int64_t rev_new = 0, rev_exist = 0, buying = 0, newc = 0, repeaters = 0;
    int64_t active_from = 0, churned = 0, referred_new = 0;
    for (uint32_t c = 0; c < l->ncust; c++) {
        const struct customer_metrics *m = &vt.m[c];
        if (!m->purchase_days)
            continue;
        const int32_t *day = l->line_day + l->seg_off[c];
        const int64_t *amt = l->line_amount + l->seg_off[c];
        int64_t sum = 0;
        int bought = 0;
        for (uint32_t i = 0; i < l->seg_len[c] && day[i] <= to; i++)
            if (day[i] >= from) {
                sum += amt[i];
                bought |= amt[i] >= 0;
            }
        int is_new = m->first_day >= from;
        if (is_new) {
            rev_new += sum;
            newc++;
            referred_new += l->cust_referred_by[c] != LEDGER_NONE;
        } else {
            rev_exist += sum;
        }
        buying += bought;
        repeaters += bought && m->purchase_days >= 2;
    }
    for (uint32_t c = 0; c < l->ncust; c++)
        if (vf.state[c] == CUST_STATE_ACTIVE) {
            active_from++;
            churned += vt.state[c] != CUST_STATE_ACTIVE;
        }
    /* referred new customers also through referral records naming them */
    int64_t referrals = 0;
    uint8_t *seen = xcalloc(l->ncust ? l->ncust : 1, 1);
    for (size_t i = 0; i < l->nreferrals; i++) {
        const struct ledger_referral *r = &l->referrals[i];
        if (r->day >= from && r->day <= to)
            referrals++;
        if (r->referred != LEDGER_NONE && !seen[r->referred]) {
            seen[r->referred] = 1;
            const struct customer_metrics *m = &vt.m[r->referred];
            if (m->purchase_days && m->first_day >= from &&
                l->cust_referred_by[r->referred] == LEDGER_NONE)
                referred_new++;
        }
    }
    free(seen);
    int64_t due = 0, renewed = 0, renewed_amount = 0, ended = 0, ended_days = 0;
    for (size_t i = 0; i < l->ncontracts; i++) {
        const struct ledger_contract *k = &l->contracts[i];
        if (k->end_day == LEDGER_NO_DAY || k->end_day < from || k->end_day > to)
            continue;
        due++;
        if (k->renewed_by != LEDGER_NONE) {
            renewed++;
            renewed_amount += l->contracts[k->renewed_by].amount;
        } else {
            ended++;
            ended_days += k->end_day - k->start_day;
        }
    }
    int64_t up_n = 0, up_rev = 0, cross_n = 0, cross_rev = 0;
    struct reactivation re = {0};
    uint32_t *off, *idx;
    deals_by_customer(l, &off, &idx);
    for (size_t i = 0; i < l->ndeals; i++) {
        const struct ledger_deal *d = &l->deals[i];
        if (d->closed_day == LEDGER_NO_DAY || d->closed_day < from || d->closed_day > to)
            continue;
        if (d->stage == DEAL_WON && d->kind == DEAL_UPSELL) {
            up_n++;
            up_rev += d->amount;
        } else if (d->stage == DEAL_WON && d->kind == DEAL_CROSS_SELL) {
            cross_n++;
            cross_rev += d->amount;
        } else if (d->stage == DEAL_LOST) {
            reactivation_of(l, d, off, idx, to, &re);
        }
    }
    free(off);
    free(idx);
    int64_t fb_n = 0, fb_sum = 0;
    for (size_t i = 0; i < l->nfeedback; i++)
        if (l->feedback[i].day >= from && l->feedback[i].day <= to) {
            fb_n++;
            fb_sum += l->feedback[i].score;
        }

    struct kpi_rows k = {.t = period_table(l, "KPIs", from, to), .goals = goals, .ngoals = ngoals};
    k.ck = table_add_column(k.t, "kpi", TABLE_TEXT);
    k.cu = table_add_column(k.t, "unit", TABLE_TEXT);
    k.cn = table_add_column(k.t, "count", TABLE_INT);
    k.cm = table_add_column(k.t, "money", TABLE_MONEY);
    k.cr = table_add_column(k.t, "ratio", TABLE_PERCENT);
    k.cv = table_add_column(k.t, "value", TABLE_DOUBLE);
    k.ct = table_add_column(k.t, "target", TABLE_DOUBLE);
    k.cp = table_add_column(k.t, "progress", TABLE_PERCENT);
    int64_t rev = rev_new + rev_exist;
    kpi_row(&k, "revenue", U_MONEY, (double)rev, 0);
    kpi_row(&k, "revenue_existing", U_MONEY, (double)rev_exist, 0);
    kpi_row(&k, "revenue_new", U_MONEY, (double)rev_new, 0);
    kpi_row(&k, "existing_revenue_share", U_RATIO, rev ? (double)rev_exist / (double)rev : 0,
            rev == 0);
    kpi_row(&k, "buying_customers", U_COUNT, (double)buying, 0);
    kpi_row(&k, "new_customers", U_COUNT, (double)newc, 0);
    kpi_row(&k, "repeat_rate", U_RATIO, buying ? (double)repeaters / (double)buying : 0,
            buying == 0);
    kpi_row(&k, "active_at_start", U_COUNT, (double)active_from, 0);
    kpi_row(&k, "churn_rate", U_RATIO, active_from ? (double)churned / (double)active_from : 0,
            active_from == 0);
    kpi_row(&k, "referrals", U_COUNT, (double)referrals, 0);
    kpi_row(&k, "referred_new_share", U_RATIO, newc ? (double)referred_new / (double)newc : 0,
            newc == 0);
    kpi_row(&k, "contracts_due", U_COUNT, (double)due, 0);
    kpi_row(&k, "contracts_renewed", U_COUNT, (double)renewed, 0);
    kpi_row(&k, "renewed_amount", U_MONEY, (double)renewed_amount, 0);
    kpi_row(&k, "renewal_rate", U_RATIO, due ? (double)renewed / (double)due : 0, due == 0);
    kpi_row(&k, "mean_days_to_end_unrenewed", U_DAYS,
            ended ? (double)ended_days / (double)ended : 0, ended == 0);
    kpi_row(&k, "upsell_deals", U_COUNT, (double)up_n, 0);
    kpi_row(&k, "upsell_revenue", U_MONEY, (double)up_rev, 0);
    kpi_row(&k, "cross_sell_deals", U_COUNT, (double)cross_n, 0);
    kpi_row(&k, "cross_sell_revenue", U_MONEY, (double)cross_rev, 0);
    kpi_row(&k, "lost_deals", U_COUNT, (double)re.lost, 0);
    kpi_row(&k, "reactivated", U_COUNT, (double)re.reactivated, 0);
    kpi_row(&k, "reactivation_rate", U_RATIO,
            re.lost ? (double)re.reactivated / (double)re.lost : 0, re.lost == 0);
    kpi_row(&k, "mean_days_to_reactivation", U_DAYS,
            re.reactivated ? (double)re.days / (double)re.reactivated : 0, re.reactivated == 0);
    kpi_row(&k, "feedback_responses", U_COUNT, (double)fb_n, 0);
    kpi_row(&k, "mean_feedback_score", U_SCORE, fb_n ? (double)fb_sum / (double)fb_n : 0,
            fb_n == 0);
    for (size_t g = 0; g < ngoals; g++)
        if (table_find_column(k.t, "kpi") >= 0) {
            int found = 0;
            for (size_t r = 0; r < k.t->nrows; r++)
                found |= goals[g].kpi && !strcmp(table_cell(k.t, r, k.ck)->v.s, goals[g].kpi);
            if (!found)
                table_add_note(k.t, "goal for unknown KPI '%s' ignored",
                               goals[g].kpi ? goals[g].kpi : "");
        }
    analytics_view_release(&vf);
    analytics_view_release(&vt);
    return k.t;
}

/* ---- breakdowns ------------------------------------------------------------------------- */

struct group {
    int64_t key;
    int64_t n, a, b, money, days, days_n;
};

struct groups {
    struct group *g;
    size_t n, alloc;
};

static struct group *group_get(struct groups *gs, int64_t key)
{
    for (size_t i = 0; i < gs->n; i++)
        if (gs->g[i].key == key)
            return &gs->g[i];
    gs->g = xgrow(gs->g, &gs->alloc, gs->n + 1, sizeof(*gs->g));
    memset(&gs->g[gs->n], 0, sizeof(*gs->g));
    gs->g[gs->n].key = key;
    return &gs->g[gs->n++];
}

static int group_cmp(const void *x, const void *y)
{
    const struct group *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return (a->key > b->key) - (a->key < b->key);
}

/* qsort with an empty array may get NULL, which the C standard does not allow. */
static void sort_groups(struct group *g, size_t n)
{
    if (n > 1)
        qsort(g, n, sizeof(*g), group_cmp);
}

struct table *report_referrals(const struct ledger *l, const struct report_opts *o, int32_t from,
                               int32_t to, struct ok_err *err)
{
    struct analytics_view v;
    char nb[32];
    if (period_check(o, from, to, "referrals", err) < 0)
        return NULL;
    if (analytics_view_compute(&v, l, o->settings, to, o->p_alive, err) < 0)
        return NULL;
    struct groups by[3] = {{0}}; /* trigger, referrer stage, referrer segment */
    for (size_t i = 0; i < l->nreferrals; i++) {
        const struct ledger_referral *r = &l->referrals[i];
        if (r->day < from || r->day > to)
            continue;
        int64_t keys[3] = {r->trigger_id, v.stage[r->referrer],
                           rfm_segment_of(v.r[r->referrer], v.f[r->referrer])};
        int bought = r->referred != LEDGER_NONE && v.m[r->referred].purchase_days > 0;
        int64_t value = r->referred != LEDGER_NONE ? v.m[r->referred].revenue : 0;
        int32_t first = v.m[r->referrer].first_day;
        for (int d = 0; d < 3; d++) {
            struct group *g = group_get(&by[d], keys[d]);
            g->n++;
            g->a += r->referred != LEDGER_NONE;
            g->b += bought;
            g->money += value;
            if (first != LEDGER_NO_DAY && first <= r->day) {
                g->days += r->day - first;
                g->days_n++;
            }
        }
    }
    struct table *t = period_table(l, "referrals", from, to);
    size_t cd = table_add_column(t, "dimension", TABLE_TEXT);
    size_t ck = table_add_column(t, "key", TABLE_TEXT);
    size_t cn = table_add_column(t, "referrals", TABLE_INT);
    size_t ca = table_add_column(t, "referred_customers", TABLE_INT);
    size_t cb = table_add_column(t, "conversion", TABLE_PERCENT);
    size_t cm = table_add_column(t, "referred_revenue", TABLE_MONEY);
    size_t cv = table_add_column(t, "mean_referred_revenue", TABLE_MONEY);
    size_t cy = table_add_column(t, "mean_relationship_days", TABLE_DOUBLE);
    table_set_decimals(t, cy, 1);
    static const char *const dims[3] = {"trigger", "referrer_stage", "referrer_segment"};
    for (int d = 0; d < 3; d++) {
        sort_groups(by[d].g, by[d].n);
        for (size_t i = 0; i < by[d].n; i++) {
            const struct group *g = &by[d].g[i];
            size_t r = table_add_row(t);
            table_set_text(t, r, cd, dims[d]);
            table_set_text(t, r, ck,
                           d == 0   ? (g->key == LEDGER_NONE
                                           ? "none"
                                           : report_name(o, NAME_TRIGGER, g->key, nb, sizeof(nb)))
                           : d == 1 ? cust_stage_id((enum cust_stage)g->key)
                                    : rfm_segment_id((enum rfm_segment)g->key));
            table_set_int(t, r, cn, g->n);
            table_set_int(t, r, ca, g->a);
            table_set_ratio(t, r, cb, (double)g->b, (double)g->a);
            table_set_money(t, r, cm, g->money);
            if (g->a)
                table_set_money(t, r, cv, g->money / g->a);
            table_set_ratio(t, r, cy, (double)g->days, (double)g->days_n);
        }
        free(by[d].g);
    }
    analytics_view_release(&v);
    return t;
}

struct table *report_renewals(const struct ledger *l, const struct report_opts *o, int32_t from,
                              int32_t to, struct ok_err *err)
{
    char nb[32];
    if (period_check(o, from, to, "renewals", err) < 0)
        return NULL;
    struct groups gs = {0};
    for (size_t i = 0; i < l->ncontracts; i++) {
        const struct ledger_contract *k = &l->contracts[i];
        if (k->end_day == LEDGER_NO_DAY || k->end_day < from || k->end_day > to)
            continue;
        int renewed = k->renewed_by != LEDGER_NONE;
        struct group *g = group_get(&gs, renewed ? INT64_MIN : k->end_reason);
        g->n++;
        g->money += renewed ? l->contracts[k->renewed_by].amount : k->amount;
        g->days += k->end_day - k->start_day;
        g->days_n++;
    }
    sort_groups(gs.g, gs.n);
    struct table *t = period_table(l, "renewals", from, to);
    size_t co = table_add_column(t, "outcome", TABLE_TEXT);
    size_t cr = table_add_column(t, "end_reason", TABLE_TEXT);
    size_t cn = table_add_column(t, "contracts", TABLE_INT);
    size_t cm = table_add_column(t, "amount", TABLE_MONEY);
    size_t cd = table_add_column(t, "mean_contract_days", TABLE_DOUBLE);
    table_set_decimals(t, cd, 1);
    for (size_t i = 0; i < gs.n; i++) {
        const struct group *g = &gs.g[i];
        size_t r = table_add_row(t);
        int renewed = g->key == INT64_MIN;
        table_set_text(t, r, co, renewed ? "renewed" : "ended");
        if (!renewed)
            table_set_text(t, r, cr,
                           g->key == LEDGER_NONE
                               ? "none"
                               : report_name(o, NAME_END_REASON, g->key, nb, sizeof(nb)));
        table_set_int(t, r, cn, g->n);
        table_set_money(t, r, cm, g->money);
        table_set_ratio(t, r, cd, (double)g->days, (double)g->days_n);
    }
    free(gs.g);
    return t;
}

struct table *report_upsell(const struct ledger *l, const struct report_opts *o, int32_t from,
                            int32_t to, struct ok_err *err)
{
    char nb[32];
    if (period_check(o, from, to, "upsell", err) < 0)
        return NULL;
    struct table *t = period_table(l, "upsell and cross-sell", from, to);
    size_t ck = table_add_column(t, "kind", TABLE_TEXT);
    size_t cd = table_add_column(t, "dimension", TABLE_TEXT);
    size_t cy = table_add_column(t, "key", TABLE_TEXT);
    size_t cn = table_add_column(t, "deals", TABLE_INT);
    size_t cm = table_add_column(t, "revenue", TABLE_MONEY);
    static const uint8_t kinds[2] = {DEAL_UPSELL, DEAL_CROSS_SELL};
    static const char *const kind_ids[2] = {"upsell", "cross_sell"};
    for (int kk = 0; kk < 2; kk++)
        for (int d = 0; d < 2; d++) {
            struct groups gs = {0};
            for (size_t i = 0; i < l->ndeals; i++) {
                const struct ledger_deal *x = &l->deals[i];
                if (x->kind != kinds[kk] || x->stage != DEAL_WON || x->closed_day < from ||
                    x->closed_day > to)
                    continue;
                struct group *g = group_get(&gs, d == 0 ? x->trigger_id : x->product);
                g->n++;
                g->money += x->amount;
            }
            sort_groups(gs.g, gs.n);
            for (size_t i = 0; i < gs.n; i++) {
                size_t r = table_add_row(t);
                table_set_text(t, r, ck, kind_ids[kk]);
                table_set_text(t, r, cd, d == 0 ? "trigger" : "product");
                table_set_text(t, r, cy,
                               gs.g[i].key == LEDGER_NONE
                                   ? "none"
                                   : report_name(o, d == 0 ? NAME_TRIGGER : NAME_PRODUCT,
                                                 gs.g[i].key, nb, sizeof(nb)));
                table_set_int(t, r, cn, gs.g[i].n);
                table_set_money(t, r, cm, gs.g[i].money);
            }
            free(gs.g);
        }
    return t;
}

struct table *report_lost_reasons(const struct ledger *l, const struct report_opts *o, int32_t from,
                                  int32_t to, struct ok_err *err)
{
    char nb[32];
    if (period_check(o, from, to, "lost reasons", err) < 0)
        return NULL;
    uint32_t *off, *idx;
    deals_by_customer(l, &off, &idx);
    struct groups gs = {0};
    struct reactivation *re = NULL;
    size_t re_alloc = 0;
    for (size_t i = 0; i < l->ndeals; i++) {
        const struct ledger_deal *d = &l->deals[i];
        if (d->stage != DEAL_LOST || d->closed_day < from || d->closed_day > to)
            continue;
        size_t before = gs.n;
        struct group *g = group_get(&gs, d->lost_reason);
        if (gs.n > before) {
            re = xgrow(re, &re_alloc, gs.n, sizeof(*re));
            memset(&re[gs.n - 1], 0, sizeof(*re));
        }
        g->n++;
        g->money += d->amount;
        reactivation_of(l, d, off, idx, to, &re[g - gs.g]);
    }
    free(off);
    free(idx);
    struct table *t = period_table(l, "lost deals by reason", from, to);
    size_t cr = table_add_column(t, "reason", TABLE_TEXT);
    size_t cn = table_add_column(t, "lost_deals", TABLE_INT);
    size_t cm = table_add_column(t, "lost_amount", TABLE_MONEY);
    size_t cb = table_add_column(t, "bought_again", TABLE_INT);
    size_t co = table_add_column(t, "reopened", TABLE_INT);
    size_t ca = table_add_column(t, "reactivated", TABLE_INT);
    size_t crr = table_add_column(t, "reactivation_rate", TABLE_PERCENT);
    size_t cd = table_add_column(t, "mean_days_to_reactivation", TABLE_DOUBLE);
    table_set_decimals(t, cd, 1);
    for (size_t i = 0; i < gs.n; i++) {
        const struct group *g = &gs.g[i];
        size_t r = table_add_row(t);
        table_set_text(t, r, cr,
                       g->key == LEDGER_NONE
                           ? "none"
                           : report_name(o, NAME_LOST_REASON, g->key, nb, sizeof(nb)));
        table_set_int(t, r, cn, g->n);
        table_set_money(t, r, cm, g->money);
        table_set_int(t, r, cb, re[i].bought);
        table_set_int(t, r, co, re[i].reopened);
        table_set_int(t, r, ca, re[i].reactivated);
        table_set_ratio(t, r, crr, (double)re[i].reactivated, (double)re[i].lost);
        table_set_ratio(t, r, cd, (double)re[i].days, (double)re[i].reactivated);
    }
    free(re);
    free(gs.g);
    return t;
}

struct table *report_satisfaction(const struct ledger *l, const struct report_opts *o, int32_t from,
                                  int32_t to, struct ok_err *err)
{
    char nb[32];
    if (period_check(o, from, to, "satisfaction", err) < 0)
        return NULL;
    struct groups gs = {0};
    for (size_t i = 0; i < l->nfeedback; i++) {
        const struct ledger_feedback *f = &l->feedback[i];
        if (f->day < from || f->day > to)
            continue;
        struct group *g = group_get(&gs, f->kind);
        if (g->n == 0 || f->score < g->a)
            g->a = f->score; /* min */
        if (g->n == 0 || f->score > g->b)
            g->b = f->score; /* max */
        g->n++;
        g->money += f->score; /* sum of scores */
    }
    sort_groups(gs.g, gs.n);
    struct table *t = period_table(l, "satisfaction", from, to);
    size_t ck = table_add_column(t, "kind", TABLE_TEXT);
    size_t cn = table_add_column(t, "responses", TABLE_INT);
    size_t cm = table_add_column(t, "mean_score", TABLE_DOUBLE);
    size_t cl = table_add_column(t, "min_score", TABLE_INT);
    size_t ch = table_add_column(t, "max_score", TABLE_INT);
    for (size_t i = 0; i < gs.n; i++) {
        const struct group *g = &gs.g[i];
        size_t r = table_add_row(t);
        table_set_text(t, r, ck, report_name(o, NAME_FEEDBACK_KIND, g->key, nb, sizeof(nb)));
        table_set_int(t, r, cn, g->n);
        table_set_ratio(t, r, cm, (double)g->money, (double)g->n);
        table_set_int(t, r, cl, g->a);
        table_set_int(t, r, ch, g->b);
    }
    free(gs.g);
    return t;
}
