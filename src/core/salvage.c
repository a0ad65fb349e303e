/* SPDX-License-Identifier: MPL-2.0 */
/* salvage.c: certificates and trust out of damaged cert9.db / cert8.db bytes (docs/nss-internals.md 1.5, 2.1-2.2). */
#include "salvage.h"
#include "salvage-internal.h"

#include <stdint.h>
#include <sqlite3.h>
#include <cert.h>
#include <certdb.h>
#include <pkcs11n.h>
#include <sechash.h>
#include <secasn1.h>
#include <certt.h>

#include "nss-attr.h"
#include "output.h"
#include "strbuf.h"
#include "trust.h"
#include "banned.h"

/* The trust bits that have a letter, less 'u' (NSS derives it from a private key). */
#define SALVAGE_TRUST_BITS (CERTDB_TERMINAL_RECORD | CERTDB_TRUSTED | CERTDB_SEND_WARN | CERTDB_VALID_CA | \
			    CERTDB_TRUSTED_CA | CERTDB_TRUSTED_CLIENT_CA | CERTDB_INVISIBLE_CA |           \
			    CERTDB_GOVT_APPROVED_CA)

const char *
salvage_source_name(enum salvage_source s)
{
	switch (s) {
	case SALVAGE_NSS:
		return "nss";
	case SALVAGE_SQL:
		return "sqlite";
	case SALVAGE_DBM:
		return "cert8-record";
	default:
		return "carved";
	}
}

void
salvage_init(struct salvage *s)
{
	memset(s, 0, sizeof(*s));
}

void
salvage_release(struct salvage *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].der);
		free(s->v[i].nickname);
	}
	free(s->v);
	free(s->orphans);
	memset(s, 0, sizeof(*s));
}

static int
by_sha256(const void *a, const void *b)
{
	return memcmp(((const struct salvaged_cert *)a)->sha256, ((const struct salvaged_cert *)b)->sha256, 32);
}

void
salvage_sort(struct salvage *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), by_sha256);
}

void
salvage_link_orphans(struct salvage *s)
{
	size_t kept = 0;

	/* The old form first, then the 3.2 form, which wins (sql_link's order). */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < s->norphans; k++) {
			struct salvage_orphan *o = &s->orphans[k];
			ssize_t hit = -1;

			if (o->v32 != (pass == 1))
				continue;
			for (size_t i = 0; i < s->n && hit < 0; i++) {
				unsigned char sha1[20];

				if (o->hash_len == 32) {
					if (memcmp(s->v[i].sha256, o->hash, 32) == 0)
						hit = (ssize_t)i;
				} else {
					HASH_HashBuf(HASH_AlgSHA1, sha1, s->v[i].der, (PRUint32)s->v[i].der_len);
					if (memcmp(sha1, o->hash, 20) == 0)
						hit = (ssize_t)i;
				}
			}
			if (hit < 0) {
				o->hash_len |= 0x100;  /* still an orphan: kept below */
				continue;
			}
			/* A carved certificate's trust is the row's, as NSS read it before the damage. */
			s->v[hit].trust = o->trust;
			s->v[hit].has_trust = true;
			s->v[hit].trust_source = SALVAGE_SQL;
		}
	}
	for (size_t k = 0; k < s->norphans; k++) {
		if (!(s->orphans[k].hash_len & 0x100))
			continue;
		s->orphans[k].hash_len &= 0xff;
		s->orphans[kept++] = s->orphans[k];
	}
	s->norphans = kept;
	s->trust_orphans += kept;
}

/* Length of the DER element at der (tag + length + content), or 0 when malformed or longer than len. */
static size_t
der_total(const unsigned char *der, size_t len)
{
	size_t hdr, body = 0, nlen;

	if (len < 2)
		return 0;
	if (der[1] < 0x80) {
		hdr = 2;
		body = der[1];
	} else {
		nlen = der[1] & 0x7f;
		if (nlen == 0 || nlen > 3 || len < 2 + nlen)
			return 0;
		for (size_t i = 0; i < nlen; i++)
			body = body << 8 | der[2 + i];
		hdr = 2 + nlen;
	}
	if (body > len - hdr)
		return 0;
	return hdr + body;
}

void
salvage_mask_trust(CERTCertTrust *t)
{
	t->sslFlags &= SALVAGE_TRUST_BITS;
	t->emailFlags &= SALVAGE_TRUST_BITS;
	t->objectSigningFlags &= SALVAGE_TRUST_BITS;
}

ssize_t
salvage_find(const struct salvage *s, const unsigned char *der, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].der_len == len && memcmp(s->v[i].der, der, len) == 0)
			return (ssize_t)i;
	return -1;
}

/* Decode with NSS's certificate template; true when der is exactly one certificate. */
static bool
nss_decodes(const unsigned char *der, size_t len, bool *is_ca)
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};
	CERTCertificate cert;
	PLArenaPool *arena;
	SECStatus rv;

	*is_ca = false;
	if (len < 16 || len > 0xffffff || der[0] != 0x30 || der_total(der, len) != len)
		return false;
	arena = PORT_NewArena(DER_DEFAULT_CHUNKSIZE);
	if (!arena)
		abort();
	memset(&cert, 0, sizeof(cert));
	rv = SEC_QuickDERDecodeItem(arena, &cert, SEC_ASN1_GET(SEC_SignedCertificateTemplate), &item);
	/* basicConstraints (2.5.29.19): SEQUENCE { BOOLEAN cA DEFAULT FALSE, ... } */
	for (CERTCertExtension **e = rv == SECSuccess ? cert.extensions : NULL; e && *e; e++) {
		const SECItem *id = &(*e)->id, *v = &(*e)->value;

		if (id->len == 3 && id->data[0] == 0x55 && id->data[1] == 0x1d && id->data[2] == 0x13 &&
		    v->len >= 5 && v->data[0] == 0x30 && v->data[2] == 0x01 && v->data[3] == 0x01 && v->data[4] != 0)
			*is_ca = true;
	}
	PORT_FreeArena(arena, PR_FALSE);
	return rv == SECSuccess;
}

/*
 * A nickname as read from the damaged bytes: none when it holds a control
 * character or is not UTF-8 (overwritten bytes; NSS then derives one), or
 * is only blanks.
 */
static char *
clean_nickname(const char *nick)
{
	bool blank = true;

	if (!nick || !*nick || !output_utf8_valid(nick, strlen(nick)))
		return NULL;
	for (const unsigned char *c = (const unsigned char *)nick; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			return NULL;
		blank = blank && *c == ' ';
	}
	return blank ? NULL : xstrdup(nick);
}

int
salvage_add_cert(struct salvage *s, const unsigned char *der, size_t len, const char *nickname,
		 const CERTCertTrust *trust, enum salvage_source src, bool count_reject)
{
	struct salvaged_cert *c;
	ssize_t at = salvage_find(s, der, len);
	bool is_ca = false;

	if (at >= 0) {
		c = &s->v[at];
		if (!c->has_trust && trust) {
			c->trust = *trust;
			salvage_mask_trust(&c->trust);
			c->has_trust = true;
			c->trust_source = src;
		} else if (trust && c->trust_source == src) {
			/*
			 * One source showing the certificate twice (NSS lists a certificate
			 * stored under two object ids in an order of its own): the same
			 * answer whatever the order, the one with trust set.
			 */
			CERTCertTrust t = *trust;

			salvage_mask_trust(&t);
			if (memcmp(&t, &c->trust, sizeof(t)) > 0)
				c->trust = t;
		}
		if (!c->nickname) {
			c->nickname = clean_nickname(nickname);
		} else if (c->source == src) {
			char *clean = clean_nickname(nickname);

			if (clean && strcmp(clean, c->nickname) < 0) {
				free(c->nickname);
				c->nickname = clean;
				clean = NULL;
			}
			free(clean);
		}
		return 0;
	}
	if (!nss_decodes(der, len, &is_ca)) {
		if (count_reject)
			s->rejected++;
		return -1;
	}
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 32;
		s->v = xreallocarray(s->v, s->alloc, sizeof(*s->v));
	}
	c = &s->v[s->n++];
	memset(c, 0, sizeof(*c));
	c->der = xmalloc(len);
	memcpy(c->der, der, len);
	c->der_len = len;
	HASH_HashBuf(HASH_AlgSHA256, c->sha256, der, (PRUint32)len);
	c->nickname = clean_nickname(nickname);
	c->is_ca = is_ca;
	c->source = src;
	c->trust_source = src;
	if (trust) {
		c->trust = *trust;
		salvage_mask_trust(&c->trust);
		c->has_trust = true;
	}
	return 1;
}

int
salvage_add(struct salvage *s, const unsigned char *der, size_t len, const char *nickname,
	    const CERTCertTrust *trust, enum salvage_source src)
{
	return salvage_add_cert(s, der, len, nickname, trust, src, true);
}

static unsigned
nss_trust_bits(unsigned long v)
{
	switch (v) {
	case CKT_NSS_TRUSTED:
		return CERTDB_TERMINAL_RECORD | CERTDB_TRUSTED;
	case CKT_NSS_TRUSTED_DELEGATOR:
		return CERTDB_VALID_CA | CERTDB_TRUSTED_CA;
	case CKT_NSS_NOT_TRUSTED:
		return CERTDB_TERMINAL_RECORD;
	case CKT_NSS_VALID_DELEGATOR:
		return CERTDB_VALID_CA;
	default:
		return 0;
	}
}

void
salvage_trust_from_nss(unsigned long server, unsigned long client, unsigned long code,
		       unsigned long email, bool step_up, CERTCertTrust *out)
{
	unsigned c = nss_trust_bits(client);

	memset(out, 0, sizeof(*out));
	out->sslFlags = nss_trust_bits(server);
	if (c & CERTDB_TRUSTED_CA) {
		c &= ~CERTDB_TRUSTED_CA;
		out->sslFlags |= CERTDB_TRUSTED_CLIENT_CA;
	}
	out->sslFlags |= c;
	out->emailFlags = nss_trust_bits(email);
	out->objectSigningFlags = nss_trust_bits(code);
	if (step_up)
		out->sslFlags |= CERTDB_GOVT_APPROVED_CA;
}
