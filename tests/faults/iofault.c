/* SPDX-License-Identifier: MPL-2.0 */
/*
 * iofault.c: an LD_PRELOAD shim for tests that makes the N-th file system call of one kind fail.
 * Test-only: built as a shared module by tests/meson.build, never linked into mozcert.
 *
 * Environment (read once, at load):
 *   IOFAULT_OP=write|fsync|rename|open|unlink|truncate|mkdir|link|any   the kind of call counted and failed
 *       write: write pwrite pwrite64 writev pwritev pwritev64; fsync: fsync fdatasync syncfs;
 *       rename: rename renameat renameat2; open: open open64 openat openat64 creat (every mode);
 *       unlink: unlink unlinkat; truncate: ftruncate ftruncate64 truncate truncate64; mkdir: mkdir mkdirat;
 *       link: link linkat; any: all of them.
 *   IOFAULT_N=N           fail the N-th counted call of IOFAULT_OP (1-based; unset or 0: count only, fail none)
 *   IOFAULT_ERRNO=EIO|ENOSPC|EDQUOT|EROFS|EACCES   the errno of the failed call (default EIO)
 *   IOFAULT_PATH_PREFIX=DIR[:DIR...]   count only calls on files under these directories (default: every
 *       file; file descriptors 0-2 are never counted). A descriptor's path is read from /proc/self/fd.
 *   IOFAULT_COUNT=FILE    at exit, append one line "write=W fsync=F rename=R open=O unlink=U truncate=T
 *       mkdir=M link=L any=A" (the calls counted in this process) to FILE
 *   IOFAULT_REPORT=FILE   when the fault is injected, append "OP #N CALL PATH ERRNO-NAME" to FILE
 *   IOFAULT_LOG=FILE      append one line "OP #N CALL PATH" per counted call (for debugging a sweep)
 *
 * The real functions come from dlsym(RTLD_NEXT) (resolved in the constructor; a call that arrives
 * earlier resolves its own symbol). A thread-local guard passes calls made by the shim itself (while
 * resolving a path or writing a report) straight through, uncounted. SQLite (inside NSS's softokn) calls
 * the libc symbols through its own system call table, filled from the global symbols, so it sees the shim.
 */
/* Both the plain and the 64-bit names are defined here: no redirection of one to the other. */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum op { OP_WRITE, OP_FSYNC, OP_RENAME, OP_OPEN, OP_UNLINK, OP_TRUNCATE, OP_MKDIR, OP_LINK, OP_ANY, OP_COUNT };
static const char *const op_names[OP_COUNT] = {
	"write", "fsync", "rename", "open", "unlink", "truncate", "mkdir", "link", "any",
};

#define MAX_PREFIXES 8

static struct {
	int ready;
	int op;             /* enum op, or -1: none selected (count only) */
	unsigned long n;    /* 0: never fail */
	int err;
	char prefixes[MAX_PREFIXES][PATH_MAX];
	size_t nprefixes;
	char count_file[PATH_MAX];
	char report_file[PATH_MAX];
	char log_file[PATH_MAX];
	unsigned long own_counts[OP_COUNT];
	unsigned long *counts;  /* shared with forked children (own_counts when the mapping failed) */
	int fired;
} S = {.op = -1, .err = EIO};

static __thread int in_shim;

/* ---- the real functions ---- */

#define REAL(name) real_##name
#define DECLARE_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)

DECLARE_REAL(int, open, const char *, int, ...);
DECLARE_REAL(int, open64, const char *, int, ...);
DECLARE_REAL(int, openat, int, const char *, int, ...);
DECLARE_REAL(int, openat64, int, const char *, int, ...);
DECLARE_REAL(int, creat, const char *, mode_t);
DECLARE_REAL(ssize_t, write, int, const void *, size_t);
DECLARE_REAL(ssize_t, pwrite, int, const void *, size_t, off_t);
DECLARE_REAL(ssize_t, pwrite64, int, const void *, size_t, off64_t);
DECLARE_REAL(ssize_t, writev, int, const struct iovec *, int);
DECLARE_REAL(ssize_t, pwritev, int, const struct iovec *, int, off_t);
DECLARE_REAL(ssize_t, pwritev64, int, const struct iovec *, int, off64_t);
DECLARE_REAL(int, fsync, int);
DECLARE_REAL(int, fdatasync, int);
DECLARE_REAL(int, syncfs, int);
DECLARE_REAL(int, rename, const char *, const char *);
DECLARE_REAL(int, renameat, int, const char *, int, const char *);
DECLARE_REAL(int, renameat2, int, const char *, int, const char *, unsigned int);
DECLARE_REAL(int, unlink, const char *);
DECLARE_REAL(int, unlinkat, int, const char *, int);
DECLARE_REAL(int, ftruncate, int, off_t);
DECLARE_REAL(int, ftruncate64, int, off64_t);
DECLARE_REAL(int, truncate, const char *, off_t);
DECLARE_REAL(int, truncate64, const char *, off64_t);
DECLARE_REAL(int, mkdir, const char *, mode_t);
DECLARE_REAL(int, mkdirat, int, const char *, mode_t);
DECLARE_REAL(int, link, const char *, const char *);
DECLARE_REAL(int, linkat, int, const char *, int, const char *, int);

#define RESOLVE(name)                                                  \
	do {                                                           \
		if (!real_##name)                                      \
			*(void **)&real_##name = dlsym(RTLD_NEXT, #name); \
	} while (0)

static void
resolve_all(void)
{
	RESOLVE(open); RESOLVE(open64); RESOLVE(openat); RESOLVE(openat64); RESOLVE(creat);
	RESOLVE(write); RESOLVE(pwrite); RESOLVE(pwrite64); RESOLVE(writev); RESOLVE(pwritev);
	RESOLVE(pwritev64); RESOLVE(fsync); RESOLVE(fdatasync); RESOLVE(syncfs); RESOLVE(rename);
	RESOLVE(renameat); RESOLVE(renameat2); RESOLVE(unlink); RESOLVE(unlinkat); RESOLVE(ftruncate);
	RESOLVE(ftruncate64); RESOLVE(truncate); RESOLVE(truncate64); RESOLVE(mkdir); RESOLVE(mkdirat);
	RESOLVE(link); RESOLVE(linkat);
}

/* ---- configuration ---- */

static void
copy_env(char *dst, size_t size, const char *name)
{
	const char *v = getenv(name);

	dst[0] = '\0';
	if (v && strlen(v) < size)
		strcpy(dst, v);
}

static int
errno_by_name(const char *s)
{
	static const struct { const char *name; int value; } names[] = {
		{"EIO", EIO}, {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EACCES", EACCES},
		{"EPERM", EPERM}, {"EFBIG", EFBIG},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].value;
	return atoi(s) > 0 ? atoi(s) : EIO;
}

static const char *
errno_name(int e)
{
	switch (e) {
	case EIO: return "EIO";
	case ENOSPC: return "ENOSPC";
	case EDQUOT: return "EDQUOT";
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EFBIG: return "EFBIG";
	default: return "E?";
	}
}

__attribute__((constructor)) static void
iofault_init(void)
{
	const char *v;

	in_shim++;
	resolve_all();
	if ((v = getenv("IOFAULT_OP")) && *v) {
		for (int i = 0; i < OP_COUNT; i++)
			if (strcmp(v, op_names[i]) == 0)
				S.op = i;
	}
	if ((v = getenv("IOFAULT_N")))
		S.n = strtoul(v, NULL, 10);
	if ((v = getenv("IOFAULT_ERRNO")) && *v)
		S.err = errno_by_name(v);
	if ((v = getenv("IOFAULT_PATH_PREFIX")) && *v) {
		const char *p = v;

		while (*p && S.nprefixes < MAX_PREFIXES) {
			const char *end = strchr(p, ':');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			char raw[PATH_MAX];

			if (len > 0 && len < sizeof(raw)) {
				memcpy(raw, p, len);
				raw[len] = '\0';
				/* canonical form, as /proc/self/fd shows it */
				if (!realpath(raw, S.prefixes[S.nprefixes]))
					strcpy(S.prefixes[S.nprefixes], raw);
				S.nprefixes++;
			}
			p += len;
			if (*p == ':')
				p++;
		}
	}
	copy_env(S.count_file, sizeof(S.count_file), "IOFAULT_COUNT");
	copy_env(S.report_file, sizeof(S.report_file), "IOFAULT_REPORT");
	copy_env(S.log_file, sizeof(S.log_file), "IOFAULT_LOG");
	/*
	 * One count for the whole process tree: a child forked by mozcert (nssdb-apart.c lists a store in one)
	 * goes on from the parent's numbers and the parent from the child's, so the N-th call fails once.
	 * With counters of its own each process failed its own N-th call: two faults in one run, and the
	 * message named the parent's while the report's first line named the child's.
	 */
	S.counts = mmap(NULL, sizeof(S.own_counts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (S.counts == MAP_FAILED)
		S.counts = S.own_counts;
	S.ready = 1;
	in_shim--;
}

static void
append_line(const char *file, const char *line)
{
	int fd;

	if (!file[0])
		return;
	fd = real_open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	(void)!real_write(fd, line, strlen(line));
	close(fd);
}

__attribute__((destructor)) static void
iofault_fini(void)
{
	char line[512];

	if (!S.ready || !S.count_file[0])
		return;
	in_shim++;
	snprintf(line, sizeof(line), "write=%lu fsync=%lu rename=%lu open=%lu unlink=%lu truncate=%lu mkdir=%lu "
		 "link=%lu any=%lu\n", S.counts[OP_WRITE], S.counts[OP_FSYNC], S.counts[OP_RENAME], S.counts[OP_OPEN],
		 S.counts[OP_UNLINK], S.counts[OP_TRUNCATE], S.counts[OP_MKDIR], S.counts[OP_LINK], S.counts[OP_ANY]);
	append_line(S.count_file, line);
	in_shim--;
}

/* ---- paths ---- */

static int
under_prefix(const char *path)
{
	if (S.nprefixes == 0)
		return 1;
	for (size_t i = 0; i < S.nprefixes; i++) {
		size_t len = strlen(S.prefixes[i]);

		if (strncmp(path, S.prefixes[i], len) == 0 && (path[len] == '/' || path[len] == '\0'))
			return 1;
	}
	return 0;
}

static int
fd_path(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* The absolute path of (dirfd, path), with the directory part canonical; the file itself may not exist. */
static void
resolve_at(int dirfd, const char *path, char *out, size_t size)
{
	char dir[PATH_MAX], canon[PATH_MAX], joined[PATH_MAX * 2];
	const char *slash;

	out[0] = '\0';
	if (!path)
		return;
	if (path[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", path);
	} else {
		if (dirfd == AT_FDCWD) {
			if (!getcwd(dir, sizeof(dir)))
				return;
		} else if (fd_path(dirfd, dir, sizeof(dir)) < 0) {
			return;
		}
		snprintf(joined, sizeof(joined), "%s/%s", dir, path);
	}
	slash = strrchr(joined, '/');
	if (slash == joined) {
		snprintf(out, size, "%s", joined);
		return;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - joined), joined);
	if (realpath(dir, canon))
		snprintf(out, size, "%s%s", canon, slash);
	else if (realpath(joined, canon)) /* the whole path exists (e.g. a directory given with a trailing '/') */
		snprintf(out, size, "%s", canon);
	else
		snprintf(out, size, "%s", joined);
}

/*
 * Count a call of kind op on path; returns 1 when this call must fail (errno is then set). The path is
 * resolved only when a prefix filter or a log asks for it.
 */
static int
count(enum op op, const char *call, int fd, int dirfd, const char *path)
{
	char resolved[PATH_MAX * 2 + 2];
	unsigned long k, kany;
	int fail = 0;

	if (in_shim || !S.ready)
		return 0;
	if (!path && fd >= 0 && fd <= 2)
		return 0;
	in_shim++;
	resolved[0] = '\0';
	if (path)
		resolve_at(dirfd, path, resolved, sizeof(resolved));
	else if (fd_path(fd, resolved, sizeof(resolved)) < 0)
		resolved[0] = '\0';
	if (S.nprefixes && !under_prefix(resolved)) {
		in_shim--;
		return 0;
	}
	k = __atomic_add_fetch(&S.counts[op], 1, __ATOMIC_SEQ_CST);
	kany = __atomic_add_fetch(&S.counts[OP_ANY], 1, __ATOMIC_SEQ_CST);
	if (S.log_file[0]) {
		char line[PATH_MAX * 2 + 100];

		snprintf(line, sizeof(line), "%s #%lu %s %s\n", op_names[op], k, call, resolved);
		append_line(S.log_file, line);
	}
	if (S.n && ((S.op == (int)op && k == S.n) || (S.op == OP_ANY && kany == S.n))) {
		char line[PATH_MAX * 2 + 100];

		S.fired = 1;
		snprintf(line, sizeof(line), "%s #%lu %s %s %s\n", op_names[S.op], S.op == OP_ANY ? kany : k, call,
			 resolved, errno_name(S.err));
		append_line(S.report_file, line);
		fail = 1;
	}
	in_shim--;
	if (fail)
		errno = S.err;
	return fail;
}

/* ---- the wrappers ---- */

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define ENSURE(name) do { if (!real_##name) { in_shim++; RESOLVE(name); in_shim--; } } while (0)

int
open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	ENSURE(open);
	if (count(OP_OPEN, "open", -1, AT_FDCWD, path))
		return -1;
	return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	ENSURE(open64);
	if (count(OP_OPEN, "open64", -1, AT_FDCWD, path))
		return -1;
	return real_open64(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	ENSURE(openat);
	if (count(OP_OPEN, "openat", -1, dirfd, path))
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	ENSURE(openat64);
	if (count(OP_OPEN, "openat64", -1, dirfd, path))
		return -1;
	return real_openat64(dirfd, path, flags, mode);
}

int
creat(const char *path, mode_t mode)
{
	ENSURE(creat);
	if (count(OP_OPEN, "creat", -1, AT_FDCWD, path))
		return -1;
	return real_creat(path, mode);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	ENSURE(write);
	if (count(OP_WRITE, "write", fd, AT_FDCWD, NULL))
		return -1;
	return real_write(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ENSURE(pwrite);
	if (count(OP_WRITE, "pwrite", fd, AT_FDCWD, NULL))
		return -1;
	return real_pwrite(fd, buf, len, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	ENSURE(pwrite64);
	if (count(OP_WRITE, "pwrite64", fd, AT_FDCWD, NULL))
		return -1;
	return real_pwrite64(fd, buf, len, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	ENSURE(writev);
	if (count(OP_WRITE, "writev", fd, AT_FDCWD, NULL))
		return -1;
	return real_writev(fd, iov, n);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	ENSURE(pwritev);
	if (count(OP_WRITE, "pwritev", fd, AT_FDCWD, NULL))
		return -1;
	return real_pwritev(fd, iov, n, off);
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int n, off64_t off)
{
	ENSURE(pwritev64);
	if (count(OP_WRITE, "pwritev64", fd, AT_FDCWD, NULL))
		return -1;
	return real_pwritev64(fd, iov, n, off);
}

int
fsync(int fd)
{
	ENSURE(fsync);
	if (count(OP_FSYNC, "fsync", fd, AT_FDCWD, NULL))
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	ENSURE(fdatasync);
	if (count(OP_FSYNC, "fdatasync", fd, AT_FDCWD, NULL))
		return -1;
	return real_fdatasync(fd);
}

int
syncfs(int fd)
{
	ENSURE(syncfs);
	if (count(OP_FSYNC, "syncfs", fd, AT_FDCWD, NULL))
		return -1;
	return real_syncfs(fd);
}

int
rename(const char *from, const char *to)
{
	ENSURE(rename);
	if (count(OP_RENAME, "rename", -1, AT_FDCWD, to))
		return -1;
	return real_rename(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	ENSURE(renameat);
	if (count(OP_RENAME, "renameat", -1, tofd, to))
		return -1;
	return real_renameat(fromfd, from, tofd, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
	ENSURE(renameat2);
	if (count(OP_RENAME, "renameat2", -1, tofd, to))
		return -1;
	return real_renameat2(fromfd, from, tofd, to, flags);
}

int
unlink(const char *path)
{
	ENSURE(unlink);
	if (count(OP_UNLINK, "unlink", -1, AT_FDCWD, path))
		return -1;
	return real_unlink(path);
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	ENSURE(unlinkat);
	if (count(OP_UNLINK, "unlinkat", -1, dirfd, path))
		return -1;
	return real_unlinkat(dirfd, path, flags);
}

int
ftruncate(int fd, off_t len)
{
	ENSURE(ftruncate);
	if (count(OP_TRUNCATE, "ftruncate", fd, AT_FDCWD, NULL))
		return -1;
	return real_ftruncate(fd, len);
}

int
ftruncate64(int fd, off64_t len)
{
	ENSURE(ftruncate64);
	if (count(OP_TRUNCATE, "ftruncate64", fd, AT_FDCWD, NULL))
		return -1;
	return real_ftruncate64(fd, len);
}

int
truncate(const char *path, off_t len)
{
	ENSURE(truncate);
	if (count(OP_TRUNCATE, "truncate", -1, AT_FDCWD, path))
		return -1;
	return real_truncate(path, len);
}

int
truncate64(const char *path, off64_t len)
{
	ENSURE(truncate64);
	if (count(OP_TRUNCATE, "truncate64", -1, AT_FDCWD, path))
		return -1;
	return real_truncate64(path, len);
}

int
mkdir(const char *path, mode_t mode)
{
	ENSURE(mkdir);
	if (count(OP_MKDIR, "mkdir", -1, AT_FDCWD, path))
		return -1;
	return real_mkdir(path, mode);
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	ENSURE(mkdirat);
	if (count(OP_MKDIR, "mkdirat", -1, dirfd, path))
		return -1;
	return real_mkdirat(dirfd, path, mode);
}

int
link(const char *from, const char *to)
{
	ENSURE(link);
	if (count(OP_LINK, "link", -1, AT_FDCWD, to))
		return -1;
	return real_link(from, to);
}

int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	ENSURE(linkat);
	if (count(OP_LINK, "linkat", -1, tofd, to))
		return -1;
	return real_linkat(fromfd, from, tofd, to, flags);
}
