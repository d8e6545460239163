/*
 * demo.c - the demo business generator (see demo.h and docs/demo.md for the processes).
 *
 * One pass over the customers in acquisition order. Each customer has its own random stream
 * (xoshiro256** seeded by splitmix64 from the seed and the customer's number), so a customer's
 * history does not depend on how much randomness the ones before it used; only the choice of a
 * referrer looks back at earlier customers (their first and last purchase days, kept in arrays).
 * Rows go straight to the bulk loader; nothing but a few arrays of 16 bytes per customer is kept.
 */
#include "demo/demo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "demo/names.h"
#include "store/bulk.h"
#include "store/store.h"
#include "core/banned.h"

#define NO_DAY    INT32_MIN
#define YEARS     3
#define MAX_LINES 8

/* ---- random numbers ---- */

/* xoshiro256** 1.0 and splitmix64 (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018; reference code at prng.di.unimi.it). */
struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream, uint64_t salt)
{
    uint64_t x = seed * 0xd1342543de82ef95ULL + stream * 0x9e3779b97f4a7c15ULL + salt;
    int i;
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1). */
static inline double rng_uniform(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer on [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32). */
static inline int rng_int(struct rng *r, int n)
{
    return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline int rng_chance(struct rng *r, double p)
{
    return rng_uniform(r) < p;
}

/* Standard exponential. */
static double rng_exp(struct rng *r)
{
    return -log1p(-rng_uniform(r));
}

/* Standard normal by Marsaglia's polar method. */
static double rng_normal(struct rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* Gamma(shape, 1): Marsaglia & Tsang, "A simple method for generating gamma variables", ACM
 * TOMS 26(3), 2000; shape < 1 by their boost Gamma(a) = Gamma(a + 1) * U^(1/a). */
static double rng_gamma(struct rng *r, double shape)
{
    double d, c, x, v, u;
    if (shape < 1.0) {
        double g = rng_gamma(r, shape + 1.0);
        return g * pow(1.0 - rng_uniform(r), 1.0 / shape);
    }
    d = shape - 1.0 / 3.0;
    c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        do {
            x = rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        u = rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

static double rng_beta(struct rng *r, double a, double b)
{
    double x = rng_gamma(r, a);
    double y = rng_gamma(r, b);
    return x / (x + y);
}

/* Index by weights given as a cumulative table of n entries. */
static int pick_cum(struct rng *r, const int *cum, int n)
{
    int x = rng_int(r, cum[n - 1]);
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Index by an inline list of weights (small lists). */
static int pick(struct rng *r, const int *w, int n)
{
    int total = 0, i, x;
    for (i = 0; i < n; i++)
        total += w[i];
    x = rng_int(r, total);
    for (i = 0; i < n - 1; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

#define PICK(r, ...)                                                                               \
    pick((r), (const int[]){__VA_ARGS__}, (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))

/* ---- the process parameters (docs/demo.md explains them) ---- */

/* Sources (acquisition channels) as the shop writes them. */
enum source { SRC_STORE, SRC_WEB, SRC_REFERRAL, SRC_EVENT, SRC_AD, SRC_COUNT };
static const char *const source_names[SRC_COUNT] = {"店頭", "Web", "紹介", "イベント", "広告"};
static const int person_source_w[SRC_COUNT] = {42, 24, 12, 8, 14};
static const int company_source_w[SRC_COUNT] = {0, 35, 25, 20, 20};
/* Share of people from a source who register without buying (newsletter sign-ups, event
 * visitors who leave their card). */
static const double prospect_share[SRC_COUNT] = {0.0, 0.15, 0.10, 0.35, 0.20};
/* Share of online orders by source. */
static const double online_share[SRC_COUNT] = {0.15, 0.85, 0.40, 0.40, 0.60};

#define COMPANY_SHARE 0.06
/* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science
 * 24(2)): purchase rate lambda ~ Gamma(r, alpha) per day, dropout p ~ Beta(a, b) after each
 * purchase. */
#define P_R     0.85
#define P_ALPHA 55.0
#define P_A     0.70
#define P_B     4.0
#define C_R     2.0
#define C_ALPHA 80.0
#define C_A     0.5
#define C_B     10.0
/* Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves", JMR
 * 42(4); Colombo & Jiang 1999): order value z ~ Gamma(p, nu), nu ~ Gamma(q, gamma); the mean
 * order value is p * gamma / (q - 1) = 3,400 yen for people, 5x for companies. */
#define GG_P          4.0
#define GG_Q          3.0
#define GG_GAMMA      1700.0
#define COMPANY_SPEND 5.0
#define RETURN_SHARE  0.012

/* ---- the generator ---- */

struct gen {
    struct db *db;
    struct bulk *bulk;
    const struct demo_options *opt;
    int32_t start, as_of;
    int64_t n;
    int32_t *acq;      /* acquisition day per customer (sorted) */
    int32_t *first;    /* first purchase day, NO_DAY for prospects */
    int32_t *last;     /* last purchase day */
    uint32_t *norders; /* purchases (receipts, returns not counted) */
    int64_t cust_base; /* id of customer 0 */
    int64_t staff[4];  /* ids: manager, two shop staff, B2B sales */
    int64_t *product_ids;
    int64_t lost_reason[4]; /* price, timing, competitor, other */
    int64_t cause[8];       /* the causes list in schema order */
    int64_t trig[7];        /* the triggers list in schema order */
    int family_cum[128], male_cum[64], female_cum[64], place_cum[64], product_cum[64];
    int sellable[64]; /* product index of each entry of product_cum */
    int nsellable;
    int64_t seq_order, seq_return, seq_deal, seq_contract, seq_referral, seq_activity, seq_feedback;
    int64_t orders, returns;
    int32_t *days; /* purchase days of the current customer */
    size_t days_cap;
    struct buf s1, s2, s3, s4, s5, s6, s7; /* text of the current row */
};

enum { STAFF_MANAGER, STAFF_SHOP1, STAFF_SHOP2, STAFF_SALES };
enum { LR_PRICE, LR_TIMING, LR_COMPETITOR, LR_OTHER };
enum { CA_PRICE, CA_TIMING, CA_COMPETITOR, CA_PRODUCT, CA_SERVICE, CA_MOVED, CA_CLOSED, CA_OTHER };
enum {
    TR_SATISFACTION,
    TR_CAMPAIGN,
    TR_FOLLOW_UP,
    TR_NEW_PRODUCT,
    TR_LIFE_EVENT,
    TR_RENEWAL,
    TR_OTHER
};

static const char *const lost_notes[4][3] = {
    {"他社より月額が2割高いとのこと。価格改定時に再提案。", "予算上限を超えるため見送り。",
     "値引き要望に応えられず。来期予算で再検討の可能性あり。"},
    {"オフィス移転が決まるまで保留。", "今期は予算確定済み。来年度に再度ご連絡。",
     "担当者の異動で検討が止まった。"},
    {"既存の業者と継続契約。", "大手チェーンのサービスを採用。", "競合の無料マシン貸与に流れた。"},
    {"社内でコーヒー自体を廃止。", "決裁者と連絡が取れず。", "ご要望の商品を扱っていない。"},
};
static const char *const cause_notes[8][2] = {
    {"価格が合わないとのこと（電話にて確認）", "値上げ後に来店が途絶えた"},
    {"忙しくなり来店の機会が減ったとのこと", "育児で一時的に購入を控えている"},
    {"近所にできた自家焙煎店に移った", "ネット通販の大手に切り替えた"},
    {"デカフェの種類を増やしてほしいとの要望あり", "ミルクティー用の茶葉を探していた"},
    {"配送遅延へのご不満あり（お詫び済み）", "店頭での対応に不満とのこと"},
    {"遠方へ転居（オンラインストアをご案内済み）", "海外赴任のため"},
    {"事業所を閉鎖されたため", "廃業とのこと"},
    {"理由不明（DM返送あり）", "ご本人からの連絡なし"},
};

static void gen_init_tables(struct gen *g)
{
    int i, acc;
    for (i = 0, acc = 0; i < demo_family_count; i++)
        g->family_cum[i] = acc += demo_family_names[i].weight;
    for (i = 0, acc = 0; i < demo_male_count; i++)
        g->male_cum[i] = acc += demo_male_names[i].weight;
    for (i = 0, acc = 0; i < demo_female_count; i++)
        g->female_cum[i] = acc += demo_female_names[i].weight;
    for (i = 0, acc = 0; i < demo_place_count; i++)
        g->place_cum[i] = acc += demo_places[i].weight;
    g->nsellable = 0;
    for (i = 0, acc = 0; i < demo_product_count; i++) {
        if (demo_products[i].weight > 0) {
            g->sellable[g->nsellable] = i;
            g->product_cum[g->nsellable++] = acc += demo_products[i].weight;
        }
    }
}

static int product_index(const char *sku)
{
    int i;
    for (i = 0; i < demo_product_count; i++)
        if (!strcmp(demo_products[i].sku, sku))
            return i;
    return 0;
}

/* Writes prefix + zero-padded number (at least `width` digits) into out; returns the length. */
static int format_code(char *out, char prefix, int64_t v, int width)
{
    char digits[24];
    int n = 0, len = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n < width)
        digits[n++] = '0';
    out[len++] = prefix;
    while (n > 0)
        out[len++] = digits[--n];
    out[len] = '\0';
    return len;
}

/* Seconds of the day an order happens: shop hours 10:00-20:00 with an afternoon peak, online
 * at any hour with an evening peak. */
static int32_t order_secs(struct rng *r, int online)
{
    if (!online) {
        double h = 10.0 + 10.0 * rng_beta(r, 2.2, 2.0);
        return (int32_t)(h * 3600.0);
    }
    if (rng_chance(r, 0.65))
        return (int32_t)((19.0 + 4.9 * rng_uniform(r)) * 3600.0) % 86400;
    return (int32_t)(86400.0 * rng_uniform(r));
}

static int32_t office_secs(struct rng *r)
{
    return (9 * 3600) + rng_int(r, 9 * 3600);
}

/* ---- people, places and contact data ---- */

struct person {
    const struct demo_name *family, *given;
    int female;
};

static void person_pick(struct gen *g, struct rng *r, struct person *p)
{
    p->family = &demo_family_names[pick_cum(r, g->family_cum, demo_family_count)];
    p->female = rng_chance(r, 0.55); /* shoppers of a coffee and tea shop: slightly more women */
    p->given = p->female ? &demo_female_names[pick_cum(r, g->female_cum, demo_female_count)]
                         : &demo_male_names[pick_cum(r, g->male_cum, demo_male_count)];
}

static void person_name(const struct person *p, struct buf *name, struct buf *kana)
{
    buf_reset(name);
    buf_printf(name, "%s\u3000%s", p->family->kanji, p->given->kanji);
    if (kana) {
        buf_reset(kana);
        buf_printf(kana, "%s\u3000%s", p->family->kana, p->given->kana);
    }
}

static void mobile_phone(struct rng *r, struct buf *out)
{
    static const char *const heads[] = {"090", "080", "070"};
    buf_reset(out);
    buf_printf(out, "%s-%04d-%04d", heads[PICK(r, 50, 40, 10)], 1000 + rng_int(r, 9000),
               rng_int(r, 10000));
}

/* A land line: area code plus subscriber digits to make ten digits in all. */
static void land_phone(struct rng *r, const struct demo_place *pl, struct buf *out)
{
    int alen = (int)strlen(pl->area_code);
    buf_reset(out);
    if (alen == 2)
        buf_printf(out, "%s-%04d-%04d", pl->area_code, 3000 + rng_int(r, 7000), rng_int(r, 10000));
    else if (alen == 3)
        buf_printf(out, "%s-%03d-%04d", pl->area_code, 200 + rng_int(r, 800), rng_int(r, 10000));
    else
        buf_printf(out, "%s-%02d-%04d", pl->area_code, 20 + rng_int(r, 80), rng_int(r, 10000));
}

static void address(struct rng *r, const struct demo_place *pl, int company, struct buf *postal,
                    struct buf *addr)
{
    buf_reset(postal);
    buf_printf(postal, "%s-%04d", pl->postal3, rng_int(r, 100) * 10 + rng_int(r, 10));
    buf_reset(addr);
    buf_printf(addr, "%s%s%s%d丁目%d-%d", pl->prefecture, pl->city, pl->towns[rng_int(r, 4)],
               1 + rng_int(r, 5), 1 + rng_int(r, 28), 1 + rng_int(r, 20));
    if (company)
        buf_printf(addr, " %sビル%dF", demo_company_stems[rng_int(r, demo_company_stem_count)].text,
                   2 + rng_int(r, 8));
    else if (rng_chance(r, 0.45))
        buf_printf(addr, " %s%s%d%02d", demo_buildings[rng_int(r, demo_building_count)],
                   pl->towns[rng_int(r, 4)], 1 + rng_int(r, 9), 1 + rng_int(r, 12));
}

static void person_email(struct rng *r, const struct person *p, int64_t i, struct buf *out)
{
    const char *dom = demo_mail_domains[rng_int(r, demo_mail_domain_count)];
    buf_reset(out);
    switch (rng_int(r, 4)) {
    case 0:
        buf_printf(out, "%s.%s", p->given->romaji, p->family->romaji);
        break;
    case 1:
        buf_printf(out, "%s_%s", p->family->romaji, p->given->romaji);
        break;
    case 2:
        buf_printf(out, "%c%s", p->given->romaji[0], p->family->romaji);
        break;
    default:
        buf_printf(out, "%s%s", p->given->romaji, p->family->romaji);
        break;
    }
    /* The customer's number keeps addresses unique, as real ones are. */
    buf_printf(out, "%lld@%s", (long long)(i + 1), dom);
}

/* ---- writers ---- */

struct plan {
    int company;
    enum source source;
    int64_t referrer; /* index of the referring customer, -1 none */
    int32_t start;    /* first purchase day or NO_DAY */
    int32_t limit;    /* no purchase after this day */
    int dropped;      /* the BG/NBD dropout happened */
    double online;    /* share of online orders */
    int store;        /* home shop, -1 online only */
    int fav;          /* favourite product */
    double nu;        /* Gamma-Gamma: order values ~ Gamma(GG_P, nu) */
    int64_t owner;
};

static int64_t write_activity(struct gen *g, int64_t cust, int64_t user, int32_t day, int32_t secs,
                              const char *channel, const char *dir, const char *subject,
                              const char *body, const char *outcome, int64_t deal,
                              struct ok_err *err)
{
    char code[24];
    struct bulk_activity a = {0};
    if (day > g->as_of)
        return 0;
    format_code(code, 'A', ++g->seq_activity, 9);
    a.code = code;
    a.customer_id = cust;
    a.user_id = user;
    a.day = day;
    a.secs = secs;
    a.channel = channel;
    a.direction = dir;
    a.subject = subject;
    a.body = body;
    a.outcome = outcome;
    a.deal_id = deal;
    return bulk_activity(g->bulk, &a, err);
}

static int write_feedback(struct gen *g, int64_t cust, const char *kind, int score,
                          const char *text, int32_t day, struct ok_err *err)
{
    char code[24];
    struct bulk_feedback f = {0};
    if (day > g->as_of)
        return 0;
    format_code(code, 'V', ++g->seq_feedback, 8);
    f.code = code;
    f.customer_id = cust;
    f.kind = kind;
    f.score = score;
    f.text = text;
    f.received_on = day;
    return bulk_feedback(g->bulk, &f, err);
}

/* A deal with its contact history: the first contact when opened, a follow-up, and the close. */
static int64_t write_deal(struct gen *g, struct rng *r, int64_t cust, const char *kind,
                          const char *title, int product, int64_t amount, int32_t opened,
                          int32_t closed, int won, int reason, int64_t trigger, int64_t owner,
                          struct ok_err *err)
{
    char code[24];
    struct bulk_deal d = {0};
    int64_t id;
    int open = closed == NO_DAY || closed > g->as_of;
    format_code(code, 'D', ++g->seq_deal, 8);
    d.code = code;
    d.customer_id = cust;
    d.kind = kind;
    d.stage = open ? "open" : won ? "won" : "lost";
    d.title = title;
    d.amount = amount;
    d.opened_on = opened;
    d.closed_on = open ? BULK_NO_DATE : closed;
    d.owner_id = owner;
    d.trigger_id = trigger;
    d.product_id = product >= 0 ? g->product_ids[product] : 0;
    if (!open && !won) {
        d.lost_reason_id = g->lost_reason[reason];
        d.lost_note = lost_notes[reason][rng_int(r, 3)];
    }
    id = bulk_deal(g->bulk, &d, err);
    if (id < 0)
        return -1;
    if (!strcmp(kind, "renewal")) {
        if (write_activity(g, cust, owner, opened, office_secs(r), "email", "out",
                           "契約更新のご案内", "更新条件と次年度のプランをお送りしました。",
                           "送付済み", id, err) < 0)
            return -1;
    } else {
        if (write_activity(g, cust, owner, opened, office_secs(r),
                           rng_chance(r, 0.6) ? "visit" : "phone", "out", "初回ヒアリング",
                           "現状の利用状況とご要望を伺いました。", "提案へ", id, err) < 0)
            return -1;
        if ((open ? g->as_of : closed) - opened > 7 &&
            write_activity(g, cust, owner, opened + 3 + rng_int(r, 5), office_secs(r), "email",
                           "out", "お見積りの送付", "お見積書と試飲用サンプルをお送りしました。",
                           "返答待ち", id, err) < 0)
            return -1;
    }
    if (!open && write_activity(g, cust, owner, closed, office_secs(r), won ? "email" : "phone",
                                won ? "out" : "in", won ? "ご契約の御礼" : "見送りのご連絡",
                                won ? "ご契約いただきありがとうございました。"
                                    : "今回は見送りとのご連絡。理由を伺い記録しました。",
                                won ? "受注" : "失注", id, err) < 0)
        return -1;
    return id;
}

/* Company deals and contracts. The first deal opens when the company is registered; a lost one
 * may be re-opened months later; each won deal starts a one-year contract that renews with the
 * company's own retention probability or ends with a reason. Sets p->start and p->limit. */
static int company_timeline(struct gen *g, struct rng *r, int64_t cust, int64_t i, struct plan *p,
                            int64_t *referral_deal, struct ok_err *err)
{
    static const char *const plans[] = {"S-101", "S-102", "S-103"};
    int plan = PICK(r, 50, 35, 15);
    int prod = product_index(plans[plan]);
    int32_t opened = g->acq[i];
    int32_t closed = opened + 10 + (int32_t)(rng_exp(r) * 25.0);
    int attempt;
    int64_t id;
    p->start = NO_DAY;
    p->limit = g->as_of;
    for (attempt = 0; attempt < 2; attempt++) {
        int won = rng_chance(r, attempt ? 0.5 : 0.45);
        int reason = PICK(r, 40, 25, 25, 10);
        const char *kind = attempt ? "new" : p->source == SRC_REFERRAL ? "referral" : "new";
        int64_t trig = attempt                     ? g->trig[PICK(r, 0, 20, 50, 30, 0, 0, 0)]
                       : p->source == SRC_REFERRAL ? g->trig[TR_SATISFACTION]
                                                   : 0;
        id = write_deal(
            g, r, cust, kind,
            attempt ? "再提案: オフィスコーヒー定期便" : "オフィスコーヒー定期便のご提案", prod,
            demo_products[prod].price, opened, closed, won, reason, trig, p->owner, err);
        if (id < 0)
            return -1;
        if (!attempt && p->source == SRC_REFERRAL)
            *referral_deal = id;
        if (closed > g->as_of)
            return 0; /* still open */
        if (won) {
            p->start = closed;
            break;
        }
        /* Lost: a follow-up after 3 to 11 months re-opens it for a quarter of them. */
        if (!rng_chance(r, 0.25))
            return 0;
        opened = closed + 90 + rng_int(r, 240);
        if (opened > g->as_of)
            return 0;
        closed = opened + 14 + (int32_t)(rng_exp(r) * 20.0);
    }
    if (p->start == NO_DAY)
        return 0;
    {
        double retention = rng_beta(r, 8.0, 2.0);
        int32_t s = p->start;
        int64_t prev = 0;
        int cur = prod;
        char code[24];
        for (;;) {
            int32_t e = date_add_months(s, 12) - 1;
            struct bulk_contract c = {0};
            int renew = e < g->as_of && rng_chance(r, retention);
            int ends = e < g->as_of && !renew;
            int reason = PICK(r, 30, 0, 30, 0, 10, 10, 15, 5);
            format_code(code, 'K', ++g->seq_contract, 7);
            c.code = code;
            c.customer_id = cust;
            c.product_id = g->product_ids[cur];
            c.start_on = s;
            c.end_on = e;
            c.amount = demo_products[cur].price;
            c.renewed_from = prev;
            if (ends) {
                c.end_reason_id = g->cause[reason];
                c.end_note = cause_notes[reason][rng_int(r, 2)];
            }
            prev = bulk_contract(g->bulk, &c, err);
            if (prev < 0)
                return -1;
            /* The renewal talk starts two months before the end. */
            if (e - 60 <= g->as_of) {
                int32_t rc = e - rng_int(r, 30);
                int lr = reason == CA_PRICE        ? LR_PRICE
                         : reason == CA_COMPETITOR ? LR_COMPETITOR
                                                   : LR_OTHER;
                if (write_deal(g, r, cust, "renewal", "定期便の契約更新", cur,
                               demo_products[cur].price, e - 60, e < g->as_of ? rc : NO_DAY, renew,
                               lr, g->trig[TR_RENEWAL], p->owner, err) < 0)
                    return -1;
            }
            if (!renew) {
                if (ends)
                    p->limit = e;
                break;
            }
            /* Upsell at renewal: the next tier up. */
            if (cur != product_index("S-103") && rng_chance(r, 0.2)) {
                int up = cur + 1;
                if (write_deal(g, r, cust, "upsell", "上位プランへの切り替え", up,
                               demo_products[up].price - demo_products[cur].price, e - 45, e - 10,
                               1, 0, g->trig[TR_RENEWAL], p->owner, err) < 0)
                    return -1;
                cur = up;
            }
            s = e + 1;
        }
    }
    /* Cross-sell: a machine rental or an on-site barista training for some. */
    if (rng_chance(r, 0.3)) {
        int x = product_index(rng_chance(r, 0.5) ? "S-104" : "S-105");
        int32_t o = p->start + 30 + rng_int(r, 300);
        int won = rng_chance(r, 0.55);
        if (o < p->limit &&
            write_deal(
                g, r, cust, "cross_sell",
                x == product_index("S-104") ? "コーヒーマシンのレンタル" : "バリスタ研修のご提案",
                x, demo_products[x].price, o, o + 14 + rng_int(r, 30), won, PICK(r, 50, 30, 10, 10),
                g->trig[rng_chance(r, 0.5) ? TR_SATISFACTION : TR_NEW_PRODUCT], p->owner, err) < 0)
            return -1;
    }
    return 0;
}

/* Purchase days by BG/NBD from p->start to p->limit into g->days; returns how many. */
static int purchase_days(struct gen *g, struct rng *r, struct plan *p)
{
    double lambda, drop, t;
    int n = 0;
    if (p->start == NO_DAY || p->start > p->limit)
        return 0;
    lambda = p->company ? rng_gamma(r, C_R) / C_ALPHA : rng_gamma(r, P_R) / P_ALPHA;
    drop = p->company ? rng_beta(r, C_A, C_B) : rng_beta(r, P_A, P_B);
    t = p->start;
    p->dropped = 0;
    for (;;) {
        if ((size_t)n + 1 > g->days_cap)
            g->days = xgrow(g->days, &g->days_cap, (size_t)n + 1, sizeof(*g->days));
        g->days[n++] = (int32_t)t;
        if (rng_chance(r, drop)) {
            p->dropped = 1;
            break;
        }
        t += rng_exp(r) / lambda;
        if (t > p->limit + 0.999)
            break;
    }
    return n;
}

/* One order: lines that fill a basket worth about z ~ Gamma(GG_P, nu); sometimes a return. */
static int write_order(struct gen *g, struct rng *r, const struct plan *p, int64_t cust,
                       int32_t day, int32_t min_secs, int extra_product, struct ok_err *err)
{
    char code[24];
    struct bulk_order_line l = {0};
    int online = p->store < 0 || rng_chance(r, p->online);
    double z = rng_gamma(r, GG_P) / p->nu;
    int64_t total = 0;
    int used[MAX_LINES], nused = 0, tries = 0, k;
    int64_t line_amount[MAX_LINES], line_qty[MAX_LINES];
    format_code(code, 'O', ++g->seq_order, 9);
    g->orders++;
    l.order_code = code;
    l.customer_id = cust;
    l.day = day;
    l.secs = order_secs(r, online);
    /* The first purchase comes after the registration it goes with. */
    if (l.secs < min_secs) {
        int32_t later = min_secs + rng_int(r, 600);
        l.secs = later < 86400 ? later : 86399;
    }
    l.channel = online ? "online" : "store";
    l.store = online ? "オンラインストア" : demo_stores[p->store];
    if (extra_product >= 0) {
        used[nused] = extra_product;
        line_qty[nused] = 1;
        line_amount[nused] = demo_products[extra_product].price;
        total += line_amount[nused++];
    }
    while (nused < MAX_LINES && (nused == 0 || (double)total < 0.8 * z) && tries < 24) {
        int prod = nused == 0 && rng_chance(r, 0.55)
                       ? p->fav
                       : g->sellable[pick_cum(r, g->product_cum, g->nsellable)];
        int price = demo_products[prod].price, dup = 0, q = 1;
        tries++;
        for (k = 0; k < nused; k++)
            dup |= used[k] == prod;
        if (dup)
            continue;
        /* Baskets are built from what fits the budget; a grinder goes into big baskets only. */
        if (price > (z - (double)total) * 1.5 + 800.0 && tries < 20)
            continue;
        if (price < 2000 && (z - (double)total) > 2.5 * price && rng_chance(r, 0.35))
            q = 2 + (rng_chance(r, 0.2) ? 1 : 0);
        used[nused] = prod;
        line_qty[nused] = q;
        line_amount[nused] = (int64_t)price * q;
        total += line_amount[nused++];
    }
    for (k = 0; k < nused; k++) {
        l.line_no = k + 1;
        l.product_id = g->product_ids[used[k]];
        l.quantity = line_qty[k];
        l.unit_price = demo_products[used[k]].price;
        l.amount = line_amount[k];
        if (bulk_order_line(g->bulk, &l, err) < 0)
            return -1;
    }
    if (rng_chance(r, RETURN_SHARE)) {
        char rcode[24];
        int32_t rday = day + 1 + rng_int(r, 14);
        k = rng_int(r, nused);
        if (rday <= g->as_of) {
            format_code(rcode, 'R', ++g->seq_return, 9);
            g->orders++;
            g->returns++;
            l.order_code = rcode;
            l.line_no = 1;
            l.day = rday;
            l.secs = order_secs(r, online);
            l.product_id = g->product_ids[used[k]];
            l.quantity = -line_qty[k];
            l.unit_price = demo_products[used[k]].price;
            l.amount = -line_amount[k];
            l.original_code = code;
            if (bulk_order_line(g->bulk, &l, err) < 0)
                return -1;
        }
    }
    return 0;
}

/* A referrer for a customer acquired on day d: an earlier customer who had bought a week before
 * and was still buying then, preferring repeat customers (engaged customers refer). -1: none. */
static int64_t find_referrer(struct gen *g, struct rng *r, int64_t i, int32_t d)
{
    int tries;
    if (i < 10)
        return -1;
    for (tries = 0; tries < 40; tries++) {
        int64_t j = (int64_t)(rng_uniform(r) * (double)i);
        if (g->first[j] == NO_DAY || g->first[j] > d - 7 || g->last[j] < d)
            continue;
        if (g->norders[j] < 2 && !rng_chance(r, 0.25))
            continue;
        return j;
    }
    return -1;
}

static const char *const satisfaction_texts[] = {
    "いつも丁寧に豆の説明をしてくださり満足しています。",
    "焙煎したての香りが素晴らしい。",
    "ネット注文の翌日に届いて助かりました。",
    "店員さんのおすすめがいつも美味しい。",
    "価格が少し高いと感じることがあります。",
    "店内が混んでいて待ち時間が長かった。",
};
static const char *const need_texts[] = {
    "カフェインレスの種類を増やしてほしい。", "ギフト包装を選べるようにしてほしい。",
    "少量（100g）の豆も販売してほしい。",     "定期便の配送日を指定したい。",
    "ミルクティー向けの茶葉が欲しい。",
};
static const char *const complaint_texts[] = {
    "配送が予定より3日遅れた。",
    "豆の焙煎日が古かった。",
    "レジの対応が素っ気なかった。",
    "オンラインストアで決済エラーが出た。",
};
static const char *const idea_texts[] = {
    "ポイントカードをアプリにしてほしい。",
    "焙煎教室を開いてほしい。",
    "季節限定ブレンドの予約販売があると嬉しい。",
};
static const char *const testimonial_texts[] = {
    "毎朝の一杯が楽しみになりました。友人にも紹介しています。",
    "贈り物に使ったら大変喜ばれました。",
    "こちらの深煎りブレンド以外はもう飲めません。",
};

/* Everything about customer i. */
static int gen_customer(struct gen *g, int64_t i, struct ok_err *err)
{
    struct rng r;
    struct plan p;
    struct person who;
    const struct demo_place *pl;
    struct bulk_customer c = {0};
    char code[24], tags[160];
    int64_t cust, referral_deal = 0;
    int32_t a = g->acq[i];
    int n, k, cause = -1;
    int fav_cat;

    rng_seed(&r, g->opt->seed, (uint64_t)i, 0x6f6b61657269ULL);
    memset(&p, 0, sizeof(p));
    p.company = rng_chance(&r, COMPANY_SHARE);
    p.source = (enum source)pick(&r, p.company ? company_source_w : person_source_w, SRC_COUNT);
    p.referrer = -1;
    if (p.source == SRC_REFERRAL) {
        p.referrer = find_referrer(g, &r, i, a);
        if (p.referrer < 0)
            p.source = p.company ? SRC_WEB : SRC_STORE;
    }
    /* Walk-in customers live near a shop. */
    do {
        pl = &demo_places[pick_cum(&r, g->place_cum, demo_place_count)];
    } while (p.source == SRC_STORE && pl->store < 0);
    p.store = pl->store;
    p.online = p.store < 0 ? 1.0 : online_share[p.source];
    fav_cat = PICK(&r, 60, 25, 15); /* coffee, tea, both */
    p.fav = g->sellable[pick_cum(&r, g->product_cum, g->nsellable)];
    if (fav_cat == 0)
        p.fav = product_index(rng_chance(&r, 0.5) ? "B-001" : "B-002");
    else if (fav_cat == 1)
        p.fav = product_index(rng_chance(&r, 0.5) ? "T-003" : "T-004");
    p.nu = rng_gamma(&r, GG_Q) / GG_GAMMA;
    if (p.company)
        p.nu /= COMPANY_SPEND;
    if (p.company)
        p.owner = g->staff[rng_chance(&r, 0.75) ? STAFF_SALES : STAFF_MANAGER];
    else if (rng_chance(&r, 0.12))
        p.owner = g->staff[rng_int(&r, 3)];

    /* Contact data. */
    person_pick(g, &r, &who);
    format_code(code, 'C', (int64_t)i + 1, 7);
    c.code = code;
    c.created_on = a;
    c.created_secs = p.source == SRC_STORE ? order_secs(&r, 0) : order_secs(&r, 1);
    c.source = source_names[p.source];
    c.owner_id = p.owner;
    c.birthday = BULK_NO_DATE;
    if (p.company) {
        const struct demo_word *stem = &demo_company_stems[rng_int(&r, demo_company_stem_count)];
        const struct demo_word *kind = &demo_company_kinds[rng_int(&r, demo_company_kind_count)];
        int pre = rng_chance(&r, 0.6);
        buf_reset(&g->s1);
        buf_printf(&g->s1, "%s%s%s%s", pre ? "株式会社" : "", stem->text, kind->text,
                   pre ? "" : "株式会社");
        buf_reset(&g->s2);
        buf_printf(&g->s2, "%s%s", stem->kana, kind->kana);
        person_name(&who, &g->s5, NULL);
        buf_reset(&g->s3);
        buf_printf(&g->s3, "{\"担当者\":\"%s\",\"従業員数\":%d}", g->s5.data,
                   5 + (int)(rng_exp(&r) * 40.0));
        c.kind = "company";
        c.name = g->s1.data;
        c.name_kana = g->s2.data;
        c.company = g->s1.data;
        c.attributes = g->s3.data;
        land_phone(&r, pl, &g->s4);
        c.phone = g->s4.data;
        buf_reset(&g->s5);
        buf_printf(&g->s5, "info%lld@%s", (long long)(i + 1),
                   demo_mail_domains[rng_int(&r, demo_mail_domain_count)]);
        c.email = g->s5.data;
    } else {
        person_name(&who, &g->s1, &g->s2);
        c.kind = "person";
        c.name = g->s1.data;
        c.name_kana = g->s2.data;
        if (rng_chance(&r, 0.88))
            mobile_phone(&r, &g->s4);
        else
            land_phone(&r, pl, &g->s4);
        c.phone = g->s4.data;
        if (p.source != SRC_STORE || rng_chance(&r, 0.7)) {
            person_email(&r, &who, i, &g->s5);
            c.email = g->s5.data;
        }
        c.birthday =
            rng_chance(&r, 0.8)
                ? a - (int32_t)((20.0 + 55.0 * rng_beta(&r, 2.0, 2.6)) * 365.25) - rng_int(&r, 365)
                : BULK_NO_DATE;
    }
    address(&r, pl, p.company, &g->s6, &g->s7);
    c.postal_code = g->s6.data;
    c.address = g->s7.data;
    c.email_consent = c.email && rng_chance(&r, 0.8);
    c.unsubscribed_on = BULK_NO_DATE;
    if (c.email_consent && rng_chance(&r, 0.05)) {
        int32_t u = a + rng_int(&r, g->as_of - a + 1);
        c.unsubscribed_on = u;
        c.email_consent = 0;
    }
    {
        size_t len = 0;
        const char *t[5];
        int nt = 0, j;
        if (p.company)
            t[nt++] = "法人";
        else
            t[nt++] = fav_cat == 1 ? "紅茶派" : fav_cat == 0 ? "コーヒー派" : "コーヒーも紅茶も";
        if (!p.company && rng_chance(&r, 0.12))
            t[nt++] = "ギフト利用";
        if (p.source == SRC_STORE)
            t[nt++] = "店舗会員";
        if (c.email_consent)
            t[nt++] = "メルマガ";
        tags[0] = '\0';
        for (j = 0; j < nt; j++) {
            size_t tl = strlen(t[j]);
            if (len + tl + 2 >= sizeof(tags))
                break;
            if (j)
                tags[len++] = ',';
            memcpy(tags + len, t[j], tl + 1);
            len += tl;
        }
        c.tags = tags;
    }

    /* Purchases: people from the day they register unless they are prospects; companies from
     * the day their first deal is won (known only after writing the customer: the deals refer
     * to it). The limits are set so that purchases never precede acquisition. */
    p.start = p.company || rng_chance(&r, prospect_share[p.source]) ? NO_DAY : a;
    p.limit = g->as_of;
    if (p.referrer >= 0)
        c.referred_by = g->cust_base + p.referrer;

    /* Dead customers' causes are recorded for some; the purchase days decide who is dead, so
     * people's days are drawn before the row is written. */
    n = 0;
    if (!p.company) {
        n = purchase_days(g, &r, &p);
        if (n > 0 && p.dropped && g->days[n - 1] < g->as_of - 365 && rng_chance(&r, 0.35)) {
            cause = PICK(&r, 20, 10, 20, 10, 10, 20, 0, 10);
            c.cause_id = g->cause[cause];
            c.cause_note = cause_notes[cause][rng_int(&r, 2)];
        }
    }
    cust = bulk_customer(g->bulk, &c, err);
    if (cust < 0)
        return -1;
    if (i == 0)
        g->cust_base = cust;

    if (p.company) {
        if (company_timeline(g, &r, cust, i, &p, &referral_deal, err) < 0)
            return -1;
        n = purchase_days(g, &r, &p);
    }
    g->first[i] = n ? g->days[0] : NO_DAY;
    g->last[i] = n ? g->days[n - 1] : NO_DAY;
    g->norders[i] = (uint32_t)n;

    if (p.referrer >= 0) {
        struct bulk_referral ref = {0};
        char rc[24];
        int32_t on = a - rng_int(&r, 15);
        if (on < g->first[p.referrer])
            on = g->first[p.referrer];
        format_code(rc, 'F', ++g->seq_referral, 8);
        ref.code = rc;
        ref.referrer_id = g->cust_base + p.referrer;
        ref.referred_id = cust;
        ref.referred_on = on;
        ref.trigger_id = g->trig[PICK(&r, 50, 25, 15, 0, 5, 0, 5)];
        ref.deal_id = referral_deal;
        if (bulk_referral(g->bulk, &ref, err) < 0)
            return -1;
    }

    /* People: an upsell or cross-sell proposal to some repeat customers, won in the order of
     * one of their later visits. */
    {
        int upsell_k = -1, upsell_prod = -1;
        if (!p.company && n >= 4 && rng_chance(&r, 0.1)) {
            static const char *const ups[] = {"E-005", "E-009", "B-010", "E-004"};
            static const char *const cross_coffee[] = {"G-002", "E-007", "T-005"};
            static const char *const cross_tea[] = {"G-001", "E-001", "E-004"};
            int cross = rng_chance(&r, 0.5);
            int won = rng_chance(&r, 0.55);
            int64_t owner = p.owner ? p.owner : g->staff[1 + rng_int(&r, 2)];
            int32_t close;
            k = 2 + rng_int(&r, n - 2);
            close = g->days[k];
            upsell_prod =
                product_index(cross ? (fav_cat == 1 ? cross_tea : cross_coffee)[rng_int(&r, 3)]
                                    : ups[rng_int(&r, 4)]);
            {
                int32_t opened = close - 7 - rng_int(&r, 30);
                if (opened < g->days[k - 1])
                    opened = g->days[k - 1];
                if (write_deal(g, &r, cust, cross ? "cross_sell" : "upsell",
                               demo_products[upsell_prod].name, upsell_prod,
                               demo_products[upsell_prod].price, opened, close, won,
                               PICK(&r, 45, 30, 10, 15), g->trig[PICK(&r, 30, 20, 30, 20, 0, 0, 0)],
                               owner, err) < 0)
                    return -1;
            }
            if (won)
                upsell_k = k;
        }
        for (k = 0; k < n; k++)
            if (write_order(g, &r, &p, cust, g->days[k], g->days[k] == a ? c.created_secs : 0,
                            k == upsell_k ? upsell_prod : -1, err) < 0)
                return -1;
    }

    /* Contact history and feedback of people. */
    if (!p.company) {
        if (n > 0 && c.email_consent && rng_chance(&r, 0.6) &&
            write_activity(g, cust, 0, g->days[0] + 1, 10 * 3600, "email", "out",
                           "ご購入ありがとうございました", "初回購入のお礼と豆の保存方法のご案内。",
                           "送信済み", 0, err) < 0)
            return -1;
        if (rng_chance(&r, 0.15)) {
            static const char *const subj[] = {"在庫の問い合わせ", "配送についての問い合わせ",
                                               "豆の挽き方の相談", "ギフトの相談"};
            int s = rng_int(&r, 4);
            if (write_activity(g, cust, g->staff[1 + rng_int(&r, 2)],
                               a + rng_int(&r, g->as_of - a + 1), office_secs(&r),
                               rng_chance(&r, 0.6) ? "phone" : "email", "in", subj[s],
                               "お問い合わせに回答しました。", "対応済み", 0, err) < 0)
                return -1;
        }
        if (n > 0 && g->days[n - 1] < g->as_of - 180 && rng_chance(&r, 0.3) &&
            write_activity(g, cust, p.owner, g->days[n - 1] + 200, 11 * 3600,
                           c.email_consent ? "email" : "letter", "out", "ご無沙汰しております",
                           "季節のおすすめ豆と再来店クーポンのご案内。", "送付済み", 0, err) < 0)
            return -1;
        if (cause >= 0 &&
            write_activity(g, cust, p.owner ? p.owner : g->staff[STAFF_MANAGER],
                           g->days[n - 1] + 370 + rng_int(&r, 60), office_secs(&r), "phone", "out",
                           "近況のお伺い", cause_notes[cause][0], "理由を記録", 0, err) < 0)
            return -1;
        if (n > 0 && rng_chance(&r, 0.25)) {
            int score = 10 - PICK(&r, 25, 25, 20, 12, 8, 4, 3, 2, 1);
            int t = score >= 8 ? rng_int(&r, 4) : 4 + rng_int(&r, 2);
            if (write_feedback(g, cust, "satisfaction", score, satisfaction_texts[t],
                               g->days[rng_int(&r, n)] + 3, err) < 0)
                return -1;
        }
        if (n > 0 && rng_chance(&r, cause == CA_SERVICE ? 0.8 : 0.02) &&
            write_feedback(g, cust, "complaint", -1, complaint_texts[rng_int(&r, 4)],
                           g->days[n - 1] + 2, err) < 0)
            return -1;
        if (rng_chance(&r, cause == CA_PRODUCT ? 0.8 : 0.05) &&
            write_feedback(g, cust, "need", -1, need_texts[rng_int(&r, 5)],
                           (n ? g->days[n - 1] : a) + rng_int(&r, 10), err) < 0)
            return -1;
        if (n > 0 && rng_chance(&r, 0.02) &&
            write_feedback(g, cust, "idea", -1, idea_texts[rng_int(&r, 3)],
                           g->days[rng_int(&r, n)] + 1, err) < 0)
            return -1;
        if (n >= 6 && rng_chance(&r, 0.15) &&
            write_feedback(g, cust, "testimonial", 10, testimonial_texts[rng_int(&r, 3)],
                           g->days[n - 1], err) < 0)
            return -1;
        /* Engaged customers pass on a name that has not come yet (a prospect referral). */
        if (n >= 3 && rng_chance(&r, 0.04)) {
            struct bulk_referral ref = {0};
            struct person pr;
            char rc[24];
            int32_t on = g->days[1 + rng_int(&r, n - 1)];
            person_pick(g, &r, &pr);
            person_name(&pr, &g->s3, NULL);
            format_code(rc, 'F', ++g->seq_referral, 8);
            ref.code = rc;
            ref.referrer_id = cust;
            ref.prospect_name = g->s3.data;
            ref.referred_on = on;
            ref.trigger_id = g->trig[PICK(&r, 50, 25, 15, 0, 5, 0, 5)];
            if (bulk_referral(g->bulk, &ref, err) < 0)
                return -1;
        }
    } else if (n > 0 && rng_chance(&r, 0.3)) {
        int score = 10 - PICK(&r, 20, 30, 25, 15, 10);
        if (write_feedback(g, cust, "satisfaction", score,
                           score >= 8 ? "社員の評判が良く、来客時にも好評です。"
                                      : "マシンの清掃が手間との声がある。",
                           g->days[rng_int(&r, n)] + 10, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- setup ---- */

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

/* Acquisition days over the three years: the rate grows linearly to twice its first value
 * (density proportional to 1 + t/T), with more sign-ups on weekends and in December. */
static void acquisition_days(struct gen *g)
{
    struct rng r;
    int64_t i;
    int32_t span = g->as_of - g->start + 1;
    rng_seed(&r, g->opt->seed, 0, 0x61637175ULL);
    for (i = 0; i < g->n;) {
        /* Inverse of the CDF (x + x^2/2) / 1.5 on [0, 1]. */
        double x = sqrt(1.0 + 3.0 * rng_uniform(&r)) - 1.0;
        int32_t d = g->start + (int32_t)(x * span);
        int y, m, dd, wd;
        double w;
        if (d > g->as_of)
            d = g->as_of;
        date_to_ymd(d, &y, &m, &dd);
        wd = date_weekday(d);
        w = (wd == 0 || wd == 6 ? 1.3 : 1.0) * (m == 12 ? 1.4 : 1.0);
        if (rng_uniform(&r) * 1.82 > w)
            continue;
        g->acq[i++] = d;
    }
    qsort(g->acq, (size_t)g->n, sizeof(*g->acq), cmp_i32);
}

static int64_t lookup_user(struct db *db, const char *login, struct ok_err *err)
{
    return store_lookup_id(db, "SELECT id FROM users WHERE login = ?", login, err);
}

static int setup_reference_data(struct gen *g, struct ok_err *err)
{
    static const struct bulk_user staff[4] = {
        {"sato", "佐藤 美咲", "sato@example.jp", "manager"},
        {"tanaka", "田中 健太", "tanaka@example.jp", "staff"},
        {"suzuki", "鈴木 陽子", "suzuki@example.jp", "staff"},
        {"takahashi", "高橋 直樹", "takahashi@example.jp", "staff"},
    };
    static const char *const reasons[4] = {"price", "timing", "competitor", "other"};
    static const char *const causes[8] = {
        "price",      "timing", "competitor", "product_not_offered", "service_complaint",
        "moved_away", "closed", "other"};
    static const char *const trigs[7] = {"satisfaction", "campaign",     "follow_up", "new_product",
                                         "life_event",   "renewal_talk", "other"};
    int i;
    for (i = 0; i < 4; i++) {
        int64_t id = lookup_user(g->db, staff[i].login, err);
        if (id < 0)
            return -1;
        if (id == 0)
            id = bulk_user(g->bulk, &staff[i], err);
        if (id < 0)
            return -1;
        g->staff[i] = id;
    }
    for (i = 0; i < 4; i++)
        if ((g->lost_reason[i] = store_list_id(g->db, "lost_reasons", reasons[i], err)) <= 0)
            return -1;
    for (i = 0; i < 8; i++)
        if ((g->cause[i] = store_list_id(g->db, "causes", causes[i], err)) <= 0)
            return -1;
    for (i = 0; i < 7; i++)
        if ((g->trig[i] = store_list_id(g->db, "triggers", trigs[i], err)) <= 0)
            return -1;
    g->product_ids = xcalloc((size_t)demo_product_count, sizeof(*g->product_ids));
    for (i = 0; i < demo_product_count; i++) {
        const struct demo_product *dp = &demo_products[i];
        struct bulk_product bp = {dp->sku, dp->name, dp->category, dp->price,
                                  dp->per_year ? "年間契約" : ""};
        int64_t id = store_lookup_id(g->db, "SELECT id FROM products WHERE sku = ?", dp->sku, err);
        if (id < 0)
            return -1;
        if (id == 0)
            id = bulk_product(g->bulk, &bp, err);
        if (id < 0)
            return -1;
        g->product_ids[i] = id;
    }
    return 0;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void demo_options_init(struct demo_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->customers = DEMO_DEFAULT_CUSTOMERS;
    opt->seed = DEMO_DEFAULT_SEED;
    opt->as_of = date_today("Asia/Tokyo");
    opt->bulk_flags = BULK_TRUST_REFERENCES;
}

static void gen_release(struct gen *g)
{
    free(g->acq);
    free(g->first);
    free(g->last);
    free(g->norders);
    free(g->product_ids);
    free(g->days);
    buf_release(&g->s1);
    buf_release(&g->s2);
    buf_release(&g->s3);
    buf_release(&g->s4);
    buf_release(&g->s5);
    buf_release(&g->s6);
    buf_release(&g->s7);
}

int demo_generate(struct db *db, const struct demo_options *opt, struct demo_stats *stats,
                  struct ok_err *err)
{
    struct gen g;
    int64_t existing = 0, i, step;
    double t0 = wall_seconds();
    int rc = -1;
    if (opt->customers < 1 || opt->customers > DEMO_MAX_CUSTOMERS)
        return ok_err_set(err, OK_ERR_USAGE, "--customers must be between 1 and %d",
                          DEMO_MAX_CUSTOMERS);
    if (db_query_i64(db, "SELECT count(*) FROM customers", &existing, err) < 0)
        return -1;
    if (existing > 0)
        return ok_err_set(err, OK_ERR_CONFLICT,
                          "the database already has %lld customers; load the demo into a new "
                          "database (e.g. --db demo.db)",
                          (long long)existing);
    memset(&g, 0, sizeof(g));
    g.db = db;
    g.opt = opt;
    g.n = opt->customers;
    g.as_of = opt->as_of;
    g.start = date_add_months(opt->as_of, -12 * YEARS) + 1;
    g.acq = xmalloc((size_t)g.n * sizeof(*g.acq));
    g.first = xmalloc((size_t)g.n * sizeof(*g.first));
    g.last = xmalloc((size_t)g.n * sizeof(*g.last));
    g.norders = xmalloc((size_t)g.n * sizeof(*g.norders));
    buf_init(&g.s1, 0);
    buf_init(&g.s2, 0);
    buf_init(&g.s3, 0);
    buf_init(&g.s4, 0);
    buf_init(&g.s5, 0);
    buf_init(&g.s6, 0);
    buf_init(&g.s7, 0);
    gen_init_tables(&g);
    acquisition_days(&g);

    g.bulk = bulk_begin(db, opt->bulk_flags, err);
    if (!g.bulk)
        goto out;
    if (setup_reference_data(&g, err) < 0)
        goto out;
    step = g.n / 100 > 1000 ? g.n / 100 : 1000;
    for (i = 0; i < g.n; i++) {
        if (gen_customer(&g, i, err) < 0)
            goto out;
        if (opt->progress && (i + 1) % step == 0)
            opt->progress(opt->progress_ctx, i + 1, g.n);
    }
    if (stats) {
        memset(stats, 0, sizeof(*stats));
        bulk_get_counts(g.bulk, &stats->rows);
        stats->orders = g.orders;
        stats->returns = g.returns;
    }
    if (bulk_finish(&g.bulk, err) < 0)
        goto out;
    if (opt->progress)
        opt->progress(opt->progress_ctx, g.n, g.n);
    if (stats) {
        stats->seconds = wall_seconds() - t0;
        stats->lines_per_second =
            stats->seconds > 0 ? (double)stats->rows.order_lines / stats->seconds : 0;
    }
    rc = 0;
out:
    bulk_abort(&g.bulk);
    gen_release(&g);
    return rc;
}
