/* SPDX-License-Identifier: MPL-2.0 */
/* pref.c: the prefs a profile sees (pref list, pref get) and what the pref commands share. */
#include <errno.h>
#include <sys/stat.h>

#include "atomic-write.h"
#include "fileio.h"
#include "pref.h"
#include "checks.h"
#include "strbuf.h"
#include "banned.h"

/* prefs.js and user.js are read up to this size: a real one is well under 1 MiB. */
#define PREF_FILE_MAX (16u * 1024u * 1024u)

struct pref_opts pref_opts;

/* ---- the profile's two files, and everything outside the profile ---- */

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

void
pref_state_release(struct pstate *s)
{
	pfile_release(&s->prefs_js);
	pfile_release(&s->user_js);
	prefsrc_release(&s->sys);
}

int
pref_state_load(const struct cmd_ctx *ctx, const struct profile *p, struct pstate *s, struct json_object *res,
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

void
pref_resolve(const struct pstate *s, const char *name, struct prefsrc_result *r)
{
	prefsrc_resolve(&s->sys, s->prefs_js.exists ? &s->prefs_js.prefs : NULL, s->prefs_js.path,
			s->user_js.exists ? &s->user_js.prefs : NULL, s->user_js.path, name, r);
}

/* For reading commands: a damaged file is reported, and read as the application reads it. */
void
pref_warn_bad_files(const struct cmd_ctx *ctx, const struct pstate *s, struct json_object *res)
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

struct json_object *
pref_value_json(const struct prefs_value *v)
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

char *
pref_value_text(const struct prefs_value *v)
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
char *
pref_where_text(const struct prefsrc_setting *st)
{
	if (!st->file)
		return xstrdup("built-in default");
	if (st->line)
		return xasprintf("%s:%u", st->file, st->line);
	return xstrdup(st->file);
}

const char *
pref_source_name(const struct prefsrc_result *r)
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
	json_object_object_add(o, "value", st->has_value ? pref_value_json(&st->value) : NULL);
	json_object_object_add(o, "ignored", json_object_new_boolean(st->ignored));
	if (st->note)
		json_object_object_add(o, "note", json_object_new_string(st->note));
	return o;
}

/* {name, value, type, source, file, line, locked, default, settings[]} */
struct json_object *
pref_result_json(const char *name, const struct prefsrc_result *r)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	const struct prefsrc_setting *st = r->from >= 0 ? &r->steps[r->from] : NULL;

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", r->has_value ? pref_value_json(&r->value) : NULL);
	json_object_object_add(o, "type", r->has_value ? json_object_new_string(prefsrc_type_name(r->value.type)) : NULL);
	json_object_object_add(o, "source", pref_source_name(r) ? json_object_new_string(pref_source_name(r)) : NULL);
	json_object_object_add(o, "file", st && st->file ? json_object_new_string(st->file) : NULL);
	json_object_object_add(o, "line", st && st->line ? json_object_new_int((int)st->line) : NULL);
	json_object_object_add(o, "locked", json_object_new_boolean(r->locked));
	json_object_object_add(o, "default", r->has_default ? pref_value_json(&r->def) : NULL);
	for (size_t i = 0; i < r->nsteps; i++)
		json_object_array_add(arr, setting_json(&r->steps[i]));
	json_object_object_add(o, "settings", arr);
	return o;
}

/* One line: "NAME = VALUE (TYPE) [SOURCE FILE:LINE]". */
static void
print_result(const struct cmd_ctx *ctx, const char *name, const struct prefsrc_result *r)
{
	_autofree_ char *val = r->has_value ? pref_value_text(&r->value) : xstrdup("(not set)");
	_autofree_ char *where = r->from >= 0 ? pref_where_text(&r->steps[r->from]) : NULL;

	if (r->from < 0)
		cmd_out(ctx, "%s = %s\n", name, val);
	else
		cmd_out(ctx, "%s = %s (%s) [%s%s%s]\n", name, val, prefsrc_type_name(r->value.type), pref_source_name(r),
			r->steps[r->from].kind == PREFSRC_BUILTIN ? "" : " ",
			r->steps[r->from].kind == PREFSRC_BUILTIN ? "" : where);
}

static void
print_steps(const struct cmd_ctx *ctx, const struct prefsrc_result *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct prefsrc_setting *st = &r->steps[i];
		_autofree_ char *where = pref_where_text(st);
		_autofree_ char *val = st->has_value ? pref_value_text(&st->value) : xstrdup("-");

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
		pref_opts.user_js = true;
		return 0;
	case 'D':
		pref_opts.discard_invalid = true;
		return 0;
	case 't':
		pref_opts.type_forced = true;
		if (streq(arg, "bool"))
			pref_opts.type = PREFS_SET_BOOL;
		else if (streq(arg, "int"))
			pref_opts.type = PREFS_SET_INT;
		else if (streq(arg, "string"))
			pref_opts.type = PREFS_SET_STRING;
		else
			return mc_error_set(err, MC_EUSAGE, "%s: --type must be bool, int or string", ctx->cmd_name);
		return 0;
	}
	return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
}

const struct option pref_write_options[] = {
	{ "user-js", no_argument, NULL, 'u' },
	{ "discard-invalid", no_argument, NULL, 'D' },
	{ "type", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

int
pref_prepare_n(struct cmd_ctx *ctx, int argc, char **argv, int want, bool writes, bool typed, const char *what,
	  struct mc_error *err)
{
	int first, ret;

	if ((ret = cmd_getopt(ctx, argc, argv, writes ? pref_write_options : NULL, pref_opt, &first, err)) < 0)
		return ret;
	if (pref_opts.type_forced && !typed)
		return mc_error_set(err, MC_EUSAGE, "%s: --type applies to 'pref set' only", ctx->cmd_name);
	if (argc - first > want)
		return mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[first + want]);
	if (argc - first != want)
		return mc_error_set(err, MC_EUSAGE, "%s: expected %s", ctx->cmd_name, what);
	if (want >= 1) {
		pref_opts.name = argv[first];
		if (!pref_opts.name[0])
			return mc_error_set(err, MC_EUSAGE, "%s: empty pref name", ctx->cmd_name);
	}
	if (want >= 2)
		pref_opts.value = argv[first + 1];
	return 0;
}

int
pref_none_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return pref_prepare_n(ctx, argc, argv, 0, false, false, "no argument", err);
}

int
pref_write_none_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return pref_prepare_n(ctx, argc, argv, 0, true, false, "no argument", err);
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

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0)
		goto out;
	pref_warn_bad_files(ctx, &s, res);
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
			json_object_array_add(arr, pref_result_json(v[i].name, &r));
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
	pref_state_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_list = {
	.name = "list", .prepare = pref_none_prepare, .run = list_run, .args = "",
	.summary = "every pref of prefs.js, user.js, policies and autoconfig, with value, type and source",
};

/* ---- pref get ---- */

static int
get_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err)
{
	return pref_prepare_n(ctx, argc, argv, 1, false, false, "NAME", err);
}

static int
get_run(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err)
{
	struct pstate s;
	struct prefsrc_result r;
	int ret;

	if ((ret = pref_state_load(ctx, p, &s, res, err)) < 0) {
		pref_state_release(&s);
		return ret;
	}
	pref_warn_bad_files(ctx, &s, res);
	pref_resolve(&s, pref_opts.name, &r);
	json_object_object_add(res, "pref", pref_result_json(pref_opts.name, &r));
	print_result(ctx, pref_opts.name, &r);
	if (r.has_default && r.from >= 0 && r.from != r.default_from) {
		_autofree_ char *d = pref_value_text(&r.def);

		cmd_out(ctx, "  default: %s\n", d);
	}
	if (r.locked)
		cmd_out(ctx, "  locked: prefs.js and user.js cannot change it\n");
	if (ctx->verbosity > 0 || r.nsteps > 1)
		print_steps(ctx, &r);
	if (!r.has_value && r.from < 0)
		ret = mc_error_set(err, MC_ENOENT, "%s: not set in '%s' and no default known", pref_opts.name, p->path);
	prefsrc_result_release(&r);
	pref_state_release(&s);
	return ret;
}

const struct cmd_spec cmd_pref_get = {
	.name = "get", .prepare = get_prepare, .run = get_run, .args = "NAME",
	.summary = "a pref's value, type and where it comes from (prefs.js, user.js, policy, lock, default)",
};
