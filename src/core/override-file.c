/* SPDX-License-Identifier: MPL-2.0 */
/* override-file.c: cert_override.txt of every era: the readers' rules, byte-exact writing, entry formatting, edits. */
#include "override-file.h"

#include <limits.h>
#include <stdint.h>
#include <base64.h>
#include <secport.h>

#include "banned.h"

/* nsReadLine.h reads the file in blocks of this size; a NUL ends what it keeps of each block's part of a line. */
#define READ_BLOCK 4096

struct span {
	const char *p;
	size_t n;
};

/* What a reader extracted from one line (pointers into the line as that reader sees it). */
struct fields {
	struct span host, attrs, oid, fp, bits, dbkey;
	long long port;
	bool has_attrs;
	bool bracketed;
	bool rest_split;  /* whitespace followed the bits field */
	bool tabs_only;   /* every separator consumed was a tab */
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/*
 * nsTSubstring::ToInteger/ToInteger64 in base 10, quirks included: leading
 * characters that are not hex digits are skipped ('-' negates), a hex letter
 * fails, an 'x' is skipped while the value is 0, any other character ends
 * the number, overflow fails.
 */
static bool
moz_to_integer(const char *p, size_t n, bool wide, long long *out)
{
	long long max = wide ? LLONG_MAX : INT_MAX;
	long long v = 0;
	bool negate = false, done = false;
	size_t i = 0;

	while (i < n && !done) {
		char c = p[i++];

		if (hex_value(c) >= 0)
			done = true;
		else if (c == '-')
			negate = true;
	}
	if (!done)
		return false;
	for (i--; i < n; i++) {
		char c = p[i];

		if (is_digit(c)) {
			if (v > (max - (c - '0')) / 10)
				return false;
			v = v * 10 + (c - '0');
		} else if (hex_value(c) >= 0) {
			return false;
		} else if ((c == 'x' || c == 'X') && v == 0) {
			continue;
		} else {
			break;
		}
	}
	*out = negate ? -v : v;
	return true;
}

/* URLParams decoding: '+' is a space, "%XY" a byte, anything else itself. */
static char *
url_decode(const char *p, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+') {
			out[o++] = ' ';
		} else if (p[i] == '%' && i + 2 < n && hex_value(p[i + 1]) >= 0 && hex_value(p[i + 2]) >= 0) {
			out[o++] = (char)(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2]));
			i += 2;
		} else {
			out[o++] = p[i];
		}
	}
	out[o] = '\0';
	return out;
}

static bool
attr_ok(const char *name, const char *value)
{
	long long v;

	if (streq(name, "inBrowser"))
		return streq(value, "1");
	if (streq(name, "disableJit") || streq(name, "addonId") || streq(name, "appId") ||
	    streq(name, "firstPartyDomain") || streq(name, "geckoViewUserContextId") ||
	    streq(name, "partitionKey"))
		return true;
	if (streq(name, "userContextId"))
		return moz_to_integer(value, strlen(value), true, &v) && v <= (long long)UINT32_MAX;
	if (streq(name, "privateBrowsingId"))
		return moz_to_integer(value, strlen(value), true, &v) && v >= 0 && v <= (long long)UINT32_MAX;
	return false;
}

/* OriginAttributes::PopulateFromSuffix: "" or '^' then name=value pairs joined by '&', every name known. */
static bool
suffix_ok(const char *p, size_t n)
{
	size_t i = 1;

	if (n == 0)
		return true;
	if (p[0] != '^')
		return false;
	while (i < n) {
		const char *amp = memchr(p + i, '&', n - i);
		size_t end = amp ? (size_t)(amp - p) : n;

		if (end > i) {
			const char *eq = memchr(p + i, '=', end - i);
			size_t name_end = eq ? (size_t)(eq - p) : end;
			_autofree_ char *name = url_decode(p + i, name_end - i);
			_autofree_ char *value = eq ? url_decode(eq + 1, end - name_end - 1) : xstrdup("");

			if (!attr_ok(name, value))
				return false;
		}
		i = end + 1;
	}
	return true;
}

/*
 * The current reader (nsCertOverrideService::Read with its Tokenizer, whose
 * whitespace is space and tab). Returns NULL when it loads the line, else
 * why it drops it.
 */
static const char *
parse_current(const char *s, size_t n, struct fields *fl)
{
	size_t i, j;
	unsigned long long v = 0;

	memset(fl, 0, sizeof(*fl));
	fl->tabs_only = true;
	if (s[0] == '[') {
		for (j = 1; j < n && s[j] != ']'; j++)
			;
		if (j == n)
			return "no ']' after the IPv6 host";
		if (j == 1)
			return "missing host";
		fl->host = (struct span){ s + 1, j - 1 };
		fl->bracketed = true;
		i = j + 1;
		if (i >= n || s[i] != ':')
			return "no ':' after the IPv6 host";
		i++;
	} else {
		const char *c = memchr(s, ':', n);

		if (!c)
			return "no ':' after the host";
		if (c == s)
			return "missing host";
		fl->host = (struct span){ s, (size_t)(c - s) };
		i = (size_t)(c - s) + 1;
	}

	if (i >= n || !is_digit(s[i]))
		return (i >= n || s[i] == ':' || is_ws(s[i])) ? "missing port" : "port is not a number";
	for (; i < n && is_digit(s[i]); i++) {
		if (v <= INT32_MAX)
			v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v > INT32_MAX)
		return "port out of range";
	fl->port = (long long)v;

	if (i < n && s[i] == ':') {
		i++;
		for (j = i; j < n && !is_ws(s[j]); j++)
			;
		if (j == n)
			return "line ends after the port";
		fl->attrs = (struct span){ s + i, j - i };
		fl->has_attrs = true;
		if (!suffix_ok(fl->attrs.p, fl->attrs.n))
			return "origin attributes the application does not accept";
		fl->tabs_only &= s[j] == '\t';
		i = j + 1;
	} else if (i < n && is_ws(s[i])) {
		fl->tabs_only &= s[i] == '\t';
		i++;
	} else {
		return "no ':' or tab after the port";
	}

	for (j = i; j < n && !is_ws(s[j]); j++)
		;
	if (j == n)
		return "line ends in the algorithm field";
	fl->oid = (struct span){ s + i, j - i };
	if (fl->oid.n == 0)
		return "missing algorithm";
	if (!span_eq(fl->oid, OVERRIDE_OID))
		return "algorithm is not " OVERRIDE_OID;
	fl->tabs_only &= s[j] == '\t';
	i = j + 1;

	for (j = i; j < n && !is_ws(s[j]); j++)
		;
	if (j == i)
		return "missing fingerprint";
	if (j == n)
		return "no tab after the fingerprint";
	fl->fp = (struct span){ s + i, j - i };
	fl->tabs_only &= s[j] == '\t';
	i = j + 1;

	/* Everything after is ignored by this reader; split it as eras B and C read it. */
	for (j = i; j < n && !is_ws(s[j]); j++)
		;
	fl->bits = (struct span){ s + i, j - i };
	if (j < n) {
		fl->rest_split = true;
		fl->tabs_only &= s[j] == '\t';
		fl->dbkey = (struct span){ s + j + 1, n - j - 1 };
	}
	return NULL;
}

/* The era-A reader (Firefox 68-era): four tabs, host:port split at the last ':', port through ToInteger. */
static bool
parse_era_a(const char *s, size_t n, struct fields *fl)
{
	size_t tab[4], k = 0;
	const char *colon = NULL;
	long long port;

	for (size_t i = 0; i < n && k < 4; i++) {
		if (s[i] == '\t')
			tab[k++] = i;
	}
	if (k < 4)
		return false;
	for (size_t i = tab[0]; i > 0; i--) {
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
	}
	if (!colon)
		return false;
	if (!moz_to_integer(colon + 1, (size_t)(s + tab[0] - colon - 1), false, &port))
		return false;
	memset(fl, 0, sizeof(*fl));
	fl->host = (struct span){ s, (size_t)(colon - s) };
	fl->port = port;
	fl->oid = (struct span){ s + tab[0] + 1, tab[1] - tab[0] - 1 };
	fl->fp = (struct span){ s + tab[1] + 1, tab[2] - tab[1] - 1 };
	fl->bits = (struct span){ s + tab[2] + 1, tab[3] - tab[2] - 1 };
	fl->dbkey = (struct span){ s + tab[3] + 1, n - tab[3] - 1 };
	fl->rest_split = true;
	fl->tabs_only = true;
	return true;
}

static bool
fingerprint_wellformed(struct span fp)
{
	if (fp.n != 95)
		return false;
	for (size_t i = 0; i < fp.n; i++) {
		char c = fp.p[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
		} else if (!is_digit(c) && !(c >= 'A' && c <= 'F')) {
			return false;
		}
	}
	return true;
}

static char *
put_span(char **pp, struct span s)
{
	char *r = *pp;

	memcpy(r, s.p, s.n);
	r[s.n] = '\0';
	*pp += s.n + 1;
	return r;
}

static struct override_entry *
entry_new(const struct fields *fl)
{
	size_t total = sizeof(struct override_entry) + fl->host.n + fl->attrs.n + fl->oid.n + fl->fp.n +
		       fl->bits.n + fl->dbkey.n + 6;
	struct override_entry *e = xmalloc(total);
	char *p = (char *)(e + 1);

	memset(e, 0, sizeof(*e));
	e->host = put_span(&p, fl->host);
	e->port = (int)fl->port;
	e->origin_attrs = fl->has_attrs ? put_span(&p, fl->attrs) : NULL;
	e->oid = put_span(&p, fl->oid);
	e->fingerprint = put_span(&p, fl->fp);
	e->bits = fl->bits.n ? put_span(&p, fl->bits) : NULL;
	e->dbkey = fl->dbkey.n ? put_span(&p, fl->dbkey) : NULL;
	e->bracketed = fl->bracketed;
	e->fingerprint_ok = fingerprint_wellformed(fl->fp);
	return e;
}

static enum override_era
shape_era(const struct fields *fl)
{
	bool bits = fl->bits.n > 0, key = fl->dbkey.n > 0;

	if (!fl->tabs_only)
		return OVERRIDE_ERA_NONE;
	if (!fl->has_attrs)
		return bits && key ? OVERRIDE_ERA_A : OVERRIDE_ERA_NONE;
	if (bits && key)
		return OVERRIDE_ERA_B;
	if (!bits && key)
		return OVERRIDE_ERA_C;
	if (!bits && !fl->rest_split)
		return OVERRIDE_ERA_D;
	return OVERRIDE_ERA_NONE;
}

/* Judge the content s[0..n) (the line as the reader sees it) and fill l. */
static void
judge(struct override_line *l, const char *s, size_t n, size_t raw_content_len)
{
	struct fields cur, old;
	const char *why;
	bool a_ok;

	l->entry = NULL;
	l->reason = NULL;
	if (n == 0) {
		if (raw_content_len == 0) {
			l->status = OVERRIDE_LINE_BLANK;
		} else {
			l->status = OVERRIDE_LINE_INVALID;
			l->reason = "NUL byte at the start of the line";
		}
		return;
	}
	if (s[0] == '#') {
		l->status = OVERRIDE_LINE_COMMENT;
		return;
	}
	why = parse_current(s, n, &cur);
	a_ok = parse_era_a(s, n, &old);
	if (!why) {
		l->status = OVERRIDE_LINE_ENTRY;
		l->entry = entry_new(&cur);
		l->entry->era = shape_era(&cur);
		l->entry->readers = OVERRIDE_READER(OVERRIDE_ERA_D);
		if (cur.rest_split && cur.dbkey.n > 0) {
			l->entry->readers |= OVERRIDE_READER(OVERRIDE_ERA_C);
			if (cur.bits.n > 0)
				l->entry->readers |= OVERRIDE_READER(OVERRIDE_ERA_B);
		}
	} else {
		l->status = OVERRIDE_LINE_INVALID;
		l->reason = why;
		if (a_ok) {
			l->entry = entry_new(&old);
			l->entry->era = OVERRIDE_ERA_A;
		}
	}
	if (a_ok && l->entry)
		l->entry->readers |= OVERRIDE_READER(OVERRIDE_ERA_A);
}

/* Classify a line whose first byte is at offset off of the file (for the reader's block boundaries). */
static void
classify(struct override_line *l, size_t off)
{
	size_t clen = l->len - l->eol_len;
	_autofree_ char *view = NULL;
	size_t vlen = 0;

	if (!memchr(l->raw, '\0', clen)) {
		judge(l, l->raw, clen, clen);
		return;
	}
	/* Each block's part of the line is appended as a C string: it ends at its first NUL. */
	view = xmalloc(clen + 1);
	for (size_t pos = 0; pos < clen;) {
		size_t block_end = ((off + pos) / READ_BLOCK + 1) * READ_BLOCK - off;
		size_t seg_end = block_end < clen ? block_end : clen;
		const char *nul = memchr(l->raw + pos, '\0', seg_end - pos);
		size_t keep = nul ? (size_t)(nul - (l->raw + pos)) : seg_end - pos;

		memcpy(view + vlen, l->raw + pos, keep);
		vlen += keep;
		pos = seg_end;
	}
	judge(l, view, vlen, clen);
}

/* Length of the line starting at p (line ending included), as nsReadLine splits. */
static size_t
line_length(const char *p, size_t avail, unsigned char *eol_len)
{
	size_t i = 0;

	/* A byte loop: memchr for '\n' alone would rescan a CR-only file to its end for every line. */
	while (i < avail && p[i] != '\n' && p[i] != '\r')
		i++;
	if (i == avail) {
		*eol_len = 0;
		return i;
	}
	if (i + 1 < avail && ((p[i] == '\r' && p[i + 1] == '\n') || (p[i] == '\n' && p[i + 1] == '\r'))) {
		*eol_len = 2;
		return i + 2;
	}
	*eol_len = 1;
	return i + 1;
}

static void
line_release(struct override_line *l)
{
	if (l->owned)
		free((char *)l->raw);
	free(l->entry);
	memset(l, 0, sizeof(*l));
}

static struct override_line *
lines_push(struct override_file *f)
{
	struct override_line *l;

	if (f->n == f->alloc) {
		f->alloc = f->alloc ? f->alloc * 2 : 16;
		f->lines = xreallocarray(f->lines, f->alloc, sizeof(*f->lines));
	}
	l = &f->lines[f->n++];
	memset(l, 0, sizeof(*l));
	return l;
}

void
override_file_init(struct override_file *f)
{
	memset(f, 0, sizeof(*f));
}

void
override_file_release(struct override_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		line_release(&f->lines[i]);
	free(f->lines);
	free(f->data);
	free(f->origin);
	override_file_init(f);
}

int
override_parse(const char *buf, size_t len, const char *origin, struct override_file *out,
	       struct mc_error *err)
{
	size_t off = 0, lineno = 0, lines = 0;

	override_file_release(out);
	out->origin = xstrdup(origin ? origin : "cert_override.txt");
	if (len > OVERRIDE_MAX_BYTES)
		return mc_error_set(err, MC_EINPUT, "%s: file too large (%zu bytes, at most %zu)", out->origin,
				    len, OVERRIDE_MAX_BYTES);
	/* Count first: one allocation of the right size, and the limit checked before any. */
	for (size_t pos = 0; pos < len; lines++) {
		unsigned char eol;

		if (lines == OVERRIDE_MAX_LINES)
			return mc_error_set(err, MC_EINPUT, "%s: too many lines (more than %zu)", out->origin,
					    OVERRIDE_MAX_LINES);
		pos += line_length(buf + pos, len - pos, &eol);
	}
	out->data = xmalloc(len + 1);
	if (len)
		memcpy(out->data, buf, len);
	out->data[len] = '\0';
	out->data_len = len;
	out->alloc = lines + 1;
	out->lines = xreallocarray(NULL, out->alloc, sizeof(*out->lines));

	while (off < len) {
		struct override_line *l = &out->lines[out->n++];
		unsigned char eol;
		size_t n = line_length(out->data + off, len - off, &eol);

		l->owned = false;
		l->raw = out->data + off;
		l->len = n;
		l->eol_len = eol;
		l->lineno = ++lineno;
		classify(l, off);
		off += n;
	}
	return 0;
}

void
override_write(const struct override_file *f, struct strbuf *out)
{
	size_t total = 0;

	for (size_t i = 0; i < f->n; i++)
		total += f->lines[i].len;
	strbuf_grow(out, total);
	for (size_t i = 0; i < f->n; i++)
		strbuf_add(out, f->lines[i].raw, f->lines[i].len);
}

size_t
override_count_entries(const struct override_file *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->lines[i].status == OVERRIDE_LINE_ENTRY;
	return n;
}

const char *
override_file_eol(const struct override_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct override_line *l = &f->lines[i];
		const char *e = l->raw + l->len - l->eol_len;

		if (l->eol_len == 2 && e[0] == '\r')
			return "\r\n";
		if (l->eol_len >= 1)
			return e[0] == '\r' ? "\r" : "\n";
	}
	return "\n";
}

const char *
override_era_name(enum override_era era)
{
	switch (era) {
	case OVERRIDE_ERA_A:
		return "A";
	case OVERRIDE_ERA_B:
		return "B";
	case OVERRIDE_ERA_C:
		return "C";
	case OVERRIDE_ERA_D:
		return "D";
	case OVERRIDE_ERA_NONE:
		break;
	}
	return "none";
}

enum override_era
override_era_for_version(int major)
{
	if (major < 0 || major <= 90)
		return OVERRIDE_ERA_A;
	if (major <= 108)
		return OVERRIDE_ERA_B;
	if (major <= 116)
		return OVERRIDE_ERA_C;
	return OVERRIDE_ERA_D;
}

/* ---- Writing entries ---- */

static int
check_host(const char *host, struct mc_error *err)
{
	if (!host || !*host)
		return mc_error_set(err, MC_EUSAGE, "empty host name");
	if (host[0] == '#')
		return mc_error_set(err, MC_EUSAGE, "host name '%s' starts with '#'", host);
	for (const unsigned char *p = (const unsigned char *)host; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '[' || *p == ']' || *p == '/')
			return mc_error_set(err, MC_EUSAGE, "invalid character in host name '%s'", host);
	}
	return 0;
}

static bool
is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '/' ||
	       c == '=';
}

int
override_format_entry(enum override_era era, const char *host, int port, const char *origin_attrs,
		      const unsigned char sha256[32], const char *bits, const char *dbkey_b64,
		      struct strbuf *line, struct mc_error *err)
{
	_autofree_ char *fp = NULL;
	char bitbuf[4];
	size_t nb = 0;
	int r;

	if (era < OVERRIDE_ERA_A || era > OVERRIDE_ERA_D)
		return mc_error_set(err, MC_EUSAGE, "no cert_override.txt format for era %d", (int)era);
	r = check_host(host, err);
	if (r < 0)
		return r;
	if (port == -1)
		port = 443;
	if (port < 1 || port > 65535)
		return mc_error_set(err, MC_EUSAGE, "port %d out of range", port);
	if (!origin_attrs)
		origin_attrs = "";
	if (*origin_attrs) {
		if (era == OVERRIDE_ERA_A)
			return mc_error_set(err, MC_EUSAGE,
					    "origin attributes '%s' cannot be written for Firefox 90 or older",
					    origin_attrs);
		for (const unsigned char *p = (const unsigned char *)origin_attrs; *p; p++) {
			if (*p <= ' ' || *p == 0x7f)
				return mc_error_set(err, MC_EUSAGE, "invalid origin attributes '%s'",
						    origin_attrs);
		}
		if (!suffix_ok(origin_attrs, strlen(origin_attrs)))
			return mc_error_set(err, MC_EUSAGE, "invalid origin attributes '%s'", origin_attrs);
	}
	if (era == OVERRIDE_ERA_A || era == OVERRIDE_ERA_B) {
		if (!bits || !*bits)
			bits = "MUT";
		for (const char *p = bits; *p; p++) {
			if (*p != 'M' && *p != 'U' && *p != 'T')
				return mc_error_set(err, MC_EUSAGE, "invalid override bits '%s' (letters M, U, T)",
						    bits);
		}
		/* Writers put the letters in this order. */
		if (strchr(bits, 'M'))
			bitbuf[nb++] = 'M';
		if (strchr(bits, 'U'))
			bitbuf[nb++] = 'U';
		if (strchr(bits, 'T'))
			bitbuf[nb++] = 'T';
	}
	bitbuf[nb] = '\0';
	if (era != OVERRIDE_ERA_D) {
		if (!dbkey_b64 || !*dbkey_b64)
			return mc_error_set(err, MC_EUSAGE, "a dbKey is required for Firefox 116 or older");
		for (const char *p = dbkey_b64; *p; p++) {
			if (!is_b64_char(*p))
				return mc_error_set(err, MC_EUSAGE, "dbKey is not base64 on one line");
		}
	}

	fp = hex_encode(sha256, 32, true);
	if (era != OVERRIDE_ERA_A && strchr(host, ':'))
		strbuf_addf(line, "[%s]:%d", host, port);
	else
		strbuf_addf(line, "%s:%d", host, port);
	if (era != OVERRIDE_ERA_A)
		strbuf_addf(line, ":%s", origin_attrs);
	strbuf_addf(line, "\t%s\t%s\t", OVERRIDE_OID, fp);
	switch (era) {
	case OVERRIDE_ERA_A:
	case OVERRIDE_ERA_B:
		strbuf_addf(line, "%s\t%s", bitbuf, dbkey_b64);
		break;
	case OVERRIDE_ERA_C:
		strbuf_addf(line, "\t%s", dbkey_b64);
		break;
	case OVERRIDE_ERA_D:
	case OVERRIDE_ERA_NONE:
		break;
	}
	return 0;
}

/* ---- dbKey ---- */

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Copy s without ASCII whitespace; caller frees. */
static char *
strip_ws(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	char *o = out;

	for (; *s; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' && *s != '\f' && *s != '\v')
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

char *
override_dbkey(const unsigned char *serial, size_t serial_len, const unsigned char *issuer_der,
	       size_t issuer_len)
{
	size_t total = 16 + serial_len + issuer_len;
	_autofree_ unsigned char *key = NULL;
	char *b64, *out;

	if (serial_len > UINT32_MAX || issuer_len > UINT32_MAX || total > UINT_MAX)
		return NULL;
	key = xzalloc(total);
	put_be32(key + 8, (uint32_t)serial_len);
	put_be32(key + 12, (uint32_t)issuer_len);
	if (serial_len)
		memcpy(key + 16, serial, serial_len);
	if (issuer_len)
		memcpy(key + 16 + serial_len, issuer_der, issuer_len);
	/* NSS breaks the base64 into 64-character lines; the file has it on one. */
	b64 = BTOA_DataToAscii(key, (unsigned int)total);
	if (!b64)
		return NULL;
	out = strip_ws(b64);
	PORT_Free(b64);
	return out;
}

int
override_dbkey_decode(const char *b64, unsigned char **serial, size_t *serial_len, unsigned char **issuer,
		      size_t *issuer_len)
{
	_autofree_ char *clean = NULL;
	unsigned char *d;
	unsigned int dlen = 0;
	uint64_t sl, il;
	int ret = MC_EINPUT;

	if (!b64)
		return MC_EINPUT;
	clean = strip_ws(b64);
	if (!*clean)
		return MC_EINPUT;
	for (const char *p = clean; *p; p++) {
		if (!is_b64_char(*p))
			return MC_EINPUT;
	}
	d = ATOB_AsciiToData(clean, &dlen);
	if (!d)
		return MC_EINPUT;
	if (dlen < 16)
		goto out;
	for (int i = 0; i < 8; i++) {
		if (d[i] != 0)
			goto out;
	}
	sl = get_be32(d + 8);
	il = get_be32(d + 12);
	if (16 + sl + il != dlen)
		goto out;
	*serial = xmalloc(sl ? sl : 1);
	memcpy(*serial, d + 16, sl);
	*serial_len = sl;
	*issuer = xmalloc(il ? il : 1);
	memcpy(*issuer, d + 16 + sl, il);
	*issuer_len = il;
	ret = 0;
out:
	PORT_Free(d);
	return ret;
}

/* ---- Edits ---- */

void
override_changes_init(struct override_changes *c)
{
	memset(c, 0, sizeof(*c));
}

void
override_changes_release(struct override_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].host);
		free(c->v[i].fingerprint);
		free(c->v[i].old_line);
		free(c->v[i].new_line);
	}
	free(c->v);
	override_changes_init(c);
}

static char *
line_text(const struct override_line *l)
{
	return xstrndup(l->raw, l->len - l->eol_len);
}

static struct override_change *
change_push(struct override_changes *c, enum override_action action, const struct override_line *l)
{
	struct override_change *ch;

	if (!c)
		return NULL;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 8;
		c->v = xreallocarray(c->v, c->alloc, sizeof(*c->v));
	}
	ch = &c->v[c->n++];
	memset(ch, 0, sizeof(*ch));
	ch->action = action;
	if (l) {
		ch->lineno = l->lineno;
		ch->old_line = line_text(l);
		if (l->entry) {
			ch->host = xstrdup(l->entry->host);
			ch->port = l->entry->port;
			ch->fingerprint = xstrdup(l->entry->fingerprint);
		}
	}
	return ch;
}

/* Give l the bytes text + eol, owned, and judge them again. */
static void
line_set(struct override_line *l, const char *text, size_t tlen, const char *eol, size_t eol_len)
{
	char *raw = xmalloc(tlen + eol_len + 1);

	memcpy(raw, text, tlen);
	memcpy(raw + tlen, eol, eol_len);
	raw[tlen + eol_len] = '\0';
	if (l->owned)
		free((char *)l->raw);
	free(l->entry);
	l->entry = NULL;
	l->raw = raw;
	l->len = tlen + eol_len;
	l->eol_len = (unsigned char)eol_len;
	l->owned = true;
	classify(l, 0);
}

static bool
attrs_eq(const char *a, const char *b)
{
	return streq(a ? a : "", b ? b : "");
}

static bool
key_matches(const struct override_entry *e, const char *host, int port, const char *origin_attrs,
	    bool any_attrs)
{
	return e && streq(e->host, host) && e->port == port && (any_attrs || attrs_eq(e->origin_attrs, origin_attrs));
}

int
override_add(struct override_file *f, enum override_era era, const char *host, int port,
	     const char *origin_attrs, const unsigned char sha256[32], const char *bits,
	     const char *dbkey_b64, struct override_changes *changes, struct mc_error *err)
{
	struct strbuf sb;
	_autofree_ char *fp = NULL;
	struct override_line *l;
	struct override_change *ch;
	size_t match = SIZE_MAX;
	int r;

	strbuf_init(&sb);
	r = override_format_entry(era, host, port, origin_attrs, sha256, bits, dbkey_b64, &sb, err);
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	if (port == -1)
		port = 443;
	fp = hex_encode(sha256, 32, true);
	for (size_t i = 0; i < f->n; i++) {
		if (key_matches(f->lines[i].entry, host, port, origin_attrs, false))
			match = i;
	}

	if (match != SIZE_MAX) {
		const struct override_entry *e;
		char eol[2];
		size_t eol_len;

		l = &f->lines[match];
		e = l->entry;
		if (streq(e->fingerprint, fp) && (e->readers & OVERRIDE_READER(era))) {
			strbuf_release(&sb);
			return 0;
		}
		ch = change_push(changes, OVERRIDE_REPLACED, l);
		eol_len = l->eol_len;
		memcpy(eol, l->raw + l->len - eol_len, eol_len);
		line_set(l, sb.buf, sb.len, eol, eol_len);
	} else {
		const char *eol = override_file_eol(f);
		size_t eol_len = strlen(eol);

		if (f->n == 0) {
			l = lines_push(f);
			line_set(l, OVERRIDE_HEADER1, strlen(OVERRIDE_HEADER1), eol, eol_len);
			l = lines_push(f);
			line_set(l, OVERRIDE_HEADER2, strlen(OVERRIDE_HEADER2), eol, eol_len);
		} else {
			l = &f->lines[f->n - 1];
			if (l->eol_len == 0) {
				/* The reader would otherwise join the new entry onto this line. */
				_autofree_ char *text = xmalloc(l->len + 1);
				_autofree_ struct override_entry *keep = steal(&l->entry);
				enum override_status st = l->status;
				const char *why = l->reason;

				memcpy(text, l->raw, l->len);
				line_set(l, text, l->len, eol, eol_len);
				/* The same bytes plus a line ending: keep what the original judgement found. */
				free(l->entry);
				l->entry = steal(&keep);
				l->status = st;
				l->reason = why;
			}
		}
		l = lines_push(f);
		line_set(l, sb.buf, sb.len, eol, eol_len);
		ch = change_push(changes, OVERRIDE_ADDED, NULL);
		if (ch) {
			ch->host = xstrdup(host);
			ch->port = port;
		}
	}
	if (ch) {
		free(ch->fingerprint);
		ch->fingerprint = xstrdup(fp);
		ch->new_line = strbuf_detach(&sb, NULL);
		if (!ch->host) {
			ch->host = xstrdup(host);
			ch->port = port;
		}
	}
	strbuf_release(&sb);
	return 0;
}

/* Drop every line whose why[] is set, recording a removal for each; returns the count. */
static size_t
remove_marked(struct override_file *f, const char **why, struct override_changes *changes)
{
	size_t o = 0, removed = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (why[i]) {
			struct override_change *ch = change_push(changes, OVERRIDE_REMOVED, &f->lines[i]);

			if (ch)
				ch->reason = why[i];
			line_release(&f->lines[i]);
			removed++;
		} else {
			if (o != i)
				f->lines[o] = f->lines[i];
			o++;
		}
	}
	f->n = o;
	return removed;
}

size_t
override_remove(struct override_file *f, const char *host, int port, const char *origin_attrs,
		struct override_changes *changes)
{
	_autofree_ const char **why = NULL;
	bool any = false;

	if (port == -1)
		port = 443;
	if (!f->n || !host)
		return 0;
	why = xzalloc(f->n * sizeof(*why));
	for (size_t i = 0; i < f->n; i++) {
		if (key_matches(f->lines[i].entry, host, port, origin_attrs, origin_attrs == NULL)) {
			why[i] = "removed";
			any = true;
		}
	}
	return any ? remove_marked(f, why, changes) : 0;
}

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Mark every entry line whose exact text (line ending aside) comes again later. */
static void
mark_duplicates(struct override_file *f, const char **why)
{
	size_t cap = 16, count = 0;
	_autofree_ size_t *slots = NULL;

	for (size_t i = 0; i < f->n; i++)
		count += f->lines[i].entry && !why[i];
	while (cap < count * 2)
		cap *= 2;
	slots = xmalloc(cap * sizeof(*slots));
	for (size_t i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t i = f->n; i-- > 0;) {
		const struct override_line *l = &f->lines[i];
		size_t n = l->len - l->eol_len;
		size_t s;

		if (!l->entry || why[i])
			continue;
		for (s = hash_bytes(l->raw, n) & (cap - 1); slots[s] != SIZE_MAX; s = (s + 1) & (cap - 1)) {
			const struct override_line *o = &f->lines[slots[s]];

			if (o->len - o->eol_len == n && memcmp(o->raw, l->raw, n) == 0)
				break;
		}
		if (slots[s] == SIZE_MAX)
			slots[s] = i;
		else
			why[i] = "duplicate of a later line";
	}
}

size_t
override_prune(struct override_file *f, enum override_era reader, unsigned flags,
	       bool (*is_expired)(const struct override_entry *e, void *ctx), void *ctx,
	       struct override_changes *changes)
{
	_autofree_ const char **why = NULL;
	bool any = false;

	if (reader < OVERRIDE_ERA_A || reader > OVERRIDE_ERA_D)
		reader = OVERRIDE_ERA_D;
	if (!f->n)
		return 0;
	why = xzalloc(f->n * sizeof(*why));
	if (flags & OVERRIDE_PRUNE_INVALID) {
		for (size_t i = 0; i < f->n; i++) {
			const struct override_line *l = &f->lines[i];

			if (l->status == OVERRIDE_LINE_COMMENT || l->status == OVERRIDE_LINE_BLANK)
				continue;
			if (!l->entry)
				why[i] = l->reason ? l->reason : "malformed line";
			else if (!(l->entry->readers & OVERRIDE_READER(reader)))
				why[i] = l->reason ? l->reason : "a format this application version does not read";
		}
	}
	if (flags & OVERRIDE_PRUNE_DUPLICATES)
		mark_duplicates(f, why);
	if ((flags & OVERRIDE_PRUNE_EXPIRED) && is_expired) {
		for (size_t i = 0; i < f->n; i++) {
			if (!why[i] && f->lines[i].entry && is_expired(f->lines[i].entry, ctx))
				why[i] = "certificate expired";
		}
	}
	for (size_t i = 0; i < f->n && !any; i++)
		any = why[i] != NULL;
	return any ? remove_marked(f, why, changes) : 0;
}
