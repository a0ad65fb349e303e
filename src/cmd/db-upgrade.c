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
 * New cert9.db/key4.db take the mode and owner of the cert8.db/key3.db they
 * replace: run as root on a user's profile, they must stay the user's.
 */
/* The legacy pair's owner and mode, taken before the swap moves the legacy files into the backup. */
struct legacy_modes {
	struct stat st[2];
	bool have[2];
};

static const char *const mode_pairs[2][2] = {{"cert8.db", "cert9.db"}, {"key3.db", "key4.db"}};

static void
legacy_modes_get(const char *dir, struct legacy_modes *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < 2; i++) {
		_autofree_ char *from = path_join(dir, mode_pairs[i][0]);

		m->have[i] = lstat(from, &m->st[i]) == 0 && S_ISREG(m->st[i].st_mode);
	}
}

/* New cert9.db/key4.db take the owner and mode of the legacy files they replace. */
static void
inherit_owner_mode(const char *dir, const struct legacy_modes *m)
{
	for (size_t i = 0; i < 2; i++) {
		_autofree_ char *to = path_join(dir, mode_pairs[i][1]);
		const struct stat *st = &m->st[i];
		struct stat cur;
		/* Through a descriptor of the file itself: a path could be swapped for a link. */
		_autoclose_ int fd = m->have[i] ? open(to, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;

		if (fd < 0 || fstat(fd, &cur) < 0 || !S_ISREG(cur.st_mode))
			continue;
		if ((st->st_uid != cur.st_uid || st->st_gid != cur.st_gid) && fchown(fd, st->st_uid, st->st_gid) < 0)
			continue;
		/* Never wider than the legacy file, never unreadable by its owner. */
		(void)!fchmod(fd, (st->st_mode & 0666) | 0600);
	}
}

static int
upgrade_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	static const char *const legacy_files[] = {"cert8.db", "key3.db", "secmod.db"};
	static const char *const modern_files[] = {"cert9.db", "key4.db"};
	struct stage st = {0};
	struct certdb *db = NULL;
	struct cert_info *old = NULL, *before = NULL, *after = NULL;
	size_t n_old = 0, n_before = 0, n_after = 0, added = 0, present = 0;
	struct certdb_merge_report rep = {0};
	struct backup backup = {0};
	bool had_modern = exists_in(p->path, "cert9.db");
	bool backup_used = false;
	_autofree_ char *legacy_copy = NULL;
	struct json_object *arr;
	struct mc_error e = {0};
	int ret;

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
	if ((ret = list_store(p->path, p->path, CERTDB_DBM, CERTDB_PRIVATE_COPY, NULL, &old, &n_old, err)) < 0)
		goto out;
	if ((ret = stage_begin(p->path, CERTDB_SQL, &st, err)) < 0)
		goto out;
	legacy_copy = path_join(st.dir, "legacy");
	if ((ret = copy_legacy(p->path, legacy_copy, err)) < 0)
		goto out;
	/* NSS reads no lone cert8.db: the copy gets an empty key3.db (public profiles often lack one). */
	if (!exists_in(legacy_copy, "key3.db") && (ret = certdb_create_as(legacy_copy, p->path, CERTDB_DBM, NULL, err)) < 0)
		goto out;
	/* No cert9.db yet: an empty store (empty password, as Firefox makes) to merge into. */
	if (!had_modern && (ret = certdb_create_as(st.dir, p->path, CERTDB_SQL, NULL, err)) < 0)
		goto out;
	if ((ret = certdb_open_as(st.dir, p->path, CERTDB_SQL, CERTDB_RDWR, ctx->password, &db, err)) < 0)
		goto out;
	if ((ret = certdb_list(db, &before, &n_before, err)) < 0)
		goto out;
	if ((ret = certdb_merge(db, legacy_copy, p->path, CERTDB_DBM, !had_modern, &rep, err)) < 0)
		goto out;
	ret = certdb_close(db, err);
	db = NULL;
	if (ret < 0)
		goto out;

	/* Verify: reopen what will be swapped in, and find every legacy certificate with its trust. */
	if ((ret = list_store(st.dir, p->path, CERTDB_SQL, 0, ctx->password, &after, &n_after, err)) < 0)
		goto out;
	arr = json_object_new_array_ext((int)n_old);
	for (size_t i = 0; i < n_old; i++) {
		const struct cert_info *a = find_by_hash(after, n_after, old[i].sha256);
		const struct cert_info *b = find_by_hash(before, n_before, old[i].sha256);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "status", json_object_new_string(b ? "already-present" : "added"));
		json_object_object_add(o, "nickname", old[i].nickname ? json_object_new_string(old[i].nickname) : NULL);
		json_object_object_add(o, "legacy_trust", json_object_new_string(old[i].trust));
		json_object_object_add(o, "trust", a ? json_object_new_string(a->trust) : NULL);
		json_object_object_add(o, "sha256", json_object_new_string(old[i].sha256_hex));
		json_object_array_add(arr, o);
		if (ret == 0 && !a)
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s (%s) is missing after the upgrade",
					   old[i].nickname ? old[i].nickname : "?", old[i].sha256_hex);
		else if (ret == 0 && !b && !streq(a->trust, old[i].trust))
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s has trust '%s', the legacy store '%s'",
					   old[i].nickname ? old[i].nickname : old[i].sha256_hex, a->trust, old[i].trust);
		else if (ret == 0 && b && !trust_merged_from(a->trust, old[i].trust, b->trust))
			ret = mc_error_set(err, MC_EFAIL,
					   "verification failed: %s has trust '%s', neither the legacy '%s' nor the existing '%s'",
					   old[i].nickname ? old[i].nickname : old[i].sha256_hex, a->trust, old[i].trust,
					   b->trust);
		if (b)
			present++;
		else
			added++;
		if (ctx->verbosity > 0 || !b)
			cmd_out(ctx, "%s%-15s %-8s %s\n", ctx->dry_run && !b ? "would be " : "", b ? "already-present" : "added",
				a ? a->trust : "", old[i].nickname ? old[i].nickname : old[i].sha256_hex);
	}
	json_object_object_add(res, "certificates", arr);
	if (ret < 0)
		goto out;
	json_object_object_add(res, "legacy_certificates", json_object_new_int64((int64_t)n_old));
	json_object_object_add(res, "added", json_object_new_int64((int64_t)added));
	json_object_object_add(res, "already_present", json_object_new_int64((int64_t)present));
	json_object_object_add(res, "merged_into_existing", json_object_new_boolean(had_modern));
	json_object_object_add(res, "password_adopted", json_object_new_boolean(rep.password_adopted));
	json_object_object_add(res, "verified", json_object_new_boolean(true));

	if (!ctx->dry_run) {
		struct json_object *moved = json_object_new_array();
		struct legacy_modes modes;

		backup_init(&backup, p->path, "db upgrade");
		backup_used = true;
		/* The legacy files move into the same backup as part of the swap: both happen, or neither. */
		for (size_t i = 0; i < ARRAY_SIZE(legacy_files); i++) {
			_autofree_ char *path = path_join(p->path, legacy_files[i]);

			if (!fileio_exists(path))
				continue;
			stage_drop(&st, legacy_files[i]);
			json_object_array_add(moved, json_object_new_string(legacy_files[i]));
		}
		legacy_modes_get(p->path, &modes);
		/* Before the swap: a run killed after it still leaves a backup that restores the legacy-only profile. */
		if (!had_modern && (ret = backup_note_absent(&backup, modern_files, ARRAY_SIZE(modern_files), err)) < 0) {
			json_object_put(moved);
			goto out;
		}
		if ((ret = stage_commit(&st, &backup, err)) < 0) {
			json_object_put(moved);
			goto out;
		}
		if (!had_modern)
			inherit_owner_mode(p->path, &modes);
		json_object_object_add(res, "moved_to_backup", moved);
		if (backup.id)
			json_object_object_add(res, "backup", json_object_new_string(backup.id));
		if (exists_in(p->path, "cert8.dir"))
			cmd_warn(ctx, "'%s/cert8.dir' (large certificates of the legacy store) was left in place", p->path);
	}
	cmd_set_changed(res, !ctx->dry_run);
	cmd_out(ctx, "%zu legacy certificate%s: %zu added, %zu already present; verified%s\n", n_old,
		n_old == 1 ? "" : "s", added, present, ctx->dry_run ? " (dry run: nothing written)" : "");
	if (!ctx->dry_run && backup.id)
		cmd_out(ctx, "cert8.db, key3.db and secmod.db moved into backup %s\n", backup.id);
	if (rep.password_adopted)
		cmd_out(ctx, "the new store keeps the legacy store's Primary Password\n");
	ret = 0;
out:
	if (db)
		certdb_close(db, NULL);
	cert_info_array_free(old, n_old);
	cert_info_array_free(before, n_before);
	cert_info_array_free(after, n_after);
	if (backup_used)
		backup_release(&backup);
	/* messages name the profile's files, not the staging copies (the legacy copy is inside st.dir) */
	mc_error_rebase(err, legacy_copy, p->path);
	mc_error_rebase(err, st.dir, p->path);
	stage_release(&st);
	return ret;
}

const struct cmd_spec cmd_db_upgrade = {
	.name = "upgrade", .run = upgrade_run, .flags = CMD_WRITES | CMD_STORE,
	.args = "",
	.summary = "merge a legacy cert8.db store into cert9.db (created if needed), verify, move the legacy files "
		   "into a backup",
};
