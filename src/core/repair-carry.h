/* SPDX-License-Identifier: MPL-2.0 */
/*
 * repair-carry.h: the objects of a cert9.db other than certificates and trust (public
 * keys, S/MIME records, CRLs), carried row by row from a damaged store into the
 * one db repair rebuilt, so a repair does not silently drop them.
 */
#ifndef MOZCERT_REPAIR_CARRY_H
#define MOZCERT_REPAIR_CARRY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum carry_kind { CARRY_PUBLIC_KEY, CARRY_SMIME, CARRY_CRL, N_CARRY };

struct carry_report {
	size_t carried[N_CARRY];  /* rows now in the new store */
	size_t clashed[N_CARRY];  /* rows whose object id the new store already uses: left out */
	size_t left_out;          /* public keys left out (public_keys false) */
	size_t unread;            /* rows SQLite could not read past (a damaged page): left out */
	bool readable;            /* the old store's table could be read at all */
};

/* "public key", "S/MIME record", "CRL" */
const char *carry_kind_name(enum carry_kind k);

/*
 * Copy every row of old_db's nssPublic whose class is a carry_kind into
 * new_db's nssPublic, with its object id (the key database's signatures of
 * public-key attributes are filed under it) and every attribute column
 * (columns the new table lacks are added). public_keys false leaves the public
 * keys out (the key database was not kept: their private keys are gone). The
 * old store is only read. All rows go in one transaction, counted back by
 * class before it commits. Returns 0 (see r) or a negative mc_code when new_db
 * cannot be written; an unreadable old store is not an error (r->readable).
 */
int carry_objects(const char *old_db, const char *new_db, bool public_keys, struct carry_report *r,
		  struct mc_error *err);

#endif
