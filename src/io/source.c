/*
 * source.c - block reads from fd / FILE / memory / callback with a sniffing prefix.
 */
#include "io/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/banned.h"

static void source_zero(struct io_source *s, enum io_source_kind kind)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->fd = -1;
}

void io_source_init_fd(struct io_source *s, int fd)
{
    source_zero(s, IO_SRC_FD);
    s->fd = fd;
}

void io_source_init_file(struct io_source *s, FILE *fp)
{
    source_zero(s, IO_SRC_FILE);
    s->fp = fp;
}

void io_source_init_mem(struct io_source *s, const void *data, size_t len)
{
    source_zero(s, IO_SRC_MEM);
    s->mem = data;
    s->mem_len = len;
}

void io_source_init_fn(struct io_source *s, io_read_fn fn, void *ctx)
{
    source_zero(s, IO_SRC_FN);
    s->fn = fn;
    s->ctx = ctx;
}

void io_source_release(struct io_source *s)
{
    free(s->peek);
    s->peek = NULL;
    s->peek_len = s->peek_pos = 0;
}

/* Reads from the underlying input, ignoring the sniffing buffer. */
static long source_raw_read(struct io_source *s, char *dst, size_t cap, struct ok_err *err)
{
    long n = 0;
    if (s->eof || cap == 0)
        return 0;
    switch (s->kind) {
    case IO_SRC_FD:
        for (;;) {
            ssize_t r = read(s->fd, dst, cap);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return ok_err_set(err, OK_ERR_IO, "read failed: %s", strerror(errno));
            n = (long)r;
            break;
        }
        break;
    case IO_SRC_FILE:
        n = (long)fread(dst, 1, cap, s->fp);
        if (n == 0 && ferror(s->fp))
            return ok_err_set(err, OK_ERR_IO, "read failed: %s", strerror(errno));
        break;
    case IO_SRC_MEM: {
        size_t left = s->mem_len - s->mem_pos;
        size_t k = left < cap ? left : cap;
        memcpy(dst, s->mem + s->mem_pos, k);
        s->mem_pos += k;
        n = (long)k;
        break;
    }
    case IO_SRC_FN:
        n = s->fn(s->ctx, dst, cap, err);
        if (n < 0)
            return -1;
        break;
    }
    if (n == 0)
        s->eof = 1;
    return n;
}

long io_source_read(struct io_source *s, char *dst, size_t cap, struct ok_err *err)
{
    long n;
    if (s->peek_pos < s->peek_len) {
        size_t left = s->peek_len - s->peek_pos;
        size_t k = left < cap ? left : cap;
        memcpy(dst, s->peek + s->peek_pos, k);
        s->peek_pos += k;
        s->offset += k;
        return (long)k;
    }
    n = source_raw_read(s, dst, cap, err);
    if (n > 0)
        s->offset += (uint64_t)n;
    return n;
}

int io_source_peek(struct io_source *s, size_t want, const char **data, size_t *len,
                   struct ok_err *err)
{
    size_t have = s->peek_len - s->peek_pos;
    if (have < want) {
        char *p = xmalloc(want + 1);
        if (have > 0)
            memcpy(p, s->peek + s->peek_pos, have);
        free(s->peek);
        s->peek = p;
        s->peek_pos = 0;
        s->peek_len = have;
        while (s->peek_len < want && !s->eof) {
            long n = source_raw_read(s, s->peek + s->peek_len, want - s->peek_len, err);
            if (n < 0)
                return -1;
            s->peek_len += (size_t)n;
        }
    }
    *data = s->peek ? s->peek + s->peek_pos : "";
    *len = s->peek_len - s->peek_pos;
    return 0;
}

long io_source_read_fn(void *ctx, char *dst, size_t cap, struct ok_err *err)
{
    return io_source_read(ctx, dst, cap, err);
}
