/* SPDX-License-Identifier: MPL-2.0 */
/* profile-lock.c: probing and taking the profile lock as nsProfileLock does on Unix. */
#include "profile-lock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"
#include "banned.h"

/*
 * Locks this process holds, by file identity. profile_in_use() must not
 * report them, and must not open and close their file: with plain POSIX
 * locks (the fallback when open-file-description locks are missing) any
 * close of the file by this process drops the lock.
 */
struct held_lock {
	int fd;
	dev_t dev;
	ino_t ino;
};

static struct held_lock held_locks[16];
static size_t n_held;

static bool
is_held_here(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < n_held; i++)
		if (held_locks[i].dev == dev && held_locks[i].ino == ino)
			return true;
	return false;
}

static void
remember(int fd, const struct stat *st)
{
	if (n_held < ARRAY_SIZE(held_locks))
		held_locks[n_held++] = (struct held_lock){ fd, st->st_dev, st->st_ino };
}

static void
forget(int fd)
{
	for (size_t i = 0; i < n_held; i++) {
		if (held_locks[i].fd == fd) {
			held_locks[i] = held_locks[--n_held];
			return;
		}
	}
}

static void
whole_file(struct flock *fl, short type)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
	fl->l_start = 0;
	fl->l_len = 0;
}

/* F_SETLK for a write lock; prefers an open-file-description lock. 0 or -1 with errno. */
static int
set_write_lock(int fd)
{
	struct flock fl;

#ifdef F_OFD_SETLK
	whole_file(&fl, F_WRLCK);
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
#endif
	whole_file(&fl, F_WRLCK);
	return fcntl(fd, F_SETLK, &fl);
}

/* 1 when a write lock would conflict, 0 when not, -1 when the file system cannot tell. */
static int
write_lock_conflicts(int fd)
{
	struct flock fl;

#ifdef F_OFD_GETLK
	whole_file(&fl, F_WRLCK);
	if (fcntl(fd, F_OFD_GETLK, &fl) == 0)
		return fl.l_type != F_UNLCK;
	if (errno != EINVAL)
		return -1;
#endif
	whole_file(&fl, F_WRLCK);
	if (fcntl(fd, F_GETLK, &fl) < 0)
		return -1;
	return fl.l_type != F_UNLCK;
}

/* Firefox writes the address it resolves its host name to, usually 127.0.1.1; no DNS here. */
static bool
is_local_ipv4(struct in_addr addr)
{
	struct ifaddrs *ifa = NULL;
	bool local = false;

	if ((ntohl(addr.s_addr) >> 24) == 127)
		return true;
	if (getifaddrs(&ifa) < 0)
		return false;
	for (struct ifaddrs *i = ifa; i && !local; i = i->ifa_next) {
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;

			local = sin->sin_addr.s_addr == addr.s_addr;
		}
	}
	freeifaddrs(ifa);
	return local;
}

/*
 * The 'lock' symlink, whose target text is "IP:+PID" when the fcntl lock is
 * also held (then the fcntl lock alone decides) or "IP:PID" where the file
 * system has no fcntl locks. As nsProfileLock::LockWithSymlink: a foreign
 * host means locked, a local PID means locked while the process lives.
 */
static bool
lock_symlink_in_use(const char *dir)
{
	_autofree_ char *path = path_join(dir, "lock");
	char buf[256];
	char *colon, *end;
	struct in_addr addr;
	ssize_t n;
	long pid;

	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	colon = strchr(buf, ':');
	if (!colon)
		return false;
	*colon++ = '\0';
	if (*colon == '+')
		return false;
	if (inet_pton(AF_INET, buf, &addr) != 1)
		return false;
	errno = 0;
	pid = strtol(colon, &end, 10);
	if (errno || end == colon || *end || pid <= 0 || pid > INT32_MAX)
		return false;
	if (!is_local_ipv4(addr))
		return true;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

bool
profile_in_use(const char *dir)
{
	_autofree_ char *path = path_join(dir, ".parentlock");
	_autoclose_ int fd = -1;
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && !is_held_here(st.st_dev, st.st_ino)) {
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 && write_lock_conflicts(fd) == 1)
			return true;
	}
	return lock_symlink_in_use(dir);
}

/*
 * Open (creating it 0644 when missing, never truncating, never through a
 * symlink) the lock file path of dir; *st is its stat. The application, run
 * by the profile's owner, must be able to open it for writing: one we made
 * goes to that owner. Never one we found (root would give away whatever
 * file a hard link there names). An fd, or a negative mc_code.
 */
static int
open_lock_file(const char *dir, const char *path, int mode, const char *what, struct stat *st,
	       struct mc_error *err)
{
	_autoclose_ int fd = -1;
	bool created;

	fd = open(path, mode | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
	created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, mode | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return mc_error_set(err, MC_EFAIL, "'%s' is a symbolic link; not taking %s", path, what);
	if (fd < 0)
		return mc_error_sys(err, "cannot open %s '%s'", what, path);
	if (fstat(fd, st) < 0)
		return mc_error_sys(err, "cannot stat '%s'", path);
	if (!S_ISREG(st->st_mode))
		return mc_error_set(err, MC_EFAIL, "'%s' is not a regular file", path);
	if (created && fileio_adopt_owner(fd, dir, err) < 0)
		return MC_EFAIL;
	return steal_fd(&fd);
}

static int
lock_wait_seconds(void)
{
	const char *e = getenv("MOZCERT_LOCK_WAIT");
	char *end;
	long v;

	if (!e || !*e)
		return MOZCERT_LOCK_WAIT_DEFAULT;
	errno = 0;
	v = strtol(e, &end, 10);
	if (errno || *end || v < 0 || v > 86400)
		return MOZCERT_LOCK_WAIT_DEFAULT;
	return (int)v;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The PID the holder wrote into the lock file, or 0. */
static long
own_lock_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	pid = strtol(buf, &end, 10);
	return errno || end == buf || pid <= 0 ? 0 : pid;
}

/*
 * mozcert's own lock, taken before the application's and whatever --force
 * says: with it two mozcert runs never stage, swap or sweep one profile at
 * once (each run's clean-up removes temporary files it takes for a killed
 * run's). 1 when busy after wait_s seconds (err set), 0 otherwise.
 */
static int
own_lock_take(const char *dir, int wait_s, struct profile_lock *lk, struct mc_error *err)
{
	_autofree_ char *path = path_join(dir, MOZCERT_LOCK_NAME);
	_autoclose_ int fd = -1;
	struct stat st;
	double deadline;
	char pid[24];
	int n;

	if ((fd = open_lock_file(dir, path, O_RDWR, "mozcert's lock", &st, err)) < 0)
		return fd;
	deadline = now_seconds() + wait_s;
	while (set_write_lock(fd) < 0) {
		struct timespec pause = {0, 20 * 1000 * 1000};

		if (errno == ENOLCK || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOTSUP)
			return 0;  /* no locks on this file system: as for the application's lock */
		if (errno != EAGAIN && errno != EACCES)
			return mc_error_sys(err, "cannot lock '%s'", path);
		if (now_seconds() >= deadline) {
			long holder = own_lock_holder(fd);

			mc_error_set(err, MC_EINUSE,
				     "profile '%s' is being changed by another mozcert process (pid %ld); waited %d s "
				     "(MOZCERT_LOCK_WAIT)", dir, holder, wait_s);
			return 1;
		}
		nanosleep(&pause, NULL);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	/* Only a hint for the message of a waiting run: failures do not matter. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) < 0)
		errno = 0;
	lk->own_fd = steal_fd(&fd);
	lk->own_held = true;
	return 0;
}

static void
own_lock_release(struct profile_lock *lk)
{
	if (lk->own_held && lk->own_fd >= 0)
		close(lk->own_fd);
	lk->own_fd = -1;
	lk->own_held = false;
}

/* The application's lock on .parentlock; lk's own-lock fields are left alone. */
static int
app_lock_take(const char *dir, bool force, struct profile_lock *lk, struct mc_error *err)
{
	_autofree_ char *path = path_join(dir, ".parentlock");
	_autoclose_ int fd = -1;
	bool held = false, in_use = false;
	struct stat st;

	/* Never O_TRUNC: the application keeps the file, and its mtime means "last used". */
	if ((fd = open_lock_file(dir, path, O_WRONLY, "the profile lock", &st, err)) < 0)
		return fd;

	if (set_write_lock(fd) == 0) {
		held = true;
	} else if (errno == EAGAIN || errno == EACCES) {
		in_use = true;
	} else if (errno != ENOLCK && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOTSUP) {
		return mc_error_sys(err, "cannot lock '%s'", path);
	}
	/* Where fcntl locks do not work the application only leaves the symlink. */
	if (!in_use)
		in_use = lock_symlink_in_use(dir);

	if (in_use) {
		if (!force)
			return mc_error_set(err, MC_EINUSE,
					    "profile '%s' is in use by the application (close it, or use --force)",
					    dir);
		return 0;
	}
	if (!held)
		return 0;
	remember(fd, &st);
	lk->fd = steal_fd(&fd);
	lk->held = true;
	return 0;
}

bool
mozcert_lock_busy(const char *dir)
{
	_autofree_ char *path = path_join(dir, MOZCERT_LOCK_NAME);
	_autoclose_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && write_lock_conflicts(fd) == 1;
}

int
profile_lock_acquire(const char *dir, bool force, struct profile_lock *lk, struct mc_error *err)
{
	int ret;

	*lk = (struct profile_lock){.fd = -1, .own_fd = -1};
	if ((ret = own_lock_take(dir, lock_wait_seconds(), lk, err)) != 0)
		return ret > 0 ? MC_EINUSE : ret;
	if ((ret = app_lock_take(dir, force, lk, err)) < 0)
		own_lock_release(lk);
	return ret;
}

int
profile_lock_try(const char *dir, struct profile_lock *lk, struct mc_error *err)
{
	struct mc_error busy = {0};
	int ret;

	*lk = (struct profile_lock){.fd = -1, .own_fd = -1};
	if ((ret = own_lock_take(dir, 0, lk, &busy)) != 0) {
		if (ret < 0)
			*err = busy;
		return ret > 0 ? 0 : ret;
	}
	if ((ret = app_lock_take(dir, false, lk, &busy)) < 0 || !lk->held) {
		profile_lock_release(lk);
		if (ret == MC_EINUSE)
			return 0;
		*err = busy;
		return ret;
	}
	return 0;
}

void
profile_lock_release(struct profile_lock *lk)
{
	if (!lk)
		return;
	if (lk->held && lk->fd >= 0) {
		forget(lk->fd);
		close(lk->fd);
	}
	lk->fd = -1;
	lk->held = false;
	own_lock_release(lk);
}
