/* SPDX-License-Identifier: MPL-2.0 */
/* test-nssdb.c: the NSS store module: open, list, import, trust, remove, and a clean NSS_Shutdown every time. */
#include <check.h>
#include <nss.h>

#include "cert-input.h"
#include "nssdb.h"
#include "fileio.h"
#include "helpers.h"

static char *dir;

static void
setup(void)
{
	dir = tmpdir_new();
	ck_assert_int_eq(run_cmd(NULL, "certutil -N -d 'sql:%s' --empty-password", dir), 0);
}

static void
teardown(void)
{
	tmpdir_free(dir);
	dir = NULL;
}

/* The DER certificates of a fixture file (NSS is initialised and shut down around the read). */
static void
read_fixture(const char *rel, struct der_list *out)
{
	_autofree_ char *path = src_path(rel);
	struct mc_error err = {0};

	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
	ck_assert_int_eq(certpkg_read_path(path, out, &err), 0);
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
}

START_TEST(test_import_list_trust_remove_shutdown)
{
	struct der_list ders = {0};
	struct mc_error err = {0};
	struct certdb *db = NULL;
	struct import_result r;
	struct cert_info *v = NULL;
	struct cert_info ci;
	CERTCertTrust c_trust, none;
	size_t n = 0;

	read_fixture("tests/fixtures/certs/bundle.pem", &ders);
	ck_assert_uint_eq(ders.n, 3);
	ck_assert_int_eq(trust_parse("C,,", &c_trust, &err), 0);
	ck_assert_int_eq(trust_parse(",,", &none, &err), 0);

	/* Read-write on a directory (the commands do this only on a staging copy). */
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, CERTDB_RDWR, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_import(db, ders.v[0].data, ders.v[0].len, &c_trust, &r, &err), 0);
	ck_assert_int_eq(r.status, IMPORT_ADDED);
	ck_assert_str_eq(r.trust, "C,,");
	import_result_release(&r);
	for (size_t i = 1; i < ders.n; i++) {
		ck_assert_int_eq(certdb_import(db, ders.v[i].data, ders.v[i].len, NULL, &r, &err), 0);
		ck_assert_int_eq(r.status, IMPORT_ADDED);
		ck_assert_str_eq(r.trust, ",,");
		import_result_release(&r);
	}
	/* The same certificate again, same trust: unchanged. */
	ck_assert_int_eq(certdb_import(db, ders.v[0].data, ders.v[0].len, &c_trust, &r, &err), 0);
	ck_assert_int_eq(r.status, IMPORT_UNCHANGED);
	import_result_release(&r);
	/* A leaked reference would make this fail with SEC_ERROR_BUSY. */
	ck_assert_int_eq(certdb_close(db, &err), 0);

	/* A second open in the same process works only after a clean shutdown. */
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_list(db, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	/* One lookup by DER agrees with the listing: present, and the trust the listing shows. */
	for (size_t i = 0; i < ders.n; i++) {
		char t[TRUST_STR_MAX];

		ck_assert(certdb_trust_of(db, ders.v[i].data, ders.v[i].len, t));
		ck_assert_str_eq(t, i == 0 ? "C,," : ",,");
	}
	{
		/* a certificate the store does not hold: the root's DER with another signature byte */
		_autofree_ unsigned char *other = xmalloc(ders.v[0].len);
		char t[TRUST_STR_MAX];

		memcpy(other, ders.v[0].data, ders.v[0].len);
		other[ders.v[0].len - 1] ^= 0x55;
		ck_assert(!certdb_trust_of(db, other, ders.v[0].len, t));
		ck_assert_str_eq(t, "");
	}
	cert_info_array_free(v, n);
	ck_assert_int_eq(certdb_find(db, "mozcert Test Root CA - mozcert test", &ci, &err), 0);
	ck_assert_str_eq(ci.trust, "C,,");
	ck_assert(ci.is_ca);
	cert_info_release(&ci);
	ck_assert_int_eq(certdb_find(db, "no such certificate", &ci, &err), MC_ENOENT);
	ck_assert_int_eq(certdb_close(db, &err), 0);

	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, CERTDB_RDWR, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_set_trust(db, "mozcert Test Root CA - mozcert test", &none, &r, &err), 0);
	ck_assert_int_eq(r.status, IMPORT_TRUST_CHANGED);
	ck_assert_str_eq(r.old_trust, "C,,");
	import_result_release(&r);
	ck_assert_int_eq(certdb_remove(db, "mozcert Test Intermediate CA - mozcert test", &r, &err), 0);
	import_result_release(&r);
	ck_assert_int_eq(certdb_close(db, &err), 0);

	/* The oracle: certutil sees what the module wrote. */
	{
		char *out = NULL;

		ck_assert_int_eq(run_cmd(&out, "certutil -L -d 'sql:%s' | awk 'NR>4 && NF' | wc -l", dir), 0);
		ck_assert_str_eq(out, "2\n");
		free(out);
		ck_assert_int_eq(run_cmd(&out, "certutil -L -d 'sql:%s' | grep 'Root CA' | awk '{print $NF}'", dir), 0);
		ck_assert_str_eq(out, ",,\n");
		free(out);
	}
	der_list_release(&ders);
}
END_TEST

START_TEST(test_readonly_open_changes_nothing)
{
	_autofree_ char *c9 = path_join(dir, "cert9.db");
	_autofree_ char *k4 = path_join(dir, "key4.db");
	struct mc_error err = {0};
	struct certdb *db = NULL;
	struct cert_info *v = NULL;
	size_t n = 0;
	char *before = NULL;

	ck_assert_int_eq(run_cmd(&before, "cat '%s' '%s' | sha256sum", c9, k4), 0);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_list(db, &v, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	cert_info_array_free(v, n);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	{
		char *after = NULL;

		ck_assert_int_eq(run_cmd(&after, "cat '%s' '%s' | sha256sum", c9, k4), 0);
		ck_assert_str_eq(before, after);
		free(after);
	}
	free(before);
	/* A lone cert9.db (no key4.db): listed from a private copy, nothing created beside it. */
	unlink(k4);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	ck_assert(!fileio_exists(k4));
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("nssdb");
	TCase *tc = tcase_create("nssdb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_import_list_trust_remove_shutdown);
	tcase_add_test(tc, test_readonly_open_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
