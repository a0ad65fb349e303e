#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# bench-import.sh: cert import and cert list against certutil on the same work.
# Usage: tests/bench-import.sh [MOZCERT] [N...]   (default N: 1000 2000)
# Prints wall time and peak RSS of each; ratios at the end. Not part of the test suite.
set -eu
MOZCERT=${1:-build/src/mozcert}
shift || true
sizes=${*:-1000 2000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

measure() { # measure LABEL CMD...: prints seconds and peak RSS (KiB) of the command tree
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if r.returncode != 0:
    sys.exit("%s failed: %s" % (sys.argv[1], r.stderr.decode()[-300:]))
print("%-34s %8.3f s %8d KiB" % (sys.argv[1], dt, rss))
print("%f" % dt, file=open("/dev/fd/3", "w"))
PY
}

openssl ecparam -name prime256v1 -genkey -noout -out "$T/key.pem" 2>/dev/null
max=0; for n in $sizes; do [ "$n" -gt "$max" ] && max=$n; done
echo "generating $max CA certificates..."
for i in $(seq 1 "$max"); do
	openssl req -x509 -key "$T/key.pem" -subj "/O=mozcert bench/CN=Bench CA $i" -days 3650 \
		-addext basicConstraints=critical,CA:true -out "$T/c$i.pem" 2>/dev/null
done

for n in $sizes; do
	echo "== $n certificates"
	: >"$T/bundle.pem"; : >"$T/cmds.txt"
	for i in $(seq 1 "$n"); do
		cat "$T/c$i.pem" >>"$T/bundle.pem"
		echo "-A -n \"Bench CA $i - mozcert bench\" -t \",,\" -i $T/c$i.pem" >>"$T/cmds.txt"
	done
	for d in loop batch mine; do rm -rf "$T/$d"; mkdir "$T/$d"; certutil -N -d "sql:$T/$d" --empty-password; done
	loop=$( { measure "certutil -A loop" bash -c "for i in \$(seq 1 $n); do certutil -A -d sql:$T/loop -n \"Bench CA \$i\" -t ,, -i $T/c\$i.pem || exit 1; done" 3>&1 1>&2; } )
	batch=$( { measure "certutil -B batch" certutil -B -d "sql:$T/batch" -i "$T/cmds.txt" 3>&1 1>&2; } )
	mine=$( { measure "mozcert cert import" "$MOZCERT" -p "$T/mine" cert import "$T/bundle.pem" 3>&1 1>&2; } )
	lcu=$( { measure "certutil -L" certutil -L -d "sql:$T/mine" 3>&1 1>&2; } )
	lmc=$( { measure "mozcert cert list" "$MOZCERT" -p "$T/mine" cert list 3>&1 1>&2; } )
	count=$(certutil -L -d "sql:$T/mine" | awk 'NR>4 && NF' | wc -l)
	echo "certutil counts $count certificates in mozcert's store, $(certutil -L -d "sql:$T/batch" | awk 'NR>4 && NF' | wc -l) in the -B store"
	python3 - "$loop" "$batch" "$mine" "$lcu" "$lmc" "$n" <<'PY'
import sys
loop, batch, mine, lcu, lmc = map(float, sys.argv[1:6])
print("import: %.1fx faster than the certutil loop, %.2fx faster than certutil -B" % (loop / mine, batch / mine))
print("list:   %.2fx the time of certutil -L" % (lmc / lcu))
open("/tmp/mozcert-bench-%s" % sys.argv[6], "w").write("%f %f\n" % (mine, lmc))
PY
done
if [ -f /tmp/mozcert-bench-1000 ] && [ -f /tmp/mozcert-bench-2000 ]; then
	python3 - <<'PY'
a = list(map(float, open("/tmp/mozcert-bench-1000").read().split()))
b = list(map(float, open("/tmp/mozcert-bench-2000").read().split()))
print("scaling 1000 -> 2000: import %.2fx, list %.2fx" % (b[0] / a[0], b[1] / a[1]))
PY
fi
