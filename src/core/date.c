/*
 * date.c - day arithmetic, the forgiving date reader, Excel serials and time zones.
 *
 * date_parse first tries the storage form with a few byte compares (the common case in imports),
 * then tokenises the input (digits, separators, 年月日, era names, weekday in parentheses, time
 * marks) into a small array on the stack and reads the tokens with a tiny grammar, so that the
 * error can say exactly which part is wrong.
 */
#include "core/date.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/text.h"
#include "core/banned.h"

#define EXAMPLES "write it like 2024-01-05, 2024/1/5, 2024年1月5日 or 令和6年1月5日"

/* Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil and
 * civil_from_days (http://howardhinnant.github.io/date_algorithms.html). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int date_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
    static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && date_is_leap(y) ? 29 : mdays[m - 1];
}

int date_from_ymd(int y, int m, int d, int32_t *days)
{
    if (y < DATE_MIN_YEAR || y > DATE_MAX_YEAR || d < 1 || d > date_days_in_month(y, m))
        return -1;
    *days = (int32_t)days_from_civil(y, m, d);
    return 0;
}

void date_to_ymd(int32_t days, int *y, int *m, int *d)
{
    int64_t yy;
    civil_from_days(days, &yy, m, d);
    *y = (int)yy;
}

int date_weekday(int32_t days)
{
    /* 1970-01-01 was a Thursday. */
    int64_t w = ((int64_t)days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int32_t date_add_months(int32_t days, int months)
{
    int y, m, d, dim;
    int64_t t;
    date_to_ymd(days, &y, &m, &d);
    t = (int64_t)y * 12 + (m - 1) + months;
    y = (int)(t >= 0 ? t / 12 : (t - 11) / 12);
    m = (int)(t - (int64_t)y * 12) + 1;
    dim = date_days_in_month(y, m);
    if (d > dim)
        d = dim;
    return (int32_t)days_from_civil(y, m, d);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int digits2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

int date_parse_iso(const char *s, size_t n, int32_t *days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-' || !is_digit(s[0]) || !is_digit(s[1]) ||
        !is_digit(s[2]) || !is_digit(s[3]) || !is_digit(s[5]) || !is_digit(s[6]) ||
        !is_digit(s[8]) || !is_digit(s[9]))
        return -1;
    return date_from_ymd(digits2(s) * 100 + digits2(s + 2), digits2(s + 5), digits2(s + 8), days);
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void date_format_iso(int32_t days, char out[11])
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    if (y < DATE_MIN_YEAR || y > DATE_MAX_YEAR) {
        memcpy(out, "0000-00-00", 11);
        return;
    }
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = '\0';
}

void date_format_datetime(int32_t days, int32_t secs, char out[20])
{
    if (secs < 0 || secs >= 86400)
        secs = 0;
    date_format_iso(days, out);
    out[10] = ' ';
    put2(out + 11, secs / 3600);
    out[13] = ':';
    put2(out + 14, secs / 60 % 60);
    out[16] = ':';
    put2(out + 17, secs % 60);
    out[19] = '\0';
}

/* "HH:MM:SS" at p (8 bytes) -> seconds, or -1. */
static int32_t parse_hms8(const char *p)
{
    int h, mi, se;
    if (p[2] != ':' || p[5] != ':' || !is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[3]) ||
        !is_digit(p[4]) || !is_digit(p[6]) || !is_digit(p[7]))
        return -1;
    h = digits2(p);
    mi = digits2(p + 3);
    se = digits2(p + 6);
    if (h > 23 || mi > 59 || se > 59)
        return -1;
    return h * 3600 + mi * 60 + se;
}

int date_parse_datetime(const char *s, size_t n, int32_t *days, int32_t *secs)
{
    int32_t t;
    if (n == 10) {
        if (date_parse_iso(s, n, days) < 0)
            return -1;
        *secs = DATE_SECS_NONE;
        return 0;
    }
    if (n != 19 || s[10] != ' ' || (t = parse_hms8(s + 11)) < 0 || date_parse_iso(s, 10, days) < 0)
        return -1;
    *secs = t;
    return 0;
}

int64_t date_to_unix(int32_t days, int32_t secs, int32_t offset_secs)
{
    return (int64_t)days * 86400 + (secs > 0 ? secs : 0) - offset_secs;
}

void date_from_unix(int64_t t, int32_t offset_secs, int32_t *days, int32_t *secs)
{
    int64_t l = t + offset_secs;
    int64_t d = l >= 0 ? l / 86400 : (l - 86399) / 86400;
    *days = (int32_t)d;
    *secs = (int32_t)(l - d * 86400);
}

int64_t date_now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

/* ---- Japanese eras ---- */

struct era {
    const char *name;
    char abbr;
    int y, m, d; /* first day */
};

static const struct era eras[] = {
    {"明治", 'M', 1868, 1, 25}, {"大正", 'T', 1912, 7, 30}, {"昭和", 'S', 1926, 12, 25},
    {"平成", 'H', 1989, 1, 8},  {"令和", 'R', 2019, 5, 1},
};
#define N_ERAS ((int)(sizeof(eras) / sizeof(eras[0])))

static int32_t era_start(int e)
{
    return (int32_t)days_from_civil(eras[e].y, eras[e].m, eras[e].d);
}

/* The era in force on days, or -1 before 明治. */
static int era_of(int32_t days)
{
    for (int e = N_ERAS - 1; e >= 0; e--)
        if (days >= era_start(e))
            return e;
    return -1;
}

void date_format_era(int32_t days, char *out, size_t size)
{
    int y, m, d, e = era_of(days);
    if (size == 0)
        return;
    date_to_ymd(days, &y, &m, &d);
    if (e < 0) {
        snprintf(out, size, "%d年%d月%d日", y, m, d);
        return;
    }
    y = y - eras[e].y + 1;
    if (y == 1)
        snprintf(out, size, "%s元年%d月%d日", eras[e].name, m, d);
    else
        snprintf(out, size, "%s%d年%d月%d日", eras[e].name, y, m, d);
}

/* ---- the forgiving reader ---- */

enum tok_type {
    T_END,
    T_NUM, /* val, ndig */
    T_SEP, /* val: '/', '-' or '.' */
    T_COLON,
    T_SPACE,
    T_LETTER, /* val: upper-case ASCII letter */
    T_ERA,    /* val: index into eras */
    T_GAN,    /* 元 (first year of an era) */
    T_NEN,    /* 年 */
    T_TSUKI,  /* 月 */
    T_HI,     /* 日 */
    T_JI,     /* 時 */
    T_FUN,    /* 分 */
    T_BYO,    /* 秒 */
    T_AMPM,   /* val: 0 a.m., 1 p.m. */
    T_WDAY    /* val: 0 Sunday .. 6 Saturday */
};

struct tok {
    unsigned char type;
    unsigned char ndig;
    int32_t val;
};

#define MAX_TOKS 32

struct reader {
    const char *s;
    size_t n;
    struct ok_err *err;
};

static const char *const wday_kanji[] = {"日", "月", "火", "水", "木", "金", "土"};
static const char *const wday_en[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};

static int fail(const struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct reader *r, const char *fmt, ...)
{
    char detail[256];
    size_t shown = r->n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (shown > 60) {
        shown = 60;
        while (shown > 0 && ((unsigned char)r->s[shown] & 0xC0) == 0x80)
            shown--;
    }
    return ok_err_set(r->err, OK_ERR_INVALID, "invalid date \"%.*s%s\": %s; " EXAMPLES, (int)shown,
                      r->s, shown < r->n ? "..." : "", detail);
}

/* Matches a UTF-8 literal at s[*i]; advances on success. */
static int match_lit(const char *s, size_t n, size_t *i, const char *lit)
{
    size_t l = strlen(lit);
    if (n - *i >= l && memcmp(s + *i, lit, l) == 0) {
        *i += l;
        return 1;
    }
    return 0;
}

static int32_t peek_cp(const char *s, size_t n, size_t i)
{
    return i < n ? text_fullwidth_to_ascii(text_utf8_next(s, n, &i)) : -1;
}

/* Reads a weekday in parentheses after '(' has been consumed: 金, 金曜, 金曜日, Fri, Friday. */
static int lex_weekday(const struct reader *r, size_t *i, int32_t *w)
{
    const char *s = r->s;
    size_t n = r->n;
    int found = -1;
    while (peek_cp(s, n, *i) == ' ')
        text_utf8_next(s, n, i);
    for (int k = 0; k < 7 && found < 0; k++) {
        if (match_lit(s, n, i, wday_kanji[k])) {
            found = k;
            if (match_lit(s, n, i, "曜"))
                match_lit(s, n, i, "日");
        }
    }
    if (found < 0) {
        size_t st = *i, len;
        while (*i < n && ((s[*i] | 0x20) >= 'a' && (s[*i] | 0x20) <= 'z'))
            (*i)++;
        len = *i - st;
        for (int k = 0; k < 7 && found < 0 && len >= 3; k++)
            if (strncasecmp(s + st, wday_en[k], 3) == 0)
                found = k;
    }
    while (peek_cp(s, n, *i) == ' ')
        text_utf8_next(s, n, i);
    if (found < 0 || peek_cp(s, n, *i) != ')')
        return fail(r, "what is in parentheses is not a day of the week such as (金) or (Fri)");
    text_utf8_next(s, n, i);
    *w = found;
    return 0;
}

/* Reads the kanji tokens: era names (明治 or 明, ㍾ ...), 元, 年月日, 時分秒, 午前/午後. The
 * second character of a two-character name is consumed when present. Leaves tk->type T_END for
 * anything else. */
static void lex_kanji(int32_t cp, const char *s, size_t n, size_t *i, struct tok *tk)
{
    static const struct {
        int32_t first, second;
        unsigned char type;
        int val;
    } kw[] = {
        {0x660E, 0x6CBB, T_ERA, 0}, /* 明治 */
        {0x5927, 0x6B63, T_ERA, 1}, /* 大正 */
        {0x662D, 0x548C, T_ERA, 2}, /* 昭和 */
        {0x5E73, 0x6210, T_ERA, 3}, /* 平成 */
        {0x4EE4, 0x548C, T_ERA, 4}, /* 令和 */
        {0x337E, 0, T_ERA, 0},      /* ㍾ */
        {0x337D, 0, T_ERA, 1},      /* ㍽ */
        {0x337C, 0, T_ERA, 2},      /* ㍼ */
        {0x337B, 0, T_ERA, 3},      /* ㍻ */
        {0x32FF, 0, T_ERA, 4},      /* ㋿ */
        {0x5143, 0, T_GAN, 0},      /* 元 */
        {0x5E74, 0, T_NEN, 0},      /* 年 */
        {0x6708, 0, T_TSUKI, 0},    /* 月 */
        {0x65E5, 0, T_HI, 0},       /* 日 */
        {0x6642, 0, T_JI, 0},       /* 時 */
        {0x5206, 0, T_FUN, 0},      /* 分 */
        {0x79D2, 0, T_BYO, 0},      /* 秒 */
    };
    for (size_t q = 0; q < sizeof(kw) / sizeof(kw[0]); q++) {
        if (kw[q].first != cp)
            continue;
        tk->type = kw[q].type;
        tk->val = kw[q].val;
        if (kw[q].second && *i < n) {
            size_t j = *i;
            if (text_utf8_next(s, n, &j) == kw[q].second)
                *i = j;
        }
        return;
    }
    if (cp == 0x5348 && *i < n) { /* 午前 / 午後 */
        size_t j = *i;
        int32_t c2 = text_utf8_next(s, n, &j);
        if (c2 == 0x524D || c2 == 0x5F8C) {
            tk->type = T_AMPM;
            tk->val = c2 == 0x5F8C;
            *i = j;
        }
    }
}

static int lex(const struct reader *r, struct tok *t, int *nt)
{
    const char *s = r->s;
    size_t n = r->n, i = 0;
    int k = 0;

    while (i < n) {
        size_t at = i;
        int32_t raw = text_utf8_next(s, n, &i);
        int32_t cp = text_fullwidth_to_ascii(raw);
        struct tok tk = {T_END, 0, 0};

        if (k >= MAX_TOKS - 1)
            return fail(r, "it is too long");
        if (raw < 0)
            return fail(r, "it is not valid UTF-8 text");
        if (cp >= '0' && cp <= '9') {
            int64_t v = cp - '0';
            int nd = 1;
            for (;;) {
                size_t j = i;
                int32_t c2 = i < n ? text_fullwidth_to_ascii(text_utf8_next(s, n, &j)) : -1;
                if (c2 < '0' || c2 > '9')
                    break;
                if (v < 100000000)
                    v = v * 10 + (c2 - '0');
                nd++;
                i = j;
            }
            tk.type = T_NUM;
            tk.val = (int32_t)v;
            tk.ndig = (unsigned char)(nd > 99 ? 99 : nd);
        } else if (cp == ' ' || cp == '\t') {
            if (k > 0 && t[k - 1].type == T_SPACE)
                continue;
            tk.type = T_SPACE;
        } else if (cp == '/' || cp == '.' || text_is_dash(cp)) {
            tk.type = T_SEP;
            tk.val = cp == '/' || cp == '.' ? cp : '-';
        } else if (cp == ':') {
            tk.type = T_COLON;
        } else if (cp == '(') {
            tk.type = T_WDAY;
            if (lex_weekday(r, &i, &tk.val) < 0)
                return -1;
        } else if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') {
            char w[3] = {(char)(cp & ~0x20), 0, 0};
            int len = 1;
            for (;;) {
                size_t j = i;
                int32_t c2 = i < n ? text_fullwidth_to_ascii(text_utf8_next(s, n, &j)) : -1;
                if (c2 < 0 || (c2 | 0x20) < 'a' || (c2 | 0x20) > 'z')
                    break;
                if (len < 2)
                    w[len] = (char)(c2 & ~0x20);
                len++;
                i = j;
            }
            if (len == 1 && w[0] == 'Z') {
                return fail(r, "time zones are not accepted; give the local time");
            } else if (len == 1) {
                tk.type = T_LETTER;
                tk.val = w[0];
            } else if (len == 2 && (w[0] == 'A' || w[0] == 'P') && w[1] == 'M') {
                tk.type = T_AMPM;
                tk.val = w[0] == 'P';
            } else {
                return fail(r, "unexpected word \"%.*s\"", (int)(i - at), s + at);
            }
        } else {
            lex_kanji(cp, s, n, &i, &tk);
            if (tk.type == T_END) {
                if (cp == ')')
                    return fail(r, "unexpected ')'");
                return fail(r, "unexpected character \"%.*s\"", (int)(i - at), s + at);
            }
        }
        /* "2024 年 1 月 5 日": a space before a unit kanji carries no meaning. */
        if (k > 0 && t[k - 1].type == T_SPACE && tk.type >= T_NEN && tk.type <= T_BYO)
            k--;
        t[k++] = tk;
    }
    t[k].type = T_END;
    *nt = k;
    return 0;
}

static int era_from_letter(int32_t c)
{
    for (int e = 0; e < N_ERAS; e++)
        if (eras[e].abbr == c)
            return e;
    return -1;
}

/* Checks that (era e, era year ey, m, d) exists and lies within the era. */
static int check_era(const struct reader *r, int e, int ey, int m, int d, int32_t *days)
{
    int y = eras[e].y + ey - 1;
    int32_t day;
    char alt[64];

    if (ey < 1)
        return fail(r, "%s has no year %d; its first year is %s元年 (1)", eras[e].name, ey,
                    eras[e].name);
    if (date_from_ymd(y, m, d, &day) < 0)
        return fail(r, "%s%d年%d月%d日 (%d-%02d-%02d) does not exist", eras[e].name, ey, m, d, y, m,
                    d);
    if (day < era_start(e)) {
        date_format_era(day, alt, sizeof(alt));
        return fail(r, "%s began on %d-%02d-%02d; %d-%02d-%02d is %s", eras[e].name, eras[e].y,
                    eras[e].m, eras[e].d, y, m, d, alt);
    }
    if (e + 1 < N_ERAS && day >= era_start(e + 1)) {
        char last[11];
        date_format_iso(era_start(e + 1) - 1, last);
        date_format_era(day, alt, sizeof(alt));
        return fail(r, "%s ended on %s; %d-%02d-%02d is %s", eras[e].name, last, y, m, d, alt);
    }
    *days = day;
    return 0;
}

static int check_ymd(const struct reader *r, int y, int m, int d, int32_t *days)
{
    if (y < DATE_MIN_YEAR || y > DATE_MAX_YEAR)
        return fail(r, "year %d is out of range", y);
    if (m < 1 || m > 12)
        return fail(r, "month %d does not exist (1-12)", m);
    if (d < 1 || d > date_days_in_month(y, m)) {
        if (m == 2 && d == 29)
            return fail(r, "%d is not a leap year, so February has 28 days", y);
        return fail(r, "day %d does not exist in %d-%02d (it has %d days)", d, y, m,
                    date_days_in_month(y, m));
    }
    return date_from_ymd(y, m, d, days);
}

static int parse_tokens(const struct reader *r, const struct tok *t, int nt, int32_t *days,
                        int32_t *secs)
{
    int k = 0, era = -1, y = 0, m = 0, d = 0, ampm = -1, h, mi = 0, se = 0, iso_t = 0;

    /* --- the date --- */
    if (t[k].type == T_ERA || (t[k].type == T_LETTER && era_from_letter(t[k].val) >= 0)) {
        era = t[k].type == T_ERA ? t[k].val : era_from_letter(t[k].val);
        k++;
        if (t[k].type == T_SPACE)
            k++;
        if (t[k].type == T_GAN)
            y = 1;
        else if (t[k].type == T_NUM && t[k].ndig <= 3)
            y = t[k].val;
        else
            return fail(r, "the era name must be followed by the year, as in %s6年 or %c6",
                        eras[era].name, eras[era].abbr);
        k++;
    } else if (t[k].type == T_NUM) {
        if (t[k].ndig == 8 && (t[k + 1].type == T_END || t[k + 1].type == T_SPACE ||
                               (t[k + 1].type == T_LETTER && t[k + 1].val == 'T'))) {
            y = t[k].val / 10000;
            m = t[k].val / 100 % 100;
            d = t[k].val % 100;
            k++;
            goto have_date;
        }
        if (t[k].ndig != 4) {
            if (t[k + 1].type == T_SEP && t[k + 2].type == T_NUM && t[k + 3].type == T_SEP &&
                t[k + 4].type == T_NUM && t[k + 4].ndig == 4)
                return fail(r, "day/month/year order is ambiguous; give the year first or use "
                               "--date-format (e.g. %%d/%%m/%%Y)");
            return fail(r, "the year must have four digits (2024) or an era (令和6年, R6)");
        }
        y = t[k].val;
        k++;
    } else if (t[k].type == T_END) {
        return fail(r, "it is empty");
    } else {
        return fail(r, "it does not start with a year or an era");
    }

    if (t[k].type == T_NEN) {
        k++;
        if (t[k].type == T_SPACE)
            k++;
        if (t[k].type != T_NUM || t[k].ndig > 2 || t[k + 1].type != T_TSUKI)
            return fail(r, "expected the month after 年, as in 2024年1月5日");
        m = t[k].val;
        k += 2;
        if (t[k].type == T_SPACE)
            k++;
        if (t[k].type != T_NUM || t[k].ndig > 2 || t[k + 1].type != T_HI)
            return fail(r, "expected the day after 月, as in 2024年1月5日");
        d = t[k].val;
        k += 2;
    } else if (t[k].type == T_SEP) {
        int32_t sep = t[k].val;
        k++;
        if (t[k].type != T_NUM || t[k].ndig > 2)
            return fail(r, "expected a one- or two-digit month after the year");
        m = t[k].val;
        k++;
        if (t[k].type != T_SEP || t[k].val != sep)
            return fail(r, "expected '%c' and the day after the month (do not mix separators)",
                        (char)sep);
        k++;
        if (t[k].type != T_NUM || t[k].ndig > 2)
            return fail(r, "expected a one- or two-digit day after the month");
        d = t[k].val;
        k++;
    } else {
        return fail(r, "expected 年, '/', '-' or '.' after the year");
    }

have_date:
    if (era >= 0) {
        if (check_era(r, era, y, m, d, days) < 0)
            return -1;
    } else if (check_ymd(r, y, m, d, days) < 0) {
        return -1;
    }
    if (t[k].type == T_SPACE && t[k + 1].type == T_WDAY)
        k++;
    if (t[k].type == T_WDAY) {
        int w = date_weekday(*days);
        if (w != t[k].val)
            return fail(r, "the date is a %s (%s), not %s", wday_en[w], wday_kanji[w],
                        wday_kanji[t[k].val]);
        k++;
    }

    /* --- the optional time --- */
    if (t[k].type == T_SPACE && t[k + 1].type == T_END)
        k++;
    if (t[k].type == T_END) {
        *secs = DATE_SECS_NONE;
        return 0;
    }
    if (t[k].type == T_LETTER && t[k].val == 'T') {
        iso_t = 1;
        k++;
    } else if (t[k].type == T_SPACE) {
        k++;
    } else if (t[k].type != T_AMPM) {
        return fail(r, "unexpected text after the date; a time goes after a space, as in "
                       "2024-01-05 13:45");
    }
    if (!iso_t && t[k].type == T_AMPM) {
        ampm = t[k].val;
        k++;
        if (t[k].type == T_SPACE)
            k++;
    }
    if (t[k].type != T_NUM || t[k].ndig > 2)
        return fail(r, "expected the hour, as in 13:45 or 13時45分");
    h = t[k].val;
    k++;
    if (t[k].type == T_COLON) {
        k++;
        if (t[k].type != T_NUM || t[k].ndig != 2)
            return fail(r, "expected two-digit minutes after ':', as in 9:05");
        mi = t[k].val;
        k++;
        if (t[k].type == T_COLON) {
            k++;
            if (t[k].type != T_NUM || t[k].ndig != 2)
                return fail(r, "expected two-digit seconds after ':', as in 9:05:00");
            se = t[k].val;
            k++;
            if (t[k].type == T_SEP && t[k].val == '.' && t[k + 1].type == T_NUM)
                k += 2; /* fraction of a second: dropped */
        }
    } else if (t[k].type == T_JI) {
        k++;
        if (t[k].type == T_SPACE && t[k + 1].type == T_NUM && t[k + 2].type == T_FUN)
            k++;
        if (t[k].type == T_NUM && t[k + 1].type == T_FUN) {
            mi = t[k].val;
            k += 2;
            if (t[k].type == T_SPACE && t[k + 1].type == T_NUM && t[k + 2].type == T_BYO)
                k++;
            if (t[k].type == T_NUM && t[k + 1].type == T_BYO) {
                se = t[k].val;
                k += 2;
            }
        }
    } else {
        return fail(r, "expected ':' or 時 after the hour, as in 13:45");
    }
    if (t[k].type == T_SPACE && t[k + 1].type == T_AMPM)
        k++;
    if (t[k].type == T_AMPM && ampm < 0 && !iso_t) {
        ampm = t[k].val;
        k++;
    }
    if (t[k].type == T_SPACE && t[k + 1].type == T_END)
        k++;
    if (t[k].type != T_END)
        return fail(r, "unexpected text after the time");
    if (ampm >= 0) {
        if (h > 12)
            return fail(r, "hour %d cannot be used with 午前/午後 or AM/PM (0-12)", h);
        if (h == 12)
            h = 0;
        h += ampm * 12;
    }
    if (h > 23 || mi > 59 || se > 59)
        return fail(r, "the time %d:%02d:%02d does not exist", h, mi, se);
    *secs = h * 3600 + mi * 60 + se;
    return 0;
}

int date_parse(const char *s, size_t n, int32_t *days, int32_t *secs, struct ok_err *err)
{
    struct tok t[MAX_TOKS];
    struct reader r;
    int32_t dummy, tm;
    int nt;

    if (!secs)
        secs = &dummy;
    text_trim(&s, &n);
    /* The storage forms, without tokenising. */
    if (n == 10 && date_parse_iso(s, n, days) == 0) {
        *secs = DATE_SECS_NONE;
        return 0;
    }
    if (n == 19 && (s[10] == ' ' || s[10] == 'T') && (tm = parse_hms8(s + 11)) >= 0 &&
        date_parse_iso(s, 10, days) == 0) {
        *secs = tm;
        return 0;
    }
    r.s = s;
    r.n = n;
    r.err = err;
    if (lex(&r, t, &nt) < 0)
        return -1;
    return parse_tokens(&r, t, nt, days, secs);
}

/* ---- user-given formats ---- */

static int fmt_number(const char *s, size_t n, size_t *i, int mind, int maxd, int *v)
{
    int nd = 0;
    *v = 0;
    while (nd < maxd && *i < n) {
        size_t j = *i;
        int32_t c = text_fullwidth_to_ascii(text_utf8_next(s, n, &j));
        if (c < '0' || c > '9')
            break;
        *v = *v * 10 + (c - '0');
        nd++;
        *i = j;
    }
    return nd >= mind ? 0 : -1;
}

int date_parse_with_format(const char *s, size_t n, const char *fmt, int32_t *days, int32_t *secs,
                           struct ok_err *err)
{
    int y = -1, m = -1, d = -1, h = -1, mi = 0, se = 0;
    size_t i = 0, f = 0, fn = strlen(fmt);
    struct reader r;
    int32_t dummy;

    if (!secs)
        secs = &dummy;
    text_trim(&s, &n);
    r.s = s;
    r.n = n;
    r.err = err;
    while (f < fn) {
        if (fmt[f] == '%' && f + 1 < fn && fmt[f + 1] != '%') {
            char c = fmt[f + 1];
            int *slot = c == 'Y'   ? &y
                        : c == 'm' ? &m
                        : c == 'd' ? &d
                        : c == 'H' ? &h
                        : c == 'M' ? &mi
                        : c == 'S' ? &se
                                   : NULL;
            if (!slot)
                return ok_err_set(err, OK_ERR_USAGE,
                                  "date format \"%s\": %%%c is not supported; use %%Y %%m %%d "
                                  "%%H %%M %%S, e.g. %%d/%%m/%%Y",
                                  fmt, c);
            if (fmt_number(s, n, &i, c == 'Y' ? 4 : 1, c == 'Y' ? 4 : 2, slot) < 0)
                return fail(&r, "it does not match the format \"%s\" (expected %%%c)", fmt, c);
            f += 2;
        } else if (fmt[f] == ' ') {
            while (i < n && peek_cp(s, n, i) == ' ')
                text_utf8_next(s, n, &i);
            f++;
        } else {
            size_t ff = f + (fmt[f] == '%'), fj = ff, j = i;
            int32_t want = text_fullwidth_to_ascii(text_utf8_next(fmt, fn, &fj));
            int32_t got = i < n ? text_fullwidth_to_ascii(text_utf8_next(s, n, &j)) : -1;
            if (want != got && !(text_is_dash(want) && text_is_dash(got)))
                return fail(&r, "it does not match the format \"%s\"", fmt);
            i = j;
            f = fj;
        }
    }
    if (i != n)
        return fail(&r, "unexpected text after the format \"%s\"", fmt);
    if (y < 0 || m < 0 || d < 0)
        return ok_err_set(err, OK_ERR_USAGE,
                          "date format \"%s\" must contain %%Y, %%m and %%d, e.g. %%d/%%m/%%Y",
                          fmt);
    if (check_ymd(&r, y, m, d, days) < 0)
        return -1;
    if (h < 0) {
        *secs = DATE_SECS_NONE;
        return 0;
    }
    if (h > 23 || mi > 59 || se > 59)
        return fail(&r, "the time %d:%02d:%02d does not exist", h, mi, se);
    *secs = h * 3600 + mi * 60 + se;
    return 0;
}

/* ---- Excel ---- */

int date_from_excel_serial(double serial, int date1904, int32_t *days, int32_t *secs)
{
    double whole, frac;
    int64_t day, s;
    /* 1900 system: serial 25569 is 1970-01-01 counting the fictitious 1900-02-29, so serials
     * before 61 are one day later than that count says (ECMA-376 Part 1, 18.17.4.1). */
    if (!isfinite(serial) || serial > 2958466.0)
        return -1;
    whole = floor(serial);
    frac = serial - whole;
    s = (int64_t)llround(frac * 86400.0);
    if (s >= 86400) {
        whole += 1;
        s = 0;
    }
    if (date1904) {
        if (whole < 0)
            return -1;
        day = (int64_t)whole - 24107;
    } else {
        if (whole < 1 || whole == 60)
            return -1;
        day = (int64_t)whole - (whole < 60 ? 25568 : 25569);
    }
    if (day > 2932896) /* 9999-12-31 */
        return -1;
    *days = (int32_t)day;
    if (secs)
        *secs = frac == 0.0 ? DATE_SECS_NONE : (int32_t)s;
    return 0;
}

/* ---- time zones ---- */

struct zone_file {
    char name[64];
    unsigned char *data; /* owned by the cache for the life of the process */
    size_t len;
};

#define ZONE_CACHE 16
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zone_file zone_cache[ZONE_CACHE];
static int zone_count;

static int zone_name_ok(const char *z)
{
    size_t n = strlen(z);
    if (n == 0 || n >= 64 || z[0] == '/' || strstr(z, ".."))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = z[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+'))
            return 0;
    }
    return 1;
}

/* Returns the file of zone z: the cached copy, loaded on first use, or, when the cache is full,
 * a copy in *spare that the caller frees (spare->data). NULL if the file cannot be read. */
static const struct zone_file *zone_load(const char *z, struct zone_file *spare)
{
    const struct zone_file *found = NULL;
    struct zone_file *slot;
    char path[160];
    FILE *fp = NULL;
    unsigned char *data = NULL;
    size_t len = 0;

    pthread_mutex_lock(&zone_lock);
    for (int i = 0; i < zone_count; i++)
        if (strcmp(zone_cache[i].name, z) == 0) {
            found = &zone_cache[i];
            goto out;
        }
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", z);
    fp = fopen(path, "rb");
    if (!fp)
        goto out;
    data = xmalloc(1 << 18);
    len = fread(data, 1, 1 << 18, fp);
    if (len < 44 || memcmp(data, "TZif", 4) != 0) {
        free(data);
        goto out;
    }
    slot = zone_count < ZONE_CACHE ? &zone_cache[zone_count++] : spare;
    snprintf(slot->name, sizeof(slot->name), "%s", z);
    slot->data = xrealloc(data, len);
    slot->len = len;
    found = slot;
out:
    pthread_mutex_unlock(&zone_lock);
    if (fp)
        fclose(fp);
    return found;
}

static int64_t be32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)(uint32_t)be32(p) << 32 | (uint32_t)be32(p + 4));
}

/* POSIX TZ string pieces (IEEE Std 1003.1, 8.3 "Other Environment Variables"). */
static const char *tz_skip_name(const char *p)
{
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        return *p ? p + 1 : NULL;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p;
}

/* [+-]hh[:mm[:ss]] -> seconds in *v. */
static const char *tz_time(const char *p, int64_t *v)
{
    int sign = 1, part = 0;
    int64_t t = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!is_digit(*p))
        return NULL;
    while (part < 3) {
        int64_t x = 0;
        if (!is_digit(*p))
            return NULL;
        while (is_digit(*p))
            x = x * 10 + (*p++ - '0');
        t += x * (part == 0 ? 3600 : part == 1 ? 60 : 1);
        part++;
        if (*p != ':')
            break;
        p++;
    }
    *v = sign * t;
    return p;
}

/* A rule date: Mm.w.d, Jn or n, with an optional /time (default 02:00). Sets the day and the
 * local seconds after midnight at which the change happens, in year y. */
static const char *tz_rule(const char *p, int y, int64_t *day, int64_t *at)
{
    int64_t a[3] = {0, 0, 0};
    *at = 7200;
    if (*p == 'M') {
        p++;
        for (int k = 0; k < 3; k++) {
            if (!is_digit(*p))
                return NULL;
            while (is_digit(*p))
                a[k] = a[k] * 10 + (*p++ - '0');
            if (k < 2 && *p++ != '.')
                return NULL;
        }
        if (a[0] < 1 || a[0] > 12 || a[1] < 1 || a[1] > 5 || a[2] > 6)
            return NULL;
        {
            int64_t first = days_from_civil(y, (int)a[0], 1);
            int64_t wd = ((first + 4) % 7 + 7) % 7;
            int64_t dd = first + (a[2] - wd + 7) % 7 + (a[1] - 1) * 7;
            while (dd >= first + date_days_in_month(y, (int)a[0]))
                dd -= 7;
            *day = dd;
        }
    } else if (*p == 'J' || is_digit(*p)) {
        int julian = *p == 'J';
        p += julian;
        if (!is_digit(*p))
            return NULL;
        while (is_digit(*p))
            a[0] = a[0] * 10 + (*p++ - '0');
        *day = days_from_civil(y, 1, 1) + a[0] - julian;
        if (julian && date_is_leap(y) && a[0] >= 60)
            (*day)++;
    } else {
        return NULL;
    }
    if (*p == '/') {
        p = tz_time(p + 1, at);
        if (!p)
            return NULL;
    }
    return p;
}

/* UTC offset at t from a POSIX TZ string; -1 if it cannot be read. */
static int tz_posix_offset(const char *p, int64_t t, int32_t *off)
{
    int64_t std, dst, sd, sat, ed, eat, start, end;
    int y, m, d;
    const char *q;

    p = tz_skip_name(p);
    if (!p || !(p = tz_time(p, &std)))
        return -1;
    std = -std; /* POSIX offsets are west-positive */
    if (*p == '\0') {
        *off = (int32_t)std;
        return 0;
    }
    q = tz_skip_name(p);
    if (!q || q == p)
        return -1;
    p = q;
    dst = std + 3600;
    if (*p && *p != ',') {
        if (!(p = tz_time(p, &dst)))
            return -1;
        dst = -dst;
    }
    if (*p++ != ',')
        return -1;
    date_to_ymd((int32_t)((t + std) / 86400), &y, &m, &d);
    if (!(p = tz_rule(p, y, &sd, &sat)) || *p++ != ',' || !(p = tz_rule(p, y, &ed, &eat)))
        return -1;
    start = sd * 86400 + sat - std; /* the change to summer time happens in standard time */
    end = ed * 86400 + eat - dst;
    if (start < end)
        *off = (int32_t)(t >= start && t < end ? dst : std);
    else /* southern hemisphere: summer spans the new year */
        *off = (int32_t)(t >= end && t < start ? std : dst);
    return 0;
}

static int tzif_offset(const unsigned char *b, size_t len, int64_t t, int32_t *off)
{
    size_t hdr = 44, tsize = 4, pos = 0;
    int64_t timecnt, typecnt, charcnt, leapcnt, isstdcnt, isutcnt, idx = -1, lo, hi;
    const unsigned char *trans, *types, *info;
    int v2 = b[4] >= '2';

    for (int pass = 0; pass < 1 + v2; pass++) {
        size_t base = pass == 0 ? 0 : pos;
        if (base + hdr > len || memcmp(b + base, "TZif", 4) != 0)
            return -1;
        isutcnt = be32(b + base + 20);
        isstdcnt = be32(b + base + 24);
        leapcnt = be32(b + base + 28);
        timecnt = be32(b + base + 32);
        typecnt = be32(b + base + 36);
        charcnt = be32(b + base + 40);
        if (timecnt < 0 || typecnt < 1 || charcnt < 0 || leapcnt < 0 || isstdcnt < 0 ||
            isutcnt < 0 || timecnt > 100000 || typecnt > 256)
            return -1;
        tsize = pass == 0 ? 4 : 8;
        pos = base + hdr +
              (size_t)(timecnt * (int64_t)tsize + timecnt + typecnt * 6 + charcnt +
                       leapcnt * (int64_t)(tsize + 4) + isstdcnt + isutcnt);
        if (pos > len)
            return -1;
        if (pass == 0 && v2)
            continue;
        trans = b + base + hdr;
        types = trans + timecnt * (int64_t)tsize;
        info = types + timecnt;
        /* Binary search for the last transition at or before t. */
        lo = 0;
        hi = timecnt - 1;
        while (lo <= hi) {
            int64_t mid = (lo + hi) / 2;
            int64_t tt = tsize == 8 ? be64(trans + mid * 8) : be32(trans + mid * 4);
            if (tt <= t) {
                idx = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (v2 && (timecnt == 0 || idx == timecnt - 1) && pos < len && b[pos] == '\n') {
            char footer[128];
            size_t k = 0;
            while (pos + 1 + k < len && b[pos + 1 + k] != '\n' && k < sizeof(footer) - 1) {
                footer[k] = (char)b[pos + 1 + k];
                k++;
            }
            footer[k] = '\0';
            if (k > 0 && tz_posix_offset(footer, t, off) == 0)
                return 0;
        }
        {
            int64_t ty = idx >= 0 ? types[idx] : 0;
            if (ty >= typecnt)
                return -1;
            *off = (int32_t)be32(info + ty * 6);
        }
        return 0;
    }
    return -1;
}

int date_tz_offset(const char *tz_name, int64_t t, int32_t *offset_secs, struct ok_err *err)
{
    const struct zone_file *zf;
    struct zone_file spare;
    int rc;

    if (!tz_name || !*tz_name)
        tz_name = "Asia/Tokyo";
    if (strcmp(tz_name, "UTC") == 0 || strcmp(tz_name, "Etc/UTC") == 0) {
        *offset_secs = 0;
        return 0;
    }
    if (!zone_name_ok(tz_name))
        return ok_err_set(err, OK_ERR_INVALID,
                          "\"%s\" is not a time zone name; use an IANA name such as Asia/Tokyo",
                          tz_name);
    spare.data = NULL;
    zf = zone_load(tz_name, &spare);
    if (!zf) {
        if (strcmp(tz_name, "Asia/Tokyo") == 0) {
            *offset_secs = 9 * 3600; /* no summer time in Japan since 1951 */
            return 0;
        }
        return ok_err_set(err, OK_ERR_NOT_FOUND,
                          "unknown time zone \"%s\"; use an IANA name such as Asia/Tokyo "
                          "(installed under /usr/share/zoneinfo)",
                          tz_name);
    }
    rc = tzif_offset(zf->data, zf->len, t, offset_secs);
    free(spare.data);
    if (rc < 0)
        return ok_err_set(err, OK_ERR_INVALID, "time zone file for \"%s\" is malformed", tz_name);
    return 0;
}

int32_t date_today(const char *tz_name)
{
    int64_t now = date_now_unix();
    int32_t off = 0, days, secs;
    if (date_tz_offset(tz_name, now, &off, NULL) < 0)
        off = 0;
    date_from_unix(now, off, &days, &secs);
    return days;
}
