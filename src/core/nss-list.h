/* SPDX-License-Identifier: MPL-2.0 */
/* nss-list.h: the certificate rows of a healthy cert9.db in one SQLite read, for fast listing. */
#ifndef MOZCERT_NSS_LIST_H
#define MOZCERT_NSS_LIST_H

#include "error.h"

struct sqllist_row {
	unsigned char *der;      /* CKA_VALUE; owned */
	size_t der_len;
	char *label;             /* CKA_LABEL, NULL when empty; owned */
	bool has_trust;          /* a CKO_NSS_TRUST row has this certificate's issuer and serial */
};

struct sqllist {
	struct sqllist_row *v;
	size_t n, alloc;
	size_t trust_v32;        /* CKO_TRUST rows (NSS >= 3.114) */
	size_t private_keys;     /* rows of key4.db nssPrivate (certificates with keys show 'u') */
};

void sqllist_release(struct sqllist *l);

/*
 * Read every certificate row of cert9.db at dir, read-only, and note which
 * have an old-form trust object and how many private keys key4.db holds.
 * This is a listing shortcut, not a salvage reader: any SQLite error is
 * returned (MC_EFAIL) so the caller falls back to NSS.
 */
int sqllist_read(const char *dir, struct sqllist *out, struct mc_error *err);

/*
 * The number of distinct certificates NSS lists in cert9.db at dir (the same
 * certificate under two object ids counts once), from one read-only SQLite
 * statement: no NSS initialisation. A counting shortcut like sqllist_read:
 * MC_EFAIL (the caller asks NSS instead) on any SQLite error, a hot journal
 * beside cert9.db (only a rollback, which NSS makes on a copy, gives what it
 * reads), a value that is not one DER SEQUENCE, or two different
 * certificates of one issuer and serial.
 */
int sqllist_count(const char *dir, size_t *n, struct mc_error *err);

#endif
