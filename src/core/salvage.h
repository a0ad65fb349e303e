/* SPDX-License-Identifier: MPL-2.0 */
/*
 * salvage.h: reading certificates and trust out of damaged stores without
 * NSS's database code: cert9.db rows through SQLite, cert8.db hash-file
 * records, and DER carving over raw bytes. Pure: buffers in, a list out.
 * NSS must be initialised (certdb_nodb_init or a store) before any
 * function here runs: every DER found is checked by NSS's decoder.
 */
#ifndef MOZCERT_SALVAGE_H
#define MOZCERT_SALVAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <certt.h>
#include "error.h"

/* Where a certificate (or its trust) was read from, best first. */
enum salvage_source {
	SALVAGE_NSS,     /* NSS opened the store read-only */
	SALVAGE_SQL,     /* a cert9.db row read through SQLite */
	SALVAGE_DBM,     /* a cert8.db record reached through the hash buckets */
	SALVAGE_CARVED,  /* found by carving raw bytes */
};

/* "nss", "sqlite", "cert8-record", "carved". */
const char *salvage_source_name(enum salvage_source s);

/* The trust row a certificate's trust came from (cert9.db): what key4.db's MACs name it by. */
struct salvage_trust_row {
	bool id_known;           /* the object id was read */
	uint32_t id;             /* nssPublic.id */
	bool v32;                /* a PKCS#11 3.2 CKO_TRUST row (else CKO_NSS_TRUST) */
};

struct salvaged_cert {
	unsigned char *der;      /* one complete DER certificate, decoded by NSS; owned */
	size_t der_len;
	unsigned char sha256[32];/* of der */
	char *nickname;          /* owned; NULL when none was found */
	CERTCertTrust trust;     /* letter bits only (no MUST_VERIFY/TRUSTED_UNKNOWN, no u) */
	bool has_trust;          /* a trust record was found for it */
	bool is_ca;              /* basic constraints say CA (or a v1 self-signed root) */
	bool has_key;            /* NSS showed a private key for it ('u') */
	enum salvage_source source;
	enum salvage_source trust_source;
	struct salvage_trust_row trust_row; /* trust_source SALVAGE_SQL: the row */
};

/* A trust row whose certificate was not found among the rows: linked by hash once carving has run. */
struct salvage_orphan {
	CERTCertTrust trust;
	unsigned char hash[32];
	size_t hash_len;         /* 32: SHA-256 (CKO_TRUST), 20: SHA-1 (CKO_NSS_TRUST) */
	bool v32;
	struct salvage_trust_row row;
};

/* What one or more readers found. Initialise with salvage_init. */
struct salvage {
	struct salvaged_cert *v;
	size_t n, alloc;
	size_t units_read;       /* rows or records read */
	size_t units_bad;        /* rows, records or pages skipped because they could not be read */
	size_t rejected;         /* candidate certificates NSS could not decode */
	size_t trust_orphans;    /* trust objects or records whose certificate was not found */
	struct salvage_orphan *orphans; /* those of them with a hash, until salvage_link_orphans */
	size_t norphans;
	bool damaged;            /* a reader met damage (then carving is worth running) */
	bool tail_lost;          /* the end of the table or file could not be read (truncation) */
	size_t pages_lost;       /* pages of the cert9.db table past the end of the file (0: unknown or none) */
	size_t records_missing;  /* cert8.db records its header counts that no bucket holds (zeroed pages) */
};

void salvage_init(struct salvage *s);
void salvage_release(struct salvage *s);

/*
 * Add a certificate after checking with NSS that der is exactly one DER
 * certificate. A certificate already in the list (same DER) is merged: the
 * first source wins, but trust and nickname fill in where the first had
 * none. trust may be NULL (none known). Returns 1 added, 0 merged, -1
 * rejected (counted in s->rejected).
 */
int salvage_add(struct salvage *s, const unsigned char *der, size_t len, const char *nickname,
		const CERTCertTrust *trust, enum salvage_source src);

/* Index of the certificate with this DER, or -1. */
ssize_t salvage_find(const struct salvage *s, const unsigned char *der, size_t len);

/*
 * (a) cert9.db: read an in-memory copy of the file through SQLite, read-only,
 * row by row by rowid, skipping rows that raise errors; certificate rows
 * (CKO_CERTIFICATE) and trust rows of both classes (CKO_NSS_TRUST, linked by
 * issuer and serial or SHA-1; CKO_TRUST of PKCS#11 3.2, linked by SHA-256).
 * A destroyed 100-byte header is rebuilt on a private copy first. When
 * SQLite cannot read the table at all: MC_EDAMAGED with s->damaged set.
 */
int salvage_sql(const unsigned char *buf, size_t len, struct salvage *s, struct mc_error *err);

/*
 * (b) cert8.db: the Berkeley DB 1.85 hash file (docs/nss-internals.md 2.1-2.2): header,
 * bucket pages in lorder, overflow chains; type-1 certificate records with
 * their trust flags and nickname. Damaged pages are counted and skipped.
 * MC_EDAMAGED when the header is unusable.
 */
int salvage_dbm(const unsigned char *buf, size_t len, struct salvage *s, struct mc_error *err);

/*
 * Attach the trust rows whose certificate the rows did not hold to the
 * certificates found since (carved) by their hash. Those still without a
 * certificate stay in s->orphans (their trust and hash name them) and are
 * counted in s->trust_orphans. NSS must be initialised.
 */
void salvage_link_orphans(struct salvage *s);

/*
 * One certificate found twice (one issuer and serial, other bytes), a copy
 * damaged where its lengths survived, so that it still decodes (a cert8.db
 * keeps stale copies of records on split pages; a damaged page may hold the
 * copy its record points to): NSS keeps one per issuer and serial and would
 * refuse whichever came second. Drop the copies whose signature does not
 * verify when another copy's does (with the key of a listed certificate
 * whose subject is the issuer, itself when self-signed); trust, nickname
 * and key the kept copy lacks come from them. Returns how many were dropped.
 * NSS must be initialised.
 */
size_t salvage_drop_damaged_twins(struct salvage *s);

/*
 * Order the certificates by SHA-256: the new store is built in an order
 * that depends on the bytes alone, not on the order NSS listed them in.
 */
void salvage_sort(struct salvage *s);

/*
 * (c) Carve every DER certificate (30 82 LL LL, 30 81 LL) out of raw bytes;
 * one preceded by a cert8 record header gets that record's trust flags and
 * nickname. Returns the number of certificates added (new ones only).
 */
size_t salvage_carve(const unsigned char *buf, size_t len, struct salvage *s);

/*
 * Integrity of an SQLite file (key4.db) held in memory: 1 when SQLite reads
 * it and PRAGMA quick_check says ok, 0 when damaged (*why set, caller frees).
 */
int salvage_sqlite_ok(const unsigned char *buf, size_t len, char **why);

/*
 * Structure of a Berkeley DB hash file (key3.db) held in memory: 1 when the
 * header is sane and every bucket page and overflow page parses, else 0
 * with *why set (caller frees).
 */
int salvage_dbm_ok(const unsigned char *buf, size_t len, char **why);

#endif
