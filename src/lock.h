/* SPDX-License-Identifier: MPL-2.0 */
/* lock.h: the profile lock that Firefox, Thunderbird and SeaMonkey take (.parentlock, lock symlink). */
#ifndef MOZCERT_LOCK_H
#define MOZCERT_LOCK_H

#include <stdbool.h>
#include "error.h"

/* fd is -1 when nothing is open; held is true when we own the fcntl write lock. */
struct profile_lock {
	int fd;
	bool held;
};

/*
 * Non-creating probe: true when another process holds the fcntl write lock
 * on dir/.parentlock (F_GETLK), or the 'lock' symlink names a live local PID
 * without '+' or a foreign host (the NFS fallback, docs/formats.md 4.2). A missing
 * .parentlock (and no such symlink) means not in use; so does a lock this
 * process took with profile_lock_acquire.
 */
bool profile_in_use(const char *dir);

/*
 * Take the lock for a writing command: open dir/.parentlock (created 0644
 * when missing, never truncated, never through a symlink) and take a
 * whole-file write lock without waiting. The lock is an open-file-description
 * lock where the kernel has them, so other opens and closes of the file in
 * this process do not drop it; it conflicts with the application's POSIX
 * lock either way. Held by another process, or the NFS 'lock' symlink says
 * the profile is in use: MC_EINUSE "profile '%s' is in use by the application
 * (close it, or use --force)". With force that is not an error: 0 with
 * held=false. A file system without locks gives held=false too. *lk is
 * always initialised (fd -1, held false unless the lock is ours); release it
 * with profile_lock_release, which may be called more than once and closes
 * nothing unless held (so a zero-initialised struct is safe). Not
 * thread-safe: the locks held are remembered in a small process table.
 */
int profile_lock_acquire(const char *dir, bool force, struct profile_lock *lk, struct mc_error *err);
void profile_lock_release(struct profile_lock *lk);

#endif
