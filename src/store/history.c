/*
 * history.c - bulk scans of the history tables for the ledger snapshot.
 *
 * The order lines dominate (10 M rows for 1 M customers); SQLite's part of reading them is
 * about 0.3 us a row. With the batch callback they are read by one reader or, on a machine with
 * two cores or more, in 16 chunks of the rowid range by two threads from both ends, each on its own
 * connection (one struct db is never shared between threads), the second starting at once while the
 * first reads the customers and the smaller tables. SQLite here is built without
 * sqlite3_snapshot_open, so the second connection's snapshot is checked instead: it reads PRAGMA
 * data_version before the first connection starts its read transaction and again as the first
 * statement of its own; equal values mean no other connection committed in between, so both
 * transactions see the same commit. (Mapping the file with mmap_size saved no CPU time measurably
 * but shows the mapped file in the resident size of each connection: not used.)
 */
#include "store/history.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/date.h"
#include "core/mem.h"
#include "db/db_postgres.h"
#include "core/banned.h"

uint32_t store_order_key(const char *code, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)code[i];
        h *= 16777619u;
    }
    return h;
}

/* Day of a 'YYYY-MM-DD...' column; HISTORY_NO_DAY for NULL or unparsable text. */
static int32_t column_day(struct db_stmt *st, int col)
{
    size_t n;
    const char *s = db_column_text_len(st, col, &n);
    int32_t day;
    if (n < 10 || date_parse_iso(s, 10, &day) < 0)
        return HISTORY_NO_DAY;
    return day;
}

static int64_t column_id(struct db_stmt *st, int col)
{
    return db_column_is_null(st, col) ? 0 : db_column_i64(st, col);
}

/* Runs sql and calls row(st) for each row; row returns 0 or -1. */
static int scan(struct db *db, const char *sql,
                int (*row)(struct db_stmt *st, const struct history_sink *s, struct ok_err *err),
                const struct history_sink *sink, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    int rc;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (row(st, sink, err) < 0) {
            rc = -1;
            break;
        }
    }
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

static int customer_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_customer c;
    c.id = db_column_i64(st, 0);
    c.created_day = column_day(st, 1);
    c.owner_id = column_id(st, 2);
    c.source = db_column_text(st, 3);
    c.referred_by = column_id(st, 4);
    c.cause_id = column_id(st, 5);
    return s->customer(s->ctx, &c, err);
}

#define SQL_CUSTOMERS                                                                              \
    "SELECT id, created_at, owner_id, COALESCE(source, ''), referred_by, cause_id FROM customers " \
    "ORDER BY id"

/* A decimal integer as PostgreSQL prints it (optional minus, digits). */
static int64_t parse_i64(const char *s, size_t n)
{
    uint64_t v = 0;
    size_t i = n && s[0] == '-';
    for (; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    return n && s[0] == '-' ? -(int64_t)v : (int64_t)v;
}

/* PostgreSQL: the customers as a COPY stream (see lines_read_copy). */
static int copy_customer(void *ctx, int nfields, char **f, const size_t *len, struct ok_err *err)
{
    const struct history_sink *s = ctx;
    struct history_customer c;
    if (nfields != 6 || !f[0] || !f[1] || !f[3])
        return ok_err_set(err, OK_ERR_DB, "unexpected customer row from the database");
    c.id = parse_i64(f[0], len[0]);
    if (len[1] < 10 || date_parse_iso(f[1], 10, &c.created_day) < 0)
        c.created_day = HISTORY_NO_DAY;
    c.owner_id = f[2] ? parse_i64(f[2], len[2]) : 0;
    c.source = f[3];
    c.referred_by = f[4] ? parse_i64(f[4], len[4]) : 0;
    c.cause_id = f[5] ? parse_i64(f[5], len[5]) : 0;
    return s->customer(s->ctx, &c, err);
}

static int customers_scan(struct db *db, const struct history_sink *sink, struct ok_err *err)
{
    if (db_engine_of(db) == DB_ENGINE_POSTGRES)
        return db_pg_copy_out(db, "COPY (" SQL_CUSTOMERS ") TO STDOUT", copy_customer, (void *)sink,
                              err);
    return scan(db, SQL_CUSTOMERS, customer_row, sink, err);
}

static int deal_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_deal d;
    d.id = db_column_i64(st, 0);
    d.customer_id = db_column_i64(st, 1);
    d.kind = db_column_text(st, 2);
    d.stage = db_column_text(st, 3);
    d.opened_day = column_day(st, 4);
    d.closed_day = column_day(st, 5);
    d.amount = db_column_i64(st, 6);
    d.lost_reason_id = column_id(st, 7);
    d.trigger_id = column_id(st, 8);
    d.product_id = column_id(st, 9);
    return s->deal(s->ctx, &d, err);
}

static int contract_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_contract k;
    k.id = db_column_i64(st, 0);
    k.customer_id = db_column_i64(st, 1);
    k.product_id = column_id(st, 2);
    k.start_day = column_day(st, 3);
    k.end_day = column_day(st, 4);
    k.amount = db_column_i64(st, 5);
    k.renewed_from = column_id(st, 6);
    k.end_reason_id = column_id(st, 7);
    return s->contract(s->ctx, &k, err);
}

static int referral_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_referral r;
    r.referrer_id = db_column_i64(st, 0);
    r.referred_id = column_id(st, 1);
    r.day = column_day(st, 2);
    r.trigger_id = column_id(st, 3);
    r.deal_id = column_id(st, 4);
    return s->referral(s->ctx, &r, err);
}

static int feedback_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_feedback f;
    f.customer_id = db_column_i64(st, 0);
    f.kind = db_column_text(st, 1);
    f.score = db_column_is_null(st, 2) ? -1 : (int32_t)db_column_i64(st, 2);
    f.day = column_day(st, 3);
    return s->feedback(s->ctx, &f, err);
}

/* ---- order lines ---- */

#define LINE_BATCH 1024
#define SQL_LINES  "SELECT customer_id, ordered_at, amount, order_code, product_id FROM orders"

/* The chunks of the orders' rowid range, claimed by the front reader (first to last) and the
 * back reader (last to first) until they meet: whichever thread has more time left takes more
 * of the table. */
struct chunks {
    pthread_mutex_t mu;
    int front, back; /* next chunk of each end; done when front > back */
    int64_t lo, hi;  /* rowid range of the whole table */
    atomic_int stop; /* set when a reader failed */
};

/* One reader of order lines: the whole table, or the rowids lo..hi. */
struct line_reader {
    struct db *db;
    const struct history_sink *sink;
    unsigned part;
    int ranged;
    int64_t lo, hi;
    atomic_int *stop;
    struct ok_err err;
    int rc; /* 0, -1 failed (err filled), -2 stopped because the other reader failed */
};

/* The lines of one order share their date; ordered_at is 'YYYY-MM-DD HH:MM:SS'. */
static int32_t line_day(const char *s, size_t n, char last[10], int32_t *last_day)
{
    if (n < 10)
        return HISTORY_NO_DAY;
    if (memcmp(s, last, 10) != 0) {
        if (date_parse_iso(s, 10, last_day) < 0)
            *last_day = HISTORY_NO_DAY;
        memcpy(last, s, 10);
    }
    return *last_day;
}

/* PostgreSQL: the lines come as a COPY stream, parsed here, which keeps the server sending while
 * the rows are parsed (a cursor makes both sides wait for each other batch by batch) and costs
 * the server about half as much per row as a cursor FETCH of the same columns. */
struct copy_lines {
    struct line_reader *r;
    struct history_line batch[LINE_BATCH];
    size_t k;
    char last[10];
    int32_t last_day;
};

static int copy_line(void *ctx, int nfields, char **f, const size_t *len, struct ok_err *err)
{
    struct copy_lines *cl = ctx;
    struct line_reader *r = cl->r;
    struct history_line *l = &cl->batch[cl->k];
    if (nfields != 5 || !f[0] || !f[1] || !f[2] || !f[3])
        return ok_err_set(err, OK_ERR_DB, "unexpected order line from the database");
    l->customer_id = parse_i64(f[0], len[0]);
    l->day = line_day(f[1], len[1], cl->last, &cl->last_day);
    l->amount = parse_i64(f[2], len[2]);
    l->order_key = store_order_key(f[3], len[3]);
    l->product_id = f[4] ? parse_i64(f[4], len[4]) : 0;
    if (++cl->k < LINE_BATCH)
        return 0;
    cl->k = 0;
    if (r->stop && atomic_load(r->stop))
        return ok_err_set(err, OK_ERR_INTERNAL, "stopped");
    return r->sink->lines(r->sink->ctx, r->part, cl->batch, LINE_BATCH, err);
}

static int lines_read_copy(struct line_reader *r)
{
    struct copy_lines *cl = xcalloc(1, sizeof(*cl));
    char sql[200];
    int rc;
    cl->r = r;
    cl->last_day = HISTORY_NO_DAY;
    if (r->ranged)
        snprintf(sql, sizeof(sql), "COPY (" SQL_LINES " WHERE id BETWEEN %lld AND %lld) TO STDOUT",
                 (long long)r->lo, (long long)r->hi);
    else
        snprintf(sql, sizeof(sql), "COPY (" SQL_LINES ") TO STDOUT");
    rc = db_pg_copy_out(r->db, sql, copy_line, cl, &r->err);
    if (rc < 0 && r->stop && atomic_load(r->stop))
        rc = -2;
    if (rc == 0 && cl->k && r->sink->lines(r->sink->ctx, r->part, cl->batch, cl->k, &r->err) < 0)
        rc = -1;
    free(cl);
    return rc;
}

static int lines_read(struct line_reader *r)
{
    const struct history_sink *sink = r->sink;
    struct history_line batch[LINE_BATCH];
    char last[10] = {0};
    int32_t last_day = HISTORY_NO_DAY;
    size_t k = 0;
    int rc;
    struct db_stmt *st;
    if (db_engine_of(r->db) == DB_ENGINE_POSTGRES)
        return lines_read_copy(r);
    st = db_prepare(r->db, r->ranged ? SQL_LINES " WHERE id BETWEEN ? AND ?" : SQL_LINES, &r->err);
    if (!st)
        return -1;
    if (r->ranged) {
        db_bind_i64(st, 1, r->lo);
        db_bind_i64(st, 2, r->hi);
    }
    while ((rc = db_step(st, &r->err)) == DB_ROW) {
        struct history_line *l = &batch[k];
        size_t n;
        const char *s;
        l->customer_id = db_column_i64(st, 0);
        s = db_column_text_len(st, 1, &n);
        l->day = line_day(s, n, last, &last_day);
        l->amount = db_column_i64(st, 2);
        s = db_column_text_len(st, 3, &n);
        l->order_key = store_order_key(s, n);
        l->product_id = db_column_i64(st, 4); /* NULL reads as 0, "none" */
        if (++k < LINE_BATCH)
            continue;
        k = 0;
        if (r->stop && atomic_load(r->stop)) {
            rc = -2;
            break;
        }
        if (sink->lines(sink->ctx, r->part, batch, LINE_BATCH, &r->err) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == DB_DONE && k && sink->lines(sink->ctx, r->part, batch, k, &r->err) < 0)
        rc = -1;
    db_stmt_free(&st);
    return rc < 0 ? rc : 0;
}

/* First rowid of chunk k (k = HISTORY_LINE_PARTS: one past the end), without overflow. */
static int64_t chunk_start(const struct chunks *c, int k)
{
    uint64_t span = (uint64_t)(c->hi - c->lo) + 1, n = HISTORY_LINE_PARTS;
    return c->lo + (int64_t)(span / n * (uint64_t)k + span % n * (uint64_t)k / n);
}

/* Reads chunks from one end until none is left; 0, or r->rc's codes. */
static int chunks_read(struct chunks *c, struct line_reader *r, int from_back)
{
    for (;;) {
        int k = -1;
        pthread_mutex_lock(&c->mu);
        if (!atomic_load(&c->stop) && c->front <= c->back)
            k = from_back ? c->back-- : c->front++;
        pthread_mutex_unlock(&c->mu);
        if (k < 0)
            return atomic_load(&c->stop) ? -2 : 0;
        r->part = (unsigned)k;
        r->ranged = 1;
        r->lo = chunk_start(c, k);
        r->hi = chunk_start(c, k + 1) - 1;
        int rc = lines_read(r);
        if (rc < 0) {
            atomic_store(&c->stop, 1);
            return rc;
        }
    }
}

struct back_reader {
    struct chunks *chunks;
    struct line_reader r;
};

static void *back_thread(void *arg)
{
    struct back_reader *br = arg;
    br->r.rc = chunks_read(br->chunks, &br->r, 1);
    return NULL;
}

/* A second connection can share the work only for a SQLite database file with a second core.
 * It is used whenever there is one: on a quiet 2-core machine two readers cut the load of 10 M
 * lines from ~5 s to ~3 s; on a busy one they cost up to 1.5 times the CPU time of one reader for
 * about the same wall time. (Deciding by the load average was tried: the load's own recent past
 * counts in it, so back-to-back loads fell back to one reader on an otherwise idle machine.) */
static int readers_wanted; /* store_history_set_readers */

void store_history_set_readers(int n)
{
    readers_wanted = n;
}

static int can_split(struct db *db)
{
    struct stat sb;
    const char *t = db->target;
    if (readers_wanted == 1 || (readers_wanted == 0 && sysconf(_SC_NPROCESSORS_ONLN) < 2))
        return 0;
    /* PostgreSQL: a second server process does half of the server's work. */
    if (db_engine_of(db) == DB_ENGINE_POSTGRES)
        return 1;
    return db_engine_of(db) == DB_ENGINE_SQLITE && *t && strcmp(t, ":memory:") != 0 &&
           strncmp(t, "file:", 5) != 0 && stat(t, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The rowid range of the orders. Two subqueries, not "min(id), max(id)": SQLite answers a lone
 * min() or max() from the end of the rowid B-tree, but both in one SELECT by scanning the whole
 * table (about a second for 10 M lines, before the second reader could start). */
#define SQL_ORDERS_RANGE "SELECT (SELECT min(id) FROM orders), (SELECT max(id) FROM orders)"

/* The rowid range of the orders, when there are enough rows for the chunks; 1 or 0. */
static int orders_range(struct db *db, int64_t *lo, int64_t *hi)
{
    struct ok_err ignored;
    struct db_stmt *st = db_prepare(db, SQL_ORDERS_RANGE, &ignored);
    int ok = 0;
    if (st && db_step(st, &ignored) == DB_ROW && !db_column_is_null(st, 0)) {
        *lo = db_column_i64(st, 0);
        *hi = db_column_i64(st, 1);
        ok = *hi - *lo >= HISTORY_LINE_PARTS;
    }
    db_stmt_free(&st);
    return ok;
}

/* The second reader: its own connection, in a read transaction on the same commit as db's
 * (which must be inside BEGIN, not yet reading), or NULL when that cannot be had. Also reads
 * the rowid range of the orders (in db's transaction) into lo, hi. */
static struct db *twin_open_pg(struct db *db, int64_t *lo, int64_t *hi);

static struct db *twin_open(struct db *db, int64_t *lo, int64_t *hi)
{
    struct ok_err ignored;
    struct db *twin;
    int64_t v1 = 0, v2 = -1;
    struct db_stmt *st = NULL;
    int ok = 0;
    if (db_engine_of(db) == DB_ENGINE_POSTGRES)
        return twin_open_pg(db, lo, hi);
    twin = db_open(db->target, DB_OPEN_READONLY, &ignored);
    if (!twin)
        return NULL;
    if (db_query_i64(twin, "PRAGMA data_version", &v1, &ignored) < 0)
        goto out;
    /* db's read transaction starts here. */
    st = db_prepare(db, SQL_ORDERS_RANGE, &ignored);
    if (!st || db_step(st, &ignored) != DB_ROW || db_column_is_null(st, 0))
        goto out;
    *lo = db_column_i64(st, 0);
    *hi = db_column_i64(st, 1);
    if (db_exec(twin, "BEGIN", &ignored) < 0)
        goto out;
    if (db_query_i64(twin, "PRAGMA data_version", &v2, &ignored) < 0 || v2 != v1) {
        db_exec(twin, "ROLLBACK", &ignored);
        goto out;
    }
    ok = *hi - *lo >= HISTORY_LINE_PARTS;
    if (!ok)
        db_exec(twin, "ROLLBACK", &ignored);
out:
    db_stmt_free(&st);
    if (!ok)
        db_close(&twin);
    return twin;
}

/* PostgreSQL: db (in a REPEATABLE READ transaction that has not read yet) exports its snapshot
 * and the second connection's transaction imports it (SET TRANSACTION SNAPSHOT): both then see
 * exactly the same commit. The second connection also takes db's search_path, which a SET on
 * db may have changed from what the URL gives. */
static struct db *twin_open_pg(struct db *db, int64_t *lo, int64_t *hi)
{
    struct ok_err ignored;
    struct db *twin = NULL;
    struct db_stmt *st = db_prepare(db,
                                    "SELECT pg_export_snapshot(), min(id), max(id), "
                                    "current_setting('search_path') FROM orders",
                                    &ignored),
                   *set = NULL;
    char sql[160];
    int ok = 0, rc = st ? db_step(st, &ignored) : -1;
    if (rc < 0) {
        /* No snapshot to share (a server that cannot export one): the failed statement ended
         * the transaction, which had read nothing yet; one reader in a new one. */
        db_stmt_free(&st);
        db_exec(db, "ROLLBACK; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", &ignored);
        return NULL;
    }
    if (rc != DB_ROW || db_column_is_null(st, 1))
        goto out;
    *lo = db_column_i64(st, 1);
    *hi = db_column_i64(st, 2);
    if (*hi - *lo < HISTORY_LINE_PARTS)
        goto out;
    snprintf(sql, sizeof(sql),
             "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT '%s'",
             db_column_text(st, 0));
    twin = db_pg_open_again(db, DB_OPEN_READONLY, &ignored);
    if (!twin)
        goto out;
    set = db_prepare(twin, "SELECT set_config('search_path', ?, false)", &ignored);
    if (!set)
        goto out;
    db_bind_text(set, 1, db_column_text(st, 3), (size_t)-1);
    if (db_step(set, &ignored) != DB_ROW)
        goto out;
    if (db_exec(twin, sql, &ignored) < 0) {
        db_exec(twin, "ROLLBACK", &ignored);
        goto out;
    }
    ok = 1;
out:
    db_stmt_free(&set);
    db_stmt_free(&st);
    if (!ok)
        db_close(&twin);
    return twin;
}

static int line_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_line l;
    size_t n;
    const char *code;
    l.customer_id = db_column_i64(st, 0);
    l.day = column_day(st, 1);
    l.amount = db_column_i64(st, 2);
    code = db_column_text_len(st, 3, &n);
    l.order_key = store_order_key(code, n);
    l.product_id = column_id(st, 4);
    return s->line(s->ctx, &l, err);
}

/* Runs the other tables' scans (everything but the order lines). */
static int others_scan(struct db *db, const struct history_sink *sink, struct ok_err *err)
{
    if (sink->deal &&
        scan(db,
             "SELECT id, customer_id, kind, stage, opened_at, closed_at, amount, lost_reason_id, "
             "trigger_id, product_id FROM deals ORDER BY id",
             deal_row, sink, err) < 0)
        return -1;
    if (sink->contract &&
        scan(db,
             "SELECT id, customer_id, product_id, start_on, end_on, amount, renewed_from, "
             "end_reason_id FROM contracts ORDER BY id",
             contract_row, sink, err) < 0)
        return -1;
    if (sink->referral &&
        scan(db,
             "SELECT referrer_id, referred_id, referred_on, trigger_id, deal_id FROM referrals "
             "ORDER BY id",
             referral_row, sink, err) < 0)
        return -1;
    if (sink->feedback &&
        scan(db, "SELECT customer_id, kind, score, received_on FROM feedback ORDER BY id",
             feedback_row, sink, err) < 0)
        return -1;
    return 0;
}

int store_history_scan(struct db *db, const struct history_sink *sink, struct ok_err *err)
{
    int rc = -1, started = 0;
    struct db *twin = NULL;
    struct ok_err ignored;
    struct chunks chunks = {.front = 0, .back = HISTORY_LINE_PARTS - 1};
    struct back_reader back = {.chunks = &chunks};
    struct line_reader front = {.db = db, .sink = sink, .stop = &chunks.stop};
    pthread_t th;
    pthread_mutex_init(&chunks.mu, NULL);
    atomic_init(&chunks.stop, 0);
    /* A plain BEGIN is enough for a consistent read on SQLite; it never takes the write lock.
     * PostgreSQL's default isolation takes a new snapshot per statement: one for all. */
    if (db_exec(db,
                db_engine_of(db) == DB_ENGINE_POSTGRES
                    ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                    : "BEGIN",
                err) < 0) {
        pthread_mutex_destroy(&chunks.mu);
        return -1;
    }
    if (sink->lines && can_split(db))
        twin = twin_open(db, &chunks.lo, &chunks.hi);
    if (twin) {
        back.r = (struct line_reader){.db = twin, .sink = sink, .stop = &chunks.stop};
        started = pthread_create(&th, NULL, back_thread, &back) == 0;
    }
    if (sink->customer && customers_scan(db, sink, err) < 0)
        goto out;
    if (!sink->lines && sink->line && scan(db, SQL_LINES, line_row, sink, err) < 0)
        goto out;
    if (others_scan(db, sink, err) < 0)
        goto out;
    if (started) {
        int frc = chunks_read(&chunks, &front, 0);
        pthread_join(th, NULL);
        started = 0;
        if (frc == -1 || back.r.rc == -1) {
            *err = frc == -1 ? front.err : back.r.err;
            goto out;
        }
    } else if (sink->lines) {
        /* One reader: still chunk by chunk when the table is large enough, so that the builder
         * can free each part as soon as it has placed its lines (a lower peak than one part). */
        if (twin || orders_range(db, &chunks.lo, &chunks.hi)) {
            if (chunks_read(&chunks, &front, 0) < 0) {
                *err = front.err;
                goto out;
            }
        } else {
            front.stop = NULL;
            if (lines_read(&front) < 0) {
                *err = front.err;
                goto out;
            }
        }
    }
    rc = 0;
out:
    if (started) {
        atomic_store(&chunks.stop, 1);
        pthread_join(th, NULL);
    }
    db_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", &ignored);
    if (twin) {
        db_exec(twin, "ROLLBACK", &ignored);
        db_close(&twin);
    }
    pthread_mutex_destroy(&chunks.mu);
    return rc;
}
