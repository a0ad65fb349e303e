/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-trust-mac.c: finding the trust MACs of a cert9.db in its key4.db, and
 * judging salvaged trust by them. Oracle: real stores written by certutil
 * (NSS keeps one sig_cert_ row per trust attribute) and the ids SQLite reads
 * from their trust rows; NSS's own verdict on the same damage is measured in
 * docs/nss-internals.md 1.6 and tests/cli/t62-repair-loss.sh.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "trust-mac.h"
#include "util.h"

/* A store with one CA certificate trusted C,, (written by the system certutil) in dir/s. */
static void
make_store(const char *dir)
{
	ck_assert_int_eq(run_cmd(NULL, "cd '%s' && mkdir s && certutil -N -d sql:s --empty-password && "
				 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null "
				 "-out ca.pem -subj /CN=mac-test -days 30 -addext basicConstraints=critical,CA:TRUE "
				 "2>/dev/null && certutil -A -d sql:s -n ca -t C,, -a -i ca.pem", dir), 0);
}

/* The object id of the store's trust row (class CKO_NSS_TRUST), as SQLite reads it. */
static uint32_t
trust_id(const char *dir)
{
	char *out = NULL;
	uint32_t id;

	ck_assert_int_eq(run_cmd(&out, "sqlite3 '%s/s/cert9.db' \"SELECT id FROM nssPublic WHERE a0 = x'CE534353'\"",
				 dir), 0);
	id = (uint32_t)strtoul(out, NULL, 10);
	free(out);
	return id;
}

START_TEST(test_own_key4_has_the_macs)
{
	char *dir = tmpdir_new();
	_autofree_ char *k4 = NULL;
	struct trustmac tm;
	struct trustmac_subject sub = {true, true, 0, false, "C,,", "C,,"};
	uint32_t id;

	make_store(dir);
	id = trust_id(dir);
	k4 = path_join(dir, "s/key4.db");
	trustmac_load(k4, &tm);
	ck_assert_int_eq(tm.state, TRUSTMAC_CHECKABLE);
	ck_assert(trustmac_present(&tm, id, false));
	ck_assert(!trustmac_present(&tm, id + 1, false));
	ck_assert(!trustmac_present(&tm, id, true));  /* no CKO_TRUST attributes were signed */
	sub.id = id;
	ck_assert_ptr_null(trustmac_judge(&tm, &sub, true));
	/* NSS showing ,, for it in a sound cert9.db: a MAC that does not match */
	sub.nss_trust = ",,";
	{
		_autofree_ char *why = trustmac_judge(&tm, &sub, true);

		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_nonnull(strstr(why, "does not match"));
	}
	/* ... in a damaged cert9.db a hidden index may be why: the MAC is there, kept */
	ck_assert_ptr_null(trustmac_judge(&tm, &sub, false));
	trustmac_release(&tm);
	tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreign_missing_and_damaged_key4)
{
	char *dir = tmpdir_new();
	_autofree_ char *k4 = NULL;
	_autofree_ char *why = NULL;
	struct trustmac tm;
	struct trustmac_subject sub = {true, true, 0, false, "C,,", NULL};

	make_store(dir);
	sub.id = trust_id(dir);
	k4 = path_join(dir, "s/key4.db");
	/* another store's key4.db: readable, initialised, no MAC for this object */
	ck_assert_int_eq(run_cmd(NULL, "cd '%s' && mkdir o && certutil -N -d sql:o --empty-password && "
				 "cp o/key4.db s/key4.db", dir), 0);
	trustmac_load(k4, &tm);
	ck_assert_int_eq(tm.state, TRUSTMAC_CHECKABLE);
	why = trustmac_judge(&tm, &sub, true);
	ck_assert_ptr_nonnull(strstr(why, "no MAC"));
	trustmac_release(&tm);
	free(why);
	/* no key4.db */
	trustmac_load(NULL, &tm);
	ck_assert_int_eq(tm.state, TRUSTMAC_NO_KEYDB);
	why = trustmac_judge(&tm, &sub, true);
	ck_assert_ptr_nonnull(strstr(why, "no key4.db"));
	trustmac_release(&tm);
	free(why);
	/* not a database */
	write_text(k4, "version https://git-lfs.github.com/spec/v1\n");
	trustmac_load(k4, &tm);
	ck_assert_int_eq(tm.state, TRUSTMAC_NO_KEYDB);
	trustmac_release(&tm);
	/* readable but judged damaged by the caller (quick_check) */
	ck_assert_int_eq(run_cmd(NULL, "cp '%s/o/key4.db' '%s'", dir, k4), 0);
	trustmac_load(k4, &tm);
	trustmac_set_unusable(&tm, "key4.db is damaged (SQLite integrity check: page 3)");
	why = trustmac_judge(&tm, &sub, true);
	ck_assert_ptr_nonnull(strstr(why, "page 3"));
	trustmac_release(&tm);
	tmpdir_free(dir);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("trust-mac");
	TCase *tc = tcase_create("trust-mac");

	tcase_add_test(tc, test_own_key4_has_the_macs);
	tcase_add_test(tc, test_foreign_missing_and_damaged_key4);
	suite_add_tcase(s, tc);
	return s;
}
