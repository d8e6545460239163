/*
 * changes.h - noticing writes made by other okaeri processes, so that a server's in-memory
 * ledger snapshot can be refreshed when another server (or a CLI import) changes the data.
 *
 * PostgreSQL: a statement-level trigger on every table the snapshot reads calls
 * pg_notify('okaeri_changes', <origin of the writer>) (changes_install creates them). NOTIFY is
 * transactional: a notification is delivered only when its transaction commits, and before
 * that COMMIT returns to the writer. Each okaeri process has an origin (changes_open sets it on
 * all its connections, db_pg_set_origin); a server LISTENs on a connection of its own and
 * counts only notifications from other origins, because its own writes already update its
 * snapshot in place. changes_poll makes one round trip on that connection (an empty query,
 * ~0.1 ms on a LAN) so that every write that committed before the poll is seen: a report that
 * starts after another server's write returned reflects it.
 *
 * SQLite: one file is served by one okaeri serve; changes_poll reports nothing (PRAGMA
 * data_version cannot tell this process's other connections from another process).
 *
 * Where the server calls it: changes_open(target) once at start, BEFORE the snapshot is loaded
 * and the worker connections are opened (so the workers carry the origin and no write between
 * listening and loading is missed); then at the start of every snapshot acquire:
 *     if (changes_poll(ch, &err) > 0) snap_holder_changed(h, NULL, NULL);
 * and changes_close at shutdown.
 */
#ifndef OK_STORE_CHANGES_H
#define OK_STORE_CHANGES_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

struct changes;

/* Opens the change listener for the database target (NULL: $OKAERI_DB / ./okaeri.db): on
 * PostgreSQL installs the triggers when missing (changes_install), LISTENs on a connection of
 * its own and gives this process a fresh origin for every connection opened afterwards.
 * Returns a listener (caller frees with changes_close) or NULL with err. Thread-safe after. */
struct changes *changes_open(const char *target, struct ok_err *err);
void changes_close(struct changes **ch);

/* 1 when another process committed a change to the snapshot's tables since the previous call
 * (or since changes_open), or when that cannot be known (the listener reconnected); 0 when
 * not; -1 with err when the database cannot be reached (callers should then treat the snapshot
 * as possibly stale). Safe to call from any thread. */
int changes_poll(struct changes *ch, struct ok_err *err);

/* This process's origin (borrowed; "" on SQLite). */
const char *changes_origin(const struct changes *ch);

/* Creates the notify function and triggers in db's schema when missing (PostgreSQL; nothing on
 * SQLite). Idempotent and safe when several servers start at once (advisory lock). */
int changes_install(struct db *db, struct ok_err *err);

/* Foreign changes counted so far (for tests and logs). */
uint64_t changes_seen(const struct changes *ch);

#endif
