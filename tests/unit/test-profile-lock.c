/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-profile-lock.c: the application's profile lock (.parentlock and the
 * 'lock' symlink) held by a live process or left stale, and mozcert's own
 * .mozcert-lock. Holders are real processes: a child taking the POSIX lock
 * as nsProfileLock does, a child running profile_lock_acquire, and, when it
 * is installed, Firefox itself (headless) on the profile.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "profile-lock.h"
#include "util.h"

static char *tmp;

static void
setup(void)
{
	tmp = tmpdir_new();
}

static void
teardown(void)
{
	tmpdir_free(tmp);
	tmp = NULL;
}

struct holder {
	pid_t pid;
	int release_fd;
};

/* Wait for the child's "ready" byte; the holder keeps its lock until stop_holder. */
static struct holder
holder_ready(pid_t pid, int ready[2], int release[2])
{
	struct holder h = {pid, release[1]};
	char c;

	close(ready[1]);
	close(release[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return h;
}

/*
 * A child that takes a lock on dir with take (false: it could not, and exits 1), says so, and keeps it
 * until stop_holder; then drop (may be NULL) lets it go.
 */
static struct holder
start_holder_with(const char *dir, bool (*take)(const char *dir), void (*drop)(void))
{
	int ready[2], release[2];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(release), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;

		close(ready[0]);
		close(release[1]);
		if (!take(dir) || write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)!read(release[0], &c, 1);
		if (drop)
			drop();
		_exit(0);
	}
	return holder_ready(pid, ready, release);
}

/* A POSIX write lock on dir/.parentlock, as Firefox takes it. */
static bool
take_parentlock(const char *dir)
{
	_autofree_ char *path = path_join(dir, ".parentlock");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	/* fd stays open: closing it would drop the lock */
	return fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0;
}

/* Both locks, as another mozcert takes them (profile_lock_acquire). */
static struct profile_lock held_lk;

static bool
take_profile_lock(const char *dir)
{
	struct mc_error err = {0};

	return profile_lock_acquire(dir, false, &held_lk, &err) == 0 && held_lk.own_held && held_lk.held;
}

static void
drop_profile_lock(void)
{
	profile_lock_release(&held_lk);
}

/* A child that holds a POSIX write lock on dir/.parentlock, as Firefox does, until stop_holder. */
static struct holder
start_holder(const char *dir)
{
	return start_holder_with(dir, take_parentlock, NULL);
}

/* A child that runs profile_lock_acquire on dir (another mozcert) and holds both locks until stop_holder. */
static struct holder
start_mozcert_holder(const char *dir)
{
	return start_holder_with(dir, take_profile_lock, drop_profile_lock);
}

static void
stop_holder(struct holder *h)
{
	int status;

	close(h->release_fd);
	ck_assert_int_eq(waitpid(h->pid, &status, 0), h->pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Can another process take the POSIX lock on dir/NAME right now? */
static bool
lockable_by_other_file(const char *dir, const char *name)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *path = path_join(dir, name);
		int fd = open(path, O_RDWR);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

		_exit(fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool
lockable_by_other(const char *dir)
{
	return lockable_by_other_file(dir, ".parentlock");
}

START_TEST(test_lock_held_by_other)
{
	struct profile_lock lk;
	struct mc_error err = {0};
	struct holder h = start_holder(tmp);
	char *msg;

	ck_assert(profile_in_use(tmp));
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), MC_EINUSE);
	ck_assert_int_eq(err.code, MC_EINUSE);
	if (asprintf(&msg, "profile '%s' is in use by the application (close it, or use --force)", tmp) < 0)
		abort();
	ck_assert_str_eq(err.msg, msg);
	free(msg);
	ck_assert(!lk.held);
	ck_assert_int_eq(lk.fd, -1);
	/* The refused run does not keep mozcert's own lock either. */
	ck_assert(!lk.own_held);
	ck_assert(lockable_by_other_file(tmp, MOZCERT_LOCK_NAME));

	mc_error_clear(&err);
	ck_assert_int_eq(profile_lock_acquire(tmp, true, &lk, &err), 0);
	ck_assert(!lk.held);
	ck_assert(lk.own_held);  /* --force skips the application's lock, never mozcert's */
	ck_assert_int_eq(err.code, 0);
	profile_lock_release(&lk);

	stop_holder(&h);
	ck_assert(!profile_in_use(tmp));
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), 0);
	ck_assert(lk.held);
	ck_assert_int_ge(lk.fd, 0);
	profile_lock_release(&lk);
	ck_assert_int_eq(lk.fd, -1);
	profile_lock_release(&lk);
}
END_TEST

START_TEST(test_lock_stale_file)
{
	struct profile_lock lk;
	struct mc_error err = {0};
	_autofree_ char *path = path_join(tmp, ".parentlock");
	_autofree_ char *lockln = path_join(tmp, "lock");
	struct stat st;
	size_t len;
	char *data;

	/* Missing .parentlock: not in use, and probing creates nothing. */
	ck_assert(!profile_in_use(tmp));
	ck_assert_int_eq(lstat(path, &st), -1);

	/* A file left behind after the application exited, with a stale '+' symlink. */
	write_text(path, "keep");
	ck_assert_int_eq(symlink("127.0.1.1:+999999", lockln), 0);
	ck_assert(!profile_in_use(tmp));
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), 0);
	ck_assert(lk.held);
	/* Never truncated. */
	data = read_whole(path, &len);
	ck_assert_str_eq(data, "keep");
	free(data);
	ck_assert(!lockable_by_other(tmp));
	profile_lock_release(&lk);
	ck_assert(lockable_by_other(tmp));
}
END_TEST

START_TEST(test_lock_own_lock)
{
	struct profile_lock lk;
	struct mc_error err = {0};

	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), 0);
	ck_assert(lk.held);
	/* Our own lock is not "in use", and probing does not drop it. */
	ck_assert(!profile_in_use(tmp));
	ck_assert(!lockable_by_other(tmp));
	ck_assert(!profile_in_use(tmp));
	ck_assert(!lockable_by_other(tmp));
	profile_lock_release(&lk);
	ck_assert(lockable_by_other(tmp));
}
END_TEST

START_TEST(test_lock_created)
{
	struct profile_lock lk;
	struct mc_error err = {0};
	_autofree_ char *path = path_join(tmp, ".parentlock");
	_autofree_ char *own = path_join(tmp, MOZCERT_LOCK_NAME);
	struct stat st;

	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0133, 0);
	ck_assert_int_eq(stat(own, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	profile_lock_release(&lk);

	/* A lock that was never taken closes nothing, whatever its fd says. */
	lk = (struct profile_lock){.fd = open("/dev/null", O_RDONLY), .held = false, .own_fd = -1};
	ck_assert_int_ge(lk.fd, 0);
	{
		int fd = lk.fd;

		profile_lock_release(&lk);
		ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
		close(fd);
	}
}
END_TEST

START_TEST(test_lock_symlink_refused)
{
	struct profile_lock lk;
	struct mc_error err = {0};
	_autofree_ char *path = path_join(tmp, ".parentlock");
	_autofree_ char *own = path_join(tmp, MOZCERT_LOCK_NAME);
	_autofree_ char *target = path_join(tmp, "target");

	write_text(target, "");
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), MC_EFAIL);
	ck_assert(strstr(err.msg, "is a symbolic link"));
	ck_assert(!lk.held);
	ck_assert(!profile_in_use(tmp));
	/* The same for mozcert's own lock file; the target is not written. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(unlink(own), 0);  /* made, 0644, by the run above */
	ck_assert_int_eq(symlink(target, own), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), MC_EFAIL);
	ck_assert(strstr(err.msg, "is a symbolic link"));
	ck_assert(!lk.own_held);
	{
		size_t len;
		char *data = read_whole(target, &len);

		ck_assert_uint_eq(len, 0);
		free(data);
	}
}
END_TEST

START_TEST(test_lock_nfs_symlink)
{
	struct profile_lock lk;
	struct mc_error err = {0};
	_autofree_ char *lockln = path_join(tmp, "lock");
	char target[64];
	pid_t dead;
	int status;

	/* A live local PID without '+': the application could not use fcntl (NFS). */
	snprintf(target, sizeof(target), "127.0.1.1:%d", (int)getpid());
	ck_assert_int_eq(symlink(target, lockln), 0);
	ck_assert(profile_in_use(tmp));
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), MC_EINUSE);
	ck_assert(!lk.held);
	mc_error_clear(&err);
	ck_assert_int_eq(profile_lock_acquire(tmp, true, &lk, &err), 0);
	ck_assert(!lk.held);
	profile_lock_release(&lk);
	/* The lock we did not keep is not left behind. */
	ck_assert(lockable_by_other(tmp));

	/* A dead PID is stale. */
	dead = fork();
	if (dead == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, &status, 0), dead);
	unlink(lockln);
	snprintf(target, sizeof(target), "127.0.0.1:%d", (int)dead);
	ck_assert_int_eq(symlink(target, lockln), 0);
	ck_assert(!profile_in_use(tmp));

	/* Another host: the application treats that as locked. */
	unlink(lockln);
	ck_assert_int_eq(symlink("192.0.2.77:1234", lockln), 0);
	ck_assert(profile_in_use(tmp));

	/* Garbage is not a lock. */
	unlink(lockln);
	ck_assert_int_eq(symlink("garbage", lockln), 0);
	ck_assert(!profile_in_use(tmp));
}
END_TEST

START_TEST(test_mozcert_lock_held_by_another_mozcert)
{
	struct holder h = start_mozcert_holder(tmp);
	_autofree_ char *own = path_join(tmp, MOZCERT_LOCK_NAME);
	_autofree_ char *want = NULL;
	struct profile_lock lk;
	struct mc_error err = {0};
	char *pid_text;

	/* The holder wrote its PID into the file, and the lock conflicts for any other process. */
	ck_assert(mozcert_lock_busy(tmp));
	ck_assert(!lockable_by_other_file(tmp, MOZCERT_LOCK_NAME));
	pid_text = read_whole(own, NULL);
	ck_assert_int_eq(atol(pid_text), (long)h.pid);
	free(pid_text);

	/* Not waiting: busy at once, the other mozcert named; --force does not pass it. */
	setenv("MOZCERT_LOCK_WAIT", "0", 1);
	for (int force = 0; force < 2; force++) {
		mc_error_clear(&err);
		ck_assert_int_eq(profile_lock_acquire(tmp, force, &lk, &err), MC_EINUSE);
		ck_assert(!lk.held && !lk.own_held);
		want = xasprintf("profile '%s' is being changed by another mozcert process (pid %ld); waited 0 s "
				 "(MOZCERT_LOCK_WAIT)", tmp, (long)h.pid);
		ck_assert_str_eq(err.msg, want);
		free(want);
		want = NULL;
	}
	/* profile_lock_try: no error, nothing held. */
	mc_error_clear(&err);
	ck_assert_int_eq(profile_lock_try(tmp, &lk, &err), 0);
	ck_assert(!lk.held && !lk.own_held);
	ck_assert_int_eq(err.code, 0);

	stop_holder(&h);
	ck_assert(!mozcert_lock_busy(tmp));
	ck_assert_int_eq(profile_lock_try(tmp, &lk, &err), 0);
	ck_assert(lk.held && lk.own_held);
	/* Held by this process: not busy for us, busy for everyone else. */
	ck_assert(!lockable_by_other_file(tmp, MOZCERT_LOCK_NAME));
	profile_lock_release(&lk);
	ck_assert(lockable_by_other_file(tmp, MOZCERT_LOCK_NAME));
}
END_TEST

START_TEST(test_mozcert_lock_waits_for_the_other)
{
	/* A second mozcert waits (MOZCERT_LOCK_WAIT) and gets the lock once the first lets go. */
	struct holder h = start_mozcert_holder(tmp);
	struct profile_lock lk;
	struct mc_error err = {0};
	pid_t releaser;
	int status;

	setenv("MOZCERT_LOCK_WAIT", "60", 1);
	releaser = fork();
	ck_assert_int_ge(releaser, 0);
	if (releaser == 0) {
		struct timespec pause = {0, 200 * 1000 * 1000};

		nanosleep(&pause, NULL);
		close(h.release_fd);
		_exit(0);
	}
	close(h.release_fd);  /* the holder now waits for the releaser's copy only */
	ck_assert_int_eq(profile_lock_acquire(tmp, false, &lk, &err), 0);
	ck_assert(lk.held && lk.own_held);
	ck_assert_int_eq(waitpid(releaser, &status, 0), releaser);
	ck_assert_int_eq(waitpid(h.pid, &status, 0), h.pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	profile_lock_release(&lk);
}
END_TEST

#define FIREFOX "/usr/bin/firefox-esr"

/* Start headless Firefox on profile dir in its own process group; its PID. */
static pid_t
start_firefox(const char *dir)
{
	_autofree_ char *userjs = path_join(dir, "user.js");
	_autofree_ char *home = path_join(dir, "home");
	pid_t pid;

	/* No traffic: every connection goes to a proxy on a closed port. */
	write_text(userjs, "user_pref(\"network.proxy.type\", 1);\n"
			   "user_pref(\"network.proxy.http\", \"127.0.0.1\");\n"
			   "user_pref(\"network.proxy.http_port\", 9);\n"
			   "user_pref(\"network.proxy.ssl\", \"127.0.0.1\");\n"
			   "user_pref(\"network.proxy.ssl_port\", 9);\n"
			   "user_pref(\"browser.shell.checkDefaultBrowser\", false);\n");
	mkdir(home, 0700);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		setenv("HOME", home, 1);
		setenv("MOZ_CRASHREPORTER_DISABLE", "1", 1);
		execl(FIREFOX, FIREFOX, "--headless", "--no-remote", "--profile", dir, "about:blank", (char *)NULL);
		_exit(127);
	}
	return pid;
}

START_TEST(test_firefox_live_then_stale)
{
	_autofree_ char *prof = NULL;
	_autofree_ char *lockln = NULL;
	_autofree_ char *want = NULL;
	struct profile_lock lk;
	struct mc_error err = {0};
	char target[64] = "";
	pid_t ff;
	int status, i;

	if (access(FIREFOX, X_OK) != 0) {
		printf("# SKIP " FIREFOX " is not installed\n");
		fflush(stdout);
		return;
	}
	prof = path_join(tmp, "profile");
	lockln = path_join(prof, "lock");
	ck_assert_int_eq(mkdir(prof, 0700), 0);
	ff = start_firefox(prof);
	/* Firefox takes the lock early in its start-up: wait for it (at most 90 s on a loaded machine). */
	for (i = 0; i < 900 && !profile_in_use(prof); i++) {
		struct timespec pause = {0, 100 * 1000 * 1000};

		ck_assert_int_eq(waitpid(ff, &status, WNOHANG), 0);  /* still running */
		nanosleep(&pause, NULL);
	}
	ck_assert_msg(profile_in_use(prof), "Firefox never locked its profile");
	ck_assert_int_gt(readlink(lockln, target, sizeof(target) - 1), 0);
	want = xasprintf(":+%d", (int)ff);
	ck_assert_msg(strstr(target, want) != NULL, "lock -> %s, Firefox is pid %d", target, (int)ff);
	ck_assert_int_eq(profile_lock_acquire(prof, false, &lk, &err), MC_EINUSE);
	ck_assert(!lk.held);
	ck_assert(!lockable_by_other(prof));

	/* Killed: .parentlock and the symlink stay, the lock is stale. */
	ck_assert_int_eq(kill(-ff, SIGKILL), 0);
	ck_assert_int_eq(waitpid(ff, &status, 0), ff);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_gt(readlink(lockln, target, sizeof(target) - 1), 0);
	ck_assert(!profile_in_use(prof));
	mc_error_clear(&err);
	ck_assert_int_eq(profile_lock_acquire(prof, false, &lk, &err), 0);
	ck_assert(lk.held);
	profile_lock_release(&lk);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("profile-lock");
	TCase *tc = tcase_create("profile-lock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lock_held_by_other);
	tcase_add_test(tc, test_lock_stale_file);
	tcase_add_test(tc, test_lock_own_lock);
	tcase_add_test(tc, test_lock_created);
	tcase_add_test(tc, test_lock_symlink_refused);
	tcase_add_test(tc, test_lock_nfs_symlink);
	tcase_add_test(tc, test_mozcert_lock_held_by_another_mozcert);
	tcase_add_test(tc, test_mozcert_lock_waits_for_the_other);
	tcase_add_test(tc, test_firefox_live_then_stale);
	suite_add_tcase(s, tc);
	return s;
}
