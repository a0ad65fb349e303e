/* SPDX-License-Identifier: MPL-2.0 */
/* override.h: what the override commands (override.c, override-add.c) share. */
#ifndef MOZCERT_CMD_OVERRIDE_H
#define MOZCERT_CMD_OVERRIDE_H

#include <prtime.h>

#include "cert-input.h"
#include "cmd.h"
#include "override-file.h"

/* A certificate whose override lines can be recognised: from --cert or the profile's store. */
struct known_cert {
	char *subject;
	char *issuer;
	PRTime not_before, not_after;
	unsigned char sha256[32];
	char *fingerprint;   /* AA:BB:..., as the application compares it */
	char *dbkey;         /* base64 dbKey as override_dbkey builds it */
	const char *source;  /* "file" or "store" */
	char *origin;        /* the file (and certificate number) or the nickname */
};

struct known_list {
	struct known_cert *v;
	size_t n;
};

struct ov_opts {
	struct der_list ders;    /* --cert FILE: every certificate of the file(s) */
	struct known_list files; /* the same, decoded; files.v[0] is the server's for add */
	char *host;              /* lower-case, without brackets */
	int port;
	const char *origin;      /* --origin: NULL unless given; "" = default attributes */
	bool origin_set;
	enum override_era format;
	bool format_set;
	char bits[4];            /* --bits=LETTERS, in M U T order; "" when not given */
	bool bits_compute;       /* --bits without letters: what the certificate fails now */
	bool expired;            /* prune --expired */
	bool fetch;              /* add --fetch: the certificate from the server */
	int starttls;            /* --starttls; STARTTLS_AUTO when not given */
	int timeout_ms;          /* --timeout */
};

/* The options of the override commands (override.c). */
extern struct ov_opts ov_opts;

/* option values outside the global options' letters */
enum { OPT_FETCH = 0x100, OPT_STARTTLS, OPT_TIMEOUT };

int ov_known_add(struct known_list *l, const unsigned char *der, size_t len, const char *source, const char *origin,
		 struct mc_error *err);
int ov_read_file(const struct profile *p, bool for_write, struct override_file *f, bool *exists, struct mc_error *err);
int ov_refuse_binary(const struct override_file *f, struct mc_error *err);
const char *ov_action_word(enum override_action a);
/* Report the changes and write the file when there are any. */
int ov_commit(struct cmd_ctx *ctx, const struct profile *p, const struct override_file *f,
	      const struct override_changes *ch, struct json_object *res, struct mc_error *err);
/* Options and operands in any order (cmd_getopt); at most max operands, collected in order. */
int ov_getopt_anywhere(struct cmd_ctx *ctx, int argc, char **argv, const struct option *o, char **operands, int max,
		       int *nops, struct mc_error *err);
/* HOST[:PORT], [IPv6]:PORT or a bare IPv6 address; host lower-cased. */
int ov_parse_target(const char *arg, struct mc_error *err);
void ov_cleanup(struct cmd_ctx *ctx);

#endif
