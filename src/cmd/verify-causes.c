/* SPDX-License-Identifier: MPL-2.0 */
/* verify-causes.c: the causes behind verify's errors, with fix and risk (verify-causes.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "findings.h"
#include "nssdb.h"
#include "output.h"
#include "verify-causes.h"
#include "banned.h"

#define DAY_USEC ((PRTime)86400 * PR_USEC_PER_SEC)

/* ---- the lists of data/ ---- */

static struct ca_lists lists;
static int lists_state; /* 0 not read, 1 read, -1 unreadable */

const struct ca_lists *
verify_lists(const struct cmd_ctx *ctx)
{
	struct mc_error err = {0};

	if (!lists_state) {
		lists_state = calist_load(calist_dir(), &lists, &err) == 0 ? 1 : -1;
		if (lists_state < 0)
			cmd_warn(ctx, "%s: Symantec distrust and TLS interception are not checked", err.msg);
	}
	return lists_state > 0 ? &lists : NULL;
}

struct json_object *
verify_lists_json(void)
{
	struct json_object *o;

	if (lists_state <= 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "dir", json_object_new_string(lists.dir));
	json_object_object_add(o, "symantec_roots", json_object_new_int64((int64_t)lists.n_symantec_roots));
	json_object_object_add(o, "symantec_exempt", json_object_new_int64((int64_t)lists.n_symantec_exempt));
	json_object_object_add(o, "interceptors", json_object_new_int64((int64_t)lists.n_icpt));
	return o;
}

void
verify_lists_release(void)
{
	calist_release(&lists);
	lists_state = 0;
}

/* ---- OCSP ---- */

/* The answer for one certificate, kept for the next profile. */
static struct ocsp_answer cached;
static char cached_sha[96];

static int
ask(const struct verify_result *r, int timeout_ms, struct ocsp_answer *ans, struct mc_error *err)
{
	int ret;

	if (cached_sha[0] && streq(cached_sha, r->chain[0].sha256_hex)) {
		ans->status = cached.status;
		ans->code = cached.code;
		ans->url = cached.url ? xstrdup(cached.url) : NULL;
		ans->error = cached.error ? xstrdup(cached.error) : NULL;
		return 0;
	}
	if ((ret = certdb_nodb_init(err)) < 0)
		return ret;
	/* POST, as Firefox does whatever security.OCSP.GET.enabled says (ocsp-check.h) */
	ret = ocsp_check(r->chain[0].der, r->chain[0].der_len, r->chain[1].der, r->chain[1].der_len, OCSP_POST,
			 timeout_ms, r->now, ans, err);
	if (certdb_nodb_shutdown(ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	if (ret == 0) {
		ocsp_answer_release(&cached);
		cached.status = ans->status;
		cached.code = ans->code;
		cached.url = ans->url ? xstrdup(ans->url) : NULL;
		cached.error = ans->error ? xstrdup(ans->error) : NULL;
		snprintf(cached_sha, sizeof(cached_sha), "%s", r->chain[0].sha256_hex);
	}
	return ret;
}

/*
 * A stapled response the application sets aside and asks the responder instead: expired, or one of
 * the failures CheckRevocationByOCSP allows "for compatibility" (try later, a signer it does not
 * accept). Its error stands when the responder cannot say better.
 */
static bool
staple_set_aside(const struct ocsp_answer *a)
{
	static const char *const aside[] = {
		"SEC_ERROR_OCSP_OLD_RESPONSE", "SEC_ERROR_OCSP_TRY_SERVER_LATER", "SEC_ERROR_OCSP_INVALID_SIGNING_CERT",
	};

	if (a->status != OCSP_BAD_RESPONSE || !a->code)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(aside); i++)
		if (streq(a->code, aside[i]))
			return true;
	return false;
}

static int
judge_staple(const struct verify_result *r, const unsigned char *resp, size_t len, struct ocsp_answer *ans,
	     struct mc_error *err)
{
	int ret;

	if ((ret = certdb_nodb_init(err)) < 0)
		return ret;
	ret = ocsp_judge(r->chain[0].der, r->chain[0].der_len, r->chain[1].der, r->chain[1].der_len, resp, len, r->now,
			 ans, err);
	if (certdb_nodb_shutdown(ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	return ret;
}

/*
 * Whether the application's error is that of a stapled response it set
 * aside: the responder could not say better (no usable answer under
 * soft-fail), or the certificate names none to ask.
 */
static bool
aside_stands(const struct verify_ocsp *o)
{
	if (!o->stapled || o->staple_settles)
		return false;
	if (!o->asked)
		return o->no_responder;
	return !o->require && (o->ans.status == OCSP_UNREACHABLE || o->ans.status == OCSP_BAD_RESPONSE);
}

/*
 * The error the application reports, or NULL when it accepts the
 * certificate: a stapled answer that settles it; else the responder's
 * revoked and unknown always, a failed request or an unusable response
 * only when hard-fail, with the code Firefox gives it (ocsp-check.h, from
 * NSSCertDBTrustDomain.cpp); else the error of a staple set aside.
 */
static const char *
ocsp_error(const struct verify_ocsp *o)
{
	if (o->staple_settles)
		return o->staple.status == OCSP_GOOD ? NULL : o->staple.code;
	if (aside_stands(o))
		return o->staple.code;
	if (!o->asked)
		return NULL;
	switch (o->ans.status) {
	case OCSP_REVOKED:
	case OCSP_UNKNOWN:
		return o->ans.code;
	case OCSP_UNREACHABLE:
	case OCSP_BAD_RESPONSE:
		return o->require ? o->ans.code : NULL;
	default:
		return NULL;
	}
}

/* Why the application rejects the certificate, for the problem's message. */
static void
ocsp_detail(const struct verify_ocsp *o, char *buf, size_t size)
{
	const char *what;

	if (o->staple_settles)
		what = o->staple.status == OCSP_REVOKED ? "the OCSP response the server stapled says the certificate is revoked"
		       : o->staple.status == OCSP_UNKNOWN ? "the OCSP response the server stapled does not know the certificate"
							  : "the OCSP response the server stapled is not usable";
	else if (aside_stands(o))
		what = o->asked ? "the OCSP response the server stapled is not usable, and the responder gave no usable answer"
				: "the OCSP response the server stapled is not usable, and the certificate names no responder";
	else if (o->ans.status == OCSP_REVOKED)
		what = "the OCSP responder says the certificate is revoked";
	else if (o->ans.status == OCSP_UNKNOWN)
		what = "the OCSP responder does not know the certificate";
	else
		what = "the OCSP responder gave no usable answer, and OCSP is hard-fail here";
	snprintf(buf, size, "%s", what);
}

int
verify_ocsp_step(const struct cmd_ctx *ctx, const struct profile *p, struct verify_result *r, int timeout_ms,
		 const unsigned char *stapled, size_t stapled_len, struct verify_ocsp *o, struct mc_error *err)
{
	struct cmd_ctx q = *ctx;
	struct mc_error serr = {0};
	struct pref_checks pc;
	int ret;
	const char *mode, *code;

	q.json = true;
	q.verbosity = -1;
	q.cmd_name = "ocsp status";
	mode = pref_checks_load(&q, p, &pc, &serr) == 0 ? pc.ocsp.mode : NULL;
	memset(o, 0, sizeof(*o));
	o->mode = !mode ? NULL : streq(mode, "off") ? "off" : streq(mode, "ev-only") ? "ev-only" : "on";
	o->require = mode && pc.ocsp.require;
	pref_checks_release(&pc);
	if (!r->trusted || r->n_chain < 2) {
		o->why_not = "the chain reaches no trust anchor: the application does not get as far as asking";
		return 0;
	}
	if (stapled && stapled_len) {
		if ((ret = judge_staple(r, stapled, stapled_len, &o->staple, err)) < 0)
			return ret;
		o->stapled = true;
		o->staple_settles = !staple_set_aside(&o->staple);
	}
	if (o->staple_settles)
		o->why_not = "the server stapled a response that settles it: the application does not ask the responder";
	else if (!o->mode)
		o->why_not = "the profile's prefs cannot be read";
	else if (!streq(o->mode, "on"))
		o->why_not = streq(o->mode, "off") ? "OCSP is off in this profile: the application does not ask"
						   : "the application asks only for EV certificates (security.OCSP.enabled = 2)";
	if (!o->why_not) {
		if ((ret = ask(r, timeout_ms, &o->ans, err)) < 0)
			return ret;
		o->asked = o->ans.status != OCSP_NO_RESPONDER;
		o->no_responder = !o->asked;
		if (!o->asked)
			o->why_not = "the certificate names no OCSP responder";
	}
	code = ocsp_error(o);
	if (code && !(r->n_problems && r->problems[0].primary)) {
		char detail[512];

		ocsp_detail(o, detail, sizeof(detail));
		verify_result_reject(r, code, detail);
	}
	return 0;
}

/* What the application does with the answer, one phrase. */
static const char *
ocsp_app(const struct verify_ocsp *o)
{
	bool rejects = ocsp_error(o) != NULL;

	if (o->staple_settles)
		return rejects ? "rejects the certificate on the response the server stapled"
			       : "accepts the certificate on the response the server stapled, without asking the responder";
	if (aside_stands(o))
		return "rejects the certificate: the stapled response is not usable, and the responder cannot say better";
	if (!o->asked)
		return "does not ask";
	if (rejects)
		return o->ans.status == OCSP_REVOKED ? "rejects the certificate (SEC_ERROR_REVOKED_CERTIFICATE)"
		       : o->ans.status == OCSP_UNKNOWN ? "rejects the certificate (SEC_ERROR_OCSP_UNKNOWN_CERT)"
						       : "rejects the certificate (hard-fail: security.OCSP.require is true)";
	return o->ans.status == OCSP_GOOD ? "accepts the certificate"
					  : "accepts the certificate once the responder fails or times out (soft-fail)";
}

#define OCSP_OFF_RISK "the application stops asking whether certificates are revoked: a revoked (stolen or " \
		      "misissued) certificate is then accepted for every site; 'ocsp on' undoes it"

struct json_object *
verify_ocsp_json(const struct cmd_ctx *ctx, const struct profile *p, const struct verify_ocsp *o)
{
	struct json_object *j = json_object_new_object();
	/* OCSP off still honours a staple that settles it: then only the server's administrator can help */
	_autofree_ char *fix = ocsp_error(o) && !o->staple_settles ? fix_cmd(p, "ocsp off") : NULL;
	struct json_object *st = NULL;

	json_object_object_add(j, "mode", o->mode ? json_object_new_string(o->mode) : NULL);
	json_object_object_add(j, "require", json_object_new_boolean(o->require));
	json_object_object_add(j, "asked", json_object_new_boolean(o->asked));
	json_object_object_add(j, "url", o->ans.url ? json_object_new_string(o->ans.url) : NULL);
	json_object_object_add(j, "status", o->asked ? json_object_new_string(ocsp_status_name(o->ans.status)) : NULL);
	json_object_object_add(j, "error", o->ans.error ? json_object_new_string(o->ans.error) : NULL);
	json_object_object_add(j, "not_asked", o->why_not ? json_object_new_string(o->why_not) : NULL);
	json_object_object_add(j, "application", json_object_new_string(ocsp_app(o)));
	json_object_object_add(j, "fix", fix ? json_object_new_string(fix) : NULL);
	json_object_object_add(j, "risk", fix ? json_object_new_string(OCSP_OFF_RISK) : NULL);
	if (o->stapled) {
		st = json_object_new_object();
		json_object_object_add(st, "status", json_object_new_string(ocsp_status_name(o->staple.status)));
		json_object_object_add(st, "code", o->staple.code ? json_object_new_string(o->staple.code) : NULL);
		json_object_object_add(st, "error", o->staple.error ? json_object_new_string(o->staple.error) : NULL);
		json_object_object_add(st, "settles", json_object_new_boolean(o->staple_settles));
		cmd_out(ctx, "ocsp:    stapled by the server: %s%s%s%s\n", ocsp_status_name(o->staple.status),
			o->staple.error ? ": " : "", o->staple.error ? o->staple.error : "",
			o->staple_settles ? "" : " (set aside: the application asks the responder)");
	}
	json_object_object_add(j, "stapled", st);
	if (o->staple_settles) {
		cmd_out(ctx, "ocsp:    the application %s\n", ocsp_app(o));
		return j;
	}
	if (!o->asked) {
		if (o->ans.url || ctx->verbosity > 0)
			cmd_out(ctx, "ocsp:    not asked: %s\n", o->why_not);
		return j;
	}
	cmd_out(ctx, "ocsp:    %s from %s%s%s: the application %s\n", ocsp_status_name(o->ans.status), o->ans.url,
		o->ans.error ? ": " : "", o->ans.error ? o->ans.error : "", ocsp_app(o));
	if (fix)
		cmd_out(ctx, "         fix: %s\n         risk: %s\n", fix, OCSP_OFF_RISK);
	return j;
}

void
verify_ocsp_release(struct verify_ocsp *o)
{
	ocsp_answer_release(&o->ans);
	ocsp_answer_release(&o->staple);
}

void
verify_ocsp_cache_release(void)
{
	ocsp_answer_release(&cached);
	cached_sha[0] = '\0';
}

/* ---- the causes ---- */

static struct json_object *
cause(const struct cmd_ctx *ctx, struct json_object *arr, const char *name, size_t at, const char *fix,
      const char *risk, const char *fmt, ...) _printf_(7, 8);

static struct json_object *
cause(const struct cmd_ctx *ctx, struct json_object *arr, const char *name, size_t at, const char *fix,
      const char *risk, const char *fmt, ...)
{
	struct json_object *o = json_object_new_object();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "cause", json_object_new_string(name));
	json_object_object_add(o, "certificate", json_object_new_int64((int64_t)at));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "fix", fix ? json_object_new_string(fix) : NULL);
	json_object_object_add(o, "risk", risk ? json_object_new_string(risk) : NULL);
	json_object_array_add(arr, o);
	cmd_out(ctx, "cause    %s: %s\n", name, msg);
	if (fix)
		cmd_out(ctx, "         fix: %s\n", fix);
	if (risk)
		cmd_out(ctx, "         risk: %s\n", risk);
	return o;
}

static bool
has_code(const struct verify_result *r, const char *const *codes, size_t n)
{
	for (size_t i = 0; i < r->n_problems; i++)
		for (size_t k = 0; k < n; k++)
			if (streq(r->problems[i].code, codes[k]))
				return true;
	return false;
}

/*
 * The clock: a certificate is expired or not yet valid, yet every
 * certificate of the chain is valid together at some time more than a day
 * away from the computer's clock.
 */
static void
clock_cause(const struct cmd_ctx *ctx, struct json_object *arr, const struct verify_result *r)
{
	static const char *const time_codes[] = {
		"SEC_ERROR_EXPIRED_CERTIFICATE", "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE",
		"MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE", "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE",
	};
	PRTime from = 0, until = 0;
	char f[32], u[32], now[32];
	struct json_object *o;
	bool behind;

	if (!r->n_chain || !has_code(r, time_codes, ARRAY_SIZE(time_codes)))
		return;
	for (size_t i = 0; i < r->n_chain; i++) {
		if (!i || r->chain[i].not_before > from)
			from = r->chain[i].not_before;
		if (!i || r->chain[i].not_after < until)
			until = r->chain[i].not_after;
	}
	behind = r->now < from;
	if (from > until || (behind ? from - r->now : r->now - until) <= DAY_USEC)
		return;
	output_time(from, f);
	output_time(until, u);
	output_time(r->now, now);
	o = cause(ctx, arr, "clock", 0, "set the computer's date and time (for example: timedatectl set-ntp true)",
		  NULL, "the computer's clock says %s, but every certificate of the chain is valid together from %s "
		  "to %s: if the clock is %s, it is the likely cause", now, f, u, behind ? "behind" : "ahead");
	json_object_object_add(o, "clock", json_object_new_string(now));
	json_object_object_add(o, "valid_from", json_object_new_string(f));
	json_object_object_add(o, "valid_until", json_object_new_string(u));
}

static void
symantec_cause(const struct cmd_ctx *ctx, struct json_object *arr, const struct verify_result *r)
{
	if (!r->symantec_distrusted)
		return;
	cause(ctx, arr, "symantec-distrust", r->n_chain - 1, NULL, NULL,
	      "the root '%s' is one of the Symantec roots Firefox distrusts for servers since version 63 (Mozilla's "
	      "list), and no Apple, Google or DigiCert intermediate of the chain exempts it; only the server can "
	      "fix it, with a certificate from another authority", r->chain[r->n_chain - 1].subject);
}

/* The first name of the chain (subjects, issuers, the missing issuer) an interceptor's pattern matches. */
static const struct ca_interceptor *
interceptor_of(const struct verify_result *r, const struct ca_lists *l, const char **name)
{
	const struct ca_interceptor *c = NULL;

	for (size_t i = 0; i < r->n_chain && !c; i++)
		if ((c = calist_interceptor(l, *name = r->chain[i].issuer)) ||
		    (i && (c = calist_interceptor(l, *name = r->chain[i].subject))))
			break;
	if (!c && r->missing_issuer)
		c = calist_interceptor(l, *name = r->missing_issuer);
	return c;
}

static void
interception_cause(const struct cmd_ctx *ctx, const struct profile *p, struct json_object *arr,
		   const struct verify_result *r)
{
	const struct ca_lists *l = lists_state > 0 ? &lists : NULL;
	const struct verify_link *last = r->n_chain ? &r->chain[r->n_chain - 1] : NULL;
	const struct ca_interceptor *c;
	const char *name = NULL;
	bool rejected = r->n_problems && r->problems[0].primary;
	_autofree_ char *what = NULL, *sub = NULL, *fix = NULL, *risk = NULL, *risk2 = NULL, *safe = NULL;
	struct json_object *o, *fixes;

	if (!l || !last || (last->src == VSRC_BUILTIN && last->anchor) || !(c = interceptor_of(r, l, &name)))
		return;
	safe = xstrdup(name);
	for (char *ch = safe; *ch; ch++)
		if ((unsigned char)*ch < 0x20 || *ch == 0x7f)
			*ch = '?'; /* a shell comment: no control character may end it */
	what = xasprintf("%s's root '%s', exported from %s", c->product, safe, c->product);
	sub = xasprintf("cert import --trust C,, ROOT.pem   # ROOT.pem: %s", what);
	fix = rejected ? fix_cmd(p, sub) : NULL;
	risk = xasprintf("%s can then read and change everything the application sends over TLS, and anyone "
			 "who gets that root's key can pose as any site", c->product);
	risk2 = xasprintf("%s no longer scans encrypted web pages and mail", c->product);
	o = cause(ctx, arr, "tls-interception", r->n_chain - 1, fix, rejected ? risk : NULL,
		  "'%s' is the certificate authority of %s (%s), which intercepts TLS to scan it: the server's own "
		  "certificate is not what the application sees%s", name, c->product, c->kind,
		  rejected ? "; the application does not trust that authority" : "; the application trusts its root");
	json_object_object_add(o, "product", json_object_new_string(c->product));
	json_object_object_add(o, "kind", json_object_new_string(c->kind));
	json_object_object_add(o, "issuer", json_object_new_string(name));
	fixes = json_object_new_array();
	if (rejected) {
		struct json_object *f1 = json_object_new_object(), *f2 = json_object_new_object();

		json_object_object_add(f1, "fix", json_object_new_string(fix));
		json_object_object_add(f1, "risk", json_object_new_string(risk));
		json_object_object_add(f2, "fix", json_object_new_string(c->howto));
		json_object_object_add(f2, "risk", json_object_new_string(risk2));
		json_object_array_add(fixes, f1);
		json_object_array_add(fixes, f2);
		cmd_out(ctx, "         or: %s\n         risk: %s\n", c->howto, risk2);
	}
	json_object_object_add(o, "fixes", fixes);
}

struct json_object *
verify_causes(const struct cmd_ctx *ctx, const struct profile *p, const struct verify_result *r)
{
	struct json_object *arr = json_object_new_array();

	clock_cause(ctx, arr, r);
	symantec_cause(ctx, arr, r);
	interception_cause(ctx, p, arr, r);
	return arr;
}

const char *
verify_fix_risk(const char *fix)
{
	if (!fix)
		return NULL;
	if (strstr(fix, " override add "))
		return "the exception accepts this certificate for that host and port from whoever presents it: "
		       "compare its SHA-256 with the one the server's operator gives first";
	if (strstr(fix, " md5 on"))
		return "MD5 signatures can be forged: a certificate signed with MD5 may be an attacker's";
	if (strstr(fix, " cert trust ") && strstr(fix, " C,,"))
		return "a root trusted C,, vouches for every site it signs for";
	if (strstr(fix, " --trust C,, "))
		return "a root trusted C,, vouches for every site it signs for";
	if (strstr(fix, " cert trust ") && strstr(fix, " ,,"))
		return "lifts a distrust that may have been set on purpose";
	return NULL;
}
