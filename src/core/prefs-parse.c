/* SPDX-License-Identifier: MPL-2.0 */
/* prefs-parse.c: the prefs.js/user.js tokenizer and parser, a port of libpref's (modules/libpref/parser/src/lib.rs). */
#include "prefs-file.h"
#include "prefs-internal.h"

#include <limits.h>

#include "banned.h"

/* ---- lexer: token kinds and character classes, as in libpref's lib.rs ---- */

enum tok {
	T_CHAR, /* single-char token in ch; ch == 0 is EOF */
	T_PREF,
	T_STICKY_PREF,
	T_LOCK_PREF,
	T_USER_PREF,
	T_TRUE,
	T_FALSE,
	T_STICKY,
	T_LOCKED,
	T_STRING,
	T_INT,
	T_ERROR,         /* msg */
	T_ERROR_AT_LINE, /* msg, at err_line/err_offset */
};

struct token {
	enum tok kind;
	unsigned char ch;
	bool int_ok;  /* T_INT fits u32 */
	uint32_t u;
	const char *msg;
	unsigned err_line;
	size_t err_offset, err_line_start;
};

/* C_OTHER is 0 so that every byte the table does not name is "unexpected". */
enum ckind { C_OTHER, C_SINGL, C_SPCNL, C_KEYWD, C_QUOTE, C_SLASH, C_DIGIT, C_HASH, C_CR };

static const unsigned char char_kinds[256] = {
	[0] = C_SINGL, ['('] = C_SINGL, [')'] = C_SINGL, ['+'] = C_SINGL,
	[','] = C_SINGL, ['-'] = C_SINGL, [';'] = C_SINGL,
	['\t'] = C_SPCNL, ['\n'] = C_SPCNL, ['\v'] = C_SPCNL, ['\f'] = C_SPCNL, [' '] = C_SPCNL,
	['\r'] = C_CR, ['"'] = C_QUOTE, ['\''] = C_QUOTE, ['#'] = C_HASH, ['/'] = C_SLASH,
	['0' ... '9'] = C_DIGIT, ['A' ... 'Z'] = C_KEYWD, ['a' ... 'z'] = C_KEYWD, ['_'] = C_KEYWD,
};

static const bool special_string_chars[256] = {
	[0] = true, ['\n'] = true, ['\r'] = true, ['"'] = true, ['\''] = true, ['\\'] = true,
};

static const struct {
	const char *s;
	size_t len;
	enum tok kind;
} keywords[] = {
	{ "pref", 4, T_PREF },
	{ "true", 4, T_TRUE },
	{ "false", 5, T_FALSE },
	{ "user_pref", 9, T_USER_PREF },
	{ "sticky", 6, T_STICKY },
	{ "locked", 6, T_LOCKED },
	{ "sticky_pref", 11, T_STICKY_PREF },
	{ "lockPref", 8, T_LOCK_PREF },
};

struct parser {
	const unsigned char *buf; /* len bytes, then a virtual NUL at buf[len] */
	size_t len;
	size_t i;                 /* next byte; may reach len + 1 */
	unsigned line;
	size_t line_start;        /* offset where the current line begins */
	const char *origin;
	enum prefs_file_kind kind;
	struct prefs *out;
	size_t tok_start;         /* where the last token began */
	unsigned tok_line;
	size_t tok_line_start;
};

/* The Rust parser reads len + 1 bytes, the last being the NUL that ends the file. */
static inline unsigned char
get_char(struct parser *p)
{
	unsigned char c;

	if (p->i > p->len)
		return 0;
	c = p->i < p->len ? p->buf[p->i] : 0;
	p->i++;
	return c;
}

static inline void
unget_char(struct parser *p)
{
	p->i--;
}

static inline bool
match_char(struct parser *p, unsigned char c)
{
	unsigned char n = p->i < p->len ? p->buf[p->i] : 0;

	if (n == c) {
		p->i++;
		return true;
	}
	return false;
}

static inline void
new_line(struct parser *p)
{
	p->line++;
	p->line_start = p->i;
}

static void
match_single_line_comment(struct parser *p)
{
	for (;;) {
		unsigned char c = get_char(p);

		if (c > '\r')
			continue;
		if (c == '\n') {
			new_line(p);
			break;
		}
		if (c == '\r') {
			match_char(p, '\n');
			new_line(p);
			break;
		}
		if (c == 0)
			break;
	}
}

static bool
match_multi_line_comment(struct parser *p)
{
	for (;;) {
		unsigned char c = get_char(p);

		if (c == '*') {
			if (match_char(p, '/'))
				return true;
		} else if (c == '\n') {
			new_line(p);
		} else if (c == '\r') {
			match_char(p, '\n');
			new_line(p);
		} else if (c == 0) {
			return false;
		}
	}
}

static bool
match_hex_digits(struct parser *p, int ndigits, uint16_t *out)
{
	uint16_t value = 0;

	for (int k = 0; k < ndigits; k++) {
		unsigned char c = get_char(p);

		value <<= 4;
		if (c >= '0' && c <= '9') {
			value += c - '0';
		} else if (c >= 'A' && c <= 'F') {
			value += c - 'A' + 10;
		} else if (c >= 'a' && c <= 'f') {
			value += c - 'a' + 10;
		} else {
			unget_char(p);
			return false;
		}
	}
	*out = value;
	return true;
}

static void
string_error(struct parser *p, struct token *t, const char *msg)
{
	/* Only the first error inside a string counts. */
	if (t->kind != T_STRING)
		return;
	t->kind = T_ERROR_AT_LINE;
	t->msg = msg;
	t->err_line = p->line;
	t->err_offset = p->i ? p->i - 1 : 0;
	t->err_line_start = p->line_start;
}

static void
put_utf8(struct strbuf *sb, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		strbuf_add(sb, u, 4);
	}
}

static struct token
get_string_token(struct parser *p, unsigned char quote, struct strbuf *sb)
{
	struct token t = { .kind = T_STRING };
	size_t start = p->i;
	bool has_special;

	for (;;) {
		unsigned char c = get_char(p);

		if (special_string_chars[c]) {
			has_special = c != quote;
			break;
		}
	}
	strbuf_reset(sb);
	if (!has_special) {
		strbuf_add(sb, p->buf + start, p->i - 1 - start);
		return t;
	}

	/* Special characters: rescan byte by byte. On error keep going to the end of the literal. */
	p->i = start;
	for (;;) {
		unsigned char c = get_char(p);

		if (!special_string_chars[c]) {
			strbuf_addch(sb, (char)c);
		} else if (c == quote) {
			break;
		} else if (c == '\\') {
			unsigned char e = get_char(p);
			uint16_t v, lo;

			switch (e) {
			case '"':
			case '\'':
			case '\\':
				strbuf_addch(sb, (char)e);
				break;
			case 'n':
				strbuf_addch(sb, '\n');
				break;
			case 'r':
				strbuf_addch(sb, '\r');
				break;
			case 'x':
				if (!match_hex_digits(p, 2, &v))
					string_error(p, &t, "malformed \\x escape sequence");
				else if (v == 0)
					string_error(p, &t, "\\x00 is not allowed");
				else
					strbuf_addch(sb, (char)v);
				break;
			case 'u':
				if (!match_hex_digits(p, 4, &v)) {
					string_error(p, &t, "malformed \\u escape sequence");
				} else if ((v & 0xfc00) == 0xd800) {
					bool have_lo = false;

					if (match_char(p, '\\') && match_char(p, 'u')) {
						if (match_hex_digits(p, 4, &lo)) {
							if ((lo & 0xfc00) != 0xdc00) {
								string_error(p, &t,
									     "invalid low surrogate after high surrogate");
								break;
							}
							have_lo = true;
						}
					}
					if (!have_lo) {
						string_error(p, &t, "expected low surrogate after high surrogate");
						break;
					}
					put_utf8(sb, 0x10000 + (((uint32_t)v - 0xd800) << 10) + (lo - 0xdc00));
				} else if ((v & 0xfc00) == 0xdc00) {
					string_error(p, &t, "expected high surrogate before low surrogate");
				} else if (v == 0) {
					string_error(p, &t, "\\u0000 is not allowed");
				} else {
					put_utf8(sb, v);
				}
				break;
			default:
				if (e == '\n' || e == '\r')
					unget_char(p);
				string_error(p, &t, "unexpected escape sequence character after '\\'");
				break;
			}
		} else if (c == '\n') {
			new_line(p);
			strbuf_addch(sb, '\n');
		} else if (c == '\r') {
			if (match_char(p, '\n')) {
				new_line(p);
				strbuf_add(sb, "\r\n", 2);
			} else {
				new_line(p);
				strbuf_addch(sb, '\r');
			}
		} else if (c == 0) {
			string_error(p, &t, "unterminated string literal");
			break;
		} else {
			/* the other quote character */
			strbuf_addch(sb, (char)c);
		}
	}
	return t;
}

static struct token
get_token(struct parser *p, struct strbuf *sb)
{
	struct token t = { .kind = T_CHAR };

	for (;;) {
		unsigned char c = get_char(p);

		p->tok_start = p->i - 1;
		p->tok_line = p->line;
		p->tok_line_start = p->line_start;
		switch (char_kinds[c]) {
		case C_SINGL:
			t.ch = c;
			return t;
		case C_SPCNL:
			if (c == '\n')
				new_line(p);
			continue;
		case C_KEYWD: {
			size_t start = p->i - 1;

			while (char_kinds[get_char(p)] == C_KEYWD)
				;
			unget_char(p);
			for (size_t k = 0; k < ARRAY_SIZE(keywords); k++) {
				if (p->i - start == keywords[k].len &&
				    memcmp(p->buf + start, keywords[k].s, keywords[k].len) == 0) {
					t.kind = keywords[k].kind;
					return t;
				}
			}
			t.kind = T_ERROR;
			t.msg = "unknown keyword";
			return t;
		}
		case C_QUOTE:
			return get_string_token(p, c, sb);
		case C_SLASH: {
			unsigned char n = get_char(p);

			if (n == '/') {
				match_single_line_comment(p);
			} else if (n == '*') {
				if (!match_multi_line_comment(p)) {
					t.kind = T_ERROR;
					t.msg = "unterminated /* comment";
					return t;
				}
			} else {
				if (n == '\n' || n == '\r')
					unget_char(p);
				t.kind = T_ERROR;
				t.msg = "expected '/' or '*' after '/'";
				return t;
			}
			continue;
		}
		case C_DIGIT: {
			uint64_t value = c - '0';
			bool ok = true;

			for (;;) {
				unsigned char d = get_char(p);

				if (char_kinds[d] == C_DIGIT) {
					if (ok) {
						value = value * 10 + (d - '0');
						if (value > UINT32_MAX)
							ok = false;
					}
				} else if (char_kinds[d] == C_KEYWD) {
					/* "123foo": recovery retokenizes from "foo". */
					unget_char(p);
					t.kind = T_ERROR;
					t.msg = "unexpected character in integer literal";
					return t;
				} else {
					unget_char(p);
					break;
				}
			}
			if (!ok) {
				t.kind = T_ERROR;
				t.msg = "integer literal overflowed";
				return t;
			}
			t.kind = T_INT;
			t.u = (uint32_t)value;
			return t;
		}
		case C_HASH:
			match_single_line_comment(p);
			continue;
		case C_CR:
			match_char(p, '\n');
			new_line(p);
			continue;
		default:
			t.kind = T_ERROR;
			t.msg = "unexpected character";
			return t;
		}
	}
}

/* ---- parser ---- */

static void
record_error(struct parser *p, unsigned line, size_t offset, size_t line_start, const char *msg)
{
	struct prefs *out = p->out;
	struct prefs_parse_error *e;

	out->nerrors_total++;
	if (out->nerrors >= PREFS_MAX_ERRORS)
		return;
	if (!out->errors)
		out->errors = xreallocarray(NULL, 16, sizeof(*out->errors));
	else if ((out->nerrors & (out->nerrors - 1)) == 0 && out->nerrors >= 16)
		out->errors = xreallocarray(out->errors, out->nerrors * 2, sizeof(*out->errors));
	e = &out->errors[out->nerrors++];
	e->line = line;
	e->offset = offset;
	e->column = (unsigned)((offset >= line_start ? offset - line_start : 0) + 1);
	e->msg = msg;
	e->text = xasprintf("%s:%u: prefs parse error: %s", p->origin, line, msg);
}

static struct token
error_and_recover(struct parser *p, struct token t, const char *msg, struct strbuf *dummy)
{
	if (t.kind == T_ERROR_AT_LINE) {
		record_error(p, t.err_line, t.err_offset, t.err_line_start, t.msg);
	} else {
		size_t off = p->tok_start, ls = p->line_start;

		/* A token that began on an earlier line: point at where the lexer stands. */
		if (p->tok_line != p->line)
			off = p->i ? p->i - 1 : 0;
		record_error(p, p->line, off, ls, t.kind == T_ERROR ? t.msg : msg);
	}

	/* Panic mode: skip tokens up to a ';' and return the one after it, or EOF. */
	for (;;) {
		if (t.kind == T_CHAR && t.ch == ';')
			return get_token(p, dummy);
		if (t.kind == T_CHAR && t.ch == 0)
			return t;
		t = get_token(p, dummy);
	}
}

static void
parse(struct parser *p)
{
	struct strbuf name, value, none;
	struct token t;

	strbuf_init(&name);
	strbuf_init(&value);
	strbuf_init(&none);
	t = get_token(p, &none);
	for (;;) {
		struct prefs_entry e = { 0 };
		bool has_attrs = false;

		/* <pref-spec> */
		e.start = p->tok_start;
		e.line = p->tok_line;
		if (t.kind == T_PREF && p->kind == PREFS_FILE_DEFAULT) {
			e.kind = PREFS_KIND_PREF;
		} else if (t.kind == T_STICKY_PREF && p->kind == PREFS_FILE_DEFAULT) {
			e.kind = PREFS_KIND_STICKY;
			e.sticky = true;
		} else if (t.kind == T_LOCK_PREF) {
			e.kind = PREFS_KIND_LOCK;
			e.locked = true;
		} else if (t.kind == T_USER_PREF) {
			e.kind = PREFS_KIND_USER;
		} else if (t.kind == T_CHAR && t.ch == 0) {
			p->out->end_offset = p->tok_start < p->len ? p->tok_start : p->len;
			break;
		} else {
			t = error_and_recover(p, t, p->kind == PREFS_FILE_DEFAULT
					      ? "expected pref specifier at start of pref definition"
					      : "expected 'user_pref' at start of pref definition", &none);
			continue;
		}

		/* "(" */
		t = get_token(p, &none);
		if (!(t.kind == T_CHAR && t.ch == '(')) {
			t = error_and_recover(p, t, "expected '(' after pref specifier", &none);
			continue;
		}

		/* <pref-name> */
		t = get_token(p, &name);
		if (t.kind != T_STRING) {
			t = error_and_recover(p, t, "expected pref name after '('", &none);
			continue;
		}

		/* "," */
		t = get_token(p, &none);
		if (!(t.kind == T_CHAR && t.ch == ',')) {
			t = error_and_recover(p, t, "expected ',' after pref name", &none);
			continue;
		}

		/* <pref-value> */
		t = get_token(p, &value);
		if (t.kind == T_TRUE || t.kind == T_FALSE) {
			e.value.type = PREFS_TYPE_BOOL;
			e.value.b = t.kind == T_TRUE;
		} else if (t.kind == T_STRING) {
			e.value.type = PREFS_TYPE_STRING;
		} else if (t.kind == T_INT) {
			if (t.u > INT32_MAX) {
				struct token o = { .kind = T_ERROR, .msg = "integer literal overflowed" };

				t = error_and_recover(p, o, "", &none);
				continue;
			}
			e.value.type = PREFS_TYPE_INT;
			e.value.i = (int32_t)t.u;
		} else if (t.kind == T_CHAR && (t.ch == '-' || t.ch == '+')) {
			bool neg = t.ch == '-';

			t = get_token(p, &none);
			if (t.kind != T_INT) {
				t = error_and_recover(p, t, neg ? "expected integer literal after '-'"
						      : "expected integer literal after '+'", &none);
				continue;
			}
			if (t.u > (uint32_t)INT32_MAX + (neg ? 1 : 0)) {
				struct token o = { .kind = T_ERROR, .msg = "integer literal overflowed" };

				t = error_and_recover(p, o, "", &none);
				continue;
			}
			e.value.type = PREFS_TYPE_INT;
			e.value.i = neg ? (int32_t)(-(int64_t)t.u) : (int32_t)t.u;
		} else {
			t = error_and_recover(p, t, "expected pref value after ','", &none);
			continue;
		}

		/* ("," <pref-attr>)*, default files only */
		if (p->kind == PREFS_FILE_DEFAULT) {
			bool ok = true;

			for (;;) {
				t = get_token(p, &none);
				if (!(t.kind == T_CHAR && t.ch == ','))
					break;
				t = get_token(p, &none);
				if (t.kind == T_STICKY) {
					e.sticky = true;
				} else if (t.kind == T_LOCKED) {
					e.locked = true;
				} else {
					t = error_and_recover(p, t, "expected pref attribute after ','", &none);
					ok = false;
					break;
				}
				has_attrs = true;
			}
			if (!ok)
				continue;
		} else {
			t = get_token(p, &none);
		}

		/* ")" */
		if (!(t.kind == T_CHAR && t.ch == ')')) {
			const char *m = p->kind != PREFS_FILE_DEFAULT ? "expected ')' after pref value"
				: has_attrs ? "expected ',' or ')' after pref attribute"
				: "expected ',' or ')' after pref value";

			t = error_and_recover(p, t, m, &none);
			continue;
		}

		/* ";" */
		t = get_token(p, &none);
		if (!(t.kind == T_CHAR && t.ch == ';')) {
			t = error_and_recover(p, t, "expected ';' after ')'", &none);
			continue;
		}
		e.end = p->i;
		e.name = xstrndup(name.buf, name.len);
		if (e.value.type == PREFS_TYPE_STRING)
			e.value.s = xstrndup(value.buf, value.len);
		prefs_add_entry(p->out, &e);

		t = get_token(p, &none);
	}
	strbuf_release(&name);
	strbuf_release(&value);
	strbuf_release(&none);
}

int
prefs_parse_kind(const char *buf, size_t len, const char *origin, enum prefs_file_kind kind,
		 struct prefs *out, struct mc_error *err)
{
	struct parser p = {
		.buf = (const unsigned char *)buf, .len = len, .line = 1,
		.origin = origin ? origin : "prefs.js", .kind = kind, .out = out,
	};

	prefs_init(out);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		/* The application skips a UTF-8 BOM; offsets stay those of buf. */
		out->bom = true;
		p.i = p.line_start = 3;
	}
	for (size_t k = p.i; k < len; k++) {
		if (buf[k] == '\n' || buf[k] == '\r') {
			out->crlf = buf[k] == '\r' && k + 1 < len && buf[k + 1] == '\n';
			break;
		}
	}
	parse(&p);
	if (out->nerrors_total) {
		const struct prefs_parse_error *e = &out->errors[0];

		if (out->nerrors_total > 1)
			return mc_error_set(err, MC_EINPUT, "%s:%u:%u: %s (and %zu more errors)",
					    p.origin, e->line, e->column, e->msg, out->nerrors_total - 1);
		return mc_error_set(err, MC_EINPUT, "%s:%u:%u: %s", p.origin, e->line, e->column, e->msg);
	}
	return 0;
}

int
prefs_parse(const char *buf, size_t len, const char *origin, struct prefs *out, struct mc_error *err)
{
	return prefs_parse_kind(buf, len, origin, PREFS_FILE_USER, out, err);
}

bool
prefs_parse_quoted(const char *text, char **out)
{
	struct parser p = { .buf = (const unsigned char *)text, .len = strlen(text), .line = 1 };
	struct strbuf sb;
	struct token t;

	strbuf_init(&sb);
	t = get_string_token(&p, (unsigned char)get_char(&p), &sb);
	if (t.kind != T_STRING || p.i != p.len) {
		strbuf_release(&sb);
		return false;
	}
	*out = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return true;
}
