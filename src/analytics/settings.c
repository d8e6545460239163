/*
 * settings.c - defaults, parsing and validation of the analytics settings (see settings.h).
 */
#include "analytics/settings.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

void analytics_settings_default(struct analytics_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->state_rule = STATE_RULE_FIXED;
    s->active_days = 90;
    s->sleeping_days = 365;
    s->rhythm_k = 2.0;
    s->rhythm_dead_k = 4.0;
    s->rhythm_floor_days = 30;
    s->p_alive_active = 0.5;
    s->p_alive_dead = 0.1;
    s->lost_overrides_buyers = 1;
    s->window_days = 365;
    s->loyal_min_orders = 3;
    s->loyal_min_revenue = 0;
    s->loyal_rfm_min = 0;
    s->engaged_growth = 1.2;
    s->rfm_method = RFM_QUINTILES;
    s->rfm_r_days[0] = 30;
    s->rfm_r_days[1] = 90;
    s->rfm_r_days[2] = 180;
    s->rfm_r_days[3] = 365;
    s->rfm_f_min[0] = 2;
    s->rfm_f_min[1] = 3;
    s->rfm_f_min[2] = 5;
    s->rfm_f_min[3] = 10;
    s->rfm_m_min[0] = 1000;
    s->rfm_m_min[1] = 5000;
    s->rfm_m_min[2] = 20000;
    s->rfm_m_min[3] = 100000;
}

static int parse_i64(const char *key, const char *v, int64_t lo, int64_t hi, int64_t *out,
                     struct ok_err *err)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || errno)
        return ok_err_set(err, OK_ERR_INVALID, "setting %s: '%s' is not a whole number", key, v);
    if (x < lo || x > hi)
        return ok_err_set(err, OK_ERR_INVALID, "setting %s: %lld is outside %lld..%lld", key, x,
                          (long long)lo, (long long)hi);
    *out = x;
    return 0;
}

static int parse_i32(const char *key, const char *v, int32_t lo, int32_t hi, int32_t *out,
                     struct ok_err *err)
{
    int64_t x;
    if (parse_i64(key, v, lo, hi, &x, err) < 0)
        return -1;
    *out = (int32_t)x;
    return 0;
}

static int parse_double(const char *key, const char *v, double lo, double hi, double *out,
                        struct ok_err *err)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end != '\0' || errno || !isfinite(x))
        return ok_err_set(err, OK_ERR_INVALID, "setting %s: '%s' is not a number", key, v);
    if (x < lo || x > hi)
        return ok_err_set(err, OK_ERR_INVALID, "setting %s: %g is outside %g..%g", key, x, lo, hi);
    *out = x;
    return 0;
}

static int parse_bool(const char *key, const char *v, int *out, struct ok_err *err)
{
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
        *out = 0;
    else
        return ok_err_set(err, OK_ERR_INVALID, "setting %s: '%s' is not true or false", key, v);
    return 0;
}

/* "a,b,c,d": four whole numbers. */
static int parse_four(const char *key, const char *v, int64_t lo, int64_t hi, int64_t out[4],
                      struct ok_err *err)
{
    int64_t tmp[4];
    const char *p = v;
    char part[32];
    for (int i = 0; i < 4; i++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if ((i < 3 && !comma) || (i == 3 && comma) || n == 0 || n >= sizeof(part))
            return ok_err_set(err, OK_ERR_INVALID,
                              "setting %s: '%s' is not four numbers like 30,90,180,365", key, v);
        memcpy(part, p, n);
        part[n] = '\0';
        if (parse_i64(key, part, lo, hi, &tmp[i], err) < 0)
            return -1;
        p = comma ? comma + 1 : p + n;
    }
    memcpy(out, tmp, sizeof(tmp));
    return 0;
}

int analytics_settings_set(struct analytics_settings *s, const char *key, const char *v,
                           struct ok_err *err)
{
    int64_t four[4];
    if (!key || !v)
        return ok_err_set(err, OK_ERR_INVALID, "setting: missing key or value");
    if (!strcmp(key, "state.rule")) {
        if (!strcmp(v, "fixed"))
            s->state_rule = STATE_RULE_FIXED;
        else if (!strcmp(v, "rhythm"))
            s->state_rule = STATE_RULE_RHYTHM;
        else if (!strcmp(v, "p_alive"))
            s->state_rule = STATE_RULE_PALIVE;
        else
            return ok_err_set(err, OK_ERR_INVALID,
                              "setting state.rule: '%s' is not fixed, rhythm or p_alive", v);
        return 0;
    }
    if (!strcmp(key, "state.active_days"))
        return parse_i32(key, v, 1, 36500, &s->active_days, err);
    if (!strcmp(key, "state.sleeping_days"))
        return parse_i32(key, v, 1, 36500, &s->sleeping_days, err);
    if (!strcmp(key, "state.rhythm_k"))
        return parse_double(key, v, 0.1, 100, &s->rhythm_k, err);
    if (!strcmp(key, "state.rhythm_dead_k"))
        return parse_double(key, v, 0.1, 1000, &s->rhythm_dead_k, err);
    if (!strcmp(key, "state.rhythm_floor_days"))
        return parse_i32(key, v, 0, 36500, &s->rhythm_floor_days, err);
    if (!strcmp(key, "state.p_alive_active"))
        return parse_double(key, v, 0, 1, &s->p_alive_active, err);
    if (!strcmp(key, "state.p_alive_dead"))
        return parse_double(key, v, 0, 1, &s->p_alive_dead, err);
    if (!strcmp(key, "state.lost_overrides_buyers"))
        return parse_bool(key, v, &s->lost_overrides_buyers, err);
    if (!strcmp(key, "lifecycle.window_days"))
        return parse_i32(key, v, 28, 3660, &s->window_days, err);
    if (!strcmp(key, "lifecycle.loyal_min_orders"))
        return parse_i32(key, v, 2, 100000, &s->loyal_min_orders, err);
    if (!strcmp(key, "lifecycle.loyal_min_revenue"))
        return parse_i64(key, v, 0, INT64_MAX / 4, &s->loyal_min_revenue, err);
    if (!strcmp(key, "lifecycle.loyal_rfm_min")) {
        int64_t x;
        if (parse_i64(key, v, 0, 15, &x, err) < 0)
            return -1;
        if (x > 0 && x < 3)
            return ok_err_set(err, OK_ERR_INVALID,
                              "setting %s: R+F+M is at least 3; use 0 to switch the rule off", key);
        s->loyal_rfm_min = (int)x;
        return 0;
    }
    if (!strcmp(key, "lifecycle.engaged_growth"))
        return parse_double(key, v, 1.0, 1000, &s->engaged_growth, err);
    if (!strcmp(key, "rfm.method")) {
        if (!strcmp(v, "quintiles"))
            s->rfm_method = RFM_QUINTILES;
        else if (!strcmp(v, "fixed"))
            s->rfm_method = RFM_FIXED;
        else
            return ok_err_set(err, OK_ERR_INVALID,
                              "setting rfm.method: '%s' is not quintiles or fixed", v);
        return 0;
    }
    if (!strcmp(key, "rfm.r_days")) {
        if (parse_four(key, v, 0, 36500, four, err) < 0)
            return -1;
        for (int i = 0; i < 4; i++)
            s->rfm_r_days[i] = (int32_t)four[i];
        return 0;
    }
    if (!strcmp(key, "rfm.f_min"))
        return parse_four(key, v, 1, INT32_MAX, s->rfm_f_min, err);
    if (!strcmp(key, "rfm.m_min"))
        return parse_four(key, v, INT64_MIN / 4, INT64_MAX / 4, s->rfm_m_min, err);
    return ok_err_set(err, OK_ERR_INVALID, "unknown setting '%s'", key);
}

int analytics_settings_validate(const struct analytics_settings *s, struct ok_err *err)
{
    if (s->active_days >= s->sleeping_days)
        return ok_err_set(err, OK_ERR_INVALID,
                          "settings overlap: state.active_days (%ld) must be below "
                          "state.sleeping_days (%ld)",
                          (long)s->active_days, (long)s->sleeping_days);
    if (s->rhythm_k >= s->rhythm_dead_k)
        return ok_err_set(err, OK_ERR_INVALID,
                          "settings overlap: state.rhythm_k (%g) must be below "
                          "state.rhythm_dead_k (%g)",
                          s->rhythm_k, s->rhythm_dead_k);
    if (s->p_alive_dead >= s->p_alive_active)
        return ok_err_set(err, OK_ERR_INVALID,
                          "settings overlap: state.p_alive_dead (%g) must be below "
                          "state.p_alive_active (%g)",
                          s->p_alive_dead, s->p_alive_active);
    for (int i = 1; i < 4; i++) {
        if (s->rfm_r_days[i] <= s->rfm_r_days[i - 1])
            return ok_err_set(err, OK_ERR_INVALID,
                              "settings overlap: rfm.r_days must increase (%ld then %ld)",
                              (long)s->rfm_r_days[i - 1], (long)s->rfm_r_days[i]);
        if (s->rfm_f_min[i] <= s->rfm_f_min[i - 1])
            return ok_err_set(err, OK_ERR_INVALID,
                              "settings overlap: rfm.f_min must increase (%lld then %lld)",
                              (long long)s->rfm_f_min[i - 1], (long long)s->rfm_f_min[i]);
        if (s->rfm_m_min[i] <= s->rfm_m_min[i - 1])
            return ok_err_set(err, OK_ERR_INVALID,
                              "settings overlap: rfm.m_min must increase (%lld then %lld)",
                              (long long)s->rfm_m_min[i - 1], (long long)s->rfm_m_min[i]);
    }
    if (s->state_rule > STATE_RULE_PALIVE || s->rfm_method > RFM_FIXED)
        return ok_err_set(err, OK_ERR_INVALID, "settings: unknown state rule or RFM method");
    return 0;
}

static char *trim(char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    char *e = p + strlen(p);
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return p;
}

int analytics_settings_parse(struct analytics_settings *s, const char *text, struct ok_err *err)
{
    int rc = -1;
    char *copy = xstrdup(text ? text : "");
    char *p = copy;
    while (*p) {
        size_t n = strcspn(p, ";\n");
        char *next = p[n] ? p + n + 1 : p + n;
        p[n] = '\0';
        char *item = trim(p);
        if (*item) {
            char *eq = strchr(item, '=');
            if (!eq) {
                ok_err_set(err, OK_ERR_INVALID, "setting '%s' has no '=value'", item);
                goto out;
            }
            *eq = '\0';
            if (analytics_settings_set(s, trim(item), trim(eq + 1), err) < 0)
                goto out;
        }
        p = next;
    }
    rc = analytics_settings_validate(s, err);
out:
    free(copy);
    return rc;
}
