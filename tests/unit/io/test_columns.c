/* Tests for src/io/columns.c: header recognition in Japanese and English, folding, duplicates,
 * --map overrides, unknown and missing required columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "io/columns.h"

#define MAXC 32

struct hdr {
    struct io_cell cells[MAXC];
    struct io_row row;
};

static const struct io_row *make(struct hdr *h, const char *const *names)
{
    size_t n = 0;
    for (; names[n]; n++) {
        h->cells[n].s = names[n];
        h->cells[n].len = strlen(names[n]);
        h->cells[n].flags = 0;
    }
    h->row.cells = h->cells;
    h->row.n = n;
    h->row.line = 1;
    return &h->row;
}

static int col(const struct column_map *m, const char *field)
{
    int f = io_kind_field_index(m->kind, field);
    assert_true(f >= 0);
    return m->field_col[f];
}

static void test_fold(void **state)
{
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    columns_fold_header(&a, "Ｅ－ｍａｉｌ", strlen("Ｅ－ｍａｉｌ"));
    columns_fold_header(&b, "e_mail ", strlen("e_mail "));
    assert_string_equal(a.data, "email");
    assert_string_equal(b.data, "email");
    buf_reset(&a);
    buf_reset(&b);
    columns_fold_header(&a, "ﾌﾘｶﾞﾅ", strlen("ﾌﾘｶﾞﾅ"));
    columns_fold_header(&b, "ふりがな", strlen("ふりがな"));
    assert_string_equal(a.data, b.data);
    buf_release(&a);
    buf_release(&b);
}

static void test_japanese_customer_headers(void **state)
{
    static const char *const names[] = {"会員番号",       "お名前", "フリガナ", "ＴＥＬ",
                                        "メールアドレス", "〒",     "住所",     "生年月日",
                                        "担当者",         "備考",   NULL};
    struct hdr h;
    struct column_map m;
    struct ok_err err;
    struct buf unused;
    assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, make(&h, names), NULL, 0, &err), 0);
    assert_int_equal(col(&m, "code"), 0);
    assert_int_equal(col(&m, "name"), 1);
    assert_int_equal(col(&m, "name_kana"), 2);
    assert_int_equal(col(&m, "phone"), 3);
    assert_int_equal(col(&m, "email"), 4);
    assert_int_equal(col(&m, "postal_code"), 5);
    assert_int_equal(col(&m, "address"), 6);
    assert_int_equal(col(&m, "birthday"), 7);
    assert_int_equal(col(&m, "owner"), 8);
    assert_int_equal(col(&m, "company"), -1);
    buf_init(&unused, 0);
    assert_int_equal(column_map_describe_unused(&m, &unused), 1);
    assert_string_equal(unused.data, "column 10 \"備考\": not a customers field, kept aside\n");
    buf_release(&unused);
    column_map_release(&m);
}

/* The UCI Online Retail header. */
static void test_english_order_headers(void **state)
{
    static const char *const names[] = {"InvoiceNo",  "StockCode",   "Description",
                                        "Quantity",   "InvoiceDate", "UnitPrice",
                                        "CustomerID", "Country",     NULL};
    struct hdr h;
    struct column_map m;
    struct ok_err err;
    struct buf unused;
    assert_int_equal(column_map_build(&m, IO_KIND_ORDERS, make(&h, names), NULL, 0, &err), 0);
    assert_int_equal(col(&m, "order_code"), 0);
    assert_int_equal(col(&m, "product"), 1);
    assert_int_equal(col(&m, "product_name"), 2);
    assert_int_equal(col(&m, "quantity"), 3);
    assert_int_equal(col(&m, "ordered_at"), 4);
    assert_int_equal(col(&m, "unit_price"), 5);
    assert_int_equal(col(&m, "customer_code"), 6);
    assert_int_equal(col(&m, "amount"), -1);
    buf_init(&unused, 0);
    assert_int_equal(column_map_describe_unused(&m, &unused), 1);
    assert_non_null(strstr(unused.data, "\"Country\": not a orders field"));
    buf_release(&unused);
    column_map_release(&m);
}

/* A register export: Japanese headers, remarks in parentheses, two amount columns, the
 * customer's own columns, and a product name without a code. */
static void test_register_export(void **state)
{
    static const char *const names[] = {"レシート番号",     "売上日", "顧客ID", "氏名",
                                        "電話番号",         "商品名", "数量",   "小計",
                                        "合計金額（税込）", "店舗",   NULL};
    struct hdr h;
    struct column_map m;
    struct ok_err err;
    struct buf unused;
    assert_int_equal(column_map_build(&m, IO_KIND_ORDERS, make(&h, names), NULL, 0, &err), 0);
    assert_int_equal(col(&m, "order_code"), 0);
    assert_int_equal(col(&m, "ordered_at"), 1);
    assert_int_equal(col(&m, "customer_code"), 2);
    assert_int_equal(col(&m, "name"), 3);
    assert_int_equal(col(&m, "phone"), 4);
    assert_int_equal(col(&m, "product"), 5); /* no code column: the name is the product */
    assert_int_equal(col(&m, "product_name"), 5);
    assert_int_equal(col(&m, "quantity"), 6);
    assert_int_equal(col(&m, "amount"), 7); /* 小計 matches exactly, before the remark */
    assert_int_equal(col(&m, "store"), 9);
    buf_init(&unused, 0);
    assert_int_equal(column_map_describe_unused(&m, &unused), 1);
    assert_string_equal(unused.data,
                        "column 9 \"合計金額（税込）\": not a orders field, kept aside\n");
    column_map_release(&m);

    /* with --map the user picks the tax-inclusive total instead */
    {
        const char *maps[] = {"amount=合計金額（税込）"};
        assert_int_equal(column_map_build(&m, IO_KIND_ORDERS, make(&h, names), maps, 1, &err), 0);
        assert_int_equal(col(&m, "amount"), 8);
        buf_reset(&unused);
        assert_int_equal(column_map_describe_unused(&m, &unused), 1);
        assert_string_equal(unused.data,
                            "column 8 \"小計\": not used for amount because of --map\n");
        column_map_release(&m);
    }
    buf_release(&unused);
}

static void test_duplicates_and_remarks(void **state)
{
    static const char *const names[] = {"顧客コード", "名前",     "携帯電話",
                                        "電話番号",   "金額(円)", NULL};
    struct hdr h;
    struct column_map m;
    struct ok_err err;
    struct buf unused;
    assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, make(&h, names), NULL, 0, &err), 0);
    assert_int_equal(col(&m, "phone"), 3); /* 電話番号 comes before 携帯電話 in the aliases */
    buf_init(&unused, 0);
    assert_int_equal(column_map_describe_unused(&m, &unused), 2);
    assert_non_null(
        strstr(unused.data,
               "column 3 \"携帯電話\": also looks like phone, but column 4 \"電話番号\" is used"));
    buf_release(&unused);
    column_map_release(&m);

    {
        static const char *const o[] = {"伝票番号", "日付", "会員番号", "金額（円）", NULL};
        assert_int_equal(column_map_build(&m, IO_KIND_ORDERS, make(&h, o), NULL, 0, &err), 0);
        assert_int_equal(col(&m, "amount"), 3);
        column_map_release(&m);
    }
}

static void test_missing_required(void **state)
{
    static const char *const names[] = {"日付", "商品", "数量", NULL};
    struct hdr h;
    struct column_map m;
    struct ok_err err;
    assert_int_equal(column_map_build(&m, IO_KIND_ORDERS, make(&h, names), NULL, 0, &err), -1);
    assert_string_equal(err.message,
                        "missing required column(s) for orders: order_code, customer_code, one of "
                        "unit_price/amount; the file's columns are: \"日付\", \"商品\", \"数量\" "
                        "(name them with --map FIELD=COLUMN)");
    assert_int_equal(err.input_line, 1);

    /* customers need a name and one of code, email or phone */
    {
        static const char *const c[] = {"氏名", "住所", NULL};
        assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, make(&h, c), NULL, 0, &err), -1);
        assert_non_null(strstr(err.message, "one of code/email/phone"));
    }
    /* and --map can supply what is missing, by name or by number */
    {
        static const char *const c[] = {"氏名", "住所", "識別子", NULL};
        const char *maps[] = {"code=3"};
        const char *bad[] = {"kode=3"};
        const char *badcol[] = {"code=番号"};
        assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, make(&h, c), maps, 1, &err), 0);
        assert_int_equal(col(&m, "code"), 2);
        column_map_release(&m);
        assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, make(&h, c), bad, 1, &err), -1);
        assert_non_null(strstr(err.message, "customers has no field 'kode' (fields: code, name,"));
        assert_int_equal(column_map_build(&m, IO_KIND_CUSTOMERS, make(&h, c), badcol, 1, &err), -1);
        assert_non_null(strstr(err.message, "the file has no column '番号' (columns: \"氏名\""));
    }
}

static void test_kinds_and_cells(void **state)
{
    enum io_kind k;
    struct ok_err err;
    size_t n, i;
    int kind;
    assert_int_equal(io_kind_parse("feedback", &k, &err), 0);
    assert_int_equal(k, IO_KIND_FEEDBACK);
    assert_int_equal(io_kind_parse("customer", &k, &err), -1);
    /* every canonical name matches itself */
    for (kind = 0; kind < IO_KIND_COUNT; kind++) {
        const struct io_field_def *f = io_kind_fields((enum io_kind)kind, &n);
        struct hdr h;
        const char *names[MAXC + 1];
        struct column_map m;
        assert_true(n <= MAXC);
        for (i = 0; i < n; i++)
            names[i] = f[i].name;
        names[n] = NULL;
        assert_int_equal(column_map_build(&m, (enum io_kind)kind, make(&h, names), NULL, 0, &err),
                         0);
        for (i = 0; i < n; i++)
            assert_int_equal(m.field_col[i], (int)i);
        assert_int_equal(columns_match_count((enum io_kind)kind, &h.row), n);
        /* a short row has no cell for the last fields */
        h.row.n = 1;
        assert_null(column_map_cell(&m, &h.row, (int)n - 1));
        assert_ptr_equal(column_map_cell(&m, &h.row, 0), &h.cells[0]);
        column_map_release(&m);
    }
    {
        static const char *const title[] = {"顧客一覧 2024年3月", NULL};
        struct hdr h;
        assert_int_equal(columns_match_count(IO_KIND_CUSTOMERS, make(&h, title)), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_japanese_customer_headers),
        cmocka_unit_test(test_english_order_headers),
        cmocka_unit_test(test_register_export),
        cmocka_unit_test(test_duplicates_and_remarks),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_kinds_and_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
