/* SPDX-License-Identifier: MPL-2.0 */
/* fileio.h: bounded reads of input files and whole-file copies. */
#ifndef MOZCERT_FILEIO_H
#define MOZCERT_FILEIO_H

#include <sys/types.h>
#include "error.h"

/* Largest input file any parser is given (certificate packages, text files). */
#define FILEIO_MAX_INPUT (64u * 1024u * 1024u)

/*
 * Read a regular file whole into a NUL-terminated buffer (the NUL is not
 * counted in *len). Refuses directories and files above max bytes. On
 * success *out is the caller's to free; on failure *out and *len are untouched.
 */
int fileio_read(const char *path, size_t max, char **out, size_t *len, struct mc_error *err);

/* Write all of buf to fd, retrying short writes and EINTR. 0 or -1 with errno. */
int fileio_write_all(int fd, const void *buf, size_t len);

/*
 * Copy regular file src to a new file dst (which must not exist), with mode,
 * then fsync it. Refuses a symbolic link as src when nofollow.
 */
int fileio_copy(const char *src, const char *dst, mode_t mode, bool nofollow, struct mc_error *err);
/* The same, giving the new file owner uid and group gid ((uid_t)-1, (gid_t)-1: unchanged). */
int fileio_copy_owned(const char *src, const char *dst, mode_t mode, uid_t uid, gid_t gid, bool nofollow,
		      struct mc_error *err);

/* fsync a directory by path. */
int fileio_fsync_dir(const char *dir, struct mc_error *err);

/* True when path exists (without following a final symlink). */
bool fileio_exists(const char *path);

/*
 * What a store file (cert9.db, key4.db, cert8.db, key3.db) is when it is
 * plainly no database at all: a directory or other non-regular file, zero
 * bytes, a Git LFS pointer, an HTML page, or text. Returns a phrase to follow
 * the file's name ("is a Git LFS pointer (131 bytes), not a database"; the
 * caller frees), or NULL when the path is absent, unreadable or could be a
 * database, damaged or not: binary bytes are left to the readers that know
 * the formats.
 */
char *fileio_not_a_store(const char *path);

/*
 * Run as root on a user's profile (an administrator's fix), the files mozcert
 * creates in the profile itself (not its backups) must belong to the profile's
 * owner, or the application, run by that user, cannot rewrite them (a
 * root-owned .parentlock even stops it starting). fileio_dir_owner gives that
 * owner and group of directory dir, or -1/-1 when there is nothing to change
 * (not root, or dir is ours already); fileio_adopt_owner gives them to fd, a
 * file this process has just created.
 */
int fileio_adopt_owner(int fd, const char *dir, struct mc_error *err);
int fileio_dir_owner(const char *dir, uid_t *uid, gid_t *gid, struct mc_error *err);

/* $TMPDIR when set and not empty, else /tmp (borrowed). */
const char *fileio_tmpdir(void);

/*
 * A new private (0700) working directory BASE/mozcert-KIND-<pid>-XXXXXX; caller
 * frees the path. Directories of the same KIND left by processes that no
 * longer exist (a killed run) are removed first, so crashes do not pile up
 * copies of stores in /dev/shm or TMPDIR.
 */
char *fileio_private_dir(const char *base, const char *kind, struct mc_error *err);
/* Only that sweep: remove BASE/mozcert-KIND-<pid>-* of processes that no longer exist. */
void fileio_sweep_private_dirs(const char *base, const char *kind);

/* Remove a directory tree that we created (no symlink is followed). */
int fileio_remove_tree(const char *path);

/* True when a and b are regular files (not followed through a symlink) with the same bytes. */
bool fileio_same_content(const char *a, const char *b);

/* True when path names a regular file (symlinks followed). */
bool fileio_is_regular(const char *path);

#endif
