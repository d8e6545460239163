/* Tests for src/io/csv.c: RFC 4180 records, line numbers, errors with line and column, block
 * boundaries, delimiter detection and the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "io/csv.h"

/* Parses text with the given block size and renders every record as "line:f1|f2|...\n", or
 * "ERR:<message>" at the end on error. */
static char *parse_all(const char *text, size_t len, size_t block, char delim, long *nrec)
{
    struct io_source src;
    struct csv_reader r;
    struct csv_options opt = {.delimiter = delim, .block_size = block};
    struct io_row row;
    struct ok_err err;
    struct buf out;
    int rc;
    long n = 0;
    buf_init(&out, 0);
    ok_err_clear(&err);
    io_source_init_mem(&src, text, len);
    csv_reader_init(&r, &src, &opt);
    while ((rc = csv_reader_next(&r, &row, &err)) == 1) {
        size_t i;
        buf_printf(&out, "%ld:", row.line);
        for (i = 0; i < row.n; i++) {
            assert_int_equal(row.cells[i].s[row.cells[i].len], '\0');
            buf_printf(&out, "%s%s", i ? "|" : "", row.cells[i].s);
        }
        buf_putc(&out, '\n');
        n++;
    }
    if (rc < 0)
        buf_printf(&out, "ERR:%s@%ld", err.message, err.input_line);
    csv_reader_release(&r);
    io_source_release(&src);
    if (nrec)
        *nrec = n;
    {
        char *res = buf_detach(&out, NULL);
        buf_release(&out); /* buf_detach re-initialises the buffer */
        return res;
    }
}

static void check(const char *text, char delim, const char *expect)
{
    static const size_t blocks[] = {16, 17, 19, 64, 1 << 20};
    size_t i;
    for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
        char *got = parse_all(text, strlen(text), blocks[i], delim, NULL);
        if (strcmp(got, expect) != 0)
            fail_msg("block %zu:\n got: [%s]\nwant: [%s]", blocks[i], got, expect);
        free(got);
    }
}

static void test_simple_and_line_ends(void **state)
{
    check("a,b,c\r\n1,2,3\n4,5,6", ',', "1:a|b|c\n2:1|2|3\n3:4|5|6\n");
    check("a,b\rc,d\r", ',', "1:a|b\n2:c|d\n");
    check("x\r\n\r\ny\n", ',', "1:x\n2:\n3:y\n");
    check("", ',', "");
    check("\n", ',', "1:\n");
}

static void test_empty_fields(void **state)
{
    check(",,\n,\n", ',', "1:||\n2:|\n");
    check("a,,\"\",b,", ',', "1:a|||b|\n");
}

static void test_quotes_and_embedded_newlines(void **state)
{
    check("\"a \"\"q\"\" b\",\"x,y\"\n", ',', "1:a \"q\" b|x,y\n");
    check("\"line1\nline2\",z\nnext,1\n", ',', "1:line1\nline2|z\n3:next|1\n");
    check("\"l1\r\nl2\r\nl3\"\r\nz\r\n", ',', "1:l1\r\nl2\r\nl3\n4:z\n");
    check("\"\"\"\"\n", ',', "1:\"\n");
    /* a quote inside an unquoted field is literal, as in spreadsheets */
    check("5\"3,ab\"\n", ',', "1:5\"3|ab\"\n");
    check("\"顧客\",\"東京都\n渋谷区\"", ',', "1:顧客|東京都\n渋谷区\n");
}

static void test_tabs(void **state)
{
    check("a\tb,c\t\"d\te\"\n", '\t', "1:a|b,c|d\te\n");
    assert_int_equal(
        csv_detect_delimiter("名前\t金額\n山田\t1,000\n", strlen("名前\t金額\n山田\t1,000\n")),
        '\t');
    assert_int_equal(csv_detect_delimiter("a,b,\"c\td\"\n", 10), ',');
    check("a\tb\n1\t2\n", 0, "1:a|b\n2:1|2\n");
}

static void test_errors_have_line_and_column(void **state)
{
    check("a,b\nc,\"d\n", ',',
          "1:a|b\nERR:line 2, column 3: unterminated quoted field (no closing quote)@2");
    check("x\n\"ab\"c,d\n", ',',
          "1:x\nERR:line 2, column 5: unexpected text after a closing quote@2");
    /* columns count characters, not bytes */
    check("顧客,\"ab\"x\n", ',', "ERR:line 1, column 8: unexpected text after a closing quote@1");
    /* an error on the second physical line of a multi-line record */
    check("\"a\nb\"\"\"x\n", ',', "ERR:line 2, column 5: unexpected text after a closing quote@2");
}

static void test_field_cap(void **state)
{
    struct io_source src;
    struct csv_reader r;
    struct csv_options opt = {.max_field = 10, .block_size = 16};
    struct io_row row;
    struct ok_err err;
    const char *text = "short,ok\nabcdefghijklmnop,x\n";
    io_source_init_mem(&src, text, strlen(text));
    csv_reader_init(&r, &src, &opt);
    assert_int_equal(csv_reader_next(&r, &row, &err), 1);
    assert_int_equal(csv_reader_next(&r, &row, &err), -1);
    assert_non_null(strstr(err.message, "line 2, column 1: field longer than 10 bytes"));
    csv_reader_release(&r);

    /* an unterminated quote in a long file stops at the cap instead of reading everything */
    {
        char *big = malloc(1000);
        memset(big, 'x', 999);
        big[0] = '"';
        big[999] = '\0';
        io_source_init_mem(&src, big, 999);
        csv_reader_init(&r, &src, &opt);
        assert_int_equal(csv_reader_next(&r, &row, &err), -1);
        assert_non_null(strstr(err.message, "unterminated quote?"));
        csv_reader_release(&r);
        free(big);
    }
}

/* Many records through tiny blocks give the same result as one big block. */
static void test_block_boundaries_random(void **state)
{
    static const char *pieces[] = {"a", "\"q\"\"x\"", "", "\"m\nl\"", "長い値", "\"\"", "12345"};
    struct buf in;
    unsigned seed = 12345;
    int i;
    long n1, n2, n3;
    char *a, *b, *c;
    buf_init(&in, 0);
    for (i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        buf_puts(&in, pieces[(seed >> 16) % 7]);
        switch ((seed >> 8) % 5) {
        case 0:
            buf_puts(&in, "\r\n");
            break;
        case 1:
            buf_puts(&in, "\n");
            break;
        default:
            buf_putc(&in, ',');
            break;
        }
    }
    buf_puts(&in, "end");
    a = parse_all(in.data, in.len, 1 << 20, ',', &n1);
    b = parse_all(in.data, in.len, 16, ',', &n2);
    c = parse_all(in.data, in.len, 23, ',', &n3);
    assert_null(strstr(a, "ERR"));
    assert_true(n1 > 500);
    assert_int_equal(n1, n2);
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    free(a);
    free(b);
    free(c);
    buf_release(&in);
}

static void test_writer_round_trip(void **state)
{
    const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", NULL, "顧客"};
    struct buf b;
    char *got;
    buf_init(&b, 0);
    csv_write_record(&b, fields, NULL, 6, ',');
    assert_string_equal(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,顧客\r\n");
    got = parse_all(b.data, b.len, 16, ',', NULL);
    assert_string_equal(got, "1:plain|a,b|say \"hi\"|two\nlines||顧客\n");
    free(got);
    buf_reset(&b);
    csv_write_field(&b, "a\tb", 3, '\t');
    assert_string_equal(b.data, "\"a\tb\"");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_and_line_ends),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_quotes_and_embedded_newlines),
        cmocka_unit_test(test_tabs),
        cmocka_unit_test(test_errors_have_line_and_column),
        cmocka_unit_test(test_field_cap),
        cmocka_unit_test(test_block_boundaries_random),
        cmocka_unit_test(test_writer_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
