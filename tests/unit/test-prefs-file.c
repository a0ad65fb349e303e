/* SPDX-License-Identifier: MPL-2.0 */
/* test-prefs-file.c: the prefs.js parser against libpref's own tests, real files and Firefox itself. */
#include <check.h>
#include <time.h>

#include "helpers.h"
#include "prefs-file.h"
#include "strbuf.h"
#include "error.h"

/* strbuf_detach leaves an initialised buffer behind: take the text and free the rest. */
static char *
take(struct strbuf *sb)
{
	char *r = strbuf_detach(sb, NULL);

	strbuf_release(sb);
	return r;
}

/* All error texts of a parse, one per line, as the application prints them. */
static char *
errors_text(const struct prefs *p)
{
	struct strbuf sb;

	strbuf_init(&sb);
	for (size_t k = 0; k < p->nerrors; k++)
		strbuf_addf(&sb, "%s\n", p->errors[k].text);
	return take(&sb);
}

static char *
parse_errors(enum prefs_file_kind kind, const char *text)
{
	struct prefs p;
	struct mc_error err = { 0 };
	char *r;
	int rc = prefs_parse_kind(text, strlen(text), "test", kind, &p, &err);

	r = errors_text(&p);
	/* The return value and err agree with the list. */
	ck_assert_int_eq(rc, p.nerrors_total ? MC_EINPUT : 0);
	ck_assert_int_eq(err.code, rc);
	prefs_release(&p);
	return r;
}

static char *
fixture(const char *rel, size_t *len)
{
	_autofree_ char *path = src_path(rel);
	char *buf = read_whole(path, len);

	ck_assert_msg(buf != NULL, "missing %s", path);
	return buf;
}

static char *
write_str(const struct prefs *p)
{
	struct strbuf sb;

	strbuf_init(&sb);
	prefs_write(p, &sb);
	return take(&sb);
}

/* ---- modules/libpref/test/gtest/Parser.cpp (current mozilla-central), case by case ---- */

struct gtest_case {
	enum prefs_file_kind kind;
	const char *text;
	const char *errors;
};

#define D PREFS_FILE_DEFAULT
#define U PREFS_FILE_USER
#define E(line, msg) "test:" #line ": prefs parse error: " msg "\n"

static const struct gtest_case gtest_cases[] = {
	{ D, "\npref(\"bool\", true);\nsticky_pref(\"int\", 123);\nuser_pref(\"string\", \"value\");\n    ", "" },
	{ D, "", "" },
	{ D, "\n\n    \v \t \v \f", "" },
	{ D, "// blah", "" },
	{ D, "# blah", "" },
	{ D, "/* blah */", "" },
	{ D, "\npref(\"int.ok\", 2147483647);\npref(\"int.overflow\", 2147483648);\n"
	     "pref(\"int.ok\", +2147483647);\npref(\"int.overflow\", +2147483648);\n"
	     "pref(\"int.ok\", -2147483648);\npref(\"int.overflow\", -2147483649);\n"
	     "pref(\"int.overflow\", 4294967296);\npref(\"int.overflow\", +4294967296);\n"
	     "pref(\"int.overflow\", -4294967296);\npref(\"int.overflow\", 4294967297);\n"
	     "pref(\"int.overflow\", 1234567890987654321);\n    ",
	  E(3, "integer literal overflowed") E(5, "integer literal overflowed")
	  E(7, "integer literal overflowed") E(8, "integer literal overflowed")
	  E(9, "integer literal overflowed") E(10, "integer literal overflowed")
	  E(11, "integer literal overflowed") E(12, "integer literal overflowed") },
	{ D, "\npref(\"int.unexpected\", 100foo);\npref(\"int.ok\", 0);\n    ",
	  E(2, "unexpected character in integer literal") },
	{ D, "\npref(\"string.bad-x-escape\", \"foo\\x00bar\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "\\x00 is not allowed") },
	{ D, "\npref(\"string.bad-x-escape\", \"foo\\x\");\npref(\"string.bad-x-escape\", \"foo\\x,bar\");\n"
	     "pref(\"string.bad-x-escape\", \"foo\\x 12\");\npref(\"string.bad-x-escape\", \"foo\\x\n12\");\n"
	     "pref(\"string.bad-x-escape\", \"foo\\x",
	  E(2, "malformed \\x escape sequence") E(3, "malformed \\x escape sequence")
	  E(4, "malformed \\x escape sequence") E(5, "malformed \\x escape sequence")
	  E(7, "malformed \\x escape sequence") },
	{ D, "\npref(\"string.bad-x-escape\", \"foo\\x1\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "malformed \\x escape sequence") },
	{ D, "\npref(\"string.bad-x-escape\", \"foo\\x1G\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "malformed \\x escape sequence") },
	{ D, "\npref(\"string.bad-u-escape\", \"foo\\u0000 bar\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "\\u0000 is not allowed") },
	{ D, "\npref(\"string.bad-u-escape\", \"foo\\u\");\npref(\"string.bad-u-escape\", \"foo\\u,bar\");\n"
	     "pref(\"string.bad-u-escape\", \"foo\\u 1234\");\npref(\"string.bad-u-escape\", \"foo\\u\n1234\");\n"
	     "pref(\"string.bad-u-escape\", \"foo\\u",
	  E(2, "malformed \\u escape sequence") E(3, "malformed \\u escape sequence")
	  E(4, "malformed \\u escape sequence") E(5, "malformed \\u escape sequence")
	  E(7, "malformed \\u escape sequence") },
	{ D, "\npref(\"string.bad-u-escape\", \"foo\\u1\");\npref(\"string.bad-u-escape\", \"foo\\u12\");\n"
	     "pref(\"string.bad-u-escape\", \"foo\\u123\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "malformed \\u escape sequence") E(3, "malformed \\u escape sequence")
	  E(4, "malformed \\u escape sequence") },
	{ D, "\npref(\"string.bad-u-escape\", \"foo\\u1G34\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "malformed \\u escape sequence") },
	{ D, "\npref(\"string.bad-u-surrogate\", \"foo\\ud83c,blah\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "expected low surrogate after high surrogate") },
	{ D, "\npref(\"string.bad-u-surrogate\", \"foo\\ud83c\\u1234\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "invalid low surrogate after high surrogate") },
	{ D, "\npref(\"string.bad-u-surrogate\", \"foo\\udc00\");\npref(\"int.ok\", 0);\n    ",
	  E(2, "expected high surrogate before low surrogate") },
	{ D, "\npref(\"string.bad-escape\", \"foo\\b\");\npref(\"string.bad-escape\", \"foo\\f\");\n"
	     "pref(\"string.bad-escape\", \"foo\\t\");\npref(\"string.bad-escape\", \"foo\\v\");\n"
	     "pref(\"int.ok\", 0);\n    ",
	  E(2, "unexpected escape sequence character after '\\'")
	  E(3, "unexpected escape sequence character after '\\'")
	  E(4, "unexpected escape sequence character after '\\'")
	  E(5, "unexpected escape sequence character after '\\'") },
	{ D, "\npref(\"string.bad-escape\", \"foo\\Q\");\npref(\"string.bad-escape\", \"foo\\1\");\n"
	     "pref(\"string.bad-escape\", \"foo\\,\");\npref(\"string.bad-escape\", \"foo\\ n\");\n"
	     "pref(\"string.bad-escape\", \"foo\\\nn\");\npref(\"string.bad-escape\", \"foo\\",
	  E(2, "unexpected escape sequence character after '\\'")
	  E(3, "unexpected escape sequence character after '\\'")
	  E(4, "unexpected escape sequence character after '\\'")
	  E(5, "unexpected escape sequence character after '\\'")
	  E(6, "unexpected escape sequence character after '\\'")
	  E(8, "unexpected escape sequence character after '\\'") },
	{ D, "\npref(\"string.unterminated-string\", \"foo\n    ", E(3, "unterminated string literal") },
	{ D, "\npref(\"string.unterminated-string\", \"foo);\npref(\"int.ok\", 0);\n    ",
	  E(3, "unknown keyword") },
	{ D, "\npref(\"string.unterminated-string\", \"foo');\n    ", E(3, "unterminated string literal") },
	{ D, "\npref(\"string.unterminated-string\", 'foo\");\n    ", E(3, "unterminated string literal") },
	{ D, "\nfoo;\npreff(\"string.bad-keyword\", true);\nticky_pref(\"string.bad-keyword\", true);\n"
	     "User_pref(\"string.bad-keyword\", true);\npref(\"string.bad-keyword\", TRUE);\n    ",
	  E(2, "unknown keyword") E(3, "unknown keyword") E(4, "unknown keyword")
	  E(5, "unknown keyword") E(6, "unknown keyword") },
	{ D, "\n/* comment\n    ", E(3, "unterminated /* comment") },
	{ D, "\n/ comment;\n/\n; /",
	  E(2, "expected '/' or '*' after '/'") E(3, "expected '/' or '*' after '/'")
	  E(4, "expected '/' or '*' after '/'") },
	{ D, "\n// comment", "" },
	{ D, "\n//", "" },
	{ D, "\npref(\"unexpected.chars\", &true);\npref(\"unexpected.chars\" : true);\n"
	     "@pref(\"unexpected.chars\", true);\npref[\"unexpected.chars\": true];\n    ",
	  E(2, "unexpected character") E(3, "unexpected character") E(4, "unexpected character")
	  E(5, "unexpected character") },
	{ D, "\n\"pref\"(\"parse.error\": true);\npref1(\"parse.error\": true);\npref(123: true);\n"
	     "pref(\"parse.error\" true);\npref(\"parse.error\", pref);\npref(\"parse.error\", -true);\n"
	     "pref(\"parse.error\", +\"value\");\npref(\"parse.error\", true,);\npref(\"parse.error\", true;\n"
	     "pref(\"parse.error\", true, sticky, locked;\npref(\"parse.error\", true)\npref(\"int.ok\", 1);\n"
	     "pref(\"parse.error\", true))",
	  E(2, "expected pref specifier at start of pref definition") E(3, "expected '(' after pref specifier")
	  E(4, "expected pref name after '('") E(5, "expected ',' after pref name")
	  E(6, "expected pref value after ','") E(7, "expected integer literal after '-'")
	  E(8, "expected integer literal after '+'") E(9, "expected pref attribute after ','")
	  E(10, "expected ',' or ')' after pref value") E(11, "expected ',' or ')' after pref attribute")
	  E(13, "expected ';' after ')'") E(14, "expected ';' after ')'") },
	{ U, "\npref(\"parse.error\", true);\nsticky_pref(\"parse.error\", true);\nuser_pref(\"int.ok\", 1);\n    ",
	  E(2, "expected 'user_pref' at start of pref definition")
	  E(3, "expected 'user_pref' at start of pref definition") },
	{ U, "\nuser_pref(\"parse.error\", true;\nuser_pref(\"int.ok\", 1);\n    ",
	  E(2, "expected ')' after pref value") },
	{ D, "\npref", E(2, "expected '(' after pref specifier") },
	{ D, "\npref(", E(2, "expected pref name after '('") },
	{ D, "\npref(\"parse.error\"", E(2, "expected ',' after pref name") },
	{ D, "\npref(\"parse.error\",", E(2, "expected pref value after ','") },
	{ D, "\npref(\"parse.error\", -", E(2, "expected integer literal after '-'") },
	{ D, "\npref(\"parse.error\", +", E(2, "expected integer literal after '+'") },
	{ D, "\npref(\"parse.error\", true", E(2, "expected ',' or ')' after pref value") },
	{ U, "\nuser_pref(\"parse.error\", true", E(2, "expected ')' after pref value") },
	{ D, "\npref(\"parse.error\", true,", E(2, "expected pref attribute after ','") },
	{ D, "\npref(\"parse.error\", true, sticky", E(2, "expected ',' or ')' after pref attribute") },
	{ D, "\npref(\"parse.error\", true)", E(2, "expected ';' after ')'") },
	{ D, "\npref(\"parse.error\", true);;\npref(\"parse.error\", true, locked);;;\n"
	     "pref(\"parse.error\", true, sticky, locked);;;;\npref(\"int.ok\", 0);\n    ",
	  E(2, "expected pref specifier at start of pref definition")
	  E(3, "expected pref specifier at start of pref definition")
	  E(3, "expected pref specifier at start of pref definition")
	  E(4, "expected pref specifier at start of pref definition")
	  E(4, "expected pref specifier at start of pref definition")
	  E(4, "expected pref specifier at start of pref definition") },
	{ D, "\n \r \r\n bad", E(4, "unknown keyword") },
	{ D, "#\n#\r#\r\n bad", E(4, "unknown keyword") },
	{ D, "//\n//\r//\r\n bad", E(4, "unknown keyword") },
	{ D, "/*\n \r \r\n*/ bad", E(4, "unknown keyword") },
	{ D, "pref(\"foo\\n\n foo\\r\r foo\\r\\n\r\n foo\", bad);", E(4, "unknown keyword") },
	/* Not in the gtest: the user-file forms of the same mistakes. */
	{ U, "\nuser_pref(\"a\", 1, locked);\nuser_pref(\"b\", 2);\n", E(2, "expected ')' after pref value") },
	{ U, ";;", E(1, "expected 'user_pref' at start of pref definition")
		   E(1, "expected 'user_pref' at start of pref definition") },
};

START_TEST(test_gtest_table)
{
	const struct gtest_case *c = &gtest_cases[_i];
	_autofree_ char *got = parse_errors(c->kind, c->text);

	ck_assert_msg(streq(got, c->errors), "case %d: got\n%s\nwant\n%s", _i, got, c->errors);
}
END_TEST

/* Statements around errors still load: the last case of the gtest, counted. */
START_TEST(test_recovery_keeps_good_statements)
{
	const char *text = "user_pref(\"a\", 1);\nuser_pref(\"b\", 99999999999);\n@;\nuser_pref(\"c\", \"x\\q\");\n"
			   "user_pref(\"d\", true);\n";
	struct prefs p;
	struct mc_error err = { 0 };

	ck_assert_int_eq(prefs_parse(text, strlen(text), "prefs.js", &p, &err), MC_EINPUT);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_str_eq(p.entries[0].name, "a");
	ck_assert_str_eq(p.entries[1].name, "d");
	ck_assert_uint_eq(p.entries[1].line, 5);
	ck_assert_uint_eq(p.nerrors_total, 3);
	/* err: the first error, with its column, and the count of the others. */
	ck_assert_str_eq(err.msg, "prefs.js:2:16: integer literal overflowed (and 2 more errors)");
	ck_assert_uint_eq(p.errors[1].line, 3);
	ck_assert_uint_eq(p.errors[1].column, 1);
	ck_assert_str_eq(p.errors[1].text, "prefs.js:3: prefs parse error: unexpected character");
	ck_assert_uint_eq(p.errors[2].column, 19); /* the q of \q */
	ck_assert_str_eq(p.errors[2].msg, "unexpected escape sequence character after '\\'");
	prefs_release(&p);
}
END_TEST

/* ---- modules/libpref/test/unit/test_parser.js and data/testParser.js: values ---- */

START_TEST(test_xpcshell_values)
{
	const char *text =
		"pref(\"int.max\", 2147483647);\n"
		"pref(\"int.min\", -2147483648);\n"
		"pref(\"int.sign\", - /* hmm */ 456);\n"
		"pref(\"int.nl\", -\n 7);\n"
		"pref(\"int.plus\", +3);\n"
		"pref(\"s.dq\", \"foo\");\n"
		"pref(\"s.sq\", 'foo');\n"
		"pref(\"s.raw\", \"a\rb\tc\vd\fe\");\n"
		"pref(\"s.quotes\", '\"' + \"'\");\n" /* an error: no concatenation */
		"pref(\"s.x\", \"\\x41\\xff\\x7f\");\n"
		"pref(\"s.u\", \"\\u00e9\\u20ac\");\n"
		"pref(\"s.pair\", \"\\ud83c\\udf00\\uD83D\\uDE00\");\n"
		"pref(\"s.esc\", \"\\\"\\'\\\\\\n\\r\");\n"
		"pref(\"b.locked\", true, locked);\n"
		"pref(\"b.sticky\", false, sticky);\n"
		"sticky_pref(\"i.sticky\", 1);\n"
		"lockPref(\"i.locked\", 2);\n";
	struct prefs p;
	const struct prefs_entry *e;

	ck_assert_int_eq(prefs_parse_kind(text, strlen(text), "t", PREFS_FILE_DEFAULT, &p, NULL), MC_EINPUT);
	ck_assert_uint_eq(p.nerrors_total, 1);
	/* Line 11: int.nl spans two lines and the raw CR in s.raw is a line break. */
	ck_assert_str_eq(p.errors[0].text, "t:11: prefs parse error: expected ',' or ')' after pref value");
	ck_assert_uint_eq(p.n, 16);
	ck_assert_int_eq(prefs_lookup(&p, "int.max", PREFS_KIND_PREF)->value.i, INT32_MAX);
	ck_assert_int_eq(prefs_lookup(&p, "int.min", PREFS_KIND_PREF)->value.i, INT32_MIN);
	ck_assert_int_eq(prefs_lookup(&p, "int.sign", PREFS_KIND_PREF)->value.i, -456);
	ck_assert_int_eq(prefs_lookup(&p, "int.nl", PREFS_KIND_PREF)->value.i, -7);
	ck_assert_int_eq(prefs_lookup(&p, "int.plus", PREFS_KIND_PREF)->value.i, 3);
	ck_assert_str_eq(prefs_lookup(&p, "s.dq", PREFS_KIND_PREF)->value.s, "foo");
	ck_assert_str_eq(prefs_lookup(&p, "s.sq", PREFS_KIND_PREF)->value.s, "foo");
	ck_assert_str_eq(prefs_lookup(&p, "s.raw", PREFS_KIND_PREF)->value.s, "a\rb\tc\vd\fe");
	ck_assert_str_eq(prefs_lookup(&p, "s.x", PREFS_KIND_PREF)->value.s, "A\xff\x7f");
	ck_assert_str_eq(prefs_lookup(&p, "s.u", PREFS_KIND_PREF)->value.s, "\xc3\xa9\xe2\x82\xac");
	/* U+1F300 and U+1F600 from surrogate pairs, in both hex cases. */
	ck_assert_str_eq(prefs_lookup(&p, "s.pair", PREFS_KIND_PREF)->value.s,
			 "\xf0\x9f\x8c\x80\xf0\x9f\x98\x80");
	ck_assert_str_eq(prefs_lookup(&p, "s.esc", PREFS_KIND_PREF)->value.s, "\"'\\\n\r");
	e = prefs_lookup(&p, "b.locked", PREFS_KIND_PREF);
	ck_assert(e->locked && !e->sticky && e->value.type == PREFS_TYPE_BOOL && e->value.b);
	e = prefs_lookup(&p, "b.sticky", PREFS_KIND_PREF);
	ck_assert(e->sticky && !e->locked && !e->value.b);
	e = prefs_lookup(&p, "i.sticky", PREFS_KIND_STICKY);
	ck_assert(e && e->sticky && e->value.i == 1);
	e = prefs_lookup(&p, "i.locked", PREFS_KIND_LOCK);
	ck_assert(e && e->locked && e->value.i == 2);
	ck_assert_ptr_null(prefs_get(&p, "int.max")); /* a default is not a user value */
	prefs_release(&p);
}
END_TEST

/* A raw CR LF inside a string is kept as CR LF; line numbers count it once. */
START_TEST(test_crlf_inside_string_and_lines)
{
	const char *text = "\xef\xbb\xbfuser_pref(\"a\", \"x\r\ny\");\r\nuser_pref(\"b\", 1);\ruser_pref(\"c\", 2);\n";
	struct prefs p;

	ck_assert_int_eq(prefs_parse(text, strlen(text), "f", &p, NULL), 0);
	ck_assert(p.bom && p.crlf);
	ck_assert_uint_eq(p.n, 3);
	ck_assert_str_eq(p.entries[0].value.s, "x\r\ny");
	ck_assert_uint_eq(p.entries[0].line, 1);
	ck_assert_uint_eq(p.entries[1].line, 3);
	ck_assert_uint_eq(p.entries[2].line, 4);
	/* Spans are offsets into the buffer as given, BOM included. */
	ck_assert_uint_eq(p.entries[0].start, 3);
	ck_assert_uint_eq(p.entries[1].end - p.entries[1].start, strlen("user_pref(\"b\", 1);"));
	ck_assert(memcmp(text + p.entries[2].start, "user_pref(\"c\", 2);", p.entries[2].end - p.entries[2].start) == 0);
	prefs_release(&p);
}
END_TEST

/* ---- real files ---- */

struct real_case {
	const char *path;   /* under tests/fixtures, or under $MOZCERT_EXTRA_FIXTURES when extra */
	size_t count;       /* grep -c '^user_pref(' */
	bool current_header;
	bool sorted;
	bool extra;
};

static const struct real_case real_cases[] = {
	{ "made/legacy-profile/prefs.js", 115, false, true, false },
	{ "made/sql-profile/prefs.js", 136, true, true, false },
	{ "real/mozilla-tb-mozmill-migration-from-tb2/prefs.js", 98, false, false, false },
	{ "made/prefs-windows-paths/prefs.js", 57, false, true, false },
	{ "real/mozilla-mozprofile-prefs-files/prefs_with_comments.js", 4, false, false, false },
	{ "real/mozilla-mozprofile-prefs-files/prefs_with_interpolation.js", 4, false, false, false },
	/* the originals the made files stand in for */
	{ "beubi-customfirefoxprofile/prefs.js", 115, false, true, true },
	{ "eventkit-testing-profile/prefs.js", 136, true, true, true },
	{ "selenium-selqlmaven-profile/prefs.js", 74, false, true, true },
	{ "selenium-solusvm-profile/prefs.js", 126, false, true, true },
};

/* The user_pref lines of a file, sorted bytewise, each with "\n". */
static char *
sorted_lines(const char *buf)
{
	char **lines = NULL;
	size_t n = 0;
	struct strbuf sb;
	const char *s = buf;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);

		if (strncmp(s, "user_pref(", 10) == 0) {
			char *line = strndup(s, l);
			char *end = line;

			/* Drop a trailing comment after the statement (mozprofile's test file). */
			for (char *q = line; (q = strstr(q, ");")); q += 2)
				end = q + 2;
			*end = '\0';
			lines = xrealloc(lines, (n + 1) * sizeof(*lines));
			lines[n++] = line;
		}
		s += l + (nl ? 1 : 0);
	}
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
			char *t = lines[j];

			lines[j] = lines[j - 1];
			lines[j - 1] = t;
		}
	}
	strbuf_init(&sb);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&sb, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	return take(&sb);
}

START_TEST(test_real_files)
{
	const struct real_case *c = &real_cases[_i];
	size_t len;
	_autofree_ char *path = c->extra ? extra_path(c->path) : fixture_path(c->path);
	_autofree_ char *buf = NULL;
	_autofree_ char *out = NULL, *want_body = NULL;
	struct prefs p;
	struct strbuf want;

	if (!path)
		return;
	buf = read_whole(path, &len);
	ck_assert_msg(buf != NULL, "cannot read %s", path);
	ck_assert_int_eq(prefs_parse(buf, len, "prefs.js", &p, NULL), 0);
	ck_assert_uint_eq(p.n, c->count);
	ck_assert_uint_eq(p.nerrors_total, 0);
	out = write_str(&p);
	if (c->current_header) {
		/* Today's header, sorted (as Firefox 61 and later write it): byte-identical. */
		ck_assert_str_eq(out, buf);
	}
	/*
	 * Older files carry an older header (Firefox <= 58 "# Mozilla User
	 * Preferences" + a comment block; Thunderbird 2 also unsorted, mozprofile
	 * test files have no header and comments): a current application
	 * rewrites them with today's header and the same user_pref lines, sorted.
	 */
	strbuf_init(&want);
	strbuf_addstr(&want, prefs_file_header);
	want_body = sorted_lines(buf);
	strbuf_addstr(&want, want_body);
	ck_assert_str_eq(out, want.buf);
	if (c->sorted && !c->current_header)
		ck_assert(strstr(buf, want_body) != NULL); /* the body is kept byte for byte */
	strbuf_release(&want);
	prefs_release(&p);
}
END_TEST

/* OCSP off (an int 0) on line 111 of an old-header file, the statement's bytes as written. */
static void
assert_ocsp_off(const char *path)
{
	size_t len;
	_autofree_ char *buf = read_whole(path, &len);
	struct prefs p;
	const struct prefs_entry *e;

	ck_assert_msg(buf != NULL, "cannot read %s", path);
	ck_assert_int_eq(prefs_parse(buf, len, "prefs.js", &p, NULL), 0);
	e = prefs_get(&p, "security.OCSP.enabled");
	ck_assert(e && e->value.type == PREFS_TYPE_INT && e->value.i == 0);
	ck_assert_uint_eq(e->line, 111);
	ck_assert(memcmp(buf + e->start, "user_pref(\"security.OCSP.enabled\", 0);", e->end - e->start) == 0);
	ck_assert_uint_eq(buf[e->end], '\n');
	prefs_release(&p);
}

START_TEST(test_real_values)
{
	size_t len;
	_autofree_ char *old = fixture_path("made/legacy-profile/prefs.js");
	_autofree_ char *orig = NULL;
	_autofree_ char *tb2 = NULL, *comments = NULL, *win = NULL;
	struct prefs p;
	const struct prefs_entry *e;

	assert_ocsp_off(old);
	orig = extra_path("beubi-customfirefoxprofile/prefs.js");
	if (orig)
		assert_ocsp_off(orig);

	tb2 = fixture("tests/fixtures/real/mozilla-tb-mozmill-migration-from-tb2/prefs.js", &len);
	ck_assert_int_eq(prefs_parse(tb2, len, "prefs.js", &p, NULL), 0);
	e = prefs_get(&p, "mailnews.tags.$label5.tag");
	ck_assert_str_eq(e->value.s, "Later");
	prefs_release(&p);

	comments = fixture("tests/fixtures/real/mozilla-mozprofile-prefs-files/prefs_with_comments.js", &len);
	ck_assert_int_eq(prefs_parse(comments, len, "prefs.js", &p, NULL), 0);
	e = prefs_get(&p, "webgl.verbose");
	ck_assert(e->value.type == PREFS_TYPE_STRING && streq(e->value.s, "false"));
	ck_assert_int_eq(prefs_get(&p, "zoom.maxPercent")->value.i, 300);
	ck_assert_uint_eq(prefs_get(&p, "zoom.maxPercent")->line, 5);
	prefs_release(&p);

	/* Windows paths: escaped once for the string, JSON inside escaped twice. */
	win = fixture("tests/fixtures/made/prefs-windows-paths/prefs.js", &len);
	ck_assert_int_eq(prefs_parse(win, len, "prefs.js", &p, NULL), 0);
	ck_assert_str_eq(prefs_get(&p, "browser.download.dir")->value.s, "C:\\Users\\made\\Downloads");
	ck_assert(strstr(prefs_get(&p, "extensions.xpiState")->value.s,
			 "\"d\":\"C:\\\\Users\\\\made\\\\AppData") != NULL);
	/* its line is over 3000 bytes */
	ck_assert_uint_gt(strlen(prefs_get(&p, "extensions.bootstrappedAddons")->value.s), 2800);
	prefs_release(&p);
}
END_TEST

/* ---- files Firefox 153 wrote itself (tests/fixtures/prefs/README) ---- */

static const char *const golden_files[] = {
	"tests/fixtures/prefs/firefox-esr-153-prefs.js",
	"tests/fixtures/prefs/firefox-esr-153-escapes-prefs.js",
	"tests/fixtures/prefs/firefox-esr-153-nul-prefs.js",
	"tests/fixtures/prefs/firefox-esr-153-defaults-prefs.js",
};
static const size_t golden_counts[] = { 34, 48, 36, 38 };

START_TEST(test_firefox_round_trip)
{
	size_t len;
	_autofree_ char *buf = fixture(golden_files[_i], &len);
	_autofree_ char *out = NULL;
	struct prefs p;

	ck_assert_int_eq(prefs_parse(buf, len, "prefs.js", &p, NULL), 0);
	ck_assert_uint_eq(p.n, golden_counts[_i]);
	out = write_str(&p);
	ck_assert_uint_eq(strlen(out), len);
	ck_assert_str_eq(out, buf);
	prefs_release(&p);
}
END_TEST

/* Lines of text that mention "zz." or "security.", in order. */
static char *
test_lines(const char *text)
{
	struct strbuf sb;
	const char *s = text;

	strbuf_init(&sb);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) + 1 : strlen(s);
		_autofree_ char *line = strndup(s, l);

		if (strstr(line, "(\"zz.") || strstr(line, "(\"security."))
			strbuf_addstr(&sb, line);
		s += l;
	}
	return take(&sb);
}

static const struct {
	const char *in, *out, *errors;
} oracle_cases[] = {
	{ "tests/fixtures/prefs/escapes.in.js", "tests/fixtures/prefs/firefox-esr-153-escapes-prefs.js",
	  "tests/fixtures/prefs/escapes.errors" },
	{ "tests/fixtures/prefs/nul.in.js", "tests/fixtures/prefs/firefox-esr-153-nul-prefs.js",
	  "tests/fixtures/prefs/nul.errors" },
	{ "tests/fixtures/prefs/defaults.in.js", "tests/fixtures/prefs/firefox-esr-153-defaults-prefs.js",
	  NULL },
};

/* What Firefox printed and saved from a hand-made prefs.js is what we parse and write. */
START_TEST(test_firefox_oracle)
{
	size_t len, outlen;
	_autofree_ char *in = fixture(oracle_cases[_i].in, &len);
	_autofree_ char *ff = fixture(oracle_cases[_i].out, &outlen);
	_autofree_ char *want_errors = oracle_cases[_i].errors ? fixture(oracle_cases[_i].errors, NULL) : strdup("");
	_autofree_ char *got_errors = NULL, *out = NULL, *got = NULL, *want = NULL;
	struct prefs p;

	prefs_parse(in, len, "prefs.js", &p, NULL);
	got_errors = errors_text(&p);
	ck_assert_str_eq(got_errors, want_errors);
	out = write_str(&p);
	got = test_lines(out);
	want = test_lines(ff);
	ck_assert_str_eq(got, want);
	prefs_release(&p);
}
END_TEST

/* ---- set, unset, write ---- */

static const char header_lf[] = "// Mozilla User Preferences\n\n// DO NOT EDIT THIS FILE.\n//\n"
	"// If you make changes to this file while the application is running,\n"
	"// the changes will be overwritten when the application exits.\n//\n"
	"// To change a preference value, you can either:\n"
	"// - modify it via the UI (e.g. via about:config in the browser); or\n"
	"// - set it within a user.js file in your profile.\n\n";

START_TEST(test_set_unset_golden)
{
	const char *text = "// Mozilla User Preferences\n\nuser_pref(\"b.int\", 5);\nuser_pref(\"a.str\", \"x\");\n"
			   "user_pref(\"security.OCSP.enabled\", 0);\n";
	struct prefs p;
	struct mc_error err = { 0 };
	_autofree_ char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL, *want1 = NULL;

	ck_assert_str_eq(prefs_file_header, header_lf);
	ck_assert_int_eq(prefs_parse(text, strlen(text), "prefs.js", &p, NULL), 0);

	/* Type inferred from the text; the new line goes to its sorted place. */
	ck_assert_int_eq(prefs_set(&p, "a.bool", "true", PREFS_SET_AUTO, NULL), 0);
	ck_assert_int_eq(prefs_set(&p, "b.int", "-12", PREFS_SET_AUTO, NULL), 0);
	ck_assert_int_eq(prefs_set(&p, "c.str", "C:\\dir \"q\"\n", PREFS_SET_AUTO, NULL), 0);
	ck_assert_int_eq(prefs_set(&p, "d.forced", "42", PREFS_SET_STRING, NULL), 0);
	ck_assert_int_eq(prefs_set(&p, "e.quoted", "'it''s'", PREFS_SET_AUTO, &err), MC_EUSAGE);
	ck_assert_int_eq(prefs_set(&p, "e.quoted", "'\\u00e9'", PREFS_SET_AUTO, NULL), 0);
	o1 = write_str(&p);
	want1 = NULL;
	ck_assert_int_ge(asprintf(&want1, "%s%s", header_lf,
				  "user_pref(\"a.bool\", true);\n"
				  "user_pref(\"a.str\", \"x\");\n"
				  "user_pref(\"b.int\", -12);\n"
				  "user_pref(\"c.str\", \"C:\\\\dir \\\"q\\\"\\n\");\n"
				  "user_pref(\"d.forced\", \"42\");\n"
				  "user_pref(\"e.quoted\", \"\xc3\xa9\");\n"
				  "user_pref(\"security.OCSP.enabled\", 0);\n"), 0);
	ck_assert_str_eq(o1, want1);

	/* OCSP back on: 1 is the default, so the line goes (Thunderbird's checkbox does the same). */
	ck_assert_int_eq(prefs_set(&p, "security.OCSP.enabled", "1", PREFS_SET_AUTO, NULL), 0);
	ck_assert_ptr_null(prefs_get(&p, "security.OCSP.enabled"));
	o2 = write_str(&p);
	ck_assert_ptr_null(strstr(o2, "OCSP"));
	ck_assert_int_eq(prefs_set(&p, "security.OCSP.require", "true", PREFS_SET_BOOL, NULL), 0);
	ck_assert_int_eq(prefs_set(&p, "security.enable_md5_signatures", "false", PREFS_SET_AUTO, NULL), 0);
	o3 = write_str(&p);
	ck_assert_ptr_nonnull(strstr(o3, "\nuser_pref(\"security.OCSP.require\", true);\n"));
	/* Firefox 153 has no default for the md5 pref any more and keeps the line. */
	ck_assert_ptr_nonnull(strstr(o3, "\nuser_pref(\"security.enable_md5_signatures\", false);\n"));

	ck_assert_uint_eq(prefs_unset(&p, "a.str"), 1);
	ck_assert_uint_eq(prefs_unset(&p, "a.str"), 0);
	ck_assert_int_eq(prefs_set(&p, "security.OCSP.require", "false", PREFS_SET_AUTO, NULL), 0);
	o4 = write_str(&p);
	ck_assert_ptr_null(strstr(o4, "a.str"));
	ck_assert_ptr_null(strstr(o4, "OCSP"));

	/* Bad values leave everything as it was. */
	ck_assert_int_eq(prefs_set(&p, "x", "2147483648", PREFS_SET_AUTO, &err), MC_EUSAGE);
	ck_assert_int_eq(prefs_set(&p, "x", "yes", PREFS_SET_BOOL, NULL), MC_EUSAGE);
	ck_assert_int_eq(prefs_set(&p, "x", "1.5", PREFS_SET_INT, NULL), MC_EUSAGE);
	ck_assert_ptr_null(prefs_get(&p, "x"));
	ck_assert_int_eq(prefs_set(&p, "x", "-2147483648", PREFS_SET_INT, NULL), 0);
	ck_assert_int_eq(prefs_get(&p, "x")->value.i, INT32_MIN);
	prefs_release(&p);
}
END_TEST

/* Duplicates: the last user_pref wins; pref()-style defaults are not written. */
START_TEST(test_write_last_wins_and_sort)
{
	const char *text = "user_pref(\"a\", 1);\nuser_pref(\"a!\", 2);\nuser_pref(\"a\", \"two\");\n"
			   "lockPref(\"l\", 3);\nuser_pref(\"l\", 3);\nuser_pref(\"m\", 4);\nlockPref(\"m\", 5);\n"
			   "user_pref(\"\xc3\xa9\", 1);\nuser_pref(\"Z\", 1);\n";
	struct prefs p;
	_autofree_ char *out = NULL, *want = NULL, *crlf = NULL;
	struct strbuf sb;

	ck_assert_int_eq(prefs_parse(text, strlen(text), "prefs.js", &p, NULL), 0);
	ck_assert_str_eq(prefs_get(&p, "a")->value.s, "two");
	out = write_str(&p);
	/* Bytewise on the whole line: "a!" (0x21) sorts before "a"" (0x22); 'Z' before 'a'; UTF-8 last. */
	ck_assert_int_ge(asprintf(&want, "%s%s", header_lf,
				  "user_pref(\"Z\", 1);\n"
				  "user_pref(\"a!\", 2);\n"
				  "user_pref(\"a\", \"two\");\n"
				  "user_pref(\"m\", 4);\n"
				  "user_pref(\"\xc3\xa9\", 1);\n"), 0);
	ck_assert_str_eq(out, want);

	strbuf_init(&sb);
	prefs_write_flags(&p, PREFS_WRITE_CRLF, &sb);
	crlf = take(&sb);
	ck_assert(strstartswith(crlf, "// Mozilla User Preferences\r\n\r\n// DO NOT EDIT THIS FILE.\r\n"));
	ck_assert_ptr_nonnull(strstr(crlf, ".\r\n\r\nuser_pref(\"Z\", 1);\r\nuser_pref(\"a!\", 2);\r\n"));
	ck_assert_ptr_null(strstr(crlf, "\r\r"));
	prefs_release(&p);
}
END_TEST

/* Escapes written are exactly \\ \" \n \r; everything else raw; and they parse back. */
START_TEST(test_escape_round_trip)
{
	struct prefs p, q;
	struct prefs_value v = { .type = PREFS_TYPE_STRING };
	_autofree_ char *out = NULL;
	const char *name = "n\"\\\r\n\t\x01\xff";

	prefs_init(&p);
	static char sval[] = "\t\"\\\r\n'\x7f\xc3\xa9\xf0\x9f\x8c\x80/*#//";

	v.s = sval;
	prefs_set_value(&p, name, &v);
	out = write_str(&p);
	ck_assert_ptr_nonnull(strstr(out, "\nuser_pref(\"n\\\"\\\\\\r\\n\t\x01\xff\", "
				     "\"\t\\\"\\\\\\r\\n'\x7f\xc3\xa9\xf0\x9f\x8c\x80/*#//\");\n"));
	ck_assert_int_eq(prefs_parse(out, strlen(out), "prefs.js", &q, NULL), 0);
	ck_assert_uint_eq(q.n, 1);
	ck_assert_str_eq(q.entries[0].name, name);
	ck_assert_str_eq(q.entries[0].value.s, v.s);
	prefs_release(&p);
	prefs_release(&q);
}
END_TEST

/* ---- user.js: edited in place ---- */

START_TEST(test_edit_in_place)
{
	const char *text = "// my settings\r\n"
			   "user_pref(\"keep.me\", 1); // trailing\r\n"
			   "  user_pref(\"security.OCSP.enabled\", 0);\r\n"
			   "/* block */ user_pref(\"x\", 'old'); user_pref(\"y\", 2);\r\n"
			   "user_pref(\"dup\", 1);\r\n"
			   "user_pref(\"dup\", 2);\r\n"
			   "bad stuff;\r\n"
			   "user_pref(\"last\", true);";
	struct prefs p;
	struct strbuf sb;
	struct prefs_value v1 = { .type = PREFS_TYPE_INT, .i = 2 };
	static char newv[] = "new";
	struct prefs_value vs = { .type = PREFS_TYPE_STRING, .s = newv };

	ck_assert_int_eq(prefs_parse(text, strlen(text), "user.js", &p, NULL), MC_EINPUT);
	ck_assert(p.crlf);

	/* Replace: only the statement changes. */
	strbuf_init(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "security.OCSP.enabled", &v1, &sb), 1);
	ck_assert_str_eq(sb.buf, "// my settings\r\n"
			 "user_pref(\"keep.me\", 1); // trailing\r\n"
			 "  user_pref(\"security.OCSP.enabled\", 2);\r\n"
			 "/* block */ user_pref(\"x\", 'old'); user_pref(\"y\", 2);\r\n"
			 "user_pref(\"dup\", 1);\r\n"
			 "user_pref(\"dup\", 2);\r\n"
			 "bad stuff;\r\n"
			 "user_pref(\"last\", true);");
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "x", &vs, &sb), 1);
	ck_assert_ptr_nonnull(strstr(sb.buf, "/* block */ user_pref(\"x\", \"new\"); user_pref(\"y\", 2);\r\n"));
	/* The same statement again: nothing changes. */
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "keep.me",
					     &(struct prefs_value){ .type = PREFS_TYPE_INT, .i = 1 }, &sb), 0);
	ck_assert_str_eq(sb.buf, text);

	/* Remove: whole lines when alone on them, every duplicate, just the statement otherwise. */
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "security.OCSP.enabled", NULL, &sb), 1);
	ck_assert_ptr_null(strstr(sb.buf, "OCSP"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "// trailing\r\n/* block */"));
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "dup", NULL, &sb), 1);
	ck_assert_ptr_nonnull(strstr(sb.buf, "user_pref(\"y\", 2);\r\nbad stuff;\r\n"));
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "y", NULL, &sb), 1);
	ck_assert_ptr_nonnull(strstr(sb.buf, "/* block */ user_pref(\"x\", 'old');\r\nuser_pref(\"dup\", 1);"));
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "keep.me", NULL, &sb), 1);
	ck_assert_ptr_nonnull(strstr(sb.buf, "// my settings\r\n // trailing\r\n"));
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "nothere", NULL, &sb), 0);
	ck_assert_str_eq(sb.buf, text);

	/* Append: a new line with the file's line ending, after a final line without one. */
	strbuf_reset(&sb);
	ck_assert_int_eq(prefs_edit_in_place(text, strlen(text), &p, "new.one", &v1, &sb), 1);
	ck_assert(strstartswith(sb.buf, text));
	ck_assert_str_eq(sb.buf + strlen(text), "\r\nuser_pref(\"new.one\", 2);\r\n");
	strbuf_release(&sb);
	prefs_release(&p);

	/* A NUL byte ends the file for the application: append before it, or the line is never read. */
	{
		const char nul[] = "user_pref(\"a\", 1);\n\0junk";
		struct prefs q;
		struct strbuf t;

		ck_assert_int_eq(prefs_parse(nul, sizeof(nul) - 1, "user.js", &q, NULL), 0);
		ck_assert_uint_eq(q.end_offset, 19);
		strbuf_init(&t);
		ck_assert_int_eq(prefs_edit_in_place(nul, sizeof(nul) - 1, &q, "b", &v1, &t), 1);
		ck_assert_uint_eq(t.len, sizeof(nul) - 1 + strlen("user_pref(\"b\", 2);\n"));
		ck_assert(memcmp(t.buf, "user_pref(\"a\", 1);\nuser_pref(\"b\", 2);\n\0junk", t.len) == 0);
		strbuf_release(&t);
		prefs_release(&q);
	}
}
END_TEST

START_TEST(test_defaults_table)
{
	const struct prefs_default *d = prefs_default_find("security.OCSP.enabled");
	struct prefs_value i0 = { .type = PREFS_TYPE_INT, .i = 0 }, i1 = { .type = PREFS_TYPE_INT, .i = 1 };
	struct prefs_value bf = { .type = PREFS_TYPE_BOOL, .b = false }, bt = { .type = PREFS_TYPE_BOOL, .b = true };

	ck_assert(d && d->type == PREFS_TYPE_INT && d->i == 1 && d->current);
	ck_assert(prefs_is_default("security.OCSP.enabled", &i1));
	ck_assert(!prefs_is_default("security.OCSP.enabled", &i0));
	ck_assert(!prefs_is_default("security.OCSP.enabled", &bt)); /* wrong type is not the default */
	ck_assert(prefs_is_default("security.OCSP.require", &bf));
	ck_assert(!prefs_is_default("security.OCSP.require", &bt));
	d = prefs_default_find("security.enable_md5_signatures");
	ck_assert(d && d->type == PREFS_TYPE_BOOL && !d->b && !d->current);
	ck_assert(prefs_default_equal(d, &bf));
	ck_assert(!prefs_is_default("security.enable_md5_signatures", &bf));
	ck_assert_ptr_null(prefs_default_find("security.OCSP.enabledx"));
	ck_assert(!prefs_is_default("other", &i1));
}
END_TEST

/* ---- bad input ---- */

START_TEST(test_bad_input_messages)
{
	static const struct {
		const char *text;
		size_t len;
		const char *err;
		size_t n;
	} cases[] = {
		{ "user_pref(\"a\", \"abc", 19, "f:1:20: unterminated string literal", 0 },
		{ "user_pref(\"a\", \"a\\tb\");", 23, "f:1:19: unexpected escape sequence character after '\\'", 0 },
		{ "\n\n  user_pref(\"a\", 99999999999999999999999999);", 47, "f:3:18: integer literal overflowed", 0 },
		{ "user_pref(\"a\", -2147483649);", 28, "f:1:17: integer literal overflowed", 0 },
		/* A NUL ends the file between statements... */
		{ "user_pref(\"a\", 1);\0user_pref(\"b\", 1);", 37, NULL, 1 },
		/* ...but not inside a comment (libpref reads on past it) */
		{ "# x\0user_pref(\"b\", 1);", 22, NULL, 1 },
		{ "user_pref(\"a\", \"x\0y\");", 22, "f:1:18: unterminated string literal", 0 },
		{ "\x80user_pref(\"a\", 1);", 19, "f:1:1: unexpected character", 0 },
		{ "\xef\xbbuser_pref(\"a\", 1);", 20, "f:1:1: unexpected character", 0 },
	};

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		struct prefs p;
		struct mc_error err = { 0 };
		int rc = prefs_parse(cases[k].text, cases[k].len, "f", &p, &err);

		ck_assert_msg(rc == (cases[k].err ? MC_EINPUT : 0), "case %zu: rc %d", k, rc);
		if (cases[k].err)
			ck_assert_msg(streq(err.msg, cases[k].err), "case %zu: %s", k, err.msg);
		ck_assert_msg(p.n == cases[k].n, "case %zu: n %zu", k, p.n);
		prefs_release(&p);
	}
}
END_TEST

/* The buffer need not be NUL-terminated: nothing past len is read (ASan checks it). */
START_TEST(test_not_nul_terminated)
{
	const char src[] = "user_pref(\"a\", \"b\");user_pref(\"c\", 1";
	char *buf = malloc(sizeof(src) - 1);
	struct prefs p;

	memcpy(buf, src, sizeof(src) - 1);
	for (size_t len = 0; len <= sizeof(src) - 1; len++) {
		prefs_parse(buf, len, "f", &p, NULL);
		ck_assert_uint_le(p.n, 1);
		prefs_release(&p);
	}
	free(buf);
}
END_TEST

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(test_50mb_junk)
{
	size_t len = 50u << 20;
	unsigned char *buf = malloc(len);
	uint32_t x = 12345;
	struct prefs p;
	struct mc_error err = { 0 };
	double t0, t;

	/* Random bytes, with enough ';' '"' and newlines to exercise recovery. */
	for (size_t k = 0; k < len; k++) {
		x = x * 1103515245 + 12345;
		buf[k] = (unsigned char)(x >> 16);
	}
	t0 = now();
	ck_assert_int_eq(prefs_parse((char *)buf, len, "junk.js", &p, &err), MC_EINPUT);
	t = now() - t0;
	ck_assert(p.nerrors_total >= 1);
	ck_assert_uint_le(p.nerrors, PREFS_MAX_ERRORS);
	ck_assert_msg(strncmp(err.msg, "junk.js:", 8) == 0, "%s", err.msg);
	ck_assert_uint_ge(p.errors[0].line, 1);
	ck_assert_uint_ge(p.errors[0].column, 1);
	prefs_release(&p);

	/* Only ';': one error per byte, kept bounded. */
	memset(buf, ';', len);
	t0 = now();
	ck_assert_int_eq(prefs_parse((char *)buf, len, "semi.js", &p, &err), MC_EINPUT);
	t += now() - t0;
	ck_assert_uint_eq(p.nerrors_total, len);
	ck_assert_uint_eq(p.nerrors, PREFS_MAX_ERRORS);
	ck_assert_uint_eq(p.errors[999].column, 1000);
	prefs_release(&p);
	free(buf);
	/* Bounded time even unoptimised and under sanitizers or valgrind. */
	/* Speed is for the benchmarks, never a timed assertion: just report it. */
	fprintf(stderr, "# 50 MB of junk took %.1f s\n", t);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("prefs");
	TCase *tc = tcase_create("parse");
	TCase *tw = tcase_create("write");
	TCase *tb = tcase_create("bad");

	tcase_add_loop_test(tc, test_gtest_table, 0, ARRAY_SIZE(gtest_cases));
	tcase_add_test(tc, test_recovery_keeps_good_statements);
	tcase_add_test(tc, test_xpcshell_values);
	tcase_add_test(tc, test_crlf_inside_string_and_lines);
	tcase_add_loop_test(tc, test_real_files, 0, ARRAY_SIZE(real_cases));
	tcase_add_test(tc, test_real_values);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tw, test_firefox_round_trip, 0, ARRAY_SIZE(golden_files));
	tcase_add_loop_test(tw, test_firefox_oracle, 0, ARRAY_SIZE(oracle_cases));
	tcase_add_test(tw, test_set_unset_golden);
	tcase_add_test(tw, test_write_last_wins_and_sort);
	tcase_add_test(tw, test_escape_round_trip);
	tcase_add_test(tw, test_edit_in_place);
	tcase_add_test(tw, test_defaults_table);
	suite_add_tcase(s, tw);

	tcase_add_test(tb, test_bad_input_messages);
	tcase_add_test(tb, test_not_nul_terminated);
	tcase_add_test(tb, test_50mb_junk);
	tcase_set_timeout(tb, 300);
	suite_add_tcase(s, tb);
	return s;
}
