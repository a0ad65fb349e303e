/* SPDX-License-Identifier: MPL-2.0 */
/* test-utf8.c: every JSON document mozcert prints is valid UTF-8, with the exact bytes beside. */
#include <check.h>

#include "utf8.h"
#include "util.h"

/* Expected: U+FFFD for each maximal invalid subpart, as Python's bytes.decode("utf-8", "replace"). */
static const struct {
	const char *in;
	const char *out;
} cases[] = {
	{ "plain", "plain" },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x80" },
	{ "\xff", "\xef\xbf\xbd" },
	{ "a\x80" "b", "a\xef\xbf\xbd" "b" },
	{ "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd" },                 /* overlong NUL */
	{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* a surrogate */
	{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* past U+10FFFF */
	{ "\xe2\x82", "\xef\xbf\xbd" },                             /* truncated: one replacement */
	{ "\xf0\x9f\x8c" "x", "\xef\xbf\xbd" "x" },
	{ "\xe9t\xe9", "\xef\xbf\xbdt\xef\xbf\xbd" },               /* Latin-1 */
	{ "\xf5\xf8\xfe", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", "\xef\xbf\xbf\xf4\x8f\xbf\xbf" }, /* noncharacters are valid */
};

START_TEST(test_sanitize)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_autofree_ char *got = utf8_sanitize(cases[i].in, strlen(cases[i].in));

		ck_assert_msg(streq(got, cases[i].out), "case %zu", i);
		ck_assert(utf8_valid(got, strlen(got)));
		ck_assert_int_eq(utf8_valid(cases[i].in, strlen(cases[i].in)), streq(cases[i].in, cases[i].out));
	}
	/* Every single byte and every two-byte pair come out valid. */
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++) {
			char in[2] = { (char)a, (char)b };
			_autofree_ char *got = utf8_sanitize(in, 2);

			ck_assert(utf8_valid(got, strlen(got)));
		}
}
END_TEST

START_TEST(test_tree)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *inner = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct json_object *nested = json_object_new_array();
	struct json_object *v;
	const char *text;

	json_object_object_add(doc, "ok", json_object_new_string("fine"));
	json_object_object_add(doc, "name", json_object_new_string("n\xff" "x"));
	json_object_object_add(inner, "path", json_object_new_string_len("/p\xe9\0z", 5));
	json_object_object_add(doc, "profile", inner);
	json_object_array_add(arr, json_object_new_string("good"));
	json_object_array_add(arr, json_object_new_string("bad\xc3"));
	json_object_array_add(arr, json_object_new_int(3));
	json_object_array_add(arr, json_object_new_string("\xfe"));
	json_object_object_add(doc, "lines", arr);
	json_object_array_add(nested, json_object_new_string("\x80"));
	json_object_object_add(doc, "deep", json_object_new_array());
	json_object_array_add(json_object_object_get(doc, "deep"), nested);
	json_object_object_add(doc, "k\xff", json_object_new_int(1));

	utf8_json_sanitize(doc);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	ck_assert_msg(utf8_valid(text, strlen(text)), "%s", text);

	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "ok")), "fine");
	ck_assert_ptr_null(json_object_object_get(doc, "ok_bytes"));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "name")), "n\xef\xbf\xbdx");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "name_bytes")), "6eff78");
	v = json_object_object_get(inner, "path");
	ck_assert_int_eq(json_object_get_string_len(v), 7);
	ck_assert_int_eq(memcmp(json_object_get_string(v), "/p\xef\xbf\xbd\0z", 7), 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(inner, "path_bytes")), "2f70e9007a");
	v = json_object_object_get(doc, "lines_bytes");
	ck_assert_uint_eq(json_object_array_length(v), 4);
	ck_assert_ptr_null(json_object_array_get_idx(v, 0));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "626164c3");
	ck_assert_ptr_null(json_object_array_get_idx(v, 2));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 3)), "fe");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(arr, 1)), "bad\xef\xbf\xbd");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(nested, 0)), "\xef\xbf\xbd");
	ck_assert_ptr_null(json_object_object_get(doc, "k\xff"));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(doc, "k\xef\xbf\xbd")), 1);
	json_object_put(doc);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");

	tcase_add_test(tc, test_sanitize);
	tcase_add_test(tc, test_tree);
	suite_add_tcase(s, tc);
	return s;
}
