/* SPDX-License-Identifier: MPL-2.0 */
/* fork-pool.h: items run side by side in forked workers, their output and results handed back in order. */
#ifndef MOZCERT_FORK_POOL_H
#define MOZCERT_FORK_POOL_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/*
 * NSS keeps one database open per process (nssdb.h): profiles can only be
 * worked on side by side in separate processes. A pool forks up to `jobs`
 * workers; each takes the next item not yet taken, runs work() on it with
 * its standard output and error captured, and sends back what work()
 * returned, the bytes it put in blob and the bytes it wrote. The parent
 * hands each item's result to deliver() in the order of the items, whatever
 * order they finished in, so that what a user reads is what a run one after
 * the other would have printed.
 *
 * Fork only with nothing open that a child must not share: no NSS, no
 * SQLite connection (the callers check). stdout and stderr are flushed
 * first. A worker that dies on an item (a signal, an exit) ends that item
 * with `died` set; the items it had not taken go to the other workers.
 */
struct pool_result {
	int ret;                /* what work() returned */
	int died;               /* the worker stopped during this item: its wait status, else 0 */
	const char *blob;       /* what work() put in its blob (NUL-terminated) */
	size_t blob_len;
	const char *out;        /* what the item wrote to standard output */
	size_t out_len;
	const char *err;        /* ... and to standard error */
	size_t err_len;
};

typedef int (*pool_work_fn)(size_t i, void *arg, struct strbuf *blob);
typedef void (*pool_deliver_fn)(size_t i, const struct pool_result *r, void *arg);

/* How many workers for n items: the processors online, at most 8 and at most n; 1 means run in turn. */
unsigned pool_jobs_for(size_t n);

/* The most workers a pool runs (what --jobs allows). */
#define POOL_MAX_JOBS 64

/*
 * Run items 0..n-1 in up to jobs workers, deliver() each result in the
 * parent, in order. 0 when every item was delivered; 1 when every item was
 * delivered but a worker ended badly after its last one (err says how: a
 * memory checker's exit status, say); MC_EFAIL (err set) when the pool
 * could not start: then no item was run, and the caller runs them itself.
 */
int pool_run(size_t n, unsigned jobs, pool_work_fn work, pool_deliver_fn deliver, void *arg,
	     struct mc_error *err);

#endif
