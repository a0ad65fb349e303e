/* SPDX-License-Identifier: MPL-2.0 */
/* test-atomic.c: placeholder, filled below. */
#include <check.h>
Suite *make_suite(void);
Suite *make_suite(void) { return suite_create("atomic"); }
