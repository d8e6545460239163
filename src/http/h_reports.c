/*
 * h_reports.c - /api/v1/reports: every report of the shared registry (service/reports.h), with
 * the CLI's names, parameters and columns, computed on the server's live snapshot.
 */
#include <stdio.h>
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
        buf_printf(&r->out, ",\"uses_range\":%s,\"uses_state\":%s",
                   defs[i].uses & REPORT_USES_RANGE ? "true" : "false",
                   defs[i].uses & REPORT_USES_STATE ? "true" : "false");
        buf_putc(&r->out, '}');
    }
    buf_puts(&r->out, "],\"next_cursor\":null}");
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
