/* SPDX-License-Identifier: MPL-2.0 */
/*
 * salvage-internal.h: what salvage.c (the list of certificates) shares with
 * its readers salvage-sql.c, salvage-dbm.c and salvage-carve.c. Not for
 * other modules: they use salvage.h.
 */
#ifndef MOZCERT_SALVAGE_INTERNAL_H
#define MOZCERT_SALVAGE_INTERNAL_H

#include <stdbool.h>
#include <certt.h>
#include <sqlite3.h>
#include "salvage.h"

/* Keep only the trust bits that have a letter, less 'u'. */
void salvage_mask_trust(CERTCertTrust *t);

/* salvage_add, and count_reject false: a candidate NSS cannot decode is not counted (carving). */
int salvage_add_cert(struct salvage *s, const unsigned char *der, size_t len, const char *nickname,
		     const CERTCertTrust *trust, enum salvage_source src, bool count_reject);

/*
 * An in-memory, read-only SQLite database over a private copy of buf; with
 * fix_header, a destroyed 100-byte header is rebuilt on the copy and a
 * truncated file's page count corrected. 0 and *out, or -1 and *why
 * (caller frees).
 */
int salvage_sqlite_open(const unsigned char *buf, size_t len, bool fix_header, sqlite3 **out, char **why);

/* A big-endian 16-bit word (cert8 records). */
static inline unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

#endif
