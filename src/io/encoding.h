/*
 * encoding.h - text encodings of imported and exported files.
 *
 * Import: files arrive as UTF-8 (with or without a BOM), CP932 (Windows' Shift_JIS, which Excel
 * and most Japanese register software write) or, from Excel's "Unicode text", UTF-16 with a BOM.
 * A struct io_decoder sits between the raw bytes (struct io_source) and the CSV reader and
 * delivers UTF-8: it detects the encoding from a BOM, else from the first block read (at least 64
 * KiB; valid UTF-8 wins, otherwise CP932), keeps validating while streaming, and converts with
 * glibc iconv "CP932" (not "SHIFT_JIS", which loses ①, ～ and the IBM extensions such as 髙). A
 * multibyte character split between blocks is carried over. An invalid byte sequence is an error
 * naming its byte offset; every good byte before it is delivered first, so the CSV reader can add
 * the line. A file whose first 64 KiB are plain ASCII is decided at its first non-ASCII byte
 * instead.
 *
 * Export: a struct io_encoder turns UTF-8 into the chosen output encoding (utf-8, utf-8 with a
 * BOM for Excel, or cp932) and reports a character that CP932 cannot encode instead of replacing
 * it.
 */
#ifndef OK_IO_ENCODING_H
#define OK_IO_ENCODING_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "io/source.h"

enum io_encoding {
    IO_ENC_AUTO = 0,
    IO_ENC_UTF8,
    IO_ENC_UTF8_BOM, /* UTF-8 with a byte order mark (export; import strips the BOM) */
    IO_ENC_CP932,
    IO_ENC_UTF16LE, /* import only, recognised by its BOM */
    IO_ENC_UTF16BE
};

#define IO_DETECT_PREFIX ((size_t)64 << 10)

/* Stable name: "auto", "utf-8", "utf-8-bom", "cp932", "utf-16le", "utf-16be". */
const char *io_encoding_name(enum io_encoding enc);

/* Parses a user-given name (case-insensitive; "utf8", "sjis", "shift_jis", "windows-31j" are
 * accepted aliases, Shift_JIS meaning CP932). Returns 0 or -1 (err lists the valid names). */
int io_encoding_parse(const char *name, enum io_encoding *enc, struct ok_err *err);

/* Detects the encoding of a file prefix p[0..n): a BOM decides (*bom_len set to its length);
 * else IO_ENC_UTF8 if the prefix is valid UTF-8 (an incomplete character at the very end is
 * allowed unless `complete`), else IO_ENC_CP932. *ascii_only is set to 1 when the prefix has no
 * byte above 0x7F (the guess is then open). */
enum io_encoding io_encoding_detect(const char *p, size_t n, int complete, size_t *bom_len,
                                    int *ascii_only);

/* Length of the longest prefix of p[0..n) that is valid, complete UTF-8. */
size_t io_utf8_valid_prefix(const char *p, size_t n);

struct io_decoder {
    struct io_source *src; /* raw bytes, borrowed */
    enum io_encoding enc;  /* the encoding in use: UTF8, CP932, UTF16LE or UTF16BE */
    int guessed;           /* enc was detected rather than given */
    int open_guess;        /* guessed from an ASCII-only prefix: still open */
    iconv_t cd;            /* (iconv_t)-1 when not converting */
    char *in;              /* raw bytes not yet delivered: in[in_pos..in_len) */
    size_t in_pos, in_len, in_alloc;
    uint64_t in_base; /* file offset of in[0] */
    int src_eof;
};

/* Prepares a decoder over src for `enc` (IO_ENC_AUTO detects; IO_ENC_UTF8_BOM is taken as UTF-8;
 * a UTF-8 BOM is always skipped). Returns 0 or -1 (err filled). */
int io_decoder_init(struct io_decoder *d, struct io_source *src, enum io_encoding enc,
                    struct ok_err *err);
void io_decoder_release(struct io_decoder *d);

/* An io_read_fn (ctx = the decoder): fills dst with up to cap bytes of UTF-8. Returns the count, 0
 * at the end, or -1 with err filled: "invalid CP932 byte sequence 0x81 0x20 at byte offset 123"
 * (OK_ERR_INVALID), never before the good bytes that precede the bad ones were returned. */
long io_decoder_read(void *decoder, char *dst, size_t cap, struct ok_err *err);

struct io_encoder {
    enum io_encoding enc; /* UTF8, UTF8_BOM or CP932 */
    iconv_t cd;
};

/* Prepares an encoder for enc (IO_ENC_UTF8, IO_ENC_UTF8_BOM or IO_ENC_CP932). Returns 0 or -1. */
int io_encoder_init(struct io_encoder *e, enum io_encoding enc, struct ok_err *err);
void io_encoder_release(struct io_encoder *e);

/* Appends what a file must start with (the BOM for utf-8-bom, else nothing). */
void io_encoder_begin(struct io_encoder *e, struct buf *out);

/* Appends s[0..n) (UTF-8) converted. If a character cannot be encoded, appends nothing and
 * returns -1 with err saying which character and where ("character '😀' (U+1F600) at position 3
 * cannot be written in CP932"); *bad_pos (if not NULL) gets its 1-based character position.
 * Invalid UTF-8 in s is also an error. Returns 0 on success. */
int io_encoder_put(struct io_encoder *e, struct buf *out, const char *s, size_t n, long *bad_pos,
                   struct ok_err *err);

#endif
