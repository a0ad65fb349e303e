/* SPDX-License-Identifier: MPL-2.0 */
/* cmd.c: what every command shares: the option rule, the global options, output, sub-runs. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>

#include "cmd.h"
#include "fileio.h"
#include "fork-pool.h"
#include "output.h"
#include "sqlite-errno.h"
#include "banned.h"

/* Global options without a short form: values no command's option table uses (those are letters). */
enum { OPT_ALL_USERS = 0x1000, OPT_USER, OPT_JOBS };

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
	{"jobs", required_argument, NULL, OPT_JOBS},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};


/* getopt's string: '+' (operands are walked by hand), ':' (a missing value is told apart) */
#define GLOBAL_SHORT "+:p:nqvhf"

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
	case OPT_JOBS: {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || v < 1 || v > POOL_MAX_JOBS)
			return mc_error_set(err, MC_EUSAGE, "--jobs wants a number of profiles at once, 1 to %d: '%s'",
					    POOL_MAX_JOBS, arg);
		ctx->jobs = (unsigned)v;
		return 1;
	}
	case 'q':
		ctx->verbosity = -1;
		return 1;
	case 'v':
		ctx->verbosity = 1;
		return 1;
	case 'h':
		ctx->want_help = true;
		return 1;
	case 'V':
		ctx->want_version = true;
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
 * getopt_long runs in order ('+') and is only ever shown an option: operands
 * and "--" are taken out by hand, so a value that starts with '-' stays the
 * value of its option.
 */
int
cmd_walk(struct cmd_ctx *ctx, int argc, char **argv, const struct option *opts,
	 int (*handle)(struct cmd_ctx *ctx, int opt, const char *arg, struct mc_error *err), unsigned how,
	 int *first_arg, struct mc_error *err)
{
	/* the messages start "cert import: "; before a command, with nothing (main prefixes "mozcert: ") */
	_autofree_ char *who = ctx->cmd_name ? xasprintf("%s: ", ctx->cmd_name) : xstrdup("");
	bool scan = how & CMD_WALK_SCAN;
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

		if ((how & CMD_WALK_STOP) && (streq(argv[at], "--") || is_operand(argv[at]))) {
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
				ctx->want_help = true;
			else if (opt == 'V')
				ctx->want_version = true;
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
	if (ret == 0 && (how & CMD_WALK_STOP)) {
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
	return cmd_walk(ctx, argc, argv, opts, handle, 0, first_arg, err);
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
	output_vtext(fmt, ap);
	va_end(ap);
}

void
cmd_out_bytes(const struct cmd_ctx *ctx, const char *buf, size_t len)
{
	if (ctx->json || ctx->verbosity < 0)
		return;
	output_bytes(buf, len);
}

void
cmd_warn(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < 0)
		return;
	va_start(ap, fmt);
	output_vwarn(fmt, ap);
	va_end(ap);
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
