/*
 * arena.h - region allocator for per-request and per-import memory (h2o's pool).
 *
 * Allocate freely with arena_alloc; everything is freed at once by arena_reset or
 * arena_release. Memory returned is 16-byte aligned and borrowed until the next reset.
 */
#ifndef OK_CORE_ARENA_H
#define OK_CORE_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
    size_t block_size;
    size_t total; /* bytes handed out since the last reset */
};

void arena_init(struct arena *a, size_t block_size);
void arena_release(struct arena *a);
/* Frees all allocations but keeps the first block for reuse. */
void arena_reset(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

#endif
