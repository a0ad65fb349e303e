/* SPDX-License-Identifier: MPL-2.0 */
/* profile-internal.h: what profile.c shares with profile-version.c. Not for other modules. */
#ifndef MOZCERT_PROFILE_INTERNAL_H
#define MOZCERT_PROFILE_INTERNAL_H

#include <stddef.h>

/*
 * The bytes of DIR/compatibility.ini, read once per run and again only when
 * the file changed; NULL when absent or unreadable (profile_compat_check
 * tells which). *len set either way.
 */
const char *profile_compat_get(const char *dir, size_t *len);

#endif
