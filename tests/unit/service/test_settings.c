/* Tests for src/service/settings.c: analytics thresholds validated on save, and the store's
 * table of settings agreeing with the analytics layer's defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics/settings.h"
#include "db/db.h"
#include "db/migrate.h"
#include "service/settings.h"
#include "store/setting.h"

static const struct store_actor tester = {0, "test"};

static struct db *open_db(char path[64])
{
    struct ok_err err;
    struct db *db;
    int fd;
    snprintf(path, 64, "/tmp/okaeri-settings-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    db = db_open(path, DB_OPEN_CREATE, &err);
    assert_non_null(db);
    assert_int_equal(migrate_apply(db, NULL, &err), 0);
    return db;
}

static void close_db(struct db **db, const char *path)
{
    char side[80];
    db_close(db);
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

struct defaults_check {
    int analytics_keys;
};

/* Every analytics key the store lists must be understood by the analytics layer, and setting
 * its default on the analytics defaults must change nothing: the two tables agree. */
static int check_default(void *ctx, const struct setting_view *v)
{
    struct defaults_check *c = ctx;
    struct analytics_settings defaults, applied;
    struct ok_err err;
    if (!service_setting_is_analytics(v->def->key))
        return 0;
    c->analytics_keys++;
    analytics_settings_default(&defaults);
    analytics_settings_default(&applied);
    if (analytics_settings_set(&applied, v->def->key, v->def->default_value, &err) != 0)
        fail_msg("analytics layer rejects %s = %s: %s", v->def->key, v->def->default_value,
                 err.message);
    if (memcmp(&defaults, &applied, sizeof(defaults)) != 0)
        fail_msg("default of %s differs between store (%s) and analytics", v->def->key,
                 v->def->default_value);
    return 0;
}

static void test_defaults_agree(void **state)
{
    char path[64];
    struct db *db = open_db(path);
    struct defaults_check c = {0};
    struct ok_err err;
    assert_int_equal(store_setting_list(db, check_default, &c, &err), 0);
    /* all 18 analytics keys: 9 state, 5 lifecycle, 4 rfm */
    assert_int_equal(c.analytics_keys, 18);
    close_db(&db, path);
}

static void test_cross_field_rules_on_save(void **state)
{
    char path[64];
    struct db *db = open_db(path);
    struct ok_err err;
    int64_t n;
    assert_int_equal(service_setting_set(db, &tester, "state.active_days", "120", &err), 0);
    /* sleeping must stay above active: refused, nothing stored */
    assert_int_equal(service_setting_set(db, &tester, "state.sleeping_days", "100", &err), -1);
    assert_non_null(strstr(err.message, "state.active_days"));
    assert_string_equal(err.field, "value");
    assert_int_equal(store_setting_get_i64(db, "state.sleeping_days", &n, &err), 0);
    assert_int_equal(n, 365);
    /* P(alive) bounds in order */
    assert_int_equal(service_setting_set(db, &tester, "state.p_alive_dead", "0.7", &err), -1);
    assert_int_equal(service_setting_set(db, &tester, "state.p_alive_dead", "0.2", &err), 0);
    /* RFM bounds must increase; type errors come from the analytics parser too */
    assert_int_equal(service_setting_set(db, &tester, "rfm.r_days", "90,30,180,365", &err), -1);
    assert_int_equal(service_setting_set(db, &tester, "rfm.r_days", "1,2,x,4", &err), -1);
    assert_int_equal(service_setting_set(db, &tester, "rfm.r_days", "7,30,90,365", &err), 0);
    /* non-analytics keys go straight to the store's checks */
    assert_int_equal(service_setting_set(db, &tester, "time_zone", "Nowhere/City", &err), -1);
    assert_int_equal(service_setting_set(db, &tester, "company_name", "おかえり珈琲", &err), 0);
    assert_int_equal(service_setting_set(db, &tester, "no.such", "1", &err), -1);
    assert_string_equal(err.field, "key");
    close_db(&db, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_agree),
        cmocka_unit_test(test_cross_field_rules_on_save),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
