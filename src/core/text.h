/*
 * text.h - UTF-8 checks and the Japanese-aware normalisation used for matching and cleaning input.
 *
 * okaeri keeps every text exactly as the user wrote it and stores, next to it, normalised forms
 * for search and duplicate detection (名寄せ): NFKC (full-width ＡＢＣ and half-width ｶﾀｶﾅ become
 * ABC and カタカナ), a fold that also ignores case, kana type, spaces and middle dots, and
 * canonical phone numbers, postal codes and e-mail addresses. Unicode tables come from
 * libutf8proc; the kana and width folding is our own.
 *
 * All functions append to a caller-owned struct buf (they never reset it) and allocate nothing
 * per call apart from what the buf needs, except for NFKC of a single run of more than ~200
 * bytes without a safe split point, which uses a temporary heap buffer. Invalid UTF-8 bytes are
 * replaced by U+FFFD in the outputs; use text_utf8_valid to reject them first.
 */
#ifndef OK_CORE_TEXT_H
#define OK_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF),
 * else 0. */
int text_utf8_valid(const char *s, size_t n);

/* Decodes the code point at s[*i] (i < n) and advances *i past it. Returns the code point, or -1
 * for an invalid or truncated sequence (then *i advances by one byte). */
int32_t text_utf8_next(const char *s, size_t n, size_t *i);

/* Appends code point cp (0..0x10FFFF, not a surrogate) as UTF-8. */
void text_utf8_put(struct buf *out, int32_t cp);

/* Maps the full-width forms of ASCII (U+FF01..U+FF5E) and the ideographic space U+3000 to ASCII;
 * returns any other code point unchanged. Used by the date, money and phone parsers. */
int32_t text_fullwidth_to_ascii(int32_t cp);

/* 1 for the characters okaeri treats as a dash in numbers: - ‐ ‑ ‒ – — ― − ー ｰ － ﹣ ⁃. */
int text_is_dash(int32_t cp);

/* Narrows s/n to drop leading and trailing ASCII whitespace and ideographic spaces (U+3000). */
void text_trim(const char **s, size_t *n);

/* Appends the NFKC normalisation of s (compatibility decomposition, canonical composition):
 * "ﾔﾏﾀﾞ" -> "ヤマダ", "ＡＢＣ１２３" -> "ABC123", "①" -> "1", "㈱" -> "(株)". */
void text_nfkc(struct buf *out, const char *s, size_t n);

/* Appends the match key of s: NFKC, Unicode case fold, katakana -> hiragana, old/variant kanji
 * of family names to the everyday form (髙 -> 高, 齋 -> 斎, 邊 -> 辺, 﨑 -> 崎 ...), and without
 * spaces (any whitespace, U+3000) or middle dots (・ ･ ·). "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ・タロウ" and
 * "やまだたろう" give the same key; so do "Yamada Taro" and "ｙａｍａｄａｔａｒｏ", and "髙橋" and
 * "高橋". Used for search and duplicate detection only, never shown. */
void text_fold_for_match(struct buf *out, const char *s, size_t n);

/* Appends s with hiragana turned into katakana and half-width katakana into full-width katakana
 * (voiced marks combined: "ｶﾞ" -> "ガ"); other characters unchanged. "やまだ ﾀﾛｳ" -> "ヤマダ
 * タロウ". */
void text_kana_to_katakana(struct buf *out, const char *s, size_t n);

/* Appends s with katakana (full- or half-width) turned into hiragana; katakana without a hiragana
 * form (ヷ ヸ ヹ ヺ) and the long-vowel mark ー are kept. "ﾔﾏﾀﾞ" -> "やまだ". */
void text_kana_to_hiragana(struct buf *out, const char *s, size_t n);

/* Appends the canonical form of a phone number: digits only, with +81 (Japan) turned into a
 * leading 0 ("+81 (0)3-1234-5678" -> "0312345678") and other country codes kept as "+<digits>".
 * Accepts full-width digits, every kind of dash, spaces, dots and parentheses. Returns 0, or -1
 * (appending nothing) when the result is not plausible: a Japanese number (leading 0) must have
 * 10 or 11 digits, any other 7 to 15. The caller keeps the original text for display. */
int text_phone_normalize(struct buf *out, const char *s, size_t n);

/* Appends a Japanese postal code as "123-4567". Accepts the 〒 mark, full-width digits, any dash
 * and spaces ("〒１２３－４５６７", "1234567"). Returns 0, or -1 (appending nothing) unless
 * exactly 7 digits remain. */
int text_postal_normalize(struct buf *out, const char *s, size_t n);

/* Appends the canonical form of an e-mail address: NFKC (so "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"
 * works), trimmed, lower-cased, a leading "mailto:" dropped. Returns 0, or -1 (appending
 * nothing) unless it looks like local@domain.tld: one @, no spaces or control characters, a
 * domain of non-empty dot-separated labels ending in a top-level label of 2+ letters. */
int text_email_normalize(struct buf *out, const char *s, size_t n);

#endif
