/* SPDX-License-Identifier: MPL-2.0 */
/* pref-switches.c: ocsp on/off/require/status, md5 on/off/status. */
#include <errno.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "fileio.h"
#include "pref.h"
#include "checks.h"
#include "strbuf.h"
#include "banned.h"

/* ---- ocsp ---- */

#define OCSP_ENABLED "security.OCSP.enabled"
#define OCSP_REQUIRE "security.OCSP.require"
#define MD5_PREF "security.enable_md5_signatures"

static const char *
ocsp_mode(const struct prefsrc_result *en)
{
	int32_t v = en->has_value && en->value.type == PREFS_TYPE_INT ? en->value.i : 1;

	/* nsNSSComponent: 0 off, 2 EV only, anything else on. */
	return v == 0 ? "off" : v == 2 ? "ev-only" : "on";
}

static void
describe(const struct cmd_ctx *ctx, const char *label, const struct prefsrc_result *r, const char *name)
{
	_autofree_ char *val = r->has_value ? pref_value_text(&r->value) : xstrdup("(not set)");
	const struct prefsrc_setting *st = r->from >= 0 ? &r->steps[r->from] : NULL;
	_autofree_ char *where = st && st->kind != PREFSRC_BUILTIN ? pref_where_text(st) : NULL;

	if (!st)
		cmd_out(ctx, "  %-8s %s = %s [no default known]\n", label, name, val);
	else
		cmd_out(ctx, "  %-8s %s = %s [%s%s%s%s]\n", label, name, val, r->locked ? "locked by " : "",
			prefsrc_kind_name(st->kind), where ? " " : "", where ? where : "");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct prefsrc_setting *o = &r->steps[i];

		if ((int)i != r->from && o->kind > PREFSRC_DEFAULTS && o->op != PREFSRC_OP_DEFAULT) {
			_autofree_ char *w = pref_where_text(o);
			_autofree_ char *ov = o->has_value ? pref_value_text(&o->value) : xstrdup("-");

			cmd_out(ctx, "           %s %s (%s%s%s)\n", o->ignored ? "ignored:" : "overridden:", ov, w,
				o->note ? ": " : "", o->note ? o->note : "");
		}
	}
}

/* The OCSP policy a loaded pstate gives. */
static void
ocsp_report_fill(const struct pstate *s, struct ocsp_report *r)
{
	pref_resolve(s, OCSP_ENABLED, &r->enabled);
	pref_resolve(s, OCSP_REQUIRE, &r->required);
	r->mode = ocsp_mode(&r->enabled);
	r->require = r->required.has_value && r->required.value.type == PREFS_TYPE_BOOL && r->required.value.b;
}

static void
ocsp_report_release(struct ocsp_report *r)
{
	prefsrc_result_release(&r->enabled);
	prefsrc_result_release(&r->required);
}

struct json_object *
ocsp_report_json(const struct ocsp_report *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(r->mode));
	json_object_object_add(o, "require", json_object_new_boolean(r->require));
	json_object_object_add(o, "enabled_pref", pref_result_json(OCSP_ENABLED, &r->enabled));
	json_object_object_add(o, "require_pref", pref_result_json(OCSP_REQUIRE, &r->required));
	return o;
}

static int
ocsp_status_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct ocsp_report r;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	pref_warn_bad_files(ctx, &s, res);
	ocsp_report_fill(&s, &r);
	json_object_object_add(res, "ocsp", ocsp_report_json(&r));
	cmd_out(ctx, "OCSP: %s%s\n", r.mode,
		streq(r.mode, "off") ? "" : r.require ? " (hard-fail: a certificate is rejected when the responder "
							"cannot be reached)"
						      : " (soft-fail)");
	describe(ctx, "enabled", &r.enabled, OCSP_ENABLED);
	describe(ctx, "require", &r.required, OCSP_REQUIRE);
	if (p->app == APP_THUNDERBIRD && r.enabled.has_value && r.enabled.value.type == PREFS_TYPE_INT &&
	    r.enabled.value.i != 1 && r.enabled.value.i != 0)
		cmd_out(ctx, "  note: Thunderbird's settings page shows OCSP unchecked for any value but 1\n");
	ocsp_report_release(&r);
	pref_state_release(&s);
	return 0;
}

const struct cmd_spec cmd_ocsp_status = {
	.name = "status", .prepare = pref_none_prepare, .run = ocsp_status_run, .args = "",
	.summary = "the OCSP policy in force and where it comes from",
};

enum ocsp_op { OCSP_ON, OCSP_OFF, OCSP_REQUIRE_OP };

static int
ocsp_write(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, enum ocsp_op op,
	   struct mc_error *err)
{
	struct pstate s;
	struct change c[2];
	size_t n = 0;
	struct prefs_value v = { 0 };
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	switch (op) {
	case OCSP_OFF:
		v.type = PREFS_TYPE_INT;
		v.i = 0;
		pref_change_set(&c[n++], OCSP_ENABLED, &v);
		break;
	case OCSP_ON:
		/* On, soft-fail: both prefs back to their defaults (the lines go). */
		v.type = PREFS_TYPE_INT;
		v.i = 1;
		pref_change_set(&c[n++], OCSP_ENABLED, &v);
		v.type = PREFS_TYPE_BOOL;
		v.b = false;
		pref_change_set(&c[n++], OCSP_REQUIRE, &v);
		break;
	case OCSP_REQUIRE_OP: {
		struct prefsrc_result en;

		v.type = PREFS_TYPE_BOOL;
		v.b = true;
		pref_change_set(&c[n++], OCSP_REQUIRE, &v);
		pref_resolve(&s, OCSP_ENABLED, &en);
		if (streq(ocsp_mode(&en), "off")) {
			v.type = PREFS_TYPE_INT;
			v.i = 1;
			pref_change_set(&c[n++], OCSP_ENABLED, &v);
		} else if (streq(ocsp_mode(&en), "ev-only")) {
			cmd_warn(ctx, "OCSP stays on for EV certificates only (%s = 2): run 'ocsp on' then 'ocsp require' "
				      "for every certificate", OCSP_ENABLED);
		}
		prefsrc_result_release(&en);
		break;
	}
	}
	ret = pref_apply_changes(ctx, &s, c, n, res, err);
	for (size_t i = 0; i < n; i++)
		pref_change_release(&c[i]);
	pref_state_release(&s);
	return ret;
}

static int
ocsp_on_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return ocsp_write(ctx, p, res, OCSP_ON, err);
}

static int
ocsp_off_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return ocsp_write(ctx, p, res, OCSP_OFF, err);
}

static int
ocsp_require_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return ocsp_write(ctx, p, res, OCSP_REQUIRE_OP, err);
}

const struct cmd_spec cmd_ocsp_on = {
	.name = "on", .prepare = pref_write_none_prepare, .run = ocsp_on_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "fetch OCSP for every certificate, soft-fail (the default: the prefs.js lines go)",
	.options = pref_write_options,
	.help = HELP_WRITE,
};

const struct cmd_spec cmd_ocsp_off = {
	.name = "off", .prepare = pref_write_none_prepare, .run = ocsp_off_run, .flags = CMD_WRITES,
	.args = "", .summary = "do not fetch OCSP (security.OCSP.enabled = 0)",
	.options = pref_write_options,
	.help = HELP_WRITE,
};

const struct cmd_spec cmd_ocsp_require = {
	.name = "require", .prepare = pref_write_none_prepare, .run = ocsp_require_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "OCSP on and hard-fail when the responder cannot be reached (security.OCSP.require)",
	.options = pref_write_options,
	.help = HELP_WRITE,
};

/* ---- md5 ---- */

/*
 * docs/formats.md 3: the default became false in Firefox 16; PSM stopped reading
 * the pref when mozilla::pkix arrived (Firefox 33) and MD5 is disabled
 * unconditionally at the latest from 38 on.
 */
#define MD5_DEFAULT_FALSE_FROM 16
#define MD5_MAYBE_IGNORED_FROM 33
#define MD5_IGNORED_FROM 38

static char *
md5_version_note(const struct profile *p, int major)
{
	if (major < 0)
		return xasprintf("the application version of '%s' is unknown (no compatibility.ini); Firefox and "
				 "Thunderbird %d and later ignore security.enable_md5_signatures", p->path,
				 MD5_IGNORED_FROM);
	if (major >= MD5_IGNORED_FROM)
		return xasprintf("%s %d ignores security.enable_md5_signatures: MD5-signed certificates stay "
				 "rejected (a security exception, 'mozcert override add', still covers a server)",
				 app_name(p->app), major);
	if (major >= MD5_MAYBE_IGNORED_FROM)
		return xasprintf("%s %d probably ignores security.enable_md5_signatures (mozilla::pkix, from 33, "
				 "disables MD5 whatever the pref says)", app_name(p->app), major);
	return NULL;
}

/* Whether MD5 signatures are accepted, with a loaded pstate. */
static void
md5_report_fill(const struct pstate *s, const struct profile *p, struct md5_report *r)
{
	r->major = profile_app_major(p->path);
	r->note = md5_version_note(p, r->major);
	pref_resolve(s, MD5_PREF, &r->pref);
	r->pref_value = r->pref.has_value && r->pref.value.type == PREFS_TYPE_BOOL
				? r->pref.value.b
				: (r->major >= 0 && r->major < MD5_DEFAULT_FALSE_FROM);
	r->honoured = r->major >= 0 && r->major < MD5_MAYBE_IGNORED_FROM;
	r->accepted = r->pref_value && r->honoured;
}

static void
md5_report_release(struct md5_report *r)
{
	prefsrc_result_release(&r->pref);
	free(r->note);
	r->note = NULL;
}

struct json_object *
md5_report_json(const struct md5_report *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "accepted", json_object_new_boolean(r->accepted));
	json_object_object_add(o, "pref_value", json_object_new_boolean(r->pref_value));
	json_object_object_add(o, "honoured", r->major < 0 ? NULL : json_object_new_boolean(r->honoured));
	json_object_object_add(o, "app_major", r->major < 0 ? NULL : json_object_new_int(r->major));
	json_object_object_add(o, "pref", pref_result_json(MD5_PREF, &r->pref));
	if (r->note)
		json_object_object_add(o, "note", json_object_new_string(r->note));
	return o;
}

static int
md5_status_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct md5_report r;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	pref_warn_bad_files(ctx, &s, res);
	md5_report_fill(&s, p, &r);
	json_object_object_add(res, "md5", md5_report_json(&r));
	cmd_out(ctx, "MD5 signatures: %s\n", r.accepted ? "accepted" : "rejected");
	describe(ctx, "pref", &r.pref, MD5_PREF);
	if (r.note)
		cmd_out(ctx, "  note: %s\n", r.note);
	md5_report_release(&r);
	pref_state_release(&s);
	return 0;
}

const struct cmd_spec cmd_md5_status = {
	.name = "status", .prepare = pref_none_prepare, .run = md5_status_run, .args = "",
	.summary = "whether MD5-signed certificates are accepted, and where that comes from",
};

static int
md5_write(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, bool on, struct mc_error *err)
{
	struct pstate s;
	struct change c;
	struct prefs_value v = { .type = PREFS_TYPE_BOOL, .b = on };
	int major = profile_app_major(p->path);
	_autofree_ char *note = md5_version_note(p, major);
	const struct prefs_entry *e = NULL;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	if (on || (major >= 0 && major < MD5_DEFAULT_FALSE_FROM) ||
	    ((e = prefs_get(&s.prefs_js.prefs, MD5_PREF)) && prefs_value_equal(&e->value, &v))) {
		/* On; or off where false is not the default; or a line that already says false (kept). */
		pref_change_set(&c, MD5_PREF, &v);
	} else {
		/* Off is the default since Firefox 16: the line goes, as for any default. */
		pref_change_unset(&c, MD5_PREF);
		c.want_any = false;
		c.want_none_ok = true;
		c.want = v;
	}
	ret = pref_apply_changes(ctx, &s, &c, 1, res, err);
	if (on && note) {
		cmd_warn(ctx, "%s", note);
		json_object_object_add(res, "warning", json_object_new_string(note));
	}
	pref_change_release(&c);
	pref_state_release(&s);
	return ret;
}

static int
md5_on_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return md5_write(ctx, p, res, true, err);
}

static int
md5_off_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	return md5_write(ctx, p, res, false, err);
}

const struct cmd_spec cmd_md5_on = {
	.name = "on", .prepare = pref_write_none_prepare, .run = md5_on_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "accept MD5 signatures (security.enable_md5_signatures; ignored by versions 38 and later)",
	.options = pref_write_options,
	.help = HELP_WRITE,
};

const struct cmd_spec cmd_md5_off = {
	.name = "off", .prepare = pref_write_none_prepare, .run = md5_off_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "reject MD5 signatures (the default: the prefs.js line goes)",
	.options = pref_write_options,
	.help = HELP_WRITE,
};

/* ---- what doctor reads ---- */

int
pref_checks_load(const struct cmd_ctx *ctx, const struct profile *p, struct pref_checks *r, struct mc_error *err)
{
	struct pstate *s = xzalloc(sizeof(*s));
	const struct pfile *files[2] = {&s->prefs_js, &s->user_js};
	int ret;

	memset(r, 0, sizeof(*r));
	r->state = s;
	if ((ret = pref_state_load(ctx, p, s, NULL, err)) < 0)
		return ret;
	for (size_t i = 0; i < 2; i++)
		if (files[i]->bad)
			r->file_errors[r->nfile_errors++] = xstrdup(files[i]->err.msg);
	ocsp_report_fill(s, &r->ocsp);
	md5_report_fill(s, p, &r->md5);
	return 0;
}

void
pref_checks_release(struct pref_checks *r)
{
	ocsp_report_release(&r->ocsp);
	md5_report_release(&r->md5);
	for (size_t i = 0; i < r->nfile_errors; i++)
		free(r->file_errors[i]);
	if (r->state) {
		pref_state_release(r->state);
		free(r->state);
	}
	memset(r, 0, sizeof(*r));
}
