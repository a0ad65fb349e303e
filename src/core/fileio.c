/* SPDX-License-Identifier: MPL-2.0 */
/* fileio.c: bounded reads of input files and whole-file copies. */
#include "fileio.h"

#include "owner-identity.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>

#include "banned.h"

int
fileio_read(const char *path, size_t max, char **out, size_t *len, struct mc_error *err)
{
	_autoclose_ int fd = -1;
	_autofree_ char *buf = NULL;
	struct stat st;
	size_t got = 0, cap;

	/* O_NONBLOCK: a FIFO or a device opens at once and is then refused, instead of hanging. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return mc_error_sys(err, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0)
		return mc_error_sys(err, "cannot stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return mc_error_set(err, MC_EINPUT, "'%s' is a directory", path);
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EINPUT, "'%s' is not a regular file", path);
	if ((unsigned long long)st.st_size > max)
		return mc_error_set(err, MC_EINPUT, "'%s' is too large (%lld bytes, at most %zu)",
				    path, (long long)st.st_size, max);
	cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (got + 1 >= cap) {
			if (cap > max + 1)
				return mc_error_set(err, MC_EINPUT, "'%s' is too large (at most %zu bytes)", path, max);
			cap = cap * 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + got, cap - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mc_error_sys(err, "cannot read '%s'", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max)
		return mc_error_set(err, MC_EINPUT, "'%s' is too large (at most %zu bytes)", path, max);
	buf[got] = '\0';
	*len = got;
	*out = steal(&buf);
	return 0;
}

int
fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fileio_copy(const char *src, const char *dst, mode_t mode, bool nofollow, struct mc_error *err)
{
	return fileio_copy_owned(src, dst, mode, (uid_t)-1, (gid_t)-1, nofollow, err);
}

int
fileio_copy_owned(const char *src, const char *dst, mode_t mode, uid_t uid, gid_t gid, bool nofollow,
		  struct mc_error *err)
{
	_autoclose_ int in = -1;
	int out;
	char buf[65536];
	struct stat st;

	in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	if (in < 0)
		return mc_error_sys(err, "cannot open '%s'", src);
	if (fstat(in, &st) < 0)
		return mc_error_sys(err, "cannot stat '%s'", src);
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EFAIL, "'%s' is not a regular file", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (out < 0)
		return mc_error_sys(err, "cannot create '%s'", dst);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mc_error_sys(err, "cannot read '%s'", src);
			goto fail;
		}
		if (n == 0)
			break;
		if (fileio_write_all(out, buf, (size_t)n) < 0) {
			mc_error_sys(err, "cannot write '%s'", dst);
			goto fail;
		}
	}
	if (fchmod(out, mode) < 0) {
		mc_error_sys(err, "cannot set the mode of '%s'", dst);
		goto fail;
	}
	/* On the descriptor we created: a path could be swapped for a link meanwhile. */
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(out, uid, gid) < 0) {
		mc_error_sys(err, "cannot set the owner of '%s'", dst);
		goto fail;
	}
	if (fsync(out) < 0) {
		mc_error_sys(err, "cannot fsync '%s'", dst);
		goto fail;
	}
	if (close(out) < 0) {
		out = -1;
		mc_error_sys(err, "cannot close '%s'", dst);
		unlink(dst);
		return MC_EFAIL;
	}
	return 0;
fail:
	close(out);
	unlink(dst);
	return MC_EFAIL;
}

int
fileio_fsync_dir(const char *dir, struct mc_error *err)
{
	_autoclose_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return mc_error_sys(err, "cannot open directory '%s'", dir);
	if (fsync(fd) < 0)
		return mc_error_sys(err, "cannot fsync directory '%s'", dir);
	return 0;
}

bool
fileio_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *
fileio_not_a_store(const char *path)
{
	static const char *const html[] = {"<!doctype html", "<html", "<?xml", "<head", "<body", "<!--"};
	unsigned char b[4096];
	struct stat st;
	ssize_t got;
	size_t i = 0;
	int fd;

	if (stat(path, &st) < 0)
		return NULL;
	if (S_ISDIR(st.st_mode))
		return xstrdup("is a directory, not a database");
	if (!S_ISREG(st.st_mode))
		return xstrdup("is not a regular file, not a database");
	if (st.st_size == 0)
		return xstrdup("is empty (zero bytes), not a database");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	do {
		got = read(fd, b, sizeof(b));
	} while (got < 0 && errno == EINTR);
	close(fd);
	if (got <= 0)
		return NULL;
	if ((size_t)got >= 16 && memcmp(b, "SQLite format 3", 16) == 0)
		return NULL;
	if ((size_t)got >= 23 && memcmp(b, "version https://git-lfs", 23) == 0)
		return xasprintf("is a Git LFS pointer (%lld bytes), not a database: the real file was never fetched "
				 "('git lfs pull' where it came from)", (long long)st.st_size);
	/* Text: no NUL and no control byte but white space in what was read. */
	for (ssize_t k = 0; k < got; k++)
		if (b[k] == 0 || (b[k] < 0x20 && b[k] != '\t' && b[k] != '\n' && b[k] != '\r' && b[k] != '\f'))
			return NULL;
	while (i < (size_t)got && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == 0xef ||
				   b[i] == 0xbb || b[i] == 0xbf))
		i++;
	for (size_t k = 0; k < ARRAY_SIZE(html); k++)
		if ((size_t)got - i >= strlen(html[k]) && strncasecmp((const char *)b + i, html[k], strlen(html[k])) == 0)
			return xasprintf("is an HTML or XML page (%lld bytes), not a database: a download saved an "
					 "error page in its place", (long long)st.st_size);
	return xasprintf("is a text file (%lld bytes), not a database", (long long)st.st_size);
}

int
fileio_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		_autofree_ char *child = NULL;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		child = path_join(path, de->d_name);
		if (fileio_remove_tree(child) < 0)
			ret = -1;
	}
	closedir(d);
	if (rmdir(path) < 0)
		ret = -1;
	return ret;
}

static void
sweep_orphans(const char *base, const char *prefix)
{
	DIR *d = opendir(base);
	struct dirent *de;
	size_t pl = strlen(prefix);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid;
		struct stat st;
		_autofree_ char *path = NULL;

		if (strncmp(de->d_name, prefix, pl) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + pl, &end, 10);
		if (errno || end == de->d_name + pl || *end != '-' || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = path_join(base, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == fs_uid())
			fileio_remove_tree(path);
	}
	closedir(d);
}

void
fileio_sweep_private_dirs(const char *base, const char *kind)
{
	_autofree_ char *prefix = xasprintf("mozcert-%s-", kind);

	sweep_orphans(base, prefix);
}

const char *
fileio_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp && *tmp ? tmp : "/tmp";
}

char *
fileio_private_dir(const char *base, const char *kind, struct mc_error *err)
{
	_autofree_ char *prefix = xasprintf("mozcert-%s-", kind);
	_autofree_ char *name = xasprintf("%s%ld-XXXXXX", prefix, (long)getpid());
	char *tmpl = path_join(base, name);

	sweep_orphans(base, prefix);
	if (!mkdtemp(tmpl)) {
		mc_error_sys(err, "cannot create a private directory in '%s'", base);
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

int
fileio_adopt_owner(int fd, const char *dir, struct mc_error *err)
{
	uid_t uid;
	gid_t gid;

	if (fileio_dir_owner(dir, &uid, &gid, err) < 0)
		return MC_EFAIL;
	if (uid == (uid_t)-1 && gid == (gid_t)-1)
		return 0;
	if (fchown(fd, uid, gid) < 0)
		return mc_error_sys(err, "cannot give a file created in '%s' to its owner", dir);
	return 0;
}

int
fileio_dir_owner(const char *dir, uid_t *uid, gid_t *gid, struct mc_error *err)
{
	struct stat ds;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (fs_uid() != 0)
		return 0;
	if (stat(dir, &ds) < 0)
		return mc_error_sys(err, "cannot stat '%s'", dir);
	if (ds.st_uid != fs_uid() || ds.st_gid != fs_gid()) {
		*uid = ds.st_uid;
		*gid = ds.st_gid;
	}
	return 0;
}

bool
fileio_same_content(const char *a, const char *b)
{
	_autoclose_ int fa = open(a, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	_autoclose_ int fb = open(b, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat sa, sb;
	char x[65536], y[65536];

	if (fa < 0 || fb < 0 || fstat(fa, &sa) < 0 || fstat(fb, &sb) < 0 || !S_ISREG(sa.st_mode) ||
	    !S_ISREG(sb.st_mode) || sa.st_size != sb.st_size)
		return false;
	for (;;) {
		ssize_t n = read(fa, x, sizeof(x)), m;

		if (n < 0)
			return false;
		m = n ? read(fb, y, (size_t)n) : 0;
		if (m != n)
			return false;
		if (n == 0)
			return true;
		if (memcmp(x, y, (size_t)n) != 0)
			return false;
	}
}

bool
fileio_is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
