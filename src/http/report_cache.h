/*
 * report_cache.h - rendered report JSON kept per snapshot version, so that the dashboard's
 * reports (kpis, summary: 0.5-1.5 s each on a million customers) are computed once per change
 * of the data instead of once per request.
 *
 * An entry is keyed by a string naming the report and every parameter that shapes it (the
 * caller normalises it, see h_reports.c) and by the version of the snapshot it was computed on
 * (snap_holder_version). Only entries of the newest version seen are kept: a put or get with a
 * newer version empties the cache, a put with an older version is dropped, a get hits only an
 * entry of exactly the version asked. So a request that acquired the snapshot at version v is
 * never answered from anything computed on an older snapshot, and a write (which bumps the
 * version before it returns) is reflected by the next report. Least recently used entries go
 * first when REPORT_CACHE_SLOTS or REPORT_CACHE_BYTES would be exceeded; results larger than
 * REPORT_CACHE_ENTRY_MAX (per-customer reports on big data) are not kept. Thread-safe.
 */
#ifndef OK_HTTP_REPORT_CACHE_H
#define OK_HTTP_REPORT_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define REPORT_CACHE_SLOTS     48
#define REPORT_CACHE_BYTES     ((size_t)64 << 20)
#define REPORT_CACHE_ENTRY_MAX ((size_t)8 << 20)

struct report_cache_entry {
    char *key;  /* owned; NULL: free slot */
    char *data; /* owned */
    size_t len;
    uint64_t used; /* tick of the last get or put (LRU) */
};

struct report_cache {
    pthread_mutex_t mu;
    uint64_t version; /* of every entry */
    uint64_t tick;
    size_t bytes; /* sum of the entries' len */
    uint64_t hits, misses;
    struct report_cache_entry e[REPORT_CACHE_SLOTS];
};

void report_cache_init(struct report_cache *c);
void report_cache_release(struct report_cache *c);

/* On a hit appends the cached JSON to out and returns 1; 0 when there is no entry for key at
 * exactly this version. */
int report_cache_get(struct report_cache *c, uint64_t version, const char *key, struct buf *out);

/* Keeps a copy of data[0..len) for key at version (see the top comment for what is dropped). */
void report_cache_put(struct report_cache *c, uint64_t version, const char *key, const char *data,
                      size_t len);

#endif
