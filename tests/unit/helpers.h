/* SPDX-License-Identifier: MPL-2.0 */
/* helpers.h: temp dirs, files and commands for the Check suites. */
#ifndef MOZCERT_TEST_HELPERS_H
#define MOZCERT_TEST_HELPERS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

/* A fresh private directory under $TMPDIR; caller frees the string. */
char *tmpdir_new(void);
/* Remove a tree made by tmpdir_new, and free the path. */
void tmpdir_free(char *dir);

/* Path of a file under the source tree; caller frees. */
char *src_path(const char *rel);
/* Path of a file under tests/fixtures (real/..., made/...); fails the test when it is missing. */
char *fixture_path(const char *rel);
/*
 * Path of an optional original under $MOZCERT_EXTRA_FIXTURES (laid out like
 * tests/fixtures/real), or NULL, after a "# SKIP" line on stdout, when that
 * variable is unset or lacks the file: the caller returns, and the test passes.
 */
char *extra_path(const char *rel);

/* Write or read a whole file; read returns NULL when missing (caller frees). */
void write_file(const char *path, const void *data, size_t len);
void write_text(const char *path, const char *text);
char *read_whole(const char *path, size_t *len);

/* Byte-for-byte equality of two files (both must exist). */
bool files_equal(const char *a, const char *b);

/* Copy every regular file of src_dir into dst_dir (created). */
void copy_dir(const char *src_dir, const char *dst_dir);

/* Run a shell command; returns its exit status and, when out != NULL, its stdout (caller frees). */
int run_cmd(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fresh tmpdir_new() directory holding an empty sql: store, as 'certutil -N --empty-password' makes it. */
char *tmpstore_new(void);
/*
 * certutil -A of a PEM file into the store KIND:DIR (kind "sql" or "dbm"), with nick and trust:
 * pem a file of tests/fixtures/certs, or an absolute path. Fails the test when certutil does.
 */
void certutil_add(const char *kind, const char *dir, const char *nick, const char *trust, const char *pem);

/* The built mozcert binary (from $MOZCERT). */
const char *mozcert_bin(void);

#endif
