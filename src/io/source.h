/*
 * source.h - where the bytes of an imported file come from.
 *
 * A struct io_source reads from a file descriptor, a FILE *, a memory buffer or a callback (the
 * encoding converter is one), always in large blocks, and can give back a prefix of the input for
 * content sniffing (format and encoding detection) without losing it. The CSV reader and the
 * encoding converter read through it, so they do not care where the bytes come from.
 */
#ifndef OK_IO_SOURCE_H
#define OK_IO_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

/* A read callback: fills dst with up to cap bytes; returns the number of bytes read, 0 at the end
 * of the input, or -1 with err filled. */
typedef long (*io_read_fn)(void *ctx, char *dst, size_t cap, struct ok_err *err);

enum io_source_kind { IO_SRC_FD, IO_SRC_FILE, IO_SRC_MEM, IO_SRC_FN };

struct io_source {
    enum io_source_kind kind;
    int fd;
    FILE *fp;
    const char *mem;
    size_t mem_len, mem_pos;
    io_read_fn fn;
    void *ctx;
    char *peek; /* bytes already read for sniffing, served before the rest */
    size_t peek_len, peek_pos;
    int eof;         /* the underlying input reported its end */
    uint64_t offset; /* bytes handed out so far */
};

/* Initialisers; the source does not own (and never closes) the fd, FILE or memory. */
void io_source_init_fd(struct io_source *s, int fd);
void io_source_init_file(struct io_source *s, FILE *fp);
void io_source_init_mem(struct io_source *s, const void *data, size_t len);
void io_source_init_fn(struct io_source *s, io_read_fn fn, void *ctx);
/* Frees the sniffing buffer. */
void io_source_release(struct io_source *s);

/* Reads up to cap bytes into dst; returns the count, 0 at the end, -1 on error (err filled).
 * Short reads are possible before the end. */
long io_source_read(struct io_source *s, char *dst, size_t cap, struct ok_err *err);

/* Makes at least `want` bytes (fewer at the end of the input) of the not-yet-read input
 * available at *data / *len without consuming them. *data is borrowed until the next read.
 * Returns 0 or -1 (err filled). */
int io_source_peek(struct io_source *s, size_t want, const char **data, size_t *len,
                   struct ok_err *err);

/* An io_read_fn over a struct io_source (ctx is the source), for chaining readers. */
long io_source_read_fn(void *ctx, char *dst, size_t cap, struct ok_err *err);

#endif
