/* Tests for src/io/xlsx_reader.c and src/io/xlsx_writer.c: workbooks written by libxlsxwriter
 * (shared and inline strings, numbers, dates, sparse cells), a hand-made workbook (rich text,
 * furigana, 1904 dates, booleans, errors, formulas, named sheets), and damaged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "io/xlsx_reader.h"
#include "io/xlsx_writer.h"

static char *tmp_path(void)
{
    char *p = strdup("/tmp/okaeri-xlsx-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return data;
}

/* Renders every row as "line:c1|c2|...\n" with "#" after date cells, "%" after booleans. */
static char *dump(struct xlsx_reader *x, int *rc_out, struct ok_err *err)
{
    struct io_row row;
    char *out = calloc(1, 1 << 16);
    size_t used = 0;
    int rc;
    while ((rc = xlsx_reader_next(x, &row, err)) == 1) {
        size_t i;
        used += (size_t)snprintf(out + used, (1 << 16) - used, "%ld:", row.line);
        for (i = 0; i < row.n; i++) {
            assert_int_equal(row.cells[i].s[row.cells[i].len], '\0');
            assert_int_equal(strlen(row.cells[i].s), row.cells[i].len);
            used += (size_t)snprintf(out + used, (1 << 16) - used, "%s%s%s%s", i ? "|" : "",
                                     row.cells[i].s,
                                     row.cells[i].flags & IO_CELL_DATE_SERIAL ? "#" : "",
                                     row.cells[i].flags & IO_CELL_BOOL ? "%" : "");
        }
        used += (size_t)snprintf(out + used, (1 << 16) - used, "\n");
    }
    *rc_out = rc;
    return out;
}

static void test_format_is_date(void **state)
{
    assert_true(xlsx_format_is_date("yyyy/mm/dd"));
    assert_true(xlsx_format_is_date("[$-411]ggge\"年\"m\"月\"d\"日\""));
    assert_true(xlsx_format_is_date("h:mm:ss"));
    assert_true(xlsx_format_is_date("[h]:mm"));
    assert_true(xlsx_format_is_date("[$-F800]dddd, mmmm dd, yyyy"));
    assert_false(xlsx_format_is_date("#,##0"));
    assert_false(xlsx_format_is_date("\"¥\"#,##0;[Red]\\-\"¥\"#,##0"));
    assert_false(xlsx_format_is_date("0.00E+00"));
    assert_false(xlsx_format_is_date("General"));
    assert_false(xlsx_format_is_date("@"));
    assert_false(xlsx_format_is_date("\"day\"0"));
    assert_true(xlsx_builtin_format_is_date(14));
    assert_true(xlsx_builtin_format_is_date(57)); /* ja-JP 和暦 */
    assert_false(xlsx_builtin_format_is_date(3));
    assert_false(xlsx_builtin_format_is_date(49));
}

/* Our writer (constant memory: inline strings) read back by our reader. */
static void test_writer_round_trip(void **state)
{
    static const char *const head[] = {"顧客ID", "氏名", "金額", "購入日", "数量", "比率"};
    struct ok_err err;
    char *path = tmp_path();
    struct xlsx_writer *w = xlsx_writer_new(path, "顧客", head, 6, &err);
    struct xlsx_reader *x;
    char *got;
    int rc;
    assert_non_null(w);
    assert_int_equal(xlsx_writer_text(w, 0, "C001", &err), 0);
    assert_int_equal(xlsx_writer_text(w, 1, "髙橋 ①子", &err), 0);
    assert_int_equal(xlsx_writer_money(w, 2, 12800, 0, &err), 0);
    assert_int_equal(xlsx_writer_date(w, 3, 19727, &err), 0); /* 2024-01-05 */
    assert_int_equal(xlsx_writer_int(w, 4, 3, &err), 0);
    assert_int_equal(xlsx_writer_number(w, 5, 0.1 + 0.2, &err), 0);
    xlsx_writer_end_row(w);
    /* sparse: only columns 0 and 3 */
    assert_int_equal(xlsx_writer_text(w, 0, "C002", &err), 0);
    assert_int_equal(xlsx_writer_date(w, 3, 0, &err), 0); /* 1970-01-01 */
    xlsx_writer_end_row(w);
    assert_int_equal(xlsx_writer_money(w, 2, -150, 2, &err), 0);
    xlsx_writer_end_row(w);
    assert_int_equal(xlsx_writer_text(w, 9, "x", &err), -1);
    assert_int_equal(xlsx_writer_close(&w, &err), 0);
    assert_null(w);

    x = xlsx_reader_open(path, NULL, &err);
    if (!x)
        fail_msg("%s", err.message);
    assert_int_equal(xlsx_reader_sheet_count(x), 1);
    assert_string_equal(xlsx_reader_sheet_name(x, 0), "顧客");
    got = dump(x, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "1:顧客ID|氏名|金額|購入日|数量|比率\n"
                             "2:C001|髙橋 ①子|12800|45296#|3|0.3\n"
                             "3:C002|||25569#\n"
                             "4:||-1.5\n");
    free(got);
    xlsx_reader_free(&x);
    assert_null(x);
    unlink(path);
    free(path);
}

/* A workbook made with plain libxlsxwriter (shared strings, gaps in rows, a second sheet). */
static void test_libxlsxwriter_shared_strings(void **state)
{
    struct ok_err err;
    char *path = tmp_path();
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *s1 = workbook_add_worksheet(wb, "一覧");
    lxw_worksheet *s2 = workbook_add_worksheet(wb, "注文");
    lxw_format *dt = workbook_add_format(wb);
    lxw_datetime when = {2023, 12, 31, 13, 30, 0};
    struct xlsx_reader *x;
    char *got;
    int rc;
    format_set_num_format(dt, "yyyy/m/d h:mm");
    worksheet_write_string(s1, 0, 0, "氏名", NULL);
    worksheet_write_string(s1, 0, 2, "電話番号", NULL);
    worksheet_write_string(s1, 2, 0, "山田", NULL); /* row 2 is empty: skipped */
    worksheet_write_string(s1, 2, 2, "090-1234-5678", NULL);
    worksheet_write_string(s1, 3, 27, "AB", NULL); /* column AB */
    worksheet_write_boolean(s1, 4, 0, 1, NULL);
    worksheet_write_datetime(s2, 0, 0, &when, dt);
    worksheet_write_number(s2, 0, 1, 1234567.125, NULL);
    worksheet_write_string(s2, 0, 2, "氏名", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    x = xlsx_reader_open(path, NULL, &err);
    assert_non_null(x);
    got = dump(x, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(got, "1:氏名||電話番号\n3:山田||090-1234-5678\n"
                             "4:|||||||||||||||||||||||||||AB\n5:TRUE%\n");
    free(got);
    xlsx_reader_free(&x);

    x = xlsx_reader_open(path, "注文", &err);
    assert_non_null(x);
    got = dump(x, &rc, &err);
    assert_int_equal(rc, 0);
    /* 2023-12-31 13:30 = serial 45291 + 13.5/24 */
    assert_string_equal(got, "1:45291.5625#|1234567.125|氏名\n");
    free(got);
    xlsx_reader_free(&x);

    x = xlsx_reader_open(path, "Sheet9", &err);
    assert_null(x);
    assert_string_equal(err.message,
                        "the workbook has no sheet named \"Sheet9\" (sheets: \"一覧\", \"注文\")");
    unlink(path);
    free(path);
}

static void add(zip_t *za, const char *name, const char *text)
{
    zip_source_t *s = zip_source_buffer(za, text, strlen(text), 0);
    assert_non_null(s);
    assert_true(zip_file_add(za, name, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) >= 0);
}

static const char WB[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<workbookPr date1904=\"1\"/><sheets>"
    "<sheet name=\"表紙\" sheetId=\"1\" r:id=\"rId2\"/>"
    "<sheet name=\"顧客\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
static const char RELS[] =
    "<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/data.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/worksheet\" Target=\"/xl/worksheets/cover.xml\"/>"
    "</Relationships>";
static const char SST[] =
    "<?xml version=\"1.0\"?><sst "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>氏名</t></si>"
    "<si><r><rPr><b/></rPr><t>山田</t></r><r><t xml:space=\"preserve\"> 太郎</t></r>"
    "<rPh sb=\"0\" eb=\"2\"><t>ヤマダ</t></rPh><rPh sb=\"3\" eb=\"5\"><t>タロウ</t></rPh>"
    "<phoneticPr fontId=\"1\"/></si>"
    "<si><t>1行目_x000D_\n2行目</t></si>"
    "<si><t>生年月日</t></si></sst>";
static const char STYLES[] =
    "<?xml version=\"1.0\"?><styleSheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<numFmts count=\"2\"><numFmt numFmtId=\"164\" "
    "formatCode=\"[$-411]ggge&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"&quot;¥&quot;#,##0\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/>"
    "<xf numFmtId=\"14\"/></cellXfs></styleSheet>";
static const char SHEET[] =
    "<?xml version=\"1.0\"?><x:worksheet "
    "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<x:sheetData>"
    "<x:row r=\"1\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"C1\" "
    "t=\"s\"><x:v>3</x:v></x:c></x:row>"
    "<x:row r=\"2\"><x:c r=\"A2\" t=\"s\"><x:v>1</x:v></x:c><x:c r=\"B2\" "
    "s=\"2\"><x:v>12800</x:v></x:c>"
    "<x:c r=\"C2\" s=\"1\"><x:v>43830</x:v></x:c></x:row>"
    "<x:row r=\"4\"><x:c t=\"inlineStr\"><x:is><x:r><x:t>髙</x:t></x:r><x:r><x:t>橋</x:t></x:r>"
    "<x:rPh sb=\"0\" eb=\"2\"><x:t>タカハシ</x:t></x:rPh></x:is></x:c>"
    "<x:c t=\"b\"><x:v>0</x:v></x:c><x:c s=\"3\"><x:v>0.5</x:v></x:c>"
    "<x:c t=\"e\"><x:v>#N/A</x:v></x:c><x:c t=\"str\"><x:f>A1&amp;\"x\"</x:f><x:v>氏名x</x:v></x:c>"
    "<x:c><x:v>0.10000000000000001</x:v></x:c><x:c t=\"s\"><x:v>2</x:v></x:c></x:row>"
    "<x:row r=\"5\"><x:c r=\"A5\" s=\"1\"/></x:row>"
    "</x:sheetData></x:worksheet>";
static const char COVER[] =
    "<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
    "<is><t>表紙</t></is></c></row></sheetData></worksheet>";

static char *make_handmade(void)
{
    char *path = tmp_path();
    int zerr;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(za);
    add(za, "[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>");
    add(za, "xl/workbook.xml", WB);
    add(za, "xl/_rels/workbook.xml.rels", RELS);
    add(za, "xl/sharedStrings.xml", SST);
    add(za, "xl/styles.xml", STYLES);
    add(za, "xl/worksheets/data.xml", SHEET);
    add(za, "xl/worksheets/cover.xml", COVER);
    assert_int_equal(zip_close(za), 0);
    return path;
}

static void test_handmade_rich_text_furigana_1904(void **state)
{
    struct ok_err err;
    char *path = make_handmade();
    struct xlsx_reader *x;
    char *got;
    int rc;

    x = xlsx_reader_open(path, NULL, &err); /* the first sheet is the cover */
    assert_non_null(x);
    assert_true(xlsx_reader_date1904(x));
    got = dump(x, &rc, &err);
    assert_string_equal(got, "1:表紙\n");
    free(got);
    xlsx_reader_free(&x);

    x = xlsx_reader_open(path, "顧客", &err);
    if (!x)
        fail_msg("%s", err.message);
    got = dump(x, &rc, &err);
    assert_int_equal(rc, 0);
    /* 1904 serial 43830 (2024-01-01) = 1900 serial 45292; 0.5 with built-in format 14 is a
     * date too (1904-01-01 12:00 = 1462.5); furigana is dropped; 17 digits become 15. */
    assert_string_equal(got, "1:氏名||生年月日\n"
                             "2:山田 太郎|12800|45292#\n"
                             "4:髙橋|FALSE%|1462.5#|#N/A|氏名x|0.1|1行目\r\n2行目\n");
    free(got);
    xlsx_reader_free(&x);
    unlink(path);
    free(path);
}

/* Damaged files: every truncation and a flipped byte give an error, never a crash. */
static void test_truncated_and_corrupt(void **state)
{
    struct ok_err err;
    char *path = make_handmade();
    size_t len, cut;
    char *data = slurp(path, &len);
    struct xlsx_reader *x;
    int errors = 0, tries = 0;

    x = xlsx_reader_open_mem(data, len, "顧客", &err);
    assert_non_null(x);
    xlsx_reader_free(&x);

    for (cut = 0; cut < len; cut += len / 37 + 1) {
        int rc = 0;
        tries++;
        x = xlsx_reader_open_mem(data, cut, "顧客", &err);
        if (x) {
            char *got = dump(x, &rc, &err);
            free(got);
            xlsx_reader_free(&x);
        }
        if (!x && rc == 0)
            rc = -1;
        if (rc < 0)
            errors++;
    }
    assert_int_equal(errors, tries);
    x = xlsx_reader_open_mem(data, len / 2, NULL, &err);
    assert_null(x);
    if (!strstr(err.message, "damaged or truncated"))
        fail_msg("%s", err.message);

    x = xlsx_reader_open_mem("name,phone\n", 11, NULL, &err);
    assert_null(x);
    assert_non_null(strstr(err.message, "not an .xlsx file"));

    /* a flipped byte inside the compressed sheet data */
    {
        char *bad = malloc(len);
        size_t i;
        int detected = 0, n = 0;
        for (i = 200; i < len - 200; i += 97) {
            int rc = 0;
            memcpy(bad, data, len);
            bad[i] ^= 0x55;
            n++;
            x = xlsx_reader_open_mem(bad, len, "顧客", &err);
            if (x) {
                char *got = dump(x, &rc, &err);
                free(got);
                xlsx_reader_free(&x);
            } else {
                rc = -1;
            }
            if (rc < 0)
                detected++;
        }
        assert_true(n > 5);
        assert_true(detected > 0);
        free(bad);
    }
    free(data);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_is_date),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_libxlsxwriter_shared_strings),
        cmocka_unit_test(test_handmade_rich_text_furigana_1904),
        cmocka_unit_test(test_truncated_and_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
