/* Tests for src/store/playbook.c: playbooks with steps, validation, and idempotent
 * enrollments that advance, complete and exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store/fields.h"
#include "store/playbook.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static void winback(struct playbook *p)
{
    memset(p, 0, sizeof(*p));
    store_field_set(&p->name, "価格で失注→再提案");
    store_field_set(&p->trigger_kind, "deal_lost");
    store_field_set(&p->trigger_arg, "価格");
    p->active = 1;
    playbook_add_step(p, 90, "email", "新しいプランのご案内", "{{name}} 様 ...", NULL);
    playbook_add_step(p, 97, "phone", "お電話フォロー", NULL, "queue:sales");
}

static void test_create_get_update(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct playbook p, got;
    struct ok_err err;
    struct buf json;
    int64_t id;
    winback(&p);
    id = store_playbook_create(db, &cli, &p, &err);
    assert_true(id > 0);
    assert_string_equal(p.trigger_arg, "price"); /* label normalised to the code */
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    playbook_release(&p);
    assert_int_equal(store_playbook_get(db, "価格で失注→再提案", &got, &err), 0);
    assert_int_equal(got.n_steps, 2);
    assert_int_equal(got.steps[1].step_no, 2);
    assert_int_equal(got.steps[1].offset_days, 97);
    assert_string_equal(got.steps[1].assignee_rule, "queue:sales");
    assert_string_equal(got.steps[0].assignee_rule, "owner");
    assert_string_equal(got.exit_rule, "bought_again");
    buf_init(&json, 0);
    playbook_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"trigger_kind\":\"deal_lost\",\"trigger_arg\":\"price\""));
    assert_non_null(strstr(json.data, "\"steps\":[{\"step_no\":1,\"offset_days\":90,\"channel\":"
                                      "\"email\""));
    buf_release(&json);
    /* Replace the steps: one letter only. */
    {
        int i;
        for (i = 0; i < got.n_steps; i++) {
            free(got.steps[i].channel);
            free(got.steps[i].subject);
            free(got.steps[i].body);
            free(got.steps[i].assignee_rule);
        }
        got.n_steps = 0;
    }
    playbook_add_step(&got, 30, "letter", "DM", NULL, "owner");
    assert_int_equal(store_playbook_update(db, &cli, &got, &err), 0);
    playbook_release(&got);
    assert_int_equal(store_playbook_get_by_id(db, id, &got, &err), 0);
    assert_int_equal(got.n_steps, 1);
    assert_string_equal(got.steps[0].channel, "letter");
    playbook_release(&got);
    /* only this playbook's steps: the database also holds the default playbooks */
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM playbook_steps s JOIN playbooks p ON "
                                     "p.id = s.playbook_id WHERE p.name = '価格で失注→再提案'"),
                     1);
    assert_int_equal(store_playbook_set_active(db, &cli, "価格で失注→再提案", 0, &err), 0);
    assert_int_equal(
        test_db_i64(db, "SELECT active FROM playbooks WHERE name = '価格で失注→再提案'"), 0);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity='playbook'"), 3);
    test_db_close(&t);
}

static void test_validation(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct playbook p;
    struct ok_err err;
    winback(&p);
    store_field_set(&p.trigger_arg, "weather");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "trigger_arg");
    store_field_set(&p.trigger_kind, "contract_ending");
    store_field_set(&p.trigger_arg, "soon");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "trigger_arg");
    store_field_set(&p.trigger_arg, "60");
    p.steps[1].offset_days = 10;
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "steps[2].offset_days");
    p.steps[1].offset_days = 100;
    store_field_set(&p.steps[1].channel, "fax");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "steps[2].channel");
    store_field_set(&p.steps[1].channel, "phone");
    store_field_set(&p.steps[1].assignee_rule, "user:ghost");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "steps[2].assignee_rule");
    store_field_set(&p.steps[1].assignee_rule, "boss");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "steps[2].assignee_rule");
    store_field_set(&p.steps[1].assignee_rule, NULL);
    store_field_set(&p.steps[0].body, NULL);
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "steps[1].body");
    store_field_set(&p.steps[0].body, "本文");
    store_field_set(&p.trigger_kind, "entered_segment");
    store_field_set(&p.trigger_arg, "優良顧客");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "trigger_arg");
    store_field_set(&p.trigger_kind, "first_purchase");
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_non_null(strstr(err.message, "takes no argument"));
    store_field_set(&p.trigger_arg, NULL);
    p.n_steps = 0; /* steps still allocated: released below via a re-add */
    assert_int_equal(store_playbook_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "steps");
    p.n_steps = 2;
    assert_true(store_playbook_create(db, &cli, &p, &err) > 0);
    playbook_release(&p);
    test_db_close(&t);
}

static int enr_cb(void *ctx, const struct enrollment *e)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s/%s/%s/%d", b->len ? "," : "", e->customer_code, e->trigger_key, e->status,
               e->next_step);
    return 0;
}

static void test_enrollments(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct playbook p;
    struct enrollment e = {0}, got;
    struct enrollment_query q = {0};
    struct ok_err err;
    struct buf b;
    int64_t id, again, other;
    int created;
    test_db_exec(db, "INSERT INTO customers(id, code, name) VALUES (1, 'C1', '山田'), "
                     "(2, 'C2', '佐藤');");
    winback(&p);
    assert_true(store_playbook_create(db, &cli, &p, &err) > 0);
    store_field_set(&e.playbook, p.name);
    store_field_set(&e.customer_code, "C1");
    store_field_set(&e.trigger_key, "deal:1");
    store_field_set(&e.triggered_on, "2024/3/1");
    id = store_enrollment_create(db, &cli, &e, &created, &err);
    assert_true(id > 0);
    assert_int_equal(created, 1);
    /* Idempotent: the same occurrence again changes nothing. */
    again = store_enrollment_create(db, &cli, &e, &created, &err);
    assert_int_equal(again, id);
    assert_int_equal(created, 0);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM enrollments"), 1);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = "
                                     "'enrollment'"),
                     1);
    store_field_set(&e.customer_code, "C2");
    other = store_enrollment_create(db, &cli, &e, &created, &err);
    assert_true(other > id);
    store_field_set(&e.customer_code, "C9");
    assert_int_equal(store_enrollment_create(db, &cli, &e, &created, &err), -1);
    assert_string_equal(err.field, "customer_code");
    store_field_set(&e.customer_code, "C1");
    store_field_set(&e.playbook, "nope");
    assert_int_equal(store_enrollment_create(db, &cli, &e, &created, &err), -1);
    assert_string_equal(err.field, "playbook");
    enrollment_release(&e);
    assert_int_equal(store_enrollment_get(db, id, &got, &err), 0);
    assert_string_equal(got.triggered_on, "2024-03-01");
    assert_string_equal(got.status, "active");
    assert_int_equal(got.next_step, 1);
    enrollment_release(&got);
    /* Advance through both steps: completed. */
    assert_int_equal(store_enrollment_advance(db, &cli, id, 2, &err), 0);
    assert_int_equal(store_enrollment_advance(db, &cli, id, 2, &err), -1);
    assert_string_equal(err.field, "next_step");
    assert_int_equal(store_enrollment_advance(db, &cli, id, 3, &err), 0);
    assert_int_equal(store_enrollment_get(db, id, &got, &err), 0);
    assert_string_equal(got.status, "completed");
    enrollment_release(&got);
    assert_int_equal(store_enrollment_exit(db, &cli, id, "bought_again", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(store_enrollment_exit(db, &cli, other, "bought_again", &err), 0);
    buf_init(&b, 0);
    q.playbook = p.name;
    assert_int_equal(store_enrollment_list(db, &q, enr_cb, &b, &err), 0);
    assert_string_equal(b.data, "C1/deal:1/completed/3,C2/deal:1/exited/1");
    buf_reset(&b);
    q.status = "exited";
    assert_int_equal(store_enrollment_list(db, &q, enr_cb, &b, &err), 0);
    assert_string_equal(b.data, "C2/deal:1/exited/1");
    buf_release(&b);
    /* A switched-off playbook enrolls nobody. */
    assert_int_equal(store_playbook_set_active(db, &cli, p.name, 0, &err), 0);
    memset(&e, 0, sizeof(e));
    store_field_set(&e.playbook, p.name);
    store_field_set(&e.customer_code, "C1");
    store_field_set(&e.trigger_key, "deal:2");
    store_field_set(&e.triggered_on, "2024-04-01");
    assert_int_equal(store_enrollment_create(db, &cli, &e, &created, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    enrollment_release(&e);
    playbook_release(&p);
    test_db_close(&t);
}

static int names_cb(void *ctx, const struct playbook *p)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s:%d", b->len ? "," : "", p->name, p->n_steps);
    return 0;
}

static void test_list(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct playbook p;
    struct playbook_query q = {0};
    struct ok_err err;
    struct buf b;
    /* the listing is checked against exactly these two: drop the default playbooks */
    test_db_exec(db, "DELETE FROM playbooks");
    winback(&p);
    assert_true(store_playbook_create(db, &cli, &p, &err) > 0);
    playbook_release(&p);
    memset(&p, 0, sizeof(p));
    store_field_set(&p.name, "welcome");
    store_field_set(&p.trigger_kind, "first_purchase");
    playbook_add_step(&p, 0, "email", "ありがとう", "本文", NULL);
    playbook_add_step(&p, 14, "phone", "様子伺い", NULL, NULL);
    playbook_add_step(&p, 30, "email", "特典", "本文", NULL);
    assert_true(store_playbook_create(db, &cli, &p, &err) > 0); /* inactive */
    playbook_release(&p);
    buf_init(&b, 0);
    assert_int_equal(store_playbook_list(db, &q, names_cb, &b, &err), 0);
    assert_string_equal(b.data, "welcome:3,価格で失注→再提案:2");
    buf_reset(&b);
    q.active_only = 1;
    assert_int_equal(store_playbook_list(db, &q, names_cb, &b, &err), 0);
    assert_string_equal(b.data, "価格で失注→再提案:2");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.trigger_kind = "first_purchase";
    assert_int_equal(store_playbook_list(db, &q, names_cb, &b, &err), 0);
    assert_string_equal(b.data, "welcome:3");
    buf_reset(&b);
    q.trigger_kind = "birthday";
    assert_int_equal(store_playbook_list(db, &q, names_cb, &b, &err), -1);
    assert_string_equal(err.field, "trigger_kind");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_update),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_enrollments),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
