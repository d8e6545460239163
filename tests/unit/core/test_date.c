/* Tests for src/core/date.c: day arithmetic, the forgiving reader (ISO, slashes, 年月日, eras,
 * full-width, times), user formats, Excel serials and time zones. Expected day numbers were
 * computed independently with Python's datetime (date(y, m, d) - date(1970, 1, 1)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"

static int32_t ymd(int y, int m, int d)
{
    int32_t days = 0;
    assert_int_equal(date_from_ymd(y, m, d, &days), 0);
    return days;
}

static void test_known_day_numbers(void **state)
{
    static const struct {
        int y, m, d;
        int32_t days;
        int wday; /* 0 Sunday */
    } cases[] = {
        {1970, 1, 1, 0, 4},        {1969, 12, 31, -1, 3},    {2024, 1, 5, 19727, 5},
        {2019, 5, 1, 18017, 3},    {2019, 4, 30, 18016, 2},  {1989, 1, 8, 6947, 0},
        {1989, 1, 7, 6946, 6},     {1868, 1, 25, -37231, 6}, {1912, 7, 30, -20974, 2},
        {1926, 12, 25, -15713, 6}, {1, 1, 1, -719162, 1},    {9999, 12, 31, 2932896, 5},
        {1900, 1, 1, -25567, 1},   {1900, 3, 1, -25508, 4},  {2000, 2, 29, 11016, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int y, m, d;
        int32_t days = ymd(cases[i].y, cases[i].m, cases[i].d);
        assert_int_equal(days, cases[i].days);
        assert_int_equal(date_weekday(days), cases[i].wday);
        date_to_ymd(days, &y, &m, &d);
        assert_int_equal(y, cases[i].y);
        assert_int_equal(m, cases[i].m);
        assert_int_equal(d, cases[i].d);
    }
}

static void test_round_trip_every_day(void **state)
{
    /* Every day from 1868 to 2100 converts back to itself, one day apart. */
    int32_t first = ymd(1868, 1, 1), last = ymd(2100, 12, 31);
    for (int32_t days = first; days <= last; days++) {
        int y, m, d;
        int32_t back;
        date_to_ymd(days, &y, &m, &d);
        assert_int_equal(date_from_ymd(y, m, d, &back), 0);
        assert_int_equal(back, days);
    }
}

static void test_invalid_ymd(void **state)
{
    int32_t days = 12345;
    assert_int_equal(date_from_ymd(2023, 2, 29, &days), -1);
    assert_int_equal(date_from_ymd(1900, 2, 29, &days), -1);
    assert_int_equal(date_from_ymd(2024, 4, 31, &days), -1);
    assert_int_equal(date_from_ymd(2024, 13, 1, &days), -1);
    assert_int_equal(date_from_ymd(2024, 0, 1, &days), -1);
    assert_int_equal(date_from_ymd(2024, 1, 0, &days), -1);
    assert_int_equal(date_from_ymd(0, 1, 1, &days), -1);
    assert_int_equal(date_from_ymd(10000, 1, 1, &days), -1);
    assert_int_equal(days, 12345);
    assert_int_equal(date_from_ymd(2024, 2, 29, &days), 0);
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2100, 2), 28);
    assert_int_equal(date_days_in_month(2000, 2), 29);
}

static void test_add_months_clamps(void **state)
{
    assert_int_equal(date_add_months(ymd(2024, 1, 31), 1), ymd(2024, 2, 29));
    assert_int_equal(date_add_months(ymd(2023, 1, 31), 1), ymd(2023, 2, 28));
    assert_int_equal(date_add_months(ymd(2024, 3, 31), -1), ymd(2024, 2, 29));
    assert_int_equal(date_add_months(ymd(2024, 1, 15), 12), ymd(2025, 1, 15));
    assert_int_equal(date_add_months(ymd(2024, 1, 15), -13), ymd(2022, 12, 15));
    assert_int_equal(date_add_months(ymd(2024, 12, 31), 2), ymd(2025, 2, 28));
    assert_int_equal(date_add_months(ymd(2024, 5, 10), 0), ymd(2024, 5, 10));
}

static void test_iso_strict(void **state)
{
    int32_t days;
    char out[11];
    assert_int_equal(date_parse_iso("2024-01-05", 10, &days), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(date_parse_iso("2024-1-5", 8, &days), -1);
    assert_int_equal(date_parse_iso("2024/01/05", 10, &days), -1);
    assert_int_equal(date_parse_iso("2024-02-30", 10, &days), -1);
    assert_int_equal(date_parse_iso("2024-01-0x", 10, &days), -1);
    date_format_iso(19727, out);
    assert_string_equal(out, "2024-01-05");
    date_format_iso(-719162, out);
    assert_string_equal(out, "0001-01-01");
    date_format_iso(2932897, out); /* 10000-01-01 */
    assert_string_equal(out, "0000-00-00");
}

static void test_datetime_strict(void **state)
{
    int32_t days, secs;
    char out[20];
    assert_int_equal(date_parse_datetime("2024-01-05 13:45:10", 19, &days, &secs), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(secs, 13 * 3600 + 45 * 60 + 10);
    assert_int_equal(date_parse_datetime("2024-01-05", 10, &days, &secs), 0);
    assert_int_equal(secs, DATE_SECS_NONE);
    assert_int_equal(date_parse_datetime("2024-01-05 24:00:00", 19, &days, &secs), -1);
    assert_int_equal(date_parse_datetime("2024-01-05T13:45:10", 19, &days, &secs), -1);
    date_format_datetime(19727, 9 * 3600 + 5 * 60, out);
    assert_string_equal(out, "2024-01-05 09:05:00");
    date_format_datetime(19727, DATE_SECS_NONE, out);
    assert_string_equal(out, "2024-01-05 00:00:00");
}

struct good {
    const char *in;
    int y, m, d;
    int32_t secs;
};

static void test_parse_accepts(void **state)
{
    static const struct good cases[] = {
        {"2024-01-05", 2024, 1, 5, -1},
        {"2024/1/5", 2024, 1, 5, -1},
        {"2024/01/05", 2024, 1, 5, -1},
        {"2024.1.5", 2024, 1, 5, -1},
        {"2024-1-5", 2024, 1, 5, -1},
        {"20240105", 2024, 1, 5, -1},
        {"2024年1月5日", 2024, 1, 5, -1},
        {"2024年 1月 5日", 2024, 1, 5, -1},
        {"2024 年 1 月 5 日", 2024, 1, 5, -1},
        {"令和 6 年 1 月 5 日 13 時 45 分", 2024, 1, 5, 13 * 3600 + 45 * 60},
        {"2024年01月05日", 2024, 1, 5, -1},
        {"令和6年1月5日", 2024, 1, 5, -1},
        {"令和 6年1月5日", 2024, 1, 5, -1},
        {"令和元年5月1日", 2019, 5, 1, -1},
        {"平成31年4月30日", 2019, 4, 30, -1},
        {"平成元年1月8日", 1989, 1, 8, -1},
        {"昭和64年1月7日", 1989, 1, 7, -1},
        {"昭和元年12月25日", 1926, 12, 25, -1},
        {"大正15年12月24日", 1926, 12, 24, -1},
        {"大正元年7月30日", 1912, 7, 30, -1},
        {"明治45年7月29日", 1912, 7, 29, -1},
        {"明治元年1月25日", 1868, 1, 25, -1},
        {"R6.1.5", 2024, 1, 5, -1},
        {"r6.1.5", 2024, 1, 5, -1},
        {"R06.01.05", 2024, 1, 5, -1},
        {"H31/4/30", 2019, 4, 30, -1},
        {"S64.1.7", 1989, 1, 7, -1},
        {"T15.12.24", 1926, 12, 24, -1},
        {"M45.7.29", 1912, 7, 29, -1},
        {"R元.5.1", 2019, 5, 1, -1},
        {"Ｒ６．１．５", 2024, 1, 5, -1},
        {"平31.4.30", 2019, 4, 30, -1},
        {"㋿6年1月5日", 2024, 1, 5, -1},
        {"２０２４／１／５", 2024, 1, 5, -1},
        {"２０２４－０１－０５", 2024, 1, 5, -1},
        {"令和６年１月５日", 2024, 1, 5, -1},
        {"  2024-01-05  ", 2024, 1, 5, -1},
        {"\xE3\x80\x80"
         "2024/1/5"
         "\xE3\x80\x80",
         2024, 1, 5, -1},
        {"2024年1月5日(金)", 2024, 1, 5, -1},
        {"2024年1月5日（金曜日）", 2024, 1, 5, -1},
        {"2024/1/5 (Fri)", 2024, 1, 5, -1},
        {"2024-01-05 13:45", 2024, 1, 5, 13 * 3600 + 45 * 60},
        {"2024-01-05T13:45:10", 2024, 1, 5, 13 * 3600 + 45 * 60 + 10},
        {"2024-01-05 13:45:10", 2024, 1, 5, 13 * 3600 + 45 * 60 + 10},
        {"2024-01-05T13:45:10.250", 2024, 1, 5, 13 * 3600 + 45 * 60 + 10},
        {"2024/1/5 9:05:00", 2024, 1, 5, 9 * 3600 + 5 * 60},
        {"2024/1/5 0:00", 2024, 1, 5, 0},
        {"2024/1/5 23:59:59", 2024, 1, 5, 86399},
        {"2024年1月5日 13時45分", 2024, 1, 5, 13 * 3600 + 45 * 60},
        {"2024年1月5日 13時45分10秒", 2024, 1, 5, 13 * 3600 + 45 * 60 + 10},
        {"2024年1月5日 9時", 2024, 1, 5, 9 * 3600},
        {"2024/1/5 午後1:45", 2024, 1, 5, 13 * 3600 + 45 * 60},
        {"2024/1/5 午前0:30", 2024, 1, 5, 30 * 60},
        {"2024/1/5 1:45 PM", 2024, 1, 5, 13 * 3600 + 45 * 60},
        {"2024/1/5 12:10 am", 2024, 1, 5, 10 * 60},
        {"2024/1/5 12:10 PM", 2024, 1, 5, 12 * 3600 + 10 * 60},
        {"20240105 0930", 0, 0, 0, 0}, /* must fail: the time needs a colon */
        {"令和6年1月5日(金) 10:00", 2024, 1, 5, 10 * 3600},
        {"１３：４５", 0, 0, 0, 0}, /* must fail: no date */
        {"2024-02-29", 2024, 2, 29, -1},
        {"0001-01-01", 1, 1, 1, -1},
        {"9999/12/31", 9999, 12, 31, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ok_err err;
        int32_t days = 0, secs = 7;
        int rc;
        memset(&err, 0, sizeof(err));
        rc = date_parse(cases[i].in, strlen(cases[i].in), &days, &secs, &err);
        if (cases[i].y == 0) {
            if (rc == 0)
                fail_msg("\"%s\" should be rejected", cases[i].in);
            continue;
        }
        if (rc != 0)
            fail_msg("\"%s\" rejected: %s", cases[i].in, err.message);
        if (days != ymd(cases[i].y, cases[i].m, cases[i].d) || secs != cases[i].secs)
            fail_msg("\"%s\" gave days %d secs %d", cases[i].in, (int)days, (int)secs);
    }
}

static void test_parse_secs_may_be_null(void **state)
{
    int32_t days;
    assert_int_equal(date_parse("2024/1/5 10:00", 14, &days, NULL, NULL), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(date_parse("2024-01-05", 10, &days, NULL, NULL), 0);
}

struct bad {
    const char *in;
    const char *why; /* a fragment the message must contain */
};

static void test_parse_rejects_with_reason(void **state)
{
    static const struct bad cases[] = {
        {"", "empty"},
        {"   ", "empty"},
        {"abc", "unexpected word \"abc\""},
        {"2023-02-29", "2023 is not a leap year"},
        {"2024-13-01", "month 13 does not exist"},
        {"2024-04-31", "day 31 does not exist in 2024-04 (it has 30 days)"},
        {"2024/00/10", "month 0 does not exist"},
        {"2024-01-00", "day 0 does not exist"},
        {"24/1/5", "four digits"},
        {"1/5/2024", "ambiguous"},
        {"05/01/2024", "--date-format"},
        {"2024/1-5", "do not mix separators"},
        {"2024/1", "after the month"},
        {"2024年1月", "expected the day after 月"},
        {"2024年1月5", "expected the day after 月"},
        {"平成31年5月1日", "平成 ended on 2019-04-30; 2019-05-01 is 令和元年5月1日"},
        {"平成32年1月1日", "平成 ended on 2019-04-30; 2020-01-01 is 令和2年1月1日"},
        {"H32.1.1", "平成 ended on 2019-04-30"},
        {"昭和64年1月8日", "昭和 ended on 1989-01-07; 1989-01-08 is 平成元年1月8日"},
        {"令和元年4月30日", "令和 began on 2019-05-01; 2019-04-30 is 平成31年4月30日"},
        {"平成0年1月1日", "first year is 平成元年"},
        {"明治元年1月1日", "明治 began on 1868-01-25"},
        {"令和6年2月30日", "does not exist"},
        {"令和", "must be followed by the year"},
        {"R.6.1.5", "must be followed by the year"},
        {"2024年1月5日(月)", "the date is a Friday (金), not 月"},
        {"2024年1月5日(祝)", "not a day of the week"},
        {"2024-01-05 25:00", "25:00:00 does not exist"},
        {"2024-01-05 13:60", "does not exist"},
        {"2024-01-05 13:5", "two-digit minutes"},
        {"2024-01-05 13", "expected ':' or 時"},
        {"2024-01-05T13:45Z", "time zones are not accepted"},
        {"2024-01-05T13:45+09:00", "unexpected character \"+\""},
        {"2024-01-05 午後13:00", "cannot be used with 午前/午後"},
        {"2024-01-05 13:45 extra", "unexpected word"},
        {"2024-01-05 13:45 5", "unexpected text after the time"},
        {"2024-01-05x", "unexpected"},
        {"\xff\xfe", "not valid UTF-8"},
        {"10000-01-01", "four digits"},
        {"2024/1/5/6", "unexpected text after the date"},
        {"1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20", "too long"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ok_err err;
        int32_t days = 4242, secs;
        memset(&err, 0, sizeof(err));
        if (date_parse(cases[i].in, strlen(cases[i].in), &days, &secs, &err) == 0)
            fail_msg("\"%s\" accepted as %d", cases[i].in, (int)days);
        assert_int_equal(err.code, OK_ERR_INVALID);
        if (!strstr(err.message, cases[i].why))
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", cases[i].in, err.message, cases[i].why);
        /* Every message shows a valid form. */
        assert_non_null(strstr(err.message, "2024-01-05"));
        assert_non_null(strstr(err.message, "令和6年1月5日"));
    }
}

static void test_parse_long_input_is_quoted_short(void **state)
{
    char in[300];
    struct ok_err err;
    int32_t days;
    memset(in, 'x', sizeof(in) - 1);
    in[sizeof(in) - 1] = '\0';
    assert_int_equal(date_parse(in, strlen(in), &days, NULL, &err), -1);
    assert_non_null(strstr(err.message, "...\""));
    assert_true(strlen(err.message) < sizeof(err.message) - 1);
}

static void test_parse_with_format(void **state)
{
    struct ok_err err;
    int32_t days, secs;
    assert_int_equal(date_parse_with_format("05/01/2024", 10, "%d/%m/%Y", &days, &secs, &err), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(secs, DATE_SECS_NONE);
    assert_int_equal(date_parse_with_format("1/5/2024", 8, "%m/%d/%Y", &days, &secs, &err), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(
        date_parse_with_format("1/5/2024 13:45", 14, "%m/%d/%Y %H:%M", &days, &secs, &err), 0);
    assert_int_equal(secs, 13 * 3600 + 45 * 60);
    assert_int_equal(date_parse_with_format("１/５/２０２４", strlen("１/５/２０２４"), "%m/%d/%Y",
                                            &days, &secs, &err),
                     0);
    assert_int_equal(days, 19727);
    assert_int_equal(date_parse_with_format("2024年1月5日", strlen("2024年1月5日"), "%Y年%m月%d日",
                                            &days, &secs, &err),
                     0);
    assert_int_equal(days, 19727);
    assert_int_equal(
        date_parse_with_format("05.01.2024 10:11:12", 19, "%d.%m.%Y %H:%M:%S", &days, &secs, &err),
        0);
    assert_int_equal(secs, 10 * 3600 + 11 * 60 + 12);

    assert_int_equal(date_parse_with_format("31/02/2024", 10, "%d/%m/%Y", &days, &secs, &err), -1);
    assert_non_null(strstr(err.message, "day 31 does not exist in 2024-02"));
    assert_int_equal(date_parse_with_format("2024-01-05", 10, "%d/%m/%Y", &days, &secs, &err), -1);
    assert_non_null(strstr(err.message, "does not match the format \"%d/%m/%Y\""));
    assert_int_equal(date_parse_with_format("05/01/2024x", 11, "%d/%m/%Y", &days, &secs, &err), -1);
    assert_non_null(strstr(err.message, "unexpected text after"));
    assert_int_equal(date_parse_with_format("05/01/24", 8, "%d/%m/%y", &days, &secs, &err), -1);
    assert_int_equal(err.code, OK_ERR_USAGE);
    assert_non_null(strstr(err.message, "%y is not supported"));
    assert_int_equal(date_parse_with_format("05/01", 5, "%d/%m", &days, &secs, &err), -1);
    assert_int_equal(err.code, OK_ERR_USAGE);
    assert_non_null(strstr(err.message, "must contain %Y"));
}

static void test_excel_serials(void **state)
{
    int32_t days, secs;
    /* 1900 system, ECMA-376: 1 = 1900-01-01, 59 = 1900-02-28, 60 = the fictitious 02-29,
     * 61 = 1900-03-01, 45296 = 2024-01-05. */
    assert_int_equal(date_from_excel_serial(1, 0, &days, &secs), 0);
    assert_int_equal(days, ymd(1900, 1, 1));
    assert_int_equal(secs, DATE_SECS_NONE);
    assert_int_equal(date_from_excel_serial(59, 0, &days, &secs), 0);
    assert_int_equal(days, ymd(1900, 2, 28));
    assert_int_equal(date_from_excel_serial(60, 0, &days, &secs), -1);
    assert_int_equal(date_from_excel_serial(61, 0, &days, &secs), 0);
    assert_int_equal(days, ymd(1900, 3, 1));
    assert_int_equal(date_from_excel_serial(25569, 0, &days, &secs), 0);
    assert_int_equal(days, 0);
    assert_int_equal(date_from_excel_serial(45296, 0, &days, &secs), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(date_from_excel_serial(45296.5729166667, 0, &days, &secs), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(secs, 13 * 3600 + 45 * 60);
    /* 23:59:59.9 rounds to the next midnight. */
    assert_int_equal(date_from_excel_serial(45296.0 + 86399.9 / 86400.0, 0, &days, &secs), 0);
    assert_int_equal(days, 19728);
    assert_int_equal(secs, 0);
    assert_int_equal(date_from_excel_serial(2958465, 0, &days, &secs), 0);
    assert_int_equal(days, ymd(9999, 12, 31));
    assert_int_equal(date_from_excel_serial(2958466, 0, &days, &secs), -1);
    assert_int_equal(date_from_excel_serial(0, 0, &days, &secs), -1);
    assert_int_equal(date_from_excel_serial(-5, 0, &days, &secs), -1);
    assert_int_equal(date_from_excel_serial(0.0 / 0.0, 0, &days, &secs), -1);
    /* 1904 system: 0 = 1904-01-01, 2024-01-05 = 45296 - 1462. */
    assert_int_equal(date_from_excel_serial(0, 1, &days, &secs), 0);
    assert_int_equal(days, ymd(1904, 1, 1));
    assert_int_equal(date_from_excel_serial(43834, 1, &days, NULL), 0);
    assert_int_equal(days, 19727);
    assert_int_equal(date_from_excel_serial(-1, 1, &days, &secs), -1);
}

static void test_era_format(void **state)
{
    char out[64];
    date_format_era(19727, out, sizeof(out));
    assert_string_equal(out, "令和6年1月5日");
    date_format_era(ymd(2019, 5, 1), out, sizeof(out));
    assert_string_equal(out, "令和元年5月1日");
    date_format_era(ymd(2019, 4, 30), out, sizeof(out));
    assert_string_equal(out, "平成31年4月30日");
    date_format_era(ymd(1989, 1, 7), out, sizeof(out));
    assert_string_equal(out, "昭和64年1月7日");
    date_format_era(ymd(1868, 1, 24), out, sizeof(out));
    assert_string_equal(out, "1868年1月24日");
    date_format_era(19727, out, 8); /* truncated, still terminated */
    assert_int_equal(strlen(out), 7);
}

static void test_unix_conversions(void **state)
{
    int32_t days, secs;
    assert_int_equal(date_to_unix(19727, 0, 0), 1704412800);
    assert_int_equal(date_to_unix(19727, 9 * 3600, 9 * 3600), 1704412800);
    date_from_unix(1704412800, 0, &days, &secs);
    assert_int_equal(days, 19727);
    assert_int_equal(secs, 0);
    /* 2024-01-04 15:00 UTC is already 2024-01-05 00:00 in Tokyo. */
    date_from_unix(1704412800 - 9 * 3600, 9 * 3600, &days, &secs);
    assert_int_equal(days, 19727);
    assert_int_equal(secs, 0);
    date_from_unix(-1, 0, &days, &secs);
    assert_int_equal(days, -1);
    assert_int_equal(secs, 86399);
    assert_true(date_now_unix() > 1700000000);
}

static void test_time_zones(void **state)
{
    /* Offsets checked against Python's zoneinfo. 1710054000 is 2024-03-10 07:00 UTC, the start
     * of US summer time; 2100 is past the zone files' transition tables (POSIX footer). */
    static const struct {
        const char *zone;
        int64_t t;
        int32_t off;
    } cases[] = {
        {"Asia/Tokyo", 1720000000, 32400},
        {"Asia/Tokyo", -700000000, 32400},
        {NULL, 1720000000, 32400},
        {"", 1705000000, 32400},
        {"UTC", 1720000000, 0},
        {"America/New_York", 1720000000, -14400},
        {"America/New_York", 1705000000, -18000},
        {"America/New_York", 1710054000, -14400},
        {"America/New_York", 1710053999, -18000},
        {"America/New_York", 4102444800, -18000},
        {"America/New_York", 4118083200, -14400},
        {"Europe/London", 1711846800, 3600},
        {"Europe/London", 1711846799, 0},
        {"Australia/Sydney", 1712419200, 36000},
        {"Australia/Sydney", 1712419199, 39600},
        {"Asia/Kolkata", 1720000000, 19800},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ok_err err;
        int32_t off = 12345;
        if (date_tz_offset(cases[i].zone, cases[i].t, &off, &err) != 0)
            fail_msg("%s: %s", cases[i].zone ? cases[i].zone : "(null)", err.message);
        if (off != cases[i].off)
            fail_msg("%s at %lld: %d, want %d", cases[i].zone ? cases[i].zone : "(null)",
                     (long long)cases[i].t, (int)off, (int)cases[i].off);
    }
}

static void test_time_zone_errors(void **state)
{
    struct ok_err err;
    int32_t off;
    assert_int_equal(date_tz_offset("Mars/Olympus", 0, &off, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "Mars/Olympus"));
    assert_int_equal(date_tz_offset("../../etc/passwd", 0, &off, &err), -1);
    assert_int_equal(err.code, OK_ERR_INVALID);
    assert_int_equal(date_tz_offset("/etc/passwd", 0, &off, &err), -1);
    assert_int_equal(date_tz_offset("Asia/Tokyo; rm", 0, &off, &err), -1);
}

struct zone_case {
    const char *zone;
    int64_t t;
    int32_t off;
};

/* 20 more zones (more than the cache holds) in mid-2024 and in 2100, past the zone files'
 * transition tables, where the POSIX footer rules apply: <+1245> names, /24 and /2:45 change
 * times, southern summers. Values from Python's zoneinfo. */
static const struct zone_case many_zones[] = {
    {"Europe/Paris", 1720000000, 7200},          {"Europe/Berlin", 1720000000, 7200},
    {"Europe/Moscow", 1720000000, 10800},        {"Asia/Shanghai", 1720000000, 28800},
    {"Asia/Seoul", 1720000000, 32400},           {"Asia/Singapore", 1720000000, 28800},
    {"Asia/Kathmandu", 1720000000, 20700},       {"Asia/Tehran", 1720000000, 12600},
    {"Africa/Cairo", 1720000000, 10800},         {"Africa/Johannesburg", 1720000000, 7200},
    {"America/Chicago", 1720000000, -18000},     {"America/Denver", 1720000000, -21600},
    {"America/Los_Angeles", 1720000000, -25200}, {"America/Phoenix", 1720000000, -25200},
    {"America/St_Johns", 1720000000, -9000},     {"Pacific/Auckland", 1720000000, 43200},
    {"Pacific/Chatham", 1720000000, 45900},      {"Pacific/Honolulu", 1720000000, -36000},
    {"Atlantic/Azores", 1720000000, 0},          {"America/Santiago", 1720000000, -14400},
    {"Europe/Paris", 4119724800, 7200},          {"Africa/Cairo", 4119724800, 10800},
    {"America/St_Johns", 4119724800, -9000},     {"Pacific/Auckland", 4119724800, 43200},
    {"Pacific/Chatham", 4119724800, 45900},      {"Atlantic/Azores", 4119724800, 0},
    {"America/Santiago", 4119724800, -14400},    {"America/Los_Angeles", 4119724800, -25200},
};

static void check_zones(const struct zone_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ok_err err;
        int32_t off = 12345;
        if (date_tz_offset(cases[i].zone, cases[i].t, &off, &err) != 0)
            fail_msg("%s: %s", cases[i].zone, err.message);
        if (off != cases[i].off)
            fail_msg("%s at %lld: %d, want %d", cases[i].zone, (long long)cases[i].t, (int)off,
                     (int)cases[i].off);
    }
}

static void test_many_time_zones(void **state)
{
    check_zones(many_zones, sizeof(many_zones) / sizeof(many_zones[0]));
}

/* Counts wrong answers (cmocka's assertions must stay on the main thread). */
static void *zones_thread(void *arg)
{
    long *bad = arg;
    for (int k = 0; k < 20; k++)
        for (size_t i = 0; i < sizeof(many_zones) / sizeof(many_zones[0]); i++) {
            int32_t off = 12345;
            if (date_tz_offset(many_zones[i].zone, many_zones[i].t, &off, NULL) != 0 ||
                off != many_zones[i].off)
                (*bad)++;
        }
    return NULL;
}

static void test_time_zones_from_threads(void **state)
{
    pthread_t th[4];
    long bad[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, zones_thread, &bad[i]), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(bad[i], 0);
    }
}

static void test_today(void **state)
{
    int32_t now_days, secs, tokyo = date_today("Asia/Tokyo");
    date_from_unix(date_now_unix(), 9 * 3600, &now_days, &secs);
    /* Equal unless the test straddles midnight. */
    assert_true(tokyo == now_days || tokyo + 1 == now_days);
    assert_int_equal(date_today(NULL), date_today("Asia/Tokyo"));
    date_from_unix(date_now_unix(), 0, &now_days, &secs);
    assert_true(date_today("UTC") == now_days || date_today("UTC") + 1 == now_days);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_day_numbers),
        cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_invalid_ymd),
        cmocka_unit_test(test_add_months_clamps),
        cmocka_unit_test(test_iso_strict),
        cmocka_unit_test(test_datetime_strict),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_secs_may_be_null),
        cmocka_unit_test(test_parse_rejects_with_reason),
        cmocka_unit_test(test_parse_long_input_is_quoted_short),
        cmocka_unit_test(test_parse_with_format),
        cmocka_unit_test(test_excel_serials),
        cmocka_unit_test(test_era_format),
        cmocka_unit_test(test_unix_conversions),
        cmocka_unit_test(test_time_zones),
        cmocka_unit_test(test_time_zone_errors),
        cmocka_unit_test(test_many_time_zones),
        cmocka_unit_test(test_time_zones_from_threads),
        cmocka_unit_test(test_today),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
