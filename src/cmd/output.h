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

/* Print a JSON document on stdout, newline-terminated; utf8_json_sanitize first. */
void output_json_print(struct json_object *doc);

/* The commands' text (cmd_out, cmd_out_bytes): on stdout, as it is. */
void output_vtext(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void output_bytes(const char *buf, size_t len);
/*
 * An interactive question and what leads to it, on stdout, flushed: shown at
 * any verbosity (the caller asks only with a terminal and no --json).
 */
void output_prompt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning (cmd_warn): "mozcert: warning: MSG" and a newline on stderr. */
void output_vwarn(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
