/* SPDX-License-Identifier: MPL-2.0 */
/* ca-lists.c: the data files of known certificate authorities (ca-lists.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <pk11pub.h>
#include <prprf.h>
#include <secoid.h>

#include "config.h"
#include "ca-lists.h"
#include "fileio.h"
#include "strbuf.h"
#include "util.h"
#include "banned.h"

/* The data files are small; a bigger one is not ours. */
#define CALIST_MAX_BYTES (1024u * 1024u)

const char *
calist_dir(void)
{
	const char *d = getenv("MOZCERT_DATA_DIR");

	return d && *d ? d : MOZCERT_DATADIR;
}

static void
push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/* Split line at TABs into at most max fields (in place); the number found. */
static size_t
fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	while (n < max) {
		f[n++] = line;
		if (!(line = strchr(line, '\t')))
			break;
		*line++ = '\0';
	}
	return n;
}

/* Each line that is not blank or a comment, with its number, to fn; stops at fn's error. */
static int
each_line(const char *dir, const char *name, int (*fn)(struct ca_lists *, char *, const char *, unsigned,
						      struct mc_error *),
	  struct ca_lists *l, struct mc_error *err)
{
	_autofree_ char *path = path_join(dir, name), *buf = NULL;
	size_t len;
	unsigned lineno = 0;
	int ret;

	if ((ret = fileio_read(path, CALIST_MAX_BYTES, &buf, &len, err)) < 0)
		return ret;
	for (char *s = buf, *nl; s && *s; s = nl) {
		if ((nl = strchr(s, '\n')))
			*nl++ = '\0';
		lineno++;
		if (*s && s[strlen(s) - 1] == '\r')
			s[strlen(s) - 1] = '\0';
		if (!*s || *s == '#')
			continue;
		if ((ret = fn(l, s, path, lineno, err)) < 0)
			return ret;
	}
	return 0;
}

/* "AA:BB:..." of 32 bytes, hex digits in either case. */
static bool
is_sha256_hex(const char *s)
{
	if (strlen(s) != 95)
		return false;
	for (size_t i = 0; i < 95; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int
symantec_line(struct ca_lists *l, char *s, const char *path, unsigned lineno, struct mc_error *err)
{
	char *f[4];
	size_t n = fields(s, f, 4);

	if (n >= 2 && streq(f[0], "root") && f[1][0] == '/') {
		push(&l->symantec_roots, &l->n_symantec_roots, f[1]);
		return 0;
	}
	if (n >= 2 && streq(f[0], "exempt") && is_sha256_hex(f[1])) {
		for (char *c = f[1]; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		push(&l->symantec_exempt, &l->n_symantec_exempt, f[1]);
		return 0;
	}
	return mc_error_set(err, MC_EINPUT, "%s:%u: expected 'root TAB /SUBJECT ...' or 'exempt TAB SPKI-SHA-256 "
			    "(AA:BB:..., 32 bytes) ...'", path, lineno);
}

static int
interception_line(struct ca_lists *l, char *s, const char *path, unsigned lineno, struct mc_error *err)
{
	char *f[4];
	struct ca_interceptor *c;

	if (fields(s, f, 4) != 4 || !f[0][0] || !f[2][0] || !f[3][0])
		return mc_error_set(err, MC_EINPUT, "%s:%u: expected PRODUCT TAB KIND TAB PATTERN TAB HOWTO", path,
				    lineno);
	l->icpt = xreallocarray(l->icpt, l->n_icpt + 1, sizeof(*l->icpt));
	c = &l->icpt[l->n_icpt++];
	c->product = xstrdup(f[0]);
	c->kind = xstrdup(f[1]);
	c->pattern = xstrdup(f[2]);
	c->howto = xstrdup(f[3]);
	return 0;
}

int
calist_load(const char *dir, struct ca_lists *out, struct mc_error *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->dir = xstrdup(dir);
	if ((ret = each_line(dir, CALIST_SYMANTEC, symantec_line, out, err)) < 0 ||
	    (ret = each_line(dir, CALIST_INTERCEPTION, interception_line, out, err)) < 0)
		calist_release(out);
	return ret;
}

void
calist_release(struct ca_lists *l)
{
	if (!l)
		return;
	free(l->dir);
	strv_free(l->symantec_roots, l->n_symantec_roots);
	strv_free(l->symantec_exempt, l->n_symantec_exempt);
	for (size_t i = 0; i < l->n_icpt; i++) {
		free(l->icpt[i].product);
		free(l->icpt[i].kind);
		free(l->icpt[i].pattern);
		free(l->icpt[i].howto);
	}
	free(l->icpt);
	memset(l, 0, sizeof(*l));
}

static const char *
ava_label(SECOidTag t)
{
	switch (t) {
	case SEC_OID_AVA_COUNTRY_NAME: return "C";
	case SEC_OID_AVA_ORGANIZATION_NAME: return "O";
	case SEC_OID_AVA_ORGANIZATIONAL_UNIT_NAME: return "OU";
	case SEC_OID_AVA_COMMON_NAME: return "CN";
	case SEC_OID_AVA_LOCALITY: return "L";
	case SEC_OID_AVA_STATE_OR_PROVINCE: return "ST";
	case SEC_OID_PKCS9_EMAIL_ADDRESS: return "emailAddress";
	case SEC_OID_AVA_SERIAL_NUMBER: return "serialNumber";
	default: return NULL;
	}
}

char *
calist_dn(const CERTName *name)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (CERTRDN **rdn = name->rdns; rdn && *rdn; rdn++)
		for (CERTAVA **ava = (*rdn)->avas; ava && *ava; ava++) {
			const char *label = ava_label(CERT_GetAVATag(*ava));
			SECItem *v = CERT_DecodeAVAValue(&(*ava)->value);
			char *oid = label ? NULL : CERT_GetOidString(&(*ava)->type);

			strbuf_addf(&sb, "/%s=", label ? label : oid ? oid : "?");
			if (v)
				strbuf_add(&sb, v->data, v->len);
			if (v)
				SECITEM_FreeItem(v, PR_TRUE);
			if (oid)
				PR_smprintf_free(oid);
		}
	return strbuf_detach(&sb, NULL);
}

static bool
in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

bool
calist_symantec_distrusted(const struct ca_lists *l, CERTCertificate *const *path, size_t n)
{
	_autofree_ char *root = NULL;

	if (!l || n < 2)
		return false;
	root = calist_dn(&path[n - 1]->subject);
	if (!in_list(l->symantec_roots, l->n_symantec_roots, root))
		return false;
	/* the intermediates only, by the SHA-256 of their SubjectPublicKeyInfo (CertSPKIIsInList) */
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned char h[32];
		_autofree_ char *hex = NULL;

		if (PK11_HashBuf(SEC_OID_SHA256, h, path[i]->derPublicKey.data, (PRInt32)path[i]->derPublicKey.len) !=
		    SECSuccess)
			continue;
		hex = hex_encode(h, sizeof(h), true);
		if (in_list(l->symantec_exempt, l->n_symantec_exempt, hex))
			return false;
	}
	return true;
}

const struct ca_interceptor *
calist_interceptor(const struct ca_lists *l, const char *name)
{
	for (size_t i = 0; l && name && i < l->n_icpt; i++)
		if (strcasestr(name, l->icpt[i].pattern))
			return &l->icpt[i];
	return NULL;
}
