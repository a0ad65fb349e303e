/* SPDX-License-Identifier: MPL-2.0 */
/* trust.c: certutil trust strings and PKCS#11 trust encodings. */
#include "trust.h"

#include <certdb.h>
#include <pkcs11n.h>

#include "banned.h"

#define LETTER_BITS (CERTDB_TERMINAL_RECORD | CERTDB_TRUSTED | CERTDB_SEND_WARN | \
		     CERTDB_VALID_CA | CERTDB_TRUSTED_CA | CERTDB_USER |              \
		     CERTDB_TRUSTED_CLIENT_CA | CERTDB_INVISIBLE_CA | CERTDB_GOVT_APPROVED_CA)

static int
letter_bits(char c, unsigned *bits)
{
	switch (c) {
	case 'p':
		*bits = CERTDB_TERMINAL_RECORD;
		return 0;
	case 'P':
		*bits = CERTDB_TRUSTED | CERTDB_TERMINAL_RECORD;
		return 0;
	case 'w':
		*bits = CERTDB_SEND_WARN;
		return 0;
	case 'c':
		*bits = CERTDB_VALID_CA;
		return 0;
	case 'T':
		*bits = CERTDB_TRUSTED_CLIENT_CA | CERTDB_VALID_CA;
		return 0;
	case 'C':
		*bits = CERTDB_TRUSTED_CA | CERTDB_VALID_CA;
		return 0;
	case 'u':
		*bits = CERTDB_USER;
		return 0;
	case 'i':
		*bits = CERTDB_INVISIBLE_CA;
		return 0;
	case 'g':
		*bits = CERTDB_GOVT_APPROVED_CA;
		return 0;
	default:
		return -1;
	}
}

int
trust_parse(const char *s, CERTCertTrust *out, struct mc_error *err)
{
	unsigned cols[3] = {0, 0, 0};
	unsigned col = 0;

	if (!s)
		return mc_error_set(err, MC_EUSAGE, "missing trust string");
	for (const char *p = s; *p; p++) {
		unsigned bits;

		if (*p == ',') {
			if (++col > 2)
				return mc_error_set(err, MC_EUSAGE,
						    "invalid trust '%s': more than three columns (SSL,S/MIME,code signing)", s);
			continue;
		}
		if (letter_bits(*p, &bits) < 0)
			return mc_error_set(err, MC_EUSAGE,
					    "invalid trust '%s': unknown letter '%c' (use p P c C T u w i g)", s, *p);
		cols[col] |= bits;
	}
	if (col != 2)
		return mc_error_set(err, MC_EUSAGE,
				    "invalid trust '%s': expected three columns such as 'C,,' (SSL,S/MIME,code signing)", s);
	out->sslFlags = cols[0];
	out->emailFlags = cols[1];
	out->objectSigningFlags = cols[2];
	return 0;
}

static void
format_flags(unsigned f, char **o)
{
	if ((f & CERTDB_VALID_CA) && !(f & CERTDB_TRUSTED_CA) && !(f & CERTDB_TRUSTED_CLIENT_CA))
		*(*o)++ = 'c';
	if ((f & CERTDB_TERMINAL_RECORD) && !(f & CERTDB_TRUSTED))
		*(*o)++ = 'p';
	if (f & CERTDB_TRUSTED_CA)
		*(*o)++ = 'C';
	if (f & CERTDB_TRUSTED_CLIENT_CA)
		*(*o)++ = 'T';
	if (f & CERTDB_TRUSTED)
		*(*o)++ = 'P';
	if (f & CERTDB_USER)
		*(*o)++ = 'u';
	if (f & CERTDB_SEND_WARN)
		*(*o)++ = 'w';
	if (f & CERTDB_INVISIBLE_CA)
		*(*o)++ = 'I';
	if (f & CERTDB_GOVT_APPROVED_CA)
		*(*o)++ = 'G';
}

void
trust_format(const CERTCertTrust *t, char out[TRUST_STR_MAX])
{
	char *o = out;

	format_flags(t->sslFlags, &o);
	*o++ = ',';
	format_flags(t->emailFlags, &o);
	*o++ = ',';
	format_flags(t->objectSigningFlags, &o);
	*o = '\0';
}

bool
trust_equal(const CERTCertTrust *a, const CERTCertTrust *b)
{
	char sa[TRUST_STR_MAX], sb[TRUST_STR_MAX];
	CERTCertTrust ma = *a, mb = *b;

	/*
	 * Compare what the letters show: that is what NSS acts on and certutil
	 * prints. 'u' is not a setting: NSS derives it from a private key.
	 */
	ma.sslFlags &= ~CERTDB_USER;
	ma.emailFlags &= ~CERTDB_USER;
	ma.objectSigningFlags &= ~CERTDB_USER;
	mb.sslFlags &= ~CERTDB_USER;
	mb.emailFlags &= ~CERTDB_USER;
	mb.objectSigningFlags &= ~CERTDB_USER;
	trust_format(&ma, sa);
	trust_format(&mb, sb);
	return strcmp(sa, sb) == 0;
}

bool
trust_is_empty(const CERTCertTrust *t)
{
	return !((t->sslFlags | t->emailFlags | t->objectSigningFlags) & LETTER_BITS);
}

static unsigned
v32_bits(unsigned long v)
{
	switch (v) {
	case TRUST_V32_TRUSTED:
		return CERTDB_TRUSTED | CERTDB_TERMINAL_RECORD;
	case TRUST_V32_ANCHOR:
		return CERTDB_TRUSTED_CA | CERTDB_VALID_CA;
	case TRUST_V32_NOT_TRUSTED:
		return CERTDB_TERMINAL_RECORD;
	default:
		return 0;
	}
}

void
trust_from_v32(unsigned long server, unsigned long client, unsigned long code,
	       unsigned long email, CERTCertTrust *out)
{
	memset(out, 0, sizeof(*out));
	out->sslFlags = v32_bits(server);
	if (client == TRUST_V32_ANCHOR)
		out->sslFlags |= CERTDB_TRUSTED_CLIENT_CA | CERTDB_VALID_CA;
	out->emailFlags = v32_bits(email);
	out->objectSigningFlags = v32_bits(code);
}

static unsigned
nss_trust_bits(unsigned long v)
{
	switch (v) {
	case CKT_NSS_TRUSTED:
		return CERTDB_TERMINAL_RECORD | CERTDB_TRUSTED;
	case CKT_NSS_TRUSTED_DELEGATOR:
		return CERTDB_VALID_CA | CERTDB_TRUSTED_CA;
	case CKT_NSS_NOT_TRUSTED:
		return CERTDB_TERMINAL_RECORD;
	case CKT_NSS_VALID_DELEGATOR:
		return CERTDB_VALID_CA;
	default:
		return 0;
	}
}

void
trust_from_nss(unsigned long server, unsigned long client, unsigned long code, unsigned long email,
	       bool step_up, CERTCertTrust *out)
{
	unsigned c = nss_trust_bits(client);

	memset(out, 0, sizeof(*out));
	out->sslFlags = nss_trust_bits(server);
	if (c & CERTDB_TRUSTED_CA) {
		c &= ~CERTDB_TRUSTED_CA;
		out->sslFlags |= CERTDB_TRUSTED_CLIENT_CA;
	}
	out->sslFlags |= c;
	out->emailFlags = nss_trust_bits(email);
	out->objectSigningFlags = nss_trust_bits(code);
	if (step_up)
		out->sslFlags |= CERTDB_GOVT_APPROVED_CA;
}
