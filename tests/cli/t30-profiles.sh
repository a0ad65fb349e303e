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
done_testing
