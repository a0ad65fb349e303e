/* SPDX-License-Identifier: MPL-2.0 */
/*
 * starttls.h: the plain-text preamble before a TLS handshake (SMTP, IMAP,
 * POP3 STARTTLS and LDAP StartTLS) on a connected socket, every read bounded
 * in time and size; and a guess of the protocol a peer speaks from its first
 * bytes, for "no TLS on this port" messages.
 */
#ifndef MOZCERT_STARTTLS_H
#define MOZCERT_STARTTLS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum starttls_proto {
	STARTTLS_AUTO = -1, /* by port: 25, 587 SMTP; 143 IMAP; 110 POP3; 389 LDAP; others none */
	STARTTLS_NONE = 0,  /* implicit TLS */
	STARTTLS_SMTP,
	STARTTLS_IMAP,
	STARTTLS_POP3,
	STARTTLS_LDAP,
};

/* The longest reply line read (a longer one is an error), and the most bytes of a whole preamble. */
#define STARTTLS_LINE_MAX 8192
#define STARTTLS_TOTAL_MAX 65536

/* "none", "smtp", ... */
const char *starttls_name(enum starttls_proto p);
/* Parse --starttls; -1 when arg names no protocol. */
int starttls_parse(const char *arg);
/* The protocol of a well-known port (STARTTLS_NONE for every other). */
enum starttls_proto starttls_for_port(int port);

/* Milliseconds of a monotonic clock. */
int64_t starttls_now_ms(void);

/*
 * Run the preamble of p on fd (connected, non-blocking) so that the next
 * byte the server reads is the TLS ClientHello. Each wait for the server
 * ends after step_ms, and none goes past deadline (starttls_now_ms). Errors
 * (MC_EFAIL) say what the server did ("STARTTLS not offered", "STARTTLS
 * refused: ...", "timed out waiting for the IMAP greeting", "the reply line
 * is longer than ...") prefixed with where (e.g. "127.0.0.1 port 143").
 */
int starttls_run(int fd, enum starttls_proto p, int step_ms, int64_t deadline, const char *where,
		 struct mc_error *err);

/*
 * The protocol that first bytes buf (n bytes, what a peer sent) look like:
 * "IMAP", "POP3", "SMTP", "FTP", "SSH", "HTTP", "LDAP"; NULL when they look
 * like TLS or like nothing known.
 */
const char *starttls_sniff(const unsigned char *buf, size_t n);

/* The printable start of buf (control characters as '.', at most max characters, "..." after). */
char *starttls_printable(const unsigned char *buf, size_t n, size_t max);

#endif
