/* SPDX-License-Identifier: MPL-2.0 */
/* nssdb-edit.c: changing an open store: import, trust, remove, merge (docs/nss-internals.md 1.3-1.4). */
#include "nssdb.h"
#include "nssdb-internal.h"

#include <nss.h>
#include <pk11pub.h>
#include <secmod.h>
#include <cert.h>
#include <certdb.h>
#include <secerr.h>

#include "nss-attr.h"
#include "sqlite-errno.h"
#include "strbuf.h"
#include "banned.h"

void
import_result_release(struct import_result *r)
{
	if (!r)
		return;
	free(r->nickname);
	free(r->subject);
	memset(r, 0, sizeof(*r));
}

static int
destroy_v32(struct certdb *db, const unsigned char hash[32], struct mc_error *err)
{
	struct v32_trust *v;

	while ((v = nssdb_find_v32(db, hash))) {
		PK11SlotInfo *slot = NULL;
		CK_OBJECT_HANDLE h = PK11_GetObjectHandle(PK11_TypeGeneric, v->obj, &slot);

		if (h == CK_INVALID_HANDLE || PK11_DestroyTokenObject(slot ? slot : db->slot, h) != SECSuccess) {
			if (slot)
				PK11_FreeSlot(slot);
			return mc_error_nss(err, "cannot remove the trust object written by a newer NSS");
		}
		if (slot)
			PK11_FreeSlot(slot);
		v->gone = true;
	}
	return 0;
}

static int
change_trust(struct certdb *db, CERTCertificate *cert, const unsigned char hash[32],
	     const CERTCertTrust *want, struct mc_error *err)
{
	CERTCertTrust old, w = *want;
	int ret;

	/* The newer NSS reads its own CKO_TRUST first: drop it so the form this NSS writes rules. */
	if ((ret = destroy_v32(db, hash, err)) < 0)
		return ret;
	if (CERT_GetCertTrust(cert, &old) != SECSuccess)
		memset(&old, 0, sizeof(old));
	if (trust_equal(&old, &w))
		return 0;
	sqlio_clear();
	if (CERT_ChangeCertTrust(db->handle, cert, &w) == SECSuccess)
		return nssdb_io_unreported(err, "cannot set the trust of", cert->subjectName);
	if (PORT_GetError() == SEC_ERROR_TOKEN_NOT_LOGGED_IN) {
		if (!nssdb_password())
			return mc_error_set(err, MC_EFAIL,
					    "the store of '%s' is protected by a Primary Password: use --password-file",
					    db->shown);
		if (PK11_Authenticate(db->slot, PR_TRUE, NULL) == SECSuccess &&
		    (sqlio_clear(), CERT_ChangeCertTrust(db->handle, cert, &w)) == SECSuccess)
			return nssdb_io_unreported(err, "cannot set the trust of", cert->subjectName);
	}
	return mc_error_nss(err, "cannot set the trust of '%s'", cert->subjectName ? cert->subjectName : "?");
}

static void
result_from(struct certdb *db, CERTCertificate *cert, struct import_result *res)
{
	CERTCertTrust t;
	char *hex;

	nssdb_sha256_of(cert, res->sha256);
	hex = hex_encode(res->sha256, 32, true);
	snprintf(res->sha256_hex, sizeof(res->sha256_hex), "%s", hex);
	free(hex);
	nssdb_effective_trust(db, cert, res->sha256, &t);
	trust_format(&t, res->trust);
	free(res->nickname);
	res->nickname = cert->nickname ? xstrdup(cert->nickname) : NULL;
	free(res->subject);
	res->subject = xstrdup(cert->subjectName ? cert->subjectName : "");
}

/* Import one certificate; nickname NULL or empty: the one Firefox derives (CERT_MakeCANickname). */
static int
import_der(struct certdb *db, const unsigned char *der, size_t len, const char *nickname,
	   const CERTCertTrust *trust, struct import_result *res, struct mc_error *err)
{
	_cleanup_(CERT_DestroyCertificatep) CERTCertificate *cert = NULL;
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};
	CERTCertTrust cur;
	int ret;

	memset(res, 0, sizeof(*res));
	cert = CERT_NewTempCertificate(db->handle, &item, NULL, PR_FALSE, PR_TRUE);
	if (!cert)
		return mc_error_nss(err, "cannot decode certificate");
	nssdb_sha256_of(cert, res->sha256);
	if (cert->isperm) {
		nssdb_effective_trust(db, cert, res->sha256, &cur);
		trust_format(&cur, res->old_trust);
		if (!trust || trust_equal(&cur, trust)) {
			res->status = IMPORT_UNCHANGED;
		} else {
			if (!db->readwrite)
				return mc_error_set(err, MC_EFAIL, "internal error: store opened read-only");
			if ((ret = change_trust(db, cert, res->sha256, trust, err)) < 0)
				return ret;
			res->status = IMPORT_TRUST_CHANGED;
		}
		result_from(db, cert, res);
		return 0;
	}
	if (!db->readwrite)
		return mc_error_set(err, MC_EFAIL, "internal error: store opened read-only");
	{
		char *nick = NULL;

		if (nickname && *nickname) {
			/* A nickname belongs to one subject: another subject's would make NSS refuse the import. */
			CERTCertificate *other = CERT_FindCertByNickname(db->handle, nickname);

			if (other && !SECITEM_ItemsAreEqual(&other->derSubject, &cert->derSubject))
				nick = CERT_MakeCANickname(cert);
			else
				nick = PORT_Strdup(nickname);
			if (other)
				CERT_DestroyCertificate(other);
		} else {
			nick = CERT_MakeCANickname(cert);
		}
		if (!nick)
			return mc_error_nss(err, "cannot derive a nickname for '%s'", cert->subjectName);
		sqlio_clear();
		if (PK11_ImportCert(db->slot, cert, CK_INVALID_HANDLE, nick, PR_FALSE) != SECSuccess) {
			ret = mc_error_nss(err, "cannot add '%s' as '%s'", cert->subjectName, nick);
			PORT_Free(nick);
			return ret;
		}
		PORT_Free(nick);
		if ((ret = nssdb_io_unreported(err, "cannot add", cert->subjectName)) < 0)
			return ret;
	}

	snprintf(res->old_trust, sizeof(res->old_trust), ",,");
	if (trust && !trust_is_empty(trust) &&
	    (ret = change_trust(db, cert, res->sha256, trust, err)) < 0)
		return ret;
	res->status = IMPORT_ADDED;
	result_from(db, cert, res);
	return 0;
}

int
certdb_import(struct certdb *db, const unsigned char *der, size_t len,
	      const CERTCertTrust *trust, struct import_result *res, struct mc_error *err)
{
	return import_der(db, der, len, NULL, trust, res, err);
}

static int
find_cert(struct certdb *db, const char *key, CERTCertificate **out, struct mc_error *err)
{
	struct cert_info ci;
	SECItem der;
	int ret;

	if ((ret = certdb_find(db, key, &ci, err)) < 0)
		return ret;
	der.type = siBuffer;
	der.data = ci.der;
	der.len = (unsigned int)ci.der_len;
	*out = CERT_FindCertByDERCert(db->handle, &der);
	cert_info_release(&ci);
	if (!*out)
		return mc_error_nss(err, "cannot load certificate '%s'", key);
	return 0;
}

int
certdb_set_trust(struct certdb *db, const char *key, const CERTCertTrust *trust,
		 struct import_result *res, struct mc_error *err)
{
	_cleanup_(CERT_DestroyCertificatep) CERTCertificate *cert = NULL;
	CERTCertTrust cur;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = find_cert(db, key, &cert, err)) < 0)
		return ret;
	nssdb_sha256_of(cert, res->sha256);
	nssdb_effective_trust(db, cert, res->sha256, &cur);
	trust_format(&cur, res->old_trust);
	if (trust_equal(&cur, trust) && !nssdb_find_v32(db, res->sha256)) {
		res->status = IMPORT_UNCHANGED;
	} else if (trust_equal(&cur, trust)) {
		/* Same letters, but only in the newer form: rewrite in the form both NSS versions read. */
		if (db->readwrite && (ret = change_trust(db, cert, res->sha256, trust, err)) < 0)
			return ret;
		res->status = IMPORT_UNCHANGED;
	} else {
		if (!db->readwrite)
			return mc_error_set(err, MC_EFAIL, "internal error: store opened read-only");
		if ((ret = change_trust(db, cert, res->sha256, trust, err)) < 0)
			return ret;
		res->status = IMPORT_TRUST_CHANGED;
	}
	result_from(db, cert, res);
	return 0;
}

/*
 * SEC_DeletePermCertificate ignores a failure to delete the certificate's
 * CKO_NSS_TRUST object (an I/O error of the store): the trust would stay
 * behind and come back with the next import of the same certificate. Remove
 * what is left, and fail when that fails.
 */
static int
destroy_nss_trust(struct certdb *db, CERTCertificate *cert, const char *key, struct mc_error *err)
{
	/* CKA_SERIAL_NUMBER holds the DER INTEGER: tag, length, the serial's content octets */
	unsigned char der[4 + 128];
	SECItem serial = {siBuffer, der, 0};
	PK11GenericObject *objs, *o;
	size_t n = cert->serialNumber.len;
	int ret = 0;

	if (n == 0 || n > 128)
		return 0;
	der[0] = 0x02;
	if (n < 0x80) {
		der[1] = (unsigned char)n;
		serial.len = 2;
	} else {
		der[1] = 0x81;
		der[2] = (unsigned char)n;
		serial.len = 3;
	}
	memcpy(der + serial.len, cert->serialNumber.data, n);
	serial.len += (unsigned)n;
	objs = PK11_FindGenericObjects(db->slot, CKO_NSS_TRUST);
	for (o = objs; o && ret == 0; o = PK11_GetNextGenericObject(o)) {
		SECItem issuer = {siBuffer, NULL, 0}, sn = {siBuffer, NULL, 0};
		bool match;

		if (PK11_ReadRawAttribute(PK11_TypeGeneric, o, CKA_ISSUER, &issuer) != SECSuccess)
			continue;
		if (PK11_ReadRawAttribute(PK11_TypeGeneric, o, CKA_SERIAL_NUMBER, &sn) != SECSuccess) {
			SECITEM_FreeItem(&issuer, PR_FALSE);
			continue;
		}
		match = SECITEM_ItemsAreEqual(&issuer, &cert->derIssuer) && SECITEM_ItemsAreEqual(&sn, &serial);
		SECITEM_FreeItem(&issuer, PR_FALSE);
		SECITEM_FreeItem(&sn, PR_FALSE);
		if (match) {
			PK11SlotInfo *slot = NULL;
			CK_OBJECT_HANDLE h = PK11_GetObjectHandle(PK11_TypeGeneric, o, &slot);

			if (h == CK_INVALID_HANDLE || PK11_DestroyTokenObject(slot ? slot : db->slot, h) != SECSuccess)
				ret = mc_error_nss(err, "cannot remove the trust of certificate '%s'", key);
			if (slot)
				PK11_FreeSlot(slot);
		}
	}
	if (objs)
		PK11_DestroyGenericObjects(objs);
	return ret;
}

int
certdb_remove(struct certdb *db, const char *key, struct import_result *res, struct mc_error *err)
{
	_cleanup_(CERT_DestroyCertificatep) CERTCertificate *cert = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = find_cert(db, key, &cert, err)) < 0)
		return ret;
	result_from(db, cert, res);
	snprintf(res->old_trust, sizeof(res->old_trust), "%s", res->trust);
	if (!db->readwrite)
		return mc_error_set(err, MC_EFAIL, "internal error: store opened read-only");
	if ((ret = destroy_v32(db, res->sha256, err)) < 0)
		return ret;
	sqlio_clear();
	if (SEC_DeletePermCertificate(cert) != SECSuccess)
		return mc_error_nss(err, "cannot remove certificate '%s'", key);
	if ((ret = nssdb_io_unreported(err, "cannot remove certificate", key)) < 0)
		return ret;
	if ((ret = destroy_nss_trust(db, cert, key, err)) < 0)
		return ret;
	res->status = IMPORT_TRUST_CHANGED;
	return 0;
}

/* ---- appended for db upgrade ---- */

int
certdb_merge(struct certdb *db, const char *source_dir, const char *source_shown, enum certdb_kind source_kind,
	     bool adopt_password, struct certdb_merge_report *rep, struct mc_error *err)
{
	const char *shown = source_shown ? source_shown : source_dir;
	_autofree_ char *spec = NULL;
	PK11SlotInfo *src;
	PK11MergeLog *log;
	bool target_had_password;
	SECStatus rv;
	int ret = 0;

	memset(rep, 0, sizeof(*rep));
	if (!db->readwrite)
		return mc_error_set(err, MC_EFAIL, "internal error: store opened read-only");
	if (strchr(source_dir, '\'') || strchr(source_dir, '"'))
		return mc_error_set(err, MC_EFAIL, "cannot merge from '%s': quotes in the path", shown);
	spec = xasprintf("configdir='%s:%s' certPrefix='' keyPrefix='' tokenDescription='mozcert merge source'",
			 source_kind == CERTDB_SQL ? "sql" : "dbm", source_dir);
	src = SECMOD_OpenUserDB(spec);
	if (!src)
		return mc_error_nss(err, "cannot open the store '%s' to merge", shown);
	if (PK11_NeedUserInit(src) && !PK11_NeedLogin(src))
		PK11_InitPin(src, NULL, "");
	if (PK11_NeedLogin(src)) {
		rep->source_had_password = true;
		if (!nssdb_password()) {
			ret = mc_error_set(err, MC_EFAIL,
					   "the store in '%s' is protected by a Primary Password: use --password-file",
					   shown);
			goto out;
		}
		if (PK11_CheckUserPassword(src, nssdb_password()) != SECSuccess) {
			ret = mc_error_set(err, MC_EFAIL, "wrong Primary Password for the store in '%s'", shown);
			goto out;
		}
	}
	target_had_password = PK11_NeedLogin(db->slot);
	if (target_had_password && PK11_Authenticate(db->slot, PR_TRUE, NULL) != SECSuccess) {
		ret = mc_error_set(err, MC_EFAIL, "the store of '%s' is protected by a Primary Password: use --password-file",
				   db->shown);
		goto out;
	}
	log = PK11_CreateMergeLog();
	sqlio_clear();
	rv = PK11_MergeTokens(db->slot, src, log, NULL, NULL);
	if (log) {
		for (PK11MergeLogNode *node = log->head; node; node = node->next)
			rep->failed++;
		if (log->head)
			rep->first_error = log->head->error;
	}
	if (rv != SECSuccess) {
		int code = rep->first_error ? rep->first_error : PORT_GetError();

		char io[600];
		bool had_io = sqlio_take_failure(io, sizeof(io)) != 0;

		ret = mc_error_set(err, MC_EFAIL, "%zu object%s of '%s' could not be merged: %s: %s%s%s%s", rep->failed,
				   rep->failed == 1 ? "" : "s", shown, mc_nss_error_name(code), mc_nss_error_text(code),
				   had_io ? " (" : "", had_io ? io : "", had_io ? ")" : "");
	} else {
		ret = nssdb_io_unreported(err, "cannot merge the store in", shown);
	}
	if (log)
		PK11_DestroyMergeLog(log);
	if (ret == 0 && adopt_password && rep->source_had_password && !target_had_password && nssdb_password()) {
		if (PK11_ChangePW(db->slot, "", nssdb_password()) != SECSuccess)
			ret = mc_error_nss(err, "cannot set the Primary Password of '%s'", db->shown);
		else
			rep->password_adopted = true;
	}
out:
	SECMOD_CloseUserDB(src);
	PK11_FreeSlot(src);
	return ret;
}

int
certdb_import_nick(struct certdb *db, const unsigned char *der, size_t len, const char *nickname,
		   const CERTCertTrust *trust, struct import_result *res, struct mc_error *err)
{
	return import_der(db, der, len, nickname, trust, res, err);
}
