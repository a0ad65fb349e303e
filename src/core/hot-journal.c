/* SPDX-License-Identifier: MPL-2.0 */
/* hot-journal.c: finding and rolling back SQLite hot journals on private copies. */
#include "hot-journal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "fileio.h"
#include "util.h"
#include "banned.h"

/*
 * SQLite's unix VFS locks bytes of the database file: PENDING_BYTE is at
 * 0x40000000, RESERVED_BYTE one past it. A writer holds RESERVED for the
 * whole of its transaction.
 */
#define SQLITE_RESERVED_BYTE (0x40000000 + 1)

static bool
reserved_lock_held(const char *db_path)
{
	_autoclose_ int fd = open(db_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct flock fl = {0};

	if (fd < 0)
		return false;
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = SQLITE_RESERVED_BYTE;
	fl.l_len = 1;
	if (fcntl(fd, F_GETLK, &fl) < 0)
		return false;
	return fl.l_type != F_UNLCK;
}

bool
hotjournal_present(const char *db_path)
{
	_autofree_ char *jpath = xasprintf("%s%s", db_path, HOTJOURNAL_SUFFIX);
	_autoclose_ int fd = -1;
	struct stat js, ds;
	unsigned char first = 0;

	if (lstat(jpath, &js) < 0 || !S_ISREG(js.st_mode) || js.st_size == 0)
		return false;
	if (stat(db_path, &ds) < 0 || !S_ISREG(ds.st_mode) || ds.st_size == 0)
		return false;
	fd = open(jpath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &first, 1, 0) != 1 || first == 0)
		return false;
	return !reserved_lock_held(db_path);
}

int
hotjournal_rollback(const char *db_path, const char *user_path, struct mc_error *err)
{
	_autofree_ char *jpath = xasprintf("%s%s", db_path, HOTJOURNAL_SUFFIX);
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		int ret = mc_error_set(err, MC_EFAIL, "cannot roll back the journal the application left beside '%s': %s",
				       user_path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));

		sqlite3_close(db);
		return ret;
	}
	sqlite3_close(db);
	if (fileio_exists(jpath))
		return mc_error_set(err, MC_EFAIL, "the journal the application left beside '%s' was not rolled back",
				    user_path);
	return 0;
}

int
hotjournal_carry(const char *src_dir, const char *copy_dir, const char *name, struct mc_error *err)
{
	_autofree_ char *src_db = path_join(src_dir, name);
	_autofree_ char *copy_db = path_join(copy_dir, name);
	_autofree_ char *jname = xasprintf("%s%s", name, HOTJOURNAL_SUFFIX);
	_autofree_ char *src_j = path_join(src_dir, jname);
	_autofree_ char *copy_j = path_join(copy_dir, jname);
	int ret;

	if (!hotjournal_present(src_db) || !fileio_exists(copy_db))
		return 0;
	if ((ret = fileio_copy(src_j, copy_j, 0600, true, err)) < 0)
		return ret;
	if ((ret = hotjournal_rollback(copy_db, src_db, err)) < 0)
		return ret;
	return 1;
}
