/* SPDX-License-Identifier: MPL-2.0 */
/* db-check.c: db check: the store, its files and their permissions. */
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
#include "checks.h"
#include "profile-lock.h"
#include "nssdb.h"
#include "store-check.h"
#include "stage.h"
#include "strbuf.h"
#include "banned.h"

/* A staging directory of ours untouched for this long is a leftover, not a running command's. */
#define STALE_SECONDS (10 * 60)

/* ---- db check: pieces ---- */

static void
check_leftovers(struct findings *f)
{
	const char *dir = f->p->path;
	_autofree_ char *journal = path_join(dir, JOURNAL_NAME);
	DIR *d;
	struct dirent *de;
	const char *bases[4];
	size_t nb = 0;
	time_t now = time(NULL);

	if (fileio_exists(journal)) {
		_autofree_ char *fix = fix_cmd(f->p, "cert list");

		finding(f, SEV_ERROR, "pending-journal", JOURNAL_NAME, fix,
			"an interrupted store update is pending: the cert and key databases may not match "
			"(any mozcert store command finishes it)");
	}
	if (profile_in_use(dir)) {
		finding(f, SEV_INFO, "in-use", NULL, NULL,
			"the application is running: temporary files are not reported, and the store may change");
	} else if (mozcert_lock_busy(dir)) {
		finding(f, SEV_INFO, "mozcert-running", MOZCERT_LOCK_NAME, NULL,
			"another mozcert process is changing this profile: its temporary files are not reported");
	} else if (!fileio_exists(journal) && (d = opendir(dir))) {
		/* With a journal pending, the temporary files are its new databases: never advise removing them. */
		while ((de = readdir(d))) {
			if (!stage_is_temp_name(de->d_name))
				continue;
			{
				_autofree_ char *path = path_join(dir, de->d_name);
				_autofree_ char *q = shell_quote(path);
				_autofree_ char *fix = xasprintf("rm -f -- %s", q);

				finding(f, SEV_WARNING, "temp-file", de->d_name, fix,
					"a temporary file left by an interrupted mozcert run");
			}
		}
		closedir(d);
	}
	/* Staging directories live outside the profile: the places stage.c and nssdb.c use. */
	if (getenv("MOZCERT_STAGE_DIR") && *getenv("MOZCERT_STAGE_DIR"))
		bases[nb++] = getenv("MOZCERT_STAGE_DIR");
	bases[nb++] = "/dev/shm";
	bases[nb++] = fileio_tmpdir();
	bases[nb++] = "/tmp";
	for (size_t i = 0; i < nb; i++) {
		bool dup = false;
		size_t stale = 0;

		for (size_t j = 0; j < i; j++)
			dup = dup || streq(bases[i], bases[j]);
		if (dup || !(d = opendir(bases[i])))
			continue;
		while ((de = readdir(d))) {
			_autofree_ char *path = NULL;
			struct stat st;

			if (!strstartswith(de->d_name, "mozcert-stage-") && !strstartswith(de->d_name, "mozcert-ro-"))
				continue;
			path = path_join(bases[i], de->d_name);
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == fs_uid() &&
			    now - st.st_mtime >= STALE_SECONDS)
				stale++;
		}
		closedir(d);
		if (stale) {
			_autofree_ char *q = shell_quote(bases[i]);
			_autofree_ char *fix = xasprintf(
				"find %s -maxdepth 1 -type d -user \"$(id -u)\" \\( -name 'mozcert-stage-*' -o -name 'mozcert-ro-*' \\) "
				"-mmin +%d -exec rm -rf -- {} +", q, STALE_SECONDS / 60);

			finding(f, SEV_WARNING, "stage-dirs", bases[i], fix,
				"%zu staging director%s left by interrupted mozcert runs (each holds a copy of a store)",
				stale, stale == 1 ? "y" : "ies");
		}
	}
}

/* The file is there but no database (fileio_not_a_store). */
static bool
store_not_db(const char *dir, const char *name)
{
	_autofree_ char *path = path_join(dir, name);
	_autofree_ char *what = fileio_not_a_store(path);

	return what != NULL;
}

static char *
user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	return pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)uid);
}

static void
check_permissions(struct findings *f)
{
	static const char *const names[] = {"cert9.db", "key4.db", "pkcs11.txt", "cert8.db", "key3.db", "secmod.db"};
	const char *dir = f->p->path;
	struct stat ds;

	if (stat(dir, &ds) < 0)
		return;
	if ((ds.st_mode & 0700) != 0700) {
		_autofree_ char *q = shell_quote(dir);
		_autofree_ char *fix = xasprintf("chmod u+rwx %s", q);

		finding(f, SEV_ERROR, "dir-mode", NULL, fix,
			"the profile directory is mode %04o: its owner cannot create files in it", ds.st_mode & 07777);
	}
	if (ds.st_mode & 0002) {
		_autofree_ char *q = shell_quote(dir);
		_autofree_ char *fix = xasprintf("chmod o-w %s", q);

		finding(f, SEV_WARNING, "dir-world-writable", NULL, fix, "the profile directory is world-writable");
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_autofree_ char *path = path_join(dir, names[i]);
		_autofree_ char *q = shell_quote(path);
		struct stat st;

		if (lstat(path, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			_autofree_ char *fix = xasprintf("cp --remove-destination -- \"$(readlink -f %s)\" %s", q, q);

			finding(f, SEV_WARNING, "symlink", names[i], fix,
				"is a symbolic link: mozcert refuses to write through it, and the application may replace it");
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			/* Out of the way: db check then names the missing store and its fix. */
			_autofree_ char *aside = xasprintf("%s.not-a-database", path);
			_autofree_ char *qa = shell_quote(aside);
			_autofree_ char *fix = xasprintf("mv -- %s %s", q, qa);

			finding(f, SEV_ERROR, "not-a-file", names[i], fix, "is %s, not a database",
				S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
			continue;
		}
		if (st.st_uid != ds.st_uid) {
			_autofree_ char *owner = user_name(st.st_uid);
			_autofree_ char *want = user_name(ds.st_uid);
			_autofree_ char *fix = xasprintf("chown %s %s", want, q);

			finding(f, SEV_ERROR, "owner", names[i], fix,
				"is owned by %s, the profile by %s: the application cannot write it", owner, want);
		}
		if ((st.st_mode & 0600) != 0600) {
			_autofree_ char *fix = xasprintf("chmod u+rw %s", q);

			finding(f, SEV_ERROR, "file-mode", names[i], fix,
				"is mode %04o: its owner cannot %s it", st.st_mode & 07777,
				(st.st_mode & 0400) ? "write" : "read");
		}
		if (st.st_mode & 0022) {
			_autofree_ char *fix = xasprintf("chmod go-w %s", q);

			finding(f, SEV_WARNING, "file-writable-by-others", names[i], fix,
				"is mode %04o: other users can change the certificates the application trusts",
				st.st_mode & 07777);
		}
	}
}

/* cert9.db or key4.db there but no database: named with its fix; true when cert9.db is none (nothing more to check). */
static bool
check_not_stores(struct findings *f, const char *cpath, const char *kpath, const char *c_nas, const char *k_nas)
{
	/* Nothing to salvage from cert9.db: a fresh store (db reset); else db repair keeps its certificates. */
	_autofree_ char *reset = fix_cmd(f->p, "db reset");
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	struct stat st;

	if (c_nas && lstat(cpath, &st) == 0 && S_ISREG(st.st_mode))
		finding(f, SEV_ERROR, "cert9-not-a-store", "cert9.db", reset, "%s", c_nas);
	if (k_nas && lstat(kpath, &st) == 0 && S_ISREG(st.st_mode))
		finding(f, SEV_ERROR, "key4-not-a-store", "key4.db", c_nas ? reset : repair, "%s", k_nas);
	return c_nas != NULL;
}

/*
 * A hot rollback journal: the store as SQLite will see it, rolled back, on a
 * private copy (returned; NULL with a finding when it cannot be made).
 */
static char *
rolled_back_copy(struct findings *f, const char *cpath, const char *kpath)
{
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	const char *names[2] = {"cert9.db", "key4.db"};
	struct mc_error e = {0};
	char *copy;

	finding(f, SEV_WARNING, "hot-journal", hotjournal_present(cpath) ? "cert9.db-journal" : "key4.db-journal",
		repair, "the application was stopped in the middle of a change to the store: SQLite rolls the "
		"change back at the next open; mozcert reads the store as rolled back, and its next change to "
		"the store keeps the journal in the backup");
	copy = fileio_private_dir(fileio_tmpdir(), "ro", &e);
	for (size_t i = 0; i < 2 && copy; i++) {
		_autofree_ char *src = path_join(f->p->path, names[i]);
		_autofree_ char *dst = path_join(copy, names[i]);

		if (fileio_exists(src) && (fileio_copy(src, dst, 0600, true, &e) < 0 ||
					   hotjournal_carry(f->p->path, copy, names[i], &e) < 0)) {
			fileio_remove_tree(copy);
			free(copy);
			copy = NULL;
		}
	}
	if (!copy)
		finding(f, SEV_ERROR, "hot-journal-rollback", "cert9.db", NULL, "%s", e.msg);
	return copy;
}

/* What SQLite finds in cert9.db (cr), as findings and the "cert9" details. */
static void
report_cert9(struct findings *f, const struct sqlstore_cert_report *cr, struct json_object *res)
{
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	struct json_object *o = json_object_new_object();

	if (!cr->opened)
		finding(f, SEV_ERROR, "cert9-not-a-database", "cert9.db", repair, "not an SQLite database: %s", cr->problem);
	else if (!cr->integrity_ok)
		finding(f, SEV_ERROR, "cert9-integrity", "cert9.db", repair, "%s", cr->problem);
	else if (!cr->schema_ok)
		finding(f, SEV_ERROR, "cert9-schema", "cert9.db", repair, "%s", cr->problem);
	if (cr->schema_ok) {
		if (cr->unreadable)
			finding(f, SEV_ERROR, "cert9-rows", "cert9.db", repair, "%s", cr->rows_problem);
		if (cr->bad_certs)
			finding(f, SEV_ERROR, "cert9-bad-certificate", "cert9.db", repair,
				"%zu certificate row%s cannot be decoded", cr->bad_certs, cr->bad_certs == 1 ? "" : "s");
		if (cr->orphan_trust)
			finding(f, SEV_ERROR, "cert9-orphan-trust", "cert9.db", repair,
				"%zu trust row%s name%s no certificate of the file (rows were lost)", cr->orphan_trust,
				cr->orphan_trust == 1 ? "" : "s", cr->orphan_trust == 1 ? "s" : "");
		if (cr->certs > cr->distinct_certs)
			finding(f, SEV_WARNING, "cert9-duplicates", "cert9.db", repair,
				"%zu certificate%s stored more than once (a migration ran twice; trust may show as ',,')",
				cr->certs - cr->distinct_certs, cr->certs - cr->distinct_certs == 1 ? " is" : "s are");
	}
	json_object_object_add(o, "rows", json_object_new_int64((int64_t)cr->rows));
	json_object_object_add(o, "certificates", json_object_new_int64((int64_t)cr->distinct_certs));
	json_object_object_add(o, "trust", json_object_new_int64((int64_t)cr->trust));
	json_object_object_add(o, "trust_v32", json_object_new_int64((int64_t)cr->trust_v32));
	json_object_object_add(res, "cert9", o);
}

/* What SQLite finds in key4.db (a missing one is named too), and the trust MACs it lacks; the "key4" details. */
static void
check_key4(struct findings *f, const char *kpath, bool legacy_beside, const struct sqlstore_cert_report *cr,
	   struct json_object *res)
{
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	struct sqlstore_key_report kr;
	struct mc_error e = {0};
	size_t missing = 0;

	if (!fileio_exists(kpath)) {
		if (legacy_beside) /* docs/nss-internals.md 3.2 */
			finding(f, SEV_ERROR, "key4-missing", "key4.db", repair,
				"is missing while cert8.db/key3.db are present: the application's next start migrates the "
				"stale legacy store again, duplicating every certificate and losing trust");
		else
			finding(f, SEV_WARNING, "key4-missing", "key4.db", repair,
				"is missing: NSS cannot open cert9.db without it; the application creates an empty one "
				"and private keys are gone");
		return;
	}
	if (sqlstore_check_keydb(kpath, &kr, &e) < 0) {
		finding(f, SEV_ERROR, "key4-unreadable", "key4.db", NULL, "%s", e.msg);
		return;
	}
	if (!kr.opened) {
		finding(f, SEV_ERROR, "key4-not-a-database", "key4.db", repair, "not an SQLite database: %s", kr.problem);
		return;
	}
	if (!kr.integrity_ok || !kr.schema_ok) {
		finding(f, SEV_ERROR, kr.integrity_ok ? "key4-schema" : "key4-integrity", "key4.db", repair, "%s",
			kr.problem);
		return;
	}
	if (!kr.has_password)
		finding(f, SEV_INFO, "key4-needs-init", "key4.db", NULL,
			"has no password record yet (the application sets an empty one at start-up)");
	if (kr.has_password && cr->schema_ok && cr->ntrust_ids && sqlstore_missing_macs(kpath, cr, &missing, &e) == 0 &&
	    missing)
		finding(f, SEV_WARNING, "trust-mac-missing", "key4.db", repair,
			"the trust of %zu certificate%s has no integrity MAC: the application ignores it (',,')",
			missing, missing == 1 ? "" : "s");
	{
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "private_keys", json_object_new_int64((int64_t)kr.private_keys));
		json_object_object_add(o, "password_record", json_object_new_boolean(kr.has_password));
		json_object_object_add(res, "key4", o);
	}
}

/* SQLite's view of cert9.db and key4.db. */
static void
check_sql_files(struct findings *f, bool legacy_beside, struct json_object *res)
{
	_autofree_ char *cpath = path_join(f->p->path, "cert9.db");
	_autofree_ char *kpath = path_join(f->p->path, "key4.db");
	_autofree_ char *copy = NULL;
	struct sqlstore_cert_report cr;
	struct mc_error e = {0};

	_autofree_ char *c_nas = fileio_not_a_store(cpath);
	_autofree_ char *k_nas = fileio_not_a_store(kpath);

	if ((c_nas || k_nas) && check_not_stores(f, cpath, kpath, c_nas, k_nas))
		return;
	if (hotjournal_present(cpath) || hotjournal_present(kpath)) {
		if (!(copy = rolled_back_copy(f, cpath, kpath)))
			return;
		free(cpath);
		free(kpath);
		cpath = path_join(copy, "cert9.db");
		kpath = path_join(copy, "key4.db");
	}
	if (NSS_NoDB_Init(NULL) != SECSuccess) {
		finding(f, SEV_ERROR, "nss-init", NULL, NULL, "cannot initialise NSS to decode certificates");
		goto out;
	}
	if (sqlstore_check_certdb(cpath, &cr, &e) < 0) {
		finding(f, SEV_ERROR, "cert9-unreadable", "cert9.db", NULL, "%s", e.msg);
		goto shutdown;
	}
	report_cert9(f, &cr, res);
	if (!k_nas) /* else named above */
		check_key4(f, kpath, legacy_beside, &cr, res);
	sqlstore_cert_report_release(&cr);
shutdown:
	if (NSS_Shutdown() != SECSuccess)
		finding(f, SEV_ERROR, "nss-shutdown", NULL, NULL, "cannot shut NSS down after decoding");
out:
	if (copy)
		fileio_remove_tree(copy);
}

/*
 * The fix for a damaged legacy store the application does not read (cert9.db
 * beside it is in use): db repair rebuilds cert9.db and leaves cert8.db as it
 * is, so the finding would come back; out of the way it goes.
 */
static char *
legacy_aside(const struct profile *p, const char *name)
{
	_autofree_ char *path = path_join(p->path, name);
	_autofree_ char *aside = xasprintf("%s.unread", path);
	_autofree_ char *q = shell_quote(path);
	_autofree_ char *qa = shell_quote(aside);

	return xasprintf("mv -- %s %s", q, qa);
}

/* NSS's own read-only view (of a private copy). *certs may be NULL on failure. */
static bool
nss_view(struct findings *f, enum certdb_kind kind, enum severity sev, struct cert_info **certs, size_t *n)
{
	const char *file = kind == CERTDB_SQL ? "cert9.db" : "cert8.db";
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	struct certdb *db = NULL;
	struct mc_error e = {0};
	int ret;

	*certs = NULL;
	*n = 0;
	if (kind == CERTDB_DBM) {
		/* a damaged cert8.db can leave NSS unable to shut down: read it in a process of its own */
		ret = certdb_list_apart(f->p->path, f->p->path, kind, CERTDB_PRIVATE_COPY, f->ctx->password, certs, n, &e);
	} else {
		ret = certdb_open(f->p->path, kind, CERTDB_PRIVATE_COPY, f->ctx->password, &db, &e);
		if (ret == 0)
			ret = certdb_list(db, certs, n, &e);
		if (certdb_close(db, ret < 0 ? NULL : &e) < 0 && ret == 0)
			ret = MC_EFAIL;
	}
	if (ret < 0) {
		cert_info_array_free(*certs, *n);
		*certs = NULL;
		*n = 0;
		_autofree_ char *aside = kind == CERTDB_DBM && sev == SEV_WARNING ? legacy_aside(f->p, file) : NULL;

		finding(f, sev, kind == CERTDB_SQL ? "nss-open-sql" : "nss-open-dbm", file, aside ? aside : repair,
			"NSS cannot read the store: %s", e.msg);
		return false;
	}
	return true;
}

static void
check_dbm_files(struct findings *f, enum severity sev)
{
	static const char *const names[] = {"cert8.db", "key3.db", "secmod.db", "cert7.db"};
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	_autofree_ char *upgrade = fix_cmd(f->p, "db upgrade");

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_autofree_ char *path = path_join(f->p->path, names[i]);
		struct mc_error e = {0};
		int ret;

		_autofree_ char *nas = fileio_not_a_store(path);
		struct stat st;

		if (!fileio_exists(path))
			continue;
		if (nas) {
			_autofree_ char *q = shell_quote(path);
			_autofree_ char *aside = xasprintf("%s.not-a-database", path);
			_autofree_ char *qa = shell_quote(aside);
			_autofree_ char *mv = xasprintf("mv -- %s %s", q, qa);
			/*
			 * A legacy file that holds nothing goes out of the way: db reset leaves legacy files
			 * where they are, so its finding would come back; db check then names the missing
			 * store and its fix. A key3.db beside a cert8.db that is a store: db repair.
			 */
			const char *fix = streq(names[i], "key3.db") && sev != SEV_WARNING ? repair : mv;

			/* a directory is named by check_permissions */
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
				finding(f, streq(names[i], "secmod.db") ? SEV_WARNING : sev, "dbm-not-a-store", names[i], fix,
					"%s", nas);
			continue;
		}
		ret = sqlstore_dbm_header_check(path, NULL, &e);
		if (ret == MC_EDAMAGED) {
			/* beside the cert9.db in use, a damaged cert8.db goes out of the way (legacy_aside) */
			_autofree_ char *aside = sev == SEV_WARNING && streq(names[i], "cert8.db") ? legacy_aside(f->p, names[i])
											     : NULL;

			finding(f, streq(names[i], "secmod.db") ? SEV_WARNING : sev, "dbm-damaged", names[i],
				aside ? aside : streq(names[i], "secmod.db") ? upgrade : repair, "%s", e.msg);
		}
		else if (ret < 0)
			finding(f, sev, "dbm-unreadable", names[i], NULL, "%s", e.msg);
	}
	if (exists_in(f->p->path, "cert8.db") && !exists_in(f->p->path, "key3.db") && !store_not_db(f->p->path, "cert8.db"))
		finding(f, sev, "key3-missing", "key3.db", upgrade,
			"is missing: NSS cannot read cert8.db without it (the certificates are still there)");
}

/* pkcs11.txt: text, and every third-party module library present. */
static void
check_modules(struct findings *f)
{
	_autofree_ char *path = path_join(f->p->path, "pkcs11.txt");
	_autofree_ char *buf = NULL;
	_autofree_ char *name = NULL;
	struct mc_error e = {0};
	size_t len;
	char *line, *save = NULL;

	if (!fileio_exists(path))
		return;
	if (fileio_read(path, 1024 * 1024, &buf, &len, &e) < 0) {
		finding(f, SEV_ERROR, "pkcs11-unreadable", "pkcs11.txt", NULL, "%s", e.msg);
		return;
	}
	if (memchr(buf, '\0', len)) {
		_autofree_ char *q = shell_quote(path);
		_autofree_ char *fix = xasprintf("rm -- %s  # the application writes a new one at start-up", q);

		finding(f, SEV_ERROR, "pkcs11-binary", "pkcs11.txt", fix, "holds binary data: NSS cannot parse the module list");
		return;
	}
	for (line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (strstartswith(line, "name=")) {
			free(name);
			name = xstrdup(line + 5);
		} else if (strstartswith(line, "library=") && line[8]) {
			const char *lib = line + 8;

			if (lib[0] == '/' && access(lib, F_OK) < 0) {
				_autofree_ char *q = shell_quote(f->p->path);
				_autofree_ char *qn = shell_quote(name ? name : lib);
				_autofree_ char *fix = xasprintf("modutil -dbdir sql:%s -delete %s", q, qn);

				finding(f, SEV_WARNING, "pkcs11-module-missing", "pkcs11.txt", fix,
					"security module '%s': its library %s does not exist", name ? name : "?", lib);
			}
		}
	}
}

/* A legacy store alone: what the application's version does with it. */
static void
check_legacy_only(struct findings *f, int major)
{
	const struct profile *p = f->p;
	_autofree_ char *upgrade = fix_cmd(p, "db upgrade");

	if (major >= APP_FIRST_NO_DBM_MAJOR)
		finding(f, SEV_ERROR, "legacy-unread", "cert8.db", upgrade,
			"%s %d no longer reads cert8.db: it starts with an empty store and trusts none of these "
			"certificates", app_name(p->app), major);
	else if (major >= APP_FIRST_SQL_MAJOR)
		finding(f, SEV_INFO, "legacy-migrates", "cert8.db", upgrade,
			"%s %d converts this store to cert9.db at its next start", app_name(p->app), major);
	else if (major < 0)
		finding(f, SEV_WARNING, "legacy-store", "cert8.db", upgrade,
			"a legacy store: applications since Firefox/Thunderbird %d do not read it", APP_FIRST_NO_DBM_MAJOR);
}

/* Both stores: the legacy certificates cert9.db lacks (when NSS listed both). */
static void
check_side_by_side(struct findings *f, const char *uses, const struct cert_info *sql_certs, size_t n_sql,
		   const struct cert_info *dbm_certs, size_t n_dbm, bool both_listed, struct json_object *res)
{
	_autofree_ char *upgrade = fix_cmd(f->p, "db upgrade");
	size_t lacking = 0;

	finding(f, SEV_INFO, "side-by-side", NULL, NULL,
		"cert9.db and legacy cert8.db side by side: the application uses %s.db", uses);
	for (size_t i = 0; both_listed && i < n_dbm; i++)
		if (!find_by_hash(sql_certs, n_sql, dbm_certs[i].sha256))
			lacking++;
	if (lacking)
		finding(f, SEV_WARNING, "legacy-has-more", "cert8.db", upgrade,
			"the legacy store holds %zu certificate%s that cert9.db lacks (the application %s)",
			lacking, lacking == 1 ? "" : "s",
			streq(uses, "cert9") ? "does not see them" : "would lose them on conversion");
	json_object_object_add(res, "legacy_only_certificates", json_object_new_int64((int64_t)lacking));
}

void
db_check_collect(const struct cmd_ctx *ctx, const struct profile *p, struct db_check_report *r,
		 struct json_object *res)
{
	struct findings *f = &r->f;
	enum store_format fmt = profile_store_format(p->path);
	bool sql = fmt == STORE_CERT9 || fmt == STORE_BOTH;
	bool legacy = fmt == STORE_CERT8 || fmt == STORE_BOTH;
	bool cert8 = exists_in(p->path, "cert8.db");
	int major = profile_app_major(p->path);
	struct cert_info *sql_certs = NULL, *dbm_certs = NULL;
	size_t n_sql = 0, n_dbm = 0;
	bool sql_ok = false, dbm_ok = false;

	*r = (struct db_check_report){.f = {.ctx = ctx, .p = p, .arr = json_object_new_array()}, .fmt = fmt,
				      .certificates = -1};
	json_object_object_add(res, "store", json_object_new_string(store_format_name(fmt)));
	check_leftovers(f);
	check_permissions(f);
	if (sql)
		r->uses = "cert9";
	if (legacy && (!sql || (major > 0 && major < APP_FIRST_SQL_MAJOR)))
		r->uses = "cert8";
	if (fmt == STORE_NONE) {
		_autofree_ char *fix = fix_cmd(p, "db reset");

		finding(f, SEV_WARNING, "no-store", NULL, fix,
			"no certificate store (cert9.db or cert8.db): the application creates an empty one at start-up");
	}
	if (sql) {
		check_sql_files(f, cert8, res);
		if (!store_not_db(p->path, "cert9.db"))
			sql_ok = nss_view(f, CERTDB_SQL, streq(r->uses, "cert9") ? SEV_ERROR : SEV_WARNING, &sql_certs,
					  &n_sql);
	}
	if (legacy) {
		enum severity sev = streq(r->uses, "cert8") ? SEV_ERROR : SEV_WARNING;

		check_dbm_files(f, sev);
		if (cert8 && store_not_db(p->path, "cert8.db"))
			cert8 = false;
		else if (cert8 && exists_in(p->path, "key3.db") && !store_not_db(p->path, "key3.db"))
			dbm_ok = nss_view(f, CERTDB_DBM, sev, &dbm_certs, &n_dbm);
		else if (!cert8)
			finding(f, SEV_WARNING, "cert7", "cert7.db", NULL,
				"a store of the NSS 3.3 era that current applications do not read; mozcert does not upgrade it");
	}
	check_modules(f);
	if (legacy && !sql && cert8)
		check_legacy_only(f, major);
	if (sql && legacy)
		check_side_by_side(f, r->uses, sql_certs, n_sql, dbm_certs, n_dbm, sql_ok && dbm_ok, res);
	if (sql_ok)
		r->certificates = (int64_t)n_sql;
	else if (dbm_ok && streq(r->uses, "cert8"))
		r->certificates = (int64_t)n_dbm;
	cert_info_array_free(sql_certs, n_sql);
	cert_info_array_free(dbm_certs, n_dbm);
}

static int
check_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct db_check_report r;
	size_t errors, warnings;

	db_check_collect(ctx, p, &r, res);
	errors = r.f.errors;
	warnings = r.f.warnings;
	json_object_object_add(res, "application_uses", r.uses ? json_object_new_string(r.uses) : NULL);
	if (r.certificates >= 0)
		json_object_object_add(res, "certificates", json_object_new_int64(r.certificates));
	json_object_object_add(res, "healthy", json_object_new_boolean(errors == 0));
	json_object_object_add(res, "errors", json_object_new_int64((int64_t)errors));
	json_object_object_add(res, "warnings", json_object_new_int64((int64_t)warnings));
	json_object_object_add(res, "findings", r.f.arr);
	cmd_set_changed(res, false);
	cmd_out(ctx, "%s: %s, %zu error%s, %zu warning%s\n", p->path, errors ? "damaged" : "healthy", errors,
		errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	if (errors)
		return mc_error_set(err, MC_EDAMAGED, "the store of '%s' has %zu problem%s (see db check)", p->path,
				    errors, errors == 1 ? "" : "s");
	return 0;
}

const struct cmd_spec cmd_db_check = {
	.name = "check", .run = check_run, .flags = 0, .args = "",
	.summary = "integrity of the store and its files; exit 1 when damaged",
};
