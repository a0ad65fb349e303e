/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ocsp-check.h: ask a certificate's OCSP responder (its AIA id-ad-ocsp URL,
 * RFC 6960) whether it is revoked, as the application would: the request
 * built by NSS, sent over aia-fetch's bounded client (http:// only, every
 * step bounded, the answer at most AIA_MAX_BYTES) with HTTP POST as
 * Firefox does, or GET (RFC 6960 A.1), the response's signature verified by
 * NSS against the issuer (or a responder it delegated to).
 *
 * Firefox (security/manager/ssl/nsNSSCallbacks.cpp, OCSPRequest::Run and
 * DoOCSPRequest) sends every request as POST, Content-Type
 * application/ocsp-request: OCSP_REQUEST_METHOD is "POST", and no pref is
 * read. security.OCSP.GET.enabled was read by older Gecko only
 * (nsNSSComponent.cpp, "Always use POST for OCSP; see bug 871954"); the
 * libxul of Firefox 153 ESR names security.OCSP.enabled, .require and
 * .timeoutMilliseconds.soft/.hard, and not it.
 */
#ifndef MOZCERT_OCSP_CHECK_H
#define MOZCERT_OCSP_CHECK_H

#include <stddef.h>
#include <prtime.h>

#include "error.h"

enum ocsp_status {
	OCSP_NO_RESPONDER, /* the certificate names no OCSP responder */
	OCSP_GOOD,
	OCSP_REVOKED,
	OCSP_UNKNOWN,      /* the responder does not know the certificate */
	OCSP_UNREACHABLE,  /* no answer: cannot connect, timed out, not http, HTTP error */
	OCSP_BAD_RESPONSE, /* an answer that is not a usable response (malformed, error status, bad signature, stale) */
};

enum ocsp_method { OCSP_POST, OCSP_GET };

struct ocsp_answer {
	enum ocsp_status status;
	/*
	 * The error Firefox reports for this answer when OCSP is hard-fail
	 * (security.OCSP.require): NSSCertDBTrustDomain.cpp's
	 * HandleOCSPFailure returns DoOCSPRequest's error, which is
	 * SEC_ERROR_OCSP_SERVER_ERROR for every failed request (no connection,
	 * timeout, HTTP status not 200); a response that does not verify
	 * returns VerifyEncodedOCSPResponse's error (OLD_RESPONSE past its
	 * nextUpdate, INVALID_SIGNING_CERT, MALFORMED_RESPONSE, the
	 * responseStatus codes); revoked and unknown are reported in both
	 * modes. A static string; NULL for good and no-responder.
	 */
	const char *code;
	char *url;    /* the responder asked, or NULL */
	char *error;  /* for UNREACHABLE and BAD_RESPONSE: why, one line; else NULL */
};

const char *ocsp_status_name(enum ocsp_status s);

/* The OCSP responder URL of a certificate (DER), or NULL. NSS must be up. */
char *ocsp_responder_url(const unsigned char *der, size_t len);

/*
 * Ask cert's responder about cert, issued by issuer (both DER). NSS must be
 * up without a store. timeout_ms bounds the connect and each read (the
 * whole exchange 3 * timeout_ms). Returns 0 with out filled in every case;
 * a negative mc_code only when a certificate cannot be decoded.
 */
int ocsp_check(const unsigned char *cert, size_t cert_len, const unsigned char *issuer, size_t issuer_len,
	       enum ocsp_method method, int timeout_ms, PRTime now, struct ocsp_answer *out, struct mc_error *err);

/*
 * Judge a response already at hand (resp, DER), such as the one a server
 * stapled (tlsfetch_result.stapled), for cert issued by issuer, as
 * ocsp_check judges the responder's: out->url stays NULL. Firefox uses a
 * stapled response before asking the responder (NSSCertDBTrustDomain.cpp,
 * CheckRevocationByOCSP: good, revoked, unknown or unusable settles it; an
 * expired one, try-later or a signer it does not accept is set aside, the
 * responder asked, and its error stands if the responder cannot say
 * better). Every signature failure is named INVALID_SIGNING_CERT here,
 * where mozilla::pkix tells a bad signature of an accepted signer apart.
 */
int ocsp_judge(const unsigned char *cert, size_t cert_len, const unsigned char *issuer, size_t issuer_len,
	       const unsigned char *resp, size_t resp_len, PRTime now, struct ocsp_answer *out, struct mc_error *err);
void ocsp_answer_release(struct ocsp_answer *a);

#endif
