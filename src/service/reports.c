/*
 * reports.c - the report registry and the glue that gives each pure report function its
 * snapshot, settings, names and parameters.
 */
#include "service/reports.h"

#include <string.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analytics/kpi.h"
#include "analytics/plan.h"
#include "analytics/report.h"
#include "core/mem.h"
#include "store/goal.h"
#include "analytics/view.h"
#include "core/date.h"
#include "service/names.h"
#include "service/summary.h"
#include "service/values.h"
#include "core/banned.h"

#define OPTS(o) ((const struct report_opts *)(o))

/* Goals whose period overlaps the report's, for report_kpis. */
struct goal_list {
    struct kpi_goal *goals;
    char **names;
    size_t n, alloc;
};

static int collect_goal(void *ctx, const struct goal *g)
{
    struct goal_list *gl = ctx;
    size_t cap = gl->alloc;
    if (gl->n == gl->alloc) {
        size_t cap2 = gl->alloc;
        gl->goals = xgrow(gl->goals, &cap, gl->n + 1, sizeof(*gl->goals));
        gl->names = xgrow(gl->names, &cap2, gl->n + 1, sizeof(*gl->names));
        gl->alloc = cap;
    }
    gl->names[gl->n] = xstrdup(g->kpi);
    gl->goals[gl->n].kpi = gl->names[gl->n];
    gl->goals[gl->n].target = g->target;
    gl->n++;
    return 0;
}

static struct table *build_kpis(const struct report_call *c, struct ok_err *err)
{
    struct goal_list gl = {0};
    struct goal_query q = {0};
    char from[11], to[11];
    struct table *t = NULL;
    size_t i;
    date_format_iso(c->p->from, from);
    date_format_iso(c->p->to, to);
    q.from = from;
    q.to = to;
    q.limit = 1000;
    if (store_goal_list(c->db, &q, collect_goal, &gl, err) == 0)
        t = report_kpis(c->snap->ledger, OPTS(c->opts), c->p->from, c->p->to, gl.goals, gl.n, err);
    for (i = 0; i < gl.n; i++)
        free(gl.names[i]);
    free(gl.names);
    free(gl.goals);
    return t;
}

/* The KPI breakdowns share one shape: (ledger, opts, from, to). */
#define RANGE_REPORT(fn_name, report_fn)                                                           \
    static struct table *fn_name(const struct report_call *c, struct ok_err *err)                  \
    {                                                                                              \
        return report_fn(c->snap->ledger, OPTS(c->opts), c->p->from, c->p->to, err);               \
    }
RANGE_REPORT(build_referrals, report_referrals)
RANGE_REPORT(build_renewals, report_renewals)
RANGE_REPORT(build_upsell, report_upsell)
RANGE_REPORT(build_lost_reasons, report_lost_reasons)
RANGE_REPORT(build_satisfaction, report_satisfaction)

static struct table *build_summary(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return summary_report(s, p->as_of, OPTS(o)->p_alive, err);
}

static struct table *build_customers(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_customers(s->ledger, OPTS(o), p->as_of, err);
}

static struct table *build_inventory(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    int state;
    if (!p->state)
        return report_inventory(s->ledger, OPTS(o), p->as_of, err);
    for (state = CUST_STATE_PROSPECT; state < CUST_STATE_COUNT; state++)
        if (!strcmp(p->state, cust_state_id(state)) || !strcmp(p->state, "all"))
            break;
    if (!strcmp(p->state, "all"))
        state = -1;
    return report_inventory_members(s->ledger, OPTS(o), p->as_of, state, err);
}

static struct table *build_lifecycle(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_lifecycle(s->ledger, OPTS(o), p->as_of, err);
}

static struct table *build_transitions(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_transitions(s->ledger, OPTS(o), p->from, p->to, err);
}

static struct table *build_stage_time(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_stage_time(s->ledger, OPTS(o), p->as_of, err);
}

static struct table *build_rfm(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_rfm(s->ledger, OPTS(o), p->as_of, err);
}

static struct table *build_rfm_segments(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_rfm_segments(s->ledger, OPTS(o), p->as_of, err);
}

static struct table *build_cohorts(const struct report_call *c, struct ok_err *err)
{
    const struct snapshot *s = c->snap;
    const struct report_params *p = c->p;
    const void *o = c->opts;
    return report_cohorts(s->ledger, OPTS(o), p->as_of, err);
}

void report_plan_inputs_init(struct report_plan_inputs *in)
{
    memset(in, 0, sizeof(*in));
    in->revenue = in->leads = in->conversion = in->unit_price = NAN;
    in->leads_per_year = in->won_per_year = in->years = NAN;
    in->cost = in->saved_per_day = in->days = NAN;
}

/* Applies "key=value,key=value" to a scenario; -1 with err naming the bad part. */
static int apply_scenario_values(struct plan_scenario *sc, const char *text, struct ok_err *err)
{
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char part[64], *eq, *num_end;
        double v;
        if (n == 0 || n >= sizeof(part))
            return ok_err_set(err, OK_ERR_INVALID, "scenario '%s': empty or too long part", text);
        memcpy(part, p, n);
        part[n] = '\0';
        eq = strchr(part, '=');
        if (!eq)
            return ok_err_set(err, OK_ERR_INVALID,
                              "scenario '%s': '%s' is not key=value (e.g. conversion=0.04)", text,
                              part);
        *eq = '\0';
        v = strtod(eq + 1, &num_end);
        if (num_end == eq + 1 || *num_end || !isfinite(v))
            return ok_err_set(err, OK_ERR_INVALID, "scenario '%s': '%s' is not a number", text,
                              eq + 1);
        if (!strcmp(part, "revenue"))
            sc->revenue = v;
        else if (!strcmp(part, "leads"))
            sc->leads = v;
        else if (!strcmp(part, "conversion"))
            sc->conversion = v;
        else if (!strcmp(part, "unit_price"))
            sc->unit_price = v;
        else if (!strcmp(part, "solve")) {
            return ok_err_set(err, OK_ERR_INVALID, "scenario '%s': use solve:KEY", text);
        } else
            return ok_err_set(err, OK_ERR_INVALID,
                              "scenario '%s': unknown key '%s' (revenue, leads, conversion, "
                              "unit_price)",
                              text, part);
        p += n + (end ? 1 : 0);
    }
    return 0;
}

/* report plan: the base scenario from the inputs, its one unknown solved; inputs left out
 * beyond one are taken from the data of the period (actual conversion and unit price). */
static struct table *build_plan(const struct report_call *c, struct ok_err *err)
{
    const struct report_plan_inputs *in = &c->p->plan;
    struct plan_scenario sc[9];
    char names[9][64];
    double conv, price_minor, leads;
    double scale = pow(10.0, c->snap->money_decimals);
    int n = 0, i, unknown;
    sc[0].name = "base";
    sc[0].revenue = in->revenue;
    sc[0].leads = in->leads;
    sc[0].conversion = in->conversion;
    sc[0].unit_price = in->unit_price;
    unknown = isnan(sc[0].revenue) + isnan(sc[0].leads) + isnan(sc[0].conversion) +
              isnan(sc[0].unit_price);
    if (unknown > 1) {
        plan_actuals(c->snap->ledger, c->p->from, c->p->to, &conv, &price_minor, &leads);
        if (isnan(sc[0].conversion) && unknown > 1 && isfinite(conv)) {
            sc[0].conversion = conv;
            unknown--;
        }
        if (isnan(sc[0].unit_price) && unknown > 1 && isfinite(price_minor)) {
            sc[0].unit_price = price_minor / scale;
            unknown--;
        }
        if (isnan(sc[0].leads) && unknown > 1 && leads > 0) {
            sc[0].leads = leads;
            unknown--;
        }
    }
    if (unknown != 1)
        return ok_err_set(err, OK_ERR_INVALID,
                          "planning needs exactly one unknown among --revenue, --leads, "
                          "--conversion and --unit-price (the data of the period could not "
                          "supply the others)"),
               NULL;
    n = 1;
    for (i = 0; i < in->nscenarios; i++) {
        const char *colon = strchr(in->scenarios[i], ':');
        size_t len;
        if (!colon)
            return ok_err_set(err, OK_ERR_INVALID,
                              "scenario '%s' is not NAME:key=value,... (e.g. "
                              "\"悲観:conversion=0.04,revenue=20000000\")",
                              in->scenarios[i]),
                   NULL;
        len = (size_t)(colon - in->scenarios[i]);
        snprintf(names[n], sizeof(names[n]), "%.*s", (int)(len < 63 ? len : 63), in->scenarios[i]);
        sc[n] = sc[0];
        sc[n].name = names[n];
        /* the unknown of the base stays the unknown of every scenario */
        if (isnan(in->revenue) && !isnan(sc[0].leads) && !isnan(sc[0].conversion) &&
            !isnan(sc[0].unit_price))
            sc[n].revenue = NAN;
        else if (isnan(in->leads))
            sc[n].leads = NAN;
        else if (isnan(in->conversion))
            sc[n].conversion = NAN;
        else
            sc[n].unit_price = NAN;
        if (apply_scenario_values(&sc[n], colon + 1, err) < 0)
            return NULL;
        n++;
    }
    return report_plan(sc, (size_t)n, err);
}

static struct table *build_lost_pool(const struct report_call *c, struct ok_err *err)
{
    const struct report_plan_inputs *in = &c->p->plan;
    if (isnan(in->leads_per_year) || isnan(in->won_per_year) || isnan(in->years))
        return ok_err_set(err, OK_ERR_USAGE,
                          "lost-pool needs --leads-per-year, --won-per-year and --years"),
               NULL;
    return report_lost_pool(in->leads_per_year, in->won_per_year, (int)in->years, err);
}

static struct table *build_payback(const struct report_call *c, struct ok_err *err)
{
    const struct report_plan_inputs *in = &c->p->plan;
    if (isnan(in->cost) || isnan(in->saved_per_day) || isnan(in->days))
        return ok_err_set(err, OK_ERR_USAGE, "payback needs --cost, --saved-per-day and --days"),
               NULL;
    return report_retention_payback(in->cost, in->saved_per_day, in->days, err);
}

static const struct report_def reports[] = {
    {"summary", "customers by state and lifecycle stage", 0, build_summary},
    {"customers", "one row per customer: metrics, state, stage, RFM", REPORT_USES_CUSTOMERS,
     build_customers},
    {"inventory", "棚卸し: counts per state; with --state, the members with owner and cause",
     REPORT_USES_STATE | REPORT_USES_CUSTOMERS, build_inventory},
    {"lifecycle", "customers and revenue per lifecycle stage", 0, build_lifecycle},
    {"transitions", "matrix of stage/state changes between --from and --to", REPORT_USES_RANGE,
     build_transitions},
    {"stage-time", "mean time in each stage and retention per stage", 0, build_stage_time},
    {"rfm", "the 5×5 recency × frequency grid with counts and revenue", 0, build_rfm},
    {"rfm-segments", "named RFM segments (優良顧客 Champions, 離反予備軍 At risk …)", 0,
     build_rfm_segments},
    {"cohorts", "retention and revenue by month of first purchase", 0, build_cohorts},
    {"kpis", "retention KPIs between --from and --to, with goals and progress", REPORT_USES_RANGE,
     build_kpis},
    {"referrals", "referrals by trigger and by the referrer's stage and RFM segment",
     REPORT_USES_RANGE, build_referrals},
    {"renewals", "contracts ending in the period: renewed or not, end reasons", REPORT_USES_RANGE,
     build_renewals},
    {"upsell", "won upsell and cross-sell deals by trigger and product", REPORT_USES_RANGE,
     build_upsell},
    {"lost-reasons", "lost deals by reason and their reactivation", REPORT_USES_RANGE,
     build_lost_reasons},
    {"satisfaction", "feedback by kind: responses and scores", REPORT_USES_RANGE,
     build_satisfaction},
    {"plan", "revenue = leads × conversion × unit price, solved for the unknown, with scenarios",
     REPORT_USES_RANGE | REPORT_USES_PLAN, build_plan},
    {"lost-pool", "the growing pool of lost prospects year by year", REPORT_USES_PLAN,
     build_lost_pool},
    {"payback", "the payback of retention work (cost saved per day × days)", REPORT_USES_PLAN,
     build_payback},
};

const struct report_def *service_reports(size_t *count)
{
    *count = sizeof(reports) / sizeof(reports[0]);
    return reports;
}

const struct report_def *service_report_find(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
        if (!strcmp(reports[i].name, name))
            return &reports[i];
    return NULL;
}

static int check_params(const struct report_def *def, struct report_params *p, struct ok_err *err)
{
    if (def->uses & REPORT_USES_RANGE) {
        if (!p->has_to)
            p->to = p->as_of;
        if (!p->has_from)
            p->from = p->to - 365;
        if (p->from > p->to) {
            char from[11], to[11];
            date_format_iso(p->from, from);
            date_format_iso(p->to, to);
            ok_err_set(err, OK_ERR_INVALID, "--from %s is after --to %s; swap them", from, to);
            ok_err_locate(err, "from", 0);
            return -1;
        }
    } else if (p->has_from || p->has_to) {
        return ok_err_set(err, OK_ERR_USAGE, "report %s takes --as-of, not --from/--to", def->name);
    }
    if (p->state) {
        int k, known = !strcmp(p->state, "all");
        if (!(def->uses & REPORT_USES_STATE))
            return ok_err_set(err, OK_ERR_USAGE, "report %s has no --state", def->name);
        for (k = CUST_STATE_PROSPECT; k < CUST_STATE_COUNT && !known; k++)
            known = !strcmp(p->state, cust_state_id(k));
        if (!known) {
            ok_err_set(err, OK_ERR_INVALID,
                       "unknown state '%s'; use prospect, active, sleeping, dead, lost or all",
                       p->state);
            ok_err_locate(err, "state", 0);
            return -1;
        }
    }
    return 0;
}

struct table *service_report_run(struct db *db, const struct snapshot *snap,
                                 const struct report_def *def, struct report_params *p,
                                 struct ok_err *err)
{
    struct service_names names;
    struct customer_values values = {0};
    struct report_opts opts;
    struct table *t;
    int with_customers;
    if (check_params(def, p, err) < 0)
        return NULL;
    with_customers =
        (def->uses & REPORT_USES_CUSTOMERS) && !(def->build == build_inventory && !p->state);
    if (service_names_load(&names, db, snap, with_customers, err) < 0)
        return NULL;
    memset(&opts, 0, sizeof(opts));
    opts.settings = &snap->settings;
    opts.names = &names.api;
    /* Value-model predictions: required by the P(alive) state rule, shown by the customers
     * report when a model has been fitted. */
    if (snap->settings.state_rule == STATE_RULE_PALIVE || def->build == build_customers) {
        int found = service_values_load(db, snap, p->as_of, &values, err);
        if (found < 0) {
            service_names_release(&names);
            return NULL;
        }
        if (!found && snap->settings.state_rule == STATE_RULE_PALIVE) {
            ok_err_set(err, OK_ERR_INVALID,
                       "setting state.rule is p_alive but no value model has been fitted; run "
                       "`okaeri clv fit --model bgnbd` (and gamma-gamma) first, or set "
                       "state.rule to fixed");
            service_names_release(&names);
            return NULL;
        }
        if (found) {
            opts.p_alive = values.p_alive;
            opts.expected_purchases = values.expected;
            opts.clv = values.clv;
            opts.value_horizon_days = VALUES_HORIZON_DAYS;
        }
    }
    {
        struct report_call call = {snap, p, &opts, db};
        t = def->build(&call, err);
    }
    service_names_release(&names);
    service_values_release(&values);
    return t;
}
