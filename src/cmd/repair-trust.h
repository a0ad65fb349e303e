/* SPDX-License-Identifier: MPL-2.0 */
/*
 * repair-trust.h: which trust settings db repair read from a cert9.db are not
 * MAC-verified (docs/nss-internals.md 1.6), and whether they are kept:
 * with --keep-unverified-trust, or a yes to the question on a terminal.
 */
#ifndef MOZCERT_REPAIR_TRUST_H
#define MOZCERT_REPAIR_TRUST_H

#include <stdbool.h>
#include "cmd.h"
#include "nssdb.h"
#include "salvage.h"

struct trust_verdicts {
	char **why;            /* per salvaged certificate: why its trust is not MAC-verified; NULL when it is */
	size_t n;              /* entries of why (the salvage's count) */
	size_t n_unverified;
	bool checked;          /* a cert9.db: the MACs were looked for */
	bool keep;             /* unverified trust is written to the new store */
	char *io_error;        /* key4.db could not be opened (ENOSPC, EIO): nothing was judged; the run fails */
};

/*
 * Judge every certificate of s that has trust. key4_path: the private copy
 * of key4.db (NULL when none); key_unusable: why that key4.db cannot be kept
 * (NULL when it is kept); nss_v: what NSS listed (trust as it showed it);
 * cert9_sound: SQLite's quick_check of cert9.db passed.
 */
void trust_verdicts_judge(struct trust_verdicts *tv, const struct salvage *s, const char *key4_path,
			  const char *key_unusable, const struct cert_info *nss_v, size_t nss_n, bool cert9_sound);

/*
 * Decide whether unverified trust is kept: keep_flag, else a yes to a
 * question when stdin and stdout are terminals and the output is not JSON
 * (never on a dry run).
 */
void trust_verdicts_decide(struct trust_verdicts *tv, const struct cmd_ctx *ctx, const struct salvage *s,
			   bool keep_flag);

/* The trust of certificate i is not written to the new store. */
bool trust_verdicts_drops(const struct trust_verdicts *tv, size_t i);

void trust_verdicts_release(struct trust_verdicts *tv);

#endif
