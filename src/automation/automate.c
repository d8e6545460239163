/*
 * automate.c - the scheduler pass, manual enrolment and exit, unsubscribe, task completion and
 * the measurement tables. The outbox (email_log) and run log (automation_runs) are automation's
 * own tables (schema v4), so their SQL lives here.
 */
#include "automation/automate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "automation/filter.h"
#include "automation/mail.h"
#include "automation/population.h"
#include "automation/template.h"
#include "core/date.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/activity.h"
#include "store/customer.h"
#include "store/deal.h"
#include "store/enrollment_scan.h"
#include "store/feedback.h"
#include "store/fields.h"
#include "store/playbook.h"
#include "store/product.h"
#include "store/task.h"
#include "store/user.h"
#include "core/banned.h"

static const struct store_actor system_actor = {0, "automation"};

/* ---- small helpers ---- */

static void iso(int32_t day, char out[11])
{
    date_format_iso(day, out);
}

/* Seconds on a monotonic clock, for the pass's phase timings (OKAERI_LOG=debug). */
static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_iso(const char *s, int32_t *day)
{
    return s && strlen(s) >= 10 ? date_parse_iso(s, 10, day) : -1;
}

/* Fault injection for the crash-recovery tests: OKAERI_AUTOMATE_CRASH_AFTER=N ends the process
 * abruptly (as kill -9 would) after N committed units of work. */
static long crash_left = -2;

static void crash_init(void)
{
    if (crash_left == -2) {
        const char *e = getenv("OKAERI_AUTOMATE_CRASH_AFTER");
        char *end;
        crash_left = -1;
        if (e && *e) {
            long v = strtol(e, &end, 10);
            if (!*end && v >= 0)
                crash_left = v;
        }
    }
}

static void crash_point(void)
{
    crash_init();
    if (crash_left < 0)
        return;
    if (crash_left-- == 0)
        _exit(99);
}

static void random_token(char out[33])
{
    unsigned char raw[16];
    size_t i, got = 0;
    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            abort(); /* no randomness: tokens would be guessable */
        got += (size_t)n;
    }
    for (i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* Local date-time for an activity on `day` at the current local time of day. */
static void contact_time(const char *tz, int32_t day, char out[20])
{
    int32_t off = 9 * 3600, d, secs;
    struct ok_err e;
    int64_t now = date_now_unix();
    if (date_tz_offset(tz, now, &off, &e) < 0)
        off = 0;
    date_from_unix(now, off, &d, &secs);
    date_format_datetime(day, secs, out);
}

struct biz {
    char *company_name;
    char *public_url;
};

static int on_biz_setting(void *ctx, const char *key, const char *value, struct ok_err *err)
{
    struct biz *b = ctx;
    if (!strcmp(key, "company_name")) {
        free(b->company_name);
        b->company_name = xstrdup(value);
    } else if (!strcmp(key, "public_url")) {
        free(b->public_url);
        b->public_url = xstrdup(value);
    }
    return 0;
}

static int biz_load(struct db *db, struct biz *b, struct ok_err *err)
{
    const char *e = getenv("OKAERI_PUBLIC_URL");
    memset(b, 0, sizeof(*b));
    if (store_settings_each(db, on_biz_setting, b, err) < 0)
        return -1;
    if (e && *e) {
        free(b->public_url);
        b->public_url = xstrdup(e);
    }
    if (!b->public_url)
        b->public_url = xstrdup("http://127.0.0.1:8080");
    if (!b->company_name)
        b->company_name = xstrdup("okaeri");
    return 0;
}

static void biz_release(struct biz *b)
{
    free(b->company_name);
    free(b->public_url);
}

/* ---- run state ---- */

/* A few hundred owners or products at most are named in one pass: a list suffices. */
struct name_cache {
    struct name_entry {
        char *key;
        char *name; /* NULL: not found */
    } * v;
    size_t n, cap;
};

static const struct name_entry *name_cache_find(const struct name_cache *nc, const char *key)
{
    size_t i;
    for (i = 0; i < nc->n; i++)
        if (!strcmp(nc->v[i].key, key))
            return &nc->v[i];
    return NULL;
}

static void name_cache_add(struct name_cache *nc, const char *key, const char *name)
{
    nc->v = xgrow(nc->v, &nc->cap, nc->n + 1, sizeof(*nc->v));
    nc->v[nc->n].key = xstrdup(key);
    nc->v[nc->n].name = name ? xstrdup(name) : NULL;
    nc->n++;
}

static void name_cache_release(struct name_cache *nc)
{
    size_t i;
    for (i = 0; i < nc->n; i++) {
        free(nc->v[i].key);
        free(nc->v[i].name);
    }
    free(nc->v);
    memset(nc, 0, sizeof(*nc));
}

struct pb_list {
    struct playbook *v;
    size_t n, cap;
};

struct enr_list {
    struct enrollment *v;
    size_t n, cap;
    int64_t last_id;
};

struct run {
    struct db *db;
    const struct store_actor *who;
    struct population *pop; /* the caller's (options) or own_pop */
    struct population own_pop;
    struct biz biz;
    int32_t as_of, since;
    struct pb_list pbs;
    int32_t *deal_activity; /* per customer: latest deal opened or won on or before as_of */
    struct automate_result *r;
    int tx_open, tx_units; /* the batch of units in the open transaction */
    uint32_t *lost_cand;   /* lost_candidates() */
    size_t nlost_cand, lost_cand_cap;
    int lost_cand_done;
    /* owners' display names and product names, looked up once per pass */
    struct name_cache owners, products;
};

/* Units of work (an enrolment, an exit, a step with its task or e-mail) are committed in
 * batches: within the batch each unit is still atomic (store functions and run_step nest as
 * savepoints), and a crash loses at most the uncommitted batch, which the next pass redoes
 * exactly once (enrolments are unique per key, a step's claim is conditional on next_step).
 * One commit per unit cost most of a pass's time. With fault injection on every unit is its
 * own batch, so that "after N committed units" keeps its meaning. */
#define BATCH_UNITS 256

static int batch_open(struct run *R, struct ok_err *err)
{
    if (R->tx_open)
        return 0;
    if (db_begin(R->db, err) < 0)
        return -1;
    R->tx_open = 1;
    R->tx_units = 0;
    return 0;
}

static int batch_commit(struct run *R, struct ok_err *err)
{
    int n = R->tx_units;
    if (!R->tx_open)
        return 0;
    R->tx_open = 0;
    R->tx_units = 0;
    if (db_commit(R->db, err) < 0) {
        db_rollback(R->db);
        return -1;
    }
    for (; n > 0; n--)
        crash_point();
    return 0;
}

static int batch_unit_done(struct run *R, struct ok_err *err)
{
    crash_init();
    R->tx_units++;
    if (crash_left >= 0 || R->tx_units >= BATCH_UNITS)
        return batch_commit(R, err);
    return 0;
}

static void batch_abort(struct run *R)
{
    if (R->tx_open)
        db_rollback(R->db);
    R->tx_open = 0;
    R->tx_units = 0;
}

static int collect_playbook(void *ctx, const struct playbook *p)
{
    struct pb_list *l = ctx;
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    memset(&l->v[l->n], 0, sizeof(*l->v));
    l->v[l->n].name = xstrdup(p->name);
    l->n++;
    return 0;
}

static int load_playbooks(struct db *db, struct pb_list *l, struct ok_err *err)
{
    struct playbook_query q;
    size_t i;
    memset(&q, 0, sizeof(q));
    q.active_only = 1;
    q.limit = 10000;
    if (store_playbook_list(db, &q, collect_playbook, l, err) < 0)
        return -1;
    for (i = 0; i < l->n; i++) {
        char *name = l->v[i].name;
        l->v[i].name = NULL;
        if (store_playbook_get(db, name, &l->v[i], err) < 0) {
            free(name);
            return -1;
        }
        free(name);
    }
    return 0;
}

static void pbs_release(struct pb_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        playbook_release(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int collect_enrollment(void *ctx, const struct enrollment *e)
{
    struct enr_list *l = ctx;
    struct enrollment *c;
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    c = &l->v[l->n++];
    memset(c, 0, sizeof(*c));
    c->id = e->id;
    c->playbook = xstrdup(e->playbook);
    c->customer_code = xstrdup(e->customer_code);
    c->deal_id = e->deal_id;
    c->trigger_key = xstrdup(e->trigger_key);
    c->triggered_on = xstrdup(e->triggered_on);
    c->status = xstrdup(e->status);
    c->next_step = e->next_step;
    l->last_id = e->id;
    return 0;
}

static int load_enrollments(struct db *db, const char *customer_code, const char *playbook,
                            struct enr_list *l, struct ok_err *err)
{
    for (;;) {
        struct enrollment_query q;
        size_t before = l->n;
        memset(&q, 0, sizeof(q));
        q.status = "active";
        q.customer_code = customer_code;
        q.playbook = playbook;
        q.after_id = l->last_id;
        q.limit = 1000;
        if (store_enrollment_list(db, &q, collect_enrollment, l, err) < 0)
            return -1;
        if (l->n - before < 1000)
            return 0;
    }
}

static void enrs_release(struct enr_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        enrollment_release(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int enroll(struct run *R, const struct playbook *pb, uint32_t c, int64_t deal_id,
                  const char *key, int32_t day, struct ok_err *err)
{
    struct enrollment e;
    char d[11];
    int created = 0;
    int64_t id;
    memset(&e, 0, sizeof(e));
    if (batch_open(R, err) < 0)
        return -1;
    iso(day, d);
    e.playbook = xstrdup(pb->name);
    e.customer_code = xstrdup(R->pop->codes[c] ? R->pop->codes[c] : "");
    e.deal_id = deal_id;
    e.trigger_key = xstrdup(key);
    e.triggered_on = xstrdup(d);
    id = store_enrollment_create(R->db, R->who, &e, &created, err);
    enrollment_release(&e);
    if (id < 0)
        return -1;
    if (created) {
        R->r->enrolled++;
        return batch_unit_done(R, err);
    }
    return 0;
}

/* ---- triggers ---- */

struct lost_ctx {
    struct run *R;
    const struct playbook *pb;
    struct ok_err *err;
    int failed;
    int64_t last_id;
    int rows;
};

static int on_lost_deal(void *ctx, const struct deal *d)
{
    struct lost_ctx *lc = ctx;
    struct run *R = lc->R;
    int32_t day;
    long c;
    char key[64];
    lc->last_id = d->id;
    lc->rows++;
    if (parse_iso(d->closed_at, &day) < 0 || day <= R->since || day > R->as_of)
        return 0;
    c = population_find(R->pop, d->customer_code);
    if (c < 0)
        return 0;
    snprintf(key, sizeof(key), "deal:%lld", (long long)d->id);
    if (enroll(R, lc->pb, (uint32_t)c, d->id, key, day, lc->err) < 0) {
        lc->failed = 1;
        return 1;
    }
    return 0;
}

/* The customers with a deal lost in the window according to the snapshot, with a day of
 * margin on each side: a superset of the customers whose deals on_lost_deal accepts (it checks
 * the stored close date exactly), so the deals are read per candidate customer instead of every
 * lost deal ever for every deal_lost playbook. */
static void lost_candidates(struct run *R)
{
    const struct ledger *l = R->pop->snap.ledger;
    uint8_t *mark;
    size_t k;
    uint32_t c;
    if (R->lost_cand_done)
        return;
    R->lost_cand_done = 1;
    mark = xcalloc(l->ncust ? l->ncust : 1, 1);
    for (k = 0; k < l->ndeals; k++) {
        const struct ledger_deal *d = &l->deals[k];
        if (d->stage == DEAL_LOST && d->closed_day != LEDGER_NO_DAY && d->closed_day >= R->since &&
            d->closed_day <= R->as_of + 1)
            mark[d->cust] = 1;
    }
    for (c = 0; c < l->ncust; c++) {
        if (!mark[c])
            continue;
        R->lost_cand = xgrow(R->lost_cand, &R->lost_cand_cap, R->nlost_cand + 1, sizeof(uint32_t));
        R->lost_cand[R->nlost_cand++] = c;
    }
    free(mark);
}

static int trigger_deal_lost(struct run *R, const struct playbook *pb, struct ok_err *err)
{
    struct lost_ctx lc;
    size_t i;
    lost_candidates(R);
    for (i = 0; i < R->nlost_cand; i++) {
        const char *code = R->pop->codes[R->lost_cand[i]];
        if (!code)
            continue;
        memset(&lc, 0, sizeof(lc));
        lc.R = R;
        lc.pb = pb;
        lc.err = err;
        for (;;) {
            struct deal_query q;
            memset(&q, 0, sizeof(q));
            q.customer_code = code;
            q.stage = "lost";
            q.not_reopened = 1; /* a loss already reopened is no reason to follow up */
            q.lost_reason = pb->trigger_arg;
            q.after_id = lc.last_id;
            q.limit = 1000;
            lc.rows = 0;
            if (store_deal_list(R->db, &q, on_lost_deal, &lc, err) < 0 || lc.failed)
                return -1;
            if (lc.rows < 1000)
                break;
        }
    }
    return 0;
}

static int trigger_first_purchase(struct run *R, const struct playbook *pb, struct ok_err *err)
{
    const struct analytics_view *v = &R->pop->view;
    uint32_t c;
    char key[32], d[11];
    for (c = 0; c < v->n; c++) {
        int32_t f = v->m[c].first_day;
        if (!v->m[c].purchase_days || f <= R->since || f > R->as_of)
            continue;
        iso(f, d);
        snprintf(key, sizeof(key), "first:%s", d);
        if (enroll(R, pb, c, 0, key, f, err) < 0)
            return -1;
    }
    return 0;
}

static int trigger_state(struct run *R, const struct playbook *pb, const uint8_t *prev,
                         enum cust_state want, struct ok_err *err)
{
    const struct analytics_view *v = &R->pop->view;
    uint32_t c;
    char key[48], d[11];
    for (c = 0; c < v->n; c++) {
        if (v->state[c] != want || prev[c] == want || prev[c] == CUST_STATE_NONE)
            continue;
        iso(v->m[c].last_day, d);
        snprintf(key, sizeof(key), "%s:%s", want == CUST_STATE_SLEEPING ? "sleeping" : "dead", d);
        if (enroll(R, pb, c, 0, key, R->as_of, err) < 0)
            return -1;
    }
    return 0;
}

static int trigger_contract(struct run *R, const struct playbook *pb, struct ok_err *err)
{
    const struct ledger *l = R->pop->snap.ledger;
    long days = pb->trigger_arg ? strtol(pb->trigger_arg, NULL, 10) : 0;
    size_t k;
    char key[48];
    for (k = 0; k < l->ncontracts; k++) {
        const struct ledger_contract *ct = &l->contracts[k];
        int32_t day;
        if (ct->end_day == LEDGER_NO_DAY || ct->renewed_by != LEDGER_NONE)
            continue;
        day = ct->end_day - (int32_t)days;
        if (day <= R->since || day > R->as_of)
            continue;
        snprintf(key, sizeof(key), "contract:%lld", (long long)ct->id);
        if (enroll(R, pb, ct->cust, 0, key, day, err) < 0)
            return -1;
    }
    return 0;
}

static int trigger_segment(struct run *R, const struct playbook *pb, const uint8_t *prev_member,
                           const struct filter *f, struct ok_err *err)
{
    uint32_t c;
    char key[32], d[11];
    iso(R->as_of, d);
    snprintf(key, sizeof(key), "segment:%s", d);
    for (c = 0; c < R->pop->view.n; c++) {
        if (!filter_match(f, c) || (prev_member && prev_member[c]))
            continue;
        if (enroll(R, pb, c, 0, key, R->as_of, err) < 0)
            return -1;
    }
    return 0;
}

/* need_met: customers' "need" feedback mentioning K, K a tag (or the name) of a product created
 * in the window. */
struct need_ctx {
    struct run *R;
    const struct playbook *pb;
    char **tags; /* tags of new products */
    size_t ntags, cap;
    struct ok_err *err;
    int failed;
};

static void add_tags(struct need_ctx *nc, const char *tags)
{
    const char *p = tags;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            nc->tags = xgrow(nc->tags, &nc->cap, nc->ntags + 1, sizeof(char *));
            nc->tags[nc->ntags++] = xstrndup(p, n);
        }
        p = e ? e + 1 : NULL;
    }
}

static int on_product(void *ctx, const struct product *p)
{
    struct need_ctx *nc = ctx;
    int32_t day;
    if (parse_iso(p->created_at, &day) < 0 || day <= nc->R->since || day > nc->R->as_of)
        return 0;
    add_tags(nc, p->tags);
    return 0;
}

static int on_need(void *ctx, const struct feedback *f)
{
    struct need_ctx *nc = ctx;
    size_t i;
    long c;
    char key[300];
    if (!f->text || strcmp(f->kind, "need"))
        return 0;
    for (i = 0; i < nc->ntags; i++) {
        const char *k = nc->tags[i];
        if (nc->pb->trigger_arg && strcmp(nc->pb->trigger_arg, k))
            continue;
        if (!strstr(f->text, k))
            continue;
        c = population_find(nc->R->pop, f->customer_code);
        if (c < 0)
            continue;
        snprintf(key, sizeof(key), "need:%lld:%.200s", (long long)f->id, k);
        if (enroll(nc->R, nc->pb, (uint32_t)c, 0, key, nc->R->as_of, nc->err) < 0) {
            nc->failed = 1;
            return 1;
        }
        break;
    }
    return 0;
}

static int trigger_need(struct run *R, const struct playbook *pb, struct ok_err *err)
{
    struct need_ctx nc;
    struct product_query pq;
    struct feedback_query fq;
    size_t i;
    int rc = -1;
    memset(&nc, 0, sizeof(nc));
    nc.R = R;
    nc.pb = pb;
    nc.err = err;
    memset(&pq, 0, sizeof(pq));
    pq.limit = 100000;
    if (store_product_list(R->db, &pq, on_product, &nc, err) < 0)
        goto out;
    if (nc.ntags) {
        memset(&fq, 0, sizeof(fq));
        fq.kind = "need";
        fq.limit = 100000;
        if (store_feedback_list(R->db, &fq, on_need, &nc, err) < 0 || nc.failed)
            goto out;
    }
    rc = 0;
out:
    for (i = 0; i < nc.ntags; i++)
        free(nc.tags[i]);
    free(nc.tags);
    return rc;
}

/* ---- exits ---- */

static void compute_deal_activity(struct run *R)
{
    const struct ledger *l = R->pop->snap.ledger;
    size_t k;
    uint32_t c;
    R->deal_activity = xmalloc((l->ncust ? l->ncust : 1) * sizeof(int32_t));
    for (c = 0; c < l->ncust; c++)
        R->deal_activity[c] = LEDGER_NO_DAY;
    for (k = 0; k < l->ndeals; k++) {
        const struct ledger_deal *d = &l->deals[k];
        int32_t day = LEDGER_NO_DAY;
        if (d->opened_day != LEDGER_NO_DAY && d->opened_day <= R->as_of)
            day = d->opened_day;
        if (d->stage == DEAL_WON && d->closed_day != LEDGER_NO_DAY && d->closed_day <= R->as_of &&
            d->closed_day > day)
            day = d->closed_day;
        if (day > R->deal_activity[d->cust])
            R->deal_activity[d->cust] = day;
    }
}

/* The reason to end e now, or NULL. */
static const char *exit_reason(struct run *R, const struct playbook *pb, const struct enrollment *e,
                               int unsubscribed, long c, const struct filter *seg)
{
    int32_t trig;
    const char *rule = pb->exit_rule ? pb->exit_rule : "bought_again";
    if (unsubscribed)
        return "unsubscribed";
    if (c < 0 || parse_iso(e->triggered_on, &trig) < 0)
        return NULL;
    if (!strcmp(rule, "bought_again")) {
        const struct customer_metrics *m = &R->pop->view.m[c];
        if (m->purchase_days && m->last_day > trig)
            return "bought_again";
    } else if (!strcmp(rule, "deal_won")) {
        if (R->deal_activity[c] != LEDGER_NO_DAY && R->deal_activity[c] > trig)
            return "deal_won";
    } else if (!strcmp(rule, "left_segment")) {
        if (seg && !filter_match(seg, (uint32_t)c))
            return "left_segment";
    }
    return NULL;
}

/* ---- steps ---- */

struct contact {
    struct customer cu;
    char *owner_name;
    char *last_product;
    char *deal_title;
    char *lost_reason;
    char last_purchase[11];
    char days_since[16];
    char today[11];
};

static void contact_release(struct contact *k)
{
    customer_release(&k->cu);
    free(k->owner_name);
    free(k->last_product);
    free(k->deal_title);
    free(k->lost_reason);
}

static int contact_load(struct run *R, const struct enrollment *e, long c, struct contact *k,
                        struct ok_err *err)
{
    const struct ledger *l = R->pop->snap.ledger;
    if (k->cu.owner_login) {
        const struct name_entry *ne = name_cache_find(&R->owners, k->cu.owner_login);
        if (!ne) {
            struct user u;
            memset(&u, 0, sizeof(u));
            if (store_user_get(R->db, k->cu.owner_login, &u, err) == 0)
                name_cache_add(&R->owners, k->cu.owner_login,
                               u.display_name && *u.display_name ? u.display_name : u.login);
            else
                name_cache_add(&R->owners, k->cu.owner_login, NULL);
            user_release(&u);
            ok_err_clear(err);
            ne = &R->owners.v[R->owners.n - 1];
        }
        if (ne->name)
            k->owner_name = xstrdup(ne->name);
    }
    iso(R->as_of, k->today);
    if (c >= 0 && l->seg_len[c]) {
        uint64_t i, end = l->seg_off[c] + l->seg_len[c], last = UINT64_MAX;
        for (i = l->seg_off[c]; i < end; i++)
            if (l->line_day[i] <= R->as_of && l->line_amount[i] >= 0)
                last = i;
        if (last != UINT64_MAX) {
            iso(l->line_day[last], k->last_purchase);
            snprintf(k->days_since, sizeof(k->days_since), "%d",
                     (int)(R->as_of - l->line_day[last]));
            if (l->line_product[last]) {
                char pk[24];
                const struct name_entry *ne;
                snprintf(pk, sizeof(pk), "%lld", (long long)l->line_product[last]);
                ne = name_cache_find(&R->products, pk);
                if (!ne) {
                    struct product p;
                    memset(&p, 0, sizeof(p));
                    if (store_product_get_by_id(R->db, l->line_product[last], &p, err) == 0)
                        name_cache_add(&R->products, pk, p.name);
                    else
                        name_cache_add(&R->products, pk, NULL);
                    product_release(&p);
                    ok_err_clear(err);
                    ne = &R->products.v[R->products.n - 1];
                }
                if (ne->name)
                    k->last_product = xstrdup(ne->name);
            }
        }
    }
    if (e->deal_id > 0) {
        struct deal d;
        char ref[32];
        memset(&d, 0, sizeof(d));
        snprintf(ref, sizeof(ref), "%lld", (long long)e->deal_id);
        if (store_deal_get(R->db, ref, &d, err) == 0) {
            k->deal_title = d.title ? xstrdup(d.title) : NULL;
            k->lost_reason = d.lost_reason ? xstrdup(d.lost_reason) : NULL;
        }
        deal_release(&d);
        ok_err_clear(err);
    }
    return 0;
}

static void contact_vars(struct run *R, const struct contact *k, const char *unsub,
                         struct template_vars *v)
{
    memset(v, 0, sizeof(*v));
    v->v[TPL_NAME] = k->cu.name;
    v->v[TPL_NAME_KANA] = k->cu.name_kana;
    v->v[TPL_CODE] = k->cu.code;
    v->v[TPL_COMPANY] = k->cu.company;
    v->v[TPL_OWNER] = k->owner_name ? k->owner_name : R->biz.company_name;
    v->v[TPL_LAST_PRODUCT] = k->last_product;
    v->v[TPL_LAST_PURCHASE] = k->last_purchase[0] ? k->last_purchase : NULL;
    v->v[TPL_DAYS_SINCE] = k->days_since[0] ? k->days_since : NULL;
    v->v[TPL_LOST_REASON] = k->lost_reason;
    v->v[TPL_DEAL] = k->deal_title;
    v->v[TPL_BUSINESS] = R->biz.company_name;
    v->v[TPL_UNSUBSCRIBE_URL] = unsub;
    v->v[TPL_TODAY] = k->today;
}

static int make_task(struct run *R, const struct enrollment *e, const struct playbook_step *s,
                     const struct contact *k, int32_t due, const char *title_prefix,
                     struct ok_err *err)
{
    struct task t;
    struct template_vars v;
    struct buf title, body;
    const char *rule = s->assignee_rule ? s->assignee_rule : "owner";
    char d[11];
    int rc = -1;
    memset(&t, 0, sizeof(t));
    buf_init(&title, 0);
    buf_init(&body, 0);
    contact_vars(R, k, NULL, &v);
    if (title_prefix)
        buf_puts(&title, title_prefix);
    if (template_render(s->subject, &v, 0, &title, err) < 0 ||
        template_render(s->body, &v, 0, &body, err) < 0)
        goto out;
    if (!title.len)
        buf_printf(&title, "%s: %s", s->channel, k->cu.name);
    iso(due, d);
    t.customer_code = xstrdup(k->cu.code);
    if (!strncmp(rule, "user:", 5)) {
        t.assignee = xstrdup(rule + 5);
    } else if (!strncmp(rule, "queue:", 6)) {
        t.queue = xstrdup(rule + 6);
    } else if (k->cu.owner_login) {
        t.assignee = xstrdup(k->cu.owner_login);
    } /* else the team queue */
    t.title = xstrdup(title.data);
    t.body = body.len ? xstrdup(body.data) : NULL;
    t.channel = xstrdup(s->channel);
    t.due_on = xstrdup(d);
    t.deal_id = e->deal_id;
    t.enrollment_id = e->id;
    t.step_no = s->step_no;
    if (store_task_create(R->db, R->who, &t, err) < 0) {
        if (err->code != OK_ERR_CONFLICT)
            goto out;
        ok_err_clear(err); /* the step's task exists already */
    } else {
        R->r->tasks++;
    }
    rc = 0;
out:
    task_release(&t);
    buf_release(&title);
    buf_release(&body);
    return rc;
}

static const char SQL_QUEUE_EMAIL[] =
    "INSERT INTO email_log(enrollment_id, step_no, customer_id, to_addr, subject, body_text, "
    "body_html, unsubscribe_token, status, reason, due_on, queued_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (enrollment_id, step_no) DO NOTHING";

static int queue_email(struct run *R, const struct enrollment *e, const struct playbook_step *s,
                       const struct contact *k, int32_t due, const char *status, const char *reason,
                       struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct template_vars v;
    struct buf subject, text, html, url;
    char token[33], d[11], now[20];
    int rc = -1;
    buf_init(&subject, 0);
    buf_init(&text, 0);
    buf_init(&html, 0);
    buf_init(&url, 0);
    random_token(token);
    buf_printf(&url, "%s/unsubscribe?token=%s", R->biz.public_url, token);
    contact_vars(R, k, url.data, &v);
    if (template_render(s->subject, &v, 0, &subject, err) < 0 ||
        template_render(s->body, &v, 0, &text, err) < 0 ||
        template_render(s->body, &v, 1, &html, err) < 0)
        goto out;
    /* Every marketing e-mail carries the unsubscribe link (特定電子メール法), also when the
     * template forgot it. */
    if (!strstr(s->body ? s->body : "", "{{unsubscribe_url}}") &&
        !strstr(s->body ? s->body : "", "{{ unsubscribe_url }}")) {
        buf_printf(&text, "\n\n--\n%s\n配信停止 / Unsubscribe: %s\n", R->biz.company_name,
                   url.data);
        buf_puts(&html, "<hr>\n<p>");
        template_html_escape(&html, R->biz.company_name);
        buf_puts(&html, "<br>\n<a href=\"");
        template_html_escape(&html, url.data);
        buf_puts(&html, "\">配信停止 / Unsubscribe</a></p>\n");
    }
    st = db_cached(R->db, SQL_QUEUE_EMAIL, err);
    if (!st)
        goto out;
    iso(due, d);
    store_now_utc(now);
    db_bind_i64(st, 1, e->id);
    db_bind_i64(st, 2, s->step_no);
    db_bind_i64(st, 3, k->cu.id);
    db_bind_text(st, 4, k->cu.email ? k->cu.email : "", (size_t)-1);
    db_bind_text(st, 5, subject.data, subject.len);
    db_bind_text(st, 6, text.data, text.len);
    db_bind_text(st, 7, html.data, html.len);
    db_bind_text(st, 8, token, 32);
    db_bind_text(st, 9, status, (size_t)-1);
    db_bind_text_or_null(st, 10, reason);
    db_bind_text(st, 11, d, 10);
    db_bind_text(st, 12, now, (size_t)-1);
    if (db_step(st, err) < 0)
        goto out;
    if (db_changes(R->db) > 0) {
        if (!strcmp(status, "pending"))
            R->r->emails_queued++;
        else
            R->r->emails_skipped++;
    }
    rc = 0;
out:
    if (st)
        db_reset(st);
    buf_release(&subject);
    buf_release(&text);
    buf_release(&html);
    buf_release(&url);
    return rc;
}

/* Claims step `step` of enrollment id inside the step's transaction: an update conditional on
 * the step the enrollment is at, so that of two passes that overlap only one runs a step. On
 * PostgreSQL the update also locks the row: a second pass waits for the first one's commit and
 * then finds next_step moved on; on SQLite writers are serialised anyway. Returns 1 when
 * claimed, 0 when the enrollment is no longer active at that step, -1 with err. */
static const char SQL_CLAIM_STEP[] = "UPDATE enrollments SET next_step = next_step WHERE id = ? "
                                     "AND next_step = ? AND status = 'active'";

static int claim_step(struct db *db, int64_t id, int step, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_CLAIM_STEP, err);
    int rc;
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, step);
    rc = db_step(st, err);
    db_reset(st);
    if (rc < 0)
        return -1;
    return db_changes(db) > 0 ? 1 : 0;
}

/* Runs one step of e in one transaction together with advancing the enrollment. Returns 0, 1
 * when another pass ran the step (or ended the enrollment) meanwhile, or -1 with err. */
static int run_step(struct run *R, const struct enrollment *e, const struct playbook *pb,
                    const struct playbook_step *s, struct contact *k, int32_t due,
                    struct ok_err *err)
{
    int rc;
    if (batch_open(R, err) < 0 || db_begin(R->db, err) < 0)
        return -1;
    rc = claim_step(R->db, e->id, s->step_no, err);
    if (rc == 0) {
        db_rollback(R->db);
        R->r->steps_elsewhere++;
        return 1;
    }
    if (rc < 0) {
        /* falls through to the rollback below */
    } else if (!strcmp(s->channel, "email")) {
        if (!k->cu.email || !*k->cu.email)
            /* Never lost silently: a person gets the message as a task. */
            rc = make_task(R, e, s, k, due, "[メール送信不可: アドレスなし] ", err);
        else if (k->cu.unsubscribed_at && *k->cu.unsubscribed_at)
            rc = queue_email(R, e, s, k, due, "skipped", "unsubscribed", err);
        else if (!k->cu.email_consent)
            rc = queue_email(R, e, s, k, due, "skipped", "no e-mail consent", err);
        else
            rc = queue_email(R, e, s, k, due, "pending", NULL, err);
    } else {
        rc = make_task(R, e, s, k, due, NULL, err);
    }
    if (rc == 0)
        rc = store_enrollment_advance(R->db, R->who, e->id, s->step_no + 1, err);
    if (rc == 0)
        rc = db_commit(R->db, err);
    if (rc < 0) {
        db_rollback(R->db);
        ok_err_prefix(err, "playbook %s step %d for customer %s", pb->name, s->step_no, k->cu.code);
        return -1;
    }
    return batch_unit_done(R, err);
}

/* Exits and due steps of every active enrollment. The exit rules and "is a step due" are
 * answered from the population and the enrollment row; the customer's record and the contact
 * data are read only for the enrollments that have a step to run. */
struct active_list {
    struct active {
        int64_t id, playbook_id, customer_id, deal_id;
        char triggered_on[11];
        int next_step;
    } * v;
    size_t n, cap;
};

static int collect_active(void *ctx, const struct enrollment_row *row)
{
    struct active_list *l = ctx;
    struct active *a;
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    a = &l->v[l->n++];
    a->id = row->id;
    a->playbook_id = row->playbook_id;
    a->customer_id = row->customer_id;
    a->deal_id = row->deal_id;
    snprintf(a->triggered_on, sizeof(a->triggered_on), "%.10s", row->triggered_on);
    a->next_step = row->next_step;
    return 0;
}

static const struct playbook *pb_find_id(const struct pb_list *l, int64_t id)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (l->v[i].id == id)
            return &l->v[i];
    return NULL;
}

static int process_enrollments(struct run *R, struct filter **segs, struct ok_err *err)
{
    struct active_list l;
    size_t i;
    int rc = -1;
    double t0 = mono(), t_exit = 0, t_step = 0;
    memset(&l, 0, sizeof(l));
    if (store_enrollment_scan_active(R->db, collect_active, &l, err) < 0)
        goto out;
    log_debug("automation: %zu active enrollments read in %.3f s", l.n, mono() - t0);
    for (i = 0; i < l.n; i++) {
        const struct active *a = &l.v[i];
        const struct playbook *pb = pb_find_id(&R->pbs, a->playbook_id);
        struct enrollment view; /* the fields the steps use, borrowed: never released */
        const struct enrollment *e = &view;
        struct contact k;
        const char *why;
        int32_t trig;
        long c;
        int step, unsub;
        if (!pb)
            continue; /* switched off: its enrollments wait */
        memset(&view, 0, sizeof(view));
        view.id = a->id;
        view.deal_id = a->deal_id;
        view.triggered_on = (char *)a->triggered_on;
        view.next_step = a->next_step;
        memset(&k, 0, sizeof(k));
        c = ledger_customer_index(R->pop->snap.ledger, a->customer_id);
        if (c >= 0) {
            unsub = R->pop->unsubscribed[c];
        } else {
            /* created after the population was loaded */
            if (store_customer_get_by_id(R->db, a->customer_id, &k.cu, err) < 0)
                goto out;
            unsub = k.cu.unsubscribed_at && *k.cu.unsubscribed_at;
        }
        why = exit_reason(R, pb, e, unsub, c, segs[pb - R->pbs.v]);
        if (why) {
            double t1 = mono();
            contact_release(&k);
            if (batch_open(R, err) < 0)
                goto out;
            if (store_enrollment_exit(R->db, R->who, e->id, why, err) < 0) {
                if (err->code != OK_ERR_CONFLICT)
                    goto out;
                /* another pass ended or completed it since the list was read */
                ok_err_clear(err);
                continue;
            }
            R->r->exited++;
            if (batch_unit_done(R, err) < 0)
                goto out;
            t_exit += mono() - t1;
            continue;
        }
        step = e->next_step;
        if (parse_iso(e->triggered_on, &trig) < 0 || step < 1 || step > pb->n_steps ||
            trig + pb->steps[step - 1].offset_days > R->as_of) {
            contact_release(&k);
            continue; /* nothing due today */
        }
        double t1 = mono();
        if (c >= 0 && store_customer_get_by_id(R->db, a->customer_id, &k.cu, err) < 0) {
            contact_release(&k);
            goto out;
        }
        contact_load(R, e, c, &k, err);
        for (; step >= 1 && step <= pb->n_steps; step++) {
            const struct playbook_step *s = &pb->steps[step - 1];
            int32_t due = trig + s->offset_days;
            if (due > R->as_of)
                break;
            int ran = run_step(R, e, pb, s, &k, due, err);
            if (ran < 0) {
                contact_release(&k);
                goto out;
            }
            if (ran > 0)
                break; /* another pass has this enrollment */
        }
        contact_release(&k);
        t_step += mono() - t1;
    }
    if (batch_commit(R, err) < 0)
        goto out;
    log_debug("automation: exits %.3f s, steps %.3f s", t_exit, t_step);
    rc = 0;
out:
    free(l.v);
    return rc;
}

/* ---- sending ---- */

struct outgoing {
    int64_t id, customer_id;
    char *to, *subject, *text, *html, *token;
    int attempts;
};

static const char SQL_DUE_EMAIL[] =
    "SELECT id, customer_id, to_addr, subject, body_text, body_html, unsubscribe_token, attempts "
    "FROM email_log WHERE (status = 'pending' AND due_on <= ?) OR (status = 'failed' AND "
    "next_attempt_at IS NOT NULL AND next_attempt_at <= ?) ORDER BY id";
static const char SQL_MARK_SENDING[] =
    "UPDATE email_log SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status IN "
    "('pending','failed')";
static const char SQL_MARK_DONE[] =
    "UPDATE email_log SET status = ?, reason = ?, sent_at = ?, next_attempt_at = ?, "
    "activity_id = ? WHERE id = ?";
static const char SQL_RECOVER[] =
    "UPDATE email_log SET status = 'unknown', reason = 'interrupted while sending: it may or "
    "may not have been delivered, so it is not sent again' WHERE status = 'sending'";

#define MAX_ATTEMPTS 5

static int mark(struct db *db, int64_t id, const char *status, const char *reason,
                const char *sent_at, const char *next, int64_t activity, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_MARK_DONE, err);
    int rc;
    if (!st)
        return -1;
    db_bind_text(st, 1, status, (size_t)-1);
    db_bind_text_or_null(st, 2, reason);
    db_bind_text_or_null(st, 3, sent_at);
    db_bind_text_or_null(st, 4, next);
    if (activity > 0)
        db_bind_i64(st, 5, activity);
    else
        db_bind_null(st, 5);
    db_bind_i64(st, 6, id);
    rc = db_step(st, err);
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

static int send_one(struct run *R, const struct mail_config *mc, const struct outgoing *o,
                    struct ok_err *err)
{
    struct db_stmt *st;
    struct customer cu;
    struct mail_message m;
    struct buf msg, url, mid;
    struct ok_err serr;
    char now[20], at[20];
    int rc = -1, step;
    const char *dom;
    memset(&cu, 0, sizeof(cu));
    buf_init(&msg, 0);
    buf_init(&url, 0);
    buf_init(&mid, 0);
    ok_err_clear(&serr);
    if (store_customer_get_by_id(R->db, o->customer_id, &cu, err) < 0)
        goto out;
    store_now_utc(now);
    if (!cu.email_consent || (cu.unsubscribed_at && *cu.unsubscribed_at)) {
        rc = mark(R->db, o->id, "skipped", "consent withdrawn before sending", NULL, NULL, 0, err);
        R->r->emails_skipped++;
        goto out;
    }
    st = db_cached(R->db, SQL_MARK_SENDING, err);
    if (!st)
        goto out;
    db_bind_i64(st, 1, o->id);
    step = db_step(st, err);
    db_reset(st);
    if (step < 0)
        goto out;
    if (db_changes(R->db) == 0) {
        rc = 0; /* another process took it */
        goto out;
    }
    crash_point();
    buf_printf(&url, "%s/unsubscribe?token=%s", R->biz.public_url, o->token);
    dom = strchr(mc->from, '@');
    buf_printf(&mid, "okaeri.%lld.%.8s%s", (long long)o->id, o->token, dom ? dom : "@okaeri");
    memset(&m, 0, sizeof(m));
    m.from_addr = mc->from;
    m.from_name = mc->from_name ? mc->from_name : R->biz.company_name;
    m.to_addr = o->to;
    m.to_name = cu.name;
    m.subject = o->subject;
    m.text = o->text;
    m.html = o->html;
    m.unsubscribe_url = url.data;
    m.message_id = mid.data;
    if (mail_build(&m, &msg, &serr) < 0 || mail_send(mc, o->to, msg.data, msg.len, &serr) < 0) {
        char next[20];
        int64_t t = date_now_unix() + (int64_t)300 * (1 << (o->attempts < 10 ? o->attempts : 10));
        int32_t d, s;
        date_from_unix(t, 0, &d, &s);
        date_format_datetime(d, s, next);
        rc = mark(R->db, o->id, "failed", serr.message, NULL,
                  o->attempts + 1 >= MAX_ATTEMPTS || serr.code == OK_ERR_INVALID ? NULL : next, 0,
                  err);
        snprintf(R->r->mail_error, sizeof(R->r->mail_error), "%s", serr.message);
        R->r->emails_failed++;
        goto out;
    }
    /* Sent: record the contact in the customer's history with the log row. */
    {
        struct activity a;
        int64_t aid;
        memset(&a, 0, sizeof(a));
        contact_time(R->pop->snap.time_zone, R->as_of, at);
        a.customer_code = xstrdup(cu.code);
        a.occurred_at = xstrdup(at);
        a.channel = xstrdup("email");
        a.direction = xstrdup("out");
        a.subject = xstrdup(o->subject);
        a.body = xstrdup(o->text);
        a.outcome = xstrdup("sent");
        if (db_begin(R->db, err) < 0) {
            activity_release(&a);
            goto out;
        }
        aid = store_activity_create(R->db, R->who, &a, err);
        activity_release(&a);
        if (aid < 0 || mark(R->db, o->id, "sent", NULL, now, NULL, aid, err) < 0 ||
            db_commit(R->db, err) < 0) {
            db_rollback(R->db);
            goto out;
        }
    }
    R->r->emails_sent++;
    crash_point();
    rc = 0;
out:
    customer_release(&cu);
    buf_release(&msg);
    buf_release(&url);
    buf_release(&mid);
    return rc;
}

static int send_due(struct run *R, struct ok_err *err)
{
    struct mail_config mc;
    struct db_stmt *st = NULL;
    struct outgoing *v = NULL;
    size_t n = 0, cap = 0, i;
    char d[11], now[20];
    int configured = 0, rc = -1, step;
    if (mail_config_load(R->db, &mc, &configured, err) < 0)
        return -1;
    R->r->mail_configured = configured;
    iso(R->as_of, d);
    store_now_utc(now);
    st = db_prepare(R->db, SQL_DUE_EMAIL, err);
    if (!st)
        goto out;
    db_bind_text(st, 1, d, 10);
    db_bind_text(st, 2, now, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct outgoing *o;
        v = xgrow(v, &cap, n + 1, sizeof(*v));
        o = &v[n++];
        o->id = db_column_i64(st, 0);
        o->customer_id = db_column_i64(st, 1);
        o->to = db_column_strdup(st, 2);
        o->subject = db_column_strdup(st, 3);
        o->text = db_column_strdup(st, 4);
        o->html = db_column_strdup(st, 5);
        o->token = db_column_strdup(st, 6);
        o->attempts = (int)db_column_i64(st, 7);
    }
    db_stmt_free(&st);
    if (step < 0)
        goto out;
    if (!configured) {
        R->r->emails_waiting = (int64_t)n;
        rc = 0;
        goto out;
    }
    for (i = 0; i < n; i++)
        if (send_one(R, &mc, &v[i], err) < 0)
            goto out;
    rc = 0;
out:
    for (i = 0; i < n; i++) {
        free(v[i].to);
        free(v[i].subject);
        free(v[i].text);
        free(v[i].html);
        free(v[i].token);
    }
    free(v);
    mail_config_release(&mc);
    return rc;
}

/* ---- the pass ---- */

static int run_record(struct run *R, int64_t *run_id, struct ok_err *err)
{
    struct db_stmt *st;
    char a[11], s[11], now[20];
    int step;
    iso(R->as_of, a);
    iso(R->since, s);
    store_now_utc(now);
    st = db_prepare(R->db,
                    "INSERT INTO automation_runs(as_of, since, started_at) VALUES (?, ?, ?) "
                    "RETURNING id",
                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, a, 10);
    db_bind_text(st, 2, s, 10);
    db_bind_text(st, 3, now, (size_t)-1);
    step = db_step(st, err);
    if (step == DB_ROW)
        *run_id = db_column_i64(st, 0);
    db_stmt_free(&st);
    return step == DB_ROW ? 0 : -1;
}

static int run_finish(struct run *R, int64_t run_id, const char *status, const char *message,
                      struct ok_err *err)
{
    struct db_stmt *st;
    char now[20];
    int step;
    store_now_utc(now);
    st = db_prepare(R->db,
                    "UPDATE automation_runs SET finished_at = ?, status = ?, enrolled = ?, "
                    "tasks = ?, emails = ?, exited = ?, message = ? WHERE id = ?",
                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, now, (size_t)-1);
    db_bind_text(st, 2, status, (size_t)-1);
    db_bind_i64(st, 3, R->r->enrolled);
    db_bind_i64(st, 4, R->r->tasks);
    db_bind_i64(st, 5, R->r->emails_sent);
    db_bind_i64(st, 6, R->r->exited);
    db_bind_text_or_null(st, 7, message);
    db_bind_i64(st, 8, run_id);
    step = db_step(st, err);
    db_stmt_free(&st);
    return step < 0 ? -1 : 0;
}

static int find_since(struct run *R, struct ok_err *err)
{
    struct db_stmt *st;
    char a[11];
    int step;
    int32_t day;
    iso(R->as_of, a);
    R->since = R->as_of - 1;
    st = db_prepare(
        R->db, "SELECT max(as_of) FROM automation_runs WHERE status = 'done' AND as_of < ?", err);
    if (!st)
        return -1;
    db_bind_text(st, 1, a, 10);
    step = db_step(st, err);
    if (step == DB_ROW && !db_column_is_null(st, 0) && parse_iso(db_column_text(st, 0), &day) == 0)
        R->since = day;
    db_stmt_free(&st);
    return step < 0 ? -1 : 0;
}

static int run_pass(struct db *db, const struct automate_options *o, struct automate_result *r,
                    struct ok_err *err)
{
    struct run R;
    struct filter **segs = NULL;
    uint8_t *prev_state = NULL;
    uint8_t **prev_member = NULL;
    int64_t run_id = 0;
    size_t i;
    int rc = -1;
    uint32_t c;
    double t0;
    int seg_trigger = 0;
    memset(&R, 0, sizeof(R));
    R.db = db;
    R.who = o && o->who ? o->who : &system_actor;
    R.r = r;
    if (biz_load(db, &R.biz, err) < 0)
        return -1;
    {
        struct snapshot s;
        if (snapshot_load_settings(db, &s, err) < 0)
            goto out_biz;
        R.as_of = o && o->as_of != INT32_MIN ? o->as_of : snapshot_today(&s);
        snapshot_release(&s);
    }
    if (find_since(&R, err) < 0)
        goto out_biz;
    r->as_of = R.as_of;
    r->since = R.since;
    if (db_exec(db, SQL_RECOVER, err) < 0)
        goto out_biz;
    r->recovered = db_changes(db);
    if (load_playbooks(db, &R.pbs, err) < 0)
        goto out_biz;
    /* The state of things on `since`, for transitions. */
    t0 = mono();
    for (i = 0; i < R.pbs.n; i++)
        if (!strcmp(R.pbs.v[i].trigger_kind, "entered_segment"))
            seg_trigger = 1;
    if (o && o->pop) {
        R.pop = o->pop;
        /* without segment triggers the day before is needed for its states only */
        if (population_set_day_ex(db, R.pop, R.since, !seg_trigger, err) < 0)
            goto out_pbs;
    } else {
        R.pop = &R.own_pop;
        if (population_load(db, R.pop, R.since, err) < 0)
            goto out_pbs;
    }
    log_debug("automation: population loaded in %.3f s", mono() - t0);
    t0 = mono();
    segs = xcalloc(R.pbs.n + 1, sizeof(*segs));
    prev_member = xcalloc(R.pbs.n + 1, sizeof(*prev_member));
    prev_state = xmalloc(R.pop->view.n + 1);
    memcpy(prev_state, R.pop->view.state, R.pop->view.n);
    for (i = 0; i < R.pbs.n; i++) {
        const struct playbook *pb = &R.pbs.v[i];
        int needs = !strcmp(pb->trigger_kind, "entered_segment") ||
                    (pb->exit_rule && !strcmp(pb->exit_rule, "left_segment"));
        struct segment_text {
            char *t;
        } st = {NULL};
        if (!needs)
            continue;
        if (!strcmp(pb->trigger_kind, "entered_segment") && pb->trigger_arg) {
            int64_t id =
                store_lookup_id(db, "SELECT id FROM segments WHERE name = ?", pb->trigger_arg, err);
            struct db_stmt *q;
            if (id <= 0) {
                if (id == 0)
                    ok_err_set(err, OK_ERR_NOT_FOUND, "playbook %s: no segment named '%s'",
                               pb->name, pb->trigger_arg);
                goto out;
            }
            q = db_prepare(db, "SELECT filter FROM segments WHERE id = ?", err);
            if (!q)
                goto out;
            db_bind_i64(q, 1, id);
            if (db_step(q, err) == DB_ROW)
                st.t = db_column_strdup(q, 0);
            db_stmt_free(&q);
        }
        if (!st.t)
            continue;
        segs[i] = population_compile(db, R.pop, st.t, err);
        free(st.t);
        if (!segs[i]) {
            ok_err_prefix(err, "playbook %s, segment %s", pb->name, pb->trigger_arg);
            goto out;
        }
        prev_member[i] = xcalloc(R.pop->view.n + 1, 1);
        for (c = 0; c < R.pop->view.n; c++)
            prev_member[i][c] = (uint8_t)filter_match(segs[i], c);
    }
    if (population_set_day(db, R.pop, R.as_of, err) < 0)
        goto out;
    for (i = 0; i < R.pbs.n; i++)
        if (segs[i] && population_prepare(db, R.pop, segs[i], err) < 0)
            goto out;
    compute_deal_activity(&R);
    log_debug("automation: view as of the pass, segments in %.3f s", mono() - t0);
    t0 = mono();
    if (run_record(&R, &run_id, err) < 0)
        goto out;

    for (i = 0; i < R.pbs.n; i++) {
        const struct playbook *pb = &R.pbs.v[i];
        const char *k = pb->trigger_kind;
        int t = 0;
        if (!strcmp(k, "first_purchase"))
            t = trigger_first_purchase(&R, pb, err);
        else if (!strcmp(k, "deal_lost"))
            t = trigger_deal_lost(&R, pb, err);
        else if (!strcmp(k, "became_sleeping"))
            t = trigger_state(&R, pb, prev_state, CUST_STATE_SLEEPING, err);
        else if (!strcmp(k, "became_dead"))
            t = trigger_state(&R, pb, prev_state, CUST_STATE_DEAD, err);
        else if (!strcmp(k, "contract_ending"))
            t = trigger_contract(&R, pb, err);
        else if (!strcmp(k, "entered_segment") && segs[i])
            t = trigger_segment(&R, pb, prev_member[i], segs[i], err);
        else if (!strcmp(k, "need_met"))
            t = trigger_need(&R, pb, err);
        if (t < 0) {
            ok_err_prefix(err, "playbook %s", pb->name);
            goto fail_run;
        }
        log_debug("automation: trigger of %s in %.3f s", pb->name, mono() - t0);
        t0 = mono();
    }
    if (process_enrollments(&R, segs, err) < 0)
        goto fail_run;
    log_debug("automation: enrollments in %.3f s", mono() - t0);
    if (!(o && o->no_send) && send_due(&R, err) < 0)
        goto fail_run;
    if (run_finish(&R, run_id, "done", r->mail_error[0] ? r->mail_error : NULL, err) < 0)
        goto out;
    rc = 0;
    goto out;
fail_run : {
    struct ok_err e2;
    batch_abort(&R);
    run_finish(&R, run_id, "failed", err->message, &e2);
}
out:
    for (i = 0; i < R.pbs.n; i++) {
        if (segs)
            filter_free(&segs[i]);
        if (prev_member)
            free(prev_member[i]);
    }
    free(segs);
    free(prev_member);
    free(prev_state);
    free(R.deal_activity);
    free(R.lost_cand);
    name_cache_release(&R.owners);
    name_cache_release(&R.products);
    if (R.pop == &R.own_pop)
        population_release(R.pop);
out_pbs:
    pbs_release(&R.pbs);
out_biz:
    biz_release(&R.biz);
    return rc;
}

/* Key of the PostgreSQL advisory lock a pass holds for its whole duration: "auto" in ASCII.
 * (Migrations use "okae", the change triggers' installation another key.) */
#define AUTOMATE_LOCK_KEY "1635087471"

int automate_run(struct db *db, const struct automate_options *o, struct automate_result *r,
                 struct ok_err *err)
{
    struct ok_err ignored;
    int64_t got = 0;
    int rc;
    memset(r, 0, sizeof(*r));
    if (db_engine_of(db) != DB_ENGINE_POSTGRES)
        return run_pass(db, o, r, err);
    /* One pass at a time across all the servers and cron jobs on a database: a session lock,
     * released below or by the server when the connection ends (a crashed pass). */
    if (db_query_i64(
            db, "SELECT CASE WHEN pg_try_advisory_lock(" AUTOMATE_LOCK_KEY ") THEN 1 ELSE 0 END",
            &got, err) < 0)
        return -1;
    if (!got) {
        struct snapshot s;
        r->busy = 1;
        log_info("automation: another pass is running on this database; this one skips");
        /* the day it would have run, for the caller's summary (nothing since: since = as_of) */
        if (snapshot_load_settings(db, &s, err) < 0)
            return -1;
        r->as_of = o && o->as_of != INT32_MIN ? o->as_of : snapshot_today(&s);
        r->since = r->as_of;
        snapshot_release(&s);
        return 0;
    }
    rc = run_pass(db, o, r, err);
    db_exec(db, "SELECT pg_advisory_unlock(" AUTOMATE_LOCK_KEY ")", &ignored);
    return rc;
}

/* ---- manual enrolment, exit, unsubscribe, tasks ---- */

int64_t automate_enroll(struct db *db, const struct store_actor *who, const char *playbook,
                        const char *customer_code, const char *on, int *created, struct ok_err *err)
{
    struct enrollment e;
    char day[11], key[40];
    int64_t id;
    memset(&e, 0, sizeof(e));
    if (on && *on) {
        int32_t d;
        if (date_parse(on, strlen(on), &d, NULL, err) < 0) {
            ok_err_locate(err, "on", 0);
            return -1;
        }
        iso(d, day);
    } else {
        struct snapshot s;
        if (snapshot_load_settings(db, &s, err) < 0)
            return -1;
        iso(snapshot_today(&s), day);
        snapshot_release(&s);
    }
    snprintf(key, sizeof(key), "manual:%s", day);
    e.playbook = xstrdup(playbook);
    e.customer_code = xstrdup(customer_code);
    e.trigger_key = xstrdup(key);
    e.triggered_on = xstrdup(day);
    id = store_enrollment_create(db, who ? who : &system_actor, &e, created, err);
    enrollment_release(&e);
    return id;
}

int64_t automate_exit(struct db *db, const struct store_actor *who, const char *customer_code,
                      const char *playbook, const char *reason, struct ok_err *err)
{
    struct enr_list l;
    size_t i;
    int64_t n = 0;
    memset(&l, 0, sizeof(l));
    if (load_enrollments(db, customer_code, playbook, &l, err) < 0) {
        enrs_release(&l);
        return -1;
    }
    for (i = 0; i < l.n; i++) {
        if (store_enrollment_exit(db, who ? who : &system_actor, l.v[i].id, reason, err) < 0) {
            enrs_release(&l);
            return -1;
        }
        n++;
    }
    enrs_release(&l);
    return n;
}

int automate_unsubscribe(struct db *db, const char *token, char **customer_code, struct ok_err *err)
{
    static const struct store_actor unsub_actor = {0, "unsubscribe"};
    struct customer cu;
    int64_t cid;
    size_t i;
    int rc = -1;
    if (customer_code)
        *customer_code = NULL;
    if (!token || strlen(token) != 32)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "this unsubscribe link is not valid");
    for (i = 0; i < 32; i++)
        if (!strchr("0123456789abcdef", token[i]))
            return ok_err_set(err, OK_ERR_NOT_FOUND, "this unsubscribe link is not valid");
    cid = store_lookup_id(db, "SELECT customer_id FROM email_log WHERE unsubscribe_token = ?",
                          token, err);
    if (cid < 0)
        return -1;
    if (cid == 0)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "this unsubscribe link is not valid");
    memset(&cu, 0, sizeof(cu));
    if (db_begin(db, err) < 0)
        return -1;
    if (store_customer_get_by_id(db, cid, &cu, err) < 0)
        goto fail;
    if (cu.email_consent || !cu.unsubscribed_at) {
        char now[20];
        store_now_utc(now);
        cu.email_consent = 0;
        if (!cu.unsubscribed_at)
            cu.unsubscribed_at = xstrdup(now);
        if (store_customer_update(db, &unsub_actor, &cu, err) < 0)
            goto fail;
    }
    if (automate_exit(db, &unsub_actor, cu.code, NULL, "unsubscribed", err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    if (customer_code)
        *customer_code = xstrdup(cu.code);
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    customer_release(&cu);
    return rc;
}

int64_t automate_task_done(struct db *db, const struct store_actor *who, int64_t task_id,
                           const char *outcome, const char *on, struct ok_err *err)
{
    return automate_task_done_seen(db, who, task_id, 0, outcome, on, err);
}

int64_t automate_task_done_seen(struct db *db, const struct store_actor *who, int64_t task_id,
                                int64_t version, const char *outcome, const char *on,
                                struct ok_err *err)
{
    struct task t;
    int64_t aid = -1;
    memset(&t, 0, sizeof(t));
    if (db_begin(db, err) < 0)
        goto out;
    /* read inside the transaction, and the version the caller saw goes into the task's
     * UPDATE (store_task_complete): a change between a caller's check and this write is a
     * conflict, not overwritten */
    if (store_task_get(db, task_id, &t, err) < 0)
        goto fail;
    aid =
        store_task_complete(db, who, task_id, version > 0 ? version : t.version, outcome, on, err);
    if (aid < 0)
        goto fail;
    if (t.enrollment_id > 0 && outcome &&
        (!strcmp(outcome, "won_back") || !strcmp(outcome, "not_interested"))) {
        struct enrollment e;
        memset(&e, 0, sizeof(e));
        if (store_enrollment_get(db, t.enrollment_id, &e, err) < 0)
            goto fail;
        if (!strcmp(e.status, "active") && store_enrollment_exit(db, who, e.id, outcome, err) < 0) {
            enrollment_release(&e);
            goto fail;
        }
        enrollment_release(&e);
    }
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    db_rollback(db);
    aid = -1;
out:
    task_release(&t);
    return aid;
}

/* ---- measurement ---- */

struct step_stat {
    char *playbook;
    int step_no;
    char *channel;
    int64_t enrolled, contacted, responded, converted, revenue;
};

/* First purchase day of customer c in (after, until], LEDGER_NO_DAY when none; *revenue gets the
 * net amount of lines in that window. */
static int32_t purchase_after(const struct ledger *l, long c, int32_t after, int32_t until,
                              int64_t *revenue)
{
    uint64_t i, end;
    int32_t first = LEDGER_NO_DAY;
    if (revenue)
        *revenue = 0;
    if (c < 0)
        return LEDGER_NO_DAY;
    end = l->seg_off[c] + l->seg_len[c];
    for (i = l->seg_off[c]; i < end; i++) {
        int32_t d = l->line_day[i];
        if (d <= after || d > until)
            continue;
        if (revenue)
            *revenue += l->line_amount[i];
        if (l->line_amount[i] >= 0 && (first == LEDGER_NO_DAY || d < first))
            first = d;
    }
    return first;
}

static int32_t deal_won_after(const struct ledger *l, long c, int32_t after, int32_t until)
{
    size_t k;
    int32_t first = LEDGER_NO_DAY;
    for (k = 0; k < l->ndeals; k++) {
        const struct ledger_deal *d = &l->deals[k];
        if ((long)d->cust != c || d->stage != DEAL_WON || d->closed_day <= after ||
            d->closed_day > until)
            continue;
        if (first == LEDGER_NO_DAY || d->closed_day < first)
            first = d->closed_day;
    }
    return first;
}

int automate_stats(struct db *db, int days, struct buf *out, struct ok_err *err)
{
    struct snapshot snap;
    struct db_stmt *st = NULL;
    struct step_stat *v = NULL;
    size_t n = 0, cap = 0, i;
    int step, rc = -1;
    if (snapshot_load(db, &snap, err) < 0)
        return -1;
    st = db_prepare(db,
                    "SELECT p.name, s.step_no, s.channel, (SELECT count(*) FROM enrollments e "
                    "WHERE e.playbook_id = p.id) FROM playbooks p JOIN playbook_steps s ON "
                    "s.playbook_id = p.id ORDER BY p.name, s.step_no",
                    err);
    if (!st)
        goto out;
    while ((step = db_step(st, err)) == DB_ROW) {
        v = xgrow(v, &cap, n + 1, sizeof(*v));
        memset(&v[n], 0, sizeof(v[n]));
        v[n].playbook = db_column_strdup(st, 0);
        v[n].step_no = (int)db_column_i64(st, 1);
        v[n].channel = db_column_strdup(st, 2);
        v[n].enrolled = db_column_i64(st, 3);
        n++;
    }
    db_stmt_free(&st);
    if (step < 0)
        goto out;
    st = db_prepare(db,
                    "SELECT p.name, m.step_no, m.customer_id, m.due_on, 'sent' FROM email_log m "
                    "JOIN enrollments e ON e.id = m.enrollment_id JOIN playbooks p ON p.id = "
                    "e.playbook_id WHERE m.status = 'sent' UNION ALL SELECT p.name, t.step_no, "
                    "t.customer_id, t.done_at, t.outcome FROM tasks t JOIN enrollments e ON e.id "
                    "= t.enrollment_id JOIN playbooks p ON p.id = e.playbook_id WHERE t.status = "
                    "'done'",
                    err);
    if (!st)
        goto out;
    while ((step = db_step(st, err)) == DB_ROW) {
        const char *pb = db_column_text(st, 0), *outcome = db_column_text(st, 4);
        int sn = (int)db_column_i64(st, 1);
        long c = ledger_customer_index(snap.ledger, db_column_i64(st, 2));
        int32_t day;
        int64_t rev = 0;
        if (parse_iso(db_column_text(st, 3), &day) < 0)
            continue;
        for (i = 0; i < n; i++) {
            if (v[i].step_no != sn || strcmp(v[i].playbook, pb))
                continue;
            v[i].contacted++;
            if (!strcmp(outcome, "reached") || !strcmp(outcome, "interested") ||
                !strcmp(outcome, "won_back"))
                v[i].responded++;
            if (purchase_after(snap.ledger, c, day, day + days, &rev) != LEDGER_NO_DAY ||
                deal_won_after(snap.ledger, c, day, day + days) != LEDGER_NO_DAY) {
                v[i].converted++;
                v[i].revenue += rev;
            }
        }
    }
    db_stmt_free(&st);
    if (step < 0)
        goto out;
    buf_puts(out, "playbook,step,channel,enrolled,contacted,responded,converted,revenue\n");
    for (i = 0; i < n; i++)
        buf_printf(out, "%s,%d,%s,%lld,%lld,%lld,%lld,%lld\n", v[i].playbook, v[i].step_no,
                   v[i].channel, (long long)v[i].enrolled, (long long)v[i].contacted,
                   (long long)v[i].responded, (long long)v[i].converted, (long long)v[i].revenue);
    rc = 0;
out:
    for (i = 0; i < n; i++) {
        free(v[i].playbook);
        free(v[i].channel);
    }
    free(v);
    snapshot_release(&snap);
    return rc;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

int automate_lost_reason_stats(struct db *db, struct buf *out, struct ok_err *err)
{
    struct snapshot snap;
    const struct ledger *l;
    int32_t reasons[256];
    int nreasons = 0, r, rc = -1;
    size_t k;
    if (snapshot_load(db, &snap, err) < 0)
        return -1;
    l = snap.ledger;
    for (k = 0; k < l->ndeals && nreasons < 256; k++) {
        int j, seen = 0;
        if (l->deals[k].stage != DEAL_LOST)
            continue;
        for (j = 0; j < nreasons; j++)
            seen |= reasons[j] == l->deals[k].lost_reason;
        if (!seen)
            reasons[nreasons++] = l->deals[k].lost_reason;
    }
    qsort(reasons, (size_t)nreasons, sizeof(int32_t), cmp_i32);
    buf_puts(out, "lost_reason,lost,reactivated,rate,median_days\n");
    for (r = 0; r < nreasons; r++) {
        struct buf code;
        int32_t *delays = NULL;
        size_t nd = 0, dcap = 0;
        int64_t lost = 0;
        buf_init(&code, 0);
        if (store_list_code(db, "lost_reasons", reasons[r], &code, err) < 0) {
            buf_release(&code);
            goto out;
        }
        for (k = 0; k < l->ndeals; k++) {
            const struct ledger_deal *d = &l->deals[k];
            int32_t p, w, first;
            if (d->stage != DEAL_LOST || d->lost_reason != reasons[r])
                continue;
            lost++;
            p = purchase_after(l, (long)d->cust, d->closed_day, INT32_MAX, NULL);
            w = deal_won_after(l, (long)d->cust, d->closed_day, INT32_MAX);
            first = p == LEDGER_NO_DAY ? w : w == LEDGER_NO_DAY ? p : (p < w ? p : w);
            if (first == LEDGER_NO_DAY)
                continue;
            delays = xgrow(delays, &dcap, nd + 1, sizeof(int32_t));
            delays[nd++] = first - d->closed_day;
        }
        if (nd > 1) /* delays is NULL when none were reactivated: qsort(NULL) is undefined */
            qsort(delays, nd, sizeof(int32_t), cmp_i32);
        buf_printf(out, "%s,%lld,%zu,%.4f,", code.len ? code.data : "none", (long long)lost, nd,
                   lost ? (double)nd / (double)lost : 0.0);
        if (nd)
            buf_printf(out, "%g\n",
                       nd % 2 ? (double)delays[nd / 2]
                              : ((double)delays[nd / 2 - 1] + (double)delays[nd / 2]) / 2.0);
        else
            buf_puts(out, "\n");
        free(delays);
        buf_release(&code);
    }
    rc = 0;
out:
    snapshot_release(&snap);
    return rc;
}
