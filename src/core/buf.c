/*
 * buf.c - growable buffer with a cap and a sticky error flag.
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

void buf_init(struct buf *b, size_t cap)
{
    b->alloc = 64;
    b->data = xmalloc(b->alloc);
    b->data[0] = '\0';
    b->len = 0;
    b->cap = cap ? cap : BUF_DEFAULT_CAP;
    b->failed = 0;
}

void buf_release(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->data[0] = '\0';
    b->failed = 0;
}

static int buf_reserve(struct buf *b, size_t n)
{
    size_t need;
    if (b->failed)
        return -1;
    if (n > b->cap || b->len > b->cap - n) {
        b->failed = 1;
        return -1;
    }
    need = b->len + n + 1;
    if (need > b->alloc) {
        size_t a = b->alloc * 2;
        while (a < need)
            a *= 2;
        b->data = xrealloc(b->data, a);
        b->alloc = a;
    }
    return 0;
}

void buf_append(struct buf *b, const void *data, size_t n)
{
    if (n == 0 || buf_reserve(b, n) < 0)
        return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    if (buf_reserve(b, 1) < 0)
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n >= b->alloc - b->len) {
        if (buf_reserve(b, (size_t)n) < 0) {
            b->data[b->len] = '\0';
            return;
        }
        vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
    } else if (b->failed || (size_t)n > b->cap - b->len) {
        b->failed = 1;
        b->data[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_put_i64(struct buf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    buf_append(b, tmp, (size_t)n);
}

void buf_truncate(struct buf *b, size_t n)
{
    if (n < b->len) {
        b->len = n;
        b->data[n] = '\0';
    }
}

char *buf_detach(struct buf *b, size_t *len)
{
    char *p = b->data;
    size_t cap = b->cap;
    if (len)
        *len = b->len;
    buf_init(b, cap);
    return p;
}
