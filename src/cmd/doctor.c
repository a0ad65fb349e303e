/* SPDX-License-Identifier: MPL-2.0 */
/*
 * doctor.c: doctor, one health check of a whole profile: the store (what
 * db check finds), cert_override.txt, the OCSP and MD5 prefs and where they
 * come from, and whether the application runs. It reads through the reading
 * commands themselves, quietly and as JSON, so it finds exactly what they
 * report; each finding carries the command that fixes it.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "cmd.h"
#include "findings.h"
#include "override-match.h"
#include "profile-lock.h"
#include "banned.h"

#define OCSP_ENABLED "security.OCSP.enabled"
#define MD5_PREF "security.enable_md5_signatures"

/* "prefs.js:3", "user.js:1", "the policy FILE", "locked in FILE", "the default" (into buf). */
static const char *
pref_where(struct json_object *pref, char *buf, size_t len)
{
	const char *src = cmd_json_str(pref, "source"), *file = cmd_json_str(pref, "file");
	int64_t line = cmd_json_int(pref, "line");

	if (cmd_json_bool(pref, "locked"))
		snprintf(buf, len, "locked%s%s", file ? " in " : "", file ? file : "");
	else if (streq(src, "policy"))
		snprintf(buf, len, "the enterprise policy%s%s", file ? " " : "", file ? file : "");
	else if (file && line > 0)
		snprintf(buf, len, "%s:%lld", file, (long long)line);
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
pref_fix(const struct profile *p, struct json_object *pref, const char *cmd)
{
	const char *src = cmd_json_str(pref, "source");
	_autofree_ char *with = NULL;

	if (cmd_json_bool(pref, "locked") || streq(src, "policy") || streq(src, "autoconfig"))
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
	struct mc_error err = {0};
	int ret;
	struct json_object *sub = cmd_sub_run(ctx, &cmd_db_check, "db check", p, &ret, &err);
	struct json_object *arr = cmd_json_get(sub, "findings"), *o = json_object_new_object();
	const char *store = cmd_json_str(sub, "store"), *uses = cmd_json_str(sub, "application_uses");
	int64_t n = cmd_json_int(sub, "certificates");

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		finding_adopt(f, json_object_array_get_idx(arr, i));
	if (ret < 0 && ret != MC_EDAMAGED)
		finding(f, SEV_ERROR, "check-failed", NULL, NULL, "the store could not be checked: %s", err.msg);
	json_object_object_add(o, "store", store ? json_object_new_string(store) : NULL);
	json_object_object_add(o, "application_uses", uses ? json_object_new_string(uses) : NULL);
	json_object_object_add(o, "certificates", n >= 0 ? json_object_new_int64(n) : NULL);
	json_object_object_add(o, "healthy", json_object_new_boolean(ret == 0));
	json_object_object_add(res, "store", o);
	if (n >= 0)
		cmd_out(ctx, "store:        %s, %lld certificate%s%s\n", uses ? uses : store, (long long)n,
			n == 1 ? "" : "s", ret == 0 ? "" : ", damaged");
	else
		cmd_out(ctx, "store:        %s%s\n", store ? store : "?", ret == 0 ? "" : ", unreadable or damaged");
	json_object_put(sub);
}

static void
check_overrides(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct mc_error err = {0};
	struct override_tally t;
	_autofree_ char *file = NULL;
	bool exists = false;
	struct json_object *o;
	int64_t count, ignored;
	size_t expired, other;

	/* Counts only: override list's JSON holds an object per line (668 MB for 200,000 lines). */
	if (override_doctor_tally(ctx, p, &t, &file, &exists, &err) < 0) {
		finding(f, SEV_ERROR, "override-unreadable", "cert_override.txt", NULL, "%s", err.msg);
		cmd_out(ctx, "overrides:    unreadable\n");
		json_object_object_add(res, "overrides", NULL);
		return;
	}
	o = json_object_new_object();
	count = (int64_t)t.entries;
	ignored = (int64_t)t.ignored;
	expired = t.expired;
	other = t.other_certificate;
	if (ignored > 0) {
		_autofree_ char *fix = fix_cmd(p, "override prune");

		finding(f, SEV_WARNING, "override-ignored", "cert_override.txt", fix,
			"%lld line%s the application ignores (malformed, or of a format it no longer reads)",
			(long long)ignored, ignored == 1 ? "" : "s");
	}
	if (expired) {
		_autofree_ char *fix = fix_cmd(p, "override prune --expired");

		finding(f, SEV_INFO, "override-expired", "cert_override.txt", fix,
			"%zu exception%s for a certificate that has expired (the server has likely replaced it)",
			expired, expired == 1 ? "" : "s");
	}
	if (other)
		finding(f, SEV_INFO, "override-other-certificate", "cert_override.txt", NULL,
			"%zu exception%s name%s the issuer and serial of a certificate in the store but another "
			"fingerprint: %s not apply to it", other, other == 1 ? "" : "s", other == 1 ? "s" : "",
			other == 1 ? "it does" : "they do");
	json_object_object_add(o, "file", json_object_new_string(file ? file : ""));
	json_object_object_add(o, "exists", json_object_new_boolean(exists));
	json_object_object_add(o, "count", json_object_new_int64(count));
	json_object_object_add(o, "ignored_count", json_object_new_int64(ignored));
	json_object_object_add(o, "expired", json_object_new_int64((int64_t)expired));
	json_object_object_add(res, "overrides", o);
	cmd_out(ctx, "overrides:    %lld%s%s\n", (long long)count,
		exists ? "" : " (no cert_override.txt)", ignored > 0 ? ", with lines the application ignores" : "");
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
	int ret;
	struct json_object *sub = cmd_sub_run(ctx, &cmd_db_backups, "db backups", p, &ret, &err);
	struct json_object *o = json_object_new_object();
	int64_t count = cmd_json_int(sub, "count"), disk = cmd_json_int(sub, "total_disk_bytes");
	double mib = (double)disk / (1024.0 * 1024.0);

	if (ret < 0 || count < 0 || disk < 0) {
		/* a listing that fails is no health problem of the profile: say so, as an info */
		finding(f, SEV_INFO, "backups-unreadable", BACKUP_DIRNAME, NULL, "%s", err.msg);
		json_object_object_add(res, "backups", NULL);
		json_object_put(o);
		json_object_put(sub);
		return;
	}
	if (disk > BACKUPS_NOTE_BYTES) {
		_autofree_ char *fix = fix_cmd(p, "db backups prune --keep 5");

		finding(f, SEV_INFO, "backups-large", BACKUP_DIRNAME, fix,
			"%lld backup%s of mozcert hold %.1f MiB on disk (more than %lld MiB); the newest are the ones "
			"a restore needs", (long long)count, count == 1 ? "" : "s", mib,
			(long long)(BACKUPS_NOTE_BYTES / (1024 * 1024)));
	}
	json_object_object_add(o, "count", json_object_new_int64(count));
	json_object_object_add(o, "disk_bytes", json_object_new_int64(disk));
	json_object_object_add(res, "backups", o);
	cmd_out(ctx, "backups:      %lld, %.1f MiB on disk\n", (long long)count, mib);
	json_object_put(sub);
}

/* Parse errors of prefs.js and user.js, once (the OCSP and MD5 reads both see them). */
static void
check_pref_files(struct findings *f, struct json_object *sub)
{
	struct json_object *arr = cmd_json_get(sub, "file_errors");

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		finding(f, SEV_WARNING, "prefs-syntax", NULL, NULL,
			"%s (the application skips the bad statements, and drops them when it rewrites prefs.js)",
			json_object_get_string(json_object_array_get_idx(arr, i)));
}

static void
check_ocsp(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct mc_error err = {0};
	int ret;
	struct json_object *sub = cmd_sub_run(ctx, &cmd_ocsp_status, "ocsp status", p, &ret, &err);
	struct json_object *o = cmd_json_get(sub, "ocsp"), *en = cmd_json_get(o, "enabled_pref"), *rq = cmd_json_get(o, "require_pref");
	const char *mode = cmd_json_str(o, "mode");
	char where[600];

	if (ret < 0 || !mode) {
		finding(f, SEV_ERROR, "prefs-unreadable", "prefs.js", NULL, "%s", err.msg);
		cmd_out(ctx, "OCSP:         unknown (prefs unreadable)\n");
		json_object_put(sub);
		return;
	}
	check_pref_files(f, sub);
	pref_where(en, where, sizeof(where));
	cmd_out(ctx, "OCSP:         %s%s (%s)\n", mode,
		streq(mode, "off") ? "" : cmd_json_bool(o, "require") ? ", hard-fail" : ", soft-fail", where);
	if (streq(mode, "off")) {
		_autofree_ char *fix = pref_fix(p, en, "ocsp on");

		finding(f, SEV_WARNING, "ocsp-off", NULL, fix,
			"OCSP is off (%s = %s, from %s): a revoked certificate is accepted%s", OCSP_ENABLED,
			json_object_to_json_string(cmd_json_get(en, "value")), where,
			fix ? "" : "; only that file can change it");
	} else if (streq(mode, "ev-only")) {
		finding(f, SEV_INFO, "ocsp-ev-only", NULL, NULL,
			"OCSP is fetched for EV certificates only (%s = 2, from %s)", OCSP_ENABLED, where);
	}
	if (!streq(mode, "off") && cmd_json_bool(o, "require")) {
		char rwhere[600];

		finding(f, SEV_INFO, "ocsp-hard-fail", NULL, NULL,
			"OCSP hard-fail (security.OCSP.require, from %s): a certificate is rejected when its OCSP "
			"responder cannot be reached", pref_where(rq, rwhere, sizeof(rwhere)));
	}
	json_object_object_add(res, "ocsp", json_object_get(o));
	json_object_put(sub);
}

static void
check_md5(const struct cmd_ctx *ctx, const struct profile *p, struct findings *f, struct json_object *res)
{
	struct mc_error err = {0};
	int ret;
	struct json_object *sub = cmd_sub_run(ctx, &cmd_md5_status, "md5 status", p, &ret, &err);
	struct json_object *o = cmd_json_get(sub, "md5"), *pref = cmd_json_get(o, "pref");
	char where[600];

	if (ret < 0 || !o) {
		cmd_out(ctx, "MD5:          unknown (prefs unreadable)\n");
		json_object_put(sub);
		return; /* check_ocsp reported the same failure */
	}
	pref_where(pref, where, sizeof(where));
	cmd_out(ctx, "MD5:          signatures %s (%s)\n", cmd_json_bool(o, "accepted") ? "accepted" : "rejected", where);
	if (cmd_json_bool(o, "accepted")) {
		_autofree_ char *fix = pref_fix(p, pref, "md5 off");

		finding(f, SEV_WARNING, "md5-accepted", NULL, fix,
			"MD5-signed certificates are accepted (%s = true, from %s): they can be forged%s", MD5_PREF,
			where, fix ? "" : "; only that file can change it");
	} else if (cmd_json_bool(o, "pref_value")) {
		const char *note = cmd_json_str(o, "note");

		finding(f, SEV_INFO, "md5-pref-ignored", NULL, NULL, "%s = true (from %s) has no effect%s%s",
			MD5_PREF, where, note ? ": " : "", note ? note : "");
	}
	json_object_object_add(res, "md5", json_object_get(o));
	json_object_put(sub);
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
		check_ocsp(ctx, p, &f, res);
		check_md5(ctx, p, &f, res);
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
