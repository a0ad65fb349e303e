#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t96-root-profiles.sh: root acting on a user's profile acts with the owner's
# file-system identity: afterwards the owner can do everything with their own
# profile (import, list and restore backups, finish an interrupted swap,
# remove it), root reads nothing through the owner's symlinks that the owner
# could not, and a journal or a profiles.ini the owner wrote cannot steer
# root to other files. Oracle: the owner's own runs (setpriv to the uid).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP needs root and setpriv"
	exit 0
fi
U=12345
chmod 0711 "$T"
mkdir -p "$T/anyone"; chmod 1777 "$T/anyone"
export MOZCERT_STAGE_DIR=$T/anyone TMPDIR=$T/anyone
# the owner runs a copy of the binary it can reach (the build tree may be root's alone)
cp "$MOZCERT" "$T/anyone/mozcert"; chmod 0755 "$T/anyone/mozcert"
cp "$FIX/certs/leaf.pem" "$T/anyone/leaf.pem"; chmod 0644 "$T/anyone/leaf.pem"
as_owner() { setpriv --reuid=$U --regid=$U --clear-groups env HOME="$H" "$T/anyone/mozcert" "$@"; }
H=$T/home-u
mkdir -p "$H/.mozilla/firefox"
P=$H/.mozilla/firefox/u.default
mkdir -p "$P"
certutil -N -d "sql:$P" --empty-password
certutil -A -d "sql:$P" -n root -t C,, -a -i "$FIX/certs/root.pem"
printf '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=u.default\nDefault=1\n' \
	>"$H/.mozilla/firefox/profiles.ini"
chown -R $U:$U "$H"

# ---- 1. after root's writes, the owner can do everything ----
expect_rc "root: cert import into the owner's profile" 0 -p "$P" cert import "$FIX/certs/intermediate.pem"
expect_rc "root: pref set" 0 -p "$P" pref set security.OCSP.enabled 0
check "everything root made there is the owner's" [ -z "$(find "$P" ! -user $U)" ]
as_owner -p "$P" cert import "$T/anyone/leaf.pem" >"$T/o" 2>&1
orc=$?
check "the owner can import after root (exit $orc: $(tail -1 "$T/o"))" [ $orc -eq 0 ]
check "the owner's import took: certutil lists 3" [ "$(certutil -L -d "sql:$P" | awk 'NR>4 && NF' | wc -l)" -eq 3 ]
as_owner -p "$P" db backups >"$T/o" 2>&1
orc=$?
check "the owner can list the backups root made (exit $orc)" sh -c '[ "$2" -eq 0 ] && grep -Eq "^[0-9]+ backups?, " "$1"' _ "$T/o" "$orc"
as_owner -p "$P" db restore latest >"$T/o" 2>&1
orc=$?
check "the owner can restore a backup (exit $orc: $(tail -1 "$T/o"))" [ $orc -eq 0 ]

# ---- 2. a root run killed mid-swap leaves nothing the owner cannot finish ----
MOZCERT_CRASH_AT=between-renames "$MOZCERT_TEST" -p "$P" cert trust root CT,C,C >/dev/null 2>&1
check "root killed between the renames" [ $? -eq 137 ]
check "the journal it left is the owner's" [ "$(stat -c %u "$P/.mozcert-journal")" = $U ]
as_owner -p "$P" cert list >"$T/o" 2>&1
orc=$?
check "the owner's next command finishes the swap (exit $orc)" sh -c '[ "$2" -eq 0 ] && [ ! -e "$1/.mozcert-journal" ]' _ "$P" "$orc"
check "and the trust root set is there" [ "$(trust_of "$P" root)" = "CT,C,C" ]
setpriv --reuid=$U --regid=$U --clear-groups cp -r "$P" "$H/copy"
setpriv --reuid=$U --regid=$U --clear-groups rm -rf "$H/copy" "$P/mozcert-backups"
check "the owner can remove everything mozcert made" [ ! -e "$P/mozcert-backups" ]

# ---- 3. root reads nothing through the owner's symlinks that the owner could not ----
printf 'user_pref("t96.secret", "TOPSECRET");\n' >"$T/root-only.js"; chmod 0600 "$T/root-only.js"
ln -s "$T/root-only.js" "$P/user.js"; chown -h $U:$U "$P/user.js"
run -p "$P" pref list
check "root's pref list does not print a root-only file the owner symlinked" \
	sh -c '! printf "%s\n%s\n" "$1" "$2" | grep -q TOPSECRET' _ "$out" "$errout"
check "it says user.js cannot be read" sh -c 'printf "%s\n" "$1" | grep -q "user.js"' _ "$errout"
rm -f "$P/user.js"

# ---- 4. a journal names only the files a swap of ours may change ----
for line in '	prefs.js' '.cert9.db.mozcert-AbC123	key4.db' 'cert9.db	key4.db' '.x.mozcert-AbC123	../../etc/passwd'; do
	printf 'user_pref("a", 1);\n' >"$P/prefs.js"; chown $U:$U "$P/prefs.js"
	printf 'x' >"$P/.cert9.db.mozcert-AbC123"; chown $U:$U "$P/.cert9.db.mozcert-AbC123"
	before=$(sum_dir "$P")
	printf 'mozcert-journal 1\n%s\n' "$line" >"$P/.mozcert-journal"; chown $U:$U "$P/.mozcert-journal"
	run -p "$P" cert list
	check "planted journal line '$(printf '%s' "$line" | tr '\t' '>')': refused (exit $rc)" [ "$rc" -ne 0 ]
	check "... and no file was renamed or removed" sh -c '[ -f "$1/prefs.js" ] && certutil -L -d "sql:$1" >/dev/null' _ "$P"
	rm -f "$P/.mozcert-journal" "$P/.cert9.db.mozcert-AbC123"
done

# ---- 5. profiles.ini cannot send root out of the owner's directory ----
mkdir -p "$T/elsewhere"; certutil -N -d "sql:$T/elsewhere" --empty-password
printf '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=escape\nIsRelative=1\nPath=../../../elsewhere\nDefault=1\n' \
	>"$H/.mozilla/firefox/profiles.ini"
before=$(sum_dir "$T/elsewhere")
HOME=$H run --all-profiles cert import "$FIX/certs/root.pem"
check "a Path= that leaves the directory of profiles.ini is not followed (exit $rc)" [ "$rc" -ne 0 ]
check "it is named in a warning" sh -c 'printf "%s\n" "$1" | grep -q "leaves the directory of profiles.ini"' _ "$errout"
check "the directory it named is untouched" [ "$(sum_dir "$T/elsewhere")" = "$before" ]
expect_rc "named explicitly with -p it is acted on" 0 -p "$T/elsewhere" cert import "$FIX/certs/root.pem"
done_testing
