/* SPDX-License-Identifier: MPL-2.0 */
/* prefs-file.h: prefs.js and user.js, parsed and written exactly as Firefox/Thunderbird do. */
#ifndef MOZCERT_PREFS_FILE_H
#define MOZCERT_PREFS_FILE_H

#include <stdint.h>

#include "error.h"
#include "strbuf.h"

/*
 * The parser is a port of libpref's Rust parser (modules/libpref/parser),
 * including its error messages, line numbers and "skip to the next ';'"
 * recovery. Two behaviours of the installed Debian firefox-esr 153 were
 * checked by running it: a UTF-8 BOM at the start is skipped, and lockPref is
 * accepted in every file (a Debian addition; upstream has no lockPref), while
 * pref() and sticky_pref() in prefs.js/user.js are errors ("expected
 * 'user_pref' at start of pref definition").
 */

/* The keyword of a statement. */
enum prefs_kind {
	PREFS_KIND_USER,   /* user_pref: the user value */
	PREFS_KIND_PREF,   /* pref: the default value */
	PREFS_KIND_STICKY, /* sticky_pref: a sticky default */
	PREFS_KIND_LOCK,   /* lockPref: a locked default */
};

enum prefs_type {
	PREFS_TYPE_BOOL,
	PREFS_TYPE_INT,
	PREFS_TYPE_STRING,
};

/* Which grammar: profile files allow only user_pref (and lockPref) and no attributes. */
enum prefs_file_kind {
	PREFS_FILE_USER,    /* prefs.js, user.js */
	PREFS_FILE_DEFAULT, /* defaults/pref/ *.js, greprefs.js: attributes allowed */
};

struct prefs_value {
	enum prefs_type type;
	bool b;
	int32_t i;
	char *s; /* PREFS_TYPE_STRING: unescaped bytes, never contains NUL; owned */
};

struct prefs_entry {
	char *name;          /* unescaped; owned */
	enum prefs_kind kind;
	bool sticky;         /* sticky_pref or the "sticky" attribute */
	bool locked;         /* lockPref or the "locked" attribute */
	struct prefs_value value;
	unsigned line;       /* line of the keyword, from 1 */
	size_t start, end;   /* byte span [start, end) of the statement, keyword to ';'
	                      * inclusive; PREFS_NO_SPAN for entries made by prefs_set */
};

#define PREFS_NO_SPAN ((size_t)-1)

struct prefs_parse_error {
	unsigned line, column; /* column counts bytes from 1 */
	size_t offset;         /* byte offset of the place of the error */
	const char *msg;       /* the application's message, static */
	char *text;            /* exactly what the application prints:
	                        * "ORIGIN:LINE: prefs parse error: MSG"; owned */
};

/* At most this many errors are kept in errors[]; nerrors_total counts them all. */
#define PREFS_MAX_ERRORS 1000

struct prefs {
	struct prefs_entry *entries; /* in source order */
	size_t n, alloc;
	struct prefs_parse_error *errors;
	size_t nerrors, nerrors_total;
	bool bom;                    /* the input started with a UTF-8 BOM */
	bool crlf;                   /* the first line ending of the input was CRLF */
	size_t end_offset;           /* where reading stopped: len, or the NUL byte the
	                              * application took for the end of the file */
};

void prefs_init(struct prefs *p);
void prefs_release(struct prefs *p);

/*
 * Parse a prefs.js or user.js held in buf (len bytes, need not be
 * NUL-terminated; a NUL byte acts as end of file exactly where the
 * application treats it so). out is initialised here and must be released
 * with prefs_release whatever the result. Every statement that parses is
 * added to out even when others fail, as the application loads them. Returns
 * 0, or MC_EINPUT when there was any error: err then holds the first one as
 * "ORIGIN:LINE:COLUMN: MSG" (plus a count when there were more), and
 * out->errors lists them. origin is the name used in messages.
 */
int prefs_parse(const char *buf, size_t len, const char *origin, struct prefs *out,
		struct mc_error *err);
/* As prefs_parse, for either grammar. */
int prefs_parse_kind(const char *buf, size_t len, const char *origin, enum prefs_file_kind kind,
		     struct prefs *out, struct mc_error *err);

/* The effective user value of name: the last user_pref for it, or NULL. Borrowed. */
const struct prefs_entry *prefs_get(const struct prefs *p, const char *name);
/* The last entry for name with the given kind, or NULL. Borrowed. */
const struct prefs_entry *prefs_lookup(const struct prefs *p, const char *name, enum prefs_kind kind);

/* How prefs_set reads its value text. */
enum prefs_set_type {
	PREFS_SET_AUTO,   /* true/false -> bool; [+-]digits -> int (must fit int32);
	                   * a single quoted literal ("..." or '...', pref escapes) -> string;
	                   * anything else -> the text itself as a string */
	PREFS_SET_BOOL,   /* "true" or "false" */
	PREFS_SET_INT,    /* [+-]digits within int32 */
	PREFS_SET_STRING, /* the text itself, raw */
};

/*
 * Parse value text into v (caller releases with prefs_value_release).
 * Returns 0, or MC_EUSAGE (v untouched) when the text does not fit the type.
 */
int prefs_value_from_text(const char *text, enum prefs_set_type how, struct prefs_value *v,
			  struct mc_error *err);
void prefs_value_release(struct prefs_value *v);
bool prefs_value_equal(const struct prefs_value *a, const struct prefs_value *b);
/* Append the value as the application writes it: true, -5, "esc\"aped". */
void prefs_value_format(const struct prefs_value *v, struct strbuf *out);
/* Append s quoted and escaped as the application does (only \ " LF CR). */
void prefs_escape(const char *s, struct strbuf *out);

/*
 * Set the user value of name, as the config editor does: every user_pref
 * for name is dropped and, unless the value equals the application default
 * (prefs_is_default), one new entry is appended. Returns 0 or MC_EUSAGE.
 */
int prefs_set(struct prefs *p, const char *name, const char *text, enum prefs_set_type how,
	      struct mc_error *err);
/* As prefs_set with a ready value (copied). */
void prefs_set_value(struct prefs *p, const char *name, const struct prefs_value *v);
/* Drop every user_pref for name ("reset"). Returns how many were dropped. */
size_t prefs_unset(struct prefs *p, const char *name);

enum prefs_write_flags {
	PREFS_WRITE_CRLF = 1 << 0, /* NS_LINEBREAK of Windows */
};

/* The header the application writes at the top of prefs.js (LF line ends). */
extern const char prefs_file_header[];

/*
 * Append the prefs.js the application would save from p: the header, then
 * one "user_pref(NAME, VALUE);" line per pref with a user value (the last
 * one wins), sorted bytewise on the whole line, LF line endings. Defaults
 * and locks (pref, sticky_pref, lockPref) are not written, nor a user value
 * equal to a known default (the table below, or a non-sticky default set
 * in p itself), as the application does.
 */
void prefs_write(const struct prefs *p, struct strbuf *out);
void prefs_write_flags(const struct prefs *p, unsigned flags, struct strbuf *out);

/*
 * Edit a hand-written file (user.js) in place: buf/len is its text and
 * parsed what prefs_parse made of that same text. With v, the last
 * user_pref for name is replaced by "user_pref(NAME, VALUE);" or, when
 * there is none, that statement is appended on a line of its own (with
 * the file's line ending; before a NUL byte that ends the file early). With v == NULL every user_pref for name is
 * removed, with its line when the statement was alone on it. Everything
 * else is copied byte for byte. Appends the result to out; returns 1 when
 * the text changed, 0 when not.
 */
int prefs_edit_in_place(const char *buf, size_t len, const struct prefs *parsed, const char *name,
			const struct prefs_value *v, struct strbuf *out);

/* Defaults of the security prefs this tool edits (docs/formats.md 3). */
struct prefs_default {
	const char *name;
	enum prefs_type type;
	int32_t i;
	bool b;
	/*
	 * Whether the current application still defines this default. When it
	 * does not, it writes any user value, even one equal to the old default:
	 * Firefox ESR 153 keeps user_pref("security.enable_md5_signatures", false).
	 */
	bool current;
	const char *note;
};

/* The table entry for name, or NULL. */
const struct prefs_default *prefs_default_find(const char *name);
/* Whether v equals the entry's default value, whatever "current" says. */
bool prefs_default_equal(const struct prefs_default *d, const struct prefs_value *v);
/* Whether the current application drops v for name as equal to its default. */
bool prefs_is_default(const char *name, const struct prefs_value *v);

#endif
