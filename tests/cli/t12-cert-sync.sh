#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t12-cert-sync.sh: cert sync against certutil as the oracle, and the system CA hook (data/mozcert-ca-hook).
. "$(dirname "$0")/lib.sh"

firefox_home
mkdir -p "$T/ca"
for i in 1 2 3 4 5 6; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca/k$i.key" -out "$T/ca/ca$i.crt" \
		-subj "/CN=t12 sync CA $i" -days 30 -addext basicConstraints=critical,CA:TRUE 2>/dev/null
done
nicks() { certutil -L -d "sql:$1" | awk 'NR>4 && NF' | grep -o 't12 sync CA [0-9]' | LC_ALL=C sort | tr '\n' ' '; }
src() { rm -rf "$T/src"; mkdir "$T/src"; for i in "$@"; do cp "$T/ca/ca$i.crt" "$T/src/"; done; }
jget() { printf '%s\n' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# the user's own CA, imported by hand before any sync; it is also declared below
certutil -A -d "sql:$P" -n "t12 sync CA 4" -t "C,," -i "$T/ca/ca4.crt"

src 1 2 3 4
expect_rc "first sync imports the declared CAs" 0 --json cert sync --trust C,, "$T/src"
check "certutil sees CAs 1-4" [ "$(nicks "$P")" = "t12 sync CA 1 t12 sync CA 2 t12 sync CA 3 t12 sync CA 4 " ]
for i in 1 2 3; do
	check "CA $i at trust C,," [ "$(trust_of "$P" "t12 sync CA $i")" = "C,," ]
done
check "first sync: changed true, 3 added, the hand-made one unchanged and not managed" \
	[ "$(jget 'd["changed"], d["results"][0]["added"], [c["managed"] for c in d["results"][0]["certificates"] if "CA 4" in c["subject"]]')" = "True 3 [False]" ]
check "the record lists 3 fingerprints under [default]" \
	[ "$(grep -c '^[0-9A-F]\{64\}$' "$P/mozcert-managed.ini")" -eq 3 -a -n "$(grep '^\[default\]$' "$P/mozcert-managed.ini")" ]
snap=$(sum_dir "$P")
expect_rc "second sync succeeds" 0 --json cert sync --trust C,, "$T/src"
check "second sync: changed false" [ "$(jget 'd["changed"], d["results"][0]["changed"]')" = "False False" ]
check "second sync: store and record byte-identical" [ "$(sum_dir "$P")" = "$snap" ]

src 1 3 4
expect_rc "sync without CA 2" 0 cert sync --trust C,, "$T/src"
check "exactly CA 2 removed" [ "$(nicks "$P")" = "t12 sync CA 1 t12 sync CA 3 t12 sync CA 4 " ]

src 1 3
expect_rc "sync without the user's own CA 4" 0 cert sync --trust C,, "$T/src"
check "the hand-imported CA 4 is never removed" [ "$(nicks "$P")" = "t12 sync CA 1 t12 sync CA 3 t12 sync CA 4 " ]

# another label
src 5
expect_rc "sync of label 'other'" 0 cert sync --label other "$T/src"
check "label other adds CA 5 (default trust C,,)" [ "$(trust_of "$P" "t12 sync CA 5")" = "C,," ]
src 1 3
snap=$(sum_dir "$P")
expect_rc "default label again" 0 --json cert sync --trust C,, "$T/src"
check "another label's CA untouched; changed false" [ "$(jget 'd["changed"]')" = False -a "$(sum_dir "$P")" = "$snap" ]

# trust corrected
expect_rc "sync with --trust CT,C," 0 --json cert sync --trust CT,C, "$T/src"
check "trust corrected on both CAs" [ "$(trust_of "$P" "t12 sync CA 1")/$(trust_of "$P" "t12 sync CA 3")" = "CT,C,/CT,C," ]
check "JSON says 2 trust-changed" [ "$(jget 'd["results"][0]["trust_changed"]')" = 2 ]

# --dry-run writes nothing
src 6
snap=$(sum_dir "$P")
expect_rc "--dry-run sync" 0 --dry-run --json cert sync "$T/src"
check "--dry-run reports the would-be changes" [ "$(jget 'd["results"][0]["added"], d["results"][0]["removed"]')" = "1 2" ]
check "--dry-run wrote nothing" [ "$(sum_dir "$P")" = "$snap" ]

# a crash between the two renames, then a re-run, converges
MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" cert sync "$T/src" >/dev/null 2>&1
check "the crashed run died at the crash point" [ $? -ge 128 ]
expect_rc "re-run after the crash" 0 cert sync "$T/src"
check "after the crash and re-run: CA 6 added, CAs 1 and 3 gone, 4 and 5 kept" \
	[ "$(nicks "$P")" = "t12 sync CA 4 t12 sync CA 5 t12 sync CA 6 " ]
expect_rc "a third run" 0 --json cert sync "$T/src"
check "converged: changed false" [ "$(jget 'd["changed"]')" = False ]
check "the record holds CA 6 under default and CA 5 under other, nothing else" \
	[ "$(grep -c '^[0-9A-F]\{64\}$' "$P/mozcert-managed.ini")" -eq 2 ]

# a crash while withdrawing, then a re-run
src
MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" cert sync "$T/src" >/dev/null 2>&1
expect_rc "re-run of the withdrawal (empty directory)" 0 cert sync "$T/src"
check "CA 6 withdrawn" [ "$(nicks "$P")" = "t12 sync CA 4 t12 sync CA 5 " ]
expect_rc "withdrawal again" 0 --json cert sync "$T/src"
check "withdrawal converged: changed false" [ "$(jget 'd["changed"]')" = False ]

# db restore brings the record back with the store
expect_rc "db restore latest" 0 db restore latest
check "restore brought CA 6 and its record back" \
	[ "$(nicks "$P")" = "t12 sync CA 4 t12 sync CA 5 t12 sync CA 6 " -a "$(grep -c '^[0-9A-F]\{64\}$' "$P/mozcert-managed.ini")" -eq 2 ]

expect_rc "a bad label is a usage error" 2 cert sync --label 'a b' "$T/src"
expect_rc "no SOURCE is a usage error" 2 cert sync

# ---- the hook for /etc/ca-certificates/update.d ----
HOOK=$SRCDIR/data/mozcert-ca-hook
export HOME=$T/home2 XDG_CONFIG_HOME=$T/home2/.config
mkdir -p "$HOME"
firefox_home
P2=$P
mkdir -p "$T/local"
cp "$T/ca/ca1.crt" "$T/ca/ca2.crt" "$T/local/"
export MOZCERT_CA_HOOK_CONF="$T/ca-hook.conf" MOZCERT_CA_HOOK_DIR="$T/local" MOZCERT_CA_HOOK_MOZCERT="$MOZCERT"
# A test is no root: the hook's --all-users is replaced by the test's own HOME.
export MOZCERT_CA_HOOK_SCOPE=--all-profiles
snap=$(sum_dir "$P2")
sh "$HOOK" </dev/null >"$T/hook.out" 2>&1
check "hook without a config file: exit 0, nothing done" [ $? -eq 0 -a "$(sum_dir "$P2")" = "$snap" ]
printf 'ENABLED=no\n' >"$T/ca-hook.conf"
sh "$HOOK" </dev/null >"$T/hook.out" 2>&1
check "hook with ENABLED=no: exit 0, nothing done" [ $? -eq 0 -a "$(sum_dir "$P2")" = "$snap" ]
printf '# enabled by the test\nENABLED=yes\n' >"$T/ca-hook.conf"
sh "$HOOK" </dev/null >"$T/hook.out" 2>&1
check "hook with ENABLED=yes: exit 0" [ $? -eq 0 ]
check "hook imported the local CAs" [ "$(nicks "$P2")" = "t12 sync CA 1 t12 sync CA 2 " ]
check "hook's label is system-local" grep -q '^\[system-local\]$' "$P2/mozcert-managed.ini"
rm "$T/local/ca1.crt"
sh "$HOOK" </dev/null >"$T/hook.out" 2>&1
check "CA 1 removed from the directory: withdrawn" [ "$(nicks "$P2")" = "t12 sync CA 2 " ]
rm "$T/local/ca2.crt"
sh "$HOOK" </dev/null >"$T/hook.out" 2>&1
check "the directory without certificates: everything withdrawn" [ -z "$(nicks "$P2")" ]
rm -rf "$T/local"
sh "$HOOK" </dev/null >"$T/hook.out" 2>&1
check "a missing directory also withdraws (exit 0)" [ $? -eq 0 -a -z "$(nicks "$P2")" ]

# the real update-ca-certificates in a test root runs the hook after rebuilding its bundle
if UCC=$(command -v update-ca-certificates 2>/dev/null || ls /usr/sbin/update-ca-certificates 2>/dev/null); then
	U=$T/ucc
	mkdir -p "$U/share" "$U/local" "$U/etcssl" "$U/hooks"
	: >"$U/certs.conf"
	cp "$HOOK" "$U/hooks/mozcert-ca-hook"; chmod 0755 "$U/hooks/mozcert-ca-hook"
	cp "$T/ca/ca3.crt" "$U/local/"
	export MOZCERT_CA_HOOK_DIR="$U/local"
	ucc() { "$UCC" --certsconf "$U/certs.conf" --certsdir "$U/share" --localcertsdir "$U/local" \
		--etccertsdir "$U/etcssl" --hooksdir "$U/hooks" </dev/null >"$T/ucc.out" 2>&1; }
	ucc
	check "update-ca-certificates ran the hook: CA 3 in the profile" [ $? -eq 0 -a "$(nicks "$P2")" = "t12 sync CA 3 " ]
	check "update-ca-certificates did not report the hook failing" [ -z "$(grep '^E:' "$T/ucc.out")" ]
	rm "$U/local/ca3.crt"
	ucc
	check "update-ca-certificates after the CA's removal: withdrawn" [ -z "$(nicks "$P2")" ]
else
	skip "update-ca-certificates not installed"
	skip "update-ca-certificates not installed"
	skip "update-ca-certificates not installed"
fi

done_testing
