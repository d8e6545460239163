/*
 * test_filter.c - the segment filter language: grammar, precise errors for malformed filters,
 * and evaluation over a small hand-built ledger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/filter.h"
#include "automation/template.h"
#include "core/date.h"

static void expect_error(const char *text, const char *fragment)
{
    struct ok_err err;
    struct filter *f;
    ok_err_clear(&err);
    f = filter_parse(text, &err);
    if (f || !strstr(err.message, fragment))
        fail_msg("filter '%s': expected error containing '%s', got '%s'", text, fragment,
                 f ? "(parsed)" : err.message);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("state = ", "position 9: expected a value for state, found end of filter");
    expect_error("state = asleep", "expected one of prospect, active, sleeping, dead, lost");
    expect_error("colour = red", "position 1: unknown field");
    expect_error("rfm.m >= four", "position 10: expected a number for rfm.m");
    expect_error("rfm.m >= 4.5", "expected a whole number for rfm.m");
    expect_error("last_purchase < 2024-13-01", "expected a valid date");
    expect_error("last_purchase < 20240601", "expected a date YYYY-MM-DD");
    expect_error("(state = active", "expected ')'");
    expect_error("state = active and", "expected a field name");
    expect_error("state = active sleeping", "position 16: expected 'and', 'or' or the end");
    expect_error("tag:\"vip", "unclosed quoted string");
    expect_error("state > active", "operator > cannot be used with state");
    expect_error("orders ! 3", "expected '!='");
    expect_error("recency_days 30", "expected an operator");
    expect_error("state in (active, sleeping", "expected ',' or ')'");
    /* positions count characters, not bytes */
    expect_error("source = 紹介 and bogus = 1", "position 17: unknown field");
}

static void test_canonical(void **state)
{
    struct ok_err err;
    struct buf b;
    struct filter *f = filter_parse(
        "state=sleeping AND rfm.m>=4 and last_purchase<2024-06-01 and tag:vip and not owner:none",
        &err);
    (void)state;
    assert_non_null(f);
    buf_init(&b, 0);
    filter_to_text(f, &b);
    assert_string_equal(b.data, "state = sleeping and rfm.m >= 4 and last_purchase < 2024-06-01 "
                                "and tag = vip and not owner = none");
    buf_release(&b);
    filter_free(&f);
}

/* Four customers: 1 bought 2024-01-01 and 2024-03-01 (active on 2024-04-01), 2 bought once on
 * 2023-06-01 (sleeping), 3 never bought (prospect), 4 bought 2022-01-01 (dead). */
static struct ledger *make_ledger(void)
{
    struct ledger_builder b;
    struct ok_err err;
    int64_t i;
    int32_t d1, d2, d3, d4;
    ledger_builder_init(&b, 0);
    for (i = 1; i <= 4; i++) {
        struct ledger_customer_in c = {i,
                                       LEDGER_NO_DAY,
                                       i == 1 ? 7 : LEDGER_NONE,
                                       i == 2 ? 0 : LEDGER_NONE,
                                       LEDGER_NONE,
                                       LEDGER_NONE,
                                       0};
        assert_true(ledger_builder_add_customer(&b, &c, &err) >= 0);
    }
    date_parse_iso("2024-01-01", 10, &d1);
    date_parse_iso("2024-03-01", 10, &d2);
    date_parse_iso("2023-06-01", 10, &d3);
    date_parse_iso("2022-01-01", 10, &d4);
    assert_int_equal(ledger_builder_add_line(&b, 1, d1, 10000, 1, 0, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 1, d2, 20000, 2, 0, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 2, d3, 3000, 3, 0, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 4, d4, 500, 4, 0, &err), 0);
    return ledger_builder_finish(&b, &err);
}

static int64_t list_id(void *ctx, const char *list, const char *code, struct ok_err *err)
{
    (void)ctx;
    if (!strcmp(list, "lost_reasons") && !strcmp(code, "price"))
        return 1;
    return ok_err_set(err, OK_ERR_INVALID, "unknown %s '%s'", list, code);
}

static int64_t user_id(void *ctx, const char *login, struct ok_err *err)
{
    (void)ctx;
    if (!strcmp(login, "sato"))
        return 7;
    return ok_err_set(err, OK_ERR_INVALID, "no user '%s'", login);
}

static void test_evaluate(void **state)
{
    static const struct {
        const char *filter;
        const char *members; /* customer ids that match, e.g. "1,2" */
    } cases[] = {
        {"state = active", "1"},
        {"state = sleeping", "2"},
        {"state in (sleeping, dead)", "2,4"},
        {"state != prospect", "1,2,4"},
        {"orders >= 2", "1"},
        {"revenue > 2999", "1,2"},
        {"recency_days <= 31", "1"},
        {"not recency_days <= 31", "2,3,4"},
        {"last_purchase < 2024-01-01", "2,4"},
        {"first_purchase = 2024-01-01", "1"},
        {"tag:vip", "1,3"},
        {"tag:VIP and not tag:new", "1"},
        {"tag:none", "2,4"},
        {"owner:none", "2,3,4"},
        {"owner = sato", "1"},
        {"consent", "1,2"},
        {"consent = no", "3,4"},
        {"source = 紹介", "2"},
        {"source = none", "1,3,4"},
        {"lost_reason = price", "3"},
        {"attr.rank >= 2", "1"},
        {"attr.city = 大阪", "2"},
        {"state = sleeping or state = active and orders > 5", "2"},
        {"(state = sleeping or state = active) and orders > 1", "1"},
        {"kind = company", "4"},
        {"", "1,2,3,4"},
        {"tag:new or tag:none", "2,3,4"},
        {"tag != vip", "2,4"},
        {"tag in (regular, nothing)", "1"},
        {"attr.rank != 3", "2,3,4"},
        {"attr.nokey = x", ""},
        {"not (tag:vip or attr.rank < 2)", "2"},
    };
    /* The same customers pre-digested as population.c gives them: tags interned (ids into
     * names folded to lower case), attributes in columns. Results must not differ. */
    const char *tag_names[] = {"vip", "regular", "new"};
    int32_t tag_pool[] = {0, 1, 0, 2};
    uint32_t tag_start[] = {0, FILTER_NO_TAGS, 2, FILTER_NO_TAGS};
    uint16_t tag_count[] = {2, 0, 2, 0};
    uint32_t rank_cust[] = {0, 3}, city_cust[] = {1};
    const char *rank_val[] = {"3", "1"}, *city_val[] = {"大阪"};
    struct filter_attr_column cols[] = {{"rank", 2, rank_cust, rank_val},
                                        {"city", 1, city_cust, city_val}};
    struct filter_population fast;
    int k;
    struct ledger *l = make_ledger();
    struct analytics_settings s;
    struct analytics_view v;
    struct filter_population pop;
    struct filter_resolver r = {NULL, list_id, user_id};
    struct ok_err err;
    const char *tags[] = {"vip, regular", NULL, "VIP,new", ""};
    const char *attrs[] = {"{\"rank\":3}", "{\"city\":\"大阪\"}", NULL, "{\"rank\":1}"};
    const char *sources[] = {"紹介"};
    uint8_t consent[] = {1, 1, 0, 0}, has_email[] = {1, 1, 0, 1}, company[] = {0, 0, 0, 1};
    int32_t lost[] = {LEDGER_NONE, LEDGER_NONE, 1, LEDGER_NONE};
    int32_t as_of;
    size_t i;
    (void)state;
    assert_non_null(l);
    analytics_settings_default(&s);
    date_parse_iso("2024-04-01", 10, &as_of);
    assert_int_equal(analytics_view_compute(&v, l, &s, as_of, NULL, &err), 0);
    memset(&pop, 0, sizeof(pop));
    pop.ledger = l;
    pop.view = &v;
    pop.tags = tags;
    pop.attributes = attrs;
    pop.consent = consent;
    pop.has_email = has_email;
    pop.is_company = company;
    pop.lost_reason = lost;
    pop.sources = sources;
    pop.nsources = 1;
    fast = pop;
    fast.tags = NULL;
    fast.attributes = NULL;
    fast.tag_names = tag_names;
    fast.ntag_names = 3;
    fast.tag_start = tag_start;
    fast.tag_count = tag_count;
    fast.tag_pool = tag_pool;
    fast.attr_columns = cols;
    fast.nattr_columns = 2;
    for (k = 0; k < 2; k++)
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct filter *f = filter_parse(cases[i].filter, &err);
            char got[64] = "", sel[64] = "";
            uint32_t c, *idx = NULL;
            size_t j, n;
            if (!f)
                fail_msg("'%s': %s", cases[i].filter, err.message);
            assert_int_equal(filter_bind(f, &r, &err), 0);
            if (filter_prepare(f, k ? &fast : &pop, &err) < 0)
                fail_msg("'%s': %s", cases[i].filter, err.message);
            for (c = 0; c < 4; c++)
                if (filter_match(f, c)) {
                    size_t len = strlen(got);
                    snprintf(got + len, sizeof(got) - len, "%s%u", len ? "," : "", c + 1);
                }
            if (strcmp(got, cases[i].members))
                fail_msg("'%s' (%s): members %s, expected %s", cases[i].filter,
                         k ? "interned" : "text", got, cases[i].members);
            /* the column-at-a-time selection agrees with the row-at-a-time match */
            n = filter_select(f, &idx);
            for (j = 0; j < n; j++) {
                size_t len = strlen(sel);
                snprintf(sel + len, sizeof(sel) - len, "%s%u", len ? "," : "", idx[j] + 1);
            }
            free(idx);
            if (strcmp(sel, cases[i].members))
                fail_msg("'%s' (%s): filter_select %s, expected %s", cases[i].filter,
                         k ? "interned" : "text", sel, cases[i].members);
            filter_free(&f);
        }
    /* names that must exist are rejected at bind time */
    {
        struct filter *f = filter_parse("owner = nobody", &err);
        assert_int_equal(filter_bind(f, &r, &err), -1);
        assert_non_null(strstr(err.message, "no user 'nobody'"));
        filter_free(&f);
        f = filter_parse("p_alive > 0.5", &err);
        assert_int_equal(filter_bind(f, &r, &err), 0);
        assert_int_equal(filter_prepare(f, &pop, &err), -1);
        assert_non_null(strstr(err.message, "run `okaeri clv fit` first"));
        filter_free(&f);
    }
    analytics_view_release(&v);
    ledger_free(&l);
}

static void test_template(void **state)
{
    struct template_vars v;
    struct buf b;
    struct ok_err err;
    (void)state;
    memset(&v, 0, sizeof(v));
    v.v[TPL_NAME] = "山田 <太郎>";
    v.v[TPL_LAST_PRODUCT] = "深煎りブレンド";
    buf_init(&b, 0);
    assert_int_equal(
        template_render("{{name}}様\n{{ last_product }}はいかが？{{owner}}", &v, 0, &b, &err), 0);
    assert_string_equal(b.data, "山田 <太郎>様\n深煎りブレンドはいかが？");
    buf_reset(&b);
    assert_int_equal(template_render("{{name}}様\nA&B", &v, 1, &b, &err), 0);
    assert_string_equal(b.data, "山田 &lt;太郎&gt;様<br>\nA&amp;B");
    buf_release(&b);
    assert_int_equal(template_check("こんにちは{{nmae}}", "body", &err), -1);
    assert_non_null(strstr(err.message, "position 6: unknown placeholder {{nmae}}"));
    assert_int_equal(template_check("{{name}", "subject", &err), -1);
    assert_non_null(strstr(err.message, "position 1: '{{' is not closed"));
    assert_string_equal(err.field, "subject");
    assert_int_equal(template_check("{single} braces are fine {{today}}", "body", &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_evaluate),
        cmocka_unit_test(test_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
