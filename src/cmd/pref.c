/* SPDX-License-Identifier: MPL-2.0 */
/* pref.c: pref list/get/set/unset, ocsp on/off/require/status, md5 on/off/status. */
#include <errno.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "cmd.h"
#include "fileio.h"
#include "prefs-file.h"
#include "pref-source.h"
#include "strbuf.h"
#include "banned.h"

/* prefs.js and user.js are read up to this size: a real one is well under 1 MiB. */
#define PREF_FILE_MAX (16u * 1024u * 1024u)

struct pref_opts {
	const char *name;
	const char *value;
	enum prefs_set_type type;
	bool type_forced;
	bool user_js;
	bool discard_invalid;
};

static struct pref_opts opts;

/* ---- the profile's two files, and everything outside the profile ---- */

struct pfile {
	const char *name;      /* "prefs.js" or "user.js" */
	char *path;
	bool exists;
	bool symlink;
	char *buf;
	size_t len;
	struct prefs prefs;    /* what the application loads (also when there were errors) */
	bool bad;              /* parse errors, or a NUL byte that ends the file early */
	struct mc_error err;   /* the first problem, "FILE:LINE:COL: MSG" */
};

struct pstate {
	const struct profile *p;
	struct pfile prefs_js, user_js;
	struct prefsrc sys;
};

static void
pfile_release(struct pfile *f)
{
	free(f->path);
	free(f->buf);
	prefs_release(&f->prefs);
}

static int
pfile_load(struct pfile *f, const char *dir, const char *name, struct mc_error *err)
{
	struct stat st;
	int ret;

	f->name = name;
	f->path = path_join(dir, name);
	prefs_init(&f->prefs);
	if (lstat(f->path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return mc_error_sys(err, "cannot read '%s'", f->path);
	}
	f->exists = true;
	f->symlink = S_ISLNK(st.st_mode);
	if ((ret = fileio_read(f->path, PREF_FILE_MAX, &f->buf, &f->len, err)) < 0)
		return ret;
	if (prefs_parse(f->buf, f->len, f->path, &f->prefs, &f->err) < 0) {
		f->bad = true;
	} else if (f->prefs.end_offset < f->len) {
		/* The application takes a NUL byte for the end of the file. */
		unsigned line = 1;
		size_t col = 1;

		for (size_t i = 0; i < f->prefs.end_offset; i++) {
			if (f->buf[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		f->bad = true;
		mc_error_set(&f->err, MC_EINPUT, "%s:%u:%zu: NUL byte: the application stops reading the file here",
			     f->path, line, col);
	}
	return 0;
}

static void
pstate_release(struct pstate *s)
{
	pfile_release(&s->prefs_js);
	pfile_release(&s->user_js);
	prefsrc_release(&s->sys);
}

static int
pstate_load(const struct cmd_ctx *ctx, const struct profile *p, struct pstate *s, struct json_object *res,
	    struct mc_error *err)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->p = p;
	prefsrc_init(&s->sys, p->app);
	prefs_init(&s->prefs_js.prefs);
	prefs_init(&s->user_js.prefs);
	if ((ret = pfile_load(&s->prefs_js, p->path, "prefs.js", err)) < 0)
		return ret;
	if ((ret = pfile_load(&s->user_js, p->path, "user.js", err)) < 0)
		return ret;
	prefsrc_load_system(&s->sys, p->path);
	if (ctx->verbosity > 0)
		for (size_t i = 0; i < s->sys.nwarnings; i++)
			cmd_warn(ctx, "%s", s->sys.warnings[i]);
	if (res && (s->sys.policy_file || s->sys.autoconfig_file)) {
		json_object_object_add(res, "policy_file",
				       s->sys.policy_file ? json_object_new_string(s->sys.policy_file) : NULL);
		json_object_object_add(res, "autoconfig_file",
				       s->sys.autoconfig_file ? json_object_new_string(s->sys.autoconfig_file) : NULL);
	}
	return 0;
}

static void
resolve(const struct pstate *s, const char *name, struct prefsrc_result *r)
{
	prefsrc_resolve(&s->sys, s->prefs_js.exists ? &s->prefs_js.prefs : NULL, s->prefs_js.path,
			s->user_js.exists ? &s->user_js.prefs : NULL, s->user_js.path, name, r);
}

/* For reading commands: a damaged file is reported, and read as the application reads it. */
static void
warn_bad_files(const struct cmd_ctx *ctx, const struct pstate *s, struct json_object *res)
{
	const struct pfile *f[] = { &s->prefs_js, &s->user_js };
	struct json_object *arr = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		if (!f[i]->bad)
			continue;
		cmd_warn(ctx, "%s (read as the application reads it: the bad statements are skipped)", f[i]->err.msg);
		if (!arr)
			arr = json_object_new_array();
		json_object_array_add(arr, json_object_new_string(f[i]->err.msg));
	}
	if (arr)
		json_object_object_add(res, "file_errors", arr);
}

/* ---- presenting values ---- */

static struct json_object *
value_json(const struct prefs_value *v)
{
	switch (v->type) {
	case PREFS_TYPE_BOOL:
		return json_object_new_boolean(v->b);
	case PREFS_TYPE_INT:
		return json_object_new_int(v->i);
	case PREFS_TYPE_STRING:
		return json_object_new_string(v->s ? v->s : "");
	}
	return NULL;
}

static char *
value_text(const struct prefs_value *v)
{
	struct strbuf sb;
	char *r;

	strbuf_init(&sb);
	prefs_value_format(v, &sb);
	r = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return r;
}

/* "prefs.js:12", "policy /etc/firefox/policies/policies.json", "default". Caller frees. */
static char *
where_text(const struct prefsrc_setting *st)
{
	if (!st->file)
		return xstrdup("built-in default");
	if (st->line)
		return xasprintf("%s:%u", st->file, st->line);
	return xstrdup(st->file);
}

static const char *
source_name(const struct prefsrc_result *r)
{
	const struct prefsrc_setting *st;

	if (r->from < 0)
		return NULL;
	st = &r->steps[r->from];
	if (r->locked)
		return "locked";
	return prefsrc_kind_name(st->kind);
}

static struct json_object *
setting_json(const struct prefsrc_setting *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "source", json_object_new_string(prefsrc_kind_name(st->kind)));
	json_object_object_add(o, "file", st->file ? json_object_new_string(st->file) : NULL);
	json_object_object_add(o, "line", st->line ? json_object_new_int((int)st->line) : NULL);
	json_object_object_add(o, "action", json_object_new_string(prefsrc_op_name(st->op)));
	json_object_object_add(o, "value", st->has_value ? value_json(&st->value) : NULL);
	json_object_object_add(o, "ignored", json_object_new_boolean(st->ignored));
	if (st->note)
		json_object_object_add(o, "note", json_object_new_string(st->note));
	return o;
}

/* {name, value, type, source, file, line, locked, default, settings[]} */
static struct json_object *
result_json(const char *name, const struct prefsrc_result *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	const struct prefsrc_setting *st = r->from >= 0 ? &r->steps[r->from] : NULL;

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", r->has_value ? value_json(&r->value) : NULL);
	json_object_object_add(o, "type", r->has_value ? json_object_new_string(prefsrc_type_name(r->value.type)) : NULL);
	json_object_object_add(o, "source", source_name(r) ? json_object_new_string(source_name(r)) : NULL);
	json_object_object_add(o, "file", st && st->file ? json_object_new_string(st->file) : NULL);
	json_object_object_add(o, "line", st && st->line ? json_object_new_int((int)st->line) : NULL);
	json_object_object_add(o, "locked", json_object_new_boolean(r->locked));
	json_object_object_add(o, "default", r->has_default ? value_json(&r->def) : NULL);
	for (size_t i = 0; i < r->nsteps; i++)
		json_object_array_add(arr, setting_json(&r->steps[i]));
	json_object_object_add(o, "settings", arr);
	return o;
}

/* One line: "NAME = VALUE (TYPE) [SOURCE FILE:LINE]". */
static void
print_result(const struct cmd_ctx *ctx, const char *name, const struct prefsrc_result *r)
{
	_autofree_ char *val = r->has_value ? value_text(&r->value) : xstrdup("(not set)");
	_autofree_ char *where = r->from >= 0 ? where_text(&r->steps[r->from]) : NULL;

	if (r->from < 0)
		cmd_out(ctx, "%s = %s\n", name, val);
	else
		cmd_out(ctx, "%s = %s (%s) [%s%s%s]\n", name, val, prefsrc_type_name(r->value.type), source_name(r),
			r->steps[r->from].kind == PREFSRC_BUILTIN ? "" : " ",
			r->steps[r->from].kind == PREFSRC_BUILTIN ? "" : where);
}

static void
print_steps(const struct cmd_ctx *ctx, const struct prefsrc_result *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct prefsrc_setting *st = &r->steps[i];
		_autofree_ char *where = where_text(st);
		_autofree_ char *val = st->has_value ? value_text(&st->value) : xstrdup("-");

		cmd_out(ctx, "  %s %-10s %-7s %s  %s%s%s%s\n", (int)i == r->from ? "*" : " ",
			prefsrc_kind_name(st->kind), prefsrc_op_name(st->op), val, where, st->ignored ? "  (ignored)" : "",
			st->note ? ": " : "", st->note ? st->note : "");
	}
}

/* ---- option parsing ---- */

static int
pref_opt(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	switch (opt) {
	case 'u':
		opts.user_js = true;
		return 0;
	case 'D':
		opts.discard_invalid = true;
		return 0;
	case 't':
		opts.type_forced = true;
		if (streq(arg, "bool"))
			opts.type = PREFS_SET_BOOL;
		else if (streq(arg, "int"))
			opts.type = PREFS_SET_INT;
		else if (streq(arg, "string"))
			opts.type = PREFS_SET_STRING;
		else
			return mc_error_set(err, MC_EUSAGE, "%s: --type must be bool, int or string", ctx->cmd_name);
		return 0;
	}
	return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
}

static const struct option write_options[] = {
	{ "user-js", no_argument, NULL, 'u' },
	{ "discard-invalid", no_argument, NULL, 'D' },
	{ "type", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* --help of the commands that write prefs (--type: pref set only) */
#define HELP_TYPE "  --type bool|int|string   the value's type (default: the default's type, else as it reads)\n"
#define HELP_WRITE \
	"  --user-js                change user.js too, where it sets the pref (else a user.js\n" \
	"                           value that overrides the change is a conflict)\n" \
	"  --discard-invalid        rewrite a prefs.js with syntax errors without the bad\n" \
	"                           statements, as the application does when it saves it\n"

static int
prepare_n(struct cmd_ctx *ctx, int argc, char **argv, int want, bool writes, bool typed, const char *what,
	  struct mc_error *err)
{
	int first, ret;

	if ((ret = cmd_getopt(ctx, argc, argv, writes ? write_options : NULL, pref_opt, &first, err)) < 0)
		return ret;
	if (opts.type_forced && !typed)
		return mc_error_set(err, MC_EUSAGE, "%s: --type applies to 'pref set' only", ctx->cmd_name);
	if (argc - first > want)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first + want]);
	if (argc - first != want)
		return mc_error_set(err, MC_EUSAGE, "%s: expected %s", ctx->cmd_name, what);
	if (want >= 1) {
		opts.name = argv[first];
		if (!opts.name[0])
			return mc_error_set(err, MC_EUSAGE, "%s: empty pref name", ctx->cmd_name);
	}
	if (want >= 2)
		opts.value = argv[first + 1];
	return 0;
}

static int
none_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return prepare_n(ctx, argc, argv, 0, false, false, "no argument", err);
}

static int
write_none_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return prepare_n(ctx, argc, argv, 0, true, false, "no argument", err);
}

/* ---- pref list ---- */

/* One setting of a pref list: where it is (0 prefs.js, 1 user.js, 2 the system's sources) and its index. */
struct named {
	const char *name;
	unsigned src;
	size_t idx;
};

static int
cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * pref list resolves every name the profile's files set. Resolving each name
 * against whole files made the list quadratic (40,000 prefs took 7.7 s): the
 * settings are sorted by name once, and each name is resolved against views
 * holding only its own settings, in their original order. The views are
 * shallow copies: nothing in them is owned.
 */
static int
list_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct named *v = NULL;
	struct prefs_entry *pj = NULL, *uj = NULL;
	struct prefsrc_setting *sv = NULL;
	size_t n = 0, k = 0;
	struct json_object *arr;
	int ret;

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0)
		goto out;
	warn_bad_files(ctx, &s, res);
	n = s.prefs_js.prefs.n + s.user_js.prefs.n + s.sys.n;
	v = xreallocarray(NULL, n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < s.prefs_js.prefs.n; i++)
		v[k++] = (struct named){s.prefs_js.prefs.entries[i].name, 0, i};
	for (size_t i = 0; i < s.user_js.prefs.n; i++)
		v[k++] = (struct named){s.user_js.prefs.entries[i].name, 1, i};
	for (size_t i = 0; i < s.sys.n; i++)
		v[k++] = (struct named){s.sys.v[i].name, 2, i};
	if (k)
		qsort(v, k, sizeof(*v), cmp_named);
	pj = xreallocarray(NULL, k ? k : 1, sizeof(*pj));
	uj = xreallocarray(NULL, k ? k : 1, sizeof(*uj));
	sv = xreallocarray(NULL, k ? k : 1, sizeof(*sv));
	arr = json_object_new_array();
	for (size_t i = 0, j; i < k; i = j) {
		struct prefs pv = s.prefs_js.prefs, uv = s.user_js.prefs;
		struct prefsrc sysv = s.sys;
		struct prefsrc_result r;
		bool named_here = false;

		pv.entries = pj, pv.n = 0;
		uv.entries = uj, uv.n = 0;
		sysv.v = sv, sysv.n = 0;
		for (j = i; j < k && streq(v[j].name, v[i].name); j++) {
			if (v[j].src == 0) {
				pj[pv.n++] = s.prefs_js.prefs.entries[v[j].idx];
				named_here = true;
			} else if (v[j].src == 1) {
				uj[uv.n++] = s.user_js.prefs.entries[v[j].idx];
				named_here = true;
			} else {
				sv[sysv.n] = s.sys.v[v[j].idx];
				/* Every pref named in prefs.js, user.js, policies.json or the autoconfig file. */
				if (sv[sysv.n].kind == PREFSRC_POLICY || sv[sysv.n].kind == PREFSRC_AUTOCONFIG)
					named_here = true;
				sysv.n++;
			}
		}
		if (!named_here)
			continue;
		prefsrc_resolve(&sysv, s.prefs_js.exists ? &pv : NULL, s.prefs_js.path,
				s.user_js.exists ? &uv : NULL, s.user_js.path, v[i].name, &r);
		if (ctx->json)
			json_object_array_add(arr, result_json(v[i].name, &r));
		else
			print_result(ctx, v[i].name, &r);
		if (ctx->verbosity > 0)
			print_steps(ctx, &r);
		prefsrc_result_release(&r);
	}
	json_object_object_add(res, "prefs", arr);
	ret = 0;
out:
	free(v);
	free(pj);
	free(uj);
	free(sv);
	pstate_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_list = {
	.name = "list", .prepare = none_prepare, .run = list_run, .args = "",
	.summary = "every pref of prefs.js, user.js, policies and autoconfig, with value, type and source",
};

/* ---- pref get ---- */

static int
get_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return prepare_n(ctx, argc, argv, 1, false, false, "NAME", err);
}

static int
get_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct prefsrc_result r;
	int ret;

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0) {
		pstate_release(&s);
		return ret;
	}
	warn_bad_files(ctx, &s, res);
	resolve(&s, opts.name, &r);
	json_object_object_add(res, "pref", result_json(opts.name, &r));
	print_result(ctx, opts.name, &r);
	if (r.has_default && r.from >= 0 && r.from != r.default_from) {
		_autofree_ char *d = value_text(&r.def);

		cmd_out(ctx, "  default: %s\n", d);
	}
	if (r.locked)
		cmd_out(ctx, "  locked: prefs.js and user.js cannot change it\n");
	if (ctx->verbosity > 0 || r.nsteps > 1)
		print_steps(ctx, &r);
	if (!r.has_value && r.from < 0)
		ret = mc_error_set(err, MC_ENOENT, "%s: not set in '%s' and no default known", opts.name, p->path);
	prefsrc_result_release(&r);
	pstate_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_get = {
	.name = "get", .prepare = get_prepare, .run = get_run, .args = "NAME",
	.summary = "a pref's value, type and where it comes from (prefs.js, user.js, policy, lock, default)",
};

/* ---- the write path shared by set, unset, ocsp and md5 ---- */

struct change {
	const char *name;
	bool unset;             /* clear the user value */
	struct prefs_value v;   /* !unset: the value to set */
	bool want_any;          /* accept whatever the default is (unset) */
	bool want_none_ok;      /* accept "no value at all" */
	struct prefs_value want;/* the effective value wanted */
	/* filled by apply: */
	struct prefsrc_result before, after;
	bool prefs_changed, user_changed;
};

static void
change_release(struct change *c)
{
	prefs_value_release(&c->v);
	prefs_value_release(&c->want);
	prefsrc_result_release(&c->before);
	prefsrc_result_release(&c->after);
}

static void
change_set(struct change *c, const char *name, const struct prefs_value *v)
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

static void
change_unset(struct change *c, const char *name)
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
	where = where_text(st);
	val = st->has_value ? value_text(&st->value) : xstrdup("a value the script computes");
	if (r->locked) {
		const struct prefsrc_setting *l = &r->steps[r->lock_from];
		_autofree_ char *lw = where_text(l);

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

/*
 * Apply the changes to copies of prefs.js (and user.js with --user-js), check
 * that the application would end up with what was asked, then write.
 */
static int
apply_changes(struct cmd_ctx *ctx, struct pstate *s, struct change *ch, size_t nch, struct json_object *res,
	      struct mc_error *err)
{
	struct prefs np, nu;
	struct strbuf diff, conflicts, pbuf, ubuf;
	bool prefs_changed = false, user_changed = false, conflict = false, user_js_helps = false;
	struct json_object *arr, *carr = NULL;
	struct backup backup;
	bool backup_used = false;
	int ret = 0;

	strbuf_init(&diff);
	strbuf_init(&conflicts);
	strbuf_init(&pbuf);
	strbuf_init(&ubuf);
	prefs_init(&np);
	prefs_init(&nu);

	if (s->prefs_js.bad && !opts.discard_invalid) {
		ret = mc_error_set(err, MC_EINPUT,
				   "%s; the application drops the bad statements when it next saves prefs.js: "
				   "rerun with --discard-invalid to write it without them (nothing written)",
				   s->prefs_js.err.msg);
		goto out;
	}
	if (opts.user_js && s->user_js.bad) {
		ret = mc_error_set(err, MC_EINPUT, "%s: fix user.js by hand (nothing written)", s->user_js.err.msg);
		goto out;
	}

	/* The new prefs.js and user.js, as parsed structures (re-parsed from their text). */
	if (s->prefs_js.exists)
		prefs_parse(s->prefs_js.buf, s->prefs_js.len, s->prefs_js.path, &np, NULL);
	if (s->user_js.exists)
		prefs_parse(s->user_js.buf, s->user_js.len, s->user_js.path, &nu, NULL);
	if (s->user_js.exists)
		strbuf_add(&ubuf, s->user_js.buf, s->user_js.len);

	for (size_t i = 0; i < nch; i++) {
		struct change *c = &ch[i];
		bool to_default;

		resolve(s, c->name, &c->before);
		to_default = c->unset || (c->before.has_default && prefs_value_equal(&c->before.def, &c->v) &&
					  !(c->before.default_from >= 0 && c->before.steps[c->before.default_from].sticky));
		/* As the config editor: a value equal to the default clears the user value. */
		if (to_default)
			prefs_unset(&np, c->name);
		else
			prefs_set_value(&np, c->name, &c->v);
		c->prefs_changed = !user_value_same(&s->prefs_js.prefs, &np, c->name);
		if (opts.user_js) {
			struct strbuf edited;
			struct prefs reparsed;
			int changed;

			strbuf_init(&edited);
			if (to_default && !prefs_get(&nu, c->name)) {
				changed = 0;
			} else {
				changed = prefs_edit_in_place(ubuf.buf, ubuf.len, &nu, c->name, to_default ? NULL : &c->v,
							      &edited);
			}
			if (changed > 0) {
				strbuf_reset(&ubuf);
				strbuf_add(&ubuf, edited.buf, edited.len);
				prefs_release(&nu);
				prefs_parse(ubuf.buf, ubuf.len, s->user_js.path, &reparsed, NULL);
				nu = reparsed;
			}
			strbuf_release(&edited);
			c->user_changed = !user_value_same(&s->user_js.prefs, &nu, c->name) ||
					  (changed > 0 && !s->user_js.exists);
		}
	}
	for (size_t i = 0; i < nch; i++) {
		struct change *c = &ch[i];

		prefsrc_resolve(&s->sys, &np, s->prefs_js.path,
				(s->user_js.exists || opts.user_js) ? &nu : NULL, s->user_js.path, c->name, &c->after);
		if (!change_ok(c)) {
			bool helps;
			_autofree_ char *t = conflict_text(c, &helps);

			conflict = true;
			user_js_helps |= helps;
			strbuf_addf(&conflicts, "%s%s", conflicts.len ? "; " : "", t);
			if (!carr)
				carr = json_object_new_array();
			json_object_array_add(carr, json_object_new_string(t));
		}
		prefs_changed |= c->prefs_changed;
		user_changed |= c->user_changed;
		if (c->prefs_changed) {
			strbuf_addf(&diff, "--- %s\n+++ %s\n", s->prefs_js.path, s->prefs_js.path);
			diff_old_lines(&s->prefs_js, c->name, &diff);
			diff_new_line(&np, c->name, &diff);
		}
		if (c->user_changed) {
			strbuf_addf(&diff, "--- %s\n+++ %s\n", s->user_js.path, s->user_js.path);
			diff_old_lines(&s->user_js, c->name, &diff);
			diff_new_line(&nu, c->name, &diff);
		}
	}

	arr = json_object_new_array();
	for (size_t i = 0; i < nch; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(ch[i].name));
		json_object_object_add(o, "before", result_json(ch[i].name, &ch[i].before));
		json_object_object_add(o, "after", result_json(ch[i].name, &ch[i].after));
		json_object_object_add(o, "prefs_js_changed", json_object_new_boolean(ch[i].prefs_changed));
		json_object_object_add(o, "user_js_changed", json_object_new_boolean(ch[i].user_changed));
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "prefs", arr);
	if (carr)
		json_object_object_add(res, "conflicts", carr);
	if (conflict) {
		json_object_object_add(res, "user_js_would_resolve", json_object_new_boolean(user_js_helps));
		ret = mc_error_set(err, MC_EFAIL, "%s (nothing written)", conflicts.buf);
		goto out;
	}
	if (prefs_changed && (ret = check_writable(&s->prefs_js, err)) < 0)
		goto out;
	if (user_changed && (ret = check_writable(&s->user_js, err)) < 0)
		goto out;

	if (ctx->dry_run) {
		json_object_object_add(res, "diff", json_object_new_string(diff.buf));
		if (!ctx->json && ctx->verbosity >= 0)
			fwrite(diff.buf, 1, diff.len, stdout);
		cmd_out(ctx, "%s (dry run: nothing written)\n",
			prefs_changed || user_changed ? "would change" : "nothing to change");
		cmd_set_changed(res, false);
		goto out;
	}
	if (ctx->verbosity > 0 && !ctx->json)
		fwrite(diff.buf, 1, diff.len, stdout);

	backup_init(&backup, s->p->path, ctx->cmd_name);
	backup_used = true;
	/* user.js first: should the second write fail, user.js wins at the next start anyway. */
	if (user_changed) {
		if ((ret = atomic_replace(s->p->path, "user.js", ubuf.buf, ubuf.len, ATOMIC_BACKUP, &backup, err)) < 0)
			goto out;
	}
	if (prefs_changed) {
		prefs_write_flags(&np, s->prefs_js.prefs.crlf ? PREFS_WRITE_CRLF : 0, &pbuf);
		if ((ret = atomic_replace(s->p->path, "prefs.js", pbuf.buf, pbuf.len, ATOMIC_BACKUP, &backup, err)) < 0)
			goto out;
		if (s->prefs_js.bad)
			cmd_warn(ctx, "%s: the statements with errors were dropped (the old file is in the backup)",
				 s->prefs_js.path);
	}
	ret = 0;
	if (backup.id)
		json_object_object_add(res, "backup", json_object_new_string(backup.id));
	cmd_set_changed(res, prefs_changed || user_changed);
	for (size_t i = 0; i < nch; i++) {
		_autofree_ char *v = ch[i].after.has_value ? value_text(&ch[i].after.value) : xstrdup("(not set)");

		cmd_out(ctx, "%s %s = %s\n", ch[i].prefs_changed || ch[i].user_changed ? "changed  " : "unchanged",
			ch[i].name, v);
	}
out:
	if (backup_used)
		backup_release(&backup);
	prefs_release(&np);
	prefs_release(&nu);
	strbuf_release(&diff);
	strbuf_release(&conflicts);
	strbuf_release(&pbuf);
	strbuf_release(&ubuf);
	return ret;
}

/* ---- pref set / unset ---- */

static int
set_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	int ret = prepare_n(ctx, argc, argv, 2, true, true, "NAME VALUE", err);
	struct prefs_value v;

	if (ret < 0)
		return ret;
	/* Check the value now, before any profile is touched (the type may still follow the default). */
	if ((ret = prefs_value_from_text(opts.value, opts.type_forced ? opts.type : PREFS_SET_AUTO, &v, err)) < 0)
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

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0) {
		pstate_release(&s);
		return ret;
	}
	resolve(&s, opts.name, &r);
	if (opts.type_forced) {
		ret = prefs_value_from_text(opts.value, opts.type, &v, err);
	} else if (r.has_default) {
		/* The type follows the default: the application rejects a user value of another type. */
		ret = prefs_value_from_text(opts.value, set_type_of(r.def.type), &v, err);
		if (ret < 0) {
			mc_error_clear(err);
			ret = mc_error_set(err, MC_EUSAGE, "%s is a %s pref: '%s' is not a %s (the application would "
					   "ignore it)", opts.name, prefsrc_type_name(r.def.type), opts.value,
					   prefsrc_type_name(r.def.type));
		}
	} else {
		ret = prefs_value_from_text(opts.value, PREFS_SET_AUTO, &v, err);
	}
	if (ret == 0 && r.has_default && v.type != r.def.type)
		ret = mc_error_set(err, MC_EUSAGE, "%s is a %s pref: the application ignores a %s value for it",
				   opts.name, prefsrc_type_name(r.def.type), prefsrc_type_name(v.type));
	prefsrc_result_release(&r);
	if (ret == 0) {
		change_set(&c, opts.name, &v);
		ret = apply_changes(ctx, &s, &c, 1, res, err);
		change_release(&c);
	}
	prefs_value_release(&v);
	pstate_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_set = {
	.name = "set", .prepare = set_prepare, .run = set_run, .flags = CMD_WRITES,
	.args = "NAME VALUE",
	.summary = "set a pref in prefs.js as the application writes it (--type bool|int|string, --user-js)",
	.options = write_options,
	.help = HELP_TYPE HELP_WRITE,
};

static int
unset_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return prepare_n(ctx, argc, argv, 1, true, false, "NAME", err);
}

static int
unset_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct change c;
	int ret;

	if ((ret = pstate_load(ctx, p, &s, res, err)) == 0) {
		change_unset(&c, opts.name);
		ret = apply_changes(ctx, &s, &c, 1, res, err);
		change_release(&c);
	}
	pstate_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_unset = {
	.name = "unset", .prepare = unset_prepare, .run = unset_run, .flags = CMD_WRITES,
	.args = "NAME",
	.summary = "reset a pref to its default: remove it from prefs.js (--user-js: from user.js too)",
	.options = write_options,
	.help = HELP_WRITE,
};

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
	_autofree_ char *val = r->has_value ? value_text(&r->value) : xstrdup("(not set)");
	const struct prefsrc_setting *st = r->from >= 0 ? &r->steps[r->from] : NULL;
	_autofree_ char *where = st && st->kind != PREFSRC_BUILTIN ? where_text(st) : NULL;

	if (!st)
		cmd_out(ctx, "  %-8s %s = %s [no default known]\n", label, name, val);
	else
		cmd_out(ctx, "  %-8s %s = %s [%s%s%s%s]\n", label, name, val, r->locked ? "locked by " : "",
			prefsrc_kind_name(st->kind), where ? " " : "", where ? where : "");
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct prefsrc_setting *o = &r->steps[i];

		if ((int)i != r->from && o->kind > PREFSRC_DEFAULTS && o->op != PREFSRC_OP_DEFAULT) {
			_autofree_ char *w = where_text(o);
			_autofree_ char *ov = o->has_value ? value_text(&o->value) : xstrdup("-");

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

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0) {
		pstate_release(&s);
		return ret;
	}
	warn_bad_files(ctx, &s, res);
	resolve(&s, OCSP_ENABLED, &en);
	resolve(&s, OCSP_REQUIRE, &rq);
	mode = ocsp_mode(&en);
	req = rq.has_value && rq.value.type == PREFS_TYPE_BOOL && rq.value.b;
	o = json_object_new_object();
	json_object_object_add(o, "mode", json_object_new_string(mode));
	json_object_object_add(o, "require", json_object_new_boolean(req));
	json_object_object_add(o, "enabled_pref", result_json(OCSP_ENABLED, &en));
	json_object_object_add(o, "require_pref", result_json(OCSP_REQUIRE, &rq));
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
	pstate_release(&s);
	return 0;
}

const struct cmd_spec cmd_ocsp_status = {
	.name = "status", .prepare = none_prepare, .run = ocsp_status_run, .args = "",
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

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0) {
		pstate_release(&s);
		return ret;
	}
	switch (op) {
	case OCSP_OFF:
		v.type = PREFS_TYPE_INT;
		v.i = 0;
		change_set(&c[n++], OCSP_ENABLED, &v);
		break;
	case OCSP_ON:
		/* On, soft-fail: both prefs back to their defaults (the lines go). */
		v.type = PREFS_TYPE_INT;
		v.i = 1;
		change_set(&c[n++], OCSP_ENABLED, &v);
		v.type = PREFS_TYPE_BOOL;
		v.b = false;
		change_set(&c[n++], OCSP_REQUIRE, &v);
		break;
	case OCSP_REQUIRE_OP: {
		struct prefsrc_result en;

		v.type = PREFS_TYPE_BOOL;
		v.b = true;
		change_set(&c[n++], OCSP_REQUIRE, &v);
		resolve(&s, OCSP_ENABLED, &en);
		if (streq(ocsp_mode(&en), "off")) {
			v.type = PREFS_TYPE_INT;
			v.i = 1;
			change_set(&c[n++], OCSP_ENABLED, &v);
		} else if (streq(ocsp_mode(&en), "ev-only")) {
			cmd_warn(ctx, "OCSP stays on for EV certificates only (%s = 2): run 'ocsp on' then 'ocsp require' "
				      "for every certificate", OCSP_ENABLED);
		}
		prefsrc_result_release(&en);
		break;
	}
	}
	ret = apply_changes(ctx, &s, c, n, res, err);
	for (size_t i = 0; i < n; i++)
		change_release(&c[i]);
	pstate_release(&s);
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
	.name = "on", .prepare = write_none_prepare, .run = ocsp_on_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "fetch OCSP for every certificate, soft-fail (the default: the prefs.js lines go)",
	.options = write_options,
	.help = HELP_WRITE,
};

const struct cmd_spec cmd_ocsp_off = {
	.name = "off", .prepare = write_none_prepare, .run = ocsp_off_run, .flags = CMD_WRITES,
	.args = "", .summary = "do not fetch OCSP (security.OCSP.enabled = 0)",
	.options = write_options,
	.help = HELP_WRITE,
};

const struct cmd_spec cmd_ocsp_require = {
	.name = "require", .prepare = write_none_prepare, .run = ocsp_require_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "OCSP on and hard-fail when the responder cannot be reached (security.OCSP.require)",
	.options = write_options,
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

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0) {
		pstate_release(&s);
		return ret;
	}
	warn_bad_files(ctx, &s, res);
	resolve(&s, MD5_PREF, &r);
	on = r.has_value && r.value.type == PREFS_TYPE_BOOL ? r.value.b
							    : (major >= 0 && major < MD5_DEFAULT_FALSE_FROM);
	honoured = major >= 0 && major < MD5_MAYBE_IGNORED_FROM;
	o = json_object_new_object();
	json_object_object_add(o, "accepted", json_object_new_boolean(on && honoured));
	json_object_object_add(o, "pref_value", json_object_new_boolean(on));
	json_object_object_add(o, "honoured", major < 0 ? NULL : json_object_new_boolean(honoured));
	json_object_object_add(o, "app_major", major < 0 ? NULL : json_object_new_int(major));
	json_object_object_add(o, "pref", result_json(MD5_PREF, &r));
	if (note)
		json_object_object_add(o, "note", json_object_new_string(note));
	json_object_object_add(res, "md5", o);
	cmd_out(ctx, "MD5 signatures: %s\n", on && honoured ? "accepted" : "rejected");
	describe(ctx, "pref", &r, MD5_PREF);
	if (note)
		cmd_out(ctx, "  note: %s\n", note);
	prefsrc_result_release(&r);
	pstate_release(&s);
	return 0;
}

const struct cmd_spec cmd_md5_status = {
	.name = "status", .prepare = none_prepare, .run = md5_status_run, .args = "",
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

	if ((ret = pstate_load(ctx, p, &s, res, err)) < 0) {
		pstate_release(&s);
		return ret;
	}
	if (on || (major >= 0 && major < MD5_DEFAULT_FALSE_FROM) ||
	    ((e = prefs_get(&s.prefs_js.prefs, MD5_PREF)) && prefs_value_equal(&e->value, &v))) {
		/* On; or off where false is not the default; or a line that already says false (kept). */
		change_set(&c, MD5_PREF, &v);
	} else {
		/* Off is the default since Firefox 16: the line goes, as for any default. */
		change_unset(&c, MD5_PREF);
		c.want_any = false;
		c.want_none_ok = true;
		c.want = v;
	}
	ret = apply_changes(ctx, &s, &c, 1, res, err);
	if (on && note) {
		cmd_warn(ctx, "%s", note);
		json_object_object_add(res, "warning", json_object_new_string(note));
	}
	change_release(&c);
	pstate_release(&s);
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
	.name = "on", .prepare = write_none_prepare, .run = md5_on_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "accept MD5 signatures (security.enable_md5_signatures; ignored by versions 38 and later)",
	.options = write_options,
	.help = HELP_WRITE,
};

const struct cmd_spec cmd_md5_off = {
	.name = "off", .prepare = write_none_prepare, .run = md5_off_run, .flags = CMD_WRITES,
	.args = "",
	.summary = "reject MD5 signatures (the default: the prefs.js line goes)",
	.options = write_options,
	.help = HELP_WRITE,
};
