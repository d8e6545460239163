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

void h_reports_get(struct http_req *r)
{
    const struct report_def *def = service_report_find(http_param(r, 0));
    const struct snapshot *snap;
    struct report_params p;
    struct ok_err err;
    struct table *t;
    int has_as_of;
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
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap) {
        http_fail(r, &err);
        return;
    }
    if (!has_as_of)
        p.as_of = snapshot_today(snap);
    t = service_report_run(r->db, snap, def, &p, &err);
    snap_holder_end(&r->srv->snap);
    if (!t) {
        http_fail(r, &err);
        return;
    }
    table_render_json(t, &r->out);
    table_free(&t);
}

void h_health(struct http_req *r)
{
    buf_puts(&r->out, "{\"status\":\"ok\"}");
}
