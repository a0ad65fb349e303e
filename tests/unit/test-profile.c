/* SPDX-License-Identifier: MPL-2.0 */
/* test-profile.c: profiles.ini parsing, discovery, -p resolution, compatibility.ini, store format (the lock: test-profile-lock.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "profile.h"

Suite *make_suite(void);

static char *tmp;

static void
setup(void)
{
	tmp = tmpdir_new();
	setenv("HOME", tmp, 1);
	unsetenv("XDG_CONFIG_HOME");
}

static void
teardown(void)
{
	tmpdir_free(tmp);
	tmp = NULL;
}

static char *
cat(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0)
		abort();
	return p;
}

static void
mkdir_p(const char *path)
{
	char *p = strdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0700);
			*s = '/';
		}
	}
	ck_assert_msg(mkdir(p, 0700) == 0 || errno == EEXIST, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

/* Write REL/profiles.ini under HOME (tmp); returns the root directory (caller frees). */
static char *
make_root(const char *rel, const char *ini)
{
	char *root = cat(tmp, rel);
	char *f = cat(root, "profiles.ini");

	mkdir_p(root);
	write_text(f, ini);
	free(f);
	return root;
}

static void
parse_text(const char *ini, const char *installs, const char *variant, struct profile_list *l)
{
	struct mc_error err = { 0 };
	int ret = profiles_ini_parse(ini, strlen(ini), installs, installs ? strlen(installs) : 0,
				     "/r", APP_FIREFOX, variant, l, &err);

	ck_assert_msg(ret == 0, "parse failed: %s", err.msg);
}

static bool
has_warning(const struct profile_list *l, const char *needle)
{
	for (size_t i = 0; i < l->nwarnings; i++)
		if (strstr(l->warnings[i].msg, needle))
			return true;
	return false;
}

/* Parse the file at path (fixture_path or extra_path), as if found in ~/.mozilla/firefox. */
static void
parse_fixture(char *path, const char *variant, struct profile_list *l)
{
	size_t len;
	char *buf = read_whole(path, &len);
	struct mc_error err = { 0 };

	ck_assert_msg(buf != NULL, "missing fixture %s", path);
	ck_assert_int_eq(profiles_ini_parse(buf, len, NULL, 0, "/home/u/.mozilla/firefox", APP_FIREFOX,
					    variant, l, &err), 0);
	free(buf);
	free(path);
}

/* path (freed) parses as "not a profiles.ini", the first section being first_section. */
static void
assert_not_profiles_ini(char *path, const char *first_section)
{
	struct profile_list l = { 0 };
	struct mc_error err = { 0 };
	size_t len;
	char *buf = read_whole(path, &len);
	char *want = NULL;

	ck_assert_msg(buf != NULL, "missing fixture %s", path);
	ck_assert_int_eq(profiles_ini_parse(buf, len, NULL, 0, "/home/u/.mozilla/firefox", APP_FIREFOX, "native",
					    &l, &err), MC_EINPUT);
	if (asprintf(&want, "/home/u/.mozilla/firefox/profiles.ini:1: not a profiles.ini: no [General], "
		     "[ProfileN] or [Install...] section (the first section is %s)", first_section) < 0)
		abort();
	ck_assert_str_eq(err.msg, want);
	ck_assert_ptr_null(l.v);
	free(want);
	free(buf);
	free(path);
}

/* ------------------------------------------------------------------ */

START_TEST(test_names)
{
	enum app_id a = APP_COUNT;

	ck_assert_str_eq(app_name(APP_FIREFOX), "firefox");
	ck_assert_str_eq(app_name(APP_THUNDERBIRD), "thunderbird");
	ck_assert_str_eq(app_name(APP_SEAMONKEY), "seamonkey");
	ck_assert_int_eq(app_from_name("thunderbird", &a), 0);
	ck_assert_int_eq(a, APP_THUNDERBIRD);
	ck_assert_int_eq(app_from_name("SeaMonkey", &a), 0);
	ck_assert_int_eq(a, APP_SEAMONKEY);
	ck_assert_int_eq(app_from_name("chrome", &a), MC_EUSAGE);
	ck_assert_int_eq(a, APP_SEAMONKEY);
	ck_assert_int_eq(app_from_name("", &a), MC_EUSAGE);
	ck_assert_str_eq(store_format_name(STORE_NONE), "none");
	ck_assert_str_eq(store_format_name(STORE_CERT9), "cert9");
	ck_assert_str_eq(store_format_name(STORE_CERT8), "cert8");
	ck_assert_str_eq(store_format_name(STORE_BOTH), "both");
}
END_TEST

START_TEST(test_real_borodin)
{
	struct profile_list l = { 0 };

	/* [Profile1] comes first in the file; the install default is not the Default=1 profile. */
	parse_fixture(fixture_path("real/borodin-profiles-ini/profiles.ini"), "native", &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.nwarnings, 0);
	ck_assert_str_eq(l.v[0].name, "default-esr");
	ck_assert_str_eq(l.v[0].path, "/home/u/.mozilla/firefox/mz8hqsuw.default-esr");
	ck_assert_str_eq(l.v[0].root, "/home/u/.mozilla/firefox");
	ck_assert_str_eq(l.v[0].variant, "native");
	ck_assert_int_eq(l.v[0].app, APP_FIREFOX);
	ck_assert(l.v[0].is_default);
	ck_assert_str_eq(l.v[1].name, "default");
	ck_assert_str_eq(l.v[1].path, "/home/u/.mozilla/firefox/ab612nev.default");
	ck_assert(!l.v[1].is_default);
	profile_list_release(&l);

	/* Snap does not use dedicated profiles: Default=1 decides. */
	parse_fixture(fixture_path("real/borodin-profiles-ini/profiles.ini"), "snap", &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(!l.v[0].is_default);
	ck_assert(l.v[1].is_default);
	profile_list_release(&l);
}
END_TEST

START_TEST(test_made_minimal)
{
	struct profile_list l = { 0 };

	/* [General] first, StartWithLastProfile=0, one relative Path= not of the xxxxxxxx.name form. */
	parse_fixture(fixture_path("made/profiles-ini-minimal/profiles.ini"), "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.nwarnings, 0);
	ck_assert_str_eq(l.v[0].name, "made_1");
	ck_assert_str_eq(l.v[0].path, "/home/u/.mozilla/firefox/madeprofile");
	ck_assert(l.v[0].is_default);
	profile_list_release(&l);
}
END_TEST

START_TEST(test_made_not_mozilla)
{
	/* An INI of another program that happens to be called profiles.ini: an error naming file and line. */
	assert_not_profiles_ini(fixture_path("made/profiles-ini-not-mozilla/profiles.ini"), "[Quick scan]");
}
END_TEST

/* The originals the two made files stand in for, when MOZCERT_EXTRA_FIXTURES has them. */
START_TEST(test_extra_mscalindt)
{
	struct profile_list l = { 0 };
	char *path = extra_path("mscalindt-profiles-ini/profiles.ini");

	if (!path)
		return;
	parse_fixture(path, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.nwarnings, 0);
	ck_assert_str_eq(l.v[0].name, "140_0_2");
	ck_assert_str_eq(l.v[0].path, "/home/u/.mozilla/firefox/mscalindt");
	ck_assert(l.v[0].is_default);
	profile_list_release(&l);
}
END_TEST

START_TEST(test_extra_rexploit)
{
	char *path = extra_path("rexploit-nmap-profiles-ini/profiles.ini");

	if (!path)
		return;
	/* An nmap file that happens to be called profiles.ini: well-formed INI, but not a profiles.ini. */
	assert_not_profiles_ini(path, "[Intense scan]");
}
END_TEST

/* What Firefox would read as no profile at all is an error naming the file and the line. */
START_TEST(test_parse_not_profiles_ini)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "", "/r/profiles.ini:1: not a profiles.ini: the file is empty" },
		{ "\n# only a comment\n  \n;another\n", "/r/profiles.ini:1: not a profiles.ini: the file is only blank lines and comments" },
		{ "# junk follows\nhello world\nName=x\nPath=a\n", "/r/profiles.ini:2: not a profiles.ini: no [section] header" },
		{ "\xef\xbb\xbf\n\x89PNG\x1a\x7f\xff\xfe garbage", "/r/profiles.ini:2: not a profiles.ini: no [section] header" },
		{ "[Profile0] junk\nName=hidden\nIsRelative=1\nPath=a\n", "/r/profiles.ini:1: not a profiles.ini: no [section] header" },
		{ "\n\n[Settings]\nfoo=1\n", "/r/profiles.ini:3: not a profiles.ini: no [General], [ProfileN] or [Install...] section (the first section is [Settings])" },
		{ "\xff\xfe[\0G\0", "/r/profiles.ini:1: UTF-16 text is not supported" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct profile_list l = { 0 };
		struct mc_error err = { 0 };
		size_t len = i == ARRAY_SIZE(cases) - 1 ? 6 : strlen(cases[i].text);

		ck_assert_int_eq(profiles_ini_parse(cases[i].text, len, NULL, 0, "/r", APP_FIREFOX, "native", &l, &err),
				 MC_EINPUT);
		ck_assert_msg(strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) == 0, "case %zu: %s", i, err.msg);
		ck_assert_ptr_null(l.v);
	}
}
END_TEST

/* A usable file keeps what the application reads: [General] alone is no profile, not an error. */
START_TEST(test_parse_usable_without_profiles)
{
	struct profile_list l = { 0 };

	parse_text("[General]\nStartWithLastProfile=1\nVersion=2\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 0);
	profile_list_release(&l);
	/* Junk before the first header is skipped, as nsINIParser skips it. */
	parse_text("garbage line\n[Profile0]\nName=p\nIsRelative=1\nPath=p\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	profile_list_release(&l);
}
END_TEST

/* A single profile without Default=1 is the one the application starts; two are not guessed. */
START_TEST(test_parse_single_profile_default)
{
	struct profile_list l = { 0 };

	parse_text("[General]\nVersion=2\n[Profile0]\nName=only\nIsRelative=1\nPath=o\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(l.v[0].is_default);
	profile_list_release(&l);
	parse_text("[Profile0]\nName=a\nIsRelative=1\nPath=a\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n", NULL,
		   "native", &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(!l.v[0].is_default && !l.v[1].is_default);
	profile_list_release(&l);
	/* The only usable one of two sections (the other has no Path=) is the default too. */
	parse_text("[Profile0]\nName=a\nIsRelative=1\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n", NULL,
		   "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "b");
	ck_assert(l.v[0].is_default);
	profile_list_release(&l);
	/* Thunderbird and SeaMonkey alike. */
	{
		struct mc_error err = { 0 };
		static const char tb[] = "[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=x.default\n";

		for (int a = APP_THUNDERBIRD; a <= APP_SEAMONKEY; a++) {
			ck_assert_int_eq(profiles_ini_parse(tb, strlen(tb), NULL, 0, "/r", (enum app_id)a, "native", &l,
							    &err), 0);
			ck_assert_uint_eq(l.n, 1);
			ck_assert(l.v[0].is_default);
			profile_list_release(&l);
		}
	}
}
END_TEST

START_TEST(test_parse_mozilla_syntax)
{
	struct profile_list l = { 0 };
	char longpath[400];
	char *ini;

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	ini = cat("\xef\xbb\xbf# comment\r\n"
		  "[General]\r\n"
		  "Version=2\r\n"
		  "\r\n"
		  "  [Profile0]   \r\n"
		  "Name=Work ;) #1\r\n"
		  "IsRelative=1\r\n"
		  "Path=a/./b//c/\r\n"
		  "  Default=1\r\n"
		  "\r\n"
		  "[Profile1]\r\n"
		  "Name=first\r\n"
		  "Name=second\r\n"
		  "IsRelative=1\r\n"
		  "Path=p1\r\n"
		  "   continued\r\n"
		  "Default=1\r\n"
		  "[Profile2]\n"
		  "Name=long\n"
		  "IsRelative=1\n"
		  "Path=", longpath);
	parse_text(ini, NULL, "native", &l);
	ck_assert_uint_eq(l.n, 3);
	/* No inline comments in Mozilla INI. */
	ck_assert_str_eq(l.v[0].name, "Work ;) #1");
	ck_assert_str_eq(l.v[0].path, "/r/a/b/c");
	/* A repeated key replaces the earlier one; an indented line is no continuation. */
	ck_assert_str_eq(l.v[1].name, "second");
	ck_assert_str_eq(l.v[1].path, "/r/p1");
	/* The last Default=1 wins. */
	ck_assert(!l.v[0].is_default);
	ck_assert(l.v[1].is_default);
	/* No 200-byte line limit. */
	ck_assert_uint_eq(strlen(l.v[2].path), 3 + strlen(longpath));
	ck_assert_uint_eq(l.nwarnings, 0);
	profile_list_release(&l);
	free(ini);
}
END_TEST

START_TEST(test_parse_keys_exact)
{
	struct profile_list l = { 0 };

	/* "Name = x" is the key "Name " for Mozilla: the profile has no Name= and is skipped. */
	parse_text("[Profile0]\nName = spaced\nIsRelative=1\nPath=a\n"
		   "[Profile1]\nName=ok\nIsRelative=1\nPath=b\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "ok");
	ck_assert(has_warning(&l, "/r/profiles.ini:1: [Profile0] has no Name="));
	profile_list_release(&l);

	/* A malformed section header hides its keys; an unclosed one is accepted as Firefox does. */
	parse_text("[Profile0] junk\nName=hidden\nIsRelative=1\nPath=a\n[General]\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 0);
	profile_list_release(&l);
	parse_text("[Profile0\nName=open\nIsRelative=1\nPath=a\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "open");
	profile_list_release(&l);

	/* Keys before any section are ignored. */
	parse_text("Name=x\nIsRelative=1\nPath=a\n[General]\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 0);
	profile_list_release(&l);
}
END_TEST

START_TEST(test_parse_paths)
{
	struct profile_list l = { 0 };

	parse_text("[Profile0]\nName=abs\nIsRelative=0\nPath=/srv/prof//x/\n"
		   "[Profile1]\nName=up\nIsRelative=1\nPath=../other/p\n"
		   "[Profile2]\nName=bad\nIsRelative=0\nPath=not/absolute\n"
		   "[Profile3]\nName=empty\nIsRelative=1\nPath=\n"
		   "[Profile4]\nName=last\nIsRelative=1\nPath=ok\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].path, "/srv/prof/x");
	ck_assert_str_eq(l.v[1].name, "last");
	ck_assert_str_eq(l.v[1].path, "/r/ok");
	/* A relative Path= that climbs out of the directory of profiles.ini is not followed. */
	ck_assert(has_warning(&l, "/r/profiles.ini:5: [Profile1] Path='../other/p' leaves the directory of profiles.ini"));
	ck_assert(has_warning(&l, "/r/profiles.ini:9: [Profile2] Path='not/absolute' is not usable"));
	ck_assert(has_warning(&l, "/r/profiles.ini:13: [Profile3] Path='' is not usable"));
	profile_list_release(&l);
}
END_TEST

START_TEST(test_parse_paths_escape)
{
	struct profile_list l = { 0 };

	/* ".." that stays inside is followed; one that climbs out, however spelt, is not. */
	parse_text("[Profile0]\nName=in\nIsRelative=1\nPath=a/../b\n"
		   "[Profile1]\nName=out\nIsRelative=1\nPath=a/../../../etc\n"
		   "[Profile2]\nName=dots\nIsRelative=1\nPath=..\n"
		   "[Profile3]\nName=prefix\nIsRelative=1\nPath=../r2\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].path, "/r/b");
	ck_assert(has_warning(&l, "[Profile1] Path='a/../../../etc' leaves the directory"));
	ck_assert(has_warning(&l, "[Profile2] Path='..' leaves the directory"));
	ck_assert(has_warning(&l, "[Profile3] Path='../r2' leaves the directory"));
	profile_list_release(&l);
}
END_TEST

START_TEST(test_parse_numbering)
{
	struct profile_list l = { 0 };

	/* Contiguous from 0: [Profile2] after a missing [Profile1] is never read. */
	parse_text("[Profile0]\nName=a\nIsRelative=1\nPath=a\n\n[Profile2]\nName=c\nIsRelative=1\nPath=c\n",
		   NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "a");
	ck_assert(has_warning(&l, "/r/profiles.ini:6: [Profile2] is ignored"));
	profile_list_release(&l);

	/* A section without IsRelative= ends the list. */
	parse_text("[Profile0]\nName=a\nPath=a\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert(has_warning(&l, "/r/profiles.ini:1: [Profile0] has no IsRelative="));
	profile_list_release(&l);

	/* A missing Path= skips only that profile. */
	parse_text("[Profile0]\nName=a\nIsRelative=1\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n", NULL, "native", &l);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "b");
	ck_assert(has_warning(&l, "/r/profiles.ini:1: [Profile0] has no Path="));
	profile_list_release(&l);
}
END_TEST

START_TEST(test_parse_installs)
{
	struct profile_list l = { 0 };
	const char *v1 = "[General]\nStartWithLastProfile=1\n\n"
			 "[Profile0]\nName=one\nIsRelative=1\nPath=x.one\nDefault=1\n"
			 "[Profile1]\nName=two\nIsRelative=0\nPath=/abs/y.two\n";
	const char *installs = "[308046B0AF4A39CB]\nDefault=/abs/y.two\nLocked=1\n\n";

	/* Version missing: installs.ini wins over Default=1. */
	parse_text(v1, installs, "native", &l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(!l.v[0].is_default);
	ck_assert(l.v[1].is_default);
	profile_list_release(&l);

	/* Without installs.ini, Default=1. */
	parse_text(v1, NULL, "native", &l);
	ck_assert(l.v[0].is_default);
	ck_assert(!l.v[1].is_default);
	profile_list_release(&l);

	/* An install default naming no listed profile falls back to Default=1. */
	parse_text(v1, "[AAAA]\nDefault=gone.profile\n", "native", &l);
	ck_assert(l.v[0].is_default);
	profile_list_release(&l);

	/* Version=2 with its own [Install] sections: installs.ini is not consulted. */
	parse_text("[General]\nVersion=2\n[Profile0]\nName=one\nIsRelative=1\nPath=x.one\n"
		   "[Profile1]\nName=two\nIsRelative=1\nPath=y.two\n[InstallAAAA]\nDefault=x.one\n",
		   "[AAAA]\nDefault=y.two\n", "native", &l);
	ck_assert(l.v[0].is_default);
	ck_assert(!l.v[1].is_default);
	profile_list_release(&l);

	/* The first [Install*] section that names a listed profile decides. */
	parse_text("[General]\nVersion=2\n[Profile0]\nName=one\nIsRelative=1\nPath=x.one\n"
		   "[Profile1]\nName=two\nIsRelative=1\nPath=y.two\n"
		   "[InstallBBBB]\nDefault=nothere\n[InstallAAAA]\nDefault=y.two\n[InstallCCCC]\nDefault=x.one\n",
		   NULL, "native", &l);
	ck_assert(!l.v[0].is_default);
	ck_assert(l.v[1].is_default);
	profile_list_release(&l);
}
END_TEST

START_TEST(test_parse_bad_input)
{
	struct profile_list l = { 0 }, untouched = { (struct profile *)0x1, 7, NULL, 0 };
	struct mc_error err = { 0 };
	static const char junk[] = "[Profile0]\nName=a\nIsRel\0ative=1\n";
	char *big;
	size_t bigsz = 12 * 10001 + 1;

	l = untouched;
	ck_assert_int_eq(profiles_ini_parse(junk, sizeof(junk) - 1, NULL, 0, "/r", APP_FIREFOX, "native",
					    &l, &err), MC_EINPUT);
	ck_assert_str_eq(err.msg, "/r/profiles.ini:3: binary data (NUL byte), not an INI file");
	ck_assert_ptr_eq(l.v, untouched.v);
	ck_assert_uint_eq(l.n, 7);

	/* Too many sections is refused rather than parsed slowly. */
	big = malloc(bigsz);
	big[0] = '\0';
	for (int i = 0, off = 0; i < 10001; i++)
		off += snprintf(big + off, bigsz - (size_t)off, "[S%06d]\n", i);
	mc_error_clear(&err);
	ck_assert_int_eq(profiles_ini_parse(big, strlen(big), NULL, 0, "/r", APP_FIREFOX, "native",
					    &l, &err), MC_EINPUT);
	ck_assert_msg(strstr(err.msg, "/r/profiles.ini:10001: too many sections") != NULL, "%s", err.msg);
	free(big);

	/* A broken installs.ini is a warning, not an error. */
	mc_error_clear(&err);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(profiles_ini_parse("[Profile0]\nName=a\nIsRelative=1\nPath=a\n",
					    strlen("[Profile0]\nName=a\nIsRelative=1\nPath=a\n"), "x\0y", 3, "/r", APP_FIREFOX, "native", &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert(has_warning(&l, "/r/installs.ini:1: binary data"));
	profile_list_release(&l);
}
END_TEST

/* ------------------------------------------------------------------ */

static const char *ini_one = "[General]\nVersion=2\n[Profile0]\nName=%s\nIsRelative=1\nPath=%s\nDefault=1\n";

static char *
make_root_named(const char *rel, const char *name, const char *dir)
{
	char *ini, *root;

	if (asprintf(&ini, ini_one, name, dir) < 0)
		abort();
	root = make_root(rel, ini);
	free(ini);
	return root;
}

START_TEST(test_roots)
{
	struct profile_root_list r = { 0 };
	struct mc_error err = { 0 };
	char *expect;

	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	ck_assert_int_eq(profile_roots(APP_FIREFOX, &r, &err), 0);
	ck_assert_uint_eq(r.n, 5);
	expect = cat(tmp, ".mozilla/firefox");
	ck_assert_str_eq(r.v[0].dir, expect);
	ck_assert_str_eq(r.v[0].variant, "native");
	free(expect);
	ck_assert_str_eq(r.v[1].dir, "/xdg/mozilla/firefox");
	ck_assert_str_eq(r.v[1].variant, "xdg");
	ck_assert_str_eq(r.v[2].variant, "snap");
	ck_assert_str_eq(r.v[3].variant, "flatpak");
	ck_assert_str_eq(r.v[4].variant, "flatpak");
	for (size_t i = 0; i < r.n; i++)
		ck_assert(!r.v[i].exists);
	profile_root_list_release(&r);

	/* A relative XDG_CONFIG_HOME is ignored: ~/.config. */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	free(make_root_named(".config/mozilla/firefox", "x", "x"));
	ck_assert_int_eq(profile_roots(APP_FIREFOX, &r, &err), 0);
	expect = cat(tmp, ".config/mozilla/firefox");
	ck_assert_str_eq(r.v[1].dir, expect);
	ck_assert(r.v[1].exists);
	ck_assert(!r.v[0].exists);
	free(expect);
	profile_root_list_release(&r);

	ck_assert_int_eq(profile_roots(APP_THUNDERBIRD, &r, &err), 0);
	ck_assert_uint_eq(r.n, 4);
	ck_assert(strstr(r.v[2].dir, "/.var/app/org.mozilla.Thunderbird/.thunderbird"));
	ck_assert(strstr(r.v[3].dir, "/.var/app/net.thunderbird.Thunderbird/.thunderbird"));
	profile_root_list_release(&r);

	ck_assert_int_eq(profile_roots(APP_SEAMONKEY, &r, &err), 0);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(strstr(r.v[0].dir, "/.mozilla/seamonkey"));
	profile_root_list_release(&r);
}
END_TEST

static void
make_all_roots(void)
{
	char *xdg = cat(tmp, "xdg");

	setenv("XDG_CONFIG_HOME", xdg, 1);
	free(xdg);
	free(make_root_named(".mozilla/firefox", "ff-native", "n.default"));
	free(make_root_named("xdg/mozilla/firefox", "ff-xdg", "x.default"));
	free(make_root_named("snap/firefox/common/.mozilla/firefox", "ff-snap", "s.default"));
	free(make_root_named(".var/app/org.mozilla.firefox/.mozilla/firefox", "ff-flatpak", "f.default"));
	free(make_root_named(".var/app/org.mozilla.firefox/config/mozilla/firefox", "ff-flatpak-xdg", "g.default"));
	free(make_root_named(".thunderbird", "tb-native", "t.default"));
	free(make_root_named("snap/thunderbird/common/.thunderbird", "tb-snap", "ts.default"));
	free(make_root_named(".var/app/org.mozilla.Thunderbird/.thunderbird", "tb-flatpak-old", "to.default"));
	free(make_root_named(".var/app/net.thunderbird.Thunderbird/.thunderbird", "tb-flatpak-new", "tn.default"));
	free(make_root_named(".mozilla/seamonkey", "sm", "sm.default"));
}

START_TEST(test_discover_all_locations)
{
	struct profile_list l = { 0 };
	struct mc_error err = { 0 };
	static const struct {
		const char *name, *variant, *rel;
		enum app_id app;
	} want[] = {
		{ "ff-native", "native", ".mozilla/firefox/n.default", APP_FIREFOX },
		{ "ff-xdg", "xdg", "xdg/mozilla/firefox/x.default", APP_FIREFOX },
		{ "ff-snap", "snap", "snap/firefox/common/.mozilla/firefox/s.default", APP_FIREFOX },
		{ "ff-flatpak", "flatpak", ".var/app/org.mozilla.firefox/.mozilla/firefox/f.default", APP_FIREFOX },
		{ "ff-flatpak-xdg", "flatpak", ".var/app/org.mozilla.firefox/config/mozilla/firefox/g.default", APP_FIREFOX },
		{ "tb-native", "native", ".thunderbird/t.default", APP_THUNDERBIRD },
		{ "tb-snap", "snap", "snap/thunderbird/common/.thunderbird/ts.default", APP_THUNDERBIRD },
		{ "tb-flatpak-old", "flatpak", ".var/app/org.mozilla.Thunderbird/.thunderbird/to.default", APP_THUNDERBIRD },
		{ "tb-flatpak-new", "flatpak", ".var/app/net.thunderbird.Thunderbird/.thunderbird/tn.default", APP_THUNDERBIRD },
		{ "sm", "native", ".mozilla/seamonkey/sm.default", APP_SEAMONKEY },
	};

	make_all_roots();
	ck_assert_int_eq(profile_discover(-1, &l, &err), 0);
	ck_assert_uint_eq(l.nwarnings, 0);
	ck_assert_uint_eq(l.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < l.n; i++) {
		char *path = cat(tmp, want[i].rel);

		ck_assert_str_eq(l.v[i].name, want[i].name);
		ck_assert_str_eq(l.v[i].variant, want[i].variant);
		ck_assert_str_eq(l.v[i].path, path);
		ck_assert_int_eq(l.v[i].app, want[i].app);
		ck_assert(l.v[i].is_default);
		free(path);
	}
	profile_list_release(&l);

	ck_assert_int_eq(profile_discover(APP_THUNDERBIRD, &l, &err), 0);
	ck_assert_uint_eq(l.n, 4);
	for (size_t i = 0; i < l.n; i++)
		ck_assert_int_eq(l.v[i].app, APP_THUNDERBIRD);
	profile_list_release(&l);

	ck_assert_int_eq(profile_discover(APP_COUNT, &l, &err), MC_EUSAGE);
}
END_TEST

START_TEST(test_discover_broken_root)
{
	struct profile_list l = { 0 };
	struct mc_error err = { 0 };
	char *root, *f, *big;

	free(make_root_named(".mozilla/firefox", "good", "g.default"));
	root = make_root(".thunderbird", "");
	f = cat(root, "profiles.ini");
	write_file(f, "[Profile0]\n\0\0\xff", 14);
	free(f);
	free(root);
	/* An over-large profiles.ini is refused. */
	root = make_root(".mozilla/seamonkey", "");
	f = cat(root, "profiles.ini");
	big = calloc(1, 2u << 20);
	memset(big, '#', (2u << 20) - 1);
	write_text(f, big);
	free(big);
	free(f);
	free(root);

	/* The others are still read, and the first broken file is the error. */
	ck_assert_int_eq(profile_discover(-1, &l, &err), MC_EINPUT);
	ck_assert_msg(strstr(err.msg, "/.thunderbird/profiles.ini:2: binary data"), "%s", err.msg);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].name, "good");
	ck_assert_uint_eq(l.nwarnings, 2);
	ck_assert(has_warning(&l, "/.thunderbird/profiles.ini:2: binary data"));
	ck_assert(has_warning(&l, "/.mozilla/seamonkey/profiles.ini' is too large"));
	ck_assert_int_eq(l.warnings[0].code, MC_EINPUT);
	profile_list_release(&l);
}
END_TEST

START_TEST(test_discover_symlinked_root_once)
{
	struct profile_list l = { 0 };
	struct mc_error err = { 0 };
	char *native = make_root_named(".mozilla/firefox", "only", "o.default");
	char *cfg = cat(tmp, ".config/mozilla");

	mkdir_p(cfg);
	free(cfg);
	cfg = cat(tmp, ".config/mozilla/firefox");
	ck_assert_int_eq(symlink(native, cfg), 0);
	ck_assert_int_eq(profile_discover(APP_FIREFOX, &l, &err), 0);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.v[0].variant, "native");
	profile_list_release(&l);
	free(cfg);
	free(native);
}
END_TEST

START_TEST(test_discover_no_home)
{
	struct profile_list l = { 0 };
	struct mc_error err = { 0 };

	/* Falls back to the passwd entry: never an error for a normal user. */
	unsetenv("HOME");
	ck_assert_int_eq(profile_discover(-1, &l, &err), 0);
	profile_list_release(&l);
}
END_TEST

/* ------------------------------------------------------------------ */

START_TEST(test_resolve_name)
{
	struct profile p = { 0 };
	struct mc_error err = { 0 };
	char *want;

	make_all_roots();
	ck_assert_int_eq(profile_resolve("tb-snap", -1, &p, &err), 0);
	ck_assert_str_eq(p.name, "tb-snap");
	ck_assert_int_eq(p.app, APP_THUNDERBIRD);
	ck_assert_str_eq(p.variant, "snap");
	want = cat(tmp, "snap/thunderbird/common/.thunderbird");
	ck_assert_str_eq(p.root, want);
	free(want);
	profile_release(&p);

	/* Restricted to --app. */
	ck_assert_int_eq(profile_resolve("tb-snap", APP_FIREFOX, &p, &err), MC_ENOENT);
	ck_assert_str_eq(err.msg, "no profile directory or profile named 'tb-snap' (searched the profiles.ini in "
				  "~/.mozilla/firefox, ~/xdg/mozilla/firefox, ~/snap/firefox/common/.mozilla/firefox, "
				  "~/.var/app/org.mozilla.firefox/.mozilla/firefox, "
				  "~/.var/app/org.mozilla.firefox/config/mozilla/firefox)");
	ck_assert_ptr_null(p.name);
	mc_error_clear(&err);

	ck_assert_int_eq(profile_resolve("nosuch", -1, &p, &err), MC_ENOENT);
	ck_assert_msg(strstr(err.msg, ", ~/.mozilla/seamonkey)"), "%s", err.msg);
	mc_error_clear(&err);
	ck_assert_int_eq(profile_resolve("", -1, &p, &err), MC_EUSAGE);
}
END_TEST

START_TEST(test_resolve_ambiguous)
{
	struct profile p = { 0 };
	struct mc_error err = { 0 };

	free(make_root_named(".mozilla/firefox", "work", "f.work"));
	free(make_root_named(".thunderbird", "work", "t.work"));
	ck_assert_int_eq(profile_resolve("work", -1, &p, &err), MC_EUSAGE);
	ck_assert_msg(strstr(err.msg, "profile name 'work' is ambiguous") && strstr(err.msg, "(thunderbird, native)"),
		      "%s", err.msg);
	mc_error_clear(&err);
	ck_assert_int_eq(profile_resolve("work", APP_THUNDERBIRD, &p, &err), 0);
	ck_assert_int_eq(p.app, APP_THUNDERBIRD);
	ck_assert(strstr(p.path, "/.thunderbird/t.work"));
	profile_release(&p);

	/* The same name in two roots of one app is ambiguous too. */
	free(make_root_named("snap/firefox/common/.mozilla/firefox", "work", "s.work"));
	ck_assert_int_eq(profile_resolve("work", APP_FIREFOX, &p, &err), MC_EUSAGE);
	mc_error_clear(&err);

	/* Within one profiles.ini the first of a name is taken, as Firefox does. */
	free(make_root(".mozilla/seamonkey", "[Profile0]\nName=dup\nIsRelative=1\nPath=one\n"
					     "[Profile1]\nName=dup\nIsRelative=1\nPath=two\n"));
	ck_assert_int_eq(profile_resolve("dup", -1, &p, &err), 0);
	ck_assert(strstr(p.path, "/.mozilla/seamonkey/one"));
	profile_release(&p);
}
END_TEST

START_TEST(test_resolve_dir)
{
	struct profile p = { 0 };
	struct mc_error err = { 0 };
	char *root = make_root_named(".thunderbird", "mail", "abc.mail");
	char *dir = cat(root, "abc.mail");
	char *other0 = cat(tmp, "elsewhere/myprof");
	char *parent = cat(tmp, "elsewhere");
	char *cwd = getcwd(NULL, 0);
	char *other;

	mkdir_p(dir);
	mkdir_p(other0);
	other = realpath(other0, NULL);
	free(other0);

	/* Listed in a profiles.ini: everything comes from there, even for a relative argument. */
	ck_assert_int_eq(chdir(root), 0);
	ck_assert_int_eq(profile_resolve("./abc.mail/", -1, &p, &err), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(p.name, "mail");
	ck_assert_str_eq(p.path, dir);
	ck_assert_str_eq(p.root, root);
	ck_assert_str_eq(p.variant, "native");
	ck_assert_int_eq(p.app, APP_THUNDERBIRD);
	ck_assert(p.is_default);
	profile_release(&p);

	/* Not listed anywhere: basename, no root, firefox by default. */
	ck_assert_int_eq(profile_resolve(other, -1, &p, &err), 0);
	ck_assert_str_eq(p.name, "myprof");
	ck_assert_str_eq(p.path, other);
	ck_assert_ptr_null(p.root);
	ck_assert_str_eq(p.variant, "dir");
	ck_assert_int_eq(p.app, APP_FIREFOX);
	ck_assert(!p.is_default);
	profile_release(&p);

	/* --app decides for an unlisted directory. */
	ck_assert_int_eq(profile_resolve(other, APP_SEAMONKEY, &p, &err), 0);
	ck_assert_int_eq(p.app, APP_SEAMONKEY);
	profile_release(&p);

	/* Guessed from compatibility.ini. */
	{
		char *compat = cat(other, "compatibility.ini");

		write_text(compat, "[Compatibility]\nLastVersion=128.1.0_20240801/20240801\n"
				   "LastOSABI=Linux_x86_64-gcc3\nLastPlatformDir=/usr/lib/thunderbird\n"
				   "LastAppDir=/usr/lib/thunderbird\n");
		free(compat);
	}
	ck_assert_int_eq(profile_resolve(other, -1, &p, &err), 0);
	ck_assert_int_eq(p.app, APP_THUNDERBIRD);
	ck_assert_ptr_null(p.root);
	profile_release(&p);

	/* Guessed from a parent that is a known root, though not listed in its profiles.ini. */
	{
		char *sm = cat(tmp, ".mozilla/seamonkey/zz.unlisted");

		mkdir_p(sm);
		ck_assert_int_eq(profile_resolve(sm, -1, &p, &err), 0);
		ck_assert_int_eq(p.app, APP_SEAMONKEY);
		ck_assert_str_eq(p.variant, "dir");
		profile_release(&p);
		free(sm);
	}

	/* A directory wins over a profile name. */
	ck_assert_int_eq(chdir(parent), 0);
	free(make_root_named(".mozilla/firefox", "myprof", "named"));
	ck_assert_int_eq(profile_resolve("myprof", -1, &p, &err), 0);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(p.path, other);
	profile_release(&p);

	free(cwd);
	free(parent);
	free(other);
	free(dir);
	free(root);
}
END_TEST

START_TEST(test_default)
{
	struct profile p = { 0 };
	struct mc_error err = { 0 };

	ck_assert_int_eq(profile_default(-1, &p, &err), MC_ENOENT);
	ck_assert_msg(strstr(err.msg, "no profiles.ini of firefox, thunderbird or seamonkey found"), "%s", err.msg);
	mc_error_clear(&err);

	/* Only Thunderbird has profiles: app < 0 falls through to it. */
	free(make_root(".thunderbird", "[Profile0]\nName=a\nIsRelative=1\nPath=a\n"
				       "[Profile1]\nName=b\nIsRelative=1\nPath=b\nDefault=1\n"));
	ck_assert_int_eq(profile_default(-1, &p, &err), 0);
	ck_assert_str_eq(p.name, "b");
	ck_assert_int_eq(p.app, APP_THUNDERBIRD);
	profile_release(&p);

	ck_assert_int_eq(profile_default(APP_FIREFOX, &p, &err), MC_ENOENT);
	mc_error_clear(&err);

	/* Firefox first; the install default wins over Default=1. */
	{
		char *src = fixture_path("real/borodin-profiles-ini/profiles.ini");
		char *data = read_whole(src, NULL);

		free(make_root(".mozilla/firefox", data));
		free(data);
		free(src);
	}
	ck_assert_int_eq(profile_default(-1, &p, &err), 0);
	ck_assert_str_eq(p.name, "default-esr");
	ck_assert_int_eq(p.app, APP_FIREFOX);
	profile_release(&p);

	/* A root with profiles but no default gives way to the next root. */
	free(make_root(".mozilla/firefox", "[Profile0]\nName=a\nIsRelative=1\nPath=a\n"
					   "[Profile1]\nName=b\nIsRelative=1\nPath=b\n"));
	free(make_root_named("snap/firefox/common/.mozilla/firefox", "snappy", "s"));
	ck_assert_int_eq(profile_default(APP_FIREFOX, &p, &err), 0);
	ck_assert_str_eq(p.name, "snappy");
	profile_release(&p);
}
END_TEST

/* ------------------------------------------------------------------ */

static void
write_in(const char *dir, const char *name, const char *text)
{
	char *f = cat(dir, name);

	write_text(f, text);
	free(f);
}

START_TEST(test_app_version)
{
	char *v;

	ck_assert_ptr_null(profile_app_version(tmp));
	ck_assert_int_eq(profile_app_major(tmp), -1);

	write_in(tmp, "compatibility.ini",
		 "[Compatibility]\r\nLastVersion=153.8.0_20260101000000/20260101000000\r\n"
		 "LastOSABI=Linux_x86_64-gcc3\r\n");
	v = profile_app_version(tmp);
	ck_assert_str_eq(v, "153.8.0");
	free(v);
	ck_assert_int_eq(profile_app_major(tmp), 153);

	/* SeaMonkey is judged by its Gecko platform, not by "2". */
	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=2.53.18.2_20240501/20240501\n");
	ck_assert_int_eq(profile_app_major(tmp), 60);

	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=116.0b3_20230707/20230707\n");
	v = profile_app_version(tmp);
	ck_assert_str_eq(v, "116.0b3");
	free(v);

	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=3.0\n");
	ck_assert_int_eq(profile_app_major(tmp), 3);

	/* Malformed, missing section, wrong section, absurd number. */
	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=Safe Mode_1/1\n");
	ck_assert_ptr_null(profile_app_version(tmp));
	write_in(tmp, "compatibility.ini", "LastVersion=99.0_1/1\n");
	ck_assert_ptr_null(profile_app_version(tmp));
	write_in(tmp, "compatibility.ini", "[Other]\nLastVersion=99.0_1/1\n");
	ck_assert_int_eq(profile_app_major(tmp), -1);
	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=99999999999999.0_1/1\n");
	ck_assert_int_eq(profile_app_major(tmp), -1);
	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=_1/1\n");
	ck_assert_int_eq(profile_app_major(tmp), -1);
}
END_TEST

START_TEST(test_platform_major)
{
	static const struct {
		const char *v;
		int major;
	} cases[] = {
		{ "153.8.0", 153 }, { "115.3.0", 115 }, { "3.0", 3 }, { "1.5.0.12", 1 },
		{ "2.0.0.20", 1 },   /* Firefox/Thunderbird 2 and SeaMonkey 2.0: Gecko 1.8/1.9 */
		{ "2.1", 4 }, { "2.17.1", 20 }, { "2.48", 51 }, { "2.49.5", 52 },
		{ "2.53", 60 }, { "2.53.18", 60 }, { "2.53.18.2", 60 }, { "2.57a1", 60 },
		{ "2", 2 }, { "", -1 }, { "x", -1 },
	};
	char *dir, *compat;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(profile_platform_major(cases[i].v) == cases[i].major, "%s: %d", cases[i].v,
			      profile_platform_major(cases[i].v));
	ck_assert_int_eq(profile_platform_major(NULL), -1);

	/* A SeaMonkey 2.49 profile: Gecko 52, older than the sql: default. */
	write_in(tmp, "compatibility.ini", "[Compatibility]\nLastVersion=2.49.5_20190815/20190815\n");
	ck_assert_int_eq(profile_app_major(tmp), 52);

	/* LastPlatformDir's platform.ini wins when it is the platform that ran (same build id). */
	dir = cat(tmp, "sm-platform");
	mkdir_p(dir);
	write_in(dir, "platform.ini", "[Build]\nBuildID=20231229120000\nMilestone=61.0.2\nSourceStamp=x\n");
	if (asprintf(&compat, "[Compatibility]\nLastVersion=2.53.18_20231229233000/20231229120000\n"
			      "LastPlatformDir=%s\nLastAppDir=%s/app\n", dir, dir) < 0)
		ck_abort();
	write_in(tmp, "compatibility.ini", compat);
	ck_assert_int_eq(profile_app_major(tmp), 61);
	/* Another build installed there since: the numbering decides. */
	write_in(dir, "platform.ini", "[Build]\nBuildID=20250101000000\nMilestone=61.0.2\n");
	ck_assert_int_eq(profile_app_major(tmp), 60);
	free(compat);
	free(dir);
}
END_TEST

START_TEST(test_store_format)
{
	char *d;

	ck_assert_int_eq(profile_store_format(tmp), STORE_NONE);
	write_in(tmp, "cert8.db", "x");
	ck_assert_int_eq(profile_store_format(tmp), STORE_CERT8);
	write_in(tmp, "cert9.db", "x");
	ck_assert_int_eq(profile_store_format(tmp), STORE_BOTH);
	d = cat(tmp, "cert8.db");
	unlink(d);
	free(d);
	ck_assert_int_eq(profile_store_format(tmp), STORE_CERT9);
	d = cat(tmp, "cert9.db");
	unlink(d);
	free(d);
	write_in(tmp, "cert7.db", "x");
	ck_assert_int_eq(profile_store_format(tmp), STORE_CERT8);
	d = cat(tmp, "cert7.db");
	unlink(d);
	free(d);
	/* A directory of that name is no store. */
	d = cat(tmp, "cert9.db");
	mkdir(d, 0700);
	free(d);
	ck_assert_int_eq(profile_store_format(tmp), STORE_NONE);
	ck_assert_int_eq(profile_store_format("/nonexistent/dir"), STORE_NONE);
}
END_TEST

Suite *
make_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc;

	tc = tcase_create("ini");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_real_borodin);
	tcase_add_test(tc, test_made_minimal);
	tcase_add_test(tc, test_made_not_mozilla);
	tcase_add_test(tc, test_extra_mscalindt);
	tcase_add_test(tc, test_extra_rexploit);
	tcase_add_test(tc, test_parse_not_profiles_ini);
	tcase_add_test(tc, test_parse_usable_without_profiles);
	tcase_add_test(tc, test_parse_single_profile_default);
	tcase_add_test(tc, test_parse_mozilla_syntax);
	tcase_add_test(tc, test_parse_keys_exact);
	tcase_add_test(tc, test_parse_paths);
	tcase_add_test(tc, test_parse_paths_escape);
	tcase_add_test(tc, test_parse_numbering);
	tcase_add_test(tc, test_parse_installs);
	tcase_add_test(tc, test_parse_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("discover");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roots);
	tcase_add_test(tc, test_discover_all_locations);
	tcase_add_test(tc, test_discover_broken_root);
	tcase_add_test(tc, test_discover_symlinked_root_once);
	tcase_add_test(tc, test_discover_no_home);
	tcase_add_test(tc, test_resolve_name);
	tcase_add_test(tc, test_resolve_ambiguous);
	tcase_add_test(tc, test_resolve_dir);
	tcase_add_test(tc, test_default);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_app_version);
	tcase_add_test(tc, test_platform_major);
	tcase_add_test(tc, test_store_format);
	suite_add_tcase(s, tc);

	return s;
}
