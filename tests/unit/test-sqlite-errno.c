/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-sqlite-errno.c: the SQLite VFS that remembers the file and errno of a
 * failed I/O call. Every failure here is real, made by the kernel: a read of
 * a directory (EISDIR), an open in a missing directory (ENOENT), a write past
 * RLIMIT_FSIZE (EFBIG). The oracle is the
 * errno the kernel gives the same call made directly.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "sqlite-errno.h"
#include "util.h"

static char *dir;

static void
setup(void)
{
	dir = tmpdir_new();
	sqlio_watch_install();
	sqlio_clear();
}

static void
teardown(void)
{
	tmpdir_free(dir);
	dir = NULL;
}

/* Run sql on the database at path (flags of sqlite3_open_v2); the SQLite result code. */
static int
run_sql(const char *path, int flags, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* The text of a one-value pragma on db ("exclusive", "0"). */
static char *
pragma_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v ? v : xstrdup("?");
}

/* The value of a one-value pragma (or query) on db is want; not_want: is anything but want. */
static void
assert_value(sqlite3 *db, const char *sql, const char *want, bool not_want)
{
	char *v = pragma_of(db, sql);

	if (not_want)
		ck_assert_str_ne(v, want);
	else
		ck_assert_str_eq(v, want);
	free(v);
}

/*
 * Whether another process can write the database at path now (its lock is free): a new program,
 * not a fork, which would share this process's SQLite caches and believe it held their locks.
 */
static bool
writable_elsewhere(const char *path)
{
	return run_cmd(NULL, "python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0); "
		       "c.execute(\"INSERT INTO t VALUES (2)\"); c.commit()' '%s' 2>/dev/null", path) == 0;
}

/*
 * A private directory: its databases get one exclusive lock and no syncs, and connections to one
 * file share their cache (a row written through one is read through the other inside its own
 * read transaction, which a private cache would not show); a database elsewhere keeps the defaults.
 */
START_TEST(test_private_dir_scoped)
{
	_autofree_ char *priv = path_join(dir, "stage");
	_autofree_ char *a = path_join(priv, "cert9.db");
	_autofree_ char *b = path_join(dir, "cert9.db");
	sqlite3 *da = NULL, *da2 = NULL, *db = NULL;

	ck_assert_int_eq(mkdir(priv, 0700), 0);
	ck_assert_int_eq(run_sql(a, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "CREATE TABLE t (x)"), SQLITE_OK);
	ck_assert_int_eq(run_sql(b, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "CREATE TABLE t (x)"), SQLITE_OK);
	sqlio_private_dir(priv);
	ck_assert_int_eq(sqlite3_open_v2(a, &da, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_open_v2(a, &da2, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_open_v2(b, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_value(da, "PRAGMA locking_mode", "exclusive", false);
	assert_value(da, "PRAGMA synchronous", "0", false);
	assert_value(db, "PRAGMA locking_mode", "normal", false);
	assert_value(db, "PRAGMA synchronous", "0", true);
	/* both connections write the private file in turn: one process, one lock, no busy wait */
	ck_assert_int_eq(sqlite3_exec(da, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(da2, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLITE_OK);
	assert_value(da, "SELECT count(*) FROM t", "2", false);
	/* the private file stays locked for other processes; the other one is free */
	ck_assert(!writable_elsewhere(a));
	ck_assert(writable_elsewhere(b));
	sqlite3_close(da);
	sqlite3_close(da2);
	sqlite3_close(db);
	/* closed, and the directory no longer private: the file is free again, new connections are normal */
	sqlio_private_dir(NULL);
	ck_assert(writable_elsewhere(a));
	ck_assert_int_eq(sqlite3_open_v2(a, &da, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_value(da, "PRAGMA locking_mode", "normal", false);
	sqlite3_close(da);
}
END_TEST

START_TEST(test_install_is_idempotent)
{
	sqlite3_vfs *def;

	sqlio_watch_install();
	sqlio_watch_install();
	def = sqlite3_vfs_find(NULL);
	ck_assert_ptr_nonnull(def);
	ck_assert_str_eq(def->zName, "mozcert-watch");
	/* Wrapped once: the VFS below it is SQLite's own, not a second watcher. */
	ck_assert_ptr_nonnull(sqlite3_vfs_find("unix"));
}
END_TEST

START_TEST(test_no_failure_nothing_recorded)
{
	_autofree_ char *db = path_join(dir, "ok.db");
	char buf[600] = "junk";

	ck_assert_int_eq(run_sql(db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 "create table t(x); insert into t values(1)"), SQLITE_OK);
	ck_assert_int_eq(sqlio_take_failure(buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_read_of_a_directory)
{
	/* The oracle: read(2) of a directory opened read-only fails with EISDIR. */
	_autofree_ char *sub = path_join(dir, "cert9.db");
	char buf[600], one;
	int fd, e;

	ck_assert_int_eq(mkdir(sub, 0700), 0);
	fd = open(sub, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_lt(read(fd, &one, 1), 0);
	e = errno;
	close(fd);
	ck_assert_int_eq(e, EISDIR);

	ck_assert_int_ne(run_sql(sub, SQLITE_OPEN_READONLY, "select * from sqlite_master"), SQLITE_OK);
	ck_assert_int_eq(sqlio_take_failure(buf, sizeof(buf)), EISDIR);
	ck_assert_msg(strncmp(buf, "cannot read '", 13) == 0, "a read failed: %s", buf);
	ck_assert_msg(strstr(buf, sub) != NULL, "the path is named: %s", buf);
	ck_assert_msg(strstr(buf, strerror(EISDIR)) != NULL, "%s", buf);
	/* Taken: the next take has nothing. */
	ck_assert_int_eq(sqlio_take_failure(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_open_in_a_missing_directory)
{
	_autofree_ char *db = path_join(dir, "no/such/dir/cert9.db");
	char buf[600];

	ck_assert_int_eq(run_sql(db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "create table t(x)"),
			 SQLITE_CANTOPEN);
	ck_assert_int_eq(sqlio_take_failure(buf, sizeof(buf)), ENOENT);
	ck_assert_msg(strstr(buf, "cannot open") && strstr(buf, db), "%s", buf);
}
END_TEST

START_TEST(test_not_a_database_is_no_io_error)
{
	/* A file SQLite reads fine but refuses (SQLITE_NOTADB): no system call failed, nothing recorded. */
	_autofree_ char *db = path_join(dir, "junk.db");
	char buf[600];

	write_text(db, "this is no SQLite database at all, just text that is long enough to hold a header. "
		       "this is no SQLite database at all, just text that is long enough to hold a header.");
	ck_assert_int_eq(run_sql(db, SQLITE_OPEN_READONLY, "select * from sqlite_master"), SQLITE_NOTADB);
	ck_assert_int_eq(sqlio_take_failure(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_clear_forgets)
{
	_autofree_ char *db = path_join(dir, "no/cert9.db");
	char buf[600];

	ck_assert_int_ne(run_sql(db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "create table t(x)"), SQLITE_OK);
	sqlio_clear();
	ck_assert_int_eq(sqlio_take_failure(buf, sizeof(buf)), 0);
}
END_TEST

/* In a child: RLIMIT_FSIZE of limit bytes, SIGXFSZ ignored, so a write past it fails with EFBIG. */
static void
limit_file_size(rlim_t limit)
{
	struct rlimit rl = {limit, limit};

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		_exit(20);
}

START_TEST(test_write_past_the_file_size_limit)
{
	_autofree_ char *db = path_join(dir, "big.db");
	_autofree_ char *probe = path_join(dir, "probe");
	_autofree_ char *msg = path_join(dir, "msg");
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static char block[65536];
		char buf[600];
		int fd, e, got;
		FILE *f;

		limit_file_size(16384);
		/* The oracle: the kernel refuses the same write made directly. */
		fd = open(probe, O_WRONLY | O_CREAT, 0600);
		if (fd < 0 || write(fd, block, sizeof(block)) != 16384 || write(fd, block, 1) >= 0)
			_exit(21);
		e = errno;
		close(fd);
		if (e != EFBIG)
			_exit(22);
		if (run_sql(db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    "create table t(x); insert into t values(randomblob(100000))") == SQLITE_OK)
			_exit(23);
		got = sqlio_take_failure(buf, sizeof(buf));
		f = fopen(msg, "w");
		if (!f)
			_exit(24);
		fprintf(f, "%d %s", got, buf);
		fclose(f);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	{
		_autofree_ char *text = read_whole(msg, NULL);
		int got = atoi(text);

		ck_assert_msg(got == EFBIG, "recorded: %s", text);
		ck_assert_msg(strstr(text, "cannot write") != NULL, "%s", text);
		ck_assert_msg(strstr(text, "big.db") != NULL, "%s", text);
		ck_assert_msg(strstr(text, strerror(EFBIG)) != NULL, "%s", text);
	}
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("sqlite-errno");
	TCase *tc = tcase_create("sqlite-errno");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_install_is_idempotent);
	tcase_add_test(tc, test_private_dir_scoped);
	tcase_add_test(tc, test_no_failure_nothing_recorded);
	tcase_add_test(tc, test_read_of_a_directory);
	tcase_add_test(tc, test_open_in_a_missing_directory);
	tcase_add_test(tc, test_not_a_database_is_no_io_error);
	tcase_add_test(tc, test_clear_forgets);
	tcase_add_test(tc, test_write_past_the_file_size_limit);
	suite_add_tcase(s, tc);
	return s;
}
