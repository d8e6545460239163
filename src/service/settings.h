/*
 * settings.h - changing a setting with every check that applies to it.
 *
 * The store checks a value's type and range; the analytics thresholds (state.*, lifecycle.*,
 * rfm.*) also have cross-field rules that only the analytics layer knows (active days below
 * sleeping days, P(alive) bounds in order, increasing RFM bounds). Every writer of settings —
 * the CLI and the API — goes through service_setting_set so that an inconsistent combination
 * is refused when it is saved, not discovered when a report runs.
 */
#ifndef OK_SERVICE_SETTINGS_H
#define OK_SERVICE_SETTINGS_H

#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Validates value for key against the current settings and stores it (audited). */
int service_setting_set(struct db *db, const struct store_actor *who, const char *key,
                        const char *value, struct ok_err *err);

/* Is key one of the analytics settings (validated by the analytics layer too)? */
int service_setting_is_analytics(const char *key);

#endif
