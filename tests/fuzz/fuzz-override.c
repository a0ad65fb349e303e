/* SPDX-License-Identifier: MPL-2.0 */
/*
 * fuzz-override.c: override_parse on arbitrary bytes; override_write must
 * give the input back byte for byte; every line must be consistently judged;
 * an add must leave a file in which the current reader finds the new entry
 * (when the input holds no NUL byte);
 * remove and prune must not disturb that.
 *
 * libFuzzer (from the source root):
 *   clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core $(pkg-config --cflags nss) tests/fuzz/fuzz-override.c src/core/override-file.c src/core/error.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o fuzz-override
 * gcc, replaying files or stdin (from the source root):
 *   gcc -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -Isrc/core $(pkg-config --cflags nss) tests/fuzz/fuzz-override.c tests/fuzz/main-stdin.c src/core/override-file.c src/core/error.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o fuzz-override
 *   ./fuzz-override $(find tests/fixtures/made -name cert_override.txt)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "override-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_lines(const struct override_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct override_line *l = &f->lines[i];

		if (l->eol_len > 2 || l->eol_len > l->len)
			abort();
		if (l->status == OVERRIDE_LINE_ENTRY && (!l->entry || l->reason))
			abort();
		if (l->status == OVERRIDE_LINE_INVALID && !l->reason)
			abort();
		if ((l->status == OVERRIDE_LINE_COMMENT || l->status == OVERRIDE_LINE_BLANK) && l->entry)
			abort();
		if (l->entry && (!l->entry->host || !l->entry->fingerprint || !l->entry->oid || !l->entry->readers))
			abort();
		if (l->status == OVERRIDE_LINE_ENTRY && !(l->entry->readers & OVERRIDE_READER(OVERRIDE_ERA_D)))
			abort();
	}
}

static void
reparse(const struct override_file *f, struct override_file *g)
{
	struct strbuf w;

	strbuf_init(&w);
	override_write(f, &w);
	override_file_init(g);
	if (override_parse(w.buf, w.len, "fuzz", g, NULL) < 0)
		abort();
	check_lines(g);
	strbuf_release(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct override_file f, g;
	struct override_changes ch;
	struct strbuf w;
	unsigned char sha[32];
	bool found = false;
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size);
	override_file_init(&f);
	if (override_parse(buf, size, "fuzz", &f, NULL) < 0) {
		override_file_release(&f);
		free(buf);
		return 0;
	}
	check_lines(&f);

	/* Round trip: the bytes come back exactly. */
	strbuf_init(&w);
	override_write(&f, &w);
	if (w.len != size || (size && memcmp(w.buf, data, size) != 0))
		abort();
	strbuf_release(&w);

	/* Add: the current reader must then load the new entry as its last one for the key. */
	override_changes_init(&ch);
	memset(sha, 0xA5, sizeof(sha));
	if (override_add(&f, OVERRIDE_ERA_D, "fuzz.example", 443, NULL, sha, NULL, NULL, &ch, NULL) < 0)
		abort();
	reparse(&f, &g);
	for (size_t i = 0; i < g.n; i++) {
		const struct override_entry *e = g.lines[i].entry;

		if (g.lines[i].status == OVERRIDE_LINE_ENTRY && streq(e->host, "fuzz.example") && e->port == 443 &&
		    streq(e->origin_attrs ? e->origin_attrs : "", ""))
			found = strncmp(e->fingerprint, "A5:A5", 5) == 0;
	}
	/* A NUL hides text up to the end of its 4096-byte read block, so moving later lines may reveal some. */
	if (!found && !memchr(data, '\0', size))
		abort();
	override_file_release(&g);

	/* Remove it and prune: nothing may crash, and the result must still parse. */
	if (override_remove(&f, "fuzz.example", 443, NULL, &ch) < 1)
		abort();
	override_prune(&f, OVERRIDE_ERA_C, OVERRIDE_PRUNE_INVALID | OVERRIDE_PRUNE_DUPLICATES, NULL, NULL, &ch);
	reparse(&f, &g);
	override_file_release(&g);

	override_changes_release(&ch);
	override_file_release(&f);
	free(buf);
	return 0;
}
