/*
 * setting.h - the business's settings: known keys with typed, validated values and defaults.
 *
 * Settings are key/value text in the settings table. Only keys in okaeri's table of known
 * settings can be read or written; each has a type (text, integer, number, boolean, choice), a
 * range, a default and optionally a check that looks at other settings or data (the sleeping
 * threshold must exceed the active one; the currency cannot change scale once amounts are
 * stored; a time zone must exist). Values are stored normalised (booleans as 0/1, numbers in
 * their shortest exact form), so readers parse them without surprises. A key missing from the
 * table reads as its default.
 */
#ifndef OK_STORE_SETTING_H
#define OK_STORE_SETTING_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

enum setting_type { SETTING_TEXT, SETTING_INT, SETTING_NUMBER, SETTING_BOOL, SETTING_CHOICE };

struct setting_def;

/* A check run after the type and range checks: value is the normalised form; return 0 or -1
 * with err. May read other settings through db. */
typedef int (*setting_check_fn)(struct db *db, const struct setting_def *def, const char *value,
                                struct ok_err *err);

struct setting_def {
    const char *key;
    enum setting_type type;
    const char *default_value;
    double min, max;            /* for INT and NUMBER (inclusive); text: max bytes in max */
    const char *const *choices; /* for CHOICE, NULL-terminated */
    const char *description;    /* one line, English */
    setting_check_fn check;     /* NULL: none */
};

/* The definition of key, or NULL when okaeri has no such setting. Static storage. */
const struct setting_def *store_setting_find(const char *key);

/* Name of a type: "text", "integer", "number", "boolean", "choice". */
const char *setting_type_name(enum setting_type type);

/* Checks value for the setting def and appends its normalised form to out (out is reset
 * first). Runs the type/range checks only, not the def's check hook (needs the db). */
int store_setting_normalize(const struct setting_def *def, const char *value, struct buf *out,
                            struct ok_err *err);

/* Appends the current value of key to out (reset first): the stored value, else the default.
 * OK_ERR_NOT_FOUND for an unknown key (the message lists the known ones). */
int store_setting_get(struct db *db, const char *key, struct buf *out, struct ok_err *err);
/* Typed reads of INT / NUMBER / BOOL settings (BOOL reads as 0/1). */
int store_setting_get_i64(struct db *db, const char *key, int64_t *out, struct ok_err *err);
int store_setting_get_double(struct db *db, const char *key, double *out, struct ok_err *err);

/* Validates (type, range, check hook) and stores value for key, audited with before/after.
 * err->field is "value" for a bad value, "key" for an unknown key. */
int store_setting_set(struct db *db, const struct store_actor *who, const char *key,
                      const char *value, struct ok_err *err);

/* Sets key back to its default (subject to the same checks). */
int store_setting_reset(struct db *db, const struct store_actor *who, const char *key,
                        struct ok_err *err);

/* One setting as listed: borrowed during the callback. */
struct setting_view {
    const struct setting_def *def;
    const char *value; /* current value */
    int is_default;    /* value equals the default */
};

/* Calls fn for every known setting, in the table's order, with its current value. */
int store_setting_list(struct db *db, int (*fn)(void *ctx, const struct setting_view *v), void *ctx,
                       struct ok_err *err);

/* Appends {"key","value","default","type","description"} for v. */
void setting_view_to_json(const struct setting_view *v, struct buf *out);

#endif
