/*
 * report_cache.c - rendered report JSON per snapshot version (see report_cache.h).
 */
#include "http/report_cache.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

void report_cache_init(struct report_cache *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
}

static void entry_drop(struct report_cache *c, struct report_cache_entry *e)
{
    if (!e->key)
        return;
    c->bytes -= e->len;
    free(e->key);
    free(e->data);
    memset(e, 0, sizeof(*e));
}

static void clear_all(struct report_cache *c)
{
    size_t i;
    for (i = 0; i < REPORT_CACHE_SLOTS; i++)
        entry_drop(c, &c->e[i]);
}

void report_cache_release(struct report_cache *c)
{
    clear_all(c);
    pthread_mutex_destroy(&c->mu);
}

/* Caller holds mu. A newer version makes every entry stale. */
static void advance(struct report_cache *c, uint64_t version)
{
    if (version > c->version) {
        clear_all(c);
        c->version = version;
    }
}

static struct report_cache_entry *find(struct report_cache *c, const char *key)
{
    size_t i;
    for (i = 0; i < REPORT_CACHE_SLOTS; i++)
        if (c->e[i].key && strcmp(c->e[i].key, key) == 0)
            return &c->e[i];
    return NULL;
}

int report_cache_get(struct report_cache *c, uint64_t version, const char *key, struct buf *out)
{
    struct report_cache_entry *e;
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    advance(c, version);
    if (version == c->version && (e = find(c, key)) != NULL) {
        buf_append(out, e->data, e->len);
        e->used = ++c->tick;
        hit = 1;
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

/* Caller holds mu. The free slot, or else the least recently used one, emptied. */
static struct report_cache_entry *victim(struct report_cache *c)
{
    struct report_cache_entry *lru = NULL;
    size_t i;
    for (i = 0; i < REPORT_CACHE_SLOTS; i++) {
        if (!c->e[i].key)
            return &c->e[i];
        if (!lru || c->e[i].used < lru->used)
            lru = &c->e[i];
    }
    entry_drop(c, lru);
    return lru;
}

static void evict_lru(struct report_cache *c)
{
    struct report_cache_entry *lru = NULL;
    size_t i;
    for (i = 0; i < REPORT_CACHE_SLOTS; i++)
        if (c->e[i].key && (!lru || c->e[i].used < lru->used))
            lru = &c->e[i];
    if (lru)
        entry_drop(c, lru);
}

void report_cache_put(struct report_cache *c, uint64_t version, const char *key, const char *data,
                      size_t len)
{
    struct report_cache_entry *e;
    if (len > REPORT_CACHE_ENTRY_MAX)
        return;
    pthread_mutex_lock(&c->mu);
    advance(c, version);
    if (version != c->version) /* computed on a snapshot that has since changed */
        goto out;
    e = find(c, key);
    if (e) /* another request computed the same result meanwhile */
        entry_drop(c, e);
    while (c->bytes + len > REPORT_CACHE_BYTES && c->bytes > 0)
        evict_lru(c);
    e = victim(c);
    e->key = xstrdup(key);
    e->data = xmalloc(len + 1);
    memcpy(e->data, data, len);
    e->data[len] = '\0';
    e->len = len;
    e->used = ++c->tick;
    c->bytes += len;
out:
    pthread_mutex_unlock(&c->mu);
}
