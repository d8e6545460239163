/*
 * export.c - canonical rows from the store, optionally joined with customer metrics, written
 * as CSV (through the encoder) or .xlsx.
 */
#include "io/export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/table.h"
#include "io/csv.h"
#include "io/xlsx_writer.h"
#include "service/reports.h"
#include "service/snapshot.h"
#include "store/export_rows.h"
#include "core/banned.h"

#define MAX_PROBLEMS 100

void export_report_init(struct export_report *r)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->problems, 0);
}

void export_report_release(struct export_report *r)
{
    buf_release(&r->problems);
}

/* An output column: a column of the query, or one of the metrics table. */
struct out_col {
    const char *name;
    int query_col;  /* >= 0: column of the statement */
    int metric_col; /* >= 0: column of the metrics table */
    enum export_type type;
};

struct metrics {
    struct table *t;
    char **codes; /* sorted copy of the code column with row numbers */
    size_t *rows;
    size_t n;
};

static int cmp_code(const void *a, const void *b, void *ctx)
{
    const struct metrics *m = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const struct table_cell *cx = table_cell(m->t, x, 0), *cy = table_cell(m->t, y, 0);
    return strcmp(cx->is_null ? "" : cx->v.s, cy->is_null ? "" : cy->v.s);
}

static long metrics_find(const struct metrics *m, const char *code)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct table_cell *c = table_cell(m->t, m->rows[mid], 0);
        int r = strcmp(c->is_null ? "" : c->v.s, code);
        if (r == 0)
            return (long)m->rows[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int metrics_load(struct db *db, const struct export_options *opt, struct metrics *m,
                        struct ok_err *err)
{
    struct snapshot snap;
    struct report_params p;
    const struct report_def *def = service_report_find("customers");
    size_t i;
    memset(&p, 0, sizeof(p));
    if (!def)
        return ok_err_set(err, OK_ERR_INTERNAL, "the customers report is missing");
    if (snapshot_load(db, &snap, err) < 0)
        return -1;
    p.as_of = opt->has_as_of ? opt->as_of : snapshot_today(&snap);
    m->t = service_report_run(db, &snap, def, &p, err);
    snapshot_release(&snap);
    if (!m->t)
        return -1;
    m->n = m->t->nrows;
    m->rows = xcalloc(m->n ? m->n : 1, sizeof(*m->rows));
    for (i = 0; i < m->n; i++)
        m->rows[i] = i;
    qsort_r(m->rows, m->n, sizeof(*m->rows), cmp_code, m);
    return 0;
}

static enum export_type metric_type(enum table_type t)
{
    switch (t) {
    case TABLE_INT:
        return EXPORT_INT;
    case TABLE_MONEY:
        return EXPORT_MONEY;
    case TABLE_DATE:
        return EXPORT_DATE;
    default:
        return EXPORT_TEXT; /* doubles and percents are formatted as text numbers */
    }
}

/* Chooses the output columns (all, or those named in opt->columns). */
static int choose_columns(const struct export_options *opt, const struct export_column *cols,
                          size_t ncols, const struct metrics *m, struct out_col **out, size_t *nout,
                          struct ok_err *err)
{
    size_t total = ncols + (m->t ? m->t->ncols - 1 : 0), i, n = 0;
    struct out_col *all = xcalloc(total, sizeof(*all));
    for (i = 0; i < ncols; i++) {
        all[n].name = cols[i].name;
        all[n].query_col = (int)i;
        all[n].metric_col = -1;
        all[n++].type = cols[i].type;
    }
    for (i = 1; m->t && i < m->t->ncols; i++) {
        size_t j;
        int dup = 0;
        for (j = 0; j < ncols; j++)
            dup |= !strcmp(cols[j].name, m->t->cols[i].name);
        if (dup)
            continue; /* the record's own column (owner) comes first */
        all[n].name = m->t->cols[i].name;
        all[n].query_col = -1;
        all[n].metric_col = (int)i;
        all[n++].type = metric_type(m->t->cols[i].type);
    }
    if (!opt->columns) {
        *out = all;
        *nout = n;
        return 0;
    }
    {
        struct out_col *sel = xcalloc(total, sizeof(*sel));
        size_t k = 0;
        const char *p = opt->columns;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            size_t j;
            int found = 0;
            for (j = 0; j < n; j++) {
                if (strlen(all[j].name) == len && !memcmp(all[j].name, p, len)) {
                    if (k < total)
                        sel[k++] = all[j];
                    found = 1;
                    break;
                }
            }
            if (!found) {
                struct buf names;
                buf_init(&names, 0);
                for (j = 0; j < n; j++)
                    buf_printf(&names, "%s%s", j ? ", " : "", all[j].name);
                ok_err_set(err, OK_ERR_USAGE, "no column '%.*s' in %s; columns: %s", (int)len, p,
                           opt->kind, names.data);
                buf_release(&names);
                free(all);
                free(sel);
                return -1;
            }
            p += len;
            if (*p == ',')
                p++;
        }
        free(all);
        *out = sel;
        *nout = k;
    }
    return 0;
}

/* The text of a metrics cell as CSV writes it. */
static void metric_text(const struct table *t, size_t row, size_t col, struct buf *out)
{
    const struct table_cell *c = table_cell(t, row, col);
    const struct table_column *tc = &t->cols[col];
    char day[11];
    if (c->is_null)
        return;
    switch (tc->type) {
    case TABLE_INT:
        buf_put_i64(out, c->v.i);
        break;
    case TABLE_MONEY: {
        struct currency cur = {"", t->money_decimals, ""};
        money_format(out, c->v.i, &cur, 0);
        break;
    }
    case TABLE_DOUBLE:
        buf_printf(out, "%.*f", tc->decimals, c->v.d);
        break;
    case TABLE_PERCENT:
        buf_printf(out, "%.4f", c->v.d);
        break;
    case TABLE_DATE:
        date_format_iso(c->v.day, day);
        buf_puts(out, day);
        break;
    default:
        buf_puts(out, c->v.s);
        break;
    }
}

struct writer {
    const struct export_options *opt;
    struct export_report *rep;
    FILE *fp;
    struct xlsx_writer *x;
    struct io_encoder enc;
    int enc_ready;
    struct buf line, field, val;
    int scale;
    const struct currency *cur;
};

static void problem(struct writer *w, int64_t row, const char *col, const char *msg)
{
    w->rep->unencodable++;
    if (w->rep->unencodable <= MAX_PROBLEMS)
        buf_printf(&w->rep->problems, "row %lld, column %s: %s\n", (long long)row, col, msg);
}

/* Does a text start like a spreadsheet formula (CSV injection)? */
static int csv_formula_like(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

/* Appends one CSV field (encoded) to the line. */
static int csv_field(struct writer *w, const char *s, size_t n, int64_t row, const char *col,
                     struct ok_err *err)
{
    struct ok_err e;
    buf_reset(&w->field);
    csv_write_field(&w->field, s, n, ',');
    if (io_encoder_put(&w->enc, &w->line, w->field.data, w->field.len, NULL, &e) < 0) {
        if (e.code == OK_ERR_INVALID) {
            problem(w, row, col, e.message);
            return 0;
        }
        *err = e;
        return -1;
    }
    return 0;
}

static int write_value(struct writer *w, size_t i, const struct out_col *c, const char *s,
                       int is_null, int64_t row, struct ok_err *err)
{
    size_t n = is_null ? 0 : strlen(s);
    if (w->x) {
        int32_t day, secs;
        if (is_null || n == 0)
            return 0;
        switch (c->type) {
        case EXPORT_INT:
        case EXPORT_BOOL:
            return xlsx_writer_int(w->x, i, strtoll(s, NULL, 10), err);
        case EXPORT_MONEY:
            if (c->query_col >= 0)
                return xlsx_writer_money(w->x, i, strtoll(s, NULL, 10), w->scale, err);
            return xlsx_writer_number(w->x, i, strtod(s, NULL), err);
        case EXPORT_DATE:
            if (date_parse_iso(s, n, &day) == 0)
                return xlsx_writer_date(w->x, i, day, err);
            return xlsx_writer_text(w->x, i, s, err);
        case EXPORT_DATETIME:
            if (n == 19 && date_parse_datetime(s, n, &day, &secs) == 0 && secs <= 0)
                return xlsx_writer_date(w->x, i, day, err);
            return xlsx_writer_text(w->x, i, s, err);
        default:
            return xlsx_writer_text(w->x, i, s, err);
        }
    }
    if (i > 0)
        buf_putc(&w->line, ',');
    if (!is_null && c->type == EXPORT_MONEY && c->query_col >= 0 && w->scale > 0) {
        buf_reset(&w->val);
        money_format(&w->val, strtoll(s, NULL, 10), w->cur, 0);
        return csv_field(w, w->val.data, w->val.len, row, c->name, err);
    }
    if (!is_null && c->type == EXPORT_TEXT && c->query_col >= 0 && csv_formula_like(s)) {
        /* A text cell that Excel would run as a formula (=HYPERLINK(...), +, -, @) is written
         * with a leading apostrophe, which Excel shows as text; import strips it again. */
        buf_reset(&w->val);
        buf_putc(&w->val, '\'');
        buf_append(&w->val, s, n);
        return csv_field(w, w->val.data, w->val.len, row, c->name, err);
    }
    return csv_field(w, is_null ? "" : s, n, row, c->name, err);
}

static int currency_of(struct db *db, const struct currency **cur, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = 'currency'", err);
    int rc;
    if (!st)
        return -1;
    rc = db_step(st, err);
    *cur = rc == DB_ROW ? currency_find(db_column_text(st, 0)) : NULL;
    db_stmt_free(&st);
    if (!*cur)
        *cur = currency_find("JPY");
    return rc < 0 ? -1 : 0;
}

int export_run(struct db *db, const struct export_options *opt, struct export_report *rep,
               struct ok_err *err)
{
    struct metrics m;
    struct writer w;
    struct out_col *cols = NULL;
    struct db_stmt *st = NULL;
    const struct export_column *qcols;
    const char **names = NULL;
    size_t nq, ncols = 0, i;
    int rc = -1, step, to_stdout = !opt->output;
    memset(&m, 0, sizeof(m));
    memset(&w, 0, sizeof(w));
    w.opt = opt;
    w.rep = rep;
    buf_init(&w.line, 0);
    buf_init(&w.field, 0);
    buf_init(&w.val, 0);
    qcols = store_export_columns(opt->kind, &nq);
    if (!qcols) {
        st = store_export_prepare(db, opt->kind, err); /* fills the message */
        goto out;
    }
    if (opt->format == IO_FORMAT_XLSX && !opt->output) {
        ok_err_set(err, OK_ERR_USAGE, "an .xlsx export needs a file: -o FILE.xlsx");
        goto out;
    }
    if (opt->format == IO_FORMAT_TSV) {
        ok_err_set(err, OK_ERR_USAGE, "exports are CSV or xlsx");
        goto out;
    }
    if (opt->with_metrics) {
        if (strcmp(opt->kind, "customers")) {
            ok_err_set(err, OK_ERR_USAGE, "--with-metrics applies to customers only");
            goto out;
        }
        if (metrics_load(db, opt, &m, err) < 0)
            goto out;
    }
    if (currency_of(db, &w.cur, err) < 0)
        goto out;
    w.scale = w.cur->scale;
    if (choose_columns(opt, qcols, nq, &m, &cols, &ncols, err) < 0)
        goto out;
    st = store_export_prepare(db, opt->kind, err);
    if (!st)
        goto out;
    names = xcalloc(ncols ? ncols : 1, sizeof(*names));
    for (i = 0; i < ncols; i++)
        names[i] = cols[i].name;
    if (opt->format == IO_FORMAT_XLSX) {
        w.x = xlsx_writer_new(opt->output, opt->kind, names, ncols, err);
        if (!w.x)
            goto out;
    } else {
        w.fp = to_stdout ? stdout : fopen(opt->output, "wb");
        if (!w.fp) {
            ok_err_set(err, OK_ERR_IO, "cannot write %s: %s", opt->output, strerror(errno));
            goto out;
        }
        if (io_encoder_init(&w.enc, opt->encoding == IO_ENC_AUTO ? IO_ENC_UTF8 : opt->encoding,
                            err) < 0)
            goto out;
        w.enc_ready = 1;
        io_encoder_begin(&w.enc, &w.line);
        for (i = 0; i < ncols; i++) {
            if (i)
                buf_putc(&w.line, ',');
            if (csv_field(&w, names[i], strlen(names[i]), 0, names[i], err) < 0)
                goto out;
        }
        buf_puts(&w.line, "\r\n");
    }
    while ((step = db_step(st, err)) == DB_ROW) {
        long mrow = -1;
        rep->rows++;
        if (m.t)
            mrow = metrics_find(&m, db_column_text(st, 0));
        for (i = 0; i < ncols; i++) {
            const struct out_col *c = &cols[i];
            if (c->query_col >= 0) {
                if (write_value(&w, i, c, db_column_text(st, c->query_col),
                                db_column_is_null(st, c->query_col), rep->rows, err) < 0)
                    goto out;
            } else {
                const struct table_cell *cell =
                    mrow >= 0 ? table_cell(m.t, (size_t)mrow, (size_t)c->metric_col) : NULL;
                buf_reset(&w.val);
                if (cell && !cell->is_null) {
                    if (w.x && m.t->cols[c->metric_col].type == TABLE_MONEY) {
                        if (xlsx_writer_money(w.x, i, cell->v.i, m.t->money_decimals, err) < 0)
                            goto out;
                        continue;
                    }
                    if (w.x && m.t->cols[c->metric_col].type == TABLE_DATE) {
                        if (xlsx_writer_date(w.x, i, cell->v.day, err) < 0)
                            goto out;
                        continue;
                    }
                    if (w.x && (m.t->cols[c->metric_col].type == TABLE_DOUBLE ||
                                m.t->cols[c->metric_col].type == TABLE_PERCENT)) {
                        if (xlsx_writer_number(w.x, i, cell->v.d, err) < 0)
                            goto out;
                        continue;
                    }
                    metric_text(m.t, (size_t)mrow, (size_t)c->metric_col, &w.val);
                }
                if (write_value(&w, i, c, w.val.data, !cell || cell->is_null, rep->rows, err) < 0)
                    goto out;
            }
        }
        if (w.x) {
            xlsx_writer_end_row(w.x);
        } else {
            buf_puts(&w.line, "\r\n");
            if (w.line.len > (1 << 16)) {
                if (fwrite(w.line.data, 1, w.line.len, w.fp) != w.line.len) {
                    ok_err_set(err, OK_ERR_IO, "cannot write the export: %s", strerror(errno));
                    goto out;
                }
                buf_reset(&w.line);
            }
        }
    }
    if (step < 0)
        goto out;
    if (rep->unencodable) {
        ok_err_set(err, OK_ERR_INVALID,
                   "%lld character%s cannot be written in %s (nothing was replaced); export "
                   "with --encoding utf-8-bom, or fix the values",
                   (long long)rep->unencodable, rep->unencodable == 1 ? "" : "s",
                   io_encoding_name(opt->encoding));
        goto out;
    }
    if (w.x) {
        rc = xlsx_writer_close(&w.x, err);
        goto out;
    }
    if (w.line.len && fwrite(w.line.data, 1, w.line.len, w.fp) != w.line.len) {
        ok_err_set(err, OK_ERR_IO, "cannot write the export: %s", strerror(errno));
        goto out;
    }
    if (fflush(w.fp) != 0) {
        ok_err_set(err, OK_ERR_IO, "cannot write the export: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (w.x)
        xlsx_writer_abandon(&w.x);
    if (w.fp && !to_stdout && fclose(w.fp) != 0 && rc == 0)
        rc = ok_err_set(err, OK_ERR_IO, "cannot write %s: %s", opt->output, strerror(errno));
    if (rc < 0 && opt->output)
        remove(opt->output);
    if (w.enc_ready)
        io_encoder_release(&w.enc);
    db_stmt_free(&st);
    table_free(&m.t);
    free(m.rows);
    free(cols);
    free(names);
    buf_release(&w.line);
    buf_release(&w.field);
    buf_release(&w.val);
    return rc;
}
