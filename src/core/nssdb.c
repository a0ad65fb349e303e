/* SPDX-License-Identifier: MPL-2.0 */
/* nssdb.c: the only module that opens NSS certificate stores; trust in both encodings. */
#include "nssdb.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <nss.h>
#include <pk11pub.h>
#include <secmod.h>
#include <cert.h>
#include <certdb.h>
#include <secerr.h>
#include <sechash.h>
#include <ssl.h>

#include "fileio.h"
#include "hot-journal.h"
#include "nss-attr.h"
#include "nssdb-internal.h"
#include "sqlite-errno.h"
#include "nss-list.h"
#include "strbuf.h"
#include "banned.h"

/*
 * Decode a certificate without the database. libnss3 exports it under this
 * name only (the documented CERT_DecodeDERCertificate is not exported:
 * docs/nss-internals.md 5); the signature is NSS's own since 3.2.
 */
extern CERTCertificate *__CERT_DecodeDERCertificate(SECItem *derSignedCert, PRBool copyDER, char *nickname);

static bool nss_active;
static bool nodb_active;  /* a certdb_nodb_init session is up */
static char *pw_secret;

const char *
nssdb_password(void)
{
	return pw_secret;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(CERTCertList *, CERT_DestroyCertList)

static char *
pw_callback(PK11SlotInfo *slot, PRBool retry, void *arg)
{
	/* Returning the same wrong password again would loop forever. */
	if (retry || !pw_secret)
		return NULL;
	return PORT_Strdup(pw_secret);
}

static void
pw_forget(void)
{
	if (pw_secret) {
		secure_wipe(pw_secret, strlen(pw_secret));
		free(pw_secret);
		pw_secret = NULL;
	}
}

static const char *
cert_file(enum certdb_kind kind)
{
	return kind == CERTDB_SQL ? "cert9.db" : "cert8.db";
}

static const char *
key_file(enum certdb_kind kind)
{
	return kind == CERTDB_SQL ? "key4.db" : "key3.db";
}

static bool
has_legacy_beside(const char *dir)
{
	_autofree_ char *c8 = path_join(dir, "cert8.db");
	_autofree_ char *k3 = path_join(dir, "key3.db");

	return fileio_exists(c8) || fileio_exists(k3);
}

static int
make_private_copy(const char *dir, enum certdb_kind kind, char **copy, struct mc_error *err)
{
	_autofree_ char *tmpl = fileio_private_dir(fileio_tmpdir(), "ro", err);
	const char *names[2] = {cert_file(kind), key_file(kind)};

	if (!tmpl)
		return MC_EFAIL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_autofree_ char *src = path_join(dir, names[i]);
		_autofree_ char *dst = path_join(tmpl, names[i]);
		int ret;

		if (!fileio_exists(src))
			continue;
		if ((ret = fileio_copy(src, dst, 0600, false, err)) < 0) {
			fileio_remove_tree(tmpl);
			return ret;
		}
	}
	/* A journal the application left: the copy is read as SQLite would, rolled back. */
	for (size_t i = 0; kind == CERTDB_SQL && i < ARRAY_SIZE(names); i++) {
		int ret = hotjournal_carry(dir, tmpl, names[i], err);

		if (ret < 0) {
			fileio_remove_tree(tmpl);
			return ret;
		}
	}
	*copy = steal(&tmpl);
	return 0;
}

static int
load_v32(struct certdb *db, struct mc_error *err)
{
	size_t cap = 0;

	db->v32_objects = PK11_FindGenericObjects(db->slot, TRUST_V32_CLASS);
	for (PK11GenericObject *o = db->v32_objects; o; o = PK11_GetNextGenericObject(o)) {
		static const unsigned long attrs[4] = {TRUST_V32_SERVER, TRUST_V32_CLIENT,
						      TRUST_V32_CODE, TRUST_V32_EMAIL};
		unsigned long vals[4] = {0, 0, 0, 0};
		SECItem hash = {siBuffer, NULL, 0};
		struct v32_trust *t;

		if (PK11_ReadRawAttribute(PK11_TypeGeneric, o, TRUST_V32_HASH, &hash) != SECSuccess)
			continue;
		if (hash.len != 32) {
			SECITEM_FreeItem(&hash, PR_FALSE);
			continue;
		}
		for (size_t i = 0; i < 4; i++) {
			SECItem v = {siBuffer, NULL, 0};

			if (PK11_ReadRawAttribute(PK11_TypeGeneric, o, attrs[i], &v) == SECSuccess) {
				nssattr_ulong_bytes(v.data, v.len, &vals[i]);
				SECITEM_FreeItem(&v, PR_FALSE);
			}
		}
		if (db->n_v32 == cap) {
			cap = cap ? cap * 2 : 16;
			db->v32 = xreallocarray(db->v32, cap, sizeof(*db->v32));
		}
		t = &db->v32[db->n_v32++];
		memcpy(t->hash, hash.data, 32);
		t->server = vals[0];
		t->client = vals[1];
		t->code = vals[2];
		t->email = vals[3];
		t->obj = o;
		t->gone = false;
		SECITEM_FreeItem(&hash, PR_FALSE);
	}
	return 0;
}

struct v32_trust *
nssdb_find_v32(struct certdb *db, const unsigned char hash[32])
{
	for (size_t i = 0; i < db->n_v32; i++)
		if (!db->v32[i].gone && memcmp(db->v32[i].hash, hash, 32) == 0)
			return &db->v32[i];
	return NULL;
}

/*
 * NSS ignores some failures of its store: deleting a certificate whose trust
 * object cannot be deleted "succeeds". A failure SQLite recorded during an
 * operation NSS reported as done fails the operation here, with its file and
 * errno. Call sqlio_clear() right before the operation.
 */
int
nssdb_io_unreported(struct mc_error *err, const char *what, const char *name)
{
	char io[600];
	int e = sqlio_take_failure(io, sizeof(io));

	if (e == 0)
		return 0;
	if (err && err->code == 0) {
		mc_error_set(err, MC_EFAIL, "%s '%s': %s", what, name ? name : "?", io);
		err->sys_errno = e;
	}
	return MC_EFAIL;
}

int
certdb_open(const char *dir, enum certdb_kind kind, unsigned flags,
	    const char *password, struct certdb **out, struct mc_error *err)
{
	return certdb_open_as(dir, dir, kind, flags, password, out, err);
}

/* NSS may be initialised here only when nothing holds it: no store open, no no-store session. */
static int
nss_free(struct mc_error *err)
{
	if (nss_active)
		return mc_error_set(err, MC_EFAIL, "internal error: a certificate store is already open");
	if (nodb_active)
		return mc_error_set(err, MC_EFAIL, "internal error: NSS is already up without a store");
	return 0;
}

/* Before anything is opened: a store is there, and its files are databases (never read as an empty store). */
static int
open_precheck(enum certdb_kind kind, const char *shown, const char *cpath, const char *kpath, const char *scpath,
	      const char *skpath, struct mc_error *err)
{
	_autofree_ char *what = NULL;
	int ret;

	if ((ret = nss_free(err)) < 0)
		return ret;
	if (!fileio_exists(cpath))
		return mc_error_set(err, MC_ENOENT, "no certificate store in '%s' (%s is missing)",
				    shown, cert_file(kind));
	what = fileio_not_a_store(cpath);
	if (!what && (what = fileio_not_a_store(kpath)))
		return mc_error_set(err, MC_EDAMAGED, "%s %s", skpath, what);
	if (what)
		return mc_error_set(err, MC_EDAMAGED, "%s %s", scpath, what);
	return 0;
}

/* Whether a read-only open must go through a private copy of the store. */
static bool
open_needs_copy(const struct certdb *db, const char *cpath, const char *kpath)
{
	/* NSS refuses a lone cert DB read-only, and a sql: open with legacy files beside falls back to them. */
	if (!fileio_exists(kpath) || (db->kind == CERTDB_SQL && has_legacy_beside(db->dir)))
		return true;
	/* SQLite cannot roll a hot journal back read-only, and must not on the profile's files. */
	return db->kind == CERTDB_SQL && (hotjournal_present(cpath) || hotjournal_present(kpath));
}

/* Give the private copy an empty key DB first, as 'certutil -N' would, so that it opens read-only. */
static int
init_copy_keydb(const char *spec, PRUint32 nss_flags, const char *scpath, struct mc_error *err)
{
	PK11SlotInfo *slot;

	sqlio_watch_install();
	sqlio_clear();
	if (NSS_Initialize(spec, "", "", "secmod.db", nss_flags) != SECSuccess)
		return mc_error_nss(err, "cannot open the certificate store '%s'", scpath);
	slot = PK11_GetInternalKeySlot();
	if (slot && PK11_NeedUserInit(slot))
		PK11_InitPin(slot, NULL, "");
	if (slot)
		PK11_FreeSlot(slot);
	if (NSS_Shutdown() != SECSuccess)
		return mc_error_nss(err, "cannot close the certificate store '%s'", scpath);
	return 0;
}

/* The store NSS opened: its slot, the Primary Password, an empty one set on a new writable key DB. */
static int
open_login(struct certdb *db, const char *password, const char *scpath, const char *skpath, struct mc_error *err)
{
	db->slot = PK11_GetInternalKeySlot();
	db->handle = CERT_GetDefaultCertDB();
	if (!db->slot || !db->handle)
		return mc_error_nss(err, "cannot open the certificate store '%s'", scpath);
	if (PK11_NeedLogin(db->slot)) {
		if (password && PK11_CheckUserPassword(db->slot, password) != SECSuccess)
			return mc_error_set(err, MC_EFAIL, "wrong Primary Password for '%s'", skpath);
	} else if (db->readwrite && PK11_NeedUserInit(db->slot)) {
		/* As Firefox does at start-up: an empty password, so trust can be signed. */
		if (PK11_InitPin(db->slot, NULL, "") != SECSuccess)
			return mc_error_nss(err, "cannot initialise the key database '%s'", skpath);
	}
	return 0;
}

/* An open that failed before NSS_Initialize succeeded: the copy and db go. */
static void
open_abandon(struct certdb *db)
{
	pw_forget();
	if (db->copy_dir)
		fileio_remove_tree(db->copy_dir);
	free(db->copy_dir);
	free(db->dir);
	free(db->shown);
	free(db);
}

int
certdb_open_as(const char *dir, const char *shown, enum certdb_kind kind, unsigned flags,
	       const char *password, struct certdb **out, struct mc_error *err)
{
	_autofree_ char *cpath = path_join(dir, cert_file(kind));
	_autofree_ char *kpath = path_join(dir, key_file(kind));
	/* what messages name: the user's files, never our copies */
	_autofree_ char *scpath = path_join(shown, cert_file(kind));
	_autofree_ char *skpath = path_join(shown, key_file(kind));
	_autofree_ char *spec = NULL;
	struct certdb *db;
	bool rw = flags & CERTDB_RDWR;
	bool copy = flags & CERTDB_PRIVATE_COPY;
	PRUint32 nss_flags = NSS_INIT_NOROOTINIT | NSS_INIT_NOMODDB | NSS_INIT_OPTIMIZESPACE;
	int ret;

	if ((ret = open_precheck(kind, shown, cpath, kpath, scpath, skpath, err)) < 0)
		return ret;
	db = xzalloc(sizeof(*db));
	db->dir = xstrdup(dir);
	db->shown = xstrdup(shown);
	db->kind = kind;
	db->readwrite = rw;
	if (!rw && !copy && open_needs_copy(db, cpath, kpath))
		copy = true;
	if (!rw && !copy)
		nss_flags |= NSS_INIT_READONLY;
	if (copy && (ret = make_private_copy(dir, kind, &db->copy_dir, err)) < 0)
		goto fail;
	spec = xasprintf("%s:%s", kind == CERTDB_SQL ? "sql" : "dbm", db->copy_dir ? db->copy_dir : dir);
	if (!rw && db->copy_dir && !fileio_exists(kpath) && (ret = init_copy_keydb(spec, nss_flags, scpath, err)) < 0)
		goto fail;
	if (!rw && db->copy_dir)
		nss_flags |= NSS_INIT_READONLY;
	pw_forget();
	if (password)
		pw_secret = xstrdup(password);
	PK11_SetPasswordFunc(pw_callback);
	sqlio_watch_install();
	sqlio_clear();
	if (NSS_Initialize(spec, "", "", "secmod.db", nss_flags) != SECSuccess) {
		ret = mc_error_nss(err, "cannot open the certificate store '%s'", scpath);
		goto fail;
	}
	nss_active = true;
	if ((ret = open_login(db, password, scpath, skpath, err)) < 0)
		goto fail_nss;
	/*
	 * Opening a new store beside a legacy key3.db/cert8.db makes NSS convert
	 * them, and a write that fails in the middle only drops objects (public
	 * keys) without an error: a store NSS could not write whole is not used.
	 */
	if (rw && (ret = nssdb_io_unreported(err, "cannot open the certificate store", scpath)) < 0)
		goto fail_nss;
	if ((ret = load_v32(db, err)) < 0)
		goto fail_nss;
	*out = db;
	return 0;

fail_nss:
	/* what SQLite or a copy reported names the user's files, not our copies */
	mc_error_rebase(err, db->copy_dir, shown);
	mc_error_rebase(err, dir, shown);
	certdb_close(db, NULL);
	return ret;
fail:
	mc_error_rebase(err, db->copy_dir, shown);
	mc_error_rebase(err, dir, shown);
	open_abandon(db);
	return ret;
}

int
certdb_close(struct certdb *db, struct mc_error *err)
{
	int ret = 0;

	if (!db)
		return 0;
	if (db->v32_objects)
		PK11_DestroyGenericObjects(db->v32_objects);
	free(db->v32);
	if (db->roots) {
		if (SECMOD_UnloadUserModule(db->roots) != SECSuccess && ret == 0)
			ret = mc_error_nss(err, "cannot unload the built-in roots module");
		SECMOD_DestroyModule(db->roots);
	}
	if (db->slot)
		PK11_FreeSlot(db->slot);
	if (nss_active) {
		if (NSS_Shutdown() != SECSuccess) {
			/*
			 * NSS read the store but cannot let go of it: objects its reader made of damaged
			 * records stay in use (issue 14: a cert8.db with overwritten pages). Say so, not BUSY.
			 */
			if (PORT_GetError() == SEC_ERROR_BUSY)
				ret = mc_error_set(err, MC_EDAMAGED,
						   "'%s/%s' is damaged: NSS read it but cannot release it (objects made of "
						   "damaged records stay in use); db repair rebuilds it without NSS's reader",
						   db->shown, cert_file(db->kind));
			else
				ret = mc_error_nss(err, "cannot close the certificate store of '%s'", db->shown);
		}
		nss_active = false;
	}
	pw_forget();
	if (db->copy_dir) {
		fileio_remove_tree(db->copy_dir);
		free(db->copy_dir);
	}
	free(db->dir);
	free(db->shown);
	free(db);
	return ret;
}

CERTCertificate *
certdb_decode(const unsigned char *der, size_t len)
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};

	if (len > UINT_MAX)
		return NULL;
	return __CERT_DecodeDERCertificate(&item, PR_TRUE, NULL);
}

void
certdb_describe(CERTCertificate *cert, struct cert_info *ci)
{
	ci->is_ca = CERT_IsCACert(cert, NULL);
	ci->subject = xstrdup(cert->subjectName ? cert->subjectName : "");
	ci->issuer = xstrdup(cert->issuerName ? cert->issuerName : "");
	ci->serial_hex = hex_encode(cert->serialNumber.data, cert->serialNumber.len, true);
	if (CERT_GetCertTimes(cert, &ci->not_before, &ci->not_after) != SECSuccess)
		ci->not_before = ci->not_after = 0;
}

int
certdb_load_roots(struct certdb *db, const char *library, struct mc_error *err)
{
	_autofree_ char *spec = NULL;
	SECMODModule *m;

	if (db->roots)
		return 0;
	if (strpbrk(library, "\"\\"))
		return mc_error_set(err, MC_EUSAGE, "'%s': a module path cannot hold quotes or backslashes", library);
	spec = xasprintf("name=\"mozcert built-in roots\" library=\"%s\"", library);
	m = SECMOD_LoadUserModule(spec, NULL, PR_FALSE);
	if (!m || !m->loaded) {
		if (m)
			SECMOD_DestroyModule(m);
		return mc_error_nss(err, "cannot load the built-in roots module '%s'", library);
	}
	db->roots = m;
	return 0;
}

void
cert_info_release(struct cert_info *ci)
{
	if (!ci)
		return;
	free(ci->nickname);
	free(ci->subject);
	free(ci->issuer);
	free(ci->serial_hex);
	free(ci->der);
	memset(ci, 0, sizeof(*ci));
}

void
cert_info_array_free(struct cert_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cert_info_release(&v[i]);
	free(v);
}

void
nssdb_sha256_of(const CERTCertificate *cert, unsigned char out[32])
{
	PK11_HashBuf(SEC_OID_SHA256, out, cert->derCert.data, (PRInt32)cert->derCert.len);
}

/* The trust the application's NSS acts on: a CKO_TRUST object wins over the old form. */
static bool
trust_over(struct certdb *db, const CERTCertTrust *base, const unsigned char hash[32], CERTCertTrust *out);

bool
nssdb_effective_trust(struct certdb *db, CERTCertificate *cert, const unsigned char hash[32],
		CERTCertTrust *out)
{
	/* As certutil prints it: the trust NSS loaded with the certificate. */
	return trust_over(db, cert->trust, hash, out);
}

/* base: the old-form trust NSS read (NULL: none); a CKO_TRUST object for hash wins over it. */
static bool
trust_over(struct certdb *db, const CERTCertTrust *base, const unsigned char hash[32], CERTCertTrust *out)
{
	struct v32_trust *v;
	CERTCertTrust t;

	if (base)
		t = *base;
	else
		memset(&t, 0, sizeof(t));
	v = nssdb_find_v32(db, hash);
	if (!v) {
		*out = t;
		return false;
	}
	trust_from_v32(v->server, v->client, v->code, v->email, out);
	/* 'u' comes from the private key, not from the trust object. */
	out->sslFlags |= t.sslFlags & CERTDB_USER;
	out->emailFlags |= t.emailFlags & CERTDB_USER;
	out->objectSigningFlags |= t.objectSigningFlags & CERTDB_USER;
	return true;
}

/* base_trust: what NSS read for the certificate; nickname NULL takes cert->nickname. */
static void
fill_info_from(struct certdb *db, CERTCertificate *cert, const char *nickname,
	       const CERTCertTrust *base_trust, struct cert_info *ci)
{
	CERTCertTrust t;
	char *hex;

	memset(ci, 0, sizeof(*ci));
	if (!nickname)
		nickname = cert->nickname;
	ci->nickname = nickname ? xstrdup(nickname) : NULL;
	nssdb_sha256_of(cert, ci->sha256);
	hex = hex_encode(ci->sha256, 32, true);
	snprintf(ci->sha256_hex, sizeof(ci->sha256_hex), "%s", hex);
	free(hex);
	ci->trust_v32 = trust_over(db, base_trust, ci->sha256, &t);
	trust_format(&t, ci->trust);
	certdb_describe(cert, ci);
	ci->der_len = cert->derCert.len;
	ci->der = xmalloc(ci->der_len);
	memcpy(ci->der, cert->derCert.data, ci->der_len);
}

static void
fill_info(struct certdb *db, CERTCertificate *cert, struct cert_info *ci)
{
	fill_info_from(db, cert, NULL, cert->trust, ci);
}

static int
sha_cmp(const void *a, const void *b)
{
	return memcmp(((const struct cert_info *)a)->sha256, ((const struct cert_info *)b)->sha256, 32);
}

/*
 * The fast listing of a cert9.db: NSS's own listing reads every attribute of
 * every object through a freshly prepared SQL statement (certutil -L spends
 * 90% of its time there, docs/nss-internals.md 4). Here the certificate rows come from one
 * SQLite read and are decoded by NSS without the database; NSS is asked for
 * the trust of exactly the certificates that have a trust object, so the
 * trust shown is still what NSS verified (MACs included). Returns 1 when it
 * did the job, 0 when the caller must use NSS's listing.
 */
static int
list_fast(struct certdb *db, struct cert_info **out, size_t *n)
{
	struct sqllist rows = {0};
	struct mc_error ignored = {0};
	struct cert_info *v;
	size_t count = 0, k = 0;

	if (db->kind != CERTDB_SQL)
		return 0;
#ifdef MOZCERT_TEST_HOOKS
	/* Test hook (mozcert-test only): NSS's own listing, to compare the two. */
	if (getenv("MOZCERT_NSS_LIST"))
		return 0;
#endif
	if (sqllist_read(db->copy_dir ? db->copy_dir : db->dir, &rows, &ignored) < 0)
		return 0;
	/* 'u' comes from private keys: leave stores that have any to NSS. */
	if (rows.private_keys != 0) {
		sqllist_release(&rows);
		return 0;
	}
	v = xzalloc((rows.n ? rows.n : 1) * sizeof(*v));
	for (size_t i = 0; i < rows.n; i++) {
		SECItem der = {siBuffer, rows.v[i].der, (unsigned int)rows.v[i].der_len};
		CERTCertificate *cert = __CERT_DecodeDERCertificate(&der, PR_FALSE, NULL);
		CERTCertificate *perm = NULL;

		if (!cert) {
			/* NSS would judge this row itself: let it. */
			cert_info_array_free(v, count);
			sqllist_release(&rows);
			return 0;
		}
		if (rows.v[i].has_trust)
			perm = CERT_FindCertByDERCert(db->handle, &der);
		fill_info_from(db, cert, rows.v[i].label, perm ? perm->trust : NULL, &v[count++]);
		if (perm)
			CERT_DestroyCertificate(perm);
		CERT_DestroyCertificate(cert);
	}
	sqllist_release(&rows);
	/* The same certificate under two object ids (docs/nss-internals.md 3.2) is listed once, as NSS does. */
	qsort(v, count, sizeof(*v), sha_cmp);
	for (size_t i = 0; i < count; i++) {
		if (k > 0 && memcmp(v[k - 1].sha256, v[i].sha256, 32) == 0) {
			cert_info_release(&v[i]);
			continue;
		}
		if (k != i) {
			v[k] = v[i];
			memset(&v[i], 0, sizeof(v[i]));
		}
		k++;
	}
	*out = v;
	*n = k;
	return 1;
}

bool
certdb_trust_of(struct certdb *db, const unsigned char *der, size_t len, char trust[TRUST_STR_MAX])
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};
	_cleanup_(CERT_DestroyCertificatep) CERTCertificate *cert = CERT_FindCertByDERCert(db->handle, &item);
	unsigned char hash[32];
	CERTCertTrust t;

	trust[0] = '\0';
	/* NSS finds by issuer and serial: another certificate of the same ones is not this one. */
	if (!cert || !SECITEM_ItemsAreEqual(&cert->derCert, &item))
		return false;
	nssdb_sha256_of(cert, hash);
	nssdb_effective_trust(db, cert, hash, &t);
	trust_format(&t, trust);
	return true;
}

int
certdb_list(struct certdb *db, struct cert_info **out, size_t *n, struct mc_error *err)
{
	_cleanup_(CERT_DestroyCertListp) CERTCertList *list = NULL;
	struct cert_info *v = NULL;
	size_t count = 0, cap = 0;

	if (list_fast(db, out, n))
		return 0;
	list = PK11_ListCertsInSlot(db->slot);
	if (!list) {
		if (PORT_GetError() == 0 || PORT_GetError() == SEC_ERROR_NO_NODELOCK) {
			*out = NULL;
			*n = 0;
			return 0;
		}
		return mc_error_nss(err, "cannot list the certificates of '%s'", db->shown);
	}
	for (CERTCertListNode *node = CERT_LIST_HEAD(list); !CERT_LIST_END(node, list);
	     node = CERT_LIST_NEXT(node)) {
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		fill_info(db, node->cert, &v[count++]);
	}
	*out = v;
	*n = count;
	return 0;
}

int
certdb_count(struct certdb *db, size_t *n, struct mc_error *err)
{
	_cleanup_(CERT_DestroyCertListp) CERTCertList *list = PK11_ListCertsInSlot(db->slot);
	size_t count = 0;

	if (list)
		for (CERTCertListNode *node = CERT_LIST_HEAD(list); !CERT_LIST_END(node, list);
		     node = CERT_LIST_NEXT(node))
			count++;
	*n = count;
	return 0;
}

/* Hex digits of s without colons into digits; returns the count, or -1 if s is not hex. */
static int
hex_digits(const char *s, char *digits, size_t cap)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ':')
			continue;
		if (hex_value(*s) < 0 || n + 1 >= cap)
			return -1;
		digits[n++] = *s;
	}
	digits[n] = '\0';
	return (int)n;
}

bool
certdb_parse_sha256(const char *s, unsigned char out[32])
{
	char digits[80];

	if (hex_digits(s, digits, sizeof(digits)) != 64)
		return false;
	for (size_t i = 0; i < 32; i++)
		out[i] = (unsigned char)(hex_value(digits[2 * i]) << 4 | hex_value(digits[2 * i + 1]));
	return true;
}

static bool
sha_prefix_matches(const struct cert_info *ci, const char *digits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nib = (i & 1) ? (ci->sha256[i / 2] & 0xf) : (ci->sha256[i / 2] >> 4);

		if (hex_value(digits[i]) != nib)
			return false;
	}
	return true;
}

int
certdb_find(struct certdb *db, const char *key, struct cert_info *out, struct mc_error *err)
{
	struct cert_info *all = NULL;
	size_t n = 0, hits = 0, hit = 0;
	char digits[80];
	int nd, ret;
	struct strbuf fps;

	if ((ret = certdb_list(db, &all, &n, err)) < 0)
		return ret;
	nd = hex_digits(key, digits, sizeof(digits));
	/* A nickname match wins over a fingerprint prefix that happens to be hex. */
	for (size_t i = 0; i < n; i++)
		if (streq(all[i].nickname, key)) {
			if (hits++ == 0)
				hit = i;
		}
	if (hits == 0 && nd >= 8 && nd <= 64) {
		for (size_t i = 0; i < n; i++)
			if (sha_prefix_matches(&all[i], digits, (size_t)nd)) {
				if (hits++ == 0)
					hit = i;
			}
	}
	if (hits == 0 && nd > 0 && nd < 8) {
		/* Four hex digits match one certificate in 65536: too few to name one safely. */
		cert_info_array_free(all, n);
		return mc_error_set(err, MC_EUSAGE,
				    "no certificate is named '%s', and a SHA-256 fingerprint prefix needs at least 8 hex "
				    "digits (it has %d)", key, nd);
	}
	if (hits == 0) {
		cert_info_array_free(all, n);
		return mc_error_set(err, MC_ENOENT, "no certificate '%s' in '%s'", key, db->shown);
	}
	if (hits > 1) {
		strbuf_init(&fps);
		for (size_t i = 0; i < n; i++)
			if (streq(all[i].nickname, key) ||
			    (nd >= 8 && nd <= 64 && sha_prefix_matches(&all[i], digits, (size_t)nd)))
				strbuf_addf(&fps, " %s", all[i].sha256_hex);
		mc_error_set(err, MC_EUSAGE, "'%s' names %zu certificates; give a SHA-256 fingerprint:%s",
			     key, hits, fps.buf);
		strbuf_release(&fps);
		cert_info_array_free(all, n);
		return MC_EUSAGE;
	}
	*out = all[hit];
	memset(&all[hit], 0, sizeof(all[hit]));
	cert_info_array_free(all, n);
	return 0;
}

/* ---- appended for db repair / db reset ---- */

int
certdb_create(const char *dir, enum certdb_kind kind, const char *password, struct mc_error *err)
{
	return certdb_create_as(dir, dir, kind, password, err);
}

int
certdb_create_as(const char *dir, const char *shown, enum certdb_kind kind, const char *password,
		 struct mc_error *err)
{
	_autofree_ char *spec = xasprintf("%s:%s", kind == CERTDB_SQL ? "sql" : "dbm", dir);
	PK11SlotInfo *slot;
	int ret;

	if ((ret = nss_free(err)) < 0)
		return ret;
	sqlio_watch_install();
	sqlio_clear();
	if (NSS_Initialize(spec, "", "", "secmod.db",
			   NSS_INIT_NOROOTINIT | NSS_INIT_NOMODDB | NSS_INIT_OPTIMIZESPACE) != SECSuccess)
		return mc_error_nss(err, "cannot create a new certificate store for '%s'", shown);
	slot = PK11_GetInternalKeySlot();
	if (!slot) {
		ret = mc_error_nss(err, "cannot create a new certificate store for '%s'", shown);
	} else if (PK11_NeedUserInit(slot)) {
		/* As Firefox does at start-up: an empty password, so trust can be signed. */
		if (PK11_InitPin(slot, NULL, "") != SECSuccess)
			ret = mc_error_nss(err, "cannot initialise the new key database for '%s'", shown);
	} else if (PK11_NeedLogin(slot) && password) {
		/* Logging in also finishes a migration of a legacy key3.db protected by this password. */
		if (PK11_CheckUserPassword(slot, password) != SECSuccess)
			ret = mc_error_set(err, MC_EFAIL, "wrong Primary Password for the key database of '%s'", shown);
	}
	if (slot)
		PK11_FreeSlot(slot);
	/*
	 * A new store beside a legacy key3.db: NSS converts it here, and a write
	 * that fails in the middle only drops objects (the public keys it writes
	 * to cert9.db), with no error. A store NSS could not write whole is not used.
	 */
	if (ret == 0)
		ret = nssdb_io_unreported(err, "cannot create a new certificate store for", shown);
	if (NSS_Shutdown() != SECSuccess && ret == 0)
		ret = mc_error_nss(err, "cannot close the new certificate store for '%s'", shown);
	return ret;
}

/* ---- appended for live servers (tlsfetch) ---- */

int
certdb_nodb_init(struct mc_error *err)
{
	int ret;

	if ((ret = nss_free(err)) < 0)
		return ret;
	if (NSS_NoDB_Init(NULL) != SECSuccess)
		return mc_error_nss(err, "cannot initialise NSS");
	nodb_active = true;
	return 0;
}

int
certdb_nodb_shutdown(struct mc_error *err)
{
	SSL_ClearSessionCache();
	nodb_active = false;
	if (NSS_Shutdown() != SECSuccess)
		return mc_error_nss(err, "cannot shut NSS down");
	return 0;
}

bool
certdb_nss_busy(void)
{
	return nss_active || nodb_active || NSS_IsInitialized();
}
