/* SPDX-License-Identifier: MPL-2.0 */
/* store-check.c: read-only SQLite checks of cert9.db/key4.db and the legacy hash-file header. */
#include "store-check.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <cert.h>
#include <pk11pub.h>

#include "nss-attr.h"
#include "nssdb.h"
#include "strbuf.h"
#include "trust.h"
#include "banned.h"

char *
sqlstore_ro_uri(const char *path)
{
	static const char safe[] = "-._~/";
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "file:");
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr(safe, *s))
			strbuf_addch(&sb, (char)*s);
		else
			strbuf_addf(&sb, "%%%02X", *s);
	}
	/* immutable: no locking, no journal, no -wal/-shm files, nothing written beside the file. */
	strbuf_addstr(&sb, "?mode=ro&immutable=1");
	{
		char *r = strbuf_detach(&sb, NULL);

		strbuf_release(&sb); /* a no-op today; safe with either strbuf_detach */
		return r;
	}
}

static void
note(char *problem, const char *fmt, ...) _printf_(2, 3);

static void
note(char *problem, const char *fmt, ...)
{
	va_list ap;

	if (problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(problem, SQLSTORE_MSG_MAX, fmt, ap);
	va_end(ap);
}

static int
open_ro(const char *path, sqlite3 **db, struct mc_error *err)
{
	_autofree_ char *uri = sqlstore_ro_uri(path);
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return mc_error_set(err, MC_ENOENT, "'%s' does not exist", path);
		return mc_error_sys(err, "cannot stat '%s'", path);
	}
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EFAIL, "'%s' is not a regular file", path);
	if (access(path, R_OK) < 0)
		return mc_error_sys(err, "cannot read '%s'", path);
	if (sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		int ret = mc_error_set(err, MC_EFAIL, "cannot open '%s': %s", path,
				       *db ? sqlite3_errmsg(*db) : "out of memory");

		sqlite3_close(*db);
		*db = NULL;
		return ret;
	}
	sqlite3_busy_timeout(*db, 0);
	return 0;
}

/* PRAGMA integrity_check; false with the first lines of its answer (or the error) in problem. */
static bool
integrity(sqlite3 *db, char *problem, bool *opened)
{
	sqlite3_stmt *st = NULL;
	struct strbuf sb;
	bool ok = false;
	int rc, lines = 0;

	*opened = false;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(20)", -1, &st, NULL) != SQLITE_OK) {
		note(problem, "SQLite: %s", sqlite3_errmsg(db));
		return false;
	}
	strbuf_init(&sb);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);

		*opened = true;
		if (lines == 0 && line && streq(line, "ok"))
			ok = true;
		if (lines < 3)
			strbuf_addf(&sb, "%s%s", lines ? "; " : "", line ? line : "");
		lines++;
	}
	if (rc != SQLITE_DONE) {
		note(problem, "SQLite: %s", sqlite3_errmsg(db));
		ok = false;
	} else if (!ok) {
		*opened = true;
		note(problem, "integrity check: %s", sb.buf);
	}
	strbuf_release(&sb);
	sqlite3_finalize(st);
	return ok;
}

/* Does table have column? (PRAGMA table_info; the schema varies with the NSS version.) */
static bool
has_column(sqlite3 *db, const char *table, const char *column)
{
	_autofree_ char *sql = xasprintf("PRAGMA table_info(%s)", table);
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);

		found = name && streq(name, column);
	}
	sqlite3_finalize(st);
	return found;
}

static bool
has_table(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

struct blob {
	unsigned char *data;
	size_t len;
};

static void
blob_get(sqlite3_stmt *st, int col, struct blob *b)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	b->data = NULL;
	b->len = 0;
	if (p && n > 0) {
		b->data = xmalloc((size_t)n);
		memcpy(b->data, p, (size_t)n);
		b->len = (size_t)n;
	}
}

static bool
blob_eq(const struct blob *a, const struct blob *b)
{
	return a->len == b->len && a->len > 0 && memcmp(a->data, b->data, a->len) == 0;
}

struct cert_row {
	unsigned char sha256[32];
	struct blob issuer, serial;
};

struct trust_row {
	bool v32;
	struct blob issuer, serial, hash;
};

static bool
decodes(const unsigned char *der, size_t len)
{
	CERTCertificate *c;

	if (len == 0 || len > 0x7fffffff)
		return false;
	c = certdb_decode(der, len);
	if (!c)
		return false;
	CERT_DestroyCertificate(c);
	return true;
}

void
sqlstore_cert_report_release(struct sqlstore_cert_report *r)
{
	if (!r)
		return;
	free(r->trust_ids);
	free(r->trust_attrs);
	memset(r, 0, sizeof(*r));
}

/* What scan_rows gathers before it links trust rows to certificates. */
struct scan {
	struct cert_row *certs;
	size_t ncerts, cap_c;
	struct trust_row *trust;
	size_t ntrust, cap_t;
	size_t cap_id;         /* of r->trust_ids and r->trust_attrs */
};

static void
scan_release(struct scan *sc)
{
	for (size_t i = 0; i < sc->ncerts; i++) {
		free(sc->certs[i].issuer.data);
		free(sc->certs[i].serial.data);
	}
	for (size_t i = 0; i < sc->ntrust; i++) {
		free(sc->trust[i].issuer.data);
		free(sc->trust[i].serial.data);
		free(sc->trust[i].hash.data);
	}
	free(sc->certs);
	free(sc->trust);
}

/* A certificate row (columns: 0 id, 2 value, 3 issuer, 4 serial): counted, and kept when its DER decodes. */
static void
scan_cert_row(sqlite3_stmt *st, struct sqlstore_cert_report *r, struct scan *sc)
{
	const unsigned char *der = sqlite3_column_blob(st, 2);
	size_t len = (size_t)sqlite3_column_bytes(st, 2);
	struct cert_row *c;

	r->certs++;
	if (!der || !decodes(der, len)) {
		r->bad_certs++;
		note(r->problem, "certificate row %lld: %s", (long long)sqlite3_column_int64(st, 0),
		     der ? "the DER does not decode" : "no certificate value");
		return;
	}
	if (sc->ncerts == sc->cap_c) {
		sc->cap_c = sc->cap_c ? sc->cap_c * 2 : 64;
		sc->certs = xreallocarray(sc->certs, sc->cap_c, sizeof(*sc->certs));
	}
	c = &sc->certs[sc->ncerts++];
	PK11_HashBuf(SEC_OID_SHA256, c->sha256, der, (PRInt32)len);
	blob_get(st, 3, &c->issuer);
	blob_get(st, 4, &c->serial);
}

/* An old-form trust row (columns 6-9: the four CKA_TRUST_*) that says something: its id and first such attribute. */
static void
scan_trust_attr(sqlite3_stmt *st, struct sqlstore_cert_report *r, struct scan *sc)
{
	static const uint32_t trust_attr[4] = {CKA_TRUST_SERVER_AUTH, CKA_TRUST_CLIENT_AUTH, CKA_TRUST_CODE_SIGNING,
						CKA_TRUST_EMAIL_PROTECTION};
	uint32_t attr = 0;

	for (int k = 0; k < 4 && !attr; k++) {
		unsigned long v;

		/* TRUSTED, TRUSTED_DELEGATOR, NOT_TRUSTED, VALID_DELEGATOR say something. */
		if (nssattr_ulong(st, 6 + k, &v) &&
		    (v == CKT_NSS_TRUSTED || v == CKT_NSS_TRUSTED_DELEGATOR || v == CKT_NSS_NOT_TRUSTED ||
		     v == CKT_NSS_VALID_DELEGATOR))
			attr = trust_attr[k];
	}
	if (!attr)
		return;
	if (r->ntrust_ids == sc->cap_id) {
		sc->cap_id = sc->cap_id ? sc->cap_id * 2 : 64;
		r->trust_ids = xreallocarray(r->trust_ids, sc->cap_id, sizeof(*r->trust_ids));
		r->trust_attrs = xreallocarray(r->trust_attrs, sc->cap_id, sizeof(*r->trust_attrs));
	}
	r->trust_attrs[r->ntrust_ids] = attr;
	r->trust_ids[r->ntrust_ids++] = (uint32_t)sqlite3_column_int64(st, 0);
}

/* A trust row of either class (columns 3 issuer, 4 serial, 5 hash): kept for linking, counted. */
static void
scan_trust_row(sqlite3_stmt *st, bool v32, struct sqlstore_cert_report *r, struct scan *sc)
{
	struct trust_row *t;

	if (sc->ntrust == sc->cap_t) {
		sc->cap_t = sc->cap_t ? sc->cap_t * 2 : 64;
		sc->trust = xreallocarray(sc->trust, sc->cap_t, sizeof(*sc->trust));
	}
	t = &sc->trust[sc->ntrust++];
	t->v32 = v32;
	blob_get(st, 3, &t->issuer);
	blob_get(st, 4, &t->serial);
	blob_get(st, 5, &t->hash);
	if (t->v32) {
		r->trust_v32++;
	} else {
		r->trust++;
		scan_trust_attr(st, r, sc);
	}
}

/* Distinct certificates, and trust rows that name none of them (by SHA-256, or issuer and serial). */
static void
scan_link(const struct scan *sc, struct sqlstore_cert_report *r)
{
	r->distinct_certs = 0;
	for (size_t i = 0; i < sc->ncerts; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = memcmp(sc->certs[i].sha256, sc->certs[j].sha256, 32) == 0;
		if (!seen)
			r->distinct_certs++;
	}
	for (size_t i = 0; i < sc->ntrust; i++) {
		const struct trust_row *t = &sc->trust[i];
		bool found = false;

		for (size_t j = 0; j < sc->ncerts && !found; j++) {
			if (t->v32)
				found = t->hash.len == 32 && memcmp(t->hash.data, sc->certs[j].sha256, 32) == 0;
			else
				found = blob_eq(&t->issuer, &sc->certs[j].issuer) &&
					blob_eq(&t->serial, &sc->certs[j].serial);
		}
		if (!found) {
			r->orphan_trust++;
			note(r->problem, "a trust row names no certificate of the file");
		}
	}
}

static void
scan_rows(sqlite3 *db, struct sqlstore_cert_report *r)
{
	static const char *const cols[] = {"id", "a0", "a11", "a81", "a82", "a635",
					   "ace536358", "ace536359", "ace53635a", "ace53635b"};
	struct strbuf sql;
	sqlite3_stmt *st = NULL;
	struct scan sc = {0};
	int rc;

	strbuf_init(&sql);
	strbuf_addstr(&sql, "SELECT ");
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		strbuf_addf(&sql, "%s%s", i ? ", " : "", has_column(db, "nssPublic", cols[i]) ? cols[i] : "NULL");
	strbuf_addstr(&sql, " FROM nssPublic");
	if (sqlite3_prepare_v2(db, sql.buf, -1, &st, NULL) != SQLITE_OK) {
		note(r->problem, "cannot read nssPublic: %s", sqlite3_errmsg(db));
		note(r->rows_problem, "cannot read nssPublic: %s", sqlite3_errmsg(db));
		r->unreadable = 1;
		strbuf_release(&sql);
		return;
	}
	strbuf_release(&sql);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned long cls;

		r->rows++;
		if (!nssattr_ulong(st, 1, &cls))
			continue;
		if (cls == CKO_CERTIFICATE)
			scan_cert_row(st, r, &sc);
		else if (cls == CKO_NSS_TRUST || cls == TRUST_V32_CLASS)
			scan_trust_row(st, cls == TRUST_V32_CLASS, r, &sc);
	}
	if (rc != SQLITE_DONE) {
		r->unreadable = 1;
		note(r->problem, "rows after row %zu cannot be read: %s", r->rows, sqlite3_errmsg(db));
		note(r->rows_problem, "rows after row %zu cannot be read: %s", r->rows, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	scan_link(&sc, r);
	scan_release(&sc);
}

int
sqlstore_check_certdb(const char *path, struct sqlstore_cert_report *r, struct mc_error *err)
{
	sqlite3 *db = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = open_ro(path, &db, err)) < 0)
		return ret;
	r->integrity_ok = integrity(db, r->problem, &r->opened);
	if (r->opened) {
		r->schema_ok = has_table(db, "nssPublic") && has_column(db, "nssPublic", "id") &&
			       has_column(db, "nssPublic", "a0");
		if (!r->schema_ok)
			note(r->problem, "no nssPublic table: not a certificate database");
		else
			scan_rows(db, r);
	}
	sqlite3_close(db);
	return 0;
}

static long long
count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
sqlstore_check_keydb(const char *path, struct sqlstore_key_report *r, struct mc_error *err)
{
	sqlite3 *db = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = open_ro(path, &db, err)) < 0)
		return ret;
	r->integrity_ok = integrity(db, r->problem, &r->opened);
	if (r->opened) {
		long long n;

		r->schema_ok = has_table(db, "nssPrivate") && has_table(db, "metaData");
		if (!r->schema_ok) {
			note(r->problem, "no nssPrivate/metaData tables: not a key database");
		} else {
			n = count_rows(db, "SELECT count(*) FROM nssPrivate");
			if (n < 0) {
				note(r->problem, "cannot read nssPrivate: %s", sqlite3_errmsg(db));
				r->integrity_ok = false;
			}
			r->private_keys = n > 0 ? (size_t)n : 0;
			n = count_rows(db, "SELECT count(*) FROM metaData WHERE id LIKE 'sig_%'");
			r->macs = n > 0 ? (size_t)n : 0;
			r->has_password = count_rows(db, "SELECT count(*) FROM metaData WHERE id='password'") > 0;
		}
	}
	sqlite3_close(db);
	return 0;
}

int
sqlstore_missing_macs(const char *keypath, const struct sqlstore_cert_report *cr, size_t *missing,
		      struct mc_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ret;

	*missing = 0;
	if ((ret = open_ro(keypath, &db, err)) < 0)
		return ret;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM metaData WHERE id=?", -1, &st, NULL) != SQLITE_OK) {
		ret = mc_error_set(err, MC_EFAIL, "cannot read '%s': %s", keypath, sqlite3_errmsg(db));
		sqlite3_close(db);
		return ret;
	}
	for (size_t i = 0; i < cr->ntrust_ids; i++) {
		char id[64];

		/* SFTKDB_META_SIG_TEMPLATE "sig_%s_%08x_%08x" */
		snprintf(id, sizeof(id), "sig_cert_%08x_%08x", cr->trust_ids[i], cr->trust_attrs[i]);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW)
			(*missing)++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

/* ---- legacy hash files ---- */

#define HASH_MAGIC 0x061561u
#define HASH_VERSION 2u
#define HDR_SIZE 260 /* 16 int32 + h_charkey + 32 spares + 32 uint16 bitmaps */

/* hash.h __log2: the smallest i with 2^i >= n. */
static unsigned
ceil_log2(uint32_t n)
{
	unsigned i = 0;

	while (i < 32 && ((uint64_t)1 << i) < n)
		i++;
	return i;
}

int
sqlstore_dbm_header_check(const char *path, struct dbm_header_info *info, struct mc_error *err)
{
	unsigned char h[HDR_SIZE];
	_autoclose_ int fd = -1;
	struct stat st;
	struct dbm_header_info inf = {0};
	uint32_t bshift, ovfl_point, spares[32];
	ssize_t got = 0;

	if (info)
		memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return mc_error_set(err, MC_ENOENT, "'%s' does not exist", path);
		return mc_error_sys(err, "cannot open '%s'", path);
	}
	if (fstat(fd, &st) < 0)
		return mc_error_sys(err, "cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_EFAIL, "'%s' is not a regular file", path);
	inf.size = st.st_size;
	if (info)
		*info = inf;
	if (st.st_size == 0)
		return mc_error_set(err, MC_EDAMAGED, "'%s' is empty (zero bytes)", path);
	while ((size_t)got < sizeof(h)) {
		ssize_t n = read(fd, h + got, sizeof(h) - (size_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mc_error_sys(err, "cannot read '%s'", path);
		if (n == 0)
			break;
		got += n;
	}
	if ((size_t)got < sizeof(h))
		return mc_error_set(err, MC_EDAMAGED, "'%s' is too short for a database header (%lld bytes)", path,
				    (long long)st.st_size);
	if (get_be32(h) != HASH_MAGIC)
		return mc_error_set(err, MC_EDAMAGED, "'%s': bad header magic %08x (not a Berkeley DB hash file)",
				    path, get_be32(h));
	if (get_be32(h + 4) != HASH_VERSION)
		return mc_error_set(err, MC_EDAMAGED, "'%s': unsupported hash version %u", path, get_be32(h + 4));
	inf.bsize = get_be32(h + 12);
	bshift = get_be32(h + 16);
	ovfl_point = get_be32(h + 32);
	inf.max_bucket = get_be32(h + 40);
	inf.nkeys = get_be32(h + 56);
	inf.hdrpages = get_be32(h + 60);
	for (size_t i = 0; i < 32; i++)
		spares[i] = get_be32(h + 68 + 4 * i);
	if (info)
		*info = inf;
	if (bshift < 8 || bshift > 16 || inf.bsize != (1u << bshift))
		return mc_error_set(err, MC_EDAMAGED, "'%s': bad page size %u in the header", path, inf.bsize);
	if (ovfl_point >= 32 || inf.hdrpages == 0 || inf.hdrpages > 64 || inf.max_bucket >= (1u << 30))
		return mc_error_set(err, MC_EDAMAGED, "'%s': inconsistent header", path);
	{
		uint32_t b = inf.max_bucket;
		uint64_t page = (uint64_t)b + inf.hdrpages + (b ? spares[ceil_log2(b + 1) - 1] : 0);

		inf.pages_needed = page + 1;
	}
	inf.pages_present = (uint64_t)st.st_size / inf.bsize;
	if (info)
		*info = inf;
	if ((uint64_t)st.st_size % inf.bsize)
		return mc_error_set(err, MC_EDAMAGED,
				    "'%s' is truncated inside a page (%lld bytes is not a multiple of the %u-byte page)",
				    path, (long long)st.st_size, inf.bsize);
	if (inf.pages_present < inf.pages_needed)
		return mc_error_set(err, MC_EDAMAGED,
				    "'%s' is truncated: %llu pages present, the header needs %llu (records are lost)",
				    path, (unsigned long long)inf.pages_present, (unsigned long long)inf.pages_needed);
	return 0;
}
