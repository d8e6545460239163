/*
 * customer_fields.h - one scan over all customers for the columns the automation population
 * needs beside the ledger (codes, names for templates, e-mail and consent, tags, custom
 * attributes), streamed to a callback without copying.
 *
 * store_customer_list is built for pages a person looks at (joins, folded search keys, code
 * order, a cursor per page); loading a million customers through it costs seconds. This reads
 * the customers table once in rowid order with no join, and hands each row's text to the
 * callback straight from the database engine's buffers.
 */
#ifndef OK_STORE_CUSTOMER_FIELDS_H
#define OK_STORE_CUSTOMER_FIELDS_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

/* One customer's row. Strings are borrowed until the callback returns; NULL means empty. */
struct customer_fields {
    int64_t id;
    const char *code;
    const char *name;
    const char *name_kana;
    const char *company;
    const char *email;
    const char *tags;            /* comma-separated, as stored */
    const char *attributes;      /* JSON object text, as stored ("{}" when none) */
    const char *unsubscribed_at; /* YYYY-MM-DD HH:MM:SS or NULL */
    const char *created_at;      /* YYYY-MM-DD HH:MM:SS */
    int64_t owner_id;            /* users.id, 0: team-handled */
    int is_company;              /* kind = company */
    int email_consent;           /* the consent flag as stored (unsubscribed_at not applied) */
};

typedef int (*customer_fields_fn)(void *ctx, const struct customer_fields *c);

/* Calls fn for every customer with id > after_id in id order (after_id 0: all). fn returns
 * non-zero to stop the scan early (this still returns 0). Returns 0, or -1 with err. The scan
 * is one statement, so on both engines it reads one consistent state of the table. */
int store_customer_fields_each(struct db *db, int64_t after_id, customer_fields_fn fn, void *ctx,
                               struct ok_err *err);

#endif
