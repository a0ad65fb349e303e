/* SPDX-License-Identifier: MPL-2.0 */
/* nssdb-apart.c: a store listed by NSS in a child process, so that what NSS cannot let go of ends with the child. */
#include "nssdb.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#include "fileio.h"
#include "trust.h"
#include "banned.h"

/* One certificate as the child sends it; der_len 0 ends the list (nick_len: the error message's length). */
struct apart_rec {
	uint32_t der_len;
	uint32_t nick_len;  /* UINT32_MAX: no nickname */
	int32_t code;       /* at the end: the error code (0: listed) */
	char trust[TRUST_STR_MAX];
	unsigned char sha256[32];
	char sha256_hex[96];
};

static bool
read_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		len -= (size_t)r;
	}
	return true;
}

static void __attribute__((noreturn))
list_child(int fd, const char *dir, const char *shown, enum certdb_kind kind, unsigned flags, const char *password)
{
	struct certdb *db = NULL;
	struct mc_error e = {0};
	struct cert_info *v = NULL;
	size_t n = 0;
	struct apart_rec end;
	int ret;
	bool ok = true;

	memset(&end, 0, sizeof(end));
	ret = certdb_open_as(dir, shown, kind, flags & ~CERTDB_LIST_UNCLOSED, password, &db, &e);
	if (ret == 0)
		ret = certdb_list(db, &v, &n, &e);
	if ((flags & CERTDB_LIST_UNCLOSED) && ret == 0) {
		/* a cert8.db NSS read but cannot let go of: the listing is kept, the state ends with the child */
		db = NULL;
	} else if (certdb_close(db, ret < 0 ? NULL : &e) < 0 && ret == 0) {
		ret = e.code ? e.code : MC_EFAIL;
	}
	for (size_t i = 0; ok && ret == 0 && i < n; i++) {
		struct apart_rec r;

		memset(&r, 0, sizeof(r));
		r.der_len = (uint32_t)v[i].der_len;
		r.nick_len = v[i].nickname ? (uint32_t)strlen(v[i].nickname) : UINT32_MAX;
		memcpy(r.trust, v[i].trust, sizeof(r.trust));
		memcpy(r.sha256, v[i].sha256, sizeof(r.sha256));
		memcpy(r.sha256_hex, v[i].sha256_hex, sizeof(r.sha256_hex));
		ok = fileio_write_all(fd, &r, sizeof(r)) == 0 && fileio_write_all(fd, v[i].der, v[i].der_len) == 0 &&
		     (!v[i].nickname || fileio_write_all(fd, v[i].nickname, r.nick_len) == 0);
	}
	end.code = ret;
	end.nick_len = ret < 0 ? (uint32_t)strlen(e.msg) : 0;
	if (ok)
		ok = fileio_write_all(fd, &end, sizeof(end)) == 0 && fileio_write_all(fd, e.msg, end.nick_len) == 0;
	/* NSS may be unable to let go of a damaged store: that state ends with this process. */
	_exit(ok ? 0 : 1);
}

int
certdb_list_apart(const char *dir, const char *shown, enum certdb_kind kind, unsigned flags, const char *password,
		  struct cert_info **out, size_t *n, struct mc_error *err)
{
	int fds[2], status = 0, ret = MC_EFAIL;
	struct cert_info *v = NULL;
	size_t count = 0, cap = 0;
	bool done = false;
	pid_t pid;

	*out = NULL;
	*n = 0;
	if (pipe(fds) < 0)
		return mc_error_sys(err, "cannot create a pipe");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return mc_error_sys(err, "cannot start a process");
	}
	if (pid == 0) {
		close(fds[0]);
		list_child(fds[1], dir, shown, kind, flags, password);
	}
	close(fds[1]);
	for (;;) {
		struct apart_rec r;
		struct cert_info *ci;

		if (!read_all(fds[0], &r, sizeof(r)))
			break;
		r.trust[TRUST_STR_MAX - 1] = '\0';
		r.sha256_hex[sizeof(r.sha256_hex) - 1] = '\0';
		if (r.der_len == 0) {
			char msg[4097] = {0};

			if (r.nick_len > 4096 || !read_all(fds[0], msg, r.nick_len))
				break;
			done = true;
			ret = r.code;
			if (ret < 0)
				mc_error_set(err, ret, "%s", msg);
			break;
		}
		if (r.der_len > 16u * 1024 * 1024 || (r.nick_len != UINT32_MAX && r.nick_len > 65536))
			break;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		ci = &v[count];
		memset(ci, 0, sizeof(*ci));
		ci->der = xmalloc(r.der_len);
		ci->der_len = r.der_len;
		count++;
		if (r.nick_len != UINT32_MAX)
			ci->nickname = xzalloc((size_t)r.nick_len + 1);
		memcpy(ci->trust, r.trust, sizeof(ci->trust));
		memcpy(ci->sha256, r.sha256, sizeof(ci->sha256));
		memcpy(ci->sha256_hex, r.sha256_hex, sizeof(ci->sha256_hex));
		if (!read_all(fds[0], ci->der, r.der_len) || (ci->nickname && !read_all(fds[0], ci->nickname, r.nick_len)))
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!done) {
		cert_info_array_free(v, count);
		if (WIFSIGNALED(status))
			return mc_error_set(err, MC_EFAIL, "NSS crashed reading the certificate store of '%s' (signal %d)",
					    shown, WTERMSIG(status));
		return mc_error_set(err, MC_EFAIL, "NSS stopped reading the certificate store of '%s' part-way", shown);
	}
	if (ret < 0) {
		cert_info_array_free(v, count);
		return ret;
	}
	*out = v;
	*n = count;
	return 0;
}
