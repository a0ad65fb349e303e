/* SPDX-License-Identifier: MPL-2.0 */
/*
 * doctor.c: doctor, one health check of a whole profile: the store (what
 * db check finds), cert_override.txt, the OCSP and MD5 prefs and where they
 * come from, and whether the application runs. It reads through the reading
 * commands' own checks (checks.h: typed results, never their JSON), quietly,
 * so it finds exactly what they report; each finding carries the command
 * that fixes it.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "cmd.h"
#include "checks.h"
#include "findings.h"
#include "profile-lock.h"
#include "banned.h"

#define OCSP_ENABLED "security.OCSP.enabled"
#define MD5_PREF "security.enable_md5_signatures"

/* The reading commands run quietly: as --json -q, so they print nothing of their own. */
static struct cmd_ctx
quiet_ctx(const struct cmd_ctx *ctx)
{
	struct cmd_ctx q = *ctx;

	q.json = true;
	q.verbosity = -1;
	return q;
}

/* "prefs.js:3", "user.js:1", "the policy FILE", "locked in FILE", "the default" (into buf). */
static const char *
pref_where(const struct prefsrc_result *r, char *buf, size_t len)
{
	const struct prefsrc_setting *st = r->from >= 0 ? &r->steps[r->from] : NULL;
	const char *src = pref_source_name(r), *file = st ? st->file : NULL;
	unsigned line = st ? st->line : 0;

	if (r->locked)
		snprintf(buf, len, "locked%s%s", file ? " in " : "", file ? file : "");
	else if (streq(src, "policy"))
		snprintf(buf, len, "the enterprise policy%s%s", file ? " " : "", file ? file : "");
	else if (file && line > 0)
		snprintf(buf, len, "%s:%u", file, line);
	else if (src)
		snprintf(buf, len, "%s", streq(src, "default") ? "the default" : src);
	else
		snprintf(buf, len, "not set");
	return buf;
}

/*
 * The command that takes a pref back to the safe value: CMD where prefs.js
 * holds it, CMD --user-js where user.js does; NULL where only a policy, a
 * lock or the autoconfig file can change it (the message says so).
 */
static char *
pref_fix(const struct profile *p, const struct prefsrc_result *r, const char *cmd)
{
	const char *src = pref_source_name(r);
	_autofree_ char *with = NULL;

	if (r->locked || streq(src, "policy") || streq(src, "autoconfig"))
		return NULL;
	if (streq(src, "user.js")) {
		with = xasprintf("%s --user-js", cmd);
		return fix_cmd(p, with);
	}
	return fix_cmd(p, cmd);
}

static void
check_store(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct cmd_ctx q = quiet_ctx(ctx);
	struct db_check_report r;
	struct json_object *details = json_object_new_object(), *o = json_object_new_object();
	const char *store;
	bool healthy;

	db_check_collect(&q, p, &r, details);
	store = store_format_name(r.fmt);
	healthy = r.f.errors == 0;
	for (size_t i = 0; i < json_object_array_length(r.f.arr); i++)
		finding_adopt(f, json_object_array_get_idx(r.f.arr, i));
	json_object_object_add(o, "store", json_object_new_string(store));
	json_object_object_add(o, "application_uses", r.uses ? json_object_new_string(r.uses) : NULL);
	json_object_object_add(o, "certificates", r.certificates >= 0 ? json_object_new_int64(r.certificates) : NULL);
	json_object_object_add(o, "healthy", json_object_new_boolean(healthy));
	json_object_object_add(res, "store", o);
	if (r.certificates >= 0)
		cmd_out(ctx, "store:        %s, %lld certificate%s%s\n", r.uses ? r.uses : store, (long long)r.certificates,
			r.certificates == 1 ? "" : "s", healthy ? "" : ", damaged");
	else
		cmd_out(ctx, "store:        %s%s\n", store, healthy ? "" : ", unreadable or damaged");
	json_object_put(r.f.arr);
	json_object_put(details);
}

static void
check_overrides(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct cmd_ctx q = quiet_ctx(ctx);
	struct override_report r;
	struct mc_error err = {0};
	struct json_object *o;

	/* Counts only: override list's JSON holds an object per line (668 MB for 200,000 lines). */
	if (override_report_tally(&q, p, &r, &err) < 0) {
		finding(f, SEV_ERROR, "override-unreadable", "cert_override.txt", NULL, "%s", err.msg);
		cmd_out(ctx, "overrides:    unreadable\n");
		json_object_object_add(res, "overrides", NULL);
		override_report_release(&r);
		return;
	}
	if (r.ignored > 0) {
		_autofree_ char *fix = fix_cmd(p, "override prune");

		finding(f, SEV_WARNING, "override-ignored", "cert_override.txt", fix,
			"%zu line%s the application ignores (malformed, or of a format it no longer reads)",
			r.ignored, r.ignored == 1 ? "" : "s");
	}
	if (r.expired) {
		_autofree_ char *fix = fix_cmd(p, "override prune --expired");

		finding(f, SEV_INFO, "override-expired", "cert_override.txt", fix,
			"%zu exception%s for a certificate that has expired (the server has likely replaced it)",
			r.expired, r.expired == 1 ? "" : "s");
	}
	if (r.other_cert)
		finding(f, SEV_INFO, "override-other-certificate", "cert_override.txt", NULL,
			"%zu exception%s name%s the issuer and serial of a certificate in the store but another "
			"fingerprint: %s not apply to it", r.other_cert, r.other_cert == 1 ? "" : "s",
			r.other_cert == 1 ? "s" : "", r.other_cert == 1 ? "it does" : "they do");
	o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(r.file));
	json_object_object_add(o, "exists", json_object_new_boolean(r.exists));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)r.count));
	json_object_object_add(o, "ignored_count", json_object_new_int64((int64_t)r.ignored));
	json_object_object_add(o, "expired", json_object_new_int64((int64_t)r.expired));
	json_object_object_add(res, "overrides", o);
	cmd_out(ctx, "overrides:    %zu%s%s\n", r.count, r.exists ? "" : " (no cert_override.txt)",
		r.ignored > 0 ? ", with lines the application ignores" : "");
	override_report_release(&r);
}

/*
 * Backups worth a mention: more than this on disk (what removing them would
 * free, as db backups counts it). A backup holds the files a change replaced:
 * 68 KiB for an empty store, 228 and 356 KiB for the cert9.db of two used
 * Firefox profiles (measured): 64 MiB is some hundreds of backups, or a store
 * far larger than usual; either is worth a prune.
 */
#define BACKUPS_NOTE_BYTES ((int64_t)64 * 1024 * 1024)

static void
check_backups(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct mc_error err = {0};
	struct backups_report r;
	struct json_object *o;
	double mib;

	if (db_backups_measure(p, &r, &err) < 0) {
		/* a listing that fails is no health problem of the profile: say so, as an info */
		finding(f, SEV_INFO, "backups-unreadable", BACKUP_DIRNAME, NULL, "%s", err.msg);
		json_object_object_add(res, "backups", NULL);
		return;
	}
	mib = (double)r.total_disk / (1024.0 * 1024.0);
	if (r.total_disk > BACKUPS_NOTE_BYTES) {
		_autofree_ char *fix = fix_cmd(p, "db backups prune --keep 5");

		finding(f, SEV_INFO, "backups-large", BACKUP_DIRNAME, fix,
			"%zu backup%s of mozcert hold %.1f MiB on disk (more than %lld MiB); the newest are the ones "
			"a restore needs", r.count, r.count == 1 ? "" : "s", mib,
			(long long)(BACKUPS_NOTE_BYTES / (1024 * 1024)));
	}
	o = json_object_new_object();
	json_object_object_add(o, "count", json_object_new_int64((int64_t)r.count));
	json_object_object_add(o, "disk_bytes", json_object_new_int64(r.total_disk));
	json_object_object_add(res, "backups", o);
	cmd_out(ctx, "backups:      %zu, %.1f MiB on disk\n", r.count, mib);
}

/* Parse errors of prefs.js and user.js, once (the OCSP and MD5 reads both see them). */
static void
check_pref_files(struct findings *f, const struct pref_checks *pc)
{
	for (size_t i = 0; i < pc->nfile_errors; i++)
		finding(f, SEV_WARNING, "prefs-syntax", NULL, NULL,
			"%s (the application skips the bad statements, and drops them when it rewrites prefs.js)",
			pc->file_errors[i]);
}

static void
check_ocsp(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res,
	   const struct ocsp_report *r)
{
	const char *mode = r->mode ? r->mode : "off";  /* never NULL: said so for gcc -O2's -Wformat-overflow */
	char where[600];

	pref_where(&r->enabled, where, sizeof(where));
	cmd_out(ctx, "OCSP:         %s%s (%s)\n", mode,
		streq(mode, "off") ? "" : r->require ? ", hard-fail" : ", soft-fail", where);
	if (streq(mode, "off")) {
		_autofree_ char *fix = pref_fix(p, &r->enabled, "ocsp on");
		struct json_object *v = r->enabled.has_value ? pref_value_json(&r->enabled.value) : NULL;

		finding(f, SEV_WARNING, "ocsp-off", NULL, fix,
			"OCSP is off (%s = %s, from %s): a revoked certificate is accepted%s", OCSP_ENABLED,
			json_object_to_json_string(v), where, fix ? "" : "; only that file can change it");
		json_object_put(v);
	} else if (streq(mode, "ev-only")) {
		finding(f, SEV_INFO, "ocsp-ev-only", NULL, NULL,
			"OCSP is fetched for EV certificates only (%s = 2, from %s)", OCSP_ENABLED, where);
	}
	if (!streq(mode, "off") && r->require) {
		char rwhere[600];

		finding(f, SEV_INFO, "ocsp-hard-fail", NULL, NULL,
			"OCSP hard-fail (security.OCSP.require, from %s): a certificate is rejected when its OCSP "
			"responder cannot be reached", pref_where(&r->required, rwhere, sizeof(rwhere)));
	}
	json_object_object_add(res, "ocsp", ocsp_report_json(r));
}

static void
check_md5(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res,
	  const struct md5_report *r)
{
	char where[600];

	pref_where(&r->pref, where, sizeof(where));
	cmd_out(ctx, "MD5:          signatures %s (%s)\n", r->accepted ? "accepted" : "rejected", where);
	if (r->accepted) {
		_autofree_ char *fix = pref_fix(p, &r->pref, "md5 off");

		finding(f, SEV_WARNING, "md5-accepted", NULL, fix,
			"MD5-signed certificates are accepted (%s = true, from %s): they can be forged%s", MD5_PREF,
			where, fix ? "" : "; only that file can change it");
	} else if (r->pref_value) {
		finding(f, SEV_INFO, "md5-pref-ignored", NULL, NULL, "%s = true (from %s) has no effect%s%s",
			MD5_PREF, where, r->note ? ": " : "", r->note ? r->note : "");
	}
	json_object_object_add(res, "md5", md5_report_json(r));
}

/* The OCSP and MD5 prefs, read once. */
static void
check_prefs(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct cmd_ctx q = quiet_ctx(ctx);
	struct mc_error err = {0};
	struct pref_checks pc;

	if (pref_checks_load(&q, p, &pc, &err) < 0) {
		finding(f, SEV_ERROR, "prefs-unreadable", "prefs.js", NULL, "%s", err.msg);
		cmd_out(ctx, "OCSP:         unknown (prefs unreadable)\n");
		cmd_out(ctx, "MD5:          unknown (prefs unreadable)\n");
		pref_checks_release(&pc);
		return;
	}
	check_pref_files(f, &pc);
	check_ocsp(ctx, p, f, res, &pc.ocsp);
	check_md5(ctx, p, f, res, &pc.md5);
	pref_checks_release(&pc);
}

static int
doctor_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct cmd_ctx quiet = *ctx;
	/* findings are printed after the summary lines, all together */
	struct findings f = {.ctx = &quiet, .p = p, .arr = json_object_new_array()};
	bool in_use = profile_in_use(p->path);
	int major = profile_app_major(p->path);
	struct stat st;

	quiet.json = true;
	cmd_out(ctx, "profile:      %s (%s", p->path, app_name(p->app));
	if (major >= 0)
		cmd_out(ctx, " %d", major);
	cmd_out(ctx, ")\napplication:  %s\n", in_use ? "running on this profile" : "not running");
	json_object_object_add(res, "in_use", json_object_new_boolean(in_use));
	json_object_object_add(res, "app_major", major < 0 ? NULL : json_object_new_int(major));
	if (stat(p->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		finding(&f, SEV_ERROR, "profile-missing", NULL, NULL, "the profile directory does not exist%s",
			p->root ? " (profiles.ini names it; the application would create it empty)" : "");
	} else {
		check_store(ctx, p, &f, res);
		check_overrides(ctx, p, &f, res);
		check_prefs(ctx, p, &f, res);
		check_backups(ctx, p, &f, res);
	}
	if (in_use)
		finding(&f, SEV_WARNING, "app-running", NULL, NULL,
			"%s is running on this profile: close it before running a fix (mozcert refuses to write, "
			"exit 3), or the application may overwrite the change", app_name(p->app));

	for (size_t i = 0; i < json_object_array_length(f.arr); i++)
		finding_print(ctx, json_object_array_get_idx(f.arr, i));
	json_object_object_add(res, "healthy", json_object_new_boolean(f.errors == 0));
	json_object_object_add(res, "errors", json_object_new_int64((int64_t)f.errors));
	json_object_object_add(res, "warnings", json_object_new_int64((int64_t)f.warnings));
	json_object_object_add(res, "findings", f.arr);
	cmd_set_changed(res, false);
	cmd_out(ctx, "%s: %s, %zu error%s, %zu warning%s\n", p->path, f.errors ? "problems found" : "healthy",
		f.errors, f.errors == 1 ? "" : "s", f.warnings, f.warnings == 1 ? "" : "s");
	if (f.errors)
		return mc_error_set(err, MC_EDAMAGED, "the profile '%s' has %zu problem%s (see doctor)", p->path,
				    f.errors, f.errors == 1 ? "" : "s");
	return 0;
}

static int
doctor_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int first, ret;

	if ((ret = cmd_getopt(ctx, argc, argv, NULL, NULL, &first, err)) < 0)
		return ret;
	if (first < argc)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first]);
	return 0;
}

const struct cmd_spec cmd_doctor = {
	.name = "doctor", .prepare = doctor_prepare, .run = doctor_run, .flags = 0, .args = "",
	.summary = "one health check of the profile: store, overrides, OCSP and MD5 prefs, each finding with its fix",
};
