#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# run-libfuzzer.sh [SECONDS] [TARGET...]: build each fuzz target with clang's
# libFuzzer + ASan + UBSan and run it for SECONDS (default 60) from a corpus kept
# in $FUZZ_OUT/corpus-TARGET (default build-fuzz/), seeded by the replay corpora
# of tests/fuzz/meson.build. Prints the executions done; exits 1 on a finding
# (the crashing input is saved as $FUZZ_OUT/crash-TARGET-*). Needs clang.
# Targets: certpkg dbm ini override prefs sqlite (default: all). FUZZ_RUNS=N stops
# a target after N executions (when that comes before SECONDS). Inputs are capped
# per target (-max_len) so executions stay fast; seeds larger than that are cut.
# ASan keeps 16 MB of freed memory in quarantine (far more than one input frees,
# so a use after free within an execution is still caught) instead of 256 MB,
# and does not fill new allocations: 1.6x the executions per second.
# An input that takes over 10 s is a finding too (-timeout): the slowest normal
# input takes milliseconds, and one hostile 23 KB cert9.db once took 218 s.
set -eu
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:max_malloc_fill_size=0}
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-certpkg dbm ini override prefs sqlite}
root=$(cd "$(dirname "$0")/../.." && pwd)
fixtures="$root/tests/fixtures/real $root/tests/fixtures/made"
out=${FUZZ_OUT:-$root/build-fuzz}
mkdir -p "$out"
# Every module except the command layer: the parsers and what they link to.
core=$(cd "$root" && ls src/core/*.c)
pkgs="nss nspr sqlite3 json-c inih"
for t in $targets; do
	(cd "$root" && clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-Isrc/core $(pkg-config --cflags $pkgs) "tests/fuzz/fuzz-$t.c" $core \
		$(pkg-config --libs $pkgs) -o "$out/fuzz-$t")
	corpus=$out/corpus-$t
	mkdir -p "$corpus"
	# seeds: what earlier runs found and kept (tests/fuzz/corpus/T), the fixtures
	case $t in
	certpkg) seeds="$root/tests/fixtures/certs $fixtures" max=16384 ;;
	ini) seeds="$fixtures" max=4096 ;;
	prefs) seeds="$root/tests/fixtures/prefs $fixtures" max=8192 ;;
	override) seeds="$fixtures" max=8192 ;;
	*) seeds="$fixtures" max=32768 ;;
	esac
	[ -d "$root/tests/fuzz/corpus/$t" ] && seeds="$root/tests/fuzz/corpus/$t $seeds"
	NSS_DISABLE_UNLOAD=1 "$out/fuzz-$t" -max_total_time="$secs" -runs="${FUZZ_RUNS:--1}" -max_len=$max \
		-print_final_stats=1 -rss_limit_mb=4096 -timeout=10 \
		-artifact_prefix="$out/crash-$t-" "$corpus" $seeds 2>"$out/fuzz-$t.log" || {
		echo "fuzz-$t: FINDING, see $out/fuzz-$t.log"
		exit 1
	}
	echo "fuzz-$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$t.log") executions in $secs s, no finding"
done
