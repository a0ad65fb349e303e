/* SPDX-License-Identifier: MPL-2.0 */
/* atomic-write.h: the one safe-write path: backups, write beside + fsync + rename. */
#ifndef MOZCERT_ATOMIC_WRITE_H
#define MOZCERT_ATOMIC_WRITE_H

#include <sys/types.h>
#include "error.h"

#define BACKUP_DIRNAME "mozcert-backups"
#define TEMP_MARK ".mozcert-"

/* A backup directory <profile>/mozcert-backups/<id>, created on first use. */
struct backup {
	char *profile_dir; /* owned */
	char *path;        /* owned; NULL until created */
	char *id;          /* owned; NULL until created */
	const char *reason;/* borrowed; recorded in the backup's README line */
	bool used;         /* a change it backs up took place (or was decided): the backup is kept */
};

void backup_init(struct backup *b, const char *profile_dir, const char *reason);
/*
 * Release b. A backup created for a change that then did not take place
 * (used is false: the command failed or found nothing to change) is removed,
 * so a failed command leaves no new backup for 'db restore latest' to pick.
 */
void backup_release(struct backup *b);
/*
 * Preserve profile_dir/name in the backup (a hard link when the file is about
 * to be replaced by rename, else a copy). Creates the backup directory (0700)
 * under a new, never reused id on first call. A missing file is skipped.
 */
int backup_add(struct backup *b, const char *name, bool copy, struct mc_error *err);
/*
 * Record in the backup (created if need be) that the profile files names[0..n)
 * did not exist, so restoring it removes them: written before the change that
 * creates them, so a run killed after that change leaves a whole backup.
 */
#define BACKUP_ABSENT_NAME "ABSENT"
int backup_note_absent(struct backup *b, const char *const *names, size_t n, struct mc_error *err);

enum atomic_flags {
	ATOMIC_BACKUP = 1 << 0,  /* keep the old file in the backup */
};

/*
 * Replace dir/name with buf atomically: refuses a symbolic link, writes
 * .name.mozcert-XXXXXX beside it, keeps mode and owner (0600 for a new
 * file), fsyncs, renames, fsyncs the directory. Returns 1 when the file
 * changed, 0 when its content was already buf (nothing is written), or a
 * negative mc_code.
 */
int atomic_replace(const char *dir, const char *name, const void *buf, size_t len,
		   unsigned flags, struct backup *backup, struct mc_error *err);

/*
 * Create a new temporary file beside dir/name (".name.mozcert-XXXXXX"); on
 * success *tmpname (caller frees) and the open fd are returned.
 */
int atomic_tempfile(const char *dir, const char *name, char **tmpname, struct mc_error *err);

#endif
