/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-ocsp-check.c: one OCSP question to a real responder (openssl ocsp on
 * a loopback port, which takes both methods), sent as POST (what Firefox
 * sends, Content-Type application/ocsp-request) and as GET (RFC 6960 A.1):
 * both get the responder's answer for a revoked and a good certificate;
 * with no responder the answer is unreachable, with the code Firefox
 * reports under hard-fail (SEC_ERROR_OCSP_SERVER_ERROR).
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

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("ocsp-check");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_post_and_get);
	suite_add_tcase(s, tc);
	return s;
}
