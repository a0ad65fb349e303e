/* SPDX-License-Identifier: MPL-2.0 */
/* findings.h: the findings of a health check (db check, doctor), each with the command that fixes it. */
#ifndef MOZCERT_FINDINGS_H
#define MOZCERT_FINDINGS_H

#include <json-c/json.h>

#include "cmd.h"

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

struct findings {
	const struct cmd_ctx *ctx;
	const struct profile *p;
	struct json_object *arr; /* {severity, code, file, message, fix}, owned */
	size_t errors, warnings;
};

const char *severity_name(enum severity s);

/*
 * Record a finding: one object in f->arr, counted by severity, printed (infos
 * only with -v) with its fix. file is a name in the profile or NULL; fix is a
 * shell command or NULL.
 */
void finding(struct findings *f, enum severity sev, const char *code, const char *file, const char *fix,
	     const char *fmt, ...) _printf_(6, 7);

/* Print a finding object (infos only with -v), with its fix. */
void finding_print(const struct cmd_ctx *ctx, struct json_object *o);

/* Record a finding object made by another check (db check's JSON); takes a reference of o. */
void finding_adopt(struct findings *f, struct json_object *o);

/* 's' as one shell word, in single quotes; caller frees. */
char *shell_quote(const char *s);

/* "mozcert -p 'DIR' CMD" for the profile; caller frees. */
char *fix_cmd(const struct profile *p, const char *cmd);

#endif
