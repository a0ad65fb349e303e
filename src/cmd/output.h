/* SPDX-License-Identifier: MPL-2.0 */
/* output.h: JSON documents (json-c), the human time format, and the commands' text on stdout and stderr. */
#ifndef MOZCERT_OUTPUT_H
#define MOZCERT_OUTPUT_H

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <prtime.h>
#include "nssdb.h"

/* "2026-11-28T23:47:55Z"; out must hold 32 bytes. */
void output_time(PRTime t, char out[32]);

/* JSON object for one certificate (nickname, trust, subject, issuer, validity, sha256). */
struct json_object *output_cert_json(const struct cert_info *ci);

/*
 * Make every string of doc valid UTF-8, in place (docs/json.md): a string
 * member KEY that is not has each invalid sequence replaced by U+FFFD and
 * gains a member KEY_bytes with its exact bytes in lower-case hex; an array
 * member KEY of strings gains KEY_bytes, an array of the same length holding
 * that hex for each string that was not valid and null for the others. An
 * object key that is not valid UTF-8 is replaced by its sanitized form.
 */
void output_json_utf8(struct json_object *doc);

/* Print a JSON document on stdout, newline-terminated; output_json_utf8 first. */
void output_json_print(struct json_object *doc);

/* Whether s[0..n) is strict UTF-8 (no overlong form, surrogate or code point past U+10FFFF). */
bool output_utf8_valid(const char *s, size_t n);
/* s[0..n) with each maximal invalid subpart replaced by U+FFFD; caller frees. */
char *output_utf8_sanitize(const char *s, size_t n);

/* The commands' text (cmd_out, cmd_out_bytes): on stdout, as it is. */
void output_vtext(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void output_bytes(const char *buf, size_t len);
/* A warning (cmd_warn): "mozcert: warning: MSG" and a newline on stderr. */
void output_vwarn(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
