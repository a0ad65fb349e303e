/* SPDX-License-Identifier: MPL-2.0 */
/*
 * verify.c: the chain the application builds for a server certificate, and
 * what it objects to. mozilla::pkix's rules, as NSSCertDBTrustDomain applies
 * them: a CA is a trust anchor when its SSL trust has C, the server
 * certificate when it has P; a terminal record (p) without that bit is
 * distrust. Trust comes from the caller (certdb_list: the form NSS 3.125
 * reads wins), not from the system NSS, which cannot see PKCS#11 3.2 trust.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <cert.h>
#include <certdb.h>
#include <pk11pub.h>
#include <secder.h>
#include <secoid.h>
#include <sechash.h>

#include "verify.h"
#include "banned.h"

#define MAX_DEPTH 8

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
	/* The system NSS may refuse MD5 outright: the pref decides that (md5_signed), not this check. */
	if (md5_signed(c))
		return true;
	return CERT_VerifySignedDataWithPublicKeyInfo((CERTSignedData *)&c->signatureWrap,
						      (CERTSubjectPublicKeyInfo *)&issuer->subjectPublicKeyInfo,
						      NULL) == SECSuccess;
}

/* basicConstraints cA; -1 when the extension is absent (0 when it does not decode). */
static int
is_ca(CERTCertificate *c)
{
	CERTBasicConstraints bc;
	SECItem ext = {siBuffer, NULL, 0};
	int ret;

	if (CERT_FindCertExtension(c, SEC_OID_X509_BASIC_CONSTRAINTS, &ext) != SECSuccess)
		return -1;
	ret = CERT_DecodeBasicConstraintValue(&bc, &ext) == SECSuccess && bc.isCA;
	SECITEM_FreeItem(&ext, PR_FALSE);
	return ret;
}

static void
problem(struct verify_result *r, const char *code, size_t at, bool overridable, const char *fmt, ...)
	_printf_(5, 6);

static void
problem(struct verify_result *r, const char *code, size_t at, bool overridable, const char *fmt, ...)
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
	p->overridable = overridable;
	p->detail = xstrdup(buf);
}

static void
link_add(struct verify_result *r, const struct cand *c)
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
}

static void
check_times(struct verify_result *r, CERTCertificate *c, size_t at, PRTime now)
{
	SECCertTimeValidity v = CERT_CheckCertValidTimes(c, now, PR_FALSE);

	if (v == secCertTimeExpired)
		problem(r, at ? "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE" : "SEC_ERROR_EXPIRED_CERTIFICATE", at, true,
			"%s has expired", at ? "the issuer certificate" : "the certificate");
	else if (v == secCertTimeNotValidYet)
		problem(r, at ? "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE"
			      : "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE", at, true,
			"%s is not valid yet", at ? "the issuer certificate" : "the certificate");
	else if (v != secCertTimeValid)
		problem(r, "SEC_ERROR_INVALID_TIME", at, false, "the validity period cannot be read");
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

/*
 * The issuer of cur among the candidates: a certificate whose subject is
 * cur's issuer and whose key signed cur. A trust anchor first, then one in
 * its validity period; a distrusted one only when nothing else signs cur.
 */
static struct cand *
pick_issuer(struct pool *p, const struct cand *cur, PRTime now, bool *subject_seen)
{
	struct cand *best = NULL;
	int best_rank = -1;

	*subject_seen = false;
	for (size_t i = 0; i < p->n; i++) {
		struct cand *c = &p->v[i];
		unsigned f = ssl_flags(c->trust);
		int rank = 0;

		if (c == cur || !SECITEM_ItemsAreEqual(&c->c->derSubject, &cur->c->derIssuer))
			continue;
		*subject_seen = true;
		if (!signed_by(cur->c, c->c))
			continue;
		if ((f & (CERTDB_TRUSTED_CA | CERTDB_TERMINAL_RECORD)) != CERTDB_TERMINAL_RECORD)
			rank = 2 + ((f & CERTDB_TRUSTED_CA) ? 4 : 0) +
			       (CERT_CheckCertValidTimes(c->c, now, PR_FALSE) == secCertTimeValid);
		if (rank > best_rank) {
			best = c;
			best_rank = rank;
		}
	}
	return best;
}

int
verify_server_cert(const struct der_list *certs, const struct cert_info *store, size_t n_store,
		   const char *hostname, bool md5_ok, PRTime now, struct verify_result *out, struct mc_error *err)
{
	struct pool p = {0};
	struct cand *cur;
	CERTCertificate *leaf;
	size_t visited[MAX_DEPTH + 1];

	memset(out, 0, sizeof(*out));
	if (!certs->n)
		return mc_error_set(err, MC_EINPUT, "no certificate to verify");
	if (!(leaf = certdb_decode(certs->v[0].data, certs->v[0].len)))
		return mc_error_nss(err, "%s: cannot decode the certificate", certs->v[0].origin);
	cur = pool_add(&p, leaf, VSRC_FILE, "", NULL);
	for (size_t i = 1; i < certs->n; i++) {
		CERTCertificate *c = certdb_decode(certs->v[i].data, certs->v[i].len);

		if (!c) {
			pool_release(&p);
			return mc_error_nss(err, "%s: cannot decode certificate %zu", certs->v[i].origin, i + 1);
		}
		pool_add(&p, c, VSRC_FILE, "", NULL);
	}
	for (size_t i = 0; i < n_store; i++) {
		CERTCertificate *c = certdb_decode(store[i].der, store[i].der_len);

		if (c)
			pool_add(&p, c, VSRC_STORE, store[i].trust, store[i].nickname);
	}
	/* The server certificate may be in the store: its trust there counts (pool_add kept the file's entry). */
	cur = &p.v[0];
	for (size_t i = 0; i < n_store; i++)
		if (memcmp(store[i].sha256, cur->sha, 32) == 0) {
			snprintf(cur->trust, sizeof(cur->trust), "%s", store[i].trust);
			cur->src = VSRC_STORE;
			free(cur->nickname);
			cur->nickname = store[i].nickname ? xstrdup(store[i].nickname) : NULL;
		}

	/* The server certificate itself: validity, name, and whether it is a CA used as a server. */
	check_times(out, cur->c, 0, now);
	if (hostname && CERT_VerifyCertName(cur->c, hostname) != SECSuccess)
		problem(out, "SSL_ERROR_BAD_CERT_DOMAIN", 0, true, "the certificate is not valid for the name '%s'",
			hostname);
	if (is_ca(cur->c) == 1 && !self_issued(cur->c))
		problem(out, "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY", 0, true,
			"the certificate is a CA certificate, sent as a server's");

	for (size_t depth = 0;; depth++) {
		unsigned f;
		unsigned relevant = depth ? CERTDB_TRUSTED_CA : CERTDB_TRUSTED;
		bool subject_seen;
		struct cand *issuer;

		visited[depth] = (size_t)(cur - p.v);
		link_add(out, cur);
		pool_add_builtins(&p, &cur->c->derIssuer, now);
		cur = &p.v[visited[depth]]; /* pool_add_builtins may have moved the array */
		f = ssl_flags(cur->trust);
		if ((f & (relevant | CERTDB_TERMINAL_RECORD)) == CERTDB_TERMINAL_RECORD) {
			if (depth)
				problem(out, "SEC_ERROR_UNTRUSTED_ISSUER", depth, true,
					"the issuer certificate is distrusted in the store (trust %s)", cur->trust);
			else
				problem(out, "SEC_ERROR_UNTRUSTED_CERT", 0, false,
					"the certificate is distrusted in the store (trust %s)", cur->trust);
			break;
		}
		if (f & relevant) {
			out->chain[out->n_chain - 1].anchor = true;
			out->trusted = true;
			break;
		}
		if (self_issued(cur->c) && signed_by(cur->c, cur->c)) {
			if (depth)
				problem(out, "SEC_ERROR_UNKNOWN_ISSUER", depth, true,
					"the chain ends at a root that is not trusted for web sites");
			else
				problem(out, "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT", 0, true,
					"the certificate is self-signed and not trusted");
			break;
		}
		if (depth == MAX_DEPTH) {
			problem(out, "SEC_ERROR_UNKNOWN_ISSUER", depth, true, "no trusted root within %d certificates",
				MAX_DEPTH);
			break;
		}
		issuer = pick_issuer(&p, cur, now, &subject_seen);
		for (size_t k = 0; issuer && k <= depth; k++)
			if (issuer == &p.v[visited[k]])
				issuer = NULL; /* a loop of cross-signatures */
		if (!issuer) {
			if (subject_seen) {
				problem(out, "SEC_ERROR_BAD_SIGNATURE", depth, false,
					"a certificate named as the issuer was found, but its key did not sign this one");
			} else {
				problem(out, "SEC_ERROR_UNKNOWN_ISSUER", depth, true,
					"the issuer certificate was not found: not sent by the server, not in the store");
				out->missing_issuer = xstrdup(cur->c->issuerName ? cur->c->issuerName : "");
				out->ca_issuers_url = ca_issuers_url(cur->c);
			}
			break;
		}
		if (md5_signed(cur->c) && !md5_ok)
			problem(out, "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED", depth, false,
				"signed with MD5, which the application rejects");
		{
			unsigned fi = ssl_flags(issuer->trust);
			int ca = is_ca(issuer->c);
			bool anchor = fi & CERTDB_TRUSTED_CA;

			if (ca == 0 || (ca < 0 && !anchor))
				problem(out, ca < 0 && DER_GetInteger(&issuer->c->version) < 2
						     ? "MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA" : "SEC_ERROR_CA_CERT_INVALID",
					depth + 1, true, "the issuer certificate is not a CA certificate");
			check_times(out, issuer->c, depth + 1, now);
		}
		cur = issuer;
	}
	pool_release(&p);
	return 0;
}

void
verify_result_release(struct verify_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_chain; i++) {
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
	memset(r, 0, sizeof(*r));
}
