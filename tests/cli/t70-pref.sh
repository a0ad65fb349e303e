#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# t70-pref.sh: pref list/get/set/unset, ocsp, md5: files as Firefox writes them, precedence, safe writes.
. "$(dirname "$0")/lib.sh"

# Nothing outside the test tree: no installation, no /etc policies.
export MOZCERT_APP_DIRS=
mkdir -p "$T/pol"
export MOZCERT_POLICY_DIRS="$T/pol"
PF=$FIX/prefs
# a prefs.js as Firefox <= 58 wrote it, OCSP already off (tests/fixtures/made/README)
OLD=$MADE/legacy-profile/prefs.js
has() { grep -qF "$2" "$1"; }
says() { printf '%s\n' "$1" | grep -qF -- "$2"; }
compat() { printf '[Compatibility]\nLastVersion=%s_20260101000000/20260101000000\n' "$2" >"$1/compatibility.ini"; }
body() { grep '^user_pref(' "$1" | grep -v -e cachedUsageProfile -e webextensions.uuids -e nimbus.profileId \
	-e startup.last_success -e enable_picture_in_picture_overrides; }

# --- a profile whose prefs.js already has OCSP off (the old header of Firefox <= 58)
if x=$(extra beubi-customfirefoxprofile/prefs.js); then
	X=$T/beubi; mkdir -p "$X"; cp "$x" "$X/prefs.js"
	expect_rc "original: ocsp status" 0 -p "$X" ocsp status
	check "original: status says off, at prefs.js:111" says "$out" "prefs.js:111"
	xsum=$(sha256sum <"$X/prefs.js")
	expect_rc "original: ocsp off" 0 -p "$X" ocsp off
	check "original: ocsp off leaves it byte-identical" [ "$(sha256sum <"$X/prefs.js")" = "$xsum" ]
else
	skip "the original prefs.js with OCSP off: MOZCERT_EXTRA_FIXTURES not set"
fi
P=$T/old; mkdir -p "$P"; cp "$OLD" "$P/prefs.js"; chmod 0640 "$P/prefs.js"
orig=$(sha256sum <"$P/prefs.js")
expect_rc "ocsp status on the old-header profile" 0 -p "$P" ocsp status
check "status says off, from prefs.js" says "$out" "OCSP: off"
check "status names prefs.js and the line" says "$out" "prefs.js:111"
expect_rc "ocsp off where OCSP is already 0" 0 -p "$P" ocsp off
check "ocsp off: prefs.js byte-identical" [ "$(sha256sum <"$P/prefs.js")" = "$orig" ]
check "ocsp off: no backup made" [ ! -d "$P/mozcert-backups" ]
expect_rc "ocsp off --json reports unchanged" 0 -p "$P" --json ocsp off
check "JSON: changed false" sh -c 'printf "%s\n" "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"changed\"] is False and d[\"results\"][0][\"changed\"] is False, d"' _ "$out"

expect_rc "dry-run ocsp on" 0 -p "$P" -n ocsp on
check "dry-run shows the line that goes" says "$out" '-user_pref("security.OCSP.enabled", 0);'
check "dry-run writes nothing" [ "$(sha256sum <"$P/prefs.js")" = "$orig" ]
check "dry-run makes no backup" [ ! -d "$P/mozcert-backups" ]

expect_rc "ocsp on" 0 -p "$P" ocsp on
check "ocsp on removes the line" sh -c '! grep -q "security.OCSP" "$1"' _ "$P/prefs.js"
check "ocsp on writes the current header" has "$P/prefs.js" "// - set it within a user.js file in your profile."
check "every other pref is kept" [ "$(grep -c '^user_pref' "$P/prefs.js")" -eq "$(($(grep -c '^user_pref' "$OLD") - 1))" ]
check "mode 0640 kept" [ "$(stat -c %a "$P/prefs.js")" = 640 ]
bk=$(ls -d "$P"/mozcert-backups/*/ 2>/dev/null | head -1)
check "a backup was made" [ -n "$bk" ]
check "the backup holds the old prefs.js" [ "$(sha256sum <"$bk/prefs.js")" = "$orig" ]
check "the backup dir is private" [ "$(stat -c %a "$bk")" = 700 ]
expect_rc "ocsp status after on" 0 -p "$P" ocsp status
check "status says on, soft-fail, default" says "$out" "OCSP: on (soft-fail)"
expect_rc "ocsp off again" 0 -p "$P" ocsp off
check "the line is back" has "$P/prefs.js" 'user_pref("security.OCSP.enabled", 0);'
check "a second backup, never overwritten" [ "$(ls -d "$P"/mozcert-backups/*/ | wc -l)" -eq 2 ]

# --- golden: what Firefox 153 itself wrote from the same values (tests/fixtures/prefs)
G=$T/golden; mkdir -p "$G"; cp "$PF/firefox-esr-153-prefs.js" "$G/prefs.js"; compat "$G" 153.8.0
expect_rc "golden: ocsp off" 0 -p "$G" ocsp off
expect_rc "golden: ocsp require false (equal to the default) via pref set" 0 -p "$G" pref set security.OCSP.require false
expect_rc "golden: md5 on" 0 -p "$G" md5 on
check "md5 on warns that Firefox 153 ignores the pref" says "$errout" "firefox 153 ignores security.enable_md5_signatures"
expect_rc "golden: set an empty string" 0 -p "$G" pref set zz.empty ""
expect_rc "golden: set +7" 0 -p "$G" pref set zz.plus +7
expect_rc "golden: set -5" 0 -p "$G" pref set zz.sp -5
check "golden: same pref lines as Firefox wrote (defaults.in.js)" [ "$(body "$G/prefs.js")" = "$(body "$PF/firefox-esr-153-defaults-prefs.js")" ]
check "golden: same header as Firefox" [ "$(grep -v '^user_pref' "$G/prefs.js")" = "$(grep -v '^user_pref' "$PF/firefox-esr-153-defaults-prefs.js")" ]
check "golden: mode kept" [ "$(stat -c %a "$G/prefs.js")" = "$(stat -c %a "$PF/firefox-esr-153-prefs.js")" ]
expect_rc "md5 off removes the line (false is the default since 16)" 0 -p "$G" md5 off
check "md5 line gone" sh -c '! grep -q enable_md5 "$1"' _ "$G/prefs.js"
printf 'user_pref("security.enable_md5_signatures", false);\n' >>"$G/prefs.js"
gsum=$(sha256sum <"$G/prefs.js")
expect_rc "md5 off on a line Firefox 153 keeps (false)" 0 -p "$G" md5 off
check "md5 off: nothing to do, file untouched" [ "$(sha256sum <"$G/prefs.js")" = "$gsum" ]
expect_rc "md5 status" 0 -p "$G" md5 status
check "md5 status: rejected" says "$out" "MD5 signatures: rejected"

# --- escapes golden: a prefs.js with errors is refused, then rewritten as Firefox did with --discard-invalid
E=$T/esc; mkdir -p "$E"; cp "$PF/escapes.in.js" "$E/prefs.js"
esum=$(sum_dir "$E")
expect_rc "prefs.js with parse errors: exit 1" 1 -p "$E" pref set zz.new 1
check "the error names prefs.js:line:column" says "$errout" "prefs.js:6:1:"
check "the error says how to proceed" says "$errout" "--discard-invalid"
check "prefs.js with errors: unchanged" [ "$(sum_dir "$E")" = "$esum" ]
expect_rc "--discard-invalid rewrites it" 0 -p "$E" pref set --discard-invalid zz.new 1
check "escapes: same zz/security lines as Firefox wrote, plus the new one" \
	[ "$(grep -e '^user_pref("zz' -e '^user_pref("security' "$E/prefs.js" | grep -v zz.new)" = \
	  "$(grep -e '^user_pref("zz' -e '^user_pref("security' "$PF/firefox-esr-153-escapes-prefs.js")" ]
check "the new pref is written" has "$E/prefs.js" 'user_pref("zz.new", 1);'
check "the old file is in the backup" [ "$(cat "$E"/mozcert-backups/*/prefs.js | sha256sum)" = "$(sha256sum <"$PF/escapes.in.js")" ]

# --- bad input: every kind refused with file:line:column, nothing changed
B=$T/bad; mkdir -p "$B"
badcase() { # badcase DESC WHERE: $B/prefs.js is already written
	s=$(sum_dir "$B")
	expect_rc "bad prefs.js ($1): exit 1" 1 -p "$B" ocsp off
	check "bad prefs.js ($1): error names $2" says "$errout" "$2"
	check "bad prefs.js ($1): one line on stderr" [ "$(printf '%s\n' "$errout" | wc -l)" -eq 1 ]
	check "bad prefs.js ($1): unchanged" [ "$(sum_dir "$B")" = "$s" ]
}
printf 'user_pref("a", 1);\nuser_pref("b", "abc);\n' >"$B/prefs.js"; badcase "unterminated string" "prefs.js:3:1: unterminated string literal"
expect_rc "pref get on a file with errors reads it as the application does" 0 -p "$B" pref get a
check "... and warns with the place" says "$errout" "prefs.js:3:1:"
printf 'user_pref("a", "x\\qy");\n' >"$B/prefs.js"; badcase "bad escape" "prefs.js:1:"
printf 'user_pref("a", 99999999999);\n' >"$B/prefs.js"; badcase "huge integer" "integer literal overflowed"
printf 'user_pref("a", 1);\nuser_pref("b", 2);\0user_pref("c", 3);\n' >"$B/prefs.js"; badcase "NUL byte" "prefs.js:2:19: NUL byte"
head -c 300000 /dev/urandom >"$B/prefs.js"; badcase "binary junk" "prefs.js:"
head -c 52428800 /dev/zero | tr '\0' ' ' >"$B/prefs.js"; badcase "a 50 MB file" "too large"
printf 'pref("a", 1);\n' >"$B/prefs.js"; badcase "pref() in prefs.js" "expected 'user_pref'"
rm -f "$B/prefs.js"

# --- set/get/unset/list and types
N=$T/new; mkdir -p "$N"
expect_rc "set on a profile without prefs.js" 0 -p "$N" pref set browser.x "hello \"w\""
check "prefs.js created 0600, as Firefox makes it" [ "$(stat -c %a "$N/prefs.js")" = 600 ]
check "string escaped as the application does" has "$N/prefs.js" 'user_pref("browser.x", "hello \"w\"");'
expect_rc "set --type string 123" 0 -p "$N" pref set --type string zz.s 123
check "forced string" has "$N/prefs.js" 'user_pref("zz.s", "123");'
expect_rc "set bool" 0 -p "$N" pref set zz.b true
check "bool written" has "$N/prefs.js" 'user_pref("zz.b", true);'
expect_rc "set --type int abc: exit 2" 2 -p "$N" pref set --type int zz.i abc
expect_rc "set an int pref to true: exit 2 (the application would ignore it)" 2 -p "$N" pref set security.OCSP.enabled true
expect_rc "set --type bad: exit 2" 2 -p "$N" pref set --type float zz.i 1
expect_rc "set without a value: exit 2" 2 -p "$N" pref set zz.i
expect_rc "get" 0 -p "$N" pref get zz.b
check "get prints value, type and source" says "$out" "zz.b = true (bool) [prefs.js"
expect_rc "get --json" 0 -p "$N" --json pref get zz.s
check "get --json shape" sh -c 'printf "%s\n" "$1" | python3 -c "
import json,sys; d=json.load(sys.stdin); r=d[\"results\"][0]; p=r[\"pref\"]
assert d[\"command\"]==\"pref get\" and d[\"ok\"] is True and r[\"error\"] is None, d
assert p[\"name\"]==\"zz.s\" and p[\"value\"]==\"123\" and p[\"type\"]==\"string\" and p[\"source\"]==\"prefs.js\" and p[\"line\"]>0 and p[\"locked\"] is False, p
assert p[\"settings\"][0][\"source\"]==\"prefs.js\", p"' _ "$out"
expect_rc "get of a pref set nowhere: exit 1" 1 -p "$N" pref get zz.nowhere
expect_rc "get of a default: exit 0" 0 -p "$N" pref get security.OCSP.enabled
check "default shown" says "$out" "security.OCSP.enabled = 1 (int) [default]"
expect_rc "list" 0 -p "$N" pref list
check "list shows every pref" [ "$(printf '%s\n' "$out" | grep -c ' = ')" -eq 3 ]
expect_rc "list --json" 0 -p "$N" --json pref list
check "list --json shape" sh -c 'printf "%s\n" "$1" | python3 -c "
import json,sys; d=json.load(sys.stdin); ps=d[\"results\"][0][\"prefs\"]
assert [p[\"name\"] for p in ps]==[\"browser.x\",\"zz.b\",\"zz.s\"], ps
assert all(p[\"source\"]==\"prefs.js\" for p in ps)"' _ "$out"
expect_rc "unset" 0 -p "$N" pref unset zz.b
check "unset removes the line" sh -c '! grep -q zz.b "$1"' _ "$N/prefs.js"
nsum=$(sha256sum <"$N/prefs.js")
expect_rc "unset again: nothing to do" 0 -p "$N" pref unset zz.b
check "unset again: untouched" [ "$(sha256sum <"$N/prefs.js")" = "$nsum" ]

# --- user.js wins over prefs.js: refused with exit 1 unless --user-js
U=$T/userjs; mkdir -p "$U"; cp "$PF/firefox-esr-153-prefs.js" "$U/prefs.js"
printf '// my settings\nuser_pref("security.OCSP.enabled", 0);\nuser_pref("zz.k", 3); // keep\n' >"$U/user.js"
chmod 0644 "$U/user.js"
usum=$(sum_dir "$U")
expect_rc "ocsp on while user.js sets 0: exit 1" 1 -p "$U" ocsp on
check "the message names user.js and its line" says "$errout" "user.js:2 sets 0"
check "the message says --user-js" says "$errout" "--user-js"
check "nothing written" [ "$(sum_dir "$U")" = "$usum" ]
expect_rc "ocsp status shows user.js" 0 -p "$U" ocsp status
check "status: off from user.js" says "$out" "user.js"
expect_rc "--json conflict" 1 -p "$U" --json pref set zz.k 5
check "JSON lists the conflict" sh -c 'printf "%s\n" "$1" | python3 -c "
import json,sys; d=json.load(sys.stdin); r=d[\"results\"][0]
assert d[\"ok\"] is False and r[\"changed\"] is False and r[\"error\"][\"code\"]==\"failed\", d
assert \"user.js\" in r[\"conflicts\"][0], r"' _ "$out"
expect_rc "ocsp on --user-js" 0 -p "$U" ocsp on --user-js
check "user.js: the OCSP line is gone" sh -c '! grep -q OCSP "$1"' _ "$U/user.js"
check "user.js: everything else kept byte for byte" [ "$(cat "$U/user.js")" = "$(printf '// my settings\nuser_pref("zz.k", 3); // keep')" ]
check "user.js mode kept" [ "$(stat -c %a "$U/user.js")" = 644 ]
expect_rc "pref set --user-js" 0 -p "$U" pref set --user-js zz.k 5
check "user.js edited in place" has "$U/user.js" 'user_pref("zz.k", 5); // keep'
check "prefs.js has it too" has "$U/prefs.js" 'user_pref("zz.k", 5);'
expect_rc "pref get: user.js wins" 0 -p "$U" pref get zz.k
check "get names user.js" says "$out" "zz.k = 5 (int) [user.js"
printf 'user_pref("a", "x\\qy");\n' >"$U/user.js"
expect_rc "--user-js with a broken user.js: exit 1" 1 -p "$U" pref set --user-js zz.k 6
check "names user.js:1" says "$errout" "user.js:1:"

# --- policies.json (MOZCERT_POLICY_DIRS) and autoconfig lockPref (MOZCERT_APP_DIRS)
Q=$T/pol-prof; mkdir -p "$Q"; cp "$PF/firefox-esr-153-prefs.js" "$Q/prefs.js"
cat >"$T/pol/policies.json" <<'J'
{"policies": {"Preferences": {"security.OCSP.enabled": {"Value": 0, "Status": "locked"}}}}
J
qsum=$(sum_dir "$Q")
expect_rc "ocsp on under a locking policy: exit 1" 1 -p "$Q" ocsp on
check "the message names policies.json" says "$errout" "$T/pol/policies.json"
check "the message says locked" says "$errout" "locked"
expect_rc "--user-js cannot beat a lock: exit 1" 1 -p "$Q" ocsp on --user-js
check "nothing written under the policy" [ "$(sum_dir "$Q")" = "$qsum" ]
expect_rc "ocsp off agrees with the policy: exit 0" 0 -p "$Q" ocsp off
expect_rc "ocsp status under the policy" 0 -p "$Q" --json ocsp status
check "status JSON: off, locked by policy" sh -c 'printf "%s\n" "$1" | python3 -c "
import json,sys; d=json.load(sys.stdin); r=d[\"results\"][0]; o=r[\"ocsp\"]
assert o[\"mode\"]==\"off\" and o[\"enabled_pref\"][\"locked\"] is True and o[\"enabled_pref\"][\"source\"]==\"locked\", o
assert r[\"policy_file\"].endswith(\"/pol/policies.json\"), r"' _ "$out"
rm "$T/pol/policies.json"

mkdir -p "$T/app/defaults/pref"
printf 'pref("general.config.filename", "mozilla.cfg");\npref("general.config.obscure_value", 0);\n' >"$T/app/defaults/pref/autoconfig.js"
printf '// first line\nlockPref("security.enable_md5_signatures", false);\n' >"$T/app/mozilla.cfg"
compat "$Q" 30.0
qsum=$(sum_dir "$Q")
export MOZCERT_APP_DIRS="$T/app"
expect_rc "md5 on against an autoconfig lockPref: exit 1" 1 -p "$Q" md5 on
check "the message names mozilla.cfg:2" says "$errout" "mozilla.cfg:2"
check "nothing written under autoconfig" [ "$(sum_dir "$Q")" = "$qsum" ]
expect_rc "md5 status shows the lock" 0 -p "$Q" md5 status
check "md5 status: locked by autoconfig" says "$out" "locked by autoconfig"
export MOZCERT_APP_DIRS=

# --- in use, symlinks
I=$T/inuse; mkdir -p "$I"; cp "$OLD" "$I/prefs.js"
isum=$(sum_dir "$I")
hold_lock "$I"
expect_rc "ocsp on while the application runs: exit 3" 3 -p "$I" ocsp on
expect_rc "pref set while in use: exit 3" 3 -p "$I" pref set zz.a 1
expect_rc "dry-run while in use: exit 3" 3 -p "$I" -n pref unset zz.a
check "in use: unchanged" [ "$(sum_dir "$I")" = "$isum" ]
expect_rc "pref get while in use is fine" 0 -p "$I" pref get security.OCSP.enabled
release_lock

L=$T/link; mkdir -p "$L"; cp "$OLD" "$T/elsewhere.js"; ln -s "$T/elsewhere.js" "$L/prefs.js"
lsum=$(sha256sum <"$T/elsewhere.js")
expect_rc "symlinked prefs.js: refused" 1 -p "$L" ocsp on
check "refusal says symbolic link" says "$errout" "symbolic link"
check "the link target is unchanged" [ "$(sha256sum <"$T/elsewhere.js")" = "$lsum" ]
check "the link is still a link" [ -L "$L/prefs.js" ]

# compatibility.ini decides file formats: one that cannot be read stops writers, naming it and why.
C=$T/compat
new_profile "$C"
head -c 2000000 /dev/zero | tr '\0' a >"$C/compatibility.ini"
expect_rc "oversize compatibility.ini: pref set refused" 1 -p "$C" pref set a.b 1
check "oversize: the error names the file and says too large" says "$errout" "compatibility.ini' (the application version decides file formats): File too large"
rm "$C/compatibility.ini"
ln -s compatibility.ini "$C/compatibility.ini"
expect_rc "compatibility.ini that cannot be looked at (a link loop): refused" 1 -p "$C" pref set a.b 1
check "link loop: the error says why" says "$errout" "symbolic links"
check "nothing was written" [ ! -e "$C/prefs.js" ]

done_testing
