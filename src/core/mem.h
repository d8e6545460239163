/*
 * mem.h - allocation that never returns NULL.
 *
 * Out of memory is not a condition okaeri tries to recover from (as in Redis' zmalloc): these
 * wrappers print a message and abort, so callers do not check every allocation.
 */
#ifndef OK_CORE_MEM_H
#define OK_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array to hold at least `need` elements of `size` bytes, doubling; updates *cap. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
