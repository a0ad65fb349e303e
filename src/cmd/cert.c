/* SPDX-License-Identifier: MPL-2.0 */
/* cert.c: cert list, show, import, trust, remove. */
#include <nss.h>
#include <base64.h>

#include "cmd.h"
#include "cert-input.h"
#include "legacy-list.h"
#include "nssdb.h"
#include "output.h"
#include "stage.h"
#include "strbuf.h"
#include "banned.h"

struct cert_opts {
	const char *trust_arg;
	CERTCertTrust trust;
	bool has_trust;
	const char *key;
	struct der_list ders;
	bool pem;
};

static struct cert_opts opts;

static int
open_ro(const struct cmd_ctx *ctx, const struct profile *p, struct certdb **db, struct mc_error *err)
{
	int kind, ret;

	if ((ret = cmd_store_kind(p, &kind, err)) < 0)
		return ret;
	return certdb_open(p->path, (enum certdb_kind)kind, 0, ctx->password, db, err);
}

/* ---- cert list ---- */

/*
 * The certificates of p's store. A cert8.db is listed in a child process
 * (legacy-list.h): NSS may read it but not let go of it, and this process
 * goes on to other profiles. Then what NSS listed is shown, and *busy says
 * what is wrong (caller frees).
 */
static int
list_store(const struct cmd_ctx *ctx, const struct profile *p, struct cert_info **v, size_t *n, char **busy,
	   struct mc_error *err)
{
	struct legacy_listing l;
	struct certdb *db = NULL;
	int kind, ret;

	*busy = NULL;
	if ((ret = cmd_store_kind(p, &kind, err)) < 0)
		return ret;
	if (kind == CERTDB_DBM) {
		if ((ret = legacy_list(p->path, p->path, 0, ctx->password, &l, err)) < 0)
			return ret;
		if (l.busy)
			*busy = xasprintf("'%s/cert8.db' is damaged: NSS lists %zu certificate%s of it but cannot release "
					  "it (objects made of damaged records stay in use); its records hold %zu: "
					  "db repair rebuilds the store from them", p->path, l.n, l.n == 1 ? "" : "s",
					  l.records);
		*v = l.v;
		*n = l.n;
		l.v = NULL;
		l.n = 0;
		legacy_listing_release(&l);
		return 0;
	}
	if ((ret = certdb_open(p->path, (enum certdb_kind)kind, 0, ctx->password, &db, err)) < 0)
		return ret;
	ret = certdb_list(db, v, n, err);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	return ret;
}

static int
list_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct cert_info *v = NULL;
	size_t n = 0;
	_autofree_ char *busy = NULL;
	int ret;

	if ((ret = list_store(ctx, p, &v, &n, &busy, err)) < 0) {
		cert_info_array_free(v, n);
		return ret;
	}
	if (ctx->json) {
		struct json_object *arr = json_object_new_array_ext((int)n);

		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, output_cert_json(&v[i]));
		json_object_object_add(res, "certificates", arr);
		json_object_object_add(res, "count", json_object_new_int64((int64_t)n));
	} else {
		struct strbuf sb;

		strbuf_init(&sb);
		for (size_t i = 0; i < n; i++) {
			char na[32];

			output_time(v[i].not_after, na);
			strbuf_addf(&sb, "%-8s %.10s  %s  %s\n", v[i].trust, na, v[i].sha256_hex,
				    v[i].nickname ? v[i].nickname : "(no nickname)");
			if (ctx->verbosity > 0)
				strbuf_addf(&sb, "         subject: %s\n         issuer:  %s\n", v[i].subject,
					    v[i].issuer);
		}
		cmd_out_bytes(ctx, sb.buf, sb.len);
		strbuf_release(&sb);
		cmd_out(ctx, "%zu certificate%s\n", n, n == 1 ? "" : "s");
	}
	cert_info_array_free(v, n);
	if (busy)
		return mc_error_set(err, MC_EDAMAGED, "%s", busy);
	return 0;
}

const struct cmd_spec cmd_cert_list = {
	.name = "list", .run = list_run, .flags = CMD_STORE, .args = "",
	.summary = "certificates with trust, validity and SHA-256 fingerprint",
};

/* ---- cert show ---- */

static int
key_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	if (opt == 'e') {
		opts.pem = true;
		return 0;
	}
	return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
}

static const struct option key_options[] = {{"pem", no_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};

static int
key_prepare(struct cmd_ctx *ctx, int argc, char **argv, int want_args, struct mc_error *err)
{
	int first, ret;

	if ((ret = cmd_getopt(ctx, argc, argv, key_options, key_opt, &first, err)) < 0)
		return ret;
	if (argc - first != want_args)
		return mc_error_set(err, MC_EUSAGE, "%s: expected %s", ctx->cmd_name,
				    want_args == 1 ? "NICKNAME|SHA256" : "NICKNAME|SHA256 TRUST");
	opts.key = argv[first];
	if (want_args == 2) {
		if ((ret = trust_parse(argv[first + 1], &opts.trust, err)) < 0)
			return ret;
		opts.has_trust = true;
	}
	return 0;
}

static int
show_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return key_prepare(ctx, argc, argv, 1, err);
}

static void
print_pem(const struct cert_info *ci)
{
	char *b64 = BTOA_DataToAscii(ci->der, (unsigned int)ci->der_len);
	struct strbuf sb;

	if (!b64)
		return;
	strbuf_init(&sb);
	strbuf_addstr(&sb, "-----BEGIN CERTIFICATE-----\n");
	/* NSS wraps at 64 columns with CRLF; PEM readers want LF. */
	for (const char *s = b64; *s; s++)
		if (*s != '\r')
			strbuf_addch(&sb, *s);
	strbuf_addstr(&sb, "\n-----END CERTIFICATE-----\n");
	/* the data asked for: printed under -q too */
	output_bytes(sb.buf, sb.len);
	strbuf_release(&sb);
	PORT_Free(b64);
}

static int
show_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct certdb *db = NULL;
	struct cert_info ci = {0};
	int ret;

	if ((ret = open_ro(ctx, p, &db, err)) < 0)
		return ret;
	ret = certdb_find(db, opts.key, &ci, err);
	if (ret == 0 && !ctx->json && opts.pem)
		print_pem(&ci);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	if (ret < 0) {
		cert_info_release(&ci);
		return ret;
	}
	if (ctx->json) {
		json_object_object_add(res, "certificate", output_cert_json(&ci));
	} else if (!opts.pem) {
		char nb[32], na[32];

		output_time(ci.not_before, nb);
		output_time(ci.not_after, na);
		cmd_out(ctx, "nickname:   %s\ntrust:      %s%s\nsubject:    %s\nissuer:     %s\nserial:     %s\n"
			     "not before: %s\nnot after:  %s%s\nCA:         %s\nSHA-256:    %s\n",
			ci.nickname ? ci.nickname : "(none)", ci.trust,
			ci.trust_v32 ? " (written by NSS 3.114 or newer)" : "", ci.subject, ci.issuer,
			ci.serial_hex, nb, na, ci.not_after < PR_Now() ? " (expired)" : "",
			ci.is_ca ? "yes" : "no", ci.sha256_hex);
	}
	cert_info_release(&ci);
	return 0;
}

const struct cmd_spec cmd_cert_show = {
	.name = "show", .prepare = show_prepare, .run = show_run, .flags = CMD_STORE,
	.args = "NICKNAME|SHA256 [--pem]", .summary = "one certificate in detail (--pem: as PEM)",
	.options = key_options,
	.help = "  --pem                    the certificate as PEM, nothing else\n",
};

/* ---- the staged write shared by import, trust and remove ---- */

enum op { OP_IMPORT, OP_TRUST, OP_REMOVE };

static const char *
status_word(enum import_status s, enum op op)
{
	if (op == OP_REMOVE)
		return "removed";
	switch (s) {
	case IMPORT_ADDED:
		return "added";
	case IMPORT_TRUST_CHANGED:
		return "trust-changed";
	default:
		return "unchanged";
	}
}

static void
warn_legacy(const struct cmd_ctx *ctx, const struct profile *p, int kind, struct json_object *res)
{
	int major;

	if (kind != CERTDB_DBM)
		return;
	major = profile_app_major(p->path);
	if (major >= 73) {
		_autofree_ char *msg = xasprintf(
			"'%s' has only a legacy cert8.db store, which %s %d no longer reads: run 'mozcert -p %s db upgrade'",
			p->path, app_name(p->app), major, p->path);

		cmd_warn(ctx, "%s", msg);
		json_object_object_add(res, "warning", json_object_new_string(msg));
	}
}

/* The kind of store op works on: a profile without one gets a new cert9.db from an import only. */
static int
staged_kind(const struct profile *p, enum op op, int *kind, struct mc_error *err)
{
	if (profile_store_format(p->path) == STORE_NONE) {
		if (op != OP_IMPORT)
			return cmd_store_kind(p, kind, err);
		*kind = CERTDB_SQL;  /* a fresh profile: create the store the application would */
		return 0;
	}
	return cmd_store_kind(p, kind, err);
}

/* One step of op on the staged store: r[i] its result. */
static int
staged_one(struct certdb *db, enum op op, size_t i, struct import_result *r, struct mc_error *err)
{
	int ret;

	if (op == OP_TRUST)
		return certdb_set_trust(db, opts.key, &opts.trust, r, err);
	if (op == OP_REMOVE)
		return certdb_remove(db, opts.key, r, err);
	ret = certdb_import(db, opts.ders.v[i].data, opts.ders.v[i].len, opts.has_trust ? &opts.trust : NULL, r, err);
	if (ret < 0) {
		struct mc_error inner = *err;

		mc_error_clear(err);
		mc_error_set(err, ret, "%s: %s", opts.ders.v[i].origin, inner.msg);
		err->sys_errno = inner.sys_errno;
		err->nss_code = inner.nss_code;
	}
	return ret;
}

/* What staged_run works with: the results of each step and what verification expects. */
struct staged {
	struct import_result *r;
	struct stage_expect *ex;
	size_t nr, changed;
	bool absent;             /* remove: the certificate was not there */
};

/* Step 1, change: op on the staged store (opened as the profile's), one step per certificate. */
static int
staged_change(struct cmd_ctx *ctx, const struct profile *p, struct stage *st, int kind, enum op op,
	      struct staged *sg, struct mc_error *err)
{
	struct certdb *db = NULL;
	int ret;

	if ((ret = certdb_open_as(st->dir, p->path, (enum certdb_kind)kind, CERTDB_RDWR, ctx->password, &db, err)) < 0)
		return ret;
	sg->r = xzalloc(sg->nr * sizeof(*sg->r));
	sg->ex = xzalloc(sg->nr * sizeof(*sg->ex));
	for (size_t i = 0; i < sg->nr; i++) {
		ret = staged_one(db, op, i, &sg->r[i], err);
		if (op == OP_REMOVE && ret == MC_ENOENT) {
			/* Already absent: "ensure absent" is done; nothing to stage, verify or back up. */
			mc_error_clear(err);
			import_result_release(&sg->r[i]);
			sg->absent = true;
			sg->nr = 0;
			ret = 0;
			break;
		}
		if (ret < 0) {
			certdb_close(db, NULL);
			return ret;
		}
		memcpy(sg->ex[i].sha256, sg->r[i].sha256, 32);
		snprintf(sg->ex[i].trust, sizeof(sg->ex[i].trust), "%s", sg->r[i].trust);
		sg->ex[i].present = op != OP_REMOVE;
		sg->ex[i].der = op == OP_IMPORT ? &opts.ders.v[i] : NULL;
		if (sg->r[i].status != IMPORT_UNCHANGED)
			sg->changed++;
	}
	return certdb_close(db, err);
}

/* Step 4, report: each certificate's status (JSON and text) and the totals. */
static void
staged_report(struct cmd_ctx *ctx, const struct profile *p, enum op op, const struct staged *sg, int kind,
	      struct json_object *res)
{
	struct json_object *arr = json_object_new_array_ext((int)sg->nr);

	cmd_set_changed(res, sg->changed > 0 && !ctx->dry_run);
	for (size_t i = 0; i < sg->nr; i++) {
		const struct import_result *r = &sg->r[i];
		const char *word = status_word(r->status, op);
		struct json_object *o = json_object_new_object();

		if (op == OP_TRUST && r->status == IMPORT_TRUST_CHANGED)
			word = "trust-changed";
		json_object_object_add(o, "status", json_object_new_string(word));
		json_object_object_add(o, "nickname", r->nickname ? json_object_new_string(r->nickname) : NULL);
		json_object_object_add(o, "trust", json_object_new_string(op == OP_REMOVE ? "" : r->trust));
		json_object_object_add(o, "previous_trust", json_object_new_string(r->old_trust));
		json_object_object_add(o, "subject", json_object_new_string(r->subject ? r->subject : ""));
		json_object_object_add(o, "sha256", json_object_new_string(r->sha256_hex));
		if (op == OP_IMPORT)
			json_object_object_add(o, "source", json_object_new_string(opts.ders.v[i].origin));
		json_object_array_add(arr, o);
		if (ctx->verbosity > 0 || r->status != IMPORT_UNCHANGED || op == OP_IMPORT)
			cmd_out(ctx, "%s%-13s %-8s %s\n", ctx->dry_run && r->status != IMPORT_UNCHANGED ? "would be " : "",
				word, op == OP_REMOVE ? "" : r->trust, r->nickname ? r->nickname : r->sha256_hex);
	}
	json_object_object_add(res, "certificates", arr);
	if (op == OP_REMOVE)
		json_object_object_add(res, "removed", json_object_new_int64(sg->absent ? 0 : 1));
	if (op == OP_IMPORT) {
		json_object_object_add(res, "duplicates_skipped", json_object_new_int64((int64_t)opts.ders.duplicates));
		if (opts.ders.duplicates)
			cmd_out(ctx, "%zu duplicate%s in the input skipped\n", opts.ders.duplicates,
				opts.ders.duplicates == 1 ? "" : "s");
	}
	if (sg->absent) {
		json_object_object_add(res, "not_found", json_object_new_string(opts.key));
		cmd_out(ctx, "no certificate '%s' in '%s': nothing to remove\n", opts.key, p->path);
	} else {
		cmd_out(ctx, "%zu changed, %zu unchanged%s\n", sg->changed, sg->nr - sg->changed,
			ctx->dry_run ? " (dry run: nothing written)" : "");
	}
	warn_legacy(ctx, p, kind, res);
}

static int
staged_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, enum op op, struct mc_error *err)
{
	struct stage st = {0};
	struct staged sg = {.nr = op == OP_IMPORT ? opts.ders.n : 1};
	struct backup backup;
	int kind, ret;

	if ((ret = staged_kind(p, op, &kind, err)) < 0)
		return ret;
	if ((ret = stage_begin(p->path, (enum certdb_kind)kind, &st, err)) < 0)
		goto out;
	st.cert_first = op == OP_REMOVE;  /* what a run killed between the renames leaves: see stage.c */
	if ((ret = staged_change(ctx, p, &st, kind, op, &sg, err)) < 0)
		goto out;
	/*
	 * Step 2, verify. A batch that added a certificate twice must expect its last state only: verify finds
	 * by hash or DER. Nothing changed, nothing is committed: then there is nothing to verify either.
	 */
	if (!sg.absent && sg.changed && (ret = stage_verify(&st, sg.ex, sg.nr, ctx->password, err)) < 0)
		goto out;
	/* Step 3, commit. */
	if (sg.changed && !ctx->dry_run) {
		backup_init(&backup, p->path, ctx->cmd_name);
		ret = stage_commit(&st, &backup, err);
		if (ret == 0 && backup.id)
			json_object_object_add(res, "backup", json_object_new_string(backup.id));
		backup_release(&backup);
		if (ret < 0)
			goto out;
	}
	staged_report(ctx, p, op, &sg, kind, res);
	ret = 0;
out:
	if (sg.r)
		for (size_t i = 0; i < sg.nr; i++)
			import_result_release(&sg.r[i]);
	free(sg.r);
	free(sg.ex);
	mc_error_rebase(err, st.dir, p->path);  /* messages name the profile's files, not the staging copy */
	stage_release(&st);
	return ret;
}

/* ---- cert import ---- */

static int
import_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	int ret;

	if (opt != 't')
		return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
	if ((ret = trust_parse(arg, &opts.trust, err)) < 0)
		return ret;
	opts.has_trust = true;
	return 0;
}

static const struct option import_options[] = {{"trust", required_argument, NULL, 't'}, {NULL, 0, NULL, 0}};

static int
import_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first, ret;

	if ((ret = cmd_getopt(ctx, argc, argv, import_options, import_opt, &first, err)) < 0)
		return ret;
	if (first >= argc)
		return mc_error_set(err, MC_EUSAGE, "%s: expected FILE|DIR...", ctx->cmd_name);
	return certpkg_read_paths(argv + first, argc - first, &opts.ders, err);
}

static int
import_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return staged_run(ctx, p, res, OP_IMPORT, err);
}

static void
cert_cleanup(struct cmd_ctx *ctx)
{
	der_list_release(&opts.ders);
}

const struct cmd_spec cmd_cert_import = {
	.name = "import", .prepare = import_prepare, .run = import_run, .cleanup = cert_cleanup,
	.flags = CMD_WRITES | CMD_STORE | CMD_PARALLEL, .args = "[--trust TRUST] FILE|DIR...",
	.summary = "import CA certificates (PEM, DER, PKCS#7, bundles); trust ',,' unless --trust",
	.options = import_options,
	.help = "  --trust TRUST            trust as certutil spells it, e.g. C,, (servers); default ,,\n",
};

/* ---- cert trust / remove ---- */

static int
trust_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return key_prepare(ctx, argc, argv, 2, err);
}

static int
trust_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return staged_run(ctx, p, res, OP_TRUST, err);
}

const struct cmd_spec cmd_cert_trust = {
	.name = "trust", .prepare = trust_prepare, .run = trust_run, .flags = CMD_WRITES | CMD_STORE | CMD_PARALLEL,
	.args = "NICKNAME|SHA256 TRUST", .summary = "set trust as certutil spells it (e.g. 'C,,')",
};

static int
remove_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return staged_run(ctx, p, res, OP_REMOVE, err);
}

const struct cmd_spec cmd_cert_remove = {
	.name = "remove", .prepare = show_prepare, .run = remove_run,
	.flags = CMD_WRITES | CMD_STORE | CMD_PARALLEL,
	.args = "NICKNAME|SHA256", .summary = "remove a certificate and its trust",
};
