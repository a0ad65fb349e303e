/* SPDX-License-Identifier: MPL-2.0 */
/* test-fork-pool.c: forked workers, results handed back in item order, output captured per item, deaths. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fork-pool.h"

#define MAXN 64

/* What the parent saw, item by item, in the order deliver() was called. */
struct seen {
	size_t order[MAXN];
	size_t nd;
	int ret[MAXN];
	int died[MAXN];
	char blob[MAXN][64];
	char *out[MAXN];
	size_t out_len[MAXN];
	char err[MAXN][64];
	pid_t worker[MAXN];
};

static struct seen seen;

static void
deliver(size_t i, const struct pool_result *r, void *arg)
{
	(void)arg;
	seen.order[seen.nd++] = i;
	seen.ret[i] = r->ret;
	seen.died[i] = r->died;
	snprintf(seen.blob[i], sizeof(seen.blob[i]), "%s", r->blob);
	seen.out[i] = xzalloc(r->out_len + 1);
	memcpy(seen.out[i], r->out, r->out_len);
	seen.out_len[i] = r->out_len;
	snprintf(seen.err[i], sizeof(seen.err[i]), "%.*s", (int)r->err_len, r->err);
	if (r->blob_len && sscanf(r->blob, "pid %d", &seen.worker[i]) != 1)
		seen.worker[i] = 0;
}

static void
seen_reset(void)
{
	for (size_t i = 0; i < MAXN; i++)
		free(seen.out[i]);
	memset(&seen, 0, sizeof(seen));
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The early items take longest: they finish last, and are still delivered first. */
static int
work_slow_first(size_t i, void *arg, struct strbuf *blob)
{
	size_t n = *(size_t *)arg;

	sleep_ms((long)(n - i) * 15);
	printf("item %zu says hello\n", i);
	fprintf(stderr, "item %zu warns\n", i);
	strbuf_addf(blob, "pid %d item %zu", (int)getpid(), i);
	return -(int)i;
}

START_TEST(test_pool_delivers_in_order)
{
	size_t n = 12;
	struct mc_error err = {0};
	pid_t first = 0;
	bool two = false;

	seen_reset();
	ck_assert_int_eq(pool_run(n, 3, work_slow_first, deliver, &n, &err), 0);
	ck_assert_uint_eq(seen.nd, n);
	for (size_t i = 0; i < n; i++) {
		char want[64];

		ck_assert_uint_eq(seen.order[i], i);
		ck_assert_int_eq(seen.ret[i], -(int)i);
		ck_assert_int_eq(seen.died[i], 0);
		snprintf(want, sizeof(want), "item %zu says hello\n", i);
		ck_assert_str_eq(seen.out[i], want);
		snprintf(want, sizeof(want), "item %zu warns\n", i);
		ck_assert_str_eq(seen.err[i], want);
		ck_assert_int_ne(seen.worker[i], getpid());
		if (!first)
			first = seen.worker[i];
		else if (seen.worker[i] != first)
			two = true;
	}
	/* the work was shared: more than one process did it */
	ck_assert(two);
	seen_reset();
}
END_TEST

/* Each item writes 300 KiB: more than a pipe holds, so the parent must read while workers write. */
static int
work_big(size_t i, void *arg, struct strbuf *blob)
{
	for (int k = 0; k < 300; k++)
		printf("%04zu%01020d\n", i, k);
	strbuf_addf(blob, "pid %d", (int)getpid());
	return 0;
}

START_TEST(test_pool_large_output)
{
	struct mc_error err = {0};

	seen_reset();
	ck_assert_int_eq(pool_run(8, 2, work_big, deliver, NULL, &err), 0);
	ck_assert_uint_eq(seen.nd, 8);
	for (size_t i = 0; i < 8; i++) {
		char head[8];

		ck_assert_uint_eq(seen.out_len[i], 300 * 1025);
		snprintf(head, sizeof(head), "%04zu", i);
		ck_assert(strncmp(seen.out[i], head, 4) == 0);
		ck_assert(strncmp(seen.out[i] + 299 * 1025, head, 4) == 0);
	}
	seen_reset();
}
END_TEST

/* Item 3 kills its worker half-way: it ends as died (SIGKILL), and every other item still runs. */
static int
work_dies_on_3(size_t i, void *arg, struct strbuf *blob)
{
	printf("item %zu\n", i);
	if (i == 3) {
		fflush(stdout);
		raise(SIGKILL);
	}
	strbuf_addf(blob, "pid %d", (int)getpid());
	return 7;
}

START_TEST(test_pool_worker_killed)
{
	struct mc_error err = {0};

	seen_reset();
	ck_assert_int_eq(pool_run(10, 2, work_dies_on_3, deliver, NULL, &err), 0);
	ck_assert_uint_eq(seen.nd, 10);
	for (size_t i = 0; i < 10; i++) {
		ck_assert_uint_eq(seen.order[i], i);
		if (i == 3) {
			ck_assert(seen.died[i] > 0);
			ck_assert(WIFSIGNALED(seen.died[i]) && WTERMSIG(seen.died[i]) == SIGKILL);
			ck_assert_int_eq(seen.ret[i], MC_EFAIL);
			/* what it printed before dying is not passed off as its result */
			ck_assert_uint_eq(seen.out_len[i], 0);
		} else {
			ck_assert_int_eq(seen.died[i], 0);
			ck_assert_int_eq(seen.ret[i], 7);
		}
	}
	seen_reset();
}
END_TEST

/* Every worker dies on its first item: those end as killed, the items none took as not run. */
static int
work_always_dies(size_t i, void *arg, struct strbuf *blob)
{
	raise(SIGKILL);
	return 0;
}

START_TEST(test_pool_all_workers_die)
{
	struct mc_error err = {0};
	size_t killed = 0, unrun = 0;

	seen_reset();
	ck_assert_int_eq(pool_run(6, 2, work_always_dies, deliver, NULL, &err), 0);
	ck_assert_uint_eq(seen.nd, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_uint_eq(seen.order[i], i);
		ck_assert_int_eq(seen.ret[i], MC_EFAIL);
		if (seen.died[i] > 0 && WIFSIGNALED(seen.died[i]))
			killed++;
		else if (seen.died[i] == -1)
			unrun++;
	}
	ck_assert_uint_eq(killed, 2);
	ck_assert_uint_eq(unrun, 4);
	seen_reset();
}
END_TEST

START_TEST(test_pool_jobs_for)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = cpus > 8 ? 8 : cpus > 0 ? (unsigned)cpus : 1;

	ck_assert_uint_eq(pool_jobs_for(1), 1);
	ck_assert_uint_eq(pool_jobs_for(0), 1);
	ck_assert_uint_eq(pool_jobs_for(1000), want);
	ck_assert_uint_le(pool_jobs_for(2), 2);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("fork-pool");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pool_delivers_in_order);
	tcase_add_test(tc, test_pool_large_output);
	tcase_add_test(tc, test_pool_worker_killed);
	tcase_add_test(tc, test_pool_all_workers_die);
	tcase_add_test(tc, test_pool_jobs_for);
	suite_add_tcase(s, tc);
	return s;
}
