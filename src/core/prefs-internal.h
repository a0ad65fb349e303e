/* SPDX-License-Identifier: MPL-2.0 */
/* prefs-internal.h: what prefs-parse.c and prefs-file.c share. Not for other modules. */
#ifndef MOZCERT_PREFS_INTERNAL_H
#define MOZCERT_PREFS_INTERNAL_H

#include <stdbool.h>
#include "prefs-file.h"

/* Append e (moved: out owns its members now). */
void prefs_add_entry(struct prefs *out, struct prefs_entry *e);

/* A whole text that is one quoted literal, decoded with the pref grammar: true and *out (caller frees). */
bool prefs_parse_quoted(const char *text, char **out);

#endif
