/*
 * money.h - amounts as int64 minor units, and the amount forms found in Japanese files.
 *
 * One currency per database (DESIGN.md §4). An amount is an int64_t count of the currency's minor
 * unit: yen for JPY (scale 0), cents for USD (scale 2). money_parse reads what registers and
 * spreadsheets export (¥1,234 / ￥１，２３４ / 1234円 / ▲500 / (500) / 12.34) exactly, never
 * rounding; money_format writes amounts for people (¥1,234, -$12.34) or for files (1234, 12.34).
 * Nothing here allocates except through the caller's struct buf.
 */
#ifndef OK_CORE_MONEY_H
#define OK_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define MONEY_MAX_SCALE 4

struct currency {
    char code[4];       /* ISO 4217, e.g. "JPY" */
    int scale;          /* digits after the decimal point: JPY 0, USD 2 */
    const char *symbol; /* "¥", "$", "€", "£" ... */
};

/* The currency with ISO 4217 code (case-insensitive), or NULL if okaeri does not know it. Known:
 * JPY, USD, EUR, GBP, CNY, KRW, TWD, HKD, SGD, AUD, CAD, CHF, THB. Returns static storage. */
const struct currency *currency_find(const char *code);

/* Reads an amount into minor units of a currency with `scale` decimals (0..MONEY_MAX_SCALE).
 * Accepts, around ASCII or full-width digits: surrounding spaces; thousands separators ',' or
 * '，' in groups of three; a decimal point ('.' or '．') with at most `scale` digits (further
 * digits are allowed only if they are zeros: "1234.00" is 1234 yen); a currency sign before the
 * number (¥ ￥ \ $ € £, also after the minus sign: -¥500) or 円 after it; a negative sign
 * ('-', '−' U+2212, '－', or the Japanese ▲ and △) or parentheses "(500)". Returns 0, or -1 with
 * err (OK_ERR_INVALID) for an empty value, garbage, more decimals than the currency has, an
 * ambiguous trailing minus ("500-") or a value beyond ±9.2e18 minor units. */
int money_parse(const char *s, size_t n, int scale, int64_t *minor, struct ok_err *err);

/* money_format flags. Without flags: plain "-1234.50", the form for CSV, JSON and SQL. */
#define MONEY_FMT_GROUP  1 /* thousands separators: 1,234.50 */
#define MONEY_FMT_SYMBOL 2 /* currency sign: ¥1,234, -$12.34 */

/* Appends minor as an amount of currency c (NULL: scale 0, no symbol). */
void money_format(struct buf *b, int64_t minor, const struct currency *c, int flags);

/* Sets *out = a * b (e.g. quantity × unit price); returns 0, or -1 with err on overflow. */
int money_mul(int64_t a, int64_t b, int64_t *out, struct ok_err *err);

/* Sets *out = a + b; returns 0, or -1 with err on overflow. */
int money_add(int64_t a, int64_t b, int64_t *out, struct ok_err *err);

#endif
