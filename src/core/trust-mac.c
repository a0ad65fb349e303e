/* SPDX-License-Identifier: MPL-2.0 */
/* trust-mac.c: are the trust MACs of a cert9.db in its key4.db (trust-mac.h)? */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "trust-mac.h"

#include "fileio.h"
#include "util.h"
#include "banned.h"

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
set_why(struct trustmac *tm, enum trustmac_state st, char *why)
{
	tm->state = st;
	free(tm->why);
	tm->why = why;
}

/* The sig_cert_ ids of metaData, and whether the password entry is there. -1 when SQLite cannot read them. */
static int
read_ids(sqlite3 *db, struct trustmac *tm, bool *has_password)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc;

	*has_password = false;
	if (sqlite3_prepare_v2(db, "SELECT id FROM metaData", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);

		if (!id)
			continue;
		if (streq(id, "password")) {
			*has_password = true;
			continue;
		}
		if (strncmp(id, "sig_cert_", 9) != 0)
			continue;
		if (tm->nids == cap) {
			cap = cap ? cap * 2 : 64;
			tm->ids = xreallocarray(tm->ids, cap, sizeof(*tm->ids));
		}
		tm->ids[tm->nids++] = xstrdup(id);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (tm->nids)
		qsort(tm->ids, tm->nids, sizeof(*tm->ids), id_cmp);
	return 0;
}

void
trustmac_load(const char *key4_path, struct trustmac *tm)
{
	sqlite3 *db = NULL;
	bool has_password = false;

	memset(tm, 0, sizeof(*tm));
	if (!key4_path || !fileio_exists(key4_path)) {
		set_why(tm, TRUSTMAC_NO_KEYDB, xstrdup("there is no key4.db"));
		return;
	}
	if (sqlite3_open_v2(key4_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		/* a failed open(2) is no sign of damage: the caller must not judge the MACs lost */
		tm->sys_errno = db ? sqlite3_system_errno(db) : 0;
		if (tm->sys_errno == ENOENT)
			tm->sys_errno = 0;
	}
	if (tm->sys_errno || !db || sqlite3_errcode(db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK || read_ids(db, tm, &has_password) < 0) {
		set_why(tm, TRUSTMAC_NO_KEYDB, xasprintf("key4.db cannot be read (%s)",
							 db ? sqlite3_errmsg(db) : "SQLite cannot open it"));
		sqlite3_close(db);
		return;
	}
	sqlite3_close(db);
	if (!has_password)
		set_why(tm, TRUSTMAC_UNINIT, xstrdup("key4.db has no password entry (it was never initialised)"));
	else
		tm->state = TRUSTMAC_CHECKABLE;
}

void
trustmac_release(struct trustmac *tm)
{
	strv_free(tm->ids, tm->nids);
	free(tm->why);
	memset(tm, 0, sizeof(*tm));
}

bool
trustmac_present(const struct trustmac *tm, uint32_t object_id, bool v32)
{
	static const uint32_t old_attrs[] = {0xCE536358u, 0xCE536359u, 0xCE53635Au, 0xCE53635Bu};
	static const uint32_t v32_attrs[] = {0x62Cu, 0x62Du, 0x62Eu, 0x62Fu};
	const uint32_t *attrs = v32 ? v32_attrs : old_attrs;

	if (tm->state != TRUSTMAC_CHECKABLE)
		return false;
	for (size_t i = 0; i < 4; i++) {
		char id[48];
		const char *key = id;

		snprintf(id, sizeof(id), "sig_cert_%08x_%08x", object_id, attrs[i]);
		if (!tm->nids || !bsearch(&key, tm->ids, tm->nids, sizeof(*tm->ids), id_cmp))
			return false;
	}
	return true;
}

void
trustmac_set_unusable(struct trustmac *tm, const char *why)
{
	set_why(tm, TRUSTMAC_NO_KEYDB, xstrdup(why ? why : "key4.db is damaged"));
}

/* Equal as certutil prints them, 'u' (a private key, not trust) aside. */
static bool
same_letters(const char *a, const char *b)
{
	for (;;) {
		while (*a == 'u')
			a++;
		while (*b == 'u')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

char *
trustmac_judge(const struct trustmac *tm, const struct trustmac_subject *s, bool cert9_sound)
{
	if (tm->state != TRUSTMAC_CHECKABLE)
		return xasprintf("%s: the MAC that protects it could not be checked", tm->why);
	if (!s->from_row)
		return NULL;  /* NSS showed it, MAC checked */
	if (!s->id_known)
		return xstrdup("the id of its trust object could not be read: its MAC in key4.db cannot be found");
	if (!trustmac_present(tm, s->id, s->v32))
		return xstrdup("key4.db holds no MAC for it (a key4.db of another store, or its MACs lost): "
			       "NSS shows no trust for this certificate");
	if (!s->v32 && cert9_sound && s->nss_trust && !same_letters(s->nss_trust, s->trust))
		return xasprintf("its MAC in key4.db does not match: NSS refuses it and shows '%s'", s->nss_trust);
	return NULL;
}
