/* SPDX-License-Identifier: MPL-2.0 */
/* verify-fix.h: what verify --fix needs to run the commands a user would type. */
#ifndef MOZCERT_VERIFY_FIX_H
#define MOZCERT_VERIFY_FIX_H

#include <json-c/json.h>

#include "cmd.h"

/*
 * Run this same mozcert (/proc/self/exe) as "mozcert -p PROFILE [--force]
 * [--password-file F] ARGS...": its exit status in *status; its text goes to
 * our stdout (to /dev/null under --json).
 */
int verify_run_self(const struct cmd_ctx *ctx, const struct profile *p, const char *pwfile, const char *const *args,
		    size_t nargs, int *status, struct mc_error *err);

/* One fix in the result's "fix" member: what, the command, and its exit status (-1: not run). */
void verify_fix_action(struct json_object *acts, const char *what, const char *cmd, int status);

/* A private directory for the files a fix hands to the commands it runs (caller removes it). */
int verify_private_dir(char **dir, struct mc_error *err);

#endif
