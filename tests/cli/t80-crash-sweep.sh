#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t80-crash-sweep.sh: a bounded sample of tests/crash-sweep.sh: each writing command (cert import of 500
# certificates, cert trust, db repair, db upgrade, override add, pref set, db restore of an upgrade's
# backup, cert trust beside an application's hot journal, and as root cert trust in a profile of another
# user) is SIGKILLed at 2 evenly spread
# moments, db upgrade/override add/pref set also at each rename of a profile file (strace). Every file must
# be in its before or after state, recovery must leave no journal or temporary file, NSS must open the store
# and a re-run must complete. The full sweep (240 evenly spread kill points, and each rename/unlink) is
# tests/crash-sweep.sh.
. "$(dirname "$0")/lib.sh"

# Staging and profiles in private tmpfs directories made and removed by the sweep (a SIGKILL is not a power
# cut, so the page cache is the disk here): on disk the 500-certificate import alone takes ~30 s of syncs.
unset MOZCERT_STAGE_DIR
[ -w /dev/shm ] && sweep_tmp=/dev/shm || sweep_tmp=$TMPDIR
TMPDIR=$sweep_tmp CRASH_TAP=1 CRASH_STRACE_CALLS=rename CRASH_STRACE_COMMANDS="upgrade override pref restore hotjournal rootowned" \
	CRASH_REFRUNS=1 SRCDIR=$SRCDIR bash "$SRCDIR/tests/crash-sweep.sh" "$MOZCERT" "${CRASH_POINTS:-2}" \
	>"$T/sweep" 2>"$T/sweep.err"
sweep_rc=$?
sed -n 's/^#/#/p; s/^crash-sweep: /# crash-sweep: /p' "$T/sweep"
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	esac
done <"$T/sweep"
want=8; [ "$(id -u)" -eq 0 ] && want=9  # the root-owned profile case runs only as root
check "the sweep ran every command ($want summary lines)" [ "$(grep -c '^\(PASS\|FAIL\) ' "$T/sweep")" -eq $want ]
check "the sweep finished: summary line printed" grep -q '^crash-sweep: [0-9]* kill points' "$T/sweep"
check "the sweep exited 0 (stderr: $(tail -c 300 "$T/sweep.err" | tr '\n' ' '))" [ "$sweep_rc" -eq 0 ]
done_testing
