/* SPDX-License-Identifier: MPL-2.0 */
/* ocsp-check.c: one OCSP request for one certificate (ocsp-check.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cert.h>
#include <certdb.h>
#include <ocsp.h>
#include <plbase64.h>
#include <prmem.h>
#include <prerror.h>
#include <secerr.h>

#include "aia-fetch.h"
#include "ocsp-check.h"
#include "strbuf.h"
#include "util.h"
#include "banned.h"

const char *
ocsp_status_name(enum ocsp_status s)
{
	static const char *const names[] = {"no-responder", "good", "revoked", "unknown", "unreachable",
					    "bad-response"};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static CERTCertificate *
temp_cert(const unsigned char *der, size_t len)
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};

	return CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE);
}

char *
ocsp_responder_url(const unsigned char *der, size_t len)
{
	CERTCertificate *c = temp_cert(der, len);
	char *u, *url = NULL;

	if (!c)
		return NULL;
	if ((u = CERT_GetOCSPAuthorityInfoAccessLocation(c))) {
		url = xstrdup(u);
		PORT_Free(u);
	}
	CERT_DestroyCertificate(c);
	return url;
}

/* The DER request for c, as NSS builds it (one CertID, no nonce); NULL when NSS cannot. */
static SECItem *
encode_request(CERTCertificate *c, PRTime now)
{
	CERTCertList *list = CERT_NewCertList();
	CERTOCSPRequest *req = NULL;
	SECItem *enc = NULL;

	if (list && CERT_AddCertToListTail(list, CERT_DupCertificate(c)) == SECSuccess &&
	    (req = CERT_CreateOCSPRequest(list, now, PR_FALSE, NULL)) &&
	    CERT_AddOCSPAcceptableResponses(req, SEC_OID_PKIX_OCSP_BASIC_RESPONSE, SEC_OID_UNKNOWN) == SECSuccess)
		enc = CERT_EncodeOCSPRequest(NULL, req, NULL);
	if (req)
		CERT_DestroyOCSPRequest(req);
	if (list)
		CERT_DestroyCertList(list);
	return enc;
}

/* url + "/" + the URL-encoded base64 of the DER request (RFC 6960 A.1, RFC 5019 5); NULL when it cannot. */
static char *
get_url(const char *url, const SECItem *enc)
{
	char *b64 = PL_Base64Encode((const char *)enc->data, enc->len, NULL);
	struct strbuf sb;

	if (!b64)
		return NULL;
	strbuf_init(&sb);
	strbuf_addstr(&sb, url);
	if (!*url || url[strlen(url) - 1] != '/')
		strbuf_addch(&sb, '/');
	for (const char *s = b64; *s; s++)
		if (*s == '+' || *s == '/' || *s == '=')
			strbuf_addf(&sb, "%%%02X", (unsigned char)*s);
		else
			strbuf_addch(&sb, *s);
	PR_Free(b64);
	return strbuf_detach(&sb, NULL);
}

/* Send the request by method; the answer's body, or a negative mc_code with why in herr. */
static int
send_request(const char *url, enum ocsp_method method, const SECItem *enc, int timeout_ms, unsigned char **body,
	     size_t *len, struct mc_error *herr)
{
	_autofree_ char *full = NULL;

	if (method == OCSP_POST)
		return aia_http_post(url, "application/ocsp-request", enc->data, enc->len, timeout_ms, body, len, herr);
	if (!(full = get_url(url, enc)))
		return mc_error_set(herr, MC_EFAIL, "cannot encode the request for GET");
	return aia_http_get(full, timeout_ms, body, len, herr);
}

static void
answer(struct ocsp_answer *out, enum ocsp_status st, const char *why)
{
	out->status = st;
	out->code = st == OCSP_REVOKED ? "SEC_ERROR_REVOKED_CERTIFICATE"
		    : st == OCSP_UNKNOWN ? "SEC_ERROR_OCSP_UNKNOWN_CERT"
		    : st == OCSP_UNREACHABLE ? "SEC_ERROR_OCSP_SERVER_ERROR"
		    : NULL;
	free(out->error);
	out->error = why ? xstrdup(why) : NULL;
}

/* Judge the DER response body for c (issued by issuer) at now. */
static void
judge_response(struct ocsp_answer *out, const unsigned char *body, size_t len, CERTCertificate *c,
	       CERTCertificate *issuer, PRTime now)
{
	SECItem item = {siBuffer, (unsigned char *)body, (unsigned int)len};
	CERTOCSPResponse *resp = CERT_DecodeOCSPResponse(&item);
	CERTOCSPCertID *id = NULL;
	CERTCertificate *signer = NULL;
	char why[256];

	if (!resp) {
		answer(out, OCSP_BAD_RESPONSE, "the answer is not an OCSP response");
		out->code = "SEC_ERROR_OCSP_MALFORMED_RESPONSE";
	} else if (CERT_GetOCSPResponseStatus(resp) != SECSuccess) {
		/* the responseStatus codes: NSS and mozilla::pkix (pkixocsp.cpp) name them alike */
		const char *name = PR_ErrorToName(PR_GetError());

		snprintf(why, sizeof(why), "the responder answered with an error (%s)", name);
		answer(out, OCSP_BAD_RESPONSE, why);
		out->code = name && !strncmp(name, "SEC_ERROR_OCSP_", 15) ? name : "SEC_ERROR_OCSP_UNKNOWN_RESPONSE_STATUS";
	} else if (CERT_VerifyOCSPResponseSignature(resp, CERT_GetDefaultCertDB(), NULL, &signer, issuer) !=
		   SECSuccess) {
		snprintf(why, sizeof(why), "the response's signature does not verify (%s)", PR_ErrorToName(PR_GetError()));
		answer(out, OCSP_BAD_RESPONSE, why);
		/* mozilla::pkix: no signer among the issuer and its delegates -> ERROR_OCSP_INVALID_SIGNING_CERT */
		out->code = "SEC_ERROR_OCSP_INVALID_SIGNING_CERT";
	} else if (!(id = CERT_CreateOCSPCertID(c, now))) {
		answer(out, OCSP_BAD_RESPONSE, "NSS cannot name the certificate for OCSP (its issuer is unknown)");
		out->code = "SEC_ERROR_OCSP_MALFORMED_RESPONSE";
	} else if (CERT_GetOCSPStatusForCertID(CERT_GetDefaultCertDB(), resp, id, signer, now) == SECSuccess) {
		answer(out, OCSP_GOOD, NULL);
	} else if (PR_GetError() == SEC_ERROR_REVOKED_CERTIFICATE) {
		answer(out, OCSP_REVOKED, NULL);
	} else if (PR_GetError() == SEC_ERROR_OCSP_UNKNOWN_CERT) {
		answer(out, OCSP_UNKNOWN, NULL);
	} else {
		PRErrorCode e = PR_GetError();

		snprintf(why, sizeof(why), "the response does not settle the certificate's status (%s)", PR_ErrorToName(e));
		answer(out, OCSP_BAD_RESPONSE, why);
		out->code = e == SEC_ERROR_OCSP_OLD_RESPONSE ? "SEC_ERROR_OCSP_OLD_RESPONSE"
			    : e == SEC_ERROR_OCSP_FUTURE_RESPONSE ? "SEC_ERROR_OCSP_FUTURE_RESPONSE"
								   : "SEC_ERROR_OCSP_MALFORMED_RESPONSE";
	}
	if (id)
		CERT_DestroyOCSPCertID(id);
	if (signer)
		CERT_DestroyCertificate(signer);
	if (resp)
		CERT_DestroyOCSPResponse(resp);
}

/* The issuer as a trust anchor of this store-less session, and the certificate; negative mc_code when not. */
static int
decode_pair(const unsigned char *cert, size_t cert_len, const unsigned char *issuer, size_t issuer_len,
	    CERTCertificate **c, CERTCertificate **iss, struct mc_error *err)
{
	CERTCertTrust trust;

	if (!(*iss = temp_cert(issuer, issuer_len)))
		return mc_error_nss(err, "cannot decode the issuer's certificate");
	/*
	 * NSS checks the response's signer as a CA (or a responder it
	 * delegated to) it trusts; the caller judged the chain trusted, so
	 * the issuer is a trust anchor of this store-less session.
	 */
	if (CERT_DecodeTrustString(&trust, "C,C,C") != SECSuccess ||
	    CERT_ChangeCertTrust(CERT_GetDefaultCertDB(), *iss, &trust) != SECSuccess) {
		CERT_DestroyCertificate(*iss);
		return mc_error_nss(err, "cannot take the issuer for the responder's authority");
	}
	if (!(*c = temp_cert(cert, cert_len))) {
		CERT_DestroyCertificate(*iss);
		return mc_error_nss(err, "cannot decode the certificate");
	}
	return 0;
}

int
ocsp_check(const unsigned char *cert, size_t cert_len, const unsigned char *issuer, size_t issuer_len,
	   enum ocsp_method method, int timeout_ms, PRTime now, struct ocsp_answer *out, struct mc_error *err)
{
	CERTCertificate *c, *iss;
	SECItem *enc = NULL;
	unsigned char *body = NULL;
	size_t len = 0;
	struct mc_error herr = {0};
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = decode_pair(cert, cert_len, issuer, issuer_len, &c, &iss, err)) < 0)
		return ret;
	if (!(out->url = ocsp_responder_url(cert, cert_len)))
		answer(out, OCSP_NO_RESPONDER, NULL);
	else if (strncasecmp(out->url, "http://", 7) != 0) {
		answer(out, OCSP_UNREACHABLE, "the responder's URL is not http:// (the application asks over HTTP only)");
		out->code = "SEC_ERROR_CERT_BAD_ACCESS_LOCATION";
	} else if (!(enc = encode_request(c, now)))
		answer(out, OCSP_BAD_RESPONSE, "NSS cannot build the request");
	else if (send_request(out->url, method, enc, timeout_ms, &body, &len, &herr) < 0)
		answer(out, OCSP_UNREACHABLE, herr.msg);
	else
		judge_response(out, body, len, c, iss, now);
	if (enc)
		SECITEM_FreeItem(enc, PR_TRUE);
	free(body);
	CERT_DestroyCertificate(c);
	CERT_DestroyCertificate(iss);
	return 0;
}

int
ocsp_judge(const unsigned char *cert, size_t cert_len, const unsigned char *issuer, size_t issuer_len,
	   const unsigned char *resp, size_t resp_len, PRTime now, struct ocsp_answer *out, struct mc_error *err)
{
	CERTCertificate *c, *iss;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = decode_pair(cert, cert_len, issuer, issuer_len, &c, &iss, err)) < 0)
		return ret;
	judge_response(out, resp, resp_len, c, iss, now);
	CERT_DestroyCertificate(c);
	CERT_DestroyCertificate(iss);
	return 0;
}

void
ocsp_answer_release(struct ocsp_answer *a)
{
	if (!a)
		return;
	free(a->url);
	free(a->error);
	memset(a, 0, sizeof(*a));
}
