/* SPDX-License-Identifier: MPL-2.0 */
/* test-store-check.c: SQLite checks of real cert9.db/key4.db made by certutil, and legacy hash headers. */
#include <check.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <nss.h>

#include "store-check.h"
#include "helpers.h"

static char *dir;   /* a store made by certutil: 4 certificates, 3 with trust */
static off_t db_size;
static const int page = 4096;

static char *
p(const char *name)
{
	return path_join(dir, name);
}

static void
setup(void)
{
	_autofree_ char *certs = src_path("tests/fixtures/certs");
	_autofree_ char *c9 = NULL;
	struct stat st;

	dir = tmpdir_new();
	ck_assert_int_eq(run_cmd(NULL,
				 "certutil -N -d sql:%s --empty-password >/dev/null 2>&1 && "
				 "certutil -A -d sql:%s -n root -t C,, -a -i %s/root.pem && "
				 "certutil -A -d sql:%s -n inter -t ,, -a -i %s/intermediate.pem && "
				 "certutil -A -d sql:%s -n leaf -t P,, -a -i %s/leaf.pem && "
				 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/own.key -out %s/own.pem "
				 "-subj '/CN=mozcert sqlstore test' -days 30 2>/dev/null && "
				 "certutil -A -d sql:%s -n own -t CT,C,C -a -i %s/own.pem",
				 dir, dir, certs, dir, certs, dir, certs, dir, dir, dir, dir),
			 0);
	c9 = p("cert9.db");
	ck_assert_int_eq(stat(c9, &st), 0);
	db_size = st.st_size;
	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
}

static void
teardown(void)
{
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
	tmpdir_free(dir);
	dir = NULL;
}

/* A damaged copy of cert9.db named name: the first len bytes, then patch bytes at off. */
static char *
damaged_copy(const char *name, off_t len, off_t off, const unsigned char *patch, size_t plen)
{
	_autofree_ char *src = p("cert9.db");
	char *dst = p(name);
	size_t n;
	_autofree_ char *buf = read_whole(src, &n);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_le(len, (off_t)n);
	if (patch)
		memcpy(buf + off, patch, plen);
	write_file(dst, buf, (size_t)len);
	return dst;
}

static bool
damage_found(const struct sqlstore_cert_report *r)
{
	return !r->opened || !r->integrity_ok || !r->schema_ok || r->unreadable || r->bad_certs || r->orphan_trust;
}

START_TEST(test_healthy_store)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");
	struct sqlstore_cert_report r;
	struct sqlstore_key_report k;
	struct mc_error err = {0};
	size_t missing = 99;

	ck_assert_int_eq(sqlstore_check_certdb(c9, &r, &err), 0);
	ck_assert(r.opened && r.integrity_ok && r.schema_ok);
	ck_assert_str_eq(r.problem, "");
	ck_assert_int_eq(r.certs, 4);
	ck_assert_int_eq(r.distinct_certs, 4);
	/* ',,' on a new certificate writes no trust object (docs/nss-internals.md 1.3). */
	ck_assert_int_eq(r.trust, 3);
	ck_assert_int_eq(r.ntrust_ids, 3);
	ck_assert_int_eq(r.bad_certs + r.orphan_trust + r.unreadable, 0);
	ck_assert(!damage_found(&r));

	ck_assert_int_eq(sqlstore_check_keydb(k4, &k, &err), 0);
	ck_assert(k.opened && k.integrity_ok && k.schema_ok && k.has_password);
	ck_assert_int_eq(k.private_keys, 0);
	ck_assert_uint_ge(k.macs, 3);
	ck_assert_int_eq(sqlstore_missing_macs(k4, &r, &missing, &err), 0);
	ck_assert_int_eq(missing, 0);
	sqlstore_cert_report_release(&r);

	/* Read-only and immutable: nothing was created beside the files. */
	{
		_autofree_ char *j = p("cert9.db-journal");
		_autofree_ char *w = p("cert9.db-wal");

		ck_assert(access(j, F_OK) < 0 && access(w, F_OK) < 0);
	}
}
END_TEST

START_TEST(test_truncated_mid_page)
{
	_autofree_ char *f = damaged_copy("mid.db", db_size - page - 1000, 0, NULL, 0);
	struct sqlstore_cert_report r;
	struct mc_error err = {0};

	ck_assert_int_ge(db_size, 4 * page);
	ck_assert_int_eq(sqlstore_check_certdb(f, &r, &err), 0);
	ck_assert(damage_found(&r));
	ck_assert_str_ne(r.problem, "");
	sqlstore_cert_report_release(&r);
}
END_TEST

START_TEST(test_truncated_at_page_boundary)
{
	_autofree_ char *f = damaged_copy("bound.db", db_size - page, 0, NULL, 0);
	struct sqlstore_cert_report r;
	struct mc_error err = {0};

	ck_assert_int_eq(sqlstore_check_certdb(f, &r, &err), 0);
	ck_assert(damage_found(&r));
	ck_assert_str_ne(r.problem, "");
	sqlstore_cert_report_release(&r);
}
END_TEST

START_TEST(test_zeroed_page)
{
	unsigned char zero[4096] = {0};
	_autofree_ char *f = NULL;
	struct sqlstore_cert_report r;
	struct mc_error err = {0};

	/* Every page after the first in turn: each must be noticed. */
	for (off_t pg = 1; pg < db_size / page; pg++) {
		free(f);
		f = damaged_copy("zero.db", db_size, pg * page, zero, sizeof(zero));
		ck_assert_int_eq(sqlstore_check_certdb(f, &r, &err), 0);
		ck_assert_msg(damage_found(&r), "zeroed page %lld not noticed", (long long)pg);
		sqlstore_cert_report_release(&r);
		unlink(f);
	}
}
END_TEST

START_TEST(test_random_header)
{
	unsigned char junk[100];
	_autofree_ char *f = NULL;
	struct sqlstore_cert_report r;
	struct mc_error err = {0};

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	f = damaged_copy("junk.db", db_size, 0, junk, sizeof(junk));
	ck_assert_int_eq(sqlstore_check_certdb(f, &r, &err), 0);
	ck_assert(!r.opened);
	ck_assert_msg(strstr(r.problem, "not a database") != NULL, "problem: %s", r.problem);
	sqlstore_cert_report_release(&r);
}
END_TEST

START_TEST(test_zero_length)
{
	_autofree_ char *f = p("empty.db");
	struct sqlstore_cert_report r;
	struct sqlstore_key_report k;
	struct mc_error err = {0};

	write_file(f, "", 0);
	ck_assert_int_eq(sqlstore_check_certdb(f, &r, &err), 0);
	ck_assert(!r.schema_ok);
	ck_assert_msg(strstr(r.problem, "nssPublic") != NULL, "problem: %s", r.problem);
	sqlstore_cert_report_release(&r);
	ck_assert_int_eq(sqlstore_check_keydb(f, &k, &err), 0);
	ck_assert(!k.schema_ok);
	/* SQLite must not have turned the empty file into a database. */
	{
		struct stat st;

		ck_assert_int_eq(stat(f, &st), 0);
		ck_assert_int_eq(st.st_size, 0);
	}
}
END_TEST

START_TEST(test_missing_file)
{
	_autofree_ char *f = p("nope.db");
	struct sqlstore_cert_report r;
	struct mc_error err = {0};

	ck_assert_int_eq(sqlstore_check_certdb(f, &r, &err), MC_ENOENT);
}
END_TEST

START_TEST(test_row_sanity)
{
	_autofree_ char *c9 = p("cert9.db");
	_autofree_ char *k4 = p("key4.db");
	_autofree_ char *a = p("orphan.db");
	_autofree_ char *b = p("badder.db");
	_autofree_ char *mk = p("nomac.db");
	struct sqlstore_cert_report r, good;
	struct mc_error err = {0};
	size_t missing = 0;

	/* A certificate row deleted: its trust row names nothing (integrity itself is fine). */
	ck_assert_int_eq(run_cmd(NULL, "cp %s %s && sqlite3 %s \"DELETE FROM nssPublic WHERE a3=CAST('root' AS BLOB)\"",
				 c9, a, a), 0);
	ck_assert_int_eq(sqlstore_check_certdb(a, &r, &err), 0);
	ck_assert(r.integrity_ok);
	ck_assert_int_eq(r.certs, 3);
	ck_assert_int_eq(r.orphan_trust, 1);
	sqlstore_cert_report_release(&r);

	/* A certificate value that is not a certificate. */
	ck_assert_int_eq(run_cmd(NULL, "cp %s %s && sqlite3 %s \"UPDATE nssPublic SET a11=x'3082FFFF0102' WHERE hex(a0)='00000001' AND a3=CAST('leaf' AS BLOB)\"",
				 c9, b, b), 0);
	ck_assert_int_eq(sqlstore_check_certdb(b, &r, &err), 0);
	ck_assert_int_eq(r.bad_certs, 1);
	ck_assert_msg(strstr(r.problem, "does not decode") != NULL, "problem: %s", r.problem);
	sqlstore_cert_report_release(&r);

	/* Trust MACs deleted from key4.db: every trust row lacks one. */
	ck_assert_int_eq(run_cmd(NULL, "cp %s %s && sqlite3 %s \"DELETE FROM metaData WHERE id LIKE 'sig_cert_%%'\"",
				 k4, mk, mk), 0);
	ck_assert_int_eq(sqlstore_check_certdb(c9, &good, &err), 0);
	ck_assert_int_eq(sqlstore_missing_macs(mk, &good, &missing, &err), 0);
	ck_assert_int_eq(missing, 3);
	sqlstore_cert_report_release(&good);
}
END_TEST

START_TEST(test_uri_escaping)
{
	_autofree_ char *u = sqlstore_ro_uri("/tmp/a b/x?y#z%.db");

	ck_assert_str_eq(u, "file:/tmp/a%20b/x%3Fy%23z%25.db?mode=ro&immutable=1");
	{
		_autofree_ char *sub = p("a dir?#");
		_autofree_ char *c9 = p("cert9.db");
		_autofree_ char *dst = NULL;
		struct sqlstore_cert_report r;
		struct mc_error err = {0};

		ck_assert_int_eq(mkdir(sub, 0700), 0);
		dst = path_join(sub, "cert9.db");
		ck_assert_int_eq(run_cmd(NULL, "cp '%s' '%s'", c9, dst), 0);
		ck_assert_int_eq(sqlstore_check_certdb(dst, &r, &err), 0);
		ck_assert(r.integrity_ok);
		ck_assert_int_eq(r.certs, 4);
		sqlstore_cert_report_release(&r);
	}
}
END_TEST

/* ---- legacy hash headers, on copies of a real cert8.db (mozilla-pgo-certs) ---- */

static char *
legacy_copy(const char *file, const char *name, off_t len, off_t off, const unsigned char *patch, size_t plen)
{
	_autofree_ char *rel = xasprintf("real/mozilla-pgo-certs/%s", file);
	_autofree_ char *src = fixture_path(rel);
	char *dst = p(name);
	size_t n;
	_autofree_ char *buf = read_whole(src, &n);

	ck_assert_ptr_nonnull(buf);
	if (len < 0)
		len = (off_t)n;
	if (patch)
		memcpy(buf + off, patch, plen);
	write_file(dst, buf, (size_t)len);
	return dst;
}

START_TEST(test_dbm_healthy)
{
	static const char *const files[] = {"cert8.db", "key3.db", "secmod.db"};
	struct mc_error err = {0};

	for (size_t i = 0; i < 3; i++) {
		_autofree_ char *f = legacy_copy(files[i], files[i], -1, 0, NULL, 0);
		struct dbm_header_info info;

		ck_assert_msg(sqlstore_dbm_header_check(f, &info, &err) == 0, "%s: %s", files[i], err.msg);
		ck_assert_uint_ge(info.pages_present, info.pages_needed);
	}
	{
		_autofree_ char *f = p("cert8.db");
		struct dbm_header_info info;

		ck_assert_int_eq(sqlstore_dbm_header_check(f, &info, &err), 0);
		ck_assert_int_eq(info.bsize, 16384);
		ck_assert_int_eq(info.pages_present, 4);
		ck_assert_int_eq(info.pages_needed, 3);
	}
}
END_TEST

START_TEST(test_dbm_damage)
{
	static const unsigned char zero4[4] = {0};
	static const struct {
		const char *name;
		off_t len;
		bool zap;
		const char *want;
	} cases[] = {
		{"page.db", 32768, false, "truncated: 2 pages present"},
		{"mid.db", 20000, false, "inside a page"},
		{"short.db", 100, false, "too short"},
		{"zero.db", 0, false, "empty"},
		{"magic.db", -1, true, "magic"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_autofree_ char *f = legacy_copy("cert8.db", cases[i].name, cases[i].len, 0,
						 cases[i].zap ? zero4 : NULL, cases[i].zap ? 4 : 0);
		struct mc_error err = {0};

		ck_assert_int_eq(sqlstore_dbm_header_check(f, NULL, &err), MC_EDAMAGED);
		ck_assert_msg(strstr(err.msg, cases[i].want) != NULL, "%s: %s", cases[i].name, err.msg);
	}
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("sqlstore");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_healthy_store);
	tcase_add_test(tc, test_truncated_mid_page);
	tcase_add_test(tc, test_truncated_at_page_boundary);
	tcase_add_test(tc, test_zeroed_page);
	tcase_add_test(tc, test_random_header);
	tcase_add_test(tc, test_zero_length);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_row_sanity);
	tcase_add_test(tc, test_uri_escaping);
	tcase_add_test(tc, test_dbm_healthy);
	tcase_add_test(tc, test_dbm_damage);
	suite_add_tcase(s, tc);
	return s;
}
