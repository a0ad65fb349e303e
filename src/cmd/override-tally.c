/* SPDX-License-Identifier: MPL-2.0 */
/*
 * override-tally.c: doctor's counts of cert_override.txt (entries, ignored,
 * expired, another certificate) matched against the profile's store, scanned
 * line by line: no parsed copy of the file and no JSON object per line.
 */
#include <errno.h>
#include <sys/stat.h>

#include <cert.h>

#include "checks.h"
#include "cmd.h"
#include "fileio.h"
#include "nssdb.h"
#include "override-match.h"
#include "banned.h"

/* The strings override_known points to, owned here. */
struct known_set {
	struct override_known *k;
	char **fp, **dbkey;
	size_t n;
};

static void
known_set_release(struct known_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->fp[i]);
		free(s->dbkey[i]);
	}
	free(s->k);
	free(s->fp);
	free(s->dbkey);
	memset(s, 0, sizeof(*s));
}

/* The dbKey of a DER certificate (NSS is up), or NULL when it does not decode. */
static char *
dbkey_of(const unsigned char *der, size_t len)
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};
	CERTCertificate *cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE);
	char *key;

	if (!cert)
		return NULL;
	key = override_dbkey(cert->serialNumber.data, cert->serialNumber.len, cert->derIssuer.data,
			     cert->derIssuer.len);
	CERT_DestroyCertificate(cert);
	return key;
}

/* The store's certificates, as override list looks them up; none when the store does not open. */
static void
store_known(const struct cmd_ctx *ctx, const struct profile *p, struct known_set *out)
{
	struct certdb *db = NULL;
	struct cert_info *v = NULL;
	struct mc_error err = {0};
	size_t n = 0;
	int kind;

	memset(out, 0, sizeof(*out));
	if (profile_store_format(p->path) == STORE_NONE || cmd_store_kind(p, &kind, &err) < 0 ||
	    certdb_open(p->path, (enum certdb_kind)kind, 0, ctx->password, &db, &err) < 0)
		return;
	if (certdb_list(db, &v, &n, &err) == 0 && n) {
		out->k = xzalloc(n * sizeof(*out->k));
		out->fp = xzalloc(n * sizeof(*out->fp));
		out->dbkey = xzalloc(n * sizeof(*out->dbkey));
		for (size_t i = 0; i < n; i++) {
			out->fp[i] = xstrdup(v[i].sha256_hex);
			out->dbkey[i] = dbkey_of(v[i].der, v[i].der_len);
			out->k[i] = (struct override_known){out->fp[i], out->dbkey[i], v[i].not_after, i};
		}
		out->n = n;
	}
	certdb_close(db, NULL);
	cert_info_array_free(v, n);
}

/* PROFILE/cert_override.txt's bytes; a missing file is an empty one (*exists false). */
static int
read_override(const struct profile *p, char **path, char **buf, size_t *len, bool *exists, struct mc_error *err)
{
	struct stat st;
	int ret;

	*path = path_join(p->path, "cert_override.txt");
	*buf = NULL;
	*len = 0;
	*exists = false;
	if (lstat(*path, &st) < 0)
		return errno == ENOENT ? 0 : mc_error_sys(err, "cannot stat '%s'", *path);
	if ((ret = fileio_read(*path, OVERRIDE_MAX_BYTES, buf, len, err)) < 0)
		return ret;
	*exists = true;
	return 0;
}

int
override_report_tally(const struct cmd_ctx *ctx, const struct profile *p, struct override_report *r,
		      struct mc_error *err)
{
	struct known_set known;
	struct override_index ix;
	struct override_tally t;
	_autofree_ char *buf = NULL;
	size_t len = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = read_override(p, &r->file, &buf, &len, &r->exists, err)) < 0)
		return ret;
	store_known(ctx, p, &known);
	override_index_build(&ix, known.k, known.n);
	ret = override_tally(buf ? buf : "", len, r->file, &ix, PR_Now(), &t, err);
	override_index_release(&ix);
	known_set_release(&known);
	r->count = t.entries;
	r->ignored = t.ignored;
	r->expired = t.expired;
	r->other_cert = t.other_certificate;
	return ret;
}
