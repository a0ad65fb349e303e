#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t19-hostile-input.sh: input that would make the work unbounded is bounded:
# repeated certificates are read once, one command reads at most 256 MiB of
# certificate files and 20,000 distinct certificates, and pref list is linear
# (tests/bench-hostile.sh prints the times). Over a bound: exit 1, nothing written.
. "$(dirname "$0")/lib.sh"

new_profile "$T/p"
# 1000 copies of one certificate
python3 - "$FIX/certs/root.pem" "$T/dup.pem" <<'PY'
import sys
open(sys.argv[2], "w").write(open(sys.argv[1]).read() * 1000)
PY
expect_rc "a file of 1000 copies of one certificate imports" 0 --json -p "$T/p" cert import "$T/dup.pem"
check "one certificate added, 999 repeats skipped and counted" \
	json_has "len(r['certificates']) == 1 and r['certificates'][0]['status'] == 'added' and r['duplicates_skipped'] == 999"
run -p "$T/p" -n cert import "$T/dup.pem" "$FIX/certs/bundle.pem"
check "text: the repeats across files are named once" sh -c 'printf "%s\n" "$1" | grep -q "^1000 duplicates in the input skipped$"' _ "$out"

# 60 MiB: one certificate then text; named five times it is 300 MiB of input
python3 - "$FIX/certs/leaf.pem" "$T/big.pem" <<'PY'
import sys
with open(sys.argv[2], "w") as f:
    f.write(open(sys.argv[1]).read())
    line = "x" * 1023 + "\n"
    for _ in range(60 * 1024):
        f.write(line)
PY
snap=$(sum_dir "$T/p")
expect_rc "more than 256 MiB of input in one command is refused" 1 -p "$T/p" cert import "$T/big.pem" "$T/big.pem" "$T/big.pem" "$T/big.pem" "$T/big.pem"
check "the message gives the bound" sh -c 'printf "%s\n" "$1" | grep -q "more than 256 MiB of certificate files"' _ "$errout"
check "nothing written" [ "$(sum_dir "$T/p")" = "$snap" ]
expect_rc "four times the same 60 MiB is within the bound" 0 -n -p "$T/p" cert import "$T/big.pem" "$T/big.pem" "$T/big.pem" "$T/big.pem"
rm -f "$T/big.pem"

# 20,001 distinct certificates: the template's last two signature bytes changed in place (the
# decoder does not check signatures, and the structure stays the same)
python3 - "$FIX/certs/leaf.der" "$T/many.pem" 20001 <<'PY'
import base64, sys
der = bytearray(open(sys.argv[1], "rb").read())
with open(sys.argv[2], "w") as f:
    for n in range(int(sys.argv[3])):
        der[-2:] = n.to_bytes(2, "big")
        b = base64.b64encode(bytes(der)).decode()
        f.write("-----BEGIN CERTIFICATE-----\n" + "\n".join(b[k:k + 64] for k in range(0, len(b), 64)) + "\n-----END CERTIFICATE-----\n")
PY
expect_rc "more than 20,000 distinct certificates are refused" 1 -p "$T/p" cert import "$T/many.pem"
check "the message gives the bound" sh -c 'printf "%s\n" "$1" | grep -q "more than 20000 distinct certificates"' _ "$errout"
check "nothing written" [ "$(sum_dir "$T/p")" = "$snap" ]

# pref list over 50,000 prefs lists every one, once, sorted
python3 - "$T/p/prefs.js" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(50000):
        f.write('user_pref("t19.p%05d", %d);\n' % (49999 - i, i))
    f.write('user_pref("t19.p00007", "again");\n')
PY
run -p "$T/p" pref list
check "pref list: 50,000 prefs, each once" [ "$(printf '%s\n' "$out" | grep -c '^t19\.p')" -eq 50000 ]
printf '%s\n' "$out" >"$T/list.txt"
check "pref list: sorted by name" sh -c 'grep "^t19\.p" "$1" | sort -c' _ "$T/list.txt"
check "pref list: the last of two settings wins" sh -c 'grep "^t19\.p00007" "$1" | grep -q again' _ "$T/list.txt"
done_testing
