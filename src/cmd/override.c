/* SPDX-License-Identifier: MPL-2.0 */
/* override.c: override list, remove, prune, and what override add shares (cert_override.txt). */
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>

#include <cert.h>
#include <certt.h>
#include <pk11pub.h>
#include <secerr.h>

#include "atomic-write.h"
#include "cert-input.h"
#include "fileio.h"
#include "nssdb.h"
#include "output.h"
#include "override.h"
#include "checks.h"
#include "strbuf.h"
#include "tls-fetch.h"
#include "banned.h"

#define OVERRIDE_FILE "cert_override.txt"
/* Ignored lines reported one by one in JSON (a binary file has thousands). */
#define IGNORED_JSON_MAX 1000

struct ov_opts ov_opts;

static void
known_list_release(struct known_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].subject);
		free(l->v[i].issuer);
		free(l->v[i].fingerprint);
		free(l->v[i].dbkey);
		free(l->v[i].origin);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Decode one DER certificate into l (NSS must be up). */
int
ov_known_add(struct known_list *l, const unsigned char *der, size_t len, const char *source, const char *origin,
	  struct mc_error *err)
{
	SECItem item = {siBuffer, (unsigned char *)der, (unsigned int)len};
	CERTCertificate *cert;
	struct known_cert *k;

	cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE);
	if (!cert)
		return mc_error_nss(err, "%s: cannot decode the certificate", origin);
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	k = &l->v[l->n++];
	memset(k, 0, sizeof(*k));
	k->subject = xstrdup(cert->subjectName ? cert->subjectName : "");
	k->issuer = xstrdup(cert->issuerName ? cert->issuerName : "");
	if (CERT_GetCertTimes(cert, &k->not_before, &k->not_after) != SECSuccess)
		k->not_before = k->not_after = 0;
	if (PK11_HashBuf(SEC_OID_SHA256, k->sha256, der, (PRInt32)len) != SECSuccess) {
		CERT_DestroyCertificate(cert);
		l->n--;
		free(k->subject);
		free(k->issuer);
		return mc_error_nss(err, "%s: cannot hash the certificate", origin);
	}
	k->fingerprint = hex_encode(k->sha256, 32, true);
	k->dbkey = override_dbkey(cert->serialNumber.data, cert->serialNumber.len, cert->derIssuer.data,
				  cert->derIssuer.len);
	k->source = source;
	k->origin = xstrdup(origin);
	CERT_DestroyCertificate(cert);
	return 0;
}

/* The certificates just read into ov_opts.ders, decoded into ov_opts.files (NSS is up). */
static int
add_read_files(void *ctx, struct mc_error *err)
{
	int ret = 0;

	(void)ctx;
	for (size_t i = ov_opts.files.n; ret == 0 && i < ov_opts.ders.n; i++)
		ret = ov_known_add(&ov_opts.files, ov_opts.ders.v[i].data, ov_opts.ders.v[i].len, "file",
				   ov_opts.ders.v[i].origin, err);
	return ret;
}

/* Read --cert FILE into ov_opts.ders and ov_opts.files. */
static int
read_cert_file(const char *path, struct mc_error *err)
{
	int ret = certpkg_load(&path, 1, &ov_opts.ders, add_read_files, NULL, err);

	return ret < 0 ? ret : 0;
}

/* The certificates of the profile's store; a profile without one (or one that does not open) gives none. */
static void
read_store(struct cmd_ctx *ctx, const struct profile *p, struct known_list *out)
{
	struct certdb *db = NULL;
	struct cert_info *v = NULL;
	struct mc_error err = {0};
	size_t n = 0;
	int kind, ret;

	if (profile_store_format(p->path) == STORE_NONE)
		return;
	if ((ret = cmd_store_kind(p, &kind, &err)) == 0)
		ret = certdb_open(p->path, (enum certdb_kind)kind, 0, ctx->password, &db, &err);
	if (ret == 0)
		ret = certdb_list(db, &v, &n, &err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		_autofree_ char *origin = xstrdup(v[i].nickname ? v[i].nickname : v[i].sha256_hex);

		if (ov_known_add(out, v[i].der, v[i].der_len, "store", origin, &err) < 0) {
			cmd_warn(ctx, "%s", err.msg);
			mc_error_clear(&err);
		}
	}
	if (db && certdb_close(db, ret < 0 ? NULL : &err) < 0 && ret == 0)
		ret = MC_EFAIL;
	cert_info_array_free(v, n);
	if (ret < 0)
		cmd_warn(ctx, "the certificates of the store are not looked up: %s", err.msg);
}

static bool
dbkey_equal(const char *written, const char *canonical)
{
	const char *a = written, *b = canonical;

	/* Old versions wrote spaces into the dbKey; the reader removes all whitespace. */
	for (;;) {
		while (*a && isspace((unsigned char)*a))
			a++;
		if (!*a || !*b)
			return !*a && !*b;
		if (*a++ != *b++)
			return false;
	}
}

/* The known certificate an entry names: by fingerprint first, then by dbKey. */
static const struct known_cert *
match_entry(const struct override_entry *e, const struct known_list *const *lists, size_t nlists,
	    const char **how)
{
	for (size_t l = 0; l < nlists; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (e->fingerprint && streq(e->fingerprint, lists[l]->v[i].fingerprint)) {
				*how = "fingerprint";
				return &lists[l]->v[i];
			}
	for (size_t l = 0; e->dbkey && l < nlists; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (lists[l]->v[i].dbkey && dbkey_equal(e->dbkey, lists[l]->v[i].dbkey)) {
				*how = "dbkey";
				return &lists[l]->v[i];
			}
	return NULL;
}

static bool
known_expired(const struct known_cert *k, PRTime now)
{
	return k->not_after < now;
}

/* ---- the file ---- */

/* Read and parse PROFILE/cert_override.txt; a missing file is an empty one (*exists false). */
int
ov_read_file(const struct profile *p, bool for_write, struct override_file *f, bool *exists, struct mc_error *err)
{
	_autofree_ char *path = path_join(p->path, OVERRIDE_FILE);
	_autofree_ char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int ret;

	override_file_init(f);
	*exists = false;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return override_parse("", 0, path, f, err);
		return mc_error_sys(err, "cannot stat '%s'", path);
	}
	if (for_write && S_ISLNK(st.st_mode))
		return mc_error_set(err, MC_EINPUT, "refusing to edit '%s': it is a symbolic link", path);
	if ((ret = fileio_read(path, OVERRIDE_MAX_BYTES, &buf, &len, err)) < 0)
		return ret;
	*exists = true;
	return override_parse(buf, len, path, f, err);
}

/*
 * add and remove keep every line they do not edit, so they refuse a file
 * holding binary data rather than carry it along; prune drops such lines as
 * the application does.
 */
int
ov_refuse_binary(const struct override_file *f, struct mc_error *err)
{
	for (size_t i = 0; i < f->n; i++)
		if (memchr(f->lines[i].raw, '\0', f->lines[i].len))
			return mc_error_set(err, MC_EINPUT,
					    "%s:%zu: binary data, not a cert_override.txt line "
					    "(the application ignores it; 'mozcert override prune' removes it)",
					    f->origin, f->lines[i].lineno);
	return 0;
}

/* The era whose reader the profile's application is (D when the version is unknown). */
static enum override_era
reader_era(const struct profile *p, int *major)
{
	*major = profile_app_major(p->path);
	return *major < 0 ? OVERRIDE_ERA_D : override_era_for_version(*major);
}

static struct json_object *
readers_json(unsigned readers)
{
	struct json_object *a = json_object_new_array();

	for (int e = OVERRIDE_ERA_A; e <= OVERRIDE_ERA_D; e++)
		if (readers & OVERRIDE_READER(e))
			json_object_array_add(a, json_object_new_string(override_era_name((enum override_era)e)));
	return a;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Text from the file made safe to show: invalid UTF-8 as \xHH (JSON must be
 * UTF-8), and for a terminal (!json) control characters too, tabs kept.
 */
static char *
safe(const char *s, bool json)
{
	struct strbuf sb;
	char *out;

	strbuf_init(&sb);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_len(p);

		if (n == 0 || (!json && n == 1 && ((*p < 0x20 && *p != '\t') || *p == 0x7f))) {
			strbuf_addf(&sb, "\\x%02X", *p);
			p++;
			continue;
		}
		strbuf_add(&sb, p, n);
		p += n;
	}
	out = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);  /* detach leaves an initialised, allocated buffer */
	return out;
}

/* A JSON string of text from the file; NULL stays null. */
static struct json_object *
jstr(const char *s)
{
	_autofree_ char *t = NULL;

	if (!s)
		return NULL;
	t = safe(s, true);
	return json_object_new_string(t);
}

static char *
host_port(const char *host, int port, const char *attrs)
{
	_autofree_ char *h = safe(host, false);
	_autofree_ char *a = safe(attrs ? attrs : "", false);
	bool v6 = strchr(host, ':') != NULL;

	return xasprintf("%s%s%s:%d%s", v6 ? "[" : "", h, v6 ? "]" : "", port, a);
}

/* ---- override list ---- */

static struct json_object *
known_json(const struct known_cert *k, const char *how, PRTime now)
{
	struct json_object *o = json_object_new_object();
	char nb[32], na[32];

	output_time(k->not_before, nb);
	output_time(k->not_after, na);
	json_object_object_add(o, "source", json_object_new_string(k->source));
	json_object_object_add(o, "origin", jstr(k->origin));
	json_object_object_add(o, "matched_by", json_object_new_string(how));
	json_object_object_add(o, "subject", jstr(k->subject));
	json_object_object_add(o, "issuer", jstr(k->issuer));
	json_object_object_add(o, "not_before", json_object_new_string(nb));
	json_object_object_add(o, "not_after", json_object_new_string(na));
	json_object_object_add(o, "expired", json_object_new_boolean(k->not_after < now));
	json_object_object_add(o, "not_yet_valid", json_object_new_boolean(k->not_before > now));
	json_object_object_add(o, "sha256", json_object_new_string(k->fingerprint));
	return o;
}

static struct json_object *
entry_json(const struct override_line *ln, enum override_era reader, const struct known_cert *k, const char *how,
	   PRTime now)
{
	const struct override_entry *e = ln->entry;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "line", json_object_new_int64((int64_t)ln->lineno));
	json_object_object_add(o, "host", jstr(e->host));
	json_object_object_add(o, "port", json_object_new_int(e->port));
	json_object_object_add(o, "origin_attributes",
			       jstr(e->origin_attrs));
	json_object_object_add(o, "fingerprint", jstr(e->fingerprint));
	json_object_object_add(o, "fingerprint_ok", json_object_new_boolean(e->fingerprint_ok));
	json_object_object_add(o, "bits", jstr(e->bits));
	json_object_object_add(o, "dbkey", jstr(e->dbkey));
	json_object_object_add(o, "era", json_object_new_string(override_era_name(e->era)));
	json_object_object_add(o, "readers", readers_json(e->readers));
	json_object_object_add(o, "read_by_app", json_object_new_boolean(e->readers & OVERRIDE_READER(reader)));
	json_object_object_add(o, "certificate", k ? known_json(k, how, now) : NULL);
	return o;
}

/* One exception as text: the line, and the certificate it names when known. */
static void
print_entry(const struct cmd_ctx *ctx, const struct override_line *ln, enum override_era reader,
	    const struct known_cert *k, const char *how, PRTime now)
{
	const struct override_entry *e = ln->entry;
	_autofree_ char *hp = host_port(e->host, e->port, e->origin_attrs);
	_autofree_ char *fpr = safe(e->fingerprint, false);
	_autofree_ char *bits = safe(e->bits ? e->bits : "-", false);
	char na[32];

	cmd_out(ctx, "%-40s era %-4s bits %-3s %s%s\n", hp, override_era_name(e->era), bits, fpr,
		(e->readers & OVERRIDE_READER(reader)) ? "" : "  (not read by this application version)");
	if (k) {
		_autofree_ char *subj = safe(k->subject, false);
		_autofree_ char *from = safe(k->origin, false);

		output_time(k->not_after, na);
		cmd_out(ctx, "    %s  valid until %.10s%s  [%s: %s%s]\n", subj, na,
			k->not_after < now ? "  EXPIRED" : (k->not_before > now ? "  NOT YET VALID" : ""),
			k->source, from, streq(how, "dbkey") ? ", by dbKey: different fingerprint" : "");
	}
}

/* A line the application ignores: in JSON (the first IGNORED_JSON_MAX), with -v as text. */
static void
report_ignored(const struct cmd_ctx *ctx, const struct override_line *ln, enum override_era reader, PRTime now,
	       size_t nign, struct json_object *ign)
{
	_autofree_ char *what = ln->entry ? host_port(ln->entry->host, ln->entry->port, ln->entry->origin_attrs)
					  : NULL;

	if (ctx->json && nign < IGNORED_JSON_MAX) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "line", json_object_new_int64((int64_t)ln->lineno));
		json_object_object_add(o, "reason", json_object_new_string(ln->reason));
		json_object_object_add(o, "entry", ln->entry ? entry_json(ln, reader, NULL, NULL, now) : NULL);
		json_object_array_add(ign, o);
	}
	if (ctx->verbosity > 0)
		cmd_out(ctx, "line %zu ignored: %s%s%s\n", ln->lineno, ln->reason, what ? ": " : "", what ? what : "");
}

void
override_report_release(struct override_report *r)
{
	free(r->file);
	r->file = NULL;
	for (size_t i = 0; i < r->nrows; i++) {
		free(r->rows[i].host);
		free(r->rows[i].origin_attrs);
		free(r->rows[i].fingerprint);
	}
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}

/* ln as a row of r (verify reads these instead of the JSON). */
static void
add_row(struct override_report *r, const struct override_line *ln, enum override_era reader)
{
	const struct override_entry *e = ln->entry;
	struct override_row *w;

	r->rows = xrealloc(r->rows, (r->nrows + 1) * sizeof(*r->rows));
	w = &r->rows[r->nrows++];
	w->line = (int64_t)ln->lineno;
	/* as the JSON has them: invalid UTF-8 as \xHH */
	w->host = e->host ? safe(e->host, true) : NULL;
	w->port = e->port;
	w->origin_attrs = e->origin_attrs ? safe(e->origin_attrs, true) : NULL;
	w->fingerprint = e->fingerprint ? safe(e->fingerprint, true) : NULL;
	w->read_by_app = e->readers & OVERRIDE_READER(reader);
}

int
override_list_collect(struct cmd_ctx *ctx, const struct profile *p, struct override_report *r,
		      struct json_object *res, struct mc_error *err)
{
	struct override_file f;
	struct known_list store = {0};
	const struct known_list *lists[2] = {&ov_opts.files, &store};
	struct json_object *arr, *ign;
	enum override_era reader;
	PRTime now = PR_Now();
	int major, ret;

	memset(r, 0, sizeof(*r));
	if ((ret = ov_read_file(p, false, &f, &r->exists, err)) < 0)
		return ret;
	reader = reader_era(p, &major);
	read_store(ctx, p, &store);
	arr = json_object_new_array();
	ign = json_object_new_array();
	for (size_t i = 0; i < f.n; i++) {
		const struct override_line *ln = &f.lines[i];
		const struct known_cert *k = NULL;
		const char *how = NULL;

		if (ln->status == OVERRIDE_LINE_INVALID) {
			report_ignored(ctx, ln, reader, now, r->ignored++, ign);
			continue;
		}
		if (ln->status != OVERRIDE_LINE_ENTRY)
			continue;
		r->count++;
		k = match_entry(ln->entry, lists, 2, &how);
		if (k && streq(how, "dbkey"))
			r->other_cert++;
		else if (k && k->not_after < now)
			r->expired++;
		if (ctx->json) {
			json_object_array_add(arr, entry_json(ln, reader, k, how, now));
			add_row(r, ln, reader);
		}
		if (!ctx->json && ctx->verbosity >= 0)
			print_entry(ctx, ln, reader, k, how, now);
	}
	r->file = xstrdup(f.origin ? f.origin : "");
	json_object_object_add(res, "file", json_object_new_string(r->file));
	json_object_object_add(res, "exists", json_object_new_boolean(r->exists));
	json_object_object_add(res, "app_major", major < 0 ? NULL : json_object_new_int(major));
	json_object_object_add(res, "reader_era", json_object_new_string(override_era_name(reader)));
	json_object_object_add(res, "overrides", arr);
	json_object_object_add(res, "count", json_object_new_int64((int64_t)r->count));
	json_object_object_add(res, "ignored", ign);
	json_object_object_add(res, "ignored_count", json_object_new_int64((int64_t)r->ignored));
	known_list_release(&store);
	override_file_release(&f);
	return 0;
}

static int
list_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct override_report r;
	int ret;

	if ((ret = override_list_collect(ctx, p, &r, res, err)) < 0)
		return ret;
	cmd_set_changed(res, false);
	cmd_out(ctx, "%zu override%s", r.count, r.count == 1 ? "" : "s");
	if (r.ignored)
		cmd_out(ctx, ", %zu line%s the application ignores (see -v; 'override prune' removes them)", r.ignored,
			r.ignored == 1 ? "" : "s");
	cmd_out(ctx, "%s\n", r.exists ? "" : " (no cert_override.txt)");
	override_report_release(&r);
	return 0;
}

/* ---- options ---- */

/* HOST[:PORT], [IPv6]:PORT or a bare IPv6 address; host lower-cased. */
int
ov_parse_target(const char *arg, struct mc_error *err)
{
	_autofree_ char *host = NULL;
	const char *portstr = NULL;
	long port = 443;

	if (strstr(arg, "://"))
		return mc_error_set(err, MC_EUSAGE, "'%s': give HOST[:PORT], not a URL", arg);
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close == arg + 1 || (close[1] && close[1] != ':'))
			return mc_error_set(err, MC_EUSAGE, "'%s': expected [IPv6]:PORT", arg);
		host = xstrndup(arg + 1, (size_t)(close - arg - 1));
		if (close[1] == ':')
			portstr = close + 2;
	} else {
		const char *c = strchr(arg, ':');

		if (c && strchr(c + 1, ':')) {
			host = xstrdup(arg);  /* a bare IPv6 address: no port */
		} else {
			host = c ? xstrndup(arg, (size_t)(c - arg)) : xstrdup(arg);
			if (c)
				portstr = c + 1;
		}
	}
	if (portstr) {
		char *end;

		errno = 0;
		port = strtol(portstr, &end, 10);
		if (!*portstr || *end || errno || port < 1 || port > 65535 || !isdigit((unsigned char)*portstr))
			return mc_error_set(err, MC_EUSAGE, "'%s': port must be a number from 1 to 65535", arg);
	}
	if (!*host)
		return mc_error_set(err, MC_EUSAGE, "'%s': empty host name", arg);
	for (char *s = host; *s; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '/' || *s == '[' || *s == ']' || *s == '#')
			return mc_error_set(err, MC_EUSAGE, "'%s': invalid character in host name", arg);
		*s = (char)tolower((unsigned char)*s);
	}
	ov_opts.host = steal_ptr(&host);
	ov_opts.port = (int)port;
	return 0;
}

static int
ov_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	switch (opt) {
	case 'c':
		return read_cert_file(arg, err);
	case 'o':
		ov_opts.origin = streq(arg, "default") ? "" : arg;
		if (*ov_opts.origin && ov_opts.origin[0] != '^')
			return mc_error_set(err, MC_EUSAGE, "%s: --origin takes '' (default) or '^key=value...'",
					    ctx->cmd_name);
		ov_opts.origin_set = true;
		return 0;
	case 'F':
		if (strlen(arg) != 1 || !strchr("ABCDabcd", arg[0]))
			return mc_error_set(err, MC_EUSAGE, "%s: --format takes A, B, C or D", ctx->cmd_name);
		ov_opts.format = (enum override_era)(OVERRIDE_ERA_A + (toupper((unsigned char)arg[0]) - 'A'));
		ov_opts.format_set = true;
		return 0;
	case 'b':
		if (!arg) {
			ov_opts.bits_compute = true;
			return 0;
		}
		if (!*arg || strspn(arg, "MUTmut") != strlen(arg))
			return mc_error_set(err, MC_EUSAGE, "%s: --bits takes letters of MUT", ctx->cmd_name);
		snprintf(ov_opts.bits, sizeof(ov_opts.bits), "%s%s%s", strpbrk(arg, "Mm") ? "M" : "",
			 strpbrk(arg, "Uu") ? "U" : "", strpbrk(arg, "Tt") ? "T" : "");
		ov_opts.bits_compute = false;
		return 0;
	case 'x':
		ov_opts.expired = true;
		return 0;
	case OPT_FETCH:
		ov_opts.fetch = true;
		return 0;
	case OPT_STARTTLS:
		return tlsfetch_opt_starttls(ctx->cmd_name, arg, &ov_opts.starttls, err);
	case OPT_TIMEOUT:
		return tlsfetch_opt_timeout(ctx->cmd_name, arg, &ov_opts.timeout_ms, err);
	default:
		return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
	}
}

/* Options and operands in any order (cmd_getopt); at most max operands, collected in order. */
int
ov_getopt_anywhere(struct cmd_ctx *ctx, int argc, char **argv, const struct option *o, char **operands, int max,
		int *nops, struct mc_error *err)
{
	int first, ret;

	*nops = 0;
	if ((ret = cmd_getopt(ctx, argc, argv, o, ov_opt, &first, err)) < 0)
		return ret;
	for (; first < argc; first++) {
		if (*nops >= max)
			return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first]);
		operands[(*nops)++] = argv[first];
	}
	return 0;
}

static const struct option list_options[] = {{"cert", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};

static int
list_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	char *operand;
	int n;

	return ov_getopt_anywhere(ctx, argc, argv, list_options, &operand, 0, &n, err);
}

void
ov_cleanup(struct cmd_ctx *ctx)
{
	der_list_release(&ov_opts.ders);
	known_list_release(&ov_opts.files);
	free(ov_opts.host);
	ov_opts.host = NULL;
}

const struct cmd_spec cmd_override_list = {
	.name = "list", .prepare = list_prepare, .run = list_run, .cleanup = ov_cleanup, .flags = CMD_STORE,
	.args = "[--cert FILE]",
	.summary = "security exceptions, with the certificate's subject and validity where known",
	.options = list_options,
	.help = "  --cert FILE              also match the exceptions against these certificates\n"
		"                           (repeatable; PEM, DER, PKCS#7, bundles, directories)\n",
};

/* ---- writing ---- */

const char *
ov_action_word(enum override_action a)
{
	switch (a) {
	case OVERRIDE_ADDED:
		return "added";
	case OVERRIDE_REPLACED:
		return "replaced";
	default:
		return "removed";
	}
}

static struct json_object *
changes_json(const struct override_changes *ch)
{
	struct json_object *arr = json_object_new_array_ext((int)ch->n);

	for (size_t i = 0; i < ch->n; i++) {
		const struct override_change *c = &ch->v[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "action", json_object_new_string(ov_action_word(c->action)));
		json_object_object_add(o, "line", c->lineno ? json_object_new_int64((int64_t)c->lineno) : NULL);
		json_object_object_add(o, "host", jstr(c->host));
		json_object_object_add(o, "port", c->host ? json_object_new_int(c->port) : NULL);
		json_object_object_add(o, "fingerprint", jstr(c->fingerprint));
		json_object_object_add(o, "reason", c->reason ? json_object_new_string(c->reason) : NULL);
		json_object_object_add(o, "old", jstr(c->old_line));
		json_object_object_add(o, "new", jstr(c->new_line));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* The diff (--dry-run, -v), else one line per change, lines without an entry summarised after 10. */
static void
print_changes(const struct cmd_ctx *ctx, const struct override_changes *ch)
{
	size_t lines_only = 0;

	for (size_t i = 0; i < ch->n; i++) {
		const struct override_change *c = &ch->v[i];

		if (ctx->dry_run || ctx->verbosity > 0) {
			_autofree_ char *o = c->old_line ? safe(c->old_line, false) : NULL;
			_autofree_ char *n = c->new_line ? safe(c->new_line, false) : NULL;

			if (o)
				cmd_out(ctx, "-%s\n", o);
			if (n)
				cmd_out(ctx, "+%s\n", n);
		} else if (c->host) {
			_autofree_ char *hp = host_port(c->host, c->port, NULL);

			cmd_out(ctx, "%-8s %s%s%s\n", ov_action_word(c->action), hp, c->reason ? ": " : "",
				c->reason ? c->reason : "");
		} else if (++lines_only <= 10) {
			cmd_out(ctx, "%-8s line %zu: %s\n", ov_action_word(c->action), c->lineno,
				c->reason ? c->reason : "");
		}
	}
	if (lines_only > 10)
		cmd_out(ctx, "removed  %zu more lines the application ignores (-v lists them)\n", lines_only - 10);
}

/* Report the changes and write the file when there are any. */
int
ov_commit(struct cmd_ctx *ctx, const struct profile *p, const struct override_file *f,
       const struct override_changes *ch, struct json_object *res, struct mc_error *err)
{
	bool changed = false;
	int ret = 0;

	if (ctx->json)
		json_object_object_add(res, "changes", changes_json(ch));
	else
		print_changes(ctx, ch);
	if (ch->n && !ctx->dry_run) {
		struct strbuf sb;
		struct backup b;

		strbuf_init(&sb);
		override_write(f, &sb);
		backup_init(&b, p->path, ctx->cmd_name);
		ret = atomic_replace(p->path, OVERRIDE_FILE, sb.buf, sb.len, ATOMIC_BACKUP, &b, err);
		if (ret >= 0 && b.id)
			json_object_object_add(res, "backup", json_object_new_string(b.id));
		backup_release(&b);
		strbuf_release(&sb);
		if (ret < 0)
			return ret;
		changed = ret == 1;
	}
	cmd_set_changed(res, changed);
	cmd_out(ctx, "%zu change%s%s\n", ch->n, ch->n == 1 ? "" : "s",
		ctx->dry_run && ch->n ? " (dry run: nothing written)" : "");
	return 0;
}

/* ---- override remove ---- */

static int
remove_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct override_file f;
	struct override_changes ch;
	bool exists;
	int ret;

	if ((ret = ov_read_file(p, true, &f, &exists, err)) < 0 || (ret = ov_refuse_binary(&f, err)) < 0) {
		override_file_release(&f);
		return ret;
	}
	override_changes_init(&ch);
	override_remove(&f, ov_opts.host, ov_opts.port, ov_opts.origin_set ? ov_opts.origin : NULL, &ch);
	json_object_object_add(res, "host", json_object_new_string(ov_opts.host));
	json_object_object_add(res, "port", json_object_new_int(ov_opts.port));
	json_object_object_add(res, "removed", json_object_new_int64((int64_t)ch.n));
	if (!ch.n)
		cmd_out(ctx, "no exception for %s:%d\n", ov_opts.host, ov_opts.port);
	ret = ov_commit(ctx, p, &f, &ch, res, err);
	override_changes_release(&ch);
	override_file_release(&f);
	return ret;
}

static const struct option remove_options[] = {{"origin", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};

static int
remove_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	char *operand = NULL;
	int n, ret;

	if ((ret = ov_getopt_anywhere(ctx, argc, argv, remove_options, &operand, 1, &n, err)) < 0)
		return ret;
	if (n != 1)
		return mc_error_set(err, MC_EUSAGE, "%s: expected HOST[:PORT]", ctx->cmd_name);
	return ov_parse_target(operand, err);
}

const struct cmd_spec cmd_override_remove = {
	.name = "remove", .prepare = remove_prepare, .run = remove_run, .cleanup = ov_cleanup,
	.flags = CMD_WRITES, .args = "HOST[:PORT] [--origin ATTRS]",
	.summary = "remove the exceptions of HOST:PORT (every origin-attribute variant unless --origin)",
	.options = remove_options,
	.help = "  --origin ATTRS           only the exception with these origin attributes\n"
		"                           ('^key=value&...'; 'default': the one without)\n",
};

/* ---- override prune ---- */

struct expiry_ctx {
	const struct known_list *const *lists;
	PRTime now;
};

static bool
entry_expired(const struct override_entry *e, void *arg)
{
	const struct expiry_ctx *x = arg;
	const char *how = NULL;
	const struct known_cert *k = match_entry(e, x->lists, 2, &how);

	/* Only the very certificate the line names (a dbKey match may be another one). */
	return k && streq(how, "fingerprint") && known_expired(k, x->now);
}

static int
prune_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct override_file f;
	struct override_changes ch;
	struct known_list store = {0};
	const struct known_list *lists[2] = {&ov_opts.files, &store};
	struct expiry_ctx x = {lists, PR_Now()};
	unsigned flags = OVERRIDE_PRUNE_INVALID | OVERRIDE_PRUNE_DUPLICATES;
	enum override_era reader;
	bool exists;
	int major, ret;

	if ((ret = ov_read_file(p, true, &f, &exists, err)) < 0)
		return ret;
	reader = reader_era(p, &major);
	if (ov_opts.expired) {
		flags |= OVERRIDE_PRUNE_EXPIRED;
		read_store(ctx, p, &store);
	}
	override_changes_init(&ch);
	override_prune(&f, reader, flags, ov_opts.expired ? entry_expired : NULL, &x, &ch);
	json_object_object_add(res, "reader_era", json_object_new_string(override_era_name(reader)));
	json_object_object_add(res, "removed", json_object_new_int64((int64_t)ch.n));
	ret = ov_commit(ctx, p, &f, &ch, res, err);
	override_changes_release(&ch);
	known_list_release(&store);
	override_file_release(&f);
	return ret;
}

static const struct option prune_options[] = {
	{"expired", no_argument, NULL, 'x'}, {"cert", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
};

static int
prune_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	char *operand;
	int n;

	return ov_getopt_anywhere(ctx, argc, argv, prune_options, &operand, 0, &n, err);
}

const struct cmd_spec cmd_override_prune = {
	.name = "prune", .prepare = prune_prepare, .run = prune_run, .cleanup = ov_cleanup,
	.flags = CMD_WRITES | CMD_STORE, .args = "[--expired [--cert FILE]]",
	.summary = "remove lines the application ignores, duplicates and (--expired) expired exceptions",
	.options = prune_options,
	.help = "  --expired                also the exceptions whose certificate has expired\n"
		"  --cert FILE              certificates to judge them by, beside the store's (repeatable)\n",
};
