/* SPDX-License-Identifier: MPL-2.0 */
/* salvage-sql.c: certificates and trust out of a damaged cert9.db through SQLite (docs/nss-internals.md 1.5). */
#include "salvage.h"
#include "salvage-internal.h"

#include <stdint.h>
#include <sqlite3.h>
#include <cert.h>
#include <certdb.h>
#include <pkcs11n.h>
#include <sechash.h>

#include "nss-attr.h"
#include "sqlite-leaf.h"
#include "strbuf.h"
#include "trust.h"
#include "banned.h"

static const char *const sql_cols[] = {
	"a0", "a3", "a11", "a81", "a82",
	"ace536358", "ace536359", "ace53635a", "ace53635b", "ace536360", "ace5363b4",
	"a62c", "a62d", "a62e", "a62f", "a635",
};

enum {
	C_CLASS, C_LABEL, C_VALUE, C_ISSUER, C_SERIAL,
	C_T_SERVER, C_T_CLIENT, C_T_CODE, C_T_EMAIL, C_T_STEP, C_T_SHA1,
	C_V_SERVER, C_V_CLIENT, C_V_CODE, C_V_EMAIL, C_V_HASH, N_COLS,
};

struct blob {
	unsigned char *p;
	size_t n;
	bool present;
};

struct sql_cert {
	size_t idx;          /* into salvage v */
	struct blob issuer, serial;
};

struct sql_trust {
	bool v32;
	struct blob issuer, serial;
	unsigned char sha1[20], sha256[32];
	bool has_sha1;
	CERTCertTrust t;
};

/* A column value as a blob; p and n as sqlite3_column_blob/bytes give them. */
static void
blob_set(struct blob *b, bool null, const unsigned char *p, int n)
{
	memset(b, 0, sizeof(*b));
	if (null)
		return;
	b->present = true;
	/* SQLITE_EXPLICIT_NULL: a present, empty value. */
	if (!p || n <= 0 || (n == 3 && p[0] == 0xa5 && p[1] == 0x00 && p[2] == 0x5a))
		return;
	b->p = xmalloc((size_t)n + 1);
	memcpy(b->p, p, (size_t)n);
	b->p[n] = '\0';
	b->n = (size_t)n;
}

static void
blob_get(sqlite3_stmt *st, int col, struct blob *b)
{
	blob_set(b, sqlite3_column_type(st, col) == SQLITE_NULL, sqlite3_column_blob(st, col),
		 sqlite3_column_bytes(st, col));
}

static bool
blob_eq(const struct blob *a, const struct blob *b)
{
	return a->n && a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static unsigned long
blob_ulong(const struct blob *b, bool *ok)
{
	unsigned long v = 0;

	*ok = b->n && nssattr_ulong_bytes(b->p, (size_t)b->n, &v);
	return v;
}

static bool
sqlite_header_sane(const unsigned char *b, size_t len)
{
	unsigned ps;

	if (len < 100 || memcmp(b, "SQLite format 3", 16) != 0)
		return false;
	ps = (unsigned)b[16] << 8 | b[17];
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || (ps & (ps - 1)) != 0)
		return false;
	return b[21] == 64 && b[22] == 32 && b[23] == 32 && b[56] == 0 && b[57] == 0 && b[58] == 0 &&
	       b[59] >= 1 && b[59] <= 3;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Rebuild a destroyed 100-byte SQLite header, guessing the page size from the b-tree pages that follow. */
static void
sqlite_rebuild_header(unsigned char *b, size_t len)
{
	unsigned ps = 4096;

	for (unsigned cand = 512; cand <= 65536; cand <<= 1) {
		unsigned char t;

		if (len < (size_t)cand * 2 + 8 || len % cand != 0)
			continue;
		t = b[cand];
		if (t == 0x02 || t == 0x05 || t == 0x0a || t == 0x0d) {
			ps = cand;
			if (cand == 4096)
				break;
		}
	}
	memset(b, 0, 100);
	memcpy(b, "SQLite format 3", 16);
	b[16] = (unsigned char)(ps == 65536 ? 0 : ps >> 8);
	b[17] = (unsigned char)(ps == 65536 ? 1 : ps & 0xff);
	b[18] = 1;
	b[19] = 1;
	b[21] = 64;
	b[22] = 32;
	b[23] = 32;
	put32(b + 24, 1);
	put32(b + 28, (uint32_t)((len + ps - 1) / ps));
	put32(b + 40, 1);
	put32(b + 44, 4);
	put32(b + 56, 1);
	put32(b + 92, 1);
	put32(b + 96, (uint32_t)SQLITE_VERSION_NUMBER);
}

/* An in-memory, read-only SQLite database over a private copy of buf. */
static int
sqlite_open_buf(const unsigned char *buf, size_t len, bool fix_header, sqlite3 **out, char **why)
{
	sqlite3 *db = NULL;
	unsigned char *copy;
	int rc;

	*out = NULL;
	if (len == 0) {
		*why = xstrdup("the file is empty");
		return -1;
	}
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		*why = xstrdup("SQLite cannot start");
		sqlite3_close(db);
		return -1;
	}
	copy = sqlite3_malloc64(len);
	if (!copy) {
		sqlite3_close(db);
		*why = xstrdup("out of memory");
		return -1;
	}
	memcpy(copy, buf, len);
	if (fix_header && !sqlite_header_sane(copy, len)) {
		if (len < 512) {
			sqlite3_free(copy);
			sqlite3_close(db);
			*why = xstrdup("too short to be an SQLite database");
			return -1;
		}
		sqlite_rebuild_header(copy, len);
	} else if (fix_header) {
		/* A truncated file: SQLite trusts the page count of the header and gives up on the schema. */
		unsigned ps = (unsigned)copy[16] << 8 | copy[17];

		if (ps == 1)
			ps = 65536;
		put32(copy + 28, (uint32_t)((len + ps - 1) / ps));
		memset(copy + 32, 0, 8);  /* the freelist may be gone too; it is not needed to read */
	}
	rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
				 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
	if (rc != SQLITE_OK) {
		*why = xasprintf("SQLite cannot load it: %s", sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

/*
 * The column number of each of sql_cols in nssPublic (-1: no such column) and
 * the table's width; -1 when the schema cannot be read or has no nssPublic.
 */
static int
sql_columns(sqlite3 *db, int cid[N_COLS], size_t *ncols, char **why)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*ncols = 0;
	for (int i = 0; i < N_COLS; i++)
		cid[i] = -1;
	rc = sqlite3_prepare_v2(db, "PRAGMA table_info(nssPublic)", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*why = xasprintf("SQLite cannot read the schema: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		int c = sqlite3_column_int(st, 0);

		(*ncols)++;
		for (size_t i = 0; name && i < N_COLS; i++)
			if (streq(name, sql_cols[i]))
				cid[i] = c;
	}
	if (rc != SQLITE_DONE) {
		*why = xasprintf("SQLite cannot read the schema: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (*ncols == 0 || cid[C_CLASS] < 0) {
		*why = xstrdup("no nssPublic table (not a cert9.db, or its schema page is destroyed)");
		return -1;
	}
	return 0;
}

/* The nssPublic row of sqlite_master, read off page 1 by sqlpage_scan_schema. */
struct schema_ctx {
	char *sql;
	uint32_t root;
};

static void
schema_row(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v, size_t ncols)
{
	struct schema_ctx *sc = ctx;

	(void)rowid;
	(void)page;
	if (sc->sql || ncols != 5 || v[0].type != SQLITE_TEXT || v[1].type != SQLITE_TEXT || v[4].type != SQLITE_TEXT ||
	    v[0].n != 5 || memcmp(v[0].p, "table", 5) != 0 || v[1].n != 9 || memcmp(v[1].p, "nssPublic", 9) != 0)
		return;
	sc->sql = xstrndup((const char *)v[4].p, v[4].n);
	if (v[3].type == SQLITE_INTEGER && v[3].i > 0 && v[3].i <= UINT32_MAX)
		sc->root = (uint32_t)v[3].i;
}

/*
 * The columns of nssPublic from its CREATE TABLE statement read off page 1,
 * when SQLite refuses the schema (a truncated file: the root pages of its
 * indexes lie past the end). The statement as SQLite keeps it: ALTER TABLE
 * ADD COLUMN appends to it. -1 when page 1 has no such statement.
 */
static int
sql_columns_from_page1(const unsigned char *buf, size_t len, int cid[N_COLS], size_t *ncols, uint32_t *root)
{
	struct schema_ctx sc = {NULL, 0};
	const char *p, *end;
	size_t c = 0;

	*ncols = 0;
	for (int i = 0; i < N_COLS; i++)
		cid[i] = -1;
	sqlpage_scan_schema(buf, len, schema_row, &sc);
	*root = sc.root;
	if (!sc.sql)
		return -1;
	p = strchr(sc.sql, '(');
	end = strrchr(sc.sql, ')');
	if (!p || !end || end < p) {
		free(sc.sql);
		return -1;
	}
	for (p++; p < end; c++) {
		const char *q;
		size_t n;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ','))
			p++;
		if (p >= end)
			break;
		for (q = p; q < end && *q != ' ' && *q != ',' && *q != '\t' && *q != '\n'; q++)
			;
		n = (size_t)(q - p);
		for (size_t i = 0; i < N_COLS; i++)
			if (strlen(sql_cols[i]) == n && memcmp(sql_cols[i], p, n) == 0)
				cid[i] = (int)c;
		while (q < end && *q != ',')
			q++;
		p = q;
	}
	free(sc.sql);
	*ncols = c;
	return c && cid[C_CLASS] >= 0 ? 0 : -1;
}

/*
 * The column lists of nssPublic as NSS versions create it (sdb.c's
 * known_attributes at the time), read from stores the NSS named made: when
 * page 1 is destroyed, the width of the rows on the leaf pages says which one
 * wrote them.
 */
static const char *const known_layouts[] = {
	/* NSS 3.87 (system certutil): 120 columns */
	"id a0 a1 a2 a3 a10 a11 a12 a80 a81 a82 a83 a84 a85 a86 a87 a88 "
	"a89 a8a a8b a90 a100 a101 a102 a103 a104 a105 a106 a107 a108 a109 a10a a10b a10c a110 a111 a120 "
	"a121 a122 a123 a124 a125 a126 a127 a128 a129 a130 a131 a132 a133 a134 a160 a161 a162 a163 a164 "
	"a165 a166 a170 a180 a181 a200 a201 a202 a210 a300 a301 a302 a400 a401 a402 a403 a404 a405 a406 "
	"a480 a481 a482 a500 a501 a502 a503 a40000211 a40000212 a80000001 ace534351 ace534352 ace534353 "
	"ace534354 ace534355 ace534356 ace534357 ace534358 ace534364 ace534365 ace534366 ace534367 "
	"ace534368 ace534369 ace534373 ace534374 ace536351 ace536352 ace536353 ace536354 ace536355 "
	"ace536356 ace536357 ace536358 ace536359 ace53635a ace53635b ace53635c ace53635d ace53635e "
	"ace53635f ace536360 ace5363b4 ace5363b5 ad5a0db00",
	/* Firefox ESR's NSS (PKCS #11 3.2): 193 columns */
	"id a0 a1 a2 a3 a4 a10 a11 a12 a80 a81 a82 a83 a84 a85 a86 a87 a88 "
	"a89 a8a a8b a8c a90 a100 a101 a102 a103 a104 a105 a106 a107 a108 a109 a10a a10b a10c a110 a111 "
	"a120 a121 a122 a123 a124 a125 a126 a127 a128 a129 a130 a131 a132 a133 a134 a160 a161 a162 a163 "
	"a164 a165 a166 a170 a171 a172 a180 a181 a200 a201 a202 a210 a40000211 a40000212 a40000213 a220 "
	"a221 a222 a223 a224 a225 a226 a227 a22e a22f a22a a22b a22c a22d a250 a251 a252 a300 a301 a302 "
	"a400 a401 a402 a403 a404 a405 a406 a480 a481 a482 a500 a501 a502 a503 a601 a602 a603 a604 a605 "
	"a606 a607 a608 a609 a60a a60b a60c a60d a60e a60f a610 a611 a612 a617 a618 a619 a61a a61b a61c "
	"a61d a61e a61f a620 a621 a622 a623 a624 a625 a626 a627 a629 a628 a62a a62b a62c a62d a62e a62f "
	"a630 a631 a632 a633 a634 a635 a636 a637 a80000001 ace534351 ace534352 ace534353 ace534354 "
	"ace534355 ace534356 ace534357 ace534358 ace534364 ace534365 ace534366 ace534367 ace534368 "
	"ace534369 ace534373 ace534374 ace536351 ace536352 ace536353 ace536354 ace536355 ace536356 "
	"ace536357 ace536358 ace536359 ace53635a ace53635b ace53635c ace53635d ace53635e ace53635f "
	"ace536360 ace5363b4 ace5363b5 ad5a0db00",
};

static void
widest_row(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v, size_t ncols)
{
	size_t *widest = ctx;

	(void)rowid;
	(void)page;
	(void)v;
	if (ncols > *widest)
		*widest = ncols;
}

/* The columns of nssPublic from the width of the rows alone: -1 when no known layout has that width. */
static int
sql_columns_from_shape(const unsigned char *buf, size_t len, int cid[N_COLS], size_t *ncols)
{
	size_t widest = 0;

	*ncols = 0;
	sqlpage_scan_leaves(buf, len, widest_row, &widest, NULL, NULL);
	for (size_t k = 0; k < ARRAY_SIZE(known_layouts); k++) {
		const char *p = known_layouts[k];
		size_t c = 0;

		for (int i = 0; i < N_COLS; i++)
			cid[i] = -1;
		while (*p) {
			size_t n = strcspn(p, " ");

			for (size_t i = 0; i < N_COLS; i++)
				if (strlen(sql_cols[i]) == n && memcmp(sql_cols[i], p, n) == 0)
					cid[i] = (int)c;
			c++;
			p += n;
			p += strspn(p, " ");
		}
		if (c == widest && cid[C_CLASS] >= 0) {
			*ncols = c;
			return 0;
		}
	}
	for (int i = 0; i < N_COLS; i++)
		cid[i] = -1;
	return -1;
}

static void
sql_trust_free(struct sql_trust *t)
{
	free(t->issuer.p);
	free(t->serial.p);
}

/* One row (its columns in b, owned and freed here): a certificate goes into s (and certs), a trust object into trusts. */
static void
sql_row(struct blob b[N_COLS], struct salvage *s, struct sql_cert **certs, size_t *ncerts,
	struct sql_trust **trusts, size_t *ntrusts)
{
	unsigned long cls;
	bool ok;

	cls = blob_ulong(&b[C_CLASS], &ok);
	if (!ok) {
		/* Every object NSS writes has a class: this row is damaged, and may have been a certificate. */
		s->units_bad++;
		s->damaged = true;
		goto out;
	}
	if (cls == CKO_CERTIFICATE && b[C_VALUE].n) {
		int r = salvage_add(s, b[C_VALUE].p, b[C_VALUE].n, b[C_LABEL].n ? (char *)b[C_LABEL].p : NULL,
				    NULL, SALVAGE_SQL);
		ssize_t idx = r >= 0 ? salvage_find(s, b[C_VALUE].p, b[C_VALUE].n) : -1;

		if (idx >= 0) {
			struct sql_cert *c;

			*certs = xreallocarray(*certs, *ncerts + 1, sizeof(**certs));
			c = &(*certs)[(*ncerts)++];
			c->idx = (size_t)idx;
			c->issuer = b[C_ISSUER];
			c->serial = b[C_SERIAL];
			memset(&b[C_ISSUER], 0, sizeof(b[0]));
			memset(&b[C_SERIAL], 0, sizeof(b[0]));
		}
	} else if (cls == CKO_NSS_TRUST || cls == TRUST_V32_CLASS) {
		struct sql_trust t;
		unsigned long v[4] = {0, 0, 0, 0};
		int base = cls == CKO_NSS_TRUST ? C_T_SERVER : C_V_SERVER;

		memset(&t, 0, sizeof(t));
		for (int i = 0; i < 4; i++) {
			v[i] = blob_ulong(&b[base + i], &ok);
			if (!ok)
				v[i] = 0;
		}
		if (cls == CKO_NSS_TRUST) {
			salvage_trust_from_nss(v[0], v[1], v[2], v[3], b[C_T_STEP].n == 1 && b[C_T_STEP].p[0] == 1, &t.t);
			t.issuer = b[C_ISSUER];
			t.serial = b[C_SERIAL];
			memset(&b[C_ISSUER], 0, sizeof(b[0]));
			memset(&b[C_SERIAL], 0, sizeof(b[0]));
			if (b[C_T_SHA1].n == 20) {
				memcpy(t.sha1, b[C_T_SHA1].p, 20);
				t.has_sha1 = true;
			}
		} else {
			if (b[C_V_HASH].n != 32)
				goto orphan;
			t.v32 = true;
			memcpy(t.sha256, b[C_V_HASH].p, 32);
			/* Column order of sql_cols: server, client, code, email. */
			trust_from_v32(v[0], v[1], v[2], v[3], &t.t);
		}
		*trusts = xreallocarray(*trusts, *ntrusts + 1, sizeof(**trusts));
		(*trusts)[(*ntrusts)++] = t;
		goto out;
orphan:
		s->trust_orphans++;
	} else if (cls != CKO_DATA && cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY && cls != CKO_SECRET_KEY &&
		   cls != CKO_NSS_CRL && cls != CKO_NSS_SMIME && cls != CKO_NSS_BUILTIN_ROOT_LIST &&
		   cls != CKO_NSS_NEWSLOT && cls != CKO_NSS_DELSLOT) {
		/* No class NSS writes, or a certificate without its value: a damaged row, perhaps a certificate. */
		s->units_bad++;
		s->damaged = true;
	}
out:
	for (int i = 0; i < N_COLS; i++)
		free(b[i].p);
}

/* Attach trust rows to their certificates: old form first, then the 3.2 form, which wins (as NSS 3.125 reads it). */
static void
sql_link(struct salvage *s, struct sql_cert *certs, size_t ncerts, struct sql_trust *trusts, size_t ntrusts)
{
	bool *from_sql_old = xzalloc((s->n + 1) * sizeof(bool));
	unsigned char (*sha1)[20] = xmalloc((s->n + 1) * 20);

	for (size_t i = 0; i < s->n; i++)
		HASH_HashBuf(HASH_AlgSHA1, sha1[i], s->v[i].der, (PRUint32)s->v[i].der_len);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < ntrusts; k++) {
			struct sql_trust *t = &trusts[k];
			ssize_t hit = -1;

			if (t->v32 != (pass == 1))
				continue;
			if (t->v32) {
				for (size_t i = 0; i < s->n && hit < 0; i++)
					if (memcmp(s->v[i].sha256, t->sha256, 32) == 0)
						hit = (ssize_t)i;
			} else {
				for (size_t j = 0; j < ncerts && hit < 0; j++)
					if (blob_eq(&certs[j].issuer, &t->issuer) && blob_eq(&certs[j].serial, &t->serial))
						hit = (ssize_t)certs[j].idx;
				for (size_t i = 0; i < s->n && hit < 0 && t->has_sha1; i++)
					if (memcmp(sha1[i], t->sha1, 20) == 0)
						hit = (ssize_t)i;
			}
			if (hit < 0) {
				struct salvage_orphan *o;

				if (!t->v32 && !t->has_sha1) {
					s->trust_orphans++;
					continue;
				}
				s->orphans = xreallocarray(s->orphans, s->norphans + 1, sizeof(*s->orphans));
				o = &s->orphans[s->norphans++];
				memset(o, 0, sizeof(*o));
				o->trust = t->t;
				salvage_mask_trust(&o->trust);
				o->v32 = t->v32;
				o->hash_len = t->v32 ? 32 : 20;
				memcpy(o->hash, t->v32 ? t->sha256 : t->sha1, o->hash_len);
				continue;
			}
			{
				struct salvaged_cert *c = &s->v[hit];

				/*
				 * The row wins over what NSS showed: NSS finds trust through
				 * the indexes, and a damaged index page hides it (,,).
				 */
				if (c->has_trust && c->trust_source != SALVAGE_SQL && c->trust_source != SALVAGE_NSS)
					continue;
				if (c->trust_source == SALVAGE_NSS)
					c->has_trust = false;
				/* Among rows, the first wins, except that the 3.2 form overrides the old one. */
				if (c->has_trust && !(t->v32 && from_sql_old[hit]))
					continue;
				c->trust = t->t;
				salvage_mask_trust(&c->trust);
				c->has_trust = true;
				c->trust_source = SALVAGE_SQL;
				from_sql_old[hit] = !t->v32;
			}
		}
	}
	free(from_sql_old);
	free(sha1);
}

/* A set of rowids (open addressing): a hostile file may hold very many leaf rows. */
struct idset {
	sqlite3_int64 *v;
	bool *used;
	size_t cap, n;
};

static size_t
idset_slot(const struct idset *set, sqlite3_int64 id)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15u;
	size_t i = (size_t)(h >> 17) & (set->cap - 1);

	while (set->used[i] && set->v[i] != id)
		i = (i + 1) & (set->cap - 1);
	return i;
}

/* Add id; false when it was there already. */
static bool
idset_add(struct idset *set, sqlite3_int64 id)
{
	size_t i;

	if ((set->n + 1) * 2 > set->cap) {
		struct idset bigger = {NULL, NULL, set->cap ? set->cap * 2 : 64, set->n};

		bigger.v = xreallocarray(NULL, bigger.cap, sizeof(*bigger.v));
		bigger.used = xzalloc(bigger.cap * sizeof(*bigger.used));
		for (size_t k = 0; k < set->cap; k++) {
			if (set->used[k]) {
				size_t j = idset_slot(&bigger, set->v[k]);

				bigger.used[j] = true;
				bigger.v[j] = set->v[k];
			}
		}
		free(set->v);
		free(set->used);
		*set = bigger;
	}
	i = idset_slot(set, id);
	if (set->used[i])
		return false;
	set->used[i] = true;
	set->v[i] = id;
	set->n++;
	return true;
}

static void
idset_release(struct idset *set)
{
	free(set->v);
	free(set->used);
	memset(set, 0, sizeof(*set));
}

struct leaf_ctx {
	struct salvage *s;
	struct sql_cert **certs;
	size_t *ncerts;
	struct sql_trust **trusts;
	size_t *ntrusts;
	const sqlite3_int64 *read_ids; /* rowids SQLite read, ascending */
	size_t nread;
	struct idset extra;            /* rowids taken from leaf pages */
	size_t nextra;
	int cid[N_COLS];
	size_t table_cols;
	size_t bad_rows;               /* rows read off the pages that are damaged (counted apart from SQLite's) */
	struct idset leaf_seen;        /* every rowid met on the leaf pages */
	bool carving;                  /* rows from sqlpage_carve_rows: cells the leaf walk may have read */
	struct { int64_t rowid; uint32_t page; } *walked; /* what the leaf walk met, for the carving */
	size_t nwalked;
};

static bool
rowid_in(const sqlite3_int64 *v, size_t n, sqlite3_int64 id)
{
	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == id)
			return true;
		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A row off a leaf page that SQLite did not read through the b-tree: the first copy of a rowid wins. */
static void
leaf_row(void *ctx, int64_t rowid, uint32_t page, const struct sqlpage_value *v, size_t ncols)
{
	struct leaf_ctx *lc = ctx;
	struct blob b[N_COLS];

	/*
	 * A table's rowids are unique: the same rowid in two cells of the leaf
	 * pages means one of them is a damaged cell (its rowid overwritten), and
	 * whichever it is, a row is lost.
	 */
	if (!lc->carving && !idset_add(&lc->leaf_seen, rowid)) {
		lc->bad_rows++;
		lc->s->damaged = true;
		return;
	}
	if (!lc->carving) {
		lc->walked = xreallocarray(lc->walked, lc->nwalked + 1, sizeof(*lc->walked));
		lc->walked[lc->nwalked].rowid = rowid;
		lc->walked[lc->nwalked++].page = page;
	} else {
		/* a carved row the walk met on another page: two cells of one rowid, one of them damaged */
		for (size_t k = 0; k < lc->nwalked; k++) {
			if (lc->walked[k].rowid == rowid && lc->walked[k].page != page) {
				lc->bad_rows++;
				lc->s->damaged = true;
				return;
			}
		}
	}
	if (rowid_in(lc->read_ids, lc->nread, rowid) || !idset_add(&lc->extra, rowid))
		return;
	/* Older rows may lack columns added since; no nssPublic row has more: a damaged cell. */
	if (ncols < 2 || ncols > lc->table_cols) {
		lc->s->units_read++;
		lc->bad_rows++;
		lc->s->damaged = true;
		return;
	}
	/* NSS stores every attribute as a blob; a number is no attribute value it wrote: a damaged row. */
	for (int i = 0; i < N_COLS; i++) {
		int c = lc->cid[i];

		if (c >= 0 && (size_t)c < ncols && (v[c].type == SQLITE_INTEGER || v[c].type == SQLITE_FLOAT)) {
			lc->s->units_read++;
			lc->bad_rows++;
			lc->s->damaged = true;
			return;
		}
	}
	for (int i = 0; i < N_COLS; i++) {
		int c = lc->cid[i];
		bool null = c < 0 || (size_t)c >= ncols || v[c].type == SQLITE_NULL;

		blob_set(&b[i], null, null ? NULL : v[c].p, null ? 0 : (int)v[c].n);
	}
	lc->nextra++;
	lc->s->units_read++;
	sql_row(b, lc->s, lc->certs, lc->ncerts, lc->trusts, lc->ntrusts);
}

/*
 * After a failed read of the row following *cur: find the next rowid from the
 * cell headers alone (no payload is read). Found at once, that row's content
 * is what failed, and *cur becomes its rowid: retrying one rowid further would
 * fail on it again for every rowid below it, and a cell claiming a payload of
 * gigabytes costs SQLite an allocation that size each time (a 23 KB file took
 * 0.4 s, 218 s under ASan). Not found, the b-tree is damaged on the way: probe
 * one rowid further at a time, each further probe a bad unit taken from
 * *budget (the caller has taken the failed read); once found, *cur stops just
 * below it so that it is read. SQLITE_ROW to go on; anything else ends the walk.
 */
static int
seek_past(sqlite3_stmt *next_id, sqlite3_int64 *cur, size_t *budget, size_t *bad)
{
	for (bool first = true;; first = false) {
		sqlite3_int64 r = 0;
		int rc;

		sqlite3_bind_int64(next_id, 1, *cur);
		rc = sqlite3_step(next_id);
		if (rc == SQLITE_ROW)
			r = sqlite3_column_int64(next_id, 0);
		sqlite3_reset(next_id);
		if (rc == SQLITE_ROW) {
			if (r <= *cur)
				return SQLITE_CORRUPT;  /* a b-tree out of order */
			*cur = first ? r : r - 1;
			return SQLITE_ROW;
		}
		if (rc == SQLITE_DONE)
			return rc;
		if (!first) {
			(*bad)++;
			if (--*budget == 0)
				return SQLITE_FULL;
		}
		if (*cur == INT64_MAX)
			return SQLITE_FULL;
		(*cur)++;
	}
}

int
salvage_sql(const unsigned char *buf, size_t len, struct salvage *s, struct mc_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *next_id = NULL;
	int cid[N_COLS];
	size_t ncols = 0;
	_autofree_ char *why = NULL;
	struct sql_cert *certs = NULL;
	struct sql_trust *trusts = NULL;
	size_t ncerts = 0, ntrusts = 0;
	sqlite3_int64 *read_ids = NULL;
	size_t budget, bad_before = 0, bad_total = 0, nread = 0, read_alloc = 0;
	bool probing = false;
	struct strbuf q;
	int ret = 0;
	uint32_t root = 0;

	/* First as it is; then with a rebuilt header when SQLite refuses it. */
	if (sqlite_open_buf(buf, len, false, &db, &why) < 0 || sql_columns(db, cid, &ncols, &why) < 0) {
		_autofree_ char *why2 = NULL;

		sqlite3_close(db);
		db = NULL;
		s->damaged = true;
		if (len == 0 || sqlite_open_buf(buf, len, true, &db, &why2) < 0 || sql_columns(db, cid, &ncols, &why2) < 0) {
			sqlite3_close(db);
			db = NULL;
			if (sql_columns_from_page1(buf, len, cid, &ncols, &root) < 0 &&
			    sql_columns_from_shape(buf, len, cid, &ncols) < 0)
				return mc_error_set(err, MC_EDAMAGED, "%s", why);
			/* SQLite cannot read the table at all: its rows come off the leaf pages alone. */
			ret = mc_error_set(err, MC_EDAMAGED, "%s; rows read off the table's pages", why);
			strbuf_init(&q);
			goto pages;
		}
	}
	strbuf_init(&q);
	strbuf_addstr(&q, "SELECT ");
	for (int i = 0; i < N_COLS; i++)
		strbuf_addf(&q, "%s%s", i ? ", " : "", cid[i] >= 0 ? sql_cols[i] : "NULL");
	strbuf_addstr(&q, ", rowid FROM nssPublic WHERE rowid > ? ORDER BY rowid LIMIT 1");

	/*
	 * Each step seeks the next row after cur, so the work follows the rows
	 * there are, not the rowids a damaged or hostile file claims. A failed
	 * step (a damaged row, or a damaged page on the way) is stepped past by
	 * seek_past. Each failed step takes one from budget, and so does each
	 * probe after the first of a seek_past (the first is paid by its step):
	 * no more rows than budget fit in the file, and a failed step may cost
	 * SQLite an allocation as large as the payload a cell claims (a probe
	 * reads no payload). At most 2 x budget reads fail, budget of them steps.
	 */
	if (sqlite3_prepare_v2(db, "SELECT max(rowid) FROM nssPublic", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		/* The right edge of the table is damaged: errors at the end are the lost tail. */
		s->damaged = true;
		probing = true;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'nssPublic'", -1,
			       &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		sqlite3_int64 r = sqlite3_column_int64(st, 0);

		root = r > 0 && r <= UINT32_MAX ? (uint32_t)r : 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, q.buf, -1, &st, NULL) != SQLITE_OK) {
		ret = mc_error_set(err, MC_EDAMAGED, "SQLite cannot read nssPublic: %s", sqlite3_errmsg(db));
		s->damaged = true;
		goto out;
	}
	/* The rowid alone is in the cell header: no payload is read to find it. */
	if (sqlite3_prepare_v2(db, "SELECT rowid FROM nssPublic WHERE rowid > ? ORDER BY rowid LIMIT 1", -1,
			       &next_id, NULL) != SQLITE_OK)
		next_id = NULL;
	budget = len / 16 + 64;
	/*
	 * One read transaction for the whole walk: otherwise every step opens and
	 * every reset ends one (a third of the time on a damaged file). A failing
	 * step ends only its statement, not the transaction.
	 */
	(void)sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (sqlite3_int64 cur = 0;;) {
		int rc;

		sqlite3_bind_int64(st, 1, cur);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			sqlite3_int64 next = sqlite3_column_int64(st, N_COLS);
			struct blob b[N_COLS];

			bool numbers = false;

			s->units_read++;
			bad_before = bad_total;
			/* NSS binds every attribute as a blob: a number is a record header the damage rewrote. */
			for (int i = 0; i < N_COLS; i++)
				numbers |= sqlite3_column_type(st, i) == SQLITE_INTEGER || sqlite3_column_type(st, i) == SQLITE_FLOAT;
			if (numbers) {
				s->units_bad++;
				s->damaged = true;
			} else {
				for (int i = 0; i < N_COLS; i++)
					blob_get(st, i, &b[i]);
				sql_row(b, s, &certs, &ncerts, &trusts, &ntrusts);
			}
			if (nread == read_alloc) {
				read_alloc = read_alloc ? read_alloc * 2 : 64;
				read_ids = xreallocarray(read_ids, read_alloc, sizeof(*read_ids));
			}
			read_ids[nread++] = next;
			sqlite3_reset(st);
			if (next <= cur)
				break;  /* a b-tree out of order: stop rather than loop */
			cur = next;
			continue;
		}
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			break;
		bad_total++;
		s->damaged = true;
		if (--budget == 0)
			break;
		if (next_id) {
			if (seek_past(next_id, &cur, &budget, &bad_total) != SQLITE_ROW)
				break;
			continue;
		}
		if (cur == INT64_MAX)
			break;
		cur++;
	}
	(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	/* Probing past the end: errors after the last readable row are the lost tail, not rows. */
	s->units_bad += probing ? bad_before : bad_total;
	if (probing && bad_total > bad_before)
		s->tail_lost = true;
pages:
	{
		/*
		 * Rows SQLite cannot reach still sit on their leaf pages: a destroyed
		 * interior page (the table's root among them), or a damaged cell whose
		 * rowid misleads SQLite's search within its page so that the rows after
		 * it are passed over without an error. Every leaf page is read, every
		 * time; a row found there that SQLite did not give is damage.
		 */
		struct leaf_ctx lc = {s, &certs, &ncerts, &trusts, &ntrusts, read_ids, nread, {0}, 0, {0}, 0, 0, {0}, false, NULL, 0};
		size_t bad = 0, carved = 0;
		bool truncated = false;

		memcpy(lc.cid, cid, sizeof(lc.cid));
		lc.table_cols = ncols;
		sqlpage_scan_leaves(buf, len, leaf_row, &lc, &bad, &truncated);
		if (lc.nextra || bad)
			s->damaged = true;
		if (s->damaged) {
			/* Cells a damaged pointer array or page header hides: rows found by their shape. */
			carved = lc.nextra;
			lc.carving = true;
			sqlpage_carve_rows(buf, len, ncols, leaf_row, &lc);
			carved = lc.nextra - carved;
			/*
			 * A cell that does not parse stays a damaged row even when carving found
			 * rows: those may come from another page (measured: 7 rows carved off a
			 * page with a destroyed header hid a lost certificate elsewhere).
			 */
			(void)carved;
			if (lc.nextra) {
				/* What looked like a lost tail was unreachable rows, unless the file is short. */
				s->tail_lost = truncated || (s->tail_lost && bad);
				if (s->units_bad >= lc.nextra)
					s->units_bad -= lc.nextra;
				else
					s->units_bad = 0;
			}
			/* A cell of a leaf page that does not parse is a damaged row, whatever SQLite made of it. */
			if (s->units_bad < bad)
				s->units_bad = bad;
			s->units_bad += lc.bad_rows;
			if (root) {
				/* The table's own b-tree says whether truncation took rows, whatever it took of the indexes. */
				struct sqlpage_table tp;

				sqlpage_table_pages(buf, len, root, &tp);
				if (!tp.missing && !tp.damaged && tp.leaves) {
					s->tail_lost = false;
				} else if (tp.missing) {
					s->tail_lost = true;
					s->pages_lost = tp.missing;
				}
			}
		}
		idset_release(&lc.extra);
		idset_release(&lc.leaf_seen);
		free(lc.walked);
	}
	sql_link(s, certs, ncerts, trusts, ntrusts);
out:
	free(read_ids);
	for (size_t i = 0; i < ncerts; i++) {
		free(certs[i].issuer.p);
		free(certs[i].serial.p);
	}
	free(certs);
	for (size_t i = 0; i < ntrusts; i++)
		sql_trust_free(&trusts[i]);
	free(trusts);
	sqlite3_finalize(st);
	sqlite3_finalize(next_id);
	sqlite3_close(db);
	strbuf_release(&q);
	return ret;
}

int
salvage_sqlite_ok(const unsigned char *buf, size_t len, char **why)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;

	*why = NULL;
	if (sqlite_open_buf(buf, len, false, &db, why) < 0)
		return 0;
	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r && streq(r, "ok"))
			ok = 1;
		else
			*why = xasprintf("SQLite integrity check: %s", r ? r : "(no answer)");
	} else {
		*why = xasprintf("SQLite cannot read it: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}
