/* SPDX-License-Identifier: MPL-2.0 */
/* main.c: global options, the command table, preconditions, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>

#include "config.h"
#include "cmd.h"
#include "fileio.h"
#include "lock.h"
#include "output.h"
#include "sqlio.h"
#include "stage.h"
#include "banned.h"

struct group {
	const char *name;
	const struct cmd_spec *const *cmds;  /* NULL-terminated */
	const char *summary;
};

static const struct cmd_spec *const cert_cmds[] = {
	&cmd_cert_list, &cmd_cert_show, &cmd_cert_import, &cmd_cert_trust, &cmd_cert_remove, NULL,
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

const struct option cmd_global_options[] = {
	{"profile", required_argument, NULL, 'p'},
	{"app", required_argument, NULL, 'A'},
	{"all-profiles", no_argument, NULL, 'a'},
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

static bool want_help;

static void
usage(FILE *f)
{
	fputs("usage: mozcert [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
	      "Global options:\n"
	      "  -p, --profile NAME|DIR   a profile directory or a profile name from profiles.ini\n"
	      "      --app APP            firefox, thunderbird or seamonkey\n"
	      "      --all-profiles       every profile found (of --app, or of every app)\n"
	      "      --json               one JSON document on stdout\n"
	      "  -n, --dry-run            say what would change; change nothing\n"
	      "      --password-file FILE the Primary Password of the store\n"
	      "      --force              act on a profile whose application is running\n"
	      "  -q, --quiet / -v, --verbose\n"
	      "  -h, --help / --version\n\n"
	      "Commands:\n", f);
	for (size_t i = 0; top_cmds[i]; i++)
		fprintf(f, "  %-28s %s\n", top_cmds[i]->name, top_cmds[i]->summary);
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		for (size_t i = 0; groups[g].cmds[i]; i++) {
			_autofree_ char *n = xasprintf("%s %s %s", groups[g].name, groups[g].cmds[i]->name,
						       groups[g].cmds[i]->args);
			fprintf(f, "  %-28s %s\n", n, groups[g].cmds[i]->summary);
		}
	fputs("\nExit status: 0 success, 1 failure or problem found, 2 usage error, 3 profile in use.\n", f);
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
	default:
		return 0;
	}
}

int
cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	   int (*handle)(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err),
	   int *first_arg, struct mc_error *err)
{
	struct option all[64];
	size_t n = 0;
	int opt, ret;

	for (size_t i = 0; opts && opts[i].name && n < ARRAY_SIZE(all) - 16; i++)
		all[n++] = opts[i];
	for (size_t i = 0; cmd_global_options[i].name; i++)
		all[n++] = cmd_global_options[i];
	memset(&all[n], 0, sizeof(all[n]));
	optind = 0;
	/* before anything initialises SQLite: its log then carries the errno of each failed call */
	sqlio_watch_install();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+p:nqvhf", all, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return mc_error_set(err, MC_EUSAGE, "%s: unknown option or missing argument '%s'",
					    ctx->cmd_name, argv[optind - 1]);
		ret = cmd_global_option(ctx, opt, optarg, err);
		if (ret < 0)
			return ret;
		if (ret == 1)
			continue;
		if (!handle)
			return mc_error_set(err, MC_EUSAGE, "%s: unknown option", ctx->cmd_name);
		if ((ret = handle(ctx, opt, optarg, err)) < 0)
			return ret;
	}
	*first_arg = optind;
	return 0;
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

static const struct cmd_spec *
lookup(int argc, char **argv, int *used, const char **group_name)
{
	for (size_t i = 0; top_cmds[i]; i++)
		if (streq(top_cmds[i]->name, argv[0])) {
			*used = 1;
			*group_name = NULL;
			return top_cmds[i];
		}
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		if (!streq(groups[g].name, argv[0]))
			continue;
		*group_name = groups[g].name;
		if (argc < 2)
			return NULL;
		for (size_t i = 0; groups[g].cmds[i]; i++)
			if (streq(groups[g].cmds[i]->name, argv[1])) {
				*used = 2;
				return groups[g].cmds[i];
			}
		return NULL;
	}
	*group_name = NULL;
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
	return o;
}

/* Lock, recover, run: one profile. */
static int
run_one(struct cmd_ctx *ctx, const struct cmd_spec *cmd, const struct profile *p,
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
		if (profile_lock_acquire(p->path, false, &lk, &ignored) == 0 && lk.held)
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
	if (ctx->all_profiles) {
		if (ctx->profile_arg)
			return mc_error_set(err, MC_EUSAGE, "--all-profiles and --profile exclude each other");
		if ((ret = profile_discover(ctx->app, out, err)) < 0)
			return ret;
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

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = {.app = -1};
	struct mc_error err = {0};
	const struct cmd_spec *cmd;
	const char *group = NULL;
	struct json_object *doc = NULL, *results = NULL;
	struct profile_list profiles = {0};
	int used = 0, opt, ret, status = 0, first;
	bool any_changed = false;

	/* before anything initialises SQLite: its log then carries the errno of each failed call */
	sqlio_watch_install();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+p:nqvhf", cmd_global_options, NULL)) != -1) {
		if (opt == 'V') {
			printf("mozcert %s\n", MOZCERT_VERSION);
			return finish_stdout();
		}
		if (opt == '?' || opt == ':') {
			fprintf(stderr, "mozcert: unknown option or missing argument '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
		if ((ret = cmd_global_option(&ctx, opt, optarg, &err)) < 0) {
			fprintf(stderr, "mozcert: %s\n", err.msg);
			return 2;
		}
	}
	if (optind >= argc) {
		if (want_help) {
			usage(stdout);
			return finish_stdout();
		}
		fputs("mozcert: no command given\n", stderr);
		usage(stderr);
		return 2;
	}
	cmd = lookup(argc - optind, argv + optind, &used, &group);
	if (!cmd) {
		if (group && optind + 1 >= argc && want_help) {
			usage(stdout);
			return finish_stdout();
		}
		if (group)
			fprintf(stderr, "mozcert: unknown %s subcommand '%s'\n", group,
				optind + 1 < argc ? argv[optind + 1] : "");
		else
			fprintf(stderr, "mozcert: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	ctx.cmd_name = group ? xasprintf("%s %s", group, cmd->name) : xstrdup(cmd->name);
	first = optind + used - 1;
	if (cmd->prepare) {
		ret = cmd->prepare(&ctx, argc - first, argv + first, &err);
	} else {
		/* A command without prepare takes the global options and no argument. */
		int op;

		ret = cmd_getopt(&ctx, argc - first, argv + first, NULL, NULL, &op, &err);
		if (ret == 0 && op < argc - first)
			ret = mc_error_set(&err, MC_EUSAGE, "%s: unexpected argument '%s'", ctx.cmd_name, argv[first + op]);
	}
	if (want_help) {
		printf("usage: mozcert %s %s\n  %s\n", ctx.cmd_name, cmd->args, cmd->summary);
		status = finish_stdout();
		goto out;
	}
	if (ctx.json) {
		doc = json_object_new_object();
		json_object_object_add(doc, "command", json_object_new_string(ctx.cmd_name));
		results = json_object_new_array();
	}
	if (ret < 0) {
		status = mc_error_exit_status(ret);
		fprintf(stderr, "mozcert: %s\n", err.msg);
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
			if (profiles.n > 1)
				cmd_out(&ctx, "%s== %s profile '%s' (%s)\n", i ? "\n" : "", app_name(profiles.v[i].app),
					profiles.v[i].name ? profiles.v[i].name : "", profiles.v[i].path);
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
out:
	if (cmd->cleanup)
		cmd->cleanup(&ctx);
	profile_list_release(&profiles);
	if (ctx.password) {
		secure_wipe(ctx.password, strlen(ctx.password));
		free(ctx.password);
	}
	free((char *)ctx.cmd_name);
	return status;
}
