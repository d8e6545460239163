/*
 * test_report_cache.c - the report cache: hits only at the exact snapshot version, never an
 * older result after a newer version was seen, LRU eviction, oversized results not kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "http/report_cache.h"
#include "core/banned.h"

/* The cached text for key at version, or NULL on a miss (static buffer). */
static const char *get(struct report_cache *c, uint64_t version, const char *key)
{
    static char text[256];
    struct buf b;
    int hit;
    buf_init(&b, 0);
    buf_puts(&b, "[prefix]"); /* a hit appends: what was there stays */
    hit = report_cache_get(c, version, key, &b);
    assert_int_equal(strncmp(b.data, "[prefix]", 8), 0);
    snprintf(text, sizeof(text), "%s", b.data + 8);
    buf_release(&b);
    return hit ? text : NULL;
}

static void put(struct report_cache *c, uint64_t version, const char *key, const char *json)
{
    report_cache_put(c, version, key, json, strlen(json));
}

static void test_versions(void **state)
{
    struct report_cache c;
    (void)state;
    report_cache_init(&c);
    assert_null(get(&c, 1, "kpis"));
    put(&c, 1, "kpis", "{\"v\":1}");
    assert_string_equal(get(&c, 1, "kpis"), "{\"v\":1}");
    assert_null(get(&c, 1, "summary"));
    /* a request that acquired a newer snapshot misses, and empties the cache */
    assert_null(get(&c, 2, "kpis"));
    assert_null(get(&c, 1, "kpis"));
    /* a result computed on version 1 that arrives after version 2 was seen is dropped */
    put(&c, 1, "kpis", "{\"v\":1}");
    assert_null(get(&c, 1, "kpis"));
    assert_null(get(&c, 2, "kpis"));
    put(&c, 2, "kpis", "{\"v\":2}");
    put(&c, 2, "kpis", "{\"v\":2,\"again\":true}"); /* same key: replaced, not duplicated */
    assert_string_equal(get(&c, 2, "kpis"), "{\"v\":2,\"again\":true}");
    assert_int_equal(c.bytes, strlen("{\"v\":2,\"again\":true}"));
    put(&c, 3, "summary", "{}");
    assert_null(get(&c, 2, "kpis"));
    assert_null(get(&c, 3, "kpis"));
    assert_string_equal(get(&c, 3, "summary"), "{}");
    report_cache_release(&c);
}

static void test_lru_and_size(void **state)
{
    struct report_cache c;
    char key[32], *big;
    int i;
    (void)state;
    report_cache_init(&c);
    for (i = 0; i < REPORT_CACHE_SLOTS; i++) {
        snprintf(key, sizeof(key), "r%d", i);
        put(&c, 7, key, key);
    }
    assert_non_null(get(&c, 7, "r0")); /* r0 is now the most recently used; r1 the least */
    put(&c, 7, "one more", "x");
    assert_null(get(&c, 7, "r1"));
    assert_string_equal(get(&c, 7, "r0"), "r0");
    assert_string_equal(get(&c, 7, "r2"), "r2");
    assert_string_equal(get(&c, 7, "one more"), "x");
    big = calloc(REPORT_CACHE_ENTRY_MAX + 2, 1);
    assert_non_null(big);
    memset(big, 'a', REPORT_CACHE_ENTRY_MAX + 1);
    put(&c, 7, "big", big);
    assert_null(get(&c, 7, "big"));
    free(big);
    report_cache_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_lru_and_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
