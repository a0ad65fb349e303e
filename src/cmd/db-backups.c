/* SPDX-License-Identifier: MPL-2.0 */
/* db-backups.c: db backups (list, prune) and db restore. */
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
#include "checks.h"
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

static const char *restore_id;

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
	strv_free(b->files, b->nfiles);
	free(b->sizes);
	strv_free(b->absent, b->nabsent);
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
	stage_crash_point("prune-renamed");
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

int
db_backups_measure(const struct profile *p, struct backups_report *r, struct mc_error *err)
{
	_autofree_ char *root = path_join(p->path, BACKUP_DIRNAME);
	_autofree_ struct backup_usage *use = NULL;
	char **ids = NULL;
	size_t n = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = backup_ids(root, &ids, &n, err)) < 0)
		return ret;
	use = xzalloc((n + 1) * sizeof(*use));
	backups_usage(root, ids, n, use, &r->total_size, &r->total_disk);
	r->count = n;
	strv_free(ids, n);
	return 0;
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
		strv_free(ids, n);
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
	strv_free(ids, n);
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
	strv_free(ids, n);
	return 0;
}

/* The backup restore_id names ("latest": latest_backup), as an existing directory of root. */
static int
restore_which(const struct profile *p, const char *root, char **id, struct mc_error *err)
{
	_autofree_ char *bdir = NULL;
	struct stat sb;
	int ret;

	*id = NULL;
	if (streq(restore_id, "latest")) {
		if ((ret = latest_backup(root, id, err)) < 0)
			return ret;
		if (!*id)
			return mc_error_set(err, MC_ENOENT, "'%s' has no backups to restore", p->path);
	} else {
		*id = xstrdup(restore_id);
	}
	bdir = path_join(root, *id);
	if (lstat(bdir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return mc_error_set(err, MC_ENOENT, "no backup '%s' in '%s' (see 'mozcert db backups')", *id, root);
	return 0;
}

/*
 * Stage what the restore changes: each file of the backup that differs from
 * the profile's (created[]: those the profile lacks), each file that did not
 * exist when the backup was made; reported as it goes. Returns how many change.
 */
static size_t
restore_stage(struct cmd_ctx *ctx, const struct profile *p, const char *bdir, const struct backup_entry *b,
	      struct stage *st, struct json_object *arr, const char **created, size_t *ncreated)
{
	size_t changed = 0;

	for (size_t i = 0; i < b->nfiles; i++) {
		_autofree_ char *src = path_join(bdir, b->files[i]);
		_autofree_ char *cur = path_join(p->path, b->files[i]);
		bool same;

		if (!stage_known_name(b->files[i])) {
			cmd_warn(ctx, "backup '%s': '%s' is not a file mozcert restores; left out", b->id, b->files[i]);
			continue;
		}
		same = same_file(src, cur);
		report_file(ctx, arr, b->files[i], same ? "unchanged" : "restored");
		if (same)
			continue;
		changed++;
		if (!exists_in(p->path, b->files[i]))
			created[(*ncreated)++] = b->files[i];
		if (!ctx->dry_run)
			stage_put(st, b->files[i], src);
	}
	/* Files that did not exist when the backup was made go (into the new backup). */
	for (size_t i = 0; i < b->nabsent; i++) {
		if (!exists_in(p->path, b->absent[i]) || has_name(b, b->absent[i]) || !stage_known_name(b->absent[i]))
			continue;
		report_file(ctx, arr, b->absent[i], "removed");
		changed++;
		if (!ctx->dry_run)
			stage_drop(st, b->absent[i]);
	}
	return changed;
}

/*
 * Every file of the backup that differs from the profile's, and every file
 * that did not exist when it was made, change in one journaled swap: a crash
 * leaves the files as they were or (rolled forward by the next run) as
 * restored, never a mixed set. Owner and mode are set on the staged copies
 * before the swap (stage_put).
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
	size_t changed, ncreated = 0;
	const char **created = NULL;
	int ret;

	if ((ret = restore_which(p, root, &id, err)) < 0)
		return ret;
	bdir = path_join(root, id);
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
	changed = restore_stage(ctx, p, bdir, &b, &st, arr, created, &ncreated);
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
