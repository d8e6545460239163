/*
 * import.h - the import pipeline: a table file (CSV, TSV, .xlsx) in, records in the store.
 *
 * import_file reads a file of one KIND (customers, orders, deals, contracts, referrals,
 * activities, feedback, products) with the tabular reader, finds the header row, maps columns
 * to the kind's canonical fields (columns.h, with --map overrides), reads every value the way
 * Japanese offices write it (dates in every form and Excel serials, amounts with ¥, commas,
 * full-width digits, ▲ and parentheses, phone numbers and postal codes in any width) and writes
 * the records idempotently by their codes: a row whose record exists and is equal changes
 * nothing, a changed one updates it, a new one is created. Everything happens in one
 * transaction: by default any bad row means nothing is written (every bad row is reported with
 * its line, column and reason); with skip_bad the good rows are written and the bad ones are
 * copied to a reject file in the file's own format and encoding; a dry run does all the work and
 * rolls it back, so its counts are exact.
 *
 * Orders are the large case and take a fast path: customer and product codes are resolved from
 * in-memory indexes, lines are grouped by order code (consecutive lines with one code form one
 * order and are numbered 1, 2, … in file order), and written by the batched upserter of
 * store/import_rows.h. Memory holds the customer and product indexes and 16 bytes per distinct
 * order code (its line counter, keyed by a 64-bit hash), never the file.
 */
#ifndef OK_IO_IMPORT_H
#define OK_IO_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "io/columns.h"
#include "io/tabular.h"
#include "store/store.h"

#define IMPORT_DEFAULT_SHOWN 100

struct import_options {
    enum io_kind kind;
    struct tabular_options tab; /* format, encoding, sheet */
    const char *const *maps;    /* "FIELD=COLUMN" overrides */
    size_t nmaps;
    const char *date_format;   /* e.g. "%m/%d/%Y %H:%M"; NULL: every form date_parse reads */
    int dry_run;               /* do everything, then roll back */
    int skip_bad;              /* --on-error skip: write the good rows, reject the bad */
    const char *errors_path;   /* every bad row listed here (NULL: none) */
    const char *reject_path;   /* skip_bad: where bad rows go; NULL: FILE.rejected.EXT */
    const char *cancel_prefix; /* orders: codes starting with it are cancellations ("C") */
    int create_customers;      /* orders: unknown customer codes become customers */
    int progress;              /* report progress on stderr (the caller checks isatty) */
    size_t max_shown;          /* bad rows kept in the report; 0: IMPORT_DEFAULT_SHOWN */
    size_t preview_rows;       /* dry run: records shown; 0: 5 */
    const struct store_actor *actor;
};

struct import_report {
    int64_t rows;           /* data rows read (blank rows not counted) */
    int64_t created;        /* records (order lines) new */
    int64_t updated;        /* records changed */
    int64_t unchanged;      /* records already as in the file */
    int64_t rejected;       /* rows not written because of a problem (or their order's) */
    int64_t bad_rows;       /* rows with a problem */
    int64_t no_customer;    /* orders: lines without a customer code (not imported) */
    int64_t orders;         /* orders: distinct order codes in the file */
    int64_t customers_seen; /* orders: distinct customer codes in the file */
    int64_t customers_created, customers_updated;
    int64_t products_created;
    int64_t returns;        /* orders: return / cancellation lines */
    int written;            /* 1 when the transaction was committed */
    char reject_path[1024]; /* where rejected rows went ("" when none) */
    struct buf errors;      /* the first max_shown bad rows, one line each */
    struct buf warnings;    /* columns kept aside and other notes, one line each */
    struct buf preview;     /* dry run: the first records as they would be stored */
};

void import_report_init(struct import_report *r);
void import_report_release(struct import_report *r);

/* Imports path into db. Returns 0 when the import (or dry run) went through: without skip_bad,
 * only if no row was bad. Returns -1 with err filled for a file that cannot be read (with its
 * line), a missing required column, or bad rows in all-or-nothing mode ("3 bad rows; nothing
 * was written"); rep then says what was found. db must not be inside a transaction. */
int import_file(struct db *db, const char *path, const struct import_options *opt,
                struct import_report *rep, struct ok_err *err);

/* Value readers shared with tests and other pipelines. */

/* A date cell: an .xlsx date serial (flags IO_CELL_DATE_SERIAL), a bare Excel serial number
 * ("45296", "45296.5"), or text in any form date_parse reads (or by fmt when not NULL). Sets
 * *days and *secs (DATE_SECS_NONE without a time). Returns 0 or -1 with err. */
int import_parse_date(const char *s, size_t n, unsigned flags, const char *fmt, int32_t *days,
                      int32_t *secs, struct ok_err *err);

/* An amount in minor units of a currency with `scale` decimals (money_parse, plus a fast path
 * for plain digits). Returns 0 or -1 with err. */
int import_parse_money(const char *s, size_t n, int scale, int64_t *out, struct ok_err *err);

/* A whole quantity: "3", "３", "-1", "1,200", "3.0". Returns 0 or -1 with err. */
int import_parse_quantity(const char *s, size_t n, int64_t *out, struct ok_err *err);

/* yes/no as offices write it: 1/0, true/false, yes/no, y/n, ○/×, 可/不可, 希望/不要, する/しない
 * (case- and width-insensitive). Returns 1, 0, or -1 with err. */
int import_parse_bool(const char *s, size_t n, struct ok_err *err);

#endif
