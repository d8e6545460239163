/*
 * csv.h - a streaming RFC 4180 reader and a CSV writer.
 *
 * The reader pulls large blocks from a struct io_source (a file, memory, or the encoding
 * converter) and hands out one record at a time as a struct io_row whose cells point into its
 * block buffer (zero copy; quoted fields with doubled quotes are unescaped in place). It accepts
 * ',' or '\t' as the delimiter (or detects it), quoted fields with embedded delimiters and line
 * breaks, CRLF / LF / CR line ends and a last line without a line end, and reports each record's
 * starting physical line. A quote inside an unquoted field is kept as a literal character, as
 * spreadsheets do. Errors (unterminated quote, text after a closing quote, a field longer than
 * the cap) carry the physical line and the column (in characters) where they occur.
 *
 * The writer appends fields to a struct buf, quoting only when needed, with CRLF line ends as
 * Excel expects.
 */
#ifndef OK_IO_CSV_H
#define OK_IO_CSV_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "io/row.h"
#include "io/source.h"

#define CSV_DEFAULT_MAX_FIELD  ((size_t)1 << 20)  /* 1 MiB */
#define CSV_DEFAULT_MAX_RECORD ((size_t)64 << 20) /* 64 MiB */

struct csv_options {
    char delimiter;    /* ',' or '\t'; 0 = detect from the first block */
    size_t max_field;  /* longest field in bytes; 0 = CSV_DEFAULT_MAX_FIELD */
    size_t max_record; /* longest record in bytes; 0 = CSV_DEFAULT_MAX_RECORD */
    size_t block_size; /* read size; 0 = 1 MiB */
};

struct csv_reader {
    struct io_source *src; /* borrowed */
    char delim;
    size_t max_field, max_record;
    char *buf; /* block buffer, alloc bytes plus padding */
    size_t alloc;
    size_t start, end; /* unconsumed bytes are buf[start..end) */
    int eof;           /* the source is exhausted */
    int started;       /* the first block was read (and the delimiter detected) */
    long line;         /* physical line of the next record */
    long records;      /* records returned so far */
    struct io_cell *cells;
    size_t cells_alloc;
};

/* Sets up a reader over src (borrowed: it must outlive the reader). opt may be NULL. */
void csv_reader_init(struct csv_reader *r, struct io_source *src, const struct csv_options *opt);
void csv_reader_release(struct csv_reader *r);

/* Reads the first block and detects the delimiter if it was not given (csv_reader_next does this
 * itself when needed). Returns 0 or -1 (err filled). */
int csv_reader_start(struct csv_reader *r, struct ok_err *err);

/* Reads the next record into *row (cells borrowed until the next call). Returns 1 for a record,
 * 0 at the end of the input, -1 on error (err filled, err->input_line set). A blank line is a
 * record with one empty field. After an error the reader must not be used further. */
int csv_reader_next(struct csv_reader *r, struct io_row *row, struct ok_err *err);

/* The delimiter in use (after detection; ',' before the first read if not given). */
char csv_reader_delimiter(const struct csv_reader *r);

/* Guesses the delimiter of a text prefix: '\t' when the first lines have more tabs than commas
 * outside quotes, else ','. */
char csv_detect_delimiter(const char *p, size_t n);

/* Appends one field, quoted if it contains the delimiter, a quote, CR or LF (quotes doubled). */
void csv_write_field(struct buf *b, const char *s, size_t n, char delim);

/* Appends a record: fields[i] (lens[i] bytes, or strlen when lens is NULL; NULL fields are empty)
 * separated by delim and ended by CRLF. */
void csv_write_record(struct buf *b, const char *const *fields, const size_t *lens, size_t n,
                      char delim);

#endif
