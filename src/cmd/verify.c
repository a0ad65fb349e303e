/* SPDX-License-Identifier: MPL-2.0 */
/*
 * verify.c: verify CERTFILE|HOST[:PORT] [--name HOST] [--port N] [--roots LIB|none]
 * [--starttls PROTO] [--timeout S] [--save FILE]:
 * would the application accept this server certificate, with the profile's
 * own store, trust, security exceptions and MD5 pref? Names each problem by
 * the error code the application shows and prints the command that fixes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aia-fetch.h"
#include "checks.h"
#include "cmd.h"
#include "cert-input.h"
#include "findings.h"
#include "nssdb.h"
#include "output.h"
#include "tls-fetch.h"
#include "verify-causes.h"
#include "verify-fix.h"
#include "verify.h"
#include "banned.h"

/* option values outside the global options' letters */
enum { OPT_NAME = 0x100, OPT_PORT, OPT_ROOTS, OPT_STARTTLS, OPT_TIMEOUT, OPT_SAVE, OPT_FIX, OPT_ACCEPT };

struct verify_opts {
	const char *file;     /* the operand, as given */
	struct der_list certs;
	char *name;           /* --name, lower-case */
	int port;             /* --port, for the security exception */
	const char *roots;    /* --roots: a module path, "none", or NULL (search) */
	bool port_set;        /* --port given */
	/* verify HOST[:PORT]: the chain fetched from the server */
	char *host;           /* NULL for a file */
	int fetch_port;       /* the port connected to */
	int starttls;         /* --starttls, STARTTLS_AUTO when not given */
	int timeout_ms;       /* --timeout */
	const char *save;     /* --save FILE */
	struct tlsfetch_result fetched;
	struct tlsfetch_sent sent;
	bool fix;             /* --fix: apply the fixes printed */
	bool accept;          /* --accept: with --fix, add a security exception when nothing else helps */
	char *aia_url;        /* the caIssuers URL fetched (once for every profile), or NULL */
	struct aia_issuer aia;
};

static struct verify_opts opts;

static int
verify_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	char *end;
	long v;

	switch (opt) {
	case OPT_NAME:
		free(opts.name);
		opts.name = xstrdup(arg);
		for (char *c = opts.name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		return opts.name[0] ? 0 : mc_error_set(err, MC_EUSAGE, "%s: empty --name", ctx->cmd_name);
	case OPT_PORT:
		v = strtol(arg, &end, 10);
		if (!*arg || *end || v < 1 || v > 65535)
			return mc_error_set(err, MC_EUSAGE, "%s: --port must be 1 to 65535", ctx->cmd_name);
		opts.port = (int)v;
		opts.port_set = true;
		return 0;
	case OPT_STARTTLS:
		return tlsfetch_opt_starttls(ctx->cmd_name, arg, &opts.starttls, err);
	case OPT_TIMEOUT:
		return tlsfetch_opt_timeout(ctx->cmd_name, arg, &opts.timeout_ms, err);
	case OPT_SAVE:
		opts.save = arg;
		return 0;
	case OPT_FIX:
		opts.fix = true;
		return 0;
	case OPT_ACCEPT:
		opts.accept = true;
		return 0;
	case OPT_ROOTS:
		opts.roots = arg;
		return 0;
	}
	return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
}

static const struct option verify_options[] = {
	{"name", required_argument, NULL, OPT_NAME},
	{"port", required_argument, NULL, OPT_PORT},
	{"roots", required_argument, NULL, OPT_ROOTS},
	{"starttls", required_argument, NULL, OPT_STARTTLS},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"save", required_argument, NULL, OPT_SAVE},
	{"fix", no_argument, NULL, OPT_FIX},
	{"accept", no_argument, NULL, OPT_ACCEPT},
	{NULL, 0, NULL, 0},
};

/*
 * A server rather than a file: no such file, no '/', and either a ':' (a
 * port, an IPv6 address) or no certificate file's extension.
 */
static bool
looks_like_server(const char *arg)
{
	static const char *const exts[] = {".pem", ".crt", ".cer", ".der", ".p7b", ".p7c", ".cert", ".ca"};
	size_t n = strlen(arg);

	if (strchr(arg, '/') || access(arg, F_OK) == 0)
		return false;
	if (strchr(arg, ':'))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (n > strlen(exts[i]) && strcasecmp(arg + n - strlen(exts[i]), exts[i]) == 0)
			return false;
	return true;
}

/* verify HOST[:PORT]: fetch the chain the server sends into opts.certs, once, before any profile. */
static int
fetch_server(struct cmd_ctx *ctx, struct mc_error *err)
{
	struct tlsfetch_req req = {0};
	int port, ret;

	if ((ret = tlsfetch_parse_target(opts.file, 443, &opts.host, &port, err)) < 0)
		return ret;
	if (!opts.port_set)
		opts.port = port;
	if (!opts.name)
		opts.name = xstrdup(opts.host);
	req.host = opts.host;
	req.port = opts.fetch_port = port;
	req.sni = opts.name;
	req.starttls = (enum starttls_proto)opts.starttls;
	req.timeout_ms = opts.timeout_ms;
	if ((ret = certdb_nodb_init(err)) < 0)
		return ret;
	ret = tlsfetch(&req, &opts.fetched, err);
	if (ret == 0)
		ret = tlsfetch_describe(&opts.fetched.chain, &opts.sent, err);
	if (ret == 0 && opts.save)
		ret = tlsfetch_save_pem(&opts.fetched.chain, opts.save, err);
	if (certdb_nodb_shutdown(ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < opts.fetched.chain.n; i++)
		der_list_add(&opts.certs, opts.fetched.chain.v[i].data, opts.fetched.chain.v[i].len,
			     opts.fetched.chain.v[i].origin);
	if (opts.save)
		cmd_out(ctx, "saved the %zu certificate%s the server sent to '%s'\n", opts.certs.n,
			 opts.certs.n == 1 ? "" : "s", opts.save);
	return 0;
}

static int
verify_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first = 0, ret;

	opts.port = 443;
	opts.starttls = STARTTLS_AUTO;
	if ((ret = cmd_getopt(ctx, argc, argv, verify_options, verify_opt, &first, err)) < 0)
		return ret;
	if (first >= argc)
		return mc_error_set(err, MC_EUSAGE, "%s: expected one certificate file or HOST[:PORT]", ctx->cmd_name);
	if (first + 1 < argc)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first + 1]);
	opts.file = argv[first];
	if (opts.accept && !opts.fix)
		return mc_error_set(err, MC_EUSAGE, "%s: --accept goes with --fix", ctx->cmd_name);
	if (looks_like_server(opts.file))
		return fetch_server(ctx, err);
	if (opts.starttls != STARTTLS_AUTO || opts.save)
		return mc_error_set(err, MC_EUSAGE, "%s: --starttls and --save are for HOST[:PORT], not a file",
				    ctx->cmd_name);
	return certpkg_read_path(opts.file, &opts.certs, err);
}

static void
verify_cleanup(struct cmd_ctx *ctx)
{
	(void)ctx;
	der_list_release(&opts.certs);
	free(opts.name);
	opts.name = NULL;
	free(opts.host);
	opts.host = NULL;
	tlsfetch_result_release(&opts.fetched);
	tlsfetch_sent_release(&opts.sent);
	free(opts.aia_url);
	opts.aia_url = NULL;
	aia_issuer_release(&opts.aia);
	verify_lists_release();
	verify_ocsp_cache_release();
}

/* The built-in roots module to load: --roots, else the system's libnssckbi; NULL for none. */
static char *
roots_library(void)
{
	static const char *const pats[] = {"/usr/lib/*/libnssckbi.so", "/usr/lib64/libnssckbi.so",
					   "/usr/lib/libnssckbi.so"};
	char *found = NULL;

	if (opts.roots)
		return streq(opts.roots, "none") ? NULL : xstrdup(opts.roots);
	for (size_t i = 0; i < ARRAY_SIZE(pats) && !found; i++) {
		glob_t g;

		if (glob(pats[i], 0, NULL, &g) == 0 && g.gl_pathc)
			found = xstrdup(g.gl_pathv[0]);
		globfree(&g);
	}
	return found;
}

static const char *
source_name(enum verify_source s)
{
	return s == VSRC_FILE ? "file" : s == VSRC_STORE ? "store" : "built-in";
}

/* The line of cert_override.txt that makes the application accept this certificate for name:port, or 0. */
static int64_t
exception_line(const struct cmd_ctx *ctx, const struct profile *p, const char *sha256_hex)
{
	struct cmd_ctx q = *ctx;
	struct mc_error err = {0};
	struct override_report r;
	struct json_object *res;
	int64_t line = 0;

	if (!opts.name)
		return 0;
	q.json = true;  /* rows are filled with json; nothing prints at verbosity -1 */
	q.verbosity = -1;
	q.cmd_name = "override list";
	res = json_object_new_object();
	if (override_list_collect(&q, p, &r, res, &err) == 0)
		for (size_t i = 0; i < r.nrows && !line; i++) {
			const struct override_row *e = &r.rows[i];

			if (e->read_by_app && e->host && strcasecmp(e->host, opts.name) == 0 &&
			    e->port == opts.port && (!e->origin_attrs || !e->origin_attrs[0]) &&
			    streq(e->fingerprint, sha256_hex))
				line = e->line;
		}
	override_report_release(&r);
	json_object_put(res);
	return line;
}

static bool
md5_accepted(const struct cmd_ctx *ctx, const struct profile *p, bool *honoured)
{
	struct cmd_ctx q = *ctx;
	struct mc_error err = {0};
	struct pref_checks pc;
	bool on;

	q.json = true;
	q.verbosity = -1;
	q.cmd_name = "md5 status";
	on = pref_checks_load(&q, p, &pc, &err) == 0;
	*honoured = on && pc.md5.honoured;
	on = on && pc.md5.accepted;
	pref_checks_release(&pc);
	return on;
}

/* text for a shell comment: control characters become '?' (caller frees) */
static char *
comment_text(const char *s)
{
	char *t = xstrdup(s);

	for (char *c = t; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return t;
}

/* The issuer fetched from r's caIssuers URL is r's missing issuer (its key verifies the signature). */
static bool aia_leads; /* with the issuer fetched the chain reaches a trust anchor (this profile) */

static bool
aia_usable(const struct verify_result *r)
{
	return r->ca_issuers_url && opts.aia_url && streq(opts.aia_url, r->ca_issuers_url) && opts.aia.signature_ok &&
	       aia_leads;
}

/* The command that fixes problem q; NULL when only the server can (a new certificate). */
static char *
problem_fix(const struct profile *p, const struct verify_result *r, const struct verify_problem *q,
	    bool md5_honoured)
{
	const struct verify_link *l = &r->chain[q->at < r->n_chain ? q->at : r->n_chain - 1];
	const struct verify_link *last = &r->chain[r->n_chain - 1];
	_autofree_ char *file = shell_quote(opts.file);
	_autofree_ char *host = NULL, *hp = NULL, *sub = NULL, *what = NULL;

	if (streq(q->code, "SEC_ERROR_UNKNOWN_ISSUER") && r->missing_issuer) {
		what = comment_text(r->missing_issuer);
		if (aia_usable(r))
			sub = xasprintf("cert import ISSUER.pem   # ISSUER.pem: the CA certificate '%s', from %s "
					"(verify --fix fetches and imports it)", what, r->ca_issuers_url);
		else
			sub = xasprintf("cert import ISSUER.pem   # ISSUER.pem: the CA certificate '%s'%s%s", what,
					r->ca_issuers_url ? ", from " : "", r->ca_issuers_url ? r->ca_issuers_url : "");
		return fix_cmd(p, sub);
	}
	if (streq(q->code, "SEC_ERROR_UNKNOWN_ISSUER") && !last->anchor && streq(last->subject, last->issuer)) {
		/* the chain ends at a root nobody trusts */
		what = comment_text(last->subject);
		if (last->src == VSRC_STORE)
			sub = xasprintf("cert trust %s C,,   # only if you trust the root '%s'", last->sha256_hex, what);
		else
			sub = xasprintf("cert import --trust C,, ROOT.pem   # ROOT.pem: the root '%s' (SHA-256 %s), only "
					"if you trust it", what, last->sha256_hex);
		return fix_cmd(p, sub);
	}
	if ((streq(q->code, "SEC_ERROR_UNTRUSTED_ISSUER") || streq(q->code, "SEC_ERROR_UNTRUSTED_CERT")) &&
	    l->src == VSRC_STORE)
		sub = xasprintf("cert trust %s ,,   # lifts the distrust", l->sha256_hex);
	else if (streq(q->code, "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED") && md5_honoured)
		sub = xstrdup("md5 on");
	if (sub)
		return fix_cmd(p, sub);
	if (!q->overridable)
		return NULL;
	/* a security exception for the server: IPv6 addresses in brackets, as override add reads them */
	host = opts.name ? (strchr(opts.name, ':') ? xasprintf("[%s]", opts.name) : xstrdup(opts.name)) : NULL;
	hp = xasprintf("%s:%d", host ? host : "HOST", opts.port);
	{
		_autofree_ char *qhp = host ? shell_quote(hp) : xstrdup(hp);

		bool same = opts.host && streq(opts.host, opts.name) && !opts.port_set;

		if (opts.host && opts.save) {
			_autofree_ char *saved = shell_quote(opts.save);

			sub = xasprintf("override add %s --cert %s", qhp, saved);
		} else if (same && opts.fetched.starttls != starttls_for_port(opts.port)) {
			sub = xasprintf("override add %s --fetch --starttls %s", qhp,
					starttls_name(opts.fetched.starttls));
		} else if (same) {
			sub = xasprintf("override add %s --fetch", qhp);
		} else if (opts.host) {
			/* the exception's name is not the address connected to: keep the chain in a file */
			sub = xasprintf("override add %s --cert CHAIN.pem   # CHAIN.pem: from verify %s --save CHAIN.pem",
					qhp, file);
		} else {
			sub = xasprintf("override add %s --cert %s", qhp, file);
		}
	}
	return fix_cmd(p, sub);
}

/* Is this certificate (by SHA-256) one the server sent? its index, or -1. */
static int
sent_index(const char *sha256_hex)
{
	for (size_t i = 0; i < opts.sent.n; i++)
		if (streq(opts.sent.sha256_hex[i], sha256_hex))
			return (int)i;
	return -1;
}

/*
 * What the server sent, printed and as JSON. It omitted an intermediate when
 * the chain built ends its sent part at a certificate that is not
 * self-signed and whose issuer is either an intermediate found locally
 * (store or built-in) or unknown while that certificate is the server's own
 * (not a CA): a server's certificate is issued by an intermediate.
 */
static struct json_object *
server_json(const struct cmd_ctx *ctx, const struct verify_result *r)
{
	struct json_object *o = json_object_new_object(), *names = json_object_new_array();
	size_t k = 0;
	int last;
	bool omitted = false;

	while (k + 1 < r->n_chain && r->chain[k + 1].src == VSRC_FILE)
		k++;
	last = sent_index(r->chain[k].sha256_hex);
	if (last >= 0 && !opts.sent.self_signed[last]) {
		if (k + 1 < r->n_chain)
			omitted = !streq(r->chain[k + 1].subject, r->chain[k + 1].issuer);
		else
			omitted = r->missing_issuer && !opts.sent.is_ca[last];
	}
	for (size_t i = 0; i < opts.sent.n_names; i++)
		json_object_array_add(names, json_object_new_string(opts.sent.names[i]));
	json_object_object_add(o, "host", json_object_new_string(opts.host));
	json_object_object_add(o, "port", json_object_new_int(opts.fetch_port));
	json_object_object_add(o, "address", json_object_new_string(opts.fetched.address));
	json_object_object_add(o, "starttls", json_object_new_string(starttls_name(opts.fetched.starttls)));
	json_object_object_add(o, "tls_version", opts.fetched.version[0] ? json_object_new_string(opts.fetched.version) : NULL);
	json_object_object_add(o, "certificates_sent", json_object_new_int64((int64_t)opts.sent.n));
	json_object_object_add(o, "omitted_intermediate", json_object_new_boolean(omitted));
	json_object_object_add(o, "names", names);
	json_object_object_add(o, "saved", opts.save ? json_object_new_string(opts.save) : NULL);

	cmd_out(ctx, "server: %s (%s), %s%s%s%s: sent %zu certificate%s\n", opts.fetched.chain.v[0].origin,
		opts.fetched.address, opts.fetched.version[0] ? opts.fetched.version : "TLS",
		opts.fetched.starttls == STARTTLS_NONE ? "" : " after STARTTLS (",
		opts.fetched.starttls == STARTTLS_NONE ? "" : starttls_name(opts.fetched.starttls),
		opts.fetched.starttls == STARTTLS_NONE ? "" : ")", opts.sent.n, opts.sent.n == 1 ? "" : "s");
	cmd_out(ctx, "        valid for:");
	for (size_t i = 0; i < opts.sent.n_names; i++)
		cmd_out(ctx, " %s", opts.sent.names[i]);
	cmd_out(ctx, "%s\n", opts.sent.n_names ? "" : " (no subjectAltName)");
	if (omitted)
		cmd_out(ctx, "        the server omits an intermediate: it does not send the issuer of '%s'\n",
			r->chain[k].subject);
	return o;
}

/*
 * Judge certs for name as the application would with p's store, its trust,
 * the built-in roots module lib (may be NULL) and md5_ok; *unread, *unreadable
 * tell what the application reads of the store.
 */
static int
judge(const struct cmd_ctx *ctx, const struct profile *p, const struct der_list *certs, const char *name,
      const char *lib, bool md5_ok, struct verify_result *r, bool *unread, bool *unreadable, struct mc_error *err)
{
	struct certdb *db = NULL;
	struct cert_info *store = NULL;
	size_t n_store = 0;
	int major = profile_app_major(p->path);
	struct mc_error list_err = {0};
	int kind, ret;

	*unread = *unreadable = false;
	if ((ret = cmd_store_kind(p, &kind, err)) < 0)
		return ret;
	/* both stores: an application older than 58 reads cert8.db (as db check says) */
	if (profile_store_format(p->path) == STORE_BOTH && major >= 0 && major < APP_FIRST_SQL_MAJOR)
		kind = CERTDB_DBM;
	ret = certdb_open(p->path, (enum certdb_kind)kind, 0, ctx->password, &db, err);
	/* A legacy-only store that the application does not read: it starts with an empty one. */
	*unread = kind == CERTDB_DBM && (major < 0 || major >= APP_FIRST_NO_DBM_MAJOR);
	if (ret == 0 && !*unread && certdb_list(db, &store, &n_store, &list_err) < 0) {
		/* NSS opened the store but cannot read it: neither can the application */
		cmd_warn(ctx, "%s: judged with no certificate of the store, as the application would", list_err.msg);
		*unreadable = true;
	}
	if (ret == 0 && lib)
		ret = certdb_load_roots(db, lib, err);
	if (ret == 0)
		ret = verify_server_cert(certs, store, n_store, name, md5_ok, verify_lists(ctx), PR_Now(), r, err);
	cert_info_array_free(store, n_store);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	if (ret < 0)
		verify_result_release(r);
	return ret;
}

int
verify_accepts(const struct cmd_ctx *ctx, const struct profile *p, const struct der_list *certs, const char *name,
	       bool *accepted, struct mc_error *err)
{
	struct verify_result r = {0};
	_autofree_ char *lib = roots_library();
	bool md5_honoured, md5_ok = md5_accepted(ctx, p, &md5_honoured), unread, unreadable;
	int ret = judge(ctx, p, certs, name, lib, md5_ok, &r, &unread, &unreadable, err);

	*accepted = ret == 0 && !(r.n_problems && r.problems[0].primary);
	verify_result_release(&r);
	return ret;
}

int
verify_exception_bits(const struct cmd_ctx *ctx, const struct profile *p, const struct der_list *certs,
		      const char *name, char bits[4], bool *overridable, struct mc_error *err)
{
	struct verify_result r = {0};
	_autofree_ char *lib = roots_library();
	bool md5_honoured, md5_ok = md5_accepted(ctx, p, &md5_honoured), unread, unreadable;
	int ret = judge(ctx, p, certs, name, lib, md5_ok, &r, &unread, &unreadable, err);

	bits[0] = '\0';
	*overridable = true;
	if (ret == 0)
		*overridable = verify_override_bits(&r, bits);
	verify_result_release(&r);
	return ret;
}

/*
 * The missing issuer from r's caIssuers URL: fetched once per URL (NSS up
 * without a store), then, when its key verifies the signature, the chain
 * judged again with it among the certificates sent (*r2, *judged).
 */
static int
aia_step(const struct cmd_ctx *ctx, const struct profile *p, const char *lib, bool md5_ok,
	 const struct verify_result *r, struct verify_result *r2, bool *judged, struct mc_error *err)
{
	int ret = 0;

	*judged = false;
	if (!r->missing_issuer || !r->ca_issuers_url || !r->missing_der)
		return 0;
	if (!opts.aia_url || !streq(opts.aia_url, r->ca_issuers_url)) {
		free(opts.aia_url);
		aia_issuer_release(&opts.aia);
		opts.aia_url = xstrdup(r->ca_issuers_url);
		if ((ret = certdb_nodb_init(err)) < 0)
			return ret;
		ret = aia_fetch_issuer(opts.aia_url, r->missing_der, r->missing_der_len,
				       opts.timeout_ms ? opts.timeout_ms : TLSFETCH_DEFAULT_TIMEOUT_MS, &opts.aia, err);
		if (certdb_nodb_shutdown(ret < 0 ? NULL : err) < 0 && ret == 0)
			ret = MC_EFAIL;
		if (ret < 0)
			return ret;
	}
	if (opts.aia.signature_ok) {
		struct der_list c2 = {0};
		bool u1, u2;

		for (size_t i = 0; i < opts.certs.n; i++)
			der_list_add(&c2, opts.certs.v[i].data, opts.certs.v[i].len, opts.certs.v[i].origin);
		der_list_add(&c2, opts.aia.der, opts.aia.der_len, opts.aia_url);
		ret = judge(ctx, p, &c2, opts.name, lib, md5_ok, r2, &u1, &u2, err);
		der_list_release(&c2);
		*judged = ret == 0;
	}
	return ret;
}

static bool
primary_problem(const struct verify_result *r)
{
	return r->n_problems && r->problems[0].primary;
}

/* The "aia" member of the result, and its text. */
static struct json_object *
aia_report(const struct cmd_ctx *ctx, const struct verify_result *r, bool judged, const struct verify_result *r2)
{
	struct json_object *o;
	bool leads = judged && r2->trusted, accepts = judged && !primary_problem(r2);

	if (!r->ca_issuers_url || !opts.aia_url || !streq(opts.aia_url, r->ca_issuers_url))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "url", json_object_new_string(opts.aia_url));
	json_object_object_add(o, "fetched", json_object_new_boolean(opts.aia.fetched));
	json_object_object_add(o, "certificates", json_object_new_int64((int64_t)opts.aia.n_certs));
	json_object_object_add(o, "subject", opts.aia.subject ? json_object_new_string(opts.aia.subject) : NULL);
	json_object_object_add(o, "sha256", opts.aia.subject ? json_object_new_string(opts.aia.sha256_hex) : NULL);
	json_object_object_add(o, "signature_verified", json_object_new_boolean(opts.aia.signature_ok));
	json_object_object_add(o, "leads_to_trusted_root", json_object_new_boolean(leads));
	json_object_object_add(o, "accepted_with_it", json_object_new_boolean(accepts));
	json_object_object_add(o, "error", opts.aia.error ? json_object_new_string(opts.aia.error) : NULL);
	if (!opts.aia.fetched) {
		cmd_out(ctx, "         aia:    not fetched: %s\n", opts.aia.error);
		return o;
	}
	cmd_out(ctx, "         aia:    fetched %zu certificate%s: '%s'\n                 SHA-256 %s\n", opts.aia.n_certs,
		opts.aia.n_certs == 1 ? "" : "s", opts.aia.subject ? opts.aia.subject : "",
		opts.aia.subject ? opts.aia.sha256_hex : "");
	if (!opts.aia.signature_ok) {
		cmd_out(ctx, "         aia:    signature not verified: %s\n", opts.aia.error);
		return o;
	}
	cmd_out(ctx, "         aia:    signature verified: its key verifies the signature of '%s'\n", r->chain[r->n_chain - 1].subject);
	if (leads)
		cmd_out(ctx, "         aia:    leads to a trusted root: '%s'%s\n", r2->chain[r2->n_chain - 1].subject,
			accepts ? "; with it the application would accept the certificate" : "");
	else
		cmd_out(ctx, "         aia:    does not lead to a root the application trusts%s%s\n",
			primary_problem(r2) ? ": " : "", primary_problem(r2) ? r2->problems[0].code : "");
	return o;
}

/*
 * verify --fix: import the intermediate fetched from the caIssuers URL when
 * it leads to a trusted root; then, if the application would still reject
 * the certificate with an error an exception overrides, add the exception
 * with --accept (printing the certificate's SHA-256 first), else say how.
 * *after_accepted: the application would accept it after the fix.
 * Over 100 lines: the three steps (import, exception, judged again) share
 * the private directory and the actions array and must run in this order;
 * split, the order and the cleanup would be spread over several functions.
 */
static int
apply_fix(const struct cmd_ctx *ctx, const struct profile *p, const char *lib, bool md5_ok,
	  const struct verify_result *r, bool judged, const struct verify_result *r2, int64_t exc,
	  struct json_object *res, bool *after_accepted, struct mc_error *err)
{
	struct json_object *fj = json_object_new_object(), *acts = json_object_new_array();
	const struct verify_result *now = r;
	_autofree_ char *dir = NULL, *pw = NULL, *issuer = NULL, *chainf = NULL;
	bool imported = false, excepted = false;
	int ret = 0;
	const char *note = NULL;

	*after_accepted = !primary_problem(r) || exc > 0;
	json_object_object_add(res, "fix", fj);
	json_object_object_add(fj, "dry_run", json_object_new_boolean(ctx->dry_run));
	json_object_object_add(fj, "actions", acts);
	if (*after_accepted) {
		cmd_out(ctx, "fix: nothing to fix: the application accepts the certificate\n");
		goto out;
	}
	if (!ctx->dry_run && (ret = verify_private_dir(&dir, err)) < 0)
		goto out;
	if (!ctx->dry_run && ctx->password) {
		int fd;

		pw = xasprintf("%s/password", dir);
		fd = open(pw, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || write(fd, ctx->password, strlen(ctx->password)) != (ssize_t)strlen(ctx->password)) {
			ret = mc_error_set(err, MC_EFAIL, "cannot write '%s': %s", pw, strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	/* 1. the intermediate the server omits */
	if (judged && r2->trusted) {
		struct der_list one = {0};
		_autofree_ char *shown = NULL;
		const char *args[] = {"cert", "import", NULL};
		int st = -1;

		issuer = dir ? xasprintf("%s/issuer.pem", dir) : xstrdup("ISSUER.pem");
		args[2] = issuer;
		{
			_autofree_ char *q = shell_quote(issuer), *sub = xasprintf("cert import %s", q);

			shown = fix_cmd(p, sub);
		}
		cmd_out(ctx, "fix: %s the intermediate '%s' (SHA-256 %s) fetched from %s:\n     %s\n",
			ctx->dry_run ? "would import" : "importing", opts.aia.subject, opts.aia.sha256_hex, opts.aia_url, shown);
		if (!ctx->dry_run) {
			der_list_add(&one, opts.aia.der, opts.aia.der_len, opts.aia_url);
			ret = tlsfetch_save_pem(&one, issuer, err);
			der_list_release(&one);
			if (ret == 0)
				ret = verify_run_self(ctx, p, pw, args, 3, &st, err);
			if (ret == 0 && st != 0)
				ret = mc_error_set(err, MC_EFAIL, "the import of the intermediate failed (exit status %d)", st);
		}
		verify_fix_action(acts, "import", shown, st);
		if (ret < 0)
			goto out;
		imported = true;
		now = r2;
	} else if (opts.aia_url && r->ca_issuers_url && streq(opts.aia_url, r->ca_issuers_url)) {
		note = !opts.aia.signature_ok ? "the certificate from the caIssuers URL is not the issuer: not imported"
					      : "the intermediate fetched does not lead to a trusted root: not imported";
		cmd_out(ctx, "fix: %s\n", note);
	}
	/* 2. a security exception, the user's decision */
	if (primary_problem(now) && now->problems[0].overridable) {
		const char *fp = now->chain[0].sha256_hex;
		_autofree_ char *host = strchr(opts.name ? opts.name : "", ':') ? xasprintf("[%s]", opts.name)
										 : xstrdup(opts.name ? opts.name : "");
		_autofree_ char *hp = xasprintf("%s:%d", host, opts.port), *shown = NULL;

		if (!opts.name) {
			cmd_out(ctx, "fix: a security exception needs the host name: give --name HOST\n");
		} else if (!opts.accept) {
			cmd_out(ctx, "fix: %s remains; a security exception would accept the certificate with SHA-256\n"
				"     %s\n     for %s: that decision is yours (add --accept)\n", now->problems[0].code, fp, hp);
		} else {
			const char *args[] = {"override", "add", hp, "--cert", NULL};
			int st = -1;

			chainf = dir ? xasprintf("%s/chain.pem", dir) : xstrdup("CHAIN.pem");
			args[4] = chainf;
			{
				_autofree_ char *qh = shell_quote(hp), *qc = shell_quote(chainf);
				_autofree_ char *sub = xasprintf("override add %s --cert %s", qh, qc);

				shown = fix_cmd(p, sub);
			}
			cmd_out(ctx, "fix: %s a security exception (--accept) for %s, certificate SHA-256\n     %s\n     %s\n",
				ctx->dry_run ? "would add" : "adding", hp, fp, shown);
			if (!ctx->dry_run) {
				ret = tlsfetch_save_pem(&opts.certs, chainf, err);
				if (ret == 0)
					ret = verify_run_self(ctx, p, pw, args, 5, &st, err);
				if (ret == 0 && st != 0)
					ret = mc_error_set(err, MC_EFAIL, "adding the security exception failed (exit status %d)",
							   st);
			}
			verify_fix_action(acts, "exception", shown, st);
			if (ret < 0)
				goto out;
			excepted = true;
		}
	} else if (primary_problem(now) && !imported) {
		cmd_out(ctx, "fix: --fix cannot fix %s: run the fix printed above, if any\n", now->problems[0].code);
	}
	if (ctx->dry_run) {
		*after_accepted = false;
		goto out;
	}
	/* 3. judged again, as the application would now */
	if (imported || excepted) {
		struct verify_result rf = {0};
		bool u1, u2;

		if ((ret = judge(ctx, p, &opts.certs, opts.name, lib, md5_ok, &rf, &u1, &u2, err)) < 0)
			goto out;
		*after_accepted = !primary_problem(&rf) ||
				  (rf.problems[0].overridable && exception_line(ctx, p, rf.chain[0].sha256_hex) > 0);
		verify_result_release(&rf);
	}
	cmd_out(ctx, "after the fix: %s\n", *after_accepted ? "accepted" : "still rejected");
out:
	json_object_object_add(fj, "note", note ? json_object_new_string(note) : NULL);
	json_object_object_add(fj, "accepted_after", ctx->dry_run ? NULL : json_object_new_boolean(*after_accepted));
	if (issuer && dir)
		unlink(issuer);
	if (chainf && dir)
		unlink(chainf);
	if (pw) {
		unlink(pw);
	}
	if (dir)
		rmdir(dir);
	return ret;
}

/* Each problem with its fix and risk, printed and as the "problems" array; bits: the exception's bits. */
static struct json_object *
problems_report(const struct cmd_ctx *ctx, const struct profile *p, const struct verify_result *r, int64_t exc,
		bool md5_honoured, char bits[4])
{
	struct json_object *probs;

	probs = json_object_new_array();
	for (size_t i = 0; i < r->n_problems; i++) {
		const struct verify_problem *q = &r->problems[i];
		_autofree_ char *fix = problem_fix(p, r, q, md5_honoured);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "code", json_object_new_string(q->code));
		json_object_object_add(o, "certificate", json_object_new_int64((int64_t)q->at));
		json_object_object_add(o, "primary", json_object_new_boolean(q->primary));
		json_object_object_add(o, "overridable", json_object_new_boolean(q->overridable));
		json_object_object_add(o, "message", json_object_new_string(q->detail));
		json_object_object_add(o, "fix", fix ? json_object_new_string(fix) : NULL);
		json_object_object_add(o, "risk", verify_fix_risk(fix) ? json_object_new_string(verify_fix_risk(fix)) : NULL);
		json_object_array_add(probs, o);
		cmd_out(ctx, "%s %s: %s (certificate %zu)\n", !q->primary ? "then    " : exc > 0 ? "excepted" : "error   ",
			q->code, q->detail, q->at);
		if (fix && exc <= 0)
			cmd_out(ctx, "         fix: %s\n%s%s%s", fix, verify_fix_risk(fix) ? "         risk: " : "",
				verify_fix_risk(fix) ? verify_fix_risk(fix) : "", verify_fix_risk(fix) ? "\n" : "");
	}
	if (!verify_override_bits(r, bits))
		bits[0] = '\0'; /* no exception helps: no bits to give */
	if (bits[0] && exc <= 0)
		cmd_out(ctx, "         exception: overrides %s%s%s%s%s (bits %s of cert_override.txt, up to version 105)\n",
			strchr(bits, 'M') ? "the name mismatch" : "", strchr(bits, 'M') && bits[1] ? ", " : "",
			strchr(bits, 'U') ? "the untrusted issuer" : "", strchr(bits, 'U') && strchr(bits, 'T') ? ", " : "",
			strchr(bits, 'T') ? "the validity period" : "", bits);
	return probs;
}

/* The chain found (or tried), printed and as the "chain" array. */
static struct json_object *
chain_report(const struct cmd_ctx *ctx, const struct verify_result *r)
{
	struct json_object *chain;

	cmd_out(ctx, "certificate: %s\n             SHA-256 %s\n", r->chain[0].subject, r->chain[0].sha256_hex);
	chain = json_object_new_array();
	for (size_t i = 0; i < r->n_chain; i++) {
		const struct verify_link *l = &r->chain[i];
		struct json_object *o = json_object_new_object();
		char nb[32], na[32];

		output_time(l->not_before, nb);
		output_time(l->not_after, na);
		json_object_object_add(o, "subject", json_object_new_string(l->subject));
		json_object_object_add(o, "issuer", json_object_new_string(l->issuer));
		json_object_object_add(o, "sha256", json_object_new_string(l->sha256_hex));
		json_object_object_add(o, "source", json_object_new_string(source_name(l->src)));
		json_object_object_add(o, "nickname", l->nickname ? json_object_new_string(l->nickname) : NULL);
		json_object_object_add(o, "trust", l->src == VSRC_FILE ? NULL : json_object_new_string(l->trust));
		json_object_object_add(o, "anchor", json_object_new_boolean(l->anchor));
		json_object_object_add(o, "not_before", json_object_new_string(nb));
		json_object_object_add(o, "not_after", json_object_new_string(na));
		json_object_array_add(chain, o);
		cmd_out(ctx, "  %zu %s\n     %s", i, l->subject, source_name(l->src));
		if (l->nickname)
			cmd_out(ctx, " '%s'", l->nickname);
		if (l->src != VSRC_FILE)
			cmd_out(ctx, ", trust %s", l->trust[0] ? l->trust : ",,");
		cmd_out(ctx, "%s\n", l->anchor ? ": trust anchor" : "");
	}
	return chain;
}

static int
verify_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct verify_result r = {0};
	_autofree_ char *lib = roots_library();
	bool md5_honoured, md5_ok = md5_accepted(ctx, p, &md5_honoured);
	int64_t exc = 0;
	const char *verdict;
	struct json_object *chain, *probs;
	int major = profile_app_major(p->path);
	bool unread, unreadable;
	bool primary_overridable;
	struct verify_result r2 = {0};
	bool judged2 = false, after_ok = false;
	struct json_object *aia;
	char bits[4] = "";
	struct verify_ocsp ocsp = {0};
	int ret;

	if ((ret = judge(ctx, p, &opts.certs, opts.name, lib, md5_ok, &r, &unread, &unreadable, err)) < 0)
		return ret;
	if ((ret = aia_step(ctx, p, lib, md5_ok, &r, &r2, &judged2, err)) < 0) {
		verify_result_release(&r);
		return ret;
	}
	aia_leads = judged2 && r2.trusted;
	if ((ret = verify_ocsp_step(ctx, p, &r, opts.timeout_ms ? opts.timeout_ms : TLSFETCH_DEFAULT_TIMEOUT_MS,
				    opts.fetched.stapled, opts.fetched.stapled_len, &ocsp, err)) < 0) {
		verify_result_release(&r);
		verify_result_release(&r2);
		return ret;
	}

	/* Firefox reports one error; a matching exception accepts the connection when that error is overridable. */
	primary_overridable = r.n_problems && r.problems[0].primary && r.problems[0].overridable;
	if (primary_overridable)
		exc = exception_line(ctx, p, r.chain[0].sha256_hex);
	verdict = !(r.n_problems && r.problems[0].primary) ? "accepted" : exc > 0 ? "accepted-by-exception" : "rejected";

	if (unread) {
		_autofree_ char *fix = fix_cmd(p, "db upgrade");

		cmd_out(ctx, "note: the application (%s) does not read cert8.db: it starts with an empty store;\n"
			"      fix: %s\n", major < 0 ? "version unknown: Firefox and Thunderbird 73 or later" : "73 or later",
			fix);
	}
	json_object_object_add(res, "legacy_store_unread", json_object_new_boolean(unread));
	json_object_object_add(res, "store_unreadable", json_object_new_boolean(unreadable));
	if (opts.host)
		json_object_object_add(res, "server", server_json(ctx, &r));
	chain = chain_report(ctx, &r);
	probs = problems_report(ctx, p, &r, exc, md5_honoured, bits);
	if (r.missing_issuer && exc <= 0)
		cmd_out(ctx, "         issuer: %s%s%s\n", r.missing_issuer, r.ca_issuers_url ? "\n         from:   " : "",
			r.ca_issuers_url ? r.ca_issuers_url : "");
	aia = exc <= 0 ? aia_report(ctx, &r, judged2, &r2) : NULL;
	json_object_object_add(res, "aia", aia);
	json_object_object_add(res, "ocsp", verify_ocsp_json(ctx, p, &ocsp));
	json_object_object_add(res, "causes", verify_causes(ctx, p, &r));
	json_object_object_add(res, "lists", verify_lists_json());
	json_object_object_add(res, "file", opts.host ? NULL : json_object_new_string(opts.file));
	json_object_object_add(res, "name", opts.name ? json_object_new_string(opts.name) : NULL);
	json_object_object_add(res, "port", json_object_new_int(opts.port));
	json_object_object_add(res, "verdict", json_object_new_string(verdict));
	json_object_object_add(res, "trusted", json_object_new_boolean(r.trusted));
	json_object_object_add(res, "chain", chain);
	json_object_object_add(res, "problems", probs);
	json_object_object_add(res, "missing_issuer", r.missing_issuer ? json_object_new_string(r.missing_issuer) : NULL);
	json_object_object_add(res, "ca_issuers_url",
			       r.ca_issuers_url ? json_object_new_string(r.ca_issuers_url) : NULL);
	json_object_object_add(res, "exception_line", exc > 0 ? json_object_new_int64(exc) : NULL);
	json_object_object_add(res, "exception_bits", bits[0] ? json_object_new_string(bits) : NULL);
	json_object_object_add(res, "md5_accepted", json_object_new_boolean(md5_ok));
	json_object_object_add(res, "roots_module", lib ? json_object_new_string(lib) : NULL);
	cmd_set_changed(res, false);
	if (exc > 0)
		cmd_out(ctx, "accepted: the security exception of cert_override.txt line %lld overrides %s\n",
			(long long)exc, r.problems[0].code);
	else
		cmd_out(ctx, "%s%s\n", streq(verdict, "accepted") ? "accepted" : "rejected",
			opts.name ? "" : " (no --name: the host name was not checked)");
	if (opts.fix) {
		ret = apply_fix(ctx, p, lib, md5_ok, &r, judged2, &r2, exc, res, &after_ok, err);
		cmd_set_changed(res, !ctx->dry_run && json_object_array_length(
							    cmd_json_get(cmd_json_get(res, "fix"), "actions")) > 0);
		if (ret == 0 && !after_ok)
			ret = mc_error_set(err, MC_EDAMAGED, "%s: the application would reject '%s': %s",
					   ctx->dry_run ? "nothing changed (--dry-run)" : "after the fix", opts.file,
					   r.n_problems ? r.problems[0].code : "SEC_ERROR_UNKNOWN_ISSUER");
	} else if (streq(verdict, "rejected")) {
		ret = mc_error_set(err, MC_EDAMAGED, "the application would reject '%s': %s", opts.file,
				   r.n_problems ? r.problems[0].code : "SEC_ERROR_UNKNOWN_ISSUER");
	}
	verify_result_release(&r);
	verify_result_release(&r2);
	verify_ocsp_release(&ocsp);
	return ret;
}

const struct cmd_spec cmd_verify = {
	.name = "verify", .prepare = verify_prepare, .run = verify_run, .cleanup = verify_cleanup, .flags = 0,
	.args = "CERTFILE|HOST[:PORT] [--name HOST] [--port N] [--roots LIB|none] [--starttls PROTO] [--timeout S] "
		"[--save FILE] [--fix [--accept]]",
	.summary = "would the application accept this server certificate? each problem with its fix",
	.options = verify_options,
	.help = "  --name HOST              the host name to check the certificate against\n"
		"  --port N                 the port of the security exception to honour (default 443)\n"
		"  --roots LIB|none         the built-in roots module (default: the system's\n"
		"                           libnssckbi; none: without built-in roots)\n"
		"  --starttls PROTO         for HOST[:PORT]: imap, pop3, smtp, ldap or none (default: by port)\n"
		"  --timeout S              seconds each network step may take (the server, the AIA\n"
		"                           caIssuers URL; default 5)\n"
		"  --save FILE              for HOST[:PORT]: write the chain the server sent as PEM (a new file)\n"
		"  --fix                    apply the fix: import the intermediate fetched from the\n"
		"                           caIssuers URL (cert import); with --dry-run, only say so\n"
		"  --accept                 with --fix: add a security exception (override add) for a\n"
		"                           certificate still rejected; prints its SHA-256 first\n",
};
