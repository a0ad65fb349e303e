/* SPDX-License-Identifier: MPL-2.0 */
/* profile.h: finding profiles: profiles.ini, installs.ini, compatibility.ini, locations, store format. */
#ifndef MOZCERT_PROFILE_H
#define MOZCERT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

/* profiles.ini, installs.ini and compatibility.ini are read up to this size. */
#define PROFILE_INI_MAX (1024u * 1024u)

enum app_id { APP_FIREFOX, APP_THUNDERBIRD, APP_SEAMONKEY, APP_COUNT };

/* "firefox", "thunderbird", "seamonkey"; "unknown" out of range. Static string. */
const char *app_name(enum app_id app);
/* Case-insensitive inverse of app_name: 0, or MC_EUSAGE with *out untouched. */
int app_from_name(const char *s, enum app_id *out);

enum store_format { STORE_NONE, STORE_CERT9, STORE_CERT8, STORE_BOTH };

/* "none", "cert9", "cert8", "both". Static string. */
const char *store_format_name(enum store_format f);

struct profile {
	enum app_id app;
	char *name;        /* Name= from profiles.ini; basename of the dir for -p DIR */
	char *path;        /* absolute directory path, no trailing slash */
	char *root;        /* directory holding profiles.ini; NULL for a -p DIR not found in any profiles.ini */
	char *variant;     /* "native", "xdg", "snap", "flatpak", or "dir" */
	bool is_default;   /* the profile the application starts: [Install*] Default= first, else Default=1 */
	char *user;        /* --all-users: the user whose home holds it ("skel" for /etc/skel); else NULL */
};

/*
 * A list of profiles, in the order app, root (profile_roots order), then
 * [ProfileN] order. warnings holds the problems that made a profile or a
 * whole root be skipped (a broken profiles.ini, a [ProfileN] without Path=,
 * a gap in the numbering, ...); each msg names the file and, where there is
 * one, the line ("FILE:LINE: ..."). code is MC_EINPUT for bad content,
 * MC_EFAIL for a file that could not be read. All members are owned.
 */
struct profile_list {
	struct profile *v;
	size_t n;
	struct mc_error *warnings;
	size_t nwarnings;
};

/* Free the members of p and zero it; p may be NULL. */
void profile_release(struct profile *p);
/* Deep copy of src into dst (dst is overwritten, not released). */
void profile_copy(struct profile *dst, const struct profile *src);
/* Free every profile and warning of l and zero it; l may be NULL. */
void profile_list_release(struct profile_list *l);

/*
 * Pure: parse profiles.ini text (and installs.ini text, may be NULL) found in
 * directory root (absolute; used for IsRelative=1 paths and in messages).
 * variant is copied into every profile. Follows nsToolkitProfileService:
 * [ProfileN] contiguous from 0, stopping at the first one without IsRelative=;
 * a section without Name= or Path= is skipped (with a warning). The default
 * is the profile named by the first [Install*] Default= that names a listed
 * profile (not for snap and SeaMonkey, which do not use dedicated profiles),
 * else the last Default=1, else the only profile when there is one. installs.ini
 * sections (no "Install" prefix) are used when profiles.ini has no [General]
 * Version= or no [Install*] section.
 * Text that is not a profiles.ini is MC_EINPUT "ROOT/profiles.ini:LINE: ...":
 * binary data (a NUL byte), UTF-16, a file that is empty or only comments, one
 * with no well-formed [section] header, or none of [General], [ProfileN],
 * [Install...], [BackgroundTasksProfiles]. Odd lines in a usable file are
 * ignored as nsINIParser ignores them.
 * On success *out is initialised and filled (release it with
 * profile_list_release); on failure it is untouched.
 */
int profiles_ini_parse(const char *buf, size_t len, const char *installs, size_t installs_len,
		       const char *root, enum app_id app, const char *variant,
		       struct profile_list *out, struct mc_error *err);

/* One candidate location of profiles.ini. */
struct profile_root {
	enum app_id app;
	char *dir;            /* absolute, no trailing slash; owned */
	const char *variant;  /* "native", "xdg", "snap", "flatpak"; static string */
	bool exists;          /* dir/profiles.ini exists (stat, follows symlinks) */
};

struct profile_root_list {
	struct profile_root *v;
	size_t n;
};

/* Free the members of l and zero it; l may be NULL. */
void profile_root_list_release(struct profile_root_list *l);

/*
 * Every root directory (profiles.ini location) of app on this system,
 * whether or not it exists (see ->exists), honouring HOME (else the passwd
 * entry) and XDG_CONFIG_HOME (when absolute). Linux order: native, xdg,
 * snap, flatpak. On success *out is initialised and filled; MC_EFAIL when
 * the home directory cannot be found.
 */
int profile_roots(enum app_id app, struct profile_root_list *out, struct mc_error *err);

/*
 * All profiles of one app (app >= 0) or of every app (app < 0), from every
 * root whose profiles.ini exists. Two roots that are the same directory
 * (symlink) are read once. A root whose profiles.ini cannot be read or is not
 * a profiles.ini (see profiles_ini_parse) is recorded in out->warnings, the
 * others are still read, and the first such problem is returned (MC_EINPUT
 * or MC_EFAIL, err naming the file and line) with *out filled all the same:
 * release it in both cases. A missing home directory or a bad app is an
 * error with *out untouched.
 */
int profile_discover(int app, struct profile_list *out, struct mc_error *err);

/*
 * -p NAME|DIR: an existing directory is taken as the profile. If it is listed
 * in a profiles.ini (of app when app >= 0; compared by device and inode),
 * the profile is that entry, path included; otherwise name is its basename,
 * path its real path (realpath), root NULL, variant "dir", and app is app
 * when >= 0, else guessed (its parent is a known root of an app, or
 * compatibility.ini LastAppDir/LastPlatformDir names thunderbird or
 * seamonkey), else firefox.
 * Otherwise the profile with Name= equal to name_or_dir (case-sensitive) of
 * app, or of any app when app < 0; the same name in several apps or several
 * roots is MC_EUSAGE (use -p DIR). Not found: MC_ENOENT naming what was
 * searched. On success *out is the caller's (profile_release); on failure it
 * is untouched.
 */
int profile_resolve(const char *name_or_dir, int app, struct profile *out, struct mc_error *err);

/*
 * The default profile of app (app < 0: firefox, then thunderbird, then
 * seamonkey, first that has one): the is_default profile of its first root
 * (profile_roots order) that has one. MC_ENOENT when there is none; a broken
 * profiles.ini of an app looked at is its error (the default it names is
 * unknown). On success *out is the caller's (profile_release); on failure
 * untouched.
 */
int profile_default(int app, struct profile *out, struct mc_error *err);

/* cert9.db and/or legacy cert8.db (or cert7.db) as regular files in dir. */
enum store_format profile_store_format(const char *dir);

/*
 * compatibility.ini [Compatibility] LastVersion=153.8.0_20260101000000/20260101000000
 * -> "153.8.0"; NULL if absent/unreadable/malformed. Caller frees.
 */
char *profile_app_version(const char *dir);
/* Pure: the same from the text of a compatibility.ini (file names it in messages). */
char *profile_compat_version(const char *buf, size_t len, const char *file);
/*
 * Major version of the Gecko platform of the application that last ran the
 * profile (the version every format decision is taken by): the leading
 * number of profile_app_version (153) for Firefox and Thunderbird; for
 * SeaMonkey (2.N) its platform's, from LastPlatformDir/platform.ini when that
 * is the platform that ran, else by SeaMonkey's numbering (2.53.18 -> 60,
 * 2.49.5 -> 52). -1 when unknown.
 */
int profile_app_major(const char *dir);
/* Pure: the platform major of an application version ("2.53.18" -> 60, "115.3.0" -> 115); -1 when unknown. */
int profile_platform_major(const char *app_version);

/* Firefox/Thunderbird 58 made sql: the default; since 73 they cannot read dbm: (cert8.db) at all. */
#define APP_FIRST_SQL_MAJOR 58
#define APP_FIRST_NO_DBM_MAJOR 73
/*
 * Fails (naming the file and errno) when compatibility.ini exists but could
 * not be read: writers stop rather than take the version for unknown.
 */
int profile_compat_check(const char *dir, struct mc_error *err);

#endif
