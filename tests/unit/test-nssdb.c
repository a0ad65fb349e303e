/* SPDX-License-Identifier: MPL-2.0 */
/* test-nssdb.c: the NSS store module: open, list, import, trust, remove, and a clean NSS_Shutdown every time. */
#include <check.h>
#include <cert.h>
#include <nss.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cert-input.h"
#include "nssdb.h"
#include "fileio.h"
#include "helpers.h"
#include "util.h"

static char *dir;

static void
setup(void)
{
	dir = tmpstore_new();
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

/* certpkg_load's hook: decode every certificate read (NSS must be up), counting them. */
struct decode_ctx {
	const struct der_list *ders;
	size_t decoded;
	bool fail;
};

static int
decode_all(void *ctx, struct mc_error *err)
{
	struct decode_ctx *d = ctx;

	for (size_t i = 0; i < d->ders->n; i++) {
		CERTCertificate *c = certdb_decode(d->ders->v[i].data, d->ders->v[i].len);

		if (!c)
			return mc_error_set(err, MC_EFAIL, "certificate %zu does not decode", i);
		CERT_DestroyCertificate(c);
		d->decoded++;
	}
	return d->fail ? mc_error_set(err, MC_EFAIL, "the hook failed") : 0;
}

/* NSS is started in one place: a store, or a session without one; never both, never twice. */
START_TEST(test_nss_sessions_exclusive)
{
	_autofree_ char *path = src_path("tests/fixtures/certs/bundle.pem");
	const char *paths[] = { path };
	struct der_list ders = {0};
	struct decode_ctx d = { &ders, 0, false };
	struct mc_error err = {0};
	struct certdb *db = NULL;

	ck_assert_int_eq(certdb_nodb_init(&err), 0);
	ck_assert_int_eq(certdb_nodb_init(&err), MC_EFAIL);
	ck_assert_msg(strstr(err.msg, "already up without a store"), "%s", err.msg);
	mc_error_clear(&err);
	/* NSS_Initialize would succeed without opening anything: refused instead. */
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), MC_EFAIL);
	ck_assert_ptr_null(db);
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_nodb_shutdown(&err), 0);

	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_nodb_init(&err), MC_EFAIL);
	ck_assert_msg(strstr(err.msg, "store is already open"), "%s", err.msg);
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_close(db, &err), 0);

	/* The loader runs its hook with NSS up, and shuts NSS down after it, also when the hook fails. */
	ck_assert_int_eq(certpkg_load(paths, 1, &ders, decode_all, &d, &err), 0);
	ck_assert_uint_eq(ders.n, 3);
	ck_assert_uint_eq(d.decoded, 3);
	d.fail = true;
	ck_assert_int_eq(certpkg_load(paths, 1, &ders, decode_all, &d, &err), MC_EINPUT);
	ck_assert_str_eq(err.msg, "the hook failed");
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_close(db, &err), 0);
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

/* ---- each operation, checked with certutil ---- */


/* certutil -L's "NICK TRUST" lines, sorted (kind: sql or dbm). */
static char *
certutil_listing(const char *kind, const char *d)
{
	char *out = NULL;

	ck_assert_int_eq(run_cmd(&out, "certutil -L -d '%s:%s' | awk 'NR > 4 && NF { t = $NF; sub(/ +[^ ]+ *$/, \"\"); "
				 "print $0 \" \" t }' | LC_ALL=C sort", kind, d), 0);
	return out;
}

/* The same lines made from certdb_list. */
static char *
module_listing(struct certdb *db)
{
	struct cert_info *v = NULL;
	struct mc_error err = {0};
	size_t n = 0, count = 0;
	char *lines = xstrdup(""), *out = NULL;

	ck_assert_int_eq(certdb_list(db, &v, &n, &err), 0);
	ck_assert_int_eq(certdb_count(db, &count, &err), 0);
	ck_assert_uint_eq(count, n);
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s %s\n", lines, v[i].nickname ? v[i].nickname : "", v[i].trust);

		free(lines);
		lines = next;
	}
	cert_info_array_free(v, n);
	ck_assert_int_eq(run_cmd(&out, "printf '%%s' '%s' | LC_ALL=C sort", lines), 0);
	free(lines);
	return out;
}

START_TEST(test_list_read_only_as_certutil)
{
	struct mc_error err = {0};
	struct certdb *db = NULL;
	struct cert_info ci;
	_autofree_ char *want = NULL;
	_autofree_ char *mine = NULL;
	char *sha = NULL;

	certutil_add("sql", dir, "Root CA", "CT,C,C", "root.pem");
	certutil_add("sql", dir, "Intermediate CA", "c,,", "intermediate.pem");
	certutil_add("sql", dir, "the leaf", "P,p,", "leaf.pem");
	want = certutil_listing("sql", dir);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	mine = module_listing(db);
	ck_assert_str_eq(mine, want);
	/* The DER of a certificate found by nickname is certutil's, by SHA-256. */
	ck_assert_int_eq(certdb_find(db, "the leaf", &ci, &err), 0);
	ck_assert_int_eq(run_cmd(&sha, "certutil -L -d 'sql:%s' -n 'the leaf' -r | sha256sum | cut -c1-64", dir), 0);
	{
		char hex[65];

		for (int i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", ci.sha256[i]);
		ck_assert_uint_eq(strlen(sha), 65);
		ck_assert(strncmp(hex, sha, 64) == 0);
	}
	ck_assert(!ci.is_ca);
	cert_info_release(&ci);
	free(sha);
	/* Read-only means read-only: NSS refuses a write. */
	{
		struct import_result r;

		ck_assert_int_eq(certdb_remove(db, "the leaf", &r, &err), MC_EFAIL);
		ck_assert_msg(strstr(err.msg, "read-only") != NULL, "%s", err.msg);
		import_result_release(&r);
	}
	ck_assert_int_eq(certdb_close(db, &err), 0);
	{
		_autofree_ char *after = certutil_listing("sql", dir);

		ck_assert_str_eq(after, want);
	}
}
END_TEST

START_TEST(test_read_write_each_change_seen_by_certutil)
{
	struct der_list ders = {0};
	struct mc_error err = {0};
	struct certdb *db = NULL;
	struct import_result r;
	CERTCertTrust ct;
	_autofree_ char *listing = NULL;
	char prefix[9];

	read_fixture("tests/fixtures/certs/root.pem", &ders);
	ck_assert_int_eq(trust_parse("CT,C,C", &ct, &err), 0);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, CERTDB_RDWR, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_import(db, ders.v[0].data, ders.v[0].len, &ct, &r, &err), 0);
	ck_assert_int_eq(r.status, IMPORT_ADDED);
	ck_assert_str_eq(r.nickname, "mozcert Test Root CA - mozcert test");
	memcpy(prefix, r.sha256_hex, 2);
	memcpy(prefix + 2, r.sha256_hex + 3, 2);
	memcpy(prefix + 4, r.sha256_hex + 6, 2);
	memcpy(prefix + 6, r.sha256_hex + 9, 2);
	prefix[8] = '\0';
	import_result_release(&r);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	listing = certutil_listing("sql", dir);
	ck_assert_str_eq(listing, "mozcert Test Root CA - mozcert test CT,C,C\n");
	free(listing);

	/* Trust by an 8-digit SHA-256 prefix; 7 digits is too short a key. */
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, CERTDB_RDWR, NULL, &db, &err), 0);
	ck_assert_int_eq(trust_parse("P,,", &ct, &err), 0);
	ck_assert_int_eq(certdb_set_trust(db, prefix, &ct, &r, &err), 0);
	ck_assert_int_eq(r.status, IMPORT_TRUST_CHANGED);
	ck_assert_str_eq(r.old_trust, "CT,C,C");
	import_result_release(&r);
	prefix[7] = '\0';
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_set_trust(db, prefix, &ct, &r, &err), MC_EUSAGE);
	import_result_release(&r);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	listing = certutil_listing("sql", dir);
	ck_assert_str_eq(listing, "mozcert Test Root CA - mozcert test P,,\n");
	free(listing);

	/* Remove: certutil lists nothing; a second remove finds nothing. */
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, CERTDB_RDWR, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_remove(db, "mozcert Test Root CA - mozcert test", &r, &err), 0);
	import_result_release(&r);
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_remove(db, "mozcert Test Root CA - mozcert test", &r, &err), MC_ENOENT);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	listing = certutil_listing("sql", dir);
	ck_assert_str_eq(listing, "");
	der_list_release(&ders);
}
END_TEST

START_TEST(test_legacy_dbm_open_and_write)
{
	_autofree_ char *leg = path_join(dir, "legacy");
	struct der_list ders = {0};
	struct mc_error err = {0};
	struct certdb *db = NULL;
	struct import_result r;
	_autofree_ char *want = NULL;
	_autofree_ char *mine = NULL;
	char *after = NULL;

	ck_assert_int_eq(mkdir(leg, 0700), 0);
	ck_assert_int_eq(run_cmd(NULL, "certutil -N -d 'dbm:%s' --empty-password", leg), 0);
	certutil_add("dbm", leg, "Root CA", "C,C,", "root.pem");
	certutil_add("dbm", leg, "Intermediate CA", ",,", "intermediate.pem");
	want = certutil_listing("dbm", leg);
	ck_assert_int_eq(certdb_open(leg, CERTDB_DBM, 0, NULL, &db, &err), 0);
	mine = module_listing(db);
	ck_assert_str_eq(mine, want);
	ck_assert_int_eq(certdb_close(db, &err), 0);

	read_fixture("tests/fixtures/certs/leaf.pem", &ders);
	ck_assert_int_eq(certdb_open(leg, CERTDB_DBM, CERTDB_RDWR, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_import(db, ders.v[0].data, ders.v[0].len, NULL, &r, &err), 0);
	ck_assert_int_eq(r.status, IMPORT_ADDED);
	import_result_release(&r);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	ck_assert_int_eq(run_cmd(&after, "certutil -L -d 'dbm:%s' | awk 'NR > 4 && NF' | wc -l", leg), 0);
	ck_assert_str_eq(after, "3\n");
	free(after);
	der_list_release(&ders);
}
END_TEST

START_TEST(test_open_errors)
{
	_autofree_ char *none = path_join(dir, "none");
	_autofree_ char *junk = path_join(dir, "junk");
	_autofree_ char *c9 = path_join(junk, "cert9.db");
	_autofree_ char *want = NULL;
	struct mc_error err = {0};
	struct certdb *db = NULL;

	/* A directory without a store, and one that does not exist. */
	ck_assert_int_eq(mkdir(none, 0700), 0);
	ck_assert_int_eq(certdb_open(none, CERTDB_SQL, 0, NULL, &db, &err), MC_ENOENT);
	want = xasprintf("no certificate store in '%s' (cert9.db is missing)", none);
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(db);
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open("/nonexistent/profile", CERTDB_SQL, 0, NULL, &db, &err), MC_ENOENT);
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open(none, CERTDB_DBM, 0, NULL, &db, &err), MC_ENOENT);
	ck_assert(strstr(err.msg, "cert8.db is missing") != NULL);

	/* A cert9.db that is no database: named as damaged, never read as an empty store. */
	ck_assert_int_eq(mkdir(junk, 0700), 0);
	write_text(c9, "<html>this is a web page saved as cert9.db, not an SQLite database</html>\n");
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open(junk, CERTDB_SQL, 0, NULL, &db, &err), MC_EDAMAGED);
	ck_assert_msg(strstr(err.msg, c9) != NULL, "%s", err.msg);
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open(junk, CERTDB_SQL, CERTDB_RDWR, NULL, &db, &err), MC_EDAMAGED);
	/* Refusing it left NSS closed: a good store opens next. */
	mc_error_clear(&err);
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_close(db, &err), 0);
	/* One store at a time. */
	ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &db, &err), 0);
	{
		struct certdb *second = NULL;

		mc_error_clear(&err);
		ck_assert_int_eq(certdb_open(dir, CERTDB_SQL, 0, NULL, &second, &err), MC_EFAIL);
		ck_assert_ptr_null(second);
	}
	ck_assert_int_eq(certdb_close(db, &err), 0);
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
	tcase_add_test(tc, test_nss_sessions_exclusive);
	tcase_add_test(tc, test_list_read_only_as_certutil);
	tcase_add_test(tc, test_read_write_each_change_seen_by_certutil);
	tcase_add_test(tc, test_legacy_dbm_open_and_write);
	tcase_add_test(tc, test_open_errors);
	suite_add_tcase(s, tc);
	return s;
}
