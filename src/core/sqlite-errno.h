/* SPDX-License-Identifier: MPL-2.0 */
/* sqlite-errno.h: remember the file and errno of the last I/O failure inside SQLite (NSS's cert9.db/key4.db). */
#ifndef MOZCERT_SQLITE_ERRNO_H
#define MOZCERT_SQLITE_ERRNO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * NSS reports a failed write of its SQLite store as a bare SEC_ERROR_... code:
 * the file and the errno are lost inside softokn. NSS's softokn and mozcert
 * share the process's libsqlite3, so a default VFS that wraps SQLite's own
 * records each I/O failure (open, read, write, truncate, sync, file size) with
 * its path and errno. Idempotent; call before NSS opens a store.
 */
void sqlio_watch_install(void);

/* Forget the recorded failure. */
void sqlio_clear(void);

/*
 * The failure recorded since the last sqlio_clear ("cannot write 'PATH':
 * strerror") in buf, and its errno; 0 (buf empty) when none. Clears it.
 */
int sqlio_take_failure(char *buf, size_t size);

#endif
