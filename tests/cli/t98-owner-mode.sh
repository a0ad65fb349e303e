#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t98-owner-mode.sh: the files db upgrade and db restore put in a profile have
# their owner and mode before the swap, never after it: root upgrading a
# user's legacy profile (mode 0640) leaves cert9.db/key4.db that are the
# user's at 0640 also when killed right after the renames, and an owner that
# cannot be given (a group the user is not in: fchown fails with EPERM) stops
# the command with the old files in place and nothing swapped.
# Oracle: stat(1), cmp(1) against the fixture, certutil.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (acts on a profile owned by another uid)"
	exit 0
fi
U=12346
G=54321  # no group of U's: U cannot give a file to it
chmod 0711 "$T"
# staging and private copies where U may create them (as in t96)
mkdir -p "$T/anyone"; chmod 1777 "$T/anyone"
export MOZCERT_STAGE_DIR=$T/anyone TMPDIR=$T/anyone
legacy() { # legacy DIR: the pgo legacy store, U's, at mode 0640
	real_copy mozilla-pgo-certs "$1"
	chmod 0640 "$1"/cert8.db "$1"/key3.db "$1"/secmod.db
	chown -R $U:$U "$1"
}
owner_mode() { stat -c '%u:%g %a' "$1"; }
mkdir -p "$T/h"; chown $U:$U "$T/h"

# ---- db upgrade: owner and mode on the staged files ----
legacy "$T/h/up"
expect_rc "root upgrades U's legacy profile" 0 -p "$T/h/up" db upgrade
for f in cert9.db key4.db; do
	check "upgrade: $f is U's at 0640 ($(owner_mode "$T/h/up/$f"))" [ "$(owner_mode "$T/h/up/$f")" = "$U:$U 640" ]
done

legacy "$T/h/crash"
MOZCERT_CRASH_AT=after-renames "$MOZCERT_TEST" -p "$T/h/crash" db upgrade >/dev/null 2>&1
check "upgrade killed right after the renames" [ $? -eq 137 ]
for f in cert9.db key4.db; do
	check "killed after the renames: $f already U's at 0640 ($(owner_mode "$T/h/crash/$f"))" \
		[ "$(owner_mode "$T/h/crash/$f")" = "$U:$U 640" ]
done
expect_rc "the next command finishes the swap" 0 -p "$T/h/crash" cert list
check "finished: no journal, no legacy files" \
	sh -c '[ ! -e "$1/.mozcert-journal" ] && [ ! -e "$1/cert8.db" ] && [ ! -e "$1/key3.db" ]' _ "$T/h/crash"
check "finished: cert9.db is U's at 0640" [ "$(owner_mode "$T/h/crash/cert9.db")" = "$U:$U 640" ]

legacy "$T/h/nochown"
chgrp $G "$T/h/nochown/cert8.db" "$T/h/nochown/key3.db"
chmod 0660 "$T/h/nochown/cert8.db" "$T/h/nochown/key3.db"
expect_rc "upgrade when the new files cannot take the legacy files' group: exit 1" 1 -p "$T/h/nochown" db upgrade
check "the message says the owner could not be set" sh -c 'printf "%s\n" "$1" | grep -q "cannot set the owner of"' _ "$errout"
check "nothing swapped: no cert9.db, no key4.db, no journal" \
	sh -c '[ ! -e "$1/cert9.db" ] && [ ! -e "$1/key4.db" ] && [ ! -e "$1/.mozcert-journal" ]' _ "$T/h/nochown"
check "the legacy files are in place, byte-identical" \
	sh -c 'for f in cert8.db key3.db secmod.db; do cmp -s "$1/$f" "$2/$f" || exit 1; done' _ "$REAL/mozilla-pgo-certs" "$T/h/nochown"
check "no temporary file left" [ -z "$(find "$T/h/nochown" -name '.*mozcert-*' ! -name .mozcert-lock)" ]
check "the legacy files keep their owner and group" [ "$(owner_mode "$T/h/nochown/cert8.db")" = "$U:$G 660" ]

# ---- db restore: the restored files have their owner and mode before the swap ----
expect_rc "restore the upgrade's backup" 0 -p "$T/h/up" db restore latest
for f in cert8.db key3.db secmod.db; do
	check "restore: $f back, U's at 0640 ($(owner_mode "$T/h/up/$f"))" [ "$(owner_mode "$T/h/up/$f")" = "$U:$U 640" ]
done
check "restore: cert9.db and key4.db gone into the new backup" \
	sh -c '[ ! -e "$1/cert9.db" ] && [ ! -e "$1/key4.db" ]' _ "$T/h/up"

legacy "$T/h/rcrash"
expect_rc "upgrade for a restore killed after its renames" 0 -p "$T/h/rcrash" db upgrade
MOZCERT_CRASH_AT=after-renames "$MOZCERT_TEST" -p "$T/h/rcrash" db restore latest >/dev/null 2>&1
check "restore killed right after the renames" [ $? -eq 137 ]
for f in cert8.db key3.db secmod.db; do
	check "killed after the renames: $f already U's at 0640 ($(owner_mode "$T/h/rcrash/$f"))" \
		[ "$(owner_mode "$T/h/rcrash/$f")" = "$U:$U 640" ]
done
expect_rc "the next command finishes the restore" 0 -p "$T/h/rcrash" cert list
check "finished: the legacy store is back, byte-identical" \
	sh -c 'for f in cert8.db key3.db secmod.db; do cmp -s "$1/$f" "$2/$f" || exit 1; done; [ ! -e "$2/cert9.db" ]' _ "$REAL/mozilla-pgo-certs" "$T/h/rcrash"

new_profile "$T/h/rown"
chown -R $U:$U "$T/h/rown"
expect_rc "an import to restore over" 0 -p "$T/h/rown" cert import "$FIX/certs/root.pem"
chgrp $G "$T/h/rown/cert9.db"
chmod 0660 "$T/h/rown/cert9.db"
before=$(sha256sum <"$T/h/rown/cert9.db")
expect_rc "restore over a cert9.db whose group cannot be kept: exit 1" 1 -p "$T/h/rown" db restore latest
check "the message says the owner could not be kept" sh -c 'printf "%s\n" "$1" | grep -q "cannot set the owner of"' _ "$errout"
check "restore refused: cert9.db unchanged, no journal" \
	sh -c '[ "$(sha256sum <"$1/cert9.db")" = "$2" ] && [ ! -e "$1/.mozcert-journal" ]' _ "$T/h/rown" "$before"
check "restore refused: the certificate is still there" [ "$(certutil -L -d "sql:$T/h/rown" | awk 'NR>4 && NF' | wc -l)" -eq 1 ]

done_testing
