/* SPDX-License-Identifier: MPL-2.0 */
/* main.c: the command table and its usage, preconditions (lock, recovery), profile selection, exit codes. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "config.h"
#include "cmd.h"
#include "fileio.h"
#include "fork-pool.h"
#include "nssdb.h"
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
	"      --jobs N             work on N profiles at once (default: one per processor)\n"
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

/* --json anywhere before "--": a usage error found before it is read is a JSON document too. */
static bool
json_anywhere(int argc, char **argv)
{
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--json"))
			return true;
	return false;
}

/* find_command's answer when main goes on to run the command (else: the exit status). */
#define FOUND (-1)

/*
 * The command argv names, after the global options before it and between a
 * group and its subcommand ("cert --json list"); *first: the index of the
 * last word of its name, its argv[0]. Sets ctx->cmd_name. Returns FOUND, or
 * main's exit status when it is done (usage error, help, version).
 */
static int
find_command(struct cmd_ctx *ctx, int argc, char **argv, const struct cmd_spec **cmd, int *first)
{
	const struct group *group = NULL;
	struct mc_error err = {0};
	int op = 0;  /* a failed walk sets no index */

	if (cmd_walk(ctx, argc, argv, NULL, NULL, CMD_WALK_STOP, first, &err) < 0 && !ctx->want_version)
		return usage_error(ctx, NULL, NULL, &err);
	if (ctx->want_version) {
		printf("mozcert %s\n", MOZCERT_VERSION);
		return finish_stdout();
	}
	if (*first >= argc) {
		if (ctx->want_help) {
			usage(stdout);
			return finish_stdout();
		}
		mc_error_set(&err, MC_EUSAGE, "no command given");
		return usage_error(ctx, NULL, NULL, &err);
	}
	if (streq(argv[*first], "help"))
		return help_command(ctx, argc - *first, argv + *first);
	if (!(*cmd = find_cmd(top_cmds, argc - *first, argv + *first, &op)) && !(group = find_group(argv[*first]))) {
		mc_error_set(&err, MC_EUSAGE, "unknown command '%s'", argv[*first]);
		return usage_error(ctx, NULL, NULL, &err);
	}
	if (group) {
		if (cmd_walk(ctx, argc - *first, argv + *first, NULL, NULL, CMD_WALK_STOP, &op, &err) < 0 &&
		    !ctx->want_help)
			return usage_error(ctx, group, NULL, &err);
		*first += op;
		if (*first >= argc && ctx->want_help) {
			group_usage(stdout, group);
			return finish_stdout();
		}
		if (*first >= argc || !(*cmd = find_cmd(group->cmds, argc - *first, argv + *first, &op))) {
			if (*first >= argc)
				mc_error_set(&err, MC_EUSAGE, "%s: no subcommand given", group->name);
			else
				mc_error_set(&err, MC_EUSAGE, "unknown %s subcommand '%s'", group->name, argv[*first]);
			return usage_error(ctx, group, NULL, &err);
		}
	}
	*first += op - 1;
	ctx->cmd_name = group ? xasprintf("%s %s", group->name, (*cmd)->name) : xstrdup((*cmd)->name);
	return FOUND;
}

/* --help or --version anywhere among the command's arguments wins over whatever else is wrong with them. */
static bool
help_or_version(struct cmd_ctx *ctx, const struct cmd_spec *cmd, int argc, char **argv)
{
	struct mc_error err = {0};
	int op;

	(void)cmd_walk(ctx, argc, argv, cmd->options, NULL, CMD_WALK_SCAN, &op, &err);
	if (ctx->want_help)
		cmd_usage(stdout, ctx->cmd_name, cmd, true);
	else if (ctx->want_version)
		printf("mozcert %s\n", MOZCERT_VERSION);
	return ctx->want_help || ctx->want_version;
}

/* The command's prepare(); a command without one takes the global options and no argument. */
static int
prepare_command(struct cmd_ctx *ctx, const struct cmd_spec *cmd, int argc, char **argv, struct mc_error *err)
{
	int op, ret;

	if (cmd->prepare)
		return cmd->prepare(ctx, argc, argv, err);
	ret = cmd_getopt(ctx, argc, argv, NULL, NULL, &op, err);
	if (ret == 0 && op < argc)
		ret = mc_error_set(err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx->cmd_name, argv[op]);
	return ret;
}

/* A failure before any profile was acted on: the message (and the usage), the error in doc; the exit status. */
static int
fail_before_profiles(const struct cmd_ctx *ctx, const struct cmd_spec *usage_of, int ret, const struct mc_error *err,
		     struct json_object *doc)
{
	fprintf(stderr, "mozcert: %s\n", err->msg);
	if (usage_of && ret == MC_EUSAGE)
		cmd_usage(stderr, ctx->cmd_name, usage_of, false);
	if (doc)
		json_object_object_add(doc, "error", error_json(err));
	return mc_error_exit_status(ret);
}

/* A CMD_GLOBAL command: run once; its result goes into results (NULL without --json). */
static int
run_global(struct cmd_ctx *ctx, const struct cmd_spec *cmd, struct json_object *results)
{
	struct json_object *res = json_object_new_object();
	struct mc_error err = {0};
	int ret, status = 0;

	ret = cmd->run(ctx, NULL, res, &err);
	if (ret < 0) {
		status = mc_error_exit_status(ret);
		fprintf(stderr, "mozcert: %s\n", err.msg);
		json_object_object_add(res, "error", error_json(&err));
	}
	if (results)
		json_object_array_add(results, res);
	else
		json_object_put(res);
	return status;
}

/* One profile's run and its result object (*out, the caller's). */
static int
run_profile(struct cmd_ctx *ctx, const struct cmd_spec *cmd, const struct profile_list *pl, size_t i,
	    struct json_object **out)
{
	const struct profile *p = &pl->v[i];
	struct json_object *res = json_object_new_object();
	struct mc_error err = {0};
	int ret;

	json_object_object_add(res, "profile", profile_json(p));
	if (pl->n > 1 || p->user)
		cmd_out(ctx, "%s== %s profile '%s' (%s)%s%s\n", i ? "\n" : "", app_name(p->app), p->name ? p->name : "",
			p->path, p->user ? " of user " : "", p->user ? p->user : "");
	ret = run_one(ctx, cmd, p, res, &err);
	if (!json_object_object_get_ex(res, "changed", NULL))
		cmd_set_changed(res, false);
	if (ret < 0) {
		fprintf(stderr, "mozcert: %s\n", err.msg);
		json_object_object_add(res, "error", error_json(&err));
	} else {
		json_object_object_add(res, "error", NULL);
	}
	*out = res;
	return ret;
}

/* The profiles' results as they come, in order: the JSON results, whether any changed, the exit status. */
struct tally {
	struct json_object *results;  /* NULL without --json */
	bool any_changed, any_fail, all_inuse;
	int first_fail;
};

static void
tally_add(struct tally *t, int ret, struct json_object *res)
{
	struct json_object *ch;

	if (json_object_object_get_ex(res, "changed", &ch) && json_object_get_boolean(ch))
		t->any_changed = true;
	if (ret < 0) {
		if (!t->any_fail)
			t->first_fail = ret;
		t->any_fail = true;
		if (ret != MC_EINUSE)
			t->all_inuse = false;
	}
	if (t->results)
		json_object_array_add(t->results, res);
	else
		json_object_put(res);
}

/* What the workers of a pool (fork-pool.h) share: each runs profiles, the parent tallies them. */
struct pool_ctx {
	struct cmd_ctx *ctx;
	const struct cmd_spec *cmd;
	const struct profile_list *pl;
	struct tally *t;
};

/* In a worker: one profile, its result object as JSON text. */
static int
profile_work(size_t i, void *arg, struct strbuf *blob)
{
	struct pool_ctx *pc = arg;
	struct json_object *res = NULL;
	int ret = run_profile(pc->ctx, pc->cmd, pc->pl, i, &res);

	strbuf_addstr(blob, json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	json_object_put(res);
	return ret;
}

/* In the parent, in profile order: what the worker printed, then its result (or why there is none). */
static void
profile_deliver(size_t i, const struct pool_result *r, void *arg)
{
	struct pool_ctx *pc = arg;
	struct json_object *res = r->died ? NULL : json_tokener_parse(r->blob);
	int ret = r->ret;

	fflush(stderr);
	if (r->out_len)
		output_bytes(r->out, r->out_len);
	if (r->err_len) {
		fflush(stdout);
		fwrite(r->err, 1, r->err_len, stderr);
	}
	if (!res || !json_object_is_type(res, json_type_object)) {
		const struct profile *p = &pc->pl->v[i];
		struct mc_error err = {0};

		json_object_put(res);
		if (r->died > 0 && WIFSIGNALED(r->died))
			mc_error_set(&err, MC_EFAIL, "'%s': the process working on it was killed (%s); an update it "
				     "had begun is finished or undone by the next run", p->path, strsignal(WTERMSIG(r->died)));
		else if (r->died > 0 && WIFEXITED(r->died))
			mc_error_set(&err, MC_EFAIL, "'%s': the process working on it exited (status %d) without a result",
				     p->path, WEXITSTATUS(r->died));
		else if (r->died)
			mc_error_set(&err, MC_EFAIL, "'%s': not done: every process working on the profiles stopped first",
				     p->path);
		else
			mc_error_set(&err, MC_EFAIL, "'%s': the process working on it sent a result that cannot be read",
				     p->path);
		fprintf(stderr, "mozcert: %s\n", err.msg);
		res = json_object_new_object();
		json_object_object_add(res, "profile", profile_json(p));
		cmd_set_changed(res, false);
		json_object_object_add(res, "error", error_json(&err));
		ret = MC_EFAIL;
	}
	tally_add(pc->t, ret, res);
}

/* Whether no two profiles of the list are one directory (a profiles.ini may name one twice). */
static bool
profiles_distinct(const struct profile_list *pl)
{
	struct stat *st = xzalloc(pl->n * sizeof(*st));
	bool ok = true;

	for (size_t i = 0; ok && i < pl->n; i++) {
		if (stat(pl->v[i].path, &st[i]) != 0)
			continue;  /* not there: its run says so, and touches nothing */
		for (size_t j = 0; ok && j < i; j++)
			ok = !(st[j].st_ino == st[i].st_ino && st[j].st_dev == st[i].st_dev && st[j].st_ino);
	}
	free(st);
	return ok;
}

/*
 * How many profiles at once: 1 unless the command allows more, there are several, NSS is not up
 * (no fork then) and no directory comes twice (two workers would take turns at its lock).
 */
static unsigned
pool_jobs(const struct cmd_ctx *ctx, const struct cmd_spec *cmd, const struct profile_list *pl)
{
	unsigned jobs;

	if (!(cmd->flags & CMD_PARALLEL) || pl->n < 2 || certdb_nss_busy() || ctx->jobs == 1)
		return 1;
	jobs = ctx->jobs ? ctx->jobs : pool_jobs_for(pl->n);
	if (jobs > pl->n)
		jobs = (unsigned)pl->n;
	return jobs > 1 && profiles_distinct(pl) ? jobs : 1;
}

/*
 * Every profile selected, in turn or side by side (--jobs); the exit status:
 * 3 when every failure was a profile in use, else that of the first failure.
 */
static int
run_profiles(struct cmd_ctx *ctx, const struct cmd_spec *cmd, struct json_object *doc, struct json_object *results,
	     bool *any_changed)
{
	struct profile_list profiles = {0};
	struct mc_error err = {0};
	struct tally t = {.results = results, .all_inuse = true};
	unsigned jobs;
	int ret, status = 0;

	if ((ret = select_profiles(ctx, &profiles, &err)) < 0) {
		profile_list_release(&profiles);
		return fail_before_profiles(ctx, NULL, ret, &err, doc);
	}
	jobs = pool_jobs(ctx, cmd, &profiles);
	if (jobs > 1) {
		struct pool_ctx pc = {.ctx = ctx, .cmd = cmd, .pl = &profiles, .t = &t};

		ret = pool_run(profiles.n, jobs, profile_work, profile_deliver, &pc, &err);
		if (ret < 0) {
			cmd_warn(ctx, "%s; the profiles are done one after the other", err.msg);
			mc_error_clear(&err);
			jobs = 1;
		} else if (ret > 0) {
			fprintf(stderr, "mozcert: %s\n", err.msg);
			t.any_fail = true;
			t.all_inuse = false;
			if (!t.first_fail)
				t.first_fail = MC_EFAIL;
		}
	}
	for (size_t i = 0; jobs == 1 && i < profiles.n; i++) {
		struct json_object *res = NULL;

		ret = run_profile(ctx, cmd, &profiles, i, &res);
		tally_add(&t, ret, res);
	}
	*any_changed = t.any_changed;
	if (t.any_fail)
		status = t.all_inuse ? 3 : mc_error_exit_status(t.first_fail == MC_EINUSE ? MC_EFAIL : t.first_fail);
	profile_list_release(&profiles);
	return status;
}

static void
ctx_release(struct cmd_ctx *ctx)
{
	if (ctx->password) {
		secure_wipe(ctx->password, strlen(ctx->password));
		free(ctx->password);
	}
	free((char *)ctx->cmd_name);
	free(ctx->users);
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = {.app = -1, .json = json_anywhere(argc, argv)};
	struct mc_error err = {0};
	const struct cmd_spec *cmd = NULL;
	struct json_object *doc = NULL, *results = NULL;
	bool any_changed = false;
	int ret, status, first;

	/* before anything initialises SQLite: its log then carries the errno of each failed call */
	sqlio_watch_install();
	if ((status = find_command(&ctx, argc, argv, &cmd, &first)) != FOUND)
		goto out;
	if (help_or_version(&ctx, cmd, argc - first, argv + first)) {
		status = finish_stdout();
		goto out;
	}
	ret = prepare_command(&ctx, cmd, argc - first, argv + first, &err);
	if (ctx.json) {
		doc = json_object_new_object();
		json_object_object_add(doc, "command", json_object_new_string(ctx.cmd_name));
		results = json_object_new_array();
	}
	if (ret < 0)
		status = fail_before_profiles(&ctx, cmd, ret, &err, doc);
	else if (cmd->flags & CMD_GLOBAL)
		status = run_global(&ctx, cmd, results);
	else
		status = run_profiles(&ctx, cmd, doc, results, &any_changed);
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
out:
	ctx_release(&ctx);
	return status;
}
