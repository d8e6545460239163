/*
 * h_reports.c - /api/v1/reports: every report of the shared registry (service/reports.h), with
 * the CLI's names, parameters and columns, computed on the server's live snapshot.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "core/table.h"
#include "http/http.h"
#include "service/reports.h"
#include "service/summary.h"
#include "core/banned.h"

void h_reports_list(struct http_req *r)
{
    size_t n, i;
    const struct report_def *defs = service_reports(&n);
    buf_puts(&r->out, "{\"items\":[");
    for (i = 0; i < n; i++) {
        int first = 1;
        if (i)
            buf_putc(&r->out, ',');
        buf_putc(&r->out, '{');
        json_out_field_string(&r->out, &first, "name", defs[i].name);
        json_out_field_string(&r->out, &first, "summary", defs[i].summary);
        buf_printf(&r->out, ",\"uses_range\":%s,\"uses_state\":%s,\"uses_plan\":%s",
                   defs[i].uses & REPORT_USES_RANGE ? "true" : "false",
                   defs[i].uses & REPORT_USES_STATE ? "true" : "false",
                   defs[i].uses & REPORT_USES_PLAN ? "true" : "false");
        buf_putc(&r->out, '}');
    }
    buf_puts(&r->out, "],\"next_cursor\":null}");
}

/* A planning input: a finite number, or absent (NAN). -1 after replying 400. */
static int plan_number(struct http_req *r, const char *key, double *out)
{
    const char *s = http_query(r, key);
    char *end;
    double v;
    if (!s)
        return 0;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) {
        http_error(r, 400, "invalid", key, "%s must be a number", key);
        return -1;
    }
    *out = v;
    return 0;
}

/* The planning inputs of plan / lost-pool / payback from the query (CLI: --revenue ...). */
static int plan_inputs(struct http_req *r, struct report_plan_inputs *in)
{
    struct {
        const char *key;
        double *v;
    } nums[] = {{"revenue", &in->revenue},
                {"leads", &in->leads},
                {"conversion", &in->conversion},
                {"unit_price", &in->unit_price},
                {"leads_per_year", &in->leads_per_year},
                {"won_per_year", &in->won_per_year},
                {"years", &in->years},
                {"cost", &in->cost},
                {"saved_per_day", &in->saved_per_day},
                {"days", &in->days}};
    size_t i, n;
    report_plan_inputs_init(in);
    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (plan_number(r, nums[i].key, nums[i].v) < 0)
            return -1;
    n = http_query_all(r, "scenario", in->scenarios, 8);
    if (n > 8) {
        http_error(r, 400, "invalid", "scenario", "at most 8 scenarios");
        return -1;
    }
    in->nscenarios = (int)n;
    return 0;
}

/* The cache key of a report request: the report's name and every parameter as parsed, so two
 * spellings of one query (order of the keys, 2024-01-05 or 2024-1-5) share an entry. Numbers
 * are written in hexadecimal floating point, which is exact. today: the defaults of as_of and
 * of the range follow it. */
static void cache_key(struct buf *k, const struct report_def *def, const struct report_params *p,
                      int32_t today)
{
    const double *nums[] = {&p->plan.revenue,    &p->plan.leads,          &p->plan.conversion,
                            &p->plan.unit_price, &p->plan.leads_per_year, &p->plan.won_per_year,
                            &p->plan.years,      &p->plan.cost,           &p->plan.saved_per_day,
                            &p->plan.days};
    size_t i;
    int j;
    buf_printf(k, "%s|today=%ld|as_of=%ld", def->name, (long)today, (long)p->as_of);
    if (p->has_from)
        buf_printf(k, "|from=%ld", (long)p->from);
    if (p->has_to)
        buf_printf(k, "|to=%ld", (long)p->to);
    if (p->state)
        buf_printf(k, "|state=%zu:%s", strlen(p->state), p->state);
    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        if (!isnan(*nums[i]))
            buf_printf(k, "|n%zu=%a", i, *nums[i]);
    for (j = 0; j < p->plan.nscenarios; j++)
        buf_printf(k, "|scenario=%zu:%s", strlen(p->plan.scenarios[j]), p->plan.scenarios[j]);
}

/* The summary as of today from the snapshot's shared analytics (snap_holder_analytics), which
 * the customer list's badges and GET /at-risk use too: the dashboard asks for the summary and
 * /at-risk at once, and on a million customers a view costs 0.2-0.5 s of CPU, so one view instead
 * of one each. Runs under the analytics mutex, so it only counts. */
struct shared_summary {
    int money_decimals;
    struct table *t;
};

static int summary_from_shared(const struct snap_analytics *a, void *ctx)
{
    struct shared_summary *s = ctx;
    s->t = summary_from_view(&a->view, s->money_decimals);
    return 0;
}

/* The report from the shared analytics when it is the same table the registry would compute:
 * the summary with no parameter but as_of, as of the snapshot's today (the day the shared view
 * is kept for). NULL with *handled 0 otherwise. */
static struct table *report_shared(struct http_req *r, const struct snapshot *snap,
                                   const struct report_def *def, const struct report_params *p,
                                   int *handled, struct ok_err *err)
{
    struct shared_summary s = {snap->money_decimals, NULL};
    *handled = 0;
    if (strcmp(def->name, "summary") != 0 || p->has_from || p->has_to || p->state ||
        p->as_of != snapshot_today(snap))
        return NULL;
    *handled = 1;
    if (snap_holder_analytics(&r->srv->snap, r->db, snap, p->as_of, summary_from_shared, &s, err) <
        0)
        return NULL;
    return s.t;
}

void h_reports_get(struct http_req *r)
{
    const struct report_def *def = service_report_find(http_param(r, 0));
    struct snap_holder *h = &r->srv->snap;
    const struct snapshot *snap;
    struct report_params p;
    struct ok_err err;
    struct table *t;
    struct buf key;
    uint64_t version;
    size_t start;
    int has_as_of, shared;
    ok_err_clear(&err);
    if (!def) {
        http_error(r, 404, "not_found", NULL, "there is no report '%s' (GET /api/v1/reports)",
                   http_param(r, 0));
        return;
    }
    memset(&p, 0, sizeof(p));
    if (http_query_date(r, "as_of", &p.as_of, &has_as_of) < 0 ||
        http_query_date(r, "from", &p.from, &p.has_from) < 0 ||
        http_query_date(r, "to", &p.to, &p.has_to) < 0)
        return;
    p.state = http_query(r, "state");
    if (plan_inputs(r, &p.plan) < 0)
        return;
    /* Acquiring first brings the snapshot up to date with every write that returned, so the
     * version looked up below is at least that of the data this request must see. */
    snap = snap_holder_acquire(h, r->db, &err);
    if (!snap) {
        http_fail(r, &err);
        return;
    }
    if (!has_as_of)
        p.as_of = snapshot_today(snap);
    version = snap_holder_version(h);
    buf_init(&key, 0);
    cache_key(&key, def, &p, snapshot_today(snap));
    if (!key.failed && report_cache_get(&h->reports, version, key.data, &r->out)) {
        snap_holder_end(h);
        buf_release(&key);
        return;
    }
    t = report_shared(r, snap, def, &p, &shared, &err);
    if (!shared)
        t = service_report_run(r->db, snap, def, &p, &err);
    snap_holder_end(h);
    if (!t) {
        buf_release(&key);
        http_fail(r, &err);
        return;
    }
    start = r->out.len;
    table_render_json(t, &r->out);
    table_free(&t);
    if (!key.failed && !r->out.failed)
        report_cache_put(&h->reports, version, key.data, r->out.data + start, r->out.len - start);
    buf_release(&key);
}

void h_health(struct http_req *r)
{
    buf_puts(&r->out, "{\"status\":\"ok\"}");
}
