/* SPDX-License-Identifier: MPL-2.0 */
/* findings.c: health-check findings, as JSON and as text. */
#include <stdarg.h>
#include <stdio.h>

#include "findings.h"
#include "strbuf.h"
#include "banned.h"

const char *
severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

static const char *
field(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

void
finding_print(const struct cmd_ctx *ctx, struct json_object *o)
{
	const char *sev = field(o, "severity"), *file = field(o, "file"), *msg = field(o, "message");
	const char *fix = field(o, "fix");

	if (!streq(sev, "error") && !streq(sev, "warning") && ctx->verbosity <= 0)
		return;
	cmd_out(ctx, "%-8s %s%s%s\n", sev ? sev : "?", file ? file : "", file ? ": " : "", msg ? msg : "");
	if (fix)
		cmd_out(ctx, "         fix: %s\n", fix);
}

void
finding_adopt(struct findings *f, struct json_object *o)
{
	const char *sev = field(o, "severity");

	json_object_array_add(f->arr, json_object_get(o));
	if (streq(sev, "error"))
		f->errors++;
	else if (streq(sev, "warning"))
		f->warnings++;
	finding_print(f->ctx, o);
}

void
finding(struct findings *f, enum severity sev, const char *code, const char *file, const char *fix,
	const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "severity", json_object_new_string(severity_name(sev)));
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "file", file ? json_object_new_string(file) : NULL);
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "fix", fix ? json_object_new_string(fix) : NULL);
	finding_adopt(f, o);
	json_object_put(o);
}

char *
shell_quote(const char *s)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addch(&sb, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addstr(&sb, "'\\''");
		else
			strbuf_addch(&sb, *s);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb, NULL);
}

char *
fix_cmd(const struct profile *p, const char *cmd)
{
	_autofree_ char *q = shell_quote(p->path);

	return xasprintf("mozcert -p %s %s", q, cmd);
}
