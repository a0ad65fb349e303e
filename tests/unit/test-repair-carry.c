/* SPDX-License-Identifier: MPL-2.0 */
/* test-repair-carry.c: carry_objects between real stores made by certutil and crlutil, checked with sqlite3. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pkcs11t.h>

#include "repair-carry.h"
#include "util.h"
#include "helpers.h"

static char *dir;  /* old/: a root certificate and a CRL it signed; new/: an empty store */

/* Rows of class CLASS (hex) in DIR/cert9.db, counted by the sqlite3 tool, not by the code under test. */
static int
rows_of(const char *store, const char *class_hex)
{
	_autofree_ char *out = NULL;

	ck_assert_int_eq(run_cmd(&out, "sqlite3 'file:%s/cert9.db?immutable=1' "
				       "\"select count(*) from nssPublic where hex(a0) = '%s'\"",
				 store, class_hex),
			 0);
	return atoi(out);
}

static void
setup(void)
{
	_autofree_ char *certs = src_path("tests/fixtures/certs");
	_autofree_ char *old_dir = NULL;

	dir = tmpdir_new();
	old_dir = path_join(dir, "old");
	ck_assert_int_eq(run_cmd(NULL,
				 "cd %s && mkdir old new && certutil -N -d sql:old --empty-password && "
				 "certutil -N -d sql:new --empty-password && "
				 "certutil -A -d sql:old -n root -t C,, -a -i %s/root.pem && : >idx && "
				 "printf '[ca]\\ndefault_ca = d\\n[d]\\ndatabase = idx\\ndefault_md = sha256\\n' >crl.cnf && "
				 "openssl ca -gencrl -keyfile %s/root.key -cert %s/root.pem -out crl.pem -crldays 30 "
				 "-config crl.cnf >/dev/null 2>&1 && openssl crl -in crl.pem -outform DER -out crl.der && "
				 "crlutil -I -d sql:old -i crl.der -t 1 >/dev/null",
				 dir, certs, certs, certs),
			 0);
	ck_assert_int_eq(rows_of(old_dir, "CE534351"), 1);
}

static void
teardown(void)
{
	tmpdir_free(dir);
	dir = NULL;
}

START_TEST(test_carry_crl)
{
	_autofree_ char *old_dir = path_join(dir, "old");
	_autofree_ char *new_dir = path_join(dir, "new");
	_autofree_ char *old_db = path_join(old_dir, "cert9.db");
	_autofree_ char *new_db = path_join(new_dir, "cert9.db");
	_autofree_ char *before = NULL;
	_autofree_ char *after = NULL;
	struct carry_report r;
	struct mc_error err = {0};
	size_t blen, alen;

	before = read_whole(old_db, &blen);
	ck_assert_int_eq(carry_objects(old_db, new_db, true, &r, &err), 0);
	ck_assert(r.readable);
	ck_assert_uint_eq(r.carried[CARRY_CRL], 1);
	ck_assert_uint_eq(r.carried[CARRY_PUBLIC_KEY] + r.carried[CARRY_SMIME], 0);
	ck_assert_uint_eq(r.unread, 0);
	ck_assert_int_eq(rows_of(new_dir, "CE534351"), 1);
	/* the certificate is not carried: the rebuilt store gets it through NSS */
	ck_assert_int_eq(rows_of(new_dir, "00000001"), 0);
	/* the old store is only read */
	after = read_whole(old_db, &alen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(after, before, blen);
	/* NSS reads the carried CRL: crlutil lists it under its issuer */
	ck_assert_int_eq(run_cmd(NULL, "crlutil -L -d sql:%s 2>/dev/null | grep -q 'mozcert Test Root CA'", new_dir), 0);
	/* again: the object id is taken now, so nothing is carried twice */
	ck_assert_int_eq(carry_objects(old_db, new_db, true, &r, &err), 0);
	ck_assert_uint_eq(r.carried[CARRY_CRL], 0);
	ck_assert_uint_eq(r.clashed[CARRY_CRL], 1);
	ck_assert_int_eq(rows_of(new_dir, "CE534351"), 1);
}
END_TEST

/*
 * A class written as a native CK_ULONG (8 bytes here) is what softoken reads
 * it as: a second CRL, carried and counted with the 4-byte one (two encodings
 * of a class are two groups in the count back).
 */
START_TEST(test_carry_native_class)
{
	_autofree_ char *old_dir = path_join(dir, "old");
	_autofree_ char *new_dir = path_join(dir, "new");
	_autofree_ char *old_db = path_join(old_dir, "cert9.db");
	_autofree_ char *new_db = path_join(new_dir, "cert9.db");
	unsigned long crl = CKO_NSS_CRL;
	unsigned char raw[sizeof(crl)];
	char hex[2 * sizeof(crl) + 1];
	struct carry_report r;
	struct mc_error err = {0};

	if (sizeof(crl) == 4)
		return;  /* a native CK_ULONG is the 4-byte form there */
	memcpy(raw, &crl, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(hex + 2 * i, 3, "%02X", raw[i]);
	ck_assert_int_eq(run_cmd(NULL, "sqlite3 %s \"CREATE TEMP TABLE t AS SELECT * FROM nssPublic "
				       "WHERE hex(a0) = 'CE534351'; UPDATE t SET id = id + 1000, a0 = x'%s'; "
				       "INSERT INTO nssPublic SELECT * FROM t\"",
				 old_db, hex),
			 0);
	ck_assert_int_eq(rows_of(old_dir, hex), 1);
	ck_assert_int_eq(carry_objects(old_db, new_db, true, &r, &err), 0);
	ck_assert_uint_eq(r.carried[CARRY_CRL], 2);
	ck_assert_int_eq(rows_of(new_dir, "CE534351"), 1);
	ck_assert_int_eq(rows_of(new_dir, hex), 1);
}
END_TEST

START_TEST(test_unreadable_old)
{
	_autofree_ char *old_db = path_join(dir, "garbage.db");
	_autofree_ char *new_dir = path_join(dir, "new");
	_autofree_ char *new_db = path_join(new_dir, "cert9.db");
	_autofree_ char *missing = path_join(dir, "missing.db");
	struct carry_report r;
	struct mc_error err = {0};

	write_text(old_db, "not an SQLite database, just text long enough to be read as a header...");
	ck_assert_int_eq(carry_objects(old_db, new_db, true, &r, &err), 0);
	ck_assert(!r.readable);
	ck_assert_int_eq(carry_objects(missing, new_db, true, &r, &err), 0);
	ck_assert(!r.readable);
	ck_assert_int_eq(rows_of(new_dir, "CE534351"), 0);
}
END_TEST

START_TEST(test_new_store_not_writable)
{
	_autofree_ char *old_db = path_join(dir, "old/cert9.db");
	_autofree_ char *gone = path_join(dir, "nowhere/cert9.db");
	struct carry_report r;
	struct mc_error err = {0};

	ck_assert_int_lt(carry_objects(old_db, gone, true, &r, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "nowhere/cert9.db"));
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("carry");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_carry_crl);
	tcase_add_test(tc, test_carry_native_class);
	tcase_add_test(tc, test_unreadable_old);
	tcase_add_test(tc, test_new_store_not_writable);
	suite_add_tcase(s, tc);
	return s;
}
