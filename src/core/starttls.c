/* SPDX-License-Identifier: MPL-2.0 */
/*
 * starttls.c: SMTP (RFC 3207), IMAP (RFC 3501 6.2.1), POP3 (RFC 2595 4) and
 * LDAP (RFC 4511 4.14) preambles before TLS, on a non-blocking socket with
 * every wait bounded by poll.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "starttls.h"
#include "util.h"
#include "banned.h"

static const char *const names[] = {"none", "smtp", "imap", "pop3", "ldap"};
static const char *const upper[] = {"TLS", "SMTP", "IMAP", "POP3", "LDAP"};

const char *
starttls_name(enum starttls_proto p)
{
	return p >= STARTTLS_NONE && p <= STARTTLS_LDAP ? names[p] : "auto";
}

int
starttls_parse(const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(arg, names[i]) == 0)
			return (int)i;
	return -1;
}

enum starttls_proto
starttls_for_port(int port)
{
	switch (port) {
	case 25:
	case 587:
		return STARTTLS_SMTP;
	case 143:
		return STARTTLS_IMAP;
	case 110:
		return STARTTLS_POP3;
	case 389:
		return STARTTLS_LDAP;
	default:
		return STARTTLS_NONE;
	}
}

int64_t
starttls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
starttls_printable(const unsigned char *buf, size_t n, size_t max)
{
	const unsigned char *nl = memchr(buf, '\n', n);
	size_t line = nl ? (size_t)(nl - buf) : n, k = line < max ? line : max;
	char *s = xzalloc(k + 4);

	/* the first line, without its end */
	if (k == line && k && buf[k - 1] == '\r')
		k--;
	for (size_t i = 0; i < k; i++)
		s[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
	if (line > max)
		memcpy(s + k, "...", 4);
	return s;
}

static bool
starts(const unsigned char *buf, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && strncasecmp((const char *)buf, prefix, k) == 0;
}

const char *
starttls_sniff(const unsigned char *buf, size_t n)
{
	if (n == 0)
		return NULL;
	if (starts(buf, n, "* OK") || starts(buf, n, "* PREAUTH") || starts(buf, n, "* BYE"))
		return "IMAP";
	if (starts(buf, n, "+OK") || starts(buf, n, "-ERR"))
		return "POP3";
	if (starts(buf, n, "SSH-"))
		return "SSH";
	if (starts(buf, n, "HTTP/") || starts(buf, n, "<!DOCTYPE") || starts(buf, n, "<html"))
		return "HTTP";
	if (n >= 4 && (starts(buf, n, "220") || starts(buf, n, "421") || starts(buf, n, "554")) &&
	    (buf[3] == ' ' || buf[3] == '-')) {
		/* SMTP and FTP both greet with 220 */
		for (size_t i = 4; i + 3 <= n && buf[i] != '\n'; i++)
			if (strncasecmp((const char *)buf + i, "FTP", 3) == 0)
				return "FTP";
		return "SMTP";
	}
	/* an LDAPMessage: SEQUENCE { INTEGER messageID, [APPLICATION n] ... } */
	if (n >= 5 && buf[0] == 0x30 && (buf[1] < 0x80 || buf[1] == 0x81 || buf[1] == 0x82 || buf[1] == 0x84))
		return "LDAP";
	return NULL;
}

/* ---- bounded I/O ---- */

struct conn {
	int fd;
	int step_ms;
	int64_t deadline;
	const char *where;
	const char *proto;      /* "IMAP" */
	unsigned char buf[STARTTLS_LINE_MAX];
	size_t len;             /* bytes in buf */
	size_t total;           /* every byte read so far */
};

/* Wait until fd is ready for ev; what names the wait in a timeout message. */
static int
wait_fd(struct conn *c, short ev, const char *what, struct mc_error *err)
{
	int64_t start = starttls_now_ms(), end = start + c->step_ms;

	if (end > c->deadline)
		end = c->deadline;
	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = ev};
		int64_t left = end - starttls_now_ms();
		int r;

		if (left <= 0)
			return mc_error_set(err, MC_EFAIL, "%s: timed out %s (after %.1f s)", c->where, what,
					    (double)(starttls_now_ms() - start) / 1000.0);
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return mc_error_sys(err, "%s: poll", c->where);
	}
}

static int
send_all(struct conn *c, const void *data, size_t len, struct mc_error *err)
{
	const unsigned char *p = data;

	while (len) {
		ssize_t w = send(c->fd, p, len, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			int ret = wait_fd(c, POLLOUT, "sending", err);

			if (ret < 0)
				return ret;
			continue;
		}
		if (w < 0)
			return mc_error_sys(err, "%s: %s: cannot send", c->where, c->proto);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read more bytes into c->buf (at least one); what names the wait. */
static int
fill(struct conn *c, const char *what, struct mc_error *err)
{
	for (;;) {
		ssize_t r;
		int ret;

		if (c->len >= sizeof(c->buf))
			return mc_error_set(err, MC_EFAIL, "%s: %s: the server's reply line is longer than %d bytes "
					    "(is this a %s server?)", c->where, c->proto, STARTTLS_LINE_MAX, c->proto);
		if (c->total >= STARTTLS_TOTAL_MAX)
			return mc_error_set(err, MC_EFAIL, "%s: %s: the server sent more than %d bytes before TLS",
					    c->where, c->proto, STARTTLS_TOTAL_MAX);
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r > 0) {
			c->len += (size_t)r;
			c->total += (size_t)r;
			return 0;
		}
		if (r == 0)
			return mc_error_set(err, MC_EFAIL, "%s: %s: the server closed the connection %s", c->where,
					    c->proto, what);
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return mc_error_sys(err, "%s: %s: connection lost %s", c->where, c->proto, what);
		if ((ret = wait_fd(c, POLLIN, what, err)) < 0)
			return ret;
	}
}

/* One line (CRLF or LF ended) into line (NUL-terminated, end of line removed). */
static int
read_line(struct conn *c, char *line, const char *what, struct mc_error *err)
{
	for (;;) {
		unsigned char *nl = memchr(c->buf, '\n', c->len);

		if (nl) {
			size_t k = (size_t)(nl - c->buf);

			memcpy(line, c->buf, k);
			line[k] = '\0';
			if (k && line[k - 1] == '\r')
				line[k - 1] = '\0';
			memmove(c->buf, nl + 1, c->len - k - 1);
			c->len -= k + 1;
			for (char *s = line; *s; s++)
				if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
					*s = '.';
			return 0;
		}
		int ret = fill(c, what, err);

		if (ret < 0)
			return ret;
	}
}

/* the line, shortened for a message */
static char *
quoted(const char *line)
{
	return starttls_printable((const unsigned char *)line, strlen(line), 120);
}

static int
wrong_greeting(struct conn *c, const char *line, const char *expected, struct mc_error *err)
{
	const char *looks = starttls_sniff((const unsigned char *)line, strlen(line));
	_autofree_ char *q = quoted(line);

	if (looks && !streq(looks, c->proto))
		return mc_error_set(err, MC_EFAIL, "%s: expected a %s greeting (%s); the server said '%s' (that looks "
				    "like %s): give the right --starttls", c->where, c->proto, expected, q, looks);
	return mc_error_set(err, MC_EFAIL, "%s: %s: the server refused the connection: '%s'", c->where, c->proto, q);
}

static bool
has_word(const char *line, const char *word)
{
	size_t k = strlen(word);

	for (const char *s = line; (s = strcasestr(s, word)); s += k) {
		bool before = s == line || *(s - 1) == ' ' || *(s - 1) == '-';
		bool after = !s[k] || s[k] == ' ' || s[k] == ']';

		if (before && after)
			return true;
	}
	return false;
}

/* ---- SMTP ---- */

/* A whole (multi-line) reply: its code, whether word is in it. */
static int
smtp_reply(struct conn *c, char *line, const char *what, const char *word, int *code, bool *found,
	   struct mc_error *err)
{
	int ret;

	*found = false;
	for (;;) {
		if ((ret = read_line(c, line, what, err)) < 0)
			return ret;
		if (strlen(line) < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
		    line[2] < '0' || line[2] > '9' || (line[3] && line[3] != ' ' && line[3] != '-'))
			return wrong_greeting(c, line, "a 3-digit reply", err);
		*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (word && line[3] && has_word(line + 4, word))
			*found = true;
		if (line[3] != '-')
			return 0;
	}
}

static int
smtp(struct conn *c, struct mc_error *err)
{
	char *line = xmalloc(STARTTLS_LINE_MAX + 1);
	int code, ret;
	bool found;

	if ((ret = smtp_reply(c, line, "waiting for the SMTP greeting", NULL, &code, &found, err)) < 0)
		goto out;
	if (code != 220) {
		_autofree_ char *q = quoted(line);

		ret = mc_error_set(err, MC_EFAIL, "%s: SMTP: the server refused the connection: '%s'", c->where, q);
		goto out;
	}
	if ((ret = send_all(c, "EHLO mozcert.invalid\r\n", 22, err)) < 0 ||
	    (ret = smtp_reply(c, line, "waiting for the EHLO reply", "STARTTLS", &code, &found, err)) < 0)
		goto out;
	if (code != 250 || !found) {
		_autofree_ char *q = quoted(line);

		if (code != 250)
			ret = mc_error_set(err, MC_EFAIL, "%s: SMTP: STARTTLS not offered (EHLO refused: '%s')",
					   c->where, q);
		else
			ret = mc_error_set(err, MC_EFAIL, "%s: SMTP: STARTTLS not offered (the EHLO reply does not "
					   "list it)", c->where);
		goto out;
	}
	if ((ret = send_all(c, "STARTTLS\r\n", 10, err)) < 0 ||
	    (ret = smtp_reply(c, line, "waiting for the STARTTLS reply", NULL, &code, &found, err)) < 0)
		goto out;
	if (code != 220) {
		_autofree_ char *q = quoted(line);

		ret = mc_error_set(err, MC_EFAIL, "%s: SMTP: STARTTLS refused: '%s'", c->where, q);
	}
out:
	free(line);
	return ret;
}

/* ---- IMAP ---- */

/* Read lines up to the tagged reply of tag; *cap set when an untagged CAPABILITY (or the tagged line) lists STARTTLS. */
static int
imap_tagged(struct conn *c, char *line, const char *tag, const char *what, bool *cap, struct mc_error *err)
{
	size_t k = strlen(tag);
	int ret;

	for (;;) {
		if ((ret = read_line(c, line, what, err)) < 0)
			return ret;
		if (strncasecmp(line, "* CAPABILITY ", 13) == 0 || strncasecmp(line, tag, k) == 0)
			if (has_word(line, "STARTTLS"))
				*cap = true;
		if (strncasecmp(line, tag, k) == 0 && line[k] == ' ')
			return 0;
		if (line[0] != '*' && line[0] != '+')
			return wrong_greeting(c, line, "'* ...' lines", err);
	}
}

static int
imap(struct conn *c, struct mc_error *err)
{
	char *line = xmalloc(STARTTLS_LINE_MAX + 1);
	bool cap = false, ignored = false;
	int ret;

	if ((ret = read_line(c, line, "waiting for the IMAP greeting", err)) < 0)
		goto out;
	if (strncasecmp(line, "* OK", 4) != 0) {
		if (strncasecmp(line, "* PREAUTH", 9) == 0 || strncasecmp(line, "* BYE", 5) == 0) {
			_autofree_ char *q = quoted(line);

			ret = mc_error_set(err, MC_EFAIL, "%s: IMAP: STARTTLS refused: the server greeted '%s'",
					   c->where, q);
		} else {
			ret = wrong_greeting(c, line, "'* OK'", err);
		}
		goto out;
	}
	if ((ret = send_all(c, "a1 CAPABILITY\r\n", 15, err)) < 0 ||
	    (ret = imap_tagged(c, line, "a1", "waiting for the CAPABILITY reply", &cap, err)) < 0)
		goto out;
	if (!cap) {
		ret = mc_error_set(err, MC_EFAIL, "%s: IMAP: STARTTLS not offered (CAPABILITY does not list it)",
				   c->where);
		goto out;
	}
	if ((ret = send_all(c, "a2 STARTTLS\r\n", 13, err)) < 0 ||
	    (ret = imap_tagged(c, line, "a2", "waiting for the STARTTLS reply", &ignored, err)) < 0)
		goto out;
	if (strncasecmp(line + 3, "OK", 2) != 0) {
		_autofree_ char *q = quoted(line);

		ret = mc_error_set(err, MC_EFAIL, "%s: IMAP: STARTTLS refused: '%s'", c->where, q);
	}
out:
	free(line);
	return ret;
}

/* ---- POP3 ---- */

static int
pop3(struct conn *c, struct mc_error *err)
{
	char *line = xmalloc(STARTTLS_LINE_MAX + 1);
	bool stls = false, capa_ok;
	int ret;

	if ((ret = read_line(c, line, "waiting for the POP3 greeting", err)) < 0)
		goto out;
	if (strncmp(line, "+OK", 3) != 0) {
		ret = wrong_greeting(c, line, "'+OK'", err);
		goto out;
	}
	if ((ret = send_all(c, "CAPA\r\n", 6, err)) < 0 ||
	    (ret = read_line(c, line, "waiting for the CAPA reply", err)) < 0)
		goto out;
	capa_ok = strncmp(line, "+OK", 3) == 0;
	while (capa_ok) {
		if ((ret = read_line(c, line, "reading the CAPA list", err)) < 0)
			goto out;
		if (streq(line, "."))
			break;
		if (strcasecmp(line, "STLS") == 0 || strncasecmp(line, "STLS ", 5) == 0)
			stls = true;
	}
	if (capa_ok && !stls) {
		ret = mc_error_set(err, MC_EFAIL, "%s: POP3: STARTTLS not offered (CAPA does not list STLS)", c->where);
		goto out;
	}
	/* a server without CAPA may still know STLS: ask */
	if ((ret = send_all(c, "STLS\r\n", 6, err)) < 0 ||
	    (ret = read_line(c, line, "waiting for the STLS reply", err)) < 0)
		goto out;
	if (strncmp(line, "+OK", 3) != 0) {
		_autofree_ char *q = quoted(line);

		ret = mc_error_set(err, MC_EFAIL, "%s: POP3: STARTTLS %s: '%s'", c->where,
				   capa_ok ? "refused" : "not offered (no CAPA, and STLS failed)", q);
	}
out:
	free(line);
	return ret;
}

/* ---- LDAP ---- */

/* BER length at *p (of avail bytes): -1 malformed, -2 incomplete; else the length, *hdr its bytes. */
static long
ber_len(const unsigned char *p, size_t avail, size_t *hdr)
{
	size_t k;
	long v = 0;

	if (avail < 1)
		return -2;
	if (p[0] < 0x80) {
		*hdr = 1;
		return p[0];
	}
	k = p[0] & 0x7f;
	if (k == 0 || k > 3)
		return -1;
	if (avail < 1 + k)
		return -2;
	for (size_t i = 0; i < k; i++)
		v = v << 8 | p[1 + i];
	*hdr = 1 + k;
	return v;
}

static const char *
ldap_result_name(int code)
{
	switch (code) {
	case 1: return "operationsError";
	case 2: return "protocolError";
	case 12: return "unavailableCriticalExtension";
	case 13: return "confidentialityRequired";
	case 50: return "insufficientAccessRights";
	case 51: return "busy";
	case 52: return "unavailable";
	case 53: return "unwillingToPerform";
	case 80: return "other";
	default: return "resultCode";
	}
}

static int
ldap(struct conn *c, struct mc_error *err)
{
	/* LDAPMessage { messageID 1, [APPLICATION 23] ExtendedRequest { [0] requestName "1.3.6.1.4.1.1466.20037" } } */
	static const unsigned char req[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16,
					    '1', '.', '3', '.', '6', '.', '1', '.', '4', '.', '1', '.',
					    '1', '4', '6', '6', '.', '2', '0', '0', '3', '7'};
	size_t hdr = 0, at, h2 = 0;
	long len, l2;
	int ret, code;
	const unsigned char *m;
	_autofree_ unsigned char *msg = NULL;

	if ((ret = send_all(c, req, sizeof(req), err)) < 0)
		return ret;
	for (;;) {
		if (c->len >= 2 && c->buf[0] != 0x30) {
			const char *looks = starttls_sniff(c->buf, c->len);
			_autofree_ char *q = starttls_printable(c->buf, c->len, 80);

			return mc_error_set(err, MC_EFAIL, "%s: expected an LDAP reply; the server said '%s'%s%s%s",
					    c->where, q, looks ? " (that looks like " : "", looks ? looks : "",
					    looks ? "): give the right --starttls" : "");
		}
		len = c->len >= 2 ? ber_len(c->buf + 1, c->len - 1, &hdr) : -2;
		if (len == -1 || len > (long)sizeof(c->buf) - 8)
			return mc_error_set(err, MC_EFAIL, "%s: LDAP: a malformed or oversized reply to StartTLS", c->where);
		if (len >= 0 && c->len >= 1 + hdr + (size_t)len)
			break;
		if ((ret = fill(c, "waiting for the StartTLS reply", err)) < 0)
			return ret;
	}
	/* the reply is read whole; anything after it is counted by starttls_run */
	msg = xmalloc((size_t)len + 1);
	memcpy(msg, c->buf + 1 + hdr, (size_t)len);
	memmove(c->buf, c->buf + 1 + hdr + (size_t)len, c->len - 1 - hdr - (size_t)len);
	c->len -= 1 + hdr + (size_t)len;
	/* messageID, then the operation: [APPLICATION 24] ExtendedResponse { resultCode ENUMERATED, matchedDN, diagnosticMessage ... } */
	m = msg;
	at = 0;
	if ((size_t)len < 3 || m[0] != 0x02 || m[1] < 1 || m[1] > 4 || (size_t)len < 2u + m[1] + 2)
		return mc_error_set(err, MC_EFAIL, "%s: LDAP: a malformed reply to StartTLS", c->where);
	at = 2u + m[1];
	if (m[at] != 0x78)
		return mc_error_set(err, MC_EFAIL, "%s: LDAP: the reply to StartTLS is no extended response", c->where);
	l2 = ber_len(m + at + 1, (size_t)len - at - 1, &h2);
	at += 1 + h2;
	if (l2 < 3 || at + (size_t)l2 > (size_t)len || m[at] != 0x0a || m[at + 1] != 1)
		return mc_error_set(err, MC_EFAIL, "%s: LDAP: a malformed reply to StartTLS", c->where);
	code = m[at + 2];
	if (code != 0) {
		/* the diagnosticMessage: the second OCTET STRING after the result code */
		size_t p = at + 3, end = at + (size_t)l2;
		_autofree_ char *diag = NULL;

		for (int i = 0; i < 2 && p + 2 <= end && m[p] == 0x04; i++) {
			size_t h3 = 0;
			long l3 = ber_len(m + p + 1, end - p - 1, &h3);

			if (l3 < 0 || p + 1 + h3 + (size_t)l3 > end)
				break;
			if (i == 1 && l3 > 0)
				diag = starttls_printable(m + p + 1 + h3, (size_t)l3, 120);
			p += 1 + h3 + (size_t)l3;
		}
		return mc_error_set(err, MC_EFAIL, "%s: LDAP: STARTTLS %s: resultCode %d (%s)%s%s", c->where,
				    code == 2 || code == 52 || code == 53 ? "not offered or refused" : "refused", code,
				    ldap_result_name(code), diag ? ": " : "", diag ? diag : "");
	}
	return 0;
}

int
starttls_run(int fd, enum starttls_proto p, int step_ms, int64_t deadline, const char *where,
	     struct mc_error *err)
{
	struct conn *c;
	int ret;

	if (p <= STARTTLS_NONE || p > STARTTLS_LDAP)
		return 0;
	c = xzalloc(sizeof(*c));
	c->fd = fd;
	c->step_ms = step_ms;
	c->deadline = deadline;
	c->where = where;
	c->proto = upper[p];
	switch (p) {
	case STARTTLS_SMTP:
		ret = smtp(c, err);
		break;
	case STARTTLS_IMAP:
		ret = imap(c, err);
		break;
	case STARTTLS_POP3:
		ret = pop3(c, err);
		break;
	default:
		ret = ldap(c, err);
		break;
	}
	/* a server that sent more than its reply is out of step with us */
	if (ret == 0 && c->len)
		ret = mc_error_set(err, MC_EFAIL, "%s: %s: the server sent more than its STARTTLS reply", where, c->proto);
	free(c);
	return ret;
}
