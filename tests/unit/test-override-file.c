/* SPDX-License-Identifier: MPL-2.0 */
/* test-override-file.c: cert_override.txt parsing, writing, formatting and edits against real files and the app's own test vectors. */
#include <check.h>
#include <time.h>
#include <nss.h>

#include "helpers.h"
#include "override-file.h"
#include "override-match.h"
#include "strbuf.h"
#include "error.h"

#define OID OVERRIDE_OID
#define FP1 "11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11"
#define FP2 "22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22:22"
#define FP3 "3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C:3C"
/* hex of the bytes 0..31, the SHA-256 used by the writer tests */
#define FPSEQ "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"
#define HEADER OVERRIDE_HEADER1 "\n" OVERRIDE_HEADER2 "\n"
#define LOCALHOST_KEY "AAAAAAAAAAAAAAACAAAAFjA5MBQxEjAQBgNVBAMMCWxvY2FsaG9zdA=="
#define ALL_READERS                                                                                  \
	(OVERRIDE_READER(OVERRIDE_ERA_A) | OVERRIDE_READER(OVERRIDE_ERA_B) |                         \
	 OVERRIDE_READER(OVERRIDE_ERA_C) | OVERRIDE_READER(OVERRIDE_ERA_D))

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static unsigned char seq[32];

static void
init_seq(void)
{
	for (int i = 0; i < 32; i++)
		seq[i] = (unsigned char)i;
}

static void
parse_ok(const char *buf, size_t len, struct override_file *f)
{
	struct mc_error err = { 0 };

	override_file_init(f);
	ck_assert_int_eq(override_parse(buf, len, "test", f, &err), 0);
	ck_assert_int_eq(err.code, 0);
}

static void
parse_str(const char *s, struct override_file *f)
{
	parse_ok(s, strlen(s), f);
}

/* Writing the file must give back exactly these bytes. */
static void
assert_writes(const struct override_file *f, const char *buf, size_t len)
{
	struct strbuf sb;

	strbuf_init(&sb);
	override_write(f, &sb);
	ck_assert_uint_eq(sb.len, len);
	ck_assert(memcmp(sb.buf, buf, len) == 0);
	strbuf_release(&sb);
}

static void
assert_writes_str(const struct override_file *f, const char *s)
{
	assert_writes(f, s, strlen(s));
}

/* ---- Real files ---- */

struct fx_entry {
	const char *host;
	int port;
	const char *fp;
	const char *bits;
	size_t dbkey_spaces;
};

struct fx_file {
	const char *path;
	size_t lines;
	size_t n;
	struct fx_entry e[8];
};

#define FP_EISZ "25:7C:05:32:42:19:E0:26:8D:2A:05:0D:F7:4B:54:FE:68:D3:0D:BD:C6:83:C3:BA:7D:3B:CC:FA:EA:DF:CD:A1"
#define FP_RRO "01:69:73:38:0C:0F:1D:F0:0B:D9:59:3E:D8:D5:EF:A3:70:6C:D6:DF:79:93:F6:14:12:72:B8:05:22:AC:DD:23"
#define FP_BULKO "D9:FA:78:1C:BA:6A:E4:3B:A9:18:73:CD:AF:B2:06:8C:22:D1:00:B7:83:E8:F0:C6:E4:30:18:B2:31:67:14:7D"

#define FP_BANK "56:2D:97:5B:D5:BE:6B:AB:DC:A4:1B:CF:5F:BB:62:AF:81:3F:F6:5D:ED:A2:B9:B9:B4:A8:34:24:48:E8:71:A8"
#define FP_EXPIRED "19:04:BC:C2:A3:1D:7F:DA:BA:26:B1:FE:B4:31:20:86:4F:D1:F7:92:E7:F5:43:60:48:8E:32:0A:C2:78:AC:67"
#define FP_IP "AE:93:A7:E7:59:A5:99:5A:8A:01:9A:0E:B8:CF:7A:DA:03:BD:04:60:F1:BC:17:4D:BD:55:B7:66:25:3E:5B:D5"
#define FP_THREE_HOSTS "0D:4A:73:89:3A:DA:A8:9D:56:EE:44:45:84:EF:48:BF:9F:25:21:9C:AC:32:BD:4A:89:D3:D7:B3:23:51:38:ED"
#define FP_LONG "56:87:19:98:2E:DE:57:87:25:D9:3E:33:D7:41:12:60:3A:E6:CD:97:BE:27:A0:FA:2E:C9:DE:41:C8:61:B1:B2"

/*
 * tests/fixtures/made (README there: each file shows a property of an
 * original that may not be shipped), then the originals, read from
 * $MOZCERT_EXTRA_FIXTURES when it is set.
 */
static const struct fx_file fixtures[] = {
	{ "made/legacy-profile/cert_override.txt", 10, 8, {
		{ "www.bank.made.test", 443, FP_BANK, "U", 2 },
		{ "expired.made.test", 8080, FP_EXPIRED, "MU", 2 },
		{ "192.0.2.10", 8080, FP_IP, "MU", 0 },
		{ "a.shared.made.test", 443, FP_THREE_HOSTS, "MU", 0 },
		{ "b.shared.made.test", 443, FP_THREE_HOSTS, "MU", 0 },
		{ "c.shared.made.test", 443, FP_THREE_HOSTS, "U", 0 },
		{ "mismatch.made.test", 443, FP_BANK, "M", 2 },
		{ "gone.made.test", 5656, "28:3B:B9:DE:EF:02:E6:84:3A:BF:B5:38:EF:A1:EC:A7:08:01:BD:8A:70:1C:3F:98:19:1E:12:34:96:33:92:47", "U", 0 },
	} },
	{ "made/sql-profile/cert_override.txt", 5, 3, {
		{ "www.bank.made.test", 443, FP_BANK, "MU", 0 },
		{ "expired.made.test", 443, FP_EXPIRED, "U", 0 },
		{ "ip.made.test", 443, FP_IP, "U", 0 },
	} },
	{ "made/override-header-only/cert_override.txt", 2, 0, { { 0 } } },
	{ "made/override-long-issuer/cert_override.txt", 4, 2, {
		{ "bank.long-issuer.test", 443, FP_LONG, "MU", 16 },
		{ "pol.long-issuer.test", 443, FP_LONG, "U", 16 },
	} },
	{ "made/override-long-issuer/sub/cert_override.txt", 3, 1, {
		{ "bank.long-issuer.test", 443, FP_LONG, "MU", 16 },
	} },
	{ "made/override-empty-issuer/cert_override.txt", 3, 1, {
		{ "localhost", 443, "B0:37:2E:0D:AA:64:34:4F:D4:5D:BF:FB:08:D8:71:BF:D0:01:F8:03:55:11:73:B7:3B:70:81:6F:BE:08:6E:24", "U", 0 },
	} },
	/* the originals */
	{ "beubi-customfirefoxprofile/cert_override.txt", 3, 1, {
		{ "lh.ubi-banking.com", 443, "C9:4A:3E:46:D0:94:02:6F:E1:DB:E8:FA:44:35:0B:86:99:72:E0:6C:AE:05:CD:35:38:40:8E:FF:54:19:0A:1C", "U", 6 },
	} },
	{ "cilliangeiger-firefox-profile/cert_override.txt", 2, 0, { { 0 } } },
	{ "dauaexptoapp-cert-override/cert_override.txt", 4, 2, {
		{ "bank.app.eisz.kz", 443, FP_EISZ, "MU", 12 },
		{ "pol.eisz.kz", 443, FP_EISZ, "U", 12 },
	} },
	{ "dauaexptoapp-cert-override/DauaAisGek/cert_override.txt", 3, 1, {
		{ "bank.app.eisz.kz", 443, FP_EISZ, "MU", 12 },
	} },
	{ "eventkit-testing-profile/cert_override.txt", 5, 3, {
		{ "www.digitalglobe.com", 443, "DE:3C:67:6A:F6:AE:44:47:20:C7:FA:15:D5:AD:E4:7C:7E:74:1F:A3:B3:EC:DF:4C:35:A8:61:E2:90:53:D2:53", "MU", 0 },
		{ "geoaxis.gxaccess.com", 443, "35:29:EB:9A:52:0F:B0:DD:F5:32:13:5F:C7:87:8D:8B:0E:A1:E8:38:C7:0A:DE:AC:5C:ED:B0:3C:1A:AB:77:5A", "U", 0 },
		{ "gxisaccess.gxaccess.com", 443, "F9:B2:D1:15:95:31:7C:88:96:D9:BF:16:5D:10:D5:2F:75:A2:CB:D5:81:97:B6:E3:0E:6C:42:0E:84:7C:A0:70", "U", 0 },
	} },
	{ "h8ed-ffprofile/cert_override.txt", 3, 1, {
		{ "i.imgur.com", 443, "A5:38:EF:C6:08:0B:A1:8A:0F:42:63:0D:65:72:A8:A0:CD:21:27:4C:23:12:FF:44:19:8F:7D:FA:0D:81:23:26", "U", 0 },
	} },
	{ "selenium-selqlmaven-profile/cert_override.txt", 3, 1, {
		{ "bestnor.stminver-demo.com", 443, "48:2F:6F:E6:A0:95:6F:3F:71:05:C9:E2:31:D0:D5:61:09:A2:39:79:EB:6C:99:4D:D0:AC:38:C7:56:D8:DC:10", "M", 8 },
	} },
	{ "selenium-solusvm-profile/cert_override.txt", 3, 1, {
		{ "vps-panel.hostinginside.com", 5656, "AE:CD:95:DE:98:03:C0:0D:CD:99:C7:49:73:36:9B:2B:21:46:61:0B:53:15:19:38:75:23:AC:70:E3:47:1C:C3", "U", 0 },
	} },
	{ "slimfox-profile/cert_override.txt", 10, 8, {
		{ "bart.bulko.net", 8080, "E5:02:2E:84:93:14:59:F1:D9:49:7F:38:52:FF:69:00:02:77:CE:E0:8F:D0:82:D1:F6:6D:9E:42:86:6A:29:6F", "U", 0 },
		{ "r-ro.local", 443, FP_RRO, "MU", 0 },
		{ "178.33.47.110", 8080, "84:F1:41:90:69:8D:35:07:7D:09:C6:E4:6D:6C:69:83:4C:61:81:A5:F1:47:0C:63:9A:D8:78:44:3D:0E:95:FD", "MU", 0 },
		{ "thepiratebay-proxylist.org", 443, FP_RRO, "MU", 0 },
		{ "barney.bulko.net", 8080, FP_BULKO, "MU", 0 },
		{ "server6.hyperion.gsi-network.com", 8080, "55:DB:4F:73:49:F5:44:53:E6:B8:8B:B2:97:C5:A7:C1:96:73:0F:91:47:A4:BC:4B:B9:4C:4F:C7:B1:B9:84:1E", "MU", 0 },
		{ "moe.bulko.net", 8080, FP_BULKO, "U", 0 },
		{ "thepiratebay.org", 443, FP_RRO, "MU", 0 },
	} },
	{ "zotero-dataserver-cert-override/cert_override.txt", 3, 1, {
		{ "localhost", 443, "A1:B0:AF:69:BC:F0:59:39:3A:BF:2C:8C:80:05:6B:9F:5F:80:69:BB:12:8C:92:07:C7:B4:E9:2B:90:82:AF:E9", "U", 0 },
	} },
};

/* A file of tests/fixtures ("made/...", "real/..."), or of $MOZCERT_EXTRA_FIXTURES (NULL: skipped). */
static char *
read_fixture(const char *rel, size_t *len)
{
	bool shipped = strncmp(rel, "made/", 5) == 0 || strncmp(rel, "real/", 5) == 0;
	char *path = shipped ? fixture_path(rel) : extra_path(rel);
	char *buf;

	if (!path)
		return NULL;
	buf = read_whole(path, len);
	ck_assert_msg(buf != NULL, "cannot read fixture %s", path);
	free(path);
	return buf;
}

START_TEST(test_real_fixture)
{
	const struct fx_file *fx = &fixtures[_i];
	size_t len, k = 0;
	_autofree_ char *buf = read_fixture(fx->path, &len);
	struct override_file f;

	if (!buf)
		return;
	parse_ok(buf, len, &f);
	ck_assert_uint_eq(f.n, fx->lines);
	ck_assert_uint_eq(override_count_entries(&f), fx->n);
	ck_assert_int_eq(f.lines[0].status, OVERRIDE_LINE_COMMENT);
	ck_assert_int_eq(f.lines[1].status, OVERRIDE_LINE_COMMENT);
	ck_assert(f.lines[0].len == strlen(OVERRIDE_HEADER1) + 1 &&
		  memcmp(f.lines[0].raw, OVERRIDE_HEADER1 "\n", f.lines[0].len) == 0);
	ck_assert(memcmp(f.lines[1].raw, OVERRIDE_HEADER2 "\n", f.lines[1].len) == 0);
	for (size_t i = 0; i < f.n; i++) {
		const struct override_line *l = &f.lines[i];
		const struct override_entry *e = l->entry;
		size_t spaces = 0;

		ck_assert_uint_eq(l->lineno, i + 1);
		ck_assert_uint_eq(l->eol_len, 1);
		if (l->status != OVERRIDE_LINE_ENTRY)
			continue;
		ck_assert_uint_lt(k, fx->n);
		ck_assert_str_eq(e->host, fx->e[k].host);
		ck_assert_int_eq(e->port, fx->e[k].port);
		ck_assert_str_eq(e->fingerprint, fx->e[k].fp);
		ck_assert_str_eq(e->bits, fx->e[k].bits);
		ck_assert_str_eq(e->oid, OID);
		ck_assert_ptr_null(e->origin_attrs);
		ck_assert(!e->bracketed);
		ck_assert(e->fingerprint_ok);
		ck_assert_int_eq(e->era, OVERRIDE_ERA_A);
		/* The classic five-field line: every reader loads it (docs/formats.md 1.5). */
		ck_assert_uint_eq(e->readers, ALL_READERS);
		ck_assert_ptr_nonnull(e->dbkey);
		for (const char *p = e->dbkey; *p; p++)
			spaces += *p == ' ';
		ck_assert_uint_eq(spaces, fx->e[k].dbkey_spaces);
		k++;
	}
	ck_assert_uint_eq(k, fx->n);
	assert_writes(&f, buf, len);
	override_file_release(&f);
}
END_TEST

/* Serial and issuer lengths of every fixture dbKey, decoded by hand (python base64) from the files. */
struct fx_key {
	const char *path;
	size_t line;
	size_t serial_len;
	size_t issuer_len;
	unsigned char serial0;
	unsigned char issuer[3];
};

static const struct fx_key fx_keys[] = {
	{ "made/legacy-profile/cert_override.txt", 3, 17, 57, 0x00, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 4, 2, 57, 0x02, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 5, 2, 57, 0x0a, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 6, 2, 57, 0x0e, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 7, 2, 57, 0x0e, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 8, 2, 57, 0x0e, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 9, 17, 57, 0x00, { 0x30, 0x37, 0x31 } },
	{ "made/legacy-profile/cert_override.txt", 10, 3, 49, 0x01, { 0x30, 0x2f, 0x31 } },
	{ "made/sql-profile/cert_override.txt", 3, 17, 57, 0x00, { 0x30, 0x37, 0x31 } },
	{ "made/sql-profile/cert_override.txt", 4, 2, 57, 0x02, { 0x30, 0x37, 0x31 } },
	{ "made/sql-profile/cert_override.txt", 5, 2, 57, 0x0a, { 0x30, 0x37, 0x31 } },
	{ "made/override-long-issuer/cert_override.txt", 3, 32, 346, 0x77, { 0x30, 0x82, 0x01 } },
	{ "made/override-long-issuer/cert_override.txt", 4, 32, 346, 0x77, { 0x30, 0x82, 0x01 } },
	{ "made/override-long-issuer/sub/cert_override.txt", 3, 32, 346, 0x77, { 0x30, 0x82, 0x01 } },
	{ "made/override-empty-issuer/cert_override.txt", 3, 4, 2, 0x57, { 0x30, 0x00, 0x00 } },
	/* the originals */
	{ "beubi-customfirefoxprofile/cert_override.txt", 3, 17, 147, 0x00, { 0x30, 0x81, 0x90 } },
	{ "dauaexptoapp-cert-override/cert_override.txt", 4, 32, 275, 0x77, { 0x30, 0x82, 0x01 } },
	{ "eventkit-testing-profile/cert_override.txt", 3, 1, 73, 0x01, { 0x30, 0x47, 0x31 } },
	{ "eventkit-testing-profile/cert_override.txt", 4, 17, 147, 0x00, { 0x30, 0x81, 0x90 } },
	{ "h8ed-ffprofile/cert_override.txt", 3, 16, 172, 0x44, { 0x30, 0x81, 0xa9 } },
	{ "selenium-selqlmaven-profile/cert_override.txt", 3, 7, 205, 0x04, { 0x30, 0x81, 0xca } },
	{ "selenium-solusvm-profile/cert_override.txt", 3, 16, 68, 0x79, { 0x30, 0x42, 0x31 } },
	{ "slimfox-profile/cert_override.txt", 4, 9, 22, 0x00, { 0x30, 0x14, 0x31 } },
	{ "slimfox-profile/cert_override.txt", 8, 9, 186, 0x00, { 0x30, 0x81, 0xb7 } },
	{ "zotero-dataserver-cert-override/cert_override.txt", 3, 4, 2, 0x57, { 0x30, 0x00, 0 } },
};

static void
nss_setup(void)
{
	ck_assert_int_eq(NSS_NoDB_Init(NULL), SECSuccess);
}

static void
nss_teardown(void)
{
	ck_assert_int_eq(NSS_Shutdown(), SECSuccess);
}

START_TEST(test_real_dbkeys)
{
	const struct fx_key *fk = &fx_keys[_i];
	size_t len, sl = 0, il = 0;
	_autofree_ char *buf = read_fixture(fk->path, &len);
	_autofree_ unsigned char *serial = NULL;
	_autofree_ unsigned char *issuer = NULL;
	_autofree_ char *again = NULL;
	_autofree_ char *nospace = NULL;
	struct override_file f;
	const struct override_entry *e;
	size_t o = 0;

	if (!buf)
		return;
	parse_ok(buf, len, &f);
	e = f.lines[fk->line - 1].entry;
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(override_dbkey_decode(e->dbkey, &serial, &sl, &issuer, &il), 0);
	ck_assert_uint_eq(sl, fk->serial_len);
	ck_assert_uint_eq(il, fk->issuer_len);
	ck_assert_uint_eq(serial[0], fk->serial0);
	ck_assert_uint_eq(issuer[0], fk->issuer[0]);
	ck_assert_uint_eq(issuer[1], fk->issuer[1]);
	if (il > 2)
		ck_assert_uint_eq(issuer[2], fk->issuer[2]);
	/* Encoding the decoded parts gives the file's dbKey back, minus the old encoder's spaces. */
	again = override_dbkey(serial, sl, issuer, il);
	ck_assert_ptr_nonnull(again);
	nospace = xstrdup(e->dbkey);
	for (const char *p = e->dbkey; *p; p++) {
		if (*p != ' ')
			nospace[o++] = *p;
	}
	nospace[o] = '\0';
	ck_assert_str_eq(again, nospace);
	override_file_release(&f);
}
END_TEST

START_TEST(test_dbkey_layout)
{
	/* docs/formats.md 1.4 example: serial 30 39, issuer CN=localhost (22 bytes). */
	static const unsigned char issuer_ref[22] = { 0x30, 0x14, 0x31, 0x12, 0x30, 0x10, 0x06, 0x03, 0x55, 0x04, 0x03,
						      0x0c, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't' };
	static const unsigned char serial_ref[2] = { 0x30, 0x39 };
	static const unsigned char padded[3] = { 0x00, 0x80, 0x01 };
	unsigned char *serial = NULL, *issuer = NULL;
	size_t sl = 0, il = 0;
	char *k;

	ck_assert_int_eq(override_dbkey_decode(LOCALHOST_KEY, &serial, &sl, &issuer, &il), 0);
	ck_assert_uint_eq(sl, 2);
	ck_assert_uint_eq(il, 22);
	ck_assert(memcmp(serial, serial_ref, 2) == 0);
	ck_assert(memcmp(issuer, issuer_ref, 22) == 0);
	free(serial);
	free(issuer);

	k = override_dbkey(serial_ref, 2, issuer_ref, 22);
	ck_assert_str_eq(k, LOCALHOST_KEY);
	free(k);

	/* A leading 00 of the serial is kept, and a long key stays on one line. */
	{
		unsigned char big[300];
		char *key;

		memset(big, 0x41, sizeof(big));
		key = override_dbkey(padded, 3, big, sizeof(big));
		ck_assert(strchr(key, '\n') == NULL && strchr(key, '\r') == NULL && strchr(key, ' ') == NULL);
		ck_assert_int_eq(override_dbkey_decode(key, &serial, &sl, &issuer, &il), 0);
		ck_assert_uint_eq(sl, 3);
		ck_assert(memcmp(serial, padded, 3) == 0);
		ck_assert_uint_eq(il, 300);
		free(serial);
		free(issuer);
		free(key);
	}

	/* Spaces and line breaks anywhere are ignored. */
	ck_assert_int_eq(override_dbkey_decode("AAAAAAAAAAAA  AAACAAAAFjA5MBQx\nEjAQBgNVBAMMCWxvY2FsaG9zdA==", &serial,
					       &sl, &issuer, &il), 0);
	ck_assert_uint_eq(il, 22);
	free(serial);
	free(issuer);

	/* Bad keys: outputs untouched. */
	serial = issuer = (unsigned char *)"x";
	sl = il = 99;
	/* first byte not zero */
	ck_assert_int_eq(override_dbkey_decode("AQAAAAAAAAAAAAACAAAAFjA5MBQxEjAQBgNVBAMMCWxvY2FsaG9zdA==", &serial, &sl,
					       &issuer, &il), MC_EINPUT);
	/* lengths longer than the data */
	ck_assert_int_eq(override_dbkey_decode("AAAAAAAAAAAAAAACAAAAFzA5MBQxEjAQBgNVBAMMCWxvY2FsaG9zdA==", &serial, &sl,
					       &issuer, &il), MC_EINPUT);
	ck_assert_int_eq(override_dbkey_decode("AAAA", &serial, &sl, &issuer, &il), MC_EINPUT);
	ck_assert_int_eq(override_dbkey_decode("not base64!", &serial, &sl, &issuer, &il), MC_EINPUT);
	ck_assert_int_eq(override_dbkey_decode("", &serial, &sl, &issuer, &il), MC_EINPUT);
	ck_assert_int_eq(override_dbkey_decode(NULL, &serial, &sl, &issuer, &il), MC_EINPUT);
	ck_assert_uint_eq(sl, 99);
	ck_assert_uint_eq(il, 99);
	ck_assert_str_eq((char *)serial, "x");
}
END_TEST

/* ---- docs/formats.md 1.6: test_cert_override_read.js ---- */

struct vector {
	const char *line;
	bool loaded;
	const char *host;
	int port;
	const char *attrs;
	const char *fp;
	enum override_era era;
};

static const struct vector vectors[] = {
	{ "test.example.com:443:^privateBrowsingId=1\t" OID "\t" FP1 "\t", true, "test.example.com", 443, "^privateBrowsingId=1", FP1, OVERRIDE_ERA_D },
	{ "test.example.com:443:^privateBrowsingId=2\t" OID "\t" FP1 "\t", true, "test.example.com", 443, "^privateBrowsingId=2", FP1, OVERRIDE_ERA_D },
	{ "test.example.com:443:^privateBrowsingId=3\t" OID "\t" FP1 "\tM\t" LOCALHOST_KEY, true, "test.example.com", 443, "^privateBrowsingId=3", FP1, OVERRIDE_ERA_B },
	{ "example.com:443:\t" OID "\t" FP2 "\t", true, "example.com", 443, "", FP2, OVERRIDE_ERA_D },
	{ "[::1]:443:\t" OID "\t" FP2 "\t", true, "::1", 443, "", FP2, OVERRIDE_ERA_D },
	{ "old.example.com:443\t" OID "\t" FP1 "\t", true, "old.example.com", 443, NULL, FP1, OVERRIDE_ERA_NONE },
	{ ":443:\t" OID "\t" FP3 "\t", false, NULL, 0, NULL, NULL, 0 },
	{ "example.com::\t" OID "\t" FP3 "\t", false, NULL, 0, NULL, NULL, 0 },
	{ "example.com:443:\t" OID "\t" FP2 "\t", true, "example.com", 443, "", FP2, OVERRIDE_ERA_D },
	{ "example.com:443:\tOID.0.00.000.0.000.0.0.0.0\t" FP3 "\t", false, NULL, 0, NULL, NULL, 0 },
	{ "example.com:443:\t.0.0.0.0\t" FP3 "\t", false, NULL, 0, NULL, NULL, 0 },
	{ "example.com:443:\t\t" FP3 "\t", false, NULL, 0, NULL, NULL, 0 },
	{ "example.com:443:\t" OID "\t", false, NULL, 0, NULL, NULL, 0 },
};

START_TEST(test_xpcshell_vector)
{
	const struct vector *v = &vectors[_i];
	_autofree_ char *text = xasprintf(HEADER "%s\n", v->line);
	struct override_file f;
	const struct override_line *l;

	parse_str(text, &f);
	ck_assert_uint_eq(f.n, 3);
	l = &f.lines[2];
	ck_assert_uint_eq(l->lineno, 3);
	if (!v->loaded) {
		ck_assert_int_eq(l->status, OVERRIDE_LINE_INVALID);
		ck_assert_ptr_nonnull(l->reason);
		ck_assert_ptr_null(l->entry);
	} else {
		ck_assert_int_eq(l->status, OVERRIDE_LINE_ENTRY);
		ck_assert_ptr_null(l->reason);
		ck_assert_str_eq(l->entry->host, v->host);
		ck_assert_int_eq(l->entry->port, v->port);
		if (v->attrs)
			ck_assert_str_eq(l->entry->origin_attrs, v->attrs);
		else
			ck_assert_ptr_null(l->entry->origin_attrs);
		ck_assert_str_eq(l->entry->fingerprint, v->fp);
		ck_assert_int_eq(l->entry->era, v->era);
	}
	assert_writes_str(&f, text);
	override_file_release(&f);
}
END_TEST

/* The whole test file at once: the later duplicate of example.com wins, 7 lines load. */
START_TEST(test_xpcshell_file)
{
	struct strbuf sb;
	struct override_file f;
	size_t last = 0;

	strbuf_init(&sb);
	strbuf_addstr(&sb, HEADER);
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++)
		strbuf_addf(&sb, "%s\n", vectors[i].line);
	parse_ok(sb.buf, sb.len, &f);
	ck_assert_uint_eq(f.n, 15);
	ck_assert_uint_eq(override_count_entries(&f), 7);
	for (size_t i = 0; i < f.n; i++) {
		const struct override_entry *e = f.lines[i].entry;

		if (e && streq(e->host, "example.com") && streq(e->origin_attrs, ""))
			last = f.lines[i].lineno;
	}
	ck_assert_uint_eq(last, 11);
	assert_writes(&f, sb.buf, sb.len);
	override_file_release(&f);
	strbuf_release(&sb);
}
END_TEST

/* ---- Line grammar details ---- */

struct grammar {
	const char *line;
	enum override_status status;
	const char *host;
	int port;
	unsigned readers;
};

#define RA OVERRIDE_READER(OVERRIDE_ERA_A)
#define RB OVERRIDE_READER(OVERRIDE_ERA_B)
#define RC OVERRIDE_READER(OVERRIDE_ERA_C)
#define RD OVERRIDE_READER(OVERRIDE_ERA_D)

static const struct grammar grammar[] = {
	/* origin attributes: only known names parse */
	{ "h:443:^userContextId=2&privateBrowsingId=1\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h", 443, RD },
	{ "h:443:^firstPartyDomain=example.com\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h", 443, RD },
	{ "h:443:^privateBrowsing%49d=1\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h", 443, RD },
	{ "h:443:^foo=1\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443:privateBrowsingId=1\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443:^privateBrowsingId=-1\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443:^privateBrowsingId=\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443:^privateBrowsingId=4294967296\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443:^inBrowser=0\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	/* ports: digits only, up to INT32_MAX, leading zeros read as decimal */
	{ "h:0443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h", 443, RD },
	{ "h:99999:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h", 99999, RD },
	{ "h:2147483647:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h", 2147483647, RD },
	{ "h:2147483648:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:99999999999999999999999:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:-1:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443x:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	/* separators: the reader's whitespace is space or tab */
	{ "h:443 " OID " " FP1 " ", OVERRIDE_LINE_ENTRY, "h", 443, RD },
	{ "h:443:\t" OID "\t" FP1, OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "h:443:" OID ":" FP1, OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "no tabs or colons at all", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ " h:443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, " h", 443, RD },
	{ "   \t ", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	/* a '#' later in the line is not a comment */
	{ "h#x:443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "h#x", 443, RD },
	{ "#h:443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_COMMENT, NULL, 0, 0 },
	/* eras B and C need a dbKey; B also bits */
	{ "h:443:\t" OID "\t" FP1 "\tMU\tKEY", OVERRIDE_LINE_ENTRY, "h", 443, RB | RC | RD },
	{ "h:443:\t" OID "\t" FP1 "\t\tKEY", OVERRIDE_LINE_ENTRY, "h", 443, RC | RD },
	{ "h:443:\t" OID "\t" FP1 "\tU\t", OVERRIDE_LINE_ENTRY, "h", 443, RD },
	{ "h:443\t" OID "\t" FP1 "\tMU\tK1  K2", OVERRIDE_LINE_ENTRY, "h", 443, RA | RB | RC | RD },
	/* the era-A reader ignores the algorithm and splits at the last ':' */
	{ "h:443\tbogus\t" FP1 "\tMU\tKEY", OVERRIDE_LINE_INVALID, "h", 443, RA },
	{ "::1:443\t" OID "\t" FP1 "\tMU\tKEY", OVERRIDE_LINE_INVALID, "::1", 443, RA },
	/* IPv6 brackets */
	{ "[::1]:8443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "::1", 8443, RD },
	{ "[fe80::1%eth0]:443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_ENTRY, "fe80::1%eth0", 443, RD },
	{ "[]:443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "[::1:443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
	{ "[::1]443:\t" OID "\t" FP1 "\t", OVERRIDE_LINE_INVALID, NULL, 0, 0 },
};

START_TEST(test_grammar)
{
	const struct grammar *g = &grammar[_i];
	_autofree_ char *text = xasprintf("%s\n", g->line);
	struct override_file f;
	const struct override_line *l;

	parse_str(text, &f);
	ck_assert_uint_eq(f.n, 1);
	l = &f.lines[0];
	ck_assert_msg(l->status == g->status, "'%s': status %d, expected %d (%s)", g->line, l->status, g->status,
		      l->reason ? l->reason : "");
	if (l->status == OVERRIDE_LINE_INVALID)
		ck_assert_ptr_nonnull(l->reason);
	if (g->host) {
		ck_assert_ptr_nonnull(l->entry);
		ck_assert_str_eq(l->entry->host, g->host);
		ck_assert_int_eq(l->entry->port, g->port);
		ck_assert_msg(l->entry->readers == g->readers, "'%s': readers %#x, expected %#x", g->line,
			      l->entry->readers, g->readers);
	} else {
		ck_assert_ptr_null(l->entry);
	}
	assert_writes_str(&f, text);
	override_file_release(&f);
}
END_TEST

START_TEST(test_ipv6)
{
	struct override_file f;
	const struct override_entry *e;

	parse_str("[2001:db8::1]:443:\t" OID "\t" FP1 "\t\n", &f);
	e = f.lines[0].entry;
	ck_assert_str_eq(e->host, "2001:db8::1");
	ck_assert(e->bracketed);
	ck_assert_str_eq(e->origin_attrs, "");
	override_file_release(&f);

	/* era A wrote IPv6 unbracketed: only its own reader loads it */
	parse_str("2001:db8::1:8443\t" OID "\t" FP1 "\tU\t" LOCALHOST_KEY "\n", &f);
	ck_assert_int_eq(f.lines[0].status, OVERRIDE_LINE_INVALID);
	e = f.lines[0].entry;
	ck_assert_str_eq(e->host, "2001:db8::1");
	ck_assert_int_eq(e->port, 8443);
	ck_assert(!e->bracketed);
	ck_assert_int_eq(e->era, OVERRIDE_ERA_A);
	ck_assert_uint_eq(e->readers, RA);
	override_file_release(&f);
}
END_TEST

START_TEST(test_fingerprints)
{
	struct override_file f;

	parse_str("a:1:\t" OID "\t" FP1 "\t\n"
		  "b:1:\t" OID "\t" "11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:aa:bb" "\t\n"
		  "c:1:\t" OID "\tDEADBEEF\t\n"
		  "d:1:\t" OID "\t" FP1 ":11\t\n"
		  "e:1:\t" OID "\t\t\n",
		  &f);
	ck_assert_uint_eq(f.n, 5);
	ck_assert(f.lines[0].entry->fingerprint_ok);
	/* lower case, short and long fingerprints load but can never match */
	ck_assert_int_eq(f.lines[1].status, OVERRIDE_LINE_ENTRY);
	ck_assert(!f.lines[1].entry->fingerprint_ok);
	ck_assert_int_eq(f.lines[2].status, OVERRIDE_LINE_ENTRY);
	ck_assert_str_eq(f.lines[2].entry->fingerprint, "DEADBEEF");
	ck_assert(!f.lines[2].entry->fingerprint_ok);
	ck_assert(!f.lines[3].entry->fingerprint_ok);
	/* an empty one is dropped */
	ck_assert_int_eq(f.lines[4].status, OVERRIDE_LINE_INVALID);
	ck_assert_str_eq(f.lines[4].reason, "missing fingerprint");
	override_file_release(&f);
}
END_TEST

/* ---- Line endings ---- */

START_TEST(test_crlf)
{
	static const char text[] = OVERRIDE_HEADER1 "\r\n" OVERRIDE_HEADER2 "\r\n"
				   "a.example:443:\t" OID "\t" FP1 "\t\r\n"
				   "\r\n"
				   "b.example:443\t" OID "\t" FP2 "\tMU\t" LOCALHOST_KEY "\r\n";
	struct override_file f;

	parse_str(text, &f);
	ck_assert_uint_eq(f.n, 5);
	for (size_t i = 0; i < f.n; i++)
		ck_assert_uint_eq(f.lines[i].eol_len, 2);
	ck_assert_int_eq(f.lines[0].status, OVERRIDE_LINE_COMMENT);
	ck_assert_int_eq(f.lines[2].status, OVERRIDE_LINE_ENTRY);
	ck_assert_int_eq(f.lines[2].entry->era, OVERRIDE_ERA_D);
	ck_assert_int_eq(f.lines[3].status, OVERRIDE_LINE_BLANK);
	ck_assert_str_eq(f.lines[4].entry->dbkey, LOCALHOST_KEY);
	ck_assert_str_eq(override_file_eol(&f), "\r\n");
	assert_writes_str(&f, text);
	override_file_release(&f);
}
END_TEST

START_TEST(test_odd_line_endings)
{
	/* nsReadLine: "\r" alone ends a line, "\n\r" is one line ending, "\n\n" two. */
	static const char text[] = "# c\ra:1:\t" OID "\t" FP1 "\t\n\rb:2:\t" OID "\t" FP1 "\t\n\n#x";
	struct override_file f;

	parse_str(text, &f);
	ck_assert_uint_eq(f.n, 5);
	ck_assert_int_eq(f.lines[0].status, OVERRIDE_LINE_COMMENT);
	ck_assert_uint_eq(f.lines[0].eol_len, 1);
	ck_assert_str_eq(f.lines[1].entry->host, "a");
	ck_assert_uint_eq(f.lines[1].eol_len, 2);
	ck_assert_str_eq(f.lines[2].entry->host, "b");
	ck_assert_int_eq(f.lines[3].status, OVERRIDE_LINE_BLANK);
	ck_assert_int_eq(f.lines[4].status, OVERRIDE_LINE_COMMENT);
	ck_assert_uint_eq(f.lines[4].eol_len, 0);
	ck_assert_uint_eq(f.lines[4].lineno, 5);
	ck_assert_str_eq(override_file_eol(&f), "\r");
	assert_writes_str(&f, text);
	override_file_release(&f);
}
END_TEST

START_TEST(test_unterminated_last_line)
{
	static const char text[] = HEADER "a.example:443:\t" OID "\t" FP1 "\t";
	struct override_file f;

	parse_str(text, &f);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_int_eq(f.lines[2].status, OVERRIDE_LINE_ENTRY);
	ck_assert_uint_eq(f.lines[2].eol_len, 0);
	assert_writes_str(&f, text);
	override_file_release(&f);

	parse_str("", &f);
	ck_assert_uint_eq(f.n, 0);
	assert_writes_str(&f, "");
	override_file_release(&f);
}
END_TEST

/* ---- Binary input ---- */

START_TEST(test_nul_bytes)
{
	struct override_file f;
	static const char t1[] = "\0abc\nh:443:\t" OID "\t" FP1 "\t\0junk\nh:443:\t" OID "\0\t" FP1 "\t\n";

	parse_ok(t1, sizeof(t1) - 1, &f);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_int_eq(f.lines[0].status, OVERRIDE_LINE_INVALID);
	/* the reader keeps what comes before the NUL, which loads */
	ck_assert_int_eq(f.lines[1].status, OVERRIDE_LINE_ENTRY);
	ck_assert_ptr_null(f.lines[1].entry->bits);
	ck_assert_int_eq(f.lines[2].status, OVERRIDE_LINE_INVALID);
	assert_writes(&f, t1, sizeof(t1) - 1);
	override_file_release(&f);
}
END_TEST

/* A NUL hides only the rest of its 4096-byte read block: text in the next block still counts. */
START_TEST(test_nul_read_blocks)
{
	static const char head[] = "abc:443:";
	static const char tail[] = "\t" OID "\t" FP1 "\t\n";
	char buf[8192];
	size_t start = 4096 - 20, len;
	struct override_file f;

	memset(buf, '#', start - 1);
	buf[start - 1] = '\n';
	memcpy(buf + start, head, strlen(head));
	memset(buf + start + strlen(head), 0, 4096 - start - strlen(head));
	memcpy(buf + 4096, tail, strlen(tail));
	len = 4096 + strlen(tail);

	parse_ok(buf, len, &f);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_int_eq(f.lines[1].status, OVERRIDE_LINE_ENTRY);
	ck_assert_str_eq(f.lines[1].entry->host, "abc");
	assert_writes(&f, buf, len);
	override_file_release(&f);

	/* The same line inside one block: the NUL hides the fields. */
	parse_ok(buf + start, len - start, &f);
	ck_assert_uint_eq(f.n, 1);
	ck_assert_int_eq(f.lines[0].status, OVERRIDE_LINE_INVALID);
	override_file_release(&f);
}
END_TEST

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

START_TEST(test_binary_junk)
{
	static const char alphabet[] = "\0\t \r\n:[]#^=&0123456789abcAOID.";
	size_t len = 1 << 20;
	_autofree_ char *buf = xmalloc(len);
	uint32_t s = 12345;
	struct override_file f;

	for (size_t i = 0; i < len; i++)
		buf[i] = (i & 1) ? (char)lcg(&s) : alphabet[lcg(&s) % (sizeof(alphabet) - 1)];
	parse_ok(buf, len, &f);
	ck_assert_uint_gt(f.n, 1000);
	for (size_t i = 0; i < f.n; i++) {
		if (f.lines[i].status == OVERRIDE_LINE_INVALID)
			ck_assert_ptr_nonnull(f.lines[i].reason);
		if (f.lines[i].status == OVERRIDE_LINE_ENTRY)
			ck_assert_ptr_nonnull(f.lines[i].entry);
	}
	assert_writes(&f, buf, len);
	override_file_release(&f);
}
END_TEST

START_TEST(test_large_input)
{
	struct strbuf sb;
	struct override_file f;
	struct timespec t0, t1;
	size_t n = 0, want = 0;
	double secs;

	strbuf_init(&sb);
	strbuf_addstr(&sb, HEADER);
	while (sb.len < (size_t)50 << 20) {
		switch (n++ % 5) {
		case 0:
			strbuf_addf(&sb, "host%zu.example.com:443\t" OID "\t" FP1 "\tMUT\t" LOCALHOST_KEY "\n", n);
			want++;
			break;
		case 1:
			strbuf_addf(&sb, "host%zu.example.com:8443:\t" OID "\t" FP2 "\t\r\n", n);
			want++;
			break;
		case 2:
			strbuf_addf(&sb, "[2001:db8::%zx]:443:^privateBrowsingId=1\t" OID "\t" FP3 "\tU\t" LOCALHOST_KEY "\n", n);
			want++;
			break;
		case 3:
			strbuf_addf(&sb, "junk line %zu without any fields at all, of a typical length ........\n", n);
			break;
		default:
			strbuf_addstr(&sb, "# a comment\n\n");
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	parse_ok(sb.buf, sb.len, &f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_uint_eq(override_count_entries(&f), want);
	/* Well under a second in a normal build (most of it page faults); room for slow VMs, sanitizers, valgrind. */
	/* Speed is for the benchmarks, never a timed assertion: just report it. */
	fprintf(stderr, "# parsing 50 MB took %.2f s\n", secs);
	assert_writes(&f, sb.buf, sb.len);
	override_file_release(&f);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_limits)
{
	size_t len = OVERRIDE_MAX_LINES + 1;
	_autofree_ char *buf = xmalloc(len);
	struct override_file f;
	struct mc_error err = { 0 };

	memset(buf, '\n', len);
	override_file_init(&f);
	ck_assert_int_eq(override_parse(buf, len, "cert_override.txt", &f, &err), MC_EINPUT);
	ck_assert_int_eq(err.code, MC_EINPUT);
	ck_assert_str_eq(err.msg, "cert_override.txt: too many lines (more than 2097152)");
	ck_assert_uint_eq(f.n, 0);
	override_file_release(&f);

	/* exactly the limit is fine */
	parse_ok(buf, len - 1, &f);
	ck_assert_uint_eq(f.n, OVERRIDE_MAX_LINES);
	override_file_release(&f);
}
END_TEST

/* ---- Scanning and tallying (doctor's path: no parsed copy of the file) ---- */

struct scan_rec {
	const struct override_file *f;
	size_t i;
	bool mismatch;
};

static int
scan_cmp(const struct override_line *l, void *arg)
{
	struct scan_rec *r = arg;
	const struct override_line *p = &r->f->lines[r->i++];

	if (l->status != p->status || l->len != p->len || l->lineno != p->lineno || !l->entry != !p->entry ||
	    (l->entry && (l->entry->era != p->entry->era || l->entry->readers != p->entry->readers ||
			  strcmp(l->entry->host, p->entry->host) != 0)))
		r->mismatch = true;
	return 0;
}

START_TEST(test_scan_agrees_with_parse)
{
	static const char in[] = HEADER "a.example:443:\t" OID "\t" FP1 "\t\n"
				 "b.example:443\t" OID "\t" FP2 "\tMU\t" LOCALHOST_KEY "\r\n"
				 "junk line\n\n# comment\rc.example:8443:^privateBrowsingId=1\t" OID "\t" FP3 "\t";
	struct override_file f;
	struct scan_rec r = {&f, 0, false};
	struct mc_error err = {0};

	parse_ok(in, sizeof(in) - 1, &f);
	ck_assert_int_eq(override_scan(in, sizeof(in) - 1, NULL, scan_cmp, &r, &err), 0);
	ck_assert_uint_eq(r.i, f.n);
	ck_assert(!r.mismatch);
	override_file_release(&f);
}
END_TEST

static int
scan_count(const struct override_line *l, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

START_TEST(test_scan_limits)
{
	size_t len = OVERRIDE_MAX_LINES + 1, seen = 0;
	_autofree_ char *buf = xmalloc(len);
	struct mc_error err = {0};

	memset(buf, '\n', len);
	ck_assert_int_eq(override_scan(buf, len, "x.txt", scan_count, &seen, &err), MC_EINPUT);
	ck_assert_str_eq(err.msg, "x.txt: too many lines (more than 2097152)");
	seen = 0;
	mc_error_clear(&err);
	ck_assert_int_eq(override_scan(buf, len - 1, "x.txt", scan_count, &seen, &err), 0);
	ck_assert_uint_eq(seen, OVERRIDE_MAX_LINES);
}
END_TEST

START_TEST(test_tally)
{
	/* FP1 expired, FP2 valid; a line naming FP3 with FP2's dbKey (spaces as old versions wrote) is another certificate. */
	static const struct override_known known[] = {
		{FP2, "AAAAAAAAAAAAAAACAAAAFjA5MBQxEjAQBgNVBAMMCWxvY2FsaG9zdA==", 2000000000000000LL, 0},
		{FP1, NULL, 1000000LL, 1},
	};
	static const char in[] = HEADER "a.example:443:\t" OID "\t" FP1 "\t\n"
				 "b.example:443:\t" OID "\t" FP2 "\t\n"
				 "c.example:443\t" OID "\t" FP3 "\tMU\tAAAAAAAAAAAAAAACAAAAFjA5 MBQxEjAQBgNVBAMMCWxvY2FsaG9zdA==\n"
				 "d.example:443:\t" OID "\t" FP3 "\t\t" LOCALHOST_KEY "\n"
				 "broken\n";
	struct override_index ix;
	struct override_tally t;
	struct mc_error err = {0};
	const struct override_known *k;
	struct override_entry e = {0};
	bool by_key;

	override_index_build(&ix, known, ARRAY_SIZE(known));
	ck_assert_int_eq(override_tally(in, sizeof(in) - 1, NULL, &ix, 1500000000000000LL, &t, &err), 0);
	/* c (its dbKey with a space) and d match FP2's certificate by dbKey only; "broken" is ignored */
	ck_assert_uint_eq(t.entries, 4);
	ck_assert_uint_eq(t.ignored, 1);
	ck_assert_uint_eq(t.expired, 1);
	ck_assert_uint_eq(t.other_certificate, 2);
	/* fingerprint first, then dbKey; no match */
	e.fingerprint = (char *)FP2;
	e.dbkey = (char *)"zzz";
	k = override_index_match(&ix, &e, &by_key);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->ref, 0);
	ck_assert(!by_key);
	e.fingerprint = (char *)FP3;
	ck_assert_ptr_null(override_index_match(&ix, &e, &by_key));
	override_index_release(&ix);
	/* an empty index matches nothing */
	override_index_build(&ix, known, 0);
	ck_assert_int_eq(override_tally(in, sizeof(in) - 1, NULL, &ix, 0, &t, &err), 0);
	ck_assert_uint_eq(t.expired + t.other_certificate, 0);
	override_index_release(&ix);
}
END_TEST

/* ---- Writing entries ---- */

struct fmt {
	enum override_era era;
	const char *host;
	int port;
	const char *attrs;
	const char *bits;
	const char *dbkey;
	const char *want;
};

static const struct fmt fmts[] = {
	{ OVERRIDE_ERA_A, "example.com", 443, NULL, "MUT", LOCALHOST_KEY, "example.com:443\t" OID "\t" FPSEQ "\tMUT\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_A, "example.com", -1, NULL, NULL, LOCALHOST_KEY, "example.com:443\t" OID "\t" FPSEQ "\tMUT\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_A, "::1", 8443, "", "TU", LOCALHOST_KEY, "::1:8443\t" OID "\t" FPSEQ "\tUT\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_B, "example.com", 993, NULL, "U", LOCALHOST_KEY, "example.com:993:\t" OID "\t" FPSEQ "\tU\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_B, "::1", 443, "^privateBrowsingId=1", NULL, LOCALHOST_KEY, "[::1]:443:^privateBrowsingId=1\t" OID "\t" FPSEQ "\tMUT\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_C, "mail.example.org", 465, NULL, "MU", LOCALHOST_KEY, "mail.example.org:465:\t" OID "\t" FPSEQ "\t\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_C, "2001:db8::1", 443, NULL, NULL, LOCALHOST_KEY, "[2001:db8::1]:443:\t" OID "\t" FPSEQ "\t\t" LOCALHOST_KEY },
	{ OVERRIDE_ERA_D, "example.com", 443, NULL, "MUT", LOCALHOST_KEY, "example.com:443:\t" OID "\t" FPSEQ "\t" },
	{ OVERRIDE_ERA_D, "::1", -1, "", NULL, NULL, "[::1]:443:\t" OID "\t" FPSEQ "\t" },
	{ OVERRIDE_ERA_D, "example.com", 443, "^privateBrowsingId=1", NULL, NULL, "example.com:443:^privateBrowsingId=1\t" OID "\t" FPSEQ "\t" },
	/* refused */
	{ OVERRIDE_ERA_A, "example.com", 443, "^privateBrowsingId=1", NULL, LOCALHOST_KEY, NULL },
	{ OVERRIDE_ERA_C, "example.com", 443, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_B, "example.com", 443, NULL, "X", LOCALHOST_KEY, NULL },
	{ OVERRIDE_ERA_B, "example.com", 443, NULL, NULL, "AAAA AAAA", NULL },
	{ OVERRIDE_ERA_D, "", 443, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_D, "a b", 443, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_D, "#a", 443, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_D, "[::1]", 443, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_D, "example.com", 0, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_D, "example.com", 65536, NULL, NULL, NULL, NULL },
	{ OVERRIDE_ERA_D, "example.com", 443, "^nosuch=1", NULL, NULL, NULL },
	{ OVERRIDE_ERA_NONE, "example.com", 443, NULL, NULL, LOCALHOST_KEY, NULL },
};

START_TEST(test_format_entry)
{
	const struct fmt *t = &fmts[_i];
	struct strbuf sb;
	struct mc_error err = { 0 };
	int r;

	init_seq();
	strbuf_init(&sb);
	r = override_format_entry(t->era, t->host, t->port, t->attrs, seq, t->bits, t->dbkey, &sb, &err);
	if (!t->want) {
		ck_assert_int_eq(r, MC_EUSAGE);
		ck_assert_int_eq(err.code, MC_EUSAGE);
		ck_assert_uint_eq(sb.len, 0);
	} else {
		struct override_file f;
		_autofree_ char *line = xasprintf("%s\n", sb.buf);

		ck_assert_int_eq(r, 0);
		ck_assert_str_eq(sb.buf, t->want);
		/* what we write, the reader of that era loads, as that era */
		parse_str(line, &f);
		ck_assert_ptr_nonnull(f.lines[0].entry);
		ck_assert_int_eq(f.lines[0].entry->era, t->era);
		ck_assert(f.lines[0].entry->readers & OVERRIDE_READER(t->era));
		ck_assert_str_eq(f.lines[0].entry->fingerprint, FPSEQ);
		override_file_release(&f);
	}
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_era_for_version)
{
	static const struct {
		int major;
		enum override_era era;
	} t[] = {
		{ -1, OVERRIDE_ERA_A }, { 3, OVERRIDE_ERA_A }, { 45, OVERRIDE_ERA_A }, { 90, OVERRIDE_ERA_A },
		{ 91, OVERRIDE_ERA_B }, { 102, OVERRIDE_ERA_B }, { 105, OVERRIDE_ERA_B }, { 108, OVERRIDE_ERA_B },
		{ 109, OVERRIDE_ERA_C }, { 115, OVERRIDE_ERA_C }, { 116, OVERRIDE_ERA_C },
		{ 117, OVERRIDE_ERA_D }, { 128, OVERRIDE_ERA_D }, { 140, OVERRIDE_ERA_D },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		ck_assert_msg(override_era_for_version(t[i].major) == t[i].era, "version %d", t[i].major);
	ck_assert_str_eq(override_era_name(OVERRIDE_ERA_C), "C");
	ck_assert_str_eq(override_era_name(OVERRIDE_ERA_NONE), "none");
}
END_TEST

/* ---- Edits ---- */

static unsigned char sha_a[32], sha_b[32];

static void
init_shas(void)
{
	memset(sha_a, 0x11, 32);
	memset(sha_b, 0x22, 32);
}

START_TEST(test_add_new_file)
{
	struct override_file f;
	struct override_changes ch;
	struct mc_error err = { 0 };

	init_shas();
	override_changes_init(&ch);
	parse_str("", &f);
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "example.com", -1, NULL, sha_a, NULL, NULL, &ch, &err), 0);
	assert_writes_str(&f, HEADER "example.com:443:\t" OID "\t" FP1 "\t\n");
	ck_assert_uint_eq(ch.n, 1);
	ck_assert_int_eq(ch.v[0].action, OVERRIDE_ADDED);
	ck_assert_str_eq(ch.v[0].host, "example.com");
	ck_assert_int_eq(ch.v[0].port, 443);
	ck_assert_str_eq(ch.v[0].fingerprint, FP1);
	ck_assert_str_eq(ch.v[0].new_line, "example.com:443:\t" OID "\t" FP1 "\t");
	ck_assert_ptr_null(ch.v[0].old_line);
	ck_assert_uint_eq(override_count_entries(&f), 1);

	/* again: unchanged */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "example.com", 443, "", sha_a, NULL, NULL, &ch, &err), 0);
	ck_assert_uint_eq(ch.n, 1);
	assert_writes_str(&f, HEADER "example.com:443:\t" OID "\t" FP1 "\t\n");

	/* a bad argument leaves the file alone */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "bad host", 443, NULL, sha_b, NULL, NULL, &ch, &err), MC_EUSAGE);
	ck_assert_uint_eq(ch.n, 1);
	assert_writes_str(&f, HEADER "example.com:443:\t" OID "\t" FP1 "\t\n");
	override_changes_release(&ch);
	override_file_release(&f);
}
END_TEST

START_TEST(test_add_replace_in_place)
{
	static const char text[] = HEADER "# kept\r\n"
				   "a.example:443\t" OID "\t" FP1 "\tMU\t" LOCALHOST_KEY "\r\n"
				   "junk line\n"
				   "b.example:443:\t" OID "\t" FP1 "\t\n";
	struct override_file f;
	struct override_changes ch;
	struct mc_error err = { 0 };

	init_shas();
	override_changes_init(&ch);
	parse_str(text, &f);

	/* same fingerprint, an era-A line for an era-A reader: unchanged */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_A, "a.example", 443, NULL, sha_a, "MUT", LOCALHOST_KEY, &ch,
				      &err), 0);
	ck_assert_uint_eq(ch.n, 0);
	/* the current reader loads it too: unchanged for era D (the suffix "" and no suffix are one key) */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "a.example", 443, NULL, sha_a, NULL, NULL, &ch, &err), 0);
	ck_assert_uint_eq(ch.n, 0);
	assert_writes_str(&f, text);

	/* new fingerprint: replaced where it stands, line ending kept */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "a.example", 443, NULL, sha_b, NULL, NULL, &ch, &err), 0);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert_int_eq(ch.v[0].action, OVERRIDE_REPLACED);
	ck_assert_uint_eq(ch.v[0].lineno, 4);
	ck_assert_str_eq(ch.v[0].old_line, "a.example:443\t" OID "\t" FP1 "\tMU\t" LOCALHOST_KEY);
	ck_assert_str_eq(ch.v[0].new_line, "a.example:443:\t" OID "\t" FP2 "\t");
	ck_assert_str_eq(ch.v[0].fingerprint, FP2);
	assert_writes_str(&f, HEADER "# kept\r\n"
			  "a.example:443:\t" OID "\t" FP2 "\t\r\n"
			  "junk line\n"
			  "b.example:443:\t" OID "\t" FP1 "\t\n");

	/* an era-D line is not read by an era-C application: rewritten with a dbKey */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_C, "b.example", 443, NULL, sha_a, NULL, LOCALHOST_KEY, &ch,
				      &err), 0);
	ck_assert_uint_eq(ch.n, 2);
	ck_assert_int_eq(ch.v[1].action, OVERRIDE_REPLACED);
	ck_assert_uint_eq(ch.v[1].lineno, 6);
	assert_writes_str(&f, HEADER "# kept\r\n"
			  "a.example:443:\t" OID "\t" FP2 "\t\r\n"
			  "junk line\n"
			  "b.example:443:\t" OID "\t" FP1 "\t\t" LOCALHOST_KEY "\n");

	/* another host: appended with the file's line ending (that of its first line) */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "c.example", 8443, "^privateBrowsingId=1", sha_a, NULL,
				      NULL, &ch, &err), 0);
	ck_assert_uint_eq(ch.n, 3);
	ck_assert_int_eq(ch.v[2].action, OVERRIDE_ADDED);
	ck_assert_uint_eq(f.n, 7);
	ck_assert_uint_eq(f.lines[6].len, strlen("c.example:8443:^privateBrowsingId=1\t" OID "\t" FP1 "\t\n"));
	ck_assert(memcmp(f.lines[6].raw, "c.example:8443:^privateBrowsingId=1\t" OID "\t" FP1 "\t\n", f.lines[6].len) == 0);
	ck_assert_uint_eq(f.lines[6].lineno, 0);
	ck_assert_int_eq(f.lines[6].status, OVERRIDE_LINE_ENTRY);
	override_changes_release(&ch);
	override_file_release(&f);
}
END_TEST

START_TEST(test_add_last_duplicate_wins)
{
	static const char text[] = "h:443:\t" OID "\t" FP2 "\t\nh:443:\t" OID "\t" FP1 "\t\n";
	struct override_file f;
	struct override_changes ch;

	init_shas();
	override_changes_init(&ch);
	parse_str(text, &f);
	/* the app keeps the later line, which already has sha_a */
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "h", 443, NULL, sha_a, NULL, NULL, &ch, NULL), 0);
	ck_assert_uint_eq(ch.n, 0);
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "h", 443, NULL, sha_b, NULL, NULL, &ch, NULL), 0);
	ck_assert_uint_eq(ch.n, 1);
	ck_assert_uint_eq(ch.v[0].lineno, 2);
	assert_writes_str(&f, "h:443:\t" OID "\t" FP2 "\t\nh:443:\t" OID "\t" FP2 "\t\n");
	override_changes_release(&ch);
	override_file_release(&f);
}
END_TEST

START_TEST(test_add_after_unterminated_line)
{
	struct override_file f;
	struct override_changes ch;

	init_shas();
	override_changes_init(&ch);
	parse_str(HEADER "#no newline", &f);
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_D, "h", 443, NULL, sha_a, NULL, NULL, &ch, NULL), 0);
	assert_writes_str(&f, HEADER "#no newline\nh:443:\t" OID "\t" FP1 "\t\n");
	ck_assert_int_eq(f.lines[2].status, OVERRIDE_LINE_COMMENT);
	ck_assert_uint_eq(f.lines[2].lineno, 3);
	override_changes_release(&ch);
	override_file_release(&f);

	/* CRLF file: the header and the entry get CRLF */
	override_changes_init(&ch);
	parse_str("# only a comment\r\n", &f);
	ck_assert_int_eq(override_add(&f, OVERRIDE_ERA_B, "::1", 443, NULL, sha_a, NULL, LOCALHOST_KEY, &ch, NULL), 0);
	assert_writes_str(&f, "# only a comment\r\n[::1]:443:\t" OID "\t" FP1 "\tMUT\t" LOCALHOST_KEY "\r\n");
	override_changes_release(&ch);
	override_file_release(&f);
}
END_TEST

static const char remove_text[] = HEADER
	"h:443:\t" OID "\t" FP1 "\t\n"
	"h:443:^privateBrowsingId=1\t" OID "\t" FP1 "\t\n"
	"other:443:\t" OID "\t" FP1 "\t\n"
	"h:443\t" OID "\t" FP2 "\tU\t" LOCALHOST_KEY "\r\n"
	"h:8443:\t" OID "\t" FP1 "\t\n"
	"[::1]:443:\t" OID "\t" FP1 "\t\n"
	"::1:443\t" OID "\t" FP1 "\tU\tK\n";

START_TEST(test_remove)
{
	struct override_file f;
	struct override_changes ch;

	override_changes_init(&ch);
	parse_str(remove_text, &f);
	/* one variant: the default attributes, with or without a suffix */
	ck_assert_uint_eq(override_remove(&f, "h", 443, "", &ch), 2);
	ck_assert_uint_eq(ch.n, 2);
	ck_assert_int_eq(ch.v[0].action, OVERRIDE_REMOVED);
	ck_assert_uint_eq(ch.v[0].lineno, 3);
	ck_assert_uint_eq(ch.v[1].lineno, 6);
	ck_assert_str_eq(ch.v[1].fingerprint, FP2);
	ck_assert_str_eq(ch.v[1].old_line, "h:443\t" OID "\t" FP2 "\tU\t" LOCALHOST_KEY);
	assert_writes_str(&f, HEADER
			  "h:443:^privateBrowsingId=1\t" OID "\t" FP1 "\t\n"
			  "other:443:\t" OID "\t" FP1 "\t\n"
			  "h:8443:\t" OID "\t" FP1 "\t\n"
			  "[::1]:443:\t" OID "\t" FP1 "\t\n"
			  "::1:443\t" OID "\t" FP1 "\tU\tK\n");
	ck_assert_uint_eq(override_remove(&f, "h", 443, "", &ch), 0);
	ck_assert_uint_eq(override_remove(&f, "nosuch", 443, NULL, &ch), 0);
	ck_assert_uint_eq(ch.n, 2);
	/* IPv6: bracketed and era-A unbracketed lines alike */
	ck_assert_uint_eq(override_remove(&f, "::1", -1, NULL, &ch), 2);
	override_changes_release(&ch);
	override_file_release(&f);

	/* all variants */
	override_changes_init(&ch);
	parse_str(remove_text, &f);
	ck_assert_uint_eq(override_remove(&f, "h", 443, NULL, &ch), 3);
	ck_assert_uint_eq(ch.n, 3);
	ck_assert_uint_eq(f.n, 6);
	/* one exact suffix */
	ck_assert_uint_eq(override_remove(&f, "h", 8443, "^privateBrowsingId=1", &ch), 0);
	ck_assert_uint_eq(override_remove(&f, "h", 8443, "", &ch), 1);
	assert_writes_str(&f, HEADER
			  "other:443:\t" OID "\t" FP1 "\t\n"
			  "[::1]:443:\t" OID "\t" FP1 "\t\n"
			  "::1:443\t" OID "\t" FP1 "\tU\tK\n");
	override_changes_release(&ch);
	override_file_release(&f);
}
END_TEST

static bool
expired_cb(const struct override_entry *e, void *ctx)
{
	(*(int *)ctx)++;
	return streq(e->fingerprint, FP3);
}

START_TEST(test_prune)
{
	static const char text[] = HEADER
		"x:1:\t" OID "\t" FP1 "\t\n"       /* 3: duplicate of 6 */
		"\n"                               /* 4: blank, kept */
		"garbage\n"                        /* 5: invalid */
		"x:1:\t" OID "\t" FP1 "\t\r\n"     /* 6: kept (later copy; line endings aside) */
		"y:1:\t" OID "\t" FP3 "\t\n"       /* 7: expired */
		"y:2:\t" OID "\t" FP2 "\t\n"       /* 8: kept */
		"x:1:\t" OID "\t" FP2 "\t\n"       /* 9: same key, other fingerprint: not a duplicate */
		"::1:443\t" OID "\t" FP1 "\tU\tK\n"; /* 10: only era A reads it */
	struct override_file f;
	struct override_changes ch;
	int calls = 0;

	override_changes_init(&ch);
	parse_str(text, &f);
	ck_assert_uint_eq(override_prune(&f, OVERRIDE_ERA_D, 0, NULL, NULL, &ch), 0);
	assert_writes_str(&f, text);

	ck_assert_uint_eq(override_prune(&f, OVERRIDE_ERA_D,
					 OVERRIDE_PRUNE_INVALID | OVERRIDE_PRUNE_DUPLICATES | OVERRIDE_PRUNE_EXPIRED,
					 expired_cb, &calls, &ch), 4);
	ck_assert_uint_eq(ch.n, 4);
	ck_assert_uint_eq(ch.v[0].lineno, 3);
	ck_assert_str_eq(ch.v[0].reason, "duplicate of a later line");
	ck_assert_uint_eq(ch.v[1].lineno, 5);
	ck_assert_str_eq(ch.v[1].reason, "no ':' after the host");
	ck_assert_ptr_null(ch.v[1].host);
	ck_assert_uint_eq(ch.v[2].lineno, 7);
	ck_assert_str_eq(ch.v[2].reason, "certificate expired");
	ck_assert_str_eq(ch.v[2].host, "y");
	ck_assert_uint_eq(ch.v[3].lineno, 10);
	/* the callback saw the entries left: lines 6, 7, 8, 9 */
	ck_assert_int_eq(calls, 4);
	assert_writes_str(&f, HEADER
			  "\n"
			  "x:1:\t" OID "\t" FP1 "\t\r\n"
			  "y:2:\t" OID "\t" FP2 "\t\n"
			  "x:1:\t" OID "\t" FP2 "\t\n");
	override_changes_release(&ch);
	override_file_release(&f);

	/* for an era-A application, the current-format lines are what it cannot read */
	override_changes_init(&ch);
	parse_str(text, &f);
	ck_assert_uint_eq(override_prune(&f, OVERRIDE_ERA_A, OVERRIDE_PRUNE_INVALID, NULL, NULL, &ch), 6);
	assert_writes_str(&f, HEADER "\n" "::1:443\t" OID "\t" FP1 "\tU\tK\n");
	override_changes_release(&ch);
	override_file_release(&f);

	/* an era-C application drops lines without a dbKey */
	override_changes_init(&ch);
	parse_str(HEADER "a:1:\t" OID "\t" FP1 "\t\t" LOCALHOST_KEY "\nb:1:\t" OID "\t" FP1 "\t\n", &f);
	ck_assert_uint_eq(override_prune(&f, OVERRIDE_ERA_C, OVERRIDE_PRUNE_INVALID, NULL, NULL, &ch), 1);
	ck_assert_str_eq(ch.v[0].host, "b");
	override_changes_release(&ch);
	override_file_release(&f);
}
END_TEST

Suite *make_suite(void);

Suite *
make_suite(void)
{
	Suite *s = suite_create("override");
	TCase *tc = tcase_create("parse");
	TCase *tw = tcase_create("write");
	TCase *te = tcase_create("edit");
	TCase *tn = tcase_create("dbkey");

	tcase_add_loop_test(tc, test_real_fixture, 0, ARRAY_SIZE(fixtures));
	tcase_add_loop_test(tc, test_xpcshell_vector, 0, ARRAY_SIZE(vectors));
	tcase_add_test(tc, test_xpcshell_file);
	tcase_add_loop_test(tc, test_grammar, 0, ARRAY_SIZE(grammar));
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_fingerprints);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_odd_line_endings);
	tcase_add_test(tc, test_unterminated_last_line);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_nul_read_blocks);
	tcase_add_test(tc, test_binary_junk);
	tcase_add_test(tc, test_large_input);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_scan_agrees_with_parse);
	tcase_add_test(tc, test_scan_limits);
	tcase_add_test(tc, test_tally);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tw, test_format_entry, 0, ARRAY_SIZE(fmts));
	tcase_add_test(tw, test_era_for_version);
	suite_add_tcase(s, tw);

	tcase_add_test(te, test_add_new_file);
	tcase_add_test(te, test_add_replace_in_place);
	tcase_add_test(te, test_add_last_duplicate_wins);
	tcase_add_test(te, test_add_after_unterminated_line);
	tcase_add_test(te, test_remove);
	tcase_add_test(te, test_prune);
	suite_add_tcase(s, te);

	tcase_add_checked_fixture(tn, nss_setup, nss_teardown);
	tcase_add_loop_test(tn, test_real_dbkeys, 0, ARRAY_SIZE(fx_keys));
	tcase_add_test(tn, test_dbkey_layout);
	suite_add_tcase(s, tn);
	return s;
}
