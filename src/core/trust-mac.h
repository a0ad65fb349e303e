/* SPDX-License-Identifier: MPL-2.0 */
/*
 * trust-mac.h: whether the integrity MACs of a cert9.db's trust objects can
 * be found in its key4.db (docs/nss-internals.md 1.6). NSS keeps one MAC per
 * trust attribute in key4.db's metaData table, under the id
 * "sig_cert_<object id, 8 hex>_<attribute type, 8 hex>"; with key4.db
 * initialised and the user logged in (an empty password logs in by itself)
 * NSS shows no trust for an attribute whose MAC is missing or wrong. Pure:
 * reads a file read-only, never prints.
 */
#ifndef MOZCERT_TRUST_MAC_H
#define MOZCERT_TRUST_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trustmac_state {
	TRUSTMAC_CHECKABLE,   /* key4.db reads and has its password entry: NSS checks every trust MAC */
	TRUSTMAC_NO_KEYDB,    /* no key4.db, or one SQLite cannot read: no MAC can be checked */
	TRUSTMAC_UNINIT,      /* key4.db has no password entry: NSS shows trust unchecked */
};

struct trustmac {
	enum trustmac_state state;
	char *why;            /* why no MAC can be checked (NULL when checkable); owned */
	char **ids;           /* the sig_cert_ ids of metaData, sorted; owned */
	size_t nids;
	int sys_errno;        /* key4.db could not be opened for a system reason (ENOSPC, EIO): not damage */
};

/* Read key4_path (NULL or missing: no key database). Release with trustmac_release. */
void trustmac_load(const char *key4_path, struct trustmac *tm);
void trustmac_release(struct trustmac *tm);

/*
 * The MACs of the four trust values of the trust object object_id are all in
 * key4.db: CKA_TRUST_SERVER_AUTH to CKA_TRUST_EMAIL_PROTECTION (0xCE536358 to
 * 0xCE53635B) for the old CKO_NSS_TRUST, CKA_PKCS_TRUST_SERVER_AUTH to
 * CKA_PKCS_TRUST_EMAIL_PROTECTION (0x62C to 0x62F) for PKCS#11 3.2 CKO_TRUST.
 */
bool trustmac_present(const struct trustmac *tm, uint32_t object_id, bool v32);

/* key4.db cannot be kept (damaged): no MAC in it is checked; why is copied. */
void trustmac_set_unusable(struct trustmac *tm, const char *why);

/* One trust setting db repair found for a certificate of a cert9.db. */
struct trustmac_subject {
	bool from_row;          /* read from a trust row (else only NSS showed it) */
	bool id_known;          /* the row's object id (nssPublic.id) was read */
	uint32_t id;
	bool v32;               /* a PKCS#11 3.2 CKO_TRUST row */
	const char *trust;      /* the value found, certutil form */
	const char *nss_trust;  /* what NSS showed for the certificate; NULL when NSS did not list it */
};

/*
 * Why this trust setting is not MAC-verified, NULL when it is (caller frees):
 * key4.db missing, damaged or never initialised; no MAC for the trust object
 * in key4.db; or, for a CKO_NSS_TRUST row of a cert9.db SQLite finds sound
 * (cert9_sound), NSS showing other trust for the certificate (a MAC that does
 * not match). A CKO_TRUST row with its MACs present passes: NSS 3.87 does
 * not read that form, so it cannot say more.
 */
char *trustmac_judge(const struct trustmac *tm, const struct trustmac_subject *s, bool cert9_sound);

#endif
