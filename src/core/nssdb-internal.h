/* SPDX-License-Identifier: MPL-2.0 */
/* nssdb-internal.h: the open store as nssdb.c (open, close, read) and nssdb-edit.c (changes) share it. Not for other modules. */
#ifndef MOZCERT_NSSDB_INTERNAL_H
#define MOZCERT_NSSDB_INTERNAL_H

#include <stdbool.h>
#include <pk11pub.h>
#include <cert.h>
#include "nssdb.h"
#include "util.h"

struct v32_trust {
	unsigned char hash[32];
	unsigned long server, client, code, email;
	PK11GenericObject *obj;  /* borrowed from certdb.v32_objects */
	bool gone;
};

struct certdb {
	char *dir;
	char *shown;             /* the user's directory dir stands for (a staging copy's profile): messages name it */
	char *copy_dir;          /* private copy we opened instead of dir; removed on close */
	enum certdb_kind kind;
	bool readwrite;
	PK11SlotInfo *slot;
	CERTCertDBHandle *handle;
	PK11GenericObject *v32_objects;
	struct v32_trust *v32;
	size_t n_v32;
	SECMODModule *roots;     /* certdb_load_roots */
};

DEFINE_TRIVIAL_CLEANUP_FUNC(CERTCertificate *, CERT_DestroyCertificate)

/* The Primary Password given to certdb_open (kept for the session), or NULL. */
const char *nssdb_password(void);

/* The CKO_TRUST object of PKCS#11 3.2 for this certificate hash, or NULL. */
struct v32_trust *nssdb_find_v32(struct certdb *db, const unsigned char hash[32]);

/*
 * NSS ignores some failures of its store: deleting a certificate whose trust
 * object cannot be deleted "succeeds". A failure SQLite recorded during an
 * operation NSS reported as done fails the operation here, with its file and
 * errno. Call sqlio_clear() right before the operation.
 */
int nssdb_io_unreported(struct mc_error *err, const char *what, const char *name);

void nssdb_sha256_of(const CERTCertificate *cert, unsigned char out[32]);

/* The trust the application's NSS acts on: a CKO_TRUST object wins over the old form. */
bool nssdb_effective_trust(struct certdb *db, CERTCertificate *cert, const unsigned char hash[32], CERTCertTrust *out);

#endif
