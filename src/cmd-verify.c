/* SPDX-License-Identifier: MPL-2.0 */
/*
 * cmd-verify.c: verify CERTFILE|HOST[:PORT] [--name HOST] [--port N] [--roots LIB|none]
 * [--starttls PROTO] [--timeout S] [--save FILE]:
 * would the application accept this server certificate, with the profile's
 * own store, trust, security exceptions and MD5 pref? Names each problem by
 * the error code the application shows and prints the command that fixes it.
 */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "certpkg.h"
#include "findings.h"
#include "nssdb.h"
#include "output.h"
#include "tlsfetch.h"
#include "verify.h"
#include "banned.h"

/* option values outside the global options' letters */
enum { OPT_NAME = 0x100, OPT_PORT, OPT_ROOTS, OPT_STARTTLS, OPT_TIMEOUT, OPT_SAVE };

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
		if ((opts.starttls = starttls_parse(arg)) < 0)
			return mc_error_set(err, MC_EUSAGE, "%s: --starttls takes imap, pop3, smtp, ldap or none",
					    ctx->cmd_name);
		return 0;
	case OPT_TIMEOUT:
		v = strtol(arg, &end, 10);
		if (!*arg || *end || v < 1 || v > 600)
			return mc_error_set(err, MC_EUSAGE, "%s: --timeout takes seconds, 1 to 600", ctx->cmd_name);
		opts.timeout_ms = (int)v * 1000;
		return 0;
	case OPT_SAVE:
		opts.save = arg;
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
	if (looks_like_server(opts.file))
		return fetch_server(ctx, err);
	if (opts.starttls != STARTTLS_AUTO || opts.timeout_ms || opts.save)
		return mc_error_set(err, MC_EUSAGE, "%s: --starttls, --timeout and --save are for HOST[:PORT], not a file",
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
	struct mc_error err = {0};
	int ret;
	int64_t line = 0;
	struct json_object *sub, *arr;

	if (!opts.name)
		return 0;
	sub = cmd_sub_run(ctx, &cmd_override_list, "override list", p, &ret, &err);
	arr = ret == 0 ? cmd_json_get(sub, "overrides") : NULL;
	for (size_t i = 0; arr && i < json_object_array_length(arr) && !line; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *oa = cmd_json_str(e, "origin_attributes"), *host = cmd_json_str(e, "host");

		if (cmd_json_bool(e, "read_by_app") && host && strcasecmp(host, opts.name) == 0 &&
		    cmd_json_int(e, "port") == opts.port && (!oa || !oa[0]) &&
		    streq(cmd_json_str(e, "fingerprint"), sha256_hex))
			line = cmd_json_int(e, "line");
	}
	json_object_put(sub);
	return line;
}

static bool
md5_accepted(const struct cmd_ctx *ctx, const struct profile *p, bool *honoured)
{
	struct mc_error err = {0};
	int ret;
	struct json_object *sub = cmd_sub_run(ctx, &cmd_md5_status, "md5 status", p, &ret, &err);
	struct json_object *o = cmd_json_get(sub, "md5");
	bool on = ret == 0 && cmd_json_bool(o, "accepted");

	*honoured = ret == 0 && cmd_json_bool(o, "honoured");
	json_object_put(sub);
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
		ret = verify_server_cert(certs, store, n_store, name, md5_ok, PR_Now(), r, err);
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
	int ret;

	if ((ret = judge(ctx, p, &opts.certs, opts.name, lib, md5_ok, &r, &unread, &unreadable, err)) < 0)
		return ret;

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
	cmd_out(ctx, "certificate: %s\n             SHA-256 %s\n", r.chain[0].subject, r.chain[0].sha256_hex);
	chain = json_object_new_array();
	for (size_t i = 0; i < r.n_chain; i++) {
		const struct verify_link *l = &r.chain[i];
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
	probs = json_object_new_array();
	for (size_t i = 0; i < r.n_problems; i++) {
		const struct verify_problem *q = &r.problems[i];
		_autofree_ char *fix = problem_fix(p, &r, q, md5_honoured);
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "code", json_object_new_string(q->code));
		json_object_object_add(o, "certificate", json_object_new_int64((int64_t)q->at));
		json_object_object_add(o, "primary", json_object_new_boolean(q->primary));
		json_object_object_add(o, "overridable", json_object_new_boolean(q->overridable));
		json_object_object_add(o, "message", json_object_new_string(q->detail));
		json_object_object_add(o, "fix", fix ? json_object_new_string(fix) : NULL);
		json_object_array_add(probs, o);
		cmd_out(ctx, "%s %s: %s (certificate %zu)\n", !q->primary ? "then    " : exc > 0 ? "excepted" : "error   ",
			q->code, q->detail, q->at);
		if (fix && exc <= 0)
			cmd_out(ctx, "         fix: %s\n", fix);
	}
	if (r.missing_issuer && exc <= 0)
		cmd_out(ctx, "         issuer: %s%s%s\n", r.missing_issuer, r.ca_issuers_url ? "\n         from:   " : "",
			r.ca_issuers_url ? r.ca_issuers_url : "");
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
	json_object_object_add(res, "md5_accepted", json_object_new_boolean(md5_ok));
	json_object_object_add(res, "roots_module", lib ? json_object_new_string(lib) : NULL);
	cmd_set_changed(res, false);
	if (exc > 0)
		cmd_out(ctx, "accepted: the security exception of cert_override.txt line %lld overrides %s\n",
			(long long)exc, r.problems[0].code);
	else
		cmd_out(ctx, "%s%s\n", streq(verdict, "accepted") ? "accepted" : "rejected",
			opts.name ? "" : " (no --name: the host name was not checked)");
	if (streq(verdict, "rejected"))
		ret = mc_error_set(err, MC_EDAMAGED, "the application would reject '%s': %s", opts.file,
				   r.n_problems ? r.problems[0].code : "SEC_ERROR_UNKNOWN_ISSUER");
	verify_result_release(&r);
	return ret;
}

const struct cmd_spec cmd_verify = {
	.name = "verify", .prepare = verify_prepare, .run = verify_run, .cleanup = verify_cleanup, .flags = 0,
	.args = "CERTFILE|HOST[:PORT] [--name HOST] [--port N] [--roots LIB|none] [--starttls PROTO] [--timeout S] "
		"[--save FILE]",
	.summary = "would the application accept this server certificate? each problem with its fix",
	.options = verify_options,
	.help = "  --name HOST              the host name to check the certificate against\n"
		"  --port N                 the port of the security exception to honour (default 443)\n"
		"  --roots LIB|none         the built-in roots module (default: the system's\n"
		"                           libnssckbi; none: without built-in roots)\n"
		"  --starttls PROTO         for HOST[:PORT]: imap, pop3, smtp, ldap or none (default: by port)\n"
		"  --timeout S              for HOST[:PORT]: seconds each network step may take (default 5)\n"
		"  --save FILE              for HOST[:PORT]: write the chain the server sent as PEM (a new file)\n",
};
