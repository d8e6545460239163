/*
 * dedupe.h - likely duplicate customers (名寄せ) with a score.
 *
 * Two records are likely the same customer when they share a normalised e-mail address or phone
 * number, or the same folded name (NFKC, width, kana type, variant kanji: 髙橋 = 高橋) and kana
 * reading with a close address. Candidates come from the store's match keys
 * (store/merge.h); each pair gets a score from 0 to 1 that combines its pieces of evidence as
 * independent ones, 1 - Π(1 - p_i):
 *   same e-mail 0.9, same phone 0.85, same name and kana 0.45 (same name, one kana missing
 *   0.35; kana different: not a candidate), same postal code 0.3, close address 0.5
 *   (the folded addresses agree on at least 80 % of the shorter one, from the start).
 * So a shared e-mail alone scores 0.90; name + kana + postal code 0.62; name + kana + close
 * address + postal code 0.81.
 */
#ifndef OK_IO_DEDUPE_H
#define OK_IO_DEDUPE_H

#include <stdint.h>

#include "core/err.h"
#include "core/table.h"
#include "db/db.h"

/* Evidence bits for dedupe_score. */
enum {
    DEDUPE_EMAIL = 1,
    DEDUPE_PHONE = 2,
    DEDUPE_NAME_KANA = 4,
    DEDUPE_NAME_ONLY = 8,
    DEDUPE_POSTAL = 16,
    DEDUPE_ADDRESS = 32
};

/* 1 - Π(1 - p_i) over the evidence bits (weights above). */
double dedupe_score(unsigned evidence);

/* 1 when two addresses are close: their match keys agree on at least 80 % of the shorter one,
 * from the start ("東京都渋谷区神南1-2-3" and "東京都渋谷区神南１丁目2-3 ﾏﾝｼｮﾝ101"). */
int dedupe_address_close(const char *a, const char *b);

/* The pairs scoring at least min_score, best first (at most limit; 0: all), as a table with
 * columns score, code_a, name_a, code_b, name_b, reasons. Caller frees. NULL with err on
 * error. */
struct table *dedupe_find(struct db *db, double min_score, size_t limit, struct ok_err *err);

#endif
