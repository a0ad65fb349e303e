/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-nss-list.c: the fast listing of a cert9.db (sqllist_read) against
 * certutil -L on stores certutil made: the same certificates (DER from
 * certutil -L -n NICK -r), the same nicknames, a trust row exactly where
 * certutil shows trust, the private keys certutil -K counts, and the
 * CKO_TRUST objects that Firefox's bundled NSS writes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "nss-list.h"
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

/* certutil -A into the test's store (certutil_add). */
static void
add(const char *nick, const char *trust, const char *pem)
{
	certutil_add("sql", dir, nick, trust, pem);
}

/* Remove every 'u' of a trust string: certutil shows it for a certificate with a key, no trust object. */
static void
drop_u(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (*s != 'u')
			*o++ = *s;
	*o = '\0';
}

/* The row of l labelled nick, or NULL. */
static const struct sqllist_row *
row_named(const struct sqllist *l, const char *nick)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].label && !strcmp(l->v[i].label, nick))
			return &l->v[i];
	return NULL;
}

/* Every line "NICK<TAB>TRUST" certutil -L prints, checked against the listing row by row. */
static void
assert_matches_certutil(const struct sqllist *l, const char *ld_path)
{
	char *out = NULL, *line, *save = NULL;
	size_t seen = 0;

	ck_assert_int_eq(run_cmd(&out, "%s certutil -L -d 'sql:%s' | awk 'NR > 4 && NF { t = $NF; "
				 "sub(/ +[^ ]+ *$/, \"\"); print $0 \"\\t\" t }'", ld_path, dir), 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		const struct sqllist_row *r;
		char *der = NULL;
		size_t der_len = 0;
		_autofree_ char *derfile = path_join(dir, "oracle.der");

		ck_assert_ptr_nonnull(tab);
		*tab = '\0';
		r = row_named(l, line);
		ck_assert_msg(r != NULL, "certutil lists '%s', the fast listing does not", line);
		drop_u(tab + 1);
		ck_assert_msg(r->has_trust == (strcmp(tab + 1, ",,") != 0), "'%s': certutil trust %s, has_trust %d",
			      line, tab + 1, r->has_trust);
		ck_assert_int_eq(run_cmd(NULL, "%s certutil -L -d 'sql:%s' -n '%s' -r > '%s'", ld_path, dir, line,
					 derfile), 0);
		der = read_whole(derfile, &der_len);
		ck_assert_uint_eq(r->der_len, der_len);
		ck_assert(memcmp(r->der, der, der_len) == 0);
		free(der);
		seen++;
	}
	ck_assert_uint_eq(seen, l->n);
	free(out);
}

START_TEST(test_empty_store)
{
	struct sqllist l = {0};
	struct mc_error err = {0};

	ck_assert_int_eq(sqllist_read(dir, &l, &err), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_uint_eq(l.trust_v32, 0);
	ck_assert_uint_eq(l.private_keys, 0);
	sqllist_release(&l);
}
END_TEST

START_TEST(test_same_as_certutil)
{
	struct sqllist l = {0};
	struct mc_error err = {0};

	add("Root CA", "C,,", "root.pem");
	add("Intermediate CA", ",,", "intermediate.pem");
	add("the leaf", "P,,", "leaf.pem");
	{
		_autofree_ char *key = path_join(dir, "own.key");
		_autofree_ char *pem = path_join(dir, "own.pem");

		ck_assert_int_eq(run_cmd(NULL, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
					 "-keyout '%s' -out '%s' -subj '/CN=nss-list own CA' -days 30 2>/dev/null",
					 key, pem), 0);
		add("own CA", "CT,C,p", pem);
	}
	ck_assert_int_eq(sqllist_read(dir, &l, &err), 0);
	ck_assert_uint_eq(l.n, 4);
	assert_matches_certutil(&l, "");
	ck_assert(!row_named(&l, "Intermediate CA")->has_trust);  /* certutil -A -t ,, writes no trust object */
	ck_assert(row_named(&l, "Root CA")->has_trust);
	ck_assert_uint_eq(l.trust_v32, 0);
	sqllist_release(&l);

	/* A removal is seen at once: the listing reads the file, not a cache. */
	ck_assert_int_eq(run_cmd(NULL, "certutil -D -d 'sql:%s' -n 'the leaf'", dir), 0);
	ck_assert_int_eq(sqllist_read(dir, &l, &err), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_ptr_null(row_named(&l, "the leaf"));
	assert_matches_certutil(&l, "");
	sqllist_release(&l);
}
END_TEST

START_TEST(test_private_keys_counted)
{
	struct sqllist l = {0};
	struct mc_error err = {0};
	char *keys = NULL;
	_autofree_ char *noise = path_join(dir, "noise");
	_autofree_ char *k4 = path_join(dir, "key4.db");

	write_text(noise, "mozcert test-nss-list key generation noise 0123456789abcdef");
	add("Root CA", "C,,", "root.pem");
	ck_assert_int_eq(run_cmd(NULL, "certutil -S -d 'sql:%s' -n mine -s CN=mine -x -t u,u,u -k ec -q nistp256 "
				 "-z '%s' >/dev/null 2>&1", dir, noise), 0);
	ck_assert_int_eq(run_cmd(&keys, "certutil -K -d 'sql:%s' </dev/null 2>/dev/null | grep -c '^<'", dir), 0);
	ck_assert_str_eq(keys, "1\n");
	free(keys);
	ck_assert_int_eq(sqllist_read(dir, &l, &err), 0);
	ck_assert_uint_eq(l.private_keys, 1);
	ck_assert_uint_eq(l.n, 2);
	assert_matches_certutil(&l, "");
	sqllist_release(&l);

	/* Without key4.db: no private key, the certificates still listed. */
	ck_assert_int_eq(unlink(k4), 0);
	ck_assert_int_eq(sqllist_read(dir, &l, &err), 0);
	ck_assert_uint_eq(l.private_keys, 0);
	ck_assert_uint_eq(l.n, 2);
	sqllist_release(&l);
}
END_TEST

START_TEST(test_not_a_store)
{
	struct sqllist l = {0};
	struct mc_error err = {0};
	_autofree_ char *c9 = path_join(dir, "cert9.db");
	_autofree_ char *empty = path_join(dir, "empty");

	/* A file that is no SQLite database: an error, so the caller uses NSS instead. */
	write_text(c9, "this is not an SQLite database, but it is long enough to have a header......");
	ck_assert_int_eq(sqllist_read(dir, &l, &err), MC_EFAIL);
	ck_assert_msg(strstr(err.msg, "cert9.db") != NULL, "%s", err.msg);
	ck_assert_uint_eq(l.n, 0);
	/* A directory without cert9.db. */
	mkdir(empty, 0700);
	mc_error_clear(&err);
	ck_assert_int_eq(sqllist_read(empty, &l, &err), MC_EFAIL);
	/* An SQLite file without the nssPublic table. */
	ck_assert_int_eq(unlink(c9), 0);
	ck_assert_int_eq(run_cmd(NULL, "sqlite3 '%s' 'create table t(x)'", c9), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(sqllist_read(dir, &l, &err), MC_EFAIL);
	ck_assert_msg(strstr(err.msg, "nssPublic") != NULL, "%s", err.msg);
}
END_TEST

#define FF_NSS "/usr/lib/firefox-esr"

START_TEST(test_firefox_nss_trust_objects)
{
	struct sqllist l = {0};
	struct mc_error err = {0};
	char *n = NULL;

	if (access(FF_NSS "/libsoftokn3.so", F_OK) != 0) {
		printf("# SKIP firefox-esr (its bundled NSS) is not installed\n");
		fflush(stdout);
		return;
	}
	add("Root CA", ",,", "root.pem");
	add("Intermediate CA", ",,", "intermediate.pem");
	add("the leaf", ",,", "leaf.pem");
	ck_assert_int_eq(run_cmd(NULL, "LD_LIBRARY_PATH=" FF_NSS " NSS_TRUST_TYPE=PKCS11 certutil -M -d 'sql:%s' "
				 "-n 'Root CA' -t C,, && LD_LIBRARY_PATH=" FF_NSS " NSS_TRUST_TYPE=PKCS11 "
				 "certutil -M -d 'sql:%s' -n 'the leaf' -t P,,", dir, dir), 0);
	/* The premise, from the file itself: two objects of class CKO_TRUST. */
	ck_assert_int_eq(run_cmd(&n, "sqlite3 'file:%s/cert9.db?immutable=1' "
				 "\"select count(*) from nssPublic where a0 = x'0000000b'\"", dir), 0);
	ck_assert_str_eq(n, "2\n");
	free(n);
	ck_assert_int_eq(sqllist_read(dir, &l, &err), 0);
	ck_assert_uint_eq(l.trust_v32, 2);
	ck_assert_uint_eq(l.n, 3);
	/* The certificates are the ones the browser's NSS lists; none has an old-form trust object. */
	for (size_t i = 0; i < l.n; i++)
		ck_assert(!l.v[i].has_trust);
	{
		char *out = NULL;

		ck_assert_int_eq(run_cmd(&out, "LD_LIBRARY_PATH=" FF_NSS " certutil -L -d 'sql:%s' | awk 'NR > 4 && NF' "
					 "| wc -l", dir), 0);
		ck_assert_str_eq(out, "3\n");
		free(out);
	}
	ck_assert_ptr_nonnull(row_named(&l, "Root CA"));
	ck_assert_ptr_nonnull(row_named(&l, "the leaf"));
	sqllist_release(&l);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("nss-list");
	TCase *tc = tcase_create("nss-list");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_store);
	tcase_add_test(tc, test_same_as_certutil);
	tcase_add_test(tc, test_private_keys_counted);
	tcase_add_test(tc, test_not_a_store);
	tcase_add_test(tc, test_firefox_nss_trust_objects);
	suite_add_tcase(s, tc);
	return s;
}
