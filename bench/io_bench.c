/*
 * io_bench - throughput of the import file layer (src/io/), without any database.
 *
 * Builds an orders-like CSV in memory (default 2,000,000 lines; argv[1] overrides) and measures
 * the raw CSV reader, the full tabular path (encoding detection + UTF-8 validation + CSV), the
 * same through the CP932 decoder, and .xlsx writing and reading. Prints `key value` lines.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "io/csv.h"
#include "io/tabular.h"
#include "io/xlsx_reader.h"
#include "io/xlsx_writer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void make_csv(struct buf *b, long lines, int japanese)
{
    long i;
    unsigned seed = 1;
    buf_puts(
        b,
        japanese
            ? "伝票番号,顧客ID,購入日,商品コード,数量,単価,金額,店舗\r\n"
            : "order_code,customer_code,ordered_at,product,quantity,unit_price,amount,store\r\n");
    for (i = 0; i < lines; i++) {
        seed = seed * 1103515245u + 12345u;
        buf_printf(b, "R%08ld,C%06u,2024-%02u-%02u 10:%02u,SKU%04u,%u,%u,%u,%s\r\n", i / 3,
                   (seed >> 8) % 100000, 1 + (seed >> 4) % 12, 1 + (seed >> 12) % 28,
                   (seed >> 16) % 60, (seed >> 3) % 5000, 1 + (seed >> 20) % 5,
                   100 * (1 + (seed >> 7) % 50), 100 * (1 + (seed >> 7) % 50),
                   japanese ? "渋谷店" : "shibuya");
    }
}

static int run_tabular(const char *name, const char *data, size_t len, long lines)
{
    struct ok_err err;
    struct io_row row;
    struct tabular *t;
    long n = 0;
    size_t fields = 0;
    int rc;
    double t0 = now(), dt;
    t = tabular_open_mem(data, len, NULL, NULL, &err);
    if (!t) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    while ((rc = tabular_next(t, &row, &err)) == 1) {
        n++;
        fields += row.n;
    }
    dt = now() - t0;
    tabular_free(&t);
    if (rc < 0 || n != lines + 1) {
        fprintf(stderr, "%s: rc %d, %ld rows: %s\n", name, rc, n, err.message);
        return -1;
    }
    printf("%s_lines_per_s %.0f\n", name, n / dt);
    printf("%s_fields_per_s %.0f\n", name, fields / dt);
    printf("%s_mb_per_s %.1f\n", name, len / dt / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    long lines = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
    struct buf csv, jp, sj;
    struct io_source src;
    struct csv_reader r;
    struct io_row row;
    struct ok_err err;
    double t0, dt;
    long n = 0;
    size_t fields = 0;
    int rc, status = 0;

    if (lines < 1)
        lines = 1;
    buf_init(&csv, 0);
    make_csv(&csv, lines, 0);
    printf("lines %ld\n", lines);
    printf("csv_bytes %zu\n", csv.len);

    /* raw reader over memory: the floor of what an import can do */
    t0 = now();
    io_source_init_mem(&src, csv.data, csv.len);
    csv_reader_init(&r, &src, NULL);
    while ((rc = csv_reader_next(&r, &row, &err)) == 1) {
        n++;
        fields += row.n;
    }
    dt = now() - t0;
    csv_reader_release(&r);
    io_source_release(&src);
    if (rc < 0 || n != lines + 1) {
        fprintf(stderr, "raw csv: %s\n", err.message);
        return 1;
    }
    printf("csv_raw_lines_per_s %.0f\n", n / dt);
    printf("csv_raw_fields_per_s %.0f\n", fields / dt);
    printf("csv_raw_mb_per_s %.1f\n", csv.len / dt / 1e6);

    /* tabular: encoding detection and UTF-8 validation, ASCII and Japanese text */
    status |= run_tabular("tabular_utf8_ascii", csv.data, csv.len, lines);
    buf_init(&jp, 0);
    make_csv(&jp, lines, 1);
    status |= run_tabular("tabular_utf8_japanese", jp.data, jp.len, lines);

    /* CP932 through iconv */
    {
        iconv_t cd = iconv_open("CP932", "UTF-8");
        char *ip = jp.data, tmp[65536];
        size_t il = jp.len;
        buf_init(&sj, 0);
        while (il > 0) {
            char *op = tmp;
            size_t ol = sizeof(tmp);
            if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno != E2BIG)
                return 1;
            buf_append(&sj, tmp, (size_t)(op - tmp));
        }
        iconv_close(cd);
        status |= run_tabular("tabular_cp932", sj.data, sj.len, lines);
        buf_release(&sj);
    }
    buf_release(&jp);
    buf_release(&csv);

    /* xlsx: write and read back 200,000 rows */
    {
        static const char *const head[] = {"order_code", "customer_code", "ordered_at", "amount"};
        char path[] = "/tmp/okaeri-io-bench-XXXXXX";
        long rows = lines < 200000 ? lines : 200000, i;
        int fd = mkstemp(path);
        struct xlsx_writer *w;
        struct xlsx_reader *x;
        char code[32];
        close(fd);
        t0 = now();
        w = xlsx_writer_new(path, NULL, head, 4, &err);
        for (i = 0; w && i < rows; i++) {
            snprintf(code, sizeof(code), "R%08ld", i);
            xlsx_writer_text(w, 0, code, &err);
            xlsx_writer_int(w, 1, i % 100000, &err);
            xlsx_writer_date(w, 2, 19000 + (int32_t)(i % 1000), &err);
            xlsx_writer_money(w, 3, 1200 + i % 1000, 0, &err);
            xlsx_writer_end_row(w);
        }
        if (!w || xlsx_writer_close(&w, &err) < 0) {
            fprintf(stderr, "xlsx write: %s\n", err.message);
            return 1;
        }
        dt = now() - t0;
        printf("xlsx_write_rows_per_s %.0f\n", rows / dt);
        t0 = now();
        x = xlsx_reader_open(path, NULL, &err);
        n = 0;
        while (x && (rc = xlsx_reader_next(x, &row, &err)) == 1)
            n++;
        dt = now() - t0;
        xlsx_reader_free(&x);
        unlink(path);
        if (n != rows + 1) {
            fprintf(stderr, "xlsx read: %ld rows: %s\n", n, err.message);
            return 1;
        }
        printf("xlsx_read_rows_per_s %.0f\n", n / dt);
    }
    return status ? 1 : 0;
}
