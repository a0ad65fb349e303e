/* SPDX-License-Identifier: MPL-2.0 */
/* stage-verify.c: a staged store reopened read-only and checked against what a change meant to do (stage.h). */
#include <stdlib.h>
#include <string.h>
#include "cert-input.h"
#include "stage.h"
#include "util.h"
#include "banned.h"

static int
by_sha(const void *a, const void *b)
{
	return memcmp(((const struct cert_info *)a)->sha256, ((const struct cert_info *)b)->sha256, 32);
}

/* An import's results, each looked up by its DER: the cost is that of the certificates imported, not the store's. */
static int
verify_by_der(struct certdb *db, const struct stage_expect *ex, size_t n, struct mc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char trust[TRUST_STR_MAX];
		bool found = certdb_trust_of(db, ex[i].der->data, ex[i].der->len, trust);
		_autofree_ char *hex = NULL;

		if (found && strcmp(trust, ex[i].trust) == 0)
			continue;
		hex = hex_encode(ex[i].sha256, 32, true);
		if (!found)
			return mc_error_set(err, MC_EFAIL, "verification failed: %s is missing after the change", hex);
		return mc_error_set(err, MC_EFAIL, "verification failed: %s has trust '%s', expected '%s'", hex, trust,
				    ex[i].trust);
	}
	return 0;
}

int
stage_verify(const struct stage *st, const struct stage_expect *ex, size_t n, const char *password,
	     struct mc_error *err)
{
	struct certdb *db = NULL;
	struct cert_info *v = NULL;
	size_t nv = 0;
	int ret;

	if ((ret = certdb_open_as(st->dir, st->profile_dir, st->kind, 0, password, &db, err)) < 0)
		return ret;
	if (n && ex[0].der) {
		ret = verify_by_der(db, ex, n, err);
		if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
			ret = MC_EFAIL;
		return ret;
	}
	ret = certdb_list(db, &v, &nv, err);
	if (certdb_close(db, ret < 0 ? NULL : err) < 0 && ret == 0)
		ret = MC_EFAIL;
	/* Sorted by fingerprint, each lookup is a binary search: verification stays linear-logarithmic. */
	if (nv > 1)
		qsort(v, nv, sizeof(*v), by_sha);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct cert_info key = { 0 };
		const struct cert_info *hit;

		memcpy(key.sha256, ex[i].sha256, 32);
		hit = nv ? bsearch(&key, v, nv, sizeof(*v), by_sha) : NULL;
		if (ex[i].present && !hit) {
			_autofree_ char *hex = hex_encode(ex[i].sha256, 32, true);

			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s is missing after the change", hex);
		} else if (!ex[i].present && hit) {
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s is still present", hit->sha256_hex);
		} else if (hit && strcmp(hit->trust, ex[i].trust) != 0) {
			ret = mc_error_set(err, MC_EFAIL, "verification failed: %s has trust '%s', expected '%s'",
					   hit->sha256_hex, hit->trust, ex[i].trust);
		}
	}
	cert_info_array_free(v, nv);
	return ret;
}
