/* SPDX-License-Identifier: MPL-2.0 */
/* atomic-write.c: backups and atomic whole-file replacement. */
#include "atomic-write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <time.h>

#include "fileio.h"
#include "owner-identity.h"
#include "strbuf.h"
#include "banned.h"

void
backup_init(struct backup *b, const char *profile_dir, const char *reason)
{
	memset(b, 0, sizeof(*b));
	b->profile_dir = xstrdup(profile_dir);
	b->reason = reason;
}

void
backup_release(struct backup *b)
{
	if (b->path && !b->used)
		fileio_remove_tree(b->path);
	free(b->profile_dir);
	free(b->path);
	free(b->id);
	memset(b, 0, sizeof(*b));
}

static int
backup_create(struct backup *b, struct mc_error *err)
{
	_autofree_ char *root = path_join(b->profile_dir, BACKUP_DIRNAME);
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	struct stat st;

	if (lstat(root, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return mc_error_set(err, MC_EFAIL, "'%s' is not a directory", root);
	} else if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		return mc_error_sys(err, "cannot create '%s'", root);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (unsigned n = 0; n < 1000; n++) {
		_autofree_ char *id = n ? xasprintf("%s-%u", stamp, n) : xstrdup(stamp);
		_autofree_ char *path = path_join(root, id);

		if (mkdir(path, 0700) == 0) {
			b->id = steal(&id);
			b->path = steal(&path);
			/*
			 * Backups stay the invoking user's, even in another user's profile:
			 * a directory handed to that user could be swapped for a symbolic
			 * link while root still writes into it.
			 */
			if (b->reason) {
				_autofree_ char *note = path_join(b->path, "REASON");
				int fd = open(note, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

				/* A note only: without it the backup is whole; a partial one goes */
				if (fd >= 0) {
					bool bad = fileio_write_all(fd, b->reason, strlen(b->reason)) < 0;

					if (close(fd) < 0 || bad)
						unlink(note);
				}
			}
			return 0;
		}
		if (errno != EEXIST)
			return mc_error_sys(err, "cannot create '%s'", path);
	}
	return mc_error_set(err, MC_EFAIL, "cannot find a free backup name in '%s'", root);
}

/* Link dst to a file name of another backup (of at most 64 looked at) whose bytes are those of src. */
static bool
link_identical(const struct backup *b, const char *name, const char *src, const char *dst)
{
	_autofree_ char *root = path_join(b->profile_dir, BACKUP_DIRNAME);
	DIR *d = opendir(root);
	struct dirent *de;
	bool linked = false;
	int looked = 0;

	if (!d)
		return false;
	while (!linked && looked < 64 && (de = readdir(d))) {
		_autofree_ char *dir = NULL;
		_autofree_ char *old = NULL;

		if (de->d_name[0] == '.' || streq(de->d_name, b->id))
			continue;
		looked++;
		dir = path_join(root, de->d_name);
		old = path_join(dir, name);
		linked = fileio_same_content(old, src) && link(old, dst) == 0;
	}
	closedir(d);
	return linked;
}

int
backup_add(struct backup *b, const char *name, bool copy, struct mc_error *err)
{
	_autofree_ char *src = path_join(b->profile_dir, name);
	_autofree_ char *dst = NULL;
	struct stat st;
	int ret;

	if (lstat(src, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return mc_error_sys(err, "cannot stat '%s'", src);
	}
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EFAIL, "refusing to back up '%s': not a regular file", src);
	if (!b->path && (ret = backup_create(b, err)) < 0)
		return ret;
	dst = path_join(b->path, name);
	if (!copy && link(src, dst) == 0)
		return 0;
	/* A copy the same as one an earlier backup holds costs nothing: backups are never written to. */
	if (copy && link_identical(b, name, src, dst))
		return fileio_fsync_dir(b->path, err);
	if ((ret = fileio_copy(src, dst, 0600, true, err)) < 0)
		return ret;
	return fileio_fsync_dir(b->path, err);
}

int
backup_note_absent(struct backup *b, const char *const *names, size_t n, struct mc_error *err)
{
	struct strbuf sb;
	int ret;

	if (n == 0)
		return 0;
	if (!b->path && (ret = backup_create(b, err)) < 0)
		return ret;
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s\n", names[i]);
	ret = atomic_replace(b->path, BACKUP_ABSENT_NAME, sb.buf, sb.len, 0, NULL, err);
	strbuf_release(&sb);
	return ret < 0 ? ret : 0;
}

int
atomic_tempfile(const char *dir, const char *name, char **tmpname, struct mc_error *err)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[6];
		char suffix[7];
		_autofree_ char *base = NULL;
		_autofree_ char *path = NULL;
		int fd;

		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return mc_error_sys(err, "cannot get random bytes");
		for (size_t i = 0; i < sizeof(rnd); i++)
			suffix[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
		suffix[6] = '\0';
		base = xasprintf(".%s" TEMP_MARK "%s", name, suffix);
		path = path_join(dir, base);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			*tmpname = steal(&path);
			return fd;
		}
		if (errno != EEXIST)
			return mc_error_sys(err, "cannot create '%s'", path);
	}
	return mc_error_set(err, MC_EFAIL, "cannot create a temporary file in '%s'", dir);
}

static int
same_content(int dirfd, const char *name, const void *buf, size_t len)
{
	_autoclose_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_autofree_ char *old = NULL;
	struct stat st;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size != len)
		return 0;
	old = xmalloc(len + 1);
	while (got < len) {
		ssize_t n = read(fd, old + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return memcmp(old, buf, len) == 0;
}

int
atomic_replace(const char *dir, const char *name, const void *buf, size_t len,
	       unsigned flags, struct backup *backup, struct mc_error *err)
{
	_autoclose_ int dirfd = -1;
	_autofree_ char *tmp = NULL;
	_autofree_ char *target = path_join(dir, name);
	struct stat st;
	bool existed = false;
	mode_t mode = 0600;
	int fd, ret;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return mc_error_sys(err, "cannot open directory '%s'", dir);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return mc_error_set(err, MC_EFAIL, "refusing to write '%s': it is a symbolic link", target);
		if (!S_ISREG(st.st_mode))
			return mc_error_set(err, MC_EFAIL, "refusing to write '%s': not a regular file", target);
		existed = true;
		mode = st.st_mode & 07777;
		if (same_content(dirfd, name, buf, len))
			return 0;
	} else if (errno != ENOENT) {
		return mc_error_sys(err, "cannot stat '%s'", target);
	}

	fd = atomic_tempfile(dir, name, &tmp, err);
	if (fd < 0)
		return fd;
	if (fileio_write_all(fd, buf, len) < 0) {
		ret = mc_error_sys(err, "cannot write '%s'", tmp);
		goto fail;
	}
	if (fchmod(fd, mode) < 0) {
		ret = mc_error_sys(err, "cannot set the mode of '%s'", tmp);
		goto fail;
	}
	if (existed && (st.st_uid != fs_uid() || st.st_gid != fs_gid()) &&
	    fchown(fd, st.st_uid, st.st_gid) < 0) {
		ret = mc_error_sys(err, "cannot keep the owner of '%s'", target);
		goto fail;
	}
	if (!existed && (ret = fileio_adopt_owner(fd, dir, err)) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		ret = mc_error_sys(err, "cannot fsync '%s'", tmp);
		goto fail;
	}
	ret = close(fd);
	fd = -1;
	if (ret < 0) {
		ret = mc_error_sys(err, "cannot close '%s'", tmp);
		goto fail;
	}
	if (existed && (flags & ATOMIC_BACKUP) && backup &&
	    (ret = backup_add(backup, name, false, err)) < 0)
		goto fail;
	if (rename(tmp, target) < 0) {
		ret = mc_error_sys(err, "cannot rename '%s' to '%s'", tmp, target);
		goto fail;
	}
	if (backup)
		backup->used = true;
	if (fsync(dirfd) < 0)
		return mc_error_sys(err, "cannot fsync directory '%s'", dir);
	return 1;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}
