/* SPDX-License-Identifier: MPL-2.0 */
/* utf8.h: strict UTF-8 (no overlong form, surrogate or code point past U+10FFFF) and its repair. Pure. */
#ifndef MOZCERT_UTF8_H
#define MOZCERT_UTF8_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether s[0..n) is strict UTF-8 (no overlong form, surrogate or code point past U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* s[0..n) with each maximal invalid subpart replaced by U+FFFD; caller frees. */
char *utf8_sanitize(const char *s, size_t n);

/*
 * Make every string of doc valid UTF-8, in place (docs/json.md): a string
 * member KEY that is not has each invalid sequence replaced by U+FFFD and
 * gains a member KEY_bytes with its exact bytes in lower-case hex; an array
 * member KEY of strings gains KEY_bytes, an array of the same length holding
 * that hex for each string that was not valid and null for the others. An
 * object key that is not valid UTF-8 is replaced by its sanitized form.
 */
void utf8_json_sanitize(struct json_object *doc);

#endif
