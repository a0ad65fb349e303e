/* SPDX-License-Identifier: MPL-2.0 */
/*
 * sync.c: cert sync: make the certificates mozcert manages under a label
 * equal to a declared set.
 *
 * The record of what each label added is MANAGED_NAME in the profile:
 *
 *   # mozcert cert sync: the certificates each label manages (SHA-256)
 *   [label]
 *   0123...64 hex digits
 *
 * A label manages a certificate that one of its syncs added, or that another
 * label already managed when it was declared (shared: removed only when the
 * last label managing it lets go). A certificate the profile held before and
 * no label manages (the user's own, the application's) is never managed: a
 * sync sets its trust to the declared trust but never removes it.
 *
 * The record goes into the same journaled swap as the store (stage_put), so
 * a crash leaves the old store and old record, or (after the next run rolls
 * the swap forward) both new ones. A record that changes alone (a claim of a
 * certificate no longer in the store dropped) is written with atomic_replace.
 * Whatever a crash or a hand edit leaves, the next sync converges: a claim
 * whose certificate is gone is dropped, one still declared is kept.
 */
#include <ctype.h>
#include <nss.h>

#include "cmd.h"
#include "cert-input.h"
#include "fileio.h"
#include "nssdb.h"
#include "output.h"
#include "stage.h"
#include "strbuf.h"
#include "trust.h"
#include "banned.h"

#define MANAGED_NAME "mozcert-managed.ini"
#define MANAGED_MAX (16u * 1024u * 1024u)
#define LABEL_MAX 64

struct claim {
	char label[LABEL_MAX + 1];
	unsigned char sha256[32];
};

struct claims {
	struct claim *v;
	size_t n, alloc;
};

struct sync_opts {
	const char *label;
	CERTCertTrust trust;
	char trust_str[TRUST_STR_MAX];
	struct der_list ders;
};

static struct sync_opts sopts;

static bool
label_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static void
claims_add(struct claims *c, const char *label, const unsigned char sha[32])
{
	for (size_t i = 0; i < c->n; i++)
		if (streq(c->v[i].label, label) && memcmp(c->v[i].sha256, sha, 32) == 0)
			return;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 16;
		c->v = xreallocarray(c->v, c->alloc, sizeof(*c->v));
	}
	snprintf(c->v[c->n].label, sizeof(c->v[c->n].label), "%s", label);
	memcpy(c->v[c->n].sha256, sha, 32);
	c->n++;
}

/* Does a label (other than but, when but is not NULL) claim sha? */
static bool
claimed(const struct claims *c, const unsigned char sha[32], const char *only, const char *but)
{
	for (size_t i = 0; i < c->n; i++) {
		if (memcmp(c->v[i].sha256, sha, 32) != 0)
			continue;
		if (only && !streq(c->v[i].label, only))
			continue;
		if (but && streq(c->v[i].label, but))
			continue;
		return true;
	}
	return false;
}

static int
by_label_sha(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int r = strcmp(x->label, y->label);

	return r ? r : memcmp(x->sha256, y->sha256, 32);
}

/* Parse the record; lines it does not understand are skipped (a warning). */
static int
claims_parse(const struct cmd_ctx *ctx, const char *path, const char *buf, size_t len, struct claims *c)
{
	char label[LABEL_MAX + 1] = "";
	size_t lineno = 0;

	for (size_t at = 0; at < len;) {
		const char *line = buf + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		unsigned char sha[32];
		bool hex = n == 64;

		at += n + 1;
		lineno++;
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[' && line[n - 1] == ']' && n - 2 <= LABEL_MAX) {
			memcpy(label, line + 1, n - 2);
			label[n - 2] = '\0';
			if (!label_ok(label)) {
				cmd_warn(ctx, "%s:%zu: bad label, its lines are ignored", path, lineno);
				label[0] = '\0';
			}
			continue;
		}
		for (size_t i = 0; hex && i < 32; i++) {
			int hi = hex_value(line[2 * i]), lo = hex_value(line[2 * i + 1]);

			if (hi < 0 || lo < 0)
				hex = false;
			else
				sha[i] = (unsigned char)(hi << 4 | lo);
		}
		if (hex && label[0])
			claims_add(c, label, sha);
		else if (label[0] || !hex)
			cmd_warn(ctx, "%s:%zu: not a SHA-256 fingerprint under a [label], ignored", path, lineno);
	}
	return 0;
}

static char *
claims_format(struct claims *c, size_t *len)
{
	struct strbuf sb;
	const char *last = NULL;

	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), by_label_sha);
	strbuf_init(&sb);
	strbuf_addstr(&sb, "# mozcert cert sync: the certificates each label manages (SHA-256).\n"
			   "# Written by mozcert; a certificate not listed is never removed by a sync.\n");
	for (size_t i = 0; i < c->n; i++) {
		_autofree_ char *hex = hex_encode(c->v[i].sha256, 32, false);

		if (!last || !streq(last, c->v[i].label))
			strbuf_addf(&sb, "\n[%s]\n", c->v[i].label);
		last = c->v[i].label;
		strbuf_addf(&sb, "%s\n", hex);
	}
	return strbuf_detach(&sb, len);
}

/* ---- options ---- */

static int
sync_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	int ret;

	if (opt == 't') {
		if ((ret = trust_parse(arg, &sopts.trust, err)) < 0)
			return ret;
		trust_format(&sopts.trust, sopts.trust_str);
		return 0;
	}
	if (opt == 'L') {
		if (!label_ok(arg))
			return mc_error_set(err, MC_EUSAGE, "%s: bad label '%s': 1 to %d of A-Z a-z 0-9 . _ -",
					    ctx->cmd_name, arg, LABEL_MAX);
		sopts.label = arg;
		return 0;
	}
	return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
}

static const struct option sync_options[] = {
	{"trust", required_argument, NULL, 't'},
	{"label", required_argument, NULL, 'L'},
	{NULL, 0, NULL, 0},
};

static int
sync_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first, ret;

	sopts.label = "default";
	if ((ret = trust_parse("C,,", &sopts.trust, err)) < 0)
		return ret;
	trust_format(&sopts.trust, sopts.trust_str);
	if ((ret = cmd_getopt(ctx, argc, argv, sync_options, sync_opt, &first, err)) < 0)
		return ret;
	if (first >= argc)
		return mc_error_set(err, MC_EUSAGE, "%s: expected SOURCE...", ctx->cmd_name);
	/* A directory without certificates declares the empty set: that is how a CA is withdrawn. */
	sopts.ders.empty_dir_ok = true;
	return certpkg_read_paths(argv + first, argc - first, &sopts.ders, err);
}

static void
sync_cleanup(struct cmd_ctx *ctx)
{
	der_list_release(&sopts.ders);
}

/* ---- run ---- */

struct row {
	const char *status;      /* added, trust-changed, unchanged, removed */
	struct import_result r;
	const char *source;      /* NULL for a removal */
	bool managed;            /* the label manages it after this run */
};

static int
verify_rows(const struct stage *st, const struct row *rows, size_t n, const char *password, struct mc_error *err)
{
	struct certdb *db = NULL;
	struct cert_info *v = NULL;
	size_t nv = 0;
	int ret;

	if ((ret = certdb_open_as(st->dir, st->profile_dir, st->kind, 0, password, &db, err)) < 0)
		return ret;
	ret = certdb_list(db, &v, &nv, err);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		const struct cert_info *hit = NULL;
		bool gone = streq(rows[i].status, "removed");

		for (size_t j = 0; j < nv && !hit; j++)
			if (memcmp(v[j].sha256, rows[i].r.sha256, 32) == 0)
				hit = &v[j];
		if (gone && hit)
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s is still present", hit->sha256_hex);
		else if (!gone && !hit)
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s is missing after the change",
					   rows[i].r.sha256_hex);
		else if (hit && strcmp(hit->trust, rows[i].r.trust) != 0)
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s has trust '%s', expected '%s'",
					   hit->sha256_hex, hit->trust, rows[i].r.trust);
	}
	cert_info_array_free(v, nv);
	return ret;
}

static int
sync_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	const char *label = sopts.label;
	_autofree_ char *rec_path = path_join(p->path, MANAGED_NAME);
	_autofree_ char *old_text = NULL;
	_autofree_ char *new_text = NULL;
	_autofree_ char *put_path = NULL;
	size_t old_len = 0, new_len = 0, nrows = 0, nadded = 0, ntrust = 0, nremoved = 0, nreleased = 0;
	struct claims old = {0}, next = {0};
	struct cert_info *present = NULL;
	size_t npresent = 0;
	bool listed = false;
	struct row *rows = NULL;
	struct stage st = {0};
	struct certdb *db = NULL;
	bool store_changed, record_changed, have_store = true;
	int kind = CERTDB_SQL, ret;
	struct backup backup;
	struct json_object *arr;

	if (fileio_exists(rec_path)) {
		if ((ret = fileio_read(rec_path, MANAGED_MAX, &old_text, &old_len, err)) < 0)
			return ret;
		claims_parse(ctx, rec_path, old_text, old_len, &old);
	}
	if (profile_store_format(p->path) == STORE_NONE)
		have_store = false;  /* a fresh profile: create the store the application would, if anything is declared */
	else if ((ret = cmd_store_kind(p, &kind, err)) < 0)
		goto out;
	rows = xzalloc((sopts.ders.n + old.n + 1) * sizeof(*rows));
	/* Claims of other labels stay as they are. */
	for (size_t i = 0; i < old.n; i++)
		if (!streq(old.v[i].label, label))
			claims_add(&next, old.v[i].label, old.v[i].sha256);
	if (!have_store && sopts.ders.n == 0)
		goto decided;  /* nothing declared, nothing held: only stale claims of this label go */
	if ((ret = stage_begin(p->path, (enum certdb_kind)kind, &st, err)) < 0)
		goto out;
	if ((ret = certdb_open_as(st.dir, p->path, (enum certdb_kind)kind, CERTDB_RDWR, ctx->password, &db, err)) < 0)
		goto out;
	for (size_t i = 0; i < sopts.ders.n; i++) {
		struct row *rw = &rows[nrows];

		ret = certdb_import(db, sopts.ders.v[i].data, sopts.ders.v[i].len, &sopts.trust, &rw->r, err);
		if (ret < 0) {
			struct mc_error inner = *err;

			mc_error_clear(err);
			mc_error_set(err, ret, "%s: %s", sopts.ders.v[i].origin, inner.msg);
			err->sys_errno = inner.sys_errno;
			err->nss_code = inner.nss_code;
			goto out;
		}
		nrows++;
		rw->source = sopts.ders.v[i].origin;
		switch (rw->r.status) {
		case IMPORT_ADDED:
			rw->status = "added";
			nadded++;
			break;
		case IMPORT_TRUST_CHANGED:
			rw->status = "trust-changed";
			ntrust++;
			break;
		default:
			rw->status = "unchanged";
		}
		/* Added now, managed before, or managed by another label: this label manages it. */
		rw->managed = rw->r.status == IMPORT_ADDED || claimed(&old, rw->r.sha256, NULL, NULL);
		if (rw->managed)
			claims_add(&next, label, rw->r.sha256);
	}
	/* What this label manages and no longer declares goes, unless another label still manages it. */
	for (size_t i = 0; i < old.n; i++) {
		const struct claim *c = &old.v[i];
		bool declared = false, held = false;
		_autofree_ char *hex = NULL;

		if (!streq(c->label, label))
			continue;
		for (size_t j = 0; j < nrows && !declared; j++)
			declared = memcmp(rows[j].r.sha256, c->sha256, 32) == 0;
		if (declared)
			continue;
		/*
		 * Listed only now, when a claim is no longer declared: a run with nothing to withdraw (most runs)
		 * does without the listing, an NSS lookup per trusted certificate. The imports above only add
		 * declared certificates, so what is held of the undeclared ones is as before them.
		 */
		if (!listed && (ret = certdb_list(db, &present, &npresent, err)) < 0)
			goto out;
		listed = true;
		for (size_t j = 0; j < npresent && !held; j++)
			held = memcmp(present[j].sha256, c->sha256, 32) == 0;
		if (!held)
			continue;  /* gone already (by hand, or a crash): the claim just lapses */
		if (claimed(&old, c->sha256, NULL, label)) {
			nreleased++;  /* shared: another label keeps it */
			continue;
		}
		hex = hex_encode(c->sha256, 32, false);
		if ((ret = certdb_remove(db, hex, &rows[nrows].r, err)) < 0)
			goto out;
		rows[nrows].status = "removed";
		nrows++;
		nremoved++;
	}
	ret = certdb_close(db, err);
	db = NULL;
	if (ret < 0)
		goto out;
	/* Verified only when the store changed: an unchanged stage is never committed (Ansible's second run). */
	if (nadded + ntrust + nremoved > 0 && (ret = verify_rows(&st, rows, nrows, ctx->password, err)) < 0)
		goto out;
decided:
	new_text = claims_format(&next, &new_len);
	record_changed = next.n == 0 && !old_text ? false : !(old_text && old_len == new_len &&
							     memcmp(old_text, new_text, new_len) == 0);
	/* No claim left and no record yet: none is written. */
	store_changed = nadded + ntrust + nremoved > 0;
	if (!ctx->dry_run && (store_changed || record_changed)) {
		backup_init(&backup, p->path, ctx->cmd_name);
		if (store_changed) {
			/* Swapped together with the store: see the head of this file. */
			put_path = path_join(st.dir, MANAGED_NAME);
			if (!fileio_exists(rec_path))
				ret = backup_note_absent(&backup, (const char *const[]){MANAGED_NAME}, 1, err);
			if (ret == 0 && (ret = atomic_replace(st.dir, MANAGED_NAME, new_text, new_len, 0, NULL, err)) >= 0) {
				stage_put(&st, MANAGED_NAME, put_path);
				st.cert_first = nadded + ntrust == 0;  /* only removes: see stage.c */
				ret = stage_commit(&st, &backup, err);
			}
		} else {
			if (!fileio_exists(rec_path))
				ret = backup_note_absent(&backup, (const char *const[]){MANAGED_NAME}, 1, err);
			if (ret == 0 && (ret = atomic_replace(p->path, MANAGED_NAME, new_text, new_len, ATOMIC_BACKUP,
							      &backup, err)) > 0)
				ret = 0;
			if (ret == 0)
				backup.used = true;
		}
		if (ret == 0 && backup.id)
			json_object_object_add(res, "backup", json_object_new_string(backup.id));
		backup_release(&backup);
		if (ret < 0)
			goto out;
	}
	cmd_set_changed(res, (store_changed || record_changed) && !ctx->dry_run);
	json_object_object_add(res, "label", json_object_new_string(label));
	arr = json_object_new_array_ext((int)nrows);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *rw = &rows[i];
		struct json_object *o = json_object_new_object();
		bool gone = streq(rw->status, "removed");

		json_object_object_add(o, "status", json_object_new_string(rw->status));
		json_object_object_add(o, "nickname", rw->r.nickname ? json_object_new_string(rw->r.nickname) : NULL);
		json_object_object_add(o, "trust", json_object_new_string(gone ? "" : rw->r.trust));
		json_object_object_add(o, "previous_trust", json_object_new_string(rw->r.old_trust));
		json_object_object_add(o, "subject", json_object_new_string(rw->r.subject ? rw->r.subject : ""));
		json_object_object_add(o, "sha256", json_object_new_string(rw->r.sha256_hex));
		json_object_object_add(o, "source", rw->source ? json_object_new_string(rw->source) : NULL);
		json_object_object_add(o, "managed", json_object_new_boolean(rw->managed));
		json_object_array_add(arr, o);
		if (ctx->verbosity > 0 || !streq(rw->status, "unchanged"))
			cmd_out(ctx, "%s%-13s %-8s %s%s\n", ctx->dry_run && !streq(rw->status, "unchanged") ? "would be " : "",
				rw->status, gone ? "" : rw->r.trust, rw->r.nickname ? rw->r.nickname : rw->r.sha256_hex,
				rw->managed || gone ? "" : " (not managed: never removed by a sync)");
	}
	json_object_object_add(res, "certificates", arr);
	json_object_object_add(res, "added", json_object_new_int64((int64_t)nadded));
	json_object_object_add(res, "trust_changed", json_object_new_int64((int64_t)ntrust));
	json_object_object_add(res, "removed", json_object_new_int64((int64_t)nremoved));
	json_object_object_add(res, "unchanged", json_object_new_int64((int64_t)(nrows - nadded - ntrust - nremoved)));
	json_object_object_add(res, "released", json_object_new_int64((int64_t)nreleased));
	json_object_object_add(res, "record_changed", json_object_new_boolean(record_changed));
	cmd_out(ctx, "label %s: %zu added, %zu trust changed, %zu removed, %zu unchanged%s\n", label, nadded, ntrust,
		nremoved, nrows - nadded - ntrust - nremoved, ctx->dry_run ? " (dry run: nothing written)" : "");
	ret = 0;
out:
	if (db)
		certdb_close(db, NULL);
	if (rows)
		for (size_t i = 0; i < nrows; i++)
			import_result_release(&rows[i].r);
	free(rows);
	cert_info_array_free(present, npresent);
	free(old.v);
	free(next.v);
	mc_error_rebase(err, st.dir, p->path);
	stage_release(&st);
	return ret;
}

const struct cmd_spec cmd_cert_sync = {
	.name = "sync", .prepare = sync_prepare, .run = sync_run, .cleanup = sync_cleanup,
	.flags = CMD_WRITES | CMD_STORE, .args = "[--trust TRUST] [--label NAME] SOURCE...",
	.summary = "make the CAs managed under a label equal to SOURCE: import, fix trust, withdraw",
	.options = sync_options,
	.help = "  --trust TRUST            trust of every SOURCE certificate, as certutil spells it; default C,,\n"
		"  --label NAME             the set this sync manages (A-Z a-z 0-9 . _ -); default 'default'\n",
};
