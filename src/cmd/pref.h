/* SPDX-License-Identifier: MPL-2.0 */
/* pref.h: what the pref commands (pref.c, pref-write.c, pref-switches.c) share. */
#ifndef MOZCERT_CMD_PREF_H
#define MOZCERT_CMD_PREF_H

#include "cmd.h"
#include "prefs-file.h"
#include "pref-source.h"

struct pref_opts {
	const char *name;
	const char *value;
	enum prefs_set_type type;
	bool type_forced;
	bool user_js;
	bool discard_invalid;
};

/* The options of the pref, ocsp and md5 commands (pref.c). */
extern struct pref_opts pref_opts;

/* ---- the profile's two files, and everything outside the profile ---- */

struct pfile {
	const char *name;      /* "prefs.js" or "user.js" */
	char *path;
	bool exists;
	bool symlink;
	char *buf;
	size_t len;
	struct prefs prefs;    /* what the application loads (also when there were errors) */
	bool bad;              /* parse errors, or a NUL byte that ends the file early */
	struct mc_error err;   /* the first problem, "FILE:LINE:COL: MSG" */
};

struct pstate {
	const struct profile *p;
	struct pfile prefs_js, user_js;
	struct prefsrc sys;
};

int pref_state_load(const struct cmd_ctx *ctx, const struct profile *p, struct pstate *s, struct json_object *res,
		    struct mc_error *err);
void pref_state_release(struct pstate *s);
void pref_resolve(const struct pstate *s, const char *name, struct prefsrc_result *r);
/* For reading commands: a damaged file is reported, and read as the application reads it. */
void pref_warn_bad_files(const struct cmd_ctx *ctx, const struct pstate *s, struct json_object *res);

/* ---- presenting values ---- */

char *pref_value_text(const struct prefs_value *v);
/* "prefs.js:12", "policy /etc/firefox/policies/policies.json", "default". Caller frees. */
char *pref_where_text(const struct prefsrc_setting *st);
/* {name, value, type, source, file, line, locked, default, settings[]} */
struct json_object *pref_result_json(const char *name, const struct prefsrc_result *r);

/* ---- option parsing ---- */

extern const struct option pref_write_options[];
/* --help of the commands that write prefs (--type: pref set only) */
#define HELP_TYPE "  --type bool|int|string   the value's type (default: the default's type, else as it reads)\n"
#define HELP_WRITE \
	"  --user-js                change user.js too, where it sets the pref (else a user.js\n" \
	"                           value that overrides the change is a conflict)\n" \
	"  --discard-invalid        rewrite a prefs.js with syntax errors without the bad\n" \
	"                           statements, as the application does when it saves it\n"

int pref_prepare_n(struct cmd_ctx *ctx, int argc, char **argv, int want, bool writes, bool typed, const char *what,
		   struct mc_error *err);
int pref_none_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err);
int pref_write_none_prepare(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err);

/* ---- the write path shared by set, unset, ocsp and md5 (pref-write.c) ---- */

struct change {
	const char *name;
	bool unset;             /* clear the user value */
	struct prefs_value v;   /* !unset: the value to set */
	bool want_any;          /* accept whatever the default is (unset) */
	bool want_none_ok;      /* accept "no value at all" */
	struct prefs_value want;/* the effective value wanted */
	/* filled by apply: */
	struct prefsrc_result before, after;
	bool prefs_changed, user_changed;
};

void pref_change_set(struct change *c, const char *name, const struct prefs_value *v);
void pref_change_unset(struct change *c, const char *name);
void pref_change_release(struct change *c);
/*
 * Apply the changes to copies of prefs.js (and user.js with --user-js), check
 * that the application would end up with what was asked, then write.
 */
int pref_apply_changes(struct cmd_ctx *ctx, struct pstate *s, struct change *ch, size_t nch, struct json_object *res,
		       struct mc_error *err);

#endif
