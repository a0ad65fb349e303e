/* SPDX-License-Identifier: MPL-2.0 */
/* all-users.c: profiles of every user's home and of /etc/skel, read as their owners. */
#include "all-users.h"

#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>

#include "owner-identity.h"
#include "strbuf.h"
#include "util.h"
#include "banned.h"

static void
add_warning(struct profile_list *l, const char *user, const struct mc_error *e)
{
	struct mc_error *w;
	struct strbuf sb;

	l->warnings = xreallocarray(l->warnings, l->nwarnings + 1, sizeof(*l->warnings));
	w = &l->warnings[l->nwarnings++];
	*w = *e;
	strbuf_init(&sb);
	strbuf_addf(&sb, "user %s: %s", user, e->msg);
	/* as long as a message may be: the tail of a very long one is cut */
	snprintf(w->msg, sizeof(w->msg), "%.*s", (int)(sizeof(w->msg) - 1), sb.buf);
	strbuf_release(&sb);
}

static bool
listed(const struct profile_list *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].path, path))
			return true;
	return false;
}

/* The profiles under home, as HOME, read as home's owner, appended to out as user's. */
static void
discover_home(int app, const char *user, const char *home, struct profile_list *out)
{
	_autofree_ char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	_autofree_ char *old_xdg = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;
	struct profile_list one = {0};
	struct fs_identity id;
	struct mc_error e = {0};

	if (fs_identity_enter(home, &id, &e) < 0) {
		add_warning(out, user, &e);
		return;
	}
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	mc_error_clear(&e);
	profile_discover(app, &one, &e);
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	if (old_xdg)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	fs_identity_leave(&id);
	for (size_t i = 0; i < one.nwarnings; i++)
		add_warning(out, user, &one.warnings[i]);
	for (size_t i = 0; i < one.n; i++) {
		if (listed(out, one.v[i].path))
			continue;
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		out->v[out->n] = one.v[i];
		out->v[out->n].user = xstrdup(user);
		memset(&one.v[i], 0, sizeof(one.v[i]));
		out->n++;
	}
	profile_list_release(&one);
}

static bool
wanted(const char *name, const char *const *only, size_t nonly, bool *seen)
{
	if (nonly == 0)
		return true;
	for (size_t i = 0; i < nonly; i++)
		if (streq(name, only[i])) {
			seen[i] = true;
			return true;
		}
	return false;
}

int
users_discover(int app, const char *const *only, size_t nonly, struct profile_list *out, struct mc_error *err)
{
	bool *seen = xzalloc((nonly ? nonly : 1) * sizeof(*seen));
	struct passwd *pw;
	struct stat st;

	memset(out, 0, sizeof(*out));
	(void)err;
	setpwent();
	while ((errno = 0, pw = getpwent())) {
		if (!pw->pw_name || !pw->pw_dir || pw->pw_dir[0] != '/' || !wanted(pw->pw_name, only, nonly, seen))
			continue;
		if (stat(pw->pw_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		discover_home(app, pw->pw_name, pw->pw_dir, out);
	}
	endpwent();
	if (wanted("skel", only, nonly, seen) && stat(USERS_SKEL_DIR, &st) == 0 && S_ISDIR(st.st_mode))
		discover_home(app, "skel", USERS_SKEL_DIR, out);
	for (size_t i = 0; i < nonly; i++) {
		if (!seen[i]) {
			struct mc_error e = {0};

			mc_error_set(&e, MC_ENOENT, "no such user in the passwd database");
			add_warning(out, only[i], &e);
		}
	}
	free(seen);
	return 0;
}
