/* SPDX-License-Identifier: MPL-2.0 */
/* salvage-carve.c: DER certificates carved out of raw bytes, with a cert8 record's trust when one precedes them. */
#include "salvage.h"
#include "salvage-internal.h"

#include <certdb.h>

#include "banned.h"

size_t
salvage_carve(const unsigned char *buf, size_t len, struct salvage *s)
{
	size_t added = 0;

	for (size_t i = 0; i + 4 <= len; i++) {
		size_t total, hdr;
		CERTCertTrust t;
		const CERTCertTrust *tp = NULL;
		_autofree_ char *nick = NULL;
		int r;

		if (buf[i] != 0x30)
			continue;
		if (buf[i + 1] == 0x82) {
			total = 4 + ((size_t)buf[i + 2] << 8 | buf[i + 3]);
			hdr = 4;
		} else if (buf[i + 1] == 0x81 && buf[i + 2] >= 0x80) {
			total = 3 + (size_t)buf[i + 2];
			hdr = 3;
		} else {
			continue;
		}
		/* A certificate is a SEQUENCE with content: its first byte must lie inside the buffer. */
		if (total <= hdr || total > len - i || buf[i + hdr] != 0x30)
			continue;
		/* A cert8 record header just before: version, type 1, flags, three trust words, DER and nickname lengths. */
		if (i >= 13) {
			const unsigned char *h = buf + i - 13;

			if ((h[0] == 8 || h[0] == 7) && h[1] == 1 && h[2] == 0 && be16(h + 9) == (total & 0xffff)) {
				size_t nl = be16(h + 11);

				t.sslFlags = be16(h + 3);
				t.emailFlags = be16(h + 5);
				t.objectSigningFlags = be16(h + 7);
				tp = &t;
				if (nl && nl <= len - i - total)
					nick = xstrndup((const char *)buf + i + total, nl);
			}
		}
		r = salvage_add_cert(s, buf + i, total, nick, tp, SALVAGE_CARVED, false);
		if (r >= 0) {
			if (r == 1)
				added++;
			i += total - 1;
		}
	}
	return added;
}
