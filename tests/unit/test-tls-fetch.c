/* SPDX-License-Identifier: MPL-2.0 */
/*
 * test-tls-fetch.c: the pure parts of the live-server client: HOST[:PORT]
 * parsing, protocol sniffing, the STARTTLS preambles against scripted
 * replies on a socketpair (real sockets, real bounded reads), and --save.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert-input.h"
#include "nssdb.h"
#include "starttls.h"
#include "tls-fetch.h"
#include "fileio.h"
#include "util.h"

START_TEST(test_parse_target)
{
	struct mc_error err = {0};
	char *host = NULL;
	int port = 0;

	ck_assert_int_eq(tlsfetch_parse_target("Mail.Example.org:993", 443, &host, &port, &err), 0);
	ck_assert_str_eq(host, "mail.example.org");
	ck_assert_int_eq(port, 993);
	free(host);
	ck_assert_int_eq(tlsfetch_parse_target("example.org", 443, &host, &port, &err), 0);
	ck_assert_int_eq(port, 443);
	free(host);
	ck_assert_int_eq(tlsfetch_parse_target("[::1]:143", 443, &host, &port, &err), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 143);
	free(host);
	ck_assert_int_eq(tlsfetch_parse_target("fe80::1", 443, &host, &port, &err), 0);
	ck_assert_str_eq(host, "fe80::1");
	ck_assert_int_eq(port, 443);
	free(host);
	ck_assert_int_eq(tlsfetch_parse_target("host:0", 443, &host, &port, &err), MC_EUSAGE);
	mc_error_clear(&err);
	ck_assert_int_eq(tlsfetch_parse_target("host:99999", 443, &host, &port, &err), MC_EUSAGE);
	mc_error_clear(&err);
	ck_assert_int_eq(tlsfetch_parse_target("https://host/", 443, &host, &port, &err), MC_EUSAGE);
	mc_error_clear(&err);
	ck_assert_int_eq(tlsfetch_parse_target("[::1", 443, &host, &port, &err), MC_EUSAGE);
	mc_error_clear(&err);
	ck_assert_int_eq(tlsfetch_parse_target(":25", 443, &host, &port, &err), MC_EUSAGE);
}
END_TEST

START_TEST(test_protocols_and_sniff)
{
	ck_assert_int_eq(starttls_parse("IMAP"), STARTTLS_IMAP);
	ck_assert_int_eq(starttls_parse("none"), STARTTLS_NONE);
	ck_assert_int_eq(starttls_parse("ftp"), -1);
	ck_assert_int_eq(starttls_for_port(587), STARTTLS_SMTP);
	ck_assert_int_eq(starttls_for_port(25), STARTTLS_SMTP);
	ck_assert_int_eq(starttls_for_port(143), STARTTLS_IMAP);
	ck_assert_int_eq(starttls_for_port(110), STARTTLS_POP3);
	ck_assert_int_eq(starttls_for_port(389), STARTTLS_LDAP);
	ck_assert_int_eq(starttls_for_port(993), STARTTLS_NONE);
	ck_assert_int_eq(starttls_for_port(465), STARTTLS_NONE);
	ck_assert_str_eq(starttls_sniff((const unsigned char *)"* OK IMAP4rev1\r\n", 16), "IMAP");
	ck_assert_str_eq(starttls_sniff((const unsigned char *)"+OK POP3 ready\r\n", 16), "POP3");
	ck_assert_str_eq(starttls_sniff((const unsigned char *)"220 mx ESMTP\r\n", 14), "SMTP");
	ck_assert_str_eq(starttls_sniff((const unsigned char *)"220 ProFTPD Server\r\n", 20), "FTP");
	ck_assert_str_eq(starttls_sniff((const unsigned char *)"SSH-2.0-OpenSSH\r\n", 17), "SSH");
	ck_assert_str_eq(starttls_sniff((const unsigned char *)"HTTP/1.1 400 Bad", 16), "HTTP");
	/* a TLS record (handshake, TLS 1.2) is nothing known */
	ck_assert_ptr_null(starttls_sniff((const unsigned char *)"\x16\x03\x03\x00\x40", 5));
	ck_assert_ptr_null(starttls_sniff(NULL, 0));
}
END_TEST

START_TEST(test_printable)
{
	char *s = starttls_printable((const unsigned char *)"* OK hi\r\nsecond line", 19, 80);

	ck_assert_str_eq(s, "* OK hi");
	free(s);
	s = starttls_printable((const unsigned char *)"a\x01\x7f" "bcdefgh", 10, 5);
	ck_assert_str_eq(s, "a..bc...");
	free(s);
}
END_TEST

/* run p's preamble against server, the server's whole script written up front */
static int
script(enum starttls_proto p, const void *server, size_t len, int step_ms, char *sent, size_t sent_cap,
       struct mc_error *err)
{
	int sv[2], ret;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	ck_assert_int_eq(write(sv[1], server, len), (ssize_t)len);
	ret = starttls_run(sv[0], p, step_ms, starttls_now_ms() + 3 * step_ms, "here", err);
	n = read(sv[1], sent, sent_cap - 1);
	sent[n > 0 ? n : 0] = '\0';
	close(sv[0]);
	close(sv[1]);
	return ret;
}

START_TEST(test_preambles)
{
	struct mc_error err = {0};
	char sent[512];
	static const char imap_ok[] = "* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na1 OK done\r\n"
				      "a2 OK Begin TLS\r\n";
	static const char imap_no[] = "* OK ready\r\n* CAPABILITY IMAP4rev1\r\na1 OK done\r\n";
	static const char smtp_ok[] = "220-mx first\r\n220 mx ESMTP\r\n250-mx\r\n250-SIZE 1\r\n250 STARTTLS\r\n"
				      "220 go ahead\r\n";
	static const char pop3_ok[] = "+OK hi\r\n+OK caps\r\nUSER\r\nSTLS\r\n.\r\n+OK begin\r\n";
	static const unsigned char ldap_ok[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00,
						0x04, 0x00, 0x04, 0x00};
	unsigned char ldap_err[44] = {0x30, 0x2a, 0x02, 0x01, 0x01, 0x78, 0x25, 0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, 0x1e};

	ck_assert_int_eq(script(STARTTLS_IMAP, imap_ok, strlen(imap_ok), 1000, sent, sizeof(sent), &err), 0);
	ck_assert_str_eq(sent, "a1 CAPABILITY\r\na2 STARTTLS\r\n");
	ck_assert_int_eq(script(STARTTLS_IMAP, imap_no, strlen(imap_no), 1000, sent, sizeof(sent), &err), MC_EFAIL);
	ck_assert_str_eq(err.msg, "here: IMAP: STARTTLS not offered (CAPABILITY does not list it)");
	mc_error_clear(&err);
	ck_assert_int_eq(script(STARTTLS_SMTP, smtp_ok, strlen(smtp_ok), 1000, sent, sizeof(sent), &err), 0);
	ck_assert_str_eq(sent, "EHLO mozcert.invalid\r\nSTARTTLS\r\n");
	ck_assert_int_eq(script(STARTTLS_POP3, pop3_ok, strlen(pop3_ok), 1000, sent, sizeof(sent), &err), 0);
	ck_assert_str_eq(sent, "CAPA\r\nSTLS\r\n");
	ck_assert_int_eq(script(STARTTLS_LDAP, ldap_ok, sizeof(ldap_ok), 1000, sent, sizeof(sent), &err), 0);
	/* the fixed ExtendedRequest: messageID 1, OID 1.3.6.1.4.1.1466.20037 */
	ck_assert_int_eq((unsigned char)sent[0], 0x30);
	ck_assert_int_eq((unsigned char)sent[1], 0x1d);
	ck_assert_int_eq((unsigned char)sent[5], 0x77);
	ck_assert(memcmp(sent + 9, "1.3.6.1.4.1.1466.20037", 22) == 0);
	memcpy(ldap_err + 14, "unsupported extended operation", 30);
	ck_assert_int_eq(script(STARTTLS_LDAP, ldap_err, sizeof(ldap_err), 1000, sent, sizeof(sent), &err), MC_EFAIL);
	ck_assert_str_eq(err.msg, "here: LDAP: STARTTLS not offered or refused: resultCode 2 (protocolError): "
				  "unsupported extended operation");
	mc_error_clear(&err);
	/* a greeting of another protocol is named */
	ck_assert_int_eq(script(STARTTLS_IMAP, "+OK pop\r\n", 9, 1000, sent, sizeof(sent), &err), MC_EFAIL);
	ck_assert_msg(strstr(err.msg, "looks like POP3"), "%s", err.msg);
	mc_error_clear(&err);
}
END_TEST

START_TEST(test_preamble_bounds)
{
	struct mc_error err = {0};
	char sent[64];
	size_t big = 16 * 1024;
	char *line = xmalloc(big);
	int64_t t;

	/* a server that says nothing: the step bound ends the wait */
	t = starttls_now_ms();
	ck_assert_int_eq(script(STARTTLS_IMAP, "", 0, 200, sent, sizeof(sent), &err), MC_EFAIL);
	ck_assert(starttls_now_ms() - t < 1000);
	ck_assert_msg(strstr(err.msg, "timed out waiting for the IMAP greeting"), "%s", err.msg);
	mc_error_clear(&err);
	/* a line longer than the bound (twice the bound, within any socket buffer) */
	memset(line, 'x', big);
	memcpy(line, "* OK ", 5);
	ck_assert_int_eq(script(STARTTLS_IMAP, line, big, 1000, sent, sizeof(sent), &err), MC_EFAIL);
	ck_assert_msg(strstr(err.msg, "longer than 8192 bytes"), "%s", err.msg);
	free(line);
}
END_TEST

START_TEST(test_save_pem)
{
	struct mc_error err = {0};
	struct der_list in = {0}, back = {0};
	char dir[] = "/tmp/mozcert-test-save-XXXXXX", *path, *link_path, *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(certdb_nodb_init(&err), 0);
	ck_assert_int_eq(certpkg_read_path(TEST_SRCDIR "/tests/fixtures/certs/chain.p7b", &in, &err), 0);
	ck_assert_uint_eq(in.n, 3);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/chain.pem", dir);
	link_path = xasprintf("%s/link.pem", dir);
	ck_assert_int_eq(tlsfetch_save_pem(&in, path, &err), 0);
	ck_assert_int_eq(fileio_read(path, 1 << 20, &buf, &len, &err), 0);
	ck_assert_int_eq(certpkg_parse((unsigned char *)buf, len, path, &back, &err), 0);
	ck_assert_uint_eq(back.n, in.n);
	for (size_t i = 0; i < in.n; i++) {
		ck_assert_uint_eq(back.v[i].len, in.v[i].len);
		ck_assert(memcmp(back.v[i].data, in.v[i].data, in.v[i].len) == 0);
	}
	/* never over an existing file, nor through a symlink */
	ck_assert_int_eq(tlsfetch_save_pem(&in, path, &err), MC_EUSAGE);
	mc_error_clear(&err);
	ck_assert_int_eq(symlink("/nonexistent-target", link_path), 0);
	ck_assert_int_ne(tlsfetch_save_pem(&in, link_path, &err), 0);
	mc_error_clear(&err);
	unlink(link_path);
	unlink(path);
	rmdir(dir);
	free(buf);
	free(path);
	free(link_path);
	der_list_release(&in);
	der_list_release(&back);
	ck_assert_int_eq(certdb_nodb_shutdown(&err), 0);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("tlsfetch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_target);
	tcase_add_test(tc, test_protocols_and_sniff);
	tcase_add_test(tc, test_printable);
	tcase_add_test(tc, test_preambles);
	tcase_add_test(tc, test_preamble_bounds);
	tcase_add_test(tc, test_save_pem);
	suite_add_tcase(s, tc);
	return s;
}
