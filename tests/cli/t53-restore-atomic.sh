#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t53-restore-atomic.sh: db restore changes every file of the set in one
# journaled swap (killed at any point, the next run leaves the old set or the
# restored one, never a mix); a retry picks the backup the user asked for, not
# the interrupted restore's own; and a command that fails leaves no backup.
. "$(dirname "$0")/lib.sh"

# A legacy profile, upgraded: its backup holds cert8.db/key3.db/secmod.db and
# records cert9.db/key4.db as absent, so restoring it changes five files.
L=$T/legacy
mkdir -p "$L"
certutil -N -d "dbm:$L" --empty-password
certutil -A -d "dbm:$L" -n root -t C,, -a -i "$FIX/certs/root.pem"
expect_rc "db upgrade of a legacy profile" 0 -p "$L" db upgrade
up=$(ls "$L/mozcert-backups")
cp -r "$L" "$T/upgraded"

set_of() { # which files of the set the profile holds, in a fixed order
	for f in cert8.db key3.db secmod.db cert9.db key4.db; do [ -e "$1/$f" ] && printf '%s ' "$f"; done
}
OLD="cert9.db key4.db "        # the upgraded profile (pkcs11.txt aside)
NEW="cert8.db key3.db secmod.db "
check "the upgraded profile holds the new pair only" [ "$(set_of "$L")" = "$OLD" ]

for point in before-journal before-rename between-renames after-renames; do
	rm -rf "$L"; cp -r "$T/upgraded" "$L"
	MOZCERT_CRASH_AT=$point "$MOZCERT_TEST" -p "$L" db restore "$up" >/dev/null 2>&1
	check "restore killed at $point (SIGKILL)" [ $? -eq 137 ]
	run -p "$L" cert list
	s=$(set_of "$L")
	check "killed at $point: after the next run the set is whole (old or restored: '$s')" \
		sh -c '[ "$1" = "$2" ] || [ "$1" = "$3" ]' _ "$s" "$OLD" "$NEW"
	case $point in
	before-journal) check "killed before the journal: the old set stands" [ "$s" = "$OLD" ] ;;
	*) check "killed at $point, after the journal: the restored set" [ "$s" = "$NEW" ] ;;
	esac
	[ "$s" = "$NEW" ] && check "killed at $point: the restored cert8.db is the backup's" \
		cmp -s "$L/cert8.db" "$L/mozcert-backups/$up/cert8.db"
	# A retry of the same command: the backup asked for, never the interrupted run's own.
	run --json -p "$L" db restore latest
	check "killed at $point: restore latest picks the upgrade's backup again" json_has "r['from'] == '$up'"
	check "killed at $point: after the retry, the restored set" [ "$(set_of "$L")" = "$NEW" ]
	check "killed at $point: certutil reads the restored legacy store" \
		sh -c 'certutil -L -d "dbm:$1" | grep -q "^root "' _ "$L"
done

# A restore whose store files and other files change together: prefs.js too
rm -rf "$L"; cp -r "$T/upgraded" "$L"
printf 'user_pref("a.b", 1);\n' >"$L/prefs.js"
expect_rc "pref set makes a backup of prefs.js" 0 -p "$L" pref set a.b 2
pb=$(ls "$L/mozcert-backups" | LC_ALL=C sort -t- -k1,1 | tail -1)
run --json -p "$L" db restore latest
check "restore latest after pref set picks its backup" json_has "r['from'] == '$pb'"
check "prefs.js is back" grep -q '"a.b", 1' "$L/prefs.js"

# ---- a command that fails leaves no backup ----
no_backups() { [ -z "$(ls -A "$1/mozcert-backups" 2>/dev/null)" ]; }
W=$T/pw
mkdir -p "$W"
printf 'right\n' >"$T/right"; printf 'wrong\n' >"$T/wrong"
certutil -N -d "sql:$W" -f "$T/right" >/dev/null
certutil -A -d "sql:$W" -n root -t C,, -a -i "$FIX/certs/root.pem" -f "$T/right"
expect_rc "cert import with a wrong password -> exit 1" 1 --password-file "$T/wrong" -p "$W" cert import "$FIX/certs/intermediate.pem"
check "the failed import left no backup" no_backups "$W"
expect_rc "db repair with a wrong password -> fails" 1 --password-file "$T/wrong" -p "$W" db repair
check "the failed repair left no backup" no_backups "$W"
expect_rc "cert trust with the right password" 0 --password-file "$T/right" -p "$W" cert trust root CT,C,C
check "a command that succeeds keeps its backup" [ "$(ls -A "$W/mozcert-backups" | wc -l)" -eq 1 ]

# ---- backups share what did not change: repair copies the whole set, twice ----
R=$T/share
new_profile "$R"
certutil -A -d "sql:$R" -n root -t C,, -a -i "$FIX/certs/root.pem"
printf '# PSM Certificate Override Settings file\n' >"$R/cert_override.txt"
expect_rc "db repair (1)" 0 -p "$R" db repair
expect_rc "db repair (2)" 0 -p "$R" db repair
set -- $(ls "$R/mozcert-backups" | LC_ALL=C sort)
check "two backups" [ $# -eq 2 ]
check "the unchanged pkcs11.txt and cert_override.txt are one inode in both backups" \
	sh -c 'for f in pkcs11.txt cert_override.txt; do [ "$(stat -c %i "$1/$2/$f")" = "$(stat -c %i "$1/$3/$f")" ] || exit 1; done' \
	_ "$R/mozcert-backups" "$1" "$2"
check "the changed cert9.db is not shared" \
	[ "$(stat -c %i "$R/mozcert-backups/$1/cert9.db")" != "$(stat -c %i "$R/mozcert-backups/$2/cert9.db")" ]
done_testing
