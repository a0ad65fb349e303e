/* SPDX-License-Identifier: MPL-2.0 */
/*
 * aia-fetch.c: a certificate's issuer from its AIA caIssuers URL. The HTTP
 * client is plain POSIX sockets (non-blocking, every wait bounded by poll);
 * the answer is decoded by certpkg_parse (DER or PKCS#7 certs-only) and the
 * issuer is checked with NSS: subject equal to the child's issuer and its
 * public key verifying the child's signature.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cert.h>
#include <pk11pub.h>
#include <secerr.h>

#include "aia-fetch.h"
#include "cert-input.h"
#include "starttls.h"
#include "util.h"
#include "banned.h"

#define HEAD_MAX 16384

struct http_url {
	char host[256];
	char port[8];
	char path[2048];
};

/* http://HOST[:PORT][/PATH] or http://[V6][:PORT][/PATH]; anything else is refused. */
static int
url_parse(const char *url, struct http_url *u, struct mc_error *err)
{
	const char *h, *end, *pe;
	size_t hl;

	if (strncasecmp(url, "http://", 7) != 0)
		return mc_error_set(err, MC_EFAIL, "'%s': only http:// URLs are fetched", url);
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return mc_error_set(err, MC_EFAIL, "'%s': a space or control character in the URL", url);
	h = url + 7;
	pe = h + strcspn(h, "/?#");
	if (*h == '[') {
		end = memchr(h, ']', (size_t)(pe - h));
		if (!end)
			return mc_error_set(err, MC_EFAIL, "'%s': bad IPv6 address", url);
		hl = (size_t)(end - h - 1);
		h++;
		end++;
	} else {
		end = memchr(h, ':', (size_t)(pe - h));
		if (!end)
			end = pe;
		hl = (size_t)(end - h);
	}
	if (hl == 0 || hl >= sizeof(u->host) || memchr(h, '@', hl))
		return mc_error_set(err, MC_EFAIL, "'%s': bad host", url);
	memcpy(u->host, h, hl);
	u->host[hl] = '\0';
	if (*end == ':') {
		size_t pl = (size_t)(pe - end - 1);
		char *e;
		long v;

		if (pl == 0 || pl >= sizeof(u->port))
			return mc_error_set(err, MC_EFAIL, "'%s': bad port", url);
		memcpy(u->port, end + 1, pl);
		u->port[pl] = '\0';
		v = strtol(u->port, &e, 10);
		if (*e || v < 1 || v > 65535)
			return mc_error_set(err, MC_EFAIL, "'%s': bad port", url);
	} else if (end != pe) {
		return mc_error_set(err, MC_EFAIL, "'%s': bad host", url);
	} else {
		snprintf(u->port, sizeof(u->port), "80");
	}
	if (strlen(pe) + 2 > sizeof(u->path))
		return mc_error_set(err, MC_EFAIL, "'%s': URL too long", url);
	snprintf(u->path, sizeof(u->path), "%s%s", *pe == '/' ? "" : "/", pe);
	/* the fragment is not sent */
	u->path[strcspn(u->path, "#")] = '\0';
	return 0;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Wait for events on s until end; 1 ready, 0 timed out, -1 error (errno). */
static int
wait_fd(int s, short events, int64_t end)
{
	for (;;) {
		struct pollfd pfd = {.fd = s, .events = events};
		int64_t left = end - starttls_now_ms();
		int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? 1 : r;
	}
}

static int
http_connect(const struct http_url *u, const char *url, int timeout_ms, int64_t deadline, int *fd,
	     struct mc_error *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
	int g, last = 0;

	g = getaddrinfo(u->host, u->port, &hints, &res);
	if (g != 0)
		return mc_error_set(err, MC_EFAIL, "'%s': cannot resolve '%s': %s", url, u->host,
				    g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	for (struct addrinfo *ai = res; ai && starttls_now_ms() < deadline; ai = ai->ai_next) {
		int s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol), e = 0;
		socklen_t el = sizeof(e);

		if (s < 0) {
			last = errno;
			continue;
		}
		if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			e = errno;
		} else {
			int r = wait_fd(s, POLLOUT, min64(starttls_now_ms() + timeout_ms, deadline));

			if (r == 0)
				e = ETIMEDOUT;
			else if (r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
				e = errno;
		}
		if (e == 0) {
			*fd = s;
			freeaddrinfo(res);
			return 0;
		}
		close(s);
		last = e;
	}
	freeaddrinfo(res);
	if (last == ETIMEDOUT || last == 0)
		return mc_error_set(err, MC_EFAIL, "'%s': timed out connecting (after %.1f s)", url, timeout_ms / 1000.0);
	return mc_error_set(err, MC_EFAIL, "'%s': cannot connect: %s", url,
			    last == ECONNREFUSED ? "connection refused (no server listens there)" : strerror(last));
}

/* The value of header name in the header block head (NUL-terminated), into out; false when absent. */
static bool
header_value(const char *head, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);

	for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
		const char *v = l + 2, *e;
		size_t vl;

		if (strncasecmp(v, name, nl) != 0 || v[nl] != ':')
			continue;
		v += nl + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		e = strstr(v, "\r\n");
		vl = e ? (size_t)(e - v) : strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		if (vl >= cap)
			vl = cap - 1;
		memcpy(out, v, vl);
		out[vl] = '\0';
		return true;
	}
	return false;
}

/* An HTTP answer as it is read: the bytes, and once the header block is in, its parts. */
struct http_answer {
	unsigned char *buf;
	size_t used, cap;
	size_t head_len;     /* 0 until the end of the header block is read */
	long long clen;      /* Content-Length; -1 when absent */
	int status;
	char head[HEAD_MAX + 1];
};

/* Send the whole request (rl bytes), each wait bounded by timeout_ms and by deadline. */
static int
http_send(int fd, const char *req, size_t rl, const char *url, int timeout_ms, int64_t deadline,
	  struct mc_error *err)
{
	size_t sent = 0;

	while (sent < rl) {
		ssize_t w;
		int r = wait_fd(fd, POLLOUT, min64(starttls_now_ms() + timeout_ms, deadline));

		if (r <= 0)
			return mc_error_set(err, MC_EFAIL, "'%s': timed out sending the request", url);
		w = send(fd, req + sent, rl - sent, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0)
			return mc_error_set(err, MC_EFAIL, "'%s': sending the request: %s", url, strerror(errno));
		sent += (size_t)w;
	}
	return 0;
}

/*
 * Look for the end of the header block in what was read; once found, the
 * status and Content-Length. 0: read on; 1: the status is not 200, the body
 * is not wanted; <0: not an HTTP answer, or one too large.
 */
static int
http_head(struct http_answer *a, const char *url, struct mc_error *err)
{
	size_t lim = a->used < HEAD_MAX ? a->used : HEAD_MAX;
	unsigned char *e = NULL;
	char v[2048];

	for (size_t i = 0; i + 3 < lim && !e; i++)
		if (memcmp(a->buf + i, "\r\n\r\n", 4) == 0)
			e = a->buf + i;
	if (!e && a->used >= HEAD_MAX)
		return mc_error_set(err, MC_EFAIL, "'%s': not an HTTP answer (no end of headers in %d bytes)", url,
				    HEAD_MAX);
	if (!e)
		return 0;
	a->head_len = (size_t)(e - a->buf) + 4;
	memcpy(a->head, a->buf, a->head_len - 2);
	a->head[a->head_len - 2] = '\0';
	if (sscanf(a->head, "HTTP/%*d.%*d %3d", &a->status) != 1 || a->status < 100)
		return mc_error_set(err, MC_EFAIL, "'%s': not an HTTP answer", url);
	if (header_value(a->head, "Content-Length", v, sizeof(v))) {
		char *ce;

		a->clen = strtoll(v, &ce, 10);
		if (*ce || a->clen < 0)
			return mc_error_set(err, MC_EFAIL, "'%s': bad Content-Length '%s'", url, v);
	}
	if (a->status != 200)
		return 1;
	if (a->clen > (long long)AIA_MAX_BYTES)
		return mc_error_set(err, MC_EFAIL, "'%s': the answer is %lld bytes, more than the %u "
				    "bytes (1 MiB) fetched", url, a->clen, AIA_MAX_BYTES);
	return 0;
}

/* Read until close, the end of the body, or a bound. */
static int
http_read(int fd, const char *url, int timeout_ms, int64_t deadline, struct http_answer *a, struct mc_error *err)
{
	for (;;) {
		ssize_t r;
		int w, h;

		if (a->head_len && a->clen >= 0 && a->used - a->head_len >= (size_t)a->clen)
			break;
		if (a->cap - a->used < 65536) {
			a->cap = a->cap ? a->cap * 2 : 65536;
			a->buf = xrealloc(a->buf, a->cap);
		}
		w = wait_fd(fd, POLLIN, min64(starttls_now_ms() + timeout_ms, deadline));
		if (w <= 0 && starttls_now_ms() >= deadline)
			return mc_error_set(err, MC_EFAIL, "'%s': gave up after %.1f s, the bound of the whole fetch",
					    url, 3 * timeout_ms / 1000.0);
		if (w <= 0)
			return mc_error_set(err, MC_EFAIL, "'%s': timed out waiting for the %s (after %.1f s)", url,
					    a->head_len ? "body" : "answer", timeout_ms / 1000.0);
		r = recv(fd, a->buf + a->used, a->cap - a->used, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return mc_error_set(err, MC_EFAIL, "'%s': reading the answer: %s", url, strerror(errno));
		if (r == 0)
			break;
		a->used += (size_t)r;
		if (!a->head_len && (h = http_head(a, url, err)) != 0) {
			if (h < 0)
				return h;
			break;
		}
		if (a->head_len && a->used - a->head_len > AIA_MAX_BYTES)
			return mc_error_set(err, MC_EFAIL, "'%s': the answer is more than the %u bytes (1 MiB) fetched",
					    url, AIA_MAX_BYTES);
	}
	return 0;
}

/* What a complete answer means: its body (200), a redirect's *location and *redirect status, or an error. */
static int
http_result(const struct http_answer *a, const struct http_url *u, const char *url, unsigned char **body,
	    size_t *len, char **location, int *redirect, struct mc_error *err)
{
	int status = a->status;
	char v[2048];

	if (!a->head_len)
		return mc_error_set(err, MC_EFAIL, "'%s': %s", url, a->used ? "not an HTTP answer" : "the server closed "
				    "the connection without answering");
	if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
		if (!header_value(a->head, "Location", v, sizeof(v)))
			return mc_error_set(err, MC_EFAIL, "'%s': HTTP %d without a Location", url, status);
		*redirect = status;
		*location = v[0] == '/' ? xasprintf("http://%s%s%s%s%s", strchr(u->host, ':') ? "[" : "", u->host,
						     strchr(u->host, ':') ? "]:" : ":", u->port, v)
					: xstrdup(v);
		return 0;
	}
	if (status != 200) {
		const char *sp = strchr(a->head, ' ');
		size_t rl = strcspn(sp ? sp + 1 : "", "\r\n");

		return mc_error_set(err, MC_EFAIL, "'%s': HTTP %.*s", url, (int)(rl > 100 ? 100 : rl), sp ? sp + 1 : "");
	}
	if (a->clen >= 0 && a->used - a->head_len < (size_t)a->clen)
		return mc_error_set(err, MC_EFAIL, "'%s': the answer ended after %zu of its %lld bytes", url,
				    a->used - a->head_len, a->clen);
	*len = a->clen >= 0 ? (size_t)a->clen : a->used - a->head_len;
	*body = xmalloc(*len ? *len : 1);
	memcpy(*body, a->buf + a->head_len, *len);
	return 0;
}

/*
 * The request line and headers of a GET, or of a POST of post_len bytes of
 * ctype when post is not NULL, followed by the body; *rl its length.
 */
static char *
http_request_bytes(const struct http_url *u, const char *ctype, const unsigned char *post, size_t post_len,
		   size_t *rl)
{
	_autofree_ char *clh = post ? xasprintf("Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, post_len)
				  : NULL;
	char *req = xasprintf("%s %s HTTP/1.0\r\nHost: %s%s%s%s%s\r\nUser-Agent: mozcert\r\n"
			      "Accept: %s\r\n%sConnection: close\r\n\r\n", post ? "POST" : "GET",
			      u->path, strchr(u->host, ':') ? "[" : "", u->host, strchr(u->host, ':') ? "]" : "",
			      streq(u->port, "80") ? "" : ":", streq(u->port, "80") ? "" : u->port,
			      post ? "*/*" : "application/pkix-cert, application/pkcs7-mime, */*", clh ? clh : "");
	size_t hl = strlen(req);

	*rl = hl + (post ? post_len : 0);
	req = xrealloc(req, *rl + 1);
	if (post)
		memcpy(req + hl, post, post_len);
	req[*rl] = '\0';
	return req;
}

/*
 * One request: GET, or POST of post (post_len bytes of ctype) when post is
 * not NULL. 200 -> *body; a redirect -> *location (malloc'd) and *redirect
 * (its status), no body.
 */
static int
http_once(const char *url, const char *ctype, const unsigned char *post, size_t post_len, int timeout_ms,
	  int64_t deadline, unsigned char **body, size_t *len, char **location, int *redirect, struct mc_error *err)
{
	struct http_url u;
	struct http_answer a = { .clen = -1 };
	_autofree_ char *req = NULL;
	size_t rl;
	int fd = -1, ret;

	*body = NULL;
	*len = 0;
	*location = NULL;
	if ((ret = url_parse(url, &u, err)) < 0)
		return ret;
	if ((ret = http_connect(&u, url, timeout_ms, deadline, &fd, err)) < 0)
		return ret;
	req = http_request_bytes(&u, ctype, post, post_len, &rl);
	if ((ret = http_send(fd, req, rl, url, timeout_ms, deadline, err)) == 0 &&
	    (ret = http_read(fd, url, timeout_ms, deadline, &a, err)) == 0)
		ret = http_result(&a, &u, url, body, len, location, redirect, err);
	free(a.buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * A redirect is followed as browsers do (RFC 9110 15.4): 307 and 308 repeat
 * the POST, 301, 302 and 303 turn it into a GET.
 */
static int
http_request(const char *url, const char *ctype, const unsigned char *post, size_t post_len, int timeout_ms,
	     unsigned char **body, size_t *len, struct mc_error *err)
{
	int64_t deadline = starttls_now_ms() + 3 * (int64_t)timeout_ms;
	_autofree_ char *cur = xstrdup(url);

	for (int hops = 0;; hops++) {
		char *loc = NULL;
		int last_status = 0;
		int ret = http_once(cur, ctype, post, post_len, timeout_ms, deadline, body, len, &loc, &last_status, err);

		if (ret < 0)
			return ret;
		if (!loc)
			return 0;
		if (hops == AIA_MAX_REDIRECTS) {
			free(loc);
			return mc_error_set(err, MC_EFAIL, "'%s': more than %d redirects", url, AIA_MAX_REDIRECTS);
		}
		if (strncasecmp(loc, "http://", 7) != 0) {
			ret = mc_error_set(err, MC_EFAIL, "'%s': redirected to '%.200s', not an http:// URL", url, loc);
			free(loc);
			return ret;
		}
		free(cur);
		cur = loc;
		if (last_status != 307 && last_status != 308)
			post = NULL;
	}
}

int
aia_http_get(const char *url, int timeout_ms, unsigned char **body, size_t *len, struct mc_error *err)
{
	return http_request(url, NULL, NULL, 0, timeout_ms, body, len, err);
}

int
aia_http_post(const char *url, const char *ctype, const unsigned char *post, size_t post_len, int timeout_ms,
	      unsigned char **body, size_t *len, struct mc_error *err)
{
	return http_request(url, ctype, post, post_len, timeout_ms, body, len, err);
}

int
aia_fetch_issuer(const char *url, const unsigned char *child, size_t child_len, int timeout_ms,
		 struct aia_issuer *out, struct mc_error *err)
{
	struct der_list l = {0};
	struct mc_error e = {0};
	unsigned char *body = NULL;
	size_t len = 0;
	CERTCertificate *c;
	SECItem ci = {siBuffer, (unsigned char *)child, (unsigned int)child_len};

	memset(out, 0, sizeof(*out));
	c = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &ci, NULL, PR_FALSE, PR_TRUE);
	if (!c)
		return mc_error_set(err, MC_EFAIL, "cannot decode the certificate whose issuer is fetched");
	if (aia_http_get(url, timeout_ms, &body, &len, &e) < 0) {
		out->error = xstrdup(e.msg);
		goto out;
	}
	if (certpkg_parse(body, len, url, &l, &e) < 0 || l.n == 0) {
		out->error = xasprintf("'%s': the answer (%zu bytes) is not a certificate (DER or PKCS#7): %s", url, len,
				       l.n ? "" : e.msg);
		goto out;
	}
	out->fetched = true;
	out->n_certs = l.n;
	for (size_t i = 0; i < l.n && !out->signature_ok; i++) {
		SECItem ii = {siBuffer, l.v[i].data, (unsigned int)l.v[i].len};
		CERTCertificate *is = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &ii, NULL, PR_FALSE, PR_TRUE);
		bool name_ok = is && SECITEM_CompareItem(&is->derSubject, &c->derIssuer) == SECEqual;
		bool sig_ok = name_ok &&
			      CERT_VerifySignedDataWithPublicKeyInfo(&c->signatureWrap, &is->subjectPublicKeyInfo, NULL) ==
				      SECSuccess;

		if (is && (sig_ok || !out->subject)) {
			unsigned char h[32];

			free(out->der);
			free(out->subject);
			out->der = xmalloc(l.v[i].len);
			memcpy(out->der, l.v[i].data, l.v[i].len);
			out->der_len = l.v[i].len;
			out->subject = xstrdup(is->subjectName ? is->subjectName : "");
			out->sha256_hex[0] = '\0';
			if (PK11_HashBuf(SEC_OID_SHA256, h, l.v[i].data, (PRInt32)l.v[i].len) == SECSuccess) {
				_autofree_ char *hex = hex_encode(h, 32, true);

				snprintf(out->sha256_hex, sizeof(out->sha256_hex), "%s", hex);
			}
		}
		out->signature_ok = sig_ok;
		if (!out->error && is && !name_ok)
			out->error = xasprintf("'%s': the certificate fetched is '%s', not the issuer '%s'", url,
					       is->subjectName ? is->subjectName : "", c->issuerName ? c->issuerName : "");
		else if (!out->signature_ok && name_ok) {
			free(out->error);
			out->error = xasprintf("'%s': the key of '%s' does not verify the signature of '%s'", url,
					       is->subjectName ? is->subjectName : "", c->subjectName ? c->subjectName : "");
		}
		if (is)
			CERT_DestroyCertificate(is);
	}
	if (out->signature_ok) {
		free(out->error);
		out->error = NULL;
	}
out:
	free(body);
	der_list_release(&l);
	CERT_DestroyCertificate(c);
	return 0;
}

void
aia_issuer_release(struct aia_issuer *a)
{
	if (!a)
		return;
	free(a->der);
	free(a->subject);
	free(a->error);
	memset(a, 0, sizeof(*a));
}
