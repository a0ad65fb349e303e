/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-sqlite-leaf.c: rows read straight off the table-leaf pages of a real
 * cert9.db (NSS's regression store tests/fixtures/real/nss-dbtests-bigdb:
 * 100 certificates, 300 rows of nssPublic on 51 leaf pages under one interior
 * root page). The oracle is the sqlite3 program reading the intact file
 * (rows: rowid, id, a0, a11; pages: the dbstat table). Then the root page is zeroed,
 * SQLite can read no row, and the leaf walk must still give every one.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "sqlite-leaf.h"
#include "util.h"

#define STORE "real/nss-dbtests-bigdb/cert9.db"
#define ROWS 300
#define NCOLS 120   /* columns of nssPublic in this store: id a0 ... */
#define COL_A0 1
#define COL_A11 6   /* CKA_VALUE: the certificate's DER */

struct row {
	int64_t rowid;
	uint32_t page;
	char *line;  /* "ROWID|ID|A0HEX|A11HEX" as sqlite3 prints it (id is a column, not the rowid) */
};

struct rows {
	struct row v[4 * ROWS];
	size_t n;
};

static char *
hex_of(const struct sqlpage_value *v)
{
	char *s = xmalloc(v->n * 2 + 1);

	for (size_t i = 0; i < v->n; i++)
		sprintf(s + 2 * i, "%02X", v->p[i]);
	s[2 * v->n] = '\0';
	return s;
}

static void
collect(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v, size_t ncols)
{
	struct rows *r = ctx;
	_autofree_ char *a0 = NULL;
	_autofree_ char *a11 = NULL;

	ck_assert_uint_eq(ncols, NCOLS);
	ck_assert_uint_lt(r->n, sizeof(r->v) / sizeof(r->v[0]));
	a0 = v[COL_A0].type == SQLITE_BLOB ? hex_of(&v[COL_A0]) : xstrdup("");
	a11 = v[COL_A11].type == SQLITE_BLOB ? hex_of(&v[COL_A11]) : xstrdup("");
	r->v[r->n].rowid = rowid;
	r->v[r->n].page = page;
	ck_assert_int_eq(v[0].type, SQLITE_INTEGER);
	r->v[r->n].line = xasprintf("%lld|%lld|%s|%s", (long long)rowid, (long long)v[0].i, a0, a11);
	r->n++;
}

static int
by_rowid(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

static void
rows_release(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].line);
	r->n = 0;
}

/* The rows, sorted by rowid, one line each: the form of the oracle's output. */
static char *
rows_text(struct rows *r)
{
	size_t cap = 1, len = 0;
	char *s;

	qsort(r->v, r->n, sizeof(r->v[0]), by_rowid);
	for (size_t i = 0; i < r->n; i++)
		cap += strlen(r->v[i].line) + 1;
	s = xmalloc(cap);
	for (size_t i = 0; i < r->n; i++)
		len += (size_t)sprintf(s + len, "%s\n", r->v[i].line);
	s[len] = '\0';
	return s;
}

static char *store;
static unsigned char *buf;
static size_t len;
static char *oracle;  /* sqlite3's rows of the intact store */

/* mine equals the oracle (600 KB of text: Check's messages cannot hold it, so name the first difference). */
static void
assert_same_rows(const char *mine)
{
	size_t i = 0;

	while (mine[i] && mine[i] == oracle[i])
		i++;
	ck_assert_msg(mine[i] == oracle[i], "rows differ at byte %zu of %zu: '%.60s' vs '%.60s'", i, strlen(oracle),
		      mine + i, oracle + i);
}

static void
setup(void)
{
	store = fixture_path(STORE);
	buf = (unsigned char *)read_whole(store, &len);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(run_cmd(&oracle, "sqlite3 'file:%s?immutable=1' "
				 "\"select rowid, id, hex(a0), hex(a11) from nssPublic order by rowid\"", store), 0);
}

static void
teardown(void)
{
	free(store);
	free(buf);
	free(oracle);
}

/* Zero page pgno (1-based) of the buffer. */
static void
zero_page(unsigned char *b, uint32_t pgno)
{
	memset(b + (size_t)(pgno - 1) * 4096, 0, 4096);
}

START_TEST(test_intact_all_rows)
{
	struct rows r = {0};
	_autofree_ char *mine = NULL;
	size_t bad = 0;
	bool truncated = true;

	ck_assert_uint_eq(sqlpage_scan_leaves(buf, len, collect, &r, &bad, &truncated), ROWS);
	ck_assert_uint_eq(bad, 0);
	ck_assert(!truncated);
	mine = rows_text(&r);
	assert_same_rows(mine);
	rows_release(&r);
}
END_TEST

START_TEST(test_root_page_zeroed)
{
	_autofree_ unsigned char *dmg = xmalloc(len);
	_autofree_ char *copy = NULL;
	_autofree_ char *dir = tmpdir_new();
	_autofree_ char *mine = NULL;
	char *root = NULL, *after = NULL;
	struct rows r = {0};
	struct sqlpage_table t;

	ck_assert_int_eq(run_cmd(&root, "sqlite3 'file:%s?immutable=1' "
				 "\"select rootpage from sqlite_master where name = 'nssPublic'\"", store), 0);
	ck_assert_str_eq(root, "2\n");
	free(root);
	/* The premise: page 2 is an interior table page (0x05), the parent of every leaf. */
	ck_assert_uint_eq(buf[4096], 0x05);
	memcpy(dmg, buf, len);
	zero_page(dmg, 2);
	copy = path_join(dir, "cert9.db");
	write_file(copy, dmg, len);
	/* SQLite itself reaches no row now. */
	ck_assert_int_ne(run_cmd(&after, "sqlite3 'file:%s?immutable=1' 'select sum(length(a11)) from nssPublic' 2>&1",
				 copy), 0);
	free(after);

	ck_assert_uint_eq(sqlpage_scan_leaves(dmg, len, collect, &r, NULL, NULL), ROWS);
	mine = rows_text(&r);
	assert_same_rows(mine);
	rows_release(&r);

	/* The table's b-tree says why: its root is no b-tree page any more. */
	sqlpage_table_pages(dmg, len, 2, &t);
	ck_assert_uint_eq(t.leaves, 0);
	ck_assert_uint_ge(t.damaged, 1);
	tmpdir_free(dir);
	dir = NULL;
}
END_TEST

START_TEST(test_table_pages_as_dbstat)
{
	struct sqlpage_table t;
	char *leaves = NULL;

	ck_assert_int_eq(run_cmd(&leaves, "sqlite3 'file:%s?immutable=1' "
				 "\"select count(*) from dbstat where name = 'nssPublic' and pagetype = 'leaf'\"",
				 store), 0);
	sqlpage_table_pages(buf, len, 2, &t);
	ck_assert_uint_eq(t.leaves, strtoul(leaves, NULL, 10));
	ck_assert_uint_eq(t.leaves, 51);
	ck_assert_uint_eq(t.missing, 0);
	ck_assert_uint_eq(t.damaged, 0);
	free(leaves);
	/* Cut after page 40: the table now points past the end of the file. */
	sqlpage_table_pages(buf, 40 * 4096, 2, &t);
	ck_assert_uint_gt(t.missing, 0);
	ck_assert_uint_lt(t.leaves, 51);
}
END_TEST

START_TEST(test_truncated_file)
{
	struct rows r = {0};
	bool truncated = false;
	size_t cut = 30 * 4096 + 1000, n;

	n = sqlpage_scan_leaves(buf, cut, collect, &r, NULL, &truncated);
	ck_assert(truncated);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, ROWS);
	/* Every row given is one of the oracle's, byte for byte, and lies before the cut. */
	for (size_t i = 0; i < r.n; i++) {
		_autofree_ char *line = xasprintf("%s\n", r.v[i].line);

		ck_assert_msg(strstr(oracle, line) != NULL, "row %lld invented: %.300s", (long long)r.v[i].rowid, line);
		ck_assert_uint_le(r.v[i].page, 31);
	}
	rows_release(&r);
}
END_TEST

START_TEST(test_damaged_leaf_carved)
{
	_autofree_ unsigned char *dmg = xmalloc(len);
	struct rows intact = {0}, walk = {0}, carved = {0};
	uint32_t victim;
	size_t on_victim = 0, found = 0, bad = 0;

	/* A leaf page whose header and cell pointer array are gone: the leaf walk cannot read it. */
	sqlpage_scan_leaves(buf, len, collect, &intact, NULL, NULL);
	victim = intact.v[intact.n / 2].page;
	for (size_t i = 0; i < intact.n; i++)
		on_victim += intact.v[i].page == victim;
	ck_assert_uint_gt(on_victim, 0);
	memcpy(dmg, buf, len);
	memset(dmg + (size_t)(victim - 1) * 4096, 0, 8 + 2 * on_victim);
	ck_assert_uint_eq(sqlpage_scan_leaves(dmg, len, collect, &walk, &bad, NULL), ROWS - on_victim);

	/* Carving finds records of exactly NCOLS columns anywhere on such pages: the victim's rows. */
	sqlpage_carve_rows(dmg, len, NCOLS, collect, &carved);
	for (size_t i = 0; i < intact.n; i++) {
		if (intact.v[i].page != victim)
			continue;
		for (size_t k = 0; k < carved.n; k++) {
			if (carved.v[k].rowid == intact.v[i].rowid && !strcmp(carved.v[k].line, intact.v[i].line)) {
				found++;
				break;
			}
		}
	}
	ck_assert_uint_eq(found, on_victim);
	rows_release(&intact);
	rows_release(&walk);
	rows_release(&carved);
}
END_TEST

struct schema_row {
	int64_t nsspublic_root;
	size_t n;
};

static void
schema_cb(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v, size_t ncols)
{
	struct schema_row *s = ctx;

	s->n++;
	ck_assert_uint_eq(ncols, 5);
	ck_assert_uint_eq(page, 1);
	if (v[1].type == SQLITE_TEXT && v[1].n == 9 && !memcmp(v[1].p, "nssPublic", 9))
		s->nsspublic_root = v[3].i;
}

START_TEST(test_schema_page)
{
	struct schema_row s = {0, 0};
	char *count = NULL;

	ck_assert_int_eq(run_cmd(&count, "sqlite3 'file:%s?immutable=1' 'select count(*) from sqlite_master'",
				 store), 0);
	ck_assert_uint_eq(sqlpage_scan_schema(buf, len, schema_cb, &s), strtoul(count, NULL, 10));
	ck_assert_uint_eq(s.n, strtoul(count, NULL, 10));
	ck_assert_int_eq(s.nsspublic_root, 2);
	free(count);
	/* No header, no schema. */
	ck_assert_uint_eq(sqlpage_scan_schema(buf, 50, schema_cb, &s), 0);
}
END_TEST

START_TEST(test_not_sqlite)
{
	/* Bytes that are no SQLite file give no row and no crash. */
	static unsigned char junk[3 * 4096];
	struct rows r = {0};
	size_t bad = 0;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	ck_assert_uint_eq(sqlpage_scan_leaves(junk, sizeof(junk), collect, &r, &bad, NULL), 0);
	ck_assert_uint_eq(sqlpage_scan_leaves(junk, 0, collect, &r, &bad, NULL), 0);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("sqlite-leaf");
	TCase *tc = tcase_create("sqlite-leaf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_intact_all_rows);
	tcase_add_test(tc, test_root_page_zeroed);
	tcase_add_test(tc, test_table_pages_as_dbstat);
	tcase_add_test(tc, test_truncated_file);
	tcase_add_test(tc, test_damaged_leaf_carved);
	tcase_add_test(tc, test_schema_page);
	tcase_add_test(tc, test_not_sqlite);
	suite_add_tcase(s, tc);
	return s;
}
