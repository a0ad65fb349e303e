/* SPDX-License-Identifier: MPL-2.0 */
/* override-file.h: cert_override.txt of every era: a pure parser and scanner (override-parse.c), a byte-exact
 * writer, entry formatting and edits (override-file.c). */
#ifndef MOZCERT_OVERRIDE_FILE_H
#define MOZCERT_OVERRIDE_FILE_H

#include "error.h"
#include "strbuf.h"

/* The two header lines every version writes (note the two spaces after "file!"). */
#define OVERRIDE_HEADER1 "# PSM Certificate Override Settings file"
#define OVERRIDE_HEADER2 "# This is a generated file!  Do not edit."
/* The only algorithm field any version writes, and the only one the current reader accepts. */
#define OVERRIDE_OID "OID.2.16.840.1.101.3.4.2.1"

/* Resource bounds of override_parse (the application itself has none). */
#define OVERRIDE_MAX_BYTES ((size_t)128 << 20)
#define OVERRIDE_MAX_LINES ((size_t)2 << 20)

enum override_status {
	OVERRIDE_LINE_ENTRY,   /* the current (era D) reader loads it */
	OVERRIDE_LINE_COMMENT, /* first byte '#': the header lines and any other comment */
	OVERRIDE_LINE_BLANK,   /* nothing before the line ending */
	OVERRIDE_LINE_INVALID, /* the current reader drops it silently; reason says why */
};

/*
 * The line format a line has, i.e. which application writes lines like it
 * (docs/formats.md 1.2). H host, P port, SUF origin-attributes suffix,
 * OID OVERRIDE_OID, FP fingerprint, BITS override bits, DBKEY base64 dbKey.
 */
enum override_era {
	/* A line no version writes (e.g. no suffix and no bits), though a reader may load it. */
	OVERRIDE_ERA_NONE = 0,
	/* Firefox/Thunderbird 3.0 to 90: "H:P\tOID\tFP\tBITS\tDBKEY"; IPv6 hosts without brackets. */
	OVERRIDE_ERA_A = 1,
	/* 91 to about 105: "H:P:SUF\tOID\tFP\tBITS\tDBKEY"; SUF usually empty, so the key ends in ':'. */
	OVERRIDE_ERA_B = 2,
	/* about 106-108 to 115-116: "H:P:SUF\tOID\tFP\t\tDBKEY": bits written empty, dbKey still required. */
	OVERRIDE_ERA_C = 3,
	/* about 116-117 to current: "H:P:SUF\tOID\tFP\t": no bits, no dbKey, a tab after FP. */
	OVERRIDE_ERA_D = 4,
};

/* Bit of override_entry.readers: the reader of that era loads the line. */
#define OVERRIDE_READER(era) (1u << (era))

/*
 * The fields of a line some reader loads. Every string is NUL-terminated and
 * owned by the entry (one allocation, freed with the line).
 */
struct override_entry {
	char *host;          /* without IPv6 brackets */
	int port;            /* 0 .. INT32_MAX, as the reader accepts it */
	char *origin_attrs;  /* suffix after the port's second ':' ("" or "^..."); NULL when the key has no suffix */
	char *oid;           /* the algorithm field as written */
	char *fingerprint;   /* as written; compared case-sensitively by the application */
	char *bits;          /* override bits (e.g. "MU"); NULL when absent or empty */
	char *dbkey;         /* base64 dbKey as written (spaces kept); NULL when absent or empty */
	enum override_era era;
	unsigned readers;    /* OVERRIDE_READER(e) for each era e whose reader loads the line */
	bool bracketed;      /* the host was written as "[host]" */
	bool fingerprint_ok; /* 32 upper-case hex pairs joined by ':', i.e. able to match a certificate */
};

struct override_line {
	const char *raw;               /* the line's bytes with its line ending; not NUL-terminated */
	size_t len;                    /* length of raw, line ending included */
	size_t lineno;                 /* 1-based line of the parsed input; 0 for a line an edit added */
	const char *reason;            /* static text, set for OVERRIDE_LINE_INVALID */
	struct override_entry *entry;  /* set for ENTRY; also for INVALID lines an older reader loads */
	enum override_status status;
	unsigned char eol_len;         /* 0 (unterminated last line), 1 ("\n", "\r") or 2 ("\r\n", "\n\r") */
	bool owned;                    /* raw is the line's own allocation */
};

struct override_file {
	char *origin;                  /* file name for messages */
	char *data;                    /* copy of the parsed input; parsed lines point into it */
	size_t data_len;
	struct override_line *lines;
	size_t n;
	size_t alloc;
};

void override_file_init(struct override_file *f);
/* Free everything; f is left initialised and empty. Accepts a released file. */
void override_file_release(struct override_file *f);

/*
 * Parse len bytes of buf (need not be NUL-terminated; NUL bytes allowed) into
 * out, which must be initialised and is released first. Lines split as the
 * application's line reader splits them (on "\r\n", "\n\r", "\n" or "\r"),
 * and each is judged as the current reader judges it (docs/formats.md 1.3),
 * including NUL truncation per 4096-byte read. Never fails on content: only
 * inputs above OVERRIDE_MAX_BYTES or OVERRIDE_MAX_LINES give MC_EINPUT, and
 * then out is left empty. origin names the file in messages.
 */
int override_parse(const char *buf, size_t len, const char *origin, struct override_file *out,
		   struct mc_error *err);

/*
 * Walk buf's lines as override_parse judges them without keeping them: fn sees
 * each line in order (raw points into buf; its entry is freed after the call),
 * so memory stays that of one line. A negative return of fn stops the walk and
 * is returned. MC_EINPUT for an input above OVERRIDE_MAX_BYTES, or on reaching
 * line OVERRIDE_MAX_LINES + 1 (fn has then seen the lines before it).
 */
int override_scan(const char *buf, size_t len, const char *origin,
		  int (*fn)(const struct override_line *l, void *ctx), void *ctx, struct mc_error *err);

/* Append the file: every line's raw bytes in order. Parse + write is the identity. */
void override_write(const struct override_file *f, struct strbuf *out);

/* Number of OVERRIDE_LINE_ENTRY lines. */
size_t override_count_entries(const struct override_file *f);

/* The line ending new lines get: that of the first terminated line, else "\n". Borrowed. */
const char *override_file_eol(const struct override_file *f);

/* "A", "B", "C", "D" or "none". */
const char *override_era_name(enum override_era era);

/*
 * Era to write for an application of this major version (Firefox and
 * Thunderbird share numbers); -1 (any negative) when unknown gives
 * OVERRIDE_ERA_A, the classic line every version reads for non-IPv6 hosts
 * (with bits "MUT" and a real dbKey). Where the era boundary is unverified
 * (106-108, 116) the older era is chosen, as both candidate readers load it.
 * Note: an era-A line for an IPv6 host is only read by versions <= 90.
 */
enum override_era override_era_for_version(int major);

/*
 * Append to line (without line ending) exactly what the application of that
 * era writes: key "host:port" (A) or "host:port:attrs" (B-D) with IPv6 hosts
 * in brackets (B-D), a tab, OVERRIDE_OID, a tab, the upper-case
 * colon-separated SHA-256 fingerprint, then "\tBITS\tDBKEY" (A, B),
 * "\t\tDBKEY" (C) or "\t" (D). port -1 means 443. origin_attrs NULL or ""
 * means default attributes (must be NULL/"" for A). bits NULL or "" means
 * "MUT" for A and B; given bits are letters of "MUT", written in that order;
 * C and D ignore bits. dbkey_b64 is required for A-C and ignored for D.
 * Returns 0, or MC_EUSAGE (line untouched) for an argument the application
 * could not have written.
 */
int override_format_entry(enum override_era era, const char *host, int port, const char *origin_attrs,
			  const unsigned char sha256[32], const char *bits, const char *dbkey_b64,
			  struct strbuf *line, struct mc_error *err);

/*
 * Base64 dbKey (docs/formats.md 1.4): 8 zero bytes, big-endian uint32 serial and
 * issuer lengths, the serial's DER content octets (leading 00 kept), the full
 * issuer Name DER; one line with '=' padding. NSS must be initialised.
 * Caller frees with free().
 */
char *override_dbkey(const unsigned char *serial, size_t serial_len, const unsigned char *issuer_der,
		     size_t issuer_len);

/*
 * Decode a dbKey, ignoring whitespace anywhere in it (old versions wrote
 * spaces). Returns 0 and sets the outputs (caller frees each with free()), or
 * MC_EINPUT when it is not base64 or not that layout; outputs untouched then.
 * NSS must be initialised.
 */
int override_dbkey_decode(const char *b64, unsigned char **serial, size_t *serial_len, unsigned char **issuer,
			  size_t *issuer_len);

/* ---- Edits. None does I/O; untouched lines keep their bytes. ---- */

enum override_action {
	OVERRIDE_ADDED = 1,
	OVERRIDE_REPLACED,
	OVERRIDE_REMOVED,
};

struct override_change {
	enum override_action action;
	size_t lineno;       /* line of the parsed input replaced or removed; 0 when added */
	const char *reason;  /* removals by prune: static text */
	char *host;          /* of the entry added, replaced or removed; NULL for a line without one */
	int port;
	char *fingerprint;   /* new fingerprint (added, replaced) or the removed one */
	char *old_line;      /* replaced or removed text, line ending stripped; NULL when added */
	char *new_line;      /* added or replacing text, line ending stripped; NULL when removed */
};

struct override_changes {
	struct override_change *v;
	size_t n;
	size_t alloc;
};

void override_changes_init(struct override_changes *c);
void override_changes_release(struct override_changes *c);

/*
 * Add or replace the override of host:port with origin attributes
 * origin_attrs (NULL or "" = default), formatted for era (see
 * override_format_entry). Entries match on host (exact, without brackets),
 * port (-1 = 443) and attributes (no suffix = ""). When the file has a
 * match, the last one (the one the application keeps) counts: if it has the
 * same fingerprint and the reader of era loads it, nothing changes (no
 * change appended); otherwise that line is replaced in place, keeping its
 * line ending. Without a match the line is appended, with the header first
 * when the file has no line at all, and a line ending added to an
 * unterminated last line. Returns 0, or MC_EUSAGE with f untouched.
 */
int override_add(struct override_file *f, enum override_era era, const char *host, int port,
		 const char *origin_attrs, const unsigned char sha256[32], const char *bits,
		 const char *dbkey_b64, struct override_changes *changes, struct mc_error *err);

/*
 * Remove every entry of host:port (-1 = 443); origin_attrs NULL removes all
 * attribute variants, "" only the default ones (with or without a suffix),
 * else exactly that suffix. Lines any reader loads count as entries.
 * Returns the number of lines removed.
 */
size_t override_remove(struct override_file *f, const char *host, int port, const char *origin_attrs,
		       struct override_changes *changes);

enum override_prune_flags {
	OVERRIDE_PRUNE_INVALID = 1 << 0,    /* lines the reader of the given era does not load (never comments or blank lines) */
	OVERRIDE_PRUNE_DUPLICATES = 1 << 1, /* an entry line repeated byte for byte later on: the earlier copies */
	OVERRIDE_PRUNE_EXPIRED = 1 << 2,    /* entries for which is_expired returns true */
};

/*
 * Remove what flags select. reader is the era of the application that reads
 * the file (OVERRIDE_ERA_D when unknown). is_expired (may be NULL) sees every
 * remaining line that has an entry and returns true to remove it. Returns
 * the number of lines removed.
 */
size_t override_prune(struct override_file *f, enum override_era reader, unsigned flags,
		      bool (*is_expired)(const struct override_entry *e, void *ctx), void *ctx,
		      struct override_changes *changes);

#endif
