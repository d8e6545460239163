/*
 * filter.h - the segment filter language: parsing, checking and evaluating filters such as
 *
 *     state = sleeping and rfm.m >= 4 and last_purchase < 2024-06-01 and tag:vip and not owner:none
 *
 * over the customers of a ledger snapshot (docs/automation.md has the grammar and the fields).
 *
 * Three stages, so that a filter can be checked when it is saved and evaluated many times:
 *   filter_parse    text -> tree; syntax, field names, operators and value types are checked
 *                   here, with errors that give the 1-based character position and what was
 *                   expected ("position 17: expected a value after '>=', found end of filter").
 *   filter_bind     resolves names that live in the database (lost reasons, causes, user
 *                   logins, acquisition sources) through a resolver, so unknown codes are
 *                   rejected when a segment is saved.
 *   filter_prepare  attaches the filter to a population (the columns of one analytics view
 *                   plus customer fields that are not in the ledger) and precomputes what
 *                   per-row evaluation needs (attribute columns, money in minor units).
 * Evaluation (filter_match) is then a pure function of a customer index: no allocation, no I/O.
 *
 * Missing values: a customer without a value for a field (no purchase: recency_days,
 * last_purchase; no fitted model score) matches no comparison on that field, as SQL's NULL
 * does; `not` inverts the result, so `not recency_days < 30` includes never-buyers.
 */
#ifndef OK_AUTOMATION_FILTER_H
#define OK_AUTOMATION_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/ledger.h"
#include "analytics/view.h"
#include "core/buf.h"
#include "core/err.h"

struct filter;

/* Resolves database names while binding. Each function returns an id >= 0, or -1 with err
 * (e.g. "unknown lost reason 'x' (valid: price, timing, ...)"). A NULL function leaves names of
 * that kind unresolved (filter_prepare then fails). ctx is passed through. */
struct filter_resolver {
    void *ctx;
    /* list: "lost_reasons" or "causes"; code as the user wrote it (code or label). */
    int64_t (*list_id)(void *ctx, const char *list, const char *code, struct ok_err *err);
    /* A user's login -> users.id. */
    int64_t (*user_id)(void *ctx, const char *login, struct ok_err *err);
};

/* The rows a filter is evaluated on: one analytics view and, parallel to it (index = ledger
 * customer index), the customer fields the ledger does not hold. All borrowed; arrays may be
 * NULL when no filter uses the field (filter_prepare says which field is missing). */
struct filter_population {
    const struct ledger *ledger;
    const struct analytics_view *view;
    const double *p_alive;         /* NULL: no fitted model (p_alive fields are refused) */
    const double *clv;             /* NULL: no fitted spend model; values in major units */
    const int32_t *lost_reason;    /* reason id of the latest lost deal on or before as_of,
                                      LEDGER_NONE */
    const char *const *tags;       /* comma-separated tags or NULL */
    const char *const *attributes; /* JSON object text or NULL */
    const uint8_t *consent;        /* 1: e-mail consent given and not unsubscribed */
    const uint8_t *has_email;      /* 1: an e-mail address is known */
    const uint8_t *is_company;     /* 1: kind company */
    const char *const *sources;    /* source names by ledger source id */
    int32_t nsources;
    int money_decimals;
    /* Optional pre-digested tags and attributes (a population of a million customers sets them:
     * filter_prepare then resolves names once instead of matching text per customer). When
     * tag_names is set, tags may be NULL: customer c's tag ids are tag_pool[tag_start[c]] ..
     * [tag_start[c] + tag_count[c] - 1], ids index tag_names (trimmed, ASCII lower case, as
     * tag comparisons ignore ASCII case), and tag_start[c] == FILTER_NO_TAGS marks an empty
     * tags text (tag:none). */
    const char *const *tag_names;
    int32_t ntag_names;
    const uint32_t *tag_start;
    const uint16_t *tag_count;
    const int32_t *tag_pool;
    /* When attr_columns is set, attributes may be NULL: one column per attribute name, with the
     * customers that have it and the value's text as filter_attr_text gives it. */
    const struct filter_attr_column *attr_columns;
    size_t nattr_columns;
};

#define FILTER_NO_TAGS UINT32_MAX

struct filter_attr_column {
    const char *key;
    size_t n;
    const uint32_t *cust;
    const char *const *value;
};

/* The text filters compare for one JSON attribute value (caller frees), NULL for objects,
 * arrays and null: strings as is, integers %lld, reals %.17g, true/false as yes/no. */
struct json_t;
char *filter_attr_text(struct json_t *v);

/* Parses text into a filter (caller frees with filter_free). Returns NULL with err (code
 * OK_ERR_INVALID, field "filter", message "position N: expected ..., found ...") for malformed
 * input, unknown fields, wrong operators or values of the wrong kind. */
struct filter *filter_parse(const char *text, struct ok_err *err);

/* Resolves lost reasons, causes and owner logins through r. Returns 0 or -1 with err (the
 * message names the position). */
int filter_bind(struct filter *f, const struct filter_resolver *r, struct ok_err *err);

/* Attaches f to a population (borrowed until the next prepare or filter_free). Fails when the
 * filter uses a field the population lacks (p_alive or clv without a fitted model: "run `okaeri
 * clv fit` first"). */
int filter_prepare(struct filter *f, const struct filter_population *pop, struct ok_err *err);

/* 1 when customer index c (< view->n) matches. The customer must exist on the view's as_of
 * (state not NONE); customers that do not exist yet never match. */
int filter_match(const struct filter *f, uint32_t c);

/* Indexes of all matching customers in ascending order into *out (caller frees; NULL when
 * none). Returns the count. */
size_t filter_select(const struct filter *f, uint32_t **out);

/* 1 when f compares the field named `field` (a name of filter_field_names, e.g. "p_alive"). */
int filter_uses(const struct filter *f, const char *field);

/* Appends the filter in canonical form (keywords lower case, one space between tokens). */
void filter_to_text(const struct filter *f, struct buf *out);

/* The names of all fields, NULL-terminated, for help texts and the UI's builder. */
extern const char *const filter_field_names[];

void filter_free(struct filter **f);

#endif
