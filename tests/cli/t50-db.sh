#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t50-db.sh: db check, db upgrade, db backups, db restore (certutil as the oracle).
. "$(dirname "$0")/lib.sh"

codes() { printf '%s\n' "$out" | python3 -c "import json,sys; print(' '.join(f['code'] for f in json.load(sys.stdin)['results'][0]['findings']))"; }
# listing DIR PREFIX: certutil's nicknames and trust, sorted, without the "needs user init" line
listing() { certutil -L -d "$2:$1" 2>/dev/null | awk 'NR>3 && NF' | grep -v 'Database needs user init' | sed 's/  */ /g; s/ $//' | LC_ALL=C sort; }

# ---- db check: healthy stores ----
new_profile "$T/fresh"
certutil -A -d "sql:$T/fresh" -n root -t C,, -a -i "$FIX/certs/root.pem"
expect_rc "check: a store made by certutil is healthy" 0 -p "$T/fresh" db check
check "check: says healthy" sh -c 'printf "%s\n" "$1" | grep -q "healthy, 0 errors"' _ "$out"
expect_rc "check --json" 0 --json -p "$T/fresh" db check
check "check --json: healthy, cert9, 1 certificate, changed false" json_has \
	"r['healthy'] is True and r['store'] == 'cert9' and r['certificates'] == 1 and d['changed'] is False and r['application_uses'] == 'cert9'"
# the shipped real stores, the made ones (a client certificate with its key; an empty store),
# and the original these stand in for when MOZCERT_EXTRA_FIXTURES has it
stores=
for f in mozilla-psm-isbuiltinroot-reload mozilla-tb-db-tinderbox-invalid-sql mozilla-tb-db-tinderbox-invalid-legacy \
	mozilla-pgo-certs mozilla-libmar-certs mozilla-tb-accountcreation-certs; do
	stores="$stores $REAL/$f"
done
stores="$stores $MADE/client-sql $MADE/empty-sql"
if x=$(extra badssl-nssdb); then stores="$stores $x"; else skip "check: badssl-nssdb: MOZCERT_EXTRA_FIXTURES not set"; fi
for src in $stores; do
	f=$(basename "$src")
	rm -rf "$T/real-$f"; cp -r "$src" "$T/real-$f"; chmod -R u+w "$T/real-$f"
	before=$(sum_dir "$T/real-$f")
	expect_rc "check: real store $f is not damaged" 0 --json -p "$T/real-$f" db check
	check "check: $f unchanged by the check" [ "$(sum_dir "$T/real-$f")" = "$before" ]
done
run --json -p "$T/real-mozilla-psm-isbuiltinroot-reload" db check
check "check: dbm and sql side by side: the application uses cert9, nothing only in the legacy store" \
	json_has "r['store'] == 'both' and r['application_uses'] == 'cert9' and r['legacy_only_certificates'] == 0 and 'side-by-side' in [f['code'] for f in r['findings']]"
run --json -p "$T/real-mozilla-pgo-certs" db check
check "check: a legacy-only store gets the upgrade as its fix" \
	json_has "any(f['code'] == 'legacy-store' and 'db upgrade' in f['fix'] for f in r['findings'])"

# ---- db check: damaged copies ----
# damaged NAME HOW: a copy of the fresh store with cert9.db damaged
damaged() {
	rm -rf "$T/d-$1"; cp -r "$T/fresh" "$T/d-$1"
	size=$(stat -c %s "$T/d-$1/cert9.db")
	case $2 in
	mid) truncate -s $((size - 4096 - 1000)) "$T/d-$1/cert9.db" ;;
	page) truncate -s $((size - 4096)) "$T/d-$1/cert9.db" ;;
	header) head -c 100 /dev/urandom | dd of="$T/d-$1/cert9.db" conv=notrunc 2>/dev/null ;;
	zero) : >"$T/d-$1/cert9.db" ;;
	zeropage) dd if=/dev/zero of="$T/d-$1/cert9.db" bs=4096 seek=2 count=1 conv=notrunc 2>/dev/null ;;
	esac
}
for how in mid page header zero zeropage; do
	damaged "$how" "$how"
	before=$(sum_dir "$T/d-$how")
	expect_rc "check: cert9.db damaged ($how) -> exit 1" 1 -p "$T/d-$how" db check
	check "check ($how): the damage is named on cert9.db" sh -c 'printf "%s\n" "$1" | grep -q "^error *cert9.db: "' _ "$out"
	# a zero-length cert9.db holds nothing to salvage: a fresh store (issue 14, item 6)
	fix='db repair'; [ "$how" = zero ] && fix='db reset'
	check "check ($how): the fix is $fix" sh -c 'printf "%s\n" "$1" | grep -q "fix: mozcert -p .* $2"' _ "$out" "$fix"
	check "check ($how): nothing written" [ "$(sum_dir "$T/d-$how")" = "$before" ]
done
run --json -p "$T/d-header" db check
check "check --json: random header is cert9-not-a-database, ok false, healthy false" \
	json_has "'cert9-not-a-database' in [f['code'] for f in r['findings']] and d['ok'] is False and r['healthy'] is False and r['error']['code'] == 'damaged'"

# garbage cert9.db beside a good legacy store (docs/nss-internals.md 3.3: NSS's read-only fallback would list the legacy certs)
real_copy mozilla-psm-isbuiltinroot-reload "$T/garbage9"
head -c 28672 /dev/urandom >"$T/garbage9/cert9.db"
expect_rc "check: garbage cert9.db beside a good cert8.db -> exit 1" 1 --json -p "$T/garbage9" db check
check "check: flagged as not a database" json_has "'cert9-not-a-database' in [f['code'] for f in r['findings']]"

# cert8.db damage
for cut in 32768 20000 0; do
	real_copy mozilla-pgo-certs "$T/d8-$cut"
	truncate -s "$cut" "$T/d8-$cut/cert8.db"
	expect_rc "check: cert8.db truncated to $cut bytes -> exit 1" 1 -p "$T/d8-$cut" db check
	check "check: cert8.db truncation named" sh -c 'printf "%s\n" "$1" | grep -q "^error *cert8.db: .*\(truncated\|empty\)"' _ "$out"
done
real_copy mozilla-pgo-certs "$T/d8-magic"
printf '\0\0\0\0' | dd of="$T/d8-magic/cert8.db" conv=notrunc 2>/dev/null
expect_rc "check: cert8.db magic zeroed -> exit 1" 1 -p "$T/d8-magic" db check
check "check: bad magic named" sh -c 'printf "%s\n" "$1" | grep -q "magic"' _ "$out"

# key4.db missing while legacy files are present (docs/nss-internals.md 3.2)
real_copy mozilla-psm-isbuiltinroot-reload "$T/nokey4"
rm "$T/nokey4/key4.db"
expect_rc "check: key4.db missing beside legacy files -> exit 1" 1 --json -p "$T/nokey4" db check
check "check: key4-missing" json_has "any(f['code'] == 'key4-missing' and f['severity'] == 'error' for f in r['findings'])"

# the legacy store holds certificates the modern one lacks
new_profile "$T/lacks"
cp "$REAL/mozilla-pgo-certs/cert8.db" "$REAL/mozilla-pgo-certs/key3.db" "$T/lacks/"; chmod u+w "$T/lacks"/*
run --json -p "$T/lacks" db check
check "check: legacy store with 16 certificates cert9.db lacks (warning, exit 0)" \
	json_has "r['legacy_only_certificates'] == 16 and d['ok'] is True and any(f['code'] == 'legacy-has-more' and 'db upgrade' in f['fix'] for f in r['findings'])"

# trust MACs removed: the application ignores the trust
cp -r "$T/fresh" "$T/nomac"
sqlite3 "$T/nomac/key4.db" "DELETE FROM metaData WHERE id LIKE 'sig_cert_%'"
run --json -p "$T/nomac" db check
check "check: trust without MAC reported" json_has "'trust-mac-missing' in [f['code'] for f in r['findings']]"
check "check: and certutil indeed shows ,, (the oracle agrees)" [ "$(trust_of "$T/nomac" root)" = ",," ]

# leftovers of ours
cp -r "$T/fresh" "$T/left"
printf 'x' >"$T/left/.cert9.db.mozcert-AbC123"
run --json -p "$T/left" db check
check "check: a temporary file of ours is a warning with an rm fix" \
	json_has "d['ok'] is True and any(f['code'] == 'temp-file' and f['fix'].startswith('rm -f') for f in r['findings'])"
printf 'mozcert-journal 1\n' >"$T/left/.mozcert-journal"
expect_rc "check: a pending journal -> exit 1" 1 --json -p "$T/left" db check
check "check: pending-journal" json_has "'pending-journal' in [f['code'] for f in r['findings']]"
check "check: with a journal pending, its temporary files are never offered for removal" \
	json_has "not any(f['code'] == 'temp-file' or (f['fix'] or '').startswith('rm ') for f in r['findings'])"
rm "$T/left/.mozcert-journal"
# another mozcert at work: its temporary files are its own
python3 - "$T/left" "$T/left.held" <<'PY2' &
import fcntl, os, sys, time
fd = os.open(os.path.join(sys.argv[1], ".mozcert-lock"), os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
time.sleep(30)
PY2
holder=$!
i=0; while [ ! -e "$T/left.held" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
run --json -p "$T/left" db check
check "check: while another mozcert holds the profile, its temporary files are not reported" \
	json_has "'mozcert-running' in [f['code'] for f in r['findings']] and 'temp-file' not in [f['code'] for f in r['findings']]"
kill $holder; wait $holder 2>/dev/null
run --json -p "$T/left" db check
check "check: mozcert's own lock file is not a temporary file" \
	json_has "not any(f['code'] == 'temp-file' and f['file'] == '.mozcert-lock' for f in r['findings'])"
mkdir "$T/mozcert-stage-Old123"; touch -d '2 hours ago' "$T/mozcert-stage-Old123"
mkdir "$T/mozcert-stage-New123"
run --json -p "$T/left" db check
check "check: one stale staging directory (the fresh one is not counted)" \
	json_has "any(f['code'] == 'stage-dirs' and f['message'].startswith('1 staging directory') for f in r['findings'])"
rmdir "$T/mozcert-stage-Old123" "$T/mozcert-stage-New123"

# permissions
cp -r "$T/fresh" "$T/perm"
chmod 0444 "$T/perm/cert9.db"
expect_rc "check: cert9.db not writable by its owner -> exit 1" 1 --json -p "$T/perm" db check
check "check: file-mode with a chmod fix" json_has "any(f['code'] == 'file-mode' and f['fix'].startswith('chmod u+rw') for f in r['findings'])"
chmod 0666 "$T/perm/cert9.db"
expect_rc "check: world-writable cert9.db is a warning" 0 --json -p "$T/perm" db check
check "check: file-writable-by-others" json_has "'file-writable-by-others' in [f['code'] for f in r['findings']]"

# pkcs11.txt naming a missing module library
cp -r "$T/fresh" "$T/mod"
printf 'library=/nonexistent/libmissing.so\nname=Gone Token\n\nlibrary=\nname=NSS Internal PKCS #11 Module\n' >"$T/mod/pkcs11.txt"
run --json -p "$T/mod" db check
check "check: a pkcs11.txt module with a missing library" json_has "any(f['code'] == 'pkcs11-module-missing' and 'modutil' in f['fix'] for f in r['findings'])"

# ---- db upgrade into a fresh store ----
real_copy mozilla-pgo-certs "$T/up"
legacy_list=$(listing "$REAL/mozilla-pgo-certs" dbm)
check "the legacy fixture lists 16 certificates" [ "$(printf '%s\n' "$legacy_list" | wc -l)" -eq 16 ]
snap=$(sum_dir "$T/up")
expect_rc "upgrade --dry-run" 0 -n -p "$T/up" db upgrade
check "upgrade --dry-run: says verified and would add 16" sh -c 'printf "%s\n" "$1" | grep -q "16 added, 0 already present; verified (dry run"' _ "$out"
check "upgrade --dry-run: writes nothing" [ "$(sum_dir "$T/up")" = "$snap" ]
check "upgrade --dry-run: no backup" [ ! -e "$T/up/mozcert-backups" ]
hold_lock "$T/up"
expect_rc "upgrade while the application runs -> exit 3" 3 -p "$T/up" db upgrade
check "in use: nothing changed" [ "$(sum_dir "$T/up")" = "$snap" ]
release_lock
expect_rc "upgrade of a legacy profile" 0 --json -p "$T/up" db upgrade
check "upgrade --json: changed, 16 added, verified, moved three files" \
	json_has "d['changed'] is True and r['added'] == 16 and r['verified'] is True and sorted(r['moved_to_backup']) == ['cert8.db', 'key3.db', 'secmod.db']"
check "upgrade: cert9.db and key4.db exist, the legacy files are gone" \
	sh -c '[ -f "$1/cert9.db" ] && [ -f "$1/key4.db" ] && [ ! -e "$1/cert8.db" ] && [ ! -e "$1/key3.db" ] && [ ! -e "$1/secmod.db" ]' _ "$T/up"
got=$(listing "$T/up" sql)
check "upgrade: certutil lists the same nicknames and trust (dbm: original vs sql: result)" [ "$got" = "$legacy_list" ]
[ "$got" = "$legacy_list" ] || { printf '%s\n' "$legacy_list" >"$T/legacy_list"; printf '%s\n' "$got" | diff "$T/legacy_list" - | sed 's/^/# /'; }
check "upgrade: the private keys came along (73)" [ "$(certutil -K -d "sql:$T/up" </dev/null 2>/dev/null | grep -c '^<')" -eq 73 ]
check "upgrade: new files take the legacy files' mode (0644)" [ "$(stat -c %a "$T/up/cert9.db")" = 644 ]
bk=$(ls "$T/up/mozcert-backups")
check "upgrade: the legacy files are in the backup, byte-identical" \
	sh -c 'for f in cert8.db key3.db secmod.db; do cmp -s "$1/$f" "$2/$f" || exit 1; done' _ "$REAL/mozilla-pgo-certs" "$T/up/mozcert-backups/$bk"
if have_firefox_nss; then
	ff=$(LD_LIBRARY_PATH=/usr/lib/firefox-esr certutil -L -d "sql:$T/up" 2>/dev/null | awk 'NR>3 && NF' | sed 's/  */ /g; s/ $//' | LC_ALL=C sort)
	check "upgrade: the browser's NSS lists the upgraded certificates with their trust" [ "$ff" = "$legacy_list" ]
else
	skip "upgrade: the browser's NSS lists the upgraded certificates with their trust" "firefox-esr (its bundled NSS) is not installed"
fi
expect_rc "check after the upgrade: healthy" 0 -p "$T/up" db check
expect_rc "upgrade again: nothing to upgrade (exit 0)" 0 --json -p "$T/up" db upgrade
check "upgrade again: unchanged" json_has "d['changed'] is False"

# ---- db upgrade into an existing modern store ----
new_profile "$T/merge"
certutil -A -d "sql:$T/merge" -n mine -t C,, -a -i "$FIX/certs/root.pem"
certutil -A -d "sql:$T/merge" -n "pgo temporary ca" -t "C,C," -a -i "$REAL/mozilla-pgo-certs/pgoca.ca"
cp "$REAL/mozilla-pgo-certs/cert8.db" "$REAL/mozilla-pgo-certs/key3.db" "$REAL/mozilla-pgo-certs/secmod.db" "$T/merge/"
chmod u+w "$T/merge"/*
expect_rc "upgrade merges into an existing cert9.db" 0 --json -p "$T/merge" db upgrade
check "merge: 15 added, 1 already present" json_has "r['added'] == 15 and r['already_present'] == 1 and r['merged_into_existing'] is True"
check "merge: 17 certificates now" [ "$(listing "$T/merge" sql | wc -l)" -eq 17 ]
check "merge: the existing certificate keeps its trust (C,,)" [ "$(trust_of "$T/merge" mine)" = "C,," ]
check "merge: a certificate in both stores gets NSS's usage-by-usage merge (existing C,C, + legacy CTu,u,u = CTu,Cu,u)" \
	[ "$(trust_of "$T/merge" "pgo temporary ca")" = "CTu,Cu,u" ]
check "merge: a legacy certificate keeps its legacy trust" [ "$(trust_of "$T/merge" "Unknown CA")" = "Cu,u,u" ]

# a modern store under a Primary Password
new_profile "$T/pw"
printf 'secret\n' >"$T/pwfile"
certutil -W -d "sql:$T/pw" -f /dev/null -@ "$T/pwfile" </dev/null >/dev/null 2>&1 ||
	{ printf '\n' >"$T/empty"; certutil -W -d "sql:$T/pw" -f "$T/empty" -@ "$T/pwfile" >/dev/null 2>&1; }
cp "$REAL/mozilla-pgo-certs/cert8.db" "$REAL/mozilla-pgo-certs/key3.db" "$T/pw/"; chmod u+w "$T/pw"/*
snap=$(sum_dir "$T/pw")
expect_rc "upgrade into a password-protected store without --password-file -> exit 1" 1 -p "$T/pw" db upgrade
check "without the password: the error says --password-file" sh -c 'printf "%s\n" "$1" | grep -q "password-file"' _ "$errout"
check "without the password: nothing changed" [ "$(sum_dir "$T/pw")" = "$snap" ]
expect_rc "upgrade with --password-file" 0 --password-file "$T/pwfile" -p "$T/pw" db upgrade
check "with the password: certutil lists 16 with the legacy trust" [ "$(listing "$T/pw" sql)" = "$legacy_list" ]

# a legacy store without key3.db (public profiles often lack it): NSS alone cannot read it
made_copy legacy-profile "$T/nokey3"
expect_rc "check: cert8.db without key3.db -> exit 1 (key3-missing)" 1 -p "$T/nokey3" db check
expect_rc "upgrade of a cert8.db without key3.db" 0 --json -p "$T/nokey3" db upgrade
check "no key3.db: all 11 certificates upgraded" json_has "r['added'] == 11 and r['verified'] is True"
check "no key3.db: certutil lists 11" [ "$(listing "$T/nokey3" sql | wc -l)" -eq 11 ]
check "no key3.db: both certificates of the nickname used twice are kept" [ "$(listing "$T/nokey3" sql | grep -c '^Made Twin CA ,,$')" -eq 2 ]
# the same on the original (a Firefox 45 profile's cert8.db without its key3.db)
if x=$(extra beubi-customfirefoxprofile); then
	rm -rf "$T/nokey3x"; cp -r "$x" "$T/nokey3x"; chmod -R u+w "$T/nokey3x"
	expect_rc "original: upgrade of a cert8.db without key3.db" 0 --json -p "$T/nokey3x" db upgrade
	check "original: all 11 certificates upgraded" json_has "r['added'] == 11 and r['verified'] is True"
else
	skip "original cert8.db without key3.db: MOZCERT_EXTRA_FIXTURES not set"
fi

# a damaged legacy store is refused, not half-upgraded
real_copy mozilla-pgo-certs "$T/up-bad"
truncate -s 32768 "$T/up-bad/cert8.db"
snap=$(sum_dir "$T/up-bad")
expect_rc "upgrade of a truncated cert8.db -> exit 1" 1 -p "$T/up-bad" db upgrade
check "upgrade refused: points to db repair" sh -c 'printf "%s\n" "$1" | grep -q "db repair"' _ "$errout"
check "upgrade refused: nothing changed" [ "$(sum_dir "$T/up-bad")" = "$snap" ]

# an upgrade killed right after the swap leaves a backup that already says what was absent
real_copy mozilla-pgo-certs "$T/up-kill"
snap=$(sum_dir "$T/up-kill")
MOZCERT_CRASH_AT=after-renames "$MOZCERT_TEST" -p "$T/up-kill" db upgrade >/dev/null 2>&1
check "upgrade killed after the swap: the new store is in place" [ -f "$T/up-kill/cert9.db" ]
kb=$(ls "$T/up-kill/mozcert-backups" | head -1)
check "upgrade killed after the swap: its backup names cert9.db and key4.db as absent" \
	sh -c 'printf "cert9.db\nkey4.db\n" | cmp -s - "$1/ABSENT"' _ "$T/up-kill/mozcert-backups/$kb"
expect_rc "restore the killed upgrade's backup" 0 -p "$T/up-kill" db restore "$kb"
check "restore after a killed upgrade: the legacy-only profile is back, byte-identical" [ "$(sum_dir "$T/up-kill")" = "$snap" ]

# ---- db backups / db restore ----
expect_rc "backups" 0 --json -p "$T/up" db backups
check "backups: one, reason 'db upgrade', its three files with sizes, and what was absent" \
	json_has "r['count'] == 1 and r['backups'][0]['id'] == '$bk' and r['backups'][0]['reason'] == 'db upgrade' and [f['name'] for f in r['backups'][0]['files']] == ['cert8.db', 'key3.db', 'secmod.db'] and r['backups'][0]['files'][0]['size'] == 65536 and r['backups'][0]['absent'] == ['cert9.db', 'key4.db']"
expect_rc "backups (text)" 0 -p "$T/up" db backups
check "backups (text): id and reason" sh -c 'printf "%s\n" "$1" | grep -q "^$2 .*db upgrade"' _ "$out" "$bk"
expect_rc "backups of a profile without backups" 0 -p "$T/fresh" db backups
check "backups: says none" sh -c 'printf "%s\n" "$1" | grep -q "no backups"' _ "$out"

upgraded=$(sum_dir "$T/up")
expect_rc "restore --dry-run" 0 -n -p "$T/up" db restore "$bk"
check "restore --dry-run: nothing changed" [ "$(sum_dir "$T/up")" = "$upgraded" ]
check "restore --dry-run: no new backup" [ "$(ls "$T/up/mozcert-backups" | wc -l)" -eq 1 ]
hold_lock "$T/up"
expect_rc "restore while in use -> exit 3" 3 -p "$T/up" db restore "$bk"
check "restore in use: nothing changed" [ "$(sum_dir "$T/up")" = "$upgraded" ]
release_lock
expect_rc "restore of an unknown backup -> exit 1" 1 -p "$T/up" db restore 20000101T000000Z
expect_rc "restore of a path -> exit 2" 2 -p "$T/up" db restore ../x
expect_rc "restore with no ID -> exit 2" 2 -p "$T/up" db restore
expect_rc "restore the pre-upgrade backup" 0 --json -p "$T/up" db restore "$bk"
check "restore: changed, a new backup of the current state" json_has "d['changed'] is True and r['from'] == '$bk' and r['backup'] != '$bk'"
check "restore round trip: the legacy files are byte-identical to the backup" \
	sh -c 'for f in cert8.db key3.db secmod.db; do cmp -s "$1/$f" "$2/$f" || exit 1; done' _ "$T/up/mozcert-backups/$bk" "$T/up"
check "restore: the files created by the upgrade are gone" sh -c '[ ! -e "$1/cert9.db" ] && [ ! -e "$1/key4.db" ]' _ "$T/up"
check "restore: modes come back (0644)" [ "$(stat -c %a "$T/up/cert8.db")" = 644 ]
check "restore: certutil lists the legacy store again" [ "$(listing "$T/up" dbm)" = "$legacy_list" ]
bk2=$(ls "$T/up/mozcert-backups" | LC_ALL=C sort | tail -1)
expect_rc "restore the restore's own backup (undo)" 0 -p "$T/up" db restore "$bk2"
check "undo: the upgraded store is back, byte-identical" [ "$(sum_dir "$T/up")" = "$upgraded" ]
expect_rc "restore latest again: unchanged files are reported unchanged" 0 --json -p "$T/up" db restore "$bk2"
check "restore of an identical state: changed false" json_has "d['changed'] is False"

# restore keeps modes, and refuses a symbolic link
cp -r "$T/fresh" "$T/rs"
expect_rc "import to make a backup" 0 -p "$T/rs" cert import --trust C,, "$FIX/certs/intermediate.pem"
rb=$(ls "$T/rs/mozcert-backups" | head -1)
chmod 0640 "$T/rs/cert9.db"
expect_rc "restore the pre-import backup" 0 -p "$T/rs" db restore "$rb"
check "restore: cert9.db byte-identical to the backup" cmp -s "$T/rs/cert9.db" "$T/rs/mozcert-backups/$rb/cert9.db"
check "restore: the mode of cert9.db is kept (0640)" [ "$(stat -c %a "$T/rs/cert9.db")" = 640 ]
check "restore: the intermediate is gone again" [ -z "$(certutil -L -d "sql:$T/rs" | grep -i intermediate)" ]
mv "$T/rs/key4.db" "$T/rs-key4.db"; ln -s "$T/rs-key4.db" "$T/rs/key4.db"
last=$(ls "$T/rs/mozcert-backups" | LC_ALL=C sort | tail -1)
snap=$(sum_dir "$T/rs")
expect_rc "restore through a symlinked key4.db is refused" 1 -p "$T/rs" db restore "$last"
check "symlink: nothing changed" [ "$(sum_dir "$T/rs")" = "$snap" ]
check "symlink: still a link" [ -L "$T/rs/key4.db" ]

done_testing
