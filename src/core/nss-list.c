/* SPDX-License-Identifier: MPL-2.0 */
/* nss-list.c: the certificate rows of a healthy cert9.db in one SQLite read. */
#include "nss-list.h"

#include <sqlite3.h>
#include <stdint.h>

#include "hot-journal.h"
#include "nss-attr.h"
#include "trust.h"
#include "banned.h"

/* softoken's encoding of an empty value (docs/nss-internals.md 1.1). */
static const unsigned char explicit_null[3] = {0xA5, 0x00, 0x5A};

void
sqllist_release(struct sqllist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].der);
		free(l->v[i].label);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* A key (issuer ‖ serial) of a trust row, for the join. */
struct key {
	unsigned char *data;
	size_t len;
};

static int
key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->data, y->data, x->len);
}

static struct key
make_key(sqlite3_stmt *st, int icol, int scol)
{
	size_t il = (size_t)sqlite3_column_bytes(st, icol), sl = (size_t)sqlite3_column_bytes(st, scol);
	struct key k = {xmalloc(il + sl + 8), il + sl + 8};

	uint32_t l32[2] = {(uint32_t)il, (uint32_t)sl};

	/* The lengths go first so that no two (issuer, serial) pairs share a key. */
	memcpy(k.data, l32, 8);
	if (il)
		memcpy(k.data + 8, sqlite3_column_blob(st, icol), il);
	if (sl)
		memcpy(k.data + 8 + il, sqlite3_column_blob(st, scol), sl);
	return k;
}

static int
open_ro(const char *path, sqlite3 **db, struct mc_error *err)
{
	_autofree_ char *uri = xasprintf("file:%s?mode=ro", path);

	if (sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		mc_error_set(err, MC_EFAIL, "cannot open '%s': %s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return MC_EFAIL;
	}
	sqlite3_busy_timeout(*db, 2000);
	return 0;
}

static size_t
count_private_keys(const char *dir)
{
	_autofree_ char *path = path_join(dir, "key4.db");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct mc_error ignored = {0};
	size_t n = (size_t)-1;

	if (access(path, F_OK) != 0)
		return 0;
	if (open_ro(path, &db, &ignored) < 0)
		return n;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM nssPrivate", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static void
push_key(struct key **v, size_t *n, size_t *cap, struct key k)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = k;
}

int
sqllist_read(const char *dir, struct sqllist *out, struct mc_error *err)
{
	_autofree_ char *path = path_join(dir, "cert9.db");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct key *ck = NULL, *tk = NULL;  /* (issuer, serial) of each certificate row / trust row */
	size_t nck = 0, capck = 0, ntk = 0, captk = 0;
	struct sqllist l = {0};
	int rc, ret = 0;

	if ((ret = open_ro(path, &db, err)) < 0)
		return ret;
	/* One statement over the table; certificates and their trust rows are joined afterwards. */
	if (sqlite3_prepare_v2(db, "SELECT a0, a3, a11, a81, a82 FROM nssPublic", -1, &st, NULL) != SQLITE_OK) {
		ret = mc_error_set(err, MC_EFAIL, "'%s': %s", path, sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nssattr_is(st, 0, CKO_CERTIFICATE)) {
			struct sqllist_row *r;
			int dl = sqlite3_column_bytes(st, 2), ll = sqlite3_column_bytes(st, 1);
			const unsigned char *label = sqlite3_column_blob(st, 1);

			if (dl <= 0)
				continue;
			if (l.n == l.alloc) {
				l.alloc = l.alloc ? l.alloc * 2 : 256;
				l.v = xreallocarray(l.v, l.alloc, sizeof(*l.v));
			}
			r = &l.v[l.n++];
			memset(r, 0, sizeof(*r));
			r->der_len = (size_t)dl;
			r->der = xmalloc(r->der_len);
			memcpy(r->der, sqlite3_column_blob(st, 2), r->der_len);
			if (label && ll > 0 && !(ll == 3 && memcmp(label, explicit_null, 3) == 0))
				r->label = xstrndup((const char *)label, (size_t)ll);
			push_key(&ck, &nck, &capck, make_key(st, 3, 4));
		} else if (nssattr_is(st, 0, CKO_NSS_TRUST)) {
			push_key(&tk, &ntk, &captk, make_key(st, 3, 4));
		} else if (nssattr_is(st, 0, TRUST_V32_CLASS)) {
			l.trust_v32++;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = mc_error_set(err, MC_EFAIL, "'%s': %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if (ntk > 1)
		qsort(tk, ntk, sizeof(*tk), key_cmp);
	for (size_t i = 0; i < nck; i++)
		l.v[i].has_trust = ntk && bsearch(&ck[i], tk, ntk, sizeof(*tk), key_cmp);
	l.private_keys = count_private_keys(dir);
	*out = l;
	memset(&l, 0, sizeof(l));
out:
	for (size_t i = 0; i < nck; i++)
		free(ck[i].data);
	for (size_t i = 0; i < ntk; i++)
		free(tk[i].data);
	free(ck);
	free(tk);
	sqlite3_finalize(st);
	sqlite3_close(db);
	sqllist_release(&l);
	return ret;
}

/* A DER certificate's outer SEQUENCE header covers exactly n bytes. */
static bool
der_sequence_whole(const unsigned char *p, size_t n)
{
	size_t len = 0, hdr = 2;

	if (n < 2 || p[0] != 0x30)
		return false;
	if (p[1] < 0x80) {
		len = p[1];
	} else {
		size_t nb = p[1] & 0x7f;

		if (nb == 0 || nb > 4 || n < 2 + nb)
			return false;
		for (size_t i = 0; i < nb; i++)
			len = len << 8 | p[2 + i];
		hdr += nb;
	}
	return hdr + len == n;
}

/* Certificate rows as (DER, issuer ‖ serial) pairs, sorted by DER. */
struct cert_row {
	struct key der, is;
};

static int
row_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct cert_row *)a)->der, &((const struct cert_row *)b)->der);
}

static int
is_cmp(const void *a, const void *b)
{
	return key_cmp(&(*(const struct cert_row *const *)a)->is, &(*(const struct cert_row *const *)b)->is);
}

/* Distinct DERs of v (sorted); MC_EFAIL when two of them share issuer and serial. */
static int
count_distinct(struct cert_row *v, size_t nv, size_t *out)
{
	struct cert_row **d = xreallocarray(NULL, nv ? nv : 1, sizeof(*d));
	size_t nd = 0;
	int ret = 0;

	if (nv > 1)
		qsort(v, nv, sizeof(*v), row_cmp);
	for (size_t i = 0; i < nv; i++)
		if (i == 0 || key_cmp(&v[i - 1].der, &v[i].der) != 0)
			d[nd++] = &v[i];
	qsort(d, nd, sizeof(*d), is_cmp);
	for (size_t i = 1; i < nd; i++)
		if (key_cmp(&d[i - 1]->is, &d[i]->is) == 0)
			ret = MC_EFAIL;
	free(d);
	*out = nd;
	return ret;
}

int
sqllist_count(const char *dir, size_t *n, struct mc_error *err)
{
	_autofree_ char *path = path_join(dir, "cert9.db");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct cert_row *v = NULL;
	size_t nv = 0, cap = 0;
	int rc, ret;

	if (hotjournal_present(path))
		return mc_error_set(err, MC_EFAIL, "'%s' has a hot journal", path);
	if ((ret = open_ro(path, &db, err)) < 0)
		return ret;
	if (sqlite3_prepare_v2(db, "SELECT a0, a11, a81, a82 FROM nssPublic", -1, &st, NULL) != SQLITE_OK) {
		ret = mc_error_set(err, MC_EFAIL, "'%s': %s", path, sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *der;
		int dl;

		if (!nssattr_is(st, 0, CKO_CERTIFICATE))
			continue;
		der = sqlite3_column_blob(st, 1);
		dl = sqlite3_column_bytes(st, 1);
		if (dl <= 0)
			continue;  /* sqllist_read skips these too: no certificate NSS could list */
		if (!der_sequence_whole(der, (size_t)dl)) {
			ret = mc_error_set(err, MC_EFAIL, "'%s': a certificate row NSS must judge", path);
			goto out;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[nv].der = (struct key){xmalloc((size_t)dl), (size_t)dl};
		memcpy(v[nv].der.data, der, (size_t)dl);
		v[nv++].is = make_key(st, 2, 3);
	}
	if (rc != SQLITE_DONE)
		ret = mc_error_set(err, MC_EFAIL, "'%s': %s", path, sqlite3_errmsg(db));
	else if ((ret = count_distinct(v, nv, n)) < 0)
		mc_error_set(err, MC_EFAIL, "'%s': two certificates of one issuer and serial", path);
out:
	for (size_t i = 0; i < nv; i++) {
		free(v[i].der.data);
		free(v[i].is.data);
	}
	free(v);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
