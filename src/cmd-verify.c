/* SPDX-License-Identifier: MPL-2.0 */
/*
 * cmd-verify.c: verify CERTFILE [--name HOST] [--port N] [--roots LIB|none]:
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
#include "verify.h"
#include "banned.h"

/* option values outside the global options' letters */
enum { OPT_NAME = 0x100, OPT_PORT, OPT_ROOTS };

struct verify_opts {
	const char *file;     /* the operand, as given */
	struct der_list certs;
	char *name;           /* --name, lower-case */
	int port;             /* --port, for the security exception */
	const char *roots;    /* --roots: a module path, "none", or NULL (search) */
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
	{NULL, 0, NULL, 0},
};

static int
verify_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first = 0, ret;

	opts.port = 443;
	if ((ret = cmd_getopt(ctx, argc, argv, verify_options, verify_opt, &first, err)) < 0)
		return ret;
	if (first >= argc)
		return mc_error_set(err, MC_EUSAGE, "%s: expected one certificate file", ctx->cmd_name);
	if (first + 1 < argc)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first + 1]);
	opts.file = argv[first];
	if (!strchr(opts.file, '/') && strchr(opts.file, ':') && access(opts.file, F_OK) != 0)
		return mc_error_set(err, MC_EUSAGE,
				    "%s: '%s': fetching a server's certificate is not built; save its chain to a file "
				    "(e.g. openssl s_client -showcerts) and pass the file with --name HOST",
				    ctx->cmd_name, opts.file);
	return certpkg_read_path(opts.file, &opts.certs, err);
}

static void
verify_cleanup(struct cmd_ctx *ctx)
{
	(void)ctx;
	der_list_release(&opts.certs);
	free(opts.name);
	opts.name = NULL;
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

		sub = xasprintf("override add %s --cert %s", qhp, file);
	}
	return fix_cmd(p, sub);
}

static int
verify_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct certdb *db = NULL;
	struct cert_info *store = NULL;
	size_t n_store = 0;
	struct verify_result r = {0};
	_autofree_ char *lib = roots_library();
	bool md5_honoured, md5_ok = md5_accepted(ctx, p, &md5_honoured);
	int64_t exc = 0;
	const char *verdict;
	struct json_object *chain, *probs;
	int major = profile_app_major(p->path);
	bool unread, unreadable = false;
	struct mc_error list_err = {0};
	bool primary_overridable;
	int kind, ret;

	if ((ret = cmd_store_kind(p, &kind, err)) < 0)
		return ret;
	/* both stores: an application older than 58 reads cert8.db (as db check says) */
	if (profile_store_format(p->path) == STORE_BOTH && major >= 0 && major < APP_FIRST_SQL_MAJOR)
		kind = CERTDB_DBM;
	ret = certdb_open(p->path, (enum certdb_kind)kind, 0, ctx->password, &db, err);
	/* A legacy-only store that the application does not read: it starts with an empty one. */
	unread = kind == CERTDB_DBM && (major < 0 || major >= APP_FIRST_NO_DBM_MAJOR);
	if (ret == 0 && !unread && certdb_list(db, &store, &n_store, &list_err) < 0) {
		/* NSS opened the store but cannot read it: neither can the application */
		cmd_warn(ctx, "%s: judged with no certificate of the store, as the application would", list_err.msg);
		unreadable = true;
	}
	if (ret == 0 && lib)
		ret = certdb_load_roots(db, lib, err);
	if (ret == 0)
		ret = verify_server_cert(&opts.certs, store, n_store, opts.name, md5_ok, PR_Now(), &r, err);
	cert_info_array_free(store, n_store);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	if (ret < 0) {
		verify_result_release(&r);
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
	json_object_object_add(res, "file", json_object_new_string(opts.file));
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
	.args = "CERTFILE [--name HOST] [--port N] [--roots LIB|none]",
	.summary = "would the application accept this server certificate? each problem with its fix",
	.options = verify_options,
	.help = "  --name HOST              the host name to check the certificate against\n"
		"  --port N                 the port of the security exception to honour (default 443)\n"
		"  --roots LIB|none         the built-in roots module (default: the system's\n"
		"                           libnssckbi; none: without built-in roots)\n",
};
