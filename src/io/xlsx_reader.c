/*
 * xlsx_reader.c - .xlsx parts via libzip, XML via expat; the sheet is parsed incrementally and
 * the parser suspended (XML_StopParser resumable) at each </row>, so each call to
 * xlsx_reader_next resumes the parser until the next row is complete.
 */
#include "io/xlsx_reader.h"

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

#define XLSX_CHUNK      ((size_t)64 << 10)
#define XLSX_MAX_COLS   16384             /* Excel's last column, XFD */
#define XLSX_MAX_SHARED ((size_t)1 << 30) /* bytes of shared strings text */
#define XLSX_MAX_CELL   ((size_t)1 << 20) /* bytes in one cell (Excel allows 32767 chars) */
#define CELL_IN_ROWTEXT (1u << 30)        /* internal: cell text is an offset in rowtext */

struct sheet_ref {
    char *name;
    char *rid;
};

struct xlsx_reader {
    zip_t *za;
    int date1904;
    struct sheet_ref *sheets;
    size_t nsheets, sheets_alloc;
    /* shared strings: NUL-terminated texts in ss_text at ss_off[i], ss_len[i] bytes */
    struct buf ss_text;
    size_t *ss_off, *ss_len;
    size_t nss, ss_alloc;
    /* styles: for each cellXfs index, whether it is a date format */
    unsigned char *xf_date;
    size_t nxf, xf_alloc;
    int *fmt_id; /* custom numFmts: id and is-date */
    unsigned char *fmt_date;
    size_t nfmt, fmt_alloc;

    /* the sheet being streamed */
    zip_file_t *zf;
    char *sheet_part;
    const char *want_rid; /* rId of the chosen sheet, while reading the relationships */
    XML_Parser parser;
    int suspended, final_fed, done;
    int failed; /* a handler raised an error into err */
    struct ok_err err;
    /* the row being built */
    long row_num;
    int row_ready;
    struct io_cell *cells;
    size_t *cell_off;
    size_t ncells, cells_alloc;
    struct buf rowtext;
    /* the cell being built */
    int in_cell, in_v, in_is, in_t, rph_depth, in_f;
    long col;
    char ctype[16];
    int cstyle;
    struct buf val;
    /* for the small parts */
    int depth_si, in_cellxfs, in_numfmts;
};

/* ---- helpers ---- */

static const char *lname(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    size_t i;
    for (i = 0; atts[i]; i += 2)
        if (strcmp(lname(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

static int fail(struct xlsx_reader *x, enum ok_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct xlsx_reader *x, enum ok_err_code code, const char *fmt, ...)
{
    if (!x->failed) {
        va_list ap;
        va_start(ap, fmt);
        ok_err_vsetf(&x->err, __FILE__, __LINE__, code, fmt, ap);
        va_end(ap);
        x->failed = 1;
    }
    if (x->parser)
        XML_StopParser(x->parser, XML_FALSE);
    return -1;
}

static const char *zip_msg(zip_t *za)
{
    return za ? zip_error_strerror(zip_get_error(za)) : "unknown";
}

/* Parses a whole zip entry with the given handlers. missing_ok: a missing part is not an error
 * (returns 1). */
static int parse_part(struct xlsx_reader *x, const char *part, XML_StartElementHandler start,
                      XML_EndElementHandler end, XML_CharacterDataHandler text, int missing_ok,
                      struct ok_err *err)
{
    zip_file_t *zf;
    XML_Parser p;
    int rc = -1;
    zip_int64_t idx = zip_name_locate(x->za, part, 0);
    if (idx < 0) {
        if (missing_ok)
            return 1;
        return ok_err_set(err, OK_ERR_INVALID, "not an Excel workbook: it has no %s", part);
    }
    zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (!zf)
        return ok_err_set(err, OK_ERR_INVALID, "the .xlsx file is damaged (%s: %s)", part,
                          zip_msg(x->za));
    p = XML_ParserCreate("UTF-8");
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, text);
    x->parser = p;
    for (;;) {
        void *b = XML_GetBuffer(p, (int)XLSX_CHUNK);
        zip_int64_t n = zip_fread(zf, b, XLSX_CHUNK);
        if (n < 0) {
            ok_err_set(err, OK_ERR_INVALID, "the .xlsx file is damaged or truncated (%s: %s)", part,
                       zip_file_strerror(zf));
            goto out;
        }
        if (XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
            if (x->failed)
                *err = x->err;
            else
                ok_err_set(err, OK_ERR_INVALID, "the .xlsx file is damaged (%s, XML line %lu: %s)",
                           part, (unsigned long)XML_GetCurrentLineNumber(p),
                           XML_ErrorString(XML_GetErrorCode(p)));
            goto out;
        }
        if (n == 0)
            break;
    }
    rc = 0;
out:
    x->parser = NULL;
    XML_ParserFree(p);
    zip_fclose(zf);
    return rc;
}

/* ---- number formats ---- */

int xlsx_builtin_format_is_date(int id)
{
    /* ECMA-376 Part 1, 18.8.30 numFmt: 14-22 and 45-47 are dates/times; 27-36 and 50-58 are the
     * East Asian (ja-JP: 和暦 and 年月日) date formats. */
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
           (id >= 50 && id <= 58);
}

int xlsx_format_is_date(const char *code)
{
    const char *p;
    if (!code || strcasecmp(code, "General") == 0)
        return 0;
    for (p = code; *p; p++) {
        char c = *p;
        if (c == '"') { /* literal text */
            p++;
            while (*p && *p != '"')
                p++;
            if (!*p)
                break;
        } else if (c == '[') { /* colour, condition, locale; [h] [m] [s] are elapsed time */
            const char *q = p + 1;
            if ((tolower((unsigned char)*q) == 'h' || tolower((unsigned char)*q) == 'm' ||
                 tolower((unsigned char)*q) == 's')) {
                while (*q && tolower((unsigned char)*q) == tolower((unsigned char)p[1]))
                    q++;
                if (*q == ']')
                    return 1;
            }
            while (*p && *p != ']')
                p++;
            if (!*p)
                break;
        } else if (c == '\\' || c == '_' || c == '*') { /* escaped char, padding, fill */
            if (p[1])
                p++;
        } else if (c == ';') {
            break; /* the first section decides */
        } else {
            char l = (char)tolower((unsigned char)c);
            if (l == 'y' || l == 'm' || l == 'd' || l == 'h' || l == 's' || l == 'g')
                return 1;
            if (l == 'e' && p[1] != '+' && p[1] != '-')
                return 1; /* 'e' is the era year in ja-JP formats; E+ is scientific */
        }
    }
    return 0;
}

/* ---- workbook, relationships ---- */

static void XMLCALL wb_start(void *ud, const char *name, const char **atts)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (strcmp(n, "workbookPr") == 0) {
        const char *v = attr(atts, "date1904");
        x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    } else if (strcmp(n, "sheet") == 0) {
        const char *sn = attr(atts, "name"), *rid = attr(atts, "id");
        if (x->nsheets == x->sheets_alloc)
            x->sheets = xgrow(x->sheets, &x->sheets_alloc, x->nsheets + 1, sizeof(*x->sheets));
        x->sheets[x->nsheets].name = xstrdup(sn ? sn : "");
        x->sheets[x->nsheets].rid = xstrdup(rid ? rid : "");
        x->nsheets++;
    }
}

static void XMLCALL noop_end(void *ud, const char *name)
{
}

static void XMLCALL noop_text(void *ud, const char *s, int len)
{
}

static void XMLCALL rels_start(void *ud, const char *name, const char **atts)
{
    struct xlsx_reader *x = ud;
    const char *id, *target;
    if (strcmp(lname(name), "Relationship") != 0 || x->sheet_part)
        return;
    id = attr(atts, "Id");
    target = attr(atts, "Target");
    if (!id || !target || strcmp(id, x->want_rid) != 0)
        return;
    if (target[0] == '/') {
        x->sheet_part = xstrdup(target + 1);
    } else {
        size_t n = strlen(target) + 4;
        x->sheet_part = xmalloc(n);
        snprintf(x->sheet_part, n, "xl/%s", target);
    }
}

/* ---- shared strings ---- */

static void XMLCALL ss_start(void *ud, const char *name, const char **atts)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (strcmp(n, "si") == 0) {
        x->depth_si = 1;
        x->val.len = 0;
        buf_reset(&x->val);
    } else if (strcmp(n, "rPh") == 0) {
        x->rph_depth++;
    } else if (strcmp(n, "t") == 0 && x->depth_si) {
        x->in_t = 1;
    }
}

/* Decodes the OOXML escape _xHHHH_ (ECMA-376 Part 1, 22.9.2.19 ST_Xstring) in place. */
static size_t decode_x_escapes(char *s, size_t n)
{
    size_t i = 0, w = 0;
    if (!memchr(s, '_', n))
        return n;
    while (i < n) {
        if (s[i] == '_' && i + 7 <= n - 0 && i + 6 < n && s[i + 1] == 'x' && s[i + 6] == '_' &&
            isxdigit((unsigned char)s[i + 2]) && isxdigit((unsigned char)s[i + 3]) &&
            isxdigit((unsigned char)s[i + 4]) && isxdigit((unsigned char)s[i + 5])) {
            char hex[5] = {s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0};
            unsigned cp = (unsigned)strtoul(hex, NULL, 16);
            if (cp < 0x80) {
                s[w++] = (char)cp;
            } else if (cp < 0x800) {
                s[w++] = (char)(0xC0 | (cp >> 6));
                s[w++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                s[w++] = '?'; /* a lone surrogate cannot be UTF-8 */
            } else {
                s[w++] = (char)(0xE0 | (cp >> 12));
                s[w++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                s[w++] = (char)(0x80 | (cp & 0x3F));
            }
            i += 7;
        } else {
            s[w++] = s[i++];
        }
    }
    return w;
}

static void XMLCALL ss_end(void *ud, const char *name)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (strcmp(n, "t") == 0) {
        x->in_t = 0;
    } else if (strcmp(n, "rPh") == 0) {
        if (x->rph_depth > 0)
            x->rph_depth--;
    } else if (strcmp(n, "si") == 0 && x->depth_si) {
        size_t len = decode_x_escapes(x->val.data, x->val.len);
        x->depth_si = 0;
        if (x->nss == x->ss_alloc) {
            size_t a = x->ss_alloc;
            x->ss_off = xgrow(x->ss_off, &a, x->nss + 1, sizeof(size_t));
            x->ss_len = xgrow(x->ss_len, &x->ss_alloc, x->nss + 1, sizeof(size_t));
        }
        x->ss_off[x->nss] = x->ss_text.len;
        x->ss_len[x->nss] = len;
        buf_append(&x->ss_text, x->val.data, len);
        buf_putc(&x->ss_text, '\0');
        if (x->ss_text.failed) {
            fail(x, OK_ERR_LIMIT, "the shared strings of the workbook are too large");
            return;
        }
        x->nss++;
    }
}

static void XMLCALL ss_text(void *ud, const char *s, int len)
{
    struct xlsx_reader *x = ud;
    if (x->in_t && x->rph_depth == 0) {
        buf_append(&x->val, s, (size_t)len);
        if (x->val.failed)
            fail(x, OK_ERR_LIMIT, "a shared string is longer than the limit");
    }
}

/* ---- styles ---- */

static void XMLCALL st_start(void *ud, const char *name, const char **atts)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (strcmp(n, "numFmts") == 0) {
        x->in_numfmts = 1;
    } else if (strcmp(n, "cellXfs") == 0) {
        x->in_cellxfs = 1;
    } else if (strcmp(n, "numFmt") == 0 && x->in_numfmts) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        if (!id)
            return;
        if (x->nfmt == x->fmt_alloc) {
            size_t a = x->fmt_alloc;
            x->fmt_id = xgrow(x->fmt_id, &a, x->nfmt + 1, sizeof(int));
            x->fmt_date = xgrow(x->fmt_date, &x->fmt_alloc, x->nfmt + 1, 1);
        }
        x->fmt_id[x->nfmt] = (int)strtol(id, NULL, 10);
        x->fmt_date[x->nfmt] = (unsigned char)xlsx_format_is_date(code);
        x->nfmt++;
    } else if (strcmp(n, "xf") == 0 && x->in_cellxfs) {
        const char *id = attr(atts, "numFmtId");
        int fid = id ? (int)strtol(id, NULL, 10) : 0;
        int is_date = xlsx_builtin_format_is_date(fid);
        size_t i;
        for (i = 0; i < x->nfmt; i++)
            if (x->fmt_id[i] == fid)
                is_date = x->fmt_date[i];
        if (x->nxf == x->xf_alloc)
            x->xf_date = xgrow(x->xf_date, &x->xf_alloc, x->nxf + 1, 1);
        x->xf_date[x->nxf++] = (unsigned char)is_date;
    }
}

static void XMLCALL st_end(void *ud, const char *name)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (strcmp(n, "numFmts") == 0)
        x->in_numfmts = 0;
    else if (strcmp(n, "cellXfs") == 0)
        x->in_cellxfs = 0;
}

/* ---- the sheet ---- */

/* Column index (0-based) of a cell reference such as "AB12", or -1. */
static long col_of_ref(const char *r)
{
    long c = 0;
    int k = 0;
    for (; *r >= 'A' && *r <= 'Z'; r++, k++) {
        c = c * 26 + (*r - 'A' + 1);
        if (k >= 3)
            return -1;
    }
    if (k == 0 || c > XLSX_MAX_COLS)
        return -1;
    return c - 1;
}

static void col_name(long col, char *out, size_t n)
{
    char tmp[8];
    int k = 0;
    long c = col + 1;
    while (c > 0 && k < 7) {
        tmp[k++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    if (n < (size_t)k + 1)
        return;
    for (int i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = '\0';
}

static void row_reserve(struct xlsx_reader *x, size_t need)
{
    if (need > x->cells_alloc) {
        size_t a = x->cells_alloc;
        x->cell_off = xgrow(x->cell_off, &a, need, sizeof(size_t));
        x->cells = xgrow(x->cells, &x->cells_alloc, need, sizeof(struct io_cell));
    }
}

static void XMLCALL sh_start(void *ud, const char *name, const char **atts)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (x->failed)
        return;
    if (strcmp(n, "row") == 0) {
        const char *r = attr(atts, "r");
        long num = x->row_num + 1;
        if (r) {
            char *end;
            errno = 0;
            num = strtol(r, &end, 10);
            if (errno || *end || num < 1 || num > 1048576) {
                fail(x, OK_ERR_INVALID, "the .xlsx file is damaged (bad row number '%s')", r);
                return;
            }
        }
        if (x->row_ready) {
            fail(x, OK_ERR_INTERNAL, "xlsx row overrun");
            return;
        }
        x->row_num = num;
        x->ncells = 0;
        buf_reset(&x->rowtext);
    } else if (strcmp(n, "c") == 0) {
        const char *r = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
        x->in_cell = 1;
        x->col = r ? col_of_ref(r) : (long)x->ncells;
        if (x->col < 0 || x->col >= XLSX_MAX_COLS) {
            fail(x, OK_ERR_INVALID, "the .xlsx file is damaged (bad cell reference '%s')",
                 r ? r : "");
            return;
        }
        snprintf(x->ctype, sizeof(x->ctype), "%s", t ? t : "n");
        x->cstyle = s ? (int)strtol(s, NULL, 10) : 0;
        buf_reset(&x->val);
    } else if (x->in_cell) {
        if (strcmp(n, "v") == 0)
            x->in_v = 1;
        else if (strcmp(n, "is") == 0)
            x->in_is = 1;
        else if (strcmp(n, "rPh") == 0)
            x->rph_depth++;
        else if (strcmp(n, "t") == 0 && x->in_is)
            x->in_t = 1;
    }
}

/* Count of significant digits in a number's mantissa. */
static int sig_digits(const char *s)
{
    int n = 0, started = 0;
    for (; *s && *s != 'E' && *s != 'e'; s++) {
        if (*s >= '1' && *s <= '9')
            started = 1;
        if (started && *s >= '0' && *s <= '9')
            n++;
    }
    return n;
}

/* Appends the cell's final text to rowtext and records it at column x->col. */
static void cell_finish(struct xlsx_reader *x)
{
    const char *text = x->val.data;
    size_t len = x->val.len;
    unsigned flags = 0;
    const char *ss = NULL;
    char num[64];
    size_t i;
    char where[16];

    col_name(x->col, where, sizeof(where));
    if (x->col < (long)x->ncells) {
        fail(x, OK_ERR_INVALID, "the .xlsx file is damaged (cell %s out of order)", where);
        return;
    }
    if (strcmp(x->ctype, "s") == 0) {
        char *end;
        unsigned long idx;
        errno = 0;
        idx = strtoul(text, &end, 10);
        if (len == 0 || errno || *end || idx >= x->nss) {
            fail(x, OK_ERR_INVALID, "the .xlsx file is damaged (shared string '%s' does not exist)",
                 text);
            return;
        }
        ss = x->ss_text.data + x->ss_off[idx];
        len = x->ss_len[idx];
    } else if (strcmp(x->ctype, "inlineStr") == 0) {
        len = decode_x_escapes(x->val.data, len);
    } else if (strcmp(x->ctype, "b") == 0) {
        flags = IO_CELL_BOOL;
        text = (len == 1 && text[0] == '1') ? "TRUE" : "FALSE";
        len = strlen(text);
        if (x->val.len == 0) {
            text = "";
            len = 0;
            flags = 0;
        }
    } else if (strcmp(x->ctype, "e") == 0) {
        flags = IO_CELL_ERROR;
    } else if (strcmp(x->ctype, "n") == 0 && len > 0) {
        int is_date = x->cstyle >= 0 && (size_t)x->cstyle < x->nxf && x->xf_date[x->cstyle];
        flags = IO_CELL_NUMBER;
        if (is_date || sig_digits(text) > 15) {
            char *end;
            double v;
            errno = 0;
            v = strtod(text, &end);
            if (errno || *end || end == text) {
                fail(x, OK_ERR_INVALID, "the .xlsx file is damaged (bad number '%s')", text);
                return;
            }
            if (is_date) {
                flags |= IO_CELL_DATE_SERIAL;
                if (x->date1904)
                    v += 1462; /* 1904-01-01 is serial 1462 in the 1900 system */
            }
            snprintf(num, sizeof(num), "%.15g", v);
            text = num;
            len = strlen(num);
        }
    }
    if (len > XLSX_MAX_CELL) {
        fail(x, OK_ERR_LIMIT, "cell %s is too long", where);
        return;
    }
    row_reserve(x, (size_t)x->col + 1);
    for (i = x->ncells; i < (size_t)x->col; i++) {
        x->cells[i].s = "";
        x->cells[i].len = 0;
        x->cells[i].flags = 0;
        x->cell_off[i] = (size_t)-1;
    }
    x->ncells = (size_t)x->col + 1;
    x->cells[x->col].len = len;
    x->cells[x->col].flags = flags;
    if (ss) {
        x->cells[x->col].s = ss;
        x->cell_off[x->col] = (size_t)-1;
    } else {
        x->cells[x->col].s = NULL;
        x->cell_off[x->col] = x->rowtext.len;
        buf_append(&x->rowtext, text, len);
        buf_putc(&x->rowtext, '\0');
        if (x->rowtext.failed)
            fail(x, OK_ERR_LIMIT, "the row is too long");
    }
}

static void XMLCALL sh_end(void *ud, const char *name)
{
    struct xlsx_reader *x = ud;
    const char *n = lname(name);
    if (x->failed)
        return;
    if (strcmp(n, "c") == 0) {
        if (x->in_cell)
            cell_finish(x);
        x->in_cell = x->in_v = x->in_is = x->in_t = x->rph_depth = 0;
    } else if (strcmp(n, "v") == 0) {
        x->in_v = 0;
    } else if (strcmp(n, "t") == 0) {
        x->in_t = 0;
    } else if (strcmp(n, "is") == 0) {
        x->in_is = 0;
    } else if (strcmp(n, "rPh") == 0) {
        if (x->rph_depth > 0)
            x->rph_depth--;
    } else if (strcmp(n, "row") == 0) {
        x->row_ready = 1;
        XML_StopParser(x->parser, XML_TRUE);
    } else if (strcmp(n, "sheetData") == 0) {
        x->done = 1;
    }
}

static void XMLCALL sh_text(void *ud, const char *s, int len)
{
    struct xlsx_reader *x = ud;
    if (x->failed || !x->in_cell)
        return;
    if (x->in_v || (x->in_is && x->in_t && x->rph_depth == 0)) {
        buf_append(&x->val, s, (size_t)len);
        if (x->val.failed)
            fail(x, OK_ERR_LIMIT, "a cell is longer than the limit");
    }
}

static void XMLCALL no_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
                               int has_internal_subset)
{
    fail(ud, OK_ERR_INVALID, "the .xlsx file contains a DTD, which Excel never writes");
}

/* ---- open / next / free ---- */

static struct xlsx_reader *reader_alloc(void)
{
    struct xlsx_reader *x = xcalloc(1, sizeof(*x));
    buf_init(&x->ss_text, XLSX_MAX_SHARED);
    buf_init(&x->val, XLSX_MAX_CELL);
    buf_init(&x->rowtext, (size_t)64 << 20);
    return x;
}

static int reader_setup(struct xlsx_reader *x, const char *sheet, struct ok_err *err)
{
    size_t i, chosen = 0;
    zip_int64_t idx;
    if (parse_part(x, "xl/workbook.xml", wb_start, noop_end, noop_text, 0, err) < 0)
        return -1;
    if (x->nsheets == 0)
        return ok_err_set(err, OK_ERR_INVALID, "the workbook has no sheets");
    if (sheet) {
        struct buf names;
        for (i = 0; i < x->nsheets; i++)
            if (strcmp(x->sheets[i].name, sheet) == 0)
                break;
        if (i == x->nsheets) {
            buf_init(&names, 4096);
            for (i = 0; i < x->nsheets; i++)
                buf_printf(&names, "%s\"%s\"", i ? ", " : "", x->sheets[i].name);
            ok_err_set(err, OK_ERR_NOT_FOUND, "the workbook has no sheet named \"%s\" (sheets: %s)",
                       sheet, names.data);
            buf_release(&names);
            return -1;
        }
        chosen = i;
    }
    x->want_rid = x->sheets[chosen].rid;
    if (parse_part(x, "xl/_rels/workbook.xml.rels", rels_start, noop_end, noop_text, 1, err) < 0)
        return -1;
    if (!x->sheet_part)
        x->sheet_part = xstrdup(chosen == 0 ? "xl/worksheets/sheet1.xml" : "");
    if (parse_part(x, "xl/sharedStrings.xml", ss_start, ss_end, ss_text, 1, err) < 0)
        return -1;
    if (parse_part(x, "xl/styles.xml", st_start, st_end, noop_text, 1, err) < 0)
        return -1;
    idx = zip_name_locate(x->za, x->sheet_part, 0);
    if (idx < 0)
        return ok_err_set(err, OK_ERR_INVALID,
                          "the .xlsx file is damaged (sheet \"%s\" has no part)",
                          x->sheets[chosen].name);
    x->zf = zip_fopen_index(x->za, (zip_uint64_t)idx, 0);
    if (!x->zf)
        return ok_err_set(err, OK_ERR_INVALID, "the .xlsx file is damaged (%s: %s)", x->sheet_part,
                          zip_msg(x->za));
    x->parser = XML_ParserCreate("UTF-8");
    XML_SetUserData(x->parser, x);
    XML_SetElementHandler(x->parser, sh_start, sh_end);
    XML_SetCharacterDataHandler(x->parser, sh_text);
    XML_SetStartDoctypeDeclHandler(x->parser, no_doctype);
    return 0;
}

/* starts_pk: the data begins like a zip archive, so "not a zip" means its end is missing. */
static const char *zip_open_msg(int zerr, int starts_pk)
{
    switch (zerr) {
    case ZIP_ER_NOZIP:
        return starts_pk ? "the .xlsx file is damaged or truncated"
                         : "not an .xlsx file (not a zip archive)";
    case ZIP_ER_INCONS:
    case ZIP_ER_EOF:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
    case ZIP_ER_CRC:
        return "the .xlsx file is damaged or truncated";
    case ZIP_ER_NOENT:
    case ZIP_ER_OPEN:
        return "cannot open the file";
    default:
        return "cannot open the .xlsx file";
    }
}

struct xlsx_reader *xlsx_reader_open(const char *path, const char *sheet, struct ok_err *err)
{
    struct xlsx_reader *x = reader_alloc();
    int zerr = 0;
    x->za = zip_open(path, ZIP_RDONLY, &zerr);
    if (!x->za) {
        zip_error_t ze;
        char head[4] = {0};
        FILE *f = fopen(path, "rb");
        if (f) {
            if (fread(head, 1, 4, f) != 4)
                head[0] = 0;
            fclose(f);
        }
        zip_error_init_with_code(&ze, zerr);
        ok_err_set(err, zerr == ZIP_ER_NOENT || zerr == ZIP_ER_OPEN ? OK_ERR_IO : OK_ERR_INVALID,
                   "%s: %s (%s)", path, zip_open_msg(zerr, memcmp(head, "PK\x03\x04", 4) == 0),
                   zip_error_strerror(&ze));
        zip_error_fini(&ze);
        xlsx_reader_free(&x);
        return NULL;
    }
    if (reader_setup(x, sheet, err) < 0)
        xlsx_reader_free(&x);
    return x;
}

struct xlsx_reader *xlsx_reader_open_mem(const void *data, size_t len, const char *sheet,
                                         struct ok_err *err)
{
    struct xlsx_reader *x = reader_alloc();
    zip_error_t ze;
    zip_source_t *src;
    zip_error_init(&ze);
    src = zip_source_buffer_create(data, len, 0, &ze);
    if (src)
        x->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!x->za) {
        ok_err_set(
            err, OK_ERR_INVALID, "%s (%s)",
            zip_open_msg(zip_error_code_zip(&ze), len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0),
            zip_error_strerror(&ze));
        if (src)
            zip_source_free(src);
        zip_error_fini(&ze);
        xlsx_reader_free(&x);
        return NULL;
    }
    zip_error_fini(&ze);
    if (reader_setup(x, sheet, err) < 0)
        xlsx_reader_free(&x);
    return x;
}

static int reader_error(struct xlsx_reader *x, struct ok_err *err)
{
    *err = x->err;
    if (x->row_num > 0) {
        ok_err_prefix(err, "row %ld", x->row_num);
        ok_err_locate(err, NULL, x->row_num);
    }
    return -1;
}

static int row_deliver(struct xlsx_reader *x, struct io_row *row)
{
    size_t i;
    int empty = 1;
    for (i = 0; i < x->ncells; i++) {
        if (x->cell_off[i] != (size_t)-1)
            x->cells[i].s = x->rowtext.data + x->cell_off[i];
        if (x->cells[i].len > 0)
            empty = 0;
    }
    x->row_ready = 0;
    if (empty)
        return 0;
    row->cells = x->cells;
    row->n = x->ncells;
    row->line = x->row_num;
    return 1;
}

int xlsx_reader_next(struct xlsx_reader *x, struct io_row *row, struct ok_err *err)
{
    for (;;) {
        enum XML_Status st;
        if (x->failed)
            return reader_error(x, err);
        if (x->row_ready && row_deliver(x, row))
            return 1;
        if (x->done || (x->final_fed && !x->suspended))
            return 0;
        if (x->suspended) {
            st = XML_ResumeParser(x->parser);
        } else {
            void *b = XML_GetBuffer(x->parser, (int)XLSX_CHUNK);
            zip_int64_t n = zip_fread(x->zf, b, XLSX_CHUNK);
            if (n < 0) {
                ok_err_set(&x->err, OK_ERR_INVALID,
                           "the .xlsx file is damaged or truncated (%s: %s)", x->sheet_part,
                           zip_file_strerror(x->zf));
                x->failed = 1;
                continue;
            }
            x->final_fed = n == 0;
            st = XML_ParseBuffer(x->parser, (int)n, n == 0);
        }
        x->suspended = st == XML_STATUS_SUSPENDED;
        if (st == XML_STATUS_ERROR && !x->failed) {
            ok_err_set(&x->err, OK_ERR_INVALID, "the .xlsx file is damaged (%s, XML line %lu: %s)",
                       x->sheet_part, (unsigned long)XML_GetCurrentLineNumber(x->parser),
                       XML_ErrorString(XML_GetErrorCode(x->parser)));
            x->failed = 1;
        }
    }
}

int xlsx_reader_date1904(const struct xlsx_reader *x)
{
    return x->date1904;
}

size_t xlsx_reader_sheet_count(const struct xlsx_reader *x)
{
    return x->nsheets;
}

const char *xlsx_reader_sheet_name(const struct xlsx_reader *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

void xlsx_reader_free(struct xlsx_reader **xp)
{
    struct xlsx_reader *x = *xp;
    size_t i;
    if (!x)
        return;
    if (x->parser)
        XML_ParserFree(x->parser);
    if (x->zf)
        zip_fclose(x->zf);
    if (x->za)
        zip_discard(x->za);
    for (i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].rid);
    }
    free(x->sheets);
    buf_release(&x->ss_text);
    buf_release(&x->val);
    buf_release(&x->rowtext);
    free(x->ss_off);
    free(x->ss_len);
    free(x->xf_date);
    free(x->fmt_id);
    free(x->fmt_date);
    free(x->sheet_part);
    free(x->cells);
    free(x->cell_off);
    free(x);
    *xp = NULL;
}
