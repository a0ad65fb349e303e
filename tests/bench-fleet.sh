#!/bin/bash
# SPDX-License-Identifier: MPL-2.0
# bench-fleet.sh: mozcert at fleet scale against the shell loops users write
# today, on the same tree: 200 Firefox profiles of 10 CA certificates each.
# Usage: tests/bench-fleet.sh [MOZCERT] [PROFILES]   (default 200)
# Prints, each the median of 3 runs:
#  - profiles (with certificate counts) vs a 'certutil -L' loop over the profiles;
#  - --all-profiles cert import of 10 CAs into every profile vs a 'certutil -A' loop,
#    with the default --jobs (one worker per processor) and with --jobs 1;
#  - cert sync of the same 10 CAs once every profile holds them vs a loop of
#    'certutil -L -n NICK || certutil -A' (a playbook's second run);
#  - doctor on a cert_override.txt of 200,000 lines (time and peak RSS);
#  - as root: --all-users over 50 users x 4 profiles vs --all-profiles over the same
#    200 profiles (users made with useradd, homes in the temporary tree, removed).
# Not part of the test suite.
set -eu
MOZCERT=$(readlink -f "${1:-build/src/mozcert}")
N=${2:-200}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
USERS=
cleanup() { for u in $USERS; do userdel "$u" >/dev/null 2>&1 || true; done; rm -rf "$T"; }
trap cleanup EXIT
export HOME=$T/home LC_ALL=C
F=$HOME/.mozilla/firefox
mkdir -p "$F" "$T/cas"

med() { # med CMD...: median wall seconds and peak RSS (KiB) of 3 runs, as "S RSS"
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
ts = []
for _ in range(3):
    t = time.monotonic()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.monotonic() - t)
print("%.3f %d" % (sorted(ts)[1], resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}
ratio() { python3 -c "print('%.2f' % ($1 / max($2, 1e-6)))"; }

echo "making $N profiles of 10 CAs each..."
for i in $(seq 1 10); do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/cas/ca$i.pem" -subj "/CN=bench fleet CA $i" -days 365 2>/dev/null
done
for i in $(seq 11 20); do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/new$i.pem" -subj "/CN=bench fleet new CA $i" -days 365 2>/dev/null
done
mkdir -p "$T/base"
certutil -N -d "sql:$T/base" --empty-password
for i in $(seq 1 10); do certutil -A -d "sql:$T/base" -n "ca$i" -t C,, -a -i "$T/cas/ca$i.pem"; done
{
	printf '[General]\nStartWithLastProfile=1\n'
	for i in $(seq 0 $((N - 1))); do printf '\n[Profile%d]\nName=p%d\nIsRelative=1\nPath=p%d\n' "$i" "$i" "$i"; done
} >"$F/profiles.ini"
for i in $(seq 0 $((N - 1))); do cp -r "$T/base" "$F/p$i"; done

# 1. listing every profile with its count
cat >"$T/list-loop.sh" <<SH
for d in $F/p[0-9]*; do certutil -L -d "sql:\$d" >/dev/null; done
SH
read -r a ra <<<"$(med "$MOZCERT" profiles)"
read -r b rb <<<"$(med sh "$T/list-loop.sh")"
printf '%-58s %7.3f s  vs certutil -L loop %7.3f s  ratio %s\n' "profiles ($N profiles, counts)" "$a" "$b" "$(ratio "$a" "$b")"

# 2. ten CAs into every profile (each run on fresh copies)
reset_tree() { for i in $(seq 0 $((N - 1))); do rm -rf "$F/p$i"; cp -r "$T/base" "$F/p$i"; done; }
cat >"$T/import-moz.sh" <<SH
"$MOZCERT" -q --all-profiles cert import --trust C,, $T/new*.pem
SH
cat >"$T/import-moz1.sh" <<SH
"$MOZCERT" -q --jobs 1 --all-profiles cert import --trust C,, $T/new*.pem
SH
cat >"$T/import-loop.sh" <<SH
for d in $F/p[0-9]*; do for f in $T/new*.pem; do certutil -A -d "sql:\$d" -n "\$(basename "\$f")" -t C,, -a -i "\$f"; done; done
SH
secs() { reset_tree; t0=$(date +%s.%N); sh "$1"; python3 -c "import time; print(time.time() - $t0)"; }
ta=(); t1=(); tb=()
for k in 1 2 3; do
	ta+=("$(secs "$T/import-moz.sh")"); t1+=("$(secs "$T/import-moz1.sh")"); tb+=("$(secs "$T/import-loop.sh")")
done
a=$(printf '%s\n' "${ta[@]}" | sort -g | sed -n 2p); a1=$(printf '%s\n' "${t1[@]}" | sort -g | sed -n 2p)
b=$(printf '%s\n' "${tb[@]}" | sort -g | sed -n 2p)
printf '%-58s %7.3f s  vs certutil -A loop %7.3f s  ratio %s (%sx faster)\n' \
	"--all-profiles cert import of 10 CAs ($(nproc) processors)" "$a" "$b" "$(ratio "$a" "$b")" "$(ratio "$b" "$a")"
printf '%-58s %7.3f s  vs certutil -A loop %7.3f s  ratio %s (%sx faster)\n' \
	"  the same with --jobs 1 (one profile after the other)" "$a1" "$b" "$(ratio "$a1" "$b")" "$(ratio "$b" "$a1")"

# 2b. the same again when every profile already holds them (a playbook's second run): cert sync
# against the loop that checks each one first; the tree holds the CAs the last certutil loop added
mkdir -p "$T/src"; cp "$T"/new*.pem "$T/src/"
cat >"$T/ensure-loop.sh" <<SH
for d in $F/p[0-9]*; do for f in $T/new*.pem; do n=\$(basename "\$f")
	certutil -L -d "sql:\$d" -n "\$n" >/dev/null 2>&1 || certutil -A -d "sql:\$d" -n "\$n" -t C,, -a -i "\$f"; done; done
SH
read -r a ra <<<"$(med "$MOZCERT" -q --all-profiles cert sync --trust C,, "$T/src")"
read -r b rb <<<"$(med sh "$T/ensure-loop.sh")"
printf '%-58s %7.3f s  vs certutil -L||-A loop %7.3f s  ratio %s (%sx faster)\n' "--all-profiles cert sync, nothing to change" "$a" "$b" \
	"$(ratio "$a" "$b")" "$(ratio "$b" "$a")"

# 3. doctor on 200,000 exceptions
D=$T/doctor; cp -r "$T/base" "$D"
python3 - "$D/cert_override.txt" "$SRCDIR/tests/fixtures/certs/leaf.der" <<'PY'
import hashlib, sys
fp = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest().upper()
fp = ":".join(fp[i:i + 2] for i in range(0, 64, 2))
with open(sys.argv[1], "w") as f:
    f.write("# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n")
    for i in range(200000):
        f.write("h%d.example.org:443:\tOID.2.16.840.1.101.3.4.2.1\t%s\t\n" % (i, fp))
PY
read -r a ra <<<"$(med "$MOZCERT" -p "$D" doctor)"
printf '%-58s %7.3f s  %6d KiB peak RSS (target: 0.5 s, 50 MB)\n' "doctor, cert_override.txt of 200,000 lines" "$a" "$ra"

# 4. --all-users against --all-profiles on the same 200 profiles
if [ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null; then
	chmod 0711 "$T"
	for u in $(seq -w 1 50); do
		name=mzcb$u; USERS="$USERS $name"
		useradd -M -d "$T/users/$name" -U "$name" >/dev/null 2>&1 || true
		h=$T/users/$name/.mozilla/firefox; mkdir -p "$h"
		{ printf '[General]\nStartWithLastProfile=1\n'
		  for i in 0 1 2 3; do printf '\n[Profile%d]\nName=p%d\nIsRelative=1\nPath=p%d\n' "$i" "$i" "$i"; done; } >"$h/profiles.ini"
		for i in 0 1 2 3; do cp -r "$T/base" "$h/p$i"; done
		chown -R "$name:$name" "$T/users/$name"
	done
	only=""; for u in $USERS; do only="$only --user $u"; done
	read -r a ra <<<"$(med "$MOZCERT" --all-users $only cert list)"
	read -r b rb <<<"$(med "$MOZCERT" --all-profiles cert list)"
	printf '%-58s %7.3f s  vs --all-profiles (%d) %7.3f s  per-profile ratio %s\n' \
		"--all-users cert list (50 users x 4 profiles)" "$a" "$N" "$b" "$(ratio "$a / 200" "$b / $N")"
fi
