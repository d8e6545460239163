/*
 * text.c - UTF-8 decoding, NFKC and the kana/width folding behind matching and cleaning.
 *
 * NFKC is done by libutf8proc on short chunks held in a stack array so that normalising a field
 * allocates nothing. A chunk starts at a "safe" code point: one whose decomposition begins with a
 * starter (combining class 0) that never composes with what precedes it, so normalising chunks
 * one by one gives the same result as normalising the whole string (UAX #15, "Stable Code
 * Points" / safe boundaries). ASCII, kana, CJK ideographs and full-width forms are all safe, so
 * Japanese text and Latin text split almost everywhere.
 */
#include "core/text.h"

#include <string.h>
#include <stdlib.h>
#include <utf8proc.h>

#include "core/mem.h"
#include "core/banned.h"

#define CHUNK_MAX_BYTES 192
#define NFKC_STACK_CPS  512

enum fold_kind { FOLD_NONE, FOLD_MATCH };

int32_t text_utf8_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = n - *i;
    unsigned c = p[0];
    int32_t cp;

    if (c < 0x80) {
        (*i)++;
        return (int32_t)c;
    }
    if (c < 0xC2)
        goto bad;
    if (c < 0xE0) {
        if (left < 2 || (p[1] & 0xC0) != 0x80)
            goto bad;
        *i += 2;
        return (int32_t)(((c & 0x1F) << 6) | (p[1] & 0x3F));
    }
    if (c < 0xF0) {
        if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            goto bad;
        cp = (int32_t)(((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F));
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        *i += 3;
        return cp;
    }
    if (c < 0xF5) {
        if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            goto bad;
        cp = (int32_t)(((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) |
                       (p[3] & 0x3F));
        if (cp < 0x10000 || cp > 0x10FFFF)
            goto bad;
        *i += 4;
        return cp;
    }
bad:
    (*i)++;
    return -1;
}

int text_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* Eight ASCII bytes at a time: most CSV fields are plain ASCII. */
        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & UINT64_C(0x8080808080808080)) == 0) {
                i += 8;
                continue;
            }
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        if (text_utf8_next(s, n, &i) < 0)
            return 0;
    }
    return 1;
}

void text_utf8_put(struct buf *out, int32_t cp)
{
    char t[4];
    if (cp < 0x80) {
        buf_putc(out, (char)cp);
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, t, 2);
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, t, 3);
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, t, 4);
    }
}

int32_t text_fullwidth_to_ascii(int32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFEE0;
    if (cp == 0x3000)
        return ' ';
    return cp;
}

int text_is_dash(int32_t cp)
{
    switch (cp) {
    case 0x002D: /* - */
    case 0x2010: /* ‐ hyphen */
    case 0x2011: /* non-breaking hyphen */
    case 0x2012: /* figure dash */
    case 0x2013: /* – */
    case 0x2014: /* — */
    case 0x2015: /* ― */
    case 0x2043: /* ⁃ */
    case 0x2212: /* − minus sign */
    case 0x30FC: /* ー long vowel mark, typed for a dash in many Japanese files */
    case 0xFE63: /* ﹣ */
    case 0xFF0D: /* － */
    case 0xFF70: /* ｰ */
        return 1;
    default:
        return 0;
    }
}

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void text_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;
    for (;;) {
        if (len >= 1 && is_ascii_space((unsigned char)p[0])) {
            p++;
            len--;
        } else if (len >= 3 && memcmp(p, "\xE3\x80\x80", 3) == 0) {
            p += 3;
            len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (len >= 1 && is_ascii_space((unsigned char)p[len - 1]))
            len--;
        else if (len >= 3 && memcmp(p + len - 3, "\xE3\x80\x80", 3) == 0)
            len -= 3;
        else
            break;
    }
    *s = p;
    *n = len;
}

/* A chunk may start at cp when nothing before cp can compose or reorder with it; see the top. */
static int is_safe_start(int32_t cp)
{
    if (cp < 0x80)
        return 1;
    if (cp < 0x0900)
        return utf8proc_get_property(cp)->combining_class == 0;
    if (cp >= 0x3000 && cp <= 0x9FFF)
        return !(cp >= 0x302A && cp <= 0x302F) && cp != 0x3099 && cp != 0x309A &&
               !(cp >= 0x3130 && cp <= 0x318F);
    return (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF01 && cp <= 0xFF5E) || (cp >= 0xFF61 && cp <= 0xFF9D);
}

/* Code points that NFKC and case folding leave unchanged whatever precedes them: hiragana,
 * katakana, ・, ー and the CJK unified ideographs (none has a compatibility decomposition). */
static int is_nfkc_stable(int32_t cp)
{
    return (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FC) ||
           (cp >= 0x4E00 && cp <= 0x9FFF);
}

static int32_t kata_to_hira(int32_t cp)
{
    if ((cp >= 0x30A1 && cp <= 0x30F6) || cp == 0x30FD || cp == 0x30FE)
        return cp - 0x60;
    return cp;
}

static int is_middle_dot(int32_t cp)
{
    return cp == 0x30FB || cp == 0x00B7 || cp == 0xFF65;
}

/* Old and variant kanji common in family names (異体字), folded to the everyday form so that
 * 髙橋 and 高橋, 齋藤 and 斎藤, 渡邊 and 渡辺 match. Sorted by the first column. Only for matching:
 * names are stored and shown as written. */
static const uint16_t kanji_variants[][2] = {
    {0x51A8, 0x5BCC}, /* 冨 富 */ {0x570B, 0x56FD}, /* 國 国 */ {0x5BE6, 0x5B9F}, /* 實 実 */
    {0x5D5C, 0x5D0E}, /* 嵜 崎 */ {0x5D8B, 0x5CF6}, /* 嶋 島 */ {0x5D8C, 0x5CF6}, /* 嶌 島 */
    {0x5EE3, 0x5E83}, /* 廣 広 */ {0x5EF8, 0x8FEA}, /* 廸 迪 */ {0x5F4C, 0x5F25}, /* 彌 弥 */
    {0x5FB7, 0x5FB3}, /* 德 徳 */ {0x60E0, 0x6075}, /* 惠 恵 */ {0x66FB, 0x6607}, /* 曻 昇 */
    {0x6852, 0x6851}, /* 桒 桑 */ {0x689D, 0x6761}, /* 條 条 */ {0x69AE, 0x6804}, /* 榮 栄 */
    {0x69C7, 0x69D9}, /* 槇 槙 */ {0x6AFB, 0x685C}, /* 櫻 桜 */ {0x6DFA, 0x6D45}, /* 淺 浅 */
    {0x6FA4, 0x6CA2}, /* 澤 沢 */ {0x6FF1, 0x6D5C}, /* 濱 浜 */ {0x7028, 0x702C}, /* 瀨 瀬 */
    {0x771E, 0x771F}, /* 眞 真 */ {0x7895, 0x5D0E}, /* 碕 崎 */ {0x8218, 0x9928}, /* 舘 館 */
    {0x85EA, 0x85AE}, /* 藪 薮 */ {0x9089, 0x8FBA}, /* 邉 辺 */ {0x908A, 0x8FBA}, /* 邊 辺 */
    {0x9115, 0x90F7}, /* 鄕 郷 */ {0x975C, 0x9759}, /* 靜 静 */ {0x9AD9, 0x9AD8}, /* 髙 高 */
    {0x9ED1, 0x9ED2}, /* 黑 黒 */ {0x9F4A, 0x6589}, /* 齊 斉 */ {0x9F4B, 0x658E}, /* 齋 斎 */
    {0xFA11, 0x5D0E}, /* 﨑 崎 */ {0xFA14, 0x6B05},                               /* 﨔 欅 */
};

static int32_t kanji_fold(int32_t cp)
{
    size_t lo = 0, hi = sizeof(kanji_variants) / sizeof(kanji_variants[0]);
    if (cp < 0x51A8 || cp > 0xFA14)
        return cp;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (kanji_variants[mid][0] == cp)
            return kanji_variants[mid][1];
        if (kanji_variants[mid][0] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

static void emit_folded(struct buf *out, int32_t cp, enum fold_kind kind)
{
    if (kind == FOLD_MATCH) {
        if (cp < 0x80 && is_ascii_space((unsigned char)cp))
            return;
        if (cp >= 0x80 &&
            (is_middle_dot(cp) || utf8proc_get_property(cp)->category == UTF8PROC_CATEGORY_ZS))
            return;
        cp = kanji_fold(kata_to_hira(cp));
    }
    text_utf8_put(out, cp);
}

/* Normalises one chunk of valid UTF-8 that starts at a safe code point. */
static void nfkc_chunk(struct buf *out, const char *s, size_t n, enum fold_kind kind)
{
    utf8proc_int32_t stack[NFKC_STACK_CPS];
    utf8proc_int32_t *cps = stack;
    utf8proc_option_t opt = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE;
    utf8proc_ssize_t len, k;

    if (kind == FOLD_MATCH)
        opt |= UTF8PROC_CASEFOLD;
    len = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cps, NFKC_STACK_CPS,
                             opt);
    if (len > NFKC_STACK_CPS) {
        utf8proc_ssize_t need = len;
        cps = xmalloc((size_t)need * sizeof(*cps));
        len = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, cps, need, opt);
    }
    if (len >= 0)
        len = utf8proc_normalize_utf32(cps, len, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (len < 0) {
        /* Only reachable on invalid input, which the caller has already split off. */
        text_utf8_put(out, 0xFFFD);
    } else {
        for (k = 0; k < len; k++)
            emit_folded(out, cps[k], kind);
    }
    if (cps != stack)
        free(cps);
}

static void normalize(struct buf *out, const char *s, size_t n, enum fold_kind kind)
{
    size_t i = 0, start = 0;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t at = i;
        int32_t cp;

        if (c < 0x80) {
            /* An ASCII run is its own NFKC form, except that its last byte joins the next
             * chunk when non-ASCII follows (it may be a base for a combining mark). */
            size_t j = i + 1, end;
            if (start < at)
                nfkc_chunk(out, s + start, at - start, kind);
            while (j < n && (unsigned char)s[j] < 0x80)
                j++;
            end = j < n ? j - 1 : j;
            if (kind == FOLD_MATCH) {
                char tmp[64];
                size_t k = 0;
                for (size_t q = i; q < end; q++) {
                    unsigned char b = (unsigned char)s[q];
                    if (is_ascii_space(b))
                        continue;
                    tmp[k++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
                    if (k == sizeof(tmp)) {
                        buf_append(out, tmp, k);
                        k = 0;
                    }
                }
                buf_append(out, tmp, k);
            } else {
                buf_append(out, s + i, end - i);
            }
            start = end;
            i = j;
            continue;
        }
        cp = text_utf8_next(s, n, &i);
        if (cp < 0) {
            if (start < at)
                nfkc_chunk(out, s + start, at - start, kind);
            text_utf8_put(out, 0xFFFD);
            start = i;
            continue;
        }
        if (is_nfkc_stable(cp)) {
            /* Kana and kanji followed by a safe start are already normalised: skip utf8proc. */
            size_t j = i;
            int32_t next = j < n ? text_utf8_next(s, n, &j) : 0;
            if (next >= 0 && is_safe_start(next)) {
                if (start < at)
                    nfkc_chunk(out, s + start, at - start, kind);
                emit_folded(out, cp, kind);
                start = i;
                continue;
            }
        }
        if (is_safe_start(cp) && at - start >= 1 &&
            (at - start >= CHUNK_MAX_BYTES || cp >= 0x3000)) {
            nfkc_chunk(out, s + start, at - start, kind);
            start = at;
        }
    }
    if (start < n)
        nfkc_chunk(out, s + start, n - start, kind);
}

void text_nfkc(struct buf *out, const char *s, size_t n)
{
    normalize(out, s, n, FOLD_NONE);
}

void text_fold_for_match(struct buf *out, const char *s, size_t n)
{
    normalize(out, s, n, FOLD_MATCH);
}

/* Half-width katakana U+FF61..U+FF9D to full-width (JIS X 0201 order). */
static const uint16_t halfwidth_kana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,
};

/* The voiced (semi = 0) or semi-voiced (semi = 1) form of katakana k, or 0 if it has none. */
static int32_t kata_voiced(int32_t k, int semi)
{
    if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0) /* ハ ヒ フ ヘ ホ */
        return k + 1 + semi;
    if (semi)
        return 0;
    if ((k >= 0x30AB && k <= 0x30C1 && (k - 0x30AB) % 2 == 0) || /* カ .. チ */
        k == 0x30C4 || k == 0x30C6 || k == 0x30C8)               /* ツ テ ト */
        return k + 1;
    switch (k) {
    case 0x30A6:
        return 0x30F4; /* ウ -> ヴ */
    case 0x30EF:
        return 0x30F7; /* ワ -> ヷ */
    case 0x30F0:
        return 0x30F8;
    case 0x30F1:
        return 0x30F9;
    case 0x30F2:
        return 0x30FA; /* ヲ -> ヺ */
    case 0x30FD:
        return 0x30FE; /* ヽ -> ヾ */
    default:
        return 0;
    }
}

/* Converts kana to katakana (to_hira = 0) or hiragana (to_hira = 1). */
static void kana_convert(struct buf *out, const char *s, size_t n, int to_hira)
{
    size_t i = 0;
    while (i < n) {
        int32_t cp = text_utf8_next(s, n, &i);
        int32_t k;
        int is_kana;

        if (cp < 0) {
            text_utf8_put(out, 0xFFFD);
            continue;
        }
        if (cp < 0x80) {
            buf_putc(out, (char)cp);
            continue;
        }
        k = cp;
        if (cp >= 0xFF61 && cp <= 0xFF9D)
            k = halfwidth_kana[cp - 0xFF61];
        else if (cp == 0xFF9E)
            k = 0x309B;
        else if (cp == 0xFF9F)
            k = 0x309C;
        else if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309D || cp == 0x309E)
            k = cp + 0x60; /* hiragana -> katakana */
        is_kana = (k >= 0x30A1 && k <= 0x30FA) || k == 0x30FD || k == 0x30FE;
        if (is_kana && i < n) {
            /* A following voiced mark (half-width or combining) joins the kana. */
            size_t j = i;
            int32_t next = text_utf8_next(s, n, &j);
            int semi = next == 0xFF9F || next == 0x309A;
            if (next == 0xFF9E || next == 0x3099 || semi) {
                int32_t v = kata_voiced(k, semi);
                if (v) {
                    k = v;
                    i = j;
                }
            }
        }
        if (to_hira)
            k = kata_to_hira(k);
        text_utf8_put(out, k);
    }
}

void text_kana_to_katakana(struct buf *out, const char *s, size_t n)
{
    kana_convert(out, s, n, 0);
}

void text_kana_to_hiragana(struct buf *out, const char *s, size_t n)
{
    kana_convert(out, s, n, 1);
}

int text_phone_normalize(struct buf *out, const char *s, size_t n)
{
    char d[24] = {0};
    size_t nd = 0, i = 0;
    int plus = 0;
    const char *p;

    text_trim(&s, &n);
    while (i < n) {
        int32_t cp = text_fullwidth_to_ascii(text_utf8_next(s, n, &i));
        if (cp >= '0' && cp <= '9') {
            if (nd >= sizeof(d))
                return -1;
            d[nd++] = (char)cp;
        } else if (cp == '+') {
            if (nd > 0 || plus)
                return -1;
            plus = 1;
        } else if (!(text_is_dash(cp) || cp == ' ' || cp == '\t' || cp == '(' || cp == ')' ||
                     cp == '.')) {
            return -1;
        }
    }
    p = d;
    if (plus && nd >= 2 && d[0] == '8' && d[1] == '1') {
        /* +81 3-1234-5678 and +81 (0)3-1234-5678 are both 03-1234-5678 at home. */
        p += 2;
        nd -= 2;
        if (nd > 0 && p[0] == '0') {
            p++;
            nd--;
        }
        if (nd + 1 < 10 || nd + 1 > 11)
            return -1;
        buf_putc(out, '0');
        buf_append(out, p, nd);
        return 0;
    }
    if (plus) {
        if (nd < 7 || nd > 15)
            return -1;
        buf_putc(out, '+');
        buf_append(out, d, nd);
        return 0;
    }
    if (nd > 0 && d[0] == '0') {
        if (nd < 10 || nd > 11)
            return -1;
    } else if (nd < 7 || nd > 15) {
        return -1;
    }
    buf_append(out, d, nd);
    return 0;
}

int text_postal_normalize(struct buf *out, const char *s, size_t n)
{
    char d[7];
    size_t nd = 0, i = 0;

    text_trim(&s, &n);
    while (i < n) {
        int32_t cp = text_fullwidth_to_ascii(text_utf8_next(s, n, &i));
        if (cp >= '0' && cp <= '9') {
            if (nd >= sizeof(d))
                return -1;
            d[nd++] = (char)cp;
        } else if (cp == 0x3012 || cp == 0x3036) { /* 〒 〶 */
            if (nd > 0)
                return -1;
        } else if (!(text_is_dash(cp) || cp == ' ')) {
            return -1;
        }
    }
    if (nd != 7)
        return -1;
    buf_append(out, d, 3);
    buf_putc(out, '-');
    buf_append(out, d + 3, 4);
    return 0;
}

static int email_plausible(const char *e, size_t n)
{
    const char *at = memchr(e, '@', n);
    const char *dom, *label;
    size_t nl, nd, k, tld_len = 0;
    int labels = 0, tld_alpha = 1;

    if (!at || at == e || memchr(at + 1, '@', n - (size_t)(at - e) - 1))
        return 0;
    nl = (size_t)(at - e);
    if (nl > 64)
        return 0;
    for (k = 0; k < nl; k++) {
        unsigned char c = (unsigned char)e[k];
        /* Consecutive and trailing dots are kept: old Japanese mobile addresses have them. */
        if (c <= 0x20 || c == 0x7F || memchr("()<>[]:;,\\\"", c, 11))
            return 0;
    }
    dom = at + 1;
    nd = n - nl - 1;
    if (nd < 4 || nd > 253)
        return 0;
    label = dom;
    for (k = 0; k <= nd; k++) {
        if (k == nd || dom[k] == '.') {
            size_t ll = (size_t)(dom + k - label);
            if (ll == 0 || label[0] == '-' || label[ll - 1] == '-')
                return 0;
            labels++;
            tld_len = ll;
            tld_alpha = 1;
            for (size_t j = 0; j < ll; j++) {
                unsigned char c = (unsigned char)label[j];
                if (!((c >= 'a' && c <= 'z') || c >= 0x80))
                    tld_alpha = 0;
            }
            label = dom + k + 1;
            continue;
        }
        unsigned char c = (unsigned char)dom[k];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c >= 0x80))
            return 0;
    }
    return labels >= 2 && tld_len >= 2 && tld_alpha;
}

int text_email_normalize(struct buf *out, const char *s, size_t n)
{
    size_t start = out->len, k;

    text_trim(&s, &n);
    if (n >= 7 && strncasecmp(s, "mailto:", 7) == 0) {
        s += 7;
        n -= 7;
    }
    if (n == 0 || !text_utf8_valid(s, n))
        return -1;
    text_nfkc(out, s, n);
    if (out->failed) {
        buf_truncate(out, start);
        return -1;
    }
    for (k = start; k < out->len; k++) {
        char c = out->data[k];
        if (c >= 'A' && c <= 'Z')
            out->data[k] = (char)(c + 32);
    }
    if (!email_plausible(out->data + start, out->len - start)) {
        buf_truncate(out, start);
        return -1;
    }
    return 0;
}
