/* Fuzz target for the normalisers of input values: dates (date_parse, date_parse_with_format),
 * amounts (money_parse), phone numbers, postal codes, e-mail addresses and names (NFKC, the
 * match fold, kana conversion) and the UTF-8 decoder. The first byte chooses the function, the
 * rest is the input. Besides "no crash, no sanitizer report", each mode checks a property the
 * headers promise, and traps when it does not hold:
 *   - a parsed date or amount formats back to a value that parses to the same number;
 *   - canonical phone, postal and e-mail forms have their documented shape and are fixed points;
 *   - every text output is valid UTF-8 (invalid input bytes become U+FFFD), NFKC is idempotent,
 *     the match key holds no spaces. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/err.h"
#include "core/money.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void fuzz_date(const char *s, size_t n)
{
    struct ok_err err;
    int32_t days, secs, days2, secs2;
    char out[20];
    if (date_parse(s, n, &days, &secs, &err) < 0) {
        CHECK(err.message[0] != '\0');
        return;
    }
    CHECK(secs == DATE_SECS_NONE || (secs >= 0 && secs < 86400));
    date_format_datetime(days, secs, out);
    CHECK(date_parse_datetime(out, strlen(out), &days2, &secs2) == 0);
    CHECK(days2 == days);
    CHECK(date_parse(out, strlen(out), &days2, &secs2, &err) == 0 && days2 == days);
    {
        char era[64];
        date_format_era(days, era, sizeof(era));
        CHECK(text_utf8_valid(era, strlen(era)));
    }
}

static void fuzz_date_format(const char *s, size_t n)
{
    /* the format is the text up to the first newline, the value the rest */
    struct ok_err err;
    const char *nl = memchr(s, '\n', n);
    size_t flen = nl ? (size_t)(nl - s) : 0;
    char *fmt;
    int32_t days, secs;
    if (!nl)
        return;
    fmt = malloc(flen + 1);
    memcpy(fmt, s, flen);
    fmt[flen] = '\0';
    if (date_parse_with_format(nl + 1, n - flen - 1, fmt, &days, &secs, &err) == 0) {
        int y, m, d;
        date_to_ymd(days, &y, &m, &d);
        CHECK(y >= DATE_MIN_YEAR && y <= DATE_MAX_YEAR);
        CHECK(secs == DATE_SECS_NONE || (secs >= 0 && secs < 86400));
    }
    free(fmt);
}

static void fuzz_money(const char *s, size_t n, int scale)
{
    struct ok_err err;
    int64_t v, v2;
    struct buf b;
    if (money_parse(s, n, scale, &v, &err) < 0)
        return;
    buf_init(&b, 0);
    {
        /* plain form, as written to files; then the grouped form with a sign, as shown */
        struct currency c = {"XXX", scale, "$"};
        money_format(&b, v, &c, 0);
        CHECK(money_parse(b.data, b.len, scale, &v2, &err) == 0 && v2 == v);
        buf_reset(&b);
        money_format(&b, v, &c, MONEY_FMT_GROUP | MONEY_FMT_SYMBOL);
        CHECK(money_parse(b.data, b.len, scale, &v2, &err) == 0 && v2 == v);
    }
    buf_release(&b);
}

static void fuzz_phone(const char *s, size_t n)
{
    struct buf a, b;
    size_t i, digits = 0;
    buf_init(&a, 0);
    buf_init(&b, 0);
    if (text_phone_normalize(&a, s, n) == 0) {
        for (i = 0; i < a.len; i++) {
            CHECK((a.data[i] >= '0' && a.data[i] <= '9') || (i == 0 && a.data[i] == '+'));
            digits += a.data[i] != '+';
        }
        /* Japanese (leading 0): 10 or 11 digits; anything else, "+CC..." or bare: 7 to 15 */
        CHECK(a.data[0] == '0' ? digits >= 10 && digits <= 11 : digits >= 7 && digits <= 15);
        CHECK(text_phone_normalize(&b, a.data, a.len) == 0);
        CHECK(b.len == a.len && memcmp(a.data, b.data, a.len) == 0);
    } else {
        CHECK(a.len == 0);
    }
    buf_release(&a);
    buf_release(&b);
}

static void fuzz_postal(const char *s, size_t n)
{
    struct buf a, b;
    size_t i;
    buf_init(&a, 0);
    buf_init(&b, 0);
    if (text_postal_normalize(&a, s, n) == 0) {
        CHECK(a.len == 8 && a.data[3] == '-');
        for (i = 0; i < 8; i++)
            CHECK(i == 3 || (a.data[i] >= '0' && a.data[i] <= '9'));
        CHECK(text_postal_normalize(&b, a.data, a.len) == 0);
        CHECK(b.len == a.len && memcmp(a.data, b.data, a.len) == 0);
    } else {
        CHECK(a.len == 0);
    }
    buf_release(&a);
    buf_release(&b);
}

static void fuzz_email(const char *s, size_t n)
{
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    if (text_email_normalize(&a, s, n) == 0) {
        const char *at = memchr(a.data, '@', a.len);
        CHECK(at && at > a.data && !memchr(at + 1, '@', a.len - (size_t)(at - a.data) - 1));
        CHECK(text_utf8_valid(a.data, a.len));
        CHECK(text_email_normalize(&b, a.data, a.len) == 0);
        CHECK(b.len == a.len && memcmp(a.data, b.data, a.len) == 0);
    } else {
        CHECK(a.len == 0);
    }
    buf_release(&a);
    buf_release(&b);
}

static void fuzz_names(const char *s, size_t n)
{
    struct buf a, b;
    size_t i;
    buf_init(&a, 0);
    buf_init(&b, 0);
    text_nfkc(&a, s, n);
    CHECK(text_utf8_valid(a.data, a.len));
    text_nfkc(&b, a.data, a.len);
    CHECK(b.len == a.len && memcmp(a.data, b.data, a.len) == 0);

    buf_reset(&a);
    text_fold_for_match(&a, s, n);
    CHECK(text_utf8_valid(a.data, a.len));
    for (i = 0; i < a.len; i++)
        CHECK(a.data[i] != ' ' && a.data[i] != '\t' && a.data[i] != '\n');

    buf_reset(&a);
    text_kana_to_katakana(&a, s, n);
    CHECK(text_utf8_valid(a.data, a.len));
    buf_reset(&a);
    text_kana_to_hiragana(&a, s, n);
    CHECK(text_utf8_valid(a.data, a.len));
    buf_release(&a);
    buf_release(&b);
}

static void fuzz_utf8(const char *s, size_t n)
{
    size_t i = 0, last;
    int bad = 0;
    struct buf b;
    const char *t = s;
    size_t tn = n;
    buf_init(&b, 0);
    while (i < n) {
        int32_t cp;
        last = i;
        cp = text_utf8_next(s, n, &i);
        CHECK(i > last && i <= n);
        if (cp < 0)
            bad = 1;
        else
            text_utf8_put(&b, cp);
    }
    CHECK(text_utf8_valid(s, n) == !bad);
    /* a valid string decodes and re-encodes to the same bytes */
    if (!bad)
        CHECK(b.len == n && memcmp(b.data, s, n) == 0);
    text_trim(&t, &tn);
    CHECK(t >= s && t + tn <= s + n);
    buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s;
    size_t n;
    if (size < 1 || size > 4096)
        return 0;
    s = (const char *)data + 1;
    n = size - 1;
    switch (data[0] % 10) {
    case 0:
        fuzz_date(s, n);
        break;
    case 1:
        fuzz_date_format(s, n);
        break;
    case 2:
        fuzz_money(s, n, (data[0] / 10) % (MONEY_MAX_SCALE + 1));
        break;
    case 3:
        fuzz_phone(s, n);
        break;
    case 4:
        fuzz_postal(s, n);
        break;
    case 5:
        fuzz_email(s, n);
        break;
    case 6:
    case 7:
        fuzz_names(s, n);
        break;
    case 8:
    case 9:
        fuzz_utf8(s, n);
        break;
    }
    return 0;
}
