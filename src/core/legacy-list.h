/* SPDX-License-Identifier: MPL-2.0 */
/*
 * legacy-list.h: a cert8.db listed through NSS in a child process, also when
 * NSS opens it but cannot close it (docs/nss-internals.md 2.3: objects made of
 * damaged records stay in use, NSS's shutdown fails with SEC_ERROR_BUSY and
 * this process's NSS would stay busy for every later store). Never prints.
 */
#ifndef MOZCERT_LEGACY_LIST_H
#define MOZCERT_LEGACY_LIST_H

#include <stdbool.h>
#include "nssdb.h"

struct legacy_listing {
	struct cert_info *v;  /* what NSS listed, every field filled */
	size_t n;
	bool busy;            /* NSS listed the store but could not close it */
	size_t records;       /* busy: certificates the hash-record reader finds in cert8.db */
	char *busy_msg;       /* busy: what NSS's close said, naming the profile's file; owned */
};

/*
 * List the cert8.db of dir (shown in messages as shown; flags as for
 * certdb_open, CERTDB_PRIVATE_COPY say). NSS must not be
 * initialised in this process (the child would inherit it). 0 on success,
 * busy or not; the error of NSS's open or listing otherwise.
 */
int legacy_list(const char *dir, const char *shown, unsigned flags, const char *password,
		struct legacy_listing *out, struct mc_error *err);
void legacy_listing_release(struct legacy_listing *l);

#endif
