/*
 * buf.h - the growable text/byte buffer used for all text building (SQL, JSON, CSV, messages).
 *
 * After git's strbuf and SQLite's sqlite3_str: appends never fail visibly; if an append would
 * exceed the buffer's cap (0 = 1 GiB), the buffer keeps what it had and sets a sticky `failed`
 * flag that the caller checks once at the end. data is always NUL-terminated.
 */
#ifndef OK_CORE_BUF_H
#define OK_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data;   /* owned; NUL-terminated; never NULL after buf_init */
    size_t len;   /* bytes used, excluding the NUL */
    size_t alloc; /* bytes allocated */
    size_t cap;   /* maximum len allowed; 0 means the default (1 GiB) */
    int failed;   /* sticky: an append was refused because of cap */
};

#define BUF_DEFAULT_CAP ((size_t)1 << 30)

void buf_init(struct buf *b, size_t cap);
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory and clearing `failed`. */
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_put_i64(struct buf *b, int64_t v);
/* Shortens to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);
/* Takes ownership of the data (caller frees) and re-initialises the buffer. */
char *buf_detach(struct buf *b, size_t *len);

#endif
