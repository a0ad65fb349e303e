/* SPDX-License-Identifier: MPL-2.0 */
/*
 * verify.h: why the application would reject a server certificate. Builds the
 * chain as mozilla::pkix does (issuer by subject and signature, trust anchors
 * and distrust from the trust the application's NSS sees) and names each
 * problem with the error code the application shows. Needs an open certdb.
 */
#ifndef MOZCERT_VERIFY_H
#define MOZCERT_VERIFY_H

#include <prtime.h>

#include "ca-lists.h"
#include "cert-input.h"
#include "nssdb.h"

enum verify_source {
	VSRC_FILE,    /* sent with the certificate (the file) */
	VSRC_STORE,   /* the profile's store */
	VSRC_BUILTIN, /* a built-in roots module */
};

struct verify_link {
	enum verify_source src;
	char trust[TRUST_STR_MAX]; /* as the application sees it; "" for a certificate of the file */
	char *nickname;            /* store or built-in nickname; may be NULL */
	char *subject;
	char *issuer;
	char sha256_hex[96];
	PRTime not_before, not_after;
	bool anchor;               /* the chain ends here: trusted for servers (C) */
	const char *weak_sig;      /* "MD5", "MD2" or "SHA-1" when signed with it, else NULL */
	unsigned char *der;        /* the certificate */
	size_t der_len;
};

struct verify_problem {
	const char *code;  /* the application's error name, e.g. SEC_ERROR_UNKNOWN_ISSUER */
	size_t at;         /* index in chain of the certificate concerned */
	bool primary;      /* the error the application reports; the others come once it is solved */
	bool overridable;  /* a security exception (cert_override.txt) accepts it (CategorizeCertificateError) */
	char *detail;      /* one line */
};

struct verify_result {
	struct verify_link *chain; /* the server certificate first */
	size_t n_chain;
	bool trusted;              /* the chain reaches a trust anchor (the server certificate may still fail) */
	struct verify_problem *problems; /* the primary one first, when there is one */
	size_t n_problems;
	char *missing_issuer;      /* the issuer name no certificate was found for (of chain's last), or NULL */
	char *ca_issuers_url;      /* the server certificate's AIA caIssuers URL when missing_issuer is set */
	unsigned char *missing_der; /* the certificate whose issuer is missing (DER), when missing_issuer is set */
	size_t missing_der_len;
	bool name_mismatch;        /* a host name was given and the server certificate is not valid for it */
	char **names;              /* the server certificate's subjectAltName: "DNS:x", "IP:a" */
	size_t n_names;
	char *leaf_cn;             /* its subject's CN (never matched), or NULL */
	PRTime now;                /* the time judged at */
	bool symantec_distrusted;  /* the chain found ends at a Symantec root Firefox distrusts, none exempt */
	int leaf_time;             /* the server certificate at the time judged: 0 valid, 1 expired, -1 not yet valid */
};

/*
 * Judge certs->v[0] as a TLS server certificate as mozilla::pkix does (depth
 * first over every issuer candidate, checks in its order, its error ranking), the other certificates of
 * certs as the ones the server sends with it. store: the profile's
 * certificates with the trust the application sees (certdb_list). hostname
 * may be NULL (no name check). md5_ok: the application accepts MD5
 * signatures. lists (may be NULL): the Symantec roots Firefox distrusts. Certificates of other loaded modules (built-in roots) are
 * looked up by subject through NSS.
 */
int verify_server_cert(const struct der_list *certs, const struct cert_info *store, size_t n_store,
		       const char *hostname, bool md5_ok, const struct ca_lists *lists, PRTime now,
		       struct verify_result *out, struct mc_error *err);

void verify_result_release(struct verify_result *r);

/*
 * Make code (a static string; no exception overrides it) the error the
 * application reports for r's server certificate, the others following it:
 * what is learnt after the chain is judged (OCSP says revoked).
 */
void verify_result_reject(struct verify_result *r, const char *code, const char *detail);

/*
 * The bits of a security exception (cert_override.txt eras A and B: M name
 * mismatch, U untrusted, T time, in that order) that cover what the
 * application finds wrong with r, as Firefox up to 105 collected them
 * (DetermineCertOverrideErrors): the primary error's class, plus T when the
 * server certificate is outside its validity for an untrusted one, plus M
 * when the name does not match (never by the subject's CN). out is "" when
 * the application accepts the certificate. Returns false when the primary
 * error is one no exception overrides (the bits are then U, T and M as found).
 */
bool verify_override_bits(const struct verify_result *r, char out[4]);

#endif
