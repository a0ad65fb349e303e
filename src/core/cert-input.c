/* SPDX-License-Identifier: MPL-2.0 */
/* cert-input.c: turning certificate files (PEM, DER, PKCS#7) into a list of DER certificates. */
#include "cert-input.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>

#include <cert.h>
#include <certt.h>
#include <nssb64.h>
#include <secasn1.h>
#include <secerr.h>
#include <secitem.h>
#include <secport.h>

#include "fileio.h"
#include "nssdb.h"
#include "banned.h"

/* Deepest directory nesting certpkg_read_path descends into. */
#define MAX_DEPTH 32

/* DER tag of a constructed SEQUENCE and of an OBJECT IDENTIFIER. */
#define TAG_SEQUENCE 0x30
#define TAG_OID 0x06

/* contentType OIDs that CERT_DecodeCertPackage reads certificates from, tag and length included. */
static const unsigned char oid_pkcs7_signed[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};
static const unsigned char oid_ns_cert_sequence[] = {
	0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x02, 0x05
};

static const char *const cert_exts[] = {
	".pem", ".crt", ".cer", ".der", ".p7b", ".p7c", ".ca", ".cert",
};

void
der_list_release(struct der_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].data);
		free(l->v[i].origin);
	}
	free(l->v);
	free(l->slots);
	memset(l, 0, sizeof(*l));
}

/* Make room for extra more entries, growing geometrically. */
static void
reserve(struct der_list *l, size_t extra)
{
	size_t need = l->n + extra;
	size_t alloc;

	if (need < l->n)
		abort();
	if (need <= l->alloc)
		return;
	alloc = l->alloc > l->n ? l->alloc : l->n;
	if (alloc < 8)
		alloc = 8;
	while (alloc < need)
		alloc *= 2;
	l->v = xreallocarray(l->v, alloc, sizeof(*l->v));
	l->alloc = alloc;
}

/* Append taking ownership of data and origin (origin may be NULL for now). */
static void
push(struct der_list *l, unsigned char *data, size_t len, char *origin)
{
	reserve(l, 1);
	l->v[l->n].data = data;
	l->v[l->n].len = len;
	l->v[l->n].origin = origin;
	l->n++;
}

void
der_list_add(struct der_list *l, const unsigned char *data, size_t len, const char *origin)
{
	unsigned char *copy = xmalloc(len ? len : 1);

	memcpy(copy, data, len);
	push(l, copy, len, origin ? xstrdup(origin) : NULL);
}

/* Move every entry of src to the end of dst; src is left empty. */
static void
move_all(struct der_list *dst, struct der_list *src)
{
	if (src->n == 0) {
		der_list_release(src);
		return;
	}
	reserve(dst, src->n);
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	free(src->v);
	src->v = NULL;
	src->n = 0;
	src->alloc = 0;
}

/*
 * Record an MC_EINPUT error "'ORIGIN': WHERE: WHAT" (or "'ORIGIN': WHAT"
 * when where is empty) and return MC_EINPUT.
 */
static int
fail(struct mc_error *err, const char *origin, const char *where, const char *fmt, ...) _printf_(4, 5);

static int
fail(struct mc_error *err, const char *origin, const char *where, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (where && *where)
		return mc_error_set(err, MC_EINPUT, "'%s': %s: %s", origin, where, what);
	return mc_error_set(err, MC_EINPUT, "'%s': %s", origin, what);
}

enum tlv_status {
	TLV_OK,          /* *total is the length of header plus contents */
	TLV_INDEFINITE,  /* BER indefinite length; *total is the header length */
	TLV_SHORT,       /* the header itself is cut off */
	TLV_BAD,         /* not a DER header we accept */
};

/*
 * Read the tag and length of the TLV at p, of which avail bytes exist:
 * *hdr is the length of tag and length, *total of the whole TLV.
 * *total may exceed avail (the caller decides whether that is truncation).
 */
static enum tlv_status
tlv_parse(const unsigned char *p, size_t avail, size_t *hdr, size_t *total)
{
	size_t nlen, clen = 0;

	if (avail < 2)
		return TLV_SHORT;
	if ((p[0] & 0x1f) == 0x1f)
		return TLV_BAD; /* multi-byte tags do not occur at this level */
	if (p[1] < 0x80) {
		*hdr = 2;
		*total = 2 + (size_t)p[1];
		return TLV_OK;
	}
	if (p[1] == 0x80) {
		*hdr = 2;
		*total = 2;
		return TLV_INDEFINITE;
	}
	nlen = p[1] & 0x7f;
	if (nlen > 4)
		return TLV_BAD; /* more than 4 GiB: not anything we read */
	if (avail < 2 + nlen)
		return TLV_SHORT;
	for (size_t i = 0; i < nlen; i++)
		clen = (clen << 8) | p[2 + i];
	if (clen > SIZE_MAX - 2 - nlen)
		return TLV_BAD;
	*hdr = 2 + nlen;
	*total = 2 + nlen + clen;
	return TLV_OK;
}

/*
 * Check that der[0..len) is exactly one well-formed certificate, with NSS's
 * own template for a signed certificate. On failure writes the reason to why.
 */
static bool
check_cert(const unsigned char *der, size_t len, char *why, size_t whylen)
{
	CERTCertificate cert;
	PLArenaPool *arena;
	SECItem item;
	SECStatus rv;
	size_t hdr, total;

	if (len == 0) {
		snprintf(why, whylen, "empty certificate");
		return false;
	}
	if (der[0] != TAG_SEQUENCE) {
		snprintf(why, whylen, "not a certificate (DER tag 0x%02x)", der[0]);
		return false;
	}
	switch (tlv_parse(der, len, &hdr, &total)) {
	case TLV_OK:
		break;
	case TLV_SHORT:
		snprintf(why, whylen, "truncated DER (%zu bytes)", len);
		return false;
	case TLV_INDEFINITE:
	case TLV_BAD:
		snprintf(why, whylen, "not a certificate (bad DER length)");
		return false;
	}
	if (total > len) {
		snprintf(why, whylen, "truncated DER (%zu of %zu bytes)", len, total);
		return false;
	}
	if (total < len) {
		snprintf(why, whylen, "trailing data after the certificate (%zu byte%s)", len - total,
			 len - total == 1 ? "" : "s");
		return false;
	}
	if (len > UINT_MAX) {
		snprintf(why, whylen, "certificate too large");
		return false;
	}

	arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	if (!arena)
		abort();
	memset(&cert, 0, sizeof(cert));
	item.type = siBuffer;
	item.data = (unsigned char *)der;
	item.len = (unsigned int)len;
	rv = SEC_QuickDERDecodeItem(arena, &cert, SEC_ASN1_GET(SEC_SignedCertificateTemplate), &item);
	PORT_FreeArena(arena, PR_FALSE);
	if (rv != SECSuccess) {
		snprintf(why, whylen, "not a valid certificate (%s)", mc_nss_error_name(PORT_GetError()));
		return false;
	}
	return true;
}

/* State shared with the CERT_DecodeCertPackage callback. */
struct p7_ctx {
	struct der_list *acc;
	bool failed;
	char why[160];
};

static SECStatus
p7_collect(void *arg, SECItem **certs, int numcerts)
{
	struct p7_ctx *ctx = arg;
	char why[128];

	for (int i = 0; i < numcerts && !ctx->failed; i++) {
		if (!certs[i] || !check_cert(certs[i]->data, certs[i]->len, why, sizeof(why))) {
			ctx->failed = true;
			snprintf(ctx->why, sizeof(ctx->why), "PKCS#7 certificate %d: %s", i + 1,
				 certs[i] ? why : "missing");
			return SECFailure;
		}
		der_list_add(ctx->acc, certs[i]->data, certs[i]->len, NULL);
	}
	return ctx->failed ? SECFailure : SECSuccess;
}

/* True when the DER at p (header of hdr bytes already checked) starts with a contentType we read. */
static bool
has_package_oid(const unsigned char *p, size_t len, size_t hdr)
{
	if (len < hdr + sizeof(oid_pkcs7_signed))
		return false;
	return memcmp(p + hdr, oid_pkcs7_signed, sizeof(oid_pkcs7_signed)) == 0 ||
	       memcmp(p + hdr, oid_ns_cert_sequence, sizeof(oid_ns_cert_sequence)) == 0;
}

/*
 * Read the certificates of a PKCS#7 SignedData (or Netscape certificate
 * sequence) in p[0..len) into acc with CERT_DecodeCertPackage. The caller has
 * checked the outer length and the contentType, so NSS never falls back to
 * its own PEM search.
 */
static int
read_pkcs7(const unsigned char *p, size_t len, const char *origin, const char *where,
	   struct der_list *acc, struct mc_error *err)
{
	struct p7_ctx ctx = { .acc = acc };
	size_t before = acc->n;
	SECStatus rv;

	if (len > INT_MAX)
		return fail(err, origin, where, "PKCS#7 data too large");
	rv = CERT_DecodeCertPackage((char *)p, (int)len, p7_collect, &ctx);
	/* NSS ignores the callback's status for PKCS#7: ctx.failed is the truth. */
	if (ctx.failed)
		return fail(err, origin, where, "%s", ctx.why);
	if (rv != SECSuccess)
		return fail(err, origin, where, "bad PKCS#7 data (%s)", mc_nss_error_name(PORT_GetError()));
	if (acc->n == before)
		return fail(err, origin, where, "PKCS#7 data holds no certificate");
	return 0;
}

/* A DER object that is one exact TLV (hdr bytes of header) or BER with indefinite length. */
static int
parse_der(const unsigned char *buf, size_t len, size_t hdr, const char *origin,
	  struct der_list *acc, struct mc_error *err)
{
	char why[160];

	if (has_package_oid(buf, len, hdr))
		return read_pkcs7(buf, len, origin, NULL, acc, err);
	if (!check_cert(buf, len, why, sizeof(why)))
		return fail(err, origin, NULL, "not a certificate, PEM or PKCS#7 file (%s)", why);
	der_list_add(acc, buf, len, NULL);
	return 0;
}

enum block_kind {
	BLOCK_OTHER,
	BLOCK_CERT,
	BLOCK_TRUSTED,
	BLOCK_PKCS7,
};

static const struct {
	const char *label;
	enum block_kind kind;
} pem_labels[] = {
	{ "CERTIFICATE", BLOCK_CERT },
	{ "X509 CERTIFICATE", BLOCK_CERT },
	{ "TRUSTED CERTIFICATE", BLOCK_TRUSTED },
	{ "PKCS7", BLOCK_PKCS7 },
	{ "PKCS #7 SIGNED DATA", BLOCK_PKCS7 },
	{ "CMS", BLOCK_PKCS7 },
};

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool
is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Text: no control characters except whitespace (bytes above 0x7f are allowed for UTF-8). */
static bool
is_text(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((buf[i] < 0x20 && !is_space(buf[i])) || buf[i] == 0x7f)
			return false;
	}
	return true;
}

struct lines {
	const unsigned char *buf;
	size_t len;
	size_t pos;
	size_t lineno;
};

/* The next line, without its LF; false at the end of the buffer. */
static bool
next_line(struct lines *it, const unsigned char **line, size_t *n)
{
	const unsigned char *p, *nl;
	size_t l;

	if (it->pos >= it->len)
		return false;
	p = it->buf + it->pos;
	nl = memchr(p, '\n', it->len - it->pos);
	l = nl ? (size_t)(nl - p) : it->len - it->pos;
	it->pos += l + (nl ? 1 : 0);
	it->lineno++;
	*line = p;
	*n = l;
	return true;
}

/*
 * True when line is "<kw>LABEL-----", trailing whitespace (CR) allowed;
 * *label and *label_len then give LABEL.
 */
static bool
is_marker(const unsigned char *line, size_t n, const char *kw,
	  const unsigned char **label, size_t *label_len)
{
	size_t kwlen = strlen(kw);

	while (n > 0 && is_space(line[n - 1]))
		n--;
	if (n < kwlen + 5 || memcmp(line, kw, kwlen) != 0 || memcmp(line + n - 5, "-----", 5) != 0)
		return false;
	*label = line + kwlen;
	*label_len = n - kwlen - 5;
	return true;
}

static enum block_kind
label_kind(const unsigned char *label, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(pem_labels); i++) {
		if (strlen(pem_labels[i].label) == len &&
		    strncasecmp(pem_labels[i].label, (const char *)label, len) == 0)
			return pem_labels[i].kind;
	}
	return BLOCK_OTHER;
}

/* A label fit for a message: printable ASCII only, at most 40 characters. */
static void
label_text(const unsigned char *label, size_t len, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < len && i < 40 && i + 1 < outlen; i++)
		out[i] = (label[i] >= 0x20 && label[i] < 0x7f) ? (char)label[i] : '?';
	out[i] = '\0';
}

/* Strict base64: alphabet only, length a multiple of 4, at most two '=' at the end. */
static bool
valid_base64(const unsigned char *s, size_t n)
{
	size_t pad = 0;

	if (n == 0 || n % 4 != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i + 2 < n)
				return false;
			pad++;
		} else if (pad || !is_b64(s[i])) {
			return false;
		}
	}
	return true;
}

/* Decode the base64 body of one block and add its certificates to acc. */
static int
decode_block(enum block_kind kind, const unsigned char *b64, size_t n, const char *origin,
	     const char *where, struct der_list *acc, struct mc_error *err)
{
	char why[160];
	SECItem *der;
	size_t hdr = 0, total = 0, len;
	enum tlv_status st;
	int rc = 0;

	if (n == 0)
		return fail(err, origin, where, "empty PEM block");
	if (!valid_base64(b64, n) || n > UINT_MAX)
		return fail(err, origin, where, "bad base64");
	der = NSSBase64_DecodeBuffer(NULL, NULL, (const char *)b64, (unsigned int)n);
	if (!der)
		return fail(err, origin, where, "bad base64");
	len = der->len;

	/* TRUSTED CERTIFICATE: the certificate, then OpenSSL's X509_CERT_AUX, which we ignore. */
	if (kind == BLOCK_TRUSTED && len > 0 && der->data[0] == TAG_SEQUENCE &&
	    tlv_parse(der->data, len, &hdr, &total) == TLV_OK && total < len)
		len = total;

	switch (kind) {
	case BLOCK_TRUSTED:
	case BLOCK_CERT:
		if (!check_cert(der->data, len, why, sizeof(why)))
			rc = fail(err, origin, where, "%s", why);
		else
			der_list_add(acc, der->data, len, NULL);
		break;
	case BLOCK_PKCS7:
		st = len > 0 && der->data[0] == TAG_SEQUENCE ?
			     tlv_parse(der->data, len, &hdr, &total) : TLV_BAD;
		if (st == TLV_OK && total > len)
			rc = fail(err, origin, where, "truncated PKCS#7 (%zu of %zu bytes)", len, total);
		else if ((st == TLV_OK && total == len) || st == TLV_INDEFINITE) {
			if (has_package_oid(der->data, len, hdr))
				rc = read_pkcs7(der->data, len, origin, where, acc, err);
			else
				rc = fail(err, origin, where, "not PKCS#7 SignedData");
		} else {
			rc = fail(err, origin, where, "not PKCS#7 SignedData");
		}
		break;
	case BLOCK_OTHER:
		abort();
	}
	SECITEM_FreeItem(der, PR_TRUE);
	return rc;
}

/*
 * Every PEM block of buf into acc. Returns 1 when there is no BEGIN line at
 * all (not PEM), 0 on success, or an error code.
 */
static int
parse_pem(const unsigned char *buf, size_t len, const char *origin, struct der_list *acc,
	  struct mc_error *err)
{
	struct lines it = { .buf = buf, .len = len };
	_autofree_ unsigned char *b64 = NULL;
	size_t b64_alloc = 0, block = 0;
	const unsigned char *line, *label, *elabel;
	size_t n, label_len, elabel_len;
	char where[96], text[48];

	while (next_line(&it, &line, &n)) {
		enum block_kind kind;
		size_t b64_len = 0;
		bool ended = false;
		int rc;

		if (!is_marker(line, n, "-----BEGIN ", &label, &label_len))
			continue;
		block++;
		snprintf(where, sizeof(where), "PEM block %zu (line %zu)", block, it.lineno);
		kind = label_kind(label, label_len);
		if (kind == BLOCK_OTHER) {
			label_text(label, label_len, text, sizeof(text));
			return fail(err, origin, where, "not a certificate (%s)", text);
		}
		while (next_line(&it, &line, &n)) {
			if (is_marker(line, n, "-----END ", &elabel, &elabel_len)) {
				if (elabel_len != label_len ||
				    strncasecmp((const char *)label, (const char *)elabel, label_len) != 0)
					return fail(err, origin, where, "END line %zu does not match BEGIN",
						    it.lineno);
				ended = true;
				break;
			}
			if (is_marker(line, n, "-----BEGIN ", &elabel, &elabel_len))
				break;
			if (b64_len + n > b64_alloc) {
				b64_alloc = b64_alloc ? b64_alloc : 4096;
				while (b64_len + n > b64_alloc)
					b64_alloc *= 2;
				b64 = xrealloc(b64, b64_alloc);
			}
			for (size_t i = 0; i < n; i++) {
				if (!is_space(line[i]))
					b64[b64_len++] = line[i];
			}
		}
		if (!ended)
			return fail(err, origin, where, "BEGIN without END");
		rc = decode_block(kind, b64, b64_len, origin, where, acc, err);
		if (rc < 0)
			return rc;
	}
	return block ? 0 : 1;
}

int
certpkg_parse(const unsigned char *buf, size_t len, const char *origin,
	      struct der_list *out, struct mc_error *err)
{
	struct der_list acc = { 0 };
	enum tlv_status st = TLV_BAD;
	size_t hdr = 0, total = 0, blank = 0;
	int rc;

	if (!origin)
		origin = "(input)";
	while (blank < len && is_space(buf[blank]))
		blank++;
	if (blank == len)
		return fail(err, origin, NULL, "empty file");
	if (len > FILEIO_MAX_INPUT)
		return fail(err, origin, NULL, "too large (%zu bytes, at most %zu)", len,
			    (size_t)FILEIO_MAX_INPUT);

	if (buf[0] == TAG_SEQUENCE)
		st = tlv_parse(buf, len, &hdr, &total);
	if ((st == TLV_OK && total == len) || (st == TLV_INDEFINITE && has_package_oid(buf, len, hdr))) {
		rc = parse_der(buf, len, hdr, origin, &acc, err);
	} else {
		rc = parse_pem(buf, len, origin, &acc, err);
		if (rc == 1) {
			if (is_text(buf, len))
				rc = fail(err, origin, NULL, "no PEM certificate block found");
			else if (st == TLV_SHORT)
				rc = fail(err, origin, NULL, "truncated DER (%zu bytes)", len);
			else if (st == TLV_OK && total > len)
				rc = fail(err, origin, NULL, "truncated DER (%zu of %zu bytes)", len, total);
			else if (st == TLV_OK)
				rc = fail(err, origin, NULL, "trailing data after DER (%zu byte%s)",
					  len - total, len - total == 1 ? "" : "s");
			else
				rc = fail(err, origin, NULL, "not a certificate, PEM or PKCS#7 file");
		}
	}
	if (rc < 0) {
		der_list_release(&acc);
		return rc;
	}
	for (size_t i = 0; i < acc.n; i++)
		acc.v[i].origin = acc.n == 1 ? xstrdup(origin) : xasprintf("%s: certificate %zu", origin, i + 1);
	move_all(out, &acc);
	return 0;
}

static bool
has_cert_ext(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_SIZE(cert_exts); i++) {
		size_t e = strlen(cert_exts[i]);

		if (n > e && strcasecmp(name + n - e, cert_exts[i]) == 0)
			return true;
	}
	return false;
}

static uint64_t
der_hash(const unsigned char *p, size_t len)
{
	uint64_t h = 1469598103934665603ULL;  /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* The slot of der in l's index: where it is (slot holds its index + 1) or where it would go (0). */
static size_t
index_slot(const struct der_list *l, const unsigned char *der, size_t len)
{
	size_t mask = l->nslots - 1, i = (size_t)der_hash(der, len) & mask;

	while (l->slots[i]) {
		const struct der_cert *c = &l->v[l->slots[i] - 1];

		if (c->len == len && memcmp(c->data, der, len) == 0)
			break;
		i = (i + 1) & mask;
	}
	return i;
}

/* (Re)build l's index, at most half full, over every entry. */
static void
index_grow(struct der_list *l, size_t want)
{
	size_t n = 64;

	while (n < want * 2)
		n *= 2;
	if (n <= l->nslots)
		return;
	free(l->slots);
	l->slots = xreallocarray(NULL, n, sizeof(*l->slots));
	memset(l->slots, 0, n * sizeof(*l->slots));
	l->nslots = n;
	for (size_t i = 0; i < l->n; i++) {
		size_t s = index_slot(l, l->v[i].data, l->v[i].len);

		if (!l->slots[s])
			l->slots[s] = i + 1;
	}
}

/* Move src's certificates to dst, skipping those dst (or src before them) already holds. */
static int
move_distinct(struct der_list *dst, struct der_list *src, struct mc_error *err)
{
	for (size_t i = 0; i < src->n; i++) {
		struct der_cert *c = &src->v[i];
		size_t s;

		index_grow(dst, dst->n + 1);
		s = index_slot(dst, c->data, c->len);
		if (dst->slots[s]) {
			dst->duplicates++;
			free(c->data);
			free(c->origin);
			continue;
		}
		if (dst->n >= CERTPKG_MAX_CERTS) {
			for (size_t j = i; j < src->n; j++) {
				free(src->v[j].data);
				free(src->v[j].origin);
			}
			src->n = 0;
			der_list_release(src);
			return mc_error_set(err, MC_EINPUT, "more than %u distinct certificates in one command's input",
					    CERTPKG_MAX_CERTS);
		}
		push(dst, c->data, c->len, c->origin);
		dst->slots[s] = dst->n;
	}
	src->n = 0;
	der_list_release(src);
	return 0;
}

static int
read_file(const char *path, struct der_list *acc, struct mc_error *err)
{
	_autofree_ char *buf = NULL;
	struct der_list one = { 0 };
	size_t len = 0;
	int rc;

	rc = fileio_read(path, FILEIO_MAX_INPUT, &buf, &len, err);
	if (rc < 0)
		return rc;
	if (acc->bytes_read + len > CERTPKG_MAX_TOTAL_BYTES)
		return mc_error_set(err, MC_EINPUT, "'%s': more than %u MiB of certificate files in one command",
				    path, CERTPKG_MAX_TOTAL_BYTES / 1024u / 1024u);
	acc->bytes_read += len;
	if ((rc = certpkg_parse((const unsigned char *)buf, len, path, &one, err)) < 0)
		return rc;
	return move_distinct(acc, &one, err);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(char **names, size_t n)
{
	strv_free(names, n);
}

/* The sorted names in dir, without "." and ".."; caller frees with free_names. */
static int
list_dir(const char *dir, char ***names_out, size_t *n_out, struct mc_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, alloc = 0;

	if (!d)
		return mc_error_sys(err, "cannot open directory '%s'", dir);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 32;
			names = xreallocarray(names, alloc, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (errno != 0) {
		int rc = mc_error_sys(err, "cannot read directory '%s'", dir);

		closedir(d);
		free_names(names, n);
		return rc;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	*names_out = names;
	*n_out = n;
	return 0;
}

static int
walk_dir(const char *dir, int depth, struct der_list *acc, struct mc_error *err)
{
	char **names = NULL;
	size_t n = 0;
	int rc;

	if (depth > MAX_DEPTH)
		return mc_error_set(err, MC_EINPUT, "'%s': directories nested too deeply", dir);
	rc = list_dir(dir, &names, &n, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		_autofree_ char *child = path_join(dir, names[i]);
		struct stat st;

		if (lstat(child, &st) < 0) {
			rc = mc_error_sys(err, "cannot stat '%s'", child);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(child, depth + 1, acc, err);
			continue;
		}
		if (!has_cert_ext(names[i]))
			continue;
		/* A symlink counts when it leads to a regular file; symlinked directories are not followed. */
		if (S_ISLNK(st.st_mode) && stat(child, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode))
			continue;
		rc = read_file(child, acc, err);
	}
	free_names(names, n);
	return rc;
}

int
certpkg_read_path(const char *path, struct der_list *out, struct mc_error *err)
{
	struct der_list acc = { 0 };
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return mc_error_sys(err, "cannot open '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		/* Refuse FIFOs and devices before open() could block on them. */
		if (!S_ISREG(st.st_mode))
			return mc_error_set(err, MC_EINPUT, "'%s' is not a regular file", path);
		return read_file(path, out, err);
	}
	acc.bytes_read = out->bytes_read;
	rc = walk_dir(path, 0, &acc, err);
	if (rc == 0 && acc.n == 0 && acc.duplicates == 0 && !out->empty_dir_ok)
		rc = mc_error_set(err, MC_EINPUT, "'%s': no certificate files found", path);
	if (rc == 0) {
		out->bytes_read = acc.bytes_read;
		out->duplicates += acc.duplicates;
		rc = move_distinct(out, &acc, err);
	}
	der_list_release(&acc);
	return rc;
}

int
certpkg_load(const char *const *paths, int n, struct der_list *out, int (*then)(void *ctx, struct mc_error *err),
	     void *ctx, struct mc_error *err)
{
	int ret = 0;

	if (certdb_nodb_init(err) < 0)
		return MC_EFAIL;
	for (int i = 0; i < n && ret == 0; i++)
		ret = certpkg_read_path(paths[i], out, err);
	if (ret == 0 && then)
		ret = then(ctx, err);
	if (certdb_nodb_shutdown(ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	return ret == MC_EFAIL ? MC_EINPUT : ret;
}

int
certpkg_read_paths(char *const *paths, int n, struct der_list *out, struct mc_error *err)
{
	return certpkg_load((const char *const *)paths, n, out, NULL, NULL, err);
}
