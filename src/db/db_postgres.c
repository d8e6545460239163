/*
 * db_postgres.c - hook for the PostgreSQL driver.
 *
 * The libpq driver is not part of this build yet; db_open() turns a postgresql:// target into a
 * clear "not supported by this build" error instead of trying to open it as a SQLite file.
 */
#include "db/db.h"

#include "core/banned.h"

const struct db_driver *db_driver_postgres_or_null(void)
{
    return NULL;
}
