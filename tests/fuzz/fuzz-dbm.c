/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-dbm.c: the cert8.db readers of salvage on arbitrary bytes: the
 * Berkeley DB hash-record reader (salvage_dbm), the structure check of a
 * hash file (salvage_dbm_ok) and DER carving (salvage_carve). Whatever is
 * found must be one whole certificate, found once, from a record read; an
 * unreadable header must be reported as damage. The SQLite reader has its own target (fuzz-sqlite.c).
 *
 * libFuzzer: tests/fuzz/run-libfuzzer.sh SECONDS dbm
 * gcc (replay): built by meson as tests/fuzz/fuzz-dbm, run by replay.sh.
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
	size_t before;

	if (!nss_ready) {
		if (NSS_NoDB_Init(NULL) != SECSuccess)
			abort();
		nss_ready = true;
	}
	salvage_init(&s);
	if (salvage_dbm(data, size, &s, &err) < 0 && (err.code != MC_EDAMAGED || !err.msg[0] || !s.damaged))
		abort();
	if (s.n > s.units_read)
		abort();
	before = s.n;
	if (salvage_carve(data, size, &s) != s.n - before)
		abort();
	/* Whatever was found is one whole certificate, found once. */
	for (size_t i = 0; i < s.n; i++)
		if (!s.v[i].der_len || salvage_find(&s, s.v[i].der, s.v[i].der_len) != (ssize_t)i)
			abort();
	salvage_release(&s);
	if (salvage_dbm_ok(data, size, &why) == 0 && (!why || !*why))
		abort();
	free(why);
	return 0;
}
