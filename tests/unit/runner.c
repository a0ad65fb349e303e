/* SPDX-License-Identifier: MPL-2.0 */
/*
 * runner.c: the shared main of every Check suite; TAP on stdout under meson.
 * A test that cannot run (extra_path: an optional original is missing) prints
 * "# SKIP reason" and returns; Check then reports it "ok N - ...". When the TAP
 * stream goes to stdout (CK_TAP_LOG_FILE_NAME=-), the suite runs in a child
 * whose stdout the runner reads, and such an "ok" line gets the TAP directive
 * " # SKIP reason", so meson counts a skip, not a pass.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

Suite *make_suite(void);

static int
run_suite(void)
{
	SRunner *sr = srunner_create(make_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* meson may read a truncated TAP stream as a skip: the exit status says it too. */
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Copy the child's TAP to stdout, turning "# SKIP why" + "ok N - name" into "ok N - name # SKIP why". */
static void
relay(FILE *in)
{
	char line[4096], why[4096] = "";

	while (fgets(line, sizeof(line), in)) {
		size_t len = strcspn(line, "\n");

		line[len] = '\0';
		if (!strncmp(line, "# SKIP ", 7)) {
			if (*why)
				strncat(why, "; ", sizeof(why) - strlen(why) - 1);
			strncat(why, line + 7, sizeof(why) - strlen(why) - 1);
		} else if (!strncmp(line, "ok ", 3) && *why) {
			printf("%s # SKIP %s\n", line, why);
			why[0] = '\0';
			continue;
		} else if (!strncmp(line, "not ok ", 7)) {
			why[0] = '\0';  /* a failure is a failure, whatever was skipped before it */
		}
		printf("%s\n", line);
	}
	fflush(stdout);
}

int
main(void)
{
	const char *tap = getenv("CK_TAP_LOG_FILE_NAME");
	int fds[2], status;
	pid_t pid;
	FILE *in;

	if (!tap || strcmp(tap, "-") != 0 || pipe(fds) < 0)
		return run_suite();
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return run_suite();
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[1]);
		exit(run_suite());
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	if (!in)
		abort();
	relay(in);
	fclose(in);
	if (waitpid(pid, &status, 0) != pid)
		return EXIT_FAILURE;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE;
}
