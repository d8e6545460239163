/*
 * setting.c - the table of known settings, their validation and storage.
 */
#include "store/setting.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/money.h"
#include "core/text.h"
#include "store/fields.h"
#include "core/banned.h"

static int check_time_zone(struct db *db, const struct setting_def *def, const char *value,
                           struct ok_err *err);
static int check_currency(struct db *db, const struct setting_def *def, const char *value,
                          struct ok_err *err);

static int check_url(struct db *db, const struct setting_def *def, const char *value,
                     struct ok_err *err);
static int check_email(struct db *db, const struct setting_def *def, const char *value,
                       struct ok_err *err);

static const char *const rules[] = {"fixed", "rhythm", "p_alive", NULL};
static const char *const starttls_modes[] = {"off", "on", "required", NULL};
static const char *const rfm_methods[] = {"quintiles", "fixed", NULL};
static const char *const locales[] = {"ja", "en", NULL};

static const struct setting_def defs[] = {
    {"company_name", SETTING_TEXT, "okaeri", 1, 200, NULL,
     "Name of the business, shown in the UI and in e-mails", NULL},
    {"currency", SETTING_TEXT, "JPY", 3, 3, NULL,
     "ISO 4217 code of the one currency of all amounts (JPY, USD, EUR ...)", check_currency},
    {"time_zone", SETTING_TEXT, "Asia/Tokyo", 1, 64, NULL,
     "IANA time zone that decides what 'today' is (Asia/Tokyo)", check_time_zone},
    {"locale", SETTING_CHOICE, "ja", 0, 0, locales, "Language of labels and messages (ja, en)",
     NULL},
    /* E-mail of automated follow-up (automation/mail.c; OKAERI_SMTP_* in the environment win).
     * smtp.password is secret: never shown, masked in the audit log. */
    {"smtp.url", SETTING_TEXT, "", 0, 500, NULL,
     "SMTP server, smtp://host:587 or smtps://host:465 (empty: e-mail is queued, not sent)",
     check_url},
    {"smtp.from", SETTING_TEXT, "", 0, 320, NULL, "Sender address of automated e-mail",
     check_email},
    {"smtp.from_name", SETTING_TEXT, "", 0, 200, NULL,
     "Sender name of automated e-mail (empty: company_name)", NULL},
    {"smtp.user", SETTING_TEXT, "", 0, 320, NULL, "SMTP login (empty: no authentication)", NULL},
    {"smtp.password", SETTING_TEXT, "", 0, 500, NULL, "SMTP password (write-only: never shown)",
     NULL},
    {"smtp.starttls", SETTING_CHOICE, "on", 0, 0, starttls_modes,
     "STARTTLS on smtp:// (off, on: when offered, required)", NULL},
    {"public_url", SETTING_TEXT, "http://127.0.0.1:8080", 0, 500, NULL,
     "Address of this server as customers reach it, for unsubscribe links", check_url},
    /* The analytics thresholds. Types and ranges give early, field-level messages; the
     * meaning, the defaults' authority and the cross-field checks (active < sleeping ...) are in
     * analytics/settings.c, applied by service_setting_set before a value is stored. A test
     * (tests/unit/service/test_settings.c) keeps the defaults here equal to the analytics ones. */
    {"state.rule", SETTING_CHOICE, "fixed", 0, 0, rules,
     "How sleeping/dead is decided: fixed day thresholds, the customer's own rhythm, or the "
     "model's P(alive)",
     NULL},
    {"state.active_days", SETTING_INT, "90", 1, 36500, NULL,
     "A customer who bought within this many days is active", NULL},
    {"state.sleeping_days", SETTING_INT, "365", 1, 36500, NULL,
     "Without a purchase for more than active_days up to this many days: sleeping; beyond: dead",
     NULL},
    {"state.rhythm_k", SETTING_NUMBER, "2", 0.1, 100, NULL,
     "Rhythm rule: sleeping after k times the customer's median days between purchases", NULL},
    {"state.rhythm_dead_k", SETTING_NUMBER, "4", 0.1, 1000, NULL,
     "Rhythm rule: dead after this many times the median days between purchases", NULL},
    {"state.rhythm_floor_days", SETTING_INT, "30", 0, 36500, NULL,
     "Rhythm rule: never sleeping before this many days", NULL},
    {"state.p_alive_active", SETTING_NUMBER, "0.5", 0, 1, NULL,
     "P(alive) rule: active at or above this P(alive)", NULL},
    {"state.p_alive_dead", SETTING_NUMBER, "0.1", 0, 1, NULL,
     "P(alive) rule: dead below this P(alive); sleeping in between", NULL},
    {"state.lost_overrides_buyers", SETTING_BOOL, "1", 0, 0, NULL,
     "A buyer whose latest lost deal is after the last purchase counts as lost (0: only "
     "customers who never bought can be lost)",
     NULL},
    {"lifecycle.window_days", SETTING_INT, "365", 28, 3660, NULL,
     "Window in days for the loyal and engaged rules (the last 12 months)", NULL},
    {"lifecycle.loyal_min_orders", SETTING_INT, "3", 2, 100000, NULL,
     "Loyal: at least this many orders within the window", NULL},
    {"lifecycle.loyal_min_revenue", SETTING_INT, "0", 0, 9e15, NULL,
     "Loyal: at least this much revenue (minor units) within the window", NULL},
    {"lifecycle.loyal_rfm_min", SETTING_INT, "0", 0, 15, NULL,
     "Loyal also when R+F+M is at least this (0: rule off)", NULL},
    {"lifecycle.engaged_growth", SETTING_NUMBER, "1.2", 1, 1000, NULL,
     "Engaged: loyal and referred someone, or window revenue at least this times the previous "
     "window's",
     NULL},
    {"rfm.method", SETTING_CHOICE, "quintiles", 0, 0, rfm_methods,
     "RFM scores by quintiles of the customer base, or by the fixed bounds below", NULL},
    {"rfm.r_days", SETTING_TEXT, "30,90,180,365", 7, 64, NULL,
     "Fixed RFM: recency bounds in days for R = 5, 4, 3, 2", NULL},
    {"rfm.f_min", SETTING_TEXT, "2,3,5,10", 7, 64, NULL,
     "Fixed RFM: orders needed for F = 2, 3, 4, 5", NULL},
    {"rfm.m_min", SETTING_TEXT, "1000,5000,20000,100000", 7, 80, NULL,
     "Fixed RFM: revenue (minor units) needed for M = 2, 3, 4, 5", NULL},
};

#define NDEFS ((int)(sizeof(defs) / sizeof(defs[0])))

const struct setting_def *store_setting_find(const char *key)
{
    int i;
    for (i = 0; key && i < NDEFS; i++)
        if (!strcmp(defs[i].key, key))
            return &defs[i];
    return NULL;
}

const char *setting_type_name(enum setting_type type)
{
    switch (type) {
    case SETTING_TEXT:
        return "text";
    case SETTING_INT:
        return "integer";
    case SETTING_NUMBER:
        return "number";
    case SETTING_BOOL:
        return "boolean";
    case SETTING_CHOICE:
        return "choice";
    }
    return "text";
}

static const struct setting_def *find_or_fail(const char *key, struct ok_err *err)
{
    const struct setting_def *def = store_setting_find(key);
    struct buf known;
    int i;
    if (def)
        return def;
    buf_init(&known, 4096);
    for (i = 0; i < NDEFS; i++)
        buf_printf(&known, "%s%s", i ? ", " : "", defs[i].key);
    ok_err_set(err, OK_ERR_NOT_FOUND, "unknown setting '%.60s'; known settings: %s", key ? key : "",
               known.data);
    ok_err_locate(err, "key", 0);
    buf_release(&known);
    return NULL;
}

/* Trims ASCII spaces around s into out[size]; 0 or -1 when too long. */
static int trimmed(const char *s, char *out, size_t size)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= size)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

int store_setting_normalize(const struct setting_def *def, const char *value, struct buf *out,
                            struct ok_err *err)
{
    char v[64];
    buf_reset(out);
    if (!value)
        value = "";
    if (def->type == SETTING_TEXT) {
        if (store_check_text(value, "value", def->key, def->min > 0, (size_t)def->max, err) < 0)
            return -1;
        if (strlen(value) < (size_t)def->min)
            return store_invalid(err, "value", "%s must have at least %d characters", def->key,
                                 (int)def->min);
        buf_puts(out, value);
        return 0;
    }
    if (trimmed(value, v, sizeof(v)) < 0 || !*v)
        return store_invalid(err, "value", "%s needs a %s value%s", def->key,
                             setting_type_name(def->type), *v ? " (too long)" : "");
    if (def->type == SETTING_CHOICE)
        return store_check_enum(v, "value", def->choices, 1, err) < 0 ? -1 : (buf_puts(out, v), 0);
    if (def->type == SETTING_BOOL) {
        static const char *const yes[] = {"1", "true", "yes", "on", NULL};
        static const char *const no[] = {"0", "false", "no", "off", NULL};
        int i;
        for (i = 0; yes[i]; i++)
            if (!strcasecmp(v, yes[i]))
                return buf_puts(out, "1"), 0;
        for (i = 0; no[i]; i++)
            if (!strcasecmp(v, no[i]))
                return buf_puts(out, "0"), 0;
        return store_invalid(err, "value", "%s is a yes/no setting; use 1 or 0 (not '%s')",
                             def->key, v);
    }
    if (def->type == SETTING_INT) {
        char *end;
        long long n;
        errno = 0;
        n = strtoll(v, &end, 10);
        if (errno || *end)
            return store_invalid(err, "value", "%s must be a whole number (not '%s')", def->key, v);
        if ((double)n < def->min || (double)n > def->max)
            return store_invalid(err, "value", "%s must be between %.0f and %.0f (not %lld)",
                                 def->key, def->min, def->max, n);
        buf_printf(out, "%lld", n);
        return 0;
    }
    {
        char *end;
        double d;
        char shortest[32];
        errno = 0;
        d = strtod(v, &end);
        if (errno || *end || !isfinite(d))
            return store_invalid(err, "value", "%s must be a number like 0.5 (not '%s')", def->key,
                                 v);
        if (d < def->min || d > def->max)
            return store_invalid(err, "value", "%s must be between %g and %g (not %s)", def->key,
                                 def->min, def->max, v);
        /* Shortest of %.15g / %.17g that reads back to the same double. */
        snprintf(shortest, sizeof(shortest), "%.15g", d);
        if (strtod(shortest, NULL) != d)
            snprintf(shortest, sizeof(shortest), "%.17g", d);
        buf_puts(out, shortest);
        return 0;
    }
}

static const char SQL_GET[] = "SELECT value FROM settings WHERE key = ?";

int store_setting_get(struct db *db, const char *key, struct buf *out, struct ok_err *err)
{
    const struct setting_def *def = find_or_fail(key, err);
    struct db_stmt *st;
    int rc;
    if (!def)
        return -1;
    st = db_cached(db, SQL_GET, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, key, (size_t)-1);
    rc = db_step(st, err);
    buf_reset(out);
    if (rc == DB_ROW)
        buf_puts(out, db_column_text(st, 0));
    else if (rc == DB_DONE)
        buf_puts(out, def->default_value);
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

int store_setting_get_double(struct db *db, const char *key, double *out, struct ok_err *err)
{
    struct buf b;
    char *end;
    int rc = -1;
    buf_init(&b, 4096);
    if (store_setting_get(db, key, &b, err) == 0) {
        *out = strtod(b.data, &end);
        if (end == b.data || *end)
            ok_err_set(err, OK_ERR_INVALID,
                       "setting %s holds '%s', which is not a number; set it again with "
                       "`okaeri setting set %s VALUE`",
                       key, b.data, key);
        else
            rc = 0;
    }
    buf_release(&b);
    return rc;
}

int store_setting_get_i64(struct db *db, const char *key, int64_t *out, struct ok_err *err)
{
    double d;
    if (store_setting_get_double(db, key, &d, err) < 0)
        return -1;
    if (d != floor(d) || fabs(d) > 9e15)
        return ok_err_set(err, OK_ERR_INVALID, "setting %s is not a whole number", key);
    *out = (int64_t)d;
    return 0;
}

static int check_time_zone(struct db *db, const struct setting_def *def, const char *value,
                           struct ok_err *err)
{
    int32_t offset;
    if (date_tz_offset(value, date_now_unix(), &offset, err) < 0) {
        ok_err_locate(err, "value", 0);
        return -1;
    }
    return 0;
}

static int check_currency(struct db *db, const struct setting_def *def, const char *value,
                          struct ok_err *err)
{
    const struct currency *next = currency_find(value), *now;
    struct buf cur;
    int64_t amounts = 0;
    int rc = -1;
    if (!next)
        return store_invalid(err, "value",
                             "unknown currency '%s'; use an ISO 4217 code such as JPY, USD, EUR",
                             value);
    buf_init(&cur, 64);
    if (store_setting_get(db, "currency", &cur, err) < 0)
        goto out;
    now = currency_find(cur.data);
    /* Amounts are stored in minor units: a currency with another scale would change what
     * every stored number means. */
    if (now && now->scale != next->scale) {
        if (db_query_i64(db,
                         "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM deals) + "
                         "(SELECT count(*) FROM contracts) + (SELECT count(*) FROM products)",
                         &amounts, err) < 0)
            goto out;
        if (amounts > 0) {
            ok_err_set(err, OK_ERR_CONFLICT,
                       "cannot change the currency from %s to %s: amounts are already stored in "
                       "%s minor units (%d decimals, %s has %d)",
                       now->code, next->code, now->code, now->scale, next->code, next->scale);
            ok_err_locate(err, "value", 0);
            goto out;
        }
    }
    rc = 0;
out:
    buf_release(&cur);
    return rc;
}

static const char SQL_UPSERT[] =
    "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

/* Settings whose value is never shown (API, CLI, audit log): only whether one is set. */
static int setting_secret(const char *key)
{
    return !strcmp(key, "smtp.password");
}

#define SECRET_MASK "********"

static int check_url(struct db *db, const struct setting_def *def, const char *value,
                     struct ok_err *err)
{
    (void)db;
    if (!*value)
        return 0;
    if (!strcmp(def->key, "smtp.url")
            ? strncmp(value, "smtp://", 7) && strncmp(value, "smtps://", 8)
            : strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) {
        store_invalid(err, "value", "%s must start with %s", def->key,
                      !strcmp(def->key, "smtp.url") ? "smtp:// or smtps://"
                                                    : "http:// or https://");
        return -1;
    }
    if (strpbrk(value, " \t\r\n\"<>"))
        return store_invalid(err, "value", "%s must not contain blanks, quotes or < >", def->key);
    return 0;
}

/* The sender goes into the envelope and the From header: an address and nothing else (a CR/LF
 * would otherwise only be caught when the first e-mail is built). */
static int check_email(struct db *db, const struct setting_def *def, const char *value,
                       struct ok_err *err)
{
    struct buf b;
    int rc;
    (void)db;
    if (!*value)
        return 0;
    buf_init(&b, 0);
    rc = text_email_normalize(&b, value, strlen(value));
    buf_release(&b);
    if (rc < 0)
        return store_invalid(err, "value", "%s must be an e-mail address", def->key);
    return 0;
}

static void pair_json(struct buf *out, const char *key, const char *value)
{
    int first = 1;
    if (setting_secret(key) && *value)
        value = SECRET_MASK;
    buf_putc(out, '{');
    json_out_field_string(out, &first, "key", key);
    json_out_field_string(out, &first, "value", value);
    buf_putc(out, '}');
}

int store_setting_set(struct db *db, const struct store_actor *who, const char *key,
                      const char *value, struct ok_err *err)
{
    const struct setting_def *def = find_or_fail(key, err);
    struct buf norm, before, bj, aj;
    struct db_stmt *st = NULL;
    char now[20];
    int rc = -1;
    if (!def)
        return -1;
    buf_init(&norm, 0);
    buf_init(&before, 0);
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (def->key[0] == 'c' && !strcmp(def->key, "currency") && value) {
        /* Codes are case-insensitive on input, stored upper-case. */
        const struct currency *c = currency_find(value);
        if (c)
            value = c->code;
    }
    if (store_setting_normalize(def, value, &norm, err) < 0)
        goto out;
    if (db_begin(db, err) < 0)
        goto out;
    if (def->check && def->check(db, def, norm.data, err) < 0)
        goto fail;
    if (store_setting_get(db, key, &before, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, def->key, (size_t)-1);
    db_bind_text(st, 2, norm.data, norm.len);
    db_bind_text(st, 3, now, (size_t)-1);
    if (db_step(st, err) < 0)
        goto fail;
    db_reset(st);
    pair_json(&bj, def->key, before.data);
    pair_json(&aj, def->key, norm.data);
    if (store_audit(db, who, "update", "setting", 0, bj.data, aj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
out:
    buf_release(&norm);
    buf_release(&before);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_setting_reset(struct db *db, const struct store_actor *who, const char *key,
                        struct ok_err *err)
{
    const struct setting_def *def = find_or_fail(key, err);
    if (!def)
        return -1;
    return store_setting_set(db, who, key, def->default_value, err);
}

int store_setting_list(struct db *db, int (*fn)(void *ctx, const struct setting_view *v), void *ctx,
                       struct ok_err *err)
{
    struct buf value;
    int i, rc = 0;
    buf_init(&value, 0);
    for (i = 0; i < NDEFS; i++) {
        struct setting_view v;
        if (store_setting_get(db, defs[i].key, &value, err) < 0) {
            rc = -1;
            break;
        }
        v.def = &defs[i];
        v.value = value.data;
        v.is_default = !strcmp(value.data, defs[i].default_value);
        if (fn(ctx, &v))
            break;
    }
    buf_release(&value);
    return rc;
}

void setting_view_to_json(const struct setting_view *v, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_string(out, &first, "key", v->def->key);
    json_out_field_string(out, &first, "value",
                          setting_secret(v->def->key) && *v->value ? SECRET_MASK : v->value);
    if (setting_secret(v->def->key))
        buf_printf(out, ",\"secret\":true,\"is_set\":%s", *v->value ? "true" : "false");
    json_out_field_string(out, &first, "default", v->def->default_value);
    json_out_field_string(out, &first, "type", setting_type_name(v->def->type));
    json_out_field_string(out, &first, "description", v->def->description);
    buf_putc(out, '}');
}
