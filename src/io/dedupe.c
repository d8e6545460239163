/*
 * dedupe.c - scoring candidate duplicate pairs.
 */
#include "io/dedupe.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/text.h"
#include "store/customer.h"
#include "store/merge.h"
#include "core/banned.h"

double dedupe_score(unsigned ev)
{
    double keep = 1.0;
    if (ev & DEDUPE_EMAIL)
        keep *= 1 - 0.9;
    if (ev & DEDUPE_PHONE)
        keep *= 1 - 0.85;
    if (ev & DEDUPE_NAME_KANA)
        keep *= 1 - 0.45;
    else if (ev & DEDUPE_NAME_ONLY)
        keep *= 1 - 0.35;
    if (ev & DEDUPE_POSTAL)
        keep *= 1 - 0.3;
    if (ev & DEDUPE_ADDRESS)
        keep *= 1 - 0.5;
    return 1 - keep;
}

int dedupe_address_close(const char *a, const char *b)
{
    struct buf x, y;
    size_t i = 0, shorter;
    int close;
    if (!a || !b || !*a || !*b)
        return 0;
    buf_init(&x, 0);
    buf_init(&y, 0);
    text_fold_for_match(&x, a, strlen(a));
    text_fold_for_match(&y, b, strlen(b));
    shorter = x.len < y.len ? x.len : y.len;
    while (i < shorter && x.data[i] == y.data[i])
        i++;
    close = shorter > 0 && i * 10 >= shorter * 8;
    buf_release(&x);
    buf_release(&y);
    return close;
}

struct cand {
    int64_t a, b;
    int why;
};

struct cands {
    struct cand *v;
    size_t n, cap;
};

static int add_cand(void *ctx, int64_t a, int64_t b, int why, struct ok_err *err)
{
    struct cands *c = ctx;
    c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
    c->v[c->n].a = a;
    c->v[c->n].b = b;
    c->v[c->n++].why = why;
    return 0;
}

static int cmp_cand(const void *x, const void *y)
{
    const struct cand *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

struct scored {
    double score;
    size_t row;
};

static int key_eq(const char *x, const char *y, int phone)
{
    struct buf a, b;
    int eq;
    if (!x || !y || !*x || !*y)
        return 0;
    buf_init(&a, 0);
    buf_init(&b, 0);
    if (phone) {
        text_phone_normalize(&a, x, strlen(x));
        text_phone_normalize(&b, y, strlen(y));
    } else {
        text_fold_for_match(&a, x, strlen(x));
        text_fold_for_match(&b, y, strlen(y));
    }
    eq = a.len && a.len == b.len && !memcmp(a.data, b.data, a.len);
    buf_release(&a);
    buf_release(&b);
    return eq;
}

static unsigned evidence(const struct customer *x, const struct customer *y, int why)
{
    unsigned ev = 0;
    if (why & MERGE_SAME_EMAIL)
        ev |= DEDUPE_EMAIL;
    if (why & MERGE_SAME_PHONE)
        ev |= DEDUPE_PHONE;
    if (why & MERGE_SAME_NAME) {
        if (key_eq(x->name_kana, y->name_kana, 0))
            ev |= DEDUPE_NAME_KANA;
        else if (!x->name_kana || !*x->name_kana || !y->name_kana || !*y->name_kana)
            ev |= DEDUPE_NAME_ONLY;
    }
    if (x->postal_code && y->postal_code && !strcmp(x->postal_code, y->postal_code))
        ev |= DEDUPE_POSTAL;
    if (dedupe_address_close(x->address, y->address))
        ev |= DEDUPE_ADDRESS;
    return ev;
}

static void reasons(unsigned ev, struct buf *out)
{
    static const struct {
        unsigned bit;
        const char *text;
    } names[] = {{DEDUPE_EMAIL, "same e-mail"},
                 {DEDUPE_PHONE, "same phone"},
                 {DEDUPE_NAME_KANA, "same name and kana"},
                 {DEDUPE_NAME_ONLY, "same name"},
                 {DEDUPE_POSTAL, "same postal code"},
                 {DEDUPE_ADDRESS, "close address"}};
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (ev & names[i].bit)
            buf_printf(out, "%s%s", out->len ? ", " : "", names[i].text);
}

static int cmp_scored(const void *x, const void *y)
{
    const struct scored *p = x, *q = y;
    if (p->score != q->score)
        return p->score > q->score ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

struct table *dedupe_find(struct db *db, double min_score, size_t limit, struct ok_err *err)
{
    struct cands c = {0};
    struct table *all = NULL, *out = NULL;
    struct scored *sc = NULL;
    size_t i, n = 0, cap = 0;
    struct buf why;
    buf_init(&why, 0);
    if (store_duplicate_candidates(db, add_cand, &c, err) < 0)
        goto out;
    qsort(c.v, c.n, sizeof(*c.v), cmp_cand);
    all = table_new("likely duplicates");
    table_add_column(all, "score", TABLE_DOUBLE);
    table_add_column(all, "code_a", TABLE_TEXT);
    table_add_column(all, "name_a", TABLE_TEXT);
    table_add_column(all, "code_b", TABLE_TEXT);
    table_add_column(all, "name_b", TABLE_TEXT);
    table_add_column(all, "reasons", TABLE_TEXT);
    for (i = 0; i < c.n;) {
        struct customer x, y;
        int bits = 0;
        size_t j = i;
        unsigned ev;
        double s;
        while (j < c.n && c.v[j].a == c.v[i].a && c.v[j].b == c.v[i].b)
            bits |= c.v[j++].why;
        if (store_customer_get_by_id(db, c.v[i].a, &x, err) < 0)
            goto out;
        if (store_customer_get_by_id(db, c.v[i].b, &y, err) < 0) {
            customer_release(&x);
            goto out;
        }
        ev = evidence(&x, &y, bits);
        s = dedupe_score(ev);
        if (ev && s >= min_score) {
            size_t r = table_add_row(all);
            table_set_double(all, r, 0, s);
            table_set_text(all, r, 1, x.code);
            table_set_text(all, r, 2, x.name);
            table_set_text(all, r, 3, y.code);
            table_set_text(all, r, 4, y.name);
            buf_reset(&why);
            reasons(ev, &why);
            table_set_text(all, r, 5, why.data);
            sc = xgrow(sc, &cap, n + 1, sizeof(*sc));
            sc[n].score = s;
            sc[n++].row = r;
        }
        customer_release(&x);
        customer_release(&y);
        i = j;
    }
    qsort(sc, n, sizeof(*sc), cmp_scored);
    out = table_new("likely duplicates");
    for (i = 0; i < all->ncols; i++)
        table_add_column(out, all->cols[i].name, all->cols[i].type);
    for (i = 0; i < n && (!limit || i < limit); i++) {
        size_t r = table_add_row(out), k;
        for (k = 0; k < all->ncols; k++) {
            const struct table_cell *cell = table_cell(all, sc[i].row, k);
            if (k == 0)
                table_set_double(out, r, k, cell->v.d);
            else
                table_set_text(out, r, k, cell->is_null ? NULL : cell->v.s);
        }
    }
out:
    table_free(&all);
    free(sc);
    free(c.v);
    buf_release(&why);
    return out;
}
