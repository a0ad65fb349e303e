/* SPDX-License-Identifier: MPL-2.0 */
/* db.h: what the db commands (db-check.c, db-upgrade.c, db-backups.c) share. */
#ifndef MOZCERT_CMD_DB_H
#define MOZCERT_CMD_DB_H

#include <stdbool.h>
#include <string.h>

#include "fileio.h"
#include "nssdb.h"
#include "util.h"

static inline bool
exists_in(const char *dir, const char *name)
{
	_autofree_ char *path = path_join(dir, name);

	return fileio_exists(path);
}

static inline const struct cert_info *
find_by_hash(const struct cert_info *v, size_t n, const unsigned char sha256[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i].sha256, sha256, 32) == 0)
			return &v[i];
	return NULL;
}

#endif
