/* SPDX-License-Identifier: MPL-2.0 */
/* stage.h: change a store on a private copy, then swap the cert/key pair in crash-safely. */
#ifndef MOZCERT_STAGE_H
#define MOZCERT_STAGE_H

#include "atomic-write.h"
#include "nssdb.h"

#define JOURNAL_NAME ".mozcert-journal"

/*
 * A store's certificate and key databases change together: NSS keeps the
 * MACs of trust in the key database, so a new cert9.db beside an old
 * key4.db shows no trust. stage_commit therefore writes both new files
 * beside the old ones, records the pair of renames in a journal, and only
 * then renames; stage_recover rolls an interrupted swap forward.
 */
struct stage {
	char *profile_dir;
	char *dir;               /* private staging directory holding the copies */
	enum certdb_kind kind;
	char **drop;             /* profile files that go with the swap (stage_drop) */
	size_t n_drop;
	bool backed_up;          /* the caller's own backup holds every file the swap replaces or drops */
	bool cert_first;         /* rename the certificate database first (a change that only removes) */
	char **put_names;        /* profile files the swap puts in place (stage_put) */
	char **put_srcs;
	size_t n_put;
	char **like_names;       /* files the swap creates that take the owner and mode of another (stage_inherit) */
	char **like_srcs;
	size_t n_like;
};

/*
 * Roll forward a journal left by an interrupted swap and remove our stray
 * temporary files, and the staging and private directories of killed runs.
 */
int stage_recover(const char *profile_dir, struct mc_error *err);

/* True when name (no '/') is a profile file a swap may put in place or remove (cert9.db, prefs.js, ...). */
bool stage_known_name(const char *name);

/* True when name is one of our temporary files (".NAME.mozcert-XXXXXX"). */
bool stage_is_temp_name(const char *name);

/* True when the profile holds temporary files a killed run of ours left (".NAME.mozcert-XXXXXX"). */
bool stage_has_temps(const char *profile_dir);

/* True when an interrupted swap is waiting to be rolled forward. */
bool stage_pending(const char *profile_dir);

/* Copy the store's cert and key databases into a new private staging directory. */
int stage_begin(const char *profile_dir, enum certdb_kind kind, struct stage *st, struct mc_error *err);

/*
 * Swap the staged databases into the profile: the old ones go into backup
 * (hard links), modes and owners are kept, a crash at any point leaves the
 * old pair or (after stage_recover) the new pair.
 */
int stage_commit(struct stage *st, struct backup *backup, struct mc_error *err);

/*
 * Have stage_commit move the profile file name (no '/') into the backup as
 * part of the swap: it is linked into the backup before the swap is decided
 * and removed with it, so a failure or crash leaves it in place with the old
 * pair or (after stage_recover) gone with the new pair. A missing file is skipped.
 */
void stage_drop(struct stage *st, const char *name);

/*
 * Have stage_commit also put the file src (outside the profile, e.g. in a
 * backup) in place as the profile file name (no '/'): copied beside it with
 * its mode and owner (a new file takes src's mode, at least 0600, and the
 * profile's owner), and renamed in the same journaled swap as the store
 * files, so every file of the swap changes together.
 */
void stage_put(struct stage *st, const char *name, const char *src);
/* stage_put and stage_drop take only names stage_known_name accepts: stage_commit refuses others. */

/*
 * Have stage_commit give the profile file name, when the swap creates it, the
 * owner and group of the profile file like and its mode (never wider than
 * 0666, never unreadable by its owner): a cert9.db that replaces a cert8.db
 * stays the user's when root upgrades the user's profile. They are set on the
 * copy before anything is renamed: when they cannot be (like is missing or no
 * regular file, or the owner cannot be given), stage_commit fails and nothing
 * is swapped.
 */
void stage_inherit(struct stage *st, const char *name, const char *like);

/* A new staging directory holding nothing: a swap of stage_put and stage_drop files only. */
int stage_begin_empty(const char *profile_dir, struct stage *st, struct mc_error *err);

/* Remove the staging directory; safe after commit and on NULL fields. */
void stage_release(struct stage *st);

/* ---- appended for db repair / db reset ---- */

/*
 * A new staging directory for a store built from scratch: no certificate
 * database; key_src (a path, or NULL for a new key database) is copied in
 * under its own file name (key4.db, or key3.db for NSS to migrate).
 */
int stage_begin_fresh(const char *profile_dir, enum certdb_kind kind, const char *key_src, struct stage *st,
		      struct mc_error *err);

struct der_cert;

/* What a change meant for one certificate, checked by stage_verify. */
struct stage_expect {
	unsigned char sha256[32];
	char trust[TRUST_STR_MAX];   /* when present: the trust NSS must read back */
	bool present;                /* false: a removal, the certificate must be gone */
	const struct der_cert *der;  /* an import: looked up by its DER; NULL: found in one listing */
};

/*
 * Reopen the staged store read-only and check that each of ex[0..n) is what
 * NSS now reads back (stage-verify.c). With ex[0].der set every entry is
 * looked up by its DER, so the cost is that of the certificates changed;
 * otherwise the store is listed once and each entry found by binary search.
 */
int stage_verify(const struct stage *st, const struct stage_expect *ex, size_t n, const char *password,
		 struct mc_error *err);

/*
 * Test hook for crash-consistency tests: die with SIGKILL when
 * MOZCERT_CRASH_AT names this point. Only in mozcert-test (built with
 * MOZCERT_TEST_HOOKS); the installed mozcert ignores MOZCERT_CRASH_AT.
 */
void stage_crash_point(const char *name);

#endif
