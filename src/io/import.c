/*
 * import.c - the import pipeline: header row, column map, values, idempotent writes, bad rows,
 * rejects, dry runs and progress.
 */
#include "io/import.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/text.h"
#include "io/csv.h"
#include "io/encoding.h"
#include "io/xlsx_writer.h"
#include "store/activity.h"
#include "store/contract.h"
#include "store/customer.h"
#include "store/deal.h"
#include "store/feedback.h"
#include "store/order.h"
#include "store/import_rows.h"
#include "store/product.h"
#include "store/referral.h"
#include "core/banned.h"

void import_report_init(struct import_report *r)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->errors, 0);
    buf_init(&r->warnings, 0);
    buf_init(&r->preview, 0);
}

void import_report_release(struct import_report *r)
{
    buf_release(&r->errors);
    buf_release(&r->warnings);
    buf_release(&r->preview);
}

/* ---- value readers ---- */

static int all_digits(const char *s, size_t n)
{
    size_t i;
    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "YYYY-MM-DD", "YYYY-MM-DD HH:MM" and "YYYY-MM-DD HH:MM:SS": the forms exports and okaeri
 * itself write, read without the general parser. Returns 1 when it handled s. */
static int fast_iso(const char *s, size_t n, int32_t *days, int32_t *secs)
{
    int y, m, d, hh = 0, mm = 0, ss = 0;
    if ((n != 10 && n != 16 && n != 19) || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
        !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
        return 0;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + num2(s + 2);
    m = num2(s + 5);
    d = num2(s + 8);
    if (n > 10) {
        if ((s[10] != ' ' && s[10] != 'T') || s[13] != ':' || !all_digits(s + 11, 2) ||
            !all_digits(s + 14, 2))
            return 0;
        hh = num2(s + 11);
        mm = num2(s + 14);
        if (n == 19) {
            if (s[16] != ':' || !all_digits(s + 17, 2))
                return 0;
            ss = num2(s + 17);
        }
        if (hh > 23 || mm > 59 || ss > 59)
            return 0;
    }
    if (date_from_ymd(y, m, d, days) < 0)
        return 0;
    *secs = n > 10 ? hh * 3600 + mm * 60 + ss : DATE_SECS_NONE;
    return 1;
}

/* A bare number that can only be an Excel serial: 1 to 5 digits, maybe a fraction. */
static int looks_serial(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (digits == 0 || digits > 5)
        return 0;
    if (i < n && s[i] == '.') {
        i++;
        if (i == n)
            return 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == n;
}

static int serial_date(const char *s, unsigned flags, int32_t *days, int32_t *secs,
                       struct ok_err *err)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || date_from_excel_serial(v, 0, days, secs) < 0)
        return ok_err_set(err, OK_ERR_INVALID, "'%s' is not an Excel date serial%s", s,
                          flags & IO_CELL_DATE_SERIAL ? "" : " or a date (like 2024-01-05)");
    return 0;
}

int import_parse_date(const char *s, size_t n, unsigned flags, const char *fmt, int32_t *days,
                      int32_t *secs, struct ok_err *err)
{
    char tmp[64];
    text_trim(&s, &n);
    if (n == 0)
        return ok_err_set(err, OK_ERR_INVALID, "date is empty");
    if ((flags & IO_CELL_DATE_SERIAL) || ((flags & IO_CELL_NUMBER) && looks_serial(s, n)) ||
        (!fmt && looks_serial(s, n))) {
        if (n >= sizeof(tmp))
            return ok_err_set(err, OK_ERR_INVALID, "date serial too long");
        memcpy(tmp, s, n);
        tmp[n] = 0;
        return serial_date(tmp, flags, days, secs, err);
    }
    if (fmt)
        return date_parse_with_format(s, n, fmt, days, secs, err);
    if (fast_iso(s, n, days, secs))
        return 0;
    return date_parse(s, n, days, secs, err);
}

int import_parse_money(const char *s, size_t n, int scale, int64_t *out, struct ok_err *err)
{
    /* Plain digits (the common case in register exports) skip the general parser. */
    if (n > 0 && n <= 15 && all_digits(s, n)) {
        int64_t v = 0;
        size_t i;
        int k;
        for (i = 0; i < n; i++)
            v = v * 10 + (s[i] - '0');
        for (k = 0; k < scale; k++)
            v *= 10;
        *out = v;
        return 0;
    }
    return money_parse(s, n, scale, out, err);
}

int import_parse_quantity(const char *s, size_t n, int64_t *out, struct ok_err *err)
{
    const char *p = s;
    size_t len = n;
    text_trim(&p, &len);
    if (len > 0 && len <= 15 && all_digits(p, len))
        return import_parse_money(p, len, 0, out, err);
    if (len > 0 && len <= 16 && p[0] == '-' && all_digits(p + 1, len - 1)) {
        if (import_parse_money(p + 1, len - 1, 0, out, err) < 0)
            return -1;
        *out = -*out;
        return 0;
    }
    if (money_parse(p, len, 0, out, err) < 0) {
        return ok_err_set(err, OK_ERR_INVALID, "'%.*s' is not a whole quantity (like 3 or -1)",
                          (int)(len > 80 ? 80 : len), p);
    }
    return 0;
}

int import_parse_bool(const char *s, size_t n, struct ok_err *err)
{
    static const char *const yes[] = {"1",  "true", "yes",  "y",    "o",    "○",
                                      "〇", "◯",    "可",   "希望", "する", "あり",
                                      "有", "同意", "許可", "配信", "on",   NULL};
    static const char *const no[] = {"0",      "false",      "no",         "n",      "x",
                                     "×",      "✕",          "-",          "不可",   "不要",
                                     "しない", "なし",       "無",         "拒否",   "停止",
                                     "off",    "希望しない", "配信しない", "不同意", NULL};
    struct buf b;
    int i, rc = -1;
    buf_init(&b, 0);
    text_fold_for_match(&b, s, n);
    for (i = 0; yes[i]; i++)
        if (!strcmp(b.data, yes[i]))
            rc = 1;
    for (i = 0; rc < 0 && no[i]; i++)
        if (!strcmp(b.data, no[i]))
            rc = 0;
    if (rc < 0)
        ok_err_set(err, OK_ERR_INVALID, "'%.*s' is not yes or no (1/0, ○/×, 可/不可 …)",
                   (int)(n > 80 ? 80 : n), s);
    buf_release(&b);
    return rc;
}

/* ---- code index: code -> id, open addressing ---- */

enum { SLOT_TOUCHED = 1 };

struct slot {
    const char *code; /* in the arena; NULL: empty slot */
    uint32_t len;
    uint32_t flags;
    uint64_t hash;
    int64_t id;
};

struct code_index {
    struct slot *slots;
    size_t cap, n; /* cap is a power of two */
    struct arena arena;
};

/* FNV-1a, 64 bits (Fowler, Noll, Vo). */
static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static void ci_init(struct code_index *ci)
{
    ci->cap = 1024;
    ci->n = 0;
    ci->slots = xcalloc(ci->cap, sizeof(*ci->slots));
    arena_init(&ci->arena, 1 << 20);
}

static void ci_release(struct code_index *ci)
{
    free(ci->slots);
    ci->slots = NULL;
    arena_release(&ci->arena);
}

static struct slot *ci_find(struct code_index *ci, const char *s, size_t n)
{
    uint64_t h = hash_bytes(s, n);
    size_t i = (size_t)h & (ci->cap - 1);
    for (;; i = (i + 1) & (ci->cap - 1)) {
        struct slot *sl = &ci->slots[i];
        if (!sl->code)
            return NULL;
        if (sl->hash == h && sl->len == n && !memcmp(sl->code, s, n))
            return sl;
    }
}

static struct slot *ci_put(struct code_index *ci, const char *s, size_t n, int64_t id)
{
    uint64_t h;
    size_t i;
    struct slot *sl;
    if ((ci->n + 1) * 4 > ci->cap * 3) {
        struct slot *old = ci->slots;
        size_t oldcap = ci->cap, k;
        ci->cap *= 2;
        ci->slots = xcalloc(ci->cap, sizeof(*ci->slots));
        for (k = 0; k < oldcap; k++) {
            if (!old[k].code)
                continue;
            i = (size_t)old[k].hash & (ci->cap - 1);
            while (ci->slots[i].code)
                i = (i + 1) & (ci->cap - 1);
            ci->slots[i] = old[k];
        }
        free(old);
    }
    h = hash_bytes(s, n);
    i = (size_t)h & (ci->cap - 1);
    while (ci->slots[i].code) {
        sl = &ci->slots[i];
        if (sl->hash == h && sl->len == n && !memcmp(sl->code, s, n)) {
            sl->id = id;
            return sl;
        }
        i = (i + 1) & (ci->cap - 1);
    }
    sl = &ci->slots[i];
    sl->code = arena_strndup(&ci->arena, s, n);
    sl->len = (uint32_t)n;
    sl->hash = h;
    sl->id = id;
    sl->flags = 0;
    ci->n++;
    return sl;
}

static int ci_load(void *ctx, int64_t id, const char *code, size_t len, struct ok_err *err)
{
    ci_put(ctx, code, len, id);
    return 0;
}

/* ---- order counters: 64-bit hash of the order code -> lines numbered so far ---- */

struct order_counts {
    uint64_t *keys; /* 0: empty (a hash of 0 is stored as 1) */
    uint32_t *lines;
    size_t cap, n;
};

static void oc_init(struct order_counts *oc)
{
    oc->cap = 1 << 12;
    oc->n = 0;
    oc->keys = xcalloc(oc->cap, sizeof(*oc->keys));
    oc->lines = xcalloc(oc->cap, sizeof(*oc->lines));
}

static void oc_release(struct order_counts *oc)
{
    free(oc->keys);
    free(oc->lines);
}

/* The counter of an order code, created at 0; *is_new says whether it was created. */
static uint32_t *oc_get(struct order_counts *oc, const char *s, size_t n, int *is_new)
{
    uint64_t h = hash_bytes(s, n);
    size_t i;
    if (h == 0)
        h = 1;
    if ((oc->n + 1) * 4 > oc->cap * 3) {
        uint64_t *ok = oc->keys;
        uint32_t *ol = oc->lines;
        size_t oldcap = oc->cap, k;
        oc->cap *= 2;
        oc->keys = xcalloc(oc->cap, sizeof(*oc->keys));
        oc->lines = xcalloc(oc->cap, sizeof(*oc->lines));
        for (k = 0; k < oldcap; k++) {
            if (!ok[k])
                continue;
            i = (size_t)ok[k] & (oc->cap - 1);
            while (oc->keys[i])
                i = (i + 1) & (oc->cap - 1);
            oc->keys[i] = ok[k];
            oc->lines[i] = ol[k];
        }
        free(ok);
        free(ol);
    }
    i = (size_t)h & (oc->cap - 1);
    while (oc->keys[i] && oc->keys[i] != h)
        i = (i + 1) & (oc->cap - 1);
    *is_new = !oc->keys[i];
    if (*is_new) {
        oc->keys[i] = h;
        oc->lines[i] = 0;
        oc->n++;
    }
    return &oc->lines[i];
}

/* ---- the importer ---- */

/* One line of the order being read, kept until the order is complete. */
struct pline {
    long line;
    int bad;
    int has_unit_price;
    int64_t customer_id, product_id, quantity, unit_price, amount;
    int32_t day, secs;
    size_t channel, store, raw; /* offsets into run_text (channel/store NUL-terminated) */
    size_t raw_cells;
};

struct importer {
    struct db *db;
    const struct import_options *opt;
    struct import_report *rep;
    const char *path;
    struct tabular *tab;
    struct column_map map;
    int have_map;
    int scale;
    enum io_format format;
    enum io_encoding encoding;
    int fd;
    off_t file_size;
    struct arena arena;        /* per row */
    unsigned char is_code[64]; /* per field: a code, compared after NFKC (Ｃ００１ = C001) */
    struct buf msg, tmp;
    FILE *errors_fp;
    int row_bad;
    /* rejects */
    struct buf rej;
    struct io_encoder renc;
    int renc_ready;
    FILE *rej_fp;
    struct xlsx_writer *rej_x;
    long rej_xrow;
    /* indexes */
    struct code_index customers, products, users;
    int customers_loaded, products_loaded, users_loaded;
    struct order_counts order_counts;
    /* orders */
    struct order_upsert *up;
    struct buf run_code, run_text;
    uint32_t *run_count; /* line counter of the order being read (valid until the next oc_get) */
    struct pline *run;
    size_t nrun, cap_run;
    int run_bad;
    int has_customer_columns;
    struct buf last_customer;
    int64_t last_customer_id;
    struct buf last_date;
    unsigned last_date_flags;
    int32_t last_day, last_secs;
    /* customers whose referrer comes later in the file: linked at the end */
    struct deferred_ref {
        long line;
        char *code, *referrer;
    } * refs;
    size_t nrefs, cap_refs;
    /* progress */
    double started, last_progress;
};

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(struct importer *im, int final)
{
    double t = now_secs();
    double rate;
    off_t pos;
    if (!im->opt->progress || (!final && t - im->last_progress < 0.5))
        return;
    im->last_progress = t;
    rate = t > im->started ? (double)im->rep->rows / (t - im->started) : 0;
    pos = im->fd >= 0 ? lseek(im->fd, 0, SEEK_CUR) : -1;
    if (im->format != IO_FORMAT_XLSX && im->file_size > 0 && pos >= 0)
        fprintf(stderr, "\r  %lld rows  %.0f rows/s  %3.0f%%", (long long)im->rep->rows, rate,
                100.0 * (double)(final ? im->file_size : pos) / (double)im->file_size);
    else
        fprintf(stderr, "\r  %lld rows  %.0f rows/s", (long long)im->rep->rows, rate);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* The cell of field f, trimmed; NULL when unmapped, missing or blank. */
static const char *field_text(struct importer *im, const struct io_row *row, int f, size_t *n,
                              unsigned *flags)
{
    const struct io_cell *c;
    const char *s;
    size_t len;
    if (f < 0)
        return NULL;
    c = column_map_cell(&im->map, row, f);
    if (!c)
        return NULL;
    s = c->s;
    len = c->len;
    text_trim(&s, &len);
    if (len == 0)
        return NULL;
    /* okaeri's CSV export writes text that looks like a formula as '=...: read it back as is */
    if (len >= 2 && s[0] == '\'' && strchr("=+-@", s[1])) {
        s++;
        len--;
    }
    if ((size_t)f < sizeof(im->is_code) && im->is_code[f]) {
        size_t i;
        for (i = 0; i < len && !(s[i] & 0x80); i++)
            ;
        if (i < len) {
            struct buf b;
            buf_init(&b, 0);
            text_nfkc(&b, s, len);
            len = b.len;
            s = arena_strndup(&im->arena, b.data, b.len);
            buf_release(&b);
        }
    }
    if (n)
        *n = len;
    if (flags)
        *flags = c->flags;
    return s;
}

/* A NUL-terminated copy of field f from the row arena, or NULL. */
static char *field_dup(struct importer *im, const struct io_row *row, int f)
{
    size_t n;
    const char *s = field_text(im, row, f, &n, NULL);
    return s ? arena_strndup(&im->arena, s, n) : NULL;
}

static int fidx(const struct importer *im, const char *name)
{
    return io_kind_field_index(im->opt->kind, name);
}

static int mapped(const struct importer *im, int f)
{
    return f >= 0 && im->map.field_col[f] >= 0;
}

/* Records a problem with field f (or the whole row when f < 0) of a row. */
static void row_problem(struct importer *im, long line, int f, const char *reason)
{
    struct import_report *rep = im->rep;
    size_t shown = im->opt->max_shown ? im->opt->max_shown : IMPORT_DEFAULT_SHOWN;
    buf_reset(&im->msg);
    buf_printf(&im->msg, "line %ld", line);
    if (f >= 0) {
        size_t nf;
        const struct io_field_def *defs = io_kind_fields(im->opt->kind, &nf);
        int col = im->map.field_col[f];
        if (col >= 0)
            buf_printf(&im->msg, ", column %d (\"%s\" → %s)", col + 1, im->map.headers[col],
                       defs[f].name);
        else
            buf_printf(&im->msg, ", %s", defs[f].name);
    }
    buf_printf(&im->msg, ": %s\n", reason);
    if (!im->row_bad) {
        rep->bad_rows++;
        im->row_bad = 1;
    }
    if ((size_t)rep->bad_rows <= shown)
        buf_append(&rep->errors, im->msg.data, im->msg.len);
    if (im->errors_fp)
        fwrite(im->msg.data, 1, im->msg.len, im->errors_fp);
}

/* A problem reported by a store function: its field names the column when it has one. */
static void row_err(struct importer *im, long line, int f, const struct ok_err *err)
{
    int ef = err->field[0] ? fidx(im, err->field) : -1;
    if (ef < 0 && !strcmp(err->field, "referred_by_code"))
        ef = fidx(im, "referred_by");
    row_problem(im, line, ef >= 0 ? ef : f, err->message);
}

/* ---- rejects: bad rows in the file's own format and encoding ---- */

static int reject_open(struct importer *im, struct ok_err *err)
{
    char *path = im->rep->reject_path;
    size_t i;
    if (im->rej_fp || im->rej_x)
        return 0;
    if (im->opt->reject_path) {
        snprintf(path, sizeof(im->rep->reject_path), "%s", im->opt->reject_path);
    } else {
        const char *slash = strrchr(im->path, '/');
        const char *dot = strrchr(im->path, '.');
        if (dot && (!slash || dot > slash))
            snprintf(path, sizeof(im->rep->reject_path), "%.*s.rejected%s", (int)(dot - im->path),
                     im->path, dot);
        else
            snprintf(path, sizeof(im->rep->reject_path), "%s.rejected", im->path);
    }
    if (im->format == IO_FORMAT_XLSX) {
        im->rej_x = xlsx_writer_new(path, "rejected", (const char *const *)im->map.headers,
                                    im->map.ncols, err);
        if (!im->rej_x)
            return -1;
        return 0;
    }
    im->rej_fp = fopen(path, "wb");
    if (!im->rej_fp)
        return ok_err_set(err, OK_ERR_IO, "cannot write the reject file %s: %s", path,
                          strerror(errno));
    if (io_encoder_init(&im->renc,
                        im->encoding == IO_ENC_CP932  ? IO_ENC_CP932
                        : im->encoding == IO_ENC_UTF8 ? IO_ENC_UTF8
                                                      : IO_ENC_UTF8_BOM,
                        err) < 0)
        return -1;
    im->renc_ready = 1;
    buf_reset(&im->rej);
    io_encoder_begin(&im->renc, &im->rej);
    for (i = 0; i < im->map.ncols; i++) {
        buf_reset(&im->tmp);
        csv_write_field(&im->tmp, im->map.headers[i], strlen(im->map.headers[i]),
                        im->format == IO_FORMAT_TSV ? '\t' : ',');
        if (i + 1 < im->map.ncols)
            buf_putc(&im->tmp, im->format == IO_FORMAT_TSV ? '\t' : ',');
        if (io_encoder_put(&im->renc, &im->rej, im->tmp.data, im->tmp.len, NULL, err) < 0)
            return -1;
    }
    buf_puts(&im->rej, "\r\n");
    fwrite(im->rej.data, 1, im->rej.len, im->rej_fp);
    return 0;
}

/* Writes one rejected row given as n cells. */
static int reject_cells(struct importer *im, const char *const *cells, const size_t *lens, size_t n,
                        struct ok_err *err)
{
    char delim = im->format == IO_FORMAT_TSV ? '\t' : ',';
    size_t i;
    if (reject_open(im, err) < 0)
        return -1;
    if (im->rej_x) {
        for (i = 0; i < n && i < im->map.ncols; i++)
            if (lens[i] && xlsx_writer_text(im->rej_x, i, cells[i], err) < 0)
                return -1;
        xlsx_writer_end_row(im->rej_x);
        return 0;
    }
    buf_reset(&im->tmp);
    csv_write_record(&im->tmp, cells, lens, n, delim);
    buf_reset(&im->rej);
    if (io_encoder_put(&im->renc, &im->rej, im->tmp.data, im->tmp.len, NULL, err) < 0)
        return -1;
    if (fwrite(im->rej.data, 1, im->rej.len, im->rej_fp) != im->rej.len)
        return ok_err_set(err, OK_ERR_IO, "cannot write the reject file: %s", strerror(errno));
    return 0;
}

static int reject_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    const char *cells[256];
    size_t lens[256], i, n = row->n < 256 ? row->n : 256;
    for (i = 0; i < n; i++) {
        cells[i] = row->cells[i].s;
        lens[i] = row->cells[i].len;
    }
    return reject_cells(im, cells, lens, n, err);
}

static int reject_close(struct importer *im, struct ok_err *err)
{
    int rc = 0;
    if (im->rej_x)
        rc = xlsx_writer_close(&im->rej_x, err);
    if (im->rej_fp) {
        if (fclose(im->rej_fp) != 0 && rc == 0)
            rc = ok_err_set(err, OK_ERR_IO, "cannot write the reject file: %s", strerror(errno));
        im->rej_fp = NULL;
    }
    if (im->renc_ready) {
        io_encoder_release(&im->renc);
        im->renc_ready = 0;
    }
    return rc;
}

/* ---- indexes ---- */

static int load_index(struct importer *im, enum store_code_table t, struct ok_err *err)
{
    struct code_index *ci = t == STORE_CODES_CUSTOMERS  ? &im->customers
                            : t == STORE_CODES_PRODUCTS ? &im->products
                                                        : &im->users;
    int *loaded = t == STORE_CODES_CUSTOMERS  ? &im->customers_loaded
                  : t == STORE_CODES_PRODUCTS ? &im->products_loaded
                                              : &im->users_loaded;
    if (*loaded)
        return 0;
    *loaded = 1;
    return store_codes_each(im->db, t, ci_load, ci, err);
}

/* Id of a user by login; 0 with a row problem when unknown. */
static int64_t user_id(struct importer *im, const char *login, long line, int f)
{
    struct slot *s = ci_find(&im->users, login, strlen(login));
    if (s)
        return s->id;
    buf_reset(&im->tmp);
    buf_printf(&im->tmp, "'%s' is not a user login; list users with `okaeri user list`", login);
    row_problem(im, line, f, im->tmp.data);
    return 0;
}

/* Id of a customer by code; 0 with a row problem when unknown. */
static int64_t customer_id(struct importer *im, const char *code, long line, int f)
{
    struct slot *s = ci_find(&im->customers, code, strlen(code));
    if (s)
        return s->id;
    buf_reset(&im->tmp);
    buf_printf(&im->tmp, "no customer with code '%s'; import the customers first", code);
    row_problem(im, line, f, im->tmp.data);
    return 0;
}

/* Id of a list entry (lost_reasons, causes, triggers); 0 with a row problem when unknown. */
static int64_t list_id(struct importer *im, const char *list, const char *v, long line, int f)
{
    struct ok_err e;
    int64_t id;
    ok_err_clear(&e);
    id = store_list_id(im->db, list, v, &e);
    if (id < 0) {
        row_problem(im, line, f, e.message);
        return 0;
    }
    return id;
}

/* ---- customers ---- */

/* Fields of a customer row that a file may carry, in the order of struct customer. */
static const char *const customer_fields[] = {
    "name",     "name_kana", "company",     "email", "phone", "postal_code", "address",
    "birthday", "source",    "referred_by", "owner", "tags",  NULL};

static char **customer_member(struct customer *c, const char *field)
{
    if (!strcmp(field, "name"))
        return &c->name;
    if (!strcmp(field, "name_kana"))
        return &c->name_kana;
    if (!strcmp(field, "company"))
        return &c->company;
    if (!strcmp(field, "email"))
        return &c->email;
    if (!strcmp(field, "phone"))
        return &c->phone;
    if (!strcmp(field, "postal_code"))
        return &c->postal_code;
    if (!strcmp(field, "address"))
        return &c->address;
    if (!strcmp(field, "birthday"))
        return &c->birthday;
    if (!strcmp(field, "source"))
        return &c->source;
    if (!strcmp(field, "referred_by"))
        return &c->referred_by_code;
    if (!strcmp(field, "owner"))
        return &c->owner_login;
    return &c->tags;
}

static int str_eq(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* An existing customer's code found by normalised e-mail or phone (for files without codes). */
static int find_code_by_contact(struct importer *im, const char *email, const char *phone,
                                struct buf *out, struct ok_err *err)
{
    static const char SQL_BY_EMAIL[] =
        "SELECT code FROM customers WHERE match_email = ? ORDER BY id LIMIT 1";
    static const char SQL_BY_PHONE[] =
        "SELECT code FROM customers WHERE match_phone = ? ORDER BY id LIMIT 1";
    const char *vals[2] = {email, phone};
    const char *sqls[2] = {SQL_BY_EMAIL, SQL_BY_PHONE};
    int k;
    for (k = 0; k < 2; k++) {
        struct db_stmt *st;
        int rc;
        if (!vals[k])
            continue;
        buf_reset(&im->tmp);
        if ((k == 0 ? text_email_normalize(&im->tmp, vals[k], strlen(vals[k]))
                    : text_phone_normalize(&im->tmp, vals[k], strlen(vals[k]))) < 0)
            continue;
        st = db_cached(im->db, sqls[k], err);
        if (!st)
            return -1;
        db_bind_text(st, 1, im->tmp.data, im->tmp.len);
        rc = db_step(st, err);
        if (rc == DB_ROW)
            buf_puts(out, db_column_text(st, 0));
        db_reset(st);
        if (rc < 0)
            return -1;
        if (rc == DB_ROW)
            return 1;
    }
    return 0;
}

/* Creates or updates the customer of a row (a customers file, or an order file's customer
 * columns). Returns the id (> 0), 0 when the row had a problem (reported), -1 on a database
 * error. */
static int64_t upsert_customer(struct importer *im, const struct io_row *row, const char *code_in,
                               int count_as_record, struct ok_err *err)
{
    struct customer nc, old;
    struct ok_err e;
    struct buf code;
    int64_t id = 0;
    int i, changed = 0, fc = fidx(im, "email_consent");
    memset(&nc, 0, sizeof(nc));
    memset(&old, 0, sizeof(old));
    buf_init(&code, 0);
    ok_err_clear(&e);
    for (i = 0; customer_fields[i]; i++) {
        int f = fidx(im, customer_fields[i]);
        char *v = f >= 0 ? field_dup(im, row, f) : NULL;
        if (!v)
            continue;
        if (!strcmp(customer_fields[i], "birthday")) {
            int32_t day, secs;
            char iso[11];
            if (import_parse_date(v, strlen(v), column_map_cell(&im->map, row, f)->flags,
                                  im->opt->date_format, &day, &secs, &e) < 0) {
                row_problem(im, row->line, f, e.message);
                goto out;
            }
            date_format_iso(day, iso);
            v = arena_strdup(&im->arena, iso);
        }
        customer_set(customer_member(&nc, customer_fields[i]), v);
    }
    if (nc.referred_by_code &&
        !ci_find(&im->customers, nc.referred_by_code, strlen(nc.referred_by_code))) {
        /* the referrer may come later in the file: link it at the end */
        struct deferred_ref *d;
        im->refs = xgrow(im->refs, &im->cap_refs, im->nrefs + 1, sizeof(*im->refs));
        d = &im->refs[im->nrefs++];
        d->line = row->line;
        d->code = NULL;
        d->referrer = xstrdup(nc.referred_by_code);
        customer_set(&nc.referred_by_code, NULL);
    }
    if (code_in) {
        buf_puts(&code, code_in);
    } else {
        int rc = find_code_by_contact(im, nc.email, nc.phone, &code, err);
        if (rc < 0) {
            id = -1;
            goto out;
        }
        if (rc == 0) {
            int64_t next = 0;
            if (db_query_i64(im->db, "SELECT coalesce(max(id), 0) + 1 FROM customers", &next, err) <
                0) {
                id = -1;
                goto out;
            }
            buf_printf(&code, "IMP%06lld", (long long)next);
        }
    }
    if (im->nrefs && !im->refs[im->nrefs - 1].code)
        im->refs[im->nrefs - 1].code = xstrdup(code.data);
    if (store_customer_get(im->db, code.data, &old, &e) < 0) {
        if (e.code != OK_ERR_NOT_FOUND) {
            *err = e;
            id = -1;
            goto out;
        }
        /* new customer */
        customer_set(&nc.code, code.data);
        if (!nc.name)
            customer_set(&nc.name, code.data);
        if (fc >= 0) {
            size_t n;
            const char *s = field_text(im, row, fc, &n, NULL);
            if (s) {
                int b = import_parse_bool(s, n, &e);
                if (b < 0) {
                    row_problem(im, row->line, fc, e.message);
                    goto out;
                }
                nc.email_consent = b;
            }
        }
        ok_err_clear(&e);
        id = store_customer_create(im->db, im->opt->actor, &nc, &e);
        if (id < 0) {
            if (e.code == OK_ERR_DB || e.code == OK_ERR_INTERNAL) {
                *err = e;
                goto out;
            }
            row_err(im, row->line, -1, &e);
            id = 0;
            goto out;
        }
        ci_put(&im->customers, code.data, code.len, id);
        if (count_as_record)
            im->rep->created++;
        else
            im->rep->customers_created++;
        goto out;
    }
    /* existing: the file's non-empty values replace the stored ones */
    id = old.id;
    {
        struct customer merged = old;
        char *saved[16];
        int k;
        memset(&merged, 0, sizeof(merged));
        merged.id = old.id;
        merged.version = old.version;
        merged.email_consent = old.email_consent;
        customer_set(&merged.code, old.code);
        customer_set(&merged.kind, old.kind);
        customer_set(&merged.attributes, old.attributes);
        customer_set(&merged.unsubscribed_at, old.unsubscribed_at);
        customer_set(&merged.cause_code, old.cause_code);
        customer_set(&merged.cause_note, old.cause_note);
        for (k = 0; customer_fields[k]; k++) {
            char **src = customer_member(&nc, customer_fields[k]);
            customer_set(customer_member(&merged, customer_fields[k]),
                         *src ? *src : *customer_member(&old, customer_fields[k]));
        }
        (void)saved;
        if (fc >= 0) {
            size_t n;
            const char *s = field_text(im, row, fc, &n, NULL);
            if (s) {
                int b = import_parse_bool(s, n, &e);
                if (b < 0) {
                    row_problem(im, row->line, fc, e.message);
                    customer_release(&merged);
                    id = 0;
                    goto out;
                }
                merged.email_consent = b;
            }
        }
        if (store_customer_validate(&merged, &e) < 0) {
            row_err(im, row->line, -1, &e);
            customer_release(&merged);
            id = 0;
            goto out;
        }
        for (k = 0; customer_fields[k]; k++)
            if (!str_eq(*customer_member(&merged, customer_fields[k]),
                        *customer_member(&old, customer_fields[k])))
                changed = 1;
        if (merged.email_consent != old.email_consent)
            changed = 1;
        if (changed) {
            ok_err_clear(&e);
            if (store_customer_update(im->db, im->opt->actor, &merged, &e) < 0) {
                if (e.code == OK_ERR_DB || e.code == OK_ERR_INTERNAL) {
                    *err = e;
                    id = -1;
                } else {
                    row_err(im, row->line, -1, &e);
                    id = 0;
                }
                customer_release(&merged);
                goto out;
            }
        }
        customer_release(&merged);
        if (count_as_record) {
            if (changed)
                im->rep->updated++;
            else
                im->rep->unchanged++;
        } else if (changed) {
            im->rep->customers_updated++;
        }
    }
out:
    customer_release(&nc);
    customer_release(&old);
    buf_release(&code);
    return id;
}

static int import_customer_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    char *code = field_dup(im, row, fidx(im, "code"));
    int64_t id;
    if (!code && !mapped(im, fidx(im, "email")) && !mapped(im, fidx(im, "phone"))) {
        row_problem(im, row->line, fidx(im, "code"), "customer code is empty");
        return 0;
    }
    id = upsert_customer(im, row, code, 1, err);
    return id < 0 ? -1 : 0;
}

/* ---- products ---- */

static int import_product_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    struct product p, old;
    struct ok_err e;
    int fp = fidx(im, "price"), changed;
    size_t n;
    const char *s;
    memset(&p, 0, sizeof(p));
    memset(&old, 0, sizeof(old));
    ok_err_clear(&e);
    p.sku = field_dup(im, row, fidx(im, "sku"));
    p.name = field_dup(im, row, fidx(im, "name"));
    p.category = field_dup(im, row, fidx(im, "category"));
    p.tags = field_dup(im, row, fidx(im, "tags"));
    if ((s = field_text(im, row, fp, &n, NULL)) != NULL) {
        if (import_parse_money(s, n, im->scale, &p.price, &e) < 0) {
            row_problem(im, row->line, fp, e.message);
            return 0;
        }
        p.has_price = 1;
    }
    if (store_product_validate(&p, &e) < 0) {
        row_err(im, row->line, -1, &e);
        return 0;
    }
    if (store_product_get(im->db, p.sku, &old, &e) < 0) {
        int64_t id;
        if (e.code != OK_ERR_NOT_FOUND) {
            *err = e;
            return -1;
        }
        ok_err_clear(&e);
        id = store_product_create(im->db, im->opt->actor, &p, &e);
        free(p.created_at);
        free(p.updated_at);
        if (id < 0) {
            row_err(im, row->line, -1, &e);
            return 0;
        }
        im->rep->created++;
        return 0;
    }
    changed = !str_eq(p.name, old.name) || (p.category && !str_eq(p.category, old.category)) ||
              (p.tags && !str_eq(p.tags, old.tags)) ||
              (p.has_price && (!old.has_price || p.price != old.price));
    if (changed) {
        /* old becomes the updated record: its strings are heap copies the store may replace */
        free(old.name);
        old.name = xstrdup(p.name);
        if (p.category) {
            free(old.category);
            old.category = xstrdup(p.category);
        }
        if (p.tags) {
            free(old.tags);
            old.tags = xstrdup(p.tags);
        }
        if (p.has_price) {
            old.has_price = 1;
            old.price = p.price;
        }
        if (store_product_update(im->db, im->opt->actor, &old, &e) < 0) {
            row_err(im, row->line, -1, &e);
            product_release(&old);
            return 0;
        }
        im->rep->updated++;
    } else {
        im->rep->unchanged++;
    }
    product_release(&old);
    return 0;
}

/* ---- deals, contracts, referrals, activities, feedback ---- */

/* A date field as "YYYY-MM-DD" (or "YYYY-MM-DD HH:MM:SS" with with_time) in the row arena;
 * NULL when empty or bad (bad: a row problem is reported and *bad set). */
static char *date_field(struct importer *im, const struct io_row *row, int f, int with_time,
                        int *bad)
{
    size_t n;
    unsigned flags = 0;
    const char *s = field_text(im, row, f, &n, &flags);
    int32_t day, secs;
    struct ok_err e;
    char out[20];
    if (!s)
        return NULL;
    ok_err_clear(&e);
    if (import_parse_date(s, n, flags, im->opt->date_format, &day, &secs, &e) < 0) {
        row_problem(im, row->line, f, e.message);
        *bad = 1;
        return NULL;
    }
    if (with_time)
        date_format_datetime(day, secs < 0 ? 0 : secs, out);
    else
        date_format_iso(day, out);
    return arena_strdup(&im->arena, out);
}

static int money_field(struct importer *im, const struct io_row *row, int f, int64_t *out, int *bad)
{
    size_t n;
    const char *s = field_text(im, row, f, &n, NULL);
    struct ok_err e;
    *out = 0;
    if (!s)
        return 0;
    if (import_parse_money(s, n, im->scale, out, &e) < 0) {
        row_problem(im, row->line, f, e.message);
        *bad = 1;
        return 0;
    }
    return 1;
}

/* A stable code for a record imported without one: a hash of the row's values, so that the
 * same row imported again finds its record. */
static char *content_code(struct importer *im, const char *prefix, const struct io_row *row)
{
    uint64_t h = 14695981039346656037ULL;
    size_t f, nf;
    char out[40];
    io_kind_fields(im->opt->kind, &nf);
    for (f = 0; f < nf; f++) {
        size_t n = 0;
        const char *s = field_text(im, row, (int)f, &n, NULL);
        h ^= hash_bytes(s ? s : "", s ? n : 0) + f;
        h *= 1099511628211ULL;
    }
    snprintf(out, sizeof(out), "%s-%016llx", prefix, (unsigned long long)h);
    return arena_strdup(&im->arena, out);
}

/* Counts the outcome of a create / update / unchanged decision. */
static void count_outcome(struct importer *im, int outcome)
{
    if (outcome == 2)
        im->rep->created++;
    else if (outcome == 1)
        im->rep->updated++;
    else
        im->rep->unchanged++;
}

static int is_db_error(const struct ok_err *e)
{
    return e->code == OK_ERR_DB || e->code == OK_ERR_INTERNAL || e->code == OK_ERR_IO;
}

static int import_deal_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    struct deal d, old;
    struct ok_err e;
    int bad = 0, rc;
    int64_t cid, owner = 0, reason = 0, trig = 0, prod = 0;
    memset(&d, 0, sizeof(d));
    memset(&old, 0, sizeof(old));
    ok_err_clear(&e);
    d.code = field_dup(im, row, fidx(im, "code"));
    d.customer_code = field_dup(im, row, fidx(im, "customer_code"));
    d.kind = field_dup(im, row, fidx(im, "kind"));
    d.stage = field_dup(im, row, fidx(im, "stage"));
    d.title = field_dup(im, row, fidx(im, "title"));
    money_field(im, row, fidx(im, "amount"), &d.amount, &bad);
    d.opened_at = date_field(im, row, fidx(im, "opened_at"), 0, &bad);
    d.closed_at = date_field(im, row, fidx(im, "closed_at"), 0, &bad);
    d.owner_login = field_dup(im, row, fidx(im, "owner"));
    d.lost_reason = field_dup(im, row, fidx(im, "lost_reason"));
    d.lost_note = field_dup(im, row, fidx(im, "lost_note"));
    d.trigger = field_dup(im, row, fidx(im, "trigger"));
    d.product_sku = field_dup(im, row, fidx(im, "product"));
    if (!d.code) {
        row_problem(im, row->line, fidx(im, "code"), "deal code is empty");
        return 0;
    }
    if (!d.customer_code) {
        row_problem(im, row->line, fidx(im, "customer_code"), "customer code is empty");
        return 0;
    }
    if (bad)
        return 0;
    if (!d.opened_at) {
        char today[11];
        date_format_iso(date_today(NULL), today);
        d.opened_at = arena_strdup(&im->arena, today);
    }
    cid = customer_id(im, d.customer_code, row->line, fidx(im, "customer_code"));
    if (d.owner_login)
        owner = user_id(im, d.owner_login, row->line, fidx(im, "owner"));
    if (d.lost_reason)
        reason = list_id(im, "lost_reasons", d.lost_reason, row->line, fidx(im, "lost_reason"));
    if (d.trigger)
        trig = list_id(im, "triggers", d.trigger, row->line, fidx(im, "trigger"));
    if (d.product_sku) {
        struct slot *s = ci_find(&im->products, d.product_sku, strlen(d.product_sku));
        if (!s) {
            row_problem(im, row->line, fidx(im, "product"), "no product with this SKU");
            return 0;
        }
        prod = s->id;
    }
    if (im->row_bad)
        return 0;
    if (store_deal_get(im->db, d.code, &old, &e) == 0) {
        deal_release(&old);
        rc = store_import_update_deal(im->db, d.code, cid, d.kind, d.stage, d.title, d.amount,
                                      d.opened_at, d.closed_at, owner, reason, d.lost_note, trig,
                                      prod, &e);
        if (rc < 0) {
            if (is_db_error(&e)) {
                *err = e;
                return -1;
            }
            row_err(im, row->line, -1, &e);
            return 0;
        }
        count_outcome(im, rc);
        return 0;
    }
    if (e.code != OK_ERR_NOT_FOUND) {
        *err = e;
        return -1;
    }
    {
        /* the store owns the strings of struct deal: give it heap copies */
        struct deal c;
        memset(&c, 0, sizeof(c));
#define DUP(x) c.x = d.x ? xstrdup(d.x) : NULL
        DUP(code);
        DUP(customer_code);
        DUP(kind);
        DUP(stage);
        DUP(title);
        DUP(opened_at);
        DUP(closed_at);
        DUP(owner_login);
        DUP(lost_reason);
        DUP(lost_note);
        DUP(trigger);
        DUP(product_sku);
#undef DUP
        c.amount = d.amount;
        ok_err_clear(&e);
        if (store_deal_create(im->db, im->opt->actor, &c, &e) < 0) {
            deal_release(&c);
            if (is_db_error(&e)) {
                *err = e;
                return -1;
            }
            row_err(im, row->line, -1, &e);
            return 0;
        }
        deal_release(&c);
        count_outcome(im, 2);
    }
    return 0;
}

static int import_contract_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    struct contract c, old;
    struct ok_err e;
    int bad = 0, changed;
    char *renewed;
    memset(&c, 0, sizeof(c));
    memset(&old, 0, sizeof(old));
    ok_err_clear(&e);
    c.code = field_dup(im, row, fidx(im, "code"));
    c.customer_code = field_dup(im, row, fidx(im, "customer_code"));
    c.product_sku = field_dup(im, row, fidx(im, "product"));
    c.start_on = date_field(im, row, fidx(im, "start_on"), 0, &bad);
    c.end_on = date_field(im, row, fidx(im, "end_on"), 0, &bad);
    money_field(im, row, fidx(im, "amount"), &c.amount, &bad);
    c.end_reason = field_dup(im, row, fidx(im, "end_reason"));
    renewed = field_dup(im, row, fidx(im, "renewed_from"));
    if (!c.code) {
        row_problem(im, row->line, fidx(im, "code"), "contract code is empty");
        return 0;
    }
    if (bad)
        return 0;
    if (renewed) {
        struct contract prev;
        memset(&prev, 0, sizeof(prev));
        if (store_contract_get(im->db, renewed, &prev, &e) < 0) {
            row_problem(im, row->line, fidx(im, "renewed_from"), e.message);
            return 0;
        }
        c.renewed_from = prev.id;
        contract_release(&prev);
    }
    {
        /* validation rewrites dates in place: give it heap copies, keep the normalised values */
        struct contract v = c;
#define DUP(x) v.x = c.x ? xstrdup(c.x) : NULL
        DUP(code);
        DUP(customer_code);
        DUP(product_sku);
        DUP(start_on);
        DUP(end_on);
        DUP(end_reason);
        DUP(end_note);
        DUP(created_at);
#undef DUP
        if (store_contract_validate(&v, &e) < 0) {
            contract_release(&v);
            row_err(im, row->line, -1, &e);
            return 0;
        }
        c.start_on = v.start_on ? arena_strdup(&im->arena, v.start_on) : NULL;
        c.end_on = v.end_on ? arena_strdup(&im->arena, v.end_on) : NULL;
        contract_release(&v);
    }
    if (store_contract_get(im->db, c.code, &old, &e) < 0) {
        struct contract n;
        if (e.code != OK_ERR_NOT_FOUND) {
            *err = e;
            return -1;
        }
        memset(&n, 0, sizeof(n));
        n = c;
#define DUP(x) n.x = c.x ? xstrdup(c.x) : NULL
        DUP(code);
        DUP(customer_code);
        DUP(product_sku);
        DUP(start_on);
        DUP(end_on);
        DUP(end_reason);
#undef DUP
        n.end_note = NULL;
        n.created_at = NULL;
        ok_err_clear(&e);
        if (store_contract_create(im->db, im->opt->actor, &n, &e) < 0) {
            contract_release(&n);
            if (is_db_error(&e)) {
                *err = e;
                return -1;
            }
            row_err(im, row->line, -1, &e);
            return 0;
        }
        contract_release(&n);
        count_outcome(im, 2);
        return 0;
    }
    changed = !str_eq(c.customer_code, old.customer_code) ||
              (c.product_sku && !str_eq(c.product_sku, old.product_sku)) ||
              !str_eq(c.start_on, old.start_on) || !str_eq(c.end_on, old.end_on) ||
              c.amount != old.amount || (renewed && c.renewed_from != old.renewed_from) ||
              (c.end_reason && !str_eq(c.end_reason, old.end_reason));
    if (changed) {
        struct contract n = old;
        n.customer_code = xstrdup(c.customer_code);
        free(old.customer_code);
        if (c.product_sku) {
            free(n.product_sku);
            n.product_sku = xstrdup(c.product_sku);
        }
        free(n.start_on);
        n.start_on = xstrdup(c.start_on);
        free(n.end_on);
        n.end_on = xstrdup(c.end_on);
        n.amount = c.amount;
        if (renewed)
            n.renewed_from = c.renewed_from;
        if (c.end_reason) {
            free(n.end_reason);
            n.end_reason = xstrdup(c.end_reason);
        }
        memset(&old, 0, sizeof(old));
        ok_err_clear(&e);
        if (store_contract_update(im->db, im->opt->actor, &n, &e) < 0) {
            contract_release(&n);
            if (is_db_error(&e)) {
                *err = e;
                return -1;
            }
            row_err(im, row->line, -1, &e);
            return 0;
        }
        contract_release(&n);
        count_outcome(im, 1);
        return 0;
    }
    contract_release(&old);
    count_outcome(im, 0);
    return 0;
}

static int import_referral_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    struct referral r, old;
    struct ok_err e;
    int bad = 0;
    memset(&r, 0, sizeof(r));
    memset(&old, 0, sizeof(old));
    ok_err_clear(&e);
    r.code = field_dup(im, row, fidx(im, "code"));
    r.referrer_code = field_dup(im, row, fidx(im, "referrer_code"));
    r.referred_code = field_dup(im, row, fidx(im, "referred_code"));
    r.prospect_name = field_dup(im, row, fidx(im, "prospect_name"));
    r.referred_on = date_field(im, row, fidx(im, "referred_on"), 0, &bad);
    r.trigger = field_dup(im, row, fidx(im, "trigger"));
    if (bad)
        return 0;
    if (!r.referred_on) {
        char today[11];
        date_format_iso(date_today(NULL), today);
        r.referred_on = arena_strdup(&im->arena, today);
    }
    if (!r.code)
        r.code = content_code(im, "ref", row);
    {
        struct referral v = r;
#define DUP(x) v.x = r.x ? xstrdup(r.x) : NULL
        DUP(code);
        DUP(referrer_code);
        DUP(referred_code);
        DUP(prospect_name);
        DUP(referred_on);
        DUP(trigger);
        DUP(created_at);
#undef DUP
        if (store_referral_validate(&v, &e) < 0) {
            referral_release(&v);
            row_err(im, row->line, -1, &e);
            return 0;
        }
        r.referred_on = v.referred_on ? arena_strdup(&im->arena, v.referred_on) : NULL;
        referral_release(&v);
    }
    if (store_referral_get(im->db, r.code, &old, &e) == 0) {
        int changed = !str_eq(r.referrer_code, old.referrer_code) ||
                      !str_eq(r.referred_code, old.referred_code) ||
                      !str_eq(r.prospect_name, old.prospect_name) ||
                      !str_eq(r.referred_on, old.referred_on) ||
                      (r.trigger && !str_eq(r.trigger, old.trigger));
        if (changed) {
            struct referral n = old;
            n.referrer_code = xstrdup(r.referrer_code);
            free(old.referrer_code);
            n.referred_code = r.referred_code ? xstrdup(r.referred_code) : NULL;
            free(old.referred_code);
            n.prospect_name = r.prospect_name ? xstrdup(r.prospect_name) : NULL;
            free(old.prospect_name);
            n.referred_on = xstrdup(r.referred_on);
            free(old.referred_on);
            if (r.trigger) {
                free(old.trigger);
                n.trigger = xstrdup(r.trigger);
            }
            memset(&old, 0, sizeof(old));
            ok_err_clear(&e);
            if (store_referral_update(im->db, im->opt->actor, &n, &e) < 0) {
                referral_release(&n);
                if (is_db_error(&e)) {
                    *err = e;
                    return -1;
                }
                row_err(im, row->line, -1, &e);
                return 0;
            }
            referral_release(&n);
        }
        referral_release(&old);
        count_outcome(im, changed);
        return 0;
    }
    if (e.code != OK_ERR_NOT_FOUND) {
        *err = e;
        return -1;
    }
    {
        struct referral n = r;
#define DUP(x) n.x = r.x ? xstrdup(r.x) : NULL
        DUP(code);
        DUP(referrer_code);
        DUP(referred_code);
        DUP(prospect_name);
        DUP(referred_on);
        DUP(trigger);
        DUP(created_at);
#undef DUP
        ok_err_clear(&e);
        if (store_referral_create(im->db, im->opt->actor, &n, &e) < 0) {
            referral_release(&n);
            if (is_db_error(&e)) {
                *err = e;
                return -1;
            }
            row_err(im, row->line, -1, &e);
            return 0;
        }
        referral_release(&n);
        count_outcome(im, 2);
    }
    return 0;
}

static int import_activity_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    struct activity a, old;
    struct ok_err e;
    int bad = 0, rc;
    int64_t cid, uid = 0;
    memset(&a, 0, sizeof(a));
    memset(&old, 0, sizeof(old));
    ok_err_clear(&e);
    a.code = field_dup(im, row, fidx(im, "code"));
    a.customer_code = field_dup(im, row, fidx(im, "customer_code"));
    a.occurred_at = date_field(im, row, fidx(im, "occurred_at"), 1, &bad);
    a.channel = field_dup(im, row, fidx(im, "channel"));
    a.direction = field_dup(im, row, fidx(im, "direction"));
    a.subject = field_dup(im, row, fidx(im, "subject"));
    a.body = field_dup(im, row, fidx(im, "body"));
    a.outcome = field_dup(im, row, fidx(im, "outcome"));
    a.user_login = field_dup(im, row, fidx(im, "user"));
    if (bad)
        return 0;
    if (!a.channel)
        a.channel = "other";
    if (!a.code)
        a.code = content_code(im, "act", row);
    {
        struct activity v = a;
#define DUP(x) v.x = a.x ? xstrdup(a.x) : NULL
        DUP(code);
        DUP(customer_code);
        DUP(occurred_at);
        DUP(channel);
        DUP(direction);
        DUP(subject);
        DUP(body);
        DUP(outcome);
        DUP(user_login);
        DUP(created_at);
#undef DUP
        if (store_activity_validate(&v, &e) < 0) {
            activity_release(&v);
            row_err(im, row->line, -1, &e);
            return 0;
        }
        if (store_activity_get(im->db, v.code, &old, &e) == 0) {
            activity_release(&old);
            cid = customer_id(im, v.customer_code, row->line, fidx(im, "customer_code"));
            if (v.user_login)
                uid = user_id(im, v.user_login, row->line, fidx(im, "user"));
            if (im->row_bad) {
                activity_release(&v);
                return 0;
            }
            rc = store_import_update_activity(im->db, v.code, cid, uid, v.occurred_at, v.channel,
                                              v.direction, v.subject, v.body, v.outcome, &e);
        } else if (e.code != OK_ERR_NOT_FOUND) {
            rc = -1;
        } else {
            ok_err_clear(&e);
            rc = store_activity_create(im->db, im->opt->actor, &v, &e) < 0 ? -1 : 2;
        }
        activity_release(&v);
        if (rc < 0) {
            if (is_db_error(&e)) {
                *err = e;
                return -1;
            }
            row_err(im, row->line, -1, &e);
            return 0;
        }
        count_outcome(im, rc);
    }
    return 0;
}

static int import_feedback_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    struct feedback f, old;
    struct ok_err e;
    int bad = 0, rc, fs = fidx(im, "score");
    int64_t cid;
    size_t n;
    const char *s;
    memset(&f, 0, sizeof(f));
    memset(&old, 0, sizeof(old));
    ok_err_clear(&e);
    f.score = -1;
    if ((s = field_text(im, row, fs, &n, NULL)) != NULL) {
        int64_t v;
        if (import_parse_quantity(s, n, &v, &e) < 0 || v < 0 || v > 10) {
            row_problem(im, row->line, fs, "score must be a whole number from 0 to 10");
            return 0;
        }
        f.score = (int)v;
    }
    {
        char *kind = field_dup(im, row, fidx(im, "kind"));
        char *code = field_dup(im, row, fidx(im, "code"));
        char *text = field_dup(im, row, fidx(im, "text"));
        char *on = date_field(im, row, fidx(im, "received_on"), 0, &bad);
        char *cust = field_dup(im, row, fidx(im, "customer_code"));
        if (bad)
            return 0;
        if (!on) {
            char today[11];
            date_format_iso(date_today(NULL), today);
            on = arena_strdup(&im->arena, today);
        }
        if (!kind)
            kind = f.score >= 0 ? "satisfaction" : "need";
        f.code = xstrdup(code ? code : content_code(im, "fb", row));
        f.kind = xstrdup(kind);
        f.text = text ? xstrdup(text) : NULL;
        f.received_on = xstrdup(on);
        f.customer_code = cust ? xstrdup(cust) : NULL;
    }
    if (store_feedback_validate(&f, &e) < 0) {
        feedback_release(&f);
        row_err(im, row->line, -1, &e);
        return 0;
    }
    if (store_feedback_get(im->db, f.code, &old, &e) == 0) {
        feedback_release(&old);
        cid = customer_id(im, f.customer_code, row->line, fidx(im, "customer_code"));
        rc = im->row_bad ? 0
                         : store_import_update_feedback(im->db, f.code, cid, f.kind, f.score,
                                                        f.text, f.received_on, &e);
        if (im->row_bad) {
            feedback_release(&f);
            return 0;
        }
    } else if (e.code != OK_ERR_NOT_FOUND) {
        rc = -1;
    } else {
        ok_err_clear(&e);
        rc = store_feedback_create(im->db, im->opt->actor, &f, &e) < 0 ? -1 : 2;
    }
    feedback_release(&f);
    if (rc < 0) {
        if (is_db_error(&e)) {
            *err = e;
            return -1;
        }
        row_err(im, row->line, -1, &e);
        return 0;
    }
    count_outcome(im, rc);
    return 0;
}

/* ---- orders ---- */

static const char *const order_customer_fields[] = {"name",        "name_kana", "email",    "phone",
                                                    "postal_code", "address",   "birthday", NULL};

/* Writes the lines of the order read so far (or rejects them all when one was bad). */
static int flush_run(struct importer *im, struct ok_err *err)
{
    size_t i;
    int is_new;
    uint32_t *count;
    if (im->nrun == 0)
        return 0;
    if (im->run_bad) {
        im->rep->rejected += (int64_t)im->nrun;
        if (im->opt->skip_bad) {
            for (i = 0; i < im->nrun; i++) {
                const char *cells[256];
                size_t lens[256], k, off = im->run[i].raw;
                size_t n = im->run[i].raw_cells;
                for (k = 0; k < n && k < 256; k++) {
                    memcpy(&lens[k], im->run_text.data + off, sizeof(size_t));
                    off += sizeof(size_t);
                    cells[k] = im->run_text.data + off;
                    off += lens[k] + 1;
                }
                if (reject_cells(im, cells, lens, n < 256 ? n : 256, err) < 0)
                    return -1;
            }
        }
        goto out;
    }
    count = im->run_count;
    if (!count)
        count = oc_get(&im->order_counts, im->run_code.data, im->run_code.len, &is_new);
    for (i = 0; i < im->nrun; i++) {
        struct pline *p = &im->run[i];
        struct bulk_order_line o;
        const char *channel = im->run_text.data + p->channel;
        const char *store = im->run_text.data + p->store;
        memset(&o, 0, sizeof(o));
        o.order_code = im->run_code.data;
        o.line_no = (int)++*count;
        o.customer_id = p->customer_id;
        o.day = p->day;
        o.secs = p->secs;
        o.product_id = p->product_id;
        o.quantity = p->quantity;
        o.unit_price = p->unit_price;
        o.amount = p->amount;
        o.channel = *channel ? channel : NULL;
        o.store = *store ? store : NULL;
        if (p->quantity < 0 || p->amount < 0)
            im->rep->returns++;
        if (im->opt->dry_run && im->rep->preview.len < 4096 &&
            (size_t)(im->rep->created + im->rep->updated + im->rep->unchanged) <
                (im->opt->preview_rows ? im->opt->preview_rows : 5) &&
            im->rep->preview.len / 60 < (im->opt->preview_rows ? im->opt->preview_rows : 5)) {
            char when[20];
            date_format_datetime(p->day, p->secs, when);
            buf_printf(&im->rep->preview,
                       "  %s line %d  customer #%lld  %s  qty %lld  amount %lld\n", o.order_code,
                       o.line_no, (long long)o.customer_id, when, (long long)o.quantity,
                       (long long)o.amount);
        }
        if (store_order_upsert_add(im->up, &o, p->has_unit_price, err) < 0)
            return -1;
    }
out:
    im->nrun = 0;
    im->run_bad = 0;
    buf_reset(&im->run_text);
    return 0;
}

/* Customer id of an order line (creating or updating the customer from the row's customer
 * columns); 0 when the row had a problem. */
static int64_t order_customer(struct importer *im, const struct io_row *row, const char *code,
                              size_t n, struct ok_err *err)
{
    struct slot *s;
    int fc = fidx(im, "customer_code");
    if (im->last_customer_id > 0 && im->last_customer.len == n &&
        !memcmp(im->last_customer.data, code, n))
        return im->last_customer_id;
    s = ci_find(&im->customers, code, n);
    if (!s || (im->has_customer_columns && !(s->flags & SLOT_TOUCHED))) {
        int64_t id;
        char *c = arena_strndup(&im->arena, code, n);
        if (!s && !im->has_customer_columns && !im->opt->create_customers) {
            buf_reset(&im->tmp);
            buf_printf(&im->tmp,
                       "no customer with code '%s'; import the customers first, or use "
                       "--create-customers",
                       c);
            row_problem(im, row->line, fc, im->tmp.data);
            return 0;
        }
        id = upsert_customer(im, row, c, 0, err);
        if (id <= 0)
            return id;
        s = ci_put(&im->customers, code, n, id);
        s->flags |= SLOT_TOUCHED;
        im->rep->customers_seen++;
    } else if (!(s->flags & SLOT_TOUCHED)) {
        s->flags |= SLOT_TOUCHED;
        im->rep->customers_seen++;
    }
    buf_reset(&im->last_customer);
    buf_append(&im->last_customer, code, n);
    im->last_customer_id = s->id;
    return s->id;
}

static int64_t order_product(struct importer *im, const struct io_row *row, int fp,
                             struct ok_err *err)
{
    size_t n;
    const char *sku = field_text(im, row, fp, &n, NULL);
    struct slot *s;
    struct product p;
    struct ok_err e;
    int64_t id;
    if (!sku)
        return 0;
    s = ci_find(&im->products, sku, n);
    if (s)
        return s->id;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&e);
    p.sku = arena_strndup(&im->arena, sku, n);
    p.name = field_dup(im, row, fidx(im, "product_name"));
    if (!p.name)
        p.name = p.sku;
    id = store_product_create(im->db, im->opt->actor, &p, &e);
    free(p.created_at); /* set by the store; the other strings are the arena's */
    free(p.updated_at);
    if (id < 0) {
        if (is_db_error(&e)) {
            *err = e;
            return -1;
        }
        row_problem(im, row->line, fp, e.message);
        return 0;
    }
    ci_put(&im->products, sku, n, id);
    im->rep->products_created++;
    return id;
}

static int import_order_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    static int f_code = -1, f_cust, f_date, f_prod, f_qty, f_unit, f_amount, f_chan, f_store;
    struct pline *p;
    const char *code, *cust, *s;
    size_t ncode, ncust, n;
    unsigned flags = 0;
    struct ok_err e;
    int cancel, has_qty;
    if (f_code < 0) {
        f_cust = fidx(im, "customer_code");
        f_date = fidx(im, "ordered_at");
        f_prod = fidx(im, "product");
        f_qty = fidx(im, "quantity");
        f_unit = fidx(im, "unit_price");
        f_amount = fidx(im, "amount");
        f_chan = fidx(im, "channel");
        f_store = fidx(im, "store");
        f_code = fidx(im, "order_code");
    }
    code = field_text(im, row, f_code, &ncode, NULL);
    if (!code) {
        row_problem(im, row->line, f_code, "order code is empty");
        return 0;
    }
    if (ncode != im->run_code.len || memcmp(code, im->run_code.data, ncode)) {
        int is_new;
        if (flush_run(im, err) < 0)
            return -1;
        buf_reset(&im->run_code);
        buf_append(&im->run_code, code, ncode);
        im->run_count = oc_get(&im->order_counts, code, ncode, &is_new);
        if (is_new)
            im->rep->orders++;
    }
    cust = field_text(im, row, f_cust, &ncust, NULL);
    if (!cust) {
        im->rep->no_customer++;
        return 0;
    }
    if (im->nrun + 1 > im->cap_run) {
        im->cap_run = im->cap_run * 2 + 16;
        im->run = xrealloc(im->run, im->cap_run * sizeof(*im->run));
    }
    p = &im->run[im->nrun++];
    memset(p, 0, sizeof(*p));
    p->line = row->line;
    p->customer_id = order_customer(im, row, cust, ncust, err);
    if (p->customer_id < 0)
        return -1;
    p->product_id = order_product(im, row, f_prod, err);
    if (p->product_id < 0)
        return -1;
    s = field_text(im, row, f_date, &n, &flags);
    if (!s) {
        row_problem(im, row->line, f_date, "order date is empty");
    } else if (im->last_date.len == n && flags == im->last_date_flags &&
               !memcmp(im->last_date.data, s, n)) {
        p->day = im->last_day;
        p->secs = im->last_secs;
    } else if (import_parse_date(s, n, flags, im->opt->date_format, &p->day, &p->secs, &e) < 0) {
        row_problem(im, row->line, f_date, e.message);
    } else {
        buf_reset(&im->last_date);
        buf_append(&im->last_date, s, n);
        im->last_date_flags = flags;
        im->last_day = p->day;
        im->last_secs = p->secs;
    }
    p->quantity = 1;
    has_qty = (s = field_text(im, row, f_qty, &n, NULL)) != NULL;
    if (has_qty && import_parse_quantity(s, n, &p->quantity, &e) < 0)
        row_problem(im, row->line, f_qty, e.message);
    if ((s = field_text(im, row, f_unit, &n, NULL)) != NULL) {
        if (import_parse_money(s, n, im->scale, &p->unit_price, &e) < 0)
            row_problem(im, row->line, f_unit, e.message);
        else
            p->has_unit_price = 1;
    }
    if ((s = field_text(im, row, f_amount, &n, NULL)) != NULL) {
        if (import_parse_money(s, n, im->scale, &p->amount, &e) < 0)
            row_problem(im, row->line, f_amount, e.message);
    } else if (p->has_unit_price) {
        if (money_mul(p->quantity, p->unit_price, &p->amount, &e) < 0)
            row_problem(im, row->line, f_amount, "quantity × unit price is too large");
    } else if (!im->row_bad) {
        row_problem(im, row->line, mapped(im, f_amount) ? f_amount : f_unit,
                    "the line has neither an amount nor a unit price");
    }
    if (!im->row_bad && (p->amount > ORDER_AMOUNT_MAX || p->amount < -ORDER_AMOUNT_MAX))
        row_problem(im, row->line, mapped(im, f_amount) ? f_amount : f_unit,
                    "the amount is too large (at most 10000000000000 minor units a line)");
    if (!has_qty && p->amount < 0)
        p->quantity = -1; /* a line with only a negative amount returns one item */
    cancel = im->opt->cancel_prefix && *im->opt->cancel_prefix &&
             !strncmp(code, im->opt->cancel_prefix, strlen(im->opt->cancel_prefix));
    if (cancel) {
        if (p->quantity > 0)
            p->quantity = -p->quantity;
        if (p->amount > 0)
            p->amount = -p->amount;
    }
    if (!im->row_bad && p->amount != 0 && (p->quantity < 0) != (p->amount < 0)) {
        buf_reset(&im->tmp);
        buf_printf(&im->tmp,
                   "quantity %lld and amount %lld disagree in sign; a return has both negative",
                   (long long)p->quantity, (long long)p->amount);
        row_problem(im, row->line, mapped(im, f_amount) ? f_amount : f_qty, im->tmp.data);
    }
    p->channel = im->run_text.len;
    if ((s = field_text(im, row, f_chan, &n, NULL)) != NULL)
        buf_append(&im->run_text, s, n);
    buf_putc(&im->run_text, 0);
    p->store = im->run_text.len;
    if ((s = field_text(im, row, f_store, &n, NULL)) != NULL)
        buf_append(&im->run_text, s, n);
    buf_putc(&im->run_text, 0);
    if (im->opt->skip_bad) {
        size_t k;
        p->raw = im->run_text.len;
        p->raw_cells = row->n;
        for (k = 0; k < row->n; k++) {
            size_t len = row->cells[k].len;
            buf_append(&im->run_text, &len, sizeof(len));
            buf_append(&im->run_text, row->cells[k].s, len);
            buf_putc(&im->run_text, 0);
        }
    }
    if (im->row_bad) {
        p->bad = 1;
        im->run_bad = 1;
    }
    return 0;
}

/* Links the referrers that came after their customers in the file. */
static int apply_deferred_refs(struct importer *im, struct ok_err *err)
{
    int rfield = fidx(im, "referred_by");
    size_t i;
    for (i = 0; i < im->nrefs; i++) {
        struct deferred_ref *d = &im->refs[i];
        struct customer c;
        struct ok_err e;
        memset(&c, 0, sizeof(c));
        ok_err_clear(&e);
        if (!d->code)
            continue; /* the row itself was bad */
        if (!ci_find(&im->customers, d->referrer, strlen(d->referrer))) {
            buf_reset(&im->tmp);
            buf_printf(&im->tmp, "referrer '%s' is not a customer code", d->referrer);
            im->row_bad = 0;
            row_problem(im, d->line, rfield, im->tmp.data);
            im->rep->rejected++;
            continue;
        }
        if (store_customer_get(im->db, d->code, &c, &e) < 0) {
            if (e.code == OK_ERR_NOT_FOUND)
                continue; /* not created: its row was reported */
            *err = e;
            return -1;
        }
        if (!c.referred_by_code || strcmp(c.referred_by_code, d->referrer)) {
            customer_set(&c.referred_by_code, d->referrer);
            if (store_customer_update(im->db, im->opt->actor, &c, &e) < 0) {
                customer_release(&c);
                if (is_db_error(&e)) {
                    *err = e;
                    return -1;
                }
                im->row_bad = 0;
                row_problem(im, d->line, rfield, e.message);
                continue;
            }
        }
        customer_release(&c);
    }
    return 0;
}

/* ---- the pipeline ---- */

static int read_currency_scale(struct db *db, int *scale, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, "SELECT value FROM settings WHERE key = 'currency'", err);
    const struct currency *c = NULL;
    int rc;
    if (!st)
        return -1;
    rc = db_step(st, err);
    if (rc == DB_ROW)
        c = currency_find(db_column_text(st, 0));
    db_stmt_free(&st);
    if (rc < 0)
        return -1;
    *scale = c ? c->scale : 0;
    return 0;
}

/* Deep copy of a row (the reader's rows are borrowed until the next read). */
struct row_copy {
    struct io_row row;
    struct buf text;
};

static void row_copy_set(struct row_copy *rc, const struct io_row *r)
{
    size_t i, *offs;
    buf_reset(&rc->text);
    free(rc->row.cells);
    rc->row.cells = xcalloc(r->n ? r->n : 1, sizeof(*rc->row.cells));
    rc->row.n = r->n;
    rc->row.line = r->line;
    offs = xcalloc(r->n ? r->n : 1, sizeof(*offs));
    for (i = 0; i < r->n; i++) {
        offs[i] = rc->text.len;
        buf_append(&rc->text, r->cells[i].s, r->cells[i].len);
        buf_putc(&rc->text, 0);
    }
    for (i = 0; i < r->n; i++) {
        rc->row.cells[i].s = rc->text.data + offs[i];
        rc->row.cells[i].len = r->cells[i].len;
        rc->row.cells[i].flags = r->cells[i].flags;
    }
    free(offs);
}

/* Finds the header row (title lines above it are skipped) and builds the column map. */
static int read_header(struct importer *im, struct ok_err *err)
{
    struct row_copy first;
    struct io_row row;
    int k, rc, found = 0;
    memset(&first, 0, sizeof(first));
    buf_init(&first.text, 0);
    for (k = 0; k < 10; k++) {
        rc = tabular_next(im->tab, &row, err);
        if (rc < 0)
            goto out;
        if (rc == 0)
            break;
        if (k == 0)
            row_copy_set(&first, &row);
        /* title lines above the header match no column; --map names the header's columns */
        if (im->opt->nmaps > 0 || columns_match_count(im->opt->kind, &row) >= 1) {
            rc =
                column_map_build(&im->map, im->opt->kind, &row, im->opt->maps, im->opt->nmaps, err);
            found = 1;
            goto built;
        }
    }
    if (!first.row.cells) {
        rc = ok_err_set(err, OK_ERR_INVALID, "the file is empty: no header row");
        goto out;
    }
    /* no row looks like a header of this kind: the first row is taken, and the map names the
     * missing columns (unless --map covers them). Rows after it were consumed while looking,
     * so a file without a recognisable header must say so through --map. */
    rc = column_map_build(&im->map, im->opt->kind, &first.row, im->opt->maps, im->opt->nmaps, err);
    if (rc == 0 && k > 1) {
        column_map_release(&im->map);
        rc = ok_err_set(err, OK_ERR_INVALID,
                        "no header row for %s found in the first lines of the file",
                        io_kind_name(im->opt->kind));
    }
built:
    if (rc == 0) {
        im->have_map = 1;
        column_map_describe_unused(&im->map, &im->rep->warnings);
    } else if (!found) {
        rc = -1;
    }
out:
    free(first.row.cells);
    buf_release(&first.text);
    return rc < 0 ? -1 : 0;
}

static void importer_release(struct importer *im)
{
    struct ok_err ignored;
    size_t i;
    if (im->have_map)
        column_map_release(&im->map);
    tabular_free(&im->tab);
    if (im->fd >= 0)
        close(im->fd);
    arena_release(&im->arena);
    buf_release(&im->msg);
    buf_release(&im->tmp);
    buf_release(&im->rej);
    buf_release(&im->run_code);
    buf_release(&im->run_text);
    buf_release(&im->last_customer);
    buf_release(&im->last_date);
    free(im->run);
    for (i = 0; i < im->nrefs; i++) {
        free(im->refs[i].code);
        free(im->refs[i].referrer);
    }
    free(im->refs);
    ci_release(&im->customers);
    ci_release(&im->products);
    ci_release(&im->users);
    oc_release(&im->order_counts);
    store_order_upsert_free(&im->up);
    if (im->errors_fp)
        fclose(im->errors_fp);
    if (im->rej_x)
        xlsx_writer_abandon(&im->rej_x);
    reject_close(im, &ignored);
}

static int import_row(struct importer *im, const struct io_row *row, struct ok_err *err)
{
    switch (im->opt->kind) {
    case IO_KIND_CUSTOMERS:
        return import_customer_row(im, row, err);
    case IO_KIND_ORDERS:
        return import_order_row(im, row, err);
    case IO_KIND_DEALS:
        return import_deal_row(im, row, err);
    case IO_KIND_CONTRACTS:
        return import_contract_row(im, row, err);
    case IO_KIND_REFERRALS:
        return import_referral_row(im, row, err);
    case IO_KIND_ACTIVITIES:
        return import_activity_row(im, row, err);
    case IO_KIND_FEEDBACK:
        return import_feedback_row(im, row, err);
    default:
        return import_product_row(im, row, err);
    }
}

static void record_preview(struct importer *im, const struct io_row *row, int64_t before)
{
    size_t limit = im->opt->preview_rows ? im->opt->preview_rows : 5;
    size_t f, nf;
    const struct io_field_def *defs;
    int64_t after = im->rep->created + im->rep->updated + im->rep->unchanged;
    if (!im->opt->dry_run || im->opt->kind == IO_KIND_ORDERS || after == before ||
        (size_t)before >= limit)
        return;
    defs = io_kind_fields(im->opt->kind, &nf);
    buf_printf(&im->rep->preview, "  line %ld:", row->line);
    for (f = 0; f < nf; f++) {
        size_t n;
        const char *s = field_text(im, row, (int)f, &n, NULL);
        if (s)
            buf_printf(&im->rep->preview, " %s=%.*s", defs[f].name, (int)(n > 40 ? 40 : n), s);
    }
    buf_putc(&im->rep->preview, '\n');
}

int import_file(struct db *db, const char *path, const struct import_options *opt,
                struct import_report *rep, struct ok_err *err)
{
    struct importer im;
    struct store_import_tuning tuning;
    struct io_row row;
    int rc = -1, in_tx = 0, r;
    struct stat stbuf;
    size_t i;
    memset(&im, 0, sizeof(im));
    memset(&tuning, 0, sizeof(tuning));
    im.db = db;
    im.opt = opt;
    im.rep = rep;
    im.path = path;
    im.fd = -1;
    arena_init(&im.arena, 1 << 16);
    buf_init(&im.msg, 0);
    buf_init(&im.tmp, 0);
    buf_init(&im.rej, 0);
    buf_init(&im.run_code, 0);
    buf_init(&im.run_text, 0);
    buf_init(&im.last_customer, 0);
    buf_init(&im.last_date, 0);
    ci_init(&im.customers);
    ci_init(&im.products);
    ci_init(&im.users);
    oc_init(&im.order_counts);
    im.started = im.last_progress = now_secs();

    if (read_currency_scale(db, &im.scale, err) < 0)
        goto out;
    im.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (im.fd < 0) {
        ok_err_set(err, OK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(im.fd, &stbuf) == 0 && S_ISREG(stbuf.st_mode))
        im.file_size = stbuf.st_size;
    im.tab = tabular_open_fd(im.fd, path, &opt->tab, err);
    if (!im.tab)
        goto out;
    im.format = tabular_format(im.tab);
    im.encoding = tabular_encoding(im.tab);
    if (read_header(&im, err) < 0)
        goto out;
    {
        size_t nf, f;
        const struct io_field_def *defs = io_kind_fields(opt->kind, &nf);
        for (f = 0; f < nf && f < sizeof(im.is_code); f++) {
            const char *nm = defs[f].name;
            size_t l = strlen(nm);
            im.is_code[f] = !strcmp(nm, "code") || !strcmp(nm, "sku") || !strcmp(nm, "product") ||
                            !strcmp(nm, "referred_by") || !strcmp(nm, "renewed_from") ||
                            (l > 5 && !strcmp(nm + l - 5, "_code"));
        }
    }
    for (i = 0; order_customer_fields[i] && opt->kind == IO_KIND_ORDERS; i++)
        if (mapped(&im, fidx(&im, order_customer_fields[i])))
            im.has_customer_columns = 1;
    if (opt->errors_path) {
        im.errors_fp = fopen(opt->errors_path, "w");
        if (!im.errors_fp) {
            ok_err_set(err, OK_ERR_IO, "cannot write %s: %s", opt->errors_path, strerror(errno));
            goto out;
        }
    }
    if (store_import_tune(db, &tuning, err) < 0)
        goto out;
    if (db_begin(db, err) < 0)
        goto out;
    in_tx = 1;
    if (load_index(&im, STORE_CODES_CUSTOMERS, err) < 0 ||
        load_index(&im, STORE_CODES_PRODUCTS, err) < 0 ||
        load_index(&im, STORE_CODES_USERS, err) < 0)
        goto out;
    if (opt->kind == IO_KIND_ORDERS) {
        im.up = store_order_upsert_new(db, err);
        if (!im.up)
            goto out;
    }
    while ((r = tabular_next(im.tab, &row, err)) == 1) {
        int64_t before = rep->created + rep->updated + rep->unchanged;
        rep->rows++;
        im.row_bad = 0;
        if (opt->kind != IO_KIND_ORDERS)
            arena_reset(&im.arena);
        else if (im.arena.total > (1 << 20))
            arena_reset(&im.arena);
        if (import_row(&im, &row, err) < 0)
            goto out;
        if (im.row_bad && opt->kind != IO_KIND_ORDERS) {
            rep->rejected++;
            if (opt->skip_bad && reject_row(&im, &row, err) < 0)
                goto out;
        }
        record_preview(&im, &row, before);
        if ((rep->rows & 0xffff) == 0)
            progress(&im, 0);
    }
    if (r < 0)
        goto out;
    if (apply_deferred_refs(&im, err) < 0)
        goto out;
    if (opt->kind == IO_KIND_ORDERS) {
        int64_t ins, upd, same;
        if (flush_run(&im, err) < 0)
            goto out;
        if (store_order_upsert_counts(im.up, &ins, &upd, &same, err) < 0)
            goto out;
        rep->created += ins;
        rep->updated += upd;
        rep->unchanged += same;
    }
    progress(&im, 1);
    if (reject_close(&im, err) < 0)
        goto out;
    if (rep->bad_rows > 0 && !opt->skip_bad) {
        ok_err_set(err, OK_ERR_INVALID, "%lld bad row%s in %s; nothing was written",
                   (long long)rep->bad_rows, rep->bad_rows == 1 ? "" : "s", path);
        goto out;
    }
    if (opt->dry_run) {
        rc = 0;
        goto out;
    }
    {
        struct buf json;
        buf_init(&json, 0);
        buf_printf(&json,
                   "{\"kind\":\"%s\",\"rows\":%lld,\"new\":%lld,\"updated\":%lld,"
                   "\"unchanged\":%lld,\"rejected\":%lld}",
                   io_kind_name(opt->kind), (long long)rep->rows, (long long)rep->created,
                   (long long)rep->updated, (long long)rep->unchanged, (long long)rep->rejected);
        r = store_audit(db, opt->actor, "import", io_kind_name(opt->kind), 0, NULL, json.data, err);
        buf_release(&json);
        if (r < 0)
            goto out;
    }
    if (db_commit(db, err) < 0)
        goto out;
    in_tx = 0;
    rep->written = 1;
    rc = 0;
out:
    if (in_tx)
        db_rollback(db);
    store_import_untune(db, &tuning);
    if (rc < 0 || opt->dry_run)
        rep->written = 0;
    importer_release(&im);
    return rc;
}
