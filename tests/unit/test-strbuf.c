/* SPDX-License-Identifier: MPL-2.0 */
/* test-strbuf.c: the growable buffer and the error type. */
#include <check.h>
#include <errno.h>

#include "strbuf.h"
#include "error.h"

START_TEST(test_strbuf_grows_and_formats)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	ck_assert_uint_eq(sb.len, strlen(sb.buf));
	ck_assert(strstartswith(sb.buf, "0,1,2,"));
	ck_assert_str_eq(sb.buf + sb.len - 4, "999,");
	strbuf_add(&sb, "a\0b", 3);
	ck_assert_uint_eq(sb.buf[sb.len - 2], '\0');
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_strbuf_detach_leaves_nothing)
{
	struct strbuf sb;
	size_t len;
	char *s;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "abc");
	s = strbuf_detach(&sb, &len);
	ck_assert_str_eq(s, "abc");
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_null(sb.buf);
	/* Reuse after detach grows a new buffer; formatting into it works too. */
	strbuf_addf(&sb, "%d-%s", 42, "x");
	ck_assert_str_eq(sb.buf, "42-x");
	strbuf_release(&sb);
	strbuf_release(&sb);
	free(s);
}
END_TEST

START_TEST(test_error_first_wins)
{
	struct mc_error err = {0};

	ck_assert_int_eq(mc_error_set(&err, MC_EINPUT, "file '%s':%d: bad", "x", 3), MC_EINPUT);
	mc_error_set(&err, MC_EFAIL, "second");
	ck_assert_int_eq(err.code, MC_EINPUT);
	ck_assert_str_eq(err.msg, "file 'x':3: bad");
	ck_assert_int_eq(mc_error_exit_status(err.code), 1);
	ck_assert_int_eq(mc_error_exit_status(MC_EUSAGE), 2);
	ck_assert_int_eq(mc_error_exit_status(MC_EINUSE), 3);
	ck_assert_int_eq(mc_error_exit_status(0), 0);
	mc_error_clear(&err);
	errno = ENOENT;
	mc_error_sys(&err, "cannot open '%s'", "f");
	ck_assert_str_eq(err.msg, "cannot open 'f': No such file or directory");
	ck_assert_int_eq(err.sys_errno, ENOENT);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_strbuf_grows_and_formats);
	tcase_add_test(tc, test_strbuf_detach_leaves_nothing);
	tcase_add_test(tc, test_error_first_wins);
	suite_add_tcase(s, tc);
	return s;
}
