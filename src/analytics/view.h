/*
 * view.h - everything known about every customer as of one date: metrics, inventory state
 * (棚卸し), lifecycle stage and RFM scores, computed together from a ledger snapshot.
 *
 * A customer exists on as_of when it was created on or before as_of (or its creation day is
 * unknown), or bought or lost a deal on or before as_of; otherwise its state and stage are NONE
 * and reports leave it out.
 *
 * State (DESIGN.md §2.3):
 *   lost     - its latest deal lost on or before as_of is later than its last purchase (or it
 *              never bought); with lost_overrides_buyers = 0 only never-buyers can be lost.
 *   prospect - no purchase on or before as_of (and not lost).
 *   otherwise by the rule in settings, with r = days since last purchase:
 *   fixed:   active r <= active_days, sleeping r <= sleeping_days, dead beyond.
 *   rhythm:  g = median gap between the customer's purchase days, A = max(rhythm_floor_days,
 *            rhythm_k g): active r <= A, sleeping r <= A x rhythm_dead_k / rhythm_k, dead
 *            beyond (so without the floor: sleeping beyond k g, dead beyond dead_k g).
 *            Customers with one purchase day have no rhythm and use the fixed thresholds.
 *   p_alive: active p >= p_alive_active, sleeping p >= p_alive_dead, dead below; p from the
 *            caller (clv layer), one per customer; NaN falls back to the fixed thresholds.
 * Stage (DESIGN.md §2.4):
 *   prospect - no purchase; lapsed - bought, but state sleeping, dead or lost;
 *   new      - active with one purchase day; repeat - active with two or more;
 *   loyal    - repeat and (orders in the window >= loyal_min_orders and window revenue >=
 *              loyal_min_revenue, or R+F+M >= loyal_rfm_min when that rule is on);
 *   engaged  - loyal and (referred someone in the window, or window revenue >= engaged_growth
 *              x previous window revenue, the previous window having revenue > 0).
 */
#ifndef OK_ANALYTICS_VIEW_H
#define OK_ANALYTICS_VIEW_H

#include <stdint.h>

#include "analytics/ledger.h"
#include "analytics/metrics.h"
#include "analytics/rfm.h"
#include "analytics/settings.h"

enum cust_state {
    CUST_STATE_NONE, /* does not exist yet on as_of */
    CUST_STATE_PROSPECT,
    CUST_STATE_ACTIVE,
    CUST_STATE_SLEEPING,
    CUST_STATE_DEAD,
    CUST_STATE_LOST,
    CUST_STATE_COUNT
};

enum cust_stage {
    CUST_STAGE_NONE,
    CUST_STAGE_PROSPECT,
    CUST_STAGE_NEW,
    CUST_STAGE_REPEAT,
    CUST_STAGE_LOYAL,
    CUST_STAGE_ENGAGED,
    CUST_STAGE_LAPSED,
    CUST_STAGE_COUNT
};

struct analytics_view {
    int32_t as_of;
    uint32_t n;                 /* = ledger ncust at compute time */
    struct customer_metrics *m; /* n entries */
    uint8_t *state;             /* enum cust_state */
    uint8_t *stage;             /* enum cust_stage */
    uint8_t *r, *f, *mo;        /* RFM scores 1..5, 0 when not scored */
    int32_t *lost_day;          /* latest lost deal closed on or before as_of, LEDGER_NO_DAY */
};

/* Computes the view of l as of as_of. p_alive: one P(alive) per customer, required when the
 * state rule is p_alive (else ignored, may be NULL). Fails on invalid settings or a missing
 * p_alive. The view owns its arrays; release with analytics_view_release. */
int analytics_view_compute(struct analytics_view *v, const struct ledger *l,
                           const struct analytics_settings *s, int32_t as_of, const double *p_alive,
                           struct ok_err *err);
/* As analytics_view_compute; with skip_rfm set, RFM scores are left 0 unless the loyal rule
 * needs them (loyal_rfm_min > 0). For reports that only need states and stages. */
int analytics_view_compute_ex(struct analytics_view *v, const struct ledger *l,
                              const struct analytics_settings *s, int32_t as_of,
                              const double *p_alive, int skip_rfm, struct ok_err *err);
void analytics_view_release(struct analytics_view *v);

/* Stable ids ("active") and Japanese labels ("生きた客") of states and stages. */
const char *cust_state_id(enum cust_state s);
const char *cust_state_label_ja(enum cust_state s);
const char *cust_stage_id(enum cust_stage s);
const char *cust_stage_label_ja(enum cust_stage s);

#endif
