/* SPDX-License-Identifier: MPL-2.0 */
/* db.c: db check, db upgrade, db backups, db restore. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <nss.h>

#include "cmd.h"
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

/* A backup file naming the store files that did not exist when it was made (restore removes them). */
#define REASON_NAME "REASON"
/* Largest file db restore puts back through memory (others are store files, copied). */
#define RESTORE_MAX (256u * 1024u * 1024u)
/* A staging directory of ours untouched for this long is a leftover, not a running command's. */
#define STALE_SECONDS (10 * 60)

static const char *restore_id;

static bool
exists_in(const char *dir, const char *name)
{
	_autofree_ char *path = path_join(dir, name);

	return fileio_exists(path);
}

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

/* SQLite's view of cert9.db and key4.db. */
static void
check_sql_files(struct findings *f, bool legacy_beside, struct json_object *res)
{
	_autofree_ char *cpath = path_join(f->p->path, "cert9.db");
	_autofree_ char *kpath = path_join(f->p->path, "key4.db");
	_autofree_ char *repair = fix_cmd(f->p, "db repair");
	_autofree_ char *copy = NULL;
	struct sqlstore_cert_report cr;
	struct sqlstore_key_report kr;
	struct mc_error e = {0};
	bool key_ok = false;

	_autofree_ char *c_nas = fileio_not_a_store(cpath);
	_autofree_ char *k_nas = fileio_not_a_store(kpath);

	if (c_nas || k_nas) {
		/* Nothing to salvage from cert9.db: a fresh store (db reset); else db repair keeps its certificates. */
		_autofree_ char *reset = fix_cmd(f->p, "db reset");
		struct stat st;

		if (c_nas && lstat(cpath, &st) == 0 && S_ISREG(st.st_mode))
			finding(f, SEV_ERROR, "cert9-not-a-store", "cert9.db", reset, "%s", c_nas);
		if (k_nas && lstat(kpath, &st) == 0 && S_ISREG(st.st_mode))
			finding(f, SEV_ERROR, "key4-not-a-store", "key4.db", c_nas ? reset : repair, "%s", k_nas);
		if (c_nas)
			return;
	}
	if (hotjournal_present(cpath) || hotjournal_present(kpath)) {
		/* Judge the store as SQLite will see it: rolled back, on a private copy. */
		finding(f, SEV_WARNING, "hot-journal", hotjournal_present(cpath) ? "cert9.db-journal" : "key4.db-journal",
			repair, "the application was stopped in the middle of a change to the store: SQLite rolls the "
			"change back at the next open; mozcert reads the store as rolled back, and its next change to "
			"the store keeps the journal in the backup");
		if ((copy = fileio_private_dir(fileio_tmpdir(), "ro", &e))) {
			const char *names[2] = {"cert9.db", "key4.db"};

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
		}
		if (!copy) {
			finding(f, SEV_ERROR, "hot-journal-rollback", "cert9.db", NULL, "%s", e.msg);
			return;
		}
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
	if (!cr.opened)
		finding(f, SEV_ERROR, "cert9-not-a-database", "cert9.db", repair, "not an SQLite database: %s", cr.problem);
	else if (!cr.integrity_ok)
		finding(f, SEV_ERROR, "cert9-integrity", "cert9.db", repair, "%s", cr.problem);
	else if (!cr.schema_ok)
		finding(f, SEV_ERROR, "cert9-schema", "cert9.db", repair, "%s", cr.problem);
	if (cr.schema_ok) {
		if (cr.unreadable)
			finding(f, SEV_ERROR, "cert9-rows", "cert9.db", repair, "%s", cr.rows_problem);
		if (cr.bad_certs)
			finding(f, SEV_ERROR, "cert9-bad-certificate", "cert9.db", repair,
				"%zu certificate row%s cannot be decoded", cr.bad_certs, cr.bad_certs == 1 ? "" : "s");
		if (cr.orphan_trust)
			finding(f, SEV_ERROR, "cert9-orphan-trust", "cert9.db", repair,
				"%zu trust row%s name%s no certificate of the file (rows were lost)", cr.orphan_trust,
				cr.orphan_trust == 1 ? "" : "s", cr.orphan_trust == 1 ? "s" : "");
		if (cr.certs > cr.distinct_certs)
			finding(f, SEV_WARNING, "cert9-duplicates", "cert9.db", repair,
				"%zu certificate%s stored more than once (a migration ran twice; trust may show as ',,')",
				cr.certs - cr.distinct_certs, cr.certs - cr.distinct_certs == 1 ? " is" : "s are");
	}
	{
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "rows", json_object_new_int64((int64_t)cr.rows));
		json_object_object_add(o, "certificates", json_object_new_int64((int64_t)cr.distinct_certs));
		json_object_object_add(o, "trust", json_object_new_int64((int64_t)cr.trust));
		json_object_object_add(o, "trust_v32", json_object_new_int64((int64_t)cr.trust_v32));
		json_object_object_add(res, "cert9", o);
	}

	mc_error_clear(&e);
	if (k_nas) {
		/* named above */
	} else if (!fileio_exists(kpath)) {
		if (legacy_beside) /* docs/nss-internals.md 3.2 */
			finding(f, SEV_ERROR, "key4-missing", "key4.db", repair,
				"is missing while cert8.db/key3.db are present: the application's next start migrates the "
				"stale legacy store again, duplicating every certificate and losing trust");
		else
			finding(f, SEV_WARNING, "key4-missing", "key4.db", repair,
				"is missing: NSS cannot open cert9.db without it; the application creates an empty one "
				"and private keys are gone");
	} else if (sqlstore_check_keydb(kpath, &kr, &e) < 0) {
		finding(f, SEV_ERROR, "key4-unreadable", "key4.db", NULL, "%s", e.msg);
	} else if (!kr.opened) {
		finding(f, SEV_ERROR, "key4-not-a-database", "key4.db", repair, "not an SQLite database: %s", kr.problem);
	} else if (!kr.integrity_ok) {
		finding(f, SEV_ERROR, "key4-integrity", "key4.db", repair, "%s", kr.problem);
	} else if (!kr.schema_ok) {
		finding(f, SEV_ERROR, "key4-schema", "key4.db", repair, "%s", kr.problem);
	} else {
		key_ok = true;
		if (!kr.has_password)
			finding(f, SEV_INFO, "key4-needs-init", "key4.db", NULL,
				"has no password record yet (the application sets an empty one at start-up)");
	}
	if (key_ok && kr.has_password && cr.schema_ok && cr.ntrust_ids) {
		size_t missing = 0;

		mc_error_clear(&e);
		if (sqlstore_missing_macs(kpath, &cr, &missing, &e) == 0 && missing)
			finding(f, SEV_WARNING, "trust-mac-missing", "key4.db", repair,
				"the trust of %zu certificate%s has no integrity MAC: the application ignores it (',,')",
				missing, missing == 1 ? "" : "s");
	}
	if (key_ok) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "private_keys", json_object_new_int64((int64_t)kr.private_keys));
		json_object_object_add(o, "password_record", json_object_new_boolean(kr.has_password));
		json_object_object_add(res, "key4", o);
	}
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

static const struct cert_info *
find_by_hash(const struct cert_info *v, size_t n, const unsigned char sha256[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i].sha256, sha256, 32) == 0)
			return &v[i];
	return NULL;
}

static int
check_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct findings f = {.ctx = ctx, .p = p, .arr = json_object_new_array()};
	enum store_format fmt = profile_store_format(p->path);
	bool sql = fmt == STORE_CERT9 || fmt == STORE_BOTH;
	bool legacy = fmt == STORE_CERT8 || fmt == STORE_BOTH;
	bool cert8 = exists_in(p->path, "cert8.db");
	int major = profile_app_major(p->path);
	const char *uses = NULL;
	struct cert_info *sql_certs = NULL, *dbm_certs = NULL;
	size_t n_sql = 0, n_dbm = 0;
	bool sql_ok = false, dbm_ok = false;
	_autofree_ char *upgrade = fix_cmd(p, "db upgrade");

	json_object_object_add(res, "store", json_object_new_string(store_format_name(fmt)));
	check_leftovers(&f);
	check_permissions(&f);
	if (sql)
		uses = "cert9";
	if (legacy && (!sql || (major > 0 && major < APP_FIRST_SQL_MAJOR)))
		uses = "cert8";
	if (fmt == STORE_NONE) {
		_autofree_ char *fix = fix_cmd(p, "db reset");

		finding(&f, SEV_WARNING, "no-store", NULL, fix,
			"no certificate store (cert9.db or cert8.db): the application creates an empty one at start-up");
	}
	if (sql) {
		check_sql_files(&f, cert8, res);
		if (!store_not_db(p->path, "cert9.db"))
			sql_ok = nss_view(&f, CERTDB_SQL, streq(uses, "cert9") ? SEV_ERROR : SEV_WARNING, &sql_certs, &n_sql);
	}
	if (legacy) {
		enum severity sev = streq(uses, "cert8") ? SEV_ERROR : SEV_WARNING;

		check_dbm_files(&f, sev);
		if (cert8 && store_not_db(p->path, "cert8.db"))
			cert8 = false;
		else if (cert8 && exists_in(p->path, "key3.db") && !store_not_db(p->path, "key3.db"))
			dbm_ok = nss_view(&f, CERTDB_DBM, sev, &dbm_certs, &n_dbm);
		else if (!cert8)
			finding(&f, SEV_WARNING, "cert7", "cert7.db", NULL,
				"a store of the NSS 3.3 era that current applications do not read; mozcert does not upgrade it");
	}
	check_modules(&f);

	if (legacy && !sql && cert8) {
		if (major >= APP_FIRST_NO_DBM_MAJOR)
			finding(&f, SEV_ERROR, "legacy-unread", "cert8.db", upgrade,
				"%s %d no longer reads cert8.db: it starts with an empty store and trusts none of these "
				"certificates", app_name(p->app), major);
		else if (major >= APP_FIRST_SQL_MAJOR)
			finding(&f, SEV_INFO, "legacy-migrates", "cert8.db", upgrade,
				"%s %d converts this store to cert9.db at its next start", app_name(p->app), major);
		else if (major < 0)
			finding(&f, SEV_WARNING, "legacy-store", "cert8.db", upgrade,
				"a legacy store: applications since Firefox/Thunderbird %d do not read it", APP_FIRST_NO_DBM_MAJOR);
	}
	if (sql && legacy) {
		size_t lacking = 0;

		finding(&f, SEV_INFO, "side-by-side", NULL, NULL,
			"cert9.db and legacy cert8.db side by side: the application uses %s.db", uses);
		for (size_t i = 0; sql_ok && dbm_ok && i < n_dbm; i++)
			if (!find_by_hash(sql_certs, n_sql, dbm_certs[i].sha256))
				lacking++;
		if (lacking)
			finding(&f, SEV_WARNING, "legacy-has-more", "cert8.db", upgrade,
				"the legacy store holds %zu certificate%s that cert9.db lacks (the application %s)",
				lacking, lacking == 1 ? "" : "s",
				streq(uses, "cert9") ? "does not see them" : "would lose them on conversion");
		json_object_object_add(res, "legacy_only_certificates", json_object_new_int64((int64_t)lacking));
	}
	json_object_object_add(res, "application_uses", uses ? json_object_new_string(uses) : NULL);
	if (sql_ok)
		json_object_object_add(res, "certificates", json_object_new_int64((int64_t)n_sql));
	else if (dbm_ok && streq(uses, "cert8"))
		json_object_object_add(res, "certificates", json_object_new_int64((int64_t)n_dbm));
	cert_info_array_free(sql_certs, n_sql);
	cert_info_array_free(dbm_certs, n_dbm);

	json_object_object_add(res, "healthy", json_object_new_boolean(f.errors == 0));
	json_object_object_add(res, "errors", json_object_new_int64((int64_t)f.errors));
	json_object_object_add(res, "warnings", json_object_new_int64((int64_t)f.warnings));
	json_object_object_add(res, "findings", f.arr);
	cmd_set_changed(res, false);
	cmd_out(ctx, "%s: %s, %zu error%s, %zu warning%s\n", p->path, f.errors ? "damaged" : "healthy", f.errors,
		f.errors == 1 ? "" : "s", f.warnings, f.warnings == 1 ? "" : "s");
	if (f.errors)
		return mc_error_set(err, MC_EDAMAGED, "the store of '%s' has %zu problem%s (see db check)", p->path,
				    f.errors, f.errors == 1 ? "" : "s");
	return 0;
}

const struct cmd_spec cmd_db_check = {
	.name = "check", .run = check_run, .flags = 0, .args = "",
	.summary = "integrity of the store and its files; exit 1 when damaged",
};

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

/* ---- db backups ---- */

struct backup_entry {
	char *id;
	char *reason;
	char **files;
	off_t *sizes;
	size_t nfiles;
	char **absent;
	size_t nabsent;
};

static void
backup_entry_release(struct backup_entry *b)
{
	free(b->id);
	free(b->reason);
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->sizes);
	for (size_t i = 0; i < b->nabsent; i++)
		free(b->absent[i]);
	free(b->absent);
	memset(b, 0, sizeof(*b));
}

/* The N of an id "STAMP-N" (0 for "STAMP"), or -1 when what follows the first '-' is not a number. */
static long
id_seq(const char *id, size_t *stamp_len)
{
	const char *dash = strchr(id, '-');
	long v = 0;

	*stamp_len = dash ? (size_t)(dash - id) : strlen(id);
	if (!dash)
		return 0;
	if (!dash[1] || strlen(dash + 1) > 9)
		return -1;
	for (const char *c = dash + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	return v;
}

/*
 * Backup ids in time order: "STAMP" < "STAMP-1" < ... < "STAMP-9" < "STAMP-10" (the
 * numbers backup_create adds within one second compare as numbers, not as strings).
 * A total order on (stamp, suffix not a number, number, whole id), also for names
 * mozcert did not make.
 */
static int
cmp_id(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx, ly;
	long nx = id_seq(x, &lx), ny = id_seq(y, &ly);
	int c = memcmp(x, y, lx < ly ? lx : ly);

	if (c)
		return c;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	if ((nx < 0) != (ny < 0))
		return nx < 0 ? 1 : -1;
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x, y);
}

/* A name db restore may write into the profile: a plain file name, not one of the backup's notes. */
static bool
restorable_name(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/') && !streq(name, REASON_NAME) &&
	       !streq(name, BACKUP_ABSENT_NAME);
}

static int
read_backup(const char *root, const char *id, struct backup_entry *out, struct mc_error *err)
{
	_autofree_ char *dir = path_join(root, id);
	DIR *d;
	struct dirent *de;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	out->id = xstrdup(id);
	if (!(d = opendir(dir)))
		return mc_error_sys(err, "cannot read '%s'", dir);
	while ((de = readdir(d))) {
		_autofree_ char *path = NULL;
		struct stat st;

		if (!restorable_name(de->d_name))
			continue;
		path = path_join(dir, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (out->nfiles == cap) {
			cap = cap ? cap * 2 : 8;
			out->files = xreallocarray(out->files, cap, sizeof(*out->files));
			out->sizes = xreallocarray(out->sizes, cap, sizeof(*out->sizes));
		}
		out->files[out->nfiles] = xstrdup(de->d_name);
		out->sizes[out->nfiles++] = st.st_size;
	}
	closedir(d);
	/* sort names and sizes together */
	for (size_t i = 1; i < out->nfiles; i++)
		for (size_t j = i; j > 0 && strcmp(out->files[j - 1], out->files[j]) > 0; j--) {
			char *t = out->files[j];
			off_t s = out->sizes[j];

			out->files[j] = out->files[j - 1];
			out->sizes[j] = out->sizes[j - 1];
			out->files[j - 1] = t;
			out->sizes[j - 1] = s;
		}
	{
		_autofree_ char *rpath = path_join(dir, REASON_NAME);
		_autofree_ char *apath = path_join(dir, BACKUP_ABSENT_NAME);
		char *buf = NULL;
		size_t len;

		if (fileio_exists(rpath) && fileio_read(rpath, 4096, &buf, &len, NULL) == 0) {
			buf[strcspn(buf, "\r\n")] = '\0';
			out->reason = buf;
		}
		buf = NULL;
		if (fileio_exists(apath) && fileio_read(apath, 4096, &buf, &len, NULL) == 0) {
			char *save = NULL;

			for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
				if (restorable_name(l)) {
					out->absent = xreallocarray(out->absent, out->nabsent + 1, sizeof(*out->absent));
					out->absent[out->nabsent++] = xstrdup(l);
				}
			free(buf);
		}
	}
	return 0;
}

/*
 * Ids of the backups of profile_dir, oldest first (ids are UTC time stamps, see cmp_id). Hidden
 * names are not backups: a prune renames a backup to one before it removes it.
 */
static int
backup_ids(const char *root, char ***ids, size_t *n, struct mc_error *err)
{
	DIR *d;
	struct dirent *de;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if (!(d = opendir(root))) {
		if (errno == ENOENT)
			return 0;
		return mc_error_sys(err, "cannot read '%s'", root);
	}
	while ((de = readdir(d))) {
		_autofree_ char *path = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		path = path_join(root, de->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*ids = xreallocarray(*ids, cap, sizeof(**ids));
		}
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*ids, *n, sizeof(**ids), cmp_id);
	return 0;
}

static void
free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* "20260101T120000Z[-N]" -> "2026-01-01T12:00:00Z"; "" when the id is not a time stamp. */
static void
id_time(const char *id, char out[32])
{
	out[0] = '\0';
	if (strlen(id) < 16 || id[8] != 'T' || id[15] != 'Z')
		return;
	for (size_t i = 0; i < 15; i++)
		if (i != 8 && (id[i] < '0' || id[i] > '9'))
			return;
	snprintf(out, 32, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", id, id + 4, id + 6, id + 9, id + 11, id + 13);
}

/* ---- db backups: what they cost on disk ---- */

/* One regular file of a backup: its inode, and what it holds allocated on disk. */
struct inode_rec {
	dev_t dev;
	ino_t ino;
	nlink_t nlink;
	int64_t disk;    /* st_blocks * 512 */
	size_t backup;   /* index of the backup holding this link */
};

static int
cmp_inode(const void *a, const void *b)
{
	const struct inode_rec *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->backup < y->backup ? -1 : x->backup > y->backup;
}

struct backup_usage {
	int64_t size;    /* bytes of its files (st_size) */
	int64_t disk;    /* blocks its files hold that nothing outside the backups links */
};

/*
 * What the backups cost on disk: each inode's blocks count once, however many
 * backups link it (a backup links the replaced file), and not at all when a
 * link outside the backups holds it too (removing the backups would not free
 * it). per[i] is backup ids[i]'s share (an inode shared by two backups counts
 * in both); *total_disk counts each inode once. The notes (REASON, ABSENT) count.
 */
static void
backups_usage(const char *root, char *const *ids, size_t n, struct backup_usage *per, int64_t *total_size,
	      int64_t *total_disk)
{
	struct inode_rec *v = NULL;
	size_t nv = 0, cap = 0;

	*total_size = *total_disk = 0;
	for (size_t i = 0; i < n; i++) {
		_autofree_ char *dir = path_join(root, ids[i]);
		DIR *d = opendir(dir);
		struct dirent *de;

		per[i].size = per[i].disk = 0;
		if (!d)
			continue;
		while ((de = readdir(d))) {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
				continue;
			per[i].size += (int64_t)st.st_size;
			*total_size += (int64_t)st.st_size;
			if (nv == cap) {
				cap = cap ? cap * 2 : 32;
				v = xreallocarray(v, cap, sizeof(*v));
			}
			v[nv++] = (struct inode_rec){.dev = st.st_dev, .ino = st.st_ino, .nlink = st.st_nlink,
						     .disk = (int64_t)st.st_blocks * 512, .backup = i};
		}
		closedir(d);
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_inode);
	for (size_t i = 0; i < nv;) {
		size_t j = i;

		while (j < nv && v[j].dev == v[i].dev && v[j].ino == v[i].ino)
			j++;
		/* all the links of this inode are ours: removing the backups frees it */
		if ((size_t)v[i].nlink <= j - i) {
			*total_disk += v[i].disk;
			for (size_t k = i; k < j; k++)
				if (k == i || v[k].backup != v[k - 1].backup)
					per[v[k].backup].disk += v[i].disk;
		}
		i = j;
	}
	free(v);
}

/* 1536 -> "1.5 KiB" */
static const char *
human_size(int64_t n, char buf[32])
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 32, "%lld B", (long long)n);
	else
		snprintf(buf, 32, "%.1f %s", v, units[u]);
	return buf;
}

/* ---- db backups prune: options ---- */

static struct {
	bool prune;
	bool has_keep, has_older;
	long keep;          /* keep the newest N (>= 1) */
	long older_days;    /* remove those older than DAYS */
} bk;

static int
backups_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	char *end;
	long v;

	if (opt != 'k' && opt != 'o')
		return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 1000000)
		return mc_error_set(err, MC_EUSAGE, "%s: '%s' is not a number", ctx->cmd_name, arg);
	if (opt == 'k') {
		if (v < 1)
			return mc_error_set(err, MC_EUSAGE, "%s: --keep must be at least 1 (the newest backup is "
					    "never pruned)", ctx->cmd_name);
		bk.keep = v;
		bk.has_keep = true;
	} else {
		bk.older_days = v;
		bk.has_older = true;
	}
	return 0;
}

static int
backups_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	static const struct option o[] = {
		{"keep", required_argument, NULL, 'k'},
		{"older-than", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int base = 0, first, ret;

	/* options before or after the one operand, "prune" */
	for (;;) {
		if ((ret = cmd_getopt(ctx, argc - base, argv + base, o, backups_opt, &first, err)) < 0)
			return ret;
		base += first;
		if (base >= argc)
			break;
		if (bk.prune || !streq(argv[base], "prune"))
			return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[base]);
		bk.prune = true;
	}
	if (!bk.prune && (bk.has_keep || bk.has_older))
		return mc_error_set(err, MC_EUSAGE, "%s: --keep and --older-than go with 'prune'", ctx->cmd_name);
	if (bk.prune && !bk.has_keep && !bk.has_older)
		return mc_error_set(err, MC_EUSAGE, "%s prune: say which backups go: --keep N or --older-than DAYS",
				    ctx->cmd_name);
	return 0;
}

/* Test hook for crash-consistency tests, as stage.c's: die at a named point (mozcert-test only). */
static void
prune_crash_point(const char *name)
{
#ifdef MOZCERT_TEST_HOOKS
	const char *at = getenv("MOZCERT_CRASH_AT");

	if (at && streq(at, name))
		raise(SIGKILL);
#else
	(void)name;
#endif
}

#define PRUNE_PREFIX ".pruned-"

/* Remove what a killed prune left: backups already renamed out of sight. */
static void
sweep_pruned(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_autofree_ char *path = NULL;
		struct stat st;

		if (!strstartswith(de->d_name, PRUNE_PREFIX))
			continue;
		path = path_join(root, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			fileio_remove_tree(path);
	}
	closedir(d);
}

/*
 * A backup goes whole or not at all, as far as db restore can see: it is first
 * renamed to a hidden name (which no listing and no restore takes), the rename
 * made durable, and only then removed; a prune killed in between leaves a
 * hidden directory that the next prune sweeps.
 */
static int
prune_one(const char *root, const char *id, struct mc_error *err)
{
	_autofree_ char *from = path_join(root, id);
	_autofree_ char *hidden_name = xasprintf("%s%s", PRUNE_PREFIX, id);
	_autofree_ char *hidden = path_join(root, hidden_name);
	int ret;

	if (fileio_exists(hidden))
		fileio_remove_tree(hidden);
	if (rename(from, hidden) < 0)
		return mc_error_sys(err, "cannot remove backup '%s'", from);
	if ((ret = fileio_fsync_dir(root, err)) < 0)
		return ret;
	prune_crash_point("prune-renamed");
	if (fileio_remove_tree(hidden) < 0)
		return mc_error_sys(err, "cannot remove backup '%s' (renamed to '%s')", from, hidden);
	return 0;
}

/* When backup id was made: its time stamp, or the directory's mtime for an id that is none. */
static time_t
backup_time(const char *root, const char *id)
{
	char when[32];
	struct tm tm = {0};

	id_time(id, when);
	if (when[0] && strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return timegm(&tm);
	{
		_autofree_ char *dir = path_join(root, id);
		struct stat st;

		return stat(dir, &st) == 0 ? st.st_mtime : 0;
	}
}

static int
prune_run(struct cmd_ctx *ctx, const struct profile *p, const char *root, char **ids, size_t n,
	  const struct backup_usage *use, struct json_object *res, struct mc_error *err)
{
	struct json_object *pruned = json_object_new_array(), *kept = json_object_new_array();
	struct profile_lock lk = {.fd = -1};
	time_t now = time(NULL);
	size_t npruned = 0;
	int64_t freed = 0;
	char hs[32];
	int ret = 0;

	json_object_object_add(res, "pruned", pruned);
	json_object_object_add(res, "kept", kept);
	/* Removing backups writes: under the profile's lock, as every writing command. */
	if (!ctx->dry_run) {
		if ((ret = profile_lock_acquire(p->path, ctx->force, &lk, err)) < 0)
			return ret;
		sweep_pruned(root);
	}
	for (size_t i = 0; i < n; i++) {
		/* never the newest; --keep N keeps the newest N; --older-than DAYS keeps the younger */
		bool go = i + 1 < n;

		if (bk.has_keep && i + (size_t)bk.keep >= n)
			go = false;
		if (bk.has_older && now - backup_time(root, ids[i]) <= (time_t)bk.older_days * 86400)
			go = false;
		if (!go) {
			json_object_array_add(kept, json_object_new_string(ids[i]));
			continue;
		}
		if (!ctx->dry_run && (ret = prune_one(root, ids[i], err)) < 0)
			break;
		json_object_array_add(pruned, json_object_new_string(ids[i]));
		npruned++;
		freed += use[i].disk;
		cmd_out(ctx, "%s %-20s %s\n", ctx->dry_run ? "would remove" : "removed", ids[i], human_size(use[i].disk, hs));
	}
	if (lk.held)
		fileio_fsync_dir(root, NULL);
	profile_lock_release(&lk);
	json_object_object_add(res, "freed_disk_bytes", json_object_new_int64(freed));
	cmd_set_changed(res, npruned > 0 && !ctx->dry_run);
	if (ret == 0)
		cmd_out(ctx, "%zu backup%s %sremoved, %s %sfreed, %zu kept%s\n", npruned, npruned == 1 ? "" : "s",
			ctx->dry_run ? "would be " : "", human_size(freed, hs), ctx->dry_run ? "would be " : "",
			n - npruned, ctx->dry_run ? " (dry run: nothing removed)" : "");
	return ret;
}

static int
backups_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	_autofree_ char *root = path_join(p->path, BACKUP_DIRNAME);
	_autofree_ struct backup_usage *use = NULL;
	struct json_object *arr = json_object_new_array();
	int64_t total_size = 0, total_disk = 0;
	char **ids = NULL;
	size_t n = 0;
	char hs[32];
	int ret;

	json_object_object_add(res, "backups", arr);
	cmd_set_changed(res, false);
	if ((ret = backup_ids(root, &ids, &n, err)) < 0)
		return ret;
	use = xzalloc((n + 1) * sizeof(*use));
	backups_usage(root, ids, n, use, &total_size, &total_disk);
	json_object_object_add(res, "count", json_object_new_int64((int64_t)n));
	json_object_object_add(res, "total_size", json_object_new_int64(total_size));
	json_object_object_add(res, "total_disk_bytes", json_object_new_int64(total_disk));
	if (bk.prune) {
		ret = prune_run(ctx, p, root, ids, n, use, res, err);
		free_ids(ids, n);
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		struct backup_entry b;
		struct json_object *o, *files;
		char when[32];
		struct strbuf sb;

		if (read_backup(root, ids[i], &b, NULL) < 0) {
			backup_entry_release(&b);
			continue;
		}
		id_time(b.id, when);
		o = json_object_new_object();
		files = json_object_new_array();
		strbuf_init(&sb);
		for (size_t k = 0; k < b.nfiles; k++) {
			struct json_object *fo = json_object_new_object();

			json_object_object_add(fo, "name", json_object_new_string(b.files[k]));
			json_object_object_add(fo, "size", json_object_new_int64((int64_t)b.sizes[k]));
			json_object_array_add(files, fo);
			strbuf_addf(&sb, "%s%s (%lld)", k ? ", " : "", b.files[k], (long long)b.sizes[k]);
		}
		json_object_object_add(o, "id", json_object_new_string(b.id));
		json_object_object_add(o, "time", when[0] ? json_object_new_string(when) : NULL);
		json_object_object_add(o, "reason", b.reason ? json_object_new_string(b.reason) : NULL);
		json_object_object_add(o, "files", files);
		json_object_object_add(o, "size", json_object_new_int64(use[i].size));
		json_object_object_add(o, "disk_bytes", json_object_new_int64(use[i].disk));
		if (b.nabsent) {
			struct json_object *ab = json_object_new_array();

			for (size_t k = 0; k < b.nabsent; k++)
				json_object_array_add(ab, json_object_new_string(b.absent[k]));
			json_object_object_add(o, "absent", ab);
		}
		json_object_array_add(arr, o);
		cmd_out(ctx, "%-20s %-20s %-18s %10s  %s\n", b.id, when, b.reason ? b.reason : "-",
			human_size(use[i].disk, hs), sb.len ? sb.buf : "(empty)");
		strbuf_release(&sb);
		backup_entry_release(&b);
	}
	if (n == 0)
		cmd_out(ctx, "no backups in '%s'\n", root);
	else
		cmd_out(ctx, "%zu backup%s, %s on disk\n", n, n == 1 ? "" : "s", human_size(total_disk, hs));
	free_ids(ids, n);
	return 0;
}

const struct cmd_spec cmd_db_backups = {
	.name = "backups", .prepare = backups_prepare, .run = backups_run, .flags = 0,
	.args = "[prune --keep N | --older-than DAYS]",
	.summary = "the backups mozcert made of this profile (id, time, reason, files, size on disk); "
		   "prune: remove old ones (never the newest)",
};

/* ---- db restore ---- */

static int
restore_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first, ret;

	if ((ret = cmd_getopt(ctx, argc, argv, NULL, NULL, &first, err)) < 0)
		return ret;
	if (argc - first != 1)
		return mc_error_set(err, MC_EUSAGE, "%s: expected one backup ID (see 'mozcert db backups')", ctx->cmd_name);
	restore_id = argv[first];
	if (!restore_id[0] || restore_id[0] == '.' || strchr(restore_id, '/'))
		return mc_error_set(err, MC_EUSAGE, "%s: '%s' is not a backup ID", ctx->cmd_name, restore_id);
	return 0;
}

static bool
has_name(const struct backup_entry *b, const char *name)
{
	for (size_t i = 0; i < b->nfiles; i++)
		if (streq(b->files[i], name))
			return true;
	return false;
}

static bool
same_file(const char *a, const char *b)
{
	_autofree_ char *x = NULL;
	_autofree_ char *y = NULL;
	size_t lx, ly;

	if (!fileio_exists(a) || !fileio_exists(b))
		return false;
	if (fileio_read(a, RESTORE_MAX, &x, &lx, NULL) < 0 || fileio_read(b, RESTORE_MAX, &y, &ly, NULL) < 0)
		return false;
	return lx == ly && memcmp(x, y, lx) == 0;
}

static void
report_file(const struct cmd_ctx *ctx, struct json_object *arr, const char *name, const char *status)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_array_add(arr, o);
	cmd_out(ctx, "%s%-10s %s\n", ctx->dry_run && !streq(status, "unchanged") ? "would be " : "", status, name);
}

/*
 * The backup 'latest' means: the newest that holds files and was not made by
 * a restore. A restore's own backup holds the state it replaced; a retry of
 * an interrupted restore must pick the backup the user asked for again, not
 * that one (restore it by its id to undo a restore).
 */
static int
latest_backup(const char *root, char **out, struct mc_error *err)
{
	char **ids = NULL;
	size_t n = 0;
	int ret;

	*out = NULL;
	if ((ret = backup_ids(root, &ids, &n, err)) < 0)
		return ret;
	for (size_t i = n; i-- > 0 && !*out;) {
		struct backup_entry b = {0};
		struct mc_error ignored = {0};

		if (read_backup(root, ids[i], &b, &ignored) == 0 && (b.nfiles || b.nabsent) &&
		    !(b.reason && strstartswith(b.reason, "db restore ")))
			*out = xstrdup(ids[i]);
		backup_entry_release(&b);
	}
	free_ids(ids, n);
	return 0;
}

/*
 * Every file of the backup that differs from the profile's, and every file
 * that did not exist when it was made, change in one journaled swap: a crash
 * leaves the files as they were or (rolled forward by the next run) as
 * restored, never a mixed set.
 */
static int
restore_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	_autofree_ char *root = path_join(p->path, BACKUP_DIRNAME);
	_autofree_ char *bdir = NULL;
	_autofree_ char *reason = NULL;
	_autofree_ char *id = NULL;
	struct backup_entry b = {0};
	struct backup nb = {0};
	struct stage st = {0};
	struct json_object *arr;
	struct stat sb;
	size_t changed = 0, ncreated = 0;
	const char **created = NULL;
	int ret;

	if (streq(restore_id, "latest")) {
		if ((ret = latest_backup(root, &id, err)) < 0)
			return ret;
		if (!id)
			return mc_error_set(err, MC_ENOENT, "'%s' has no backups to restore", p->path);
	} else {
		id = xstrdup(restore_id);
	}
	bdir = path_join(root, id);
	if (lstat(bdir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return mc_error_set(err, MC_ENOENT, "no backup '%s' in '%s' (see 'mozcert db backups')", id, root);
	if ((ret = read_backup(root, id, &b, err)) < 0)
		goto out;
	if (b.nfiles == 0 && b.nabsent == 0) {
		ret = mc_error_set(err, MC_EINPUT, "backup '%s' holds no files", id);
		goto out;
	}
	json_object_object_add(res, "from", json_object_new_string(id));
	arr = json_object_new_array();
	json_object_object_add(res, "files", arr);
	reason = xasprintf("db restore %s", id);
	backup_init(&nb, p->path, reason);
	created = xzalloc((b.nfiles + 1) * sizeof(*created));
	if (!ctx->dry_run && (ret = stage_begin_empty(p->path, &st, err)) < 0)
		goto out;
	for (size_t i = 0; i < b.nfiles; i++) {
		_autofree_ char *src = path_join(bdir, b.files[i]);
		_autofree_ char *cur = path_join(p->path, b.files[i]);
		bool same;

		if (!stage_known_name(b.files[i])) {
			cmd_warn(ctx, "backup '%s': '%s' is not a file mozcert restores; left out", id, b.files[i]);
			continue;
		}
		same = same_file(src, cur);
		report_file(ctx, arr, b.files[i], same ? "unchanged" : "restored");
		if (same)
			continue;
		changed++;
		if (!exists_in(p->path, b.files[i]))
			created[ncreated++] = b.files[i];
		if (!ctx->dry_run)
			stage_put(&st, b.files[i], src);
	}
	/* Files that did not exist when the backup was made go (into the new backup). */
	for (size_t i = 0; i < b.nabsent; i++) {
		if (!exists_in(p->path, b.absent[i]) || has_name(&b, b.absent[i]) || !stage_known_name(b.absent[i]))
			continue;
		report_file(ctx, arr, b.absent[i], "removed");
		changed++;
		if (!ctx->dry_run)
			stage_drop(&st, b.absent[i]);
	}
	if (!ctx->dry_run && changed) {
		/* The new backup can be restored too: it records, before they appear, the files the restore creates. */
		if ((ret = backup_note_absent(&nb, (const char *const *)created, ncreated, err)) < 0)
			goto out;
		if ((ret = stage_commit(&st, &nb, err)) < 0)
			goto out;
	}
	if (nb.id && nb.used)
		json_object_object_add(res, "backup", json_object_new_string(nb.id));
	cmd_set_changed(res, changed > 0 && !ctx->dry_run);
	cmd_out(ctx, "%zu file%s %srestored from backup %s%s%s\n", changed, changed == 1 ? "" : "s",
		ctx->dry_run ? "would be " : "", id, nb.used ? "; the previous state is in backup " : "",
		nb.used ? nb.id : "");
	ret = 0;
out:
	mc_error_rebase(err, st.dir, p->path);
	stage_release(&st);
	free(created);
	backup_entry_release(&b);
	backup_release(&nb);
	return ret;
}

const struct cmd_spec cmd_db_restore = {
	.name = "restore", .prepare = restore_prepare, .run = restore_run, .flags = CMD_WRITES | CMD_STORE,
	.args = "ID|latest", .summary = "put a backup back atomically (the current files are backed up first)",
};
