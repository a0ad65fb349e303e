/* SPDX-License-Identifier: MPL-2.0 */
/* trust.h: certutil trust strings and the two PKCS#11 trust encodings, without a database. */
#ifndef MOZCERT_TRUST_H
#define MOZCERT_TRUST_H

#include <certt.h>
#include "error.h"

/* Longest printed trust string: three columns of "cpCTPuwIG" plus two commas. */
#define TRUST_STR_MAX 32

/*
 * Parse certutil's trust string ("C,,", "CT,C,C", ",,"). Letters p P w c T C
 * u i g; exactly three comma-separated columns. On error *out is untouched.
 */
int trust_parse(const char *s, CERTCertTrust *out, struct mc_error *err);

/* Print flags as certutil does (order c p C T P u w I G; c hidden by C/T, p by P). */
void trust_format(const CERTCertTrust *t, char out[TRUST_STR_MAX]);

/* Equal in the bits that the letters express (MUST_VERIFY/TRUSTED_UNKNOWN ignored). */
bool trust_equal(const CERTCertTrust *a, const CERTCertTrust *b);

/* True when no letter is set in any column (",,"). */
bool trust_is_empty(const CERTCertTrust *t);

/* PKCS#11 3.2 CKO_TRUST values, written by NSS >= 3.114 (docs/nss-internals.md 1.4). */
enum {
	TRUST_V32_CLASS = 0x0B,
	TRUST_V32_SERVER = 0x62C,
	TRUST_V32_CLIENT = 0x62D,
	TRUST_V32_CODE = 0x62E,
	TRUST_V32_EMAIL = 0x62F,
	TRUST_V32_HASH = 0x635,
	TRUST_V32_UNKNOWN = 0,
	TRUST_V32_TRUSTED = 1,
	TRUST_V32_ANCHOR = 2,
	TRUST_V32_NOT_TRUSTED = 3,
	TRUST_V32_MUST_VERIFY = 4,
};

/*
 * Trust as NSS 3.125 derives it from a CKO_TRUST object's four usage values
 * (measured with Firefox ESR 153's certutil: server ANCHOR is C, TRUSTED P,
 * NOT_TRUSTED p; client ANCHOR adds T to the SSL column).
 */
void trust_from_v32(unsigned long server, unsigned long client, unsigned long code,
		    unsigned long email, CERTCertTrust *out);

/*
 * Trust as NSS derives it from the four CK_TRUST values of an old-style
 * CKO_NSS_TRUST object (docs/nss-internals.md 1.3: pki3hack.c cert_trust_from_stan_trust):
 * TRUSTED P, TRUSTED_DELEGATOR C, NOT_TRUSTED p, VALID_DELEGATOR c; client
 * auth adds to the SSL column (TRUSTED_DELEGATOR as T); step-up adds G.
 */
void trust_from_nss(unsigned long server, unsigned long client, unsigned long code, unsigned long email,
		    bool step_up, CERTCertTrust *out);

#endif
