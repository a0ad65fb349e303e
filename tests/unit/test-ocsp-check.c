/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-ocsp-check.c: one OCSP question to a real responder (openssl ocsp on
 * a loopback port, which takes both methods), sent as POST (what Firefox
 * sends, Content-Type application/ocsp-request) and as GET (RFC 6960 A.1):
 * both get the responder's answer for a revoked and a good certificate;
 * with no responder the answer is unreachable, with the code Firefox
 * reports under hard-fail (SEC_ERROR_OCSP_SERVER_ERROR); a response a
 * server stapled (openssl s_server -status_file) is kept by tlsfetch and
 * judged by ocsp_judge.
 */
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nss.h>
#include <prtime.h>

#include "cert-input.h"
#include "fileio.h"
#include "ocsp-check.h"
#include "tls-fetch.h"
#include "util.h"

/* A loopback port nothing listens on now. */
static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static void
sh(const char *dir, const char *script)
{
	_autofree_ char *cmd = xasprintf("cd %s && { %s; }", dir, script);

	ck_assert_msg(system(cmd) == 0, "%s", script);
}

/* The DER of dir/name.pem (malloc'd). */
static unsigned char *
der_of(const char *dir, const char *name, size_t *len)
{
	_autofree_ char *cmd = xasprintf("cd %s && openssl x509 -in %s.pem -outform DER -out %s.der", dir, name, name);
	_autofree_ char *path = xasprintf("%s/%s.der", dir, name);
	char *buf = NULL;
	struct mc_error err = {0};

	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(fileio_read(path, 1 << 20, &buf, len, &err), 0);
	return (unsigned char *)buf;
}

static void
ask(const unsigned char *c, size_t cl, const unsigned char *ca, size_t cal, enum ocsp_method m,
    enum ocsp_status want, const char *code)
{
	struct ocsp_answer a;
	struct mc_error err = {0};

	ck_assert_int_eq(ocsp_check(c, cl, ca, cal, m, 5000, PR_Now(), &a, &err), 0);
	ck_assert_msg(a.status == want, "%s: %s, wanted %s (%s)", m == OCSP_POST ? "POST" : "GET",
		      ocsp_status_name(a.status), ocsp_status_name(want), a.error ? a.error : "");
	if (code)
		ck_assert_str_eq(a.code, code);
	else
		ck_assert_ptr_null(a.code);
	ocsp_answer_release(&a);
}

START_TEST(test_post_and_get)
{
	_autofree_ char *dir = xasprintf("%s/mozcert-ocsp-XXXXXX", fileio_tmpdir());
	_autofree_ char *script = NULL, *pidf = NULL, *pidtxt = NULL, *cmd = NULL;
	unsigned char *ca, *good, *revoked;
	size_t cal, gl, rl, pl;
	int port = free_port();
	pid_t pid;
	struct mc_error err = {0};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -subj '/CN=Unit OCSP CA' -days 3 "
		"-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign "
		"-out ca.pem 2>/dev/null");
	script = xasprintf("for c in good revoked; do printf 'basicConstraints=critical,CA:false\\n"
			   "authorityInfoAccess=OCSP;URI:http://127.0.0.1:%d/\\n' >$c.ext; "
			   "openssl req -new -newkey rsa:2048 -nodes -keyout $c.key -subj /CN=$c.example 2>/dev/null | "
			   "openssl x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial -days 3 -extfile $c.ext "
			   "-out $c.pem 2>/dev/null || exit 1; done", port);
	sh(dir, script);
	/* the index: good valid, revoked revoked now */
	sh(dir, ": >index.txt; for c in good revoked; do s=$(openssl x509 -in $c.pem -noout -serial | sed s/serial=//); "
		"if [ $c = revoked ]; then printf 'R\\t300101000000Z\\t%s\\t%s\\tunknown\\t/CN=x\\n' "
		"$(date -u +%y%m%d%H%M%SZ) $s >>index.txt; else printf 'V\\t300101000000Z\\t\\t%s\\tunknown\\t/CN=x\\n' "
		"$s >>index.txt; fi; done");
	free(script);
	script = xasprintf("openssl ocsp -index index.txt -port %d -rsigner ca.pem -rkey ca.key -CA ca.pem "
			   "-ignore_err -timeout 5 >ocsp.log 2>&1 & echo $! >ocsp.pid; i=0; "
			   "while ! grep -q 'waiting for OCSP client' ocsp.log && [ $i -lt 100 ]; do sleep 0.1; "
			   "i=$((i + 1)); done; grep -q 'waiting for OCSP client' ocsp.log", port);
	sh(dir, script);
	free(script);
	pidf = xasprintf("%s/ocsp.pid", dir);
	ck_assert_int_eq(fileio_read(pidf, 64, &pidtxt, &pl, &err), 0);
	pid = (pid_t)atoi(pidtxt);
	ck_assert_int_gt(pid, 0);

	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
	ca = der_of(dir, "ca", &cal);
	good = der_of(dir, "good", &gl);
	revoked = der_of(dir, "revoked", &rl);
	ask(revoked, rl, ca, cal, OCSP_POST, OCSP_REVOKED, "SEC_ERROR_REVOKED_CERTIFICATE");
	ask(revoked, rl, ca, cal, OCSP_GET, OCSP_REVOKED, "SEC_ERROR_REVOKED_CERTIFICATE");
	ask(good, gl, ca, cal, OCSP_POST, OCSP_GOOD, NULL);
	ask(good, gl, ca, cal, OCSP_GET, OCSP_GOOD, NULL);
	kill(pid, SIGTERM);
	/* nothing listens any more: unreachable, SEC_ERROR_OCSP_SERVER_ERROR when hard-fail */
	script = xasprintf("i=0; while kill -0 %d 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done",
			   (int)pid);
	sh(dir, script);
	ask(good, gl, ca, cal, OCSP_POST, OCSP_UNREACHABLE, "SEC_ERROR_OCSP_SERVER_ERROR");
	free(ca);
	free(good);
	free(revoked);
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
	cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Wait until something listens on port (bounded: 200 tries); true when it does. */
static bool
listening(int port)
{
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int s = socket(AF_INET, SOCK_STREAM, 0), r;

		ck_assert_int_ge(s, 0);
		r = connect(s, (struct sockaddr *)&a, sizeof(a));
		close(s);
		if (r == 0)
			return true;
		usleep(50000);
	}
	return false;
}

/*
 * A stapled response (openssl s_server -status_file): tlsfetch asks for it
 * (status_request) and keeps it; ocsp_judge reads the revocation from it
 * without any responder. A server that staples nothing leaves it NULL.
 */
START_TEST(test_stapled)
{
	_autofree_ char *dir = xasprintf("%s/mozcert-staple-XXXXXX", fileio_tmpdir());
	_autofree_ char *script = NULL, *pidtxt = NULL, *pidf = NULL, *cmd = NULL;
	unsigned char *ca, *revoked;
	size_t cal, rl, pl;
	int port = free_port();
	pid_t pid;
	struct mc_error err = {0};
	struct tlsfetch_req req = {.host = "127.0.0.1", .port = port, .starttls = STARTTLS_NONE, .timeout_ms = 5000};
	struct tlsfetch_result res;
	struct ocsp_answer a;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -subj '/CN=Unit Staple CA' -days 3 "
		"-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign "
		"-out ca.pem 2>/dev/null && openssl req -new -newkey rsa:2048 -nodes -keyout revoked.key "
		"-subj /CN=revoked.example 2>/dev/null | openssl x509 -req -CA ca.pem -CAkey ca.key -CAcreateserial "
		"-days 3 -out revoked.pem 2>/dev/null && s=$(openssl x509 -in revoked.pem -noout -serial | sed s/serial=//) "
		"&& printf 'R\t300101000000Z\t%s\t%s\tunknown\t/CN=x\n' $(date -u +%y%m%d%H%M%SZ) $s >index.txt && "
		"openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -issuer ca.pem -cert revoked.pem "
		"-respout resp.der -ndays 1 >/dev/null 2>&1");
	script = xasprintf("openssl s_server -accept 127.0.0.1:%d -cert revoked.pem -key revoked.key -status_file "
			   "resp.der -quiet </dev/null >s_server.log 2>&1 & echo $! >s_server.pid", port);
	sh(dir, script);
	pidf = xasprintf("%s/s_server.pid", dir);
	ck_assert_int_eq(fileio_read(pidf, 64, &pidtxt, &pl, &err), 0);
	pid = (pid_t)atoi(pidtxt);
	ck_assert(listening(port));

	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
	ck_assert_msg(tlsfetch(&req, &res, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(res.stapled);
	ca = der_of(dir, "ca", &cal);
	revoked = der_of(dir, "revoked", &rl);
	ck_assert_int_eq(ocsp_judge(revoked, rl, ca, cal, res.stapled, res.stapled_len, PR_Now(), &a, &err), 0);
	ck_assert_msg(a.status == OCSP_REVOKED, "%s (%s)", ocsp_status_name(a.status), a.error ? a.error : "");
	ck_assert_str_eq(a.code, "SEC_ERROR_REVOKED_CERTIFICATE");
	ck_assert_ptr_null(a.url);
	ocsp_answer_release(&a);
	tlsfetch_result_release(&res);
	kill(pid, SIGTERM);
	free(script);
	script = xasprintf("i=0; while kill -0 %d 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; "
			   "openssl s_server -accept 127.0.0.1:%d -cert revoked.pem -key revoked.key -quiet </dev/null "
			   ">s_server2.log 2>&1 & echo $! >s_server.pid", (int)pid, port);
	sh(dir, script);
	free(pidtxt);
	pidtxt = NULL;
	ck_assert_int_eq(fileio_read(pidf, 64, &pidtxt, &pl, &err), 0);
	pid = (pid_t)atoi(pidtxt);
	ck_assert(listening(port));
	ck_assert_msg(tlsfetch(&req, &res, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(res.stapled);
	tlsfetch_result_release(&res);
	kill(pid, SIGTERM);
	free(ca);
	free(revoked);
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
	cmd = xasprintf("rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("ocsp-check");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_post_and_get);
	tcase_add_test(tc, test_stapled);
	suite_add_tcase(s, tc);
	return s;
}
