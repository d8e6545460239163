/* Tests for src/store/enrollment_scan.c: the scheduler's scan gives the active enrollments only,
 * in id order, with playbook and customer ids as stored, and stops when the callback says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"
#include "store/customer.h"
#include "store/enrollment_scan.h"
#include "store/playbook.h"

static const struct store_actor tester = {0, "test"};

struct fixture {
    char path[64];
    struct db *db;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ok_err err;
    int fd;
    snprintf(f->path, sizeof(f->path), "/tmp/okaeri-test-XXXXXX");
    fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    unlink(f->path);
    f->db = db_open(f->path, DB_OPEN_CREATE, &err);
    assert_non_null(f->db);
    assert_int_equal(migrate_apply(f->db, NULL, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char side[80];
    db_close(&f->db);
    unlink(f->path);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    unlink(side);
    free(f);
    return 0;
}

static int64_t enroll(struct db *db, const char *playbook, const char *code, const char *key,
                      const char *on)
{
    struct enrollment e;
    struct ok_err err;
    int created = 0;
    int64_t id;
    memset(&e, 0, sizeof(e));
    e.playbook = strdup(playbook);
    e.customer_code = strdup(code);
    e.trigger_key = strdup(key);
    e.triggered_on = strdup(on);
    id = store_enrollment_create(db, &tester, &e, &created, &err);
    if (id < 0)
        fail_msg("enroll: %s", err.message);
    assert_int_equal(created, 1);
    enrollment_release(&e);
    return id;
}

struct seen {
    char text[1024];
    int rows, stop_after;
};

static int on_row(void *ctx, const struct enrollment_row *e)
{
    struct seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof(s->text) - n, "%lld|%lld|%lld|%lld|%s|%d\n", (long long)e->id,
             (long long)e->playbook_id, (long long)e->customer_id, (long long)e->deal_id,
             e->triggered_on, e->next_step);
    s->rows++;
    return s->stop_after && s->rows >= s->stop_after;
}

static void test_scan(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    struct customer c;
    struct playbook welcome, sleeping;
    struct seen s;
    int64_t c1, c2, e1, e2, e3;
    char want[512];
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, "C1");
    customer_set(&c.name, "山田 太郎");
    c1 = store_customer_create(f->db, &tester, &c, &err);
    customer_release(&c);
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, "C2");
    customer_set(&c.name, "佐藤 花子");
    c2 = store_customer_create(f->db, &tester, &c, &err);
    customer_release(&c);
    assert_true(c1 > 0 && c2 > 0);
    /* default playbooks of a new database */
    assert_int_equal(store_playbook_get(f->db, "welcome", &welcome, &err), 0);
    assert_int_equal(store_playbook_get(f->db, "sleeping", &sleeping, &err), 0);
    e1 = enroll(f->db, "welcome", "C1", "first:2024-05-01", "2024-05-01");
    e2 = enroll(f->db, "sleeping", "C2", "sleeping:2024-01-02", "2024-06-01");
    e3 = enroll(f->db, "welcome", "C2", "first:2024-05-03", "2024-05-03");
    assert_int_equal(store_enrollment_advance(f->db, &tester, e1, 2, &err), 0);
    assert_int_equal(store_enrollment_exit(f->db, &tester, e2, "manual", &err), 0);

    memset(&s, 0, sizeof(s));
    assert_int_equal(store_enrollment_scan_active(f->db, on_row, &s, &err), 0);
    snprintf(want, sizeof(want), "%lld|%lld|%lld|0|2024-05-01|2\n%lld|%lld|%lld|0|2024-05-03|1\n",
             (long long)e1, (long long)welcome.id, (long long)c1, (long long)e3,
             (long long)welcome.id, (long long)c2);
    assert_string_equal(s.text, want);
    assert_true(sleeping.id != welcome.id);

    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    assert_int_equal(store_enrollment_scan_active(f->db, on_row, &s, &err), 0);
    assert_int_equal(s.rows, 1);
    playbook_release(&welcome);
    playbook_release(&sleeping);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
