/* SPDX-License-Identifier: MPL-2.0 */
/* error.c: recording errors (first one wins) and naming NSS error codes. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <prerror.h>
#include <secport.h>

#include "sqlite-errno.h"

static int
vset(struct mc_error *err, int code, const char *fmt, va_list ap)
{
	if (!err || err->code != 0)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int
mc_error_set(struct mc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

static void
append(struct mc_error *err, const char *fmt, ...) _printf_(2, 3);

static void
append(struct mc_error *err, const char *fmt, ...)
{
	size_t len = strlen(err->msg);
	va_list ap;

	if (len >= sizeof(err->msg) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + len, sizeof(err->msg) - len, fmt, ap);
	va_end(ap);
}

int
mc_error_sys(struct mc_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!err || err->code != 0)
		return MC_EFAIL;
	va_start(ap, fmt);
	vset(err, MC_EFAIL, fmt, ap);
	va_end(ap);
	err->sys_errno = saved;
	append(err, ": %s", strerror(saved));
	errno = saved;
	return MC_EFAIL;
}

int
mc_error_nss(struct mc_error *err, const char *fmt, ...)
{
	int code = PORT_GetError();
	char io[600];
	int sys;
	va_list ap;

	if (!err || err->code != 0)
		return MC_EFAIL;
	va_start(ap, fmt);
	vset(err, MC_EFAIL, fmt, ap);
	va_end(ap);
	err->nss_code = code;
	append(err, ": %s: %s", mc_nss_error_name(code), mc_nss_error_text(code));
	/* NSS drops the file and errno of a failed write of its store: SQLite's VFS kept them */
	if ((sys = sqlio_take_failure(io, sizeof(io))) != 0) {
		err->sys_errno = sys;
		append(err, " (%s)", io);
	}
	return MC_EFAIL;
}

void
mc_error_clear(struct mc_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int
mc_error_exit_status(int code)
{
	switch (code) {
	case MC_OK:
		return 0;
	case MC_EUSAGE:
		return 2;
	case MC_EINUSE:
		return 3;
	default:
		return 1;
	}
}

const char *
mc_code_name(int code)
{
	switch (code) {
	case MC_OK:
		return "ok";
	case MC_EINPUT:
		return "input";
	case MC_EUSAGE:
		return "usage";
	case MC_EINUSE:
		return "in-use";
	case MC_ENOENT:
		return "not-found";
	case MC_EDAMAGED:
		return "damaged";
	default:
		return "failed";
	}
}

const char *
mc_nss_error_name(int code)
{
	const char *name = PR_ErrorToName(code);

	if (code == 0)
		return "NO_ERROR_CODE";
	return name ? name : "UNKNOWN_ERROR";
}

const char *
mc_nss_error_text(int code)
{
	const char *text;

	if (code == 0)
		return "no error code was set";
	text = PR_ErrorToString(code, PR_LANGUAGE_I_DEFAULT);
	return text && *text ? text : "unknown error";
}

/* A byte that may continue a file name component: "DIR" matches in "DIR/x" and "'DIR'", not in "DIRx". */
static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.';
}

void
mc_error_rebase(struct mc_error *err, const char *from, const char *to)
{
	char out[sizeof(err->msg)];
	size_t fl, tl, o = 0;
	const char *s;
	bool hit = false;

	if (!err || !err->code || !from || !*from || !to)
		return;
	fl = strlen(from);
	tl = strlen(to);
	for (s = err->msg; *s && o + 1 < sizeof(out);) {
		if (strncmp(s, from, fl) == 0 && !name_char(s[fl])) {
			size_t k = tl < sizeof(out) - 1 - o ? tl : sizeof(out) - 1 - o;

			memcpy(out + o, to, k);
			o += k;
			s += fl;
			hit = true;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	/*
	 * A system error on the copy (a full /dev/shm or TMPDIR) is not one of the user's disk: say where
	 * the copy was, by its parent directory (the copy itself is gone by the time the message is read).
	 */
	if (hit && (err->sys_errno || err->nss_code)) {
		const char *slash = strrchr(from, '/');
		int plen = slash ? (slash == from ? 1 : (int)(slash - from)) : 1;

		snprintf(out + o, sizeof(out) - o, " (in mozcert's working copy, under '%.*s')", plen,
			 slash ? from : ".");
		o += strlen(out + o);
	}
	memcpy(err->msg, out, o + 1);
}
