/*
 * segment.h - saved segments: a named filter over customers (in the segment filter language of
 * the automation layer), and the history of how many customers matched on each day.
 *
 * The store keeps the filter text as written; parsing and evaluating it is the automation
 * layer's job, which also records the daily member counts here (segment_counts). Counts are
 * derived data and are not audited; changes to segments are.
 */
#ifndef OK_STORE_SEGMENT_H
#define OK_STORE_SEGMENT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by segment_release); NULL means empty. */
struct segment {
    int64_t id;
    char *name;   /* unique, required */
    char *filter; /* filter text, required */
    char *description;
    char *created_by; /* user login; NULL: the system */
    char *created_at;
    char *updated_at;
};

void segment_release(struct segment *s);

/* Checks name (1-200 bytes), filter (1-8000 bytes), description. */
int store_segment_validate(const struct segment *s, struct ok_err *err);

/* Inserts a segment (audited); created_by is resolved by login (NULL: the actor's user, if
 * any). OK_ERR_CONFLICT for a duplicate name. Returns the id; sets s->id. */
int64_t store_segment_create(struct db *db, const struct store_actor *who, struct segment *s,
                             struct ok_err *err);

/* Reads a segment by name or id into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_segment_get(struct db *db, const char *name, struct segment *out, struct ok_err *err);
int store_segment_get_by_id(struct db *db, int64_t id, struct segment *out, struct ok_err *err);

/* Writes name, filter and description of s over segment s->id (audited). */
int store_segment_update(struct db *db, const struct store_actor *who, struct segment *s,
                         struct ok_err *err);

/* Deletes a segment and its count history (audited). */
int store_segment_delete(struct db *db, const struct store_actor *who, int64_t id,
                         struct ok_err *err);

struct segment_query {
    const char *search;     /* substring of the name; NULL: all */
    const char *after_name; /* cursor */
    int limit;              /* 0: 100 */
};

/* Calls fn for each matching segment in name order; fn returns non-zero to stop. */
int store_segment_list(struct db *db, const struct segment_query *q,
                       int (*fn)(void *ctx, const struct segment *s), void *ctx,
                       struct ok_err *err);

/* Records the member count of segment_id on a day (any date form); a second count for the same
 * day replaces the first (INSERT ... ON CONFLICT DO UPDATE). */
int store_segment_record_count(struct db *db, int64_t segment_id, const char *day, int64_t members,
                               struct ok_err *err);

/* Calls fn(ctx, day, members) for the counts of segment_id between from and to (inclusive; NULL:
 * open), oldest first. */
int store_segment_counts(struct db *db, int64_t segment_id, const char *from, const char *to,
                         int (*fn)(void *ctx, const char *day, int64_t members), void *ctx,
                         struct ok_err *err);

/* Appends s as JSON: id, name, filter, description, created_by, created_at, updated_at. */
void segment_to_json(const struct segment *s, struct buf *out);

#endif
