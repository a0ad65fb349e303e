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
#include "salvage.h"

/* Keep only the trust bits that have a letter, less 'u'. */
void salvage_mask_trust(CERTCertTrust *t);

/* salvage_add, and count_reject false: a candidate NSS cannot decode is not counted (carving). */
int salvage_add_cert(struct salvage *s, const unsigned char *der, size_t len, const char *nickname,
		     const CERTCertTrust *trust, enum salvage_source src, bool count_reject);

/* A big-endian 16-bit word (cert8 records). */
static inline unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

#endif
