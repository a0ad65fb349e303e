#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t10-cert-import.sh: cert import/list/trust/remove against certutil as the oracle.
. "$(dirname "$0")/lib.sh"

firefox_home
ROOT_NICK="mozcert test root CA - mozcert tests"
chmod 0640 "$P/cert9.db"
before=$(sum_dir "$P")

expect_rc "import of a root with --trust C,, succeeds" 0 cert import --trust C,, "$FIX/certs/root.pem"
nick=$(certutil -L -d "sql:$P" | awk 'NR>4 && NF' | sed 's/ *$//; s/  *[^ ]*$//' | head -1)
check "system certutil sees the root as C,," [ "$(trust_of "$P" "$nick")" = "C,," ]
check "the nickname is derived from the subject (CERT_MakeCANickname)" [ -n "$nick" ]
echo "# nickname: $nick"
check "mode of cert9.db kept (0640)" [ "$(stat -c %a "$P/cert9.db")" = 640 ]
check "a backup directory was made" [ -d "$P/mozcert-backups" ]
check "backup files are private (0700 dir)" [ "$(stat -c %a "$(ls -d "$P"/mozcert-backups/*/ | head -1)")" = 700 ]
if have_firefox_nss; then
	check "the browser's NSS sees C,, too" [ "$(trust_of "$P" "$nick" 1)" = "C,," ]
else
	skip "the browser's NSS sees C,, too" "firefox-esr (its bundled NSS) is not installed"
fi

after1=$(sum_dir "$P")
expect_rc "re-import is idempotent" 0 cert import --trust C,, "$FIX/certs/root.pem"
check "re-import reports unchanged" sh -c 'printf "%s\n" "$1" | grep -q "0 changed, 1 unchanged"' _ "$out"
check "re-import leaves the store byte-identical" [ "$(sum_dir "$P")" = "$after1" ]

expect_rc "a bundle imports every certificate (3)" 0 --json cert import "$FIX/certs/bundle.pem"
check "bundle: JSON says changed" sh -c 'printf "%s\n" "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"changed\"] is True; r=d[\"results\"][0]; assert [c[\"status\"] for c in r[\"certificates\"]] == [\"unchanged\",\"added\",\"added\"], r"' _ "$out"
count=$(certutil -L -d "sql:$P" | awk 'NR>4 && NF' | wc -l)
check "certutil lists 3 certificates" [ "$count" -eq 3 ]
run cert list
check "cert list shows 3 certificates" sh -c 'printf "%s\n" "$1" | grep -q "^3 certificates$"' _ "$out"
check "intermediate default trust is ,, (not an anchor)" sh -c 'printf "%s\n" "$1" | grep -i "intermediate" | grep -q "^,, "' _ "$out"

expect_rc "PKCS#7 import of the same chain is unchanged" 0 cert import "$FIX/certs/chain.p7b"
check "p7b: nothing changed" sh -c 'printf "%s\n" "$1" | grep -q "0 changed, 3 unchanged"' _ "$out"

# bad input: nothing changes, exit 1, the file named
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/dry.key" -out "$T/dry.pem" -subj "/CN=mozcert dry run CA" -days 30 2>/dev/null
snap=$(sum_dir "$P")
for bad in bad-junk.bin bad-truncated.der bad-base64.pem bad-empty.pem bad-noend.pem; do
	expect_rc "bad input $bad: exit 1" 1 cert import "$FIX/certs/leaf.pem" "$FIX/certs/$bad"
	check "bad input $bad: error names the file" sh -c 'printf "%s\n" "$1" | grep -q "$2"' _ "$errout" "$bad"
	check "bad input $bad: one line on stderr" [ "$(printf '%s\n' "$errout" | wc -l)" -eq 1 ]
done
mkdir "$T/empty"; echo hello >"$T/empty/readme.txt"
expect_rc "a directory without certificates: exit 1" 1 cert import "$T/empty"
head -c 20000000 /dev/urandom >"$T/big.pem"
expect_rc "a 20 MB junk file: exit 1" 1 cert import "$T/big.pem"
expect_rc "a missing file: exit 1" 1 cert import "$T/nope.pem"
cp "$FIX/certs/root.pem" "$T/unreadable.pem"; chmod 000 "$T/unreadable.pem"
if [ "$(id -u)" != 0 ]; then
	expect_rc "an unreadable file: exit 1" 1 cert import "$T/unreadable.pem"
else
	skip "an unreadable file: exit 1" "root reads a file of mode 0000"
fi
expect_rc "bad trust string: exit 2" 2 cert import --trust X,, "$FIX/certs/leaf.pem"
expect_rc "no file: exit 2" 2 cert import
check "after all bad input the store is byte-identical" [ "$(sum_dir "$P")" = "$snap" ]

# disk full while staging or swapping (a file-size limit; writes past it fail with EFBIG)
for lim in 20 60 120; do
	F=$T/full-$lim
	cp -r "$P" "$F"
	fsnap=$(sum_dir "$F")
	(trap '' XFSZ; ulimit -f $lim; exec "$MOZCERT" -p "$F" cert import "$FIX/certs/leaf.pem" "$T/dry.pem") >/dev/null 2>"$T/full.err"
	rc=$?
	check "file-size limit $lim: exit 1 or success, never a crash (exit $rc)" [ $rc -le 1 ]
	if [ $rc -eq 1 ]; then
		check "file-size limit $lim: the error names the failure" grep -q "File too large" "$T/full.err"
		check "file-size limit $lim: the store is unchanged" [ "$(sum_dir "$F")" = "$fsnap" ]
	fi
done

# dry run
expect_rc "dry-run import of a new certificate" 0 -n cert import "$T/dry.pem"
check "dry-run says what would be added" sh -c 'printf "%s\n" "$1" | grep -q "would be added"' _ "$out"
check "dry-run writes nothing" [ "$(sum_dir "$P")" = "$snap" ]

# in use
hold_lock "$P"
expect_rc "import while the application holds the profile: exit 3" 3 cert import "$FIX/certs/leaf.pem"
expect_rc "trust while in use: exit 3" 3 cert trust "$nick" CT,C,C
check "in use: store unchanged" [ "$(sum_dir "$P")" = "$snap" ]
expect_rc "--force imports anyway" 0 --force cert import "$T/dry.pem"
release_lock

# trust and remove
expect_rc "cert trust by nickname" 0 cert trust "$nick" CT,C,C
check "certutil sees CT,C,C" [ "$(trust_of "$P" "$nick")" = "CT,C,C" ]
sha=$(certutil -L -d "sql:$P" -n "$nick" | awk '/Fingerprint \(SHA-256\)/{getline; gsub(/ /,""); print; exit}')
expect_rc "cert trust by SHA-256" 0 cert trust "$sha" C,,
check "certutil sees C,, after trust by fingerprint" [ "$(trust_of "$P" "$nick")" = "C,," ]
expect_rc "cert trust of an unknown certificate: exit 1" 1 cert trust no-such-cert C,,
expect_rc "cert show by fingerprint prefix" 0 cert show "$(echo "$sha" | cut -c1-11)"
check "cert show prints the SHA-256" sh -c 'printf "%s\n" "$1" | grep -q "SHA-256:"' _ "$out"
expect_rc "cert remove" 0 cert remove "$nick"
check "certutil no longer lists the root" [ -z "$(trust_of "$P" "$nick")" ]
# "ensure absent": removing a certificate that is not there is success with nothing changed.
snap=$(sum_dir "$P")
nbk=$(ls "$P/mozcert-backups" | wc -l)
expect_rc "cert remove again: exit 0 (already absent)" 0 cert remove "$nick"
check "cert remove again: says there is nothing to remove" \
	sh -c 'printf "%s\n" "$1" | grep -q "^no certificate .* nothing to remove"' _ "$out"
expect_rc "cert remove again --json: exit 0" 0 --json cert remove "$nick"
check "cert remove again --json: changed false, removed 0, ok, no certificates, no backup" \
	json_has "d['changed'] is False and d['ok'] is True and r['changed'] is False and r['removed'] == 0 and r['certificates'] == [] and 'backup' not in r and r['error'] is None and r['not_found'] == '$nick'"
check "cert remove again: store byte-identical" [ "$(sum_dir "$P")" = "$snap" ]
check "cert remove again: no new backup" [ "$(ls "$P/mozcert-backups" | wc -l)" -eq "$nbk" ]
expect_rc "cert remove -n of an absent certificate: exit 0" 0 -n cert remove "$nick"
mkdir -p "$T/nostore"
expect_rc "cert remove in a profile without a store still fails (exit 1)" 1 -p "$T/nostore" cert remove "$nick"

# The test hook exists only in mozcert-test: mozcert itself ignores MOZCERT_CRASH_AT.
MOZCERT_CRASH_AT=between-renames "$MOZCERT" cert import --trust C,, "$FIX/certs/root.pem" >/dev/null 2>&1
check "mozcert ignores MOZCERT_CRASH_AT: the import finishes (exit 0)" [ $? -eq 0 ]
check "... and leaves no journal" [ ! -e "$P/.mozcert-journal" ]
check "... and the root is in the store with trust C,," [ "$(trust_of "$P" "$nick")" = "C,," ]
expect_rc "remove it again" 0 cert remove "$nick"

# A crash between the renames of cert9.db and key4.db (mozcert-test): the next run rolls the swap forward.
snap=$(sum_dir "$P")
MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" cert import --trust C,, "$FIX/certs/root.pem" >/dev/null 2>&1
check "killed between the renames (SIGKILL)" [ $? -eq 137 ]
check "a journal is left for the next run" [ -f "$P/.mozcert-journal" ]
expect_rc "the next command (cert list) finishes the swap" 0 cert list
check "it says so" sh -c 'printf "%s\n" "$1" | grep -q "finished an interrupted store update"' _ "$errout"
check "the journal is gone" [ ! -e "$P/.mozcert-journal" ]
check "the new pair is consistent: the root's trust C,, is readable (MACs match)" [ "$(trust_of "$P" "$nick")" = "C,," ]
check "no temporary file is left" [ -z "$(ls -A "$P" | grep "\.mozcert-" | grep -v "^\.mozcert-lock$")" ]
MOZCERT_CRASH_AT=before-journal "$MOZCERT_TEST" cert trust "$nick" CT,C,C >/dev/null 2>&1
check "killed before the journal" [ $? -eq 137 ]
expect_rc "after a crash before the journal" 0 cert list
check "the old pair stands (trust still C,,)" [ "$(trust_of "$P" "$nick")" = "C,," ]
expect_rc "the next writing command runs" 0 cert trust "$nick" C,,
check "the stray temporary files were swept" [ -z "$(ls -A "$P" | grep "\.mozcert-" | grep -v "^\.mozcert-lock$")" ]

done_testing
