/*
 * bulk.c - the bulk loader: buffered multi-row INSERTs inside one transaction.
 *
 * Each table has a row buffer (typed values, text in one growable buffer) and prepared
 * statements inserting 1..batch_rows rows at once; a full buffer is written with the full-size
 * statement, a partial one (at the end, or when a child table needs its parents written first)
 * with the statement of its size, prepared once and kept. Binding goes through db.h only, so the
 * loader runs on every engine; the SQLite tuning is skipped elsewhere.
 *
 * On PostgreSQL the same row buffers are turned into COPY text instead (a few MB per table, sent
 * with COPY ... FROM STDIN, parents first); for tables that were empty at bulk_begin the plain
 * indexes (pg_indexes, those not behind a constraint) and foreign keys are dropped and recreated
 * at the end, which re-checks every reference in one pass. Identity sequences are moved past the
 * loader's ids and the loaded tables analysed before the commit.
 */
#include "store/bulk.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/text.h"
#include "db/db_postgres.h"
#include "db/db_sqlite.h"
#include "store/store.h"
#include "core/banned.h"

enum val_type { VAL_NULL, VAL_INT, VAL_TEXT };

enum table_id {
    T_USERS,
    T_PRODUCTS,
    T_CUSTOMERS,
    T_CONTRACTS,
    T_DEALS,
    T_REFERRALS,
    T_ORDERS,
    T_ACTIVITIES,
    T_FEEDBACK,
    T_COUNT
};

struct table_def {
    const char *name;
    const char *columns; /* bound columns, in order */
    int ncols;
    int with_id;         /* first bound column is an id the loader assigns */
    int created_literal; /* append created_at = the load's timestamp as a literal */
    int batch_rows;
    enum table_id parents[4]; /* written before this table's rows; T_COUNT ends the list */
};

/* Batch sizes: larger batches amortise the per-statement cost (measured: 64 rows of orders run
 * about 25 % faster than single rows, 256 rows another ~8 % less CPU than 64) while staying far
 * below SQLite's 32766 parameters. */
static const struct table_def table_defs[T_COUNT] = {
    [T_USERS] = {"users", "id, login, display_name, email, role", 5, 1, 0, 16, {T_COUNT}},
    [T_PRODUCTS] = {"products", "id, sku, name, category, price, tags", 6, 1, 0, 16, {T_COUNT}},
    [T_CUSTOMERS] = {"customers",
                     "id, code, kind, name, name_kana, company, email, phone, postal_code, "
                     "address, birthday, source, referred_by, owner_id, tags, attributes, "
                     "email_consent, unsubscribed_at, cause_id, cause_note, match_name, "
                     "match_kana, match_email, match_phone, created_at, updated_at",
                     26,
                     1,
                     0,
                     32,
                     {T_USERS, T_COUNT}},
    [T_CONTRACTS] = {"contracts",
                     "id, code, customer_id, product_id, start_on, end_on, amount, renewed_from, "
                     "end_reason_id, end_note",
                     10,
                     1,
                     1,
                     32,
                     {T_CUSTOMERS, T_PRODUCTS, T_COUNT}},
    [T_DEALS] = {"deals",
                 "id, code, customer_id, kind, stage, title, amount, opened_at, closed_at, "
                 "owner_id, lost_reason_id, lost_note, trigger_id, product_id",
                 14,
                 1,
                 1,
                 32,
                 {T_CUSTOMERS, T_PRODUCTS, T_USERS, T_COUNT}},
    [T_REFERRALS] = {"referrals",
                     "code, referrer_id, referred_id, prospect_name, referred_on, trigger_id, "
                     "deal_id",
                     7,
                     0,
                     1,
                     32,
                     {T_CUSTOMERS, T_DEALS, T_COUNT}},
    [T_ORDERS] = {"orders",
                  "order_code, line_no, customer_id, ordered_at, product_id, quantity, "
                  "unit_price, amount, channel, store, original_code",
                  11,
                  0,
                  1,
                  256,
                  {T_CUSTOMERS, T_PRODUCTS, T_COUNT}},
    [T_ACTIVITIES] = {"activities",
                      "code, customer_id, user_id, occurred_at, channel, direction, subject, "
                      "body, outcome, deal_id",
                      10,
                      0,
                      1,
                      32,
                      {T_CUSTOMERS, T_USERS, T_DEALS, T_COUNT}},
    [T_FEEDBACK] = {"feedback",
                    "code, customer_id, kind, score, text, received_on",
                    6,
                    0,
                    1,
                    32,
                    {T_CUSTOMERS, T_COUNT}},
};

struct table {
    const struct table_def *def;
    struct db_stmt **stmts; /* stmts[k-1] inserts k rows; prepared on first use */
    int pending;            /* rows buffered */
    int fill;               /* values buffered */
    uint8_t *types;
    int64_t *ints; /* the integer, or for text the offset into text */
    uint32_t *lens;
    struct buf text;
    struct buf copy; /* PostgreSQL: rows in COPY text format, not yet sent */
    int64_t count;
    int64_t next_id;
    int freeze; /* PostgreSQL: truncated in this transaction, COPY writes frozen rows */
};

/* What bulk_finish recreates, in this order: keys (primary and UNIQUE), other indexes, then
 * foreign keys, which need the keys they reference. */
enum dropped_kind { DROPPED_KEY, DROPPED_INDEX, DROPPED_FK, DROPPED_KINDS };

/* An index or constraint dropped at bulk_begin, recreated by bulk_finish. */
struct dropped_index {
    char *sql;
    enum dropped_kind kind;
};

/* Engine settings to restore (SQLite). */
struct saved_settings {
    int saved;
    int64_t synchronous, cache_size, foreign_keys, temp_store, threads;
    char journal_mode[16];
    int journal_changed;
};

/* PostgreSQL: COPY text of one table on its way to the server. */
struct copy_chunk {
    struct copy_chunk *next;
    enum table_id id;
    struct buf data;
};

/* PostgreSQL: the thread that sends the COPY text while the caller makes the next rows, so that
 * the client's work and the server's overlap (sent from the caller's thread, each COPY's end
 * would wait for the server to catch up while the caller waits). It owns the connection from
 * bulk_begin to the end of the rows; chunks go in order, each table's COPY kept open while its
 * chunks follow one another. */
struct sender {
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct copy_chunk *head, *tail, *spare; /* queued (oldest first), buffers to reuse */
    int queued;
    int closing; /* no more chunks: end the open COPY and stop */
    int abort;   /* bulk_abort: drop what is queued, end the open COPY with an error */
    int failed;  /* a COPY failed: err holds why */
    struct ok_err err;
};

struct bulk {
    struct db *db;
    struct sender send;
    int flags;
    struct table tables[T_COUNT];
    struct dropped_index *dropped;
    size_t ndropped, cap_dropped;
    struct saved_settings saved;
    char now[20]; /* created_at of the load, 'YYYY-MM-DD HH:MM:SS' */
    struct buf scratch;
    struct buf keys[4]; /* match keys of one customer */
    int32_t cached_day; /* last day formatted into cached_date */
    char cached_date[10];
};

/* Howard Hinnant's civil_from_days ("chrono-Compatible Low-Level Date Algorithms", 2013): the
 * proleptic Gregorian date of a day count, with no table and no division by variable. */
static void civil_from_days(int32_t z32, int *y, unsigned *m, unsigned *d)
{
    int64_t z = (int64_t)z32 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

int bulk_format_date(int32_t days, char *out)
{
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        memcpy(out, "0000-00-00", 10);
        return 10;
    }
    put2(out, (unsigned)y / 100);
    put2(out + 2, (unsigned)y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    return 10;
}

/* "YYYY-MM-DD HH:MM:SS" (19 bytes, no NUL); the date part is cached because the lines of one
 * order, and the orders of a busy day, share it. */
static void format_datetime(struct bulk *b, int32_t days, int32_t secs, char *out)
{
    if (days != b->cached_day) {
        bulk_format_date(days, b->cached_date);
        b->cached_day = days;
    }
    memcpy(out, b->cached_date, 10);
    if (secs < 0)
        secs = 0;
    out[10] = ' ';
    put2(out + 11, (unsigned)(secs / 3600) % 100);
    out[13] = ':';
    put2(out + 14, (unsigned)(secs / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(secs % 60));
}

/* Keeps sql (taken over) to run at bulk_finish. */
static void dropped_add(struct bulk *b, enum dropped_kind kind, char *sql)
{
    b->dropped = xgrow(b->dropped, &b->cap_dropped, b->ndropped + 1, sizeof(*b->dropped));
    b->dropped[b->ndropped].sql = sql;
    b->dropped[b->ndropped++].kind = kind;
}

/* ---- row buffers ---- */

static void table_init(struct table *t, const struct table_def *def)
{
    size_t nvals = (size_t)def->ncols * (size_t)def->batch_rows;
    memset(t, 0, sizeof(*t));
    t->def = def;
    t->stmts = xcalloc((size_t)def->batch_rows, sizeof(*t->stmts));
    t->types = xcalloc(nvals, sizeof(*t->types));
    t->ints = xcalloc(nvals, sizeof(*t->ints));
    t->lens = xcalloc(nvals, sizeof(*t->lens));
    buf_init(&t->text, 0);
    buf_init(&t->copy, 0);
    t->next_id = 1;
}

static void table_release(struct table *t)
{
    int k;
    if (!t->def)
        return;
    for (k = 0; k < t->def->batch_rows; k++)
        db_stmt_free(&t->stmts[k]);
    free(t->stmts);
    free(t->types);
    free(t->ints);
    free(t->lens);
    buf_release(&t->text);
    buf_release(&t->copy);
    t->def = NULL;
}

static void put_int(struct table *t, int64_t v)
{
    t->types[t->fill] = VAL_INT;
    t->ints[t->fill++] = v;
}

static void put_null(struct table *t)
{
    t->types[t->fill++] = VAL_NULL;
}

static void put_text_n(struct table *t, const char *s, size_t n)
{
    if (!s || !n) {
        put_null(t);
        return;
    }
    t->types[t->fill] = VAL_TEXT;
    t->ints[t->fill] = (int64_t)t->text.len;
    t->lens[t->fill++] = (uint32_t)n;
    buf_append(&t->text, s, n);
}

static void put_text(struct table *t, const char *s)
{
    put_text_n(t, s, s ? strlen(s) : 0);
}

/* NOT NULL text columns with a default: "" instead of NULL. */
static void put_text_nn(struct table *t, const char *s, const char *dflt)
{
    if (!s || !*s)
        s = dflt;
    t->types[t->fill] = VAL_TEXT;
    t->ints[t->fill] = (int64_t)t->text.len;
    t->lens[t->fill++] = (uint32_t)strlen(s);
    buf_append(&t->text, s, strlen(s));
}

static void put_id(struct table *t, int64_t id)
{
    if (id > 0)
        put_int(t, id);
    else
        put_null(t);
}

static void put_date(struct table *t, int32_t days)
{
    char s[10];
    if (days == BULK_NO_DATE) {
        put_null(t);
        return;
    }
    bulk_format_date(days, s);
    put_text_n(t, s, 10);
}

static void put_datetime(struct bulk *b, struct table *t, int32_t days, int32_t secs)
{
    char s[19];
    format_datetime(b, days, secs, s);
    put_text_n(t, s, 19);
}

static int build_insert(struct bulk *b, const struct table_def *def, int rows, struct buf *sql)
{
    int r, c;
    buf_printf(sql, "INSERT INTO %s(%s%s) VALUES ", def->name, def->columns,
               def->created_literal ? ", created_at" : "");
    for (r = 0; r < rows; r++) {
        buf_puts(sql, r ? ",(" : "(");
        for (c = 0; c < def->ncols; c++)
            buf_puts(sql, c ? ",?" : "?");
        if (def->created_literal)
            buf_printf(sql, ",'%s'", b->now);
        buf_putc(sql, ')');
    }
    return sql->failed ? -1 : 0;
}

/* ---- PostgreSQL: COPY ---- */

/* COPY text per table is sent once it reaches this size (and at the end). */
#define COPY_SEND_BYTES (4u << 20)

static int is_pg(const struct bulk *b)
{
    return db_engine_of(b->db) == DB_ENGINE_POSTGRES;
}

static void copy_put_int(struct buf *out, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof(tmp) - 1 - n++] = '-';
    buf_append(out, tmp + sizeof(tmp) - n, (size_t)n);
}

/* Moves the buffered rows of t into its COPY text. */
static void table_to_copy(struct bulk *b, struct table *t)
{
    int col = 0;
    for (int i = 0; i < t->fill; i++) {
        switch (t->types[i]) {
        case VAL_INT:
            copy_put_int(&t->copy, t->ints[i]);
            break;
        case VAL_TEXT:
            db_pg_copy_escape(&t->copy, t->text.data + t->ints[i], t->lens[i]);
            break;
        default:
            buf_append(&t->copy, "\\N", 2);
            break;
        }
        if (++col < t->def->ncols) {
            buf_putc(&t->copy, '\t');
            continue;
        }
        if (t->def->created_literal) {
            buf_putc(&t->copy, '\t');
            buf_puts(&t->copy, b->now);
        }
        buf_putc(&t->copy, '\n');
        col = 0;
    }
    t->pending = 0;
    t->fill = 0;
    buf_reset(&t->text);
}

/* Chunks queued at most: enough to ride out the server's pauses, ~16 MB of memory. */
#define SEND_QUEUE_MAX 4

/* Ends the COPY open on the connection; with why, the server discards its rows. */
static int copy_close(struct bulk *b, enum table_id id, const char *why, struct ok_err *err)
{
    if (why) {
        db_pg_copy_abort(b->db, why);
        return 0;
    }
    if (db_pg_copy_end(b->db, NULL, err) < 0) {
        ok_err_prefix(err, "bulk load of %s", table_defs[id].name);
        return -1;
    }
    return 0;
}

static int copy_open(struct bulk *b, enum table_id id, struct ok_err *err)
{
    const struct table_def *def = &table_defs[id];
    char sql[512];
    snprintf(sql, sizeof(sql), "COPY %s(%s%s) FROM STDIN%s", def->name, def->columns,
             def->created_literal ? ", created_at" : "",
             b->tables[id].freeze ? " WITH (FREEZE)" : "");
    if (db_pg_copy_begin(b->db, sql, err) < 0) {
        ok_err_prefix(err, "bulk load of %s", def->name);
        return -1;
    }
    return 0;
}

static void *sender_main(void *arg)
{
    struct bulk *b = arg;
    struct sender *q = &b->send;
    int open = -1; /* the table whose COPY is open */
    pthread_mutex_lock(&q->mu);
    for (;;) {
        struct copy_chunk *c;
        while (!q->head && !q->closing && !q->abort)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->abort || (!q->head && q->closing))
            break;
        c = q->head;
        q->head = c->next;
        if (!q->head)
            q->tail = NULL;
        q->queued--;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        struct ok_err err = {0};
        int rc = 0;
        if (!q->failed) {
            if (open >= 0 && open != (int)c->id) {
                rc = copy_close(b, (enum table_id)open, NULL, &err);
                open = -1;
            }
            if (rc == 0 && open < 0) {
                rc = copy_open(b, c->id, &err);
                if (rc == 0)
                    open = (int)c->id;
            }
            if (rc == 0 && db_pg_copy_data(b->db, c->data.data, c->data.len, &err) < 0) {
                ok_err_prefix(&err, "bulk load of %s", table_defs[c->id].name);
                rc = -1;
            }
            if (rc < 0 && open >= 0) {
                copy_close(b, (enum table_id)open, "failed", NULL);
                open = -1;
            }
        }
        pthread_mutex_lock(&q->mu);
        if (rc < 0 && !q->failed) {
            q->failed = 1;
            q->err = err;
            pthread_cond_broadcast(&q->cv);
        }
        buf_reset(&c->data);
        c->next = q->spare;
        q->spare = c;
    }
    pthread_mutex_unlock(&q->mu);
    if (open >= 0) {
        struct ok_err err = {0};
        if (q->abort) {
            copy_close(b, (enum table_id)open, "aborted", NULL);
        } else if (copy_close(b, (enum table_id)open, NULL, &err) < 0) {
            pthread_mutex_lock(&q->mu);
            q->failed = 1;
            q->err = err;
            pthread_mutex_unlock(&q->mu);
        }
    }
    return NULL;
}

static int sender_start(struct bulk *b, struct ok_err *err)
{
    struct sender *q = &b->send;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    if (pthread_create(&q->thread, NULL, sender_main, b) != 0) {
        pthread_mutex_destroy(&q->mu);
        pthread_cond_destroy(&q->cv);
        return ok_err_set(err, OK_ERR_INTERNAL, "bulk load: cannot start the sending thread");
    }
    q->started = 1;
    return 0;
}

/* Waits for the sender to finish (abort: to drop what is queued) and frees the queue. Returns
 * 0, or -1 with the sender's error. */
static int sender_stop(struct bulk *b, int abort, struct ok_err *err)
{
    struct sender *q = &b->send;
    struct copy_chunk *c, *next;
    int rc = 0;
    if (!q->started)
        return 0;
    pthread_mutex_lock(&q->mu);
    q->closing = 1;
    q->abort = abort;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    q->started = 0;
    if (q->failed && !abort) {
        *err = q->err;
        rc = -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (c = pass ? q->spare : q->head; c; c = next) {
            next = c->next;
            buf_release(&c->data);
            free(c);
        }
    }
    q->head = q->tail = q->spare = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    return rc;
}

/* Hands t's COPY text to the sender (waiting while the queue is full), taking a spare buffer
 * in its place. */
static int sender_put(struct bulk *b, enum table_id id, struct ok_err *err)
{
    struct sender *q = &b->send;
    struct table *t = &b->tables[id];
    struct copy_chunk *c;
    pthread_mutex_lock(&q->mu);
    while (q->queued >= SEND_QUEUE_MAX && !q->failed)
        pthread_cond_wait(&q->cv, &q->mu);
    if (q->failed) {
        *err = q->err;
        pthread_mutex_unlock(&q->mu);
        return -1;
    }
    c = q->spare;
    if (c)
        q->spare = c->next;
    else
        c = xcalloc(1, sizeof(*c));
    c->next = NULL;
    c->id = id;
    struct buf full = t->copy;
    t->copy = c->data; /* empty: a spare buffer keeps its capacity */
    if (!t->copy.data)
        buf_init(&t->copy, 0);
    c->data = full;
    if (q->tail)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
    q->queued++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

/* Sends t's COPY text, after its parents' so that foreign keys that are kept hold. */
static int copy_send(struct bulk *b, enum table_id id, struct ok_err *err)
{
    struct table *t = &b->tables[id];
    const struct table_def *def = t->def;
    if (t->pending)
        table_to_copy(b, t);
    if (t->copy.len == 0)
        return 0;
    for (int i = 0; i < 4 && def->parents[i] != T_COUNT; i++)
        if (copy_send(b, def->parents[i], err) < 0)
            return -1;
    if (t->copy.failed)
        return ok_err_set(err, OK_ERR_LIMIT, "bulk load of %s: COPY buffer too large", def->name);
    return sender_put(b, id, err);
}

/* Runs sql (no parameters; rows: table, name, definition, all quoted as needed) and keeps the
 * statement that recreates each object (of kind) for bulk_finish; appends the statements that
 * drop them to drops. */
static int pg_collect(struct bulk *b, const char *sql, enum dropped_kind kind, struct buf *drops,
                      struct ok_err *err)
{
    struct db_stmt *st = db_prepare(b->db, sql, err);
    int rc;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        const char *table = db_column_text(st, 0), *name = db_column_text(st, 1);
        struct buf re;
        buf_init(&re, 0);
        if (kind == DROPPED_INDEX) {
            buf_puts(&re, db_column_text(st, 2));
            buf_printf(drops, "DROP INDEX %s;\n", name);
        } else {
            buf_printf(&re, "ALTER TABLE %s ADD CONSTRAINT %s %s", table, name,
                       db_column_text(st, 2));
            buf_printf(drops, "ALTER TABLE %s DROP CONSTRAINT %s;\n", table, name);
        }
        dropped_add(b, kind, buf_detach(&re, NULL));
        buf_release(&re);
    }
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

/* The loaded tables are locked against other writers for the whole load (readers go on), so
 * that "empty" and the largest ids stay true until the commit, as SQLite's write lock makes
 * them. */
static int pg_lock_tables(struct bulk *b, struct ok_err *err)
{
    struct buf sql;
    int rc;
    buf_init(&sql, 0);
    buf_puts(&sql, "LOCK TABLE ");
    for (int k = 0; k < T_COUNT; k++)
        buf_printf(&sql, "%s%s", k ? ", " : "", table_defs[k].name);
    buf_puts(&sql, " IN EXCLUSIVE MODE");
    rc = db_exec(b->db, sql.data, err);
    buf_release(&sql);
    return rc;
}

/* Prepares the tables that are empty (bit k of empty: table k) for a load at full speed: drops
 * every foreign key from or to them, their primary keys and UNIQUE constraints and their other
 * indexes, keeping the SQL that recreates them at the end (a sorted build per index instead of
 * millions of random B-tree inserts, one pass per foreign key instead of a lookup per row);
 * then truncates them, which gives them new files in this transaction, so that COPY may write
 * their rows frozen (no second write of every page to set hint bits when they are first read,
 * no freezing vacuum later) and, where the server runs with wal_level=minimal, without WAL. */
static int pg_prepare_empty(struct bulk *b, unsigned empty, struct ok_err *err)
{
    struct buf in, sql, drops;
    int rc = -1;
    buf_init(&in, 0);
    buf_init(&sql, 0);
    buf_init(&drops, 0);
    for (int k = 0; k < T_COUNT; k++)
        if (empty & (1u << k))
            buf_printf(&in, "%s'%s'::regclass", in.len ? ", " : "", table_defs[k].name);
    /* Foreign keys first: the keys they reference cannot be dropped while they exist. */
    buf_printf(&sql,
               "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
               "FROM pg_constraint WHERE contype = 'f' AND (conrelid IN (%s) OR confrelid IN "
               "(%s)) ORDER BY 1, 2",
               in.data, in.data);
    if (sql.failed || pg_collect(b, sql.data, DROPPED_FK, &drops, err) < 0)
        goto out;
    buf_reset(&sql);
    buf_printf(&sql,
               "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
               "FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid IN (%s) ORDER BY 1, 2",
               in.data);
    if (sql.failed || pg_collect(b, sql.data, DROPPED_KEY, &drops, err) < 0)
        goto out;
    buf_reset(&sql);
    buf_printf(&sql,
               "SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, "
               "pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid IN (%s) AND NOT "
               "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND "
               "c.contype IN ('p', 'u', 'x')) ORDER BY 1, 2",
               in.data);
    if (sql.failed || pg_collect(b, sql.data, DROPPED_INDEX, &drops, err) < 0)
        goto out;
    /* One round trip: the drops, then the truncation (nothing refers to the tables now). */
    buf_puts(&drops, "TRUNCATE ");
    for (int k = 0, n = 0; k < T_COUNT; k++)
        if (empty & (1u << k))
            buf_printf(&drops, "%s%s", n++ ? ", " : "", table_defs[k].name);
    if (drops.failed) {
        ok_err_set(err, OK_ERR_INTERNAL, "bulk load: statement too long");
        goto out;
    }
    if (db_exec(b->db, drops.data, err) < 0)
        goto out;
    for (int k = 0; k < T_COUNT; k++)
        if (empty & (1u << k))
            b->tables[k].freeze = 1;
    rc = 0;
out:
    buf_release(&in);
    buf_release(&sql);
    buf_release(&drops);
    return rc;
}

/* The dropped indexes are rebuilt by sorting, and the foreign keys checked by hashing the keys
 * they reference: in memory rather than on disk where the load is large (the server's default,
 * 64 MB, is meant for many sessions at once; a load runs alone). */
static int pg_before_builds(struct bulk *b, struct ok_err *err)
{
    int64_t most = 0;
    char sql[80];
    for (int k = 0; k < T_COUNT; k++)
        if (b->tables[k].count > most)
            most = b->tables[k].count;
    if (most < 1000000)
        return 0;
    snprintf(sql, sizeof(sql), "SET LOCAL maintenance_work_mem = '%dMB'",
             most < 4000000 ? 256 : 1024);
    return db_exec(b->db, sql, err);
}

/* Before the commit: identity sequences past the loader's ids (the next ordinary insert must
 * not collide), planner statistics for the loaded tables. */
static int pg_after_load(struct bulk *b, struct ok_err *err)
{
    struct buf tables;
    char sql[256];
    int64_t ignored;
    int rc = 0;
    buf_init(&tables, 0);
    for (int k = 0; k < T_COUNT; k++) {
        const struct table_def *def = &table_defs[k];
        if (b->tables[k].count == 0)
            continue;
        buf_printf(&tables, "%s%s", tables.len ? ", " : "", def->name);
        if (!def->with_id)
            continue;
        snprintf(sql, sizeof(sql),
                 "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))",
                 def->name, def->name);
        if (db_query_i64(b->db, sql, &ignored, err) < 0) {
            rc = -1;
            goto out;
        }
    }
    if (tables.len) {
        snprintf(sql, sizeof(sql), "ANALYZE %s", tables.data);
        rc = db_exec(b->db, sql, err);
    }
out:
    buf_release(&tables);
    return rc;
}

/* Writes the buffered rows of t (after those of its parents, so that foreign keys hold at the
 * end of every statement). */
static int table_flush(struct bulk *b, enum table_id id, struct ok_err *err)
{
    struct table *t = &b->tables[id];
    const struct table_def *def = t->def;
    struct db_stmt *st;
    int i, k = t->pending, sqlite = db_engine_of(b->db) == DB_ENGINE_SQLITE;
    if (k == 0)
        return 0;
    if (is_pg(b)) {
        table_to_copy(b, t);
        return t->copy.len >= COPY_SEND_BYTES ? copy_send(b, id, err) : 0;
    }
    for (i = 0; i < 4 && def->parents[i] != T_COUNT; i++)
        if (b->tables[def->parents[i]].pending && table_flush(b, def->parents[i], err) < 0)
            return -1;
    st = t->stmts[k - 1];
    if (!st) {
        struct buf sql;
        buf_init(&sql, 0);
        if (build_insert(b, def, k, &sql) < 0) {
            buf_release(&sql);
            return ok_err_set(err, OK_ERR_INTERNAL, "bulk insert statement too long");
        }
        st = db_prepare(b->db, sql.data, err);
        buf_release(&sql);
        if (!st)
            return -1;
        t->stmts[k - 1] = st;
    }
    for (i = 0; i < t->fill; i++) {
        switch (t->types[i]) {
        case VAL_INT:
            db_bind_i64(st, i + 1, t->ints[i]);
            break;
        case VAL_TEXT:
            /* t->text is left alone until the statement has run: no copy on SQLite. */
            if (sqlite)
                db_sqlite_bind_text_static(st, i + 1, t->text.data + t->ints[i], t->lens[i]);
            else
                db_bind_text(st, i + 1, t->text.data + t->ints[i], t->lens[i]);
            break;
        default:
            db_bind_null(st, i + 1);
            break;
        }
    }
    if (db_step(st, err) < 0) {
        db_reset(st);
        ok_err_prefix(err, "bulk load of %s", def->name);
        return -1;
    }
    db_reset(st);
    t->pending = 0;
    t->fill = 0;
    buf_reset(&t->text);
    return 0;
}

static int row_end(struct bulk *b, enum table_id id, struct ok_err *err)
{
    struct table *t = &b->tables[id];
    t->pending++;
    t->count++;
    if (t->pending == t->def->batch_rows)
        return table_flush(b, id, err);
    return 0;
}

/* ---- engine tuning (SQLite only) ---- */

static int is_sqlite(const struct bulk *b)
{
    return db_engine_of(b->db) == DB_ENGINE_SQLITE;
}

static int query_text(struct db *db, const char *sql, char *out, size_t size, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    int rc;
    if (!st)
        return -1;
    rc = db_step(st, err);
    if (rc == DB_ROW)
        snprintf(out, size, "%s", db_column_text(st, 0));
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

/* Settings that cannot change inside a transaction (journal mode, foreign keys) are set here,
 * before BEGIN. */
static int tune_before(struct bulk *b, struct ok_err *err)
{
    struct saved_settings *s = &b->saved;
    char buf[64];
    if (!is_sqlite(b))
        return 0;
    if (db_query_i64(b->db, "PRAGMA synchronous", &s->synchronous, err) < 0 ||
        db_query_i64(b->db, "PRAGMA cache_size", &s->cache_size, err) < 0 ||
        db_query_i64(b->db, "PRAGMA foreign_keys", &s->foreign_keys, err) < 0 ||
        db_query_i64(b->db, "PRAGMA temp_store", &s->temp_store, err) < 0 ||
        db_query_i64(b->db, "PRAGMA threads", &s->threads, err) < 0 ||
        query_text(b->db, "PRAGMA journal_mode", s->journal_mode, sizeof(s->journal_mode), err) < 0)
        return -1;
    s->saved = 1;
    /* A crash during the load loses the load, which is rolled back or redone anyway; no fsync
     * saves nothing worth keeping. 256 MiB of page cache keeps the hot end of every B-tree in
     * memory. temp_store stays as it is: in memory, sorting 10 M index entries would lift the
     * peak to ~900 MB; SQLite's sorter spills to temporary files instead. */
    if (db_exec(b->db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144", err) < 0)
        return -1;
    /* The index rebuilds at the end sort in helper threads (SQLite's multi-threaded sorter). */
    {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        snprintf(buf, sizeof(buf), "PRAGMA threads=%ld", cpus > 1 ? (cpus < 4 ? cpus : 4) : 0);
        if (db_exec(b->db, buf, err) < 0)
            return -1;
    }
    if (b->flags & BULK_TRUST_REFERENCES) {
        if (db_exec(b->db, "PRAGMA foreign_keys=OFF", err) < 0)
            return -1;
    }
    /* In WAL mode every page is written twice (log, then checkpoint). A rollback journal writes
     * new pages once. Switching needs the only connection; if another one is open we keep WAL. */
    if (!strcmp(s->journal_mode, "wal")) {
        struct ok_err ignored;
        if (query_text(b->db, "PRAGMA journal_mode=DELETE", buf, sizeof(buf), &ignored) == 0 &&
            !strcmp(buf, "delete"))
            s->journal_changed = 1;
    }
    return 0;
}

static void restore_settings(struct bulk *b)
{
    struct saved_settings *s = &b->saved;
    struct ok_err ignored;
    char sql[200], out[32];
    if (!s->saved)
        return;
    snprintf(sql, sizeof(sql),
             "PRAGMA synchronous=%lld; PRAGMA cache_size=%lld; PRAGMA temp_store=%lld; "
             "PRAGMA foreign_keys=%lld; PRAGMA threads=%lld",
             (long long)s->synchronous, (long long)s->cache_size, (long long)s->temp_store,
             (long long)s->foreign_keys, (long long)s->threads);
    db_exec(b->db, sql, &ignored);
    if (s->journal_changed) {
        snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", s->journal_mode);
        query_text(b->db, sql, out, sizeof(out), &ignored);
    }
    s->saved = 0;
}

/* Drops the secondary indexes of an empty table, keeping their SQL to recreate them. Indexes
 * behind UNIQUE constraints have no SQL in sqlite_master and stay. */
static int drop_indexes(struct bulk *b, const char *table, struct ok_err *err)
{
    struct db_stmt *st;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    st = db_prepare(b->db,
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL",
                    err);
    if (!st)
        return -1;
    db_bind_text(st, 1, table, (size_t)-1);
    while ((rc = db_step(st, err)) == DB_ROW) {
        names = xgrow(names, &cap, n + 1, sizeof(*names));
        names[n++] = xstrdup(db_column_text(st, 0));
        dropped_add(b, DROPPED_INDEX, xstrdup(db_column_text(st, 1)));
    }
    db_stmt_free(&st);
    for (i = 0; i < n; i++) {
        char sql[200];
        snprintf(sql, sizeof(sql), "DROP INDEX \"%s\"", names[i]);
        if (rc >= 0 && db_exec(b->db, sql, err) < 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc < 0 ? -1 : 0;
}

static int prepare_tables(struct bulk *b, struct ok_err *err)
{
    unsigned empty = 0;
    int i;
    if (is_pg(b) && pg_lock_tables(b, err) < 0)
        return -1;
    for (i = 0; i < T_COUNT; i++) {
        struct table *t = &b->tables[i];
        char sql[160];
        int64_t v = 0;
        table_init(t, &table_defs[i]);
        if (t->def->with_id) {
            snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0) FROM %s", t->def->name);
            if (db_query_i64(b->db, sql, &v, err) < 0)
                return -1;
            t->next_id = v + 1;
        }
        if (!(b->flags & BULK_KEEP_INDEXES)) {
            snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM %s)", t->def->name);
            if (db_query_i64(b->db, sql, &v, err) < 0)
                return -1;
            if (!v && is_sqlite(b) && drop_indexes(b, t->def->name, err) < 0)
                return -1;
            if (!v && is_pg(b))
                empty |= 1u << i;
        }
    }
    if (empty && pg_prepare_empty(b, empty, err) < 0)
        return -1;
    return 0;
}

struct bulk *bulk_begin(struct db *db, int flags, struct ok_err *err)
{
    struct bulk *b;
    int i;
    if (db->tx_depth > 0) {
        ok_err_set(err, OK_ERR_INTERNAL, "bulk load started inside a transaction");
        return NULL;
    }
    b = xcalloc(1, sizeof(*b));
    b->db = db;
    b->flags = flags;
    b->cached_day = BULK_NO_DATE;
    store_now_utc(b->now);
    buf_init(&b->scratch, 0);
    for (i = 0; i < 4; i++)
        buf_init(&b->keys[i], 0);
    if (tune_before(b, err) < 0)
        goto fail;
    if (db_begin(db, err) < 0)
        goto fail;
    if (prepare_tables(b, err) < 0)
        goto fail;
    if (is_pg(b) && sender_start(b, err) < 0)
        goto fail;
    return b;
fail:
    bulk_abort(&b);
    return NULL;
}

static void bulk_free(struct bulk *b)
{
    size_t i;
    int k;
    for (k = 0; k < T_COUNT; k++)
        table_release(&b->tables[k]);
    for (i = 0; i < b->ndropped; i++)
        free(b->dropped[i].sql);
    free(b->dropped);
    buf_release(&b->scratch);
    for (k = 0; k < 4; k++)
        buf_release(&b->keys[k]);
    free(b);
}

void bulk_abort(struct bulk **pb)
{
    struct bulk *b = *pb;
    int k;
    if (!b)
        return;
    sender_stop(b, 1, NULL);
    /* Statements must be finished before ROLLBACK can undo the schema changes. */
    for (k = 0; k < T_COUNT; k++)
        table_release(&b->tables[k]);
    if (b->db->tx_depth > 0)
        db_rollback(b->db);
    restore_settings(b);
    bulk_free(b);
    *pb = NULL;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bulk_finish(struct bulk **pb, struct ok_err *err)
{
    struct bulk *b = *pb;
    size_t i;
    int k;
    double t0 = seconds_now(), t1, t2, t3;
    for (k = 0; k < T_COUNT; k++)
        if (table_flush(b, (enum table_id)k, err) < 0)
            goto fail;
    for (k = 0; is_pg(b) && k < T_COUNT; k++)
        if (copy_send(b, (enum table_id)k, err) < 0)
            goto fail;
    if (sender_stop(b, 0, err) < 0)
        goto fail;
    for (k = 0; k < T_COUNT; k++)
        table_release(&b->tables[k]);
    t1 = seconds_now();
    if (is_pg(b) && b->ndropped && pg_before_builds(b, err) < 0)
        goto fail;
    for (int kind = 0; kind < DROPPED_KINDS; kind++) {
        for (i = 0; i < b->ndropped; i++) {
            double ti = seconds_now();
            if (b->dropped[i].kind != (enum dropped_kind)kind)
                continue;
            if (db_exec(b->db, b->dropped[i].sql, err) < 0)
                goto fail;
            log_debug("bulk: %.2fs %s", seconds_now() - ti, b->dropped[i].sql);
        }
    }
    if (is_pg(b) && pg_after_load(b, err) < 0)
        goto fail;
    t2 = seconds_now();
    if (db_commit(b->db, err) < 0)
        goto fail;
    t3 = seconds_now();
    restore_settings(b);
    log_debug("bulk: flush %.2fs, %zu indexes %.2fs, commit %.2fs, restore %.2fs", t1 - t0,
              b->ndropped, t2 - t1, t3 - t2, seconds_now() - t3);
    bulk_free(b);
    *pb = NULL;
    return 0;
fail:
    bulk_abort(pb);
    return -1;
}

void bulk_get_counts(const struct bulk *b, struct bulk_counts *out)
{
    out->users = b->tables[T_USERS].count;
    out->products = b->tables[T_PRODUCTS].count;
    out->customers = b->tables[T_CUSTOMERS].count;
    out->order_lines = b->tables[T_ORDERS].count;
    out->deals = b->tables[T_DEALS].count;
    out->contracts = b->tables[T_CONTRACTS].count;
    out->referrals = b->tables[T_REFERRALS].count;
    out->activities = b->tables[T_ACTIVITIES].count;
    out->feedback = b->tables[T_FEEDBACK].count;
}

/* ---- rows ---- */

int64_t bulk_user(struct bulk *b, const struct bulk_user *u, struct ok_err *err)
{
    struct table *t = &b->tables[T_USERS];
    int64_t id = t->next_id++;
    put_int(t, id);
    put_text_nn(t, u->login, "");
    put_text_nn(t, u->display_name, "");
    put_text(t, u->email);
    put_text_nn(t, u->role, "staff");
    return row_end(b, T_USERS, err) < 0 ? -1 : id;
}

int64_t bulk_product(struct bulk *b, const struct bulk_product *p, struct ok_err *err)
{
    struct table *t = &b->tables[T_PRODUCTS];
    int64_t id = t->next_id++;
    put_int(t, id);
    put_text_nn(t, p->sku, "");
    put_text_nn(t, p->name, "");
    put_text(t, p->category);
    if (p->price >= 0)
        put_int(t, p->price);
    else
        put_null(t);
    put_text_nn(t, p->tags, "");
    return row_end(b, T_PRODUCTS, err) < 0 ? -1 : id;
}

int64_t bulk_customer(struct bulk *b, const struct bulk_customer *c, struct ok_err *err)
{
    struct table *t = &b->tables[T_CUSTOMERS];
    struct buf *k = b->keys;
    int64_t id = t->next_id++;
    int j;
    char at[19];
    for (j = 0; j < 4; j++)
        buf_reset(&k[j]);
    /* The same folded keys and stored forms as store/customer.c writes. */
    if (c->name)
        text_fold_for_match(&k[0], c->name, strlen(c->name));
    if (c->name_kana)
        text_fold_for_match(&k[1], c->name_kana, strlen(c->name_kana));
    if (c->email && text_email_normalize(&k[2], c->email, strlen(c->email)) < 0)
        buf_reset(&k[2]);
    if (c->phone && text_phone_normalize(&k[3], c->phone, strlen(c->phone)) < 0)
        buf_reset(&k[3]);
    put_int(t, id);
    put_text_nn(t, c->code, "");
    put_text_nn(t, c->kind, "person");
    put_text_nn(t, c->name, "");
    put_text(t, c->name_kana);
    put_text(t, c->company);
    put_text(t, c->email);
    if (k[3].len)
        put_text_n(t, k[3].data, k[3].len); /* the stored form is the normalised one */
    else
        put_text(t, c->phone);
    if (c->postal_code) {
        buf_reset(&b->scratch);
        if (text_postal_normalize(&b->scratch, c->postal_code, strlen(c->postal_code)) == 0)
            put_text_n(t, b->scratch.data, b->scratch.len);
        else
            put_text(t, c->postal_code);
    } else {
        put_null(t);
    }
    put_text(t, c->address);
    put_date(t, c->birthday);
    put_text(t, c->source);
    put_id(t, c->referred_by);
    put_id(t, c->owner_id);
    put_text_nn(t, c->tags, "");
    put_text_nn(t, c->attributes, "{}");
    put_int(t, c->email_consent ? 1 : 0);
    put_date(t, c->unsubscribed_on);
    put_id(t, c->cause_id);
    put_text(t, c->cause_note);
    for (j = 0; j < 4; j++)
        put_text_nn(t, k[j].data, "");
    format_datetime(b, c->created_on, c->created_secs, at);
    put_text_n(t, at, 19);
    put_text_n(t, at, 19);
    return row_end(b, T_CUSTOMERS, err) < 0 ? -1 : id;
}

int bulk_order_line(struct bulk *b, const struct bulk_order_line *o, struct ok_err *err)
{
    struct table *t = &b->tables[T_ORDERS];
    put_text_nn(t, o->order_code, "");
    put_int(t, o->line_no);
    put_int(t, o->customer_id);
    put_datetime(b, t, o->day, o->secs);
    put_id(t, o->product_id);
    put_int(t, o->quantity);
    put_int(t, o->unit_price);
    put_int(t, o->amount);
    put_text(t, o->channel);
    put_text(t, o->store);
    put_text(t, o->original_code);
    return row_end(b, T_ORDERS, err);
}

int64_t bulk_deal(struct bulk *b, const struct bulk_deal *d, struct ok_err *err)
{
    struct table *t = &b->tables[T_DEALS];
    int64_t id = t->next_id++;
    put_int(t, id);
    put_text(t, d->code);
    put_int(t, d->customer_id);
    put_text_nn(t, d->kind, "new");
    put_text_nn(t, d->stage, "open");
    put_text_nn(t, d->title, "");
    put_int(t, d->amount);
    put_date(t, d->opened_on);
    put_date(t, d->closed_on);
    put_id(t, d->owner_id);
    put_id(t, d->lost_reason_id);
    put_text(t, d->lost_note);
    put_id(t, d->trigger_id);
    put_id(t, d->product_id);
    return row_end(b, T_DEALS, err) < 0 ? -1 : id;
}

int64_t bulk_contract(struct bulk *b, const struct bulk_contract *c, struct ok_err *err)
{
    struct table *t = &b->tables[T_CONTRACTS];
    int64_t id = t->next_id++;
    put_int(t, id);
    put_text(t, c->code);
    put_int(t, c->customer_id);
    put_id(t, c->product_id);
    put_date(t, c->start_on);
    put_date(t, c->end_on);
    put_int(t, c->amount);
    put_id(t, c->renewed_from);
    put_id(t, c->end_reason_id);
    put_text(t, c->end_note);
    return row_end(b, T_CONTRACTS, err) < 0 ? -1 : id;
}

int bulk_referral(struct bulk *b, const struct bulk_referral *r, struct ok_err *err)
{
    struct table *t = &b->tables[T_REFERRALS];
    put_text(t, r->code);
    put_int(t, r->referrer_id);
    put_id(t, r->referred_id);
    put_text(t, r->prospect_name);
    put_date(t, r->referred_on);
    put_id(t, r->trigger_id);
    put_id(t, r->deal_id);
    return row_end(b, T_REFERRALS, err);
}

int bulk_activity(struct bulk *b, const struct bulk_activity *a, struct ok_err *err)
{
    struct table *t = &b->tables[T_ACTIVITIES];
    put_text(t, a->code);
    put_int(t, a->customer_id);
    put_id(t, a->user_id);
    put_datetime(b, t, a->day, a->secs);
    put_text_nn(t, a->channel, "other");
    put_text_nn(t, a->direction, "out");
    put_text_nn(t, a->subject, "");
    put_text_nn(t, a->body, "");
    put_text(t, a->outcome);
    put_id(t, a->deal_id);
    return row_end(b, T_ACTIVITIES, err);
}

int bulk_feedback(struct bulk *b, const struct bulk_feedback *f, struct ok_err *err)
{
    struct table *t = &b->tables[T_FEEDBACK];
    put_text(t, f->code);
    put_int(t, f->customer_id);
    put_text_nn(t, f->kind, "satisfaction");
    if (f->score >= 0)
        put_int(t, f->score);
    else
        put_null(t);
    put_text_nn(t, f->text, "");
    put_date(t, f->received_on);
    return row_end(b, T_FEEDBACK, err);
}
