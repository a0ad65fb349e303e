/* SPDX-License-Identifier: MPL-2.0 */
/* util.h: small helpers shared by every module: cleanup attributes, steal, allocation that never fails. */
#ifndef MOZCERT_UTIL_H
#define MOZCERT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _autofree_ _cleanup_(freep)
#define _autoclose_ _cleanup_(closep)
#define _autofclose_ _cleanup_(fclosep)
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, fn)                                  \
	static inline void fn##p(type *p)                                      \
	{                                                                      \
		if (*p)                                                        \
			fn(*p);                                                \
	}

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void
fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Hand ownership of *p to the caller and leave NULL behind. */
static inline void *
steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal(pp) steal_ptr(pp)

static inline int
steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

static inline bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline bool
strstartswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Value of one hex digit, or -1. */
static inline int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Allocation aborts on out-of-memory: there are no OOM branches. */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
/*
 * Room for element n of an array that only ever grows by one: the capacity
 * is the next power of two, so pushes cost amortised O(1).
 */
void *xgrow(void *v, size_t n, size_t size);
char *xstrdup(const char *s);
/* Free each of the n strings of v, then v (NULL v with n 0: nothing). */
void strv_free(char **v, size_t n);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);

/* Join a directory and a name with one slash; caller frees. */
char *path_join(const char *dir, const char *name);

/* Hex of a byte string, upper-case with ':' between bytes when sep; caller frees. */
char *hex_encode(const unsigned char *data, size_t len, bool colons);

/* Wipe memory that held a secret, in a way the compiler keeps. */
void secure_wipe(void *p, size_t n);

/* A big-endian 32-bit word (SQLite pages and journals, dbm files, cert_override.txt's dbKey). */
static inline uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

#endif
