/* SPDX-License-Identifier: MPL-2.0 */
/* cmd.h: the command context and every command's entry points. */
#ifndef MOZCERT_CMD_H
#define MOZCERT_CMD_H

#include <getopt.h>
#include <json-c/json.h>

#include "error.h"
#include "profile.h"

enum cmd_flags {
	CMD_GLOBAL = 1 << 0,  /* runs once, not per profile (profiles) */
	CMD_WRITES = 1 << 1,  /* takes the profile lock; refused while in use unless --force */
	CMD_STORE = 1 << 2,   /* opens the certificate store: an interrupted swap is rolled forward first */
	CMD_PARALLEL = 1 << 3, /* profiles may run side by side (--jobs): no prompt, nothing shared between them */
};

struct cmd_ctx {
	int app;                /* enum app_id, or -1 for any */
	const char *profile_arg;
	bool all_profiles;
	bool all_users;         /* --all-users: every user's profiles (root only) */
	const char **users;     /* --user NAME, repeatable: only these users' (with --all-users) */
	size_t nusers;
	bool json;
	bool dry_run;
	bool force;
	unsigned jobs;          /* --jobs N: profiles at once; 0: one per processor */
	int verbosity;          /* -1 quiet, 0 normal, 1 verbose */
	char *password;         /* from --password-file; wiped at exit */
	const char *cmd_name;   /* "cert import" */
	bool want_help;         /* --help was given */
	bool want_version;      /* --version was given */
};

/*
 * A command's options live in its file (or its family's: pref_opts,
 * ov_opts), filled by its prepare(), read by its run(), freed by its
 * cleanup(): a command run by another (cmd_sub_run) sees them zeroed.
 */

struct cmd_spec {
	const char *name;
	/* Parse arguments and read inputs before any profile is touched; may be NULL. */
	int (*prepare)(struct cmd_ctx *ctx, int argc, char **argv, struct mc_error *err);
	/* Run on one profile (NULL for CMD_GLOBAL); fill res (a JSON object) and print text unless ctx->json. */
	int (*run)(struct cmd_ctx *ctx, const struct profile *p, struct json_object *res, struct mc_error *err);
	void (*cleanup)(struct cmd_ctx *ctx);
	unsigned flags;
	const char *args;
	const char *summary;
	/* The command's own options (also what --help lists), NULL-terminated; may be NULL. */
	const struct option *options;
	/* One line per option for --help ("  --trust TRUST  certutil's trust string"); may be NULL. */
	const char *help;
};

/*
 * The option rule of every command: getopt_long over the command's options
 * plus the global ones, options and operands in any order, "--" ends the
 * options, and "-" or a negative number ("-5") is an operand. handle() gets
 * each command option; returns 0 or a negative mc_code. The operands are
 * moved, in their order, to the end of argv: on success *first_arg is the
 * index of the first.
 */
int cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	       int (*handle)(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err),
	       int *first_arg, struct mc_error *err);

/*
 * The walk behind cmd_getopt, also main's look at the command line:
 * CMD_WALK_SCAN notes only --help and --version and leaves argv as it is;
 * CMD_WALK_STOP stops at the first operand (a command word), *first_arg its
 * index. how 0: as cmd_getopt.
 */
enum { CMD_WALK_SCAN = 1, CMD_WALK_STOP = 2 };
int cmd_walk(struct cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	     int (*handle)(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err), unsigned how,
	     int *first_arg, struct mc_error *err);

/* Apply one global option (shared by main and cmd_getopt); 1 if opt was global. */
int cmd_global_option(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err);
extern const struct option cmd_global_options[];

/* Record in res that the profile changed (or not): "changed": bool. */
void cmd_set_changed(struct json_object *res, bool changed);

/* Text output helper: print only when not --json and not -q. */
void cmd_out(const struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes as they are (a diff, a listing built in a buffer), on the same terms as cmd_out. */
void cmd_out_bytes(const struct cmd_ctx *ctx, const char *buf, size_t len);
/* A warning on stderr (also under --json), unless -q. */
void cmd_warn(const struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Run a reading command's run() quietly (as --json -q) on p, for a command
 * built on others (doctor, verify); returns its result object (caller puts
 * it), *ret its return code, err its error.
 */
struct json_object *cmd_sub_run(const struct cmd_ctx *ctx, const struct cmd_spec *cmd, const char *name,
				const struct profile *p, int *ret, struct mc_error *err);

/* Members of a JSON object: NULL, NULL, -1 or false when absent or of another type. */
struct json_object *cmd_json_get(struct json_object *o, const char *key);
const char *cmd_json_str(struct json_object *o, const char *key);
int64_t cmd_json_int(struct json_object *o, const char *key);
bool cmd_json_bool(struct json_object *o, const char *key);

/* Store kind to open for a profile; MC_ENOENT when it has none. */
int cmd_store_kind(const struct profile *p, int *kind, struct mc_error *err);

/*
 * Would the application accept certs (the server's first) for name, with p's
 * store, trust, built-in roots and MD5 pref, no exception? (cmd/verify.c)
 */
struct der_list;
int verify_accepts(const struct cmd_ctx *ctx, const struct profile *p, const struct der_list *certs, const char *name,
		   bool *accepted, struct mc_error *err);

/*
 * The bits (M, U, T) a security exception for name needs for certs, judged
 * as verify judges them (verify_override_bits); *overridable false when no
 * exception overrides the application's error. (cmd/verify.c)
 */
int verify_exception_bits(const struct cmd_ctx *ctx, const struct profile *p, const struct der_list *certs,
			  const char *name, char bits[4], bool *overridable, struct mc_error *err);

extern const struct cmd_spec cmd_profiles, cmd_doctor, cmd_verify;
extern const struct cmd_spec cmd_db_check, cmd_db_upgrade, cmd_db_backups, cmd_db_restore;
extern const struct cmd_spec cmd_db_repair, cmd_db_reset;
extern const struct cmd_spec cmd_cert_list, cmd_cert_show, cmd_cert_import, cmd_cert_trust, cmd_cert_remove;
extern const struct cmd_spec cmd_cert_sync;
extern const struct cmd_spec cmd_pref_list, cmd_pref_get, cmd_pref_set, cmd_pref_unset;
extern const struct cmd_spec cmd_ocsp_on, cmd_ocsp_off, cmd_ocsp_require, cmd_ocsp_status;
extern const struct cmd_spec cmd_md5_on, cmd_md5_off, cmd_md5_status;
extern const struct cmd_spec cmd_override_list, cmd_override_add, cmd_override_remove, cmd_override_prune;

#endif
