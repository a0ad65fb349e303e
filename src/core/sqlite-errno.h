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

/*
 * A directory whose databases this process alone opens (a staging copy,
 * stage.h), or NULL to end it. NSS opens a new SQLite connection for every
 * object it writes: each parses the store's schema (some 120 columns) again,
 * drops the page cache of NSS's read connection when it commits, and every
 * statement takes and drops the file lock and looks for a hot journal. Until
 * the next call, connections opened to files of dir share one cache and
 * schema (SQLite's shared-cache mode, switched on for the process meanwhile)
 * and keep one exclusive lock per file for their whole life, without syncs:
 * together 30% off a fleet import (docs/nss-internals.md, 4). Files
 * elsewhere (the profile's own store, read beside) keep SQLite's defaults.
 */
void sqlio_private_dir(const char *dir);

/* Forget the recorded failure. */
void sqlio_clear(void);

/*
 * The failure recorded since the last sqlio_clear ("cannot write 'PATH':
 * strerror") in buf, and its errno; 0 (buf empty) when none. Clears it.
 */
int sqlio_take_failure(char *buf, size_t size);

#endif
