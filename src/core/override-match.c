/* SPDX-License-Identifier: MPL-2.0 */
/* override-match.c: exceptions matched to known certificates by binary search, and doctor's tally. */
#include "override-match.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* strcmp of a written dbKey (whitespace skipped) against a canonical one. */
static int
dbkey_cmp(const char *written, const char *canonical)
{
	const unsigned char *a = (const unsigned char *)written, *b = (const unsigned char *)canonical;

	for (;;) {
		while (*a && is_space((char)*a))
			a++;
		if (*a != *b || !*a)
			return (int)*a - (int)*b;
		a++;
		b++;
	}
}

static int
by_fp(const void *x, const void *y)
{
	const struct override_known *a = *(const struct override_known *const *)x;
	const struct override_known *b = *(const struct override_known *const *)y;
	int c = strcmp(a->fingerprint, b->fingerprint);

	return c ? c : (a < b ? -1 : a > b);
}

static int
by_key(const void *x, const void *y)
{
	const struct override_known *a = *(const struct override_known *const *)x;
	const struct override_known *b = *(const struct override_known *const *)y;
	int c = strcmp(a->dbkey, b->dbkey);

	return c ? c : (a < b ? -1 : a > b);
}

void
override_index_build(struct override_index *ix, const struct override_known *k, size_t n)
{
	memset(ix, 0, sizeof(*ix));
	if (!n)
		return;
	ix->by_fp = xreallocarray(NULL, n, sizeof(*ix->by_fp));
	ix->by_key = xreallocarray(NULL, n, sizeof(*ix->by_key));
	for (size_t i = 0; i < n; i++) {
		if (k[i].fingerprint)
			ix->by_fp[ix->n_fp++] = &k[i];
		if (k[i].dbkey)
			ix->by_key[ix->n_key++] = &k[i];
	}
	/* Ties sort by address, i.e. by position in k: the lower bound is the earliest. */
	qsort(ix->by_fp, ix->n_fp, sizeof(*ix->by_fp), by_fp);
	qsort(ix->by_key, ix->n_key, sizeof(*ix->by_key), by_key);
}

void
override_index_release(struct override_index *ix)
{
	free(ix->by_fp);
	free(ix->by_key);
	memset(ix, 0, sizeof(*ix));
}

/* The first of v[0..n) whose key equals the entry's (cmp(entry key, v[i]) == 0), or NULL. */
static const struct override_known *
lower_bound(const struct override_known *const *v, size_t n, const char *key,
	    int (*cmp)(const char *key, const struct override_known *k))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(key, v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && cmp(key, v[lo]) == 0 ? v[lo] : NULL;
}

static int
cmp_fp(const char *key, const struct override_known *k)
{
	return strcmp(key, k->fingerprint);
}

static int
cmp_key(const char *key, const struct override_known *k)
{
	return dbkey_cmp(key, k->dbkey);
}

const struct override_known *
override_index_match(const struct override_index *ix, const struct override_entry *e, bool *by_dbkey)
{
	const struct override_known *k = NULL;

	*by_dbkey = false;
	if (e->fingerprint)
		k = lower_bound(ix->by_fp, ix->n_fp, e->fingerprint, cmp_fp);
	if (!k && e->dbkey && (k = lower_bound(ix->by_key, ix->n_key, e->dbkey, cmp_key)))
		*by_dbkey = true;
	return k;
}

struct tally_ctx {
	const struct override_index *ix;
	int64_t now;
	struct override_tally *t;
};

static int
tally_line(const struct override_line *l, void *arg)
{
	struct tally_ctx *c = arg;
	const struct override_known *k;
	bool by_dbkey;

	if (l->status == OVERRIDE_LINE_INVALID)
		c->t->ignored++;
	if (l->status != OVERRIDE_LINE_ENTRY)
		return 0;
	c->t->entries++;
	if (!(k = override_index_match(c->ix, l->entry, &by_dbkey)))
		return 0;
	if (by_dbkey)
		c->t->other_certificate++;
	else if (k->not_after < c->now)
		c->t->expired++;
	return 0;
}

int
override_tally(const char *buf, size_t len, const char *origin, const struct override_index *ix,
	       int64_t now, struct override_tally *out, struct mc_error *err)
{
	struct tally_ctx c;
	int ret;

	memset(out, 0, sizeof(*out));
	c = (struct tally_ctx){ix, now, out};
	if ((ret = override_scan(buf, len, origin, tally_line, &c, err)) < 0)
		memset(out, 0, sizeof(*out));
	return ret;
}
