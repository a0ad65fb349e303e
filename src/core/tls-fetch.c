/* SPDX-License-Identifier: MPL-2.0 */
/*
 * tls-fetch.c: the certificate chain a TLS server sends, through NSS libssl.
 * The TCP connection and the STARTTLS preamble are plain POSIX (non-blocking,
 * every wait bounded by poll); the socket is then handed to NSPR and NSS
 * under a thin I/O layer that keeps the first bytes the peer sent, so that a
 * peer speaking plain text can be named.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cert.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
#include <prio.h>
#include <private/pprio.h>
#include <secerr.h>
#include <ssl.h>
#include <sslerr.h>
#include <sslproto.h>

#include "fileio.h"
#include "tls-fetch.h"
#include "util.h"
#include "banned.h"

#define SNIFF_MAX 512

struct fetch_state {
	struct der_list *chain;
	struct tlsfetch_result *out; /* for the stapled OCSP response */
	const char *origin;
	bool got_chain;
	int alert;                /* the first fatal alert the server sent, or -1 */
	unsigned char sniff[SNIFF_MAX];
	size_t n_sniff;           /* the first bytes NSS read from the peer */
};

/* ---- the recording I/O layer ---- */

static PRDescIdentity sniff_id = PR_INVALID_IO_LAYER;
static PRIOMethods sniff_methods;

static void
sniff_keep(PRFileDesc *fd, const void *buf, PRInt32 n)
{
	struct fetch_state *st = (struct fetch_state *)(void *)fd->secret;
	size_t k;

	if (n <= 0 || !st || st->n_sniff >= SNIFF_MAX)
		return;
	k = SNIFF_MAX - st->n_sniff < (size_t)n ? SNIFF_MAX - st->n_sniff : (size_t)n;
	memcpy(st->sniff + st->n_sniff, buf, k);
	st->n_sniff += k;
}

static PRInt32 PR_CALLBACK
sniff_recv(PRFileDesc *fd, void *buf, PRInt32 amount, PRIntn flags, PRIntervalTime timeout)
{
	PRInt32 n = fd->lower->methods->recv(fd->lower, buf, amount, flags, timeout);

	sniff_keep(fd, buf, n);
	return n;
}

static PRInt32 PR_CALLBACK
sniff_read(PRFileDesc *fd, void *buf, PRInt32 amount)
{
	PRInt32 n = fd->lower->methods->read(fd->lower, buf, amount);

	sniff_keep(fd, buf, n);
	return n;
}

/* the default close pops this layer off the top and closes the rest */
static PRStatus PR_CALLBACK
sniff_close(PRFileDesc *fd)
{
	fd->secret = NULL;
	return PR_GetDefaultIOMethods()->close(fd);
}

/* ---- NSS callbacks ---- */

/*
 * Record the chain and stop: a connection made here never trusts anything.
 * SECWouldBlock leaves the certificate's authentication pending forever, so
 * the handshake cannot complete, and closing then sends no alert (a failure
 * here would send bad_certificate, which servers log as an attack).
 */
/*
 * Keep the OCSP response the server stapled (status_request, RFC 6066 8):
 * NSS has it by the time the certificate hook runs (TLS 1.3: the
 * certificate's extension; TLS 1.2: the CertificateStatus message, which NSS
 * takes before calling the hook). Firefox asks for it and uses it before the
 * responder.
 */
static void
keep_stapled(PRFileDesc *fd, struct tlsfetch_result *out)
{
	const SECItemArray *sr = SSL_PeerStapledOCSPResponses(fd);

	if (sr && sr->len > 0 && sr->items[0].len > 0 && !out->stapled) {
		out->stapled = xmalloc(sr->items[0].len);
		memcpy(out->stapled, sr->items[0].data, sr->items[0].len);
		out->stapled_len = sr->items[0].len;
	}
}

static SECStatus
auth_hook(void *arg, PRFileDesc *fd, PRBool checksig, PRBool isServer)
{
	struct fetch_state *st = arg;
	CERTCertList *l = SSL_PeerCertificateChain(fd);
	size_t i = 0;

	(void)checksig;
	(void)isServer;
	if (l) {
		for (CERTCertListNode *n = CERT_LIST_HEAD(l); !CERT_LIST_END(n, l); n = CERT_LIST_NEXT(n)) {
			_autofree_ char *origin = i ? xasprintf("%s: certificate %zu", st->origin, i + 1)
						    : xstrdup(st->origin);

			der_list_add(st->chain, n->cert->derCert.data, n->cert->derCert.len, origin);
			i++;
		}
		CERT_DestroyCertList(l);
	}
	keep_stapled(fd, st->out);
	st->got_chain = i > 0;
	if (!st->got_chain) {
		PORT_SetError(SSL_ERROR_BAD_CERTIFICATE);
		return SECFailure;
	}
	return SECWouldBlock;
}

static void
alert_cb(const PRFileDesc *fd, void *arg, const SSLAlert *alert)
{
	struct fetch_state *st = arg;

	(void)fd;
	if (alert->level == 2 /* fatal */ && st->alert < 0)
		st->alert = alert->description;
}

static const char *
alert_name(int d)
{
	static const struct { int d; const char *name; } v[] = {
		{0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"}, {22, "record_overflow"},
		{40, "handshake_failure"}, {42, "bad_certificate"}, {43, "unsupported_certificate"},
		{44, "certificate_revoked"}, {45, "certificate_expired"}, {46, "certificate_unknown"},
		{47, "illegal_parameter"}, {48, "unknown_ca"}, {49, "access_denied"}, {50, "decode_error"},
		{51, "decrypt_error"}, {70, "protocol_version"}, {71, "insufficient_security"},
		{80, "internal_error"}, {86, "inappropriate_fallback"}, {90, "user_canceled"},
		{109, "missing_extension"}, {110, "unsupported_extension"}, {112, "unrecognized_name"},
		{113, "bad_certificate_status_response"}, {115, "unknown_psk_identity"},
		{116, "certificate_required"}, {120, "no_application_protocol"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (v[i].d == d)
			return v[i].name;
	return "unknown alert";
}

/* ---- connecting ---- */

static bool
is_address(const char *host)
{
	unsigned char b[16];

	return inet_pton(AF_INET, host, b) == 1 || inet_pton(AF_INET6, host, b) == 1;
}

static void
addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr
						  : (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

/*
 * Connect to each address of host in turn; *fd the first that answers.
 * why collects each address's failure for the message.
 */
static int
connect_any(const struct tlsfetch_req *req, int64_t deadline, int *fd, char *addr, size_t addr_cap,
	    struct mc_error *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
	char port[8], why[700] = "";
	size_t used = 0;
	int g, n = 0, n_refused = 0, n_timeout = 0;

	snprintf(port, sizeof(port), "%d", req->port);
	g = getaddrinfo(req->host, port, &hints, &res);
	if (g != 0)
		return mc_error_set(err, MC_EFAIL, "cannot resolve '%s': %s", req->host,
				    g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int s, e = 0;
		char a[64];
		int64_t end = starttls_now_ms() + req->timeout_ms;

		if (end > deadline)
			end = deadline;
		addr_text(ai->ai_addr, a, sizeof(a));
		n++;
		s = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0) {
			e = errno;
		} else if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			e = errno;
		} else {
			for (;;) {
				struct pollfd pfd = {.fd = s, .events = POLLOUT};
				int64_t left = end - starttls_now_ms();
				int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
				socklen_t el = sizeof(e);

				if (r < 0 && errno == EINTR)
					continue;
				if (r == 0)
					e = ETIMEDOUT;
				else if (r < 0)
					e = errno;
				else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
					e = errno;
				break;
			}
		}
		if (e == 0) {
			*fd = s;
			snprintf(addr, addr_cap, "%s", a);
			freeaddrinfo(res);
			return 0;
		}
		if (s >= 0)
			close(s);
		n_refused += e == ECONNREFUSED;
		n_timeout += e == ETIMEDOUT;
		if (used < sizeof(why) - 1)
			used += (size_t)snprintf(why + used, sizeof(why) - used, "%s%s: %s", used ? "; " : "", a,
						 e == ETIMEDOUT ? "timed out connecting" : e == ECONNREFUSED
						 ? "connection refused" : strerror(e));
		if (used >= sizeof(why))
			used = sizeof(why) - 1;
		if (starttls_now_ms() >= deadline)
			break;
	}
	freeaddrinfo(res);
	if (n == 1 && n_refused == 1)
		return mc_error_set(err, MC_EFAIL, "%s port %d: connection refused (no server listens there)",
				    req->host, req->port);
	if (n == 1 && n_timeout == 1)
		return mc_error_set(err, MC_EFAIL, "%s port %d: timed out connecting (after %.1f s)", req->host,
				    req->port, req->timeout_ms / 1000.0);
	return mc_error_set(err, MC_EFAIL, "cannot connect to %s port %d: %s", req->host, req->port, why);
}

/* ---- the handshake ---- */

static int
handshake_error(const struct tlsfetch_req *req, const char *where, struct fetch_state *st, PRErrorCode code,
		struct mc_error *err)
{
	const char *looks = starttls_sniff(st->sniff, st->n_sniff);
	bool tls_bytes = st->n_sniff && st->sniff[0] >= 0x14 && st->sniff[0] <= 0x18;
	_autofree_ char *said = starttls_printable(st->sniff, st->n_sniff, 80);

	if (st->n_sniff && !tls_bytes) {
		enum starttls_proto p = STARTTLS_NONE;

		if (looks)
			for (int i = STARTTLS_SMTP; i <= STARTTLS_LDAP; i++)
				if (strcasecmp(looks, starttls_name((enum starttls_proto)i)) == 0)
					p = (enum starttls_proto)i;
		return mc_error_set(err, MC_EFAIL, "%s: no TLS on this port: the server spoke plain text%s%s%s ('%s')%s%s",
				    where, looks ? " (it looks like " : "", looks ? looks : "", looks ? ")" : "", said,
				    p != STARTTLS_NONE && req->starttls != p ? "; try --starttls " : "",
				    p != STARTTLS_NONE && req->starttls != p ? starttls_name(p) : "");
	}
	if (st->alert == 70 || code == SSL_ERROR_UNSUPPORTED_VERSION || code == SSL_ERROR_PROTOCOL_VERSION_ALERT)
		return mc_error_set(err, MC_EFAIL, "%s: the server's TLS version is too old for NSS (TLS 1.2 and 1.3 "
				    "are accepted, as by the application)%s%s", where,
				    st->alert >= 0 ? ": alert protocol_version" : ": ", st->alert >= 0 ? "" :
				    mc_nss_error_name(code));
	if (st->alert >= 0)
		return mc_error_set(err, MC_EFAIL, "%s: the server ended the TLS handshake with alert %s (%d)%s", where,
				    alert_name(st->alert), st->alert,
				    st->alert == 40 ? ": no cipher or TLS version in common with NSS" :
				    st->alert == 112 ? ": it serves no certificate for the name sent (SNI)" :
				    st->alert == 116 ? ": it wants a client certificate" : "");
	if (code == PR_END_OF_FILE_ERROR || code == PR_CONNECT_RESET_ERROR)
		return mc_error_set(err, MC_EFAIL, "%s: the server closed the connection %s", where,
				    st->n_sniff ? "in the middle of the TLS handshake, before its certificate"
						: req->starttls == STARTTLS_NONE
						? "without answering the TLS handshake (TLS only after STARTTLS? --starttls)"
						: "without answering the TLS handshake");
	return mc_error_set(err, MC_EFAIL, "%s: the TLS handshake failed: %s: %s", where, mc_nss_error_name(code),
			    mc_nss_error_text(code));
}

/* The socket fd under NSPR, with the sniffing layer (reading into *st) and NSS's SSL on top: *ssl. */
static int
tls_socket(int fd, struct fetch_state *st, const char *where, PRFileDesc **ssl, struct mc_error *err)
{
	PRFileDesc *tcp, *layer;
	int ret;

	tcp = PR_ImportTCPSocket(fd);
	if (!tcp) {
		close(fd);
		return mc_error_nss(err, "%s: cannot hand the socket to NSPR", where);
	}
	if (sniff_id == PR_INVALID_IO_LAYER) {
		sniff_id = PR_GetUniqueIdentity("mozcert-sniff");
		sniff_methods = *PR_GetDefaultIOMethods();
		sniff_methods.recv = sniff_recv;
		sniff_methods.read = sniff_read;
		sniff_methods.close = sniff_close;
	}
	layer = PR_CreateIOLayerStub(sniff_id, &sniff_methods);
	/* set before the push: pushing on top swaps the two descriptors' contents */
	if (layer)
		layer->secret = (PRFilePrivate *)(void *)st;
	if (!layer || PR_PushIOLayer(tcp, PR_TOP_IO_LAYER, layer) != PR_SUCCESS) {
		if (layer) {
			layer->secret = NULL;
			layer->dtor(layer);
		}
		PR_Close(tcp);
		return mc_error_nss(err, "%s: cannot set up the connection", where);
	}
	*ssl = SSL_ImportFD(NULL, tcp);
	if (!*ssl) {
		ret = mc_error_nss(err, "%s: cannot set up TLS", where);
		PR_Close(tcp);
		return ret;
	}
	return 0;
}

/* A non-blocking client for TLS 1.2-1.3, no session cache, the hooks that keep the chain and the alert. */
static bool
tls_configure(PRFileDesc *ssl, const char *sni, struct fetch_state *st)
{
	PRSocketOptionData nb = {.option = PR_SockOpt_Nonblocking, .value.non_blocking = PR_TRUE};
	SSLVersionRange vr = {SSL_LIBRARY_VERSION_TLS_1_2, SSL_LIBRARY_VERSION_TLS_1_3};

	return PR_SetSocketOption(ssl, &nb) == PR_SUCCESS &&
	       SSL_OptionSet(ssl, SSL_SECURITY, PR_TRUE) == SECSuccess &&
	       SSL_OptionSet(ssl, SSL_HANDSHAKE_AS_CLIENT, PR_TRUE) == SECSuccess &&
	       SSL_OptionSet(ssl, SSL_NO_CACHE, PR_TRUE) == SECSuccess &&
	       SSL_OptionSet(ssl, SSL_ENABLE_SESSION_TICKETS, PR_FALSE) == SECSuccess &&
	       SSL_OptionSet(ssl, SSL_ENABLE_OCSP_STAPLING, PR_TRUE) == SECSuccess &&
	       SSL_VersionRangeSet(ssl, &vr) == SECSuccess &&
	       SSL_AuthCertificateHook(ssl, auth_hook, st) == SECSuccess &&
	       SSL_AlertReceivedCallback(ssl, alert_cb, st) == SECSuccess &&
	       (is_address(sni) || SSL_SetURL(ssl, sni) == SECSuccess) &&
	       SSL_ResetHandshake(ssl, PR_FALSE) == SECSuccess;
}

/* Drive the handshake until the chain is in (the hook stops it there), it fails (*code), or end passes. */
static int
tls_handshake(PRFileDesc *ssl, const struct fetch_state *st, const char *where, int64_t start, int64_t end,
	      PRErrorCode *code, struct mc_error *err)
{
	for (;;) {
		PRPollDesc pd = {.fd = ssl, .in_flags = PR_POLL_READ | PR_POLL_EXCEPT};
		int64_t left;
		PRInt32 r;

		if (SSL_ForceHandshake(ssl) == SECSuccess) {
			*code = SSL_ERROR_BAD_CERTIFICATE; /* cannot be: the hook never completes */
			return 0;
		}
		*code = PR_GetError();
		if (st->got_chain || *code != PR_WOULD_BLOCK_ERROR)
			return 0;
		left = end - starttls_now_ms();
		r = left > 0 ? PR_Poll(&pd, 1, PR_MillisecondsToInterval((PRUint32)left)) : 0;
		if (r == 0)
			return mc_error_set(err, MC_EFAIL, "%s: timed out in the TLS handshake (after %.1f s)%s", where,
					    (double)(starttls_now_ms() - start) / 1000.0,
					    st->n_sniff ? "" : ": the server sent nothing; is TLS on this port only after "
					    "STARTTLS? (--starttls)");
		if (r < 0 && PR_GetError() != PR_PENDING_INTERRUPT_ERROR)
			return mc_error_nss(err, "%s: poll", where);
	}
}

/* Plain text instead of TLS: read a little more of it (bounded) to name the protocol in the message. */
static void
sniff_more(PRFileDesc *ssl, struct fetch_state *st)
{
	PRFileDesc *sniff = PR_GetIdentitiesLayer(ssl, sniff_id);
	unsigned char more[256];

	for (int i = 0; sniff && i < 4 && st->n_sniff < 120 && !memchr(st->sniff, '\n', st->n_sniff); i++)
		if (sniff->methods->recv(sniff, more, (PRInt32)sizeof(more), 0, PR_MillisecondsToInterval(100)) <= 0)
			break;
}

static int
tls_chain(const struct tlsfetch_req *req, int fd, const char *where, int64_t deadline, struct tlsfetch_result *out,
	  struct mc_error *err)
{
	struct fetch_state st = {.chain = &out->chain, .out = out, .alert = -1};
	PRFileDesc *ssl = NULL;
	const char *sni = req->sni ? req->sni : req->host;
	_autofree_ char *origin = xasprintf("%s", where);
	int64_t start = starttls_now_ms(), end = start + req->timeout_ms;
	PRErrorCode code = 0;
	int ret;

	if (end > deadline)
		end = deadline;
	st.origin = origin;
	if ((ret = tls_socket(fd, &st, where, &ssl, err)) < 0)
		return ret;
	if (!tls_configure(ssl, sni, &st)) {
		ret = mc_error_nss(err, "%s: cannot set up TLS", where);
		goto out;
	}
	if ((ret = tls_handshake(ssl, &st, where, start, end, &code, err)) < 0)
		goto out;
	if (!st.got_chain && st.n_sniff && !(st.sniff[0] >= 0x14 && st.sniff[0] <= 0x18))
		sniff_more(ssl, &st);
	if (st.got_chain) {
		SSLPreliminaryChannelInfo pi;

		if (SSL_GetPreliminaryChannelInfo(ssl, &pi, sizeof(pi)) == SECSuccess &&
		    (pi.valuesSet & ssl_preinfo_version) && pi.protocolVersion >= SSL_LIBRARY_VERSION_TLS_1_0)
			snprintf(out->version, sizeof(out->version), "TLS 1.%d", (pi.protocolVersion & 0xff) - 1);
	} else {
		ret = handshake_error(req, where, &st, code, err);
	}
out:
	PR_Close(ssl);
	return ret;
}

int
tlsfetch(const struct tlsfetch_req *req, struct tlsfetch_result *out, struct mc_error *err)
{
	struct tlsfetch_req r = *req;
	int64_t deadline;
	_autofree_ char *where = NULL;
	int fd = -1, ret;

	memset(out, 0, sizeof(*out));
	if (r.timeout_ms <= 0)
		r.timeout_ms = TLSFETCH_DEFAULT_TIMEOUT_MS;
	if (r.starttls == STARTTLS_AUTO)
		r.starttls = starttls_for_port(r.port);
	out->starttls = r.starttls;
	deadline = starttls_now_ms() + 3 * (int64_t)r.timeout_ms;
	if (NSS_SetDomesticPolicy() != SECSuccess)
		return mc_error_nss(err, "cannot enable NSS's cipher suites");
	if ((ret = connect_any(&r, deadline, &fd, out->address, sizeof(out->address), err)) < 0)
		return ret;
	where = strchr(r.host, ':') ? xasprintf("[%s]:%d", r.host, r.port) : xasprintf("%s:%d", r.host, r.port);
	if ((ret = starttls_run(fd, r.starttls, r.timeout_ms, deadline, where, err)) < 0) {
		close(fd);
		return ret;
	}
	ret = tls_chain(&r, fd, where, deadline, out, err);
	if (ret < 0)
		tlsfetch_result_release(out);
	return ret;
}

void
tlsfetch_result_release(struct tlsfetch_result *r)
{
	der_list_release(&r->chain);
	free(r->stapled);
	r->stapled = NULL;
	r->stapled_len = 0;
}

int
tlsfetch_parse_target(const char *arg, int default_port, char **host, int *port, struct mc_error *err)
{
	_autofree_ char *h = NULL;
	const char *portstr = NULL;
	long p = default_port;

	if (strstr(arg, "://"))
		return mc_error_set(err, MC_EUSAGE, "'%s': give HOST[:PORT], not a URL", arg);
	if (arg[0] == '[') {
		const char *close_br = strchr(arg, ']');

		if (!close_br || close_br == arg + 1 || (close_br[1] && close_br[1] != ':'))
			return mc_error_set(err, MC_EUSAGE, "'%s': expected [IPv6]:PORT", arg);
		h = xstrndup(arg + 1, (size_t)(close_br - arg - 1));
		if (close_br[1] == ':')
			portstr = close_br + 2;
	} else {
		const char *c = strchr(arg, ':');

		if (c && strchr(c + 1, ':')) {
			h = xstrdup(arg);
		} else {
			h = c ? xstrndup(arg, (size_t)(c - arg)) : xstrdup(arg);
			if (c)
				portstr = c + 1;
		}
	}
	if (portstr) {
		char *end;

		errno = 0;
		p = strtol(portstr, &end, 10);
		if (!*portstr || *end || errno || p < 1 || p > 65535 || !isdigit((unsigned char)*portstr))
			return mc_error_set(err, MC_EUSAGE, "'%s': port must be a number from 1 to 65535", arg);
	}
	if (!*h)
		return mc_error_set(err, MC_EUSAGE, "'%s': empty host name", arg);
	for (char *s = h; *s; s++) {
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '/' || *s == '[' || *s == ']' || *s == '#')
			return mc_error_set(err, MC_EUSAGE, "'%s': invalid character in host name", arg);
		*s = (char)tolower((unsigned char)*s);
	}
	*host = steal_ptr(&h);
	*port = (int)p;
	return 0;
}

/* ---- what was sent ---- */

static void
push_str(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

void
tlsfetch_san_names(CERTCertificate *cert, char ***names, size_t *n_names)
{
	SECItem ext = {siBuffer, NULL, 0};
	PLArenaPool *arena;
	CERTGeneralName *first, *g;

	if (CERT_FindCertExtension(cert, SEC_OID_X509_SUBJECT_ALT_NAME, &ext) != SECSuccess)
		return;
	arena = PORT_NewArena(1024);
	first = arena ? CERT_DecodeAltNameExtension(arena, &ext) : NULL;
	g = first;
	while (g) {
		if (g->type == certDNSName) {
			_autofree_ char *dn = starttls_printable(g->name.other.data, g->name.other.len, 255);

			push_str(names, n_names, xasprintf("DNS:%s", dn));
		} else if (g->type == certIPAddress && (g->name.other.len == 4 || g->name.other.len == 16)) {
			char a[64];

			if (inet_ntop(g->name.other.len == 4 ? AF_INET : AF_INET6, g->name.other.data, a, sizeof(a)))
				push_str(names, n_names, xasprintf("IP:%s", a));
		}
		g = CERT_GetNextGeneralName(g);
		if (g == first)
			break;
	}
	if (arena)
		PORT_FreeArena(arena, PR_FALSE);
	SECITEM_FreeItem(&ext, PR_FALSE);
}

int
tlsfetch_describe(const struct der_list *chain, struct tlsfetch_sent *out, struct mc_error *err)
{
	memset(out, 0, sizeof(*out));
	out->n = chain->n;
	out->sha256_hex = xzalloc((chain->n + 1) * sizeof(char *));
	out->is_ca = xzalloc((chain->n + 1) * sizeof(bool));
	out->self_signed = xzalloc((chain->n + 1) * sizeof(bool));
	for (size_t i = 0; i < chain->n; i++) {
		SECItem item = {siBuffer, chain->v[i].data, (unsigned int)chain->v[i].len};
		CERTCertificate *cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &item, NULL, PR_FALSE, PR_TRUE);
		unsigned char h[32];

		if (!cert)
			return mc_error_nss(err, "%s: cannot decode the certificate", chain->v[i].origin);
		if (PK11_HashBuf(SEC_OID_SHA256, h, chain->v[i].data, (PRInt32)chain->v[i].len) == SECSuccess)
			out->sha256_hex[i] = hex_encode(h, 32, true);
		else
			out->sha256_hex[i] = xstrdup("");
		out->is_ca[i] = CERT_IsCACert(cert, NULL);
		out->self_signed[i] = SECITEM_CompareItem(&cert->derSubject, &cert->derIssuer) == SECEqual;
		if (i == 0)
			tlsfetch_san_names(cert, &out->names, &out->n_names);
		CERT_DestroyCertificate(cert);
	}
	return 0;
}

void
tlsfetch_sent_release(struct tlsfetch_sent *s)
{
	for (size_t i = 0; i < s->n_names; i++)
		free(s->names[i]);
	for (size_t i = 0; s->sha256_hex && i < s->n; i++)
		free(s->sha256_hex[i]);
	free(s->names);
	free(s->sha256_hex);
	free(s->is_ca);
	free(s->self_signed);
	memset(s, 0, sizeof(*s));
}

int
tlsfetch_save_pem(const struct der_list *chain, const char *path, struct mc_error *err)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int fd, ret = 0;

	for (size_t i = 0; i < chain->n; i++)
		cap += chain->v[i].len * 4 / 3 + chain->v[i].len / 48 + 80;
	buf = xmalloc(cap + 1);
	for (size_t i = 0; i < chain->n; i++) {
		const unsigned char *d = chain->v[i].data;
		size_t n = chain->v[i].len, col = 0;

		len += (size_t)snprintf(buf + len, cap - len, "-----BEGIN CERTIFICATE-----\n");
		for (size_t j = 0; j < n; j += 3) {
			unsigned v = (unsigned)d[j] << 16 | (j + 1 < n ? (unsigned)d[j + 1] << 8 : 0) |
				     (j + 2 < n ? d[j + 2] : 0);

			buf[len++] = b64[v >> 18 & 63];
			buf[len++] = b64[v >> 12 & 63];
			buf[len++] = j + 1 < n ? b64[v >> 6 & 63] : '=';
			buf[len++] = j + 2 < n ? b64[v & 63] : '=';
			if ((col += 4) == 64) {
				buf[len++] = '\n';
				col = 0;
			}
		}
		if (col)
			buf[len++] = '\n';
		len += (size_t)snprintf(buf + len, cap - len, "-----END CERTIFICATE-----\n");
	}
	/* a new file only: O_EXCL refuses an existing name, a symlink (even a dangling one) included */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = errno == EEXIST ? mc_error_set(err, MC_EUSAGE, "'%s' exists: --save writes a new file only", path)
				      : mc_error_sys(err, "cannot create '%s'", path);
	} else {
		if (fileio_write_all(fd, buf, len) < 0)
			ret = mc_error_sys(err, "cannot write '%s'", path);
		if (close(fd) < 0 && ret == 0)
			ret = mc_error_sys(err, "cannot write '%s'", path);
		if (ret < 0)
			unlink(path);
	}
	free(buf);
	return ret;
}

int
tlsfetch_opt_starttls(const char *cmd, const char *arg, int *proto, struct mc_error *err)
{
	if ((*proto = starttls_parse(arg)) < 0)
		return mc_error_set(err, MC_EUSAGE, "%s: --starttls takes imap, pop3, smtp, ldap or none", cmd);
	return 0;
}

int
tlsfetch_opt_timeout(const char *cmd, const char *arg, int *timeout_ms, struct mc_error *err)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (!*arg || *end || v < 1 || v > 600)
		return mc_error_set(err, MC_EUSAGE, "%s: --timeout takes seconds, 1 to 600", cmd);
	*timeout_ms = (int)v * 1000;
	return 0;
}
