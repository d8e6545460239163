/* Tests for src/core/buf.c: appends, formatting, the cap and the sticky error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static void test_append_and_printf(void **state)
{
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "顧客");
    buf_putc(&b, '-');
    buf_printf(&b, "%d:%s", 42, "x");
    buf_put_i64(&b, -9000000000LL);
    assert_string_equal(b.data, "顧客-42:x-9000000000");
    assert_int_equal(b.len, strlen(b.data));
    assert_false(b.failed);
    buf_release(&b);
}

static void test_long_printf_grows(void **state)
{
    struct buf b;
    char big[1000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    buf_init(&b, 0);
    buf_printf(&b, "<%s>", big);
    assert_int_equal(b.len, 1001);
    assert_int_equal(b.data[1000], '>');
    buf_release(&b);
}

static void test_cap_is_sticky(void **state)
{
    struct buf b;
    buf_init(&b, 5);
    buf_puts(&b, "abc");
    buf_puts(&b, "def"); /* would exceed the cap of 5 */
    assert_true(b.failed);
    assert_string_equal(b.data, "abc");
    buf_puts(&b, "g"); /* fits, but the error is sticky */
    assert_string_equal(b.data, "abc");
    buf_printf(&b, "%s", "zz");
    assert_string_equal(b.data, "abc");
    buf_reset(&b);
    assert_false(b.failed);
    buf_puts(&b, "12345");
    assert_false(b.failed);
    buf_release(&b);
}

static void test_detach(void **state)
{
    struct buf b;
    size_t len;
    char *s;
    buf_init(&b, 0);
    buf_puts(&b, "hello");
    s = buf_detach(&b, &len);
    assert_int_equal(len, 5);
    assert_string_equal(s, "hello");
    assert_int_equal(b.len, 0);
    free(s);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_printf),
        cmocka_unit_test(test_long_printf_grows),
        cmocka_unit_test(test_cap_is_sticky),
        cmocka_unit_test(test_detach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
