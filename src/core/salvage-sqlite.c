/* SPDX-License-Identifier: MPL-2.0 */
/* salvage-sqlite.c: an SQLite file held in memory, opened read-only (its header rebuilt when destroyed), and its integrity. */
#include "salvage.h"
#include "salvage-internal.h"

#include <stdint.h>
#include <sqlite3.h>

#include "banned.h"

static bool
sqlite_header_sane(const unsigned char *b, size_t len)
{
	unsigned ps;

	if (len < 100 || memcmp(b, "SQLite format 3", 16) != 0)
		return false;
	ps = (unsigned)b[16] << 8 | b[17];
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || (ps & (ps - 1)) != 0)
		return false;
	return b[21] == 64 && b[22] == 32 && b[23] == 32 && b[56] == 0 && b[57] == 0 && b[58] == 0 &&
	       b[59] >= 1 && b[59] <= 3;
}

/* Rebuild a destroyed 100-byte SQLite header, guessing the page size from the b-tree pages that follow. */
static void
sqlite_rebuild_header(unsigned char *b, size_t len)
{
	unsigned ps = 4096;

	for (unsigned cand = 512; cand <= 65536; cand <<= 1) {
		unsigned char t;

		if (len < (size_t)cand * 2 + 8 || len % cand != 0)
			continue;
		t = b[cand];
		if (t == 0x02 || t == 0x05 || t == 0x0a || t == 0x0d) {
			ps = cand;
			if (cand == 4096)
				break;
		}
	}
	memset(b, 0, 100);
	memcpy(b, "SQLite format 3", 16);
	b[16] = (unsigned char)(ps == 65536 ? 0 : ps >> 8);
	b[17] = (unsigned char)(ps == 65536 ? 1 : ps & 0xff);
	b[18] = 1;
	b[19] = 1;
	b[21] = 64;
	b[22] = 32;
	b[23] = 32;
	put_be32(b + 24, 1);
	put_be32(b + 28, (uint32_t)((len + ps - 1) / ps));
	put_be32(b + 40, 1);
	put_be32(b + 44, 4);
	put_be32(b + 56, 1);
	put_be32(b + 92, 1);
	put_be32(b + 96, (uint32_t)SQLITE_VERSION_NUMBER);
}

int
salvage_sqlite_open(const unsigned char *buf, size_t len, bool fix_header, sqlite3 **out, char **why)
{
	sqlite3 *db = NULL;
	unsigned char *copy;
	int rc;

	*out = NULL;
	if (len == 0) {
		*why = xstrdup("the file is empty");
		return -1;
	}
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*why = xstrdup("SQLite cannot start");
		sqlite3_close(db);
		return -1;
	}
	copy = sqlite3_malloc64(len);
	if (!copy) {
		sqlite3_close(db);
		*why = xstrdup("out of memory");
		return -1;
	}
	memcpy(copy, buf, len);
	if (fix_header && !sqlite_header_sane(copy, len)) {
		if (len < 512) {
			sqlite3_free(copy);
			sqlite3_close(db);
			*why = xstrdup("too short to be an SQLite database");
			return -1;
		}
		sqlite_rebuild_header(copy, len);
	} else if (fix_header) {
		/* A truncated file: SQLite trusts the page count of the header and gives up on the schema. */
		unsigned ps = (unsigned)copy[16] << 8 | copy[17];

		if (ps == 1)
			ps = 65536;
		put_be32(copy + 28, (uint32_t)((len + ps - 1) / ps));
		memset(copy + 32, 0, 8);  /* the freelist may be gone too; it is not needed to read */
	}
	rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
				 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
	if (rc != SQLITE_OK) {
		*why = xasprintf("SQLite cannot load it: %s", sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int
salvage_sqlite_ok(const unsigned char *buf, size_t len, char **why)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;

	*why = NULL;
	if (salvage_sqlite_open(buf, len, false, &db, why) < 0)
		return 0;
	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r && streq(r, "ok"))
			ok = 1;
		else
			*why = xasprintf("SQLite integrity check: %s", r ? r : "(no answer)");
	} else {
		*why = xasprintf("SQLite cannot read it: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}
