/* Tests for src/core/money.c: the amount forms of Japanese registers and spreadsheets, exactness
 * (no rounding), overflow, and formatting for people and for files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/money.h"

struct good {
    const char *in;
    int scale;
    int64_t minor;
};

static void test_parse_accepts(void **state)
{
    static const struct good cases[] = {
        {"1234", 0, 1234},
        {"0", 0, 0},
        {"-0", 0, 0},
        {"1,234", 0, 1234},
        {"1,234,567", 0, 1234567},
        {"¥1,234", 0, 1234},
        {"￥1,234", 0, 1234},
        {"￥１，２３４", 0, 1234},
        {"１２３４", 0, 1234},
        {"1234円", 0, 1234},
        {"1,234 円", 0, 1234},
        {"¥ 1,234", 0, 1234},
        {"\\1,234", 0, 1234}, /* CP932 files show the yen sign as a backslash */
        {"-500", 0, -500},
        {"+500", 0, 500},
        {"−500", 0, -500},     /* U+2212 */
        {"－５００", 0, -500}, /* full-width hyphen-minus */
        {"▲500", 0, -500},
        {"△500", 0, -500},
        {"▲ 1,500円", 0, -1500},
        {"(500)", 0, -500},
        {"（５００）", 0, -500},
        {"(¥1,234)", 0, -1234},
        {"-¥500", 0, -500},
        {"¥-500", 0, -500},
        {"  42  ", 0, 42},
        {"\xE3\x80\x80"
         "42"
         "\xE3\x80\x80",
         0, 42},
        {"1234.00", 0, 1234}, /* Excel's number format: zeros lose nothing */
        {"12.34", 2, 1234},
        {"12.3", 2, 1230},
        {"12", 2, 1200},
        {".5", 2, 50},
        {"$1,234.56", 2, 123456},
        {"-$0.01", 2, -1},
        {"€9.99", 2, 999},
        {"£2.55", 2, 255},
        {"１２．３４", 2, 1234},
        {"2.550", 2, 255},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775807", 0, -INT64_MAX},
        {"92233720368547758.07", 2, INT64_MAX},
        {"999999999999999999", 0, 999999999999999999LL},
        {"12345678901234567", 2, 1234567890123456700LL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ok_err err;
        int64_t v = 77;
        memset(&err, 0, sizeof(err));
        if (money_parse(cases[i].in, strlen(cases[i].in), cases[i].scale, &v, &err) != 0)
            fail_msg("\"%s\" rejected: %s", cases[i].in, err.message);
        if (v != cases[i].minor)
            fail_msg("\"%s\" gave %lld, want %lld", cases[i].in, (long long)v,
                     (long long)cases[i].minor);
    }
}

struct bad {
    const char *in;
    int scale;
    const char *why;
};

static void test_parse_rejects_with_reason(void **state)
{
    static const struct bad cases[] = {
        {"", 0, "empty"},
        {"   ", 0, "empty"},
        {"abc", 0, "no number found"},
        {"¥", 0, "no number found"},
        {"-", 0, "no number found"},
        {"12.345", 2, "more than 2 decimals; amounts are never rounded"},
        {"1234.5", 0, "no decimals"},
        {"0.001", 2, "more than 2 decimals"},
        {"9223372036854775808", 0, "too large"},
        {"99999999999999999999999", 0, "too large"},
        {"92233720368547758.08", 2, "too large"},
        {"92233720368547759", 2, "too large"},
        {"1,23", 0, "in threes"},
        {"12,34,567", 0, "in threes"},
        {"1234,567", 0, "in threes"},
        {",123", 0, "in threes"},
        {"1,234.5,6", 2, "unexpected \",\""},
        {"500-", 0, "ambiguous"},
        {"1,000-", 0, "ambiguous"},
        {"(500", 0, "'(' without ')'"},
        {"500)", 0, "unexpected \")\""},
        {"-(500)", 0, "not both"},
        {"(-500)", 0, "not both"},
        {"12.", 2, "digits after the decimal point"},
        {"1.2.3", 2, "unexpected \".\""},
        {"1e5", 0, "unexpected \"e\""},
        {"12 34", 0, "unexpected \"3\""},
        {"1234円円", 0, "unexpected \"円\""},
        {"¥¥1", 0, "no number found"},
        {"--5", 0, "no number found"},
        {"五百", 0, "no number found"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ok_err err;
        int64_t v = 77;
        memset(&err, 0, sizeof(err));
        if (money_parse(cases[i].in, strlen(cases[i].in), cases[i].scale, &v, &err) == 0)
            fail_msg("\"%s\" accepted as %lld", cases[i].in, (long long)v);
        assert_int_equal(v, 77);
        assert_int_equal(err.code, OK_ERR_INVALID);
        if (!strstr(err.message, cases[i].why))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].in, err.message, cases[i].why);
        assert_non_null(strstr(err.message, "¥1,234")); /* an example of a valid form */
    }
}

static void test_currencies(void **state)
{
    const struct currency *c = currency_find("JPY");
    assert_non_null(c);
    assert_int_equal(c->scale, 0);
    assert_string_equal(c->symbol, "¥");
    assert_int_equal(currency_find("usd")->scale, 2);
    assert_int_equal(currency_find("EUR")->scale, 2);
    assert_int_equal(currency_find("GBP")->scale, 2);
    assert_int_equal(currency_find("KRW")->scale, 0);
    assert_null(currency_find("XXX"));
    assert_null(currency_find(""));
    assert_null(currency_find(NULL));
}

static void expect_format(int64_t v, const char *code, int flags, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "[");
    money_format(&b, v, code ? currency_find(code) : NULL, flags);
    buf_puts(&b, "]");
    if (strcmp(b.data + 1, want) != 0 || b.data[0] != '[')
        fail_msg("%lld %s %d: \"%s\", want \"%s]\"", (long long)v, code ? code : "-", flags, b.data,
                 want);
    buf_release(&b);
}

static void test_format(void **state)
{
    const int all = MONEY_FMT_GROUP | MONEY_FMT_SYMBOL;
    expect_format(1234, "JPY", all, "¥1,234]");
    expect_format(-500, "JPY", all, "-¥500]");
    expect_format(0, "JPY", all, "¥0]");
    expect_format(999, "JPY", all, "¥999]");
    expect_format(1000, "JPY", all, "¥1,000]");
    expect_format(1234567890, "JPY", all, "¥1,234,567,890]");
    expect_format(1234, "USD", all, "$12.34]");
    expect_format(-1, "USD", all, "-$0.01]");
    expect_format(123456789, "EUR", all, "€1,234,567.89]");
    expect_format(1234, "JPY", 0, "1234]");
    expect_format(-123456, "USD", 0, "-1234.56]");
    expect_format(5, "USD", 0, "0.05]");
    expect_format(123456, "USD", MONEY_FMT_GROUP, "1,234.56]");
    expect_format(1234, NULL, all, "1,234]");
    expect_format(INT64_MAX, "JPY", all, "¥9,223,372,036,854,775,807]");
    expect_format(INT64_MIN, "JPY", 0, "-9223372036854775808]");
    expect_format(INT64_MIN, "USD", all, "-$92,233,720,368,547,758.08]");
}

static void test_format_parse_round_trip(void **state)
{
    static const int64_t values[] = {0, 1, -1, 999, 1000, -123456789, 100000000000LL, INT64_MAX};
    const char *codes[] = {"JPY", "USD"};
    for (size_t c = 0; c < 2; c++) {
        const struct currency *cur = currency_find(codes[c]);
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            for (int flags = 0; flags < 4; flags++) {
                struct buf b;
                struct ok_err err;
                int64_t back = 0;
                buf_init(&b, 0);
                money_format(&b, values[i], cur, flags);
                if (money_parse(b.data, b.len, cur->scale, &back, &err) != 0)
                    fail_msg("\"%s\": %s", b.data, err.message);
                assert_int_equal(back, values[i]);
                buf_release(&b);
            }
        }
    }
}

static void test_arithmetic(void **state)
{
    struct ok_err err;
    int64_t v;
    assert_int_equal(money_mul(12, 255, &v, &err), 0);
    assert_int_equal(v, 3060);
    assert_int_equal(money_mul(-3, 1500, &v, &err), 0);
    assert_int_equal(v, -4500);
    assert_int_equal(money_mul(INT64_MAX / 2 + 1, 2, &v, &err), -1);
    assert_non_null(strstr(err.message, "overflow"));
    assert_int_equal(money_add(INT64_MAX, 1, &v, &err), -1);
    assert_int_equal(money_add(-5, 3, &v, &err), 0);
    assert_int_equal(v, -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_rejects_with_reason),
        cmocka_unit_test(test_currencies),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
