/*
 * csv.c - streaming RFC 4180 reader and writer.
 *
 * The parser scans a record from the start of the unconsumed data without modifying the block;
 * only when the record is complete are quoted fields unescaped in place and every field
 * NUL-terminated (over the byte that ended it). If the block ends in the middle of a record, the
 * record is moved to the front of the buffer, more input is read (the buffer doubles when full)
 * and the record is scanned again from its start: a record is scanned at most a few times, and
 * records are short compared to the 1 MiB blocks. Unquoted fields are scanned 16 bytes at a
 * time with SSE2 where available; the block has padding so that the vector loads may run past
 * the data.
 */
#include "io/csv.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/mem.h"
#include "core/banned.h"

#define CSV_PAD      64
#define CELL_ESCAPED (1u << 31) /* internal: the quoted field contains doubled quotes */

enum { PARSE_ERROR = -1, PARSE_MORE = 0, PARSE_RECORD = 1 };

void csv_reader_init(struct csv_reader *r, struct io_source *src, const struct csv_options *opt)
{
    memset(r, 0, sizeof(*r));
    r->src = src;
    r->delim = opt && opt->delimiter ? opt->delimiter : 0;
    r->max_field = opt && opt->max_field ? opt->max_field : CSV_DEFAULT_MAX_FIELD;
    r->max_record = opt && opt->max_record ? opt->max_record : CSV_DEFAULT_MAX_RECORD;
    r->alloc = opt && opt->block_size ? opt->block_size : ((size_t)1 << 20);
    if (r->alloc < 16)
        r->alloc = 16;
    r->buf = xmalloc(r->alloc + CSV_PAD);
    memset(r->buf, 0, CSV_PAD);
    r->line = 1;
    r->cells_alloc = 64;
    r->cells = xmalloc(r->cells_alloc * sizeof(*r->cells));
}

void csv_reader_release(struct csv_reader *r)
{
    free(r->buf);
    free(r->cells);
    r->buf = NULL;
    r->cells = NULL;
}

char csv_reader_delimiter(const struct csv_reader *r)
{
    return r->delim ? r->delim : ',';
}

char csv_detect_delimiter(const char *p, size_t n)
{
    size_t i, commas = 0, tabs = 0;
    int quoted = 0, lines = 0;
    for (i = 0; i < n && lines < 5; i++) {
        char c = p[i];
        if (c == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (c == ',')
            commas++;
        else if (c == '\t')
            tabs++;
        else if (c == '\n')
            lines++;
    }
    return tabs > commas ? '\t' : ',';
}

/* First delimiter, CR or LF in [p, end), or end. */
static const char *scan_unquoted(const char *p, const char *end, char delim)
{
#ifdef __SSE2__
    const __m128i vd = _mm_set1_epi8(delim);
    const __m128i vn = _mm_set1_epi8('\n');
    const __m128i vr = _mm_set1_epi8('\r');
    while (p < end) {
        /* may read up to 15 bytes past end: the buffer has CSV_PAD bytes of padding */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vn)),
                                 _mm_cmpeq_epi8(v, vr));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) {
            const char *q = p + __builtin_ctz(mask);
            return q < end ? q : end;
        }
        p += 16;
    }
    return end;
#else
    while (p < end && *p != delim && *p != '\n' && *p != '\r')
        p++;
    return p;
#endif
}

/* Line breaks (CRLF, LF or CR) in [p, end). */
static long count_breaks(const char *p, const char *end)
{
    long n = 0;
    for (; p < end; p++) {
        if (*p == '\n')
            n++;
        else if (*p == '\r' && (p + 1 == end || p[1] != '\n'))
            n++;
    }
    return n;
}

/* Fills err with msg located at byte `at` of the current record. */
static int csv_fail(struct csv_reader *r, const char *at, const char *msg, struct ok_err *err)
{
    const char *rec = r->buf + r->start;
    const char *ls = rec, *p;
    long line = r->line, col = 1;
    for (p = rec; p < at; p++) {
        if (*p == '\n' || (*p == '\r' && (p + 1 >= at || p[1] != '\n'))) {
            line++;
            ls = p + 1;
        }
    }
    for (p = ls; p < at; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            col++;
    ok_err_set(err, OK_ERR_INVALID, "line %ld, column %ld: %s", line, col, msg);
    ok_err_locate(err, NULL, line);
    return PARSE_ERROR;
}

static void cells_reserve(struct csv_reader *r, size_t need)
{
    if (need > r->cells_alloc)
        r->cells = xgrow(r->cells, &r->cells_alloc, need, sizeof(*r->cells));
}

/* Scans one record at buf[start..end). Returns PARSE_RECORD (fields in r->cells, *nf, *next =
 * offset after the record, *breaks = line breaks inside it), PARSE_MORE, or PARSE_ERROR. */
static int csv_scan(struct csv_reader *r, size_t *nf_out, size_t *next, long *breaks_out,
                    struct ok_err *err)
{
    const char *p = r->buf + r->start;
    const char *end = r->buf + r->end;
    const char delim = r->delim;
    size_t nf = 0;
    long breaks = 0;
    char msg[96];

    for (;;) {
        const char *fs, *fe;
        unsigned flags = 0;
        cells_reserve(r, nf + 1);
        if (p < end && *p == '"') {
            const char *q = p + 1;
            for (;;) {
                const char *x = memchr(q, '"', (size_t)(end - q));
                if (!x) {
                    if (!r->eof) {
                        if ((size_t)(end - p) > r->max_field) {
                            snprintf(msg, sizeof(msg),
                                     "quoted field longer than %zu bytes (unterminated quote?)",
                                     r->max_field);
                            return csv_fail(r, p, msg, err);
                        }
                        return PARSE_MORE;
                    }
                    return csv_fail(r, p, "unterminated quoted field (no closing quote)", err);
                }
                if (x + 1 == end && !r->eof)
                    return PARSE_MORE;
                if (x + 1 < end && x[1] == '"') {
                    flags |= CELL_ESCAPED;
                    q = x + 2;
                    continue;
                }
                fs = p + 1;
                fe = x;
                p = x + 1;
                break;
            }
            flags |= IO_CELL_QUOTED;
            breaks += count_breaks(fs, fe);
            if (p < end && *p != delim && *p != '\n' && *p != '\r')
                return csv_fail(r, p, "unexpected text after a closing quote", err);
        } else {
            fs = p;
            p = scan_unquoted(p, end, delim);
            if (p == end && !r->eof) {
                if ((size_t)(end - fs) > r->max_field) {
                    snprintf(msg, sizeof(msg), "field longer than %zu bytes", r->max_field);
                    return csv_fail(r, fs, msg, err);
                }
                return PARSE_MORE;
            }
            fe = p;
        }
        if ((size_t)(fe - fs) > r->max_field) {
            snprintf(msg, sizeof(msg), "field longer than %zu bytes", r->max_field);
            return csv_fail(r, fs, msg, err);
        }
        r->cells[nf].s = fs;
        r->cells[nf].len = (size_t)(fe - fs);
        r->cells[nf].flags = flags;
        nf++;
        if (p == end)
            break;
        if (*p == delim) {
            p++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 == end && !r->eof)
                return PARSE_MORE;
            p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
        } else {
            p++;
        }
        break;
    }
    *nf_out = nf;
    *next = (size_t)(p - r->buf);
    *breaks_out = breaks;
    return PARSE_RECORD;
}

/* Moves the unconsumed data to the front, grows the buffer when full, reads more. */
static int csv_fill(struct csv_reader *r, struct ok_err *err)
{
    long n;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->alloc) {
        if (r->alloc >= r->max_record) {
            char msg[96];
            snprintf(msg, sizeof(msg), "record longer than %zu bytes", r->max_record);
            return csv_fail(r, r->buf, msg, err);
        }
        r->alloc *= 2;
        r->buf = xrealloc(r->buf, r->alloc + CSV_PAD);
    }
    n = io_source_read(r->src, r->buf + r->end, r->alloc - r->end, err);
    if (n < 0) {
        /* The source delivered every good byte before failing (the decoder does), so the
         * problem lies just after the data we hold. */
        long line = r->line + count_breaks(r->buf + r->start, r->buf + r->end);
        ok_err_prefix(err, "line %ld", line);
        ok_err_locate(err, NULL, line);
        return -1;
    }
    if (n == 0)
        r->eof = 1;
    r->end += (size_t)n;
    /* the SIMD scan reads up to 15 bytes past the data: keep them defined (valgrind) */
    memset(r->buf + r->end, 0, 16);
    return 0;
}

/* Unescapes doubled quotes of a quoted field in place; returns the new length. */
static size_t unescape_quotes(char *s, size_t len)
{
    size_t i, w = 0;
    for (i = 0; i < len; i++) {
        s[w++] = s[i];
        if (s[i] == '"')
            i++; /* skip the second quote of the pair */
    }
    return w;
}

int csv_reader_start(struct csv_reader *r, struct ok_err *err)
{
    if (r->started)
        return 0;
    r->started = 1;
    while (!r->eof && r->end < 65536 && r->end < r->alloc)
        if (csv_fill(r, err) < 0)
            return -1;
    if (!r->delim)
        r->delim = csv_detect_delimiter(r->buf, r->end);
    return 0;
}

int csv_reader_next(struct csv_reader *r, struct io_row *row, struct ok_err *err)
{
    size_t nf = 0, next = 0, i;
    long breaks = 0;
    int rc;

    if (!r->started && csv_reader_start(r, err) < 0)
        return -1;
    for (;;) {
        if (r->start == r->end) {
            if (r->eof)
                return 0;
            if (csv_fill(r, err) < 0)
                return -1;
            continue;
        }
        rc = csv_scan(r, &nf, &next, &breaks, err);
        if (rc == PARSE_ERROR)
            return -1;
        if (rc == PARSE_RECORD)
            break;
        if (csv_fill(r, err) < 0)
            return -1;
    }
    for (i = 0; i < nf; i++) {
        struct io_cell *c = &r->cells[i];
        char *s = (char *)(uintptr_t)c->s;
        if (c->flags & CELL_ESCAPED) {
            c->len = unescape_quotes(s, c->len);
            c->flags &= ~CELL_ESCAPED;
        }
        s[c->len] = '\0';
    }
    row->cells = r->cells;
    row->n = nf;
    row->line = r->line;
    r->line += 1 + breaks;
    r->start = next;
    r->records++;
    return 1;
}

void csv_write_field(struct buf *b, const char *s, size_t n, char delim)
{
    size_t i;
    int need = 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == delim || c == '"' || c == '\r' || c == '\n') {
            need = 1;
            break;
        }
    }
    if (!need) {
        buf_append(b, s, n);
        return;
    }
    buf_putc(b, '"');
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_putc(b, '"');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '"');
}

void csv_write_record(struct buf *b, const char *const *fields, const size_t *lens, size_t n,
                      char delim)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *s = fields[i] ? fields[i] : "";
        if (i > 0)
            buf_putc(b, delim);
        csv_write_field(b, s, lens && fields[i] ? lens[i] : strlen(s), delim);
    }
    buf_append(b, "\r\n", 2);
}
