#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# docs/HACKING.md's module map names every file of src/, and only files that
# exist: a newcomer finds each concern from the map (issue 18). Also the
# layout's rules that a grep can check: no file of src/ over 1000 lines, no
# core file includes a command header, NSS starts and stops only in nssdb.c.
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 1
map=docs/HACKING.md
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

for f in src/*.c src/cmd/*.[ch] src/core/*.[ch]; do
	d=${f%/*} b=${f##*/} stem=${b%.*}
	if grep -qE "^\| ($f[ ,|]|$d/$stem\.c, (\.h|$stem\.h) )" "$map"; then
		ok "$f is in the module map"
	else
		notok "$f is in the module map"
	fi
done
for f in $(grep -oE '^\| src/[A-Za-z0-9/._-]+' "$map" | sed 's/^| //'); do
	if [ -e "$f" ]; then ok "map row $f names a file"; else notok "map row $f names a file"; fi
done
big=$(wc -l src/*.c src/*/*.[ch] | awk '$2 != "total" && $1 > 1000 { print $2 " (" $1 ")" }')
if [ -z "$big" ]; then ok "no file of src/ over 1000 lines"; else notok "no file of src/ over 1000 lines: $big"; fi
inc=$(grep -lE '#include "(cmd|findings|output|checks|db|pref|override|repair-trust|verify-causes|verify-fix)\.h"' src/core/*.[ch])
if [ -z "$inc" ]; then ok "no core file includes a command header"; else notok "core files include command headers: $inc"; fi
nss=$(grep -lE 'NSS_(Initialize|NoDB_Init|InitContext|Init|Shutdown|ShutdownContext) *\(' src/*.c src/*/*.c | grep -vx src/core/nssdb.c)
if [ -z "$nss" ]; then ok "NSS starts and stops only in nssdb.c"; else notok "NSS init/shutdown outside nssdb.c: $nss"; fi
echo "1..$n"
exit $fail
