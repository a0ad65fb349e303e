/* SPDX-License-Identifier: MPL-2.0 */
/* db-upgrade.c: db upgrade: a legacy cert8.db store merged into cert9.db. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <nss.h>

#include "cmd.h"
#include "db.h"
#include "atomic-write.h"
#include "fileio.h"
#include "owner-identity.h"
#include "hot-journal.h"
#include "findings.h"
#include "profile-lock.h"
#include "nssdb.h"
#include "store-check.h"
#include "stage.h"
#include "strbuf.h"
#include "banned.h"

/* ---- db upgrade ---- */

/*
 * Split a certutil trust string into its three columns, without 'u': that
 * letter says a private key is present, which is not trust.
 */
static void
trust_columns(const char *t, char cols[3][TRUST_STR_MAX])
{
	size_t c = 0, k = 0;

	memset(cols, 0, 3 * TRUST_STR_MAX);
	for (; *t && c < 3; t++) {
		if (*t == ',') {
			c++;
			k = 0;
		} else if (*t != 'u' && k + 1 < TRUST_STR_MAX) {
			cols[c][k++] = *t;
		}
	}
}

/*
 * Every column of after is that of one of the two merged stores: NSS merges
 * trust usage by usage toward the "harder" value (pk11merge.c; measured:
 * existing C,C, + legacy CT,, gave CT,C,).
 */
static bool
trust_merged_from(const char *after, const char *a, const char *b)
{
	char x[3][TRUST_STR_MAX], y[3][TRUST_STR_MAX], z[3][TRUST_STR_MAX];

	trust_columns(after, x);
	trust_columns(a, y);
	trust_columns(b, z);
	for (size_t i = 0; i < 3; i++)
		if (!streq(x[i], y[i]) && !streq(x[i], z[i]))
			return false;
	return true;
}

static int
copy_legacy(const char *profile_dir, const char *dst, struct mc_error *err)
{
	static const char *const names[] = {"cert8.db", "key3.db"};

	if (mkdir(dst, 0700) < 0)
		return mc_error_sys(err, "cannot create '%s'", dst);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_autofree_ char *src = path_join(profile_dir, names[i]);
		_autofree_ char *to = path_join(dst, names[i]);
		int ret;

		if (!fileio_exists(src))
			continue;
		if ((ret = fileio_copy(src, to, 0600, true, err)) < 0)
			return ret;
	}
	return 0;
}

static int
list_store(const char *dir, const char *shown, enum certdb_kind kind, unsigned flags, const char *password,
	   struct cert_info **v, size_t *n, struct mc_error *err)
{
	struct certdb *db = NULL;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = certdb_open_as(dir, shown, kind, flags, password, &db, err)) < 0)
		return ret;
	ret = certdb_list(db, v, n, err);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	return ret;
}

/*
 * New cert9.db/key4.db take the owner and mode of the cert8.db/key3.db they
 * replace (run as root on a user's profile, they must stay the user's): set
 * on the staged copies before the swap, which does not happen when they
 * cannot be set.
 */
static void
inherit_owner_mode(struct stage *st, const char *dir)
{
	static const char *const pairs[2][2] = {{"cert9.db", "cert8.db"}, {"key4.db", "key3.db"}};

	for (size_t i = 0; i < 2; i++)
		if (exists_in(dir, pairs[i][1]))
			stage_inherit(st, pairs[i][0], pairs[i][1]);
}

static const char *const legacy_files[] = {"cert8.db", "key3.db", "secmod.db"};

/* One upgrade: the legacy listing, the staged store before and after the merge. */
struct upgrade {
	const struct profile *p;
	struct stage st;
	char *legacy_copy;          /* the legacy pair, copied inside st.dir */
	bool had_modern;            /* a cert9.db to merge into */
	struct cert_info *old, *before, *after;
	size_t n_old, n_before, n_after, added, present;
	struct certdb_merge_report rep;
	struct backup backup;
	bool backup_used;
};

static void
upgrade_release(struct upgrade *u, struct mc_error *err)
{
	cert_info_array_free(u->old, u->n_old);
	cert_info_array_free(u->before, u->n_before);
	cert_info_array_free(u->after, u->n_after);
	if (u->backup_used)
		backup_release(&u->backup);
	/* messages name the profile's files, not the staging copies (the legacy copy is inside st.dir) */
	mc_error_rebase(err, u->legacy_copy, u->p->path);
	mc_error_rebase(err, u->st.dir, u->p->path);
	stage_release(&u->st);
	free(u->legacy_copy);
}

/* Nothing to upgrade (0, said), no store at all, or a legacy store mozcert does not upgrade; 1: go on. */
static int
upgrade_applies(struct cmd_ctx *ctx, const struct profile *p, bool had_modern, struct json_object *res,
		struct mc_error *err)
{
	struct mc_error e = {0};

	if (!exists_in(p->path, "cert8.db")) {
		if (exists_in(p->path, "cert7.db"))
			return mc_error_set(err, MC_EFAIL, "'%s' holds a cert7.db store, which mozcert cannot upgrade",
					    p->path);
		if (!had_modern)
			return mc_error_set(err, MC_ENOENT, "profile '%s' has no certificate store", p->path);
		cmd_set_changed(res, false);
		json_object_object_add(res, "certificates", json_object_new_array());
		cmd_out(ctx, "'%s' has no legacy store: nothing to upgrade\n", p->path);
		return 0;
	}
	/* A damaged legacy store silently lists fewer certificates: refuse rather than lose them. */
	for (size_t i = 0; i < 2; i++) {
		_autofree_ char *path = path_join(p->path, legacy_files[i]);

		if (fileio_exists(path) && sqlstore_dbm_header_check(path, NULL, &e) == MC_EDAMAGED)
			return mc_error_set(err, MC_EDAMAGED, "%s; run 'mozcert -p %s db repair' instead", e.msg, p->path);
	}
	return 1;
}

/* Step 1, merge: the legacy store into a staged cert9.db (an empty one, made as Firefox makes it, if none). */
static int
upgrade_merge(struct cmd_ctx *ctx, struct upgrade *u, struct mc_error *err)
{
	const char *dir = u->p->path;
	struct certdb *db = NULL;
	int ret;

	if ((ret = list_store(dir, dir, CERTDB_DBM, CERTDB_PRIVATE_COPY, NULL, &u->old, &u->n_old, err)) < 0)
		return ret;
	if ((ret = stage_begin(dir, CERTDB_SQL, &u->st, err)) < 0)
		return ret;
	u->legacy_copy = path_join(u->st.dir, "legacy");
	if ((ret = copy_legacy(dir, u->legacy_copy, err)) < 0)
		return ret;
	/* NSS reads no lone cert8.db: the copy gets an empty key3.db (public profiles often lack one). */
	if (!exists_in(u->legacy_copy, "key3.db") &&
	    (ret = certdb_create_as(u->legacy_copy, dir, CERTDB_DBM, NULL, err)) < 0)
		return ret;
	/* No cert9.db yet: an empty store (empty password, as Firefox makes) to merge into. */
	if (!u->had_modern && (ret = certdb_create_as(u->st.dir, dir, CERTDB_SQL, NULL, err)) < 0)
		return ret;
	if ((ret = certdb_open_as(u->st.dir, dir, CERTDB_SQL, CERTDB_RDWR, ctx->password, &db, err)) < 0)
		return ret;
	if ((ret = certdb_list(db, &u->before, &u->n_before, err)) == 0)
		ret = certdb_merge(db, u->legacy_copy, dir, CERTDB_DBM, !u->had_modern, &u->rep, err);
	if (ret < 0) {
		certdb_close(db, NULL);
		return ret;
	}
	return certdb_close(db, err);
}

/* Whether legacy certificate o came through with its trust (a: after the merge, b: before it, or NULL). */
static int
verify_one(const struct cert_info *o, const struct cert_info *a, const struct cert_info *b, struct mc_error *err)
{
	const char *name = o->nickname ? o->nickname : o->sha256_hex;

	if (!a)
		return mc_error_set(err, MC_EFAIL, "verification failed: %s (%s) is missing after the upgrade",
				    o->nickname ? o->nickname : "?", o->sha256_hex);
	if (!b && !streq(a->trust, o->trust))
		return mc_error_set(err, MC_EFAIL, "verification failed: %s has trust '%s', the legacy store '%s'",
				    name, a->trust, o->trust);
	if (b && !trust_merged_from(a->trust, o->trust, b->trust))
		return mc_error_set(err, MC_EFAIL,
				    "verification failed: %s has trust '%s', neither the legacy '%s' nor the existing '%s'",
				    name, a->trust, o->trust, b->trust);
	return 0;
}

/* Step 2, verify: reopen what will be swapped in, and find every legacy certificate with its trust. */
static int
upgrade_verify(struct cmd_ctx *ctx, struct upgrade *u, struct json_object *res, struct mc_error *err)
{
	struct json_object *arr;
	int ret;

	if ((ret = list_store(u->st.dir, u->p->path, CERTDB_SQL, 0, ctx->password, &u->after, &u->n_after, err)) < 0)
		return ret;
	arr = json_object_new_array_ext((int)u->n_old);
	for (size_t i = 0; i < u->n_old; i++) {
		const struct cert_info *o = &u->old[i];
		const struct cert_info *a = find_by_hash(u->after, u->n_after, o->sha256);
		const struct cert_info *b = find_by_hash(u->before, u->n_before, o->sha256);
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "status", json_object_new_string(b ? "already-present" : "added"));
		json_object_object_add(j, "nickname", o->nickname ? json_object_new_string(o->nickname) : NULL);
		json_object_object_add(j, "legacy_trust", json_object_new_string(o->trust));
		json_object_object_add(j, "trust", a ? json_object_new_string(a->trust) : NULL);
		json_object_object_add(j, "sha256", json_object_new_string(o->sha256_hex));
		json_object_array_add(arr, j);
		if (ret == 0)
			ret = verify_one(o, a, b, err);
		if (b)
			u->present++;
		else
			u->added++;
		if (ctx->verbosity > 0 || !b)
			cmd_out(ctx, "%s%-15s %-8s %s\n", ctx->dry_run && !b ? "would be " : "", b ? "already-present" : "added",
				a ? a->trust : "", o->nickname ? o->nickname : o->sha256_hex);
	}
	json_object_object_add(res, "certificates", arr);
	if (ret < 0)
		return ret;
	json_object_object_add(res, "legacy_certificates", json_object_new_int64((int64_t)u->n_old));
	json_object_object_add(res, "added", json_object_new_int64((int64_t)u->added));
	json_object_object_add(res, "already_present", json_object_new_int64((int64_t)u->present));
	json_object_object_add(res, "merged_into_existing", json_object_new_boolean(u->had_modern));
	json_object_object_add(res, "password_adopted", json_object_new_boolean(u->rep.password_adopted));
	json_object_object_add(res, "verified", json_object_new_boolean(true));
	return 0;
}

/* Step 3, commit: the staged pair in, the legacy files into the same backup, in one swap. */
static int
upgrade_commit(struct cmd_ctx *ctx, struct upgrade *u, struct json_object *res, struct mc_error *err)
{
	static const char *const modern_files[] = {"cert9.db", "key4.db"};
	const char *dir = u->p->path;
	struct json_object *moved = json_object_new_array();
	int ret;

	backup_init(&u->backup, dir, "db upgrade");
	u->backup_used = true;
	/* The legacy files move into the same backup as part of the swap: both happen, or neither. */
	for (size_t i = 0; i < ARRAY_SIZE(legacy_files); i++) {
		if (!exists_in(dir, legacy_files[i]))
			continue;
		stage_drop(&u->st, legacy_files[i]);
		json_object_array_add(moved, json_object_new_string(legacy_files[i]));
	}
	inherit_owner_mode(&u->st, dir);
	/* Before the swap: a run killed after it still leaves a backup that restores the legacy-only profile. */
	if ((!u->had_modern &&
	     (ret = backup_note_absent(&u->backup, modern_files, ARRAY_SIZE(modern_files), err)) < 0) ||
	    (ret = stage_commit(&u->st, &u->backup, err)) < 0) {
		json_object_put(moved);
		return ret;
	}
	json_object_object_add(res, "moved_to_backup", moved);
	if (u->backup.id)
		json_object_object_add(res, "backup", json_object_new_string(u->backup.id));
	if (exists_in(dir, "cert8.dir"))
		cmd_warn(ctx, "'%s/cert8.dir' (large certificates of the legacy store) was left in place", dir);
	return 0;
}

static int
upgrade_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct upgrade u = {.p = p, .had_modern = exists_in(p->path, "cert9.db")};
	int ret;

	if ((ret = upgrade_applies(ctx, p, u.had_modern, res, err)) <= 0)
		return ret;
	if ((ret = upgrade_merge(ctx, &u, err)) < 0 || (ret = upgrade_verify(ctx, &u, res, err)) < 0 ||
	    (!ctx->dry_run && (ret = upgrade_commit(ctx, &u, res, err)) < 0))
		goto out;
	ret = 0;
	cmd_set_changed(res, !ctx->dry_run);
	cmd_out(ctx, "%zu legacy certificate%s: %zu added, %zu already present; verified%s\n", u.n_old,
		u.n_old == 1 ? "" : "s", u.added, u.present, ctx->dry_run ? " (dry run: nothing written)" : "");
	if (!ctx->dry_run && u.backup.id)
		cmd_out(ctx, "cert8.db, key3.db and secmod.db moved into backup %s\n", u.backup.id);
	if (u.rep.password_adopted)
		cmd_out(ctx, "the new store keeps the legacy store's Primary Password\n");
out:
	upgrade_release(&u, err);
	return ret;
}

const struct cmd_spec cmd_db_upgrade = {
	.name = "upgrade", .run = upgrade_run, .flags = CMD_WRITES | CMD_STORE,
	.args = "",
	.summary = "merge a legacy cert8.db store into cert9.db (created if needed), verify, move the legacy files "
		   "into a backup",
};
