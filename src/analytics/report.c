/*
 * report.c - customer reports as tables (see report.h; columns in docs/reports.md).
 */
#include "analytics/report.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/banned.h"

const char *report_name(const struct report_opts *o, enum name_kind kind, int64_t id, char *out,
                        size_t size)
{
    if (id == LEDGER_NONE) {
        out[0] = '\0';
        return out;
    }
    if (o && o->names && o->names->lookup) {
        const char *s = o->names->lookup(o->names->ctx, kind, id);
        if (s)
            return s;
    }
    snprintf(out, size, "%lld", (long long)id);
    return out;
}

static struct table *new_table(const struct ledger *l, const char *title, int32_t as_of)
{
    struct table *t = table_new(title);
    char iso[11];
    table_set_money_decimals(t, l->money_decimals);
    if (as_of != LEDGER_NO_DAY) {
        date_format_iso(as_of, iso);
        table_add_note(t, "as of %s", iso);
    }
    return t;
}

static int view_for(struct analytics_view *v, const struct ledger *l, const struct report_opts *o,
                    int32_t as_of, struct ok_err *err)
{
    if (!o || !o->settings)
        return ok_err_set(err, OK_ERR_INTERNAL, "report: settings missing");
    return analytics_view_compute(v, l, o->settings, as_of, o->p_alive, err);
}

static void set_day_or_null(struct table *t, size_t r, size_t c, int32_t day)
{
    if (day != LEDGER_NO_DAY)
        table_set_date(t, r, c, day);
}

static void set_days_or_null(struct table *t, size_t r, size_t c, int32_t days)
{
    if (days >= 0)
        table_set_int(t, r, c, days);
}

/* Mean of minor units rounded half away from zero to a whole minor unit. */
static int64_t mean_minor(int64_t sum, int64_t n)
{
    if (n == 0)
        return 0;
    return sum >= 0 ? (sum + n / 2) / n : -((-sum + n / 2) / n);
}

struct table *report_customers(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                               struct ok_err *err)
{
    struct analytics_view v;
    char nb[32], ob[32];
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    struct table *t = new_table(l, "customers", as_of);
    enum {
        C_CODE,
        C_STATE,
        C_STAGE,
        C_FIRST,
        C_LAST,
        C_ORDERS,
        C_PDAYS,
        C_REPEAT,
        C_SPAN,
        C_T,
        C_REC,
        C_REV,
        C_AOV,
        C_ARDV,
        C_R,
        C_F,
        C_M,
        C_SEG,
        C_OWNER,
        C_PALIVE,
        C_EXPECTED,
        C_CLV,
        C_N
    };
    static const char *const names[C_N] = {"code",
                                           "state",
                                           "stage",
                                           "first_purchase",
                                           "last_purchase",
                                           "orders",
                                           "purchase_days",
                                           "repeat_days",
                                           "span_days",
                                           "t_days",
                                           "recency_days",
                                           "revenue",
                                           "avg_order_value",
                                           "avg_repeat_day_value",
                                           "r",
                                           "f",
                                           "m",
                                           "segment",
                                           "owner",
                                           "p_alive",
                                           "expected_purchases",
                                           "clv"};
    static const enum table_type types[C_N] = {
        TABLE_TEXT,  TABLE_TEXT,   TABLE_TEXT,   TABLE_DATE, TABLE_DATE, TABLE_INT,
        TABLE_INT,   TABLE_INT,    TABLE_INT,    TABLE_INT,  TABLE_INT,  TABLE_MONEY,
        TABLE_MONEY, TABLE_MONEY,  TABLE_INT,    TABLE_INT,  TABLE_INT,  TABLE_TEXT,
        TABLE_TEXT,  TABLE_DOUBLE, TABLE_DOUBLE, TABLE_MONEY};
    for (int c = 0; c < C_N; c++)
        table_add_column(t, names[c], types[c]);
    for (uint32_t c = 0; c < v.n; c++) {
        if (v.state[c] == CUST_STATE_NONE)
            continue;
        const struct customer_metrics *m = &v.m[c];
        size_t r = table_add_row(t);
        table_set_text(t, r, C_CODE, report_name(o, NAME_CUSTOMER, l->cust_id[c], nb, sizeof(nb)));
        table_set_text(t, r, C_STATE, cust_state_id(v.state[c]));
        table_set_text(t, r, C_STAGE, cust_stage_id(v.stage[c]));
        set_day_or_null(t, r, C_FIRST, m->first_day);
        set_day_or_null(t, r, C_LAST, m->last_day);
        table_set_int(t, r, C_ORDERS, m->orders);
        table_set_int(t, r, C_PDAYS, m->purchase_days);
        table_set_int(t, r, C_REPEAT, metrics_repeat_days(m));
        set_days_or_null(t, r, C_SPAN, metrics_span_days(m));
        set_days_or_null(t, r, C_T, metrics_t_days(m, as_of));
        set_days_or_null(t, r, C_REC, metrics_recency_days(m, as_of));
        table_set_money(t, r, C_REV, m->revenue);
        if (m->orders)
            table_set_money(t, r, C_AOV, mean_minor(m->revenue, m->orders));
        if (metrics_repeat_days(m))
            table_set_money(t, r, C_ARDV, mean_minor(m->repeat_revenue, metrics_repeat_days(m)));
        if (v.r[c]) {
            table_set_int(t, r, C_R, v.r[c]);
            table_set_int(t, r, C_F, v.f[c]);
            table_set_int(t, r, C_M, v.mo[c]);
            table_set_text(t, r, C_SEG, rfm_segment_id(rfm_segment_of(v.r[c], v.f[c])));
        }
        if (l->cust_flags[c] & LEDGER_CUST_TEAM)
            table_set_text(t, r, C_OWNER, "team");
        else if (l->cust_owner[c] != LEDGER_NONE)
            table_set_text(t, r, C_OWNER,
                           report_name(o, NAME_OWNER, l->cust_owner[c], ob, sizeof(ob)));
        /* table_set_double stores NaN (no prediction for this customer) as NULL */
        if (o->p_alive)
            table_set_double(t, r, C_PALIVE, o->p_alive[c]);
        if (o->expected_purchases)
            table_set_double(t, r, C_EXPECTED, o->expected_purchases[c]);
        if (o->clv && isfinite(o->clv[c]))
            table_set_money(t, r, C_CLV, (int64_t)llround(o->clv[c]));
    }
    table_set_decimals(t, C_PALIVE, 4);
    table_set_decimals(t, C_EXPECTED, 3);
    if (o->expected_purchases)
        table_add_note(t, "expected_purchases and clv over the next %d days (value model)",
                       o->value_horizon_days);
    analytics_view_release(&v);
    return t;
}

struct table *report_inventory_view(const struct ledger *l, const struct report_opts *o,
                                    const struct analytics_view *v)
{
    int64_t count[CUST_STATE_COUNT] = {0}, rev[CUST_STATE_COUNT] = {0};
    int64_t cause[CUST_STATE_COUNT] = {0}, team[CUST_STATE_COUNT] = {0}, total = 0;
    for (uint32_t c = 0; c < v->n; c++) {
        uint8_t s = v->state[c];
        count[s]++;
        rev[s] += v->m[c].revenue;
        cause[s] += l->cust_cause[c] != LEDGER_NONE;
        team[s] += (l->cust_flags[c] & LEDGER_CUST_TEAM) != 0;
    }
    for (int s = CUST_STATE_PROSPECT; s < CUST_STATE_COUNT; s++)
        total += count[s];
    struct table *t = new_table(l, "inventory", v->as_of);
    size_t cs = table_add_column(t, "state", TABLE_TEXT);
    size_t cl = table_add_column(t, "label", TABLE_TEXT);
    size_t cn = table_add_column(t, "customers", TABLE_INT);
    size_t csh = table_add_column(t, "share", TABLE_PERCENT);
    size_t cr = table_add_column(t, "revenue_to_date", TABLE_MONEY);
    size_t cc = table_add_column(t, "with_cause", TABLE_INT);
    size_t ct = table_add_column(t, "team_handled", TABLE_INT);
    for (int s = CUST_STATE_PROSPECT; s <= CUST_STATE_COUNT; s++) {
        size_t r = table_add_row(t);
        int all = s == CUST_STATE_COUNT;
        table_set_text(t, r, cs, all ? "total" : cust_state_id(s));
        table_set_text(t, r, cl, all ? "合計" : cust_state_label_ja(s));
        int64_t n = 0, rv = 0, ca = 0, tm = 0;
        for (int k = CUST_STATE_PROSPECT; k < CUST_STATE_COUNT; k++)
            if (all || k == s) {
                n += count[k];
                rv += rev[k];
                ca += cause[k];
                tm += team[k];
            }
        table_set_int(t, r, cn, n);
        table_set_ratio(t, r, csh, (double)n, (double)total);
        table_set_money(t, r, cr, rv);
        table_set_int(t, r, cc, ca);
        table_set_int(t, r, ct, tm);
    }
    (void)o;
    return t;
}

struct table *report_inventory(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                               struct ok_err *err)
{
    struct analytics_view v;
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    struct table *t = report_inventory_view(l, o, &v);
    analytics_view_release(&v);
    return t;
}

struct member {
    uint32_t c;
    int32_t recency;
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    if (x->recency != y->recency)
        return x->recency > y->recency ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

struct table *report_inventory_members(const struct ledger *l, const struct report_opts *o,
                                       int32_t as_of, int state, struct ok_err *err)
{
    struct analytics_view v;
    char nb[32], ob[32], cb[32];
    if (state >= CUST_STATE_COUNT || state == CUST_STATE_NONE) {
        ok_err_set(err, OK_ERR_INVALID, "inventory: unknown state %d", state);
        return NULL;
    }
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    struct member *mem = xmalloc((v.n ? v.n : 1) * sizeof(*mem));
    size_t k = 0;
    for (uint32_t c = 0; c < v.n; c++) {
        if (v.state[c] == CUST_STATE_NONE || (state >= 0 && v.state[c] != state))
            continue;
        int32_t rec = metrics_recency_days(&v.m[c], as_of);
        mem[k++] = (struct member){c, rec < 0 ? INT32_MAX : rec};
    }
    qsort(mem, k, sizeof(*mem), member_cmp);
    struct table *t = new_table(l, "inventory members", as_of);
    size_t ccode = table_add_column(t, "code", TABLE_TEXT);
    size_t cst = table_add_column(t, "state", TABLE_TEXT);
    size_t clast = table_add_column(t, "last_purchase", TABLE_DATE);
    size_t crec = table_add_column(t, "recency_days", TABLE_INT);
    size_t crev = table_add_column(t, "revenue", TABLE_MONEY);
    size_t clost = table_add_column(t, "lost_on", TABLE_DATE);
    size_t cown = table_add_column(t, "owner", TABLE_TEXT);
    size_t ccause = table_add_column(t, "cause", TABLE_TEXT);
    for (size_t i = 0; i < k; i++) {
        uint32_t c = mem[i].c;
        const struct customer_metrics *m = &v.m[c];
        size_t r = table_add_row(t);
        table_set_text(t, r, ccode, report_name(o, NAME_CUSTOMER, l->cust_id[c], nb, sizeof(nb)));
        table_set_text(t, r, cst, cust_state_id(v.state[c]));
        set_day_or_null(t, r, clast, m->last_day);
        set_days_or_null(t, r, crec, metrics_recency_days(m, as_of));
        table_set_money(t, r, crev, m->revenue);
        set_day_or_null(t, r, clost, v.lost_day[c]);
        if (l->cust_flags[c] & LEDGER_CUST_TEAM)
            table_set_text(t, r, cown, "team");
        else if (l->cust_owner[c] != LEDGER_NONE)
            table_set_text(t, r, cown,
                           report_name(o, NAME_OWNER, l->cust_owner[c], ob, sizeof(ob)));
        if (l->cust_cause[c] != LEDGER_NONE)
            table_set_text(t, r, ccause,
                           report_name(o, NAME_CAUSE, l->cust_cause[c], cb, sizeof(cb)));
    }
    free(mem);
    analytics_view_release(&v);
    return t;
}

struct table *report_lifecycle_view(const struct ledger *l, const struct report_opts *o,
                                    const struct analytics_view *v)
{
    int64_t count[CUST_STAGE_COUNT] = {0}, rev[CUST_STAGE_COUNT] = {0};
    int64_t revw[CUST_STAGE_COUNT] = {0}, total = 0;
    for (uint32_t c = 0; c < v->n; c++) {
        uint8_t s = v->stage[c];
        count[s]++;
        rev[s] += v->m[c].revenue;
        revw[s] += v->m[c].revenue_window;
    }
    for (int s = CUST_STAGE_PROSPECT; s < CUST_STAGE_COUNT; s++)
        total += count[s];
    struct table *t = new_table(l, "lifecycle", v->as_of);
    size_t cs = table_add_column(t, "stage", TABLE_TEXT);
    size_t cl = table_add_column(t, "label", TABLE_TEXT);
    size_t cn = table_add_column(t, "customers", TABLE_INT);
    size_t csh = table_add_column(t, "share", TABLE_PERCENT);
    size_t cr = table_add_column(t, "revenue_to_date", TABLE_MONEY);
    size_t cw = table_add_column(t, "revenue_window", TABLE_MONEY);
    size_t ca = table_add_column(t, "avg_revenue_window", TABLE_MONEY);
    for (int s = CUST_STAGE_PROSPECT; s < CUST_STAGE_COUNT; s++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, cs, cust_stage_id(s));
        table_set_text(t, r, cl, cust_stage_label_ja(s));
        table_set_int(t, r, cn, count[s]);
        table_set_ratio(t, r, csh, (double)count[s], (double)total);
        table_set_money(t, r, cr, rev[s]);
        table_set_money(t, r, cw, revw[s]);
        if (count[s])
            table_set_money(t, r, ca, mean_minor(revw[s], count[s]));
    }
    table_add_note(t, "window = last %ld days", (long)o->settings->window_days);
    return t;
}

struct table *report_lifecycle(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                               struct ok_err *err)
{
    struct analytics_view v;
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    struct table *t = report_lifecycle_view(l, o, &v);
    analytics_view_release(&v);
    return t;
}

struct view_job {
    struct analytics_view v;
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
        analytics_view_compute_ex(&j->v, j->l, j->o->settings, j->as_of, j->o->p_alive, 1, &j->err);
    return NULL;
}

struct table *report_transitions(const struct ledger *l, const struct report_opts *o, int32_t from,
                                 int32_t to, struct ok_err *err)
{
    struct analytics_view a, b;
    char f1[11], f2[11];
    if (from > to) {
        date_format_iso(from, f1);
        date_format_iso(to, f2);
        ok_err_set(err, OK_ERR_INVALID, "transitions: --from %s is after --to %s", f1, f2);
        return NULL;
    }
    if (!o || !o->settings) {
        ok_err_set(err, OK_ERR_INTERNAL, "report: settings missing");
        return NULL;
    }
    /* The two dates are independent: compute them on two threads (pure, read-only ledger). */
    struct view_job ja = {.l = l, .o = o, .as_of = from}, jb = {.l = l, .o = o, .as_of = to};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, view_job_run, &ja) == 0;
    if (!threaded)
        view_job_run(&ja);
    view_job_run(&jb);
    if (threaded)
        pthread_join(th, NULL);
    a = ja.v;
    b = jb.v;
    if (ja.rc < 0 || jb.rc < 0) {
        if (err)
            *err = ja.rc < 0 ? ja.err : jb.err;
        analytics_view_release(&a);
        analytics_view_release(&b);
        return NULL;
    }
    int64_t stage[CUST_STAGE_COUNT][CUST_STAGE_COUNT] = {{0}};
    int64_t state[CUST_STATE_COUNT][CUST_STATE_COUNT] = {{0}};
    int64_t retained[CUST_STAGE_COUNT] = {0};
    for (uint32_t c = 0; c < a.n; c++) {
        stage[a.stage[c]][b.stage[c]]++;
        state[a.state[c]][b.state[c]]++;
        retained[a.stage[c]] += b.state[c] == CUST_STATE_ACTIVE;
    }
    struct table *t = new_table(l, "transitions", LEDGER_NO_DAY);
    date_format_iso(from, f1);
    date_format_iso(to, f2);
    table_add_note(t, "from %s to %s; rate = customers / customers in the from-row", f1, f2);
    size_t ck = table_add_column(t, "kind", TABLE_TEXT);
    size_t cf = table_add_column(t, "from", TABLE_TEXT);
    size_t ct = table_add_column(t, "to", TABLE_TEXT);
    size_t cn = table_add_column(t, "customers", TABLE_INT);
    size_t cr = table_add_column(t, "rate", TABLE_PERCENT);
    /* "none" as a from-row holds customers who did not exist yet on `from` (new arrivals). */
    for (int i = 0; i < CUST_STAGE_COUNT; i++) {
        int64_t row = 0;
        for (int j = 0; j < CUST_STAGE_COUNT; j++)
            row += stage[i][j];
        if (row == 0 && i == CUST_STAGE_NONE)
            continue;
        for (int j = CUST_STAGE_PROSPECT; j < CUST_STAGE_COUNT; j++) {
            size_t r = table_add_row(t);
            table_set_text(t, r, ck, "stage");
            table_set_text(t, r, cf, cust_stage_id(i));
            table_set_text(t, r, ct, cust_stage_id(j));
            table_set_int(t, r, cn, stage[i][j]);
            table_set_ratio(t, r, cr, (double)stage[i][j], (double)row);
        }
    }
    for (int i = 0; i < CUST_STATE_COUNT; i++) {
        int64_t row = 0;
        for (int j = 0; j < CUST_STATE_COUNT; j++)
            row += state[i][j];
        if (row == 0 && i == CUST_STATE_NONE)
            continue;
        for (int j = CUST_STATE_PROSPECT; j < CUST_STATE_COUNT; j++) {
            size_t r = table_add_row(t);
            table_set_text(t, r, ck, "state");
            table_set_text(t, r, cf, cust_state_id(i));
            table_set_text(t, r, ct, cust_state_id(j));
            table_set_int(t, r, cn, state[i][j]);
            table_set_ratio(t, r, cr, (double)state[i][j], (double)row);
        }
    }
    for (int i = CUST_STAGE_PROSPECT; i < CUST_STAGE_COUNT; i++) {
        int64_t row = 0;
        for (int j = 0; j < CUST_STAGE_COUNT; j++)
            row += stage[i][j];
        size_t r = table_add_row(t);
        table_set_text(t, r, ck, "retention");
        table_set_text(t, r, cf, cust_stage_id(i));
        table_set_text(t, r, ct, "active");
        table_set_int(t, r, cn, retained[i]);
        table_set_ratio(t, r, cr, (double)retained[i], (double)row);
    }
    analytics_view_release(&a);
    analytics_view_release(&b);
    return t;
}

struct table *report_stage_time(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                                struct ok_err *err)
{
    struct analytics_view v;
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    int64_t new_done = 0, new_days = 0, new_open = 0, new_open_days = 0;
    int64_t life_done = 0, life_days = 0;
    for (uint32_t c = 0; c < v.n; c++) {
        const struct customer_metrics *m = &v.m[c];
        if (!m->purchase_days)
            continue;
        if (m->second_day != LEDGER_NO_DAY) {
            new_done++;
            new_days += m->second_day - m->first_day;
        } else {
            new_open++;
            new_open_days += as_of - m->first_day;
        }
        if (v.stage[c] == CUST_STAGE_LAPSED) {
            life_done++;
            life_days += m->last_day - m->first_day;
        }
    }
    struct table *t = new_table(l, "time in stage", as_of);
    size_t cs = table_add_column(t, "stage", TABLE_TEXT);
    size_t cd = table_add_column(t, "completed", TABLE_INT);
    size_t cm = table_add_column(t, "mean_days_completed", TABLE_DOUBLE);
    size_t co = table_add_column(t, "ongoing", TABLE_INT);
    size_t cmo = table_add_column(t, "mean_days_so_far", TABLE_DOUBLE);
    table_set_decimals(t, cm, 1);
    table_set_decimals(t, cmo, 1);
    size_t r = table_add_row(t);
    table_set_text(t, r, cs, "new");
    table_set_int(t, r, cd, new_done);
    table_set_ratio(t, r, cm, (double)new_days, (double)new_done);
    table_set_int(t, r, co, new_open);
    table_set_ratio(t, r, cmo, (double)new_open_days, (double)new_open);
    r = table_add_row(t);
    table_set_text(t, r, cs, "buying_life");
    table_set_int(t, r, cd, life_done);
    table_set_ratio(t, r, cm, (double)life_days, (double)life_done);
    analytics_view_release(&v);
    return t;
}

struct table *report_rfm(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                         struct ok_err *err)
{
    struct analytics_view v;
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    int64_t cnt[6][6] = {{0}}, rev[6][6] = {{0}}, scored = 0;
    for (uint32_t c = 0; c < v.n; c++) {
        cnt[v.r[c]][v.f[c]]++;
        rev[v.r[c]][v.f[c]] += v.m[c].revenue;
        scored += v.r[c] != 0;
    }
    struct table *t = new_table(l, "RFM grid (R x F)", as_of);
    size_t cr = table_add_column(t, "r", TABLE_INT);
    size_t cf = table_add_column(t, "f", TABLE_INT);
    size_t cn = table_add_column(t, "customers", TABLE_INT);
    size_t csh = table_add_column(t, "share", TABLE_PERCENT);
    size_t crev = table_add_column(t, "revenue", TABLE_MONEY);
    size_t cs = table_add_column(t, "segment", TABLE_TEXT);
    size_t cj = table_add_column(t, "segment_ja", TABLE_TEXT);
    for (int r = 5; r >= 1; r--)
        for (int f = 1; f <= 5; f++) {
            size_t row = table_add_row(t);
            enum rfm_segment s = rfm_segment_of(r, f);
            table_set_int(t, row, cr, r);
            table_set_int(t, row, cf, f);
            table_set_int(t, row, cn, cnt[r][f]);
            table_set_ratio(t, row, csh, (double)cnt[r][f], (double)scored);
            table_set_money(t, row, crev, rev[r][f]);
            table_set_text(t, row, cs, rfm_segment_id(s));
            table_set_text(t, row, cj, rfm_segment_label_ja(s));
        }
    table_add_note(t, "RFM by %s",
                   o->settings->rfm_method == RFM_FIXED ? "fixed boundaries" : "quintiles");
    analytics_view_release(&v);
    return t;
}

struct table *report_rfm_segments(const struct ledger *l, const struct report_opts *o,
                                  int32_t as_of, struct ok_err *err)
{
    struct analytics_view v;
    if (view_for(&v, l, o, as_of, err) < 0)
        return NULL;
    int64_t cnt[RFM_SEG_COUNT] = {0}, rev[RFM_SEG_COUNT] = {0}, scored = 0;
    int64_t sr[RFM_SEG_COUNT] = {0}, sf[RFM_SEG_COUNT] = {0}, sm[RFM_SEG_COUNT] = {0};
    for (uint32_t c = 0; c < v.n; c++) {
        if (!v.r[c])
            continue;
        enum rfm_segment s = rfm_segment_of(v.r[c], v.f[c]);
        cnt[s]++;
        rev[s] += v.m[c].revenue;
        sr[s] += v.r[c];
        sf[s] += v.f[c];
        sm[s] += v.mo[c];
        scored++;
    }
    struct table *t = new_table(l, "RFM segments", as_of);
    size_t cs = table_add_column(t, "segment", TABLE_TEXT);
    size_t ce = table_add_column(t, "label_en", TABLE_TEXT);
    size_t cj = table_add_column(t, "label_ja", TABLE_TEXT);
    size_t cn = table_add_column(t, "customers", TABLE_INT);
    size_t csh = table_add_column(t, "share", TABLE_PERCENT);
    size_t crev = table_add_column(t, "revenue", TABLE_MONEY);
    size_t cr = table_add_column(t, "mean_r", TABLE_DOUBLE);
    size_t cf = table_add_column(t, "mean_f", TABLE_DOUBLE);
    size_t cm = table_add_column(t, "mean_m", TABLE_DOUBLE);
    for (int s = RFM_SEG_CHAMPIONS; s < RFM_SEG_COUNT; s++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, cs, rfm_segment_id(s));
        table_set_text(t, r, ce, rfm_segment_label_en(s));
        table_set_text(t, r, cj, rfm_segment_label_ja(s));
        table_set_int(t, r, cn, cnt[s]);
        table_set_ratio(t, r, csh, (double)cnt[s], (double)scored);
        table_set_money(t, r, crev, rev[s]);
        table_set_ratio(t, r, cr, (double)sr[s], (double)cnt[s]);
        table_set_ratio(t, r, cf, (double)sf[s], (double)cnt[s]);
        table_set_ratio(t, r, cm, (double)sm[s], (double)cnt[s]);
    }
    analytics_view_release(&v);
    return t;
}

static int month_of(int32_t day)
{
    int y, m, d;
    date_to_ymd(day, &y, &m, &d);
    return y * 12 + (m - 1);
}

struct table *report_cohorts(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                             struct ok_err *err)
{
    if (!o || !o->settings)
        return ok_err_set(err, OK_ERR_INTERNAL, "report: settings missing"), NULL;
    struct table *t = new_table(l, "cohorts by month of first purchase", as_of);
    size_t cc = table_add_column(t, "cohort", TABLE_TEXT);
    size_t cmo = table_add_column(t, "months_since", TABLE_INT);
    size_t csz = table_add_column(t, "cohort_customers", TABLE_INT);
    size_t ca = table_add_column(t, "active_customers", TABLE_INT);
    size_t cr = table_add_column(t, "retention", TABLE_PERCENT);
    size_t crev = table_add_column(t, "revenue", TABLE_MONEY);
    size_t crep = table_add_column(t, "cohort_repeat_rate", TABLE_PERCENT);
    if (l->nlines == 0 || l->min_day > as_of)
        return t;
    /* day -> month index lookup, so the line loop does no calendar arithmetic */
    const int32_t d0 = l->min_day;
    const int32_t d1 = as_of < l->max_day ? as_of : l->max_day;
    const int m0 = month_of(d0);
    const int nmonths = month_of(d1) - m0 + 1;
    uint16_t *mon = xmalloc((size_t)(d1 - d0 + 1) * sizeof(*mon));
    for (int32_t d = d0; d <= d1; d++)
        mon[d - d0] = (uint16_t)(month_of(d) - m0);
    size_t cells = (size_t)nmonths * (size_t)nmonths;
    int64_t *active = xcalloc(cells, sizeof(*active));
    int64_t *rev = xcalloc(cells, sizeof(*rev));
    int64_t *size = xcalloc((size_t)nmonths, sizeof(*size));
    int64_t *repeat = xcalloc((size_t)nmonths, sizeof(*repeat));
    for (uint32_t c = 0; c < l->ncust; c++) {
        const uint64_t off = l->seg_off[c];
        const uint32_t len = l->seg_len[c];
        const int32_t *day = l->line_day + off;
        const int64_t *amt = l->line_amount + off;
        int cohort = -1, last_active = -1;
        int32_t first_day = LEDGER_NO_DAY;
        int repeated = 0;
        for (uint32_t i = 0; i < len && day[i] <= d1; i++) {
            if (cohort < 0) {
                if (amt[i] < 0)
                    continue; /* returns before the first purchase: not part of a cohort */
                cohort = mon[day[i] - d0];
                first_day = day[i];
            }
            int k = mon[day[i] - d0] - cohort;
            int64_t *cell = rev + (size_t)cohort * nmonths + k;
            *cell += amt[i];
            if (amt[i] >= 0) {
                repeated |= day[i] != first_day;
                if (k != last_active) {
                    active[(size_t)cohort * nmonths + k]++;
                    last_active = k;
                }
            }
        }
        if (cohort >= 0) {
            size[cohort]++;
            repeat[cohort] += repeated;
        }
    }
    for (int c = 0; c < nmonths; c++) {
        if (!size[c])
            continue;
        char label[16];
        int y = (m0 + c) / 12, m = (m0 + c) % 12 + 1;
        snprintf(label, sizeof(label), "%04d-%02d", y, m);
        for (int k = 0; c + k < nmonths; k++) {
            size_t r = table_add_row(t);
            table_set_text(t, r, cc, label);
            table_set_int(t, r, cmo, k);
            table_set_int(t, r, csz, size[c]);
            table_set_int(t, r, ca, active[(size_t)c * nmonths + k]);
            table_set_ratio(t, r, cr, (double)active[(size_t)c * nmonths + k], (double)size[c]);
            table_set_money(t, r, crev, rev[(size_t)c * nmonths + k]);
            table_set_ratio(t, r, crep, (double)repeat[c], (double)size[c]);
        }
    }
    free(mon);
    free(active);
    free(rev);
    free(size);
    free(repeat);
    return t;
}
