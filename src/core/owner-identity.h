/* SPDX-License-Identifier: MPL-2.0 */
/*
 * owner-identity.h: acting on another user's profile with that user's file-system
 * identity. When root runs mozcert on a profile owned by someone else, every
 * file operation on it runs with the owner's fsuid, fsgid and groups, so the
 * owner's permissions, not root's, bound what is read and written: a user.js
 * symlinked to a root-only file cannot be read, and every file and directory
 * mozcert creates there (backups, the journal, the lock files) is the owner's.
 */
#ifndef MOZCERT_OWNER_IDENTITY_H
#define MOZCERT_OWNER_IDENTITY_H

#include <stdbool.h>
#include <sys/types.h>
#include "error.h"

struct fs_identity {
	bool switched;
	gid_t *groups;   /* the caller's supplementary groups, restored on leave */
	int ngroups;
};

/*
 * When the process runs as root and dir is owned by another user, switch to
 * that user's file-system identity (its passwd entry's primary group and
 * groups; the directory's group when the user has no entry). 0 when switched
 * or when nothing needed switching; MC_EFAIL when the switch failed (nothing
 * is then switched).
 */
int fs_identity_enter(const char *dir, struct fs_identity *saved, struct mc_error *err);
/* Back to the caller's identity; a struct that was not switched is fine. */
void fs_identity_leave(struct fs_identity *saved);

/* The uid and gid file operations now run with (the caller's effective ones unless switched). */
uid_t fs_uid(void);
gid_t fs_gid(void);

#endif
