/* SPDX-License-Identifier: MPL-2.0 */
/* error.h: the one error type every module fills and only main prints. */
#ifndef MOZCERT_ERROR_H
#define MOZCERT_ERROR_H

#include "util.h"

/* Negative return codes; 0 is success. */
enum mc_code {
	MC_OK = 0,
	MC_EFAIL = -1,    /* operation failed (system call, NSS) */
	MC_EINPUT = -2,   /* malformed input: file, certificate, ini, ... */
	MC_EUSAGE = -3,   /* bad arguments */
	MC_EINUSE = -4,   /* the application holds the profile */
	MC_ENOENT = -5,   /* a named thing does not exist */
	MC_EDAMAGED = -6, /* a check found a problem */
};

struct mc_error {
	int code;        /* enum mc_code, 0 when nothing was recorded */
	int sys_errno;   /* saved errno for mc_error_sys */
	int nss_code;    /* PRErrorCode for mc_error_nss */
	char msg[512];   /* one line, without "mozcert: " prefix */
};

/*
 * Record an error. The first error wins: later calls on an error that is
 * already set change nothing. err may be NULL. Each returns code, so a
 * function can end with "return mc_error_set(err, MC_EINPUT, ...)".
 */
int mc_error_set(struct mc_error *err, int code, const char *fmt, ...) _printf_(3, 4);
/* As mc_error_set, appending ": <strerror(errno)>" and saving errno. */
int mc_error_sys(struct mc_error *err, const char *fmt, ...) _printf_(2, 3);
/* As mc_error_set with MC_EFAIL, appending ": NAME: text" of PORT_GetError(). */
int mc_error_nss(struct mc_error *err, const char *fmt, ...) _printf_(2, 3);

/* Forget a recorded error. */
void mc_error_clear(struct mc_error *err);

/*
 * Where a recorded message names from (a private working copy: a staging
 * directory, a copy of the store), name to (the user's directory it stands
 * for) instead: messages name the user's files, never mozcert's copies. A
 * system or NSS error that happened on the copy also says under
 * which directory the copy was: a full /dev/shm is not the profile's disk.
 */
void mc_error_rebase(struct mc_error *err, const char *from, const char *to);

/* Map a code to the process exit status (0, 1, 2, 3: docs/mozcert.1, EXIT STATUS). */
int mc_error_exit_status(int code);

/* Short stable name of a code for JSON ("input", "in-use", ...). */
const char *mc_code_name(int code);

/* Name and text of an NSS/NSPR error code; never NULL. */
const char *mc_nss_error_name(int code);
const char *mc_nss_error_text(int code);

#endif
