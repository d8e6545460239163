/*
 * rfm.c - RFM scores by quintiles (radix-sorted cut-offs) or fixed boundaries, and segments.
 */
#include "analytics/rfm.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

/* LSD radix sort, 8 bits a pass; passes where every key has the same byte are skipped, so
 * recency and order counts take two passes. */
static void radix_sort_u64(uint64_t *a, uint32_t n)
{
    uint64_t *tmp = xmalloc((size_t)(n ? n : 1) * sizeof(*tmp));
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        uint32_t count[256] = {0};
        for (uint32_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 0xff]++;
        if (n == 0 || count[(src[0] >> shift) & 0xff] == n)
            continue;
        uint32_t pos = 0;
        for (int b = 0; b < 256; b++) {
            uint32_t c = count[b];
            count[b] = pos;
            pos += c;
        }
        for (uint32_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof(*a));
    free(tmp);
}

void rfm_quintile_cuts(uint64_t *keys, uint32_t n, uint64_t cut[4], int has_cut[4])
{
    radix_sort_u64(keys, n);
    for (int i = 0; i < 4; i++) {
        /* score >= i+2 needs p >= ceil((i+1) n / 5) customers strictly below */
        uint64_t idx = ((uint64_t)(i + 1) * n + 4) / 5;
        uint64_t j = idx;
        while (j < n && j > 0 && keys[j] == keys[j - 1])
            j++;
        has_cut[i] = j < n;
        cut[i] = j < n ? keys[j] : 0;
    }
}

static inline uint8_t score_of(uint64_t k, const uint64_t cut[4], const int has[4])
{
    return (uint8_t)(1 + (has[0] & (k >= cut[0])) + (has[1] & (k >= cut[1])) +
                     (has[2] & (k >= cut[2])) + (has[3] & (k >= cut[3])));
}

static inline uint64_t key_r(const struct customer_metrics *m, int32_t as_of)
{
    return (uint64_t)((int64_t)INT32_MAX - (int64_t)(as_of - m->last_day));
}

static inline uint64_t key_m(int64_t revenue)
{
    return (uint64_t)revenue ^ (1ULL << 63);
}

int rfm_scores_compute(const struct customer_metrics *m, uint32_t n, int32_t as_of,
                       const struct analytics_settings *s, uint8_t *r, uint8_t *f, uint8_t *mo,
                       struct ok_err *err)
{
    if (analytics_settings_validate(s, err) < 0)
        return -1;
    if (s->rfm_method == RFM_FIXED) {
        for (uint32_t c = 0; c < n; c++) {
            if (!m[c].purchase_days) {
                r[c] = f[c] = mo[c] = 0;
                continue;
            }
            int32_t rec = as_of - m[c].last_day;
            int64_t o = m[c].orders, v = m[c].revenue;
            r[c] = (uint8_t)(1 + (rec <= s->rfm_r_days[0]) + (rec <= s->rfm_r_days[1]) +
                             (rec <= s->rfm_r_days[2]) + (rec <= s->rfm_r_days[3]));
            f[c] = (uint8_t)(1 + (o >= s->rfm_f_min[0]) + (o >= s->rfm_f_min[1]) +
                             (o >= s->rfm_f_min[2]) + (o >= s->rfm_f_min[3]));
            mo[c] = (uint8_t)(1 + (v >= s->rfm_m_min[0]) + (v >= s->rfm_m_min[1]) +
                              (v >= s->rfm_m_min[2]) + (v >= s->rfm_m_min[3]));
        }
        return 0;
    }
    uint32_t k = 0;
    for (uint32_t c = 0; c < n; c++)
        k += m[c].purchase_days != 0;
    uint64_t *keys = xmalloc((size_t)(k ? k : 1) * sizeof(*keys));
    uint64_t cr[4], cf[4], cm[4];
    int hr[4], hf[4], hm[4];

    k = 0;
    for (uint32_t c = 0; c < n; c++)
        if (m[c].purchase_days)
            keys[k++] = key_r(&m[c], as_of);
    rfm_quintile_cuts(keys, k, cr, hr);
    k = 0;
    for (uint32_t c = 0; c < n; c++)
        if (m[c].purchase_days)
            keys[k++] = m[c].orders;
    rfm_quintile_cuts(keys, k, cf, hf);
    k = 0;
    for (uint32_t c = 0; c < n; c++)
        if (m[c].purchase_days)
            keys[k++] = key_m(m[c].revenue);
    rfm_quintile_cuts(keys, k, cm, hm);
    free(keys);

    for (uint32_t c = 0; c < n; c++) {
        if (!m[c].purchase_days) {
            r[c] = f[c] = mo[c] = 0;
            continue;
        }
        r[c] = score_of(key_r(&m[c], as_of), cr, hr);
        f[c] = score_of(m[c].orders, cf, hf);
        mo[c] = score_of(key_m(m[c].revenue), cm, hm);
    }
    return 0;
}

enum rfm_segment rfm_segment_of(int r, int f)
{
    if (r < 1 || f < 1)
        return RFM_SEG_NONE;
    if (r >= 4 && f >= 4)
        return RFM_SEG_CHAMPIONS;
    if (r == 3 && f >= 4)
        return RFM_SEG_LOYAL;
    if (r >= 4 && f == 1)
        return RFM_SEG_NEW;
    if (r >= 3)
        return RFM_SEG_POTENTIAL;
    if (f >= 3)
        return RFM_SEG_AT_RISK;
    return r == 2 ? RFM_SEG_HIBERNATING : RFM_SEG_LOST;
}

static const char *const seg_id[RFM_SEG_COUNT] = {"none",      "champions", "loyal",       "new",
                                                  "potential", "at_risk",   "hibernating", "lost"};
static const char *const seg_en[RFM_SEG_COUNT] = {
    "No purchase", "Champions", "Loyal", "New", "Potential", "At risk", "Hibernating", "Lost"};
static const char *const seg_ja[RFM_SEG_COUNT] = {"購入なし", "優良顧客",   "ロイヤル", "新規",
                                                  "有望",     "離反予備軍", "休眠",     "離反"};

const char *rfm_segment_id(enum rfm_segment s)
{
    return s < RFM_SEG_COUNT ? seg_id[s] : "none";
}

const char *rfm_segment_label_en(enum rfm_segment s)
{
    return s < RFM_SEG_COUNT ? seg_en[s] : seg_en[0];
}

const char *rfm_segment_label_ja(enum rfm_segment s)
{
    return s < RFM_SEG_COUNT ? seg_ja[s] : seg_ja[0];
}
