/* SPDX-License-Identifier: MPL-2.0 */
/*
 * all-users.h: the profiles of every user of the machine (--all-users): each home
 * directory of the passwd database (getpwent, so users from NSS modules such
 * as LDAP count too) in every place profile_discover knows (native, XDG
 * under ~/.config, Snap, Flatpak), and /etc/skel, the profiles new users get.
 */
#ifndef MOZCERT_ALL_USERS_H
#define MOZCERT_ALL_USERS_H

#include "profile.h"

/* The directory of the profiles new users are given, as user "skel". */
#define USERS_SKEL_DIR "/etc/skel"

/*
 * Fill out with the profiles of app (-1: every app) of every user whose name
 * is in only[0..nonly) (nonly 0: every user) and of /etc/skel (name "skel");
 * each profile's user is set. Each home is read with its owner's file-system
 * identity, and as the process's HOME with XDG_CONFIG_HOME unset (both are
 * put back). A home that does not exist or holds no profile adds nothing; a
 * broken profiles.ini becomes a warning naming the user. Two users sharing
 * a home, or a profile listed twice, are acted on once. Names in only that
 * no passwd entry has are warnings. 0, or a negative mc_code.
 */
int users_discover(int app, const char *const *only, size_t nonly, struct profile_list *out, struct mc_error *err);

#endif
