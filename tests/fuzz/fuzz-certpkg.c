/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-certpkg.c: certpkg_parse on arbitrary bytes.
 *
 * libFuzzer (from the source root):
 *   clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core $(pkg-config --cflags nss) tests/fuzz/fuzz-certpkg.c src/core/cert-input.c src/core/error.c src/core/fileio.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o fuzz-certpkg
 * gcc, replaying files or stdin (from the source root):
 *   gcc -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -Isrc/core $(pkg-config --cflags nss) tests/fuzz/fuzz-certpkg.c tests/fuzz/main-stdin.c src/core/cert-input.c src/core/error.c src/core/fileio.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o fuzz-certpkg
 *   ./fuzz-certpkg tests/fixtures/certs/[a-z]*
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nss.h>

#include "cert-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool nss_ready;
	struct der_list l = { 0 };
	struct mc_error err = { 0 };
	int rc;

	if (!nss_ready) {
		if (NSS_NoDB_Init(NULL) != SECSuccess)
			abort();
		nss_ready = true;
	}
	rc = certpkg_parse(data, size, "fuzz", &l, &err);
	/* The contract: success appends at least one certificate, failure nothing and a message. */
	if (rc == 0 && (l.n == 0 || err.code != 0))
		abort();
	if (rc != 0 && (l.n != 0 || rc != MC_EINPUT || err.code != MC_EINPUT || !err.msg[0] ||
			strchr(err.msg, '\n')))
		abort();
	for (size_t i = 0; i < l.n; i++) {
		if (!l.v[i].data || l.v[i].len == 0 || !l.v[i].origin)
			abort();
	}
	der_list_release(&l);
	return 0;
}
