/* SPDX-License-Identifier: MPL-2.0 */
/*
 * store-check.h: read-only sanity checks of a store's files without NSS's
 * database layer: cert9.db/key4.db through SQLite (opened immutable, never
 * written) and the header of the legacy Berkeley DB 1.85 hash files
 * (cert8.db, key3.db, secmod.db).
 */
#ifndef MOZCERT_STORE_CHECK_H
#define MOZCERT_STORE_CHECK_H

#include <stdint.h>
#include <sys/types.h>
#include "error.h"

/* Longest problem text kept in a report. */
#define SQLSTORE_MSG_MAX 256

/* What SQLite makes of a cert9.db. */
struct sqlstore_cert_report {
	bool opened;              /* SQLite read it as a database at all */
	bool integrity_ok;        /* PRAGMA integrity_check said "ok" */
	bool schema_ok;           /* an nssPublic table with id and a0 */
	char problem[SQLSTORE_MSG_MAX]; /* the first problem, "" when none */
	size_t rows;              /* rows read */
	size_t certs;             /* CKO_CERTIFICATE rows */
	size_t distinct_certs;    /* ... counted once per DER */
	size_t trust;             /* CKO_NSS_TRUST rows */
	size_t trust_v32;         /* CKO_TRUST (PKCS #11 3.2, NSS >= 3.114) rows */
	size_t unreadable;        /* rows SQLite could not read (1 when the scan broke off) */
	char rows_problem[SQLSTORE_MSG_MAX]; /* why they could not be read, "" when they could */
	size_t bad_certs;         /* certificate rows whose CKA_VALUE is missing or does not decode */
	size_t orphan_trust;      /* trust rows that name no certificate of the file */
	/*
	 * CKO_NSS_TRUST rows that grant or deny something (not only "unknown" or
	 * "must verify"): object id and the first such trust attribute, for the
	 * MAC check.
	 */
	uint32_t *trust_ids;
	uint32_t *trust_attrs;
	size_t ntrust_ids;
};

/* What SQLite makes of a key4.db. */
struct sqlstore_key_report {
	bool opened;
	bool integrity_ok;
	bool schema_ok;           /* nssPrivate and metaData tables */
	char problem[SQLSTORE_MSG_MAX];
	bool has_password;        /* metaData has the 'password' row (else NSS says "needs user init") */
	size_t private_keys;      /* nssPrivate rows */
	size_t macs;              /* sig_* rows of metaData */
};

/*
 * Check cert9.db at path: integrity, schema, every row read, every
 * certificate row decodes as a certificate, every trust row names a
 * certificate of the file (CKO_NSS_TRUST by issuer and serial, CKO_TRUST by
 * SHA-256). Needs NSS initialised (certdb_nodb_init is enough) for decoding and
 * hashing. Returns 0 when the check ran, whatever it found (see r); MC_ENOENT
 * when the file is missing, MC_EFAIL when it cannot be read. Release r with
 * sqlstore_cert_report_release.
 */
int sqlstore_check_certdb(const char *path, struct sqlstore_cert_report *r, struct mc_error *err);
void sqlstore_cert_report_release(struct sqlstore_cert_report *r);

/* Check key4.db at path: integrity, schema, password record, counts. Same return rules. */
int sqlstore_check_keydb(const char *path, struct sqlstore_key_report *r, struct mc_error *err);

/*
 * Count the trust rows of cr (trust_ids) whose trust attribute has no MAC
 * row (sig_cert_<id>_<attr>) in the key database at keypath: NSS ignores
 * that trust (",,"). Only meaningful when the key DB has a password record.
 */
int sqlstore_missing_macs(const char *keypath, const struct sqlstore_cert_report *cr, size_t *missing,
			  struct mc_error *err);

/* Header of a legacy hash file (hash.h struct hashhdr), all fields big-endian. */
struct dbm_header_info {
	uint32_t bsize;           /* page size */
	uint32_t hdrpages;
	uint32_t max_bucket;
	uint32_t nkeys;
	uint64_t pages_needed;    /* pages up to the last bucket page */
	uint64_t pages_present;   /* whole pages in the file */
	off_t size;
};

/*
 * Structural sanity of a Berkeley DB 1.85 hash file (cert8.db, key3.db,
 * secmod.db): magic 0x061561, version 2, a sane page size, a file size that
 * is a whole number of pages and holds every bucket page. 0 when sound;
 * MC_EDAMAGED with err naming the damage; MC_ENOENT when missing; MC_EFAIL
 * when unreadable. info may be NULL.
 */
int sqlstore_dbm_header_check(const char *path, struct dbm_header_info *info, struct mc_error *err);

/* A file: URI for path opened read-only and immutable (percent-escaped); caller frees. */
char *sqlstore_ro_uri(const char *path);

#endif
