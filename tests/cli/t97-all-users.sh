#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t97-all-users.sh: --all-users acts on every user's profiles (root only), each
# write made as that user would have made it; --user narrows it to named users.
# Users are made with useradd (homes under the test's directory) and removed.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP needs root, useradd and setpriv"
	exit 0
fi
chmod 0711 "$T"
mkdir -p "$T/anyone"; chmod 1777 "$T/anyone"
export MOZCERT_STAGE_DIR=$T/anyone TMPDIR=$T/anyone
USERS="mzc97a mzc97b mzc97c"
make_users 23451 $USERS
user_ff_profiles mzc97a one
user_ff_profiles mzc97b one two
d=$T/homes/mzc97c/.thunderbird; mkdir -p "$d/mail"; certutil -N -d "sql:$d/mail" --empty-password
printf '[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=mail\nIsRelative=1\nPath=mail\nDefault=1\n' >"$d/profiles.ini"
for u in $USERS; do chown -R "$u:$u" "$T/homes/$u"; done
ONLY="--user mzc97a --user mzc97b --user mzc97c"

cp "$MOZCERT" "$T/anyone/mozcert"; chmod 0755 "$T/anyone/mozcert"
setpriv --reuid=23451 --regid=23451 --clear-groups "$T/anyone/mozcert" --all-users cert list >"$T/o" 2>&1
orc=$?
check "--all-users as another user: a usage error saying it needs root (exit $orc)" \
	sh -c '[ "$1" -eq 2 ] && grep -q "run it as root" "$2"' _ "$orc" "$T/o"
expect_rc "--user without --all-users -> exit 2" 2 --user mzc97a cert list

# ---- the CA goes into every profile of every user named, as that user ----
expect_rc "--all-users cert import" 0 --json --all-users $ONLY cert import --trust C,, "$FIX/certs/root.pem"
check "one result per user and profile (4), each naming its user, each changed" json_has \
	"sorted((x['profile']['user'], x['profile']['name']) for x in d['results']) == [('mzc97a','one'),('mzc97b','one'),('mzc97b','two'),('mzc97c','mail')] and all(x['changed'] for x in d['results']) and d['changed'] is True"
for p in mzc97a/.mozilla/firefox/one mzc97b/.mozilla/firefox/one mzc97b/.mozilla/firefox/two mzc97c/.thunderbird/mail; do
	check "certutil: the root is in $p at C,," \
		[ "$(certutil -L -d "sql:$T/homes/$p" | awk 'NR>4 && NF' | grep -c ' C,, *$')" -eq 1 ]
done
check "every file in every home is its user's (backups included)" \
	sh -c 'for u in $2; do [ -z "$(find "$1/$u" ! -user "$u")" ] || exit 1; done' _ "$T/homes" "$USERS"
expect_rc "the same again" 0 --json --all-users $ONLY cert import --trust C,, "$FIX/certs/root.pem"
check "a second run changes nothing (changed false everywhere)" \
	json_has "d['changed'] is False and not any(x['changed'] for x in d['results'])"
run --all-users --user mzc97a cert list
check "text: each profile is headed with its user" sh -c 'printf "%s\n" "$1" | grep -q "^== firefox profile .one. (.*) of user mzc97a$"' _ "$out"

# ---- a profile in use is skipped and reported; the others go on ----
hold_lock "$T/homes/mzc97b/.mozilla/firefox/two"
expect_rc "--all-users with one profile in use: exit 3 (only failures: in use)" 3 --json --all-users $ONLY cert import "$FIX/certs/intermediate.pem"
check "the profile in use has its error, the three others changed" json_has \
	"[x['error']['code'] for x in d['results'] if x['error']] == ['in-use'] and sum(1 for x in d['results'] if x['changed']) == 3"
release_lock

# ---- a name no passwd entry has is said ----
run --all-users --user mzc97a --user mzc97-nobody cert list
check "an unknown --user is named in a warning" sh -c 'printf "%s\n" "$1" | grep -q "user mzc97-nobody: no such user"' _ "$errout"

# ---- without --user: every user of the machine (read only here) ----
run --json --all-users cert list
check "--all-users without --user reaches the test users too" \
	json_has "{'mzc97a','mzc97b','mzc97c'} <= {x['profile'].get('user') for x in d['results']}"
# ---- cert sync: the record is each user's, a second run changes nothing, withdrawal reaches every profile ----
mkdir -p "$T/anyone/sync"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/sync.key" -out "$T/anyone/sync/ca.crt" \
	-subj "/CN=t97 sync CA" -days 30 -addext basicConstraints=critical,CA:TRUE 2>/dev/null
chmod -R a+rX "$T/anyone/sync"
expect_rc "--all-users cert sync" 0 --json --all-users $ONLY cert sync --label fleet "$T/anyone/sync"
check "cert sync: every profile added the CA" json_has \
	"len(d['results']) == 4 and all(x['changed'] and x['added'] == 1 for x in d['results'])"
check "cert sync: every mozcert-managed.ini is its user's, mode 0600" \
	sh -c 'for u in $2; do for f in $(find "$1/$u" -name mozcert-managed.ini); do [ "$(stat -c %U:%a "$f")" = "$u:600" ] || exit 1; done; done' _ "$T/homes" "$USERS"
check "every file in every home is still its user's" \
	sh -c 'for u in $2; do [ -z "$(find "$1/$u" ! -user "$u")" ] || exit 1; done' _ "$T/homes" "$USERS"
expect_rc "--all-users cert sync again" 0 --json --all-users $ONLY cert sync --label fleet "$T/anyone/sync"
check "cert sync again: changed false everywhere" json_has "d['changed'] is False and not any(x['changed'] for x in d['results'])"
rm "$T/anyone/sync/ca.crt"
expect_rc "--all-users cert sync of an empty directory" 0 --json --all-users $ONLY cert sync --label fleet "$T/anyone/sync"
check "the CA withdrawn from the 4 profiles" json_has \
	"all(x['removed'] == 1 for x in d['results'])"
check "certutil: no profile holds the sync CA, each keeps the root cert import added" \
	sh -c 'for p in $(find "$1" -name cert9.db ! -path "*/mozcert-backups/*"); do l=$(certutil -L -d "sql:${p%/cert9.db}"); printf "%s\n" "$l" | grep -q "t97 sync CA" && exit 1; printf "%s\n" "$l" | grep -q "mozcert Test Root CA" || exit 1; done; exit 0' _ "$T/homes"
done_testing
