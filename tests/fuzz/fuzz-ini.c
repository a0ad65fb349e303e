/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-ini.c: the three INI readers of a profile tree on arbitrary bytes:
 * profiles.ini (profiles_ini_parse), installs.ini (given beside a version-2
 * profiles.ini without [Install*] sections, so its sections are used) and
 * compatibility.ini (profile_compat_version). Every profile found must have a
 * name and an absolute path under a known root, at most one is the default,
 * every warning names the file; a version must be short and start with a digit.
 *
 * libFuzzer: tests/fuzz/run-libfuzzer.sh SECONDS ini
 * gcc (replay): built by meson as tests/fuzz/fuzz-ini, run by replay.sh.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOT "/fuzz/root"

static void
check_list(const struct profile_list *l)
{
	size_t defaults = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct profile *p = &l->v[i];

		if (!p->name || !p->path || p->path[0] != '/' || !p->root || strcmp(p->root, ROOT) != 0)
			abort();
		if (strlen(p->path) > 1 && p->path[strlen(p->path) - 1] == '/')
			abort();
		defaults += p->is_default;
	}
	if (defaults > 1)
		abort();
	for (size_t i = 0; i < l->nwarnings; i++)
		if (!l->warnings[i].msg[0] || !strstr(l->warnings[i].msg, ".ini"))
			abort();
}

static void
parse(const char *buf, size_t len, const char *inst, size_t inst_len)
{
	struct profile_list l;
	struct mc_error err = { 0 };

	if (profiles_ini_parse(buf, len, inst, inst_len, ROOT, APP_FIREFOX, "native", &l, &err) == 0) {
		check_list(&l);
		profile_list_release(&l);
	} else {
		if (!err.msg[0] || !strstr(err.msg, ".ini"))
			abort();
		mc_error_clear(&err);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char v2[] = "[General]\nVersion=2\nStartWithLastProfile=1\n\n"
				 "[Profile0]\nName=a\nIsRelative=1\nPath=a.default\nDefault=1\n";
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	char *v;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	parse(buf, size, NULL, 0);
	parse(v2, sizeof(v2) - 1, buf, size);
	parse(buf, size, buf, size);
	v = profile_compat_version(buf, size, "/fuzz/compatibility.ini");
	if (v) {
		if (!isdigit((unsigned char)v[0]) || strlen(v) > size || strpbrk(v, "_/\n\r"))
			abort();
		free(v);
	}
	free(buf);
	return 0;
}
