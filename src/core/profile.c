/* SPDX-License-Identifier: MPL-2.0 */
/* profile.c: profiles.ini, installs.ini and compatibility.ini, where profiles live, store format. */
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#ifndef _WIN32
#include <pwd.h>
#endif
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileio.h"
#include "ini-file.h"
#include "profile-internal.h"
#include "strbuf.h"
#include "banned.h"

/* A file with more sections or keys than this is not a profiles.ini; it also bounds the quadratic lookups. */

static const char *const app_names[APP_COUNT] = { "firefox", "thunderbird", "seamonkey" };

const char *
app_name(enum app_id app)
{
	if ((unsigned)app >= APP_COUNT)
		return "unknown";
	return app_names[app];
}

int
app_from_name(const char *s, enum app_id *out)
{
	for (unsigned i = 0; s && i < APP_COUNT; i++) {
		if (strcasecmp(s, app_names[i]) == 0) {
			*out = (enum app_id)i;
			return 0;
		}
	}
	return MC_EUSAGE;
}

const char *
store_format_name(enum store_format f)
{
	switch (f) {
	case STORE_CERT9:
		return "cert9";
	case STORE_CERT8:
		return "cert8";
	case STORE_BOTH:
		return "both";
	case STORE_NONE:
	default:
		return "none";
	}
}

/* ------------------------------------------------------------------ */
/* lists */

void
profile_release(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->path);
	free(p->root);
	free(p->variant);
	free(p->user);
	memset(p, 0, sizeof(*p));
}

void
profile_copy(struct profile *dst, const struct profile *src)
{
	dst->app = src->app;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->path = src->path ? xstrdup(src->path) : NULL;
	dst->root = src->root ? xstrdup(src->root) : NULL;
	dst->variant = src->variant ? xstrdup(src->variant) : NULL;
	dst->is_default = src->is_default;
	dst->user = src->user ? xstrdup(src->user) : NULL;
}

void
profile_list_release(struct profile_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		profile_release(&l->v[i]);
	free(l->v);
	free(l->warnings);
	memset(l, 0, sizeof(*l));
}

void
profile_root_list_release(struct profile_root_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].dir);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct profile *
list_push(struct profile_list *l)
{
	struct profile *p;

	l->v = xgrow(l->v, l->n, sizeof(*l->v));
	p = &l->v[l->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void
list_warn(struct profile_list *l, int code, const char *fmt, ...) _printf_(3, 4);

static void
list_warn(struct profile_list *l, int code, const char *fmt, ...)
{
	struct mc_error *w;
	va_list ap;

	l->warnings = xgrow(l->warnings, l->nwarnings, sizeof(*l->warnings));
	w = &l->warnings[l->nwarnings++];
	memset(w, 0, sizeof(*w));
	w->code = code;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
}

static void
list_add_warning(struct profile_list *l, const struct mc_error *e)
{
	l->warnings = xgrow(l->warnings, l->nwarnings, sizeof(*l->warnings));
	l->warnings[l->nwarnings++] = *e;
}

/* ------------------------------------------------------------------ */
/* paths */

/* strbuf_detach leaves a fresh buffer behind; this one leaves nothing. */
static char *
detach(struct strbuf *sb)
{
	char *s = strbuf_detach(sb, NULL);

	strbuf_release(sb);
	return s;
}

/*
 * Lexical normalisation: collapse "//" and "/./", resolve ".." against the
 * previous component (as SetRelativeDescriptor does), drop a trailing slash.
 */
static char *
path_normalize(const char *p)
{
	struct strbuf sb;
	bool abs = p[0] == '/';

	strbuf_init(&sb);
	while (*p) {
		const char *s = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			char *slash = strrchr(sb.buf, '/');

			if (slash) {
				sb.len = (size_t)(slash - sb.buf);
				sb.buf[sb.len] = '\0';
			} else if (!abs) {
				/* a relative path keeps leading ".." */
				if (sb.len)
					strbuf_reset(&sb);
				else
					strbuf_addstr(&sb, "..");
			}
			continue;
		}
		if (abs || sb.len)
			strbuf_addch(&sb, '/');
		strbuf_add(&sb, s, n);
	}
	if (sb.len == 0)
		strbuf_addstr(&sb, abs ? "/" : ".");
	return detach(&sb);
}

/* The profile directory of a [ProfileN] section; NULL when Firefox could not use the Path=. */
static char *
profile_dir_of(const char *root, const char *is_relative, const char *path)
{
	_autofree_ char *joined = NULL;

	if (!*path)
		return NULL;
	if (streq(is_relative, "1")) {
		joined = xasprintf("%s/%s", root, path);
		return path_normalize(joined);
	}
	if (path[0] != '/')
		return NULL;
	return path_normalize(path);
}

/* True when the normalised path dir is root itself or lies under it (both as profile_dir_of makes them). */
static bool
path_is_under(const char *dir, const char *root)
{
	_autofree_ char *r = path_normalize(root);
	size_t n = strlen(r);

	if (streq(r, "/"))
		return true;
	return strncmp(dir, r, n) == 0 && (dir[n] == '/' || dir[n] == '\0');
}

static bool
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ------------------------------------------------------------------ */
/* profiles.ini */

/* Index of the profile whose directory an [Install*] Default= names, or -1. */
static long
install_match(const struct profile_list *l, size_t first, const char *root, const char *def)
{
	_autofree_ char *full = NULL;

	if (!def || !*def)
		return -1;
	if (def[0] == '/') {
		full = path_normalize(def);
	} else {
		_autofree_ char *joined = xasprintf("%s/%s", root, def);

		full = path_normalize(joined);
	}
	for (size_t i = first; i < l->n; i++)
		if (streq(l->v[i].path, full))
			return (long)i;
	return -1;
}

static long
install_default(const struct ini_doc *doc, bool prefixed, const struct profile_list *l,
		size_t first, const char *root)
{
	for (size_t i = 0; i < doc->n; i++) {
		const struct ini_section *s = &doc->s[i];
		long m;

		if (prefixed && (!strstartswith(s->name, "Install") || !s->name[7]))
			continue;
		m = install_match(l, first, root, ini_get(s, "Default"));
		if (m >= 0)
			return m;
	}
	return -1;
}

static bool
is_profile_section(const char *name, unsigned long *num)
{
	const char *d = name + 7;
	char *end;

	if (!strstartswith(name, "Profile") || !isdigit((unsigned char)*d))
		return false;
	*num = strtoul(d, &end, 10);
	return *end == '\0';
}

/* Line number of the first line nsINIParser does not skip (blank, or '#'/';' first), 0 when none. */
static int
first_content_line(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int line = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *e = p, *s = p;

		while (e < end && *e != '\n' && *e != '\r')
			e++;
		line++;
		if (s < e && *s != '#' && *s != ';') {
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			if (s < e)
				return line;
		}
		p = e < end && *e == '\r' && e + 1 < end && e[1] == '\n' ? e + 2 : e < end ? e + 1 : e;
	}
	return 0;
}

/*
 * Whether doc can be a profiles.ini at all. nsINIParser accepts any text (it
 * skips every line before a well-formed [section]), and Firefox, finding no
 * profile in a file it cannot use, starts a new one: the user's profiles
 * seem lost. So a file that nsINIParser reads as no section at all (empty,
 * only comments, text or binary junk, only malformed headers) or whose
 * sections are none a profiles.ini has is an error naming the file and the
 * first line that is not blank or a comment. A usable file with odd lines
 * is not: those lines are ignored as the application ignores them.
 */
static int
check_profiles_ini(const struct ini_doc *doc, const char *buf, size_t len, const char *file, struct mc_error *err)
{
	int line = first_content_line(buf, len);

	for (size_t i = 0; i < doc->n; i++) {
		const char *n = doc->s[i].name;
		unsigned long num;

		if (streq(n, "General") || streq(n, "BackgroundTasksProfiles") || is_profile_section(n, &num) ||
		    (strstartswith(n, "Install") && n[7]))
			return 0;
	}
	if (line == 0)
		return mc_error_set(err, MC_EINPUT, "%s:1: not a profiles.ini: the file is %s", file,
				    len ? "only blank lines and comments" : "empty");
	if (doc->n == 0)
		return mc_error_set(err, MC_EINPUT, "%s:%d: not a profiles.ini: no [section] header (the application "
				    "ignores every line before one, finds no profile and creates a new one)", file, line);
	return mc_error_set(err, MC_EINPUT, "%s:%d: not a profiles.ini: no [General], [ProfileN] or [Install...] "
			    "section (the first section is [%s])", file, doc->s[0].line, doc->s[0].name);
}

/* Append the profiles of one profiles.ini to res (whose first entries may belong to other roots). */
static int
parse_into(const char *buf, size_t len, const char *installs, size_t installs_len,
	   const char *root_in, enum app_id app, const char *variant,
	   struct profile_list *res, struct mc_error *err)
{
	_cleanup_(ini_doc_release) struct ini_doc doc = { 0 };
	_cleanup_(ini_doc_release) struct ini_doc idoc = { 0 };
	_autofree_ char *root = path_normalize(root_in);
	_autofree_ char *file = path_join(root, "profiles.ini");
	const struct ini_section *general;
	size_t first = res->n;
	unsigned long c;
	long legacy_default = -1, def = -1;
	bool has_installs = false, stopped = false;
	int ret;

	ret = ini_doc_parse(buf, len, file, &doc, err);
	if (ret)
		return ret;
	ret = check_profiles_ini(&doc, buf, len, file, err);
	if (ret)
		return ret;
	if (installs) {
		_autofree_ char *ifile = path_join(root, "installs.ini");
		struct mc_error ierr = { 0 };

		if (ini_doc_parse(installs, installs_len, ifile, &idoc, &ierr))
			list_add_warning(res, &ierr);
	}

	for (c = 0;; c++) {
		char sect[32];
		const struct ini_section *s;
		const char *is_rel, *path, *name;
		struct profile *p;
		char *dir;

		snprintf(sect, sizeof(sect), "Profile%lu", c);
		s = ini_find(&doc, sect);
		if (!s)
			break;
		is_rel = ini_get(s, "IsRelative");
		if (!is_rel) {
			list_warn(res, MC_EINPUT, "%s:%d: [%s] has no IsRelative=: the application stops reading profiles there",
				  file, s->line, sect);
			stopped = true;
			break;
		}
		path = ini_get(s, "Path");
		name = ini_get(s, "Name");
		if (!path || !name) {
			list_warn(res, MC_EINPUT, "%s:%d: [%s] has no %s=: skipped", file, s->line, sect,
				  path ? "Name" : "Path");
			continue;
		}
		dir = profile_dir_of(root, is_rel, path);
		if (!dir) {
			list_warn(res, MC_EINPUT, "%s:%d: [%s] Path='%s' is not usable%s: skipped", file, s->line,
				  sect, path, *path ? " (IsRelative is not 1 and the path is not absolute)" : "");
			continue;
		}
		/*
		 * A relative Path= that climbs out of the directory holding profiles.ini is not followed: run as
		 * root on another user's home, it could name any directory. Name it with -p DIR to act on it.
		 */
		if (streq(is_rel, "1") && !path_is_under(dir, root)) {
			list_warn(res, MC_EINPUT, "%s:%d: [%s] Path='%s' leaves the directory of profiles.ini: skipped "
				  "(name it with -p DIR to act on it)", file, s->line, sect, path);
			free(dir);
			continue;
		}
		p = list_push(res);
		p->app = app;
		p->name = xstrdup(name);
		p->path = dir;
		p->root = xstrdup(root);
		p->variant = xstrdup(variant);
		if (streq(ini_get(s, "Default"), "1"))
			legacy_default = (long)(res->n - 1);
	}

	/* Sections the application never reads: a gap in the numbering, or "Profile01". */
	for (size_t i = 0; i < doc.n; i++) {
		unsigned long num;
		char canon[32];

		if (!is_profile_section(doc.s[i].name, &num))
			continue;
		snprintf(canon, sizeof(canon), "Profile%lu", num);
		if ((stopped && num == c) || (num < c && streq(canon, doc.s[i].name)))
			continue;
		{
			list_warn(res, MC_EINPUT, "%s:%d: [%s] is ignored: profile sections must be numbered from Profile0 without gaps",
				  file, doc.s[i].line, doc.s[i].name);
			break;
		}
	}

	general = ini_find(&doc, "General");
	for (size_t i = 0; i < doc.n; i++)
		if (strstartswith(doc.s[i].name, "Install") && doc.s[i].name[7])
			has_installs = true;
	/* Snap builds and SeaMonkey do not use dedicated (per-install) profiles. */
	if (app != APP_SEAMONKEY && !streq(variant, "snap")) {
		if (!ini_get(general, "Version")) {
			/* A version-1 file: Firefox imports installs.ini, whose sections win. */
			def = install_default(&idoc, false, res, first, root);
			if (def < 0)
				def = install_default(&doc, true, res, first, root);
		} else if (has_installs) {
			def = install_default(&doc, true, res, first, root);
		} else {
			def = install_default(&idoc, false, res, first, root);
		}
	}
	if (def < 0)
		def = legacy_default;
	/*
	 * No default and a single profile: the application starts that one.
	 * nsAppRunner's SelectProfile (up to Firefox 66, and SeaMonkey, whose
	 * 2.53 platform predates 67) takes GetSelectedProfile, which "will
	 * auto-select the only profile if there's just one"; Thunderbird/Firefox
	 * 67+ do the same through the default they claim for the install.
	 */
	if (def < 0 && res->n - first == 1)
		def = (long)first;
	if (def >= 0)
		res->v[def].is_default = true;
	return 0;
}

int
profiles_ini_parse(const char *buf, size_t len, const char *installs, size_t installs_len,
		   const char *root, enum app_id app, const char *variant,
		   struct profile_list *out, struct mc_error *err)
{
	_cleanup_(profile_list_release) struct profile_list res = { 0 };
	int ret;

	if ((unsigned)app >= APP_COUNT)
		return mc_error_set(err, MC_EUSAGE, "unknown application %d", (int)app);
	ret = parse_into(buf, len, installs, installs_len, root, app, variant ? variant : "dir", &res, err);
	if (ret)
		return ret;
	*out = res;
	memset(&res, 0, sizeof(res));
	return 0;
}

/* ------------------------------------------------------------------ */
/* locations */

enum root_base { BASE_HOME, BASE_XDG, BASE_APPDATA };

struct root_spec {
	enum app_id app;
	enum root_base base;
	const char *rel;
	const char *variant;
};

static const struct root_spec root_specs[] = {
#if defined(_WIN32)
	{ APP_FIREFOX, BASE_APPDATA, "Mozilla\\Firefox", "native" },
	{ APP_THUNDERBIRD, BASE_APPDATA, "Thunderbird", "native" },
	{ APP_SEAMONKEY, BASE_APPDATA, "Mozilla\\SeaMonkey", "native" },
#elif defined(__APPLE__)
	{ APP_FIREFOX, BASE_HOME, "Library/Application Support/Firefox", "native" },
	{ APP_THUNDERBIRD, BASE_HOME, "Library/Thunderbird", "native" },
	{ APP_SEAMONKEY, BASE_HOME, "Library/Application Support/SeaMonkey", "native" },
#else
	{ APP_FIREFOX, BASE_HOME, ".mozilla/firefox", "native" },
	{ APP_FIREFOX, BASE_XDG, "mozilla/firefox", "xdg" },
	{ APP_FIREFOX, BASE_HOME, "snap/firefox/common/.mozilla/firefox", "snap" },
	{ APP_FIREFOX, BASE_HOME, ".var/app/org.mozilla.firefox/.mozilla/firefox", "flatpak" },
	/* Firefox 147+ in the sandbox follows XDG_CONFIG_HOME, which flatpak points here. */
	{ APP_FIREFOX, BASE_HOME, ".var/app/org.mozilla.firefox/config/mozilla/firefox", "flatpak" },
	{ APP_THUNDERBIRD, BASE_HOME, ".thunderbird", "native" },
	{ APP_THUNDERBIRD, BASE_HOME, "snap/thunderbird/common/.thunderbird", "snap" },
	{ APP_THUNDERBIRD, BASE_HOME, ".var/app/org.mozilla.Thunderbird/.thunderbird", "flatpak" },
	{ APP_THUNDERBIRD, BASE_HOME, ".var/app/net.thunderbird.Thunderbird/.thunderbird", "flatpak" },
	{ APP_SEAMONKEY, BASE_HOME, ".mozilla/seamonkey", "native" },
#endif
};

static char *
home_dir(void)
{
#if defined(_WIN32)
	const char *h = getenv("USERPROFILE");

	return h && *h ? xstrdup(h) : NULL;
#else
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h)
		return xstrdup(h);
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && *pw->pw_dir)
		return xstrdup(pw->pw_dir);
	return NULL;
#endif
}

int
profile_roots(enum app_id app, struct profile_root_list *out, struct mc_error *err)
{
	_autofree_ char *home = NULL;
	_autofree_ char *xdg = NULL;
	struct profile_root_list res = { 0 };

	if ((unsigned)app >= APP_COUNT)
		return mc_error_set(err, MC_EUSAGE, "unknown application %d", (int)app);
#if defined(_WIN32)
	home = getenv("APPDATA") ? xstrdup(getenv("APPDATA")) : NULL;
	if (!home)
		return mc_error_set(err, MC_EFAIL, "cannot find the application data directory (APPDATA is not set)");
#else
	home = home_dir();
	if (!home)
		return mc_error_set(err, MC_EFAIL, "cannot find the home directory (HOME is not set)");
	{
		const char *x = getenv("XDG_CONFIG_HOME");

		/* The XDG base directory spec says a relative value is to be ignored. */
		xdg = x && x[0] == '/' ? xstrdup(x) : path_join(home, ".config");
	}
#endif
	for (size_t i = 0; i < ARRAY_SIZE(root_specs); i++) {
		const struct root_spec *rs = &root_specs[i];
		struct profile_root *r;
		_autofree_ char *joined = NULL;
		_autofree_ char *ini = NULL;

		if (rs->app != app)
			continue;
		joined = xasprintf("%s/%s", rs->base == BASE_XDG ? xdg : home, rs->rel);
		res.v = xgrow(res.v, res.n, sizeof(*res.v));
		r = &res.v[res.n++];
		r->app = app;
		r->dir = path_normalize(joined);
		r->variant = rs->variant;
		ini = path_join(r->dir, "profiles.ini");
		r->exists = fileio_is_regular(ini);
	}
	*out = res;
	return 0;
}

/* ------------------------------------------------------------------ */
/* discovery */

/*
 * Read one root into res; problems become warnings. A profiles.ini that cannot be read or is not
 * a profiles.ini is also returned in err (its profiles are unknown).
 */
static int
read_root(const struct profile_root *r, struct profile_list *res, struct mc_error *err)
{
	_autofree_ char *ini = path_join(r->dir, "profiles.ini");
	_autofree_ char *inst = path_join(r->dir, "installs.ini");
	_autofree_ char *buf = NULL;
	_autofree_ char *ibuf = NULL;
	size_t len = 0, ilen = 0;
	struct mc_error e = { 0 };

	if (fileio_read(ini, PROFILE_INI_MAX, &buf, &len, &e)) {
		list_add_warning(res, &e);
		if (err && !err->code)
			*err = e;
		return e.code;
	}
	if (fileio_is_regular(inst)) {
		mc_error_clear(&e);
		if (fileio_read(inst, PROFILE_INI_MAX, &ibuf, &ilen, &e))
			list_add_warning(res, &e);
	}
	mc_error_clear(&e);
	if (parse_into(buf, len, ibuf, ilen, r->dir, r->app, r->variant, res, &e)) {
		list_add_warning(res, &e);
		if (err && !err->code)
			*err = e;
		return e.code;
	}
	return 0;
}

int
profile_discover(int app, struct profile_list *out, struct mc_error *err)
{
	_cleanup_(profile_list_release) struct profile_list res = { 0 };
	struct stat seen[ARRAY_SIZE(root_specs)];
	size_t nseen = 0;
	int broken = 0;

	if (app >= APP_COUNT)
		return mc_error_set(err, MC_EUSAGE, "unknown application %d", app);
	for (int a = 0; a < APP_COUNT; a++) {
		_cleanup_(profile_root_list_release) struct profile_root_list roots = { 0 };
		int ret;

		if (app >= 0 && a != app)
			continue;
		ret = profile_roots((enum app_id)a, &roots, err);
		if (ret)
			return ret;
		for (size_t i = 0; i < roots.n; i++) {
			_autofree_ char *ini = path_join(roots.v[i].dir, "profiles.ini");
			struct stat st;
			bool dup = false;

			if (!roots.v[i].exists || stat(ini, &st) < 0)
				continue;
			for (size_t j = 0; j < nseen; j++)
				if (seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino)
					dup = true;
			if (dup)
				continue;
			if (nseen < ARRAY_SIZE(seen))
				seen[nseen++] = st;
			ret = read_root(&roots.v[i], &res, err);
			if (ret && !broken)
				broken = ret;
		}
	}
	*out = res;
	memset(&res, 0, sizeof(res));
	return broken;
}

/* ------------------------------------------------------------------ */
/* -p NAME|DIR and the default profile */

/* Which application a directory that no profiles.ini lists belongs to. */
static enum app_id
guess_app(const char *dir)
{
	_autofree_ char *parent = xstrdup(dir);
	_autofree_ char *compat_file = path_join(dir, "compatibility.ini");
	const char *buf;
	char *slash = strrchr(parent, '/');
	size_t len;

	if (slash && slash != parent)
		*slash = '\0';
	for (int a = 0; a < APP_COUNT; a++) {
		_cleanup_(profile_root_list_release) struct profile_root_list roots = { 0 };

		if (profile_roots((enum app_id)a, &roots, NULL))
			continue;
		for (size_t i = 0; i < roots.n; i++)
			if (same_file(roots.v[i].dir, parent))
				return (enum app_id)a;
	}
	if ((buf = profile_compat_get(dir, &len))) {
		_cleanup_(ini_doc_release) struct ini_doc doc = { 0 };

		if (ini_doc_parse(buf, len, compat_file, &doc, NULL) == 0) {
			const struct ini_section *s = ini_find(&doc, "Compatibility");
			const char *keys[] = { "LastAppDir", "LastPlatformDir" };

			for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
				const char *v = ini_get(s, keys[k]);

				if (v && strcasestr(v, "thunderbird"))
					return APP_THUNDERBIRD;
				if (v && strcasestr(v, "seamonkey"))
					return APP_SEAMONKEY;
			}
		}
	}
	return APP_FIREFOX;
}

static int
resolve_dir(const char *arg, int app, struct profile *out, struct mc_error *err)
{
	_cleanup_(profile_list_release) struct profile_list l = { 0 };
	_autofree_ char *real = realpath(arg, NULL);
	struct stat st;
	const char *base;

	if (!real)
		return mc_error_sys(err, "cannot resolve '%s'", arg);
	if (stat(real, &st) < 0)
		return mc_error_sys(err, "cannot stat '%s'", real);
	/*
	 * Without a usable home directory the directory is simply not listed anywhere; a broken
	 * profiles.ini does not list it either, the others still may.
	 */
	(void)profile_discover(app, &l, NULL);
	for (size_t i = 0; i < l.n; i++) {
		struct stat ps;

		if (stat(l.v[i].path, &ps) == 0 && ps.st_dev == st.st_dev && ps.st_ino == st.st_ino) {
			profile_copy(out, &l.v[i]);
			return 0;
		}
	}
	base = strrchr(real, '/');
	base = base && base[1] ? base + 1 : real;
	memset(out, 0, sizeof(*out));
	out->app = app >= 0 ? (enum app_id)app : guess_app(real);
	out->name = xstrdup(base);
	out->path = steal(&real);
	out->root = NULL;
	out->variant = xstrdup("dir");
	out->is_default = false;
	return 0;
}

/* "~/A, ~/B": the roots of app (or all) whose profiles.ini exists, or NULL when none. */
static char *
searched_roots(int app)
{
	_autofree_ char *home = home_dir();
	size_t hlen = home ? strlen(home) : 0;
	struct strbuf sb;

	strbuf_init(&sb);
	for (int a = 0; a < APP_COUNT; a++) {
		_cleanup_(profile_root_list_release) struct profile_root_list roots = { 0 };

		if ((app >= 0 && a != app) || profile_roots((enum app_id)a, &roots, NULL))
			continue;
		for (size_t i = 0; i < roots.n; i++) {
			const char *d = roots.v[i].dir;

			if (!roots.v[i].exists)
				continue;
			strbuf_addstr(&sb, sb.len ? ", " : "");
			/* Keep the one-line message short: the home directory is "~". */
			if (hlen > 1 && strncmp(d, home, hlen) == 0 && d[hlen] == '/')
				strbuf_addf(&sb, "~%s", d + hlen);
			else
				strbuf_addstr(&sb, d);
		}
	}
	if (sb.len == 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return detach(&sb);
}

static int
resolve_name(const char *name, int app, struct profile *out, struct mc_error *err)
{
	_cleanup_(profile_list_release) struct profile_list l = { 0 };
	_autofree_ char *searched = NULL;
	const struct profile *match = NULL;
	size_t nmatch = 0;
	struct mc_error broken = { 0 };
	struct strbuf sb;
	int ret;

	/* A broken profiles.ini is reported when the name is not found in the others. */
	ret = profile_discover(app, &l, &broken);
	if (ret && l.n == 0)
		return mc_error_set(err, ret, "%s", broken.msg);
	for (size_t i = 0; i < l.n; i++) {
		bool earlier = false;

		if (!streq(l.v[i].name, name))
			continue;
		/* Within one profiles.ini the first profile of a name is the one the application takes. */
		for (size_t j = 0; j < i; j++)
			if (streq(l.v[j].name, name) && streq(l.v[j].root, l.v[i].root))
				earlier = true;
		if (earlier)
			continue;
		if (!match)
			match = &l.v[i];
		nmatch++;
	}
	if (nmatch == 1) {
		profile_copy(out, match);
		return 0;
	}
	if (ret)
		return mc_error_set(err, broken.code, "%s", broken.msg);
	if (nmatch > 1) {
		strbuf_init(&sb);
		for (size_t i = 0; i < l.n; i++)
			if (streq(l.v[i].name, name))
				strbuf_addf(&sb, "%s%s (%s, %s)", sb.len ? ", " : "", l.v[i].path,
					    app_name(l.v[i].app), l.v[i].variant);
		ret = mc_error_set(err, MC_EUSAGE, "profile name '%s' is ambiguous: %s; use --app or -p DIR",
				   name, sb.buf);
		strbuf_release(&sb);
		return ret;
	}
	searched = searched_roots(app);
	if (searched)
		return mc_error_set(err, MC_ENOENT, "no profile directory or profile named '%s' (searched the profiles.ini in %s)",
				    name, searched);
	return mc_error_set(err, MC_ENOENT, "no profile directory or profile named '%s': no profiles.ini of %s found",
			    name, app >= 0 ? app_name((enum app_id)app) : "firefox, thunderbird or seamonkey");
}

int
profile_resolve(const char *name_or_dir, int app, struct profile *out, struct mc_error *err)
{
	struct stat st;

	if (app >= APP_COUNT)
		return mc_error_set(err, MC_EUSAGE, "unknown application %d", app);
	if (!name_or_dir || !*name_or_dir)
		return mc_error_set(err, MC_EUSAGE, "empty profile name");
	if (stat(name_or_dir, &st) == 0 && S_ISDIR(st.st_mode))
		return resolve_dir(name_or_dir, app, out, err);
	return resolve_name(name_or_dir, app, out, err);
}

int
profile_default(int app, struct profile *out, struct mc_error *err)
{
	_autofree_ char *searched = NULL;

	if (app >= APP_COUNT)
		return mc_error_set(err, MC_EUSAGE, "unknown application %d", app);
	for (int a = 0; a < APP_COUNT; a++) {
		_cleanup_(profile_list_release) struct profile_list l = { 0 };
		int ret;

		if (app >= 0 && a != app)
			continue;
		ret = profile_discover(a, &l, err);
		if (ret)
			return ret;
		for (size_t i = 0; i < l.n; i++) {
			if (l.v[i].is_default) {
				profile_copy(out, &l.v[i]);
				return 0;
			}
		}
	}
	searched = searched_roots(app);
	if (searched)
		return mc_error_set(err, MC_ENOENT, "no default profile of %s (searched the profiles.ini in %s); use -p NAME|DIR",
				    app >= 0 ? app_name((enum app_id)app) : "any application", searched);
	return mc_error_set(err, MC_ENOENT, "no profiles.ini of %s found; use -p NAME|DIR",
			    app >= 0 ? app_name((enum app_id)app) : "firefox, thunderbird or seamonkey");
}

/* ------------------------------------------------------------------ */
/* store and version */

static bool
has_file(const char *dir, const char *name)
{
	_autofree_ char *p = path_join(dir, name);

	return fileio_is_regular(p);
}

enum store_format
profile_store_format(const char *dir)
{
	bool sql = has_file(dir, "cert9.db");
	bool legacy = has_file(dir, "cert8.db") || has_file(dir, "cert7.db");

	if (sql && legacy)
		return STORE_BOTH;
	if (sql)
		return STORE_CERT9;
	if (legacy)
		return STORE_CERT8;
	return STORE_NONE;
}
