/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-prefs.c: prefs_parse on arbitrary bytes; when they parse cleanly,
 * prefs_write, and the written file must parse cleanly to the same prefs and
 * write again byte for byte; an in-place edit must keep the file parseable.
 *
 * libFuzzer (from the source root):
 *   clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core -Isrc/cmd $(pkg-config --cflags nss) tests/fuzz/fuzz-prefs.c src/core/prefs-file.c src/core/prefs-parse.c src/core/error.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o fuzz-prefs
 * gcc, replaying files or stdin (from the source root):
 *   gcc -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -Isrc/core -Isrc/cmd $(pkg-config --cflags nss) tests/fuzz/fuzz-prefs.c tests/fuzz/main-stdin.c src/core/prefs-file.c src/core/prefs-parse.c src/core/error.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o fuzz-prefs
 *   ./fuzz-prefs $(find tests/fixtures/real tests/fixtures/made tests/fixtures/prefs -name '*.js')
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prefs-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prefs p, q, r;
	struct strbuf w1, w2, ed;
	static char sval[] = "fuzz\"\\\n";
	struct prefs_value v = { .type = PREFS_TYPE_STRING, .s = sval };
	struct mc_error err = { 0 };

	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	if (prefs_parse(buf, size, "fuzz.js", &p, &err) < 0) {
		if (err.code != MC_EINPUT || p.nerrors_total == 0 || p.nerrors == 0)
			abort();
	}
	for (size_t k = 0; k < p.n; k++) {
		if (p.entries[k].start >= p.entries[k].end || p.entries[k].end > size)
			abort();
	}

	/* Edit in place: still parses, with the new value last. */
	strbuf_init(&ed);
	prefs_edit_in_place(buf, size, &p, "fuzz.pref", &v, &ed);
	prefs_parse(ed.buf, ed.len, "fuzz.js", &r, NULL);
	if (!prefs_get(&r, "fuzz.pref") || strcmp(prefs_get(&r, "fuzz.pref")->value.s, v.s) != 0) {
		/* Only a file whose last statement is unfinished may swallow the append. */
		if (p.nerrors_total == 0)
			abort();
	}
	prefs_release(&r);
	strbuf_release(&ed);

	if (p.nerrors_total == 0) {
		strbuf_init(&w1);
		strbuf_init(&w2);
		prefs_write(&p, &w1);
		if (prefs_parse(w1.buf, w1.len, "prefs.js", &q, NULL) != 0)
			abort();
		prefs_write(&q, &w2);
		if (w1.len != w2.len || memcmp(w1.buf, w2.buf, w1.len) != 0)
			abort();
		for (size_t k = 0; k < q.n; k++) {
			const struct prefs_entry *e = prefs_get(&p, q.entries[k].name);

			if (!e || !prefs_value_equal(&e->value, &q.entries[k].value))
				abort();
		}
		prefs_release(&q);
		strbuf_release(&w1);
		strbuf_release(&w2);
	}
	prefs_release(&p);
	free(buf);
	return 0;
}
