/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-trust.c: certutil trust strings and the PKCS#11 trust encodings.
 * Oracles: NSS's own CERT_DecodeTrustString / CERT_EncodeTrustString (what
 * certutil -t parses and what it prints), and, for the PKCS#11 3.2 CKO_TRUST
 * values, the trust Firefox's bundled certutil writes into a real cert9.db
 * and prints back.
 */
#include <check.h>
#include <cert.h>
#include <certdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "trust.h"
#include "util.h"

static const char letters[] = "pPwcTCuig";
#define NLETTERS (sizeof(letters) - 1)

/* Every bit a letter can set (trust.c's LETTER_BITS) and the two without a letter. */
static const unsigned all_bits[] = {
	CERTDB_TERMINAL_RECORD, CERTDB_TRUSTED, CERTDB_SEND_WARN, CERTDB_VALID_CA, CERTDB_TRUSTED_CA,
	CERTDB_USER, CERTDB_TRUSTED_CLIENT_CA, CERTDB_INVISIBLE_CA, CERTDB_GOVT_APPROVED_CA,
};
#define NBITS (sizeof(all_bits) / sizeof(all_bits[0]))
/* cert8.db's "must verify" and "trust unknown" bits (docs/nss-internals.md 2): no letter, no NSS name. */
#define DBM_MUST_VERIFY 0x400u
#define DBM_TRUST_UNKNOWN 0x800u

/* The letters of mask (bit i: letters[i]) in a column. */
static void
column_of(unsigned mask, char *out)
{
	for (size_t i = 0; i < NLETTERS; i++)
		if (mask & (1u << i))
			*out++ = letters[i];
	*out = '\0';
}

START_TEST(test_parse_every_letter_set_matches_nss)
{
	/* All 512 sets of letters, in each of the three columns: the bits NSS's parser gives. */
	for (unsigned col = 0; col < 3; col++) {
		for (unsigned mask = 0; mask < (1u << NLETTERS); mask++) {
			char letters_of[16], s[64];
			CERTCertTrust mine, nss;
			struct mc_error err = {0};

			column_of(mask, letters_of);
			snprintf(s, sizeof(s), "%s,%s,%s", col == 0 ? letters_of : "", col == 1 ? letters_of : "",
				 col == 2 ? letters_of : "");
			memset(&nss, 0, sizeof(nss));
			ck_assert_int_eq(CERT_DecodeTrustString(&nss, s), SECSuccess);
			ck_assert_msg(trust_parse(s, &mine, &err) == 0, "%s: %s", s, err.msg);
			ck_assert_msg(mine.sslFlags == nss.sslFlags && mine.emailFlags == nss.emailFlags &&
					      mine.objectSigningFlags == nss.objectSigningFlags,
				      "%s: mine %x,%x,%x nss %x,%x,%x", s, mine.sslFlags, mine.emailFlags,
				      mine.objectSigningFlags, nss.sslFlags, nss.emailFlags, nss.objectSigningFlags);
		}
	}
}
END_TEST

/* The trust NSS reads for nick in the store at dir, printed by trust_format (NSS initialised and shut down). */
static void
format_as_nss_reads(const char *dir, const char *nick, char out[TRUST_STR_MAX])
{
	char *conf;
	CERTCertificate *c;
	CERTCertTrust t;

	if (asprintf(&conf, "sql:%s", dir) < 0)
		abort();
	ck_assert_int_eq(NSS_Init(conf), SECSuccess);
	c = CERT_FindCertByNickname(CERT_GetDefaultCertDB(), nick);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(CERT_GetCertTrust(c, &t), SECSuccess);
	trust_format(&t, out);
	CERT_DestroyCertificate(c);
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
	free(conf);
}

START_TEST(test_format_as_certutil_prints)
{
	/*
	 * Every trust a cert9.db can hold per column (c p C P, T in the SSL column, with u w i g
	 * asked for too): trust_format of the flags NSS reads equals what certutil -L prints.
	 */
	static const char *const set[] = {",,", "c,,", "p,,", "C,,", "P,,", "T,,", "CT,,", "PT,,", "cT,,",
					  "pT,,", ",c,", ",p,", ",C,", ",P,", ",,c", ",,p", ",,C", ",,P",
					  "CT,C,C", "P,p,C", "Cu,w,i", "Cg,Pw,pu", "cpCTPuwig,cpCTPuwig,cpCTPuwig"};
	char *dir = tmpdir_new();
	size_t distinct = 0;
	char seen[sizeof(set) / sizeof(set[0])][TRUST_STR_MAX];

	ck_assert_int_eq(run_cmd(NULL, "certutil -N -d 'sql:%s' --empty-password && "
				 "certutil -A -d 'sql:%s' -n r -t ,, -a -i '%s/tests/fixtures/certs/root.pem'",
				 dir, dir, TEST_SRCDIR), 0);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		char *printed = NULL, mine[TRUST_STR_MAX];
		bool dup = false;

		ck_assert_int_eq(run_cmd(NULL, "certutil -M -d 'sql:%s' -n r -t '%s'", dir, set[i]), 0);
		ck_assert_int_eq(run_cmd(&printed, "certutil -L -d 'sql:%s' | awk '$1 == \"r\" { printf \"%%s\", $NF }'",
					 dir), 0);
		format_as_nss_reads(dir, "r", mine);
		ck_assert_msg(strcmp(mine, printed) == 0, "-t %s: mine '%s', certutil '%s'", set[i], mine, printed);
		for (size_t k = 0; k < distinct; k++)
			dup = dup || !strcmp(seen[k], mine);
		if (!dup)
			strcpy(seen[distinct++], mine);
		free(printed);
	}
	/* The comparison covered many different strings, not one repeated. */
	ck_assert_uint_ge(distinct, 15);
	tmpdir_free(dir);
}
END_TEST

START_TEST(test_round_trip)
{
	/* Strings certutil prints parse back to the same bits (I and G are printed, i and g parsed). */
	static const char *const canon[] = {",,", "C,,", "CT,C,C", "c,c,c", "p,p,p", "P,P,P", "T,,",
					    "Pu,u,u", "w,w,w", ",C,", ",,C", "CTPuw,pw,Cu"};

	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		CERTCertTrust t, back;
		struct mc_error err = {0};
		char s[TRUST_STR_MAX];

		ck_assert_int_eq(trust_parse(canon[i], &t, &err), 0);
		trust_format(&t, s);
		ck_assert_str_eq(s, canon[i]);
		ck_assert_int_eq(trust_parse(s, &back, &err), 0);
		ck_assert(trust_equal(&t, &back));
	}
	{
		CERTCertTrust t;
		struct mc_error err = {0};
		char s[TRUST_STR_MAX];

		/* Hidden letters: c under C or T, p under P (certutil prints the same). */
		ck_assert_int_eq(trust_parse("cC,cT,pP", &t, &err), 0);
		trust_format(&t, s);
		ck_assert_str_eq(s, "C,T,P");
		ck_assert_int_eq(trust_parse("i,g,", &t, &err), 0);
		trust_format(&t, s);
		ck_assert_str_eq(s, "I,G,");
	}
}
END_TEST

START_TEST(test_bad_strings_rejected)
{
	/* Not three columns, unknown letters (the printed I and G among them), NULL: usage errors, *out untouched. */
	static const char *const bad[] = {"", "C", "C,", "C,,,", ",,,", "X,,", "C,,x", "I,,", "G,,",
					  " C,,", "C ,,", "c;,", "CT,C,C,", "C,,\n", "\xc3\x87,,"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CERTCertTrust t;
		struct mc_error err = {0};

		memset(&t, 0xa5, sizeof(t));
		ck_assert_msg(trust_parse(bad[i], &t, &err) == MC_EUSAGE, "'%s' accepted", bad[i]);
		ck_assert_msg(strstr(err.msg, "invalid trust") != NULL, "'%s': %s", bad[i], err.msg);
		ck_assert_uint_eq(t.sslFlags, 0xa5a5a5a5u);
		ck_assert_uint_eq(t.emailFlags, 0xa5a5a5a5u);
		ck_assert_uint_eq(t.objectSigningFlags, 0xa5a5a5a5u);
	}
	{
		CERTCertTrust t;
		struct mc_error err = {0};

		ck_assert_int_eq(trust_parse(NULL, &t, &err), MC_EUSAGE);
		ck_assert_str_eq(err.msg, "missing trust string");
	}
}
END_TEST

START_TEST(test_equal_and_empty)
{
	CERTCertTrust a, b;
	struct mc_error err = {0};

	ck_assert_int_eq(trust_parse("C,,", &a, &err), 0);
	ck_assert_int_eq(trust_parse("Cu,u,", &b, &err), 0);
	ck_assert(trust_equal(&a, &b));       /* 'u' comes from a key, not a setting */
	b.sslFlags |= DBM_MUST_VERIFY | DBM_TRUST_UNKNOWN;
	ck_assert(trust_equal(&a, &b));       /* no letter: ignored */
	ck_assert_int_eq(trust_parse("CT,,", &b, &err), 0);
	ck_assert(!trust_equal(&a, &b));
	ck_assert_int_eq(trust_parse(",C,", &b, &err), 0);
	ck_assert(!trust_equal(&a, &b));      /* same letter, other column */

	ck_assert_int_eq(trust_parse(",,", &a, &err), 0);
	ck_assert(trust_is_empty(&a));
	a.sslFlags = a.emailFlags = a.objectSigningFlags = DBM_TRUST_UNKNOWN | DBM_MUST_VERIFY;
	ck_assert(trust_is_empty(&a));        /* how cert8.db stores ",," */
	for (size_t i = 0; i < NBITS; i++) {
		memset(&a, 0, sizeof(a));
		a.objectSigningFlags = all_bits[i];
		ck_assert_msg(!trust_is_empty(&a), "bit %x", all_bits[i]);
	}
}
END_TEST

START_TEST(test_from_v32_table)
{
	/* The four usages, each value: what NSS 3.125 shows (docs/nss-internals.md 1.4). */
	static const struct {
		unsigned long server, client, code, email;
		const char *want;
	} cases[] = {
		{TRUST_V32_ANCHOR, TRUST_V32_MUST_VERIFY, TRUST_V32_MUST_VERIFY, TRUST_V32_MUST_VERIFY, "C,,"},
		{TRUST_V32_ANCHOR, TRUST_V32_ANCHOR, TRUST_V32_ANCHOR, TRUST_V32_ANCHOR, "CT,C,C"},
		{TRUST_V32_TRUSTED, TRUST_V32_TRUSTED, TRUST_V32_NOT_TRUSTED, TRUST_V32_NOT_TRUSTED, "P,p,p"},
		{TRUST_V32_NOT_TRUSTED, TRUST_V32_NOT_TRUSTED, TRUST_V32_ANCHOR, TRUST_V32_TRUSTED, "p,P,C"},
		{TRUST_V32_MUST_VERIFY, TRUST_V32_ANCHOR, TRUST_V32_MUST_VERIFY, TRUST_V32_MUST_VERIFY, "T,,"},
		{TRUST_V32_UNKNOWN, TRUST_V32_UNKNOWN, TRUST_V32_UNKNOWN, TRUST_V32_UNKNOWN, ",,"},
		{99, 99, 99, 99, ",,"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CERTCertTrust t;
		char s[TRUST_STR_MAX];

		memset(&t, 0xff, sizeof(t));
		trust_from_v32(cases[i].server, cases[i].client, cases[i].code, cases[i].email, &t);
		trust_format(&t, s);
		ck_assert_msg(strcmp(s, cases[i].want) == 0, "case %zu: %s, wanted %s", i, s, cases[i].want);
	}
}
END_TEST

#define FF_NSS "/usr/lib/firefox-esr"

/* The four CKO_TRUST usage values of the one trust object of dir's cert9.db, read with sqlite3. */
static bool
read_v32(const char *dir, unsigned long v[4])
{
	char *out = NULL;
	bool ok;

	ck_assert_int_eq(run_cmd(&out, "sqlite3 'file:%s/cert9.db?immutable=1' "
				 "\"select hex(a62c)||' '||hex(a62d)||' '||hex(a62e)||' '||hex(a62f) "
				 "from nssPublic where a0 = x'0000000b'\"", dir), 0);
	ok = sscanf(out, "%lx %lx %lx %lx", &v[0], &v[1], &v[2], &v[3]) == 4;
	free(out);
	return ok;
}

START_TEST(test_from_v32_as_firefox_nss_reads_it)
{
	/* Firefox's NSS writes the trust as CKO_TRUST and prints it back: trust_from_v32 must agree. */
	static const char *const set[] = {"C,,", "CT,C,C", "P,p,p", "p,P,C", "T,,", "c,c,c", "CT,,", ",C,", "P,,"};
	char *dir;

	if (access(FF_NSS "/libsoftokn3.so", F_OK) != 0) {
		printf("# SKIP firefox-esr (its bundled NSS, the oracle) is not installed\n");
		fflush(stdout);
		return;
	}
	dir = tmpdir_new();
	ck_assert_int_eq(run_cmd(NULL, "certutil -N -d 'sql:%s' --empty-password && "
				 "certutil -A -d 'sql:%s' -n r -t ,, -a -i '%s/tests/fixtures/certs/root.pem'",
				 dir, dir, TEST_SRCDIR), 0);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		unsigned long v[4];
		char *printed = NULL, mine[TRUST_STR_MAX];
		CERTCertTrust t;

		ck_assert_int_eq(run_cmd(NULL, "NSS_TRUST_TYPE=PKCS11 LD_LIBRARY_PATH=" FF_NSS
					 " certutil -M -d 'sql:%s' -n r -t '%s'", dir, set[i]), 0);
		ck_assert_msg(read_v32(dir, v), "%s: no CKO_TRUST row written", set[i]);
		ck_assert_int_eq(run_cmd(&printed, "LD_LIBRARY_PATH=" FF_NSS " certutil -L -d 'sql:%s' "
					 "| awk '$1 == \"r\" { printf \"%%s\", $NF }'", dir), 0);
		trust_from_v32(v[0], v[1], v[2], v[3], &t);
		trust_format(&t, mine);
		ck_assert_msg(strcmp(mine, printed) == 0, "-t %s: values %lu %lu %lu %lu: mine '%s', Firefox's certutil '%s'",
			      set[i], v[0], v[1], v[2], v[3], mine, printed);
		free(printed);
	}
	tmpdir_free(dir);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("trust");

	tcase_add_test(tc, test_parse_every_letter_set_matches_nss);
	tcase_add_test(tc, test_format_as_certutil_prints);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_bad_strings_rejected);
	tcase_add_test(tc, test_equal_and_empty);
	tcase_add_test(tc, test_from_v32_table);
	tcase_add_test(tc, test_from_v32_as_firefox_nss_reads_it);
	suite_add_tcase(s, tc);
	return s;
}
