/* SPDX-License-Identifier: MPL-2.0 */
/*
 * verify-causes.h: what lies behind the errors verify names, found beyond
 * the chain itself: the computer's clock, TLS interception by an antivirus
 * or a proxy, Firefox's Symantec distrust, and the OCSP responder's answer
 * (asked as the profile's prefs say the application would). Each cause
 * comes with its fix and the fix's risk.
 */
#ifndef MOZCERT_VERIFY_CAUSES_H
#define MOZCERT_VERIFY_CAUSES_H

#include <json-c/json.h>

#include "ca-lists.h"
#include "cmd.h"
#include "ocsp-check.h"
#include "verify.h"

/* The lists of data/, read once; NULL (with one warning) when they cannot be read. */
const struct ca_lists *verify_lists(const struct cmd_ctx *ctx);
/* The "lists" member: the directory and what it holds, or null. */
struct json_object *verify_lists_json(void);
void verify_lists_release(void);

struct verify_ocsp {
	const char *mode;  /* "on", "off", "ev-only"; NULL when the prefs cannot be read */
	bool require;      /* security.OCSP.require: hard-fail */
	bool asked;        /* the responder was asked (ans holds its answer) */
	bool no_responder; /* it would have been asked, but the certificate names no responder */
	const char *why_not; /* when not asked: why (static) */
	struct ocsp_answer ans;
	bool stapled;      /* the server stapled a response: staple is its judgement */
	bool staple_settles; /* good, revoked, unknown or unusable: the application goes no further */
	struct ocsp_answer staple;
};

/*
 * Revocation as the application checks it for the server certificate
 * (NSSCertDBTrustDomain::CheckRevocationByOCSP), once the chain reaches a
 * trust anchor. A response the server stapled (stapled, DER, or NULL) comes
 * first, whatever the OCSP prefs: good accepts, revoked, unknown or unusable
 * rejects, and only an expired one or one of the failures Firefox allows
 * for compatibility (try later, a signer it does not accept) is set aside.
 * Then, with OCSP on in p's prefs, the responder is asked (one request per
 * certificate whatever the number of profiles); when it gives no usable
 * answer under soft-fail, a set-aside staple's error stands. When the
 * application would reject the certificate for this and nothing else, that
 * is r's primary error.
 */
int verify_ocsp_step(const struct cmd_ctx *ctx, const struct profile *p, struct verify_result *r, int timeout_ms,
		     const unsigned char *stapled, size_t stapled_len, struct verify_ocsp *o, struct mc_error *err);
struct json_object *verify_ocsp_json(const struct cmd_ctx *ctx, const struct profile *p, const struct verify_ocsp *o);
void verify_ocsp_release(struct verify_ocsp *o);
void verify_ocsp_cache_release(void);

/* The "causes" array, each printed: {cause, certificate, message, fix, risk, ...}. */
struct json_object *verify_causes(const struct cmd_ctx *ctx, const struct profile *p, const struct verify_result *r);

/* The risk of running fix (a command verify printed), or NULL when it has none worth saying. */
const char *verify_fix_risk(const char *fix);

#endif
