/* SPDX-License-Identifier: MPL-2.0 */
/* helpers.c: temp dirs, files and commands for the Check suites. */

#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *
tmpdir_new(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl;

	if (asprintf(&tmpl, "%s/mozcert-test-XXXXXX", base && *base ? base : "/tmp") < 0)
		abort();
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	return tmpl;
}

static void
remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;

		chmod(path, 0700);
		if (!d)
			d = opendir(path);
		while (d && (de = readdir(d))) {
			char *child;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (asprintf(&child, "%s/%s", path, de->d_name) < 0)
				abort();
			remove_tree(child);
			free(child);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

void
tmpdir_free(char *dir)
{
	if (dir)
		remove_tree(dir);
	free(dir);
}

char *
tmpstore_new(void)
{
	char *dir = tmpdir_new();

	ck_assert_int_eq(run_cmd(NULL, "certutil -N -d 'sql:%s' --empty-password", dir), 0);
	return dir;
}

void
certutil_add(const char *kind, const char *dir, const char *nick, const char *trust, const char *pem)
{
	ck_assert_int_eq(run_cmd(NULL, "certutil -A -d '%s:%s' -n '%s' -t '%s' -a -i '%s%s'", kind, dir, nick, trust,
				 pem[0] == '/' ? "" : TEST_SRCDIR "/tests/fixtures/certs/", pem), 0);
}

char *
src_path(const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", TEST_SRCDIR, rel) < 0)
		abort();
	return p;
}

char *
fixture_path(const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/tests/fixtures/%s", TEST_SRCDIR, rel) < 0)
		abort();
	/* A clear failure, not a NULL read later. */
	ck_assert_msg(access(p, F_OK) == 0, "fixture missing: %s", p);
	return p;
}

char *
extra_path(const char *rel)
{
	char *p;
	const char *dir = getenv("MOZCERT_EXTRA_FIXTURES");

	if (!dir || !*dir) {
		printf("# SKIP %s: MOZCERT_EXTRA_FIXTURES not set\n", rel);
		fflush(stdout);
		return NULL;
	}
	if (asprintf(&p, "%s/%s", dir, rel) < 0)
		abort();
	if (access(p, F_OK) != 0) {
		printf("# SKIP %s: not under MOZCERT_EXTRA_FIXTURES\n", rel);
		fflush(stdout);
		free(p);
		return NULL;
	}
	return p;
}

void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void
write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

char *
read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

bool
files_equal(const char *a, const char *b)
{
	size_t la, lb;
	char *da = read_whole(a, &la);
	char *db = read_whole(b, &lb);
	bool eq = da && db && la == lb && memcmp(da, db, la) == 0;

	free(da);
	free(db);
	return eq;
}

void
copy_dir(const char *src_dir, const char *dst_dir)
{
	DIR *d = opendir(src_dir);
	struct dirent *de;

	ck_assert_msg(d != NULL, "cannot open %s", src_dir);
	mkdir(dst_dir, 0700);
	while ((de = readdir(d))) {
		char *s, *t;
		struct stat st;

		if (asprintf(&s, "%s/%s", src_dir, de->d_name) < 0 ||
		    asprintf(&t, "%s/%s", dst_dir, de->d_name) < 0)
			abort();
		if (stat(s, &st) == 0 && S_ISREG(st.st_mode)) {
			size_t len;
			char *data = read_whole(s, &len);

			write_file(t, data, len);
			chmod(t, 0600);
			free(data);
		}
		free(s);
		free(t);
	}
	closedir(d);
}

int
run_cmd(char **out, const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	FILE *p;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int status;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "cannot run %s", cmd);
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, cap - n - 1, p);
		n += got;
		if (got == 0)
			break;
	}
	buf[n] = '\0';
	status = pclose(p);
	free(cmd);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *
mozcert_bin(void)
{
	const char *m = getenv("MOZCERT");

	return m && *m ? m : "mozcert";
}
