/* SPDX-License-Identifier: MPL-2.0 */
/*
 * verify.c: the chain the application builds for a server certificate, and
 * what it objects to. mozilla::pkix's rules, as NSSCertDBTrustDomain applies
 * them: a certificate is a trust anchor when its SSL trust has C (Firefox 153
 * anchors a server certificate trusted C too, but not one trusted only P); a
 * terminal record (p) without C (for a CA) or P (for the server's) is
 * distrust. Trust comes from the caller (certdb_list: the form NSS 3.125
 * reads wins), not from the system NSS, which cannot see PKCS#11 3.2 trust.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <prnetdb.h>
#include <cert.h>
#include <certdb.h>
#include <pk11pub.h>
#include <secder.h>
#include <secoid.h>
#include <sechash.h>

#include "strbuf.h"
#include "tls-fetch.h"
#include "verify.h"
#include "banned.h"

struct cand {
	CERTCertificate *c;
	enum verify_source src;
	char trust[TRUST_STR_MAX];
	char *nickname;
	unsigned char sha[32];
};

struct pool {
	struct cand *v;
	size_t n, alloc;
};

static void
pool_release(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++) {
		CERT_DestroyCertificate(p->v[i].c);
		free(p->v[i].nickname);
	}
	free(p->v);
}

static struct cand *
pool_find(struct pool *p, const unsigned char sha[32])
{
	for (size_t i = 0; i < p->n; i++)
		if (memcmp(p->v[i].sha, sha, 32) == 0)
			return &p->v[i];
	return NULL;
}

/* Take c (a reference) into the pool; a certificate already there is dropped (the first source wins). */
static struct cand *
pool_add(struct pool *p, CERTCertificate *c, enum verify_source src, const char *trust, const char *nick)
{
	unsigned char sha[32];
	struct cand *e;

	if (PK11_HashBuf(SEC_OID_SHA256, sha, c->derCert.data, (PRInt32)c->derCert.len) != SECSuccess ||
	    (e = pool_find(p, sha))) {
		CERT_DestroyCertificate(c);
		return NULL;
	}
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 16;
		p->v = xreallocarray(p->v, p->alloc, sizeof(*p->v));
	}
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->c = c;
	e->src = src;
	snprintf(e->trust, sizeof(e->trust), "%s", trust ? trust : "");
	e->nickname = nick ? xstrdup(nick) : NULL;
	memcpy(e->sha, sha, 32);
	return e;
}

static bool
is_builtin(CERTCertificate *c)
{
	PK11SlotList *slots = PK11_GetAllSlotsForCert(c, NULL);
	bool found = false;

	for (PK11SlotListElement *le = slots ? slots->head : NULL; le && !found; le = le->next)
		found = PK11_HasRootCerts(le->slot);
	if (slots)
		PK11_FreeSlotList(slots);
	return found;
}

/*
 * Add the certificates of loaded modules (built-in roots) whose subject is
 * subject. A store certificate without trust of its own that a built-in
 * module also holds takes the module's trust, as NSS merges them.
 */
static void
pool_add_builtins(struct pool *p, SECItem *subject, PRTime now)
{
	CERTCertList *l = CERT_CreateSubjectCertList(NULL, CERT_GetDefaultCertDB(), subject, now, PR_FALSE);

	for (CERTCertListNode *nd = l ? CERT_LIST_HEAD(l) : NULL; nd && !CERT_LIST_END(nd, l);
	     nd = CERT_LIST_NEXT(nd)) {
		CERTCertTrust t;
		char ts[TRUST_STR_MAX];
		unsigned char sha[32];
		struct cand *have;

		if (!is_builtin(nd->cert) || CERT_GetCertTrust(nd->cert, &t) != SECSuccess)
			continue;
		trust_format(&t, ts);
		if (PK11_HashBuf(SEC_OID_SHA256, sha, nd->cert->derCert.data, (PRInt32)nd->cert->derCert.len) !=
		    SECSuccess)
			continue;
		if ((have = pool_find(p, sha))) {
			if (have->src == VSRC_STORE && (streq(have->trust, ",,") || !have->trust[0]))
				snprintf(have->trust, sizeof(have->trust), "%s", ts);
			continue;
		}
		pool_add(p, CERT_DupCertificate(nd->cert), VSRC_BUILTIN, ts, nd->cert->nickname);
	}
	if (l)
		CERT_DestroyCertList(l);
}

/* The SSL column's flags of a trust string ("" = none). */
static unsigned
ssl_flags(const char *trust)
{
	CERTCertTrust t;

	if (!trust[0] || trust_parse(trust, &t, NULL) < 0)
		return 0;
	return t.sslFlags;
}

static bool
self_issued(const CERTCertificate *c)
{
	return SECITEM_ItemsAreEqual(&c->derSubject, &c->derIssuer);
}

static bool
md5_signed(const CERTCertificate *c)
{
	SECOidTag alg = SECOID_GetAlgorithmTag(&c->signature);

	return alg == SEC_OID_PKCS1_MD5_WITH_RSA_ENCRYPTION || alg == SEC_OID_PKCS1_MD2_WITH_RSA_ENCRYPTION;
}

static bool
signed_by(const CERTCertificate *c, const CERTCertificate *issuer)
{
	return CERT_VerifySignedDataWithPublicKeyInfo((CERTSignedData *)&c->signatureWrap,
						      (CERTSubjectPublicKeyInfo *)&issuer->subjectPublicKeyInfo,
						      NULL) == SECSuccess;
}

static bool
self_signed(const CERTCertificate *c)
{
	return self_issued(c) && (md5_signed(c) || signed_by(c, c));
}

static bool
sha1_signed(const CERTCertificate *c)
{
	switch (SECOID_GetAlgorithmTag(&c->signature)) {
	case SEC_OID_PKCS1_SHA1_WITH_RSA_ENCRYPTION:
	case SEC_OID_ISO_SHA_WITH_RSA_SIGNATURE:
	case SEC_OID_ISO_SHA1_WITH_RSA_SIGNATURE:
	case SEC_OID_ANSIX962_ECDSA_SHA1_SIGNATURE:
	case SEC_OID_ANSIX9_DSA_SIGNATURE_WITH_SHA1_DIGEST:
	case SEC_OID_BOGUS_DSA_SIGNATURE_WITH_SHA1_DIGEST:
		return true;
	default:
		return false;
	}
}

/* "MD5", "MD2", "SHA-1" for a signature the application refuses (or accepts only with the MD5 pref), else NULL. */
static const char *
weak_signature(const CERTCertificate *c)
{
	if (sha1_signed(c))
		return "SHA-1";
	if (md5_signed(c))
		return SECOID_GetAlgorithmTag(&c->signature) == SEC_OID_PKCS1_MD2_WITH_RSA_ENCRYPTION ? "MD2" : "MD5";
	return NULL;
}

/* basicConstraints: cA (-1 when the extension is absent) and the path length limit (-1: none). */
static int
basic_constraints(CERTCertificate *c, int *pathlen)
{
	CERTBasicConstraints bc;
	SECItem ext = {siBuffer, NULL, 0};
	int ret;

	*pathlen = -1;
	if (CERT_FindCertExtension(c, SEC_OID_X509_BASIC_CONSTRAINTS, &ext) != SECSuccess)
		return -1;
	ret = CERT_DecodeBasicConstraintValue(&bc, &ext) == SECSuccess && bc.isCA;
	if (ret && bc.pathLenConstraint >= 0)
		*pathlen = bc.pathLenConstraint;
	SECITEM_FreeItem(&ext, PR_FALSE);
	return ret;
}

/* extendedKeyUsage: 1 when absent or naming serverAuth (step-up for a CA), 0 otherwise; *ocsp for OCSPSigning. */
static int
eku_allows_server(CERTCertificate *c, bool ca, bool *ocsp)
{
	SECItem ext = {siBuffer, NULL, 0};
	CERTOidSequence *seq;
	int ok = 0;

	*ocsp = false;
	if (CERT_FindCertExtension(c, SEC_OID_X509_EXT_KEY_USAGE, &ext) != SECSuccess)
		return 1;
	if ((seq = CERT_DecodeOidSequence(&ext))) {
		for (SECItem **o = seq->oids; o && *o; o++) {
			SECOidTag t = SECOID_FindOIDTag(*o);

			if (t == SEC_OID_EXT_KEY_USAGE_SERVER_AUTH || (ca && t == SEC_OID_NS_KEY_USAGE_GOVT_APPROVED))
				ok = 1;
			else if (t == SEC_OID_OCSP_RESPONDER)
				*ocsp = true;
		}
		CERT_DestroyOidSequence(seq);
	}
	SECITEM_FreeItem(&ext, PR_FALSE);
	return ok;
}

static bool
is_v1(const CERTCertificate *c)
{
	return c->version.len == 0 || DER_GetInteger(&c->version) == 0;
}

/* Error names, as the application shows them. */
#define E_UNKNOWN_ISSUER "SEC_ERROR_UNKNOWN_ISSUER"
#define E_UNTRUSTED_CERT "SEC_ERROR_UNTRUSTED_CERT"
#define E_UNTRUSTED_ISSUER "SEC_ERROR_UNTRUSTED_ISSUER"
#define E_EXPIRED "SEC_ERROR_EXPIRED_CERTIFICATE"
#define E_EXPIRED_ISSUER "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE"
#define E_NOT_YET "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE"
#define E_NOT_YET_ISSUER "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE"
#define E_SELF_SIGNED "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT"
#define E_BAD_DOMAIN "SSL_ERROR_BAD_CERT_DOMAIN"
#define E_CA_INVALID "SEC_ERROR_CA_CERT_INVALID"
#define E_V1_CA "MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA"
#define E_CA_AS_EE "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY"
#define E_PATH_LEN "SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID"
#define E_KEY_USAGE "SEC_ERROR_INADEQUATE_KEY_USAGE"
#define E_CERT_TYPE "SEC_ERROR_INADEQUATE_CERT_TYPE"
#define E_BAD_SIGNATURE "SEC_ERROR_BAD_SIGNATURE"
#define E_ALG_DISABLED "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED"
#define E_INVALID_TIME "SEC_ERROR_INVALID_TIME"
#define E_NOT_IN_NAME_SPACE "SEC_ERROR_CERT_NOT_IN_NAME_SPACE"
#define E_UNKNOWN_CRIT "SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION"
#define E_POLICY "MOZILLA_PKIX_ERROR_ADDITIONAL_POLICY_CONSTRAINT_FAILED"

/* pkix refuses a certificate with a critical extension it does not process (BackCert::Init). */
static const char *
unknown_critical(const CERTCertificate *c)
{
	static const SECOidTag known[] = {
		SEC_OID_X509_KEY_USAGE, SEC_OID_X509_SUBJECT_ALT_NAME, SEC_OID_X509_BASIC_CONSTRAINTS,
		SEC_OID_X509_NAME_CONSTRAINTS, SEC_OID_X509_CERTIFICATE_POLICIES, SEC_OID_X509_POLICY_CONSTRAINTS,
		SEC_OID_X509_EXT_KEY_USAGE, SEC_OID_X509_INHIBIT_ANY_POLICY, SEC_OID_X509_AUTH_INFO_ACCESS,
		SEC_OID_X509_SUBJECT_KEY_ID, SEC_OID_X509_AUTH_KEY_ID,
	};
	/* id-pe-tlsfeature (1.3.6.1.5.5.7.1.24) and the embedded SCT list (1.3.6.1.4.1.11129.2.4.2): no NSS tag */
	static const unsigned char tlsfeature[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x18};
	static const unsigned char sct[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02};

	for (CERTCertExtension **e = c->extensions; e && *e; e++) {
		SECOidTag t;
		bool ok = false;

		if (!(*e)->critical.len || !(*e)->critical.data[0])
			continue;
		t = SECOID_FindOIDTag(&(*e)->id);
		for (size_t i = 0; i < ARRAY_SIZE(known) && !ok; i++)
			ok = t == known[i];
		ok |= ((*e)->id.len == sizeof(tlsfeature) && !memcmp((*e)->id.data, tlsfeature, sizeof(tlsfeature))) ||
		      ((*e)->id.len == sizeof(sct) && !memcmp((*e)->id.data, sct, sizeof(sct)));
		if (!ok)
			return E_UNKNOWN_CRIT;
	}
	return NULL;
}

/* What Firefox lets a security exception override (CategorizeCertificateError). */
static bool
overridable(const char *code)
{
	static const char *const ok[] = {
		E_CA_INVALID, E_ALG_DISABLED, E_EXPIRED_ISSUER, E_UNKNOWN_ISSUER, E_CA_AS_EE, E_NOT_YET_ISSUER,
		E_SELF_SIGNED, E_V1_CA, E_BAD_DOMAIN, E_EXPIRED, E_INVALID_TIME, E_NOT_YET,
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (streq(code, ok[i]))
			return true;
	return false;
}

/* mozilla::pkix allows 6 sub-CAs: server, 6 intermediates, root. */
#define MAX_SUB_CA 6
#define MAX_PATH (MAX_SUB_CA + 2)
/* Calls of forward() per verification, as pkix's buildForwardCallBudget (which is 200,000). */
#define CALL_BUDGET 20000

struct build {
	struct pool *p;
	PRTime now;
	bool md5_ok;
	unsigned budget;
	size_t path[MAX_PATH];   /* pool indices, the server certificate first */
	size_t n_path;           /* the chain found, when forward() succeeded */
	size_t best[MAX_PATH];   /* the longest path tried, shown when none succeeds */
	size_t n_best;
	size_t missing;          /* depth in best whose issuer no certificate names; SIZE_MAX when none */
};

/*
 * pkix's CheckIssuerIndependentProperties, in its order (trust, key usage,
 * basic constraints, extended key usage, validity); *anchor when the
 * certificate is trusted for servers (C).
 */
static const char *
independent(const struct cand *c, bool ee, unsigned sub_ca, PRTime now, bool *anchor)
{
	unsigned f = ssl_flags(c->trust);
	unsigned relevant = ee ? CERTDB_TRUSTED : CERTDB_TRUSTED_CA;
	int pathlen, ca;
	bool ocsp, is_ca;
	SECCertTimeValidity v;

	*anchor = false;
	if ((f & (relevant | CERTDB_TERMINAL_RECORD)) == CERTDB_TERMINAL_RECORD)
		return E_UNTRUSTED_CERT;
	/* Firefox 153 takes C for an anchor even on the server certificate (measured); P is not enough */
	*anchor = f & CERTDB_TRUSTED_CA;
	if (c->c->keyUsagePresent &&
	    !(c->c->rawKeyUsage & (ee ? (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT) : KU_KEY_CERT_SIGN)))
		return E_KEY_USAGE;
	ca = basic_constraints(c->c, &pathlen);
	is_ca = ca == 1 || (ca < 0 && !ee && *anchor && is_v1(c->c));
	if (ee && is_ca)
		return E_CA_AS_EE;
	if (!ee && !is_ca)
		return ca < 0 && is_v1(c->c) ? E_V1_CA : E_CA_INVALID;
	if (!ee && pathlen >= 0 && sub_ca > (unsigned)pathlen)
		return E_PATH_LEN;
	if (!eku_allows_server(c->c, !ee, &ocsp) || (ee && ocsp))
		return E_CERT_TYPE;
	v = CERT_CheckCertValidTimes(c->c, now, PR_FALSE);
	if (v == secCertTimeExpired)
		return E_EXPIRED;
	if (v == secCertTimeNotValidYet)
		return E_NOT_YET;
	if (v != secCertTimeValid)
		return E_INVALID_TIME;
	return NULL;
}

/* pkix's RecordResult: an issuer's own error names the issuer; several different errors become unknown issuer. */
static void
record(const char **result, bool *set, const char *r)
{
	if (streq(r, E_UNTRUSTED_CERT))
		r = E_UNTRUSTED_ISSUER;
	else if (streq(r, E_EXPIRED))
		r = E_EXPIRED_ISSUER;
	else if (streq(r, E_NOT_YET))
		r = E_NOT_YET_ISSUER;
	if (*set && r && !streq(r, *result))
		r = E_UNKNOWN_ISSUER;
	*result = r;
	*set = true;
}

static bool
same_key_and_name(const CERTCertificate *a, const CERTCertificate *b)
{
	return SECITEM_ItemsAreEqual(&a->derSubject, &b->derSubject) &&
	       SECITEM_ItemsAreEqual(&a->derPublicKey, &b->derPublicKey);
}

/* The names of the certificates below the issuer at pool index issuer (path[0..depth]) are within its nameConstraints. */
static bool
names_permitted(struct build *b, size_t issuer, size_t depth)
{
	PLArenaPool *arena = PORT_NewArena(2048);
	CERTNameConstraints *nc = NULL;
	bool ok = true;

	if (!arena)
		return true;
	if (CERT_FindNameConstraintsExten(arena, b->p->v[issuer].c, &nc) != SECSuccess || !nc) {
		PORT_FreeArena(arena, PR_FALSE);
		return true;
	}
	for (size_t d = 0; d <= depth && ok; d++) {
		CERTCertificate *c = b->p->v[b->path[d]].c;
		SECItem san = {siBuffer, NULL, 0};
		bool has_san = CERT_FindCertExtension(c, SEC_OID_X509_SUBJECT_ALT_NAME, &san) == SECSuccess;
		/* the server certificate's CN counts as a host name only when it has no subjectAltName */
		CERTGeneralName *names = CERT_GetConstrainedCertificateNames(c, arena, d == 0 && !has_san);
		CERTGeneralName *n = names;

		SECITEM_FreeItem(&san, PR_FALSE);
		if (!names)
			continue;
		do {
			ok = CERT_CheckNameSpace(arena, nc, n) == SECSuccess;
			n = CERT_GetNextGeneralName(n);
		} while (ok && n && n != names);
	}
	PORT_FreeArena(arena, PR_FALSE);
	return ok;
}

/* One DNS pattern of a subjectAltName against a host name: case-insensitive; '*' only as the whole first label. */
static bool
dns_matches(const char *pat, size_t len, const char *host)
{
	const char *dot;

	if (len >= 2 && pat[0] == '*' && pat[1] == '.') {
		/* "*.b.c": at least two labels after the wildcard, and the host's first label non-empty */
		if (!memchr(pat + 2, '.', len - 2) || memchr(pat + 1, '*', len - 1) || !(dot = strchr(host, '.')) ||
		    dot == host)
			return false;
		return strlen(dot) == len - 1 && strncasecmp(dot, pat + 1, len - 1) == 0;
	}
	return !memchr(pat, '*', len) && strlen(host) == len && strncasecmp(host, pat, len) == 0;
}

/*
 * Whether the server certificate is valid for host as mozilla::pkix checks
 * it: subjectAltName dNSName or iPAddress entries only, never the subject's
 * CN; an IP address matches iPAddress entries only.
 */
static bool
name_matches(CERTCertificate *c, const char *host)
{
	SECItem ext = {siBuffer, NULL, 0};
	PLArenaPool *arena;
	CERTGeneralName *names, *n;
	PRNetAddr addr;
	unsigned char ip[16];
	size_t iplen = 0;
	bool ok = false;

	if (PR_StringToNetAddr(host, &addr) == PR_SUCCESS) {
		if (addr.raw.family == PR_AF_INET) {
			memcpy(ip, &addr.inet.ip, 4);
			iplen = 4;
		} else if (addr.raw.family == PR_AF_INET6) {
			memcpy(ip, &addr.ipv6.ip, 16);
			iplen = 16;
		}
	}
	if (CERT_FindCertExtension(c, SEC_OID_X509_SUBJECT_ALT_NAME, &ext) != SECSuccess)
		return false;
	if ((arena = PORT_NewArena(1024)) && (names = CERT_DecodeAltNameExtension(arena, &ext))) {
		n = names;
		do {
			if (n->type == certDNSName && !iplen)
				ok = dns_matches((const char *)n->name.other.data, n->name.other.len, host);
			else if (n->type == certIPAddress && iplen)
				ok = n->name.other.len == iplen && memcmp(n->name.other.data, ip, iplen) == 0;
			n = CERT_GetNextGeneralName(n);
		} while (!ok && n && n != names);
	}
	if (arena)
		PORT_FreeArena(arena, PR_FALSE);
	SECITEM_FreeItem(&ext, PR_FALSE);
	return ok;
}

/*
 * pkix's BuildForward from the certificate at pool index idx, depth 0 being
 * the server's: depth first over every certificate whose subject is its
 * issuer (trust anchors first), the issuer's own path before its signature,
 * an error of the server certificate deferred until a path is found.
 * Returns NULL when a path reaches a trust anchor, else the error.
 */
static const char *
forward(struct build *b, size_t idx, size_t depth, unsigned sub_ca)
{
	const char *deferred = NULL, *err, *result = NULL;
	bool anchor, set = false;
	size_t cands[64], n = 0;

	b->path[depth] = idx;
	if (depth + 1 > b->n_best) {
		memcpy(b->best, b->path, (depth + 1) * sizeof(*b->path));
		b->n_best = depth + 1;
		b->missing = SIZE_MAX;
	}
	if ((err = unknown_critical(b->p->v[idx].c)))
		return err;
	err = independent(&b->p->v[idx], depth == 0, sub_ca, b->now, &anchor);
	if (err) {
		if (depth || anchor)
			return err;
		deferred = err;
	}
	if (anchor) {
		b->n_path = depth + 1;
		return NULL;
	}
	if (depth) {
		if (sub_ca >= MAX_SUB_CA)
			return E_UNKNOWN_ISSUER;
		sub_ca++;
	}
	pool_add_builtins(b->p, &b->p->v[idx].c->derIssuer, b->now);
	/* anchors first, then the others, each in pool order (the file's, the store's, built-in) */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < b->p->n && n < ARRAY_SIZE(cands); i++) {
			const struct cand *c = &b->p->v[i];
			bool is_anchor = ssl_flags(c->trust) & CERTDB_TRUSTED_CA;

			if (SECITEM_ItemsAreEqual(&c->c->derSubject, &b->p->v[idx].c->derIssuer) &&
			    is_anchor == (pass == 0))
				cands[n++] = i;
		}
	if (!n) {
		if (depth + 1 == b->n_best && b->best[depth] == idx)
			b->missing = depth;
		return E_UNKNOWN_ISSUER;
	}
	for (size_t k = 0; k < n; k++) {
		const struct cand *issuer = &b->p->v[cands[k]];
		const CERTCertificate *subject = b->p->v[idx].c;
		bool loop = false;
		const char *r;

		for (size_t d = 0; d <= depth; d++)
			loop |= same_key_and_name(issuer->c, b->p->v[b->path[d]].c);
		if (loop) {
			record(&result, &set, E_UNKNOWN_ISSUER);
			continue;
		}
		if (!names_permitted(b, cands[k], depth)) {
			record(&result, &set, E_NOT_IN_NAME_SPACE);
			continue;
		}
		if (!b->budget) {
			record(&result, &set, E_UNKNOWN_ISSUER);
			break;
		}
		b->budget--;
		r = forward(b, cands[k], depth + 1, sub_ca);
		if (!r) {
			/* pkix checks the signature after the issuer's path; MD5 and SHA-1 are refused outright */
			if ((md5_signed(subject) && !b->md5_ok) || sha1_signed(subject))
				return E_ALG_DISABLED;
			if (!md5_signed(subject) && !signed_by(subject, b->p->v[cands[k]].c))
				r = E_BAD_SIGNATURE;
		}
		record(&result, &set, r);
		if (!r)
			return deferred;
		b->path[depth] = idx; /* the failed branch may have been longer */
	}
	return set ? result : E_UNKNOWN_ISSUER;
}

static void
problem(struct verify_result *r, const char *code, size_t at, bool primary, const char *fmt, ...)
	_printf_(5, 6);

static void
problem(struct verify_result *r, const char *code, size_t at, bool primary, const char *fmt, ...)
{
	struct verify_problem *p;
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->problems = xreallocarray(r->problems, r->n_problems + 1, sizeof(*r->problems));
	p = &r->problems[r->n_problems++];
	p->code = code;
	p->at = at;
	p->primary = primary;
	p->overridable = overridable(code);
	p->detail = xstrdup(buf);
}

static void
link_add(struct verify_result *r, const struct cand *c, bool anchor)
{
	struct verify_link *l;
	_autofree_ char *hex = hex_encode(c->sha, 32, true);

	r->chain = xreallocarray(r->chain, r->n_chain + 1, sizeof(*r->chain));
	l = &r->chain[r->n_chain++];
	memset(l, 0, sizeof(*l));
	l->src = c->src;
	snprintf(l->trust, sizeof(l->trust), "%s", c->trust);
	l->nickname = c->nickname ? xstrdup(c->nickname) : NULL;
	l->subject = xstrdup(c->c->subjectName ? c->c->subjectName : "");
	l->issuer = xstrdup(c->c->issuerName ? c->c->issuerName : "");
	snprintf(l->sha256_hex, sizeof(l->sha256_hex), "%s", hex);
	CERT_GetCertTimes(c->c, &l->not_before, &l->not_after);
	l->anchor = anchor;
	l->weak_sig = weak_signature(c->c);
	l->der = xmalloc(c->c->derCert.len ? c->c->derCert.len : 1);
	memcpy(l->der, c->c->derCert.data, c->c->derCert.len);
	l->der_len = c->c->derCert.len;
}

/* The caIssuers URL of c's authorityInfoAccess, or NULL. */
static char *
ca_issuers_url(CERTCertificate *c)
{
	SECItem ext = {siBuffer, NULL, 0};
	PLArenaPool *arena;
	CERTAuthInfoAccess **aia;
	char *url = NULL;

	if (CERT_FindCertExtension(c, SEC_OID_X509_AUTH_INFO_ACCESS, &ext) != SECSuccess)
		return NULL;
	if ((arena = PORT_NewArena(1024)) && (aia = CERT_DecodeAuthInfoAccessExtension(arena, &ext)))
		for (; *aia && !url; aia++)
			if (SECOID_FindOIDTag(&(*aia)->method) == SEC_OID_PKIX_CA_ISSUERS &&
			    (*aia)->location && (*aia)->location->type == certURI)
				url = xstrndup((const char *)(*aia)->location->name.other.data,
					       (*aia)->location->name.other.len);
	if (arena)
		PORT_FreeArena(arena, PR_FALSE);
	SECITEM_FreeItem(&ext, PR_FALSE);
	return url;
}

/* Where in the shown chain the error lies: the first certificate that shows it, else the last. */
static size_t
error_at(const struct verify_result *r, const struct build *b, const char *code, PRTime now)
{
	/* a weak signature is the signed certificate's: the root's own is never checked */
	for (size_t i = 0; streq(code, E_ALG_DISABLED) && i + 1 < r->n_chain; i++)
		if (r->chain[i].weak_sig && !(b->md5_ok && !streq(r->chain[i].weak_sig, "SHA-1")))
			return i;
	for (size_t i = 0; i < r->n_chain; i++) {
		const struct cand *c = &b->p->v[(b->n_path ? b->path : b->best)[i]];
		bool anchor;
		const char *e = independent(c, i == 0, 0, now, &anchor);

		if (e && (streq(e, code) || (i && ((streq(e, E_UNTRUSTED_CERT) && streq(code, E_UNTRUSTED_ISSUER)) ||
						     (streq(e, E_EXPIRED) && streq(code, E_EXPIRED_ISSUER)) ||
						     (streq(e, E_NOT_YET) && streq(code, E_NOT_YET_ISSUER))))))
			return i;
	}
	return r->n_chain ? r->n_chain - 1 : 0;
}

static const char *
describe(const char *code)
{
	static const struct { const char *code, *text; } d[] = {
		{E_UNKNOWN_ISSUER, "no chain to a trusted root: an issuer is missing or the root is not trusted"},
		{E_SELF_SIGNED, "the certificate is self-signed and not trusted"},
		{E_UNTRUSTED_CERT, "the certificate is distrusted in the store"},
		{E_UNTRUSTED_ISSUER, "an issuer certificate is distrusted in the store"},
		{E_EXPIRED, "the certificate has expired"},
		{E_EXPIRED_ISSUER, "an issuer certificate has expired"},
		{E_NOT_YET, "the certificate is not valid yet"},
		{E_NOT_YET_ISSUER, "an issuer certificate is not valid yet"},
		{E_CA_INVALID, "an issuer certificate is not a CA certificate"},
		{E_V1_CA, "an X.509 v1 certificate that is not a trust anchor acts as a CA"},
		{E_CA_AS_EE, "the certificate is a CA certificate, sent as a server's"},
		{E_PATH_LEN, "the chain has more CAs than an issuer's path length limit allows"},
		{E_KEY_USAGE, "a certificate's key usage does not allow this use"},
		{E_CERT_TYPE, "a certificate's extended key usage does not allow TLS servers"},
		{E_BAD_SIGNATURE, "a certificate's signature does not verify with its issuer's key"},
		{E_ALG_DISABLED, "a certificate is signed with MD5 or SHA-1, which the application rejects"},
		{E_INVALID_TIME, "a validity period cannot be read"},
		{E_NOT_IN_NAME_SPACE, "a name of the certificate is outside an issuer's name constraints"},
		{E_UNKNOWN_CRIT, "a certificate has a critical extension the application does not know"},
		{E_POLICY, "the chain ends at a Symantec root the application distrusts for servers, and no "
			   "exempt (Apple, Google, DigiCert) intermediate is in it"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (streq(code, d[i].code))
			return d[i].text;
	return "rejected";
}

/* Decode the certificates given into the pool, then the store's (a certificate of both has the store's trust). */
static int
load_pool(struct pool *p, const struct der_list *certs, const struct cert_info *store, size_t n_store,
	  struct mc_error *err)
{
	for (size_t i = 0; i < certs->n; i++) {
		CERTCertificate *c = certdb_decode(certs->v[i].data, certs->v[i].len);

		if (!c)
			return mc_error_nss(err, "%s: cannot decode certificate %zu", certs->v[i].origin, i + 1);
		pool_add(p, c, VSRC_FILE, "", NULL);
	}
	for (size_t i = 0; i < n_store; i++) {
		CERTCertificate *c = certdb_decode(store[i].der, store[i].der_len);
		struct cand *have;

		if (!c)
			continue;
		if ((have = pool_find(p, store[i].sha256)) && have->src == VSRC_FILE) {
			have->src = VSRC_STORE;
			snprintf(have->trust, sizeof(have->trust), "%s", store[i].trust);
			free(have->nickname);
			have->nickname = store[i].nickname ? xstrdup(store[i].nickname) : NULL;
			CERT_DestroyCertificate(c);
			continue;
		}
		pool_add(p, c, VSRC_STORE, store[i].trust, store[i].nickname);
	}
	return 0;
}

static void
utc(PRTime t, char out[32])
{
	time_t secs = (time_t)(t / PR_USEC_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, 32, "?");
}

/* The server certificate's names, its validity at now, its CN. */
static void
leaf_facts(struct verify_result *out, CERTCertificate *leaf, PRTime now)
{
	char *cn = CERT_GetCommonName(&leaf->subject);

	tlsfetch_san_names(leaf, &out->names, &out->n_names);
	out->leaf_cn = cn ? xstrdup(cn) : NULL;
	for (char *c = out->leaf_cn; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?'; /* printed in a message */
	if (cn)
		PORT_Free(cn);
	out->now = now;
	switch (CERT_CheckCertValidTimes(leaf, now, PR_FALSE)) {
	case secCertTimeValid:
		break;
	case secCertTimeNotValidYet:
		out->leaf_time = -1;
		break;
	default:
		out->leaf_time = 1;
	}
}

/* A problem with the facts that go with it: the names for a mismatch, the dates, the algorithm. */
static void
problem_detail(struct verify_result *r, const char *code, size_t at, bool primary, const char *host)
{
	const struct verify_link *l = at < r->n_chain ? &r->chain[at] : NULL;
	char nb[32], na[32];

	if (streq(code, E_BAD_DOMAIN)) {
		struct strbuf sb;
		_autofree_ char *names = NULL;

		strbuf_init(&sb);
		for (size_t i = 0; i < r->n_names; i++)
			strbuf_addf(&sb, "%s%s", i ? ", " : "", r->names[i]);
		names = strbuf_detach(&sb, NULL);
		if (r->n_names)
			problem(r, code, at, primary, "the certificate is not valid for the name '%s': it is valid for %s",
				host, names);
		else
			problem(r, code, at, primary, "the certificate is not valid for the name '%s': it has no "
				"subjectAltName%s%s%s", host, r->leaf_cn ? ", and its subject CN '" : "",
				r->leaf_cn ? r->leaf_cn : "", r->leaf_cn ? "' is never taken for a name" : "");
		return;
	}
	if (l && (streq(code, E_EXPIRED) || streq(code, E_EXPIRED_ISSUER) || streq(code, E_NOT_YET) ||
		  streq(code, E_NOT_YET_ISSUER))) {
		utc(l->not_before, nb);
		utc(l->not_after, na);
		problem(r, code, at, primary, "%s: valid from %s to %s", describe(code), nb, na);
		return;
	}
	if (l && streq(code, E_ALG_DISABLED) && l->weak_sig) {
		problem(r, code, at, primary, "the certificate is signed with %s, which the application rejects",
			l->weak_sig);
		return;
	}
	problem(r, code, at, primary, "%s", describe(code));
}

int
verify_server_cert(const struct der_list *certs, const struct cert_info *store, size_t n_store,
		   const char *hostname, bool md5_ok, const struct ca_lists *lists, PRTime now,
		   struct verify_result *out, struct mc_error *err)
{
	struct pool p = {0};
	struct build b = {.p = &p, .now = now, .md5_ok = md5_ok, .budget = CALL_BUDGET, .missing = SIZE_MAX};
	struct cand *leaf;
	const char *code, *ee_err;
	bool anchor, name_ok;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!certs->n)
		return mc_error_set(err, MC_EINPUT, "no certificate to verify");
	if ((ret = load_pool(&p, certs, store, n_store, err)) < 0) {
		pool_release(&p);
		return ret;
	}
	code = forward(&b, 0, 0, 0);
	leaf = &p.v[0];
	if (streq(code, E_UNKNOWN_ISSUER) && self_signed(leaf->c))
		code = E_SELF_SIGNED;
	if (b.n_path) {
		/* NSSCertDBTrustDomain::IsChainValid, once the path reaches its anchor: before the server's own errors */
		CERTCertificate *path[MAX_PATH];

		for (size_t i = 0; i < b.n_path; i++)
			path[i] = p.v[b.path[i]].c;
		if ((out->symantec_distrusted = calist_symantec_distrusted(lists, path, b.n_path)))
			code = E_POLICY;
	}
	name_ok = !hostname || name_matches(leaf->c, hostname);
	out->name_mismatch = !name_ok;
	leaf_facts(out, leaf->c, now);
	if (!code && !name_ok)
		code = E_BAD_DOMAIN;
	out->trusted = b.n_path > 0;
	{
		const size_t *path = b.n_path ? b.path : b.best;
		size_t n = b.n_path ? b.n_path : b.n_best;

		for (size_t i = 0; i < n; i++)
			link_add(out, &p.v[path[i]], b.n_path && i + 1 == n);
	}
	if (code)
		problem_detail(out, code, streq(code, E_BAD_DOMAIN) || streq(code, E_SELF_SIGNED) ? 0 : error_at(out, &b, code, now),
			       true, hostname);
	/* What the application would report next, once the first problem is solved. */
	ee_err = independent(leaf, true, 0, now, &anchor);
	if (ee_err && !streq(ee_err, code) && !streq(ee_err, E_UNTRUSTED_CERT))
		problem_detail(out, ee_err, 0, false, hostname);
	if (!name_ok && !streq(code, E_BAD_DOMAIN))
		problem_detail(out, E_BAD_DOMAIN, 0, false, hostname);
	if (b.missing != SIZE_MAX && !b.n_path) {
		CERTCertificate *c = p.v[b.best[b.missing]].c;

		out->missing_issuer = xstrdup(c->issuerName ? c->issuerName : "");
		out->ca_issuers_url = ca_issuers_url(c);
		out->missing_der = xmalloc(c->derCert.len ? c->derCert.len : 1);
		memcpy(out->missing_der, c->derCert.data, c->derCert.len);
		out->missing_der_len = c->derCert.len;
	}
	pool_release(&p);
	return 0;
}

void
verify_result_reject(struct verify_result *r, const char *code, const char *detail)
{
	struct verify_problem *q;

	r->problems = xreallocarray(r->problems, r->n_problems + 1, sizeof(*r->problems));
	memmove(r->problems + 1, r->problems, r->n_problems * sizeof(*r->problems));
	r->n_problems++;
	q = &r->problems[0];
	q->code = code;
	q->at = 0;
	q->primary = true;
	q->overridable = false;
	q->detail = xstrdup(detail);
	for (size_t i = 1; i < r->n_problems; i++)
		r->problems[i].primary = false;
}

bool
verify_override_bits(const struct verify_result *r, char out[4])
{
	const char *code = r->n_problems && r->problems[0].primary ? r->problems[0].code : NULL;
	bool m = r->name_mismatch, u = false, t = false;

	out[0] = '\0';
	if (!code)
		return true;
	if (streq(code, E_EXPIRED) || streq(code, E_NOT_YET) || streq(code, E_INVALID_TIME))
		t = true;
	else if (!streq(code, E_BAD_DOMAIN))
		u = true;
	if (u)
		t = r->leaf_time != 0;
	snprintf(out, 4, "%s%s%s", m ? "M" : "", u ? "U" : "", t ? "T" : "");
	return overridable(code);
}

void
verify_result_release(struct verify_result *r)
{
	if (!r)
		return;
	strv_free(r->names, r->n_names);
	free(r->leaf_cn);
	for (size_t i = 0; i < r->n_chain; i++) {
		free(r->chain[i].der);
		free(r->chain[i].nickname);
		free(r->chain[i].subject);
		free(r->chain[i].issuer);
	}
	free(r->chain);
	for (size_t i = 0; i < r->n_problems; i++)
		free(r->problems[i].detail);
	free(r->problems);
	free(r->missing_issuer);
	free(r->ca_issuers_url);
	free(r->missing_der);
	memset(r, 0, sizeof(*r));
}
