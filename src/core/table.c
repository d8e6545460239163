/*
 * table.c - report tables and their text / CSV / JSON renderers (see table.h).
 */
#include "core/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/mem.h"
#include "core/banned.h"

static const char *const null_text = "\xe2\x80\x94"; /* U+2014 EM DASH */

struct table *table_new(const char *title)
{
    struct table *t = xcalloc(1, sizeof(*t));
    t->title = title ? xstrdup(title) : NULL;
    return t;
}

void table_free(struct table **tp)
{
    struct table *t = tp ? *tp : NULL;
    if (!t)
        return;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->cols[c].type == TABLE_TEXT)
            for (size_t r = 0; r < t->nrows; r++)
                free(t->cells[r * t->ncols + c].v.s);
        free(t->cols[c].name);
    }
    for (size_t i = 0; i < t->nnotes; i++)
        free(t->notes[i]);
    free(t->notes);
    free(t->cells);
    free(t->cols);
    free(t->title);
    free(t);
    *tp = NULL;
}

void table_set_money_decimals(struct table *t, int decimals)
{
    t->money_decimals = decimals < 0 ? 0 : decimals > 4 ? 4 : decimals;
}

size_t table_add_column(struct table *t, const char *name, enum table_type type)
{
    if (t->nrows) {
        fprintf(stderr, "table: column '%s' added after rows\n", name);
        abort();
    }
    t->cols = xgrow(t->cols, &t->cols_alloc, t->ncols + 1, sizeof(*t->cols));
    t->cols[t->ncols].name = xstrdup(name);
    t->cols[t->ncols].type = type;
    t->cols[t->ncols].decimals = 2;
    return t->ncols++;
}

void table_set_decimals(struct table *t, size_t col, int decimals)
{
    if (col < t->ncols)
        t->cols[col].decimals = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals;
}

long table_find_column(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return (long)c;
    return -1;
}

size_t table_add_row(struct table *t)
{
    size_t need = (t->nrows + 1) * t->ncols;
    size_t alloc_cells = t->rows_alloc * t->ncols;
    if (need > alloc_cells) {
        size_t rows = t->rows_alloc ? t->rows_alloc * 2 : 16;
        t->cells = xrealloc(t->cells, rows * (t->ncols ? t->ncols : 1) * sizeof(*t->cells));
        t->rows_alloc = rows;
    }
    struct table_cell *row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        row[c].is_null = 1;
        row[c].v.s = NULL;
    }
    return t->nrows++;
}

void table_add_note(struct table *t, const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    buf_init(&b, 0);
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    t->notes = xgrow(t->notes, &t->notes_alloc, t->nnotes + 1, sizeof(*t->notes));
    t->notes[t->nnotes++] = buf_detach(&b, NULL);
    buf_release(&b); /* detach re-initialises the buffer */
}

static struct table_cell *cell_at(struct table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols) {
        fprintf(stderr, "table: cell (%zu,%zu) out of range (%zu x %zu)\n", row, col, t->nrows,
                t->ncols);
        abort();
    }
    struct table_cell *c = &t->cells[row * t->ncols + col];
    if (t->cols[col].type == TABLE_TEXT && !c->is_null) {
        free(c->v.s);
        c->v.s = NULL;
    }
    return c;
}

const struct table_cell *table_cell(const struct table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols)
        return NULL;
    return &t->cells[row * t->ncols + col];
}

void table_set_null(struct table *t, size_t row, size_t col)
{
    struct table_cell *c = cell_at(t, row, col);
    c->is_null = 1;
    c->v.s = NULL;
}

void table_set_int(struct table *t, size_t row, size_t col, int64_t v)
{
    struct table_cell *c = cell_at(t, row, col);
    c->is_null = 0;
    c->v.i = v;
}

void table_set_money(struct table *t, size_t row, size_t col, int64_t minor)
{
    table_set_int(t, row, col, minor);
}

void table_set_double(struct table *t, size_t row, size_t col, double v)
{
    struct table_cell *c = cell_at(t, row, col);
    c->is_null = !isfinite(v);
    c->v.d = isfinite(v) ? v : 0.0;
}

void table_set_percent(struct table *t, size_t row, size_t col, double ratio)
{
    table_set_double(t, row, col, ratio);
}

void table_set_ratio(struct table *t, size_t row, size_t col, double num, double den)
{
    if (den == 0.0 || !isfinite(num) || !isfinite(den))
        table_set_null(t, row, col);
    else
        table_set_double(t, row, col, num / den);
}

void table_set_text(struct table *t, size_t row, size_t col, const char *s)
{
    struct table_cell *c = cell_at(t, row, col);
    c->is_null = s == NULL;
    c->v.s = s ? xstrdup(s) : NULL;
}

void table_set_date(struct table *t, size_t row, size_t col, int32_t day)
{
    struct table_cell *c = cell_at(t, row, col);
    c->is_null = 0;
    c->v.day = day;
}

const char *table_type_name(enum table_type type)
{
    switch (type) {
    case TABLE_INT:
        return "int";
    case TABLE_DOUBLE:
        return "double";
    case TABLE_MONEY:
        return "money";
    case TABLE_TEXT:
        return "text";
    case TABLE_DATE:
        return "date";
    case TABLE_PERCENT:
        return "percent";
    }
    return "text";
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level
 * Date Algorithms", civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Shortest %g form that reads back as the same double. */
static void put_double_exact(struct buf *b, double v)
{
    char tmp[40];
    snprintf(tmp, sizeof(tmp), "%.15g", v);
    if (strtod(tmp, NULL) != v)
        snprintf(tmp, sizeof(tmp), "%.17g", v);
    buf_puts(b, tmp);
}

static void put_money(struct buf *b, int64_t minor, int decimals, int group)
{
    uint64_t scale = 1, mag;
    char digits[32];
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    if (minor < 0)
        buf_putc(b, '-');
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(mag / scale));
    for (int i = 0; i < n; i++) {
        buf_putc(b, digits[i]);
        if (group && i < n - 1 && (n - 1 - i) % 3 == 0)
            buf_putc(b, ',');
    }
    if (decimals > 0)
        buf_printf(b, ".%0*llu", decimals, (unsigned long long)(mag % scale));
}

enum render_mode { MODE_TEXT, MODE_CSV, MODE_JSON };

/* Appends the cell's value (not NULL) in the given mode; text cells are appended raw. */
static void put_cell(const struct table *t, size_t col, const struct table_cell *c,
                     enum render_mode mode, struct buf *b)
{
    const struct table_column *tc = &t->cols[col];
    int y, m, d;
    switch (tc->type) {
    case TABLE_INT:
        buf_put_i64(b, c->v.i);
        break;
    case TABLE_MONEY:
        put_money(b, c->v.i, t->money_decimals, mode == MODE_TEXT);
        break;
    case TABLE_DOUBLE:
        if (mode == MODE_JSON)
            put_double_exact(b, c->v.d);
        else
            buf_printf(b, "%.*f", tc->decimals, c->v.d);
        break;
    case TABLE_PERCENT:
        if (mode == MODE_TEXT)
            buf_printf(b, "%.1f%%", c->v.d * 100.0);
        else
            put_double_exact(b, c->v.d);
        break;
    case TABLE_DATE:
        civil_from_days(c->v.day, &y, &m, &d);
        buf_printf(b, "%04d-%02d-%02d", y, m, d);
        break;
    case TABLE_TEXT:
        buf_puts(b, c->v.s ? c->v.s : "");
        break;
    }
}

size_t table_text_width(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t len = strlen(s), w = 0;
    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
        if (n <= 0) { /* invalid byte: shown as one replacement character */
            w += 1;
            p++;
            len--;
            continue;
        }
        int cw = utf8proc_charwidth(cp);
        w += cw > 0 ? (size_t)cw : 0;
        p += n;
        len -= (size_t)n;
    }
    return w;
}

static int is_numeric(enum table_type type)
{
    return type == TABLE_INT || type == TABLE_DOUBLE || type == TABLE_MONEY ||
           type == TABLE_PERCENT;
}

static void pad(struct buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_putc(b, ' ');
}

/* Text cells may hold newlines or tabs; in the aligned table they would break the layout. */
static void put_text_flat(struct buf *b, const char *s)
{
    for (; *s; s++)
        buf_putc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
}

void table_render_text(const struct table *t, struct buf *out)
{
    size_t nc = t->ncols, nr = t->nrows;
    size_t *width = xcalloc(nc ? nc : 1, sizeof(*width));
    size_t ncells = nr * nc + 1;
    char **strs = xcalloc(ncells, sizeof(*strs));
    size_t *sw = xcalloc(ncells, sizeof(*sw));
    struct buf tmp;
    buf_init(&tmp, 0);

    for (size_t c = 0; c < nc; c++)
        width[c] = table_text_width(t->cols[c].name);
    for (size_t r = 0; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            const struct table_cell *cell = &t->cells[r * nc + c];
            buf_reset(&tmp);
            if (cell->is_null)
                buf_puts(&tmp, null_text);
            else if (t->cols[c].type == TABLE_TEXT)
                put_text_flat(&tmp, cell->v.s ? cell->v.s : "");
            else
                put_cell(t, c, cell, MODE_TEXT, &tmp);
            strs[r * nc + c] = xstrdup(tmp.data);
            sw[r * nc + c] = table_text_width(tmp.data);
            if (sw[r * nc + c] > width[c])
                width[c] = sw[r * nc + c];
        }
    }

    if (t->title) {
        buf_puts(out, t->title);
        buf_putc(out, '\n');
    }
    for (size_t c = 0; c < nc; c++) {
        size_t w = table_text_width(t->cols[c].name);
        if (c)
            buf_puts(out, "  ");
        if (is_numeric(t->cols[c].type))
            pad(out, width[c] - w);
        buf_puts(out, t->cols[c].name);
        if (!is_numeric(t->cols[c].type) && c + 1 < nc)
            pad(out, width[c] - w);
    }
    buf_putc(out, '\n');
    for (size_t c = 0; c < nc; c++) {
        if (c)
            buf_puts(out, "  ");
        for (size_t i = 0; i < width[c]; i++)
            buf_putc(out, '-');
    }
    buf_putc(out, '\n');
    for (size_t r = 0; r < nr; r++) {
        for (size_t c = 0; c < nc; c++) {
            size_t i = r * nc + c;
            if (c)
                buf_puts(out, "  ");
            if (is_numeric(t->cols[c].type))
                pad(out, width[c] - sw[i]);
            buf_puts(out, strs[i]);
            if (!is_numeric(t->cols[c].type) && c + 1 < nc)
                pad(out, width[c] - sw[i]);
            free(strs[i]);
        }
        buf_putc(out, '\n');
    }
    for (size_t i = 0; i < t->nnotes; i++) {
        buf_puts(out, "* ");
        buf_puts(out, t->notes[i]);
        buf_putc(out, '\n');
    }
    buf_release(&tmp);
    free(sw);
    free(strs);
    free(width);
}

static void put_csv_field(struct buf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        buf_puts(b, s);
        return;
    }
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

void table_render_csv(const struct table *t, struct buf *out)
{
    struct buf tmp;
    buf_init(&tmp, 0);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            buf_putc(out, ',');
        put_csv_field(out, t->cols[c].name);
    }
    buf_puts(out, "\r\n");
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const struct table_cell *cell = &t->cells[r * t->ncols + c];
            if (c)
                buf_putc(out, ',');
            if (cell->is_null)
                continue;
            buf_reset(&tmp);
            put_cell(t, c, cell, MODE_CSV, &tmp);
            put_csv_field(out, tmp.data);
        }
        buf_puts(out, "\r\n");
    }
    buf_release(&tmp);
}

void table_json_escape(struct buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    buf_putc(out, '"');
    while (len > 0) {
        unsigned char ch = *p;
        if (ch < 0x80) {
            switch (ch) {
            case '"':
                buf_puts(out, "\\\"");
                break;
            case '\\':
                buf_puts(out, "\\\\");
                break;
            case '\n':
                buf_puts(out, "\\n");
                break;
            case '\r':
                buf_puts(out, "\\r");
                break;
            case '\t':
                buf_puts(out, "\\t");
                break;
            case '\b':
                buf_puts(out, "\\b");
                break;
            case '\f':
                buf_puts(out, "\\f");
                break;
            default:
                if (ch < 0x20 || ch == 0x7f)
                    buf_printf(out, "\\u%04x", ch);
                else
                    buf_putc(out, (char)ch);
            }
            p++;
            len--;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
        if (n <= 0) {
            buf_puts(out, "\xef\xbf\xbd"); /* U+FFFD for a byte that is not valid UTF-8 */
            p++;
            len--;
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029) /* valid JSON but break JavaScript string literals */
            buf_printf(out, "\\u%04x", (unsigned)cp);
        else
            buf_append(out, p, (size_t)n);
        p += n;
        len -= (size_t)n;
    }
    buf_putc(out, '"');
}

void table_render_json(const struct table *t, struct buf *out)
{
    buf_puts(out, "{\"title\":");
    if (t->title)
        table_json_escape(out, t->title);
    else
        buf_puts(out, "null");
    buf_puts(out, ",\"columns\":[");
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            buf_putc(out, ',');
        buf_puts(out, "{\"name\":");
        table_json_escape(out, t->cols[c].name);
        buf_printf(out, ",\"type\":\"%s\"}", table_type_name(t->cols[c].type));
    }
    buf_puts(out, "],\"rows\":[");
    for (size_t r = 0; r < t->nrows; r++) {
        buf_puts(out, r ? ",{" : "{");
        for (size_t c = 0; c < t->ncols; c++) {
            const struct table_cell *cell = &t->cells[r * t->ncols + c];
            if (c)
                buf_putc(out, ',');
            table_json_escape(out, t->cols[c].name);
            buf_putc(out, ':');
            if (cell->is_null) {
                buf_puts(out, "null");
            } else if (t->cols[c].type == TABLE_TEXT) {
                table_json_escape(out, cell->v.s ? cell->v.s : "");
            } else if (t->cols[c].type == TABLE_DATE) {
                buf_putc(out, '"');
                put_cell(t, c, cell, MODE_JSON, out);
                buf_putc(out, '"');
            } else {
                put_cell(t, c, cell, MODE_JSON, out);
            }
        }
        buf_putc(out, '}');
    }
    buf_puts(out, "],\"notes\":[");
    for (size_t i = 0; i < t->nnotes; i++) {
        if (i)
            buf_putc(out, ',');
        table_json_escape(out, t->notes[i]);
    }
    buf_puts(out, "]}");
}
