/* SPDX-License-Identifier: MPL-2.0 */
/* test-cert-input.c: certificate files (PEM, DER, PKCS#7, directories) into DER lists. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nss.h>
#include <base64.h>
#include <secport.h>

#include "cert-input.h"
#include "fileio.h"
#include "helpers.h"

#define FIXTURE(name) "tests/fixtures/certs/" name

static void
nss_setup(void)
{
	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
}

static void
nss_teardown(void)
{
	/* Fails when an NSS object leaked. */
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
}

/* A fixture's bytes in a buffer of exactly its size (no NUL), so reads past the end are caught. */
static unsigned char *
fixture(const char *name, size_t *len)
{
	char *path = src_path(name);
	char *data = read_whole(path, len);
	unsigned char *exact;

	ck_assert_msg(data != NULL, "missing fixture %s", path);
	exact = malloc(*len ? *len : 1);
	ck_assert_ptr_nonnull(exact);
	memcpy(exact, data, *len);
	free(data);
	free(path);
	return exact;
}

static int
parse_fixture(const char *name, const char *origin, struct der_list *out, struct mc_error *err)
{
	size_t len;
	unsigned char *buf = fixture(name, &len);
	int rc = certpkg_parse(buf, len, origin, out, err);

	free(buf);
	return rc;
}

/* Entry i of l has exactly the bytes of DER fixture der_name. */
static void
assert_der(const struct der_list *l, size_t i, const char *der_name)
{
	size_t len;
	unsigned char *want = fixture(der_name, &len);

	ck_assert_msg(i < l->n, "entry %zu of %zu", i, l->n);
	ck_assert_uint_eq(l->v[i].len, len);
	ck_assert_mem_eq(l->v[i].data, want, len);
	free(want);
}

static const char *const chain_der[] = {
	FIXTURE("root.der"), FIXTURE("intermediate.der"), FIXTURE("leaf.der"),
};

/* One certificate per file, each format, compared with the DER fixtures. */
static const struct {
	const char *file;
	const char *der;
} singles[] = {
	{ FIXTURE("root.pem"), FIXTURE("root.der") },
	{ FIXTURE("intermediate.pem"), FIXTURE("intermediate.der") },
	{ FIXTURE("leaf.pem"), FIXTURE("leaf.der") },
	{ FIXTURE("root.der"), FIXTURE("root.der") },
	{ FIXTURE("intermediate.der"), FIXTURE("intermediate.der") },
	{ FIXTURE("leaf.der"), FIXTURE("leaf.der") },
	{ FIXTURE("trusted.pem"), FIXTURE("root.der") },
	{ FIXTURE("x509.pem"), FIXTURE("intermediate.der") },
};

START_TEST(test_single)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };

	ck_assert_int_eq(parse_fixture(singles[_i].file, "one.crt", &l, &err), 0);
	ck_assert_msg(err.code == 0, "%s: %s", singles[_i].file, err.msg);
	ck_assert_uint_eq(l.n, 1);
	assert_der(&l, 0, singles[_i].der);
	/* A file with one certificate is named alone. */
	ck_assert_str_eq(l.v[0].origin, "one.crt");
	der_list_release(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
}
END_TEST

/* Three certificates (root, intermediate, leaf) in file order. */
static const char *const triples[] = {
	FIXTURE("bundle.pem"),
	FIXTURE("bundle-crlf.pem"),
	FIXTURE("chain.p7b"),
	FIXTURE("chain.p7b.pem"),
	FIXTURE("chain-cms.pem"),
};

START_TEST(test_triple)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	char want[64];

	ck_assert_int_eq(parse_fixture(triples[_i], "x.p7b", &l, &err), 0);
	ck_assert_msg(err.code == 0, "%s: %s", triples[_i], err.msg);
	ck_assert_uint_eq(l.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_der(&l, i, chain_der[i]);
		snprintf(want, sizeof(want), "x.p7b: certificate %zu", i + 1);
		ck_assert_str_eq(l.v[i].origin, want);
	}
	der_list_release(&l);
}
END_TEST

/* Bad inputs: MC_EINPUT, a message naming the file and the fault, the list untouched. */
static const struct {
	const char *file;
	const char *msg;   /* the message starts so */
	const char *tail;  /* and contains this, when not NULL */
} bad[] = {
	{ FIXTURE("bad-truncated.der"), "'bad-truncated.der': truncated DER (200 of ", NULL },
	{ FIXTURE("bad-trailing.der"), "'bad-trailing.der': trailing data after DER (1 byte)", NULL },
	{ FIXTURE("bad-base64.pem"), "'bad-base64.pem': PEM block 1 (line 1): bad base64", NULL },
	{ FIXTURE("bad-noend.pem"), "'bad-noend.pem': PEM block 2 (line ", "): BEGIN without END" },
	{ FIXTURE("bad-empty.pem"), "'bad-empty.pem': empty file", NULL },
	{ FIXTURE("bad-junk.bin"), "'bad-junk.bin': not a certificate, PEM or PKCS#7 file", NULL },
	{ FIXTURE("bad-keyonly.pem"), "'bad-keyonly.pem': PEM block 1 (line 1): not a certificate (PRIVATE KEY)", NULL },
	{ FIXTURE("bad-nocert.pem"), "'bad-nocert.pem': no PEM certificate block found", NULL },
	{ FIXTURE("bad-notcert.pem"), "'bad-notcert.pem': PEM block 1 (line 1): not a valid certificate (SEC_ERROR_", NULL },
	{ FIXTURE("bad-nocerts.p7b"), "'bad-nocerts.p7b': PKCS#7 data holds no certificate", NULL },
};

/* A list holding one entry, to check that failures leave it alone. */
static void
list_with_one(struct der_list *l)
{
	der_list_add(l, (const unsigned char *)"\x30\x00", 2, "sentinel");
}

static void
assert_list_untouched(const struct der_list *l)
{
	ck_assert_uint_eq(l->n, 1);
	ck_assert_uint_eq(l->v[0].len, 2);
	ck_assert_mem_eq(l->v[0].data, "\x30\x00", 2);
	ck_assert_str_eq(l->v[0].origin, "sentinel");
}

START_TEST(test_bad)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	const char *base = strrchr(bad[_i].file, '/') + 1;

	list_with_one(&l);
	ck_assert_int_eq(parse_fixture(bad[_i].file, base, &l, &err), MC_EINPUT);
	ck_assert_int_eq(err.code, MC_EINPUT);
	ck_assert_msg(strstartswith(err.msg, bad[_i].msg), "got \"%s\", want \"%s...\"", err.msg, bad[_i].msg);
	if (bad[_i].tail)
		ck_assert_msg(strstr(err.msg, bad[_i].tail), "got \"%s\", want \"%s\" in it", err.msg, bad[_i].tail);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	assert_list_untouched(&l);
	der_list_release(&l);
}
END_TEST

/* Lines in a fixture (its last line ends with LF). */
static size_t
nlines(const char *name)
{
	size_t len, n = 0;
	unsigned char *buf = fixture(name, &len);

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	free(buf);
	return n;
}

START_TEST(test_line_numbers)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	char want[128];

	/* bad-noend.pem is root.pem, then the leaf without its END line. */
	ck_assert_int_eq(parse_fixture(FIXTURE("bad-noend.pem"), "n.pem", &l, &err), MC_EINPUT);
	snprintf(want, sizeof(want), "'n.pem': PEM block 2 (line %zu): BEGIN without END",
		 nlines(FIXTURE("root.pem")) + 1);
	ck_assert_str_eq(err.msg, want);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
}
END_TEST

/*
 * Build a buffer from pieces: plain text, "@name" for a fixture's bytes,
 * "%name" for the base64 of a DER fixture plus a newline, "+name" for the
 * same with one extra byte after the DER. Caller frees.
 */
static unsigned char *
build(size_t *len, const char *const *parts)
{
	unsigned char *buf = NULL;

	*len = 0;
	for (size_t i = 0; parts[i]; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];
		unsigned char *f = NULL;
		char *b64 = NULL;
		size_t n = strlen(parts[i]);

		if (parts[i][0] == '@' || parts[i][0] == '%' || parts[i][0] == '+') {
			char name[128];

			snprintf(name, sizeof(name), "tests/fixtures/certs/%s", parts[i] + 1);
			f = fixture(name, &n);
			p = f;
		}
		if (parts[i][0] == '%' || parts[i][0] == '+') {
			if (parts[i][0] == '+') {
				f = realloc(f, n + 1);
				f[n++] = 0x00;
			}
			b64 = BTOA_DataToAscii(f, (unsigned int)n);
			ck_assert_ptr_nonnull(b64);
			p = (const unsigned char *)b64;
			n = strlen(b64);
		}
		buf = xrealloc(buf, *len + n + 2);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf + *len, p, n);
		*len += n;
		if (b64)
			buf[(*len)++] = '\n';
		free(f);
		if (b64)
			PORT_Free(b64);
	}
	/* Exactly len bytes: no NUL a parser could lean on. */
	return realloc(buf, *len ? *len : 1);
}

/* Inline inputs: pieces joined; a count, or 0 and the start of the error. */
static const struct {
	const char *parts[6];
	size_t count;
	const char *msg;
} inline_cases[] = {
	/* Text starting with '0' (0x30, the DER SEQUENCE tag) is still PEM. */
	{ { "0 certificates? no, one\n", "@root.pem", NULL }, 1, NULL },
	/* Lower-case armour, blanks after marker lines, NSS's CRLF base64. */
	{ { "-----BEGIN certificate-----  \n", "%root.der", "-----END certificate-----\t\n", NULL }, 1, NULL },
	/* No final newline. */
	{ { "@root.pem", "-----BEGIN CERTIFICATE-----\n", "%leaf.der", "-----END CERTIFICATE-----", NULL }, 2, NULL },
	/* Indented base64 and blank lines inside the block. */
	{ { "-----BEGIN CERTIFICATE-----\n\n  ", "%leaf.der", "\n-----END CERTIFICATE-----\n", NULL }, 1, NULL },
	/* A stray END line outside any block is text. */
	{ { "-----END CERTIFICATE-----\n", "@leaf.pem", NULL }, 1, NULL },
	/* Several bundles: 3 + 1 + 3. */
	{ { "@bundle.pem", "@leaf.pem", "@bundle-crlf.pem", NULL }, 7, NULL },
	/* A good block, then a bad one: nothing is appended. */
	{ { "x\ny\n", "-----BEGIN CERTIFICATE-----\n", "%root.der", "-----END CERTIFICATE-----\n",
	    "@bad-base64.pem", NULL },
	  0, "'in': PEM block 2 (line " },
	{ { "x\n", "-----BEGIN CERTIFICATE-----\n", "A*AA\n", "-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 2): bad base64" },
	/* END of another label. */
	{ { "-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): END line 3 does not match BEGIN" },
	/* A second BEGIN before END. */
	{ { "\n\n-----BEGIN CERTIFICATE-----\n", "%root.der", "@leaf.pem", NULL },
	  0, "'in': PEM block 1 (line 3): BEGIN without END" },
	/* After good blocks, one that is not a certificate. */
	{ { "@bundle.pem", "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", NULL },
	  0, "'in': PEM block 4 (line " },
	{ { "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "@root.pem", NULL },
	  0, "'in': PEM block 1 (line 1): not a certificate (RSA PRIVATE KEY)" },
	/* Empty block. */
	{ { "-----BEGIN CERTIFICATE-----\n\r\n-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): empty PEM block" },
	/* Missing padding, data after padding, a lone '=': malformed base64. */
	{ { "-----BEGIN CERTIFICATE-----\nMIIB1zC\n-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): bad base64" },
	{ { "-----BEGIN CERTIFICATE-----\nMA==MA==\n-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): bad base64" },
	{ { "-----BEGIN CERTIFICATE-----\nMAA=\n=\n-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): bad base64" },
	/* A PKCS7 label around a certificate. */
	{ { "-----BEGIN PKCS7-----\n", "%root.der", "-----END PKCS7-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): not PKCS#7 SignedData" },
	/* A PKCS7 block holding no certificate. */
	{ { "-----BEGIN PKCS7-----\n", "%bad-nocerts.p7b", "-----END PKCS7-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): PKCS#7 data holds no certificate" },
	/* A CERTIFICATE label around PKCS#7. */
	{ { "-----BEGIN CERTIFICATE-----\n", "%chain.p7b", "-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): not a valid certificate (SEC_ERROR_" },
	/* A certificate block with a byte after the certificate. */
	{ { "-----BEGIN CERTIFICATE-----\n", "+leaf.der", "-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): trailing data after the certificate (1 byte)" },
	/* Truncated certificate inside PEM. */
	{ { "-----BEGIN CERTIFICATE-----\n", "%bad-truncated.der", "-----END CERTIFICATE-----\n", NULL },
	  0, "'in': PEM block 1 (line 1): truncated DER (200 of " },
	/* Whitespace only. */
	{ { " \r\n\t\n", NULL }, 0, "'in': empty file" },
	/* DER headers that are cut off, lie, or hold something else. */
	{ { "\x30", NULL }, 0, "'in': no PEM certificate block found" },
	{ { "\x30\x82\x01", NULL }, 0, "'in': truncated DER (3 bytes)" },
	{ { "\x30\x84\x7f\xff\xff\xff\x01\x02", NULL }, 0, "'in': truncated DER (8 of 2147483653 bytes)" },
	{ { "\x30\x80\x06\x03\x01\x02\x03\x01\x01", NULL }, 0, "'in': not a certificate, PEM or PKCS#7 file" },
	{ { "\x30\x85\x01\x01\x01\x01\x01\x01", NULL }, 0, "'in': not a certificate, PEM or PKCS#7 file" },
	{ { "\x30\x03\x02\x01\x01", NULL }, 0, "'in': not a certificate, PEM or PKCS#7 file" },
	/* A byte after a PKCS#7 file. */
	{ { "@chain.p7b", "\x01", NULL }, 0, "'in': trailing data after DER (1 byte)" },
};

START_TEST(test_inline)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	size_t len;
	unsigned char *buf = build(&len, inline_cases[_i].parts);
	int rc;

	list_with_one(&l);
	rc = certpkg_parse(buf, len, "in", &l, &err);
	if (inline_cases[_i].count) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, err.msg);
		ck_assert_uint_eq(l.n, 1 + inline_cases[_i].count);
		ck_assert_str_eq(l.v[0].origin, "sentinel");
		ck_assert_str_eq(l.v[1].origin, inline_cases[_i].count == 1 ? "in" : "in: certificate 1");
	} else {
		ck_assert_int_eq(rc, MC_EINPUT);
		ck_assert_int_eq(err.code, MC_EINPUT);
		ck_assert_msg(strstartswith(err.msg, inline_cases[_i].msg), "case %d: got \"%s\", want \"%s...\"",
			      _i, err.msg, inline_cases[_i].msg);
		assert_list_untouched(&l);
	}
	free(buf);
	der_list_release(&l);
}
END_TEST

/* NSS checks the certificate structure, not only the outer length. */
START_TEST(test_der_structure_checked)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	size_t len;
	unsigned char *der = fixture(FIXTURE("leaf.der"), &len);

	/* The tbsCertificate SEQUENCE (after a 4-byte header) made a SET: lengths stay exact. */
	ck_assert_uint_eq(der[4], 0x30);
	der[4] = 0x31;
	ck_assert_int_eq(certpkg_parse(der, len, "mangled.der", &l, &err), MC_EINPUT);
	ck_assert_str_eq(err.msg, "'mangled.der': not a certificate, PEM or PKCS#7 file "
		"(not a valid certificate (SEC_ERROR_BAD_DER))");
	ck_assert_uint_eq(l.n, 0);
	free(der);
}
END_TEST

/* PKCS#7 cut short, with a damaged certificate, and in BER with indefinite length. */
START_TEST(test_pkcs7_variants)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	size_t len, ilen, hdr;
	unsigned char *p7 = fixture(FIXTURE("chain.p7b"), &len);
	unsigned char *inter = fixture(FIXTURE("intermediate.der"), &ilen);
	unsigned char *ber, *at;
	char want[128];

	/* Cut short. */
	ck_assert_int_eq(certpkg_parse(p7, len - 10, "short.p7b", &l, &err), MC_EINPUT);
	snprintf(want, sizeof(want), "'short.p7b': truncated DER (%zu of %zu bytes)", len - 10, len);
	ck_assert_str_eq(err.msg, want);

	/* BER: the outer SEQUENCE re-encoded with indefinite length. */
	ck_assert_uint_eq(p7[0], 0x30);
	ck_assert_uint_eq(p7[1], 0x82);
	hdr = 4;
	ber = malloc(len - hdr + 4);
	ck_assert_ptr_nonnull(ber);
	ber[0] = 0x30;
	ber[1] = 0x80;
	memcpy(ber + 2, p7 + hdr, len - hdr);
	ber[2 + len - hdr] = 0;
	ber[3 + len - hdr] = 0;
	mc_error_clear(&err);
	ck_assert_msg(certpkg_parse(ber, len - hdr + 4, "ber.p7b", &l, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_der(&l, i, chain_der[i]);
	free(ber);

	/* The intermediate inside it damaged: its tbsCertificate tag made a SET. */
	at = memmem(p7, len, inter, ilen);
	ck_assert_ptr_nonnull(at);
	ck_assert_uint_eq(at[4], 0x30);
	at[4] = 0x31;
	ck_assert_int_eq(certpkg_parse(p7, len, "bad.p7b", &l, &err), MC_EINPUT);
	ck_assert_str_eq(err.msg, "'bad.p7b': PKCS#7 certificate 2: not a valid certificate (SEC_ERROR_BAD_DER)");
	ck_assert_uint_eq(l.n, 3);
	der_list_release(&l);
	free(p7);
	free(inter);
}
END_TEST

/* Appending to a list that already holds entries, from several files. */
START_TEST(test_append)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };

	ck_assert_int_eq(parse_fixture(FIXTURE("leaf.der"), "leaf.der", &l, &err), 0);
	ck_assert_int_eq(parse_fixture(FIXTURE("chain.p7b"), "chain.p7b", &l, &err), 0);
	ck_assert_int_eq(parse_fixture(FIXTURE("bad-junk.bin"), "junk", &l, &err), MC_EINPUT);
	ck_assert_int_eq(parse_fixture(FIXTURE("root.pem"), "root.pem", &l, NULL), 0);
	ck_assert_uint_eq(l.n, 5);
	assert_der(&l, 0, FIXTURE("leaf.der"));
	assert_der(&l, 1, FIXTURE("root.der"));
	assert_der(&l, 3, FIXTURE("leaf.der"));
	assert_der(&l, 4, FIXTURE("root.der"));
	ck_assert_str_eq(l.v[0].origin, "leaf.der");
	ck_assert_str_eq(l.v[3].origin, "chain.p7b: certificate 3");
	ck_assert_str_eq(l.v[4].origin, "root.pem");
	/* The first error is kept. */
	ck_assert_str_eq(err.msg, "'junk': not a certificate, PEM or PKCS#7 file");
	der_list_release(&l);
	der_list_release(&l);
	der_list_release(NULL);
}
END_TEST

/* 333 x (root, intermediate, leaf) PEM: 999 certificates, fast. */
START_TEST(test_big_bundle)
{
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	const char *names[] = { FIXTURE("root.pem"), FIXTURE("intermediate.pem"), FIXTURE("leaf.pem") };
	unsigned char *part[3], *buf;
	size_t plen[3], len = 0, off = 0;
	struct timespec t0, t1;
	double ms;
	char want[64];

	for (int i = 0; i < 3; i++) {
		part[i] = fixture(names[i], &plen[i]);
		len += plen[i];
	}
	len *= 333;
	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	for (int k = 0; k < 333; k++) {
		for (int i = 0; i < 3; i++) {
			memcpy(buf + off, part[i], plen[i]);
			off += plen[i];
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(certpkg_parse(buf, len, "big.pem", &l, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_uint_eq(l.n, 999);
	ck_assert_uint_ge(l.alloc, l.n);
	for (int i = 0; i < 3; i++) {
		free(part[i]);
		part[i] = fixture(chain_der[i], &plen[i]);
	}
	for (size_t i = 0; i < l.n; i++) {
		ck_assert_uint_eq(l.v[i].len, plen[i % 3]);
		ck_assert_mem_eq(l.v[i].data, part[i % 3], plen[i % 3]);
	}
	snprintf(want, sizeof(want), "big.pem: certificate %d", 999);
	ck_assert_str_eq(l.v[998].origin, want);
	/* A few ms normally; generous for sanitizers, not checked under valgrind. */
	/* Speed is for the benchmarks, never a timed assertion: just report it. */
	fprintf(stderr, "# 999 certificates took %.1f ms\n", ms);
	der_list_release(&l);
	for (int i = 0; i < 3; i++)
		free(part[i]);
	free(buf);
}
END_TEST

/* Copy a fixture into dir/name (creating subdirectories named in name). */
static void
put(const char *dir, const char *name, const char *fixture_name)
{
	char *path, *src = NULL, *data;
	size_t len;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	if (fixture_name) {
		src = src_path(fixture_name);
		data = read_whole(src, &len);
		ck_assert_ptr_nonnull(data);
		write_file(path, data, len);
		free(data);
	} else {
		write_text(path, "not a certificate\n");
	}
	free(src);
	free(path);
}

static void
assert_origin(const struct der_list *l, size_t i, const char *dir, const char *rest)
{
	char *want;

	if (asprintf(&want, "%s/%s", dir, rest) < 0)
		abort();
	ck_assert_msg(i < l->n, "entry %zu of %zu", i, l->n);
	ck_assert_str_eq(l->v[i].origin, want);
	free(want);
}

START_TEST(test_dir_mixed)
{
	char *dir = tmpdir_new(), *other = tmpdir_new(), *p, *q;
	struct der_list l = { 0 };
	struct mc_error err = { 0 };

	put(dir, "b.pem", FIXTURE("bundle.pem"));
	put(dir, "a.der", FIXTURE("root.der"));
	put(dir, "sub/c.CRT", FIXTURE("leaf.pem"));
	put(dir, "sub/deeper/d.P7B", FIXTURE("chain.p7b"));
	put(dir, "sub/e.cert", FIXTURE("intermediate.der"));
	put(dir, "notes.txt", NULL);
	put(dir, "README", NULL);
	put(dir, "leaf.key", FIXTURE("leaf.key"));
	put(dir, "pem", NULL); /* the bare name is not an extension */
	/* A symlinked directory is not followed; a symlinked file is. */
	put(other, "x.pem", FIXTURE("leaf.pem"));
	if (asprintf(&p, "%s/linkdir.pem", dir) < 0 || asprintf(&q, "%s/z.ca", dir) < 0)
		abort();
	ck_assert_int_eq(symlink(other, p), 0);
	free(p);
	p = src_path(FIXTURE("intermediate.pem"));
	ck_assert_int_eq(symlink(p, q), 0);
	free(p);
	free(q);
	/* A dangling symlink is skipped. */
	if (asprintf(&p, "%s/dangling.pem", dir) < 0)
		abort();
	ck_assert_int_eq(symlink("/nonexistent/mozcert", p), 0);
	free(p);

	list_with_one(&l);
	ck_assert_msg(certpkg_read_path(dir, &l, &err) == 0, "%s", err.msg);
	/*
	 * a.der, b.pem (3), sub/c.CRT, sub/deeper/d.P7B (3), sub/e.cert, z.ca: 10 certificates read in name
	 * order, each kept once, at its first occurrence; the 7 repeats are counted, not kept.
	 */
	ck_assert_uint_eq(l.n, 1 + 3);
	ck_assert_uint_eq(l.duplicates, 7);
	assert_der(&l, 1, FIXTURE("root.der"));
	assert_origin(&l, 1, dir, "a.der");
	assert_der(&l, 2, chain_der[1]);
	assert_origin(&l, 2, dir, "b.pem: certificate 2");
	assert_der(&l, 3, chain_der[2]);
	assert_origin(&l, 3, dir, "b.pem: certificate 3");
	/* read again, nothing new is kept */
	ck_assert_msg(certpkg_read_path(dir, &l, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.n, 1 + 3);
	ck_assert_uint_eq(l.duplicates, 7 + 10);
	der_list_release(&l);
	tmpdir_free(dir);
	tmpdir_free(other);
}
END_TEST

START_TEST(test_dir_bad_file)
{
	char *dir = tmpdir_new(), *want;
	struct der_list l = { 0 };
	struct mc_error err = { 0 };

	put(dir, "a.pem", FIXTURE("root.pem"));
	put(dir, "sub/b.crt", FIXTURE("bad-truncated.der"));
	put(dir, "z.pem", FIXTURE("leaf.pem"));
	list_with_one(&l);
	ck_assert_int_eq(certpkg_read_path(dir, &l, &err), MC_EINPUT);
	if (asprintf(&want, "'%s/sub/b.crt': truncated DER (200 of ", dir) < 0)
		abort();
	ck_assert_msg(strstartswith(err.msg, want), "got %s", err.msg);
	assert_list_untouched(&l);
	der_list_release(&l);
	free(want);
	tmpdir_free(dir);
}
END_TEST

START_TEST(test_dir_without_certs)
{
	char *dir = tmpdir_new(), *want, *sub;
	struct der_list l = { 0 };
	struct mc_error err = { 0 };

	put(dir, "notes.txt", NULL);
	put(dir, "key.key", FIXTURE("root.key"));
	if (asprintf(&sub, "%s/empty.pem", dir) < 0)
		abort();
	ck_assert_int_eq(mkdir(sub, 0700), 0); /* a directory with a certificate name */
	list_with_one(&l);
	ck_assert_int_eq(certpkg_read_path(dir, &l, &err), MC_EINPUT);
	if (asprintf(&want, "'%s': no certificate files found", dir) < 0)
		abort();
	ck_assert_str_eq(err.msg, want);
	assert_list_untouched(&l);
	der_list_release(&l);
	free(want);
	free(sub);
	tmpdir_free(dir);
}
END_TEST

START_TEST(test_path_file_and_errors)
{
	char *dir = tmpdir_new(), *path, *want;
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	int fd;

	/* A file path is parsed whatever its name. */
	put(dir, "chain.bin", FIXTURE("chain.p7b"));
	if (asprintf(&path, "%s/chain.bin", dir) < 0)
		abort();
	ck_assert_int_eq(certpkg_read_path(path, &l, &err), 0);
	ck_assert_uint_eq(l.n, 3);
	if (asprintf(&want, "%s: certificate 1", path) < 0)
		abort();
	ck_assert_str_eq(l.v[0].origin, want);
	free(want);
	free(path);

	/* Missing. */
	if (asprintf(&path, "%s/missing.pem", dir) < 0)
		abort();
	ck_assert_int_eq(certpkg_read_path(path, &l, &err), MC_EFAIL);
	ck_assert_int_eq(err.sys_errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "missing.pem"));
	free(path);

	/* Above FILEIO_MAX_INPUT (sparse, so cheap), alone and inside a directory. */
	if (asprintf(&path, "%s/sub/huge.pem", dir) < 0)
		abort();
	put(dir, "sub/huge.pem", NULL);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)FILEIO_MAX_INPUT + 1), 0);
	close(fd);
	mc_error_clear(&err);
	ck_assert_int_eq(certpkg_read_path(path, &l, &err), MC_EINPUT);
	ck_assert_msg(strstr(err.msg, "too large") && strstr(err.msg, "huge.pem"), "%s", err.msg);
	mc_error_clear(&err);
	ck_assert_int_eq(certpkg_read_path(dir, &l, &err), MC_EINPUT);
	ck_assert_msg(strstr(err.msg, "too large") && strstr(err.msg, "huge.pem"), "%s", err.msg);
	free(path);

	/* A FIFO is refused, not opened. */
	if (asprintf(&path, "%s/fifo.pem", dir) < 0)
		abort();
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	mc_error_clear(&err);
	ck_assert_int_eq(certpkg_read_path(path, &l, &err), MC_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
	free(path);

	ck_assert_uint_eq(l.n, 3);
	der_list_release(&l);
	tmpdir_free(dir);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("certpkg");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, nss_setup, nss_teardown);
	tcase_add_loop_test(tc, test_single, 0, (int)(sizeof(singles) / sizeof(singles[0])));
	tcase_add_loop_test(tc, test_triple, 0, (int)(sizeof(triples) / sizeof(triples[0])));
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_loop_test(tc, test_inline, 0, (int)(sizeof(inline_cases) / sizeof(inline_cases[0])));
	tcase_add_test(tc, test_line_numbers);
	tcase_add_test(tc, test_der_structure_checked);
	tcase_add_test(tc, test_pkcs7_variants);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_big_bundle);
	suite_add_tcase(s, tc);

	tc = tcase_create("path");
	tcase_add_checked_fixture(tc, nss_setup, nss_teardown);
	tcase_add_test(tc, test_dir_mixed);
	tcase_add_test(tc, test_dir_bad_file);
	tcase_add_test(tc, test_dir_without_certs);
	tcase_add_test(tc, test_path_file_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
