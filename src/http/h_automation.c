/*
 * h_automation.c - /api/v1/segments, /api/v1/playbooks, /api/v1/automation and the
 * unsubscribe page: the automated follow-up of docs/automation.md over HTTP.
 *
 * Segments are checked when saved exactly as `okaeri segment add` does (population_compile:
 * syntax, fields, and names that must exist) and evaluated on a population loaded for the
 * request (automation/population.h). Playbooks are checked as `okaeri playbook add` does
 * (store_playbook_validate and template_check on every subject and body). The work is in the
 * automation layer; these handlers read inputs and write JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/automate.h"
#include "automation/population.h"
#include "automation/template.h"
#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "http/http.h"
#include "store/fields.h"
#include "store/playbook.h"
#include "store/segment.h"
#include "core/banned.h"

/* ---- segments ---- */

/* The ?as_of day (default today); -1 after replying. */
static int as_of_param(struct http_req *r, int32_t *as_of)
{
    int present;
    if (http_query_date(r, "as_of", as_of, &present) < 0)
        return -1;
    if (!present)
        *as_of = INT32_MIN;
    return 0;
}

/* Loads the population as of as_of and selects the segment's members (sorted by customer id
 * into *ids / *idx, caller frees). Records the day's count. -1 with err. */
struct member {
    int64_t id;
    uint32_t idx;
};

static int member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int evaluate(struct http_req *r, const struct segment *s, int32_t as_of,
                    struct population *p, struct member **out, size_t *n, struct ok_err *err)
{
    struct filter *f;
    uint32_t *idx = NULL;
    char day[11];
    size_t i;
    *out = NULL;
    *n = 0;
    if (population_load(r->db, p, as_of, err) < 0)
        return -1;
    f = population_compile(r->db, p, s->filter, err);
    if (!f)
        return -1;
    *n = filter_select(f, &idx);
    filter_free(&f);
    *out = xmalloc((*n ? *n : 1) * sizeof(**out));
    for (i = 0; i < *n; i++) {
        (*out)[i].idx = idx[i];
        (*out)[i].id = p->snap.ledger->cust_id[idx[i]];
    }
    free(idx);
    if (*n > 1)
        qsort(*out, *n, sizeof(**out), member_cmp);
    date_format_iso(p->as_of, day);
    return store_segment_record_count(r->db, s->id, day, (int64_t)*n, err);
}

/* Checks a filter as saving does; the canonical text into out when not NULL. */
static int check_filter(struct http_req *r, const char *text, struct buf *out, struct ok_err *err)
{
    struct filter *f = population_compile(r->db, NULL, text, err);
    if (!f)
        return -1;
    if (out)
        filter_to_text(f, out);
    filter_free(&f);
    return 0;
}

static void segment_reply(struct http_req *r, const char *name)
{
    struct segment s;
    struct ok_err err;
    memset(&s, 0, sizeof(s));
    ok_err_clear(&err);
    if (store_segment_get(r->db, name, &s, &err) < 0)
        http_fail(r, &err);
    else
        segment_to_json(&s, &r->out);
    segment_release(&s);
}

void h_segments_check(struct http_req *r)
{
    struct ok_err err;
    struct buf canon;
    ok_err_clear(&err);
    buf_init(&canon, 0);
    if (check_filter(r, http_body_str(r, "filter"), &canon, &err) < 0) {
        http_fail(r, &err);
    } else {
        int first = 1;
        buf_putc(&r->out, '{');
        json_out_field_string(&r->out, &first, "filter", canon.data);
        buf_putc(&r->out, '}');
    }
    buf_release(&canon);
}

void h_segments_create(struct http_req *r)
{
    struct segment s;
    struct ok_err err;
    memset(&s, 0, sizeof(s));
    ok_err_clear(&err);
    store_field_set(&s.name, http_body_str(r, "name"));
    store_field_set(&s.filter, http_body_str(r, "filter"));
    store_field_set(&s.description, http_body_str(r, "description"));
    if (store_segment_validate(&s, &err) < 0 || check_filter(r, s.filter, NULL, &err) < 0 ||
        store_segment_create(r->db, &r->actor, &s, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    segment_reply(r, s.name);
    snprintf(r->location, sizeof(r->location), "/api/v1/segments/%lld", (long long)s.id);
out:
    segment_release(&s);
}

void h_segments_get(struct http_req *r)
{
    segment_reply(r, http_param(r, 0));
}

void h_segments_update(struct http_req *r)
{
    struct segment s;
    struct ok_err err;
    memset(&s, 0, sizeof(s));
    ok_err_clear(&err);
    if (store_segment_get(r->db, http_param(r, 0), &s, &err) < 0)
        goto fail;
    if (http_body_has(r, "name"))
        store_field_set(&s.name, http_body_str(r, "name"));
    if (http_body_has(r, "filter"))
        store_field_set(&s.filter, http_body_str(r, "filter"));
    if (http_body_has(r, "description"))
        store_field_set(&s.description, http_body_str(r, "description"));
    if (store_segment_validate(&s, &err) < 0 || check_filter(r, s.filter, NULL, &err) < 0 ||
        store_segment_update(r->db, &r->actor, &s, &err) < 0)
        goto fail;
    segment_reply(r, s.name);
    goto out;
fail:
    http_fail(r, &err);
out:
    segment_release(&s);
}

void h_segments_delete(struct http_req *r)
{
    struct segment s;
    struct ok_err err;
    memset(&s, 0, sizeof(s));
    ok_err_clear(&err);
    if (store_segment_get(r->db, http_param(r, 0), &s, &err) < 0 ||
        store_segment_delete(r->db, &r->actor, s.id, &err) < 0)
        http_fail(r, &err);
    segment_release(&s);
}

static int segment_one(void *ctx, const struct segment *s)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    segment_to_json(s, &p->r->out);
    buf_puts(&p->key, s->name);
    return 0;
}

void h_segments_list(struct http_req *r)
{
    struct http_page p;
    struct segment_query q;
    struct ok_err err;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    q.search = http_query(r, "search");
    q.after_name = p.cursor;
    q.limit = p.limit + 1;
    if (store_segment_list(r->db, &q, segment_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

static int count_one(void *ctx, const char *day, int64_t members)
{
    struct buf *out = ctx;
    if (out->data[out->len - 1] != '[')
        buf_putc(out, ',');
    buf_printf(out, "{\"day\":\"%s\",\"members\":%lld}", day, (long long)members);
    return 0;
}

void h_segments_count(struct http_req *r)
{
    struct segment s;
    struct population p;
    struct member *m = NULL;
    struct ok_err err;
    size_t n = 0;
    int32_t as_of;
    char day[11];
    memset(&s, 0, sizeof(s));
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (as_of_param(r, &as_of) < 0)
        goto out;
    if (store_segment_get(r->db, http_param(r, 0), &s, &err) < 0 ||
        evaluate(r, &s, as_of, &p, &m, &n, &err) < 0)
        goto fail;
    date_format_iso(p.as_of, day);
    buf_puts(&r->out, "{\"name\":");
    json_out_string(&r->out, s.name, (size_t)-1);
    buf_printf(&r->out, ",\"as_of\":\"%s\",\"members\":%zu,\"history\":[", day, n);
    if (store_segment_counts(r->db, s.id, NULL, NULL, count_one, &r->out, &err) < 0)
        goto fail;
    buf_puts(&r->out, "]}");
    goto out;
fail:
    http_fail(r, &err);
out:
    free(m);
    population_release(&p);
    segment_release(&s);
}

/* One member as JSON (or a CSV line): code, state, stage, recency_days, orders, revenue. */
static void member_out(const struct population *p, uint32_t c, int csv, struct buf *out)
{
    const struct customer_metrics *mt = &p->view.m[c];
    const char *code = p->codes[c] ? p->codes[c] : "";
    const char *state = cust_state_id((enum cust_state)p->view.state[c]);
    const char *stage = cust_stage_id((enum cust_stage)p->view.stage[c]);
    if (csv) {
        /* quoted: a code may hold a comma or a quote */
        buf_putc(out, '"');
        for (; *code; code++) {
            if (*code == '"')
                buf_putc(out, '"');
            buf_putc(out, *code);
        }
        buf_printf(out, "\",%s,%s,", state, stage);
        if (mt->purchase_days)
            buf_printf(out, "%d", (int)(p->as_of - mt->last_day));
        buf_printf(out, ",%u,%lld\r\n", mt->orders, (long long)mt->revenue);
        return;
    }
    buf_puts(out, "{\"code\":");
    json_out_string(out, code, (size_t)-1);
    buf_printf(out, ",\"state\":\"%s\",\"stage\":\"%s\",\"recency_days\":", state, stage);
    if (mt->purchase_days)
        buf_printf(out, "%d", (int)(p->as_of - mt->last_day));
    else
        buf_puts(out, "null");
    buf_printf(out, ",\"orders\":%u,\"revenue\":%lld}", mt->orders, (long long)mt->revenue);
}

void h_segments_members(struct http_req *r)
{
    struct segment s;
    struct population p;
    struct http_page pg;
    struct member *m = NULL;
    struct ok_err err;
    size_t n = 0, i;
    int64_t after = 0;
    int32_t as_of;
    memset(&s, 0, sizeof(s));
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (http_page_begin(r, &pg) < 0 || as_of_param(r, &as_of) < 0)
        goto out;
    if (pg.cursor && http_parse_id(pg.cursor, &after) < 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        goto out;
    }
    if (store_segment_get(r->db, http_param(r, 0), &s, &err) < 0 ||
        evaluate(r, &s, as_of, &p, &m, &n, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (m[i].id <= after)
            continue;
        if (http_page_item(&pg))
            break;
        member_out(&p, m[i].idx, 0, &r->out);
        buf_put_i64(&pg.key, m[i].id);
    }
    http_page_end(&pg);
out:
    free(m);
    population_release(&p);
    segment_release(&s);
    http_page_release(&pg);
}

void h_segments_export(struct http_req *r)
{
    struct segment s;
    struct population p;
    struct member *m = NULL;
    struct ok_err err;
    size_t n = 0, i, k;
    int32_t as_of;
    memset(&s, 0, sizeof(s));
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (as_of_param(r, &as_of) < 0)
        goto out;
    if (store_segment_get(r->db, http_param(r, 0), &s, &err) < 0 ||
        evaluate(r, &s, as_of, &p, &m, &n, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    buf_puts(&r->out, "code,state,stage,recency_days,orders,revenue\r\n");
    for (i = 0; i < n; i++)
        member_out(&p, m[i].idx, 1, &r->out);
    r->content_type = "text/csv; charset=utf-8";
    /* the file name: the segment's name where it is plain ASCII, else "segment" */
    snprintf(r->filename, sizeof(r->filename), "segment-%s.csv", s.name);
    for (k = 0; r->filename[k]; k++) {
        unsigned char ch = (unsigned char)r->filename[k];
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '/')
            r->filename[k] = '_';
    }
out:
    free(m);
    population_release(&p);
    segment_release(&s);
}

/* ---- playbooks ---- */

/* Fills p from the body (fields present only; steps replace all steps). -1 after replying. */
static int playbook_from_body(struct http_req *r, struct playbook *p, struct ok_err *err)
{
    json_t *steps = json_object_get(r->json, "steps");
    size_t i;
    json_t *st;
    if (http_body_has(r, "name"))
        store_field_set(&p->name, http_body_str(r, "name"));
    if (http_body_has(r, "description"))
        store_field_set(&p->description, http_body_str(r, "description"));
    if (http_body_has(r, "trigger"))
        store_field_set(&p->trigger_kind, http_body_str(r, "trigger"));
    if (http_body_has(r, "trigger_arg"))
        store_field_set(&p->trigger_arg, http_body_str(r, "trigger_arg"));
    if (http_body_has(r, "exit_rule"))
        store_field_set(&p->exit_rule, http_body_str(r, "exit_rule"));
    if (http_body_has(r, "active"))
        p->active = http_body_bool(r, "active", 1);
    if (!steps)
        return 0;
    for (i = 0; i < (size_t)p->n_steps; i++) {
        free(p->steps[i].channel);
        free(p->steps[i].subject);
        free(p->steps[i].body);
        free(p->steps[i].assignee_rule);
    }
    p->n_steps = 0;
    json_array_foreach(steps, i, st)
    {
        char what[64];
        json_t *off = json_object_get(st, "offset_days");
        const char *names[] = {"channel", "subject", "body", "assignee_rule"};
        const char *v[4] = {NULL, NULL, NULL, NULL};
        const char *key;
        json_t *val;
        int k;
        if (!json_is_object(st)) {
            snprintf(what, sizeof(what), "steps[%zu]", i + 1);
            http_error(r, 400, "invalid", what, "%s must be an object", what);
            return -1;
        }
        json_object_foreach(st, key, val)
        {
            int known = !strcmp(key, "offset_days");
            for (k = 0; k < 4; k++)
                if (!strcmp(key, names[k])) {
                    known = 1;
                    if (!json_is_string(val) && !json_is_null(val)) {
                        snprintf(what, sizeof(what), "steps[%zu].%s", i + 1, key);
                        http_error(r, 400, "invalid", what, "%s must be a string", what);
                        return -1;
                    }
                    v[k] = json_string_value(val);
                }
            if (!known) {
                snprintf(what, sizeof(what), "steps[%zu].%.20s", i + 1, key);
                http_error(r, 400, "invalid", what, "unknown field '%s'", what);
                return -1;
            }
        }
        if (!json_is_integer(off) || json_integer_value(off) < 0 ||
            json_integer_value(off) > 36500) {
            snprintf(what, sizeof(what), "steps[%zu].offset_days", i + 1);
            http_error(r, 400, "invalid", what, "%s must be a whole number of days, 0-36500", what);
            return -1;
        }
        snprintf(what, sizeof(what), "steps[%zu].subject", i + 1);
        if (template_check(v[1] ? v[1] : "", what, err) < 0)
            goto fail;
        snprintf(what, sizeof(what), "steps[%zu].body", i + 1);
        if (template_check(v[2] ? v[2] : "", what, err) < 0)
            goto fail;
        playbook_add_step(p, (int)json_integer_value(off), v[0], v[1], v[2], v[3]);
    }
    return 0;
fail:
    http_fail(r, err);
    return -1;
}

static void playbook_reply(struct http_req *r, const char *name)
{
    struct playbook p;
    struct ok_err err;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (store_playbook_get(r->db, name, &p, &err) < 0)
        http_fail(r, &err);
    else
        playbook_to_json(&p, &r->out);
    playbook_release(&p);
}

void h_playbooks_create(struct http_req *r)
{
    struct playbook p;
    struct ok_err err;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    p.active = 1;
    if (playbook_from_body(r, &p, &err) < 0)
        goto out;
    if (store_playbook_validate(r->db, &p, &err) < 0 ||
        store_playbook_create(r->db, &r->actor, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    playbook_reply(r, p.name);
    snprintf(r->location, sizeof(r->location), "/api/v1/playbooks/%lld", (long long)p.id);
out:
    playbook_release(&p);
}

void h_playbooks_get(struct http_req *r)
{
    playbook_reply(r, http_param(r, 0));
}

void h_playbooks_update(struct http_req *r)
{
    struct playbook p;
    struct ok_err err;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (store_playbook_get(r->db, http_param(r, 0), &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    if (playbook_from_body(r, &p, &err) < 0)
        goto out;
    if (store_playbook_validate(r->db, &p, &err) < 0 ||
        store_playbook_update(r->db, &r->actor, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    playbook_reply(r, p.name);
out:
    playbook_release(&p);
}

static int playbook_one(void *ctx, const struct playbook *pb)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    playbook_to_json(pb, &p->r->out);
    buf_puts(&p->key, pb->name);
    return 0;
}

void h_playbooks_list(struct http_req *r)
{
    struct http_page p;
    struct playbook_query q;
    struct ok_err err;
    const char *act = http_query(r, "active_only");
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    q.trigger_kind = http_query(r, "trigger");
    q.active_only = act && (!strcmp(act, "true") || !strcmp(act, "1"));
    q.after_name = p.cursor;
    q.limit = p.limit + 1;
    if (store_playbook_list(r->db, &q, playbook_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

void h_playbooks_enroll(struct http_req *r)
{
    struct enrollment e;
    struct ok_err err;
    char on[11];
    int64_t id;
    int created = 0;
    memset(&e, 0, sizeof(e));
    ok_err_clear(&err);
    if (http_body_date(r, "on", on) < 0)
        return;
    id = automate_enroll(r->db, &r->actor, http_param(r, 0), http_body_str(r, "customer_code"),
                         on[0] ? on : NULL, &created, &err);
    if (id < 0 || store_enrollment_get(r->db, id, &e, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    r->status = created ? 201 : 200;
    enrollment_to_json(&e, &r->out);
out:
    enrollment_release(&e);
}

void h_playbooks_exit(struct http_req *r)
{
    struct playbook p;
    struct ok_err err;
    const char *reason = http_body_str(r, "reason");
    int64_t n;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    /* 404 for an unknown playbook rather than "0 ended" */
    if (store_playbook_get(r->db, http_param(r, 0), &p, &err) < 0 ||
        (n = automate_exit(r->db, &r->actor, http_body_str(r, "customer_code"), p.name,
                           reason ? reason : "manual", &err)) < 0) {
        http_fail(r, &err);
        goto out;
    }
    buf_printf(&r->out, "{\"exited\":%lld}", (long long)n);
out:
    playbook_release(&p);
}

static int enrollment_one(void *ctx, const struct enrollment *e)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    enrollment_to_json(e, &p->r->out);
    buf_put_i64(&p->key, e->id);
    return 0;
}

void h_playbooks_enrollments(struct http_req *r)
{
    struct http_page p;
    struct enrollment_query q;
    struct playbook pb;
    struct ok_err err;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    memset(&pb, 0, sizeof(pb));
    if (http_page_begin(r, &p) < 0)
        goto out;
    if (p.cursor && http_parse_id(p.cursor, &q.after_id) < 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        goto out;
    }
    if (store_playbook_get(r->db, http_param(r, 0), &pb, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    q.playbook = pb.name;
    q.customer_code = http_query(r, "customer");
    q.status = http_query(r, "status");
    q.limit = p.limit + 1;
    if (store_enrollment_list(r->db, &q, enrollment_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    playbook_release(&pb);
    http_page_release(&p);
}

/* ---- automation ---- */

void h_automation_run(struct http_req *r)
{
    struct automate_options o;
    struct automate_result res;
    struct ok_err err;
    char day[11], since[11];
    int present;
    memset(&o, 0, sizeof(o));
    memset(&res, 0, sizeof(res));
    ok_err_clear(&err);
    if (http_body_date(r, "as_of", day) < 0)
        return;
    o.as_of = INT32_MIN;
    if (day[0] && date_parse_iso(day, 10, &o.as_of) < 0)
        return;
    o.no_send = http_body_bool(r, "no_send", 0);
    o.who = &r->actor;
    (void)present;
    if (automate_run(r->db, &o, &res, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    snap_holder_changed(&r->srv->snap, snap_keep, NULL); /* nothing the snapshot holds */
    date_format_iso(res.as_of, day);
    date_format_iso(res.since, since);
    buf_printf(&r->out,
               "{\"as_of\":\"%s\",\"since\":\"%s\",\"enrolled\":%lld,\"exited\":%lld,"
               "\"tasks\":%lld,\"emails_queued\":%lld,\"emails_sent\":%lld,"
               "\"emails_failed\":%lld,\"emails_skipped\":%lld,\"emails_waiting\":%lld,"
               "\"recovered\":%lld,\"mail_configured\":%s,\"mail_error\":",
               day, since, (long long)res.enrolled, (long long)res.exited, (long long)res.tasks,
               (long long)res.emails_queued, (long long)res.emails_sent,
               (long long)res.emails_failed, (long long)res.emails_skipped,
               (long long)res.emails_waiting, (long long)res.recovered,
               res.mail_configured ? "true" : "false");
    json_out_string(&r->out, res.mail_error[0] ? res.mail_error : NULL, (size_t)-1);
    buf_putc(&r->out, '}');
}

void h_automation_stats(struct http_req *r)
{
    struct ok_err err;
    struct buf csv;
    int64_t days;
    ok_err_clear(&err);
    if (http_query_int(r, "days", 1, 3650, 90, &days) < 0)
        return;
    buf_init(&csv, 0);
    if (automate_stats(r->db, (int)days, &csv, &err) < 0)
        http_fail(r, &err);
    else
        http_csv_to_json(csv.data, csv.len, &r->out);
    buf_release(&csv);
}

void h_automation_lost_reasons(struct http_req *r)
{
    struct ok_err err;
    struct buf csv;
    ok_err_clear(&err);
    buf_init(&csv, 0);
    if (automate_lost_reason_stats(r->db, &csv, &err) < 0)
        http_fail(r, &err);
    else
        http_csv_to_json(csv.data, csv.len, &r->out);
    buf_release(&csv);
}

/* ---- unsubscribe (no login) ---- */

static void page(struct http_req *r, int status, const char *ja, const char *en)
{
    buf_reset(&r->out);
    r->status = status;
    r->content_type = "text/html; charset=utf-8";
    buf_printf(&r->out,
               "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width\">"
               "<title>配信停止 / Unsubscribe</title><style>body{font-family:sans-serif;"
               "max-width:36em;margin:3em auto;padding:0 1em;line-height:1.6}</style></head>"
               "<body><p>%s</p><p lang=\"en\">%s</p></body></html>\n",
               ja, en);
}

void h_unsubscribe(struct http_req *r)
{
    const char *token = http_query(r, "token");
    struct ok_err err;
    char *code = NULL;
    size_t i, n;
    if (strcmp(r->method, "GET") && strcmp(r->method, "POST") && strcmp(r->method, "HEAD")) {
        page(r, 405, "この操作はできません。", "This method is not allowed here.");
        return;
    }
    n = token ? strlen(token) : 0;
    for (i = 0; i < n; i++)
        if (!((token[i] >= 'A' && token[i] <= 'Z') || (token[i] >= 'a' && token[i] <= 'z') ||
              (token[i] >= '0' && token[i] <= '9') || token[i] == '-' || token[i] == '_'))
            break;
    if (n == 0 || n > 200 || i < n) {
        page(r, 400, "配信停止のリンクが正しくありません。メールのリンクをもう一度お試しください。",
             "This unsubscribe link is not valid. Please use the link in the e-mail again.");
        return;
    }
    ok_err_clear(&err);
    if (automate_unsubscribe(r->db, token, &code, &err) < 0) {
        if (err.code == OK_ERR_NOT_FOUND)
            page(r, 404, "この配信停止のリンクは見つかりませんでした。",
                 "This unsubscribe link was not found.");
        else
            page(r, 500, "ただいま処理できません。しばらくしてからもう一度お試しください。",
                 "We could not process this now. Please try again later.");
        free(code);
        return;
    }
    free(code);
    page(r, 200, "メールの配信を停止しました。今後、ご案内のメールはお送りしません。",
         "You have been unsubscribed. We will not send you these e-mails any more.");
}
