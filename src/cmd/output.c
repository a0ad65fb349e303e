/* SPDX-License-Identifier: MPL-2.0 */
/* output.c: JSON documents (json-c), the human time format, and the text the commands print. */
#include "output.h"

#include <time.h>

#include "strbuf.h"

#include "banned.h"

void
output_time(PRTime t, char out[32])
{
	time_t secs = (time_t)(t / PR_USEC_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "?");
}

static struct json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *
output_cert_json(const struct cert_info *ci)
{
	struct json_object *o = json_object_new_object();
	char nb[32], na[32];

	output_time(ci->not_before, nb);
	output_time(ci->not_after, na);
	json_object_object_add(o, "nickname", str_or_null(ci->nickname));
	json_object_object_add(o, "trust", json_object_new_string(ci->trust));
	json_object_object_add(o, "trust_source",
			       json_object_new_string(ci->trust_v32 ? "pkcs11-v3.2" : "nss"));
	json_object_object_add(o, "ca", json_object_new_boolean(ci->is_ca));
	json_object_object_add(o, "subject", json_object_new_string(ci->subject));
	json_object_object_add(o, "issuer", json_object_new_string(ci->issuer));
	json_object_object_add(o, "serial", json_object_new_string(ci->serial_hex));
	json_object_object_add(o, "not_before", json_object_new_string(nb));
	json_object_object_add(o, "not_after", json_object_new_string(na));
	json_object_object_add(o, "expired", json_object_new_boolean(ci->not_after < PR_Now()));
	json_object_object_add(o, "sha256", json_object_new_string(ci->sha256_hex));
	return o;
}

/*
 * Length of the valid UTF-8 sequence at s[0..n) (1 to 4), or 0 when it is
 * not one; then *bad is the length of its maximal subpart (the bytes that
 * one U+FFFD replaces, Unicode's "substitution of maximal subparts", which
 * Python's errors="replace" and WHATWG's decoder follow). Overlong forms,
 * surrogates and code points past U+10FFFF are invalid, as for a strict
 * decoder.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	*bad = 1;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 2;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 3;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

bool
output_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, bad, l;

	while (i < n) {
		if (!(l = utf8_seq(u + i, n - i, &bad)))
			return false;
		i += l;
	}
	return true;
}

static char *
sanitize(const char *s, size_t n, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	struct strbuf sb;
	size_t i = 0, bad, l;

	strbuf_init(&sb);
	while (i < n) {
		if ((l = utf8_seq(u + i, n - i, &bad))) {
			strbuf_add(&sb, s + i, l);
			i += l;
		} else {
			strbuf_add(&sb, "\xef\xbf\xbd", 3);
			i += bad;
		}
	}
	return strbuf_detach(&sb, out_len);
}

char *
output_utf8_sanitize(const char *s, size_t n)
{
	return sanitize(s, n, NULL);
}

static struct json_object *
hex_string(const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *h = xmalloc(2 * n + 1);
	struct json_object *o;

	for (size_t i = 0; i < n; i++) {
		h[2 * i] = digits[(unsigned char)s[i] >> 4];
		h[2 * i + 1] = digits[(unsigned char)s[i] & 0xf];
	}
	h[2 * n] = '\0';
	o = json_object_new_string_len(h, (int)(2 * n));
	free(h);
	return o;
}

static bool
string_invalid(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) &&
	       !output_utf8_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

/* Replace v's text by its sanitized form; returns the exact bytes as hex. */
static struct json_object *
fix_string(struct json_object *v)
{
	size_t n = (size_t)json_object_get_string_len(v);
	struct json_object *hex = hex_string(json_object_get_string(v), n);
	size_t len;
	_autofree_ char *clean = sanitize(json_object_get_string(v), n, &len);

	json_object_set_string_len(v, clean, (int)len);
	return hex;
}

static void fix_tree(struct json_object *o);

/* An array's strings sanitized in place; NULL when all were valid, else their bytes (hex, or null). */
static struct json_object *
fix_array(struct json_object *a)
{
	size_t n = json_object_array_length(a);
	struct json_object *bytes = NULL;

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!string_invalid(e)) {
			fix_tree(e);
			continue;
		}
		if (!bytes) {
			bytes = json_object_new_array();
			for (size_t j = 0; j < i; j++)
				json_object_array_add(bytes, NULL);
		}
		json_object_array_put_idx(bytes, i, fix_string(e));
	}
	if (bytes)
		for (size_t i = json_object_array_length(bytes); i < n; i++)
			json_object_array_add(bytes, NULL);
	return bytes;
}

struct pending {
	char *key;
	struct json_object *val; /* owned reference, or NULL to rename key */
};

static void
fix_tree(struct json_object *o)
{
	struct pending *add = NULL;
	size_t nadd = 0;

	if (json_object_is_type(o, json_type_array)) {
		struct json_object *bytes = fix_array(o);

		/* An array in an array has nowhere to put its bytes: its strings are only sanitized. */
		json_object_put(bytes);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		struct json_object *bytes = NULL;

		if (string_invalid(val))
			bytes = fix_string(val);
		else if (json_object_is_type(val, json_type_array))
			bytes = fix_array(val);
		else
			fix_tree(val);
		if (bytes || !output_utf8_valid(key, strlen(key))) {
			add = xreallocarray(add, nadd + 2, sizeof(*add));
			if (bytes)
				add[nadd++] = (struct pending){ xasprintf("%s_bytes", key), bytes };
			if (!output_utf8_valid(key, strlen(key)))
				add[nadd++] = (struct pending){ xstrdup(key), NULL };
		}
	}
	/* Added after the walk: json-c's table must not change under its iterator. */
	for (size_t i = 0; i < nadd; i++) {
		if (add[i].val) {
			_autofree_ char *k = output_utf8_sanitize(add[i].key, strlen(add[i].key));

			json_object_object_add(o, k, add[i].val);
		} else {
			struct json_object *v = json_object_get(json_object_object_get(o, add[i].key));
			_autofree_ char *k = output_utf8_sanitize(add[i].key, strlen(add[i].key));

			json_object_object_del(o, add[i].key);
			json_object_object_add(o, k, v);
		}
		free(add[i].key);
	}
	free(add);
}

void
output_json_utf8(struct json_object *doc)
{
	fix_tree(doc);
}

void
output_json_print(struct json_object *doc)
{
	output_json_utf8(doc);
	fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
							   JSON_C_TO_STRING_SPACED),
	      stdout);
	fputc('\n', stdout);
}

void
output_vtext(const char *fmt, va_list ap)
{
	vfprintf(stdout, fmt, ap);
}

void
output_bytes(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
}

void
output_vwarn(const char *fmt, va_list ap)
{
	fputs("mozcert: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}
