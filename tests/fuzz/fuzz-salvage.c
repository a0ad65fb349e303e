/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-salvage.c: the three salvage readers (cert9 rows through SQLite, cert8
 * hash records, carving) and the two integrity checks on arbitrary bytes.
 *
 * libFuzzer (from the source root):
 *   clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(pkg-config --cflags nss sqlite3) tests/fuzz/fuzz-salvage.c src/salvage.c src/sqlpage.c src/trust.c src/error.c src/strbuf.c src/util.c $(pkg-config --libs nss sqlite3) -o fuzz-salvage
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
	mc_error_clear(&err);
	if (salvage_dbm(data, size, &s, &err) < 0 && err.code != MC_EDAMAGED)
		abort();
	salvage_carve(data, size, &s);
	/* Whatever was found is one whole certificate, found once. */
	for (size_t i = 0; i < s.n; i++)
		if (!s.v[i].der_len || salvage_find(&s, s.v[i].der, s.v[i].der_len) != (ssize_t)i)
			abort();
	salvage_release(&s);
	if (salvage_sqlite_ok(data, size, &why) == 0 && !why)
		abort();
	free(why);
	why = NULL;
	if (salvage_dbm_ok(data, size, &why) == 0 && !why)
		abort();
	free(why);
	return 0;
}
