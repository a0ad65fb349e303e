#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# bench-live.sh: verify HOST:PORT on a live loopback server against openssl s_client on the same
# server (which also fetches the chain and builds a path), median of N paired runs each.
# Usage: tests/bench-live.sh [MOZCERT] [N]   (default N: 21)
# The bound the issue sets: verify takes under 1 s beyond the server's own time. Not part of the
# test suite; exits 1 when the median of verify exceeds that of s_client by 1 s or more.
set -eu
MOZCERT=${1:-build/src/mozcert}
N=${2:-21}
C=$(cd "$(dirname "$0")" && pwd)/fixtures/certs
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -cert "$C/leaf.pem" -key "$C/leaf.key" -cert_chain "$C/intermediate.pem" \
	-quiet </dev/null >/dev/null 2>&1 &
SPID=$!
mkdir "$T/p"
certutil -N -d "sql:$T/p" --empty-password
certutil -A -d "sql:$T/p" -n root -t C,, -a -i "$C/root.pem"
for i in $(seq 1 100); do
	"$MOZCERT" -p "$T/p" verify "127.0.0.1:$port" --name leaf.mozcert.test >/dev/null 2>&1 && break
	sleep 0.05
done
"$MOZCERT" -p "$T/p" verify "127.0.0.1:$port" --name leaf.mozcert.test >/dev/null ||
	{ echo "verify does not accept the test server" >&2; exit 1; }

python3 - "$N" "$MOZCERT" "$T/p" "$port" "$C/root.pem" <<'PY'
import statistics, subprocess, sys, time
n, mozcert, prof, port, root = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
a = [mozcert, "-p", prof, "verify", "127.0.0.1:" + port, "--name", "leaf.mozcert.test"]
b = ["openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername", "leaf.mozcert.test",
     "-CAfile", root, "-verify_hostname", "leaf.mozcert.test", "-verify_return_error"]
ta, tb = [], []
for i in range(n):  # paired, alternating, so drift hits both alike
    for cmd, out in ((a, ta), (b, tb)):
        t = time.monotonic()
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.monotonic() - t)
        if r.returncode != 0:
            sys.exit("%s failed (exit %d)" % (cmd[0], r.returncode))
ma, mb = statistics.median(ta), statistics.median(tb)
print("verify 127.0.0.1:PORT (mozcert)  median %.3f s  min %.3f  max %.3f  (%d runs)" % (ma, min(ta), max(ta), n))
print("openssl s_client, same server     median %.3f s  min %.3f  max %.3f  (%d runs)" % (mb, min(tb), max(tb), n))
print("difference of medians: %+.3f s (bound: under 1 s)" % (ma - mb))
sys.exit(0 if ma - mb < 1.0 else 1)
PY
