/* SPDX-License-Identifier: MPL-2.0 */
/* test-pref-source.c: where a pref's value comes from: defaults, autoconfig, prefs.js, user.js, policies. */
#include <check.h>
#include <sys/stat.h>

#include "helpers.h"
#include "prefs-file.h"
#include "pref-source.h"

static void
parse_user(const char *text, struct prefs *p)
{
	prefs_parse(text, strlen(text), "prefs.js", p, NULL);
}

/* Resolve name against s plus the two profile texts (NULL: no such file). */
static void
resolve_texts(const struct prefsrc *s, const char *prefs_js, const char *user_js, const char *name,
	      struct prefsrc_result *r)
{
	struct prefs a, b;

	prefs_init(&a);
	prefs_init(&b);
	if (prefs_js)
		parse_user(prefs_js, &a);
	if (user_js)
		parse_user(user_js, &b);
	prefsrc_resolve(s, prefs_js ? &a : NULL, "prefs.js", user_js ? &b : NULL, "user.js", name, r);
	prefs_release(&a);
	prefs_release(&b);
}

static enum prefsrc_kind
from_kind(const struct prefsrc_result *r)
{
	ck_assert_int_ge(r->from, 0);
	return r->steps[r->from].kind;
}

START_TEST(test_builtin_and_profile_files)
{
	struct prefsrc s;
	struct prefsrc_result r;

	prefsrc_init(&s, APP_FIREFOX);
	prefsrc_add_builtin(&s);

	resolve_texts(&s, NULL, NULL, "security.OCSP.enabled", &r);
	ck_assert(r.has_value && r.value.type == PREFS_TYPE_INT && r.value.i == 1);
	ck_assert_int_eq(from_kind(&r), PREFSRC_BUILTIN);
	prefsrc_result_release(&r);

	/* The md5 pref has no default in the current application. */
	resolve_texts(&s, NULL, NULL, "security.enable_md5_signatures", &r);
	ck_assert(!r.has_value && r.from == -1 && !r.has_default);
	prefsrc_result_release(&r);

	resolve_texts(&s, "user_pref(\"security.OCSP.enabled\", 0);\n", NULL, "security.OCSP.enabled", &r);
	ck_assert_int_eq(r.value.i, 0);
	ck_assert_int_eq(from_kind(&r), PREFSRC_PREFS_JS);
	ck_assert_int_eq(r.steps[r.from].line, 1);
	ck_assert(r.has_default && r.def.i == 1);
	prefsrc_result_release(&r);

	/* user.js wins over prefs.js. */
	resolve_texts(&s, "user_pref(\"security.OCSP.enabled\", 0);\n", "\n\nuser_pref(\"security.OCSP.enabled\", 2);",
		      "security.OCSP.enabled", &r);
	ck_assert_int_eq(r.value.i, 2);
	ck_assert_int_eq(from_kind(&r), PREFSRC_USER_JS);
	ck_assert_int_eq(r.steps[r.from].line, 3);
	ck_assert_int_eq(r.nsteps, 3);
	prefsrc_result_release(&r);

	/* A user value of another type than the default is ignored, as libpref does. */
	resolve_texts(&s, "user_pref(\"security.OCSP.enabled\", true);", NULL, "security.OCSP.enabled", &r);
	ck_assert_int_eq(r.value.i, 1);
	ck_assert_int_eq(from_kind(&r), PREFSRC_BUILTIN);
	ck_assert(r.steps[1].ignored);
	prefsrc_result_release(&r);

	/* Debian's lockPref in prefs.js locks it. */
	resolve_texts(&s, "lockPref(\"zz.x\", 5);\n", "user_pref(\"zz.x\", 6);", "zz.x", &r);
	ck_assert(r.locked && r.value.i == 5);
	ck_assert_int_eq(from_kind(&r), PREFSRC_PREFS_JS);
	prefsrc_result_release(&r);
	prefsrc_release(&s);
}
END_TEST

START_TEST(test_defaults_files)
{
	struct prefsrc s;
	struct prefsrc_result r;
	struct prefs d1, d2;
	const char *t1 = "pref(\"zz.locked\", 1, locked);\npref(\"zz.sticky\", \"a\", sticky);\npref(\"zz.def\", 3);\n";
	const char *t2 = "pref(\"zz.locked\", 9, locked);\npref(\"zz.def\", 4);\n";

	prefsrc_init(&s, APP_FIREFOX);
	prefs_parse_kind(t1, strlen(t1), "a.js", PREFS_FILE_DEFAULT, &d1, NULL);
	prefs_parse_kind(t2, strlen(t2), "b.js", PREFS_FILE_DEFAULT, &d2, NULL);
	prefsrc_add_defaults(&s, "/app/defaults/pref/b.js", &d1);
	prefsrc_add_defaults(&s, "/app/defaults/pref/a.js", &d2);

	/* The first lock holds: a later default of a locked pref is ignored. */
	resolve_texts(&s, "user_pref(\"zz.locked\", 7);", NULL, "zz.locked", &r);
	ck_assert(r.locked && r.value.i == 1);
	ck_assert_str_eq(r.steps[r.from].file, "/app/defaults/pref/b.js");
	ck_assert(r.steps[1].ignored);
	prefsrc_result_release(&r);

	resolve_texts(&s, NULL, NULL, "zz.def", &r);
	ck_assert_int_eq(r.value.i, 4);
	ck_assert_int_eq(from_kind(&r), PREFSRC_DEFAULTS);
	prefsrc_result_release(&r);

	resolve_texts(&s, "user_pref(\"zz.sticky\", \"b\");", NULL, "zz.sticky", &r);
	ck_assert_str_eq(r.value.s, "b");
	ck_assert(r.steps[r.default_from].sticky);
	prefsrc_result_release(&r);

	prefs_release(&d1);
	prefs_release(&d2);
	prefsrc_release(&s);
}
END_TEST

static void
add_policies(struct prefsrc *s, const char *json)
{
	struct mc_error err = { 0 };

	ck_assert_int_eq(prefsrc_add_policies(s, "/etc/firefox/policies/policies.json", json, strlen(json), &err), 0);
}

START_TEST(test_policies)
{
	struct prefsrc s;
	struct prefsrc_result r;
	struct mc_error err = { 0 };

	prefsrc_init(&s, APP_FIREFOX);
	prefsrc_add_builtin(&s);
	add_policies(&s, "{\"policies\": {\"Preferences\": {"
			 "\"security.OCSP.enabled\": {\"Value\": 0, \"Status\": \"locked\"},"
			 "\"security.OCSP.require\": {\"Value\": true, \"Status\": \"user\"},"
			 "\"zz.clear\": {\"Status\": \"clear\"},"
			 "\"zz.default\": {\"Value\": \"d\", \"Status\": \"default\"},"
			 "\"zz.bare\": 5,"
			 "\"zz.float\": {\"Value\": 1.5}"
			 "}}}");

	resolve_texts(&s, NULL, "user_pref(\"security.OCSP.enabled\", 2);", "security.OCSP.enabled", &r);
	ck_assert(r.locked && r.value.i == 0);
	ck_assert_int_eq(from_kind(&r), PREFSRC_POLICY);
	prefsrc_result_release(&r);

	/* "user" sets the user value after user.js. */
	resolve_texts(&s, NULL, "user_pref(\"security.OCSP.require\", false);", "security.OCSP.require", &r);
	ck_assert(!r.locked && r.value.b);
	ck_assert_int_eq(from_kind(&r), PREFSRC_POLICY);
	prefsrc_result_release(&r);

	/* "clear": the user value goes, no default known: no value. */
	resolve_texts(&s, "user_pref(\"zz.clear\", 1);", NULL, "zz.clear", &r);
	ck_assert(!r.has_value && !r.has_user);
	prefsrc_result_release(&r);

	/* "default": a user value still wins. */
	resolve_texts(&s, "user_pref(\"zz.default\", \"u\");", NULL, "zz.default", &r);
	ck_assert_str_eq(r.value.s, "u");
	ck_assert_int_eq(from_kind(&r), PREFSRC_PREFS_JS);
	prefsrc_result_release(&r);

	/* The first form of the policy: a bare value, locked. */
	resolve_texts(&s, "user_pref(\"zz.bare\", 1);", NULL, "zz.bare", &r);
	ck_assert(r.locked && r.value.i == 5);
	prefsrc_result_release(&r);

	resolve_texts(&s, NULL, NULL, "zz.float", &r);
	ck_assert(!r.has_value && r.nsteps == 1 && r.steps[0].ignored);
	prefsrc_result_release(&r);

	ck_assert_int_eq(prefsrc_add_policies(&s, "p.json", "{\"policies\": ", 13, &err), MC_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "p.json:1: not valid JSON"));
	mc_error_clear(&err);
	ck_assert_int_eq(prefsrc_add_policies(&s, "p.json", "{} x", 4, &err), MC_EINPUT);
	mc_error_clear(&err);
	ck_assert_int_eq(prefsrc_add_policies(&s, "p.json", "{\"a\"\0:1}", 8, &err), MC_EINPUT);
	prefsrc_release(&s);

	/* Thunderbird's policy engine does not allow security.OCSP.*. */
	prefsrc_init(&s, APP_THUNDERBIRD);
	prefsrc_add_builtin(&s);
	add_policies(&s, "{\"policies\": {\"Preferences\": {\"security.OCSP.enabled\": {\"Value\": 0, \"Status\": \"locked\"}}}}");
	resolve_texts(&s, NULL, NULL, "security.OCSP.enabled", &r);
	ck_assert(!r.locked && r.value.i == 1);
	ck_assert(r.steps[1].ignored);
	prefsrc_result_release(&r);
	prefsrc_release(&s);
}
END_TEST

START_TEST(test_autoconfig_scan)
{
	struct prefsrc s;
	struct prefsrc_result r;
	const char *cfg = "lockPref(\"zz.first.line\", 1); // the first line is skipped\n"
			  "// lockPref(\"zz.comment\", 1);\n"
			  "/* lockPref(\"zz.block\", 1);\n */ var x = \"lockPref('zz.string', 1)\";\n"
			  "lockPref(\"security.OCSP.enabled\", 0);\n"
			  "defaultPref('zz.def', 'it\\'s');\n"
			  "pref(\"zz.user\", -5);\n"
			  "pref(\"zz.computed\", getenv(\"X\"));\n"
			  "Services.prefs.lockPref(\"zz.method\", 1);\n"
			  "lockPref(\"zz.unlocked\", true); unlockPref(\"zz.unlocked\");\n"
			  "clearPref(\"zz.cleared\");\n";

	prefsrc_init(&s, APP_FIREFOX);
	prefsrc_add_builtin(&s);
	prefsrc_add_autoconfig(&s, "/app/mozilla.cfg", cfg, strlen(cfg));

	for (size_t i = 0; i < s.n; i++) {
		ck_assert_str_ne(s.v[i].name, "zz.first.line");
		ck_assert_str_ne(s.v[i].name, "zz.comment");
		ck_assert_str_ne(s.v[i].name, "zz.block");
		ck_assert_str_ne(s.v[i].name, "zz.string");
		ck_assert_str_ne(s.v[i].name, "zz.method");
	}
	resolve_texts(&s, "user_pref(\"security.OCSP.enabled\", 2);", NULL, "security.OCSP.enabled", &r);
	ck_assert(r.locked && r.value.i == 0);
	ck_assert_int_eq(from_kind(&r), PREFSRC_AUTOCONFIG);
	ck_assert_int_eq(r.steps[r.from].line, 5);
	prefsrc_result_release(&r);

	resolve_texts(&s, NULL, NULL, "zz.def", &r);
	ck_assert_str_eq(r.value.s, "it's");
	prefsrc_result_release(&r);

	/* autoconfig runs before prefs.js is read: its pref() is a user value prefs.js replaces. */
	resolve_texts(&s, NULL, NULL, "zz.user", &r);
	ck_assert_int_eq(r.value.i, -5);
	prefsrc_result_release(&r);
	resolve_texts(&s, "user_pref(\"zz.user\", 3);", NULL, "zz.user", &r);
	ck_assert_int_eq(r.value.i, 3);
	prefsrc_result_release(&r);

	resolve_texts(&s, NULL, NULL, "zz.computed", &r);
	ck_assert(!r.has_value && r.has_user);
	ck_assert_ptr_nonnull(r.steps[0].note);
	prefsrc_result_release(&r);

	resolve_texts(&s, "user_pref(\"zz.unlocked\", false);", NULL, "zz.unlocked", &r);
	ck_assert(!r.locked && !r.value.b);
	prefsrc_result_release(&r);
	prefsrc_release(&s);
}
END_TEST

static void
mkdirs(const char *base, const char *rel)
{
	_autofree_ char *cmd = xasprintf("mkdir -p '%s/%s'", base, rel);

	ck_assert_int_eq(run_cmd(NULL, "%s", cmd), 0);
}

START_TEST(test_load_system)
{
	_autofree_ char *dir = tmpdir_new();
	_autofree_ char *app = path_join(dir, "app");
	_autofree_ char *pol1 = path_join(dir, "pol1");
	_autofree_ char *pol2 = path_join(dir, "pol2");
	_autofree_ char *penv = xasprintf("%s:%s:%s/none", pol1, pol2, dir);
	_autofree_ char *f = NULL;
	const char *cfg = "// first line\nlockPref(\"security.OCSP.require\", true);\n";
	char enc[128];
	struct prefsrc s;
	struct prefsrc_result r;
	size_t n = strlen(cfg);

	mkdirs(dir, "app/defaults/pref");
	mkdirs(dir, "pol1");
	mkdirs(dir, "pol2");
	f = path_join(app, "defaults/pref/autoconfig.js");
	write_text(f, "pref(\"general.config.filename\", \"mozilla.cfg\");\n");
	free(f);
	/* The default obscure_value 13: every byte shifted up by 13. */
	for (size_t i = 0; i < n; i++)
		enc[i] = (char)(cfg[i] + 13);
	f = path_join(app, "mozilla.cfg");
	write_file(f, enc, n);
	free(f);
	f = path_join(pol2, "policies.json");
	write_text(f, "{\"policies\": {\"Preferences\": {\"security.OCSP.enabled\": {\"Value\": 2, \"Status\": \"locked\"}}}}");

	setenv("MOZCERT_APP_DIRS", app, 1);
	setenv("MOZCERT_POLICY_DIRS", penv, 1);
	prefsrc_init(&s, APP_FIREFOX);
	prefsrc_load_system(&s, dir);
	ck_assert_uint_eq(s.napp_dirs, 1);
	ck_assert_str_eq(s.policy_file, f);
	ck_assert_ptr_nonnull(s.autoconfig_file);
	resolve_texts(&s, NULL, NULL, "security.OCSP.require", &r);
	ck_assert(r.locked && r.value.b);
	ck_assert_int_eq(from_kind(&r), PREFSRC_AUTOCONFIG);
	prefsrc_result_release(&r);
	resolve_texts(&s, NULL, NULL, "security.OCSP.enabled", &r);
	ck_assert(r.locked && r.value.i == 2);
	prefsrc_result_release(&r);
	prefsrc_release(&s);

	/* The first policies.json found is the one in force, even when it is broken. */
	free(f);
	f = path_join(pol1, "policies.json");
	write_text(f, "{ not json");
	prefsrc_init(&s, APP_FIREFOX);
	prefsrc_load_system(&s, dir);
	ck_assert_str_eq(s.policy_file, f);
	ck_assert_uint_eq(s.nwarnings, 1);
	ck_assert_ptr_nonnull(strstr(s.warnings[0], "not valid JSON"));
	resolve_texts(&s, NULL, NULL, "security.OCSP.enabled", &r);
	ck_assert(!r.locked && r.value.i == 1);
	prefsrc_result_release(&r);
	prefsrc_release(&s);

	/* Empty lists: nothing outside the profile but the built-in defaults. */
	setenv("MOZCERT_APP_DIRS", "", 1);
	setenv("MOZCERT_POLICY_DIRS", "", 1);
	prefsrc_init(&s, APP_FIREFOX);
	prefsrc_load_system(&s, dir);
	ck_assert_uint_eq(s.napp_dirs, 0);
	ck_assert_ptr_null(s.policy_file);
	ck_assert_uint_eq(s.n, 2);
	prefsrc_release(&s);
	unsetenv("MOZCERT_APP_DIRS");
	unsetenv("MOZCERT_POLICY_DIRS");
	tmpdir_free(steal(&dir));
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("prefsrc");
	TCase *tc = tcase_create("resolve");

	tcase_add_test(tc, test_builtin_and_profile_files);
	tcase_add_test(tc, test_defaults_files);
	tcase_add_test(tc, test_policies);
	tcase_add_test(tc, test_autoconfig_scan);
	tcase_add_test(tc, test_load_system);
	suite_add_tcase(s, tc);
	return s;
}
