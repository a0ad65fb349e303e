/* SPDX-License-Identifier: MPL-2.0 */
/* fork-pool.c: items run side by side in forked workers, their output and results handed back in order. */
#include "fork-pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "banned.h"

#define POOL_AUTO_JOBS 8   /* the default at most: NSS's writes are mostly waits for the disk */
#define FRAME_MAGIC 0x6d6f7a70u  /* "mozp" */

/* What the workers share: the next item to take, and which worker took each (0: none yet). */
struct pool_shared {
	size_t next;
	int owner[];
};

/* One item's result on the pipe: this head, then the blob, the output and the error bytes. */
struct frame_head {
	uint32_t magic;
	int32_t ret;
	uint64_t index;
	uint64_t len[3];
};

struct worker {
	pid_t pid;
	int fd;                 /* read end of its pipe; -1 once at EOF */
	struct strbuf in;       /* bytes read, not yet a whole frame */
	int status;             /* its wait status, once reaped */
	size_t unfinished;      /* items it took and never finished */
};

/* An item's end: its frame, kept until its turn to be delivered. */
struct done {
	struct pool_result r;
	char *mem;              /* the frame's bytes (or an empty one), until delivered */
	bool ended;             /* a result came, or the item ended without one; stays true once delivered */
};

unsigned
pool_jobs_for(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned j = cpus > 0 ? (unsigned)cpus : 1;

	if (j > POOL_AUTO_JOBS)
		j = POOL_AUTO_JOBS;
	if (n < j)
		j = n ? (unsigned)n : 1;
	return j;
}

/* The bytes written to fd since it was emptied, then emptied again. */
static char *
take_capture(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char *buf;
	size_t got = 0;

	if (end < 0)
		end = 0;
	buf = xzalloc((size_t)end + 1);
	while (got < (size_t)end) {
		ssize_t r = pread(fd, buf + got, (size_t)end - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	/* a memfd shrinks to 0 without fail; were it to, the next item's bytes would follow these */
	(void)!ftruncate(fd, 0);
	return buf;
}

/* A worker's life: take items until none is left, send each one's frame. Never returns. */
static _Noreturn void
worker_main(int no, int fd, size_t n, struct pool_shared *sh, pool_work_fn work, void *arg)
{
	int cap[2] = {
		memfd_create("mozcert-stdout", MFD_CLOEXEC),
		memfd_create("mozcert-stderr", MFD_CLOEXEC),
	};

	/* O_APPEND: after each item's truncation, writes start at the beginning again */
	if (cap[0] < 0 || cap[1] < 0 || fcntl(cap[0], F_SETFL, O_APPEND) != 0 ||
	    fcntl(cap[1], F_SETFL, O_APPEND) != 0 || dup2(cap[0], STDOUT_FILENO) < 0 ||
	    dup2(cap[1], STDERR_FILENO) < 0)
		_exit(125);
	for (;;) {
		size_t i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_SEQ_CST);
		struct strbuf blob;
		struct frame_head h = {.magic = FRAME_MAGIC};
		char *out, *err;
		size_t out_len, err_len;

		if (i >= n)
			break;
		__atomic_store_n(&sh->owner[i], no, __ATOMIC_SEQ_CST);
		strbuf_init(&blob);
		h.ret = work(i, arg, &blob);
		fflush(stdout);
		fflush(stderr);
		out = take_capture(STDOUT_FILENO, &out_len);
		err = take_capture(STDERR_FILENO, &err_len);
		h.index = i;
		h.len[0] = blob.len;
		h.len[1] = out_len;
		h.len[2] = err_len;
		if (fileio_write_all(fd, &h, sizeof(h)) < 0 || fileio_write_all(fd, blob.buf, blob.len) < 0 ||
		    fileio_write_all(fd, out, out_len) < 0 || fileio_write_all(fd, err, err_len) < 0)
			_exit(126);
		strbuf_release(&blob);
		free(out);
		free(err);
	}
	close(fd);
	_exit(0);
}

/* Whole frames out of w->in into done[]; false on a frame that makes no sense. */
static bool
take_frames(struct worker *w, size_t n, struct done *done)
{
	size_t off = 0;

	for (;;) {
		struct frame_head h;
		size_t total;
		char *mem;

		if (w->in.len - off < sizeof(h))
			break;
		memcpy(&h, w->in.buf + off, sizeof(h));
		if (h.magic != FRAME_MAGIC || h.index >= n || done[h.index].ended ||
		    h.len[0] > SIZE_MAX / 4 || h.len[1] > SIZE_MAX / 4 || h.len[2] > SIZE_MAX / 4)
			return false;
		total = (size_t)(h.len[0] + h.len[1] + h.len[2]);
		if (w->in.len - off - sizeof(h) < total)
			break;
		/* three NUL-terminated parts in one allocation */
		mem = xzalloc(total + 3);
		memcpy(mem, w->in.buf + off + sizeof(h), (size_t)h.len[0]);
		memcpy(mem + h.len[0] + 1, w->in.buf + off + sizeof(h) + h.len[0], (size_t)h.len[1]);
		memcpy(mem + h.len[0] + h.len[1] + 2, w->in.buf + off + sizeof(h) + h.len[0] + h.len[1],
		       (size_t)h.len[2]);
		done[h.index] = (struct done){
			.mem = mem,
			.ended = true,
			.r = {.ret = h.ret, .blob = mem, .blob_len = (size_t)h.len[0], .out = mem + h.len[0] + 1,
			      .out_len = (size_t)h.len[1], .err = mem + h.len[0] + h.len[1] + 2,
			      .err_len = (size_t)h.len[2]},
		};
		off += sizeof(h) + total;
	}
	if (off) {
		memmove(w->in.buf, w->in.buf + off, w->in.len - off);
		w->in.len -= off;
		w->in.buf[w->in.len] = '\0';
	}
	return true;
}

/* An item that ends without a result: MC_EFAIL, nothing written, died = a wait status (or -1). */
static void
end_unfinished(struct done *d, int status)
{
	d->mem = xzalloc(3);
	d->ended = true;
	d->r = (struct pool_result){.ret = MC_EFAIL, .died = status ? status : -1, .blob = d->mem,
				    .out = d->mem + 1, .err = d->mem + 2};
}

/* Items the worker `no` took and never finished: each ends with the worker's wait status. How many. */
static size_t
mark_died(size_t n, const struct pool_shared *sh, int no, int status, struct done *done)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!done[i].ended && __atomic_load_n(&sh->owner[i], __ATOMIC_SEQ_CST) == no) {
			end_unfinished(&done[i], status);
			k++;
		}
	}
	return k;
}

/* Read what a worker sent; at its end, reap it. False when it has nothing more to say. */
static bool
drain(struct worker *w, int no, size_t n, const struct pool_shared *sh, struct done *done)
{
	char buf[65536];
	ssize_t r = read(w->fd, buf, sizeof(buf));
	int status = 0;

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r > 0) {
		strbuf_add(&w->in, buf, (size_t)r);
		if (take_frames(w, n, done))
			return true;
	}
	/* EOF, a read error or a garbled frame: this worker is done for */
	close(w->fd);
	w->fd = -1;
	if (r > 0)
		kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	w->status = status;
	w->unfinished = mark_died(n, sh, no, WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : status, done);
	return false;
}

/*
 * After every item: a worker that ended badly with nothing left unfinished (its items already
 * say so) still counts, e.g. one that a memory checker made exit with its own status.
 * 125: it could not set itself up and took nothing.
 */
static int
unclean_end(struct worker *ws, unsigned started, struct mc_error *err)
{
	int ret = 0;

	for (unsigned k = 0; k < started; k++) {
		int st = ws[k].status;

		strbuf_release(&ws[k].in);
		if (ret || ws[k].unfinished || (WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 125)))
			continue;
		if (WIFSIGNALED(st))
			mc_error_set(err, MC_EFAIL, "a worker process was killed (%s) after its last profile",
				     strsignal(WTERMSIG(st)));
		else
			mc_error_set(err, MC_EFAIL, "a worker process exited with status %d", WEXITSTATUS(st));
		ret = 1;
	}
	return ret;
}

/* Fork up to jobs workers; how many started. */
static unsigned
start_workers(unsigned jobs, size_t n, struct pool_shared *sh, struct worker *ws, pool_work_fn work, void *arg)
{
	unsigned started = 0;

	fflush(stdout);
	fflush(stderr);
	for (unsigned k = 0; k < jobs; k++) {
		int p[2];
		pid_t pid;

		if (pipe2(p, O_CLOEXEC) != 0)
			break;
		pid = fork();
		if (pid < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			for (unsigned m = 0; m < started; m++)
				close(ws[m].fd);
			worker_main((int)started + 1, p[1], n, sh, work, arg);
		}
		close(p[1]);
		ws[started].pid = pid;
		ws[started].fd = p[0];
		strbuf_init(&ws[started].in);
		started++;
	}
	return started;
}

int
pool_run(size_t n, unsigned jobs, pool_work_fn work, pool_deliver_fn deliver, void *arg, struct mc_error *err)
{
	size_t shsize = sizeof(struct pool_shared) + n * sizeof(int);
	struct pool_shared *sh;
	struct worker ws[POOL_MAX_JOBS];
	struct done *done;
	unsigned started, open;
	size_t next = 0;

	if (jobs > POOL_MAX_JOBS)
		jobs = POOL_MAX_JOBS;
	sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return mc_error_sys(err, "cannot share memory with the workers");
	memset(sh, 0, shsize);
	started = start_workers(jobs, n, sh, ws, work, arg);
	if (started == 0) {
		int ret = mc_error_sys(err, "cannot start a worker");

		munmap(sh, shsize);
		return ret;
	}
	done = xzalloc(n * sizeof(*done));
	open = started;
	while (open) {
		struct pollfd pf[POOL_MAX_JOBS];
		unsigned idx[POOL_MAX_JOBS], np = 0;

		for (unsigned k = 0; k < started; k++) {
			if (ws[k].fd < 0)
				continue;
			pf[np] = (struct pollfd){.fd = ws[k].fd, .events = POLLIN};
			idx[np++] = k;
		}
		if (poll(pf, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			/* cannot wait for input: read in turn, blocking */
			for (unsigned m = 0; m < np; m++)
				pf[m].revents = POLLIN;
		}
		for (unsigned m = 0; m < np; m++)
			if (pf[m].revents && !drain(&ws[idx[m]], (int)idx[m] + 1, n, sh, done))
				open--;
		for (; next < n && done[next].ended; next++) {
			deliver(next, &done[next].r, arg);
			free(done[next].mem);
			done[next].mem = NULL;
			done[next].r = (struct pool_result){0};
		}
	}
	/* every worker is gone: what none of them took was not run */
	for (; next < n; next++) {
		if (!done[next].ended)
			end_unfinished(&done[next], -1);
		deliver(next, &done[next].r, arg);
		free(done[next].mem);
	}
	free(done);
	munmap(sh, shsize);
	return unclean_end(ws, started, err);
}
