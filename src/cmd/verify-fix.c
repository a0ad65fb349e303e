/* SPDX-License-Identifier: MPL-2.0 */
/* verify-fix.c: running the fixes of verify --fix through this same mozcert (verify-fix.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "verify-fix.h"
#include "banned.h"

/*
 * Run this same mozcert (/proc/self/exe) as "mozcert -p PROFILE [--force]
 * [--password-file F] ARGS...": a fix goes through the command a user would
 * type, with its lock, compatibility check, backup and staging. Its exit
 * status in *status; its text goes to our stdout (to /dev/null under --json).
 */
int
verify_run_self(const struct cmd_ctx *ctx, const struct profile *p, const char *pwfile, const char *const *args,
		size_t nargs, int *status, struct mc_error *err)
{
	const char *argv[16];
	size_t n = 0;
	char exe[4096];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t pid;
	int st;

	if (el <= 0)
		return mc_error_set(err, MC_EFAIL, "cannot find this program (/proc/self/exe): %s", strerror(errno));
	exe[el] = '\0';
	argv[n++] = exe;
	argv[n++] = "-p";
	argv[n++] = p->path;
	if (ctx->force)
		argv[n++] = "--force";
	if (pwfile) {
		argv[n++] = "--password-file";
		argv[n++] = pwfile;
	}
	for (size_t i = 0; i < nargs && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return mc_error_set(err, MC_EFAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (ctx->json) {
			int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (fd >= 0)
				dup2(fd, 1);
		}
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return mc_error_set(err, MC_EFAIL, "waitpid: %s", strerror(errno));
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return 0;
}

/* One fix in the result's "fix" member: what, the command, and its exit status (null: not run). */
void
verify_fix_action(struct json_object *acts, const char *what, const char *cmd, int status)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "action", json_object_new_string(what));
	json_object_object_add(o, "command", json_object_new_string(cmd));
	json_object_object_add(o, "exit_status", status >= 0 ? json_object_new_int(status) : NULL);
	json_object_array_add(acts, o);
}

/* A private directory for the files a fix hands to the commands it runs (caller removes it). */
int
verify_private_dir(char **dir, struct mc_error *err)
{
	const char *t = getenv("TMPDIR");
	char *d = xasprintf("%s/mozcert-fix-XXXXXX", t && t[0] == '/' ? t : "/tmp");

	if (!mkdtemp(d)) {
		int e = errno;

		free(d);
		return mc_error_set(err, MC_EFAIL, "cannot make a private directory: %s", strerror(e));
	}
	*dir = d;
	return 0;
}

