/* SPDX-License-Identifier: MPL-2.0 */
/* pref-source.c: every place outside prefs.js that sets a pref, and how the application combines them. */
#include "pref-source.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <sys/stat.h>

#include "fileio.h"
#include "strbuf.h"
#include "banned.h"

/* Defaults files, .cfg and policies.json are read up to this size. */
#define PREFSRC_MAX_FILE (16u * 1024u * 1024u)

void
prefsrc_init(struct prefsrc *s, enum app_id app)
{
	memset(s, 0, sizeof(*s));
	s->app = app;
}

static void
setting_release(struct prefsrc_setting *st)
{
	free(st->name);
	prefs_value_release(&st->value);
}

void
prefsrc_release(struct prefsrc *s)
{
	for (size_t i = 0; i < s->n; i++)
		setting_release(&s->v[i]);
	free(s->v);
	strv_free(s->files, s->nfiles);
	strv_free(s->app_dirs, s->napp_dirs);
	strv_free(s->warnings, s->nwarnings);
	free(s->policy_file);
	free(s->autoconfig_file);
	prefsrc_init(s, s->app);
}

static const char *
strv_add(char ***v, size_t *n, char *owned)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = owned;
	return owned;
}

static const char *
add_file(struct prefsrc *s, const char *path)
{
	return strv_add(&s->files, &s->nfiles, xstrdup(path));
}

static void
warn(struct prefsrc *s, const char *msg)
{
	strv_add(&s->warnings, &s->nwarnings, xstrdup(msg));
}

static void
value_copy(struct prefs_value *dst, const struct prefs_value *src)
{
	*dst = *src;
	dst->s = src->type == PREFS_TYPE_STRING ? xstrdup(src->s ? src->s : "") : NULL;
}

static struct prefsrc_setting *
add_setting(struct prefsrc *s, const char *name, enum prefsrc_kind kind, enum prefsrc_op op,
	    const struct prefs_value *v, const char *file, unsigned line)
{
	struct prefsrc_setting *st;

	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->v = xreallocarray(s->v, s->alloc, sizeof(*s->v));
	}
	st = &s->v[s->n++];
	memset(st, 0, sizeof(*st));
	st->name = xstrdup(name);
	st->kind = kind;
	st->op = op;
	if (v) {
		st->has_value = true;
		value_copy(&st->value, v);
	}
	st->file = file;
	st->line = line;
	return st;
}

void
prefsrc_add_builtin(struct prefsrc *s)
{
	static const char *const names[] = {
		"security.OCSP.enabled", "security.OCSP.require", "security.enable_md5_signatures",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const struct prefs_default *d = prefs_default_find(names[i]);
		struct prefs_value v = { .type = d ? d->type : PREFS_TYPE_INT };

		/* Only what the current application still defines. */
		if (!d || !d->current)
			continue;
		v.i = d->i;
		v.b = d->b;
		add_setting(s, d->name, PREFSRC_BUILTIN, PREFSRC_OP_DEFAULT, &v, NULL, 0);
	}
}

static enum prefsrc_op
op_of_entry(const struct prefs_entry *e)
{
	switch (e->kind) {
	case PREFS_KIND_USER:
		return PREFSRC_OP_USER;
	case PREFS_KIND_LOCK:
		return PREFSRC_OP_LOCK;
	default:
		return e->locked ? PREFSRC_OP_LOCK : PREFSRC_OP_DEFAULT;
	}
}

void
prefsrc_add_defaults(struct prefsrc *s, const char *path, const struct prefs *p)
{
	const char *file = add_file(s, path);

	for (size_t i = 0; i < p->n; i++) {
		const struct prefs_entry *e = &p->entries[i];
		struct prefsrc_setting *st = add_setting(s, e->name, PREFSRC_DEFAULTS, op_of_entry(e), &e->value,
							 file, e->line);

		st->sticky = e->sticky;
	}
}

/* ---- autoconfig .cfg: a lexical scan of the JavaScript for the prefcalls.js functions ---- */

struct js {
	const char *b;
	size_t len, i;
	unsigned line;
};

static bool
js_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '$';
}

/* Skip blanks and comments. */
static void
js_skip(struct js *j)
{
	while (j->i < j->len) {
		char c = j->b[j->i];

		if (c == '\n') {
			j->line++;
			j->i++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			j->i++;
		} else if (c == '/' && j->i + 1 < j->len && j->b[j->i + 1] == '/') {
			while (j->i < j->len && j->b[j->i] != '\n')
				j->i++;
		} else if (c == '/' && j->i + 1 < j->len && j->b[j->i + 1] == '*') {
			j->i += 2;
			while (j->i < j->len && !(j->b[j->i] == '*' && j->i + 1 < j->len && j->b[j->i + 1] == '/')) {
				if (j->b[j->i] == '\n')
					j->line++;
				j->i++;
			}
			j->i = j->i + 2 > j->len ? j->len : j->i + 2;
		} else {
			break;
		}
	}
}

static void
put_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (char)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (char)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

/* A JS string literal at j->i (which is a quote); false (position unchanged) when it is not one. */
static bool
js_string(struct js *j, char **out)
{
	char q = j->b[j->i];
	size_t i = j->i + 1;
	struct strbuf sb;

	if (q != '"' && q != '\'')
		return false;
	strbuf_init(&sb);
	while (i < j->len && j->b[i] != q) {
		char c = j->b[i++];

		if (c == '\n' || c == '\0')
			goto bad;
		if (c != '\\') {
			strbuf_addch(&sb, c);
			continue;
		}
		if (i >= j->len)
			goto bad;
		c = j->b[i++];
		switch (c) {
		case 'n': strbuf_addch(&sb, '\n'); break;
		case 'r': strbuf_addch(&sb, '\r'); break;
		case 't': strbuf_addch(&sb, '\t'); break;
		case 'b': strbuf_addch(&sb, '\b'); break;
		case 'f': strbuf_addch(&sb, '\f'); break;
		case 'v': strbuf_addch(&sb, '\v'); break;
		case '0': goto bad; /* a NUL cannot be in a pref */
		case 'x':
		case 'u': {
			int nd = c == 'x' ? 2 : 4;
			unsigned cp = 0;

			if (i + (size_t)nd > j->len)
				goto bad;
			for (int k = 0; k < nd; k++) {
				int h = hex_value(j->b[i + (size_t)k]);

				if (h < 0)
					goto bad;
				cp = cp * 16 + (unsigned)h;
			}
			if (cp == 0)
				goto bad;
			i += (size_t)nd;
			put_utf8(&sb, cp);
			break;
		}
		case '\n':
			j->line++;
			break;
		default:
			strbuf_addch(&sb, c);
		}
	}
	if (i >= j->len)
		goto bad;
	j->i = i + 1;
	*out = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return true;
bad:
	strbuf_release(&sb);
	return false;
}

/* A literal value: true, false, [-]digits (int32), or a string. */
static bool
js_value(struct js *j, struct prefs_value *v)
{
	size_t i = j->i;
	bool neg = false;
	int64_t n = 0;

	memset(v, 0, sizeof(*v));
	if (j->len - i >= 4 && memcmp(j->b + i, "true", 4) == 0 && (i + 4 == j->len || !js_ident_char(j->b[i + 4]))) {
		v->type = PREFS_TYPE_BOOL;
		v->b = true;
		j->i += 4;
		return true;
	}
	if (j->len - i >= 5 && memcmp(j->b + i, "false", 5) == 0 &&
	    (i + 5 == j->len || !js_ident_char(j->b[i + 5]))) {
		v->type = PREFS_TYPE_BOOL;
		j->i += 5;
		return true;
	}
	if (j->b[i] == '"' || j->b[i] == '\'') {
		v->type = PREFS_TYPE_STRING;
		return js_string(j, &v->s);
	}
	if (j->b[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= j->len || j->b[i] < '0' || j->b[i] > '9')
		return false;
	while (i < j->len && j->b[i] >= '0' && j->b[i] <= '9') {
		n = n * 10 + (j->b[i] - '0');
		if (n > (int64_t)INT32_MAX + 1)
			return false;
		i++;
	}
	if (i < j->len && (js_ident_char(j->b[i]) || j->b[i] == '.'))
		return false;
	if (neg)
		n = -n;
	if (n > INT32_MAX || n < INT32_MIN)
		return false;
	v->type = PREFS_TYPE_INT;
	v->i = (int32_t)n;
	j->i = i;
	return true;
}

/* Skip a string, template or regex-free token at j->i; keeps the line count. */
static void
js_skip_quoted(struct js *j)
{
	char q = j->b[j->i++];

	while (j->i < j->len && j->b[j->i] != q) {
		if (j->b[j->i] == '\\')
			j->i++;
		else if (j->b[j->i] == '\n') {
			j->line++;
			if (q != '`')
				break;
		}
		j->i++;
	}
	if (j->i < j->len)
		j->i++;
}

void
prefsrc_add_autoconfig(struct prefsrc *s, const char *path, const char *buf, size_t len)
{
	static const struct {
		const char *fn;
		enum prefsrc_op op;
		bool has_value;
	} fns[] = {
		{ "pref", PREFSRC_OP_USER, true },
		{ "defaultPref", PREFSRC_OP_DEFAULT, true },
		{ "lockPref", PREFSRC_OP_LOCK, true },
		{ "unlockPref", PREFSRC_OP_UNLOCK, false },
		{ "clearPref", PREFSRC_OP_CLEAR, false },
	};
	const char *file = add_file(s, path);
	struct js j = { .b = buf, .len = len, .i = 0, .line = 1 };
	char prev = 0;

	/* The application skips the first line of the .cfg (EvaluateAdminConfigScript skipFirstLine). */
	while (j.i < j.len && j.b[j.i] != '\n')
		j.i++;
	while (j.i < j.len) {
		size_t start;
		unsigned line;
		char c;

		js_skip(&j);
		if (j.i >= j.len)
			break;
		c = j.b[j.i];
		if (c == '"' || c == '\'' || c == '`') {
			js_skip_quoted(&j);
			prev = c;
			continue;
		}
		if (!js_ident_char(c)) {
			prev = c;
			j.i++;
			continue;
		}
		start = j.i;
		line = j.line;
		while (j.i < j.len && js_ident_char(j.b[j.i]))
			j.i++;
		if (prev == '.')
			continue;
		prev = 'a';
		for (size_t k = 0; k < ARRAY_SIZE(fns); k++) {
			_autofree_ char *name = NULL;
			struct prefs_value v = { 0 };
			bool have_v = false;
			struct prefsrc_setting *st;

			if (strlen(fns[k].fn) != j.i - start || memcmp(fns[k].fn, j.b + start, j.i - start) != 0)
				continue;
			js_skip(&j);
			if (j.i >= j.len || j.b[j.i] != '(')
				break;
			j.i++;
			js_skip(&j);
			if (j.i >= j.len || !js_string(&j, &name))
				break; /* a computed name: nothing we can tell */
			js_skip(&j);
			if (fns[k].has_value) {
				if (j.i >= j.len || j.b[j.i] != ',')
					break;
				j.i++;
				js_skip(&j);
				have_v = j.i < j.len && js_value(&j, &v);
				js_skip(&j);
				if (have_v && (j.i >= j.len || j.b[j.i] != ')')) {
					prefs_value_release(&v);
					have_v = false;
				}
			}
			st = add_setting(s, name, PREFSRC_AUTOCONFIG, fns[k].op, have_v ? &v : NULL, file, line);
			if (fns[k].has_value && !have_v)
				st->note = "the value is computed by the script";
			prefs_value_release(&v);
			break;
		}
	}
}

/* ---- policies.json ---- */

static bool
json_to_value(struct json_object *o, struct prefs_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (json_object_get_type(o)) {
	case json_type_boolean:
		v->type = PREFS_TYPE_BOOL;
		v->b = json_object_get_boolean(o);
		return true;
	case json_type_int: {
		int64_t n = json_object_get_int64(o);

		if (n < INT32_MIN || n > INT32_MAX)
			return false;
		v->type = PREFS_TYPE_INT;
		v->i = (int32_t)n;
		return true;
	}
	case json_type_string:
		if (memchr(json_object_get_string(o), '\0', (size_t)json_object_get_string_len(o)))
			return false;
		v->type = PREFS_TYPE_STRING;
		v->s = xstrdup(json_object_get_string(o));
		return true;
	default:
		return false;
	}
}

int
prefsrc_add_policies(struct prefsrc *s, const char *path, const char *buf, size_t len, struct mc_error *err)
{
	struct json_tokener *tok;
	struct json_object *doc, *pol, *prefs;
	const char *file;

	if (len > INT_MAX || memchr(buf, '\0', len))
		return mc_error_set(err, MC_EINPUT, "%s: not a JSON document (NUL byte)", path);
	tok = json_tokener_new();
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		int line = 1;
		size_t off = json_tokener_get_parse_end(tok);

		for (size_t i = 0; i < off && i < len; i++)
			line += buf[i] == '\n';
		mc_error_set(err, MC_EINPUT, "%s:%d: not valid JSON: %s", path, line,
			     json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(doc);
		json_tokener_free(tok);
		return MC_EINPUT;
	}
	/* Trailing text after the document. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r') {
			json_object_put(doc);
			json_tokener_free(tok);
			return mc_error_set(err, MC_EINPUT, "%s: not valid JSON: text after the document", path);
		}
	}
	json_tokener_free(tok);
	file = add_file(s, path);
	if (!json_object_object_get_ex(doc, "policies", &pol) || !json_object_is_type(pol, json_type_object) ||
	    !json_object_object_get_ex(pol, "Preferences", &prefs) || !json_object_is_type(prefs, json_type_object)) {
		json_object_put(doc);
		return 0;
	}
	json_object_object_foreach(prefs, name, spec)
	{
		struct prefs_value v = { 0 };
		struct json_object *val = NULL, *status = NULL;
		enum prefsrc_op op = PREFSRC_OP_DEFAULT;
		struct prefsrc_setting *st;
		bool ok;

		if (json_object_is_type(spec, json_type_object)) {
			json_object_object_get_ex(spec, "Value", &val);
			if (json_object_object_get_ex(spec, "Status", &status)) {
				const char *t = json_object_get_string(status);

				if (streq(t, "locked"))
					op = PREFSRC_OP_LOCK;
				else if (streq(t, "user"))
					op = PREFSRC_OP_USER;
				else if (streq(t, "clear"))
					op = PREFSRC_OP_CLEAR;
				else if (!streq(t, "default"))
					op = PREFSRC_OP_DEFAULT;
			}
		} else {
			/* The first form of the policy (Firefox 68-80): a bare value, locked. */
			val = spec;
			op = PREFSRC_OP_LOCK;
		}
		ok = op == PREFSRC_OP_CLEAR || (val && json_to_value(val, &v));
		st = add_setting(s, name, PREFSRC_POLICY, op, ok && op != PREFSRC_OP_CLEAR ? &v : NULL, file, 0);
		if (!ok) {
			st->ignored = true;
			st->note = "no usable Value (a boolean, an integer or a string)";
		} else if (s->app == APP_THUNDERBIRD && strstartswith(name, "security.OCSP.")) {
			st->ignored = true;
			st->note = "Thunderbird's policy engine does not allow this security pref";
		}
		prefs_value_release(&v);
	}
	json_object_put(doc);
	return 0;
}

/* ---- discovery ---- */

static int
cmp_rev(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
read_source(struct prefsrc *s, const char *path, size_t *len)
{
	struct mc_error err = { 0 };
	char *buf = NULL;

	if (fileio_read(path, PREFSRC_MAX_FILE, &buf, len, &err) < 0) {
		warn(s, err.msg);
		return NULL;
	}
	return buf;
}

/* Every *.js of dir, in the order the application reads them (reverse alphabetical). */
static void
load_defaults_dir(struct prefsrc *s, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 3 && strcmp(de->d_name + l - 3, ".js") == 0)
			strv_add(&names, &n, xstrdup(de->d_name));
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_rev);
	for (size_t i = 0; i < n; i++) {
		_autofree_ char *path = path_join(dir, names[i]);
		_autofree_ char *buf = NULL;
		struct prefs p;
		struct mc_error err = { 0 };
		size_t len = 0;

		if (!is_file(path) || !(buf = read_source(s, path, &len)))
			continue;
		/* The application loads the statements that parse and reports the others. */
		if (prefs_parse_kind(buf, len, path, PREFS_FILE_DEFAULT, &p, &err) < 0)
			warn(s, err.msg);
		prefsrc_add_defaults(s, path, &p);
		prefs_release(&p);
	}
	strv_free(names, n);
}

/* The default-branch value of name among what is loaded so far (defaults files only). */
static const struct prefs_value *
current_default(const struct prefsrc *s, const char *name)
{
	const struct prefs_value *r = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct prefsrc_setting *st = &s->v[i];

		if ((st->op == PREFSRC_OP_DEFAULT || st->op == PREFSRC_OP_LOCK) && st->has_value &&
		    streq(st->name, name))
			r = &st->value;
	}
	return r;
}

void
prefsrc_load_app_dir(struct prefsrc *s, const char *app_dir)
{
	static const char *const dirs[] = {
		"defaults/pref", "defaults/preferences", "browser/defaults/preferences",
		"defaults/syspref", "browser/defaults/syspref",
	};
	const struct prefs_value *fn, *ob;
	_autofree_ char *cfg = NULL, *buf = NULL;
	size_t len = 0;
	int32_t obscure = 13; /* general.config.obscure_value of all.js */

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_autofree_ char *d = path_join(app_dir, dirs[i]);

		load_defaults_dir(s, d);
	}
	fn = current_default(s, "general.config.filename");
	if (!fn || fn->type != PREFS_TYPE_STRING || !fn->s[0])
		return;
	if (streq(fn->s, "dsengine.cfg"))
		return; /* on the application's block list */
	ob = current_default(s, "general.config.obscure_value");
	if (ob && ob->type == PREFS_TYPE_INT)
		obscure = ob->i;
	cfg = path_join(app_dir, fn->s);
	if (!is_file(cfg)) {
		_autofree_ char *m = xasprintf("%s: named by general.config.filename but missing "
					       "(the application refuses to start)", cfg);

		warn(s, m);
		return;
	}
	if (!(buf = read_source(s, cfg, &len)))
		return;
	if (obscure > 0)
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(buf[i] - obscure);
	if (!s->autoconfig_file)
		s->autoconfig_file = xstrdup(cfg);
	prefsrc_add_autoconfig(s, cfg, buf, len);
}

/* compatibility.ini LastPlatformDir of the profile, or NULL. */
static char *
platform_dir(const char *profile_dir)
{
	_autofree_ char *path = path_join(profile_dir, "compatibility.ini");
	_autofree_ char *buf = NULL;
	size_t len = 0;
	const char *p;

	if (fileio_read(path, PROFILE_INI_MAX, &buf, &len, NULL) < 0)
		return NULL;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strstartswith(p, "LastPlatformDir=")) {
			size_t l = strcspn(p + 16, "\r\n");
			char *d = xstrndup(p + 16, l);

			if (d[0] == '/' && is_dir(d))
				return d;
			free(d);
			return NULL;
		}
	}
	return NULL;
}

static void
split_list(const char *env, char ***v, size_t *n)
{
	const char *p = env;

	while (*p) {
		size_t l = strcspn(p, ":");

		if (l)
			strv_add(v, n, xstrndup(p, l));
		p += l;
		if (*p == ':')
			p++;
	}
}

void
prefsrc_load_system(struct prefsrc *s, const char *profile_dir)
{
	static const char *const known[APP_COUNT][4] = {
		[APP_FIREFOX] = { "/usr/lib/firefox-esr", "/usr/lib/firefox", "/usr/lib64/firefox", "/opt/firefox" },
		[APP_THUNDERBIRD] = { "/usr/lib/thunderbird", "/usr/lib64/thunderbird", "/opt/thunderbird", NULL },
		[APP_SEAMONKEY] = { "/usr/lib/seamonkey", "/usr/lib64/seamonkey", "/opt/seamonkey", NULL },
	};
	const char *env = getenv("MOZCERT_APP_DIRS");
	const char *penv = getenv("MOZCERT_POLICY_DIRS");
	char **pdirs = NULL;
	size_t npdirs = 0;
	char *pd;

	prefsrc_add_builtin(s);
	if (env) {
		split_list(env, &s->app_dirs, &s->napp_dirs);
	} else if (profile_dir && (pd = platform_dir(profile_dir))) {
		strv_add(&s->app_dirs, &s->napp_dirs, pd);
	} else if ((unsigned)s->app < APP_COUNT) {
		for (size_t i = 0; i < 4 && known[s->app][i]; i++)
			if (is_dir(known[s->app][i]))
				strv_add(&s->app_dirs, &s->napp_dirs, xstrdup(known[s->app][i]));
	}
	for (size_t i = 0; i < s->napp_dirs; i++)
		prefsrc_load_app_dir(s, s->app_dirs[i]);

	/* policies.json: the first that exists is the one in force (JSONPoliciesProvider). */
	if (penv) {
		split_list(penv, &pdirs, &npdirs);
	} else {
		if (s->app != APP_SEAMONKEY)
			strv_add(&pdirs, &npdirs, xasprintf("/etc/%s/policies", app_name(s->app)));
		for (size_t i = 0; i < s->napp_dirs; i++)
			strv_add(&pdirs, &npdirs, path_join(s->app_dirs[i], "distribution"));
	}
	for (size_t i = 0; i < npdirs; i++) {
		_autofree_ char *path = path_join(pdirs[i], "policies.json");
		_autofree_ char *buf = NULL;
		struct mc_error err = { 0 };
		size_t len = 0;

		if (!is_file(path))
			continue;
		s->policy_file = xstrdup(path);
		if (!(buf = read_source(s, path, &len)))
			break;
		if (prefsrc_add_policies(s, path, buf, len, &err) < 0) {
			_autofree_ char *m = xasprintf("%s (the application ignores the file)", err.msg);

			warn(s, m);
		}
		break;
	}
	strv_free(pdirs, npdirs);
}

/* ---- resolution ---- */

void
prefsrc_result_release(struct prefsrc_result *r)
{
	for (size_t i = 0; i < r->nsteps; i++)
		setting_release(&r->steps[i]);
	free(r->steps);
	prefs_value_release(&r->value);
	prefs_value_release(&r->def);
	memset(r, 0, sizeof(*r));
	r->from = r->lock_from = r->default_from = r->user_from = -1;
}

static void
push_step(struct prefsrc_result *r, const struct prefsrc_setting *st)
{
	struct prefsrc_setting *d;

	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof(*r->steps));
	d = &r->steps[r->nsteps++];
	*d = *st;
	d->name = xstrdup(st->name);
	if (st->has_value)
		value_copy(&d->value, &st->value);
	else
		memset(&d->value, 0, sizeof(d->value));
}

static void
push_profile(struct prefsrc_result *r, const struct prefs *p, const char *path, enum prefsrc_kind kind,
	     const char *name)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		const struct prefs_entry *e = &p->entries[i];
		struct prefsrc_setting st = { 0 };

		if (strcmp(e->name, name) != 0)
			continue;
		st.name = e->name;
		st.kind = kind;
		st.op = op_of_entry(e);
		st.has_value = true;
		st.value = e->value;
		st.sticky = e->sticky;
		st.file = path;
		st.line = e->line;
		push_step(r, &st);
	}
}

void
prefsrc_resolve(const struct prefsrc *s, const struct prefs *prefs_js, const char *prefs_js_path,
		const struct prefs *user_js, const char *user_js_path, const char *name,
		struct prefsrc_result *out)
{
	struct prefsrc_result *r = out;

	memset(r, 0, sizeof(*r));
	r->from = r->lock_from = r->default_from = r->user_from = -1;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind < PREFSRC_PREFS_JS && streq(s->v[i].name, name))
			push_step(r, &s->v[i]);
	push_profile(r, prefs_js, prefs_js_path, PREFSRC_PREFS_JS, name);
	push_profile(r, user_js, user_js_path, PREFSRC_USER_JS, name);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == PREFSRC_POLICY && streq(s->v[i].name, name))
			push_step(r, &s->v[i]);

	for (size_t i = 0; i < r->nsteps; i++) {
		struct prefsrc_setting *st = &r->steps[i];
		/* autoconfig's lockPref and the policy engine unlock before they set (prefcalls.js). */
		bool relocks = st->kind == PREFSRC_AUTOCONFIG || st->kind == PREFSRC_POLICY;

		if (st->ignored)
			continue;
		switch (st->op) {
		case PREFSRC_OP_DEFAULT:
		case PREFSRC_OP_LOCK:
			if (!st->has_value)
				break;
			if (r->locked && !(relocks && st->op == PREFSRC_OP_LOCK)) {
				st->ignored = true;
				st->note = "the pref is already locked";
				break;
			}
			prefs_value_release(&r->def);
			value_copy(&r->def, &st->value);
			r->has_default = true;
			r->default_from = (int)i;
			if (st->op == PREFSRC_OP_LOCK) {
				r->locked = true;
				r->lock_from = (int)i;
			}
			break;
		case PREFSRC_OP_UNLOCK:
			r->locked = false;
			r->lock_from = -1;
			break;
		case PREFSRC_OP_USER:
			if (!st->has_value) {
				/* A value we cannot know: the user value is unknown from here on. */
				r->has_user = true;
				r->user_from = (int)i;
				break;
			}
			if (r->has_default && r->def.type != st->value.type) {
				st->ignored = true;
				st->note = "its type differs from the default's (the application rejects it)";
				break;
			}
			r->has_user = true;
			r->user_from = (int)i;
			break;
		case PREFSRC_OP_CLEAR:
			r->has_user = false;
			r->user_from = -1;
			break;
		}
	}
	if (r->locked)
		r->from = r->default_from;
	else if (r->has_user)
		r->from = r->user_from;
	else if (r->has_default)
		r->from = r->default_from;
	if (r->from >= 0 && r->steps[r->from].has_value) {
		r->has_value = true;
		value_copy(&r->value, &r->steps[r->from].value);
	}
}

const char *
prefsrc_kind_name(enum prefsrc_kind k)
{
	switch (k) {
	case PREFSRC_BUILTIN:
	case PREFSRC_DEFAULTS:
		return "default";
	case PREFSRC_AUTOCONFIG:
		return "autoconfig";
	case PREFSRC_PREFS_JS:
		return "prefs.js";
	case PREFSRC_USER_JS:
		return "user.js";
	case PREFSRC_POLICY:
		return "policy";
	}
	return "unknown";
}

const char *
prefsrc_op_name(enum prefsrc_op op)
{
	switch (op) {
	case PREFSRC_OP_DEFAULT:
		return "default";
	case PREFSRC_OP_LOCK:
		return "lock";
	case PREFSRC_OP_UNLOCK:
		return "unlock";
	case PREFSRC_OP_USER:
		return "user";
	case PREFSRC_OP_CLEAR:
		return "clear";
	}
	return "unknown";
}

const char *
prefsrc_type_name(enum prefs_type t)
{
	switch (t) {
	case PREFS_TYPE_BOOL:
		return "bool";
	case PREFS_TYPE_INT:
		return "int";
	case PREFS_TYPE_STRING:
		return "string";
	}
	return "unknown";
}
