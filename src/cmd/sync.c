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

/* What the rows say the staged store must now hold, checked by stage_verify (one listing, binary search). */
static int
verify_rows(const struct stage *st, const struct row *rows, size_t n, const char *password, struct mc_error *err)
{
	_autofree_ struct stage_expect *ex = xzalloc(n * sizeof(*ex));

	for (size_t i = 0; i < n; i++) {
		memcpy(ex[i].sha256, rows[i].r.sha256, 32);
		snprintf(ex[i].trust, sizeof(ex[i].trust), "%s", rows[i].r.trust);
		ex[i].present = !streq(rows[i].status, "removed");
	}
	return stage_verify(st, ex, n, password, err);
}

/* One sync: the record before and after, the staged store and what happened to each certificate. */
struct sync {
	const struct profile *p;
	const char *label;
	char *rec_path;
	char *old_text, *new_text;   /* the record, before and after */
	size_t old_len, new_len;
	struct claims old, next;
	struct cert_info *present;   /* the store, listed when a withdrawal needs it */
	size_t npresent;
	bool listed;
	struct row *rows;
	size_t nrows, nadded, ntrust, nremoved, nreleased;
	struct stage st;
	int kind;
	bool have_store, store_changed, record_changed;
};

static void
sync_release(struct sync *sy, struct mc_error *err)
{
	for (size_t i = 0; sy->rows && i < sy->nrows; i++)
		import_result_release(&sy->rows[i].r);
	free(sy->rows);
	cert_info_array_free(sy->present, sy->npresent);
	free(sy->old.v);
	free(sy->next.v);
	free(sy->rec_path);
	free(sy->old_text);
	free(sy->new_text);
	mc_error_rebase(err, sy->st.dir, sy->p->path);
	stage_release(&sy->st);
}

/* Step 1, load: the record, the store's kind; the claims of other labels stay as they are. */
static int
sync_load(const struct cmd_ctx *ctx, struct sync *sy, struct mc_error *err)
{
	int ret;

	sy->rec_path = path_join(sy->p->path, MANAGED_NAME);
	if (fileio_exists(sy->rec_path)) {
		if ((ret = fileio_read(sy->rec_path, MANAGED_MAX, &sy->old_text, &sy->old_len, err)) < 0)
			return ret;
		claims_parse(ctx, sy->rec_path, sy->old_text, sy->old_len, &sy->old);
	}
	if (profile_store_format(sy->p->path) == STORE_NONE)
		sy->have_store = false;  /* a fresh profile: create the store the application would, if anything is declared */
	else if ((ret = cmd_store_kind(sy->p, &sy->kind, err)) < 0)
		return ret;
	sy->rows = xzalloc((sopts.ders.n + sy->old.n + 1) * sizeof(*sy->rows));
	for (size_t i = 0; i < sy->old.n; i++)
		if (!streq(sy->old.v[i].label, sy->label))
			claims_add(&sy->next, sy->old.v[i].label, sy->old.v[i].sha256);
	return 0;
}

/* Every declared certificate in, with the declared trust; the label claims what it added or managed. */
static int
sync_import(struct certdb *db, struct sync *sy, struct mc_error *err)
{
	for (size_t i = 0; i < sopts.ders.n; i++) {
		struct row *rw = &sy->rows[sy->nrows];
		int ret = certdb_import(db, sopts.ders.v[i].data, sopts.ders.v[i].len, &sopts.trust, &rw->r, err);

		if (ret < 0) {
			struct mc_error inner = *err;

			mc_error_clear(err);
			mc_error_set(err, ret, "%s: %s", sopts.ders.v[i].origin, inner.msg);
			err->sys_errno = inner.sys_errno;
			err->nss_code = inner.nss_code;
			return ret;
		}
		sy->nrows++;
		rw->source = sopts.ders.v[i].origin;
		switch (rw->r.status) {
		case IMPORT_ADDED:
			rw->status = "added";
			sy->nadded++;
			break;
		case IMPORT_TRUST_CHANGED:
			rw->status = "trust-changed";
			sy->ntrust++;
			break;
		default:
			rw->status = "unchanged";
		}
		/* Added now, managed before, or managed by another label: this label manages it. */
		rw->managed = rw->r.status == IMPORT_ADDED || claimed(&sy->old, rw->r.sha256, NULL, NULL);
		if (rw->managed)
			claims_add(&sy->next, sy->label, rw->r.sha256);
	}
	return 0;
}

/* What this label manages and no longer declares goes, unless another label still manages it. */
static int
sync_withdraw(struct certdb *db, struct sync *sy, struct mc_error *err)
{
	for (size_t i = 0; i < sy->old.n; i++) {
		const struct claim *c = &sy->old.v[i];
		bool declared = false, held = false;
		_autofree_ char *hex = NULL;
		int ret;

		if (!streq(c->label, sy->label))
			continue;
		for (size_t j = 0; j < sy->nrows && !declared; j++)
			declared = memcmp(sy->rows[j].r.sha256, c->sha256, 32) == 0;
		if (declared)
			continue;
		/*
		 * Listed only now, when a claim is no longer declared: a run with nothing to withdraw (most runs)
		 * does without the listing, an NSS lookup per trusted certificate. sync_import only adds
		 * declared certificates, so what is held of the undeclared ones is as before it.
		 */
		if (!sy->listed && (ret = certdb_list(db, &sy->present, &sy->npresent, err)) < 0)
			return ret;
		sy->listed = true;
		for (size_t j = 0; j < sy->npresent && !held; j++)
			held = memcmp(sy->present[j].sha256, c->sha256, 32) == 0;
		if (!held)
			continue;  /* gone already (by hand, or a crash): the claim just lapses */
		if (claimed(&sy->old, c->sha256, NULL, sy->label)) {
			sy->nreleased++;  /* shared: another label keeps it */
			continue;
		}
		hex = hex_encode(c->sha256, 32, false);
		if ((ret = certdb_remove(db, hex, &sy->rows[sy->nrows].r, err)) < 0)
			return ret;
		sy->rows[sy->nrows].status = "removed";
		sy->nrows++;
		sy->nremoved++;
	}
	return 0;
}

/* Step 2, change and verify the staged store. */
static int
sync_stage(const struct cmd_ctx *ctx, struct sync *sy, struct mc_error *err)
{
	const char *dir = sy->p->path;
	struct certdb *db = NULL;
	int ret;

	if ((ret = stage_begin(dir, (enum certdb_kind)sy->kind, &sy->st, err)) < 0)
		return ret;
	if ((ret = certdb_open_as(sy->st.dir, dir, (enum certdb_kind)sy->kind, CERTDB_RDWR, ctx->password, &db, err)) < 0)
		return ret;
	if ((ret = sync_import(db, sy, err)) < 0 || (ret = sync_withdraw(db, sy, err)) < 0) {
		certdb_close(db, NULL);
		return ret;
	}
	if ((ret = certdb_close(db, err)) < 0)
		return ret;
	/* Verified only when the store changed: an unchanged stage is never committed (a playbook's second run). */
	if (sy->nadded + sy->ntrust + sy->nremoved == 0)
		return 0;
	return verify_rows(&sy->st, sy->rows, sy->nrows, ctx->password, err);
}

/* Step 3, decide: the new record, and whether the store or the record change. */
static void
sync_decide(struct sync *sy)
{
	sy->new_text = claims_format(&sy->next, &sy->new_len);
	/* No claim left and no record yet: none is written. */
	sy->record_changed = sy->next.n == 0 && !sy->old_text
				     ? false
				     : !(sy->old_text && sy->old_len == sy->new_len &&
					 memcmp(sy->old_text, sy->new_text, sy->new_len) == 0);
	sy->store_changed = sy->nadded + sy->ntrust + sy->nremoved > 0;
}

/* Step 4, write: the record with the store in one swap, or alone (atomic_replace), after a backup. */
static int
sync_write(const struct cmd_ctx *ctx, struct sync *sy, struct json_object *res, struct mc_error *err)
{
	static const char *const managed[] = {MANAGED_NAME};
	struct backup backup;
	int ret = 0;

	backup_init(&backup, sy->p->path, ctx->cmd_name);
	if (!fileio_exists(sy->rec_path))
		ret = backup_note_absent(&backup, managed, 1, err);
	if (ret == 0 && sy->store_changed) {
		/* Swapped together with the store: see the head of this file. */
		_autofree_ char *put_path = path_join(sy->st.dir, MANAGED_NAME);

		if ((ret = atomic_replace(sy->st.dir, MANAGED_NAME, sy->new_text, sy->new_len, 0, NULL, err)) >= 0) {
			stage_put(&sy->st, MANAGED_NAME, put_path);
			sy->st.cert_first = sy->nadded + sy->ntrust == 0;  /* only removes: see stage.c */
			ret = stage_commit(&sy->st, &backup, err);
		}
	} else if (ret == 0) {
		if ((ret = atomic_replace(sy->p->path, MANAGED_NAME, sy->new_text, sy->new_len, ATOMIC_BACKUP, &backup,
					  err)) > 0)
			ret = 0;
		if (ret == 0)
			backup.used = true;
	}
	if (ret == 0 && backup.id)
		json_object_object_add(res, "backup", json_object_new_string(backup.id));
	backup_release(&backup);
	return ret;
}

/* Step 5, report: each certificate (JSON and text) and the totals. */
static void
sync_report(const struct cmd_ctx *ctx, const struct sync *sy, struct json_object *res)
{
	size_t unchanged = sy->nrows - sy->nadded - sy->ntrust - sy->nremoved;
	struct json_object *arr = json_object_new_array_ext((int)sy->nrows);

	cmd_set_changed(res, (sy->store_changed || sy->record_changed) && !ctx->dry_run);
	json_object_object_add(res, "label", json_object_new_string(sy->label));
	for (size_t i = 0; i < sy->nrows; i++) {
		const struct row *rw = &sy->rows[i];
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
	json_object_object_add(res, "added", json_object_new_int64((int64_t)sy->nadded));
	json_object_object_add(res, "trust_changed", json_object_new_int64((int64_t)sy->ntrust));
	json_object_object_add(res, "removed", json_object_new_int64((int64_t)sy->nremoved));
	json_object_object_add(res, "unchanged", json_object_new_int64((int64_t)unchanged));
	json_object_object_add(res, "released", json_object_new_int64((int64_t)sy->nreleased));
	json_object_object_add(res, "record_changed", json_object_new_boolean(sy->record_changed));
	cmd_out(ctx, "label %s: %zu added, %zu trust changed, %zu removed, %zu unchanged%s\n", sy->label, sy->nadded,
		sy->ntrust, sy->nremoved, unchanged, ctx->dry_run ? " (dry run: nothing written)" : "");
}

static int
sync_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct sync sy = {.p = p, .label = sopts.label, .kind = CERTDB_SQL, .have_store = true};
	int ret;

	if ((ret = sync_load(ctx, &sy, err)) < 0)
		goto out;
	/* Nothing declared and nothing held: only stale claims of this label go. */
	if ((sy.have_store || sopts.ders.n > 0) && (ret = sync_stage(ctx, &sy, err)) < 0)
		goto out;
	sync_decide(&sy);
	if (!ctx->dry_run && (sy.store_changed || sy.record_changed) && (ret = sync_write(ctx, &sy, res, err)) < 0)
		goto out;
	sync_report(ctx, &sy, res);
	ret = 0;
out:
	sync_release(&sy, err);
	return ret;
}

const struct cmd_spec cmd_cert_sync = {
	.name = "sync", .prepare = sync_prepare, .run = sync_run, .cleanup = sync_cleanup,
	.flags = CMD_WRITES | CMD_STORE | CMD_PARALLEL, .args = "[--trust TRUST] [--label NAME] SOURCE...",
	.summary = "make the CAs managed under a label equal to SOURCE: import, fix trust, withdraw",
	.options = sync_options,
	.help = "  --trust TRUST            trust of every SOURCE certificate, as certutil spells it; default C,,\n"
		"  --label NAME             the set this sync manages (A-Z a-z 0-9 . _ -); default 'default'\n",
};
