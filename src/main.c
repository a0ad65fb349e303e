/* SPDX-License-Identifier: MPL-2.0 */
/* main.c: global options, the command table, preconditions, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>

#include "config.h"
#include "cmd.h"
#include "fileio.h"
#include "owner-identity.h"
#include "all-users.h"
#include "profile-lock.h"
#include "output.h"
#include "sqlite-errno.h"
#include "stage.h"
#include "banned.h"

struct group {
	const char *name;
	const struct cmd_spec *const *cmds;  /* NULL-terminated */
	const char *summary;
};

static const struct cmd_spec *const cert_cmds[] = {
	&cmd_cert_list, &cmd_cert_show, &cmd_cert_import, &cmd_cert_trust, &cmd_cert_remove, &cmd_cert_sync, NULL,
};

/* Each group's table: one line per command, NULL-terminated. */
static const struct cmd_spec *const db_cmds[] = {
	&cmd_db_repair, &cmd_db_reset,
	&cmd_db_check, &cmd_db_upgrade, &cmd_db_backups, &cmd_db_restore,
	NULL,
};

static const struct cmd_spec *const override_cmds[] = {
	&cmd_override_list, &cmd_override_add, &cmd_override_remove, &cmd_override_prune,
	NULL,
};

static const struct cmd_spec *const pref_cmds[] = {
	&cmd_pref_list, &cmd_pref_get, &cmd_pref_set, &cmd_pref_unset,
	NULL,
};

static const struct cmd_spec *const ocsp_cmds[] = {
	&cmd_ocsp_on, &cmd_ocsp_off, &cmd_ocsp_require, &cmd_ocsp_status,
	NULL,
};

static const struct cmd_spec *const md5_cmds[] = {
	&cmd_md5_on, &cmd_md5_off, &cmd_md5_status,
	NULL,
};

static const struct cmd_spec *const top_cmds[] = {&cmd_profiles, &cmd_doctor, &cmd_verify, NULL};

static const struct group groups[] = {
	{"cert", cert_cmds, "certificates of the profile's store"},
	{"db", db_cmds, "health, repair, reset, upgrade and backups of the store"},
	{"override", override_cmds, "security exceptions in cert_override.txt"},
	{"pref", pref_cmds, "prefs.js and user.js"},
	{"ocsp", ocsp_cmds, "the OCSP prefs"},
	{"md5", md5_cmds, "the MD5 signature pref"},
};

/* Global options without a short form: values no command's option table uses (those are letters). */
enum { OPT_ALL_USERS = 0x1000, OPT_USER };

const struct option cmd_global_options[] = {
	{"profile", required_argument, NULL, 'p'},
	{"app", required_argument, NULL, 'A'},
	{"all-profiles", no_argument, NULL, 'a'},
	{"all-users", no_argument, NULL, OPT_ALL_USERS},
	{"user", required_argument, NULL, OPT_USER},
	{"json", no_argument, NULL, 'j'},
	{"dry-run", no_argument, NULL, 'n'},
	{"password-file", required_argument, NULL, 'P'},
	{"force", no_argument, NULL, 'f'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static bool want_help, want_version;

/* getopt's string: '+' (operands are walked by hand), ':' (a missing value is told apart) */
#define GLOBAL_SHORT "+:p:nqvhf"

static const char global_help[] =
	"Global options (before the command or anywhere after it):\n"
	"  -p, --profile NAME|DIR   a profile directory or a profile name from profiles.ini\n"
	"      --app APP            firefox, thunderbird or seamonkey\n"
	"      --all-profiles       every profile found (of --app, or of every app)\n"
	"      --all-users          every profile of every user and of /etc/skel (root only)\n"
	"      --user NAME          with --all-users: only this user's profiles (repeatable)\n"
	"      --json               one JSON document on stdout\n"
	"  -n, --dry-run            say what would change; change nothing\n"
	"      --password-file FILE the Primary Password of the store\n"
	"      --force              act on a profile whose application is running\n"
	"  -q, --quiet              errors only\n"
	"  -v, --verbose            more detail\n"
	"  -h, --help               this help (after a command: the command's)\n"
	"      --version            the version\n"
	"Options and operands may come in any order; '--' ends the options.\n";

/* "  NAME ARGS   summary", the summary on the next line when NAME ARGS is long */
static void
usage_line(FILE *f, const char *words, const char *summary)
{
	if (strlen(words) > 28) /* two spaces at least before the summary */
		fprintf(f, "  %s\n  %-30s %s\n", words, "", summary);
	else
		fprintf(f, "  %-30s %s\n", words, summary);
}

static void
usage(FILE *f)
{
	fputs("usage: mozcert [GLOBAL OPTIONS] COMMAND [ARGS]\n\n", f);
	fputs(global_help, f);
	fputs("\nCommands:\n", f);
	for (size_t i = 0; top_cmds[i]; i++) {
		_autofree_ char *n = xasprintf("%s %s", top_cmds[i]->name, top_cmds[i]->args);

		usage_line(f, n, top_cmds[i]->summary);
	}
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		for (size_t i = 0; groups[g].cmds[i]; i++) {
			_autofree_ char *n = xasprintf("%s %s %s", groups[g].name, groups[g].cmds[i]->name,
						       groups[g].cmds[i]->args);

			usage_line(f, n, groups[g].cmds[i]->summary);
		}
	usage_line(f, "help [COMMAND...]", "this help, or a command's or a group's");
	fputs("\nExit status: 0 success, 1 failure or problem found, 2 usage error, 3 profile in use.\n", f);
}

static void
group_usage(FILE *f, const struct group *g)
{
	fprintf(f, "usage: mozcert [GLOBAL OPTIONS] %s SUBCOMMAND [ARGS]\n  %s\n\nSubcommands:\n", g->name, g->summary);
	for (size_t i = 0; g->cmds[i]; i++) {
		_autofree_ char *n = xasprintf("%s %s %s", g->name, g->cmds[i]->name, g->cmds[i]->args);

		usage_line(f, n, g->cmds[i]->summary);
	}
	fprintf(f, "\n'mozcert help %s SUBCOMMAND' lists its options; 'mozcert --help' the global ones.\n", g->name);
}

/* A command's usage line, summary and options; full adds the global options (--help), else a pointer to them. */
static void
cmd_usage(FILE *f, const char *name, const struct cmd_spec *cmd, bool full)
{
	fprintf(f, "usage: mozcert [GLOBAL OPTIONS] %s%s%s\n  %s\n", name, *cmd->args ? " " : "", cmd->args,
		cmd->summary);
	if (cmd->help)
		fprintf(f, "\nOptions:\n%s", cmd->help);
	if (full) {
		fputc('\n', f);
		fputs(global_help, f);
	} else {
		fprintf(f, "Run 'mozcert help %s' for the global options.\n", name);
	}
}

static int
read_password(struct cmd_ctx *ctx, const char *path, struct mc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if ((ret = fileio_read(path, 4096, &buf, &len, err)) < 0)
		return ret;
	/* The first line is the password, as certutil -f reads it. */
	buf[strcspn(buf, "\r\n")] = '\0';
	if (ctx->password) {
		secure_wipe(ctx->password, strlen(ctx->password));
		free(ctx->password);
	}
	ctx->password = xstrdup(buf);
	secure_wipe(buf, len);
	free(buf);
	return 0;
}

int
cmd_global_option(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err)
{
	enum app_id app;

	switch (opt) {
	case 'p':
		ctx->profile_arg = arg;
		return 1;
	case 'A':
		if (app_from_name(arg, &app) < 0)
			return mc_error_set(err, MC_EUSAGE, "unknown application '%s' (firefox, thunderbird, seamonkey)", arg);
		ctx->app = (int)app;
		return 1;
	case 'a':
		ctx->all_profiles = true;
		return 1;
	case OPT_ALL_USERS:
		ctx->all_users = true;
		return 1;
	case OPT_USER:
		ctx->users = xreallocarray(ctx->users, ctx->nusers + 1, sizeof(*ctx->users));
		ctx->users[ctx->nusers++] = arg;
		return 1;
	case 'j':
		ctx->json = true;
		return 1;
	case 'n':
		ctx->dry_run = true;
		return 1;
	case 'P':
		return read_password(ctx, arg, err) < 0 ? MC_EUSAGE : 1;
	case 'f':
		ctx->force = true;
		return 1;
	case 'q':
		ctx->verbosity = -1;
		return 1;
	case 'v':
		ctx->verbosity = 1;
		return 1;
	case 'h':
		want_help = true;
		return 1;
	case 'V':
		want_version = true;
		return 1;
	default:
		return 0;
	}
}

/* "-" (standard input) and a negative number ("pref set N -5") are operands, not options. */
static bool
is_operand(const char *a)
{
	return a[0] != '-' || !a[1] || (a[1] >= '0' && a[1] <= '9');
}

/*
 * The walk behind cmd_getopt. getopt_long runs in order ('+') and is only
 * ever shown an option: operands and "--" are taken out by hand, so a
 * value that starts with '-' stays the value of its option. With scan, only
 * --help and --version are noted and argv is left as it is (main's look
 * before prepare()). WALK_STOP: stop at the first operand (a command word),
 * *first_arg is its index.
 */
enum { WALK_SCAN = 1, WALK_STOP = 2 };

static int
walk(struct cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
     int (*handle)(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err), unsigned how,
     int *first_arg, struct mc_error *err)
{
	/* the messages start "cert import: "; before a command, with nothing (main prefixes "mozcert: ") */
	_autofree_ char *who = ctx->cmd_name ? xasprintf("%s: ", ctx->cmd_name) : xstrdup("");
	bool scan = how & WALK_SCAN;
	struct option all[64];
	size_t n = 0;
	char **ops, **keep;
	int nops = 0, nkeep = 0, opt, ret = 0;

	for (size_t i = 0; opts && opts[i].name && n < ARRAY_SIZE(all) - 16; i++)
		all[n++] = opts[i];
	for (size_t i = 0; cmd_global_options[i].name; i++)
		all[n++] = cmd_global_options[i];
	memset(&all[n], 0, sizeof(all[n]));
	ops = xmalloc((size_t)argc * sizeof(*ops));
	keep = xmalloc((size_t)argc * sizeof(*keep));
	opterr = 0;
	optind = 0;
	(void)getopt_long(1, argv, GLOBAL_SHORT, all, NULL); /* a fresh getopt state; optind is 1 */
	while (optind < argc) {
		int start = optind, at = optind;

		if ((how & WALK_STOP) && (streq(argv[at], "--") || is_operand(argv[at]))) {
			if (streq(argv[at], "--"))
				optind++;
			break;
		}
		if (streq(argv[at], "--")) {
			keep[nkeep++] = argv[optind++];
			while (optind < argc)
				ops[nops++] = argv[optind++];
			break;
		}
		if (is_operand(argv[at])) {
			ops[nops++] = argv[optind++];
			continue;
		}
		opt = getopt_long(argc, argv, GLOBAL_SHORT, all, NULL);
		for (; at < optind; at++) /* the option and its value, once getopt is past them */
			keep[nkeep++] = argv[at];
		if (opt == -1)
			break;
		if (scan) {
			if (opt == 'h')
				want_help = true;
			else if (opt == 'V')
				want_version = true;
			continue;
		}
		if (opt == '?' || opt == ':') {
			const char *a = argv[start];
			_autofree_ char *name = optopt && a[1] != '-' ? xasprintf("-%c", optopt) :
							      xstrndup(a, strcspn(a, "="));

			ret = mc_error_set(err, MC_EUSAGE, opt == ':' ? "%soption '%s' needs a value" :
						       "%sunknown option '%s'", who, name);
			break;
		}
		if ((ret = cmd_global_option(ctx, opt, optarg, err)) < 0)
			break;
		if (ret == 1) {
			ret = 0;
			continue;
		}
		if (!handle) {
			ret = mc_error_set(err, MC_EUSAGE, "%sunknown option '%.*s'", who,
					   (int)strcspn(argv[start], "="), argv[start]);
			break;
		}
		if ((ret = handle(ctx, opt, optarg, err)) < 0)
			break;
	}
	if (ret == 0 && (how & WALK_STOP)) {
		*first_arg = optind;
	} else if (ret == 0 && !scan) {
		/* the options first, then the operands in their order */
		memcpy(argv + 1, keep, (size_t)nkeep * sizeof(*argv));
		memcpy(argv + 1 + nkeep, ops, (size_t)nops * sizeof(*argv));
		*first_arg = 1 + nkeep;
	}
	free(ops);
	free(keep);
	return ret;
}

int
cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	   int (*handle)(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err),
	   int *first_arg, struct mc_error *err)
{
	/* before anything initialises SQLite: its log then carries the errno of each failed call */
	sqlio_watch_install();
	return walk(ctx, argc, argv, opts, handle, 0, first_arg, err);
}

void
cmd_set_changed(struct json_object *res, bool changed)
{
	json_object_object_add(res, "changed", json_object_new_boolean(changed));
}

void
cmd_out(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->json || ctx->verbosity < 0)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

void
cmd_warn(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < 0)
		return;
	fputs("mozcert: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct json_object *
cmd_json_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

const char *
cmd_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = cmd_json_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int64_t
cmd_json_int(struct json_object *o, const char *key)
{
	struct json_object *v = cmd_json_get(o, key);

	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

bool
cmd_json_bool(struct json_object *o, const char *key)
{
	struct json_object *v = cmd_json_get(o, key);

	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

struct json_object *
cmd_sub_run(const struct cmd_ctx *ctx, const struct cmd_spec *cmd, const char *name, const struct profile *p,
	    int *ret, struct mc_error *err)
{
	struct cmd_ctx sub = *ctx;
	struct json_object *res = json_object_new_object();

	sub.json = true;
	sub.verbosity = -1;
	sub.cmd_name = name;
	sub.opts = NULL;
	mc_error_clear(err);
	*ret = cmd->run(&sub, p, res, err);
	return res;
}

int
cmd_store_kind(const struct profile *p, int *kind, struct mc_error *err)
{
	switch (profile_store_format(p->path)) {
	case STORE_CERT9:
	case STORE_BOTH:
		*kind = CERTDB_SQL;
		return 0;
	case STORE_CERT8:
		*kind = CERTDB_DBM;
		return 0;
	default:
		for (size_t i = 0; i < 2; i++) {
			_autofree_ char *path = path_join(p->path, i ? "cert8.db" : "cert9.db");
			_autofree_ char *what = fileio_not_a_store(path);

			if (what)
				return mc_error_set(err, MC_EDAMAGED, "%s %s", path, what);
		}
		return mc_error_set(err, MC_ENOENT, "profile '%s' has no certificate store (no cert9.db or cert8.db)",
				    p->path);
	}
}

/*
 * The command that argv[0] (or a two-word name such as "backups prune":
 * argv[0] argv[1]) names; *used: how many words its name took.
 */
static const struct cmd_spec *
find_cmd(const struct cmd_spec *const *cmds, int argc, char **argv, int *used)
{
	for (size_t i = 0; argc >= 2 && cmds[i]; i++) {
		size_t n = strlen(argv[0]);

		if (strncmp(cmds[i]->name, argv[0], n) == 0 && cmds[i]->name[n] == ' ' &&
		    streq(cmds[i]->name + n + 1, argv[1])) {
			*used = 2;
			return cmds[i];
		}
	}
	for (size_t i = 0; argc >= 1 && cmds[i]; i++)
		if (streq(cmds[i]->name, argv[0])) {
			*used = 1;
			return cmds[i];
		}
	return NULL;
}

static const struct group *
find_group(const char *name)
{
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		if (streq(groups[g].name, name))
			return &groups[g];
	return NULL;
}

static struct json_object *
error_json(const struct mc_error *err)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "code", json_object_new_string(mc_code_name(err->code)));
	json_object_object_add(e, "message", json_object_new_string(err->msg));
	return e;
}

static struct json_object *
profile_json(const struct profile *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "app", json_object_new_string(app_name(p->app)));
	json_object_object_add(o, "name", p->name ? json_object_new_string(p->name) : NULL);
	json_object_object_add(o, "path", json_object_new_string(p->path));
	if (p->user)
		json_object_object_add(o, "user", json_object_new_string(p->user));
	return o;
}

static int run_one_as(struct cmd_ctx *ctx, const struct cmd_spec *cmd, const struct profile *p,
		      struct json_object *res, struct mc_error *err);

/*
 * One profile, with its owner's file-system identity when root acts on
 * another user's profile (identity.h): the owner's permissions bound what is
 * read and written, and what mozcert creates there is the owner's.
 */
static int
run_one(struct cmd_ctx *ctx, const struct cmd_spec *cmd, const struct profile *p,
	struct json_object *res, struct mc_error *err)
{
	struct fs_identity id;
	int ret;

	if ((ret = fs_identity_enter(p->path, &id, err)) < 0)
		return ret;
	ret = run_one_as(ctx, cmd, p, res, err);
	if (ret < 0 && id.switched && (err->sys_errno == EACCES || err->sys_errno == EPERM)) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, " (mozcert acts on this profile as its owner, uid %ld)",
			 (long)fs_uid());
	}
	fs_identity_leave(&id);
	return ret;
}

/* Lock, recover, run: one profile. */
static int
run_one_as(struct cmd_ctx *ctx, const struct cmd_spec *cmd, const struct profile *p,
	   struct json_object *res, struct mc_error *err)
{
	struct profile_lock lk = {.fd = -1};
	int ret;

	if ((cmd->flags & CMD_WRITES) && !ctx->dry_run) {
		if ((ret = profile_lock_acquire(p->path, ctx->force, &lk, err)) < 0)
			return ret;
	} else if ((cmd->flags & CMD_WRITES) && profile_in_use(p->path)) {
		if (!ctx->force) {
			return mc_error_set(err, MC_EINUSE,
					    "profile '%s' is in use by the application (close it, or use --force)",
					    p->path);
		}
	}
	if (lk.held && !stage_pending(p->path)) {
		/* Under the lock a writer also sweeps temporary files a killed run left before its journal. */
		if ((ret = stage_recover(p->path, err)) < 0) {
			profile_lock_release(&lk);
			return ret;
		}
	} else if ((cmd->flags & CMD_STORE) && !lk.held && !stage_pending(p->path) && stage_has_temps(p->path)) {
		/*
		 * A reader of the store sweeps them too, but only when it can take the lock (a writer may be
		 * at work). db check has no CMD_STORE: it reports them instead.
		 */
		struct mc_error ignored = {0};

		profile_lock_release(&lk);
		if (profile_lock_try(p->path, &lk, &ignored) == 0 && lk.held)
			stage_recover(p->path, &ignored);
		profile_lock_release(&lk);
		lk = (struct profile_lock){.fd = -1};
	} else if ((cmd->flags & CMD_STORE) && stage_pending(p->path)) {
		/* An interrupted swap: finish it before anyone reads a half-swapped pair. */
		if (!lk.held) {
			profile_lock_release(&lk);
			if ((ret = profile_lock_acquire(p->path, false, &lk, err)) < 0)
				return ret;
		}
		if ((ret = stage_recover(p->path, err)) < 0) {
			profile_lock_release(&lk);
			return ret;
		}
		cmd_warn(ctx, "'%s': finished an interrupted store update", p->path);
	}
	if ((cmd->flags & CMD_WRITES) && (ret = profile_compat_check(p->path, err)) < 0) {
		profile_lock_release(&lk);
		return ret;
	}
	ret = cmd->run(ctx, p, res, err);
	profile_lock_release(&lk);
	return ret;
}

static int
select_profiles(struct cmd_ctx *ctx, struct profile_list *out, struct mc_error *err)
{
	struct profile p;
	int ret;

	memset(out, 0, sizeof(*out));
	if (ctx->nusers && !ctx->all_users)
		return mc_error_set(err, MC_EUSAGE, "--user goes with --all-users");
	if (ctx->all_users) {
		if (ctx->profile_arg)
			return mc_error_set(err, MC_EUSAGE, "--all-users and --profile exclude each other");
		if (geteuid() != 0)
			return mc_error_set(err, MC_EUSAGE,
					    "--all-users acts on the profiles of every user: run it as root (e.g. with sudo)");
		if ((ret = users_discover(ctx->app, ctx->users, ctx->nusers, out, err)) < 0)
			return ret;
		for (size_t i = 0; i < out->nwarnings; i++)
			cmd_warn(ctx, "%s", out->warnings[i].msg);
		if (out->n == 0)
			return mc_error_set(err, MC_ENOENT, "no profile found in any user's home");
		return 0;
	}
	if (ctx->all_profiles) {
		if (ctx->profile_arg)
			return mc_error_set(err, MC_EUSAGE, "--all-profiles and --profile exclude each other");
		if ((ret = profile_discover(ctx->app, out, err)) < 0)
			return ret;
		/* What discovery skipped is said: a profile not acted on is never silent. */
		for (size_t i = 0; i < out->nwarnings; i++)
			cmd_warn(ctx, "%s", out->warnings[i].msg);
		if (out->n == 0)
			return mc_error_set(err, MC_ENOENT, "no profile found");
		return 0;
	}
	if (ctx->profile_arg)
		ret = profile_resolve(ctx->profile_arg, ctx->app, &p, err);
	else
		ret = profile_default(ctx->app, &p, err);
	if (ret < 0)
		return ret;
	out->v = xmalloc(sizeof(*out->v));
	out->v[0] = p;
	out->n = 1;
	return 0;
}

static int
finish_stdout(void)
{
	/* A full disk on stdout is a failure, not a silent success (git run_builtin). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "mozcert: cannot write to standard output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * A usage error found before prepare(): the message and the usage that fits
 * on stderr; under --json also the one document on stdout. Exit 2.
 */
static int
usage_error(const struct cmd_ctx *ctx, const struct group *g, const struct cmd_spec *cmd,
	    const struct mc_error *err)
{
	fprintf(stderr, "mozcert: %s\n", err->msg);
	if (cmd)
		cmd_usage(stderr, ctx->cmd_name, cmd, false);
	else if (g)
		group_usage(stderr, g);
	else
		usage(stderr);
	if (ctx->json) {
		struct json_object *doc = json_object_new_object();

		json_object_object_add(doc, "command", ctx->cmd_name ? json_object_new_string(ctx->cmd_name) : NULL);
		json_object_object_add(doc, "changed", json_object_new_boolean(false));
		json_object_object_add(doc, "ok", json_object_new_boolean(false));
		json_object_object_add(doc, "dry_run", json_object_new_boolean(ctx->dry_run));
		json_object_object_add(doc, "error", error_json(err));
		json_object_object_add(doc, "results", json_object_new_array());
		output_json_print(doc);
		json_object_put(doc);
	}
	finish_stdout();
	return 2;
}

/* mozcert help [COMMAND...]: each command's (or group's) help, in turn; none: the whole usage. */
static int
help_command(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct mc_error err = {0};
	int i = 1, shown = 0, used = 0;

	for (; i < argc; i++) {
		const struct cmd_spec *cmd = find_cmd(top_cmds, argc - i, argv + i, &used);
		const struct group *g = find_group(argv[i]);

		if (argv[i][0] == '-')
			continue; /* the global options may stand anywhere */
		if (shown++)
			fputc('\n', stdout);
		if (cmd) {
			cmd_usage(stdout, cmd->name, cmd, true);
			i += used - 1;
		} else if (streq(argv[i], "help")) {
			usage(stdout);
		} else if (g && (cmd = find_cmd(g->cmds, argc - i - 1, argv + i + 1, &used))) {
			_autofree_ char *name = xasprintf("%s %s", g->name, cmd->name);

			cmd_usage(stdout, name, cmd, true);
			i += used;
		} else if (g && (i + 1 >= argc || find_cmd(top_cmds, 1, argv + i + 1, &used) || find_group(argv[i + 1]))) {
			group_usage(stdout, g);
		} else {
			if (g)
				mc_error_set(&err, MC_EUSAGE, "help: unknown %s subcommand '%s'", g->name, argv[i + 1]);
			else
				mc_error_set(&err, MC_EUSAGE, "help: unknown command '%s'", argv[i]);
			return usage_error(ctx, g, NULL, &err);
		}
	}
	if (!shown)
		usage(stdout);
	return finish_stdout();
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = {.app = -1};
	struct mc_error err = {0};
	const struct cmd_spec *cmd = NULL;
	const struct group *group = NULL;
	struct json_object *doc = NULL, *results = NULL;
	struct profile_list profiles = {0};
	int ret, status = 0, first, op;
	bool any_changed = false;

	/* --json anywhere before "--": a usage error found before it is read is a JSON document too */
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--json"))
			ctx.json = true;
	/* before anything initialises SQLite: its log then carries the errno of each failed call */
	sqlio_watch_install();
	/* the global options before the command */
	if ((ret = walk(&ctx, argc, argv, NULL, NULL, WALK_STOP, &first, &err)) < 0 && !want_version)
		return usage_error(&ctx, NULL, NULL, &err);
	if (want_version) {
		printf("mozcert %s\n", MOZCERT_VERSION);
		return finish_stdout();
	}
	if (first >= argc) {
		if (want_help) {
			usage(stdout);
			return finish_stdout();
		}
		mc_error_set(&err, MC_EUSAGE, "no command given");
		return usage_error(&ctx, NULL, NULL, &err);
	}
	if (streq(argv[first], "help"))
		return help_command(&ctx, argc - first, argv + first);
	if (!(cmd = find_cmd(top_cmds, argc - first, argv + first, &op)) && !(group = find_group(argv[first]))) {
		mc_error_set(&err, MC_EUSAGE, "unknown command '%s'", argv[first]);
		return usage_error(&ctx, NULL, NULL, &err);
	}
	if (group) {
		/* global options between the group and its subcommand ("cert --json list") */
		ret = walk(&ctx, argc - first, argv + first, NULL, NULL, WALK_STOP, &op, &err);
		if (ret < 0 && !want_help)
			return usage_error(&ctx, group, NULL, &err);
		first += op;
		if (first >= argc && want_help) {
			group_usage(stdout, group);
			return finish_stdout();
		}
		if (first >= argc || !(cmd = find_cmd(group->cmds, argc - first, argv + first, &op))) {
			if (first >= argc)
				mc_error_set(&err, MC_EUSAGE, "%s: no subcommand given", group->name);
			else
				mc_error_set(&err, MC_EUSAGE, "unknown %s subcommand '%s'", group->name, argv[first]);
			return usage_error(&ctx, group, NULL, &err);
		}
	}
	/* argv[first], the last word of the command's name, is its argv[0] */
	first += op - 1;
	ctx.cmd_name = group ? xasprintf("%s %s", group->name, cmd->name) : xstrdup(cmd->name);
	/* --help anywhere among the command's arguments wins over whatever else is wrong with them */
	(void)walk(&ctx, argc - first, argv + first, cmd->options, NULL, WALK_SCAN, &op, &err);
	mc_error_clear(&err);
	if (want_help || want_version) {
		if (want_help)
			cmd_usage(stdout, ctx.cmd_name, cmd, true);
		else
			printf("mozcert %s\n", MOZCERT_VERSION);
		free((char *)ctx.cmd_name);
	free(ctx.users);
		return finish_stdout();
	}
	if (cmd->prepare) {
		ret = cmd->prepare(&ctx, argc - first, argv + first, &err);
	} else {
		/* A command without prepare takes the global options and no argument. */
		ret = cmd_getopt(&ctx, argc - first, argv + first, NULL, NULL, &op, &err);
		if (ret == 0 && op < argc - first)
			ret = mc_error_set(&err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx.cmd_name, argv[first + op]);
	}
	if (ctx.json) {
		doc = json_object_new_object();
		json_object_object_add(doc, "command", json_object_new_string(ctx.cmd_name));
		results = json_object_new_array();
	}
	if (ret < 0) {
		status = mc_error_exit_status(ret);
		fprintf(stderr, "mozcert: %s\n", err.msg);
		if (ret == MC_EUSAGE)
			cmd_usage(stderr, ctx.cmd_name, cmd, false);
		if (doc)
			json_object_object_add(doc, "error", error_json(&err));
		goto done;
	}
	if (cmd->flags & CMD_GLOBAL) {
		struct json_object *res = json_object_new_object();

		ret = cmd->run(&ctx, NULL, res, &err);
		if (ret < 0) {
			status = mc_error_exit_status(ret);
			fprintf(stderr, "mozcert: %s\n", err.msg);
			json_object_object_add(res, "error", error_json(&err));
		}
		if (results)
			json_object_array_add(results, res);
		else
			json_object_put(res);
		goto done;
	}
	if ((ret = select_profiles(&ctx, &profiles, &err)) < 0) {
		status = mc_error_exit_status(ret);
		fprintf(stderr, "mozcert: %s\n", err.msg);
		if (doc)
			json_object_object_add(doc, "error", error_json(&err));
		goto done;
	}
	{
		bool all_inuse = true, any_fail = false;
		int first_fail = 0;

		for (size_t i = 0; i < profiles.n; i++) {
			struct json_object *res = json_object_new_object();
			struct json_object *ch;

			mc_error_clear(&err);
			json_object_object_add(res, "profile", profile_json(&profiles.v[i]));
			if (profiles.n > 1 || profiles.v[i].user)
				cmd_out(&ctx, "%s== %s profile '%s' (%s)%s%s\n", i ? "\n" : "", app_name(profiles.v[i].app),
					profiles.v[i].name ? profiles.v[i].name : "", profiles.v[i].path,
					profiles.v[i].user ? " of user " : "", profiles.v[i].user ? profiles.v[i].user : "");
			ret = run_one(&ctx, cmd, &profiles.v[i], res, &err);
			if (!json_object_object_get_ex(res, "changed", &ch))
				cmd_set_changed(res, false);
			else if (json_object_get_boolean(ch))
				any_changed = true;
			if (ret < 0) {
				fprintf(stderr, "mozcert: %s\n", err.msg);
				json_object_object_add(res, "error", error_json(&err));
				if (!any_fail)
					first_fail = ret;
				any_fail = true;
				if (ret != MC_EINUSE)
					all_inuse = false;
			} else {
				json_object_object_add(res, "error", NULL);
			}
			if (results)
				json_object_array_add(results, res);
			else
				json_object_put(res);
		}
		if (any_fail)
			status = all_inuse ? 3 : mc_error_exit_status(first_fail == MC_EINUSE ? MC_EFAIL : first_fail);
	}
done:
	if (doc) {
		json_object_object_add(doc, "changed", json_object_new_boolean(any_changed));
		json_object_object_add(doc, "ok", json_object_new_boolean(status == 0));
		json_object_object_add(doc, "dry_run", json_object_new_boolean(ctx.dry_run));
		json_object_object_add(doc, "results", results);
		output_json_print(doc);
		json_object_put(doc);
	}
	if (finish_stdout() && status == 0)
		status = 1;
	if (cmd->cleanup)
		cmd->cleanup(&ctx);
	profile_list_release(&profiles);
	if (ctx.password) {
		secure_wipe(ctx.password, strlen(ctx.password));
		free(ctx.password);
	}
	free((char *)ctx.cmd_name);
	free(ctx.users);
	return status;
}
