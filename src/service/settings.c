/*
 * settings.c - settings writes validated by the store and, for the analytics thresholds, by the
 * analytics layer against all the other current settings.
 */
#include "service/settings.h"

#include <string.h>

#include "analytics/settings.h"
#include "core/buf.h"
#include "service/snapshot.h"
#include "store/setting.h"
#include "core/banned.h"

int service_setting_is_analytics(const char *key)
{
    return !strncmp(key, "state.", 6) || !strncmp(key, "lifecycle.", 10) ||
           !strncmp(key, "rfm.", 4);
}

int service_setting_set(struct db *db, const struct store_actor *who, const char *key,
                        const char *value, struct ok_err *err)
{
    const struct setting_def *def;
    struct snapshot current;
    struct buf normalised;
    int rc = -1;
    if (!service_setting_is_analytics(key))
        return store_setting_set(db, who, key, value, err);
    def = store_setting_find(key);
    if (!def)
        return store_setting_set(db, who, key, value, err); /* reports the unknown key */
    buf_init(&normalised, 4096);
    if (store_setting_normalize(def, value, &normalised, err) < 0)
        goto out;
    /* The settings as they would be after this change. */
    if (snapshot_load_settings(db, &current, err) < 0)
        goto out;
    if (analytics_settings_set(&current.settings, key, normalised.data, err) < 0 ||
        analytics_settings_validate(&current.settings, err) < 0) {
        ok_err_locate(err, "value", 0);
        snapshot_release(&current);
        goto out;
    }
    snapshot_release(&current);
    rc = store_setting_set(db, who, key, normalised.data, err);
out:
    buf_release(&normalised);
    return rc;
}
