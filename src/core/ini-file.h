/* SPDX-License-Identifier: MPL-2.0 */
/*
 * ini-file.h: INI documents read as Mozilla's nsINIParser reads them (lines
 * end at CR or LF, '#'/';' comments in the first column only, keys and
 * values kept exactly). Named ini-file, not ini: <ini.h> is inih's header.
 */
#ifndef MOZCERT_INI_FILE_H
#define MOZCERT_INI_FILE_H

#include <stddef.h>
#include "error.h"

struct ini_entry {
	char *key;
	char *value;
	int line;
};

struct ini_section {
	char *name;
	size_t name_len;
	int line;
	struct ini_entry *e;
	size_t n;
};

struct ini_doc {
	struct ini_section *s;
	size_t n;
};

/* Free every section and entry of doc and zero it (usable with _cleanup_). */
void ini_doc_release(struct ini_doc *doc);
/* The section with this exact name, or NULL. */
const struct ini_section *ini_find(const struct ini_doc *doc, const char *name);
/* The value of key in s (NULL s allowed), or NULL. */
const char *ini_get(const struct ini_section *s, const char *key);
/* Parse buf into *out (initialised here). file is only for messages. On failure *out is empty. */
int ini_doc_parse(const char *buf, size_t len, const char *file, struct ini_doc *out, struct mc_error *err);

#endif
