#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# bench-repair.sh: db repair of a damaged 1,000-certificate store against a fresh cert import of the same certificates.
# Usage: tests/bench-repair.sh [MOZCERT] [N]   (default N: 1000)
# The damage is fixed: a data page in the middle of cert9.db zeroed and the last 5% of the file cut off.
# Prints both times, the salvage ratio and the time ratio (target: repair within 2x of the import).
# Not part of the test suite.
set -eu
MOZCERT=${1:-build/src/mozcert}
N=${2:-1000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

seconds() { # seconds CMD...: wall time of the command, which must succeed
	python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if r.returncode != 0:
    sys.exit("%s failed: %s" % (sys.argv[1:], r.stderr.decode()[-300:]))
print("%f" % (time.monotonic() - t))
PY
}

openssl ecparam -name prime256v1 -genkey -noout -out "$T/key.pem" 2>/dev/null
echo "generating $N CA certificates..."
: >"$T/bundle.pem"
for i in $(seq 1 "$N"); do
	openssl req -x509 -key "$T/key.pem" -subj "/O=mozcert bench/CN=Repair CA $i" -days 3650 \
		-addext basicConstraints=critical,CA:true 2>/dev/null >>"$T/bundle.pem"
done
mkdir "$T/src" "$T/fresh"
certutil -N -d "sql:$T/src" --empty-password
certutil -N -d "sql:$T/fresh" --empty-password
"$MOZCERT" -q -p "$T/src" cert import --trust C,, "$T/bundle.pem"

# The fixed damage.
sz=$(stat -c %s "$T/src/cert9.db")
pages=$((sz / 4096))
dd if=/dev/zero of="$T/src/cert9.db" bs=4096 seek=$((pages / 2)) count=1 conv=notrunc 2>/dev/null
truncate -s $(((sz - sz / 20) / 4096 * 4096 + 1000)) "$T/src/cert9.db"

t_import=$(seconds "$MOZCERT" -p "$T/fresh" cert import --trust C,, "$T/bundle.pem")
t_repair=$(seconds "$MOZCERT" -p "$T/src" db repair)
got=$(certutil -L -d "sql:$T/src" | awk 'NR>4 && NF' | wc -l)
trusted=$(certutil -L -d "sql:$T/src" | awk 'NR>4 && NF && $NF == "C,,"' | wc -l)
python3 - "$t_import" "$t_repair" "$got" "$trusted" "$N" <<'PY'
import sys
ti, tr = float(sys.argv[1]), float(sys.argv[2])
got, trusted, n = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print("fresh cert import of %d certificates: %.3f s" % (n, ti))
print("db repair of the damaged store:       %.3f s" % tr)
print("salvage ratio: %d/%d = %.3f (trust kept on %d)" % (got, n, got / n, trusted))
print("time ratio (repair / import): %.2f  (target <= 2)" % (tr / ti))
PY
