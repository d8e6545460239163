/* Fuzz target for the segment filter language: filter_parse, filter_bind, filter_prepare and
 * filter_match over a small ledger of five customers (the same shapes as the unit test: active,
 * sleeping, prospect, dead, a company with a fitted model), with every population column
 * present. Properties checked (trap when broken):
 *   - the canonical text of a parsed filter parses again, to the same canonical text;
 *   - both select the same customers;
 *   - "not (F)" selects exactly the customers F does not (every customer exists on as_of). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/ledger.h"
#include "analytics/settings.h"
#include "analytics/view.h"
#include "automation/filter.h"
#include "core/buf.h"
#include "core/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define NCUST 5

static struct ledger *ledger;
static struct analytics_view view;
static struct filter_population pop;

static int64_t list_id(void *ctx, const char *list, const char *code, struct ok_err *err)
{
    (void)ctx;
    if (!strcmp(list, "lost_reasons") && !strcmp(code, "price"))
        return 1;
    if (!strcmp(list, "causes") && !strcmp(code, "moved"))
        return 2;
    return ok_err_set(err, OK_ERR_INVALID, "unknown %s '%s'", list, code);
}

static int64_t user_id(void *ctx, const char *login, struct ok_err *err)
{
    (void)ctx;
    if (!strcmp(login, "sato"))
        return 7;
    return ok_err_set(err, OK_ERR_INVALID, "no user '%s'", login);
}

static void setup(void)
{
    static const char *tags[NCUST] = {"vip, regular", NULL, "VIP,new", "", "法人"};
    static const char *attrs[NCUST] = {"{\"rank\":3}", "{\"city\":\"大阪\"}", NULL,
                                       "{\"rank\":1,\"x\":[1,{\"y\":null}]}", "not json"};
    static const char *sources[] = {"紹介", "web"};
    static const uint8_t consent[NCUST] = {1, 1, 0, 0, 1}, has_email[NCUST] = {1, 1, 0, 1, 1},
                         company[NCUST] = {0, 0, 0, 1, 1};
    static const int32_t lost[NCUST] = {LEDGER_NONE, LEDGER_NONE, 1, LEDGER_NONE, 1};
    static const double p_alive[NCUST] = {0.9, 0.4, 0.0, 0.01, 1.0};
    static const double clv[NCUST] = {12000.5, 300, 0, 0, 1e9};
    struct ledger_builder b;
    struct analytics_settings s;
    struct ok_err err;
    int64_t i;
    int32_t d1, d2, d3, d4, as_of;
    ledger_builder_init(&b, 0);
    for (i = 1; i <= NCUST; i++) {
        struct ledger_customer_in c = {i,
                                       LEDGER_NO_DAY,
                                       i == 1 ? 7 : LEDGER_NONE,
                                       i == 2   ? 0
                                       : i == 5 ? 1
                                                : LEDGER_NONE,
                                       LEDGER_NONE,
                                       LEDGER_NONE,
                                       0};
        if (ledger_builder_add_customer(&b, &c, &err) < 0)
            abort();
    }
    date_parse_iso("2024-01-01", 10, &d1);
    date_parse_iso("2024-03-01", 10, &d2);
    date_parse_iso("2023-06-01", 10, &d3);
    date_parse_iso("2022-01-01", 10, &d4);
    if (ledger_builder_add_line(&b, 1, d1, 10000, 1, 0, &err) < 0 ||
        ledger_builder_add_line(&b, 1, d2, 20000, 2, 0, &err) < 0 ||
        ledger_builder_add_line(&b, 2, d3, 3000, 3, 0, &err) < 0 ||
        ledger_builder_add_line(&b, 4, d4, 500, 4, 0, &err) < 0 ||
        ledger_builder_add_line(&b, 5, d2, -700, 1, 0, &err) < 0)
        abort();
    ledger = ledger_builder_finish(&b, &err);
    if (!ledger)
        abort();
    analytics_settings_default(&s);
    date_parse_iso("2024-04-01", 10, &as_of);
    if (analytics_view_compute(&view, ledger, &s, as_of, NULL, &err) < 0)
        abort();
    pop.ledger = ledger;
    pop.view = &view;
    pop.p_alive = p_alive;
    pop.clv = clv;
    pop.lost_reason = lost;
    pop.tags = tags;
    pop.attributes = attrs;
    pop.consent = consent;
    pop.has_email = has_email;
    pop.is_company = company;
    pop.sources = sources;
    pop.nsources = 2;
    pop.money_decimals = 0;
}

/* Parses, binds and prepares text; sets the membership bits in *set. Returns the filter or NULL. */
static struct filter *compile(const char *text, unsigned *set)
{
    static const struct filter_resolver r = {NULL, list_id, user_id};
    struct ok_err err;
    struct filter *f = filter_parse(text, &err);
    uint32_t c;
    *set = 0;
    if (!f) {
        CHECK(err.message[0] != '\0');
        return NULL;
    }
    if (filter_bind(f, &r, &err) < 0 || filter_prepare(f, &pop, &err) < 0) {
        CHECK(err.message[0] != '\0');
        filter_free(&f);
        return NULL;
    }
    for (c = 0; c < NCUST; c++)
        if (filter_match(f, c))
            *set |= 1u << c;
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    struct filter *f, *g;
    unsigned set, set2;
    struct buf canon, again;
    if (!ledger)
        setup();
    if (size > 2048)
        return 0;
    text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    f = compile(text, &set);
    free(text);
    if (!f)
        return 0;
    buf_init(&canon, 0);
    buf_init(&again, 0);
    filter_to_text(f, &canon);
    {
        uint32_t *sel = NULL;
        size_t n = filter_select(f, &sel), i;
        unsigned s2 = 0;
        for (i = 0; i < n; i++) {
            CHECK(sel[i] < NCUST && (i == 0 || sel[i] > sel[i - 1]));
            s2 |= 1u << sel[i];
        }
        CHECK(s2 == set);
        free(sel);
    }
    g = compile(canon.data, &set2);
    CHECK(g != NULL);
    filter_to_text(g, &again);
    CHECK(again.len == canon.len && memcmp(again.data, canon.data, canon.len) == 0);
    CHECK(set2 == set);
    filter_free(&g);
    if (canon.len) {
        struct buf neg;
        buf_init(&neg, 0);
        buf_printf(&neg, "not (%s)", canon.data);
        g = compile(neg.data, &set2);
        CHECK(g != NULL);
        CHECK(set2 == (~set & ((1u << NCUST) - 1)));
        filter_free(&g);
        buf_release(&neg);
    }
    filter_free(&f);
    buf_release(&canon);
    buf_release(&again);
    return 0;
}
