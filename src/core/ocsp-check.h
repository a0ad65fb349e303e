/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ocsp-check.h: ask a certificate's OCSP responder (its AIA id-ad-ocsp URL,
 * RFC 6960) whether it is revoked, as the application would: the request
 * built by NSS, sent with HTTP GET (RFC 6960 A.1) over aia-fetch's bounded
 * client (http:// only, every step bounded, the answer at most
 * AIA_MAX_BYTES), the response's signature verified by NSS against the
 * issuer (or a responder it delegated to).
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

struct ocsp_answer {
	enum ocsp_status status;
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
	       int timeout_ms, PRTime now, struct ocsp_answer *out, struct mc_error *err);
void ocsp_answer_release(struct ocsp_answer *a);

#endif
