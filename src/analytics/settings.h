/*
 * settings.h - the business's choices that the analytics depend on: state thresholds, the state
 * rule, lifecycle thresholds and RFM scoring.
 *
 * Settings come from the database's settings table as key/value strings; the caller starts from
 * analytics_settings_default, applies each pair with analytics_settings_set (which rejects unknown
 * keys and malformed values), then calls analytics_settings_validate (which rejects combinations
 * that contradict each other, such as overlapping thresholds). Every report validates again.
 * Keys and meanings are listed in docs/reports.md.
 */
#ifndef OK_ANALYTICS_SETTINGS_H
#define OK_ANALYTICS_SETTINGS_H

#include <stdint.h>

#include "core/err.h"

enum state_rule {
    STATE_RULE_FIXED,  /* days since last purchase vs. active_days / sleeping_days */
    STATE_RULE_RHYTHM, /* relative to the customer's median gap between purchase days */
    STATE_RULE_PALIVE  /* the value model's P(alive), supplied by the caller */
};

enum rfm_method { RFM_QUINTILES, RFM_FIXED };

struct analytics_settings {
    enum state_rule state_rule;
    int32_t active_days;       /* active when days since last purchase <= this (90) */
    int32_t sleeping_days;     /* sleeping up to this, dead beyond (365) */
    double rhythm_k;           /* rhythm: sleeping beyond k x median gap (2.0) */
    double rhythm_dead_k;      /* rhythm: dead beyond this x median gap (4.0) */
    int32_t rhythm_floor_days; /* rhythm: never sleeping before this many days (30) */
    double p_alive_active;     /* P(alive) >= this: active (0.5) */
    double p_alive_dead;       /* P(alive) < this: dead; in between sleeping (0.1) */
    int lost_overrides_buyers; /* 1: a buyer whose last lost deal is after the last purchase is
                                  lost; 0: only customers who never bought can be lost */

    int32_t window_days;       /* the "last 12 months" of the loyal rule (365) */
    int32_t loyal_min_orders;  /* loyal: at least this many orders in the window (3) */
    int64_t loyal_min_revenue; /* ... and at least this revenue in the window (minor units, 0) */
    int loyal_rfm_min;         /* or R+F+M at least this (0 = rule off; 3..15) */
    double engaged_growth;     /* engaged: loyal and (referred someone in the window, or window
                                  revenue >= this x the previous window's) (1.2) */

    enum rfm_method rfm_method;
    int32_t rfm_r_days[4]; /* fixed: R = 5 when recency <= [0], 4 when <= [1], ... 1 beyond [3] */
    int64_t rfm_f_min[4];  /* fixed: F = 1 + number of bounds with orders >= bound */
    int64_t rfm_m_min[4];  /* fixed: M = 1 + number of bounds with revenue >= bound (minor) */
};

/* Fills s with the defaults given in parentheses above. */
void analytics_settings_default(struct analytics_settings *s);
/* Sets one key from its text value. Unknown key, malformed or out-of-range value: -1 and a
 * message naming the key and the expected form. Cross-field checks are left to _validate. */
int analytics_settings_set(struct analytics_settings *s, const char *key, const char *value,
                           struct ok_err *err);
/* Checks that thresholds do not overlap or contradict each other. */
int analytics_settings_validate(const struct analytics_settings *s, struct ok_err *err);
/* Applies "key=value" pairs separated by ';' or newlines, then validates. */
int analytics_settings_parse(struct analytics_settings *s, const char *text, struct ok_err *err);

#endif
