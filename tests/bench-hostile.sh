#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# bench-hostile.sh: the work hostile input causes, bounded (issue: unbounded work
# on hostile input). Times and peak RSS of mozcert on: a 60 MiB PEM of one
# certificate repeated (one file, and named four times), a PKCS#7 of 100,000
# certificates, and pref list / pref set on prefs.js files of 5k to 500k prefs.
# Usage: tests/bench-hostile.sh [MOZCERT] [BASELINE_MOZCERT]
# With a second binary (e.g. an older build) each line gives both and the ratio.
# Not part of the test suite.
set -eu
MOZCERT=$(readlink -f "${1:-build/src/mozcert}")
BASE=${2:+$(readlink -f "$2")}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

LIMIT=${BENCH_LIMIT:-300}
measure() { # measure BIN ARGS...: "SECONDS RSS_KiB" (exit status ignored: refusals are timed too);
	# a run over LIMIT seconds is stopped and reported as LIMIT with RSS 0
	python3 - "$LIMIT" "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
try:
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=float(sys.argv[1]))
except subprocess.TimeoutExpired:
    print("%s 0" % sys.argv[1])
    sys.exit(0)
dt = time.monotonic() - t
print("%.3f %d" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}
row() { # row LABEL ARGS...
	label=$1; shift
	read -r s m <<<"$(measure "$MOZCERT" "$@")"
	if [ -n "$BASE" ]; then
		read -r bs bm <<<"$(measure "$BASE" "$@")"
		printf '%-44s %8.2f s %7d KiB | baseline %8.2f s %7d KiB%s | %6.1fx faster\n' "$label" "$s" "$m" "$bs" "$bm" \
			"$([ "$bm" = 0 ] && echo " (stopped at the limit)")" "$(python3 -c "print($bs / max($s, 0.001))")"
	else
		printf '%-44s %8.2f s %7d KiB\n' "$label" "$s" "$m"
	fi
}

certutil -N -d "sql:$T/p" --empty-password 2>/dev/null || { mkdir -p "$T/p"; certutil -N -d "sql:$T/p" --empty-password; }
python3 - "$SRCDIR/tests/fixtures/certs/root.pem" "$SRCDIR/tests/fixtures/certs/root.der" "$T" <<'PY'
import sys
pem = open(sys.argv[1]).read()
open(sys.argv[3] + "/dup.pem", "w").write(pem * (60 * 1024 * 1024 // len(pem)))
der = open(sys.argv[2], "rb").read()
def tlv(tag, body):
    n = len(body)
    l = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + l + body
sd = tlv(0x30, tlv(0x02, b"\x01") + tlv(0x31, b"") + tlv(0x30, bytes.fromhex("06092a864886f70d010701")) +
         tlv(0xa0, der * 100000) + tlv(0x31, b""))
open(sys.argv[3] + "/big.p7b", "wb").write(tlv(0x30, bytes.fromhex("06092a864886f70d010702") + tlv(0xa0, sd)))
PY
row "cert import -n: 60 MiB PEM, one cert repeated" -p "$T/p" -n cert import "$T/dup.pem"
row "cert import -n: the same file named 4 times" -p "$T/p" -n cert import "$T/dup.pem" "$T/dup.pem" "$T/dup.pem" "$T/dup.pem"
row "cert import -n: PKCS#7 of 100,000 certs" -p "$T/p" -n cert import "$T/big.p7b"
for n in 5000 20000 40000 500000; do
	mkdir -p "$T/pr$n"
	python3 -c "
import sys
with open('$T/pr$n/prefs.js', 'w') as f:
    for i in range($n): f.write('user_pref(\"b.p%d\", %d);\n' % (i, i))"
	row "pref list: $n prefs" -p "$T/pr$n" pref list
	row "pref set -n: $n prefs" -p "$T/pr$n" -n pref set b.new 1
done
