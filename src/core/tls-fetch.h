/* SPDX-License-Identifier: MPL-2.0 */
/*
 * tls-fetch.h: fetch the certificate chain a TLS server sends, with NSS's own
 * libssl. The handshake stops as soon as the chain has arrived (the
 * certificate hook records it and fails, so nothing is ever trusted because
 * of the connection) and no application data is sent. NSS must be up
 * (certdb_nodb_init or an open store).
 */
#ifndef MOZCERT_TLS_FETCH_H
#define MOZCERT_TLS_FETCH_H

#include <stdbool.h>

#include "cert-input.h"
#include "error.h"
#include "starttls.h"

#define TLSFETCH_DEFAULT_TIMEOUT_MS 5000

struct tlsfetch_req {
	const char *host;        /* a name, or an IPv4 or IPv6 address (no brackets) */
	int port;
	const char *sni;         /* server name sent (SNI); NULL: host; never sent for an address */
	enum starttls_proto starttls; /* STARTTLS_AUTO: by port */
	int timeout_ms;          /* each step (connect to one address, each reply, the handshake); total 3x */
};

struct tlsfetch_result {
	struct der_list chain;   /* as the server sent it, its certificate first */
	char address[64];        /* the address connected to */
	enum starttls_proto starttls; /* the preamble used */
	char version[16];        /* offered by the server: "TLS 1.3", "" when unknown */
	unsigned char *stapled;  /* the OCSP response the server stapled (DER), or NULL; judge it with ocsp_judge */
	size_t stapled_len;
};

/* Connect, run the preamble, take the chain. Each failure has its own message (MC_EFAIL). */
int tlsfetch(const struct tlsfetch_req *req, struct tlsfetch_result *out, struct mc_error *err);
void tlsfetch_result_release(struct tlsfetch_result *r);

/*
 * Parse HOST[:PORT], [IPv6]:PORT or a bare IPv6 address: *host (caller
 * frees, lower-case, no brackets), *port (default_port when not given).
 */
int tlsfetch_parse_target(const char *arg, int default_port, char **host, int *port, struct mc_error *err);

/*
 * The --starttls and --timeout options of the commands that fetch (verify,
 * override add): the value into *proto or *timeout_ms, or MC_EUSAGE naming
 * the command cmd.
 */
int tlsfetch_opt_starttls(const char *cmd, const char *arg, int *proto, struct mc_error *err);
int tlsfetch_opt_timeout(const char *cmd, const char *arg, int *timeout_ms, struct mc_error *err);

/* What the chain sent says about itself (NSS must be up). */
struct tlsfetch_sent {
	size_t n;
	char **names;            /* the first certificate's subjectAltName: "DNS:x", "IP:1.2.3.4" */
	size_t n_names;
	char **sha256_hex;       /* of each certificate sent, "AA:BB:..." */
	bool *is_ca;             /* basicConstraints cA */
	bool *self_signed;       /* subject == issuer */
};
int tlsfetch_describe(const struct der_list *chain, struct tlsfetch_sent *out, struct mc_error *err);
/* cert's subjectAltName entries, "DNS:x" or "IP:1.2.3.4", appended to *names (printable; the caller frees). */
struct CERTCertificateStr;
void tlsfetch_san_names(struct CERTCertificateStr *cert, char ***names, size_t *n_names);

void tlsfetch_sent_release(struct tlsfetch_sent *s);

/* Write chain as PEM to a new file path (never over an existing file or a symlink). */
int tlsfetch_save_pem(const struct der_list *chain, const char *path, struct mc_error *err);

#endif
