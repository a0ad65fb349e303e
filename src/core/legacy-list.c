/* SPDX-License-Identifier: MPL-2.0 */
/* legacy-list.c: a cert8.db through NSS in a child process (legacy-list.h). */
#include <string.h>
#include <nss.h>
#include <cert.h>

#include "legacy-list.h"
#include "fileio.h"
#include "salvage.h"
#include "util.h"
#include "banned.h"

/* Largest cert8.db read to count its records. */
#define LEGACY_MAX_FILE (1024u * 1024u * 1024u)

/* The fields the child does not send (subject, issuer, serial, validity, CA), from the DER. NSS initialised. */
static void
complete(struct cert_info *ci)
{
	CERTCertificate *cert = certdb_decode(ci->der, ci->der_len);

	if (!cert) {
		ci->subject = xstrdup("");
		ci->issuer = xstrdup("");
		ci->serial_hex = xstrdup("");
		return;
	}
	certdb_describe(cert, ci);
	CERT_DestroyCertificate(cert);
}

/* Certificates the hash-record reader finds in dir/cert8.db (NSS initialised without a database). */
static size_t
count_records(const char *dir)
{
	_autofree_ char *path = path_join(dir, "cert8.db");
	_autofree_ char *buf = NULL;
	struct mc_error e = {0};
	struct salvage s;
	size_t len = 0, n;

	if (fileio_read(path, LEGACY_MAX_FILE, &buf, &len, &e) < 0)
		return 0;
	salvage_init(&s);
	(void)salvage_dbm((const unsigned char *)buf, len, &s, &e);
	n = s.n;
	salvage_release(&s);
	return n;
}

int
legacy_list(const char *dir, const char *shown, unsigned flags, const char *password,
	    struct legacy_listing *out, struct mc_error *err)
{
	struct mc_error first = {0};
	int ret;

	memset(out, 0, sizeof(*out));
	flags &= ~(unsigned)CERTDB_LIST_UNCLOSED;
	ret = certdb_list_apart(dir, shown, CERTDB_DBM, flags, password, &out->v, &out->n, &first);
	if (ret == MC_EDAMAGED) {
		/* The same listing without the close: when it stands, the close was what failed. */
		if (certdb_list_apart(dir, shown, CERTDB_DBM, flags | CERTDB_LIST_UNCLOSED, password, &out->v, &out->n,
				      err) < 0) {
			*err = first;
			return ret;
		}
		out->busy = true;
		out->busy_msg = xstrdup(first.msg);
	} else if (ret < 0) {
		*err = first;
		return ret;
	}
	if ((ret = certdb_nodb_init(err)) < 0) {
		legacy_listing_release(out);
		return ret;
	}
	for (size_t i = 0; i < out->n; i++)
		complete(&out->v[i]);
	if (out->busy)
		out->records = count_records(dir);
	return certdb_nodb_shutdown(err);
}

void
legacy_listing_release(struct legacy_listing *l)
{
	cert_info_array_free(l->v, l->n);
	free(l->busy_msg);
	memset(l, 0, sizeof(*l));
}
