/* SPDX-License-Identifier: MPL-2.0 */
/* profile-version.c: the application version a profile was last run with (compatibility.ini, platform.ini). */
#include "profile.h"
#include "profile-internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "ini-file.h"
#include "banned.h"

/*
 * compatibility.ini of one profile, read once per run: the version it names decides formats (the
 * override file's, prefs), so every reader sees the same bytes, and a read error is kept for
 * profile_compat_check instead of passing for a missing file.
 */
static struct {
	char *dir;
	char *buf;      /* NULL: absent, not a regular file, or unreadable */
	size_t len;
	int read_errno; /* why an existing file could not be read; 0 when it was or is absent */
	struct stat st; /* of the file read; a changed file is read again */
	bool exists;
} compat;

const char *
profile_compat_get(const char *dir, size_t *len)
{
	_autofree_ char *file = path_join(dir, "compatibility.ini");
	struct mc_error e = {0};
	struct stat st;
	bool found = stat(file, &st) == 0;
	/* Only a file that is not there is absent: one that cannot be looked at is an error. */
	int stat_errno = found || errno == ENOENT || errno == ENOTDIR ? 0 : errno;
	bool exists = found && S_ISREG(st.st_mode);

	if (!stat_errno && compat.dir && streq(compat.dir, dir) && exists == compat.exists &&
	    (!exists || (st.st_ino == compat.st.st_ino && st.st_dev == compat.st.st_dev &&
			 st.st_size == compat.st.st_size && st.st_mtim.tv_sec == compat.st.st_mtim.tv_sec &&
			 st.st_mtim.tv_nsec == compat.st.st_mtim.tv_nsec))) {
		*len = compat.len;
		return compat.buf;
	}
	free(compat.dir);
	free(compat.buf);
	memset(&compat, 0, sizeof(compat));
	compat.dir = xstrdup(dir);
	compat.exists = exists;
	compat.read_errno = stat_errno;
	if (exists)
		compat.st = st;
	if (exists && fileio_read(file, PROFILE_INI_MAX, &compat.buf, &compat.len, &e) < 0) {
		compat.buf = NULL;
		compat.len = 0;
		/* Without an errno the file was over the size limit. */
		compat.read_errno = e.sys_errno ? e.sys_errno : EFBIG;
	}
	*len = compat.len;
	return compat.buf;
}

int
profile_compat_check(const char *dir, struct mc_error *err)
{
	size_t len;

	(void)profile_compat_get(dir, &len);
	if (compat.read_errno) {
		_autofree_ char *file = path_join(dir, "compatibility.ini");

		errno = compat.read_errno;
		return mc_error_sys(err, "cannot read '%s' (the application version decides file formats)", file);
	}
	return 0;
}

char *
profile_compat_version(const char *buf, size_t len, const char *file)
{
	_cleanup_(ini_doc_release) struct ini_doc doc = { 0 };
	const char *v;
	size_t n;

	if (ini_doc_parse(buf, len, file, &doc, NULL))
		return NULL;
	v = ini_get(ini_find(&doc, "Compatibility"), "LastVersion");
	if (!v || !isdigit((unsigned char)v[0]))
		return NULL;
	/* VERSION_BUILDID/PLATFORMBUILDID; very old files have no build id. */
	n = strcspn(v, "_/");
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '-' && v[i] != '+')
			return NULL;
	return xstrndup(v, n);
}

char *
profile_app_version(const char *dir)
{
	_autofree_ char *file = path_join(dir, "compatibility.ini");
	const char *buf;
	size_t len;

	if (!(buf = profile_compat_get(dir, &len)))
		return NULL;
	return profile_compat_version(buf, len, file);
}

/*
 * SeaMonkey numbers its releases 2.N, on a Gecko platform of its own number,
 * and every decision mozcert takes by version (which store NSS opens, whether
 * security.enable_md5_signatures is read, which cert_override.txt format is
 * loaded) follows the platform, as Firefox's and Thunderbird's versions do.
 * - 2.1 to 2.49: Gecko N + 3. SeaMonkey 2.1 shipped with Gecko 2.0 (Firefox
 *   4), and the project's 2017 letter (blog.seamonkey-project.org, "The state
 *   of the SeaMonkey union") puts 2.48 "on the level of Firefox 51".
 *   2.0 ran on Gecko 1.9.1.
 * - 2.53 and later: Gecko 60. The 2.53 line started from the Firefox 56/57
 *   tree and took the ESR 60 platform and later backports; its user agent
 *   says "rv:60.0" (e.g. "rv:60.0) Gecko/20100101 SeaMonkey/2.53.13"), and
 *   it ships NSS newer than 3.35. NSS made sql: the default in 3.35 (bug
 *   1377940), and a Gecko older than 58 passes no prefix while
 *   security.use_sqldb is false (PSM's test "we create the system-default
 *   databases" in 57), so 2.53 opens cert9.db either way; MD5 signatures
 *   stay disabled whatever the pref says (mozilla::pkix, Gecko 33 and later).
 * When LastPlatformDir holds a platform.ini whose [Build] BuildID is the
 * platform build id of LastVersion (the platform that last ran the
 * profile), its Milestone= wins over this table.
 */
static int
seamonkey_gecko_major(unsigned long minor)
{
	if (minor == 0)
		return 1;
	if (minor >= 53)
		return 60;
	return (int)minor + 3;
}

/* Leading number of s; -1 when none or absurd. *end after it. */
static long
leading_number(const char *s, const char **end)
{
	unsigned long n = 0;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > INT_MAX)
			return -1;
	}
	if (end)
		*end = p;
	return p == s ? -1 : (long)n;
}

int
profile_platform_major(const char *app_version)
{
	const char *end;
	long major = app_version ? leading_number(app_version, &end) : -1;
	long minor;

	if (major != 2 || *end != '.')
		return (int)major;
	/* 2.0.0.x is also Firefox and Thunderbird 2 (Gecko 1.8.1): the same era as SeaMonkey 2.0. */
	minor = leading_number(end + 1, NULL);
	return minor < 0 ? 2 : seamonkey_gecko_major((unsigned long)minor);
}

/* Milestone major of LastPlatformDir/platform.ini when it is the platform that wrote LastVersion; -1 otherwise. */
static int
platform_ini_major(const char *cbuf, size_t len, const char *file)
{
	_cleanup_(ini_doc_release) struct ini_doc doc = { 0 };
	_cleanup_(ini_doc_release) struct ini_doc pdoc = { 0 };
	_autofree_ char *pfile = NULL;
	_autofree_ char *pbuf = NULL;
	const char *dir, *last, *build_id, *milestone, *slash;
	size_t plen;

	if (ini_doc_parse(cbuf, len, file, &doc, NULL))
		return -1;
	dir = ini_get(ini_find(&doc, "Compatibility"), "LastPlatformDir");
	last = ini_get(ini_find(&doc, "Compatibility"), "LastVersion");
	if (!dir || dir[0] != '/' || !last || !(slash = strchr(last, '/')))
		return -1;
	pfile = path_join(dir, "platform.ini");
	if (!fileio_is_regular(pfile) || fileio_read(pfile, PROFILE_INI_MAX, &pbuf, &plen, NULL) < 0 ||
	    ini_doc_parse(pbuf, plen, pfile, &pdoc, NULL))
		return -1;
	build_id = ini_get(ini_find(&pdoc, "Build"), "BuildID");
	milestone = ini_get(ini_find(&pdoc, "Build"), "Milestone");
	if (!build_id || !milestone || !streq(build_id, slash + 1))
		return -1;
	return (int)leading_number(milestone, NULL);
}

int
profile_app_major(const char *dir)
{
	_autofree_ char *v = profile_app_version(dir);
	_autofree_ char *file = NULL;
	const char *buf;
	size_t len;
	int platform;

	if (!v)
		return -1;
	if (leading_number(v, NULL) == 2 && (buf = profile_compat_get(dir, &len))) {
		file = path_join(dir, "compatibility.ini");
		if ((platform = platform_ini_major(buf, len, file)) >= 0)
			return platform;
	}
	return profile_platform_major(v);
}
