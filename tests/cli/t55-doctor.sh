#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t55-doctor.sh: doctor, the whole-profile health check; each fix it prints is run and must clear its finding.
. "$(dirname "$0")/lib.sh"

compat() { printf '[Compatibility]\nLastVersion=%s_20260101000000/20260101000000\n' "$2" >"$1/compatibility.ini"; }
# json_ok PYEXPR: json_has, with W = the warnings other than stage-dirs (left in /dev/shm by runs outside this test)
json_ok() {
	printf '%s\n' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); r=d['results'][0]
W = sum(1 for f in r['findings'] if f['severity'] == 'warning' and f['code'] != 'stage-dirs')
sys.exit(0 if ($1) else 1)"
}
# fix_of CODE: the fix command of the finding CODE in the last --json output
fix_of() {
	printf '%s\n' "$out" | python3 -c "import json,sys
for f in json.load(sys.stdin)['results'][0]['findings']:
    if f['code'] == sys.argv[1] and f['fix']: print(f['fix']); break" "$1"
}
# run_fix CODE: run the printed fix of CODE with the built binary; passes when it succeeds
run_fix() {
	f=$(fix_of "$1")
	[ -n "$f" ] || { echo "# no fix for $1"; return 1; }
	case $f in "mozcert "*) ;; *) echo "# fix is not a mozcert command: $f"; return 1 ;; esac
	eval "\"\$MOZCERT\" ${f#mozcert }" >/dev/null 2>&1
}

# ---- a healthy profile: a certificate, Firefox 153, nothing set ----
new_profile "$T/ok"
certutil -A -d "sql:$T/ok" -n root -t C,, -a -i "$FIX/certs/root.pem"
compat "$T/ok" 153.8.0
snap=$(sum_dir "$T/ok")
expect_rc "healthy profile -> exit 0" 0 -p "$T/ok" doctor
check "text: store, overrides, OCSP, MD5 and the verdict" sh -c 'printf "%s\n" "$1" | grep -q "^store: *cert9, 1 certificate$" &&
	printf "%s\n" "$1" | grep -q "^OCSP: *on, soft-fail (the default)" && printf "%s\n" "$1" | grep -q "^MD5: *signatures rejected" &&
	printf "%s\n" "$1" | grep -q "healthy, 0 errors"' _ "$out"
expect_rc "healthy --json" 0 --json -p "$T/ok" doctor
check "json: healthy, no warning, 1 certificate, OCSP on, MD5 not accepted, changed false" json_ok \
	"r['healthy'] and r['errors'] == 0 and W == 0 and r['store']['certificates'] == 1 and r['ocsp']['mode'] == 'on' and r['md5']['accepted'] is False and d['changed'] is False and r['in_use'] is False and r['app_major'] == 153"
check "doctor writes nothing" [ "$(sum_dir "$T/ok")" = "$snap" ]
expect_rc "doctor with an operand -> usage, exit 2" 2 -p "$T/ok" doctor extra

# ---- OCSP turned off in prefs.js ----
cp -r "$T/ok" "$T/ocsp"
printf 'user_pref("security.OCSP.enabled", 0);\n' >"$T/ocsp/prefs.js"
expect_rc "OCSP off is a warning, exit 0" 0 --json -p "$T/ocsp" doctor
check "ocsp-off names prefs.js and fixes with 'ocsp on'" json_has \
	"any(f['code'] == 'ocsp-off' and f['severity'] == 'warning' and 'prefs.js:1' in f['message'] and f['fix'].endswith(' ocsp on') for f in r['findings']) and r['ocsp']['mode'] == 'off'"
check "the printed fix runs" run_fix ocsp-off
run --json -p "$T/ocsp" doctor
check "after the fix: no ocsp-off, OCSP on" json_ok "'ocsp-off' not in [f['code'] for f in r['findings']] and r['ocsp']['mode'] == 'on' and W == 0"

# ---- OCSP off in user.js: only --user-js can change it ----
cp -r "$T/ok" "$T/ocspu"
printf 'user_pref("security.OCSP.enabled", 0);\n' >"$T/ocspu/user.js"
run --json -p "$T/ocspu" doctor
check "ocsp-off from user.js: the fix carries --user-js" [ "$(fix_of ocsp-off)" = "mozcert -p '$T/ocspu' ocsp on --user-js" ]
check "the printed fix runs" run_fix ocsp-off
run --json -p "$T/ocspu" doctor
check "after the fix: OCSP on" json_has "r['ocsp']['mode'] == 'on' and 'ocsp-off' not in [f['code'] for f in r['findings']]"

# ---- hard-fail and EV-only are reported, not warned ----
cp -r "$T/ok" "$T/ocspr"
printf 'user_pref("security.OCSP.enabled", 2);\nuser_pref("security.OCSP.require", true);\n' >"$T/ocspr/prefs.js"
expect_rc "OCSP EV-only and hard-fail: exit 0" 0 --json -p "$T/ocspr" doctor
check "ocsp-ev-only and ocsp-hard-fail infos, no warning" json_ok \
	"{'ocsp-ev-only', 'ocsp-hard-fail'} <= {f['code'] for f in r['findings'] if f['severity'] == 'info'} and W == 0"

# ---- MD5: accepted by Firefox 30, ignored by 153 ----
cp -r "$T/ok" "$T/md5"
compat "$T/md5" 30.0
printf 'user_pref("security.enable_md5_signatures", true);\n' >"$T/md5/prefs.js"
run --json -p "$T/md5" doctor
check "Firefox 30 with the MD5 pref on: md5-accepted warning, fix 'md5 off'" json_has \
	"any(f['code'] == 'md5-accepted' and f['severity'] == 'warning' and f['fix'].endswith(' md5 off') for f in r['findings']) and r['md5']['accepted'] is True"
check "the printed fix runs" run_fix md5-accepted
run --json -p "$T/md5" doctor
check "after the fix: MD5 rejected, no md5 finding" json_ok "r['md5']['accepted'] is False and W == 0"
compat "$T/md5" 153.8.0
printf 'user_pref("security.enable_md5_signatures", true);\n' >"$T/md5/prefs.js"
run --json -p "$T/md5" doctor
check "Firefox 153 ignores the MD5 pref: an info, no warning" json_ok \
	"'md5-pref-ignored' in [f['code'] for f in r['findings']] and W == 0 and r['md5']['accepted'] is False"

# ---- a damaged prefs.js is read as the application reads it, and reported ----
cp -r "$T/ok" "$T/badprefs"
printf 'user_pref("security.OCSP.enabled", 0);\nuser_pref("broken", ;\n' >"$T/badprefs/prefs.js"
run --json -p "$T/badprefs" doctor
check "prefs-syntax names prefs.js:2, and OCSP off is still seen" json_has \
	"any(f['code'] == 'prefs-syntax' and 'prefs.js:2' in f['message'] for f in r['findings']) and r['ocsp']['mode'] == 'off'"

# ---- cert_override.txt with a line the application ignores ----
cp -r "$T/ok" "$T/ov"
fp=$(certutil -L -d "sql:$T/ok" -n root | awk '/Fingerprint \(SHA-256\)/ { getline; gsub(/^ +/, ""); print; exit }')
{
	printf '# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n'
	printf 'example.com:443:\tOID.2.16.840.1.101.3.4.2.1\t%s\t\n' "$fp"
	printf 'this line is not an override\n'
} >"$T/ov/cert_override.txt"
run --json -p "$T/ov" doctor
check "override-ignored: 1 line, fix 'override prune'; the exception matches the store's root" json_has \
	"any(f['code'] == 'override-ignored' and f['message'].startswith('1 line ') and f['fix'].endswith(' override prune') for f in r['findings']) and r['overrides']['count'] == 1 and r['overrides']['ignored_count'] == 1 and r['overrides']['expired'] == 0"
check "the printed fix runs" run_fix override-ignored
run --json -p "$T/ov" doctor
check "after the fix: the exception is kept, the bad line gone" json_ok \
	"r['overrides']['count'] == 1 and r['overrides']['ignored_count'] == 0 and W == 0"
check "after the fix: the file still holds the exception" grep -q '^example.com:443:' "$T/ov/cert_override.txt"
# an exception for a certificate of the store that has expired
head -c 64 /dev/urandom >"$T/noise"
certutil -S -d "sql:$T/ov" -n expired -s CN=expired.example -x -t ,, -w -24 -v 12 -z "$T/noise" >/dev/null 2>&1
efp=$(certutil -L -d "sql:$T/ov" -n expired | awk '/Fingerprint \(SHA-256\)/ { getline; gsub(/^ +/, ""); print; exit }')
printf 'old.example.com:443:\tOID.2.16.840.1.101.3.4.2.1\t%s\t\n' "$efp" >>"$T/ov/cert_override.txt"
run --json -p "$T/ov" doctor
check "override-expired: 1 exception, fix 'override prune --expired'" json_has \
	"any(f['code'] == 'override-expired' and f['message'].startswith('1 exception ') and f['fix'].endswith(' override prune --expired') for f in r['findings']) and r['overrides']['expired'] == 1 and r['overrides']['count'] == 2"
check "the printed fix runs" run_fix override-expired
run --json -p "$T/ov" doctor
check "after the fix: the live exception is kept, the expired one gone" json_has \
	"r['overrides']['count'] == 1 and r['overrides']['expired'] == 0"
printf '\377\376garbage\0\n' >"$T/ov/cert_override.txt"
run --json -p "$T/ov" doctor
binary_reported() {
	[ "$rc" -lt 128 ] && json_has "r['overrides'] is None or r['overrides']['ignored_count'] >= 1 or any(f['file'] == 'cert_override.txt' for f in r['findings'])"
}
check "a binary cert_override.txt: reported, no crash" binary_reported
# an exception naming the store root's issuer and serial (dbKey) with another fingerprint: it does not apply
cp -r "$T/ok" "$T/ov2"
expect_rc "override add --format B (a line with a dbKey)" 0 -p "$T/ov2" override add other.example --cert "$FIX/certs/root.pem" --format B
lfp=$(openssl x509 -in "$FIX/certs/leaf.pem" -outform DER | sha256sum | cut -c1-64 | tr a-f A-F | sed 's/../&:/g; s/:$//')
sed -i "s/$fp/$lfp/" "$T/ov2/cert_override.txt"
run --json -p "$T/ov2" doctor
check "override-other-certificate: 1, matched by dbKey only; not expired" json_has \
	"any(f['code'] == 'override-other-certificate' and f['message'].startswith('1 exception ') for f in r['findings']) and r['overrides']['count'] == 1 and r['overrides']['expired'] == 0"
# a cert_override.txt that cannot be read
rm -f "$T/ov2/cert_override.txt"; mkdir "$T/ov2/cert_override.txt"
run --json -p "$T/ov2" doctor
check "an unreadable cert_override.txt: override-unreadable, overrides null" json_has \
	"r['overrides'] is None and any(f['code'] == 'override-unreadable' and f['severity'] == 'error' for f in r['findings'])"

# ---- a damaged store: db check's findings, exit 1, nothing written ----
cp -r "$T/ok" "$T/bad"
head -c 28672 /dev/urandom >"$T/bad/cert9.db"
snap=$(sum_dir "$T/bad")
expect_rc "garbage cert9.db -> exit 1" 1 --json -p "$T/bad" doctor
check "json: not healthy, error code damaged, cert9-not-a-database with the repair fix" json_has \
	"not r['healthy'] and r['error']['code'] == 'damaged' and any(f['code'] == 'cert9-not-a-database' and f['severity'] == 'error' for f in r['findings']) and any(f['fix'] and f['fix'].endswith(' db repair') for f in r['findings'])"
check "damaged: doctor writes nothing" [ "$(sum_dir "$T/bad")" = "$snap" ]
check "the printed fix runs" run_fix cert9-not-a-database
expect_rc "after the repair -> healthy, exit 0" 0 --json -p "$T/bad" doctor

# ---- a legacy-only profile of Firefox 153: the application does not read it ----
real_copy mozilla-pgo-certs "$T/legacy"
compat "$T/legacy" 153.8.0
expect_rc "legacy-only store under Firefox 153 -> exit 1" 1 --json -p "$T/legacy" doctor
check "legacy-unread with the upgrade fix" json_has \
	"any(f['code'] == 'legacy-unread' and f['fix'].endswith(' db upgrade') for f in r['findings'])"
check "the printed fix runs" run_fix legacy-unread
expect_rc "after the upgrade -> exit 0" 0 --json -p "$T/legacy" doctor
check "after the upgrade: cert9 with the 16 certificates" json_has "r['store']['store'] == 'cert9' and r['store']['certificates'] == 16"

# ---- the application runs: doctor still reads, and says to close it ----
hold_lock "$T/ok"
expect_rc "in use: doctor runs (it never writes) -> exit 0" 0 --json -p "$T/ok" doctor
check "in use: app-running warning, in_use true" json_has "r['in_use'] is True and 'app-running' in [f['code'] for f in r['findings']]"
release_lock

# ---- every profile of profiles.ini ----
firefox_home
mkdir -p "$HOME/.mozilla/firefox/second"
printf '\n[Profile1]\nName=second\nIsRelative=1\nPath=second\n' >>"$HOME/.mozilla/firefox/profiles.ini"
new_profile "$HOME/.mozilla/firefox/second"
printf 'user_pref("security.OCSP.enabled", 0);\n' >"$HOME/.mozilla/firefox/second/prefs.js"
run --json --app firefox --all-profiles doctor
check "--all-profiles: two results, only the second has ocsp-off" sh -c 'printf "%s\n" "$1" | python3 -c "import json,sys
rs = json.load(sys.stdin)[\"results\"]
c = [[f[\"code\"] for f in r[\"findings\"]] for r in rs]
sys.exit(0 if len(rs) == 2 and \"ocsp-off\" not in c[0] and \"ocsp-off\" in c[1] else 1)"' _ "$out"

printf '\n[Profile2]\nName=gone\nIsRelative=1\nPath=gone\n' >>"$HOME/.mozilla/firefox/profiles.ini"
expect_rc "a profile of profiles.ini whose directory does not exist -> exit 1" 1 --json --app firefox -p gone doctor
check "profile-missing error" json_has "any(f['code'] == 'profile-missing' and f['severity'] == 'error' for f in r['findings'])"

done_testing
