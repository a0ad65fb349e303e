/* SPDX-License-Identifier: MPL-2.0 */
/* override-parse.c: cert_override.txt as each era's reader reads it: lines, their judgement, whole-file parse and scan. */
#include "override-internal.h"

#include <limits.h>
#include <stdint.h>

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

/* Inlined even at -O0: the per-byte tests of a 200,000-line file are most of its parse time otherwise. */
__attribute__((always_inline)) static inline bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

__attribute__((always_inline)) static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The first space or tab of s[i..n), or n. */
static size_t
to_ws(const char *s, size_t i, size_t n)
{
	const char *t = memchr(s + i, '\t', n - i), *sp = memchr(s + i, ' ', n - i);

	if (t && (!sp || t < sp))
		return (size_t)(t - s);
	return sp ? (size_t)(sp - s) : n;
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
bool
override_suffix_ok(const char *p, size_t n)
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
		j = to_ws(s, i, n);
		if (j == n)
			return "line ends after the port";
		fl->attrs = (struct span){ s + i, j - i };
		fl->has_attrs = true;
		if (!override_suffix_ok(fl->attrs.p, fl->attrs.n))
			return "origin attributes the application does not accept";
		fl->tabs_only &= s[j] == '\t';
		i = j + 1;
	} else if (i < n && is_ws(s[i])) {
		fl->tabs_only &= s[i] == '\t';
		i++;
	} else {
		return "no ':' or tab after the port";
	}

	j = to_ws(s, i, n);
	if (j == n)
		return "line ends in the algorithm field";
	fl->oid = (struct span){ s + i, j - i };
	if (fl->oid.n == 0)
		return "missing algorithm";
	if (!span_eq(fl->oid, OVERRIDE_OID))
		return "algorithm is not " OVERRIDE_OID;
	fl->tabs_only &= s[j] == '\t';
	i = j + 1;

	j = to_ws(s, i, n);
	if (j == i)
		return "missing fingerprint";
	if (j == n)
		return "no tab after the fingerprint";
	fl->fp = (struct span){ s + i, j - i };
	fl->tabs_only &= s[j] == '\t';
	i = j + 1;

	/* Everything after is ignored by this reader; split it as eras B and C read it. */
	j = to_ws(s, i, n);
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

	for (const char *t = s; k < 4; k++) {
		if (!(t = memchr(t, '\t', n - (size_t)(t - s))))
			return false;
		tab[k] = (size_t)(t - s);
		t++;
	}
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
	static const char upper_hex[] = "0123456789ABCDEF";

	if (fp.n != 95)
		return false;
	/* Pairs of upper-case hex digits, a ':' after each but the last (no division per byte). */
	for (size_t i = 0; i < fp.n; i += 3) {
		if (!fp.p[i] || !fp.p[i + 1] || !strchr(upper_hex, fp.p[i]) || !strchr(upper_hex, fp.p[i + 1]))
			return false;
		if (i + 2 < fp.n && fp.p[i + 2] != ':')
			return false;
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

void
override_line_classify(struct override_line *l, size_t off)
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

/*
 * Where the next '\n' and '\r' are (NULL: none left), each found once with
 * memchr and kept until passed: the walk stays linear on a file of only CRs
 * or only LFs, where a memchr per line for the other byte would rescan the
 * rest of the file every time.
 */
struct eol_cursor {
	const char *end, *nl, *cr;
	bool nl_known, cr_known;
};

static void
eol_cursor_init(struct eol_cursor *c, const char *buf, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->end = buf + len;
}

static const char *
next_byte(const char *p, const char *end, char b, const char **cached, bool *known)
{
	if (!*known || (*cached && *cached < p)) {
		*cached = memchr(p, b, (size_t)(end - p));
		*known = true;
	}
	return *cached;
}

/* Length of the line starting at p (line ending included), as nsReadLine splits. */
static size_t
line_length(struct eol_cursor *c, const char *p, unsigned char *eol_len)
{
	const char *nl = next_byte(p, c->end, '\n', &c->nl, &c->nl_known);
	const char *cr = next_byte(p, c->end, '\r', &c->cr, &c->cr_known);
	const char *e = nl && (!cr || nl < cr) ? nl : cr;
	size_t avail = (size_t)(c->end - p), i;

	if (!e) {
		*eol_len = 0;
		return avail;
	}
	i = (size_t)(e - p);
	if (i + 1 < avail && ((p[i] == '\r' && p[i + 1] == '\n') || (p[i] == '\n' && p[i + 1] == '\r'))) {
		*eol_len = 2;
		return i + 2;
	}
	*eol_len = 1;
	return i + 1;
}

void
override_line_release(struct override_line *l)
{
	if (l->owned)
		free((char *)l->raw);
	free(l->entry);
	memset(l, 0, sizeof(*l));
}

struct override_line *
override_lines_push(struct override_file *f)
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
		override_line_release(&f->lines[i]);
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
	struct eol_cursor cur;

	override_file_release(out);
	out->origin = xstrdup(origin ? origin : "cert_override.txt");
	if (len > OVERRIDE_MAX_BYTES)
		return mc_error_set(err, MC_EINPUT, "%s: file too large (%zu bytes, at most %zu)", out->origin,
				    len, OVERRIDE_MAX_BYTES);
	/* Count first: one allocation of the right size, and the limit checked before any. */
	eol_cursor_init(&cur, buf, len);
	for (size_t pos = 0; pos < len; lines++) {
		unsigned char eol;

		if (lines == OVERRIDE_MAX_LINES)
			return mc_error_set(err, MC_EINPUT, "%s: too many lines (more than %zu)", out->origin,
					    OVERRIDE_MAX_LINES);
		pos += line_length(&cur, buf + pos, &eol);
	}
	out->data = xmalloc(len + 1);
	if (len)
		memcpy(out->data, buf, len);
	out->data[len] = '\0';
	out->data_len = len;
	out->alloc = lines + 1;
	out->lines = xreallocarray(NULL, out->alloc, sizeof(*out->lines));
	eol_cursor_init(&cur, out->data, len);

	while (off < len) {
		struct override_line *l = &out->lines[out->n++];
		unsigned char eol;
		size_t n = line_length(&cur, out->data + off, &eol);

		l->owned = false;
		l->raw = out->data + off;
		l->len = n;
		l->eol_len = eol;
		l->lineno = ++lineno;
		override_line_classify(l, off);
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

int
override_scan(const char *buf, size_t len, const char *origin,
	      int (*fn)(const struct override_line *l, void *ctx), void *ctx, struct mc_error *err)
{
	const char *name = origin ? origin : "cert_override.txt";
	size_t off = 0, lineno = 0;
	struct eol_cursor cur;

	if (len > OVERRIDE_MAX_BYTES)
		return mc_error_set(err, MC_EINPUT, "%s: file too large (%zu bytes, at most %zu)", name, len,
				    OVERRIDE_MAX_BYTES);
	eol_cursor_init(&cur, buf, len);
	while (off < len) {
		struct override_line l = {0};
		unsigned char eol;
		int ret;

		if (lineno == OVERRIDE_MAX_LINES)
			return mc_error_set(err, MC_EINPUT, "%s: too many lines (more than %zu)", name,
					    OVERRIDE_MAX_LINES);
		l.len = line_length(&cur, buf + off, &eol);
		l.raw = buf + off;
		l.eol_len = eol;
		l.lineno = ++lineno;
		override_line_classify(&l, off);
		ret = fn(&l, ctx);
		free(l.entry);
		if (ret < 0)
			return ret;
		off += l.len;
	}
	return 0;
}
