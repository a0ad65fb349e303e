/* SPDX-License-Identifier: MPL-2.0 */
/* test-atomic-write.c: the safe-write path: atomic replace, backups, the journaled store swap. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "atomic-write.h"
#include "fileio.h"
#include "stage.h"
#include "helpers.h"

static char *dir;

static void
setup(void)
{
	dir = tmpdir_new();
	/* Stage inside the test's directory: a killed child must not leave anything in /dev/shm. */
	setenv("MOZCERT_STAGE_DIR", dir, 1);
}

static void
teardown(void)
{
	tmpdir_free(dir);
	dir = NULL;
}

static char *
p(const char *name)
{
	return path_join(dir, name);
}

START_TEST(test_replace_keeps_mode_and_backs_up)
{
	_autofree_ char *f = p("prefs.js");
	struct mc_error err = {0};
	struct backup b;
	struct stat st;
	size_t len;
	char *old;

	write_text(f, "old\n");
	chmod(f, 0640);
	backup_init(&b, dir, "test");
	ck_assert_int_eq(atomic_replace(dir, "prefs.js", "new\n", 4, ATOMIC_BACKUP, &b, &err), 1);
	ck_assert_ptr_nonnull(b.path);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	{
		_autofree_ char *bf = path_join(b.path, "prefs.js");
		_autofree_ char *content = read_whole(bf, &len);

		ck_assert_str_eq(content, "old\n");
	}
	old = read_whole(f, &len);
	ck_assert_str_eq(old, "new\n");
	free(old);
	/* Same content again: unchanged, nothing written. */
	ck_assert_int_eq(atomic_replace(dir, "prefs.js", "new\n", 4, ATOMIC_BACKUP, &b, &err), 0);
	backup_release(&b);
}
END_TEST

START_TEST(test_backup_never_overwritten)
{
	_autofree_ char *f = p("cert_override.txt");
	struct mc_error err = {0};
	struct backup b1, b2;

	write_text(f, "one\n");
	backup_init(&b1, dir, NULL);
	backup_init(&b2, dir, NULL);
	ck_assert_int_eq(backup_add(&b1, "cert_override.txt", true, &err), 0);
	write_text(f, "two\n");
	ck_assert_int_eq(backup_add(&b2, "cert_override.txt", true, &err), 0);
	ck_assert_str_ne(b1.path, b2.path);
	{
		_autofree_ char *f1 = path_join(b1.path, "cert_override.txt");
		_autofree_ char *f2 = path_join(b2.path, "cert_override.txt");
		_autofree_ char *c1 = read_whole(f1, NULL);
		_autofree_ char *c2 = read_whole(f2, NULL);
		struct stat st;

		ck_assert_str_eq(c1, "one\n");
		ck_assert_str_eq(c2, "two\n");
		ck_assert_int_eq(stat(f1, &st), 0);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
	}
	backup_release(&b1);
	backup_release(&b2);
}
END_TEST

START_TEST(test_refuses_symlink)
{
	_autofree_ char *outside = p("outside.txt");
	_autofree_ char *link = p("prefs.js");
	struct mc_error err = {0};
	char *c;

	write_text(outside, "secret\n");
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_int_lt(atomic_replace(dir, "prefs.js", "x", 1, 0, NULL, &err), 0);
	ck_assert(strstr(err.msg, "symbolic link") != NULL);
	c = read_whole(outside, NULL);
	ck_assert_str_eq(c, "secret\n");
	free(c);
}
END_TEST

START_TEST(test_new_file_is_private)
{
	_autofree_ char *f = p("new.txt");
	struct mc_error err = {0};
	struct stat st;

	ck_assert_int_eq(atomic_replace(dir, "new.txt", "x", 1, 0, NULL, &err), 1);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* A profile whose staged pair is swapped by a child killed at point; returns the child's status. */
static int
swap_and_die_drop(const char *point, const char *drop)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct stage st;
		struct mc_error err = {0};
		_autofree_ char *c9 = NULL;
		_autofree_ char *k4 = NULL;

		if (stage_begin(dir, CERTDB_SQL, &st, &err) < 0)
			_exit(10);
		c9 = path_join(st.dir, "cert9.db");
		k4 = path_join(st.dir, "key4.db");
		write_text(c9, "new cert9");
		write_text(k4, "new key4");
		setenv("MOZCERT_CRASH_AT", point, 1);
		if (drop) {
			struct backup b;

			backup_init(&b, dir, "test");
			stage_drop(&st, drop);
			_exit(stage_commit(&st, &b, &err) < 0 ? 11 : 0);
		}
		_exit(stage_commit(&st, NULL, &err) < 0 ? 11 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static int
swap_and_die(const char *point)
{
	return swap_and_die_drop(point, NULL);
}

static void
assert_pair(const char *c9want, const char *k4want)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");
	_autofree_ char *a = read_whole(c9, NULL);
	_autofree_ char *b = read_whole(k4, NULL);

	ck_assert_str_eq(a, c9want);
	ck_assert_str_eq(b, k4want);
}

static const char *const points[] = {"before-journal", "before-rename", "between-renames", "after-renames"};

START_TEST(test_swap_crash_points)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");
	struct mc_error err = {0};
	int status;

	write_text(c9, "old cert9");
	write_text(k4, "old key4");
	status = swap_and_die(points[_i]);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* What the next run sees after recovery is one whole pair. */
	ck_assert_int_eq(stage_recover(dir, &err), 0);
	if (_i == 0)
		assert_pair("old cert9", "old key4");
	else
		assert_pair("new cert9", "new key4");
	ck_assert(!stage_pending(dir));
	/* No stray temporary file is left behind. */
	{
		char *out = NULL;

		ck_assert_int_eq(run_cmd(&out, "ls -A '%s' | grep -c '^\\..*mozcert-' || true", dir), 0);
		ck_assert_str_eq(out, "0\n");
		free(out);
	}
}
END_TEST

START_TEST(test_swap_completes)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");

	write_text(c9, "old cert9");
	write_text(k4, "old key4");
	ck_assert_int_eq(swap_and_die("none"), 0);
	assert_pair("new cert9", "new key4");
	ck_assert(!stage_pending(dir));
}
END_TEST

/* A file that goes with the swap (db upgrade's cert8.db) stays with the old pair and goes with the new one. */
START_TEST(test_swap_drop_crash_points)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");
	_autofree_ char *c8 = p("cert8.db");
	struct mc_error err = {0};
	char *out = NULL;
	int status;

	write_text(c9, "old cert9");
	write_text(k4, "old key4");
	write_text(c8, "legacy cert8");
	status = swap_and_die_drop(points[_i], "cert8.db");
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(stage_recover(dir, &err), 0);
	if (_i == 0) {
		assert_pair("old cert9", "old key4");
		ck_assert(fileio_exists(c8));
	} else {
		assert_pair("new cert9", "new key4");
		ck_assert(!fileio_exists(c8));
	}
	ck_assert(!stage_pending(dir));
	/* Linked into the backup before the swap was decided: never lost. */
	ck_assert_int_eq(run_cmd(&out, "cat '%s'/mozcert-backups/*/cert8.db", dir), 0);
	ck_assert_str_eq(out, "legacy cert8");
	free(out);
}
END_TEST

START_TEST(test_swap_drop_completes)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");
	_autofree_ char *c8 = p("cert8.db");

	write_text(c9, "old cert9");
	write_text(k4, "old key4");
	write_text(c8, "legacy cert8");
	ck_assert_int_eq(swap_and_die_drop("none", "cert8.db"), 0);
	assert_pair("new cert9", "new key4");
	ck_assert(!fileio_exists(c8));
	ck_assert(!stage_pending(dir));
}
END_TEST

START_TEST(test_private_dir_sweeps_orphans)
{
	_autofree_ char *dead = path_join(dir, "mozcert-test-2147483646-abcdef");
	_autofree_ char *alive = NULL;
	_autofree_ char *other = path_join(dir, "mozcert-other-2147483646-abcdef");
	_autofree_ char *mine = NULL;
	_autofree_ char *inner = NULL;
	struct mc_error err = {0};
	struct stat st;

	alive = xasprintf("%s/mozcert-test-%ld-abcdef", dir, (long)getppid());
	ck_assert_int_eq(mkdir(dead, 0700), 0);
	inner = path_join(dead, "cert9.db");
	write_text(inner, "copy of a store");
	ck_assert_int_eq(mkdir(alive, 0700), 0);
	ck_assert_int_eq(mkdir(other, 0700), 0);
	mine = fileio_private_dir(dir, "test", &err);
	ck_assert_ptr_nonnull(mine);
	ck_assert_int_eq(stat(mine, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	/* The directory of a process that no longer exists is gone; a live one's and another kind's stay. */
	ck_assert(!fileio_exists(dead));
	ck_assert(fileio_exists(alive));
	ck_assert(fileio_exists(other));
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("atomic");
	TCase *tc = tcase_create("atomic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replace_keeps_mode_and_backs_up);
	tcase_add_test(tc, test_backup_never_overwritten);
	tcase_add_test(tc, test_refuses_symlink);
	tcase_add_test(tc, test_new_file_is_private);
	tcase_add_loop_test(tc, test_swap_crash_points, 0, (int)ARRAY_SIZE(points));
	tcase_add_test(tc, test_swap_completes);
	tcase_add_loop_test(tc, test_swap_drop_crash_points, 0, (int)ARRAY_SIZE(points));
	tcase_add_test(tc, test_swap_drop_completes);
	tcase_add_test(tc, test_private_dir_sweeps_orphans);
	suite_add_tcase(s, tc);
	return s;
}
