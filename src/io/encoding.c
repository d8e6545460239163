/*
 * encoding.c - encoding detection, the streaming decoder (UTF-8 check / iconv) and the encoder.
 *
 * UTF-8 input is validated and copied straight to the caller's buffer; CP932 and UTF-16 go
 * through iconv. The raw input buffer always keeps the undelivered tail, so a multibyte character
 * cut by a block boundary is completed by the next read (iconv says EINVAL for it, our UTF-8
 * check stops before it).
 */
#include "io/encoding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/banned.h"

#define DEC_BLOCK ((size_t)256 << 10)

static const char *const enc_names[] = {"auto",  "utf-8",    "utf-8-bom",
                                        "cp932", "utf-16le", "utf-16be"};

const char *io_encoding_name(enum io_encoding enc)
{
    if ((unsigned)enc < sizeof(enc_names) / sizeof(enc_names[0]))
        return enc_names[enc];
    return "?";
}

int io_encoding_parse(const char *name, enum io_encoding *enc, struct ok_err *err)
{
    static const struct {
        const char *name;
        enum io_encoding enc;
    } names[] = {
        {"auto", IO_ENC_AUTO},         {"utf-8", IO_ENC_UTF8},
        {"utf8", IO_ENC_UTF8},         {"utf-8-bom", IO_ENC_UTF8_BOM},
        {"utf8-bom", IO_ENC_UTF8_BOM}, {"utf-8-sig", IO_ENC_UTF8_BOM},
        {"cp932", IO_ENC_CP932},       {"sjis", IO_ENC_CP932},
        {"shift_jis", IO_ENC_CP932},   {"shift-jis", IO_ENC_CP932},
        {"windows-31j", IO_ENC_CP932}, {"ms932", IO_ENC_CP932},
    };
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *enc = names[i].enc;
            return 0;
        }
    }
    return ok_err_set(err, OK_ERR_USAGE,
                      "unknown encoding '%s' (use auto, utf-8, utf-8-bom or cp932)", name);
}

/* Length of the UTF-8 sequence starting at p[0..n) if valid: >0 valid length, 0 incomplete
 * (valid so far but cut by n), -1 invalid. Rejects overlongs, surrogates and > U+10FFFF. */
static int utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    int len, i;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return -1;
    if (c < 0xE0) {
        len = 2;
    } else if (c < 0xF0) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    for (i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return 0;
        if (p[i] < lo || p[i] > hi)
            return -1;
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

/* Scans p[0..n): returns the valid complete prefix length; *stop says why it stopped:
 * 0 end reached, 1 incomplete character at the end, -1 invalid sequence. */
static size_t utf8_scan(const char *s, size_t n, int *stop)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    *stop = 0;
    while (i < n) {
        int k;
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        k = utf8_seq(p + i, n - i);
        if (k <= 0) {
            *stop = k == 0 ? 1 : -1;
            return i;
        }
        i += (size_t)k;
    }
    return i;
}

size_t io_utf8_valid_prefix(const char *p, size_t n)
{
    int stop;
    return utf8_scan(p, n, &stop);
}

static int has_high_byte(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL)
            return 1;
    }
    for (; i < n; i++)
        if ((unsigned char)p[i] >= 0x80)
            return 1;
    return 0;
}

enum io_encoding io_encoding_detect(const char *p, size_t n, int complete, size_t *bom_len,
                                    int *ascii_only)
{
    const unsigned char *u = (const unsigned char *)p;
    int stop;
    size_t v;
    *bom_len = 0;
    *ascii_only = 0;
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        *bom_len = 3;
        return IO_ENC_UTF8;
    }
    if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        *bom_len = 2;
        return IO_ENC_UTF16LE;
    }
    if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        *bom_len = 2;
        return IO_ENC_UTF16BE;
    }
    v = utf8_scan(p, n, &stop);
    if (stop < 0 || (stop > 0 && complete))
        return IO_ENC_CP932;
    (void)v;
    *ascii_only = !has_high_byte(p, n);
    return IO_ENC_UTF8;
}

static const char *iconv_name(enum io_encoding enc)
{
    switch (enc) {
    case IO_ENC_CP932:
        return "CP932";
    case IO_ENC_UTF16LE:
        return "UTF-16LE";
    case IO_ENC_UTF16BE:
        return "UTF-16BE";
    default:
        return NULL;
    }
}

static int decoder_open_iconv(struct io_decoder *d, struct ok_err *err)
{
    d->cd = iconv_open("UTF-8", iconv_name(d->enc));
    if (d->cd == (iconv_t)-1)
        return ok_err_set(err, OK_ERR_INTERNAL, "iconv cannot convert from %s: %s",
                          iconv_name(d->enc), strerror(errno));
    return 0;
}

/* Moves the undelivered bytes to the front and reads until at least `want` bytes are held (or
 * the input ends). */
static int decoder_fill(struct io_decoder *d, size_t want, struct ok_err *err)
{
    if (d->in_pos > 0) {
        memmove(d->in, d->in + d->in_pos, d->in_len - d->in_pos);
        d->in_base += d->in_pos;
        d->in_len -= d->in_pos;
        d->in_pos = 0;
    }
    if (want > d->in_alloc) {
        d->in_alloc = want;
        d->in = xrealloc(d->in, d->in_alloc);
    }
    while (!d->src_eof && d->in_len < want) {
        long n = io_source_read(d->src, d->in + d->in_len, d->in_alloc - d->in_len, err);
        if (n < 0)
            return -1;
        if (n == 0)
            d->src_eof = 1;
        d->in_len += (size_t)n;
    }
    return 0;
}

int io_decoder_init(struct io_decoder *d, struct io_source *src, enum io_encoding enc,
                    struct ok_err *err)
{
    size_t bom = 0;
    int ascii = 0;
    enum io_encoding found;
    memset(d, 0, sizeof(*d));
    d->src = src;
    d->cd = (iconv_t)-1;
    d->in_alloc = DEC_BLOCK;
    d->in = xmalloc(d->in_alloc);
    if (decoder_fill(d, IO_DETECT_PREFIX, err) < 0)
        return -1;
    found = io_encoding_detect(d->in, d->in_len, d->src_eof, &bom, &ascii);
    if (enc == IO_ENC_AUTO) {
        d->enc = found;
        d->guessed = 1;
        d->open_guess = ascii;
    } else {
        d->enc = enc == IO_ENC_UTF8_BOM ? IO_ENC_UTF8 : enc;
        if (found != IO_ENC_UTF8 || d->enc != IO_ENC_UTF8)
            bom = 0; /* only a UTF-8 BOM is skipped when the encoding is given */
        if (enc == IO_ENC_CP932 && d->in_len >= 3 && memcmp(d->in, "\xEF\xBB\xBF", 3) == 0)
            return ok_err_set(err, OK_ERR_INVALID,
                              "the file starts with a UTF-8 byte order mark but cp932 was given");
    }
    d->in_pos = bom;
    if (iconv_name(d->enc) && decoder_open_iconv(d, err) < 0)
        return -1;
    return 0;
}

void io_decoder_release(struct io_decoder *d)
{
    if (d->cd != (iconv_t)-1)
        iconv_close(d->cd);
    d->cd = (iconv_t)-1;
    free(d->in);
    d->in = NULL;
}

static int decoder_bad_bytes(struct io_decoder *d, const char *what, size_t at, size_t avail,
                             struct ok_err *err)
{
    char hex[32] = "";
    size_t i, k = avail < 4 ? avail : 4, used = 0;
    const unsigned char *p = (const unsigned char *)d->in + at;
    for (i = 0; i < k && used + 6 < sizeof(hex); i++)
        used += (size_t)snprintf(hex + used, sizeof(hex) - used, "%s0x%02X", i ? " " : "", p[i]);
    ok_err_set(err, OK_ERR_INVALID, "%s byte sequence %s at byte offset %llu%s", what, hex,
               (unsigned long long)(d->in_base + at),
               d->guessed && d->enc == IO_ENC_UTF8
                   ? " (the start of the file looked like UTF-8; if the file is Shift_JIS, "
                     "import it with --encoding cp932)"
                   : "");
    return -1;
}

/* The guess made from an ASCII-only prefix meets the first non-ASCII byte: decide again from the
 * next 64 KiB. ASCII is the same in UTF-8 and CP932, so nothing delivered so far changes. */
static int decoder_redecide(struct io_decoder *d, struct ok_err *err)
{
    size_t bom, avail;
    int ascii;
    enum io_encoding e;
    if (decoder_fill(d, IO_DETECT_PREFIX, err) < 0)
        return -1;
    avail = d->in_len - d->in_pos;
    e = io_encoding_detect(d->in + d->in_pos, avail, d->src_eof, &bom, &ascii);
    d->open_guess = 0;
    if (e == IO_ENC_CP932) {
        d->enc = IO_ENC_CP932;
        return decoder_open_iconv(d, err);
    }
    return 0;
}

static long decoder_read_utf8(struct io_decoder *d, char *dst, size_t cap, struct ok_err *err)
{
    for (;;) {
        size_t avail = d->in_len - d->in_pos, take, v;
        int stop;
        if (avail == 0) {
            if (d->src_eof)
                return 0;
            if (decoder_fill(d, DEC_BLOCK, err) < 0)
                return -1;
            continue;
        }
        take = avail < cap ? avail : cap;
        v = utf8_scan(d->in + d->in_pos, take, &stop);
        if (d->open_guess && has_high_byte(d->in + d->in_pos, v > 0 ? v : take)) {
            /* deliver the ASCII before the first high byte, then decide */
            size_t k = 0;
            while ((unsigned char)d->in[d->in_pos + k] < 0x80)
                k++;
            if (k > 0) {
                memcpy(dst, d->in + d->in_pos, k);
                d->in_pos += k;
                return (long)k;
            }
            if (decoder_redecide(d, err) < 0)
                return -1;
            if (d->enc != IO_ENC_UTF8)
                return 0x7fffffff; /* caller re-dispatches */
            continue;
        }
        if (v > 0) {
            memcpy(dst, d->in + d->in_pos, v);
            d->in_pos += v;
            return (long)v;
        }
        if (stop < 0)
            return decoder_bad_bytes(d, "invalid UTF-8", d->in_pos, avail, err);
        /* an incomplete character: at the end of what we hold, or cut by cap */
        if (take < avail)
            return ok_err_set(err, OK_ERR_INTERNAL, "decoder read buffer too small");
        if (d->src_eof)
            return decoder_bad_bytes(d, "truncated UTF-8", d->in_pos, avail, err);
        if (decoder_fill(d, d->in_len - d->in_pos + DEC_BLOCK, err) < 0)
            return -1;
    }
}

static long decoder_read_iconv(struct io_decoder *d, char *dst, size_t cap, struct ok_err *err)
{
    for (;;) {
        char *ip = d->in + d->in_pos, *op = dst;
        size_t il = d->in_len - d->in_pos, ol = cap, r;
        if (il == 0) {
            if (d->src_eof)
                return 0;
            if (decoder_fill(d, DEC_BLOCK, err) < 0)
                return -1;
            continue;
        }
        r = iconv(d->cd, &ip, &il, &op, &ol);
        d->in_pos = (size_t)(ip - d->in);
        if (op > dst)
            return (long)(op - dst); /* deliver good bytes; a problem shows on the next call */
        if (r != (size_t)-1)
            continue;
        if (errno == EILSEQ)
            return decoder_bad_bytes(d, d->enc == IO_ENC_CP932 ? "invalid CP932" : "invalid UTF-16",
                                     d->in_pos, d->in_len - d->in_pos, err);
        if (errno == E2BIG)
            return ok_err_set(err, OK_ERR_INTERNAL, "decoder read buffer too small");
        /* EINVAL: a character cut by the end of the block */
        if (d->src_eof)
            return decoder_bad_bytes(
                d, d->enc == IO_ENC_CP932 ? "truncated CP932" : "truncated UTF-16", d->in_pos,
                d->in_len - d->in_pos, err);
        if (decoder_fill(d, d->in_len - d->in_pos + DEC_BLOCK, err) < 0)
            return -1;
    }
}

long io_decoder_read(void *decoder, char *dst, size_t cap, struct ok_err *err)
{
    struct io_decoder *d = decoder;
    if (cap < 8)
        return ok_err_set(err, OK_ERR_INTERNAL, "decoder read buffer too small");
    for (;;) {
        long n;
        if (d->enc != IO_ENC_UTF8)
            return decoder_read_iconv(d, dst, cap, err);
        n = decoder_read_utf8(d, dst, cap, err);
        if (n != 0x7fffffff)
            return n;
    }
}

int io_encoder_init(struct io_encoder *e, enum io_encoding enc, struct ok_err *err)
{
    e->enc = enc;
    e->cd = (iconv_t)-1;
    if (enc == IO_ENC_UTF8 || enc == IO_ENC_UTF8_BOM)
        return 0;
    if (enc != IO_ENC_CP932)
        return ok_err_set(err, OK_ERR_USAGE,
                          "cannot write files in %s (use utf-8, utf-8-bom or cp932)",
                          io_encoding_name(enc));
    e->cd = iconv_open("CP932", "UTF-8");
    if (e->cd == (iconv_t)-1)
        return ok_err_set(err, OK_ERR_INTERNAL, "iconv cannot convert to CP932: %s",
                          strerror(errno));
    return 0;
}

void io_encoder_release(struct io_encoder *e)
{
    if (e->cd != (iconv_t)-1)
        iconv_close(e->cd);
    e->cd = (iconv_t)-1;
}

void io_encoder_begin(struct io_encoder *e, struct buf *out)
{
    if (e->enc == IO_ENC_UTF8_BOM)
        buf_append(out, "\xEF\xBB\xBF", 3);
}

/* 1-based character position of byte offset `at` in s. */
static long char_pos(const char *s, size_t at)
{
    long pos = 1;
    size_t i;
    for (i = 0; i < at; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            pos++;
    return pos;
}

int io_encoder_put(struct io_encoder *e, struct buf *out, const char *s, size_t n, long *bad_pos,
                   struct ok_err *err)
{
    char tmp[4096];
    char *ip = (char *)(uintptr_t)s;
    size_t il = n, mark = out->len;
    int stop;
    size_t v;
    if (bad_pos)
        *bad_pos = 0;
    if (e->cd == (iconv_t)-1 || !has_high_byte(s, n)) {
        v = utf8_scan(s, n, &stop);
        if (v < n) {
            if (bad_pos)
                *bad_pos = char_pos(s, v);
            return ok_err_set(err, OK_ERR_INVALID, "invalid UTF-8 at position %ld", char_pos(s, v));
        }
        buf_append(out, s, n);
        return 0;
    }
    while (il > 0) {
        char *op = tmp;
        size_t ol = sizeof(tmp);
        size_t r = iconv(e->cd, &ip, &il, &op, &ol);
        buf_append(out, tmp, (size_t)(op - tmp));
        if (r != (size_t)-1 || errno == E2BIG)
            continue;
        {
            size_t at = (size_t)(ip - s);
            long pos = char_pos(s, at);
            int k = utf8_seq((const unsigned char *)s + at, n - at);
            iconv(e->cd, NULL, NULL, NULL, NULL);
            buf_truncate(out, mark);
            if (bad_pos)
                *bad_pos = pos;
            if (k > 0) {
                const unsigned char *u = (const unsigned char *)s + at;
                uint32_t cp = k == 2 ? ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu)
                              : k == 3
                                  ? ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu)
                                  : ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) |
                                        ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
                return ok_err_set(err, OK_ERR_INVALID,
                                  "character '%.*s' (U+%04X) at position %ld cannot be written "
                                  "in CP932",
                                  k, (const char *)u, (unsigned)cp, pos);
            }
            return ok_err_set(err, OK_ERR_INVALID, "invalid UTF-8 at position %ld", pos);
        }
    }
    if (out->failed)
        return ok_err_set(err, OK_ERR_LIMIT, "output too large");
    return 0;
}
