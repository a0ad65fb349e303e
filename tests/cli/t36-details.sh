#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t36-details.sh: details a user hits: a fingerprint prefix too short, db check findings said once,
# pref names the application has to read back.
. "$(dirname "$0")/lib.sh"

export MOZCERT_APP_DIRS=
mkdir -p "$T/pol"
export MOZCERT_POLICY_DIRS="$T/pol"
says() { printf '%s\n' "$1" | grep -qF -- "$2"; }

# ---- a fingerprint prefix needs 8 hex digits ----
P=$T/fp
new_profile "$P"
certutil -A -d "sql:$P" -n root -t C,, -a -i "$FIX/certs/root.pem"
sha=$(openssl x509 -in "$FIX/certs/root.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
short=$(printf '%s' "$sha" | tr -d : | cut -c1-7)
for c in show remove; do
	expect_rc "cert $c with a 7-digit prefix: usage error" 2 -p "$P" cert $c "$short"
	check "cert $c: the message says 8 hex digits" says "$errout" "needs at least 8 hex digits (it has 7)"
done
expect_rc "cert trust with a 4-digit prefix (colons aside): usage error" 2 -p "$P" cert trust "$(printf '%s' "$sha" | cut -c1-5)" C,,
check "cert trust: the message counts 4 digits" says "$errout" "(it has 4)"
check "the refused commands left the certificate and its trust" [ "$(trust_of "$P" root)" = "C,," ]
expect_rc "an 8-digit prefix still names the certificate" 0 -p "$P" cert show "$(printf '%s' "$sha" | tr -d : | cut -c1-8)"
check "cert show by 8 digits prints it" says "$out" "$sha"
# A nickname that looks like a short prefix is still a nickname.
certutil -A -d "sql:$P" -n beef -t ,, -a -i "$FIX/certs/intermediate.pem"
expect_rc "a nickname of 4 hex digits is found as a nickname" 0 -p "$P" cert show beef
check "cert show beef prints that certificate" says "$out" "nickname:   beef"
expect_rc "a name that is not hex stays not-found" 1 -p "$P" cert show no-such-cert

# ---- db check says each finding once ----
# The second page zeroed: SQLite's integrity check fails and the row scan breaks off at row 0.
# Both used to print the first problem ("database disk image is malformed") twice.
D=$T/damaged
new_profile "$D"
certutil -A -d "sql:$D" -n root -t C,, -a -i "$FIX/certs/root.pem"
dd if=/dev/zero of="$D/cert9.db" bs=4096 seek=1 count=1 conv=notrunc 2>/dev/null
expect_rc "db check of a store with a zeroed page: damaged" 1 --json -p "$D" db check
check "db check --json: cert9-integrity and cert9-rows both found" \
	json_has "{'cert9-integrity', 'cert9-rows'} <= {f['code'] for f in r['findings']}"
check "db check --json: no two findings say the same thing" \
	json_has "len({(f['file'], f['message']) for f in r['findings']}) == len(r['findings'])"
check "db check --json: cert9-rows says which rows" \
	json_has "any(f['code'] == 'cert9-rows' and f['message'].startswith('rows after row 0 cannot be read') for f in r['findings'])"
expect_rc "db check (text) of the same store" 1 -p "$D" db check
check "db check (text): no line printed twice" \
	[ "$(printf '%s\n' "$out" | grep '^error' | sort | uniq -d | wc -l)" -eq 0 ]

# ---- pref names: written as libpref writes them, read back the same ----
Q=$T/pn
mkdir -p "$Q"
bs='\'
for name in 'a"quote' "back${bs}slash" "$(printf 'line\nbreak')" "$(printf 'cr\rret')" "$(printf 'ctl\001\037\177')" \
	"$(printf 'utf8-\303\251')" "$(printf 'raw-\377')"; do
	label=$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')
	expect_rc "pref set of the name [$label]" 0 -p "$Q" pref set "$name" 7
	expect_rc "pref get reads it back [$label]" 0 --json -p "$Q" pref get "$name"
	check "pref get: the value is the one set [$label]" json_has "r['pref']['value'] == 7 and r['pref']['source'] == 'prefs.js'"
done
check "prefs.js: quote, backslash, LF and CR escaped as libpref's StrEscape does" sh -c '
	grep -qF "user_pref(\"a\\\"quote\", 7);" "$1" && grep -qF "user_pref(\"back\\\\slash\", 7);" "$1" &&
	grep -qF "user_pref(\"line\\nbreak\", 7);" "$1" && grep -qF "user_pref(\"cr\\rret\", 7);" "$1"' _ "$Q/prefs.js"
check "prefs.js: one statement per name set, none split over lines" [ "$(grep -c '^user_pref(' "$Q/prefs.js")" -eq 7 ]
expect_rc "pref set of an empty name: usage error" 2 -p "$Q" pref set "" 1

done_testing
