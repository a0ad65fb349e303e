#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t16-concurrent-writers.sh: two mozcert processes never write one profile at
# once, --force or not (mozcert's own lock, .mozcert-lock). Each round starts
# two writers together and checks that both changes are there (no lost update),
# the store is sound, and no temporary file is left; a writer that cannot get
# the lock in time names the other mozcert process, not the application.
. "$(dirname "$0")/lib.sh"

ROUNDS=${T16_ROUNDS:-8}
firefox_home
# Certificates to import: a self-signed CA per round and writer.
i=0
while [ $i -lt $((ROUNDS * 2)) ]; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/ca$i.pem" -subj "/CN=mozcert t16 CA $i" -days 30 2>/dev/null
	i=$((i + 1))
done

# pair CMD1 -- CMD2: start both mozcert runs at once; wait for both; rc1 rc2 set.
pair() {
	a=""; while [ "$1" != -- ]; do a="$a '$1'"; shift; done; shift
	b=""; for x in "$@"; do b="$b '$x'"; done
	eval "\"$MOZCERT\" $a" >"$T/o1" 2>"$T/e1" & p1=$!
	eval "\"$MOZCERT\" $b" >"$T/o2" 2>"$T/e2" & p2=$!
	wait $p1; rc1=$?
	wait $p2; rc2=$?
}
count_certs() { certutil -L -d "sql:$1" 2>/dev/null | awk 'NR>4 && NF' | wc -l; }
no_temps() { ! ls -a "$1" | grep -q 'mozcert-[A-Za-z0-9]\{6\}$'; }

for force in "" --force; do
	[ -n "$force" ] && hold_lock "$P"
	lost=0 fails=0 start=$(count_certs "$P")
	r=0
	while [ $r -lt $ROUNDS ]; do
		k=$(( (r * 2) ))
		# the same certificates in the second pass: remove them first
		if [ -n "$force" ]; then
			"$MOZCERT" -q --force cert remove "mozcert t16 CA $k" >/dev/null 2>&1
			"$MOZCERT" -q --force cert remove "mozcert t16 CA $((k + 1))" >/dev/null 2>&1
		fi
		before=$(count_certs "$P")
		pair $force cert import --trust C,, "$T/ca$k.pem" -- $force cert import --trust C,, "$T/ca$((k + 1)).pem"
		[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] || { fails=$((fails + 1)); echo "# round $r: rc $rc1 $rc2: $(cat "$T/e1" "$T/e2")"; }
		after=$(count_certs "$P")
		[ "$after" -eq $((before + 2)) ] || { lost=$((lost + 1)); echo "# round $r: $before -> $after certificates"; }
		r=$((r + 1))
	done
	check "import+import${force:+ $force}: $ROUNDS rounds, no writer failed" [ "$fails" -eq 0 ]
	check "import+import${force:+ $force}: no lost update" [ "$lost" -eq 0 ]
	check "import+import${force:+ $force}: the store passes integrity_check" \
		[ "$(sqlite3 "file:$P/cert9.db?mode=ro" 'pragma integrity_check')" = ok ]
	check "import+import${force:+ $force}: no temporary file left" no_temps "$P"
	[ -n "$force" ] && release_lock
done

# trust + import at once, with --force: both changes land
pair --force cert trust "mozcert t16 CA 0" ,, -- --force cert import --trust C,, "$T/ca1.pem"
check "trust+import --force: both succeed" [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
check "trust+import --force: the trust change is kept" [ "$(trust_of "$P" "mozcert t16 CA 0")" = ",," ]

# pref + pref at once: both prefs written
pair --force pref set t16.a 1 -- --force pref set t16.b 2
check "pref+pref --force: both succeed" [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
check "pref+pref --force: both prefs are in prefs.js" \
	sh -c 'grep -q "\"t16.a\", 1" "$1/prefs.js" && grep -q "\"t16.b\", 2" "$1/prefs.js"' _ "$P"

# override + override at once: both exceptions written
pair --force override add t16a.example:443 --cert "$T/ca2.pem" -- --force override add t16b.example:443 --cert "$T/ca3.pem"
check "override+override --force: both succeed" [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
check "override+override --force: both exceptions are in cert_override.txt" \
	sh -c 'grep -q "^t16a.example:443" "$1/cert_override.txt" && grep -q "^t16b.example:443" "$1/cert_override.txt"' _ "$P"

# Another mozcert holds the lock longer than we wait: exit 3, the message names it.
rm -f "$T/own"
python3 - "$P" "$T/own" <<'PY' &
import fcntl, os, struct, sys, time
fd = os.open(os.path.join(sys.argv[1], ".mozcert-lock"), os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.ftruncate(fd, 0); os.write(fd, b"%d\n" % os.getpid())
open(sys.argv[2], "w").close()
time.sleep(60)
PY
holder=$!
i=0; while [ ! -e "$T/own" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sum0=$(sum_dir "$P")
MOZCERT_LOCK_WAIT=1 run --force cert import "$T/ca4.pem"
check "a writer that cannot get mozcert's lock exits 3, even with --force" [ "$rc" -eq 3 ]
check "the message names the other mozcert process and its pid" \
	sh -c 'printf "%s\n" "$1" | grep -q "another mozcert process (pid $2)"' _ "$errout" "$holder"
check "the message does not blame the application" sh -c '! printf "%s\n" "$1" | grep -q "by the application"' _ "$errout"
check "nothing changed" [ "$(sum_dir "$P")" = "$sum0" ]
MOZCERT_LOCK_WAIT=1 run cert list
check "a reader is not held up by a writer's lock" [ "$rc" -eq 0 ]
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
# The lock file stays (mozcert's own, like .parentlock) and a later writer takes it at once.
expect_rc "after the other run ends, the writer goes ahead" 0 cert import "$T/ca4.pem"
check ".mozcert-lock is a regular file of mode 0644" [ "$(stat -c %a "$P/.mozcert-lock")" = 644 ]
done_testing
