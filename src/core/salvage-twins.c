/* SPDX-License-Identifier: MPL-2.0 */
/* salvage-twins.c: one certificate found twice, one copy damaged (salvage.h). */
#include <stdlib.h>
#include <string.h>
#include <cert.h>
#include <cryptohi.h>

#include "salvage.h"
#include "nssdb.h"
#include "util.h"
#include "banned.h"

struct twin {
	size_t idx;                 /* into s->v */
	CERTCertificate *cert;      /* NULL when NSS cannot decode it */
};

static int
twin_cmp(const void *a, const void *b)
{
	const struct twin *x = a, *y = b;
	const SECItem *xi, *yi, *xs, *ys;

	if (!x->cert || !y->cert)
		return (x->cert != NULL) - (y->cert != NULL);
	xi = &x->cert->derIssuer;
	yi = &y->cert->derIssuer;
	if (xi->len != yi->len)
		return xi->len < yi->len ? -1 : 1;
	if (xi->len && memcmp(xi->data, yi->data, xi->len))
		return memcmp(xi->data, yi->data, xi->len);
	xs = &x->cert->serialNumber;
	ys = &y->cert->serialNumber;
	if (xs->len != ys->len)
		return xs->len < ys->len ? -1 : 1;
	return xs->len ? memcmp(xs->data, ys->data, xs->len) : 0;
}

/* The signature of t verifies with the key of a certificate of the list named as its issuer. */
static bool
signed_by_listed(const struct twin *t, const struct twin *all, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		CERTCertificate *iss = all[k].cert;

		if (!iss || !SECITEM_ItemsAreEqual(&iss->derSubject, &t->cert->derIssuer))
			continue;
		if (CERT_VerifySignedDataWithPublicKeyInfo(&t->cert->signatureWrap, &iss->subjectPublicKeyInfo, NULL) ==
		    SECSuccess)
			return true;
	}
	return false;
}

/* What the kept copy lacks comes from the dropped one. */
static void
fill_from(struct salvaged_cert *keep, struct salvaged_cert *drop)
{
	if (!keep->has_trust && drop->has_trust) {
		keep->trust = drop->trust;
		keep->has_trust = true;
		keep->trust_source = drop->trust_source;
		keep->trust_row = drop->trust_row;
	}
	if (!keep->nickname) {
		keep->nickname = drop->nickname;
		drop->nickname = NULL;
	}
	keep->has_key |= drop->has_key;
}

/* Within one group of copies [lo, hi): mark the copies to drop when exactly the others verify. */
static void
judge_group(struct salvage *s, const struct twin *t, size_t lo, size_t hi, const struct twin *all, size_t n,
	    bool *drop)
{
	size_t good = 0, first_good = 0;
	bool *ok = xzalloc(hi - lo);

	for (size_t i = lo; i < hi; i++) {
		ok[i - lo] = signed_by_listed(&t[i], all, n);
		if (ok[i - lo] && good++ == 0)
			first_good = i;
	}
	for (size_t i = lo; good > 0 && good < hi - lo && i < hi; i++) {
		if (ok[i - lo])
			continue;
		fill_from(&s->v[t[first_good].idx], &s->v[t[i].idx]);
		drop[t[i].idx] = true;
	}
	free(ok);
}

size_t
salvage_drop_damaged_twins(struct salvage *s)
{
	struct twin *t = xzalloc((s->n + 1) * sizeof(*t));
	bool *drop = xzalloc(s->n + 1);
	size_t dropped = 0, k = 0;

	for (size_t i = 0; i < s->n; i++) {
		t[i].idx = i;
		t[i].cert = certdb_decode(s->v[i].der, s->v[i].der_len);
	}
	qsort(t, s->n, sizeof(*t), twin_cmp);
	for (size_t lo = 0, hi; lo < s->n; lo = hi) {
		for (hi = lo + 1; hi < s->n && t[lo].cert && twin_cmp(&t[lo], &t[hi]) == 0; hi++)
			;
		if (hi - lo > 1)
			judge_group(s, t, lo, hi, t, s->n, drop);
	}
	for (size_t i = 0; i < s->n; i++)
		if (t[i].cert)
			CERT_DestroyCertificate(t[i].cert);
	for (size_t i = 0; i < s->n; i++) {
		if (drop[i]) {
			free(s->v[i].der);
			free(s->v[i].nickname);
			dropped++;
			continue;
		}
		s->v[k++] = s->v[i];
	}
	s->n = k;
	free(t);
	free(drop);
	return dropped;
}
