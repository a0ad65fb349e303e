/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ca-lists.h: the lists of certificate authorities verify knows by name,
 * read from the data files installed with mozcert (data/): the Symantec
 * roots Firefox distrusts and the intermediates that exempt a chain
 * (symantec-distrust.txt), and the issuers antivirus products and company
 * proxies use when they intercept TLS (tls-interception.txt).
 */
#ifndef MOZCERT_CA_LISTS_H
#define MOZCERT_CA_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <cert.h>

#include "error.h"

#define CALIST_SYMANTEC "symantec-distrust.txt"
#define CALIST_INTERCEPTION "tls-interception.txt"

struct ca_interceptor {
	char *product;  /* "Avast" */
	char *kind;     /* "antivirus", "proxy", "debugging proxy" */
	char *pattern;  /* a part of an issuer's name, compared case-insensitively */
	char *howto;    /* where its scanning is turned off */
};

struct ca_lists {
	char *dir;                 /* the directory read */
	char **symantec_roots;     /* subjects, "/C=US/O=.../CN=..." */
	size_t n_symantec_roots;
	char **symantec_exempt;    /* SHA-256 of SubjectPublicKeyInfo, "AA:BB:..." upper case */
	size_t n_symantec_exempt;
	struct ca_interceptor *icpt;
	size_t n_icpt;
};

/* Where the lists are: $MOZCERT_DATA_DIR when set and not empty, else the installed DATADIR/mozcert (borrowed). */
const char *calist_dir(void);

/* Read both lists of dir; a missing or malformed file is an error (MC_ENOENT, MC_EINPUT with file:line). */
int calist_load(const char *dir, struct ca_lists *out, struct mc_error *err);
void calist_release(struct ca_lists *l);

/* A name as "/C=US/O=Symantec Corporation/CN=...", in its encoded order (caller frees). */
char *calist_dn(const CERTName *name);

/*
 * Firefox's Symantec distrust (NSSCertDBTrustDomain::IsChainValid): path[0]
 * is the server's certificate, path[n-1] the root. True when the root's
 * subject is a distrusted Symantec root and no certificate between them
 * has an exempt public key (the SHA-256 of its SubjectPublicKeyInfo).
 */
bool calist_symantec_distrusted(const struct ca_lists *l, CERTCertificate *const *path, size_t n);

/* The interceptor whose pattern a name (any form) contains, or NULL. */
const struct ca_interceptor *calist_interceptor(const struct ca_lists *l, const char *name);

#endif
