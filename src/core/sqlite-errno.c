/* SPDX-License-Identifier: MPL-2.0 */
/* sqlite-errno.c: a pass-through SQLite VFS that records the path and errno of each failed I/O call. */
#include "sqlite-errno.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "util.h"
#include "banned.h"

#define WATCH_NAME "mozcert-watch"

struct wfile {
	sqlite3_file base;       /* pMethods: watch_methods, or NULL when the real open failed */
	sqlite3_file *real;      /* the wrapped VFS's file, right after this struct */
	char path[512];
};

static sqlite3_vfs *root;
static sqlite3_vfs watch_vfs;

static struct {
	int sys_errno;
	char what[24];
	char path[512];
} last;
static unsigned long records;   /* how many failures record() saw: one call records at most once */

/* the last open(2) of SQLite that failed: the errno SQLite's read-only retry and logging overwrite */
static struct {
	int sys_errno;
	char path[512];
} failed_open;
static int (*real_sys_open)(const char *, int, int);

static void
record(const char *what, const char *path, int e)
{
	if (e == 0)
		return;
	last.sys_errno = e;
	snprintf(last.what, sizeof(last.what), "%s", what);
	snprintf(last.path, sizeof(last.path), "%s", path ? path : "(temporary file)");
	records++;
}

/* SQLite's open(2), through its system call table: remember a failure's errno */
static int
sys_open(const char *path, int flags, int mode)
{
	int fd = real_sys_open(path, flags, mode);

	/* the first failure counts: SQLite's read-only retry of a file it could not create fails with ENOENT */
	if (fd < 0 && !(failed_open.sys_errno && streq(failed_open.path, path))) {
		int e = errno;

		failed_open.sys_errno = e;
		snprintf(failed_open.path, sizeof(failed_open.path), "%s", path ? path : "");
		errno = e;
	}
	return fd;
}

/* errno of the last failed open(2) of path, else fallback */
static int
open_errno(const char *path, int fallback)
{
	if (failed_open.sys_errno && path && streq(failed_open.path, path))
		return failed_open.sys_errno;
	return fallback;
}

/*
 * SQLite logs each failed system call of its unix VFS as "os_unix.c:LINE: (ERRNO) CALL(PATH) - TEXT",
 * with errno as it was right after the call (a later call may change errno before the VFS returns).
 */
static void
log_cb(void *arg, int code, const char *msg)
{
	int primary = code & 0xff;
	const char *p, *open_paren, *close_paren;
	char call[24], path[512];
	char *end;
	long v;
	int e;

	if (primary != SQLITE_IOERR && primary != SQLITE_FULL && primary != SQLITE_CANTOPEN)
		return;
	/* Failures SQLite itself shrugs off: a file already gone, a directory it cannot open or a close. */
	if (code == SQLITE_IOERR_DELETE_NOENT)
		return;
	if (!msg || !(p = strstr(msg, ": (")))
		return;
	v = strtol(p + 3, &end, 10);
	if (v <= 0 || v > 4095 || *end != ')' || end[1] != ' ')
		return;
	e = (int)v;
	p = end;
	p += 2;
	open_paren = strchr(p, '(');
	close_paren = open_paren ? strstr(open_paren, ") - ") : NULL;
	if (!open_paren || !close_paren)
		return;
	snprintf(call, sizeof(call), "%.*s", (int)(open_paren - p), p);
	if (streq(call, "openDirectory") || streq(call, "close"))
		return;
	snprintf(path, sizeof(path), "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	record(strstr(call, "sync") ? "sync" : streq(call, "ftruncate") ? "truncate" : call, path, e);
}

/* An I/O failure of SQLite (not a short read, a lock conflict or a missing feature). */
static bool
is_io_error(int rc)
{
	int primary = rc & 0xff;

	if (rc == SQLITE_IOERR_SHORT_READ || rc == SQLITE_IOERR_DELETE_NOENT)
		return false;
	return primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN;
}

#define REAL(f) (((struct wfile *)(f))->real)
/* the failure of a call, unless SQLite's log recorded it already (with the errno of the moment) */
#define WATCHED(f, call, what)                                                     \
	do {                                                                       \
		unsigned long seen_ = records;                                     \
		int rc_ = (call);                                                  \
		if (is_io_error(rc_) && records == seen_)                          \
			record(what, ((struct wfile *)(f))->path, errno);          \
		return rc_;                                                        \
	} while (0)

static int
w_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods->xClose(REAL(f));

	f->pMethods = NULL;
	return rc;
}

static int
w_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	WATCHED(f, REAL(f)->pMethods->xRead(REAL(f), buf, n, off), "read");
}

static int
w_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	WATCHED(f, REAL(f)->pMethods->xWrite(REAL(f), buf, n, off), "write");
}

static int
w_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	WATCHED(f, REAL(f)->pMethods->xTruncate(REAL(f), size), "truncate");
}

static int
w_sync(sqlite3_file *f, int flags)
{
	WATCHED(f, REAL(f)->pMethods->xSync(REAL(f), flags), "sync");
}

static int
w_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	WATCHED(f, REAL(f)->pMethods->xFileSize(REAL(f), size), "stat");
}

static int
w_lock(sqlite3_file *f, int level)
{
	WATCHED(f, REAL(f)->pMethods->xLock(REAL(f), level), "lock");
}

static int
w_unlock(sqlite3_file *f, int level)
{
	WATCHED(f, REAL(f)->pMethods->xUnlock(REAL(f), level), "unlock");
}

static int
w_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
w_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
w_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
w_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
w_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
	if (REAL(f)->pMethods->iVersion < 2)
		return SQLITE_IOERR_SHMMAP;
	WATCHED(f, REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out), "map");
}

static int
w_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	if (REAL(f)->pMethods->iVersion < 2)
		return SQLITE_IOERR_SHMLOCK;
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void
w_shm_barrier(sqlite3_file *f)
{
	if (REAL(f)->pMethods->iVersion >= 2)
		REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
w_shm_unmap(sqlite3_file *f, int del)
{
	if (REAL(f)->pMethods->iVersion < 2)
		return SQLITE_OK;
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int
w_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
	if (REAL(f)->pMethods->iVersion < 3) {
		*out = NULL;
		return SQLITE_OK;
	}
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, out);
}

static int
w_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	if (REAL(f)->pMethods->iVersion < 3)
		return SQLITE_OK;
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods watch_methods = {
	.iVersion = 3,
	.xClose = w_close,
	.xRead = w_read,
	.xWrite = w_write,
	.xTruncate = w_truncate,
	.xSync = w_sync,
	.xFileSize = w_file_size,
	.xLock = w_lock,
	.xUnlock = w_unlock,
	.xCheckReservedLock = w_check_reserved,
	.xFileControl = w_file_control,
	.xSectorSize = w_sector_size,
	.xDeviceCharacteristics = w_device_characteristics,
	.xShmMap = w_shm_map,
	.xShmLock = w_shm_lock,
	.xShmBarrier = w_shm_barrier,
	.xShmUnmap = w_shm_unmap,
	.xFetch = w_fetch,
	.xUnfetch = w_unfetch,
};

static int
w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	struct wfile *w = (struct wfile *)f;
	int got = 0;
	int rc;

	unsigned long seen = records;

	memset(w, 0, sizeof(*w));
	w->real = (sqlite3_file *)(w + 1);
	snprintf(w->path, sizeof(w->path), "%s", name ? name : "(temporary file)");
	memset(&failed_open, 0, sizeof(failed_open));
	errno = 0;
	rc = root->xOpen(root, name, w->real, flags, &got);
	if (out_flags)
		*out_flags = got;
	if (rc != SQLITE_OK) {
		if (is_io_error(rc) && (records == seen || open_errno(name, 0)))
			record("open", w->path, open_errno(name, errno));
		if (w->real->pMethods) {
			w->real->pMethods->xClose(w->real);
			w->real->pMethods = NULL;
		}
		return rc;
	}
	/* SQLite falls back to read-only when a read-write open fails: the cause of a later write error */
	if ((flags & SQLITE_OPEN_READWRITE) && (got & SQLITE_OPEN_READONLY))
		record("open read-write", w->path, open_errno(name, errno));
	f->pMethods = w->real->pMethods ? &watch_methods : NULL;
	return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	int rc = root->xDelete(root, name, sync_dir);

	if (is_io_error(rc))
		record("remove", name, errno);
	return rc;
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return root->xAccess(root, name, flags, out);
}

static int
v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return root->xFullPathname(root, name, n, out);
}

static void *
v_dl_open(sqlite3_vfs *vfs, const char *name)
{
	return root->xDlOpen(root, name);
}

static void
v_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	root->xDlError(root, n, msg);
}

static void (*v_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return root->xDlSym(root, h, sym);
}

static void
v_dl_close(sqlite3_vfs *vfs, void *h)
{
	root->xDlClose(root, h);
}

static int
v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	return root->xRandomness(root, n, out);
}

static int
v_sleep(sqlite3_vfs *vfs, int us)
{
	return root->xSleep(root, us);
}

static int
v_current_time(sqlite3_vfs *vfs, double *out)
{
	return root->xCurrentTime(root, out);
}

static int
v_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	return root->xGetLastError ? root->xGetLastError(root, n, out) : 0;
}

static int
v_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return root->xCurrentTimeInt64(root, out);
}

void
sqlio_watch_install(void)
{
	sqlite3_vfs *def;

	if (root)
		return;
	/* possible only before SQLite is initialised: main calls this first thing */
	(void)sqlite3_config(SQLITE_CONFIG_LOG, log_cb, NULL);
	/*
	 * NSS opens a new connection for every object it writes: what SQLite does per call and per
	 * allocation counts (a fleet import: 14% less CPU with both). No memory statistics (nothing
	 * reads them), and no mutex per connection: mozcert runs no threads, and NSS holds its own
	 * monitor while it uses a connection (sdb_openDBLocal).
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	(void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	if (sqlite3_initialize() != SQLITE_OK)
		return;
	def = sqlite3_vfs_find(NULL);
	if (!def || streq(def->zName, WATCH_NAME) || def->iVersion < 2 || !def->xCurrentTimeInt64)
		return;
	root = def;
	watch_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct wfile) + def->szOsFile,
		.mxPathname = def->mxPathname,
		.zName = WATCH_NAME,
		.xOpen = w_open,
		.xDelete = v_delete,
		.xAccess = v_access,
		.xFullPathname = v_full_pathname,
		.xDlOpen = v_dl_open,
		.xDlError = v_dl_error,
		.xDlSym = v_dl_sym,
		.xDlClose = v_dl_close,
		.xRandomness = v_randomness,
		.xSleep = v_sleep,
		.xCurrentTime = v_current_time,
		.xGetLastError = v_get_last_error,
		.xCurrentTimeInt64 = v_current_time_int64,
	};
	if (sqlite3_vfs_register(&watch_vfs, 1) != SQLITE_OK) {
		root = NULL;
		return;
	}
	if (def->iVersion >= 3 && def->xGetSystemCall && def->xSetSystemCall) {
		real_sys_open = (int (*)(const char *, int, int))def->xGetSystemCall(def, "open");
		if (real_sys_open && def->xSetSystemCall(def, "open", (sqlite3_syscall_ptr)sys_open) != SQLITE_OK)
			real_sys_open = NULL;
	}
}

/* The directory of sqlio_private_dir, or "" */
static char private_dir[PATH_MAX];

static bool
is_private(const char *file)
{
	size_t n = strlen(private_dir);

	return n && file && strncmp(file, private_dir, n) == 0 && file[n] == '/';
}

/*
 * Each new connection to a file of the private directory: one lock for the whole session (no
 * lock calls and hot-journal checks per statement), no syncs (a copy killed half-way is thrown
 * away; the commit syncs what it puts in the profile). A pragma that fails leaves the defaults.
 */
static int
private_connection(sqlite3 *db, const char **msg, const void *api)
{
	if (is_private(sqlite3_db_filename(db, "main")))
		(void)sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE; PRAGMA synchronous=OFF", NULL, NULL, NULL);
	return SQLITE_OK;
}

void
sqlio_private_dir(const char *dir)
{
	static bool registered;
	char real[PATH_MAX];

	if (!registered)
		registered = sqlite3_auto_extension((void (*)(void))private_connection) == SQLITE_OK;
	/* SQLite names a database by its full path: compare with the real one */
	if (dir && registered && realpath(dir, real))
		snprintf(private_dir, sizeof(private_dir), "%s", real);
	else
		private_dir[0] = '\0';
	/*
	 * Without a shared cache, NSS's second connection to a file would wait for the first one's
	 * exclusive lock and fail: then no pragma either, the defaults stay.
	 */
	if (sqlite3_enable_shared_cache(private_dir[0] ? 1 : 0) != SQLITE_OK)
		private_dir[0] = '\0';
}

void
sqlio_clear(void)
{
	memset(&last, 0, sizeof(last));
}

int
sqlio_take_failure(char *buf, size_t size)
{
	int e = last.sys_errno;

	if (size)
		buf[0] = '\0';
	if (e == 0)
		return 0;
	snprintf(buf, size, "cannot %s '%s': %s", last.what, last.path, strerror(e));
	sqlio_clear();
	return e;
}
