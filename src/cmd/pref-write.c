/* SPDX-License-Identifier: MPL-2.0 */
/* pref-write.c: the write path of the pref commands; pref set, pref unset. */
#include <errno.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "fileio.h"
#include "pref.h"
#include "strbuf.h"
#include "banned.h"

/* ---- the write path shared by set, unset, ocsp and md5 ---- */

void
pref_change_release(struct change *c)
{
	prefs_value_release(&c->v);
	prefs_value_release(&c->want);
	prefsrc_result_release(&c->before);
	prefsrc_result_release(&c->after);
}

void
pref_change_set(struct change *c, const char *name, const struct prefs_value *v)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->v = *v;
	if (v->type == PREFS_TYPE_STRING)
		c->v.s = xstrdup(v->s);
	c->want = c->v;
	if (v->type == PREFS_TYPE_STRING)
		c->want.s = xstrdup(v->s);
	c->before.from = c->after.from = -1;
}

void
pref_change_unset(struct change *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->unset = true;
	c->want_any = true;
	c->before.from = c->after.from = -1;
}

/* The user value name has in a parsed file (the last user_pref), or NULL. */
static bool
user_value_same(const struct prefs *a, const struct prefs *b, const char *name)
{
	const struct prefs_entry *x = prefs_get(a, name), *y = prefs_get(b, name);

	if (!x || !y)
		return !x && !y;
	return prefs_value_equal(&x->value, &y->value);
}

/* Whether the application, after the change, ends up where the change wants. */
static bool
change_ok(const struct change *c)
{
	const struct prefsrc_result *r = &c->after;

	if (c->want_any) {
		/* unset: no user value may come from elsewhere (user.js, a policy, autoconfig). */
		return r->locked || !r->has_user;
	}
	if (!r->has_value)
		return c->want_none_ok;
	return prefs_value_equal(&r->value, &c->want);
}

/* Why it does not: one sentence naming the file that wins. Caller frees. */
static char *
conflict_text(const struct change *c, bool *user_js_helps)
{
	const struct prefsrc_result *r = &c->after;
	const struct prefsrc_setting *st = r->from >= 0 ? &r->steps[r->from] : NULL;
	_autofree_ char *where = NULL, *val = NULL;

	*user_js_helps = false;
	if (!c->want_any && r->from >= 0 && !r->locked && r->has_user && r->user_from >= 0)
		st = &r->steps[r->user_from];
	if (c->want_any && r->user_from >= 0)
		st = &r->steps[r->user_from];
	if (!st) {
		/* The value was rejected: a type the default does not have. */
		for (size_t i = 0; i < r->nsteps; i++)
			if (r->steps[i].ignored && r->steps[i].note)
				return xasprintf("%s: the application would ignore the new value: %s", c->name,
						 r->steps[i].note);
		return xasprintf("%s: the application would not take the new value", c->name);
	}
	where = pref_where_text(st);
	val = st->has_value ? pref_value_text(&st->value) : xstrdup("a value the script computes");
	if (r->locked) {
		const struct prefsrc_setting *l = &r->steps[r->lock_from];
		_autofree_ char *lw = pref_where_text(l);

		return xasprintf("%s is locked to %s by %s %s: neither prefs.js nor user.js can change it", c->name,
				 val, prefsrc_kind_name(l->kind) , lw);
	}
	switch (st->kind) {
	case PREFSRC_USER_JS:
		*user_js_helps = true;
		return xasprintf("%s: %s sets %s, and user.js wins over prefs.js at every start: "
				 "rerun with --user-js to change user.js too", c->name, where, val);
	case PREFSRC_POLICY:
		return xasprintf("%s: the enterprise policy %s sets %s at every start", c->name, where, val);
	case PREFSRC_AUTOCONFIG:
		return xasprintf("%s: the autoconfig file %s sets %s", c->name, where, val);
	default:
		return xasprintf("%s: %s sets %s, which wins", c->name, where, val);
	}
}

/* Lines of a parsed file that set name, as text, for the diff. */
static void
diff_old_lines(const struct pfile *f, const char *name, struct strbuf *out)
{
	for (size_t i = 0; i < f->prefs.n; i++) {
		const struct prefs_entry *e = &f->prefs.entries[i];

		if (e->kind != PREFS_KIND_USER || strcmp(e->name, name) != 0 || e->start == PREFS_NO_SPAN)
			continue;
		strbuf_addch(out, '-');
		for (size_t k = e->start; k < e->end && k < f->len; k++)
			strbuf_addch(out, f->buf[k] == '\n' ? ' ' : f->buf[k]);
		strbuf_addch(out, '\n');
	}
}

static void
diff_new_line(const struct prefs *np, const char *name, struct strbuf *out)
{
	const struct prefs_entry *e = prefs_get(np, name);

	if (!e)
		return;
	strbuf_addstr(out, "+user_pref(");
	prefs_escape(name, out);
	strbuf_addstr(out, ", ");
	prefs_value_format(&e->value, out);
	strbuf_addstr(out, ");\n");
}

static int
check_writable(const struct pfile *f, struct mc_error *err)
{
	if (f->symlink)
		return mc_error_set(err, MC_EFAIL, "refusing to write '%s': it is a symbolic link (nothing written)",
				    f->path);
	return 0;
}

/* What the changes make of the two files: the new prefs.js and user.js (parsed; user.js also as text), the diff. */
struct plan {
	struct prefs np, nu;
	struct strbuf ubuf;      /* the new user.js */
	struct strbuf diff;
	struct strbuf conflicts; /* "; "-separated sentences */
	struct json_object *carr;
	bool prefs_changed, user_changed, user_js_helps;
};

static void
plan_init(struct plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	prefs_init(&pl->np);
	prefs_init(&pl->nu);
	strbuf_init(&pl->ubuf);
	strbuf_init(&pl->diff);
	strbuf_init(&pl->conflicts);
}

static void
plan_release(struct plan *pl)
{
	prefs_release(&pl->np);
	prefs_release(&pl->nu);
	strbuf_release(&pl->ubuf);
	strbuf_release(&pl->diff);
	strbuf_release(&pl->conflicts);
	json_object_put(pl->carr);
}

/* A damaged prefs.js is rewritten only with --discard-invalid; a damaged user.js never. */
static int
refuse_bad_files(const struct pstate *s, struct mc_error *err)
{
	if (s->prefs_js.bad && !pref_opts.discard_invalid)
		return mc_error_set(err, MC_EINPUT,
				    "%s; the application drops the bad statements when it next saves prefs.js: "
				    "rerun with --discard-invalid to write it without them (nothing written)",
				    s->prefs_js.err.msg);
	if (pref_opts.user_js && s->user_js.bad)
		return mc_error_set(err, MC_EINPUT, "%s: fix user.js by hand (nothing written)", s->user_js.err.msg);
	return 0;
}

/* --user-js: edit c's line of user.js in place (in pl->ubuf), as little of the file as possible. */
static void
edit_user_js(const struct pstate *s, struct change *c, bool to_default, struct plan *pl)
{
	struct strbuf edited;
	struct prefs reparsed;
	int changed;

	strbuf_init(&edited);
	if (to_default && !prefs_get(&pl->nu, c->name))
		changed = 0;
	else
		changed = prefs_edit_in_place(pl->ubuf.buf, pl->ubuf.len, &pl->nu, c->name, to_default ? NULL : &c->v,
					      &edited);
	if (changed > 0) {
		strbuf_reset(&pl->ubuf);
		strbuf_add(&pl->ubuf, edited.buf, edited.len);
		prefs_release(&pl->nu);
		prefs_parse(pl->ubuf.buf, pl->ubuf.len, s->user_js.path, &reparsed, NULL);
		pl->nu = reparsed;
	}
	strbuf_release(&edited);
	c->user_changed = !user_value_same(&s->user_js.prefs, &pl->nu, c->name) || (changed > 0 && !s->user_js.exists);
}

/* Step 1, build: the new prefs.js and user.js, as parsed structures (re-parsed from their text). */
static void
plan_build(const struct pstate *s, struct change *ch, size_t nch, struct plan *pl)
{
	if (s->prefs_js.exists)
		prefs_parse(s->prefs_js.buf, s->prefs_js.len, s->prefs_js.path, &pl->np, NULL);
	if (s->user_js.exists) {
		prefs_parse(s->user_js.buf, s->user_js.len, s->user_js.path, &pl->nu, NULL);
		strbuf_add(&pl->ubuf, s->user_js.buf, s->user_js.len);
	}
	for (size_t i = 0; i < nch; i++) {
		struct change *c = &ch[i];
		bool to_default;

		pref_resolve(s, c->name, &c->before);
		to_default = c->unset || (c->before.has_default && prefs_value_equal(&c->before.def, &c->v) &&
					  !(c->before.default_from >= 0 && c->before.steps[c->before.default_from].sticky));
		/* As the config editor: a value equal to the default clears the user value. */
		if (to_default)
			prefs_unset(&pl->np, c->name);
		else
			prefs_set_value(&pl->np, c->name, &c->v);
		c->prefs_changed = !user_value_same(&s->prefs_js.prefs, &pl->np, c->name);
		if (pref_opts.user_js)
			edit_user_js(s, c, to_default, pl);
	}
}

/* Step 2, conflicts and diff: what the application would end up with, and what changes in each file. */
static void
plan_check(const struct pstate *s, struct change *ch, size_t nch, struct plan *pl)
{
	for (size_t i = 0; i < nch; i++) {
		struct change *c = &ch[i];

		prefsrc_resolve(&s->sys, &pl->np, s->prefs_js.path,
				(s->user_js.exists || pref_opts.user_js) ? &pl->nu : NULL, s->user_js.path, c->name,
				&c->after);
		if (!change_ok(c)) {
			bool helps;
			_autofree_ char *t = conflict_text(c, &helps);

			pl->user_js_helps |= helps;
			strbuf_addf(&pl->conflicts, "%s%s", pl->conflicts.len ? "; " : "", t);
			if (!pl->carr)
				pl->carr = json_object_new_array();
			json_object_array_add(pl->carr, json_object_new_string(t));
		}
		pl->prefs_changed |= c->prefs_changed;
		pl->user_changed |= c->user_changed;
		if (c->prefs_changed) {
			strbuf_addf(&pl->diff, "--- %s\n+++ %s\n", s->prefs_js.path, s->prefs_js.path);
			diff_old_lines(&s->prefs_js, c->name, &pl->diff);
			diff_new_line(&pl->np, c->name, &pl->diff);
		}
		if (c->user_changed) {
			strbuf_addf(&pl->diff, "--- %s\n+++ %s\n", s->user_js.path, s->user_js.path);
			diff_old_lines(&s->user_js, c->name, &pl->diff);
			diff_new_line(&pl->nu, c->name, &pl->diff);
		}
	}
}

/* Step 3, render: each change before and after, and the conflicts. */
static void
plan_json(const struct change *ch, size_t nch, struct plan *pl, struct json_object *res)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < nch; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(ch[i].name));
		json_object_object_add(o, "before", pref_result_json(ch[i].name, &ch[i].before));
		json_object_object_add(o, "after", pref_result_json(ch[i].name, &ch[i].after));
		json_object_object_add(o, "prefs_js_changed", json_object_new_boolean(ch[i].prefs_changed));
		json_object_object_add(o, "user_js_changed", json_object_new_boolean(ch[i].user_changed));
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "prefs", arr);
	if (pl->carr) {
		json_object_object_add(res, "conflicts", pl->carr);
		pl->carr = NULL;
		json_object_object_add(res, "user_js_would_resolve", json_object_new_boolean(pl->user_js_helps));
	}
}

/* Step 4, write: user.js first (should the second write fail, user.js wins at the next start anyway). */
static int
plan_write(struct cmd_ctx *ctx, const struct pstate *s, const struct change *ch, size_t nch, struct plan *pl,
	   struct json_object *res, struct mc_error *err)
{
	struct strbuf pbuf;
	struct backup backup;
	int ret = 0;

	strbuf_init(&pbuf);
	backup_init(&backup, s->p->path, ctx->cmd_name);
	if (pl->user_changed)
		ret = atomic_replace(s->p->path, "user.js", pl->ubuf.buf, pl->ubuf.len, ATOMIC_BACKUP, &backup, err);
	if (ret >= 0 && pl->prefs_changed) {
		prefs_write_flags(&pl->np, s->prefs_js.prefs.crlf ? PREFS_WRITE_CRLF : 0, &pbuf);
		ret = atomic_replace(s->p->path, "prefs.js", pbuf.buf, pbuf.len, ATOMIC_BACKUP, &backup, err);
		if (ret >= 0 && s->prefs_js.bad)
			cmd_warn(ctx, "%s: the statements with errors were dropped (the old file is in the backup)",
				 s->prefs_js.path);
	}
	if (ret >= 0) {
		ret = 0;
		if (backup.id)
			json_object_object_add(res, "backup", json_object_new_string(backup.id));
		cmd_set_changed(res, pl->prefs_changed || pl->user_changed);
		for (size_t i = 0; i < nch; i++) {
			_autofree_ char *v = ch[i].after.has_value ? pref_value_text(&ch[i].after.value)
								   : xstrdup("(not set)");

			cmd_out(ctx, "%s %s = %s\n", ch[i].prefs_changed || ch[i].user_changed ? "changed  " : "unchanged",
				ch[i].name, v);
		}
	}
	backup_release(&backup);
	strbuf_release(&pbuf);
	return ret;
}

/*
 * Apply the changes to copies of prefs.js (and user.js with --user-js), check
 * that the application would end up with what was asked, then write.
 */
int
pref_apply_changes(struct cmd_ctx *ctx, struct pstate *s, struct change *ch, size_t nch, struct json_object *res,
		   struct mc_error *err)
{
	struct plan pl;
	int ret;

	if ((ret = refuse_bad_files(s, err)) < 0)
		return ret;
	plan_init(&pl);
	plan_build(s, ch, nch, &pl);
	plan_check(s, ch, nch, &pl);
	plan_json(ch, nch, &pl, res);
	if (pl.conflicts.len) {
		ret = mc_error_set(err, MC_EFAIL, "%s (nothing written)", pl.conflicts.buf);
	} else if ((pl.prefs_changed && (ret = check_writable(&s->prefs_js, err)) < 0) ||
		   (pl.user_changed && (ret = check_writable(&s->user_js, err)) < 0)) {
		/* ret set */
	} else if (ctx->dry_run) {
		json_object_object_add(res, "diff", json_object_new_string(pl.diff.buf));
		cmd_out_bytes(ctx, pl.diff.buf, pl.diff.len);
		cmd_out(ctx, "%s (dry run: nothing written)\n",
			pl.prefs_changed || pl.user_changed ? "would change" : "nothing to change");
		cmd_set_changed(res, false);
	} else {
		if (ctx->verbosity > 0)
			cmd_out_bytes(ctx, pl.diff.buf, pl.diff.len);
		ret = plan_write(ctx, s, ch, nch, &pl, res, err);
	}
	plan_release(&pl);
	return ret;
}

/* ---- pref set / unset ---- */

static int
set_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int ret = pref_prepare_n(ctx, argc, argv, 2, true, true, "NAME VALUE", err);
	struct prefs_value v;

	if (ret < 0)
		return ret;
	/* Check the value now, before any profile is touched (the type may still follow the default). */
	if ((ret = prefs_value_from_text(pref_opts.value, pref_opts.type_forced ? pref_opts.type : PREFS_SET_AUTO, &v,
					 err)) < 0)
		return ret;
	prefs_value_release(&v);
	return 0;
}

static enum prefs_set_type
set_type_of(enum prefs_type t)
{
	return t == PREFS_TYPE_BOOL ? PREFS_SET_BOOL : t == PREFS_TYPE_INT ? PREFS_SET_INT : PREFS_SET_STRING;
}

static int
set_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct prefsrc_result r;
	struct prefs_value v = { 0 };
	struct change c;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	pref_resolve(&s, pref_opts.name, &r);
	if (pref_opts.type_forced) {
		ret = prefs_value_from_text(pref_opts.value, pref_opts.type, &v, err);
	} else if (r.has_default) {
		/* The type follows the default: the application rejects a user value of another type. */
		ret = prefs_value_from_text(pref_opts.value, set_type_of(r.def.type), &v, err);
		if (ret < 0) {
			mc_error_clear(err);
			ret = mc_error_set(err, MC_EUSAGE, "%s is a %s pref: '%s' is not a %s (the application would "
					   "ignore it)", pref_opts.name, prefsrc_type_name(r.def.type), pref_opts.value,
					   prefsrc_type_name(r.def.type));
		}
	} else {
		ret = prefs_value_from_text(pref_opts.value, PREFS_SET_AUTO, &v, err);
	}
	if (ret == 0 && r.has_default && v.type != r.def.type)
		ret = mc_error_set(err, MC_EUSAGE, "%s is a %s pref: the application ignores a %s value for it",
				   pref_opts.name, prefsrc_type_name(r.def.type), prefsrc_type_name(v.type));
	prefsrc_result_release(&r);
	if (ret == 0) {
		pref_change_set(&c, pref_opts.name, &v);
		ret = pref_apply_changes(ctx, &s, &c, 1, res, err);
		pref_change_release(&c);
	}
	prefs_value_release(&v);
	pref_state_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_set = {
	.name = "set", .prepare = set_prepare, .run = set_run, .flags = CMD_WRITES,
	.args = "NAME VALUE",
	.summary = "set a pref in prefs.js as the application writes it (--type bool|int|string, --user-js)",
	.options = pref_write_options,
	.help = HELP_TYPE HELP_WRITE,
};

static int
unset_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return pref_prepare_n(ctx, argc, argv, 1, true, false, "NAME", err);
}

static int
unset_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct change c;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) == 0) {
		pref_change_unset(&c, pref_opts.name);
		ret = pref_apply_changes(ctx, &s, &c, 1, res, err);
		pref_change_release(&c);
	}
	pref_state_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_unset = {
	.name = "unset", .prepare = unset_prepare, .run = unset_run, .flags = CMD_WRITES,
	.args = "NAME",
	.summary = "reset a pref to its default: remove it from prefs.js (--user-js: from user.js too)",
	.options = pref_write_options,
	.help = HELP_WRITE,
};
