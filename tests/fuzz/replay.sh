#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# replay.sh FUZZER DIR|FILE...: run a fuzz driver (built with main-stdin.c) over every
# regular file under the given places; missing places are skipped. Exit status is the driver's.
set -u
exe=$1
shift
list=$(mktemp)
trap 'rm -f "$list"' EXIT
for p in "$@"; do
	[ -e "$p" ] && find "$p" -type f ! -name '*.md' ! -name '*.sh' >>"$list"
done
n=$(wc -l <"$list")
if [ "$n" -eq 0 ]; then
	echo "no corpus files found"
	exit 77
fi
echo "replaying $n files through $(basename "$exe")"
tr '\n' '\0' <"$list" | xargs -0 "$exe"
