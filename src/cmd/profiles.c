/* SPDX-License-Identifier: MPL-2.0 */
/* profiles.c: every profile found, with its store and application facts. */
#include "cmd.h"
#include "fileio.h"
#include "nss-list.h"
#include "profile-lock.h"
#include "nssdb.h"
#include "banned.h"

/* Entries of cert_override.txt: lines that are neither blank nor comments; -1 without a file. */
static long
count_overrides(const char *dir)
{
	_autofree_ char *path = path_join(dir, "cert_override.txt");
	_autofree_ char *buf = NULL;
	struct mc_error err = {0};
	size_t len;
	long n = 0;
	const char *s, *end;

	if (fileio_read(path, FILEIO_MAX_INPUT, &buf, &len, &err) < 0)
		return -1;
	for (s = buf, end = buf + len; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		const char *t = s;

		while (t < e && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if (t < e && *t != '#')
			n++;
		s = nl ? nl + 1 : end;
	}
	return n;
}

/* cert9.db or cert8.db is there but no database (fileio_not_a_store): what it is, or NULL. */
static char *
store_file_not_db(const char *dir)
{
	for (size_t i = 0; i < 2; i++) {
		_autofree_ char *path = path_join(dir, i ? "cert8.db" : "cert9.db");
		_autofree_ char *what = fileio_not_a_store(path);

		if (what)
			return xasprintf("%s %s", path, what);
	}
	return NULL;
}

static bool
key4_not_db(const char *dir)
{
	_autofree_ char *path = path_join(dir, "key4.db");
	_autofree_ char *what = fileio_not_a_store(path);

	return what != NULL;
}

static long
count_certs(const char *dir, enum store_format f, const char *password, char **why)
{
	struct certdb *db = NULL;
	struct mc_error err = {0};
	size_t n = 0;

	if (f == STORE_NONE)
		return -1;
	/*
	 * One SQLite read instead of an NSS start per profile (fleet scale); NSS judges what it cannot count,
	 * and names a key4.db that is no database as it would (MOZCERT_NSS_LIST: always NSS, for the tests).
	 */
	if (f != STORE_CERT8 && !getenv("MOZCERT_NSS_LIST") && !key4_not_db(dir) && sqllist_count(dir, &n, &err) == 0)
		return (long)n;
	mc_error_clear(&err);
	if (certdb_open(dir, f == STORE_CERT8 ? CERTDB_DBM : CERTDB_SQL, 0, password, &db, &err) < 0 ||
	    certdb_count(db, &n, &err) < 0) {
		certdb_close(db, NULL);
		*why = xstrdup(err.msg);
		return -1;
	}
	if (certdb_close(db, &err) < 0) {
		*why = xstrdup(err.msg);
		return -1;
	}
	return (long)n;
}

static int
profiles_run(struct cmd_ctx *ctx, const struct profile *unused, struct json_object *res, struct mc_error *err)
{
	struct profile_list l = {0};
	struct json_object *arr;
	int ret, broken = 0;
	size_t not_stores = 0;
	_autofree_ char *first_bad = NULL;

	if (ctx->profile_arg) {
		struct profile p;

		if ((ret = profile_resolve(ctx->profile_arg, ctx->app, &p, err)) < 0)
			return ret;
		l.v = xmalloc(sizeof(*l.v));
		l.v[0] = p;
		l.n = 1;
	} else if ((ret = profile_discover(ctx->app, &l, err)) < 0) {
		/* A broken profiles.ini: list the profiles of the others, then fail with its error. */
		if (ret == MC_EUSAGE || (l.n == 0 && l.nwarnings == 0))
			return ret;
		broken = ret;
	}
	for (size_t i = 0; i < l.nwarnings; i++)
		if (!broken || !streq(l.warnings[i].msg, err->msg))
			cmd_warn(ctx, "%s", l.warnings[i].msg);
	arr = json_object_new_array();
	for (size_t i = 0; i < l.n; i++) {
		const struct profile *p = &l.v[i];
		struct json_object *o = json_object_new_object();
		bool exists = access(p->path, F_OK) == 0;
		enum store_format f = exists ? profile_store_format(p->path) : STORE_NONE;
		bool in_use = exists && profile_in_use(p->path);
		_autofree_ char *version = exists ? profile_app_version(p->path) : NULL;
		_autofree_ char *why = NULL;
		long certs = exists ? count_certs(p->path, f, ctx->password, &why) : -1;
		long overrides = exists ? count_overrides(p->path) : -1;

		json_object_object_add(o, "app", json_object_new_string(app_name(p->app)));
		json_object_object_add(o, "name", p->name ? json_object_new_string(p->name) : NULL);
		json_object_object_add(o, "path", json_object_new_string(p->path));
		json_object_object_add(o, "location", json_object_new_string(p->variant ? p->variant : ""));
		json_object_object_add(o, "default", json_object_new_boolean(p->is_default));
		json_object_object_add(o, "exists", json_object_new_boolean(exists));
		json_object_object_add(o, "in_use", json_object_new_boolean(in_use));
		json_object_object_add(o, "store", json_object_new_string(store_format_name(f)));
		json_object_object_add(o, "version", version ? json_object_new_string(version) : NULL);
		json_object_object_add(o, "certificates", certs >= 0 ? json_object_new_int64(certs) : NULL);
		if (why)
			json_object_object_add(o, "store_error", json_object_new_string(why));
		_autofree_ char *nas = exists ? store_file_not_db(p->path) : NULL;

		if (nas) {
			/* A file in place of the store that is no database: never "0 certificates". */
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "code", json_object_new_string(mc_code_name(MC_EDAMAGED)));
			json_object_object_add(e, "message", json_object_new_string(nas));
			json_object_object_add(o, "error", e);
			if (!not_stores++)
				first_bad = xstrdup(nas);
		}
		json_object_object_add(o, "overrides", overrides >= 0 ? json_object_new_int64(overrides) : NULL);
		json_object_array_add(arr, o);

		cmd_out(ctx, "%s %s%s\n  path:      %s%s\n  location:  %s\n  in use:    %s\n  store:     %s\n"
			     "  version:   %s\n",
			app_name(p->app), p->name ? p->name : "(unnamed)", p->is_default ? " (default)" : "", p->path,
			exists ? "" : " (missing)", p->variant ? p->variant : "", in_use ? "yes" : "no",
			store_format_name(f), version ? version : "unknown");
		if (certs >= 0)
			cmd_out(ctx, "  certs:     %ld\n", certs);
		else if (nas)
			cmd_out(ctx, "  certs:     unreadable (%s)\n", nas);
		else if (why)
			cmd_out(ctx, "  certs:     unreadable (%s)\n", why);
		if (overrides >= 0)
			cmd_out(ctx, "  overrides: %ld\n", overrides);
	}
	if (l.n == 0 && !broken)
		cmd_out(ctx, "no profile found\n");
	json_object_object_add(res, "profiles", arr);
	cmd_set_changed(res, false);
	profile_list_release(&l);
	if (!broken && not_stores)
		return mc_error_set(err, MC_EDAMAGED, "%zu profile%s a store file that is no database: %s", not_stores,
				    not_stores == 1 ? " has" : "s have", first_bad);
	return broken;
}

const struct cmd_spec cmd_profiles = {
	.name = "profiles", .run = profiles_run, .flags = CMD_GLOBAL, .args = "",
	.summary = "every profile found: app, name, path, default, in use, store, version, counts",
};
