/* SPDX-License-Identifier: MPL-2.0 */
/* output.c: JSON documents (json-c), the human time format, and the text the commands print. */
#include "output.h"

#include <time.h>

#include "utf8.h"

#include "banned.h"

void
output_time(PRTime t, char out[32])
{
	time_t secs = (time_t)(t / PR_USEC_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "?");
}

static struct json_object *
str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *
output_cert_json(const struct cert_info *ci)
{
	struct json_object *o = json_object_new_object();
	char nb[32], na[32];

	output_time(ci->not_before, nb);
	output_time(ci->not_after, na);
	json_object_object_add(o, "nickname", str_or_null(ci->nickname));
	json_object_object_add(o, "trust", json_object_new_string(ci->trust));
	json_object_object_add(o, "trust_source",
			       json_object_new_string(ci->trust_v32 ? "pkcs11-v3.2" : "nss"));
	json_object_object_add(o, "ca", json_object_new_boolean(ci->is_ca));
	json_object_object_add(o, "subject", json_object_new_string(ci->subject));
	json_object_object_add(o, "issuer", json_object_new_string(ci->issuer));
	json_object_object_add(o, "serial", json_object_new_string(ci->serial_hex));
	json_object_object_add(o, "not_before", json_object_new_string(nb));
	json_object_object_add(o, "not_after", json_object_new_string(na));
	json_object_object_add(o, "expired", json_object_new_boolean(ci->not_after < PR_Now()));
	json_object_object_add(o, "sha256", json_object_new_string(ci->sha256_hex));
	return o;
}

void
output_json_print(struct json_object *doc)
{
	utf8_json_sanitize(doc);
	fputs(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
							   JSON_C_TO_STRING_SPACED),
	      stdout);
	fputc('\n', stdout);
}

void
output_vtext(const char *fmt, va_list ap)
{
	vfprintf(stdout, fmt, ap);
}

void
output_bytes(const char *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
}

void
output_prompt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void
output_vwarn(const char *fmt, va_list ap)
{
	fputs("mozcert: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}
