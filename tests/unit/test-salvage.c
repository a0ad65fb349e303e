/* SPDX-License-Identifier: MPL-2.0 */
/* test-salvage.c: the three salvage readers on generated and real stores, intact and damaged. */
#include <string.h>
#include <stdlib.h>
#include <nss.h>
#include <nssb64.h>

#include "helpers.h"
#include "salvage.h"
#include <pkcs11n.h>
#include "trust.h"
#include "util.h"

#define NCERTS 20

static const char *const trusts[10] = {"C,,", "CT,C,C", ",,", "P,,", "c,c,", "p,p,p", "C,C,C", ",C,", "T,,", "C,,"};

static char *gen;          /* temp dir with sql/ and dbm/ stores and the PEM files */
static unsigned char *ders[NCERTS];
static size_t der_lens[NCERTS];

static unsigned char *
pem_to_der(const char *path, size_t *len)
{
	_autofree_ char *out = NULL;
	unsigned char *der;
	int rc = run_cmd(&out, "openssl x509 -in '%s' -outform DER | base64 -w0", path);
	SECItem *item;

	ck_assert_int_eq(rc, 0);
	item = NSSBase64_DecodeBuffer(NULL, NULL, out, strlen(out));
	ck_assert_ptr_nonnull(item);
	der = xmalloc(item->len);
	memcpy(der, item->data, item->len);
	*len = item->len;
	SECITEM_FreeItem(item, PR_TRUE);
	return der;
}

static void
setup_stores(void)
{
	gen = tmpdir_new();
	ck_assert_int_eq(run_cmd(NULL, "cd '%s' && mkdir sql dbm && certutil -N -d sql:sql --empty-password && "
				       "certutil -N -d dbm:dbm --empty-password", gen), 0);
	for (int i = 0; i < NCERTS; i++) {
		_autofree_ char *pem = xasprintf("%s/c%d.pem", gen, i + 1);

		ck_assert_int_eq(run_cmd(NULL,
					 "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
					 "-keyout /dev/null -out c%d.pem -subj '/O=mozcert salvage/CN=cert %d' -days 400 "
					 "-addext basicConstraints=critical,CA:%s 2>/dev/null && "
					 "certutil -A -d sql:sql -n 'cert %d' -t '%s' -a -i c%d.pem && "
					 "certutil -A -d dbm:dbm -n 'cert %d' -t '%s' -a -i c%d.pem",
					 gen, i + 1, i + 1, (i + 1) % 3 ? "TRUE" : "FALSE", i + 1, trusts[i % 10], i + 1,
					 i + 1, trusts[i % 10], i + 1), 0);
		ders[i] = pem_to_der(pem, &der_lens[i]);
	}
}

static void
nss_up(void)
{
	ck_assert_ptr_nonnull(gen);
	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
}

static void
teardown_stores(void)
{
	if (gen)
		tmpdir_free(gen);
	gen = NULL;
	for (int i = 0; i < NCERTS; i++)
		free(ders[i]);
}

static void
nss_down(void)
{
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
}

static unsigned char *
store_file(const char *rel, size_t *len)
{
	_autofree_ char *p = path_join(gen, rel);
	unsigned char *b = (unsigned char *)read_whole(p, len);

	ck_assert_ptr_nonnull(b);
	return b;
}

/* The trust certutil would print for cert i+1, without 'w' (not stored in PKCS#11 trust). */
static const char *
want_trust(int i)
{
	return trusts[i % 10];
}

static const struct salvaged_cert *
find_der(const struct salvage *s, int i)
{
	ssize_t at = salvage_find(s, ders[i], der_lens[i]);

	return at < 0 ? NULL : &s->v[at];
}

/* Every certificate whose DER is intact in buf was salvaged; trust is the original one or, when allowed, none. */
static void
check_oracle(const struct salvage *s, const unsigned char *buf, size_t len, bool exact, bool need_nick)
{
	for (int i = 0; i < NCERTS; i++) {
		const struct salvaged_cert *c = find_der(s, i);
		bool intact = memmem(buf, len, ders[i], der_lens[i]) != NULL;
		char t[TRUST_STR_MAX];

		if (intact)
			ck_assert_msg(c != NULL, "cert %d is intact but not salvaged", i + 1);
		if (!c)
			continue;
		trust_format(&c->trust, t);
		if (exact) {
			/* ",," makes no trust object (docs/nss-internals.md 1.3), so none is found for it. */
			ck_assert_msg(streq(t, want_trust(i)) && (c->has_trust || streq(t, ",,")),
				      "cert %d: trust %s, want %s", i + 1, t, want_trust(i));
		} else {
			ck_assert_msg(streq(t, want_trust(i)) || streq(t, ",,"), "cert %d: trust %s", i + 1, t);
		}
		if (need_nick) {
			_autofree_ char *nick = xasprintf("cert %d", i + 1);

			ck_assert_str_eq(c->nickname, nick);
		}
		ck_assert_int_eq(c->is_ca, (i + 1) % 3 != 0);
	}
	ck_assert_uint_le(s->n, NCERTS);
}

START_TEST(test_sql_intact)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;

	nss_up();
	b = store_file("sql/cert9.db", &len);
	salvage_init(&s);
	ck_assert_int_eq(salvage_sql(b, len, &s, &err), 0);
	ck_assert_uint_eq(s.n, NCERTS);
	ck_assert(!s.damaged);
	ck_assert_uint_eq(s.units_bad, 0);
	ck_assert_uint_eq(s.trust_orphans, 0);
	check_oracle(&s, b, len, true, true);
	salvage_release(&s);
	nss_down();
}
END_TEST

/* Damage a copy of cert9.db in one of several ways (the loop index picks it), then salvage rows, then carve. */
START_TEST(test_sql_damaged)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;
	bool exact = false;
	int ret;

	nss_up();
	b = store_file("sql/cert9.db", &len);
	switch (_i) {
	case 0: len = 32768; break;                           /* truncated at a page boundary */
	case 1: len = 30000; break;                           /* truncated mid-page */
	case 2: memset(b + 3 * 4096, 0, 4096); exact = true; break;  /* an index page zeroed */
	case 3: memset(b + 9 * 4096, 0, 4096); break;         /* a data page zeroed */
	case 4: for (int i = 0; i < 100; i++) b[i] = (unsigned char)random(); exact = true; break;  /* header */
	case 5: for (int i = 0; i < 4096; i++) b[i] = (unsigned char)random(); break;  /* page 1 */
	case 6: for (int i = 0; i < 4096; i++) b[10 * 4096 + i] = (unsigned char)random(); break;
	case 7: len = 0; exact = true; break;                 /* zero length */
	case 8:  /* nssPublic's root page (interior) zeroed: SQLite reaches no row; every leaf page is intact */
		ck_assert_int_eq(b[4096], 0x05);
		memset(b + 4096, 0, 4096);
		exact = true;
		break;
	default: break;
	}
	salvage_init(&s);
	ret = salvage_sql(b, len, &s, &err);
	if (ret < 0) {
		ck_assert_int_eq(ret, MC_EDAMAGED);
		ck_assert(s.damaged);
	}
	if (s.damaged)
		salvage_carve(b, len, &s);
	check_oracle(&s, b, len, exact, exact);
	if (_i == 4 || _i == 8)
		ck_assert_uint_eq(s.n, NCERTS);  /* a rebuilt header, or the leaf pages, give every row */
	if (_i == 8) {
		ck_assert_uint_eq(s.units_bad, 0);
		ck_assert(!s.tail_lost);  /* nothing was cut off */
		for (size_t k = 0; k < s.n; k++)
			ck_assert_int_eq(s.v[k].source, SALVAGE_SQL);
	}
	salvage_release(&s);
	nss_down();
}
END_TEST

/*
 * Rowids far apart (NSS may start object ids anywhere; a hostile file may claim
 * any): every row is still read, by seeking row to row, not by counting rowids.
 */
START_TEST(test_sql_sparse_rowids)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;

	nss_up();
	ck_assert_int_eq(run_cmd(NULL, "cd '%s' && cp sql/cert9.db sparse.db && "
				       "sqlite3 sparse.db 'UPDATE nssPublic SET rowid = rowid * 4000000000000'", gen), 0);
	b = store_file("sparse.db", &len);
	salvage_init(&s);
	ck_assert_int_eq(salvage_sql(b, len, &s, &err), 0);
	ck_assert_uint_eq(s.n, NCERTS);
	ck_assert(!s.damaged);
	check_oracle(&s, b, len, true, true);
	salvage_release(&s);
	nss_down();
}
END_TEST

/*
 * One row whose content cannot be read (its overflow chain points past the
 * end of the file) ahead of rows far away: it costs one bad unit, and every
 * certificate after it is read through SQLite. Retrying one rowid further
 * failed on that row again for every rowid below the next one (the fuzzer's
 * slowest input: 0.4 s for 23 KB, 218 s under ASan).
 */
START_TEST(test_sql_unreadable_row)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;
	_autofree_ char *out = NULL;
	unsigned long pg;
	unsigned ps;

	nss_up();
	ck_assert_int_eq(run_cmd(&out, "cd '%s' && cp sql/cert9.db unread.db && sqlite3 unread.db "
				      "\"UPDATE nssPublic SET rowid = rowid * 4000000000000; "
				      "INSERT INTO nssPublic (rowid, id, a0, a11) "
				      "VALUES (1000000000000, 4000000000, x'00000000', zeroblob(60000)); "
				      "SELECT pageno FROM dbstat WHERE name = 'nssPublic' AND pagetype = 'overflow' "
				      "AND path LIKE '%%+000000'\"", gen), 0);
	pg = strtoul(out, NULL, 10);
	b = store_file("unread.db", &len);
	ps = (unsigned)b[16] << 8 | b[17];
	ck_assert_uint_gt(pg, 1);
	ck_assert_uint_le(pg * ps, len);
	/* the first overflow page links to a page far past the end */
	memcpy(b + (pg - 1) * ps, "\x7f\xff\xff\xf0", 4);
	salvage_init(&s);
	ck_assert_int_eq(salvage_sql(b, len, &s, &err), 0);
	ck_assert(s.damaged);
	ck_assert_uint_eq(s.n, NCERTS);
	ck_assert_uint_eq(s.units_bad, 1);
	for (size_t k = 0; k < s.n; k++)
		ck_assert_int_eq(s.v[k].source, SALVAGE_SQL);
	check_oracle(&s, b, len, true, true);
	salvage_release(&s);
	nss_down();
}
END_TEST

/* Bytes of the SQLite varint at p (at most 9). */
static size_t
varint_len(const unsigned char *p)
{
	size_t n = 1;

	while (n < 9 && (p[n - 1] & 0x80))
		n++;
	return n;
}

/*
 * More damaged rows than the walk's budget (len/16 + 64): 2,000 rows whose
 * record header claims more bytes than the row has, the b-tree above them
 * intact. The walk gives up after budget failed reads (each may cost SQLite an
 * allocation the size of a claimed payload) instead of failing on every row.
 */
START_TEST(test_sql_budget)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len, leaves = 0, patched = 0;
	_autofree_ unsigned char *b = NULL;
	unsigned ps;

	nss_up();
	ck_assert_int_eq(run_cmd(NULL, "cd '%s' && rm -f budget.db && sqlite3 budget.db "
				       "'PRAGMA page_size = 512; CREATE TABLE nssPublic (a0); "
				       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
				       "INSERT INTO nssPublic (rowid, a0) SELECT i, 1 FROM n'",
				 gen),
			 0);
	b = store_file("budget.db", &len);
	ps = (unsigned)b[16] << 8 | b[17];
	ck_assert_uint_eq(ps, 512);
	/* On every leaf page of nssPublic (page 1 is the schema's), each record's header size becomes 127: it has 2 bytes. */
	for (size_t pg = 1; pg * ps < len; pg++) {
		unsigned char *page = b + pg * ps, *h = page;
		unsigned ncell = (unsigned)h[3] << 8 | h[4];

		if (h[0] != 0x0D)
			continue;
		leaves++;
		for (unsigned c = 0; c < ncell; c++) {
			unsigned off = (unsigned)h[8 + 2 * c] << 8 | h[9 + 2 * c];
			unsigned char *cell = page + off;
			unsigned char *rec;

			ck_assert_uint_lt(off, ps);
			rec = cell + varint_len(cell);
			rec += varint_len(rec);
			ck_assert_int_eq(cell[0], 2);  /* payload: header size 2, serial type 9 (the integer 1) */
			ck_assert_int_eq(rec[0], 2);
			rec[0] = 127;
			patched++;
		}
	}
	ck_assert_uint_gt(leaves, 1);
	ck_assert_uint_eq(patched, 2000);
	ck_assert_uint_lt(len / 16 + 64, 2000);
	salvage_init(&s);
	ck_assert_int_eq(salvage_sql(b, len, &s, &err), 0);
	ck_assert(s.damaged);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(s.units_read, 0);
	/* the walk stops at its budget; the leaf pages then count every damaged row */
	ck_assert_uint_eq(s.units_bad, 2000);
	salvage_release(&s);
	nss_down();
}
END_TEST

START_TEST(test_dbm_intact)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;
	_autofree_ unsigned char *k = NULL;
	_autofree_ char *why = NULL;
	size_t klen;

	nss_up();
	b = store_file("dbm/cert8.db", &len);
	salvage_init(&s);
	ck_assert_int_eq(salvage_dbm(b, len, &s, &err), 0);
	ck_assert(!s.damaged);
	ck_assert_uint_eq(s.n, NCERTS);
	check_oracle(&s, b, len, true, true);
	salvage_release(&s);
	k = store_file("dbm/key3.db", &klen);
	ck_assert_int_eq(salvage_dbm_ok(k, klen, &why), 1);
	ck_assert_int_eq(salvage_dbm_ok(k, klen - 100, &why), 0);
	ck_assert_ptr_nonnull(why);
	nss_down();
}
END_TEST

START_TEST(test_dbm_damaged)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;
	bool exact = false;

	nss_up();
	b = store_file("dbm/cert8.db", &len);
	switch (_i) {
	case 0: len = 32768; break;
	case 1: len = 40000; break;
	case 2: memset(b, 0, 4); exact = true; break;                        /* magic zeroed */
	case 3: for (int i = 0; i < 512; i++) b[i] = (unsigned char)random(); exact = true; break;
	case 4: memset(b + 16384, 0, 16384); exact = true; break;            /* a bucket page zeroed */
	case 5: for (int i = 0; i < 16384; i++) b[2 * 16384 + i] = (unsigned char)random(); break;
	case 6: len = 0; exact = true; break;
	default: break;
	}
	salvage_init(&s);
	if (salvage_dbm(b, len, &s, &err) < 0)
		ck_assert(s.damaged);
	if (s.damaged || _i == 4)
		salvage_carve(b, len, &s);
	check_oracle(&s, b, len, exact, true);
	if (_i == 2 || _i == 3)
		ck_assert_uint_eq(s.n, NCERTS);  /* carving needs no header */
	salvage_release(&s);
	nss_down();
}
END_TEST

/*
 * A header claiming 2^24 buckets, the split points past the real ones placed
 * beyond the end of the file: every certificate is still read, and each of
 * those buckets is one missing page (they are counted per split point, not
 * walked one by one).
 */
START_TEST(test_dbm_huge_bucket_count)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ unsigned char *b = NULL;
	_autofree_ char *why = NULL;
	unsigned long long missing, lo, hi;
	uint32_t max;
	unsigned l0 = 0;

	nss_up();
	b = store_file("dbm/cert8.db", &len);
	max = (uint32_t)b[40] << 24 | (uint32_t)b[41] << 16 | (uint32_t)b[42] << 8 | b[43];
	while ((1ull << l0) < (unsigned long long)max + 1)
		l0++;
	for (unsigned l = l0 + 1; l <= 24; l++)
		memcpy(b + 68 + 4 * (l - 1), "\x7f\xff\xff\x00", 4);
	memcpy(b + 40, "\x01\x00\x00\x00", 4);
	salvage_init(&s);
	ck_assert_int_eq(salvage_dbm(b, len, &s, &err), 0);
	ck_assert(s.damaged);
	ck_assert(s.tail_lost);
	ck_assert_uint_eq(s.n, NCERTS);
	check_oracle(&s, b, len, true, true);
	salvage_release(&s);
	ck_assert_int_eq(salvage_dbm_ok(b, len, &why), 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(sscanf(why, "%llu damaged or missing pages", &missing), 1);
	/* Buckets 2^l0 .. 2^24 are all missing; those between max and 2^l0 may be. */
	lo = (1ull << 24) - (1ull << l0) + 1;
	hi = lo + (1ull << l0) - 1 - max;
	ck_assert_uint_ge(missing, lo);
	ck_assert_uint_le(missing, hi);
	nss_down();
}
END_TEST

/* Random damage anywhere must never crash a reader, and what is read is always a real certificate. */
START_TEST(test_fuzz_mutations)
{
	size_t len9, len8;
	_autofree_ unsigned char *b9 = NULL;
	_autofree_ unsigned char *b8 = NULL;

	nss_up();
	b9 = store_file("sql/cert9.db", &len9);
	b8 = store_file("dbm/cert8.db", &len8);
	srandom(42);
	for (int round = 0; round < 60; round++) {
		_autofree_ unsigned char *m9 = xmalloc(len9);
		_autofree_ unsigned char *m8 = xmalloc(len8);
		struct salvage s;
		struct mc_error err = {0};
		size_t l9 = len9, l8 = len8;

		memcpy(m9, b9, len9);
		memcpy(m8, b8, len8);
		for (int k = 0; k < 1 + round % 7; k++) {
			size_t at9 = (size_t)random() % len9, at8 = (size_t)random() % len8;
			size_t n = 1 + (size_t)random() % 600;

			for (size_t j = 0; j < n && at9 + j < len9; j++)
				m9[at9 + j] = (unsigned char)random();
			for (size_t j = 0; j < n && at8 + j < len8; j++)
				m8[at8 + j] = (unsigned char)random();
		}
		if (round % 5 == 0) {
			l9 = (size_t)random() % len9;
			l8 = (size_t)random() % len8;
		}
		salvage_init(&s);
		salvage_sql(m9, l9, &s, &err);
		mc_error_clear(&err);
		salvage_carve(m9, l9, &s);
		salvage_dbm(m8, l8, &s, &err);
		salvage_carve(m8, l8, &s);
		/*
		 * A byte changed inside a certificate's signature still decodes: such a
		 * certificate may come back (it fails verification later, as it would
		 * have in the store). Whatever comes back is one whole certificate of
		 * a known length, unique in the list.
		 */
		for (size_t i = 0; i < s.n; i++) {
			bool known = false;
			struct salvage again;

			for (int j = 0; j < NCERTS && !known; j++)
				known = s.v[i].der_len == der_lens[j];
			ck_assert_msg(known, "round %d: salvaged %zu bytes, not a certificate length", round, s.v[i].der_len);
			ck_assert_int_eq(salvage_find(&s, s.v[i].der, s.v[i].der_len), (ssize_t)i);
			salvage_init(&again);
			ck_assert_int_eq(salvage_add(&again, s.v[i].der, s.v[i].der_len, NULL, NULL, SALVAGE_CARVED), 1);
			salvage_release(&again);
		}
		salvage_release(&s);
	}
	nss_down();
}
END_TEST

START_TEST(test_real_fixtures)
{
	struct salvage s;
	struct mc_error err = {0};
	size_t len;
	_autofree_ char *p9 = fixture_path("real/mozilla-tb-db-tinderbox-invalid-sql/cert9.db");
	_autofree_ char *p8 = fixture_path("real/mozilla-tb-db-tinderbox-invalid-legacy/cert8.db");
	_autofree_ char *pk = fixture_path("real/mozilla-tb-db-tinderbox-invalid-sql/key4.db");
	_autofree_ unsigned char *b9 = NULL;
	_autofree_ unsigned char *b8 = NULL;
	_autofree_ unsigned char *bk = NULL;
	_autofree_ char *why = NULL;
	size_t n_sql, n_dbm;

	nss_up();
	b9 = (unsigned char *)read_whole(p9, &len);
	ck_assert_ptr_nonnull(b9);
	salvage_init(&s);
	ck_assert_int_eq(salvage_sql(b9, len, &s, &err), 0);
	n_sql = s.n;
	ck_assert_uint_eq(n_sql, 4);  /* tests/fixtures/real/PROVENANCE.md: certutil lists 4 */
	salvage_release(&s);
	/* truncated to half: fewer, never invented */
	salvage_init(&s);
	salvage_sql(b9, len / 2, &s, &err);
	mc_error_clear(&err);
	salvage_carve(b9, len / 2, &s);
	ck_assert_uint_le(s.n, n_sql);
	salvage_release(&s);

	b8 = (unsigned char *)read_whole(p8, &len);
	ck_assert_ptr_nonnull(b8);
	salvage_init(&s);
	ck_assert_int_eq(salvage_dbm(b8, len, &s, &err), 0);
	n_dbm = s.n;
	ck_assert_uint_eq(n_dbm, 2);
	for (size_t i = 0; i < s.n; i++)
		ck_assert(s.v[i].has_trust && s.v[i].nickname);
	salvage_release(&s);
	memset(b8, 0, 4);
	salvage_init(&s);
	ck_assert_int_eq(salvage_dbm(b8, len, &s, &err), MC_EDAMAGED);
	mc_error_clear(&err);
	salvage_carve(b8, len, &s);
	ck_assert_uint_eq(s.n, n_dbm);
	salvage_release(&s);

	bk = (unsigned char *)read_whole(pk, &len);
	ck_assert_ptr_nonnull(bk);
	ck_assert_int_eq(salvage_sqlite_ok(bk, len, &why), 1);
	memset(bk + 1024, 0xff, len / 2);
	ck_assert_int_eq(salvage_sqlite_ok(bk, len, &why), 0);
	ck_assert_ptr_nonnull(why);
	nss_down();
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("salvage");
	TCase *tc = tcase_create("readers");

	tcase_set_timeout(tc, 240);
	/* The stores are made once, in the parent, before the tests fork. */
	tcase_add_unchecked_fixture(tc, setup_stores, teardown_stores);
	tcase_add_test(tc, test_sql_intact);
	tcase_add_loop_test(tc, test_sql_damaged, 0, 9);
	tcase_add_test(tc, test_sql_sparse_rowids);
	tcase_add_test(tc, test_sql_unreadable_row);
	tcase_add_test(tc, test_sql_budget);
	tcase_add_test(tc, test_dbm_intact);
	tcase_add_loop_test(tc, test_dbm_damaged, 0, 7);
	tcase_add_test(tc, test_dbm_huge_bucket_count);
	tcase_add_test(tc, test_fuzz_mutations);
	tcase_add_test(tc, test_real_fixtures);
	suite_add_tcase(s, tc);
	return s;
}
