/* SPDX-License-Identifier: MPL-2.0 */
/* nssdb.h: the only module that opens NSS certificate stores. */
#ifndef MOZCERT_NSSDB_H
#define MOZCERT_NSSDB_H

#include <prtime.h>
#include "error.h"
#include "trust.h"

enum certdb_kind {
	CERTDB_SQL,  /* cert9.db + key4.db */
	CERTDB_DBM,  /* cert8.db + key3.db (legacy) */
};

enum certdb_flags {
	CERTDB_RDWR = 1 << 0,      /* open read-write (only ever on a staging copy) */
	CERTDB_PRIVATE_COPY = 1 << 1, /* read from a private copy of the store files */
	CERTDB_LIST_UNCLOSED = 1 << 2, /* certdb_list_apart: a listing stands even when NSS cannot close the store */
};

struct certdb;

/*
 * Open the store of dir. NSS is process-global: one certdb at a time. A
 * read-only open reads a private copy when the store's key database is
 * missing (NSS refuses a lone cert DB) or when legacy files sit beside a
 * cert9.db (NSS would silently fall back to them), so the profile is never
 * changed. password may be NULL. Caller closes with certdb_close.
 */
int certdb_open(const char *dir, enum certdb_kind kind, unsigned flags,
		const char *password, struct certdb **out, struct mc_error *err);

/*
 * certdb_open of dir, a private copy (a staging directory) standing for the
 * store of shown (the profile): every message of db names shown's files,
 * never the copy.
 */
int certdb_open_as(const char *dir, const char *shown, enum certdb_kind kind, unsigned flags,
		   const char *password, struct certdb **out, struct mc_error *err);

/*
 * Release every NSS object and shut NSS down; fails (MC_EFAIL) when NSS
 * reports objects still in use. NULL is accepted.
 */
int certdb_close(struct certdb *db, struct mc_error *err);

/* One certificate as the application will see it. */
struct cert_info {
	char *nickname;           /* may be NULL */
	char trust[TRUST_STR_MAX];/* certutil form; the CKO_TRUST form wins where present */
	bool trust_v32;           /* trust came from a PKCS#11 3.2 CKO_TRUST object */
	bool is_ca;
	char *subject;            /* RFC 4514-ish string from NSS */
	char *issuer;
	char *serial_hex;
	PRTime not_before, not_after;
	unsigned char sha256[32];
	char sha256_hex[96];      /* AA:BB:... */
	unsigned char *der;
	size_t der_len;
};

void cert_info_release(struct cert_info *ci);
void cert_info_array_free(struct cert_info *v, size_t n);

/* Every certificate of the store, in NSS's order. *out caller frees with cert_info_array_free. */
int certdb_list(struct certdb *db, struct cert_info **out, size_t *n, struct mc_error *err);

/*
 * Whether the store holds the certificate der[0..len), and then its trust as
 * certdb_list reports it (certutil form). One lookup: what a change verifies
 * costs the certificates it changed, not the whole store.
 */
bool certdb_trust_of(struct certdb *db, const unsigned char *der, size_t len, char trust[TRUST_STR_MAX]);

/*
 * Open the store and list it in a child process (certdb_open_as, certdb_list,
 * certdb_close there): NSS may read a damaged cert8.db and then be unable to
 * let go of it, and that state must not stay in this process. Each entry has
 * nickname, trust, DER and SHA-256 (the other fields are empty). The child's
 * error, closing included, is returned as it gave it.
 */
int certdb_list_apart(const char *dir, const char *shown, enum certdb_kind kind, unsigned flags, const char *password,
		      struct cert_info **out, size_t *n, struct mc_error *err);

/*
 * Find a certificate by SHA-256 (hex, colons optional, unique prefix of at
 * least 8 hex digits) or by nickname. A nickname naming several certificates
 * is MC_EUSAGE listing their fingerprints; so is a key of 1 to 7 hex digits
 * (colons aside) that no nickname matches: a prefix too short. Nothing found
 * is MC_ENOENT.
 */
int certdb_find(struct certdb *db, const char *key, struct cert_info *out, struct mc_error *err);

enum import_status {
	IMPORT_ADDED,
	IMPORT_UNCHANGED,
	IMPORT_TRUST_CHANGED,
};

struct import_result {
	enum import_status status;
	char *nickname;             /* owned */
	char trust[TRUST_STR_MAX];  /* trust after the import */
	char old_trust[TRUST_STR_MAX];
	unsigned char sha256[32];
	char sha256_hex[96];
	char *subject;              /* owned */
};

void import_result_release(struct import_result *r);

/*
 * Import one DER certificate. trust NULL means "keep what is there, ,, for a
 * new certificate". A certificate already present is unchanged unless trust
 * asks for different trust. Nickname: CERT_MakeCANickname (what Firefox's
 * importer uses), unique against other subjects.
 */
int certdb_import(struct certdb *db, const unsigned char *der, size_t len,
		  const CERTCertTrust *trust, struct import_result *res, struct mc_error *err);

/* Set trust of a certificate found by certdb_find's key; *changed tells whether it differed. */
int certdb_set_trust(struct certdb *db, const char *key, const CERTCertTrust *trust,
		     struct import_result *res, struct mc_error *err);

/* Delete a certificate (and its trust in both encodings). */
int certdb_remove(struct certdb *db, const char *key, struct import_result *res, struct mc_error *err);

/* Decode a DER certificate without any database (NSS must be initialised); NULL when it does not parse. */
CERTCertificate *certdb_decode(const unsigned char *der, size_t len);

/* What every listing reads off a certificate: is_ca, subject, issuer, serial_hex, not_before/not_after. */
void certdb_describe(CERTCertificate *cert, struct cert_info *ci);

/*
 * Load a PKCS#11 module of built-in roots (libnssckbi) beside the store for
 * the life of db, without recording it in the store's module list.
 */
int certdb_load_roots(struct certdb *db, const char *library, struct mc_error *err);

/* Number of certificates, for profile summaries. */
int certdb_count(struct certdb *db, size_t *n, struct mc_error *err);

/* Parse a SHA-256 given as hex with or without colons; true when it is 64 hex digits. */
bool certdb_parse_sha256(const char *s, unsigned char out[32]);

/* ---- appended for db upgrade ---- */

/* What certdb_merge did. */
struct certdb_merge_report {
	size_t failed;            /* objects NSS could not merge (PK11MergeLog) */
	int first_error;          /* NSS error code of the first of them */
	bool source_had_password; /* the source needed a login */
	bool password_adopted;    /* the target took over the source's password */
};

/*
 * Merge every object of the store in source_dir (certificates, trust, private
 * keys, CRLs, S/MIME records) into db, which must be open read-write, as
 * certutil --merge does (SECMOD_OpenUserDB + PK11_MergeTokens): on a conflict
 * the target keeps its nickname and trust is merged toward the stricter value
 * (docs/nss-internals.md 3.1). source_dir must be a private copy: it is opened read-write
 * (a lone cert DB gets an empty key DB); messages name source_shown (the
 * profile it stands for; NULL: source_dir). The source is logged into with the
 * password given to certdb_open. With adopt_password, a target without a
 * password takes that password when the source had one (as NSS's own
 * migration does). Objects that fail are counted in rep; that is an error
 * (MC_EFAIL) naming the first.
 */
int certdb_merge(struct certdb *db, const char *source_dir, const char *source_shown, enum certdb_kind source_kind,
		 bool adopt_password, struct certdb_merge_report *rep, struct mc_error *err);

/* ---- appended for db repair / db reset ---- */

/*
 * Create (or complete) a store in dir read-write: a missing cert or key
 * database is created, a key database without a password record gets an
 * empty one (as Firefox does), and a legacy key3.db beside an sql: store is
 * migrated into key4.db by NSS (logging in with password when it has one).
 * Only for a private staging directory.
 */
int certdb_create(const char *dir, enum certdb_kind kind, const char *password, struct mc_error *err);
/* certdb_create in a staging directory standing for the store of shown: messages name shown. */
int certdb_create_as(const char *dir, const char *shown, enum certdb_kind kind, const char *password,
		     struct mc_error *err);

/*
 * certdb_import, but a new certificate keeps nickname (NULL: derived as
 * certdb_import does) unless another subject already uses it.
 */
int certdb_import_nick(struct certdb *db, const unsigned char *der, size_t len, const char *nickname,
		       const CERTCertTrust *trust, struct import_result *res, struct mc_error *err);

/* ---- appended for live servers (tlsfetch) ---- */

/*
 * A session of NSS without any store, for decoding certificates and a TLS
 * client: the only way code outside nssdb.c starts NSS. Refused while a
 * store is open or another such session is up (NSS would not initialise
 * again, and the first shutdown would end both); certdb_open and
 * certdb_create are refused during one. Close with certdb_nodb_shutdown,
 * which also drops TLS session caches so that NSS can shut down.
 */
int certdb_nodb_init(struct mc_error *err);
int certdb_nodb_shutdown(struct mc_error *err);

/* Whether NSS is up in this process (a store open, a no-store session): then it must not fork. */
bool certdb_nss_busy(void);

#endif
