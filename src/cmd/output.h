/* SPDX-License-Identifier: MPL-2.0 */
/* output.h: JSON documents (json-c) and the human time format. */
#ifndef MOZCERT_OUTPUT_H
#define MOZCERT_OUTPUT_H

#include <json-c/json.h>
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

#endif
