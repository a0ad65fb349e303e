#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t20-real-stores.sh: every store in tests/fixtures/real and tests/fixtures/made
# (and under $MOZCERT_EXTRA_FIXTURES when set) lists the same certificates and
# trust as certutil, and listing changes no file.
. "$(dirname "$0")/lib.sh"

stores="$REAL/*/ $MADE/*/"
if [ -n "$EXTRA" ]; then
	stores="$stores $EXTRA/*/"
else
	skip "stores of the optional originals: MOZCERT_EXTRA_FIXTURES not set"
fi
seen=" "
for d in $stores; do
	name=$(basename "$d")
	# the extra directory may hold the shipped folders too: each is listed once
	case $seen in *" $name "*) continue ;; esac
	seen="$seen$name "
	if [ -f "$d/cert9.db" ]; then kind=sql; elif [ -f "$d/cert8.db" ]; then kind=dbm; else continue; fi
	W=$T/$name
	mkdir -p "$W"
	cp "$d"/* "$W"/ 2>/dev/null
	chmod u+w "$W"/*
	before=$(sum_dir "$W")
	run --json -p "$W" cert list
	check "$name: cert list succeeds" [ "$rc" -eq 0 ]
	check "$name: listing changed no file" [ "$(sum_dir "$W")" = "$before" ]
	# The oracle: certutil on a copy that has a key DB (NSS refuses a lone cert DB).
	O=$T/oracle-$name
	mkdir -p "$O"
	if [ $kind = sql ]; then cp "$W/cert9.db" "$O/"; [ -f "$W/key4.db" ] && cp "$W/key4.db" "$O/"; else cp "$W/cert8.db" "$O/"; [ -f "$W/key3.db" ] && cp "$W/key3.db" "$O/"; fi
	[ -f "$O/key4.db" ] || [ -f "$O/key3.db" ] || certutil -N -d "$kind:$O" --empty-password >/dev/null 2>&1
	certutil -L -d "$kind:$O" 2>/dev/null | awk 'NR>4 && NF && !/^Database needs user init/ { t=$NF; sub(/ *$/, ""); print t }' | sort >"$T/oracle"
	printf "%s\n" "$out" | python3 -c 'import json,sys
for c in json.load(sys.stdin)["results"][0]["certificates"]: print(c["trust"])' | sort >"$T/mine"
	check "$name: count and trust match certutil ($(wc -l <"$T/oracle") certificates)" cmp -s "$T/oracle" "$T/mine"
	# The fast SQLite listing and NSS's own listing must agree field by field.
	MOZCERT_NSS_LIST=1 "$MOZCERT_TEST" --json -p "$W" cert list >"$T/nsslist" 2>/dev/null
	printf '%s\n' "$out" >"$T/fastlist"
	check "$name: fast listing equals NSS's listing" python3 -c 'import json,sys
a, b = (sorted(json.load(open(f))["results"][0]["certificates"], key=lambda c: c["sha256"]) for f in sys.argv[1:])
sys.exit(a != b)' "$T/fastlist" "$T/nsslist"
done
done_testing
