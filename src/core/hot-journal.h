/* SPDX-License-Identifier: MPL-2.0 */
/*
 * hot-journal.h: SQLite rollback journals that an application killed in the
 * middle of a transaction left beside cert9.db or key4.db ("hot journals").
 *
 * Such a journal holds the pages the transaction overwrote: the database file
 * alone is half-written, and the next SQLite open plays the journal back.
 * mozcert therefore never reads a store without its hot journal (it copies
 * both and lets SQLite roll the private copy back), and never puts a new
 * database beside an old journal (stage_commit moves the journal into the
 * backup as part of the swap).
 */
#ifndef MOZCERT_HOT_JOURNAL_H
#define MOZCERT_HOT_JOURNAL_H

#include <stdbool.h>
#include "error.h"

#define HOTJOURNAL_SUFFIX "-journal"

/*
 * True when db_path's rollback journal (db_path + "-journal") is hot, as
 * SQLite's unix VFS judges it: the journal is a regular file of non-zero
 * size whose first byte is not zero (a zeroed header is a finished
 * PERSIST-mode journal), the database is not empty, and no process holds
 * SQLite's RESERVED lock on the database (a live transaction's journal is
 * not hot).
 */
bool hotjournal_present(const char *db_path);

/*
 * Roll back the hot journal beside db_path through SQLite itself: open the
 * database read-write and read its schema, which makes SQLite play the
 * journal back and delete it. Only ever called on a private copy. 0 when no
 * journal remains; MC_EFAIL naming user_path (what the copy stands for)
 * otherwise.
 */
int hotjournal_rollback(const char *db_path, const char *user_path, struct mc_error *err);

/*
 * True when db_path's hot journal cannot be the journal of a transaction on
 * this file (a journal of an older copy, left when the file was replaced):
 * its image of page 1 carries a file change counter other than the file's
 * or the file's less one (SQLite bumps it once per transaction), or, with no
 * page 1 image (the transaction did not reach page 1, so the file's header
 * is still as it was), a database size other than the file's header says.
 * Rolling such a journal back writes old pages over newer ones and cuts the
 * file to its old size. *why (caller frees) says what differs.
 */
bool hotjournal_stale(const char *db_path, char **why);

/*
 * True when the database at path passes SQLite's PRAGMA integrity_check
 * (opened immutable: no journal is played back, nothing is written). A
 * rollback whose result fails it while the file as it was passes played a
 * journal that was not this file's.
 */
bool hotjournal_file_sound(const char *path);

/*
 * Copy src_dir/name's hot journal beside copy_dir/name (already a copy of
 * the database) and roll the copy back. 1 when a journal was rolled back, 0
 * when there was none, a negative mc_code on failure (nothing of src_dir is
 * changed either way).
 */
int hotjournal_carry(const char *src_dir, const char *copy_dir, const char *name, struct mc_error *err);

#endif
