/* SPDX-License-Identifier: MPL-2.0 */
/* pref-switches.c: ocsp on/off/require/status, md5 on/off/status. */
#include <errno.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "fileio.h"
#include "pref.h"
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

static int
ocsp_status_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct prefsrc_result en, rq;
	struct json_object *o;
	const char *mode;
	bool req;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	pref_warn_bad_files(ctx, &s, res);
	pref_resolve(&s, OCSP_ENABLED, &en);
	pref_resolve(&s, OCSP_REQUIRE, &rq);
	mode = ocsp_mode(&en);
	req = rq.has_value && rq.value.type == PREFS_TYPE_BOOL && rq.value.b;
	o = json_object_new_object();
	json_object_object_add(o, "mode", json_object_new_string(mode));
	json_object_object_add(o, "require", json_object_new_boolean(req));
	json_object_object_add(o, "enabled_pref", pref_result_json(OCSP_ENABLED, &en));
	json_object_object_add(o, "require_pref", pref_result_json(OCSP_REQUIRE, &rq));
	json_object_object_add(res, "ocsp", o);
	cmd_out(ctx, "OCSP: %s%s\n", mode,
		streq(mode, "off") ? "" : req ? " (hard-fail: a certificate is rejected when the responder cannot "
						"be reached)"
					      : " (soft-fail)");
	describe(ctx, "enabled", &en, OCSP_ENABLED);
	describe(ctx, "require", &rq, OCSP_REQUIRE);
	if (p->app == APP_THUNDERBIRD && en.has_value && en.value.type == PREFS_TYPE_INT && en.value.i != 1 &&
	    en.value.i != 0)
		cmd_out(ctx, "  note: Thunderbird's settings page shows OCSP unchecked for any value but 1\n");
	prefsrc_result_release(&en);
	prefsrc_result_release(&rq);
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

static int
md5_status_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct prefsrc_result r;
	int major = profile_app_major(p->path);
	_autofree_ char *note = md5_version_note(p, major);
	bool on, honoured;
	struct json_object *o;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	pref_warn_bad_files(ctx, &s, res);
	pref_resolve(&s, MD5_PREF, &r);
	on = r.has_value && r.value.type == PREFS_TYPE_BOOL ? r.value.b
							    : (major >= 0 && major < MD5_DEFAULT_FALSE_FROM);
	honoured = major >= 0 && major < MD5_MAYBE_IGNORED_FROM;
	o = json_object_new_object();
	json_object_object_add(o, "accepted", json_object_new_boolean(on && honoured));
	json_object_object_add(o, "pref_value", json_object_new_boolean(on));
	json_object_object_add(o, "honoured", major < 0 ? NULL : json_object_new_boolean(honoured));
	json_object_object_add(o, "app_major", major < 0 ? NULL : json_object_new_int(major));
	json_object_object_add(o, "pref", pref_result_json(MD5_PREF, &r));
	if (note)
		json_object_object_add(o, "note", json_object_new_string(note));
	json_object_object_add(res, "md5", o);
	cmd_out(ctx, "MD5 signatures: %s\n", on && honoured ? "accepted" : "rejected");
	describe(ctx, "pref", &r, MD5_PREF);
	if (note)
		cmd_out(ctx, "  note: %s\n", note);
	prefsrc_result_release(&r);
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
