/*
 * rfm.h - recency, frequency and monetary scores 1..5 and the named RFM segments.
 *
 * Scored are customers with at least one purchase on or before as_of; others get 0.
 * R comes from recency_days (fewer days = higher), F from orders, M from revenue.
 *
 * Quintiles, ties kept together: a customer's score is 1 + floor(5 p / n), where n is the number
 * of scored customers and p the number of them with a strictly worse value. Equal values always
 * get equal scores; the worst value always scores 1; when one value covers many customers some
 * scores stay unused (e.g. F when 60 % bought once: F is 1 or 4..5).
 * Fixed boundaries (settings rfm.*): R = 5 when recency <= r_days[0], 4 when <= r_days[1], 3 when
 * <= r_days[2], 2 when <= r_days[3], else 1; F (M) = 1 + number of f_min (m_min) bounds reached.
 *
 * Segments by (R, F), first matching rule wins (M is not used, so that the 5 x 5 grid shows
 * them):
 *   champions   優良顧客    R >= 4 and F >= 4
 *   loyal       ロイヤル    R = 3 and F >= 4
 *   new         新規        R >= 4 and F = 1
 *   potential   有望        R >= 3 and F <= 3
 *   at_risk     離反予備軍  R <= 2 and F >= 3
 *   hibernating 休眠        R = 2 and F <= 2
 *   lost        離反        R = 1 and F <= 2
 */
#ifndef OK_ANALYTICS_RFM_H
#define OK_ANALYTICS_RFM_H

#include <stdint.h>

#include "analytics/metrics.h"
#include "analytics/settings.h"

enum rfm_segment {
    RFM_SEG_NONE, /* not scored (no purchase) */
    RFM_SEG_CHAMPIONS,
    RFM_SEG_LOYAL,
    RFM_SEG_NEW,
    RFM_SEG_POTENTIAL,
    RFM_SEG_AT_RISK,
    RFM_SEG_HIBERNATING,
    RFM_SEG_LOST,
    RFM_SEG_COUNT
};

/* Scores n customers: r, f, m get 1..5 (0 when not scored). Returns 0 / -1 (bad settings). */
int rfm_scores_compute(const struct customer_metrics *m, uint32_t n, int32_t as_of,
                       const struct analytics_settings *s, uint8_t *r, uint8_t *f, uint8_t *mo,
                       struct ok_err *err);
/* The segment for a pair of scores (0 scores give RFM_SEG_NONE). */
enum rfm_segment rfm_segment_of(int r, int f);
/* Stable English id ("champions"), English label ("Champions") and Japanese label ("優良顧客"). */
const char *rfm_segment_id(enum rfm_segment s);
const char *rfm_segment_label_en(enum rfm_segment s);
const char *rfm_segment_label_ja(enum rfm_segment s);

/* Quintile cut-offs of n uint64 keys (higher key = better): after the call, a key k scores
 * 1 + number of cut[i] <= k. Keys are sorted in place (radix sort). Exposed for tests. */
void rfm_quintile_cuts(uint64_t *keys, uint32_t n, uint64_t cut[4], int has_cut[4]);

#endif
