/* Tests for src/io/encoding.c: detection, CP932/UTF-16 decoding with block boundaries, errors
 * with offsets and lines, and the export encoder that reports unencodable characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "io/csv.h"
#include "io/encoding.h"

/* Converts UTF-8 text to `to` with iconv, as a test fixture writer. */
static void to_charset(struct buf *out, const char *to, const char *s)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    char tmp[4096];
    char *ip = (char *)(uintptr_t)s;
    size_t il = strlen(s);
    assert_true(cd != (iconv_t)-1);
    while (il > 0) {
        char *op = tmp;
        size_t ol = sizeof(tmp);
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        assert_true(r != (size_t)-1 || errno == E2BIG);
        buf_append(out, tmp, (size_t)(op - tmp));
    }
    iconv_close(cd);
}

/* Decodes data[0..n) with `enc`, reading `cap` bytes at a time. Returns 0 and the text in out,
 * or -1 with err. */
static int decode_all(const char *data, size_t n, enum io_encoding enc, size_t cap, struct buf *out,
                      struct io_decoder *dout, struct ok_err *err)
{
    struct io_source src;
    struct io_decoder d;
    char *tmp = malloc(cap);
    int rc = -1;
    long k;
    io_source_init_mem(&src, data, n);
    if (io_decoder_init(&d, &src, enc, err) < 0)
        goto out;
    while ((k = io_decoder_read(&d, tmp, cap, err)) > 0)
        buf_append(out, tmp, (size_t)k);
    if (k == 0)
        rc = 0;
    if (dout)
        *dout = d;
    io_decoder_release(&d);
out:
    io_source_release(&src);
    free(tmp);
    return rc;
}

static void test_detect(void **state)
{
    size_t bom;
    int ascii;
    assert_int_equal(io_encoding_detect("\xEF\xBB\xBF"
                                        "a",
                                        4, 1, &bom, &ascii),
                     IO_ENC_UTF8);
    assert_int_equal(bom, 3);
    assert_int_equal(io_encoding_detect("\xFF\xFE"
                                        "a\0",
                                        4, 1, &bom, &ascii),
                     IO_ENC_UTF16LE);
    assert_int_equal(io_encoding_detect("\xFE\xFF\0a", 4, 1, &bom, &ascii), IO_ENC_UTF16BE);
    assert_int_equal(io_encoding_detect("氏名,電話", strlen("氏名,電話"), 1, &bom, &ascii),
                     IO_ENC_UTF8);
    assert_int_equal(bom, 0);
    assert_int_equal(ascii, 0);
    /* 氏名 in CP932 */
    assert_int_equal(io_encoding_detect("\x8E\x81\x96\xBC", 4, 1, &bom, &ascii), IO_ENC_CP932);
    /* a UTF-8 character cut by the end of the prefix is fine unless the file ends there */
    assert_int_equal(io_encoding_detect("ab\xE6\xB0", 4, 0, &bom, &ascii), IO_ENC_UTF8);
    assert_int_equal(io_encoding_detect("ab\xE6\xB0", 4, 1, &bom, &ascii), IO_ENC_CP932);
    assert_int_equal(io_encoding_detect("code,name\n", 10, 1, &bom, &ascii), IO_ENC_UTF8);
    assert_int_equal(ascii, 1);
    /* overlong and surrogate forms are not UTF-8 */
    assert_int_equal(io_encoding_detect("\xC0\xAF", 2, 1, &bom, &ascii), IO_ENC_CP932);
    assert_int_equal(io_encoding_detect("\xED\xA0\x80", 3, 1, &bom, &ascii), IO_ENC_CP932);
}

static void test_parse_names(void **state)
{
    enum io_encoding e;
    struct ok_err err;
    assert_int_equal(io_encoding_parse("Shift_JIS", &e, &err), 0);
    assert_int_equal(e, IO_ENC_CP932);
    assert_int_equal(io_encoding_parse("UTF-8-BOM", &e, &err), 0);
    assert_int_equal(e, IO_ENC_UTF8_BOM);
    assert_int_equal(io_encoding_parse("latin1", &e, &err), -1);
    assert_string_equal(io_encoding_name(IO_ENC_CP932), "cp932");
}

/* ①, ～ and 髙 survive CP932, also when the 256 KiB block boundary cuts a character, and with
 * reads of a few bytes at a time. */
static void test_cp932_round_trip_and_boundaries(void **state)
{
    const char *line = "髙橋①,～ｶﾅ,\"㈱ﾃｽﾄ\"\r\n";
    int shift;
    for (shift = 0; shift < 3; shift++) {
        struct buf text, raw, got;
        struct ok_err err;
        struct io_decoder d;
        int i;
        size_t caps[] = {9, 4096, 1 << 20};
        size_t c;
        buf_init(&text, 0);
        buf_init(&raw, 0);
        buf_puts(&text, shift == 0 ? "" : shift == 1 ? "x" : "xy");
        for (i = 0; i < 20000; i++)
            buf_puts(&text, line);
        to_charset(&raw, "CP932", text.data);
        assert_true(raw.len > (size_t)300 << 10); /* spans block boundaries */
        for (c = 0; c < 3; c++) {
            buf_init(&got, 0);
            assert_int_equal(decode_all(raw.data, raw.len, IO_ENC_AUTO, caps[c], &got, &d, &err),
                             0);
            assert_int_equal(d.enc, IO_ENC_CP932);
            assert_int_equal(got.len, text.len);
            assert_memory_equal(got.data, text.data, text.len);
            buf_release(&got);
        }
        buf_release(&text);
        buf_release(&raw);
    }
}

/* A bad CP932 sequence is reported with its byte offset, and through the CSV reader with the
 * line; the good lines before it are delivered. */
static void test_cp932_invalid_byte(void **state)
{
    struct buf raw, got;
    struct ok_err err;
    struct io_source src;
    struct io_decoder d;
    struct csv_reader r;
    struct io_row row;
    size_t off;
    buf_init(&raw, 0);
    buf_init(&got, 0);
    to_charset(&raw, "CP932", "氏名,電話\r\n山田,03\r\n");
    off = raw.len;
    buf_append(&raw, "\x81\x20\r\n", 4); /* 0x81 needs a trail byte 0x40..0xFC */
    assert_int_equal(decode_all(raw.data, raw.len, IO_ENC_CP932, 4096, &got, NULL, &err), -1);
    assert_string_equal(got.data, "氏名,電話\r\n山田,03\r\n");
    {
        char want[128];
        snprintf(want, sizeof(want),
                 "invalid CP932 byte sequence 0x81 0x20 0x0D 0x0A at byte offset %zu", off);
        assert_string_equal(err.message, want);
    }

    io_source_init_mem(&src, raw.data, raw.len);
    assert_int_equal(io_decoder_init(&d, &src, IO_ENC_AUTO, &err), 0);
    {
        struct io_source dec;
        io_source_init_fn(&dec, io_decoder_read, &d);
        csv_reader_init(&r, &dec, NULL);
        assert_int_equal(csv_reader_next(&r, &row, &err), -1);
        assert_int_equal(err.input_line, 3);
        assert_non_null(strstr(err.message, "line 3: invalid CP932"));
        csv_reader_release(&r);
        io_source_release(&dec);
    }
    io_decoder_release(&d);
    io_source_release(&src);
    buf_release(&raw);
    buf_release(&got);
}

/* UTF-8 guessed from the first block (at least 64 KiB), then a CP932 byte: a clear error. */
static void test_utf8_guess_then_invalid(void **state)
{
    struct buf raw, got;
    struct ok_err err;
    int i;
    buf_init(&raw, 0);
    buf_init(&got, 0);
    for (i = 0; i < 40000; i++) /* more than the decoder's first read */
        buf_puts(&raw, "顧客,東京\n");
    buf_append(&raw, "\x8E\x81\x96\xBC\n", 5);
    assert_int_equal(decode_all(raw.data, raw.len, IO_ENC_AUTO, 1 << 16, &got, NULL, &err), -1);
    assert_non_null(strstr(err.message, "invalid UTF-8 byte sequence 0x8E 0x81"));
    assert_non_null(strstr(err.message, "--encoding cp932"));
    assert_int_equal(got.len, raw.len - 5);
    buf_release(&raw);
    buf_release(&got);
}

/* 100 KiB of ASCII, then Shift_JIS: the open guess turns into CP932 without losing anything. */
static void test_ascii_prefix_then_cp932(void **state)
{
    struct buf text, raw, got;
    struct ok_err err;
    struct io_decoder d;
    int i;
    buf_init(&text, 0);
    buf_init(&raw, 0);
    buf_init(&got, 0);
    for (i = 0; i < 5000; i++)
        buf_printf(&text, "C%05d,Yamada Taro,%d\n", i, i);
    buf_puts(&text, "C99999,髙橋①～,1\n");
    to_charset(&raw, "CP932", text.data);
    assert_int_equal(decode_all(raw.data, raw.len, IO_ENC_AUTO, 4096, &got, &d, &err), 0);
    assert_int_equal(d.enc, IO_ENC_CP932);
    assert_string_equal(got.data, text.data);
    buf_release(&text);
    buf_release(&raw);
    buf_release(&got);
}

static void test_utf16_and_bom(void **state)
{
    struct buf raw, got;
    struct ok_err err;
    struct io_decoder d;
    buf_init(&raw, 0);
    buf_init(&got, 0);
    buf_append(&raw, "\xFF\xFE", 2);
    to_charset(&raw, "UTF-16LE", "氏名\t電話\r\n髙橋\t①\r\n");
    assert_int_equal(decode_all(raw.data, raw.len, IO_ENC_AUTO, 4096, &got, &d, &err), 0);
    assert_int_equal(d.enc, IO_ENC_UTF16LE);
    assert_string_equal(got.data, "氏名\t電話\r\n髙橋\t①\r\n");
    buf_reset(&got);
    assert_int_equal(decode_all("\xEF\xBB\xBF"
                                "a,b\n",
                                7, IO_ENC_UTF8, 4096, &got, &d, &err),
                     0);
    assert_string_equal(got.data, "a,b\n");
    /* a truncated UTF-8 character at the end of the file */
    buf_reset(&got);
    assert_int_equal(decode_all("ab\xE6\xB0", 4, IO_ENC_UTF8, 4096, &got, NULL, &err), -1);
    assert_non_null(
        strstr(err.message, "truncated UTF-8 byte sequence 0xE6 0xB0 at byte offset 2"));
    buf_release(&raw);
    buf_release(&got);
}

static void test_encoder(void **state)
{
    struct io_encoder e;
    struct ok_err err;
    struct buf out, back;
    long pos;
    buf_init(&out, 0);
    buf_init(&back, 0);
    assert_int_equal(io_encoder_init(&e, IO_ENC_CP932, &err), 0);
    io_encoder_begin(&e, &out);
    assert_int_equal(out.len, 0);
    assert_int_equal(io_encoder_put(&e, &out, "髙橋①～,", strlen("髙橋①～,"), &pos, &err), 0);
    assert_int_equal(out.len, 9);
    assert_memory_equal(out.data, "\xFB\xFC\x8B\xB4\x87\x40\x81\x60,", 9);
    /* an emoji cannot be encoded: reported with its position, nothing appended */
    assert_int_equal(io_encoder_put(&e, &out, "ok😀x", strlen("ok😀x"), &pos, &err), -1);
    assert_int_equal(pos, 3);
    assert_string_equal(err.message,
                        "character '😀' (U+1F600) at position 3 cannot be written in CP932");
    assert_int_equal(out.len, 9);
    /* and the encoder still works afterwards */
    assert_int_equal(io_encoder_put(&e, &out, "abc", 3, &pos, &err), 0);
    assert_int_equal(io_encoder_put(&e, &out, "ｶﾅ", strlen("ｶﾅ"), &pos, &err), 0);
    assert_int_equal(out.len, 14);
    io_encoder_release(&e);

    assert_int_equal(decode_all(out.data, out.len, IO_ENC_CP932, 64, &back, NULL, &err), 0);
    assert_string_equal(back.data, "髙橋①～,abcｶﾅ");

    buf_reset(&out);
    assert_int_equal(io_encoder_init(&e, IO_ENC_UTF8_BOM, &err), 0);
    io_encoder_begin(&e, &out);
    assert_int_equal(io_encoder_put(&e, &out, "顧客", strlen("顧客"), &pos, &err), 0);
    assert_string_equal(out.data, "\xEF\xBB\xBF顧客");
    assert_int_equal(io_encoder_put(&e, &out, "\xFF", 1, &pos, &err), -1);
    io_encoder_release(&e);
    buf_release(&out);
    buf_release(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_cp932_round_trip_and_boundaries),
        cmocka_unit_test(test_cp932_invalid_byte),
        cmocka_unit_test(test_utf8_guess_then_invalid),
        cmocka_unit_test(test_ascii_prefix_then_cp932),
        cmocka_unit_test(test_utf16_and_bom),
        cmocka_unit_test(test_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
