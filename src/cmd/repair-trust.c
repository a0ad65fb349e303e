/* SPDX-License-Identifier: MPL-2.0 */
/* repair-trust.c: trust db repair could not MAC-verify (repair-trust.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "repair-trust.h"
#include "trust.h"
#include "trust-mac.h"
#include "util.h"
#include "banned.h"

static const struct cert_info *
nss_listed(const struct cert_info *v, size_t n, const unsigned char sha256[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(v[i].sha256, sha256, 32) == 0)
			return &v[i];
	return NULL;
}

void
trust_verdicts_judge(struct trust_verdicts *tv, const struct salvage *s, const char *key4_path,
		     const char *key_unusable, const struct cert_info *nss_v, size_t nss_n, bool cert9_sound)
{
	struct trustmac tm;

	memset(tv, 0, sizeof(*tv));
	tv->n = s->n;
	tv->why = xzalloc((s->n + 1) * sizeof(*tv->why));
	tv->checked = true;
	trustmac_load(key4_path, &tm);
	if (tm.sys_errno) {
		tv->io_error = xasprintf("cannot open 'key4.db' to check the trust MACs: %s", strerror(tm.sys_errno));
		trustmac_release(&tm);
		return;
	}
	if (key_unusable && tm.state == TRUSTMAC_CHECKABLE) {
		_autofree_ char *why = xasprintf("key4.db is damaged (%s)", key_unusable);

		trustmac_set_unusable(&tm, why);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct salvaged_cert *c = &s->v[i];
		const struct cert_info *seen;
		struct trustmac_subject sub;
		char t[TRUST_STR_MAX];

		if (!c->has_trust || trust_is_empty(&c->trust))
			continue;
		trust_format(&c->trust, t);
		seen = nss_listed(nss_v, nss_n, c->sha256);
		memset(&sub, 0, sizeof(sub));
		sub.from_row = c->trust_source == SALVAGE_SQL;
		sub.id_known = c->trust_row.id_known;
		sub.id = c->trust_row.id;
		sub.v32 = c->trust_row.v32;
		sub.trust = t;
		sub.nss_trust = seen ? seen->trust : NULL;
		tv->why[i] = trustmac_judge(&tm, &sub, cert9_sound);
		if (tv->why[i])
			tv->n_unverified++;
	}
	trustmac_release(&tm);
}

/* y or yes (any case) on stdin keeps the trust; anything else, or end of input, does not. */
static bool
ask_yes(void)
{
	char line[64];
	size_t n;

	if (!fgets(line, sizeof(line), stdin))
		return false;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

void
trust_verdicts_decide(struct trust_verdicts *tv, const struct cmd_ctx *ctx, const struct salvage *s,
		      bool keep_flag)
{
	tv->keep = keep_flag;
	if (keep_flag || !tv->n_unverified || ctx->json || ctx->dry_run || !isatty(STDIN_FILENO) ||
	    !isatty(STDOUT_FILENO))
		return;
	output_prompt("%zu trust setting%s could not be MAC-verified (key4.db holds the MACs that protect trust):\n",
		      tv->n_unverified, tv->n_unverified == 1 ? "" : "s");
	for (size_t i = 0; i < tv->n; i++) {
		char t[TRUST_STR_MAX];

		if (!tv->why[i])
			continue;
		trust_format(&s->v[i].trust, t);
		output_prompt("  '%s' of '%s': %s\n", t, s->v[i].nickname ? s->v[i].nickname : "(no nickname)", tv->why[i]);
	}
	output_prompt("Keep them in the repaired store? [y/N] ");
	tv->keep = ask_yes();
}

bool
trust_verdicts_drops(const struct trust_verdicts *tv, size_t i)
{
	return tv->checked && !tv->keep && i < tv->n && tv->why[i];
}

void
trust_verdicts_release(struct trust_verdicts *tv)
{
	for (size_t i = 0; tv->why && i < tv->n; i++)
		free(tv->why[i]);
	free(tv->why);
	free(tv->io_error);
	memset(tv, 0, sizeof(*tv));
}
