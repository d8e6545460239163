/* Tests for src/store/segment.c: saved segments and their count history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/fields.h"
#include "store/segment.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static int64_t add(struct db *db, const struct store_actor *who, const char *name,
                   const char *filter)
{
    struct segment s = {0};
    struct ok_err err;
    int64_t id;
    store_field_set(&s.name, name);
    store_field_set(&s.filter, filter);
    id = store_segment_create(db, who, &s, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    segment_release(&s);
    return id;
}

static void test_create_get_update_delete(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct store_actor hana = {1, "hana"};
    struct segment s = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t id;
    test_db_exec(db, "INSERT INTO users(id, login) VALUES (1, 'hana')");
    id = add(db, &hana, "離反予備軍", "state = sleeping and rfm.r <= 2");
    assert_int_equal(store_segment_get(db, "離反予備軍", &got, &err), 0);
    assert_int_equal(got.id, id);
    assert_string_equal(got.created_by, "hana");
    assert_string_equal(got.filter, "state = sleeping and rfm.r <= 2");
    store_field_set(&got.filter, "state = sleeping");
    store_field_set(&got.description, "休眠中の顧客");
    assert_int_equal(store_segment_update(db, &cli, &got, &err), 0);
    segment_release(&got);
    assert_int_equal(store_segment_get_by_id(db, id, &got, &err), 0);
    assert_string_equal(got.filter, "state = sleeping");
    buf_init(&json, 0);
    segment_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"name\":\"離反予備軍\",\"filter\":\"state = sleeping\","
                                      "\"description\":\"休眠中の顧客\",\"created_by\":\"hana\""));
    buf_release(&json);
    segment_release(&got);
    /* Duplicate names conflict, on create and on rename. */
    add(db, &cli, "優良顧客", "stage = loyal");
    store_field_set(&s.name, "優良顧客");
    store_field_set(&s.filter, "x");
    assert_int_equal(store_segment_create(db, &cli, &s, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    s.id = id;
    assert_int_equal(store_segment_update(db, &cli, &s, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    store_field_set(&s.filter, NULL);
    assert_int_equal(store_segment_create(db, &cli, &s, &err), -1);
    assert_string_equal(err.field, "filter");
    segment_release(&s);
    assert_int_equal(store_segment_record_count(db, id, "2024-01-01", 10, &err), 0);
    assert_int_equal(store_segment_delete(db, &cli, id, &err), 0);
    assert_int_equal(store_segment_get_by_id(db, id, &got, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM segment_counts"), 0);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity='segment'"), 4);
    test_db_close(&t);
}

static int names_cb(void *ctx, const struct segment *s)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s", b->len ? "," : "", s->name);
    return 0;
}

static int counts_cb(void *ctx, const char *day, int64_t members)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s=%lld", b->len ? "," : "", day, (long long)members);
    return 0;
}

static void test_list_and_counts(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct segment_query q = {0};
    struct ok_err err;
    struct buf b;
    int64_t id;
    add(db, &cli, "b-sleeping", "state = sleeping");
    id = add(db, &cli, "a-loyal", "stage = loyal");
    add(db, &cli, "c-new", "stage = new");
    buf_init(&b, 0);
    assert_int_equal(store_segment_list(db, &q, names_cb, &b, &err), 0);
    assert_string_equal(b.data, "a-loyal,b-sleeping,c-new");
    buf_reset(&b);
    q.after_name = "a-loyal";
    q.limit = 1;
    assert_int_equal(store_segment_list(db, &q, names_cb, &b, &err), 0);
    assert_string_equal(b.data, "b-sleeping");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.search = "new";
    assert_int_equal(store_segment_list(db, &q, names_cb, &b, &err), 0);
    assert_string_equal(b.data, "c-new");
    buf_reset(&b);
    assert_int_equal(store_segment_record_count(db, id, "2024/1/2", 12, &err), 0);
    assert_int_equal(store_segment_record_count(db, id, "2024-01-01", 10, &err), 0);
    assert_int_equal(store_segment_record_count(db, id, "2024-01-03", 11, &err), 0);
    /* Counting the same day again replaces the count. */
    assert_int_equal(store_segment_record_count(db, id, "2024-01-02", 13, &err), 0);
    assert_int_equal(store_segment_record_count(db, id, "2024-01-04", -1, &err), -1);
    assert_string_equal(err.field, "members");
    assert_int_equal(store_segment_record_count(db, 99, "2024-01-04", 1, &err), -1);
    assert_string_equal(err.field, "segment_id");
    assert_int_equal(store_segment_counts(db, id, NULL, NULL, counts_cb, &b, &err), 0);
    assert_string_equal(b.data, "2024-01-01=10,2024-01-02=13,2024-01-03=11");
    buf_reset(&b);
    assert_int_equal(store_segment_counts(db, id, "2024-01-02", "2024-01-02", counts_cb, &b, &err),
                     0);
    assert_string_equal(b.data, "2024-01-02=13");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_update_delete),
        cmocka_unit_test(test_list_and_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
