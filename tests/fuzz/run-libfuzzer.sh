#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# run-libfuzzer.sh [SECONDS] [TARGET...]: build each fuzz target with clang's
# libFuzzer + ASan + UBSan and run it for SECONDS (default 60) from a corpus seeded
# by the replay corpora; prints the executions done. Needs clang.
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-certpkg override prefs}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz}
mkdir -p "$out"
core="src/certpkg.c src/override.c src/prefs.c src/error.c src/strbuf.c src/util.c src/fileio.c"
for t in $targets; do
	(cd "$root" && clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-Isrc $(pkg-config --cflags nss) "tests/fuzz/fuzz-$t.c" $core $(pkg-config --libs nss) -o "$out/fuzz-$t")
	corpus=$out/corpus-$t
	mkdir -p "$corpus"
	case $t in
	certpkg) seeds="$root/tests/fixtures/certs" ;;
	override) seeds="$root/../shared/fixtures/real" ;;
	prefs) seeds="$root/tests/fixtures/prefs $root/../shared/fixtures/real" ;;
	esac
	"$out/fuzz-$t" -max_total_time="$secs" -print_final_stats=1 "$corpus" $seeds 2>"$out/fuzz-$t.log" || {
		echo "fuzz-$t: FINDING, see $out/fuzz-$t.log"
		exit 1
	}
	echo "fuzz-$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$t.log") executions in $secs s, no finding"
done
