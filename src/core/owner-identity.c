/* SPDX-License-Identifier: MPL-2.0 */
/* owner-identity.c: the profile owner's file-system identity for root runs (setfsuid, setfsgid, setgroups). */
#include "owner-identity.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>

#include "util.h"
#include "banned.h"

static bool active;
static uid_t active_uid;
static gid_t active_gid;

uid_t
fs_uid(void)
{
	return active ? active_uid : geteuid();
}

gid_t
fs_gid(void)
{
	return active ? active_gid : getegid();
}

int
fs_identity_enter(const char *dir, struct fs_identity *saved, struct mc_error *err)
{
	struct stat ds;
	struct passwd *pw;
	gid_t gid, *groups = NULL;
	int n = 0;

	memset(saved, 0, sizeof(*saved));
	if (geteuid() != 0 || active)
		return 0;
	if (stat(dir, &ds) < 0)
		return 0;  /* the command reports a missing profile itself */
	if (ds.st_uid == 0)
		return 0;
	errno = 0;
	pw = getpwuid(ds.st_uid);
	gid = pw ? pw->pw_gid : ds.st_gid;
	if (pw) {
		n = 32;
		groups = xreallocarray(NULL, (size_t)n, sizeof(*groups));
		if (getgrouplist(pw->pw_name, gid, groups, &n) < 0) {
			groups = xreallocarray(groups, (size_t)n, sizeof(*groups));
			if (getgrouplist(pw->pw_name, gid, groups, &n) < 0)
				n = 0;
		}
	}
	if (n == 0) {
		free(groups);
		groups = xmalloc(sizeof(*groups));
		groups[0] = gid;
		n = 1;
	}
	saved->ngroups = getgroups(0, NULL);
	if (saved->ngroups < 0)
		saved->ngroups = 0;
	saved->groups = xreallocarray(NULL, (size_t)(saved->ngroups ? saved->ngroups : 1), sizeof(gid_t));
	if (saved->ngroups && getgroups(saved->ngroups, saved->groups) < 0)
		saved->ngroups = 0;
	if (setgroups((size_t)n, groups) < 0) {
		free(groups);
		free(saved->groups);
		saved->groups = NULL;
		return mc_error_sys(err, "cannot take the groups of the owner of '%s'", dir);
	}
	free(groups);
	setfsgid(gid);
	setfsuid(ds.st_uid);
	/* setfsuid reports only the previous value: read both back to know they took. */
	if ((uid_t)setfsuid((uid_t)-1) != ds.st_uid || (gid_t)setfsgid((gid_t)-1) != gid) {
		saved->switched = true;
		fs_identity_leave(saved);
		return mc_error_set(err, MC_EFAIL, "cannot act as the owner (uid %ld) of '%s'", (long)ds.st_uid, dir);
	}
	saved->switched = true;
	active = true;
	active_uid = ds.st_uid;
	active_gid = gid;
	return 0;
}

void
fs_identity_leave(struct fs_identity *saved)
{
	if (!saved->switched)
		return;
	setfsuid(geteuid());
	setfsgid(getegid());
	if (setgroups((size_t)saved->ngroups, saved->groups) < 0)
		abort();  /* root keeping a user's groups would be worse than stopping */
	free(saved->groups);
	memset(saved, 0, sizeof(*saved));
	active = false;
}
