/* SPDX-License-Identifier: MPL-2.0 */
/* hot-journal.c: finding and rolling back SQLite hot journals on private copies. */
#include "hot-journal.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
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

#define JOURNAL_MAGIC "\xd9\xd5\x05\xf9\x20\xa1\x63\xd7"

/* The page 1 image of the journal at fd: its change counter in *counter; false when it holds none. */
static bool
journal_page1(int fd, off_t jsize, uint32_t sector, uint32_t ps, uint32_t *counter)
{
	unsigned char rec[4 + 28];

	for (off_t off = sector; off + 4 + (off_t)ps + 4 <= jsize; off += 4 + (off_t)ps + 4) {
		if (pread(fd, rec, sizeof(rec), off) != (ssize_t)sizeof(rec))
			return false;
		if (get_be32(rec) == 1) {
			*counter = get_be32(rec + 4 + 24);
			return true;
		}
	}
	return false;
}

bool
hotjournal_stale(const char *db_path, char **why)
{
	_autofree_ char *jpath = xasprintf("%s%s", db_path, HOTJOURNAL_SUFFIX);
	_autoclose_ int jfd = open(jpath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	_autoclose_ int dfd = open(db_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	unsigned char jh[28], dh[100];
	uint32_t sector, ps, init, img, counter, pages;
	struct stat js;

	*why = NULL;
	if (jfd < 0 || dfd < 0 || fstat(jfd, &js) < 0 || pread(jfd, jh, sizeof(jh), 0) != (ssize_t)sizeof(jh) ||
	    pread(dfd, dh, sizeof(dh), 0) != (ssize_t)sizeof(dh) || memcmp(jh, JOURNAL_MAGIC, 8) != 0)
		return false;  /* not a journal SQLite would play back, or no header to compare: SQLite judges */
	init = get_be32(jh + 16);
	sector = get_be32(jh + 20);
	ps = get_be32(jh + 24);
	counter = get_be32(dh + 24);
	pages = get_be32(dh + 28);
	if (sector < 28 || sector > 65536 || ps < 512 || ps > 65536 || (ps & (ps - 1)))
		return false;
	if (journal_page1(jfd, js.st_size, sector, ps, &img)) {
		if (counter == img || counter == img + 1)
			return false;
		*why = xasprintf("its copy of page 1 has change counter %u, the file %u", img, counter);
		return true;
	}
	/* the in-header size counts only when it was written with the counter (offset 92) */
	if (get_be32(dh + 92) != counter || pages == init)
		return false;
	*why = xasprintf("it starts from a file of %u pages, the file's header says %u", init, pages);
	return true;
}

bool
hotjournal_file_sound(const char *path)
{
	_autofree_ char *uri = xasprintf("file:%s?immutable=1", path);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		ok = r && strcmp(r, "ok") == 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
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
