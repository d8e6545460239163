/*
 * summary.c - counts per state and per lifecycle stage, from the analytics view.
 */
#include "service/summary.h"

#include "analytics/view.h"
#include "core/date.h"
#include "core/banned.h"

struct table *summary_from_view(const struct analytics_view *v, int money_decimals)
{
    uint64_t by_state[CUST_STATE_COUNT] = {0}, by_stage[CUST_STAGE_COUNT] = {0};
    int64_t rev_state[CUST_STATE_COUNT] = {0}, rev_stage[CUST_STAGE_COUNT] = {0};
    uint64_t total = 0;
    struct table *t;
    uint32_t i;
    int k;
    for (i = 0; i < v->n; i++) {
        if (v->state[i] == CUST_STATE_NONE)
            continue;
        total++;
        by_state[v->state[i]]++;
        by_stage[v->stage[i]]++;
        rev_state[v->state[i]] += v->m[i].revenue;
        rev_stage[v->stage[i]] += v->m[i].revenue;
    }
    t = table_new("summary");
    table_set_money_decimals(t, money_decimals);
    table_add_column(t, "section", TABLE_TEXT);
    table_add_column(t, "name", TABLE_TEXT);
    table_add_column(t, "label_ja", TABLE_TEXT);
    table_add_column(t, "customers", TABLE_INT);
    table_add_column(t, "share", TABLE_PERCENT);
    table_add_column(t, "revenue", TABLE_MONEY);
    for (k = CUST_STATE_PROSPECT; k < CUST_STATE_COUNT; k++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, 0, "state");
        table_set_text(t, r, 1, cust_state_id(k));
        table_set_text(t, r, 2, cust_state_label_ja(k));
        table_set_int(t, r, 3, (int64_t)by_state[k]);
        table_set_ratio(t, r, 4, (double)by_state[k], (double)total);
        table_set_money(t, r, 5, rev_state[k]);
    }
    for (k = CUST_STAGE_PROSPECT; k < CUST_STAGE_COUNT; k++) {
        size_t r = table_add_row(t);
        table_set_text(t, r, 0, "stage");
        table_set_text(t, r, 1, cust_stage_id(k));
        table_set_text(t, r, 2, cust_stage_label_ja(k));
        table_set_int(t, r, 3, (int64_t)by_stage[k]);
        table_set_ratio(t, r, 4, (double)by_stage[k], (double)total);
        table_set_money(t, r, 5, rev_stage[k]);
    }
    {
        char day[11];
        date_format_iso(v->as_of, day);
        table_add_note(t, "as of %s: %llu customers", day, (unsigned long long)total);
    }
    return t;
}

struct table *summary_report(const struct snapshot *s, int32_t as_of, const double *p_alive,
                             struct ok_err *err)
{
    struct analytics_view v;
    struct table *t;
    if (analytics_view_compute(&v, s->ledger, &s->settings, as_of, p_alive, err) < 0)
        return NULL;
    t = summary_from_view(&v, s->money_decimals);
    analytics_view_release(&v);
    return t;
}
