/* SPDX-License-Identifier: MPL-2.0 */
/* stage.c: staging copies of a store and the journaled swap of its cert/key pair. */
#include "stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "fileio.h"
#include "owner-identity.h"
#include "hot-journal.h"
#include "sqlite-errno.h"
#include "strbuf.h"
#include "banned.h"

#define JOURNAL_MAGIC "mozcert-journal 1\n"

static const char *const sql_files[] = {"cert9.db", "key4.db"};
static const char *const dbm_files[] = {"cert8.db", "key3.db"};

static const char *const *
store_files(enum certdb_kind kind)
{
	return kind == CERTDB_SQL ? sql_files : dbm_files;
}

/* stage.h: the test hook of the crash sweeps (mozcert-test only). */
void
stage_crash_point(const char *name)
{
#ifdef MOZCERT_TEST_HOOKS
	const char *at = getenv("MOZCERT_CRASH_AT");

	if (at && streq(at, name))
		raise(SIGKILL);
#else
	(void)name;
#endif
}

bool
stage_pending(const char *profile_dir)
{
	_autofree_ char *j = path_join(profile_dir, JOURNAL_NAME);

	return fileio_exists(j);
}

/* ".NAME.mozcert-XXXXXX": a temporary file of atomic_tempfile, for any file of the profile. */
static bool
is_our_temp(const char *name)
{
	const char *mark = strstr(name, TEMP_MARK);
	const char *suffix;

	if (name[0] != '.' || !mark)
		return false;
	while (strstr(mark + 1, TEMP_MARK))
		mark = strstr(mark + 1, TEMP_MARK);
	suffix = mark + strlen(TEMP_MARK);
	if (strlen(suffix) != 6)
		return false;
	for (const char *c = suffix; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			return false;
	return true;
}

bool
stage_is_temp_name(const char *name)
{
	return is_our_temp(name);
}

bool
stage_has_temps(const char *profile_dir)
{
	DIR *d = opendir(profile_dir);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d)))
		found = is_our_temp(de->d_name);
	closedir(d);
	return found;
}

static int
sweep_temps(const char *profile_dir)
{
	DIR *d = opendir(profile_dir);
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (is_our_temp(de->d_name)) {
			_autofree_ char *p = path_join(profile_dir, de->d_name);

			unlink(p);
		}
	}
	closedir(d);
	return 0;
}

static char *staging_base(void);

/*
 * Staging and private copies of killed runs (dead PIDs), wherever they were made: once per process
 * (a fleet run recovers every profile; a copy of a dead run does not come back meanwhile).
 */
static void
sweep_stale_dirs(void)
{
	static bool swept;
	_autofree_ char *base = NULL;

	if (swept)
		return;
	swept = true;
	base = staging_base();
	fileio_sweep_private_dirs(base, "stage");
	fileio_sweep_private_dirs(fileio_tmpdir(), "repair");
	fileio_sweep_private_dirs(fileio_tmpdir(), "ro");
}

/* The profile files a swap may put in place or remove: nothing else, whatever a journal says. */
static const char *const known_files[] = {
	"cert9.db", "key4.db", "cert8.db", "key3.db", "secmod.db", "pkcs11.txt",
	"cert_override.txt", "prefs.js", "user.js", "cert9.db-journal", "key4.db-journal",
	"mozcert-managed.ini",  /* cert sync's record: swapped with the store, restored with it */
};

bool
stage_known_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_files); i++)
		if (streq(name, known_files[i]))
			return true;
	return false;
}

/* A journal's rename line "TMP\tNAME": NAME known, TMP one of our temporary files for NAME (".NAME.mozcert-XXXXXX"). */
static bool
journal_rename_ok(const char *tmp, const char *name)
{
	size_t n = strlen(name);

	return stage_known_name(name) && is_our_temp(tmp) && tmp[0] == '.' && strncmp(tmp + 1, name, n) == 0 &&
	       strncmp(tmp + 1 + n, TEMP_MARK, strlen(TEMP_MARK)) == 0;
}

/*
 * A file a journal says to remove went into a backup before the journal was
 * written (the same inode, or a copy of its bytes for a caller's own
 * backup). One that no backup holds was never part of a swap of ours: a
 * planted line must not delete it.
 */
static bool
drop_is_backed_up(const char *profile_dir, const char *name)
{
	_autofree_ char *path = path_join(profile_dir, name);
	_autofree_ char *root = path_join(profile_dir, BACKUP_DIRNAME);
	struct stat fs;
	struct dirent *de;
	DIR *d;
	bool found = false;

	if (lstat(path, &fs) < 0)
		return errno == ENOENT;
	if (!S_ISREG(fs.st_mode) || !(d = opendir(root)))
		return false;
	while (!found && (de = readdir(d))) {
		_autofree_ char *dir = NULL;
		_autofree_ char *copy = NULL;
		struct stat cs;

		if (de->d_name[0] == '.')
			continue;
		dir = path_join(root, de->d_name);
		copy = path_join(dir, name);
		if (lstat(copy, &cs) < 0 || !S_ISREG(cs.st_mode))
			continue;
		found = (cs.st_dev == fs.st_dev && cs.st_ino == fs.st_ino) ||
			(cs.st_size == fs.st_size && fileio_same_content(copy, path));
	}
	closedir(d);
	return found;
}

int
stage_recover(const char *profile_dir, struct mc_error *err)
{
	_autofree_ char *jpath = path_join(profile_dir, JOURNAL_NAME);
	_autofree_ char *buf = NULL;
	size_t len;
	char *line, *save = NULL;
	size_t drops = 0;
	int ret;

	sweep_stale_dirs();
	if (!fileio_exists(jpath))
		return sweep_temps(profile_dir);
	if ((ret = fileio_read(jpath, 65536, &buf, &len, err)) < 0)
		return ret;
	if (!strstartswith(buf, JOURNAL_MAGIC))
		return mc_error_set(err, MC_EFAIL, "'%s' is not a mozcert journal; remove it by hand", jpath);
	/* Every line is checked before any is followed: a planted line stops the whole journal. */
	for (int pass = 0; pass < 2; pass++) {
		_autofree_ char *text = xstrdup(buf + strlen(JOURNAL_MAGIC));

		save = NULL;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *tab = strchr(line, '\t');
			_autofree_ char *from = NULL;
			_autofree_ char *to = NULL;

			if (!tab || strchr(line, '/') || strchr(tab + 1, '/'))
				return mc_error_set(err, MC_EFAIL, "'%s': malformed line", jpath);
			*tab = '\0';
			if (pass == 0) {
				/* Only what a swap of ours writes: no other file is renamed over or removed. */
				if (*line ? !journal_rename_ok(line, tab + 1) : !stage_known_name(tab + 1))
					return mc_error_set(err, MC_EFAIL,
							    "'%s' names a file mozcert never swaps ('%s'): not following it; "
							    "move the journal away and run 'mozcert db check'", jpath, tab + 1);
				/* "\tNAME": a file that goes with the swap, which the swap put in a backup first */
				if (!*line && !drop_is_backed_up(profile_dir, tab + 1))
					return mc_error_set(err, MC_EFAIL,
							    "'%s' would remove '%s', which no backup holds: not following it; "
							    "move the journal away and run 'mozcert db check'", jpath, tab + 1);
				continue;
			}
			to = path_join(profile_dir, tab + 1);
			if (!*line) {
				if (unlink(to) < 0 && errno != ENOENT)
					return mc_error_sys(err, "cannot remove '%s'", to);
				drops++;
				continue;
			}
			from = path_join(profile_dir, line);
			if (fileio_exists(from) && rename(from, to) < 0)
				return mc_error_sys(err, "cannot rename '%s' to '%s'", from, to);
		}
	}
	if ((ret = fileio_fsync_dir(profile_dir, err)) < 0)
		return ret;
	/*
	 * The renames are on disk: the journal's removal need not be. Should it be lost, the next run
	 * follows the journal again and finds nothing left to rename (its temporary files are gone).
	 * A journal that removed a file is gone for sure before anyone may make a new one of that name.
	 */
	if (unlink(jpath) < 0)
		return mc_error_sys(err, "cannot remove '%s'", jpath);
	sweep_temps(profile_dir);
	return drops ? fileio_fsync_dir(profile_dir, err) : 0;
}

static char *
staging_base(void)
{
	const char *env = getenv("MOZCERT_STAGE_DIR");

	if (env && *env)
		return xstrdup(env);
	/* tmpfs when there is one: the many small NSS transactions then cost no disk sync. */
	if (access("/dev/shm", W_OK | X_OK) == 0)
		return xstrdup("/dev/shm");
	return xstrdup(fileio_tmpdir());
}

/* An empty private staging directory for the store of profile_dir. */
static int
stage_open(const char *profile_dir, enum certdb_kind kind, struct stage *st, struct mc_error *err)
{
	_autofree_ char *base = staging_base();

	memset(st, 0, sizeof(*st));
	st->dir = fileio_private_dir(base, "stage", err);
	if (!st->dir)
		return MC_EFAIL;
	/* The copy is this process's alone: NSS's many connections to it share a cache and a lock. */
	sqlio_private_dir(st->dir);
	st->profile_dir = xstrdup(profile_dir);
	st->kind = kind;
	return 0;
}

int
stage_begin(const char *profile_dir, enum certdb_kind kind, struct stage *st, struct mc_error *err)
{
	const char *const *files = store_files(kind);
	int ret;

	if ((ret = stage_open(profile_dir, kind, st, err)) < 0)
		return ret;
	for (size_t i = 0; i < 2; i++) {
		_autofree_ char *src = path_join(profile_dir, files[i]);
		_autofree_ char *dst = path_join(st->dir, files[i]);
		struct stat sb;

		if (lstat(src, &sb) < 0) {
			if (errno == ENOENT)
				continue;
			return mc_error_sys(err, "cannot stat '%s'", src);
		}
		if (S_ISLNK(sb.st_mode))
			return mc_error_set(err, MC_EFAIL, "refusing to write '%s': it is a symbolic link", src);
		if ((ret = fileio_copy(src, dst, 0600, true, err)) < 0)
			return ret;
	}
	for (size_t i = 0; kind == CERTDB_SQL && i < 2; i++)
		if ((ret = hotjournal_carry(profile_dir, st->dir, files[i], err)) < 0)
			return ret;
	return 0;
}

static int
write_journal(const char *profile_dir, const char *text, struct mc_error *err)
{
	_autofree_ char *tmp = NULL;
	_autofree_ char *jpath = path_join(profile_dir, JOURNAL_NAME);
	int fd, ret;

	fd = atomic_tempfile(profile_dir, JOURNAL_NAME, &tmp, err);
	if (fd < 0)
		return fd;
	if (fileio_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		ret = mc_error_sys(err, "cannot write '%s'", tmp);
		close(fd);
		unlink(tmp);
		return ret;
	}
	if (close(fd) < 0 || rename(tmp, jpath) < 0) {
		ret = mc_error_sys(err, "cannot write '%s'", jpath);
		unlink(tmp);
		return ret;
	}
	return fileio_fsync_dir(profile_dir, err);
}

/* "cert9.db-journal": SQLite's rollback journal of a database of the profile. */
static bool
is_rollback_journal(const char *name)
{
	size_t n = strlen(name), k = strlen(HOTJOURNAL_SUFFIX);

	return n > k && streq(name + n - k, HOTJOURNAL_SUFFIX);
}

/* One file the swap puts in place: name in the profile, src its new content, tmp the copy beside it. */
struct put {
	const char *name;
	char *src;
	char *tmp;
	bool extra;  /* from stage_put: a file that does not exist yet takes src's mode */
};

/* The store files of the stage, then stage_put's files. */
static size_t
collect_puts(const struct stage *st, struct put *v)
{
	const char *const *files = store_files(st->kind);
	size_t n = 0;

	/*
	 * The order of the two renames decides what the application sees if a run dies between them (until
	 * the next run rolls the swap forward). NSS keeps the MAC of each trust setting in the key database:
	 * the old certificate database beside the new key database still shows the old store when the change
	 * only adds or changes (the new key database holds every old MAC), whereas the new certificate
	 * database beside the old key database shows every added trust as ',,'. A change that only removes
	 * is the other way round: the new certificate database first shows the new store.
	 */
	for (size_t k = 0; k < 2; k++) {
		size_t i = st->cert_first ? k : 1 - k;
		char *src = path_join(st->dir, files[i]);

		if (fileio_exists(src))
			v[n++] = (struct put){files[i], src, NULL, false};
		else
			free(src);
	}
	for (size_t i = 0; i < st->n_put; i++)
		v[n++] = (struct put){st->put_names[i], xstrdup(st->put_srcs[i]), NULL, true};
	return n;
}

/* The profile file whose owner and mode the new file name takes (stage_inherit), or NULL. */
static const char *
inherit_from(const struct stage *st, const char *name)
{
	for (size_t i = 0; i < st->n_like; i++)
		if (streq(st->like_names[i], name))
			return st->like_srcs[i];
	return NULL;
}

/* The owner and mode of the profile file like, for a new file (stage_inherit). */
static int
inherited_owner_mode(const struct stage *st, const char *like, mode_t *mode, uid_t *uid, gid_t *gid,
		     struct mc_error *err)
{
	_autofree_ char *path = path_join(st->profile_dir, like);
	struct stat sb;

	if (lstat(path, &sb) < 0)
		return mc_error_sys(err, "cannot read the owner and mode of '%s'", path);
	if (!S_ISREG(sb.st_mode))
		return mc_error_set(err, MC_EFAIL, "'%s' is not a regular file: its owner and mode are not taken",
				    path);
	*mode = (sb.st_mode & 0666) | 0600;
	if (sb.st_uid != fs_uid() || sb.st_gid != fs_gid()) {
		*uid = sb.st_uid;
		*gid = sb.st_gid;
	}
	return 0;
}

/* Copy p's new content beside its target with the mode and owner it will have. */
static int
prepare_put(const struct stage *st, struct put *p, struct mc_error *err)
{
	_autofree_ char *target = path_join(st->profile_dir, p->name);
	const char *like = inherit_from(st, p->name);
	struct stat old, sb;
	mode_t mode = 0600;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int fd, ret;

	if (lstat(target, &old) == 0) {
		if (!S_ISREG(old.st_mode))
			return mc_error_set(err, MC_EFAIL, "refusing to write '%s': not a regular file", target);
		mode = old.st_mode & 07777;
		if (old.st_uid != fs_uid() || old.st_gid != fs_gid()) {
			uid = old.st_uid;
			gid = old.st_gid;
		}
	} else if (like) {
		if ((ret = inherited_owner_mode(st, like, &mode, &uid, &gid, err)) < 0)
			return ret;
	} else {
		if ((ret = fileio_dir_owner(st->profile_dir, &uid, &gid, err)) < 0)
			return ret;
		if (p->extra && stat(p->src, &sb) == 0)
			mode = (sb.st_mode & 0666) | 0600;
	}
	fd = atomic_tempfile(st->profile_dir, p->name, &p->tmp, err);
	if (fd < 0)
		return fd;
	close(fd);
	unlink(p->tmp);
	/* Owner and mode are set on the copy, before anything is renamed. */
	return fileio_copy_owned(p->src, p->tmp, mode, uid, gid, true, err);
}

/* Every file the swap changes must be one it may change. */
static int
check_names(const struct stage *st, const struct put *puts, size_t nput, struct mc_error *err)
{
	for (size_t i = 0; i < nput + st->n_drop; i++) {
		const char *name = i < nput ? puts[i].name : st->drop[i - nput];

		if (!stage_known_name(name))
			return mc_error_set(err, MC_EFAIL, "internal error: '%s' is not a file a swap may change", name);
	}
	return 0;
}

/* A new database never goes beside the application's old rollback journal: SQLite would play it back. */
static void
drop_hot_journals(struct stage *st, const struct put *puts, size_t nput)
{
	for (size_t i = 0; i < nput; i++) {
		_autofree_ char *target = path_join(st->profile_dir, puts[i].name);

		if ((streq(puts[i].name, "cert9.db") || streq(puts[i].name, "key4.db")) && hotjournal_present(target)) {
			_autofree_ char *jname = xasprintf("%s%s", puts[i].name, HOTJOURNAL_SUFFIX);

			stage_drop(st, jname);
		}
	}
}

/* Each new file copied beside its target, and named in the journal. */
static int
prepare_puts(const struct stage *st, struct put *puts, size_t nput, struct strbuf *journal, struct mc_error *err)
{
	int ret;

	for (size_t i = 0; i < nput; i++) {
		if ((ret = prepare_put(st, &puts[i], err)) < 0)
			return ret;
		strbuf_addf(journal, "%s\t%s\n", strrchr(puts[i].tmp, '/') + 1, puts[i].name);
	}
	return 0;
}

/* Recovery removes rollback journals before it renames anything: their lines go first. */
static void
journal_prepend(struct strbuf *journal, const char *name)
{
	_autofree_ char *line = xasprintf("\t%s\n", name);
	size_t at = strlen(JOURNAL_MAGIC);
	struct strbuf head;

	strbuf_init(&head);
	strbuf_add(&head, journal->buf, at);
	strbuf_addstr(&head, line);
	strbuf_addstr(&head, journal->buf + at);
	strbuf_release(journal);
	*journal = head;
}

/* The old files, and the files that go with the swap, are kept (hard links) before anything is decided. */
static int
back_up_old(const struct stage *st, struct backup *backup, const struct put *puts, size_t nput,
	    struct strbuf *journal, struct mc_error *err)
{
	int ret;

	for (size_t i = 0; i < nput; i++)
		if (backup && (ret = backup_add(backup, puts[i].name, false, err)) < 0)
			return ret;
	for (size_t i = 0; i < st->n_drop; i++) {
		_autofree_ char *path = path_join(st->profile_dir, st->drop[i]);

		if (!fileio_exists(path))
			continue;
		if (!backup && !st->backed_up)
			return mc_error_set(err, MC_EFAIL, "internal error: '%s' would go without a backup", path);
		if (backup && (ret = backup_add(backup, st->drop[i], false, err)) < 0)
			return ret;
		if (is_rollback_journal(st->drop[i]))
			journal_prepend(journal, st->drop[i]);
		else
			strbuf_addf(journal, "\t%s\n", st->drop[i]);
	}
	return 0;
}

/*
 * The swap the journal decided: ret is what writing the journal reported
 * (an error there once the journal is in place does not stop the swap).
 * Returns the first error; the caller rolls forward whatever happened.
 */
static int
swap_in(const struct stage *st, const struct put *puts, size_t nput, int ret, struct mc_error *err)
{
	/*
	 * Rollback journals go first: killed after this, the old pair stands without its journal until the
	 * next mozcert run rolls the swap forward, whereas a new database beside an old journal would be
	 * overwritten by the next SQLite open, the application's included.
	 */
	for (size_t i = 0; i < st->n_drop; i++) {
		_autofree_ char *path = path_join(st->profile_dir, st->drop[i]);

		if (is_rollback_journal(st->drop[i]) && unlink(path) < 0 && errno != ENOENT && ret == 0)
			return mc_error_sys(err, "cannot remove '%s'", path);
	}
	stage_crash_point("before-rename");
	for (size_t i = 0; i < nput; i++) {
		_autofree_ char *target = path_join(st->profile_dir, puts[i].name);

		if (rename(puts[i].tmp, target) < 0) {
			if (ret == 0)
				ret = mc_error_sys(err, "cannot rename '%s' to '%s'", puts[i].tmp, target);
			return ret;
		}
		if (i == 0 || i + 1 == nput)
			stage_crash_point(i + 1 < nput ? "between-renames" : "after-renames");
	}
	/* The files that go with the swap, here too: recovery repeats this, but may fail to read the journal. */
	for (size_t i = 0; i < st->n_drop; i++) {
		_autofree_ char *path = path_join(st->profile_dir, st->drop[i]);

		if (unlink(path) < 0 && errno != ENOENT && ret == 0)
			ret = mc_error_sys(err, "cannot remove '%s'", path);
	}
	return ret;
}

int
stage_commit(struct stage *st, struct backup *backup, struct mc_error *err)
{
	struct put *puts = xzalloc((2 + st->n_put) * sizeof(*puts));
	size_t nput = collect_puts(st, puts);
	struct strbuf journal;
	int ret;

	strbuf_init(&journal);
	strbuf_addstr(&journal, JOURNAL_MAGIC);
	if ((ret = check_names(st, puts, nput, err)) < 0)
		goto out;
	drop_hot_journals(st, puts, nput);
	if ((ret = prepare_puts(st, puts, nput, &journal, err)) < 0 ||
	    (ret = back_up_old(st, backup, puts, nput, &journal, err)) < 0)
		goto out;
	stage_crash_point("before-journal");
	/*
	 * From here the swap is decided: recovery rolls it forward. That holds as soon as the journal is in
	 * place, also when syncing its directory failed afterwards (the error is still reported): giving up
	 * then would leave a journal naming files no longer there.
	 */
	if ((ret = write_journal(st->profile_dir, journal.buf, err)) < 0 && !stage_pending(st->profile_dir))
		goto out;
	if (backup)
		backup->used = true;
	ret = swap_in(st, puts, nput, ret, err);
	{
		struct mc_error ignored = {0};
		int r = stage_recover(st->profile_dir, ret < 0 ? &ignored : err);

		if (ret == 0)
			ret = r;
	}
	for (size_t i = 0; i < nput; i++) {
		free(puts[i].tmp);
		puts[i].tmp = NULL;
	}
out:
	for (size_t i = 0; i < nput; i++) {
		if (puts[i].tmp) {
			unlink(puts[i].tmp);
			free(puts[i].tmp);
		}
		free(puts[i].src);
	}
	free(puts);
	strbuf_release(&journal);
	return ret;
}

void
stage_put(struct stage *st, const char *name, const char *src)
{
	st->put_names = xreallocarray(st->put_names, st->n_put + 1, sizeof(*st->put_names));
	st->put_srcs = xreallocarray(st->put_srcs, st->n_put + 1, sizeof(*st->put_srcs));
	st->put_names[st->n_put] = xstrdup(name);
	st->put_srcs[st->n_put++] = xstrdup(src);
}

int
stage_begin_empty(const char *profile_dir, struct stage *st, struct mc_error *err)
{
	return stage_open(profile_dir, CERTDB_SQL, st, err);
}

void
stage_inherit(struct stage *st, const char *name, const char *like)
{
	st->like_names = xreallocarray(st->like_names, st->n_like + 1, sizeof(*st->like_names));
	st->like_srcs = xreallocarray(st->like_srcs, st->n_like + 1, sizeof(*st->like_srcs));
	st->like_names[st->n_like] = xstrdup(name);
	st->like_srcs[st->n_like++] = xstrdup(like);
}

void
stage_drop(struct stage *st, const char *name)
{
	st->drop = xreallocarray(st->drop, st->n_drop + 1, sizeof(*st->drop));
	st->drop[st->n_drop++] = xstrdup(name);
}

void
stage_release(struct stage *st)
{
	strv_free(st->drop, st->n_drop);
	for (size_t i = 0; i < st->n_put; i++) {
		free(st->put_names[i]);
		free(st->put_srcs[i]);
	}
	free(st->put_names);
	free(st->put_srcs);
	for (size_t i = 0; i < st->n_like; i++) {
		free(st->like_names[i]);
		free(st->like_srcs[i]);
	}
	free(st->like_names);
	free(st->like_srcs);
	if (st->dir) {
		fileio_remove_tree(st->dir);
		sqlio_private_dir(NULL);
	}
	free(st->dir);
	free(st->profile_dir);
	memset(st, 0, sizeof(*st));
}

/* ---- appended for db repair / db reset ---- */

int
stage_begin_fresh(const char *profile_dir, enum certdb_kind kind, const char *key_src, struct stage *st,
		  struct mc_error *err)
{
	int ret;

	if ((ret = stage_open(profile_dir, kind, st, err)) < 0)
		return ret;
	if (key_src) {
		const char *slash = strrchr(key_src, '/');
		_autofree_ char *dst = path_join(st->dir, slash ? slash + 1 : key_src);

		if ((ret = fileio_copy(key_src, dst, 0600, true, err)) < 0)
			return ret;
		if (slash && kind == CERTDB_SQL) {
			_autofree_ char *src_dir = xstrndup(key_src, (size_t)(slash - key_src));

			if ((ret = hotjournal_carry(src_dir, st->dir, slash + 1, err)) < 0)
				return ret;
		}
	}
	return 0;
}
