/* SPDX-License-Identifier: MPL-2.0 */
/*
 * bench-prefs.c: time prefs_parse + prefs_write on a generated 20,000-pref
 * prefs.js (a mix of bool, int, string and escaped-string values, in the
 * order Firefox writes them). Prints the best of 20 runs. Not part of the
 * test suite. Build and run (from the source root):
 *   gcc -std=gnu11 -D_GNU_SOURCE -O2 -Isrc/core -Isrc/cmd $(pkg-config --cflags nss) tests/bench-prefs.c src/core/prefs-file.c src/core/prefs-parse.c src/core/error.c src/core/strbuf.c src/core/util.c $(pkg-config --libs nss) -o /tmp/bench-prefs && /tmp/bench-prefs [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "prefs-file.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20000;
	double best_parse = 1e9, best_write = 1e9;
	struct strbuf in, out;
	struct prefs tmp;

	strbuf_init(&in);
	strbuf_addstr(&in, prefs_file_header);
	for (int k = 0; k < n; k++) {
		switch (k % 4) {
		case 0:
			strbuf_addf(&in, "user_pref(\"bench.%06d.bool\", %s);\n", k, k & 1 ? "true" : "false");
			break;
		case 1:
			strbuf_addf(&in, "user_pref(\"bench.%06d.int\", %d);\n", k, k * 7919 - 1000000);
			break;
		case 2:
			strbuf_addf(&in, "user_pref(\"bench.%06d.str\", \"https://example.org/%d/path?q=%d\");\n", k, k, k);
			break;
		default:
			strbuf_addf(&in, "user_pref(\"bench.%06d.json\", \"{\\\"a\\\":[%d,\\\"C:\\\\\\\\x\\\"],\\\"b\\\":\\\"\\u00e9\\\"}\");\n",
				    k, k);
			break;
		}
	}
	/* The generated text goes through one parse + write to be in Firefox's exact form. */
	prefs_parse(in.buf, in.len, "bench.js", &tmp, NULL);
	strbuf_reset(&in);
	prefs_write(&tmp, &in);
	prefs_release(&tmp);

	strbuf_init(&out);
	for (int run = 0; run < 20; run++) {
		struct prefs p;
		struct mc_error err = { 0 };
		double t0 = now(), t1, t2;

		if (prefs_parse(in.buf, in.len, "bench.js", &p, &err) != 0 || p.n != (size_t)n) {
			fprintf(stderr, "bench: parse failed: %s\n", err.msg);
			return 1;
		}
		t1 = now();
		strbuf_reset(&out);
		prefs_write(&p, &out);
		t2 = now();
		if (out.len != in.len) {
			fprintf(stderr, "bench: round trip differs\n");
			return 1;
		}
		prefs_release(&p);
		if (t1 - t0 < best_parse)
			best_parse = t1 - t0;
		if (t2 - t1 < best_write)
			best_write = t2 - t1;
	}
	printf("%d prefs, %zu bytes: parse %.2f ms, write %.2f ms, total %.2f ms (best of 20)\n", n, in.len,
	       best_parse * 1e3, best_write * 1e3, (best_parse + best_write) * 1e3);
	strbuf_release(&in);
	strbuf_release(&out);
	return 0;
}
