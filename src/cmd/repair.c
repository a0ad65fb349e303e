/* SPDX-License-Identifier: MPL-2.0 */
/* repair.c: db repair (salvage into a fresh store) and db reset (a fresh store, optionally keeping user CAs). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cert.h>
#include <certdb.h>

#include "cmd.h"
#include "repair-carry.h"
#include "fileio.h"
#include "findings.h"
#include "hot-journal.h"
#include "nssdb.h"
#include "repair-trust.h"
#include "salvage.h"
#include "stage.h"
#include "strbuf.h"
#include "banned.h"

/* Largest store file read into memory for salvage. */
#define REPAIR_MAX_FILE (1024u * 1024u * 1024u)

/* The first application versions that read only cert9.db (NSS_DISABLE_DBM) and that default to it. */
#define APP_SQL_DEFAULT_MAJOR 58

struct repair_opts {
	bool keep_user_certs;
	bool include_keys;
	bool keep_unverified_trust;
};

static struct repair_opts ropts;

enum mode { MODE_REPAIR, MODE_RESET };

/* Everything a damaged store may be made of, backed up as a set. */
static const char *const set_files[] = {
	"cert9.db", "key4.db", "pkcs11.txt", "cert8.db", "key3.db", "secmod.db", "cert_override.txt",
};

enum { F_CERT9, F_KEY4, F_PKCS11, F_CERT8, F_KEY3, F_SECMOD, F_OVERRIDE, N_FILES };

struct work {
	char *dir;                       /* private copies of the set */
	const char *profile_dir;         /* whose copies: what messages name */
	char *buf[N_FILES];
	size_t len[N_FILES];
	bool present[N_FILES];
	struct cert_info *nss_v;         /* what NSS listed, trust as it showed it */
	size_t nss_n;
	char *journal_aside;             /* a stale journal left out of the copy: what was said about it */
	char *asis9;                     /* cert9.db as it was before its journal was played back */
	size_t asis9_len;
};

static void
work_release(struct work *w)
{
	for (size_t i = 0; i < N_FILES; i++)
		free(w->buf[i]);
	cert_info_array_free(w->nss_v, w->nss_n);
	free(w->journal_aside);
	free(w->asis9);
	if (w->dir)
		fileio_remove_tree(w->dir);
	free(w->dir);
	memset(w, 0, sizeof(*w));
}

/*
 * The hot journal beside name goes with the copy and is rolled back, unless
 * it is stale (hot-journal.h: a journal of an older copy of the file, which
 * SQLite would play back over the newer file and cut it to its old size):
 * then the file is read as it is, and the journal stays in the backup.
 */
static int
carry_journal(const struct profile *p, struct work *w, const char *name, struct mc_error *err)
{
	_autofree_ char *src = path_join(p->path, name);
	_autofree_ char *dst = path_join(w->dir, name);
	_autofree_ char *raw = xasprintf("%s.as-is", dst);
	_autofree_ char *jcopy = xasprintf("%s%s", dst, HOTJOURNAL_SUFFIX);
	_autofree_ char *why = NULL;
	struct mc_error e = {0};
	char *note;
	int ret;

	if (!hotjournal_present(src))
		return 0;
	if (!hotjournal_stale(src, &why)) {
		/* Played back, the journal must give a sound file where the file as it is was one. */
		if ((ret = fileio_copy(dst, raw, 0600, true, err)) < 0)
			return ret;
		ret = hotjournal_carry(p->path, w->dir, name, &e);
		if (ret >= 0 && (hotjournal_file_sound(dst) || !hotjournal_file_sound(raw))) {
			/* kept to be read too: a journal no check catches may still be an older copy's */
			if (ret > 0 && streq(name, set_files[F_CERT9]) &&
			    fileio_read(raw, REPAIR_MAX_FILE, &w->asis9, &w->asis9_len, &e) < 0)
				w->asis9 = NULL;
			unlink(raw);
			return ret;
		}
		if (ret < 0 && !hotjournal_file_sound(raw)) {
			unlink(raw);
			*err = e;
			return ret;
		}
		why = xstrdup(ret < 0 ? e.msg : "played back, it leaves a file SQLite's integrity check fails, "
			      "where the file as it is passes");
		if (rename(raw, dst) < 0)
			return mc_error_sys(err, "cannot rename '%s'", raw);
		unlink(jcopy);
	}
	note = xasprintf("%s%s: the rollback journal beside it is not this file's (%s): set aside in the backup, "
			 "the file read as it is\n", w->journal_aside ? w->journal_aside : "", name, why);
	free(w->journal_aside);
	w->journal_aside = note;
	return 0;
}

static int
work_copy(const struct profile *p, struct work *w, struct mc_error *err)
{
	int ret;

	w->profile_dir = p->path;
	w->dir = fileio_private_dir(fileio_tmpdir(), "repair", err);
	if (!w->dir)
		return MC_EFAIL;
	for (size_t i = 0; i < N_FILES; i++) {
		_autofree_ char *src = path_join(p->path, set_files[i]);
		_autofree_ char *dst = path_join(w->dir, set_files[i]);

		if (!fileio_exists(src))
			continue;
		if ((ret = fileio_copy(src, dst, 0600, true, err)) < 0)
			return ret;
		/* The application's interrupted transaction is rolled back in the copy, as SQLite would. */
		if ((i == F_CERT9 || i == F_KEY4) && (ret = carry_journal(p, w, set_files[i], err)) < 0)
			return ret;
		w->present[i] = true;
		if (i == F_PKCS11 || i == F_SECMOD || i == F_OVERRIDE)
			continue;
		if ((ret = fileio_read(dst, REPAIR_MAX_FILE, &w->buf[i], &w->len[i], err)) < 0)
			return ret;
	}
	return 0;
}

/* Refuse what we could not replace safely before anything is written. */
static int
check_set(const struct profile *p, struct mc_error *err)
{
	for (size_t i = 0; i < N_FILES; i++) {
		_autofree_ char *path = path_join(p->path, set_files[i]);
		struct stat sb;

		if (lstat(path, &sb) < 0) {
			if (errno == ENOENT)
				continue;
			return mc_error_sys(err, "cannot stat '%s'", path);
		}
		if (S_ISLNK(sb.st_mode))
			return mc_error_set(err, MC_EFAIL, "refusing to write '%s': it is a symbolic link", path);
		if (!S_ISREG(sb.st_mode))
			return mc_error_set(err, MC_EFAIL, "refusing to write '%s': not a regular file", path);
	}
	return 0;
}

/* certutil's printed trust back into flags ('I'/'G' are printed upper-case, 'u' is not a setting). */
static void
trust_from_printed(const char *s, CERTCertTrust *out)
{
	char buf[TRUST_STR_MAX];
	size_t o = 0;

	for (const char *c = s; *c && o + 1 < sizeof(buf); c++) {
		if (*c == 'u')
			continue;
		buf[o++] = *c == 'I' ? 'i' : *c == 'G' ? 'g' : *c;
	}
	buf[o] = '\0';
	if (trust_parse(buf, out, NULL) < 0)
		memset(out, 0, sizeof(*out));
}

struct loss {
	struct json_object *arr;
	struct strbuf text;
};

static void
lose(struct loss *l, const char *what, size_t count, const char *why)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "what", json_object_new_string(what));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)count));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_array_add(l->arr, o);
	if (count)
		strbuf_addf(&l->text, "lost: %zu %s: %s\n", count, what, why);
	else
		strbuf_addf(&l->text, "lost: %s: %s\n", what, why);
}

/*
 * NSS's own view of the store, read in a child process (certdb_list_apart): a
 * cert8.db that NSS opens but cannot close leaves NSS busy for good
 * (SEC_ERROR_BUSY, then SEC_ERROR_UNKNOWN_PKCS11_ERROR when the new store is
 * created), and the new store must be built in a clean NSS. What NSS listed
 * stands even when it could not close the store. true when NSS listed it;
 * else err says why.
 */
static bool
nss_list_apart(const struct cmd_ctx *ctx, struct work *w, enum certdb_kind kind, struct salvage *s,
	       struct mc_error *err)
{
	struct cert_info *v = NULL;
	size_t n = 0;

	if (certdb_list_apart(w->dir, w->profile_dir, kind, CERTDB_LIST_UNCLOSED, ctx->password, &v, &n, err) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		CERTCertTrust t;
		ssize_t at;

		trust_from_printed(v[i].trust, &t);
		salvage_add(s, v[i].der, v[i].der_len, v[i].nickname, &t, SALVAGE_NSS);
		at = salvage_find(s, v[i].der, v[i].der_len);
		/* NSS is not initialised in this process yet: the child's hash, not salvage_add's */
		if (at >= 0)
			memcpy(s->v[at].sha256, v[i].sha256, 32);
		if (at >= 0 && strchr(v[i].trust, 'u'))
			s->v[at].has_key = true;
	}
	w->nss_v = v;
	w->nss_n = n;
	return true;
}

/*
 * cert9.db as it was before its journal was played back: a certificate it
 * holds that the rolled-back file lacks is kept (with its trust). After a
 * crash that is the certificate being added; beside a journal of an older
 * copy (one hotjournal_stale cannot tell), every certificate added since.
 * Damage in it is not a loss: a file a transaction stopped in is torn.
 */
static void
salvage_asis(const struct work *w, struct salvage *s, struct strbuf *notes)
{
	struct salvage raw;
	struct mc_error e = {0};
	size_t added = 0;

	salvage_init(&raw);
	(void)salvage_sql((unsigned char *)w->asis9, w->asis9_len, &raw, &e);
	for (size_t i = 0; i < raw.n; i++) {
		const struct salvaged_cert *c = &raw.v[i];
		ssize_t at;

		if (salvage_find(s, c->der, c->der_len) >= 0)
			continue;
		salvage_add(s, c->der, c->der_len, c->nickname, c->has_trust ? &c->trust : NULL, SALVAGE_SQL);
		if ((at = salvage_find(s, c->der, c->der_len)) >= 0) {
			s->v[at].trust_row = c->trust_row;
			added++;
		}
	}
	if (added)
		strbuf_addf(notes, "cert9.db: %zu certificate%s found in the file as it was that the rollback of its "
			    "journal lacks (a journal of an older copy of the file?): kept\n", added, added == 1 ? "" : "s");
	salvage_release(&raw);
}

/* Read everything that can be read, best source first. */
static void
salvage_all(struct cmd_ctx *ctx, struct work *w, enum certdb_kind src_kind, struct salvage *s,
	    struct loss *l, bool *nss_opened, struct strbuf *notes)
{
	struct mc_error e = {0};
	int fi = src_kind == CERTDB_SQL ? F_CERT9 : F_CERT8;
	size_t before, twins;

	/* 1. NSS, read-only, on the private copies, in a process of its own. */
	*nss_opened = nss_list_apart(ctx, w, src_kind, s, &e);
	if (!*nss_opened) {
		if (!e.msg[0])
			mc_error_set(&e, MC_EFAIL, "NSS cannot read the store");
		mc_error_rebase(&e, w->dir, w->profile_dir);
		strbuf_addf(notes, "NSS cannot read the store (%s); reading it without NSS\n", e.msg);
	}
	mc_error_clear(&e);

	/* 2. The file itself, record by record; 3. carving when the structure is damaged. */
	if (certdb_nodb_init(NULL) < 0) {
		lose(l, "raw salvage", 0, "NSS cannot start to check certificates");
		return;
	}
	before = s->n;
	if (!w->present[fi]) {
		s->damaged = true;
	} else if (src_kind == CERTDB_SQL) {
		if (salvage_sql((unsigned char *)w->buf[fi], w->len[fi], s, &e) < 0)
			strbuf_addf(notes, "cert9.db: %s\n", e.msg);
		if (w->asis9)
			salvage_asis(w, s, notes);
	} else {
		if (salvage_dbm((unsigned char *)w->buf[fi], w->len[fi], s, &e) < 0)
			strbuf_addf(notes, "cert8.db: %s\n", e.msg);
	}
	mc_error_clear(&e);
	if (s->damaged && w->present[fi] && w->len[fi]) {
		size_t got = salvage_carve((unsigned char *)w->buf[fi], w->len[fi], s);

		if (got)
			strbuf_addf(notes, "%zu certificate%s carved out of the raw bytes of %s\n", got,
				    got == 1 ? "" : "s", set_files[fi]);
	}
	salvage_link_orphans(s);
	if ((twins = salvage_drop_damaged_twins(s)))
		strbuf_addf(notes, "%zu damaged cop%s of certificates found intact elsewhere in the file left out\n",
			    twins, twins == 1 ? "y" : "ies");
	salvage_sort(s);
	if (*nss_opened && s->n > before)
		strbuf_addf(notes, "%zu certificate%s found that NSS did not list\n", s->n - before,
			    s->n - before == 1 ? "" : "s");
	if (certdb_nodb_shutdown(NULL) < 0)
		cmd_warn(ctx, "NSS did not shut down cleanly after salvage");

	if (!w->present[fi])
		lose(l, set_files[fi], 0, "the file is missing");
	else if (w->len[fi] == 0)
		lose(l, set_files[fi], 0, "the file is empty");
	if (s->units_bad)
		lose(l, src_kind == CERTDB_SQL ? "rows or pages of cert9.db" : "records or pages of cert8.db",
		     s->units_bad, "unreadable (damaged, truncated or in a cert8.dir blob file)");
	if (s->tail_lost && s->pages_lost)
		lose(l, "pages of the certificate table", s->pages_lost,
		     "they lie past the end of the truncated file: their certificates and trust are gone");
	else if (s->tail_lost)
		lose(l, "the end of the table", 0, "the file is truncated or its last pages are unreadable");
	if (s->records_missing)
		lose(l, "records of cert8.db", s->records_missing,
		     "the header counts them but no bucket holds them (zeroed or overwritten pages); "
		     "certificates among them that survive elsewhere in the file were carved");
	for (size_t k = 0; k < s->norphans; k++) {
		char t[TRUST_STR_MAX];
		_autofree_ char *hex = hex_encode(s->orphans[k].hash, s->orphans[k].hash_len, true);
		_autofree_ char *what = NULL;

		trust_format(&s->orphans[k].trust, t);
		what = xasprintf("trust '%s' of the certificate with %s %s", t, s->orphans[k].hash_len == 32 ? "SHA-256" : "SHA-1",
				 hex);
		lose(l, what, 0, "the certificate could not be read");
	}
	if (s->trust_orphans > s->norphans)
		lose(l, "trust settings", s->trust_orphans - s->norphans, "their certificate could not be read");
	if (s->rejected)
		lose(l, "certificate records", s->rejected, "the bytes are not a valid certificate");
	(void)ctx;
}

/* Decide whether the key database can be kept: 1 keep, 0 new (with *why). */
static int
key_decision(enum mode mode, const struct work *w, enum certdb_kind src_kind, char **why)
{
	int fi = src_kind == CERTDB_SQL ? F_KEY4 : F_KEY3;

	*why = NULL;
	if (mode == MODE_RESET && ropts.include_keys) {
		*why = xstrdup("--include-keys");
		return 0;
	}
	if (!w->present[fi]) {
		*why = xasprintf("there was no %s", set_files[fi]);
		return 0;
	}
	if (src_kind == CERTDB_SQL)
		return salvage_sqlite_ok((unsigned char *)w->buf[fi], w->len[fi], why);
	return salvage_dbm_ok((unsigned char *)w->buf[fi], w->len[fi], why);
}

/* What decides which certificates db reset --keep-user-certs keeps. */
struct keep_ctx {
	bool keep_key;    /* the key database is kept */
	bool nss_opened;  /* NSS listed the store: what has no 'u' has no private key */
};

static struct keep_ctx keep;

/*
 * Why db reset --keep-user-certs drops this certificate, NULL when it keeps
 * it: every CA certificate (trust ',,' included: cert import adds
 * intermediates so), every certificate with trust, and a personal
 * certificate with its private key when the key database is kept. What goes
 * is what the user did not add: a certificate of a server or a correspondent
 * the application stored, with no trust and no key.
 */
static const char *
drop_reason(enum mode mode, const struct salvaged_cert *c)
{
	if (mode == MODE_REPAIR)
		return NULL;
	if (!ropts.keep_user_certs)
		return "db reset without --keep-user-certs";
	if (c->is_ca || (c->has_trust && !trust_is_empty(&c->trust)))
		return NULL;
	if (c->has_key)
		return keep.keep_key ? NULL : "a personal certificate: its private key goes with the key database";
	if (!keep.nss_opened && keep.keep_key)
		return NULL;  /* whether a private key goes with it is unknown: kept */
	return "not a CA certificate, no trust and no private key (a certificate the application stored)";
}

static bool
want_cert(enum mode mode, const struct salvaged_cert *c)
{
	return drop_reason(mode, c) == NULL;
}

struct built {
	struct import_result *r;
	size_t *src;           /* index into the salvage list */
	size_t n;
};

static void
built_release(struct built *b)
{
	for (size_t i = 0; i < b->n; i++)
		import_result_release(&b->r[i]);
	free(b->r);
	free(b->src);
	memset(b, 0, sizeof(*b));
}

/* Import the selected certificates into the staged store; a certificate NSS refuses is a loss. */
static int
build_store(struct cmd_ctx *ctx, struct stage *st, const struct salvage *s, const struct trust_verdicts *tv,
	    enum mode mode, struct built *b, struct loss *l, struct mc_error *err)
{
	struct certdb *db = NULL;
	size_t failed = 0;
	struct mc_error first = {0};
	int ret;

	if ((ret = certdb_create_as(st->dir, st->profile_dir, st->kind, ctx->password, err)) < 0)
		return ret;
	if ((ret = certdb_open_as(st->dir, st->profile_dir, st->kind, CERTDB_RDWR, ctx->password, &db, err)) < 0)
		return ret;
	b->r = xzalloc((s->n + 1) * sizeof(*b->r));
	b->src = xzalloc((s->n + 1) * sizeof(*b->src));
	for (size_t i = 0; i < s->n; i++) {
		const struct salvaged_cert *c = &s->v[i];
		struct mc_error e = {0};

		if (!want_cert(mode, c))
			continue;
		ret = certdb_import_nick(db, c->der, c->der_len, c->nickname,
					 c->has_trust && !trust_is_empty(&c->trust) && !trust_verdicts_drops(tv, i) ?
					 &c->trust : NULL, &b->r[b->n], &e);
		if (ret < 0) {
			_autofree_ char *hex = hex_encode(c->sha256, 32, true);
			_autofree_ char *what = xasprintf("certificate %s", hex);

			import_result_release(&b->r[b->n]);
			/*
			 * Without the Primary Password no trust can be written, and a write that failed (an
			 * I/O error of the staged store, not a certificate NSS refuses) would drop a good
			 * certificate: either fails the whole rebuild.
			 */
			if (strstr(e.msg, "Primary Password") || e.sys_errno != 0) {
				certdb_close(db, NULL);
				*err = e;
				return e.code;
			}
			if (failed++ == 0)
				first = e;
			lose(l, what, 0, e.msg);
			continue;
		}
		b->src[b->n++] = i;
	}
	ret = certdb_close(db, err);
	if (ret == 0 && failed && b->n == 0)
		ret = mc_error_set(err, first.code ? first.code : MC_EFAIL, "%s", first.msg);
	return ret;
}

/* What carry_objects moved into the rebuilt store, and what it had to leave. */
static void
carry_report(struct cmd_ctx *ctx, struct json_object *res, const struct carry_report *r, struct loss *l)
{
	static const char *const keys[N_CARRY] = {"public_keys", "smime_records", "crls"};
	struct json_object *o = json_object_new_object();
	struct strbuf sb;

	strbuf_init(&sb);
	for (int k = 0; k < N_CARRY; k++) {
		const char *name = carry_kind_name((enum carry_kind)k);

		json_object_object_add(o, keys[k], json_object_new_int64((int64_t)r->carried[k]));
		if (r->carried[k])
			strbuf_addf(&sb, "%s%zu %s%s", sb.len ? ", " : "", r->carried[k], name, r->carried[k] == 1 ? "" : "s");
		if (r->clashed[k]) {
			_autofree_ char *what = xasprintf("%ss", name);

			lose(l, what, r->clashed[k], "their object id is taken in the rebuilt store");
		}
	}
	json_object_object_add(res, "carried", o);
	if (r->left_out)
		lose(l, "public keys", r->left_out, "their private keys were in the key database that could not be kept");
	if (sb.len)
		cmd_out(ctx, "carried over: %s\n", sb.buf);
	strbuf_release(&sb);
}

/* Equal as settings: 'u' comes from a private key found in the kept key database, not from trust. */
static bool
same_trust(const char *a, const char *b)
{
	CERTCertTrust ta, tb;

	trust_from_printed(a, &ta);
	trust_from_printed(b, &tb);
	return trust_equal(&ta, &tb);
}

/* Reopen the staged store read-only: every imported certificate with the trust the import reported, nothing else. */
static int
verify_built(const struct cmd_ctx *ctx, const struct stage *st, const struct built *b, struct mc_error *err)
{
	struct certdb *db = NULL;
	struct cert_info *v = NULL;
	size_t nv = 0;
	int ret;

	if ((ret = certdb_open_as(st->dir, st->profile_dir, st->kind, 0, ctx->password, &db, err)) < 0)
		return ret;
	ret = certdb_list(db, &v, &nv, err);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	for (size_t i = 0; ret == 0 && i < b->n; i++) {
		const struct cert_info *hit = NULL;

		for (size_t j = 0; j < nv && !hit; j++)
			if (memcmp(v[j].sha256, b->r[i].sha256, 32) == 0)
				hit = &v[j];
		if (!hit)
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s is missing from the rebuilt store",
					   b->r[i].sha256_hex);
		else if (!same_trust(hit->trust, b->r[i].trust))
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s has trust '%s', expected '%s'",
					   hit->sha256_hex, hit->trust, b->r[i].trust);
	}
	/* Nothing else: NSS may list one certificate twice (several nicknames), never a stranger. */
	for (size_t j = 0; ret == 0 && j < nv; j++) {
		bool known = false;

		for (size_t i = 0; i < b->n && !known; i++)
			known = memcmp(v[j].sha256, b->r[i].sha256, 32) == 0;
		if (!known)
			ret = mc_error_set(err, MC_EFAIL, "verification failed: unexpected certificate %s in the rebuilt store",
					   v[j].sha256_hex);
	}
	cert_info_array_free(v, nv);
	return ret;
}

/* unverified: why the trust found is not MAC-verified (NULL: it is, or there is none or no MAC to check) */
static struct json_object *
cert_json(const struct salvaged_cert *c, const char *trust_after, bool mac_checked, const char *unverified)
{
	struct json_object *o = json_object_new_object();
	_autofree_ char *hex = hex_encode(c->sha256, 32, true);
	char t[TRUST_STR_MAX];

	trust_format(&c->trust, t);
	json_object_object_add(o, "sha256", json_object_new_string(hex));
	json_object_object_add(o, "nickname", c->nickname ? json_object_new_string(c->nickname) : NULL);
	json_object_object_add(o, "trust", json_object_new_string(trust_after ? trust_after : t));
	json_object_object_add(o, "trust_found", c->has_trust ? json_object_new_string(t) : NULL);
	json_object_object_add(o, "source", json_object_new_string(salvage_source_name(c->source)));
	json_object_object_add(o, "trust_source",
			       c->has_trust ? json_object_new_string(salvage_source_name(c->trust_source)) : NULL);
	json_object_object_add(o, "ca", json_object_new_boolean(c->is_ca));
	if (mac_checked && c->has_trust && !trust_is_empty(&c->trust)) {
		json_object_object_add(o, "trust_verified", json_object_new_boolean(!unverified));
		json_object_object_add(o, "trust_unverified_reason", unverified ? json_object_new_string(unverified) : NULL);
	}
	return o;
}

/*
 * db repair of a cert9.db: which trust settings could not be MAC-verified
 * (repair-trust.h); those not kept are named in lost with their value and
 * the reason.
 */
static void
judge_trust(const struct cmd_ctx *ctx, const struct work *w, const struct salvage *s, bool keep_key,
	    const char *key_why, struct trust_verdicts *tv, struct loss *l)
{
	_autofree_ char *key4 = w->present[F_KEY4] ? path_join(w->dir, set_files[F_KEY4]) : NULL;
	_autofree_ char *why9 = NULL;
	bool sound = w->present[F_CERT9] && salvage_sqlite_ok((unsigned char *)w->buf[F_CERT9], w->len[F_CERT9], &why9);

	trust_verdicts_judge(tv, s, key4, keep_key ? NULL : key_why ? key_why : "it cannot be read", w->nss_v,
			     w->nss_n, sound);
	trust_verdicts_decide(tv, ctx, s, ropts.keep_unverified_trust);
	for (size_t i = 0; i < s->n; i++) {
		char t[TRUST_STR_MAX];
		_autofree_ char *hex = NULL;
		_autofree_ char *what = NULL;
		_autofree_ char *why = NULL;

		if (!trust_verdicts_drops(tv, i))
			continue;
		trust_format(&s->v[i].trust, t);
		hex = hex_encode(s->v[i].sha256, 32, true);
		what = xasprintf("trust '%s' of '%s' (%s)", t, s->v[i].nickname ? s->v[i].nickname : "(no nickname)", hex);
		why = xasprintf("not MAC-verified: %s; the certificate is kept without it (db repair "
				"--keep-unverified-trust keeps it)", tv->why[i]);
		lose(l, what, 0, why);
	}
}

/* The unverified trust that was kept, one line each. */
static void
print_kept_unverified(const struct cmd_ctx *ctx, const struct salvage *s, const struct trust_verdicts *tv)
{
	for (size_t i = 0; tv->keep && i < tv->n; i++) {
		char t[TRUST_STR_MAX];

		if (!tv->why[i])
			continue;
		trust_format(&s->v[i].trust, t);
		cmd_out(ctx, "kept, not MAC-verified: trust '%s' of '%s': %s\n", t,
			s->v[i].nickname ? s->v[i].nickname : "(no nickname)", tv->why[i]);
	}
}

/* Step 1 of a rebuild: the whole set, and the rollback journals the application left (which the swap removes). */
static int
backup_whole_set(const struct profile *p, struct backup *backup, struct json_object *res, struct mc_error *err)
{
	int ret;

	for (size_t i = 0; i < N_FILES; i++)
		if ((ret = backup_add(backup, set_files[i], true, err)) < 0)
			return ret;
	for (size_t i = 0; i < N_FILES; i++) {
		_autofree_ char *db = path_join(p->path, set_files[i]);
		_autofree_ char *jname = xasprintf("%s%s", set_files[i], HOTJOURNAL_SUFFIX);

		if ((i == F_CERT9 || i == F_KEY4) && hotjournal_present(db) &&
		    (ret = backup_add(backup, jname, true, err)) < 0)
			return ret;
	}
	if (backup->id)
		json_object_object_add(res, "backup", json_object_new_string(backup->id));
	return 0;
}

/* The certificates salvaged or kept (and, for a reset, dropped) into res. */
static void
rebuild_json(const struct cmd_ctx *ctx, enum mode mode, const struct salvage *s, const struct built *b,
	     const struct trust_verdicts *tv, size_t selected, struct json_object *res)
{
	struct json_object *arr = json_object_new_array();

	if (ctx->dry_run) {
		for (size_t i = 0; i < s->n; i++)
			if (want_cert(mode, &s->v[i]))
				json_object_array_add(arr, cert_json(&s->v[i], NULL, tv->checked, tv->why ? tv->why[i] : NULL));
	} else {
		for (size_t i = 0; i < b->n; i++)
			json_object_array_add(arr, cert_json(&s->v[b->src[i]], b->r[i].trust, tv->checked,
							     tv->why ? tv->why[b->src[i]] : NULL));
	}
	json_object_object_add(res, mode == MODE_REPAIR ? "salvaged" : "kept", arr);
	json_object_object_add(res, mode == MODE_REPAIR ? "salvaged_count" : "kept_count",
			       json_object_new_int64((int64_t)(ctx->dry_run ? selected : b->n)));
	if (mode == MODE_RESET) {
		struct json_object *dropped = json_object_new_array();

		for (size_t i = 0; i < s->n; i++) {
			const char *why = drop_reason(mode, &s->v[i]);
			struct json_object *o;

			if (!why)
				continue;
			o = cert_json(&s->v[i], NULL, false, NULL);
			json_object_object_add(o, "reason", json_object_new_string(why));
			json_object_array_add(dropped, o);
		}
		json_object_object_add(res, "dropped", dropped);
		json_object_object_add(res, "dropped_count", json_object_new_int64((int64_t)(s->n - selected)));
	}
}

/* The certificates selected (with -v or -n), and those a reset --keep-user-certs drops. */
static void
print_selected(const struct cmd_ctx *ctx, enum mode mode, const struct salvage *s)
{
	if (ctx->verbosity > 0 || ctx->dry_run) {
		for (size_t i = 0; i < s->n; i++) {
			char t[TRUST_STR_MAX];
			_autofree_ char *hex = hex_encode(s->v[i].sha256, 32, true);

			if (!want_cert(mode, &s->v[i]))
				continue;
			trust_format(&s->v[i].trust, t);
			cmd_out(ctx, "  %-8s %-12s %s  %s\n", t, salvage_source_name(s->v[i].source), hex,
				s->v[i].nickname ? s->v[i].nickname : "(no nickname)");
		}
	}
	if (mode == MODE_RESET && ropts.keep_user_certs) {
		for (size_t i = 0; i < s->n; i++) {
			const char *why = drop_reason(mode, &s->v[i]);
			_autofree_ char *hex = NULL;

			if (!why)
				continue;
			hex = hex_encode(s->v[i].sha256, 32, true);
			cmd_out(ctx, "%s: %s (%s): %s\n", ctx->dry_run ? "would drop" : "dropped",
				s->v[i].nickname ? s->v[i].nickname : "(no nickname)", hex, why);
		}
	}
}

/* The closing lines: key database, how many certificates, the conversion, what was done. */
static void
print_summary(const struct cmd_ctx *ctx, const struct profile *p, enum mode mode, bool keep_key, const char *key_why,
	      size_t n, size_t dropped, bool converted)
{
	cmd_out(ctx, "key database: %s%s%s%s\n", keep_key ? "kept" : "new",
		key_why ? " (" : "", key_why ? key_why : "", key_why ? ")" : "");
	if (mode == MODE_REPAIR)
		cmd_out(ctx, "%s %zu certificate%s\n", ctx->dry_run ? "would salvage" : "salvaged", n, n == 1 ? "" : "s");
	else
		cmd_out(ctx, "%s %zu user certificate%s, dropped %zu\n", ctx->dry_run ? "would keep" : "kept", n,
			n == 1 ? "" : "s", dropped);
	if (converted)
		cmd_out(ctx, "the store %s cert9.db: %s %d and later read only cert9.db (cert8.db is left unused)\n",
			ctx->dry_run ? "would become" : "is now", app_name(p->app), 73);
	cmd_out(ctx, "%s\n", ctx->dry_run ? "dry run: nothing written" :
		 mode == MODE_REPAIR ? "new store built, verified with NSS and swapped in" :
		 "new store created, verified with NSS and swapped in");
}

/*
 * db repair and db reset: 1. back the set up, 2. salvage from private
 * copies, 3. build, verify and swap in a fresh store, then report. Over 100
 * lines: steps 2 and 3 share a dozen locals (the salvage, the loss list, the
 * key decision, the stage) that a split would pass around by the handful;
 * the reporting is split out (rebuild_json, print_selected, print_summary).
 */
static int
rebuild_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, enum mode mode,
	    struct mc_error *err)
{
	struct work w = {0};
	struct salvage s;
	struct stage st = {0};
	struct built b = {0};
	struct backup backup = {0};
	struct loss l = {json_object_new_array(), {0}};
	struct strbuf notes;
	enum store_format fmt = profile_store_format(p->path);
	enum certdb_kind src_kind = fmt == STORE_CERT8 ? CERTDB_DBM : CERTDB_SQL;
	enum certdb_kind out_kind = CERTDB_SQL;
	bool nss_opened = false, keep_key, do_salvage, converted;
	_autofree_ char *key_why = NULL;
	_autofree_ char *key_src = NULL;
	int major = profile_app_major(p->path), ret, return_lost = 0;
	size_t selected = 0, nlost = 0;
	struct carry_report carried = {0};
	struct trust_verdicts tv = {0};

	salvage_init(&s);
	strbuf_init(&l.text);
	strbuf_init(&notes);
	backup_init(&backup, p->path, ctx->cmd_name);
	if (fmt == STORE_NONE && mode == MODE_REPAIR) {
		ret = mc_error_set(err, MC_ENOENT, "profile '%s' has no certificate store to repair (no cert9.db or cert8.db)",
				   p->path);
		goto out;
	}
	if ((ret = check_set(p, err)) < 0)
		goto out;
	/* 1. The whole set into a new backup, before anything else. */
	if (!ctx->dry_run && (ret = backup_whole_set(p, &backup, res, err)) < 0)
		goto out;
	/* 2. Private copies: nothing below opens a profile file. */
	if ((ret = work_copy(p, &w, err)) < 0)
		goto out;
	do_salvage = mode == MODE_REPAIR || ropts.keep_user_certs;
	if (do_salvage && fmt != STORE_NONE)
		salvage_all(ctx, &w, src_kind, &s, &l, &nss_opened, &notes);
	keep_key = fmt != STORE_NONE && key_decision(mode, &w, src_kind, &key_why) == 1;
	keep.keep_key = keep_key;
	keep.nss_opened = nss_opened;
	/* A zero-length key database held nothing to lose. */
	if (!keep_key && fmt != STORE_NONE && w.present[src_kind == CERTDB_SQL ? F_KEY4 : F_KEY3] &&
	    w.len[src_kind == CERTDB_SQL ? F_KEY4 : F_KEY3])
		lose(&l, "private keys and the key that encrypts saved passwords", 0,
		     key_why ? key_why : "the key database is damaged");
	if (mode == MODE_REPAIR && src_kind == CERTDB_SQL)
		judge_trust(ctx, &w, &s, keep_key, key_why, &tv, &l);
	if (tv.io_error) {
		ret = mc_error_set(err, MC_EFAIL, "%s", tv.io_error);
		goto out;
	}
	if (fmt == STORE_CERT8 && major >= 0 && major < APP_SQL_DEFAULT_MAJOR)
		out_kind = CERTDB_DBM;
	converted = fmt == STORE_CERT8 && out_kind == CERTDB_SQL;
	if (keep_key)
		key_src = path_join(w.dir, set_files[src_kind == CERTDB_SQL ? F_KEY4 : F_KEY3]);
	for (size_t i = 0; i < s.n; i++)
		if (want_cert(mode, &s.v[i]))
			selected++;

	json_object_object_add(res, "store", json_object_new_string(out_kind == CERTDB_SQL ? "cert9" : "cert8"));
	json_object_object_add(res, "converted_from", converted ? json_object_new_string("cert8") : NULL);
	json_object_object_add(res, "nss_opened", json_object_new_boolean(nss_opened));
	json_object_object_add(res, "stale_journal", w.journal_aside ? json_object_new_string(w.journal_aside) : NULL);
	json_object_object_add(res, "key_database", json_object_new_string(keep_key ? "kept" : "new"));
	json_object_object_add(res, "key_database_reason", key_why ? json_object_new_string(key_why) : NULL);

	/* 3. A fresh store with what was salvaged, verified, swapped in. */
	if (!ctx->dry_run) {
		if ((ret = stage_begin_fresh(p->path, out_kind, key_src, &st, err)) < 0)
			goto out;
		if ((ret = build_store(ctx, &st, &s, &tv, mode, &b, &l, err)) < 0)
			goto out;
		if (mode == MODE_REPAIR && src_kind == CERTDB_SQL && w.present[F_CERT9]) {
			_autofree_ char *old_db = path_join(w.dir, set_files[F_CERT9]);
			_autofree_ char *new_db = path_join(st.dir, set_files[F_CERT9]);

			if ((ret = carry_objects(old_db, new_db, keep_key, &carried, err)) < 0)
				goto out;
			carry_report(ctx, res, &carried, &l);
		}
		if ((ret = verify_built(ctx, &st, &b, err)) < 0)
			goto out;
		st.backed_up = true;  /* step 1 */
		ret = stage_commit(&st, NULL, err);
		if (ret == 0 || stage_pending(p->path))
			backup.used = true;  /* the swap took place, or was decided */
		if (ret < 0)
			goto out;
	}
	cmd_set_changed(res, !ctx->dry_run);

	rebuild_json(ctx, mode, &s, &b, &tv, selected, res);
	nlost = json_object_array_length(l.arr);
	json_object_object_add(res, "lost", l.arr);
	l.arr = NULL;

	if (backup.id)
		cmd_out(ctx, "backup: %s/%s\n", BACKUP_DIRNAME, backup.id);
	if (w.journal_aside)
		cmd_out(ctx, "%s", w.journal_aside);
	if (notes.len)
		cmd_out(ctx, "%s", notes.buf);
	print_selected(ctx, mode, &s);
	print_kept_unverified(ctx, &s, &tv);
	if (l.text.len)
		cmd_out(ctx, "%s", l.text.buf);
	print_summary(ctx, p, mode, keep_key, key_why, ctx->dry_run ? selected : b.n, s.n - selected, converted);
	ret = 0;
	if (mode == MODE_REPAIR && nlost && !ctx->dry_run) {
		/* The new store is in place; what it lacks is listed: exit 1, and the way back. */
		_autofree_ char *restore = NULL;

		if (backup.id) {
			_autofree_ char *q = shell_quote(p->path);

			restore = xasprintf("; the damaged store is in %s/%s (mozcert -p %s db restore %s puts it back)",
					    BACKUP_DIRNAME, backup.id, q, backup.id);
		}
		return_lost = mc_error_set(err, MC_EDAMAGED, "the repaired store lacks what is listed as lost%s",
					   restore ? restore : "");
	}
out:
	if (ret < 0 && backup.id && !ctx->dry_run && backup.used)
		cmd_warn(ctx, "the backup %s/%s holds the files as they were", BACKUP_DIRNAME, backup.id);
	json_object_put(l.arr);
	strbuf_release(&l.text);
	strbuf_release(&notes);
	built_release(&b);
	trust_verdicts_release(&tv);
	salvage_release(&s);
	/* messages name the profile's files, not the working and staging copies */
	mc_error_rebase(err, w.dir, p->path);
	mc_error_rebase(err, st.dir, p->path);
	stage_release(&st);
	work_release(&w);
	backup_release(&backup);
	return ret < 0 ? ret : return_lost;
}

static int
repair_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	switch (opt) {
	case 'k':
		ropts.keep_user_certs = true;
		return 0;
	case 'K':
		ropts.include_keys = true;
		return 0;
	case 'u':
		ropts.keep_unverified_trust = true;
		return 0;
	default:
		return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
	}
}

static const struct option repair_options[] = {
	{"keep-unverified-trust", no_argument, NULL, 'u'},
	{NULL, 0, NULL, 0},
};

static int
repair_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first, ret;

	memset(&ropts, 0, sizeof(ropts));
	if ((ret = cmd_getopt(ctx, argc, argv, repair_options, repair_opt, &first, err)) < 0)
		return ret;
	if (first < argc)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first]);
	return 0;
}

static const struct option reset_options[] = {
	{"keep-user-certs", no_argument, NULL, 'k'},
	{"include-keys", no_argument, NULL, 'K'},
	{NULL, 0, NULL, 0},
};

static int
reset_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first, ret;

	memset(&ropts, 0, sizeof(ropts));
	if ((ret = cmd_getopt(ctx, argc, argv, reset_options, repair_opt, &first, err)) < 0)
		return ret;
	if (first < argc)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first]);
	return 0;
}

static int
repair_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return rebuild_run(ctx, p, res, MODE_REPAIR, err);
}

static int
reset_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return rebuild_run(ctx, p, res, MODE_RESET, err);
}

const struct cmd_spec cmd_db_repair = {
	.name = "repair", .prepare = repair_prepare, .run = repair_run, .flags = CMD_WRITES | CMD_STORE,
	.args = "[--keep-unverified-trust]",
	.summary = "back up, salvage every readable certificate and trust into a fresh verified store",
	.options = repair_options,
	.help = "  --keep-unverified-trust  keep trust whose MAC in key4.db cannot be checked (key4.db\n"
		"                           missing, damaged or from another store); without it such\n"
		"                           trust is listed as lost (a terminal asks)\n",
};

const struct cmd_spec cmd_db_reset = {
	.name = "reset", .prepare = reset_prepare, .run = reset_run, .flags = CMD_WRITES | CMD_STORE,
	.args = "[--keep-user-certs] [--include-keys]",
	.summary = "back up, then a fresh empty store (keeps the key database unless --include-keys)",
	.options = reset_options,
	.help = "  --keep-user-certs        carry over the CA certificates the user gave trust to\n"
		"  --include-keys           a fresh key database too (the private keys and the Primary\n"
		"                           Password are then kept only in the backup)\n",
};
