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
check "the sweep ran every command (12 summary lines)" [ "$(grep -c '^\(PASS\|FAIL\) ' "$T/sweep")" -eq 12 ]
check "the sweep finished: summary line printed" grep -q '^fault-sweep: [0-9]* fault points' "$T/sweep"
check "the sweep exited 0 (stderr: $(tail -c 300 "$T/sweep.err" | tr '\n' ' '))" [ "$sweep_rc" -eq 0 ]
done_testing
