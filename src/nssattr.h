/* SPDX-License-Identifier: MPL-2.0 */
/*
 * nssattr.h: attribute values as softoken stores them in cert9.db rows
 * (nss.md 2.1). A CK_ULONG (an object class, a trust value) is 4 bytes
 * big-endian (sftk_ULong2SDBULong); 8 big-endian bytes are tolerated.
 * The CKO_, CKA_ and CKT_ names come from NSS's own pkcs11t.h/pkcs11n.h.
 */
#ifndef MOZCERT_NSSATTR_H
#define MOZCERT_NSSATTR_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include <pkcs11t.h>
#include <pkcs11n.h>

/* Column col of the current row as a CK_ULONG; false when it is not one. */
static inline bool
nssattr_ulong(sqlite3_stmt *st, int col, uint32_t *out)
{
	const unsigned char *p = sqlite3_column_blob(st, col);  /* blob first, then its length */
	int n = sqlite3_column_bytes(st, col);

	if (!p || (n != 4 && n != 8))
		return false;
	p += n - 4;
	*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

/* True when column col holds the CK_ULONG want. */
static inline bool
nssattr_is(sqlite3_stmt *st, int col, uint32_t want)
{
	uint32_t v;

	return nssattr_ulong(st, col, &v) && v == want;
}

#endif
