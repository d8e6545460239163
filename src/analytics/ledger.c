/*
 * ledger.c - building, sorting and incrementally updating the ledger snapshot (see ledger.h).
 */
#include "analytics/ledger.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

/* Segments longer than this are sorted with qsort instead of insertion sort. */
#define SMALL_SEGMENT 24

/* splitmix64 finaliser (Steele, Lea & Flood 2014): spreads sequential ids over the table. */
static uint64_t hash_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

long ledger_customer_index(const struct ledger *l, int64_t id)
{
    if (id > 0 && (uint64_t)id < l->dense_len)
        return l->dense[id];
    if (!l->hash)
        return -1;
    size_t i = hash_mix((uint64_t)id) & l->hash_mask;
    for (; l->hash[i].idx1 != 0; i = (i + 1) & l->hash_mask)
        if (l->hash[i].id == id)
            return (long)(l->hash[i].idx1 - 1);
    return -1;
}

static void hash_put(struct ledger_hash_slot *hash, size_t mask, int64_t id, uint32_t idx)
{
    size_t i = hash_mix((uint64_t)id) & mask;
    while (hash[i].idx1)
        i = (i + 1) & mask;
    hash[i].id = id;
    hash[i].idx1 = idx + 1;
}

/* Rehashes into a table of nsize slots (a power of two); entries whose id the direct table now
 * covers move there. */
static void hash_rebuild(struct ledger *l, size_t nsize)
{
    struct ledger_hash_slot *h = xcalloc(nsize, sizeof(*h));
    size_t count = 0;
    if (l->hash) {
        for (size_t i = 0; i <= l->hash_mask; i++) {
            const struct ledger_hash_slot *s = &l->hash[i];
            if (!s->idx1)
                continue;
            if (s->id > 0 && (uint64_t)s->id < l->dense_len) {
                l->dense[s->id] = (int32_t)(s->idx1 - 1);
            } else {
                hash_put(h, nsize - 1, s->id, s->idx1 - 1);
                count++;
            }
        }
    }
    free(l->hash);
    l->hash = h;
    l->hash_mask = nsize - 1;
    l->hash_count = count;
}

/* Keeps the hash's load factor at or below 1/2 so probes stay short. */
static void hash_reserve(struct ledger *l, size_t n)
{
    size_t size = l->hash ? l->hash_mask + 1 : 0;
    if (n * 2 <= size)
        return;
    size_t nsize = size ? size : 1024;
    while (n * 2 > nsize)
        nsize *= 2;
    hash_rebuild(l, nsize);
}

/* Widens the direct table to len entries (ids 1 .. len-1), moving covered ids out of the hash. */
static void dense_grow(struct ledger *l, size_t len)
{
    if (len <= l->dense_len)
        return;
    l->dense = xrealloc(l->dense, len * sizeof(*l->dense));
    for (size_t i = l->dense_len; i < len; i++)
        l->dense[i] = LEDGER_NONE;
    l->dense_len = len;
    if (l->hash_count)
        hash_rebuild(l, l->hash_mask + 1);
}

/* Records id -> c for a new customer (ncust not yet counting it). The direct table covers an
 * id when that keeps it at most two entries per customer (+ 1024): dense stores cost 4 bytes a
 * customer and a lookup of the next id is the next int, where the hash is 32 bytes and a cache
 * miss per lookup. */
static void index_put(struct ledger *l, int64_t id, uint32_t c)
{
    if (id > 0 && (uint64_t)id >= l->dense_len) {
        uint64_t limit = 2 * ((uint64_t)l->ncust + 1) + 1024;
        if ((uint64_t)id < limit) {
            uint64_t len = l->dense_len * 2;
            if (len < (uint64_t)id + 1)
                len = (uint64_t)id + 1;
            if (len > limit)
                len = limit;
            dense_grow(l, (size_t)len);
        }
    }
    if (id > 0 && (uint64_t)id < l->dense_len) {
        l->dense[id] = (int32_t)c;
        return;
    }
    hash_reserve(l, l->hash_count + 1);
    hash_put(l->hash, l->hash_mask, id, c);
    l->hash_count++;
}

struct ledger *ledger_new(int money_decimals)
{
    struct ledger *l = xcalloc(1, sizeof(*l));
    l->money_decimals = money_decimals;
    l->min_day = LEDGER_NO_DAY;
    l->max_day = LEDGER_NO_DAY;
    return l;
}

void ledger_free(struct ledger **lp)
{
    struct ledger *l = lp ? *lp : NULL;
    if (!l)
        return;
    free(l->cust_id);
    free(l->cust_created);
    free(l->cust_owner);
    free(l->cust_source);
    free(l->cust_referred_by);
    free(l->cust_cause);
    free(l->cust_flags);
    free(l->seg_off);
    free(l->seg_len);
    free(l->seg_cap);
    free(l->line_day);
    free(l->line_amount);
    free(l->line_order);
    free(l->line_product);
    free(l->deals);
    free(l->contracts);
    free(l->referrals);
    free(l->feedback);
    free(l->dense);
    free(l->hash);
    free(l->pending_referrer);
    free(l);
    *lp = NULL;
}

static void customers_reserve(struct ledger *l, size_t need, int pending)
{
    if (need <= l->cust_alloc)
        return;
    size_t n = l->cust_alloc ? l->cust_alloc : 256;
    while (n < need)
        n *= 2;
    l->cust_id = xrealloc(l->cust_id, n * sizeof(*l->cust_id));
    l->cust_created = xrealloc(l->cust_created, n * sizeof(*l->cust_created));
    l->cust_owner = xrealloc(l->cust_owner, n * sizeof(*l->cust_owner));
    l->cust_source = xrealloc(l->cust_source, n * sizeof(*l->cust_source));
    l->cust_referred_by = xrealloc(l->cust_referred_by, n * sizeof(*l->cust_referred_by));
    l->cust_cause = xrealloc(l->cust_cause, n * sizeof(*l->cust_cause));
    l->cust_flags = xrealloc(l->cust_flags, n * sizeof(*l->cust_flags));
    l->seg_off = xrealloc(l->seg_off, n * sizeof(*l->seg_off));
    l->seg_len = xrealloc(l->seg_len, n * sizeof(*l->seg_len));
    l->seg_cap = xrealloc(l->seg_cap, n * sizeof(*l->seg_cap));
    if (pending)
        l->pending_referrer = xrealloc(l->pending_referrer, n * sizeof(*l->pending_referrer));
    l->cust_alloc = n;
}

/* Adds a customer row; the referrer is resolved now (live) or kept pending (builder). */
static long customer_add(struct ledger *l, const struct ledger_customer_in *in, int pending,
                         struct ok_err *err)
{
    if (ledger_customer_index(l, in->id) >= 0)
        return ok_err_set(err, OK_ERR_CONFLICT, "customer id %lld added twice", (long long)in->id);
    if (l->ncust == UINT32_MAX - 1)
        return ok_err_set(err, OK_ERR_LIMIT, "too many customers for one ledger");
    int32_t referrer = LEDGER_NONE;
    if (!pending && in->referred_by != LEDGER_NONE) {
        long r = ledger_customer_index(l, in->referred_by);
        if (r < 0)
            return ok_err_set(err, OK_ERR_NOT_FOUND, "customer %lld: referrer %lld not found",
                              (long long)in->id, (long long)in->referred_by);
        referrer = (int32_t)r;
    }
    customers_reserve(l, (size_t)l->ncust + 1, pending);
    uint32_t c = l->ncust;
    l->cust_id[c] = in->id;
    l->cust_created[c] = in->created_day;
    l->cust_owner[c] = in->owner_id;
    l->cust_source[c] = in->source_id;
    l->cust_referred_by[c] = referrer;
    l->cust_cause[c] = in->cause_id;
    l->cust_flags[c] = in->flags;
    l->seg_off[c] = l->line_used;
    l->seg_len[c] = 0;
    l->seg_cap[c] = 0;
    if (pending)
        l->pending_referrer[c] = in->referred_by;
    index_put(l, in->id, c);
    l->ncust++;
    return (long)c;
}

static long customer_lookup(const struct ledger *l, int64_t id, const char *what,
                            struct ok_err *err)
{
    long c = ledger_customer_index(l, id);
    if (c < 0)
        ok_err_set(err, OK_ERR_NOT_FOUND, "%s: customer %lld not found", what, (long long)id);
    return c;
}

static void day_range_note(struct ledger *l, int32_t day)
{
    if (l->min_day == LEDGER_NO_DAY || day < l->min_day)
        l->min_day = day;
    if (l->max_day == LEDGER_NO_DAY || day > l->max_day)
        l->max_day = day;
}

static int check_day(int32_t day, const char *what, struct ok_err *err)
{
    /* Years 1900..9999: anything else is a unit mistake (ms or s instead of days). */
    if (day < -25567 || day > 2932896)
        return ok_err_set(err, OK_ERR_INVALID, "%s: day %ld is not a plausible date", what,
                          (long)day);
    return 0;
}

/* ---- builder ---------------------------------------------------------------------------- */

void ledger_builder_init(struct ledger_builder *b, int money_decimals)
{
    memset(b, 0, sizeof(*b));
    b->l = ledger_new(money_decimals);
    for (int p = 0; p < LEDGER_BUILDER_PARTS; p++)
        b->part[p].last_id = INT64_MIN;
}

static void part_free(struct ledger_builder_part *p)
{
    free(p->lines);
    free(p->big_ids);
    p->lines = NULL;
    p->big_ids = NULL;
    p->n = p->alloc = p->nbig = p->big_alloc = 0;
}

static void builder_free_lines(struct ledger_builder *b)
{
    for (int p = 0; p < LEDGER_BUILDER_PARTS; p++)
        part_free(&b->part[p]);
}

/* Appends a line with its customer id, looked up at finish: 24 bytes a line, and the lines
 * may arrive before their customers. */
static void part_push(struct ledger_builder_part *p, int64_t customer_id, int32_t day,
                      int64_t amount, int64_t order_key, uint32_t product_key)
{
    uint32_t cust = LEDGER_BUILDER_BIG_ID;
    if (customer_id >= 0 && customer_id < (int64_t)LEDGER_BUILDER_BIG_ID) {
        cust = (uint32_t)customer_id;
    } else {
        p->big_ids = xgrow(p->big_ids, &p->big_alloc, p->nbig + 1, sizeof(*p->big_ids));
        p->big_ids[p->nbig++] = customer_id;
    }
    if (p->n == p->alloc) {
        /* Large reallocs are mremap()s in glibc: growing does not copy the lines. */
        size_t n = p->alloc ? p->alloc * 2 : 4096;
        p->lines = xrealloc(p->lines, n * sizeof(*p->lines));
        p->alloc = n;
    }
    p->lines[p->n++] =
        (struct ledger_builder_line){amount, day, cust, (uint32_t)order_key, product_key};
}

void ledger_builder_release(struct ledger_builder *b)
{
    ledger_free(&b->l);
    builder_free_lines(b);
    memset(b, 0, sizeof(*b));
}

void ledger_builder_reserve(struct ledger_builder *b, size_t customers, size_t lines)
{
    struct ledger_builder_part *p = &b->part[0];
    customers_reserve(b->l, customers, 1);
    /* Store ids usually run 1 .. customers: the direct table then holds them all. */
    if (customers < UINT32_MAX)
        dense_grow(b->l, customers + 1);
    if (lines > p->alloc) {
        p->lines = xrealloc(p->lines, lines * sizeof(*p->lines));
        p->alloc = lines;
    }
}

long ledger_builder_add_customer(struct ledger_builder *b, const struct ledger_customer_in *c,
                                 struct ok_err *err)
{
    return customer_add(b->l, c, 1, err);
}

/* Checks and appends one line to part p; the customer lookup is cached because loaders add
 * lines customer by customer. Reads the ledger only. */
static int part_add(const struct ledger *l, struct ledger_builder_part *p, int64_t customer_id,
                    int32_t day, int64_t amount, int64_t order_key, uint32_t product_key,
                    struct ok_err *err)
{
    if (customer_id != p->last_id || p->last_id == INT64_MIN) {
        long ci = customer_lookup(l, customer_id, "order line", err);
        if (ci < 0)
            return -1;
        p->last_id = customer_id;
        p->last_cust = (uint32_t)ci;
    }
    if (check_day(day, "order line", err) < 0)
        return -1;
    part_push(p, customer_id, day, amount, order_key, product_key);
    return 0;
}

int ledger_builder_add_line(struct ledger_builder *b, int64_t customer_id, int32_t day,
                            int64_t amount, int64_t order_key, uint32_t product_key,
                            struct ok_err *err)
{
    return part_add(b->l, &b->part[0], customer_id, day, amount, order_key, product_key, err);
}

int ledger_builder_add_lines(struct ledger_builder *b, unsigned part,
                             const struct ledger_line_in *lines, size_t n, struct ok_err *err)
{
    if (part >= LEDGER_BUILDER_PARTS)
        return ok_err_set(err, OK_ERR_INTERNAL, "ledger builder: no part %u", part);
    struct ledger_builder_part *p = &b->part[part];
    for (size_t i = 0; i < n; i++) {
        if (check_day(lines[i].day, "order line", err) < 0)
            return -1;
        part_push(p, lines[i].customer_id, lines[i].day, lines[i].amount, lines[i].order_key,
                  lines[i].product_key);
    }
    return 0;
}

/* Turns the customer ids of the lines into indexes. */
static int builder_resolve(struct ledger_builder *b, struct ok_err *err)
{
    const struct ledger *l = b->l;
    for (int p = 0; p < LEDGER_BUILDER_PARTS; p++) {
        struct ledger_builder_part *pt = &b->part[p];
        struct ledger_builder_line *in = pt->lines;
        size_t big = 0;
        int64_t last_id = 0;
        uint32_t last_cust = 0;
        int have = 0;
        for (size_t i = 0; i < pt->n; i++) {
            int64_t id = in[i].cust == LEDGER_BUILDER_BIG_ID ? pt->big_ids[big++] : in[i].cust;
            if (!have || id != last_id) {
                long c = customer_lookup(l, id, "order line", err);
                if (c < 0)
                    return -1;
                last_id = id;
                last_cust = (uint32_t)c;
                have = 1;
            }
            in[i].cust = last_cust;
        }
    }
    return 0;
}

long ledger_builder_add_deal(struct ledger_builder *b, int64_t customer_id,
                             const struct ledger_deal *d, struct ok_err *err)
{
    return ledger_add_deal(b->l, customer_id, d, err);
}

long ledger_builder_add_contract(struct ledger_builder *b, int64_t customer_id,
                                 const struct ledger_contract *k, struct ok_err *err)
{
    return ledger_add_contract(b->l, customer_id, k, err);
}

long ledger_builder_add_referral(struct ledger_builder *b, int64_t referrer_id, int64_t referred_id,
                                 int32_t day, int32_t trigger_id, int32_t deal, struct ok_err *err)
{
    return ledger_add_referral(b->l, referrer_id, referred_id, day, trigger_id, deal, err);
}

long ledger_builder_add_feedback(struct ledger_builder *b, int64_t customer_id, int32_t kind,
                                 int32_t score, int32_t day, struct ok_err *err)
{
    return ledger_add_feedback(b->l, customer_id, kind, score, day, err);
}

struct sort_line {
    int32_t day;
    uint32_t order;
    int64_t amount;
    uint32_t product;
};

static int sort_line_cmp(const void *a, const void *b)
{
    const struct sort_line *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static inline int line_before(int32_t d1, uint32_t o1, int32_t d2, uint32_t o2)
{
    return d1 < d2 || (d1 == d2 && o1 < o2);
}

/* Sorts one segment by (day, order). Loaders usually add lines in date order, so the segment
 * is often sorted already and the check below is all the work. */
static void segment_sort(struct ledger *l, uint64_t off, uint32_t len, struct sort_line **scratch,
                         size_t *scratch_alloc)
{
    int32_t *day = l->line_day + off;
    uint32_t *ord = l->line_order + off;
    int64_t *amt = l->line_amount + off;
    uint32_t *prod = l->line_product + off;
    uint32_t i;
    for (i = 1; i < len; i++)
        if (line_before(day[i], ord[i], day[i - 1], ord[i - 1]))
            break;
    if (i >= len)
        return;
    if (len <= SMALL_SEGMENT) {
        for (i = 1; i < len; i++) {
            int32_t d = day[i];
            uint32_t o = ord[i], p = prod[i];
            int64_t a = amt[i];
            uint32_t j = i;
            for (; j > 0 && line_before(d, o, day[j - 1], ord[j - 1]); j--) {
                day[j] = day[j - 1];
                ord[j] = ord[j - 1];
                amt[j] = amt[j - 1];
                prod[j] = prod[j - 1];
            }
            day[j] = d;
            ord[j] = o;
            amt[j] = a;
            prod[j] = p;
        }
        return;
    }
    *scratch = xgrow(*scratch, scratch_alloc, len, sizeof(**scratch));
    struct sort_line *s = *scratch;
    for (i = 0; i < len; i++)
        s[i] = (struct sort_line){day[i], ord[i], amt[i], prod[i]};
    qsort(s, len, sizeof(*s), sort_line_cmp);
    for (i = 0; i < len; i++) {
        day[i] = s[i].day;
        ord[i] = s[i].order;
        amt[i] = s[i].amount;
        prod[i] = s[i].product;
    }
}

static int resolve_renewals(struct ledger *l, struct ok_err *err);

struct ledger *ledger_builder_finish(struct ledger_builder *b, struct ok_err *err)
{
    struct ledger *l = b->l;
    struct sort_line *scratch = NULL;
    size_t scratch_alloc = 0;

    /* Referrers may have been added after the customers they referred. */
    for (uint32_t c = 0; c < l->ncust; c++) {
        int64_t rid = l->pending_referrer[c];
        if (rid == LEDGER_NONE)
            continue;
        long r = ledger_customer_index(l, rid);
        if (r < 0) {
            ok_err_set(err, OK_ERR_NOT_FOUND, "customer %lld: referrer %lld not found",
                       (long long)l->cust_id[c], (long long)rid);
            ledger_builder_release(b);
            return NULL;
        }
        l->cust_referred_by[c] = (int32_t)r;
    }
    free(l->pending_referrer);
    l->pending_referrer = NULL;
    if (resolve_renewals(l, err) < 0 || builder_resolve(b, err) < 0) {
        ledger_builder_release(b);
        return NULL;
    }

    /* Counting sort by customer index, stable (parts in order, each in the order added), so
     * date-ordered input stays date-ordered. The lines are scattered straight into the columns:
     * no second copy of the lines, and input that is already grouped by customer (a table in
     * customer order) is written sequentially. */
    size_t n = 0;
    for (int p = 0; p < LEDGER_BUILDER_PARTS; p++)
        n += b->part[p].n;
    for (uint32_t c = 0; c < l->ncust; c++)
        l->seg_len[c] = 0;
    for (int p = 0; p < LEDGER_BUILDER_PARTS; p++) {
        const struct ledger_builder_line *in = b->part[p].lines;
        for (size_t i = 0; i < b->part[p].n; i++)
            l->seg_len[in[i].cust]++;
    }
    uint64_t off = 0;
    for (uint32_t c = 0; c < l->ncust; c++) {
        l->seg_off[c] = off; /* used as the write position during the scatter */
        off += l->seg_len[c];
    }
    size_t alloc = n ? n : 1;
    l->line_day = xmalloc(alloc * sizeof(*l->line_day));
    l->line_amount = xmalloc(alloc * sizeof(*l->line_amount));
    l->line_order = xmalloc(alloc * sizeof(*l->line_order));
    l->line_product = xmalloc(alloc * sizeof(*l->line_product));
    l->line_alloc = alloc;
    int32_t min_day = INT32_MAX, max_day = INT32_MIN;
    for (int p = 0; p < LEDGER_BUILDER_PARTS; p++) {
        const struct ledger_builder_line *in = b->part[p].lines;
        for (size_t i = 0; i < b->part[p].n; i++) {
            uint64_t at = l->seg_off[in[i].cust]++;
            int32_t day = in[i].day;
            l->line_day[at] = day;
            l->line_amount[at] = in[i].amount;
            l->line_order[at] = in[i].order;
            l->line_product[at] = in[i].product;
            min_day = day < min_day ? day : min_day;
            max_day = day > max_day ? day : max_day;
        }
        part_free(&b->part[p]);
    }
    for (uint32_t c = 0; c < l->ncust; c++) {
        l->seg_off[c] -= l->seg_len[c];
        l->seg_cap[c] = l->seg_len[c];
    }
    for (uint32_t c = 0; c < l->ncust; c++)
        segment_sort(l, l->seg_off[c], l->seg_len[c], &scratch, &scratch_alloc);
    free(scratch);
    l->nlines = n;
    l->line_used = n;
    l->min_day = n ? min_day : LEDGER_NO_DAY;
    l->max_day = n ? max_day : LEDGER_NO_DAY;
    b->l = NULL;
    ledger_builder_release(b);
    return l;
}

/* ---- incremental updates ---------------------------------------------------------------- */

long ledger_add_customer(struct ledger *l, const struct ledger_customer_in *c, struct ok_err *err)
{
    return customer_add(l, c, l->pending_referrer != NULL, err);
}

static void lines_reserve(struct ledger *l, uint64_t need)
{
    if (need <= l->line_alloc)
        return;
    uint64_t n = l->line_alloc + l->line_alloc / 2 + 1024;
    if (n < need)
        n = need;
    l->line_day = xrealloc(l->line_day, n * sizeof(*l->line_day));
    l->line_amount = xrealloc(l->line_amount, n * sizeof(*l->line_amount));
    l->line_order = xrealloc(l->line_order, n * sizeof(*l->line_order));
    l->line_product = xrealloc(l->line_product, n * sizeof(*l->line_product));
    l->line_alloc = n;
}

static void line_copy(struct ledger *l, uint64_t dst, uint64_t src, uint64_t n)
{
    memmove(l->line_day + dst, l->line_day + src, n * sizeof(*l->line_day));
    memmove(l->line_amount + dst, l->line_amount + src, n * sizeof(*l->line_amount));
    memmove(l->line_order + dst, l->line_order + src, n * sizeof(*l->line_order));
    memmove(l->line_product + dst, l->line_product + src, n * sizeof(*l->line_product));
}

void ledger_compact(struct ledger *l)
{
    uint64_t n = l->nlines, pos = 0;
    size_t alloc = n ? n : 1;
    int32_t *day = xmalloc(alloc * sizeof(*day));
    int64_t *amount = xmalloc(alloc * sizeof(*amount));
    uint32_t *order = xmalloc(alloc * sizeof(*order));
    uint32_t *product = xmalloc(alloc * sizeof(*product));
    for (uint32_t c = 0; c < l->ncust; c++) {
        uint64_t o = l->seg_off[c];
        uint32_t len = l->seg_len[c];
        memcpy(day + pos, l->line_day + o, len * sizeof(*day));
        memcpy(amount + pos, l->line_amount + o, len * sizeof(*amount));
        memcpy(order + pos, l->line_order + o, len * sizeof(*order));
        memcpy(product + pos, l->line_product + o, len * sizeof(*product));
        l->seg_off[c] = pos;
        l->seg_cap[c] = len;
        pos += len;
    }
    free(l->line_day);
    free(l->line_amount);
    free(l->line_order);
    free(l->line_product);
    l->line_day = day;
    l->line_amount = amount;
    l->line_order = order;
    l->line_product = product;
    l->line_alloc = alloc;
    l->line_used = n;
}

int ledger_add_line(struct ledger *l, int64_t customer_id, int32_t day, int64_t amount,
                    int64_t order_key, uint32_t product_key, struct ok_err *err)
{
    long ci = customer_lookup(l, customer_id, "order line", err);
    if (ci < 0 || check_day(day, "order line", err) < 0)
        return -1;
    uint32_t c = (uint32_t)ci;
    if (l->seg_len[c] == UINT32_MAX)
        return ok_err_set(err, OK_ERR_LIMIT, "customer %lld has too many order lines",
                          (long long)customer_id);
    if (l->seg_len[c] == l->seg_cap[c]) {
        uint64_t holes = l->line_used - l->nlines;
        if (holes > l->nlines / 4 + 4096)
            ledger_compact(l);
        uint32_t len = l->seg_len[c];
        uint32_t cap = len < 2 ? 4 : (len > UINT32_MAX / 2 ? UINT32_MAX : len * 2);
        if (l->seg_off[c] + len == l->line_used) {
            /* last segment: grow it in place */
            lines_reserve(l, l->seg_off[c] + cap);
        } else {
            lines_reserve(l, l->line_used + cap);
            line_copy(l, l->line_used, l->seg_off[c], len);
            l->seg_off[c] = l->line_used;
        }
        l->seg_cap[c] = cap;
        l->line_used = l->seg_off[c] + cap;
    }
    uint64_t base = l->seg_off[c];
    uint32_t o = (uint32_t)order_key;
    uint32_t pos = l->seg_len[c];
    while (pos > 0 &&
           line_before(day, o, l->line_day[base + pos - 1], l->line_order[base + pos - 1]))
        pos--;
    line_copy(l, base + pos + 1, base + pos, l->seg_len[c] - pos);
    l->line_day[base + pos] = day;
    l->line_amount[base + pos] = amount;
    l->line_order[base + pos] = o;
    l->line_product[base + pos] = product_key;
    l->seg_len[c]++;
    l->nlines++;
    day_range_note(l, day);
    return 0;
}

int ledger_add_lines(struct ledger *l, const struct ledger_line_in *lines, size_t n,
                     struct ok_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (ledger_add_line(l, lines[i].customer_id, lines[i].day, lines[i].amount,
                            lines[i].order_key, lines[i].product_key, err) < 0)
            return -1;
    return 0;
}

static int deal_check(const struct ledger_deal *d, struct ok_err *err)
{
    if (d->kind > DEAL_REFERRAL)
        return ok_err_set(err, OK_ERR_INVALID, "deal: unknown kind %d", d->kind);
    if (d->stage > DEAL_LOST)
        return ok_err_set(err, OK_ERR_INVALID, "deal: unknown stage %d", d->stage);
    if (check_day(d->opened_day, "deal opened", err) < 0)
        return -1;
    if (d->stage != DEAL_OPEN && d->closed_day == LEDGER_NO_DAY)
        return ok_err_set(err, OK_ERR_INVALID, "deal: a won or lost deal needs a closed date");
    if (d->closed_day != LEDGER_NO_DAY && d->closed_day < d->opened_day)
        return ok_err_set(err, OK_ERR_INVALID, "deal: closed before it was opened");
    return 0;
}

long ledger_add_deal(struct ledger *l, int64_t customer_id, const struct ledger_deal *d,
                     struct ok_err *err)
{
    long c = customer_lookup(l, customer_id, "deal", err);
    if (c < 0 || deal_check(d, err) < 0)
        return -1;
    l->deals = xgrow(l->deals, &l->deals_alloc, l->ndeals + 1, sizeof(*l->deals));
    l->deals[l->ndeals] = *d;
    l->deals[l->ndeals].cust = (uint32_t)c;
    return (long)l->ndeals++;
}

int ledger_update_deal(struct ledger *l, size_t deal, const struct ledger_deal *d,
                       struct ok_err *err)
{
    if (deal >= l->ndeals)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "deal %zu not found", deal);
    if (deal_check(d, err) < 0)
        return -1;
    uint32_t c = l->deals[deal].cust;
    l->deals[deal] = *d;
    l->deals[deal].cust = c;
    return 0;
}

struct contract_pair {
    int64_t id;
    size_t idx;
};

static int contract_pair_cmp(const void *a, const void *b)
{
    const struct contract_pair *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int resolve_renewals(struct ledger *l, struct ok_err *err)
{
    /* Few contracts compared with lines; a sorted (id, index) table keeps this O(n log n). */
    size_t n = l->ncontracts;
    struct contract_pair *p = xmalloc((n ? n : 1) * sizeof(*p));
    for (size_t i = 0; i < n; i++) {
        p[i].id = l->contracts[i].id;
        p[i].idx = i;
        l->contracts[i].renewed_by = LEDGER_NONE;
    }
    qsort(p, n, sizeof(*p), contract_pair_cmp);
    for (size_t i = 0; i < n; i++) {
        int64_t from = l->contracts[i].renewed_from;
        if (from == LEDGER_NONE)
            continue;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p[mid].id < from)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n || p[lo].id != from) {
            ok_err_set(err, OK_ERR_NOT_FOUND, "contract %lld renews unknown contract %lld",
                       (long long)l->contracts[i].id, (long long)from);
            free(p);
            return -1;
        }
        l->contracts[p[lo].idx].renewed_by = (int32_t)i;
    }
    free(p);
    return 0;
}

long ledger_add_contract(struct ledger *l, int64_t customer_id, const struct ledger_contract *k,
                         struct ok_err *err)
{
    long c = customer_lookup(l, customer_id, "contract", err);
    if (c < 0 || check_day(k->start_day, "contract start", err) < 0)
        return -1;
    if (k->end_day != LEDGER_NO_DAY && k->end_day < k->start_day)
        return ok_err_set(err, OK_ERR_INVALID, "contract %lld ends before it starts",
                          (long long)k->id);
    l->contracts =
        xgrow(l->contracts, &l->contracts_alloc, l->ncontracts + 1, sizeof(*l->contracts));
    size_t i = l->ncontracts++;
    l->contracts[i] = *k;
    l->contracts[i].cust = (uint32_t)c;
    l->contracts[i].renewed_by = LEDGER_NONE;
    if (l->pending_referrer)
        return (long)i; /* builder: renewals are resolved at finish */
    /* Live: link both ways, whichever of the pair came first. */
    for (size_t j = 0; j + 1 < l->ncontracts; j++) {
        if (k->renewed_from != LEDGER_NONE && l->contracts[j].id == k->renewed_from)
            l->contracts[j].renewed_by = (int32_t)i;
        if (l->contracts[j].renewed_from == k->id)
            l->contracts[i].renewed_by = (int32_t)j;
    }
    return (long)i;
}

long ledger_add_referral(struct ledger *l, int64_t referrer_id, int64_t referred_id, int32_t day,
                         int32_t trigger_id, int32_t deal, struct ok_err *err)
{
    long r = customer_lookup(l, referrer_id, "referral", err);
    if (r < 0 || check_day(day, "referral", err) < 0)
        return -1;
    long d = LEDGER_NONE;
    if (referred_id != LEDGER_NONE) {
        d = customer_lookup(l, referred_id, "referred customer", err);
        if (d < 0)
            return -1;
    }
    if (deal != LEDGER_NONE && (deal < 0 || (size_t)deal >= l->ndeals))
        return ok_err_set(err, OK_ERR_NOT_FOUND, "referral: deal %ld not found", (long)deal);
    l->referrals =
        xgrow(l->referrals, &l->referrals_alloc, l->nreferrals + 1, sizeof(*l->referrals));
    l->referrals[l->nreferrals] =
        (struct ledger_referral){(uint32_t)r, (int32_t)d, day, trigger_id, deal};
    return (long)l->nreferrals++;
}

long ledger_add_feedback(struct ledger *l, int64_t customer_id, int32_t kind, int32_t score,
                         int32_t day, struct ok_err *err)
{
    long c = customer_lookup(l, customer_id, "feedback", err);
    if (c < 0 || check_day(day, "feedback", err) < 0)
        return -1;
    l->feedback = xgrow(l->feedback, &l->feedback_alloc, l->nfeedback + 1, sizeof(*l->feedback));
    l->feedback[l->nfeedback] = (struct ledger_feedback){(uint32_t)c, kind, score, day};
    return (long)l->nfeedback++;
}

void ledger_memory(const struct ledger *l, size_t *line_bytes, size_t *customer_bytes)
{
    size_t per_line = sizeof(*l->line_day) + sizeof(*l->line_amount) + sizeof(*l->line_order) +
                      sizeof(*l->line_product);
    size_t per_cust = sizeof(*l->cust_id) + sizeof(*l->cust_created) + sizeof(*l->cust_owner) +
                      sizeof(*l->cust_source) + sizeof(*l->cust_referred_by) +
                      sizeof(*l->cust_cause) + sizeof(*l->cust_flags) + sizeof(*l->seg_off) +
                      sizeof(*l->seg_len) + sizeof(*l->seg_cap);
    if (line_bytes)
        *line_bytes = (size_t)l->line_alloc * per_line;
    if (customer_bytes)
        *customer_bytes = l->cust_alloc * per_cust + l->dense_len * sizeof(*l->dense) +
                          (l->hash ? (l->hash_mask + 1) * sizeof(*l->hash) : 0);
}
