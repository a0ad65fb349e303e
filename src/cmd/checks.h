/* SPDX-License-Identifier: MPL-2.0 */
/*
 * checks.h: the typed results of the reading commands doctor builds on. Each
 * command renders its JSON and text from these structs, and doctor reads the
 * same structs, never the commands' JSON: renaming a JSON key cannot change
 * what doctor finds.
 */
#ifndef MOZCERT_CHECKS_H
#define MOZCERT_CHECKS_H

#include <stdint.h>

#include "cmd.h"
#include "findings.h"
#include "pref-source.h"

/* ---- db check (db-check.c) ---- */

struct db_check_report {
	struct findings f;          /* every finding, counted; f.arr is the caller's to put */
	enum store_format fmt;
	const char *uses;           /* "cert9", "cert8" or NULL: the store the application reads */
	int64_t certificates;       /* in that store; -1 when NSS could not list it */
};

/*
 * Run db check's checks on p with ctx (findings print through ctx); "store"
 * and the details (cert9, key4, legacy_only_certificates) go into res.
 */
void db_check_collect(const struct cmd_ctx *ctx, const struct profile *p, struct db_check_report *r,
		      struct json_object *res);

/* ---- override list (override.c) ---- */

struct override_report {
	char *file;                 /* the file read ("" when none) */
	bool exists;
	size_t count;               /* exceptions the file holds */
	size_t ignored;             /* lines the application ignores */
	size_t expired;             /* exceptions for a known certificate that has expired */
	size_t other_cert;          /* exceptions matched by dbKey only: another certificate */
	struct override_row *rows;  /* each exception, in file order: filled only with ctx->json */
	size_t nrows;
};

/* One exception of cert_override.txt, as override list's JSON shows it. */
struct override_row {
	int64_t line;
	char *host;
	int port;
	char *origin_attrs;         /* NULL or "" when none */
	char *fingerprint;          /* hex as written, or NULL */
	bool read_by_app;           /* the application version in use reads the line */
};

/*
 * override list on p: r filled (r->rows too when ctx->json), its JSON into res,
 * its lines printed through ctx (not the summary).
 */
int override_list_collect(struct cmd_ctx *ctx, const struct profile *p, struct override_report *r,
			  struct json_object *res, struct mc_error *err);
void override_report_release(struct override_report *r);
/*
 * The same report, counts only (doctor): the file scanned line by line against
 * an index of the store's certificates, in the memory of one line, no JSON
 * per line (override-tally.c). r->file is set also on error.
 */
int override_report_tally(const struct cmd_ctx *ctx, const struct profile *p, struct override_report *r,
			  struct mc_error *err);

/* ---- db backups (db-backups.c) ---- */

struct backups_report {
	size_t count;
	int64_t total_size;         /* bytes of their files */
	int64_t total_disk;         /* what removing them all would free */
};

int db_backups_measure(const struct profile *p, struct backups_report *r, struct mc_error *err);

/* ---- ocsp status, md5 status (pref-switches.c) ---- */

struct ocsp_report {
	const char *mode;           /* "on", "off", "ev-only" */
	bool require;               /* hard-fail */
	struct prefsrc_result enabled, required;
};

struct md5_report {
	bool accepted;              /* the pref says yes and the version honours it */
	bool pref_value;            /* what the pref (or its default) says */
	bool honoured;              /* the application version reads the pref (major known) */
	int major;                  /* application version, -1 unknown */
	char *note;                 /* what the version does with the pref, or NULL */
	struct prefsrc_result pref;
};

/* The "ocsp" and "md5" objects of ocsp status and md5 status (doctor shows them too). */
struct json_object *ocsp_report_json(const struct ocsp_report *r);
struct json_object *md5_report_json(const struct md5_report *r);

struct pstate;

struct pref_checks {
	struct pstate *state;       /* the prefs read: the results point into it */
	struct ocsp_report ocsp;
	struct md5_report md5;
	char *file_errors[2];       /* prefs.js and user.js read with errors: "FILE:LINE:COL: MSG" */
	size_t nfile_errors;
};

/* Read p's prefs once and resolve the OCSP and MD5 prefs as ocsp status and md5 status do. */
int pref_checks_load(const struct cmd_ctx *ctx, const struct profile *p, struct pref_checks *r, struct mc_error *err);
void pref_checks_release(struct pref_checks *r);

/* ---- presenting a resolved pref (pref.c) ---- */

/* "prefs.js", "user.js", "policy", "locked", "default", ... or NULL when nothing sets it. */
const char *pref_source_name(const struct prefsrc_result *r);
/* A value as JSON (bool, int or string). */
struct json_object *pref_value_json(const struct prefs_value *v);

#endif
