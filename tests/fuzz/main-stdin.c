/* SPDX-License-Identifier: MPL-2.0 */
/*
 * main-stdin.c: a main for fuzz drivers built without libFuzzer (gcc). Each
 * file named on the command line, or stdin when there is none, is read whole
 * and given to LLVMFuzzerTestOneInput once, so a corpus can be replayed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run(FILE *f, const char *name)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *grown;

			cap = cap ? cap * 2 : 65536;
			grown = realloc(buf, cap);
			if (!grown) {
				perror("realloc");
				free(buf);
				return 1;
			}
			buf = grown;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "cannot read %s\n", name);
		free(buf);
		return 1;
	}
	/* An exact-size copy, so reads past the end are caught by the sanitizers. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return 1;
		}
		for (size_t i = 0; i < len; i++)
			exact[i] = buf[i];
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		return run(stdin, "stdin");
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			perror(argv[i]);
			status = 1;
			continue;
		}
		status |= run(f, argv[i]);
		fclose(f);
	}
	return status;
}
