#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t17-hot-journal.sh: a cert9.db-journal left by an application killed in the
# middle of a transaction (SQLite's "hot journal") is the application's own
# recovery data. mozcert reads the store as SQLite will after rolling it back,
# never swaps a new cert9.db in beside the old journal, and keeps the journal
# in the backup. Oracles: certutil and sqlite3 on the result.
. "$(dirname "$0")/lib.sh"

N=40
# hot_store DIR: N CAs trusted C,, then a transaction that deleted every row and
# spilled to the file (cache_size=1) before the process died: the file alone
# holds no certificate, the journal holds them all.
mkdir -p "$T/certs"
i=1
while [ $i -le $N ]; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-out "$T/certs/c$i.pem" -subj "/CN=t17 CA $i" -days 30 2>/dev/null
	i=$((i + 1))
done
new_profile "$T/base"
i=1
while [ $i -le $N ]; do
	certutil -A -d "sql:$T/base" -n "t17 CA $i" -t C,, -a -i "$T/certs/c$i.pem"
	i=$((i + 1))
done
hot_store() {
	rm -rf "$1"; cp -r "$T/base" "$1"
	python3 "$SRCDIR/tests/make-hot-journal.py" "$1/cert9.db"
}
count() { certutil -L -d "sql:$1" 2>/dev/null | awk 'NR>4 && NF' | wc -l; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
	-out "$T/new.pem" -subj "/CN=t17 new CA" -days 30 2>/dev/null

hot_store "$T/p"
check "the fixture: a hot journal beside a cert9.db that alone holds nothing" \
	sh -c '[ -s "$1/cert9.db-journal" ] && [ "$(sqlite3 "file:$1/cert9.db?immutable=1" "select count(*) from nssPublic")" = 0 ]' _ "$T/p"
snap=$(sum_dir "$T/p")
mkdir -p "$T/p.orig"; cp "$T/p/cert9.db-journal" "$T/p.orig/"
run --json -p "$T/p" db check
check "db check: the hot journal is a warning, not damage" \
	json_has "d['ok'] and 'hot-journal' in [f['code'] for f in r['findings']] and r['healthy'] and r['cert9']['certificates'] == $N"
check "db check: the fix it gives is db repair" json_has "any(f['code'] == 'hot-journal' and f['fix'].endswith('db repair') for f in r['findings'])"
run --json -p "$T/p" doctor
check "doctor reports it too" json_has "'hot-journal' in [f['code'] for f in r['findings']]"
run -p "$T/p" cert list
check "cert list reads the store rolled back ($N certificates)" sh -c 'printf "%s\n" "$1" | grep -q "^$2 certificates$"' _ "$out" "$N"
check "readers change nothing (the journal stays)" [ "$(sum_dir "$T/p")" = "$snap" ]

expect_rc "cert import on a store with a hot journal" 0 -p "$T/p" cert import --trust C,, "$T/new.pem"
check "the old journal is not left beside the new cert9.db" [ ! -e "$T/p/cert9.db-journal" ]
check "the new store passes integrity_check" [ "$(sqlite3 "file:$T/p/cert9.db?mode=ro" 'pragma integrity_check')" = ok ]
check "certutil lists every certificate ($N + 1)" [ "$(count "$T/p")" -eq $((N + 1)) ]
check "trust survived the rollback (C,,)" [ "$(trust_of "$T/p" "t17 CA 7")" = "C,," ]
if have_firefox_nss; then
	check "the browser's NSS sees the same" [ "$(trust_of "$T/p" "t17 CA 7" 1)" = "C,," ]
else
	skip "the browser's NSS sees the same" "firefox-esr (its bundled NSS) is not installed"
fi
bk=$(ls -d "$T/p"/mozcert-backups/*/ | tail -1)
check "the journal is kept byte for byte in the backup, beside the old cert9.db" \
	sh -c 'cmp -s "$1/cert9.db-journal" "$2/cert9.db-journal" && [ -f "$2/cert9.db" ]' _ "$T/p.orig" "$bk"
run -p "$T/p" db check
check "db check: no hot journal any more" sh -c '! printf "%s\n" "$1" | grep -q hot-journal' _ "$out"

hot_store "$T/r"
run --json -p "$T/r" db repair
check "db repair salvages all $N certificates and loses nothing" json_has "r['salvaged_count'] == $N and r['lost'] == []"
check "db repair: the journal went into the backup" [ ! -e "$T/r/cert9.db-journal" ]
check "db repair: trust kept (C,,)" [ "$(trust_of "$T/r" "t17 CA 3")" = "C,," ]
check "db repair: certutil lists $N" [ "$(count "$T/r")" -eq $N ]

# Killed before the renames: the journal of the application is already gone,
# and the next run rolls mozcert's swap forward; never new files beside it.
hot_store "$T/k"
MOZCERT_CRASH_AT=before-rename "$MOZCERT_TEST" -p "$T/k" cert import "$T/new.pem" >/dev/null 2>&1
check "killed before the renames" [ $? -eq 137 ]
check "the application's journal is already in the backup, not beside the store" \
	[ ! -e "$T/k/cert9.db-journal" ]
expect_rc "the next run finishes the swap" 0 -p "$T/k" cert list
check "and the store is whole ($N + 1, integrity ok)" \
	sh -c '[ "$(sqlite3 "file:$1/cert9.db?mode=ro" "pragma integrity_check")" = ok ]' _ "$T/k"
check "certutil lists $N + 1 after the roll-forward" [ "$(count "$T/k")" -eq $((N + 1)) ]

# A journal under a live transaction (RESERVED lock held) is not hot: left alone.
rm -rf "$T/live"; cp -r "$T/base" "$T/live"
rm -f "$T/live.ready"
python3 - "$T/live/cert9.db" "$T/live.ready" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=DELETE")
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE nssPublic SET id = id")
open(sys.argv[2], "w").close()
time.sleep(20)
PY
livepid=$!
i=0; while [ ! -e "$T/live.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
run --json -p "$T/live" db check
check "a live transaction's journal is not reported as hot" json_has "'hot-journal' not in [f['code'] for f in r['findings']]"
kill $livepid 2>/dev/null; wait $livepid 2>/dev/null
done_testing
