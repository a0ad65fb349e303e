/* SPDX-License-Identifier: MPL-2.0 */
/* override-file.c: cert_override.txt written as each era writes it: entry formatting, dbKey, edits. */
#include "override-internal.h"

#include <limits.h>
#include <stdint.h>
#include <base64.h>
#include <secport.h>

#include "banned.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- Writing entries ---- */

static int
check_host(const char *host, struct mc_error *err)
{
	if (!host || !*host)
		return mc_error_set(err, MC_EUSAGE, "empty host name");
	if (host[0] == '#')
		return mc_error_set(err, MC_EUSAGE, "host name '%s' starts with '#'", host);
	for (const unsigned char *p = (const unsigned char *)host; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '[' || *p == ']' || *p == '/')
			return mc_error_set(err, MC_EUSAGE, "invalid character in host name '%s'", host);
	}
	return 0;
}

static bool
is_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '/' ||
	       c == '=';
}

int
override_format_entry(enum override_era era, const char *host, int port, const char *origin_attrs,
		      const unsigned char sha256[32], const char *bits, const char *dbkey_b64,
		      struct strbuf *line, struct mc_error *err)
{
	_autofree_ char *fp = NULL;
	char bitbuf[4];
	size_t nb = 0;
	int r;

	if (era < OVERRIDE_ERA_A || era > OVERRIDE_ERA_D)
		return mc_error_set(err, MC_EUSAGE, "no cert_override.txt format for era %d", (int)era);
	r = check_host(host, err);
	if (r < 0)
		return r;
	if (port == -1)
		port = 443;
	if (port < 1 || port > 65535)
		return mc_error_set(err, MC_EUSAGE, "port %d out of range", port);
	if (!origin_attrs)
		origin_attrs = "";
	if (*origin_attrs) {
		if (era == OVERRIDE_ERA_A)
			return mc_error_set(err, MC_EUSAGE,
					    "origin attributes '%s' cannot be written for Firefox 90 or older",
					    origin_attrs);
		for (const unsigned char *p = (const unsigned char *)origin_attrs; *p; p++) {
			if (*p <= ' ' || *p == 0x7f)
				return mc_error_set(err, MC_EUSAGE, "invalid origin attributes '%s'",
						    origin_attrs);
		}
		if (!override_suffix_ok(origin_attrs, strlen(origin_attrs)))
			return mc_error_set(err, MC_EUSAGE, "invalid origin attributes '%s'", origin_attrs);
	}
	if (era == OVERRIDE_ERA_A || era == OVERRIDE_ERA_B) {
		if (!bits || !*bits)
			bits = "MUT";
		for (const char *p = bits; *p; p++) {
			if (*p != 'M' && *p != 'U' && *p != 'T')
				return mc_error_set(err, MC_EUSAGE, "invalid override bits '%s' (letters M, U, T)",
						    bits);
		}
		/* Writers put the letters in this order. */
		if (strchr(bits, 'M'))
			bitbuf[nb++] = 'M';
		if (strchr(bits, 'U'))
			bitbuf[nb++] = 'U';
		if (strchr(bits, 'T'))
			bitbuf[nb++] = 'T';
	}
	bitbuf[nb] = '\0';
	if (era != OVERRIDE_ERA_D) {
		if (!dbkey_b64 || !*dbkey_b64)
			return mc_error_set(err, MC_EUSAGE, "a dbKey is required for Firefox 116 or older");
		for (const char *p = dbkey_b64; *p; p++) {
			if (!is_b64_char(*p))
				return mc_error_set(err, MC_EUSAGE, "dbKey is not base64 on one line");
		}
	}

	fp = hex_encode(sha256, 32, true);
	if (era != OVERRIDE_ERA_A && strchr(host, ':'))
		strbuf_addf(line, "[%s]:%d", host, port);
	else
		strbuf_addf(line, "%s:%d", host, port);
	if (era != OVERRIDE_ERA_A)
		strbuf_addf(line, ":%s", origin_attrs);
	strbuf_addf(line, "\t%s\t%s\t", OVERRIDE_OID, fp);
	switch (era) {
	case OVERRIDE_ERA_A:
	case OVERRIDE_ERA_B:
		strbuf_addf(line, "%s\t%s", bitbuf, dbkey_b64);
		break;
	case OVERRIDE_ERA_C:
		strbuf_addf(line, "\t%s", dbkey_b64);
		break;
	case OVERRIDE_ERA_D:
	case OVERRIDE_ERA_NONE:
		break;
	}
	return 0;
}

/* ---- dbKey ---- */

/* Copy s without ASCII whitespace; caller frees. */
static char *
strip_ws(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	char *o = out;

	for (; *s; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n' && *s != '\f' && *s != '\v')
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

char *
override_dbkey(const unsigned char *serial, size_t serial_len, const unsigned char *issuer_der,
	       size_t issuer_len)
{
	size_t total = 16 + serial_len + issuer_len;
	_autofree_ unsigned char *key = NULL;
	char *b64, *out;

	if (serial_len > UINT32_MAX || issuer_len > UINT32_MAX || total > UINT_MAX)
		return NULL;
	key = xzalloc(total);
	put_be32(key + 8, (uint32_t)serial_len);
	put_be32(key + 12, (uint32_t)issuer_len);
	if (serial_len)
		memcpy(key + 16, serial, serial_len);
	if (issuer_len)
		memcpy(key + 16 + serial_len, issuer_der, issuer_len);
	/* NSS breaks the base64 into 64-character lines; the file has it on one. */
	b64 = BTOA_DataToAscii(key, (unsigned int)total);
	if (!b64)
		return NULL;
	out = strip_ws(b64);
	PORT_Free(b64);
	return out;
}

int
override_dbkey_decode(const char *b64, unsigned char **serial, size_t *serial_len, unsigned char **issuer,
		      size_t *issuer_len)
{
	_autofree_ char *clean = NULL;
	unsigned char *d;
	unsigned int dlen = 0;
	uint64_t sl, il;
	int ret = MC_EINPUT;

	if (!b64)
		return MC_EINPUT;
	clean = strip_ws(b64);
	if (!*clean)
		return MC_EINPUT;
	for (const char *p = clean; *p; p++) {
		if (!is_b64_char(*p))
			return MC_EINPUT;
	}
	d = ATOB_AsciiToData(clean, &dlen);
	if (!d)
		return MC_EINPUT;
	if (dlen < 16)
		goto out;
	for (int i = 0; i < 8; i++) {
		if (d[i] != 0)
			goto out;
	}
	sl = get_be32(d + 8);
	il = get_be32(d + 12);
	if (16 + sl + il != dlen)
		goto out;
	*serial = xmalloc(sl ? sl : 1);
	memcpy(*serial, d + 16, sl);
	*serial_len = sl;
	*issuer = xmalloc(il ? il : 1);
	memcpy(*issuer, d + 16 + sl, il);
	*issuer_len = il;
	ret = 0;
out:
	PORT_Free(d);
	return ret;
}

/* ---- Edits ---- */

void
override_changes_init(struct override_changes *c)
{
	memset(c, 0, sizeof(*c));
}

void
override_changes_release(struct override_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].host);
		free(c->v[i].fingerprint);
		free(c->v[i].old_line);
		free(c->v[i].new_line);
	}
	free(c->v);
	override_changes_init(c);
}

static char *
line_text(const struct override_line *l)
{
	return xstrndup(l->raw, l->len - l->eol_len);
}

static struct override_change *
change_push(struct override_changes *c, enum override_action action, const struct override_line *l)
{
	struct override_change *ch;

	if (!c)
		return NULL;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 8;
		c->v = xreallocarray(c->v, c->alloc, sizeof(*c->v));
	}
	ch = &c->v[c->n++];
	memset(ch, 0, sizeof(*ch));
	ch->action = action;
	if (l) {
		ch->lineno = l->lineno;
		ch->old_line = line_text(l);
		if (l->entry) {
			ch->host = xstrdup(l->entry->host);
			ch->port = l->entry->port;
			ch->fingerprint = xstrdup(l->entry->fingerprint);
		}
	}
	return ch;
}

/* Give l the bytes text + eol, owned, and judge them again. */
static void
line_set(struct override_line *l, const char *text, size_t tlen, const char *eol, size_t eol_len)
{
	char *raw = xmalloc(tlen + eol_len + 1);

	memcpy(raw, text, tlen);
	memcpy(raw + tlen, eol, eol_len);
	raw[tlen + eol_len] = '\0';
	if (l->owned)
		free((char *)l->raw);
	free(l->entry);
	l->entry = NULL;
	l->raw = raw;
	l->len = tlen + eol_len;
	l->eol_len = (unsigned char)eol_len;
	l->owned = true;
	override_line_classify(l, 0);
}

static bool
attrs_eq(const char *a, const char *b)
{
	return streq(a ? a : "", b ? b : "");
}

static bool
key_matches(const struct override_entry *e, const char *host, int port, const char *origin_attrs,
	    bool any_attrs)
{
	return e && streq(e->host, host) && e->port == port && (any_attrs || attrs_eq(e->origin_attrs, origin_attrs));
}

int
override_add(struct override_file *f, enum override_era era, const char *host, int port,
	     const char *origin_attrs, const unsigned char sha256[32], const char *bits,
	     const char *dbkey_b64, struct override_changes *changes, struct mc_error *err)
{
	struct strbuf sb;
	_autofree_ char *fp = NULL;
	struct override_line *l;
	struct override_change *ch;
	size_t match = SIZE_MAX;
	int r;

	strbuf_init(&sb);
	r = override_format_entry(era, host, port, origin_attrs, sha256, bits, dbkey_b64, &sb, err);
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	if (port == -1)
		port = 443;
	fp = hex_encode(sha256, 32, true);
	for (size_t i = 0; i < f->n; i++) {
		if (key_matches(f->lines[i].entry, host, port, origin_attrs, false))
			match = i;
	}

	if (match != SIZE_MAX) {
		const struct override_entry *e;
		char eol[2];
		size_t eol_len;

		l = &f->lines[match];
		e = l->entry;
		if (streq(e->fingerprint, fp) && (e->readers & OVERRIDE_READER(era))) {
			strbuf_release(&sb);
			return 0;
		}
		ch = change_push(changes, OVERRIDE_REPLACED, l);
		eol_len = l->eol_len;
		memcpy(eol, l->raw + l->len - eol_len, eol_len);
		line_set(l, sb.buf, sb.len, eol, eol_len);
	} else {
		const char *eol = override_file_eol(f);
		size_t eol_len = strlen(eol);

		if (f->n == 0) {
			l = override_lines_push(f);
			line_set(l, OVERRIDE_HEADER1, strlen(OVERRIDE_HEADER1), eol, eol_len);
			l = override_lines_push(f);
			line_set(l, OVERRIDE_HEADER2, strlen(OVERRIDE_HEADER2), eol, eol_len);
		} else {
			l = &f->lines[f->n - 1];
			if (l->eol_len == 0) {
				/* The reader would otherwise join the new entry onto this line. */
				_autofree_ char *text = xmalloc(l->len + 1);
				_autofree_ struct override_entry *keep = steal(&l->entry);
				enum override_status st = l->status;
				const char *why = l->reason;

				memcpy(text, l->raw, l->len);
				line_set(l, text, l->len, eol, eol_len);
				/* The same bytes plus a line ending: keep what the original judgement found. */
				free(l->entry);
				l->entry = steal(&keep);
				l->status = st;
				l->reason = why;
			}
		}
		l = override_lines_push(f);
		line_set(l, sb.buf, sb.len, eol, eol_len);
		ch = change_push(changes, OVERRIDE_ADDED, NULL);
		if (ch) {
			ch->host = xstrdup(host);
			ch->port = port;
		}
	}
	if (ch) {
		free(ch->fingerprint);
		ch->fingerprint = xstrdup(fp);
		ch->new_line = strbuf_detach(&sb, NULL);
		if (!ch->host) {
			ch->host = xstrdup(host);
			ch->port = port;
		}
	}
	strbuf_release(&sb);
	return 0;
}

/* Drop every line whose why[] is set, recording a removal for each; returns the count. */
static size_t
remove_marked(struct override_file *f, const char **why, struct override_changes *changes)
{
	size_t o = 0, removed = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (why[i]) {
			struct override_change *ch = change_push(changes, OVERRIDE_REMOVED, &f->lines[i]);

			if (ch)
				ch->reason = why[i];
			override_line_release(&f->lines[i]);
			removed++;
		} else {
			if (o != i)
				f->lines[o] = f->lines[i];
			o++;
		}
	}
	f->n = o;
	return removed;
}

size_t
override_remove(struct override_file *f, const char *host, int port, const char *origin_attrs,
		struct override_changes *changes)
{
	_autofree_ const char **why = NULL;
	bool any = false;

	if (port == -1)
		port = 443;
	if (!f->n || !host)
		return 0;
	why = xzalloc(f->n * sizeof(*why));
	for (size_t i = 0; i < f->n; i++) {
		if (key_matches(f->lines[i].entry, host, port, origin_attrs, origin_attrs == NULL)) {
			why[i] = "removed";
			any = true;
		}
	}
	return any ? remove_marked(f, why, changes) : 0;
}

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Mark every entry line whose exact text (line ending aside) comes again later. */
static void
mark_duplicates(struct override_file *f, const char **why)
{
	size_t cap = 16, count = 0;
	_autofree_ size_t *slots = NULL;

	for (size_t i = 0; i < f->n; i++)
		count += f->lines[i].entry && !why[i];
	while (cap < count * 2)
		cap *= 2;
	slots = xmalloc(cap * sizeof(*slots));
	for (size_t i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t i = f->n; i-- > 0;) {
		const struct override_line *l = &f->lines[i];
		size_t n = l->len - l->eol_len;
		size_t s;

		if (!l->entry || why[i])
			continue;
		for (s = hash_bytes(l->raw, n) & (cap - 1); slots[s] != SIZE_MAX; s = (s + 1) & (cap - 1)) {
			const struct override_line *o = &f->lines[slots[s]];

			if (o->len - o->eol_len == n && memcmp(o->raw, l->raw, n) == 0)
				break;
		}
		if (slots[s] == SIZE_MAX)
			slots[s] = i;
		else
			why[i] = "duplicate of a later line";
	}
}

size_t
override_prune(struct override_file *f, enum override_era reader, unsigned flags,
	       bool (*is_expired)(const struct override_entry *e, void *ctx), void *ctx,
	       struct override_changes *changes)
{
	_autofree_ const char **why = NULL;
	bool any = false;

	if (reader < OVERRIDE_ERA_A || reader > OVERRIDE_ERA_D)
		reader = OVERRIDE_ERA_D;
	if (!f->n)
		return 0;
	why = xzalloc(f->n * sizeof(*why));
	if (flags & OVERRIDE_PRUNE_INVALID) {
		for (size_t i = 0; i < f->n; i++) {
			const struct override_line *l = &f->lines[i];

			if (l->status == OVERRIDE_LINE_COMMENT || l->status == OVERRIDE_LINE_BLANK)
				continue;
			if (!l->entry)
				why[i] = l->reason ? l->reason : "malformed line";
			else if (!(l->entry->readers & OVERRIDE_READER(reader)))
				why[i] = l->reason ? l->reason : "a format this application version does not read";
		}
	}
	if (flags & OVERRIDE_PRUNE_DUPLICATES)
		mark_duplicates(f, why);
	if ((flags & OVERRIDE_PRUNE_EXPIRED) && is_expired) {
		for (size_t i = 0; i < f->n; i++) {
			if (!why[i] && f->lines[i].entry && is_expired(f->lines[i].entry, ctx))
				why[i] = "certificate expired";
		}
	}
	for (size_t i = 0; i < f->n && !any; i++)
		any = why[i] != NULL;
	return any ? remove_marked(f, why, changes) : 0;
}
