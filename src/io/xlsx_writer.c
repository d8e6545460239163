/*
 * xlsx_writer.c - typed one-sheet exports on libxlsxwriter (constant-memory mode).
 */
#include "io/xlsx_writer.h"

#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/mem.h"
#include "core/banned.h"

struct xlsx_writer {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *f_header, *f_date, *f_money0, *f_money2;
    size_t ncols;
    lxw_row_t row; /* current data row (1-based after the header row 0) */
    int row_used;
};

static int lxw_fail(lxw_error e, const char *what, struct ok_err *err)
{
    return ok_err_set(err, e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED ? OK_ERR_LIMIT : OK_ERR_IO,
                      "cannot write %s to the .xlsx file: %s", what, lxw_strerror(e));
}

/* Display width of a header in Excel column units: wide characters count double. */
static double header_width(const char *s)
{
    double w = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80)
            w += 1;
        else if ((c & 0xC0) != 0x80)
            w += 2;
    }
    return w + 4 < 10 ? 10 : w + 4;
}

struct xlsx_writer *xlsx_writer_new(const char *path, const char *sheet_name,
                                    const char *const *names, size_t n, struct ok_err *err)
{
    lxw_workbook_options opt = {
        .constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
    struct xlsx_writer *w = xcalloc(1, sizeof(*w));
    size_t i;
    if (n == 0 || n > 16384) {
        ok_err_set(err, OK_ERR_INVALID, "an .xlsx sheet has 1 to 16384 columns, not %zu", n);
        goto fail;
    }
    w->ncols = n;
    w->wb = workbook_new_opt(path, &opt);
    if (!w->wb) {
        ok_err_set(err, OK_ERR_IO, "cannot create %s", path);
        goto fail;
    }
    w->ws = workbook_add_worksheet(w->wb, sheet_name ? sheet_name : "Sheet1");
    if (!w->ws) {
        ok_err_set(err, OK_ERR_INVALID,
                   "invalid sheet name \"%s\" (at most 31 characters, none of []:*?/\\)",
                   sheet_name ? sheet_name : "");
        goto fail;
    }
    w->f_header = workbook_add_format(w->wb);
    format_set_bold(w->f_header);
    format_set_bottom(w->f_header, LXW_BORDER_THIN);
    w->f_date = workbook_add_format(w->wb);
    format_set_num_format(w->f_date, "yyyy/mm/dd");
    w->f_money0 = workbook_add_format(w->wb);
    format_set_num_format(w->f_money0, "#,##0");
    w->f_money2 = workbook_add_format(w->wb);
    format_set_num_format(w->f_money2, "#,##0.00");
    for (i = 0; i < n; i++) {
        lxw_error e;
        worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, header_width(names[i]), NULL);
        e = worksheet_write_string(w->ws, 0, (lxw_col_t)i, names[i], w->f_header);
        if (e != LXW_NO_ERROR) {
            lxw_fail(e, "a header", err);
            goto fail;
        }
    }
    worksheet_freeze_panes(w->ws, 1, 0);
    w->row = 1;
    return w;
fail:
    xlsx_writer_abandon(&w);
    return NULL;
}

static int col_ok(struct xlsx_writer *w, size_t col, struct ok_err *err)
{
    if (col >= w->ncols)
        return ok_err_set(err, OK_ERR_INTERNAL, "xlsx column %zu beyond the header", col);
    w->row_used = 1;
    return 0;
}

int xlsx_writer_text(struct xlsx_writer *w, size_t col, const char *utf8, struct ok_err *err)
{
    lxw_error e;
    if (col_ok(w, col, err) < 0)
        return -1;
    if (!utf8 || !*utf8)
        return 0;
    e = worksheet_write_string(w->ws, w->row, (lxw_col_t)col, utf8, NULL);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(e, "a text cell", err);
}

int xlsx_writer_int(struct xlsx_writer *w, size_t col, int64_t v, struct ok_err *err)
{
    lxw_error e;
    if (col_ok(w, col, err) < 0)
        return -1;
    /* a double holds integers exactly up to 2^53, as does Excel */
    if (v > ((int64_t)1 << 53) || v < -((int64_t)1 << 53))
        return ok_err_set(err, OK_ERR_INVALID, "integer %lld is too large for Excel", (long long)v);
    e = worksheet_write_number(w->ws, w->row, (lxw_col_t)col, (double)v, NULL);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(e, "a number", err);
}

int xlsx_writer_number(struct xlsx_writer *w, size_t col, double v, struct ok_err *err)
{
    lxw_error e;
    if (col_ok(w, col, err) < 0)
        return -1;
    e = worksheet_write_number(w->ws, w->row, (lxw_col_t)col, v, NULL);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(e, "a number", err);
}

int xlsx_writer_money(struct xlsx_writer *w, size_t col, int64_t minor, int decimals,
                      struct ok_err *err)
{
    double scale = 1;
    int i;
    lxw_error e;
    if (col_ok(w, col, err) < 0)
        return -1;
    for (i = 0; i < decimals; i++)
        scale *= 10;
    e = worksheet_write_number(w->ws, w->row, (lxw_col_t)col, (double)minor / scale,
                               decimals == 0 ? w->f_money0 : w->f_money2);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(e, "an amount", err);
}

int xlsx_writer_date(struct xlsx_writer *w, size_t col, int32_t days, struct ok_err *err)
{
    lxw_error e;
    if (col_ok(w, col, err) < 0)
        return -1;
    /* Excel serial 25569 is 1970-01-01 in the 1900 date system (which counts the fictitious
     * 1900-02-29, so serials from 61 on are days since 1899-12-30). */
    if (days < -25508) /* before 1900-03-01 */
        return ok_err_set(err, OK_ERR_INVALID,
                          "dates before 1900-03-01 cannot be written to Excel");
    e = worksheet_write_number(w->ws, w->row, (lxw_col_t)col, (double)days + 25569.0, w->f_date);
    return e == LXW_NO_ERROR ? 0 : lxw_fail(e, "a date", err);
}

void xlsx_writer_end_row(struct xlsx_writer *w)
{
    w->row++;
    w->row_used = 0;
}

int xlsx_writer_close(struct xlsx_writer **wp, struct ok_err *err)
{
    struct xlsx_writer *w = *wp;
    lxw_row_t last;
    lxw_error e;
    if (!w)
        return 0;
    last = w->row_used ? w->row : w->row - 1;
    worksheet_autofilter(w->ws, 0, 0, last, (lxw_col_t)(w->ncols - 1));
    e = workbook_close(w->wb);
    w->wb = NULL;
    free(w);
    *wp = NULL;
    if (e != LXW_NO_ERROR)
        return ok_err_set(err, OK_ERR_IO, "cannot write the .xlsx file: %s", lxw_strerror(e));
    return 0;
}

void xlsx_writer_abandon(struct xlsx_writer **wp)
{
    struct xlsx_writer *w = *wp;
    if (!w)
        return;
    if (w->wb)
        lxw_workbook_free(w->wb);
    free(w);
    *wp = NULL;
}
