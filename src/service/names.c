/*
 * names.c - id → name tables with binary search, behind struct analytics_names.
 */
#include "service/names.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "store/names.h"
#include "core/banned.h"

struct load_ctx {
    struct service_names *n;
    struct name_table *t;
};

static int add_name(void *ctx, int64_t id, const char *name)
{
    struct load_ctx *c = ctx;
    struct name_table *t = c->t;
    if (t->n == t->alloc) {
        /* both arrays grow from the same capacity, so they stay the same length */
        size_t ids_cap = t->alloc, names_cap = t->alloc;
        t->ids = xgrow(t->ids, &ids_cap, t->n + 1, sizeof(*t->ids));
        t->names = xgrow(t->names, &names_cap, t->n + 1, sizeof(*t->names));
        t->alloc = ids_cap;
    }
    t->ids[t->n] = id;
    t->names[t->n] = arena_strdup(&c->n->arena, name);
    t->n++;
    return 0;
}

static const char *find(const struct name_table *t, int64_t id)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->ids[lo] == id ? t->names[lo] : NULL;
}

static const char *lookup(void *ctx, enum name_kind kind, int64_t id)
{
    static const char *const feedback_kinds[] = {"need", "complaint", "idea", "testimonial",
                                                 "satisfaction"};
    struct service_names *n = ctx;
    switch (kind) {
    case NAME_CUSTOMER:
        return find(&n->customers, id);
    case NAME_OWNER:
        return find(&n->users, id);
    case NAME_CAUSE:
    case NAME_END_REASON:
        return find(&n->causes, id);
    case NAME_LOST_REASON:
        return find(&n->lost_reasons, id);
    case NAME_TRIGGER:
        return find(&n->triggers, id);
    case NAME_PRODUCT:
        return find(&n->products, id);
    case NAME_SOURCE:
        return n->snap && id >= 0 && id < n->snap->nsources ? n->snap->sources[id] : NULL;
    case NAME_FEEDBACK_KIND:
        return id >= 0 && id < 5 ? feedback_kinds[id] : NULL;
    }
    return NULL;
}

int service_names_load(struct service_names *n, struct db *db, const struct snapshot *snap,
                       int with_customers, struct ok_err *err)
{
    struct {
        enum store_names_kind kind;
        struct name_table *t;
    } lists[] = {
        {STORE_NAMES_USERS, &n->users},
        {STORE_NAMES_CAUSES, &n->causes},
        {STORE_NAMES_LOST_REASONS, &n->lost_reasons},
        {STORE_NAMES_TRIGGERS, &n->triggers},
        {STORE_NAMES_PRODUCTS, &n->products},
        {STORE_NAMES_CUSTOMERS, &n->customers},
    };
    size_t i, count = sizeof(lists) / sizeof(lists[0]);
    memset(n, 0, sizeof(*n));
    arena_init(&n->arena, 256 * 1024);
    n->snap = snap;
    n->api.lookup = lookup;
    n->api.ctx = n;
    if (!with_customers)
        count--;
    for (i = 0; i < count; i++) {
        struct load_ctx c = {n, lists[i].t};
        if (store_names_scan(db, lists[i].kind, add_name, &c, err) < 0) {
            service_names_release(n);
            return -1;
        }
    }
    return 0;
}

void service_names_release(struct service_names *n)
{
    struct name_table *tables[] = {&n->customers,    &n->users,    &n->causes,
                                   &n->lost_reasons, &n->triggers, &n->products};
    size_t i;
    for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        free(tables[i]->ids);
        free(tables[i]->names);
        memset(tables[i], 0, sizeof(*tables[i]));
    }
    arena_release(&n->arena);
}
