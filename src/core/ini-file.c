/* SPDX-License-Identifier: MPL-2.0 */
/* ini-file.c: INI documents (profiles.ini, installs.ini, compatibility.ini, platform.ini), read as Mozilla's nsINIParser reads them. */
#include "ini-file.h"

#include <string.h>
#include <ini.h>

#include "banned.h"

#define INI_MAX_SECTIONS 10000
#define INI_MAX_KEYS 256

void
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

const struct ini_section *
ini_find(const struct ini_doc *doc, const char *name)
{
	for (size_t i = 0; i < doc->n; i++)
		if (streq(doc->s[i].name, name))
			return &doc->s[i];
	return NULL;
}

const char *
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
	doc->s = xgrow(doc->s, doc->n, sizeof(*doc->s));
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
	s->e = xgrow(s->e, s->n, sizeof(*s->e));
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

int
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
