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
#include <ini.h>

#include "fileio.h"
#include "strbuf.h"
#include "banned.h"

/* A file with more sections or keys than this is not a profiles.ini; it also bounds the quadratic lookups. */
#define INI_MAX_SECTIONS 10000
#define INI_MAX_KEYS 256

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

/*
 * Room for element n of an array that only ever grows by one: the capacity
 * is the next power of two, so pushes cost amortised O(1).
 */
static void *
grow(void *v, size_t n, size_t size)
{
	if (n == 0)
		return xreallocarray(v, 4, size);
	if (n >= 4 && (n & (n - 1)) == 0)
		return xreallocarray(v, n * 2, size);
	return v;
}

static struct profile *
list_push(struct profile_list *l)
{
	struct profile *p;

	l->v = grow(l->v, l->n, sizeof(*l->v));
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

	l->warnings = grow(l->warnings, l->nwarnings, sizeof(*l->warnings));
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
	l->warnings = grow(l->warnings, l->nwarnings, sizeof(*l->warnings));
	l->warnings[l->nwarnings++] = *e;
}

/* ------------------------------------------------------------------ */
/* INI documents, read as Mozilla's nsINIParser reads them */

struct ini_entry {
	char *key;
	char *value;
	int line;
};

struct ini_section {
	char *name;
	size_t name_len;
	int line;
	struct ini_entry *e;
	size_t n;
};

struct ini_doc {
	struct ini_section *s;
	size_t n;
};

static void
ini_doc_release(struct ini_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		struct ini_section *s = &doc->s[i];

		for (size_t j = 0; j < s->n; j++) {
			free(s->e[j].key);
			free(s->e[j].value);
		}
		free(s->e);
		free(s->name);
	}
	free(doc->s);
	memset(doc, 0, sizeof(*doc));
}

static const struct ini_section *
ini_find(const struct ini_doc *doc, const char *name)
{
	for (size_t i = 0; i < doc->n; i++)
		if (streq(doc->s[i].name, name))
			return &doc->s[i];
	return NULL;
}

static const char *
ini_get(const struct ini_section *s, const char *key)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->e[i].key, key))
			return s->e[i].value;
	return NULL;
}

/*
 * inih is fed through a reader that hands it one normalised line at a time.
 * Mozilla's reader differs from inih's defaults: lines end at CR or LF, a
 * comment is '#' or ';' in the first column only, there is no continuation
 * line, no inline comment, no line length limit, and neither key nor value
 * is trimmed ("Name = x" is the key "Name "). So the reader splits each line
 * as nsINIParser::InitFromString does, keeps the exact key and value, and
 * gives inih only a short stand-in line ("[s]" or "k=v") that inih's
 * options cannot alter; the handler then stores the exact text. Lines that
 * Mozilla ignores never reach inih.
 */
struct ini_reader {
	const char *p, *end;
	int line;              /* number of the line last handed to inih */
	struct ini_doc *doc;
	long cur;              /* index of the current section, -1 when none or malformed */
	const char *key, *val; /* the pending key=value, exact */
	size_t key_len, val_len;
	bool pending;
	int fail;              /* MC_EINPUT when a limit was hit */
	int fail_line;
};

static long
ini_section_open(struct ini_reader *r, const char *name, size_t len)
{
	struct ini_doc *doc = r->doc;
	struct ini_section *s;

	for (size_t i = 0; i < doc->n; i++)
		if (doc->s[i].name_len == len && memcmp(doc->s[i].name, name, len) == 0)
			return (long)i;
	if (doc->n >= INI_MAX_SECTIONS)
		return -2;
	doc->s = grow(doc->s, doc->n, sizeof(*doc->s));
	s = &doc->s[doc->n];
	memset(s, 0, sizeof(*s));
	s->name = xstrndup(name, len);
	s->name_len = len;
	s->line = r->line;
	return (long)doc->n++;
}

/* Length of the prefix of s[0..n) made of characters in set. */
static size_t
strspn_n(const char *s, size_t n, const char *set)
{
	size_t i = 0;

	while (i < n && s[i] && strchr(set, s[i]))
		i++;
	return i;
}

static char *
ini_read_line(char *str, int num, void *stream)
{
	struct ini_reader *r = stream;

	r->pending = false;
	while (r->p < r->end && !r->fail) {
		const char *s = r->p, *e = s;

		while (e < r->end && *e != '\n' && *e != '\r')
			e++;
		r->line++;
		if (e < r->end && *e == '\r' && e + 1 < r->end && e[1] == '\n')
			r->p = e + 2;
		else if (e < r->end)
			r->p = e + 1;
		else
			r->p = e;

		if (s == e || *s == '#' || *s == ';')
			continue;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s == e)
			continue;

		if (*s == '[') {
			/* As NS_strtok: skip leading ']', name up to the next ']' (or the end), then only blanks. */
			const char *name = s + 1, *q = name, *rb;

			while (q < e && *q == ']')
				q++;
			r->cur = -1;
			if (q == e)
				continue;
			rb = memchr(q, ']', (size_t)(e - q));
			if (!rb)
				rb = e;
			else if (rb + 1 + strspn_n(rb + 1, (size_t)(e - rb - 1), " \t") != e)
				continue;
			r->cur = ini_section_open(r, name, (size_t)(rb - name));
			if (r->cur == -2) {
				r->fail = MC_EINPUT;
				r->fail_line = r->line;
				return NULL;
			}
			if (num < 5)
				return NULL;
			memcpy(str, "[s]\n", 5);
			return str;
		}

		if (r->cur < 0)
			continue;
		{
			const char *q = s, *eq;

			while (q < e && *q == '=')
				q++;
			if (q == e)
				continue;
			eq = memchr(q, '=', (size_t)(e - q));
			if (!eq)
				continue;
			r->key = s;
			r->key_len = (size_t)(eq - s);
			r->val = eq + 1;
			r->val_len = (size_t)(e - eq - 1);
			r->pending = true;
			if (num < 5)
				return NULL;
			memcpy(str, "k=v\n", 5);
			return str;
		}
	}
	return NULL;
}

static int
ini_on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct ini_reader *r = user;
	struct ini_section *s;

	if (!name || !r->pending || r->cur < 0)
		return 1;
	r->pending = false;
	s = &r->doc->s[r->cur];
	/* A repeated key replaces the earlier value, as nsINIParser::SetString does. */
	for (size_t i = 0; i < s->n; i++) {
		if (strlen(s->e[i].key) == r->key_len && memcmp(s->e[i].key, r->key, r->key_len) == 0) {
			free(s->e[i].value);
			s->e[i].value = xstrndup(r->val, r->val_len);
			s->e[i].line = r->line;
			return 1;
		}
	}
	if (s->n >= INI_MAX_KEYS) {
		r->fail = MC_EINPUT;
		r->fail_line = r->line;
		return 0;
	}
	s->e = grow(s->e, s->n, sizeof(*s->e));
	s->e[s->n].key = xstrndup(r->key, r->key_len);
	s->e[s->n].value = xstrndup(r->val, r->val_len);
	s->e[s->n].line = r->line;
	s->n++;
	return 1;
}

static int
line_of(const char *buf, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 >= off || buf[i + 1] != '\n')))
			line++;
	return line;
}

/* Parse buf into *out (initialised here). file is only for messages. On failure *out is empty. */
static int
ini_doc_parse(const char *buf, size_t len, const char *file, struct ini_doc *out, struct mc_error *err)
{
	struct ini_reader r = { 0 };
	const char *nul;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len >= 2 && (((unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) ||
			 ((unsigned char)buf[0] == 0xfe && (unsigned char)buf[1] == 0xff)))
		return mc_error_set(err, MC_EINPUT, "%s:1: UTF-16 text is not supported", file);
	nul = memchr(buf, '\0', len);
	if (nul)
		return mc_error_set(err, MC_EINPUT, "%s:%d: binary data (NUL byte), not an INI file",
				    file, line_of(buf, (size_t)(nul - buf)));
	r.p = buf;
	r.end = buf + len;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		r.p += 3;
	r.doc = out;
	r.cur = -1;
	ret = ini_parse_stream(ini_read_line, &r, ini_on_pair, &r);
	if (r.fail) {
		ini_doc_release(out);
		return mc_error_set(err, MC_EINPUT, "%s:%d: too many sections or keys (at most %d and %d)",
				    file, r.fail_line, INI_MAX_SECTIONS, INI_MAX_KEYS);
	}
	if (ret != 0) {
		/* Every line inih sees is well-formed; this is a library failure (-2: out of memory). */
		ini_doc_release(out);
		return mc_error_set(err, MC_EINPUT, "%s: cannot parse (inih error %d)", file, ret);
	}
	return 0;
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

static bool
is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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
		res.v = grow(res.v, res.n, sizeof(*res.v));
		r = &res.v[res.n++];
		r->app = app;
		r->dir = path_normalize(joined);
		r->variant = rs->variant;
		ini = path_join(r->dir, "profiles.ini");
		r->exists = is_regular(ini);
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
	if (is_regular(inst)) {
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

/*
 * compatibility.ini of one profile, read once per run: the version it names decides formats (the
 * override file's, prefs), so every reader sees the same bytes, and a read error is kept for
 * profile_compat_check instead of passing for a missing file.
 */
static struct {
	char *dir;
	char *buf;      /* NULL: absent, not a regular file, or unreadable */
	size_t len;
	int read_errno; /* why an existing file could not be read; 0 when it was or is absent */
	struct stat st; /* of the file read; a changed file is read again */
	bool exists;
} compat;

static const char *
compat_get(const char *dir, size_t *len)
{
	_autofree_ char *file = path_join(dir, "compatibility.ini");
	struct mc_error e = {0};
	struct stat st;
	bool found = stat(file, &st) == 0;
	/* Only a file that is not there is absent: one that cannot be looked at is an error. */
	int stat_errno = found || errno == ENOENT || errno == ENOTDIR ? 0 : errno;
	bool exists = found && S_ISREG(st.st_mode);

	if (!stat_errno && compat.dir && streq(compat.dir, dir) && exists == compat.exists &&
	    (!exists || (st.st_ino == compat.st.st_ino && st.st_dev == compat.st.st_dev &&
			 st.st_size == compat.st.st_size && st.st_mtim.tv_sec == compat.st.st_mtim.tv_sec &&
			 st.st_mtim.tv_nsec == compat.st.st_mtim.tv_nsec))) {
		*len = compat.len;
		return compat.buf;
	}
	free(compat.dir);
	free(compat.buf);
	memset(&compat, 0, sizeof(compat));
	compat.dir = xstrdup(dir);
	compat.exists = exists;
	compat.read_errno = stat_errno;
	if (exists)
		compat.st = st;
	if (exists && fileio_read(file, PROFILE_INI_MAX, &compat.buf, &compat.len, &e) < 0) {
		compat.buf = NULL;
		compat.len = 0;
		/* Without an errno the file was over the size limit. */
		compat.read_errno = e.sys_errno ? e.sys_errno : EFBIG;
	}
	*len = compat.len;
	return compat.buf;
}

int
profile_compat_check(const char *dir, struct mc_error *err)
{
	size_t len;

	(void)compat_get(dir, &len);
	if (compat.read_errno) {
		_autofree_ char *file = path_join(dir, "compatibility.ini");

		errno = compat.read_errno;
		return mc_error_sys(err, "cannot read '%s' (the application version decides file formats)", file);
	}
	return 0;
}

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
	if ((buf = compat_get(dir, &len))) {
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

	return is_regular(p);
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

char *
profile_compat_version(const char *buf, size_t len, const char *file)
{
	_cleanup_(ini_doc_release) struct ini_doc doc = { 0 };
	const char *v;
	size_t n;

	if (ini_doc_parse(buf, len, file, &doc, NULL))
		return NULL;
	v = ini_get(ini_find(&doc, "Compatibility"), "LastVersion");
	if (!v || !isdigit((unsigned char)v[0]))
		return NULL;
	/* VERSION_BUILDID/PLATFORMBUILDID; very old files have no build id. */
	n = strcspn(v, "_/");
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '-' && v[i] != '+')
			return NULL;
	return xstrndup(v, n);
}

char *
profile_app_version(const char *dir)
{
	_autofree_ char *file = path_join(dir, "compatibility.ini");
	const char *buf;
	size_t len;

	if (!(buf = compat_get(dir, &len)))
		return NULL;
	return profile_compat_version(buf, len, file);
}

/*
 * SeaMonkey numbers its releases 2.N, on a Gecko platform of its own number,
 * and every decision mozcert takes by version (which store NSS opens, whether
 * security.enable_md5_signatures is read, which cert_override.txt format is
 * loaded) follows the platform, as Firefox's and Thunderbird's versions do.
 * - 2.1 to 2.49: Gecko N + 3. SeaMonkey 2.1 shipped with Gecko 2.0 (Firefox
 *   4), and the project's 2017 letter (blog.seamonkey-project.org, "The state
 *   of the SeaMonkey union") puts 2.48 "on the level of Firefox 51".
 *   2.0 ran on Gecko 1.9.1.
 * - 2.53 and later: Gecko 60. The 2.53 line started from the Firefox 56/57
 *   tree and took the ESR 60 platform and later backports; its user agent
 *   says "rv:60.0" (e.g. "rv:60.0) Gecko/20100101 SeaMonkey/2.53.13"), and
 *   it ships NSS newer than 3.35. NSS made sql: the default in 3.35 (bug
 *   1377940), and a Gecko older than 58 passes no prefix while
 *   security.use_sqldb is false (PSM's test "we create the system-default
 *   databases" in 57), so 2.53 opens cert9.db either way; MD5 signatures
 *   stay disabled whatever the pref says (mozilla::pkix, Gecko 33 and later).
 * When LastPlatformDir holds a platform.ini whose [Build] BuildID is the
 * platform build id of LastVersion (the platform that last ran the
 * profile), its Milestone= wins over this table.
 */
static int
seamonkey_gecko_major(unsigned long minor)
{
	if (minor == 0)
		return 1;
	if (minor >= 53)
		return 60;
	return (int)minor + 3;
}

/* Leading number of s; -1 when none or absurd. *end after it. */
static long
leading_number(const char *s, const char **end)
{
	unsigned long n = 0;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > INT_MAX)
			return -1;
	}
	if (end)
		*end = p;
	return p == s ? -1 : (long)n;
}

int
profile_platform_major(const char *app_version)
{
	const char *end;
	long major = app_version ? leading_number(app_version, &end) : -1;
	long minor;

	if (major != 2 || *end != '.')
		return (int)major;
	/* 2.0.0.x is also Firefox and Thunderbird 2 (Gecko 1.8.1): the same era as SeaMonkey 2.0. */
	minor = leading_number(end + 1, NULL);
	return minor < 0 ? 2 : seamonkey_gecko_major((unsigned long)minor);
}

/* Milestone major of LastPlatformDir/platform.ini when it is the platform that wrote LastVersion; -1 otherwise. */
static int
platform_ini_major(const char *cbuf, size_t len, const char *file)
{
	_cleanup_(ini_doc_release) struct ini_doc doc = { 0 };
	_cleanup_(ini_doc_release) struct ini_doc pdoc = { 0 };
	_autofree_ char *pfile = NULL;
	_autofree_ char *pbuf = NULL;
	const char *dir, *last, *build_id, *milestone, *slash;
	size_t plen;

	if (ini_doc_parse(cbuf, len, file, &doc, NULL))
		return -1;
	dir = ini_get(ini_find(&doc, "Compatibility"), "LastPlatformDir");
	last = ini_get(ini_find(&doc, "Compatibility"), "LastVersion");
	if (!dir || dir[0] != '/' || !last || !(slash = strchr(last, '/')))
		return -1;
	pfile = path_join(dir, "platform.ini");
	if (!is_regular(pfile) || fileio_read(pfile, PROFILE_INI_MAX, &pbuf, &plen, NULL) < 0 ||
	    ini_doc_parse(pbuf, plen, pfile, &pdoc, NULL))
		return -1;
	build_id = ini_get(ini_find(&pdoc, "Build"), "BuildID");
	milestone = ini_get(ini_find(&pdoc, "Build"), "Milestone");
	if (!build_id || !milestone || !streq(build_id, slash + 1))
		return -1;
	return (int)leading_number(milestone, NULL);
}

int
profile_app_major(const char *dir)
{
	_autofree_ char *v = profile_app_version(dir);
	_autofree_ char *file = NULL;
	const char *buf;
	size_t len;
	int platform;

	if (!v)
		return -1;
	if (leading_number(v, NULL) == 2 && (buf = compat_get(dir, &len))) {
		file = path_join(dir, "compatibility.ini");
		if ((platform = platform_ini_major(buf, len, file)) >= 0)
			return platform;
	}
	return profile_platform_major(v);
}
