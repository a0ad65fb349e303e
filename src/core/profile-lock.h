/* SPDX-License-Identifier: MPL-2.0 */
/* profile-lock.h: the profile lock that Firefox, Thunderbird and SeaMonkey take (.parentlock, lock symlink). */
#ifndef MOZCERT_PROFILE_LOCK_H
#define MOZCERT_PROFILE_LOCK_H

#include <stdbool.h>
#include "error.h"

/*
 * fd is -1 when nothing is open; held is true when we own the fcntl write lock
 * on .parentlock. own_fd/own_held are mozcert's own lock (MOZCERT_LOCK_NAME),
 * which every writing run holds, --force or not.
 */
struct profile_lock {
	int fd;
	bool held;
	int own_fd;
	bool own_held;
};

/* mozcert's own lock file in the profile: two mozcert processes never write one profile at once. */
#define MOZCERT_LOCK_NAME ".mozcert-lock"
/* Seconds a writer waits for another mozcert's lock (environment MOZCERT_LOCK_WAIT overrides). */
#define MOZCERT_LOCK_WAIT_DEFAULT 30

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

/*
 * Before the application's lock, profile_lock_acquire takes mozcert's own:
 * an exclusive lock on dir/.mozcert-lock (created 0644 and given to the
 * profile's owner, never through a symlink), held until release whatever
 * --force says, so a second mozcert on the same profile waits up to
 * MOZCERT_LOCK_WAIT seconds (default 30; 0 means do not wait) and then
 * fails with MC_EINUSE naming the other mozcert's PID, which the holder
 * writes into the file. profile_lock_try is the same without waiting and
 * without force: 0 with held=false when either lock is taken by someone else.
 */
int profile_lock_try(const char *dir, struct profile_lock *lk, struct mc_error *err);

/* Non-creating probe: true when another mozcert process holds dir/.mozcert-lock. */
bool mozcert_lock_busy(const char *dir);

#endif
