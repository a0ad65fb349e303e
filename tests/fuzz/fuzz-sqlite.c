/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-sqlite.c: the SQLite readers of salvage on arbitrary bytes: cert9.db
 * rows read through SQLite from memory (salvage_sql) and the key4.db
 * integrity check (salvage_sqlite_ok). Whatever is found must be one whole
 * certificate, found once. The cert8 readers have their own target (fuzz-dbm.c).
 *
 * libFuzzer: tests/fuzz/run-libfuzzer.sh SECONDS sqlite
 * gcc (replay): built by meson as tests/fuzz/fuzz-sqlite, run by replay.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nss.h>

#include "salvage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool nss_ready;
	struct salvage s;
	struct mc_error err = { 0 };
	char *why = NULL;

	if (!nss_ready) {
		if (NSS_NoDB_Init(NULL) != SECSuccess)
			abort();
		nss_ready = true;
	}
	salvage_init(&s);
	if (salvage_sql(data, size, &s, &err) < 0 && (err.code != MC_EDAMAGED || !s.damaged))
		abort();
	/* Whatever was found is one whole certificate, found once. */
	for (size_t i = 0; i < s.n; i++)
		if (!s.v[i].der_len || salvage_find(&s, s.v[i].der, s.v[i].der_len) != (ssize_t)i)
			abort();
	salvage_release(&s);
	if (salvage_sqlite_ok(data, size, &why) == 0 && !why)
		abort();
	free(why);
	return 0;
}
