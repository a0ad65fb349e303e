/* SPDX-License-Identifier: MPL-2.0 */
/* pref-source.h: where a pref's effective value comes from: default, prefs.js, user.js, autoconfig, policy. */
#ifndef MOZCERT_PREF_SOURCE_H
#define MOZCERT_PREF_SOURCE_H

#include "error.h"
#include "prefs-file.h"
#include "profile.h"

/*
 * The application builds a pref's value in this order (docs/formats.md
 * 2.3): built-in defaults, the installation's defaults files
 * (defaults/pref, browser/defaults/preferences, Debian's
 * browser/defaults/syspref; read in reverse alphabetical order in each
 * directory), the autoconfig .cfg named by general.config.filename
 * (evaluated before the user files are read), prefs.js, user.js, then
 * the enterprise policies (policies.json "Preferences"). A locked pref's
 * value is its default, whatever sets a user value.
 */

enum prefsrc_kind {
	PREFSRC_BUILTIN,    /* the default table of prefs.h (StaticPrefList) */
	PREFSRC_DEFAULTS,   /* a defaults file of the installation */
	PREFSRC_AUTOCONFIG, /* the autoconfig .cfg file */
	PREFSRC_PREFS_JS,
	PREFSRC_USER_JS,
	PREFSRC_POLICY,     /* policies.json */
};

/* What one statement does. */
enum prefsrc_op {
	PREFSRC_OP_DEFAULT, /* set the default value */
	PREFSRC_OP_LOCK,    /* set the default and lock the pref */
	PREFSRC_OP_UNLOCK,  /* autoconfig unlockPref */
	PREFSRC_OP_USER,    /* set the user value */
	PREFSRC_OP_CLEAR,   /* clear the user value (autoconfig clearPref, policy "clear") */
};

struct prefsrc_setting {
	char *name;           /* owned */
	enum prefsrc_kind kind;
	enum prefsrc_op op;
	bool has_value;       /* false for unlock/clear and for a value the .cfg computes */
	struct prefs_value value;
	bool sticky;
	bool ignored;         /* the application ignores this statement; note says why */
	const char *note;     /* static, or NULL */
	const char *file;     /* borrowed (the prefsrc's file list, or the caller's); NULL for built-in */
	unsigned line;        /* from 1; 0 unknown */
};

/* The sources outside the profile (and the built-in defaults). */
struct prefsrc {
	enum app_id app;
	struct prefsrc_setting *v; /* in the application's load order */
	size_t n, alloc;
	char **files;              /* every file read, owned; settings point into it */
	size_t nfiles;
	char **app_dirs;           /* the installation directories considered */
	size_t napp_dirs;
	char *policy_file;         /* the policies.json in force, or NULL */
	char *autoconfig_file;     /* the .cfg read, or NULL */
	char **warnings;           /* unreadable or malformed sources, one line each */
	size_t nwarnings;
};

void prefsrc_init(struct prefsrc *s, enum app_id app);
void prefsrc_release(struct prefsrc *s);

/*
 * Load everything outside the profile for app: the built-in defaults; the
 * installation directories from $MOZCERT_APP_DIRS (colon-separated; set
 * but empty means none), else the profile's compatibility.ini
 * LastPlatformDir when it is a directory, else the usual places of app
 * that exist (/usr/lib/firefox-esr, /usr/lib/firefox, ...); in each, the
 * defaults files and the autoconfig .cfg; then the policies.json in force:
 * the first that exists of $MOZCERT_POLICY_DIRS/policies.json (a
 * colon-separated list of directories), else /etc/APP/policies/policies.json
 * then APPDIR/distribution/policies.json, as the application looks for it.
 * A source that cannot be read or parsed is skipped with a warning, as the
 * application skips it; this never fails.
 */
void prefsrc_load_system(struct prefsrc *s, const char *profile_dir);

/* The pieces of prefsrc_load_system, for tests and other callers. */
void prefsrc_add_builtin(struct prefsrc *s);
void prefsrc_load_app_dir(struct prefsrc *s, const char *app_dir);
/* Add the statements of a parsed defaults file (PREFS_FILE_DEFAULT grammar). */
void prefsrc_add_defaults(struct prefsrc *s, const char *path, const struct prefs *p);
/* Scan an autoconfig .cfg (already un-obscured) for pref/defaultPref/lockPref/unlockPref/clearPref. */
void prefsrc_add_autoconfig(struct prefsrc *s, const char *path, const char *buf, size_t len);
/* Parse a policies.json text; MC_EINPUT (with the file named) when it is not valid JSON. */
int prefsrc_add_policies(struct prefsrc *s, const char *path, const char *buf, size_t len, struct mc_error *err);

/* The effective value of one pref. */
struct prefsrc_result {
	struct prefsrc_setting *steps; /* every statement about the pref, in load order; owned copies */
	size_t nsteps;
	bool has_value;                /* the pref has a value the application would use */
	struct prefs_value value;      /* owned */
	int from;                      /* index in steps of the statement that gave value; -1: none known */
	bool locked;
	int lock_from;                 /* the statement that locked it, or -1 */
	bool has_default;
	struct prefs_value def;        /* owned */
	int default_from;              /* -1 when no default is known */
	bool has_user;                 /* a user value in force (ignored when locked) */
	int user_from;
};

void prefsrc_result_release(struct prefsrc_result *r);

/*
 * Resolve name as the application would after loading s, then prefs_js
 * and user_js (either may be NULL; their paths are used in results). A
 * user value of another type than the default is ignored, as libpref does.
 */
void prefsrc_resolve(const struct prefsrc *s, const struct prefs *prefs_js, const char *prefs_js_path,
		     const struct prefs *user_js, const char *user_js_path, const char *name,
		     struct prefsrc_result *out);

/* "default", "prefs.js", "user.js", "autoconfig", "policy". Static. */
const char *prefsrc_kind_name(enum prefsrc_kind k);
/* "default", "lock", "unlock", "user", "clear". Static. */
const char *prefsrc_op_name(enum prefsrc_op op);
/* "bool", "int", "string". Static. */
const char *prefsrc_type_name(enum prefs_type t);

#endif
