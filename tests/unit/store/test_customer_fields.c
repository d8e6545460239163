/* Tests for src/store/customer_fields.c: the bulk scan gives every column the automation
 * population reads, as stored, in id order, and stops when the callback says so. */
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
#include "store/customer_fields.h"

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

/* What the callback saw, one line per customer. */
struct seen {
    char text[4096];
    int rows, stop_after;
};

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

static int on_row(void *ctx, const struct customer_fields *c)
{
    struct seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof(s->text) - n, "%lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%d|%d|%d\n",
             (long long)c->id, c->code, or_dash(c->name), or_dash(c->name_kana),
             or_dash(c->company), or_dash(c->email), or_dash(c->tags), or_dash(c->attributes),
             c->unsubscribed_at ? "unsub" : "-", (long long)c->owner_id, c->is_company,
             c->email_consent, c->created_at != NULL);
    s->rows++;
    return s->stop_after && s->rows >= s->stop_after;
}

static void test_scan(void **state)
{
    struct fixture *f = *state;
    struct ok_err err;
    struct customer c;
    struct seen s;
    int64_t id1, id2, id3;
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, "C2");
    customer_set(&c.name, "山田 太郎");
    customer_set(&c.name_kana, "ヤマダ タロウ");
    customer_set(&c.email, "yamada@example.jp");
    customer_set(&c.tags, "vip,メルマガ");
    customer_set(&c.attributes, "{\"rank\":3}");
    c.email_consent = 1;
    id1 = store_customer_create(f->db, &tester, &c, &err);
    customer_release(&c);
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, "C1");
    customer_set(&c.kind, "company");
    customer_set(&c.name, "株式会社テスト");
    customer_set(&c.company, "株式会社テスト");
    id2 = store_customer_create(f->db, &tester, &c, &err);
    customer_release(&c);
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, "C3");
    customer_set(&c.name, "佐藤 花子");
    customer_set(&c.email, "sato@example.jp");
    c.email_consent = 1;
    id3 = store_customer_create(f->db, &tester, &c, &err);
    customer_release(&c);
    assert_true(id1 > 0 && id2 > id1 && id3 > id2);
    assert_int_equal(db_exec(f->db,
                             "UPDATE customers SET unsubscribed_at = '2024-05-01 10:00:00' "
                             "WHERE code = 'C3'",
                             &err),
                     0);

    /* id order (C2 was created first), empty text as NULL, attributes "{}" as stored */
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_customer_fields_each(f->db, 0, on_row, &s, &err), 0);
    assert_int_equal(s.rows, 3);
    {
        char want[1024];
        snprintf(want, sizeof(want),
                 "%lld|C2|山田 太郎|ヤマダ "
                 "タロウ|-|yamada@example.jp|vip,メルマガ|{\"rank\":3}|-|0|0|1|1\n"
                 "%lld|C1|株式会社テスト|-|株式会社テスト|-|-|{}|-|0|1|0|1\n"
                 "%lld|C3|佐藤 花子|-|-|sato@example.jp|-|{}|unsub|0|0|1|1\n",
                 (long long)id1, (long long)id2, (long long)id3);
        assert_string_equal(s.text, want);
    }

    /* after_id skips, a non-zero return stops, neither is an error */
    memset(&s, 0, sizeof(s));
    assert_int_equal(store_customer_fields_each(f->db, id1, on_row, &s, &err), 0);
    assert_int_equal(s.rows, 2);
    memset(&s, 0, sizeof(s));
    s.stop_after = 1;
    assert_int_equal(store_customer_fields_each(f->db, 0, on_row, &s, &err), 0);
    assert_int_equal(s.rows, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
