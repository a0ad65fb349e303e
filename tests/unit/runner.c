/* SPDX-License-Identifier: MPL-2.0 */
/* runner.c: the shared main of every Check suite; TAP on stdout under meson. */
#include <check.h>
#include <stdlib.h>

Suite *make_suite(void);

int
main(void)
{
	SRunner *sr = srunner_create(make_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* meson may read a truncated TAP stream as a skip: the exit status says it too. */
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
