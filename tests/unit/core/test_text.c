/* Tests for src/core/text.c: UTF-8 checks, NFKC (checked against libutf8proc's whole-string
 * utf8proc_map, including random strings that stress the chunking), the match fold, kana
 * conversion and the phone / postal code / e-mail normalisers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/text.h"

typedef void (*text_fn)(struct buf *, const char *, size_t);
typedef int (*norm_fn)(struct buf *, const char *, size_t);

static void expect_text(text_fn fn, const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "<"); /* the functions append, never reset */
    fn(&b, in, strlen(in));
    if (strcmp(b.data + 1, want) != 0)
        fail_msg("\"%s\" gave \"%s\", want \"%s\"", in, b.data + 1, want);
    buf_release(&b);
}

static void expect_norm(norm_fn fn, const char *in, const char *want)
{
    struct buf b;
    int rc;
    buf_init(&b, 0);
    buf_puts(&b, "<");
    rc = fn(&b, in, strlen(in));
    if (want == NULL) {
        if (rc != -1 || strcmp(b.data, "<") != 0)
            fail_msg("\"%s\" should be rejected, gave %d \"%s\"", in, rc, b.data);
    } else if (rc != 0 || strcmp(b.data + 1, want) != 0) {
        fail_msg("\"%s\" gave %d \"%s\", want \"%s\"", in, rc, b.data + 1, want);
    }
    buf_release(&b);
}

static void test_utf8_valid(void **state)
{
    static const struct {
        const char *s;
        size_t n;
        int ok;
    } cases[] = {
        {"", 0, 1},
        {"plain ascii text, longer than eight bytes", 41, 1},
        {"顧客コード", 15, 1},
        {"\xF0\x9F\x98\x80", 4, 1}, /* U+1F600 */
        {"\xF4\x8F\xBF\xBF", 4, 1}, /* U+10FFFF */
        {"\xC2\x80", 2, 1},         /* U+0080 */
        {"\xC0\x80", 2, 0},         /* overlong NUL */
        {"\xC1\xBF", 2, 0},         /* overlong */
        {"\xE0\x80\x80", 3, 0},     /* overlong */
        {"\xED\xA0\x80", 3, 0},     /* surrogate D800 */
        {"\xF4\x90\x80\x80", 4, 0}, /* above U+10FFFF */
        {"\xF5\x80\x80\x80", 4, 0},
        {"\xE3\x81", 2, 0},          /* truncated */
        {"abcdefgh\xE3\x81", 10, 0}, /* truncated after a fast block */
        {"\x80", 1, 0},              /* lone continuation */
        {"\x82\xA0\x82\xA2", 4, 0},  /* Shift_JIS あい */
        {"abc\xFF", 4, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (text_utf8_valid(cases[i].s, cases[i].n) != cases[i].ok)
            fail_msg("case %zu should be %s", i, cases[i].ok ? "valid" : "invalid");
}

static void test_utf8_next_and_put(void **state)
{
    const char *s = "aé顧\xF0\x9F\x98\x80\xFFz";
    size_t n = strlen(s), i = 0;
    struct buf b;
    assert_int_equal(text_utf8_next(s, n, &i), 'a');
    assert_int_equal(text_utf8_next(s, n, &i), 0xE9);
    assert_int_equal(text_utf8_next(s, n, &i), 0x9867);
    assert_int_equal(text_utf8_next(s, n, &i), 0x1F600);
    assert_int_equal(text_utf8_next(s, n, &i), -1);
    assert_int_equal(text_utf8_next(s, n, &i), 'z');
    assert_int_equal(i, n);
    buf_init(&b, 0);
    text_utf8_put(&b, 'a');
    text_utf8_put(&b, 0xE9);
    text_utf8_put(&b, 0x9867);
    text_utf8_put(&b, 0x1F600);
    assert_string_equal(b.data, "aé顧\xF0\x9F\x98\x80");
    buf_release(&b);
}

static void test_fullwidth_and_dashes(void **state)
{
    assert_int_equal(text_fullwidth_to_ascii(0xFF10), '0'); /* ０ */
    assert_int_equal(text_fullwidth_to_ascii(0xFF21), 'A'); /* Ａ */
    assert_int_equal(text_fullwidth_to_ascii(0xFF0F), '/'); /* ／ */
    assert_int_equal(text_fullwidth_to_ascii(0x3000), ' ');
    assert_int_equal(text_fullwidth_to_ascii(0x3042), 0x3042); /* あ unchanged */
    assert_true(text_is_dash('-'));
    assert_true(text_is_dash(0x2010));
    assert_true(text_is_dash(0x2212));
    assert_true(text_is_dash(0x30FC));
    assert_true(text_is_dash(0xFF70));
    assert_true(text_is_dash(0xFF0D));
    assert_false(text_is_dash('_'));
    assert_false(text_is_dash(0x301C)); /* 〜 wave dash is not a hyphen */
}

static void test_trim(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"  abc  ", "abc"},
        {"\t\r\nabc\n", "abc"},
        {"\xE3\x80\x80山田\xE3\x80\x80 ", "山田"},
        {"   ", ""},
        {"", ""},
        {"a b", "a b"},
        {"\xE3\x80\x80", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *s = cases[i].in;
        size_t n = strlen(s);
        text_trim(&s, &n);
        if (n != strlen(cases[i].want) || memcmp(s, cases[i].want, n) != 0)
            fail_msg("trim(\"%s\") gave \"%.*s\"", cases[i].in, (int)n, s);
    }
}

static void test_nfkc_examples(void **state)
{
    expect_text(text_nfkc, "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ");
    expect_text(text_nfkc, "ＡＢＣ１２３", "ABC123");
    expect_text(text_nfkc, "①", "1");
    expect_text(text_nfkc, "㈱ガスパール", "(株)ガスパール");
    expect_text(text_nfkc, "ﾊﾟﾋﾟﾌﾟ", "パピプ");
    expect_text(text_nfkc, "か\xE3\x82\x99", "が"); /* combining voiced mark */
    expect_text(text_nfkc, "e\xCC\x81", "é");
    expect_text(text_nfkc, "髙橋", "髙橋"); /* variant kanji are not unified by NFKC */
    expect_text(text_nfkc, "Ｔａｒｏ　Ｙａｍａｄａ", "Taro Yamada");
    expect_text(text_nfkc, "", "");
    expect_text(text_nfkc, "bad\xFFutf8", "bad\xEF\xBF\xBDutf8"); /* U+FFFD */
}

/* Reference: utf8proc's whole-string NFKC (allocating), optionally with case folding. */
static char *reference(const char *s, size_t n, int fold)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    if (fold)
        opt |= UTF8PROC_CASEFOLD;
    assert_true(utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst, opt) >= 0);
    return (char *)dst;
}

static void test_nfkc_matches_whole_string_nfkc(void **state)
{
    /* Code points chosen to stress chunk boundaries: combining marks with different classes
     * (reordering), kana voiced marks, half-width kana, Hangul jamo that compose, Tamil vowel
     * signs that compose with a class-0 second element, long compatibility expansions. */
    static const int32_t pool[] = {
        'a',    'e',    'A',    ' ',    '1',    0x0301,  0x0308, 0x0323, 0x0306, 0x00E9,
        0x0439, 0x0438, 0x304B, 0x3099, 0x309A, 0x309B,  0x30CF, 0xFF76, 0xFF8A, 0xFF9E,
        0xFF9F, 0x3231, 0x2460, 0x1100, 0x1161, 0x11A8,  0x314F, 0xAC00, 0xFF21, 0x3000,
        0x30FB, 0xFB01, 0x1E9E, 0x212B, 0x2126, 0x0B92,  0x0BD7, 0x0BC6, 0x0BBE, 0x9867,
        0xFDFA, 0x302A, 0x00A8, 0x0344, 0x0F73, 0x1F600, 0x0041, 0x030A, 0x3131, 0xFFA1,
    };
    uint32_t seed = 12345;
    struct buf in, out;
    buf_init(&in, 0);
    buf_init(&out, 0);
    for (int iter = 0; iter < 3000; iter++) {
        int len;
        seed = seed * 1103515245u + 12345u;
        len = (int)((seed >> 16) % (iter < 2500 ? 40 : 700));
        buf_reset(&in);
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            text_utf8_put(&in, pool[(seed >> 16) % (sizeof(pool) / sizeof(pool[0]))]);
        }
        for (int fold = 0; fold < 2; fold++) {
            char *want = reference(in.data, in.len, fold);
            buf_reset(&out);
            if (fold) {
                /* The match fold = case-folded NFKC, minus spaces and dots, kana as hiragana:
                 * compare on the text without those to test the NFKC part. */
                text_fold_for_match(&out, in.data, in.len);
                struct buf w;
                size_t i = 0, wl = strlen(want);
                buf_init(&w, 0);
                while (i < wl) {
                    int32_t cp = text_utf8_next(want, wl, &i);
                    if (cp == ' ' || cp == 0x30FB)
                        continue;
                    if (cp >= 0x30A1 && cp <= 0x30F6)
                        cp -= 0x60;
                    text_utf8_put(&w, cp);
                }
                if (strcmp(out.data, w.data) != 0)
                    fail_msg("fold mismatch at iteration %d (len %d)", iter, len);
                buf_release(&w);
            } else {
                text_nfkc(&out, in.data, in.len);
                if (strcmp(out.data, want) != 0)
                    fail_msg("NFKC mismatch at iteration %d (len %d):\n%s\n%s", iter, len, out.data,
                             want);
            }
            free(want);
        }
    }
    buf_release(&in);
    buf_release(&out);
}

static void test_nfkc_long_expansion_uses_heap(void **state)
{
    /* 600 × U+FDFA expands to 10,800 code points: larger than the stack array. */
    struct buf in, out;
    char *want;
    buf_init(&in, 0);
    buf_init(&out, 0);
    for (int i = 0; i < 600; i++)
        text_utf8_put(&in, 0xFDFA);
    text_nfkc(&out, in.data, in.len);
    want = reference(in.data, in.len, 0);
    assert_string_equal(out.data, want);
    free(want);
    buf_release(&in);
    buf_release(&out);
}

static void test_fold_for_match(void **state)
{
    static const char *const same[] = {
        "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ・タロウ", "やまだ　たろう", "ヤマダ タロウ", "やまだたろう", "ﾔﾏﾀﾞ･ﾀﾛｳ",
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        expect_text(text_fold_for_match, same[i], "やまだたろう");
    expect_text(text_fold_for_match, "Yamada Taro", "yamadataro");
    expect_text(text_fold_for_match, "ｙａｍａｄａ　ＴＡＲＯ", "yamadataro");
    expect_text(text_fold_for_match, "山田 太郎", "山田太郎");
    expect_text(text_fold_for_match, "株式会社　ガスパール", "株式会社がすぱーる");
    expect_text(text_fold_for_match, "ＳＴＲＡẞＥ", "strasse");
    expect_text(text_fold_for_match, "ヴァイオリン", "ゔぁいおりん");
    expect_text(text_fold_for_match, "Jean·Luc", "jeanluc");
    expect_text(text_fold_for_match, " \t ", "");
    /* Variant kanji of family names fold to the everyday form. */
    expect_text(text_fold_for_match, "髙橋 一郎", "高橋一郎");
    expect_text(text_fold_for_match, "齋藤", "斎藤");
    expect_text(text_fold_for_match, "齊藤", "斉藤");
    expect_text(text_fold_for_match, "渡邊", "渡辺");
    expect_text(text_fold_for_match, "渡邉", "渡辺");
    expect_text(text_fold_for_match, "山﨑", "山崎");
    expect_text(text_fold_for_match, "濱田", "浜田");
    expect_text(text_fold_for_match, "冨田", "富田");
    expect_text(text_fold_for_match, "斎藤", "斎藤"); /* 斎 and 斉 stay different */
    expect_text(text_fold_for_match, "斉藤", "斉藤");
}

static void test_kana_conversion(void **state)
{
    expect_text(text_kana_to_katakana, "やまだ ﾀﾛｳ", "ヤマダ タロウ");
    expect_text(text_kana_to_katakana, "ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "ガギグゲゴ パピプペポ");
    expect_text(text_kana_to_katakana, "ｳﾞｧｲｵﾘﾝ", "ヴァイオリン");
    expect_text(text_kana_to_katakana, "ﾂﾞﾃﾞﾄﾞ", "ヅデド");
    expect_text(text_kana_to_katakana, "ﾜﾞｦﾞ", "ヷヺ");
    expect_text(text_kana_to_katakana, "ﾅﾞ", "ナ゛"); /* no voiced ナ: the mark stays */
    expect_text(text_kana_to_katakana, "ｰ｡｢｣､･", "ー。「」、・");
    expect_text(text_kana_to_katakana, "は\xE3\x82\x9A", "パ"); /* combining semi-voiced */
    expect_text(text_kana_to_katakana, "ゝゞ", "ヽヾ");
    expect_text(text_kana_to_katakana, "山田 Taro 123", "山田 Taro 123");
    expect_text(text_kana_to_hiragana, "ﾔﾏﾀﾞ", "やまだ");
    expect_text(text_kana_to_hiragana, "ヤマダ　タロウ", "やまだ　たろう");
    expect_text(text_kana_to_hiragana, "ヴ", "ゔ");
    expect_text(text_kana_to_hiragana, "ヷ", "ヷ"); /* no hiragana form */
    expect_text(text_kana_to_hiragana, "スーパー", "すーぱー");
    expect_text(text_kana_to_hiragana, "ｶﾞｽﾊﾟｰﾙ", "がすぱーる");
    expect_text(text_kana_to_hiragana, "ヵヶ", "ゕゖ");
}

static void test_phone(void **state)
{
    expect_norm(text_phone_normalize, "03-1234-5678", "0312345678");
    expect_norm(text_phone_normalize, "０３－１２３４－５６７８", "0312345678");
    expect_norm(text_phone_normalize, "03‐1234‐5678", "0312345678");     /* U+2010 */
    expect_norm(text_phone_normalize, "03−1234−5678", "0312345678");     /* U+2212 */
    expect_norm(text_phone_normalize, "090ー1234ー5678", "09012345678"); /* long vowel mark */
    expect_norm(text_phone_normalize, "090ｰ1234ｰ5678", "09012345678");
    expect_norm(text_phone_normalize, "(03) 1234 5678", "0312345678");
    expect_norm(text_phone_normalize, "（０３）１２３４－５６７８", "0312345678");
    expect_norm(text_phone_normalize, "  0120-123-456 ", "0120123456");
    expect_norm(text_phone_normalize, "+81 3-1234-5678", "0312345678");
    expect_norm(text_phone_normalize, "+81 (0)3-1234-5678", "0312345678");
    expect_norm(text_phone_normalize, "+81-90-1234-5678", "09012345678");
    expect_norm(text_phone_normalize, "＋８１９０１２３４５６７８", "09012345678");
    expect_norm(text_phone_normalize, "+1 212 555 1234", "+12125551234");
    expect_norm(text_phone_normalize, "+44 20 7946 0958", "+442079460958");
    expect_norm(text_phone_normalize, "1234567", "1234567");
    expect_norm(text_phone_normalize, "212.555.1234", "2125551234");
    expect_norm(text_phone_normalize, "", NULL);
    expect_norm(text_phone_normalize, "123", NULL);
    expect_norm(text_phone_normalize, "03-1234-567", NULL);    /* 9 digits with a 0 */
    expect_norm(text_phone_normalize, "090-1234-56789", NULL); /* 12 digits */
    expect_norm(text_phone_normalize, "+81 3-1234-567", NULL);
    expect_norm(text_phone_normalize, "03-1234-5678 内線12", NULL);
    expect_norm(text_phone_normalize, "TEL 03-1234-5678", NULL);
    expect_norm(text_phone_normalize, "03+1234", NULL);
    expect_norm(text_phone_normalize, "+1 234", NULL);
    expect_norm(text_phone_normalize, "1234567890123456", NULL); /* 16 digits */
    expect_norm(text_phone_normalize, "12345678901234567890123456789", NULL);
}

static void test_postal(void **state)
{
    expect_norm(text_postal_normalize, "123-4567", "123-4567");
    expect_norm(text_postal_normalize, "〒123-4567", "123-4567");
    expect_norm(text_postal_normalize, "〒 １２３－４５６７", "123-4567");
    expect_norm(text_postal_normalize, "1234567", "123-4567");
    expect_norm(text_postal_normalize, "123ー4567", "123-4567");
    expect_norm(text_postal_normalize, " 123 4567 ", "123-4567");
    expect_norm(text_postal_normalize, "123456", NULL);
    expect_norm(text_postal_normalize, "12345678", NULL);
    expect_norm(text_postal_normalize, "123-456a", NULL);
    expect_norm(text_postal_normalize, "123〒4567", NULL);
    expect_norm(text_postal_normalize, "", NULL);
}

static void test_email(void **state)
{
    expect_norm(text_email_normalize, "taro@example.jp", "taro@example.jp");
    expect_norm(text_email_normalize, " Taro.Yamada@Example.CO.JP ", "taro.yamada@example.co.jp");
    expect_norm(text_email_normalize, "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp");
    expect_norm(text_email_normalize, "MAILTO:hanako@example.com", "hanako@example.com");
    expect_norm(text_email_normalize, "taro..yamada.@docomo.ne.jp", "taro..yamada.@docomo.ne.jp");
    expect_norm(text_email_normalize, "a+tag@sub.example.org", "a+tag@sub.example.org");
    expect_norm(text_email_normalize, "user@例え.jp", "user@例え.jp");
    expect_norm(text_email_normalize, "", NULL);
    expect_norm(text_email_normalize, "taro", NULL);
    expect_norm(text_email_normalize, "taro@", NULL);
    expect_norm(text_email_normalize, "@example.jp", NULL);
    expect_norm(text_email_normalize, "taro@example", NULL);
    expect_norm(text_email_normalize, "taro@example.j", NULL);
    expect_norm(text_email_normalize, "taro@example.123", NULL);
    expect_norm(text_email_normalize, "taro@@example.jp", NULL);
    expect_norm(text_email_normalize, "ta ro@example.jp", NULL);
    expect_norm(text_email_normalize, "taro@exa mple.jp", NULL);
    expect_norm(text_email_normalize, "taro@example..jp", NULL);
    expect_norm(text_email_normalize, "taro@-example.jp", NULL);
    expect_norm(text_email_normalize, "taro@example_x.jp", NULL);
    expect_norm(text_email_normalize, "\"taro\"@example.jp", NULL);
    expect_norm(text_email_normalize, "taro@example.jp\xFF", NULL);
    expect_norm(text_email_normalize, "a@b@example.jp", NULL);
}

static void test_buf_cap_is_respected(void **state)
{
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(text_email_normalize(&b, "someone@example.jp", 18), -1);
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_next_and_put),
        cmocka_unit_test(test_fullwidth_and_dashes),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_nfkc_examples),
        cmocka_unit_test(test_nfkc_matches_whole_string_nfkc),
        cmocka_unit_test(test_nfkc_long_expansion_uses_heap),
        cmocka_unit_test(test_fold_for_match),
        cmocka_unit_test(test_kana_conversion),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_postal),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_buf_cap_is_respected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
