#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t30-profiles.sh: discovery in fake homes, --all-profiles, a legacy-only store.
. "$(dirname "$0")/lib.sh"

firefox_home
TB=$HOME/.var/app/org.mozilla.Thunderbird/.thunderbird
mkdir -p "$TB/tb1.default"
printf '[General]\nVersion=2\n\n[Profile0]\nName=mail\nIsRelative=1\nPath=tb1.default\nDefault=1\n' >"$TB/profiles.ini"
# A Thunderbird 115 profile that still has only a legacy cert8.db store.
cp "$REAL/mozilla-pgo-certs/cert8.db" "$REAL/mozilla-pgo-certs/key3.db" "$TB/tb1.default/"
chmod u+w "$TB/tb1.default"/*
printf '[Compatibility]\nLastVersion=115.3.0_20231001000000/20231001000000\n' >"$TB/tb1.default/compatibility.ini"

expect_rc "profiles" 0 --json profiles
check "profiles: firefox (cert9) and flatpak thunderbird (cert8, 115.3.0, 16 certs)" sh -c 'printf "%s\n" "$1" | python3 -c "
import json,sys
ps = json.load(sys.stdin)[\"results\"][0][\"profiles\"]
by = {p[\"app\"]: p for p in ps}
f, t = by[\"firefox\"], by[\"thunderbird\"]
assert f[\"store\"] == \"cert9\" and f[\"default\"] and f[\"certificates\"] == 0 and not f[\"in_use\"], f
assert t[\"store\"] == \"cert8\" and t[\"location\"] == \"flatpak\" and t[\"version\"] == \"115.3.0\" and t[\"certificates\"] == 16, t
"' _ "$out"
hold_lock "$P"
expect_rc "profiles while firefox runs" 0 --json --app firefox profiles
check "in use is reported" sh -c 'printf "%s\n" "$1" | grep -q "\"in_use\": true"' _ "$out"
expect_rc "--all-profiles import: the only failure is a profile in use, exit 3" 3 --all-profiles cert import "$FIX/certs/root.pem"
release_lock
check "the other profile was still imported into" sh -c 'certutil -L -d "dbm:$1" | grep -qi "test root"' _ "$TB/tb1.default"
check "the legacy store warns that Thunderbird 115 will not see it" sh -c 'printf "%s\n" "$1" | grep -q "db upgrade"' _ "$errout"
expect_rc "--all-profiles import again" 0 --json --all-profiles cert import "$FIX/certs/root.pem"
check "one result per profile, firefox changed, thunderbird unchanged" sh -c 'printf "%s\n" "$1" | python3 -c "
import json,sys
d = json.load(sys.stdin); r = {x[\"profile\"][\"app\"]: x for x in d[\"results\"]}
assert len(d[\"results\"]) == 2 and r[\"firefox\"][\"changed\"] and not r[\"thunderbird\"][\"changed\"] and d[\"changed\"], d
"' _ "$out"
expect_rc "-p NAME of the thunderbird profile" 0 --app thunderbird -p mail cert list
check "16 + 1 certificates listed from cert8.db" sh -c 'printf "%s\n" "$1" | grep -q "^17 certificates$"' _ "$out"
expect_rc "unknown profile name: exit 1" 1 -p no-such-profile cert list
mkdir -p "$T/nostore"
expect_rc "a profile directory without a store: exit 1" 1 -p "$T/nostore" cert list
check "it says there is no certificate store" sh -c 'printf "%s\n" "$1" | grep -q "no certificate store"' _ "$errout"
check "and creates nothing there" [ -z "$(ls -A "$T/nostore")" ]
expect_rc "unknown command: exit 2" 2 frobnicate
expect_rc "unknown app: exit 2" 2 --app netscape profiles
expect_rc "--help: exit 0" 0 --help
# ---- profiles.ini the application cannot use is an error naming file and line ----
H=$HOME
for kind in garbage binary empty nmap; do
	export HOME=$T/bad-$kind
	mkdir -p "$HOME/.mozilla/firefox"
	ini=$HOME/.mozilla/firefox/profiles.ini
	case $kind in
	garbage) printf '# written by hand\nthis is not\nan ini file\n' >"$ini"; wantmsg="$ini:2: not a profiles.ini" ;;
	binary) printf '[Profile0]\nName=a\n\000\001\002' >"$ini"; wantmsg="$ini:3: binary data" ;;
	empty) : >"$ini"; wantmsg="$ini:1: not a profiles.ini: the file is empty" ;;
	nmap) printf '[Intense scan]\ncommand = -T4 -A -v\n' >"$ini"; wantmsg="$ini:1: not a profiles.ini: no [General]" ;;
	esac
	expect_rc "profiles with a $kind profiles.ini: exit 1" 1 profiles
	check "profiles ($kind): the error names the file and line" sh -c 'printf "%s\n" "$1" | grep -qF -- "$2"' _ "$errout" "$wantmsg"
	check "profiles ($kind): no 'no profile found'" sh -c '! printf "%s\n" "$1" | grep -q "no profile found"' _ "$out"
	expect_rc "cert list (default profile) with a $kind profiles.ini: exit 1" 1 cert list
	check "cert list ($kind): the error names the file and line" sh -c 'printf "%s\n" "$1" | grep -qF -- "$2"' _ "$errout" "$wantmsg"
done
expect_rc "profiles --json with a broken profiles.ini" 1 --json profiles
check "JSON: the result's error is input, naming the file, and profiles is an empty array" \
	json_has "r['error']['code'] == 'input' and 'profiles.ini:1: not a profiles.ini' in r['error']['message'] and r['profiles'] == [] and d['ok'] is False"
expect_rc "--all-profiles with a broken profiles.ini: exit 1" 1 --all-profiles cert list
# A broken Firefox file does not hide Thunderbird's profiles from `profiles`, which still fails.
mkdir -p "$HOME/.thunderbird/t.default"
printf '[Profile0]\nName=tb\nIsRelative=1\nPath=t.default\nDefault=1\n' >"$HOME/.thunderbird/profiles.ini"
expect_rc "profiles: a broken firefox file beside a good thunderbird one: exit 1" 1 --json profiles
check "JSON: thunderbird's profile is listed all the same" json_has "[p['name'] for p in r['profiles']] == ['tb'] and r['error']['code'] == 'input'"
expect_rc "--app thunderbird is not held up by firefox's file" 0 --app thunderbird profiles
expect_rc "-p NAME found in the good file" 0 --app thunderbird -p tb profiles

# ---- a single profile without Default=1 is the one the application starts ----
for app in firefox thunderbird; do
	export HOME=$T/single-$app
	case $app in firefox) root=$HOME/.mozilla/firefox ;; thunderbird) root=$HOME/.thunderbird ;; esac
	new_profile "$root/x.only"
	printf '[General]\nStartWithLastProfile=1\nVersion=2\n\n[Profile0]\nName=only\nIsRelative=1\nPath=x.only\n' >"$root/profiles.ini"
	expect_rc "$app: cert import into the single profile without Default=1" 0 --app $app cert import "$FIX/certs/root.pem"
	check "$app: it went into that profile" sh -c 'certutil -L -d "sql:$1" | grep -qi "test root"' _ "$root/x.only"
	expect_rc "$app: profiles --json" 0 --json --app $app profiles
	check "$app: the profile is the default" json_has "r['profiles'][0]['default'] is True"
done
# Two profiles without a default: nothing is guessed.
export HOME=$T/two
mkdir -p "$HOME/.thunderbird/a" "$HOME/.thunderbird/b"
printf '[Profile0]\nName=a\nIsRelative=1\nPath=a\n[Profile1]\nName=b\nIsRelative=1\nPath=b\n' >"$HOME/.thunderbird/profiles.ini"
expect_rc "thunderbird with two profiles and no default: exit 1 (not found)" 1 --app thunderbird cert list
check "it says there is no default profile" sh -c 'printf "%s\n" "$1" | grep -q "no default profile"' _ "$errout"
export HOME=$H
# ---- SeaMonkey 2.53 is judged by its Gecko platform (60), not by "2" ----
export MOZCERT_APP_DIRS= MOZCERT_POLICY_DIRS="$T/nopol"
for sm in 2.53.18:60:cert9:False 2.49.5:52:cert8:False 2.26.1:29:cert8:True; do
	ver=${sm%%:*}; rest=${sm#*:}; gecko=${rest%%:*}; rest=${rest#*:}; uses=${rest%%:*}; acc=${rest#*:}
	S=$T/sm-$ver
	new_profile "$S"
	certutil -N -d "dbm:$S" --empty-password
	printf '[Compatibility]\nLastVersion=%s_20231229000000/20231229000000\nLastOSABI=Linux_x86_64-gcc3\nLastPlatformDir=/nonexistent/seamonkey\nLastAppDir=/nonexistent/seamonkey\n' "$ver" >"$S/compatibility.ini"
	printf 'user_pref("security.enable_md5_signatures", true);\n' >"$S/prefs.js"
	expect_rc "seamonkey $ver: md5 status" 0 --json --app seamonkey -p "$S" md5 status
	check "seamonkey $ver: platform $gecko, MD5 accepted: $acc" \
		json_has "r['md5']['app_major'] == $gecko and r['md5']['accepted'] is $acc and r['md5']['pref_value'] is True"
	run --json --app seamonkey -p "$S" db check
	check "seamonkey $ver: db check says the application reads $uses" json_has "r['application_uses'] == '$uses'"
done
# ---- the certificate count of `profiles` (one SQLite read) is what NSS lists, on every shipped store ----
H2=$T/counthome
mkdir -p "$H2/.mozilla/firefox"
{ printf '[General]\nStartWithLastProfile=1\n'; } >"$H2/.mozilla/firefox/profiles.ini"
k=0
for d in "$REAL"/* "$MADE"/*; do
	[ -f "$d/cert9.db" ] || continue
	cp -r "$d" "$T/count$k"; chmod -R u+w "$T/count$k"
	printf '\n[Profile%d]\nName=c%d\nIsRelative=0\nPath=%s\n' $k $k "$T/count$k" >>"$H2/.mozilla/firefox/profiles.ini"
	k=$((k + 1))
done
# a store with a hot journal beside it: NSS counts what a rollback leaves (the file alone holds none)
cp -r "$REAL/nss-dbtests-bigdb" "$T/counthot"; chmod -R u+w "$T/counthot"
python3 "$SRCDIR/tests/make-hot-journal.py" "$T/counthot/cert9.db"
printf '\n[Profile%d]\nName=hot\nIsRelative=0\nPath=%s\n' $k "$T/counthot" >>"$H2/.mozilla/firefox/profiles.ini"
fast=$(HOME=$H2 "$MOZCERT" --json --app firefox profiles | python3 -c 'import json,sys; print([p["certificates"] for p in json.load(sys.stdin)["results"][0]["profiles"]])')
slow=$(HOME=$H2 MOZCERT_NSS_LIST=1 "$MOZCERT" --json --app firefox profiles | python3 -c 'import json,sys; print([p["certificates"] for p in json.load(sys.stdin)["results"][0]["profiles"]])')
check "profiles counts $k shipped cert9 stores as NSS lists them ($fast)" [ "$k" -ge 5 -a "$fast" = "$slow" ]
check "a store with a hot journal counts its 100 certificates, as NSS after the rollback" \
	sh -c 'HOME=$1 "$2" --json --app firefox profiles | python3 -c "import json,sys; sys.exit(0 if [p[\"certificates\"] for p in json.load(sys.stdin)[\"results\"][0][\"profiles\"] if p[\"name\"] == \"hot\"] == [100] else 1)"' - "$H2" "$MOZCERT"
check "... and some of them hold certificates" sh -c 'printf "%s\n" "$1" | grep -q "[1-9]"' - "$fast"
done_testing
