/*
 * money.c - exact amount parsing and formatting in minor units.
 *
 * The parser reads a value in three phases (prefix: parenthesis, sign, currency sign; number:
 * digits, grouping, decimals; suffix: 円 and the closing parenthesis) so that it can say which part
 * is wrong. Plain ASCII integers, the bulk of register exports, skip all that.
 */
#include "core/money.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "core/banned.h"

static const struct currency currencies[] = {
    {"JPY", 0, "¥"},   {"USD", 2, "$"},    {"EUR", 2, "€"},   {"GBP", 2, "£"},  {"CNY", 2, "CN¥"},
    {"KRW", 0, "₩"},   {"TWD", 2, "NT$"},  {"HKD", 2, "HK$"}, {"SGD", 2, "S$"}, {"AUD", 2, "A$"},
    {"CAD", 2, "CA$"}, {"CHF", 2, "CHF "}, {"THB", 2, "฿"},
};

static const int64_t pow10s[] = {1, 10, 100, 1000, 10000};

const struct currency *currency_find(const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
        if (strcasecmp(currencies[i].code, code) == 0)
            return &currencies[i];
    return NULL;
}

static int bad(const char *s, size_t n, int scale, struct ok_err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int bad(const char *s, size_t n, int scale, struct ok_err *err, const char *fmt, ...)
{
    char detail[200];
    size_t shown = n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (shown > 60) {
        shown = 60;
        while (shown > 0 && ((unsigned char)s[shown] & 0xC0) == 0x80)
            shown--;
    }
    return ok_err_set(err, OK_ERR_INVALID,
                      "invalid amount \"%.*s%s\": %s; write it like %s, ¥1,234 or -500", (int)shown,
                      s, shown < n ? "..." : "", detail,
                      scale > 0 ? "1234.50, 1,234.50" : "1234, 1,234");
}

static int is_currency_sign(int32_t cp)
{
    return cp == 0x00A5 || cp == 0xFFE5 || cp == '\\' || cp == '$' || cp == 0x20AC || cp == 0x00A3;
}

static int is_minus(int32_t cp)
{
    /* ▲ and △ mark negative numbers in Japanese accounts. */
    return text_is_dash(cp) || cp == 0x25B2 || cp == 0x25B3;
}

int money_parse(const char *s, size_t n, int scale, int64_t *minor, struct ok_err *err)
{
    const char *s0;
    size_t n0, i = 0;
    int neg = 0, paren = 0, sign_seen = 0, sym_seen = 0;
    int ndig = 0, nfrac = 0, group = 0, grouped = 0, in_frac = 0, closed = 0, yen = 0;
    uint64_t ip = 0;
    int64_t frac = 0, v;

    if (scale < 0 || scale > MONEY_MAX_SCALE)
        return ok_err_set(err, OK_ERR_INTERNAL, "currency scale %d is not supported", scale);
    text_trim(&s, &n);
    s0 = s;
    n0 = n;
    if (n == 0)
        return bad(s0, n0, scale, err, "it is empty");

    /* Plain integers: the common case. */
    if (n + (size_t)scale <= 18) {
        size_t k = s[0] == '-';
        int64_t x = 0;
        if (k < n) {
            for (; k < n && s[k] >= '0' && s[k] <= '9'; k++)
                x = x * 10 + (s[k] - '0');
            if (k == n) {
                x *= pow10s[scale];
                *minor = s[0] == '-' ? -x : x;
                return 0;
            }
        }
    }

    /* Prefix. */
    while (i < n) {
        size_t j = i;
        int32_t cp = text_fullwidth_to_ascii(text_utf8_next(s, n, &j));
        if ((cp == '(' && sign_seen) || ((is_minus(cp) || cp == '+') && paren)) {
            return bad(s0, n0, scale, err, "use either parentheses or a minus sign, not both");
        } else if (cp == '(' && !paren && !sym_seen) {
            paren = 1;
        } else if ((is_minus(cp) || cp == '+') && !sign_seen) {
            sign_seen = 1;
            neg = cp != '+';
        } else if (is_currency_sign(cp) && !sym_seen) {
            sym_seen = 1;
        } else if (cp == ' ' && (sign_seen || sym_seen || paren)) {
            /* "¥ 1,234", "▲ 500" */
        } else {
            break;
        }
        i = j;
    }
    if (paren)
        neg = 1;

    /* Number. */
    while (i < n) {
        size_t j = i;
        int32_t cp = text_fullwidth_to_ascii(text_utf8_next(s, n, &j));
        if (cp >= '0' && cp <= '9') {
            int dv = cp - '0';
            if (in_frac) {
                if (nfrac < scale)
                    frac = frac * 10 + dv;
                else if (dv != 0)
                    return bad(s0, n0, scale, err,
                               scale == 0 ? "this currency has no decimals (got a fraction)"
                                          : "more than %d decimals; amounts are never rounded",
                               scale);
                nfrac++;
            } else {
                if (ip > (UINT64_MAX - 9) / 10)
                    return bad(s0, n0, scale, err, "the number is too large");
                ip = ip * 10 + (uint64_t)dv;
                ndig++;
                group++;
            }
        } else if (cp == ',' && !in_frac) {
            if (ndig == 0 || (grouped ? group != 3 : group > 3))
                return bad(s0, n0, scale, err,
                           "thousands separators must split the digits in threes (1,234,567)");
            grouped = 1;
            group = 0;
        } else if (cp == '.' && !in_frac) {
            in_frac = 1;
        } else {
            break;
        }
        i = j;
    }
    if (grouped && group != 3)
        return bad(s0, n0, scale, err,
                   "thousands separators must split the digits in threes (1,234,567)");
    if (ndig == 0 && nfrac == 0)
        return bad(s0, n0, scale, err, "no number found");
    if (in_frac && nfrac == 0)
        return bad(s0, n0, scale, err, "expected digits after the decimal point");

    /* Suffix. */
    while (i < n) {
        size_t at = i;
        int32_t cp = text_fullwidth_to_ascii(text_utf8_next(s, n, &i));
        if (cp == 0x5186 && !yen && !closed) { /* 円 */
            yen = 1;
        } else if (cp == ')' && paren && !closed) {
            closed = 1;
        } else if (cp == ' ') {
            continue;
        } else if (is_minus(cp)) {
            return bad(s0, n0, scale, err,
                       "a minus sign after the number is ambiguous; put it in front (-500)");
        } else {
            return bad(s0, n0, scale, err, "unexpected \"%.*s\"", (int)(i - at), s + at);
        }
    }
    if (paren && !closed)
        return bad(s0, n0, scale, err, "'(' without ')'");
    if (paren && sign_seen)
        return bad(s0, n0, scale, err, "use either parentheses or a minus sign, not both");

    if (ip > (uint64_t)INT64_MAX / (uint64_t)pow10s[scale])
        return bad(s0, n0, scale, err, "the number is too large");
    v = (int64_t)ip * pow10s[scale];
    if (nfrac < scale)
        frac *= pow10s[scale - nfrac];
    if (v > INT64_MAX - frac)
        return bad(s0, n0, scale, err, "the number is too large");
    v += frac;
    *minor = neg ? -v : v;
    return 0;
}

void money_format(struct buf *b, int64_t minor, const struct currency *c, int flags)
{
    int scale = c ? c->scale : 0;
    uint64_t a = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t ip = a / (uint64_t)pow10s[scale], fp = a % (uint64_t)pow10s[scale];
    char digits[24], out[40];
    int nd = 0, k = 0;

    do {
        digits[nd++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    if (minor < 0)
        buf_putc(b, '-');
    if ((flags & MONEY_FMT_SYMBOL) && c)
        buf_puts(b, c->symbol);
    while (nd > 0) {
        out[k++] = digits[--nd];
        if ((flags & MONEY_FMT_GROUP) && nd > 0 && nd % 3 == 0)
            out[k++] = ',';
    }
    buf_append(b, out, (size_t)k);
    if (scale > 0) {
        char f[MONEY_MAX_SCALE + 1];
        f[0] = '.';
        for (int q = scale; q >= 1; q--) {
            f[q] = (char)('0' + fp % 10);
            fp /= 10;
        }
        buf_append(b, f, (size_t)scale + 1);
    }
}

int money_mul(int64_t a, int64_t b, int64_t *out, struct ok_err *err)
{
    if (__builtin_mul_overflow(a, b, out))
        return ok_err_set(err, OK_ERR_INVALID, "amount overflow: %lld × %lld is too large",
                          (long long)a, (long long)b);
    return 0;
}

int money_add(int64_t a, int64_t b, int64_t *out, struct ok_err *err)
{
    if (__builtin_add_overflow(a, b, out))
        return ok_err_set(err, OK_ERR_INVALID, "amount overflow: %lld + %lld is too large",
                          (long long)a, (long long)b);
    return 0;
}
