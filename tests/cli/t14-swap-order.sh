#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t14-swap-order.sh: what the application's NSS reads when a writer dies
# between the renames of key4.db and cert9.db, before any mozcert runs again.
# An import shows the store as it was (no new certificate at ',,'); a removal
# shows the store without the certificate; a trust change leaves only that
# certificate at ',,' (the one window two files cannot close). Oracle: the
# browser's NSS (certutil with Firefox's libraries) and the system certutil.
. "$(dirname "$0")/lib.sh"

listing() { # listing DIR [1]: sorted "nickname trust" lines as NSS reads them (1: the browser's NSS)
	rm -rf "$T/scratch"; cp -r "$1" "$T/scratch"; rm -f "$T/scratch/.mozcert-journal"
	if [ "${2:-0}" = 1 ]; then
		LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -L -d "sql:$T/scratch" 2>/dev/null
	else
		certutil -L -d "sql:$T/scratch" 2>/dev/null
	fi | awk 'NR>4 && NF' | sed 's/  */ /g; s/ *$//' | sort
}
mkdir -p "$T/certs"
for i in 1 2 3 4 5 6 7 8; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/certs/c$i.pem" -subj "/CN=t14 CA $i" -days 30 2>/dev/null
done
new_profile "$T/base"
for i in 1 2 3 4 5; do
	"$MOZCERT" -q -p "$T/base" cert import --trust C,, "$T/certs/c$i.pem" || echo "# setup import $i failed"
done
rm -rf "$T/base/mozcert-backups"

views="0"
have_firefox_nss && views="0 1"
for v in $views; do
	who=$([ "$v" = 1 ] && echo "the browser's NSS" || echo "certutil")
	before=$(listing "$T/base" "$v")
	check "$who: the base store lists 5 certificates at C,," [ "$(printf '%s\n' "$before" | grep -c ' C,,$')" -eq 5 ]

	rm -rf "$T/p"; cp -r "$T/base" "$T/p"
	MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" -p "$T/p" cert import --trust C,, "$T/certs/c6.pem" "$T/certs/c7.pem" >/dev/null 2>&1
	check "$who: import killed between the renames" [ $? -eq 137 ]
	check "$who: until the next run, the store reads as it was (no new certificate at ',,')" \
		[ "$(listing "$T/p" "$v")" = "$before" ]

	rm -rf "$T/p"; cp -r "$T/base" "$T/p"
	MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" -p "$T/p" cert remove "t14 CA 3" >/dev/null 2>&1
	check "$who: remove killed between the renames" [ $? -eq 137 ]
	check "$who: until the next run, the store reads without it, the others still C,," \
		[ "$(listing "$T/p" "$v")" = "$(printf '%s\n' "$before" | grep -v '^t14 CA 3 ')" ]

	rm -rf "$T/p"; cp -r "$T/base" "$T/p"
	MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" -p "$T/p" cert trust "t14 CA 2" CT,C,C >/dev/null 2>&1
	check "$who: trust change killed between the renames" [ $? -eq 137 ]
	check "$who: the others keep C,, (only the changed certificate may read ',,')" \
		[ "$(listing "$T/p" "$v" | grep -v '^t14 CA 2 ')" = "$(printf '%s\n' "$before" | grep -v '^t14 CA 2 ')" ]
	expect_rc "$who: the next run finishes the trust change" 0 -p "$T/p" cert list
	check "$who: and the trust change is there" [ "$(listing "$T/p" "$v" | grep '^t14 CA 2 ')" = "t14 CA 2 CT,C,C" ]
done
done_testing
