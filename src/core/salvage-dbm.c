/* SPDX-License-Identifier: MPL-2.0 */
/* salvage-dbm.c: certificate records out of a damaged cert8.db, a Berkeley DB 1.85 hash file (docs/nss-internals.md 2.1-2.2). */
#include "salvage.h"
#include "salvage-internal.h"

#include <stdint.h>
#include <certdb.h>

#include "strbuf.h"
#include "banned.h"

#define DBM_MAGIC 0x061561u
#define DBM_OVFLPAGE 0
#define DBM_REAL_KEY 4
#define DBM_MAX_CHAIN 100000

struct dbm {
	const unsigned char *buf;
	size_t len;
	bool little;          /* lorder 1234 */
	uint32_t bsize, max_bucket, hdrpages;
	uint32_t spares[32];
	size_t npages;        /* pages the file could hold, partial last page included */
	unsigned char *seen;  /* pages visited */
	uint32_t nkeys;       /* records the header counts */
	size_t pairs;         /* records the walk met */
	bool big;             /* a big-pair page was met: pairs undercounts */
};

static int
dbm_header(struct dbm *d, const unsigned char *buf, size_t len, char **why)
{
	uint32_t lorder;

	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->len = len;
	if (len < 260) {
		*why = xstrdup(len ? "too short for a Berkeley DB hash header" : "the file is empty");
		return -1;
	}
	if (get_be32(buf) != DBM_MAGIC) {
		*why = xstrdup("the Berkeley DB hash header is destroyed (bad magic)");
		return -1;
	}
	lorder = get_be32(buf + 8);
	d->bsize = get_be32(buf + 12);
	d->max_bucket = get_be32(buf + 40);
	d->nkeys = get_be32(buf + 56);
	d->hdrpages = get_be32(buf + 60);
	for (int i = 0; i < 32; i++)
		d->spares[i] = get_be32(buf + 68 + 4 * i);
	if ((lorder != 1234 && lorder != 4321) || d->bsize < 256 || d->bsize > 65536 ||
	    (d->bsize & (d->bsize - 1)) != 0 || d->hdrpages == 0 || d->hdrpages > 64 ||
	    d->max_bucket > (1u << 24)) {
		*why = xstrdup("the Berkeley DB hash header is damaged (impossible values)");
		return -1;
	}
	d->little = lorder == 1234;
	d->npages = (len + d->bsize - 1) / d->bsize;
	return 0;
}

static unsigned
log2ceil(uint32_t n)
{
	unsigned i = 0;

	while (((uint64_t)1 << i) < n)
		i++;
	return i;
}

static uint64_t
bucket_to_page(const struct dbm *d, uint32_t b)
{
	uint64_t p = (uint64_t)b + d->hdrpages;

	if (b) {
		unsigned l = log2ceil(b + 1);

		if (l == 0 || l > 32)
			return UINT64_MAX;
		p += d->spares[l - 1];
	}
	return p;
}

static uint64_t
oaddr_to_page(const struct dbm *d, unsigned a)
{
	unsigned split = a >> 11;
	uint64_t base;

	if (split >= 32)
		return UINT64_MAX;
	base = bucket_to_page(d, (uint32_t)((1u << split) - 1));
	return base == UINT64_MAX ? base : base + (a & 0x7ff);
}

static unsigned
pg16(const struct dbm *d, const unsigned char *page, size_t i)
{
	const unsigned char *p = page + 2 * i;

	return d->little ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

/* A cert8 value of type 1: trust flags, DER, nickname (docs/nss-internals.md 2.2). */
static void
dbm_cert_record(const unsigned char *v, size_t vlen, struct salvage *s)
{
	CERTCertTrust t;
	size_t der_len, nick_len;
	_autofree_ char *nick = NULL;

	s->units_read++;
	if (vlen < 13 || (v[0] != 8 && v[0] != 7) || v[1] != 1) {
		/* A type-1 key whose value is no certificate record: overwritten. */
		s->units_bad++;
		s->damaged = true;
		return;
	}
	t.sslFlags = be16(v + 3);
	t.emailFlags = be16(v + 5);
	t.objectSigningFlags = be16(v + 7);
	der_len = be16(v + 9);
	nick_len = be16(v + 11);
	if (13 + nick_len > vlen) {
		s->units_bad++;
		return;
	}
	/* The 16-bit length wraps above 64 KiB: the record length tells. */
	if (13 + der_len + nick_len != vlen)
		der_len = vlen - 13 - nick_len;
	if (nick_len)
		nick = xstrndup((const char *)v + 13 + der_len, nick_len);
	if (salvage_add(s, v + 13, der_len, nick, &t, SALVAGE_DBM) < 0)
		s->units_bad++;
}

/* Parse one page; *next is the overflow page (or UINT64_MAX). false when the page is malformed. */
static bool
dbm_page(struct dbm *d, uint64_t pageno, struct salvage *s, uint64_t *next)
{
	const unsigned char *page;
	unsigned n, prev;

	*next = UINT64_MAX;
	if (pageno >= d->npages)
		return false;  /* beyond the end of the file: lost to truncation */
	if ((pageno + 1) * d->bsize > d->len)
		return false;  /* cut mid-page */
	page = d->buf + pageno * d->bsize;
	n = pg16(d, page, 0);
	if (n == 0)
		return true;
	if (n & 1 || (size_t)(n + 3) * 2 > d->bsize)
		return false;
	prev = d->bsize;
	for (unsigned i = 1; i < n; i += 2) {
		unsigned koff = pg16(d, page, i), doff = pg16(d, page, i + 1);

		if (doff == DBM_OVFLPAGE) {
			if (i + 1 != n)
				return false;
			*next = oaddr_to_page(d, koff);
			return *next != UINT64_MAX;
		}
		if (doff < DBM_REAL_KEY) {
			d->big = true;
			return true;  /* a big pair: cert8.db keeps large records in blob files instead */
		}
		if (!(doff < koff && koff <= prev && doff >= (n + 1) * 2))
			return false;
		d->pairs++;
		if (page[koff] == 1 && s)
			dbm_cert_record(page + doff, koff - doff, s);
		else if (page[koff] == 8 && s) {
			/* A blob record: the certificate is in a cert8.dir/ file we do not read. */
			s->units_read++;
			s->units_bad++;
		} else if (page[koff] > 8 && s) {
			/* No record type NSS writes: an overwritten key, perhaps a certificate's. */
			s->units_read++;
			s->units_bad++;
			s->damaged = true;
		}
		prev = doff;
	}
	return true;
}

/* Walk the overflow chain of one bucket from its first page; false when a page is bad. */
static bool
dbm_chain(struct dbm *d, uint64_t page, struct salvage *s)
{
	for (size_t hops = 0; page != UINT64_MAX && hops < DBM_MAX_CHAIN; hops++) {
		uint64_t next;

		if (page < d->npages) {
			if (d->seen[page])
				break;
			d->seen[page] = 1;
		}
		if (!dbm_page(d, page, s, &next)) {
			if (s && (page + 1) * d->bsize > d->len)
				s->tail_lost = true;
			return false;
		}
		page = next;
	}
	return true;
}

/*
 * Walk every bucket and overflow chain; returns the number of bad pages.
 * Buckets 2^(l-1) .. 2^l - 1 sit at bucket + hdrpages + spares[l - 1], so a
 * split point's buckets whose page lies past the end of the file are counted
 * as lost in one step: a header claiming 2^24 buckets over a few pages costs
 * no more than the pages there are (walking them one by one took 5 s for 32 KB).
 */
static size_t
dbm_walk(struct dbm *d, struct salvage *s)
{
	size_t bad = 0;

	d->seen = xzalloc(d->npages + 1);
	for (unsigned l = 0; l <= 32; l++) {
		uint64_t lo = l ? (uint64_t)1 << (l - 1) : 0, hi = l ? ((uint64_t)1 << l) - 1 : 0;
		uint64_t off = d->hdrpages + (l ? d->spares[l - 1] : 0), end;

		if (lo > d->max_bucket)
			break;
		if (hi > d->max_bucket)
			hi = d->max_bucket;
		/* Buckets lo .. end - 1 have their page inside the file. */
		end = off >= d->npages ? lo : d->npages - off;
		end = end < lo ? lo : end > hi + 1 ? hi + 1 : end;
		for (uint64_t b = lo; b < end; b++)
			bad += !dbm_chain(d, b + off, s);
		if (end <= hi) {
			bad += hi + 1 - end;
			if (s)
				s->tail_lost = true;
		}
	}
	free(d->seen);
	d->seen = NULL;
	return bad;
}

int
salvage_dbm(const unsigned char *buf, size_t len, struct salvage *s, struct mc_error *err)
{
	struct dbm d;
	_autofree_ char *why = NULL;
	size_t bad;

	if (dbm_header(&d, buf, len, &why) < 0) {
		s->damaged = true;
		return mc_error_set(err, MC_EDAMAGED, "%s", why);
	}
	bad = dbm_walk(&d, s);
	if (bad) {
		s->units_bad += bad;
		s->damaged = true;
	}
	/*
	 * dbm reads a zeroed or cut page as an empty bucket: the header's count
	 * of records says when the walk met fewer than the file held.
	 */
	if (!d.big && d.pairs < d.nkeys) {
		s->records_missing += d.nkeys - d.pairs;
		s->damaged = true;
	}
	return 0;
}

int
salvage_dbm_ok(const unsigned char *buf, size_t len, char **why)
{
	struct dbm d;
	size_t bad;

	*why = NULL;
	if (dbm_header(&d, buf, len, why) < 0)
		return 0;
	if (len % d.bsize != 0) {
		*why = xstrdup("the file ends in the middle of a page (truncated)");
		return 0;
	}
	bad = dbm_walk(&d, NULL);
	if (bad) {
		*why = xasprintf("%zu damaged or missing page%s", bad, bad == 1 ? "" : "s");
		return 0;
	}
	return 1;
}

/* ---- (c) carving ---- */
