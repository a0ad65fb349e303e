/* SPDX-License-Identifier: MPL-2.0 */
/* repair-carry.c: public keys, S/MIME records and CRLs carried from a damaged cert9.db into the rebuilt one. */
#include "repair-carry.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nss-attr.h"
#include "sqlite-errno.h"
#include "store-check.h"
#include "strbuf.h"
#include "util.h"
#include "banned.h"

static const unsigned long kind_class[N_CARRY] = {
	[CARRY_PUBLIC_KEY] = CKO_PUBLIC_KEY,
	[CARRY_SMIME] = CKO_NSS_SMIME,
	[CARRY_CRL] = CKO_NSS_CRL,
};

/* Past this many rows SQLite cannot read, the table is given up: no more rows than that fit a store. */
#define CARRY_MAX_UNREAD 4096

const char *
carry_kind_name(enum carry_kind k)
{
	static const char *const names[N_CARRY] = {"public key", "S/MIME record", "CRL"};

	return (unsigned)k < N_CARRY ? names[k] : "?";
}

static int
kind_of(sqlite3_stmt *st, int col)
{
	unsigned long cls;

	if (!nssattr_ulong(st, col, &cls))
		return -1;
	for (int k = 0; k < N_CARRY; k++)
		if (cls == kind_class[k])
			return k;
	return -1;
}

/* softoken names its columns "id" and "a<hex attribute type>": nothing else is spliced into SQL. */
static bool
column_name_ok(const char *c)
{
	if (streq(c, "id"))
		return true;
	if (c[0] != 'a' || !c[1] || strlen(c) > 9)
		return false;
	for (const char *p = c + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* The column names of schema.nssPublic, one per line in sb; 0 when the table is not there or unreadable. */
static size_t
columns(sqlite3 *db, const char *schema, struct strbuf *sb)
{
	_autofree_ char *q = xasprintf("PRAGMA %s.table_info(nssPublic)", schema);
	sqlite3_stmt *st = NULL;
	size_t n = 0;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 1);

		if (c && column_name_ok(c)) {
			strbuf_addf(sb, "%s\n", c);
			n++;
		}
	}
	sqlite3_finalize(st);
	return n;
}

static bool
has_line(const char *lines, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = lines; (p = strstr(p, name)); p++)
		if ((p == lines || p[-1] == '\n') && p[len] == '\n')
			return true;
	return false;
}

/* The failure of a write to the new store, with the file and errno SQLite met when there is one. */
static int
write_failed(struct mc_error *err, sqlite3 *db, const char *new_db, const char *what)
{
	char io[600];
	int e = sqlio_take_failure(io, sizeof(io));

	mc_error_set(err, MC_EFAIL, "cannot %s '%s': %s", what, new_db, e ? io : sqlite3_errmsg(db));
	err->sys_errno = e;
	return MC_EFAIL;
}

/* Rows of each carry kind in main.nssPublic, in n; false when they cannot be counted. */
static bool
count_kinds(sqlite3 *db, size_t n[N_CARRY])
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(n, 0, sizeof(size_t) * N_CARRY);
	if (sqlite3_prepare_v2(db, "SELECT a0, count(*) FROM main.nssPublic GROUP BY a0", -1, &st, NULL) != SQLITE_OK)
		return false;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = kind_of(st, 0);

		if (k >= 0)
			n[k] += (size_t)sqlite3_column_int64(st, 1);  /* two encodings of one class are two groups */
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

struct row {
	enum carry_kind kind;
	sqlite3_value **v;  /* one per column of the list */
};

struct rows {
	struct row *v;
	size_t n, alloc;
	int ncols;
	int id_col;  /* which column is the object id */
};

static void
rows_release(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		for (int c = 0; c < rs->ncols; c++)
			sqlite3_value_free(rs->v[i].v[c]);
		free(rs->v[i].v);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/*
 * Phase 1, reading only, on its own connection: every carry row of old_db,
 * each column's value copied out, found by seeking past the last row so a
 * damaged page costs its rows and not the table. list gets the columns.
 */
static void
read_rows(const char *old_db, bool public_keys, struct strbuf *list, struct rows *rs, struct carry_report *r)
{
	_autofree_ char *uri = sqlstore_ro_uri(old_db);
	struct strbuf cols, q;
	sqlite3 *db = NULL;
	sqlite3_stmt *next = NULL, *read = NULL;

	strbuf_init(&cols);
	strbuf_init(&q);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		goto out;
	if (columns(db, "main", &cols) == 0 || !has_line(cols.buf, "id") || !has_line(cols.buf, "a0"))
		goto out;
	for (char *c = cols.buf, *nl; (nl = strchr(c, '\n')); c = nl + 1) {
		*nl = '\0';
		if (streq(c, "id"))
			rs->id_col = rs->ncols;
		strbuf_addf(list, "%s%s", list->len ? ", " : "", c);
		rs->ncols++;
	}
	strbuf_addf(&q, "SELECT %s FROM nssPublic WHERE rowid = ?", list->buf);
	if (sqlite3_prepare_v2(db, "SELECT rowid, a0 FROM nssPublic WHERE rowid > ? ORDER BY rowid LIMIT 1", -1, &next,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q.buf, -1, &read, NULL) != SQLITE_OK)
		goto out;
	r->readable = true;
	for (sqlite3_int64 cur = 0; r->unread < CARRY_MAX_UNREAD;) {
		sqlite3_int64 rowid;
		int rc, k;
		struct row row;

		sqlite3_bind_int64(next, 1, cur);
		rc = sqlite3_step(next);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			sqlite3_reset(next);
			r->unread++;
			if (cur == INT64_MAX)
				break;
			cur++;
			continue;
		}
		rowid = sqlite3_column_int64(next, 0);
		k = kind_of(next, 1);
		sqlite3_reset(next);
		if (rowid <= cur)
			break;  /* a b-tree out of order: stop rather than loop */
		cur = rowid;
		if (k < 0)
			continue;
		if (k == CARRY_PUBLIC_KEY && !public_keys) {
			r->left_out++;
			continue;
		}
		/* Read whole: the row's own page or an overflow page may be damaged. */
		sqlite3_bind_int64(read, 1, rowid);
		if (sqlite3_step(read) != SQLITE_ROW) {
			sqlite3_reset(read);
			r->unread++;
			continue;
		}
		row.kind = (enum carry_kind)k;
		row.v = xzalloc((size_t)rs->ncols * sizeof(*row.v));
		for (int c = 0; c < rs->ncols; c++)
			if (!(row.v[c] = sqlite3_value_dup(sqlite3_column_value(read, c))))
				abort();  /* out of memory, as xmalloc */
		sqlite3_reset(read);
		if (rs->n == rs->alloc) {
			rs->alloc = rs->alloc ? rs->alloc * 2 : 16;
			rs->v = xreallocarray(rs->v, rs->alloc, sizeof(*rs->v));
		}
		rs->v[rs->n++] = row;
	}
out:
	sqlite3_finalize(next);
	sqlite3_finalize(read);
	sqlite3_close(db);
	sqlio_clear();  /* failures reading the damaged copy are not the new store's */
	strbuf_release(&cols);
	strbuf_release(&q);
}

/* Attributes (list: "a,b,...") the new table has no column for yet get one, as softoken adds them itself. */
static int
add_missing_columns(sqlite3 *db, const char *list, const char *newcols, const char *new_db, struct mc_error *err)
{
	for (const char *c = list; *c;) {
		size_t len = strcspn(c, ",");
		_autofree_ char *name = xstrndup(c, len);

		if (!has_line(newcols, name)) {
			_autofree_ char *alter = xasprintf("ALTER TABLE nssPublic ADD COLUMN %s", name);

			if (sqlite3_exec(db, alter, NULL, NULL, NULL) != SQLITE_OK)
				return write_failed(err, db, new_db, "write");
		}
		c += len;
		c += strspn(c, ", ");
	}
	return 0;
}

/* Insert every row whose object id the new store does not use yet; r counts carried and clashed. */
static int
insert_rows(sqlite3 *db, const struct rows *rs, const char *list, const char *new_db, struct carry_report *r,
	    struct mc_error *err)
{
	sqlite3_stmt *clash = NULL, *ins = NULL;
	struct strbuf q;
	int ret = 0;

	strbuf_init(&q);
	strbuf_addf(&q, "INSERT INTO nssPublic (%s) VALUES (?", list);
	for (int i = 1; i < rs->ncols; i++)
		strbuf_addstr(&q, ", ?");
	strbuf_addstr(&q, ")");
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM nssPublic WHERE id = ?", -1, &clash, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q.buf, -1, &ins, NULL) != SQLITE_OK) {
		ret = write_failed(err, db, new_db, "write");
		goto out;
	}
	for (size_t i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];
		int rc;

		/* An object id the new store already uses is not reused. */
		sqlite3_bind_value(clash, 1, row->v[rs->id_col]);
		rc = sqlite3_step(clash);
		sqlite3_reset(clash);
		if (rc == SQLITE_ROW) {
			r->clashed[row->kind]++;
			continue;
		}
		for (int c = 0; c < rs->ncols; c++)
			sqlite3_bind_value(ins, c + 1, row->v[c]);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE || sqlite3_changes(db) != 1) {
			ret = write_failed(err, db, new_db, "write");
			goto out;
		}
		r->carried[row->kind]++;
	}
out:
	sqlite3_finalize(clash);
	sqlite3_finalize(ins);
	strbuf_release(&q);
	return ret;
}

/* Counted back before anything is kept: each kind has exactly the rows carried in. */
static int
check_counts(sqlite3 *db, const size_t before[N_CARRY], const struct carry_report *r, const char *new_db,
	     struct mc_error *err)
{
	size_t after[N_CARRY];

	if (!count_kinds(db, after))
		return write_failed(err, db, new_db, "read back");
	for (int k = 0; k < N_CARRY; k++)
		if (after[k] != before[k] + r->carried[k])
			return mc_error_set(err, MC_EFAIL, "'%s' holds %zu %ss after %zu were carried into %zu", new_db,
					    after[k], carry_kind_name((enum carry_kind)k), r->carried[k], before[k]);
	return 0;
}

int
carry_objects(const char *old_db, const char *new_db, bool public_keys, struct carry_report *r,
	      struct mc_error *err)
{
	sqlite3 *db = NULL;
	struct strbuf list, newcols;
	struct rows rs = {0};
	size_t before[N_CARRY];
	int ret = 0;

	memset(r, 0, sizeof(*r));
	strbuf_init(&list);
	strbuf_init(&newcols);
	read_rows(old_db, public_keys, &list, &rs, r);
	if (rs.n == 0)
		goto out;
	/* Phase 2, writing: the rows go into the new store in one transaction. */
	if (sqlite3_open_v2(new_db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		ret = write_failed(err, db, new_db, "open");
		goto out;
	}
	if (columns(db, "main", &newcols) == 0 || !count_kinds(db, before)) {
		ret = write_failed(err, db, new_db, "read");
		goto out;
	}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		ret = write_failed(err, db, new_db, "write");
		goto out;
	}
	if ((ret = add_missing_columns(db, list.buf, newcols.buf, new_db, err)) < 0 ||
	    (ret = insert_rows(db, &rs, list.buf, new_db, r, err)) < 0 ||
	    (ret = check_counts(db, before, r, new_db, err)) < 0)
		goto rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ret = write_failed(err, db, new_db, "write");
		goto rollback;
	}
	goto out;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	memset(r->carried, 0, sizeof(r->carried));
out:
	if (db && sqlite3_close(db) != SQLITE_OK && ret == 0)
		ret = mc_error_set(err, MC_EFAIL, "cannot close '%s'", new_db);
	rows_release(&rs);
	strbuf_release(&list);
	strbuf_release(&newcols);
	return ret;
}
