#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t85-io-faults.sh: a bounded sample of tests/fault-sweep.sh: each writing command (cert import/trust/remove,
# db upgrade/repair/reset/restore, override add/remove/prune, pref set, ocsp off) runs with its N-th write,
# fsync, rename or open failing (EIO or ENOSPC, through the LD_PRELOAD shim tests/faults/iofault.c) for a
# few N per call kind: one among the calls on profile files, and for write and fsync one more among those
# on the private staged store (about 60 runs). After each: the profile is in its
# before state with a non-zero exit, or in its complete after state; NSS opens the store; a store reader
# leaves no temporary file or journal; a failed run's message names the file and the errno; a re-run
# completes. Skipped when the shim was not built (IOFAULT_SO). The full sweep is tests/fault-sweep.sh.
. "$(dirname "$0")/lib.sh"

if [ -z "${IOFAULT_SO:-}" ] || [ ! -f "$IOFAULT_SO" ]; then
	echo "1..0 # SKIP the fault-injection shim was not built (IOFAULT_SO)"
	exit 0
fi
if [ -n "${MOZCERT_VALGRIND:-}" ]; then
	echo "1..0 # SKIP not under valgrind: the shim and valgrind both replace the C library's calls"
	exit 0
fi
unset MOZCERT_STAGE_DIR
FAULT_TAP=1 FAULT_SAMPLE=${FAULT_SAMPLE:-1} FAULT_SAMPLE_PRIVATE=${FAULT_SAMPLE_PRIVATE:-write fsync} SRCDIR=$SRCDIR MOZCERT=$MOZCERT IOFAULT_SO=$IOFAULT_SO \
	bash "$SRCDIR/tests/fault-sweep.sh" >"$T/sweep" 2>"$T/sweep.err"
sweep_rc=$?
sed -n 's/^#/#/p; s/^fault-sweep: /# fault-sweep: /p' "$T/sweep"
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	esac
done <"$T/sweep"
check "the sweep ran every command (15 summary lines)" [ "$(grep -c '^\(PASS\|FAIL\) ' "$T/sweep")" -eq 15 ]
check "the sweep finished: summary line printed" grep -q '^fault-sweep: [0-9]* fault points' "$T/sweep"
check "the sweep exited 0 (stderr: $(tail -c 300 "$T/sweep.err" | tr '\n' ' '))" [ "$sweep_rc" -eq 0 ]

# db repair of a damaged legacy profile: NSS converts key3.db into the new store while mozcert creates it, and
# a failed write there only dropped objects (the 73 public keys NSS writes to cert9.db) with exit 0. Faults at
# writes of that conversion (the staged key4.db journal, spread) must fail the run and change nothing, or give
# the very store an unfaulted run gives.
classes() { sqlite3 "file:$1/cert9.db?immutable=1" "select hex(a0) || '=' || count(*) from nssPublic group by a0" 2>&1 | tr '\n' ' '; }
legacy_damaged() {
	rm -rf "$1"; cp -r "$REAL/mozilla-pgo-certs" "$1"; chmod -R u+w "$1"
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(16384); f.write(bytes(16384))' "$1/cert8.db"
}
# an instrumented mozcert: the shim comes first in the preload list, ahead of the sanitizer runtime
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
mkdir -p "$T/lstage"
legacy_damaged "$T/lref"
MOZCERT_STAGE_DIR=$T/lstage TMPDIR=$T/lstage IOFAULT_OP=write IOFAULT_PATH_PREFIX="$T/lstage" IOFAULT_LOG="$T/llog" \
	LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$T/lref" db repair >/dev/null 2>&1
ref=$(classes "$T/lref")
check "legacy repair unfaulted: the converted public keys are in cert9.db ($ref)" sh -c 'printf "%s" "$1" | grep -q "00000002=73"' _ "$ref"
awk '$1 == "write" && $4 ~ /\/key4\.db-journal$/ { print substr($2, 2) }' "$T/llog" >"$T/lns"
nn=$(wc -l <"$T/lns")
check "the conversion writes the staged key4.db journal ($nn writes)" [ "$nn" -ge 3 ]
for k in 1 $(( (nn + 1) / 2 )) "$nn"; do
	fn=$(sed -n "${k}p" "$T/lns")
	legacy_damaged "$T/lf"
	snap=$(sum_dir "$T/lf")
	rm -rf "$T/lstage"/*
	MOZCERT_STAGE_DIR=$T/lstage TMPDIR=$T/lstage IOFAULT_OP=write IOFAULT_N=$fn IOFAULT_ERRNO=EIO IOFAULT_PATH_PREFIX="$T/lstage" \
		LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$T/lf" db repair >"$T/lout" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		check "legacy repair, write #$fn failing: exit $rc, profile unchanged" [ "$(sum_dir "$T/lf")" = "$snap" ]
		check "legacy repair, write #$fn failing: the message names key4.db and the error" grep -q "key4.db.*Input/output error" "$T/lout"
	else
		check "legacy repair, write #$fn failing: exit 0 only with the unfaulted store ($(classes "$T/lf"))" [ "$(classes "$T/lf")" = "$ref" ]
	fi
done
# db reset --keep-user-certs lists the store's copy in a forked child (nssdb-apart.c). The shim counts the
# calls of the whole process tree: each open has its own number, and the N-th open fails once, in one
# process. With counters per process the child's key4.db open and the parent's cert9.db-journal open
# both failed at the same N, and the message named the parent's file while the report named the child's.
mkdir -p "$T/kstage"
new_profile "$T/kref"
"$MOZCERT" -p "$T/kref" cert import --trust C,, "$FIX/certs/bundle.pem" >/dev/null 2>&1
rm -rf "$T/kref/mozcert-backups"
rm -rf "$T/k"; cp -r "$T/kref" "$T/k"
MOZCERT_STAGE_DIR=$T/kstage TMPDIR=$T/kstage IOFAULT_OP=open IOFAULT_PATH_PREFIX="$T/k:$T/kstage" IOFAULT_LOG="$T/klog" \
	LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$T/k" db reset --keep-user-certs >/dev/null 2>&1
dups=$(awk '$1 == "open" { print $2 }' "$T/klog" | sort | uniq -d | wc -l)
check "reset --keep-user-certs: every counted open has its own number ($dups numbers used twice)" [ "$dups" -eq 0 ]
kn=$(awk '$1 == "open" && $4 ~ /mozcert-repair-.*\/key4\.db$/ { print substr($2, 2) }' "$T/klog" | tail -n 1)
check "reset --keep-user-certs opens the key4.db of its working copy (#$kn)" [ -n "$kn" ]
if [ -n "$kn" ]; then
	rm -rf "$T/k" "$T/kstage"/* "$T/krep"; cp -r "$T/kref" "$T/k"
	MOZCERT_STAGE_DIR=$T/kstage TMPDIR=$T/kstage IOFAULT_OP=open IOFAULT_N=$kn IOFAULT_ERRNO=ENOSPC \
		IOFAULT_PATH_PREFIX="$T/k:$T/kstage" IOFAULT_REPORT="$T/krep" \
		LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$T/k" db reset --keep-user-certs >"$T/kout" 2>&1
	krc=$?
	check "open #$kn failing: one fault injected ($(wc -l <"$T/krep") reported)" [ "$(wc -l <"$T/krep")" -eq 1 ]
	if [ "$krc" -ne 0 ]; then
		check "open #$kn failing: exit $krc, the message names key4.db" grep -q "key4.db.*No space left on device" "$T/kout"
	else
		check "open #$kn failing: exit 0, and the user certificates were kept" grep -q "kept 3 user certificates" "$T/kout"
	fi
fi
# db repair opens its copy's key4.db in the child that lists the store and again to check the trust MACs
# (trust-mac.c). A failed open there (ENOSPC) was judged as a key4.db without MACs: the trust was dropped
# as "not MAC-verified" and that store swapped in, exit 1. Each of these opens failing must leave the
# profile as it was with a message naming key4.db, or complete with the trust kept.
rm -rf "$T/k" "$T/kstage"/* "$T/klog"; cp -r "$T/kref" "$T/k"
MOZCERT_STAGE_DIR=$T/kstage TMPDIR=$T/kstage IOFAULT_OP=open IOFAULT_PATH_PREFIX="$T/k:$T/kstage" IOFAULT_LOG="$T/klog" \
	LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$T/k" db repair >/dev/null 2>&1
ktrust=$(certutil -L -d "sql:$T/kref" | sort)
for kn in $(awk '$1 == "open" && $4 ~ /mozcert-repair-.*\/key4\.db$/ { print substr($2, 2) }' "$T/klog"); do
	rm -rf "$T/k" "$T/kstage"/*; cp -r "$T/kref" "$T/k"
	snap=$(sum_dir "$T/k")
	MOZCERT_STAGE_DIR=$T/kstage TMPDIR=$T/kstage IOFAULT_OP=open IOFAULT_N=$kn IOFAULT_ERRNO=ENOSPC \
		IOFAULT_PATH_PREFIX="$T/k:$T/kstage" LD_PRELOAD=$IOFAULT_SO "$MOZCERT" -p "$T/k" db repair >"$T/kout" 2>&1
	krc=$?
	if [ "$krc" -ne 0 ]; then
		check "db repair, open #$kn (key4.db) failing: exit $krc, profile unchanged" [ "$(sum_dir "$T/k")" = "$snap" ]
		check "db repair, open #$kn failing: the message names key4.db and the error" grep -q "key4.db.*No space left on device" "$T/kout"
	else
		check "db repair, open #$kn (key4.db) failing: exit 0 with every trust kept" [ "$(certutil -L -d "sql:$T/k" | sort)" = "$ktrust" ]
	fi
done
done_testing
