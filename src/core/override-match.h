/* SPDX-License-Identifier: MPL-2.0 */
/* override-match.h: which known certificate an exception names (by fingerprint, else by dbKey), and the
 * counts doctor reports over a cert_override.txt of any size in the memory of one line. */
#ifndef MOZCERT_OVERRIDE_MATCH_H
#define MOZCERT_OVERRIDE_MATCH_H

#include <stdint.h>

#include "override-file.h"

/* A certificate an exception may name (the caller owns the strings; they must outlive the index). */
struct override_known {
	const char *fingerprint; /* upper-case hex pairs joined by ':', as the application compares it */
	const char *dbkey;       /* base64 dbKey without whitespace (override_dbkey), or NULL */
	int64_t not_after;       /* PRTime: microseconds since the epoch */
	size_t ref;              /* the caller's own index of the certificate */
};

/* The known certificates sorted by fingerprint and by dbKey: each lookup is a binary search. */
struct override_index {
	const struct override_known **by_fp, **by_key;
	size_t n_fp, n_key;
};

/* Index k[0..n) (borrowed). Among equal keys the earliest of k wins, as a linear search would find it. */
void override_index_build(struct override_index *ix, const struct override_known *k, size_t n);
void override_index_release(struct override_index *ix);

/*
 * The certificate entry e names: the one of the same fingerprint (exact,
 * case-sensitive, as the application compares), else the one whose dbKey
 * equals e's ignoring whitespace in e's (old versions wrote spaces). *by_dbkey
 * says which; NULL when none.
 */
const struct override_known *override_index_match(const struct override_index *ix,
						  const struct override_entry *e, bool *by_dbkey);

struct override_tally {
	size_t entries;           /* lines the current reader loads */
	size_t ignored;           /* lines it drops (OVERRIDE_LINE_INVALID) */
	size_t expired;           /* entries whose certificate, matched by fingerprint, expired before now */
	size_t other_certificate; /* entries that match a certificate by dbKey only: they do not apply to it */
};

/* Count buf's lines (override_scan) against ix at time now (PRTime). Errors: those of override_scan. */
int override_tally(const char *buf, size_t len, const char *origin, const struct override_index *ix,
		   int64_t now, struct override_tally *out, struct mc_error *err);

#endif
