/* SPDX-License-Identifier: MPL-2.0 */
/* util.c: allocation that aborts on out-of-memory, path and hex helpers. */
#include "util.h"

#include <stdarg.h>
#include <stdint.h>

static void
oom(void)
{
	fputs("mozcert: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *
xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	return xrealloc(p, n * size);
}

void *
xgrow(void *v, size_t n, size_t size)
{
	if (n == 0)
		return xreallocarray(v, 4, size);
	if (n >= 4 && (n & (n - 1)) == 0)
		return xreallocarray(v, n * 2, size);
	return v;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

char *
path_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);

	if (dl > 0 && dir[dl - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

char *
hex_encode(const unsigned char *data, size_t len, bool colons)
{
	static const char digits[] = "0123456789ABCDEF";
	char *out = xmalloc(len * 3 + 1);
	char *o = out;

	for (size_t i = 0; i < len; i++) {
		if (colons && i > 0)
			*o++ = ':';
		*o++ = digits[data[i] >> 4];
		*o++ = digits[data[i] & 0xf];
	}
	*o = '\0';
	return out;
}

void
strv_free(char **v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(v[k]);
	free(v);
}

void
secure_wipe(void *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
}
