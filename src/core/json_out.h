/*
 * json_out.h - writing JSON text into a struct buf without building a tree.
 *
 * Used wherever JSON is produced in bulk (audit records, report rows, API listings): faster and
 * leaner than building a jansson tree first. The caller places commas; helpers only escape and
 * format values correctly (all control characters escaped, invalid UTF-8 replaced by U+FFFD so
 * that the output is always valid JSON).
 */
#ifndef OK_CORE_JSON_OUT_H
#define OK_CORE_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Writes s (n bytes, or strlen when n == (size_t)-1) as a JSON string, or null when s is NULL. */
void json_out_string(struct buf *b, const char *s, size_t n);
/* Writes "key": — the key must be plain ASCII without quotes (it is not escaped). */
void json_out_key(struct buf *b, const char *key);
/* Writes a number; doubles that are not finite are written as null. */
void json_out_i64(struct buf *b, int64_t v);
void json_out_double(struct buf *b, double v);
/* Convenience for objects: ,"key":"value" (comma first unless *first, which it clears). */
void json_out_field_string(struct buf *b, int *first, const char *key, const char *value);
void json_out_field_i64(struct buf *b, int *first, const char *key, int64_t v);

#endif
