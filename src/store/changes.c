/*
 * changes.c - the cross-process change listener (see changes.h).
 */
#include "store/changes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "db/db_postgres.h"
#include "core/banned.h"

#define CHANNEL "okaeri_changes"
/* Any constant distinct from the migration lock's (db/migrate.c). */
#define INSTALL_LOCK_KEY "7380526455"

/* The tables whose writes change what the ledger snapshot and the reports show. Sessions,
 * tokens, the audit log and the outbox change on every request and are left out. */
static const char *const watched[] = {"customers", "orders",   "deals",        "contracts",
                                      "referrals", "feedback", "settings",     "products",
                                      "users",     "causes",   "lost_reasons", "triggers"};

struct changes {
    struct db *db; /* the listening connection (PostgreSQL), NULL on SQLite */
    pthread_mutex_t mu;
    char origin[64];
    int pending; /* foreign notifications seen since the last poll */
    uint64_t seen;
};

int changes_install(struct db *db, struct ok_err *err)
{
    struct ok_err ignored;
    struct buf sql;
    int rc;
    if (db_engine_of(db) != DB_ENGINE_POSTGRES)
        return 0;
    buf_init(&sql, 0);
    /* One DO block: creates what is missing, in one transaction, under a lock so that servers
     * starting together do not race on CREATE FUNCTION. */
    buf_puts(&sql, "BEGIN; SELECT pg_advisory_xact_lock(" INSTALL_LOCK_KEY ");\n"
                   "CREATE OR REPLACE FUNCTION okaeri_changed() RETURNS trigger LANGUAGE plpgsql "
                   "AS $f$ BEGIN PERFORM pg_notify('" CHANNEL "', "
                   "coalesce(current_setting('okaeri.origin', true), '')); RETURN NULL; END $f$;\n"
                   "DO $d$ DECLARE t text; BEGIN FOREACH t IN ARRAY ARRAY[");
    for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
        buf_printf(&sql, "%s'%s'", i ? ", " : "", watched[i]);
    buf_puts(&sql, "] LOOP\n"
                   "  IF to_regclass(t) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_trigger "
                   "WHERE tgrelid = to_regclass(t) AND tgname = 'okaeri_changed') THEN\n"
                   "    EXECUTE format('CREATE TRIGGER okaeri_changed AFTER INSERT OR UPDATE OR "
                   "DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION "
                   "okaeri_changed()', t);\n"
                   "  END IF;\n"
                   "END LOOP; END $d$;\n"
                   "COMMIT;");
    rc = db_exec(db, sql.data, err);
    if (rc < 0) {
        db_exec(db, "ROLLBACK", &ignored);
        ok_err_prefix(err, "cannot install the change triggers");
    }
    buf_release(&sql);
    return rc;
}

static void on_notify(void *ctx, const char *channel, const char *payload, int be_pid)
{
    struct changes *ch = ctx;
    (void)be_pid;
    if (strcmp(channel, CHANNEL) || !strcmp(payload, ch->origin))
        return; /* our own write: the snapshot followed it already */
    ch->pending++;
    ch->seen++;
}

struct changes *changes_open(const char *target, struct ok_err *err)
{
    struct changes *ch = xcalloc(1, sizeof(*ch));
    struct timespec ts;
    char host[32] = "";
    pthread_mutex_init(&ch->mu, NULL);
    ch->db = db_open(target, 0, err);
    if (!ch->db)
        goto fail;
    if (db_engine_of(ch->db) != DB_ENGINE_POSTGRES) {
        db_close(&ch->db);
        return ch;
    }
    if (changes_install(ch->db, err) < 0 || db_pg_listen(ch->db, CHANNEL, err) < 0)
        goto fail;
    /* Unique among the processes writing to one database: host, pid and a clock reading. */
    clock_gettime(CLOCK_REALTIME, &ts);
    gethostname(host, sizeof(host) - 1);
    snprintf(ch->origin, sizeof(ch->origin), "%.24s:%ld:%lx", host, (long)getpid(),
             (unsigned long)(ts.tv_nsec ^ ts.tv_sec));
    db_pg_set_origin(ch->origin);
    return ch;
fail:
    changes_close(&ch);
    return NULL;
}

void changes_close(struct changes **pch)
{
    struct changes *ch = *pch;
    if (!ch)
        return;
    db_close(&ch->db);
    pthread_mutex_destroy(&ch->mu);
    free(ch);
    *pch = NULL;
}

int changes_poll(struct changes *ch, struct ok_err *err)
{
    int lost = 0, rc;
    if (!ch->db)
        return 0;
    pthread_mutex_lock(&ch->mu);
    rc = db_pg_notifications(ch->db, 1, on_notify, ch, &lost, err);
    if (rc >= 0) {
        rc = ch->pending > 0 || lost;
        ch->pending = 0;
    }
    pthread_mutex_unlock(&ch->mu);
    return rc;
}

const char *changes_origin(const struct changes *ch)
{
    return ch->origin;
}

uint64_t changes_seen(const struct changes *ch)
{
    return ch->seen;
}
