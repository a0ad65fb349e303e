/* SPDX-License-Identifier: MPL-2.0 */
/*
 * nss-attr.h: CK_ULONG attribute values (an object class, a trust value) as
 * softoken hands them: 4 bytes big-endian, the form it stores in cert9.db
 * and converts (sftk_ULong2SDBULong, docs/nss-internals.md 1.1); a value of any other
 * length it passes through unconverted, so one of sizeof(CK_ULONG) bytes is
 * read as NSS reads it, native. The CKO_, CKA_ and CKT_ names come from
 * NSS's own pkcs11t.h/pkcs11n.h.
 */
#ifndef MOZCERT_NSS_ATTR_H
#define MOZCERT_NSS_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sqlite3.h>
#include <pkcs11t.h>
#include <pkcs11n.h>

static inline bool
nssattr_ulong_bytes(const unsigned char *p, size_t n, unsigned long *out)
{
	if (!p)
		return false;
	if (n == 4) {
		*out = (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
		return true;
	}
	if (n == sizeof(*out)) {
		memcpy(out, p, sizeof(*out));
		return true;
	}
	return false;
}

/* Column col of the current row as a CK_ULONG; false when it is not one. */
static inline bool
nssattr_ulong(sqlite3_stmt *st, int col, unsigned long *out)
{
	const unsigned char *p = sqlite3_column_blob(st, col);  /* blob first, then its length */
	int n = sqlite3_column_bytes(st, col);

	return n > 0 && nssattr_ulong_bytes(p, (size_t)n, out);
}

/* True when column col holds the CK_ULONG want. */
static inline bool
nssattr_is(sqlite3_stmt *st, int col, unsigned long want)
{
	unsigned long v;

	return nssattr_ulong(st, col, &v) && v == want;
}

#endif
