/* SPDX-License-Identifier: MPL-2.0 */
/* override-add.c: override add (--cert FILE or --fetch from the server). */
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>

#include <cert.h>
#include <certt.h>
#include <nss.h>
#include <pk11pub.h>
#include <secerr.h>

#include "atomic-write.h"
#include "cert-input.h"
#include "fileio.h"
#include "nssdb.h"
#include "output.h"
#include "override.h"
#include "strbuf.h"
#include "tls-fetch.h"
#include "banned.h"

/* ---- override add ---- */

/*
 * --bits: what the application finds wrong with the certificate now, judged
 * by verify (the profile's store, its trust, the built-in roots; the name
 * never matched by the subject's CN, as Firefox 48 and later do).
 */
static int
computed_bits(struct cmd_ctx *ctx, const struct profile *p, char bits[4], struct mc_error *err)
{
	bool overridable;
	int ret = verify_exception_bits(ctx, p, &ov_opts.ders, ov_opts.host, bits, &overridable, err);

	if (ret == 0 && !overridable)
		cmd_warn(ctx, "no security exception overrides what the application finds wrong with this certificate "
			 "(run 'verify' for it); writing %s", bits);
	return ret;
}

static int
add_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	const struct known_cert *k = &ov_opts.files.v[0];
	const char *origin = ov_opts.origin_set ? ov_opts.origin : NULL;
	struct override_file f;
	struct override_changes ch;
	enum override_era era;
	char bits[4] = "";
	bool exists;
	int major, ret;

	if (ov_opts.fetch && !ctx->force) {
		bool accepted = false;
		struct mc_error verr = {0};

		/* an exception for a certificate the application accepts anyway would only hide a later change */
		if (verify_accepts(ctx, p, &ov_opts.ders, ov_opts.host, &accepted, &verr) < 0)
			cmd_warn(ctx, "cannot tell whether the application accepts the certificate: %s", verr.msg);
		else if (accepted)
			return mc_error_set(err, MC_EFAIL, "'%s': the application accepts the server's certificate for "
					    "'%s' without an exception: no exception is needed (--force adds one anyway)",
					    p->path, ov_opts.host);
	}
	if ((ret = ov_read_file(p, true, &f, &exists, err)) < 0 || (ret = ov_refuse_binary(&f, err)) < 0)
		goto out;
	major = profile_app_major(p->path);
	if (ov_opts.format_set) {
		era = ov_opts.format;
	} else {
		era = override_era_for_version(major);
		if (major < 0 && (strchr(ov_opts.host, ':') || (origin && *origin))) {
			/* No line every version reads exists for these: take the one 91 and later read. */
			era = OVERRIDE_ERA_B;
			cmd_warn(ctx, "'%s': application version unknown; writing a line that only version 91 and later read",
				 p->path);
		}
	}
	if (era == OVERRIDE_ERA_A || era == OVERRIDE_ERA_B) {
		if (*ov_opts.bits)
			snprintf(bits, sizeof(bits), "%s", ov_opts.bits);
		else if (ov_opts.bits_compute && (ret = computed_bits(ctx, p, bits, err)) < 0)
			goto out;
		if (ov_opts.bits_compute && !*bits)
			cmd_warn(ctx, "the certificate fails no check for '%s' now; writing MUT", ov_opts.host);
	} else if (*ov_opts.bits || ov_opts.bits_compute) {
		cmd_warn(ctx, "format %s has no override bits: --bits ignored", override_era_name(era));
	}
	override_changes_init(&ch);
	ret = override_add(&f, era, ov_opts.host, ov_opts.port, origin, k->sha256, *bits ? bits : NULL, k->dbkey, &ch,
			   err);
	if (ret == 0) {
		json_object_object_add(res, "host", json_object_new_string(ov_opts.host));
		json_object_object_add(res, "port", json_object_new_int(ov_opts.port));
		json_object_object_add(res, "era", json_object_new_string(override_era_name(era)));
		json_object_object_add(res, "app_major", major < 0 ? NULL : json_object_new_int(major));
		json_object_object_add(res, "fingerprint", json_object_new_string(k->fingerprint));
		json_object_object_add(res, "status", json_object_new_string(
				ch.n ? ov_action_word(ch.v[0].action) : "unchanged"));
		if (!ch.n)
			cmd_out(ctx, "unchanged %s (the same certificate is already excepted)\n",
				ov_opts.host);
		ret = ov_commit(ctx, p, &f, &ch, res, err);
	}
	override_changes_release(&ch);
out:
	override_file_release(&f);
	return ret;
}

static const struct option add_options[] = {
	{"cert", required_argument, NULL, 'c'}, {"format", required_argument, NULL, 'F'},
	{"bits", optional_argument, NULL, 'b'}, {"origin", required_argument, NULL, 'o'},
	{"fetch", no_argument, NULL, OPT_FETCH}, {"starttls", required_argument, NULL, OPT_STARTTLS},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{NULL, 0, NULL, 0},
};

/* add --fetch: the chain the server HOST:PORT sends, as --cert FILE would give it. */
static int
fetch_cert(struct cmd_ctx *ctx, struct mc_error *err)
{
	struct tlsfetch_req req = {.host = ov_opts.host, .port = ov_opts.port,
				   .starttls = (enum starttls_proto)ov_opts.starttls,
				   .timeout_ms = ov_opts.timeout_ms};
	struct tlsfetch_result r;
	int ret;

	if ((ret = certdb_nodb_init(err)) < 0)
		return ret;
	ret = tlsfetch(&req, &r, err);
	for (size_t i = 0; ret == 0 && i < r.chain.n; i++) {
		der_list_add(&ov_opts.ders, r.chain.v[i].data, r.chain.v[i].len, r.chain.v[i].origin);
		ret = ov_known_add(&ov_opts.files, r.chain.v[i].data, r.chain.v[i].len, "file", r.chain.v[i].origin, err);
	}
	if (ret == 0)
		cmd_out(ctx, "fetched %zu certificate%s from %s (%s)\n", r.chain.n, r.chain.n == 1 ? "" : "s",
			 r.chain.v[0].origin, r.address);
	tlsfetch_result_release(&r);
	if (certdb_nodb_shutdown(ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	return ret;
}

static int
add_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	char *operand = NULL;
	int n, ret;

	ov_opts.starttls = STARTTLS_AUTO;
	if ((ret = ov_getopt_anywhere(ctx, argc, argv, add_options, &operand, 1, &n, err)) < 0)
		return ret;
	if (n != 1)
		return mc_error_set(err, MC_EUSAGE, "%s: expected HOST[:PORT] --cert FILE or --fetch", ctx->cmd_name);
	if (ov_opts.fetch && ov_opts.files.n)
		return mc_error_set(err, MC_EUSAGE, "%s: give --cert FILE or --fetch, not both", ctx->cmd_name);
	if (!ov_opts.fetch && (ov_opts.starttls != STARTTLS_AUTO || ov_opts.timeout_ms))
		return mc_error_set(err, MC_EUSAGE, "%s: --starttls and --timeout go with --fetch", ctx->cmd_name);
	if (!ov_opts.fetch && ov_opts.files.n == 0)
		return mc_error_set(err, MC_EUSAGE, "%s: --cert FILE or --fetch is required (the server's certificate)",
				    ctx->cmd_name);
	if ((ret = ov_parse_target(operand, err)) < 0)
		return ret;
	return ov_opts.fetch ? fetch_cert(ctx, err) : 0;
}

const struct cmd_spec cmd_override_add = {
	.name = "add", .prepare = add_prepare, .run = add_run, .cleanup = ov_cleanup,
	.flags = CMD_WRITES | CMD_STORE,
	.args = "HOST[:PORT] --cert FILE|--fetch [--starttls PROTO] [--timeout S] [--format A|B|C|D] [--bits[=MUT]] "
		"[--origin ATTRS]",
	.summary = "add a security exception for the server's certificate (port 443 by default)",
	.options = add_options,
	.help = "  --cert FILE              the server's certificate (the first one of FILE)\n"
		"  --fetch                  get it from the server HOST[:PORT] itself (TLS or STARTTLS)\n"
		"  --starttls PROTO         with --fetch: imap, pop3, smtp, ldap or none (default: by port)\n"
		"  --timeout S              with --fetch: seconds each network step may take (default 5)\n"
		"  --format A|B|C|D         the era of cert_override.txt to write (default: the one the\n"
		"                           profile's application version reads)\n"
		"  --bits[=MUT]             the overridden errors: M mismatch, U untrusted, T time\n"
		"                           (without a value: computed from the certificate)\n"
		"  --origin ATTRS           origin attributes, '^key=value&...' ('default': none)\n",
};
