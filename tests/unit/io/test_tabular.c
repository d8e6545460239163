/* Tests for src/io/tabular.c: format detection from content, encodings and delimiters behind one
 * row interface, blank rows, refused formats, and a real file from the shared data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "io/columns.h"
#include "io/tabular.h"
#include "io/xlsx_writer.h"

static void to_cp932(struct buf *out, const char *s)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    char tmp[4096];
    char *ip = (char *)(uintptr_t)s;
    size_t il = strlen(s);
    while (il > 0) {
        char *op = tmp;
        size_t ol = sizeof(tmp);
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        assert_true(r != (size_t)-1 || errno == E2BIG);
        buf_append(out, tmp, (size_t)(op - tmp));
    }
    iconv_close(cd);
}

static char *dump(struct tabular *t, int *rc)
{
    struct buf b;
    struct io_row row;
    struct ok_err err;
    char *res;
    buf_init(&b, 0);
    while ((*rc = tabular_next(t, &row, &err)) == 1) {
        size_t i;
        buf_printf(&b, "%ld:", row.line);
        for (i = 0; i < row.n; i++)
            buf_printf(&b, "%s%s", i ? "|" : "", row.cells[i].s);
        buf_putc(&b, '\n');
    }
    if (*rc < 0)
        buf_printf(&b, "ERR:%s", err.message);
    res = buf_detach(&b, NULL);
    buf_release(&b);
    return res;
}

/* A CP932 customer list with Japanese headers, a blank line and a quoted address. */
static void test_cp932_customer_csv(void **state)
{
    struct buf raw;
    struct ok_err err;
    struct tabular *t;
    struct io_row row;
    struct column_map m;
    int rc;
    char *got;
    buf_init(&raw, 0);
    to_cp932(&raw,
             "会員番号,お名前,フリガナ,電話番号,住所\r\n"
             "Ｃ００１,髙橋 一郎,ﾀｶﾊｼ ｲﾁﾛｳ,０３－１２３４－５６７８,\"東京都港区①\r\n２階\"\r\n"
             "\r\n"
             "C002,渡辺～,わたなべ,090-0000-0000,大阪\r\n");
    t = tabular_open_mem(raw.data, raw.len, "顧客.csv", NULL, &err);
    assert_non_null(t);
    assert_int_equal(tabular_format(t), IO_FORMAT_CSV);
    assert_int_equal(tabular_encoding(t), IO_ENC_CP932);
    assert_int_equal(tabular_next(t, &row, &err), 1);
    assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, &row, NULL, 0, &err), 0);
    got = dump(t, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(
        got, "2:Ｃ００１|髙橋 一郎|ﾀｶﾊｼ ｲﾁﾛｳ|０３－１２３４－５６７８|東京都港区①\r\n２階\n"
             "5:C002|渡辺～|わたなべ|090-0000-0000|大阪\n");
    free(got);
    column_map_release(&m);
    tabular_free(&t);
    assert_null(t);
    buf_release(&raw);
}

static void test_tsv_and_forced_formats(void **state)
{
    const char *tsv = "\xEF\xBB\xBF"
                      "伝票番号\t日付\t金額\n1\t2024/1/5\t1,000\n";
    struct ok_err err;
    struct tabular *t;
    struct tabular_options opt = {0};
    int rc;
    char *got;
    t = tabular_open_mem(tsv, strlen(tsv), NULL, NULL, &err);
    assert_non_null(t);
    assert_int_equal(tabular_format(t), IO_FORMAT_TSV);
    assert_int_equal(tabular_encoding(t), IO_ENC_UTF8);
    got = dump(t, &rc);
    assert_string_equal(got, "1:伝票番号|日付|金額\n2:1|2024/1/5|1,000\n");
    free(got);
    tabular_free(&t);

    /* forcing CSV splits on commas only */
    opt.format = IO_FORMAT_CSV;
    t = tabular_open_mem(tsv, strlen(tsv), NULL, &opt, &err);
    assert_non_null(t);
    got = dump(t, &rc);
    assert_string_equal(got, "1:伝票番号\t日付\t金額\n2:1\t2024/1/5\t1|000\n");
    free(got);
    tabular_free(&t);

    /* xlsx forced on text, and the old binary .xls */
    opt.format = IO_FORMAT_XLSX;
    assert_null(tabular_open_mem(tsv, strlen(tsv), "a.xlsx", &opt, &err));
    assert_non_null(strstr(err.message, "not an .xlsx file"));
    assert_null(tabular_open_mem("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....", 12, "a.xls", NULL, &err));
    assert_non_null(strstr(err.message, "old Excel .xls"));
    assert_int_equal(io_format_detect("a\nb\n", 4, "x.tsv"), IO_FORMAT_TSV);
    assert_int_equal(io_format_detect("a\nb\n", 4, "x.csv"), IO_FORMAT_CSV);
}

/* An .xlsx named .csv is read as a workbook: content decides; also through a pipe. */
static void test_xlsx_by_content_and_pipe(void **state)
{
    static const char *const head[] = {"CustomerID", "Name"};
    char path[] = "/tmp/okaeri-tab-XXXXXX";
    struct ok_err err;
    struct xlsx_writer *w;
    struct tabular *t;
    int fd, rc, pfd[2];
    char *got;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    w = xlsx_writer_new(path, NULL, head, 2, &err);
    assert_non_null(w);
    xlsx_writer_text(w, 0, "C1", &err);
    xlsx_writer_text(w, 1, "髙橋", &err);
    xlsx_writer_end_row(w);
    assert_int_equal(xlsx_writer_close(&w, &err), 0);

    t = tabular_open(path, NULL, &err);
    assert_non_null(t);
    assert_int_equal(tabular_format(t), IO_FORMAT_XLSX);
    got = dump(t, &rc);
    assert_string_equal(got, "1:CustomerID|Name\n2:C1|髙橋\n");
    free(got);
    tabular_free(&t);

    /* the same bytes through a pipe (not seekable) */
    assert_int_equal(pipe(pfd), 0);
    if (fork() == 0) {
        char b[4096];
        ssize_t n;
        int in = open(path, O_RDONLY);
        close(pfd[0]);
        while ((n = read(in, b, sizeof(b))) > 0)
            if (write(pfd[1], b, (size_t)n) != n)
                _exit(1);
        _exit(0);
    }
    close(pfd[1]);
    t = tabular_open_fd(pfd[0], "-", NULL, &err);
    assert_non_null(t);
    got = dump(t, &rc);
    assert_string_equal(got, "1:CustomerID|Name\n2:C1|髙橋\n");
    free(got);
    tabular_free(&t);
    close(pfd[0]);
    unlink(path);
}

/* The real UCI Online Retail CSV (gzip, read through a pipe) when the shared data has it: the line
 * count of CLV_REFERENCE.md (541,909 data lines) and 4,372 distinct customer ids. */
static void test_shared_online_retail(void **state)
{
    const char *dir = getenv("OKAERI_SHARED_DATA");
    char path[1024];
    struct ok_err err;
    struct tabular *t;
    struct io_row row;
    struct column_map m;
    long rows = 0, no_customer = 0;
    int rc, cust;
    char *seen;
    size_t distinct = 0;
    FILE *gz;
    if (!dir) {
        skip();
        return;
    }
    snprintf(path, sizeof(path), "%s/online-retail/online_retail.csv.gz", dir);
    if (access(path, R_OK) != 0) {
        skip();
        return;
    }
    {
        char cmd[1100];
        snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
        gz = popen(cmd, "r");
        assert_non_null(gz);
    }
    t = tabular_open_fd(fileno(gz), "online_retail.csv", NULL, &err); /* a pipe */
    assert_non_null(t);
    assert_int_equal(tabular_next(t, &row, &err), 1);
    assert_int_equal(column_map_build(&m, IO_KIND_ORDERS, &row, NULL, 0, &err), 0);
    cust = io_kind_field_index(IO_KIND_ORDERS, "customer_code");
    seen = calloc(100000, 1);
    while ((rc = tabular_next(t, &row, &err)) == 1) {
        const struct io_cell *c = column_map_cell(&m, &row, cust);
        rows++;
        if (!c || c->len == 0) {
            no_customer++;
        } else {
            long id = strtol(c->s, NULL, 10);
            if (id > 0 && id < 100000 && !seen[id]) {
                seen[id] = 1;
                distinct++;
            }
        }
    }
    if (rc < 0)
        fail_msg("%s", err.message);
    assert_int_equal(rows, 541909);
    assert_int_equal(no_customer, 135080);
    assert_int_equal(distinct, 4372);
    free(seen);
    column_map_release(&m);
    tabular_free(&t);
    assert_int_equal(pclose(gz), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cp932_customer_csv),
        cmocka_unit_test(test_tsv_and_forced_formats),
        cmocka_unit_test(test_xlsx_by_content_and_pipe),
        cmocka_unit_test(test_shared_online_retail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
