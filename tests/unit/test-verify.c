/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-verify.c: verify_server_cert's verdict on real certificates made by
 * `openssl ca` with fixed validity (a root from 2019 to 2045, an intermediate
 * from 2020 to 2040, the server's good.test from 2025 to 2030), judged at
 * fixed moments against stores certutil made. Each verdict is checked with
 * two independent oracles: `openssl verify -attime` (its own X.509 code) and
 * NSS's libpkix through `vfychain -pp` on the same store (trust included).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cert-input.h"
#include "helpers.h"
#include "nssdb.h"
#include "util.h"
#include "verify.h"

/* Seconds since 1970 of 1 January of a year, and the same as a PRTime (microseconds). */
#define Y2022 1640995200LL
#define Y2027 1798761600LL
#define Y2035 2051222400LL
#define AT(t) ((PRTime)(t) * 1000000)

static char *certs; /* made once for the suite (unchecked fixture) */
static char *store;

/* The certificates; openssl ca sets notBefore/notAfter exactly. */
static const char make_certs[] =
	"set -e; cd \"$1\"\n"
	"cat > ca.cnf <<'CNF'\n"
	"[ca]\ndefault_ca = u\n"
	"[u]\ndir = .\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\npolicy = any\n"
	"default_md = sha256\nunique_subject = no\n"
	"[any]\ncommonName = supplied\n"
	"[root]\nbasicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\n"
	"subjectKeyIdentifier = hash\n"
	"[int]\nbasicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\n"
	"subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n"
	"[leaf]\nbasicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature, keyEncipherment\n"
	"extendedKeyUsage = serverAuth\nsubjectAltName = DNS:good.test\nauthorityKeyIdentifier = keyid:always\n"
	"CNF\n"
	": > index.txt; echo 01 > serial\n"
	"openssl genrsa -out root.key 2048 2>/dev/null\n"
	"openssl ecparam -name prime256v1 -genkey -noout -out int.key\n"
	"openssl ecparam -name prime256v1 -genkey -noout -out leaf.key\n"
	"ca() { openssl req -new -key \"$2\" -subj \"/CN=$1\" -out \"$9.csr\"\n"
	"  if [ \"$4\" = self ]; then s=-selfsign; else s=\"-cert $4\"; fi\n"
	"  openssl ca -batch -config ca.cnf $s -keyfile \"$3\" -extensions \"$5\" -startdate \"$6\" -enddate \"$7\" "
	"-md \"$8\" -in \"$9.csr\" -out \"$9\" -notext 2>/dev/null; }\n"
	"ca 'U Root' root.key root.key self root 20190101000000Z 20450101000000Z sha256 root.pem\n"
	"ca 'U Intermediate' int.key root.key root.pem int 20200101000000Z 20400101000000Z sha256 int.pem\n"
	"ca good.test leaf.key int.key int.pem leaf 20250101000000Z 20300101000000Z sha256 leaf.pem\n"
	"ca good.test leaf.key root.key root.pem leaf 20250101000000Z 20300101000000Z md5 leaf-md5.pem\n"
	"ca good.test leaf.key root.key root.pem leaf 20250101000000Z 20300101000000Z sha1 leaf-sha1.pem\n"
	"openssl req -x509 -key leaf.key -subj /CN=self.test -addext subjectAltName=DNS:self.test "
	"-addext basicConstraints=critical,CA:false -days 36500 -out self.pem 2>/dev/null\n";

static void
suite_setup(void)
{
	_autofree_ char *script = NULL;

	certs = tmpdir_new();
	script = path_join(certs, "make.sh");
	write_text(script, make_certs);
	ck_assert_int_eq(run_cmd(NULL, "sh '%s' '%s'", script, certs), 0);
}

static void
suite_teardown(void)
{
	tmpdir_free(certs);
	certs = NULL;
}

static void
setup(void)
{
	store = tmpstore_new();
}

static void
teardown(void)
{
	tmpdir_free(store);
	store = NULL;
}

/* certutil -A of one of the made certificates into the test's store. */
static void
store_add(const char *nick, const char *trust, const char *file)
{
	_autofree_ char *path = path_join(certs, file);

	certutil_add("sql", store, nick, trust, path);
}

/* The judgement of verify_server_cert on files (server's first) against the test's store. */
static void
judge(const char *const *files, const char *host, bool md5_ok, PRTime now, struct verify_result *r)
{
	struct mc_error err = {0};
	struct certdb *db = NULL;
	struct der_list ders = {0};
	struct cert_info *v = NULL;
	size_t n = 0;

	ck_assert_int_eq(certdb_open(store, CERTDB_SQL, 0, NULL, &db, &err), 0);
	ck_assert_int_eq(certdb_list(db, &v, &n, &err), 0);
	for (size_t i = 0; files[i]; i++) {
		_autofree_ char *path = path_join(certs, files[i]);

		ck_assert_msg(certpkg_read_path(path, &ders, &err) == 0, "%s", err.msg);
	}
	ck_assert_msg(verify_server_cert(&ders, v, n, host, md5_ok, NULL, now, r, &err) == 0, "%s", err.msg);
	cert_info_array_free(v, n);
	der_list_release(&ders);
	ck_assert_int_eq(certdb_close(db, &err), 0);
}

/* The primary problem's code, or "" when there is none. */
static const char *
primary(const struct verify_result *r)
{
	for (size_t i = 0; i < r->n_problems; i++)
		if (r->problems[i].primary)
			return r->problems[i].code;
	return "";
}

static bool
has_problem(const struct verify_result *r, const char *code)
{
	for (size_t i = 0; i < r->n_problems; i++)
		if (!strcmp(r->problems[i].code, code))
			return true;
	return false;
}

/* openssl verify's last line for args, run in the certificates' directory at time t (seconds). */
static char *
openssl_says(long long t, const char *args)
{
	char *out = NULL;

	run_cmd(&out, "cd '%s' && openssl verify -attime %lld %s 2>&1 | grep -E '^error [0-9]+ at|: OK$' | head -1",
		certs, t, args);
	return out;
}

/* vfychain (SSL server usage; pkix: libpkix, else NSS's classic verifier) on the test's store at when. */
static char *
vfychain_run(bool pkix, const char *when, const char *files)
{
	char *out = NULL;

	run_cmd(&out, "cd '%s' && vfychain -d 'sql:%s' %s -u 1 -b %s %s 2>&1", certs, store, pkix ? "-pp" : "", when,
		files);
	return out;
}

static char *
vfychain_says(const char *when, const char *files)
{
	return vfychain_run(true, when, files);
}

static void
assert_contains(char *text, const char *what)
{
	ck_assert_msg(text && strstr(text, what) != NULL, "oracle: wanted '%s' in: %s", what, text ? text : "");
	free(text);
}

START_TEST(test_trusted_chain_passes)
{
	static const char *const files[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	store_add("root", "C,,", "root.pem");
	assert_contains(openssl_says(Y2027, "-verify_hostname good.test -CAfile root.pem -untrusted int.pem leaf.pem"),
			"leaf.pem: OK");
	assert_contains(vfychain_says("270101000000Z", "-a leaf.pem -a int.pem"), "Chain is good!");
	judge(files, "good.test", false, AT(Y2027), &r);
	ck_assert_uint_eq(r.n_problems, 0);
	ck_assert(r.trusted);
	ck_assert_uint_eq(r.n_chain, 3);
	ck_assert(!r.chain[0].anchor && !r.chain[1].anchor && r.chain[2].anchor);
	ck_assert_int_eq(r.chain[0].src, VSRC_FILE);
	ck_assert_int_eq(r.chain[2].src, VSRC_STORE);
	ck_assert_str_eq(r.chain[2].trust, "C,,");
	ck_assert_ptr_null(r.missing_issuer);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_wrong_host_name)
{
	static const char *const files[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	store_add("root", "C,,", "root.pem");
	assert_contains(openssl_says(Y2027, "-verify_hostname other.test -CAfile root.pem -untrusted int.pem leaf.pem"),
			"error 62 at 0 depth lookup: hostname mismatch");
	judge(files, "other.test", false, AT(Y2027), &r);
	ck_assert_str_eq(primary(&r), "SSL_ERROR_BAD_CERT_DOMAIN");
	ck_assert(r.problems[0].overridable);
	ck_assert_uint_eq(r.problems[0].at, 0);
	ck_assert(r.trusted);  /* the chain itself is fine */
	verify_result_release(&r);
	/* The same in another case is the same name; no name at all is no name check. */
	judge(files, "GOOD.test", false, AT(Y2027), &r);
	ck_assert_uint_eq(r.n_problems, 0);
	verify_result_release(&r);
	judge(files, NULL, false, AT(Y2027), &r);
	ck_assert_uint_eq(r.n_problems, 0);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_expired)
{
	static const char *const files[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	store_add("root", "C,,", "root.pem");
	/* 2035: the server's certificate (to 2030) has expired, its issuers (to 2040, 2045) have not. */
	assert_contains(openssl_says(Y2035, "-CAfile root.pem -untrusted int.pem leaf.pem"),
			"error 10 at 0 depth lookup: certificate has expired");
	assert_contains(vfychain_says("350101000000Z", "-a leaf.pem -a int.pem"), "CERT 0. CN=good.test :\n  ERROR -8181");
	judge(files, "good.test", false, AT(Y2035), &r);
	ck_assert_str_eq(primary(&r), "SEC_ERROR_EXPIRED_CERTIFICATE");
	ck_assert_uint_eq(r.problems[0].at, 0);
	ck_assert(r.problems[0].overridable);
	ck_assert(r.trusted);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_not_yet_valid)
{
	static const char *const files[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	store_add("root", "C,,", "root.pem");
	/* 2022: the server's certificate starts in 2025, its issuers in 2019 and 2020. */
	assert_contains(openssl_says(Y2022, "-CAfile root.pem -untrusted int.pem leaf.pem"),
			"error 9 at 0 depth lookup: certificate is not yet valid");
	judge(files, "good.test", false, AT(Y2022), &r);
	ck_assert_str_eq(primary(&r), "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE");
	ck_assert_uint_eq(r.problems[0].at, 0);
	ck_assert(r.problems[0].overridable);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_unknown_issuer)
{
	static const char *const alone[] = {"leaf.pem", NULL};
	static const char *const chain[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	/* The server sends its certificate alone, the store is empty. */
	assert_contains(openssl_says(Y2027, "leaf.pem"), "error 20 at 0 depth lookup");
	assert_contains(vfychain_says("270101000000Z", "-a leaf.pem"), "ERROR -8179");
	judge(alone, "good.test", false, AT(Y2027), &r);
	ck_assert_str_eq(primary(&r), "SEC_ERROR_UNKNOWN_ISSUER");
	ck_assert(!r.trusted);
	ck_assert_ptr_nonnull(r.missing_issuer);
	ck_assert_msg(strstr(r.missing_issuer, "U Intermediate") != NULL, "%s", r.missing_issuer);
	verify_result_release(&r);

	/*
	 * The intermediate sent, the root in the store with no trust: the chain ends at the root, which is
	 * no trust anchor. NSS's classic verifier names that -8172 at the root; mozilla::pkix (Firefox)
	 * says unknown issuer, as a root the store does not trust is as good as none.
	 */
	store_add("root", ",,", "root.pem");
	assert_contains(vfychain_run(false, "270101000000Z", "-a leaf.pem -a int.pem"),
			"CERT 2. root [Certificate Authority]:\n  ERROR -8172");
	judge(chain, "good.test", false, AT(Y2027), &r);
	ck_assert_str_eq(primary(&r), "SEC_ERROR_UNKNOWN_ISSUER");
	ck_assert(!r.trusted);
	ck_assert_uint_eq(r.n_chain, 3);
	ck_assert_uint_eq(r.problems[0].at, 2);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_untrusted_issuer)
{
	static const char *const files[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	/* The root distrusted (p,,): libpkix says the root is marked not trusted. */
	store_add("root", "p,,", "root.pem");
	assert_contains(vfychain_says("270101000000Z", "-a leaf.pem -a int.pem"),
			"ERROR -8171: Peer's certificate has been marked as not trusted by the user.");
	judge(files, "good.test", false, AT(Y2027), &r);
	ck_assert_str_eq(primary(&r), "SEC_ERROR_UNTRUSTED_ISSUER");
	ck_assert(!r.problems[0].overridable);
	ck_assert(!r.trusted);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_self_signed)
{
	static const char *const files[] = {"self.pem", NULL};
	struct verify_result r;

	/* Made today, valid for 100 years: judged now. */
	long long now = (long long)time(NULL);

	assert_contains(openssl_says(now, "self.pem"), "error 18 at 0 depth lookup: self-signed certificate");
	judge(files, "self.test", false, AT(now), &r);
	ck_assert_str_eq(primary(&r), "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
	ck_assert(r.problems[0].overridable);
	ck_assert(!r.trusted);
	verify_result_release(&r);
}
END_TEST

START_TEST(test_md5_and_sha1_signatures)
{
	static const char *const md5[] = {"leaf-md5.pem", NULL};
	static const char *const sha1[] = {"leaf-sha1.pem", NULL};
	static const char *const sha256[] = {"leaf.pem", "int.pem", NULL};
	struct verify_result r;

	store_add("root", "C,,", "root.pem");
	/* openssl at security level 1 refuses MD5, at level 2 SHA-1, and passes the SHA-256 chain. */
	assert_contains(openssl_says(Y2027, "-auth_level 1 -CAfile root.pem leaf-md5.pem"), "error 68 at 0");
	assert_contains(openssl_says(Y2027, "-auth_level 2 -CAfile root.pem leaf-sha1.pem"), "error 68 at 0");
	assert_contains(openssl_says(Y2027, "-auth_level 2 -CAfile root.pem -untrusted int.pem leaf.pem"),
			"leaf.pem: OK");

	judge(md5, "good.test", false, AT(Y2027), &r);
	ck_assert_msg(has_problem(&r, "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED"), "primary %s", primary(&r));
	/* blamed on the certificate signed with MD5 (the server's), not on the root */
	ck_assert_uint_eq(r.problems[0].at, 0);
	ck_assert_str_eq(r.chain[0].weak_sig, "MD5");
	ck_assert_ptr_nonnull(strstr(r.problems[0].detail, "signed with MD5"));
	verify_result_release(&r);
	/* security.pki.md5... allowed: the same certificate passes. */
	judge(md5, "good.test", true, AT(Y2027), &r);
	ck_assert_msg(r.n_problems == 0, "md5 allowed: %s", primary(&r));
	verify_result_release(&r);
	/* SHA-1 is refused whatever the MD5 setting. */
	judge(sha1, "good.test", true, AT(Y2027), &r);
	ck_assert_msg(has_problem(&r, "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED"), "primary %s", primary(&r));
	verify_result_release(&r);
	judge(sha256, "good.test", false, AT(Y2027), &r);
	ck_assert_uint_eq(r.n_problems, 0);
	verify_result_release(&r);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("verify");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_trusted_chain_passes);
	tcase_add_test(tc, test_wrong_host_name);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_not_yet_valid);
	tcase_add_test(tc, test_unknown_issuer);
	tcase_add_test(tc, test_untrusted_issuer);
	tcase_add_test(tc, test_self_signed);
	tcase_add_test(tc, test_md5_and_sha1_signatures);
	suite_add_tcase(s, tc);
	return s;
}
