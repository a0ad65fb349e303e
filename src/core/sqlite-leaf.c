/* SPDX-License-Identifier: MPL-2.0 */
/* sqlite-leaf.c: rows off the table-leaf pages of an SQLite file (the file format, sections 1.3, 1.6, 2.1). */
#include "sqlite-leaf.h"

#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "util.h"
#include "banned.h"

/* Bounds that keep a damaged file from making us loop or allocate without end. */
#define MAX_COLS 2000  /* SQLite's own default limit (SQLITE_MAX_COLUMN) */
#define MAX_PAYLOAD (16u * 1024 * 1024)

struct file {
	const unsigned char *b;
	size_t len;
	size_t ps;        /* page size */
	size_t usable;    /* page size less the reserved bytes */
	uint32_t npages;  /* whole pages in the buffer */
	size_t copy_left; /* payload bytes the scan may still assemble (a hostile file repeats cells) */
};

/* An SQLite varint at p (at most 9 bytes, never past end); 0 when it runs past end. */
static size_t
varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < 9; i++) {
		if (p + i >= end)
			return 0;
		if (i == 8) {
			*v = x << 8 | p[i];
			return 9;
		}
		x = x << 7 | (p[i] & 0x7f);
		if (!(p[i] & 0x80)) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

static const unsigned char *
page_at(const struct file *f, uint32_t pgno)
{
	if (pgno < 1 || pgno > f->npages)
		return NULL;
	return f->b + (size_t)(pgno - 1) * f->ps;
}

/* The freelist (trunk and leaf pages), as a page bitmap; bounded by the page count. */
static void
mark_freelist(const struct file *f, bool *freed)
{
	uint32_t trunk = get_be32(f->b + 32);
	size_t hops = 0;

	while (trunk && hops++ < f->npages) {
		const unsigned char *t = page_at(f, trunk);
		uint32_t n;

		if (!t || freed[trunk])
			return;
		freed[trunk] = true;
		n = get_be32(t + 4);
		if (n > (f->usable - 8) / 4)
			return;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t leaf = get_be32(t + 8 + 4 * i);

			if (leaf >= 1 && leaf <= f->npages)
				freed[leaf] = true;
		}
		trunk = get_be32(t);
	}
}

/* The whole payload of a cell: local bytes, then the overflow chain. NULL when the chain is broken. */
static unsigned char *
payload(struct file *f, const unsigned char *cell, const unsigned char *page_end, uint64_t plen)
{
	size_t x = f->usable - 35, m = (f->usable - 12) * 32 / 255 - 23, local;
	unsigned char *out;
	size_t got;
	uint32_t next;

	if (plen <= x) {
		local = (size_t)plen;
	} else {
		size_t k = m + (size_t)((plen - m) % (f->usable - 4));

		local = k <= x ? k : m;
	}
	/* Every byte of a payload lies in the file: a longer one is not allocated, let alone followed. */
	if (cell + local + (plen > local ? 4 : 0) > page_end || plen > f->copy_left || plen > f->len)
		return NULL;
	/* Every cell of a sound file is read once: the bytes assembled stay within a few times its size. */
	f->copy_left -= (size_t)plen;
	out = xmalloc((size_t)plen + 1);
	memcpy(out, cell, local);
	got = local;
	next = plen > local ? get_be32(cell + local) : 0;
	for (uint32_t hops = 0; got < plen; hops++) {
		const unsigned char *o = page_at(f, next);
		size_t take = f->usable - 4;

		if (!o || hops > f->npages) {
			free(out);
			return NULL;
		}
		if (take > plen - got)
			take = (size_t)(plen - got);
		memcpy(out + got, o + 4, take);
		got += take;
		next = get_be32(o);
	}
	return out;
}

/* Decode a record into v; false when its header does not fit its body. */
static bool
record(const unsigned char *p, size_t n, struct sqlpage_value *v, size_t *ncols)
{
	const unsigned char *end = p + n, *h, *body;
	uint64_t hlen;
	size_t k = varint(p, end, &hlen), c = 0;

	if (!k || hlen < k || hlen > n)
		return false;
	h = p + k;
	body = p + hlen;
	while (h < p + hlen) {
		uint64_t t;
		size_t sz;

		if (!(k = varint(h, p + hlen, &t)) || c == MAX_COLS)
			return false;
		h += k;
		memset(&v[c], 0, sizeof(v[c]));
		if (t == 0) {
			v[c].type = SQLITE_NULL;
			sz = 0;
		} else if (t <= 6 || t == 8 || t == 9) {
			static const size_t isz[] = {0, 1, 2, 3, 4, 6, 8};

			sz = t <= 6 ? isz[t] : 0;
			if (body + sz > end)
				return false;
			v[c].type = SQLITE_INTEGER;
			if (t == 9) {
				v[c].i = 1;
			} else if (sz) {
				uint64_t u = 0;

				for (size_t i = 0; i < sz; i++)
					u = u << 8 | body[i];
				if (sz < 8 && (body[0] & 0x80))
					u |= ~(uint64_t)0 << (8 * sz); /* two's complement, sign extended */
				v[c].i = (int64_t)u;
			}
		} else if (t == 7) {
			sz = 8;
			v[c].type = SQLITE_FLOAT;
		} else if (t >= 12) {
			sz = (size_t)((t - 12) / 2);
			v[c].type = t & 1 ? SQLITE_TEXT : SQLITE_BLOB;
			v[c].p = body;
			v[c].n = sz;
		} else {
			return false; /* 10 and 11 are reserved */
		}
		if (sz > (size_t)(end - body))
			return false;
		body += sz;
		c++;
	}
	*ncols = c;
	return true;
}

/*
 * The cells of the table-leaf page pg (its b-tree header at pg + hdr); end is
 * where its usable bytes end, earlier on a page the file's end cuts: cells
 * there whose bytes all lie before the cut are read, the others are bad.
 */
static size_t
leaf(struct file *f, uint32_t pgno, const unsigned char *pg, size_t hdr, const unsigned char *end,
     sqlpage_row_fn fn, void *ctx, size_t *bad, struct sqlpage_value *v)
{
	const unsigned char *h = pg + hdr;
	unsigned ncells = (unsigned)h[3] << 8 | h[4];
	size_t rows = 0, have = (size_t)(end - pg);

	if (hdr + 8 + 2 * (size_t)ncells > have)
		return 0;
	for (unsigned i = 0; i < ncells; i++) {
		size_t off = (size_t)h[8 + 2 * i] << 8 | h[9 + 2 * i], k1, k2, ncols = 0;
		uint64_t plen, rowid;
		unsigned char *pl;

		if (off < hdr + 8 || off >= have || !(k1 = varint(pg + off, end, &plen)) ||
		    !(k2 = varint(pg + off + k1, end, &rowid)) || plen > MAX_PAYLOAD ||
		    !(pl = payload(f, pg + off + k1 + k2, end, plen))) {
			if (bad)
				(*bad)++;
			continue;
		}
		if (record(pl, (size_t)plen, v, &ncols)) {
			fn(ctx, (int64_t)rowid, pgno, v, ncols);
			rows++;
		} else if (bad) {
			(*bad)++;
		}
		free(pl);
	}
	return rows;
}

static void
walk_table(const struct file *f, uint32_t pgno, unsigned depth, bool *seen, struct sqlpage_table *t)
{
	const unsigned char *pg;
	size_t hdr = pgno == 1 ? 100 : 0;
	unsigned ncells;

	if (pgno < 1 || pgno > f->npages) {
		t->missing++;  /* past the end of the file: its rows are gone */
		return;
	}
	if (seen[pgno] || depth > 20) {
		t->damaged++;
		return;
	}
	seen[pgno] = true;
	pg = page_at(f, pgno) + hdr;
	if (pg[0] == 0x0d) {
		t->leaves++;
		return;
	}
	ncells = (unsigned)pg[3] << 8 | pg[4];
	if (pg[0] != 0x05 || hdr + 12 + 2 * (size_t)ncells > f->usable) {
		t->damaged++;
		return;
	}
	for (unsigned i = 0; i <= ncells; i++) {
		size_t off = i < ncells ? ((size_t)pg[12 + 2 * i] << 8 | pg[13 + 2 * i]) : 0;

		if (i < ncells && (off < hdr + 12 || off + 4 > f->usable)) {
			t->damaged++;
			continue;
		}
		walk_table(f, i < ncells ? get_be32(page_at(f, pgno) + off) : get_be32(pg + 8), depth + 1, seen, t);
	}
}

void
sqlpage_table_pages(const unsigned char *buf, size_t len, uint32_t root, struct sqlpage_table *t)
{
	struct file f = {buf, len, 4096, 4096, 0, 0};
	bool *seen;

	memset(t, 0, sizeof(*t));
	if (len < 512 || memcmp(buf, "SQLite format 3", 16) != 0 || root == 0) {
		t->damaged = 1;
		return;
	}
	f.ps = (size_t)buf[16] << 8 | buf[17];
	if (f.ps == 1)
		f.ps = 65536;
	if (f.ps < 512 || (f.ps & (f.ps - 1)) != 0 || buf[20] >= f.ps - 480) {
		t->damaged = 1;
		return;
	}
	f.usable = f.ps - buf[20];
	f.npages = (uint32_t)(len / f.ps);
	seen = xzalloc(((size_t)f.npages + 1) * sizeof(bool));
	walk_table(&f, root, 0, seen, t);
	free(seen);
}

/*
 * The page size of a file whose header is destroyed: the size at which the
 * most pages (page 1 aside) begin with a b-tree page type, the smallest of
 * equals (every multiple of the true size scores as well); 4096 when none do.
 */
static size_t
guess_page_size(const unsigned char *buf, size_t len)
{
	size_t best = 4096;
	double best_score = 0;

	for (size_t cand = 512; cand <= 65536; cand <<= 1) {
		size_t pages = len / cand, hits = 0;
		double score;

		if (pages < 2)
			break;
		for (size_t i = 1; i < pages; i++) {
			unsigned char t = buf[i * cand];

			hits += t == 0x02 || t == 0x05 || t == 0x0a || t == 0x0d;
		}
		score = (double)hits / (double)(pages - 1);
		if (hits && score > best_score) {
			best = cand;
			best_score = score;
		}
	}
	return best;
}

static void
no_row(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v, size_t ncols)
{
	(void)ctx;
	(void)rowid;
	(void)page;
	(void)v;
	(void)ncols;
}

/* Rows of want columns found at any offset of one page: the cells a damaged cell pointer array no longer reaches. */
static size_t
carve_page(struct file *f, uint32_t pgno, size_t want, sqlpage_row_fn fn, void *ctx, struct sqlpage_value *v,
	   size_t *work)
{
	const unsigned char *pg = page_at(f, pgno), *end = pg + f->usable;
	size_t rows = 0, maxlocal = f->usable - 35;

	for (size_t off = 8; off + 4 < f->usable; off++) {
		uint64_t plen, rowid, hlen;
		size_t k1, k2, k3, ncols = 0;
		const unsigned char *rec;

		if (!(k1 = varint(pg + off, end, &plen)) || plen < want || plen > maxlocal ||
		    !(k2 = varint(pg + off + k1, end, &rowid)) || (int64_t)rowid <= 0 ||
		    pg + off + k1 + k2 + plen > end)
			continue;
		rec = pg + off + k1 + k2;
		/* the record header: one serial type per column, at least want bytes */
		if (!(k3 = varint(rec, rec + plen, &hlen)) || hlen < want || hlen > plen || hlen > 9 * want + 9)
			continue;
		/* a hostile file of look-alike headers costs no more than a few passes over it */
		if (*work < hlen)
			return rows;
		*work -= (size_t)hlen;
		if (!record(rec, (size_t)plen, v, &ncols) || ncols != want)
			continue;
		{
			/* the body ends exactly where the payload does */
			const unsigned char *h = rec + k3;
			uint64_t body = 0, t;
			size_t k;

			while (h < rec + hlen && (k = varint(h, rec + hlen, &t))) {
				h += k;
				static const unsigned char isz[] = {0, 1, 2, 3, 4, 6, 8};

				body += t >= 12 ? (t - 12) / 2 : t == 7 ? 8 : t <= 6 ? isz[t] : 0;
			}
			if (hlen + body != plen)
				continue;
		}
		fn(ctx, (int64_t)rowid, pgno, v, ncols);
		rows++;
		off += k1 + k2 + (size_t)plen - 1;
	}
	return rows;
}

/* Page size, usable size and page count of f: from the header when it is sane, else guessed from the pages. */
static void
file_geometry(struct file *f)
{
	const unsigned char *buf = f->b;
	size_t len = f->len;

	if (len >= 100 && memcmp(buf, "SQLite format 3", 16) == 0) {
		size_t ps = (size_t)buf[16] << 8 | buf[17];

		if (ps == 1)
			ps = 65536;
		if (ps >= 512 && (ps & (ps - 1)) == 0 && buf[20] < ps - 480) {
			f->ps = ps;
			f->usable = ps - buf[20];
		} else {
			f->ps = f->usable = guess_page_size(buf, len);
		}
	} else {
		f->ps = f->usable = guess_page_size(buf, len);
	}
	f->npages = (uint32_t)(len / f->ps);
}

size_t
sqlpage_carve_rows(const unsigned char *buf, size_t len, size_t want, sqlpage_row_fn fn, void *ctx)
{
	struct file f = {buf, len, 4096, 4096, 0, 2 * len + MAX_PAYLOAD};
	struct sqlpage_value *v;
	size_t rows = 0, work = 8 * len + (1u << 20);

	if (want < 2 || want > MAX_COLS)
		return 0;
	file_geometry(&f);
	v = xmalloc(MAX_COLS * sizeof(*v));
	for (uint32_t pg = 2; pg <= f.npages; pg++) {
		unsigned char t = page_at(&f, pg)[0];
		size_t bad = 0;

		/* index and interior pages hold no row; a leaf page whose every cell reads is done */
		if (t == 0x02 || t == 0x05 || t == 0x0a)
			continue;
		if (t == 0x0d) {
			leaf(&f, pg, page_at(&f, pg), 0, page_at(&f, pg) + f.usable, no_row, NULL, &bad, v);
			if (!bad && ((size_t)page_at(&f, pg)[3] << 8 | page_at(&f, pg)[4]) > 0)
				continue;
		}
		f.copy_left = 2 * len + MAX_PAYLOAD;
		rows += carve_page(&f, pg, want, fn, ctx, v, &work);
	}
	free(v);
	return rows;
}

size_t
sqlpage_scan_schema(const unsigned char *buf, size_t len, sqlpage_row_fn fn, void *ctx)
{
	struct file f = {buf, len, 4096, 4096, 0, 2 * len + MAX_PAYLOAD};
	struct sqlpage_value *v;
	size_t rows;

	if (len < 512 || memcmp(buf, "SQLite format 3", 16) != 0)
		return 0;
	f.ps = (size_t)buf[16] << 8 | buf[17];
	if (f.ps == 1)
		f.ps = 65536;
	if (f.ps < 512 || (f.ps & (f.ps - 1)) != 0 || buf[20] >= f.ps - 480)
		return 0;
	f.usable = f.ps - buf[20];
	f.npages = (uint32_t)(len / f.ps);
	if (buf[100] != 0x0d)
		return 0;
	v = xmalloc(MAX_COLS * sizeof(*v));
	rows = leaf(&f, 1, buf, 100, buf + (len < f.usable ? len : f.usable), fn, ctx, NULL, v);
	free(v);
	return rows;
}

size_t
sqlpage_scan_leaves(const unsigned char *buf, size_t len, sqlpage_row_fn fn, void *ctx, size_t *bad,
		    bool *truncated)
{
	struct file f = {buf, len, 4096, 4096, 0, 2 * len + MAX_PAYLOAD};
	struct sqlpage_value *v;
	bool *freed;
	size_t rows = 0;

	if (truncated)
		*truncated = false;
	file_geometry(&f);
	if (f.npages < 2)
		return 0;
	if (truncated && len >= 100 && get_be32(buf + 28) > f.npages && get_be32(buf + 24) == get_be32(buf + 92))
		*truncated = true;
	freed = xzalloc(((size_t)f.npages + 1) * sizeof(bool));
	if (len >= 100 && memcmp(buf, "SQLite format 3", 16) == 0)
		mark_freelist(&f, freed);
	v = xmalloc(MAX_COLS * sizeof(*v));
	for (uint32_t pg = 2; pg <= f.npages; pg++)
		if (!freed[pg] && page_at(&f, pg)[0] == 0x0d)
			rows += leaf(&f, pg, page_at(&f, pg), 0, page_at(&f, pg) + f.usable, fn, ctx, bad, v);
	/* A last page the end of the file cuts: the cells before the cut. */
	if (len % f.ps >= 8 + 2 && buf[(size_t)f.npages * f.ps] == 0x0d)
		rows += leaf(&f, f.npages + 1, buf + (size_t)f.npages * f.ps, 0, buf + len, fn, ctx, bad, v);
	free(v);
	free(freed);
	return rows;
}
