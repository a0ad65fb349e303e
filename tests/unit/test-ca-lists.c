/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-ca-lists.c: the lists verify reads: the shipped data files parse with
 * the counts Mozilla's files and our list have, names are rendered in the
 * slash form Mozilla's comments use, the Symantec rule (root listed, no
 * exempt intermediate) and the interceptor patterns match as documented,
 * and a malformed line is refused with its file and line.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <nss.h>
#include <pk11pub.h>

#include "ca-lists.h"
#include "fileio.h"
#include "util.h"

#define DATA TEST_SRCDIR "/data"

START_TEST(test_shipped_lists)
{
	struct ca_lists l;
	struct mc_error err = {0};

	ck_assert_msg(calist_load(DATA, &l, &err) == 0, "%s", err.msg);
	/* RootSymantecDNs: 7 roots; RootAppleAndGoogleSPKIs: 12 keys */
	ck_assert_uint_eq(l.n_symantec_roots, 7);
	ck_assert_uint_eq(l.n_symantec_exempt, 12);
	/* matched by key: the SHA-256 of DigiCert Global Root G2's SubjectPublicKeyInfo */
	ck_assert_str_eq(l.symantec_exempt[8], "8B:B5:93:A9:3B:E1:D0:E8:A8:22:BB:88:7C:54:78:90:C3:E7:06:AA:D2:DA:B7:62:"
					       "54:F9:7F:B3:6B:82:FC:26");
	ck_assert_uint_ge(l.n_icpt, 20);
	ck_assert_str_eq(l.symantec_roots[6], "/C=US/O=VeriSign, Inc./OU=VeriSign Trust Network/OU=(c) 1999 VeriSign, "
					      "Inc. - For authorized use only/CN=VeriSign Class 3 Public Primary "
					      "Certification Authority - G3");
	ck_assert_str_eq(calist_interceptor(&l, "CN=avast! Web/Mail Shield Root,O=AVAST Software")->product, "Avast");
	ck_assert_str_eq(calist_interceptor(&l, "CN=ESET SSL Filter CA,O=ESET spol. s r. o.")->product, "ESET");
	ck_assert_str_eq(calist_interceptor(&l, "CN=Kaspersky Anti-Virus Personal Root Certificate")->product,
			 "Kaspersky");
	ck_assert_ptr_null(calist_interceptor(&l, "CN=ISRG Root X1,O=Internet Security Research Group,C=US"));
	calist_release(&l);
}
END_TEST

/* A self-signed certificate with subject dn (openssl -subj form), decoded by NSS. */
static CERTCertificate *
made(const char *dir, const char *name, const char *dn, const char *ca, const char *cakey)
{
	_autofree_ char *cmd = NULL, *pem = NULL, *path = xasprintf("%s/%s.pem", dir, name);
	CERTCertificate *c;
	size_t len;
	struct mc_error err = {0};

	if (ca)
		cmd = xasprintf("cd %s && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s.key "
				"-subj '%s' 2>/dev/null | openssl x509 -req -CA %s -CAkey %s -CAcreateserial -days 3 "
				"-out %s.pem 2>/dev/null", dir, name, dn, ca, cakey, name);
	else
		cmd = xasprintf("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s.key "
				"-subj '%s' -days 3 -out %s.pem 2>/dev/null", dir, name, dn, name);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(fileio_read(path, 1 << 20, &pem, &len, &err), 0);
	c = CERT_DecodeCertFromPackage(pem, (int)len);
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_symantec_rule)
{
	_autofree_ char *dir = xasprintf("%s/mozcert-calist-XXXXXX", fileio_tmpdir());
	struct ca_lists l;
	struct mc_error err = {0};
	CERTCertificate *root, *ex, *other, *namesake, *leaf;
	char *rootdn = NULL, *listf = NULL, *cmd = NULL, *spki = NULL;
	unsigned char h[32];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
	root = made(dir, "root", "/C=US/O=Symantec Corporation/CN=Test Root", NULL, NULL);
	ex = made(dir, "ex", "/C=US/O=Google Inc/CN=Test Exempt", "root.pem", "root.key");
	other = made(dir, "other", "/C=US/O=Other/CN=Test Other", "root.pem", "root.key");
	/* the exempt intermediate's name on another key: Firefox matches the key, not the name */
	namesake = made(dir, "namesake", "/C=US/O=Google Inc/CN=Test Exempt", "root.pem", "root.key");
	leaf = made(dir, "leaf", "/CN=leaf.example", "ex.pem", "ex.key");
	ck_assert_int_eq(PK11_HashBuf(SEC_OID_SHA256, h, ex->derPublicKey.data, (PRInt32)ex->derPublicKey.len),
			 SECSuccess);
	spki = hex_encode(h, sizeof(h), true);
	for (char *c = spki; *c; c++) /* the list may write the hex digits in lower case */
		*c = (char)tolower((unsigned char)*c);
	rootdn = calist_dn(&root->subject);
	ck_assert_str_eq(rootdn, "/C=US/O=Symantec Corporation/CN=Test Root");
	listf = xasprintf("%s/%s", dir, CALIST_SYMANTEC);
	ck_assert_ptr_nonnull(f = fopen(listf, "w"));
	fprintf(f, "# made\nroot\t%s\tnone\nexempt\t%s\t/C=US/O=Google Inc/CN=Test Exempt\tnone\n", rootdn, spki);
	fclose(f);
	free(listf);
	listf = xasprintf("%s/%s", dir, CALIST_INTERCEPTION);
	ck_assert_ptr_nonnull(f = fopen(listf, "w"));
	fprintf(f, "Made\tantivirus\tMade Scanner\tturn it off\n");
	fclose(f);
	ck_assert_msg(calist_load(dir, &l, &err) == 0, "%s", err.msg);
	{
		CERTCertificate *through_other[] = {leaf, other, root};
		CERTCertificate *through_exempt[] = {leaf, ex, root};
		CERTCertificate *direct[] = {leaf, root};
		CERTCertificate *elsewhere[] = {leaf, ex};
		CERTCertificate *through_namesake[] = {leaf, namesake, root};
		CERTCertificate *exempt_as_leaf[] = {ex, root};

		ck_assert(calist_symantec_distrusted(&l, through_other, 3));
		ck_assert(calist_symantec_distrusted(&l, direct, 2));
		ck_assert(!calist_symantec_distrusted(&l, through_exempt, 3));
		ck_assert(!calist_symantec_distrusted(&l, elsewhere, 2));
		ck_assert(!calist_symantec_distrusted(NULL, direct, 2));
		ck_assert(calist_symantec_distrusted(&l, through_namesake, 3));
		/* only the certificates between the server's and the root exempt */
		ck_assert(calist_symantec_distrusted(&l, exempt_as_leaf, 2));
	}
	calist_release(&l);
	/* an exempt line naming a subject instead of a key (the old format): refused */
	free(listf);
	listf = xasprintf("%s/%s", dir, CALIST_SYMANTEC);
	ck_assert_ptr_nonnull(f = fopen(listf, "w"));
	fprintf(f, "root\t%s\tnone\nexempt\t/C=US/O=Google Inc/CN=Test Exempt\tnone\n", rootdn);
	fclose(f);
	ck_assert_int_eq(calist_load(dir, &l, &err), MC_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "symantec-distrust.txt:2:"));
	ck_assert_ptr_nonnull(f = fopen(listf, "w"));
	fprintf(f, "root\t%s\tnone\nexempt\t%s\tnone\n", rootdn, spki);
	fclose(f);
	free(listf);
	listf = xasprintf("%s/%s", dir, CALIST_INTERCEPTION);
	/* a malformed line: refused with file and line */
	ck_assert_ptr_nonnull(f = fopen(listf, "w"));
	fprintf(f, "# header\nonly two\tfields\n");
	fclose(f);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(calist_load(dir, &l, &err), MC_EINPUT);
	ck_assert_msg(strstr(err.msg, "tls-interception.txt:2:"), "%s", err.msg);
	CERT_DestroyCertificate(root);
	CERT_DestroyCertificate(ex);
	CERT_DestroyCertificate(other);
	CERT_DestroyCertificate(namesake);
	CERT_DestroyCertificate(leaf);
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
	cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(listf);
	free(rootdn);
	free(spki);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("ca-lists");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_shipped_lists);
	tcase_add_test(tc, test_symantec_rule);
	suite_add_tcase(s, tc);
	return s;
}
