/* SPDX-License-Identifier: MPL-2.0 */
/*
 * aia-fetch.h: the issuer a certificate names in its AIA caIssuers URL
 * (RFC 5280 4.2.2.1), over a small bounded HTTP client: http:// only, GET or POST,
 * HTTP/1.0 (Content-Length or close-delimited), at most AIA_MAX_BYTES, every
 * connect and read bounded, at most AIA_MAX_REDIRECTS redirects, to http://
 * only. Nothing fetched is trusted: the caller decides.
 */
#ifndef MOZCERT_AIA_FETCH_H
#define MOZCERT_AIA_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define AIA_MAX_BYTES (1024u * 1024u)
#define AIA_MAX_REDIRECTS 3

/*
 * GET url; the body (*body, *len, malloc'd; the caller frees) of a 200
 * answer. timeout_ms bounds the connect and each read; the whole exchange,
 * redirects included, ends after 3 * timeout_ms. Each failure its own message
 * (MC_EFAIL): not http, cannot connect, timed out, HTTP status, too big,
 * too many redirects.
 */
int aia_http_get(const char *url, int timeout_ms, unsigned char **body, size_t *len, struct mc_error *err);

/*
 * POST post_len bytes of post as Content-Type ctype to url, bounded as
 * aia_http_get; a 307 or 308 redirect repeats the POST, 301, 302 and 303
 * turn it into a GET (as browsers do).
 */
int aia_http_post(const char *url, const char *ctype, const unsigned char *post, size_t post_len, int timeout_ms,
		  unsigned char **body, size_t *len, struct mc_error *err);

struct aia_issuer {
	bool fetched;            /* the URL answered with certificates (DER or PKCS#7 certs-only) */
	size_t n_certs;          /* certificates in the answer */
	bool signature_ok;       /* one of them has child's issuer as subject and its key verifies child's signature */
	unsigned char *der;      /* that certificate (or NULL) */
	size_t der_len;
	char *subject;           /* its subject, or NULL */
	char sha256_hex[96];     /* its SHA-256, "AA:BB:..." */
	char *error;             /* why not fetched or not verified, one line; NULL when signature_ok */
};

/*
 * Fetch url and look in the answer for child's (DER) issuer. NSS must be up.
 * Returns 0 with out filled in every case (out->error says what failed),
 * a negative mc_code only when child cannot be decoded.
 */
int aia_fetch_issuer(const char *url, const unsigned char *child, size_t child_len, int timeout_ms,
		     struct aia_issuer *out, struct mc_error *err);
void aia_issuer_release(struct aia_issuer *a);

#endif
